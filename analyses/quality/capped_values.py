"""Values piled up at a measure's maximum or minimum: a cap, a floor or a missing-value code.

Boston's median home value stops at 50.0 on 16 rows (the survey top-coded it), and its
``black`` index at 396.9 on 121 rows; a lab value piles up at its detection limit; a
survey writes -999 or 9999 for "not known". A continuous measure holds each value on a
row or two, so a spike exactly at one end of its range is no effect of the world: it is
how the value was recorded, and means, correlations and tail statistics of the column are
biased by it. ``outliers`` calls such a spike a "tail"; this analysis names it.

One streamed pass keeps, per column, the largest and the smallest finite value and how
many rows hold each, the extremes of the values that are no missing-value code, and the
rows per code (exact; states merge by comparing the extremes and adding counts). The expected
multiplicity of a value is the column's rows over its distinct values (the dataset's own
scan), an upper bound when that count is a lower bound.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
from pytest_statharness.dataset.missing_codes import (
    MIN_CODE_ROWS,
    PLACEHOLDER_MAGNITUDE,
    beyond_codes,
    code_mask,
    is_code,
)

from .._shared.panel import time_axis

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
#: a maximum repeated on this many rows or more ...
FAR_TOP_MIN_ROWS = 2
#: ... at least this many times the next value below it is a top code or a sentinel
FAR_TOP_RATIO = 5.0
FAR_TOP_RULE = (
    f"a maximum held by {FAR_TOP_MIN_ROWS} or more rows and at least {FAR_TOP_RATIO:g} "
    "times every other value: measured values seldom repeat exactly that far beyond the "
    "rest; a survey's top code (the mean of the top values written on each of their rows) "
    "or a sentinel does. Severity medium"
)
#: a spike at zero: at least this share of a measure's values (with MIN_DISTINCT values
#: or more) are exactly 0
ZERO_SPIKE_SHARE = 0.10
ZERO_SPIKE_NAMED = 5
#: ... and the zeros at least this many times the rows of the next smallest value
ZERO_SPIKE_OVER_NEXT = 2
ZERO_SPIKE_RULE = (
    f"at least {ZERO_SPIKE_SHARE:.0%} of a measure's values (one with {MIN_DISTINCT} or more "
    f"distinct values) are exactly 0, at least {ZERO_SPIKE_OVER_NEXT} times as many as hold "
    "its next smallest value (a count decaying from a mode of 0 is no spike): two populations in one column (those who do not work "
    "beside the hours of those who do; zero earnings), or 0 written for 'not recorded'. "
    "Means, spreads and correlations mix them: check what 0 means, and model the zeros "
    "apart (a hurdle or a two-part model). One finding per table, medium"
)

#: the largest distinct values tracked per column (a count's tail)
TAIL_VALUES = 4
#: a top code read from a tail: the maximum holds at least this many rows, this share of
#: the values, and this many times the rows of the value below it
RISING_TOP_MIN_ROWS = 20
RISING_TOP_MIN_SHARE = 0.005
RISING_TOP_RATIO = 1.5
RISING_TOP_RULE = (
    f"whole numbers whose {TAIL_VALUES} largest values are consecutive, the rows falling "
    f"from the fourth largest to the second while the maximum holds at least "
    f"{RISING_TOP_RATIO:g} times the second's rows (and {RISING_TOP_MIN_ROWS} rows, "
    f"{RISING_TOP_MIN_SHARE:.1%} of the values), counted from 0: a tail that thins out and rises again at "
    "its end, the values of the maximum or more written as the maximum (GSS's kids: 8 on "
    "163 rows against 100 at 7, 208 at 6: '8 or more'); medium. Not a maximum of 1, 10 or "
    "100, a code, or the bound of the calendar unit a column is named after"
)

#: an end held by one unbroken stretch of rows is medium from this share of the values
STRETCH_MEDIUM_SHARE = 0.05
STRETCH_RULE = (
    "in a table with a time axis (rows in time order), an end held by one unbroken stretch "
    "of rows (its first and last row as many rows apart as it holds) is one value carried "
    "over: an annual figure repeated each month, a fixed price, a stale feed "
    "(commodity_prices' Brent oil at 1.21 for the 12 months of 1970), not a clip; medium "
    f"from {STRETCH_MEDIUM_SHARE:.0%} of the values, else low"
)

#: columns with this many distinct values or more are screened for codes (a count of
#: children 0..10 with 98 and 99 is one)
MIN_CODE_DISTINCT = 3


@dataclass(slots=True)
class _Ends:
    """One column's pass state: finite values, each extreme with its row count, the
    extremes of the values that are no code, and the rows holding each code."""

    n: int = 0
    top: float | None = None
    at_top: int = 0
    bottom: float | None = None
    at_bottom: int = 0
    plain_top: float | None = None
    plain_bottom: float | None = None
    codes: dict = field(default_factory=dict)
    #: the second-smallest value and its rows: a spike at the bottom towers over it
    second: float | None = None
    at_second: int = 0
    #: the largest value below the top (a lone 9 beyond a 1..5 rating scale) and its rows
    below_top: float | None = None
    at_below_top: int = 0
    #: finite values that are whole numbers: a rating scale with a few imputed fractions
    whole: int = 0
    #: the smallest and largest whole value, and the values that are no multiple of 1/4
    #: (arbitrary fractions: imputed or computed, not a half point of a rating)
    whole_min: float | None = None
    whole_max: float | None = None
    odd: int = 0
    #: the first and last row (dataset-wide positions) holding the top and the bottom: an
    #: end held by one unbroken stretch of rows is a value carried over, not a clip
    top_rows: tuple[int, int] | None = None
    bottom_rows: tuple[int, int] | None = None
    #: the TAIL_VALUES largest distinct values and their rows: exact after any merge (a
    #: value among the largest overall is among the largest of every part holding it)
    tail: dict = field(default_factory=dict)


def _rows_per_value(*pairs: tuple[float | None, int]) -> dict[float, int]:
    """(value, rows) pairs of two states' ends, the rows of equal values added."""
    out: dict[float, int] = {}
    for v, k in pairs:
        if v is not None:
            out[v] = out.get(v, 0) + k
    return out


def _merge_rows(v1, r1, v2, r2, larger: bool) -> tuple[int, int] | None:
    """The first and last row of the merged end (the rows of both sides when they hold
    the same value, else those of the side whose end wins)."""
    if v1 is None:
        return r2
    if v2 is None:
        return r1
    if v1 == v2:
        return (min(r1[0], r2[0]), max(r1[1], r2[1]))
    better = v1 > v2 if larger else v1 < v2
    return r1 if better else r2


def _merge_end(v1, c1, v2, c2, larger: bool) -> tuple[float | None, int]:
    if v1 is None:
        return v2, c2
    if v2 is None or v1 == v2:
        return v1, c1 + (c2 if v2 is not None else 0)
    better = v1 > v2 if larger else v1 < v2
    return (v1, c1) if better else (v2, c2)


#: the answer codes a questionnaire writes past its scale ("don't know", "no answer")
SCALE_CODES = (8.0, 9.0, 88.0, 99.0)
#: a rating scale: starts at 0 or 1, tops at most at this value, few distinct values
SCALE_MAX = 7.0
SCALE_MAX_DISTINCT = 12
#: a scale answered in whole numbers, a few values imputed between them: at least this
#: share of the values whole, on a range of at most SCALE_MAX_DISTINCT
SCALE_WHOLE_SHARE = 0.9
#: the code sits at least this far past the scale's top
SCALE_GAP = 2.0
#: a scale answered in whole numbers with arbitrary fractions among its answers: at least
#: this share of whole values, and at least FRACTIONS_MIN_SHARE (and FRACTIONS_MIN_ROWS)
#: of values that are no multiple of 1/4 (a half point is a rating's own)
FRACTIONS_WHOLE_SHARE = 0.6
FRACTIONS_MIN_SHARE = 0.01
FRACTIONS_MIN_ROWS = 5
#: ... of at least this many answers (a Likert scale: 1..5, 1..7, 0..4)
FRACTIONS_MIN_ANSWERS = 5
FRACTIONS_RULE = (
    f"a rating scale answered in whole numbers (at least {FRACTIONS_WHOLE_SHARE:.0%} of the "
    f"values, from 0 or 1 to at most {SCALE_MAX:g}, at least {FRACTIONS_MIN_ANSWERS} "
    f"answers, no value more than {SCALE_GAP:g} past its whole ends, and as many of the "
    "values above the smallest whole: zeros alone make no scale) with at least "
    f"{FRACTIONS_MIN_SHARE:.0%} (and {FRACTIONS_MIN_ROWS}) values that are no multiple of "
    "1/4: imputed or computed values among the answers, often past the scale's ends; "
    "medium"
)


#: a scale's top answer is given on at least this share of the rows; a count's tail thins
#: out (Doctor's children 1..7: 4 of 485 families have 7, and one has 9: a family, no code)
SCALE_TOP_MIN_SHARE = 0.02
SCALE_RULE = (
    f"a rating scale (whole numbers from 1 to at most {SCALE_MAX:g}, at most "
    f"{SCALE_MAX_DISTINCT} distinct values) with a value of 8, 9, 88 or 99 at least "
    f"{SCALE_GAP:g} past its top, which at least {SCALE_TOP_MIN_SHARE:.0%} of the rows give "
    "(a count's tail thins out instead), every whole number of the scale given (design "
    "levels 1, 2, 4, 6, 8 are no scale): a "
    "questionnaire's 'no answer' code or a typo, averaged in as an answer; medium"
)


#: whole numbers past this magnitude are not all distinct as float64 (2**53)
FLOAT_EXACT = 2**53
INEXACT_REASON = (
    "integers past 2**53 in magnitude: their float64 values collapse (uint64 ids near "
    "2**64 read as one value, a 'cap' and a 'floor' at once), so ends cannot be counted; "
    "left out"
)


def _past_float(info) -> bool:
    """An integer column whose values reach past FLOAT_EXACT: the ends' counts, taken on
    float64, would merge neighbouring values."""
    bounds = info.value_range
    if bounds is None or "int" not in str(info.arrow_type):
        return False
    return max(abs(bounds[0]), abs(bounds[1])) > FLOAT_EXACT


class CappedValues(Analysis):
    id = "capped_values"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "two extremes and their counts per column"
    family = "quality"
    title = "Values piled up at a measure's maximum or minimum (a cap, a floor, a code)"
    requires = (ColumnKind.NUMERIC,)
    roles = MEASURE_ROLES
    reads_missing_codes = True  # it reports them: every other analysis reads nulls
    exact = True
    passes = 1
    method = (
        "per numeric measure with at least "
        f"{MIN_CODE_DISTINCT} distinct values (the dataset's scan) and {MIN_VALUES} finite "
        "values, in one exact pass: the largest and smallest finite value and the rows "
        "holding each, the largest and smallest value that is no missing-value code, and the "
        "rows holding each code (-9, -99, -999, -9999, -99999, -98, -998, 98, 99, 998, 999, "
        "9998, 9999, 99999, 999999, 9999999, and any value of magnitude "
        f"{PLACEHOLDER_MAGNITUDE:g} or more: 1e308 written for no value). Codes: those beyond "
        "twice the column's other values (above 2 x max(largest other value, 1), or below 2 "
        f"x min(smallest other value, -1)) holding {MIN_CODE_ROWS} or more rows together (a "
        "placeholder magnitude from one row) are one high finding "
        "('not known' written as a number: PSID's years of schooling 0..17 with 98 and 99). "
        f"Caps and floors, for a column with at least {MIN_DISTINCT} distinct values (not "
        f"a scale with a few imputed fractions: >= {SCALE_WHOLE_SHARE:.0%} whole values on a "
        f"range of at most {SCALE_MAX_DISTINCT}): an end "
        f"is piled up when at least {MIN_ROWS} rows and {MIN_SHARE:.1%} of the values sit "
        f"exactly on it, and at least {MIN_RATIO:g} times the column's rows per distinct "
        "value (finite values / distinct values: what a value holds on average): medium (a "
        "cap or a floor: top-coded, censored, clipped or at a detection limit; the column's "
        "mean, spread and correlations are biased by it), high when the end is itself a code. "
        f"A maximum held by {FAR_TOP_MIN_ROWS} or more rows and {FAR_TOP_RATIO:g} times the "
        "next value or more (positive, not 1 or 100, not a code) is a top code or a "
        "sentinel, whatever its share: medium, with the next value and the ratio. "
        "Not reported: a minimum of 0 (zeros are a quantity's floor: nothing bought, no "
        "rain), a maximum of 1 or 100 of a column with no negative value (a share's or a "
        "percentage's own bound), a maximum of 10 of a column with no negative value and "
        "some fractions (a measure on a scale of 10: cloud cover in tenths), a maximum at the bound of the calendar unit the column is "
        "named after (weeks 52 or 53, months 12, days 7/28..31/365/366, hours 24/168, "
        "minutes 60: weeks_reporting at 52), the minimum of a whole-number count (counts pile up at "
        "their low end by nature); these are read as one table-wide finding instead: "
        "measures with 20 or more distinct values of which at least 10% are exactly 0, twice "
        "the rows of the next smallest value (a "
        "spike at zero: the hours of those who do not work; medium, the shares in its "
        "parameters). Past a scale: "
        + SCALE_RULE
        + ". Fractions on a scale: "
        + FRACTIONS_RULE
        + ". Stretches: "
        + STRETCH_RULE
        + ". Top codes of a tail: "
        + RISING_TOP_RULE
        + ". One info summary per analysis"
    )
    reference = (
        "Tobin (1958), Estimation of relationships for limited dependent variables, "
        "Econometrica 26 (censored values); Rahm & Do (2000), Data cleaning: problems and "
        "current approaches, IEEE Data Eng. Bull. 23(4) (missing-value codes)"
    )
    access = "streamed; one pass over the screened columns"

    def plan(self, dataset, budget):
        screened = []
        inexact = []
        for c in dataset.columns_of(*self.requires, roles=self.roles):
            info = dataset.column(c)
            if _past_float(info):
                inexact.append(c)
            elif info.distinct_at_least >= MIN_CODE_DISTINCT or c in dataset.missing_codes:
                # a column whose codes the dataset reads as missing is reported, however
                # few values are left (-1.7e308 on half the rows beside one other value)
                screened.append(c)
        if not screened:
            return None
        kept = screened[: budget.max_columns]
        left = screened[len(kept) :]
        left_out: dict = {"columns": left, "cap": "max_columns"} if left else {}
        if inexact:
            left_out["past_float_precision"] = {
                "columns": inexact,
                "reason": INEXACT_REASON,
            }
        return Plan(
            tuple(kept),
            {"distinct": {c: dataset.column(c).distinct_at_least for c in kept}},
            left_out,
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
            coded = code_mask(values)
            plain = values[~coded]
            code_values, code_rows = np.unique(values[coded], return_counts=True)
            part = _Ends(
                int(values.size),
                top,
                int(np.count_nonzero(values == top)),
                bottom,
                int(np.count_nonzero(values == bottom)),
                float(plain.max()) if plain.size else None,
                float(plain.min()) if plain.size else None,
                {float(v): int(k) for v, k in zip(code_values, code_rows, strict=True)},
            )
            part.tail = _largest_values(values)
            at_top = chunk.positions_of(np.flatnonzero(data == top))
            at_bottom = chunk.positions_of(np.flatnonzero(data == bottom))
            part.top_rows = (int(at_top.min()), int(at_top.max()))
            part.bottom_rows = (int(at_bottom.min()), int(at_bottom.max()))
            above = values[values > bottom]
            if above.size:
                part.second = float(above.min())
                part.at_second = int(np.count_nonzero(above == part.second))
            under = values[values < top]
            if under.size:
                part.below_top = float(under.max())
                part.at_below_top = int(np.count_nonzero(under == part.below_top))
            whole = values == np.floor(values)
            part.whole = int(np.count_nonzero(whole))
            if part.whole:
                part.whole_min = float(values[whole].min())
                part.whole_max = float(values[whole].max())
            quarters = (values - np.floor(values)) * 4.0  # the fraction: no overflow at 1e308
            part.odd = int(np.count_nonzero(quarters != np.floor(quarters)))
            state[c] = self._merge_one(state[c], part)
        return state

    @staticmethod
    def _merge_one(a: _Ends, b: _Ends) -> _Ends:
        top, at_top = _merge_end(a.top, a.at_top, b.top, b.at_top, larger=True)
        bottom, at_bottom = _merge_end(a.bottom, a.at_bottom, b.bottom, b.at_bottom, larger=False)
        tops = [v for v in (a.plain_top, b.plain_top) if v is not None]
        bottoms = [v for v in (a.plain_bottom, b.plain_bottom) if v is not None]
        codes = dict(a.codes)
        for v, k in b.codes.items():
            codes[v] = codes.get(v, 0) + k
        lowest = _rows_per_value(
            (a.bottom, a.at_bottom), (a.second, a.at_second),
            (b.bottom, b.at_bottom), (b.second, b.at_second),
        )  # fmt: skip
        ordered = sorted(lowest)
        second = ordered[1] if len(ordered) > 1 else None
        highest = _rows_per_value(
            (a.top, a.at_top), (a.below_top, a.at_below_top),
            (b.top, b.at_top), (b.below_top, b.at_below_top),
        )  # fmt: skip
        below_top = sorted(highest)[-2] if len(highest) > 1 else None
        return _Ends(
            a.n + b.n,
            top,
            at_top,
            bottom,
            at_bottom,
            max(tops) if tops else None,
            min(bottoms) if bottoms else None,
            dict(sorted(codes.items())),
            second,
            lowest[second] if second is not None else 0,
            below_top,
            highest[below_top] if below_top is not None else 0,
            a.whole + b.whole,
            _min_of(a.whole_min, b.whole_min),
            _max_of(a.whole_max, b.whole_max),
            a.odd + b.odd,
            _merge_rows(a.top, a.top_rows, b.top, b.top_rows, larger=True),
            _merge_rows(a.bottom, a.bottom_rows, b.bottom, b.bottom_rows, larger=False),
            _merge_tail(a.tail, b.tail),
        )

    def merge(self, a, b, ctx):
        return {c: self._merge_one(a[c], b[c]) for c in ctx.columns}

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        timed = time_axis(ctx.dataset) is not None  # rows in time order: stretches mean time
        for c in ctx.columns:
            s = state[c]
            if s.n < MIN_VALUES:
                continue
            distinct = ctx.params["distinct"][c]
            per_value = s.n / max(distinct, 1)
            coded = beyond_codes(s.codes, s.plain_top, s.plain_bottom)
            if coded:
                out.append(self._codes_finding(ctx, c, s, coded))
            elif _fractions_on_scale(s):
                out.append(self._fractions_finding(ctx, c, s))
            elif ctx.dataset.role(c) == ColumnRole.COUNT and _beyond_scale(s, distinct):
                # whole numbers only: Clothing's npart (1, 1.2833, ... part-time workers) with
                # one store of 9 is a quantity
                out.append(self._scale_code_finding(ctx, c, s))
            rising = _rising_top(s) if not coded and not _calendar_bound(c, s.top or 0) else None
            if rising is not None:
                out.append(self._rising_top_finding(ctx, c, s, rising, distinct))
            if distinct < MIN_DISTINCT or _imputed_scale(s):
                continue  # a rating 1..5 piles up at 5 by design: only codes are read
            # whole-number counts pile up at their low end by nature (most firms have one
            # patent, most patients one node): only their top is read
            count = ctx.dataset.role(c) == ColumnRole.COUNT
            far = _far_top(s) if rising is None else None
            if far is not None:
                out.append(self._far_top_finding(ctx, c, s, far, distinct))
            for end, value, rows, span in (
                ("maximum", s.top, s.at_top, s.top_rows),
                ("minimum", s.bottom, s.at_bottom, s.bottom_rows),
            ):
                if value is None or (end == "minimum" and (value == 0 or count)):
                    continue
                if end == "maximum" and value in (1.0, 100.0) and (s.bottom or 0) >= 0:
                    continue  # a share's or a percentage's own bound (all owners, 100%)
                if end == "maximum" and value == 10.0 and (s.bottom or 0) >= 0 and s.whole < s.n:
                    # a measure on a scale of 10 (RailTrail's cloud cover in tenths: 10 is a
                    # full overcast, rater BI); whole counts top-coded at 10 are still read
                    continue
                if end == "maximum" and _calendar_bound(c, value):
                    continue  # 52 weeks reporting of 52: the year's own bound
                if rows < MIN_ROWS or rows < MIN_SHARE * s.n or rows < MIN_RATIO * per_value:
                    continue
                if value in coded or (end == "maximum" and (far is not None or rising)):
                    continue  # named as a code above
                code = is_code(value)
                if not code and timed and span is not None and span[1] - span[0] + 1 == rows:
                    out.append(self._stretch_finding(ctx, c, s, end, value, rows, span, distinct))
                    continue
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
                        **_pile(
                            value, rows, s.n, distinct, ratio_to_average=(rows / per_value, "ratio")
                        ),
                        severity="high" if code else "medium",
                        columns=[c],
                    )
                )
        flagged = len({f["subject"]["column"] for f in out})
        spikes = self._zero_spikes(ctx, state)
        if spikes:
            out.append(spikes)
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

    @staticmethod
    def _stretch_finding(ctx, c, s: _Ends, end: str, value, rows, span, distinct) -> dict:
        """An end held by one unbroken stretch of rows of a table in time order: a value
        carried over (an annual figure repeated each month, a fixed price), not a clip."""
        share = rows / s.n
        return ctx.finding(
            kind="capped_values",
            title=(
                f"{rows} consecutive rows of {c!r} (rows {span[0]}..{span[1]}) hold its {end} "
                f"{value:g} ({share:.1%}): one value carried over a stretch (fixed or stale), "
                "not a clip"
            ),
            subject={"column": c, "end": end},
            **_pile(
                value,
                rows,
                s.n,
                distinct,
                first_row=(span[0], "row position"),
                last_row=(span[1], "row position"),
            ),
            severity="medium" if share >= STRETCH_MEDIUM_SHARE else "low",
            columns=[c],
            parameters={"rule": STRETCH_RULE},
        )

    @staticmethod
    def _rising_top_finding(ctx, c: str, s: _Ends, tail: list, distinct: int) -> dict:
        """A whole-number maximum holding more rows than the value below it, at the end of
        a tail that falls toward it: values of the top or more written as the top."""
        (v1, c1), (v2, c2), *_ = tail
        shown = ", ".join(f"{v:g}: {k}" for v, k in reversed(tail))
        return ctx.finding(
            kind="capped_values",
            title=(
                f"{c1} rows of {c!r} hold its maximum {v1:g} against {c2} at {v2:g}, in a tail "
                f"falling toward it ({shown}): a top code ('{v1:g} or more')"
            ),
            subject={"column": c, "end": "maximum"},
            **_pile(v1, c1, s.n, distinct, next_value=(v2, "value"), rows_at_next=(c2, "count")),
            severity="medium",
            columns=[c],
            parameters={"rule": RISING_TOP_RULE, "tail": [[v, k] for v, k in tail]},
        )

    @staticmethod
    def _far_top_finding(ctx, c: str, s: _Ends, ratio: float, distinct: int) -> dict:
        return ctx.finding(
            kind="capped_values",
            title=(
                f"{s.at_top} rows of {c!r} hold the same maximum {s.top:.10g}, {ratio:.3g} times "
                f"the next value {s.below_top:.10g}: a top code (values replaced) or a sentinel"
            ),
            subject={"column": c, "end": "maximum"},
            **_pile(
                s.top,
                s.at_top,
                s.n,
                distinct,
                next_value=(s.below_top, "value"),
                ratio_to_next=(ratio, "ratio"),
            ),
            severity="medium",
            columns=[c],
            parameters={"rule": FAR_TOP_RULE},
        )

    @staticmethod
    def _zero_spikes(ctx, state: dict) -> dict | None:
        """One finding naming the measures with a spike at zero (hours of those who do not
        work, earnings of the unemployed), said once for the table."""
        shares = {}
        for c in ctx.columns:
            s = state[c]
            if s.n < MIN_VALUES or s.bottom != 0 or ctx.params["distinct"][c] < MIN_DISTINCT:
                continue
            # a spike towers over the next value; a count decaying from its mode of 0
            # (tenure in years: 26%, 17%, 14%...) has none
            if (
                s.at_bottom >= ZERO_SPIKE_SHARE * s.n
                and s.at_bottom >= ZERO_SPIKE_OVER_NEXT * s.at_second
            ):
                shares[c] = s.at_bottom / s.n
        if not shares:
            return None
        ordered = sorted(shares, key=lambda c: (-shares[c], c))
        if len(ordered) == 1:
            c = ordered[0]
            title = (
                f"{shares[c]:.0%} of {c!r} are exactly 0 beside "
                f"{ctx.params['distinct'][c] - 1} other values: a spike at zero"
            )
        else:
            named = ", ".join(f"{c!r} {shares[c]:.0%}" for c in ordered[:ZERO_SPIKE_NAMED])
            left = len(ordered) - ZERO_SPIKE_NAMED
            more = f" and {left} more" if left > 0 else ""
            title = f"Spikes at zero in {len(ordered)} measures: {named}{more}"
        return ctx.finding(
            kind="zero_spike",
            title=title,
            subject={"columns": ordered},
            values={
                "measures_with_spike": len(ordered),
                "largest_share": shares[ordered[0]],
            },
            units={"measures_with_spike": "count", "largest_share": "ratio"},
            severity="medium",
            columns=ordered,
            parameters={"rule": ZERO_SPIKE_RULE, "shares": {c: shares[c] for c in ordered}},
        )

    @staticmethod
    def _scale_code_finding(ctx, c: str, s: _Ends) -> dict:
        return ctx.finding(
            kind="scale_code",
            title=(
                f"{s.at_top} row{'s' if s.at_top > 1 else ''} of {c!r} hold{'' if s.at_top > 1 else 's'} "
                f"{s.top:g}, past its scale {s.bottom:g}..{s.below_top:g}: a 'no answer' code "
                "or a typo, averaged in as an answer?"
            ),
            subject={"column": c, "codes": [s.top]},
            values={
                "rows_with_code": s.at_top,
                "values": s.n,
                "scale_min": s.bottom,
                "scale_max": s.below_top,
            },
            units={
                "rows_with_code": "count",
                "values": "count",
                "scale_min": "value",
                "scale_max": "value",
            },
            severity="medium",
            columns=[c],
            parameters={"rule": SCALE_RULE},
        )

    @staticmethod
    def _fractions_finding(ctx, c: str, s: _Ends) -> dict:
        below = s.bottom is not None and s.bottom < s.whole_min
        above = s.top is not None and s.top > s.whole_max
        past = [f"down to {s.bottom:.4g}"] * below + [f"up to {s.top:.4g}"] * above
        return ctx.finding(
            kind="scale_fractions",
            title=f"{s.odd} values of {c!r} ({s.odd / s.n:.1%}) are fractions on a scale "
            f"answered in whole numbers {s.whole_min:g}..{s.whole_max:g}"
            + (f" ({', '.join(past)})" if past else "")
            + ": imputed or computed values among the answers?",
            subject={"column": c},
            values={
                "fractional_values": s.odd,
                "share": s.odd / s.n,
                "values": s.n,
                "whole_values": s.whole,
                "scale_min": s.whole_min,
                "scale_max": s.whole_max,
                "min": s.bottom,
                "max": s.top,
            },
            units={
                "fractional_values": "count",
                "share": "ratio",
                "values": "count",
                "whole_values": "count",
                "scale_min": "value",
                "scale_max": "value",
                "min": "value",
                "max": "value",
            },
            severity="medium",
            columns=[c],
            parameters={"rule": FRACTIONS_RULE},
        )

    @staticmethod
    def _codes_finding(ctx, c: str, s: _Ends, coded: dict[float, int]) -> dict:
        rows = sum(coded.values())
        shown = ", ".join(f"{v:g}" for v in coded)
        # the other values include sentinel-shaped ones that are no code here (a 98 beside
        # 1e308: 'largest other value 97' was said of a column reaching 98)
        kept = [v for v in s.codes if v not in coded]
        top = max([v for v in (s.plain_top, *kept) if v is not None], default=None)
        bottom = min([v for v in (s.plain_bottom, *kept) if v is not None], default=None)
        beyond = f"largest other value {top:g}" if top is not None else ""
        if any(v < 0 for v in coded) and bottom is not None:
            beyond = f"smallest other value {bottom:g}"
        read = (
            "read as missing by the other analyses"
            if c in ctx.dataset.missing_codes
            else "left as values by the dataset spec"
        )
        return ctx.finding(
            kind="missing_value_codes",
            title=f"{rows} rows of {c!r} hold {shown}, far beyond its other values ({beyond}): "
            f"missing-value codes written as numbers? ({read})",
            subject={"column": c, "codes": list(coded)},
            values={
                "rows_with_codes": rows,
                "share": rows / s.n,
                "values": s.n,
                "largest_other_value": top,
                "smallest_other_value": bottom,
            },
            units={
                "rows_with_codes": "count",
                "share": "ratio",
                "values": "count",
                "largest_other_value": "value",
                "smallest_other_value": "value",
            },
            severity="high",
            columns=[c],
            parameters={"rows_per_code": {f"{v:g}": k for v, k in coded.items()}},
        )


def _pile(value: float, rows: int, n: int, distinct: int, **extra: tuple) -> dict:
    """The values and units of a finding about rows piled on one value, with ``extra``
    values given as name=(value, unit)."""
    values = {
        "value": value,
        "rows_at_value": rows,
        "share": rows / n,
        "values": n,
        "distinct_values": distinct,
    }
    units = {
        "value": "value",
        "rows_at_value": "count",
        "share": "ratio",
        "values": "count",
        "distinct_values": "count",
    }
    for name, (v, unit) in extra.items():
        values[name], units[name] = v, unit
    return {"values": values, "units": units}


#: the most a count of calendar units can hold, by the unit its name says: a year's weeks,
#: months and days, a day's hours, an hour's minutes
CALENDAR_BOUNDS = (
    ("week", (52.0, 53.0)),
    ("month", (12.0,)),
    ("day", (7.0, 28.0, 29.0, 30.0, 31.0, 365.0, 366.0)),
    ("hour", (24.0, 168.0)),
    ("minute", (60.0,)),
)


def _calendar_bound(column: str, value: float) -> bool:
    """Whether ``value`` is the natural bound of a count of the calendar unit the column
    is named after (us_contagious_diseases' weeks_reporting at 52 on 2,036 rows: every
    week of the year reported, not top-coded)."""
    name = column.lower()
    return any(unit in name and value in bounds for unit, bounds in CALENDAR_BOUNDS)


def _far_top(s: _Ends) -> float | None:
    """How many times the next value the maximum is, when a repeated maximum stands
    FAR_TOP_RATIO times or more above every other value (nlsyV's income 1,057,448 on 3
    rows, the next 100,001: the survey's top code, the mean of the top incomes written
    on each of their rows), else None."""
    if (
        s.top is None
        or s.below_top is None
        or s.at_top < FAR_TOP_MIN_ROWS
        or s.below_top <= 0
        or s.top in (1.0, 100.0)
        or is_code(s.top)
    ):
        return None
    ratio = s.top / s.below_top
    return ratio if ratio >= FAR_TOP_RATIO else None


def _largest_values(values: np.ndarray) -> dict:
    """{value: rows} of the TAIL_VALUES largest distinct values (linear passes: no sort of
    the chunk)."""
    tail = {}
    rest = values
    for _ in range(TAIL_VALUES):
        if not rest.size:
            break
        top = rest.max()
        at = rest == top
        tail[float(top)] = int(np.count_nonzero(at))
        rest = rest[~at]
    return dict(sorted(tail.items()))


def _merge_tail(a: dict, b: dict) -> dict:
    """The TAIL_VALUES largest values of two parts, their rows added."""
    rows = dict(a)
    for v, k in b.items():
        rows[v] = rows.get(v, 0) + k
    return {v: rows[v] for v in sorted(rows)[-TAIL_VALUES:]}


def _rising_top(s: _Ends) -> list | None:
    """[(value, rows)] of the largest values, largest first, when the maximum is a top
    code read from a count's tail (see RISING_TOP_RULE), else None."""
    tail = sorted(s.tail.items(), reverse=True)
    if len(tail) < TAIL_VALUES or s.whole < s.n or s.bottom != 0:
        return None  # a count from 0 (codes 1..8 of an injury type are no tail)
    values = [v for v, _ in tail]
    rows = [k for _, k in tail]
    if any(values[i] - values[i + 1] != 1 for i in range(len(values) - 1)):
        return None  # not consecutive whole numbers
    if values[0] in (1.0, 10.0, 100.0) or is_code(values[0]):
        return None
    falling = all(rows[i] < rows[i + 1] for i in range(1, len(rows) - 1))
    if (
        falling
        and rows[0] >= RISING_TOP_MIN_ROWS
        and rows[0] >= RISING_TOP_MIN_SHARE * s.n
        and rows[0] >= RISING_TOP_RATIO * rows[1]
    ):
        return tail
    return None


def _min_of(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def _max_of(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else max(a, b)


def _fractions_on_scale(s: _Ends) -> bool:
    """immi2..immi5: party identification and ideology answered 1..7, with imputed values
    3.59, 1.94 and -0.85..8.76 among them (up to 27% of the rows): listed by four raters
    as the tables' data error, and nothing said it."""
    if s.whole_min is None or s.whole_max is None or not s.n:
        return False
    return (
        s.whole >= FRACTIONS_WHOLE_SHARE * s.n
        and s.whole_min in (0.0, 1.0)
        and FRACTIONS_MIN_ANSWERS - 1 <= s.whole_max - s.whole_min
        and s.whole_max <= SCALE_MAX
        # near the scale: a continuous rating of 0..15 with whole marks to 3 is no scale
        and s.whole_min - SCALE_GAP <= s.bottom
        and s.top <= s.whole_max + SCALE_GAP
        and s.odd >= max(FRACTIONS_MIN_ROWS, FRACTIONS_MIN_SHARE * s.n)
        and _whole_beyond_the_bottom(s)
    )


def _whole_beyond_the_bottom(s: _Ends) -> bool:
    """The values above the smallest are whole too: spam7's 'make' (a word's percentage)
    is 0 on 77% of the emails, and those zeros alone made it 'answered in whole numbers
    0..4' with 'fractions' among the answers (rater BF). A scale's answers are whole
    beyond its bottom answer as well."""
    bottom_whole = s.bottom is not None and float(s.bottom).is_integer()
    whole = s.whole - (s.at_bottom if bottom_whole else 0)
    return whole >= FRACTIONS_WHOLE_SHARE * (s.n - s.at_bottom)


def _imputed_scale(s: _Ends) -> bool:
    """immi5's party identification 1..7 with 2% imputed fractions (3.59, 1.94, -0.66):
    47 distinct values pass the cap screen, and its top answer (strong Republican, 11% of
    the rows) was called 'a cap'. Whole numbers on a short range are a scale's answers,
    whose ends are answers too."""
    if s.top is None or s.bottom is None or not s.n:
        return False
    return s.whole >= SCALE_WHOLE_SHARE * s.n and s.top - s.bottom <= SCALE_MAX_DISTINCT


def _beyond_scale(s: _Ends, distinct: int) -> bool:
    """Kakadu's 'future' (1..5) with a 9 on one row. A scale starts at 1: a count of
    children 0..7 with a family of 9 is a quantity, not a scale, and is left alone. A
    scale has every answer from 1 to its top: Car's operating cost takes the design levels
    1, 2, 4, 6 and 8 (8 the most common), no code past a scale 1..6."""
    if s.top not in SCALE_CODES or s.below_top is None or s.bottom is None:
        return False
    return (
        distinct <= SCALE_MAX_DISTINCT
        and distinct == s.below_top - s.bottom + 2  # 1..below_top all given, and the code
        and s.bottom == 1.0
        and s.below_top <= SCALE_MAX
        and s.top - s.below_top >= SCALE_GAP
        and s.at_below_top >= SCALE_TOP_MIN_SHARE * s.n
    )


@hookimpl
def statharness_analyses():
    return [CappedValues()]
