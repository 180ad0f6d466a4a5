"""Retention of run folders (with their state.db rows) and dataset cache entries.

A plan is computed first and applied only on request (``statharness retention --apply``;
the default is a dry run). Rules, in order:

- protected, never removed: runs started today (UTC), pinned runs (``statharness runs
  pin``), the latest run (LATEST.json) and runs still ``running`` with a fresh heartbeat;
- protected too: cache entries in use by a running session (their in-use flock is held);
- ``--max-age DAYS``: older runs (by start) and cache entries (by last use) are removed;
- ``--max-size SIZE``: then the oldest unprotected runs, then the least recently used
  cache entries, then the oldest grouped copies of event logs (``cache/grouped``), are
  removed until the total of runs/, cache/datasets/ and cache/grouped/ fits.

Which run is older is decided by sequence number, never by file times.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import store


def parse_size(text: str) -> int:
    """``500``, ``2K``, ``1.5M``, ``1G`` (binary units, an optional trailing ``B``)."""
    from .options import parse_byte_size  # one size syntax for every option

    return parse_byte_size(text)


def _tree_size(path: Path) -> int:
    if not path.exists():
        return 0
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@dataclass
class Target:
    kind: str  # "run" or "cache"
    name: str
    path: Path
    size: int
    created: float | None
    reason: str = ""


@dataclass
class Plan:
    remove: list[Target] = field(default_factory=list)
    keep: list[Target] = field(default_factory=list)
    protected: dict[str, str] = field(default_factory=dict)  # run id -> why
    total_before: int = 0

    @property
    def freed(self) -> int:
        return sum(t.size for t in self.remove)

    def as_json(self) -> dict:
        return {
            "remove": [
                {"kind": t.kind, "name": t.name, "size": t.size, "reason": t.reason}
                for t in self.remove
            ],
            "protected": dict(sorted(self.protected.items())),
            "kept": len(self.keep),
            "total_before": self.total_before,
            "freed": self.freed,
        }


def _latest(home: Path) -> str | None:
    import json

    try:
        return json.loads((home / "runs" / "LATEST.json").read_text())["run_id"]
    except (OSError, ValueError, KeyError):
        return None


def plan_retention(
    home: Path,
    *,
    max_age_days: float | None = None,
    max_size: int | None = None,
    now: float | None = None,
) -> Plan:
    home = Path(home)
    now = time.time() if now is None else now
    today = dt.datetime.fromtimestamp(now, dt.UTC).date()
    plan = Plan()
    runs = list(reversed(store.list_runs(home)))  # oldest (lowest sequence) first
    latest = _latest(home)
    run_targets: list[Target] = []
    for run in runs:
        path = home / "runs" / run["run_id"]
        started = run.get("started") or run.get("created")
        target = Target("run", run["run_id"], path, _tree_size(path), started)
        why = None
        if run.get("pinned"):
            why = "pinned"
        elif started and dt.datetime.fromtimestamp(started, dt.UTC).date() == today:
            why = "today"
        elif run["run_id"] == latest:
            why = "latest"
        elif run["status"] == "running" and not run.get("stale"):
            why = "running"
        if why:
            plan.protected[run["run_id"]] = why
            plan.keep.append(target)
        else:
            run_targets.append(target)
    from .cli import cache_dir_for

    cache_targets: list[Target] = []
    cache_dir = cache_dir_for(home)
    if cache_dir.is_dir():
        from .dataset.cache import in_use, last_used, list_entries

        for entry in list_entries(cache_dir):
            # last use, not creation: an entry every session reads is the last to go (LRU)
            target = Target(
                "cache", entry.name, entry, _tree_size(entry), last_used(cache_dir, entry.name)
            )
            if in_use(cache_dir, entry.name):
                plan.protected[f"cache:{entry.name}"] = "in use by a running session"
                plan.keep.append(target)
            else:
                cache_targets.append(target)
        cache_targets.sort(key=lambda t: (t.created or 0.0, t.name))
    # grouped copies of event logs (dataset/regroup.py): rebuilt by the next session that
    # needs one; a session reading one keeps its open descriptor, so removal cannot break it
    grouped_dir = Path(home) / "cache" / "grouped"
    if grouped_dir.is_dir():
        grouped = [
            Target("grouped", p.name, p, p.stat().st_size, p.stat().st_mtime)
            for p in grouped_dir.glob("grouped-*.arrow")
        ]
        cache_targets += sorted(grouped, key=lambda t: (t.created or 0.0, t.name))
    plan.total_before = sum(t.size for t in run_targets + plan.keep + cache_targets)
    remaining: list[Target] = []
    for target in run_targets + cache_targets:
        if max_age_days is not None and target.created is not None:
            if now - target.created > max_age_days * 86400:
                target.reason = f"older than {max_age_days:g} days"
                plan.remove.append(target)
                continue
        remaining.append(target)
    if max_size is not None:
        total = plan.total_before - plan.freed
        for target in list(remaining):  # runs oldest first, then cache entries oldest first
            if total <= max_size:
                break
            target.reason = f"total size over {max_size:,} bytes"
            plan.remove.append(target)
            remaining.remove(target)
            total -= target.size
    plan.keep += remaining
    return plan


def apply_plan(home: Path, plan: Plan) -> list[str]:
    """Remove what the plan says; returns the cache keys skipped because a session started
    using them after the plan was made (an entry in use is never removed)."""
    from .dataset.cache import evict_if_idle

    skipped = []
    for target in plan.remove:
        if target.kind == "run":
            shutil.rmtree(target.path, ignore_errors=True)
            store.delete_run(home, target.name)
        elif target.kind == "grouped":
            target.path.unlink(missing_ok=True)
        elif not evict_if_idle(target.path.parent, target.name) and target.path.exists():
            skipped.append(target.name)
    return skipped
