"""Hash-partitioned duplicate detection gives the findings of the one-partition path.

duplicate_rows and duplicate_keys split their per-row work into hash partitions sized from
the item's memory budget (``Budget.memory_mb``) or the ``quality.partition_rows`` setting.
The partition count may change only the memory held (and, past one partition, the hashes
go through spill files, read back one partition at a time), never a byte of the findings:
these tests force tiny partitions (through the setting and through the budget) and compare
with the default run. They also pin the vectorised value hash (``value_hashes``): equal
canonical values get equal hashes however a column is chunked, sliced or encoded.
"""

from __future__ import annotations

import tempfile

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
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


@pytest.fixture
def spills(monkeypatch, tmp_path):
    """Spill files go to a fresh temporary folder (no spill_dir outside a session); yields
    (folder, list of the spills written: HashSpill, or a candidates file's path)."""
    from statharness_analyses.quality import _common

    written = []
    original = _common.HashSpill.write.__func__

    def write(cls, *args, **kwargs):
        spill = original(cls, *args, **kwargs)
        written.append(spill)
        return spill

    monkeypatch.setattr(_common.HashSpill, "write", classmethod(write))
    from statharness_analyses.quality import duplicate_rows as rows_module

    spill_candidates = rows_module._spill_candidates

    def candidates(*args):
        path = spill_candidates(*args)
        written.append(path)
        return path

    monkeypatch.setattr(rows_module, "_spill_candidates", candidates)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    return tmp_path, written


@pytest.mark.parametrize("analysis", [ROWS, KEYS], ids=lambda a: a.id)
@pytest.mark.parametrize("rows", ["40", "250"])
def test_tiny_partitions_give_the_same_findings(analysis, rows, spills):
    folder, written = spills
    frame = _frame_with_duplicates(3) if analysis is ROWS else _key_frame(3)
    base_passes, passes = _same(analysis, frame, settings={"quality.partition_rows": rows})
    assert written, "a tiny partition size must spill the hashes"
    assert passes >= base_passes  # the hash pass is one; verification may take more
    assert not list(folder.glob("hashes-*")), "spill files are removed"


@pytest.mark.parametrize("analysis", [ROWS, KEYS], ids=lambda a: a.id)
def test_a_one_megabyte_budget_spills_and_finds_the_same(analysis, spills):
    """``--stat-cap memory_mb=1``: 32,768 rows per partition, so 70,000 rows spill."""
    folder, written = spills
    frame = _frame_with_duplicates(11, n=70_000) if analysis is ROWS else _key_frame(11, 70_000)
    base = run_on_frame(analysis, frame, chunk_rows=16_384)
    assert not written
    capped = run_on_frame(analysis, frame, chunk_rows=16_384, overrides={"memory_mb": 1})
    hash_spills = [s for s in written if not isinstance(s, str)]
    assert hash_spills and all(len(s.bounds) >= 3 for s in hash_spills), "2+ partitions"
    if analysis is ROWS:
        assert any(isinstance(s, str) for s in written), "candidates spilled by sub-range"
    assert canonical_findings(capped.findings) == canonical_findings(base.findings)
    assert not list(folder.iterdir()), "spill files are removed"


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

    cases = ((256, 1_000_000, 1), (256, 2_000_000, 2), (256, 20_000_000, 20), (1, 10**6, 31))
    for memory_mb, rows, expected in cases:
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


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(
        st.tuples(
            st.sampled_from(["x", "y", None]),
            st.sampled_from([0.0, 1.5, None]),
            st.integers(0, 2),
        ),
        min_size=1,
        max_size=40,
    ),
    partition_rows=st.integers(1, 8),
)
def test_keys_partitioned_equals_in_memory_on_random_tables(data, partition_rows):
    frame = pd.DataFrame(data, columns=["s", "f", "i"])
    frame["k"] = [f"K{i % 37}" for i in range(len(frame))]
    base = run_on_frame(KEYS, frame)
    split = run_on_frame(KEYS, frame, settings={"quality.partition_rows": str(partition_rows)})
    assert (base is None) == (split is None)
    if base is not None:
        assert canonical_findings(split.findings) == canonical_findings(base.findings)


# -- the vectorised value hash ------------------------------------------------------------
_TEXT = st.one_of(
    st.none(),
    st.text(max_size=3),
    st.text(alphabet="ab\x00é", max_size=80),  # long values: the ragged word batch
)


def _encodings(values: list) -> list:
    """The same values as Arrow arrays of every string layout the hash reads."""
    plain = pa.array(values, pa.string())
    as_bytes = [None if v is None else v.encode("utf-8") for v in values]
    out = [
        plain,
        pa.array(values, pa.large_string()),
        pa.array(as_bytes, pa.binary()),
        pa.array(as_bytes, pa.large_binary()),
        pc.dictionary_encode(plain),
        pa.chunked_array([plain.slice(0, len(values) // 2), plain.slice(len(values) // 2)]),
    ]
    if hasattr(pa, "string_view"):
        out.append(plain.cast(pa.string_view()))
    return out


@settings(max_examples=60, deadline=None)
@given(values=st.lists(_TEXT, min_size=0, max_size=30), cut=st.integers(0, 30))
def test_equal_strings_hash_equal_in_every_layout(values, cut):
    from statharness_analyses.quality._common import _NULL, value_hashes

    expected = value_hashes(pa.array(values, pa.string()))
    for arr in _encodings(values):
        assert value_hashes(arr).tolist() == expected.tolist(), arr.type
    # a slice (offsets with a non-zero base) hashes its values as the whole array does
    cut = min(cut, len(values))
    padded = pa.array(["zz" * 9, *values], pa.string()).slice(1 + cut)
    assert value_hashes(padded).tolist() == expected[cut:].tolist()
    # equal values, equal hashes; nulls share the null hash
    by_value: dict = {}
    for v, h in zip(values, expected.tolist(), strict=True):
        if v is None:
            assert h == int(_NULL)
        else:
            assert by_value.setdefault(v, h) == h


def test_distinct_strings_hash_apart():
    from statharness_analyses.quality._common import value_hashes

    values = ["", "a", "a\x00", "\x00", "ab", "ba", "abcdefgh", "abcdefgh\x00", "x" * 64, "x" * 65]
    values += [f"K{i:06d}" for i in range(20_000)] + ["é" * i for i in range(1, 200)]
    hashes = value_hashes(pa.array(values))
    assert np.unique(hashes).size == len(values)


@settings(max_examples=30, deadline=None)
@given(values=st.lists(st.one_of(st.none(), st.integers(-5, 5)), max_size=30))
def test_dictionary_of_integers_hashes_as_plain(values):
    from statharness_analyses.quality._common import value_hashes

    plain = pa.array(values, pa.int64())
    assert value_hashes(pc.dictionary_encode(plain)).tolist() == value_hashes(plain).tolist()
