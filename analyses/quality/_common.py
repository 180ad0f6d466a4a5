"""What more than one quality analysis uses: process-stable value and row hashing
(``value_hashes``: ``bytes_hashes``, integer-only numpy over the Arrow buffers, for
strings and binaries; splitmix64 for fixed-width values; blake2b for nested ones; never
Python's ``hash``), hash spills grouped by hash partition (``HashSpill``), the
second-pass verification of hash groups on the actual values (``_verified_groups``,
``_merge_groups``, ``_repeat_summary``), Arrow type tests and value display.

Shared by duplicate_rows and duplicate_keys (hashing, verification) and constant_columns
and impossible_values (display); kept here so each analysis module holds only its own
code. Nothing here is registered.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

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


#: At most this many rows (or values) per hash partition, whatever the budget: the hashes
#: are computed once and spilled, so more partitions cost no re-reading, and peak memory
#: stays flat as the table grows.
MAX_PARTITION_ROWS = 1 << 20


def spill_folder(dataset) -> Path:
    """Where hash spills go: the session's spill folder, else the temporary folder (the
    item's scratch folder while an item runs)."""
    folder = getattr(dataset, "spill_dir", None)
    return Path(folder) if folder is not None else Path(tempfile.gettempdir())


@dataclass(frozen=True, slots=True)
class HashSpill:
    """One chunk's hashes on disk, grouped by partition: ``rows`` uint64 hashes, then (with
    positions) their uint32 row offsets in the chunk; partition p is entries
    ``bounds[p]:bounds[p+1]`` (offsets ascending within it)."""

    path: str
    rows: int
    bounds: tuple[int, ...]
    positions: bool

    @classmethod
    def write(cls, folder: Path, hashes: np.ndarray, partitions: int, positions: bool = True):
        part = _partition_of(hashes, partitions)
        order = np.argsort(part.astype(np.uint16) if partitions < 2**16 else part, kind="stable")
        bounds = np.zeros(partitions + 1, dtype=np.int64)
        np.cumsum(np.bincount(part, minlength=partitions), out=bounds[1:])
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"hashes-{os.getpid()}-{uuid.uuid4().hex}.bin"
        with open(path, "wb") as out:
            out.write(np.ascontiguousarray(hashes[order], dtype=np.uint64).tobytes())
            if positions:
                out.write(order.astype(np.uint32).tobytes())
        return cls(str(path), int(hashes.size), tuple(bounds.tolist()), positions)

    def read(self, partition: int) -> tuple[np.ndarray, np.ndarray | None]:
        """(hashes, chunk row offsets or None) of one partition."""
        lo, hi = self.bounds[partition], self.bounds[partition + 1]
        if hi == lo:
            empty = np.empty(0, np.uint32) if self.positions else None
            return np.empty(0, np.uint64), empty
        hashes = np.fromfile(self.path, dtype=np.uint64, count=hi - lo, offset=8 * lo)
        if not self.positions:
            return hashes, None
        offset = 8 * self.rows + 4 * lo
        return hashes, np.fromfile(self.path, dtype=np.uint32, count=hi - lo, offset=offset)

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


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


# -- vectorised hashing of variable-length values ------------------------------------------
_WORD_K = 0xD6E8FEB86659FD93
_LEN_K = np.uint64(0xA0761D6478BD642F)
#: _LOW[r]: the low r bytes of a word (r = 0..8)
_LOW = np.array([(1 << (8 * r)) - 1 for r in range(9)], dtype=np.uint64)
#: words 0 .. _DENSE_WORDS-1 are hashed column-wise over the values still that long; the
#: rest (values longer than 8 * _DENSE_WORDS bytes) word by word in one ragged batch
_DENSE_WORDS = 8


def _word_key(j) -> np.ndarray | np.uint64:
    """The key added to word ``j`` of a value before mixing (wrapping arithmetic)."""
    if isinstance(j, np.ndarray):
        return (j.astype(np.uint64) + np.uint64(1)) * np.uint64(_WORD_K)
    return np.uint64(((j + 1) * _WORD_K) % 2**64)


def bytes_hashes(offsets: np.ndarray, data: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each byte string ``data[offsets[i]:offsets[i+1]]``.

    Integer arithmetic only (uint64, wrapping), so the same on every CPU: each value is
    read as little-endian 64-bit words (the last one zero-padded), word j contributes
    splitmix64(word + (j+1) K), the contributions are summed (mod 2^64) and the sum is
    mixed with the length: ``h = splitmix64(sum ^ splitmix64((len + 1) L))``. Equal bytes
    give equal hashes wherever they sit in the buffer (offsets may start anywhere).
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    n = offsets.size - 1
    if n <= 0:
        return np.empty(0, dtype=np.uint64)
    base, end = int(offsets[0]), int(offsets[-1])
    buf = np.zeros(end - base + 8, dtype=np.uint8)  # 8 bytes of padding: whole-word reads
    buf[: end - base] = data[base:end]
    # word k: the 8 bytes from byte k (unaligned, strides of one byte)
    words = np.ndarray(shape=(end - base + 1,), dtype="<u8", buffer=buf, strides=(1,))
    starts = offsets[:-1] - base
    lengths = offsets[1:] - offsets[:-1]
    acc = np.zeros(n, dtype=np.uint64)
    active = np.flatnonzero(lengths > 0)
    j = 0
    while active.size and j < _DENSE_WORDS:
        rest = lengths[active] - 8 * j
        word = words[starts[active] + 8 * j] & _LOW[np.minimum(rest, 8)]
        acc[active] += _mix(word + _word_key(j))
        j += 1
        active = active[rest > 8]
    if active.size:  # the words from j on of the long values, in one ragged batch
        count = (lengths[active] - 8 * j + 7) >> 3
        owner = np.repeat(active, count)
        first = np.cumsum(count) - count
        word = np.arange(owner.size, dtype=np.int64) - np.repeat(first, count) + j
        rest = lengths[owner] - 8 * word
        values = words[starts[owner] + 8 * word] & _LOW[np.minimum(rest, 8)]
        contrib = _mix(values + _word_key(word))
        sums = np.zeros(owner.size + 1, dtype=np.uint64)
        np.cumsum(contrib, out=sums[1:])
        acc[active] += sums[first + count] - sums[first]
    return _mix(acc ^ _mix((lengths.astype(np.uint64) + np.uint64(1)) * _LEN_K))


def _binary_hashes(arr: pa.Array) -> np.ndarray:
    """``bytes_hashes`` of a string or binary array's values (null slots: anything)."""
    typ = arr.type
    n = len(arr)
    if pa.types.is_fixed_size_binary(typ):
        width = typ.byte_width
        offsets = (np.arange(n + 1, dtype=np.int64) + arr.offset) * width
        data_buf = arr.buffers()[1]
    else:
        if not (
            pa.types.is_string(typ)
            or pa.types.is_large_string(typ)
            or pa.types.is_binary(typ)
            or pa.types.is_large_binary(typ)
        ):  # string_view / binary_view
            arr = pc.cast(arr, pa.large_binary())
            typ = arr.type
        wide = pa.types.is_large_string(typ) or pa.types.is_large_binary(typ)
        buffers = arr.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int64 if wide else np.int32)
        offsets = offsets[arr.offset : arr.offset + n + 1].astype(np.int64)
        data_buf = buffers[2]
    data = (
        np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.empty(0, np.uint8)
    )
    return bytes_hashes(offsets, data)


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

    Equal canonical values (see :func:`canonical_values`) always get equal hashes, however
    the column is chunked, sliced or dictionary-encoded.
    """
    if isinstance(col, pa.ChunkedArray):
        if col.num_chunks == 1:
            col = col.chunk(0)
        elif col.num_chunks == 0:
            return np.empty(0, dtype=np.uint64)
        elif pa.types.is_dictionary(col.type) or _is_stringish(col.type):
            return np.concatenate([value_hashes(c) for c in col.chunks])
    if isinstance(col, pa.Array) and pa.types.is_dictionary(col.type):
        if _is_stringish(col.type.value_type):  # hash the dictionary once, then index it
            table = np.append(_stringish_hashes(col.dictionary), _NULL)  # never empty
            idx = np.asarray(pc.fill_null(col.indices, 0).to_numpy(zero_copy_only=False))
            out = table[idx.astype(np.int64)] if len(col) else np.empty(0, np.uint64)
            out[~_valid(col)] = _NULL
            return out
    arr = decoded(col)
    typ = arr.type
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
        out[~_valid(arr)] = _NULL
        return out
    if _is_stringish(typ):
        return _stringish_hashes(arr)
    values = canonical_values(arr)
    return np.array(
        [_NULL if v is None else np.uint64(_blake(repr(v).encode("utf-8"))) for v in values],
        dtype=np.uint64,
    )


def _valid(arr: pa.Array) -> np.ndarray:
    if arr.null_count == 0:
        return np.ones(len(arr), dtype=bool)
    return np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)


def _stringish_hashes(arr: pa.Array) -> np.ndarray:
    """``bytes_hashes`` of a string/binary array, null slots set to the null hash."""
    out = _binary_hashes(arr)
    if arr.null_count:
        out[~_valid(arr)] = _NULL
    return out


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


def missing_masks(chunk, names) -> tuple[np.ndarray, np.ndarray]:
    """(missing mask per column, shape (columns, rows); NaN count per column): missing is
    null, or NaN in a float column (what ``pandas.isna`` says)."""
    masks = np.empty((len(names), chunk.num_rows), dtype=bool)
    nans = np.zeros(len(names), dtype=np.int64)
    for i, name in enumerate(names):
        col = chunk.column(name)
        missing = pc.is_null(col)
        if pa.types.is_floating(col.type):
            nan = pc.fill_null(pc.is_nan(col), False)
            nans[i] = int(pc.sum(pc.cast(nan, pa.int64())).as_py() or 0)
            missing = pc.or_(missing, nan)
        masks[i] = np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool)
    return masks, nans
