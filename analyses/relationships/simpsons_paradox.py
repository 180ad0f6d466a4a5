"""Simpson's paradox: a correlation whose sign reverses within every level of a category.

Pooled over species, penguins' bill length and bill depth correlate negatively (r = -0.24);
within each species they correlate positively (+0.39..+0.65). The pooled coefficient
describes the mixture, not any group: acting on it would be wrong. One streamed pass
accumulates, per (category level, measure pair), the count and the five sums of a Pearson
coefficient; the pooled coefficient comes from the same sums added over levels.
"""

from __future__ import annotations

from itertools import combinations

import numpy as np

from pytest_statharness import (
    MEASURE_ROLES,
    Analysis,
    ColumnKind,
    ColumnRole,
    MemoryModel,
    Plan,
    hookimpl,
)
from pytest_statharness.column_roles import SETS_DETAIL
from pytest_statharness.precision import PROBABILITY_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS
from .._shared.moments import (
    MIN_UNITS,
    level_codes,
    level_moments,
    merge_keyed,
    pearson,
    r_p_value,
    two_way_within,
    within_units,
)
from .._shared.numeric import squares_overflow
from .._shared.panel import time_axis, unit_columns
from .._shared.report import cap_findings
from .._shared.summaries import lagged_copies

MAX_LEVELS = 20
MIN_ROWS_PER_LEVEL = 10
MIN_POOLED_R = 0.1
MIN_WITHIN_R = 0.2
MIN_MEAN_WITHIN_R = 0.4  # the within-group association is at least moderate on average
MAX_GROUP_COLUMNS = 3
_SUMS = ("n", "x", "y", "xx", "yy", "xy")
#: the units of a panel (states observed each year, matched sets): a reversal of the pooled
#: correlation *within* them (deviations from each unit's means) needs MIN_UNITS units of
#: >= 2 rows (``_shared.moments``); at most MAX_UNITS units are kept per column
MAX_UNITS = 500
#: the pooled and the within-unit coefficients both differ from zero at this level
WITHIN_ALPHA = 0.001
#: a reversal within a category's levels: the within-level coefficient (from each level's
#: own means, all levels of >= 2 rows) differs from zero at this level; car.test.frame's
#: Reliability and HP (within r +0.08, p 0.61) reversed in its four larger car types by
#: chance
LEVEL_ALPHA = 0.01
#: a panel's units (a table with a time axis) reverse the pooled coefficient only with the
#: periods' common movements removed too (two-way within r, a balanced panel of at least
#: this many periods) ...
MIN_PANEL_PERIODS = 3
#: ... at least this strongly (Cohen's medium): prison's black share and crime within
#: states (-0.22 once the years are removed) was rated noise
PANEL_MIN_WITHIN_R = 0.3
#: ... between two measures that each keep at least this share of their variance within
#: the units once the periods' means are removed: prison's black share (0.1% of its
#: variance: census figures interpolated year to year) 'reversed' with prisoners and police
PANEL_MIN_WITHIN_SHARE = 0.05
PERIOD = "@period"


class SimpsonsParadox(Analysis):
    id = "simpsons_paradox"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "moment sums per level: up to 20 levels of a category, 500 units of a panel"
    family = "relationships"
    title = "Correlations that reverse within every group (Simpson's paradox)"
    requires = (ColumnKind.NUMERIC,)
    roles = MEASURE_ROLES
    exact = True
    # the p-values of a within-level reversal come from scipy's t distribution
    precision = {"pooled_p": PROBABILITY_DIGITS, "within_p": PROBABILITY_DIGITS}
    passes = 1
    method = (
        "per pair of measures (max_pairs) and category column (2.."
        f"{MAX_LEVELS} levels, not an identifier, the first {MAX_GROUP_COLUMNS} in schema "
        "order), over rows where the pair and the level are all present and finite: per level "
        "the count and the exact sums of x, y, x², y², xy (each product rounded once); "
        "Pearson r (r² an exact rational, rounded once) pooled (sums over levels) and within each level with >= "
        f"{MIN_ROWS_PER_LEVEL} rows. Reported (medium) when |pooled r| >= {MIN_POOLED_R}, at "
        f"least 2 such levels, every one of them has the opposite sign with |r| >= "
        f"{MIN_WITHIN_R}, their mean |r| is >= {MIN_MEAN_WITHIN_R}, and the within-level r "
        "(deviations from each level's means over every level of >= 2 rows, p from "
        "Student's t with rows - levels - 1 df) has the opposite sign to the pooled r and p "
        f"< {LEVEL_ALPHA}; the title says when smaller levels were left out. Otherwise, "
        "with >= "
        f"{MIN_UNITS} levels of >= 2 rows (an identifier keying equal-sized sets of rows: "
        "a matched design's sets): the within-level correlation "
        "(Pearson r of the deviations from each level's means, exact rational sums; "
        "p from Student's t with rows - levels - 1 df, scipy.stats.t) reported (medium) "
        f"when its sign is opposite to the pooled r's, |within r| >= {MIN_WITHIN_R} and both "
        f"p < {WITHIN_ALPHA}. In a table with a time axis, a category of up to {MAX_UNITS} "
        "levels repeated over its periods (a panel's units, as panel_trends reads them) is "
        "read with each period's mean removed too: the two-way within r (deviations "
        "x - x_unit - x_period + x_all from exact per-unit and per-period sums; p with "
        "rows - units - periods df) of a balanced panel (every unit in every period once) "
        f"of >= {MIN_PANEL_PERIODS} periods, reported (medium) when reversed at |r| >= "
        f"{PANEL_MIN_WITHIN_R}, both measures keeping >= {PANEL_MIN_WITHIN_SHARE:.0%} of "
        "their variance within the units and periods; national trends shared by the units "
        "are no relation within them, a share interpolated between censuses hardly moves "
        "within a state, and an unbalanced panel's reversal is not reported. A series and its lags (logr, logr3: one stem and a period "
        "number) are not paired: within short units their correlation is biased towards "
        "-1/(T-1) (Nickell 1981). A group column keying the same groups as an earlier one "
        "(identical sums level by level) is not reported again"
    )
    reference = (
        "Simpson (1951), The interpretation of interaction in contingency tables, JRSS B "
        "13(2); Pearl (2014), Comment: understanding Simpson's paradox, Am. Stat. 68(1); "
        "Nickell (1981), Biases in dynamic models with fixed effects, Econometrica 49(6)"
    )
    access = "streamed; one pass, per-level moment sums of each measure pair"

    def plan(self, dataset, budget):
        measures = dataset.columns_of(ColumnKind.NUMERIC, roles=self.roles)[: budget.max_columns]
        # a square or product beyond float64's range is inf: exact sums of it would be
        # garbage, so such a measure is left out, and said to be
        overflow = [m for m in measures if squares_overflow(dataset.column(m).value_range)]
        measures = [m for m in measures if m not in overflow]
        # a series and its own lags (logr, logr3) are left out: demeaned within short units
        # their correlation turns negative by construction (Nickell 1981)
        pairs = [p for p in combinations(measures, 2) if not lagged_copies(*p)][: budget.max_pairs]
        groups = [
            g
            for g in dataset.columns_of(
                ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, roles=(ColumnRole.CATEGORY,)
            )
            if dataset.column(g).distinct_exact
            and 2 <= dataset.column(g).distinct_at_least <= MAX_LEVELS
        ]
        # the units of a panel (a table with a time axis) or of a matched design: more
        # levels, a few rows each
        timed = any(c.kind == ColumnKind.TIMESTAMP for c in dataset.columns)
        time = time_axis(dataset) if timed else None
        # a category is a panel's units when its levels repeat over the periods (a state
        # each year; not a state seen twice: 2 rows per unit make no within-unit relation)
        units = set(unit_columns(dataset, time)) if time is not None else set()
        groups += [
            c.name
            for c in dataset.columns
            if not c.excluded
            and c.name not in groups
            and c.distinct_exact
            and MAX_LEVELS < c.distinct_at_least <= MAX_UNITS
            and (
                (c.role == ColumnRole.IDENTIFIER and c.role_detail == SETS_DETAIL)
                or (
                    c.name in units
                    and c.role == ColumnRole.CATEGORY
                    and c.kind == ColumnKind.CATEGORICAL
                )
            )
        ]
        groups = groups[:MAX_GROUP_COLUMNS]
        if not pairs or not groups:
            return None
        # a panel's units are read with the periods of its time axis: their common
        # movements (national trends) are no relation within the units
        panels = [g for g in groups if g in units]
        time = time if panels else None
        used = list(dict.fromkeys([c for p in pairs for c in p]))
        left_out = {"squares_overflow_float64": overflow} if overflow else {}
        params = {"pairs": [list(p) for p in pairs], "groups": groups}
        if time is not None:
            params.update(time=time, panels=panels)
        extra = [time] if time is not None and time not in used + groups else []
        return Plan(tuple(used + groups + extra), params, left_out)

    def init(self, ctx):
        return {}

    def update(self, state, chunk, ctx):
        table = chunk.table
        values = {c: chunk.floats(c) for pair in ctx.params["pairs"] for c in pair}
        time = ctx.params.get("time")
        periods = level_codes(table.column(time)) if time is not None else None
        for g in ctx.params["groups"]:
            codes, names = level_codes(table.column(g))
            for x_name, y_name in ctx.params["pairs"]:
                slot = state.setdefault((g, x_name, y_name), {})
                slot.update(level_moments(codes, names, values[x_name], values[y_name]))
            if g not in ctx.params.get("panels", ()):
                continue
            # the same rows by period (those with a unit): the periods' sums
            pcodes = np.where(codes >= 0, periods[0], -1)
            for x_name, y_name in ctx.params["pairs"]:
                state[(g, PERIOD, x_name, y_name)] = level_moments(
                    pcodes, periods[1], values[x_name], values[y_name]
                )
        return state

    def merge(self, a, b, ctx):
        return merge_keyed(a, b)

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        seen: set = set()
        for g in ctx.params["groups"]:
            # two columns keying the same groups (a firm's number and its code) give the
            # same sums level by level: the second would repeat every finding
            partition = tuple(
                tuple(sorted(tuple(v) for v in state.get((g, *pair), {}).values()))
                for pair in map(tuple, ctx.params["pairs"])
            )
            if partition in seen:
                continue
            seen.add(partition)
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
                if pooled is None or abs(pooled) < MIN_POOLED_R:
                    continue
                panel = g in ctx.params.get("panels", ())
                if (
                    # a panel unit's own r runs over its periods: read with theirs removed
                    panel
                    or len(rs) < 2
                    or len(rs) != len(within)
                    or not all(r * pooled < 0 and abs(r) >= MIN_WITHIN_R for r in rs)
                    or sum(abs(r) for r in rs) / len(rs) < MIN_MEAN_WITHIN_R
                ):
                    # no reversal in every level (or a weak one): the units of a panel may
                    # still reverse it together
                    periods = state.get((g, PERIOD, x_name, y_name), {}) if panel else None
                    found = self._within_reversal(ctx, g, x_name, y_name, levels, pooled, periods)
                    if found is not None:
                        out.append(found)
                    continue
                n = int(pooled_sums[0])
                tested = _level_tests(levels, pooled, n)
                if tested is None:
                    continue  # chance: the within-level r is not significant (or not reversed)
                values = {"pooled_r": pooled, "n": n, **tested}
                units = {
                    "pooled_r": "coefficient",
                    "n": "count",
                    "pooled_p": "probability",
                    "within_r": "coefficient",
                    "within_p": "probability",
                }
                for lvl, r in within.items():
                    values[f"r[{lvl}]"] = r
                    units[f"r[{lvl}]"] = "coefficient"
                small = len(levels) - len(within)
                where = (
                    f"every level of {g!r}"
                    if not small
                    else f"every level of {g!r} with {MIN_ROWS_PER_LEVEL}+ rows "
                    f"({len(within)} of {len(levels)})"
                )
                out.append(
                    ctx.finding(
                        kind="simpsons_paradox",
                        title=(
                            f"Correlation of {x_name!r} and {y_name!r} reverses within "
                            f"{where} (pooled r = {pooled:+.2f}, within "
                            f"{min(rs):+.2f}..{max(rs):+.2f})"
                        ),
                        subject={"x": x_name, "y": y_name, "group_column": g},
                        values=values,
                        units=units,
                        severity="medium",
                        columns=[x_name, y_name, g],
                        parameters={
                            "min_rows_per_level": MIN_ROWS_PER_LEVEL,
                            "alpha": LEVEL_ALPHA,
                            "min_pooled_r": MIN_POOLED_R,
                            "min_within_r": MIN_WITHIN_R,
                            "min_mean_within_r": MIN_MEAN_WITHIN_R,
                        },
                    )
                )
        return cap_findings(ctx, out)

    @staticmethod
    def _within_reversal(ctx, g, x_name, y_name, levels, pooled, periods) -> dict | None:
        """A finding when, with MIN_UNITS or more levels, the within-level correlation
        (deviations from each level's means) has the opposite sign to the pooled one, both
        at |r| >= MIN_WITHIN_R and p < WITHIN_ALPHA: beer tax and traffic deaths rise
        together across states, and fall together within a state over the years.

        The units of a panel (``periods``: the same rows' sums by period) are read with
        each period's mean removed too, in a balanced panel of MIN_PANEL_PERIODS periods
        or more, at |r| >= PANEL_MIN_WITHIN_R: two national trends are no relation within
        a state. An unbalanced panel's reversal cannot be told from such trends by sums
        and is not reported."""
        min_r, extra = MIN_WITHIN_R, {}
        if periods is not None:
            found = two_way_within(levels, periods)
            if (
                found is None
                or found[3] < MIN_PANEL_PERIODS
                or min(found[4:]) < PANEL_MIN_WITHIN_SHARE
            ):
                return None
            r_w, rows, units, n_periods = found[:4]
            df = rows - units - n_periods
            min_r, extra = PANEL_MIN_WITHIN_R, {"periods": n_periods}
        else:
            found = within_units(levels)
            if found is None:
                return None
            r_w, rows, units = found
            df = rows - units - 1
        n = int(sum(v[0] for v in levels.values()))
        p_pooled = r_p_value(pooled, n - 2)
        p_within = r_p_value(r_w, df)
        if (
            r_w * pooled >= 0
            or abs(r_w) < min_r
            or p_pooled is None
            or p_within is None
            or p_pooled >= WITHIN_ALPHA
            or p_within >= WITHIN_ALPHA
        ):
            return None
        means = (
            f"from its own and each {ctx.params['time']!r} period's means"
            if extra
            else "from its own means"
        )
        return ctx.finding(
            kind="within_unit_reversal",
            title=(
                f"Correlation of {x_name!r} and {y_name!r} reverses within the levels of "
                f"{g!r} (pooled r = {pooled:+.2f}; within each level, {means}, "
                f"r = {r_w:+.2f} over {units} levels)"
            ),
            subject={"x": x_name, "y": y_name, "group_column": g},
            values={
                "pooled_r": pooled,
                "pooled_p": p_pooled,
                "within_r": r_w,
                "within_p": p_within,
                "n": n,
                "levels": units,
                **extra,
            },
            units={
                "pooled_r": "coefficient",
                "pooled_p": "probability",
                "within_r": "coefficient",
                "within_p": "probability",
                "n": "count",
                "levels": "count",
                **{k: "count" for k in extra},
            },
            severity="medium",
            columns=[x_name, y_name, g],
            parameters={
                "min_levels": MIN_UNITS,
                "min_within_r": min_r,
                "alpha": WITHIN_ALPHA,
                "rule": (
                    "the pooled coefficient compares the levels (states, firms, matched "
                    "sets); within them the relation runs the other way: act on the "
                    "within-level one"
                ),
            },
        )


def _level_tests(levels: dict, pooled: float, n: int) -> dict | None:
    """pooled_p, within_r and within_p of a reversal across a category's levels, when the
    within-level r (deviations from each level's means, every level of >= 2 rows) has the
    opposite sign to the pooled r and is significant at LEVEL_ALPHA; else None. The pooled
    r need not be significant: iris' sepals (pooled -0.12, p 0.15; within species +0.53
    to +0.74) are the textbook case of a pooled figure that hides the groups'."""
    found = within_units(levels, min_units=2)
    if found is None:
        return None
    r_w, rows, units = found
    p_pooled = r_p_value(pooled, n - 2)
    p_within = r_p_value(r_w, rows - units - 1)
    if r_w * pooled >= 0 or p_within is None or p_within >= LEVEL_ALPHA:
        return None
    return {"pooled_p": p_pooled, "within_r": r_w, "within_p": p_within}


@hookimpl
def statharness_analyses():
    return [SimpsonsParadox()]
