"""One conformance suite, run over every registered analysis (as DDSketch runs one suite
over every implementation): split-then-merge equals whole, merge leaves its argument
untouched, state serialisation round-trips, empty input is handled, findings validate."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.analysis import AnalysisContext, DatasetView
from pytest_statharness.canonical_json import dumps
from pytest_statharness.dataset import open_dataset
from pytest_statharness.engine import plan_for
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame

REGISTRY = Registry.builtin()


def rich_frame(rows: int = 600, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cases = np.repeat(np.arange(rows // 6), 6)[:rows]
    activities = np.tile(["Receive", "Check", "Pick", "Pack", "Ship", "Invoice"], rows // 6 + 1)[
        :rows
    ]
    start = pd.Timestamp("2024-01-01")
    ts = start + pd.to_timedelta(
        cases * 3600 * 7
        + np.tile(np.arange(6), rows // 6 + 1)[:rows] * 600
        + rng.integers(0, 500, rows),
        unit="s",
    )
    frame = pd.DataFrame(
        {
            "row_id": np.arange(rows, dtype=np.int64) * 3 + 1000,
            "case": [f"C{c:05d}" for c in cases],
            "activity": activities,
            "resource": rng.choice([f"R{i:02d}" for i in range(8)], rows),
            "when": ts,
            "amount": rng.lognormal(3, 1.5, rows),
            "duration_s": rng.gamma(2.0, 30.0, rows),
            "qty": rng.integers(1, 9, rows),
            "flag": rng.random(rows) < 0.3,
            "note": [
                " ".join(rng.choice(["late", "box", "red", "ok", "fast", "call"], 6)) + f" {i}"
                for i in range(rows)
            ],
        }
    )
    frame.loc[frame.index % 13 == 0, "amount"] = np.nan
    frame.loc[frame.index % 29 == 0, "resource"] = None
    return frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return rich_frame()


@pytest.fixture(scope="module")
def whole(frame):
    return {a.id: run_on_frame(a, frame) for a in REGISTRY}


IDS = [a.id for a in REGISTRY if not a.compares]


@pytest.mark.parametrize("analysis_id", IDS)
def test_split_then_merge_equals_whole(analysis_id, frame, whole) -> None:
    analysis = REGISTRY.get(analysis_id)
    reference = whole[analysis_id]
    if reference is None:
        pytest.skip(f"{analysis_id} does not apply to the conformance frame")
    for chunk_rows in (7, 64):
        split = run_on_frame(analysis, frame, chunk_rows=chunk_rows)
        # the fingerprint records the chunk size, so compare what snapshots pin
        assert canonical_findings(split.findings) == canonical_findings(reference.findings), (
            chunk_rows
        )


@pytest.mark.parametrize("analysis_id", IDS)
def test_merge_leaves_its_argument_untouched_and_state_round_trips(
    analysis_id, frame, tmp_path
) -> None:
    analysis = REGISTRY.get(analysis_id)
    path = tmp_path / "f.parquet"
    frame.to_parquet(path, index=False)
    dataset = open_dataset("f", str(path), chunk_rows=100)
    budget = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis_id
    ).budget
    plan = plan_for(analysis, dataset, budget)
    if plan is None:
        pytest.skip(f"{analysis_id} does not apply to the conformance frame")
    ctx = AnalysisContext(analysis, DatasetView(dataset), budget, plan)
    chunks = list(dataset.iter_chunks(list(analysis.columns_for_pass(ctx))))
    a = analysis.update(analysis.init(ctx), chunks[0], ctx)
    b = analysis.update(analysis.init(ctx), chunks[1], ctx)
    before = pickle.dumps(b)
    merged = analysis.merge(a, b, ctx)
    assert pickle.dumps(b) == before, "merge modified its second argument"
    once = analysis.serialize_state(merged)
    twice = analysis.serialize_state(analysis.deserialize_state(once))
    assert analysis.serialize_state(analysis.deserialize_state(twice)) == twice


@pytest.mark.parametrize("analysis_id", IDS)
def test_all_null_input_is_handled(analysis_id, frame) -> None:
    analysis = REGISTRY.get(analysis_id)
    empty = frame.copy()
    for column in empty.columns:
        if empty[column].dtype.kind in "fiub":
            empty[column] = pd.Series([np.nan] * len(empty), dtype="float64")
        elif empty[column].dtype.kind == "M":
            empty[column] = pd.Series([pd.NaT] * len(empty), dtype=empty[column].dtype)
        else:
            empty[column] = pd.Series([None] * len(empty), dtype="object")
    result = run_on_frame(analysis, empty)
    if result is not None:
        assert dumps(result.findings)  # serialisable, validated by the engine


@pytest.mark.parametrize("analysis_id", IDS)
def test_metadata_is_complete(analysis_id) -> None:
    analysis = REGISTRY.get(analysis_id)
    for attr in ("id", "family", "title", "method", "reference", "access"):
        assert getattr(analysis, attr).strip()
    assert analysis.passes >= 1
    assert analysis.exact or analysis.error_bound


COMPARISONS = [a.id for a in REGISTRY if a.compares]


@pytest.mark.parametrize("analysis_id", COMPARISONS)
def test_comparison_split_then_merge_equals_whole(analysis_id, frame, tmp_path) -> None:
    from pytest_statharness.engine import run_comparison

    analysis = REGISTRY.get(analysis_id)
    other = rich_frame(seed=11)
    other["amount"] = other["amount"] * 1.5
    frame.to_parquet(tmp_path / "a.parquet", index=False)
    other.to_csv(tmp_path / "b.csv", index=False)
    texts = []
    for chunk_rows in (7, 65536):
        a = open_dataset("a", str(tmp_path / "a.parquet"), chunk_rows=chunk_rows)
        b = open_dataset("b", str(tmp_path / "b.csv"), chunk_rows=chunk_rows)
        budget = decide_budget(
            row_count=a.row_count, column_count=len(a.columns), analysis_id=analysis_id
        ).budget
        plan = analysis.plan_comparison(DatasetView(a), DatasetView(b), budget)
        assert plan is not None
        texts.append(canonical_findings(run_comparison(analysis, a, b, budget, plan).findings))
    assert texts[0] == texts[1]
