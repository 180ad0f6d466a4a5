"""The ``missing_by_group`` analysis (quality family): where values go missing.

A column's missing values that concentrate in some levels of a category are not missing at
random: an IQ score missing for 58% of one group and 24% of the other biases every mean
and correlation computed on the rows that have it; a cause of death missing exactly where
the patient is alive is "not applicable", not lost. ``missingness`` counts the nulls and
which columns go missing together; this analysis says *where*.

One streamed pass: per grouping column, its rows per level, and per (column with missing
values, grouping) the missing rows per level. Counts are exact integers keyed by the
level's value, so every chunking gives the same tables.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc

from pytest_statharness import (
    MEASURE_ROLES,
    Analysis,
    ColumnKind,
    ColumnRole,
    MemoryModel,
    Plan,
)
from pytest_statharness.column_roles import DERIVED_TERM_DETAIL, PERIOD_CHANGE_DETAIL
from pytest_statharness.evidence import SEVERITIES
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.hist import decoded
from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.series import ALPHA, significant_severity
from .._shared.summaries import attrition_series, is_annotation
from ._common import ALL_KINDS, missing_masks

#: a column is read when it misses at least this many values and has at least as many
MIN_MISSING = 5
#: groupings: categories and flags of 2..MAX_LEVELS values (numbers too: a period 1..12)
MAX_LEVELS = 12
#: a measure with more values than MAX_LEVELS groups in this many equal-width bins over its
#: range (the typing scan's exact min and max)
BINS = 8
#: levels with fewer rows are left out of the table: they show no rate
MIN_LEVEL_ROWS = 5
#: Cramér's V between "missing" and the grouping from which the dependence is medium
MEDIUM_V = 0.3
LOW_V = 0.1
#: a trial's arm (a grouping named treat, trt, arm, dose...: roles.treatments_by_name)
#: predicting where values are missing is the trial's attrition: medium from this V,
#: significant at ARM_ALPHA after Bonferroni over the arm's own pairs
ARM_MEDIUM_V = 0.2
ARM_ALPHA = 0.01
ARM_RULE = (
    "a trial's arm (a grouping named treat, trt, rx, arm, dose...) predicting where values "
    "are missing is the trial's differential attrition, which biases every comparison of "
    f"the arms on the rows present: reported for the arm (even when another grouping "
    f"predicts the gaps more strongly), medium from V >= {ARM_MEDIUM_V} at p < {ARM_ALPHA} "
    "after Bonferroni over the arm's pairs"
)
RULE = (
    "per column with missing values, the grouping whose levels best predict them (largest "
    "Cramér's V of the missing / present by level table; a grouping with a value on under "
    "25% of the column's missing rows gives way to one with V >= 0.3 that sees more of "
    "them, by V times that share: a perfect split of a few explains little; "
    "chi-square test without "
    f"continuity correction, Bonferroni over the pairs tested at {ALPHA}): medium from V >= "
    f"{MEDIUM_V} (not missing at random: analyses of the rows present are biased toward "
    f"some levels), low from {LOW_V}"
)

FEW_MISSING_RULE = (
    "the highest rate rests on {rows} missing rows (fewer than "
    f"{MIN_MISSING}): a share two or three rows make, on cells too small for the "
    "chi-square test; severity at most low"
)

SERIES_RULE = (
    "the column and its grouping are numbered copies of one measure ({stem!r}1, "
    "{stem!r}2, ... at least 6, missing more with each number and never less: a wide "
    "table's periods): a unit missing in a later period given its "
    "value in an earlier one is attrition across the table's periods, one fact said by "
    "missingness; severity at most low"
)

ANNOTATION_RULE = (
    "an optional annotation (a column named note, remark, comment or memo) is written when "
    "there is something to say, more often by some sources than others; severity at most low"
)


class MissingByGroup(Analysis):
    id = "missing_by_group"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "rows and missing rows per level of each grouping (at most 12 levels, or 8 bins)"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "chi2": STATISTIC_DIGITS,
        "cramers_v": STATISTIC_DIGITS,
    }
    family = "quality"
    title = "Where values go missing: missing rates across the levels of a grouping"
    requires = ALL_KINDS
    exact = True
    passes = 1
    method = (
        f"columns with at least {MIN_MISSING} missing values (null, or NaN in a float "
        f"column) and {MIN_MISSING} present ones, not identifiers nor transformed copies "
        "of another column (a log, a lag, a change: missing in the first periods by "
        "construction); groupings: category, flag, calendar-part "
        f"and numeric columns with 2..{MAX_LEVELS} distinct values (exact, from the dataset's scan), "
        f"and measures and years with more values cut into {BINS} equal-width bins over "
        "their exact range (education missing among the young; statistics not yet recorded "
        "in the early years, years first among the bins), each other than the column; pairs "
        "within max_pairs taken grouping by grouping for every column (categories and "
        "flags, then calendar parts, then binned measures, then other numbers of a few "
        "values), so that each column gets its first groupings. One exact pass counts, per grouping, its rows per "
        "level and, per pair, the column's missing rows per level (rows where the grouping "
        "is null left out); levels of fewer than 5 rows are left out of the table (they show "
        "no rate). Per column, the grouping with the largest V is reported: "
        + RULE
        + "; but "
        + ARM_RULE
        + "; an optional annotation (note, remark, comment, memo) at most low; a rate whose "
        f"level holds fewer than {MIN_MISSING} missing rows (not structural) at most low; "
        "columns missing "
        "by the same grouping at per-level rates within 5% of a stronger one's are one fact "
        "(same_fact_as, low); when the column is missing in every row of some levels and in no row of the "
        "others, the title says it is missing exactly there (structurally: not applicable)"
    )
    reference = (
        "Rubin (1976), Inference and missing data, Biometrika 63 (missing at random); Little "
        "(1988), A test of missing completely at random for multivariate data with missing "
        "values, JASA 83; Cramér (1946), Mathematical Methods of Statistics"
    )
    access = "streamed; one pass of exact counts per level"

    def plan(self, dataset, budget):
        rows = dataset.row_count
        gappy = [
            c.name
            for c in dataset.columns
            if not c.excluded
            and MIN_MISSING <= c.null_count <= rows - MIN_MISSING
            and c.role not in (ColumnRole.IDENTIFIER,)
            # a lag or a change is missing in the first periods by construction
            and c.role_detail not in (DERIVED_TERM_DETAIL, PERIOD_CHANGE_DETAIL)
        ]
        coded = [
            c
            for c in dataset.columns
            if not c.excluded
            and c.distinct_exact
            and 2 <= c.distinct_at_least <= MAX_LEVELS
            and c.role != ColumnRole.IDENTIFIER
            and c.kind in (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.NUMERIC)
        ]
        # groupings in the order they are tried within the pair cap: categories and flags,
        # calendar parts, measures cut into bins (education missing among the young),
        # then other numbers of a few values (a questionnaire's answer codes)
        first = [
            c.name for c in coded if c.kind != ColumnKind.NUMERIC or c.role == ColumnRole.BOOLEAN
        ]
        parts = [
            c.name for c in coded if c.name not in first and c.role == ColumnRole.CALENDAR_PART
        ]
        # years cut into eras come first among the bins: what was not yet recorded in the
        # early years (baseball's gidp and sf) is missing by era, and a measure of those
        # years (sacrifice hits, common then) only stands in for it
        binned = [
            c.name
            for c in sorted(dataset.columns, key=lambda c: c.role != ColumnRole.CALENDAR_PART)
            if not c.excluded
            and c.kind == ColumnKind.NUMERIC
            and (
                c.role in MEASURE_ROLES
                or (c.role == ColumnRole.CALENDAR_PART and c.role_detail == "year")
            )
            and not (c.distinct_exact and c.distinct_at_least <= MAX_LEVELS)
            and c.value_range is not None
            and all(math.isfinite(v) for v in c.value_range)
            and c.value_range[0] < c.value_range[1]
            # -1e308..1e308: the width passes float64, no bin edges to cut
            and math.isfinite(c.value_range[1] - c.value_range[0])
        ]
        rest = [c.name for c in coded if c.name not in first and c.name not in parts]
        groups = first + parts + binned + rest
        # every column with gaps gets its first groupings before any gets more
        pairs = [(c, g) for g in groups for c in gappy if g != c]
        if not pairs:
            return None
        kept = pairs[: budget.max_pairs]
        left_out = {}
        if len(pairs) > len(kept):
            left_out = {"pairs": len(pairs) - len(kept), "pairs_cap": "max_pairs"}
        columns = tuple(dict.fromkeys([c for c, _ in kept] + [g for _, g in kept]))
        used = {g for _, g in kept}
        return Plan(
            columns,
            {
                "pairs": [list(p) for p in kept],
                # by name only: the edges come from the dataset's exact range when read, so
                # that a changed range changes only the findings grouped by that measure
                "binned": [g for g in binned if g in used],
                "alpha": ALPHA,
                "rule": RULE,
            },
            left_out,
        )

    def init(self, ctx):
        return {"levels": {}, "missing": {}}

    def update(self, state, chunk, ctx):
        pairs = [tuple(p) for p in ctx.params["pairs"]]
        gappy = list(dict.fromkeys(c for c, _ in pairs))
        masks = dict(zip(gappy, missing_masks(chunk, gappy)[0], strict=True))
        bins = _bin_ranges(ctx)
        by_grouping: dict[str, list[str]] = {}
        for c, g in pairs:
            by_grouping.setdefault(g, []).append(c)
        for g, gapped in by_grouping.items():
            if g in bins:
                values, codes = list(range(BINS)), _bin_codes(chunk.floats(g), *bins[g])
            else:
                encoded = pc.dictionary_encode(decoded(chunk.column(g)))
                values = encoded.dictionary.to_pylist()
                codes = np.asarray(
                    pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False),
                    dtype=np.int64,
                )
            valid = codes >= 0
            _add(state["levels"].setdefault(g, {}), values, codes[valid])
            for c in gapped:
                _add(
                    state["missing"].setdefault(f"{c}\x00{g}", {}), values, codes[valid & masks[c]]
                )
        return state

    def merge(self, a, b, ctx):
        out = {"levels": {}, "missing": {}}
        for part in ("levels", "missing"):
            for key in sorted(set(a[part]) | set(b[part])):
                merged = dict(a[part].get(key, {}))
                for level, n in b[part].get(key, {}).items():
                    merged[level] = merged.get(level, 0) + n
                out[part][key] = dict(sorted(merged.items(), key=lambda kv: _order(kv[0])))
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        pairs = [tuple(p) for p in ctx.params["pairs"]]
        tested = len(pairs)
        best: dict[str, tuple] = {}
        best_seen: dict[str, tuple] = {}  # by _strength: what sees most missing rows
        bins = _bin_ranges(ctx)

        def tables(c: str, g: str) -> tuple[dict, dict]:
            """Rows and missing rows per level (a binned measure's levels by their edges)."""
            totals = state["levels"].get(g, {})
            missing = state["missing"].get(f"{c}\x00{g}", {})
            if g not in bins:
                return totals, missing
            years = ctx.dataset.column(g).role == ColumnRole.CALENDAR_PART
            label = {k: _bin_label(k, *bins[g], years=years) for k in totals}
            return (
                {label[k]: n for k, n in totals.items()},
                {label[k]: n for k, n in missing.items()},
            )

        arms = set(getattr(ctx.dataset, "treatments", ()))
        per_arm = {a: sum(1 for _, g in pairs if g == a) for a in arms}
        by_arm: dict[str, tuple] = {}
        for c, g in pairs:
            result = _dependence(*tables(c, g))
            if result is None:
                continue
            current = best.get(c)
            if current is None or result["cramers_v"] > current[1]["cramers_v"]:
                best[c] = (g, result)
            missing_rows = ctx.dataset.column(c).null_count
            current = best_seen.get(c)
            if current is None or _strength(result, missing_rows) > _strength(
                current[1], missing_rows
            ):
                best_seen[c] = (g, result)
            if g in arms:
                severity = significant_severity(
                    result["p_value"],
                    per_arm[g],
                    result["cramers_v"],
                    ((ARM_MEDIUM_V, "medium"), (LOW_V, "low")),
                    ARM_ALPHA,
                )
                if severity != "info" and (
                    c not in by_arm or result["cramers_v"] > by_arm[c][1]["cramers_v"]
                ):
                    by_arm[c] = (g, result, severity)
        out = []
        series = attrition_series(ctx.dataset.columns)
        for c in dict.fromkeys(c for c, _ in pairs):
            if c not in best:
                continue
            g, res = best[c]
            if best_seen[c][0] != g and best_seen[c][1]["cramers_v"] >= MEDIUM_V:
                # a strong grouping that sees the missing rows over a perfect split of few
                g, res = best_seen[c]
            severity = significant_severity(
                res["p_value"], tested, res["cramers_v"], ((MEDIUM_V, "medium"), (LOW_V, "low"))
            )
            parameters = {"pairs_tested": tested, "rule": RULE}
            if c in by_arm and (g, res) != by_arm[c][:2]:
                # Arthritis: the outcome missing for 67% on placebo, 32% treated (p 0.001)
                # went unsaid beside a stronger, non-significant pattern over age bins
                g, res, severity = by_arm[c]
                parameters["trial_arm"] = ARM_RULE
            elif c in by_arm:
                severity = max(severity, by_arm[c][2], key=SEVERITIES.index)
                parameters["trial_arm"] = ARM_RULE
            if is_annotation(c) and severity in ("medium", "high"):
                # a poll's remark is written when there is something to remark
                severity = "low"
                parameters["severity_capped"] = ANNOTATION_RULE
            elif (
                severity in ("medium", "high") and series.get(c) and series.get(c) == series.get(g)
            ):
                # billboard's wk14 missing with a low rank in wk9: a song leaves the chart,
                # 21 mediums saying the one fact missingness' block says
                severity = "low"
                parameters["severity_capped"] = SERIES_RULE.format(stem=series[c])
            elif (
                not res["structural"]
                and res["highest_missing"] < MIN_MISSING
                and severity in ("medium", "high")
            ):
                # Davis: 2 reported weights missing among 9 short people is a rate of 22%
                # that two rows make; the chi-square on such cells is not to be trusted
                severity = "low"
                parameters["severity_capped"] = FEW_MISSING_RULE.format(rows=res["highest_missing"])
            totals, missing = tables(c, g)
            high, low = res["highest_level"], res["lowest_level"]
            missing_rows = ctx.dataset.column(c).null_count
            if res["structural"] and res["missing"] < missing_rows:
                # penguins_raw: 'Delta 15 N' missing at one comment (7 rows) and on 7 rows
                # with no comment at all: not "exactly where"
                title = (
                    f"{c!r} is missing wherever {g!r} is {_label(res['missing_levels'])} "
                    f"({res['missing']} of its {missing_rows} missing rows) and present at "
                    f"the other levels of {g!r}"
                )
            elif res["structural"]:
                title = (
                    f"{c!r} is missing exactly where {g!r} is {_label(res['missing_levels'])} "
                    f"({res['missing']} rows) and present at every other level"
                )
            else:
                title = (
                    f"{c!r} goes missing with {g!r}: {res['highest_rate']:.0%} of rows at "
                    f"{high!s} against {res['lowest_rate']:.0%} at {low!s}"
                )
            out.append(
                ctx.finding(
                    kind="missing_by_group",
                    title=title,
                    subject={"column": c, "group_by": g},
                    values={
                        "cramers_v": res["cramers_v"],
                        "chi2": res["chi2"],
                        "p_value": res["p_value"],
                        "n": res["n"],
                        "missing": res["missing"],
                        "highest_rate": res["highest_rate"],
                        "lowest_rate": res["lowest_rate"],
                        "highest_level": str(high),
                        "lowest_level": str(low),
                    },
                    units={
                        "cramers_v": "coefficient",
                        "chi2": "statistic",
                        "p_value": "probability",
                        "n": "count",
                        "missing": "count",
                        "highest_rate": "ratio",
                        "lowest_rate": "ratio",
                        "highest_level": "level",
                        "lowest_level": "level",
                    },
                    severity=severity,
                    columns=[c, g],
                    parameters={
                        **parameters,
                        "missing_by_level": {
                            str(k): [missing.get(k, 0), n] for k, n in totals.items()
                        },
                        **(
                            {"bins": {"equal_width": BINS, "range": list(bins[g])}}
                            if g in bins
                            else {}
                        ),
                    },
                )
            )
        _same_gaps(out)
        return out


#: two columns whose missing rates per level of one grouping differ by at most this much
#: go missing in the same rows: one fact
SAME_GAPS_RATE = 0.05
SAME_GAPS_RULE = (
    "{lead!r} goes missing in the same levels at the same rates (within "
    + f"{SAME_GAPS_RATE:.0%}"
    + " per level): one fact (a wave or a block of columns absent together), said there; "
    "severity at most low"
)


def _same_gaps(out: list[dict]) -> None:
    """Columns missing by the same grouping at the same per-level rates (RetSchool's 1976
    wave: experience, grade and region all absent where smsa76 is 0) are one fact: the
    strongest keeps its severity, the others are low and say same_fact_as."""
    kept: list[tuple[dict, dict]] = []
    for f in sorted(out, key=lambda f: -f["measurement"]["values"]["cramers_v"]):
        if f["severity"] not in ("medium", "high"):
            continue
        rates = {
            level: m / n
            for level, (m, n) in f["evidence"]["parameters"]["missing_by_level"].items()
        }
        lead = next(
            (
                k
                for k, k_rates in kept
                if k["subject"]["group_by"] == f["subject"]["group_by"]
                and all(
                    abs(k_rates[level] - rate) <= SAME_GAPS_RATE for level, rate in rates.items()
                )
            ),
            None,
        )
        if lead is None:
            kept.append((f, rates))
            continue
        f["severity"] = "low"
        f["evidence"]["parameters"]["same_fact_as"] = lead["subject"]["column"]
        f["evidence"]["parameters"]["severity_capped"] = SAME_GAPS_RULE.format(
            lead=lead["subject"]["column"]
        )


def _bin_ranges(ctx) -> dict[str, tuple[float, float]]:
    """The binned measures' exact (min, max), from the dataset's typing scan."""
    return {g: tuple(ctx.dataset.column(g).value_range) for g in ctx.params.get("binned", [])}


def _bin_codes(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """The equal-width bin (0..BINS-1) of each value over [lo, hi], -1 where not finite."""
    codes = np.full(x.size, -1, dtype=np.int64)
    ok = np.isfinite(x)
    codes[ok] = np.clip(np.floor((x[ok] - lo) / (hi - lo) * BINS), 0, BINS - 1).astype(np.int64)
    return codes


def _bin_label(index: int, lo: float, hi: float, years: bool = False) -> str:
    """'11.3..19.6': the bin's edges, as the title and the evidence show them; for
    ``years``, the first and last whole year in the bin ('1871..1887')."""
    width = (hi - lo) / BINS
    if years:
        first = math.ceil(lo + index * width)
        last = int(hi) if index == BINS - 1 else math.ceil(lo + (index + 1) * width) - 1
        return f"{first}..{last}"

    def edge(v: float) -> str:
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.4g}"

    return f"{edge(lo + index * width)}..{edge(lo + (index + 1) * width)}"


def _order(value) -> tuple:
    """A total order over level values of any type (numbers before text)."""
    if isinstance(value, bool | int | float):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def _add(counts: dict, values: list, codes: np.ndarray) -> None:
    if not codes.size:
        return
    for code, n in enumerate(np.bincount(codes, minlength=len(values)).tolist()):
        if n:
            counts[values[code]] = counts.get(values[code], 0) + n


def _label(levels: list) -> str:
    shown = " or ".join(repr(v) if isinstance(v, str) else f"{v:g}" for v in levels[:3])
    return shown + (f" (and {len(levels) - 3} more levels)" if len(levels) > 3 else "")


#: a grouping with a value on at least this share of a column's missing rows competes by
#: its Cramér's V alone; one that sees fewer, by V times that share
MIN_SEEN_SHARE = 0.25


def _strength(result: dict, missing_rows: int) -> float:
    """Cramér's V, times the share of the column's missing rows that the grouping has a
    value on when it sees under MIN_SEEN_SHARE of them: which of a column's groupings
    explains its missing values, when that grouping is strong itself (V >= MEDIUM_V; mao's
    age, known for half the patients, still explains aao's gaps; hr1420's gene, missing
    wherever colour is 3 among its 292 coloured rows, has no strong rival).

    Why: Hawks' Sex, unrecorded for red-tailed hawks (99% missing against < 3%), was said
    to be missing 'exactly where Tarsus is 76.67..94': Tarsus is measured on 75 of 908
    birds, 38 of Sex's 576 missing rows among them, and on those few rows the split is
    perfect (V = 1). A grouping with a value on every row keeps its V."""
    seen = min(result["missing"] / missing_rows, 1.0) if missing_rows else 0.0
    return result["cramers_v"] * (1.0 if seen >= MIN_SEEN_SHARE else seen)


def _dependence(totals: dict, missing: dict) -> dict | None:
    """Cramér's V and chi-square of the missing / present by level table (levels with
    rows), with the levels of highest and lowest missing rate; None when the table has
    fewer than 2 levels or no variation."""
    # a level of a row or two shows no rate (Palau's one airport without a state)
    levels = [k for k, n in totals.items() if n >= MIN_LEVEL_ROWS]
    if len(levels) < 2:
        return None
    miss = np.array([missing.get(k, 0) for k in levels], dtype=np.int64)
    rows = np.array([totals[k] for k in levels], dtype=np.int64)
    n, m = int(rows.sum()), int(miss.sum())
    if m == 0 or m == n:
        return None
    table = np.vstack([miss, rows - miss])
    chi2, p, _, _ = stats.chi2_contingency(table, correction=False)
    v = math.sqrt(float(chi2) / n)  # a 2 x k table: min(r, c) - 1 = 1
    rates = miss / rows
    order = sorted(range(len(levels)), key=lambda i: (-rates[i], _order(levels[i])))
    full = [levels[i] for i in order if rates[i] == 1.0]
    structural = bool(full) and all(rates[i] in (0.0, 1.0) for i in range(len(levels)))
    return {
        "cramers_v": min(v, 1.0),
        "chi2": float(chi2),
        "p_value": float(p),
        "n": n,
        "missing": m,
        "highest_missing": int(miss[order[0]]),
        "highest_rate": float(rates[order[0]]),
        "lowest_rate": float(rates[order[-1]]),
        "highest_level": levels[order[0]],
        "lowest_level": levels[order[-1]],
        "structural": structural,
        "missing_levels": full,
    }
