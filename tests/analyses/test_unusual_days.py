"""unusual_days: single days far off their weekday's level, against a direct numpy
computation; a level shift, a heavy-tailed log's daily means and an extract's cut first
and last days are no unusual day."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import assert_chunk_invariant, vals
from statharness_analyses.time.unusual_days import UNUSUAL_Z, UnusualDays

from pytest_statharness.testing import run_on_frame

START = pd.Timestamp("2024-01-01")  # a Monday
WEEKLY = np.array([1.0, 1.02, 1.03, 1.01, 1.0, 0.75, 0.7])  # Monday .. Sunday


def births(days: int = 364, seed: int = 3) -> pd.DataFrame:
    """One row a day: a weekly cycle around 10,000, noise sd 100, a level shift of +1,500
    on day 200, and three 'holidays' at 75% of their weekday's level."""
    rng = np.random.default_rng(seed)
    day = np.arange(days)
    level = 10_000 * WEEKLY[day % 7] + np.where(day >= 200, 1_500, 0)
    y = np.round(level + rng.normal(0, 100, days))
    for holiday in (45, 185, 358):
        y[holiday] = np.round(0.75 * level[holiday])
    return pd.DataFrame({"date": START + pd.to_timedelta(day, "D"), "births": y})


def _numpy_departures(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(departure from the closer one-sided level, departure from both sides) per day,
    computed directly: the medians of up to 4 same weekdays each side (2 or more)."""
    n = y.size
    closer, both = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        before = [y[i - 7 * k] for k in range(1, 5) if i - 7 * k >= 0]
        after = [y[i + 7 * k] for k in range(1, 5) if i + 7 * k < n]
        levels = [np.median(side) for side in (before, after) if len(side) >= 2]
        if levels:
            closer[i] = min((y[i] - level for level in levels), key=abs)
        if len(before) + len(after) >= 2:
            both[i] = y[i] - np.median(before + after)
    return closer, both


def test_holidays_are_unusual_and_a_level_shift_is_not() -> None:
    frame = births()
    result = assert_chunk_invariant(UnusualDays(), frame)
    (f,) = [f for f in result.findings if f["subject"]["series"] == "births"]
    v = vals(f)
    assert f["severity"] == "medium"
    assert sorted(v["days"]) == ["2024-02-15", "2024-07-04", "2024-12-24"]
    y = frame["births"].to_numpy()
    closer, both = _numpy_departures(y)
    scale = 1.4826 * np.median(np.abs(both - np.median(both)))
    assert v["robust_scale"] == scale
    z = closer / scale
    assert set(np.flatnonzero(np.abs(z) >= UNUSUAL_Z)) == {45, 185, 358}
    at = [int((pd.Timestamp(d) - START).days) for d in v["days"]]
    assert v["robust_z"] == [z[i] for i in at]
    assert v["observed"] == [y[i] for i in at]
    assert f["title"].startswith("3 unusual days of daily births by 'date': 2024-")


def test_a_heavy_tailed_measure_of_a_log_is_not_scanned_but_a_partial_day_is() -> None:
    """A log of ~200 rows a day: the daily means of a lognormal amount (one big row moves
    a day) are no daily table; a day with half its rows is unusual; the first and the
    last day, cut by the extract, are not."""
    rng = np.random.default_rng(5)
    days = 120
    counts = rng.poisson(200, days)
    counts[0], counts[-1] = 30, 20  # an extract cut mid-day
    counts[70] = 100  # a partial load
    day = np.repeat(np.arange(days), counts)
    stamps = (
        START + pd.to_timedelta(day, "D") + pd.to_timedelta(rng.uniform(0, 86_399, day.size), "s")
    )
    frame = pd.DataFrame(
        {"timestamp": stamps, "amount": np.round(rng.lognormal(3, 1.5, day.size), 2)}
    ).sort_values("timestamp", kind="stable")
    result = run_on_frame(UnusualDays(), frame)
    series = {f["subject"]["series"]: f for f in result.findings}
    assert set(series) == {"rows"}
    rows = series["rows"]
    assert rows["severity"] == "medium"
    assert vals(rows)["days"] == [str((START + pd.Timedelta(days=70)).date())]
    assert vals(rows)["days_scanned"] == days - 2


def test_noise_a_multiplicative_series_and_rain_have_no_unusual_day() -> None:
    """A pollutant's daily concentration (lognormal, spanning 10 times its smallest) is
    read as logs: its episodes of 3 times the level are its tail (robustbase's
    ambientNOxCH: 8 sites flagged on the linear scale); rain (0 on a quarter of the days)
    is days of zero and bursts: not scanned."""
    rng = np.random.default_rng(11)
    days = 400
    frame = pd.DataFrame(
        {
            "date": START + pd.to_timedelta(np.arange(days), "D"),
            "y": rng.normal(50, 5, days),
            "nox": rng.lognormal(3.5, 0.55, days),
            "rain": np.where(rng.random(days) < 0.26, 0.0, rng.gamma(0.8, 10, days)),
            # uniform noise 0.001..1 spans 1000 times its smallest but is no skewed,
            # multiplicative series: read as logs, its smallest days were medium (rater BR)
            "v": np.r_[rng.uniform(0.05, 1, days - 1), [0.0011]],
        }
    )
    assert frame["nox"].max() >= 10 * frame["nox"].min()
    found = {f["subject"]["series"]: f for f in run_on_frame(UnusualDays(), frame).findings}
    assert set(found) == {"y", "nox", "v"}
    assert all(f["severity"] == "info" for f in found.values())
    assert found["nox"]["evidence"]["parameters"]["scale"] == "log"
    assert found["y"]["evidence"]["parameters"]["scale"] == "linear"
    assert found["v"]["evidence"]["parameters"]["scale"] == "linear"
