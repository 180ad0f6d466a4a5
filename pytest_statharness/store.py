"""Run history: ``<home>/state.db`` (SQLite, WAL) and the run folders.

The run id comes from a monotonic sequence in SQLite (one transaction per new run), so
two concurrent sessions never share an id and "the previous comparable run" can be
chosen by sequence number, never by clock.

A run's row is created when its session starts (status ``running``, with a heartbeat
while it runs, the expected item count after collection and one row per finished item)
and closed at session end as ``passed``, ``failed`` or ``interrupted``. A ``running`` row
whose heartbeat is older than :data:`STALE_AFTER_S` belongs to a session that died: it is
read as ``interrupted`` and closed as such by the next run's start.
"""

from __future__ import annotations

import json
import os
import sqlite3
import statistics
import time
from pathlib import Path

from .atomic import write_text_atomic
from .errors import StateStoreError

STATE_SCHEMA_VERSION = 2
STALE_AFTER_S = 60.0
RUN_STATUSES = ("running", "passed", "explored", "failed", "interrupted")

# Columns added after schema 1, each with its SQL type: an old state.db gains them on open.
_RUN_COLUMNS = {
    "started": "REAL",
    "ended": "REAL",
    "heartbeat": "REAL",
    "expected": "INTEGER",
    "datasets": "TEXT",
    "settings_hash": "TEXT",
    "provenance": "TEXT",
    "pinned": "INTEGER DEFAULT 0",
}
_ITEM_COLUMNS = {
    "analysis_id": "TEXT",
    "dataset": "TEXT",
    "size_class": "TEXT",
    "wall_s": "REAL",
    "finished": "REAL",
}


def _connect(home: Path) -> sqlite3.Connection:
    """The home's state database, its tables created or completed; a file there that is
    no SQLite database is a StateStoreError naming it (never a traceback)."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "state.db"
    conn = sqlite3.connect(path, timeout=30, isolation_level=None)
    try:
        return _prepare(conn)
    except sqlite3.DatabaseError as exc:
        conn.close()
        if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
            raise
        raise StateStoreError(
            f"{path}: not a statharness state database ({exc}); move the file aside, or "
            "choose another artifact home (--stat-home, or --home of the statharness command)"
        ) from None


def _prepare(conn: sqlite3.Connection) -> sqlite3.Connection:
    conn.row_factory = sqlite3.Row
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
    for table, wanted in (("runs", _RUN_COLUMNS), ("items", _ITEM_COLUMNS)):
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        for name, sql_type in wanted.items():
            if name not in have:
                try:
                    conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {sql_type}")
                except sqlite3.OperationalError as exc:  # a concurrent session added it
                    if "duplicate column" not in str(exc):
                        raise
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] != str(STATE_SCHEMA_VERSION):  # write only when it changes
        conn.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)",
            (str(STATE_SCHEMA_VERSION),),
        )
    return conn


def _transaction(home: Path, fn):
    conn = _connect(home)
    try:
        conn.execute("BEGIN IMMEDIATE")
        out = fn(conn)
        conn.execute("COMMIT")
        return out
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    finally:
        conn.close()


def new_run(
    home: Path,
    *,
    datasets: list[str] | tuple[str, ...] = (),
    settings_hash: str | None = None,
    provenance: dict | None = None,
) -> tuple[int, str]:
    """Reserve the next run sequence number and id; the row starts as ``running``."""

    def reserve(conn):
        now = time.time()
        close_stale_runs(conn, now)
        cur = conn.execute(
            "INSERT INTO runs (run_id, status, created, started, heartbeat, datasets,"
            " settings_hash, provenance) VALUES (?, 'running', ?, ?, ?, ?, ?, ?)",
            (
                f"pending-{time.time_ns()}",
                now,
                now,
                now,
                json.dumps(sorted(datasets)),
                settings_hash,
                json.dumps(provenance, sort_keys=True) if provenance is not None else None,
            ),
        )
        seq = int(cur.lastrowid)
        run_id = f"run-{seq:06d}"
        conn.execute("UPDATE runs SET run_id = ? WHERE seq = ?", (run_id, seq))
        return seq, run_id

    return _transaction(home, reserve)


def items_expected(
    home: Path, run_id: str, rows: list[tuple[str, str | None, str | None, str | None]]
) -> None:
    """Record the collected items (nodeid, analysis, dataset, size class) as ``pending``
    and the expected count; items already started or finished keep their rows."""

    def record(conn):
        conn.executemany(
            "INSERT OR IGNORE INTO items (run_id, nodeid, outcome, analysis_id, dataset,"
            " size_class) VALUES (?, ?, 'pending', ?, ?, ?)",
            [(run_id, *row) for row in rows],
        )
        conn.execute(
            "UPDATE runs SET expected = ?, heartbeat = ? WHERE run_id = ?",
            (len(rows), time.time(), run_id),
        )

    _transaction(home, record)


def heartbeat(home: Path, run_id: str, *, expected: int | None = None) -> None:
    def beat(conn):
        conn.execute(
            "UPDATE runs SET heartbeat = ? WHERE run_id = ? AND status = 'running'",
            (time.time(), run_id),
        )
        if expected is not None:
            conn.execute("UPDATE runs SET expected = ? WHERE run_id = ?", (expected, run_id))

    _transaction(home, beat)


def item_done(
    home: Path,
    run_id: str,
    nodeid: str,
    *,
    outcome: str,
    analysis_id: str | None,
    dataset: str | None,
    size_class: str | None,
    wall_s: float | None,
) -> None:
    """Record one finished item while the run goes on (and beat the heart)."""

    def record(conn):
        now = time.time()
        conn.execute(
            "INSERT OR REPLACE INTO items (run_id, nodeid, outcome, telemetry, analysis_id,"
            " dataset, size_class, wall_s, finished) VALUES (?, ?, ?, NULL, ?, ?,"
            " COALESCE(?, (SELECT size_class FROM items WHERE run_id = ? AND nodeid = ?)), ?, ?)",
            (
                run_id,
                nodeid,
                outcome,
                analysis_id,
                dataset,
                size_class,
                run_id,
                nodeid,
                wall_s,
                None if outcome == "running" else now,
            ),
        )
        conn.execute(
            "UPDATE runs SET heartbeat = ? WHERE run_id = ? AND status = 'running'", (now, run_id)
        )

    _transaction(home, record)


def status_for_exit(exit_status: int, items: dict[str, dict] | None = None) -> str:
    """A run's status from its exit status; ``explored`` when it passed with items that
    were computed but had no snapshot to verify (``--stat-explore``'s first look: runs
    list called it "passed" while pytest said "explored" and the scorecard "not
    verified")."""
    if exit_status == 0:
        explored = any(
            i.get("outcome") == "skipped" and (i.get("snapshot") or {}).get("status") == "missing"
            for i in (items or {}).values()
        )
        return "explored" if explored else "passed"
    if exit_status == 2:  # pytest.ExitCode.INTERRUPTED
        return "interrupted"
    return "failed"


def finish_run(
    home: Path,
    run_id: str,
    exit_status: int,
    summary: dict,
    items: dict[str, dict],
    *,
    size_classes: dict[str, str] | None = None,
    provenance: dict | None = None,
) -> None:
    """Record the run's outcome and its items (idempotent: a rerun replaces its rows)."""
    size_classes = size_classes or {}

    def record(conn):
        now = time.time()
        conn.execute(
            "UPDATE runs SET status = ?, exit_status = ?, summary = ?, ended = ?, heartbeat = ?"
            " WHERE run_id = ?",
            (
                status_for_exit(exit_status, items),
                exit_status,
                json.dumps(summary, sort_keys=True),
                now,
                now,
                run_id,
            ),
        )
        if provenance is not None:
            conn.execute(
                "UPDATE runs SET provenance = ? WHERE run_id = ?",
                (json.dumps(provenance, sort_keys=True), run_id),
            )
        conn.executemany(
            "INSERT OR REPLACE INTO items (run_id, nodeid, outcome, telemetry, analysis_id,"
            " dataset, size_class, wall_s, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    run_id,
                    nodeid,
                    item.get("outcome"),
                    json.dumps(item.get("telemetry"), sort_keys=True),
                    item.get("analysis_id"),
                    item.get("dataset"),
                    size_classes.get(nodeid),
                    (item.get("telemetry") or {}).get("wall_s"),
                    now,
                )
                for nodeid, item in sorted(items.items())
            ],
        )

    _transaction(home, record)


def set_exit_status(home: Path, run_id: str, exit_status: int) -> None:
    """Change a finished run's exit status (a comparison gate failed it after the report)."""

    def record(conn):
        conn.execute(
            "UPDATE runs SET exit_status = ?, status = ? WHERE run_id = ?",
            (exit_status, status_for_exit(exit_status), run_id),
        )

    _transaction(home, record)


def mark_interrupted(home: Path, run_id: str) -> None:
    """Close a run that ended without a report (a crash inside the session)."""

    def record(conn):
        conn.execute(
            "UPDATE runs SET status = 'interrupted', ended = ? WHERE run_id = ? AND status = "
            "'running'",
            (time.time(), run_id),
        )

    _transaction(home, record)


def set_pinned(home: Path, run_id: str, pinned: bool) -> None:
    _transaction(
        home,
        lambda conn: conn.execute(
            "UPDATE runs SET pinned = ? WHERE run_id = ?", (int(pinned), run_id)
        ),
    )


# -- reading ------------------------------------------------------------------------------
def _run_dict(row: sqlite3.Row) -> dict:
    out = dict(row)
    for key in ("summary", "provenance", "datasets"):
        if out.get(key):
            out[key] = json.loads(out[key])
    out["pinned"] = bool(out.get("pinned"))
    if (
        out["status"] == "running"
        and out.get("heartbeat")
        and time.time() - out["heartbeat"] > STALE_AFTER_S
    ):
        # its session died (killed, power cut) before it could close the row: read it as
        # what it is; the next run's start closes it in the database too
        out["status"] = "interrupted"
        out["stale"] = True
    return out


def close_stale_runs(conn: sqlite3.Connection, now: float) -> int:
    """Close ``running`` rows whose heartbeat stopped (their session died without closing
    them) as ``interrupted``, ended at their last heartbeat; how many were closed."""
    cur = conn.execute(
        "UPDATE runs SET status = 'interrupted', ended = heartbeat WHERE status = 'running'"
        " AND heartbeat IS NOT NULL AND heartbeat < ?",
        (now - STALE_AFTER_S,),
    )
    return cur.rowcount


def list_runs(home: Path, limit: int | None = None) -> list[dict]:
    """Runs, newest (highest sequence) first."""
    if not (Path(home) / "state.db").exists():
        return []
    conn = _connect(home)
    try:
        sql = "SELECT * FROM runs WHERE run_id NOT LIKE 'pending-%' ORDER BY seq DESC"
        rows = conn.execute(sql + (f" LIMIT {int(limit)}" if limit else "")).fetchall()
        return [_run_dict(r) for r in rows]
    finally:
        conn.close()


def get_run(home: Path, run_id: str) -> dict | None:
    if not (Path(home) / "state.db").exists():
        return None
    conn = _connect(home)
    try:
        row = conn.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        return _run_dict(row) if row else None
    finally:
        conn.close()


def run_items(home: Path, run_id: str) -> list[dict]:
    conn = _connect(home)
    try:
        rows = conn.execute(
            "SELECT nodeid, outcome, analysis_id, dataset, size_class, wall_s, finished"
            " FROM items WHERE run_id = ? ORDER BY nodeid",
            (run_id,),
        ).fetchall()
        return [dict(r) for r in rows]
    finally:
        conn.close()


def previous_comparable(home: Path, run_id: str) -> dict | None:
    """The latest finished run before ``run_id`` (by sequence, never by clock) with the same
    dataset names and settings hash."""
    run = get_run(home, run_id)
    if run is None:
        return None
    conn = _connect(home)
    try:
        row = conn.execute(
            "SELECT * FROM runs WHERE seq < ? AND datasets = ? AND settings_hash IS ?"
            " AND status IN ('passed', 'explored', 'failed') ORDER BY seq DESC LIMIT 1",
            (run["seq"], json.dumps(run.get("datasets") or []), run.get("settings_hash")),
        ).fetchone()
        return _run_dict(row) if row else None
    finally:
        conn.close()


def median_durations(home: Path, before_seq: int) -> dict[tuple[str, str], float]:
    """Median wall time of each (analysis, size class) over finished items of earlier runs."""
    conn = _connect(home)
    try:
        rows = conn.execute(
            "SELECT i.analysis_id, i.size_class, i.wall_s FROM items i JOIN runs r"
            " ON r.run_id = i.run_id WHERE r.seq < ? AND i.wall_s IS NOT NULL"
            " AND i.analysis_id IS NOT NULL",
            (before_seq,),
        ).fetchall()
    finally:
        conn.close()
    samples: dict[tuple[str, str], list[float]] = {}
    for analysis_id, size_class, wall_s in rows:
        samples.setdefault((analysis_id, size_class or ""), []).append(float(wall_s))
    return {key: statistics.median(values) for key, values in samples.items()}


def delete_run(home: Path, run_id: str) -> None:
    def drop(conn):
        conn.execute("DELETE FROM items WHERE run_id = ?", (run_id,))
        conn.execute("DELETE FROM runs WHERE run_id = ?", (run_id,))

    _transaction(home, drop)


def _sequence_of(home: Path, run_id: str) -> int | None:
    run = get_run(home, run_id)
    if run is not None:
        return int(run["seq"])
    tail = run_id.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else None


def write_latest(home: Path, run_id: str) -> bool:
    """Point ``runs/LATEST.json`` at ``run_id`` unless it already names a later run.

    Why: two sessions finishing together used to leave whichever wrote last; LATEST.json
    only moves forward by run sequence. The read-compare-write holds an exclusive lock
    (``runs/.LATEST.lock``) and the file is replaced atomically. Returns whether it moved.
    """
    import fcntl

    runs = Path(home) / "runs"
    runs.mkdir(parents=True, exist_ok=True)
    seq = _sequence_of(Path(home), run_id)
    fd = os.open(runs / ".LATEST.lock", os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        latest = runs / "LATEST.json"
        try:
            current = json.loads(latest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            current = {}
        current_seq = current.get("seq") if isinstance(current, dict) else None
        if current_seq is None and isinstance(current, dict) and current.get("run_id"):
            current_seq = _sequence_of(Path(home), str(current["run_id"]))
        if seq is not None and isinstance(current_seq, int) and current_seq > seq:
            return False
        write_text_atomic(latest, json.dumps({"run_id": run_id, "seq": seq}) + "\n")
        return True
    finally:
        os.close(fd)
