"""One frozen RunSettings per run: precedence, analysis settings, xdist hand-off, no
os.environ writes."""

from __future__ import annotations

import json

import pytest

from pytest_statharness.settings import RunSettings

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ARGS = ["--stat-dataset", "sales=data/sales.parquet", "--stat-providers", "profile,eventlog"]

SHOW_SETTINGS = """
import json, os
from pytest_statharness.analysis import DatasetView

def test_show(stat_dataset, request):
    print("SETTINGS=" + json.dumps(DatasetView(stat_dataset).settings, sort_keys=True))
    print("ENV_CASE=" + os.environ.get("STAT_HARNESS_EVENTLOG_CASE", "-"))
"""


def _shown(result) -> tuple[dict, str]:
    out = result.stdout.str()
    settings = json.loads(out.split("SETTINGS=", 1)[1].splitlines()[0])
    env_case = out.split("ENV_CASE=", 1)[1].splitlines()[0]
    return settings, env_case


def test_eventlog_settings_reach_the_analyses_without_touching_the_environment(
    pytester, parquet_path, monkeypatch
) -> None:
    monkeypatch.delenv("STAT_HARNESS_EVENTLOG_CASE", raising=False)
    monkeypatch.setenv("STAT_HARNESS_EVENTLOG_ACTIVITY", "score")
    pytester.makeini(
        "[pytest]\nstat_eventlog_case = region\nstat_eventlog_activity = from_ini\n"
        "stat_settings =\n    eventlog.resource = units\n"
    )
    pytester.makepyfile(SHOW_SETTINGS)
    result = pytester.runpytest(*ARGS, "-k", "test_show", "-s")
    result.assert_outcomes(passed=1)
    settings, env_case = _shown(result)
    # ini < environment; the deprecated ini keys and stat_settings both count
    assert settings == {
        "eventlog.activity": "score",
        "eventlog.case": "region",
        "eventlog.resource": "units",
    }
    assert env_case == "-"  # nothing was written to os.environ


def test_command_line_setting_wins(pytester, parquet_path, monkeypatch) -> None:
    monkeypatch.setenv("STAT_HARNESS_EVENTLOG_CASE", "from_env")
    pytester.makepyfile(SHOW_SETTINGS)
    result = pytester.runpytest(*ARGS, "--stat-set", "eventlog.case=region", "-k", "show", "-s")
    result.assert_outcomes(passed=1)
    assert _shown(result)[0] == {"eventlog.case": "region"}


def test_unknown_or_malformed_settings_are_usage_errors(pytester, parquet_path) -> None:
    result = pytester.runpytest(
        "--stat-dataset", "sales=data/sales.parquet", "--stat-set", "eventlog.cse=x"
    )
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stat-set: no analysis of this session declares*eventlog.cse*"])
    # a column no dataset has: the event-log items were left out, and nothing said why
    ghost = pytester.runpytest(
        "--stat-dataset", "sales=data/sales.parquet", "--stat-set", "eventlog.case=custid"
    )
    assert ghost.ret == pytest.ExitCode.USAGE_ERROR
    ghost.stderr.fnmatch_lines(
        ["*eventlog.case='custid': no dataset of this session has a column 'custid' (sales: *"]
    )
    bad = pytester.runpytest("--stat-set", "CASE")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--stat-set 'CASE': give NAME=VALUE*"])


def test_an_unknown_setting_stops_before_a_run_folder_and_under_xdist(
    pytester, parquet_path
) -> None:
    """A mistyped --stat-set failed in each xdist worker at collection: the controller had
    opened a run whose report said 'ready for release', became the latest run, and under
    -n 2 printed no error at all. The name is checked at the session's start."""
    home = pytester.path / "home"
    result = pytester.runpytest_subprocess(
        "-p", "xdist", "-n", "2", "--stat-home", str(home),
        "--stat-dataset", "sales=data/sales.parquet", "--stat-set", "eventlog.cse=x",
    )  # fmt: skip
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stat-set: no analysis of this session declares*eventlog.cse*"])
    assert not (home / "runs").exists()
    for option in ("--stat-providers", "--stat-disable"):
        result = pytester.runpytest_subprocess(
            "--stat-home", str(home), "--stat-dataset", "sales=data/sales.parquet", option, "nope"
        )
        assert result.ret == pytest.ExitCode.USAGE_ERROR, option
        assert "nope" in result.stderr.str()
        assert not (home / "runs").exists(), option


def test_an_analysis_declares_and_validates_its_settings(pytester, parquet_path) -> None:
    pytester.makeconftest(
        """
        from pytest_statharness import Analysis, Setting

        def _positive(text):
            value = int(text)
            if value < 1:
                raise ValueError("must be at least 1")
            return value

        class Top(Analysis):
            id = "top_n"
            family = "custom"
            title = "top n"
            method = "count"
            reference = "none"
            settings = (Setting("custom.top_n", "how many", env="ACME_TOP_N", parse=_positive),)

            def plan(self, dataset, budget):
                from pytest_statharness import Plan
                return Plan(("units",), {"n": dataset.settings.get("custom.top_n", 3)})

            def init(self, ctx):
                return 0

            def update(self, state, chunk, ctx):
                return state + chunk.num_rows

            def merge(self, a, b, ctx):
                return a + b

            def findings(self, ctx):
                return [ctx.finding(kind="n", title="n", subject={}, values={"n": ctx.params["n"]}, units={"n": "1"})]

        def statharness_analyses():
            return [Top()]
        """
    )
    args = ["--stat-dataset", "sales=data/sales.parquet", "--stat-providers", "profile"]
    bad = pytester.runpytest(*args, "--stat-set", "custom.top_n=0")
    assert bad.ret == pytest.ExitCode.USAGE_ERROR
    bad.stderr.fnmatch_lines(["*--stat-set custom.top_n='0': must be at least 1*"])
    good = pytester.runpytest(
        *args, "--stat-set", "custom.top_n=7", "--snapshot-update", "-k", "top_n"
    )
    assert good.ret == 0, good.stdout.str()
    snapshot = json.loads((pytester.path / "snapshots" / "sales" / "top_n.json").read_text())
    assert snapshot["findings"][0]["measurement"]["values"]["n"] == 7
    # the family is a marker without any list of families in the core
    marked = pytester.runpytest(*args, "-m", "custom", "--co", "-q", "--strict-markers")
    marked.stdout.fnmatch_lines(["statharness::top_n?sales?"])


def test_workers_get_the_controllers_settings(pytester, parquet_path, monkeypatch) -> None:
    monkeypatch.setenv("STAT_HARNESS_EVENTLOG_CASE", "region")
    pytester.makepyfile(
        """
        import json
        from pytest_statharness.settings import SETTINGS_KEY, WORKERINPUT_KEY

        def test_worker(request):
            sent = request.config.workerinput[WORKERINPUT_KEY]
            settings = request.config.stash[SETTINGS_KEY]
            assert settings.to_json() == sent
            assert settings.env("STAT_HARNESS_EVENTLOG_CASE") == "region"
            assert [d.name for d in settings.datasets] == ["sales"]
        """
    )
    result = pytester.runpytest(*ARGS, "-n", "2", "-k", "test_worker")
    result.assert_outcomes(passed=1)


def test_settings_round_trip_through_json(tmp_path) -> None:
    from pytest_statharness.options import DatasetSpec

    settings = RunSettings(
        datasets=(DatasetSpec("a", "a.csv"),),
        home=tmp_path / "home",
        snapshot_dir=tmp_path / "snaps",
        compare=(("a", "b"),),
        caps=(("max_pairs", 3),),
        ini_settings=(("eventlog.case", "c"),),
        environment=(("STAT_HARNESS_X", "1"),),
    )
    assert RunSettings.from_json(settings.to_json()) == settings
    with pytest.raises(AttributeError):
        settings.golden = "strict"  # frozen
