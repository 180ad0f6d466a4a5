"""Exact streaming building blocks (public through :mod:`pytest_statharness.accumulators`).

* :class:`ExactSum` — Shewchuk's exact partial sums (what ``math.fsum`` uses), mergeable
  and order-independent: the sum of the same numbers is the same float in any order.
* :func:`exact_fixed_sum` / :func:`fixed_ratio` — the exact sum of float64 values as a
  Python integer in units of 2**-1127 (every finite float64 is a multiple of it), and such a
  sum divided by a count with one correct rounding.
* :class:`RankSelector` — exact order statistics by multi-pass radix selection over an
  order-preserving 64-bit key of each float (:func:`float_keys`; :func:`int_keys` for
  int64; :func:`in_sorted` tests keys against a sorted set). Pass 1 histograms the top 16 bits of every
  value, each later pass either histograms the next 16 bits inside the buckets that hold
  a wanted rank or, once a bucket is small enough, collects it and sorts it. Memory is
  bounded by the histogram and the collection cap, never by the row count, and the result
  is the exact k-th smallest value — as ``numpy.sort(x)[k]`` would give.
  :class:`KeyRankSelector` reports the selected keys themselves (int64 values exactly).
* :class:`SelectionSet` — the per-pass driving loop for several named value streams (one
  selector per column, per activity...): chunk states, merge, advance, quantiles.
* :func:`linear_quantile` — numpy's default ("linear", Hyndman & Fan type 7) quantile from
  the two order statistics around it, with numpy's exact float operations;
  :func:`quantile_ranks` / :func:`quantile_rank_list` — the order statistics it needs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np

PREFIX_BITS = 16
BUCKETS = 1 << PREFIX_BITS
COLLECT_CAP = 1 << 18
_SIGN = np.uint64(1 << 63)
_ALL = np.uint64(0xFFFFFFFFFFFFFFFF)


_FIXED_SHIFT = 1127  # 2**-1127 divides every float64 mantissa unit (1074 + 53)


def exact_fixed_sum(values: np.ndarray) -> int:
    """The exact sum of finite float64 ``values`` as an integer multiple of 2**-1127.

    Vectorised: each value is split into an integer mantissa (two halves of at most
    27 bits) and an exponent; halves are summed per exponent with ``bincount`` (sums stay
    below 2**53, so float64 adds them exactly) and combined as Python integers.
    """
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return 0
    mant, exp = np.frexp(values)
    mi = np.ldexp(mant, 53).astype(np.int64)
    shift = (exp.astype(np.int64) + (_FIXED_SHIFT - 53)).astype(np.int64)
    hi = mi >> 26
    lo = mi - (hi << 26)
    total = 0
    for start in range(0, values.size, 1 << 25):  # keep every bincount sum below 2**53
        sl = slice(start, start + (1 << 25))
        hi_sum = np.bincount(shift[sl], weights=hi[sl].astype(np.float64))
        lo_sum = np.bincount(shift[sl], weights=lo[sl].astype(np.float64))
        for s in np.nonzero((hi_sum != 0) | (lo_sum != 0))[0]:
            total += ((int(hi_sum[s]) << 26) + int(lo_sum[s])) << int(s)
    return total


def fixed_ratio(total: int, count: int) -> float:
    """``total`` (2**-1127 units, see :func:`exact_fixed_sum`) divided by ``count``,
    correctly rounded to float64 (Python's int true division); +-inf past float64."""
    try:
        return total / (count << _FIXED_SHIFT)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


class ExactSum:
    """Exact running sum of floats; ``value()`` is the correctly rounded total.

    Finite values accumulate as one exact integer (see :func:`exact_fixed_sum`), so the
    result does not depend on how the values were split into chunks or in which order
    chunks were merged. Non-finite values are kept aside (their IEEE sum is order-free).
    """

    __slots__ = ("partials", "fixed", "special")

    def __init__(self, partials: list[float] | None = None) -> None:
        self.partials: list[float] = list(partials or [])
        self.fixed = 0
        self.special: list[float] = []

    def add_array(self, values: np.ndarray) -> None:
        """Add every value of a float array exactly (NaN and inf propagate as in IEEE)."""
        values = np.asarray(values, dtype=np.float64)
        finite = np.isfinite(values)
        if not finite.all():
            bad = values[~finite]
            if np.isnan(bad).any():
                self.special.append(math.nan)
            if (bad == math.inf).any():
                self.special.append(math.inf)
            if (bad == -math.inf).any():
                self.special.append(-math.inf)
            values = values[finite]
        self.fixed += exact_fixed_sum(values)

    def add(self, x: float) -> None:
        x = float(x)
        if not math.isfinite(x):
            self.partials.append(x)
            return
        i = 0
        for y in self.partials:
            if not math.isfinite(y):
                self.partials[i] = y
                i += 1
                continue
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                self.partials[i] = lo
                i += 1
            x = hi
        del self.partials[i:]
        self.partials.append(x)

    def merged(self, other: ExactSum) -> ExactSum:
        out = ExactSum(self.partials)
        for p in other.partials:
            out.add(p)
        out.fixed = self.fixed + other.fixed
        out.special = sorted(set(self.special) | set(other.special), key=repr)
        return out

    def mean(self, count: int) -> float:
        """The exact sum divided by ``count``, rounded once: finite whenever the mean is,
        even when the sum itself is past float64 (``value() / count`` gave inf there)."""
        if self.special:
            return float(sum(self.special))
        fixed = self.fixed
        for p in self.partials:
            fixed += exact_fixed_sum(np.array([p]))
        return fixed_ratio(fixed, count)

    def value(self) -> float:
        if self.special:
            return float(sum(self.special))
        fixed = self.fixed
        for p in self.partials:
            fixed += exact_fixed_sum(np.array([p]))
        return fixed_ratio(fixed, 1)


def float_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving map float64 -> uint64 (negative numbers flip all bits)."""
    bits = np.ascontiguousarray(values, dtype=np.float64).view(np.uint64)
    negative = (bits & _SIGN) != 0
    return np.where(negative, bits ^ _ALL, bits | _SIGN)


def int_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving map int64 -> uint64."""
    return np.ascontiguousarray(values, dtype=np.int64).view(np.uint64) ^ _SIGN


def in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """Which entries of ``values`` occur in the sorted array ``sorted_set`` (a bool mask)."""
    if not sorted_set.size or not values.size:
        return np.zeros(values.size, dtype=bool)
    idx = np.searchsorted(sorted_set, values)
    idx[idx == sorted_set.size] = 0
    return sorted_set[idx] == values


def keys_to_floats(keys: np.ndarray) -> np.ndarray:
    keys = np.asarray(keys, dtype=np.uint64)
    positive = (keys & _SIGN) != 0
    bits = np.where(positive, keys ^ _SIGN, keys ^ _ALL)
    return bits.view(np.float64)


@dataclass
class _Target:
    rank: int
    prefix: int = 0
    depth: int = 0
    offset: int = 0
    count: int = 0
    value: float | None = None


@dataclass
class SelectionPass:
    """One pass's per-chunk work for one column: which buckets to histogram or collect."""

    hist_buckets: list[tuple[int, int]] = field(default_factory=list)  # (prefix, depth)
    collect_buckets: list[tuple[int, int]] = field(default_factory=list)


def bucket_histogram(members: np.ndarray, prefix: int = 0, depth: int = 0) -> dict:
    """One chunk's histogram of the next 16 key bits inside bucket ``(prefix, depth)``,
    with the smallest and largest member key (a bucket holding a single key resolves every
    rank in it at once, however many copies it has)."""
    shift = np.uint64(64 - depth - PREFIX_BITS)
    sub = ((members >> shift) & np.uint64(BUCKETS - 1)).astype(np.int64)
    out = {("h", prefix, depth): np.bincount(sub, minlength=BUCKETS)}
    if members.size:
        out[("m", prefix, depth)] = (int(members.min()), int(members.max()))
    return out


class RankSelector:
    """Find the values at given 0-based ranks among ``n`` values, over several passes.

    Use: ``sel = RankSelector(n, ranks)``; while ``not sel.done``: stream all values,
    feed each chunk to ``sel.chunk_state(keys)``, merge states with ``merge_states``, and
    call ``sel.advance(state)``. Then ``sel.values()`` maps rank -> value.
    """

    def __init__(self, n: int, ranks: list[int]) -> None:
        self.n = n
        self.targets = {r: _Target(rank=r, count=n) for r in sorted(set(ranks)) if 0 <= r < n}

    @property
    def done(self) -> bool:
        return all(t.value is not None for t in self.targets.values())

    def current_pass(self) -> SelectionPass:
        buckets: dict[tuple[int, int], int] = {}
        for t in self.targets.values():
            if t.value is None:
                buckets[(t.prefix, t.depth)] = t.count
        step = SelectionPass()
        for (prefix, depth), count in sorted(buckets.items()):
            if count <= COLLECT_CAP or depth + PREFIX_BITS > 64:
                step.collect_buckets.append((prefix, depth))
            else:
                step.hist_buckets.append((prefix, depth))
        return step

    @staticmethod
    def _members(keys: np.ndarray, prefix: int, depth: int) -> np.ndarray:
        if depth == 0:
            return keys
        return keys[(keys >> np.uint64(64 - depth)) == np.uint64(prefix)]

    def chunk_state(self, step: SelectionPass, keys: np.ndarray) -> dict:
        state: dict = {}
        for prefix, depth in step.hist_buckets:
            members = self._members(keys, prefix, depth)
            state.update(bucket_histogram(members, prefix, depth))
        for prefix, depth in step.collect_buckets:
            state[("c", prefix, depth)] = [self._members(keys, prefix, depth)]
        return state

    @staticmethod
    def merge_states(a: dict, b: dict) -> dict:
        out = dict(a)
        for key, value in b.items():
            if key not in out:
                out[key] = (
                    value.copy() if key[0] == "h" else (value if key[0] == "m" else list(value))
                )
            elif key[0] == "h":
                out[key] = out[key] + value
            elif key[0] == "m":
                out[key] = (min(out[key][0], value[0]), max(out[key][1], value[1]))
            else:
                out[key] = out[key] + list(value)
        return out

    def advance(self, state: dict) -> None:
        sorted_cache: dict = {}
        for t in self.targets.values():
            if t.value is not None:
                continue
            span = state.get(("m", t.prefix, t.depth))
            if span is not None and span[0] == span[1]:
                # every value in the bucket is the same key: it is the value at any rank
                t.value = self._key_value(int(span[0]))
                continue
            hist = state.get(("h", t.prefix, t.depth))
            if hist is not None:
                cumulative = np.cumsum(hist)
                within = t.rank - t.offset
                idx = int(np.searchsorted(cumulative, within, side="right"))
                before = int(cumulative[idx - 1]) if idx > 0 else 0
                t.offset += before
                t.prefix = (t.prefix << PREFIX_BITS) | idx
                t.depth += PREFIX_BITS
                t.count = int(hist[idx])
                if t.depth == 64:  # one exact key left: it is the value, however often it occurs
                    t.value = self._key_value(t.prefix)
                continue
            key = ("c", t.prefix, t.depth)
            if key not in sorted_cache:
                parts = state.get(key, [])
                merged = np.concatenate(parts) if parts else np.empty(0, np.uint64)
                sorted_cache[key] = np.sort(merged)
            t.value = self._key_value(int(sorted_cache[key][t.rank - t.offset]))

    def _key_value(self, key: int) -> float:
        """The value a selected key stands for (here: the float it encodes)."""
        return float(keys_to_floats(np.array([key], dtype=np.uint64))[0])

    def values(self) -> dict[int, float]:
        return {r: t.value for r, t in self.targets.items()}

    @classmethod
    def for_quantiles(cls, n: int, qs: Iterable[float]) -> RankSelector:
        """A selector of the order statistics numpy's linear quantiles ``qs`` need."""
        return cls(n, quantile_rank_list(n, qs))

    def quantiles(self, qs: Iterable[float]) -> dict[float, float]:
        """numpy's linear quantiles ``qs`` from the selected values (once ``done``; the
        selector must have been made for them, see :meth:`for_quantiles`)."""
        chosen = self.values()
        return {
            q: linear_quantile(chosen[prev], chosen[nxt], gamma)
            for q, (prev, nxt, gamma) in quantile_ranks(self.n, list(qs)).items()
        }


class KeyRankSelector(RankSelector):
    """A RankSelector whose ``values()`` are the selected uint64 keys (as Python ints)."""

    def _key_value(self, key: int) -> int:
        return key


class SelectionSet:
    """Exact order statistics of several named value streams, selected side by side.

    ``wanted`` maps a stream name to ``(n, ranks)``; streams with ``n = 0`` get no selector.
    Each pass: ``chunk_state(name, keys)`` per chunk and stream (for the streams that
    :meth:`wants`), ``merge`` the per-chunk dicts, ``advance`` once per pass; repeat while
    not ``done``. ``int_keys=True`` selects int64 values exactly (keys from :func:`int_keys`).
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

    def wants(self, name: str) -> bool:
        """Whether stream ``name`` still needs values in this pass."""
        sel = self.selectors.get(name)
        return sel is not None and not sel.done

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
        if not self.n.get(name, 0):
            return None
        return self.selectors[name].quantiles([q])[q]


def quantile_ranks(n: int, qs: list[float]) -> dict[float, tuple[int, int, float]]:
    """For each q: (previous rank, next rank, gamma) exactly as numpy's linear method."""
    out = {}
    for q in qs:
        h = (n - 1) * np.float64(q)
        if h >= n - 1:
            out[q] = (n - 1, n - 1, 0.0)
            continue
        prev = math.floor(h)
        out[q] = (prev, prev + 1, float(h - prev))
    return out


def quantile_rank_list(n: int, qs: Iterable[float]) -> list[int]:
    """The order statistics (0-based ranks) numpy's linear quantiles ``qs`` need."""
    if n <= 0:
        return []
    return sorted({r for prev, nxt, _ in quantile_ranks(n, list(qs)).values() for r in (prev, nxt)})


def linear_quantile(a: float, b: float, t: float) -> float:
    """numpy's ``_lerp``: a + (b-a)*t, computed from b's side when t >= 0.5. When b - a
    overflows (a = -1.7e308, b = 1.7e308) numpy's answer is -inf or nan; the same point
    is then a*(1-t) + b*t, which stays finite (0.0 for the median of the two)."""
    a64, b64, t64 = np.float64(a), np.float64(b), np.float64(t)
    if not math.isfinite(float(b) - float(a)) and math.isfinite(a) and math.isfinite(b):
        return float(a) * (1.0 - float(t)) + float(b) * float(t)
    diff = b64 - a64
    if t64 >= 0.5:
        return float(b64 - diff * (np.float64(1) - t64))
    return float(a64 + diff * t64)
