"""Column profiles: numeric summary with exact quantiles.

``profile_numeric`` reports, per numeric column, ``count, null_count, min, max, mean, std``
(sample, ddof=1) and ``p01 ... p99`` with numpy's default linear quantile definition —
exact, by multi-pass radix selection (see ``_shared.exact.SelectionSet``), never by loading a
column whole.

Integer columns whose values pass 2**53 (where float64 stops holding every integer) are
profiled without float64: min, max and order statistics as exact integers, mean and std
from exact integer sums, rounded once (``IntegerMoments``). Below 2**53 every value is a
float exactly and the float path gives the same numbers it always did. A float mean is
finite whenever it is (the sum may pass float64), and squared deviations of values past
2**500 (or all under 2**-400) are summed scaled by a power of two, so a finite std never
overflows and a tiny one never underflows to 0.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, MemoryModel, hookimpl
from pytest_statharness.accumulators import IntegerMoments, ratio_to_float

from .._shared.exact import (
    ExactSum,
    RankSelector,
    SelectionSet,
    bucket_histogram,
    float_keys,
    int_keys,
    quantile_rank_list,
    quantile_ranks,
)

FLOAT_EXACT_LIMIT = 2**53  # float64 holds every integer of at most this magnitude
SCALE_ABOVE_EXPONENT = 500  # past 2**500, squared deviations are summed scaled down
SCALE_BELOW_EXPONENT = -400  # under 2**-400 they are summed scaled up (squares underflow)
_UINT_OFFSET = 1 << 63


def _integers(chunk, column: str) -> np.ndarray | None:
    """The valid values of an integer column as int64 (uint64 for unsigned), else None."""
    col = chunk.column(column)
    if not pa.types.is_integer(col.type):
        return None
    unsigned = pa.types.is_unsigned_integer(col.type)
    valid = pc.drop_null(pc.cast(col, pa.uint64() if unsigned else pa.int64()))
    return np.asarray(valid.to_numpy(), dtype=np.uint64 if unsigned else np.int64)


def _integer_keys(values: np.ndarray) -> np.ndarray:
    """Order-preserving uint64 keys: int64 through int_keys, uint64 as they are."""
    return values.astype(np.uint64, copy=False) if values.dtype == np.uint64 else int_keys(values)


def _integer_quantile(low: int, high: int, gamma: float):
    """numpy's linear interpolation between two integers, exact then rounded once (an
    integer result stays an exact integer)."""
    if gamma == 0 or low == high:
        return low
    from fractions import Fraction

    exact = low + (high - low) * Fraction(gamma)
    return ratio_to_float(exact.numerator, exact.denominator)


def _scale_exponent(low: float, high: float) -> int:
    """k such that values scaled by 2**-k stay below 2**500, or lie near 1 when they are all
    under 2**-400 (their squares would underflow to 0); 0 for ordinary data."""
    magnitude = max(abs(low), abs(high))
    if not math.isfinite(magnitude) or magnitude == 0:
        return 0
    exponent = math.frexp(magnitude)[1]
    if exponent < SCALE_BELOW_EXPONENT:
        return exponent
    return max(0, exponent - SCALE_ABOVE_EXPONENT)


QUANTILES = {
    "p01": 0.01,
    "p05": 0.05,
    "p25": 0.25,
    "p50": 0.5,
    "p75": 0.75,
    "p95": 0.95,
    "p99": 0.99,
}


_COUNTS = ("count", "null_count", "nonfinite_count")


class ProfileNumeric(Analysis):
    id = "profile_numeric"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "counts, exact sums and a 16-bit radix histogram per column"
    family = "profile"
    title = "Numeric column profile"
    requires = (ColumnKind.NUMERIC,)
    exact = True
    passes = 6
    method = (
        "count (finite values), nulls (null or NaN), non-finite values (+inf, -inf: counted, "
        "left out of every statistic; impossible_values reports them), min, max; mean from an exact (Shewchuk) sum; sample std "
        "(ddof=1) from exact sums of squared deviations about the mean (two-pass); quantiles "
        "p01..p99 by numpy's linear (Hyndman-Fan type 7) definition from order statistics "
        "found exactly by multi-pass radix selection"
    )
    reference = (
        "Hyndman & Fan (1996), Sample Quantiles in Statistical Packages, Am. Stat. 50(4); "
        "Shewchuk (1997), Adaptive Precision Floating-Point Arithmetic"
    )
    access = (
        "streamed; pass 1 counts, min/max, exact sum and the 16-bit radix histogram of every "
        "column; pass 2 exact squared deviations + selection inside the quantiles' buckets "
        "(usually the last); rare further passes read only columns still selecting"
    )

    def init(self, ctx):
        if ctx.pass_index == 0:
            return {
                c: {
                    "n": 0,
                    "nulls": 0,
                    "nonfinite": 0,
                    "min": math.inf,
                    "max": -math.inf,
                    "sum": ExactSum(),
                    "root": {},
                    "ints": None,  # (IntegerMoments, min, max, unsigned) of an integer column
                }
                for c in ctx.columns
            }
        state = {}
        for c in self.columns_for_pass(ctx):
            entry = {"sel": {}, "isel": {}}
            if ctx.pass_index == 1:
                entry["m2"] = ExactSum()
            state[c] = entry
        return state

    def _selection(self, ctx) -> SelectionSet:
        return ctx.previous[0]["_selection"]

    def _int_selection(self, ctx) -> SelectionSet:
        return ctx.previous[0]["_int_selection"]

    def update(self, state, chunk, ctx):
        for c in self.columns_for_pass(ctx):
            data = chunk.floats(c)
            valid = data[np.isfinite(data)]  # ±inf is no value: counted apart, left out
            s = state[c]
            if ctx.pass_index == 0:
                rest = data.size - valid.size  # nulls (NaN) and ±inf
                infinite = int(np.count_nonzero(np.isinf(data))) if rest else 0
                s["n"] += valid.size
                s["nulls"] += rest - infinite
                s["nonfinite"] += infinite
                if valid.size:
                    s["min"] = min(s["min"], float(valid.min()))
                    s["max"] = max(s["max"], float(valid.max()))
                    s["sum"].add_array(valid)
                    # the first selection step rides along: the top-16-bit key histogram
                    s["root"] = bucket_histogram(float_keys(valid))
                ints = _integers(chunk, c)
                if ints is not None and ints.size:
                    moments = IntegerMoments()
                    moments.add_array(ints)
                    unsigned = ints.dtype == np.uint64
                    s["ints"] = (moments, int(ints.min()), int(ints.max()), unsigned)
                continue
            stats = ctx.previous[0][c]
            int_selection = self._int_selection(ctx)
            if int_selection.wants(c):
                ints = _integers(chunk, c)
                if ints is not None and ints.size:
                    s["isel"] = int_selection.chunk_state(c, _integer_keys(ints))
                continue
            if ctx.pass_index == 1 and valid.size:
                k = stats["scale"]
                if k:
                    dev = np.ldexp(valid, -k) - math.ldexp(stats["mean"], -k)
                else:
                    dev = valid - stats["mean"]
                s["m2"].add_array(dev * dev)
            selection = self._selection(ctx)
            if selection.wants(c) and valid.size:
                s["sel"] = selection.chunk_state(c, float_keys(valid))
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in self.columns_for_pass(ctx):
            x, y = a[c], b[c]
            if ctx.pass_index == 0:
                out[c] = {
                    "n": x["n"] + y["n"],
                    "nulls": x["nulls"] + y["nulls"],
                    "nonfinite": x["nonfinite"] + y["nonfinite"],
                    "min": min(x["min"], y["min"]),
                    "max": max(x["max"], y["max"]),
                    "sum": x["sum"].merged(y["sum"]),
                    "root": RankSelector.merge_states(x["root"], y["root"]),
                    "ints": _merge_ints(x["ints"], y["ints"]),
                }
                continue
            entry = {
                "sel": RankSelector.merge_states(x["sel"], y["sel"]),
                "isel": RankSelector.merge_states(x["isel"], y["isel"]),
            }
            if "m2" in x:
                entry["m2"] = x["m2"].merged(y["m2"])
            out[c] = entry
        return out

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            result = {}
            wanted = {}
            int_wanted = {}
            for c in ctx.columns:
                s = state[c]
                n = s["n"]
                total = s["sum"].value()
                mean = total / n if n else None
                if mean is not None and not math.isfinite(total):
                    mean = s["sum"].mean(n)  # finite whenever the mean is
                ints = s["ints"]
                big = ints is not None and max(-ints[1], ints[2]) > FLOAT_EXACT_LIMIT
                result[c] = {
                    **{k: v for k, v in s.items() if k not in ("root", "ints")},
                    "sum": total,
                    "mean": mean,
                    "scale": _scale_exponent(s["min"], s["max"]) if n else 0,
                    "ints": ints if big else None,
                }
                ranks = (n, quantile_rank_list(n, QUANTILES.values()))
                if big:
                    int_wanted[c] = ranks
                else:
                    wanted[c] = ranks
            selection = SelectionSet(wanted)
            selection.advance({c: state[c]["root"] for c in wanted})
            result["_selection"] = selection
            result["_int_selection"] = SelectionSet(int_wanted, int_keys=True)
            return result
        self._selection(ctx).advance({c: state[c]["sel"] for c in self.columns_for_pass(ctx)})
        self._int_selection(ctx).advance({c: state[c]["isel"] for c in self.columns_for_pass(ctx)})
        return (
            {c: {"m2": state[c]["m2"].value()} for c in ctx.columns} if ctx.pass_index == 1 else {}
        )

    def columns_for_pass(self, ctx):
        if ctx.pass_index <= 1:  # pass 2 computes every column's squared deviations
            return ctx.plan.columns
        return tuple(
            c
            for c in ctx.plan.columns
            if self._selection(ctx).wants(c) or self._int_selection(ctx).wants(c)
        )

    def needs_another_pass(self, ctx):
        if len(ctx.previous) == 1:
            return any(ctx.previous[0][c]["n"] for c in ctx.columns)
        return not (self._selection(ctx).done and self._int_selection(ctx).done)

    def findings(self, ctx):
        stats = ctx.previous[0]
        m2s = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out = []
        for c in ctx.columns:
            s = stats[c]
            n = s["n"]
            if s["ints"] is not None:  # an integer column past 2**53: no float64 detour
                values = self._integer_values(ctx, c, s)
            else:
                values = {
                    "count": n,
                    "null_count": s["nulls"],
                    "nonfinite_count": s["nonfinite"],
                    "min": s["min"] if n else None,
                    "max": s["max"] if n else None,
                    "mean": s["mean"],
                    "std": _std(m2s[c]["m2"], n, s["scale"]) if n > 1 else None,
                }
                for label, q in QUANTILES.items():
                    values[label] = stats["_selection"].quantile(c, q)  # None when n = 0
            units = {k: ("count" if k in _COUNTS else "value") for k in values}
            out.append(
                ctx.finding(
                    kind="column_profile",
                    title=f"Profile of numeric column {c!r}",
                    subject={"column": c},
                    values=values,
                    units=units,
                    columns=[c],
                    parameters={"quantile_method": "linear (numpy default)", "ddof": 1},
                )
            )
        return out

    def _integer_values(self, ctx, column: str, s: dict) -> dict:
        moments, low, high, unsigned = s["ints"]
        n = s["n"]
        values = {
            "count": n,
            "null_count": s["nulls"],
            "nonfinite_count": s["nonfinite"],
            "min": low,
            "max": high,
            "mean": moments.mean(),
            "std": moments.std(1),
        }
        selection = self._int_selection(ctx)
        offset = _UINT_OFFSET if unsigned else 0  # uint64 keys are the values themselves
        for label, (prev, nxt, gamma) in zip(
            QUANTILES, quantile_ranks(n, list(QUANTILES.values())).values(), strict=True
        ):
            values[label] = _integer_quantile(
                selection.value(column, prev) + offset,
                selection.value(column, nxt) + offset,
                gamma,
            )
        return values


def _merge_ints(x, y):
    if x is None or y is None:
        return x if y is None else y
    return (x[0].merged(y[0]), min(x[1], y[1]), max(x[2], y[2]), x[3])


def _std(m2: float, n: int, scale: int) -> float:
    """Sample std from the (scaled) sum of squared deviations; inf only past float64."""
    std = math.sqrt(m2 / (n - 1))
    if not scale:
        return std
    try:
        return math.ldexp(std, scale)
    except OverflowError:
        return math.inf


@hookimpl
def statharness_analyses():
    return [ProfileNumeric()]
