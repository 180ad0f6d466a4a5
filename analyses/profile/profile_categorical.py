"""Categorical and boolean column profiles: counts, distinct values, top values, mode share.

``profile_categorical`` reports, per categorical or boolean column (one finding, kind
``column_profile``)::

    count, null_count, distinct, top_values, mode_share     (+ true_count, false_count
                                                             for boolean columns)

``top_values`` is a list of ``{"value": v, "count": c}`` — at most ten, by count
descending, ties broken by value ascending — and ``mode_share`` is the first one's count
over ``count``.

Exact while the column holds at most ``budget.distinct_cap`` distinct values: every chunk's
value counts are added into one exact table. Past the cap (decided by the whole column, so
the same for every chunk size) the table is replaced, for that column only, by

* a HyperLogLog sketch (precision 14, 64-bit keyed BLAKE2b hash of each value — never
  Python's ``hash``) for ``distinct``: an estimate with relative standard error
  ``1.04/sqrt(2**14)`` (about 0.8%), never below ``distinct_cap + 1``; the finding is then
  marked ``exact: false`` and the bound is stated in ``measurement.error_bounds``;
* a mergeable Misra–Gries summary with ``distinct_cap`` counters (Agarwal et al. 2012):
  every value occurring more than ``T = floor(count / (distinct_cap + 1))`` times is
  guaranteed to be among its counters, whatever the merge order. A second pass counts the
  surviving candidates exactly, and ``top_values`` lists the top ten values *among those
  occurring more than T times* — with exact counts and membership that do not depend on
  the chunk size. Fewer than ten are listed when fewer than ten values occur more than T
  times (T is stated as ``parameters.top_values_count_threshold``); ``mode_share`` is
  null when no value does, with its upper bound ``T / count`` in the error bounds.

All sketches merge by order-independent operations (register max, counter sums), so the
findings are byte-identical for any chunk size. Memory is bounded by ``distinct_cap``, the
sketch and one chunk, never by the row count.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, MemoryModel, hookimpl

from .._shared.counts import add_counts, candidate_counts, mg_reduce, valid_values, value_counts
from .._shared.report import plan_within_findings

TOP_K = 10
HLL_P = 14
HLL_M = 1 << HLL_P
HLL_RSE = 1.04 / math.sqrt(HLL_M)
_HASH_KEY = b"statharness-hll"


# -- stable hashing and HyperLogLog -----------------------------------------------------
def _value_bytes(value) -> bytes:
    if isinstance(value, str):
        return b"s" + value.encode("utf-8", "surrogatepass")
    if isinstance(value, bytes):
        return b"y" + value
    return f"{type(value).__name__}:{value!r}".encode()


def stable_hashes(values) -> np.ndarray:
    """64-bit keyed BLAKE2b hash of each value (stable across processes and platforms)."""
    out = np.empty(len(values), dtype=np.uint64)
    for i, value in enumerate(values):
        digest = hashlib.blake2b(_value_bytes(value), digest_size=8, key=_HASH_KEY).digest()
        out[i] = int.from_bytes(digest, "little")
    return out


def _bit_length_u32(x: np.ndarray) -> np.ndarray:
    """Exact bit length of integers below 2**32 (frexp is exact on them)."""
    _, exponent = np.frexp(x.astype(np.float64))
    return np.where(x == 0, 0, exponent).astype(np.int64)


def hll_add(registers: np.ndarray, hashes: np.ndarray) -> np.ndarray:
    """Registers updated with ``hashes`` (a new array; ``registers`` is left as it is)."""
    out = registers.copy()
    if not hashes.size:
        return out
    index = (hashes >> np.uint64(64 - HLL_P)).astype(np.int64)
    rest = hashes << np.uint64(HLL_P)  # the remaining 64-p bits, left-aligned
    hi = (rest >> np.uint64(32)).astype(np.uint64)
    lo = (rest & np.uint64(0xFFFFFFFF)).astype(np.uint64)
    lead = np.where(hi != 0, 32 - _bit_length_u32(hi), 64 - _bit_length_u32(lo))
    rho = np.minimum(lead, 64 - HLL_P) + 1
    np.maximum.at(out, index, rho.astype(np.uint8))
    return out


def hll_estimate(registers: np.ndarray) -> float:
    """Flajolet et al. (2007) estimate with the linear-counting small-range correction."""
    m = registers.size
    alpha = 0.7213 / (1 + 1.079 / m)
    total = math.fsum(np.ldexp(1.0, -registers.astype(np.int64)).tolist())
    estimate = alpha * m * m / total
    zeros = int(np.count_nonzero(registers == 0))
    if estimate <= 2.5 * m and zeros:
        estimate = m * math.log(m / zeros)
    return estimate


def top_items(counts: dict, k: int = TOP_K) -> list[tuple]:
    """The ``k`` (value, count) pairs with the largest counts, ties by value ascending."""
    return heapq.nsmallest(k, counts.items(), key=lambda kv: (-kv[1], kv[0]))


@dataclass(slots=True)
class _Levels:
    """One column's first-pass state: rows, non-null values, ``True`` count (booleans), and
    either exact value counts (``regs`` None) or, past ``distinct_cap``, a Misra-Gries
    summary in ``counts`` with HyperLogLog registers in ``regs``; ``type``: the Arrow type,
    to build the candidate array of the second pass. Fields instead of string keys so the
    exact-or-sketch state is declared in one place."""

    rows: int = 0
    valid: int = 0
    true: int = 0
    counts: dict = field(default_factory=dict)
    regs: np.ndarray | None = None
    type: pa.DataType | None = None


class ProfileCategorical(Analysis):
    id = "profile_categorical"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "value counts per column up to distinct_cap, then fixed-size sketches"
    family = "profile"
    title = "Categorical and boolean column profile"
    requires = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
    # Not exact in every case (past distinct_cap); each finding states its own exactness.
    exact = False
    error_bound = (
        "exact while a column has at most distinct_cap distinct values; past it, 'distinct' "
        "is a HyperLogLog estimate (p=14, relative standard error 1.04/sqrt(2^14) ~ 0.81%) "
        "and 'top_values' lists only values occurring more than count/(distinct_cap+1) "
        "times (their counts stay exact); such findings say exact: false"
    )
    passes = 2
    method = (
        "count, nulls, exact value counts (distinct, top 10 by count then value, mode share, "
        "true/false counts) while distinct values <= distinct_cap; past the cap a "
        "HyperLogLog distinct estimate and a mergeable Misra-Gries heavy-hitter summary "
        "whose candidates are counted exactly in a second pass"
    )
    reference = (
        "Flajolet, Fusy, Gandouet & Meunier (2007), HyperLogLog, AofA; Misra & Gries (1982), "
        "Finding repeated elements, Sci. Comput. Program. 2(2); Agarwal et al. (2012), "
        "Mergeable summaries, PODS"
    )
    access = "streamed; pass 1 value counts or sketches, pass 2 (only past distinct_cap) candidate counts"

    def plan(self, dataset, budget):
        return plan_within_findings(dataset.columns_of(*self.requires), budget)

    def _cap(self, ctx) -> int:
        return max(int(ctx.budget.distinct_cap), 1)

    def _is_bool(self, ctx, column: str) -> bool:
        return ctx.dataset.kind(column) == ColumnKind.BOOLEAN

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            return ctx.plan.columns
        return [c for c in ctx.plan.columns if not ctx.previous[0][c]["exact"]]

    # -- accumulator ------------------------------------------------------------------
    def init(self, ctx):
        if ctx.pass_index == 0:
            return {c: _Levels() for c in ctx.plan.columns}
        return {c: {} for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        if ctx.pass_index > 0:
            for c in state:
                state[c] = candidate_counts(chunk, c, ctx.previous[0][c]["candidate_array"])
            return state
        for c in ctx.plan.columns:
            s = state[c]
            values = valid_values(chunk, c)
            s.rows += chunk.num_rows
            s.valid += len(values)
            s.type = values.type
            if self._is_bool(ctx, c) and len(values):
                s.true += int(pc.sum(pc.cast(values, pa.int64())).as_py() or 0)
            s.counts = value_counts(values)
            if len(s.counts) > self._cap(ctx):
                self._to_sketch(s, ctx)
        return state

    def _to_sketch(self, s: _Levels, ctx) -> None:
        """Switch an exact state to (HyperLogLog, Misra–Gries), in place."""
        regs = np.zeros(HLL_M, dtype=np.uint8) if s.regs is None else s.regs
        s.regs = hll_add(regs, stable_hashes(list(s.counts)))
        s.counts = mg_reduce(s.counts, self._cap(ctx))

    def merge(self, a, b, ctx):
        if ctx.pass_index > 0:
            for c, counts in b.items():
                add_counts(a[c], counts)
            return a
        cap = self._cap(ctx)
        for c in ctx.plan.columns:
            x, y = a[c], b[c]
            x.rows += y.rows
            x.valid += y.valid
            x.true += y.true
            if x.type is None:
                x.type = y.type
            if x.regs is None and y.regs is None:
                counts = add_counts(x.counts, y.counts)
                if len(counts) > cap:
                    self._to_sketch(x, ctx)
                continue
            # At least one side is a sketch. An exact side's table is a Misra-Gries summary
            # with no error, and its values go into the registers.
            empty = np.zeros(HLL_M, dtype=np.uint8)
            if x.regs is None:
                x.regs = hll_add(empty, stable_hashes(list(x.counts)))
            y_regs = y.regs
            if y_regs is None:
                y_regs = hll_add(empty, stable_hashes(list(y.counts)))
            x.regs = np.maximum(x.regs, y_regs)
            x.counts = mg_reduce(add_counts(x.counts, y.counts), cap)
        return a

    def end_pass(self, state, ctx):
        if ctx.pass_index > 0:
            return state
        out = {}
        for c in ctx.plan.columns:
            s = state[c]
            entry = {"rows": s.rows, "valid": s.valid, "true": s.true}
            if s.regs is None:
                entry.update(exact=True, distinct=len(s.counts), top=top_items(s.counts))
            else:
                n = s.valid
                threshold = n // (self._cap(ctx) + 1)
                lower = top_items(s.counts)
                tenth = lower[-1][1] if len(lower) >= TOP_K else 0
                # A value of the true top ten with more than T rows has f >= tenth and
                # f_hat >= f - T: it is kept here.
                kept = sorted(v for v, f in s.counts.items() if f + threshold >= tenth)
                entry.update(
                    exact=False,
                    distinct=max(round(hll_estimate(s.regs)), self._cap(ctx) + 1),
                    threshold=threshold,
                    candidate_array=pa.array(kept, type=s.type),
                )
            out[c] = entry
        return out

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and any(
            not ctx.previous[0][c]["exact"] for c in ctx.plan.columns
        )

    # -- findings -----------------------------------------------------------------------
    def findings(self, ctx):
        first = ctx.previous[0]
        exact_counts = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out = []
        for c in ctx.plan.columns:
            s = first[c]
            n = s["valid"]
            is_bool = self._is_bool(ctx, c)
            parameters = {"top_k": TOP_K, "tie_break": "value ascending"}
            error_bounds = None
            if s["exact"]:
                top = s["top"]
            else:
                threshold = s["threshold"]
                above = {v: f for v, f in exact_counts[c].items() if f > threshold}
                top = top_items(above)
                parameters.update(
                    distinct_method=f"HyperLogLog (p={HLL_P}, keyed BLAKE2b-64)",
                    heavy_hitters=(
                        f"Misra-Gries with {self._cap(ctx)} counters, candidates counted "
                        "exactly in a second pass"
                    ),
                    top_values_count_threshold=threshold,
                )
                error_bounds = {
                    "distinct": {
                        "relative_standard_error": HLL_RSE,
                        "at_least": self._cap(ctx) + 1,
                    },
                    "top_values": (
                        f"counts exact; lists only values occurring more than {threshold} "
                        "times (every such value of the top ten is listed)"
                    ),
                }
                if not top:
                    error_bounds["mode_share"] = {"upper_bound": threshold / n}
            top_values = [{"value": v, "count": int(f)} for v, f in top]
            values = {
                "count": n,
                "null_count": s["rows"] - n,
                "distinct": int(s["distinct"]),
                "top_values": top_values,
                "mode_share": (top[0][1] / n) if (n and top) else None,
            }
            units = {
                "count": "count",
                "null_count": "count",
                "distinct": "count",
                "top_values": "count",
                "mode_share": "ratio",
            }
            if is_bool:
                values["true_count"] = s["true"]
                values["false_count"] = n - s["true"]
                units["true_count"] = units["false_count"] = "count"
            kind_word = "boolean" if is_bool else "categorical"
            out.append(
                ctx.finding(
                    kind="column_profile",
                    title=f"Profile of {kind_word} column {c!r}",
                    subject={"column": c},
                    values=values,
                    units=units,
                    error_bounds=error_bounds,
                    columns=[c],
                    parameters=parameters,
                    exact=s["exact"],
                )
            )
        return out


@hookimpl
def statharness_analyses():
    return [ProfileCategorical()]
