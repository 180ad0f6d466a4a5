"""Column profiles: numeric summary with exact quantiles.

``profile_numeric`` reports, per numeric column, ``count, null_count, min, max, mean, std``
(sample, ddof=1) and ``p01 ... p99`` with numpy's default linear quantile definition —
exact, by multi-pass radix selection (see ``_shared.exact.SelectionSet``), never by loading a
column whole.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import Analysis, ColumnKind, MemoryModel, hookimpl

from .._shared.exact import (
    ExactSum,
    RankSelector,
    SelectionSet,
    bucket_histogram,
    float_keys,
    quantile_rank_list,
)

QUANTILES = {
    "p01": 0.01,
    "p05": 0.05,
    "p25": 0.25,
    "p50": 0.5,
    "p75": 0.75,
    "p95": 0.95,
    "p99": 0.99,
}


class ProfileNumeric(Analysis):
    id = "profile_numeric"
    memory_model = MemoryModel.CONSTANT
    memory_note = "counts, exact sums and a 16-bit radix histogram per column"
    family = "profile"
    title = "Numeric column profile"
    requires = (ColumnKind.NUMERIC,)
    exact = True
    passes = 6
    method = (
        "count, nulls (null or NaN), min, max; mean from an exact (Shewchuk) sum; sample std "
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
                    "min": math.inf,
                    "max": -math.inf,
                    "sum": ExactSum(),
                    "root": {},
                }
                for c in ctx.columns
            }
        state = {}
        for c in self.columns_for_pass(ctx):
            entry = {"sel": {}}
            if ctx.pass_index == 1:
                entry["m2"] = ExactSum()
            state[c] = entry
        return state

    def _selection(self, ctx) -> SelectionSet:
        return ctx.previous[0]["_selection"]

    def update(self, state, chunk, ctx):
        for c in self.columns_for_pass(ctx):
            data = chunk.floats(c)
            valid = data[~np.isnan(data)]
            s = state[c]
            if ctx.pass_index == 0:
                s["n"] += valid.size
                s["nulls"] += data.size - valid.size
                if valid.size:
                    s["min"] = min(s["min"], float(valid.min()))
                    s["max"] = max(s["max"], float(valid.max()))
                    s["sum"].add_array(valid)
                    # the first selection step rides along: the top-16-bit key histogram
                    s["root"] = bucket_histogram(float_keys(valid))
                continue
            stats = ctx.previous[0][c]
            if ctx.pass_index == 1 and valid.size:
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
                    "min": min(x["min"], y["min"]),
                    "max": max(x["max"], y["max"]),
                    "sum": x["sum"].merged(y["sum"]),
                    "root": RankSelector.merge_states(x["root"], y["root"]),
                }
                continue
            entry = {"sel": RankSelector.merge_states(x["sel"], y["sel"])}
            if "m2" in x:
                entry["m2"] = x["m2"].merged(y["m2"])
            out[c] = entry
        return out

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            result = {}
            wanted = {}
            for c in ctx.columns:
                s = state[c]
                n = s["n"]
                total = s["sum"].value()
                result[c] = {
                    **{k: v for k, v in s.items() if k != "root"},
                    "sum": total,
                    "mean": total / n if n else None,
                }
                wanted[c] = (n, quantile_rank_list(n, QUANTILES.values()))
            selection = SelectionSet(wanted)
            selection.advance({c: state[c]["root"] for c in ctx.columns})
            result["_selection"] = selection
            return result
        self._selection(ctx).advance({c: state[c]["sel"] for c in self.columns_for_pass(ctx)})
        return (
            {c: {"m2": state[c]["m2"].value()} for c in ctx.columns} if ctx.pass_index == 1 else {}
        )

    def columns_for_pass(self, ctx):
        if ctx.pass_index <= 1:  # pass 2 computes every column's squared deviations
            return ctx.plan.columns
        return tuple(c for c in ctx.plan.columns if self._selection(ctx).wants(c))

    def needs_another_pass(self, ctx):
        if len(ctx.previous) == 1:
            return any(ctx.previous[0][c]["n"] for c in ctx.columns)
        return not self._selection(ctx).done

    def findings(self, ctx):
        stats = ctx.previous[0]
        m2s = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out = []
        for c in ctx.columns:
            s = stats[c]
            n = s["n"]
            values = {
                "count": n,
                "null_count": s["nulls"],
                "min": s["min"] if n else None,
                "max": s["max"] if n else None,
                "mean": s["mean"],
                "std": math.sqrt(m2s[c]["m2"] / (n - 1)) if n > 1 else None,
            }
            for label, q in QUANTILES.items():
                values[label] = stats["_selection"].quantile(c, q)  # None when n = 0
            units = {k: ("count" if k in ("count", "null_count") else "value") for k in values}
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


@hookimpl
def statharness_analyses():
    return [ProfileNumeric()]
