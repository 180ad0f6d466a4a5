"""A dead xdist worker never hangs the session: its item is reported ``crashed`` with the
signal or exit code, the other items run, and the run ends with a report and a closed row.

The analysis below kills the process it runs in, by each route a real crash takes.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest

from pytest_statharness.session.workers import describe_exit, memory_heavy_slot

CRASHER = """
import os
import signal

from pytest_statharness import Analysis, ColumnKind


class Crasher(Analysis):
    id = "crasher"
    family = "quality"
    title = "ends its own process"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        how = os.environ["CRASH_HOW"]
        if how == "kill9":
            os.kill(os.getpid(), signal.SIGKILL)
        elif how == "exit":
            os._exit(3)
        elif how == "segfault":
            import ctypes

            ctypes.string_at(0)
        elif how == "memory":
            raise MemoryError("planted")
        return state

    def merge(self, a, b, ctx):
        return a


def statharness_analyses():
    return [Crasher()]
"""

ARGS = ("--stat-dataset", "sales=data/sales.parquet", "-n", "2", "-p", "no:randomly")
K = ("-k", "crasher or profile_numeric or missingness or outliers")

EXPECTED = {
    "kill9": ("crashed", "killed by signal 9 (SIGKILL)"),
    "exit": ("crashed", "exited with code 3"),
    "segfault": ("crashed", "killed by signal 11 (SIGSEGV)"),
    "memory": ("failed", "MemoryError"),
}


def _run(pytester: pytest.Pytester, how: str, *extra: str):
    pytester.makeconftest(CRASHER)
    os.environ["CRASH_HOW"] = how  # the subprocess inherits it
    try:
        return pytester.runpytest_subprocess(*ARGS, *K, "--snapshot-update", *extra, timeout=180)
    finally:
        del os.environ["CRASH_HOW"]


def _report(home: Path) -> dict:
    latest = json.loads((home / "runs" / "LATEST.json").read_text())["run_id"]
    return json.loads((home / "runs" / latest / "report.json").read_text())


@pytest.mark.slow
@pytest.mark.parametrize("how", list(EXPECTED))
def test_a_dead_worker_ends_its_item_not_the_session(pytester, parquet_path, how) -> None:
    result = _run(pytester, how)
    text = result.stdout.str() + result.stderr.str()
    assert "INTERNALERROR" not in text
    assert result.ret == 1
    outcome, cause = EXPECTED[how]
    result.stdout.fnmatch_lines(["FAILED statharness::crasher[[]sales[]]*"])
    assert cause in text
    home = pytester.path / "appdata"
    report = _report(home)
    items = {i["nodeid"]: i for i in report["items"]}
    assert items["statharness::crasher[sales]"]["outcome"] == outcome
    others = [i for n, i in items.items() if "crasher" not in n]
    assert others and all(i["outcome"] == "passed" for i in others)
    with sqlite3.connect(home / "state.db") as db:
        status = db.execute("SELECT status FROM runs").fetchall()
        rows = dict(db.execute("SELECT nodeid, outcome FROM items").fetchall())
    assert status == [("failed",)]
    assert rows["statharness::crasher[sales]"] == outcome
    assert "running" not in rows.values() and "pending" not in rows.values()


@pytest.mark.slow
def test_no_worker_restart_still_ends_with_a_report(pytester, parquet_path) -> None:
    """``--max-worker-restart 0``: xdist stops the session at the first death; the run is
    still closed, with a report, and no INTERNALERROR."""
    result = _run(pytester, "kill9", "--max-worker-restart", "0")
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()
    assert result.ret != 0
    home = pytester.path / "appdata"
    report = _report(home)
    assert report["summary"]["outcomes"].get("crashed") == 1
    with sqlite3.connect(home / "state.db") as db:
        assert db.execute("SELECT status FROM runs").fetchall() != [("running",)]


def test_the_plugin_keeps_dist_load(pytester, parquet_path) -> None:
    """The plugin no longer switches ``--dist load`` to xdist's ``loadgroup``."""
    pytester.makeconftest(
        """
def pytest_sessionfinish(session):
    print("DIST=" + session.config.option.dist)
"""
    )
    result = pytester.runpytest_subprocess(
        "--stat-dataset",
        "sales=data/sales.parquet",
        "-n",
        "1",
        "-k",
        "profile_numeric",
        "-s",
        "--snapshot-update",
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*DIST=load*"])


def test_describe_exit() -> None:
    assert describe_exit(-9) == "killed by signal 9 (SIGKILL)"
    assert describe_exit(3) == "exited with code 3"
    assert describe_exit(None) == "exit status unknown"


HOLD = """
import sys, time
from pathlib import Path
from types import SimpleNamespace
from pytest_statharness.session.workers import memory_heavy_slot

harness = SimpleNamespace(
    settings=SimpleNamespace(home=Path(sys.argv[1])),
    config=SimpleNamespace(workerinput={"statharness_session_token": "t"}),
    is_worker=True,
)
with memory_heavy_slot(harness, True):
    print("held", flush=True)
    time.sleep(60)
"""


def _try_lock(path: Path) -> bool:
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def test_memory_heavy_items_exclude_each_other_and_a_dead_holder_frees_the_slot(
    tmp_path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLD), str(tmp_path)], stdout=subprocess.PIPE
    )
    try:
        assert holder.stdout.readline().strip() == b"held"
        path = tmp_path / "locks" / "memory-heavy-t"
        assert not _try_lock(path)  # a second memory-heavy item waits
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
        assert _try_lock(path)  # the kernel released the dead worker's slot
    finally:
        holder.kill()
        holder.wait()
    # one process (no xdist): no lock at all
    single = SimpleNamespace(
        settings=SimpleNamespace(home=tmp_path / "other"), config=None, is_worker=False
    )
    with memory_heavy_slot(single, True):
        assert not (tmp_path / "other").exists()
