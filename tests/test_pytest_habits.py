"""Every pytest habit works on the generated items (pytester sessions, one habit each)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

# two providers give a handful of quick items
ARGS = [
    "--stat-dataset",
    "sales=data/sales.parquet",
    "--stat-providers",
    "profile,missingness,profile_categorical",
]
SNAPSHOTS = ("profile_numeric", "missingness")


@pytest.fixture
def recorded(pytester: pytest.Pytester, parquet_path) -> pytest.Pytester:
    """A session whose snapshots are recorded, then two of them removed (two failures)."""
    result = pytester.runpytest(*ARGS, "--snapshot-update", "-p", "no:randomly")
    assert result.ret == 0, result.stdout.str()
    for analysis_id in SNAPSHOTS:
        (pytester.path / "snapshots" / "sales" / f"{analysis_id}.json").unlink()
    return pytester


def _ran(result) -> list[str]:
    return [
        line.split(" ")[0]
        for line in result.stdout.lines
        if line.startswith("statharness::") and (" PASSED" in line or " FAILED" in line)
    ]


def _lastfailed(pytester) -> dict:
    path = pytester.path / ".pytest_cache" / "v" / "cache" / "lastfailed"
    return json.loads(path.read_text()) if path.exists() else {}


def test_last_failed_reruns_only_the_failures_and_forgets_fixed_ones(recorded) -> None:
    first = recorded.runpytest(*ARGS, "-p", "no:randomly")
    outcomes = first.parseoutcomes()
    assert outcomes["failed"] == 2 and outcomes["passed"] >= 1
    assert set(_lastfailed(recorded)) == {f"statharness::{a}[sales]" for a in SNAPSHOTS}

    again = recorded.runpytest(*ARGS, "-p", "no:randomly", "--lf", "-v")
    again.stdout.fnmatch_lines(["*run-last-failure: rerun previous 2 failures*"])
    again.assert_outcomes(failed=2, deselected=outcomes["passed"])

    fixed = recorded.runpytest(*ARGS, "-p", "no:randomly", "--lf", "--snapshot-update")
    fixed.assert_outcomes(passed=2, deselected=outcomes["passed"])
    assert _lastfailed(recorded) == {}


def test_failed_first_runs_the_failures_before_the_rest(recorded) -> None:
    recorded.runpytest(*ARGS, "-p", "no:randomly")
    result = recorded.runpytest(*ARGS, "-p", "no:randomly", "--ff", "-v")
    result.stdout.fnmatch_lines(["*rerun previous 2 failures first*"])
    ran = _ran(result)
    assert sorted(ran[:2]) == sorted(f"statharness::{a}[sales]" for a in SNAPSHOTS)
    assert len(ran) > 2


def test_stepwise_stops_at_a_failure_and_resumes_there(recorded) -> None:
    first = recorded.runpytest(*ARGS, "-p", "no:randomly", "--sw", "-v")
    assert first.parseoutcomes()["failed"] == 1
    failing = next(
        line.split(" ")[0]
        for line in first.stdout.lines
        if line.endswith("FAILED", 0, -7) or " FAILED" in line
    )
    second = recorded.runpytest(*ARGS, "-p", "no:randomly", "--sw", "-v")
    assert _ran(second)[0] == failing


def test_exitfirst_stops_after_the_first_failure(recorded) -> None:
    result = recorded.runpytest(*ARGS, "-p", "no:randomly", "-x")
    assert result.parseoutcomes()["failed"] == 1
    result.stdout.fnmatch_lines(["*stopping after 1 failures*"])


def test_keyword_and_marker_selection(recorded) -> None:
    by_k = recorded.runpytest(*ARGS, "-p", "no:randomly", "-k", "profile_numeric and sales")
    by_k.assert_outcomes(failed=1, deselected=by_k.parseoutcomes()["deselected"])
    by_m = recorded.runpytest(*ARGS, "-p", "no:randomly", "-m", "quality", "--co", "-q")
    assert "statharness::missingness[sales]" in by_m.stdout.str()
    assert "profile_numeric" not in by_m.stdout.str()
    none = recorded.runpytest(*ARGS, "-m", "not statharness")
    assert none.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_collect_only_lists_items_and_writes_no_run(recorded) -> None:
    result = recorded.runpytest(*ARGS, "--co", "-q")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["statharness::missingness[sales]", "*tests collected*"])
    runs = sorted((recorded.path / "appdata" / "runs").glob("run-*"))
    assert len(runs) == 1  # only the recording run of the fixture


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["n0", "n2"])
def test_junitxml_is_slim_and_points_at_the_report(recorded, workers) -> None:
    recorded.runpytest(*ARGS, "--snapshot-update")
    result = recorded.runpytest(*ARGS, *workers, "--junitxml=out/junit.xml")
    assert result.ret == 0, result.stdout.str()
    xml = (recorded.path / "out" / "junit.xml").read_text()
    assert len(xml) < 8000, len(xml)  # counts, never the findings
    root = ET.fromstring(xml)
    suite_props = {p.get("name"): p.get("value") for p in root.iter("property")}
    report = suite_props["statharness.report"]
    assert (recorded.path / report).is_file()
    case = next(c for c in root.iter("testcase") if c.get("name") == "profile_numeric[sales]")
    props = {p.get("name"): p.get("value") for p in case.iter("property")}
    assert props["statharness.snapshot"] == "match"
    assert int(props["statharness.findings"]) == sum(
        int(props[f"statharness.severity.{s}"]) for s in ("high", "medium", "low", "info")
    )
    full = json.loads((recorded.path / report).with_name("report.json").read_text())
    item = next(i for i in full["items"] if i["analysis_id"] == "profile_numeric")
    assert len(item["findings"]) == int(props["statharness.findings"])


def test_last_failed_under_xdist(recorded) -> None:
    recorded.runpytest(*ARGS, "-n", "2")
    result = recorded.runpytest(*ARGS, "-n", "2", "--lf")
    result.assert_outcomes(failed=2)
    assert "workers [2 items]" in result.stdout.str()


@pytest.mark.parametrize("form", ["equals", "space"])
def test_path_options_in_both_forms_keep_the_rootdir(
    pytester, parquet_path, tmp_path_factory, form
):
    """``--stat-home DIR`` with a space must not be taken for a test path (which would move
    the rootdir, drop the project's ini file and break relative dataset paths)."""
    home = tmp_path_factory.mktemp("elsewhere") / "home"
    home.mkdir()  # an existing folder: the case pytest took for a path argument
    pytester.makeini(
        "[pytest]\naddopts = -p no:cacheprovider\nstat_datasets = sales=data/sales.parquet\n"
    )
    opt = [f"--stat-home={home}"] if form == "equals" else ["--stat-home", str(home)]
    result = pytester.runpytest(*opt, "--stat-providers", "profile", "--snapshot-update", "-v")
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.stdout.fnmatch_lines(
        [f"rootdir: {pytester.path}*", "statharness::profile_numeric?sales? PASSED*"]
    )
    assert (home / "runs" / "LATEST.json").is_file()
    assert not (pytester.path / ".pytest_cache").exists()  # the ini's addopts were applied
    assert (pytester.path / "snapshots" / "sales" / "profile_numeric.json").is_file()
