"""Exact streaming helpers shared by the relationships and time families.

* :func:`grouped_fixed_sums` / :func:`int_group_sums` — exact sums per integer group key
  (day, hour, level), vectorised: each value is cut into 32-bit limbs at its binary
  position, the limbs are summed per (group, limb) with ``np.bincount`` (integer-valued
  float sums below 2**53, hence exact), carries are propagated column by column and each
  group's limbs are read as one Python integer. Float sums are in the units of
  :func:`_shared.exact.exact_fixed_sum` (``fixed_ratio`` turns them into means), so a sum does not
  depend on how the rows were chunked or merged; :func:`fixed_moments` gives the mean and
  sd of a run of such sums.
* :class:`CountMap` / :class:`RankTable` — a bounded map value -> count (sorted distinct
  values, mergeable by sorted merge) and the exact average ranks it implies (twice the
  average rank is an integer: ``2 * below + count + 1``), with the tie term
  ``sum(t**3 - t)``. A map that would hold more than its cap of distinct values is
  dropped (``overflow``): exact ranks are then declared unaffordable, never sampled.
* :func:`choose_levels` / :func:`level_codes` — the categorical levels kept under
  ``max_groups`` and the per-row codes of those levels (others go to an "other" code).
* :func:`time_ticks` and :class:`SeriesAccumulator` — per-day and per-hour series of row
  counts and exact numeric sums over the latest ``max_windows`` calendar days / hours,
  plus day-of-week and hour-of-day counts over all rows; optionally (``robust=True``) also
  exact per-day sums of :func:`log_modulus` of every value and of its square: daily means
  that heavy tails (lognormal amounts, durations) cannot dominate, and the row-level
  moments of any run of days. Rows are bucketed by integer day / hour keys with
  ``np.bincount``; the bucket tables (:class:`Buckets`) are sorted key arrays with per-key
  counts and exact sums, merged with numpy.
* :func:`significant_severity` — the severity rule of both families: an effect-size band
  once the Bonferroni-adjusted p-value is below ``ALPHA``.
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

from .exact import exact_fixed_sum, fixed_ratio
from .hist import PER_SECOND, decoded, time_ints
from .report import bonferroni, graded

ALPHA = 0.001  # the family-wise significance level of the relationships and time families

# 1.0 in the units of exact_fixed_sum (2**1127)
FIXED_ONE = exact_fixed_sum(np.ones(1))
# exact_fixed_sum's unit is 2**-1127 = 2**-(1074 + 53): a value m * 2**e (frexp, m in
# [0.5, 1)) is the integer m * 2**53 at bit position e + 1074 >= 1
_FIXED_POSITION = 1074
_TWO32 = float(2**32)
_TWO53 = float(2**53)
_ROUND = 1.5 * 2.0**52  # (x + _ROUND) - _ROUND: x rounded to an integer, exactly, |x| < 2**51
_LOW32 = np.int64(0xFFFFFFFF)
# every (group, limb) sum of the pieces of fewer than 2**19 terms (each piece below 2**32
# in magnitude, at most 3 of one term in a limb, pieces of at most 2 term arrays) stays
# below 2**53: float64 adds them exactly
_BLOCK = 1 << 19
_SLICE = 1 << 13  # values per bincount: temporaries that stay in cache


def _limb_sums(index: np.ndarray, terms: list[tuple[np.ndarray, np.ndarray]], groups: int):
    """Exact ``sum(sig[i] * 2**pos[i])`` per group ``index[i]`` in [0, groups), over the
    ``(sig, pos)`` term arrays (float64 integers ``|sig| <= 2**53``, int32 ``pos >= 0``),
    as a list of Python ints.

    Each term is cut at its 32-bit limb ``q = pos >> 5`` with float operations that are
    all exact: ``x = sig * 2**(pos % 32 - 64)`` (a power-of-two scaling), ``top`` = x
    rounded to an integer, ``mid`` = ``(x - top) * 2**32`` rounded (the differences are
    exact by Sterbenz's lemma), ``low`` the rest times 2**32, so that
    ``sig * 2**pos = (low + mid * 2**32 + top * 2**64) * 2**(32 q)`` with every piece an
    integer below 2**32 in magnitude. The pieces are summed per (group, limb) with
    ``np.bincount`` (in cache-sized slices), carries are propagated limb by limb in int64
    and each group's limbs are read as one Python integer.
    """
    out = [0] * groups
    if not index.size or not groups:
        return out
    qs = [pos >> 5 for _, pos in terms]
    low = min(int(q.min()) for q in qs)
    width = max(int(q.max()) for q in qs) - low + 3
    size = groups * width
    for block in range(0, index.size, _BLOCK):
        acc = np.zeros(size)
        for start in range(block, min(block + _BLOCK, index.size), _SLICE):
            cut = slice(start, start + _SLICE)
            base = index[cut].astype(np.int64) * width - low
            for (sig, pos), q in zip(terms, qs, strict=True):
                x = np.ldexp(sig[cut], (pos[cut] & 31) - 64)
                top = (x + _ROUND) - _ROUND
                y = (x - top) * _TWO32
                mid = (y + _ROUND) - _ROUND
                cells = base + q[cut]
                for k, piece in enumerate(((y - mid) * _TWO32, mid, top)):  # at limb q + k
                    acc[k:] += np.bincount(cells, weights=piece, minlength=size)[: size - k]
        limbs = acc.astype(np.int64).reshape(groups, width)
        for j in range(width - 1):  # carries: every limb but the top one in [0, 2**32)
            carry = limbs[:, j] >> 32
            limbs[:, j] &= _LOW32
            limbs[:, j + 1] += carry
        buf = memoryview(limbs[:, :-1].astype("<u4").tobytes())
        step = 4 * (width - 1)
        top_shift, shift = 32 * (width - 1), 32 * low
        for g, top_limb in enumerate(limbs[:, -1].tolist()):
            value = int.from_bytes(buf[g * step : (g + 1) * step], "little")
            value += top_limb << top_shift
            if value:
                out[g] += value << shift
    return out


def grouped_fixed_sums(index: np.ndarray, values: np.ndarray, groups: int) -> list[int]:
    """Exact sums of finite float64 ``values`` per group ``index`` in [0, groups), as
    integers in the units of :func:`_shared.exact.exact_fixed_sum` (the same integers it gives
    for each group's values)."""
    m, e = np.frexp(np.asarray(values, dtype=np.float64))
    return _limb_sums(index, [(m * _TWO53, e + _FIXED_POSITION)], groups)


def int_group_sums(codes: np.ndarray, values: np.ndarray, groups: int) -> list[int]:
    """Exact per-code sums of int64 ``values`` (codes in [0, groups)); one float bincount
    when no partial sum can reach 2**53 (ranks, counts), else by 32-bit halves."""
    values = np.asarray(values, dtype=np.int64)
    if not values.size:
        return [0] * groups
    if max(-int(values.min()), int(values.max())) * values.size < 1 << 53:
        sums = np.bincount(codes, weights=values.astype(np.float64), minlength=groups)
        return [int(x) for x in sums.tolist()]
    at = np.zeros(values.size, dtype=np.int32)
    halves = [
        ((values & _LOW32).astype(np.float64), at),
        ((values >> 32).astype(np.float64), at + 32),
    ]
    return _limb_sums(codes, halves, groups)


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


def fixed_moments(n: int, total: int, squares: int) -> tuple[float, float] | None:
    """(mean, sample sd) of ``n`` values from the exact fixed-point sums of the values and
    of their squares (see :func:`grouped_fixed_sums`); both correctly rounded from exact
    rationals. None when ``n < 2``. The sd is 0 when rounding of the squares would make it
    negative."""
    if n < 2:
        return None
    num = squares * n * FIXED_ONE - total * total
    var = Fraction(max(num, 0), n * (n - 1) * FIXED_ONE * FIXED_ONE)
    return fixed_ratio(total, n), math.sqrt(var)


def int_sum(values: np.ndarray) -> int:
    """Exact sum of an int64 array whose |values| < 2**62, as a Python int."""
    if values.size == 0:
        return 0
    return (int(np.sum(values >> 32)) << 32) + int(np.sum(values & _LOW32))


def significant_severity(p: float | None, tests: int, effect, bands, alpha: float = ALPHA) -> str:
    """``graded(effect, bands)`` (else "info") when ``p`` is significant after Bonferroni
    over ``tests`` (adjusted p < ``alpha``, ALPHA unless a caller states one hypothesis);
    "info" otherwise, and when there is no p-value."""
    if p is None or bonferroni(p, tests) >= alpha:
        return "info"
    return graded(effect, bands, "info")


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
    """Average ranks (ties averaged, as scipy.stats.rankdata) from a complete CountMap.

    With ``parent`` (the table of a superset of the values: a column's own table, for the
    table of its values on the rows where a partner is valid), ``of_parent`` holds twice
    this table's rank of each parent value: one lookup of a value's position in the
    parent then serves both tables (positions of values not in this table are unused).
    """

    def __init__(self, counts: CountMap, parent: RankTable | None = None) -> None:
        self.values = counts.values
        c = counts.counts
        self.counts = c
        below = np.concatenate([[0], np.cumsum(c)[:-1]]).astype(np.int64) if c.size else c
        self.twice = 2 * below + c + 1  # 2 * average rank, an integer
        self.n = int(c.sum()) if c.size else 0
        self.ties = sum(t * t * t - t for t in c[c > 1].tolist())
        self.of_parent = None
        if parent is not None and c.size:
            at = np.searchsorted(self.values, parent.values)
            self.of_parent = self.twice[np.minimum(at, c.size - 1)]

    def positions(self, values: np.ndarray) -> np.ndarray:
        """Where each of ``values`` (all in the table) stands: ``twice[positions]`` are
        their doubled average ranks."""
        return np.searchsorted(self.values, values)


# -- categorical levels ---------------------------------------------------------------


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

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EPOCH = _dt.datetime(1970, 1, 1)


def ticks_per_second(arrow_type: pa.DataType) -> int:
    if pa.types.is_timestamp(arrow_type):
        return PER_SECOND[arrow_type.unit]
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
    if not (pa.types.is_timestamp(typ) or pa.types.is_date(typ)):
        raise TypeError(f"column {name!r} of type {typ} is not a timestamp")
    valid = np.asarray(pc.is_valid(col).to_numpy(zero_copy_only=False), dtype=bool)
    if pa.types.is_timestamp(typ) and typ.tz is not None:
        col = pc.local_timestamp(col)
    ints = time_ints(col)
    if pa.types.is_date32(typ):
        ints = pc.multiply(ints, 86400)
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


def _key_groups(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(sorted distinct keys, each key's index among them, rows per key) — what
    ``np.unique(keys, return_inverse=True, return_counts=True)`` gives, by a bincount over
    the key range when it is dense enough (days and hours of a chunk usually are)."""
    low = int(keys.min())
    span = int(keys.max()) - low + 1
    if span > 4 * keys.size + 4096:
        uniq, inv, counts = np.unique(keys, return_inverse=True, return_counts=True)
        return uniq, inv.reshape(-1), counts.astype(np.int64)
    offset = keys - low
    dense = np.bincount(offset, minlength=span)
    present = np.flatnonzero(dense)
    position = np.cumsum(dense > 0) - 1
    return present + low, position[offset], dense[present].astype(np.int64)


@dataclass
class _Values:
    """The finite values of one numeric column among the rows with a valid time."""

    finite: np.ndarray  # bool mask over the rows with a valid time
    values: np.ndarray  # the finite values
    _log: np.ndarray | None = None

    @property
    def log(self) -> np.ndarray:
        if self._log is None:
            self._log = log_modulus(self.values)
        return self._log

    def sums(self, index: np.ndarray, rows: np.ndarray | None, groups: int, robust: bool):
        """Exact per-group sums (object arrays) of the values (with ``robust`` also of
        g = log_modulus and of g*g) of the finite values ``rows`` selects (None: all)."""
        vals = self.values if rows is None else self.values[rows]
        out = [grouped_fixed_sums(index, vals, groups)]
        if robust:
            g = self.log if rows is None else self.log[rows]
            out += [grouped_fixed_sums(index, g, groups), grouped_fixed_sums(index, g * g, groups)]
        return tuple(np.array(x, dtype=object) for x in out)


#: a window no chunk reaches: every key kept
_ALL = 1 << 62


@dataclass
class Buckets:
    """Per-bucket state of the latest ``windows`` keys (days or hours) with rows.

    ``keys`` sorted int64, ``rows`` per key; per numeric column ``n`` (finite values per
    key) and ``sums`` (object arrays of exact fixed-point sums: of the values, and with
    ``robust`` of g and g*g; none when the series holds counts only); ``dropped`` counts
    the rows of keys pushed out of the window. Integers only, never modified in place:
    merges build new arrays, so sharing them between states is safe.
    """

    keys: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    rows: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    n: dict[str, np.ndarray] = field(default_factory=dict)
    sums: dict[str, tuple] = field(default_factory=dict)
    dropped: int = 0

    def rolled_up(self, groups: np.ndarray) -> Buckets:
        """The buckets summed into coarser ones: ``groups`` gives each key's coarser key,
        non-decreasing along ``keys`` (days into months or years)."""
        if not self.keys.size:
            return Buckets(dropped=self.dropped)
        starts = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
        n = {col: np.add.reduceat(v, starts) for col, v in self.n.items()}
        sums = {
            col: tuple(np.add.reduceat(part, starts) for part in parts)
            for col, parts in self.sums.items()
        }
        return Buckets(groups[starts], np.add.reduceat(self.rows, starts), n, sums, self.dropped)

    def latest(self, windows: int) -> Buckets:
        """The latest ``windows`` keys; the rows of the others counted as dropped."""
        cut = max(self.keys.size - windows, 0)
        if not cut:
            return self
        return Buckets(
            self.keys[cut:],
            self.rows[cut:],
            {col: v[cut:] for col, v in self.n.items()},
            {col: tuple(part[cut:] for part in parts) for col, parts in self.sums.items()},
            self.dropped + int(self.rows[:cut].sum()),
        )

    def merged(self, other: Buckets, windows: int) -> Buckets:
        """Both tables added key by key, then the latest ``windows`` keys kept."""
        if not other.keys.size or not self.keys.size:
            only = self if other.keys.size == 0 else other
            return Buckets(only.keys, only.rows, only.n, only.sums, self.dropped + other.dropped)
        union = np.union1d(self.keys, other.keys)
        cut = max(union.size - windows, 0)
        keys = union[cut:]
        places = []
        for side in (self, other):
            at = np.searchsorted(union, side.keys) - cut
            inside = at >= 0
            places.append((at[inside], inside))
        dropped = self.dropped + other.dropped
        rows = np.zeros(keys.size, dtype=np.int64)
        for side, (at, inside) in zip((self, other), places, strict=True):
            rows[at] += side.rows[inside]
            dropped += int(side.rows[~inside].sum())
        n, sums = {}, {}
        for col in self.n:
            n[col] = np.zeros(keys.size, dtype=np.int64)
            totals = [np.zeros(keys.size, dtype=object) for _ in self.sums.get(col, ())]
            for side, (at, inside) in zip((self, other), places, strict=True):
                n[col][at] += side.n[col][inside]
                for total, part in zip(totals, side.sums[col] if totals else (), strict=True):
                    total[at] += part[inside]
            if col in self.sums:
                sums[col] = tuple(totals)
        return Buckets(keys, rows, n, sums, dropped)


@dataclass(slots=True)
class SeriesState:
    """The state of one :class:`SeriesAccumulator` pass (all integers, merged exactly):
    rows, rows with a valid time, min and max tick, rows whose time of day is not midnight,
    day-of-week and hour-of-day row counts, the day and hour :class:`Buckets`, and the
    column's ticks per second (``tps``, None until a chunk has been seen). A dataclass so
    the four time analyses and :meth:`Series.from_state` share one spelling of each field."""

    rows: int = 0
    valid: int = 0
    min: int | None = None
    max: int | None = None
    timed: int = 0
    weekday: list[int] = field(default_factory=lambda: [0] * 7)
    hour_of_day: list[int] = field(default_factory=lambda: [0] * 24)
    days: Buckets = field(default_factory=Buckets)
    hours: Buckets = field(default_factory=Buckets)
    tps: int | None = None
    #: with ``coarse``: the same sums per calendar month and per year (latest ``windows``
    #: of each), for a span longer than the daily window
    months: Buckets = field(default_factory=Buckets)
    years: Buckets = field(default_factory=Buckets)


class SeriesAccumulator:
    """One streamed pass: per-day/per-hour buckets (latest ``windows`` kept) and cycles.

    State (all integers, merge exact and order-independent): rows, valid time rows, min
    and max tick, rows whose time of day is not midnight, day-of-week and hour-of-day row
    counts over all rows, and two :class:`Buckets` tables holding the latest ``windows``
    days / hours with rows: rows and finite values per bucket and column, exact sums per
    day (with ``robust`` also of ``g = log_modulus(x)`` and of ``g*g``) and, with
    ``hourly_sums``, per hour. Keeping the latest keys at every merge keeps exactly the
    overall latest keys, whatever the chunking.
    """

    def __init__(
        self,
        time_column: str,
        numeric: list[str],
        windows: int,
        *,
        hourly: bool = True,
        hourly_sums: bool = True,
        robust: bool = False,
        sparse: bool = False,
        coarse: bool = False,
    ) -> None:
        #: coarse: also sum per month and per year, so a span longer than the daily window
        #: is read whole, in monthly (else yearly) buckets (trend, changepoints)
        self.coarse = coarse
        #: sparse: the dates are weekly, monthly or yearly; the window then counts the
        #: latest ``windows`` days *with rows* (13 model years stay 13 points), not the
        #: latest ``windows`` calendar days (which would keep 2 of them)
        self.sparse = sparse
        self.time_column = time_column
        self.numeric = list(numeric)
        self.windows = max(int(windows), 1)
        #: the hourly series covers as many days as the daily one (max_windows days), so an
        #: hour-of-day test reads the same span as a day-of-week test, not its last 41 days
        self.hour_windows = self.windows * 24
        self.hourly = hourly
        self.hourly_sums = hourly_sums
        self.robust = robust

    def init(self) -> SeriesState:
        return SeriesState()

    def _buckets(
        self,
        keys: np.ndarray,
        columns: dict[str, _Values],
        summed: bool,
        robust: bool = False,
        windows: int | None = None,
    ) -> Buckets:
        """The bucket table of one chunk: its latest ``windows`` keys; the rows of earlier
        keys are counted as dropped and their values never summed."""
        uniq, index, rows = _key_groups(keys)
        cut = max(uniq.size - (windows or self.windows), 0)
        kept = None
        dropped = 0
        if cut:
            kept = index >= cut
            dropped = int(rows[:cut].sum())
            uniq, rows = uniq[cut:], rows[cut:]
            index = index - cut
        table = Buckets(uniq, rows, dropped=dropped)
        for col, vals in columns.items():
            mask = vals.finite if kept is None else vals.finite & kept
            at = index[mask]
            table.n[col] = np.bincount(at, minlength=uniq.size).astype(np.int64)
            if summed:
                rows_kept = None if kept is None else kept[vals.finite]
                table.sums[col] = vals.sums(at, rows_kept, uniq.size, robust)
        return table

    def update(self, state: SeriesState, chunk) -> SeriesState:
        part = self.init()
        part.tps = ticks_per_second(chunk.column(self.time_column).type)
        part.rows = chunk.num_rows
        valid, ticks = time_ticks(chunk, self.time_column)
        t = ticks[valid]
        if t.size:
            tps = part.tps
            part.valid = int(t.size)
            part.min, part.max = int(t.min()), int(t.max())
            day_ticks = 86400 * tps
            days = t // day_ticks
            hours = t // (3600 * tps)
            part.timed = int(np.count_nonzero(t - days * day_ticks))
            part.weekday = np.bincount((days + 3) % 7, minlength=7).tolist()
            part.hour_of_day = np.bincount(hours % 24, minlength=24).tolist()
            columns = {}
            for col in self.numeric:
                data = chunk.floats(col)[valid]
                finite = np.isfinite(data)
                columns[col] = _Values(finite, data[finite])
            if self.coarse:
                # every day of the chunk, rolled up into months and years (sums of the
                # days' exact sums: no second pass over the rows), then the day window
                every_day = self._buckets(days, columns, True, self.robust, windows=_ALL)
                part.months = every_day.rolled_up(period_of(every_day.keys, "month"))
                part.years = every_day.rolled_up(period_of(every_day.keys, "year"))
                part.days = every_day.latest(self.windows)
            else:
                part.days = self._buckets(days, columns, True, self.robust)
            if self.hourly:
                part.hours = self._buckets(
                    hours, columns, self.hourly_sums, windows=self.hour_windows
                )
        return self.merge(state, part)

    def merge(self, a: SeriesState, b: SeriesState) -> SeriesState:
        mins = [v for v in (a.min, b.min) if v is not None]
        maxs = [v for v in (a.max, b.max) if v is not None]
        return SeriesState(
            rows=a.rows + b.rows,
            valid=a.valid + b.valid,
            min=min(mins) if mins else None,
            max=max(maxs) if maxs else None,
            timed=a.timed + b.timed,
            weekday=[x + y for x, y in zip(a.weekday, b.weekday, strict=True)],
            hour_of_day=[x + y for x, y in zip(a.hour_of_day, b.hour_of_day, strict=True)],
            days=a.days.merged(b.days, self.windows),
            hours=a.hours.merged(b.hours, self.hour_windows),
            tps=a.tps if a.tps is not None else b.tps,
            months=a.months.merged(b.months, self.windows),
            years=a.years.merged(b.years, self.windows),
        )

    def finish(self, state: SeriesState) -> Series:
        return Series.from_state(self, state)


@dataclass
class BucketSeries:
    """A filled series over consecutive buckets (days or hours) inside the window."""

    start: int  # first bucket key
    counts: np.ndarray  # rows per bucket (int64), zeros for empty buckets
    # col -> (keys, n, means) of the buckets with values (means None when not summed)
    means: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray | None]]
    sums: dict[str, int]  # col -> exact fixed-point sum over the window (when summed)
    rows_outside: int  # rows with a valid time outside the window
    # robust accumulators only, aligned with means[col]: col -> daily means of log_modulus,
    # and col -> (exact fixed-point sums of g, of g*g) per day (Python ints)
    robust_means: dict[str, np.ndarray] = field(default_factory=dict)
    robust_sums: dict[str, tuple[list[int], list[int]]] = field(default_factory=dict)
    #: None for day (hour) buckets; "month" or "year" when a span longer than the daily
    #: window is read whole in coarser buckets (keys and means' keys are then the day
    #: numbers of each period's first day)
    coarsened: str | None = None

    @property
    def keys(self) -> np.ndarray:
        index = np.arange(self.start, self.start + self.counts.size, dtype=np.int64)
        return index if self.coarsened is None else period_days(index, self.coarsened)


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
    def from_state(cls, acc: SeriesAccumulator, state: SeriesState) -> Series:
        tps = state.tps or 1
        daily = hourly = None
        if state.valid:
            last_day = state.max // (86400 * tps)
            first_day = state.min // (86400 * tps)
            daily = _filled(state.days, first_day, last_day, acc.windows, acc.sparse)
            if acc.coarse and daily.rows_outside:
                daily = _coarse(state, first_day, last_day, acc.windows) or daily
            if acc.hourly:
                last_hour = state.max // (3600 * tps)
                first_hour = state.min // (3600 * tps)
                hourly = _filled(state.hours, first_hour, last_hour, acc.hour_windows)
        return cls(
            time_column=acc.time_column,
            rows=state.rows,
            valid=state.valid,
            first_tick=state.min,
            last_tick=state.max,
            tps=tps,
            has_time_of_day=state.timed > 0,
            weekday_counts=list(state.weekday),
            hour_of_day_counts=list(state.hour_of_day),
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
    buckets: Buckets, first: int, last: int, windows: int, sparse: bool = False
) -> BucketSeries:
    start = max(first, last - windows + 1)
    if sparse and buckets.keys.size:
        start = max(first, int(buckets.keys[max(buckets.keys.size - windows, 0)]))
    inside = buckets.keys >= start
    keys = buckets.keys[inside]
    counts = np.zeros(last - start + 1, dtype=np.int64)
    counts[keys - start] = buckets.rows[inside]
    outside = buckets.dropped + int(buckets.rows[~inside].sum())
    means, totals = {}, {}
    robust_means: dict[str, np.ndarray] = {}
    robust_sums: dict[str, tuple[list[int], list[int]]] = {}
    for col, n_all in buckets.n.items():
        n = n_all[inside]
        has = n > 0
        n_kept = n[has]
        sums = [s[inside][has].tolist() for s in buckets.sums.get(col, ())]
        mean = None
        if sums:
            mean = _ratios(sums[0], n_kept)
            totals[col] = sum(sums[0])
        means[col] = (keys[has], n_kept, mean)
        if len(sums) == 3:
            robust_means[col] = _ratios(sums[1], n_kept)
            robust_sums[col] = (sums[1], sums[2])
    return BucketSeries(start, counts, means, totals, outside, robust_means, robust_sums)


_PERIOD_KIND = {"month": "datetime64[M]", "year": "datetime64[Y]"}


def period_of(days: np.ndarray, unit: str) -> np.ndarray:
    """The month or year (counted from 1970) of each day number (days since 1970-01-01)."""
    return np.asarray(days, dtype="datetime64[D]").astype(_PERIOD_KIND[unit]).astype(np.int64)


def period_days(index: np.ndarray, unit: str) -> np.ndarray:
    """Day numbers of the first day of months or years counted from 1970: the inverse of
    :func:`period_of` on a period's first day."""
    return index.astype(_PERIOD_KIND[unit]).astype("datetime64[D]").astype(np.int64)


def _coarse(state: SeriesState, first_day: int, last_day: int, windows: int) -> BucketSeries | None:
    """The whole span in monthly buckets when it holds at most ``windows`` months, else in
    yearly ones (the latest ``windows`` years); None when neither was accumulated."""
    for unit, buckets in (("month", state.months), ("year", state.years)):
        if not buckets.keys.size:
            return None
        first, last = (int(p) for p in period_of(np.array([first_day, last_day]), unit))
        if last - first + 1 <= windows or unit == "year":
            series = _filled(buckets, first, last, windows)
            series.coarsened = unit
            series.means = {
                col: (period_days(keys, unit), n, mean)
                for col, (keys, n, mean) in series.means.items()
            }
            return series
    return None


def _ratios(sums: list[int], n: np.ndarray) -> np.ndarray:
    """Correctly rounded ``sums[i] / n[i]`` (fixed-point sums, see :func:`grouped_fixed_sums`)."""
    return np.array(
        [fixed_ratio(s, c) for s, c in zip(sums, n.tolist(), strict=True)], dtype=np.float64
    )


__all__ = [
    "ALPHA",
    "FIXED_ONE",
    "WEEKDAYS",
    "Buckets",
    "CountMap",
    "RankTable",
    "Series",
    "SeriesAccumulator",
    "choose_levels",
    "fixed_moments",
    "grouped_fixed_sums",
    "int_group_sums",
    "int_sum",
    "level_codes",
    "log_modulus",
    "significant_severity",
    "time_ticks",
]
