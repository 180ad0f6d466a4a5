"""SQLite table sources, addressed as ``file.db::table``.

SQLite columns are dynamically typed, so the Arrow type of each column is decided from
the storage classes actually present (``typeof``), not only from the declared type:
integers stay int64, integers mixed with reals become float64, anything mixed with text
becomes string. Rows stream in ``rowid`` order (a stable order for the canonical chunks).
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path

import pyarrow as pa

from .base import BadRows, dataset_error

SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
_TIMESTAMP_DECLS = ("DATE", "TIME")


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def read_only_uri(path: Path) -> str:
    """A ``file:`` URI opening ``path`` read-only: every character that means something in
    a URI (``%``, ``?``, ``#``, spaces...) is percent-escaped, so ``we%20ird?x.db`` opens
    that file and no other, and ``mode=ro`` never creates a missing one."""
    from urllib.parse import quote

    return "file:" + quote(os.path.abspath(path), safe="/") + "?mode=ro"


class SqliteSource:
    format = "sqlite"

    def __init__(self, path: Path, table: str) -> None:
        self.path = path
        self.table = table
        if not path.is_file():
            raise dataset_error(path, "does not exist")
        try:
            self._conn = sqlite3.connect(read_only_uri(path), uri=True)
            tables = [
                r[0]
                for r in self._conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table','view') ORDER BY name"
                )
            ]
        except sqlite3.DatabaseError as exc:
            raise dataset_error(path, f"not a readable SQLite database: {exc}") from None
        if table not in tables:
            raise dataset_error(
                path, f"has no table {table!r}", f"tables: {', '.join(tables) or 'none'}"
            )
        info = self._conn.execute(f"PRAGMA table_info({_quote(table)})").fetchall()
        self._columns = [row[1] for row in info]
        declared = {row[1]: (row[2] or "").upper() for row in info}
        fields = []
        for name in self._columns:
            classes = {
                r[0]
                for r in self._conn.execute(
                    f"SELECT DISTINCT typeof({_quote(name)}) FROM {_quote(table)}"
                )
            } - {"null"}
            fields.append(pa.field(name, self._arrow_type(classes, declared[name])))
        self._schema = pa.schema(fields)
        self._rows = self._conn.execute(f"SELECT count(*) FROM {_quote(table)}").fetchone()[0]
        self._has_rowid = True
        try:
            self._conn.execute(f"SELECT rowid FROM {_quote(table)} LIMIT 1").fetchall()
        except sqlite3.OperationalError:
            self._has_rowid = False

    @staticmethod
    def _arrow_type(classes: set[str], declared: str) -> pa.DataType:
        if classes == {"integer"}:
            return pa.int64()
        if classes and classes <= {"integer", "real"}:
            return pa.float64()
        if classes == {"blob"}:
            return pa.binary()
        if classes == {"text"} and any(token in declared for token in _TIMESTAMP_DECLS):
            return pa.timestamp("us")
        if not classes:
            return pa.float64() if "REAL" in declared or "INT" in declared else pa.string()
        return pa.string()

    @property
    def schema(self) -> pa.Schema:
        return self._schema

    def parts(self) -> Sequence[str]:
        return [f"{self.path.name}::{self.table}"]

    def row_count(self) -> int:
        return int(self._rows)

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        names = list(columns) if columns is not None else list(self._columns)
        select = ", ".join(_quote(n) for n in names) or "1"
        order = " ORDER BY rowid" if self._has_rowid else ""
        schema = pa.schema([self._schema.field(n) for n in names])
        cursor = self._conn.execute(f"SELECT {select} FROM {_quote(self.table)}{order}")
        while True:
            try:
                rows = cursor.fetchmany(batch_size)
            except sqlite3.Error as exc:
                raise dataset_error(
                    self.path, f"table {self.table!r} cannot be read: {exc}"
                ) from None
            if not rows:
                return
            arrays = []
            for i, field in enumerate(schema):
                values = [row[i] for row in rows]
                arrays.append(self._to_array(values, field))
            yield pa.RecordBatch.from_arrays(arrays, schema=schema)

    def _to_array(self, values: list, field: pa.Field) -> pa.Array:
        if pa.types.is_timestamp(field.type):
            import pyarrow.compute as pc

            try:
                return pc.cast(pa.array(values, pa.string()), field.type)
            except pa.ArrowInvalid as exc:
                raise dataset_error(
                    self.path, f"column {field.name!r} is declared a date/time but holds {exc}"
                ) from None
        if pa.types.is_string(field.type):
            values = [v if v is None or isinstance(v, str) else str(v) for v in values]
        try:
            return pa.array(values, field.type)
        except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
            raise dataset_error(self.path, f"column {field.name!r}: {exc}") from None

    def content_files(self) -> Sequence[Path]:
        return [self.path]

    def bad_rows(self) -> BadRows:
        return BadRows()
