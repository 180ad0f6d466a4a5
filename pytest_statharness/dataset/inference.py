"""Column kinds from the Arrow type and from the values — never from the column's name.

The decision is made in one streamed pass over every row (the dataset's *typing scan*),
with bounded memory: distinct values are tracked only up to ``DISTINCT_TRACK_CAP``.

Rules (documented in docs/user-guide.md, "How column kinds are inferred"):

* bool -> boolean; timestamp/date -> timestamp; duration -> duration.
* integer -> integer_id when the non-null values are non-decreasing in row order and
  either strictly increasing or a contiguous range (an identifier, not a measure);
  otherwise numeric. floats -> numeric.
* string -> text when values are long (mean length >= 20 characters) and mostly contain
  spaces (>= 50%) with many distinct values (> 1000, or > half of the non-null values);
  otherwise categorical (including high-cardinality keys such as case ids).
* anything else (binary, nested) -> other; analyses do not use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..column_kinds import ColumnKind

DISTINCT_TRACK_CAP = 10_000


@dataclass
class ColumnScan:
    """Running statistics of one column during the typing scan."""

    arrow_type: pa.DataType
    rows: int = 0
    nulls: int = 0
    distinct: set = field(default_factory=set)
    distinct_overflow: bool = False
    length_sum: int = 0
    with_space: int = 0
    sorted_so_far: bool = True
    strictly: bool = True
    last: int | None = None
    min: int | None = None
    max: int | None = None

    def update(self, col: pa.ChunkedArray | pa.Array) -> None:
        self.rows += len(col)
        self.nulls += col.null_count
        typ = self.arrow_type
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            valid = pc.drop_null(col)
            if len(valid):
                self.length_sum += pc.sum(pc.utf8_length(valid)).as_py() or 0
                self.with_space += (
                    pc.sum(pc.cast(pc.match_substring(valid, " "), pa.int64())).as_py() or 0
                )
            self._track_distinct(valid)
        elif pa.types.is_integer(typ):
            valid = pc.drop_null(col)
            self._track_distinct(valid)
            if len(valid):
                arr = np.asarray(valid.to_numpy(), dtype=np.int64)
                lo, hi = int(arr.min()), int(arr.max())
                self.min = lo if self.min is None else min(self.min, lo)
                self.max = hi if self.max is None else max(self.max, hi)
                if self.sorted_so_far:
                    diffs = np.diff(arr)
                    first_step = None if self.last is None else int(arr[0]) - self.last
                    if (diffs < 0).any() or (first_step is not None and first_step < 0):
                        self.sorted_so_far = False
                    elif (diffs == 0).any() or first_step == 0:
                        self.strictly = False
                self.last = int(arr[-1])
        elif pa.types.is_floating(typ) or pa.types.is_boolean(typ):
            pass

    def _track_distinct(self, valid) -> None:
        if self.distinct_overflow or not len(valid):
            return
        for value in pc.unique(valid).to_pylist():
            self.distinct.add(value)
            if len(self.distinct) > DISTINCT_TRACK_CAP:
                self.distinct_overflow = True
                self.distinct = set()
                return

    def summary(self) -> dict:
        non_null = self.rows - self.nulls
        return {
            "non_null": non_null,
            "distinct_at_least": DISTINCT_TRACK_CAP + 1
            if self.distinct_overflow
            else len(self.distinct),
            "distinct_exact": not self.distinct_overflow,
            "mean_length": (self.length_sum / non_null) if non_null and self.length_sum else 0.0,
            "space_share": (self.with_space / non_null) if non_null else 0.0,
            "non_decreasing": self.sorted_so_far,
            "strictly_increasing": self.sorted_so_far and self.strictly,
            "min": self.min,
            "max": self.max,
        }


def decide_kind(arrow_type: pa.DataType, summary: dict) -> ColumnKind:
    if pa.types.is_boolean(arrow_type):
        return ColumnKind.BOOLEAN
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return ColumnKind.TIMESTAMP
    if pa.types.is_duration(arrow_type):
        return ColumnKind.DURATION
    if pa.types.is_integer(arrow_type):
        non_null = summary["non_null"]
        if non_null >= 20 and summary["non_decreasing"]:
            if summary["strictly_increasing"]:
                return ColumnKind.INTEGER_ID
            span = (summary["max"] - summary["min"] + 1) if summary["min"] is not None else 0
            if summary["distinct_exact"] and span == summary["distinct_at_least"] and span > 1:
                return ColumnKind.INTEGER_ID
        return ColumnKind.NUMERIC
    if pa.types.is_floating(arrow_type) or pa.types.is_decimal(arrow_type):
        return ColumnKind.NUMERIC
    if (
        pa.types.is_string(arrow_type)
        or pa.types.is_large_string(arrow_type)
        or pa.types.is_dictionary(arrow_type)
    ):
        non_null = summary["non_null"]
        distinct = summary["distinct_at_least"]
        many = distinct > 1000 or (non_null and distinct > non_null / 2)
        if summary["mean_length"] >= 20 and summary["space_share"] >= 0.5 and many:
            return ColumnKind.TEXT
        return ColumnKind.CATEGORICAL
    return ColumnKind.OTHER
