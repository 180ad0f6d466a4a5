"""A panel: units (states, firms, people) observed period after period.

Shared by ``time.panel_trends`` (trends within the units) and
``relationships.group_differences`` (the units differ from one another: expected, low).
Told from the column roles and counts alone: a time axis of periods, and a column whose
levels each hold about one row per period.
"""

from __future__ import annotations

from pytest_statharness import ColumnKind, ColumnRole
from pytest_statharness.column_roles import ENTITY_DETAIL, PERIOD_INDEX_DETAIL, SETS_DETAIL

#: units per column: at most this many
MAX_UNITS = 1000
#: a unit holds at least this many rows
MIN_UNIT_ROWS = 3
#: the grains of a time axis whose values are periods (a panel's years, months, days)
PERIOD_GRAINS = ("year", "month", "week", "day")
#: a category's levels are units when each holds, on average, at least this share of the
#: periods (and at most one row per period): a weekday of daily data holds a fifth
MIN_PERIOD_SHARE = 0.5


def time_axis(dataset) -> str | None:
    """The first timestamp column with values (a derived date counts), else a panel's
    period index (periods numbered 1, 2, ...: the order of time without dates)."""
    for c in dataset.columns_of(ColumnKind.TIMESTAMP):
        if dataset.column(c).null_count < dataset.row_count:
            return c
    for c in dataset.columns_of(ColumnKind.NUMERIC, roles=(ColumnRole.CALENDAR_PART,)):
        if dataset.column(c).role_detail == PERIOD_INDEX_DETAIL:
            return c
    return None


def unit_columns(dataset, time_column: str | None = None) -> list[str]:
    """Columns whose levels are a panel's units, in schema order: categories marked as a
    panel's entity, the keys of equal-sized sets of rows, and (when the time column holds
    periods: years, months, weeks, days) categories of at least 3 levels whose levels hold,
    on average, between half of the periods and all of them (one row per period)."""
    time_column = time_column or time_axis(dataset)
    if time_column is None:
        return []
    periods = dataset.column(time_column)
    out = []
    for c in dataset.columns:
        if c.excluded or not c.distinct_exact or not 2 <= c.distinct_at_least <= MAX_UNITS:
            continue
        rows = dataset.row_count - c.null_count
        per_unit = rows / c.distinct_at_least
        if per_unit < MIN_UNIT_ROWS:
            continue
        if c.role_detail == ENTITY_DETAIL or (
            c.role == ColumnRole.IDENTIFIER and c.role_detail == SETS_DETAIL
        ):
            out.append(c.name)
        elif (
            c.role == ColumnRole.CATEGORY
            and c.kind == ColumnKind.CATEGORICAL
            # periods, not instants: an event log's region is no unit observed each period
            and periods.role_detail in PERIOD_GRAINS
            and periods.distinct_exact
            and c.distinct_at_least >= 3
            and MIN_PERIOD_SHARE * periods.distinct_at_least
            <= per_unit
            <= periods.distinct_at_least
        ):
            out.append(c.name)
    return out
