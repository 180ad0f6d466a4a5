"""End-to-end sessions of the plugin, run the way pytest tests plugins (pytester)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_without_dataset_the_plugin_is_inert(pytester: pytest.Pytester) -> None:
    pytester.makepyfile("def test_ok():\n    assert True\n")
    result = pytester.runpytest()
    result.assert_outcomes(passed=1)
    assert not (pytester.path / "appdata").exists()


def test_session_collects_items_and_snapshots_gate_the_run(pytester, parquet_path) -> None:
    args = ["--stat-dataset", "sales=data/sales.parquet", "-p", "no:cacheprovider"]
    collected = pytester.runpytest(*args, "--collect-only", "-q")
    assert "statharness::profile_numeric[sales]" in collected.stdout.str()

    first = pytester.runpytest(*args)
    assert first.ret == 1
    first.stdout.fnmatch_lines(
        [
            "*no snapshot stored at sales/profile_numeric.json under the snapshot dir snapshots/;*--snapshot-update*"
        ]
    )
    # said once at the end, too: a first run fails every item, and why is one line
    first.stdout.fnmatch_lines(
        ["no snapshots recorded yet for sales: the findings above are computed but not*"]
    )

    update = pytester.runpytest(*args, "--snapshot-update")
    assert update.ret == 0, update.stdout.str()
    snapshot = pytester.path / "snapshots" / "sales" / "profile_numeric.json"
    assert snapshot.is_file()

    again = pytester.runpytest(*args)
    assert again.ret == 0
    again.stdout.fnmatch_lines(["*snapshots: * match*"])

    report = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    run_dir = pytester.path / "appdata" / "runs" / report["run_id"]
    data = json.loads((run_dir / "report.json").read_text())
    assert data["schema_version"] == 2
    assert data["datasets"][0]["fingerprint"].startswith("sha256:")
    assert {i["outcome"] for i in data["items"]} == {"passed"}
    assert (run_dir / "report.md").read_text().startswith("# statharness run")


def test_explore_skips_items_with_no_snapshot_yet_but_checks_recorded_ones(
    pytester, parquet_path, frame
) -> None:
    """A first look at new data is no wall of failures: unrecorded items are skipped with
    their findings reported; a recorded snapshot that no longer matches still fails."""
    args = ["--stat-dataset", "sales=data/sales.parquet", "-p", "no:cacheprovider"]
    first = pytester.runpytest(*args, "--stat-explore", "-rs")
    assert first.ret == 0, first.stdout.str()
    # counted as explored, not skipped: "273 skipped" read as "nothing ran"
    first.stdout.fnmatch_lines(
        ["findings: *", "no snapshots recorded yet for sales: *", "* explored in *"]
    )
    assert "skipped" not in first.stdout.str().splitlines()[-1]
    report = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    data = json.loads(
        (pytester.path / "appdata" / "runs" / report["run_id"] / "report.json").read_text()
    )
    # report.json's items say 'explored' too, as its summary does (a reader saw 'skipped')
    assert {i["outcome"] for i in data["items"]} == {"explored"}
    assert data["summary"]["outcomes"] == {"explored": len(data["items"])}
    markdown = (pytester.path / "appdata" / "runs" / report["run_id"] / "report.md").read_text()
    # a first look is an exploration, with the next step: not "not ready for release", and
    # its unrecorded items are no list of failures
    assert "an exploration:" in markdown and "not ready for release" not in markdown
    assert "## Items that did not pass" not in markdown
    assert "have no snapshot yet (--stat-explore" in markdown
    assert pytester.runpytest(*args, "--snapshot-update").ret == 0
    changed = frame.copy()
    changed.loc[5, "amount"] = 1e9
    changed.to_parquet(parquet_path, index=False)
    pytester.makeini("[pytest]\nstat_explore = true\n")
    assert pytester.runpytest(*args).ret == 1  # recorded and changed: still a failure


def test_altered_value_fails_only_affected_items_with_readable_diff(
    pytester, parquet_path, frame
) -> None:
    args = ["--stat-dataset", "sales=data/sales.parquet", "-p", "no:cacheprovider"]
    assert pytester.runpytest(*args, "--snapshot-update").ret == 0
    changed = frame.copy()
    changed.loc[5, "amount"] = 1e9
    changed.to_parquet(parquet_path, index=False)
    result = pytester.runpytest(*args, "-rf")
    assert result.ret == 1
    out = result.stdout.str()
    assert "profile_numeric[sales]" in out
    result.stdout.fnmatch_lines(["*column=amount: max: *-> 1000000000.0*"])
    # the score column did not change: its finding is not reported as changed
    assert "column=score" not in out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    "bad_args, message",
    [
        (["--stat-dataset", "x=missing.parquet"], "*file 'missing.parquet' does not exist*"),
        (["--stat-dataset", "bad name=x.csv"], "*dataset name 'bad name' is not allowed*"),
        (
            ["--stat-batch-size", "zero", "--stat-dataset", "x=x.csv"],
            "*--stat-batch-size 'zero': not an integer*",
        ),
        (["--stat-batch-size", "0"], "*must be at least 1 row*"),
        (["--stat-golden", "loose"], "*--stat-golden 'loose': must be one of default, strict*"),
        (["--stat-compare", "a"], "*--stat-compare 'a': give two different dataset names*"),
        (["--stat-time-limit", "-3"], "*--stat-time-limit '-3': must be positive*"),
    ],
)
def test_bad_options_are_usage_errors(pytester, bad_args, message) -> None:
    (pytester.path / "x.csv").write_text("a,b\n1,2\n")
    result = pytester.runpytest(*bad_args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str() + result.stdout.str()


def _bad_inputs(path):
    (path / "empty.csv").write_bytes(b"")
    (path / "header_only.csv").write_text("a,b\n")
    (path / "corrupt.parquet").write_bytes(b"PAR1 this is not parquet at all")
    (path / "data.xyz").write_text("what is this")
    (path / "latin1.csv").write_bytes("name,n\ncaf\xe9,1\n".encode("latin-1"))
    (path / "all_ragged.csv").write_text("a,b\n1,2,3\n4,5,6\n")
    (path / "corrupt.arrow").write_bytes(b"ARROW1\x00\x00garbage")
    (path / "notsqlite.db").write_bytes(b"SQLite format 3\x00" + b"\x00" * 50)
    return {
        "empty.csv": "*empty*",
        "header_only.csv": "*has no data rows*",
        "corrupt.parquet": "*corrupt.parquet*not a readable Parquet file*",
        "data.xyz": "*data.xyz*unknown format*",
        "latin1.csv": "*latin1.csv*not valid UTF-8*",
        "all_ragged.csv": "*every data row is ragged*",
        "corrupt.arrow": "*corrupt.arrow*Arrow IPC*",
        "notsqlite.db::t": "*notsqlite.db*",
        "missing_table.db::t": "*does not exist*",
    }


def test_bad_inputs_get_one_clear_message(pytester) -> None:
    cases = _bad_inputs(pytester.path)
    for location, message in cases.items():
        result = pytester.runpytest("--stat-dataset", f"d={location}", "-p", "no:cacheprovider")
        assert result.ret == pytest.ExitCode.USAGE_ERROR, (location, result.stdout.str())
        result.stderr.fnmatch_lines([f"ERROR: {message}"])
        assert "Traceback" not in result.stderr.str() + result.stdout.str(), location
    # a refused file leaves no cache entry behind (a 0-row header-only CSV was listed)
    from pytest_statharness.dataset.cache import list_entries

    assert list_entries(pytester.path / "appdata" / "cache" / "datasets") == []


def test_ragged_csv_rows_are_dropped_counted_and_reported(pytester) -> None:
    (pytester.path / "r.csv").write_text(
        "x,y\n" + "".join(f"{i},{i * 2}\n" for i in range(50)) + "1,2,3\n" + "7,8\n"
    )
    result = pytester.runpytest("--stat-dataset", "r=r.csv", "--snapshot-update")
    assert result.ret == 0, result.stdout.str()
    latest = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    report = json.loads(
        (pytester.path / "appdata" / "runs" / latest["run_id"] / "report.json").read_text()
    )
    dataset = report["datasets"][0]
    assert dataset["row_count"] == 51
    assert dataset["bad_rows"] == {"count": 1, "first_lines": [52]}


def test_sqlite_arrow_and_csv_sources_give_the_same_findings(pytester, frame) -> None:
    import sqlite3

    import pyarrow as pa
    import pyarrow.feather as feather

    numeric = frame[["amount", "score", "units"]]
    numeric.to_csv(pytester.path / "d.csv", index=False)
    feather.write_feather(
        pa.Table.from_pandas(numeric, preserve_index=False), pytester.path / "d.feather"
    )
    with sqlite3.connect(pytester.path / "d.db") as conn:
        numeric.to_sql("t", conn, index=False)
    numeric.to_parquet(pytester.path / "d.parquet", index=False)
    texts = {}
    for name, location in [
        ("a", "d.csv"),
        ("b", "d.feather"),
        ("c", "d.db::t"),
        ("d", "d.parquet"),
    ]:
        result = pytester.runpytest(
            "--stat-dataset", f"{name}={location}", "--snapshot-update", "-p", "no:cacheprovider"
        )
        assert result.ret == 0, result.stdout.str()
        texts[name] = (pytester.path / "snapshots" / name / "profile_numeric.json").read_text()
    assert len(set(texts.values())) == 1


def test_partitioned_parquet_folder(pytester, frame) -> None:
    folder = pytester.path / "parts"
    for region, group in frame.groupby("region"):
        (folder / f"region={region}").mkdir(parents=True)
        group.drop(columns="region").to_parquet(
            folder / f"region={region}" / "part-0.parquet", index=False
        )
    result = pytester.runpytest(
        "--stat-dataset", "parts", "--snapshot-update", "--collect-only", "-q"
    )
    assert result.ret == 0, result.stdout.str()
    assert "statharness::profile_numeric[parts]" in result.stdout.str()


def test_exit_code_and_items_with_k_and_x(pytester, parquet_path) -> None:
    args = ["--stat-dataset", "sales=data/sales.parquet"]
    pytester.runpytest(*args, "--snapshot-update")
    result = pytester.runpytest(*args, "-k", "nothing_matches_this")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result = pytester.runpytest(*args, "-k", "profile_numeric", "-x")
    result.assert_outcomes(passed=1)


def test_frame_helper_matches_pandas(frame: pd.DataFrame) -> None:
    assert len(frame) == 3000


def test_artifacts_carry_no_absolute_paths_user_or_host(pytester, parquet_path) -> None:
    import getpass
    import socket

    result = pytester.runpytest(
        "--stat-dataset", f"sales={parquet_path}", "--snapshot-update", "-k", "profile_numeric"
    )
    assert result.ret == 0, result.stdout.str()
    home = pytester.path / "appdata"
    texts = [p.read_text() for p in (home / "runs").rglob("*") if p.suffix in (".json", ".md")]
    texts += [p.read_text() for p in (pytester.path / "snapshots").rglob("*.json")]
    forbidden = [str(pytester.path), str(parquet_path.parent)]
    user, host = getpass.getuser(), socket.gethostname()
    for text in texts:
        for needle in forbidden:
            assert needle not in text
        for word in (user, host):
            if len(word) >= 4:  # short names ("root") would match ordinary words
                assert f'"{word}"' not in text


def test_an_analysis_that_raises_is_named_in_the_run_report(pytester, parquet_path) -> None:
    """A defect in an analysis fails its item only; report.json and report.md say which
    analysis on which dataset failed and why, not an item of nulls."""
    pytester.makeconftest(
        """
from pytest_statharness import Analysis, ColumnKind


class Broken(Analysis):
    id = "broken_one"
    family = "quality"
    title = "raises in update"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        raise ValueError("zip() argument 2 is longer than argument 1")

    def merge(self, a, b, ctx):
        return a


def statharness_analyses():
    return [Broken()]
"""
    )
    result = pytester.runpytest(
        "--stat-dataset", "sales=data/sales.parquet", "-p", "no:cacheprovider", "-k", "broken_one"
    )
    result.assert_outcomes(failed=1)
    latest = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    run_dir = pytester.path / "appdata" / "runs" / latest["run_id"]
    (item,) = json.loads((run_dir / "report.json").read_text())["items"]
    assert (item["analysis_id"], item["dataset"], item["outcome"]) == (
        "broken_one",
        "sales",
        "failed",
    )
    assert item["error"] == (
        "ValueError in analysis 'broken_one': zip() argument 2 is longer than argument 1"
    )
    assert "zip() argument 2 is longer" in (run_dir / "report.md").read_text()
