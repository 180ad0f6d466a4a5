"""Timestamp column profiles: range, calendar coverage, rows per day, row-order monotonicity.

``profile_timestamp`` reports, per timestamp or date column (one finding, kind
``column_profile``)::

    count, null_count, min, max, span_days, distinct_days, days_without_rows,
    rows_per_day_min, rows_per_day_median, rows_per_day_max, rows_per_day_mean,
    monotonic, strictly_increasing

* Values are read as the integers Arrow holds (ticks of the chunk's unit since the epoch)
  — never through float64. The dataset layer hands analyses timestamps in microseconds
  (dates as midnight timestamps), so sub-microsecond digits of a nanosecond column are not
  seen; the code itself handles any unit. ``min``/``max`` are ISO-8601 strings at the
  precision pandas' ``isoformat`` uses (seconds or microseconds as needed), ``YYYY-MM-DD``
  for columns stored as dates; tz-aware columns are stored as UTC instants and shown in UTC
  with ``+00:00``, naive ones as stored. ``parameters.storage_type`` is the stored type.
* Days are calendar days of the stored value (UTC for tz-aware columns). ``distinct_days``
  counts the days holding at least one valid value; the rows-per-day summary (min, median —
  numpy's definition —, max, mean) is over those days, and ``days_without_rows`` counts the
  days between the first and the last day that hold none. The per-day table is exact and
  bounded by ``distinct_cap`` days: past it the day statistics are null and the finding's
  parameters say so (``day_counts_left_out``).
* ``monotonic``: whether the valid values are non-decreasing in row order over the whole
  dataset (nulls are skipped); ``strictly_increasing`` likewise. Chunk states carry their
  first and last valid value, so chunk boundaries are checked too.

A column with no valid value reports its counts and ``null`` for every other value.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, MemoryModel, hookimpl
from pytest_statharness.column_roles import SERIES_GRAIN

from .._shared.hist import PER_SECOND, ticks_per_day, time_ints
from .._shared.report import plan_within_findings


def _layout(typ: pa.DataType) -> tuple[str, int, bool]:
    """(storage kind, ticks per day, tz-aware) of a timestamp/date type."""
    if pa.types.is_timestamp(typ):
        return "timestamp", ticks_per_day(typ), typ.tz is not None
    if pa.types.is_date32(typ) or pa.types.is_date64(typ):
        return str(typ), ticks_per_day(typ), False
    raise TypeError(f"not a timestamp or date type: {typ}")


def _ticks(chunk, name: str) -> np.ndarray:
    """The valid values of a timestamp/date column as int64 ticks, in row order."""
    col = chunk.column(name)
    valid = pc.drop_null(col)
    if not len(valid):
        return np.empty(0, dtype=np.int64)
    return np.asarray(time_ints(valid).to_numpy(), dtype=np.int64)


def iso(value: int, typ: pa.DataType, *, as_date: bool = False) -> str:
    """ISO-8601 text of a stored value, at the precision pandas' isoformat would use
    (``YYYY-MM-DD`` when ``as_date`` or for date types)."""
    storage, per_day, aware = _layout(typ)
    if as_date or storage != "timestamp":
        day = int(value) // per_day
        return str(np.datetime_as_string(np.datetime64(day, "D")))
    unit = typ.unit
    per_second = PER_SECOND[unit]
    if value % per_second == 0:
        shown = "s"
    elif unit == "ns" and value % 1000:
        shown = "ns"
    else:
        shown = "us"
    text = str(np.datetime_as_string(np.datetime64(int(value), unit), unit=shown))
    return text + "+00:00" if aware else text


@dataclass(slots=True)
class _ColumnTimes:
    """One timestamp column's chunk state, in the column's own ticks: row and value counts,
    extremes, the first and last value in row order (so adjacent chunks can tell whether the
    column stays monotonic across their boundary), and per-day counts until they pass
    ``distinct_cap`` (then ``days_overflow`` and no map). A dataclass so every field is
    named once here rather than spelt out at each use."""

    rows: int = 0
    n: int = 0
    min: int | None = None
    max: int | None = None
    first: int | None = None
    last: int | None = None
    nondecreasing: bool = True
    strict: bool = True
    days: dict[int, int] = field(default_factory=dict)
    days_overflow: bool = False
    type: pa.DataType | None = None


class ProfileTimestamp(Analysis):
    id = "profile_timestamp"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "per-day counts per column up to distinct_cap"
    family = "profile"
    title = "Timestamp column profile"
    requires = (ColumnKind.TIMESTAMP,)
    exact = True
    passes = 1
    method = (
        "count, nulls, min and max of the stored integer ticks; calendar days (UTC for "
        "tz-aware columns) with exact per-day row counts (min, median, max, mean over days "
        "with rows; days without rows between the first and last day); non-decreasing and "
        "strictly increasing order of the valid values in row order, checked across chunks"
    )
    reference = (
        "ISO 8601-1:2019, Date and time representations; Apache Arrow columnar format, "
        "timestamp and date types"
    )
    access = "streamed; one pass, per-day counts bounded by distinct_cap"

    def plan(self, dataset, budget):
        # the date derived from a series numbered 1..N is no date (day k for period k):
        # the counter itself is profiled as a number
        return plan_within_findings(
            [
                c
                for c in dataset.columns_of(*self.requires)
                if dataset.column(c).role_detail != SERIES_GRAIN
            ],
            budget,
        )

    # -- accumulator ------------------------------------------------------------------
    def init(self, ctx):
        return {c: _ColumnTimes() for c in ctx.plan.columns}

    def update(self, state, chunk, ctx):
        cap = int(ctx.budget.distinct_cap)
        for c in ctx.plan.columns:
            s = state[c]
            s.rows += chunk.num_rows
            s.type = chunk.column(c).type
            ticks = _ticks(chunk, c)
            if not ticks.size:
                continue
            _, per_day, _ = _layout(s.type)
            steps = np.diff(ticks)
            s.n = int(ticks.size)
            s.min = int(ticks.min())
            s.max = int(ticks.max())
            s.first = int(ticks[0])
            s.last = int(ticks[-1])
            s.nondecreasing = bool((steps >= 0).all())
            s.strict = bool((steps > 0).all())
            days, counts = np.unique(ticks // per_day, return_counts=True)
            if days.size > cap:
                s.days_overflow = True
            else:
                s.days = dict(zip(days.tolist(), counts.tolist(), strict=True))
        return state

    def merge(self, a, b, ctx):
        cap = int(ctx.budget.distinct_cap)
        for c in ctx.plan.columns:
            x, y = a[c], b[c]
            x.rows += y.rows
            if x.type is None:
                x.type = y.type
            if not y.n:
                continue
            if not x.n:
                x.min, x.max, x.first = y.min, y.max, y.first
                x.nondecreasing, x.strict = y.nondecreasing, y.strict
            else:
                x.min = min(x.min, y.min)
                x.max = max(x.max, y.max)
                x.nondecreasing = x.nondecreasing and y.nondecreasing and x.last <= y.first
                x.strict = x.strict and y.strict and x.last < y.first
            x.last = y.last
            x.n += y.n
            x.days_overflow = x.days_overflow or y.days_overflow
            if x.days_overflow:
                x.days = {}
                continue
            days = x.days
            for day, n in y.days.items():
                days[day] = days.get(day, 0) + n
            if len(days) > cap:
                x.days_overflow = True
                x.days = {}
        return a

    # -- findings -----------------------------------------------------------------------
    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        for c in ctx.plan.columns:
            s = state[c]
            n = s.n
            typ = s.type
            _, per_day, aware = _layout(typ)
            stored = str(ctx.dataset.column(c).arrow_type)
            as_date = stored.startswith("date")
            values = {
                "count": n,
                "null_count": s.rows - n,
                "min": None,
                "max": None,
                "span_days": None,
                "distinct_days": None,
                "days_without_rows": None,
                "rows_per_day_min": None,
                "rows_per_day_median": None,
                "rows_per_day_max": None,
                "rows_per_day_mean": None,
                "monotonic": None,
                "strictly_increasing": None,
            }
            parameters = {
                "storage_type": stored,
                "analysed_as": str(typ),
                "day_boundary": "UTC" if aware else "as stored (naive)",
                "monotonic_means": "valid values non-decreasing in row order (nulls skipped)",
            }
            if n:
                values.update(
                    min=iso(s.min, typ, as_date=as_date),
                    max=iso(s.max, typ, as_date=as_date),
                    span_days=(s.max - s.min) / per_day,
                    monotonic=s.nondecreasing,
                    strictly_increasing=s.strict,
                )
                if s.days_overflow:
                    parameters["day_counts_left_out"] = (
                        f"more than distinct_cap={ctx.budget.distinct_cap} distinct days"
                    )
                else:
                    days = s.days
                    counts = np.sort(np.fromiter(days.values(), np.int64, len(days)))
                    first_day, last_day = min(days), max(days)
                    values.update(
                        distinct_days=len(days),
                        days_without_rows=(last_day - first_day + 1) - len(days),
                        rows_per_day_min=int(counts[0]),
                        rows_per_day_median=float(np.median(counts)),
                        rows_per_day_max=int(counts[-1]),
                        rows_per_day_mean=n / len(days),
                    )
            units = {
                "count": "count",
                "null_count": "count",
                "min": "timestamp",
                "max": "timestamp",
                "span_days": "days",
                "distinct_days": "days",
                "days_without_rows": "days",
                "rows_per_day_min": "rows/day",
                "rows_per_day_median": "rows/day",
                "rows_per_day_max": "rows/day",
                "rows_per_day_mean": "rows/day",
                "monotonic": "boolean",
                "strictly_increasing": "boolean",
            }
            out.append(
                ctx.finding(
                    kind="column_profile",
                    title=f"Profile of timestamp column {c!r}",
                    subject={"column": c},
                    values=values,
                    units=units,
                    columns=[c],
                    parameters=parameters,
                )
            )
        return out


@hookimpl
def statharness_analyses():
    return [ProfileTimestamp()]
