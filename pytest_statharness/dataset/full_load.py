"""The full-load guard: refuse whole-dataset in-memory loads above a row threshold.

Streaming is the rule; a ``to_pandas()`` of a large dataset is almost always a mistake that
costs gigabytes. The threshold and the override are environment variables so a user can
lift them for one run without touching code.
"""

from __future__ import annotations

import os

from ..errors import FullLoadRefused

MAX_ROWS_ENV = "STAT_HARNESS_MAX_FULL_DF_ROWS"
ALLOW_ENV = "STAT_HARNESS_ALLOW_FULL_DF"
DEFAULT_MAX_ROWS = 1_000_000


def max_full_load_rows() -> int:
    raw = os.environ.get(MAX_ROWS_ENV, "").strip()
    if not raw:
        return DEFAULT_MAX_ROWS
    try:
        value = int(raw.replace("_", ""))
    except ValueError:
        raise FullLoadRefused(
            f"{MAX_ROWS_ENV}={raw!r} is not an integer row count; unset it or give e.g. 1000000"
        ) from None
    return max(value, 0)


def full_load_allowed() -> bool:
    return os.environ.get(ALLOW_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def check_full_load(dataset_name: str, row_count: int, requester: str | None) -> None:
    """Raise :class:`FullLoadRefused` when a full load of ``row_count`` rows is not allowed."""
    limit = max_full_load_rows()
    if row_count <= limit or full_load_allowed():
        return
    who = f"analysis {requester!r}" if requester else "a caller"
    raise FullLoadRefused(
        f"{who} asked for a full in-memory load of dataset {dataset_name!r} "
        f"({row_count:,} rows > {MAX_ROWS_ENV}={limit:,}). Stream it instead with "
        f"dataset.iter_chunks(columns=[...]) (or dataset.iter_batches(columns=[...], "
        f"batch_size=...)); to allow the load anyway set {ALLOW_ENV}=1."
    )
