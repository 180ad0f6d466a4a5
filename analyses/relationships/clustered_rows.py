"""The ``clustered_rows`` analysis (relationships family): measures that cluster within the
groups a key column forms (pupils in schools, answers by interviewer, records per patient).

Why: rows collected in groups are not independent. A fifth of the variance of test scores
lying between schools (Star's ``schidkn``), a class explaining a quarter of language
scores (nlschools), an interviewer effect of 15% (politicalInformation's ``id``): an
analyst who does not know it reads pooled statistics with far too much confidence, and an
interviewer or a batch effect is itself a data-quality problem. ``group_differences``
compares the levels of a grouping with a few levels; these keys have tens to thousands,
a few rows each, so the question is the share of variance between them (the intraclass
correlation of a one-way random-effects model), not which level is highest.

One streamed pass: per (key, measure) and key level, the count, the exact sums of the
values and of their squares (``_shared.series.grouped_fixed_sums``, each square rounded
once) and the level's min and max. The one-way ANOVA is computed from exact rationals, so
the result does not depend on chunking or merge order.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from pytest_statharness import (
    MEASURE_ROLES,
    Analysis,
    ColumnKind,
    ColumnRole,
    MemoryModel,
    Plan,
)
from pytest_statharness.column_roles import PARENT_REFERENCE_DETAIL
from pytest_statharness.dataset.roles import name_tokens
from pytest_statharness.precision import PROBABILITY_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.moments import level_codes
from .._shared.numeric import squares_overflow
from .._shared.report import bonferroni
from .._shared.series import ALPHA, FIXED_ONE, grouped_fixed_sums
from ._common import NUMERIC_KINDS, _group_columns

#: a key forms at least this many groups ...
MIN_GROUPS = 5
#: ... and at most this many (the state holds sums per group) ...
MAX_GROUPS = 20_000
#: ... with at most this many (group, measure) cells per key: fewer measures for a key
#: with many groups
MAX_CELLS = 100_000
#: ... of at least this many rows on average (a key on every row forms no groups)
MIN_ROWS_PER_GROUP = 2
#: at most this many key columns and measures per key, and time columns read
MAX_KEYS = 2
MAX_TIME_COLUMNS = 2
MAX_MEASURES = 15
#: a measure so named, with values the units share, numbers the units' times (day, week
#: or visit numbers of a diary or a follow-up): no measure to cluster
TIME_INDEX_NAMES = frozenset(
    {"time", "day", "days", "week", "weeks", "visit", "wave", "period", "occasion", "dos"}
)
#: ... its distinct values at most this many times fewer than its rows
TIME_INDEX_SHARED = 4
#: a measure is clustered from this intraclass correlation (a tenth of its variance between
#: the groups: multilevel modelling's usual threshold for a design effect worth modelling)
MEDIUM_ICC = 0.1
#: ... and below this one: a measure with nearly all its variance between the groups is an
#: attribute of the key that moves a little (an age on each visit), listed, not clustered
ATTRIBUTE_ICC = 0.98
#: at most this many grouping columns are read beside each key, to tell a key that labels
#: the cells of a design (Soils' 'Group' = Contour x Depth) or the strata of a matched
#: experiment (RockTheVote's 'strata', each holding treated and control systems)
MAX_FACTORS = 6
#: a key is a matched design's strata when a trial's arm varies within this share of its
#: groups of two or more rows
MATCHED_SHARE = 0.8
DESIGN_RULE = (
    "a key that labels the cells of the design's own factors (one grouping column with as "
    "many levels, or two whose levels multiply to its groups, each constant within a "
    "group) gets no ICC: the factors' differences are group_differences' findings; a key "
    f"within {MATCHED_SHARE:.0%}+ of whose groups a trial's arm varies is the strata of a "
    "matched design, alike by construction: low"
)
CLUSTER_RULE = (
    f"medium when a measure's intraclass correlation ICC(1) >= {MEDIUM_ICC} (a tenth of its "
    "variance between the key's groups) with the ANOVA F test's p times the number of "
    f"(key, measure) pairs < {ALPHA}; measures constant within every group (attributes of "
    "the key: a patient's age on each of his rows) are listed, and alone make the finding "
    f"low; so are measures with ICC >= {ATTRIBUTE_ICC} (nearly constant within every group)"
)


def _keys(dataset, budget) -> list[str]:
    """Columns whose values key groups of rows that group_differences does not compare:
    identifiers repeated on several rows, and categories with more levels than it keeps."""
    usable, _ = _group_columns(dataset, budget)
    out = []
    for c in dataset.columns:
        if c.excluded or c.name in usable or not c.distinct_exact:
            continue
        if c.role not in (ColumnRole.IDENTIFIER, ColumnRole.CATEGORY):
            continue
        if c.role_detail == PARENT_REFERENCE_DETAIL:
            continue  # a pedigree's founders share the parent code 0: one group of strangers
        if c.kind not in (ColumnKind.CATEGORICAL, ColumnKind.NUMERIC, ColumnKind.INTEGER_ID):
            continue
        groups = c.distinct_at_least
        rows = dataset.row_count - c.null_count
        if MIN_GROUPS <= groups <= MAX_GROUPS and rows >= MIN_ROWS_PER_GROUP * groups:
            out.append(c.name)
    return out[:MAX_KEYS]


def _time_index(column, rows: int) -> bool:
    """A measure named as a time (TIME_INDEX_NAMES) whose values the units share: day or
    visit numbers, at most a quarter as many distinct values as rows. kidney's 'time' to
    each infection, nearly one value per row, is a duration measured, no index."""
    return (
        column.role in MEASURE_ROLES
        and bool(name_tokens(column.name) & TIME_INDEX_NAMES)
        and column.distinct_exact
        and column.distinct_at_least * TIME_INDEX_SHARED <= rows - column.null_count
    )


class ClusteredRows(Analysis):
    id = "clustered_rows"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # exact integer sums and min/max: range states merge alike
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = (
        f"count, two exact sums, min and max per group: at most {MAX_KEYS} keys of "
        f"{MAX_CELLS:,} (group, measure) cells"
    )
    precision = {"p_value": PROBABILITY_DIGITS}
    family = "relationships"
    title = "Measures clustered within the groups of a key (intraclass correlation)"
    requires = (*NUMERIC_KINDS,)
    exact = True
    passes = 1
    method = (
        "Keys: identifiers repeated on several rows (not a pedigree's parent columns: its "
        "founders share the code 0) and categories "
        "with more levels than group_differences keeps (not key-like there), with an exact "
        f"{MIN_GROUPS}..{MAX_GROUPS} distinct values and at least {MIN_ROWS_PER_GROUP} rows "
        f"per value on average (the first {MAX_KEYS} in schema order). Measures: the first "
        f"{MAX_MEASURES} measurement, count, duration and numeric 0/1 flag columns (a yes/no "
        "answer is its 0/1 measure; not a measure named as a time index, time, day, week, "
        "visit, wave, dos..., whose units share its values, at most a quarter as many "
        "distinct values as rows: a diary's day numbers; fewer when the key's groups "
        f"times the measures would exceed {MAX_CELLS:,}). Per (key, measure), over "
        "rows where both are present and the measure finite: per group the count n_g, the "
        "exact sums S_g of the values and Q_g of their squares (each square rounded once), "
        "min and max. One-way ANOVA in exact rationals: SSB = sum S_g^2/n_g - S^2/N, SSW = "
        "sum Q_g - sum S_g^2/n_g, MSB = SSB/(k-1), MSW = SSW/(N-k), n0 = (N - sum "
        "n_g^2/N)/(k-1); ICC(1) = (MSB - MSW)/(MSB + (n0-1) MSW) (Shrout & Fleiss), eta^2 = "
        "SSB/(SSB+SSW), F = MSB/MSW with p from scipy.stats.f (k-1, N-k df). A measure "
        "whose min equals its max in every group is constant within the groups (an "
        "attribute of the key), not tested; nor one with fewer than "
        f"{MIN_ROWS_PER_GROUP} rows per group on average (most groups hold one value: "
        "its ICC rests on the few repeated ones). One finding per key, its measures by ICC "
        "descending; a key whose every measure has the same per-group counts and sums as an "
        "earlier key's splits the rows the same way (a county's number and its name): at "
        "most low, same_fact_as the earlier key. A key whose groups span several values of the table's time axis (a "
        f"timestamp or calendar part, the first {MAX_TIME_COLUMNS}; min and max per group) is "
        "a panel's unit observed over time, left to panel_trends: no finding. Beside each "
        f"key, the first {MAX_FACTORS} grouping columns (a trial's arms first) are read: per "
        "group the one value each shows, or that it varies; " + DESIGN_RULE + ". " + CLUSTER_RULE
    )
    reference = (
        "Shrout & Fleiss (1979), Intraclass correlations: uses in assessing rater "
        "reliability, Psychological Bulletin 86(2); Kish (1965), Survey Sampling (the "
        "design effect 1 + (n0 - 1) ICC)"
    )
    access = "streamed; one pass, per-group counts, exact sums, min and max"

    def plan(self, dataset, budget):
        keys = _keys(dataset, budget)
        if not keys:
            return None
        widest = max(dataset.column(k).distinct_at_least for k in keys)
        candidates = [
            m
            for m in dataset.columns_of(*NUMERIC_KINDS, roles=(*MEASURE_ROLES, ColumnRole.BOOLEAN))
            if m not in keys
            # KosteckiDillon's 'time' and 'dos' (day of study) number a patient's diary
            # days: that they 'cluster by id' (ICC 0.41, medium) is the design (rater BG)
            and not _time_index(dataset.column(m), dataset.row_count)
        ]
        # a square beyond float64's range is inf: such a measure cannot be summed exactly
        # here, and is said to be left out rather than silently dropped
        overflow = [m for m in candidates if squares_overflow(dataset.column(m).value_range)]
        candidates = [m for m in candidates if m not in overflow]
        measures = candidates[: min(budget.max_columns, MAX_MEASURES, max(1, MAX_CELLS // widest))]
        if not measures:
            return None
        # a key whose rows span several times is a panel's unit (persons x years): that a
        # person's rows are alike is what a panel is, and panel_trends reads it over its
        # periods; the time axis is read to tell (cgd's randomisation date is one per
        # patient: its rows are records of one patient, clustered)
        time_axis = [
            c.name
            for c in dataset.columns
            if not c.excluded
            and (c.kind == ColumnKind.TIMESTAMP or c.role == ColumnRole.CALENDAR_PART)
            and c.name not in keys
        ][:MAX_TIME_COLUMNS]
        # the grouping columns beside the keys, a trial's arms first: what tells a key
        # that labels a design's cells or a matched design's strata (see DESIGN_RULE)
        usable, _ = _group_columns(dataset, budget)
        arms = list(getattr(dataset, "treatments", ()))  # a 0/1 arm is numeric: not in usable
        factors = [g for g in dict.fromkeys(arms + usable) if g not in keys][:MAX_FACTORS]
        left_out = {"squares_overflow_float64": overflow} if overflow else {}
        return Plan(
            tuple(dict.fromkeys(keys + measures + time_axis + factors)),
            {"keys": keys, "measures": measures, "time_axis": time_axis, "factors": factors},
            left_out,
        )

    def init(self, ctx):
        return {}

    def update(self, state, chunk, ctx):
        values = {
            m: chunk.floats(m) for m in [*ctx.params["measures"], *ctx.params.get("time_axis", [])]
        }
        for key in ctx.params["keys"]:
            codes, names = level_codes(chunk.table.column(key))
            for m, x in values.items():
                ok = np.flatnonzero((codes >= 0) & np.isfinite(x))
                if not ok.size:
                    continue
                idx, v = codes[ok], x[ok]
                groups = len(names)
                counts = np.bincount(idx, minlength=groups)
                sums = grouped_fixed_sums(idx, v, groups)
                squares = grouped_fixed_sums(idx, v * v, groups)
                order = np.argsort(idx, kind="stable")
                sorted_idx, sorted_v = idx[order], v[order]
                starts = np.flatnonzero(np.r_[True, sorted_idx[1:] != sorted_idx[:-1]])
                lows = np.minimum.reduceat(sorted_v, starts)
                highs = np.maximum.reduceat(sorted_v, starts)
                slot = state.setdefault((key, m), {})
                for g, lo, hi in zip(
                    sorted_idx[starts].tolist(), lows.tolist(), highs.tolist(), strict=True
                ):
                    entry = [int(counts[g]), sums[g], squares[g], lo, hi]
                    mine = slot.get(names[g])
                    slot[names[g]] = entry if mine is None else _add(mine, entry)
            for f in ctx.params.get("factors", []):
                _note_levels(state.setdefault(("factor", key, f), {}), codes, names, chunk, f)
        return state

    def merge(self, a, b, ctx):
        out = {k: dict(v) for k, v in a.items()}
        for k, levels in b.items():
            slot = out.setdefault(k, {})
            if k[0] == "factor":
                for level, seen in levels.items():
                    _join_level(slot, level, seen)
                continue
            for level, entry in levels.items():
                mine = slot.get(level)
                slot[level] = list(entry) if mine is None else _add(mine, entry)
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        keys, measures = ctx.params["keys"], ctx.params["measures"]
        tests = sum(
            1
            for key in keys
            for m in measures
            if state.get((key, m)) and not _constant_within(state[(key, m)])
        )
        out = []
        seen: dict[tuple, str] = {}  # the per-level sums of every measure -> first key
        for key in keys:
            if any(
                state.get((key, t)) and not _constant_within(state[(key, t)])
                for t in ctx.params.get("time_axis", [])
            ):
                continue  # a panel's unit, observed over time
            design = _design_of(state, key, ctx.params.get("factors", []), ctx.dataset)
            if design and design[0] == "cells":
                continue  # the cells of the design's own factors: group_differences' to say
            rows: dict[str, dict] = {}
            attributes = []
            for m in measures:
                levels = state.get((key, m))
                if not levels:
                    continue
                if _constant_within(levels):
                    if len(levels) >= MIN_GROUPS:
                        attributes.append(m)
                    continue
                fit = _anova(list(levels.values()))
                # most groups holding one value of the measure: its ICC rests on the few
                # repeated ones (ucla_textbooks: 72 prices in 46 subjects, ICC 0.83)
                if fit is not None and fit["rows"] >= MIN_ROWS_PER_GROUP * fit["groups"]:
                    rows[m] = fit
            if not rows and not attributes:
                continue
            finding = self._finding(ctx, key, rows, attributes, tests, design)
            signature = _partition_signature(state, key, measures)
            first = seen.setdefault(signature, key)
            if first != key and finding["severity"] in ("medium", "high"):
                # radon's county and county.name, tinting's case and id: one grouping
                finding["severity"] = "low"
                finding["evidence"]["parameters"]["same_fact_as"] = first
                finding["evidence"]["parameters"]["severity_capped"] = SAME_PARTITION_RULE.format(
                    key=key, first=first
                )
            out.append(finding)
        return out

    def _finding(self, ctx, key, rows, attributes, tests, design=None) -> dict:
        info = ctx.dataset.column(key)
        groups = info.distinct_at_least
        n = ctx.dataset.row_count - info.null_count
        ranked = sorted(rows.items(), key=lambda kv: (-kv[1]["icc"], kv[0]))
        significant = [
            m
            for m, fit in ranked
            if fit["icc"] >= MEDIUM_ICC and bonferroni(fit["p_value"], tests) < ALPHA
        ]
        # nearly all of its variance between the groups: an attribute of the key that moves
        # a little (kidney's age at each of a patient's two infections), not a clustering
        clustered = [m for m in significant if rows[m]["icc"] < ATTRIBUTE_ICC]
        nearly_constant = [m for m in significant if m not in clustered]
        values: dict = {"groups": groups, "rows": n, "rows_per_group": n / groups}
        units: dict = {"groups": "count", "rows": "count", "rows_per_group": "count"}
        for m, fit in ranked:
            for name, unit in (
                ("icc", "coefficient"),
                ("eta_squared", "ratio"),
                ("f", "statistic"),
                ("p_value", "probability"),
            ):
                values[f"{name}[{m}]"] = fit[name]
                units[f"{name}[{m}]"] = unit
        size = f"{groups} groups of {n / groups:.3g} rows on average"
        if clustered:
            top = clustered[0]
            fit = rows[top]
            if (fit["groups"], fit["rows"]) != (groups, n):
                # the measure's own groups and rows: its ICC's, not the key's
                size = (
                    f"{fit['groups']} groups of {fit['rows'] / fit['groups']:.3g} rows with "
                    f"{top!r} on average"
                )
            more = (
                f" and {len(clustered) - 1} more measure{'s' if len(clustered) > 2 else ''} cluster"
                if len(clustered) > 1
                else " clusters"
            )
            title = (
                f"{top!r}{more} by {key!r} ({size}): "
                f"{rows[top]['icc']:.0%} of its variance lies between them (ICC = "
                f"{rows[top]['icc']:.2f})"
            )
            severity = "medium"
            if design:  # ("strata", arm): alike by construction
                title += (
                    f"; {design[1]!r} varies within its groups: the strata of a matched "
                    "design, alike by construction"
                )
                severity = "low"
                units["matched_by"] = "label"
                values["matched_by"] = design[1]
        elif nearly_constant:
            top = nearly_constant[0]
            title = (
                f"{top!r}{' and more' if len(nearly_constant) > 1 else ''} nearly constant "
                f"within each {key!r} ({size}; ICC = {rows[top]['icc']:.2f}): an attribute of "
                "the key, repeated on its rows"
            )
            severity = "low"
        elif attributes:
            title = (
                f"{len(attributes)} measures are constant within each {key!r} ({size}): "
                "attributes of the key, repeated on its rows"
            )
            severity = "low"
        else:
            best = ranked[0][0]
            title = (
                f"Measures barely cluster by {key!r} ({size}; highest ICC: {best!r} "
                f"{rows[best]['icc']:.2f})"
            )
            severity = "info"
        return ctx.finding(
            kind="clustered_rows",
            title=title,
            subject={
                "column": key,
                "clustered": clustered,
                "constant_within": attributes,
                "nearly_constant_within": nearly_constant,
            },
            values=values,
            units=units,
            severity=severity,
            columns=[key, *rows, *attributes],
            parameters={"tests": tests, "rule": CLUSTER_RULE, "design_rule": DESIGN_RULE},
        )


#: a key level within which a grouping column takes more than one value
VARIES = None


def _join_level(slot: dict, level: str, seen) -> None:
    """Record that ``level`` of a key showed the grouping value ``seen`` (or VARIES)."""
    if level not in slot:
        slot[level] = seen
    elif slot[level] != seen:
        slot[level] = VARIES


def _note_levels(slot: dict, key_codes, key_names, chunk, factor: str) -> None:
    """Per key level, the one value of ``factor`` seen on its rows, or VARIES."""
    codes, names = level_codes(chunk.table.column(factor))
    ok = (key_codes >= 0) & (codes >= 0)
    pairs = np.unique(key_codes[ok].astype(np.int64) * (len(names) + 1) + codes[ok])
    keys_of, values_of = np.divmod(pairs, len(names) + 1)
    for k, v in zip(keys_of.tolist(), values_of.tolist(), strict=True):
        _join_level(slot, key_names[k], names[v])
    # a level whose rows show two values in this chunk appears twice above: VARIES already


def _design_of(state: dict, key: str, factors: list, dataset) -> tuple | None:
    """("cells", factors) when the key labels the cells of the design's own grouping
    columns; ("strata", arm) when a trial's arm varies within most of its groups; else None.

    Why: Soils' 'Group' numbers the 12 cells of Contour x Depth (and repeats 'Gp'): its
    "ICC" restates the factors' effects, which group_differences reports per factor.
    RockTheVote's 40 strata each hold a treated and a control cable system matched on
    past turnout: that turnout is alike within a stratum is how the design was made."""
    seen = {f: state.get(("factor", key, f), {}) for f in factors}
    groups = dataset.column(key).distinct_at_least  # exact: keys are counted exactly
    constant = [f for f in factors if seen[f] and VARIES not in seen[f].values()]
    for f in constant:
        if len(set(seen[f].values())) == groups:
            return ("cells", (f,))
    for i, a in enumerate(constant):
        for b in constant[i + 1 :]:
            levels = len(set(seen[a].values())) * len(set(seen[b].values()))
            cells = {(seen[a][k], seen[b].get(k)) for k in seen[a]}
            if levels == groups == len(cells):
                return ("cells", (a, b))
    arms = [f for f in factors if f in set(getattr(dataset, "treatments", ()))]
    multi = [k for k, n in _group_sizes(state, key).items() if n >= 2] if arms else []
    for arm in arms:
        varies = sum(1 for k in multi if seen[arm].get(k, "") is VARIES)
        if multi and varies >= MATCHED_SHARE * len(multi):
            return ("strata", arm)
    return None


def _group_sizes(state: dict, key: str) -> dict:
    """Rows per key level, from the measure whose counts cover the most rows."""
    best: dict = {}
    for k, levels in state.items():
        if k[0] == key and len(k) == 2:
            sizes = {level: entry[0] for level, entry in levels.items()}
            if sum(sizes.values()) > sum(best.values()):
                best = sizes
    return best


def _add(a: list, b: list) -> list:
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2], min(a[3], b[3]), max(a[4], b[4])]


SAME_PARTITION_RULE = (
    "{key!r} splits the rows exactly as {first!r} does (every measure's per-group counts "
    "and sums are the same): one grouping under two names, reported with {first!r}; "
    "severity at most low"
)


def _partition_signature(state: dict, key: str, measures) -> tuple:
    """Every measure's per-group (rows, sum, sum of squares), sorted: equal for two keys
    that split the rows the same way (a county's number and its name)."""
    return tuple(
        (m, tuple(sorted(tuple(e[:3]) for e in state[(key, m)].values())))
        for m in measures
        if state.get((key, m))
    )


def _constant_within(levels: dict) -> bool:
    return all(entry[3] == entry[4] for entry in levels.values())


def _anova(entries: list) -> dict | None:
    """ICC(1), eta^2, F and p of a one-way ANOVA from exact per-group sums (None when the
    groups or the rows are too few, or nothing varies)."""
    k = len(entries)
    total_n = sum(e[0] for e in entries)
    if k < MIN_GROUPS or total_n - k < 1:
        return None
    one = FIXED_ONE
    s = sum(e[1] for e in entries)
    q = sum(e[2] for e in entries)
    # sum S_g^2 / n_g: the integer sums of S_g^2 per group size, then one fraction per
    # size (a few distinct sizes, instead of a fraction per group)
    by_size: dict[int, int] = {}
    for e in entries:
        by_size[e[0]] = by_size.get(e[0], 0) + e[1] * e[1]
    between_terms = sum(Fraction(total, size) for size, total in sorted(by_size.items()))
    # in units of FIXED_ONE^2 (sums) and FIXED_ONE (squares): bring both to one unit
    ssb = (between_terms - Fraction(s * s, total_n)) / (one * one)
    ssw = Fraction(q, one) - between_terms / (one * one)
    if ssw <= 0 or ssb + ssw <= 0:
        return None
    msb = ssb / (k - 1)
    msw = ssw / (total_n - k)
    n0 = (total_n - Fraction(sum(e[0] * e[0] for e in entries), total_n)) / (k - 1)
    icc = (msb - msw) / (msb + (n0 - 1) * msw)
    f = float(msb / msw)
    p = float(stats.f.sf(f, k - 1, total_n - k))
    return {
        "icc": float(icc),
        "eta_squared": float(ssb / (ssb + ssw)),
        "f": f,
        "p_value": p,
        "groups": k,
        "rows": total_n,
    }


__all__ = ["ClusteredRows"]
