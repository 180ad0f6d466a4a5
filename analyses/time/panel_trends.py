"""Trends within the units of a panel: does each state's output grow over the years?

A panel (states, firms, people observed period after period) changes in two ways: between
its units (a big state and a small one) and within each unit over time. ``trend`` tests
the mean over the units per period, which mixes both, and caps it at low. This analysis
asks what an analyst asks of a panel: in how many units does the measure rise, and how
closely does it follow time within them?

One streamed pass: per (unit, measure), the count and the exact sums of t, y, t², y², ty
(t in days; ``_shared.moments``). Each unit's direction is the sign of its own covariance
of time and the measure (exact); the within-unit (fixed-effects) correlation comes from the
same sums. Nothing per row is kept.
"""

from __future__ import annotations

import numpy as np

from pytest_statharness import (
    MEASURE_ROLES,
    Analysis,
    ColumnKind,
    MemoryModel,
    Plan,
    hookimpl,
)
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.moments import (
    covariance_sign,
    level_codes,
    level_moments,
    merge_keyed,
    pearson,
    r_p_value,
    within_slope,
    within_units,
)
from .._shared.panel import MAX_UNITS, MIN_UNIT_ROWS, time_axis, unit_columns
from .._shared.report import cap_findings
from .._shared.series import ALPHA, significant_severity

#: at most this many unit columns are read
MAX_UNIT_COLUMNS = 2
#: medium: the majority direction holds in at least this share of the units ...
MEDIUM_SHARE = 0.75
#: ... and the within-unit correlation with time is at least this strong
MEDIUM_R = 0.4
LOW_SHARE = 0.6
SHARED_MIN_MEASURES = 3
#: a measure following time this closely within the units moves by construction
LOCKSTEP_R = 0.999
LOCKSTEP_RULE = (
    "|within r| >= 0.999: the measure moves in lockstep with time within every unit (an "
    "experience or an age that grows by one each period): by construction; severity at "
    "most low"
)
#: ... and so does one that grows by one per year within the units (an age, years of
#: experience) while following time at |within r| >= COUNTER_R (a few misrecorded ages
#: keep r under LOCKSTEP_R)
COUNTER_R = 0.95
COUNTER_SLOPE_TOLERANCE = 0.05
COUNTER_RULE = (
    f"grows by one per year within the units (within-unit slope 1 +/- "
    f"{COUNTER_SLOPE_TOLERANCE:g} per year, |within r| >= {COUNTER_R}): an age or years of "
    "experience counting the periods, by construction; severity at most low"
)
_US_PER_DAY = 86_400_000_000.0
_DAYS_PER_YEAR = 365.2425
COMMON_RULE = (
    "the same values in every unit, period by period (identical exact sums in each unit): "
    "one common series repeated per unit (a national price index beside the states), whose "
    "trend is not the units'; severity at most low"
)

SHARED_RULE = (
    "3 or more measures trending within most units of the same column are reported once "
    "(medium, strongest first); each one's own finding is low"
)


class PanelTrends(Analysis):
    id = "panel_trends"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    family = "time"
    associative_merge = True  # per-unit exact sums add up in any order (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = f"six exact sums per (unit, measure), up to {MAX_UNITS} units"
    title = "Trends within the units of a panel"
    requires = (ColumnKind.TIMESTAMP,)
    roles = MEASURE_ROLES
    exact = True
    passes = 1
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "sign_test_p": PROBABILITY_DIGITS,
        "median_within_r": STATISTIC_DIGITS,
    }
    method = (
        "In a table with a time axis (its first timestamp column with values, a derived date "
        "included; without one, a panel's period index: consecutive whole numbers 0/1..T "
        "named as a time, each on the same number of rows, Airline's 'year' 1..15) and a column whose levels are a panel's units (a category marked as a "
        "panel's entity, an identifier keying equal-sized sets of rows, or, with a time axis of "
        "yearly/monthly/weekly/daily dates, a category of 3.."
        f"{MAX_UNITS} levels with at least {MIN_UNIT_ROWS} rows and between half and all of "
        "the distinct times in rows per level on average; the first "
        f"{MAX_UNIT_COLUMNS}): per (unit, measure), over rows with both present and finite, "
        "the count and exact sums of t (days; periods for an index), y, t², y², ty. Each unit with >= "
        f"{MIN_UNIT_ROWS} rows rises or falls by the sign of its exact covariance of t and "
        "y; sign test (scipy.stats.binomtest, two-sided, p = 0.5) of rising against falling "
        "units (sign_test_p); within-unit r: Pearson r of the deviations of t and y from "
        "their unit's means (exact rational sums), p_value from Student's t with rows - "
        "units - 1 df (scipy.stats.t). Severity: medium when p_value times the (unit column, "
        f"measure) pairs tested < {ALPHA}, at least {MEDIUM_SHARE:.0%} of the units move in "
        f"the majority direction and |within r| >= {MEDIUM_R}; low from {LOW_SHARE:.0%}; "
        "else info; at most low when |within r| >= 0.999 (lockstep with time: experience, "
        "age) or when it grows by one per year within the units (slope 1 +/- 0.05 per year at "
        "|within r| >= 0.95: an age with a few misrecorded values), and when every unit holds the same values (identical exact sums: one common "
        "series, a national index repeated per state). 3 or more measures with a medium trend within the units of one column "
        "are one finding (medium, first), their own low. A unit column keying the same "
        "units as an earlier one (identical sums level by level: a state's FIPS code beside "
        "its name) is not read again"
    )
    reference = (
        "Dixon & Mood (1946), The statistical sign test, JASA 41; Wooldridge (2010), "
        "Econometric Analysis of Cross Section and Panel Data, ch. 10 (the within estimator)"
    )
    access = "streamed; one pass, exact moment sums per unit and measure"

    def plan(self, dataset, budget):
        t = time_axis(dataset)
        if t is None:
            return None
        units = unit_columns(dataset, t)[:MAX_UNIT_COLUMNS]
        measures = dataset.columns_of(ColumnKind.NUMERIC, roles=self.roles)[: budget.max_columns]
        if not units or not measures:
            return None
        return Plan((t, *units, *measures), {"time": t, "units": units, "measures": measures})

    def init(self, ctx):
        return {}

    def update(self, state, chunk, ctx):
        t = chunk.floats(ctx.params["time"])
        if ctx.dataset.kind(ctx.params["time"]) == ColumnKind.TIMESTAMP:
            t = t / _US_PER_DAY  # days; a period index counts periods already
        for g in ctx.params["units"]:
            codes, names = level_codes(chunk.table.column(g))
            for m in ctx.params["measures"]:
                state[(g, m)] = level_moments(codes, names, t, chunk.floats(m))
        return state

    def merge(self, a, b, ctx):
        return merge_keyed(a, b)

    def findings(self, ctx):
        state = ctx.previous[0]
        t = ctx.params["time"]
        results = []
        for g in _distinct_partitions(state, ctx.params["units"], ctx.params["measures"]):
            for m in ctx.params["measures"]:
                levels = state.get((g, m), {})
                results.append((g, m, self._test(levels), _common_series(levels)))
        tested = sum(1 for _, _, v, _ in results if v["p_value"] is not None)
        out = []
        for g, m, values, common in results:
            share = values["majority_share"]
            severity = significant_severity(
                values["p_value"],
                tested,
                share or 0.0,
                ((MEDIUM_SHARE, "medium"), (LOW_SHARE, "low")),
            )
            within = values["within_r"]
            params = {"tests": tested, "min_unit_rows": MIN_UNIT_ROWS}
            if severity == "medium" and abs(within or 0.0) < MEDIUM_R:
                severity = "low"  # most units move one way, but time explains little
            if common and severity == "medium":
                # Cigarette's cpi: one national index repeated in every state
                severity = "low"
                params["severity_capped"] = COMMON_RULE
            elif within is not None and abs(within) >= LOCKSTEP_R and severity == "medium":
                # experience, age, a counter: one more each period in every unit
                severity = "low"
                params["severity_capped"] = LOCKSTEP_RULE
            elif (
                severity == "medium"
                and within is not None
                and abs(within) >= COUNTER_R
                and self._counts_years(ctx, state.get((g, m), {}))
            ):
                # LaborSupply's age: +1 a year in 531 of 532 people, a few ages misrecorded
                severity = "low"
                params["severity_capped"] = COUNTER_RULE
            word = "rises" if values["units_up"] >= values["units_down"] else "falls"
            majority = max(values["units_up"], values["units_down"])
            if values["units_up"] + values["units_down"] == 0:
                title = f"{m!r} does not change within the levels of {g!r} over {t!r}"
            else:
                title = (
                    f"{m!r} {word} within {majority} of {values['units']} levels of {g!r} "
                    f"over {t!r}" + (f" (within r = {within:+.2f})" if within is not None else "")
                )
            out.append(
                ctx.finding(
                    kind="panel_trend",
                    title=title,
                    subject={"time_column": t, "series": m, "unit_column": g},
                    values=values,
                    units={
                        "units": "count",
                        "units_up": "count",
                        "units_down": "count",
                        "units_flat": "count",
                        "majority_share": "ratio",
                        "p_value": "probability",
                        "sign_test_p": "probability",
                        "within_r": "coefficient",
                        "median_within_r": "coefficient",
                        "n": "count",
                    },
                    severity=severity,
                    columns=[t, g, m],
                    parameters=params,
                )
            )
        return cap_findings(ctx, self._shared(ctx, t, out, tested))

    @staticmethod
    def _counts_years(ctx, levels: dict) -> bool:
        """Whether the measure grows by one per year within the units (time in days for a
        timestamp, else in its own units: a year column)."""
        slope = within_slope(levels)
        if slope is None:
            return False
        if ctx.dataset.kind(ctx.params["time"]) == ColumnKind.TIMESTAMP:
            slope *= _DAYS_PER_YEAR
        elif ctx.dataset.column(ctx.params["time"]).role_detail != "year":
            return False
        return abs(slope - 1.0) <= COUNTER_SLOPE_TOLERANCE

    @staticmethod
    def _test(levels: dict) -> dict:
        signs = [covariance_sign(v) for v in levels.values() if v[0] >= MIN_UNIT_ROWS]
        up = sum(1 for s in signs if s > 0)
        down = sum(1 for s in signs if s < 0)
        found = within_units(levels)
        rs = [r for v in levels.values() if v[0] >= MIN_UNIT_ROWS and (r := pearson(v)) is not None]
        values = {
            "units": len(signs),
            "units_up": up,
            "units_down": down,
            "units_flat": len(signs) - up - down,
            "majority_share": max(up, down) / (up + down) if up + down else None,
            "sign_test_p": float(stats.binomtest(max(up, down), up + down, 0.5).pvalue)
            if up + down
            else None,
            # the within-unit r against zero (rows - units - 1 df): 10 firms cannot make a
            # sign test small, 200 firm-years can
            "p_value": r_p_value(found[0], found[1] - found[2] - 1) if found else None,
            "within_r": found[0] if found else None,
            "median_within_r": float(np.median(rs)) if rs else None,
            "n": int(sum(v[0] for v in levels.values())),
        }
        return values

    @staticmethod
    def _shared(ctx, t: str, out: list[dict], tested: int) -> list[dict]:
        by_unit: dict[str, list[dict]] = {}
        for f in out:
            if f["severity"] == "medium":
                by_unit.setdefault(f["subject"]["unit_column"], []).append(f)
        shared = []
        for g, members in by_unit.items():
            if len(members) < SHARED_MIN_MEASURES:
                continue
            members.sort(
                key=lambda f: (
                    -abs(f["measurement"]["values"]["within_r"] or 0.0),
                    f["subject"]["series"],
                )
            )
            for f in members:
                f["severity"] = "low"
                f["evidence"]["parameters"]["severity_capped"] = SHARED_RULE
            names = [f["subject"]["series"] for f in members]
            falling = [
                f["subject"]["series"]
                for f in members
                if f["measurement"]["values"]["units_up"] < f["measurement"]["values"]["units_down"]
            ]
            rising = [n for n in names if n not in falling]
            if not falling or not rising:
                direction = "up" if rising else "down"
            else:  # name the fewer (the one that falls while the rest rise), ties to 'down'
                word, minority = (
                    ("down", falling) if len(falling) <= len(rising) else ("up", rising)
                )
                direction = (
                    f"{len(rising)} up, {len(falling)} down; {word}: "
                    + ", ".join(repr(n) for n in minority[:3])
                    + (", ..." if len(minority) > 3 else "")
                )
            shared.append(
                ctx.finding(
                    kind="shared_panel_trend",
                    title=(
                        f"{len(names)} measures trend within most levels of {g!r} over {t!r} "
                        f"({direction}; strongest: {names[0]!r})"
                    ),
                    subject={"time_column": t, "series": names, "unit_column": g},
                    values={"measures_trending": len(names), "tests": tested},
                    units={"measures_trending": "count", "tests": "count"},
                    severity="medium",
                    columns=[t, g, *names],
                    parameters={"rule": SHARED_RULE},
                )
            )
        return shared + out


def _common_series(levels: dict) -> bool:
    """Whether every unit (of MIN_UNIT_ROWS rows or more, two or more units) holds the same
    exact sums: one series repeated per unit, period by period."""
    sums = [tuple(v) for v in levels.values() if v[0] >= MIN_UNIT_ROWS]
    return len(sums) >= 2 and len(set(sums)) == 1


def _distinct_partitions(state: dict, units: list[str], measures: list[str]) -> list[str]:
    """The unit columns that key groups of their own: a second column keying the same groups
    as an earlier one (a state's name and its FIPS code, a state and its postal code) gives
    the same sums level by level and would repeat every finding. Rated FALSE twice: texas'
    statefip beside state, munnell's ST_ABB beside STATE."""
    seen: set = set()
    out = []
    for g in units:
        partition = tuple(
            tuple(sorted(tuple(v) for v in state.get((g, m), {}).values())) for m in measures
        )
        if partition in seen:
            continue
        seen.add(partition)
        out.append(g)
    return out


@hookimpl
def statharness_analyses():
    return [PanelTrends()]
