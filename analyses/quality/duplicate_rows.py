"""The ``duplicate_rows`` analysis (quality family): exact duplicate rows.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from pytest_statharness import Analysis, Plan

from .._shared.report import graded, share
from ._common import (
    _ROW_K,
    ALL_KINDS,
    _merge_groups,
    _mix,
    _repeat_summary,
    _verified_groups,
    value_hashes,
)


def _positions_in(sorted_positions: np.ndarray, chunk) -> np.ndarray:
    lo = np.searchsorted(sorted_positions, chunk.row_start, side="left")
    hi = np.searchsorted(sorted_positions, chunk.row_start + chunk.num_rows, side="left")
    return sorted_positions[lo:hi] - chunk.row_start


# ======================================================================================
# duplicate_rows
# ======================================================================================
CHANCE_MAX_DISTINCT = 10_000
CHANCE_SHARE = 0.1
CHANCE_RULE = (
    "expected_by_chance = C(rows, 2) x prod over columns of sum(p_v^2) (p_v: the share of "
    "value v in the column; computed when every column has at most "
    f"{CHANCE_MAX_DISTINCT} distinct values): the duplicate pairs independent rows would "
    f"show. When it is >= {CHANCE_SHARE:.0%} of the duplicate rows found (a survey of a few "
    "answer codes), duplicates are plausible coincidences: severity low"
)


@dataclass(slots=True)
class _RowHashes:
    """Pass 1 state: (first row, 64-bit row hashes) per chunk, and per column the value
    counts that feed the chance estimate (None once a column passes CHANCE_MAX_DISTINCT).
    Chunks keep their hashes apart so end_pass can order them by row position, whatever
    the merge order."""

    parts: list[tuple[int, np.ndarray]] = field(default_factory=list)
    counts: dict[str, dict | None] = field(default_factory=dict)


@dataclass(slots=True)
class _Candidates:
    """What pass 1 hands pass 2: rows hashed, the dataset-wide positions of rows whose hash
    repeats (ascending; pass 2 verifies them on the values), and the chance-collision
    product (None when a column has too many distinct values)."""

    rows: int
    candidates: np.ndarray
    chance_collision: float | None


def _merge_value_counts(a: _RowHashes, b: _RowHashes) -> dict:
    """Per-column value counts added (None once a column passes the cap: no estimate)."""
    if not a.parts:
        return b.counts
    if not b.parts:
        return a.counts
    out = {}
    for c in set(a.counts) | set(b.counts):
        x, y = a.counts.get(c), b.counts.get(c)
        if x is None or y is None:
            out[c] = None
            continue
        merged = dict(x)
        for key, n in y.items():
            merged[key] = merged.get(key, 0) + n
        out[c] = merged if len(merged) <= CHANCE_MAX_DISTINCT else None
    return out


def _chance_collision(counts: dict, columns, rows: int) -> float | None:
    """prod_c sum_v p_v^2 over the columns (None when a column has too many values)."""
    if not rows or any(counts.get(c) is None for c in columns):
        return None
    product = 1.0
    for c in columns:
        product *= math.fsum(n * n for n in counts[c].values()) / (rows * rows)
    return product


class DuplicateRows(Analysis):
    id = "duplicate_rows"
    associative_merge = True  # range states merge to the same bytes (Dask)
    family = "quality"
    title = "Exact duplicate rows"
    requires = ALL_KINDS
    exact = True
    passes = 2
    memory_heavy = True
    method = (
        "pass 1: a 64-bit hash of every row over all columns (each value hashed by type: "
        "blake2b-64 of the UTF-8/bytes of strings and binaries, splitmix64 of the bits of "
        "fixed-width values, floats with -0.0 = 0.0 and NaN = null; columns combined in schema "
        "order with a splitmix64 chain); rows whose hash occurs more than once are candidates. "
        "pass 2: the candidate rows' actual values are compared exactly, so a hash collision "
        "never makes a duplicate. duplicate_rows = rows equal to an earlier row; "
        "duplicate_groups = distinct row contents occurring more than once. Memory: 8 bytes "
        "per row for the hashes (16 MB per 2 million rows) plus, in pass 2, one copy of each "
        "distinct candidate row and at most 21 positions per distinct row. Severity by "
        "duplicate share: >= 5% high, >= 0.5% medium, else low; low when independent rows "
        "would show that many by chance (" + CHANCE_RULE + ")"
    )
    reference = (
        "Elmagarmid, Ipeirotis & Verykios (2007), Duplicate Record Detection: A Survey, IEEE "
        "TKDE 19(1); BLAKE2 (RFC 7693); Steele, Lea & Flood (2014), Fast splittable "
        "pseudorandom number generators (splitmix64)"
    )
    access = "streamed; pass 1 all columns -> row hashes, pass 2 all columns of candidate rows"

    def plan(self, dataset, budget):
        return Plan(tuple(c.name for c in dataset.columns), {}, {})

    def init(self, ctx):
        return _RowHashes() if ctx.pass_index == 0 else {}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            h = np.zeros(chunk.num_rows, dtype=np.uint64)
            counts: dict = {}
            for c in ctx.columns:
                values = value_hashes(chunk.column(c))
                h = _mix(h * _ROW_K ^ values)
                keys, n = np.unique(values, return_counts=True)
                # value counts feed the chance estimate; a column past the cap ends it
                counts[c] = (
                    dict(zip(keys.tolist(), n.tolist(), strict=True))
                    if keys.size <= CHANCE_MAX_DISTINCT
                    else None
                )
            return _RowHashes([(chunk.row_start, h)], counts)
        local = _positions_in(ctx.previous[0].candidates, chunk)
        if not local.size:
            return state
        return _verified_groups(chunk, ctx.columns, local)

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0:
            return _RowHashes(a.parts + b.parts, _merge_value_counts(a, b))
        return _merge_groups(a, b)

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            parts = sorted(state.parts, key=lambda p: p[0])
            hashes = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.uint64)
            chance = _chance_collision(state.counts, ctx.columns, int(hashes.size))
            order = np.argsort(hashes, kind="stable")
            ordered = hashes[order]
            same = ordered[1:] == ordered[:-1]
            flag = np.zeros(hashes.size, dtype=bool)
            flag[1:] |= same
            flag[:-1] |= same
            return _Candidates(
                rows=int(hashes.size),
                candidates=np.sort(order[flag]).astype(np.int64),
                chance_collision=chance,
            )
        return state

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and ctx.previous[0].candidates.size > 0

    def findings(self, ctx):
        first = ctx.previous[0]
        rows = first.rows
        groups = ctx.previous[1] if len(ctx.previous) > 1 else {}
        repeats, duplicated, singles, examples = _repeat_summary(groups)
        frac = share(repeats, rows)
        values = {
            "rows": rows,
            "duplicate_rows": repeats,
            "duplicate_groups": duplicated,
            "duplicate_share": frac,
            "hash_candidate_rows": int(first.candidates.size),
            "hash_collision_rows": singles,
        }
        units = {
            "rows": "count",
            "duplicate_rows": "count",
            "duplicate_groups": "count",
            "duplicate_share": "ratio",
            "hash_candidate_rows": "count",
            "hash_collision_rows": "count",
        }
        params = {
            "hash_bits": 64,
            "compared": "all columns",
            "float_equality": "-0.0 == 0.0, NaN == null",
        }
        kind, title, severity, recommendation = (
            "row_uniqueness",
            "No exact duplicate rows",
            "info",
            None,
        )
        collision = first.chance_collision
        expected = None
        if collision is not None and rows > 1:
            # duplicate rows if rows were independent draws of their columns' values
            expected = (rows * (rows - 1) / 2) * collision
        values["expected_by_chance"] = expected
        units["expected_by_chance"] = "count"
        params["chance_rule"] = CHANCE_RULE
        if repeats:
            kind = "duplicate_rows"
            title = f"{repeats} exact duplicate rows in {duplicated} groups"
            severity = graded(frac, ((0.05, "high"), (0.005, "medium")), "low")
            if expected is not None and expected >= CHANCE_SHARE * repeats:
                severity = "low"
                title += f" (about {expected:.3g} expected by chance: few distinct values)"
            recommendation = {
                "action": "drop exact duplicate rows, keeping each first occurrence",
                "modeled_improvement_pct": 100.0 * frac,
                "assumptions": [
                    "the repeated rows are unintended copies (e.g. double ingestion), not "
                    "legitimate repeated records",
                    "improvement = share of rows removed",
                ],
            }
        return [
            ctx.finding(
                kind=kind,
                title=title,
                subject={"scope": "dataset"},
                values=values,
                units=units,
                severity=severity,
                example_rows=examples,  # [] without repeats
                parameters=params,
                recommendation=recommendation,
            )
        ]
