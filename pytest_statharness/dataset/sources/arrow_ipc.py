"""Arrow IPC sources: the file format (also Feather v2) and the stream format.

This is also the format of the harness's own columnar cache. Metadata is read through a
memory map; batches are read with plain file reads (see ``_batches``) so a process's RSS
stays bounded by the batch, while the OS page cache shares the file between processes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from .base import BadRows, dataset_error

IPC_SUFFIXES = (".arrow", ".feather", ".ipc", ".arrows")


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
        # Read with ordinary file reads, not the memory map: mapped pages that were touched
        # stay in the process's RSS for as long as the map lives, so a full pass would grow
        # it by the size of the columns read. Reads keep RSS at about one batch; the OS
        # page cache still shares the file between workers.
        with pa.OSFile(str(self.path), "r") as handle:
            if self._stream:
                yield from ipc.open_stream(handle)
            else:
                reader = ipc.open_file(handle)
                for i in range(reader.num_record_batches):
                    yield reader.get_batch(i)

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
