"""Severity means actionability: the rules of docs/policies.md ("Severity") on planted data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import by_column, vals
from statharness_analyses.distribution.outliers import Outliers
from statharness_analyses.relationships.correlation import Correlation

from pytest_statharness.testing import run_on_frame


def test_a_value_orders_of_magnitude_beyond_the_bulk_is_high() -> None:
    rng = np.random.default_rng(0)
    wind = rng.gamma(4.0, 2.5, 5000)
    wind[1234] = 1048.0  # an impossible wind speed
    found = by_column(run_on_frame(Outliers(), pd.DataFrame({"wind": wind})))
    f = found["wind"]
    assert f["kind"] == "outliers" and f["severity"] == "high"
    assert 1234 in f["evidence"]["example_rows"]


def test_a_heavy_tail_is_low_and_called_a_tail() -> None:
    rng = np.random.default_rng(1)
    delay = np.concatenate([rng.normal(0, 5, 8000), rng.exponential(120, 2000)])
    f = by_column(run_on_frame(Outliers(), pd.DataFrame({"delay": delay})))["delay"]
    assert f["kind"] == "outliers" and f["severity"] == "low"
    assert "heavy tail" in f["title"]


def test_a_pooled_mixture_is_low_and_names_its_groups() -> None:
    rng = np.random.default_rng(2)
    symbol = np.repeat(["MSFT", "AMZN", "IBM", "AAPL", "GOOG"], 200)
    centre = {"MSFT": 25, "AMZN": 40, "IBM": 90, "AAPL": 30, "GOOG": 500}
    price = np.array([centre[s] for s in symbol]) * rng.lognormal(0, 0.1, symbol.size)
    frame = pd.DataFrame({"symbol": symbol, "price": price})
    f = by_column(run_on_frame(Outliers(), frame))["price"]
    mixture = f["evidence"]["parameters"]["mixture"]
    assert mixture["group"] == "symbol" and mixture["eta_squared"] >= 0.5
    assert f["severity"] in ("info", "low")


def test_trending_series_do_not_make_a_medium_correlation() -> None:
    rng = np.random.default_rng(3)
    months = pd.date_range("2006-01-01", periods=120, freq="MS")
    t = np.arange(120.0)
    frame = pd.DataFrame(
        {
            "month": months,
            "jobs_a": 100 + 2 * t + rng.normal(0, 3, 120),  # two unrelated growing series
            "jobs_b": 50 + 1.5 * t + rng.normal(0, 3, 120),
            "noise": rng.normal(0, 1, 120),
        }
    )
    findings = run_on_frame(Correlation(), frame).findings
    pair = next(f for f in findings if set(f["subject"]["columns"]) == {"jobs_a", "jobs_b"})
    assert abs(vals(pair)["pearson_r"]) > 0.9
    assert pair["severity"] == "low"
    assert not any("month" in f["subject"]["columns"] for f in findings)  # read, not reported
