"""The ``unusual_days`` analysis (time family): single days far off their weekday's level.

One analysis per module so the file tree leads to it; what other time analyses
also use is in ``_common.py``, the family's overview in ``time/__init__.py``.

Why: a day whose value is far from the same weekday's level in the weeks around it is
what a first look at a daily series should show: the holidays of a births series
(Christmas, Thanksgiving, Labor Day at 65-80% of their weekday's births), a day of a log
with half its rows (a partial load), a day whose mean is off by an order of magnitude (a
unit or a feed error). Level shifts (changepoints), trends and weekly cycles describe the
series; none of them names a single day.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MemoryModel
from pytest_statharness.precision import STATISTIC_DIGITS

from .._shared.numeric import log10_array, pow10_array
from .._shared.report import cap_each
from ._common import (
    COARSE_GRAINS,
    ROWS,
    ROWS_ACTIVE_MIN_SHARE,
    SPARSE_GRAINS,
    _series_columns,
    _TimeAnalysis,
    active_share,
    point_label,
    point_unit,
    row_series_meaningful,
    window_label,
)

#: same weekdays each side of a day whose values make its expected level
NEIGHBOUR_WEEKS = 4
#: ... of which at least this many hold a value on the side that is used
MIN_NEIGHBOURS = 2
#: a series is scanned from this many days with values (8 weeks)
MIN_DAYS = 56
#: a day is unusual from this robust z: its departure from the expected level over
#: 1.4826 x the median absolute deviation of every day's departure (a normal series
#: reaches 6 once in 10^9 days)
UNUSUAL_Z = 6.0
#: more unusual days than max(this, UNUSUAL_SHARE of the days tested) is a heavy-tailed
#: series, not a few days to look at: low
UNUSUAL_MAX = 10
UNUSUAL_SHARE = 0.03
#: a measure's daily series is scanned when one value makes at least this share of its days
ONE_VALUE_SHARE = 0.9
#: positive daily values whose largest is this many times the smallest are compared on
#: the log scale
SPAN_RATIO = 10.0
#: ... when they are skewed to the right: the largest this many times farther above their
#: median than the smallest is below it
SKEWED_SPREAD = 3.0
#: non-negative daily values that are 0 on this share of the days are not scanned ...
INTERMITTENT_SHARE = 0.05
#: ... nor, with some zeros, whose largest value lies this many times farther above their
#: median than the median above 0 (a rain forecast: 0 to 92 mm around a median of 10)
SKEW_RATIO = 5.0
#: days listed in a finding's title (every one is in its values)
TITLE_DAYS = 3
#: days listed in a finding's values
MAX_DAYS = 20

UNUSUAL_RULE = (
    f"a day is unusual when its value departs from its expected level by >= {UNUSUAL_Z:g} "
    "robust standard deviations (1.4826 x the median absolute deviation of every day's "
    "departure from the median of the same weekday in the weeks on both sides); expected = the median of the same weekday's values in the "
    f"{NEIGHBOUR_WEEKS} weeks before, or after, whichever side it is closer to (a level "
    "shift is no unusual day); a measure's positive values spanning 10 times their "
    "smallest, skewed to the right (the largest at least 3 times farther above the median "
    "than the smallest is below it), are compared as logs; medium for 1 to "
    f"max({UNUSUAL_MAX}, {UNUSUAL_SHARE:.0%} of the days) unusual days, low for more (a "
    "heavy-tailed series)"
)


def expected_levels(keys: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(departure, expected level, departure from both sides) of each day of a series
    (``keys``: ascending day numbers; ``y``: values).

    The expected level is the median of the same weekday's values in the NEIGHBOUR_WEEKS
    weeks before the day, or after it: the side whose median is closer to the day's value
    (one side at the ends of the series); NaN when neither side holds MIN_NEIGHBOURS
    values. Why each side alone: a median over both sides puts a day right after a level
    shift halfway between the levels, and every day near the shift would look unusual.
    The departure from the median of both sides together is what the series' scale is
    measured on: the closer of two levels is closer by choice, and a scale of such
    departures would be too small."""
    sides = []
    for sign in (-1, 1):
        around = np.full((y.size, NEIGHBOUR_WEEKS), np.nan)
        for k in range(1, NEIGHBOUR_WEEKS + 1):
            wanted = keys + sign * 7 * k
            at = np.minimum(np.searchsorted(keys, wanted), keys.size - 1)
            found = keys[at] == wanted
            around[found, k - 1] = y[at[found]]
        sides.append(around)
    levels = [_median_of(around) for around in sides]
    both = _median_of(np.hstack(sides))
    before, after = levels
    # the side closer to the day's value; one side where the other has too few values
    use_after = np.isnan(before) | (np.abs(y - after) < np.abs(y - before))
    expected = np.where(use_after, after, before)
    return y - expected, expected, y - both


def _median_of(around: np.ndarray) -> np.ndarray:
    """Each row's median of its values (NaN: none), NaN for fewer than MIN_NEIGHBOURS."""
    enough = np.count_nonzero(~np.isnan(around), axis=1) >= MIN_NEIGHBOURS
    level = np.full(around.shape[0], np.nan)
    if enough.any():
        level[enough] = np.nanmedian(around[enough], axis=1)
    return level


def _number(value: float) -> str:
    """A value for a title: whole thousands with separators, else 4 significant digits."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def one_value_a_day(values_per_day: np.ndarray) -> bool:
    """Whether a measure's daily series is a table's own daily values: one value on at
    least ONE_VALUE_SHARE of its days (births per day, a daily price). Why: the daily mean
    of many rows of a heavy-tailed measure (amounts, waits of a log) is moved by its one
    extreme row, and its 'unusual days' restate the outliers analysis' rows."""
    present = values_per_day[values_per_day > 0]
    return bool(present.size) and np.count_nonzero(present == 1) >= ONE_VALUE_SHARE * present.size


def value_scale(y: np.ndarray) -> str | None:
    """The scale a measure's daily values are compared on: 'log' for positive values
    spanning an order of magnitude (a pollutant's concentration, a price: a day at three
    times its level is an episode of a multiplicative process, not a typo), None for
    non-negative values with zeros on INTERMITTENT_SHARE of the days or more, or with
    zeros and a largest value SKEW_RATIO times farther above their median than the median
    is above 0 (rain, a rain forecast, the
    sales of a rare item: days of zero and bursts), else 'linear'."""
    low, high = float(y.min()), float(y.max())
    middle = float(np.median(y))
    if low > 0 and high >= SPAN_RATIO * low and high - middle >= SKEWED_SPREAD * (middle - low):
        # skewed to the right, as a multiplicative process is; values spread evenly (a
        # uniform noise 0.001..1) made its smallest days '-6.9 robust z' on the log scale
        return "log"
    if low == 0 and (
        np.count_nonzero(y == 0) >= INTERMITTENT_SHARE * y.size
        or high - float(np.median(y)) >= SKEW_RATIO * float(np.median(y))
    ):
        return None
    return "linear"


def robust_scale(departures: np.ndarray) -> float:
    """1.4826 x the median absolute deviation of the departures (the normal's sigma)."""
    centre = float(np.median(departures))
    return 1.4826 * float(np.median(np.abs(departures - centre)))


class UnusualDays(_TimeAnalysis):
    id = "unusual_days"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "maps of the latest max_windows days"
    title = "Single days far off their weekday's level"
    hourly = False
    hourly_sums = False
    method = (
        "On the daily row-count series (window days, empty days as 0; not for weekly, "
        "monthly or yearly dates, and only when rows fall on >= half the days: a rate; the "
        "first and the last day are left out, as an extract cuts them) and each numeric "
        f"column's daily series when one value makes >= {ONE_VALUE_SHARE:.0%} of its days "
        "(a daily table: births per day, a price; the daily mean of many rows is moved by "
        f"its one extreme row, which outliers reports), from {MIN_DAYS} days; a measure whose "
        f"values are all positive and reach {SPAN_RATIO:g} times their smallest is read "
        "as logs (a pollutant, a price: multiplicative), one that is 0 on "
        f">= {INTERMITTENT_SHARE:.0%} of its days, or 0 on some with its largest value "
        f"{SKEW_RATIO:g} times farther above its median than the median is above 0 (rain: "
        "days of zero and bursts), is not scanned: each day's expected level is the "
        f"median of the same weekday's values in the {NEIGHBOUR_WEEKS} weeks before it, or "
        f"in the {NEIGHBOUR_WEEKS} weeks after it (at least {MIN_NEIGHBOURS} values), the "
        "side closer to the day's value; its departure is the value less that level; the "
        "series' robust scale is 1.4826 x the median absolute deviation of every day's "
        "departure from the median of the same weekday on both sides together. "
        f"A day is unusual from |departure| >= {UNUSUAL_Z:g} x the scale (no finding when "
        f"the scale is 0). Severity: medium for 1 to max({UNUSUAL_MAX}, "
        f"{UNUSUAL_SHARE:.0%} of the days scanned) unusual days, low for more, info for "
        f"none; the title lists the {TITLE_DAYS} farthest, the values up to {MAX_DAYS} (day, "
        "value, expected level, robust z), farthest first. Order: the row-count series, "
        "then numeric columns in column order"
    )
    reference = (
        "Cleveland et al. (1990), STL: A Seasonal-Trend Decomposition Procedure Based on "
        "Loess, J. Off. Stat. 6(1) (a day against its seasonal level); Hampel (1974), The "
        "Influence Curve and its Role in Robust Estimation, JASA 69 (median absolute "
        "deviation); Rousseeuw & Croux (1993), JASA 88"
    )
    access = "streamed; one pass, bounded maps of the latest max_windows days"

    def findings(self, ctx):
        s = self._series(ctx)
        t = ctx.columns[0]
        grain = ctx.params.get("grain")
        if s.daily is None or grain in SPARSE_GRAINS or grain in COARSE_GRAINS:
            return []
        out = []
        for name, keys, y in self._daily_series(s, ctx):
            if name == ROWS:
                if not row_series_meaningful(ctx) or active_share(y) < ROWS_ACTIVE_MIN_SHARE:
                    continue
                keys, y = keys[1:-1], y[1:-1]  # the first and last day: cut by the extract
            elif not one_value_a_day(s.daily.means[name][1]):
                continue  # a day's mean of many rows: one extreme row moves it (outliers)
            if y.size < MIN_DAYS:
                continue
            y = np.asarray(y, dtype=np.float64)
            scale = "linear" if name == ROWS else value_scale(y)
            if scale is None:
                continue  # days of zero and bursts: a burst is the series' tail
            finding = self._scan(ctx, s, t, name, keys, y, scale)
            if finding is not None:
                out.append(finding)
        return cap_each(ctx, out)

    def _scan(
        self, ctx, s, t: str, name: str, keys: np.ndarray, y: np.ndarray, scale_name: str
    ) -> dict | None:
        if scale_name == "log":
            # math.log10 per value: numpy's log differs in the last bits by SIMD dispatch
            departure, expected, spread = expected_levels(keys, log10_array(y))
            expected = pow10_array(expected)  # the level in the column's unit
        else:
            departure, expected, spread = expected_levels(keys, y)
        tested = np.flatnonzero(np.isfinite(departure))
        measured = spread[np.isfinite(spread)]
        if tested.size < MIN_DAYS // 2 or measured.size < MIN_DAYS // 2:
            return None
        scale = robust_scale(measured)
        if not (scale > 0 and math.isfinite(scale)):
            return None
        z = departure / scale
        unusual = tested[np.abs(z[tested]) >= UNUSUAL_Z]
        # farthest first; ties by date
        unusual = unusual[np.lexsort((keys[unusual], -np.abs(z[unusual])))]
        limit = max(UNUSUAL_MAX, math.floor(UNUSUAL_SHARE * tested.size))
        severity = "info" if not unusual.size else "medium" if unusual.size <= limit else "low"
        shown = unusual[:MAX_DAYS]
        word = "rows" if name == ROWS else name
        if unusual.size:
            listed = ", ".join(
                f"{point_label(ctx, keys[i])} ({_number(y[i])} against {_number(expected[i])})"
                for i in shown[:TITLE_DAYS]
            )
            more = f" and {unusual.size - TITLE_DAYS} more" if unusual.size > TITLE_DAYS else ""
            title = (
                f"{unusual.size} unusual day{'s' if unusual.size > 1 else ''} of daily {word} "
                f"by {t!r}: {listed}{more}"
            )
        else:
            title = f"No unusual day of daily {word} by {t!r}"
        unit = "rows/day" if name == ROWS else "value"
        return ctx.finding(
            kind="unusual_days",
            title=title + window_label(ctx, s.daily),
            subject={"time_column": t, "series": name},
            values={
                "unusual_days": int(unusual.size),
                "days_scanned": int(tested.size),
                "robust_scale": scale,
                "days": [point_label(ctx, keys[i]) for i in shown],
                "observed": [float(y[i]) for i in shown],
                "expected": [float(expected[i]) for i in shown],
                "robust_z": [float(z[i]) for i in shown],
            },
            units={
                "unusual_days": "count",
                "days_scanned": "days",
                "robust_scale": "log" if scale_name == "log" else unit,
                "days": point_unit(ctx),
                "observed": unit,
                "expected": unit,
                "robust_z": "ratio",
            },
            severity=severity,
            columns=_series_columns(t, name),
            # through libm on the log scale: declared digits (pytest_statharness.precision)
            precision=(
                dict.fromkeys(("robust_scale", "expected", "robust_z"), STATISTIC_DIGITS)
                if scale_name == "log"
                else None
            ),
            parameters={
                "rule": UNUSUAL_RULE,
                "z": UNUSUAL_Z,
                "scale": scale_name,
                **self._window_params(s),
            },
        )
