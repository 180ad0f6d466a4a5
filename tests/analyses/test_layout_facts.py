"""Facts of a table's layout are not effects: a drift cut into a 'changepoint', a change
between a collection's sparse early years and its dense later ones, a binned share's rarer
levels as 'outliers', one measure in two periods (a wide table's 1960 and 1961, a player's
team86 and team87) as an association. Each is at most low, with the rule said; the real
thing next to it keeps its severity (issue: findings an expert acts on)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame


def analysis(analysis_id: str):
    return Registry.builtin().get(analysis_id)


def changes(result, series: str) -> list[dict]:
    return [
        f
        for f in result.findings
        if f["kind"] == "changepoint" and f["subject"]["series"] == series
    ]


def yearly(values: dict[str, np.ndarray], start: int = 1900, rows_per_year=None) -> pd.DataFrame:
    """One row per year per value (or rows_per_year[k] rows in year k, same value)."""
    n = len(next(iter(values.values())))
    reps = np.ones(n, dtype=int) if rows_per_year is None else np.asarray(rows_per_year)
    years = np.repeat(np.arange(start, start + n), reps)
    frame = {"year": pd.to_datetime([f"{y}-01-01" for y in years])}
    for name, v in values.items():
        frame[name] = np.repeat(v, reps)
    return pd.DataFrame(frame)


def test_a_drift_through_the_cut_is_low_a_step_stays_medium() -> None:
    rng = np.random.default_rng(4)
    n = 100
    t = np.arange(n)
    # flat, a 30-year ramp down, flat (a vote share over film years): the search cuts
    # the ramp, and both cuts are medium without the rule
    ramp = np.where(t < 40, 20.0, np.where(t >= 70, 14.0, 20.0 - 6.0 * (t - 40) / 30))
    step = np.where(t < 50, 20.0, 14.0)
    frame = yearly({"drift": ramp + rng.normal(0, 0.5, n)})
    frame["step"] = np.repeat(step, 1) + np.random.default_rng(6).normal(0, 0.5, n)
    result = run_on_frame(analysis("changepoints"), frame)
    drift, step_changes = changes(result, "drift"), changes(result, "step")
    assert drift and all(f["severity"] == "low" for f in drift)
    assert all(
        "drifts through the date" in f["evidence"]["parameters"]["severity_capped"] for f in drift
    )
    assert [f["severity"] for f in step_changes] == ["medium"]


def test_a_change_between_sparse_and_dense_periods_is_low() -> None:
    rng = np.random.default_rng(9)
    n = 60
    # the first 12 years hold 3 rows each, the rest 300: early years of a collection
    rows = np.where(np.arange(n) < 12, 3, 300)
    level = np.where(np.arange(n) < 12, 30.0, 15.0) + rng.normal(0, 1.0, n)
    frame = yearly({"share": level}, rows_per_year=rows)
    frame["share"] += rng.normal(0, 0.5, len(frame))
    result = run_on_frame(analysis("changepoints"), frame)
    found = changes(result, "share")
    assert found and all(f["severity"] == "low" for f in found)
    assert "sparse and dense periods" in found[0]["evidence"]["parameters"]["severity_capped"]


def test_a_binned_shares_rare_levels_are_low_a_real_outlier_is_not() -> None:
    rng = np.random.default_rng(2)
    n = 20_000
    bins = np.array([0, 4.5, 14.5, 24.5, 34.5, 44.5, 64.5, 84.5, 100.0])
    # median 4.5, MAD 4.5 (a film's share of 2-star votes): under 1% beyond 3.5 robust z
    share = rng.choice(bins, n, p=[0.3, 0.25, 0.3, 0.1415, 0.004, 0.002, 0.001, 0.001, 0.0005])
    weight = rng.normal(70, 8, n)
    weight[7] = 700.0  # a typo: ten times a body weight
    result = run_on_frame(analysis("outliers"), pd.DataFrame({"share": share, "weight": weight}))
    by_column = {f["subject"]["column"]: f for f in result.findings}
    assert by_column["share"]["kind"] == "outliers"
    assert by_column["share"]["severity"] == "low"
    assert "distinct values" in by_column["share"]["evidence"]["parameters"]["severity_capped"]
    assert by_column["weight"]["severity"] in ("medium", "high")


def test_one_measure_in_two_periods_is_persistence_not_an_effect() -> None:
    rng = np.random.default_rng(4)
    n = 200
    base = rng.lognormal(1.0, 0.4, n)
    frame = pd.DataFrame(
        {
            "country": [f"C{k}" for k in range(n)],
            **{
                str(y): base * (1 - 0.01 * (y - 2000)) + rng.normal(0, 0.05, n)
                for y in range(2000, 2006)
            },
            "gdp": rng.lognormal(8, 1, n),
        }
    )
    corr = run_on_frame(analysis("correlation"), frame)
    year_pairs = [
        f
        for f in corr.findings
        if f["kind"] == "correlation" and all(c.isdigit() for c in f["subject"]["columns"])
    ]
    assert year_pairs and all(f["severity"] == "low" for f in year_pairs)
    assert not [f for f in corr.findings if f["kind"] == "correlated_group"]

    teams = [f"T{k}" for k in range(8)]
    team86 = rng.choice(teams, 600)
    team87 = np.where(rng.random(600) < 0.85, team86, rng.choice(teams, 600))
    frame = pd.DataFrame({"team86": team86, "team87": team87})
    frame["league86"] = np.where(np.isin(team86, teams[:4]), "A", "N")
    frame["league87"] = np.where(np.isin(team87, teams[:4]), "A", "N")
    cv = run_on_frame(analysis("cramers_v"), frame)
    persistence = [
        f
        for f in cv.findings
        if set(f["subject"].get("columns", [])) in ({"team86", "team87"}, {"league86", "league87"})
    ]
    assert len(persistence) == 2
    assert all(f["severity"] == "low" for f in persistence)
    assert all("two periods" in f["evidence"]["parameters"]["severity_capped"] for f in persistence)


def test_a_cap_on_a_monthly_series_is_counted_in_dates_and_rows_are_no_measure() -> None:
    """90 years of monthly river levels (1,080 dates) under max_windows = 1000: a windowed
    title says the latest 1000 dates, not days (trend reads the whole span in years); a
    shared trend counts measures, not the row counts."""
    rng = np.random.default_rng(1)
    n = 1080
    t = np.arange(n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("1903-01-01", periods=n, freq="MS"),
            "level": 0.002 * t + rng.normal(0, 1, n),
        }
    )
    result = run_on_frame(analysis("seasonality"), frame)
    level = next(f for f in result.findings if f["subject"].get("series") == "level")
    assert level["title"].endswith("(latest 1000 dates)"), level["title"]
    # trend reads the whole span, in years
    result = run_on_frame(analysis("trend"), frame)
    level = next(f for f in result.findings if f["subject"].get("series") == "level")
    assert "latest" not in level["title"] and "yearly" in level["title"], level["title"]

    growing = pd.DataFrame(
        {
            "date": pd.date_range("1975-01-03", periods=700, freq="W-FRI"),
            **{k: 300 - 0.2 * np.arange(700) + rng.normal(0, 5, 700) for k in ("s", "f", "s30")},
        }
    )
    shared = next(
        f for f in run_on_frame(analysis("trend"), growing).findings if f["kind"] == "shared_trend"
    )
    assert shared["title"].startswith("3 of 3 "), shared["title"]


def test_an_optional_note_is_not_lost_data_and_a_log_twin_restates_its_pair() -> None:
    """A poll's 'remark' is written only when there is one (low, however empty); a
    required field missing as often stays medium. epil's lbase is log(base): y with lbase
    after y with base is the same fact."""
    rng = np.random.default_rng(3)
    n = 240
    remark = np.where(rng.random(n) < 0.45, None, "face to face")
    size = rng.normal(1000, 100, n)
    size[rng.random(n) < 0.3] = np.nan
    result = run_on_frame(
        analysis("missingness"), pd.DataFrame({"remark": remark, "sampleSize": size})
    )
    by = {f["subject"].get("column"): f for f in result.findings if f["kind"] == "null_rate"}
    assert by["remark"]["severity"] == "low"
    assert "annotation" in by["remark"]["evidence"]["parameters"]["severity_capped"]
    assert by["sampleSize"]["severity"] == "medium"

    base = rng.lognormal(3.0, 0.6, n)
    frame = pd.DataFrame(
        {"base": base, "lbase": np.log(base / 4) - 0.75, "y": 0.35 * base + rng.normal(0, 4, n)}
    )
    corr = run_on_frame(analysis("correlation"), frame)
    pair = {
        frozenset(f["subject"]["columns"]): f for f in corr.findings if f["kind"] == "correlation"
    }
    assert pair[frozenset(("y", "base"))]["severity"] == "medium"
    twin = pair[frozenset(("y", "lbase"))]
    assert twin["severity"] == "low"
    assert "monotone function" in twin["evidence"]["parameters"]["severity_capped"]


def _cycle(result, series: str, cycle: str) -> dict:
    """The seasonality finding of one series and cycle."""
    return next(
        f
        for f in result.findings
        if f["subject"].get("series") == series and f["subject"].get("cycle") == cycle
    )


def test_a_weekday_effect_of_rows_on_a_schedule_is_low() -> None:
    """Polls: one pollster always starts on Saturday, another on Friday, with its own house
    effect; a measure's 'weekday effect' is the pollsters'. A daily series with the same
    weekday swing keeps it."""
    rng = np.random.default_rng(17)
    weeks = 160
    start = pd.Timestamp("2004-01-03")  # a Saturday
    saturday = [start + pd.Timedelta(weeks=k) for k in range(weeks)]
    friday = [start + pd.Timedelta(weeks=k, days=-1) for k in range(0, weeks, 2)]
    polls = pd.DataFrame(
        {
            "startDate": saturday + friday,
            "Green": np.r_[rng.normal(9.0, 0.8, len(saturday)), rng.normal(6.0, 0.8, len(friday))],
        }
    ).sort_values("startDate")
    result = run_on_frame(analysis("seasonality"), polls)
    green = _cycle(result, "Green", "day_of_week")
    assert green["severity"] == "low"
    assert "crowd onto" in green["evidence"]["parameters"]["severity_capped"]

    days = pd.date_range("2004-01-01", periods=700, freq="D")
    daily = pd.DataFrame(
        {"date": days, "nox": 40 - 12 * (days.day_of_week == 6) + rng.normal(0, 4, days.size)}
    )
    result = run_on_frame(analysis("seasonality"), daily)
    nox = _cycle(result, "nox", "day_of_week")
    assert nox["severity"] == "medium"


def test_rows_per_weekday_of_a_sparse_schedule_are_low() -> None:
    """thatcher's monthly polls (most fielded on a Thursday) and brexit's polls every few
    days: the weekday a schedule falls on, not an effect on activity. A log of 30 events a
    day with quiet Sundays keeps its medium."""
    rng = np.random.default_rng(21)
    months = pd.date_range("1980-01-01", periods=130, freq="MS")
    # most fielded on the month's first Thursday, some dated the 1st
    dates = [
        m if k % 3 == 0 else m + pd.Timedelta(days=(3 - m.day_of_week) % 7 + 7 * (k % 2))
        for k, m in enumerate(months)
    ]
    polls = pd.DataFrame({"date": dates, "sat": rng.normal(40, 5, len(dates))})
    result = run_on_frame(analysis("seasonality"), polls)
    rows = _cycle(result, "rows", "day_of_week")
    assert rows["severity"] == "low"
    assert "sparse schedule" in rows["evidence"]["parameters"]["severity_capped"]

    # a salary survey answered in a burst: 420 answers over its first 6 days, a trickle
    # over the next 230 (rows on 20 of 236 days): no weekly or daily rhythm, no shift
    start = pd.Timestamp("2020-07-31 09:00")
    burst = start + pd.to_timedelta(rng.uniform(0, 6 * 24, 420), unit="h")
    trickle = start + pd.to_timedelta(rng.choice(np.arange(8, 236), 14) * 24.0, unit="h")
    survey = pd.DataFrame({"timestamp": np.sort(np.r_[burst, trickle])})
    survey["salary"] = rng.normal(80, 10, len(survey))
    for name in ("seasonality", "changepoints"):
        result = run_on_frame(analysis(name), survey)
        rows = [f for f in result.findings if f["subject"].get("series") == "rows"]
        assert rows and all(f["severity"] in ("low", "info") for f in rows), name

    days = pd.date_range("2020-01-01", periods=120, freq="D")
    per_day = np.where(days.day_of_week == 6, 5, 30)
    log = pd.DataFrame({"ts": np.repeat(days, per_day), "v": rng.normal(0, 1, per_day.sum())})
    result = run_on_frame(analysis("seasonality"), log)
    rows = _cycle(result, "rows", "day_of_week")
    assert rows["severity"] == "medium"


def test_a_wide_table_of_months_is_persistence_not_a_group() -> None:
    """El Nino's JAN..DEC sea temperatures by year: neighbouring months agree because a
    warm year is warm for months, which is the table's layout."""
    rng = np.random.default_rng(8)
    n = 60
    level = np.zeros(n)
    frame = {"YEAR": np.arange(1950, 1950 + n)}
    state = rng.normal(0, 1, n)
    for month in ("JAN", "FEB", "MAR", "APR", "MAY", "JUN"):
        state = 0.95 * state + rng.normal(0, 0.3, n)
        frame[month] = 26 + state + level
    corr = run_on_frame(analysis("correlation"), pd.DataFrame(frame))
    months = [
        f
        for f in corr.findings
        if f["kind"] == "correlation" and "YEAR" not in f["subject"]["columns"]
    ]
    assert months and all(f["severity"] == "low" for f in months)
    assert not [f for f in corr.findings if f["kind"] == "correlated_group"]


def monthly_pair(deviation_link: float, seed: int = 5, n: int = 96) -> pd.DataFrame:
    """Two monthly series trending apart; their deviations from the trends are linked
    with this weight (1: a mirror image such as approval and disapproval)."""
    rng = np.random.default_rng(seed)
    t = np.arange(n)
    shock = rng.normal(0, 4, n)
    other = rng.normal(0, 4, n)
    return pd.DataFrame(
        {
            "date": pd.date_range("2001-01-01", periods=n, freq="MS"),
            "approve": 70 - 0.12 * t + shock,
            "disapprove": 20
            + 0.12 * t
            - deviation_link * shock
            + (1 - deviation_link) * other
            + rng.normal(0, 1.0, n),  # r -0.98 mirrored: under the near-copy bar (0.99)
        }
    )


def test_series_that_mirror_each_other_beyond_their_trends_are_medium() -> None:
    pair = ("approve", "disapprove")
    mirrored = run_on_frame(analysis("correlation"), monthly_pair(1.0))
    finding = next(f for f in mirrored.findings if set(f["subject"]["columns"]) == set(pair))
    assert finding["severity"] == "medium"
    assert finding["evidence"]["parameters"]["detrended_r"] < -0.9
    assert "beyond their trends" in finding["title"]
    # only the trends in common: the shared-trend cap holds
    trends = run_on_frame(analysis("correlation"), monthly_pair(0.0))
    finding = next(f for f in trends.findings if set(f["subject"]["columns"]) == set(pair))
    assert finding["severity"] == "low"
    assert "detrended_r" not in finding["evidence"]["parameters"]


def test_two_compounding_series_do_not_move_together_beyond_a_line() -> None:
    """Real GDP and consumption both grow by a percentage a year: a straight line leaves
    the same curvature in both, so their residuals correlate without any link."""
    rng = np.random.default_rng(6)
    n = 200
    t = np.arange(n)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("1959-01-01", periods=n, freq="QS"),
            "realgdp": 2700 * np.exp(0.008 * t + np.cumsum(rng.normal(0, 0.004, n))),
            "realcons": 1700 * np.exp(0.009 * t + np.cumsum(rng.normal(0, 0.004, n))),
        }
    )
    corr = run_on_frame(analysis("correlation"), frame)
    finding = next(
        f for f in corr.findings if set(f["subject"]["columns"]) == {"realgdp", "realcons"}
    )
    assert finding["severity"] == "low"
    assert "detrended_r" not in finding["evidence"]["parameters"]


def test_rows_of_a_weekly_table_are_counted_per_date_not_per_calendar_day() -> None:
    """778 weekly dates span 5,440 days: the rows series has one point per date (the days
    between dates are no zero counts; an O(n^2) slope estimator over them took 900 MB)."""
    rng = np.random.default_rng(9)
    n = 300
    frame = pd.DataFrame(
        {
            "date": pd.date_range("1975-01-03", periods=n, freq="7D"),
            "rate": np.cumsum(rng.normal(0, 0.01, n)) + 2.0,
        }
    )
    trend = run_on_frame(analysis("trend"), frame)
    rows = [f for f in trend.findings if f["subject"].get("series") == "rows"]
    assert rows and all(f["measurement"]["values"]["points"] == n for f in rows)


def test_rows_per_weekday_count_every_row_and_say_no_window() -> None:
    """Rows per weekday are counted over every row: a '(latest 1000 days)' in their title
    would misstate what was read; a daily measure's test is windowed and says so."""
    rng = np.random.default_rng(10)
    days = pd.date_range("2000-01-01", periods=1500, freq="D")
    reps = np.where(days.day_of_week == 5, 6, 1)
    frame = pd.DataFrame(
        {
            "date": np.repeat(days, reps),
            "temp": np.repeat(10 + 8 * np.sin(2 * np.pi * days.day_of_year / 365.25), reps)
            + rng.normal(0, 1, reps.sum()),
        }
    )
    result = run_on_frame(analysis("seasonality"), frame)
    titles = {
        (f["subject"].get("series"), f["subject"].get("cycle")): f["title"]
        for f in result.findings
        if f["kind"] == "seasonality"
    }
    assert "latest" not in titles[("rows", "day_of_week")]
    assert "(latest 1000 days)" in titles[("temp", "day_of_week")]


def test_an_age_counting_the_years_of_a_panel_is_low_a_growth_is_not() -> None:
    """LaborSupply's age: +1 a year in every person, a few ages misrecorded (within r
    0.99, under the lockstep 0.999). Growth within the units (a pig's weight) stays."""
    rng = np.random.default_rng(11)
    people, years = 200, np.arange(1979, 1989)
    ids = np.repeat(np.arange(people), years.size)
    year = np.tile(years, people)
    age = np.repeat(rng.integers(25, 50, people), years.size) + (year - 1979)
    age = age + np.where(rng.random(age.size) < 0.03, rng.integers(-3, 4, age.size), 0)
    weight = 20 + np.repeat(rng.normal(0, 3, people), years.size) + 6.0 * (year - 1979)
    frame = pd.DataFrame(
        {
            "id": ids,
            "year": year,
            "age": age,
            "weight": weight + rng.normal(0, 4, age.size),
            "hours": rng.normal(7.6, 0.3, age.size),
        }
    )
    result = run_on_frame(analysis("panel_trends"), frame)
    by_series = {f["subject"]["series"]: f for f in result.findings if "series" in f["subject"]}
    age_finding = by_series["age"]
    assert age_finding["measurement"]["values"]["within_r"] < 0.999
    assert age_finding["severity"] == "low"
    assert "one per year" in age_finding["evidence"]["parameters"]["severity_capped"]
    assert by_series["weight"]["severity"] == "medium"


def test_identical_answers_in_a_table_of_codes_are_not_copies() -> None:
    """DoctorAUS: 15 coded columns whose answers go together (the healthy answer 0 to
    every count); 610 identical rows where independent columns would show 19. A table
    with a continuous measure keeps its duplicates medium/high and the advice to drop."""
    rng = np.random.default_rng(12)
    n = 3000
    healthy = rng.random(n) < 0.6
    codes = {f"q{k}": np.where(healthy, 0, rng.integers(0, 16, n)) for k in range(12)}
    frame = pd.DataFrame({"sex": rng.integers(0, 2, n), "age": rng.integers(1, 13, n), **codes})
    result = run_on_frame(analysis("duplicate_rows"), frame)
    finding = next(f for f in result.findings if f["kind"] == "duplicate_rows")
    assert finding["measurement"]["values"]["duplicate_rows"] >= 0.05 * n
    assert finding["severity"] == "low"
    assert "answer codes" in finding["title"]
    assert not finding.get("recommendation")

    measured = frame.assign(income=rng.lognormal(10, 1, n).round(2))
    copied = pd.concat([measured, measured.iloc[:300]], ignore_index=True)
    result = run_on_frame(analysis("duplicate_rows"), copied)
    finding = next(f for f in result.findings if f["kind"] == "duplicate_rows")
    assert finding["severity"] in ("medium", "high")


def test_a_recoded_copy_of_a_column_repeats_its_associations_once() -> None:
    """Schooling's nomomed repeats nodaded row for row: nodaded's association with a family
    type is said once; the copy's is low and names the pair it repeats."""
    rng = np.random.default_rng(14)
    n = 2000
    family = rng.choice(["both", "mother", "other"], n, p=[0.7, 0.2, 0.1])
    nodaded = np.where(family == "both", rng.random(n) < 0.05, rng.random(n) < 0.8)
    frame = pd.DataFrame(
        {
            "family": family,
            "nodaded": np.where(nodaded, "yes", "no"),
            "nomomed": np.where(nodaded, "Y", "N"),
        }
    )
    result = run_on_frame(analysis("cramers_v"), frame)
    pairs = {frozenset(f["subject"]["columns"]): f for f in result.findings}
    assert pairs[frozenset({"family", "nodaded"})]["severity"] == "medium"
    copy = pairs[frozenset({"family", "nomomed"})]
    assert copy["severity"] == "low"
    assert copy["evidence"]["parameters"]["same_fact_as"] == ["family", "nodaded"]


def test_a_spike_at_zero_is_said_once_for_the_table() -> None:
    """Workinghours: 26% of the wives work 0 hours beside 1,100 other values; earnings
    zero for the same. One medium finding names both; a count of children 0..9 (under
    20 values), a measure with a few zeros and a count decaying from a mode of 0 (no
    spike over its next value) are not named."""
    rng = np.random.default_rng(15)
    n = 3000
    works = rng.random(n) > 0.26
    frame = pd.DataFrame(
        {
            "hours": np.where(works, rng.integers(12, 5000, n), 0),
            "earnings": np.where(works, rng.lognormal(9, 0.8, n).round(0), 0.0),
            "children": rng.integers(0, 10, n),
            "income": np.where(rng.random(n) < 0.02, 0.0, rng.lognormal(10, 0.6, n).round(0)),
            # years in a job: a count decaying from its mode of 0 (26%, 19%, 14%...)
            "tenure": np.minimum(rng.geometric(0.26, n) - 1, 40),
        }
    )
    assert (frame["tenure"] == 0).mean() > 0.2 and frame["tenure"].nunique() >= 20
    runs = [
        run_on_frame(analysis("capped_values"), frame, chunk_rows=rows, batch_size=rows)
        for rows in (65536, 101)
    ]
    assert [f["title"] for f in runs[0].findings] == [f["title"] for f in runs[1].findings]
    result = runs[0]
    spikes = [f for f in result.findings if f["kind"] == "zero_spike"]
    assert len(spikes) == 1
    assert spikes[0]["severity"] == "medium"
    assert set(spikes[0]["subject"]["columns"]) == {"hours", "earnings"}
    assert "Spikes at zero in 2 measures" in spikes[0]["title"]


def test_a_first_wave_without_suffix_and_a_later_wave_are_one_measure() -> None:
    """Griliches' age and age80, expr and expr80: one person's measure at two survey waves."""
    rng = np.random.default_rng(16)
    n = 700
    age = rng.uniform(16, 30, n)
    expr = rng.gamma(2, 1, n)
    frame = pd.DataFrame(
        {
            "age": age,
            "age80": age + rng.integers(0, 13, n),
            "expr": expr,
            "expr80": expr + rng.gamma(3, 1, n),
            "pop": rng.lognormal(8, 1, n),
        }
    )
    frame["pop16"] = frame["pop"] * rng.uniform(0.7, 0.8, n)
    corr = run_on_frame(analysis("correlation"), frame)
    pairs = {frozenset(f["subject"]["columns"]): f for f in corr.findings}
    for a, b in (("age", "age80"), ("expr", "expr80")):
        assert pairs[frozenset({a, b})]["severity"] == "low"
        assert (
            "two periods" in pairs[frozenset({a, b})]["evidence"]["parameters"]["severity_capped"]
        )
    capped = pairs[frozenset({"pop", "pop16"})]["evidence"]["parameters"].get("severity_capped", "")
    assert "two periods" not in capped


def test_a_span_longer_than_the_window_is_read_whole_in_months() -> None:
    """Four years of days: trend and changepoints read every month (a shift in the first
    year is found), not the latest 1,000 days; the same for every chunking."""
    rng = np.random.default_rng(18)
    days = pd.date_range("2000-01-01", periods=1461, freq="D")
    level = np.where(days < pd.Timestamp("2000-10-01"), 20.0, 30.0)
    frame = pd.DataFrame({"date": days, "load": level + rng.normal(0, 2, days.size)})
    results = [
        run_on_frame(analysis("changepoints"), frame, chunk_rows=rows, batch_size=rows)
        for rows in (65536, 97)
    ]
    seen = [[(f["title"], f["severity"], f["measurement"]) for f in r.findings] for r in results]
    assert seen[0] == seen[1]  # the file's row groups differ, so does its fingerprint
    scan = next(
        f
        for f in results[0].findings
        if f["kind"] == "changepoint_scan" and f["subject"]["series"] == "load"
    )
    assert scan["title"].startswith("Changepoint scan of monthly load")
    assert scan["evidence"]["parameters"]["buckets"] == "month"
    assert scan["measurement"]["values"]["points"] == 48
    shifts = [
        f
        for f in results[0].findings
        if f["kind"] == "changepoint" and f["subject"]["series"] == "load"
    ]
    assert any("2000-10-01" in f["title"] and f["severity"] == "medium" for f in shifts)


def test_a_random_walk_read_in_months_has_no_level_shifts() -> None:
    """Eight years of daily exchange rates: their monthly means split into 'levels' are a
    random walk's, whose deviations persist (lag-1 autocorrelation near 1): low."""
    rng = np.random.default_rng(33)  # a walk whose monthly means the search splits in 3
    days = pd.date_range("1980-01-02", periods=2900, freq="D")
    frame = pd.DataFrame({"date": days, "dm": 2.0 + np.cumsum(rng.normal(0, 0.01, days.size))})
    found = run_on_frame(analysis("changepoints"), frame).findings
    shifts = [f for f in found if f["kind"] == "changepoint" and f["subject"]["series"] == "dm"]
    assert shifts
    assert all(f["severity"] == "low" for f in shifts)
    assert any("wanders" in f["evidence"]["parameters"].get("severity_capped", "") for f in shifts)


def test_monthly_dates_over_centuries_are_read_in_years() -> None:
    months = pd.date_range("1749-01-01", periods=3000, freq="MS")
    rng = np.random.default_rng(19)
    frame = pd.DataFrame({"date": months, "spots": rng.gamma(2, 40, months.size)})
    trend = run_on_frame(analysis("trend"), frame)
    finding = next(f for f in trend.findings if f["subject"]["series"] == "spots")
    assert finding["evidence"]["parameters"]["buckets"] == "year"
    assert finding["measurement"]["values"]["points"] == 250
    assert "latest" not in finding["title"]


@pytest.mark.parametrize(
    ("x", "y", "expected"),
    [
        ("BILLS103", "BILLS104", ("BILLS", "103", "104")),  # two congresses
        ("team86", "team87", ("team", "86", "87")),
        ("v101", "v102", None),  # feature numbers
        ("x1", "x2", None),
        ("BILLS103", "BILLS203", None),  # a hundred apart: no two periods of one series
        # one measure at two times, the time in one part of the name (licorice_gargle)
        ("pacu30min_cough", "pacu90min_cough", ("cough", "pacu30min", "pacu90min")),
        ("postOp4hour_throatPain", "pod1am_throatPain", ("throatPain", "postOp4hour", "pod1am")),
        ("bdi.pre", "bdi.2m", ("bdi", "pre", "2m")),
        ("postOp4hour_cough", "postOp4hour_throatPain", None),  # two measures at one time
        ("preOp_gender", "preOp_asa", None),
        ("t1", "t2", None),  # no shared measure name: two survival times
        ("x_1", "x_2", None),
    ],
)
def test_two_periods_read_from_the_names(x, y, expected) -> None:
    from statharness_analyses._shared.summaries import same_measure_two_periods

    assert same_measure_two_periods(x, y) == expected


def test_event_counts_of_units_of_every_size_restate_their_size() -> None:
    """statsmodels' cancer: deaths per county (0 in the smallest) against the county's
    population, r = 0.97: the counties' sizes, compared per capita instead."""
    rng = np.random.default_rng(21)
    population = np.round(rng.lognormal(8.8, 0.9, 300))
    population[:3] = 300  # the smallest counties: no death in the year
    frame = pd.DataFrame(
        {"cancer": rng.poisson(population * 0.0035), "population": population.astype(int)}
    )
    assert frame["cancer"].min() == 0
    corr = run_on_frame(analysis("correlation"), frame)
    pair = next(f for f in corr.findings if f["kind"] == "correlation")
    assert pair["measurement"]["values"]["pearson_r"] > 0.95
    assert pair["severity"] == "low"
    assert "every size" in pair["evidence"]["parameters"]["severity_capped"]


@pytest.mark.parametrize(
    ("flag", "measure", "expected"),
    [
        ("prevAllies", "yearsAllies", True),  # allied before, and for how many years
        ("node4", "nodes", True),
        ("age80", "age", True),
        ("smoke", "age", False),
        ("isOld", "yearsNew", False),
        ("loc16", "loc10", False),  # cf's markers: siblings of a numbered series
        ("q2", "q1", False),
        ("IV3", "IV", True),
    ],
)
def test_a_flag_named_after_a_measure(flag, measure, expected) -> None:
    from statharness_analyses._shared.summaries import named_after

    assert named_after(flag, measure) is expected


def test_a_change_resting_on_a_few_scattered_points_is_low_a_new_regime_is_not() -> None:
    """Quarrels' 'ignorance', coded on 5 rows of 5 early years of 140: no level shifts.
    A share first reported in the last 8 years, every one of them, is a regime change."""
    rng = np.random.default_rng(7)
    years = np.repeat(np.arange(1810, 1950), 5)
    ignorance = np.zeros(years.size, dtype=int)
    for y, v in [(1823, 1), (1839, 1), (1856, 2), (1857, 2), (1859, 2)]:
        ignorance[np.flatnonzero(years == y)[0]] = v
    nat = np.where(years >= 1942, rng.uniform(3, 5, years.size), 0.0)
    frame = pd.DataFrame(
        {
            "year": years,
            "ignorance": ignorance,
            "nat": nat,
            "deaths": rng.lognormal(8, 2, years.size),
        }
    )
    result = run_on_frame(analysis("changepoints"), frame)
    sparse = changes(result, "ignorance")
    assert sparse and all(f["severity"] == "low" for f in sparse)
    # measured between confirmed changes, the few points make a small shift of the mean
    # (under the medium bar of 3 sigmas); otherwise the few-points rule says why it is low
    assert all(
        f["measurement"]["values"]["shift_sigmas"] < 3
        or "at 5 of its 140 points" in f["evidence"]["parameters"]["severity_capped"]
        for f in sparse
    )
    assert [f["severity"] for f in changes(result, "nat")] == ["medium"]
