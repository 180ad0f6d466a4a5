"""The ``time_series`` analysis (time family): per-day and per-hour series.

One analysis per module so the file tree leads to it; what other time analyses
also use is in ``_common.py``, the family's overview in ``time/__init__.py``.
"""

from __future__ import annotations

import numpy as np

from pytest_statharness import MemoryModel
from pytest_statharness.column_roles import SERIES_GRAIN

from .._shared.exact import fixed_ratio
from .._shared.report import cap_each
from .._shared.series import (
    WEEKDAYS,
    Series,
    day_label,
    hour_label,
    tick_label,
)
from ._common import (
    ROWS,
    _f,
    _TimeAnalysis,
    per_point,
    point_label,
    point_unit,
)

# -- time_series ---------------------------------------------------------------------------


class TimeSeries(_TimeAnalysis):
    id = "time_series"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "maps of the latest max_windows days and hours"
    title = "Per-day and per-hour series"
    method = (
        "One pass over the first timestamp column with values: row counts per calendar day and "
        "per calendar hour (wall-clock time of the column) over the latest max_windows days / "
        "hours (earlier rows counted as rows_outside_window), exact per-day sums of each "
        "numeric column (exact integer-based summation, means correctly rounded), day-of-week "
        "and hour-of-day counts over all rows. Reported: span, buckets, empty days, busiest / "
        "quietest day, busiest hour, busiest weekday and hour of day (a yearly, quarterly, monthly "
        "or weekly table gets the periods in its span, those with rows and the first empty "
        "one instead of the day-level fields); per numeric column the "
        "lowest and highest daily mean. Descriptive only: severity info. Ties go to the "
        "earliest bucket"
    )
    reference = "Shewchuk (1997), Adaptive Precision Floating-Point Arithmetic (exact sums)"
    access = "streamed; one pass, bounded maps of the latest max_windows days and hours"
    hourly_sums = False  # hours_with_values needs the values per hour, not their sums

    def findings(self, ctx):
        s = self._series(ctx)
        # a series numbered 1..N holds one row per period by construction: no row counts
        out = [] if ctx.params.get("grain") == SERIES_GRAIN else [self._summary(s, ctx)]
        for c in ctx.columns[1:]:
            out.append(self._numeric(s, c, ctx))
        return cap_each(ctx, out)

    def _summary(self, s: Series, ctx) -> dict:
        t = ctx.columns[0]
        values: dict = {
            "rows": s.rows,
            "rows_with_time": s.valid,
            "first": None,
            "last": None,
            "span_days": None,
            "days_in_window": 0,
            "days_with_rows": 0,
            "empty_days": 0,
            "rows_outside_window": 0,
            "rows_per_day_mean": None,
            "rows_per_day_median": None,
            "busiest_day": None,
            "busiest_day_rows": None,
            "quietest_day": None,
            "quietest_day_rows": None,
            "hours_in_window": None,
            "busiest_hour": None,
            "busiest_hour_rows": None,
            "busiest_weekday": None,
            "busiest_hour_of_day": None,
        }
        units = {
            "rows": "count",
            "rows_with_time": "count",
            "first": "datetime",
            "last": "datetime",
            "span_days": "days",
            "days_in_window": "count",
            "days_with_rows": "count",
            "empty_days": "count",
            "rows_outside_window": "count",
            "rows_per_day_mean": "rows/day",
            "rows_per_day_median": "rows/day",
            "busiest_day": "date",
            "busiest_day_rows": "count",
            "quietest_day": "date",
            "quietest_day_rows": "count",
            "hours_in_window": "count",
            "busiest_hour": "datetime",
            "busiest_hour_rows": "count",
            "busiest_weekday": "weekday",
            "busiest_hour_of_day": "hour",
        }
        if s.daily is not None:
            day = 86400 * s.tps
            d = s.daily
            counts = d.counts
            values.update(
                {
                    "first": tick_label(s.first_tick, s.tps),
                    "last": tick_label(s.last_tick, s.tps),
                    "span_days": s.last_tick // day - s.first_tick // day + 1,
                    "days_in_window": int(counts.size),
                    "days_with_rows": int(np.count_nonzero(counts)),
                    "empty_days": int(counts.size - np.count_nonzero(counts)),
                    "rows_outside_window": d.rows_outside,
                    "rows_per_day_mean": int(counts.sum()) / counts.size,
                    "rows_per_day_median": float(np.median(counts)),
                    "busiest_day": day_label(d.start + int(np.argmax(counts))),
                    "busiest_day_rows": int(counts.max()),
                    "quietest_day": day_label(d.start + int(np.argmin(counts))),
                    "quietest_day_rows": int(counts.min()),
                    "busiest_weekday": WEEKDAYS[int(np.argmax(s.weekday_counts))],
                }
            )
            noun = _NOUNS.get(_series_word(ctx, s, None))
            if noun:
                values.update(_period_counts(d.start, counts, noun))
            if s.has_time_of_day and s.hourly is not None:
                h = s.hourly
                values.update(
                    {
                        "hours_in_window": int(h.counts.size),
                        "busiest_hour": hour_label(h.start + int(np.argmax(h.counts))),
                        "busiest_hour_rows": int(h.counts.max()),
                        "busiest_hour_of_day": int(np.argmax(s.hour_of_day_counts)),
                    }
                )
        if values.get("grain"):
            units.update(
                {
                    "grain": "grain",
                    "periods_in_span": "count",
                    "periods_with_rows": "count",
                    "empty_periods": "count",
                    "first_empty_period": "date",
                    "rows_per_period_mean": "rows/period",
                }
            )
        return ctx.finding(
            kind="time_series",
            title=_rows_title(ctx, s, t),
            subject={"time_column": t, "series": ROWS},
            values=values,
            units=units,
            columns=[t],
            parameters={
                "weekday_rows": dict(zip(WEEKDAYS, s.weekday_counts, strict=True)),
                "hour_of_day_rows": list(s.hour_of_day_counts) if s.has_time_of_day else None,
            },
        )

    def _numeric(self, s: Series, c: str, ctx) -> dict:
        t = ctx.columns[0]
        values: dict = {
            "days_with_values": 0,
            "values_in_window": 0,
            "mean_in_window": None,
            "lowest_daily_mean": None,
            "lowest_daily_mean_day": None,
            "highest_daily_mean": None,
            "highest_daily_mean_day": None,
            "last_daily_mean": None,
            "hours_with_values": None,
        }
        units = {
            "days_with_values": "count",
            "values_in_window": "count",
            "mean_in_window": "value",
            "lowest_daily_mean": "value",
            "lowest_daily_mean_day": point_unit(ctx),
            "highest_daily_mean": "value",
            "highest_daily_mean_day": point_unit(ctx),
            "last_daily_mean": "value",
            "hours_with_values": "count",
        }
        if s.daily is not None:
            keys, n, means = s.daily.means[c]
            if keys.size:
                lo, hi = int(np.argmin(means)), int(np.argmax(means))
                total = int(n.sum())
                values.update(
                    {
                        "days_with_values": int(keys.size),
                        "values_in_window": total,
                        "mean_in_window": _f(fixed_ratio(s.daily.sums[c], total)),
                        "lowest_daily_mean": _f(means[lo]),
                        "lowest_daily_mean_day": point_label(ctx, keys[lo]),
                        "highest_daily_mean": _f(means[hi]),
                        "highest_daily_mean_day": point_label(ctx, keys[hi]),
                        "last_daily_mean": _f(means[-1]),
                    }
                )
            if s.has_time_of_day and s.hourly is not None:
                values["hours_with_values"] = int(s.hourly.means[c][0].size)
        return ctx.finding(
            kind="daily_mean_series",
            title=f"{_series_word(ctx, s, c).capitalize()} means of {c!r} by {t!r}",
            subject={"time_column": t, "series": c},
            values=values,
            units=units,
            columns=[t, c],
            parameters=self._window_params(s),
        )


def _period_of(days: np.ndarray, noun: str) -> np.ndarray:
    """The calendar period (year, quarter, month or Monday-aligned week number) of days
    since the epoch."""
    if noun == "week":
        return (days + 3) // 7  # 1970-01-01 was a Thursday
    months = days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    if noun == "year":
        return months // 12
    return months // 3 if noun == "quarter" else months


def _period_counts(start: int, counts: np.ndarray, noun: str) -> dict:
    """Rows per period of a yearly, quarterly, monthly or weekly table, in place of the
    day-level fields: a yearly table has no busiest weekday, and its "empty days" are the
    364 days between its points, not missing data."""
    days = start + np.flatnonzero(counts)
    periods = _period_of(days.astype(np.int64), noun)
    present = np.unique(periods)
    span = int(present[-1] - present[0]) + 1
    missing = np.setdiff1d(np.arange(present[0], present[-1] + 1), present)
    first_missing = None
    if missing.size:
        # the first day of the first missing period, as a date
        p = int(missing[0])
        if noun == "week":
            day = p * 7 - 3
        else:
            month = p * 12 if noun == "year" else p * 3 if noun == "quarter" else p
            day = int(np.datetime64(month, "M").astype("datetime64[D]").astype(np.int64))
        first_missing = day_label(day)
    return {
        "grain": noun,
        "periods_in_span": span,
        "periods_with_rows": int(present.size),
        "empty_periods": int(missing.size),
        "first_empty_period": first_missing,
        "rows_per_period_mean": int(counts.sum()) / int(present.size),
        # day-level fields say nothing of a coarse table
        "empty_days": None,
        "rows_per_day_mean": None,
        "rows_per_day_median": None,
        "quietest_day": None,
        "quietest_day_rows": None,
        "busiest_weekday": None,
    }


_NOUNS = {"yearly": "year", "quarterly": "quarter", "monthly": "month", "weekly": "week"}


def _series_word(ctx, s, column: str | None) -> str:
    """'daily', 'monthly', ... for the titles: a yearly table's series is no daily one."""
    if s.daily is None:
        return "daily"
    if column is None:
        counts = s.daily.counts
        keys = s.daily.start + np.flatnonzero(counts)
    else:
        keys = s.daily.means[column][0]
    return per_point(ctx, np.asarray(keys))


def _rows_title(ctx, s, t: str) -> str:
    noun = _NOUNS.get(_series_word(ctx, s, None))
    return f"Rows per {noun} of {t!r}" if noun else f"Rows per day and per hour of {t!r}"
