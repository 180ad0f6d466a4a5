"""A killed run leaves a trace: its row reads ``interrupted`` once its heartbeat stops and
the next run closes it; SIGTERM writes the report; LATEST.json only moves forward; temp
files a killed writer left beside snapshots are removed."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pytest_statharness import store
from pytest_statharness.atomic import clean_stale_temp_files, write_text_atomic

SLEEPER = """
import time

from pytest_statharness import Analysis, ColumnKind


class Sleeper(Analysis):
    id = "sleeper"
    family = "quality"
    title = "takes its time"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        time.sleep(60)
        return state

    def merge(self, a, b, ctx):
        return a


def statharness_analyses():
    return [Sleeper()]
"""


def _age_heartbeat(home: Path, run_id: str, seconds: float) -> None:
    with sqlite3.connect(home / "state.db") as db:
        db.execute("UPDATE runs SET heartbeat = heartbeat - ? WHERE run_id = ?", (seconds, run_id))


def test_a_row_whose_heartbeat_stopped_reads_interrupted_and_the_next_run_closes_it(
    tmp_path,
) -> None:
    _seq, dead = store.new_run(tmp_path, datasets=["a"])
    assert store.get_run(tmp_path, dead)["status"] == "running"
    _age_heartbeat(tmp_path, dead, store.STALE_AFTER_S + 5)
    run = store.get_run(tmp_path, dead)
    assert run["status"] == "interrupted" and run["stale"]
    store.new_run(tmp_path, datasets=["a"])
    with sqlite3.connect(tmp_path / "state.db") as db:
        status, ended, beat = db.execute(
            "SELECT status, ended, heartbeat FROM runs WHERE run_id = ?", (dead,)
        ).fetchone()
    assert status == "interrupted" and ended == beat


def test_a_live_run_is_not_closed_by_the_next(tmp_path) -> None:
    _seq, alive = store.new_run(tmp_path, datasets=["a"])
    store.new_run(tmp_path, datasets=["a"])
    assert store.get_run(tmp_path, alive)["status"] == "running"


def test_latest_only_moves_forward(tmp_path) -> None:
    ids = [store.new_run(tmp_path)[1] for _ in range(3)]
    assert store.write_latest(tmp_path, ids[2])
    assert not store.write_latest(tmp_path, ids[0])  # an older run finishing later
    latest = json.loads((tmp_path / "runs" / "LATEST.json").read_text())
    assert latest == {"run_id": ids[2], "seq": 3}


def test_latest_under_concurrent_writers_ends_at_the_last_sequence(tmp_path) -> None:
    ids = [store.new_run(tmp_path)[1] for _ in range(12)]
    order = ids[::-1] + ids[5:]  # newest first: every later write is older or equal
    threads = [threading.Thread(target=store.write_latest, args=(tmp_path, i)) for i in order]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert json.loads((tmp_path / "runs" / "LATEST.json").read_text())["run_id"] == ids[-1]


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_stale_temp_files_are_removed_and_a_live_writers_kept(tmp_path) -> None:
    folder = tmp_path / "snapshots" / "sales"
    folder.mkdir(parents=True)
    dead = folder / f".profile_numeric.json.{_dead_pid()}.abcd1234.tmp"
    live = folder / f".outliers.json.{os.getpid()}.abcd1234.tmp"
    old = folder / ".legacy.json.zz9.tmp"  # no pid in the name: removed by age only
    for path in (dead, live, old):
        path.write_text("{")
    os.utime(old, (time.time() - 3600, time.time() - 3600))
    keep = folder / "profile_numeric.json"
    write_text_atomic(keep, "[]\n")
    assert clean_stale_temp_files(tmp_path / "snapshots") == sorted([dead, old])
    assert live.exists() and keep.read_text() == "[]\n"
    assert sorted(p.name for p in folder.iterdir()) == sorted([live.name, keep.name])


def _start(pytester: pytest.Pytester) -> subprocess.Popen:
    pytester.makeconftest(SLEEPER)
    return subprocess.Popen(
        [sys.executable, "-m", "pytest", "--stat-dataset", "sales=data/sales.parquet"]
        + ["-k", "sleeper", "-p", "no:cacheprovider", "--snapshot-update"],
        cwd=pytester.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(pytester.path)},
    )


def _wait_running(home: Path, proc: subprocess.Popen) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stdout.read().decode()
        if (home / "state.db").exists():
            try:
                with sqlite3.connect(home / "state.db", timeout=30) as db:
                    row = db.execute(
                        "SELECT run_id FROM items WHERE outcome = 'running'"
                        " AND nodeid LIKE '%sleeper%'"
                    ).fetchone()
            except sqlite3.OperationalError:  # the session is still creating its tables
                row = None
            if row:
                return row[0]
        time.sleep(0.2)
    raise AssertionError("the item never started")


@pytest.mark.slow
def test_a_sigkilled_session_is_interrupted_for_the_cli_and_closed_by_the_next_run(
    pytester, parquet_path
) -> None:
    home = pytester.path / "appdata"
    snapshots = pytester.path / "snapshots" / "sales"
    snapshots.mkdir(parents=True)
    leftover = snapshots / f".sleeper.json.{_dead_pid()}.x1y2z3.tmp"  # a killed writer's
    leftover.write_text("{")
    proc = _start(pytester)
    try:
        run_id = _wait_running(home, proc)
        assert not leftover.exists()  # cleaned at the session's start
        proc.kill()
        proc.wait(timeout=30)
    finally:
        proc.kill()
    assert store.get_run(home, run_id)["status"] == "running"  # heartbeat still fresh
    _age_heartbeat(home, run_id, store.STALE_AFTER_S + 5)
    listed = subprocess.run(
        [sys.executable, "-m", "pytest_statharness.cli", "runs", "list", "--json"]
        + ["--home", str(home)],
        capture_output=True,
        text=True,
        check=True,
    )
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "interrupted"
    store.new_run(home)
    with sqlite3.connect(home / "state.db") as db:
        (status,) = db.execute("SELECT status FROM runs WHERE run_id = ?", (run_id,)).fetchone()
    assert status == "interrupted"


@pytest.mark.slow
def test_sigterm_ends_the_session_with_a_report(pytester, parquet_path) -> None:
    home = pytester.path / "appdata"
    proc = _start(pytester)
    try:
        run_id = _wait_running(home, proc)
        proc.send_signal(signal.SIGTERM)
        out = proc.communicate(timeout=60)[0].decode()
    finally:
        proc.kill()
    assert proc.returncode == 2, out
    run = store.get_run(home, run_id)
    assert run["status"] == "interrupted" and run["exit_status"] == 2
    assert (home / "runs" / run_id / "report.json").is_file()
    assert json.loads((home / "runs" / "LATEST.json").read_text())["run_id"] == run_id
