"""The ``cramers_v`` analysis (relationships family): cramér's V between categorical columns.

One analysis per module so the file tree leads to it; what other relationships analyses
also use is in ``_common.py``, the family's overview in ``relationships/__init__.py``.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan
from pytest_statharness.column_roles import ENTITY_DETAIL
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.series import (
    ALPHA,
    level_codes,
    significant_severity,
)
from .._shared.summaries import (
    CROSS_METHOD,
    PARALLEL_METHOD,
    PERIODS_RULE,
    cap_cross_alternatives,
    one_per_parallel,
    same_measure_two_periods,
    unknown_level,
)
from ._common import (
    GROUP_KINDS,
    LARGE_ALPHA,
    LARGE_RULE,
    LARGE_V,
    TREATMENT_NOTE,
    _group_columns,
    _LevelScan,
    _strongest_first,
    event_flags,
    focus_tests,
    gate,
    interest_columns,
    interest_pair,
    lift_driver,
    nested_cell,
    strongest_driver_pairs,
)

#: an association with a class outcome is medium from this corrected V: the strength of
#: the measures' epsilon^2 0.04 (its square root), a risk of 28% against 9% on 2,400 loans
INTEREST_MEDIUM_V = 0.2
INTEREST_RULE = (
    "one column is a target (declared in the dataset spec, or a category named like an "
    "outcome when the spec declares none: deny, death, vote, lfp...): medium from "
    f"corrected V >= {INTEREST_MEDIUM_V} (the strength of a target's epsilon^2 0.04), not "
    "0.5: an outcome's moderate associations are what its table is read for"
)


def _pairs_of(columns: list[str], flags: set[str]) -> list[tuple[str, str]]:
    """Every pair in column order except two 0/1 numbers (correlation pairs those)."""
    return [(a, b) for a, b in combinations(columns, 2) if not (a in flags and b in flags)]


class CramersV(Analysis):
    id = "cramers_v"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "level counts and contingency tables per pair, up to max_groups levels"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "chi2": STATISTIC_DIGITS,
        "cramers_v": STATISTIC_DIGITS,
        "cramers_v_corrected": STATISTIC_DIGITS,
    }
    family = "relationships"
    title = "Cramér's V between categorical columns"
    requires = GROUP_KINDS
    exact = True
    passes = 2
    method = (
        "For each pair of categorical/boolean columns (0/1 numeric columns too, paired with "
        "the categorical ones: two 0/1 numbers are correlation's), on rows where both are "
        "non-null: exact "
        "contingency table (per column the max_groups-1 most frequent levels and an 'other' "
        "level when it has more than max_groups levels; columns with more than 4*max_groups "
        "distinct values, or more than 50 distinct values with fewer than 20 rows per value "
        "on average, are skipped as keys, and annotations named note, remark, comment or memo), chi-square test of independence without continuity "
        "correction (scipy.stats.chi2_contingency, empty rows/columns dropped), Cramér's V = "
        "sqrt(chi2 / (n * (min(r, c) - 1))) and its bias-corrected form (Bergsma 2013). "
        "Pairs: the first max_pairs in column order. Severity: medium when the corrected V "
        ">= 0.5, low when >= 0.3, both only when p times the number of pairs (Bonferroni) "
        f"< 0.001 (< {LARGE_ALPHA:g} for a large effect, corrected V >= 0.5: "
        + LARGE_RULE
        + "); else info; a pair with a target or a trial's arm (a category named treat, "
        "trt, rx, dose, arm...; see declared_interest) is medium from "
        "corrected V >= 0.2 (a trial's arm against its outcome, its primary comparison: "
        "significant at p < 0.01 alone, not Bonferroni over the pairs; with no outcome "
        "named, any pair with a trial's arm: p < 0.01 after Bonferroni over that arm's "
        "pairs). A one-to-one pair (every level of each column meets exactly one "
        "level of the other, no 'other' bucket: a name and its code) is two labels of one key: "
        "titled so, at most low; a pair where one column determines the other (each level meets "
        "one level of the other: a model and its maker; with at least twice the other's "
        "levels, up to 10% of its rows off their level's usual partner) is a hierarchy: "
        "titled so, at most low; a category associated with a panel's units (states observed over time) is an "
        "attribute of the units: at most low; a table with fewer than 5 rows per cell on "
        "average (Roscoe & Byars 1971) is too sparse for the test: at most low; two columns "
        "named as one attribute in two periods (team86, team87) agree by persistence: at "
        "most low; a column recoding an earlier one level for level (one to one) repeats its "
        "associations: at most low, same_fact_as the original's pair; two two-level columns "
        "with one empty cell that >= 5 rows would fill under independence, its row and "
        "column holding >= 30 rows each, are nested or exclusive codes (young kids only where "
        "there are kids): titled so, at most low, the cell in empty_cell. A medium pair "
        "where a column has a level saying the value is not known ('Unknown', 'Not "
        "recorded', 'NA_NA', '*') is recomputed without those levels' rows; when V falls "
        "under the medium bar the unknowns go together, not the categories (MplsStops' "
        "race and gender): at most low, unknown_levels and the V without them cited. Order: V "
        "descending, then column names. A contingency table in long form (a column named "
        "Freq beside only categories: roles.settle_frequency_weight) counts each row as its "
        "Freq observations: the tables are the sums of Freq per cell. "
        + PARALLEL_METHOD
        + ". "
        + CROSS_METHOD
    )
    reference = (
        "Roscoe & Byars (1971), An investigation of the restraints with respect to sample "
        "size commonly imposed on the use of the chi-square statistic, JASA 66; Cramér (1946), Mathematical Methods of Statistics, §21.9; Pearson "
        "(1900), On the "
        "criterion that a given system of deviations..., Phil. Mag. 50; Bergsma (2013), A "
        "bias-correction for Cramér's V and Tschuprow's T, J. Korean Stat. Soc. 42"
    )
    access = "streamed; pass 1 exact level counts, pass 2 exact contingency tables per pair"

    def plan(self, dataset, budget):
        eligible, skipped = _group_columns(dataset, budget)
        # 0/1 numbers (dem, female) are two-level categories too; with each other they are
        # correlation's (phi = Pearson r), with a category (a vote's three levels) ours
        flags = [
            c
            for c in dataset.columns_of(ColumnKind.NUMERIC, roles=(ColumnRole.BOOLEAN,))
            if c not in eligible
        ]
        kept = [*eligible[: budget.max_columns], *flags][: budget.max_columns]
        if not any(c in eligible for c in kept):
            return None
        pairs = _pairs_of(kept, set(flags))
        if not pairs:
            return None
        left_out: dict = {}
        dropped = [c for c in [*eligible, *flags] if c not in kept]
        if dropped:
            left_out.update({"columns": dropped, "cap": "max_columns"})
        if skipped:
            left_out["skipped_columns"] = skipped
        if len(pairs) > budget.max_pairs:
            left_out["pairs"] = len(pairs) - budget.max_pairs
            left_out["pairs_cap"] = "max_pairs"
            left_out["pairs_rule"] = "kept the first max_pairs pairs in column order"
        used = {c for p in pairs[: budget.max_pairs] for c in p}
        columns = tuple(c for c in kept if c in used)
        params = {"alpha": ALPHA, "pairs_total": len(pairs)}
        weight = getattr(dataset, "frequency_weight", None)
        if weight is not None:
            # a contingency table in long form: each row stands for its Freq observations
            columns = (*columns, weight)
            params["frequency_weight"] = weight
        flags_used = [c for c in flags if c in used]
        if flags_used:
            params["numeric_flags"] = flags_used
        return Plan(columns, params, left_out)

    @staticmethod
    def _classifying(ctx) -> list[str]:
        """The plan's columns without the frequency weight (which is no category)."""
        weight = ctx.params.get("frequency_weight")
        return [c for c in ctx.columns if c != weight]

    def _pairs(self, ctx):
        order = {c: k for k, c in enumerate(ctx.columns)}
        flags = set(ctx.params.get("numeric_flags", ()))
        pairs = _pairs_of(self._classifying(ctx), flags)[: ctx.budget.max_pairs]
        return sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))

    def init(self, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.init(self._classifying(ctx))
        return {}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.update(state, chunk, self._classifying(ctx))
        levels = ctx.previous[0]
        columns = self._classifying(ctx)
        codes = {c: level_codes(chunk.column(c), levels[c]["levels"]) for c in columns}
        weight = ctx.params.get("frequency_weight")
        counts = None
        if weight is not None:
            # whole numbers (checked by the role): exact as int64; a missing count is 0
            counts = np.asarray(
                pc.fill_null(chunk.column(weight), 0).cast("int64").to_numpy(), dtype=np.int64
            )
        for a, b in self._pairs(ctx):
            ka, kb = len(levels[a]["levels"]) + 1, len(levels[b]["levels"]) + 1
            ca, cb = codes[a], codes[b]
            m = (ca >= 0) & (cb >= 0)
            cells = ca[m] * kb + cb[m]
            if counts is None:
                table = np.bincount(cells, minlength=ka * kb).reshape(ka, kb)
            else:
                table = np.zeros(ka * kb, dtype=np.int64)
                np.add.at(table, cells, counts[m])
                table = table.reshape(ka, kb)
            old = state.get((a, b))
            state[(a, b)] = table if old is None else old + table
        return state

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.merge(a, b, self._classifying(ctx))
        out = dict(a)
        for key, table in b.items():
            out[key] = table.copy() if key not in out else out[key] + table
        return out

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.end(state, self._classifying(ctx), ctx.budget.max_groups)
        return state

    def needs_another_pass(self, ctx):
        return len(ctx.previous) < 2

    def findings(self, ctx):
        levels = ctx.previous[0]
        tables = ctx.previous[1] if len(ctx.previous) > 1 else {}
        pairs = self._pairs(ctx)
        tested = len(pairs)
        focus = focus_tests(ctx.dataset, pairs)
        out = []
        interesting = interest_columns(ctx.dataset)
        events = event_flags(ctx.dataset)
        # one-to-one pairs (no 'other' bucket): two labels of one key; the later column of
        # each recodes the earlier one level for level
        one_to_one = {
            (a, b)
            for a, b in pairs
            if not (levels[a]["other_levels"] or levels[b]["other_levels"])
            and _one_to_one(tables.get((a, b)))
        }
        copy_of: dict[str, str] = {}
        for a, b in pairs:
            if (a, b) in one_to_one and b not in copy_of:
                copy_of[b] = copy_of.get(a, a)
        results = {(a, b): _cramers(tables.get((a, b))) for a, b in pairs}
        drivers = strongest_driver_pairs(
            ctx.dataset,
            "association",
            [
                (a, b, results[(a, b)]["cramers_v_corrected"], results[(a, b)]["p_value"], tested)
                for a, b in pairs
            ],
        )
        for a, b in pairs:
            table = tables.get((a, b))
            res = results[(a, b)]
            other = {
                c: {"levels": levels[c]["other_levels"], "rows": levels[c]["other_rows"]}
                for c in (a, b)
                if levels[c]["other_levels"]
            }
            params: dict = {"pairs_tested": tested}
            if other:
                params["other_bucket"] = other
            interest = interest_pair(a, b, interesting, events)
            large = (res["cramers_v_corrected"] or 0.0) >= LARGE_V
            tests, alpha, primary = gate(ctx.dataset, a, b, tested, focus, large)
            severity = significant_severity(
                res["p_value"],
                tests,
                res["cramers_v_corrected"] or 0.0,
                ((INTEREST_MEDIUM_V, "medium"),) if interest else ((0.5, "medium"), (0.3, "low")),
                alpha,
            )
            # prostateSurvival: status by grade, V 0.19, under the outcome bar of 0.2
            severity = lift_driver(drivers, (a, b), severity, params)
            if interest:
                params["declared_interest"] = (
                    INTEREST_RULE
                    + (TREATMENT_NOTE if {a, b} & set(ctx.dataset.treatments) else "")
                    + primary
                )
            title = f"Association of {a!r} and {b!r}" + (
                f" (V = {res['cramers_v']:.2f})" if res["cramers_v"] is not None else ""
            )
            if (a, b) in one_to_one and severity in ("medium", "high"):
                # 'Country Name' and 'Country Code': one key spelled twice, not an association
                severity = "low"
                params["severity_capped"] = ONE_TO_ONE_RULE
                title = f"{a!r} and {b!r} label the same key (one to one)"
            elif not other and severity in ("medium", "high"):
                finer, exceptions = _determines(table, a, b)
                units_of = [c for c in (a, b) if ctx.dataset.column(c).role_detail == ENTITY_DETAIL]
                if finer is not None and exceptions and len(units_of) == 1:
                    finer = None  # a panel unit's attribute, said as such below
                if finer is not None:
                    # each car model has one maker: a hierarchy, not an association
                    coarser = b if finer == a else a
                    severity = "low"
                    params["severity_capped"] = DETERMINES_RULE
                    params["determines"] = [finer, coarser]
                    title = f"{finer!r} determines {coarser!r} (each {finer} has one {coarser}"
                    if exceptions:
                        params["rows_off_hierarchy"] = exceptions
                        title += f" but for {exceptions} rows"
                    title += ")"
                elif len(units_of) == 1:
                    # a state's laws, a firm's sector: attributes of the units, mostly
                    # constant within each over the years
                    severity = "low"
                    params["severity_capped"] = UNIT_ATTRIBUTE_RULE.format(unit=units_of[0])
            nested = _empty_cell(table, levels[a]["levels"], levels[b]["levels"])
            if nested is not None and severity in ("medium", "high"):
                # young kids only where there are kids: a rule of the data, not an effect
                severity = "low"
                params["severity_capped"] = NESTED_RULE
                params["empty_cell"] = {a: nested[0], b: nested[1]}
                title = (
                    f"{a!r} = {nested[0]} never occurs with {b!r} = {nested[1]}: "
                    "nested or exclusive codes"
                )
            periods = same_measure_two_periods(a, b)
            if periods is not None and severity in ("medium", "high"):
                # a player's team in 1986 and in 1987: most stayed
                severity = "low"
                params["severity_capped"] = PERIODS_RULE.format(
                    stem=periods[0] or "one attribute", a=periods[1], b=periods[2]
                )
            copied = [c for c in (a, b) if c in copy_of and copy_of[c] not in (a, b)]
            if copied and severity in ("medium", "high"):
                # Schooling's nomomed repeats nodaded row for row: its associations are
                # nodaded's, said once
                original = copy_of[copied[0]]
                other_column = b if copied[0] == a else a
                severity = "low"
                params["same_fact_as"] = sorted([original, other_column])
                params["severity_capped"] = COPY_RULE.format(copy=copied[0], original=original)
            known = (
                _known_levels(table, {a: levels[a]["levels"], b: levels[b]["levels"]})
                if severity in ("medium", "high")
                else None
            )
            if known is not None:
                unknown, known_v = known
                bar = INTEREST_MEDIUM_V if interest else LARGE_V
                if known_v is None or known_v < bar:
                    # MplsStops' race and gender: 'Unknown' in both on the same 6,235 stops
                    severity = "low"
                    params["unknown_levels"] = unknown
                    params["cramers_v_corrected_without_unknown"] = known_v
                    params["severity_capped"] = UNKNOWN_RULE.format(
                        levels=", ".join(f"{c}={v!r}" for c in unknown for v in unknown[c]),
                        v=known_v if known_v is not None else 0.0,
                    )
            sparse = _mean_expected(table) if severity in ("medium", "high") else None
            if sparse is not None and sparse[0] < SPARSE_MIN_MEAN_EXPECTED:
                # msleep's diet by taxonomic order: 76 animals in a 4 x 19 table
                severity = "low"
                params["severity_capped"] = SPARSE_RULE.format(mean=sparse[0], cells=sparse[1])
            units = {
                "cramers_v": "coefficient",
                "cramers_v_corrected": "coefficient",
                "chi2": "statistic",
                "p_value": "probability",
                "dof": "count",
                "n": "count",
                "levels_a": "count",
                "levels_b": "count",
            }
            out.append(
                ctx.finding(
                    kind="cramers_v",
                    title=title,
                    subject={"columns": [a, b]},
                    values=res,
                    units=units,
                    severity=severity,
                    columns=[a, b],
                    parameters=params,
                )
            )
        ordered = cap_cross_alternatives(
            _strongest_first(ctx, out, lambda v: v["cramers_v"]),
            lambda f: f["subject"]["columns"],
            [c.name for c in ctx.dataset.columns],
        )
        return one_per_parallel(ordered, lambda f: f["subject"]["columns"])


UNKNOWN_RULE = (
    "the association rests on levels that say the value is not known ({levels}): without "
    "their rows corrected V is {v:.2f}, under the medium bar; the unknowns go together "
    "(one record left blank), not the categories; severity at most low"
)


def _known_levels(table, levels: dict[str, list]) -> tuple[dict, float | None] | None:
    """({column: its levels that say the value is not known}, corrected V of the table
    without their rows) when a level of either column is one ('Unknown', 'NA_NA'), else
    None. ``levels`` holds the table's row column first, then its column column."""
    if table is None:
        return None
    unknown: dict[str, list[str]] = {}
    keep = []
    for (name, values), size in zip(levels.items(), table.shape, strict=True):
        mask = np.ones(size, dtype=bool)  # the 'other' bucket (last) is kept
        drop = [k for k, v in enumerate(values) if unknown_level(v)]
        mask[drop] = False
        keep.append(mask)
        if drop:
            unknown[name] = [str(values[k]) for k in drop]
    if not unknown:
        return None
    return unknown, _cramers(table[keep[0]][:, keep[1]])["cramers_v_corrected"]


NESTED_RULE = (
    "two yes/no columns with one empty cell that >= 5 rows would fill under independence, "
    "its row and column holding >= 30 rows each "
    "(young kids only where there are kids; two dummies of one code never set together): "
    "nested or exclusive by construction, a rule of the data rather than an association; "
    "severity at most low"
)


def _empty_cell(table, levels_a: list, levels_b: list) -> tuple | None:
    """(level of a, level of b) of the one empty cell of a 2 x 2 table (no 'other' bucket)
    that marks nested or exclusive codes (``_common.nested_cell``); else None."""
    if table is None or len(levels_a) != 2 or len(levels_b) != 2:
        return None
    if table[-1].any() or table[:, -1].any():
        return None  # rows in the 'other' bucket: more than two levels seen
    cell = nested_cell(table[:2, :2])
    return None if cell is None else (levels_a[cell[0]], levels_b[cell[1]])


ONE_TO_ONE_RULE = (
    "every level of one column occurs with exactly one level of the other and back (a name "
    "and its code): two labels of one key, worth knowing (drop one) but no association; "
    "severity at most low"
)


COPY_RULE = (
    "{copy!r} recodes {original!r} level for level (one to one): its associations are "
    "{original!r}'s, said with it; severity at most low"
)


UNIT_ATTRIBUTE_RULE = (
    "{unit!r} holds the units of a panel (observed over time): a category associated with it "
    "is an attribute of the units (a state's laws), mostly constant within each; severity "
    "at most low"
)


DETERMINES_RULE = (
    "every level of one column occurs with one level of the other (a car model and its "
    "maker, a city and its state; with at least twice the other's levels, the finer column's "
    "rows off their level's usual partner at most 10%: 24 team codes in 2 leagues, a code "
    "shared by two clubs): a hierarchy of the data, "
    "worth knowing once but no association to act on; severity at most low"
)


#: a column determines another when its levels' rows meet their one usual partner level
#: on all but this share of the rows (a few players traded between a team and a league)
HIERARCHY_EXCEPTIONS = 0.1


def _determines(table, a: str, b: str) -> tuple[str | None, int]:
    """(the column whose every level meets one level of the other, the rows that do not),
    allowing HIERARCHY_EXCEPTIONS of the rows off their level's usual partner; the finer
    column (more levels) first when both qualify; (None, 0) when neither does."""
    if table is None:
        return None, 0
    table = _trimmed(table)
    if min(table.shape) < 2:
        return None, 0
    n = int(table.sum())

    def nests(off: int, levels: int, other: int) -> bool:
        # exactly; or, with exceptions, only a column of at least twice the other's levels
        # (24 teams in 2 leagues): a 3-level factor nearly fixing a yes/no is an association
        return off == 0 or (off <= HIERARCHY_EXCEPTIONS * n and levels >= 2 * other)

    r, c = table.shape
    candidates = [  # a's levels are the rows: rows off their modal partner, per side
        (name, off)
        for name, off, levels, other in (
            (a, int(n - table.max(axis=1).sum()), r, c),
            (b, int(n - table.max(axis=0).sum()), c, r),
        )
        if nests(off, levels, other)
    ]
    return min(candidates, key=lambda x: x[1]) if candidates else (None, 0)


def _one_to_one(table) -> bool:
    """Each level of either column meets exactly one level of the other."""
    if table is None:
        return False
    nonzero = _trimmed(table) > 0
    if nonzero.shape[0] < 2:
        return False
    return bool((nonzero.sum(axis=1) == 1).all() and (nonzero.sum(axis=0) == 1).all())


def _trimmed(table):
    """The contingency table without its empty rows and columns (levels never seen)."""
    return table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]


#: a chi-square test is trusted when the table expects at least this many rows per cell on
#: average (Roscoe & Byars 1971)
SPARSE_MIN_MEAN_EXPECTED = 5.0
SPARSE_RULE = (
    "{mean:.2g} rows per cell of the {cells}-cell table on average (under 5: Roscoe & Byars "
    "1971): too few rows per level pair for the chi-square test or V to be trusted, "
    "sparse levels decide it; severity at most low"
)


def _mean_expected(table) -> tuple[float, int] | None:
    """(rows per cell on average, cells) of the trimmed table: every cell's expected count
    under independence averages n / cells."""
    if table is None:
        return None
    table = _trimmed(table)
    if min(table.shape) < 2:
        return None
    cells = int(table.size)
    return float(table.sum()) / cells, cells


def _cramers(table) -> dict:
    empty = {
        "cramers_v": None,
        "cramers_v_corrected": None,
        "chi2": None,
        "p_value": None,
        "dof": None,
        "n": 0,
        "levels_a": 0,
        "levels_b": 0,
    }
    if table is None:
        return empty
    table = _trimmed(table)
    n = int(table.sum())
    r, c = table.shape
    out = {**empty, "n": n, "levels_a": int(r), "levels_b": int(c)}
    if n == 0 or r < 2 or c < 2:
        return out
    res = stats.chi2_contingency(table, correction=False)
    chi2 = float(res.statistic)
    phi2 = chi2 / n
    # Bergsma (2013) bias correction: phi^2, r and c shrunk by their expectation under independence
    phi2c = max(0.0, phi2 - (r - 1) * (c - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    cc = c - (c - 1) ** 2 / (n - 1)
    denom = min(rc - 1, cc - 1)
    out.update(
        {
            "chi2": chi2,
            "p_value": float(res.pvalue),
            "dof": int(res.dof),
            "cramers_v": math.sqrt(phi2 / (min(r, c) - 1)),
            "cramers_v_corrected": math.sqrt(phi2c / denom) if denom > 0 else None,
        }
    )
    return out
