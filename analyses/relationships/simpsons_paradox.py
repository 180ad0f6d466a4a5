"""Simpson's paradox: a correlation whose sign reverses within every level of a category.

Pooled over species, penguins' bill length and bill depth correlate negatively (r = -0.24);
within each species they correlate positively (+0.39..+0.65). The pooled coefficient
describes the mixture, not any group: acting on it would be wrong. One streamed pass
accumulates, per (category level, measure pair), the count and the five sums of a Pearson
coefficient; the pooled coefficient comes from the same sums added over levels.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

import numpy as np
import pyarrow.compute as pc

from pytest_statharness import (
    MEASURE_ROLES,
    Analysis,
    ColumnKind,
    ColumnRole,
    MemoryModel,
    Plan,
    hookimpl,
)

from .._shared.exact import exact_fixed_sum
from .._shared.report import cap_findings

_SCALE = 1 << 1127  # exact_fixed_sum's unit is 2**-1127

MAX_LEVELS = 20
MIN_ROWS_PER_LEVEL = 10
MIN_POOLED_R = 0.1
MIN_WITHIN_R = 0.2
MIN_MEAN_WITHIN_R = 0.4  # the within-group association is at least moderate on average
MAX_GROUP_COLUMNS = 3
_SUMS = ("n", "x", "y", "xx", "yy", "xy")


def pearson(s: list[int]) -> float | None:
    """Pearson r from [n, Σx, Σy, Σx², Σy², Σxy] held exactly (sums in units of 2**-1127;
    products x*y rounded once each, so the sums do not depend on chunking). r² is an exact
    rational, rounded once; its square root is correctly rounded: no platform dependence."""
    n, sx, sy, sxx, syy, sxy = s
    if n < 3:
        return None
    cov = n * sxy * _SCALE - sx * sy
    vx = n * sxx * _SCALE - sx * sx
    vy = n * syy * _SCALE - sy * sy
    if vx <= 0 or vy <= 0:
        return None
    r = math.sqrt(float(Fraction(cov * cov, vx * vy)))
    r = min(r, 1.0)
    return r if cov >= 0 else -r


class SimpsonsParadox(Analysis):
    id = "simpsons_paradox"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "moment sums per level up to max_groups"
    family = "relationships"
    title = "Correlations that reverse within every group (Simpson's paradox)"
    requires = (ColumnKind.NUMERIC,)
    roles = MEASURE_ROLES
    exact = True
    passes = 1
    method = (
        "per pair of measures (max_pairs) and category column (2.."
        f"{MAX_LEVELS} levels, not an identifier, the first {MAX_GROUP_COLUMNS} in schema "
        "order), over rows where the pair and the level are all present and finite: per level "
        "the count and the exact sums of x, y, x², y², xy (each product rounded once); "
        "Pearson r (r² an exact rational, rounded once) pooled (sums over levels) and within each level with >= "
        f"{MIN_ROWS_PER_LEVEL} rows. Reported (medium) when |pooled r| >= {MIN_POOLED_R}, at "
        f"least 2 such levels, every one of them has the opposite sign with |r| >= "
        f"{MIN_WITHIN_R}, and their mean |r| is >= {MIN_MEAN_WITHIN_R}"
    )
    reference = (
        "Simpson (1951), The interpretation of interaction in contingency tables, JRSS B "
        "13(2); Pearl (2014), Comment: understanding Simpson's paradox, Am. Stat. 68(1)"
    )
    access = "streamed; one pass, per-level moment sums of each measure pair"

    def plan(self, dataset, budget):
        measures = dataset.columns_of(ColumnKind.NUMERIC, roles=self.roles)[: budget.max_columns]
        pairs = list(combinations(measures, 2))[: budget.max_pairs]
        groups = [
            g
            for g in dataset.columns_of(
                ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, roles=(ColumnRole.CATEGORY,)
            )
            if dataset.column(g).distinct_exact
            and 2 <= dataset.column(g).distinct_at_least <= MAX_LEVELS
        ][:MAX_GROUP_COLUMNS]
        if not pairs or not groups:
            return None
        used = list(dict.fromkeys([c for p in pairs for c in p]))
        return Plan(tuple(used + groups), {"pairs": [list(p) for p in pairs], "groups": groups})

    def init(self, ctx):
        return {}

    def update(self, state, chunk, ctx):
        table = chunk.table
        values = {c: chunk.floats(c) for pair in ctx.params["pairs"] for c in pair}
        for g in ctx.params["groups"]:
            encoded = pc.dictionary_encode(table.column(g).cast("string")).combine_chunks()
            names = encoded.dictionary.to_pylist()
            codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
            for x_name, y_name in ctx.params["pairs"]:
                x, y = values[x_name], values[y_name]
                ok = (codes >= 0) & np.isfinite(x) & np.isfinite(y)
                k, xv, yv = codes[ok].astype(np.int64), x[ok], y[ok]
                slot = state.setdefault((g, x_name, y_name), {})
                for i, level in enumerate(names):
                    mask = k == i
                    if not mask.any():
                        continue
                    xs, ys = xv[mask], yv[mask]
                    slot[level] = [
                        int(mask.sum()),
                        *(exact_fixed_sum(v) for v in (xs, ys, xs * xs, ys * ys, xs * ys)),
                    ]
        return state

    def merge(self, a, b, ctx):
        out = {key: {lvl: list(v) for lvl, v in levels.items()} for key, levels in a.items()}
        for key, levels in b.items():
            mine = out.setdefault(key, {})
            for lvl, v in levels.items():
                x = mine.get(lvl)
                mine[lvl] = list(v) if x is None else [p + q for p, q in zip(x, v, strict=True)]
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        for g in ctx.params["groups"]:
            for x_name, y_name in ctx.params["pairs"]:
                levels = state.get((g, x_name, y_name), {})
                pooled_sums = [sum(v[i] for v in levels.values()) for i in range(6)]
                pooled = pearson(pooled_sums)
                within = {
                    str(lvl): pearson(v)
                    for lvl, v in sorted(levels.items(), key=lambda kv: str(kv[0]))
                    if v[0] >= MIN_ROWS_PER_LEVEL
                }
                rs = [r for r in within.values() if r is not None]
                if pooled is None or abs(pooled) < MIN_POOLED_R or len(rs) < 2:
                    continue
                if len(rs) != len(within):
                    continue
                if not all(r * pooled < 0 and abs(r) >= MIN_WITHIN_R for r in rs):
                    continue
                if sum(abs(r) for r in rs) / len(rs) < MIN_MEAN_WITHIN_R:
                    continue  # a weak reversal: no group says much either way
                values = {"pooled_r": pooled, "n": int(pooled_sums[0])}
                units = {"pooled_r": "coefficient", "n": "count"}
                for lvl, r in within.items():
                    values[f"r[{lvl}]"] = r
                    units[f"r[{lvl}]"] = "coefficient"
                out.append(
                    ctx.finding(
                        kind="simpsons_paradox",
                        title=(
                            f"Correlation of {x_name!r} and {y_name!r} reverses within every "
                            f"level of {g!r} (pooled r = {pooled:+.2f}, within "
                            f"{min(rs):+.2f}..{max(rs):+.2f})"
                        ),
                        subject={"x": x_name, "y": y_name, "group_column": g},
                        values=values,
                        units=units,
                        severity="medium",
                        columns=[x_name, y_name, g],
                        parameters={
                            "min_rows_per_level": MIN_ROWS_PER_LEVEL,
                            "min_pooled_r": MIN_POOLED_R,
                            "min_within_r": MIN_WITHIN_R,
                            "min_mean_within_r": MIN_MEAN_WITHIN_R,
                        },
                    )
                )
        return cap_findings(ctx, out)


@hookimpl
def statharness_analyses():
    return [SimpsonsParadox()]
