"""The ``group_differences`` analysis (relationships family): numeric differences across
category levels (Kruskal–Wallis).

One analysis per module so the file tree leads to it; what other relationships analyses
also use is in ``_common.py``, the family's overview in ``relationships/__init__.py``.
"""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import numpy as np

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, MemoryModel, Plan
from pytest_statharness.column_roles import ENTITY_DETAIL
from pytest_statharness.dataset.roles import name_tokens
from pytest_statharness.precision import PROBABILITY_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.report import sliver, sliver_rule
from .._shared.scale import SIZE_SPAN, size_rule_text, size_span
from .._shared.series import (
    ALPHA,
    CountMap,
    RankTable,
    int_group_sums,
    level_codes,
    level_label,
    significant_severity,
)
from .._shared.summaries import (
    CROSS_METHOD,
    PARALLEL_METHOD,
    cap_cross_alternatives,
    one_per_parallel,
    one_per_quantity,
)
from ._common import (
    CENSORING_RULE,
    GROUP_KINDS,
    LARGE_ALPHA,
    LARGE_EPSILON,
    LARGE_RULE,
    MAP_BUDGET_FACTOR,
    NUMERIC_KINDS,
    PRIMARY_ALPHA,
    TREATMENT_NOTE,
    _ChunkRanks,
    _finite,
    _group_columns,
    _LevelScan,
    _strongest_first,
    censoring_pairs,
    focus_tests,
    gate,
    interest_columns,
    lift_driver,
    strongest_driver_pairs,
)

# -- group differences (Kruskal–Wallis) -------------------------------------------------


#: a KPI's or target's difference across a grouping is medium from this epsilon^2 (two
#: equal groups: Cohen's d of about 0.4): what an outcome's table is read for, moderate
#: effects included (a 25-30% wage gap by sex is epsilon^2 0.05)
INTEREST_MEDIUM_EPSILON = 0.04
INTEREST_RULE = (
    "the measure, or the grouping (a class outcome: denied or approved, died or not), is a "
    "KPI or target (declared in the dataset spec, or named like an outcome "
    f"when the spec declares none): medium from epsilon^2 >= {INTEREST_MEDIUM_EPSILON} (two "
    "equal groups: Cohen's d of about 0.4), not 0.14: an outcome's moderate differences are "
    "what its table is read for; across two groups of unequal size (shares p and q), from "
    "the epsilon^2 the same separation gives two equal groups, epsilon^2 / (4pq) (= 3/4 of "
    "the squared rank-biserial correlation): a small group's difference is no smaller for "
    "its size"
)


def balanced_epsilon(epsilon: float | None, counts) -> float | None:
    """The epsilon^2 of a two-group Kruskal-Wallis test as if both groups were equal in
    size: epsilon^2 / (4pq), p and q the groups' shares.

    Why: epsilon^2 of two groups is about 3pq times the squared rank-biserial
    correlation, so it shrinks with the smaller group's share. Salaries' 39 women earn
    less than its 358 men as clearly as two equal groups separated by epsilon^2 0.05 (a
    rank-biserial r of 0.26), yet their epsilon^2 is 0.018. None for other than two
    groups."""
    sizes = [n for n in counts if n]
    if epsilon is None or len(sizes) != 2:
        return None
    total = sum(sizes)
    p, q = sizes[0] / total, sizes[1] / total
    return epsilon / (4 * p * q)


#: epsilon^2 from which the levels set the measure's values nearly exactly: a grade that
#: fixes a rate, a result read off a measurement (species' body sizes stay below: 0.8-0.9)
DETERMINED_EPSILON = 0.97
DETERMINED_RULE = (
    "epsilon^2 = {eps:.2f} (>= 0.97) across {g!r}: the levels of {g!r} all but fix {v!r} (a "
    "grade that sets a rate, a result read off the measurement): one column is defined "
    "by the other, not an effect measured on the rows; severity at most low"
)


#: Kruskal–Wallis' chi-square p-value needs about this many rows in each level
SPARSE_MIN_ROWS = 5
#: ... so there its p-value must be this small to be trusted
SPARSE_ALPHA = 0.001
SPARSE_LEVELS_RULE = (
    "{n} rows in {k} levels: fewer than "
    f"{SPARSE_MIN_ROWS} rows per level on average, where Kruskal–Wallis' chi-square "
    "approximation of its p-value does not hold and epsilon^2 is inflated by the levels "
    "alone ((k - 1) / (n - 1) expected with no difference at all), and p is not under "
    f"{SPARSE_ALPHA:g}; severity at most low"
)


class GroupDifferences(Analysis):
    id = "group_differences"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "distinct-value maps up to distinct_cap and per-level rank sums up to max_groups"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {"p_value": PROBABILITY_DIGITS}
    family = "relationships"
    title = "Numeric differences across category levels (Kruskal–Wallis)"
    requires = (*NUMERIC_KINDS, *GROUP_KINDS)
    exact = True
    passes = 3
    method = (
        "For each (numeric, categorical/boolean) column pair, on rows where the number is "
        "finite and the level non-null: Kruskal–Wallis H with tie correction from exact "
        "average ranks (distinct-value maps of at most distinct_cap values, maps on the rows "
        "with a non-null level within 20 x distinct_cap values, else skipped with the reason; "
        "twice a rank is an "
        "integer, so per-level rank sums are exact integers and H is computed in exact "
        "rational arithmetic), p-value from chi-square with (levels-1) df, epsilon-squared = "
        "H/(n-1); the title names the level of highest mean rank among levels of >= 5 rows "
        "(any level when fewer than two have 5). Levels: the max_groups-1 most frequent and an 'other' level when a column "
        "has more than max_groups levels; columns with more than 4*max_groups distinct values "
        "(or more than 50 with fewer than 20 rows per value on average) are skipped as keys, "
        "annotations (named note, remark, comment or memo) as no grouping. Pairs: "
        "the first max_pairs in column order. Severity: medium when epsilon^2 >= 0.14, low "
        "when >= 0.06, both only when p times the number of pairs (Bonferroni) < 0.001 (< "
        f"{LARGE_ALPHA:g} for a large effect, epsilon^2 >= 0.14: " + LARGE_RULE + "); else info; "
        "a KPI or target (declared, or a measure named like an outcome: see declared_interest) "
        "or a trial's arm (a grouping named treat, trt, rx, dose, arm...), "
        "or a measure across a class outcome's levels (a category or 0/1 flag declared as a "
        f"target or named like one: deny, death, vote), is medium from epsilon^2 >= "
        f"{INTEREST_MEDIUM_EPSILON} (a trial's outcome across its arms, the primary "
        "comparison: significant at p < 0.01 alone, not Bonferroni over the pairs; with no "
        "outcome named, any pair with a trial's arm: p < 0.01 after Bonferroni over that "
        "arm's pairs). "
        "A grouping of 2+ levels holding disjoint consecutive blocks of a measure's values, "
        "with more distinct values than levels, on half the grouping's rows or more and "
        "5 or more rows in each level (a binning of it), makes every other measure "
        "across it at most low: it restates their correlation with that measure. "
        "Several summaries of one quantity (a price's open/high/low/close, 3 or more of them in the table, 'mean X' and "
        "'worst X', read from the names) across the same grouping are one fact: the "
        "strongest keeps its severity, the others are at most low (same_fact_as); so is a "
        "measure across a second grouping that gives the same H, n and groups (a name and "
        "its code split the rows alike), and a second measure with the same H, n and groups "
        "across the same grouping (one measure a monotone function of the other); so is a "
        "measure whose levels' mean ranks correlate >= 0.95 (Pearson, >= 5 levels) with a "
        "stronger finding's over the same grouping (hwy and cty across car classes); so is a "
        "measure across a coarsening of another grouping whose finding for it is medium or "
        "high (each level of the finer one within one level of the coarser, from their joint "
        "level counts, the first 12 groupings without an 'other' bucket: method and method2, "
        "age and age.group; a coarsening's epsilon^2 is never larger). True by "
        "construction, so not medium: a survival table's follow-up time across its event "
        "flag (the censoring, roles.survival_pairs: low); a measure constant within each "
        "level (epsilon^2 = 1, "
        "an attribute of the level: low); levels that all but fix the measure (epsilon^2 "
        f">= {DETERMINED_EPSILON}: a grade that sets a rate, a result read off the measure: "
        "low); levels holding disjoint ranges of the measure "
        "(a cut of it, 'child' of 'age': info); a measure across a panel's units (30+ firms "
        "observed over the years, or fewer named as subjects: id, subject, patient, "
        "participant...: low, the panel's between-unit spread); in a table with a "
        "time axis (units observed "
        "over time), a total of units of every size (positive values spanning a 20-fold "
        "range) with epsilon^2 >= 0.8 across the units (low). 3 or more measures differing "
        "(medium/high) across one grouping are one finding (medium, first; their own low), a target or KPI apart (its own finding kept). "
        "Too few rows per level: "
        + SPARSE_LEVELS_RULE.format(n="n", k="k")
        + ". "
        + PARALLEL_METHOD
        + ". "
        + CROSS_METHOD
    )
    reference = (
        "Kruskal & Wallis (1952), Use of Ranks in One-Criterion Variance Analysis, JASA 47; "
        "Tomczak & Tomczak (2014), The need to report effect size estimates revisited, "
        "Trends in Sport Sciences 1(21)"
    )
    access = (
        "streamed; pass 1 distinct-value maps + level counts, optional pass 2 maps on rows "
        "with a non-null level, pass 3 per-level rank sums"
    )

    def plan(self, dataset, budget):
        numeric = dataset.columns_of(*NUMERIC_KINDS, roles=MEASURE_ROLES)
        groups, skipped = _group_columns(dataset, budget)
        numeric_kept = numeric[: budget.max_columns]
        groups_kept = groups[: budget.max_columns]
        pairs = [(v, g) for v in numeric_kept for g in groups_kept]
        if not pairs:
            return None
        left_out: dict = {}
        dropped = numeric[len(numeric_kept) :] + groups[len(groups_kept) :]
        if dropped:
            left_out.update({"columns": dropped, "cap": "max_columns"})
        if skipped:
            left_out["skipped_columns"] = skipped
        if len(pairs) > budget.max_pairs:
            left_out["pairs"] = len(pairs) - budget.max_pairs
            left_out["pairs_cap"] = "max_pairs"
            left_out["pairs_rule"] = (
                "kept the first max_pairs (numeric, group) pairs in column order"
            )
        used = {c for p in pairs[: budget.max_pairs] for c in p}
        columns = tuple(c for c in numeric_kept + groups_kept if c in used)
        params = {"alpha": ALPHA, "pairs_total": len(pairs)}
        return Plan(columns, params, left_out)

    def _split(self, ctx) -> tuple[list[str], list[str]]:
        numeric = [c for c in ctx.columns if ctx.dataset.kind(c) in NUMERIC_KINDS]
        groups = [c for c in ctx.columns if ctx.dataset.kind(c) in GROUP_KINDS]
        return numeric, groups

    def _pairs(self, ctx) -> list[tuple[str, str]]:
        numeric, groups = self._split(ctx)
        return [(v, g) for v in numeric for g in groups][: ctx.budget.max_pairs]

    def _stage(self, ctx) -> str:
        return "scan" if ctx.pass_index == 0 else ctx.previous[-1]["next"]

    def init(self, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            numeric, groups = self._split(ctx)
            return {
                "num": {c: {"n": 0, "bad": 0, "map": CountMap()} for c in numeric},
                "grp": _LevelScan.init(groups),
            }
        return {}

    def update(self, state, chunk, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            for c, s in state["num"].items():
                data, ok = _finite(chunk, c)
                vals = data[ok]
                s["n"] += int(vals.size)
                s["bad"] += int(data.size - vals.size)
                s["map"] = s["map"].merged(CountMap.of(vals, cap), cap)
            _LevelScan.update(state["grp"], chunk, list(state["grp"]))
            return state
        info = ctx.previous[-1]
        codes = {
            g: level_codes(chunk.column(g), info["levels"][g]["levels"]) for g in info["groups"]
        }
        nums = {v: _finite(chunk, v) for v in info["numeric"]}
        ranks = _ChunkRanks(info["tables"], nums.__getitem__, own=None)
        if stage == "maps":
            for v, g in info["map_keys"]:
                data, ok = nums[v]
                part = CountMap.of(data[ok & (codes[g] >= 0)], cap)
                state[(v, g)] = state[(v, g)].merged(part, cap) if (v, g) in state else part
            return state
        for (v, g), key in info["rank_pairs"].items():
            data, ok = nums[v]
            mask = ok & (codes[g] >= 0)
            if not mask.any():
                continue
            k = len(info["levels"][g]["levels"]) + 1
            c = codes[g][mask]
            twice = ranks(v, key, mask)
            counts = np.bincount(c, minlength=k).tolist()
            sums = int_group_sums(c, twice, k)
            old = state.get((v, g))
            if old is None:
                state[(v, g)] = (counts, sums)
            else:
                state[(v, g)] = (
                    [x + y for x, y in zip(old[0], counts, strict=True)],
                    [x + y for x, y in zip(old[1], sums, strict=True)],
                )
        for g1, g2 in _grouping_pairs(info):
            k1, k2 = (len(info["levels"][g]["levels"]) + 1 for g in (g1, g2))
            both = (codes[g1] >= 0) & (codes[g2] >= 0)
            cells = np.bincount(codes[g1][both] * k2 + codes[g2][both], minlength=k1 * k2)
            key = (JOINT_KEY, g1, g2)
            old = state.get(key)
            state[key] = (
                cells.tolist()
                if old is None
                else [x + y for x, y in zip(old[0], cells.tolist(), strict=True)],
                [],
            )
        return state

    def merge(self, a, b, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            return {
                "num": {
                    c: {
                        "n": a["num"][c]["n"] + b["num"][c]["n"],
                        "bad": a["num"][c]["bad"] + b["num"][c]["bad"],
                        "map": a["num"][c]["map"].merged(b["num"][c]["map"], cap),
                    }
                    for c in a["num"]
                },
                "grp": _LevelScan.merge(a["grp"], b["grp"], list(a["grp"])),
            }
        out = dict(a)
        for key, value in b.items():
            if stage == "maps":
                out[key] = (
                    out[key].merged(value, cap) if key in out else value.merged(CountMap(), cap)
                )
            elif key not in out:
                out[key] = (list(value[0]), list(value[1]))
            else:
                old = out[key]
                out[key] = (
                    [x + y for x, y in zip(old[0], value[0], strict=True)],
                    [x + y for x, y in zip(old[1], value[1], strict=True)],
                )
        return out

    def end_pass(self, state, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            numeric, groups = self._split(ctx)
            levels = _LevelScan.end(state["grp"], groups, ctx.budget.max_groups)
            info = {
                "numeric": numeric,
                "groups": groups,
                "levels": levels,
                "scan": {
                    c: {k: s[k] for k in ("n", "bad")} | {"overflow": s["map"].overflow}
                    for c, s in state["num"].items()
                },
                "tables": {
                    (c, None): RankTable(s["map"])
                    for c, s in state["num"].items()
                    if not s["map"].overflow and s["n"]
                },
                "sums": {},
            }
            # rank maps of v on the rows where g is non-null, within the per-pass budget
            budget = MAP_BUDGET_FACTOR * ctx.budget.distinct_cap
            keys, used = set(), 0
            for v, g in self._pairs(ctx):
                if (v, None) in info["tables"] and levels[g]["bad"]:
                    cost = int(state["num"][v]["map"].values.size)
                    if used + cost <= budget:
                        keys.add((v, g))
                        used += cost
            info["map_keys"] = sorted(keys)
            info["next"] = "maps" if keys else self._rank_plan(ctx, info)
            return info
        info = ctx.previous[-1]
        if stage == "maps":
            for key in info["map_keys"]:
                cmap = state.get(key, CountMap())
                own = info["tables"][(key[0], None)]
                info["tables"][key] = None if cmap.overflow else RankTable(cmap, own)
            info["next"] = self._rank_plan(ctx, info)
        else:
            info["sums"] = state
            info["next"] = None
        return info

    def _key(self, info, v, g):
        return (v, g) if info["levels"][g]["bad"] else (v, None)

    def _rank_plan(self, ctx, info) -> str | None:
        plan = {}
        for v, g in self._pairs(ctx):
            key = self._key(info, v, g)
            if info["tables"].get(key) is not None and info["levels"][g]["levels"]:
                plan[(v, g)] = key
        info["rank_pairs"] = plan
        return "ranks" if plan else None

    def needs_another_pass(self, ctx):
        return ctx.previous[-1]["next"] is not None

    def findings(self, ctx):
        info = ctx.previous[-1]
        pairs = self._pairs(ctx)
        tested = len(pairs)
        focus = focus_tests(ctx.dataset, pairs)
        per_grouping = Counter(g for _, g in pairs)
        cap = ctx.budget.distinct_cap
        out = []
        profiles: dict[tuple[str, str], dict[int, float]] = {}
        interesting = interest_columns(ctx.dataset)
        censoring = censoring_pairs(ctx.dataset)
        # an event flag holding its follow-up times apart is the censoring, not a binning
        binned = _binned_groupings(
            ctx.dataset, info, [p for p in pairs if frozenset(p) not in censoring]
        )
        kruskal: dict[tuple[str, str], dict] = {}

        def kruskal_of(v: str, g: str) -> dict:
            """The pair's Kruskal-Wallis result (computed once: the driver screen and the
            findings read it)."""
            if (v, g) not in kruskal:
                labels = [level_label(x) for x in info["levels"][g]["levels"]] + ["(other)"]
                counts, sums = info["sums"].get((v, g), ([], []))
                kruskal[(v, g)] = _kruskal(
                    counts, sums, info["tables"][self._key(info, v, g)], labels
                )
            return kruskal[(v, g)]

        # an outcome measure across groupings (not a measure across a class outcome's levels)
        ranked = [
            (v, g)
            for v, g in pairs
            if (v, g) in info.get("rank_pairs", {}) and v in ctx.dataset.targets
        ]
        drivers = strongest_driver_pairs(
            ctx.dataset,
            "group_difference",
            [
                (
                    v,
                    g,
                    kruskal_of(v, g).get("epsilon_squared"),
                    kruskal_of(v, g).get("p_value"),
                    tested,
                )
                for v, g in ranked
            ],
            measures_only=True,
        )
        for v, g in pairs:
            lv = info["levels"][g]
            params: dict = {"pairs_tested": tested}
            if lv["other_levels"]:
                params["other_bucket"] = {
                    g: {"levels": lv["other_levels"], "rows": lv["other_rows"]}
                }
            key = self._key(info, v, g)
            res = {
                "h_statistic": None,
                "p_value": None,
                "epsilon_squared": None,
                "n": 0,
                "groups": 0,
                "highest_mean_rank_level": None,
                "lowest_mean_rank_level": None,
            }
            counts: list[int] = []
            sums: list[int] = []
            if (v, g) in info.get("rank_pairs", {}):
                counts, sums = info["sums"].get((v, g), ([], []))
                res.update(kruskal_of(v, g))
                # each level's mean rank relative to the mean: the measure's pattern over g
                total = sum(counts)
                profiles[(v, g)] = {
                    i: s_ / (2 * n) / (total + 1)
                    for i, (n, s_) in enumerate(zip(counts, sums, strict=False))
                    if n
                }
            elif info["scan"][v]["overflow"] or (
                key in info["tables"] and info["tables"][key] is None
            ):
                params["skipped"] = (
                    f"exact ranks unaffordable: column {v!r} has more than distinct_cap = {cap} "
                    "distinct finite values"
                )
            elif key[1] is not None and key not in info["tables"]:
                params["skipped"] = (
                    "exact ranks unaffordable: the rank maps of earlier pairs filled the per-pass "
                    f"budget of {MAP_BUDGET_FACTOR} x distinct_cap = {MAP_BUDGET_FACTOR * cap} "
                    "distinct values"
                )
            # a measure that is an outcome, or one differing across a class outcome's
            # levels (a loan's debt ratio by denied / approved)
            design = (
                not ctx.dataset.targets
                and g not in focus
                and not lv["other_levels"]
                and _balanced(counts)
            )
            interest = v in interesting or g in interesting or design
            large = (res["epsilon_squared"] or 0.0) >= LARGE_EPSILON
            tests, alpha, primary = gate(ctx.dataset, v, g, tested, focus, large)
            if design:
                # warpbreaks: 9 rows per wool x tension cell; breaks by tension, p 0.0045
                tests, alpha = per_grouping[g], PRIMARY_ALPHA
                primary = DESIGN_NOTE.format(k=tests)
            effect = res["epsilon_squared"]
            balanced = balanced_epsilon(effect, counts) if interest else None
            if balanced is not None and balanced > (effect or 0.0):
                params["balanced_epsilon_squared"] = round(balanced, 4)
                effect = balanced
            severity = significant_severity(
                res["p_value"],
                tests,
                effect,
                ((INTEREST_MEDIUM_EPSILON, "medium"),)
                if interest
                else ((0.14, "medium"), (0.06, "low")),
                alpha,
            )
            # Wages1: wage by sex, epsilon² 0.03, under the outcome bar of 0.04
            severity = lift_driver(drivers, (v, g), severity, params)
            if interest:
                params["declared_interest"] = (
                    ("" if design else INTEREST_RULE)
                    + (TREATMENT_NOTE if {v, g} & set(ctx.dataset.treatments) else "")
                    + primary
                )
            if severity in ("medium", "high"):
                structural = _structural(ctx, v, g, counts, sums, res["epsilon_squared"])
                if frozenset((v, g)) in censoring:
                    # mastectomy's follow-up time across its True/False event flag
                    severity = "low"
                    params["severity_capped"] = CENSORING_RULE
                elif structural is not None:
                    severity, params["severity_capped"] = structural
                elif g in binned and binned[g] != v:
                    # age groups cut from an age: income across them is income against
                    # age, which correlation reports
                    severity = "low"
                    params["severity_capped"] = RECODED_RULE.format(v=v, g=g, x=binned[g])
                elif sliver(res["n"], ctx.dataset.row_count):
                    # planes' speed (23 of 3,322 planes) across engine type
                    severity = "low"
                    params["severity_capped"] = sliver_rule(res["n"], ctx.dataset.row_count)
                elif (
                    res["groups"]
                    and res["n"] < SPARSE_MIN_ROWS * res["groups"]
                    and (res["p_value"] is None or res["p_value"] >= SPARSE_ALPHA)
                ):
                    # nyc_marathon's time across 20 countries on 99 rows (p 0.006)
                    severity = "low"
                    params["severity_capped"] = SPARSE_LEVELS_RULE.format(
                        n=res["n"], k=res["groups"]
                    )
            units = {
                "h_statistic": "statistic",
                "p_value": "probability",
                "epsilon_squared": "ratio",
                "n": "count",
                "groups": "count",
                "highest_mean_rank_level": "level",
                "lowest_mean_rank_level": "level",
            }
            out.append(
                ctx.finding(
                    kind="group_difference",
                    title=f"{v!r} across the levels of {g!r}"
                    + (
                        f" (highest: {res['highest_mean_rank_level']}; epsilon² = "
                        f"{res['epsilon_squared']:.2f})"
                        if res["epsilon_squared"] is not None
                        and res["highest_mean_rank_level"] is not None
                        else ""
                    ),
                    subject={"column": v, "group_by": g},
                    values=res,
                    units=units,
                    severity=severity,
                    columns=[v, g],
                    parameters=params,
                )
            )
        ordered = _strongest_first(ctx, out, lambda v: v["epsilon_squared"])
        _same_partition(ordered)
        _coarser_groupings(ordered, _coarsenings(info), interesting)
        _same_pattern(ordered, profiles)
        names = [c.name for c in ctx.dataset.columns]
        kept = one_per_quantity(
            ordered, lambda f: f["subject"]["column"], lambda f: f["subject"]["group_by"], names
        )
        cap_cross_alternatives(kept, _pair_of, names)
        one_per_parallel(kept, _pair_of)
        return _shared_groupings(ctx, kept, tested)


def _pair_of(finding: dict) -> list[str] | None:
    """A group difference's measure and grouping (None for the other kinds)."""
    if finding["kind"] != "group_difference":
        return None
    return [finding["subject"]["column"], finding["subject"]["group_by"]]


SAME_PARTITION_RULE = (
    "the same H, n and number of groups as by {lead!r}: the two columns split the rows the "
    "same way (a name and its code), so this is the same fact; severity at most low"
)


SAME_RANKS_RULE = (
    "the same H, n and number of groups as {lead!r} across the same grouping: the two "
    "measures rank the rows alike (one is a monotone function of the other: awake = 24 - "
    "sleep), so this is the same fact; severity at most low"
)


#: per-level mean-rank profiles of two measures over one grouping correlating at least this
#: much are the same pattern (hwy and cty across car classes)
SAME_PATTERN_R = 0.95
SAME_PATTERN_MIN_LEVELS = 5

SAME_PATTERN_RULE = (
    "across {group!r}, the levels rank in the same order, by the same proportions, as for "
    "{lead!r} (Pearson r = {r:.3f} of the levels' mean ranks, >= " + f"{SAME_PATTERN_R}" + "): "
    "one pattern of two related measures (highway and city mileage, a stone's size and "
    "weight), said once; severity at most low"
)


#: epsilon^2 from which a measure is constant within each level (ties only)
ATTRIBUTE_EPSILON = 1 - 1e-9
#: epsilon^2 from which a total of units of every size differing across them is their size
SIZE_EPSILON = 0.8

ATTRIBUTE_RULE = (
    "epsilon^2 = 1: {v!r} takes one value within each level of {g!r}, an attribute of the "
    "level (recorded per {g!r}), not an effect measured on its rows; severity at most low"
)
THRESHOLD_RULE = (
    "the two levels of {g!r} hold disjoint ranges of {v!r} (no value of one level lies "
    "between values of the other): {g!r} is a cut of {v!r} (child: age under 18), a "
    "definition, not an effect; severity info"
)


#: a grouping whose levels hold exactly the same number of rows, at least this many each,
#: with 2..DESIGN_MAX_LEVELS levels, is a factor of a designed experiment (or of a sample
#: stratified by it): observed categories are almost never that even
DESIGN_MIN_ROWS = 3
DESIGN_MAX_LEVELS = 8
DESIGN_NOTE = (
    f"the levels of this grouping hold the same number of rows each (>= {DESIGN_MIN_ROWS}, "
    f"2..{DESIGN_MAX_LEVELS} levels): a factor of a designed experiment (warpbreaks' wool and "
    "tension, 9 rows a cell), set by the design, and with no outcome named its measures "
    "are the experiment's responses: medium from epsilon^2 >= "
    f"{INTEREST_MEDIUM_EPSILON} when p < {PRIMARY_ALPHA} after Bonferroni over the {{k}} "
    "measure(s) compared across it, not over every pair of the table"
)


def _balanced(counts: list[int]) -> bool:
    """Whether the filled levels all hold the same number of rows, >= DESIGN_MIN_ROWS,
    with 2..DESIGN_MAX_LEVELS of them: a design's factor."""
    filled = [n for n in counts if n]
    return (
        2 <= len(filled) <= DESIGN_MAX_LEVELS
        and len(set(filled)) == 1
        and filled[0] >= DESIGN_MIN_ROWS
    )


#: a panel's units from this many: firms, states (5 periods or 15 replicates are levels
#: of a design, compared as such)
UNITS_MIN_LEVELS = 30
#: ... or fewer, when named as the key of the units measured again and again
UNIT_KEY_NAMES = frozenset(
    {"id", "subject", "subj", "patient", "participant", "person", "individual", "animal"}
)
UNITS_RULE = (
    "{g!r} holds a panel's units (firms, states observed over time): that {v!r} differs "
    "between them is how a panel is made (its between-unit spread, which clustered_rows "
    "states as an ICC), not an effect; severity at most low"
)

BINNING_RULE = (
    "the levels of {g!r} hold disjoint ranges of {v!r}, one after the other (no value of "
    "a level lies between values of another): {g!r} is a binning of {v!r} (DrinksWages' "
    "wage classes), a definition, not an effect; severity info"
)


RECODED_RULE = (
    "{g!r} is a binning of the measure {x!r} (each level holds its own block of the "
    "values of {x!r}): {v!r} across its levels restates {v!r} against {x!r}, which correlation "
    "reports; severity at most low"
)


#: rows each level of a binning holds at least, for the binning to restate its measure
BINNING_MIN_ROWS = 5


def _binned_groupings(dataset, info: dict, pairs) -> dict[str, str]:
    """{grouping: measure} for groupings of 2+ levels that hold disjoint, consecutive
    blocks of a measure's ranks, with more distinct values of the measure than levels, on
    half the grouping's rows or more and BINNING_MIN_ROWS or more in each level (a binning
    of it: age groups of an age, pharmacoSmoking's ageGroup2 21-49 / 50+, DrinksWages'
    wage classes), the first such measure in pair order. One value per level is no
    binning: a measure that is an attribute of the levels (Migration's destination
    population, one per province) says nothing about what else differs across them."""
    out: dict[str, str] = {}
    for v, g in pairs:
        if g in out or (v, g) not in info.get("rank_pairs", {}):
            continue
        counts, sums = info["sums"].get((v, g), ([], []))
        filled = [(n, s_) for n, s_ in zip(counts, sums, strict=False) if n]
        if (
            len(filled) >= 2
            # a measure recorded on a few rows of two centres (cgd0's etime4) falls in
            # blocks by chance: on most of the grouping's rows, a few rows in each level
            and 2 * sum(n for n, _ in filled) >= dataset.row_count - dataset.column(g).null_count
            and min(n for n, _ in filled) >= BINNING_MIN_ROWS
            and dataset.column(v).distinct_at_least > len(filled)
            # levels of one size are a design's factor (tinting's 91 younger and 91 older
            # drivers): what differs across them is the experiment's result
            and not _balanced([n for n, _ in filled])
            and _contiguous_blocks(filled)
            # a two-level gate (0 wherever the wife did not work) is no binning; Oxboys'
            # 9 occasions, each at one age or nearly, are
            and not (
                len(filled) == 2
                and _one_value_level(filled, info["tables"].get(info["rank_pairs"][(v, g)]))
            )
        ):
            out[g] = v
    return out


def _one_value_level(filled: list[tuple[int, int]], table) -> bool:
    """Whether a level of a binning holds one value only: a measure recorded only at the
    other levels (Mroz's wage, 0 wherever the wife did not work), which the grouping gates
    rather than bins. What else differs across such a grouping (experience by work) is
    about the grouping itself, not a restated correlation with the measure."""
    if table is None:
        return False
    ties = {
        (int(t), int(c)) for t, c in zip(table.twice.tolist(), table.counts.tolist(), strict=True)
    }
    # a level of n rows all at one value sits at that value's doubled mid-rank
    return any(s_ % n == 0 and (s_ // n, n) in ties for n, s_ in filled)


def _contiguous_blocks(filled: list[tuple[int, int]]) -> bool:
    """Whether each level holds one block of the sorted values: ordered by mean rank,
    the level after ``c`` rows holds exactly ranks c+1..c+n, whose twice-sum is
    n (2c + n + 1). A value shared by two levels (tied ranks across them) breaks it."""
    at = 0
    for n, twice in sorted(filled, key=lambda level: Fraction(level[1], level[0])):
        if twice != n * (2 * at + n + 1):
            return False
        at += n
    return True


#: a two-level grouping whose levels overlap on at most this share of their pairs of rows
#: (Mann-Whitney's U / (n1 n2) from either end) is a cut of the measure but for a few
#: miscoded rows
NEAR_CUT_OVERLAP = 0.001
NEAR_CUT_RULE = (
    "the two levels of {g!r} hold ranges of {v!r} that overlap on {share:.2g} of their pairs "
    "of rows (Mann-Whitney U / (n1 n2), at most " + f"{NEAR_CUT_OVERLAP:g}" + "): {g!r} is a "
    "cut of {v!r} (low birth weight of a birth weight) but for a few rows coded across the "
    "cut, which flag_consistency names; a definition, not an effect; severity at most low"
)


def _cut_overlap(filled: list[tuple[int, int]]) -> float:
    """The share of pairs (one row of each level) ordered against the levels' order, ties
    counting half: min(U, n1 n2 - U) / (n1 n2), from the levels' twice-rank sums (0 for a
    clean cut)."""
    (n1, twice1), (n2, _) = filled
    u = Fraction(twice1, 2) - Fraction(n1 * (n1 + 1), 2)
    pairs = n1 * n2
    return float(min(u, pairs - u) / pairs)


def _structural(ctx, v: str, g: str, counts, sums, epsilon) -> tuple[str, str] | None:
    """(severity, rule) when a medium/high group difference is true by the table's
    construction rather than an effect: the measure is an attribute of the levels, a
    two-level grouping is a cut of the measure, or the levels are units of every size and
    the measure one of their totals (``_shared.scale``). None otherwise."""
    if epsilon is not None and epsilon >= ATTRIBUTE_EPSILON:
        return "low", ATTRIBUTE_RULE.format(v=v, g=g)
    filled = [(n, s_) for n, s_ in zip(counts, sums, strict=False) if n]
    if len(filled) >= 2 and _contiguous_blocks(filled):
        rule = THRESHOLD_RULE if len(filled) == 2 else BINNING_RULE
        return "info", rule.format(v=v, g=g)
    if len(filled) == 2 and (overlap := _cut_overlap(filled)) <= NEAR_CUT_OVERLAP:
        return "low", NEAR_CUT_RULE.format(v=v, g=g, share=overlap)
    info = ctx.dataset.column(g)
    if info.role_detail == ENTITY_DETAIL and (
        info.distinct_at_least >= UNITS_MIN_LEVELS or name_tokens(g) & UNIT_KEY_NAMES
    ):
        # OBrienKaiserLong's 16 subjects, named 'id', each measured 15 times
        return "low", UNITS_RULE.format(v=v, g=g)
    span = size_span(ctx.dataset.column(v))
    panel = any(c.kind == ColumnKind.TIMESTAMP for c in ctx.dataset.columns)
    if (
        panel  # the levels are units observed over time (states by year), not kinds (species)
        and epsilon is not None
        and epsilon >= SIZE_EPSILON
        and span is not None
        and span >= SIZE_SPAN
    ):
        return "low", (f"epsilon^2 = {epsilon:.2f} across {g!r}: " + size_rule_text([v], [span]))
    if epsilon is not None and epsilon >= DETERMINED_EPSILON:
        # lending_club's int_rate by sub_grade (epsilon^2 1.00: the grade sets the rate),
        # covid_testing's ct_result by result (0.98: the result is read off the Ct value)
        return "low", DETERMINED_RULE.format(v=v, g=g, eps=epsilon)
    return None


#: this many measures or more differing (medium/high) across one grouping are one fact
SHARED_GROUPING_MIN = 3
SHARED_GROUPING_RULE = (
    "3 or more measures differing across the same grouping are reported once, as one "
    "finding (medium, listed strongest first); each one's own finding is low: the levels "
    "(species, counties, countries) differ in many respects at once. A target or KPI is "
    "never folded: its own finding keeps its severity"
)


def _shared_groupings(ctx, findings: list[dict], tested: int) -> list[dict]:
    """One medium finding per grouping across which 3 or more measures differ (medium or
    high), before the rest; their own findings low. Groupings in the order of their
    strongest member."""
    by_group: dict[str, list[dict]] = {}
    # a target's or KPI's difference is what the table is read for: it keeps its own
    # finding, named, instead of being folded among the others (Salaries' salary by rank)
    interesting = interest_columns(ctx.dataset)
    for f in findings:
        if (
            f["kind"] == "group_difference"
            and f["severity"] in ("medium", "high")
            and f["subject"]["column"] not in interesting
        ):
            by_group.setdefault(f["subject"]["group_by"], []).append(f)
    shared = []
    for g, members in by_group.items():
        if len(members) < SHARED_GROUPING_MIN:
            continue
        for f in members:
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = SHARED_GROUPING_RULE
        effects = [f["measurement"]["values"]["epsilon_squared"] for f in members]
        names = [f["subject"]["column"] for f in members]
        shared.append(
            ctx.finding(
                kind="shared_group_difference",
                title=(
                    f"{len(members)} measures differ across the levels of {g!r} (strongest: "
                    f"{names[0]!r}, epsilon^2 = {effects[0]:.2f})"
                ),
                subject={"columns": names, "group_by": g},
                values={
                    "measures_differing": len(members),
                    "pairs_tested": tested,
                    "strongest_epsilon_squared": effects[0],
                    "weakest_epsilon_squared": min(effects),
                },
                units={
                    "measures_differing": "count",
                    "pairs_tested": "count",
                    "strongest_epsilon_squared": "ratio",
                    "weakest_epsilon_squared": "ratio",
                },
                severity="medium",
                columns=[*names, g],
                parameters={"rule": SHARED_GROUPING_RULE},
            )
        )
    return shared + findings


def _same_pattern(findings: list[dict], profiles: dict) -> None:
    """Cap at low a medium/high finding whose measure ranks the levels of its grouping
    like a stronger finding's measure did (the findings arrive strongest first)."""
    kept: dict[str, list[str]] = {}
    for f in findings:
        if f["severity"] not in ("medium", "high"):
            continue
        v, g = f["subject"]["column"], f["subject"]["group_by"]
        mine = profiles.get((v, g))
        if mine is None:
            continue
        for lead in kept.get(g, []):
            theirs = profiles[(lead, g)]
            common = sorted(set(mine) & set(theirs))
            if len(common) < SAME_PATTERN_MIN_LEVELS:
                continue  # with 3 or 4 levels any two size-like measures correlate
            x = np.array([theirs[i] for i in common])
            y = np.array([mine[i] for i in common])
            if np.ptp(x) == 0 or np.ptp(y) == 0:
                continue
            r = float(np.corrcoef(x, y)[0, 1])
            if r >= SAME_PATTERN_R:
                f["severity"] = "low"
                f["evidence"]["parameters"]["severity_capped"] = SAME_PATTERN_RULE.format(
                    group=g, lead=lead, r=r
                )
                f["evidence"]["parameters"]["same_fact_as"] = lead
                break
        else:
            kept.setdefault(g, []).append(v)


def _same_partition(findings: list[dict]) -> None:
    """Cap at low a medium/high finding whose measure, H statistic, n and group count equal
    an earlier one's under another grouping column: 'Country Name' and 'Country Code' give
    identical Kruskal-Wallis results, one fact reported twice."""
    seen: dict[tuple, str] = {}
    for f in findings:
        values = f["measurement"]["values"]
        if f["severity"] not in ("medium", "high") or values.get("h_statistic") is None:
            continue
        stats_key = (values["h_statistic"], values["n"], values["groups"])
        column, group = f["subject"]["column"], f["subject"]["group_by"]
        lead = seen.get(("by", column, *stats_key))
        rule = SAME_PARTITION_RULE
        if lead is None:
            lead = seen.get(("of", group, *stats_key))
            rule = SAME_RANKS_RULE
        if lead is not None:
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = rule.format(lead=lead)
            f["evidence"]["parameters"]["same_fact_as"] = lead
        else:
            seen[("by", column, *stats_key)] = group
            seen[("of", group, *stats_key)] = column


#: state key of the joint level counts of two groupings (never a (measure, grouping) pair)
JOINT_KEY = "\x00joint"
#: joint level counts are kept for the pairs of the first this many groupings
JOINT_MAX_GROUPS = 12

COARSER_RULE = (
    "{coarse!r} is a coarsening of {fine!r} (each level of {fine!r} lies within one level of "
    "{coarse!r}: method and method2, age and age.group), so {measure!r} across it restates "
    "its difference across {fine!r}, reported as {severity}; severity at most low"
)


def _grouping_pairs(info) -> list[tuple[str, str]]:
    """Pairs of groupings (schema order, the first JOINT_MAX_GROUPS, neither with an
    'other' bucket) whose joint level counts tell a coarsening."""
    groups = [g for g in info["groups"] if not info["levels"][g]["other_levels"]]
    groups = groups[:JOINT_MAX_GROUPS]
    return [(a, b) for i, a in enumerate(groups) for b in groups[i + 1 :]]


def _coarsenings(info) -> dict[str, str]:
    """{coarse grouping: finer grouping}: every level of the finer one (with rows) falls in
    one level of the coarse one, which has fewer levels in use."""
    out: dict[str, str] = {}
    for (_tag, g1, g2), (cells, _) in sorted(
        (k, v) for k, v in info.get("sums", {}).items() if k[0] == JOINT_KEY
    ):
        k2 = len(info["levels"][g2]["levels"]) + 1
        table = np.asarray(cells, dtype=np.int64).reshape(-1, k2)
        used = table > 0
        rows_in, cols_in = int(used.any(axis=1).sum()), int(used.any(axis=0).sum())
        if not rows_in or not cols_in:
            continue
        if (used.sum(axis=1) <= 1).all() and cols_in < rows_in:
            out.setdefault(g2, g1)  # g2 is a function of g1
        elif (used.sum(axis=0) <= 1).all() and rows_in < cols_in:
            out.setdefault(g1, g2)
    return out


def _coarser_groupings(findings: list[dict], coarser: dict[str, str], interesting) -> None:
    """Cap at low a measure's medium/high difference across a coarsening of a grouping
    whose own finding for the measure is medium/high: Suicide's counts by method2 (a
    coarsening of method) restate the counts by method. A coarsening can only lose the
    finer grouping's between-level ranks, so its epsilon^2 is never larger."""
    severity = {(f["subject"]["column"], f["subject"]["group_by"]): f["severity"] for f in findings}
    for f in findings:
        v, g = f["subject"]["column"], f["subject"]["group_by"]
        fine = coarser.get(g)
        if fine is None or g in interesting or f["severity"] not in ("medium", "high"):
            continue
        lead = severity.get((v, fine))
        if lead in ("medium", "high"):
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = COARSER_RULE.format(
                coarse=g, fine=fine, measure=v, severity=lead
            )
            f["evidence"]["parameters"]["same_fact_as"] = fine


#: a level is named highest or lowest in a title from this many rows
NAMED_LEVEL_ROWS = 5


def _kruskal(counts: list[int], sums: list[int], table: RankTable, labels: list[str]) -> dict:
    """Kruskal–Wallis H (tie-corrected) in exact rational arithmetic from twice-rank sums."""
    live = [(n, s, label) for n, s, label in zip(counts, sums, labels, strict=False) if n > 0]
    total = sum(n for n, _, _ in live)
    out = {"n": total, "groups": len(live)}
    if len(live) < 2:
        return out
    # the highest and lowest level among those of NAMED_LEVEL_ROWS rows or more, when
    # there are two: one car from England is no level to name (car90)
    named = [x for x in live if x[0] >= NAMED_LEVEL_ROWS]
    mean_ranks = [
        (Fraction(s, 2 * n), label) for n, s, label in (named if len(named) >= 2 else live)
    ]
    out["lowest_mean_rank_level"] = min(mean_ranks, key=lambda x: (x[0], x[1]))[1]
    out["highest_mean_rank_level"] = min(mean_ranks, key=lambda x: (-x[0], x[1]))[1]
    cubes = total**3 - total
    if cubes == 0 or table.ties >= cubes:
        return out
    ssbn = sum(Fraction(s * s, 4 * n) for n, s, _ in live)
    h = (Fraction(12, total * (total + 1)) * ssbn - 3 * (total + 1)) / (
        1 - Fraction(table.ties, cubes)
    )
    h_float = float(h)
    out.update(
        {
            "h_statistic": h_float,
            "p_value": float(stats.chi2.sf(h_float, len(live) - 1)),
            "epsilon_squared": float(h / (total - 1)),
        }
    )
    return out
