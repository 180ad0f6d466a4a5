"""Helpers shared by the tests of the built-in analyses (imported, not fixtures).

* :func:`analysis_context` — write a frame, open it with ``chunk_rows``, decide the budget
  and plan: what a hand-driven run (a merge shape other than the engine's) starts from.
* :func:`tree_fold` — run every pass with chunk states merged in a random binary-tree
  shape, checking that ``merge`` leaves its second argument alone; returns the findings
  and the engine's own.
* :func:`assert_chunk_invariant` — chunk_rows 7 and 65536 give the same canonical findings.
* small accessors: :func:`vals`, :func:`of_kind`, :func:`by_column`, :func:`close`;
  ``FAST``, the hypothesis settings of the merge-shape properties.
"""

from __future__ import annotations

import pickle
import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, settings

from pytest_statharness.analysis import AnalysisContext, DatasetView
from pytest_statharness.dataset import open_dataset
from pytest_statharness.engine import plan_for, run_analysis
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.testing import run_on_frame

FAST = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@contextmanager
def analysis_context(analysis, frame: pd.DataFrame, chunk_rows: int, overrides=None) -> Iterator:
    """(dataset, budget, plan, ctx) of ``analysis`` on ``frame`` (a temporary Parquet file)."""
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "frame.parquet"
        frame.to_parquet(file, index=False)
        dataset = open_dataset("frame", str(file), chunk_rows=chunk_rows)
        budget = decide_budget(
            row_count=dataset.row_count,
            column_count=len(dataset.columns),
            analysis_id=analysis.id,
            overrides=overrides,
        ).budget
        plan = plan_for(analysis, dataset, budget)
        yield dataset, budget, plan, AnalysisContext(analysis, DatasetView(dataset), budget, plan)


def tree_fold(analysis, frame: pd.DataFrame, chunk_rows: int, seed: int, overrides=None):
    """Drive ``analysis`` with merges in a random binary-tree shape (order kept); check
    ``merge`` leaves its second argument alone. Returns (findings, the engine's findings)."""
    rng = random.Random(seed)
    with analysis_context(analysis, frame, chunk_rows, overrides) as (dataset, budget, plan, ctx):

        def fold(states):
            if len(states) == 1:
                return states[0]
            cut = rng.randint(1, len(states) - 1)
            left, right = fold(states[:cut]), fold(states[cut:])
            before = pickle.dumps(right)
            merged = analysis.merge(left, right, ctx)
            assert pickle.dumps(right) == before, "merge modified its second argument"
            return merged

        while True:
            columns = list(analysis.columns_for_pass(ctx))
            states = [
                analysis.update(analysis.init(ctx), chunk, ctx)
                for chunk in dataset.iter_chunks(columns, raw_codes=analysis.reads_missing_codes)
            ]
            state = analysis.merge(analysis.init(ctx), fold(states), ctx)
            ctx.previous.append(analysis.end_pass(state, ctx))
            ctx.pass_index += 1
            if not analysis.needs_another_pass(ctx):
                break
        findings = analysis.findings(ctx)
        expected = run_analysis(analysis, dataset, budget, plan).findings
    for f in findings:
        f["evidence"]["rows_scanned"] = dataset.row_count
    return findings, expected


def assert_chunk_invariant(analysis, frame):
    small = run_on_frame(analysis, frame, chunk_rows=7)
    large = run_on_frame(analysis, frame, chunk_rows=65536)
    assert canonical_findings(small.findings) == canonical_findings(large.findings)
    return large


def vals(finding):
    return finding["measurement"]["values"]


def of_kind(findings, kind: str) -> list[dict]:
    return [f for f in findings if f["kind"] == kind]


def by_column(result, kind=None):
    return {
        f["subject"]["column"]: f
        for f in result.findings
        if "column" in f["subject"] and (kind is None or f["kind"] == kind)
    }


def close(a, b, rel=1e-12):
    return a == pytest.approx(b, rel=rel, abs=0)
