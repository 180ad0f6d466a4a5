"""The time limit is enforced while an analysis runs, not only between chunks.

A hang inside ``update`` or ``findings`` ends as a citable ``time_budget_exceeded`` skip
with the measured time; code that the alarm cannot reach (SIGALRM blocked, as in a C call
that never returns) ends its xdist worker, and the item is reported crashed.
"""

from __future__ import annotations

import json
import os
import signal
import time

import pytest

from pytest_statharness.errors import BudgetExceeded
from pytest_statharness.watchdog import time_limit

HANGER = """
import os
import signal
import time

from pytest_statharness import Analysis, ColumnKind


class Hanger(Analysis):
    id = "hanger"
    family = "quality"
    title = "never ends"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        how = os.environ["HANG_HOW"]
        if how == "busy":
            while True:
                pass
        if how == "blocked":  # what a C call that never returns looks like to the alarm
            signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
            time.sleep(120)
        return state

    def merge(self, a, b, ctx):
        return a

    def findings(self, ctx):
        if os.environ["HANG_HOW"] == "findings":
            time.sleep(120)
        return []


def statharness_analyses():
    return [Hanger()]
"""


def test_the_alarm_interrupts_a_busy_loop() -> None:
    start = time.perf_counter()
    with pytest.raises(BudgetExceeded) as caught:
        with time_limit(0.3, "x on 'd'", hard_stop=False):
            while True:
                pass
    assert 0.3 <= time.perf_counter() - start < 2
    assert caught.value.threshold == 0.3 and caught.value.measured >= 0.3
    assert "interrupted in test_watchdog.test_the_alarm_interrupts_a_busy_loop" in str(caught.value)
    assert "/" not in str(caught.value)  # no file paths: the message reaches artifacts


def test_the_alarm_is_disarmed_and_the_handler_restored() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with time_limit(0.2, "x", hard_stop=False):
        pass
    time.sleep(0.3)  # a timer left armed would fire here
    assert signal.getsignal(signal.SIGALRM) is before
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_no_limit_no_timer() -> None:
    with time_limit(None, "x", hard_stop=True):
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


ARGS = ("--stat-dataset", "sales=data/sales.parquet", "-k", "hanger", "--stat-time-limit", "1")


def _run(pytester, how, *extra):
    pytester.makeconftest(HANGER)
    os.environ["HANG_HOW"] = how
    try:
        start = time.perf_counter()
        result = pytester.runpytest_subprocess(*ARGS, *extra, timeout=120)
        return result, time.perf_counter() - start
    finally:
        del os.environ["HANG_HOW"]


def _item(pytester) -> dict:
    runs = pytester.path / "appdata" / "runs"
    run_id = json.loads((runs / "LATEST.json").read_text())["run_id"]
    (item,) = json.loads((runs / run_id / "report.json").read_text())["items"]
    return item


@pytest.mark.slow
@pytest.mark.parametrize("how", ["busy", "findings"])
@pytest.mark.parametrize("workers", [[], ["-n", "1"]], ids=["n0", "n1"])
def test_a_hang_inside_the_analysis_is_a_citable_skip(pytester, parquet_path, how, workers):
    result, wall = _run(pytester, how, *workers)
    result.assert_outcomes(skipped=1)
    assert wall < 60
    item = _item(pytester)
    assert item["outcome"] == "skipped"
    skip = item["skip"]
    assert skip["reason_code"] == "time_budget_exceeded"
    assert skip["threshold"] == 1.0 and 1.0 <= skip["measured"] < 10
    where = "update" if how == "busy" else "findings"
    assert f"interrupted in conftest.Hanger.{where}" in skip["message"]


@pytest.mark.slow
def test_code_the_alarm_cannot_reach_ends_its_worker(pytester, parquet_path) -> None:
    result, wall = _run(pytester, "blocked", "-n", "1")
    assert wall < 60
    assert "INTERNALERROR" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*stopped by the harness's watchdog, past the item's time limit*"])
    assert result.ret == 1
    assert _item(pytester)["outcome"] == "crashed"
