"""The ``trend`` analysis (time family): monotonic trend of the daily series.

One analysis per module so the file tree leads to it; what other time analyses
also use is in ``_common.py``, the family's overview in ``time/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import stats

from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.report import cap_each
from .._shared.series import (
    day_label,
    significant_severity,
)
from ._common import (
    ANNUAL_CYCLE_EPS2,
    ROWS,
    _less_group_means,
    _series_columns,
    _TimeAnalysis,
    annual_cycle_strength,
    month_of_day,
    row_series_meaningful,
)

# trend / seasonality
TREND_MIN_POINTS = 10


def deseasonalised(keys: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``y`` less its month-of-year mean plus the overall mean (exact sums, one rounding)."""
    return _less_group_means(month_of_day(keys), y, math.fsum(y.tolist()) / y.size)


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
