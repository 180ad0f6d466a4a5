"""The ``seasonality`` analysis (time family): day-of-week, hour-of-day and month-of-year
effects.

One analysis per module so the file tree leads to it; what other time analyses
also use is in ``_common.py``, the family's overview in ``time/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MemoryModel
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.lazy_scipy import SCIPY_SIGNAL, signal, stats
from .._shared.report import cap_each
from .._shared.series import (
    WEEKDAYS,
    Series,
    significant_severity,
)
from ._common import (
    COARSE_GRAINS,
    MONTH_MIN_MONTHS,
    NAIVE_CLOCK,
    ROWS,
    ROWS_ACTIVE_MIN_SHARE,
    _less_group_means,
    _series_columns,
    _TimeAnalysis,
    active_share,
    month_of_day,
    window_label,
)

WEEKDAY_MIN_DAYS = 14
#: rows per weekday are an effect on activity when the table holds at least this many rows
#: a day on average; fewer are the dates of a sparse schedule (a poll a month)
SPARSE_ROWS_PER_DAY = 0.5
#: ... and when rows fall on at least ROWS_ACTIVE_MIN_SHARE of the days spanned (the
#: latest max_windows days): a survey answered on 18 of 233 days has no weekly rhythm
HOUR_MIN_HOURS = 48


def within_day(hours: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Hourly values less the mean of their day's hourly values (exact sums)."""
    return _less_group_means(hours // 24, y)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def seasonal_residuals(keys: np.ndarray, y: np.ndarray):
    """(keys, y less its centred 2 x m moving average, m, that moving average) for a regular
    series of one value per month (m = 12) or per quarter (m = 4) over at least three
    years; None otherwise. The keys are those the average covers (half a year less at
    each end).

    Why a moving average: it follows any smooth trend (growth by a factor of 30, a rise
    and a fall), and over exactly one year it averages every season once, so what is left
    is the season plus noise (the classical decomposition, Macaulay 1931)."""
    if keys.size < 2 or np.ptp(y) == 0:
        return None
    months = keys.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    steps = np.diff(months)
    step = int(steps[0])
    if step not in (1, 3) or not np.all(steps == step):
        return None
    m = 12 // step
    if y.size < 3 * m:
        return None
    weights = np.r_[0.5, np.ones(m - 1), 0.5] / m
    trend = np.convolve(y, weights, mode="valid")
    half = m // 2
    return keys[half:-half], y[half:-half] - trend, m, trend


def _quarterly(phases: np.ndarray) -> bool:
    """Months of one phase of the quarter only (Jan/Apr/Jul/Oct, or Mar/Jun/Sep/Dec)."""
    months = set(phases.tolist())
    return len({m % 3 for m in months}) == 1 and 2 <= len(months) <= 4


#: the years' seasonal swing follows their level at least this closely (Spearman): the
#: season is multiplicative (airline passengers: the summer peak grows with the traffic)
MULTIPLICATIVE_R = 0.8
#: ... when the largest year's swing is at least this many times the smallest's
MULTIPLICATIVE_GROWTH = 2.0
MULTIPLICATIVE_MIN_YEARS = 4
MULTIPLICATIVE_RULE = (
    "the seasonal swing grows with the series' level (Spearman r = {r:.2f} of the full "
    "years' mean level and their swing, the largest swing >= 2x the smallest): a "
    "multiplicative season; compare log values, or the ratio to the trend"
)


def swing_with_level(
    keys: np.ndarray, level: np.ndarray, residual: np.ndarray, per_year: int
) -> float | None:
    """Spearman r of the full years' mean level (the moving average) and their seasonal
    swing (standard deviation of the residuals), when >= MULTIPLICATIVE_MIN_YEARS full
    years differ in level and the largest swing is >= MULTIPLICATIVE_GROWTH x the smallest;
    None otherwise (no growth to follow)."""
    years = keys.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    levels, swings = [], []
    for year in np.unique(years):
        mask = years == year
        if int(mask.sum()) == per_year:
            levels.append(float(np.mean(level[mask])))
            swings.append(float(np.std(residual[mask])))
    if len(levels) < MULTIPLICATIVE_MIN_YEARS or min(swings) <= 0:
        return None
    if max(swings) < MULTIPLICATIVE_GROWTH * min(swings) or np.ptp(levels) == 0:
        return None
    return float(stats.spearmanr(levels, swings).statistic)


#: a cycle of the year is seen to repeat over years holding at least this many months
#: each; with fewer than two such years only a dominant one is medium
REPEAT_MIN_MONTHS = 6
DOMINANT_SEASON_EPS2 = 0.5
#: the years' month profiles must correlate this much on average for a medium cycle
REPEAT_MIN_R = 0.3


def _year_profiles(
    keys: np.ndarray, y: np.ndarray, phases: np.ndarray, least: int = REPEAT_MIN_MONTHS
) -> list[dict]:
    """Per calendar year with >= ``least`` phases (months, or quarters): {phase: mean}."""
    years = keys.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    out = []
    for year in np.unique(years):
        mask = years == year
        phase_means = {
            int(p): float(np.mean(y[mask & (phases == p)]))
            for p in np.unique(phases[mask]).tolist()
        }
        if len(phase_means) >= least:
            out.append(phase_means)
    return out


def repeat_correlation(profiles: list[dict]) -> float | None:
    """Mean Pearson r of the month (quarter) profiles of every two years, on their common
    phases (at least 3); None with fewer than two years to compare."""
    rs = []
    for i in range(len(profiles)):
        for j in range(i + 1, len(profiles)):
            common = sorted(set(profiles[i]) & set(profiles[j]))
            if len(common) < 3:
                continue
            a = np.array([profiles[i][m] for m in common])
            b = np.array([profiles[j][m] for m in common])
            if np.ptp(a) == 0 or np.ptp(b) == 0:
                continue
            rs.append(float(np.corrcoef(a, b)[0, 1]))
    return float(np.mean(rs)) if rs else None


def _unrepeated_season(test: dict, values: dict) -> str | None:
    """Why a medium cycle of the year is at most low, or None: a season is a pattern that
    comes back every year. An exchange rate wandering for three years, or a level shift in
    a 14-month log, gives each month its own level once; that is no season."""
    if test["cycle"] not in _YEAR_CYCLES or "repeat_r" not in test:
        return None
    r, years = test["repeat_r"], test["years_compared"]
    if r is None:
        if (values.get("epsilon_squared") or 0.0) >= DOMINANT_SEASON_EPS2:
            return None  # one year of a dominant cycle (temperatures): said as found
        return (
            f"fewer than two years with {REPEAT_MIN_MONTHS}+ months of data: the month "
            "pattern cannot be seen to repeat, and only a dominant one (epsilon^2 >= "
            f"{DOMINANT_SEASON_EPS2}) is medium; severity at most low"
        )
    if r < REPEAT_MIN_R:
        return (
            f"the month profiles of the {years} years correlate r = {r:.2f} on average "
            f"(< {REPEAT_MIN_R}): the pattern does not repeat from year to year (a wander "
            "or a shift, not a season); severity at most low"
        )
    return None


#: month means that follow each other closely (lag-1 autocorrelation from this on) and
#: change over 12 months at least WANDER_RATIO as much as over 6 (variance ratio) wander:
#: a season makes the 12-month changes the smaller (the same phase a year later), a random
#: walk the larger. Seasonal series read 0.01..0.36 (nottem 0.02, UKDriverDeaths 0.36);
#: exchange rates over 33 months 0.57..0.84 with autocorrelation 0.84; monthly strike
#: counts (noisy, autocorrelation 0.49) are left to the other tests
WANDER_RATIO = 0.5
WANDER_AUTOCORRELATION = 0.8
WANDER_MIN_MONTHS = 24


def month_change_ratio(keys: np.ndarray, y: np.ndarray) -> tuple[float, float] | None:
    """(var(12-month changes) / var(6-month changes), lag-1 autocorrelation of consecutive
    present months) of the month means of a daily series (pairs of months both present),
    or None with fewer than WANDER_MIN_MONTHS months or constant changes."""
    months = keys.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    present, inverse = np.unique(months, return_inverse=True)
    if present.size < WANDER_MIN_MONTHS:
        return None
    sums = np.bincount(inverse, weights=y)
    means = dict(zip(present.tolist(), (sums / np.bincount(inverse)).tolist(), strict=True))

    def pairs(lag: int) -> tuple[np.ndarray, np.ndarray]:
        later = [m for m in means if m + lag in means]
        return np.array([means[m] for m in later]), np.array([means[m + lag] for m in later])

    (a6, b6), (a12, b12) = pairs(6), pairs(12)
    six, twelve = b6 - a6, b12 - a12
    # one month mean and the next present one (a quarterly series steps by three)
    ordered = np.array([means[m] for m in sorted(means)])
    a1, b1 = ordered[:-1], ordered[1:]
    if six.size < 2 or twelve.size < 2 or np.var(six) == 0 or np.ptp(a1) == 0 or np.ptp(b1) == 0:
        return None
    return float(np.var(twelve) / np.var(six)), float(np.corrcoef(a1, b1)[0, 1])


def _wandering_months(test: dict) -> str | None:
    """Why a month-of-year cycle is at most low: the month means wander (an exchange rate
    over three years gives each month its own level once), or None."""
    found = test.get("wander")
    if found is None:
        return None
    ratio, r1 = found
    if ratio < WANDER_RATIO or r1 < WANDER_AUTOCORRELATION:
        return None
    return (
        f"the month means follow each other (lag-1 r = {r1:.2f} >= {WANDER_AUTOCORRELATION}) "
        f"and change over 12 months {ratio:.2f} times as much as over 6 (>= {WANDER_RATIO}): "
        "they wander like a random walk, where a season would bring each month back to its "
        "level a year later; severity at most low"
    )


#: a cycle of the year whose phase means span less than this share of the series' standard
#: deviation is too small to act on (US quarterly population: 0.3%; J&J's quarters: 25%)
MIN_SEASON_SHARE = 0.05

#: this many measures or more with a medium month-of-year (quarter-of-year) cycle peaking in
#: the same month are one fact about the table (meat production: every series peaks in Oct)
SHARED_SEASON_MIN_SERIES = 3
SHARED_SEASON_RULE = (
    "3 or more measures with a medium cycle of the same kind (of the year, the week or the "
    "day) peaking in the same month (quarter, weekday, hour), else lowest in the same one, "
    "over the same time column are reported once, as a shared season (medium); each one's "
    "own finding is low"
)
_YEAR_CYCLES = ("month_of_year", "quarter_of_year")
#: how a shared finding names a cycle, and the preposition of its phase ("in July")
_CYCLE_WORDS = {
    "month_of_year": ("month-of-year", "in"),
    "quarter_of_year": ("quarter-of-year", "in"),
    "day_of_week": ("day-of-week", "on"),
    "hour_of_day": ("hour-of-day", "at"),
}


def _shared_season(ctx, t: str, out: list[dict], performed: int) -> list[dict]:
    """One medium finding, first, per cycle (of the year, of the week, of the day) that 3
    or more measures share: the same peak, else the same trough (13 air-quality sites, all
    lowest on Sundays); their own findings low (the shared-trend rule of ``trend``)."""
    shared = []
    for family in (_YEAR_CYCLES, ("day_of_week",), ("hour_of_day",)):
        seasonal = [
            f
            for f in out
            if f["kind"] == "seasonality"
            and f["severity"] == "medium"
            and f["subject"]["cycle"] in family
            and f["subject"]["series"] != ROWS
        ]
        found = _common_phase(seasonal)
        if found is None:
            continue
        side, phase, members = found
        for f in members:
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = SHARED_SEASON_RULE
        members.sort(
            key=lambda f: (-f["measurement"]["values"]["epsilon_squared"], f["subject"]["series"])
        )
        effects = np.array([f["measurement"]["values"]["epsilon_squared"] for f in members])
        cycle = members[0]["subject"]["cycle"]
        word, where = _CYCLE_WORDS[cycle]
        how = "peaking" if side == "peak" else "lowest"
        names = [f["subject"]["series"] for f in members]
        shared.append(
            ctx.finding(
                kind="shared_season",
                title=f"{len(members)} series have a {word} cycle by {t!r}, {how} {where} {phase}",
                subject={"time_column": t, "series": names},
                values={
                    "series_seasonal": len(members),
                    "tests": performed,
                    "median_epsilon_squared": float(np.median(effects)),
                    "weakest_epsilon_squared": float(effects.min()),
                },
                units={
                    "series_seasonal": "count",
                    "tests": "count",
                    "median_epsilon_squared": "ratio",
                    "weakest_epsilon_squared": "ratio",
                },
                severity="medium",
                columns=[t, *names],
                parameters={"rule": SHARED_SEASON_RULE, side: phase, "cycle": cycle},
            )
        )
    return [*shared, *out]


def _common_phase(seasonal: list[dict]) -> tuple[str, str, list[dict]] | None:
    """("peak" or "trough", the phase, the members) shared by >= SHARED_SEASON_MIN_SERIES
    of the findings: the most common peak or the most common trough, whichever more share
    (the peak on a tie)."""
    if len(seasonal) < SHARED_SEASON_MIN_SERIES:
        return None
    best = None
    for side in ("peak", "trough"):
        phases = [f["measurement"]["values"][side] for f in seasonal]
        phase = max(sorted(set(phases)), key=phases.count)
        members = [f for f in seasonal if f["measurement"]["values"][side] == phase]
        if best is None or len(members) > len(best[2]):
            best = (side, phase, members)
    return best if len(best[2]) >= SHARED_SEASON_MIN_SERIES else None


def cycles_for(grain: str | None) -> tuple[str, ...]:
    """The cycles a time column can show: no hour of day in dates, no weekday in months."""
    if grain == "month":  # monthly or quarterly values: the season is all there is
        return ("month_of_year",)
    if grain in COARSE_GRAINS:
        return ()
    if grain == "week":  # every row on the same weekday
        return ("month_of_year",)
    if grain == "day":
        return ("day_of_week", "month_of_year")
    return ("day_of_week", "hour_of_day", "month_of_year")


def _clock_label(clock: str | None) -> str:
    if not clock:
        return ""
    return f" ({clock})" if clock == NAIVE_CLOCK else f" ({clock} hours)"


# -- seasonality ---------------------------------------------------------------------------


#: a non-calendar cycle (a yearly series' 11-year sunspot cycle) is looked for in regular
#: yearly series of at least this many points, at periods from 3 points to a quarter of the
#: series (a period seen fewer than 4 times is no cycle)
PERIOD_MIN_POINTS = 40


PERIOD_MIN_STEPS = 3


PERIOD_MAX_SHARE_OF_SPAN = 4


#: the peak frequency's share of the detrended variance from which a cycle is medium
PERIOD_MEDIUM_SHARE = 0.1


#: (low, medium) effect sizes per effect measure
EFFECT_BANDS = {
    "cohens_w": (0.1, 0.3),
    "epsilon_squared": (0.06, 0.14),
    "variance_share": (0.0, PERIOD_MEDIUM_SHARE),
}


#: a weekday holding this many times its share of the observed days' rows: the rows follow
#: a schedule (who or what is recorded on which day)
SCHEDULE_PEAK_RATIO = 2.5


def _scheduled_weekdays(tests: list[dict]) -> str | None:
    """The rule text when the rows themselves crowd onto a weekday (its rows >=
    SCHEDULE_PEAK_RATIO times the share of the days it covers), else None. Then a measure's
    weekday differences may be those of whatever is scheduled on each day (a pollster's
    fieldwork day), not an effect of the day."""
    for test in tests:
        if test["series"] == ROWS and test["cycle"] == "day_of_week":
            ratio = test["values"].get("peak_ratio")
            if ratio is not None and ratio >= SCHEDULE_PEAK_RATIO:
                return (
                    f"the rows crowd onto {test['values']['peak']} ({ratio:.1f} times its share "
                    "of the days): a schedule of who or what is recorded on which weekday, "
                    "whose differences the weekdays then carry; severity at most low"
                )
    return None


class Seasonality(_TimeAnalysis):
    id = "seasonality"
    imports = SCIPY_SIGNAL  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "maps of the latest max_windows days and hours"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "chi2": STATISTIC_DIGITS,
        "cohens_w": STATISTIC_DIGITS,
        "h_statistic": STATISTIC_DIGITS,
        "epsilon_squared": STATISTIC_DIGITS,
        "median_epsilon_squared": STATISTIC_DIGITS,
        "weakest_epsilon_squared": STATISTIC_DIGITS,
        "period": STATISTIC_DIGITS,
        "variance_share": STATISTIC_DIGITS,
        "power_ratio": STATISTIC_DIGITS,
        "lag1_autocorrelation": STATISTIC_DIGITS,
        "season_share_of_spread": STATISTIC_DIGITS,
        "year_profile_r": STATISTIC_DIGITS,
        "swing_level_r": STATISTIC_DIGITS,
    }
    title = "Day-of-week, hour-of-day and month-of-year effects, and cycles of yearly series"
    method = (
        "Cycles by the time column's grain (inferred: year/month/week/day/instant): none for "
        "yearly dates, month of year only for monthly and weekly dates (quarter of year when "
        "every value falls on 1 Jan/Apr/Jul/Oct, or on the last day of Mar/Jun/Sep/Dec: "
        "quarterly data), no hour of day for "
        "dates; month of year (means only) when the days with values cover >= 12 months and "
        "there are >= 24 values. "
        "Counts: chi-square goodness of fit (scipy.stats.chisquare) of the rows per weekday "
        "(when the data span >= 14 days) and per hour of day (when the timestamps carry a "
        "time of day and span >= 48 hours) against expected counts proportional to the "
        "observed time (first to last timestamp; whole days for dates) falling on each weekday "
        "/ hour; effect size Cohen's w = sqrt(chi2 / n); rows per weekday or hour of a table "
        f"with fewer than {SPARSE_ROWS_PER_DAY} rows a day on average (a poll a month), or "
        f"with rows on fewer than {ROWS_ACTIVE_MIN_SHARE:.0%} of the days spanned (a survey "
        "answered in a burst), are the days a schedule or a collection fell on: severity at "
        "most low. Means: Kruskal–Wallis H "
        "(scipy.stats.kruskal) of the daily means grouped by weekday and of the hourly means "
        "grouped by hour of day (window buckets with values; >= 14 days / 48 hours); effect "
        "size epsilon^2 = H/(n-1). Severity: low when p * (tests in this item) < 0.001 and the "
        "effect is at least small (w >= 0.1, epsilon^2 >= 0.06), medium when large (w >= 0.3, "
        "epsilon^2 >= 0.14); else info. Hour of day: the hourly means less their day's mean (the "
        "diurnal deviation; seasons would drown it). Month of year: Kruskal–Wallis of the "
        "daily means, less "
        "their Theil–Sen line (a rising series is no cycle), grouped by month; a regular monthly "
        "or quarterly series of >= 3 years: its values less their centred 2x12 (2x4) moving "
        "average (the classical decomposition: a curved trend is no cycle either), at most low "
        "when its phase means span < 5% of the series' standard deviation "
        "(season_share_of_spread: a smooth total's tiny wobble); its title says "
        "'multiplicative' when the full years' swing (sd of the values less the moving "
        "average) follows their level (the moving average's mean), Spearman r >= 0.8 over "
        ">= 4 years with the largest swing >= 2x the smallest (swing_level_r). A cycle of the year must "
        "repeat: with two or more calendar years of >= 6 months (3 quarters), the years' profiles "
        "(means of the tested values) must correlate r >= 0.3 on average (year_profile_r); "
        "with fewer, only a dominant cycle (epsilon^2 >= 0.5) is medium; else at most low. "
        "Month means of a daily or weekly series (>= 24 months) that follow each other (lag-1 "
        "r >= 0.8) and change over "
        "12 months >= 0.5 times as much as over 6 (variance ratio) wander like a random walk "
        "(an exchange rate): their month effect is at most low. "
        "Rows per weekday with no row "
        "at all on some weekdays (a trading calendar) are info. A measure's weekday effect is "
        "at most low when the rows crowd onto one weekday (>= 2.5 times its share of the "
        "days: a schedule, such as a pollster's fieldwork day). 3 or more "
        "measures with a medium cycle of the same kind (year, week, day) peaking in the same "
        "month (quarter, weekday, hour), else lowest in the same one, are one shared season "
        "(medium, first; their own findings low). Yearly "
        "series (one value a year, none missing, >= 40 years): the strongest cycle of 3 years "
        "to a quarter of the span in the periodogram (scipy.signal.periodogram) of the series "
        "less its Theil–Sen line, each ordinate divided by the AR(1) red-noise spectrum of "
        "the same lag-1 autocorrelation and mean power; p = 1 - (1 - exp(-ratio))^m over the "
        "m periods searched; effect: the peak's share of the detrended variance (low from "
        "any, medium from 0.1). When rows fall outside the window of max_windows days, the "
        "title says so. Order: series, then day of week, hour of day, month of year, cycle"
    )
    reference = (
        "Pearson (1900), Phil. Mag. 50; Cohen (1988), Statistical Power Analysis for the "
        "Behavioral Sciences, ch. 7; Kruskal & Wallis (1952), JASA 47; Tomczak & Tomczak "
        "(2014); Gilman, Fuglister & Mitchell (1963), On the power spectrum of red noise, "
        "J. Atmos. Sci. 20; Schuster (1898), periodogram"
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
            if ctx.params.get("grain") == "year":
                tests.append(self._period_test(s, c))
        tests = [x for x in tests if not x.get("not_applicable")]
        performed = sum(1 for x in tests if x["values"]["p_value"] is not None)
        scheduled = _scheduled_weekdays(tests)
        out = []
        for test in tests:
            v = test["values"]
            small, large = EFFECT_BANDS[test["effect"]]
            severity = significant_severity(
                v["p_value"], performed, v[test["effect"]], ((large, "medium"), (small, "low"))
            )
            if test["cycle"] == "period":
                out.append(self._period_finding(ctx, t, test, severity, performed))
                continue
            if test.get("closed_days"):
                severity = "info"
            if test.get("sparse_schedule") and severity in ("medium", "high"):
                severity = "low"
            if (
                scheduled is not None
                and test["cycle"] == "day_of_week"
                and test["series"] != ROWS
                and severity in ("medium", "high")
            ):
                # polls: each pollster starts its fieldwork on its own weekday
                severity = "low"
                test["params"]["severity_capped"] = scheduled
            capped = _unrepeated_season(test, v) if severity in ("medium", "high") else None
            if capped is None and severity in ("medium", "high"):
                capped = _wandering_months(test)
            if capped is not None:
                severity = "low"
                test["params"]["severity_capped"] = capped
            share = v.get("season_share_of_spread")
            if share is not None and share < MIN_SEASON_SHARE and severity in ("medium", "high"):
                severity = "low"
                test["params"]["severity_capped"] = (
                    f"the season spans {share:.2%} of the series' standard deviation (< "
                    f"{MIN_SEASON_SHARE:.0%}): consistent but too small to matter beside the "
                    "trend and the noise; severity at most low"
                )
            window = (
                ""  # rows per weekday / hour of day are counted over every row, not a window
                if test["series"] == ROWS and test["cycle"] in ("day_of_week", "hour_of_day")
                else window_label(ctx, s.hourly if test["cycle"] == "hour_of_day" else s.daily)
            )
            out.append(
                ctx.finding(
                    kind="seasonality",
                    title=f"{test['cycle'].replace('_', ' ').capitalize()} effect on "
                    f"{test['series']} by {t!r}{window}"
                    + (
                        " (multiplicative: the swing grows with the level)"
                        if test.get("multiplicative")
                        else ""
                    )
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
        return cap_each(ctx, _shared_season(ctx, t, out, performed))

    @staticmethod
    def _period_test(s: Series, column: str) -> dict:
        """The strongest non-calendar cycle of a regular yearly series, tested against red
        noise: the periodogram of the series less its Theil–Sen line, each ordinate over the
        AR(1) spectrum of the same lag-1 autocorrelation and mean power (Gilman, Fuglister &
        Mitchell 1963), so a persistent series' low-frequency power is no cycle."""
        values = {
            "period": None,
            "p_value": None,
            "variance_share": None,
            "power_ratio": None,
            "lag1_autocorrelation": None,
            "frequencies_tested": None,
            "n": 0,
        }
        units = {
            "period": "years",
            "p_value": "probability",
            "variance_share": "ratio",
            "power_ratio": "ratio",
            "lag1_autocorrelation": "coefficient",
            "frequencies_tested": "count",
            "n": "count",
        }
        test = {
            "series": column,
            "cycle": "period",
            "values": values,
            "units": units,
            "effect": "variance_share",
            "params": {},
        }
        if s.daily is None or column not in s.daily.means:
            test["not_applicable"] = True
            return test
        keys, _, y = s.daily.means[column]
        values["n"] = int(y.size)
        steps = np.diff(keys)
        if y.size < PERIOD_MIN_POINTS or not np.all((steps >= 365) & (steps <= 366)):
            # too short or not one value a year: no cycle is looked for (no finding)
            test["not_applicable"] = True
            return test
        x = np.arange(y.size, dtype=np.float64)
        line = stats.theilslopes(y, x)
        r = y - (line.intercept + line.slope * x)
        r = r - r.mean()
        if not np.any(r):
            test["params"]["skipped"] = "the series is a straight line"
            return test
        f, power = signal.periodogram(r, detrend=False)
        inner = (f > 0) & (f < 0.5)
        with np.errstate(divide="ignore"):
            period = np.where(f > 0, 1.0 / np.where(f > 0, f, 1.0), np.inf)
        candidates = (
            inner & (period >= PERIOD_MIN_STEPS) & (period <= y.size / PERIOD_MAX_SHARE_OF_SPAN)
        )
        if not candidates.any():
            test["params"]["skipped"] = "the series is too short for a cycle of >= 3 years"
            return test
        rho = float(np.corrcoef(r[:-1], r[1:])[0, 1])
        # math.cos per element: numpy's SIMD-dispatched cos differs in last bits by CPU
        cosines = np.array([math.cos(2 * math.pi * x) for x in f.tolist()])
        red = (1 - rho**2) / (1 - 2 * rho * cosines + rho**2)
        ratio = power / (red * (power[inner].mean() / red[inner].mean()))
        peak = int(np.argmax(np.where(candidates, ratio, -np.inf)))
        m = int(candidates.sum())
        # the largest of m ordinates, each ~ Exp(1) over the red-noise spectrum
        p = -math.expm1(m * math.log1p(-math.exp(-float(ratio[peak]))))
        values.update(
            {
                "period": float(period[peak]),
                "p_value": p,
                "variance_share": float(power[peak] / power[inner].sum()),
                "power_ratio": float(ratio[peak]),
                "lag1_autocorrelation": rho,
                "frequencies_tested": m,
            }
        )
        test["params"]["periods_searched"] = (
            f"{PERIOD_MIN_STEPS} years to a quarter of the span ({y.size / 4:g} years)"
        )
        return test

    @staticmethod
    def _period_finding(ctx, t: str, test: dict, severity: str, performed: int) -> dict:
        v = test["values"]
        name = test["series"]
        title = (
            f"A cycle of about {v['period']:.1f} years in {name} by {t!r}"
            if v["period"] is not None
            else f"Cycle search in yearly {name} by {t!r}"
        )
        return ctx.finding(
            kind="cycle",
            title=title,
            subject={"time_column": t, "series": name, "cycle": "period"},
            values=v,
            units=test["units"],
            severity=severity,
            columns=_series_columns(t, name),
            parameters={"tests": performed, **test["params"]},
        )

    @staticmethod
    def _labels(cycle: str) -> list[str]:
        if cycle == "month_of_year":
            return list(MONTHS)
        if cycle == "quarter_of_year":
            return [f"Q{m // 3 + 1}" for m in range(12)]  # a quarter's first or last month
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
        days = 86400 * s.tps
        active = active_share(s.daily.counts if s.daily is not None else None)
        if n < SPARSE_ROWS_PER_DAY * span / days or active < ROWS_ACTIVE_MIN_SHARE:
            # thatcher's monthly polls, brexit's polls every few days, a salary survey
            # answered on 18 of 233 days: the days a schedule or a collection fell on, not
            # a rhythm of activity
            test["params"]["severity_capped"] = (
                f"{n} rows on {active:.0%} of the {span / days:.0f} days spanned (fewer "
                f"than {SPARSE_ROWS_PER_DAY} rows a day, or rows on fewer than "
                f"{ROWS_ACTIVE_MIN_SHARE:.0%} of the days): the days a sparse schedule or a "
                "one-off collection fell on (polls, a survey's answers), not a rhythm of "
                "activity; severity at most low"
            )
            test["sparse_schedule"] = True
        closed = [labels[i] for i, count in enumerate(observed) if count == 0]
        if cycle == "day_of_week" and closed:
            # a market's or an office's table: no row ever falls on its closed days
            test["params"]["severity_capped"] = (
                f"no rows on {', '.join(closed)} over the whole span: a calendar of open days "
                "(trading or business days), not an effect on them; severity info"
            )
            test["closed_days"] = True
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
        regular = seasonal_residuals(keys, means) if cycle == "month_of_year" else None
        if cycle == "month_of_year" and regular is None:
            # a daily or weekly series, tested less a straight line: a wander stays in it (a
            # regular monthly series' moving average takes it out)
            test["wander"] = month_change_ratio(keys, means)
        if regular is not None:
            # a regular monthly or quarterly series: the values less their centred moving
            # average over one year, the trend however curved (J&J's earnings grow 30-fold;
            # a straight line would leave the curve and drown the quarters)
            spread = float(np.std(means))  # of the values as they are, trend and all
            keys, means, per_year, level = regular
            grows = swing_with_level(keys, level, means, per_year)
            if grows is not None:
                values["swing_level_r"] = grows
                units["swing_level_r"] = "coefficient"
                if grows >= MULTIPLICATIVE_R:
                    test["multiplicative"] = True
                    test["params"]["multiplicative"] = MULTIPLICATIVE_RULE.format(r=grows)
            values["n"] = int(keys.size)
            test["params"]["detrended"] = (
                f"values less their centred 2x{per_year} moving average (classical "
                "decomposition; the half-year at each end has none)"
            )
            test["spread"] = spread
        elif cycle == "month_of_year" and np.ptp(means) > 0:
            # a series that rises over the years has higher means in the later months of
            # its span: the cycle is tested on the values less their Theil–Sen line
            x = (keys - keys[0]).astype(np.float64)
            line = stats.theilslopes(means, x)
            means = means - (line.intercept + line.slope * x)
            test["params"]["detrended"] = "daily means less their Theil-Sen line"
        phases = phase(keys)
        if cycle == "month_of_year" and _quarterly(phases):
            # quarterly values (1 Jan, 1 Apr, 1 Jul, 1 Oct; or 31 Mar, 30 Jun, ...): four
            # seasons, named so
            test["cycle"] = cycle = "quarter_of_year"
        if test["cycle"] in _YEAR_CYCLES:
            least = 3 if test["cycle"] == "quarter_of_year" else REPEAT_MIN_MONTHS
            profiles = _year_profiles(keys, means, phases, least)
            test["repeat_r"] = repeat_correlation(profiles)
            test["years_compared"] = len(profiles)
            if test["repeat_r"] is not None:
                values["year_profile_r"] = test["repeat_r"]
                test["units"]["year_profile_r"] = "coefficient"
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
        if test.get("spread"):
            # how large the season is beside the series' own spread: a smooth total
            # (a population) has a consistent, tiny within-year wobble that ranks detect
            means_by_phase = [c for c, _ in centre]
            values["season_share_of_spread"] = (max(means_by_phase) - min(means_by_phase)) / test[
                "spread"
            ]
            units["season_share_of_spread"] = "ratio"
        return test
