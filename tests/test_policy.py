"""Budgets: deterministic, tiered by size, overridable, and never a row limit."""

from __future__ import annotations

import dataclasses
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pytest_statharness import FullLoadRefused
from pytest_statharness.analysis import Budget
from pytest_statharness.dataset import open_dataset
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.policy.tiers import TIERS, tier_for_rows


@given(rows=st.integers(0, 10**10), columns=st.integers(1, 5000))
def test_budget_is_a_pure_function(rows, columns) -> None:
    a = decide_budget(row_count=rows, column_count=columns, analysis_id="x")
    b = decide_budget(row_count=rows, column_count=columns, analysis_id="x")
    assert a == b
    assert a.tier == tier_for_rows(rows).name


def test_budget_never_limits_rows() -> None:
    names = {f.name for f in dataclasses.fields(Budget)}
    assert not any("row" in name for name in names), names
    assert all(not hasattr(tier, "max_rows") for tier in TIERS)


def test_two_million_rows_get_large_tier_caps() -> None:
    decision = decide_budget(row_count=2_000_000, column_count=40, analysis_id="correlation")
    assert decision.tier == "large"
    assert decision.budget.max_pairs == 100
    assert decision.budget.max_columns == 60
    assert "2,000,000 rows >= 1,000,000" in decision.reasons["tier"]


def test_policy_off_and_overrides(monkeypatch) -> None:
    monkeypatch.setenv("STAT_HARNESS_LARGE_DATASET_POLICY", "off")
    off = decide_budget(row_count=50_000_000, column_count=10, analysis_id="x")
    assert off.tier == "small"
    assert "STAT_HARNESS_LARGE_DATASET_POLICY=off" in off.reasons["tier"]
    monkeypatch.delenv("STAT_HARNESS_LARGE_DATASET_POLICY")
    custom = decide_budget(
        row_count=10, column_count=3, analysis_id="x", overrides={"time_limit_s": 5.0}
    )
    assert custom.budget.time_limit_s == 5.0
    assert custom.reasons["time_limit_s"] == "override"


def test_dataset_faked_to_two_million_rows_gets_caps_and_no_full_load(
    parquet_path, monkeypatch
) -> None:
    dataset = open_dataset("sales", str(parquet_path))
    dataset.row_count = 2_000_000  # faked by metadata: no row was generated
    monkeypatch.delenv("STAT_HARNESS_ALLOW_FULL_DF", raising=False)
    monkeypatch.delenv("STAT_HARNESS_MAX_FULL_DF_ROWS", raising=False)
    decision = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id="x"
    )
    assert decision.tier == "large"
    with pytest.raises(FullLoadRefused, match="2,000,000 rows"):
        dataset.to_pandas(requester="x")


def test_policy_json_and_stat_budget_fixture(pytester, parquet_path) -> None:
    pytester.makepyfile(
        """
        def test_budget(stat_budget, stat_dataset):
            assert stat_dataset.row_count == 3000
            assert stat_budget.max_pairs == 500
        """
    )
    result = pytester.runpytest(
        "--stat-dataset",
        "sales=data/sales.parquet",
        "--snapshot-update",
        "-k",
        "budget or profile_numeric",
    )
    result.assert_outcomes(passed=2)
    latest = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    policy = json.loads(
        (pytester.path / "appdata" / "runs" / latest["run_id"] / "policy.json").read_text()
    )
    item = policy["items"]["profile_numeric[sales]"]
    assert item["tier"] == "small"
    assert item["reasons"]["tier"].startswith("3,000 rows >= 0")
    assert policy["schema_version"] == 2


def test_cap_overrides_from_ini_env_and_option(pytester, parquet_path, monkeypatch) -> None:
    pytester.makeini("[pytest]\nstat_caps =\n    max_pairs=3\n    max_groups=4\n")
    monkeypatch.setenv("STAT_HARNESS_CAPS", "max_groups=5,max_windows=6")
    result = pytester.runpytest(
        "--stat-dataset",
        "sales=data/sales.parquet",
        "--stat-cap",
        "max_windows=7",
        "--snapshot-update",
        "-k",
        "profile_numeric",
    )
    assert result.ret == 0, result.stdout.str()
    latest = json.loads((pytester.path / "appdata" / "runs" / "LATEST.json").read_text())
    policy = json.loads(
        (pytester.path / "appdata" / "runs" / latest["run_id"] / "policy.json").read_text()
    )
    item = policy["items"]["profile_numeric[sales]"]
    assert (item["caps"]["max_pairs"], item["caps"]["max_groups"], item["caps"]["max_windows"]) == (
        3,
        5,
        7,
    )
    assert item["reasons"]["max_pairs"] == "override"


@pytest.mark.parametrize("bad", ["max_rows=5", "max_pairs=0", "max_pairs=lots", "max_pairs"])
def test_bad_cap_is_a_usage_error(pytester, bad) -> None:
    result = pytester.runpytest("--stat-cap", bad)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--stat-cap*"])
