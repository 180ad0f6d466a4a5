"""The full-load guard refuses big in-memory loads with an actionable message."""

from __future__ import annotations

import pytest

from pytest_statharness import FullLoadRefused
from pytest_statharness.dataset import open_dataset


def test_refused_above_threshold_with_actionable_message(parquet_path, monkeypatch) -> None:
    dataset = open_dataset("sales", str(parquet_path))
    monkeypatch.setenv("STAT_HARNESS_MAX_FULL_DF_ROWS", "1000")
    monkeypatch.delenv("STAT_HARNESS_ALLOW_FULL_DF", raising=False)
    with pytest.raises(FullLoadRefused) as info:
        dataset.to_pandas(requester="my_analysis")
    message = str(info.value)
    assert "analysis 'my_analysis'" in message
    assert "3,000 rows > STAT_HARNESS_MAX_FULL_DF_ROWS=1,000" in message
    assert "dataset.iter_chunks(columns=[...])" in message
    assert "STAT_HARNESS_ALLOW_FULL_DF=1" in message


def test_default_threshold_is_one_million(parquet_path, monkeypatch) -> None:
    from pytest_statharness.dataset.full_load import DEFAULT_MAX_ROWS, max_full_load_rows

    monkeypatch.delenv("STAT_HARNESS_MAX_FULL_DF_ROWS", raising=False)
    assert DEFAULT_MAX_ROWS == max_full_load_rows() == 1_000_000
    assert len(open_dataset("sales", str(parquet_path)).to_pandas()) == 3000


def test_override_allows_the_load(parquet_path, monkeypatch) -> None:
    dataset = open_dataset("sales", str(parquet_path))
    monkeypatch.setenv("STAT_HARNESS_MAX_FULL_DF_ROWS", "10")
    monkeypatch.setenv("STAT_HARNESS_ALLOW_FULL_DF", "1")
    assert len(dataset.to_pandas(["amount"])) == 3000


def test_bad_threshold_value_is_explained(parquet_path, monkeypatch) -> None:
    dataset = open_dataset("sales", str(parquet_path))
    monkeypatch.setenv("STAT_HARNESS_MAX_FULL_DF_ROWS", "lots")
    with pytest.raises(FullLoadRefused, match="is not an integer row count"):
        dataset.to_pandas()
