"""What more than one relationships analysis uses: the column kinds a pair may have,
the rank-map memory budget (``MAP_BUDGET_FACTOR``), which categorical columns may group
(``_group_columns``: not key-like), per-chunk rank and level scans, the
strongest-first finding cap, the columns whose pairs get an outcome's bar
(``interest_columns``) and the one empty cell of two yes/no columns (``nested_cell``).

Kept apart so each analysis module holds only its own code. Nothing here is registered.
A test that patches a constant patches it in the module that reads it.
"""

from __future__ import annotations

import numpy as np

from pytest_statharness import ColumnKind, ColumnRole
from pytest_statharness.column_roles import ENTITY_DETAIL

from .._shared.counts import add_counts, valid_values, value_counts
from .._shared.report import cap_each
from .._shared.series import (
    ALPHA,
    choose_levels,
)
from .._shared.summaries import is_annotation

NUMERIC_KINDS = (ColumnKind.NUMERIC, ColumnKind.DURATION)
GROUP_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
# Pairwise rank maps built in one pass hold at most MAP_BUDGET_FACTOR * distinct_cap values.
MAP_BUDGET_FACTOR = 20
# A categorical column with more than HIGH_CARDINALITY * max_groups distinct values is a key.
HIGH_CARDINALITY = 4


TREATMENT_NOTE = (
    "; a trial's arms (a category or flag named treat, trt, rx, dose, arm...: "
    "roles.treatments_by_name) get the same bar: what differs between them is the "
    "trial's result, or an imbalance of its randomisation"
)


def interest_columns(dataset) -> set[str]:
    """KPIs, targets and a trial's arms: the columns whose pairs get an outcome's bar."""
    return set(dataset.kpis) | set(dataset.targets) | set(dataset.treatments)


def event_flags(dataset) -> frozenset[str]:
    """The event flags of a survival table (the first of its roles.survival_pairs)."""
    return frozenset(e for e, _ in getattr(dataset, "survival_pairs", ()))


def interest_pair(a: str, b: str, interesting: set[str], events: frozenset[str]) -> bool:
    """Whether the pair of ``a`` and ``b`` gets an outcome's bar: one of them is of
    interest (``interesting``: :func:`interest_columns`), and they are not two event flags
    (``events``: :func:`event_flags`) of one survival table (bmt's death and relapse:
    endpoints of one follow-up, related by the course of the disease, not one driving
    the other)."""
    if a not in interesting and b not in interesting:
        return False
    return not (a in events and b in events)


#: the level of a trial's primary comparison (its arm against its outcome): one
#: hypothesis stated by the design, tested alone at the level trials report (1%, stricter
#: than their usual 5%), not corrected for every other pair of the table
PRIMARY_ALPHA = 0.01
PRIMARY_NOTE = (
    "; the pair of a trial's arm and its outcome is the trial's primary comparison, one "
    f"hypothesis of the design: significant at p < {PRIMARY_ALPHA} alone, not Bonferroni "
    "over the table's pairs"
)


def primary_comparison(dataset, a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` are a trial's arm and its outcome (``dataset.treatments``
    and ``dataset.targets``, inferred from the names or declared)."""
    arms, outcomes = set(dataset.treatments), set(dataset.targets)
    return (a in arms and b in outcomes) or (b in arms and a in outcomes)


ARMS_NOTE = (
    "; with no outcome named, what the table measures across a trial's arms is the trial's "
    "comparisons (its result, or its randomisation's balance): significant at p < "
    f"{PRIMARY_ALPHA} after Bonferroni over the {{k}} pair(s) of that arm this analysis "
    "tests, not over every pair of the table"
)


TARGET_NOTE = (
    "; a pair with a declared target or KPI is one of the hypotheses its declaration "
    f"states (what drives the outcome): significant at p < {PRIMARY_ALPHA} after Bonferroni "
    "over the {k} pair(s) of that column this analysis tests, not over every pair of the "
    "table"
)


INFERRED_TARGET_NOTE = (
    "; a pair with a target inferred from its name (no spec declares one) is what the table "
    f"was collected to explain: significant at p < {PRIMARY_ALPHA} after Bonferroni over the "
    "table's pairs (a name is a guess: not over that column's pairs alone)"
)


def _declared_outcomes(dataset) -> set[str]:
    """The KPIs and the targets a dataset spec declares (targets inferred from the names
    keep the table-wide correction: a name is a guess, a declaration a stated hypothesis)."""
    declared = set(getattr(dataset, "kpis", ()))
    if getattr(dataset, "targets_declared", False):
        declared |= set(dataset.targets)
    return declared


def focus_tests(dataset, pairs) -> dict[str, int]:
    """How many of ``pairs`` (column names) each focus column is in: the family its
    comparisons are corrected over. Focus columns are the declared targets and KPIs (their
    pairs are the drivers a user asks for: nuclear's cost by date, 32 plants, r 0.61, was
    info under Bonferroni over every pair), and a trial's arms when the table names no
    outcome (with one named, an arm's pair with it is the primary comparison)."""
    columns = _declared_outcomes(dataset)
    if not dataset.targets:
        columns |= set(dataset.treatments)
    counts: dict[str, int] = {}
    for pair in pairs:
        for c in set(pair) & columns:
            counts[c] = counts.get(c, 0) + 1
    return counts


#: the family-wise level of a pair whose effect is large (Cohen's large: |r| >= 0.5,
#: epsilon^2 >= 0.14, Cramer's V >= 0.5): Bonferroni over the table's pairs at 5% (the
#: conventional family-wise level; 1% kept Airq's coastal air quality, epsilon^2 0.24, p
#: 0.008 over 5 pairs, and 5 more effects their raters listed at info), where
#: smaller effects need 0.1%. A small table cannot reach 0.1%: 34 dieters' weight loss
#: across three diets (epsilon^2 0.45, p 0.0006 over 6 pairs) and a rating that rises with
#: learning opportunities in 30 departments (r 0.62 over 21 pairs) were info
LARGE_ALPHA = 0.05
LARGE_R = 0.5
LARGE_EPSILON = 0.14
LARGE_V = 0.5
LARGE_RULE = (
    f"a large effect (|r| or |rho| >= {LARGE_R}, epsilon^2 >= {LARGE_EPSILON}, Cramer's V >= "
    f"{LARGE_V}: Cohen's large) is significant at p < {LARGE_ALPHA} after Bonferroni over "
    f"the table's pairs, a smaller one at p < {ALPHA}"
)


def gate(
    dataset,
    a: str,
    b: str,
    tested: int,
    focus: dict[str, int] | None = None,
    large: bool = False,
) -> tuple[int, float, str]:
    """(tests, alpha, note) of a pair's significance: (1, PRIMARY_ALPHA, PRIMARY_NOTE) for
    a trial's primary comparison; (pairs of the column, PRIMARY_ALPHA, note) for a pair
    with one focus column (``focus``: :func:`focus_tests`; a target's driver, nuclear's cost
    by date in 32 plants; an arm of a trial whose outcome is not named, anorexia's weight
    after treatment); else Bonferroni over the pairs: (tested, LARGE_ALPHA, "") for a
    ``large`` effect (see LARGE_RULE), (tested, ALPHA, "") otherwise."""
    if primary_comparison(dataset, a, b):
        return 1, PRIMARY_ALPHA, PRIMARY_NOTE
    named = [c for c in (a, b) if focus and c in focus]
    if len(named) == 1:
        k = focus[named[0]]
        outcome = named[0] in _declared_outcomes(dataset)
        return k, PRIMARY_ALPHA, (TARGET_NOTE if outcome else ARMS_NOTE).format(k=k)
    if {a, b} & set(dataset.targets) and not large:
        # a target guessed from its name: still Bonferroni over the table's pairs (a name
        # is a guess), but the guess is what the table was collected to explain
        return tested, PRIMARY_ALPHA, INFERRED_TARGET_NOTE
    return tested, LARGE_ALPHA if large else ALPHA, ""


CENSORING_RULE = (
    "a survival table's event flag and its follow-up time (roles.survival_pairs): an event "
    "ends the follow-up, so time is shorter where the event happened, by construction (the "
    "censoring of the table, not a driver of the event); so are two follow-up times of "
    "one table's endpoints (the time to recurrence is the time to death for those who did "
    "not recur); severity at most low, and the pair links no correlated group"
)


def censoring_pairs(dataset) -> set[frozenset]:
    """The (event flag, follow-up time) pairs of a survival table (roles.survival_pairs),
    each as a set: what CENSORING_RULE caps."""
    pairs = list(getattr(dataset, "survival_pairs", ()))
    times = sorted({t for _, t in pairs})
    return {frozenset(p) for p in pairs} | {
        frozenset((a, b)) for i, a in enumerate(times) for b in times[i + 1 :]
    }


#: a 2x2 cell this many rows would fill under independence, found empty, is a rule of the
#: data (a one-hot code's dummies are never 1 together), not chance
NESTED_MIN_EXPECTED = 5.0
#: ... and whose row and column hold at least this many rows each: 12 crisis years of one
#: country all among another's is a strong association of rare events; 300 young-kid
#: households all among the households with kids is how the columns were made
NESTED_MIN_ROWS = 30


def nested_cell(table) -> tuple[int, int] | None:
    """(row, column) of the one empty cell of a 2 x 2 count table that would expect >=
    NESTED_MIN_EXPECTED rows under independence, its row and column holding >=
    NESTED_MIN_ROWS each: two yes/no columns nested or exclusive by construction; else
    None (no such cell, or two)."""
    t = np.asarray(table, dtype=np.int64)
    n = int(t.sum())
    rows, cols = t.sum(axis=1), t.sum(axis=0)
    empty = [
        (i, j)
        for i in range(2)
        for j in range(2)
        if t[i, j] == 0
        and int(rows[i]) * int(cols[j]) >= NESTED_MIN_EXPECTED * n
        and min(int(rows[i]), int(cols[j])) >= NESTED_MIN_ROWS
    ]
    return empty[0] if len(empty) == 1 else None


def _finite(chunk, column: str) -> tuple[np.ndarray, np.ndarray]:
    data = chunk.floats(column)
    return data, np.isfinite(data)


def _strongest_first(ctx, findings: list[dict], strength) -> list[dict]:
    """``findings`` by ``strength(values)`` descending (None last), then by their columns;
    at most ``max_findings`` (each kept one counts the rest, ``_shared.report.cap_each``)."""

    def key(f):
        value = strength(f["measurement"]["values"])
        return (value is None, -(value or 0.0), *f["evidence"]["columns"])

    return cap_each(ctx, sorted(findings, key=key))


KEY_MIN_LEVELS = 50
KEY_ROWS_PER_LEVEL = 20
#: a second, tighter band: over NEAR_KEY_LEVELS levels of under NEAR_KEY_ROWS rows each
#: (mpg's 38 car models, about 6 rows each) is a near key: each level is a handful of rows
NEAR_KEY_LEVELS = 20
NEAR_KEY_ROWS = 10


def _group_columns(dataset, budget) -> tuple[list[str], dict[str, str]]:
    """Categorical/boolean columns usable as groups, and the skipped ones with the reason."""
    kept: list[str] = []
    skipped: dict[str, str] = {}
    limit = HIGH_CARDINALITY * budget.max_groups
    for name in dataset.columns_of(*GROUP_KINDS):
        info = dataset.column(name)
        if info.role == ColumnRole.IDENTIFIER:
            skipped[name] = f"identifier ({info.role_reason})"
            continue
        if is_annotation(name) and info.kind != ColumnKind.BOOLEAN:
            # a poll's remark ('face-to-face', 'Face to Face', ...) is written as someone
            # saw fit: grouping by it restates who wrote it
            skipped[name] = "an annotation (named note, remark, comment or memo), not a grouping"
            continue
        if info.kind == ColumnKind.BOOLEAN:
            kept.append(name)
            continue
        distinct = info.distinct_at_least
        non_null = dataset.row_count - info.null_count
        if not info.distinct_exact or distinct > limit:
            skipped[name] = (
                f"high-cardinality key: >= {distinct} distinct values "
                f"(more than {HIGH_CARDINALITY} x max_groups = {limit})"
            )
        elif info.role_detail == ENTITY_DETAIL:
            kept.append(name)  # a panel's units: a few periods each, compared all the same
        elif distinct > KEY_MIN_LEVELS and distinct * KEY_ROWS_PER_LEVEL > non_null:
            # an identifier (case id, order number): associations with it restate that
            # attributes are constant within a case, which is true and unhelpful
            skipped[name] = (
                f"key-like: {distinct} distinct values (> {KEY_MIN_LEVELS}), fewer than "
                f"{KEY_ROWS_PER_LEVEL} of its {non_null} non-null rows per value on average"
            )
        elif distinct > NEAR_KEY_LEVELS and distinct * NEAR_KEY_ROWS > non_null:
            skipped[name] = (
                f"near key: {distinct} distinct values (> {NEAR_KEY_LEVELS}), fewer than "
                f"{NEAR_KEY_ROWS} of its {non_null} non-null rows per value on average"
            )
        else:
            kept.append(name)
    return kept, skipped


class _ChunkRanks:
    """Twice the average ranks of one chunk's values under a rank table ``tables[key]``,
    ``key = (column, partner)``: every finite value's position in the column's own table
    (``partner == own``) is looked up once per chunk and serves the own table and the
    pairwise ones (through ``RankTable.of_parent``) alike."""

    def __init__(self, tables: dict, column, own) -> None:
        self.tables, self.column, self.own = tables, column, own
        self.positions: dict = {}

    def __call__(self, col, key, mask: np.ndarray) -> np.ndarray:
        if col not in self.positions:
            data, ok = self.column(col)
            at = np.zeros(ok.size, dtype=np.int64)
            at[ok] = self.tables[(col, self.own)].positions(data[ok])
            self.positions[col] = at
        at = self.positions[col][mask]
        table = self.tables[key]
        return table.twice[at] if key[1] == self.own else table.of_parent[at]


# -- Cramér's V ----------------------------------------------------------------------------


class _LevelScan:
    """Pass 1 of the categorical analyses: exact level counts and nulls per column."""

    @staticmethod
    def init(columns):
        return {c: {"counts": {}, "bad": 0} for c in columns}

    @staticmethod
    def update(state, chunk, columns):
        for c in columns:
            state[c]["bad"] += chunk.column(c).null_count
            add_counts(state[c]["counts"], value_counts(valid_values(chunk, c)))
        return state

    @staticmethod
    def merge(a, b, columns):
        return {
            c: {
                "counts": add_counts(dict(a[c]["counts"]), b[c]["counts"]),
                "bad": a[c]["bad"] + b[c]["bad"],
            }
            for c in columns
        }

    @staticmethod
    def end(state, columns, max_groups):
        out = {}
        for c in columns:
            levels, other_levels, other_rows = choose_levels(state[c]["counts"], max_groups)
            out[c] = {
                "levels": levels,
                "other_levels": other_levels,
                "other_rows": other_rows,
                "bad": state[c]["bad"],
                "distinct": len(state[c]["counts"]),
            }
        return out


#: the strongest significant pair of an outcome is medium from these effects (about
#: Cohen's small-to-medium: r 0.2, epsilon² 0.02, V 0.15)
DRIVER_FLOOR = {"correlation": 0.2, "group_difference": 0.02, "association": 0.15}
DRIVER_RULE = (
    "{target!r} is the table's outcome (dataset.targets: declared, or named like one): its "
    "strongest pair in this analysis, significant at p < "
    f"{ALPHA} after Bonferroni over the table's pairs and at least a small-to-medium effect "
    "(|r| >= 0.2, epsilon² >= 0.02, corrected V >= 0.15), is the relation the table was "
    "collected to show (Wages1's wage against schooling, r 0.28; its gap by sex, epsilon² "
    "0.03); at least medium"
)
PRESUMED_DRIVER_RULE = (
    "{target!r} is the table's first column, presumed its outcome: no column is named or "
    "declared one, and modelling tables put the response first (AER's BankWages: job, "
    "education, gender; DoctorVisits: visits, ...). Its strongest pair in this analysis, "
    f"significant at p < {ALPHA} after Bonferroni over the table's pairs and at least a "
    "small-to-medium effect (|r| >= 0.2, epsilon² >= 0.02, corrected V >= 0.15), is at least "
    "medium; declare targets in the dataset spec (targets = [] for none) to say otherwise"
)


def strongest_driver_pairs(
    dataset, kind: str, candidates, *, measures_only: bool = False
) -> dict[tuple[str, str], str]:
    """{pair: the rule naming its outcome} for each outcome's strongest pair (``candidates``:
    (a, b, effect, p, tests) per pair), when it is significant (p x tests < ALPHA) and at
    least DRIVER_FLOOR[kind]: such a pair is at least medium (:func:`lift_driver`), before
    the rules that cap a pair made by construction. The outcomes are ``dataset.targets``
    and, when none is named or declared, the first column presumed one
    (``presumed_outcome``). Why: a first look that leaves the table's main relation at info
    (Wages1's returns to schooling, r 0.28, under the outcome bar of 0.3) misses what the
    table was collected to show. ``measures_only``: not a 0/1 outcome (how Titanic's
    survivors differ in their number of parents aboard is no driver of survival)."""
    floor = DRIVER_FLOOR[kind]
    out: dict[tuple[str, str], str] = {}  # pair -> the rule, naming the outcome it drives
    presumed = getattr(dataset, "presumed_outcome", None)
    for target in (*dataset.targets, *((presumed,) if presumed else ())):
        rule = (PRESUMED_DRIVER_RULE if target == presumed else DRIVER_RULE).format(target=target)
        if measures_only and dataset.column(target).role == ColumnRole.BOOLEAN:
            continue
        best = None
        for a, b, effect, p, tests in candidates:
            if target not in (a, b) or effect is None or p is None:
                continue
            if effect < floor or p * tests >= ALPHA:
                continue
            if best is None or effect > best[2]:
                best = (a, b, effect)
        if best is not None:
            out.setdefault((best[0], best[1]), rule)
    return out


def lift_driver(drivers: dict[tuple[str, str], str], pair, severity: str, params: dict) -> str:
    """The pair's severity, lifted to medium (and the rule cited) when it is an outcome's
    strongest pair (:func:`strongest_driver_pairs`) left under medium by the bars."""
    rule = drivers.get(tuple(pair))
    if rule is None or severity not in ("low", "info"):
        return severity
    params["strongest_driver"] = rule
    return "medium"
