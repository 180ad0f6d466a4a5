"""A declared event log exported in time order is analysed through a grouped copy."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.spec import DatasetSpec
from pytest_statharness.engine import plan_for, run_analysis
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry

MAPPING = {"case": "case_id", "activity": "activity", "timestamp": "ts"}


def case_log(cases: int = 400, seed: int = 0) -> pd.DataFrame:
    """A log grouped by case (each case's events together, in time order)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(cases):
        start = pd.Timestamp("2024-01-01") + pd.Timedelta(
            minutes=int(rng.integers(0, 60 * 24 * 30))
        )
        t = start
        for step in ("receive", "check", "approve", "ship")[: int(rng.integers(2, 5))]:
            t = t + pd.Timedelta(minutes=int(rng.integers(1, 600)))
            rows.append((f"C{c:05d}", step, t))
    return pd.DataFrame(rows, columns=["case_id", "activity", "ts"])


def run(analysis_id: str, frame: pd.DataFrame, tmp_path, name: str, spec: dict | None):
    path = tmp_path / f"{name}.parquet"
    frame.to_parquet(path, index=False)
    dataset = open_dataset(name, str(path), chunk_rows=128, spec=DatasetSpec(name, "t", spec or {}))
    dataset.spill_dir = tmp_path / "spill"
    analysis = Registry.builtin().get(analysis_id)
    budget = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis_id
    ).budget
    return run_analysis(analysis, dataset, budget, plan_for(analysis, dataset, budget)).findings


@pytest.mark.parametrize("analysis_id", ["case_throughput", "waiting_time", "rework"])
def test_time_ordered_declared_log_equals_the_grouped_one(tmp_path, analysis_id) -> None:
    grouped = case_log()
    in_time = grouped.sort_values(["ts", "case_id"], kind="stable").reset_index(drop=True)
    spec = {"eventlog": MAPPING}
    reference = run(analysis_id, grouped, tmp_path, "grouped", spec)
    regrouped = run(analysis_id, in_time, tmp_path, "intime", spec)
    assert [f["kind"] for f in regrouped] == [f["kind"] for f in reference]
    assert not any(f["kind"].startswith("log_not") for f in regrouped)
    for a, b in zip(reference, regrouped, strict=True):
        assert a["measurement"] == b["measurement"]
    params = regrouped[0]["evidence"]["parameters"]["event_log"]
    assert params["regrouped"]["by"] == "case_id"
    assert params["regrouped"]["reappearing_runs_in_file"] > 0


def test_inferred_log_in_time_order_is_not_regrouped(tmp_path) -> None:
    in_time = case_log().sort_values(["ts", "case_id"], kind="stable").reset_index(drop=True)
    findings = run("case_throughput", in_time, tmp_path, "inferred", None)
    assert [f["kind"] for f in findings] == ["log_not_grouped_by_case"]
    assert findings[0]["severity"] == "info" and "declare its columns" in findings[0]["title"]
