"""Kill xdist workers of real sessions and count what survives (issue 11's kill figures).

Usage, from an empty folder holding ``data/sales.parquet`` and the ``conftest.py`` written
by this script (two analyses that sleep 8 s per chunk, so a kill lands inside an item)::

    python bench/worker_kills.py N

Each of the N sessions runs ``-n 2``; once an item is ``running`` in state.db, one worker
gets SIGKILL, SIGSEGV, SIGTERM or SIGABRT (in turn) 0-3 s later. A kill *survived* when the
session ended by itself (no hang within 180 s), without INTERNALERROR, with LATEST.json
written and its run row closed (passed, failed or interrupted).
"""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

CONFTEST = """
import time
from pytest_statharness import Analysis, ColumnKind


class Slowpoke(Analysis):
    id = "slowpoke"
    family = "quality"
    title = "slow"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        time.sleep(8)
        return state

    def merge(self, a, b, ctx):
        return a

    def findings(self, ctx):
        return []


class Slowpoke2(Slowpoke):
    id = "slowpoke2"


def statharness_analyses():
    return [Slowpoke(), Slowpoke2()]
"""
SIGNALS = (signal.SIGKILL, signal.SIGSEGV, signal.SIGTERM, signal.SIGABRT)


def _wait_for_a_running_item(home: Path, timeout_s: float = 120) -> None:
    deadline = time.time() + timeout_s
    while time.time() < deadline:
        try:
            with sqlite3.connect(home / "state.db", timeout=5) as db:
                if db.execute("SELECT 1 FROM items WHERE outcome = 'running'").fetchone():
                    return
        except sqlite3.Error:
            pass
        time.sleep(0.2)


def one_kill(i: int, rng: random.Random) -> dict:
    home = Path(f"home{i}")
    command = [sys.executable, "-m", "pytest", "-p", "no:randomly", "-q", "-n", "2"]
    command += ["--stat-dataset", "sales=data/sales.parquet", "--snapshot-update"]
    command += ["--stat-home", str(home), "-k", "slowpoke or profile_numeric or missingness"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    _wait_for_a_running_item(home)
    time.sleep(rng.uniform(0, 3))
    workers = subprocess.run(
        ["pgrep", "-P", str(proc.pid)], capture_output=True, text=True
    ).stdout.split()
    sig = SIGNALS[i % len(SIGNALS)]
    if workers:
        os.kill(int(rng.choice(workers)), sig)
    try:
        out, hang = proc.communicate(timeout=180)[0].decode(), False
    except subprocess.TimeoutExpired:
        proc.kill()
        out, hang = proc.communicate()[0].decode(), True
    with sqlite3.connect(home / "state.db") as db:
        (status,) = db.execute("SELECT status FROM runs ORDER BY seq DESC LIMIT 1").fetchone()
    return {
        "signal": sig.name,
        "killed": bool(workers),
        "hang": hang,
        "internalerror": "INTERNALERROR" in out,
        "exit": proc.returncode,
        "report": (home / "runs" / "LATEST.json").exists(),
        "status": status,
        "item_crashed": "died while running" in out,
    }


def main() -> None:
    Path("conftest.py").write_text(CONFTEST)
    rng = random.Random(11)
    rows = [one_kill(i, rng) for i in range(int(sys.argv[1]))]
    for row in rows:
        print(json.dumps(row))
    tried = [r for r in rows if r["killed"]]
    survived = [
        r
        for r in tried
        if not r["hang"] and not r["internalerror"] and r["report"] and r["status"] != "running"
    ]
    print(f"kills tried {len(tried)}, survived {len(survived)}")


if __name__ == "__main__":
    main()
