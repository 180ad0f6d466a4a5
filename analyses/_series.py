"""Exact streaming helpers shared by the relationships and time families.

* :func:`exact_sum` — the exact sum of a float64 array as a fixed-point integer (the
  value is ``I / 2**SCALE_BITS``), vectorised: every float is split into its binary
  exponent and two integer halves of its 53-bit significand, the halves are summed per
  exponent with ``np.bincount`` (integer-valued float sums below 2**53, hence exact), and
  the per-exponent sums are shifted into one Python integer. Integers add exactly, so a
  sum does not depend on how the rows were chunked or merged.
* :func:`grouped_exact_sums` — the same, per integer group key (day, hour, level).
* :class:`CountMap` / :class:`RankTable` — a bounded map value -> count (sorted distinct
  values, mergeable by sorted merge) and the exact average ranks it implies (twice the
  average rank is an integer: ``2 * below + count + 1``), with the tie term
  ``sum(t**3 - t)``. A map that would hold more than its cap of distinct values is
  dropped (``overflow``): exact ranks are then declared unaffordable, never sampled.
* :func:`level_counts` / :func:`level_codes` — exact categorical level counts and the
  per-row codes of a chosen list of levels (others go to an "other" code).
* :func:`time_ticks` and :class:`SeriesAccumulator` — per-day and per-hour series of row
  counts and exact numeric sums over the latest ``max_windows`` calendar days / hours,
  plus day-of-week and hour-of-day counts over all rows; optionally (``robust=True``) also
  exact per-day sums of :func:`log_modulus` of every value and of its square: daily means
  that heavy tails (lognormal amounts, durations) cannot dominate, and the row-level
  moments of any run of days.
* :func:`log_modulus` — ``sign(x) * L(1 + |x|)`` with ``L`` the piecewise-linear
  interpolation of ``log2`` between powers of two, computed with IEEE operations that are
  exact or correctly rounded only, so it is identical on every platform and chunking.
"""

from __future__ import annotations

import datetime as _dt
import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# frexp exponents of finite float64 values lie in [-1073, 1024]
EXP_OFFSET = 1100
EXP_SLOTS = 4096
# value = I / 2**SCALE_BITS: the smallest unit of a significand is 2**-1126
SCALE_BITS = 1126
_TWO53 = float(2**53)
_TWO27 = float(2**27)
_INV27 = 1.0 / _TWO27
# np.bincount sums of integers below 2**27 stay exact (< 2**53) for fewer than 2**26 items
_SLICE = 1 << 25
_LOW32 = np.int64(0xFFFFFFFF)


def _split(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(exponent slot, high half, low half) of each finite float: x = (hi*2**27 + lo) * 2**(slot-27-SCALE)."""
    m, e = np.frexp(values)
    sig = m * _TWO53  # exact: an integer below 2**53 in magnitude
    hi = np.trunc(sig * _INV27)
    lo = sig - hi * _TWO27  # exact, |lo| < 2**27, same sign as hi
    return e.astype(np.intp) + EXP_OFFSET, hi, lo


def exact_sum(values: np.ndarray) -> int | None:
    """Exact sum of a float64 array as ``I`` with value ``I / 2**SCALE_BITS``.

    None when a value is not finite (an overflowed product, for instance).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 0
    if not np.isfinite(values).all():
        return None
    total = 0
    for start in range(0, values.size, _SLICE):
        slot, hi, lo = _split(values[start : start + _SLICE])
        sh = np.bincount(slot, weights=hi)
        sl = np.bincount(slot, weights=lo)
        nz = np.flatnonzero((sh != 0) | (sl != 0))
        for k, a, b in zip(nz.tolist(), sh[nz].tolist(), sl[nz].tolist(), strict=True):
            total += ((int(a) << 27) + int(b)) << (k - 27)
    return total


def log_modulus(values: np.ndarray) -> np.ndarray:
    """``sign(x) * L(1 + |x|)``: the log-modulus transform (John & Draper 1980) in base 2,
    with ``log2`` replaced by its piecewise-linear interpolation between powers of two
    (Mitchell 1962): for ``y = m * 2**e`` (``numpy.frexp``, ``0.5 <= m < 1``),
    ``L(y) = (e - 2) + 2m``. ``L`` is continuous, strictly increasing, equal to ``log2``
    at every power of two and within 0.0861 of it elsewhere; near 0 the transform is the
    identity up to the rounding of ``1 + |x|`` (``|x| < 1`` gives ``(1 + |x|) - 1``), for
    ``|x| >> 1`` it is ``~log2|x|``, so a multiplicative change of a positive variable
    becomes an additive one.

    Only exact or correctly rounded IEEE operations are used (``1 + |x|``, ``frexp``,
    ``2m``, one addition), so every value is bit-identical on every platform, whatever the
    chunking. Finite input only (callers mask non-finite values).
    """
    x = np.asarray(values, dtype=np.float64)
    m, e = np.frexp(1.0 + np.abs(x))
    return np.copysign((e - 2).astype(np.float64) + 2.0 * m, x)


def add_exact(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


def fixed_to_float(total: int | None, count: int = 1) -> float | None:
    """Correctly rounded ``total / 2**SCALE_BITS / count`` (None for no data)."""
    if total is None or count <= 0:
        return None
    return total / (count << SCALE_BITS)


def grouped_exact_sums(groups: np.ndarray, values: np.ndarray) -> dict[int, int]:
    """Exact sums of finite ``values`` per integer group key (fixed-point, see exact_sum)."""
    out: dict[int, int] = {}
    if values.size == 0:
        return out
    for start in range(0, values.size, _SLICE):
        slot, hi, lo = _split(values[start : start + _SLICE])
        key = groups[start : start + _SLICE].astype(np.int64) * EXP_SLOTS + slot
        uniq, inv = np.unique(key, return_inverse=True)
        sh = np.bincount(inv, weights=hi)
        sl = np.bincount(inv, weights=lo)
        grp = (uniq // EXP_SLOTS).tolist()
        slots = (uniq % EXP_SLOTS).tolist()
        for g, k, a, b in zip(grp, slots, sh.tolist(), sl.tolist(), strict=True):
            if a or b:
                out[g] = out.get(g, 0) + (((int(a) << 27) + int(b)) << (k - 27))
            else:
                out.setdefault(g, 0)
    return out


def fixed_moments(n: int, total: int, squares: int) -> tuple[float, float] | None:
    """(mean, sample sd) of ``n`` values from the exact fixed-point sums of the values and
    of their squares (see :func:`exact_sum`); both correctly rounded from exact rationals.
    None when ``n < 2``. The sd is 0 when rounding of the squares would make it negative."""
    if n < 2:
        return None
    scale = 1 << SCALE_BITS
    num = squares * n * scale - total * total
    var = Fraction(max(num, 0), n * (n - 1) * scale * scale)
    return fixed_to_float(total, n), math.sqrt(var)


def int_sum(values: np.ndarray) -> int:
    """Exact sum of an int64 array whose |values| < 2**62, as a Python int."""
    if values.size == 0:
        return 0
    return (int(np.sum(values >> 32)) << 32) + int(np.sum(values & _LOW32))


def int_group_sums(codes: np.ndarray, values: np.ndarray, groups: int) -> list[int]:
    """Exact per-code sums of non-negative int64 ``values`` (codes in [0, groups))."""
    out = [0] * groups
    if values.size == 0:
        return out
    for start in range(0, values.size, _SLICE):
        c = codes[start : start + _SLICE]
        v = values[start : start + _SLICE]
        hi = np.bincount(c, weights=(v >> 26).astype(np.float64), minlength=groups)
        lo = np.bincount(
            c, weights=(v & np.int64((1 << 26) - 1)).astype(np.float64), minlength=groups
        )
        for g, (h, low) in enumerate(zip(hi.tolist(), lo.tolist(), strict=True)):
            out[g] += (int(h) << 26) + int(low)
    return out


# -- exact ranks ----------------------------------------------------------------------


@dataclass
class CountMap:
    """Sorted distinct finite values with their counts; ``overflow`` once past ``cap``."""

    values: np.ndarray = field(default_factory=lambda: np.empty(0, np.float64))
    counts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    overflow: bool = False

    @classmethod
    def of(cls, values: np.ndarray, cap: int) -> CountMap:
        if values.size == 0:
            return cls()
        v, c = np.unique(values, return_counts=True)
        if v.size > cap:
            return cls(overflow=True)
        return cls(v, c.astype(np.int64))

    def merged(self, other: CountMap, cap: int) -> CountMap:
        if self.overflow or other.overflow:
            return CountMap(overflow=True)
        if not other.values.size:
            return CountMap(self.values, self.counts)
        if not self.values.size:
            return CountMap(other.values.copy(), other.counts.copy())
        v = np.concatenate([self.values, other.values])
        c = np.concatenate([self.counts, other.counts])
        order = np.argsort(v, kind="stable")
        v, c = v[order], c[order]
        starts = np.flatnonzero(np.concatenate([[True], v[1:] != v[:-1]]))
        if starts.size > cap:
            return CountMap(overflow=True)
        return CountMap(v[starts], np.add.reduceat(c, starts))


class RankTable:
    """Average ranks (ties averaged, as scipy.stats.rankdata) from a complete CountMap."""

    def __init__(self, counts: CountMap) -> None:
        self.values = counts.values
        c = counts.counts
        below = np.concatenate([[0], np.cumsum(c)[:-1]]).astype(np.int64) if c.size else c
        self.twice = 2 * below + c + 1  # 2 * average rank, an integer
        self.n = int(c.sum()) if c.size else 0
        self.ties = sum(t * t * t - t for t in c[c > 1].tolist())

    def twice_ranks(self, values: np.ndarray) -> np.ndarray:
        return self.twice[np.searchsorted(self.values, values)]


# -- categorical levels ---------------------------------------------------------------


def decoded(col: pa.ChunkedArray | pa.Array):
    if pa.types.is_dictionary(col.type):
        return pc.cast(col, col.type.value_type)
    return col


def level_counts(col) -> dict:
    """Exact counts of the non-null values of a categorical column chunk."""
    out: dict = {}
    vc = pc.value_counts(decoded(col))
    for value, count in zip(
        vc.field("values").to_pylist(), vc.field("counts").to_pylist(), strict=True
    ):
        if value is not None:
            out[value] = out.get(value, 0) + int(count)
    return out


def merge_counts(a: dict, b: dict) -> dict:
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def choose_levels(counts: dict, max_groups: int) -> tuple[list, int, int]:
    """Levels kept (most frequent first, ties by value), levels and rows put in "other"."""
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    if len(ordered) <= max_groups:
        return [k for k, _ in ordered], 0, 0
    kept = ordered[: max(max_groups - 1, 1)]
    rest = ordered[len(kept) :]
    return [k for k, _ in kept], len(rest), sum(v for _, v in rest)


def level_codes(col, levels: list) -> np.ndarray:
    """Per-row code: index in ``levels``; ``len(levels)`` for other values; -1 for null."""
    arr = decoded(col)
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    if levels:
        idx = pc.index_in(arr, value_set=pa.array(levels, type=arr.type))
        codes = np.asarray(
            pc.fill_null(idx, len(levels)).to_numpy(zero_copy_only=False), dtype=np.int64
        )
    else:
        codes = np.full(len(arr), 0, dtype=np.int64)
    codes[~valid] = -1
    return codes


def level_label(value) -> str:
    return str(value)


# -- time buckets ---------------------------------------------------------------------

_UNIT_TICKS = {"s": 1, "ms": 1000, "us": 10**6, "ns": 10**9}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = _dt.datetime(1970, 1, 1)


def ticks_per_second(arrow_type: pa.DataType) -> int:
    if pa.types.is_timestamp(arrow_type):
        return _UNIT_TICKS[arrow_type.unit]
    if pa.types.is_date64(arrow_type):
        return 1000
    return 1  # date32: converted to seconds below


def time_ticks(chunk, name: str) -> tuple[np.ndarray, np.ndarray]:
    """(valid mask, int64 wall-clock ticks) of a timestamp/date column chunk.

    Time-zone-aware timestamps are taken in their zone's local wall-clock time; date32 is
    converted to seconds.
    """
    col = chunk.column(name)
    typ = col.type
    valid = np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_timestamp(typ):
        if typ.tz is not None:
            col = pc.local_timestamp(col)
        ints = pc.cast(col, pa.int64())
    elif pa.types.is_date32(typ):
        ints = pc.multiply(pc.cast(pc.cast(col, pa.int32()), pa.int64()), 86400)
    elif pa.types.is_date64(typ):
        ints = pc.cast(col, pa.int64())
    else:
        raise TypeError(f"column {name!r} of type {typ} is not a timestamp")
    ticks = np.asarray(pc.fill_null(ints, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    return valid, ticks


def day_label(day: int) -> str:
    return (_EPOCH + _dt.timedelta(days=int(day))).date().isoformat()


def hour_label(hour: int) -> str:
    return (_EPOCH + _dt.timedelta(hours=int(hour))).strftime("%Y-%m-%dT%H:00")


def tick_label(tick: int, tps: int) -> str:
    """ISO 8601 like ``pandas.Timestamp.isoformat``: microseconds, then nanoseconds if any."""
    seconds, rem = divmod(int(tick), tps)
    micro = rem * 10**6 // tps
    nano = (rem * 10**9 // tps) % 1000
    stamp = _EPOCH + _dt.timedelta(seconds=seconds, microseconds=micro)
    return stamp.isoformat() + (f"{nano:03d}" if nano else "")


def weekday_of_day(day: int) -> int:
    """0 = Monday (1970-01-01 was a Thursday)."""
    return (int(day) + 3) % 7


def _trim_latest(buckets: dict, cap: int) -> tuple[dict, int]:
    """Keep the ``cap`` latest keys; the rows of the others are returned as dropped."""
    if len(buckets) <= cap:
        return buckets, 0
    keys = sorted(buckets)
    drop = keys[: len(keys) - cap]
    dropped = sum(buckets[k][0] for k in drop)
    return {k: buckets[k] for k in keys[len(keys) - cap :]}, dropped


def _merge_buckets(a: dict, b: dict) -> dict:
    """Merge bucket maps key -> (rows, {column: (n, exact sum[, exact log-modulus sum])});
    integer additions only, never modifies b."""
    out = dict(a)
    for key, (rows, sums) in b.items():
        if key not in out:
            out[key] = (rows, dict(sums))
            continue
        rows0, sums0 = out[key]
        merged = dict(sums0)
        for col, acc in sums.items():
            prev = merged.get(col)
            merged[col] = (
                acc if prev is None else tuple(x + y for x, y in zip(prev, acc, strict=True))
            )
        out[key] = (rows0 + rows, merged)
    return out


class SeriesAccumulator:
    """One streamed pass: per-day/per-hour buckets (latest ``windows`` kept) and cycles.

    State (all integers, merge exact and order-independent): rows, valid time rows, min
    and max tick, rows whose time of day is not midnight, day-of-week and hour-of-day row
    counts over all rows, and two bucket maps ``key -> (rows, {column: (n, exact sum)})``
    holding the latest ``windows`` days / hours with rows (with ``robust``, day buckets
    hold ``(n, exact sum, exact sum of g, exact sum of g*g)``, ``g = log_modulus(x)``). Keeping the latest keys at every
    merge keeps exactly the overall latest keys, whatever the chunking.
    """

    def __init__(
        self,
        time_column: str,
        numeric: list[str],
        windows: int,
        *,
        hourly: bool = True,
        numeric_hourly: bool = True,
        robust: bool = False,
    ) -> None:
        self.time_column = time_column
        self.numeric = list(numeric)
        self.windows = max(int(windows), 1)
        self.hourly = hourly
        self.numeric_hourly = numeric_hourly
        self.robust = robust

    def init(self) -> dict:
        return {
            "rows": 0,
            "valid": 0,
            "min": None,
            "max": None,
            "timed": 0,
            "weekday": [0] * 7,
            "hour_of_day": [0] * 24,
            "days": {},
            "days_dropped": 0,
            "hours": {},
            "hours_dropped": 0,
            "tps": None,
        }

    def _buckets(
        self, keys: np.ndarray, chunk, valid_time: np.ndarray, numeric: bool, robust: bool = False
    ) -> dict:
        uniq, counts = np.unique(keys, return_counts=True)
        out = {int(k): (int(c), {}) for k, c in zip(uniq.tolist(), counts.tolist(), strict=True)}
        if not numeric:
            return out
        for col in self.numeric:
            data = chunk.floats(col)[valid_time]
            ok = np.isfinite(data)
            if not ok.any():
                continue
            g = keys[ok]
            u, n = np.unique(g, return_counts=True)
            sums = grouped_exact_sums(g, data[ok])
            if robust:
                lm = log_modulus(data[ok])
                rsums = grouped_exact_sums(g, lm)
                rsq = grouped_exact_sums(g, lm * lm)
                for k, c in zip(u.tolist(), n.tolist(), strict=True):
                    out[k][1][col] = (c, sums[k], rsums[k], rsq[k])
            else:
                for k, c in zip(u.tolist(), n.tolist(), strict=True):
                    out[k][1][col] = (c, sums[k])
        return out

    def update(self, state: dict, chunk) -> dict:
        part = self.init()
        part["tps"] = ticks_per_second(chunk.column(self.time_column).type)
        part["rows"] = chunk.num_rows
        valid, ticks = time_ticks(chunk, self.time_column)
        t = ticks[valid]
        if t.size:
            tps = part["tps"]
            part["valid"] = int(t.size)
            part["min"], part["max"] = int(t.min()), int(t.max())
            day_ticks = 86400 * tps
            days = t // day_ticks
            hours = t // (3600 * tps)
            part["timed"] = int(np.count_nonzero(t - days * day_ticks))
            part["weekday"] = np.bincount((days + 3) % 7, minlength=7).tolist()
            part["hour_of_day"] = np.bincount(hours % 24, minlength=24).tolist()
            part["days"], part["days_dropped"] = _trim_latest(
                self._buckets(days, chunk, valid, True, self.robust), self.windows
            )
            if self.hourly:
                part["hours"], part["hours_dropped"] = _trim_latest(
                    self._buckets(hours, chunk, valid, self.numeric_hourly), self.windows
                )
        return self.merge(state, part)

    def merge(self, a: dict, b: dict) -> dict:
        days, d_drop = _trim_latest(_merge_buckets(a["days"], b["days"]), self.windows)
        hours, h_drop = _trim_latest(_merge_buckets(a["hours"], b["hours"]), self.windows)
        mins = [v for v in (a["min"], b["min"]) if v is not None]
        maxs = [v for v in (a["max"], b["max"]) if v is not None]
        return {
            "rows": a["rows"] + b["rows"],
            "valid": a["valid"] + b["valid"],
            "min": min(mins) if mins else None,
            "max": max(maxs) if maxs else None,
            "timed": a["timed"] + b["timed"],
            "weekday": [x + y for x, y in zip(a["weekday"], b["weekday"], strict=True)],
            "hour_of_day": [x + y for x, y in zip(a["hour_of_day"], b["hour_of_day"], strict=True)],
            "days": days,
            "days_dropped": a["days_dropped"] + b["days_dropped"] + d_drop,
            "hours": hours,
            "hours_dropped": a["hours_dropped"] + b["hours_dropped"] + h_drop,
            "tps": a["tps"] if a["tps"] is not None else b["tps"],
        }

    def finish(self, state: dict) -> Series:
        return Series.from_state(self, state)


@dataclass
class BucketSeries:
    """A filled series over consecutive buckets (days or hours) inside the window."""

    start: int  # first bucket key
    counts: np.ndarray  # rows per bucket (int64), zeros for empty buckets
    means: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]  # col -> (keys, n, means)
    sums: dict[str, int]  # col -> exact fixed-point sum over the window
    rows_outside: int  # rows with a valid time outside the window
    # robust accumulators only, aligned with means[col]: col -> daily means of log_modulus,
    # and col -> (exact fixed-point sums of g, of g*g) per day (Python ints)
    robust_means: dict[str, np.ndarray] = field(default_factory=dict)
    robust_sums: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)

    @property
    def keys(self) -> np.ndarray:
        return np.arange(self.start, self.start + self.counts.size, dtype=np.int64)


@dataclass
class Series:
    time_column: str
    rows: int
    valid: int
    first_tick: int | None
    last_tick: int | None
    tps: int
    has_time_of_day: bool
    weekday_counts: list[int]
    hour_of_day_counts: list[int]
    daily: BucketSeries | None
    hourly: BucketSeries | None
    windows: int

    @classmethod
    def from_state(cls, acc: SeriesAccumulator, state: dict) -> Series:
        tps = state["tps"] or 1
        daily = hourly = None
        if state["valid"]:
            last_day = state["max"] // (86400 * tps)
            first_day = state["min"] // (86400 * tps)
            daily = _filled(
                state["days"], state["days_dropped"], first_day, last_day, acc, acc.robust
            )
            if acc.hourly:
                last_hour = state["max"] // (3600 * tps)
                first_hour = state["min"] // (3600 * tps)
                hourly = _filled(state["hours"], state["hours_dropped"], first_hour, last_hour, acc)
        return cls(
            time_column=acc.time_column,
            rows=state["rows"],
            valid=state["valid"],
            first_tick=state["min"],
            last_tick=state["max"],
            tps=tps,
            has_time_of_day=state["timed"] > 0,
            weekday_counts=list(state["weekday"]),
            hour_of_day_counts=list(state["hour_of_day"]),
            daily=daily,
            hourly=hourly,
            windows=acc.windows,
        )

    # exposure: how much observed time falls on each weekday / hour of day
    def observed_interval(self) -> tuple[int, int] | None:
        """[start, end) in ticks: first..last timestamp, or whole days for date-only data."""
        if self.first_tick is None:
            return None
        day = 86400 * self.tps
        if not self.has_time_of_day:
            return (self.first_tick // day) * day, (self.last_tick // day + 1) * day
        return self.first_tick, self.last_tick + 1

    def exposure(self, period_ticks: int, cycle: int, offset: int) -> list[int] | None:
        """Ticks of the observed interval falling in each phase of a cycle of ``cycle``
        periods (weekday: period a day, cycle 7, offset 3; hour of day: an hour, 24, 0)."""
        interval = self.observed_interval()
        if interval is None:
            return None
        start, end = interval
        out = [0] * cycle
        first, last = start // period_ticks, (end - 1) // period_ticks
        if first == last:
            out[(first + offset) % cycle] += end - start
            return out
        out[(first + offset) % cycle] += (first + 1) * period_ticks - start
        out[(last + offset) % cycle] += end - last * period_ticks
        full = last - first - 1
        whole, extra = divmod(full, cycle)
        for phase in range(cycle):
            out[phase] += whole * period_ticks
        for k in range(extra):
            out[(first + 1 + k + offset) % cycle] += period_ticks
        return out


def _filled(
    buckets: dict,
    dropped: int,
    first: int,
    last: int,
    acc: SeriesAccumulator,
    robust: bool = False,
) -> BucketSeries:
    start = max(first, last - acc.windows + 1)
    counts = np.zeros(last - start + 1, dtype=np.int64)
    outside = dropped
    per_col: dict[str, list] = {c: [] for c in acc.numeric}
    robust_col: dict[str, list] = {c: [] for c in acc.numeric}
    for key in sorted(buckets):
        rows, sums = buckets[key]
        if key < start:
            outside += rows
            continue
        counts[key - start] = rows
        for col, (n, s, *rest) in sums.items():
            per_col[col].append((key, n, fixed_to_float(s, n)))
            if rest:
                robust_col[col].append((fixed_to_float(rest[0], n), rest[0], rest[1]))
    means = {}
    totals = {
        c: sum(buckets[k][1][c][1] for k in buckets if k >= start and c in buckets[k][1])
        for c in acc.numeric
    }
    for col in acc.numeric:
        items = per_col[col]
        means[col] = (
            np.array([k for k, _, _ in items], dtype=np.int64),
            np.array([n for _, n, _ in items], dtype=np.int64),
            np.array([m for _, _, m in items], dtype=np.float64),
        )
    robust_means: dict[str, np.ndarray] = {}
    robust_sums: dict[str, tuple[list[int], list[int]]] = {}
    if robust:
        for c in acc.numeric:
            items = robust_col[c]
            robust_means[c] = np.array([m for m, _, _ in items], dtype=np.float64)
            robust_sums[c] = ([s for _, s, _ in items], [q for _, _, q in items])
    return BucketSeries(start, counts, means, totals, outside, robust_means, robust_sums)


def finite_or_none(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


__all__ = [
    "WEEKDAYS",
    "CountMap",
    "RankTable",
    "SeriesAccumulator",
    "Series",
    "exact_sum",
    "fixed_moments",
    "fixed_to_float",
    "grouped_exact_sums",
    "int_sum",
    "log_modulus",
    "level_codes",
    "level_counts",
]
