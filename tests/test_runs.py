"""Runs as the store records them: provenance, the run row from session start, status and
ETA, comparison with the previous comparable run and the --stat-fail-on-new gate, and the
run commands of the CLI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from pytest_statharness import store
from pytest_statharness.cli import main
from pytest_statharness.provenance import redact_argv
from pytest_statharness.report.writer import validate

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SELECT = ["-k", "profile_numeric or outliers or missingness", "-p", "no:cacheprovider"]
ARGS = ["--stat-dataset", "sales=data/sales.parquet", *SELECT]

# A test of the user's, run in the same session before the generated items: it sees the
# run's row while the session is still going.
DURING_RUN = """
import json, sqlite3
from pathlib import Path
from pytest_statharness import store
from pytest_statharness.cli_runs import status_of

def test_the_run_row_exists_while_running(pytestconfig):
    home = Path(pytestconfig.rootpath) / "appdata"
    run = store.list_runs(home)[0]
    assert run["status"] == "running"
    assert run["expected"] == 3
    assert run["heartbeat"] is not None
    status = status_of(home, run)
    assert status["done"] == 0 and status["pending"] == 3
    out = Path(pytestconfig.rootpath) / f"status-{run['run_id']}.json"
    out.write_text(json.dumps(status))
"""


def _latest(pytester) -> dict:
    latest = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    return json.loads(
        (pytester.path / "appdata" / "runs" / latest["run_id"] / "report.json").read_text()
    )


def test_redact_argv_hides_secrets_and_absolute_paths(tmp_path) -> None:
    argv = [
        "pytest",
        "--token",
        "abc123",
        "--api-key=XYZ",
        "--password=hunter2",
        "DB_PASSWORD=s3cret",
        "--url=https://alice:pw@example.org/x",
        "ghp_" + "a" * 36,
        f"--stat-dataset=sales={tmp_path}/data/sales.parquet",
        "/elsewhere/data/x.csv",
        "-k",
        "profile",
    ]
    out = redact_argv(argv, root=tmp_path)
    text = " ".join(out)
    for secret in ("abc123", "XYZ", "hunter2", "s3cret", "alice", ":pw@", "ghp_aaaa"):
        assert secret not in text
    assert "--stat-dataset=sales=data/sales.parquet" in out
    assert "<abs>/x.csv" in out
    assert "https://***@example.org/x" in text
    assert out[-2:] == ["-k", "profile"]


def test_provenance_run_row_status_and_eta(pytester, parquet_path) -> None:
    first = pytester.runpytest(*ARGS, "--snapshot-update")
    assert first.ret == 0, first.stdout.str()
    report = _latest(pytester)
    validate(report, "report")
    prov = report["provenance"]
    assert prov["argv"][0] == "pytest" and "sales=data/sales.parquet" in prov["argv"]
    assert str(pytester.path) not in json.dumps(report)
    assert prov["plugin"]["distribution"] == "pytest-statharness"
    for lib in ("python", "numpy", "pandas", "pyarrow", "scipy"):
        assert prov["versions"][lib]
    builtin = [p for p in prov["providers"] if p["distribution"] == "pytest-statharness"]
    assert {a for p in builtin for a in p["analyses"]} >= {"profile_numeric", "outliers"}
    assert prov["settings_hash"].startswith("sha256:") and prov["policy_hash"].startswith("sha256:")
    assert prov["dataset_spec_hashes"] == {"sales": None}
    assert prov["started"] and prov["ended"] and prov["started"] <= prov["ended"]
    assert report["scorecard"]["pillars"]["secure"]["score"] == 10.0

    home = pytester.path / "appdata"
    run = store.get_run(home, report["run_id"])
    assert run["status"] == "passed" and run["exit_status"] == 0
    assert run["provenance"]["settings_hash"] == prov["settings_hash"]
    assert run["datasets"] == ["sales"] and run["expected"] == 3
    items = store.run_items(home, report["run_id"])
    assert [i["outcome"] for i in items] == ["passed"] * 3
    assert all(i["wall_s"] is not None and i["size_class"] == "small" for i in items)

    # second run: the row exists while it runs, with pending items and an ETA from run 1
    pytester.makepyfile(test_during=DURING_RUN)
    second = pytester.runpytest(
        "--stat-dataset",
        "sales=data/sales.parquet",
        "-k",
        "profile_numeric or outliers or missingness or during",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",  # the user's test must run first, while no item has finished
    )
    assert second.ret == 0, second.stdout.str()
    status = json.loads(next(pytester.path.glob("status-run-*.json")).read_text())
    assert status["status"] == "running" and status["expected"] == 3
    assert status["eta_s"] is not None and status["eta_items_without_history"] == 0
    assert store.get_run(home, "run-000002")["status"] == "passed"


def test_other_data_under_a_reused_name_is_said_when_comparing(pytester, parquet_path) -> None:
    """Another file run under the same dataset name gave 'compare with run-000001: 4 new,
    14 gone' and no word that the data were other data (rater BG)."""
    import pandas as pd

    assert pytester.runpytest(*ARGS, "--stat-explore").ret == 0
    # an exploration's items are computed, not skipped: report.md said '280 skipped' (BF)
    assert _latest(pytester)["summary"]["outcomes"] == {"explored": 3}
    page = next((pytester.path / "appdata" / "runs").glob("*/report.md")).read_text()
    assert "3 items: 3 explored." in page
    pd.DataFrame({"speed": [float(k % 17) for k in range(300)]}).to_parquet(
        parquet_path, index=False
    )
    result = pytester.runpytest(*ARGS, "--stat-explore")
    result.stdout.fnmatch_lines(
        [
            "*compare with run-000001:*",
            "*note: dataset 'sales' shares no column with its namesake in run-000001*",
        ]
    )
    assert _latest(pytester)["comparison"]["other_data"] == ["sales"]


def test_fail_on_new_gates_on_the_previous_comparable_run(pytester, parquet_path, frame) -> None:
    assert pytester.runpytest(*ARGS, "--snapshot-update").ret == 0
    # a run with other settings is not comparable: it is skipped when choosing "previous"
    assert pytester.runpytest(*ARGS, "--snapshot-update", "--stat-golden=strict").ret == 0
    changed = frame.copy()
    changed.loc[5, "amount"] = 1e9
    changed.loc[changed.index % 5 == 0, "units"] = None
    changed.to_parquet(parquet_path, index=False)
    result = pytester.runpytest(*ARGS, "--snapshot-update", "--stat-fail-on-new=medium")
    assert result.ret == 1, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*compare with run-000001: 3 new, 1 gone, 4 changed*",
            "*--stat-fail-on-new=medium: 2 finding(s)*",
            "*new medium: Column 'units' is missing in 600 of 3000 rows*",
        ]
    )
    report = _latest(pytester)
    assert report["exit_status"] == 1 and report["comparison"]["failed"]
    assert report["comparison"]["against"] == "run-000001"
    home = pytester.path / "appdata"
    assert store.get_run(home, report["run_id"])["status"] == "failed"
    summary = json.loads((home / "runs" / report["run_id"] / "comparison_summary.json").read_text())
    assert summary["counts"] == {"added": 3, "removed": 1, "changed": 4}
    page = (home / "runs" / report["run_id"] / "comparison_report.html").read_text()
    assert "Column &#x27;units&#x27; is missing in 600 of 3000 rows" in page
    assert "1e+09" in page  # the delta of amount's max
    changed_amount = next(
        c for c in summary["changed"] if c["id"].endswith("column=amount") and "max" in c["values"]
    )
    assert changed_amount["values"]["max"]["b"] == 1e9
    # the same data again: nothing new, the gate passes
    again = pytester.runpytest(*ARGS, "--stat-fail-on-new=info")
    assert again.ret == 0, again.stdout.str()
    # a bad level is a usage error
    bad = pytester.runpytest(*ARGS, "--stat-fail-on-new=severe")
    assert bad.ret == 4
    bad.stderr.fnmatch_lines(["*--stat-fail-on-new 'severe': must be one of off, info*"])


def test_cli_runs_show_open_compare(pytester, parquet_path, frame, capsys) -> None:
    assert pytester.runpytest(*ARGS, "--snapshot-update").ret == 0
    frame.loc[7, "score"] = 1e6
    frame.to_parquet(parquet_path, index=False)
    assert pytester.runpytest(*ARGS, "--snapshot-update").ret == 0
    home = str(pytester.path / "appdata")
    capsys.readouterr()
    assert main(["runs", "list", "--home", home]) == 0
    out = capsys.readouterr().out
    assert "run-000002   passed" in out and "run-000001   passed" in out
    assert main(["runs", "list", "--home", home, "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [r["run_id"] for r in listed] == ["run-000002", "run-000001"]
    assert main(["runs", "show", "1", "--home", home]) == 0
    assert "command  pytest --stat-dataset sales=data/sales.parquet" in capsys.readouterr().out
    assert main(["runs", "open", "--print-only", "--home", home]) == 0
    assert capsys.readouterr().out.strip().endswith("run-000002/report.html")
    assert main(["status", "--home", home, "--json"]) == 0
    status = json.loads(capsys.readouterr().out)
    assert status["status"] == "passed" and status["done"] == 3 and status["eta_s"] is None
    assert main(["compare", "1", "latest", "--home", home]) == 0
    assert "run-000001 → run-000002" in capsys.readouterr().out
    md = pytester.path / "appdata" / "runs" / "run-000002" / "compare-run-000001"
    assert (md / "comparison_report.md").read_text().startswith("# statharness comparison")
    page = (md / "comparison_report.html").read_text()
    assert page.startswith("<!doctype html>") and "run-000001 → run-000002" in page
    assert main(["runs", "show", "run-000009", "--home", home]) == 2
    assert "no run 'run-000009'" in capsys.readouterr().err
    # every JSON artifact the two runs wrote matches its schema; an edited one does not
    from pytest_statharness.errors import StatHarnessError
    from pytest_statharness.report.writer import ARTIFACT_SCHEMAS, validate_file

    run2 = pytester.path / "appdata" / "runs" / "run-000002"
    written = sorted(p.name for p in run2.glob("*.json"))
    assert written == sorted(ARTIFACT_SCHEMAS)  # comparison_summary.json included
    for path in [*run2.glob("*.json"), md / "comparison_summary.json"]:
        validate_file(path)
    summary = json.loads((run2 / "comparison_summary.json").read_text())
    summary["counts"]["changed"] += 1
    (run2 / "comparison_summary.json").write_text(json.dumps(summary))
    with pytest.raises(StatHarnessError, match="counts.changed is"):
        validate_file(run2 / "comparison_summary.json")


def test_runs_list_into_a_closed_pipe_is_quiet(tmp_path) -> None:
    home = tmp_path / "home"
    for _ in range(300):
        store.new_run(home, datasets=["x"])
    code = f"{sys.executable} -m pytest_statharness.cli runs list --json --home {home} | head -1"
    done = subprocess.run(code, shell=True, capture_output=True, text=True)
    assert done.stdout.strip() == "["
    assert done.stderr == ""


def test_old_state_db_is_migrated(tmp_path) -> None:
    home = tmp_path
    conn = sqlite3.connect(home / "state.db")
    conn.execute(
        "CREATE TABLE runs (seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE NOT NULL,"
        " status TEXT NOT NULL, exit_status INTEGER, created REAL NOT NULL, summary TEXT)"
    )
    conn.execute("INSERT INTO runs (run_id, status, created) VALUES ('run-000001', 'finished', 1)")
    conn.commit()
    conn.close()
    seq, run_id = store.new_run(home, datasets=["a"], settings_hash="sha256:x")
    assert (seq, run_id) == (2, "run-000002")
    assert [r["run_id"] for r in store.list_runs(home)] == ["run-000002", "run-000001"]


INTERRUPT = """
def test_interrupts():
    raise KeyboardInterrupt
"""


def test_an_interrupted_session_is_recorded_as_interrupted(pytester, parquet_path) -> None:
    pytester.makepyfile(test_stop=INTERRUPT)
    result = pytester.runpytest_subprocess(
        "--stat-dataset", "sales=data/sales.parquet", "-p", "no:cacheprovider"
    )
    assert result.ret == 2
    run = store.list_runs(pytester.path / "appdata")[0]
    assert run["status"] == "interrupted" and run["exit_status"] == 2
    assert run["ended"] is not None


def test_xdist_run_records_expected_items_and_durations(pytester, parquet_path) -> None:
    result = pytester.runpytest_subprocess(*ARGS, "--snapshot-update", "-n", "2")
    assert result.ret == 0, result.stdout.str()
    home = pytester.path / "appdata"
    run = store.list_runs(home)[0]
    assert run["status"] == "passed" and run["expected"] == 3
    assert run["provenance"]["workers"] == 2
    items = store.run_items(home, run["run_id"])
    assert [i["outcome"] for i in items] == ["passed"] * 3
    assert all(i["wall_s"] is not None for i in items)


def test_state_db_records_its_schema_version(tmp_path) -> None:
    store.new_run(tmp_path, datasets=["a"])
    conn = sqlite3.connect(tmp_path / "state.db")
    (version,) = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    conn.close()
    assert version == str(store.STATE_SCHEMA_VERSION) == "2"


def test_status_watch_follows_a_running_run_until_it_ends(tmp_path, capsys) -> None:
    """``status --watch`` prints the status again every interval (items done, ETA from the
    median of earlier runs) and returns once the run is no longer running."""
    import threading
    import time

    home = tmp_path / "home"
    nodes = [f"statharness::profile_numeric[d{i}]" for i in range(3)]
    # an earlier run: profile_numeric on small datasets took 2, 4 and 6 s (median 4)
    _seq, first = store.new_run(home, datasets=["d"])
    store.finish_run(
        home,
        first,
        0,
        {"items": 3},
        {
            n: {"outcome": "passed", "analysis_id": "profile_numeric", "telemetry": {"wall_s": w}}
            for n, w in zip(nodes, (2.0, 4.0, 6.0), strict=True)
        },
        size_classes=dict.fromkeys(nodes, "small"),
    )
    _seq, run = store.new_run(home, datasets=["d"])
    store.items_expected(home, run, [(n, "profile_numeric", n[-3:-1], "small") for n in nodes])
    store.item_done(
        home,
        run,
        nodes[0],
        outcome="passed",
        analysis_id="profile_numeric",
        dataset="d0",
        size_class="small",
        wall_s=3.0,
    )

    def finish_later() -> None:
        time.sleep(0.6)
        store.finish_run(home, run, 0, {"items": 3}, {})

    finisher = threading.Thread(target=finish_later)
    finisher.start()
    started = time.monotonic()
    code = main(["status", run, "--home", str(home), "--watch", "--interval", "0.1", "--json"])
    finisher.join()
    assert code == 0 and time.monotonic() - started >= 0.5
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) >= 3  # printed again while it ran
    assert lines[0]["status"] == "running" and lines[0]["done"] == 1 and lines[0]["pending"] == 2
    assert lines[0]["eta_s"] == 8.0  # two items left × median 4 s, one worker
    assert lines[-1]["status"] == "passed" and lines[-1]["eta_s"] is None


@pytest.mark.slow
def test_strict_golden_requires_the_scorecard_floor(pytester, parquet_path, monkeypatch) -> None:
    """Under --stat-golden=strict a scorecard that is not release ready fails the session
    (here: the network guard on scores "secure" 5, under the floor of 7); the default
    policy only reports it."""
    args = ["--stat-dataset", "sales=data/sales.parquet", "-k", "profile_numeric"]
    args += ["-p", "no:cacheprovider", "--snapshot-update"]
    monkeypatch.setenv("STAT_HARNESS_NETWORK_MODE", "on")
    loose = pytester.runpytest(*args)
    assert loose.ret == 0, loose.stdout.str()[-2000:]
    strict = pytester.runpytest(*args, "--stat-golden=strict")
    assert strict.ret == 1
    strict.assert_outcomes(passed=1)
    strict.stdout.fnmatch_lines(
        [
            "*--stat-golden=strict: the scorecard is not release ready; the session fails: secure 5 < 7*"
        ]
    )
    assert _latest(pytester)["exit_status"] == 1
    monkeypatch.setenv("STAT_HARNESS_NETWORK_MODE", "off")
    assert pytester.runpytest(*args, "--stat-golden=strict").ret == 0


def test_an_empty_home_says_where_a_session_records(tmp_path, capsys) -> None:
    """A session run with --stat-home DIR records in DIR; 'runs list' without --home reads
    the default home and must say how to look in DIR, not only 'no runs recorded'."""
    assert main(["runs", "list", "--home", str(tmp_path / "empty")]) == 0
    out = capsys.readouterr().out
    assert "no runs recorded" in out and "--stat-home DIR" in out and "--home DIR" in out
    assert main(["runs", "show", "--home", str(tmp_path / "empty")]) != 0
    assert "--home DIR" in capsys.readouterr().err


SLOPE = """
import math

from pytest_statharness import Analysis, ColumnKind


class Slope(Analysis):
    id = "slope"
    family = "quality"
    title = "a ratio that can be infinite"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        return state + chunk.num_rows

    def merge(self, a, b, ctx):
        return a + b

    def findings(self, ctx):
        values = {"rows": ctx.previous[0], "ratio": math.inf, "spread": math.nan}
        units = {"rows": "count", "ratio": "ratio", "spread": "value"}
        return [ctx.finding(kind="slope", title="Slope", subject={"scope": "dataset"},
                            values=values, units=units)]


def statharness_analyses():
    return [Slope()]
"""


def test_the_same_data_twice_changes_nothing_even_with_non_finite_values(
    pytester, parquet_path
) -> None:
    """A stored run writes inf and NaN as canonical JSON's "Infinity" and "NaN": the next
    run compared those strings with its own floats and called the finding changed (a new
    user's identical re-run: "1 changed finding"). It now compares the run as written."""
    pytester.makeconftest(SLOPE)
    args = ["--stat-dataset", "sales=data/sales.parquet", "-k", "slope", "-p", "no:cacheprovider"]
    assert pytester.runpytest(*args, "--snapshot-update").ret == 0
    first = _latest(pytester)
    [finding] = [f for item in first["items"] for f in item["findings"]]
    assert finding["measurement"]["values"]["ratio"] == "Infinity"
    again = pytester.runpytest(*args)
    assert again.ret == 0, again.stdout.str()
    gate = _latest(pytester)["comparison"]
    assert gate["against"] == first["run_id"]
    assert (gate["added"], gate["removed"], gate["changed"]) == (0, 0, 0), gate


def test_an_exploration_is_listed_as_explored_not_passed(pytester, parquet_path) -> None:
    """A first look with --stat-explore computes every item and verifies none (no
    snapshot yet): runs list said 'passed' while pytest said 'explored' and the scorecard
    'not verified'. Once recorded, the next run passes."""
    args = ("-p", "statharness", f"--stat-dataset=sales={parquet_path}", "-k", "profile")
    assert pytester.runpytest(*args, "--stat-explore").ret == 0
    home = pytester.path / "appdata"
    assert store.get_run(home, "run-000001")["status"] == "explored"
    assert pytester.runpytest(*args, "--snapshot-update").ret == 0
    assert pytester.runpytest(*args).ret == 0
    assert store.get_run(home, "run-000003")["status"] == "passed"
