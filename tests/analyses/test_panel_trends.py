"""Trends within the units of a panel: counted per unit, exact within-unit r, one fact said
once, no panel read into an event log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statharness_analyses.time.panel_trends import PanelTrends

from pytest_statharness.testing import run_on_frame


def states(seed: int = 8, n_states: int = 30, years: int = 15) -> pd.DataFrame:
    """Output grows ~3% a year in every state from very different levels; a rate wanders;
    experience grows by exactly one a year."""
    rng = np.random.default_rng(seed)
    year = np.tile(np.arange(1970, 1970 + years), n_states)
    unit = np.repeat(np.arange(n_states), years)
    size = rng.lognormal(3, 1, n_states)[unit]
    return pd.DataFrame(
        {
            "state": np.array([f"S{u:02d}" for u in unit]),
            "year": year,
            "gsp": size * 1.03 ** (year - 1970) * rng.lognormal(0, 0.01, year.size),
            "unemp": rng.normal(6, 1.5, year.size),
            "exper": (year - 1970) + rng.integers(0, 20, n_states)[unit],
        }
    )


def by_series(findings) -> dict:
    return {f["subject"]["series"]: f for f in findings if f["kind"] == "panel_trend"}


def test_growth_within_every_unit_is_found_with_exact_values() -> None:
    frame = states()
    result = run_on_frame(PanelTrends(), frame)
    found = by_series(result.findings)
    gsp = found["gsp"]
    assert gsp["severity"] == "medium"
    assert gsp["title"].startswith(
        "'gsp' rises within 30 of 30 levels of 'state' over 'date(year)'"
    )
    values = gsp["measurement"]["values"]
    assert values["units_up"] == 30 and values["units_down"] == 0
    t = (pd.to_datetime(frame.year.astype(str) + "-01-01") - pd.Timestamp(0)).dt.days
    dt = t - t.groupby(frame.state).transform("mean")
    dy = frame.gsp - frame.gsp.groupby(frame.state).transform("mean")
    assert values["within_r"] == pytest.approx(np.corrcoef(dt, dy)[0, 1], rel=1e-9)
    assert found["unemp"]["severity"] in ("info", "low")
    # experience grows by one a year in every unit: by construction, low
    assert found["exper"]["severity"] == "low"
    assert "lockstep" in found["exper"]["evidence"]["parameters"]["severity_capped"]
    split = run_on_frame(PanelTrends(), frame, chunk_rows=41)
    assert [f["measurement"] for f in split.findings] == [f["measurement"] for f in result.findings]


def test_a_period_index_orders_time_when_the_table_has_no_date() -> None:
    """Airline's shape: 6 airlines x 'year' 1..15 (periods numbered, no date). The trend
    within the airlines is read over the index itself: within r as numpy has it."""
    rng = np.random.default_rng(21)
    unit = np.repeat(np.arange(1, 7), 15)
    t = np.tile(np.arange(1, 16), 6)
    frame = pd.DataFrame(
        {
            "airline": unit,
            "year": t,
            "output": rng.lognormal(0, 1, 6)[unit - 1] * 1.06**t * rng.lognormal(0, 0.03, 90),
        }
    )
    result = run_on_frame(PanelTrends(), frame)
    output = by_series(result.findings)["output"]
    assert output["severity"] == "medium"
    assert output["title"].startswith(
        "'output' rises within 6 of 6 levels of 'airline' over 'year'"
    )
    dt = frame.year - frame.year.groupby(frame.airline).transform("mean")
    dy = frame.output - frame.output.groupby(frame.airline).transform("mean")
    within = output["measurement"]["values"]["within_r"]
    assert within == pytest.approx(np.corrcoef(dt, dy)[0, 1], rel=1e-9)


def test_many_measures_trending_in_the_units_are_one_finding() -> None:
    frame = states()
    frame["pcap"] = frame.gsp * 3.1
    frame["emp"] = frame.gsp / 40 + np.random.default_rng(1).normal(0, 0.001, len(frame))
    result = run_on_frame(PanelTrends(), frame)
    shared = [f for f in result.findings if f["kind"] == "shared_panel_trend"]
    assert len(shared) == 1 and shared[0]["severity"] == "medium"
    assert set(shared[0]["subject"]["series"]) == {"gsp", "pcap", "emp"}
    assert all(f["severity"] != "medium" for f in result.findings if f["kind"] == "panel_trend")


def test_an_event_log_has_no_panel() -> None:
    """Instants, not periods: a region of an event log is no unit observed each period."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.uniform(0, 9e6, 3000), "s"),
            "region": rng.choice(["north", "south", "east", "west"], 3000),
            "amount": rng.gamma(2, 10, 3000),
        }
    )
    assert run_on_frame(PanelTrends(), frame) is None


def test_a_series_common_to_every_unit_is_low_and_a_lone_falling_measure_is_named() -> None:
    """Cigarette's shape: a national cpi repeated in every state rises in all 48 (the same
    values per year: not the states' trend, low); packs per head fall while prices, taxes
    and incomes rise: the shared finding names the one that falls."""
    frame = states()
    years = frame.year - 1970
    rng = np.random.default_rng(2)
    frame["cpi"] = 100 * 1.05**years  # the same in every state
    frame["price"] = frame.gsp * 0 + 1.04**years * rng.lognormal(0, 0.01, len(frame))
    frame["packs"] = 120 * 0.97**years * rng.lognormal(0, 0.01, len(frame))
    found = run_on_frame(PanelTrends(), frame).findings
    series = by_series(found)
    assert series["cpi"]["severity"] == "low"
    assert "common series" in series["cpi"]["evidence"]["parameters"]["severity_capped"]
    (shared,) = [f for f in found if f["kind"] == "shared_panel_trend"]
    assert "down: 'packs'" in shared["title"]
    assert "cpi" not in shared["subject"].get("series", []) and "'cpi'" not in shared["title"]


def test_a_second_key_of_the_same_units_is_not_reported_again() -> None:
    """texas' statefip beside state, munnell's ST_ABB beside STATE: two columns keying the
    same units gave every trend twice (rated FALSE as a duplicate). Only the first is read."""
    frame = states()
    frame["fips"] = frame["state"].str[1:].astype(int) * 2 + 1
    frame = frame[["state", "fips", "year", "gsp", "unemp", "exper"]]
    result = run_on_frame(PanelTrends(), frame)
    units = {f["subject"]["unit_column"] for f in result.findings if f["kind"] == "panel_trend"}
    assert units == {"state"}
    assert by_series(result.findings)["gsp"]["severity"] == "medium"
