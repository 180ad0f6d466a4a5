"""Missing-value codes (999 for "not known") are read as missing by every analysis but the
one that reports them: left in, they make correlations, means and outliers of their own."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statharness_analyses.quality.capped_values import CappedValues
from statharness_analyses.relationships.correlation import Correlation

from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.spec import load_specs
from pytest_statharness.testing import run_on_frame


def quarrels(rows: int = 780, seed: int = 11) -> pd.DataFrame:
    """Years a shared government lasted (0..350), 999 where there was none to count, and a
    death toll unrelated to the years but high where the code stands."""
    rng = np.random.default_rng(seed)
    years = rng.integers(0, 351, rows)
    coded = rng.random(rows) < 0.12
    deaths = rng.normal(3.0, 1.0, rows) - 1.5 * coded
    return pd.DataFrame(
        {"sameGovYrs": np.where(coded, 999, years), "logDeaths": deaths, "age": 20 + years % 80}
    )


def test_codes_found_in_the_data_are_nulls_for_the_analyses(tmp_path) -> None:
    frame = quarrels()
    frame.loc[:4, "age"] = 99  # an age reaching 99 is a value, not a code
    path = tmp_path / "quarrels.parquet"
    frame.to_parquet(path, index=False)
    dataset = open_dataset("quarrels", str(path))
    coded = int((frame["sameGovYrs"] == 999).sum())
    assert dataset.missing_codes == {"sameGovYrs": (999.0,)}
    info = dataset.column("sameGovYrs")
    assert info.null_count == coded
    assert info.value_range == (0.0, float(frame.loc[frame.sameGovYrs != 999, "sameGovYrs"].max()))
    masked = pd.concat(c.table.to_pandas() for c in dataset.iter_chunks(["sameGovYrs"]))
    assert int(masked["sameGovYrs"].isna().sum()) == coded
    raw = pd.concat(
        c.table.to_pandas() for c in dataset.iter_chunks(["sameGovYrs"], raw_codes=True)
    )
    assert int((raw["sameGovYrs"] == 999).sum()) == coded
    assert dataset.describe()["columns"][0]["missing_codes"] == [999.0]


@pytest.mark.parametrize("chunk_rows", [100, 65536])
def test_a_correlation_is_computed_without_the_codes(chunk_rows: int) -> None:
    frame = quarrels()
    result = run_on_frame(Correlation(), frame, chunk_rows=chunk_rows)
    pair = next(
        f
        for f in result.findings
        if set(f["subject"].get("columns", [])) == {"sameGovYrs", "logDeaths"}
    )
    plain = frame[frame.sameGovYrs != 999]
    expected = plain["sameGovYrs"].corr(plain["logDeaths"])
    with_codes = frame["sameGovYrs"].corr(frame["logDeaths"])
    assert abs(with_codes) > 0.2 > abs(expected)  # the code made the correlation
    assert pair["measurement"]["values"]["pearson_r"] == pytest.approx(expected, abs=1e-12)
    assert pair["measurement"]["values"]["n"] == len(plain)
    (codes,) = [
        f
        for f in run_on_frame(CappedValues(), frame).findings
        if f["kind"] == "missing_value_codes"
    ]
    assert codes["severity"] == "high"
    assert codes["title"].endswith("(read as missing by the other analyses)")


def test_the_spec_declares_codes_or_keeps_the_values(tmp_path) -> None:
    frame = quarrels()
    frame.loc[:9, "age"] = -1  # this export's own code for "not asked"
    path = tmp_path / "quarrels.csv"
    frame.to_csv(path, index=False)
    (tmp_path / "statharness.toml").write_text(
        "[datasets.q.columns.sameGovYrs]\nmissing_codes = []\n"
        "[datasets.q.columns.age]\nmissing_codes = [-1]\n"
    )
    dataset = open_dataset("q", str(path), spec=load_specs(tmp_path)["q"])
    assert dataset.missing_codes == {"age": (-1.0,)}
    assert dataset.column("age").null_count == 10
    assert dataset.column("sameGovYrs").value_range == (0.0, 999.0)  # kept as written


def test_infer_writes_the_codes_it_found_and_the_spec_loads_back(tmp_path, monkeypatch) -> None:
    from pytest_statharness.cli import main

    monkeypatch.chdir(tmp_path)
    quarrels().to_csv(tmp_path / "q.csv", index=False)
    assert main(["infer", "q=q.csv", "--out", "statharness.toml"]) == 0
    spec = load_specs(tmp_path)["q"]
    assert spec.column("sameGovYrs")["missing_codes"] == [999]
    dataset = open_dataset("q", str(tmp_path / "q.csv"), spec=spec)
    assert dataset.missing_codes == {"sameGovYrs": (999.0,)}


def test_a_null_rate_made_of_codes_only_is_said_once() -> None:
    from statharness_analyses.quality.missingness import Missingness

    frame = quarrels()
    result = run_on_frame(Missingness(), frame)
    (rate,) = [
        f
        for f in result.findings
        if f["kind"] == "null_rate" and f["subject"]["column"] == "sameGovYrs"
    ]
    assert rate["title"].endswith("(the code 999 counted)")
    assert rate["severity"] == "low"
    assert "capped_values reports (high)" in rate["evidence"]["parameters"]["severity_capped"]


def test_codes_declared_on_a_text_column_are_one_clear_error(tmp_path) -> None:
    from pytest_statharness.dataset.spec import SpecError

    (tmp_path / "t.csv").write_text("a,b\nx,1\ny,2\nz,3\n")
    (tmp_path / "statharness.toml").write_text("[datasets.t.columns.a]\nmissing_codes = [999]\n")
    with pytest.raises(SpecError, match=r"columns\.a\.missing_codes: column 'a' holds string"):
        open_dataset("t", str(tmp_path / "t.csv"), spec=load_specs(tmp_path)["t"])


@pytest.mark.parametrize("placeholder", [1e308, -1e308, float(np.finfo(np.float32).max)])
def test_a_placeholder_magnitude_is_a_code_from_one_row(tmp_path, placeholder: float) -> None:
    """1e308 written where an export had no value is no cap and no outlier: one row of it
    is a code, read as missing by the analyses and reported (high) as written."""
    frame = quarrels()
    frame["weight"] = np.random.default_rng(3).normal(70.0, 8.0, len(frame))
    frame.loc[5, "weight"] = placeholder
    path = tmp_path / "placeholder.csv"
    frame.to_csv(path, index=False)
    dataset = open_dataset("placeholder", str(path))
    assert dataset.missing_codes["weight"] == (placeholder,)
    assert dataset.column("weight").null_count == 1
    (codes,) = [
        f
        for f in run_on_frame(CappedValues(), frame).findings
        if f["kind"] == "missing_value_codes" and f["subject"]["column"] == "weight"
    ]
    assert codes["severity"] == "high"
    assert codes["measurement"]["values"]["rows_with_codes"] == 1


def test_a_column_of_huge_values_holds_no_placeholder(tmp_path) -> None:
    """Masses of stars in grams are all beyond 1e30: none is a code."""
    frame = pd.DataFrame({"mass_g": np.random.default_rng(4).uniform(1e32, 9e33, 200)})
    path = tmp_path / "stars.parquet"
    frame.to_parquet(path, index=False)
    assert open_dataset("stars", str(path)).missing_codes == {}
