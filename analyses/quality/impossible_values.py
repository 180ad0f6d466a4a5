"""The ``impossible_values`` analysis (quality family): impossible values (negative durations,
implausible timestamps).

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, MemoryModel, Plan
from pytest_statharness.dataset.dates import DATE_BAD_MAX, DATE_BAD_SHARE, is_time_of_day
from pytest_statharness.dataset.roles import name_tokens

from .._shared.exact import (
    SelectionSet,
    float_keys,
    int_keys,
    linear_quantile,
    quantile_rank_list,
    quantile_ranks,
)
from .._shared.hist import (
    MAX_EXAMPLES,
    finite_values,
    int_values,
    smallest,
    ticks_per_day,
)
from .._shared.report import cap_findings, graded
from ._common import _display

SELECTION_PASSES = 5


# ======================================================================================
# impossible_values
# ======================================================================================
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
YEAR_DAYS = 365
NUMERIC_MIN_N = 1000
NUMERIC_MAX_NEG_SHARE = 0.001
NUMERIC_P01_OVER_P50 = 0.05
#: zeros standing for missing values: a measure with a few exact zeros (at most this share
#: of its values) ...
ZERO_MAX_SHARE = 0.05
#: ... of at least this many values ...
ZERO_MIN_N = 50
#: ... whose smallest positive value is at least this share of the positives' median
#: (the values live far from zero: a stone's length 3.7..10.7 mm, a blood pressure) ...
ZERO_GAP = 0.25
#: ... and, for whole numbers, at least this value (a count 1, 2, 3 of children reaches
#: zero in one step of its grain: zero children is a value) ...
ZERO_MIN_WHOLE = 10
#: ... and at least this many times the step from the smallest positive value to the next
#: (Hedonic's rad, the log of an index 1..24: 0, 0.69, 1.10, ... reach 0 in the grid's own
#: steps; a stone of 0 mm sits 3.73 mm below sizes 0.01 mm apart)
ZERO_STEP_RATIO = 3
#: ... or, for whole numbers under ZERO_MIN_WHOLE, the zeros outnumber the smallest
#: positive value this many times: a heap of zeros below a sparse edge (mn_police's 217
#: ages of 0 where the youngest subjects are 2 of 8 and 4 of 9 years), not the grain of a
#: count that starts low
ZERO_HEAP = 10
ZERO_RULE = (
    f"measurements and counts with no negative value, at least {ZERO_MIN_N} finite values, "
    f"exact zeros on at most {ZERO_MAX_SHARE:.0%} of them, and a smallest positive value of "
    f"at least {ZERO_GAP} times the positives' median (exact numpy linear quantile; for "
    f"whole numbers also at least {ZERO_MIN_WHOLE}, or the zeros at least {ZERO_HEAP} times "
    f"as many as that smallest value) and at least {ZERO_STEP_RATIO} times "
    "the step from it to the next positive value (zero does not continue the values' own "
    "grid: the log of an index 1, 2, 3 is 0 at 1): the values live far from zero, so "
    "the zeros are placeholders for missing values (diamonds' x, y, z of 0 mm; a blood "
    "pressure of 0), which means and models read as measurements; severity high from 1% "
    "of the values, else medium"
)
INFINITE_RULE = (
    "numeric columns: +inf and -inf values (no measurement is infinite: a division by zero "
    "or an overflow wrote them; every analysis leaves them out, counted as non-finite), "
    "severity high when >= 1% of the non-null values, else medium"
)


#: a percentage or an age checked against its scale from this many values
SCALE_MIN_N = 20
#: ... when at most this share of them (at least one value) lies beyond it: the rest
#: keep to the scale, so the few beyond are errors, not another unit
SCALE_MAX_SHARE = 0.01
#: name tokens of a percentage (College's 'Grad.Rate', 'pctstu', 'prcfat', 'share_%')
PERCENT_TOKENS = ("pct", "perc", "prc")
PERCENT_WORDS = {"rate", "share", "percent", "percentage", "pc"}
#: ... and a 'rate' or 'share' has at least this share of its values at 90 or more
SCALE_TOP_SHARE = 0.05
SCALE_RULE = (
    f"a measure named as a percentage (a name token starting pct/perc/prc or a '%' in the "
    f"name; or the words rate, share, percent, pc with at least {SCALE_TOP_SHARE:.0%} of the "
    f"values at 90 or more) with no negative value, at least {SCALE_MIN_N} values and "
    f"at most {SCALE_MAX_SHARE:.0%} of them (at least one) above 100; or named 'age' with at "
    f"most {SCALE_MAX_SHARE:.0%} above 100 and some above 120 (no person's age in years): "
    "the rest keep to the scale, so the few beyond it are errors of entry or of units "
    "(College's graduation rate of 118%, a patient aged 138); medium for a percentage, "
    "high for an age, the rows cited"
)
OVER_LISTS = ("over_100_examples", "over_120_examples", "over_values")


#: names of quantities that cannot be negative: a person's age, a price, a body's
#: weight, a stay's length, a turnaround time. A few negative values among them (at most
#: NAMED_NEGATIVE_MAX_SHARE) are data errors; many are a centred or differenced column
NON_NEGATIVE_NAMES = {
    "age", "price", "weight", "wt", "height", "length", "width", "area", "distance",
    "duration", "los", "tat", "salary", "wage", "wages", "earnings", "sqft", "population",
    "pop", "volume", "mass", "bmi", "count", "cnt",
    # years of work: CPS1988's experience (age - education - 6) below 0 on 438 rows
    "experience", "exper", "tenure",
}  # fmt: skip
NAMED_NEGATIVE_MAX_SHARE = 0.005
#: ... and at most this many rows: typos are rare; plm's Males 'wage' (a log wage, 43
#: negative values of 4360) is a column on a log scale
NAMED_NEGATIVE_MAX_ROWS = 20
#: ... or up to this share when the negatives stay small beside the positives (the most
#: negative within SMALL_NEGATIVE_RATIO of the largest): a quantity computed from others
#: that went below zero (potential experience = age - education - 6), not a centred column
SMALL_NEGATIVE_MAX_SHARE = 0.05
SMALL_NEGATIVE_RATIO = 0.1
NAMED_NEGATIVE_RULE = (
    "a measure named as a quantity that cannot be negative ("
    + ", ".join(sorted(NON_NEGATIVE_NAMES))
    + f") with at least {SCALE_MIN_N} values of which a few are negative (at most "
    f"{NAMED_NEGATIVE_MAX_SHARE:.1%} and {NAMED_NEGATIVE_MAX_ROWS} rows, at least one; or up "
    f"to {SMALL_NEGATIVE_MAX_SHARE:.0%} when the most negative is within "
    f"{SMALL_NEGATIVE_RATIO:g} x the largest value: a quantity computed from others that "
    "went below zero): a sign typed wrongly, a code for 'not known' (-1), or a formula "
    "applied where it does not hold; high (more or larger negatives are a centred, "
    "differenced or logged column: no finding)"
)


def _non_negative_name(tokens: set[str]) -> str | None:
    """The word of ``tokens`` naming a quantity that cannot be negative, or None."""
    found = sorted(tokens & NON_NEGATIVE_NAMES)
    return found[0] if found else None


def _percent_named(name: str, tokens: set[str], strict: bool = False) -> bool:
    """Whether a name says percentage; ``strict``: by a '%' or a pct/perc/prc token alone
    (not the words rate, share, pc, which name other quantities too)."""
    if "%" in name or any(t.startswith(PERCENT_TOKENS) for t in tokens):
        return True
    return not strict and bool(tokens & PERCENT_WORDS)


def _over_scale(vals: np.ndarray, rows: np.ndarray) -> dict:
    """Counts, first rows and largest values of a chunk's values above 100 and 120."""
    above = np.flatnonzero(vals > 100)
    beyond = above[vals[above] > 120]
    return {
        "near_100": int(np.count_nonzero((vals >= 90) & (vals <= 100))),
        "over_100": int(above.size),
        "over_120": int(beyond.size),
        "over_100_examples": rows[above[:MAX_EXAMPLES]].tolist(),
        "over_120_examples": rows[beyond[:MAX_EXAMPLES]].tolist(),
        "over_values": np.unique(vals[above])[-MAX_EXAMPLES:].tolist(),
    }


def _no_over() -> dict:
    """The counts of :func:`_over_scale` for no values (a column that is no number)."""
    return _over_scale(np.empty(0), np.empty(0, dtype=np.int64))


def _infinities(chunk, column: str) -> tuple[int, int, list[int]]:
    """(+inf count, -inf count, first dataset-wide rows of either) of one chunk's column."""
    data = chunk.floats(column)
    at = np.flatnonzero(np.isinf(data))
    positive = int(np.count_nonzero(data[at] > 0))
    return positive, int(at.size) - positive, (at[:MAX_EXAMPLES] + chunk.row_start).tolist()


def _two_smallest(values: np.ndarray) -> list[list[float]]:
    """[value, count] of the two smallest distinct values (fewer when there are fewer),
    ascending: the count of the smallest says whether zeros heap up below it."""
    if not values.size:
        return []
    first = float(values.min())
    rest = values[values > first]
    out = [[first, int(np.count_nonzero(values == first))]]
    if rest.size:
        second = float(rest.min())
        out.append([second, int(np.count_nonzero(rest == second))])
    return out


def _merge_smallest(a: list[list[float]], b: list[list[float]]) -> list[list[float]]:
    """The two smallest [value, count] of both sides, counts of a value on both summed."""
    counts: dict[float, int] = {}
    for value, count in (*a, *b):
        counts[value] = counts.get(value, 0) + int(count)
    return [[v, counts[v]] for v in sorted(counts)[:2]]


#: dates before 1900 are history, not errors, when they take at least this many distinct
#: values ...
HISTORY_MIN_DISTINCT = 4
#: ... and run on into the 1900s with no gap longer than this many years: Canada's
#: senators appointed from 1867 on. A sentinel (1899-12-30, 1800-01-01) is one value; a
#: typo (1019 for 2019) lies centuries before the bulk
HISTORY_MAX_GAP_YEARS = 10
HISTORY_KEYS = ("early", "early_max", "modern_min")


def _extreme(pick, a: int | None, b: int | None) -> int | None:
    return a if b is None else b if a is None else pick(a, b)


def _historical(s: dict) -> bool:
    """The column's dates before 1900 are a record reaching back in time: several distinct
    dates, continuous with those from 1900 on (or no date from 1900 on at all)."""
    if len(s.get("early", ())) < HISTORY_MIN_DISTINCT or s["type"] is None:
        return False
    if s["modern_min"] is None:
        return True
    gap = s["modern_min"] - s["early_max"]
    return gap <= HISTORY_MAX_GAP_YEARS * YEAR_DAYS * ticks_per_day(s["type"])


def _earliest_count(typ: pa.DataType) -> int:
    """1900-01-01T00:00Z in the type's integer counts since the epoch."""
    days = (EARLIEST.date() - dt.date(1970, 1, 1)).days
    return days * ticks_per_day(typ)


def _share_finding(
    ctx,
    c: str,
    *,
    kind: str,
    title: str,
    base: tuple[dict, dict],
    measured: dict[str, tuple],
    share: float,
    example_rows,
    rule: str,
    severity: str | None = None,
    parameters: dict | None = None,
) -> dict:
    """A finding about some values of column ``c``: the column's base values and units,
    plus ``measured`` (name -> (value, unit)); high from 1% of the values, else medium
    (or ``severity``); ``parameters`` beside the rule."""
    values, units = base
    return ctx.finding(
        kind=kind,
        title=title,
        subject={"column": c},
        values={**values, **{k: v for k, (v, _) in measured.items()}},
        units={**units, **{k: u for k, (_, u) in measured.items()}},
        severity=severity or graded(share, ((0.01, "high"),), "medium"),
        columns=[c],
        example_rows=example_rows,
        parameters={"rule": rule, **(parameters or {})},
    )


NO_DATE_RULE = (
    "values of a column of dates (times of day) shaped like its layout but no calendar date "
    f"(a 30 February, a 13th month; '25:99:00'; at most {DATE_BAD_MAX} and {DATE_BAD_SHARE:.0%} of the "
    "values, found by the typing scan) are read as missing: a data error at the source; high"
)


class ImpossibleValues(Analysis):
    id = "impossible_values"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "counts and radix-selection buckets per column"
    family = "quality"
    title = "Impossible values (negative durations, implausible timestamps)"
    requires = (ColumnKind.DURATION, ColumnKind.TIMESTAMP, ColumnKind.NUMERIC)
    exact = True
    passes = 2 + SELECTION_PASSES
    method = (
        "duration columns: values < 0 (severity high when >= 1% of values, else medium). "
        "Dates written as text: " + NO_DATE_RULE + ". "
        "timestamp/date columns: values before 1900-01-01T00:00 UTC (unless they are a "
        f"record reaching back in time: >= {HISTORY_MIN_DISTINCT} distinct such dates, the "
        f"latest of them at most {HISTORY_MAX_GAP_YEARS} years before the first date from "
        "1900 on; and not for yearly or monthly dates, a historical series' own: "
        "historical_time_columns), or later than P99 + "
        f"max({YEAR_DAYS} days, P99 - P1), with P1/P99 the column's own exact order statistics "
        "(numpy 'lower' method, multi-pass radix selection on the integer counts) (severity "
        "high when >= 1%, else medium). numeric columns (conservative): values < 0 are "
        f"reported (severity low) only when the column has >= {NUMERIC_MIN_N} finite values, "
        f"at most {NUMERIC_MAX_NEG_SHARE:.1%} of them negative, and its values pile up against "
        f"zero: 0 <= P1 <= {NUMERIC_P01_OVER_P50} * P50 (exact numpy linear quantiles) — a "
        "Gaussian-like column with a soft tail below zero never qualifies (its P1/P50 >= 0.24 "
        "when <= 0.1% is negative); "
        + INFINITE_RULE
        + "; zeros far below the bulk: "
        + ZERO_RULE
        + "; negative values of a quantity named so that it cannot be negative: "
        + NAMED_NEGATIVE_RULE
        + "; values beyond their scale: "
        + SCALE_RULE
        + ". example_rows: the first 20 offending rows"
    )
    reference = (
        "Rahm & Do (2000), Data cleaning: problems and current approaches, IEEE Data Eng. Bull. "
        "23(4); Hyndman & Fan (1996), Sample quantiles in statistical packages, Am. Stat. 50(4)"
    )
    access = (
        "streamed; pass 1 counts, 1-5 selection passes (P1/P50/P99), 1 pass for late timestamps"
    )

    def plan(self, dataset, budget):
        plan = super().plan(dataset, budget)
        if plan is None:
            return None
        # Historical series (yearly or monthly dates, dates made of a year column) reach back
        # before 1900 legitimately: only their late dates are checked (a year 2150 typed
        # among 1950..2020 is still one)
        historical = [
            c
            for c in plan.columns
            if dataset.kind(c) == ColumnKind.TIMESTAMP
            and dataset.column(c).role_detail in ("year", "month")
        ]
        kinds = {c: str(dataset.kind(c)) for c in plan.columns}
        params: dict = {"kinds": kinds}
        if historical:
            params["historical_time_columns"] = historical
        return Plan(plan.columns, params, dict(plan.left_out))

    def _kind(self, ctx, c) -> str:
        return ctx.params["kinds"][c]

    @staticmethod
    def _run(ctx):
        return ctx.previous[0] if ctx.previous else None

    def columns_for_pass(self, ctx):
        run = self._run(ctx)
        if run is None:
            return ctx.columns
        if run["phase"] == "select":
            return sorted(
                set(run["ts_sel"].pending()) | set(run["num_sel"].pending()), key=ctx.columns.index
            )
        return [c for c in ctx.columns if c in run["upper"]]

    def init(self, ctx):
        run = self._run(ctx)
        if run is None:
            return {
                c: {
                    "n": 0,
                    "nulls": 0,
                    "bad": 0,
                    "examples": [],
                    "type": None,
                    "posinf": 0,
                    "neginf": 0,
                    "inf_examples": [],
                    "zeros": 0,
                    "fractional": 0,
                    "zero_examples": [],
                    "low_positives": [],
                    **_no_over(),
                    "early": [],
                    "early_max": None,
                    "modern_min": None,
                }
                for c in ctx.columns
            }
        if run["phase"] == "select":
            return {"ts": {}, "num": {}}
        return {c: {"late": 0, "examples": []} for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        run = self._run(ctx)
        if run is None:
            for c in ctx.columns:
                kind = self._kind(ctx, c)
                infinite = (0, 0, [])
                zeros = np.empty(0, dtype=np.int64)
                fractional, low_positives = 0, []
                over = _no_over()
                history = {"early": [], "early_max": None, "modern_min": None}
                if kind == "numeric":
                    vals, idx, nulls, nonfinite = finite_values(chunk, c)
                    bad = np.flatnonzero(vals < 0)
                    if nonfinite:
                        infinite = _infinities(chunk, c)
                    zeros = np.flatnonzero(vals == 0)
                    low_positives = _two_smallest(vals[vals > 0])
                    fractional = int(np.count_nonzero(vals != np.floor(vals)))
                    over = _over_scale(vals, idx + chunk.row_start)
                else:
                    vals, idx, nulls = int_values(chunk, c)
                    if kind == "duration":
                        bad = np.flatnonzero(vals < 0)
                    else:
                        bad = np.flatnonzero(vals < _earliest_count(chunk.column(c).type))
                        modern = vals[vals >= _earliest_count(chunk.column(c).type)]
                        history = {
                            "early": np.unique(vals[bad])[:HISTORY_MIN_DISTINCT].tolist(),
                            "early_max": int(vals[bad].max()) if bad.size else None,
                            "modern_min": int(modern.min()) if modern.size else None,
                        }
                state[c] = {
                    "n": int(vals.size),
                    "nulls": nulls,
                    "bad": int(bad.size),
                    "examples": (idx[bad[:MAX_EXAMPLES]] + chunk.row_start).tolist(),
                    "type": chunk.column(c).type,
                    "posinf": infinite[0],
                    "neginf": infinite[1],
                    "inf_examples": infinite[2],
                    "zeros": int(zeros.size),
                    "fractional": fractional,
                    "zero_examples": (idx[zeros[:MAX_EXAMPLES]] + chunk.row_start).tolist(),
                    "low_positives": low_positives,
                }
                state[c].update(history)
                state[c].update(over)
            return state
        if run["phase"] == "select":
            for c in run["ts_sel"].pending():
                vals = int_values(chunk, c)[0]
                part = run["ts_sel"].chunk_state(c, int_keys(vals))
                if part:
                    state["ts"][c] = part
            for c in run["num_sel"].pending():
                vals = finite_values(chunk, c)[0]
                part = run["num_sel"].chunk_state(c, float_keys(vals))
                if part:
                    state["num"][c] = part
            return state
        for c in self.columns_for_pass(ctx):
            vals, idx, _ = int_values(chunk, c)
            late = np.flatnonzero(vals > run["upper"][c])
            state[c] = {
                "late": int(late.size),
                "examples": (idx[late[:MAX_EXAMPLES]] + chunk.row_start).tolist(),
            }
        return state

    def merge(self, a, b, ctx):
        run = self._run(ctx)
        if run is not None and run["phase"] == "select":
            return {
                "ts": SelectionSet.merge(a["ts"], b["ts"]),
                "num": SelectionSet.merge(a["num"], b["num"]),
            }
        out = {}
        for c in a:
            x, y = a[c], b[c]
            skip = ("examples", "type", "inf_examples", "zero_examples", "low_positives")
            skip += tuple(HISTORY_KEYS) + OVER_LISTS
            out[c] = {k: x[k] + y[k] for k in x if k not in skip}
            if x.get("early") is not None:
                out[c]["early"] = sorted({*x["early"], *y["early"]})[:HISTORY_MIN_DISTINCT]
                out[c]["early_max"] = _extreme(max, x["early_max"], y["early_max"])
                out[c]["modern_min"] = _extreme(min, x["modern_min"], y["modern_min"])
            out[c]["examples"] = smallest(x["examples"], y["examples"])
            if "zero_examples" in x:
                out[c]["zero_examples"] = smallest(x["zero_examples"], y["zero_examples"])
                out[c]["low_positives"] = _merge_smallest(x["low_positives"], y["low_positives"])
            if "inf_examples" in x:
                out[c]["inf_examples"] = smallest(x["inf_examples"], y["inf_examples"])
            if "over_values" in x:
                for key in ("over_100_examples", "over_120_examples"):
                    out[c][key] = smallest(x[key], y[key])
                out[c]["over_values"] = sorted({*x["over_values"], *y["over_values"]})[
                    -MAX_EXAMPLES:
                ]
            if "type" in x:
                out[c]["type"] = x["type"] if x["type"] is not None else y["type"]
        return out

    def end_pass(self, state, ctx):
        run = self._run(ctx)
        if run is None:
            ts_wanted, num_wanted = {}, {}
            for c in ctx.columns:
                s = state[c]
                kind = self._kind(ctx, c)
                if kind == "timestamp" and s["n"]:
                    ts_wanted[c] = (s["n"], self._lower_ranks(s["n"]))
                elif (
                    kind == "numeric"
                    and s["n"] >= NUMERIC_MIN_N
                    and 0 < s["bad"] <= NUMERIC_MAX_NEG_SHARE * s["n"]
                ):
                    num_wanted[c] = (s["n"], quantile_rank_list(s["n"], [0.01, 0.5]))
                elif kind == "numeric" and self._zero_candidate(ctx, c, s):
                    positives = s["n"] - s["zeros"]
                    ranks = quantile_rank_list(positives, [0.5])
                    num_wanted[c] = (s["n"], [s["zeros"] + r for r in ranks])
            run = {
                "first": state,
                "ts_sel": SelectionSet(ts_wanted, int_keys=True),
                "num_sel": SelectionSet(num_wanted),
                "upper": {},
                "late": {},
            }
            run["phase"] = "select" if ts_wanted or num_wanted else "done"
            return run
        if run["phase"] == "select":
            run["ts_sel"].advance(state["ts"])
            run["num_sel"].advance(state["num"])
            if run["ts_sel"].done and run["num_sel"].done:
                for c in run["ts_sel"].selectors:
                    n = run["first"][c]["n"]
                    lo, hi = self._lower_ranks(n)
                    p01 = run["ts_sel"].value(c, lo)
                    p99 = run["ts_sel"].value(c, hi)
                    per_day = ticks_per_day(run["first"][c]["type"])
                    upper = p99 + max(YEAR_DAYS * per_day, p99 - p01)
                    run["upper"][c] = min(upper, (1 << 63) - 1)
                run["phase"] = "late" if run["upper"] else "done"
            return run
        run["late"] = state
        run["phase"] = "done"
        return run

    @staticmethod
    def _named_negative(ctx, c: str, s: dict) -> bool:
        """Whether ``c`` is named as a quantity that cannot be negative and holds a few
        negative values (NAMED_NEGATIVE_RULE)."""
        n, bad = s["n"], s["bad"]
        if n < SCALE_MIN_N or not bad or _non_negative_name(name_tokens(c)) is None:
            return False
        if bad <= min(NAMED_NEGATIVE_MAX_ROWS, max(1, int(NAMED_NEGATIVE_MAX_SHARE * n))):
            return True
        lo, hi = ctx.dataset.column(c).value_range or (None, None)
        return (
            bad <= SMALL_NEGATIVE_MAX_SHARE * n
            and lo is not None
            and hi is not None
            and hi > 0
            and -lo <= SMALL_NEGATIVE_RATIO * hi
        )

    @staticmethod
    def _named_negative_finding(ctx, c: str, s: dict, base: dict, units: dict) -> dict:
        word = _non_negative_name(name_tokens(c))
        bad = s["bad"]
        return _share_finding(
            ctx,
            c,
            kind="negative_values",
            title=f"{bad} negative value{'s' if bad > 1 else ''} of {c!r}, impossible for "
            f"a quantity named '{word}'",
            base=(base, units),
            measured={"negative_count": (bad, "count"), "negative_share": (bad / s["n"], "ratio")},
            share=bad / s["n"],
            example_rows=s["examples"],
            rule=NAMED_NEGATIVE_RULE,
            severity="high",
            parameters={"max_share": NAMED_NEGATIVE_MAX_SHARE},
        )

    @staticmethod
    def _beyond_scale(ctx, c: str, s: dict, base: dict, units: dict) -> dict | None:
        """A percentage above 100 or a person's age above 120, or None (SCALE_RULE).
        Negative values turn the percentage check off (a change in percent reaches past
        100), not the age check: one age of -5 is an error of its own."""
        n = s["n"]
        if n < SCALE_MIN_N or "over_100" not in s:
            return None
        tokens = name_tokens(c)
        allowed = max(1, int(SCALE_MAX_SHARE * n))
        if (
            not s["bad"]
            and _percent_named(c, tokens)
            and 0 < s["over_100"] <= allowed
            # a 'rate' or 'share' is a percentage only when its values reach up to 100
            # (graduation rates of 90..100%); epilepsy's seizure.rate counts 0..102 seizures
            and (_percent_named(c, tokens, strict=True) or s["near_100"] >= SCALE_TOP_SHARE * n)
        ):
            over, bound, what = s["over_100"], 100, "a percentage"
            examples = s["over_100_examples"]
        elif (
            "age" in tokens
            and 0 < s["over_120"] <= allowed
            and s["over_100"] <= allowed
            and s["bad"] <= allowed
        ):
            over, bound, what = s["over_120"], 120, "an age in years"
            examples = s["over_120_examples"]
        else:
            return None
        largest = [v for v in s["over_values"] if v > bound]
        return _share_finding(
            ctx,
            c,
            kind="beyond_scale",
            title=f"{over} value{'s' if over > 1 else ''} of {c!r} above {bound}, "
            f"impossible for {what} (largest {largest[-1]:g})",
            base=(base, units),
            measured={
                "above_bound": (over, "count"),
                "above_bound_share": (over / n, "ratio"),
                "bound": (bound, "value"),
                "largest_values": (largest, "value"),
            },
            share=over / n,
            example_rows=examples,
            rule=SCALE_RULE,
            # no person is 121 years old (TIPI's age 5555, rater BH): an error, as a negative
            # age is; a percentage above 100 may be a change or a ratio named so
            severity="high" if bound == 120 else "medium",
            parameters={"max_share": SCALE_MAX_SHARE},
        )

    @staticmethod
    def _infinite(ctx, c: str, s: dict, base: dict, units: dict, infinite: int) -> dict:
        """±inf in a numeric column: no measurement is infinite, a division by zero (or
        an overflow) upstream wrote it; every analysis leaves these rows out."""
        share = infinite / (s["n"] + infinite)
        signs = ", ".join(
            f"{count} {sign}inf"
            for sign, count in (("+", s["posinf"]), ("-", s["neginf"]))
            if count
        )
        return _share_finding(
            ctx,
            c,
            kind="infinite_values",
            title=(
                f"{infinite} infinite values in {c!r} ({signs}): a division by zero upstream, "
                "or a number too large for a double (1e400)?"
            ),
            base=(base, units),
            measured={
                "infinite_count": (infinite, "count"),
                "positive_infinite": (s["posinf"], "count"),
                "negative_infinite": (s["neginf"], "count"),
                "infinite_share": (share, "ratio"),
            },
            share=share,
            example_rows=s["inf_examples"],
            rule=INFINITE_RULE,
        )

    @staticmethod
    def _zero_candidate(ctx, c: str, s: dict) -> bool:
        """A measure with a few exact zeros, no negative value and a positive value
        (pass 1's facts; the positives' median decides, see ZERO_RULE)."""
        return (
            ctx.dataset.column(c).role in MEASURE_ROLES
            and not s["bad"]
            and s["n"] >= ZERO_MIN_N
            and 0 < s["zeros"] <= ZERO_MAX_SHARE * s["n"]
            and len(s["low_positives"]) == 2
        )

    @staticmethod
    def _zero_finding(ctx, c: str, s: dict, run: dict, base: dict, units: dict) -> dict | None:
        """Zeros far below a measure's bulk: placeholders for missing values.

        Why: diamonds' x, y and z hold 8, 7 and 20 stones of 0 mm among 53,940 whose
        sizes start at 3.7, 3.7 and 1.1 mm; a blood pressure of 0 in a clinic's table.
        Summaries, outlier fences and models read them as measurements."""
        positives = s["n"] - s["zeros"]
        prev, nxt, gamma = quantile_ranks(positives, [0.5])[0.5]
        sel = run["num_sel"]
        median = linear_quantile(
            sel.value(c, s["zeros"] + prev), sel.value(c, s["zeros"] + nxt), gamma
        )
        (low, low_count), (second, _) = s["low_positives"]
        if not (median > 0 and low >= ZERO_GAP * median):
            return None
        if low < ZERO_STEP_RATIO * (second - low):
            return None  # zero continues the grid of the smallest values
        if not s["fractional"] and low < ZERO_MIN_WHOLE and s["zeros"] < ZERO_HEAP * low_count:
            return None
        share = s["zeros"] / s["n"]
        return _share_finding(
            ctx,
            c,
            kind="zero_placeholders",
            title=(
                f"{s['zeros']} zeros in {c!r}, whose other values start at {low:g} (median "
                f"{median:g}): missing values written as 0?"
            ),
            base=(base, units),
            measured={
                "zero_count": (s["zeros"], "count"),
                "zero_share": (share, "ratio"),
                "smallest_positive": (low, "value"),
                "positive_median": (median, "value"),
            },
            share=share,
            example_rows=s["zero_examples"],
            rule=ZERO_RULE,
        )

    @staticmethod
    def _lower_ranks(n: int) -> list[int]:
        return [math.floor((n - 1) * 0.01), math.floor((n - 1) * 0.99)]

    def needs_another_pass(self, ctx):
        return self._run(ctx)["phase"] != "done"

    @staticmethod
    def _no_dates(ctx, c: str, values: tuple[str, ...], base: dict, units: dict) -> dict:
        """Values of a date column shaped like its layout that are no calendar date
        (2021-02-30 among 199 dates): read as missing. The column was a 29-level text
        column instead, and nothing said why."""
        distinct = list(dict.fromkeys(values))
        shown = ", ".join(repr(v) for v in distinct[:3])
        layout = ctx.dataset.column(c).date_format or ""
        what = "time of day" if is_time_of_day(layout) else "calendar date"
        return ctx.finding(
            kind="impossible_dates",
            title=f"{len(values)} value{'s' if len(values) > 1 else ''} of {c!r} "
            f"{'are' if len(values) > 1 else 'is'} no {what} ({shown}): read as missing",
            subject={"column": c},
            values={**base, "impossible_dates": len(values), "examples": list(values)},
            units={**units, "impossible_dates": "count", "examples": "value"},
            severity="high",
            columns=[c],
            parameters={"rule": NO_DATE_RULE},
        )

    def findings(self, ctx):
        run = self._run(ctx)
        out = []
        for c in ctx.columns:
            kind = self._kind(ctx, c)
            s = run["first"][c]
            n = s["n"]
            base = {"count": n, "null_count": s["nulls"]}
            units = {"count": "count", "null_count": "count"}
            infinite = s.get("posinf", 0) + s.get("neginf", 0)
            if infinite:
                out.append(self._infinite(ctx, c, s, base, units, infinite))
            no_dates = ctx.dataset.column(c).date_bad
            if no_dates:
                out.append(self._no_dates(ctx, c, no_dates, base, units))
            if kind == "duration" and s["bad"]:
                frac = s["bad"] / n
                out.append(
                    ctx.finding(
                        kind="negative_durations",
                        title=f"{s['bad']} negative durations in {c!r}",
                        subject={"column": c},
                        values={**base, "negative_count": s["bad"], "negative_share": frac},
                        units={**units, "negative_count": "count", "negative_share": "ratio"},
                        severity=graded(frac, ((0.01, "high"),), "medium"),
                        columns=[c],
                        example_rows=s["examples"],
                    )
                )
            elif kind == "numeric" and self._named_negative(ctx, c, s):
                out.append(self._named_negative_finding(ctx, c, s, base, units))
            elif kind == "numeric" and c in run["num_sel"].selectors and not s["bad"]:
                zero = self._zero_finding(ctx, c, s, run, base, units)
                if zero is not None:
                    out.append(zero)
            elif kind == "numeric" and c in run["num_sel"].selectors:
                p01 = run["num_sel"].quantile(c, 0.01)
                p50 = run["num_sel"].quantile(c, 0.5)
                if not (p50 > 0 and 0 <= p01 <= NUMERIC_P01_OVER_P50 * p50):
                    continue
                out.append(
                    ctx.finding(
                        kind="negative_values",
                        title=f"{s['bad']} negative values in non-negative column {c!r}",
                        subject={"column": c},
                        values={
                            **base,
                            "negative_count": s["bad"],
                            "negative_share": s["bad"] / n,
                            "p01": p01,
                            "p50": p50,
                        },
                        units={
                            **units,
                            "negative_count": "count",
                            "negative_share": "ratio",
                            "p01": "value",
                            "p50": "value",
                        },
                        severity="low",
                        columns=[c],
                        example_rows=s["examples"],
                        parameters={
                            "max_negative_share": NUMERIC_MAX_NEG_SHARE,
                            "p01_over_p50_max": NUMERIC_P01_OVER_P50,
                        },
                    )
                )
            if kind == "numeric":
                scale = self._beyond_scale(ctx, c, s, base, units)
                if scale is not None:
                    out.append(scale)
            if kind == "timestamp" and c in run["upper"]:
                late = run["late"][c]
                yearly = c in ctx.params.get("historical_time_columns", ())
                early = 0 if yearly or _historical(s) else s["bad"]
                bad = early + late["late"]
                if not bad:
                    continue
                typ = s["type"]
                lo, hi = self._lower_ranks(n)
                frac = bad / n
                out.append(
                    ctx.finding(
                        kind="implausible_timestamps",
                        title=f"{bad} implausible timestamps in {c!r}",
                        subject={"column": c},
                        values={
                            **base,
                            "before_1900": early,
                            "after_upper_bound": late["late"],
                            "implausible_share": frac,
                            "p01": _display(run["ts_sel"].value(c, lo), typ),
                            "p99": _display(run["ts_sel"].value(c, hi), typ),
                            "upper_bound": _display(run["upper"][c], typ),
                        },
                        units={
                            **units,
                            "before_1900": "count",
                            "after_upper_bound": "count",
                            "implausible_share": "ratio",
                            "p01": "timestamp",
                            "p99": "timestamp",
                            "upper_bound": "timestamp",
                        },
                        severity=graded(frac, ((0.01, "high"),), "medium"),
                        columns=[c],
                        example_rows=smallest(s["examples"] if early else [], late["examples"]),
                        parameters={
                            "earliest": "1900-01-01T00:00:00Z",
                            "min_margin_days": YEAR_DAYS,
                        },
                    )
                )
        flagged = {f["subject"]["column"] for f in out}
        summary = ctx.finding(
            kind="impossible_values_screen",
            title=f"Impossible-values screen: {len(flagged)} of {len(ctx.columns)} columns flagged",
            subject={"scope": "dataset"},
            values={
                "duration_columns": sum(self._kind(ctx, c) == "duration" for c in ctx.columns),
                "timestamp_columns": sum(self._kind(ctx, c) == "timestamp" for c in ctx.columns),
                "numeric_columns": sum(self._kind(ctx, c) == "numeric" for c in ctx.columns),
                "columns_flagged": len(flagged),
            },
            units={
                "duration_columns": "count",
                "timestamp_columns": "count",
                "numeric_columns": "count",
                "columns_flagged": "count",
            },
        )
        return cap_findings(ctx, out, summary)
