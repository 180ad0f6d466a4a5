"""Helpers shared by the distribution and quality analyses (exact, mergeable, chunk-invariant).

* :func:`finite_values` — a numeric column's finite values, null and non-finite counts.
* :func:`fixed_sum` / :func:`fixed_ratio` — exact sums of float64 arrays as Python integers
  in units of 2**-1127 (every finite float64 is an integer multiple of it), so a sum is the
  same integer for any chunking and merge order; :func:`fixed_ratio` divides it by a count
  with one correct rounding (Python's int true division).
* :class:`SelectionSet` — exact order statistics of several value streams at once, driving
  one :class:`~._exact.RankSelector` per stream; :class:`KeyRankSelector` selects int64
  values exactly (timestamps in nanoseconds do not fit a float64).
* :func:`numpy_bin_edges` — numpy's ``histogram_bin_edges`` for the Freedman-Diaconis and
  Sturges rules, from exact summary statistics instead of the whole array.
* small mergeable pieces: :func:`smallest`, :func:`int_values`, :func:`cap_findings`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ._exact import (
    PREFIX_BITS,
    RankSelector,
    exact_fixed_sum,
    linear_quantile,
    quantile_ranks,
)

FIXED_BITS = 1127  # 1074 (smallest subnormal) + 53 (mantissa): every float64 is k * 2**-1127
SIGN = np.uint64(1 << 63)
MAX_EXAMPLES = 20


# -- values -------------------------------------------------------------------------------
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
    col = chunk.column(name)
    typ = col.type
    if pa.types.is_date32(typ):
        col = pc.cast(pc.cast(col, pa.int32()), pa.int64())
    else:
        col = pc.cast(col, pa.int64())
    mask = np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False), dtype=bool)
    data = np.asarray(pc.fill_null(col, 0).to_numpy(), dtype=np.int64)
    idx = np.flatnonzero(mask)
    return data[idx], idx, int(mask.size - idx.size)


def int_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving map int64 -> uint64."""
    return np.ascontiguousarray(values, dtype=np.int64).view(np.uint64) ^ SIGN


# -- exact sums ---------------------------------------------------------------------------
def fixed_sum(values: np.ndarray) -> int:
    """Exact sum of finite float64 values as an integer number of 2**-1127 units."""
    return exact_fixed_sum(values)


def fixed_ratio(total: int, count: int) -> float:
    """``total`` (2**-1127 units) divided by ``count``, correctly rounded to float64."""
    try:
        return total / (count << FIXED_BITS)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


# -- exact order statistics -----------------------------------------------------------------
class KeyRankSelector(RankSelector):
    """A RankSelector whose ``values()`` are the selected uint64 keys (as Python ints)."""

    def advance(self, state: dict) -> None:
        sorted_cache: dict = {}
        for t in self.targets.values():
            if t.value is not None:
                continue
            hist = state.get(("h", t.prefix, t.depth))
            if hist is not None:  # same descent as RankSelector.advance
                cumulative = np.cumsum(hist)
                idx = int(np.searchsorted(cumulative, t.rank - t.offset, side="right"))
                t.offset += int(cumulative[idx - 1]) if idx > 0 else 0
                t.prefix = (t.prefix << PREFIX_BITS) | idx
                t.depth += PREFIX_BITS
                t.count = int(hist[idx])
                continue
            key = ("c", t.prefix, t.depth)
            if key not in sorted_cache:
                parts = state.get(key, [])
                merged = np.concatenate(parts) if parts else np.empty(0, np.uint64)
                sorted_cache[key] = np.sort(merged)
            t.value = int(sorted_cache[key][t.rank - t.offset])


class SelectionSet:
    """Exact order statistics of several named value streams, selected side by side.

    ``wanted`` maps a stream name to ``(n, ranks)``. Each pass: ``chunk_state(name, keys)``
    per chunk and stream, ``merge`` the per-chunk dicts, ``advance`` once per pass.
    """

    def __init__(self, wanted: dict[str, tuple[int, Iterable[int]]], *, int_keys: bool = False):
        cls = KeyRankSelector if int_keys else RankSelector
        self.int_keys = int_keys
        self.n = {name: n for name, (n, _) in wanted.items()}
        self.selectors = {
            name: cls(n, sorted(set(ranks))) for name, (n, ranks) in sorted(wanted.items()) if n > 0
        }

    @property
    def done(self) -> bool:
        return all(s.done for s in self.selectors.values())

    def pending(self) -> list[str]:
        return [name for name, s in self.selectors.items() if not s.done]

    def chunk_state(self, name: str, keys: np.ndarray) -> dict:
        sel = self.selectors.get(name)
        if sel is None or sel.done or not keys.size:
            return {}
        return sel.chunk_state(sel.current_pass(), keys)

    @staticmethod
    def merge(a: dict, b: dict) -> dict:
        return {
            name: RankSelector.merge_states(a.get(name, {}), b.get(name, {}))
            for name in sorted(set(a) | set(b))
        }

    def advance(self, states: dict) -> None:
        for name, sel in self.selectors.items():
            if not sel.done and states.get(name):
                sel.advance(states[name])

    def value(self, name: str, rank: int):
        value = self.selectors[name].values()[rank]
        if self.int_keys:
            return int(value) - (1 << 63)
        return value

    def quantile(self, name: str, q: float) -> float | None:
        """numpy's linear quantile (float streams only); None for an empty stream."""
        n = self.n.get(name, 0)
        if not n:
            return None
        prev, nxt, gamma = quantile_ranks(n, [q])[q]
        return linear_quantile(self.value(name, prev), self.value(name, nxt), gamma)


def quantile_rank_list(n: int, qs: Iterable[float]) -> list[int]:
    """The order statistics (0-based ranks) numpy's linear quantiles ``qs`` need."""
    if n <= 0:
        return []
    return sorted({r for prev, nxt, _ in quantile_ranks(n, list(qs)).values() for r in (prev, nxt)})


# -- histograms ---------------------------------------------------------------------------
MAX_BINS = 200


def numpy_bin_edges(
    n: int, lo: float, hi: float, iqr: float, *, integer: bool
) -> tuple[np.ndarray, str, bool]:
    """(edges, rule, capped): Freedman-Diaconis width 2*IQR*n**(-1/3) (Sturges width
    ptp/(log2 n + 1) when the IQR is 0 or the width underflows to 0), bins =
    ceil(range/width) clipped to [1, MAX_BINS], edges = numpy.linspace over [min, max]
    ([x - 0.5, x + 0.5] when min == max) — the same floats numpy.histogram_bin_edges(x,
    'fd' / 'sturges') gives when no clipping happens.
    """
    first, last = np.float64(lo), np.float64(hi)
    ptp = last - first
    if first == last:
        first, last = first - 0.5, last + 0.5
    rule = "freedman_diaconis"
    width = 2.0 * iqr * n ** (-1.0 / 3.0) if iqr > 0 else 0.0
    if not width > 0:  # IQR = 0 (or a width that underflows to 0)
        rule = "sturges"
        width = float(ptp / (np.log2(n) + 1.0))
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


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def cap_findings(ctx, detections: list[dict], summary: dict | None = None) -> list[dict]:
    """Keep at most ``max_findings`` findings (the summary last); record what was cut."""
    cap = max(ctx.budget.max_findings - (1 if summary is not None else 0), 0)
    kept = detections[:cap]
    note = {
        "count": len(detections) - cap,
        "cap": "max_findings",
        "subjects": [f["subject"] for f in detections[cap:]],
    }
    if summary is not None:
        kept.append(summary)
    if len(detections) > cap and kept:
        # the summary (or else the last finding kept) says what the cap left out
        kept[-1]["evidence"]["parameters"]["findings_left_out"] = note
    return kept


__all__ = [
    "FIXED_BITS",
    "MAX_BINS",
    "MAX_EXAMPLES",
    "KeyRankSelector",
    "SelectionSet",
    "cap_findings",
    "finite_values",
    "fixed_ratio",
    "fixed_sum",
    "int_keys",
    "int_values",
    "numpy_bin_edges",
    "quantile_rank_list",
    "share",
    "smallest",
]
