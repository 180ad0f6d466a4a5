"""The engine: shared passes give the same findings as computing them again."""

from __future__ import annotations

from pathlib import Path

import pytest

from pytest_statharness.dataset import open_dataset
from pytest_statharness.engine import plan_for, run_analysis
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "data" / "events_planted.csv"
REGISTRY = Registry.builtin()


def test_shared_passes_are_computed_once_and_change_nothing() -> None:
    dataset = open_dataset("events", str(FIXTURE))
    memo: dict = {}
    shared = 0
    for analysis in REGISTRY:
        budget = decide_budget(
            row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis.id
        ).budget
        plan = plan_for(analysis, dataset, budget)
        if plan is None:
            continue
        before = len(memo)
        alone = run_analysis(analysis, dataset, budget, plan)
        with_memo = run_analysis(analysis, dataset, budget, plan, memo=memo)
        again = run_analysis(analysis, dataset, budget, plan, memo=memo)
        assert (
            canonical_findings(alone.findings)
            == canonical_findings(with_memo.findings)
            == canonical_findings(again.findings)
        )
        assert alone.rows_scanned == with_memo.rows_scanned == again.rows_scanned
        shared += len(memo) > before or (again.chunks < alone.chunks)
    if not memo:
        pytest.skip("no registered analysis shares a pass")
    assert shared >= 2
