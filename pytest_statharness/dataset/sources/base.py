"""The source contract: what every file format adapter provides.

A source knows how to open one format and stream its rows as Arrow record batches,
part by part, in a fixed order. It never decides chunking, typing or caching: the
dataset layer does that on top of any source, so all formats behave the same.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa

from ...errors import DatasetError


@dataclass(frozen=True)
class BadRows:
    """Rows a source had to drop (ragged CSV rows), kept so the report can cite them."""

    count: int = 0
    first_positions: tuple[int, ...] = field(default_factory=tuple)


class Source(Protocol):
    """One opened dataset in one format."""

    path: Path
    format: str

    @property
    def schema(self) -> pa.Schema: ...

    def parts(self) -> Sequence[str]:
        """Stable names of the source's parts (files of a folder, or one part), in order."""
        ...

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        """Stream one part's rows, only ``columns`` (all when None), in file order."""
        ...

    def content_files(self) -> Sequence[Path]:
        """The files whose bytes define the content (for the fingerprint), in order."""
        ...

    def bad_rows(self) -> BadRows:
        """Rows dropped while reading (only CSV can drop rows); valid after a full scan."""
        ...


def dataset_error(path: Path, problem: str, hint: str = "") -> DatasetError:
    """Build the one-line error every source raises: file, problem, what to do."""
    what = "dataset folder" if path.is_dir() else "dataset file"
    message = f"{what} {path.name!r}: {problem}"
    if hint:
        message += f" ({hint})"
    return DatasetError(message)


def check_column_names(path: Path, names: list[str]) -> None:
    """One line for a header that names a column twice (``a,a,b``) or names none: every
    analysis addresses columns by name, and Arrow refuses to pick one of two alike."""
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise dataset_error(
                path,
                f"column name {name!r} appears more than once",
                "give every column a distinct name",
            )
        seen.add(name)
    if not names:
        raise dataset_error(path, "has no columns")
    if all(not name.strip() for name in names):
        # a file of spaces and line breaks read as one column named '   '
        raise dataset_error(
            path,
            "has a blank first line where the header should be",
            "write the column names on the first line",
        )
