"""What more than one quality analysis uses: process-stable value and row hashing
(``value_hashes``: blake2b for variable-length values, splitmix64 for fixed-width ones,
never Python's ``hash``), the second-pass verification of hash groups on the actual
values (``_verified_groups``, ``_merge_groups``, ``_repeat_summary``), Arrow type tests
and value display.

Shared by duplicate_rows and duplicate_keys (hashing, verification) and constant_columns
and impossible_values (display); kept here so each analysis module holds only its own
code. Nothing here is registered.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import ColumnKind, Setting

from .._shared.hist import (
    MAX_EXAMPLES,
    decoded,
    smallest,
    time_ints,
    time_storage,
)

ALL_KINDS = tuple(ColumnKind)

# -- hash partitions (duplicate_rows, duplicate_keys) ---------------------------------------
PARTITION_ROWS_SETTING = "quality.partition_rows"


def _parse_rows(text: str) -> int:
    rows = int(str(text).replace("_", ""))
    if rows < 1:
        raise ValueError(f"{PARTITION_ROWS_SETTING} must be >= 1, not {text!r}")
    return rows


#: Forces the partition size of the hash-partitioned analyses (tests, tuning); by default
#: it follows from the item's memory budget. Findings never depend on it.
PARTITION_ROWS = Setting(
    PARTITION_ROWS_SETTING,
    "rows per hash partition (and candidate rows per verification pass) of duplicate_rows "
    "and duplicate_keys; default: from the item's memory budget (--stat-cap memory_mb=N). "
    "Findings do not depend on it, only passes and memory do",
    parse=_parse_rows,
)


def _partition_of(hashes: np.ndarray, partitions: int) -> np.ndarray:
    """Partition of each hash: contiguous ranges of the top 32 bits, so partitions are in
    hash order and equal values (equal hashes) always share one."""
    if partitions == 1:
        return np.zeros(hashes.size, dtype=np.int64)
    top = (hashes >> np.uint64(32)).astype(np.int64)
    return (top * partitions) >> 32


def partitions_for(rows: int, rows_per_partition: int) -> int:
    """Partitions so that one holds at most ``rows_per_partition`` rows on average."""
    return max(1, -(-rows // max(1, rows_per_partition)))


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
