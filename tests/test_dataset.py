"""The dataset layer: formats, canonical chunks, typing, fingerprints."""

from __future__ import annotations

import datetime as dt
import decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_statharness import ColumnKind, ColumnRole, DatasetError
from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.chunks import canonical_chunks


@settings(max_examples=60, deadline=None)
@given(
    rows=st.integers(0, 300),
    chunk=st.integers(1, 50),
    batch_sizes=st.lists(st.integers(1, 60), min_size=1, max_size=8),
)
def test_canonical_chunks_do_not_depend_on_batches(rows, chunk, batch_sizes) -> None:
    table = pa.table({"x": np.arange(rows, dtype=np.int64)})
    schema = table.schema

    def batches():
        start, i = 0, 0
        while start < rows:
            size = batch_sizes[i % len(batch_sizes)]
            yield from table.slice(start, size).to_batches()
            start += size
            i += 1

    chunks = list(canonical_chunks([batches()], chunk, schema))
    assert [c.num_rows for c in chunks] == [min(chunk, rows - k) for k in range(0, rows, chunk)]
    assert [c.row_start for c in chunks] == list(range(0, rows, chunk))
    assert [c.index for c in chunks] == list(range(len(chunks)))
    if chunks:
        joined = np.concatenate([c.table.column("x").to_numpy() for c in chunks])
        assert (joined == np.arange(rows)).all()


def test_messy_parquet_types_are_read_and_typed(tmp_path) -> None:
    n = 120
    table = pa.table(
        {
            "dec": pa.array([decimal.Decimal(i) / 100 for i in range(n)], pa.decimal128(10, 2)),
            "u64": pa.array(np.arange(n, dtype=np.uint64) * 7 % 13),
            "nulls": pa.nulls(n),
            "tz": pa.array(
                [dt.datetime(2024, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i) for i in range(n)]
            ),
            "ns": pa.array(np.arange(n).astype("datetime64[ns]")),
            "lst": pa.array([[i] for i in range(n)]),
            "dur": pa.array([dt.timedelta(seconds=i) for i in range(n)]),
            "flag": pa.array([None if i % 5 == 0 else i % 2 == 0 for i in range(n)]),
            "ünï cödé/col": pa.array([f"v{i % 3}" for i in range(n)]),
            "seq": pa.array(np.arange(n, dtype=np.int64)),
        }
    )
    pq.write_table(table, tmp_path / "m.parquet")
    ds = open_dataset("m", str(tmp_path / "m.parquet"))
    kinds = {c.name: c.kind for c in ds.columns}
    assert kinds == {
        "dec": ColumnKind.NUMERIC,
        "u64": ColumnKind.NUMERIC,
        "nulls": ColumnKind.OTHER,
        "tz": ColumnKind.TIMESTAMP,
        "ns": ColumnKind.TIMESTAMP,
        "lst": ColumnKind.OTHER,
        "dur": ColumnKind.DURATION,
        "flag": ColumnKind.BOOLEAN,
        "ünï cödé/col": ColumnKind.CATEGORICAL,
        "seq": ColumnKind.INTEGER_ID,
    }
    chunk = next(ds.iter_chunks())
    assert chunk.table.schema.field("ns").type == pa.timestamp("us")
    assert chunk.table.schema.field("dec").type == pa.float64()
    assert chunk.floats("dec")[5] == 0.05


def test_semicolon_csv_with_decimal_commas(tmp_path) -> None:
    (tmp_path / "eu.csv").write_text("a;b;c\n1;2,5;x\n3;4,25;y\n")
    ds = open_dataset("eu", str(tmp_path / "eu.csv"))
    assert [(c.name, c.arrow_type) for c in ds.columns] == [
        ("a", "int64"),
        ("b", "double"),
        ("c", "string"),
    ]


def test_semicolon_csv_with_decimal_points(tmp_path) -> None:
    """pandas' to_csv(sep=';') writes 2.5: read as numbers, not as text (it was read with
    ',' as the decimal mark, and every decimal column became an identifier, silently)."""
    frame = pd.DataFrame({"a": [1, 3, 5], "b": [2.5, 4.25, -0.5], "c": ["x", "y", "z"]})
    frame.to_csv(tmp_path / "dots.csv", sep=";", index=False)
    ds = open_dataset("dots", str(tmp_path / "dots.csv"))
    assert [(c.name, c.arrow_type) for c in ds.columns] == [
        ("a", "int64"),
        ("b", "double"),
        ("c", "string"),
    ]
    assert next(ds.iter_chunks()).floats("b").tolist() == [2.5, 4.25, -0.5]


def test_a_lone_space_is_missing_in_a_csv(tmp_path) -> None:
    """R's write.csv leaves ' ' for an empty level (Hawks' ReleaseTime): missing, as ''
    and 'NA' are, in text and in number columns alike."""
    (tmp_path / "space.csv").write_text("t,v\n 9:30,1\n ,2\n10:15, \n ,4\n")
    ds = open_dataset("space", str(tmp_path / "space.csv"))
    assert ds.column("t").null_count == 2
    assert (ds.column("v").arrow_type, ds.column("v").null_count) == ("int64", 1)


def test_a_blank_header_line_is_refused(tmp_path) -> None:
    (tmp_path / "blank.csv").write_text("   \n  \n")
    with pytest.raises(DatasetError, match="blank first line where the header should be"):
        open_dataset("blank", str(tmp_path / "blank.csv"))


def test_csv_type_widening_when_late_rows_differ(tmp_path) -> None:
    lines = ["id,v"] + [f"{i},{i}" for i in range(70000)] + ["70000,1.5", "70001,abc"]
    (tmp_path / "late.csv").write_text("\n".join(lines) + "\n")
    ds = open_dataset("late", str(tmp_path / "late.csv"))
    assert ds.row_count == 70002
    assert ds.column("v").arrow_type == "string"


def test_duplicate_column_names_are_refused(tmp_path) -> None:
    (tmp_path / "dup.csv").write_text("a,a\n1,2\n")
    with pytest.raises(DatasetError, match="column name 'a' appears more than once"):
        open_dataset("dup", str(tmp_path / "dup.csv"))


def test_fingerprint_follows_content_not_name(tmp_path) -> None:
    table = pa.table({"x": [1.0, 2.0, 3.0]})
    pq.write_table(table, tmp_path / "a.parquet")
    pq.write_table(table, tmp_path / "b.parquet")
    a = open_dataset("a", str(tmp_path / "a.parquet"))
    b = open_dataset("b", str(tmp_path / "b.parquet"))
    assert a.fingerprint == b.fingerprint
    pq.write_table(pa.table({"x": [1.0, 2.0, 4.0]}), tmp_path / "b.parquet")
    assert open_dataset("b", str(tmp_path / "b.parquet")).fingerprint != a.fingerprint
    assert open_dataset("a", str(tmp_path / "a.parquet"), chunk_rows=7).fingerprint != a.fingerprint


def test_unknown_column_is_a_clear_error(tmp_path) -> None:
    pq.write_table(pa.table({"x": [1.0]}), tmp_path / "a.parquet")
    ds = open_dataset("a", str(tmp_path / "a.parquet"))
    with pytest.raises(DatasetError, match="has no column"):
        list(ds.iter_chunks(["y"]))


@pytest.mark.filterwarnings("error")
def test_values_near_the_type_limits_open_without_overflow(tmp_path) -> None:
    """The row-order scan subtracted neighbours: two floats near 1.7e308 overflowed (a
    RuntimeWarning, an INTERNALERROR where warnings are errors) and two int64 near the
    limits wrapped to the wrong sign. It compares them now."""
    floats = np.tile([1.7e308, -1.7e308, 0.0, 1.0, 2.0], 10)
    ints = np.array([-(2**62) * 3 // 2, 2**62 * 3 // 2] * 25, dtype=np.int64)
    path = tmp_path / "limits.parquet"
    pq.write_table(pa.table({"f": floats, "i": ints, "up": np.arange(50)}), path)
    dataset = open_dataset(
        "limits", str(path), meta_dir=tmp_path / "meta", cache_dir=tmp_path / "cache"
    )
    assert dataset.row_count == 50


def test_uint64_ids_near_two_to_the_64_keep_their_range(tmp_path) -> None:
    """The typing scan cast uint64 to int64: ids near 2**64 read as -50..-1, and the cap
    screen, on float64, saw 50 rows at the maximum and the minimum at once."""
    ids = np.arange(50, dtype=np.uint64) + np.uint64(2**64 - 100)
    path = tmp_path / "u.parquet"
    pq.write_table(pa.table({"u64": pa.array(ids, pa.uint64()), "x": np.arange(50.0)}), path)
    dataset = open_dataset("u", str(path))
    low, high = dataset.column("u64").value_range
    assert low >= 2.0**63 and high >= low


def test_integers_past_int64_in_a_csv_keep_every_digit(tmp_path) -> None:
    """pyarrow reads a CSV integer past int64's range as a double: 50 keys 10**25 + i all
    became 1e25 and 'Column a is constant' was medium (two raters, silently wrong). A
    column written only in whole numbers, some of 16+ digits, is read as text; real
    numbers in exponent form (1.5e25) and a column with a decimal point stay doubles."""
    lines = ["key,big_real,mixed,x"]
    for i in range(50):
        lines.append(f"{10**25 + i},{1.5 + i}e25,{2**63 + i if i else '3.5'},{i}")
    path = tmp_path / "long.csv"
    path.write_text("\n".join(lines) + "\n")
    for _ in range(2):  # cold, then from the cache
        dataset = open_dataset(
            "long", str(path), meta_dir=tmp_path / "meta", cache_dir=tmp_path / "cache"
        )
        key = dataset.column("key")
        assert key.kind == ColumnKind.CATEGORICAL and key.role == ColumnRole.IDENTIFIER
        (chunk,) = list(dataset.iter_chunks(["key", "big_real", "mixed"]))
        assert chunk.column("key").to_pylist()[:2] == [str(10**25), str(10**25 + 1)]
        assert dataset.column("big_real").kind == ColumnKind.NUMERIC
        assert dataset.column("mixed").kind == ColumnKind.NUMERIC


def test_dates_centuries_away_with_a_null_are_floats(tmp_path) -> None:
    """Microseconds of a date before 1685 pass 2**53: Arrow's checked cast refused them
    when the column had a null, and correlation and clustered_rows crashed."""
    path = tmp_path / "h.csv"
    lines = ["date,v"] + [f"{1600 + i}-06-01,{i * 0.5}" for i in range(40)] + [",1.0"]
    path.write_text("\n".join(lines) + "\n")
    dataset = open_dataset("h", str(path))
    assert dataset.column("date").kind == ColumnKind.TIMESTAMP
    (chunk,) = list(dataset.iter_chunks(["date"]))
    floats = chunk.floats("date")
    assert np.isnan(floats[-1]) and not np.isnan(floats[:-1]).any()
    expected = np.array(
        [dt.datetime(1600 + i, 6, 1) - dt.datetime(1970, 1, 1) for i in range(40)]
    ) // dt.timedelta(microseconds=1)
    assert floats[:-1].tolist() == expected.astype(np.float64).tolist()


def test_genotypes_are_no_dates(tmp_path) -> None:
    """strptime's %Y reads '3/4' as April of the year 3: a date needs a four-digit year."""
    path = tmp_path / "g.csv"
    path.write_text(
        "apoe,x\n"
        + "".join(
            f"{a}/{b},{i}\n"
            for i, (a, b) in enumerate([(2, 3), (3, 3), (3, 4), (4, 4), (2, 4)] * 8)
        )
    )
    assert open_dataset("g", str(path)).column("apoe").kind == ColumnKind.CATEGORICAL


def test_an_impossible_day_is_no_date(tmp_path) -> None:
    """Arrow's strptime reads 2021-02-30 as 2 March: a silently different date. Such a
    value parses with no layout: one of 29 is read as missing (and reported), two of 20
    (10%) leave the column text."""
    from pytest_statharness.dataset.dates import parse, parses_all

    values = pa.array(["2021-02-30", "2021-02-28", "2021-2-3"])
    assert parse(values, "%Y-%m-%d").to_pylist()[0] is None
    assert not parses_all(values, "%Y-%m-%d")
    assert parses_all(values[1:], "%Y-%m-%d")
    assert parse(pa.array(["30-Feb-2021", "17-Aug-1984"]), "%d-%b-%Y").null_count == 1
    rows = [f"2021-02-{d:02d},{d}" for d in range(1, 29)]
    (tmp_path / "ok.csv").write_text("day,v\n" + "\n".join(rows) + "\n")
    (tmp_path / "bad.csv").write_text("day,v\n" + "\n".join(rows) + "\n2021-02-30,30\n")
    assert open_dataset("ok", str(tmp_path / "ok.csv")).column("day").kind == ColumnKind.TIMESTAMP
    bad = open_dataset("bad", str(tmp_path / "bad.csv")).column("day")
    # one of 29 (3%, under DATE_BAD_SHARE): read as missing and reported, not text
    assert bad.kind == ColumnKind.TIMESTAMP and bad.date_bad == ("2021-02-30",)
    worse = "\n".join(rows[:18]) + "\n" + "\n".join(f"2021-02-30,{k}" for k in range(2))
    (tmp_path / "worse.csv").write_text("day,v\n" + worse + "\n")
    assert open_dataset("worse", str(tmp_path / "worse.csv")).column("day").kind != (
        ColumnKind.TIMESTAMP
    )


def test_a_time_of_day_column_is_a_duration_since_midnight(tmp_path) -> None:
    """boston_marathon: 'Time' written 02:55:10 is read by the CSV reader as a time of
    day; it was left out of every analysis ("binary or nested values"). It is the time
    elapsed since midnight: a duration, in microseconds, nulls kept."""
    from pytest_statharness import ColumnKind, ColumnRole

    path = tmp_path / "marathon.csv"
    path.write_text("Year,Time\n1897,02:55:10\n1898,02:42:00\n1899,\n1900,02:39:44\n")
    dataset = open_dataset("marathon", str(path))
    column = dataset.column("Time")
    assert column.kind == ColumnKind.DURATION and column.role == ColumnRole.DURATION
    chunk = next(dataset.iter_chunks(["Time"]))
    values = chunk.column("Time").cast("int64").to_pylist()
    assert values == [10510 * 10**6, 9720 * 10**6, None, 9584 * 10**6]


def test_an_impossible_time_of_day_among_times_is_missing_and_reported(tmp_path) -> None:
    """One '25:99:00' among 299 times of day made the CSV reader type the column as text,
    silently (rater BF's bad input). It is read as durations since midnight, that value as
    missing, and impossible_values reports it, high; single-digit hours ('9:05:00') read
    the same. Scores written '2:1' are no times of day."""
    from statharness_analyses.quality.impossible_values import ImpossibleValues

    from pytest_statharness import ColumnKind
    from pytest_statharness.testing import run_on_frame

    times = [f"{k % 24}:{(7 * k) % 60:02d}:{k % 60:02d}" for k in range(299)]
    frame = pd.DataFrame({"t": times[:100] + ["25:99:00"] + times[100:], "v": range(300)})
    result = run_on_frame(ImpossibleValues(), frame)
    [bad] = [f for f in result.findings if f["kind"] == "impossible_dates"]
    assert bad["severity"] == "high"
    assert bad["title"] == "1 value of 't' is no time of day ('25:99:00'): read as missing"
    path = tmp_path / "times.csv"
    frame.assign(score=[f"{k % 4}:{k % 3}" for k in range(300)]).to_csv(path, index=False)
    dataset = open_dataset("times", str(path))
    assert dataset.column("t").kind == ColumnKind.DURATION
    assert dataset.column("score").kind == ColumnKind.CATEGORICAL
    values = next(dataset.iter_chunks(["t"])).column("t").cast("int64").to_pylist()
    assert values[99:102] == [
        (3 * 3600 + 33 * 60 + 39) * 10**6,
        None,
        (4 * 3600 + 40 * 60 + 40) * 10**6,
    ]


def test_an_impossible_date_among_dates_is_missing_and_reported(tmp_path) -> None:
    """One '2021-02-30' among 199 ISO dates turned the column into a 200-level text
    column, and nothing said why (rater BA). The column is read as dates, that value as
    missing, and impossible_values reports it, high. Twenty such values (10%) are no
    date column, nor is a value that is not even shaped like a date."""
    from statharness_analyses.quality.impossible_values import ImpossibleValues

    from pytest_statharness import ColumnKind
    from pytest_statharness.testing import run_on_frame

    days = [str(dt.date(2021, 1, 1) + dt.timedelta(days=k)) for k in range(199)]
    frame = pd.DataFrame({"day": days[:60] + ["2021-02-30"] + days[60:], "v": range(200)})
    result = run_on_frame(ImpossibleValues(), frame)
    [bad] = [f for f in result.findings if f["kind"] == "impossible_dates"]
    assert bad["severity"] == "high"
    assert bad["title"] == "1 value of 'day' is no calendar date ('2021-02-30'): read as missing"
    many = pd.DataFrame({"day": days[:180] + ["2021-02-30"] * 20, "v": range(200)})
    word = pd.DataFrame({"day": days[:199] + ["soon"], "v": range(200)})
    for k, frame in enumerate((many, word)):
        path = tmp_path / f"days{k}.parquet"
        frame.to_parquet(path, index=False)
        column = open_dataset(f"days{k}", str(path)).column("day")
        assert column.kind == ColumnKind.CATEGORICAL and not column.date_bad


def test_a_database_exports_null_marker_is_missing(tmp_path) -> None:
    r"""MySQL's and PostgreSQL's text exports write a null as \N: a numeric column with 10%
    of them was read as text and 'no missing values' reported (rater BI)."""
    from pytest_statharness import ColumnKind

    null = "\\N"
    rows = [
        ",".join([str(k), null if k % 10 == 0 else str(k * 1.5), null if k % 3 == 0 else "web"])
        for k in range(60)
    ]
    (tmp_path / "db.csv").write_text("id,amount,note\n" + "\n".join(rows) + "\n")
    dataset = open_dataset("db", str(tmp_path / "db.csv"))
    assert dataset.column("amount").kind == ColumnKind.NUMERIC
    assert dataset.column("amount").null_count == 6
    assert dataset.column("note").null_count == 20
