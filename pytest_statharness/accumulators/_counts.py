"""Exact value counts and Misra–Gries heavy-hitter candidates, shared by the analyses that
count categorical values (``profile_categorical``, ``drift``, the event-log variants).

* :func:`valid_values` / :func:`value_counts` / :func:`add_counts` — a column's non-null
  values (dictionaries decoded), their exact counts as ``{value: count}``, and counts added.
* :func:`mg_reduce` — the mergeable Misra–Gries reduction (Agarwal et al. 2012): keep at
  most ``m`` counters by subtracting the (m+1)-th largest count from every counter. Any
  sequence of additions and reductions, in any merge order, keeps every value occurring
  more than ``N / (m + 1)`` times among the counters.
* :func:`misra_gries_add` — the classic one-item step (Misra & Gries 1982) for summaries
  fed in row order: the same reduction when one new value overflows the ``k`` counters.
* :func:`candidate_counts` — the second pass: exact counts of the candidates a summary kept.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc


def valid_values(chunk, name: str):
    """The non-null values of column ``name`` of a chunk (dictionary columns decoded)."""
    col = chunk.column(name)
    if pa.types.is_dictionary(col.type):
        col = pc.cast(col, col.type.value_type)
    return pc.drop_null(col)


def value_counts(array) -> dict:
    """``{value: count}`` of an Arrow array (Python values; no nulls expected)."""
    if not len(array):
        return {}
    vc = pc.value_counts(array)
    return dict(zip(vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True))


def add_counts(target: dict, other: dict) -> dict:
    """Add ``other``'s counts into ``target`` (in place; returned); ``other`` is untouched."""
    for value, n in other.items():
        target[value] = target.get(value, 0) + n
    return target


def mg_reduce(counts: dict, m: int) -> dict:
    """Keep at most ``m`` counters: subtract the (m+1)-th largest count from every counter
    and drop those left at zero. Each value loses at most ``(N - sum) / (m + 1)`` over any
    sequence of reductions (Agarwal et al. 2012, mergeable Misra–Gries). A new dict when
    reduced, ``counts`` itself when it already fits."""
    if len(counts) <= m:
        return counts
    values = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
    cut = int(np.partition(values, len(values) - m - 1)[len(values) - m - 1])
    return {k: v - cut for k, v in counts.items() if v > cut}


def misra_gries_add(counters: dict, value, k: int) -> int:
    """One Misra-Gries step; returns 1 when every counter was decremented."""
    if value in counters:
        counters[value] += 1
        return 0
    if len(counters) < k:
        counters[value] = 1
        return 0
    for key in list(counters):
        counters[key] -= 1
        if not counters[key]:
            del counters[key]
    return 1


def candidate_counts(chunk, name: str, candidates: pa.Array) -> dict:
    """Exact counts, in one chunk, of the values of column ``name`` among ``candidates``."""
    values = valid_values(chunk, name)
    if len(values):
        values = values.filter(pc.is_in(values, value_set=candidates))
    return value_counts(values)


__all__ = [
    "add_counts",
    "candidate_counts",
    "misra_gries_add",
    "mg_reduce",
    "valid_values",
    "value_counts",
]
