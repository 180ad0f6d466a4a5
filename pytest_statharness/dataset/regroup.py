"""A dataset's rows grouped by one column and ordered by another, spilled to disk.

Event logs are usually exported in time order: the events of a case are spread over the
whole file, and a per-case fold would have to hold every open case in memory. This module
builds, with bounded memory, a copy of the rows grouped by case (cases in sorted order)
and in time order within each case (ties: the original row order), so that a fold over it
sees each case in one run:

1. one pass collects the distinct case values (Arrow arrays, sorted once);
2. one pass writes every row, with its original position, to one of P partition files by
   the rank of its case (contiguous case ranges: partition p holds the cases of ranks
   ``[p*n/P, (p+1)*n/P)``), P chosen so that a partition holds about
   ``PARTITION_ROWS`` rows;
3. each partition is read alone, sorted by (case, time, original position) and appended
   to the final Arrow IPC file.

Peak memory is one partition (plus the case dictionary), whatever the row count. The copy
lives in the session's spill folder (``<home>/cache/grouped``), is named by the dataset
fingerprint and the two columns, and is published atomically: xdist workers share it.
Chunks read from it carry the original row positions (:attr:`Chunk.origin`), so findings
cite the dataset's own rows.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .chunks import Chunk, canonical_chunks

PARTITION_ROWS = 1_000_000
ORIGIN = "__statharness_row__"


class GroupedView:
    """The rows of ``dataset`` grouped by ``group`` and ordered by ``order`` in a group."""

    def __init__(self, dataset, group: str, order: str, path: Path, partitions: int) -> None:
        self.dataset = dataset
        self.group = group
        self.order = order
        self.path = path
        self.partitions = partitions
        self.name = dataset.name
        self.row_count = dataset.row_count
        self.fingerprint = dataset.fingerprint

    def chunk_count(self) -> int:
        """How many canonical chunks a pass over the copy yields (one part)."""
        return -(-self.row_count // self.dataset.chunk_rows)

    def iter_chunks(
        self,
        columns: Sequence[str] | None = None,
        batch_size: int = 65536,
        *,
        start: int = 0,
        stop: int | None = None,
        raw_codes: bool = False,
    ) -> Iterator[Chunk]:
        """Canonical chunks of the copy; ``start``/``stop`` as in ``Dataset.iter_chunks``.
        The copy holds the rows as analyses read them, missing-value codes as nulls
        (``raw_codes`` is accepted for the engine's sake: the one analysis reading codes
        as written, capped_values, reads the dataset in its own order)."""
        names = list(columns) if columns is not None else self.dataset.column_names
        with pa.memory_map(str(self.path)) as source:
            reader = pa.ipc.open_file(source)
            schema = pa.schema([reader.schema.field(n) for n in [*names, ORIGIN]])
            batches = (
                reader.get_batch(i).select([*names, ORIGIN])
                for i in range(reader.num_record_batches)
            )
            chunks = canonical_chunks(
                [batches], self.dataset.chunk_rows, schema, start=start, stop=stop
            )
            for chunk in chunks:
                origin = np.asarray(chunk.table.column(ORIGIN).to_numpy(), dtype=np.int64)
                yield Chunk(
                    chunk.index,
                    chunk.part,
                    chunk.row_start,
                    chunk.table.drop_columns([ORIGIN]),
                    origin=origin,
                )


def spill_path(dataset, group: str, order: str, folder: Path) -> Path:
    key = hashlib.sha256(
        f"{dataset.fingerprint}\0{group}\0{order}\0{dataset.chunk_rows}".encode()
    ).hexdigest()[:32]
    return folder / f"grouped-{key}.arrow"


def grouped_view(dataset, group: str, order: str, folder: Path | None = None) -> GroupedView:
    """Build (or reuse) the grouped copy of ``dataset`` and return a view over it."""
    folder = Path(folder) if folder is not None else Path(tempfile.gettempdir()) / "statharness"
    folder.mkdir(parents=True, exist_ok=True)
    path = spill_path(dataset, group, order, folder)
    partitions = max(1, -(-dataset.row_count // PARTITION_ROWS))
    if not path.exists():
        _build(dataset, group, order, path, partitions)
    return GroupedView(dataset, group, order, path, partitions)


def _sorted_cases(dataset, group: str) -> pa.Array:
    seen: list[pa.Array] = []
    for chunk in dataset.iter_chunks([group]):
        column = chunk.column(group)
        if isinstance(column, pa.ChunkedArray):
            column = column.combine_chunks()
        seen.append(pc.unique(pc.drop_null(column)))
        if len(seen) >= 64:  # keep the dictionary compact while streaming
            seen = [pc.unique(pa.concat_arrays(seen))]
    if not seen:
        return pa.array([], type=dataset_type(dataset, group))
    values = pc.unique(pa.concat_arrays(seen))
    return values.take(pc.sort_indices(values))


def dataset_type(dataset, column: str) -> pa.DataType:
    return next(iter(dataset.iter_chunks([column]))).column(column).type


def _build(dataset, group: str, order: str, path: Path, partitions: int) -> None:
    names = dataset.column_names
    cases = _sorted_cases(dataset, group)
    n_cases = max(len(cases), 1)
    tmp = Path(tempfile.mkdtemp(prefix=".grouped-", dir=path.parent))
    try:
        writers: dict[int, pa.ipc.RecordBatchFileWriter] = {}
        schema = None
        for chunk in dataset.iter_chunks(names):
            table = chunk.table.append_column(
                ORIGIN,
                pa.array(np.arange(chunk.num_rows, dtype=np.int64) + chunk.row_start),
            )
            schema = table.schema
            rank = pc.index_in(table.column(group), value_set=cases)
            rank_np = np.asarray(pc.fill_null(rank, 0).to_numpy(zero_copy_only=False))
            part = rank_np.astype(np.int64) * partitions // n_cases
            for p in np.unique(part).tolist():
                piece = table.filter(pa.array(part == p))
                if p not in writers:
                    writers[p] = pa.ipc.new_file(str(tmp / f"part-{p:06d}.arrow"), schema)
                writers[p].write_table(piece)
        for writer in writers.values():
            writer.close()
        out = tmp / "grouped.arrow"
        with pa.ipc.new_file(str(out), schema or _empty_schema(dataset, names)) as final:
            for p in sorted(writers):
                part_file = tmp / f"part-{p:06d}.arrow"
                with pa.memory_map(str(part_file)) as source:
                    table = pa.ipc.open_file(source).read_all()
                ordered = table.sort_by(
                    [(group, "ascending"), (order, "ascending"), (ORIGIN, "ascending")]
                )
                final.write_table(ordered)
                del table, ordered
                part_file.unlink()
        os.replace(out, path)  # atomic publish: a concurrent builder's copy is identical
    finally:
        for leftover in tmp.glob("*"):
            leftover.unlink()
        tmp.rmdir()


def _empty_schema(dataset, names) -> pa.Schema:
    chunk = next(iter(dataset.iter_chunks(names)))
    return chunk.table.schema.append(pa.field(ORIGIN, pa.int64()))
