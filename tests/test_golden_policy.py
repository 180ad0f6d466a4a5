"""Golden policy: citable harness skips, uncitable bare skips, strict mode, markers."""

from __future__ import annotations

import json

import pytest

CONFTEST = """
import pytest
from pytest_statharness import Analysis, ColumnKind, harness_skip


class _Base(Analysis):
    family = "quality"
    requires = (ColumnKind.NUMERIC,)
    method = "test analysis"
    reference = "none (test)"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        return state + chunk.num_rows

    def merge(self, a, b, ctx):
        return a + b

    def findings(self, ctx):
        return [ctx.finding(kind="rows", title="rows", subject={}, values={"rows": ctx.previous[0]}, units={"rows": "count"})]


class CitableSkip(_Base):
    id = "citable_skip"
    title = "skips citably"

    def findings(self, ctx):
        harness_skip("too_few_rows", "needs 10 million rows", threshold=10_000_000, measured=ctx.previous[0])


class BareSkip(_Base):
    id = "bare_skip"
    title = "skips bare"

    def findings(self, ctx):
        pytest.skip("no reason given")


class Fine(_Base):
    id = "fine"
    title = "passes"


def statharness_analyses():
    return [CitableSkip(), BareSkip(), Fine()]
"""


@pytest.fixture
def session(pytester: pytest.Pytester, parquet_path):
    pytester.makeconftest(CONFTEST)
    args = [
        "--stat-dataset",
        "sales=data/sales.parquet",
        "-p",
        "no:cacheprovider",
        "-k",
        "fine or skip",
    ]
    pytester.runpytest(*args, "--snapshot-update")
    return args


def _latest_report(pytester) -> dict:
    latest = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    return json.loads(
        (pytester.path / "appdata" / "runs" / latest["run_id"] / "report.json").read_text()
    )


def test_default_mode_citable_skip_passes_bare_skip_fails(pytester, session) -> None:
    result = pytester.runpytest(*session, "-rsf")
    result.assert_outcomes(passed=1, skipped=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*uncitable skip: analysis 'bare_skip' called pytest.skip('no reason given')*"]
    )
    result.stdout.fnmatch_lines(["*[[]too_few_rows[]] needs 10 million rows*"])
    items = {i["analysis_id"]: i for i in _latest_report(pytester)["items"]}
    assert items["citable_skip"]["skip"] == {
        "reason_code": "too_few_rows",
        "message": "needs 10 million rows",
        "threshold": 10_000_000,
        "measured": 3000,
    }
    assert items["bare_skip"]["outcome"] == "failed"


def test_strict_mode_fails_every_skip_and_exits_non_zero(pytester, session) -> None:
    result = pytester.runpytest(*session, "--stat-golden", "strict")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*strict golden policy (session) forbids skips*too_few_rows*"])


def test_marker_pins_policy_over_session(pytester, session) -> None:
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.golden_strict
        def test_user_skip_strict():
            pytest.skip("user skip")

        def test_user_skip_default():
            pytest.skip("user skip")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "test_marker_pins_policy_over_session.py")
    result.assert_outcomes(failed=1, skipped=1)
    result.stdout.fnmatch_lines(["*strict golden policy (golden_strict) forbids skips*"])


def test_ini_golden_strict(pytester, session) -> None:
    pytester.makeini("[pytest]\nstat_golden = strict\n")
    result = pytester.runpytest(*session)
    assert result.ret == pytest.ExitCode.TESTS_FAILED


def test_auto_worker_count_respects_override() -> None:
    from pytest_statharness.plugin import auto_worker_count

    assert auto_worker_count({"STAT_HARNESS_MAX_WORKERS_ANALYSIS": "3"}) == 3
    assert auto_worker_count({}) >= 1
    with pytest.raises(pytest.UsageError, match="give 'auto' or a worker count"):
        auto_worker_count({"STAT_HARNESS_MAX_WORKERS_ANALYSIS": "many"})
