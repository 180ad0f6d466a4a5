"""Gaps in regular series: missing hours per station, none in a complete series, events."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statharness_analyses.time.gaps import Gaps

from pytest_statharness.testing import run_on_frame


def hourly_panel(drop: dict[str, list[int]]) -> pd.DataFrame:
    hours = pd.date_range("2013-01-01", periods=24 * 60, freq="h")
    parts = []
    for station in ("EWR", "JFK", "LGA"):
        keep = np.ones(hours.size, bool)
        keep[drop.get(station, [])] = False
        parts.append(pd.DataFrame({"station": station, "t": hours[keep], "temp": 1.0}))
    return pd.concat(parts, ignore_index=True)


def test_missing_hours_per_station_are_counted_and_listed() -> None:
    frame = hourly_panel({"EWR": [5, 6, 700], "LGA": [30]})
    findings = run_on_frame(Gaps(), frame).findings
    by = {f["subject"]["series"]: f for f in findings}
    assert set(by) == {"EWR", "JFK", "LGA"}
    ewr = by["EWR"]["measurement"]["values"]
    assert ewr["missing"] == 3 and ewr["expected"] == 24 * 60
    assert ewr["first_missing"] == ["2013-01-01T05:00", "2013-01-01T06:00", "2013-01-30T04:00"]
    assert by["EWR"]["severity"] == "medium" and by["EWR"]["subject"]["group_column"] == "station"
    assert by["JFK"]["kind"] == "series_regularity" and by["JFK"]["severity"] == "info"
    split = run_on_frame(Gaps(), frame, chunk_rows=97).findings
    assert [f["measurement"] for f in split] == [f["measurement"] for f in findings]


def test_events_are_not_a_regular_series() -> None:
    rng = np.random.default_rng(0)
    t = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 30 * 24, 5000), unit="h")
    findings = run_on_frame(Gaps(), pd.DataFrame({"t": t, "x": 1.0})).findings
    assert len(findings) == 1 and findings[0]["severity"] == "info"
    assert "events" in findings[0]["evidence"]["parameters"]["not_regular"]


def test_monthly_series_counts_calendar_months() -> None:
    months = pd.date_range("2000-01-01", periods=60, freq="MS").delete([13, 14])
    findings = run_on_frame(Gaps(), pd.DataFrame({"m": months, "x": 1.0})).findings
    v = findings[0]["measurement"]["values"]
    assert v["missing"] == 2 and v["first_missing"] == ["2001-02", "2001-03"]
