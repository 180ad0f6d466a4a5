"""The ``flag_consistency`` analysis (quality family): 0/1 flags that are a cut of a measure,
and the rows where they contradict it.

colon's ``node4`` is "more than 4 positive lymph nodes": it should be 1 exactly where
``nodes`` > 4, yet 12 of its 1,858 rows say otherwise (node4 = 1 with one node). A flag
derived from a measure that disagrees with it on a few rows is a data error an analyst
must resolve before using either; one that agrees everywhere is the measure again (its
correlation with the measure is true by construction, not a finding).

Pass 1, per (flag, measure) pair, counts the rows of each flag level at each distinct
value of the measure (exact, a map of at most ``distinct_cap`` values; past it the pair
is dropped, said in the evidence). The cut is the threshold and direction that
misclassify fewest rows. Pass 2 reads the rows that contradict the cuts of the reported
pairs, for their positions.
"""

from __future__ import annotations

import numpy as np

from pytest_statharness import (
    MEASURE_ROLES,
    Analysis,
    ColumnKind,
    ColumnRole,
    MemoryModel,
    Plan,
)

from .._shared.hist import MAX_EXAMPLES
from .._shared.moments import level_codes
from .._shared.summaries import FLAG_STEM, named_after

#: a flag's rarer level needs this many rows, and the pair this many rows, to show a cut
MIN_LEVEL_ROWS = 10
MIN_ROWS = 50
#: a cut contradicted on at most this share of the rows, and of the rarer level's rows
#: (else any rare flag is "a cut" with all of its rows wrong), is a flag derived from
#: the measure
MAX_ERROR_SHARE = 0.02
MAX_MINORITY_ERROR_SHARE = 0.1
#: ... and its contradictions are data errors when the flag is named after the measure
#: (``_shared.summaries.named_after``: node4 and nodes, age80 and age)
RULE = (
    "a 0/1 flag equal to (measure > t) or (measure <= t) on every row but a few: at most "
    f"{MAX_ERROR_SHARE:.0%} of the rows with both values and {MAX_MINORITY_ERROR_SHARE:.0%} "
    f"of the rarer level's rows contradict the best cut (the rarer level has at least "
    f"{MIN_LEVEL_ROWS} rows). No contradiction: the flag restates the measure (low). "
    "Contradictions, when the flag is named after the measure (the two names share their "
    f"first {FLAG_STEM} letters, or one holds the other: node4 and nodes): the flag is "
    "derived from the measure and the contradicting rows are data errors (medium, the "
    "rows cited); otherwise a near-cut (low)"
)


def _flags(dataset) -> list[str]:
    out = []
    for c in dataset.columns:
        if c.excluded:
            continue
        if c.kind == ColumnKind.BOOLEAN:
            out.append(c.name)  # two values by type (the scan counts no distinct booleans)
        elif (
            c.distinct_exact
            and c.distinct_at_least == 2
            and (c.role == ColumnRole.BOOLEAN or c.kind == ColumnKind.CATEGORICAL)
        ):
            out.append(c.name)
    return out


class FlagConsistency(Analysis):
    id = "flag_consistency"
    associative_merge = True  # exact counts keyed by value: any merge order, same state
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "two counts per distinct value of the measure per pair, up to distinct_cap"
    family = "quality"
    title = "Flags that are a cut of a measure, and the rows that contradict it"
    requires = (ColumnKind.NUMERIC,)
    exact = True
    passes = 2
    method = (
        "pairs of a two-level column (a 0/1 flag, a boolean, a two-level category) and a "
        "numeric measure with more than 2 and at most distinct_cap distinct values (the "
        "dataset's exact scan; max_pairs, schema order). Pass "
        "1: per pair, over rows where both are present and the measure finite, the rows of "
        "each flag level at each distinct value of the measure (exact; a pair whose "
        "measure passes distinct_cap values is dropped). The cut: the threshold t between "
        "two consecutive distinct values and the direction (level B where measure > t, or "
        "where measure <= t) with the fewest rows on the wrong side (ties: the lower t, "
        f"then level B = the higher level above t). Reported when n >= {MIN_ROWS} and the "
        f"rarer level has >= {MIN_LEVEL_ROWS} rows: " + RULE + ". Pass 2 reads the "
        f"contradicting rows' positions (the first {MAX_EXAMPLES})"
    )
    reference = (
        "Fellegi & Holt (1976), A systematic approach to automatic edit and imputation, "
        "JASA 71 (consistency edits between fields)"
    )
    access = "streamed; pass 1 value counts per flag level, pass 2 the contradicting rows"

    def plan(self, dataset, budget):
        flags = _flags(dataset)
        measures = [
            m
            for m in dataset.columns_of(ColumnKind.NUMERIC, roles=MEASURE_ROLES)
            if dataset.column(m).distinct_at_least > 2
            and m not in flags
            # the scan's exact distinct count: a measure past distinct_cap values would fill
            # a map per chunk only to be dropped
            and dataset.column(m).distinct_exact
            and dataset.column(m).distinct_at_least <= budget.distinct_cap
        ]
        pairs = [(f, m) for f in flags for m in measures][: budget.max_pairs]
        if not pairs:
            return None
        used = tuple(dict.fromkeys([c for p in pairs for c in p]))
        return Plan(used, {"pairs": [list(p) for p in pairs]})

    def init(self, ctx):
        return {} if ctx.pass_index == 0 else []

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            return self._count(state, chunk, ctx)
        return self._contradictions(state, chunk, ctx)

    def _count(self, state, chunk, ctx):
        cap = ctx.budget.distinct_cap
        flags, measures = _read(chunk, ctx.params["pairs"])
        for flag, measure in ctx.params["pairs"]:
            slot = state.setdefault((flag, measure), {})
            if slot is None:
                continue
            (codes, levels), x = flags[flag], measures[measure]
            ok = (codes >= 0) & np.isfinite(x)
            if not ok.any():
                continue
            keys, counts = np.unique(
                np.stack([x[ok], codes[ok].astype(np.float64)]), axis=1, return_counts=True
            )
            for (value, code), n in zip(keys.T.tolist(), counts.tolist(), strict=True):
                cell = slot.setdefault(value, {})
                level = levels[int(code)]
                cell[level] = cell.get(level, 0) + n
            if len(slot) > cap:
                state[(flag, measure)] = None  # past distinct_cap: dropped, never sampled
        return state

    def _contradictions(self, state, chunk, ctx):
        cuts = ctx.previous[0]["cuts"]
        flags, measures = _read(chunk, list(cuts))
        for (flag, measure), cut in cuts.items():
            (codes, levels), x = flags[flag], measures[measure]
            ok = (codes >= 0) & np.isfinite(x)
            above = x > cut["threshold"]
            names = np.array(levels, dtype=object)
            level = names[np.where(codes >= 0, codes, 0)]
            expected = np.where(above, cut["above"], cut["below"])
            wrong = np.flatnonzero(ok & (level != expected))
            state.append(((flag, measure), (chunk.row_start + wrong[:MAX_EXAMPLES]).tolist()))
        return state

    def merge(self, a, b, ctx):
        if ctx.pass_index == 1:
            return a + b
        out = dict(a)
        for key, slot in b.items():
            mine = out.get(key, {})
            if mine is None or slot is None:
                out[key] = None
                continue
            merged = {v: dict(cell) for v, cell in mine.items()}
            for v, cell in slot.items():
                target = merged.setdefault(v, {})
                for level, n in cell.items():
                    target[level] = target.get(level, 0) + n
            out[key] = None if len(merged) > ctx.budget.distinct_cap else merged
        return out

    def end_pass(self, state, ctx):
        if ctx.pass_index == 1:
            rows: dict = {}
            for key, positions in state:
                rows.setdefault(key, []).extend(positions)
            return {k: sorted(v)[:MAX_EXAMPLES] for k, v in rows.items()}
        cuts, dropped = {}, []
        for key in map(tuple, ctx.params["pairs"]):
            slot = state.get(key, {})
            if slot is None:
                dropped.append(list(key))
                continue
            cut = _best_cut(slot)
            if cut is not None:
                cuts[key] = cut
        return {"cuts": cuts, "dropped": dropped}

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and any(
            c["errors"] > 0 for c in ctx.previous[0]["cuts"].values()
        )

    def findings(self, ctx):
        first = ctx.previous[0]
        examples = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out = []
        for (flag, measure), cut in sorted(first["cuts"].items()):
            n, errors = cut["n"], cut["errors"]
            rule = f"{cut['above']!s} exactly where {measure!r} > {cut['threshold']:g}"
            if errors and named_after(flag, measure):
                title = (
                    f"{flag!r} is {rule} except on {errors} of {n} rows: "
                    "a flag derived from the measure, contradicted by data errors?"
                )
                severity = "medium"
            elif errors:
                title = f"{flag!r} is nearly {rule} ({errors} of {n} rows are not)"
                severity = "low"
            else:
                title = f"{flag!r} is {rule}: a cut of the measure, the same fact"
                severity = "low"
            out.append(
                ctx.finding(
                    kind="flag_cut" if not errors else "flag_contradictions",
                    title=title,
                    subject={"flag": flag, "measure": measure},
                    values={
                        "n": n,
                        "contradicting_rows": errors,
                        "threshold": cut["threshold"],
                        "level_above": cut["above"],
                        "level_below": cut["below"],
                    },
                    units={
                        "n": "count",
                        "contradicting_rows": "count",
                        "threshold": "value",
                        "level_above": "level",
                        "level_below": "level",
                    },
                    severity=severity,
                    columns=[flag, measure],
                    example_rows=examples.get((flag, measure), []),
                    parameters={"rule": RULE, "pairs_dropped_past_distinct_cap": first["dropped"]},
                )
            )
        return out


def _read(chunk, pairs) -> tuple[dict, dict]:
    """Each flag's (codes, levels as text) and each measure's floats of the chunk, read once
    however many pairs share them."""
    flags = {f: level_codes(chunk.column(f)) for f, _ in pairs}
    measures = {m: chunk.floats(m) for _, m in pairs}
    return flags, measures


def _best_cut(slot: dict) -> dict | None:
    """The threshold and direction misclassifying the fewest rows, when they are at most
    MAX_ERROR_SHARE of the rows (None otherwise, or when the pair is too small)."""
    levels = sorted({level for cell in slot.values() for level in cell})
    if len(levels) != 2:
        return None
    lo_level, hi_level = levels
    values = sorted(slot)
    a = np.array([slot[v].get(lo_level, 0) for v in values], dtype=np.int64)
    b = np.array([slot[v].get(hi_level, 0) for v in values], dtype=np.int64)
    n = int(a.sum() + b.sum())
    if n < MIN_ROWS or min(a.sum(), b.sum()) < MIN_LEVEL_ROWS or len(values) < 3:
        return None
    # cut after value i (i = 0..m-2): rows at or below go one way, rows above the other
    a_le, b_le = np.cumsum(a)[:-1], np.cumsum(b)[:-1]
    a_gt, b_gt = a.sum() - a_le, b.sum() - b_le
    hi_above = b_le + a_gt  # hi_level where measure > t: wrong are hi at/below, lo above
    lo_above = a_le + b_gt
    best = None
    for errors, above, below in ((hi_above, hi_level, lo_level), (lo_above, lo_level, hi_level)):
        i = int(np.argmin(errors))  # the lowest threshold among ties
        candidate = (int(errors[i]), i, above, below)
        if best is None or candidate[0] < best[0]:
            best = candidate
    errors, i, above, below = best
    if errors > MAX_ERROR_SHARE * n or errors > MAX_MINORITY_ERROR_SHARE * min(a.sum(), b.sum()):
        return None
    return {"threshold": values[i], "above": above, "below": below, "errors": errors, "n": n}


__all__ = ["FlagConsistency"]
