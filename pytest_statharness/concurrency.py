"""How many processes a run uses: the ``-n auto`` worker count, which also sizes the
local Dask cluster of ``--stat-engine dask`` (one owner for both, so they agree).

Only the standard library and pytest are imported here: this module loads in every session.
"""

from __future__ import annotations

import pytest

MAX_WORKERS_ENV = "STAT_HARNESS_MAX_WORKERS_ANALYSIS"
WORKER_MEMORY_MB = 1536  # budgeted peak per worker (measured peaks stay well below)


def auto_worker_count(env: dict | None = None) -> int:
    """Workers for ``-n auto``: cores, bounded by memory and STAT_HARNESS_MAX_WORKERS_ANALYSIS."""
    import os

    env = os.environ if env is None else env
    raw = env.get(MAX_WORKERS_ENV, "auto").strip().lower()
    if raw not in ("", "auto"):
        try:
            value = int(raw)
        except ValueError:
            raise pytest.UsageError(
                f"{MAX_WORKERS_ENV}={raw!r}: give 'auto' or a worker count"
            ) from None
        if value < 1:
            raise pytest.UsageError(f"{MAX_WORKERS_ENV}={raw!r}: must be at least 1")
        return value
    cores = (
        len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    )
    try:
        available_mb = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1 << 20)
    except (ValueError, OSError, AttributeError):
        available_mb = cores * WORKER_MEMORY_MB
    return max(1, min(cores, available_mb // WORKER_MEMORY_MB))
