"""The time family: per-day / per-hour series of one timestamp column and what they show.

All four analyses make one streamed pass with ``_series.SeriesAccumulator`` over the
first timestamp column that has values (others are listed in ``left_out``): row counts
per calendar day and per calendar hour, exact sums (hence exact means) of every numeric
column per day and per hour, and day-of-week / hour-of-day row counts over all rows.
Days and hours are taken in the column's wall-clock time (its own time zone when it has
one). The bucket maps keep the latest ``max_windows`` days / hours: rows before the
window are counted and stated (``rows_outside_window``), never sampled.

* ``time_series`` — summary of the daily and hourly series (buckets, busiest day and
  hour, empty days...) and of each numeric column's daily means.
* ``changepoints`` — level shifts in the daily count series and daily mean series:
  optimal partitioning (the exact minimiser of the penalised l2 cost PELT minimises) with
  a BIC-like penalty, each change confirmed by a Mann–Whitney U test. A numeric column is
  searched on its daily means of ``log_modulus(x)`` (exact per-day sums, a second sum per
  day in the same pass), which heavy tails cannot dominate; its reported levels remain
  the means of the daily means of the values themselves.
* ``seasonality`` — day-of-week and hour-of-day effects on counts (chi-square goodness of
  fit against the time each weekday/hour was observed) and on means (Kruskal–Wallis).
* ``trend`` — Mann–Kendall monotonic trend (Kendall's tau against time) with the
  Theil–Sen slope, on the daily count series and daily mean series.

Finding order: per analysis, the row-count series first, then numeric columns in column
order; within a series as documented on each analysis. At most ``max_findings``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, Plan, hookimpl
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from ._exact import fixed_ratio
from ._report import bonferroni, cap_each
from ._series import (
    ALPHA,
    WEEKDAYS,
    Series,
    SeriesAccumulator,
    day_label,
    fixed_moments,
    hour_label,
    significant_severity,
    tick_label,
)

NUMERIC_KINDS = (ColumnKind.NUMERIC,)
ROWS = "rows"  # the series name of the row-count series

# changepoints
CP_MIN_SEGMENT = 5
CP_MIN_POINTS = 2 * CP_MIN_SEGMENT
CP_PENALTY = 4.0
# trend / seasonality
TREND_MIN_POINTS = 10
WEEKDAY_MIN_DAYS = 14
HOUR_MIN_HOURS = 48
MONTH_MIN_MONTHS = 12
MIN_ROWS_RELATIVE_SHIFT = 0.10
WANDERING_CHANGES = 3  # this many level changes in one series: it wanders (all low)
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


def within_day(hours: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hourly values less the mean of their day's hourly values (exact sums)."""
    return _less_group_means(hours // 24, y)


def deseasonalised(keys: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` less its month-of-year mean plus the overall mean (exact sums, one rounding)."""
    return _less_group_means(month_of_day(keys), y, math.fsum(y.tolist()) / y.size)


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


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def month_of_day(days: np.ndarray) -> np.ndarray:
    """Month of year (0..11) of days counted from 1970-01-01."""
    return days.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) % 12


def cycles_for(grain: str | None) -> tuple[str, ...]:
    """The cycles a time column can show: no hour of day in dates, no weekday in months."""
    if grain in COARSE_GRAINS:
        return ()
    if grain == "week":  # every row on the same weekday
        return ("month_of_year",)
    if grain == "day":
        return ("day_of_week", "month_of_year")
    return ("day_of_week", "hour_of_day", "month_of_year")


COARSE_GRAINS = ("year", "month")


def _clock_of(dataset, column: str) -> str:
    """The wall clock hours are read on: the spec's zone, the column's, else none."""
    info = dataset.column(column)
    if getattr(dataset, "time_zone", None):
        return dataset.time_zone
    if info.date_format and (info.date_format.endswith("Z") or "%z" in info.date_format):
        return "UTC"
    if "tz=" in info.arrow_type:
        return info.arrow_type.split("tz=", 1)[1].rstrip(")]").strip()
    return NAIVE_CLOCK


NAIVE_CLOCK = "wall clock, no time zone"


def _clock_label(clock: str | None) -> str:
    if not clock:
        return ""
    return f" ({clock})" if clock == NAIVE_CLOCK else f" ({clock} hours)"


def row_series_meaningful(ctx) -> bool:
    """Rows per day mean nothing when dates are yearly or monthly (one date per period)."""
    return ctx.params.get("grain") not in COARSE_GRAINS


class _TimeAnalysis(Analysis):
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
            "window": f"latest max_windows = {budget.max_windows} days (hours: as many days)",
            "alpha": ALPHA,
            # how coarse the time column is: a "Year" stored as a date (every value on
            # 1 January) has no daily row-count level and no weekday; dates have no hour
            "grain": dataset.column(time_column).role_detail or "instant",
        }
        return Plan((time_column, *kept), params, left_out)

    robust = False  # also accumulate daily sums of log_modulus (changepoints)

    def _acc(self, ctx) -> SeriesAccumulator:
        return SeriesAccumulator(
            ctx.columns[0],
            list(ctx.columns[1:]),
            ctx.budget.max_windows,
            hourly=self.hourly,
            hourly_sums=self.hourly_sums,
            robust=self.robust,
            sparse=ctx.params.get("grain") in ("year", "month", "week"),
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
        out.append((ROWS, daily.keys, daily.counts.astype(np.float64)))
        for c in ctx.columns[1:]:
            keys, _, means = daily.means[c]
            out.append((c, keys, means))
        return out

    def _window_params(self, series: Series) -> dict:
        out = {"rows_with_time": series.valid}
        if series.daily is not None:
            out["days_in_window"] = int(series.daily.counts.size)
            out["rows_outside_window"] = series.daily.rows_outside
        return out


def _series_columns(time_column: str, series: str) -> list[str]:
    """The columns a finding on ``series`` reads: the time column (and the numeric one)."""
    return [time_column] if series == ROWS else [time_column, series]


def _f(x) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# -- time_series ---------------------------------------------------------------------------


class TimeSeries(_TimeAnalysis):
    id = "time_series"
    title = "Per-day and per-hour series"
    method = (
        "One pass over the first timestamp column with values: row counts per calendar day and "
        "per calendar hour (wall-clock time of the column) over the latest max_windows days / "
        "hours (earlier rows counted as rows_outside_window), exact per-day sums of each "
        "numeric column (exact integer-based summation, means correctly rounded), day-of-week "
        "and hour-of-day counts over all rows. Reported: span, buckets, empty days, busiest / "
        "quietest day, busiest hour, busiest weekday and hour of day; per numeric column the "
        "lowest and highest daily mean. Descriptive only: severity info. Ties go to the "
        "earliest bucket"
    )
    reference = "Shewchuk (1997), Adaptive Precision Floating-Point Arithmetic (exact sums)"
    access = "streamed; one pass, bounded maps of the latest max_windows days and hours"
    hourly_sums = False  # hours_with_values needs the values per hour, not their sums

    def findings(self, ctx):
        s = self._series(ctx)
        out = [self._summary(s, ctx)]
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
        return ctx.finding(
            kind="time_series",
            title=f"Rows per day and per hour of {t!r}",
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
            "lowest_daily_mean_day": "date",
            "highest_daily_mean": "value",
            "highest_daily_mean_day": "date",
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
                        "lowest_daily_mean_day": day_label(keys[lo]),
                        "highest_daily_mean": _f(means[hi]),
                        "highest_daily_mean_day": day_label(keys[hi]),
                        "last_daily_mean": _f(means[-1]),
                    }
                )
            if s.has_time_of_day and s.hourly is not None:
                values["hours_with_values"] = int(s.hourly.means[c][0].size)
        return ctx.finding(
            kind="daily_mean_series",
            title=f"Daily means of {c!r} by {t!r}",
            subject={"time_column": t, "series": c},
            values=values,
            units=units,
            columns=[t, c],
            parameters=self._window_params(s),
        )


# -- changepoints --------------------------------------------------------------------------


def optimal_partition_l2(y: np.ndarray, penalty: float, min_size: int) -> list[int]:
    """Breakpoints (segment ends, the last one ``len(y)``) minimising
    ``sum of within-segment squared deviations + penalty * segments`` with every segment at
    least ``min_size`` long: optimal partitioning (Jackson et al. 2005), the same optimum
    PELT (Killick et al. 2012) finds with pruning, computed here without pruning (the series
    are at most max_windows long)."""
    n = int(y.size)
    if n < min_size:
        return [n]
    s1 = np.concatenate([[0.0], np.cumsum(y)])
    s2 = np.concatenate([[0.0], np.cumsum(y * y)])
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(n + 1, dtype=np.int64)
    for t in range(min_size, n + 1):
        s = np.arange(0, t - min_size + 1)
        s = s[np.isfinite(best[s])]
        cost = (s2[t] - s2[s]) - (s1[t] - s1[s]) ** 2 / (t - s)
        total = best[s] + cost + penalty
        k = int(np.argmin(total))
        best[t] = total[k]
        last[t] = s[k]
    out = []
    t = n
    while t > 0:
        out.append(t)
        t = int(last[t])
    return sorted(out)


def noise_sigma(y: np.ndarray) -> float:
    """von Neumann's estimate: the standard deviation of first differences over sqrt(2)."""
    if y.size < 3:
        return 0.0
    return float(np.std(np.diff(y)) / math.sqrt(2.0))


def _refine(y: np.ndarray, edges: list[int], weights: np.ndarray | None = None) -> list[int]:
    """Move each inner boundary, left to right, to the split within +-CP_MIN_SEGMENT points
    that minimises the squared deviations of ``y`` from its two segments' means (ranks
    find a change robustly but place it only roughly: they keep order, not magnitude).

    With ``weights`` (the rows behind each daily mean) deviations and means are weighted:
    the split is then the least-squares split of the rows themselves (the within-day part
    of their squared deviations does not depend on the split), so a day of 3 rows moves a
    boundary less than a day of 50. Ties go to the earliest split.
    """
    edges = list(edges)
    for k in range(1, len(edges) - 1):
        a, b, c = edges[k - 1], edges[k], edges[k + 1]
        lo = max(a + CP_MIN_SEGMENT, b - CP_MIN_SEGMENT)
        hi = min(c - CP_MIN_SEGMENT, b + CP_MIN_SEGMENT)
        best, where = math.inf, b
        for split in range(lo, hi + 1):
            cost = 0.0
            for seg in (slice(a, split), slice(split, c)):
                part = y[seg]
                if weights is None:
                    cost += float(np.sum((part - part.mean()) ** 2))
                else:
                    w = weights[seg]
                    centre = float(np.sum(w * part)) / float(np.sum(w))
                    cost += float(np.sum(w * (part - centre) ** 2))
            if cost < best:
                best, where = cost, split
        edges[k] = where
    return edges


def detect_changes(
    y: np.ndarray,
    search: np.ndarray | None = None,
    rows: tuple[np.ndarray, list[int], list[int]] | None = None,
) -> tuple[list[dict], float, float]:
    """Confirmed level shifts of a daily series: (changes, noise sigma of y, penalty).

    ``search`` (default ``y``) is the series the changes are searched, placed and
    confirmed on; ``y`` is the series whose levels are reported. For a numeric column
    ``search`` holds the daily means of g = log_modulus(x), ``y`` the daily means of x, and
    ``rows`` = (values per day, exact fixed-point sums of g per day, of g*g per day).

    The search runs on the ranks of ``search`` (average ranks, standardised by their von
    Neumann noise estimate), so heavy tails and single outlying days cannot create
    segments; each boundary is then refined (:func:`_refine`, weighted by the values per
    day when ``rows`` is given) and confirmed by a Mann–Whitney U test of ``search`` before
    and after it — and, with ``rows``, also by the pooled-variance two-sample t-test of the
    rows' g values before and after it (from the exact segment moments): days are then not
    all equally informative (a day of 1 value is far noisier than a day of 50), which a
    rank test of daily means alone ignores, so a run of sparse days (the end of a log)
    could otherwise pass for a level. The variance is pooled because under no change all
    rows share one distribution (Welch's test would trust the spread of 8 sparse values),
    and the t-test's p-value is multiplied by the number of admissible split positions as
    well as by the candidates (Bonferroni): the boundary was chosen by a scan, so its
    nominal p-value is optimistic. A change is the index of the first point of the new level;
    ``search_before``/``search_after`` are the segment means of ``search`` (with ``rows``:
    the exact means of the rows' g values).
    """
    n = int(y.size)
    search = y if search is None else search
    if n < CP_MIN_POINTS:
        return [], 0.0, 0.0
    ranks = stats.rankdata(search)
    rank_sigma = noise_sigma(ranks)
    if rank_sigma <= 0.0:
        return [], noise_sigma(y), 0.0
    z = (ranks - float(np.median(ranks))) / rank_sigma
    penalty = CP_PENALTY * math.log(n)
    bps = optimal_partition_l2(z, penalty, CP_MIN_SEGMENT)
    weights = None if rows is None else rows[0].astype(np.float64)
    edges = _refine(search, [0, *bps], weights)
    candidates = len(bps) - 1
    out = []
    for k in range(1, len(edges) - 1):
        seg_before = slice(edges[k - 1], edges[k])
        seg_after = slice(edges[k], edges[k + 1])
        p = float(
            stats.mannwhitneyu(
                search[seg_before], search[seg_after], alternative="two-sided"
            ).pvalue
        )
        if bonferroni(p, candidates) >= ALPHA:
            continue
        change = {
            "index": edges[k],
            "before": float(np.mean(y[seg_before])),
            "after": float(np.mean(y[seg_after])),
            "search_before": float(np.mean(search[seg_before])),
            "search_after": float(np.mean(search[seg_after])),
            "n_before": edges[k] - edges[k - 1],
            "n_after": edges[k + 1] - edges[k],
            "p": p,
            "t_p": None,
            "rows_before": None,
            "rows_after": None,
        }
        if rows is not None:
            before, after = _row_moments(rows, seg_before), _row_moments(rows, seg_after)
            t_p = _t_test_p(before, after)
            # the boundary was chosen by scanning the series: Bonferroni over the
            # admissible split positions too, so a chosen split is not taken at face value
            positions = n - 2 * CP_MIN_SEGMENT + 1
            if t_p is None or bonferroni(bonferroni(t_p, candidates), positions) >= ALPHA:
                continue
            change.update(
                {
                    "search_before": before[1],
                    "search_after": after[1],
                    "t_p": t_p,
                    "rows_before": before[0],
                    "rows_after": after[0],
                }
            )
        out.append(change)
    return out, noise_sigma(y), penalty


def _row_moments(rows, seg: slice) -> tuple[int, float, float]:
    """(values, mean, sd) of the rows' g values over a run of days, from exact sums."""
    n = int(rows[0][seg].sum())
    total = sum(rows[1][seg])
    moments = fixed_moments(n, total, sum(rows[2][seg]))
    if moments is None:
        return n, fixed_ratio(total, n) if n else None, 0.0
    return n, moments[0], moments[1]


def _t_test_p(a: tuple[int, float, float], b: tuple[int, float, float]) -> float | None:
    """Two-sided two-sample t-test (pooled variance) p-value from (n, mean, sd) of two
    samples (scipy.stats.ttest_ind_from_stats); 0/1 when both samples are constant."""
    (na, ma, sa), (nb, mb, sb) = a, b
    if na < 2 or nb < 2:
        return None
    if sa == 0.0 and sb == 0.0:
        return 1.0 if ma == mb else 0.0
    res = stats.ttest_ind_from_stats(ma, sa, na, mb, sb, nb, equal_var=True)
    return float(res.pvalue)


class Changepoints(_TimeAnalysis):
    id = "changepoints"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "t_test_p_value": PROBABILITY_DIGITS,
        "penalty": STATISTIC_DIGITS,
    }
    title = "Level shifts in the daily series"
    hourly = False
    robust = True
    method = (
        "Series: the daily row counts (window days, empty days as 0) and, per numeric column, "
        "its daily means (days with values), at least 10 points. Search series: the counts "
        "themselves; for a numeric column the daily means of the log-modulus transform "
        "g(x) = sign(x) * L(1+|x|), L the piecewise-linear interpolation of log2 between "
        "powers of two (exact per-day sums in the same pass; L is within 0.087 of log2, "
        "g(x) ~ x for |x| < 1), so lognormal-like heavy tails cannot dominate a day and a "
        "multiplicative shift becomes an additive one. The search series is replaced by its "
        "average ranks, standardised by the von Neumann noise estimate sigma_r = sd(first "
        "differences)/sqrt(2); optimal partitioning minimises the l2 cost (squared deviations "
        "from segment means) + penalty per segment — the exact optimum PELT computes — with "
        "segments of at least 5 days and the BIC-like penalty 4 * ln(n) (in units of "
        "sigma_r^2). Each boundary is then moved, within +-5 days, to the split minimising "
        "the squared deviations of the search series in its two segments, weighted by the "
        "values per day for a numeric column (the least-squares split of the rows' g "
        "values). A change is reported only when a two-sided Mann–Whitney U test of the "
        "search series between the segments before and after gives p * (candidate changes "
        "in the series) < 0.001 and, for a numeric column, the two-sample t-test with "
        "pooled variance (scipy.stats.ttest_ind_from_stats, equal_var=True: with no change "
        "all rows share one distribution) of the rows' g values before and after (exact "
        "per-day sums of g and g^2) gives p * (candidate changes) * (admissible split "
        "positions, n - 9) < 0.001, so that a run of sparse days (the end of a log) cannot "
        "pass for a level. "
        "Levels before/after are the segment means of the daily series itself (counts, or "
        "daily means of the values); for a numeric column robust_level_before/after are the "
        "means of the rows' g values in the two segments. Severity: medium when the shift "
        "of the search series is at least 3 of its noise sigmas (von Neumann), else low; low "
        "also for a row-count shift under 10% and for a numeric series whose daily values the "
        "month of year explains (Kruskal–Wallis epsilon^2 >= 0.5 over >= 12 months: a seasonal "
        "swing, not a change of level); the row-count series is not searched for yearly or "
        "monthly dates; a series with >= 3 changes wanders (all its changes low); the "
        "per-series scan summary is info. Order: series, then summary, then changes by date"
    )
    reference = (
        "Killick, Fearnhead & Eckley (2012), Optimal detection of changepoints with a linear "
        "computational cost, JASA 107; Jackson et al. (2005), An algorithm for optimal "
        "partitioning of data on an interval, IEEE SPL 12; von Neumann (1941), Ann. Math. "
        "Stat. 12; Mann & Whitney (1947), Ann. Math. Stat. 18; Pettitt (1979), A "
        "non-parametric approach to the change-point problem, Appl. Stat. 28; John & Draper "
        "(1980), An alternative family of transformations, Appl. Stat. 29 (log-modulus); "
        "Mitchell (1962), Computer multiplication and division using binary logarithms, "
        "IRE Trans. Electron. Comput. 11 (piecewise-linear log2)"
    )
    access = "streamed; one pass, bounded map of the latest max_windows days"

    def _search_series(self, s: Series, name: str, y: np.ndarray):
        """(search series, row sums) of a daily series: the counts themselves, or the daily
        means of log_modulus with (values, exact sums of g and g*g) per day."""
        if name == ROWS or s.daily is None:
            return y, None
        _, n, _ = s.daily.means[name]
        total, squares = s.daily.robust_sums[name]
        return s.daily.robust_means[name], (n, total, squares)

    def findings(self, ctx):
        s = self._series(ctx)
        t = ctx.columns[0]
        out = []
        for name, keys, y in self._daily_series(s, ctx):
            if name == ROWS and not row_series_meaningful(ctx):
                continue
            search, rows = self._search_series(s, name, y)
            changes, sigma, penalty = detect_changes(y, search, rows)
            numeric = name != ROWS
            enough = y.size >= CP_MIN_POINTS
            search_sigma = noise_sigma(search) if enough else 0.0
            cols = _series_columns(t, name)
            unit = "rows/day" if name == ROWS else "value"
            out.append(
                ctx.finding(
                    kind="changepoint_scan",
                    title=f"Changepoint scan of daily {name} by {t!r}",
                    subject={"time_column": t, "series": name},
                    values={
                        "points": int(y.size),
                        "changepoints": len(changes),
                        "noise_sigma": _f(sigma) if enough else None,
                        "robust_noise_sigma": _f(search_sigma) if enough and numeric else None,
                        "penalty": _f(penalty) if penalty else None,
                    },
                    units={
                        "points": "days",
                        "changepoints": "count",
                        "noise_sigma": unit,
                        "robust_noise_sigma": "log2 modulus",
                        "penalty": "rank noise variance",
                    },
                    columns=cols,
                    parameters={
                        "min_segment_days": CP_MIN_SEGMENT,
                        "search_series": "daily mean of log_modulus" if numeric else "counts",
                        **self._window_params(s),
                    },
                )
            )
            for ch in changes:
                shift = ch["after"] - ch["before"]
                search_shift = ch["search_after"] - ch["search_before"]
                date = day_label(keys[ch["index"]])
                sigmas = abs(search_shift) / search_sigma if search_sigma > 0 else None
                out.append(
                    ctx.finding(
                        kind="changepoint",
                        title=f"Daily {name} by {t!r} shifts on {date}",
                        subject={"time_column": t, "series": name, "date": date},
                        values={
                            "date": date,
                            "level_before": ch["before"],
                            "level_after": ch["after"],
                            "change": shift,
                            "relative_change": shift / abs(ch["before"]) if ch["before"] else None,
                            "robust_level_before": ch["search_before"] if numeric else None,
                            "robust_level_after": ch["search_after"] if numeric else None,
                            "robust_change": search_shift if numeric else None,
                            "shift_sigmas": sigmas,
                            "days_before": ch["n_before"],
                            "days_after": ch["n_after"],
                            "values_before": ch["rows_before"],
                            "values_after": ch["rows_after"],
                            "p_value": ch["p"],
                            "t_test_p_value": ch["t_p"],
                        },
                        units={
                            "date": "date",
                            "level_before": unit,
                            "level_after": unit,
                            "change": unit,
                            "relative_change": "ratio",
                            "robust_level_before": "log2 modulus",
                            "robust_level_after": "log2 modulus",
                            "robust_change": "log2 modulus",
                            "shift_sigmas": "sigma",
                            "days_before": "days",
                            "days_after": "days",
                            "values_before": "count",
                            "values_after": "count",
                            "p_value": "probability",
                            "t_test_p_value": "probability",
                        },
                        severity=self._severity(ctx, name, keys, y, sigmas, shift, ch)
                        if len(changes) < WANDERING_CHANGES
                        else "low",  # a series that wanders has no level to shift
                        columns=cols,
                        parameters={
                            "min_segment_days": CP_MIN_SEGMENT,
                            "search_series": "daily mean of log_modulus" if numeric else "counts",
                        },
                    )
                )
        return cap_each(ctx, out)

    @staticmethod
    def _severity(ctx, name, keys, y, sigmas, shift, ch) -> str:
        """medium for a clear level shift; low for a small change in row counts (< 10%:
        a missing hour on a DST day is no level shift) or a shift in a series that follows
        the annual cycle (a seasonal swing is not a change of level)."""
        if sigmas is not None and sigmas < 3:
            return "low"
        if name == ROWS and ch["before"] and abs(shift / ch["before"]) < MIN_ROWS_RELATIVE_SHIFT:
            return "low"
        if name != ROWS and annual_cycle_strength(keys, y) >= ANNUAL_CYCLE_EPS2:
            return "low"
        return "medium"


# -- seasonality ---------------------------------------------------------------------------


class Seasonality(_TimeAnalysis):
    id = "seasonality"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "chi2": STATISTIC_DIGITS,
        "cohens_w": STATISTIC_DIGITS,
        "h_statistic": STATISTIC_DIGITS,
        "epsilon_squared": STATISTIC_DIGITS,
    }
    title = "Day-of-week, hour-of-day and month-of-year effects"
    method = (
        "Cycles by the time column's grain (inferred: year/month/week/day/instant): none for "
        "yearly or monthly dates, month of year only for weekly dates, no hour of day for "
        "dates; month of year (means only) when the days with values cover >= 12 months. "
        "Counts: chi-square goodness of fit (scipy.stats.chisquare) of the rows per weekday "
        "(when the data span >= 14 days) and per hour of day (when the timestamps carry a "
        "time of day and span >= 48 hours) against expected counts proportional to the "
        "observed time (first to last timestamp; whole days for dates) falling on each weekday "
        "/ hour; effect size Cohen's w = sqrt(chi2 / n). Means: Kruskal–Wallis H "
        "(scipy.stats.kruskal) of the daily means grouped by weekday and of the hourly means "
        "grouped by hour of day (window buckets with values; >= 14 days / 48 hours); effect "
        "size epsilon^2 = H/(n-1). Severity: low when p * (tests in this item) < 0.001 and the "
        "effect is at least small (w >= 0.1, epsilon^2 >= 0.06), medium when large (w >= 0.3, "
        "epsilon^2 >= 0.14); else info. Hour of day: the hourly means less their day's mean (the "
        "diurnal deviation; seasons would drown it). Month of year: Kruskal–Wallis of the "
        "daily means, less "
        "their Theil–Sen line (a rising series is no cycle), grouped by month. When rows fall outside the window of max_windows days, the "
        "title says so. Order: series, then day of week, hour of day, month of year"
    )
    reference = (
        "Pearson (1900), Phil. Mag. 50; Cohen (1988), Statistical Power Analysis for the "
        "Behavioral Sciences, ch. 7; Kruskal & Wallis (1952), JASA 47; Tomczak & Tomczak (2014)"
    )
    access = "streamed; one pass, bounded maps of the latest max_windows days and hours"

    def findings(self, ctx):
        s = self._series(ctx)
        t = ctx.columns[0]
        cycles = cycles_for(ctx.params.get("grain"))
        tests = []
        for cycle in cycles:
            if cycle != "month_of_year":  # rows per month: the calendar, not an effect
                tests.append(self._count_test(s, cycle))
        for c in ctx.columns[1:]:
            for cycle in cycles:
                tests.append(self._mean_test(s, c, cycle))
        tests = [x for x in tests if not x.get("not_applicable")]
        performed = sum(1 for x in tests if x["values"]["p_value"] is not None)
        out = []
        for test in tests:
            v = test["values"]
            small, large = (0.1, 0.3) if test["effect"] == "cohens_w" else (0.06, 0.14)
            severity = significant_severity(
                v["p_value"], performed, v[test["effect"]], ((large, "medium"), (small, "low"))
            )
            window = ""
            series = s.hourly if test["cycle"] == "hour_of_day" else s.daily
            if series is not None and series.rows_outside:
                window = f" (latest {ctx.budget.max_windows} days)"
            out.append(
                ctx.finding(
                    kind="seasonality",
                    title=f"{test['cycle'].replace('_', ' ').capitalize()} effect on "
                    f"{test['series']} by {t!r}{window}"
                    + (
                        _clock_label(ctx.params.get("clock"))
                        if test["cycle"] == "hour_of_day"
                        else ""
                    ),
                    subject={"time_column": t, "series": test["series"], "cycle": test["cycle"]},
                    values=v,
                    units=test["units"],
                    severity=severity,
                    columns=_series_columns(t, test["series"]),
                    parameters={"tests": performed, **test["params"]},
                )
            )
        return cap_each(ctx, out)

    @staticmethod
    def _labels(cycle: str) -> list[str]:
        if cycle == "month_of_year":
            return list(MONTHS)
        return list(WEEKDAYS) if cycle == "day_of_week" else [f"{h:02d}:00" for h in range(24)]

    def _count_test(self, s: Series, cycle: str) -> dict:
        values = {
            "chi2": None,
            "p_value": None,
            "dof": None,
            "cohens_w": None,
            "n": s.valid,
            "peak": None,
            "peak_ratio": None,
            "trough": None,
            "trough_ratio": None,
        }
        units = {
            "chi2": "statistic",
            "p_value": "probability",
            "dof": "count",
            "cohens_w": "coefficient",
            "n": "count",
            "peak": "phase",
            "peak_ratio": "ratio",
            "trough": "phase",
            "trough_ratio": "ratio",
        }
        test = {
            "series": ROWS,
            "cycle": cycle,
            "values": values,
            "units": units,
            "effect": "cohens_w",
            "params": {},
        }
        interval = s.observed_interval()
        if interval is None or s.valid == 0:
            test["params"]["skipped"] = "no rows with a timestamp"
            return test
        span = interval[1] - interval[0]
        if cycle == "day_of_week":
            period, size, offset = 86400 * s.tps, 7, 3
            observed = s.weekday_counts
            enough = span >= WEEKDAY_MIN_DAYS * period
            need = f"the data span fewer than {WEEKDAY_MIN_DAYS} days"
        else:
            period, size, offset = 3600 * s.tps, 24, 0
            observed = s.hour_of_day_counts
            enough = s.has_time_of_day and span >= HOUR_MIN_HOURS * period
            need = (
                f"the data span fewer than {HOUR_MIN_HOURS} hours"
                if s.has_time_of_day
                else "the timestamps carry no time of day"
            )
        if not enough:
            test["params"]["skipped"] = need
            return test
        exposure = s.exposure(period, size, offset)
        total_exposure = sum(exposure)
        n = sum(observed)
        expected = np.array([n * e / total_exposure for e in exposure], dtype=np.float64)
        obs = np.array(observed, dtype=np.float64)
        res = stats.chisquare(obs, f_exp=expected)
        ratio = obs / expected
        labels = self._labels(cycle)
        chi2 = float(res.statistic)
        values.update(
            {
                "chi2": chi2,
                "p_value": float(res.pvalue),
                "dof": size - 1,
                "cohens_w": math.sqrt(chi2 / n),
                "peak": labels[int(np.argmax(ratio))],
                "peak_ratio": float(ratio.max()),
                "trough": labels[int(np.argmin(ratio))],
                "trough_ratio": float(ratio.min()),
            }
        )
        test["params"]["expected_from"] = "observed time per phase, first to last timestamp"
        return test

    def _mean_test(self, s: Series, column: str, cycle: str) -> dict:
        values = {
            "h_statistic": None,
            "p_value": None,
            "dof": None,
            "epsilon_squared": None,
            "n": 0,
            "peak": None,
            "trough": None,
        }
        units = {
            "h_statistic": "statistic",
            "p_value": "probability",
            "dof": "count",
            "epsilon_squared": "ratio",
            "n": "buckets",
            "peak": "phase",
            "trough": "phase",
        }
        test = {
            "series": column,
            "cycle": cycle,
            "values": values,
            "units": units,
            "effect": "epsilon_squared",
            "params": {},
        }
        if cycle == "day_of_week":
            bucket = s.daily
            minimum = WEEKDAY_MIN_DAYS
            phase = lambda k: (k + 3) % 7  # noqa: E731
            test["params"]["observations"] = "daily means"
        elif cycle == "month_of_year":
            bucket = s.daily
            minimum = 2 * MONTH_MIN_MONTHS
            phase = month_of_day
            test["params"]["observations"] = "daily means"
            if bucket is not None:
                keys = bucket.means[column][0]
                months = np.unique(keys.astype("datetime64[D]").astype("datetime64[M]"))
                if months.size < MONTH_MIN_MONTHS:
                    test["not_applicable"] = True  # the span decides the cycles tested
                    return test
        else:
            bucket = s.hourly if s.has_time_of_day else None
            minimum = HOUR_MIN_HOURS
            phase = lambda k: k % 24  # noqa: E731
            test["params"]["observations"] = "hourly means"
        if bucket is None:
            test["params"]["skipped"] = "no hourly series (no rows, or no time of day)"
            return test
        keys, _, means = bucket.means[column]
        values["n"] = int(keys.size)
        if keys.size < minimum:
            test["params"]["skipped"] = f"fewer than {minimum} buckets with values"
            return test
        if cycle == "hour_of_day" and np.ptp(means) > 0:
            # the diurnal cycle is the hours' deviation from their own day's level: over a
            # year the seasons move every hour alike and would drown it
            means = within_day(keys, means)
            test["params"]["within_day"] = "hourly means less their day's mean of hourly means"
        if cycle == "month_of_year" and np.ptp(means) > 0:
            # a series that rises over the years has higher means in the later months of
            # its span: the cycle is tested on the values less their Theil–Sen line
            x = (keys - keys[0]).astype(np.float64)
            line = stats.theilslopes(means, x)
            means = means - (line.intercept + line.slope * x)
            test["params"]["detrended"] = "daily means less their Theil-Sen line"
        phases = phase(keys)
        groups = [(p, means[phases == p]) for p in sorted(set(phases.tolist()))]
        groups = [(p, g) for p, g in groups if g.size]
        if len(groups) < 2 or np.ptp(means) == 0:
            test["params"]["skipped"] = "fewer than 2 phases, or constant means"
            return test
        res = stats.kruskal(*[g for _, g in groups])
        h = float(res.statistic)
        labels = self._labels(cycle)
        centre = [(float(np.mean(g)), p) for p, g in groups]
        values.update(
            {
                "h_statistic": h,
                "p_value": float(res.pvalue),
                "dof": len(groups) - 1,
                "epsilon_squared": h / (keys.size - 1),
                "peak": labels[min(centre, key=lambda x: (-x[0], x[1]))[1]],
                "trough": labels[min(centre)[1]],
            }
        )
        return test


# -- trend ---------------------------------------------------------------------------------


class Trend(_TimeAnalysis):
    id = "trend"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "tau": STATISTIC_DIGITS,
        "slope_low": STATISTIC_DIGITS,
        "slope_high": STATISTIC_DIGITS,
    }
    title = "Monotonic trend of the daily series"
    hourly = False
    method = (
        "On the daily row-count series (window days, empty days as 0) and each daily mean "
        "series (days with values), at least 10 points: Mann–Kendall test as Kendall's tau-b "
        "between day and value with its asymptotic normal p-value (scipy.stats.kendalltau, "
        "method='asymptotic', tie-corrected variance) and the Theil–Sen slope per day with its "
        "95% interval (scipy.stats.theilslopes). Severity: low when p * (series tested) < "
        "0.001 and |tau| >= 0.2, medium when |tau| >= 0.4; else info. A numeric series whose "
        "daily values the month of year explains (Kruskal–Wallis epsilon^2 >= 0.5 over >= 12 "
        "months) is tested seasonally adjusted (each value less its month's mean plus the "
        "overall mean, exact sums), so an annual cycle is not read as a trend; the title "
        "says so. The row-count series is not tested for yearly or monthly dates. Order: series"
    )
    reference = (
        "Mann (1945), Nonparametric tests against trend, Econometrica 13; Kendall (1975), "
        "Rank Correlation Methods; Sen (1968), JASA 63; Theil (1950)"
    )
    access = "streamed; one pass, bounded map of the latest max_windows days"

    def findings(self, ctx):
        s = self._series(ctx)
        t = ctx.columns[0]
        results = []
        for name, keys, y in self._daily_series(s, ctx):
            if name == ROWS and not row_series_meaningful(ctx):
                continue
            adjusted = name != ROWS and annual_cycle_strength(keys, y) >= ANNUAL_CYCLE_EPS2
            # an annual swing is no trend: test what is left once each month's mean is out
            values = self._test(keys, deseasonalised(keys, y) if adjusted else y)
            values["seasonally_adjusted"] = adjusted
            results.append((name, keys, values))
        tested = sum(1 for _, _, r in results if r["p_value"] is not None)
        out = []
        for name, _, values in results:
            tau = abs(values["tau"] or 0.0)
            severity = significant_severity(
                values["p_value"], tested, tau, ((0.4, "medium"), (0.2, "low"))
            )
            unit = "rows/day" if name == ROWS else "value"
            out.append(
                ctx.finding(
                    kind="trend",
                    title=f"Trend of daily {name} by {t!r}"
                    + (" (seasonally adjusted)" if values["seasonally_adjusted"] else ""),
                    subject={"time_column": t, "series": name},
                    values=values,
                    units={
                        "seasonally_adjusted": "flag",
                        "tau": "coefficient",
                        "p_value": "probability",
                        "slope_per_day": f"{unit} per day",
                        "slope_low": f"{unit} per day",
                        "slope_high": f"{unit} per day",
                        "points": "days",
                        "first_day": "date",
                        "last_day": "date",
                        "fitted_start": unit,
                        "fitted_end": unit,
                        "relative_change": "ratio",
                    },
                    severity=severity,
                    columns=_series_columns(t, name),
                    parameters={
                        "series_tested": tested,
                        "confidence": 0.95,
                        **self._window_params(s),
                    },
                )
            )
        return cap_each(ctx, out)

    @staticmethod
    def _test(keys: np.ndarray, y: np.ndarray) -> dict:
        values = {
            "tau": None,
            "p_value": None,
            "slope_per_day": None,
            "slope_low": None,
            "slope_high": None,
            "points": int(y.size),
            "first_day": None,
            "last_day": None,
            "fitted_start": None,
            "fitted_end": None,
            "relative_change": None,
        }
        if y.size:
            values["first_day"] = day_label(keys[0])
            values["last_day"] = day_label(keys[-1])
        if y.size < TREND_MIN_POINTS or np.ptp(y) == 0:
            return values
        x = (keys - keys[0]).astype(np.float64)
        tau = stats.kendalltau(x, y, method="asymptotic")
        ts = stats.theilslopes(y, x, alpha=0.95)
        start = float(ts.intercept)
        end = float(ts.intercept + ts.slope * x[-1])
        values.update(
            {
                "tau": float(tau.statistic),
                "p_value": float(tau.pvalue),
                "slope_per_day": float(ts.slope),
                "slope_low": float(ts.low_slope),
                "slope_high": float(ts.high_slope),
                "fitted_start": start,
                "fitted_end": end,
                "relative_change": (end - start) / abs(start) if start else None,
            }
        )
        return values


@hookimpl
def statharness_analyses():
    return [TimeSeries(), Changepoints(), Seasonality(), Trend()]
