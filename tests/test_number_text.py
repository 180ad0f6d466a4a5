"""Numbers written as text ("7,151.03", "13.9%", "$1,200", "(450.00)") are read as numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_statharness import ColumnKind, ColumnRole
from pytest_statharness.dataset import numbers, open_dataset


def _open(tmp_path, frame: pd.DataFrame):
    path = tmp_path / "t.csv"
    frame.to_csv(path, index=False)
    return open_dataset("t", str(path))


def _values(dataset, name: str) -> list:
    return [v for c in dataset.iter_chunks([name]) for v in c.column(name).to_pylist()]


def test_formatted_numbers_are_measures_with_their_values(tmp_path) -> None:
    rng = np.random.default_rng(3)
    revenue = rng.uniform(500, 50_000, 300).round(2)
    margin = rng.uniform(5, 40, 300).round(1)
    units = rng.integers(900, 30_000, 300)
    frame = pd.DataFrame(
        {
            "revenue": [f"{v:,.2f}" for v in revenue],
            "margin": [f"{v}%" for v in margin],
            "units": [f"{v:,}" for v in units],
            "price": [f"${v:,.2f}" if i % 7 else f"(${v:,.2f})" for i, v in enumerate(revenue)],
        }
    )
    dataset = _open(tmp_path, frame)
    cols = {c.name: c for c in dataset.columns}
    for name in frame.columns:
        assert cols[name].kind == ColumnKind.NUMERIC, name
        assert cols[name].role != ColumnRole.IDENTIFIER, name
        assert "written as text" in cols[name].role_reason
    assert cols["units"].number_format == "thousands"
    assert cols["units"].arrow_type == "int64"
    assert cols["margin"].number_format == "decimal+percent"
    assert _values(dataset, "revenue") == revenue.tolist()
    assert _values(dataset, "margin") == margin.tolist()  # as written: 13.9% is 13.9
    assert _values(dataset, "units") == units.tolist()
    signs = np.where(np.arange(300) % 7 == 0, -1.0, 1.0)
    assert _values(dataset, "price") == (revenue * signs).tolist()
    described = {c["name"]: c for c in dataset.describe()["columns"]}
    assert described["revenue"]["number_format"] == "decimal+thousands"
    assert described["revenue"]["type"] == "double"


@pytest.mark.parametrize(
    "texts",
    [
        ["02134", "10001", "94105"],  # zip codes: digits with no format stay text
        ["1,234.5", "N/A-ish", "2,000"],  # one value in another form
        ["12,5", "3,25", "7,0"],  # comma decimals are not read (1,500 would be ambiguous)
        ["007", "1,234", "2,345"],  # a leading zero is a code
    ],
)
def test_text_that_is_not_all_formatted_numbers_stays_text(tmp_path, texts) -> None:
    frame = pd.DataFrame({"code": texts * 20, "x": np.arange(60.0)})
    cols = {c.name: c for c in _open(tmp_path, frame).columns}
    assert cols["code"].kind != ColumnKind.NUMERIC
    assert cols["code"].number_format is None


def test_missing_values_stay_missing(tmp_path) -> None:
    frame = pd.DataFrame({"v": ["1,200", None, "3,400", "", "5,600"] * 10, "x": range(50)})
    dataset = _open(tmp_path, frame)
    assert dataset.column("v").kind == ColumnKind.NUMERIC
    assert _values(dataset, "v") == [1200, None, 3400, None, 5600] * 10


def test_a_declared_date_layout_wins(tmp_path) -> None:
    from pytest_statharness.dataset.spec import DatasetSpec

    path = tmp_path / "t.csv"
    pd.DataFrame({"d": ["1,234", "2,145"] * 20, "x": range(40)}).to_csv(path, index=False)
    spec = DatasetSpec("t", "spec", {"columns": {"d": {"format": "%m,%d%y"}}})  # 2004-01-23
    column = open_dataset("t", str(path), spec=spec).column("d")
    assert column.kind == ColumnKind.TIMESTAMP
    assert column.number_format is None


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.decimals(min_value=-(10**9), max_value=10**9, places=2, allow_nan=False),
        min_size=1,
        max_size=40,
    )
)
def test_thousands_text_parses_back_to_the_number(values) -> None:
    texts = [f"{v:,.2f}" for v in values]
    column = pa.array(texts)
    layout = numbers.layout_of(numbers.features_of(column) | {"thousands"})
    parsed = numbers.parse(column, layout).to_pylist()
    assert parsed == [float(f"{v:.2f}") for v in values]


def test_missing_value_markers_among_numbers_are_missing(tmp_path) -> None:
    """countymurders' arrests ('.' where not known) became a 176-level category and
    birthweight's parents' schooling a code: numbers with '.', '?' or '-' markers are
    numbers with those rows missing. A column of markers alone, or markers among words,
    stays text."""
    rows = 60
    arrests = [str(i % 17) if i % 7 else "." for i in range(rows)]
    shares = [f"{i / 10:.1f}" if i % 9 else "?" for i in range(rows)]
    frame = pd.DataFrame(
        {
            "arrests": arrests,
            "share": shares,
            "dashes": ["-"] * rows,
            "grade": ["A" if i % 2 else "-" for i in range(rows)],
            "x": np.arange(rows, dtype=float),
            # a timestamp beside counts of 0..16: the calendar-part scan reads 'arrests'
            # too, and crashed on its '.' (an INTERNALERROR, caught trying the wheel)
            "when": pd.date_range("2020-01-01", periods=rows, freq="h").strftime("%Y-%m-%d %H:%M"),
        }
    )
    path = tmp_path / "m.csv"
    frame.to_csv(path, index=False)
    dataset = open_dataset("m", str(path))
    cols = {c.name: c for c in dataset.columns}
    assert cols["arrests"].kind == ColumnKind.NUMERIC and cols["arrests"].number_format == "markers"
    assert cols["arrests"].null_count == arrests.count(".")
    assert cols["share"].kind == ColumnKind.NUMERIC and "markers" in cols["share"].number_format
    assert cols["dashes"].kind != ColumnKind.NUMERIC
    assert cols["grade"].kind != ColumnKind.NUMERIC
    (chunk,) = list(dataset.iter_chunks(["arrests", "share"]))
    got = chunk.column("arrests").to_pylist()
    assert got == [None if a == "." else int(a) for a in arrests]
    assert chunk.column("share").to_pylist() == [None if v == "?" else float(v) for v in shares]


def test_missingness_says_the_markers_were_read_as_missing(tmp_path) -> None:
    """The raters rated 'arrests mixes number, other values' TRUE: 504 '.' in a count.
    Read as missing now, the null rate says how they were written."""
    from statharness_analyses.quality.missingness import Missingness

    from pytest_statharness.testing import run_on_file

    rows = 50
    path = tmp_path / "m.csv"
    path.write_text(
        "arrests,x\n" + "".join(f"{'.' if i % 5 == 0 else i},{i}\n" for i in range(rows))
    )
    result = run_on_file(Missingness(), path)
    (rate,) = [f for f in result.findings if f["kind"] == "null_rate"]
    assert rate["title"] == (
        "Column 'arrests' is missing in 10 of 50 rows (written as a marker such as '.' or "
        "'?': other readers take the column for text)"
    )
    assert rate["severity"] == "medium"  # 20% would be medium anyway: see below
    path.write_text("arrests,x\n" + "".join(f"{'.' if i == 3 else i},{i}\n" for i in range(rows)))
    (rate,) = [f for f in run_on_file(Missingness(), path).findings if f["kind"] == "null_rate"]
    assert rate["severity"] == "medium"  # one marker: still a file other readers misread
