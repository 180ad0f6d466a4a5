"""Run history: ``<home>/state.db`` (SQLite, WAL) and the run folders.

The run id comes from a monotonic sequence in SQLite (one transaction per new run), so
two concurrent sessions never share an id and "the previous comparable run" can be
chosen by sequence number, never by clock.
"""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

from .atomic import write_text_atomic

STATE_SCHEMA_VERSION = 1


def _connect(home: Path) -> sqlite3.Connection:
    home.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(home / "state.db", timeout=30, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS runs ("
        " seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT UNIQUE NOT NULL,"
        " status TEXT NOT NULL, exit_status INTEGER, created REAL NOT NULL, summary TEXT)"
    )
    conn.execute(
        "CREATE TABLE IF NOT EXISTS items ("
        " run_id TEXT NOT NULL, nodeid TEXT NOT NULL, outcome TEXT, telemetry TEXT,"
        " PRIMARY KEY (run_id, nodeid))"
    )
    conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
    conn.execute(
        "INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (str(STATE_SCHEMA_VERSION),)
    )
    return conn


def new_run(home: Path) -> tuple[int, str]:
    """Reserve the next run sequence number and id."""
    conn = _connect(home)
    try:
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            "INSERT INTO runs (run_id, status, created) VALUES (?, 'running', ?)",
            (f"pending-{time.time_ns()}", time.time()),
        )
        seq = int(cur.lastrowid)
        run_id = f"run-{seq:06d}"
        conn.execute("UPDATE runs SET run_id = ? WHERE seq = ?", (run_id, seq))
        conn.execute("COMMIT")
        return seq, run_id
    finally:
        conn.close()


def finish_run(
    home: Path, run_id: str, exit_status: int, summary: dict, items: dict[str, dict]
) -> None:
    """Record the run's outcome and its items (idempotent: a rerun replaces its rows)."""
    conn = _connect(home)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            "UPDATE runs SET status = 'finished', exit_status = ?, summary = ? WHERE run_id = ?",
            (exit_status, json.dumps(summary, sort_keys=True), run_id),
        )
        conn.executemany(
            "INSERT OR REPLACE INTO items (run_id, nodeid, outcome, telemetry) VALUES (?, ?, ?, ?)",
            [
                (
                    run_id,
                    nodeid,
                    item.get("outcome"),
                    json.dumps(item.get("telemetry"), sort_keys=True),
                )
                for nodeid, item in sorted(items.items())
            ],
        )
        conn.execute("COMMIT")
    finally:
        conn.close()


def write_latest(home: Path, run_id: str) -> None:
    write_text_atomic(home / "runs" / "LATEST.json", json.dumps({"run_id": run_id}) + "\n")
