"""Tests of the synthetic event-log generator (fixtures/generator.py)."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # plain `pytest` does not put the project root on sys.path
    sys.path.insert(0, str(ROOT))

from fixtures import generator as gen  # noqa: E402
from fixtures.generator import (  # noqa: E402
    ACTIVITIES,
    GEN_BLOCK_CASES,
    SCHEMA,
    Plant,
    generate_event_log,
    iter_event_log,
    write_event_log,
    write_small_fixtures,
)

DATA = ROOT / "fixtures" / "data"
N = 30_000  # spans three generation blocks (~17k rows each)
SEED = 7
DATE = "2024-07-01"


@pytest.fixture(scope="module")
def base() -> pd.DataFrame:
    return generate_event_log(N, seed=SEED)


def _planted(plant: Plant, rows: int = N, seed: int = SEED) -> tuple[pd.DataFrame, dict]:
    stream = gen.EventLogStream(rows, seed, plant)
    table = pa.Table.from_batches(list(stream), schema=SCHEMA)
    assert stream.description is not None
    return table.to_pandas(), stream.description


def _read_csv(path: Path) -> pd.DataFrame:
    opts = pacsv.ConvertOptions(
        column_types={f.name: f.type for f in SCHEMA}, strings_can_be_null=True
    )
    return pacsv.read_csv(path, convert_options=opts).to_pandas()


def _valid(a: pd.Series, b: pd.Series) -> pd.Series:
    return a.notna() & b.notna()


# --------------------------------------------------------------------------- determinism


def test_same_seed_same_frame(base):
    pd.testing.assert_frame_equal(generate_event_log(N, seed=SEED), base)


def test_different_seed_differs(base):
    other = generate_event_log(N, seed=SEED + 1)
    assert not other["amount"].equals(base["amount"])
    assert not other["case_id"].equals(base["case_id"]) or not other["activity"].equals(
        base["activity"]
    )


@pytest.mark.parametrize("block_cases", [1, 7, 333, GEN_BLOCK_CASES, 5000, 10**6])
def test_streaming_matches_frame_for_any_batching(base, block_cases):
    batches = list(iter_event_log(N, seed=SEED, block_cases=block_cases))
    assert all(b.schema == SCHEMA for b in batches)
    streamed = pa.Table.from_batches(batches, schema=SCHEMA).to_pandas()
    pd.testing.assert_frame_equal(streamed, base)


@pytest.mark.parametrize("block_cases", [7, 333])
def test_batches_hold_whole_cases(block_cases):
    batches = list(iter_event_log(5000, seed=3, block_cases=block_cases))
    seen: set[str] = set()
    for i, b in enumerate(batches):
        ids = set(b.column("case_id").to_pylist())
        assert not ids & seen, "a case is split across batches"
        seen |= ids
        if i < len(batches) - 1:
            assert len(ids) == block_cases


def test_streaming_with_plants_matches_frame():
    plant = Plant.everything(N)
    whole = generate_event_log(N, seed=SEED, plant=plant)
    for block_cases in (5, 777):
        batches = list(iter_event_log(N, seed=SEED, plant=plant, block_cases=block_cases))
        streamed = pa.Table.from_batches(batches, schema=SCHEMA).to_pandas()
        pd.testing.assert_frame_equal(streamed, whole)


def test_smaller_log_is_prefix_of_larger(base):
    for rows in (1, 7, 17_001, 20_000):
        small = generate_event_log(rows, seed=SEED)
        pd.testing.assert_frame_equal(small, base.iloc[:rows])


@pytest.mark.parametrize("rows", [0, 1, 2, 7, 100, 4999, 17_321, 35_000])
def test_exact_row_count(rows):
    df = generate_event_log(rows, seed=1)
    assert len(df) == rows
    assert list(df.columns) == SCHEMA.names
    assert sum(b.num_rows for b in iter_event_log(rows, seed=1, block_cases=50)) == rows


# --------------------------------------------------------------------------- content


def test_dtypes(base):
    assert list(base.columns) == [
        "case_id",
        "activity",
        "resource",
        "timestamp",
        "duration_s",
        "wait_s",
        "amount",
        "region",
        "channel",
        "priority",
        "is_express",
        "note",
        "discount",
    ]
    for col in ("case_id", "activity", "resource", "region", "channel", "note"):
        assert pd.api.types.is_string_dtype(base[col].dtype), col
    assert base["timestamp"].dtype == np.dtype("datetime64[us]")
    for col in ("duration_s", "wait_s", "amount", "discount"):
        assert base[col].dtype == np.float64, col
    assert base["priority"].dtype == np.int64
    assert base["is_express"].dtype == np.bool_
    empty = generate_event_log(0)
    assert list(empty.dtypes) == list(base.dtypes)


def test_cases_are_contiguous_ordered_and_sized(base):
    ids = base["case_id"]
    assert ids.str.fullmatch(r"C\d{7}").all()
    runs = (ids != ids.shift()).cumsum()
    assert runs.nunique() == ids.nunique(), "rows of a case are not contiguous"
    assert ids.iloc[0] == "C0000001"
    sizes = ids.groupby(runs).size()
    assert sizes.iloc[:-1].between(3, 12).all()  # last case may be truncated
    assert sizes.iloc[-1] <= 12
    assert set(sizes.iloc[:-1].unique()) == set(range(3, 13))
    same_case = ids == ids.shift()
    step = base["timestamp"].diff()
    assert (step[same_case] > pd.Timedelta(0)).all()
    # timestamp[k] - timestamp[k-1] == duration[k-1] + wait[k] (to the microsecond)
    expect = base["duration_s"].shift() + base["wait_s"]
    got = step.dt.total_seconds()
    assert np.allclose(got[same_case], expect[same_case], atol=1e-6)


def test_process_and_categoricals(base):
    assert set(base["activity"]) == set(ACTIVITIES)
    first = base.groupby("case_id", sort=False)["activity"].first()
    assert (first == "Receive order").all()
    repeats = base.groupby("case_id", sort=False)["activity"].agg(lambda s: s.duplicated().any())
    assert 0.02 < repeats.mean() < 0.5  # rework loops occur, in a minority of cases
    res = base["resource"].dropna()
    assert res.str.fullmatch(r"R0[0-4]\d").all()
    assert 35 <= res.nunique() <= 40
    region = base.groupby("case_id", sort=False)["region"].first().value_counts(normalize=True)
    assert len(region) == 6 and region.iloc[0] > 3 * region.iloc[-1]
    assert base["channel"].nunique() == 4
    assert set(base["priority"].unique()) == {1, 2, 3, 4, 5}
    assert 0.05 < base["is_express"].mean() < 0.5
    for col in ("region", "channel", "priority", "is_express"):  # case attributes
        assert base.groupby("case_id", sort=False)[col].nunique().max() == 1


def test_times_and_numbers(base):
    ts = base["timestamp"]
    starts = base.groupby("case_id", sort=False)["timestamp"].first()
    assert starts.min() >= pd.Timestamp("2024-01-01")
    assert starts.max() < pd.Timestamp("2025-01-01")
    assert starts.max() - starts.min() > pd.Timedelta(days=350)
    assert ts.max() < pd.Timestamp("2025-03-01")
    assert (base["duration_s"] >= 1.0).all()
    assert (base["wait_s"] >= 0).all() and (base["wait_s"] == 0).mean() > 0.05
    med = base.groupby("activity")["duration_s"].median()
    assert med.max() / med.min() > 10  # duration depends on the activity
    amount = base["amount"].dropna()
    assert (amount > 0).all()
    assert np.log10(amount.quantile(0.99) / amount.quantile(0.01)) > 3.5
    assert base["discount"].dropna().between(0, 1).all()


def test_amount_first_digits_follow_benford(base):
    amount = base["amount"].dropna()
    amount = amount[amount >= 1]
    first = (amount / 10 ** np.floor(np.log10(amount))).astype(int)
    observed = first.value_counts(normalize=True).reindex(range(1, 10), fill_value=0)
    benford = np.log10(1 + 1 / np.arange(1, 10))
    assert np.abs(observed.to_numpy() - benford).mean() < 0.006


def test_null_rates(base):
    rates = base.isna().mean()
    assert 0.02 < rates["note"] < 0.04
    assert 0.006 < rates["discount"] < 0.014
    assert 0.002 < rates["resource"] < 0.008
    assert 0.0005 < rates["amount"] < 0.004
    others = [c for c in base.columns if c not in ("note", "discount", "resource", "amount")]
    assert rates[others].sum() == 0


def test_notes(base):
    notes = base["note"].dropna()
    words = notes.str.split(" ").str.len()
    assert words.between(4, 12).all() and set(words.unique()) == set(range(4, 13))
    vocab = set(" ".join(notes.iloc[:2000]).split(" "))
    assert 20 <= len(vocab) <= 60
    assert notes.nunique() / len(notes) > 0.99


# --------------------------------------------------------------------------- plants


def test_no_plant_has_no_effects(base):
    desc = gen.EventLogStream(10, 0)
    list(desc)
    assert desc.description == {
        "rows": 10,
        "seed": 0,
        "level_shift": None,
        "outliers": None,
        "duplicate_block": None,
        "slow_activity": None,
        "benford_violation": None,
        "correlated_pair": None,
    }
    assert not base.duplicated().any()
    ok = _valid(base["discount"], base["amount"])
    assert abs(base["discount"][ok].corr(np.log(base["amount"][ok]))) < 0.03
    assert abs(base["discount"][ok].corr(base["amount"][ok], method="spearman")) < 0.03
    assert base["duration_s"].max() < 200 * base["duration_s"].median()


def test_level_shift(base):
    df, desc = _planted(Plant(level_shift_date=DATE))
    d = desc["level_shift"]
    assert d["date"] == DATE and d["factor"] == 3.0 and d["column"] == "amount"
    after = df["timestamp"] >= pd.Timestamp(DATE)
    assert d["rows_affected"] == int(after.sum()) > 0
    ok = _valid(df["amount"], base["amount"])
    ratio = df["amount"][ok] / base["amount"][ok]
    assert np.allclose(ratio[after[ok]], 3.0, rtol=1e-3, atol=0.02 / base["amount"][ok][after])
    assert (ratio[~after[ok]] == 1.0).all()
    for col in df.columns.drop("amount"):
        assert df[col].equals(base[col]), col


def test_outliers(base):
    rows = (5, 17_500, 29_999)
    df, desc = _planted(Plant(outlier_rows=rows + (10**9,)))  # out-of-range row is skipped
    d = desc["outliers"]
    assert d["rows"] == list(rows) and d["column"] == "duration_s"
    assert d["activities"] == df["activity"].iloc[list(rows)].tolist()
    assert d["values"] == df["duration_s"].iloc[list(rows)].tolist()
    medians = base.groupby("activity")["duration_s"].median()
    for r, act in zip(rows, d["activities"], strict=True):
        assert df["duration_s"].iloc[r] > 300 * medians[act]
    changed = np.flatnonzero(df["duration_s"].to_numpy() != base["duration_s"].to_numpy())
    assert changed.tolist() == list(rows)
    pd.testing.assert_frame_equal(df.drop(columns="duration_s"), base.drop(columns="duration_s"))


def test_duplicate_block(base):
    start, length = 2000, 40
    df, desc = _planted(Plant(duplicate_block=(start, length)))
    d = desc["duplicate_block"]
    assert (d["start"], d["length"]) == (start, length)
    assert d["rows"] == [start, start + length] and d["source_rows"] == [start - length, start]
    copy = df.iloc[start : start + length].reset_index(drop=True)
    source = df.iloc[start - length : start].reset_index(drop=True)
    pd.testing.assert_frame_equal(copy, source)
    assert df.duplicated().sum() == length
    assert df.duplicated().to_numpy().nonzero()[0].tolist() == list(range(start, start + length))
    pd.testing.assert_frame_equal(df.iloc[:start], base.iloc[:start])
    pd.testing.assert_frame_equal(df.iloc[start + length :], base.iloc[start + length :])


def test_duplicate_block_spanning_generation_blocks():
    # source rows and copies straddle the end of the first generation block
    boundary = _first_block_rows(SEED)
    start, length = boundary + 10, 30
    df, desc = _planted(Plant(duplicate_block=(start, length)))
    assert desc["duplicate_block"]["source_rows"] == [boundary - 20, boundary + 10]
    pd.testing.assert_frame_equal(
        df.iloc[start : start + length].reset_index(drop=True),
        df.iloc[start - length : start].reset_index(drop=True),
    )


def _first_block_rows(seed: int) -> int:
    batches = iter_event_log(10**6, seed=seed, block_cases=GEN_BLOCK_CASES)
    return next(batches).num_rows


def test_slow_activity(base):
    df, desc = _planted(Plant(slow_activity="Pack"))
    d = desc["slow_activity"]
    assert d == {
        "column": "duration_s",
        "activity": "Pack",
        "factor": 5.0,
        "rows_affected": int((df["activity"] == "Pack").sum()),
    }
    pack = df["activity"] == "Pack"
    ratio = df["duration_s"][pack].median() / base["duration_s"][pack].median()
    assert ratio == pytest.approx(5.0, rel=0.01)
    assert df["duration_s"][~pack].equals(base["duration_s"][~pack])
    assert df["amount"].equals(base["amount"])


def test_benford_violation(base):
    df, desc = _planted(Plant(benford_violation=True))
    assert desc["benford_violation"]["first_digits"] == [5, 6, 7, 8, 9]
    amount = df["amount"].dropna()
    assert amount.between(5, 9990).all()
    assert np.log10(amount.max() / amount.min()) > 3
    assert set(amount.astype(str).str[0].unique()) == {"5", "6", "7", "8", "9"}
    assert df["amount"].isna().equals(base["amount"].isna())


def test_correlated_pair(base):
    df, desc = _planted(Plant(correlated_pair=True))
    assert desc["correlated_pair"]["columns"] == ["discount", "amount"]
    ok = _valid(df["discount"], df["amount"])
    disc, amount = df["discount"][ok], df["amount"][ok]
    assert disc.corr(np.log(amount)) == pytest.approx(0.8, abs=0.03)
    assert disc.corr(np.log(amount), method="spearman") == pytest.approx(0.78, abs=0.05)
    assert disc.corr(amount, method="spearman") > 0.7
    assert df["discount"].isna().equals(base["discount"].isna())
    pd.testing.assert_frame_equal(df.drop(columns="discount"), base.drop(columns="discount"))


def test_correlated_pair_with_benford_violation():
    df, _ = _planted(Plant(correlated_pair=True, benford_violation=True), rows=10_000)
    ok = _valid(df["discount"], df["amount"])
    assert df["discount"][ok].corr(np.log(df["amount"][ok])) == pytest.approx(0.8, abs=0.03)


def test_everything_plant_matches_the_small_fixture_spec():
    p = Plant.everything(5000)
    assert p.level_shift_date == DATE and p.level_shift_factor == 3.0
    assert p.outlier_rows == (100, 2500, 4000)
    assert p.duplicate_block == (3000, 50)
    assert p.slow_activity == "Pack" and p.slow_factor == 5.0
    assert p.benford_violation is False and p.correlated_pair is True
    for rows in (0, 1, 7, 60, 100, 999):
        df = generate_event_log(rows, seed=1, plant=Plant.everything(rows))
        assert len(df) == rows


def test_all_plants_together_are_where_described(base):
    df, desc = _planted(Plant.everything(N))
    assert json.loads(json.dumps(desc)) == desc
    start, length = desc["duplicate_block"]["start"], desc["duplicate_block"]["length"]
    pd.testing.assert_frame_equal(
        df.iloc[start : start + length].reset_index(drop=True),
        df.iloc[start - length : start].reset_index(drop=True),
    )
    assert df["duration_s"].iloc[desc["outliers"]["rows"]].tolist() == desc["outliers"]["values"]
    before = (df["timestamp"] < pd.Timestamp(DATE)) & df["amount"].notna()
    after = (df["timestamp"] >= pd.Timestamp(DATE)) & df["amount"].notna()
    shift = np.log(df["amount"][after]).median() - np.log(df["amount"][before]).median()
    assert shift == pytest.approx(np.log(3.0), abs=0.15)
    ok = _valid(df["discount"], df["amount"])
    assert df["discount"][ok].corr(np.log(df["amount"][ok])) == pytest.approx(0.8, abs=0.04)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"slow_activity": "Nope"},
        {"duplicate_block": (10, 20)},
        {"duplicate_block": (100, 20), "outlier_rows": (110,)},
        {"outlier_rows": (-1,)},
        {"level_shift_date": "not a date"},
    ],
)
def test_invalid_plants_are_rejected(kwargs):
    with pytest.raises(ValueError):
        Plant(**kwargs)


# --------------------------------------------------------------------------- writing


def test_write_parquet_and_csv_roundtrip(tmp_path):
    plant = Plant.everything(3000)
    expected = generate_event_log(3000, seed=4, plant=plant)
    info = write_event_log(tmp_path / "a" / "b" / "log.parquet", 3000, seed=4, plant=plant)
    assert info["rows"] == 3000 and info["format"] == "parquet"
    assert json.loads(json.dumps(info)) == info
    table = pq.read_table(tmp_path / "a" / "b" / "log.parquet")
    assert table.schema.equals(SCHEMA)
    pd.testing.assert_frame_equal(table.to_pandas(), expected)

    info_csv = write_event_log(tmp_path / "log.csv", 3000, seed=4, plant=plant)
    assert info_csv["format"] == "csv"
    assert {k: v for k, v in info_csv.items() if k != "format"} == {
        k: v for k, v in info.items() if k != "format"
    }
    pd.testing.assert_frame_equal(_read_csv(tmp_path / "log.csv"), expected)

    write_event_log(tmp_path / "log.data", 10, fmt="csv")
    assert (tmp_path / "log.data").read_text().startswith('"case_id","activity"')
    with pytest.raises(ValueError):
        write_event_log(tmp_path / "log.txt", 10)


def test_cli(tmp_path, capsys):
    out = tmp_path / "cli" / "events.parquet"
    assert gen.main(["--rows", "1234", "--out", str(out), "--seed", "3", "--plant-all"]) == 0
    line = capsys.readouterr().out.strip()
    assert "\n" not in line and "rows=1234" in line and "seconds=" in line
    df = pq.read_table(out).to_pandas()
    pd.testing.assert_frame_equal(
        df, generate_event_log(1234, seed=3, plant=Plant.everything(1234))
    )


def test_small_fixtures_are_committed_and_current(tmp_path):
    info = write_small_fixtures(tmp_path)
    assert set(info) == {"events_small.parquet", "events_planted.csv"}
    assert info["events_small.parquet"]["level_shift"] is None
    planted = info["events_planted.csv"]
    assert planted["outliers"]["rows"] == [100, 2500, 4000]
    assert planted["duplicate_block"]["rows"] == [3000, 3050]
    assert planted["benford_violation"] is None
    for name in info:
        committed = DATA / name
        assert committed.exists(), f"{committed} missing: run write_small_fixtures"
        assert committed.stat().st_size < 1_500_000
    pd.testing.assert_frame_equal(
        pq.read_table(DATA / "events_small.parquet").to_pandas(),
        pq.read_table(tmp_path / "events_small.parquet").to_pandas(),
    )
    assert (DATA / "events_planted.csv").read_bytes() == (
        tmp_path / "events_planted.csv"
    ).read_bytes()


@pytest.mark.slow
def test_two_million_rows_to_parquet_is_fast(tmp_path):
    t0 = time.perf_counter()
    info = write_event_log(tmp_path / "big.parquet", 2_000_000, seed=0)
    elapsed = time.perf_counter() - t0
    assert info["rows"] == 2_000_000
    assert pq.ParquetFile(tmp_path / "big.parquet").metadata.num_rows == 2_000_000
    assert elapsed < 30
