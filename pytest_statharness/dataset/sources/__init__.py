"""Format detection: which source adapter opens a given path.

The suffix decides first; a file without a known suffix is recognised by its magic bytes
(Parquet ``PAR1``, Arrow ``ARROW1``, SQLite's header). Anything else is refused with a
message that lists the formats the harness reads.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .arrow_ipc import IPC_SUFFIXES, ArrowIpcSource
from .base import BadRows, Source, dataset_error
from .csv import CSV_COMPRESSED, CSV_SUFFIXES, DELIMITERS, CsvSource
from .parquet import PARQUET_SUFFIXES, ParquetSource
from .sqlite import SQLITE_SUFFIXES, SqliteSource

SUPPORTED = (
    "Parquet (file or folder), CSV/TSV (also .gz/.bz2), SQLite (file.db::table), Arrow IPC/Feather"
)


def check_file_kind(path: Path) -> None:
    """Refuse anything but a regular file or a folder, before it is opened: a FIFO or a
    character device would block the session forever or stream without end."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        raise dataset_error(path, f"cannot be read: {exc.strerror}") from None
    if stat.S_ISREG(mode) or stat.S_ISDIR(mode):
        return
    kind = (
        "a FIFO (named pipe)"
        if stat.S_ISFIFO(mode)
        else "a device"
        if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket"
        if stat.S_ISSOCK(mode)
        else "not a regular file"
    )
    raise dataset_error(path, f"is {kind}", "give a regular file or a folder of Parquet files")


def detect_format(path: Path) -> str:
    """Name the format of ``path``: parquet, csv, sqlite or arrow_ipc."""
    check_file_kind(path)
    if path.is_dir():
        return "parquet"
    name = path.name.lower()
    if name.endswith(PARQUET_SUFFIXES):
        return "parquet"
    if name.endswith(CSV_SUFFIXES):
        head = _first_bytes(path) if not name.endswith(CSV_COMPRESSED) else b""
        packed = _compression(head)
        if packed is not None:
            # a .csv that is really a .csv.gz would fail on a NUL byte, naming no format
            suffix, label = packed
            raise dataset_error(
                path,
                f"is a {label}-compressed file named as a plain CSV",
                f"rename it to '{path.name}{suffix}': a compressed CSV is read by its ending",
            )
        binary = _magic_format(head)
        if binary is not None:
            # a Parquet file saved as 'x.csv' would fail on a NUL byte, naming no format
            raise dataset_error(
                path, f"is a {_FORMAT_NAMES[binary]} file named as a CSV", "rename it"
            )
        return "csv"
    if name.endswith(SQLITE_SUFFIXES):
        return "sqlite"
    if name.endswith(IPC_SUFFIXES):
        return "arrow_ipc"
    head = _first_bytes(path, 1 << 16)
    found = _magic_format(head) or _text_table(head)
    if found is None:
        raise dataset_error(path, "has an unknown format", f"supported: {SUPPORTED}")
    return found


def _first_bytes(path: Path, size: int = 16) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(size)
    except OSError as exc:
        raise dataset_error(path, f"cannot be read: {exc.strerror}") from None


def _text_table(head: bytes) -> str | None:
    """'csv' when a file without a known suffix (``head``: its first 64 KB) is UTF-8 text
    whose first line holds a delimiter (a CSV saved as 'data' or 'export.dat')."""
    if not head or b"\x00" in head:
        return None
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 3:  # not a character cut at the block's end
            return None
        text = head[: exc.start].decode("utf-8")
    first = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    return "csv" if any(d in first for d in DELIMITERS) else None


_FORMAT_NAMES = {"parquet": "Parquet", "arrow_ipc": "Arrow IPC (Feather)", "sqlite": "SQLite"}


def _compression(head: bytes) -> tuple[str, str] | None:
    """(ending, name) of the compression a file's first bytes show, or None. Why: pyarrow
    picks the decompressor by the file's ending, so a gzip file saved as 'x.csv' must be
    renamed, not read as text. 'BZh' must be followed by a block size digit and the block
    magic, so a CSV whose header starts 'BZh' is not mistaken for one."""
    if head.startswith(b"\x1f\x8b"):
        return ".gz", "gzip"
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[4:10] == b"1AY&SY":
        return ".bz2", "bzip2"
    return None


def _magic_format(head: bytes) -> str | None:
    """The binary format a file's first bytes name (Parquet, Arrow IPC, SQLite), or None."""
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"ARROW1") or head[:4] == b"\xff\xff\xff\xff":
        return "arrow_ipc"
    if head.startswith(b"SQLite format 3"):
        return "sqlite"
    return None


def split_location(location: str) -> tuple[Path, str | None]:
    """Split ``file.db::table`` into the file and the table (None for other formats)."""
    if "::" in location:
        file, _, table = location.rpartition("::")
        return Path(file), table
    return Path(location), None


def open_source(path: Path, table: str | None = None, **options) -> Source:
    """Open ``path`` with the adapter for its format."""
    if not path.exists():
        raise dataset_error(path, "does not exist", "check the path given to --stat-dataset")
    fmt = detect_format(path)
    if fmt == "sqlite":
        if not table:
            raise dataset_error(
                path, "is a SQLite database but no table was named", "write it as file.db::table"
            )
        return SqliteSource(path, table)
    if table:
        raise dataset_error(path, f"is {fmt}, which has no tables (remove '::{table}')")
    if fmt == "parquet":
        return ParquetSource(path)
    if fmt == "csv":
        return CsvSource(path, column_types=options.get("column_types"), spool=options.get("spool"))
    return ArrowIpcSource(path)


__all__ = [
    "BadRows",
    "Source",
    "SUPPORTED",
    "detect_format",
    "open_source",
    "split_location",
]
