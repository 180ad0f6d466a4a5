"""The ``trend`` analysis (time family): monotonic trend of the daily series.

One analysis per module so the file tree leads to it; what other time analyses
also use is in ``_common.py``, the family's overview in ``time/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MemoryModel
from pytest_statharness.column_roles import SERIES_GRAIN
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.lazy_scipy import stats
from .._shared.report import cap_each
from .._shared.series import (
    Series,
    significant_severity,
)
from ._common import (
    ANNUAL_CYCLE_EPS2,
    ROWS,
    _less_group_means,
    _series_columns,
    _TimeAnalysis,
    administrative_censoring,
    annual_cycle_strength,
    direction_text,
    month_of_day,
    per_point,
    point_label,
    point_unit,
    row_series_meaningful,
    rows_unit,
    window_label,
)

# trend / seasonality
TREND_MIN_POINTS = 10


def deseasonalised(keys: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` less its month-of-year mean plus the overall mean (exact sums, one rounding)."""
    return _less_group_means(month_of_day(keys), y, math.fsum(y.tolist()) / y.size)


# -- trend ---------------------------------------------------------------------------------


#: at least this many measures trending together are reported once (see Trend)
SHARED_TREND_MIN_SERIES = 3


SHARED_TREND_RULE = (
    "3 or more measures with a medium trend over the same time column are reported once, "
    "as a shared trend (medium); each one's own trend finding is low"
)


FLAT_SLOPE_RULE = (
    "the Theil–Sen slope's 95% interval holds 0 (tied counts that step once, 11 rows a day "
    "then 10): a rank trend with no slope to speak of; severity at most low (a level shift "
    "is the changepoints analysis' finding)"
)


PANEL_RULE = (
    "a balanced panel ({rows} rows in every period, one per entity): the trend of the "
    "entities' mean mixes their own trends and the mix; severity at most low (look per "
    "entity, or at a declared KPI)"
)


def _slope_holds_zero(values: dict) -> bool:
    low, high = values.get("slope_low"), values.get("slope_high")
    return low is not None and high is not None and low <= 0.0 <= high


class Trend(_TimeAnalysis):
    id = "trend"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "maps of the latest max_windows days, months and years"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "tau": STATISTIC_DIGITS,
        "median_abs_tau": STATISTIC_DIGITS,
        "weakest_abs_tau": STATISTIC_DIGITS,
        "slope_low": STATISTIC_DIGITS,
        "slope_high": STATISTIC_DIGITS,
    }
    title = "Monotonic trend of the daily series"
    hourly = False
    coarse = True  # a span longer than the window is read whole, in months or years
    method = (
        "When the dates span more than the window (rows fall before it), the whole span is "
        "read in monthly buckets instead (yearly when the months exceed the window too): each "
        "bucket's count and mean from exact sums rolled up from the days, the series titled "
        "monthly or yearly, parameters buckets and coarsened. "
        "On the daily row-count series (window days, empty days as 0) and each daily mean "
        "series (days with values), at least 10 points: Mann–Kendall test as Kendall's tau-b "
        "between day and value with its asymptotic normal p-value (scipy.stats.kendalltau, "
        "method='asymptotic', tie-corrected variance) and the Theil–Sen slope per day with its "
        "95% interval (scipy.stats.theilslopes). Severity: low when p * (series tested) < "
        "0.001 and |tau| >= 0.2, medium when |tau| >= 0.4 and the slope's 95% interval "
        "excludes 0 (tied counts stepping once have a rank trend and no slope: low); else "
        "info. A numeric series whose "
        "daily values the month of year explains (Kruskal–Wallis epsilon^2 >= 0.5 over >= 12 "
        "months) is tested seasonally adjusted (each value less its month's mean plus the "
        "overall mean, exact sums), so an annual cycle is not read as a trend; the title "
        "says so (never a series numbered 1..N, period(t): its periods have no month). The "
        "row-count series is not tested for yearly or monthly dates. When 3 or "
        "more measures have a medium trend, they are reported once as a shared trend "
        "(medium, listed strongest |tau| first) and each one's own trend is low: measures "
        "that grow together (an economy, a business) are one fact about the table. Titles "
        "name the series by the time column's grain (daily, weekly, monthly, quarterly, "
        "yearly). A balanced panel at a yearly or monthly grain (the same k >= 2 rows in "
        "every period, one per entity) has its measures' trends capped at low: the mean over "
        "entities mixes their trends (not a declared KPI or target). A KPI or target (declared "
        "in the dataset spec; without declared targets, a measure named like an outcome: "
        "'target', 'outcome', 'response', 'price', 'wage', 'salary'...) is corrected "
        "only for the other "
        "declared series and is never folded into a shared trend. A survival table's "
        "follow-up time (beside its event flag: roles.survival_pairs) falling over the time "
        "axis is titled as administrative censoring (later entries followed for less time "
        "until the study closed), reading in parameters. Order: the shared trend, then "
        "series"
    )
    reference = (
        "Mann (1945), Nonparametric tests against trend, Econometrica 13; Kendall (1975), "
        "Rank Correlation Methods; Sen (1968), JASA 63; Theil (1950)"
    )
    access = "streamed; one pass, bounded maps of the latest max_windows days, months, years"

    def findings(self, ctx):
        s = self._series(ctx)
        t = ctx.columns[0]
        results = []
        for name, keys, y in self._daily_series(s, ctx):
            if name == ROWS and not row_series_meaningful(ctx):
                continue
            # a series numbered 1..N sits on day k after 1970-01-01: its "months" are
            # blocks of ~30 periods, no calendar (CO2Hawaii's t: the Keeling curve's rise
            # was taken out as a seasonal swing, tau 0.03 for 0.91)
            adjusted = (
                name != ROWS
                and ctx.params.get("grain") != SERIES_GRAIN
                and annual_cycle_strength(keys, y) >= ANNUAL_CYCLE_EPS2
            )
            # an annual swing is no trend: test what is left once each month's mean is out
            values = self._test(keys, deseasonalised(keys, y) if adjusted else y)
            if y.size:
                values["first_day"] = point_label(ctx, keys[0])
                values["last_day"] = point_label(ctx, keys[-1])
            values["seasonally_adjusted"] = adjusted
            results.append((name, keys, values))
        tested = sum(1 for _, _, r in results if r["p_value"] is not None)
        # a declared KPI or target is a hypothesis stated beforehand: corrected only for the
        # other declared series, not for every measure of the table
        interesting = set(ctx.dataset.kpis) | set(ctx.dataset.targets)
        declared = sum(1 for n, _, r in results if n in interesting and r["p_value"] is not None)
        severities = [
            significant_severity(
                values["p_value"],
                declared if name in interesting else tested,
                abs(values["tau"] or 0.0),
                ((0.4, "medium"), (0.2, "low")),
            )
            for name, _, values in results
        ]
        panel = self._panel_rows(s, ctx)
        # a name says what a column measures, not that its mean over a panel's entities is
        # a series: only declarations lift the panel cap
        declared_here = set(ctx.dataset.kpis) | (
            set(ctx.dataset.targets) if ctx.dataset.targets_declared else set()
        )
        shared = [
            i
            for i, (name, _, _) in enumerate(results)
            if name != ROWS
            and name not in interesting
            and severities[i] == "medium"
            and not _slope_holds_zero(results[i][2])
            and panel is None
        ]
        if len(shared) < SHARED_TREND_MIN_SERIES:
            shared = []
        out = []
        for i, (name, keys, values) in enumerate(results):
            severity = severities[i]
            parameters = {"series_tested": tested, "confidence": 0.95, **self._window_params(s)}
            if severity == "medium" and _slope_holds_zero(values):
                severity = "low"
                parameters["severity_capped"] = FLAT_SLOPE_RULE
            if panel is not None and name not in (ROWS, *declared_here) and severity == "medium":
                # the mean over a fixed set of entities per period mixes their own trends
                severity = "low"
                parameters["severity_capped"] = PANEL_RULE.format(rows=panel)
            if name in interesting:
                parameters["declared_interest"] = (
                    f"a declared KPI or target: Bonferroni over the {declared} declared "
                    "series tested, not over every series; never part of a shared trend"
                )
            censored = administrative_censoring(ctx, name) if (values["tau"] or 0.0) < 0 else None
            if censored is not None:
                # worth seeing once, read for what it is: the study's closing date
                parameters["reading"] = censored
            if i in shared:
                # many measures trending together is one fact about the table (growth of an
                # economy, of a business): said once, in the shared-trend finding
                severity = "low"
                parameters["severity_capped"] = SHARED_TREND_RULE
            unit = rows_unit(s) if name == ROWS else "value"
            out.append(
                ctx.finding(
                    kind="trend",
                    title=f"Trend of {per_point(ctx, keys)} {name} by {t!r}"
                    + (" (seasonally adjusted)" if values["seasonally_adjusted"] else "")
                    + window_label(ctx, s.daily)
                    + (
                        ": later entries followed for less time (administrative censoring)"
                        if censored is not None
                        else ""
                    ),
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
                        "first_day": point_unit(ctx),
                        "last_day": point_unit(ctx),
                        "fitted_start": unit,
                        "fitted_end": unit,
                        "relative_change": "ratio",
                    },
                    severity=severity,
                    columns=_series_columns(t, name),
                    parameters=parameters,
                )
            )
        if shared:
            trending = [results[i] for i in shared]
            # "3 of 4 series" counts measures: the row-count series is not one of them
            measures = sum(1 for n, _, r in results if n != ROWS and r["p_value"] is not None)
            out.insert(
                0, self._shared_finding(ctx, t, trending, measures, window_label(ctx, s.daily))
            )
        return cap_each(ctx, out)

    @staticmethod
    def _panel_rows(s: Series, ctx) -> int | None:
        """k when the table is a balanced panel at a coarse grain: every period holds the
        same k >= 2 rows (one per entity: a firm, a source), so each series point is a mean
        over the entities."""
        if ctx.params.get("grain") not in ("year", "month") or s.daily is None:
            return None
        counts = s.daily.counts[s.daily.counts > 0]
        if counts.size < TREND_MIN_POINTS or counts.min() < 2 or counts.min() != counts.max():
            return None
        return int(counts[0])

    @staticmethod
    def _shared_finding(ctx, t: str, trending: list, tested: int, suffix: str = "") -> dict:
        """One medium finding for the measures that trend together, strongest |tau| first."""
        trending = sorted(trending, key=lambda r: (-abs(r[2]["tau"]), r[0]))
        word = per_point(ctx, trending[0][1])
        names = [name for name, _, _ in trending]
        taus = np.array([values["tau"] for _, _, values in trending])
        up = int(np.count_nonzero(taus > 0))
        direction = direction_text(up, len(names))
        return ctx.finding(
            kind="shared_trend",
            title=f"{len(names)} of {tested} {word} series trend with {t!r} ({direction})" + suffix,
            subject={"time_column": t, "series": names},
            values={
                "series_trending": len(names),
                "series_tested": tested,
                "series_up": up,
                "series_down": len(names) - up,
                "median_abs_tau": float(np.median(np.abs(taus))),
                "weakest_abs_tau": float(np.min(np.abs(taus))),
            },
            units={
                "series_trending": "count",
                "series_tested": "count",
                "series_up": "count",
                "series_down": "count",
                "median_abs_tau": "coefficient",
                "weakest_abs_tau": "coefficient",
            },
            severity="medium",
            columns=[t, *names],
            parameters={"rule": SHARED_TREND_RULE, "series": names},
        )

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
        # first_day / last_day: labelled by the caller (point_label: a date or 't = k')
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
                # a series that crosses zero (a log, a balance) has no relative change
                "relative_change": (end - start) / abs(start)
                if start and (start > 0) == (end > 0)
                else None,
            }
        )
        return values
