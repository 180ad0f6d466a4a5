"""Values piled up at a measure's maximum or minimum: a cap, a floor or a missing-value code.

Boston's median home value stops at 50.0 on 16 rows (the survey top-coded it), and its
``black`` index at 396.9 on 121 rows; a lab value piles up at its detection limit; a
survey writes -999 or 9999 for "not known". A continuous measure holds each value on a
row or two, so a spike exactly at one end of its range is no effect of the world: it is
how the value was recorded, and means, correlations and tail statistics of the column are
biased by it. ``outliers`` calls such a spike a "tail"; this analysis names it.

One streamed pass keeps, per column, the largest and the smallest finite value and how
many rows hold each (exact; states merge by comparing the extremes). The expected
multiplicity of a value is the column's rows over its distinct values (the dataset's own
scan), an upper bound when that count is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass

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

#: a column is screened when it has at least this many distinct values (a continuous
#: measure; a 1..5 rating piles up at 5 by design) ...
MIN_DISTINCT = 20
#: ... and at least this many finite values
MIN_VALUES = 50
#: a spike: at least this many rows at the extreme ...
MIN_ROWS = 5
#: ... at least this share of the values ...
MIN_SHARE = 0.005
#: ... and this many times the column's average rows per distinct value
MIN_RATIO = 5.0
#: numbers surveys and exports write for "not known": at an extreme, a code, not a value
SENTINELS = frozenset(
    {-9.0, -99.0, -999.0, -9999.0, -99999.0, 99.0, 999.0, 9999.0, 99999.0, 999999.0, 9999999.0}
)


@dataclass(slots=True)
class _Ends:
    """One column's pass state: finite values, and each extreme with its row count."""

    n: int = 0
    top: float | None = None
    at_top: int = 0
    bottom: float | None = None
    at_bottom: int = 0


def _merge_end(v1, c1, v2, c2, larger: bool) -> tuple[float | None, int]:
    if v1 is None:
        return v2, c2
    if v2 is None or v1 == v2:
        return v1, c1 + (c2 if v2 is not None else 0)
    better = v1 > v2 if larger else v1 < v2
    return (v1, c1) if better else (v2, c2)


class CappedValues(Analysis):
    id = "capped_values"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "two extremes and their counts per column"
    family = "quality"
    title = "Values piled up at a measure's maximum or minimum (a cap, a floor, a code)"
    requires = (ColumnKind.NUMERIC,)
    roles = MEASURE_ROLES
    exact = True
    passes = 1
    method = (
        "per numeric measure with at least "
        f"{MIN_DISTINCT} distinct values (the dataset's scan) and {MIN_VALUES} finite values: "
        "the largest and smallest finite value and the exact number of rows holding each. "
        f"An end is piled up when at least {MIN_ROWS} rows and {MIN_SHARE:.1%} of the values "
        f"sit exactly on it, and at least {MIN_RATIO:g} times the column's rows per distinct "
        "value (finite values / distinct values: what a value holds on average). A minimum "
        "of 0 is never reported (zeros are a quantity's floor: nothing bought, no rain). "
        "Severity: high when the value is a missing-value code (-9, -99, -999, -9999, "
        "-99999, 99, 999, 9999, 99999, 999999, 9999999: 'not known' written as a number), "
        "else medium (a cap or a floor: top-coded, censored, clipped or at a detection "
        "limit; the column's mean, spread and correlations are biased by it). One info "
        "summary per analysis"
    )
    reference = (
        "Tobin (1958), Estimation of relationships for limited dependent variables, "
        "Econometrica 26 (censored values); Rahm & Do (2000), Data cleaning: problems and "
        "current approaches, IEEE Data Eng. Bull. 23(4) (missing-value codes)"
    )
    access = "streamed; one pass over the screened columns"

    def plan(self, dataset, budget):
        screened = []
        for c in dataset.columns_of(*self.requires, roles=self.roles):
            info = dataset.column(c)
            if info.distinct_at_least >= MIN_DISTINCT:
                screened.append(c)
        if not screened:
            return None
        kept = screened[: budget.max_columns]
        left = screened[len(kept) :]
        return Plan(
            tuple(kept),
            {"distinct": {c: dataset.column(c).distinct_at_least for c in kept}},
            {"columns": left, "cap": "max_columns"} if left else {},
        )

    def init(self, ctx):
        return {c: _Ends() for c in ctx.columns}

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            data = chunk.floats(c)
            values = data[np.isfinite(data)]
            if not values.size:
                continue
            top, bottom = float(values.max()), float(values.min())
            part = _Ends(
                int(values.size),
                top,
                int(np.count_nonzero(values == top)),
                bottom,
                int(np.count_nonzero(values == bottom)),
            )
            state[c] = self._merge_one(state[c], part)
        return state

    @staticmethod
    def _merge_one(a: _Ends, b: _Ends) -> _Ends:
        top, at_top = _merge_end(a.top, a.at_top, b.top, b.at_top, larger=True)
        bottom, at_bottom = _merge_end(a.bottom, a.at_bottom, b.bottom, b.at_bottom, larger=False)
        return _Ends(a.n + b.n, top, at_top, bottom, at_bottom)

    def merge(self, a, b, ctx):
        return {c: self._merge_one(a[c], b[c]) for c in ctx.columns}

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        for c in ctx.columns:
            s = state[c]
            if s.n < MIN_VALUES:
                continue
            distinct = ctx.params["distinct"][c]
            per_value = s.n / max(distinct, 1)
            # whole-number counts pile up at their low end by nature (most firms have one
            # patent, most patients one node): only their top is read
            count = ctx.dataset.role(c) == ColumnRole.COUNT
            for end, value, rows in (
                ("maximum", s.top, s.at_top),
                ("minimum", s.bottom, s.at_bottom),
            ):
                if value is None or (end == "minimum" and (value == 0 or count)):
                    continue
                if end == "maximum" and value in (1.0, 100.0) and (s.bottom or 0) >= 0:
                    continue  # a share's or a percentage's own bound (all owners, 100%)
                if rows < MIN_ROWS or rows < MIN_SHARE * s.n or rows < MIN_RATIO * per_value:
                    continue
                code = value in SENTINELS
                what = (
                    "a missing-value code written as a number?"
                    if code
                    else (
                        "a cap (top-coded or censored values)"
                        if end == "maximum"
                        else "a floor (clipped, or a detection limit)"
                    )
                )
                out.append(
                    ctx.finding(
                        kind="capped_values",
                        title=f"{rows} rows of {c!r} sit at its {end} {value:g} ({rows / s.n:.1%}): {what}",
                        subject={"column": c, "end": end},
                        values={
                            "value": value,
                            "rows_at_value": rows,
                            "share": rows / s.n,
                            "values": s.n,
                            "distinct_values": distinct,
                            "ratio_to_average": rows / per_value,
                        },
                        units={
                            "value": "value",
                            "rows_at_value": "count",
                            "share": "ratio",
                            "values": "count",
                            "distinct_values": "count",
                            "ratio_to_average": "ratio",
                        },
                        severity="high" if code else "medium",
                        columns=[c],
                    )
                )
        flagged = len({f["subject"]["column"] for f in out})
        out.append(
            ctx.finding(
                kind="capped_values_screen",
                title=f"Cap screen: {flagged} of {len(ctx.columns)} measures piled up at an end",
                subject={"columns": list(ctx.columns)},
                values={"columns_screened": len(ctx.columns), "columns_flagged": flagged},
                units={"columns_screened": "count", "columns_flagged": "count"},
                severity="info",
                columns=list(ctx.columns),
            )
        )
        return out


@hookimpl
def statharness_analyses():
    return [CappedValues()]
