"""The ``correlation`` analysis (relationships family): pearson and Spearman correlation of
numeric pairs.

One analysis per module so the file tree leads to it; what other relationships analyses
also use is in ``_common.py``, the family's overview in ``relationships/__init__.py``.
"""

from __future__ import annotations

import functools
import math
import re
from fractions import Fraction
from itertools import combinations, pairwise

import numpy as np
import pyarrow.compute as pc

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, ColumnRole, MemoryModel, Plan
from pytest_statharness.dataset.roles import name_tokens
from pytest_statharness.precision import PROBABILITY_DIGITS

from .._shared.exact import exact_fixed_sum, fixed_ratio
from .._shared.groups import linked_groups
from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.numeric import moment_scale
from .._shared.panel import unit_columns
from .._shared.report import sliver, sliver_rule
from .._shared.scale import SIZE_SPAN, size_rule_text, size_span
from .._shared.series import (
    ALPHA,
    FIXED_ONE,
    CountMap,
    RankTable,
    grouped_fixed_sums,
    int_sum,
    significant_severity,
)
from .._shared.summaries import (
    CROSS_METHOD,
    PARALLEL_METHOD,
    PERIODS_RULE,
    built_from,
    cap_cross_alternatives,
    is_product,
    named_after,
    one_per_parallel,
    same_measure_two_periods,
    shared_quantity,
)
from ._common import (
    CENSORING_RULE,
    LARGE_ALPHA,
    LARGE_R,
    LARGE_RULE,
    MAP_BUDGET_FACTOR,
    NUMERIC_KINDS,
    TREATMENT_NOTE,
    _ChunkRanks,
    _finite,
    _strongest_first,
    censoring_pairs,
    event_flags,
    focus_tests,
    gate,
    interest_columns,
    interest_pair,
    lift_driver,
    nested_cell,
    strongest_driver_pairs,
)
from .identities import IDENTITY_R2, MAX_TERMS, find_identities

# The exact screening pass over all numeric pairs is run when pairs * rows stays below this.
SCREEN_MAX_WORK = 1_000_000_000


MEDIUM_R = 0.7  # medium only for a strong correlation that is a column's strongest
SHARED_TREND_R = 0.7
SHARED_TREND_RULE = (
    f"when both columns correlate with the time axis at |Pearson r| >= {SHARED_TREND_R}, "
    "their correlation is that of two trends (it appears between any two growing series): "
    "severity at most low"
)


# Two series whose deviations from their linear trends still correlate this strongly move
# together beyond the trend (complementary shares, a quantity and its copy): two independent
# random walks reach it about 2 times in 10,000 (simulated, n 30..1000)
BEYOND_TREND_R = 0.9
# above this correlation with time a straight line leaves the curvature of growth (every
# compounding series: real GDP and consumption) in both residuals, which then correlate
TREND_DOMINATES_R = 0.95
BEYOND_TREND_RULE = (
    f"the shared-trend cap is lifted when the correlation with the linear time trend "
    f"partialled out (r_xy.t = (r_xy - r_xt r_yt) / sqrt((1 - r_xt^2)(1 - r_yt^2))) keeps "
    f"|r| >= {BEYOND_TREND_R}: the two move together beyond their trends (not in a panel, "
    f"and only while neither correlates with time at |r| >= {TREND_DOMINATES_R})"
)


STRONGEST_PARTNER_RULE = (
    "medium only for a pair that is the strongest correlation (|Pearson r|) of at least one "
    "of its two columns; a pair weaker than both columns' strongest is low (in a table of many "
    "correlated measures every pair would otherwise be flagged)"
)
SERIES_LEVELS_RULE = (
    "one row per time point (>= 90% distinct timestamps): the columns are time series, whose "
    "levels correlate through trends and cycles whether or not they are related; severity at "
    "most low (correlate their changes to test an association)"
)


def _detrended_r(r_xy: float | None, r_xt: float | None, r_yt: float | None) -> float | None:
    """The correlation of two columns with a linear time trend partialled out (the
    correlation of their residuals from straight lines in time); None when undefined."""
    if r_xy is None or r_xt is None or r_yt is None:
        return None
    denominator = (1.0 - r_xt * r_xt) * (1.0 - r_yt * r_yt)
    if not denominator > 0.0:
        return None
    return max(-1.0, min(1.0, (r_xy - r_xt * r_yt) / math.sqrt(denominator)))


#: Spearman's rho is shown beside Pearson's r when they differ in sign or by this much: a
#: few extreme rows decide r (attenu: r -0.47, rho -0.81; Depredations: +0.32, -0.39)
RHO_SHOWN_GAP = 0.2


def _sparse_side(info, i: int, j: int) -> tuple[int, int, object] | None:
    """(column, rows off its mode, the mode) of the sparser column of a pair when it holds
    fewer than SPARSE_MIN_ROWS rows off its most common value, else None."""
    sides = [(k, *info["off_mode"][k]) for k in (i, j) if info["off_mode"][k] is not None]
    sides = [s for s in sides if s[1] < SPARSE_MIN_ROWS]
    return min(sides, key=lambda s: (s[1], s[0])) if sides else None


def _plain(value):
    """A numpy scalar as the plain number a rule text prints (0, not np.float64(0.0))."""
    value = value.item() if hasattr(value, "item") else value
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _pair_title(x: str, y: str, r: float | None, note: str | None, rho: float | None = None) -> str:
    """'Correlation of 'x' and 'y' (r = +0.62; note)': the direction and the size read
    where the finding is listed, with what caps it; Spearman's rho too when it tells
    another story than r."""
    notes = [f"r = {r:+.2f}"] if r is not None else []
    if r is None and rho is not None:
        # no Pearson r (a product beyond float64's range, values near 1e308): the ranks'
        notes = [f"Spearman rho = {rho:+.2f}; no Pearson r: its products overflow float64"]
    if (
        r is not None
        and rho is not None
        and (abs(rho - r) >= RHO_SHOWN_GAP or (rho * r < 0 and abs(rho) >= 0.1))
    ):
        notes[0] += f", Spearman rho = {rho:+.2f}"
    if note:
        notes.append(note)
    return f"Correlation of {x!r} and {y!r}" + (f" ({'; '.join(notes)})" if notes else "")


def time_axis(dataset) -> str | None:
    """The table's time axis: its first timestamp column with values, else a calendar
    part holding the year (a table indexed by year and quarter has no timestamp)."""
    for c in dataset.columns_of(ColumnKind.TIMESTAMP):
        if dataset.column(c).null_count < dataset.row_count:
            return c
    for c in dataset.columns_of(ColumnKind.NUMERIC, roles=(ColumnRole.CALENDAR_PART,)):
        if dataset.column(c).role_detail == "year":
            return c
    return None


#: periods per year of the calendar parts that split a year axis (year and quarter columns)
_PERIODS_PER_YEAR = {"quarter": 4, "month": 12}


def _one_row_per_time_point(dataset, axis: str) -> bool:
    """Whether the table holds at most one row per time point of ``axis``: >= 90% distinct
    axis values, or a year axis with a quarter (month) column and at most 4 (12) rows per
    year (macrodata's year and quarter: a quarterly series with no timestamp column)."""
    parts = dataset.derived_from.get(axis)
    if parts:  # date(year,quarter): judged by the columns it is made of
        axis = parts[0]
    info = dataset.column(axis)
    non_null = dataset.row_count - info.null_count
    if not info.distinct_exact or non_null < 20:
        return False
    if info.distinct_at_least >= 0.9 * non_null:
        return True
    if info.role_detail != "year":
        return False
    for c in dataset.columns_of(ColumnKind.NUMERIC, roles=(ColumnRole.CALENDAR_PART,)):
        periods = _PERIODS_PER_YEAR.get(dataset.column(c).role_detail)
        if periods and non_null <= periods * info.distinct_at_least:
            return True
    return False


def _times(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a * b``, inf where the product overflows float64 (values near 1e308), without
    numpy's warning: :func:`_fixed_sum` turns such a product into a None sum, said in
    the finding."""
    with np.errstate(over="ignore", invalid="ignore"):
        return a * b


def _fixed_sum(values: np.ndarray) -> int | None:
    """:func:`_shared.exact.exact_fixed_sum` of ``values``; None when one is not finite (an
    overflowed deviation product)."""
    return exact_fixed_sum(values) if np.isfinite(values).all() else None


def _add_exact(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


#: a target's partner correlating at least this much with a stronger partner of the same
#: target is that partner again (a diamond's x, y, z after its carat)
SAME_DRIVER_R = 0.95
SAME_DRIVER_RULE = (
    "{partner!r} correlates with {stronger!r} at |r| = {r:.3f} >= {limit}, and {stronger!r} "
    "is the stronger partner of {target!r}: the same driver measured twice (a diamond's "
    "width after its weight); severity at most low"
)


#: categories that may pool a pair (penguins' species, wine's cultivar): at most this many,
#: each with 2..MIXTURE_MAX_LEVELS levels
MIXTURE_MAX_GROUPS = 3
MIXTURE_MAX_LEVELS = 20
#: a pooled correlation whose within-level correlation keeps under this share of it (or
#: turns) is carried by the levels' differences
MIXTURE_KEEP = 0.5
MIXTURE_RULE = (
    "pooled over the levels of {group!r}: within them r = {within:+.2f} against {pooled:+.2f} "
    "pooled (within-level correlation from the levels' exact moments), so the levels' "
    "differences carry the correlation, not the measures' relation (Simpson); severity "
    "at most low"
)


def _within_r(info: dict, i: int, j: int, group: str) -> float | None:
    """The pooled within-level correlation of columns i and j over the levels of
    ``group``: the pair's co-moments less their between-level parts (level means from each
    column's per-level exact sums; exact for complete columns, an approximation where a
    column has nulls). None when not computable."""
    moments = info.get("moments", {}).get((i, j))
    li, lj = info.get("levels", {}).get((group, i)), info.get("levels", {}).get((group, j))
    if moments is None or not li or not lj or any(v is None for v in moments):
        return None
    n, sx, sy, sxx, syy, sxy = moments
    if n < 3:
        return None
    unit = Fraction(FIXED_ONE)
    cxx = sxx / unit - Fraction(sx * sx) / (n * unit * unit)
    cyy = syy / unit - Fraction(sy * sy) / (n * unit * unit)
    cxy = sxy / unit - Fraction(sx * sy) / (n * unit * unit)
    bxx = byy = bxy = Fraction(0)
    tx = ty = Fraction(0)
    total = 0
    for name in set(li) & set(lj):
        nx, s1x = li[name]
        ny, s1y = lj[name]
        if None in (s1x, s1y) or not nx or not ny:
            return None
        m = min(nx, ny)
        mx, my = Fraction(s1x) / (nx * unit), Fraction(s1y) / (ny * unit)
        bxx += m * mx * mx
        byy += m * my * my
        bxy += m * mx * my
        tx += m * mx
        ty += m * my
        total += m
    if total < 3:
        return None
    bxx -= tx * tx / total
    byy -= ty * ty / total
    bxy -= tx * ty / total
    wxx, wyy, wxy = cxx - bxx, cyy - byy, cxy - bxy
    if wxx <= 0 or wyy <= 0:
        return None
    return max(-1.0, min(1.0, float(wxy) / math.sqrt(float(wxx) * float(wyy))))


def _pooled_over(
    ctx, info: dict, i: int, j: int, r: float | None, floor: float = 0.0
) -> tuple[str, float] | None:
    """(group, within r) when a category's levels carry the pair's correlation r: within
    them it turns, keeps under MIXTURE_KEEP of r, or falls under ``floor`` (the |r| from
    which a column's one-sided strongest pair is medium)."""
    if r is None:
        return None
    for group in ctx.params.get("mixture_groups", []):
        within = _within_r(info, i, j, group)
        if within is None:
            continue
        if within * r <= 0 or abs(within) < max(MIXTURE_KEEP * abs(r), floor):
            return group, within
    return None


TWIN_RULE = (
    "{twin!r} is a monotone function of {lead!r} (|Spearman rho| >= 0.9999: a log, a centred "
    "copy), so its pair with {other!r} restates the stronger pair of {lead!r}; severity at "
    "most low"
)


def _monotone_twins(findings: list[dict], interesting=frozenset()) -> None:
    """Cap at low a medium pair (X, A) when A is a monotone function of B (|rho| >=
    MONOTONE_RHO) and (X, B) is at least as strong: epil's y with log(base) after y with
    base is one fact. A target, KPI or arm (``interesting``) is not capped for a twin that
    is none: loanapp's 'approve' is 1 - 'reject', and its pairs, not reject's, are the
    table's question (the approval gap by race was low)."""
    pairs = {}
    twins: dict[str, set[str]] = {}
    for f in findings:
        x, y = f["subject"]["columns"]
        pairs[frozenset((x, y))] = f
        rho = f["measurement"]["values"].get("spearman_rho")
        if rho is not None and abs(rho) >= MONOTONE_RHO:
            twins.setdefault(x, set()).add(y)
            twins.setdefault(y, set()).add(x)

    def strength(f: dict) -> float:
        v = f["measurement"]["values"]
        return max(abs(v["pearson_r"] or 0.0), abs(v["spearman_rho"] or 0.0))

    for f in findings:
        if f["severity"] not in ("medium", "high"):
            continue
        x, y = f["subject"]["columns"]
        for other, member in ((x, y), (y, x)):
            for lead in sorted(twins.get(member, ())):
                rival = pairs.get(frozenset((other, lead)))
                if rival is None or lead == other:
                    continue
                if member in interesting and lead not in interesting:
                    continue
                if (strength(rival), lead) > (strength(f), member):
                    f["severity"] = "low"
                    f["evidence"]["parameters"]["severity_capped"] = TWIN_RULE.format(
                        twin=member, lead=lead, other=other
                    )
                    break
            if f["severity"] == "low":
                break


SAME_CUT_RULE = (
    "{partner!r} and {stronger!r} are one driver of {target!r}, one a flag named after the "
    "other (a cut of it: node4 of nodes); the stronger partner keeps its severity, this "
    "pair is at most low"
)


def _same_driver(
    findings: list[dict], pearson: dict, cols: list[str], targets, flags=frozenset()
) -> None:
    """Cap at low each medium pair of a target whose other column restates a stronger
    partner of the same target (|r| >= SAME_DRIVER_R between the two partners, or one a
    flag named after the other)."""
    index = {c: k for k, c in enumerate(cols)}
    for target in sorted(targets):
        pairs = []
        for f in findings:
            x, y = f["subject"]["columns"]
            values = f["measurement"]["values"]
            r = values["pearson_r"]
            # a partner whose r rests on a few rows is still the stronger one: hbk's X1 is
            # X3 (r 0.96), both lifted by the same leverage points
            few_rows = _ranks_disagree(r, values.get("spearman_rho"))
            if (f["severity"] == "medium" or few_rows) and target in (x, y) and r is not None:
                pairs.append((-abs(r), y if x == target else x, f))
        pairs.sort(key=lambda t: (t[0], t[1]))
        kept: list[str] = []
        for _, partner, f in pairs:
            if f["severity"] != "medium":
                kept.append(partner)
                continue
            for stronger in kept:
                a, b = sorted((index[partner], index[stronger]))
                r = (pearson.get((a, b)) or {}).get("r")
                if (partner in flags and named_after(partner, stronger)) or (
                    stronger in flags and named_after(stronger, partner)
                ):
                    # colon's node4 ('more than 4 nodes') after nodes: one driver, cut
                    f["severity"] = "low"
                    f["evidence"]["parameters"]["severity_capped"] = SAME_CUT_RULE.format(
                        partner=partner, stronger=stronger, target=target
                    )
                    break
                if r is not None and abs(r) >= SAME_DRIVER_R:
                    f["severity"] = "low"
                    f["evidence"]["parameters"]["severity_capped"] = SAME_DRIVER_RULE.format(
                        partner=partner,
                        stronger=stronger,
                        r=abs(r),
                        limit=SAME_DRIVER_R,
                        target=target,
                    )
                    break
            else:
                kept.append(partner)


def _t_pvalue(t: float, df: int) -> float:
    return float(2.0 * stats.t.sf(abs(t), df))


# -- correlation --------------------------------------------------------------------------


#: a correlation with a KPI or target is medium from Cohen's "medium" effect: an outcome's
#: moderate drivers are what its table is read for (wages ~ age, r = 0.36)
INTEREST_MEDIUM_R = 0.3
#: ... and from this |r| when one of the two is a 0/1 flag: a point-biserial r (a phi for
#: two flags) of 0.2 is epsilon^2 0.04 (a measure across two levels) and Cramér's V 0.2,
#: the bars the same pair meets in group_differences and cramers_v when the flag is text
#: (colon's positive nodes and recurrence or death, r = 0.26)
INTEREST_MEDIUM_R_FLAG = 0.2


INTEREST_RULE = (
    f"a pair with a KPI or target (declared in the dataset spec, or, when the spec declares "
    f"no targets, a measure named 'target', 'outcome', 'response', 'y', 'price', 'wage', "
    f"'wages', 'lwage', 'salary' or 'earnings', or a 0/1 flag named like a result: 'death', "
    f"'deny', 'vote', 'lfp'..., or a survival table's event flag beside its follow-up time: "
    f"'status', 'cens', 'event' with 'time') is medium from |r| >= {INTEREST_MEDIUM_R} "
    f"(Cohen's medium effect), from |r| >= {INTEREST_MEDIUM_R_FLAG} when either column is a "
    "0/1 flag (point-biserial r 0.2 is epsilon^2 0.04, the bar of a measure across a text "
    "flag's two levels), whatever the columns' other partners: each "
    "strong driver of an outcome is worth a look; it joins no correlated group"
)


#: a Pearson r that ranks do not support: Spearman's rho of the other sign, or under this
RANKS_DISAGREE_RHO = 0.2
#: ... with r this far above it (two 0/1 flags have rho = r: no disagreement)
RANKS_DISAGREE_GAP = 0.3
#: ... or, whatever rho, r this far above |rho|: hbk's X3 and Y, r 0.76 from 14 leverage
#: points, rho 0.22 (a real relation that ranks blur stays within it: Gasoline's cars and
#: fuel per car, r -0.69, rho -0.35)
RANKS_FAR_GAP = 0.4
RANKS_DISAGREE_RULE = (
    "Pearson r = {r:+.2f} but Spearman rho = {rho:+.2f}: the ranks do not move together, so "
    "r rests on a few extreme rows (one year, one unit), not on the bulk of the table; "
    "severity at most low; look at the extreme rows instead"
)


def _ranks_disagree(r: float | None, rho: float | None) -> bool:
    """Whether Spearman's rho contradicts Pearson's r: the other sign, |r| RANKS_FAR_GAP
    or more above |rho|, or |rho| under RANKS_DISAGREE_RHO with r RANKS_DISAGREE_GAP or
    more above it."""
    if r is None or rho is None:
        return False
    if rho * r < 0 or abs(r) >= abs(rho) + RANKS_FAR_GAP:
        return True
    return abs(rho) < RANKS_DISAGREE_RHO and abs(r) >= abs(rho) + RANKS_DISAGREE_GAP


#: two columns named alike but for a last 1 and 2, each of at most this many distinct
#: whole numbers, are one item's first and second code
PAIRED_CODES_MAX = 20
PAIRED_STEM = 4
PAIRED_TAG = re.compile(r"[._-][A-Za-z]{1,3}[12]$")


def _paired_codes(ctx, x: str, y: str) -> str | None:
    """Why two columns are the first and second code of one item (aldh2's 'EXON1.a1' and
    'EXON1.a2', the two alleles of a locus, r 0.80): names equal but for a last '1' and
    '2' after an item's name and a short tag ('.a', '_al'), both whole numbers of at most
    PAIRED_CODES_MAX values. Codes are not quantities, and a pair written in
    order (smaller allele first) or with one missing code (0/0) correlates by how it was
    written; None otherwise."""
    a, b = sorted((x.strip(), y.strip()))
    if len(a) != len(b) or a[:-1] != b[:-1] or (a[-1:], b[-1:]) != ("1", "2"):
        return None
    # '<item>.a1': a short tag after a separator names the copy ('change1' and 'change2'
    # are two alternatives' counts, compared as such)
    if len(a) < PAIRED_STEM + 2 or not PAIRED_TAG.search(a):
        return None
    for c in (x, y):
        info = ctx.dataset.column(c)
        lo_hi = info.value_range
        if (
            not info.distinct_exact
            or info.distinct_at_least > PAIRED_CODES_MAX
            or lo_hi is None
            or not all(float(v).is_integer() for v in lo_hi)
        ):
            return None
    return (
        f"{a!r} and {b!r} are the first and second code of one item (two alleles of a "
        f"locus, a pair's two answers): whole-number codes of at most {PAIRED_CODES_MAX} "
        "values, written in order or with a shared missing code, whose correlation is how "
        "they were written, not an effect"
    )


def _flag_of(ctx, x: str, y: str) -> str | None:
    """Why a 0/1 flag restates the measure it is paired with (colon's node4, 'more than 4
    nodes', beside nodes), or None."""
    for flag, measure in ((x, y), (y, x)):
        if (
            ctx.dataset.column(flag).role == ColumnRole.BOOLEAN
            and ctx.dataset.column(measure).role != ColumnRole.BOOLEAN
            and named_after(flag, measure)
        ):
            return f"{flag!r} is a flag named after {measure!r} (a cut of it)"
    return None


_BMI_NAMES = frozenset({"bmi", "body_mass_index", "bodymassindex", "quetelet"})
_WEIGHT_NAMES = frozenset({"weight", "wt", "wgt", "mass", "kg"})
_HEIGHT_NAMES = frozenset({"height", "ht", "hgt", "stature", "cm"})


def _body_mass_index(cols: list[str], i: int, j: int) -> str | None:
    """Why a body-mass index and a weight or height of the same table are tied: BMI is
    weight / height^2 (CrohnD's BMI against weight, r = 0.82), computed, not measured;
    only when both a weight and a height column stand in the table."""
    for bmi, other in ((i, j), (j, i)):
        if (bmi, other) in _bmi_sources(tuple(cols)):
            return f"{cols[bmi]!r} is a body-mass index, weight / height^2: computed from {cols[other]!r}"
    return None


@functools.lru_cache(maxsize=16)
def _bmi_sources(cols: tuple[str, ...]) -> frozenset[tuple[int, int]]:
    """(bmi column, weight or height column) index pairs of a table, read from the names
    once per table (the pairs are many)."""
    tokens = [name_tokens(c) for c in cols]
    weights = [k for k, t in enumerate(tokens) if t & _WEIGHT_NAMES]
    heights = [k for k, t in enumerate(tokens) if t & _HEIGHT_NAMES]
    if not weights or not heights:
        return frozenset()
    bmis = [k for k, t in enumerate(tokens) if t & _BMI_NAMES]
    return frozenset((b, o) for b in bmis for o in weights + heights)


def _flag_codes(ctx, state) -> dict[int, tuple[float, float]]:
    """{column index: (low code, high code)} of the yes/no flags (boolean role) holding
    exactly two values (0/1, 1/2), from the scan's value maps."""
    out = {}
    for i, c in enumerate(ctx.columns):
        cmap = state[c]["map"]
        if ctx.dataset.column(c).role != ColumnRole.BOOLEAN:
            continue  # mfblong's var3 (0 / 0.707, a contrast code) is no yes/no flag
        if not cmap.overflow and cmap.values.size == 2:
            out[i] = (float(cmap.values[0]), float(cmap.values[1]))
    return out


#: a column of whole-number codes with 3..BIN_MAX_CODES values (an age group 1..3, an
#: education level 1..4) is checked for being a binning of the measures paired with it
BIN_MAX_CODES = 12


def _bin_codes(ctx, state, flags) -> dict[int, tuple[float, ...]]:
    """{column index: its codes, ascending} of the columns holding 3..BIN_MAX_CODES whole
    numbers (a yes/no flag is checked by _flag_codes): the candidates for a binning of a
    measure, whose rows are tracked per code by the pearson pass."""
    out = {}
    for i, c in enumerate(ctx.columns):
        cmap = state[c]["map"]
        if i in flags or cmap.overflow or not 3 <= cmap.values.size <= BIN_MAX_CODES:
            continue
        values = np.asarray(cmap.values, dtype=float)
        if np.all(values == np.round(values)):
            out[i] = tuple(float(v) for v in values)
    return out


def _code_blocks(data: np.ndarray, ok: np.ndarray, codes) -> tuple[np.ndarray, np.ndarray]:
    """(row order, start of each code's block) of one chunk's code column (a 0/1 flag or
    numbered codes, ascending): its rows sorted by code, stably, the rows without a code
    last. Sorted once per chunk, it serves every measure paired with the column
    (_ranges_by_block), one gather per pair instead of one scan per code."""
    index = np.where(ok, np.searchsorted(np.asarray(codes), data), len(codes))
    order = np.argsort(index, kind="stable")
    starts = np.concatenate(([0], np.cumsum(np.bincount(index, minlength=len(codes) + 1))))
    return order, starts


def _ranges_by_block(blocks, other: np.ndarray, both: np.ndarray, n_codes: int) -> list:
    """[min, max] of ``other`` at each code in turn over the rows ``both`` (None, None for
    a code with none), from _code_blocks' order."""
    order, starts = blocks
    with np.errstate(invalid="ignore"):
        values = np.where(both, other, np.nan)[order]
    out: list = []
    for k in range(n_codes):
        block = values[starts[k] : starts[k + 1]]
        if block.size and not np.isnan(block).all():
            out += [float(np.nanmin(block)), float(np.nanmax(block))]
        else:
            out += [None, None]
    return out


def _merge_ranges(a: list | None, b: list) -> list:
    if a is None:
        return list(b)
    out = []
    for k, (x, y) in enumerate(zip(a, b, strict=True)):
        if x is None or y is None:
            out.append(y if x is None else x)
        else:
            out.append(min(x, y) if k % 2 == 0 else max(x, y))
    return out


def _cut_of(ctx, info: dict, i: int, j: int) -> str | None:
    """Why a 0/1 flag is a cut of the measure it is paired with: the measure's values at
    its two codes do not overlap (lbw's 'low' is 1 exactly where 'bwt' is under 2,500 g),
    or None."""
    cols = ctx.columns
    for flag, other in ((i, j), (j, i)):
        ranges = info.get("cuts", {}).get((flag, other))
        if ranges is not None and flag in info.get("bin_codes", {}):
            rows = (info.get("moments", {}).get((min(i, j), max(i, j))) or [0])[0]
            if 2 * rows < ctx.dataset.row_count - ctx.dataset.column(cols[flag]).null_count:
                continue  # a measure on a few rows falls in blocks by chance (cgd0's etime4)
            binning = _binning_of(info["bin_codes"][flag], ranges)
            if binning is not None:
                return (
                    f"{cols[flag]!r} holds one block of the values of {cols[other]!r} per code "
                    f"({binning}): a binning of it"
                )
            continue
        if ranges is None or None in ranges:
            continue
        lo_min, lo_max, hi_min, hi_max = ranges
        codes = info["flag_codes"][flag]
        if lo_max < hi_min:
            where = f"above {lo_max:g}"
        elif hi_max < lo_min:
            where = f"below {lo_min:g}"
        else:
            continue
        return (
            f"{cols[flag]!r} is {codes[1]:g} exactly where {cols[other]!r} is {where} (its "
            f"values at the two codes do not overlap): a cut of it"
        )
    return None


def _binning_of(codes, ranges: list) -> str | None:
    """How a code column bins a measure, from the measure's [min, max] at each code: the
    codes with rows hold ranges that do not overlap and follow the codes' order, up or
    down (ICU's AgeGroup 1, 2, 3 holding ages 16-49, 50-69, 70-92), or None."""
    held = [
        (code, ranges[2 * k], ranges[2 * k + 1])
        for k, code in enumerate(codes)
        if ranges[2 * k] is not None
    ]
    if len(held) < 3:
        return None
    rising = all(a[2] < b[1] for a, b in pairwise(held))
    falling = all(a[1] > b[2] for a, b in pairwise(held))
    if not (rising or falling):
        return None
    return ", ".join(f"{lo:g}..{hi:g} at {code:g}" for code, lo, hi in held)


def _flag_table(ctx, info: dict, i: int, j: int, pr: dict) -> list[list[int]] | None:
    """The 2 x 2 count table of two complete 0/1 (or 1/2) flags, rows the first flag's
    lower and higher code, columns the second's; None when either is not such a flag.

    It is their counts of ones and r (phi): n11 = (r sqrt(a (n - a) b (n - b)) + a b) / n,
    an integer up to rounding."""
    x, y = ctx.columns[i], ctx.columns[j]
    n, r = pr["n"], pr["r"]
    if r is None or any(ctx.dataset.column(c).role != ColumnRole.BOOLEAN for c in (x, y)):
        return None
    if info["scan"][x]["n"] != n or info["scan"][y]["n"] != n:
        return None  # a flag missing on some rows: its counts of ones are not the pair's
    ranges = [ctx.dataset.column(c).value_range for c in (x, y)]
    if any(v is None or v[1] <= v[0] for v in ranges):
        return None
    # counts of the higher code (1 of 0/1, 2 of 1/2): phi is the same for either coding
    a, b = (
        round((info["means"][k] - lo) / (hi - lo) * n)
        for k, (lo, hi) in zip((i, j), ranges, strict=True)
    )
    both = (r * math.sqrt(a * (n - a) * b * (n - b)) + a * b) / n
    if abs(both - round(both)) > 0.01:
        return None  # not two 0/1 columns after all
    both = round(both)
    return [[n - a - b + both, b - both], [a - both, both]]


def _nested_flags(ctx, info: dict, i: int, j: int, pr: dict) -> str | None:
    """Why two 0/1 flags are tied by construction: never 1 together (medpar's type1 and
    type2, dummies of one admission type), or one 1 only where the other is (Benefits'
    young kids and kids): ``_common.nested_cell`` of their 2 x 2 table."""
    x, y = ctx.columns[i], ctx.columns[j]
    table = _flag_table(ctx, info, i, j, pr)
    cell = None if table is None else nested_cell(table)
    if cell is None:
        return None
    if cell == (1, 1):
        return f"{x!r} and {y!r} are never 1 together (exclusive codes, as one-hot dummies)"
    if cell == (0, 0):
        return f"every row has {x!r} or {y!r} at 1 (complementary codes)"
    inner, outer = (x, y) if cell == (1, 0) else (y, x)
    return f"{inner!r} is 1 only where {outer!r} is 1 (nested codes)"


#: an odds ratio this far from 1 (or its inverse) is a strong association of a yes/no
#: outcome with a yes/no factor, however small phi: a rare outcome (1.8% deaths) keeps
#: phi small when its risk is 9 times higher in one group
STRONG_ODDS_RATIO = 3.0
ODDS_RULE = (
    f"a 0/1 target against a 0/1 factor: medium when significant and the odds ratio is >= "
    f"{STRONG_ODDS_RATIO:g} or <= 1/{STRONG_ODDS_RATIO:g} (a strong association, however "
    "small phi: a rare outcome keeps phi small when its risk is many times higher in one "
    "group); the outcome's share at each of the factor's two codes is in the title"
)


def _outcome_risks(ctx, info: dict, i: int, j: int, pr: dict) -> dict | None:
    """For a 0/1 target and a 0/1 factor: the target's share of its higher code at each
    of the factor's codes, and the odds ratio (None when a cell is empty); None when the
    pair is not a target flag and a factor flag."""
    x, y = ctx.columns[i], ctx.columns[j]
    targets = set(ctx.dataset.targets)
    if (x in targets) == (y in targets):
        return None
    table = _flag_table(ctx, info, i, j, pr)
    if table is None:
        return None
    if x in targets:  # rows: the factor's codes, columns: the outcome's
        table = [[table[0][0], table[1][0]], [table[0][1], table[1][1]]]
        outcome, factor = x, y
    else:
        outcome, factor = y, x
    (n00, n01), (n10, n11) = table
    if min(n00 + n01, n10 + n11) == 0:
        return None
    cells = n00 * n11, n01 * n10
    return {
        "outcome": outcome,
        "factor": factor,
        "codes": [_plain(v) for v in ctx.dataset.column(factor).value_range],
        "outcome_code": _plain(ctx.dataset.column(outcome).value_range[1]),
        "risks": [n01 / (n00 + n01), n11 / (n10 + n11)],
        "odds_ratio": cells[0] / cells[1] if cells[1] else None,
    }


def _risk_note(risks: dict) -> str:
    """ "'died' = 1 in 3.4% of rows where 'procedure' = 1, 0.4% where 0": what an expert
    reads first of a yes/no outcome against a yes/no factor."""
    low, high = risks["risks"]
    lo_code, hi_code = risks["codes"]
    return (
        f"{risks['outcome']!r} = {risks['outcome_code']} in {high:.1%} of rows where "
        f"{risks['factor']!r} = {hi_code}, {low:.1%} where {lo_code}"
    )


GROUP_MIN_COLUMNS = 3

TRANSFORM_PAIR_RULE = (
    "{column!r} is a monotone function of {base!r} (Spearman rho 1: a log, a square): its "
    "correlations with other measures restate those of {base!r}; severity at most low, and "
    "it links no correlated group"
)
IDENTITY_PAIR_RULE = (
    "{column!r} is a linear identity of other measures (see its linear_identity finding): "
    "its correlations restate theirs; severity at most low, and it links no correlated group"
)
#: two columns equal on at least this many shared rows are a copy
COPY_MIN_ROWS = 10
#: relative tolerance of a copy: the deviations the moments are summed from are rounded
COPY_TOLERANCE = 1e-9
#: ... and both have at least this many distinct values (no flags or short codes)
COPY_MIN_DISTINCT = 10
COPY_RULE = (
    f"two measures of at least {COPY_MIN_DISTINCT} distinct values each, equal on every row "
    f"where both have a value (at least {COPY_MIN_ROWS} rows; r = 1 with the same mean and "
    f"spread there, to a relative {COPY_TOLERANCE:g}): one is a copy of the other, under "
    "another name, made on purpose or by mistake; medium, said once; the "
    "copy (the column with more missing values, else the later one) restates the "
    "original: its pairs are at most low and link no correlated group"
)
#: a linear identity needs this many rows beyond its coefficients (residual degrees of
#: freedom): 2 rows fit any line exactly, 12 rows that keep b = a + 1 are a rule
IDENTITY_MIN_DF = 10
IDENTITY_RULE = (
    f"a complete measure that a least-squares fit on at most {MAX_TERMS} other complete "
    f"measures reproduces to R^2 >= {IDENTITY_R2} (stepwise on the exact Pearson "
    f"correlations, plain float arithmetic) on at least {IDENTITY_MIN_DF} rows more than it has "
    "coefficients: a column computed from others (a mean, a total, "
    "a difference, a rescaling), which adds no information of its own; medium (low for one "
    "measure times a factor other than 1: a unit conversion), said once "
    "per set of columns; none is claimed when a column outside it would close half or more "
    "of the fit's remaining gap (1 - R^2): the relation is larger than the fit (a total of "
    "more columns than an identity names)"
)

RESCALED_RULE = (
    "one other measure times a factor other than 1 (plus a constant): the same quantity in "
    "other units (grams from ounces, a share from a percentage), made by construction; "
    "severity low"
)

#: a pair that is the strongest correlation of *both* its columns is medium from Cohen's
#: "large" effect: each column's one clear partner (price and lot size, crime rate and
#: density, food share and total spending) is worth a look even under MEDIUM_R
MUTUAL_MEDIUM_R = 0.5

MUTUAL_RULE = (
    f"medium from max(|r|, |rho|) >= {MUTUAL_MEDIUM_R} (Cohen's large effect; a skewed "
    "measure's rank correlation, VA's Karnofsky score and survival time rho 0.57, r 0.38) for "
    "a pair that is the strongest (|r|) correlation of both its columns (under "
    f"{MEDIUM_R} otherwise): each column's "
    "one clear partner is worth a look; such a pair links no correlated group"
)


#: ... and of *one* of its columns, outside every correlated group, from the same |r|
ONE_SIDED_MEDIUM_R = 0.5
ONE_SIDED_RULE = (
    f"medium from |r| >= {ONE_SIDED_MEDIUM_R} (Cohen's large effect) for a pair that is the "
    "strongest correlation of one of its columns, when neither column is in a correlated "
    "group, no category's levels carry it, no cap applies, the table is no panel (units "
    "observed period after period: a pooled pair mixes the units' levels) and neither "
    "column is a product named after others (PERSPEN_PTRATIO): that column's one clear "
    "partner (a bill and the party's size, a patient's age and death)"
)


#: a pair in which a column holds fewer than this many rows off its most common value
#: rests on those few rows (Quarrels' 'ignorance' coded on 6 of 779 wars): anecdotes, not
#: an association; 10 is the events-per-variable rule of thumb of regression (Peduzzi et al.
#: 1996) and keeps 12 crisis years that two countries share
SPARSE_MIN_ROWS = 10
SPARSE_RULE = (
    "{column!r} holds {rows} row(s) off its most common value ({mode!r}): the "
    f"correlation rests on those few rows (fewer than {SPARSE_MIN_ROWS}), an "
    "anecdote rather than an association; severity at most low, and the pair links no "
    "correlated group"
)


#: |r| from which two measures are one quantity twice (a transform, a second reading)
NEAR_COPY_R = 0.99
NEAR_COPY_RULE = (
    "r = {r:+.4f}: one column all but determines the other (a transform or a rescaling of "
    "it, or a second reading of one quantity: pm25's AQI of its PM2.5, a race's gun and "
    "net times), redundant rather than an effect; severity at most low unless a target "
    "or an arm is one of them"
)
DERIVED_RULE = (
    "{why}: one column is computed from the other, so they correlate by construction; "
    "severity at most low, and the pair links no correlated group"
)

#: |Spearman rho| from this on: one column is a monotone function of the other (1 less a
#: rounding's few swapped ranks: uis' ND2 = ND1 log(ND1), stored rounded, has rho -0.99997)
MONOTONE_RHO = 1 - 1e-4
#: two totals of units of every size (``_shared.scale``) correlating at least this much
#: restate the units' sizes
SIZE_R = 0.95


SUMMARY_RULE = (
    "two summaries of one quantity ({quantity!r}: mean and worst, max and min, a period's "
    "open and close, read from the column names) correlate by construction: severity at most "
    "low, and the pair links no correlated group"
)


GROUP_RULE = (
    "3 or more measures linked by strong correlations (medium pairs: Pearson |r| or Spearman "
    f"|rho| >= {MEDIUM_R}; a pair strong by ranks only can have a small Pearson r) are "
    "reported once, as a correlated group (medium); the pairs inside the group are low: "
    "measures that move together (mean and worst of one quantity, a size measured three "
    "ways) are one fact about the table, worth one look"
)


class Correlation(Analysis):
    id = "correlation"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = (
        "per column distinct-value maps up to distinct_cap, pair co-moments bounded by max_pairs"
    )
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {"pearson_p": PROBABILITY_DIGITS, "spearman_p": PROBABILITY_DIGITS}
    family = "relationships"
    title = "Pearson and Spearman correlation of numeric pairs"
    requires = NUMERIC_KINDS
    exact = True
    passes = 4
    method = (
        "For each pair of numeric columns, on the rows where both values are finite: Pearson r "
        "from co-moments summed exactly (pass 1: exact column sums -> means; pass 2: exact sums "
        "of deviations, squared deviations and deviation products, corrected exactly to the "
        "pair's own means), p-value two-sided from Student's t with n-2 df "
        "(t = r*sqrt((n-2)/(1-r^2))); Spearman rho = Pearson r of average ranks (ties "
        "averaged), from exact distinct-value maps (at most distinct_cap distinct values per "
        "column; a pair whose partner has nulls needs maps on its complete rows, built "
        "strongest pair first within 20 x distinct_cap values per pass; else Spearman is "
        "skipped and the reason stated) and an exact integer rank "
        "co-moment, p-value by the same t approximation as scipy.stats.spearmanr. Pairs: all "
        "when at most max_pairs; else the max_pairs strongest by |Pearson r| after an exact "
        "Pearson pass over all pairs when pairs*rows <= 1e9, else the first max_pairs pairs in "
        "column order. Severity: medium when max(|r|,|rho|) >= 0.7, low when >= 0.4, both only "
        "when the smaller p-value times the number of pairs tested (Bonferroni) < 0.001 (< "
        f"{LARGE_ALPHA:g} for a large effect, max(|r|,|rho|) >= 0.5: " + LARGE_RULE + "); "
        "else info. Medium becomes low when (a) the pair is weaker than both columns' "
        "strongest correlation, (b) both columns correlate with the table's time axis (its "
        "first timestamp, else a year column; read along, never reported) at |r| >= 0.7 "
        "(a shared trend), or (c) the table holds one row per time point (>= 90% distinct "
        "timestamps, or year and quarter (month) columns with at most 4 (12) rows per "
        "year): levels of time series correlate through trends and cycles. Rules (b) and (c) "
        "do not apply when the correlation with the linear time trend partialled out, "
        "(r - r_xt r_yt) / sqrt((1 - r_xt^2)(1 - r_yt^2)), keeps |r| >= 0.9, outside a panel "
        "and while both |r_xt| < 0.95 (a line leaves growth's curvature in both residuals): "
        "the two move together beyond their trends (approval and disapproval). 3 or more "
        "measures linked by medium pairs (before rule (a); connected components) are one "
        "correlated group, reported first (medium, with its strong pairs), and the pairs "
        "inside it are low. A pair with a KPI, a trial's arm (a flag named treat, trt, rx, dose, "
        "arm...) or target (declared in the dataset spec; without "
        "declared targets, a measure named like an outcome: see declared_interest) is medium from "
        "|r| >= 0.3 (Cohen's medium; 0.2 when either column is a 0/1 flag; a 0/1 target against "
        f"a 0/1 factor also when its odds ratio is >= {STRONG_ODDS_RATIO:g} or <= "
        f"1/{STRONG_ODDS_RATIO:g}, as a rare outcome keeps phi small, with the target's share "
        "at each of the factor's codes in the title), without rule (a), "
        "and joins no group; a trial's arm against its outcome (treatment and target) is "
        "its primary comparison, one hypothesis: significant at p < 0.01 alone, not "
        "Bonferroni over the pairs (with no outcome named, any pair with a trial's arm: p < "
        "0.01 after Bonferroni over that arm's pairs); of a target's "
        "medium partners, one correlating at |r| >= 0.95 with a stronger partner, or a flag "
        "named after it (node4 after nodes), is that "
        "driver again (a diamond's width after its weight): at most low. Two complete 0/1 "
        "(or 1/2) flags whose 2 x 2 table has one empty cell that >= 5 rows would fill under "
        "independence, both its margins >= 30 rows (never 1 together: one-hot dummies; one "
        "1 only where the other is: young kids and kids; the table from the counts of ones "
        "and phi), are coded so by construction: derived, at most low; so is a yes/no flag "
        "whose partner's values at its two codes do not overlap (exact ranges per code: a "
        "cut of the measure, lbw's 'low' of 'bwt'), and a body-mass index (named bmi) with "
        "a weight or a height when both stand in the table (weight / height^2), and two "
        "whole-number codes of at most 20 values named alike but for a last 1 and 2 after a "
        "short tag ('EXON1.a1', 'EXON1.a2': the two alleles of a locus, one item's first and "
        "second code). A pair whose Pearson r "
        f"is medium while Spearman's rho has the other sign, or |rho| < {RANKS_DISAGREE_RHO} "
        f"with r {RANKS_DISAGREE_GAP} or more above it, or |r| {RANKS_FAR_GAP} or more above "
        "|rho|, "
        "rests on a few extreme rows (Arbuthnot's plague year 1665): at most low, and it "
        "links no correlated group. A pair in "
        "which a "
        f"column holds fewer than {SPARSE_MIN_ROWS} rows off its most common value rests on "
        "those rows (an anecdote: Quarrels' reasons coded on 6 of 779 wars): at most low, "
        "no group. A pair that is the "
        "strongest correlation of both its columns is medium from |r| >= 0.5 too (each "
        "column's one clear partner), subject to the caps that follow, and joins no group; so is "
        "the strongest correlation of one of its columns when neither column is in a "
        "correlated group and no cap applies. A medium pair whose correlation the levels of "
        "a category carry (up to 3 categories of 2..20 levels; the pooled within-level r, "
        "from the pair's exact co-moments less the levels' between-level parts, turns or "
        "keeps under half of r: Simpson) is at most low, and the strongest pair of one column "
        "is medium only when its within-level r stays >= 0.5. Two summaries of "
        "one quantity, read from the names ('mean radius' and 'worst radius', 'temp_max' and "
        "'temp_min', a price's open/high/low/close, 3 or more of them in the table) are at most low and link no group: they "
        "correlate by construction. So are a pair with |Spearman rho| >= 0.9999 (one column a monotone "
        "function of the other: a log, a square) and interaction terms of a common factor "
        "('A_B' beside 'A' or 'A_C', named by joining column names), a column and its "
        "adjusted or per-unit twin read from the names ('adjsimp' of 'simplicity': 'adj' and "
        "the start of the other's name; 'kwhpday' of 'kwh': the other's name and pday, "
        "perday, pc, percap...; such a twin is no stronger partner that makes the original's "
        "other pairs low), a sum and its part read from the names (a column named sum, total "
        "or tot and a stem, the part's name opening with the stem's first 3 letters: "
        "'sumnatsoc' and 'natchld'; two such sums: 'sumnat' and 'sumnatsoc'), a survival table's "
        "event flag and its follow-up time (censoring), and a 0/1 flag named "
        "after the measure it is paired with (node4 and nodes, age80 and age, prevAllies and yearsAllies: a cut of it, "
        "checked row by row by flag_consistency): at most low, no group; so is a column "
        f"of 3..{BIN_MAX_CODES} whole-number codes whose codes hold disjoint ranges of the "
        "measure paired with it, in the codes' order, on at least half the code column's "
        "rows (ICU's AgeGroup 1, 2, 3 of Age: a binning of it); "
        "so is one measure in two periods, read from the names (a wide table's '1960' and "
        "'1961', 'hits86' and 'hits87', 'BILLS103' and 'BILLS104', 'JAN' and 'FEB') or "
        "at two times (names that differ in one part only, both parts marking a time: "
        "'pacu30min_cough' and 'pacu90min_cough', 'bdi.pre' and 'bdi.2m'): "
        "persistence, not an effect. "
        f"A pair with |r| >= {NEAR_COPY_R} (and ranks that agree) is one quantity twice "
        "(a transform, a rescaling, a second reading: pm25's AQI of its PM2.5): at most low "
        "unless a target or an arm is one of them. "
        "So is a pair with |r| >= 0.95 of two totals whose positive values each span a "
        "20-fold range or more (largest >= 20 x smallest, x 1 for a count that is 0 in some "
        "rows: units of every size, a population and its adults, a county's deaths), in a table with a time axis or when both are counts (whole "
        "numbers): it restates the units' sizes (a cross-section's cost and output of firms "
        "of every size is the relation itself); a correlated group of such totals "
        "only is low. Linear identities: a complete measure (no missing or non-finite value) "
        f"that a stepwise least-squares fit on at most {MAX_TERMS} other complete measures "
        "reproduces to R^2 >= 1 - 1e-5 (terms of standardised weight under 0.01, taken "
        "only for rounding, dropped when the fit stays within 1e-5 of that; from the exact "
        "correlations, when every pair was correlated; "
        f"plain float arithmetic; at least {IDENTITY_MIN_DF} rows more than coefficients) is "
        "one medium finding, first, with its coefficients "
        "(testscr = 0.5 readscr + 0.5 mathscr); the pairs of that column are at most low and "
        "link no group. A measure equal to another on every row both have a value (at least "
        f"{COPY_MIN_ROWS} rows, {COPY_MIN_DISTINCT} distinct values each) is a copied column: one medium finding; the copy's pairs are at "
        "most low and link no group. Measures (role measurement, count, duration) "
        "and 0/1 flags (point-biserial r) are paired. " + PARALLEL_METHOD + ". " + CROSS_METHOD
    )
    reference = (
        "Pearson (1895); Spearman (1904), The proof and measurement of association between two "
        "things; Zar (1972), Significance testing of the Spearman rank correlation coefficient, "
        "JASA 67; Shewchuk (1997), Adaptive Precision Floating-Point Arithmetic"
    )
    access = (
        "streamed; pass 1 column sums + distinct-value maps, pass 2 pair co-moments, optional "
        "pass 3 pairwise distinct-value maps, pass 4 rank co-moments"
    )

    def plan(self, dataset, budget):
        # 0/1 flags too: a flag's correlation with a measure is the point-biserial one
        columns = dataset.columns_of(*NUMERIC_KINDS, roles=(*MEASURE_ROLES, ColumnRole.BOOLEAN))
        if len(columns) < 2:
            return None
        kept = columns[: budget.max_columns]
        axis = time_axis(dataset)
        if axis is not None and len(kept) >= 2:
            # read along, never reported: two series that both trend over time correlate
            # whether or not they are related (a shared trend, not an association)
            kept = [*kept[: budget.max_columns - 1], axis]
        total = len(kept) * (len(kept) - 1) // 2
        if total <= budget.max_pairs:
            selection = "all"
        elif total * dataset.row_count <= SCREEN_MAX_WORK:
            selection = "strongest"
        else:
            selection = "first"
        left_out: dict = {}
        if len(columns) > len(kept):
            left_out.update({"columns": columns[len(kept) :], "cap": "max_columns"})
        if total > budget.max_pairs:
            left_out["pairs"] = total - budget.max_pairs
            left_out["pairs_cap"] = "max_pairs"
            left_out["pairs_rule"] = (
                "kept the max_pairs strongest by |Pearson r| after an exact pass over all pairs"
                if selection == "strongest"
                else "kept the first max_pairs pairs in column order (screening all pairs "
                f"would read {total} pairs x {dataset.row_count} rows > {SCREEN_MAX_WORK})"
            )
        params = {"pair_selection": selection, "pairs_total": total, "alpha": ALPHA}
        units = unit_columns(dataset, axis) if axis is not None else []
        if units:
            # units observed period after period: a pooled pair mixes the units' levels
            params["panel_units"] = units
        groups = [
            g
            for g in dataset.columns_of(ColumnKind.CATEGORICAL, roles=(ColumnRole.CATEGORY,))
            if dataset.column(g).distinct_exact
            and 2 <= dataset.column(g).distinct_at_least <= MIXTURE_MAX_LEVELS
        ][:MIXTURE_MAX_GROUPS]
        if groups:
            params["mixture_groups"] = groups
        if axis is not None and axis in kept:
            params["time_axis"] = axis
            params["shared_trend_rule"] = SHARED_TREND_RULE
            if _one_row_per_time_point(dataset, axis):
                # one row per time point: the table is a set of time series
                params["time_series_table"] = SERIES_LEVELS_RULE
        return Plan(tuple(kept), params, left_out)

    def columns_for_pass(self, ctx):
        """The pair co-moments' pass also reads the categories that may pool the pairs."""
        groups = ctx.params.get("mixture_groups", [])
        if ctx.pass_index > 0 and groups and self._stage(ctx) == "pearson":
            return [*ctx.plan.columns, *(g for g in groups if g not in ctx.plan.columns)]
        return ctx.plan.columns

    # stage bookkeeping: ctx.previous[-1] is the running ``info`` dict
    def _stage(self, ctx) -> str:
        return "scan" if ctx.pass_index == 0 else ctx.previous[-1]["next"]

    def _screened_pairs(self, ctx) -> list[tuple[int, int]]:
        pairs = list(combinations(range(len(ctx.columns)), 2))
        if ctx.params["pair_selection"] == "first":
            return pairs[: ctx.budget.max_pairs]
        return pairs

    def init(self, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            return {c: {"n": 0, "bad": 0, "sum": 0, "map": CountMap()} for c in ctx.columns}
        if stage == "pearson":
            return {"pairs": {}, "maps": {}, "levels": {}, "cuts": {}}
        if stage == "maps":
            return {"maps": {}}
        return {"ranks": {}}

    def update(self, state, chunk, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            for c in ctx.columns:
                data, ok = _finite(chunk, c)
                s = state[c]
                vals = data[ok]
                s["n"] += int(vals.size)
                s["bad"] += int(data.size - vals.size)
                s["sum"] = _add_exact(s["sum"], _fixed_sum(vals))
                s["map"] = s["map"].merged(CountMap.of(vals, cap), cap)
            return state
        info = ctx.previous[-1]
        cols = ctx.columns
        cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def column(i):
            if i not in cache:
                cache[i] = _finite(chunk, cols[i])
            return cache[i]

        if stage == "pearson":
            self._update_pearson(state, chunk, ctx, info, column)
        if stage in ("pearson", "maps"):
            for i, j in info.get("map_keys", []):
                data_i, ok_i = column(i)
                _, ok_j = column(j)
                part = CountMap.of(data_i[ok_i & ok_j], cap)
                old = state["maps"].get((i, j), CountMap())
                state["maps"][(i, j)] = old.merged(part, cap)
        if stage == "spearman":
            self._update_spearman(state, ctx, info, column)
        return state

    def _update_pearson(self, state, chunk, ctx, info, column) -> None:
        means = info["means"]
        scales = info["scales"]
        devs: dict[int, np.ndarray] = {}
        col_sums: dict[int, tuple] = {}

        def dev(i):
            """Deviations from the column mean, scaled by 2**-k for tiny or huge columns
            (moment_scale: exact, and every use of them is scale-free or unscaled)."""
            if i not in devs:
                data, ok = column(i)
                k = scales[i]
                with np.errstate(over="ignore", invalid="ignore"):  # inf: said, see _times
                    if k:
                        devs[i] = np.where(ok, np.ldexp(data, -k) - math.ldexp(means[i], -k), 0.0)
                    else:
                        devs[i] = np.where(ok, data - means[i], 0.0)
            return devs[i]

        def col_sum(i):
            if i not in col_sums:
                d = dev(i)
                col_sums[i] = (_fixed_sum(d), _fixed_sum(_times(d, d)))
            return col_sums[i]

        def pair_sums(i, both):
            """(sum d, sum d*d) of column i over the rows ``both``: the column's sums less
            those of its rows the partner lacks (exact integers, so the same as summing
            the pair's rows; directly when a column sum overflowed)."""
            total, squares = col_sum(i)
            extra = column(i)[1] & ~both
            if not extra.any():
                return total, squares
            if total is None or squares is None:  # an overflowed square: the pair's rows
                d = dev(i)[both]
                return _fixed_sum(d), _fixed_sum(_times(d, d))
            d = dev(i)[extra]
            return total - _fixed_sum(d), squares - _fixed_sum(_times(d, d))

        blocks: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # a code column's rows by code
        for i, j in info["pearson_pairs"]:
            both = column(i)[1] & column(j)[1]
            n = int(np.count_nonzero(both))
            if not n:
                continue
            sx, sxx = pair_sums(i, both)
            sy, syy = pair_sums(j, both)
            sxy = _fixed_sum(_times(dev(i), dev(j)))  # 0 outside the pair's rows
            if sxy is None and n < both.size:
                sxy = _fixed_sum(_times(dev(i)[both], dev(j)[both]))
            old = state["pairs"].get((i, j))
            new = [n, sx, sy, sxx, syy, sxy]
            state["pairs"][(i, j)] = new if old is None else _add_moments(old, new)
            for flag, other in ((i, j), (j, i)):
                codes = info["flag_codes"].get(flag) or info.get("bin_codes", {}).get(flag)
                if codes is None or other in info["flag_codes"]:
                    continue
                if len(codes) > 2 and info["distinct"][other] <= len(codes):
                    continue  # as few values as codes: a recoding at most, no binning
                if flag not in blocks:
                    blocks[flag] = _code_blocks(*column(flag), codes)
                part = _ranges_by_block(blocks[flag], column(other)[0], both, len(codes))
                key = (flag, other)
                state["cuts"][key] = _merge_ranges(state["cuts"].get(key), part)
        # per category level: each measure's row count and exact sum of deviations, the
        # level means the Simpson guard (_within_r) subtracts; the time axis is never paired
        measures = [i for i, c in enumerate(ctx.columns) if c != ctx.params.get("time_axis")]
        for g in ctx.params.get("mixture_groups", []):
            encoded = pc.dictionary_encode(chunk.table.column(g)).combine_chunks()
            names = encoded.dictionary.to_pylist()
            codes = encoded.indices.to_numpy(zero_copy_only=False)
            valid = np.asarray(pc.is_valid(encoded).to_numpy(zero_copy_only=False))
            for i in measures:
                ok = valid & column(i)[1]
                k = codes[ok].astype(np.int64)
                d = dev(i)[ok]
                if not np.isfinite(d).all():
                    continue  # a deviation overflowed: no guard for this column
                counts = np.bincount(k, minlength=len(names))
                sums = grouped_fixed_sums(k, d, len(names))
                levels = state["levels"].setdefault((g, i), {})
                for code in np.flatnonzero(counts).tolist():
                    add = [int(counts[code]), sums[code]]
                    name = names[code]
                    levels[name] = add if name not in levels else _add_moments(levels[name], add)

    def _update_spearman(self, state, ctx, info, column) -> None:
        twice = _ChunkRanks(info["tables"], column, own=-1)
        for (i, j), (ki, kj) in info["spearman_pairs"].items():
            _, ok_i = column(i)
            _, ok_j = column(j)
            mask = ok_i & ok_j
            if not mask.any():
                continue
            centre = info["pearson"][(i, j)]["n"] + 1
            dx = twice(i, ki, mask) - centre
            dy = twice(j, kj, mask) - centre
            state["ranks"][(i, j)] = state["ranks"].get((i, j), 0) + int_sum(dx * dy)

    def merge(self, a, b, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            return {
                c: {
                    "n": a[c]["n"] + b[c]["n"],
                    "bad": a[c]["bad"] + b[c]["bad"],
                    "sum": _add_exact(a[c]["sum"], b[c]["sum"]),
                    "map": a[c]["map"].merged(b[c]["map"], cap),
                }
                for c in ctx.columns
            }
        out = {}
        if "pairs" in a:
            pairs = dict(a["pairs"])
            for key, value in b["pairs"].items():
                pairs[key] = list(value) if key not in pairs else _add_moments(pairs[key], value)
            out["pairs"] = pairs
        if "maps" in a:
            maps = dict(a["maps"])
            for key, value in b["maps"].items():
                maps[key] = (
                    maps[key].merged(value, cap) if key in maps else value.merged(CountMap(), cap)
                )
            out["maps"] = maps
        if "levels" in a:
            levels = {key: dict(value) for key, value in a["levels"].items()}
            for key, value in b["levels"].items():
                mine = levels.setdefault(key, {})
                for name, moments in value.items():
                    mine[name] = (
                        list(moments) if name not in mine else _add_moments(mine[name], moments)
                    )
            out["levels"] = {
                key: dict(sorted(value.items(), key=lambda kv: repr(kv[0])))
                for key, value in sorted(levels.items(), key=lambda kv: (kv[0][0], kv[0][1]))
            }
        if "cuts" in a:
            cuts = dict(a["cuts"])
            for key, value in b["cuts"].items():
                cuts[key] = _merge_ranges(cuts.get(key), value)
            out["cuts"] = dict(sorted(cuts.items()))
        if "ranks" in a:
            ranks = dict(a["ranks"])
            for key, value in b["ranks"].items():
                ranks[key] = ranks.get(key, 0) + value
            out["ranks"] = ranks
        return out

    def end_pass(self, state, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            return self._end_scan(state, ctx)
        info = ctx.previous[-1]
        if stage == "pearson":
            self._end_pearson(state, ctx, info)
        elif stage == "maps":
            self._store_maps(state, info)
            info["map_keys"] = []
            info["next"] = self._spearman_plan(ctx, info)
        else:
            info["ranks"] = state["ranks"]
            info["next"] = None
        return info

    def _end_scan(self, state, ctx) -> dict:
        cols = ctx.columns
        scan = {
            c: {
                "n": state[c]["n"],
                "bad": state[c]["bad"],
                "overflow": state[c]["map"].overflow,
                "sum_ok": state[c]["sum"] is not None,
            }
            for c in cols
        }
        means = []
        for c in cols:
            n = state[c]["n"]
            mean = fixed_ratio(state[c]["sum"], n) if n else 0.0
            means.append(mean if math.isfinite(mean) else 0.0)
        off_mode = []
        for c in cols:
            cmap = state[c]["map"]
            if cmap.overflow or not cmap.counts.size:
                off_mode.append(None)  # past distinct_cap values: never a handful of rows
            else:
                top = int(np.argmax(cmap.counts))  # the first of tied modes: deterministic
                off_mode.append((int(cmap.counts.sum() - cmap.counts[top]), cmap.values[top]))
        tables = {
            (i, -1): RankTable(state[c]["map"])
            for i, c in enumerate(cols)
            if not state[c]["map"].overflow and state[c]["n"]
        }
        pairs = self._screened_pairs(ctx)
        info = {
            "scan": scan,
            "distinct": [int(state[c]["map"].values.size) for c in cols],
            "off_mode": off_mode,
            "flag_codes": _flag_codes(ctx, state),
            "means": means,
            "scales": [moment_scale(ctx.dataset.column(c).value_range) for c in cols],
            "tables": tables,
            "pearson_pairs": pairs,
            "pearson": {},
            "selected": None,
            "map_keys": [],
            "spearman_pairs": {},
            "ranks": {},
        }
        info["bin_codes"] = _bin_codes(ctx, state, info["flag_codes"])
        if ctx.params["pair_selection"] != "strongest":
            info["selected"] = pairs
            info["map_keys"] = self._needed_maps(ctx, info)
        info["next"] = "pearson" if any(scan[c]["n"] for c in cols) else None
        return info

    def _map_key(self, ctx, info, i, j) -> tuple[int, int]:
        """Rank map of column i for the pair (i, j): its own when j has no invalid value."""
        return (i, j) if info["scan"][ctx.columns[j]]["bad"] else (i, -1)

    def _needed_maps(self, ctx, info) -> list[tuple[int, int]]:
        """Pairwise rank maps to build in the next pass: strongest pairs first, as many as
        fit in MAP_BUDGET_FACTOR * distinct_cap distinct values (a map of column i holds at
        most as many values as i's own map)."""
        budget = MAP_BUDGET_FACTOR * ctx.budget.distinct_cap
        pairs = list(info["selected"])
        if info["pearson"]:
            pairs.sort(key=lambda p: (-abs(info["pearson"][p]["r"] or 0.0), p))
        keys: set = set()
        used = 0
        for i, j in pairs:
            if (i, -1) not in info["tables"] or (j, -1) not in info["tables"]:
                continue
            new = {
                key
                for key in (self._map_key(ctx, info, i, j), self._map_key(ctx, info, j, i))
                if key[1] >= 0 and key not in info["tables"] and key not in keys
            }
            cost = sum(info["distinct"][key[0]] for key in new)
            if used + cost > budget:
                continue
            keys |= new
            used += cost
        return sorted(keys)

    def _store_maps(self, state, info) -> None:
        for key, cmap in sorted(state["maps"].items()):
            own = info["tables"][(key[0], -1)]
            info["tables"][key] = None if cmap.overflow else RankTable(cmap, own)
        for key in info["map_keys"]:
            info["tables"].setdefault(key, RankTable(CountMap()))

    def _end_pearson(self, state, ctx, info) -> None:
        info["levels"] = state.get("levels", {})
        info["cuts"] = state.get("cuts", {})
        info["moments"] = dict(state["pairs"])
        results = {}
        for pair in info["pearson_pairs"]:
            results[pair] = _unscaled(
                _pearson(state["pairs"].get(pair)), *(info["scales"][k] for k in pair)
            )
        if info["selected"] is None:
            ranked = sorted(
                info["pearson_pairs"],
                key=lambda p: (results[p]["r"] is None, -abs(results[p]["r"] or 0.0), p[0], p[1]),
            )
            info["selected"] = sorted(ranked[: ctx.budget.max_pairs])
        info["pearson"] = {p: results[p] for p in info["selected"]}
        if info["map_keys"]:
            self._store_maps(state, info)
        info["map_keys"] = [k for k in self._needed_maps(ctx, info) if k not in info["tables"]]
        info["next"] = "maps" if info["map_keys"] else self._spearman_plan(ctx, info)

    def _spearman_plan(self, ctx, info) -> str | None:
        plan = {}
        for i, j in info["selected"]:
            if info["pearson"][(i, j)]["n"] < 2:
                continue
            ki, kj = self._map_key(ctx, info, i, j), self._map_key(ctx, info, j, i)
            if info["tables"].get(ki) is None or info["tables"].get(kj) is None:
                continue
            plan[(i, j)] = (ki, kj)
        info["spearman_pairs"] = plan
        return "spearman" if plan else None

    def needs_another_pass(self, ctx):
        return ctx.previous[-1]["next"] is not None

    def _spearman_reason(self, ctx, info, i, j) -> str | None:
        cols = ctx.columns
        cap = ctx.budget.distinct_cap
        for a in (i, j):
            if info["scan"][cols[a]]["overflow"]:
                return (
                    f"exact ranks unaffordable: column {cols[a]!r} has more than "
                    f"distinct_cap = {cap} distinct finite values"
                )
        for a, b in ((i, j), (j, i)):
            key = self._map_key(ctx, info, a, b)
            if key in info["tables"] and info["tables"][key] is None:
                return (
                    f"exact ranks unaffordable: column {cols[a]!r} on the rows where "
                    f"{cols[b]!r} is valid has more than distinct_cap = {cap} distinct values"
                )
            if key[1] >= 0 and key not in info["tables"]:
                return (
                    "exact ranks unaffordable: the pairwise rank maps of stronger pairs filled "
                    f"the per-pass budget of {MAP_BUDGET_FACTOR} x distinct_cap = "
                    f"{MAP_BUDGET_FACTOR * cap} distinct values"
                )
        return None

    def findings(self, ctx):
        info = ctx.previous[-1]
        cols = ctx.columns
        selected = info["selected"]
        if selected is None:  # no finite value anywhere: the pairs a selection would keep
            selected = self._screened_pairs(ctx)[: ctx.budget.max_pairs]
        tested = len(info["pearson_pairs"])
        focus = focus_tests(ctx.dataset, [(cols[i], cols[j]) for i, j in info["pearson_pairs"]])
        table_names = [c.name for c in ctx.dataset.columns]
        axis = ctx.params.get("time_axis")
        axis_index = cols.index(axis) if axis in cols else None
        trend: dict[int, float] = {}
        if axis_index is not None:
            for i, j in selected:
                if axis_index in (i, j):
                    other = j if i == axis_index else i
                    r_t = (info["pearson"].get((i, j)) or _pearson(None))["r"]
                    if r_t is not None:
                        trend[other] = r_t
        out = []
        strong: list[tuple[int, int, dict]] = []  # medium pairs before the partner rule
        one_sided: list[tuple[int, int, dict]] = []  # the strongest pair of one column
        identities = self._identity_findings(ctx, info, axis_index)
        # a column computed from others restates them: no pair of it is medium, none links
        # a correlated group (awake = 24 - sleep_total)
        derived_cols = {cols.index(f["subject"]["derived"]) for f in identities}
        copies = self._copy_findings(ctx, info, selected, identities, axis_index)
        derived_cols |= {cols.index(f["subject"]["copy"]) for f in copies}
        interesting = interest_columns(ctx.dataset)
        events = event_flags(ctx.dataset)
        censoring = censoring_pairs(ctx.dataset)

        rhos: dict[tuple[int, int], tuple] = {}

        def spearman(i: int, j: int):
            """The pair's (rho, p), computed once (the transform and driver screens and the
            findings read it)."""
            if (i, j) not in info["spearman_pairs"]:
                return None, None
            if (i, j) not in rhos:
                rhos[(i, j)] = _spearman(
                    info["ranks"].get((i, j), 0),
                    (info["pearson"].get((i, j)) or _pearson(None))["n"],
                    info["tables"][info["spearman_pairs"][(i, j)][0]],
                    info["tables"][info["spearman_pairs"][(i, j)][1]],
                )
            return rhos[(i, j)]

        def effect(i: int, j: int) -> tuple[float, float | None]:
            """max(|r|, |rho|) and the smaller of their p-values."""
            pr = info["pearson"].get((i, j)) or _pearson(None)
            r, p = pr["r"], pr["p"]
            rho, rho_p = spearman(i, j)
            strength = max([abs(v) for v in (r, rho) if v is not None], default=0.0)
            return strength, min((x for x in (p, rho_p) if x is not None), default=None)

        # a column that is a monotone function of an earlier one (Caterpillars' LogMass of
        # Mass, rho 1): its pairs with the others restate the original's, and a correlated
        # group of 15 "measures" held 7 such copies
        transforms: dict[int, int] = {}
        for i, j in selected:
            rho = spearman(i, j)[0] if axis_index not in (i, j) else None
            if rho is not None and abs(rho) >= MONOTONE_RHO:
                copy, base = _transform_and_base(cols, i, j)
                if cols[copy] in interesting and cols[base] not in interesting:
                    # cps91's lwage (the outcome) of hrwage: the outcome keeps its pairs
                    copy, base = base, copy
                if copy not in transforms and base not in transforms:
                    transforms[copy] = base
        # a column's strongest partner among the others, a transform of it aside (crime2's
        # pop and lpop, r 0.9: pop's pair with crimes was 'weaker than its partners')
        best: dict[int, float] = {}  # each column's strongest |r| with another measure
        for i, j in selected:
            if axis_index in (i, j) or i in transforms or j in transforms:
                continue
            if _named_construction(cols[i], cols[j]):
                continue  # a sum and its item: no partner that outranks the item's own pairs
            r = (info["pearson"].get((i, j)) or _pearson(None))["r"]
            if r is not None:
                for a in (i, j):
                    best[a] = max(best.get(a, 0.0), abs(r))
        drivers = strongest_driver_pairs(
            ctx.dataset,
            "correlation",
            [
                (cols[i], cols[j], *effect(i, j), tested)
                for i, j in selected
                if axis_index not in (i, j)
            ],
            measures_only=True,
        )
        for i, j in selected:
            if axis_index in (i, j):
                continue  # the time axis is read only to tell shared trends
            pr = info["pearson"].get((i, j)) or _pearson(None)
            n = pr["n"]
            reason = None
            rho, rho_p = spearman(i, j)
            if (i, j) not in info["spearman_pairs"]:
                reason = self._spearman_reason(ctx, info, i, j)
            values = {
                "n": n,
                "pearson_r": pr["r"],
                "pearson_p": pr["p"],
                "spearman_rho": rho,
                "spearman_p": rho_p,
            }
            units = {
                "n": "count",
                "pearson_r": "coefficient",
                "pearson_p": "probability",
                "spearman_rho": "coefficient",
                "spearman_p": "probability",
            }
            strength, smaller_p = effect(i, j)
            interest = interest_pair(cols[i], cols[j], interesting, events)
            flag = any(ctx.dataset.column(cols[k]).role == ColumnRole.BOOLEAN for k in (i, j))
            large = strength >= LARGE_R
            tests, alpha, primary = gate(ctx.dataset, cols[i], cols[j], tested, focus, large)
            severity = significant_severity(
                smaller_p,
                tests,
                strength,
                ((INTEREST_MEDIUM_R_FLAG if flag else INTEREST_MEDIUM_R, "medium"),)
                if interest
                else ((MEDIUM_R, "medium"), (0.4, "low")),
                alpha,
            )
            params = {"pairs_tested": tested}
            # Wages1: wage against schooling, r 0.28, under the outcome bar
            severity = lift_driver(drivers, (cols[i], cols[j]), severity, params)
            if interest:
                params["declared_interest"] = (
                    INTEREST_RULE
                    + (TREATMENT_NOTE if {cols[i], cols[j]} & set(ctx.dataset.treatments) else "")
                    + primary
                )
            risks = _outcome_risks(ctx, info, i, j, pr) if interest and flag else None
            if risks is not None:
                values["outcome_share_at_low"], values["outcome_share_at_high"] = risks["risks"]
                values["odds_ratio"] = risks["odds_ratio"]
                units.update(
                    outcome_share_at_low="ratio", outcome_share_at_high="ratio", odds_ratio="ratio"
                )
                odds = risks["odds_ratio"]
                odds_strength = math.inf if not odds else max(odds, 1 / odds)
                if (
                    severity not in ("medium", "high")
                    and significant_severity(
                        smaller_p, tests, odds_strength, ((STRONG_ODDS_RATIO, "medium"),), alpha
                    )
                    == "medium"
                ):
                    # azcabgptca: 3.4% deaths after bypass surgery, 0.4% after angioplasty
                    severity = "medium"
                    params["strong_odds"] = ODDS_RULE
            mutual = False
            censored = frozenset((cols[i], cols[j])) in censoring
            if (
                not interest
                and not censored
                and severity == "low"
                and pr["r"] is not None
                and strength >= MUTUAL_MEDIUM_R
                and abs(pr["r"]) >= best.get(i, 0.0)
                and abs(pr["r"]) >= best.get(j, 0.0)
            ):
                severity = "medium"
                mutual = True
                params["mutual_strongest"] = MUTUAL_RULE
            pooled = (
                _pooled_over(ctx, info, i, j, pr["r"]) if severity in ("medium", "high") else None
            )
            if pooled is not None:
                # penguins' bill depth and flipper length: negative over the three species,
                # positive within each
                severity = "low"
                mutual = False
                params["severity_capped"] = MIXTURE_RULE.format(
                    group=pooled[0], within=pooled[1], pooled=pr["r"]
                )
            shared = (
                i in trend
                and j in trend
                and abs(trend[i]) >= SHARED_TREND_R
                and abs(trend[j]) >= SHARED_TREND_R
            )
            if axis_index is not None:
                params["time_axis"] = axis
                params["r_with_time"] = [trend.get(i), trend.get(j)]
            r_ij = abs(pr["r"]) if pr["r"] is not None else None
            series_levels = "time_series_table" in ctx.params
            detrended = (
                _detrended_r(pr["r"], trend.get(i), trend.get(j))
                if (shared or series_levels)
                and "panel_units" not in ctx.params
                and max(abs(trend.get(i) or 0.0), abs(trend.get(j) or 0.0)) < TREND_DOMINATES_R
                else None
            )
            if detrended is not None and abs(detrended) >= BEYOND_TREND_R:
                # approval and disapproval of a president: both trend, and their monthly
                # deviations from the trends mirror each other too
                params["detrended_r"] = detrended
                params["beyond_trend"] = BEYOND_TREND_RULE
                shared = series_levels = False
                beyond = detrended
            else:
                beyond = None
            quantity = shared_quantity(cols[i], cols[j], table_names)
            periods = same_measure_two_periods(cols[i], cols[j])
            derived = (
                self._derived(cols, i, j, rho)
                or _name_variant(cols[i], cols[j], pr["r"])
                or _named_construction(cols[i], cols[j])
                or _paired_codes(ctx, cols[i], cols[j])
                or _flag_of(ctx, cols[i], cols[j])
                or _nested_flags(ctx, info, i, j, pr)
                or _cut_of(ctx, info, i, j)
            )
            spans = [size_span(ctx.dataset.column(c)) for c in (cols[i], cols[j])]
            sized = (
                not interest
                and r_ij is not None
                and r_ij >= SIZE_R
                and all(s is not None and s >= SIZE_SPAN for s in spans)
                # units observed over time (states' output and employment), or counts of
                # every size (a county's population and its adults); a cross-section's
                # cost and output (Nerlove's utilities) is the relation the table is about
                and (
                    axis_index is not None
                    or all(
                        ctx.dataset.column(c).role == ColumnRole.COUNT for c in (cols[i], cols[j])
                    )
                )
            )
            restated = i in derived_cols or j in derived_cols
            transformed = next(
                (k for k in (i, j) if k in transforms and transforms[k] not in (i, j)), None
            )
            sparse = _sparse_side(info, i, j)
            # r resting on a few extreme rows links no group (hbk's X1..X3, r 0.95+ from 14
            # leverage points, rho 0.5) and is at most low
            few_rows = _ranks_disagree(pr["r"], rho)
            group_edge = (
                severity in ("medium", "high")
                and sparse is None
                and not few_rows
                and not restated
                and transformed is None
                and not mutual
                and not (shared or series_levels)
                and not interest
                and quantity is None
                and periods is None
                and derived is None
                and not sized
                # a survival table's times and events: the censoring, not a group of measures
                and not censored
            )
            if (
                not interest
                and severity in ("medium", "high")
                and r_ij is not None
                and r_ij < best.get(i, 0.0)
                and r_ij < best.get(j, 0.0)
            ):
                # both columns correlate more strongly with another: among many correlated
                # measures, each column's strongest relation is the one worth a look
                severity = "low"
                params["weaker_than_partners"] = STRONGEST_PARTNER_RULE
            if (shared or series_levels) and severity in ("medium", "high"):
                severity = "low"
                params["severity_capped"] = (
                    SHARED_TREND_RULE if shared else ctx.params["time_series_table"]
                )
            if censored and severity in ("medium", "high"):
                # uis' TIME and CENSOR, mgus' futime and death: the event ends the follow-up
                severity = "low"
                params["severity_capped"] = CENSORING_RULE
            elif restated and severity in ("medium", "high"):
                severity = "low"
                params["severity_capped"] = IDENTITY_PAIR_RULE.format(
                    column=cols[i] if i in derived_cols else cols[j]
                )
            elif transformed is not None and severity in ("medium", "high"):
                severity = "low"
                params["severity_capped"] = TRANSFORM_PAIR_RULE.format(
                    column=cols[transformed], base=cols[transforms[transformed]]
                )
            elif derived is not None and severity in ("medium", "high"):
                # log(popul) and popul, INCOME and INCOMESQ, a product and its factor
                severity = "low"
                params["severity_capped"] = DERIVED_RULE.format(why=derived)
            elif quantity is not None and not interest and severity in ("medium", "high"):
                # mean and worst of one measurement move together by construction
                severity = "low"
                params["severity_capped"] = SUMMARY_RULE.format(quantity=quantity)
            elif periods is not None and severity in ("medium", "high"):
                # a wide table's 2004 and 2005 columns: the same units a year apart
                severity = "low"
                params["severity_capped"] = PERIODS_RULE.format(
                    stem=periods[0] or "one measure", a=periods[1], b=periods[2]
                )
            elif sized and severity in ("medium", "high"):
                # population and population over 16, enrolment and teachers
                severity = "low"
                params["severity_capped"] = size_rule_text([cols[i], cols[j]], spans)
            elif (
                not interest
                and not few_rows  # r from one extreme row is no copy (Arbuthnot's plague)
                and r_ij is not None
                and r_ij >= NEAR_COPY_R
                and severity in ("medium", "high")
            ):
                # pm25's AQI of its PM2.5 (EPA breakpoints), a race's gun and net times
                severity = "low"
                params["severity_capped"] = NEAR_COPY_RULE.format(r=pr["r"])
            if severity in ("medium", "high") and few_rows:
                # Arbuthnot: plague deaths and mortality, r 0.86 from the year 1665 alone
                # (without it r -0.06; Spearman -0.59)
                severity = "low"
                params["severity_capped"] = RANKS_DISAGREE_RULE.format(rho=rho, r=pr["r"])
            if sparse is not None and severity in ("medium", "high"):
                # Quarrels' 'ignorance' and 'pride', coded on 6 and 13 of 779 wars
                severity = "low"
                params["severity_capped"] = SPARSE_RULE.format(
                    column=cols[sparse[0]], rows=sparse[1], mode=_plain(sparse[2])
                )
            if severity in ("medium", "high") and sliver(pr["n"], ctx.dataset.row_count):
                # planes' seats and speed, r 0.97 on the 23 of 3,322 planes with a speed
                severity = "low"
                params["severity_capped"] = sliver_rule(pr["n"], ctx.dataset.row_count)
            if reason:
                params["spearman_skipped"] = reason
            if pr.get("overflow"):
                params["pearson_skipped"] = "a deviation product overflowed float64"
            x, y = cols[i], cols[j]
            out.append(
                ctx.finding(
                    kind="correlation",
                    title=_pair_title(
                        x,
                        y,
                        pr["r"],
                        f"moving together beyond their trends over {axis!r}: detrended r "
                        f"{beyond:.2f}"
                        if beyond is not None
                        else f"both trend with {axis!r}: a shared trend"
                        if shared
                        else f"levels of two series over {axis!r}"
                        if series_levels
                        else _risk_note(risks)
                        if risks is not None
                        else None,
                        rho,
                    ),
                    subject={"columns": [x, y]},
                    values=values,
                    units=units,
                    severity=severity,
                    columns=[x, y],
                    parameters=params,
                )
            )
            if group_edge:
                strong.append((i, j, out[-1]))
            if (
                not interest
                and severity == "low"
                and r_ij is not None
                and r_ij >= ONE_SIDED_MEDIUM_R
                and (r_ij >= best.get(i, 0.0) or r_ij >= best.get(j, 0.0))
                and not (shared or series_levels or restated or sized)
                and sparse is None
                and quantity is None
                and periods is None
                and derived is None
                and "severity_capped" not in params
                and not censored
                and "panel_units" not in ctx.params
                and not is_product(cols[i], cols)
                and not is_product(cols[j], cols)
                and _pooled_over(ctx, info, i, j, pr["r"], ONE_SIDED_MEDIUM_R) is None
            ):
                one_sided.append((i, j, out[-1]))
        groups = self._group_findings(ctx, strong, tested)
        grouped = {c for g in groups for c in g["subject"]["columns"]}
        for i, j, finding in one_sided:
            # tips' party size and bill, a patient's age and death: the clear partner of one
            # column, outside any correlated group (a group says its members once)
            if cols[i] not in grouped and cols[j] not in grouped:
                finding["severity"] = "medium"
                finding["evidence"]["parameters"]["one_sided_strongest"] = ONE_SIDED_RULE
        flags = {c for c in cols if ctx.dataset.column(c).role == ColumnRole.BOOLEAN}
        _same_driver(out, info["pearson"], cols, interesting, flags)
        _monotone_twins(out, interesting)
        ordered = (
            identities
            + copies
            + groups
            + _strongest_first(
                ctx, out, lambda v: abs(v["pearson_r"]) if v["pearson_r"] is not None else None
            )
        )
        cap_cross_alternatives(
            ordered,
            lambda f: f["subject"]["columns"] if f["kind"] == "correlation" else None,
            table_names,
        )
        return one_per_parallel(
            ordered,
            lambda f: (
                f["subject"]["columns"]
                if f["kind"] in ("correlation", "correlated_group")
                else None
            ),
        )

    @staticmethod
    def _identity_findings(ctx, info, axis_index: int | None) -> list[dict]:
        """One finding per linear identity among the complete measures (``identities``),
        when every pair of them was correlated."""
        if ctx.params["pair_selection"] != "all":
            return []
        cols = ctx.columns
        rows = ctx.dataset.row_count
        complete = [
            i
            for i, c in enumerate(cols)
            if i != axis_index
            and ctx.dataset.role(c) in MEASURE_ROLES
            and info["scan"][c]["n"] == rows
            and info["scan"][c]["bad"] == 0
        ]
        pearson = info["pearson"]

        def pair(i: int, j: int) -> dict:
            return pearson.get((min(i, j), max(i, j))) or {}

        usable = [
            i for i in complete if all(i == j or pair(i, j).get("r") is not None for j in complete)
        ]
        # each column's exact sum of squared deviations (scaled), from any pair holding it:
        # the rows are the same in every pair of complete columns
        spread = {}
        for i in usable:
            j = next((j for j in usable if j != i), None)
            if j is not None:
                spread[i] = pair(i, j)["cxx" if i < j else "cyy"]
        out = []
        for found in find_identities(usable, lambda i, j: pair(i, j)["r"]):
            if rows - len(found.terms) - 1 < IDENTITY_MIN_DF:
                continue  # any 2 points lie on a line: a fit needs rows to spare to be a rule
            t = found.target
            k = info["scales"]  # spreads of scaled deviations: the ratio's power of two
            try:
                coefficients = {
                    cols[j]: math.ldexp(b * math.sqrt(spread[t] / spread[j]), k[t] - k[j])
                    for j, b in zip(found.terms, found.betas, strict=True)
                }
                means = info["means"]
                constant = means[t] - sum(coefficients[cols[j]] * means[j] for j in found.terms)
            except OverflowError:
                continue  # a coefficient past float64 (1e-300 x a column near 1e200): no rule
            if not all(math.isfinite(v) for v in (constant, *coefficients.values())):
                continue
            shown = f"{cols[t]!r} = " + _linear_text(coefficients, constant, means[t])
            extra = {}
            (scale,) = coefficients.values() if len(coefficients) == 1 else (1.0,)
            if not math.isclose(abs(scale), 1.0, rel_tol=0.01):
                # NCbirths' BirthWeightGm = 28.35 x BirthWeightOz: one quantity in two units
                extra["severity_capped"] = RESCALED_RULE
            out.append(
                ctx.finding(
                    kind="linear_identity",
                    title=f"Linear identity: {shown} (R^2 = {found.r_squared:.6f})",
                    subject={
                        "columns": [cols[t], *(cols[j] for j in found.terms)],
                        "derived": cols[t],
                    },
                    values={"r_squared": found.r_squared, "terms": len(found.terms)},
                    units={"r_squared": "ratio", "terms": "count"},
                    severity="low" if extra else "medium",
                    columns=[cols[t], *(cols[j] for j in found.terms)],
                    parameters={
                        "rule": IDENTITY_RULE,
                        "coefficients": coefficients,
                        "constant": constant,
                        **extra,
                    },
                )
            )
        return out

    @staticmethod
    def _copy_findings(ctx, info, selected, identities, axis_index) -> list[dict]:
        """One finding per column equal to another on every row both have a value (exact
        sums): a copy, made once (a duplicated variable) or by mistake (affect's BDI is
        EA1 on each of the 160 rows where BDI is present). The copy is the column with
        more missing values (else the later one); its pairs restate the original's."""
        cols = ctx.columns
        named = {frozenset(f["subject"]["columns"]) for f in identities}
        out = []
        copied: set[int] = set()
        for i, j in selected:
            pr = info["pearson"].get((i, j)) or {}
            if (
                axis_index in (i, j)
                or not _equal_values(pr, info["means"][i], info["means"][j])
                or pr["n"] < COPY_MIN_ROWS
                or not all(_many_values(ctx.dataset.column(cols[k])) for k in (i, j))
                or frozenset((cols[i], cols[j])) in named
                or i in copied
                or j in copied
            ):
                continue
            missing = {k: ctx.dataset.row_count - info["scan"][cols[k]]["n"] for k in (i, j)}
            copy, original = (i, j) if missing[i] > missing[j] else (j, i)
            copied.add(copy)
            n = pr["n"]
            where = (
                f"every row ({n})"
                if n == ctx.dataset.row_count
                else f"all {n} rows where both have a value ({missing[copy]} rows of "
                f"{cols[copy]!r} are empty)"
            )
            out.append(
                ctx.finding(
                    kind="identical_columns",
                    title=f"{cols[copy]!r} equals {cols[original]!r} on {where}: a copied column",
                    subject={"columns": [cols[original], cols[copy]], "copy": cols[copy]},
                    values={"rows_compared": n, "rows_missing_in_copy": missing[copy]},
                    units={"rows_compared": "rows", "rows_missing_in_copy": "rows"},
                    severity="medium",
                    columns=[cols[original], cols[copy]],
                    parameters={"rule": COPY_RULE},
                )
            )
        return out

    @staticmethod
    def _derived(cols: list[str], i: int, j: int, rho: float | None) -> str | None:
        """Why one of the pair is computed from the other, or None: a Spearman rho of 1 (a
        monotone function: a log, a square of a positive number) or a name that joins the
        other's with more column names (an interaction product)."""
        if rho is not None and abs(rho) >= MONOTONE_RHO:
            return f"Spearman rho = {rho:+.4f} (a monotone function of the other)"
        common = built_from(cols[i], cols[j], cols)
        if common is not None:
            return f"interaction terms of a common factor ({common}; named by joining columns)"
        return _body_mass_index(cols, i, j)

    @staticmethod
    def _group_findings(ctx, strong: list[tuple[int, int, dict]], tested: int) -> list[dict]:
        """One finding per group of >= 3 measures linked by strong pairs (connected
        components); the pairs inside a group become low. Groups in column order."""
        out = []
        for group in linked_groups(((i, j) for i, j, _ in strong), GROUP_MIN_COLUMNS):
            members = set(group)
            pairs = [f for i, j, f in strong if i in members]
            for finding in pairs:
                finding["severity"] = "low"
                finding["evidence"]["parameters"]["severity_capped"] = GROUP_RULE
            rs = [f["measurement"]["values"]["pearson_r"] for f in pairs]
            rs = [r for r in rs if r is not None]
            lead = max(pairs, key=lambda f: abs(f["measurement"]["values"]["pearson_r"] or 0))
            x, y = lead["evidence"]["columns"]
            names = [ctx.columns[a] for a in group]
            spans = [size_span(ctx.dataset.column(c)) for c in names]
            params = {
                "rule": GROUP_RULE,
                "pairs_tested": tested,
                "strong_pairs": [f["evidence"]["columns"] for f in pairs],
            }
            severity = "medium"
            if all(s is not None and s >= SIZE_SPAN for s in spans):
                # a state's output, employment and capital: all grow with the state
                severity = "low"
                params["severity_capped"] = size_rule_text(names, spans)
            out.append(
                ctx.finding(
                    kind="correlated_group",
                    title=f"{len(names)} measures move together (strongest: {x!r} and {y!r})",
                    subject={"columns": names},
                    values={
                        "columns_in_group": len(names),
                        "strong_pairs": len(pairs),
                        "strongest_pearson_r": lead["measurement"]["values"]["pearson_r"],
                        "weakest_strong_abs_r": min(abs(r) for r in rs) if rs else None,
                    },
                    units={
                        "columns_in_group": "count",
                        "strong_pairs": "count",
                        "strongest_pearson_r": "coefficient",
                        "weakest_strong_abs_r": "coefficient",
                    },
                    severity=severity,
                    columns=names,
                    parameters=params,
                )
            )
        return out


#: |Pearson r| from which two columns whose names differ by one letter are one quantity
#: twice: traffic2's fatacc and nfatacc (its non-interstate part), totacc and rtotacc (a
#: rate); a father's ``feduc`` beside ``educ`` correlates far less and stays a finding
VARIANT_R = 0.9
#: ... and the shorter name has at least this many characters ("age" and "page" are words)
VARIANT_MIN_NAME = 4


def _name_variant(a: str, b: str, r: float | None) -> str | None:
    """Why two strongly correlated columns are variants of one quantity, or None: one
    name is the other with one letter added (``nfatacc`` = 'n' + ``fatacc``, ``prcnfat``
    = ``prcfat`` with an 'n'), the convention of econometric tables for a part, a rate or
    a transform of a series; their correlation is by construction."""
    if r is None or abs(r) < VARIANT_R:
        return None
    short, long = sorted((a.lower(), b.lower()), key=len)
    if len(short) < VARIANT_MIN_NAME or len(long) != len(short) + 1:
        return None
    for k in range(len(long)):
        if long[:k] + long[k + 1 :] == short and long[k].isalpha():
            base, variant = (a, b) if a.lower() == short else (b, a)
            return (
                f"{variant!r} is {base!r} with the letter {long[k]!r} added: a part, rate or "
                "transform of the same quantity, named so"
            )
    return None


#: a name opening with this marks an adjusted version of another column
ADJUSTED_MARK = "adj"
#: a name closing with one of these after another column's name is that quantity per unit
#: of time or per head: kwh and kwhpday (Utilities2), gdp and gdppc
PER_UNIT_SUFFIXES = (
    "pday", "perday", "pd", "pmonth", "permonth", "pyear", "peryear", "pc", "percap",
    "percapita", "perhead", "pp",
)  # fmt: skip
#: the part of a name an adjusted column keeps of its original: at least this many letters
ADJUSTED_MIN_STEM = 3


def _plain_name(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def _adjusted_or_per_unit(a: str, b: str) -> str | None:
    """Why one column is another adjusted or per unit, read from the names, or None:
    'adjsimp' of 'simplicity' (Ginzberg's adjusted scores: 'adj' and the start of the
    other's name), 'kwhpday' of 'kwh' (the other's name and pday, perday, pc, percap...).
    Their correlation is by construction, whatever its size."""
    x, y = _plain_name(a), _plain_name(b)
    for adjusted, plain, shown in ((x, y, (a, b)), (y, x, (b, a))):
        stem = adjusted[len(ADJUSTED_MARK) :]
        if (
            adjusted.startswith(ADJUSTED_MARK)
            and len(stem) >= ADJUSTED_MIN_STEM
            and plain.startswith(stem)
            and not plain.startswith(ADJUSTED_MARK)
        ):
            return f"{shown[0]!r} is {shown[1]!r} adjusted, named so: the same scores"
        if adjusted.startswith(plain) and adjusted[len(plain) :] in PER_UNIT_SUFFIXES:
            return f"{shown[0]!r} is {shown[1]!r} per unit (of time or per head), named so"
    return None


#: words a summed column's name opens or closes with: 'sumnatsoc', 'total_sales', 'scoretot'
SUM_WORDS = ("sum", "total", "tot")
#: the stem of a summed name and the start of its part's name share this many letters
SUM_STEM_MIN = 3


def _summed_stem(name: str) -> str | None:
    """'natsoc' of 'sumnatsoc', 'sales' of 'total_sales' or 'sales_total': the stem a
    name sums over, or None for a name that says no sum."""
    plain = _plain_name(name)
    for word in SUM_WORDS:
        for stem in (
            plain[len(word) :] if plain.startswith(word) else None,
            plain[: -len(word)] if plain.endswith(word) else None,
        ):
            if stem and len(stem) >= SUM_STEM_MIN and stem.isalpha():
                return stem
    return None


def _part_of_named_sum(a: str, b: str) -> str | None:
    """Why two columns correlate by construction when one is named as a sum over the
    other's kind ('sumnatsoc' and 'natchld': a sum of the 'nat...' items, and the item it
    holds; 'sumnat' and 'sumnatsoc': a sum and a sum of a subset), read from the names;
    None otherwise. Sums with missing values escape the linear identity check."""
    for whole, part in ((a, b), (b, a)):
        stem = _summed_stem(whole)
        if stem is None:
            continue
        other = _summed_stem(part) or _plain_name(part)
        if other[:SUM_STEM_MIN] == stem[:SUM_STEM_MIN]:
            return f"{whole!r} is named as a sum over {stem[:SUM_STEM_MIN]!r}..., {part!r} one of its parts"
    return None


def _named_construction(a: str, b: str) -> str | None:
    """Why two columns correlate by construction, read from their names (an adjusted or
    per-unit twin, a sum and its part), or None."""
    return _adjusted_or_per_unit(a, b) or _part_of_named_sum(a, b)


def _linear_text(coefficients: dict[str, float], constant: float, mean: float) -> str:
    """'0.5 x 'read' + 0.5 x 'math'', '-1 x 'sleep' + 24.01': 4 significant digits; a
    constant under 1e-4 of the target's mean is rounding and left out."""
    terms = [(c, f"{abs(c):.4g} x {name!r}") for name, c in coefficients.items()]
    if abs(constant) > 1e-4 * abs(mean):
        terms.append((constant, f"{abs(constant):.4g}"))
    text = ("-" if terms[0][0] < 0 else "") + terms[0][1]
    for c, shown in terms[1:]:
        text += f" {'-' if c < 0 else '+'} {shown}"
    return text


def _transform_and_base(cols: list[str], i: int, j: int) -> tuple[int, int]:
    """(the transformed column, its original) of a pair at Spearman rho 1: the one whose
    name holds the other's ('LogMass' of 'Mass', 'lwage' of 'wage'), else the later one."""
    a, b = cols[i].casefold(), cols[j].casefold()
    if a != b and a in b:
        return j, i
    if a != b and b in a:
        return i, j
    return j, i


def _add_moments(a: list, b: list) -> list:
    return [a[0] + b[0], *(_add_exact(x, y) for x, y in zip(a[1:], b[1:], strict=True))]


def _ratio_sqrt(num: int, a: int, b: int) -> float:
    """num / sqrt(a * b) for integers, to within a few units of 2**-128 before rounding."""
    return (num << 128) / math.isqrt((a * b) << 256)


def _pearson(moments) -> dict:
    """r and its p-value from exact fixed-point moments about the column means."""
    if moments is None:
        return {"n": 0, "r": None, "p": None}
    n, sx, sy, sxx, syy, sxy = moments
    if any(v is None for v in (sx, sy, sxx, syy, sxy)):
        return {"n": n, "r": None, "p": None, "overflow": True}
    if n < 2:
        return {"n": n, "r": None, "p": None}
    # co-moments about the pair means, scaled by n * FIXED_ONE**2: exact integers. The sums
    # are halved first (exactly: every float64 is a multiple of 2**-1074, so every sum in
    # 2**-1127 units is even): the integer square root below is not scale-free in its last
    # bits, and r is kept as it was computed from sums in 2**-1126 units.
    sx, sy, sxx, syy, sxy = (v >> 1 for v in (sx, sy, sxx, syy, sxy))
    unit = FIXED_ONE >> 1
    cxy = n * sxy * unit - sx * sy
    cxx = n * sxx * unit - sx * sx
    cyy = n * syy * unit - sy * sy
    if cxx <= 0 or cyy <= 0:
        return {"n": n, "r": None, "p": None}
    r = _ratio_sqrt(cxy, cxx, cyy)
    r = min(1.0, max(-1.0, r))
    return {
        "n": n,
        "r": r,
        "p": _corr_p(r, n),
        "cxx": cxx,
        "cyy": cyy,
        # the pair's rows' means and spreads, about the column means (a copied column)
        **_pair_spreads(sx, sy, cxx, cyy, unit, n),
    }


def _unscaled(result: dict, kx: int, ky: int) -> dict:
    """A pair's :func:`_pearson` result with the pair rows' means and spreads back in the
    columns' units (deviations of tiny or huge columns are folded scaled by 2**-k); they are
    left out when float64 cannot hold them, as :func:`_pair_spreads` does."""
    if not (kx or ky) or "dx" not in result:
        return result
    try:
        spreads = {
            "dx": math.ldexp(result["dx"], kx),
            "dy": math.ldexp(result["dy"], ky),
            "sdx": math.ldexp(result["sdx"], kx),
            "sdy": math.ldexp(result["sdy"], ky),
        }
    except OverflowError:
        return {k: v for k, v in result.items() if k not in ("dx", "dy", "sdx", "sdy")}
    return {**result, **spreads}


def _pair_spreads(sx: int, sy: int, cxx: int, cyy: int, unit: int, n: int) -> dict:
    """Means (about the column means) and standard deviations of a pair's rows, as floats;
    none when a value passes float64 (sums of values near 1e308)."""
    try:
        return {
            "dx": sx / (unit * n),
            "dy": sy / (unit * n),
            "sdx": math.sqrt(cxx / unit**2) / n,
            "sdy": math.sqrt(cyy / unit**2) / n,
        }
    except OverflowError:
        return {}


def _many_values(info) -> bool:
    """A column with enough distinct values for equality with another to be no chance (two
    countries' 0/1 crisis flags can agree year by year)."""
    return info.role != ColumnRole.BOOLEAN and info.distinct_at_least >= COPY_MIN_DISTINCT


def _equal_values(pr: dict, mean_x: float, mean_y: float) -> bool:
    """Two columns equal on the rows they share: r of 1, the same spread and the same
    mean there (to COPY_TOLERANCE: each deviation from a column mean is rounded once)."""
    if pr.get("r") is None or pr["r"] < 1 - 1e-12 or not pr.get("sdx"):
        return False
    sdx, sdy = pr["sdx"], pr["sdy"]
    mx, my = mean_x + pr["dx"], mean_y + pr["dy"]
    scale = sdx + abs(mx)
    return abs(sdx - sdy) <= COPY_TOLERANCE * sdx and abs(mx - my) <= COPY_TOLERANCE * scale


def _corr_p(r: float, n: int) -> float | None:
    if n < 3:
        return None
    df = n - 2
    denom = (1.0 - r) * (1.0 + r)
    if denom <= 0.0:
        return 0.0
    return _t_pvalue(r * math.sqrt(df / denom), df)


def _spearman(s: int, n: int, tx: RankTable, ty: RankTable) -> tuple[float | None, float | None]:
    """rho from the exact integer co-moment of twice-centred ranks; p as scipy.stats.spearmanr."""
    dx = (n * n * n - n - tx.ties) // 3  # sum of (2*rank - (n+1))**2
    dy = (n * n * n - n - ty.ties) // 3
    if dx <= 0 or dy <= 0:
        return None, None
    rho = _ratio_sqrt(s, dx, dy)
    rho = min(1.0, max(-1.0, rho))
    return rho, _corr_p(rho, n)
