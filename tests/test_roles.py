"""Column roles: what a column means, inferred from the data (issue: findings to act on)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_statharness import ColumnKind, ColumnRole
from pytest_statharness.column_roles import PERIOD_INDEX_DETAIL
from pytest_statharness.dataset import open_dataset


def roles_of(tmp_path, frame: pd.DataFrame, suffix: str = "parquet") -> dict:
    path = tmp_path / f"t.{suffix}"
    if suffix == "csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    dataset = open_dataset("t", str(path))
    return {c.name: c for c in dataset.columns}


def flights(rows: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    when = pd.Timestamp("2013-01-01") + pd.to_timedelta(
        np.sort(rng.integers(0, 365 * 24 * 60, rows)), unit="min"
    )
    hhmm = when.hour * 100 + when.minute
    return pd.DataFrame(
        {
            "when": when,
            "yr": when.year,  # a calendar part whatever its name: equals the timestamp's year
            "mo": when.month,
            "dep_time": hhmm,  # a clock code
            "flight": rng.integers(1, 3000, rows),  # a key, by its name and domain
            "delay": rng.normal(10, 30, rows),
            "distance": rng.integers(100, 2500, rows),
            "lat": rng.uniform(20, 60, rows),
        }
    )


def test_roles_from_relations_domains_and_names(tmp_path) -> None:
    cols = roles_of(tmp_path, flights())
    assert cols["yr"].role == ColumnRole.CALENDAR_PART and cols["yr"].role_detail == "year"
    assert cols["mo"].role == ColumnRole.CALENDAR_PART and cols["mo"].role_detail == "month"
    assert "equals the month of timestamp column 'when'" in cols["mo"].role_reason
    assert cols["dep_time"].role == ColumnRole.CLOCK_CODE
    assert cols["flight"].role == ColumnRole.IDENTIFIER
    assert cols["delay"].role == ColumnRole.MEASUREMENT
    assert cols["distance"].role == ColumnRole.COUNT
    assert cols["lat"].role == ColumnRole.GEO_COORDINATE
    for c in cols.values():
        assert 0 < c.role_confidence <= 1 and c.role_reason


def test_a_name_alone_never_decides(tmp_path) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"month": rng.integers(40, 900, 500), "hour": rng.normal(0, 1, 500)})
    cols = roles_of(tmp_path, frame)
    assert cols["month"].role == ColumnRole.COUNT  # 40..900 is no month
    assert cols["hour"].role == ColumnRole.MEASUREMENT  # fractional values are no hours


def test_a_sampling_weight_is_a_design_variable_not_a_measurement(tmp_path) -> None:
    """HI's wght (5,182..1,136,869: how many women a respondent stands for) got an outlier
    finding; a body weight keeps its role."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "wght": np.round(rng.lognormal(12, 0.5, 800)),
            "weight": rng.normal(70, 10, 800),
            "hours": rng.normal(40, 5, 800),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["wght"].role == ColumnRole.OTHER
    assert "sampling weight" in cols["wght"].role_reason
    assert cols["weight"].role == ColumnRole.MEASUREMENT


def test_whole_numbers_named_as_the_unit_rows_are_collected_in_are_its_key(tmp_path) -> None:
    """Star's schidkn (79 schools) and nlschools' class (133 classes) were read as counts,
    and got outlier and Benford findings; a class code of 3 levels stays a category."""
    rng = np.random.default_rng(4)
    n = 2000
    frame = pd.DataFrame(
        {
            "schidkn": rng.integers(1, 80, n),
            "class": rng.integers(180, 313, n),
            "cls": rng.integers(1, 4, n),
            "kids": rng.integers(0, 40, n),
            # Exam's pupils numbered within their school (1..n again in each)
            "student": rng.integers(1, 200, n),
        }
    ).rename(columns={"cls": "class_"})
    cols = roles_of(tmp_path, frame)
    assert cols["student"].role == ColumnRole.IDENTIFIER
    assert cols["schidkn"].role == ColumnRole.IDENTIFIER
    assert "named as the unit rows are collected in" in cols["schidkn"].role_reason
    assert cols["class"].role == ColumnRole.IDENTIFIER
    assert cols["class_"].role == ColumnRole.CATEGORY
    assert cols["kids"].role == ColumnRole.COUNT


def test_keys_in_a_few_hours_are_no_clock_and_few_panelists_are_a_category(tmp_path) -> None:
    """grouseticks' BROOD 501..621 are valid hhmm values but span two 'hours': keys, not
    times of day (a departure time spans the day). french_fries' 12 subjects are a
    category, not a count; a 'school' of 3..16 stays a quantity (years of schooling)."""
    rng = np.random.default_rng(6)
    n = 600
    brood = rng.choice([h * 100 + m for h in (5, 6) for m in range(1, 60)], n)
    frame = pd.DataFrame(
        {
            "BROOD": brood,
            "dep": rng.choice([h * 100 + m for h in range(5, 23) for m in range(60)], n),
            "subject": rng.integers(1, 13, n),
            "school": rng.integers(3, 17, n),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["BROOD"].role != ColumnRole.CLOCK_CODE
    assert cols["dep"].role == ColumnRole.CLOCK_CODE
    assert cols["subject"].role == ColumnRole.CATEGORY
    assert cols["school"].role == ColumnRole.COUNT


def test_a_single_year_is_no_time_axis(tmp_path) -> None:
    """voteincome: year is 2000 on every row; no date is derived from it (a constant
    'date(year)' was reported medium, and trends ran over one point)."""
    rng = np.random.default_rng(8)
    frame = pd.DataFrame({"year": np.full(300, 2000), "income": rng.integers(4, 18, 300)})
    assert "date(year)" not in roles_of(tmp_path, frame)
    frame["year"] = np.repeat([1999, 2000, 2001], 100)
    assert "date(year)" in roles_of(tmp_path, frame)


def test_a_number_named_as_a_code_is_a_key(tmp_path) -> None:
    """dd's cowcode2 (a country's code, 2..990) was a measure across 'regime'."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame({"cowcode2": rng.integers(2, 990, 500), "x": rng.normal(0, 1, 500)})
    assert roles_of(tmp_path, frame)["cowcode2"].role == ColumnRole.IDENTIFIER


@pytest.mark.parametrize(
    "texts, layout",
    [
        (["2012/01/01", "2012/01/02", "2013/12/31"], "%Y/%m/%d"),
        (["Jan 1 2000", "Feb 1 2000", "Mar 1 2000"], "%b %d %Y"),
        (["2013-01-01T05:00:00Z", "2013-01-01T06:00:00Z", "2013-01-02T06:00:00Z"], None),
        (["13.01.2012", "14.01.2012", "15.02.2012"], "%d.%m.%Y"),
        (["01/13/2012", "01/14/2012", "02/15/2012"], "%m/%d/%Y"),
        # canadian_senators: 'dd-mm-yyyy' was read as a category (a rater, silently)
        (["17-08-1984", "02-11-1867", "30-06-2001"], "%d-%m-%Y"),
        (["08-17-1984", "11-02-1867", "06-30-2001"], "%m-%d-%Y"),
        (["17-Aug-1984", "02-Nov-1867", "30-Jun-2001"], "%d-%b-%Y"),
        (["1950-01", "1950-02", "1951-12"], "%Y-%m"),
        (["1972Q2", "1972Q3", "1973q1"], "%YQ%q"),
        (["1972-Q2", "1972-Q3", "1973-Q4"], "%Y-Q%q"),
        # blizzard_salary's survey timestamps, as a spreadsheet exports them
        (["8/6/20 18:57", "8/6/20 18:56", "8/13/20 9:02"], "%m/%d/%y %H:%M"),
        (["13/01/12", "14/01/12", "15/02/99"], "%d/%m/%y"),
    ],
)
def test_date_strings_are_timestamps(tmp_path, texts, layout) -> None:
    frame = pd.DataFrame({"d": texts * 10, "x": np.arange(30.0)})
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["d"].role == ColumnRole.TIMESTAMP
    if layout:
        assert cols["d"].date_format == layout


def test_ambiguous_day_month_is_read_month_first_and_said(tmp_path) -> None:
    frame = pd.DataFrame({"d": ["01/02/2012", "03/04/2012", "05/06/2012"] * 10, "x": range(30)})
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["d"].date_format == "%m/%d/%Y"
    assert "ambiguous" in cols["d"].role_reason


def test_day_month_order_is_settled_by_a_constant_day(tmp_path) -> None:
    """Monthly dates on the 1st, written dd/mm/yyyy (Nightingale's Crimea table): the first
    field is 01 on every row, so it is the day; written mm/dd/yyyy, the second is."""
    months = [f"{m:02d}" for m in range(1, 13)]
    day_first = pd.DataFrame({"d": [f"01/{m}/1855" for m in months] * 3, "x": range(36)})
    cols = roles_of(tmp_path, day_first, "csv")
    assert cols["d"].date_format == "%d/%m/%Y"
    assert "first field is 01 on every row" in cols["d"].role_reason
    assert "ambiguous" not in cols["d"].role_reason
    month_first = pd.DataFrame({"d": [f"{m}/01/1855" for m in months] * 3, "x": range(36)})
    assert roles_of(tmp_path, month_first, "csv")["d"].date_format == "%m/%d/%Y"
    dashed = pd.DataFrame({"d": [f"01-{m}-1855" for m in months] * 3, "x": range(36)})
    assert roles_of(tmp_path, dashed, "csv")["d"].date_format == "%d-%m-%Y"


def test_quarters_are_dated_on_their_first_day(tmp_path) -> None:
    from pytest_statharness.dataset import open_dataset

    frame = pd.DataFrame({"q": ["1972Q2", "1999Q4", None, "2000Q1"] * 6, "x": np.arange(24.0)})
    frame.to_csv(tmp_path / "q.csv", index=False)
    dataset = open_dataset("q", str(tmp_path / "q.csv"))
    values = next(dataset.iter_chunks(["q"])).table.column("q").to_pylist()[:4]
    assert [v.date().isoformat() if v else None for v in values] == [
        "1972-04-01",
        "1999-10-01",
        None,
        "2000-01-01",
    ]
    # us_change's '1970 Q1' was described as 'monthly dates' (rater BF)
    assert dataset.column("q").role_reason.endswith("; quarterly dates")


def test_terms_of_a_year_are_no_months(tmp_path) -> None:
    """exam_grades' semester '2000-1', '2000-2' over six years was read as January and
    February (a 'monthly' series); months are read as months, zero-padded or not."""
    terms = pd.DataFrame(
        {"semester": [f"{y}-{t}" for y in range(2000, 2004) for t in (1, 2)] * 5, "x": range(40)}
    )
    cols = roles_of(tmp_path, terms, "csv")
    assert cols["semester"].date_format is None
    assert cols["semester"].role == ColumnRole.CATEGORY
    months = pd.DataFrame(
        {"m": [f"{y}-{m}" for y in (2000, 2001) for m in range(1, 13)] * 2, "x": range(48)}
    )
    assert roles_of(tmp_path, months, "csv")["m"].date_format == "%Y-%m"
    padded = pd.DataFrame(
        {"m": [f"{y}-0{q}" for y in (2000, 2001) for q in (1, 2)] * 10, "x": range(40)}
    )
    assert roles_of(tmp_path, padded, "csv")["m"].date_format == "%Y-%m"


def test_months_written_with_their_names_are_dates(tmp_path) -> None:
    """fpp3's canadian_gas 'Month' ('1960 Jan', tsibble's print) was read as an
    identifier: no trend, no seasonality. 'Jan 1960' is a month too."""
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    for written, layout in (("{y} {m}", "%Y %b"), ("{m} {y}", "%b %Y")):
        values = [written.format(y=y, m=m) for y in (1960, 1961) for m in months]
        cols = roles_of(tmp_path, pd.DataFrame({"Month": values, "x": range(24)}), "csv")
        assert cols["Month"].date_format == layout
        assert cols["Month"].kind == ColumnKind.TIMESTAMP


def test_iso_weeks_are_dated_on_their_monday(tmp_path) -> None:
    """fpp3's us_gasoline 'Week' ('1991 W06', tsibble's print) was an identifier: no trend,
    no seasonality. ISO weeks are dated on their Monday (week 1 holds 4 January), weekly."""
    import datetime as dt

    weeks = [dt.date(2003, 12, 29) + dt.timedelta(weeks=k) for k in range(60)]
    written = [f"{d.isocalendar()[0]} W{d.isocalendar()[1]:02d}" for d in weeks]
    frame = pd.DataFrame({"Week": written, "Barrels": np.arange(60.0)})
    frame.to_csv(tmp_path / "w.csv", index=False)
    dataset = open_dataset("w", str(tmp_path / "w.csv"))
    column = dataset.column("Week")
    assert column.date_format == "%G W%V" and column.role_detail == "week"
    values = next(dataset.iter_chunks(["Week"])).table.column("Week").to_pylist()
    assert [v.date() for v in values] == weeks  # 2004 W53 included
    assert (
        roles_of(tmp_path, frame.assign(Week=[w.replace(" W", "-W") for w in written]), "csv")[
            "Week"
        ].date_format
        == "%G-W%V"
    )


def test_yearly_dates_have_a_year_grain(tmp_path) -> None:
    years = pd.to_datetime([f"{y}-01-01" for y in range(1970, 1983)] * 20)
    cols = roles_of(tmp_path, pd.DataFrame({"Year": years, "mpg": np.arange(260.0)}))
    assert cols["Year"].role == ColumnRole.TIMESTAMP and cols["Year"].role_detail == "year"


def test_string_keys_and_unique_values_are_identifiers(tmp_path) -> None:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame(
        {
            "case_id": [f"C{i // 3:05d}" for i in range(6000)],
            "token": [f"t{i}" for i in rng.permutation(6000)],
            "activity": rng.choice(["a", "b", "c"], 6000),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["case_id"].role == ColumnRole.IDENTIFIER
    assert cols["token"].role == ColumnRole.IDENTIFIER
    assert cols["activity"].role == ColumnRole.CATEGORY


def test_roles_are_in_the_report(pytester, tmp_path) -> None:
    import json

    frame = flights(400)
    (pytester.path / "f.parquet").write_bytes(b"")
    frame.to_parquet(pytester.path / "f.parquet", index=False)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "--stat-dataset", "f=f.parquet", "-k", "profile_numeric",
        "--snapshot-update",
    )  # fmt: skip
    assert result.ret == 0
    runs = pytester.path / "appdata" / "runs"
    latest = json.loads((runs / "LATEST.json").read_text())["run_id"]
    report = json.loads((runs / latest / "report.json").read_text())
    columns = {c["name"]: c for c in report["datasets"][0]["columns"]}
    assert columns["dep_time"]["role"] == "clock_code"
    assert columns["mo"]["confidence"] == 0.99 and "month" in columns["mo"]["reason"]


def test_a_date_joins_a_year_and_a_month_of_the_same_event(tmp_path) -> None:
    """GrinnellHouses: 'YearBuilt' before 'YearSold' and 'MonthSold'; the date was
    date(YearBuilt,MonthSold), a month nobody observed, and every time finding followed
    it. The month joins the year of its event; with no such year, years alone."""
    rng = np.random.default_rng(9)
    n = 400
    frame = pd.DataFrame(
        {
            "YearBuilt": rng.integers(1880, 2005, n),
            "YearSold": rng.integers(2005, 2016, n),
            "MonthSold": rng.integers(1, 13, n),
            "SalePrice": rng.gamma(4, 30000, n),
        }
    )
    names = roles_of(tmp_path, frame)
    assert "date(YearSold,MonthSold)" in names
    assert not [c for c in names if c.startswith("date(YearBuilt")]
    alone = roles_of(tmp_path, frame.drop(columns="YearSold"))
    assert not [c for c in alone if c.startswith("date(YearBuilt,")]


def test_a_table_without_timestamp_gets_a_date_from_year_and_quarter(tmp_path) -> None:
    rows = [(y, q, 100.5 + (4 * (y - 1960) + q)) for y in range(1960, 1990) for q in (1, 2, 3, 4)]
    frame = pd.DataFrame(rows, columns=["year", "quarter", "gdp"])
    path = tmp_path / "macro.parquet"
    frame.to_parquet(path, index=False)
    dataset = open_dataset("macro", str(path))
    derived = dataset.column("date(year,quarter)")
    assert derived.role == ColumnRole.TIMESTAMP and derived.role_detail == "month"
    chunk = next(dataset.iter_chunks(["gdp", "date(year,quarter)"]))
    stamps = chunk.column("date(year,quarter)").to_pylist()
    assert str(stamps[0]) == "1960-01-01 00:00:00" and str(stamps[5]) == "1961-04-01 00:00:00"


def test_inferred_event_log_states_its_confidence(tmp_path, monkeypatch) -> None:
    from pytest_statharness.registry import Registry

    for role in ("CASE", "ACTIVITY", "TIMESTAMP", "RESOURCE"):
        monkeypatch.delenv(f"STAT_HARNESS_EVENTLOG_{role}", raising=False)
    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(3)
    cases = np.repeat([f"C{i:04d}" for i in range(300)], 4)
    frame = pd.DataFrame(
        {
            "case_id": cases,
            "activity": np.tile(["receive", "check", "approve", "ship"], 300),
            "ts": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.arange(1200) * 60 + rng.integers(0, 30, 1200), unit="s"),
        }
    )
    overview = run_on_frame(Registry.builtin().get("eventlog_overview"), frame).findings[0]
    detection = overview["evidence"]["parameters"]["event_log"]["detection"]
    assert detection["basis"] == "inferred" and detection["confidence"] == 1.0
    assert "confidence 1.00" in overview["title"]


def test_long_format_codes_and_float_ids(tmp_path) -> None:
    """A choice table in long format (statsmodels' modechoice, loaded as floats): the
    individual 1,1,1,1,2,... is an id, the alternative 1..4 on exactly a quarter of the rows
    is a coded factor, the 0/1 choice a flag, a row index 1..n stored as floats an id; a
    count with unequal frequencies stays a count."""
    rng = np.random.default_rng(7)
    people = 60
    frame = pd.DataFrame(
        {
            "individual": np.repeat(np.arange(1.0, people + 1), 4),
            "mode": np.tile(np.arange(1.0, 5.0), people),
            "choice": rng.integers(0, 2, 4 * people).astype(float),
            "sex": rng.choice([1, 2], 4 * people, p=[0.6, 0.4]),
            "psize": rng.choice([1.0, 2.0, 3.0, 4.0], 4 * people, p=[0.4, 0.3, 0.2, 0.1]),
            "time": np.arange(1.0, 4 * people + 1),
            "cost": rng.gamma(3, 20, 4 * people),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["individual"].role == ColumnRole.IDENTIFIER
    assert cols["mode"].role == ColumnRole.CATEGORY
    assert "coded design factor" in cols["mode"].role_reason
    assert cols["choice"].role == ColumnRole.BOOLEAN
    assert cols["sex"].role == ColumnRole.BOOLEAN  # a two-level code 1/2
    assert cols["psize"].role == ColumnRole.COUNT
    assert cols["time"].role == ColumnRole.IDENTIFIER
    assert cols["cost"].role == ColumnRole.MEASUREMENT


def test_a_lone_week_is_a_number_a_lone_year_a_calendar_part(tmp_path) -> None:
    """Rossi's 'week' (of arrest after release) with no date or other calendar part in the
    table is a count; airquality's Month and Day make a date together; a year alone stays."""
    rng = np.random.default_rng(3)
    rossi = pd.DataFrame({"week": rng.integers(1, 53, 400), "age": rng.integers(17, 45, 400)})
    cols = roles_of(tmp_path, rossi)
    assert cols["week"].role == ColumnRole.COUNT
    assert "no date, year or other calendar part" in cols["week"].role_reason
    air = pd.DataFrame(
        {
            "Month": np.repeat([5, 6, 7, 8, 9], 30),
            "Day": np.tile(np.arange(1, 31), 5),
            "Ozone": rng.normal(40, 10, 150),
        }
    )
    cols = roles_of(tmp_path, air)
    assert cols["Day"].role == ColumnRole.CALENDAR_PART
    cars = pd.DataFrame({"year": rng.integers(1970, 1983, 300), "mpg": rng.normal(20, 5, 300)})
    assert roles_of(tmp_path, cars)["year"].role == ColumnRole.CALENDAR_PART


def test_a_growing_total_is_no_key(tmp_path) -> None:
    """A monthly population (ggplot2's economics): a distinct whole number on every row
    because it grows, revised down once: a count. Shuffled distinct numbers stay a key."""
    rng = np.random.default_rng(5)
    pop = 198712 + np.cumsum(rng.integers(150, 260, 574))
    pop[300] = pop[299] - 5  # one revision
    frame = pd.DataFrame(
        {
            "date": pd.date_range("1967-07-01", periods=574, freq="MS"),
            "pop": pop,
            "account": rng.permutation(np.arange(10_000, 10_574) * 7),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["pop"].role == ColumnRole.COUNT and "growing total" in cols["pop"].role_reason
    assert cols["account"].role == ColumnRole.IDENTIFIER


def test_a_longitude_east_of_the_date_line_is_a_coordinate(tmp_path) -> None:
    """R's quakes: 'long' runs 165..188 (0..360 east): a longitude, no outliers of it."""
    rng = np.random.default_rng(1000)
    frame = pd.DataFrame({"lat": rng.uniform(-38, -11, 300), "long": rng.uniform(165, 188, 300)})
    cols = roles_of(tmp_path, frame)
    assert cols["long"].role == ColumnRole.GEO_COORDINATE
    # seals' movements: a change of latitude is a measurement, not a place
    moves = pd.DataFrame(
        {
            "lat": rng.uniform(28, 50, 300),
            "delta_lat": rng.normal(0, 0.5, 300),
            "delta_long": rng.normal(0, 0.5, 300),
        }
    )
    cols = roles_of(tmp_path, moves)
    assert cols["lat"].role == ColumnRole.GEO_COORDINATE
    assert cols["delta_lat"].role == ColumnRole.MEASUREMENT
    assert cols["delta_long"].role == ColumnRole.MEASUREMENT


def panel(firms: int = 8, years: int = 25, seed: int = 3) -> pd.DataFrame:
    """A firm x year panel sorted by firm (statsmodels' Grunfeld): investment scales with
    the firm, a coded 1..4 factor on exactly a quarter of the rows."""
    rng = np.random.default_rng(seed)
    size = np.repeat(rng.uniform(20, 2000, firms), years)
    return pd.DataFrame(
        {
            "firm": np.repeat(np.arange(1, firms + 1), years),
            "year": np.tile(np.arange(1935, 1935 + years), firms),
            "inv": size * rng.lognormal(0, 0.2, firms * years),
            "plant": np.tile(np.arange(1, 5), firms * years // 4),
        }
    )


def test_a_panel_entity_is_a_category_and_many_entities_are_keys(tmp_path) -> None:
    """Whole numbers in sorted blocks: 8 firms x 25 years are groups to compare (grouping
    kind, so the relationship analyses use them); 300 patients x 3 visits are keys."""
    cols = roles_of(tmp_path, panel())
    assert cols["firm"].role == ColumnRole.CATEGORY and "long-format" in cols["firm"].role_reason
    assert cols["firm"].kind == ColumnKind.CATEGORICAL
    assert cols["plant"].role == ColumnRole.CATEGORY
    assert cols["plant"].kind == ColumnKind.CATEGORICAL
    visits = pd.DataFrame({"patient": np.repeat(np.arange(1, 301), 3), "x": np.arange(900.0)})
    cols = roles_of(tmp_path, visits)
    assert cols["patient"].role == ColumnRole.IDENTIFIER
    assert "300 ids" in cols["patient"].role_reason


def test_whole_number_groups_run_through_the_whole_gauntlet(pytester) -> None:
    """Every analysis takes integer-valued groups (no item errors), and the firm effect
    the panel holds is found."""
    import json

    panel().to_csv(pytester.path / "p.csv", index=False)
    result = pytester.runpytest(
        "-p", "no:cacheprovider", "-p", "no:randomly", "--stat-dataset", "p=p.csv",
        "--snapshot-update",
    )  # fmt: skip
    outcomes = result.parseoutcomes()
    assert outcomes.get("passed", 0) + outcomes.get("failed", 0) >= 15
    assert "error" not in outcomes and "errors" not in outcomes, result.stdout.str()[-3000:]
    runs = pytester.path / "appdata" / "runs"
    latest = json.loads((runs / "LATEST.json").read_text())["run_id"]
    report = json.loads((runs / latest / "report.json").read_text())
    titles = [
        (f["severity"], f["title"])
        for item in report["items"]
        if item["analysis_id"] == "group_differences"
        for f in item["findings"]
    ]
    assert any(
        severity in ("high", "medium") and title.startswith("'inv' across the levels of 'firm'")
        for severity, title in titles
    ), titles


def test_repeated_codes_are_entities_or_keys_never_quantities(tmp_path) -> None:
    """A balanced panel ordered by year (46 FIPS-like state codes, each on exactly 30 rows,
    not sorted by state) holds a category; matched sets of 3 (83 strata, one set of 2)
    hold keys. A count with uneven frequencies stays a count."""
    rng = np.random.default_rng(12)
    codes = rng.choice(np.arange(1, 57), 46, replace=False)
    frame = pd.DataFrame(
        {
            "state": np.tile(codes, 30),
            "year": np.repeat(np.arange(63, 93), 46),
            "sales": rng.gamma(5, 25, 46 * 30),
            "visits": rng.poisson(3, 46 * 30),
        }
    )
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["state"].role == ColumnRole.CATEGORY and "panel" in cols["state"].role_reason
    assert cols["visits"].role == ColumnRole.COUNT
    strata = np.concatenate([np.repeat(np.arange(1, 83), 3), [83, 83]])
    matched = pd.DataFrame({"stratum": rng.permutation(strata), "age": rng.integers(20, 45, 248)})
    cols = roles_of(tmp_path, matched)
    assert cols["stratum"].role == ColumnRole.IDENTIFIER
    assert "83 whole numbers" in cols["stratum"].role_reason


def test_time_axes_as_r_and_panels_write_them(tmp_path) -> None:
    """Two-digit years named 'year' (Cigar's 63..92) date the rows in the 1900s; sorted
    years named 'time' (R's LakeHuron) are years, not row ids; R's fractional quarters
    (1945.00, 1945.25, ...) date a quarterly series."""
    import pyarrow as pa

    rng = np.random.default_rng(1)
    two_digit = pd.DataFrame(
        {"year": np.repeat(np.arange(63, 93), 4), "sales": rng.gamma(5, 25, 120)}
    )
    path = tmp_path / "cigar.csv"
    two_digit.to_csv(path, index=False)
    dataset = open_dataset("cigar", str(path))
    assert dataset.column("year").role == ColumnRole.CALENDAR_PART
    dates = pa.chunked_array(
        c.column("date(year)") for c in dataset.iter_chunks(columns=["date(year)"])
    )
    assert str(dates[0].as_py().date()) == "1963-01-01"
    assert str(dates[-1].as_py().date()) == "1992-01-01"

    lake = pd.DataFrame({"time": np.arange(1875, 1973), "level": rng.normal(579, 1, 98)})
    cols = roles_of(tmp_path, lake, "csv")
    assert cols["time"].role == ColumnRole.CALENDAR_PART

    quarters = pd.DataFrame(
        {"time": 1945 + np.arange(120) / 4, "approval": rng.uniform(20, 90, 120).round()}
    )
    path = tmp_path / "presidents.csv"
    quarters.to_csv(path, index=False)
    dataset = open_dataset("presidents", str(path))
    assert dataset.column("time").role_detail == "fractional_year"
    dates = pa.chunked_array(
        c.column("date(time)") for c in dataset.iter_chunks(columns=["date(time)"])
    )
    assert [str(d.as_py().date()) for d in dates[:3]] == ["1945-01-01", "1945-04-01", "1945-07-01"]
    # a float that is no grid of months (a measurement in the year range) stays a measure
    noisy = quarters.assign(time=quarters["time"] + rng.uniform(0.001, 0.002, 120))
    assert roles_of(tmp_path, noisy, "csv")["time"].role == ColumnRole.MEASUREMENT


def test_units_of_a_short_panel_are_a_category_only_with_a_time_axis(tmp_path) -> None:
    """48 state codes x 7 years: with the year they are a panel's units (a category to
    compare); the same codes with no time axis are the keys of sets (a matched design).
    A constant column is no calendar part of a daily date (an open interest always 0)."""
    rng = np.random.default_rng(48)
    codes = rng.choice(np.arange(1, 57), 48, replace=False)
    frame = pd.DataFrame(
        {
            "state": np.repeat(codes, 7),
            "year": np.tile(np.arange(1982, 1989), 48),
            "rate": rng.gamma(4, 0.5, 336),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert (
        cols["state"].role == ColumnRole.CATEGORY
        and "units of a panel" in cols["state"].role_reason
    )
    assert cols["state"].kind == ColumnKind.CATEGORICAL
    cols = roles_of(tmp_path, frame.drop(columns="year"))
    assert cols["state"].role == ColumnRole.IDENTIFIER
    daily = pd.DataFrame(
        {
            "Date": pd.date_range("2000-01-03", periods=300, freq="D"),
            "Close": rng.normal(50, 2, 300),
            "OpenInt": np.zeros(300, dtype=np.int64),
        }
    )
    assert roles_of(tmp_path, daily)["OpenInt"].role != ColumnRole.CALENDAR_PART


def test_an_r_quarterly_time_with_a_missing_quarter_still_dates_the_rows(tmp_path) -> None:
    """R's fractional quarters with one quarter left out (a null written as an empty cell):
    still quarterly dates; whole years never go through this rule."""
    rng = np.random.default_rng(4)
    times = 1945 + np.arange(120) / 4
    frame = pd.DataFrame({"time": times, "approval": rng.uniform(20, 90, 120)})
    frame.loc[3, "time"] = np.nan
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["time"].role_detail == "fractional_year"
    assert "quarterly" in cols["time"].role_reason


def test_small_year_indexes_and_weekdays_are_no_calendar_or_panel(tmp_path) -> None:
    """An airline panel's 'year' 1..15 is an index of years (the panel's periods in order),
    not 2001..2015: no date is made of it; weekdays of a daily series are no panel's units."""
    from statharness_analyses._shared.panel import unit_columns

    rng = np.random.default_rng(15)
    airline = pd.DataFrame(
        {
            "airline": np.repeat(np.arange(1, 7), 15),
            "year": np.tile(np.arange(1, 16), 6),
            "cost": rng.gamma(5, 100, 90),
        }
    )
    year = roles_of(tmp_path, airline)["year"]
    assert (year.role, year.role_detail) == (ColumnRole.CALENDAR_PART, PERIOD_INDEX_DETAIL)
    path = tmp_path / "airline.parquet"
    airline.to_parquet(path, index=False)
    opened = open_dataset("airline", str(path))
    assert [c.name for c in opened.columns if c.kind == ColumnKind.TIMESTAMP] == []
    assert unit_columns(opened) == ["airline"]  # over the period index
    # sleepstudy: Days 0..9 on each of 18 subjects (balanced) is the time, not a design
    # factor; a balanced 'dose' 1..5 stays one
    sleep = pd.DataFrame(
        {
            "Reaction": rng.normal(300, 40, 180),
            "Days": np.tile(np.arange(10), 18),
            "Subject": np.repeat(np.arange(308, 326), 10),
        }
    )
    days = roles_of(tmp_path, sleep)["Days"]
    assert (days.role, days.role_detail) == (ColumnRole.CALENDAR_PART, PERIOD_INDEX_DETAIL)
    dose = roles_of(tmp_path, sleep.rename(columns={"Days": "dose"}))["dose"]
    assert dose.role == ColumnRole.CATEGORY
    # not an index: starting at 3, or a gap, or a name that is no time
    for frame in (
        airline.assign(year=airline.year + 2),
        airline.assign(year=np.where(airline.year == 15, 16, airline.year)),
        airline.rename(columns={"year": "grade"}),
    ):
        decided = roles_of(tmp_path, frame)
        col = "grade" if "grade" in decided else "year"
        assert decided[col].role_detail != PERIOD_INDEX_DETAIL
    days = pd.bdate_range("1980-01-02", periods=600)
    daily = pd.DataFrame({"date": days, "day": days.day_name(), "dm": rng.normal(2, 0.1, 600)})
    path = tmp_path / "garch.parquet"
    daily.to_parquet(path, index=False)
    assert unit_columns(open_dataset("garch", str(path))) == []


def test_whole_numbers_named_as_a_grouping_are_its_codes(tmp_path) -> None:
    """'sector' 1..9 of a firm panel is a category (its mean is no quantity); a count named
    so but with many values, or a measure with a grouping word and negatives, is not."""
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(
        {
            "sector": rng.choice([1, 2, 3, 5, 7, 9], 400, p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.1]),
            "class_size": rng.integers(10, 30, 400),
            "region_change": rng.integers(-3, 4, 400),
            "patents": rng.poisson(2, 400),
            "inst": rng.choice([1.0, 3.0, 11.0, 12.0, 22.0, np.nan], 400),  # lung's institutions
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["inst"].role == ColumnRole.CATEGORY
    assert cols["sector"].role == ColumnRole.CATEGORY
    assert cols["sector"].kind == ColumnKind.CATEGORICAL
    assert cols["class_size"].role == ColumnRole.COUNT  # named as a quantity (size)
    assert cols["region_change"].role != ColumnRole.CATEGORY  # negatives: a change
    assert cols["patents"].role == ColumnRole.COUNT


def test_a_vote_coded_as_whole_numbers_is_a_class_outcome(tmp_path) -> None:
    """mexico's vote88 (1 PRI, 2 PAN, 3 FDN) is the classes of a result, compared across
    and associated with, not a count; a 1..5 rating called y stays on its scale."""
    from pytest_statharness.dataset.roles import outcome_by_name

    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "vote88": rng.choice([1, 2, 3], 500),
            "y": rng.choice([1, 2, 3, 4, 5], 500),
            "age": rng.integers(18, 80, 500),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["vote88"].role == ColumnRole.CATEGORY
    assert cols["y"].role != ColumnRole.CATEGORY
    assert "vote88" in outcome_by_name(list(cols.values()))


def test_a_month_with_no_date_is_a_grouping(tmp_path) -> None:
    """airquality: Month 5..9 and Day, no year. The months are groups to compare (the
    summer shows as Temp across Month); with a year beside them, seasonality reads the
    cycle from the derived date and Month stays a number."""
    from statharness_analyses.relationships.group_differences import GroupDifferences

    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(12)
    month = np.repeat(np.arange(5, 10), 30)
    frame = pd.DataFrame(
        {
            "Temp": 60 + 4 * (month - 5) * (9 - month) + rng.normal(0, 4, month.size),
            "Month": month,
            "Day": np.tile(np.arange(1, 31), 5),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert (cols["Month"].role, cols["Month"].kind) == (
        ColumnRole.CALENDAR_PART,
        ColumnKind.CATEGORICAL,
    )
    assert cols["Day"].kind == ColumnKind.NUMERIC  # a day of month is no cycle's phase
    dated = roles_of(tmp_path, frame.assign(Year=1973))
    assert dated["Month"].kind == ColumnKind.NUMERIC
    # the inferred spec pinned (statharness infer): the same roles, the same kinds
    from pytest_statharness.dataset.spec import load_specs

    frame.to_csv(tmp_path / "aq.csv", index=False)
    (tmp_path / "statharness.toml").write_text(
        '[datasets.aq.columns.Month]\nrole = "calendar_part"\n'
    )
    pinned = open_dataset("aq", str(tmp_path / "aq.csv"), spec=load_specs(tmp_path)["aq"])
    assert pinned.column("Month").kind == ColumnKind.CATEGORICAL
    found = {
        f["subject"]["group_by"]: f
        for f in run_on_frame(GroupDifferences(), frame).findings
        if f["kind"] == "group_difference"
    }
    assert found["Month"]["severity"] == "medium"


def test_dates_on_the_last_day_of_the_month_are_monthly(tmp_path) -> None:
    """ggplot2's economics: 1967-06-30, 1967-07-31, ... (478 months) is a monthly series,
    not irregular days (whose analyses would keep the latest 1000 days: 33 months); dates
    all on 31 December are yearly; a daily series stays daily."""
    from statharness_analyses.time.trend import Trend

    from pytest_statharness.testing import run_on_frame

    ends = pd.date_range("1967-06-30", periods=478, freq="ME")
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"date": ends, "pce": np.linspace(500, 12000, 478) + rng.normal(0, 30, 478)}
    )
    date = roles_of(tmp_path, frame)["date"]
    assert (date.role, date.role_detail) == (ColumnRole.TIMESTAMP, "month")
    assert "the last day of a month" in date.role_reason
    as_text = roles_of(tmp_path, frame.assign(date=ends.strftime("%Y-%m-%d")), suffix="csv")
    assert as_text["date"].role_detail == "month"
    years = roles_of(
        tmp_path, pd.DataFrame({"d": pd.date_range("1950-12-31", periods=40, freq="YE")})
    )
    assert years["d"].role_detail == "year"
    # zoned: on the wall clock (24 hours after 31 Oct 2004 00:00 in Zurich is still 31 Oct)
    zoned = roles_of(tmp_path, pd.DataFrame({"d": ends.tz_localize("Europe/Zurich")}))
    assert zoned["d"].role_detail == "month"
    days = roles_of(
        tmp_path, pd.DataFrame({"d": pd.date_range("2020-01-31", periods=90, freq="D")})
    )
    assert days["d"].role_detail == "day"
    (pce,) = [
        f for f in run_on_frame(Trend(), frame).findings if f["subject"].get("series") == "pce"
    ]
    assert pce["measurement"]["values"]["points"] == 478 and "latest" not in pce["title"]


def test_a_total_growing_with_every_row_is_no_row_id_and_rownames_are(tmp_path) -> None:
    """economics' pop rises every month by about 200 (a growing total: a count, with
    trends); a row id counts up by one; R's exported 'rownames' are keys whatever their
    order (birthwt's follow birth weight)."""
    rng = np.random.default_rng(5)
    n = 478
    frame = pd.DataFrame(
        {
            "pop": 198_712 + np.cumsum(rng.integers(150, 280, n)),
            "row": np.arange(1, n + 1),
            "ticket": np.arange(1, n + 1) * 10,  # evenly numbered: still ids
            "rownames": rng.permutation(np.arange(85, 85 + n)),
            "bwt": rng.normal(2900, 700, n).round(),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["pop"].role == ColumnRole.COUNT and "growing total" in cols["pop"].role_reason
    assert cols["row"].role == ColumnRole.IDENTIFIER
    assert cols["ticket"].role == ColumnRole.IDENTIFIER
    assert cols["rownames"].role == ColumnRole.IDENTIFIER


def test_strings_mostly_new_when_the_distinct_count_stops_are_names_not_a_vocabulary(
    tmp_path,
) -> None:
    """56,007 film titles in 58,788 rows: the distinct count stops at its cap of 10,000,
    but nearly every value read until then was new (a name), whereas 12,000 districts over
    80,000 rows repeat (a vocabulary too wide to group by, still not a key). The position
    where the count stopped is exact, so the role is the same whatever the batch size."""
    rng = np.random.default_rng(2)
    n = 80_000
    film = np.arange(n)
    film[5::7] = film[4::7][: len(film[5::7])]  # a few remakes share a title
    frame = pd.DataFrame(
        {
            "title": [f"Film {k}" for k in film],
            "district": [f"D{k:05d}" for k in rng.integers(0, 12_000, n)],
        }
    )
    for batch in (1000, 65536):
        cols = roles_of_batched(tmp_path / str(batch), frame, batch)
        assert cols["title"].role == ColumnRole.IDENTIFIER, cols["title"].role_reason
        assert "within its first" in cols["title"].role_reason
        assert cols["district"].role == ColumnRole.CATEGORY, cols["district"].role_reason


def roles_of_batched(folder, frame: pd.DataFrame, batch: int) -> dict:
    folder.mkdir(parents=True)
    path = folder / "t.parquet"
    frame.to_parquet(path, row_group_size=batch)
    ds = open_dataset("t", str(path), chunk_rows=batch)
    return {c.name: c for c in ds.columns}


def test_an_empty_column_says_it_is_empty(tmp_path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text("country,2011,2012\nA,1.5,\nB,2.5,\n" + "C,3.5,\n" * 30)
    ds = open_dataset("wide", str(path))
    empty = next(c for c in ds.columns if c.name == "2012")
    assert empty.role == ColumnRole.OTHER and empty.role_reason == "no values (every row is empty)"


def test_the_nth_purchase_of_households_that_leave_is_an_order_not_a_key(tmp_path) -> None:
    """Ketchup's ``id`` numbers each household's purchases 1, 2, 3 ...: fewer households
    reach each next number. It is the order of a unit's rows, not 24 groups to cluster; a
    count with the same falling shape but no such name stays a count."""
    rng = np.random.default_rng(3)
    lengths = rng.geometric(0.3, 400)
    frame = pd.DataFrame(
        {
            "hid": np.repeat(np.arange(1, 401), lengths),
            "id": np.concatenate([np.arange(1, k + 1) for k in lengths]),
            "price": rng.normal(1.2, 0.1, lengths.sum()),
        }
    )
    frame["children"] = frame["id"]
    cols = roles_of(tmp_path, frame)
    assert (cols["id"].role, cols["id"].role_detail) == (
        ColumnRole.CALENDAR_PART,
        PERIOD_INDEX_DETAIL,
    )
    assert "leave one by one" in cols["id"].role_reason
    assert cols["children"].role == ColumnRole.COUNT
    # a key whose counts do not fall in order stays a key
    shuffled = frame.assign(id=frame["hid"])
    assert roles_of(tmp_path, shuffled)["id"].role != ColumnRole.CALENDAR_PART


def test_numbered_places_and_providers_are_keys_not_counts(tmp_path) -> None:
    """Benefits' 'state' (51 codes) and medpar's 'provnum' (54 hospitals) are the units the
    rows are collected in; a count named otherwise with as many values stays a count."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "state": rng.integers(1, 57, 3000),
            "provnum": rng.choice(np.arange(30001, 30300, 5), 3000),
            "visits": rng.integers(0, 60, 3000),
        }
    )
    cols = roles_of(tmp_path, frame)
    assert cols["state"].role == ColumnRole.IDENTIFIER
    assert cols["provnum"].role == ColumnRole.IDENTIFIER
    assert cols["visits"].role == ColumnRole.COUNT


def test_a_date_stored_as_the_number_yyyymmdd_is_a_date(tmp_path) -> None:
    """Pound's 'date' 19750103, 19750110, ...: every value a calendar date written as a
    number. Read as a count ('a growing total') no time analysis ran; now a date is derived
    from it. Numbers of 8 digits that are no dates (a month 13, a 30 February) stay numbers."""
    days = pd.date_range("1975-01-03", periods=60, freq="7D")
    frame = pd.DataFrame(
        {
            "date": days.strftime("%Y%m%d").astype(int),
            "rate": np.linspace(0.4, 0.6, 60),
            "code": 19751301 + np.arange(60),  # month 13: no date
        }
    )
    path = tmp_path / "pound.csv"
    frame.to_csv(path, index=False)
    opened = open_dataset("pound", str(path))
    cols = {c.name: c for c in opened.columns}
    assert (cols["date"].role, cols["date"].role_detail) == (ColumnRole.CALENDAR_PART, "yyyymmdd")
    assert cols["code"].role != ColumnRole.CALENDAR_PART
    assert cols["date(date)"].kind == ColumnKind.TIMESTAMP
    [chunk] = list(opened.iter_chunks(["date(date)"]))
    stamps = chunk.column("date(date)").to_pandas()
    assert list(stamps) == list(days)


def test_rows_sorted_by_a_flag_are_not_two_entities_of_a_panel(tmp_path) -> None:
    """ohio's smoke 0,0,...,1,1 (children sorted by their mother's smoking): a flag the
    rows are sorted by, not 'the entity of a long-format table' with two entities."""
    frame = pd.DataFrame({"smoke": np.repeat([0, 1], [1400, 700]), "resp": np.tile([0, 1, 0], 700)})
    cols = roles_of(tmp_path, frame)
    assert cols["smoke"].role == ColumnRole.BOOLEAN
    assert "sorted" in cols["smoke"].role_reason


def test_sparse_numbers_repeated_on_sets_are_a_quantity_of_the_set(tmp_path) -> None:
    """Migration: flows between 10 provinces repeat each origin's population on its 9 rows
    and each route's distance on its two: quantities of the set's unit, sparse in their
    range, not keys. Strata numbered 1..45, each on two rows, stay keys; so does a sparse
    number named as a key."""
    rng = np.random.default_rng(21)
    provinces = np.arange(10)
    source, dest = (a.ravel() for a in np.meshgrid(provinces, provinces, indexing="ij"))
    keep = source != dest
    source, dest = source[keep], dest[keep]
    population = rng.integers(100_000, 7_000_000, 10)
    route = np.minimum(source, dest) * 10 + np.maximum(source, dest)
    distance = dict(zip(np.unique(route), rng.integers(150, 5000, 45), strict=True))
    frame = pd.DataFrame(
        {
            "origin": np.array(list("ABCDEFGHIJ"))[source],
            "pop_origin": population[source],
            "distance": [distance[r] for r in route],
            "migrants": rng.integers(100, 100_000, source.size),
            "strata": pd.factorize(route)[0] + 1,
            "patient_id": [distance[r] * 7 for r in route],
        }
    ).sample(frac=1, random_state=3)
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["pop_origin"].role == ColumnRole.COUNT, cols["pop_origin"].role_reason
    assert cols["distance"].role == ColumnRole.COUNT, cols["distance"].role_reason
    assert cols["strata"].role == ColumnRole.IDENTIFIER
    assert cols["patient_id"].role == ColumnRole.IDENTIFIER


def test_a_bare_no_with_repeated_values_is_nitric_oxide_not_a_key(tmp_path) -> None:
    rng = np.random.default_rng(5)
    no = rng.integers(5, 140, 578)
    frame = pd.DataFrame(
        {"NO2": no // 2 + rng.integers(0, 20, 578), "NO": no, "SO2": rng.integers(1, 60, 578)}
    )
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["NO"].role in (ColumnRole.MEASUREMENT, ColumnRole.COUNT)
    # mostly distinct, a bare 'no' is still the number of the row's unit
    frame["No"] = rng.permutation(np.arange(1000, 1578))
    frame.loc[:30, "No"] = 1000
    assert roles_of(tmp_path, frame, "csv")["No"].role == ColumnRole.IDENTIFIER


def test_a_correlation_matrix_stored_as_a_table_holds_no_measures(tmp_path) -> None:
    """neo: the 30 x 30 correlation matrix of the NEO-PI-R facets, written as a CSV. Read
    as 30 measures, every column 'moved together' and diagonal 1.0s were 'isolated
    outliers' (4 findings rated FALSE). Square, symmetric, unit diagonal, values in
    [-1, 1]: entries of a matrix, role other. Random numbers in [-1, 1] stay measures."""
    rng = np.random.default_rng(2)
    data = rng.normal(size=(200, 6)) @ rng.normal(size=(6, 6))
    matrix = np.round(np.corrcoef(data, rowvar=False), 2)
    np.fill_diagonal(matrix, 1.0)
    names = [f"F{i}" for i in range(6)]
    frame = pd.DataFrame(matrix, columns=names)
    cols = roles_of(tmp_path, frame, "csv")
    assert all(cols[n].role == ColumnRole.OTHER for n in names)
    assert cols["F0"].role_detail == "matrix_entry"
    assert "correlation matrix" in cols["F0"].role_reason
    noise = pd.DataFrame(rng.uniform(-1, 1, (6, 6)), columns=names)
    cols = roles_of(tmp_path, noise, "csv")
    assert all(cols[n].role == ColumnRole.MEASUREMENT for n in names)


def test_a_pedigrees_parent_columns_are_ids_not_counts(tmp_path) -> None:
    """lukas, crohn, l51: 'father'/'mother' ('fid'/'mid') hold the id of another row, 0 for
    a founder. Read as counts they gave 'spikes at zero' and 'mid moves with crohn' (rated
    FALSE). Beside the rows' id they are identifiers; without an id column, or named
    alone, they stay what they were."""
    rng = np.random.default_rng(8)
    founders = np.arange(1, 41)
    children = np.arange(41, 121)
    father = np.r_[np.zeros(40, int), rng.choice(founders[:20], 80)]
    mother = np.r_[np.zeros(40, int), rng.choice(founders[20:], 80)]
    frame = pd.DataFrame(
        {
            "id": rng.permutation(np.r_[founders, children]),
            "father": father,
            "mother": mother,
            "sex": rng.choice(["F", "M"], 120),
        }
    )
    cols = roles_of(tmp_path, frame, "csv")
    for name in ("father", "mother"):
        assert cols[name].role == ColumnRole.IDENTIFIER
        assert cols[name].role_detail == "parent_reference"
    # founders share the code 0: no 'affected cluster by father' (all founders unaffected)
    from pytest_statharness.registry import Registry
    from pytest_statharness.testing import run_on_frame

    affected = frame.assign(aff=np.r_[np.zeros(40), rng.integers(0, 2, 80)] + rng.random(120))
    clustered = run_on_frame(Registry.builtin().get("clustered_rows"), affected)
    assert clustered is None or not [
        f for f in clustered.findings if f["subject"]["column"] in ("father", "mother")
    ]
    alone = roles_of(tmp_path, frame.drop(columns=["mother"]), "csv")
    assert alone["father"].role != ColumnRole.IDENTIFIER
    frame["id"] = rng.choice(["a", "b", "c"], 120)  # no identifier of the rows
    assert roles_of(tmp_path, frame, "csv")["father"].role != ColumnRole.IDENTIFIER


def test_a_chromosome_number_is_a_label(tmp_path) -> None:
    """hr1420: 'CHR' holds chromosomes 6 and 20: read as a count, 'CHR and POS correlate'
    (chromosome 20 is shorter) and 'CHR across colour' were medium (rated FALSE). Named as
    a chromosome it is a category, with 2 values or 22."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {"CHR": rng.choice([6, 20], 400), "POS": rng.integers(1, 10**8, 400), "P": rng.random(400)}
    )
    assert roles_of(tmp_path, frame, "csv")["CHR"].role == ColumnRole.CATEGORY
    frame["CHR"] = rng.integers(1, 23, 400)
    assert roles_of(tmp_path, frame, "csv")["CHR"].role == ColumnRole.CATEGORY


def test_a_square_or_a_lag_named_after_its_base_is_a_design_term(tmp_path) -> None:
    """Wooldridge's tables: 'expersq' beside 'exper', 'def_1' beside 'def'. Their findings
    restated the base's (rated FALSE: 'expersq rises within every worker', 'def_1 shifts
    a year after def'): role other, detail derived_term. 'price_1' with no 'price' beside
    it (a wide table's first alternative) stays a measure."""
    rng = np.random.default_rng(17)
    exper = rng.integers(1, 30, 300).astype(float)
    deficit = rng.normal(0, 2, 300)
    frame = pd.DataFrame(
        {
            "exper": exper,
            "expersq": exper**2,
            "def": deficit,
            "def_1": np.r_[np.nan, deficit[:-1]],
            "price_1": rng.normal(10, 2, 300),
        }
    )
    cols = roles_of(tmp_path, frame, "csv")
    for name in ("expersq", "def_1"):
        assert cols[name].role == ColumnRole.OTHER
        assert cols[name].role_detail == "derived_term"
    assert cols["exper"].role != ColumnRole.OTHER
    assert cols["price_1"].role == ColumnRole.MEASUREMENT


def test_a_log_named_after_its_base_is_a_transformed_copy(tmp_path) -> None:
    """hprice2's 'lprice' beside 'price': its cap repeated price's on the same rows (rated
    FALSE). A log named after a positive base whose ends are its ends' logs is role other,
    detail derived_term; 'lsat' beside 'sat' whose ends are no logs stays a measure."""
    rng = np.random.default_rng(5)
    price = rng.lognormal(10, 0.4, 300).round(0)
    sat = rng.normal(1000, 100, 300).round(0)
    frame = pd.DataFrame(
        {
            "price": price,
            "lprice": np.log(price).round(6),
            "log10_area": np.log10(price / 10).round(4),
            "area": price / 10,
            "sat": sat,
            "lsat": rng.normal(155, 8, 300).round(0),
        }
    )
    cols = roles_of(tmp_path, frame, "csv")
    for name in ("lprice", "log10_area"):
        assert cols[name].role == ColumnRole.OTHER
        assert cols[name].role_detail == "derived_term"
        assert "log of" in cols[name].role_reason
    for name in ("price", "area", "sat", "lsat"):
        assert cols[name].role != ColumnRole.OTHER


def test_a_change_or_a_lag_named_after_its_base_is_a_transformed_copy(tmp_path) -> None:
    """jtrain: 'clsales' (the change of lsales from the year before) and minwage's
    'gwage_12' (a 12th lag) are missing in the first periods by construction ('missing
    with year 1987', rated FALSE). Named after a number column and agreeing with it (both
    signs, more missing rows, within its span; a lag within its range): the lag is role
    other, detail derived_term; the change stays a measure, detail period_change. 'cost' beside 'ost'-less names, a 'dprice' of one sign, and
    'score_2' beside a 'score' it exceeds stay measures."""
    rng = np.random.default_rng(9)
    firms, years = 60, 3
    sales = rng.lognormal(5, 1, firms * years)
    change = np.diff(sales.reshape(firms, years), axis=1, prepend=np.nan).ravel()
    g = rng.normal(0, 1, firms * years)
    frame = pd.DataFrame(
        {
            "sales": sales,
            "csales": change,
            "g": g,
            "g_12": np.r_[[np.nan] * 12, g[:-12]],
            "price": rng.normal(100, 5, firms * years),
            "dprice": np.r_[np.nan, rng.uniform(1, 2, firms * years - 1)],
            "score": rng.normal(50, 5, firms * years),
            "score_2": np.r_[np.nan, rng.normal(500, 5, firms * years - 1)],
        }
    )
    cols = roles_of(tmp_path, frame, "csv")
    assert cols["g_12"].role == ColumnRole.OTHER, cols["g_12"].role_reason
    assert cols["g_12"].role_detail == "derived_term"
    # a change is a quantity of its own (first differences), its first periods missing
    assert cols["csales"].role == ColumnRole.MEASUREMENT
    assert cols["csales"].role_detail == "period_change"
    for name in ("dprice", "score_2", "sales", "price", "score"):
        assert cols[name].role != ColumnRole.OTHER, name
        assert cols[name].role_detail != "period_change", name


def test_distinct_totals_that_pile_up_low_are_no_key(tmp_path) -> None:
    """gapminder's 'pop', meap01's 'expend': large precise totals, distinct on every row,
    were identifiers and never analysed (two raters). Their values pile up low (1% and 49%
    at or above a quarter of the largest); a key's spread evenly (75%+). Distinct skewed
    whole numbers not named as a key are counts; shuffled, sampled or hashed keys stay
    keys, and a skewed column named as one ('order_id') too."""
    rng = np.random.default_rng(12)
    n = 400
    pop = np.round(rng.lognormal(15, 1.5, n)) + np.arange(n)  # distinct
    frame = pd.DataFrame(
        {
            "pop": pop,
            "spending": np.round(rng.lognormal(14, 0.5, n) * 10) + np.arange(n),
            "account": rng.choice(np.arange(10**6, 10**7), n, replace=False),
            "order_id": pop + 7,
            "x": rng.normal(0, 1, n),
        }
    )
    assert frame[["pop", "spending"]].nunique().min() == n
    cols = roles_of(tmp_path, frame, "csv")
    for name in ("pop", "spending"):
        assert cols[name].role == ColumnRole.COUNT, cols[name].role_reason
        assert "piling up low" in cols[name].role_reason
    for name in ("account", "order_id"):
        assert cols[name].role == ColumnRole.IDENTIFIER, name


def test_a_flags_interaction_named_after_it_is_a_design_term(tmp_path) -> None:
    """kielmc's y81ldist (y81 x ldist), traffic2's spdt (spdlaw x t): 0 wherever the flag
    is 0, named after the flag and another column; 'spikes at zero' and 'correlates with
    the 1981 dummy' were medium (rated FALSE). A worker's hours, 0 wherever inlf is 0, is
    no interaction (not named so); nor is a column named so that is not 0 where the flag
    is 0."""
    rng = np.random.default_rng(21)
    n = 300
    y81 = (np.arange(n) % 2).astype(int)
    ldist = rng.normal(9, 0.5, n)
    spdlaw = (np.arange(n) > 120).astype(int)
    t = np.arange(1, n + 1)
    inlf = (rng.random(n) < 0.6).astype(int)
    frame = pd.DataFrame(
        {
            "y81": y81,
            "ldist": ldist,
            "y81ldist": y81 * ldist,
            "spdlaw": spdlaw,
            "t": t,
            "spdt": spdlaw * t,
            "inlf": inlf,
            "hours": inlf * rng.integers(100, 2500, n),
            "spdx": rng.normal(5, 1, n),
            "x": rng.normal(0, 1, n),
        }
    )
    cols = roles_of(tmp_path, frame, "csv")
    for name in ("y81ldist", "spdt"):
        assert cols[name].role == ColumnRole.OTHER, cols[name].role_reason
        assert cols[name].role_detail == "derived_term"
    for name in ("hours", "spdx", "ldist"):
        assert cols[name].role != ColumnRole.OTHER, name


def test_a_date_written_as_a_decimal_year_is_no_measure(tmp_path) -> None:
    """hotel_rates' 'arrival_date_num' (2016.5 for July 2016) in booking order beside its
    date gave "Trend of daily arrival_date_num": a date written as a number is a time
    code; a price in the same range, not named as a date, stays a measure."""
    rng = np.random.default_rng(5)
    n = 400
    days = pd.Timestamp("2016-01-01") + pd.to_timedelta(rng.integers(0, 700, n), unit="D")
    frame = pd.DataFrame(
        {
            "arrival_date": days,
            "arrival_date_num": (days.year + (days.day_of_year - 1) / 366).round(2),
            "price": rng.uniform(1200, 2100, n).round(1),
        }
    )
    roles = roles_of(tmp_path, frame, suffix="csv")
    assert (roles["arrival_date_num"].role, roles["arrival_date_num"].role_detail) == (
        ColumnRole.CALENDAR_PART,
        "time_code",
    )
    assert roles["price"].role == ColumnRole.MEASUREMENT


def test_a_date_stored_as_a_count_is_no_measure(tmp_path) -> None:
    """beveridge's 'month' 11292.0, 11323.0, ... (Stata days since 1960, stored as doubles,
    rising with every row) is a time code, not a count to trend; a 'month' 1..12 stays a
    calendar part, and a rising total named otherwise stays a measure."""
    rng = np.random.default_rng(3)
    n = 60
    days = pd.date_range("1990-12-01", periods=n, freq="MS")
    stata = ((days - pd.Timestamp("1960-01-01")).days).astype(float)
    frame = pd.DataFrame(
        {
            "month": stata,
            "urate": rng.normal(5, 1, n),
            "t": np.arange(1, n + 1),
            "pop": np.cumsum(rng.integers(100, 200, n)).astype(float),
        }
    )
    roles = roles_of(tmp_path, frame, suffix="csv")
    assert (roles["month"].role, roles["month"].role_detail) == (
        ColumnRole.CALENDAR_PART,
        "time_code",
    )
    assert roles["pop"].role in (ColumnRole.COUNT, ColumnRole.MEASUREMENT)
    assert roles["t"].role_detail == "series_index"
    assert "period(t)" in roles  # the series' time axis
    calendar = roles_of(tmp_path, frame.assign(month=np.tile(np.arange(1.0, 13.0), 5)))
    assert calendar["month"].role_detail == "month"


def test_months_written_year_dot_month_are_a_date(tmp_path) -> None:
    """volat's 'date' 1947.01 .. 1993.06 (stored as float32: 1947.010009765625) is a month
    written yyyy.mm: a calendar part from which a monthly date is derived; R's fractional
    years (1945.0833) are not, and neither is a measure named otherwise."""
    months = pd.period_range("1947-01", periods=60, freq="M")
    code = np.array([p.year + p.month / 100 for p in months], dtype=np.float32)
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"date": code, "sp500": rng.normal(100, 5, 60)})
    roles = roles_of(tmp_path, frame)
    assert (roles["date"].role, roles["date"].role_detail) == (ColumnRole.CALENDAR_PART, "yyyy.mm")
    path = tmp_path / "volat.parquet"
    frame.to_parquet(path, index=False)
    opened = open_dataset("volat", str(path))
    derived = opened.column("date(date)")
    assert (derived.kind, derived.role_detail) == (ColumnKind.TIMESTAMP, "month")
    chunk = next(opened.iter_chunks())
    stamps = chunk.table.column("date(date)").to_pylist()
    assert (stamps[0].year, stamps[0].month, stamps[-1].year, stamps[-1].month) == (
        1947,
        1,
        1951,
        12,
    )
    twelfths = frame.assign(date=1945 + np.arange(60) / 12)
    assert roles_of(tmp_path, twelfths)["date"].role_detail != "yyyy.mm"
    assert roles_of(tmp_path, frame.rename(columns={"date": "spread"}))["spread"].role_detail != (
        "yyyy.mm"
    )


def test_a_flag_named_like_a_clock_part_is_a_flag(tmp_path) -> None:
    """injury's 'mi' (Michigan, 0/1) is no minute; crime2's 'year' 82/87 alternating over
    46 cities is two two-digit years, not a count."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame(
        {
            "mi": rng.integers(0, 2, 200),
            "ky": rng.integers(0, 2, 200),
            "year": np.tile([82, 87], 100),
            "crimes": rng.poisson(300, 200),
        }
    )
    roles = roles_of(tmp_path, frame)
    assert roles["mi"].role == ColumnRole.BOOLEAN
    assert (roles["year"].role, roles["year"].role_detail) == (ColumnRole.CALENDAR_PART, "year")


def test_distinct_whole_numbers_named_as_a_quantity_are_measured(tmp_path) -> None:
    """A house's price and square feet, whole and distinct on each of 400 rows, were read
    as identifiers (dropped from every analysis); floats near 1e300 have no fraction but
    are no whole numbers to count or key. A distinct 'code' stays a key."""
    rng = np.random.default_rng(1)
    n = 400
    sqft = rng.permutation(np.arange(800, 4000))[:n]
    frame = pd.DataFrame(
        {
            "sqft": sqft,
            "price": sqft * 150 + rng.permutation(np.arange(0, 100_000, 7))[:n],
            "code": rng.permutation(np.arange(10_000, 99_999))[:n],
            "big": rng.uniform(1e299, 1e300, n),
        }
    )
    roles = roles_of(tmp_path, frame, suffix="csv")
    assert roles["price"].role == ColumnRole.COUNT  # non-negative whole numbers, measured
    assert roles["sqft"].role == ColumnRole.COUNT
    assert roles["code"].role == ColumnRole.IDENTIFIER
    assert roles["big"].role == ColumnRole.MEASUREMENT


def test_a_count_named_num_of_things_is_no_key(tmp_path) -> None:
    """openintro loans' num_satisfactory_accounts (45 values over 10,000 rows) was a key:
    the weak key words (num, number, no, nr) were excused only when every other word of
    the name was one too. Opening a name, a weak word counts things (a key only when
    mostly distinct); closing it ('Sample Number', penguins' number within a study) it
    names a key."""
    rng = np.random.default_rng(3)
    n = 2000
    frame = pd.DataFrame(
        {
            "num_satisfactory_accounts": rng.poisson(10, n),
            # a sample's number within each of 3 studies: 667 values over 2,000 rows
            "Sample Number": np.tile(np.arange(1, 668), 3)[:n],
            "account_id": rng.integers(0, 400, n),
        }
    )
    roles = roles_of(tmp_path, frame)
    assert roles["num_satisfactory_accounts"].role == ColumnRole.COUNT
    assert roles["Sample Number"].role == ColumnRole.IDENTIFIER
    assert roles["account_id"].role == ColumnRole.IDENTIFIER


def test_cdisc_arm_and_event_flag_names_are_read(tmp_path) -> None:
    """gt's rx_adsl (a CDISC ADaM subject-level table): the trial's comparison TRTA x
    EVNTFL (V 0.25, p 0.0009) was info, since neither name was known as an arm or an
    outcome."""
    rng = np.random.default_rng(4)
    n = 200
    frame = pd.DataFrame(
        {
            "USUBJID": [f"GT{1000 + i}" for i in range(n)],
            "TRTA": rng.choice(["Placebo", "Drug 1"], n),
            "AGE": rng.integers(20, 70, n),
            "EVNTFL": rng.choice(["Y", "N"], n),
        }
    )
    frame.to_csv(tmp_path / "adsl.csv", index=False)
    dataset = open_dataset("adsl", str(tmp_path / "adsl.csv"))
    assert dataset.treatments == ("TRTA",)
    assert dataset.targets == ("EVNTFL",)


@pytest.mark.parametrize("name", ["docvis", "numvisit", "absent"])
def test_the_counts_health_tables_explain_are_outcomes(tmp_path, name) -> None:
    """COUNT's mdvis (numvisit), rwm5yr (docvis), schooldays (absent): the count each
    table is collected to explain stayed a plain measure, so its main relations (numvisit
    by bad health, r 0.37) were info."""
    rng = np.random.default_rng(2)
    n = 300
    frame = pd.DataFrame(
        {name: rng.poisson(3, n), "age": rng.integers(20, 70, n), "female": rng.integers(0, 2, n)}
    )
    frame.to_csv(tmp_path / "t.csv", index=False)
    assert open_dataset("t", str(tmp_path / "t.csv")).targets == (name,)


def test_a_pair_of_planar_map_coordinates_is_a_place(tmp_path) -> None:
    """Oslo's soil samples: XC and YC (a transect's grid position) were read as counts,
    and four medium findings restated the map of the sampling design (rater BF). Named as
    a pair they are geo coordinates; a lone 'xc', or a diamond's one-letter x and y, stay
    measures."""
    rng = np.random.default_rng(5)
    n = 80
    frame = pd.DataFrame(
        {
            "XC": rng.integers(580, 620, n),
            "YC": rng.integers(640, 700, n),
            "x": rng.normal(5, 1, n),
            "y": rng.normal(5, 1, n),
            "Mn": rng.lognormal(5, 1, n),
        }
    )
    roles = roles_of(tmp_path, frame)
    assert roles["XC"].role == roles["YC"].role == ColumnRole.GEO_COORDINATE
    assert "pair of 'YC'" in roles["XC"].role_reason
    assert roles["x"].role == roles["y"].role == ColumnRole.MEASUREMENT
    (tmp_path / "lone").mkdir()
    lone = roles_of(tmp_path / "lone", frame.drop(columns="YC"))
    assert lone["XC"].role == ColumnRole.COUNT


def test_a_product_named_after_its_factors_is_a_design_term(tmp_path) -> None:
    """FlightResponse's AltLat is Altitude x Lateral: 'Lateral and AltLat correlate (r
    0.79)' was medium, true by construction (rater BF). Named by joining its factors'
    names and equal to their product, it is a derived term; a column so named that is no
    product (a typo'd sum) stays a measure."""
    rng = np.random.default_rng(8)
    n = 120
    altitude, lateral = rng.uniform(0.3, 9.2, n), rng.uniform(0.5, 30, n)
    frame = pd.DataFrame(
        {
            "Altitude": altitude,
            "Lateral": lateral,
            "AltLat": altitude * lateral,
            "age": rng.integers(20, 60, n).astype(float),
            "educ": rng.integers(8, 20, n).astype(float),
        }
    )
    frame["age_educ"] = frame["age"] + frame["educ"]
    roles = roles_of(tmp_path, frame)
    assert roles["AltLat"].role == ColumnRole.OTHER
    assert "product of 'Altitude' and 'Lateral'" in roles["AltLat"].role_reason
    assert roles["age_educ"].role in (ColumnRole.MEASUREMENT, ColumnRole.COUNT)


def test_a_year_naming_an_attribute_is_no_time_axis(tmp_path) -> None:
    """duke_forest's year_built dates the house, not the row: a time axis made of it gave
    'Trend of yearly bath by date(year_built)' on a cross-section (rater BF). A year named
    'built', 'birth', 'founded'... stays a calendar part and makes no date; a plain year
    still does."""
    rng = np.random.default_rng(9)
    n = 98
    frame = pd.DataFrame({"year_built": rng.integers(1920, 2020, n), "bath": rng.integers(1, 5, n)})
    roles = roles_of(tmp_path, frame)
    assert roles["year_built"].role == ColumnRole.CALENDAR_PART
    assert not any(name.startswith("date(") for name in roles)
    (tmp_path / "plain").mkdir()
    plain = roles_of(tmp_path / "plain", frame.rename(columns={"year_built": "year"}))
    assert "date(year)" in plain


def test_whole_numbers_counting_from_zero_are_a_count_whatever_the_name(tmp_path) -> None:
    """NMES1988's 'hospital' (stays in hospital, 0..8, most people none) was read as a
    9-level grouping by its name, and 'emergency across the levels of hospital' was medium
    (rater BG). Counts from 0, each value rarer than the one before (a thin tail aside), are
    a count; codes named 'region' 0..4 on groups of any size stay a category."""
    counts = {0: 3541, 1: 599, 2: 176, 3: 48, 4: 20, 5: 12, 6: 5, 7: 1, 8: 4}
    hospital = np.repeat(list(counts), list(counts.values()))
    rng = np.random.default_rng(10)
    n = hospital.size
    frame = pd.DataFrame(
        {
            "hospital": rng.permutation(hospital),
            "region": rng.choice(5, n, p=[0.1, 0.3, 0.2, 0.25, 0.15]),
            "visits": rng.poisson(5, n),
        }
    )
    roles = roles_of(tmp_path, frame)
    assert roles["hospital"].role == ColumnRole.COUNT
    assert roles["region"].role == ColumnRole.CATEGORY


def test_oncology_endpoints_and_short_weights_are_read_for_what_they_are(tmp_path) -> None:
    """hepatoCellular's OS beside Death and RFS beside Recurrence are survival times and
    their events ('OS and Death correlate, r -0.66' was medium); MASS's cats: Hwt beside
    Bwt is a heart's weight, not a survey's household weight (rater BH)."""
    rng = np.random.default_rng(12)
    n = 200
    frame = pd.DataFrame(
        {
            "OS": rng.exponential(30, n),
            "Death": rng.integers(0, 2, n),
            "RFS": rng.exponential(20, n),
            "Recurrence": rng.integers(0, 2, n),
            "Bwt": rng.normal(2.7, 0.5, n),
            "Hwt": rng.normal(10.6, 2.4, n),
        }
    )
    dataset = open_dataset("h", str(_write(tmp_path, frame)))
    assert {("Death", "OS"), ("Recurrence", "RFS")} <= set(dataset.survival_pairs)
    assert dataset.column("Hwt").role == ColumnRole.MEASUREMENT
    survey = frame[["Bwt"]].assign(hhwt=rng.uniform(50, 900, n))
    weighted = open_dataset("s", str(_write(tmp_path / "s", survey)))
    assert weighted.column("hhwt").role == ColumnRole.OTHER  # a real survey weight stays one
    # bdims: a plain 'wgt' beside a body's height is its weight in kg (rater set 65)
    body = pd.DataFrame({"hgt": rng.normal(171, 9, n), "wgt": rng.normal(69, 13, n)})
    measured = open_dataset("b", str(_write(tmp_path / "b", body)))
    assert measured.column("wgt").role == ColumnRole.MEASUREMENT
    alone = open_dataset("w", str(_write(tmp_path / "w", body[["wgt"]].assign(q=body["hgt"]))))
    assert alone.column("wgt").role == ColumnRole.OTHER  # no body size beside it


def _write(folder, frame: pd.DataFrame):
    folder.mkdir(exist_ok=True)
    path = folder / "t.parquet"
    frame.to_parquet(path, index=False)
    return path


def test_a_zip_with_few_values_is_a_category_and_an_idno_a_key(tmp_path) -> None:
    """RailsTrails' Zip holds 1060 and 1062 (two towns, leading 0 lost) and was read as a
    count: 'Correlation of Acre and Zip' (rated FALSE); ESSBE5's idno, respondents'
    numbers sorted with gaps, was 'a growing total' correlated with income (rater set 65)."""
    rng = np.random.default_rng(21)
    n = 300
    frame = pd.DataFrame(
        {
            "Zip": rng.choice([1060, 1062], n),
            "idno": np.cumsum(rng.integers(1, 40, n)) + 3,
            "income": rng.normal(50, 10, n),
        }
    )
    roles = roles_of(tmp_path, frame)
    assert roles["Zip"].role == ColumnRole.CATEGORY
    assert roles["idno"].role == ColumnRole.IDENTIFIER


def test_the_units_of_a_long_table_are_no_presumed_outcome(tmp_path) -> None:
    """OldMaps opens with 'point' (39 places, 12 maps each: the entity of a long table),
    presumed its outcome (rater set 66). A first column that is a long table's units is
    passed over; a first measure still is presumed."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "point": np.repeat(np.arange(1, 40), 12),
            "error": rng.gamma(2, 3, 468),
            "year": rng.integers(1688, 1819, 468),
        }
    )
    dataset = open_dataset("o", str(_write(tmp_path / "o", frame)))
    assert dataset.column("point").role_detail == "entity"
    assert dataset.presumed_outcome is None
    measured = open_dataset("m", str(_write(tmp_path / "m", frame[["error", "point", "year"]])))
    assert measured.presumed_outcome == "error"


def test_a_category_of_many_levels_is_no_presumed_outcome(tmp_path) -> None:
    """climate70 opens with 'station' (70 station names) and Hoops with 'Opp' (30
    opponents): labels of the units the rows describe, presumed the outcome (rater set
    67). A first category of more than 10 levels is passed over; one of 3 still is."""
    rng = np.random.default_rng(5)
    n = 210
    frame = pd.DataFrame(
        {
            "station": np.repeat([f"ST{i:03d}" for i in range(70)], 3),
            "days": rng.poisson(20, n),
            "lat": rng.uniform(25, 49, n),
        }
    )
    assert open_dataset("c", str(_write(tmp_path / "c", frame))).presumed_outcome is None
    few = frame.assign(station=np.resize(["low", "mid", "high"], n))
    assert open_dataset("f", str(_write(tmp_path / "f", few))).presumed_outcome == "station"
    # a constant first column (ESS10NO's cntry 'NO', rater set 68) explains nothing
    constant = frame.assign(station="NO")
    assert open_dataset("k", str(_write(tmp_path / "k", constant))).presumed_outcome is None
    # a true/false first column (credit_cards' LateSept) has two levels though the typing
    # scan counts none for Arrow booleans: it was passed over as a constant
    flag = frame.assign(station=np.resize([True, False, False], n))
    assert open_dataset("b", str(_write(tmp_path / "b", flag))).presumed_outcome == "station"


def test_integer_keys_past_2_53_are_keys(tmp_path) -> None:
    """trump_tweets' id_str (1.7e9 .. 9.5e17, stored as int64) was read as a measurement:
    whole numbers were taken to lie below 2**53, as floats past it have no fraction. An
    integer column is whole at any magnitude; a float 1e300 still is no count."""
    rng = np.random.default_rng(2)
    ids = rng.integers(2**40, 2**60, 400, dtype=np.int64)
    frame = pd.DataFrame({"id_str": ids, "retweets": rng.poisson(30, 400)})
    assert roles_of(tmp_path, frame)["id_str"].role == ColumnRole.IDENTIFIER
    huge = pd.DataFrame({"size": np.full(400, 1e300) * rng.integers(1, 5, 400)})
    assert roles_of(tmp_path, huge)["size"].role == ColumnRole.MEASUREMENT


def test_treatment_codes_are_a_category_and_a_falling_number_is_no_key(tmp_path) -> None:
    """antigua's trt (0, 2, 20, 111, 311: fertiliser levels written as digits) was a count
    (Benford on treatment codes); Halley's life table 'number' alive at each age (1000,
    855, 798 ... falling every row) was a key 'named as one' (the table went unread)."""
    rng = np.random.default_rng(6)
    codes = np.repeat([0, 2, 20, 22, 111, 113, 131, 200, 202, 220, 222, 311], 24)
    frame = pd.DataFrame({"trt": codes, "harvwt": rng.normal(5, 1, codes.size)})
    assert roles_of(tmp_path, frame)["trt"].role == ColumnRole.CATEGORY
    alive = np.round(1000 * np.exp(-0.03 * np.arange(84)) - np.arange(84)).astype(int)
    life = pd.DataFrame({"age": np.arange(1, 85), "number": alive})
    assert roles_of(tmp_path, life)["number"].role in (ColumnRole.COUNT, ColumnRole.MEASUREMENT)
    keys = life.assign(number=rng.permutation(np.arange(1000, 1084)))
    assert roles_of(tmp_path, keys)["number"].role == ColumnRole.IDENTIFIER


def test_a_unix_time_is_the_tables_time_axis(tmp_path) -> None:
    """movielens' timestamp (seconds since 1970, 1995 to 2016, in no row order) was a
    count: no time axis, averaged and trended as a quantity. Named as a time and within
    1973..2099 as seconds (or milliseconds), it dates the rows, in UTC."""
    import datetime as dt

    rng = np.random.default_rng(11)
    seconds = rng.integers(789_652_009, 1_476_640_644, 500)
    frame = pd.DataFrame({"rating": rng.integers(1, 6, 500) / 1.0, "timestamp": seconds})
    dataset = open_dataset("m", str(_write(tmp_path / "s", frame)))
    column = dataset.column("timestamp")
    assert column.role == ColumnRole.CALENDAR_PART and column.role_detail == "epoch_seconds"
    assert "1995-01-09" in column.role_reason or "Unix time" in column.role_reason
    derived = dataset.column("date(timestamp)")
    assert derived.kind == ColumnKind.TIMESTAMP and "tz=UTC" in derived.arrow_type
    stamps = next(dataset.iter_chunks(["date(timestamp)"])).table.column(0).to_pylist()
    assert stamps[0].replace(tzinfo=dt.UTC).timestamp() == seconds[0]
    millis = frame.assign(timestamp=seconds * 1000)
    assert (
        open_dataset("ms", str(_write(tmp_path / "ms", millis))).column("timestamp").role_detail
        == "epoch_milliseconds"
    )
    # big numbers named otherwise are no time: a population
    assert (
        roles_of(tmp_path, frame.rename(columns={"timestamp": "population"}))["population"].role
        != ColumnRole.CALENDAR_PART
    )
