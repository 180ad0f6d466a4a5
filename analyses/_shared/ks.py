"""Exact two-sample Kolmogorov–Smirnov statistic over streamed data, in bounded memory.

``D = sup_x |F_a(x) - F_b(x)|`` is found by branch-and-bound over the radix histogram of
the order-preserving 64-bit keys of the values (:func:`_shared.exact.float_keys`):

* Pass 1 (done by the caller) histograms both sides on the top 16 bits. At every bucket
  boundary the ECDF difference is known exactly: ``cum_a/n_a - cum_b/n_b``. All
  arithmetic is on integers, in units of ``1/(n_a n_b)``: ``diff = cum_a*n_b - cum_b*n_a``.
* Inside a bucket holding ``c_a`` values of A and ``c_b`` of B, starting at difference
  ``s``, the difference stays within ``[s - c_b n_a, s + c_a n_b]``. A bucket can only
  hold a larger ``|diff|`` than the best exact value found so far when that bound exceeds
  it; every other bucket is pruned.
* Each later pass refines the surviving buckets, highest bound first and within a budget
  of values per pass: a bucket of at most :data:`COLLECT_LIMIT` values is collected (both
  sides), sorted, and the ECDFs are evaluated at each of its distinct values; a larger one
  is histogrammed on its next 16 bits, whose sub-buckets get exact boundary differences
  and are pruned the same way. At 64 bits a sub-bucket is one value, so the search ends.

Every decision depends only on merged integer counts and sorted keys, so the result does
not depend on the chunking. Memory: two 2**16 histograms per column in pass 1, then at most
:data:`PASS_BUDGET` keys or sparse histogram entries per pass, never the row count. Near
identical samples (where no bucket can be pruned) may need many passes; a caller that
stops early gets an exact lower bound and a proven upper bound (:meth:`ExactKS.interval`).
"""

from __future__ import annotations

import numpy as np

from .exact import in_sorted

TOP_BITS = 16
BUCKETS = 1 << TOP_BITS
COLLECT_LIMIT = 1 << 18
PASS_BUDGET = 1 << 21
_TOP_SHIFT = np.uint64(64 - TOP_BITS)
_SUB_MASK = np.uint64(BUCKETS - 1)


def top_summary(keys: np.ndarray) -> tuple:
    """Sparse top-16-bit histogram of ``keys``: (prefixes, counts, min key, max key), with
    one entry per non-empty bucket, prefixes ascending."""
    keys = np.sort(keys)
    if not keys.size:
        e = np.empty(0, np.uint64)
        return e, np.empty(0, np.int64), e, e
    top = keys >> _TOP_SHIFT
    prefixes, first = np.unique(top, return_index=True)
    last = np.append(first[1:], keys.size) - 1
    return prefixes, (last - first + 1).astype(np.int64), keys[first], keys[last]


def merge_top(x: tuple, y: tuple) -> tuple:
    """Two top summaries added together (new arrays)."""
    if not y[0].size:
        return x
    if not x[0].size:
        return y
    top = np.concatenate([x[0], y[0]])
    prefixes, inverse = np.unique(top, return_inverse=True)
    counts = _sum_by(inverse, np.concatenate([x[1], y[1]]), prefixes.size)
    kmin = np.full(prefixes.size, np.iinfo(np.uint64).max, dtype=np.uint64)
    kmax = np.zeros(prefixes.size, dtype=np.uint64)
    np.minimum.at(kmin, inverse, np.concatenate([x[2], y[2]]))
    np.maximum.at(kmax, inverse, np.concatenate([x[3], y[3]]))
    return prefixes, counts, kmin, kmax


def dense_histogram(summary: tuple) -> np.ndarray:
    """The dense 2**16 histogram of a top summary (as ``RankSelector`` reads it)."""
    out = np.zeros(BUCKETS, dtype=np.int64)
    out[summary[0].astype(np.int64)] = summary[1]
    return out


def _sparse_add(x: tuple, y: tuple) -> tuple:
    """Sum of two sparse histograms ``(sorted keys, counts)`` (new arrays)."""
    keys = np.concatenate([x[0], y[0]])
    counts = np.concatenate([x[1], y[1]])
    if not keys.size:
        return keys, counts
    uniq, inverse = np.unique(keys, return_inverse=True)
    return uniq, _sum_by(inverse, counts, uniq.size)


def _sum_by(inverse: np.ndarray, counts: np.ndarray, size: int) -> np.ndarray:
    """Integer sums of ``counts`` per group (exact: ``np.add.at`` on int64)."""
    out = np.zeros(size, dtype=np.int64)
    np.add.at(out, inverse, counts)
    return out


class KSStep:
    """What one pass gathers, per bucket depth: prefixes to collect and to histogram."""

    __slots__ = ("collect", "hist")

    def __init__(self) -> None:
        self.collect: dict[int, np.ndarray] = {}
        self.hist: dict[int, np.ndarray] = {}

    def __bool__(self) -> bool:
        return bool(self.collect or self.hist)

    def chunk_state(self, keys: np.ndarray) -> dict:
        """One side's chunk contribution (``keys``: order-preserving keys of its values)."""
        state: dict = {}
        for depth, prefixes in self.collect.items():
            mask = in_sorted(keys >> np.uint64(64 - depth), prefixes)
            state[("c", depth)] = [keys[mask]]
        for depth, prefixes in self.hist.items():
            mask = in_sorted(keys >> np.uint64(64 - depth), prefixes)
            sub = keys[mask] >> np.uint64(64 - depth - TOP_BITS)
            uniq, counts = np.unique(sub, return_counts=True)
            state[("h", depth)] = (uniq, counts.astype(np.int64))
        return state

    @staticmethod
    def merge_states(a: dict, b: dict) -> dict:
        """Merged states (``b`` is left as it is)."""
        out = dict(a)
        for key, value in b.items():
            if key not in out:
                out[key] = list(value) if key[0] == "c" else value
            elif key[0] == "c":
                out[key] = out[key] + list(value)
            else:
                out[key] = _sparse_add(out[key], value)
        return out


class ExactKS:
    """Branch-and-bound search of the exact two-sample KS statistic (see module doc)."""

    def __init__(self, top_a: tuple, top_b: tuple, n_a: int, n_b: int) -> None:
        """Start from both sides' :func:`top_summary` (merged over all chunks)."""
        self.na = int(n_a)
        self.nb = int(n_b)
        # exact integer arithmetic: int64 while |diff| <= n_a*n_b fits, else Python ints
        self.dtype = np.int64 if self.na * self.nb < (1 << 62) else object
        self.best = 0
        self.best_counts = (0, 0)
        self.step = KSStep()
        prefixes = np.union1d(top_a[0], top_b[0])
        ca = np.zeros(prefixes.size, dtype=np.int64)
        cb = np.zeros(prefixes.size, dtype=np.int64)
        ia = np.searchsorted(prefixes, top_a[0])
        ib = np.searchsorted(prefixes, top_b[0])
        ca[ia] = top_a[1]
        cb[ib] = top_b[1]
        kmin = np.full(prefixes.size, np.iinfo(np.uint64).max, dtype=np.uint64)
        kmax = np.zeros(prefixes.size, dtype=np.uint64)
        for index, side in ((ia, top_a), (ib, top_b)):
            kmin[index] = np.minimum(kmin[index], side[2])
            kmax[index] = np.maximum(kmax[index], side[3])
        ca = ca.astype(self.dtype)
        cb = cb.astype(self.dtype)
        cum_a = np.cumsum(ca)
        cum_b = np.cumsum(cb)
        self._update_best(cum_a, cum_b)
        # a bucket holding one distinct value has no interior: its end is exact
        spread = kmin != kmax
        self.pending = self._bucket_table(
            prefixes[spread],
            TOP_BITS,
            (cum_a - ca)[spread],
            (cum_b - cb)[spread],
            ca[spread],
            cb[spread],
        )
        self._selected = self._bucket_table(*self._empty_table_args())
        self._prune()

    # -- bookkeeping ------------------------------------------------------------------
    def _empty_table_args(self):
        e = np.empty(0, dtype=self.dtype)
        return np.empty(0, dtype=np.uint64), TOP_BITS, e, e, e, e

    def _bucket_table(self, prefix, depth, sa, sb, ca, cb) -> dict:
        depth_arr = np.full(prefix.size, depth, dtype=np.int64) if np.isscalar(depth) else depth
        return {
            "prefix": np.asarray(prefix, dtype=np.uint64),
            "depth": depth_arr,
            "sa": np.asarray(sa).astype(self.dtype),
            "sb": np.asarray(sb).astype(self.dtype),
            "ca": np.asarray(ca).astype(self.dtype),
            "cb": np.asarray(cb).astype(self.dtype),
        }

    @staticmethod
    def _take(table: dict, index) -> dict:
        return {k: v[index] for k, v in table.items()}

    @staticmethod
    def _concat(x: dict, y: dict) -> dict:
        return {k: np.concatenate([x[k], y[k]]) for k in x}

    def _update_best(self, cum_a: np.ndarray, cum_b: np.ndarray) -> None:
        if not len(cum_a):
            return
        diff = np.abs(cum_a * self.nb - cum_b * self.na)
        i = int(np.argmax(diff))
        if int(diff[i]) > self.best:
            self.best = int(diff[i])
            self.best_counts = (int(cum_a[i]), int(cum_b[i]))

    def bounds(self, table: dict | None = None) -> np.ndarray:
        """Largest ``|diff|`` each bucket could hold (integer units of 1/(n_a n_b))."""
        t = self.pending if table is None else table
        start = t["sa"] * self.nb - t["sb"] * self.na
        up = start + t["ca"] * self.nb
        down = t["cb"] * self.na - start
        return np.maximum(up, down)

    def _prune(self) -> None:
        if self.pending["prefix"].size:
            self.pending = self._take(self.pending, self.bounds() > self.best)

    # -- results ----------------------------------------------------------------------
    @property
    def done(self) -> bool:
        return not self.pending["prefix"].size and not self._selected["prefix"].size

    def statistic(self) -> float:
        """D as ``scipy.stats.ks_2samp`` computes it: |cum_a/n_a - cum_b/n_b| in float64."""
        cum_a, cum_b = self.best_counts
        return abs(cum_a / self.na - cum_b / self.nb)

    def interval(self) -> tuple[float, float]:
        """(exact lower bound, proven upper bound) of D; equal once :attr:`done`."""
        low = self.statistic()
        if self.done:
            return low, low
        waiting = self._concat(self.pending, self._selected)
        top = max(self.best, int(np.max(self.bounds(waiting))))
        return low, min(1.0, top / (self.na * self.nb))

    # -- passes -----------------------------------------------------------------------
    def candidates(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(order, bound as a fraction, cost) of the pending buckets, best first."""
        t = self.pending
        bound = self.bounds()
        frac = bound.astype(np.float64) / float(self.na * self.nb)
        total = (t["ca"] + t["cb"]).astype(np.int64)
        cost = np.where(total <= COLLECT_LIMIT, total, np.minimum(total, BUCKETS))
        order = np.lexsort((t["prefix"], t["depth"], -frac))
        return order, frac, cost

    def select(self, index: np.ndarray) -> None:
        """Refine the pending buckets at ``index`` in the next pass (the rest wait)."""
        chosen = np.zeros(self.pending["prefix"].size, dtype=bool)
        chosen[index] = True
        self._selected = self._take(self.pending, chosen)
        self.pending = self._take(self.pending, ~chosen)
        sel = self._selected
        total = (sel["ca"] + sel["cb"]).astype(np.int64)
        step = KSStep()
        for depth in sorted(set(sel["depth"].tolist())):
            at = sel["depth"] == depth
            collect = at & (total <= COLLECT_LIMIT)
            hist = at & (total > COLLECT_LIMIT)
            if collect.any():
                step.collect[depth] = np.sort(sel["prefix"][collect])
            if hist.any():
                step.hist[depth] = np.sort(sel["prefix"][hist])
        self.step = step

    def advance(self, state_a: dict, state_b: dict) -> None:
        """Fold one pass's merged states of both sides into the search."""
        sel = self._selected
        new_tables = []
        for depth in self.step.collect:
            self._resolve_collected(depth, sel, state_a, state_b)
        for depth in self.step.hist:
            table = self._split_histogram(depth, sel, state_a, state_b)
            if table is not None:
                new_tables.append(table)
        for table in new_tables:
            self.pending = self._concat(self.pending, table)
        self._selected = self._bucket_table(*self._empty_table_args())
        self.step = KSStep()
        self._prune()

    def _starts(self, sel: dict, depth: int, parents: np.ndarray):
        """Start counts (A, B) of the bucket of each entry of ``parents``."""
        at = np.nonzero(sel["depth"] == depth)[0]
        order = at[np.argsort(sel["prefix"][at], kind="stable")]
        sorted_prefix = sel["prefix"][order]
        j = order[np.searchsorted(sorted_prefix, parents)]
        return sel["sa"][j], sel["sb"][j]

    def _resolve_collected(self, depth, sel, state_a, state_b) -> None:
        parts_a = state_a.get(("c", depth), [])
        parts_b = state_b.get(("c", depth), [])
        ka = np.sort(np.concatenate(parts_a)) if parts_a else np.empty(0, np.uint64)
        kb = np.sort(np.concatenate(parts_b)) if parts_b else np.empty(0, np.uint64)
        # every value of either side (a repeated value gives the same difference again)
        values = np.sort(np.concatenate([ka, kb]))
        if not values.size:
            return
        shift = np.uint64(64 - depth)
        parents = values >> shift
        sa, sb = self._starts(sel, depth, parents)
        first_a = np.searchsorted(ka >> shift, parents, side="left")
        first_b = np.searchsorted(kb >> shift, parents, side="left")
        in_a = np.searchsorted(ka, values, side="right") - first_a
        in_b = np.searchsorted(kb, values, side="right") - first_b
        self._update_best(sa + in_a.astype(self.dtype), sb + in_b.astype(self.dtype))

    def _split_histogram(self, depth, sel, state_a, state_b) -> dict | None:
        empty = (np.empty(0, np.uint64), np.empty(0, np.int64))
        ua, na_ = state_a.get(("h", depth), empty)
        ub, nb_ = state_b.get(("h", depth), empty)
        subs = np.union1d(ua, ub)
        if not subs.size:
            return None
        ca = np.zeros(subs.size, dtype=np.int64)
        cb = np.zeros(subs.size, dtype=np.int64)
        ca[np.searchsorted(subs, ua)] = na_
        cb[np.searchsorted(subs, ub)] = nb_
        ca = ca.astype(self.dtype)
        cb = cb.astype(self.dtype)
        parents = subs >> np.uint64(TOP_BITS)
        sa, sb = self._starts(sel, depth, parents)
        first = np.searchsorted(parents, parents, side="left")
        csa = np.cumsum(ca)
        csb = np.cumsum(cb)
        zero = np.zeros(1, dtype=self.dtype)
        base_a = np.concatenate([zero, csa])[first]
        base_b = np.concatenate([zero, csb])[first]
        end_a = sa + (csa - base_a)
        end_b = sb + (csb - base_b)
        self._update_best(end_a, end_b)
        if depth + TOP_BITS >= 64:
            return None  # each sub-bucket is a single value: resolved
        return self._bucket_table(subs, depth + TOP_BITS, end_a - ca, end_b - cb, ca, cb)


def plan_refinement(searches: list[ExactKS], budget: int | None = None) -> None:
    """Choose, for every unfinished search, the buckets refined in the next pass.

    Buckets of all searches are ranked together by their bound (as a fraction, highest
    first; ties by search order, depth, prefix) and taken while their cost — values
    collected or sparse histogram entries — fits ``budget``; the first always goes.
    """
    budget = PASS_BUDGET if budget is None else budget
    rows = []
    for s_index, search in enumerate(searches):
        if search.done:
            continue
        order, frac, cost = search.candidates()
        for rank, i in enumerate(order.tolist()):
            rows.append((-float(frac[i]), s_index, rank, i, int(cost[i])))
    rows.sort()
    chosen: dict[int, list[int]] = {}
    spent = 0
    for _neg, s_index, _rank, i, cost in rows:
        if spent and spent + cost > budget:
            break
        spent += cost
        chosen.setdefault(s_index, []).append(i)
    for s_index, index in chosen.items():
        searches[s_index].select(np.asarray(index, dtype=np.int64))
