"""Facts said once: measures that trend together, measures that move together, a shift that
lasts (issue: findings to act on — a list of ten findings about one fact is noise)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame


def analysis(analysis_id: str):
    return Registry.builtin().get(analysis_id)


def by_kind(result, kind: str) -> list[dict]:
    return [f for f in result.findings if f["kind"] == kind]


def quarterly_economy(seed: int = 0, quarters: int = 120) -> pd.DataFrame:
    """A table with one row per quarter: five series that grow, one that does not."""
    rng = np.random.default_rng(seed)
    t = np.arange(quarters)
    frame = pd.DataFrame(
        {
            "when": pd.date_range("1980-01-01", periods=quarters, freq="QS"),
            "gdp": 100 * 1.01**t + rng.normal(0, 1, quarters),
            "consumption": 70 * 1.01**t + rng.normal(0, 1, quarters),
            "investment": 20 * 1.012**t + rng.normal(0, 1, quarters),
            "population": 200 + 0.5 * t + rng.normal(0, 0.5, quarters),
            "unemployment": 8 - 0.02 * t + rng.normal(0, 0.3, quarters),
            "noise": rng.normal(0, 1, quarters),
        }
    )
    return frame


def test_measures_trending_together_are_one_medium_finding() -> None:
    result = run_on_frame(analysis("trend"), quarterly_economy())
    shared = by_kind(result, "shared_trend")
    assert len(shared) == 1
    summary = shared[0]
    assert summary["severity"] == "medium"
    series = summary["subject"]["series"]
    assert {"gdp", "consumption", "investment", "population", "unemployment"} <= set(series)
    assert "noise" not in series
    values = summary["measurement"]["values"]
    assert values["series_trending"] == len(series)
    assert values["series_down"] == 1 and "4 up, 1 down" in summary["title"]
    assert "quarterly" in summary["title"]
    # each member's own trend is still reported, at low, pointing at the rule
    own = {f["subject"]["series"]: f for f in by_kind(result, "trend")}
    for name in series:
        assert own[name]["severity"] == "low"
        assert "shared trend" in own[name]["evidence"]["parameters"]["severity_capped"]
        assert own[name]["title"].startswith("Trend of quarterly ")


def test_two_trending_measures_keep_their_own_findings() -> None:
    frame = quarterly_economy()[["when", "gdp", "consumption", "noise"]]
    result = run_on_frame(analysis("trend"), frame)
    assert not by_kind(result, "shared_trend")
    own = {f["subject"]["series"]: f for f in by_kind(result, "trend")}
    assert own["gdp"]["severity"] == own["consumption"]["severity"] == "medium"


def test_measures_moving_together_are_one_group() -> None:
    rng = np.random.default_rng(3)
    n = 600
    size = rng.normal(10, 2, n)
    frame = pd.DataFrame(
        {
            "radius": size + rng.normal(0, 0.3, n),
            "perimeter": 6.28 * size + rng.normal(0, 1.0, n),
            "area": 3.14 * size**2 + rng.normal(0, 5, n),
            "age": rng.normal(50, 10, n),
            "years_married": None,
            "unrelated": rng.normal(0, 1, n),
        }
    )
    frame["years_married"] = frame["age"] - 22 + rng.normal(0, 3, n)
    result = run_on_frame(analysis("correlation"), frame)
    groups = by_kind(result, "correlated_group")
    assert len(groups) == 1
    group = groups[0]
    assert group["severity"] == "medium"
    assert group["subject"]["columns"] == ["radius", "perimeter", "area"]
    assert group["measurement"]["values"]["columns_in_group"] == 3
    assert result.findings[0] is group  # reported first
    pairs = {tuple(f["subject"]["columns"]): f for f in by_kind(result, "correlation")}
    assert pairs[("radius", "perimeter")]["severity"] == "low"
    assert (
        "correlated group"
        in pairs[("radius", "perimeter")]["evidence"]["parameters"]["severity_capped"]
    )
    # a pair outside any group keeps its own medium
    assert pairs[("age", "years_married")]["severity"] == "medium"


def test_a_moderate_shift_that_lasts_is_medium() -> None:
    """The Nile's flow: a drop of 250 (about twice the year-to-year noise, sd 120) in year
    28 of 100, held."""
    rng = np.random.default_rng(1871)
    level = np.where(np.arange(100) < 28, 1100.0, 850.0)
    frame = pd.DataFrame(
        {
            "year": pd.date_range("1871-01-01", periods=100, freq="YS"),
            "volume": level + rng.normal(0, 120, 100),
        }
    )
    result = run_on_frame(analysis("changepoints"), frame)
    shifts = by_kind(result, "changepoint")
    assert len(shifts) == 1
    shift = shifts[0]
    assert shift["severity"] == "medium", shift["measurement"]["values"]
    assert shift["title"].startswith("Yearly volume ")
    assert shift["measurement"]["values"]["shift_sigmas"] < 3  # medium by the lasting rule


def test_a_short_moderate_blip_stays_low() -> None:
    rng = np.random.default_rng(5)
    level = np.where((np.arange(100) >= 50) & (np.arange(100) < 58), 1250.0, 1100.0)
    frame = pd.DataFrame(
        {
            "year": pd.date_range("1871-01-01", periods=100, freq="YS"),
            "volume": level + rng.normal(0, 150, 100),
        }
    )
    result = run_on_frame(analysis("changepoints"), frame)
    assert all(f["severity"] != "medium" for f in by_kind(result, "changepoint"))
