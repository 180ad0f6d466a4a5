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


def test_column_names_that_spell_one_id_get_distinct_ids() -> None:
    """The pairs ('a_b', 'c') and ('a', 'b_c') both read columns=a_b_c in an id (names
    are slugged with '_'): the correlation item failed with "two findings with id" and
    lost every finding. Each now gets a suffix hashed from its exact subject, the same on
    every run; ids that do not meet keep their plain form."""
    import numpy as np
    import pandas as pd
    from statharness_analyses.relationships.correlation import Correlation

    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(1)
    base = rng.normal(size=200)
    frame = pd.DataFrame(
        {
            name: base + rng.normal(0, 0.5 + k / 4, 200)
            for k, name in enumerate("a_b c a b_c".split())
        }
    )
    ids = [f["id"] for f in run_on_frame(Correlation(), frame).findings]
    assert len(ids) == len(set(ids))
    met = sorted(i for i in ids if i.startswith("correlation/correlation/columns=a_b_c"))
    assert len(met) == 2 and all("~" in i for i in met)
    assert met == sorted(
        i for i in (f["id"] for f in run_on_frame(Correlation(), frame).findings) if "a_b_c" in i
    )
    assert "correlation/correlation/columns=c_a" in ids
