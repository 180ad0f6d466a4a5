"""Arrow IPC sources: the file format (also Feather v2) and the stream format.

This is also the format of the harness's own columnar cache. Files are memory-mapped
(zero-copy, shared between processes through the page cache) and remapped every few
batches so the pages a pass touches do not pile up in the process's RSS (see ``_batches``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from .base import BadRows, dataset_error

IPC_SUFFIXES = (".arrow", ".feather", ".ipc", ".arrows")
REMAP_BATCHES = 8


class ArrowIpcSource:
    format = "arrow_ipc"

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._reader = ipc.open_file(pa.memory_map(str(path), "r"))
            self._stream = False
            self._schema = self._reader.schema
            self._rows = sum(
                self._reader.get_batch(i).num_rows for i in range(self._reader.num_record_batches)
            )
        except pa.ArrowInvalid:
            try:
                with ipc.open_stream(pa.memory_map(str(path), "r")) as reader:
                    self._schema = reader.schema
                    self._rows = sum(b.num_rows for b in reader)
                self._stream = True
            except (pa.ArrowInvalid, OSError) as exc:
                raise dataset_error(path, f"not a readable Arrow IPC/Feather file: {exc}") from None

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    def parts(self) -> Sequence[str]:
        return [self.path.name]

    def row_count(self) -> int:
        return self._rows

    def _batches(self) -> Iterator[pa.RecordBatch]:
        if self._stream:
            with pa.OSFile(str(self.path), "r") as handle:
                yield from ipc.open_stream(handle)
            return
        # Zero-copy reads through a memory map, remapped every REMAP_BATCHES batches: the
        # pages a map has touched count in the process's RSS until it is unmapped, so one
        # map over a whole pass would grow RSS with the rows read. Batches that are still
        # referenced keep their own map alive, so remapping never invalidates data.
        total = self._reader.num_record_batches
        for start in range(0, total, REMAP_BATCHES):
            reader = ipc.open_file(pa.memory_map(str(self.path), "r"))
            for i in range(start, min(start + REMAP_BATCHES, total)):
                yield reader.get_batch(i)
            del reader

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        try:
            for batch in self._batches():
                if columns is not None:
                    batch = batch.select(list(columns))
                for start in range(0, batch.num_rows, batch_size):
                    yield batch.slice(start, batch_size)
        except (pa.ArrowInvalid, OSError) as exc:
            raise dataset_error(self.path, f"corrupt Arrow IPC data: {exc}") from None

    def content_files(self) -> Sequence[Path]:
        return [self.path]

    def bad_rows(self) -> BadRows:
        return BadRows()
