"""Column-reading and histogram helpers shared by the distribution, quality and profile
analyses (exact, mergeable, chunk-invariant).

* :func:`finite_values` — a numeric column's finite values, null and non-finite counts;
  :func:`int_values` — a temporal or integer column's values as exact int64 counts;
  :func:`time_storage` / :func:`time_ints` — the integer storage of a temporal Arrow type
  and an array as int64 counts of its unit; :data:`PER_SECOND` / :func:`ticks_per_day`;
  :func:`decoded` — one Arrow array with dictionaries decoded.
* :func:`numpy_bin_edges` — numpy's ``histogram_bin_edges`` for the Freedman-Diaconis and
  Sturges rules, from exact summary statistics instead of the whole array.
* :func:`smallest` — the k smallest items of two lists (mergeable example rows).

Exact sums and order statistics (``exact_fixed_sum``, ``fixed_ratio``, ``SelectionSet``,
``quantile_rank_list``, ``int_keys``) live in :mod:`_shared.exact`; finding caps and severity
bands (``cap_findings``, ``graded``, ``share``) in :mod:`_shared.report`.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .numeric import inv_cbrt

MAX_EXAMPLES = 20


PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}
DAY_SECONDS = 86_400


# -- values -------------------------------------------------------------------------------
def decoded(col) -> pa.Array:
    """``col`` as one Arrow array (chunks combined), dictionary-encoded values decoded."""
    arr = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_dictionary(arr.type):
        arr = pc.cast(arr, arr.type.value_type)
    return arr


def time_storage(typ: pa.DataType) -> pa.DataType:
    """The integer type an Arrow temporal type is stored as (int32 for date32/time32)."""
    return pa.int32() if pa.types.is_date32(typ) or pa.types.is_time32(typ) else pa.int64()


def time_ints(arr):
    """A temporal (or integer) Arrow array as int64 counts of its unit (dates: days for
    date32, milliseconds for date64); nulls stay null."""
    return pc.cast(pc.cast(arr, time_storage(arr.type)), pa.int64())


def ticks_per_day(typ: pa.DataType) -> int:
    """Counts per calendar day of a timestamp or date type."""
    if pa.types.is_date32(typ):
        return 1
    if pa.types.is_date64(typ):
        return 1000 * DAY_SECONDS
    return PER_SECOND[typ.unit] * DAY_SECONDS


def finite_values(chunk, name: str) -> tuple[np.ndarray, np.ndarray, int, int]:
    """(finite values, their 0-based positions in the chunk, nulls incl. NaN, +-inf count)."""
    data = chunk.floats(name)
    nan = np.isnan(data)
    finite = np.isfinite(data)
    idx = np.flatnonzero(finite)
    nulls = int(np.count_nonzero(nan))
    nonfinite = int(data.size - nulls - idx.size)
    return data[idx], idx, nulls, nonfinite


def int_values(chunk, name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(valid values as exact int64 counts in the column's Arrow unit, positions, nulls).

    Dates (date32) come as days and date64 as milliseconds, timestamps and durations in
    their own unit, integers as themselves.
    """
    col = time_ints(chunk.column(name))
    mask = np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False), dtype=bool)
    data = np.asarray(pc.fill_null(col, 0).to_numpy(), dtype=np.int64)
    idx = np.flatnonzero(mask)
    return data[idx], idx, int(mask.size - idx.size)


# -- histograms ---------------------------------------------------------------------------
MAX_BINS = 200


def numpy_bin_edges(
    n: int, lo: float, hi: float, iqr: float, *, integer: bool
) -> tuple[np.ndarray, str, bool]:
    """(edges, rule, capped): Freedman-Diaconis width 2*IQR*n**(-1/3) (Sturges width
    ptp/(log2 n + 1) when the IQR is 0 or the width underflows to 0), bins =
    ceil(range/width) clipped to [1, MAX_BINS], edges = numpy.linspace over [min, max]
    ([x - 0.5, x + 0.5] when min == max) — the same floats numpy.histogram_bin_edges(x,
    'fd' / 'sturges') gives when no clipping happens (n**(-1/3) is computed correctly
    rounded, by integers, and log2 by the scalar libm: a width only picks the bin count, so
    the edges differ from numpy's only if range/width falls within an ulp of an integer).
    """
    first, last = np.float64(lo), np.float64(hi)
    ptp = last - first
    if first == last:
        first, last = first - 0.5, last + 0.5
    rule = "freedman_diaconis"
    width = 2.0 * iqr * inv_cbrt(n) if iqr > 0 else 0.0  # n**(-1/3), correctly rounded
    if not width > 0:  # IQR = 0 (or a width that underflows to 0)
        rule = "sturges"
        width = float(ptp / (math.log2(n) + 1.0))  # scalar libm, not numpy's SIMD loop
    if integer and width < 1:
        width = 1.0
    with np.errstate(over="ignore"):  # a tiny width: more bins than a float holds
        ratio = (last - first) / width if width else np.float64(1)
    bins = int(np.ceil(ratio)) if np.isfinite(ratio) else MAX_BINS + 1
    capped = bins > MAX_BINS
    bins = min(max(bins, 1), MAX_BINS)
    if ptp == 0:
        rule = "single_value"
    edges = np.linspace(first, last, bins + 1, endpoint=True, dtype=np.float64)
    return edges, rule, capped


# -- small mergeable pieces -----------------------------------------------------------------
def smallest(a: list, b: list, k: int = MAX_EXAMPLES) -> list:
    """The k smallest items of two lists (new list; inputs untouched)."""
    return sorted(a + b)[:k]


__all__ = [
    "MAX_BINS",
    "MAX_EXAMPLES",
    "finite_values",
    "int_values",
    "numpy_bin_edges",
    "smallest",
]
