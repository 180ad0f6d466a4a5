"""Parquet sources: one file, or a (hive-)partitioned folder of files.

Reads through ``ParquetFile(..., pre_buffer=False).iter_batches`` rather than the
``pyarrow.dataset`` scanner: the scanner reads ahead without bound when the consumer is
slow (over 1 GB held at 20M rows), while this path stays near the batch size.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from .base import BadRows, dataset_error

PARQUET_SUFFIXES = (".parquet", ".pq", ".parq")


def _open_file(path: Path) -> pq.ParquetFile:
    try:
        return pq.ParquetFile(path, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as exc:
        raise dataset_error(path, f"not a readable Parquet file: {exc}") from None


def _hive_values(relative: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    for part in relative.parent.parts:
        if "=" in part:
            key, _, value = part.partition("=")
            values[key] = value
    return values


class ParquetSource:
    format = "parquet"

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            files = sorted(
                (p for p in path.rglob("*") if p.is_file() and p.suffix in PARQUET_SUFFIXES),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            if not files:
                raise dataset_error(
                    path, "folder holds no Parquet files", "expected *.parquet files inside"
                )
            self._files = files
        else:
            self._files = [path]
        self._readers = [self._open(f) for f in self._files]
        schemas = [r.schema_arrow for r in self._readers]
        base = schemas[0]
        for file, schema in zip(self._files[1:], schemas[1:], strict=True):
            if not schema.equals(base):
                raise dataset_error(
                    file,
                    "schema differs from the first file of the folder",
                    "every file of a partitioned dataset must have the same columns and types",
                )
        self._partition_values = [
            _hive_values(f.relative_to(path)) if path.is_dir() else {} for f in self._files
        ]
        keys = sorted({k for values in self._partition_values for k in values})
        fields = list(base)
        for key in keys:
            if key not in base.names:
                fields.append(pa.field(key, pa.string()))
        self._partition_keys = [k for k in keys if k not in base.names]
        self._schema = pa.schema(fields)

    def _open(self, file: Path) -> pq.ParquetFile:
        """One file of the source; in a folder, the error says the folder was read as a
        partitioned Parquet dataset and names the file inside it (a folder of anything
        was refused naming only 'fake.parquet', as if it were the file given)."""
        if not self.path.is_dir():
            return _open_file(file)
        try:
            return pq.ParquetFile(file, pre_buffer=False)
        except (pa.ArrowInvalid, OSError) as exc:
            inside = file.relative_to(self.path).as_posix()
            raise dataset_error(
                self.path,
                "read as a partitioned Parquet dataset (a folder), but its file "
                f"{inside!r} is not a readable Parquet file: {exc}",
                "give a file, or a folder holding only the Parquet files of one table",
            ) from None

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    def parts(self) -> Sequence[str]:
        if not self.path.is_dir():
            return [self.path.name]
        return [f.relative_to(self.path).as_posix() for f in self._files]

    def row_count(self) -> int:
        return sum(r.metadata.num_rows for r in self._readers)

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        reader = self._readers[part]
        wanted = list(columns) if columns is not None else self._schema.names
        file_columns = [c for c in wanted if c in reader.schema_arrow.names]
        values = self._partition_values[part]
        try:
            for batch in reader.iter_batches(batch_size=batch_size, columns=file_columns):
                if not self._partition_keys or not any(c in self._partition_keys for c in wanted):
                    yield batch
                    continue
                arrays = []
                for name in wanted:
                    if name in self._partition_keys:
                        arrays.append(pa.array([values.get(name)] * batch.num_rows, pa.string()))
                    else:
                        arrays.append(batch.column(name))
                yield pa.RecordBatch.from_arrays(arrays, names=wanted)
        except (pa.ArrowInvalid, OSError) as exc:
            raise dataset_error(self._files[part], f"corrupt Parquet data: {exc}") from None

    def content_files(self) -> Sequence[Path]:
        return list(self._files)

    def bad_rows(self) -> BadRows:
        return BadRows()
