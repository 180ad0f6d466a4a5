"""Canonical chunks: the unit every analysis updates on, whatever the IO batches were.

The engine re-slices a source's batches into rows ``[k*C, (k+1)*C)`` of each part, with
``C`` fixed (and recorded in the dataset fingerprint). Analyses see the same chunks, in
the same order, for any ``--stat-batch-size``: that is what makes findings byte-identical
across batch sizes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DEFAULT_CHUNK_ROWS = 65536


@dataclass(frozen=True, eq=False)
class Chunk:
    """One canonical chunk: ``index`` counts chunks over the whole dataset, ``row_start``
    is the dataset-wide position of its first row (positions are what findings cite)."""

    index: int
    part: int
    row_start: int
    table: pa.Table
    #: Dataset-wide positions of the rows when they are not ``row_start + i`` (a chunk of
    #: a regrouped view, see :mod:`.regroup`); None for a chunk in the dataset's own order.
    origin: np.ndarray | None = None

    def positions_of(self, local: np.ndarray) -> np.ndarray:
        """Dataset-wide positions (what findings cite) of the chunk rows ``local``."""
        local = np.asarray(local, dtype=np.int64)
        if self.origin is None:
            return local + self.row_start
        return self.origin[local]

    @property
    def num_rows(self) -> int:
        return self.table.num_rows

    def column(self, name: str) -> pa.ChunkedArray:
        return self.table.column(name)

    def valid(self, name: str) -> np.ndarray:
        """Boolean mask of non-null (and, for floats, non-NaN) values."""
        col = self.table.column(name)
        mask = pc.is_valid(col)
        if pa.types.is_floating(col.type):
            mask = pc.and_(mask, pc.invert(pc.is_nan(col)))
        return np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool)

    def floats(self, name: str) -> np.ndarray:
        """The column as float64 with nulls as NaN (timestamps and durations in their unit)."""
        return self._floats(name)

    def _floats(self, name: str) -> np.ndarray:
        col = self.table.column(name)
        typ = col.type
        if pa.types.is_timestamp(typ) or pa.types.is_duration(typ) or pa.types.is_date(typ):
            col = (
                pc.cast(col, pa.int64())
                if not pa.types.is_date32(typ)
                else pc.cast(pc.cast(col, pa.int32()), pa.int64())
            )
        if pa.types.is_boolean(col.type):
            col = pc.cast(col, pa.int8())
        if col.null_count == 0:
            return np.asarray(col.to_numpy(), dtype=np.float64)
        if pa.types.is_floating(col.type):
            return np.asarray(pc.fill_null(col, float("nan")).to_numpy(), dtype=np.float64)
        # whole numbers converted by numpy, as without nulls: Arrow's checked cast refuses
        # integers beyond 2**53 (microseconds of a date before 1685), numpy rounds them
        arr = np.asarray(pc.fill_null(col, 0).to_numpy(), dtype=np.float64)
        arr[np.asarray(pc.is_null(col).to_numpy(zero_copy_only=False))] = np.nan
        return arr

    def values(self, name: str) -> np.ndarray:
        """Only the valid values of a numeric column, as float64."""
        data = self._floats(name)
        return data[~np.isnan(data)]

    @cached_property
    def positions(self) -> np.ndarray:
        if self.origin is not None:
            return self.origin
        return np.arange(self.row_start, self.row_start + self.num_rows, dtype=np.int64)


def canonical_chunks(
    parts: Iterable[Iterable[pa.RecordBatch]],
    chunk_rows: int,
    schema: pa.Schema,
    *,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[Chunk]:
    """Re-slice each part's batches into chunks of exactly ``chunk_rows`` rows.

    Each part restarts the slicing (rows ``[k*C, (k+1)*C)`` *of each part*), so the chunks
    of a partitioned dataset do not depend on how its files were read.

    ``start``/``stop``: yield only the chunks whose index is in ``[start, stop)`` — the
    range one task of the distributed engine folds (:mod:`..engine_dask`). The chunks
    before ``start`` are counted, never built (zero-copy slices, no concatenation), and
    reading stops at ``stop``; the chunks yielded are the very ones a full pass yields.
    """
    index = 0
    row_start = 0
    for part_index, batches in enumerate(parts):
        pending: list[pa.RecordBatch] = []
        pending_rows = 0
        for batch in batches:
            if stop is not None and index >= stop:
                return
            if batch.num_rows == 0:
                continue
            pending.append(batch)
            pending_rows += batch.num_rows
            while pending_rows >= chunk_rows:
                if index < start:
                    pending = _drop_rows(pending, chunk_rows)
                else:
                    table = pa.Table.from_batches(pending, schema=schema)
                    head = table.slice(0, chunk_rows).combine_chunks()
                    rest = table.slice(chunk_rows)
                    pending = rest.to_batches() if rest.num_rows else []
                    # the blocks copied into ``head`` are not held while it is used (the
                    # rest keeps only the last of them), nor ``head`` while the next chunk
                    # is gathered: peak memory is one chunk, not three
                    del table, rest
                    batch = None  # (the while may cut a second chunk from it: in pending)
                    yield Chunk(index, part_index, row_start, head)
                    del head
                index += 1
                row_start += chunk_rows
                pending_rows -= chunk_rows
                if stop is not None and index >= stop:
                    return
        if pending_rows:
            if index >= start:
                table = pa.Table.from_batches(pending, schema=schema).combine_chunks()
                yield Chunk(index, part_index, row_start, table)
            index += 1
            row_start += pending_rows


def _drop_rows(batches: list[pa.RecordBatch], rows: int) -> list[pa.RecordBatch]:
    """The batches without their first ``rows`` rows (zero-copy slices)."""
    out: list[pa.RecordBatch] = []
    for batch in batches:
        if rows >= batch.num_rows:
            rows -= batch.num_rows
            continue
        out.append(batch.slice(rows) if rows else batch)
        rows = 0
    return out
