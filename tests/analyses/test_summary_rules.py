"""Facts said once: measures that trend together, measures that move together, a shift that
lasts (issue: findings to act on — a list of ten findings about one fact is noise)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

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


def outcome_table(seed: int = 11, n: int = 440) -> pd.DataFrame:
    """Two predictors of an outcome, at r ~ 0.45 (between Cohen's medium and large) and
    r ~ 0.6, and one strongly tied pair."""
    rng = np.random.default_rng(seed)
    bmi = rng.normal(26, 4, n)
    s5 = rng.normal(4.6, 0.5, n)
    s4 = s5 * 1.0 + rng.normal(0, 0.35, n)
    target = 0.42 * (bmi - 26) / 4 + 0.55 * (s5 - 4.6) / 0.5 + rng.normal(0, 0.63, n)
    return pd.DataFrame({"bmi": bmi, "s4": s4, "s5": s5, "progression": target})


def test_a_declared_target_makes_its_large_correlations_medium() -> None:
    frame = outcome_table()
    plain = run_on_frame(analysis("correlation"), frame, targets=())
    declared = run_on_frame(analysis("correlation"), frame, targets=("progression",))

    def severity(result, x, y):
        for f in by_kind(result, "correlation"):
            if set(f["subject"]["columns"]) == {x, y}:
                return f["severity"], f["measurement"]["values"]["pearson_r"]
        raise AssertionError((x, y))

    sev, r = severity(plain, "bmi", "progression")
    assert 0.4 <= r < 0.5 and sev == "low"  # under the 0.5 of a column's clear partner
    assert severity(declared, "bmi", "progression")[0] == "medium"
    assert severity(declared, "s5", "progression")[0] == "medium"  # not the strongest of s5
    assert severity(declared, "bmi", "s5")[0] != "medium"
    # a measure named "target" (scikit-learn's frames) is the outcome without a spec;
    # a spec's empty ``targets`` (here: targets=()) says there is none
    named = frame.rename(columns={"progression": "target"})
    assert severity(run_on_frame(analysis("correlation"), named), "bmi", "target")[0] == "medium"
    assert (
        severity(run_on_frame(analysis("correlation"), named, targets=()), "bmi", "target")[0]
        == "low"
    )


def test_a_declared_target_trend_is_not_corrected_for_every_series() -> None:
    """Twelve model years of cars: the yearly mean of the outcome rises (tau ~ 0.76 over 12
    points, p ~ 6e-4), among six measures (named so that no outcome is inferred: `mpg` is one); corrected for six it is not significant at
    0.001, declared beforehand it is."""
    rng = np.random.default_rng(70)
    years = np.repeat(np.arange(1970, 1982), 30)
    n = years.size
    frame = pd.DataFrame(
        {
            "year": pd.to_datetime([f"{y}-01-01" for y in years]),
            "economy": 17
            + 0.9 * (years - 1970)
            + rng.normal(0, 1.2, n)
            + np.repeat(rng.normal(0, 1.8, 12), 30),
            **{f"m{k}": rng.normal(0, 1, n) for k in range(5)},
        }
    )
    plain = run_on_frame(analysis("trend"), frame)
    declared = run_on_frame(analysis("trend"), frame, targets=("economy",))
    mine = {f["subject"]["series"]: f for f in by_kind(declared, "trend")}
    theirs = {f["subject"]["series"]: f for f in by_kind(plain, "trend")}
    p = mine["economy"]["measurement"]["values"]["p_value"]
    assert 0.001 / 6 < p < 0.001, p
    assert theirs["economy"]["severity"] == "info"
    assert mine["economy"]["severity"] == "medium"
    assert "declared" in mine["economy"]["evidence"]["parameters"]["declared_interest"]


def yearly(values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "year": pd.to_datetime([f"{1700 + i}-01-01" for i in range(values.size)]),
            "activity": values,
        }
    )


def test_a_non_calendar_cycle_of_a_yearly_series_is_found() -> None:
    """An 11-year cycle in 300 years of red noise (the sunspot series' shape)."""
    rng = np.random.default_rng(11)
    years = np.arange(300)
    noise = np.zeros(300)
    for i in range(1, 300):
        noise[i] = 0.6 * noise[i - 1] + rng.normal(0, 15)
    values = 50 + 40 * np.sin(2 * np.pi * years / 11.0) + noise
    result = run_on_frame(analysis("seasonality"), yearly(values))
    cycles = by_kind(result, "cycle")
    assert len(cycles) == 1 and cycles[0]["severity"] == "medium"
    assert abs(cycles[0]["measurement"]["values"]["period"] - 11.0) < 0.5
    assert cycles[0]["title"].startswith("A cycle of about 11")


def test_red_noise_and_a_random_walk_are_no_cycle() -> None:
    rng = np.random.default_rng(12)
    for rho in (0.5, 0.9):
        y = np.zeros(300)
        for i in range(1, 300):
            y[i] = rho * y[i - 1] + rng.normal()
        for series in (y, np.cumsum(rng.normal(size=300))):
            result = run_on_frame(analysis("seasonality"), yearly(series))
            assert all(f["severity"] in ("info", "low") for f in by_kind(result, "cycle"))


def test_a_short_yearly_series_gets_no_cycle_search() -> None:
    result = run_on_frame(analysis("seasonality"), yearly(np.arange(30, dtype=float)))
    assert result is None or not by_kind(result, "cycle")


def test_the_pooled_trend_of_a_balanced_panel_is_low() -> None:
    """Ten firms a year for 20 years: the firms' mean invest grows, but it is a mean over
    entities (Grunfeld's panel); a table with one row a year keeps its medium."""
    rng = np.random.default_rng(1935)
    years = np.repeat(np.arange(1935, 1955), 10)
    firm_size = np.tile(rng.lognormal(4, 1, 10), 20)
    frame = pd.DataFrame(
        {
            "year": pd.to_datetime([f"{y}-01-01" for y in years]),
            "invest": firm_size * (1 + 0.05 * (years - 1935)) * rng.lognormal(0, 0.05, 200),
        }
    )
    panel = run_on_frame(analysis("trend"), frame)
    own = {f["subject"]["series"]: f for f in by_kind(panel, "trend")}
    assert own["invest"]["severity"] == "low"
    assert "balanced panel (10 rows" in own["invest"]["evidence"]["parameters"]["severity_capped"]
    one_firm = frame.iloc[::10].reset_index(drop=True)
    single = {
        f["subject"]["series"]: f
        for f in by_kind(run_on_frame(analysis("trend"), one_firm), "trend")
    }
    assert single["invest"]["severity"] == "medium"


def test_columns_missing_in_the_same_rows_are_one_finding() -> None:
    """A wide export (one column a year): the same 25 countries lack every early year."""
    rng = np.random.default_rng(1960)
    n = 219
    frame = pd.DataFrame({str(year): rng.normal(3, 1, n) for year in range(1960, 1970)})
    lacking = rng.choice(n, 25, replace=False)
    for k, year in enumerate(range(1960, 1970)):
        rows = lacking if k % 3 else lacking[:-1]  # one country reports some years
        frame.loc[rows, str(year)] = np.nan
    frame.loc[rng.choice(n, 40, replace=False), "1969"] = np.nan  # not the same rows
    frame["all_null"] = np.nan
    result = run_on_frame(analysis("missingness"), frame)
    together = by_kind(result, "missing_together")
    assert len(together) == 1 and together[0]["severity"] == "medium"
    assert together[0]["subject"]["columns"] == [str(y) for y in range(1960, 1969)]
    own = {f["subject"]["column"]: f for f in by_kind(result, "null_rate")}
    assert own["1960"]["severity"] == "low"
    assert "same records" in own["1960"]["evidence"]["parameters"]["severity_capped"]
    assert own["1969"]["severity"] == "medium"  # missing elsewhere too: its own finding
    assert own["all_null"]["severity"] == "high"
    constant = {
        f["subject"]["column"]: f
        for f in by_kind(run_on_frame(analysis("constant_columns"), frame), "constant_column")
    }
    assert constant["all_null"]["severity"] == "low"  # missingness says it, high


def test_summaries_of_one_quantity_correlate_by_construction() -> None:
    """Mean and worst of a cell measurement (breast cancer's layout) and a day's high and
    low: low, not medium, and no correlated group of them; two quantities keep medium."""
    from analyses._shared.summaries import shared_quantity

    assert shared_quantity("mean smoothness", "worst smoothness") == "smoothness"
    assert shared_quantity("temp_max", "temp_min") == "temp"
    assert shared_quantity("radius", "mean radius") == "radius"
    ohlc = ("open", "high", "low", "close", "volume")
    assert shared_quantity("open", "close", ohlc) == "price"
    assert shared_quantity("low", "high", ("low", "high", "close")) == "price"
    assert shared_quantity("low", "high", ("treatment", "low", "high")) is None
    assert shared_quantity("meanRadius", "worstRadius") == "radius"
    assert shared_quantity("p50_latency", "p99_latency") == "latency"
    assert shared_quantity("mean radius", "mean texture") is None
    assert shared_quantity("age", "years_married") is None
    assert shared_quantity("high", "volume") is None
    assert shared_quantity("mean radius", "mean radius ") is None
    # a total and a share of one count (bakers' episodes appeared), a total and the open
    # part (a loan's credit lines); a total and one of its parts is no summary
    assert (
        shared_quantity("total_episodes_appeared", "percent_episodes_appeared")
        == "episodes appeared"
    )
    assert shared_quantity("total_credit_lines", "open_credit_lines") == "credit lines"
    assert shared_quantity("paid_total", "paid_principal") is None
    assert shared_quantity("pct_white", "pct_black") is None
    assert shared_quantity("rawpoll_clinton", "adjpoll_clinton") == "poll clinton"
    assert shared_quantity("rawpoll_clinton", "adjpoll_trump") is None
    assert shared_quantity("hs", "hssa") == "hs"  # Hstarts: housing starts, adjusted
    assert shared_quantity("starts_sa", "starts") == "starts"
    assert shared_quantity("usa", "u") is None

    rng = np.random.default_rng(5)
    n = 500
    cells = rng.gamma(4, 0.02, (n, 10))
    day = rng.normal(15, 6, n)
    frame = pd.DataFrame(
        {
            "mean smoothness": cells.mean(axis=1),
            "smoothness error": cells.std(axis=1),
            "worst smoothness": np.sort(cells, axis=1)[:, -3:].mean(axis=1),
            "temp_max": day + 5 + rng.normal(0, 1, n),
            "temp_min": day - 5 + rng.normal(0, 1, n),
            "age": rng.normal(50, 10, n),
        }
    )
    frame["years_married"] = frame["age"] - 22 + rng.normal(0, 3, n)
    result = run_on_frame(analysis("correlation"), frame)
    assert not by_kind(result, "correlated_group")
    pairs = {tuple(f["subject"]["columns"]): f for f in by_kind(result, "correlation")}
    for pair in (("mean smoothness", "worst smoothness"), ("temp_max", "temp_min")):
        assert pairs[pair]["measurement"]["values"]["pearson_r"] >= 0.7
        assert pairs[pair]["severity"] == "low"
        assert (
            "summaries of one quantity" in pairs[pair]["evidence"]["parameters"]["severity_capped"]
        )
    assert pairs[("age", "years_married")]["severity"] == "medium"


def test_summaries_of_one_quantity_across_groups_are_one_finding() -> None:
    """A day's open/high/low/close all differ across a trading signal: one medium finding
    (the strongest), the other three low and pointing at it; a second quantity keeps its
    own."""
    rng = np.random.default_rng(9)
    n = 400
    signal = rng.choice(["up", "down", "hold"], n)
    level = np.where(signal == "up", 30.0, np.where(signal == "down", 20.0, 25.0))
    price = level + rng.normal(0, 2, n)
    frame = pd.DataFrame(
        {
            "signal": signal,
            "open": price + rng.normal(0, 0.3, n),
            "high": price + 1 + rng.normal(0, 0.3, n),
            "low": price - 1 + rng.normal(0, 0.3, n),
            "close": price + rng.normal(0, 0.3, n),
            "volume": np.where(signal == "hold", 1000.0, 3000.0) + rng.normal(0, 200, n),
        }
    )
    result = run_on_frame(analysis("group_differences"), frame)
    found = {f["subject"]["column"]: f for f in by_kind(result, "group_difference")}
    prices = [found[c] for c in ("open", "high", "low", "close")]
    assert sum(f["severity"] == "medium" for f in prices) == 1
    lead = next(f for f in prices if f["severity"] == "medium")["subject"]["column"]
    for f in prices:
        if f["subject"]["column"] != lead:
            assert f["severity"] == "low"
            assert f["evidence"]["parameters"]["same_fact_as"] == lead
            assert "one quantity ('price'" in f["evidence"]["parameters"]["severity_capped"]
    assert found["volume"]["severity"] == "medium"


def test_a_bare_low_and_high_without_a_price_table_are_two_scores() -> None:
    """students: risk-taking scored 'low' and 'high' under three treatments, the arms
    ranked differently on each (C in the middle on one, lowest on the other). Without open
    or close beside them they are two measures: both differences keep medium."""
    rng = np.random.default_rng(12)
    arm = np.repeat(["AA", "C", "NC"], 40)
    low = np.where(arm == "AA", 12.0, np.where(arm == "C", 38.0, 57.0)) + rng.normal(0, 6, 120)
    high = np.where(arm == "AA", 30.0, np.where(arm == "C", 14.0, 45.0)) + rng.normal(0, 6, 120)
    frame = pd.DataFrame({"treatment": arm, "low": low, "high": high})
    result = run_on_frame(analysis("group_differences"), frame)
    found = {f["subject"]["column"]: f for f in by_kind(result, "group_difference")}
    assert found["low"]["severity"] == found["high"]["severity"] == "medium"
    assert "same_fact_as" not in found["high"]["evidence"]["parameters"]


def test_a_column_computed_from_another_is_no_correlation_to_act_on() -> None:
    """log(popul) beside popul, INCOME beside its square INCOMEPOW, an interaction product
    beside its factors: low or not paired, no group; an unrelated strong pair keeps medium.
    Named INCOMESQ, the square is a design term (roles.settle_derived_terms): not paired."""
    rng = np.random.default_rng(96)
    n = 300
    popul = rng.lognormal(3, 1.5, n)
    income = rng.gamma(3, 1.2, n)
    a, b = rng.normal(10, 2, n), rng.normal(5, 0.3, n)
    frame = pd.DataFrame(
        {
            "popul": popul,
            "logpopul": np.log(popul + 0.1),
            "INCOME": income,
            "INCOMEPOW": income**2,
            "PCTAF": a,
            "PTRATIO": b,
            "PTRATIO_PCTAF": a * b,
            "age": rng.normal(50, 10, n),
        }
    )
    frame["years_married"] = frame["age"] - 22 + rng.normal(0, 3, n)
    result = run_on_frame(analysis("correlation"), frame)
    assert not by_kind(result, "correlated_group")
    pairs = {tuple(f["subject"]["columns"]): f for f in by_kind(result, "correlation")}
    for pair in (("popul", "logpopul"), ("INCOME", "INCOMEPOW")):
        capped = pairs[pair]["evidence"]["parameters"].get("severity_capped", "")
        assert pairs[pair]["severity"] in ("low", "info"), pair
        assert "computed from the other" in capped or pairs[pair]["severity"] == "info", pair
    assert "monotone" in pairs[("INCOME", "INCOMEPOW")]["evidence"]["parameters"]["severity_capped"]
    # the product, named after its factors and equal to their product, is a design term
    # (roles.settle_product_terms): not paired at all
    assert not [p for p in pairs if "PTRATIO_PCTAF" in p]
    assert pairs[("age", "years_married")]["severity"] == "medium"
    named = run_on_frame(analysis("correlation"), frame.rename(columns={"INCOMEPOW": "INCOMESQ"}))
    assert not [f for f in named.findings if "INCOMESQ" in f["subject"].get("columns", [])]


def test_two_labels_of_one_key_are_said_once() -> None:
    """A country's name and its code: Cramér's V of 1 is no association (low, titled so),
    and a measure across the code repeats the measure across the name (low, same fact)."""
    rng = np.random.default_rng(4)
    names = [f"Country {k}" for k in range(12)]
    codes = [f"C{k:02d}" for k in range(12)]
    pick = rng.integers(0, 12, 1200)
    frame = pd.DataFrame(
        {
            "Country Name": np.array(names)[pick],
            "Country Code": np.array(codes)[pick],
            "rate": pick * 0.5 + rng.normal(0, 0.5, 1200),
            "region": rng.choice(["north", "south", "east"], 1200),
        }
    )
    frame["climate"] = np.where(frame["region"] == "north", "cold", "warm")
    # an association that is no hierarchy keeps its medium
    frame["coat"] = np.where(
        (frame["region"] == "north") ^ (rng.random(1200) < 0.1), "heavy", "light"
    )
    cv = run_on_frame(analysis("cramers_v"), frame)
    found = {tuple(f["subject"]["columns"]): f for f in by_kind(cv, "cramers_v")}
    assert found[("region", "coat")]["severity"] == "medium"
    key = found[("Country Name", "Country Code")]
    assert key["severity"] == "low" and "same key" in key["title"]
    # a many-to-one relation is a hierarchy (each region has one climate): titled so, low
    hierarchy = found[("region", "climate")]
    assert hierarchy["severity"] == "low"
    assert hierarchy["title"] == "'region' determines 'climate' (each region has one climate)"
    assert hierarchy["evidence"]["parameters"]["determines"] == ["region", "climate"]
    gd = run_on_frame(analysis("group_differences"), frame)
    by_group = {f["subject"]["group_by"]: f for f in by_kind(gd, "group_difference")}
    severities = {by_group[g]["severity"] for g in ("Country Name", "Country Code")}
    assert severities == {"medium", "low"}
    low = next(
        by_group[g] for g in ("Country Name", "Country Code") if by_group[g]["severity"] == "low"
    )
    assert low["evidence"]["parameters"]["same_fact_as"] in ("Country Name", "Country Code")


def test_a_zero_one_column_is_a_flag() -> None:
    """A 0/1 dummy is no count: no shape or outliers of it; correlation pairs it."""
    rng = np.random.default_rng(2)
    n = 400
    gpa = rng.normal(3, 0.5, n)
    frame = pd.DataFrame({"GPA": gpa, "GRADE": (gpa + rng.normal(0, 0.3, n) > 3.6).astype(int)})
    shape = run_on_frame(analysis("shape"), frame)
    assert all("GRADE" not in f["evidence"]["columns"] for f in shape.findings)
    corr = run_on_frame(analysis("correlation"), frame)
    assert any(set(f["subject"]["columns"]) == {"GPA", "GRADE"} for f in corr.findings)


def test_monthly_and_quarterly_values_get_their_season_tested() -> None:
    """Monthly sea temperatures with an annual cycle (El Niño's table) and quarterly
    inflation with a quarter effect: medium; monthly noise: no medium."""
    rng = np.random.default_rng(1950)
    months = pd.date_range("1950-01-01", periods=240, freq="MS")
    cycle = 2 * np.sin(2 * np.pi * (months.month.to_numpy() - 3) / 12)
    monthly = pd.DataFrame({"date": months, "sst": 25 + cycle + rng.normal(0, 0.5, 240)})
    found = by_kind(run_on_frame(analysis("seasonality"), monthly), "seasonality")
    assert [f["severity"] for f in found if f["subject"]["cycle"] == "month_of_year"] == ["medium"]
    quarters = pd.date_range("1972-04-01", periods=100, freq="QS")
    effect = np.array([-0.016, 0.003, 0.013, 0.033])[(quarters.month.to_numpy() - 1) // 3]
    quarterly = pd.DataFrame({"date": quarters, "Dp": effect + rng.normal(0, 0.005, 100)})
    found = by_kind(run_on_frame(analysis("seasonality"), quarterly), "seasonality")
    q = [f for f in found if f["subject"]["cycle"] == "quarter_of_year"]
    assert len(q) == 1 and q[0]["severity"] == "medium"
    assert q[0]["measurement"]["values"]["peak"] == "Q4"
    assert q[0]["title"].startswith("Quarter of year effect on Dp")
    noise = pd.DataFrame({"date": months, "sst": rng.normal(25, 1, 240)})
    found = by_kind(run_on_frame(analysis("seasonality"), noise), "seasonality")
    assert all(f["severity"] not in ("medium", "high") for f in found)


def test_one_far_value_in_a_small_table_is_an_isolated_point() -> None:
    """51 states, one city among them (DC's murder rate): one value is 2% of the rows, yet
    a point, not a tail: medium. Three far values of 16 are a tail: low."""
    rng = np.random.default_rng(51)
    murder = np.round(rng.normal(5, 1.5, 51), 1)
    murder[8] = 24.2
    found = by_kind(
        run_on_frame(analysis("outliers"), pd.DataFrame({"murder": murder})), "outliers"
    )
    assert len(found) == 1 and found[0]["severity"] == "medium"
    assert found[0]["title"].startswith("1 outlier in 'murder'")
    assert "isolated" in found[0]["title"] and 8 in found[0]["evidence"]["example_rows"]
    mic = np.concatenate([rng.normal(1.0, 0.1, 13), [40.0, 45.0, 50.0]])
    found = by_kind(run_on_frame(analysis("outliers"), pd.DataFrame({"mic": mic})), "outliers")
    assert all(f["severity"] != "medium" for f in found)


def test_duplicates_that_chance_explains_get_no_advice_to_drop_them() -> None:
    """A designed experiment (ToothGrowth: 60 rows of supp x dose x a coarse length): its
    repeated rows are records, as chance predicts: low, no recommendation. Copied rows of a
    table of distinct measurements keep the advice."""
    rng = np.random.default_rng(60)
    design = pd.DataFrame(
        {
            "supp": np.repeat(["OJ", "VC"], 30),
            "dose": np.tile(np.repeat([0.5, 1.0, 2.0], 10), 2),
            "len": np.round(rng.normal(18, 3, 60)),
        }
    )
    found = by_kind(run_on_frame(analysis("duplicate_rows"), design), "duplicate_rows")
    assert found and found[0]["severity"] == "low"
    assert "expected by chance" in found[0]["title"]
    assert not found[0].get("recommendation")
    measured = pd.DataFrame({"a": rng.normal(0, 1, 500), "b": rng.normal(0, 1, 500)})
    copied = pd.concat([measured, measured.iloc[:20]], ignore_index=True)
    found = by_kind(run_on_frame(analysis("duplicate_rows"), copied), "duplicate_rows")
    assert found[0]["recommendation"]["action"].startswith("drop exact duplicate rows")
    assert found[0]["recommendation"]["modeled_improvement_pct"] == 100 * 20 / 520


def test_card_holders_with_a_bill_of_zero_are_records_by_chance() -> None:
    """credit_cards: 30,000 holders, two late flags, an age and a bill that takes 20,000+
    values but is 0 for 13%: no chance estimate (too many values to count), so its 4,507
    repeats were high with advice to drop 15% of the holders. The bill's zeros bound the
    estimate from below (p_0^2), the flags' and age's counts are kept: low, no advice.
    The floor is the same however the rows are chunked."""
    rng = np.random.default_rng(61)
    n = 30_000
    bill = np.where(rng.random(n) < 0.13, 0.0, np.round(rng.lognormal(3, 1.5, n), 3))
    frame = pd.DataFrame(
        {
            "LateSept": (rng.random(n) < 0.2).astype(int),
            "LateApril": (rng.random(n) < 0.1).astype(int),
            "BillApril": bill,
            "AGE": rng.integers(21, 77, n),
        }
    )
    assert frame["BillApril"].nunique() > 10_000
    results = [
        run_on_frame(analysis("duplicate_rows"), frame, chunk_rows=rows) for rows in (65536, 7000)
    ]
    found = [by_kind(r, "duplicate_rows")[0] for r in results]
    assert found[0]["measurement"] == found[1]["measurement"]
    assert found[0]["title"] == found[1]["title"]
    f = found[0]
    assert f["severity"] == "low" and not f.get("recommendation")
    values = f["measurement"]["values"]
    assert values["expected_by_chance"] is None
    q = np.prod(
        [
            (frame[c].value_counts(normalize=True) ** 2).sum()
            for c in ("LateSept", "LateApril", "AGE")
        ]
    ) * ((bill == 0).mean() ** 2)
    assert values["expected_by_chance_at_least"] == pytest.approx(n * (n - 1) / 2 * q, rel=1e-9)


def test_cost_and_output_of_firms_of_every_size_is_the_relation_itself() -> None:
    """Nerlove's 145 utilities: cost follows output (r = 0.96) over a 1,000-fold range of
    sizes. In a cross-section of measurements that is the cost function the table is
    about: medium. The same pair as counts (people of every county) restates the sizes."""
    rng = np.random.default_rng(1955)
    output = np.exp(rng.uniform(np.log(2), np.log(16000), 145))
    frame = pd.DataFrame(
        {"output": output.round(1), "cost": 0.03 * output**0.9 * rng.lognormal(0, 0.25, 145)}
    )
    found = by_kind(run_on_frame(analysis("correlation"), frame), "correlation")
    assert found[0]["severity"] == "medium", found[0]["evidence"]["parameters"]
    counts = pd.DataFrame(
        {
            # not named as a sum and its part ('poptotal', 'popadults': correlation's
            # named-sum rule caps that pair first, for its own reason)
            "residents": np.round(output * 100).astype(int),
            "voters": np.round(output * 70 * rng.lognormal(0, 0.05, 145)).astype(int),
        }
    )
    found = by_kind(run_on_frame(analysis("correlation"), counts), "correlation")
    assert found[0]["severity"] == "low"
    assert "units of every size" in found[0]["evidence"]["parameters"]["severity_capped"]


def test_a_level_of_one_row_is_not_named_highest() -> None:
    """car90: the one car from England had the highest mean rank; the title names the
    highest level among those of 5 rows or more."""
    rng = np.random.default_rng(90)
    country = np.repeat(["USA", "Japan", "Germany"], 40).tolist() + ["England"]
    price = np.r_[rng.normal(15, 3, 40), rng.normal(14, 3, 40), rng.normal(30, 3, 40), [90]]
    frame = pd.DataFrame({"Country": country, "Price": price})
    found = by_kind(run_on_frame(analysis("group_differences"), frame), "group_difference")
    assert "(highest: Germany;" in found[0]["title"], found[0]["title"]


def test_a_copied_block_of_rows_is_named_whatever_chance_would_say() -> None:
    """voteincome: rows 1000..1499 repeat rows 500..999 in a table of a few coded columns,
    where independence expects many duplicates: the block is a copy (high), named with its
    positions; the same table without the copy has only chance repeats (low)."""
    rng = np.random.default_rng(2000)
    n = 1000
    frame = pd.DataFrame(
        {
            "state": rng.choice(["Indiana", "Arkansas"], n),
            "income": rng.integers(4, 18, n),
            "age": rng.integers(18, 85, n),
            "female": rng.integers(0, 2, n),
            "vote": rng.integers(0, 2, n),
        }
    )
    copied = pd.concat([frame, frame.iloc[500:1000]], ignore_index=True)
    found = by_kind(run_on_frame(analysis("duplicate_rows"), copied), "duplicate_rows")
    assert found[0]["severity"] == "high", found[0]["title"]
    assert "copy the rows 500 before them (positions 50" in found[0]["title"]
    assert found[0]["title"].endswith("a copied block")
    values = found[0]["measurement"]["values"]
    assert values["block_distance"] == 500 and values["block_rows"] >= 400
    assert found[0]["recommendation"]
    alone = by_kind(run_on_frame(analysis("duplicate_rows"), frame), "duplicate_rows")
    assert "copied block" not in alone[0]["title"]


def test_duplicates_among_incomplete_records_get_no_advice_to_drop_them() -> None:
    """RetSchool: 118 repeats, all among the respondents whose wage and experience are
    missing: the flags left over are shared by different people, not copies. The same
    repeats with their wages present keep the advice."""
    rng = np.random.default_rng(76)
    n = 2000
    frame = pd.DataFrame(
        {
            "wage": rng.lognormal(1.5, 0.4, n),
            "exp": rng.integers(0, 30, n).astype(float),
            "black": rng.integers(0, 2, n),
            "south": rng.integers(0, 2, n),
            "region": rng.integers(1, 10, n),
            "age": rng.integers(24, 35, n),
        }
    )
    frame.loc[:299, ["wage", "exp"]] = np.nan
    found = by_kind(run_on_frame(analysis("duplicate_rows"), frame), "duplicate_rows")
    assert found and found[0]["severity"] == "low", found
    assert "incomplete records" in found[0]["title"]
    assert not found[0].get("recommendation")
    copied = pd.concat([frame.iloc[300:], frame.iloc[300:360]], ignore_index=True)
    found = by_kind(run_on_frame(analysis("duplicate_rows"), copied), "duplicate_rows")
    assert found[0]["severity"] in ("medium", "high")
    assert found[0]["recommendation"]


def test_duplicates_at_no_or_top_coded_earnings_get_no_advice_to_drop_them() -> None:
    """cps_mixtape: 1,716 'exact duplicate rows' (high, drop 10.7%) were workers with no
    earnings or top-coded earnings in both years, alike in their few codes (rated FALSE).
    Repeats whose many-valued columns hold 0 or their cap are alike, not copies; the same
    rows copied with real earnings keep the advice."""
    rng = np.random.default_rng(78)
    n = 3000
    re74 = np.round(rng.lognormal(9, 0.8, n), 2)
    re75 = np.round(rng.lognormal(9, 0.8, n), 2)
    none = rng.random(n) < 0.1
    re74[none], re75[none] = 0.0, 0.0
    capped = rng.random(n) < 0.04
    re74[capped], re75[capped] = 25862.32, 25243.55
    frame = pd.DataFrame(
        {
            "re74": np.minimum(re74, 25862.32),
            "re75": np.minimum(re75, 25243.55),
            "black": rng.integers(0, 2, n),
            "married": rng.integers(0, 2, n),
            "nodegree": rng.integers(0, 2, n),
            "educ": rng.integers(8, 13, n),
            # 40+ ages, most between 30 and 33: like cps' ages, values people share
            "age": np.where(rng.random(n) < 0.05, rng.integers(16, 65, n), rng.integers(30, 34, n)),
        }
    )
    assert frame["age"].nunique() > 40
    found = by_kind(run_on_frame(analysis("duplicate_rows"), frame), "duplicate_rows")
    assert found and found[0]["severity"] == "low", found
    assert "floor or cap" in found[0]["title"]
    assert not found[0].get("recommendation")
    real = frame[(frame.re74 > 0) & (frame.re74 < 25862.32)]
    copied = pd.concat([real, real.iloc[:200]], ignore_index=True)
    found = by_kind(run_on_frame(analysis("duplicate_rows"), copied), "duplicate_rows")
    assert found[0]["severity"] in ("medium", "high")
    assert found[0]["recommendation"]


def test_a_measure_mirrored_by_another_differs_across_groups_once() -> None:
    """msleep: awake = 24 - sleep_total ranks the animals exactly in reverse, so the
    Kruskal-Wallis H across 'order' is identical: one fact, the second low."""
    rng = np.random.default_rng(83)
    order = rng.choice(["Carnivora", "Primates", "Rodentia", "Chiroptera"], 300)
    base = {"Carnivora": 10.0, "Primates": 9.0, "Rodentia": 12.5, "Chiroptera": 19.5}
    sleep = np.array([base[o] for o in order]) + rng.normal(0, 1.5, 300)
    frame = pd.DataFrame({"order": order, "sleep_total": sleep, "awake": 24 - sleep})
    found = by_kind(run_on_frame(analysis("group_differences"), frame), "group_difference")
    severities = sorted(f["severity"] for f in found)
    assert severities == ["low", "medium"]
    low = next(f for f in found if f["severity"] == "low")
    assert "monotone function" in low["evidence"]["parameters"]["severity_capped"]


def test_two_related_measures_with_one_pattern_across_groups_are_said_once() -> None:
    """Highway and city mileage rank the car classes alike: one medium finding, the other
    low (same_fact_as); engine size ranks them the other way round: its own finding."""
    rng = np.random.default_rng(234)
    classes = ["compact", "midsize", "suv", "pickup", "subcompact", "minivan"]
    economy = {
        "compact": 28,
        "midsize": 27,
        "suv": 18,
        "pickup": 17,
        "subcompact": 29,
        "minivan": 22,
    }
    klass = rng.choice(classes, 600)
    hwy = np.array([economy[c] for c in klass]) + rng.normal(0, 2, 600)
    frame = pd.DataFrame(
        {
            "class": klass,
            "hwy": hwy,
            "cty": 0.7 * hwy + rng.normal(0, 1.5, 600),
            "displ": 9 - 0.2 * np.array([economy[c] for c in klass]) + rng.normal(0, 0.4, 600),
        }
    )
    found = by_kind(run_on_frame(analysis("group_differences"), frame), "group_difference")
    by_measure = {f["subject"]["column"]: f for f in found}
    pair = sorted(by_measure[m]["severity"] for m in ("hwy", "cty"))
    assert pair == ["low", "medium"]
    low = next(by_measure[m] for m in ("hwy", "cty") if by_measure[m]["severity"] == "low")
    assert low["evidence"]["parameters"]["same_fact_as"] in ("hwy", "cty")
    assert "rank in the same order" in low["evidence"]["parameters"]["severity_capped"]
    assert by_measure["displ"]["severity"] == "medium"


def states_panel(seed: int = 4, states: int = 40, years: int = 20) -> pd.DataFrame:
    """States of every size over 20 years: output, employment and capital all grow with the
    state (totals); unemployment is a rate that differs by state less; the number of
    seats is set per state (one value per state)."""
    rng = np.random.default_rng(seed)
    size = np.repeat(np.exp(rng.uniform(np.log(1), np.log(80), states)), years)
    n = states * years
    return pd.DataFrame(
        {
            "state": np.repeat([f"S{i:02d}" for i in range(states)], years),
            "year": np.tile(np.arange(1970, 1970 + years), states),
            "gsp": 1000 * size * rng.lognormal(0, 0.05, n),
            "emp": 40 * size * rng.lognormal(0, 0.05, n),
            "pcap": 300 * size * rng.lognormal(0, 0.08, n),
            "seats": np.repeat(rng.integers(2, 50, states), years).astype(float),
            "unemp": np.repeat(rng.normal(6, 1.5, states), years) + rng.normal(0, 1.0, n),
        }
    )


def test_totals_of_units_of_every_size_restate_the_sizes() -> None:
    """Totals of states spanning an 80-fold range correlate near 1 and differ across states:
    the states' sizes, low; a pair of measures that are not such totals stays medium."""
    frame = states_panel()
    result = run_on_frame(analysis("correlation"), frame)
    totals = [f for f in result.findings if set(f["evidence"]["columns"]) <= {"gsp", "emp", "pcap"}]
    assert len(totals) == 3 and all(f["severity"] == "low" for f in totals)
    assert not by_kind(result, "correlated_group")  # no group made of sizes
    capped = [f["evidence"]["parameters"].get("severity_capped", "") for f in totals]
    assert sum("units of every size" in c for c in capped) >= 2
    gd = run_on_frame(analysis("group_differences"), frame)
    by_col = {f["subject"]["column"]: f for f in gd.findings}
    assert by_col["gsp"]["severity"] == "low"
    assert "units of every size" in by_col["gsp"]["evidence"]["parameters"]["severity_capped"]
    assert by_col["seats"]["severity"] == "low"  # one value per state: an attribute
    assert "attribute of the level" in by_col["seats"]["evidence"]["parameters"]["severity_capped"]
    assert by_col["unemp"]["severity"] == "medium"
    # a strong pair that is no pair of totals keeps its severity
    rng = np.random.default_rng(2)
    x = rng.normal(50, 5, 500)
    pair = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(0, 2, 500)})
    kept = run_on_frame(analysis("correlation"), pair).findings
    assert kept[0]["severity"] == "medium"
    # kinds (species), not units observed over time: a measure spanning a 20-fold range
    # that differs across them is no size restated (here each level all but fixes gsp,
    # epsilon^2 0.99: a definition of its own, see DETERMINED_RULE)
    kinds = frame.drop(columns=["year", "emp", "pcap"])
    gd = run_on_frame(analysis("group_differences"), kinds)
    by_col = {f["subject"]["column"]: f for f in gd.findings}
    capped = by_col["gsp"]["evidence"]["parameters"].get("severity_capped", "")
    assert "units of every size" not in capped and "all but fix" in capped


def test_a_two_level_cut_of_a_measure_is_a_definition() -> None:
    """'child' is age under 18: the two levels hold disjoint ages, info; a flag whose
    levels overlap in the measure keeps its medium."""
    rng = np.random.default_rng(9)
    age = rng.uniform(0, 80, 600).round(1)
    frame = pd.DataFrame(
        {
            "age": age,
            "child": np.where(age < 18, "yes", "no"),
            "retired": np.where(age + rng.normal(0, 8, 600) > 62, "yes", "no"),
        }
    )
    result = run_on_frame(analysis("group_differences"), frame)
    by_group = {f["subject"]["group_by"]: f for f in result.findings}
    assert by_group["child"]["severity"] == "info"
    assert "cut of 'age'" in by_group["child"]["evidence"]["parameters"]["severity_capped"]
    assert by_group["retired"]["severity"] == "medium"


def matched_sets(seed: int = 3, sets: int = 80) -> pd.DataFrame:
    """A 1:2 matched case-control table (R's infert): each stratum holds one case and two
    controls matched on age, education and parity; the controls often share the rest."""
    rng = np.random.default_rng(seed)
    rows = []
    for s_ in range(1, sets + 1):
        age, edu, parity = (
            rng.integers(21, 45),
            rng.choice(["0-5", "6-11", "12+"]),
            rng.integers(1, 7),
        )
        for case in (1, 0, 0):
            rows.append((edu, age, parity, rng.integers(0, 2), case, rng.integers(0, 2), s_))
    frame = pd.DataFrame(
        rows, columns=["education", "age", "parity", "induced", "case", "spontaneous", "stratum"]
    )
    return frame.sample(frac=1, random_state=1).reset_index(drop=True)


def test_identical_members_of_a_matched_set_are_no_copies() -> None:
    """Duplicates within a design's equal-sized sets, with no time axis: low, no advice to
    drop them; the same rows in a table observed over time keep today's severity."""
    frame = matched_sets()
    found = by_kind(run_on_frame(analysis("duplicate_rows"), frame), "duplicate_rows")
    assert found and found[0]["severity"] == "low", found
    assert "'stratum' set" in found[0]["title"]
    assert not found[0].get("recommendation")
    dated = frame.assign(visit=pd.Timestamp("2020-01-01"))
    found = by_kind(run_on_frame(analysis("duplicate_rows"), dated), "duplicate_rows")
    assert found[0]["severity"] in ("medium", "high")
    assert found[0]["recommendation"]


def test_a_season_under_a_curved_trend_is_found_and_said_once() -> None:
    """Quarterly earnings growing 30-fold with a multiplicative quarter effect (R's
    JohnsonJohnson): a straight line leaves the curve and drowns the quarters, the
    moving average does not. Three monthly series with one season: one shared finding."""
    rng = np.random.default_rng(1960)
    quarters = pd.date_range("1960-01-01", periods=84, freq="QS")
    level = 0.5 * np.exp(np.linspace(0, np.log(30), 84))
    factor = np.array([1.0, 1.02, 1.12, 0.86])[(quarters.month.to_numpy() - 1) // 3]
    frame = pd.DataFrame({"date": quarters, "eps": level * factor * rng.lognormal(0, 0.03, 84)})
    found = by_kind(run_on_frame(analysis("seasonality"), frame), "seasonality")
    assert found[0]["severity"] == "medium" and found[0]["measurement"]["values"]["peak"] == "Q3"
    assert "moving average" in found[0]["evidence"]["parameters"]["detrended"]
    months = pd.date_range("1990-01-01", periods=180, freq="MS")
    cycle = np.cos(2 * np.pi * (months.month.to_numpy() - 10) / 12)
    three = pd.DataFrame(
        {"date": months}
        | {name: 100 + 10 * cycle + rng.normal(0, 2, 180) for name in ("beef", "pork", "veal")}
    )
    result = run_on_frame(analysis("seasonality"), three)
    shared = by_kind(result, "shared_season")
    assert len(shared) == 1 and shared[0]["severity"] == "medium"
    assert shared[0]["title"] == "3 series have a month-of-year cycle by 'date', peaking in Oct"
    assert all(f["severity"] == "low" for f in by_kind(result, "seasonality"))


def test_a_tiny_wobble_of_a_smooth_total_is_no_season() -> None:
    """A quarterly population interpolated from yearly figures: its within-year wobble is
    consistent (ranks find it) but a fraction of a percent of its spread: at most low."""
    quarters = pd.date_range("1959-01-01", periods=200, freq="QS")
    t = np.arange(200)
    wobble = np.array([0.0, 0.02, 0.05, 0.01])[t % 4]
    frame = pd.DataFrame({"date": quarters, "pop": 177 + 0.6 * t + 0.001 * t**2 + wobble})
    found = by_kind(run_on_frame(analysis("seasonality"), frame), "seasonality")
    assert found[0]["measurement"]["values"]["season_share_of_spread"] < 0.05
    assert found[0]["severity"] in ("low", "info")


def test_many_measures_differing_across_one_grouping_are_one_finding() -> None:
    """Counties differ in incomes, taxes and crime alike: one medium finding listing them,
    each one's own low; a lone strong difference keeps its medium. A target (wage) is
    never folded among them: its own finding stays medium, named."""
    rng = np.random.default_rng(90)
    units = np.repeat(np.arange(30), 20)
    frame = pd.DataFrame({"county": np.array([f"C{u:02d}" for u in units])})
    for name in ("income", "tax", "crime"):
        frame[name] = rng.normal(0, 1, 30)[units] * 5 + rng.normal(0, 1, 600)
    frame["noise"] = rng.normal(0, 1, 600)
    result = run_on_frame(analysis("group_differences"), frame)
    shared = by_kind(result, "shared_group_difference")
    assert len(shared) == 1 and shared[0]["severity"] == "medium"
    assert set(shared[0]["subject"]["columns"]) == {"income", "tax", "crime"}
    assert shared[0]["title"].startswith("3 measures differ across the levels of 'county'")
    assert all(
        f["severity"] == "low"
        for f in by_kind(result, "group_difference")
        if f["subject"]["column"] != "noise"
    )
    single = run_on_frame(analysis("group_differences"), frame[["county", "income", "noise"]])
    assert not by_kind(single, "shared_group_difference")
    income = [f for f in single.findings if f["subject"]["column"] == "income"]
    assert income[0]["severity"] == "medium"

    frame["wage"] = rng.normal(0, 1, 30)[units] * 5 + rng.normal(0, 1, 600)
    result = run_on_frame(analysis("group_differences"), frame)
    shared = by_kind(result, "shared_group_difference")
    assert set(shared[0]["subject"]["columns"]) == {"income", "tax", "crime"}
    wage = [f for f in by_kind(result, "group_difference") if f["subject"]["column"] == "wage"]
    assert wage[0]["severity"] == "medium"


def test_a_trading_calendar_is_no_weekday_effect() -> None:
    """Daily prices on business days only: no rows on Saturday and Sunday is the calendar of
    a market (info), not a weekday effect."""
    days = pd.bdate_range("2015-01-01", periods=700)
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({"Date": days, "Close": 50 + rng.normal(0, 1, 700).cumsum()})
    found = by_kind(run_on_frame(analysis("seasonality"), frame), "seasonality")
    rows = [
        f
        for f in found
        if f["subject"]["series"] == "rows" and f["subject"]["cycle"] == "day_of_week"
    ]
    assert rows and rows[0]["severity"] == "info"
    assert "no rows on Saturday, Sunday" in rows[0]["evidence"]["parameters"]["severity_capped"]


def test_a_second_cluster_is_no_tail_of_outliers() -> None:
    """Swiss provinces' share of Catholics: mostly under 20% or over 80%; the MAD rule
    flags a third of them: a second cluster, said so, low."""
    rng = np.random.default_rng(47)
    share = np.r_[rng.uniform(2, 22, 31), rng.uniform(88, 100, 16)]
    found = by_kind(
        run_on_frame(analysis("outliers"), pd.DataFrame({"Catholic": share})), "outliers"
    )
    assert found and found[0]["severity"] == "low"
    assert "second cluster" in found[0]["title"]


def test_a_season_must_come_back_every_year() -> None:
    """Three years of a wandering exchange rate give each month its own level, but not the
    same one each year: low. Three years of temperatures repeat: medium. One year cannot
    tell a season from a shift: a moderate one-year pattern (a log's level shift) is low."""
    rng = np.random.default_rng(1980)
    days = pd.date_range("1980-01-01", periods=1000, freq="D")
    walk = pd.DataFrame({"date": days, "dm": 2 + np.cumsum(rng.normal(0, 0.02, 1000))})
    found = [
        f
        for f in by_kind(run_on_frame(analysis("seasonality"), walk), "seasonality")
        if f["subject"]["cycle"] == "month_of_year"
    ]
    assert found[0]["severity"] in ("low", "info")
    doy = days.day_of_year.to_numpy()
    temps = pd.DataFrame(
        {"date": days, "t": 12 - 8 * np.cos(2 * np.pi * doy / 365) + rng.normal(0, 2, 1000)}
    )
    found = [
        f
        for f in by_kind(run_on_frame(analysis("seasonality"), temps), "seasonality")
        if f["subject"]["cycle"] == "month_of_year"
    ]
    assert found[0]["severity"] == "medium"
    assert found[0]["measurement"]["values"]["year_profile_r"] > 0.9
    year = pd.date_range("2024-01-01", periods=420, freq="D")
    rng = np.random.default_rng(5)
    level = np.where(year >= "2024-07-01", 18.0, 10.0) + rng.normal(0, 4, 420)
    shift = pd.DataFrame({"date": year, "amount": level})
    found = [
        f
        for f in by_kind(run_on_frame(analysis("seasonality"), shift), "seasonality")
        if f["subject"]["cycle"] == "month_of_year"
    ]
    assert found[0]["severity"] == "low"
    assert found[0]["measurement"]["values"]["epsilon_squared"] >= 0.14  # medium without the rule
    assert "cannot be seen to repeat" in found[0]["evidence"]["parameters"]["severity_capped"]


def test_one_error_in_a_tail_is_named_as_one() -> None:
    """Household sizes: 1..8 mostly, 60 large families of 9..17 and one 37 (an entry
    error): high for the 37, and the title says the others are a tail."""
    rng = np.random.default_rng(37)
    size = np.r_[rng.integers(1, 6, 12000), rng.integers(9, 18, 60), [37]]
    found = by_kind(run_on_frame(analysis("outliers"), pd.DataFrame({"size": size})), "outliers")
    assert found and found[0]["severity"] == "high"
    assert "1 far beyond the bulk" in found[0]["title"] and "error;" in found[0]["title"]
    assert "a tail" in found[0]["title"]


def test_a_category_of_a_panels_units_is_their_attribute() -> None:
    """Fatality: 40 state codes x 7 years, each state's jail law mostly fixed over the
    years: the association of state and law is an attribute of the units (low); two laws
    going together across the rows keep their medium."""
    rng = np.random.default_rng(82)
    law = rng.random(40) < 0.4
    frame = pd.DataFrame(
        {
            "state": np.repeat(rng.choice(np.arange(1, 57), 40, replace=False), 7),
            "year": np.tile(np.arange(1982, 1989), 40),
            "jaild": np.where(np.repeat(law, 7), "yes", "no"),
            "rate": rng.gamma(4, 0.5, 280),
        }
    )
    frame["comserd"] = np.where((frame.jaild == "yes") ^ (rng.random(280) < 0.05), "yes", "no")
    found = {
        tuple(f["evidence"]["columns"]): f
        for f in run_on_frame(analysis("cramers_v"), frame).findings
    }
    unit = [f for cols, f in found.items() if "state" in cols]
    assert unit and all(f["severity"] == "low" for f in unit)
    assert any(
        "units of a panel" in f["evidence"]["parameters"].get("severity_capped", "") for f in unit
    )
    laws = [f for cols, f in found.items() if set(cols) == {"jaild", "comserd"}]
    assert laws[0]["severity"] == "medium"


def test_chance_is_compared_with_duplicate_pairs_not_rows() -> None:
    """100 rows of 5 values: 95 duplicate rows, 950 equal pairs (sum of C(k, 2)), and
    C(100, 2) x sum(p^2) = 990 pairs expected by chance. The title said '95 duplicate
    rows (about 990 expected by chance)': pairs set against rows. Chance makes at most
    min(990, 99) duplicate rows, and the title says that."""
    frame = pd.DataFrame({"code": np.repeat(list("abcde"), 20)})
    (found,) = by_kind(run_on_frame(analysis("duplicate_rows"), frame), "duplicate_rows")
    sizes = frame.groupby("code").size()
    pairs = int((sizes * (sizes - 1) // 2).sum())
    values = found["measurement"]["values"]
    assert values["duplicate_rows"] == 95 and values["duplicate_pairs"] == pairs == 950
    expected = 100 * 99 / 2 * float(((sizes / 100) ** 2).sum())
    assert abs(values["expected_by_chance"] - expected) <= 1e-9 * expected
    assert values["expected_duplicate_rows"] == 99
    assert "(up to about 99 expected by chance" in found["title"]


def test_the_same_relation_between_numbered_copies_is_one_finding() -> None:
    """Car (stated choice) writes each alternative's attributes twice: 'pollution4' =
    'pollution3', 'fuel4' = 'fuel3'. 'pollution4' across 'fuel4' was medium beside
    'pollution3' across 'fuel3' (rated FALSE: the same fact again): low, pointing at it.
    A different relation between other numbers ('speed1' across 'fuel1') keeps medium."""
    from analyses._shared.summaries import PARALLEL_RULE

    rng = np.random.default_rng(21)
    n = 600
    fuel3 = rng.choice(["gasoline", "electric", "cng"], n)
    fuel1 = rng.choice(["gasoline", "electric", "cng"], n)
    pollution3 = np.where(fuel3 == "electric", 0.1, 0.6) + rng.normal(0, 0.2, n)
    speed1 = np.where(fuel1 == "cng", 140.0, 95.0) + rng.normal(0, 20, n)
    frame = pd.DataFrame(
        {
            "fuel1": fuel1,
            "fuel3": fuel3,
            "fuel4": fuel3,
            "speed1": speed1,
            "pollution3": pollution3,
            "pollution4": pollution3,
        }
    )
    result = run_on_frame(analysis("group_differences"), frame)
    found = {
        (f["subject"]["column"], f["subject"]["group_by"]): f
        for f in by_kind(result, "group_difference")
    }
    assert found[("pollution3", "fuel3")]["severity"] == "medium"
    copy = found[("pollution4", "fuel4")]
    assert copy["severity"] == "low"
    assert copy["evidence"]["parameters"]["severity_capped"] == PARALLEL_RULE
    assert copy["evidence"]["parameters"]["same_fact_as"] == ["pollution3", "fuel3"]
    assert found[("speed1", "fuel1")]["severity"] == "medium"


def test_attributes_of_two_alternatives_of_a_wide_table_are_no_relation() -> None:
    """Car: six alternatives, each with a type, a fuel and a pollution ('type1'..'type6',
    'fuel1'..'fuel6', 'pollution1'..'pollution6'), set together by the design. 'pollution1'
    across 'type2' was medium (rated FALSE); 'pollution1' across 'fuel1', an alternative's
    own attributes, keeps medium. Two alternatives' numbers alone (WeightLoss' wl1..wl3
    and se1..se3) are no wide table: their cross pairs are left alone."""
    from analyses._shared.summaries import CROSS_RULE, wide_layout

    rng = np.random.default_rng(40)
    n = 900
    data = {}
    design = rng.choice(["van", "regcar", "truck"], n)
    for k in (1, 2, 3):
        fuel = rng.choice(["electric", "gasoline"], n)
        data[f"type{k}"] = design if k != 1 else rng.choice(["van", "regcar", "truck"], n)
        data[f"fuel{k}"] = fuel
        data[f"pollution{k}"] = (
            np.where(fuel == "electric", 0.1, 0.6)
            + np.where(design == "truck", 0.5, 0.0) * (k == 1)
            + rng.normal(0, 0.1, n)
        )
    frame = pd.DataFrame(data)
    assert set(wide_layout(frame.columns)) == set(frame.columns)
    assert not wide_layout(["wl1", "wl2", "wl3", "se1", "se2", "se3", "group"])
    result = run_on_frame(analysis("group_differences"), frame)
    found = {
        (f["subject"]["column"], f["subject"]["group_by"]): f
        for f in by_kind(result, "group_difference")
    }
    assert found[("pollution1", "fuel1")]["severity"] == "medium"
    cross = found[("pollution1", "type2")]
    assert cross["severity"] == "low"
    assert cross["evidence"]["parameters"]["severity_capped"] == CROSS_RULE


def test_items_of_one_scale_in_a_battery_keep_their_correlation() -> None:
    """bfi: 25 items, five scales numbered 1..5 ('N1'..'N5'): the layout of a wide table,
    but two items of one scale (N1 with N2, r 0.71) are its reliability, not an artefact:
    medium as before."""
    rng = np.random.default_rng(41)
    n = 800
    traits = {s: rng.normal(0, 1, n) for s in "ACENO"}
    frame = pd.DataFrame(
        {f"{s}{k}": traits[s] + rng.normal(0, 0.7, n) for s in "ACENO" for k in range(1, 6)}
    )
    pairs = {
        tuple(f["subject"]["columns"]): f
        for f in by_kind(run_on_frame(analysis("correlation"), frame), "correlation")
    }
    assert all(
        "severity_capped" not in f["evidence"]["parameters"]
        or "alternatives" not in f["evidence"]["parameters"]["severity_capped"]
        for f in pairs.values()
    )
