"""The ``duplicate_keys`` analysis (quality family): duplicate values in key-like columns.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from pytest_statharness import Analysis, ColumnKind, MemoryModel, Plan

from .._shared.exact import in_sorted
from .._shared.hist import (
    MAX_EXAMPLES,
    int_values,
    smallest,
)
from .._shared.report import cap_findings, graded, share
from ._common import (
    MAX_PARTITION_ROWS,
    PARTITION_ROWS,
    PARTITION_ROWS_SETTING,
    HashSpill,
    _merge_groups,
    _repeat_summary,
    _verified_groups,
    partitions_for,
    spill_folder,
    value_hashes,
)

# ======================================================================================
# duplicate_keys
# ======================================================================================
KEY_SHARE = 0.99
KEY_MIN_ID = 20
KEY_MIN_CATEGORICAL = 100
KEY_HASH_CAP = 8
#: Peak bytes per hashed value in a hash pass (the hash, np.unique's sorted copy, counts).
HASH_VALUE_BYTES = 24


class DuplicateKeys(Analysis):
    id = "duplicate_keys"
    family = "quality"
    title = "Duplicate values in key-like columns"
    requires = (ColumnKind.INTEGER_ID, ColumnKind.CATEGORICAL)
    exact = True
    passes = 2
    memory_heavy = True
    memory_model = MemoryModel.PARTITIONED
    memory_note = (
        "integer_id columns: constant (equal neighbours); hashed categorical columns: hashed "
        "once; past one partition (more than min(memory_mb / "
        f"{HASH_VALUE_BYTES} B, {MAX_PARTITION_ROWS:,}) rows) each chunk's value hashes are "
        "spilled to disk grouped by contiguous hash range (8 B per value) and read back one "
        "column and range at a time; a column is dropped as soon as its repeats rule out "
        "key-likeness, so the verification pass holds at most 1% of a column's values"
    )
    settings = (PARTITION_ROWS,)
    method = (
        f"a column is key-like when >= {KEY_SHARE:.0%} of its non-null values are distinct "
        f"(integer_id: >= {KEY_MIN_ID} values; categorical: >= {KEY_MIN_CATEGORICAL} values). "
        "integer_id columns are non-decreasing (that is how the kind is inferred), so equal "
        "values are adjacent: one pass counts equal neighbours exactly in O(1) memory. "
        "Categorical columns whose typing scan does not rule out key-likeness: one pass "
        "hashes every value (64-bit word-sum hash of its bytes, as duplicate_rows), the "
        "hashes are counted over contiguous hash ranges within the budget's memory_mb "
        "(spilled to disk when there is more than one range), key-likeness from the distinct "
        "hash count (a lower bound of the distinct values), then the values of repeated "
        "hashes compared exactly. duplicate_rows = rows repeating an earlier value; "
        "duplicated_values = values occurring more than once. Severity: duplicate share >= 1% "
        "high, else medium (integer_id); categorical low (key-likeness is a heuristic)"
    )
    reference = (
        "Codd (1970), A relational model of data for large shared data banks, CACM 13(6) "
        "(candidate keys); Abedjan, Golab & Naumann (2015), Profiling relational data: a "
        "survey, VLDB J. 24(4)"
    )
    access = (
        "streamed; pass 1 key columns (adjacency counts, value hashes, spilled by hash range "
        "past one partition), pass 2 repeated hashes"
    )

    def plan(self, dataset, budget):
        ids, hashed, ruled_out, capped = [], [], {}, []
        for info in dataset.columns:
            if info.kind == ColumnKind.INTEGER_ID:
                ids.append(info.name)
            elif info.kind == ColumnKind.CATEGORICAL:
                non_null = dataset.row_count - info.null_count
                if non_null < KEY_MIN_CATEGORICAL:
                    ruled_out[info.name] = f"{non_null} non-null values < {KEY_MIN_CATEGORICAL}"
                elif info.distinct_exact and info.distinct_at_least < KEY_SHARE * non_null:
                    ruled_out[info.name] = (
                        f"distinct share {info.distinct_at_least / non_null:.4g} < {KEY_SHARE}"
                    )
                elif len(hashed) < KEY_HASH_CAP:
                    hashed.append(info.name)
                else:
                    capped.append(info.name)
        if not ids and not hashed:
            return None
        columns = (ids + hashed)[: budget.max_columns]
        left = [c for c in ids + hashed if c not in columns] + capped
        left_out = (
            {"columns": left, "cap": f"max_columns / {KEY_HASH_CAP} hashed columns"} if left else {}
        )
        params = {
            "adjacent": [c for c in ids if c in columns],
            "hashed": [c for c in hashed if c in columns],
            "ruled_out_by_typing_scan": ruled_out,
        }
        return Plan(tuple(columns), params, left_out)

    # -- integer_id: equal neighbours --------------------------------------------------
    @staticmethod
    def _segment(vals: np.ndarray, positions: np.ndarray) -> dict:
        n = int(vals.size)
        if not n:
            return {"n": 0}
        eq = vals[1:] == vals[:-1]
        breaks = np.flatnonzero(~eq)
        after_break = np.concatenate(([True], ~eq[:-1])) if eq.size else np.empty(0, bool)
        starts = np.flatnonzero(eq & after_break)  # second element of each run of equal values
        hits = np.flatnonzero(eq)[:MAX_EXAMPLES] + 1
        return {
            "n": n,
            "first": int(vals[0]),
            "last": int(vals[-1]),
            "first_pos": int(positions[0]),
            "first_run": int(breaks[0]) + 1 if breaks.size else n,
            "last_run": n - (int(breaks[-1]) + 1) if breaks.size else n,
            "eq": int(np.count_nonzero(eq)),
            "groups": int(starts.size),
            "descents": int(np.count_nonzero(vals[1:] < vals[:-1])),
            "examples": positions[hits].tolist(),
        }

    @staticmethod
    def _join(a: dict, b: dict) -> dict:
        if not a["n"]:
            return dict(b, examples=list(b.get("examples", [])))
        if not b["n"]:
            return dict(a, examples=list(a["examples"]))
        joined = a["last"] == b["first"]
        groups = a["groups"] + b["groups"]
        examples = smallest(a["examples"], b["examples"])
        if joined:
            groups += 1 - (a["last_run"] >= 2) - (b["first_run"] >= 2)
            examples = smallest(examples, [b["first_pos"]])
        a_single = a["first_run"] == a["n"]
        b_single = b["first_run"] == b["n"]
        return {
            "n": a["n"] + b["n"],
            "first": a["first"],
            "last": b["last"],
            "first_pos": a["first_pos"],
            "first_run": a["first_run"] + (b["first_run"] if joined and a_single else 0),
            "last_run": b["last_run"] + (a["last_run"] if joined and b_single else 0),
            "eq": a["eq"] + b["eq"] + int(joined),
            "groups": groups,
            "descents": a["descents"] + b["descents"] + int(a["last"] > b["first"]),
            "examples": examples,
        }

    # -- partitions: a function of (rows, budget, setting) only --------------------------
    def hash_partitions(self, ctx) -> int:
        """Hash partitions of each hashed column: one holds at most ``memory_mb /
        HASH_VALUE_BYTES`` values (and at most ``MAX_PARTITION_ROWS``) on average."""
        if not ctx.params["hashed"]:
            return 1
        given = ctx.dataset.settings.get(PARTITION_ROWS_SETTING)
        per_pass = (
            int(given)
            if given
            else min(MAX_PARTITION_ROWS, ctx.budget.memory_mb * 2**20 // HASH_VALUE_BYTES)
        )
        return partitions_for(ctx.dataset.row_count, per_pass)

    # -- the accumulator -------------------------------------------------------------------
    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            return ctx.columns
        return [c for c, cand in ctx.previous[0]["candidates"].items() if cand.size]

    def init(self, ctx):
        if ctx.pass_index == 0:
            state = {c: {"n": 0} for c in ctx.params["adjacent"]}
            state.update({c: {"n": 0, "nulls": 0, "hashes": []} for c in ctx.params["hashed"]})
            return state
        return {c: {} for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            partitions = self.hash_partitions(ctx)
            for c in ctx.params["adjacent"]:
                vals, idx, nulls = int_values(chunk, c)
                state[c] = {**self._segment(vals, idx + chunk.row_start), "nulls": nulls}
            for c in ctx.params["hashed"]:
                h = value_hashes(chunk.column(c))
                valid = np.asarray(chunk.valid(c))
                h = h[valid]
                state[c] = {
                    "n": int(valid.sum()),
                    "nulls": int((~valid).sum()),
                    "hashes": [
                        h
                        if partitions == 1
                        else HashSpill.write(spill_folder(ctx.dataset), h, partitions, False)
                    ],
                }
            return state
        candidates = ctx.previous[0]["candidates"]
        for c in self.columns_for_pass(ctx):
            cand = candidates[c]
            h = value_hashes(chunk.column(c))
            local = np.flatnonzero(np.asarray(chunk.valid(c)) & in_sorted(h, cand))
            if not local.size:
                continue
            state[c] = _verified_groups(chunk, [c], local)
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in a:
            x, y = a[c], b[c]
            if ctx.pass_index:
                out[c] = _merge_groups(x, y)
            elif c in ctx.params["adjacent"]:
                out[c] = {**self._join(x, y), "nulls": x.get("nulls", 0) + y.get("nulls", 0)}
            else:
                out[c] = {
                    "n": x["n"] + y["n"],
                    "nulls": x["nulls"] + y["nulls"],
                    "hashes": x["hashes"] + y["hashes"],
                }
        return out

    def end_pass(self, state, ctx):
        """The hash pass: per hashed column, partition by partition (one in memory at a
        time), the distinct and single hashes and the repeated hashes. A column whose
        repeats rule out key-likeness drops its candidates but keeps counting distinct
        hashes; key-likeness is decided exactly as over all hashes at once (distinct
        values add up over disjoint hash ranges)."""
        if ctx.pass_index:
            return state
        partitions = self.hash_partitions(ctx)
        result = {"adjacent": {}, "hashed": {}, "candidates": {}}
        for c in ctx.params["adjacent"]:
            result["adjacent"][c] = state[c]
        for c in ctx.params["hashed"]:
            s = state[c]
            parts = s.pop("hashes")
            n, nulls = s["n"], s["nulls"]
            distinct = singles = seen = 0
            cand: list[np.ndarray] = []
            possible = n >= KEY_MIN_CATEGORICAL
            try:
                for partition in range(partitions):
                    found = [p.read(partition)[0] if isinstance(p, HashSpill) else p for p in parts]
                    hashes = np.concatenate(found) if found else np.empty(0, np.uint64)
                    del found
                    uniq, counts = np.unique(hashes, return_counts=True)
                    distinct += int(uniq.size)
                    singles += int(np.count_nonzero(counts == 1))
                    seen += int(hashes.size)
                    # every value not yet seen could still be distinct
                    possible = possible and distinct + (n - seen) >= KEY_SHARE * n
                    cand = [*cand, uniq[counts > 1]] if possible else []
                    del hashes, uniq, counts
            finally:
                for p in parts:
                    if isinstance(p, HashSpill):
                        p.remove()
            key_like = n >= KEY_MIN_CATEGORICAL and distinct >= KEY_SHARE * n
            result["hashed"][c] = {
                "n": n,
                "nulls": nulls,
                "distinct_hashes": distinct,
                "single_hashes": singles,
                "key_like": bool(key_like),
            }
            result["candidates"][c] = (
                np.concatenate(cand) if key_like and cand else np.empty(0, np.uint64)
            )
        return result

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and any(
            c.size for c in ctx.previous[0]["candidates"].values()
        )

    def findings(self, ctx):
        first = ctx.previous[0]
        verified = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out, screen = [], {}
        for c in ctx.columns:
            if c in first["adjacent"]:
                s = first["adjacent"][c]
                n = s["n"]
                repeats = s.get("eq", 0)
                duplicated = s.get("groups", 0)
                distinct = n - repeats
                examples = s.get("examples", [])
                kind_name = "integer_id"
                extra = {"non_decreasing": s.get("descents", 0) == 0}
                minimum = KEY_MIN_ID
            else:
                s = first["hashed"][c]
                n = s["n"]
                repeats, duplicated, singles, examples = _repeat_summary(verified.get(c, {}))
                distinct = s["single_hashes"] + duplicated + singles if s["key_like"] else None
                kind_name = "categorical"
                extra = {"distinct_hashes": s["distinct_hashes"]}
                minimum = KEY_MIN_CATEGORICAL
            key_like = n >= minimum and distinct is not None and distinct >= KEY_SHARE * n
            screen[c] = {
                "kind": kind_name,
                "key_like": key_like,
                "distinct_share": share(distinct, n)
                if distinct is not None
                else share(s.get("distinct_hashes", 0), n),
            }
            if not key_like:
                continue
            frac = share(repeats, n)
            values = {
                "count": n,
                "null_count": s.get("nulls", 0),
                "distinct": distinct,
                "duplicate_rows": repeats,
                "duplicated_values": duplicated,
                "duplicate_share": frac,
            }
            units = {k: "count" for k in values}
            units["duplicate_share"] = "ratio"
            if not repeats:
                severity = "info"
            elif kind_name == "integer_id":
                severity = graded(frac, ((0.01, "high"),), "medium")
            else:
                severity = "low"
            out.append(
                ctx.finding(
                    kind="duplicate_keys" if repeats else "unique_key",
                    title=(
                        f"{repeats} duplicate values in key-like column {c!r}"
                        if repeats
                        else f"Key-like column {c!r} has no duplicate values"
                    ),
                    subject={"column": c},
                    values=values,
                    units=units,
                    severity=severity,
                    columns=[c],
                    example_rows=examples if repeats else [],
                    parameters={"column_kind": kind_name, "key_share": KEY_SHARE, **extra},
                )
            )
        key_like = [c for c in ctx.columns if screen[c]["key_like"]]
        summary = ctx.finding(
            kind="key_screen",
            title=f"Key screen: {len(key_like)} key-like column(s)",
            subject={"scope": "dataset"},
            values={"columns_screened": len(ctx.columns), "key_like_columns": len(key_like)},
            units={"columns_screened": "count", "key_like_columns": "count"},
            parameters={"screen": screen},
        )
        return cap_findings(ctx, out, summary)
