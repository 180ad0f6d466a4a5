"""What more than one time analysis uses: the shared base class ``_TimeAnalysis`` (one
streamed :class:`~statharness_analyses._shared.series.SeriesAccumulator` pass over the
first timestamp column with values), the time-column clock description, whether the
row-count series means anything, and the group-mean and annual-cycle helpers that
changepoints, seasonality and trend share.

Kept apart so each analysis module holds only its own code. Nothing here is registered.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, Plan
from pytest_statharness.column_roles import GRAIN_ADJECTIVES, SERIES_GRAIN

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.series import (
    ALPHA,
    Series,
    SeriesAccumulator,
    day_label,
)

NUMERIC_KINDS = (ColumnKind.NUMERIC,)
ROWS = "rows"  # the series name of the row-count series
MONTH_MIN_MONTHS = 12
ANNUAL_CYCLE_EPS2 = 0.5


def _less_group_means(groups: np.ndarray, y: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """``y`` less the mean of its group plus ``offset`` (exact sums, one rounding each).

    One stable sort splits the values by group in their original order, so each group's
    ``math.fsum`` sees the values in the order a boolean mask would give them."""
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    out = y.astype(np.float64).copy()
    for idx in np.split(order, bounds):
        if idx.size:
            out[idx] = y[idx] - (math.fsum(y[idx].tolist()) / int(idx.size) - offset)
    return out


def annual_cycle_strength(keys: np.ndarray, y: np.ndarray) -> float:
    """Kruskal–Wallis epsilon² of daily values grouped by month of year (0 when the days
    cover fewer than 12 months): how much of the series the annual cycle explains."""
    if keys.size < 2 * MONTH_MIN_MONTHS:
        return 0.0
    months = np.unique(keys.astype("datetime64[D]").astype("datetime64[M]"))
    if months.size < MONTH_MIN_MONTHS:
        return 0.0
    phase = month_of_day(keys)
    groups = [y[phase == m] for m in range(12) if np.any(phase == m)]
    if len(groups) < 2 or np.ptp(y) == 0:
        return 0.0
    return float(stats.kruskal(*groups).statistic) / (
        keys.size - 1
    )  # month-of-year only when the days with values cover 12 months


def month_of_day(days: np.ndarray) -> np.ndarray:
    """Month of year (0..11) of days counted from 1970-01-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


#: grains with no day or hour inside a point: no weekday, no hour of day, no rows per day
#: (a series numbered 1..N has periods of unknown length: no calendar cycle either)
COARSE_GRAINS = ("year", "month", SERIES_GRAIN)


def _clock_of(dataset, column: str) -> str:
    """The wall clock hours are read on: the spec's zone, the column's, else none."""
    info = dataset.column(column)
    if getattr(dataset, "time_zone", None):
        return dataset.time_zone
    if info.date_format and (info.date_format.endswith("Z") or "%z" in info.date_format):
        return "UTC"
    if "tz=" in info.arrow_type:
        return info.arrow_type.split("tz=", 1)[1].split("]", 1)[0].rstrip(")").strip()
    return NAIVE_CLOCK


NAIVE_CLOCK = "wall clock, no time zone"


#: a series of rows per period says something about a rate only when rows fall in at
#: least this share of its periods: a survey answered in a burst, a course's submissions
#: or a poll a month have no level, trend or weekly rhythm of activity
ROWS_ACTIVE_MIN_SHARE = 0.5


def active_share(counts: np.ndarray | None) -> float:
    """The share of periods holding at least one row (1.0 for no periods)."""
    if counts is None or not counts.size:
        return 1.0
    return float(np.count_nonzero(counts)) / counts.size


def row_series_meaningful(ctx) -> bool:
    """Rows per day mean nothing when dates are yearly or monthly (one date per period)."""
    return ctx.params.get("grain") not in COARSE_GRAINS


#: time-column grains whose window counts dates with rows, not calendar days (13 model
#: years stay 13 points)
SPARSE_GRAINS = ("year", "month", "week", SERIES_GRAIN)


class _TimeAnalysis(Analysis):
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    family = "time"
    requires = (ColumnKind.TIMESTAMP,)
    exact = True
    passes = 1
    hourly = True
    hourly_sums = True  # exact per-hour sums of the numeric columns (hourly means)

    def plan(self, dataset, budget):
        times = dataset.columns_of(ColumnKind.TIMESTAMP)
        if not times:
            return None
        with_values = [c for c in times if dataset.column(c).null_count < dataset.row_count]
        time_column = (with_values or times)[0]
        numeric = dataset.columns_of(*NUMERIC_KINDS, roles=MEASURE_ROLES)
        room = max(budget.max_columns - 1, 0)
        kept = numeric[:room]
        left_out: dict = {}
        if len(numeric) > len(kept):
            left_out.update({"columns": numeric[len(kept) :], "cap": "max_columns"})
        others = [c for c in times if c != time_column]
        if others:
            left_out["time_columns"] = others
            left_out["time_columns_rule"] = "only the first timestamp column with values is used"
        params = {
            "time_column": time_column,
            "calendar": "wall-clock days and hours of the column (its own time zone when set)",
            "clock": _clock_of(dataset, time_column),
            "window": (
                f"latest max_windows = {budget.max_windows} dates with rows (weekly, monthly "
                "or yearly dates)"
                if dataset.column(time_column).role_detail in SPARSE_GRAINS
                else f"latest max_windows = {budget.max_windows} days (hours: as many days)"
            ),
            "alpha": ALPHA,
            # how coarse the time column is: a "Year" stored as a date (every value on
            # 1 January) has no daily row-count level and no weekday; dates have no hour
            "grain": dataset.column(time_column).role_detail or "instant",
        }
        if params["grain"] == SERIES_GRAIN:
            # the derived column is named period(<counter>) (dataset.DerivedDate.name)
            params["index_column"] = time_column[len("period(") : -1]
        return Plan((time_column, *kept), params, left_out)

    robust = False  # also accumulate daily sums of log_modulus (changepoints)
    #: read a span longer than the daily window whole, in monthly (else yearly) buckets
    coarse = False

    def _acc(self, ctx) -> SeriesAccumulator:
        return SeriesAccumulator(
            ctx.columns[0],
            list(ctx.columns[1:]),
            ctx.budget.max_windows,
            hourly=self.hourly,
            hourly_sums=self.hourly_sums,
            robust=self.robust,
            sparse=ctx.params.get("grain") in SPARSE_GRAINS,
            coarse=self.coarse,
        )

    def init(self, ctx):
        return self._acc(ctx).init()

    def update(self, state, chunk, ctx):
        return self._acc(ctx).update(state, chunk)

    def merge(self, a, b, ctx):
        return self._acc(ctx).merge(a, b)

    def end_pass(self, state, ctx):
        return self._acc(ctx).finish(state)

    def _series(self, ctx) -> Series:
        return ctx.previous[0]

    def _daily_series(self, series: Series, ctx) -> list[tuple[str, np.ndarray, np.ndarray]]:
        """(name, day keys, values) of the daily row counts and each daily mean series."""
        out = []
        if series.daily is None:
            return [(ROWS, np.empty(0, np.int64), np.empty(0))] + [
                (c, np.empty(0, np.int64), np.empty(0)) for c in ctx.columns[1:]
            ]
        daily = series.daily
        if ctx.params.get("grain") in SPARSE_GRAINS:
            # one date per week (month, year): rows per date, not the calendar days between
            # dates as zeros (778 weekly dates span 5,440 days; an O(n^2) slope estimator
            # over those zeros took 2.4 s and 900 MB for a 778-row table)
            present = daily.counts > 0
            out.append((ROWS, daily.keys[present], daily.counts[present].astype(np.float64)))
        else:
            out.append((ROWS, daily.keys, daily.counts.astype(np.float64)))
        for c in ctx.columns[1:]:
            keys, _, means = daily.means[c]
            out.append((c, keys, means))
        return out

    def _window_params(self, series: Series) -> dict:
        out = {"rows_with_time": series.valid}
        if series.daily is not None and series.daily.coarsened:
            out["buckets"] = series.daily.coarsened
            out["buckets_in_series"] = int(series.daily.counts.size)
            out["rows_outside_window"] = series.daily.rows_outside
            out["coarsened"] = COARSE_RULE.format(unit=series.daily.coarsened)
        elif series.daily is not None:
            out["days_in_window"] = int(series.daily.counts.size)
            out["rows_outside_window"] = series.daily.rows_outside
        return out


def point_label(ctx, day: int) -> str:
    """The label of a point of a series: its date, or ``t = 57`` when the time axis is a
    series numbered 1..N (the derived date of its k-th period falls on day k)."""
    if ctx.params.get("grain") == SERIES_GRAIN:
        return f"{ctx.params['index_column']} = {int(day)}"
    return day_label(day)


def point_preposition(ctx) -> str:
    """'on' a date, 'at' a period number ('shifts at t = 61')."""
    return "at" if ctx.params.get("grain") == SERIES_GRAIN else "on"


def direction_text(up: int, total: int) -> str:
    """'up', 'down' or '3 up, 2 down': which way a group of series moves (trend's shared
    trends, changepoints' shared shifts)."""
    return "up" if up == total else "down" if up == 0 else f"{up} up, {total - up} down"


def point_unit(ctx) -> str:
    """The unit of a point label: a date, or a period number."""
    return "period number" if ctx.params.get("grain") == SERIES_GRAIN else "date"


def rows_unit(series: Series) -> str:
    """The unit of a row-count series: rows per day, or per month (year) when coarsened."""
    bucket = series.daily.coarsened if series.daily is not None else None
    return f"rows/{bucket or 'day'}"


COARSE_RULE = (
    "the dates span more than the window of max_windows days (dates with rows): the whole "
    "span is read in {unit}ly buckets (each a mean of its rows; yearly when the months "
    "exceed the window too), not its latest days"
)


def window_label(ctx, bucket) -> str:
    """' (latest N days)' when rows fall before the window of max_windows days of
    ``bucket`` (a series' daily or hourly buckets, or None): a title says so, never
    silently (issue 8: a cap is stated where the finding is read). For weekly, monthly or
    yearly dates the window counts dates with rows: ' (latest N dates)'."""
    if bucket is not None and bucket.rows_outside:
        unit = "dates" if ctx.params.get("grain") in SPARSE_GRAINS else "days"
        return f" (latest {ctx.budget.max_windows} {unit})"
    return ""


def _series_columns(time_column: str, series: str) -> list[str]:
    """The columns a finding on ``series`` reads: the time column (and the numeric one)."""
    return [time_column] if series == ROWS else [time_column, series]


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


#: (shortest, longest) median step in days between a series' points, per word
STEP_WORDS = (
    ((360, 367), "yearly"),
    ((89, 93), "quarterly"),
    ((28, 32), "monthly"),
    ((7, 7), "weekly"),
)


def per_point(ctx, keys: np.ndarray) -> str:
    """'daily', 'quarterly', ... — what one point of a series is, for titles: from the median
    step between its days (a quarterly table whose dates fall on months reads 'quarterly'),
    else from the time column's grain."""
    if keys.size >= 3:
        step = float(np.median(np.diff(keys)))
        for (low, high), word in STEP_WORDS:
            if low <= step <= high:
                return word
    # "daily" for instants and days too: the series are day buckets
    return GRAIN_ADJECTIVES.get(ctx.params.get("grain"), "daily")


ADMINISTRATIVE_CENSORING = (
    "{series!r} is the follow-up time of a survival table (beside its event flag "
    "{event!r}: roles.survival_pairs): over the entry dates it falls by construction, as "
    "those who entered later were followed for less time until the study closed "
    "(administrative censoring), not a change in the subjects"
)


def administrative_censoring(ctx, series: str) -> str | None:
    """Why ``series`` falls over the time axis when it is a survival table's follow-up time:
    the study's closing date (dd's spells by start year, cgd's tstop by randomisation date,
    Melanoma's follow-up by year of operation); None otherwise. trend says it as the
    reading, changepoints caps a fall with it."""
    for event, time in getattr(ctx.dataset, "survival_pairs", ()):
        if time == series:
            return ADMINISTRATIVE_CENSORING.format(series=series, event=event)
    return None
