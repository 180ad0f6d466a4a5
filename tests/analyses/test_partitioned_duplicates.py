"""Hash-partitioned duplicate detection gives the findings of the one-partition path.

duplicate_rows and duplicate_keys split their per-row work into hash partitions sized from
the item's memory budget (``Budget.memory_mb``) or the ``quality.partition_rows`` setting.
The partition count may change only the number of passes and the memory held, never a
byte of the findings: these tests force tiny partitions (through the setting and through
the budget) and compare with the default run.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_statharness import MemoryModel
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame

REGISTRY = Registry.builtin()
ROWS = REGISTRY.get("duplicate_rows")
KEYS = REGISTRY.get("duplicate_keys")


def _frame_with_duplicates(seed: int, n: int = 600) -> pd.DataFrame:
    """Mixed types (strings with nulls, floats with NaN and -0.0, ints, bools, timestamps),
    with planted exact duplicate rows and a key-like column with planted repeats."""
    rng = np.random.default_rng(seed)
    amount = rng.integers(0, 5, n).astype(float)
    amount[rng.random(n) < 0.1] = np.nan
    amount[rng.random(n) < 0.1] = -0.0
    frame = pd.DataFrame(
        {
            "key": [f"K{i:06d}" for i in rng.permutation(n * 3)[:n]],
            "word": pd.array(rng.choice(["a", "b", None], n), dtype="string"),
            "amount": amount,
            "count": rng.integers(0, 3, n),
            "flag": rng.random(n) < 0.5,
            "when": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 4, n), "D"),
        }
    )
    copies = rng.choice(n, n // 10, replace=True)
    targets = rng.choice(n, n // 10, replace=False)
    frame.iloc[targets] = frame.iloc[copies].to_numpy()
    return frame


def _key_frame(seed: int, n: int = 3000) -> pd.DataFrame:
    """Key-like string columns (one with planted repeats), a non-key categorical column
    and an integer id: the columns duplicate_keys screens."""
    rng = np.random.default_rng(seed)
    keys = [f"K{i:05d}" for i in range(n)]
    for i in rng.choice(n, 20, replace=False):
        keys[i] = keys[(i + 7) % n]
    return pd.DataFrame(
        {
            "k": keys,
            "c": [f"c{i % 1500}" for i in range(n)],
            "id": np.arange(n),
            "note": [f"n{rng.integers(0, 10**9)}" for _ in range(n)],
        }
    )


def _same(analysis, frame, **kwargs) -> tuple[int, int]:
    base = run_on_frame(analysis, frame)
    other = run_on_frame(analysis, frame, **kwargs)
    assert (base is None) == (other is None)
    if base is None:
        return 0, 0
    assert canonical_findings(other.findings) == canonical_findings(base.findings)
    return base.passes, other.passes


@pytest.mark.parametrize("analysis", [ROWS, KEYS], ids=lambda a: a.id)
@pytest.mark.parametrize("rows", ["40", "250"])
def test_tiny_partitions_give_the_same_findings(analysis, rows):
    frame = _frame_with_duplicates(3) if analysis is ROWS else _key_frame(3)
    base_passes, passes = _same(analysis, frame, settings={"quality.partition_rows": rows})
    assert passes > base_passes, "a tiny partition size must mean more passes"


def test_a_tiny_memory_budget_partitions_duplicate_rows():
    frame = _frame_with_duplicates(5, n=3000)
    # 1 MB per item / 32 B per row -> 32,768 rows per hash pass: still one pass here, so
    # the budget is checked through the partition count directly
    budget = decide_budget(
        row_count=10**8, column_count=6, analysis_id="duplicate_rows", overrides={"memory_mb": 1}
    ).budget
    assert budget.memory_mb == 1
    base_passes, passes = _same(ROWS, frame, overrides={"memory_mb": 1})
    assert passes == base_passes  # 3,000 rows fit 1 MB
    assert "memory_mb" not in budget.caps(), "memory never shapes a result: not cited"


def test_the_partition_count_follows_the_budget():
    from pytest_statharness.analysis import AnalysisContext, DatasetView, Plan

    class _View(DatasetView):
        def __init__(self, rows: int) -> None:
            self.row_count = rows
            self.settings = {}

    for memory_mb, rows, expected in ((256, 2_000_000, 1), (256, 20_000_000, 3), (1, 10**6, 31)):
        budget = decide_budget(
            row_count=rows,
            column_count=19,
            analysis_id="duplicate_rows",
            overrides={"memory_mb": memory_mb},
        ).budget
        ctx = AnalysisContext(ROWS, _View(rows), budget, Plan(("a",)))
        assert ROWS.hash_partitions(ctx) == expected


def test_collisions_fall_back_to_exact_comparison(monkeypatch):
    """Force every row into one hash: verification must still group by the values."""
    from statharness_analyses.quality import duplicate_rows as module

    frame = _frame_with_duplicates(7, n=200)
    base = run_on_frame(ROWS, frame)
    monkeypatch.setattr(module, "value_hashes", lambda col: np.zeros(len(col), dtype=np.uint64))
    colliding = run_on_frame(ROWS, frame)
    values = colliding.findings[0]["measurement"]["values"]
    expected = base.findings[0]["measurement"]["values"]
    for name in ("duplicate_rows", "duplicate_groups"):
        assert values[name] == expected[name]
    assert values["hash_candidate_rows"] == len(frame)
    assert (
        colliding.findings[0]["evidence"]["example_rows"]
        == (base.findings[0]["evidence"]["example_rows"])
    )


def test_every_analysis_declares_a_memory_model():
    missing = [a.id for a in REGISTRY if not isinstance(a.memory_model, MemoryModel)]
    assert not missing, f"declare memory_model on: {missing}"


def test_an_analysis_without_a_memory_model_fails_the_conformance_suite():
    from pytest_statharness import Analysis
    from pytest_statharness.testing import conformance_suite

    class NoModel(Analysis):
        id = "no_model"
        family = "quality"
        title = "t"
        method = "m"
        reference = "r"

    suite = conformance_suite([NoModel()])
    with pytest.raises(AssertionError, match="memory_model"):
        suite().test_metadata_is_complete(NoModel())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["x", "y", None]),
            st.sampled_from([0.0, -0.0, 1.5, float("nan"), None]),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=60,
    ),
    partition_rows=st.integers(1, 20),
)
def test_partitioned_equals_in_memory_on_random_tables(data, partition_rows):
    frame = pd.DataFrame(data, columns=["s", "f", "i"])
    frame["f"] = frame["f"].astype(float)
    base = run_on_frame(ROWS, frame)
    split = run_on_frame(ROWS, frame, settings={"quality.partition_rows": str(partition_rows)})
    assert canonical_findings(split.findings) == canonical_findings(base.findings)
