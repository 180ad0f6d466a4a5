"""quality: duplicate rows and keys, constant columns, mixed value types, impossible values.

All counts are exact. Row and value hashes are process-stable (blake2b for variable-length
values, the splitmix64 finaliser for fixed-width ones — never Python's ``hash``), and
every duplicate suggested by a 64-bit hash is verified on the actual values in a second
pass, so a hash collision can never produce a false duplicate. Example row positions are
dataset-wide, ascending. Findings come in plan column order (schema order), a screen
summary last (when the analysis has one).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, ColumnRole, Plan, hookimpl

from ._exact import SelectionSet, float_keys, in_sorted, int_keys, quantile_rank_list
from ._hist import (
    MAX_EXAMPLES,
    decoded,
    finite_values,
    int_values,
    smallest,
    ticks_per_day,
    time_ints,
    time_storage,
)
from ._report import cap_findings, graded, share

ALL_KINDS = tuple(ColumnKind)
SELECTION_PASSES = 5

# -- process-stable hashing ----------------------------------------------------------------
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_ROW_K = np.uint64(0x9E3779B97F4A7C15)
_NULL = np.uint64(0x6A09E667F3BCC909)


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    z = z ^ (z >> np.uint64(30))
    z = z * _M1
    z = z ^ (z >> np.uint64(27))
    z = z * _M2
    return z ^ (z >> np.uint64(31))


def _blake(data: bytes) -> int:
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def _is_stringish(typ: pa.DataType) -> bool:
    return (
        pa.types.is_string(typ)
        or pa.types.is_large_string(typ)
        or pa.types.is_binary(typ)
        or pa.types.is_large_binary(typ)
        or pa.types.is_fixed_size_binary(typ)
        or getattr(pa.types, "is_string_view", lambda t: False)(typ)
        or getattr(pa.types, "is_binary_view", lambda t: False)(typ)
    )


def _is_time(typ: pa.DataType) -> bool:
    return (
        pa.types.is_timestamp(typ)
        or pa.types.is_date(typ)
        or pa.types.is_time(typ)
        or pa.types.is_duration(typ)
    )


def _is_fixed(typ: pa.DataType) -> bool:
    return pa.types.is_integer(typ) or pa.types.is_boolean(typ) or _is_time(typ)


def value_hashes(col) -> np.ndarray:
    """A 64-bit hash of every value (nulls, and NaN in float columns, share one hash).

    Equal canonical values (see :func:`canonical_values`) always get equal hashes.
    """
    arr = decoded(col)
    typ = arr.type
    n = len(arr)
    if pa.types.is_floating(typ):
        data = np.asarray(
            pc.fill_null(pc.cast(arr, pa.float64()), np.nan).to_numpy(), dtype=np.float64
        )
        valid = ~np.isnan(data)
        out = _mix((data + 0.0).view(np.uint64))  # + 0.0 turns -0.0 into 0.0
        out[~valid] = _NULL
        return out
    if _is_fixed(typ):
        if pa.types.is_unsigned_integer(typ):
            data = np.asarray(
                pc.fill_null(pc.cast(arr, pa.uint64()), 0).to_numpy(), dtype=np.uint64
            )
        else:
            as_int = pc.cast(arr, pa.int64()) if pa.types.is_boolean(typ) else time_ints(arr)
            data = np.asarray(pc.fill_null(as_int, 0).to_numpy(), dtype=np.int64).view(np.uint64)
        out = _mix(data ^ _ROW_K)
        valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
        out[~valid] = _NULL
        return out
    if _is_stringish(typ):
        encoded = pc.dictionary_encode(arr, null_encoding="mask")
        words = encoded.dictionary.to_pylist()
        table = np.array(
            [_blake(w.encode("utf-8") if isinstance(w, str) else bytes(w)) for w in words] or [0],
            dtype=np.uint64,
        )
        indices = encoded.indices
        idx = np.asarray(pc.fill_null(indices, 0).to_numpy(), dtype=np.int64)
        out = table[idx] if n else np.empty(0, np.uint64)
        valid = np.asarray(pc.is_valid(indices).to_numpy(zero_copy_only=False), dtype=bool)
        out[~valid] = _NULL
        return out
    values = canonical_values(arr)
    return np.array(
        [_NULL if v is None else np.uint64(_blake(repr(v).encode("utf-8"))) for v in values],
        dtype=np.uint64,
    )


def canonical_values(col) -> list:
    """Python values for exact comparison: floats with NaN as None (and -0.0 == 0.0),
    temporal values as integer counts, nested values by their repr."""
    arr = decoded(col)
    typ = arr.type
    if pa.types.is_floating(typ):
        return [
            None if v is None or v != v else float(v)
            for v in pc.cast(arr, pa.float64()).to_pylist()
        ]
    if _is_time(typ):
        return pc.cast(arr, time_storage(typ)).to_pylist()
    if pa.types.is_nested(typ):
        return [None if v is None else repr(v) for v in arr.to_pylist()]
    return arr.to_pylist()


def _positions_in(sorted_positions: np.ndarray, chunk) -> np.ndarray:
    lo = np.searchsorted(sorted_positions, chunk.row_start, side="left")
    hi = np.searchsorted(sorted_positions, chunk.row_start + chunk.num_rows, side="left")
    return sorted_positions[lo:hi] - chunk.row_start


def _merge_groups(a: dict, b: dict) -> dict:
    """Merge {value: [count, smallest positions]} maps (new map; inputs untouched)."""
    out = dict(a)
    for key, (count, positions) in b.items():
        if key in out:
            c0, p0 = out[key]
            out[key] = [c0 + count, smallest(p0, positions, MAX_EXAMPLES + 1)]
        else:
            out[key] = [count, list(positions)]
    return out


def _group_rows(keys: list, positions: np.ndarray) -> dict:
    groups: dict = {}
    for key, pos in zip(keys, positions.tolist(), strict=True):
        entry = groups.get(key)
        if entry is None:
            groups[key] = [1, [pos]]
        else:
            entry[0] += 1
            if len(entry[1]) <= MAX_EXAMPLES:
                entry[1].append(pos)
    return groups


def _verified_groups(chunk, columns, local: np.ndarray) -> dict:
    """Pass 2 of a hash-then-verify search: the chunk rows ``local`` (hash candidates)
    grouped by their exact canonical values over ``columns``."""
    taken = chunk.table.select(list(columns)).take(pa.array(local))
    rows = zip(*(canonical_values(taken.column(c)) for c in columns), strict=True)
    return _group_rows(list(rows), local + chunk.row_start)


def _repeat_summary(groups: dict) -> tuple[int, int, int, list[int]]:
    """(repeating rows, duplicated values, singleton values, first 20 repeating positions)."""
    repeats = duplicated = singles = 0
    examples: list[int] = []
    for count, positions in groups.values():
        if count > 1:
            repeats += count - 1
            duplicated += 1
            examples.extend(positions[1:])
        else:
            singles += 1
    return repeats, duplicated, singles, sorted(examples)[:MAX_EXAMPLES]


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


def _merge_value_counts(a: dict, b: dict) -> dict:
    """Per-column value counts added (None once a column passes the cap: no estimate)."""
    if not a["parts"]:
        return b["counts"]
    if not b["parts"]:
        return a["counts"]
    out = {}
    for c in set(a["counts"]) | set(b["counts"]):
        x, y = a["counts"].get(c), b["counts"].get(c)
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
        return {"parts": [], "counts": {}} if ctx.pass_index == 0 else {}

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
            return {"parts": [(chunk.row_start, h)], "counts": counts}
        local = _positions_in(ctx.previous[0]["candidates"], chunk)
        if not local.size:
            return state
        return _verified_groups(chunk, ctx.columns, local)

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0:
            return {"parts": a["parts"] + b["parts"], "counts": _merge_value_counts(a, b)}
        return _merge_groups(a, b)

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            parts = sorted(state["parts"], key=lambda p: p[0])
            hashes = np.concatenate([p[1] for p in parts]) if parts else np.empty(0, np.uint64)
            chance = _chance_collision(state["counts"], ctx.columns, int(hashes.size))
            order = np.argsort(hashes, kind="stable")
            ordered = hashes[order]
            same = ordered[1:] == ordered[:-1]
            flag = np.zeros(hashes.size, dtype=bool)
            flag[1:] |= same
            flag[:-1] |= same
            return {
                "rows": int(hashes.size),
                "candidates": np.sort(order[flag]).astype(np.int64),
                "chance_collision": chance,
            }
        return state

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and ctx.previous[0]["candidates"].size > 0

    def findings(self, ctx):
        first = ctx.previous[0]
        rows = first["rows"]
        groups = ctx.previous[1] if len(ctx.previous) > 1 else {}
        repeats, duplicated, singles, examples = _repeat_summary(groups)
        frac = share(repeats, rows)
        values = {
            "rows": rows,
            "duplicate_rows": repeats,
            "duplicate_groups": duplicated,
            "duplicate_share": frac,
            "hash_candidate_rows": int(first["candidates"].size),
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
        collision = first.get("chance_collision")
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


# ======================================================================================
# duplicate_keys
# ======================================================================================
KEY_SHARE = 0.99
KEY_MIN_ID = 20
KEY_MIN_CATEGORICAL = 100
KEY_HASH_CAP = 8


class DuplicateKeys(Analysis):
    id = "duplicate_keys"
    family = "quality"
    title = "Duplicate values in key-like columns"
    requires = (ColumnKind.INTEGER_ID, ColumnKind.CATEGORICAL)
    exact = True
    passes = 2
    memory_heavy = True
    method = (
        f"a column is key-like when >= {KEY_SHARE:.0%} of its non-null values are distinct "
        f"(integer_id: >= {KEY_MIN_ID} values; categorical: >= {KEY_MIN_CATEGORICAL} values). "
        "integer_id columns are non-decreasing (that is how the kind is inferred), so equal "
        "values are adjacent: one pass counts equal neighbours exactly in O(1) memory. "
        "Categorical columns whose typing scan does not rule out key-likeness: pass 1 keeps a "
        "blake2b-64 hash per value (8 bytes per row), key-likeness from the distinct hash "
        "count (a lower bound of the distinct values), pass 2 compares the values of repeated "
        "hashes exactly. duplicate_rows = rows repeating an earlier value; duplicated_values "
        "= values occurring more than once. Severity: duplicate share >= 1% high, else "
        "medium (integer_id); categorical low (key-likeness is a heuristic)"
    )
    reference = (
        "Codd (1970), A relational model of data for large shared data banks, CACM 13(6) "
        "(candidate keys); Abedjan, Golab & Naumann (2015), Profiling relational data: a "
        "survey, VLDB J. 24(4)"
    )
    access = "streamed; pass 1 key columns (adjacency counts, value hashes), pass 2 repeated hashes"

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
            for c in ctx.params["adjacent"]:
                vals, idx, nulls = int_values(chunk, c)
                state[c] = {**self._segment(vals, idx + chunk.row_start), "nulls": nulls}
            for c in ctx.params["hashed"]:
                h = value_hashes(chunk.column(c))
                valid = np.asarray(chunk.valid(c))
                state[c] = {
                    "n": int(valid.sum()),
                    "nulls": int((~valid).sum()),
                    "hashes": [h[valid]],
                }
            return state
        for c in self.columns_for_pass(ctx):
            cand = ctx.previous[0]["candidates"][c]
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
            if ctx.pass_index == 1:
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
        if ctx.pass_index == 1:
            return state
        result = {"adjacent": {}, "hashed": {}, "candidates": {}}
        for c in ctx.params["adjacent"]:
            result["adjacent"][c] = state[c]
        for c in ctx.params["hashed"]:
            s = state[c]
            hashes = np.concatenate(s["hashes"]) if s["hashes"] else np.empty(0, np.uint64)
            uniq, counts = np.unique(hashes, return_counts=True)
            key_like = s["n"] >= KEY_MIN_CATEGORICAL and uniq.size >= KEY_SHARE * s["n"]
            result["hashed"][c] = {
                "n": s["n"],
                "nulls": s["nulls"],
                "distinct_hashes": int(uniq.size),
                "single_hashes": int(np.count_nonzero(counts == 1)),
                "key_like": bool(key_like),
            }
            result["candidates"][c] = uniq[counts > 1] if key_like else np.empty(0, np.uint64)
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


# ======================================================================================
# constant_columns
# ======================================================================================
NEAR_CONSTANT_SHARE = 0.99


def _comparable(col) -> pa.Array:
    """Values compared by equality: dictionaries decoded, floats with NaN as null and
    -0.0 as 0.0, temporal values as integer counts."""
    arr = decoded(col)
    typ = arr.type
    if pa.types.is_floating(typ):
        arr = pc.cast(arr, pa.float64())
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, pa.float64()), pc.add(arr, 0.0))
    elif _is_time(typ):
        arr = time_ints(arr)
    return arr


def _display(value, arrow_type: pa.DataType):
    if value is None:
        return None
    if _is_time(arrow_type):
        return str(pc.cast(pa.array([value], time_storage(arrow_type)), arrow_type)[0])
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


class ConstantColumns(Analysis):
    id = "constant_columns"
    family = "quality"
    title = "Constant and near-constant columns"
    requires = ALL_KINDS
    exact = True
    passes = 2
    method = (
        "per column (nested types excepted), over non-null values (NaN counts as null; -0.0 = "
        "0.0): pass 1 finds the only possible majority value with a mergeable Misra-Gries "
        "summary of one counter (per chunk from exact value counts); pass 2 counts it exactly. "
        "constant: at most one distinct non-null value (an all-null column is constant, "
        f"severity medium); near-constant: the top value's share of non-null values >= "
        f"{NEAR_CONSTANT_SHARE} (severity low). example_rows: first 20 rows whose non-null value "
        "differs from the top value"
    )
    reference = (
        "Misra & Gries (1982), Finding repeated elements, Sci. Comput. Program. 2(2); Agarwal "
        "et al. (2013), Mergeable summaries, ACM TODS 38(4)"
    )
    access = "streamed; pass 1 per-chunk value counts -> majority candidate, pass 2 exact count"

    def plan(self, dataset, budget):
        # every column up to max_columns (the default); a dataset without columns is
        # screened too (a summary of 0 columns)
        return super().plan(dataset, budget) or Plan((), {}, {})

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            return ctx.columns
        return [c for c, s in ctx.previous[0].items() if s["cand"] is not None]

    def init(self, ctx):
        if ctx.pass_index == 0:
            return {
                c: {"rows": 0, "nn": 0, "cand": None, "est": 0, "nested": False, "type": None}
                for c in ctx.columns
            }
        return {c: {"count": 0, "examples": []} for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            for c in ctx.columns:
                s = state[c]
                s["rows"] = chunk.num_rows
                s["type"] = chunk.column(c).type
                if pa.types.is_nested(s["type"]):
                    s["nested"] = True
                    continue
                arr = _comparable(chunk.column(c))
                valid = pc.drop_null(arr)
                s["nn"] = len(valid)
                if not len(valid):
                    continue
                vc = pc.value_counts(valid)
                counts = np.asarray(vc.field("counts").to_numpy(), dtype=np.int64)
                top = int(np.argmax(counts))
                est = 2 * int(counts[top]) - len(valid)
                if est > 0:
                    s["cand"] = vc.field("values")[top].as_py()
                    s["est"] = est
            return state
        for c in self.columns_for_pass(ctx):
            arr = _comparable(chunk.column(c))
            cand = pa.scalar(ctx.previous[0][c]["cand"], type=arr.type)
            equal = pc.fill_null(pc.equal(arr, cand), True)
            eq = np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)
            valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
            differ = np.flatnonzero(~eq)[:MAX_EXAMPLES] + chunk.row_start
            state[c] = {"count": int(np.count_nonzero(eq & valid)), "examples": differ.tolist()}
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in a:
            x, y = a[c], b[c]
            if ctx.pass_index == 1:
                out[c] = {
                    "count": x["count"] + y["count"],
                    "examples": smallest(x["examples"], y["examples"]),
                }
                continue
            if x["cand"] is not None and y["cand"] is not None and x["cand"] == y["cand"]:
                cand, est = x["cand"], x["est"] + y["est"]
            elif x["est"] >= y["est"]:
                cand, est = x["cand"], x["est"] - y["est"]
            else:
                cand, est = y["cand"], y["est"] - x["est"]
            out[c] = {
                "rows": x["rows"] + y["rows"],
                "nn": x["nn"] + y["nn"],
                "cand": cand if est > 0 else None,
                "est": max(est, 0),
                "nested": x["nested"] or y["nested"],
                "type": x["type"] if x["type"] is not None else y["type"],
            }
        return out

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and any(
            s["cand"] is not None for s in ctx.previous[0].values()
        )

    def findings(self, ctx):
        first = ctx.previous[0]
        counted = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out = []
        nested = [c for c in ctx.columns if first[c]["nested"]]
        for c in ctx.columns:
            s = first[c]
            if s["nested"]:
                continue
            nn = s["nn"]
            top_count = counted[c]["count"] if c in counted else None
            if nn and top_count is None:
                continue  # no majority value: top share <= 1/2
            top_share = share(top_count, nn) if nn else None
            constant = nn == 0 or top_count == nn
            if not constant and top_share < NEAR_CONSTANT_SHARE:
                continue
            values = {
                "rows": s["rows"],
                "null_count": s["rows"] - nn,
                "non_null_count": nn,
                "distinct_non_null": (1 if nn else 0) if constant else None,
                "top_value": _display(s["cand"], s["type"]) if nn else None,
                "top_count": top_count if nn else 0,
                "top_share": top_share,
            }
            units = {
                "rows": "count",
                "null_count": "count",
                "non_null_count": "count",
                "distinct_non_null": "count",
                "top_value": "value",
                "top_count": "count",
                "top_share": "ratio",
            }
            if constant:
                what = "all null" if not nn else f"always {values['top_value']!r}"
                title = f"Column {c!r} is constant ({what})"
            else:
                title = f"Column {c!r} is near-constant ({top_share:.2%} {values['top_value']!r})"
            out.append(
                ctx.finding(
                    kind="constant_column" if constant else "near_constant_column",
                    title=title,
                    subject={"column": c},
                    values=values,
                    units=units,
                    # a calendar part constant over the data (one year) is its coverage,
                    # not a defect
                    severity=(
                        "info"
                        if ctx.dataset.role(c) == ColumnRole.CALENDAR_PART
                        else "medium"
                        if constant
                        else "low"
                    ),
                    columns=[c],
                    example_rows=[] if constant else counted.get(c, {}).get("examples", []),
                    parameters={"near_constant_share": NEAR_CONSTANT_SHARE},
                )
            )
        summary = ctx.finding(
            kind="constant_screen",
            title=f"Constant-column screen: {len(out)} of {len(ctx.columns)} columns flagged",
            subject={"scope": "dataset"},
            values={
                "columns_screened": len(ctx.columns) - len(nested),
                "constant_columns": sum(f["kind"] == "constant_column" for f in out),
                "near_constant_columns": sum(f["kind"] == "near_constant_column" for f in out),
            },
            units={
                "columns_screened": "count",
                "constant_columns": "count",
                "near_constant_columns": "count",
            },
            parameters={"not_screened_nested": nested},
        )
        return cap_findings(ctx, out, summary)


# ======================================================================================
# mixed_types
# ======================================================================================
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_TIME = r"([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?\s*(z|[ap]m|[+-]\d{2}:?\d{2})?)?"
DATE_PATTERN = (
    r"(?i)^("
    r"\d{4}-\d{1,2}-\d{1,2}" + _TIME + r"|"
    r"\d{4}/\d{1,2}/\d{1,2}" + _TIME + r"|"
    r"\d{1,2}[/.-]\d{1,2}[/.-](\d{2}|\d{4})" + _TIME + r"|"
    r"\d{1,2}[ -]" + _MONTH + r"[ -,]*\d{2,4}" + r"|" + _MONTH + r" \d{1,2}(st|nd|rd|th)?,? \d{4}"
    r")$"
)
NUMBER_PATTERN = r"^[+-]?[$€£¥]?(\d+|\d{1,3}(,\d{3})+)?(\.\d*)?([eE][+-]?\d+)?%?$"
WORD_PATTERN = r"\pL"
VALUE_TYPES = ("empty", "date", "number", "word", "other")
MIXED_TYPES = ("number", "date", "word")
MIXED_MIN_SHARE = 0.01
EXAMPLE_VALUES = 5


def classify(strings: pa.Array) -> np.ndarray:
    """Index into VALUE_TYPES of each (non-null) string: empty (blank), date, number (a
    decimal/scientific/thousands-separated number, optional sign, currency, percent), word
    (contains a letter), other — the first that matches, in that order."""
    trimmed = pc.utf8_trim_whitespace(strings)

    def mask(values) -> np.ndarray:
        return np.asarray(pc.fill_null(values, False).to_numpy(zero_copy_only=False), dtype=bool)

    empty = mask(pc.equal(pc.utf8_length(trimmed), 0))
    date = mask(pc.match_substring_regex(trimmed, DATE_PATTERN))
    number = mask(pc.match_substring_regex(trimmed, NUMBER_PATTERN)) & mask(
        pc.match_substring_regex(trimmed, r"\d")
    )
    word = mask(pc.match_substring_regex(trimmed, WORD_PATTERN))
    out = np.full(len(strings), 4, dtype=np.int64)
    for code, m in ((3, word), (2, number), (1, date), (0, empty)):  # last assignment wins
        out[m] = code
    return out


class MixedTypes(Analysis):
    id = "mixed_types"
    family = "quality"
    title = "Mixed value types in string columns"
    requires = (ColumnKind.CATEGORICAL, ColumnKind.TEXT)
    exact = True
    passes = 1
    method = (
        "per string column (categorical or text), every non-null value is classified by "
        "regular expressions (pyarrow.compute, RE2) after trimming whitespace, first match "
        "wins: empty; date (ISO yyyy-mm-dd, yyyy/mm/dd, dd/mm/yyyy-like with / . -, day-month "
        "name-year, month name day year; optional time); number (optional sign/currency, "
        "digits with optional thousands separators, decimals, exponent, percent); word "
        "(contains a letter); other. A 'mixed_types' finding when two or more of number, "
        f"date, word each exceed {MIXED_MIN_SHARE:.0%} of the non-null values; severity medium "
        "when the dominant type holds >= 90% (a typed column polluted by another type), else "
        "low. example_rows: first 20 rows of the non-dominant flagged types; example values: "
        "the first 5 per type"
    )
    reference = (
        "Rahm & Do (2000), Data cleaning: problems and current approaches, IEEE Data Eng. Bull. "
        "23(4); RE2 syntax (github.com/google/re2/wiki/Syntax)"
    )
    access = "streamed; one pass, vectorised regex classification per chunk"

    def init(self, ctx):
        return {
            c: {
                "n": 0,
                "nulls": 0,
                "counts": [0] * len(VALUE_TYPES),
                "first": {t: [] for t in VALUE_TYPES},
            }
            for c in ctx.columns
        }

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            arr = decoded(chunk.column(c))
            if not pa.types.is_string(arr.type) and not pa.types.is_large_string(arr.type):
                arr = pc.cast(arr, pa.string())
            valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
            idx = np.flatnonzero(valid)
            strings = arr.filter(pa.array(valid))
            codes = classify(strings)
            s = state[c]
            s["n"] = int(idx.size)
            s["nulls"] = int(valid.size - idx.size)
            s["counts"] = np.bincount(codes, minlength=len(VALUE_TYPES)).tolist()
            for code, name in enumerate(VALUE_TYPES):
                where = np.flatnonzero(codes == code)[:MAX_EXAMPLES]
                if where.size:
                    texts = strings.take(pa.array(where)).to_pylist()
                    s["first"][name] = [
                        (int(idx[w]) + chunk.row_start, t[:100])
                        for w, t in zip(where.tolist(), texts, strict=True)
                    ]
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in ctx.columns:
            x, y = a[c], b[c]
            out[c] = {
                "n": x["n"] + y["n"],
                "nulls": x["nulls"] + y["nulls"],
                "counts": [p + q for p, q in zip(x["counts"], y["counts"], strict=True)],
                "first": {t: smallest(x["first"][t], y["first"][t]) for t in VALUE_TYPES},
            }
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        flagged_columns = 0
        for c in ctx.columns:
            s = state[c]
            n = s["n"]
            counts = dict(zip(VALUE_TYPES, s["counts"], strict=True))
            shares = {t: share(counts[t], n) for t in VALUE_TYPES}
            flagged = [t for t in MIXED_TYPES if n and counts[t] > MIXED_MIN_SHARE * n]
            if len(flagged) < 2:
                continue
            flagged_columns += 1
            dominant = max(flagged, key=lambda t: (counts[t], -MIXED_TYPES.index(t)))
            minority = [t for t in flagged if t != dominant]
            examples = sorted(p for t in minority for p, _ in s["first"][t])[:MAX_EXAMPLES]
            values = {"count": n, "null_count": s["nulls"]}
            units = {"count": "count", "null_count": "count"}
            for t in VALUE_TYPES:
                values[f"{t}_count"] = counts[t]
                values[f"{t}_share"] = shares[t]
                units[f"{t}_count"] = "count"
                units[f"{t}_share"] = "ratio"
            values["example_values"] = {
                t: [text for _, text in s["first"][t][:EXAMPLE_VALUES]]
                for t in VALUE_TYPES
                if counts[t]
            }
            units["example_values"] = "text"
            severity = "medium" if shares[dominant] >= 0.9 else "low"
            out.append(
                ctx.finding(
                    kind="mixed_types",
                    title=f"Column {c!r} mixes {', '.join(flagged)} values",
                    subject={"column": c},
                    values=values,
                    units=units,
                    severity=severity,
                    columns=[c],
                    example_rows=examples,
                    parameters={
                        "types_flagged": flagged,
                        "dominant_type": dominant,
                        "min_share": MIXED_MIN_SHARE,
                        "date_pattern": DATE_PATTERN,
                        "number_pattern": NUMBER_PATTERN,
                    },
                )
            )
        summary = ctx.finding(
            kind="mixed_types_screen",
            title=f"Mixed-types screen: {flagged_columns} of {len(ctx.columns)} string columns mixed",
            subject={"scope": "dataset"},
            values={"columns_screened": len(ctx.columns), "columns_mixed": flagged_columns},
            units={"columns_screened": "count", "columns_mixed": "count"},
        )
        return cap_findings(ctx, out, summary)


# ======================================================================================
# impossible_values
# ======================================================================================
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
YEAR_DAYS = 365
NUMERIC_MIN_N = 1000
NUMERIC_MAX_NEG_SHARE = 0.001
NUMERIC_P01_OVER_P50 = 0.05


def _earliest_count(typ: pa.DataType) -> int:
    """1900-01-01T00:00Z in the type's integer counts since the epoch."""
    days = (EARLIEST.date() - dt.date(1970, 1, 1)).days
    return days * ticks_per_day(typ)


class ImpossibleValues(Analysis):
    id = "impossible_values"
    family = "quality"
    title = "Impossible values (negative durations, implausible timestamps)"
    requires = (ColumnKind.DURATION, ColumnKind.TIMESTAMP, ColumnKind.NUMERIC)
    exact = True
    passes = 2 + SELECTION_PASSES
    method = (
        "duration columns: values < 0 (severity high when >= 1% of values, else medium). "
        "timestamp/date columns: values before 1900-01-01T00:00 UTC, or later than P99 + "
        f"max({YEAR_DAYS} days, P99 - P1), with P1/P99 the column's own exact order statistics "
        "(numpy 'lower' method, multi-pass radix selection on the integer counts) (severity "
        "high when >= 1%, else medium). numeric columns (conservative): values < 0 are "
        f"reported (severity low) only when the column has >= {NUMERIC_MIN_N} finite values, "
        f"at most {NUMERIC_MAX_NEG_SHARE:.1%} of them negative, and its values pile up against "
        f"zero: 0 <= P1 <= {NUMERIC_P01_OVER_P50} * P50 (exact numpy linear quantiles) — a "
        "Gaussian-like column with a soft tail below zero never qualifies (its P1/P50 >= 0.24 "
        "when <= 0.1% is negative). example_rows: the first 20 offending rows"
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
        # before 1900 legitimately: their timestamps are not checked for plausibility.
        historical = [
            c
            for c in plan.columns
            if dataset.kind(c) == ColumnKind.TIMESTAMP
            and dataset.column(c).role_detail in ("year", "month")
        ]
        columns = tuple(c for c in plan.columns if c not in historical)
        if not columns:
            return None
        left_out = dict(plan.left_out)
        if historical:
            left_out["historical_time_columns"] = historical
        kinds = {c: str(dataset.kind(c)) for c in columns}
        return Plan(columns, {"kinds": kinds}, left_out)

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
                c: {"n": 0, "nulls": 0, "bad": 0, "examples": [], "type": None} for c in ctx.columns
            }
        if run["phase"] == "select":
            return {"ts": {}, "num": {}}
        return {c: {"late": 0, "examples": []} for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        run = self._run(ctx)
        if run is None:
            for c in ctx.columns:
                kind = self._kind(ctx, c)
                if kind == "numeric":
                    vals, idx, nulls, nonfinite = finite_values(chunk, c)
                    bad = np.flatnonzero(vals < 0)
                    nulls += nonfinite
                else:
                    vals, idx, nulls = int_values(chunk, c)
                    if kind == "duration":
                        bad = np.flatnonzero(vals < 0)
                    else:
                        bad = np.flatnonzero(vals < _earliest_count(chunk.column(c).type))
                state[c] = {
                    "n": int(vals.size),
                    "nulls": nulls,
                    "bad": int(bad.size),
                    "examples": (idx[bad[:MAX_EXAMPLES]] + chunk.row_start).tolist(),
                    "type": chunk.column(c).type,
                }
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
            out[c] = {k: x[k] + y[k] for k in x if k not in ("examples", "type")}
            out[c]["examples"] = smallest(x["examples"], y["examples"])
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
    def _lower_ranks(n: int) -> list[int]:
        return [math.floor((n - 1) * 0.01), math.floor((n - 1) * 0.99)]

    def needs_another_pass(self, ctx):
        return self._run(ctx)["phase"] != "done"

    def findings(self, ctx):
        run = self._run(ctx)
        out = []
        for c in ctx.columns:
            kind = self._kind(ctx, c)
            s = run["first"][c]
            n = s["n"]
            base = {"count": n, "null_count": s["nulls"]}
            units = {"count": "count", "null_count": "count"}
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
            elif kind == "timestamp" and c in run["upper"]:
                late = run["late"][c]
                bad = s["bad"] + late["late"]
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
                            "before_1900": s["bad"],
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
                        example_rows=smallest(s["examples"], late["examples"]),
                        parameters={
                            "earliest": "1900-01-01T00:00:00Z",
                            "min_margin_days": YEAR_DAYS,
                        },
                    )
                )
        summary = ctx.finding(
            kind="impossible_values_screen",
            title=f"Impossible-values screen: {len(out)} of {len(ctx.columns)} columns flagged",
            subject={"scope": "dataset"},
            values={
                "duration_columns": sum(self._kind(ctx, c) == "duration" for c in ctx.columns),
                "timestamp_columns": sum(self._kind(ctx, c) == "timestamp" for c in ctx.columns),
                "numeric_columns": sum(self._kind(ctx, c) == "numeric" for c in ctx.columns),
                "columns_flagged": len(out),
            },
            units={
                "duration_columns": "count",
                "timestamp_columns": "count",
                "numeric_columns": "count",
                "columns_flagged": "count",
            },
        )
        return cap_findings(ctx, out, summary)


@hookimpl
def statharness_analyses():
    return [DuplicateRows(), DuplicateKeys(), ConstantColumns(), MixedTypes(), ImpossibleValues()]
