"""profile_timestamp against pandas, across chunk sizes and units, and at chunk boundaries."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from analysis_helpers import FAST, tree_fold
from hypothesis import given
from hypothesis import strategies as st
from statharness_analyses.profile.profile_timestamp import ProfileTimestamp, iso

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_file, run_on_frame

ANALYSIS = ProfileTimestamp()
DAY = pd.Timedelta(days=1)


def by_column(findings) -> dict[str, dict]:
    return {f["subject"]["column"]: f["measurement"]["values"] for f in findings}


def expected_values(series: pd.Series) -> dict:
    """The profile computed with pandas on the whole column."""
    valid = series.dropna()
    out = {"count": int(valid.size), "null_count": int(series.isna().sum())}
    if not valid.size:
        stats = ("min", "max", "span_days", "distinct_days", "days_without_rows", "monotonic")
        per_day = tuple(f"rows_per_day_{k}" for k in ("min", "median", "max", "mean"))
        return {**out, **dict.fromkeys(stats + per_day + ("strictly_increasing",))}
    if valid.dt.tz is not None:
        valid = valid.dt.tz_convert("UTC")
    lo, hi = valid.min(), valid.max()
    days = valid.dt.floor("D").value_counts()
    first, last = days.index.min(), days.index.max()
    out.update(
        min=lo.isoformat(),
        max=hi.isoformat(),
        # exact: integer nanoseconds over integer nanoseconds, correctly rounded once
        span_days=(hi - lo).value / DAY.value,
        distinct_days=int(days.size),
        days_without_rows=int((last - first) / DAY) + 1 - int(days.size),
        rows_per_day_min=int(days.min()),
        rows_per_day_median=float(days.median()),
        rows_per_day_max=int(days.max()),
        rows_per_day_mean=valid.size / days.size,
        monotonic=bool(valid.is_monotonic_increasing),
        strictly_increasing=bool(valid.is_monotonic_increasing and valid.is_unique),
    )
    return out


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 1500
    start = pd.Timestamp("2023-03-01")
    ordered = start + pd.to_timedelta(np.sort(rng.integers(0, 40 * 86_400 * 10**6, n)), unit="us")
    shuffled = start + pd.to_timedelta(rng.integers(0, 90 * 86_400, n), unit="s")
    df = pd.DataFrame(
        {
            "ordered": ordered,
            "shuffled": shuffled,
            "aware": pd.Series(ordered).dt.tz_localize(
                "Europe/Paris", ambiguous="NaT", nonexistent="NaT"
            ),
        }
    )
    df.loc[rng.random(n) < 0.1, "ordered"] = pd.NaT
    df.loc[rng.random(n) < 0.05, "shuffled"] = pd.NaT
    return df


def test_matches_pandas(frame):
    found = by_column(run_on_frame(ANALYSIS, frame, chunk_rows=101).findings)
    assert list(found) == list(frame.columns)
    for name in frame.columns:
        assert found[name] == expected_values(frame[name]), name
    assert found["ordered"]["monotonic"] is True
    assert found["shuffled"]["monotonic"] is False
    assert found["aware"]["min"].endswith("+00:00")


def test_identical_across_chunk_sizes(frame):
    texts = {
        dumps(snapshot_view(run_on_frame(ANALYSIS, frame, chunk_rows=rows).findings))
        for rows in (7, 1000, len(frame))
    }
    assert len(texts) == 1


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_units_are_normalised(tmp_path, unit):
    base = pd.Timestamp("2024-02-28T23:59:58")
    stamps = pd.Series([base + pd.Timedelta(seconds=k) for k in (0, 1, 2, 3, 86_400 * 3)])
    stamps[2] = stamps[2] + pd.Timedelta(milliseconds=250)
    ticks = pa.array(stamps.to_numpy(dtype="datetime64[ns]")).cast(pa.timestamp(unit), safe=False)
    file = tmp_path / "t.arrow"  # Arrow IPC keeps every unit as stored (Parquet has no "s")
    table = pa.table({"t": ticks})
    with pa.ipc.new_file(file, table.schema) as writer:
        writer.write_table(table)
    result = run_on_file(ANALYSIS, file, chunk_rows=2)
    assert result.findings[0]["evidence"]["parameters"]["storage_type"] == f"timestamp[{unit}]"
    values = by_column(result.findings)["t"]
    assert values == expected_values(pd.Series(ticks.to_pandas()))
    assert values["distinct_days"] == 3  # Feb 28, Feb 29, Mar 2 (leap year)
    assert values["days_without_rows"] == 1


@pytest.mark.parametrize(
    ("ticks", "typ", "text"),
    [
        (1, pa.timestamp("ns"), "1970-01-01T00:00:00.000000001"),
        (9_223_372_036_854_775_807, pa.timestamp("ns"), "2262-04-11T23:47:16.854775807"),
        (-1, pa.timestamp("ns"), "1969-12-31T23:59:59.999999999"),
        (1_500, pa.timestamp("ns"), "1970-01-01T00:00:00.000001500"),
        (2_000, pa.timestamp("ns"), "1970-01-01T00:00:00.000002"),
        (1_500, pa.timestamp("ms"), "1970-01-01T00:00:01.500000"),
        (86_400, pa.timestamp("s", tz="UTC"), "1970-01-02T00:00:00+00:00"),
        (-1, pa.date32(), "1969-12-31"),
        (86_400_000, pa.date64(), "1970-01-02"),
    ],
)
def test_iso_text(ticks, typ, text):
    assert iso(ticks, typ) == text
    if pa.types.is_timestamp(typ) and typ.tz is None and typ.unit != "ns":
        assert text == pd.Timestamp(ticks, unit=typ.unit).isoformat()


def test_iso_text_of_date_columns():
    assert iso(-1, pa.timestamp("us"), as_date=True) == "1969-12-31"


def test_date_columns():
    days = [
        dt.date(2021, 1, 1),
        dt.date(2021, 1, 5),
        None,
        dt.date(2021, 1, 5),
        dt.date(2020, 12, 31),
    ]
    table = pa.table({"d32": pa.array(days, pa.date32()), "d64": pa.array(days, pa.date64())})
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "d.parquet"
        pq.write_table(table, file)
        found = by_column(run_on_file(ANALYSIS, file, chunk_rows=2).findings)
    for values in found.values():
        assert values["min"] == "2020-12-31"
        assert values["max"] == "2021-01-05"
        assert values["count"] == 4 and values["null_count"] == 1
        assert values["span_days"] == 5.0
        assert values["distinct_days"] == 3
        assert values["days_without_rows"] == 3
        assert values["rows_per_day_max"] == 2
        assert values["monotonic"] is False


@pytest.mark.parametrize("chunk_rows", [1, 2, 3, 7, 100])
def test_monotonic_across_chunk_boundaries(chunk_rows):
    base = pd.Timestamp("2022-01-01")
    # Non-decreasing inside every run of 7 rows, but row 7 steps back from row 6.
    offsets = [0, 1, 2, 3, 4, 5, 6, 5, 7, 8]
    df = pd.DataFrame({"t": [base + pd.Timedelta(hours=h) for h in offsets]})
    values = by_column(run_on_frame(ANALYSIS, df, chunk_rows=chunk_rows).findings)["t"]
    assert values["monotonic"] is False
    assert values["strictly_increasing"] is False
    # Nulls are skipped, equal neighbours keep non-decreasing but not strict.
    df2 = pd.DataFrame({"t": [base, pd.NaT, pd.NaT, base, base + DAY, pd.NaT, base + 2 * DAY]})
    values2 = by_column(run_on_frame(ANALYSIS, df2, chunk_rows=chunk_rows).findings)["t"]
    assert values2["monotonic"] is True
    assert values2["strictly_increasing"] is False


def test_all_null_column():
    df = pd.DataFrame(
        {
            "t": pd.Series([pd.NaT] * 4, dtype="datetime64[ns]"),
            "u": pd.date_range("2020", periods=4),
        }
    )
    values = by_column(run_on_frame(ANALYSIS, df, chunk_rows=3).findings)["t"]
    assert values["count"] == 0 and values["null_count"] == 4
    assert all(v is None for k, v in values.items() if k not in ("count", "null_count"))


def test_day_table_past_distinct_cap(frame):
    result = run_on_frame(ANALYSIS, frame, chunk_rows=50, overrides={"distinct_cap": 10})
    finding = {f["subject"]["column"]: f for f in result.findings}["shuffled"]
    values = finding["measurement"]["values"]
    assert values["distinct_days"] is None and values["rows_per_day_median"] is None
    assert "distinct_cap=10" in finding["evidence"]["parameters"]["day_counts_left_out"]
    assert values["min"] == frame["shuffled"].min().isoformat()
    assert finding["evidence"]["exact"] is True


def test_not_collected_without_timestamps():
    assert run_on_frame(ANALYSIS, pd.DataFrame({"x": [1.0, 2.0]})) is None


# Whole microseconds: the dataset layer hands analyses microsecond timestamps.
stamps = st.lists(
    st.one_of(st.none(), st.integers(-(10**14), 10**14).map(lambda us: us * 1000)),
    min_size=1,
    max_size=50,
)


@FAST
@given(ticks=stamps, chunk_rows=st.integers(1, 9), seed=st.integers(0, 10**6))
def test_merge_tree_shape_does_not_matter(ticks, chunk_rows, seed):
    series = pd.Series(pd.array(ticks, dtype="Int64")).astype("datetime64[ns]")
    df = pd.DataFrame({"t": series})
    findings, expected = tree_fold(ANALYSIS, df, chunk_rows, seed)
    assert dumps(findings) == dumps(expected)
    whole = run_on_frame(ANALYSIS, df).findings
    assert dumps(snapshot_view(expected)) == dumps(snapshot_view(whole))
    assert by_column(expected)["t"] == expected_values(series)
