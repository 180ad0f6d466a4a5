"""profile_categorical against pandas, across chunk sizes, and past distinct_cap."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import FAST, tree_fold
from hypothesis import given
from hypothesis import strategies as st
from statharness_analyses.profile.profile_categorical import (
    HLL_M,
    HLL_RSE,
    ProfileCategorical,
    hll_add,
    hll_estimate,
    mg_reduce,
    stable_hashes,
)

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame

ANALYSIS = ProfileCategorical()


def by_column(result) -> dict[str, dict]:
    return {f["subject"]["column"]: f for f in result.findings}


def pandas_top(series: pd.Series, k: int = 10, above: int = 0) -> list[dict]:
    counts = series.dropna().value_counts()
    pairs = sorted(
        ((v, int(c)) for v, c in counts.items() if c > above), key=lambda vc: (-vc[1], vc[0])
    )
    return [{"value": v, "count": c} for v, c in pairs[:k]]


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 2000
    letters = rng.choice(list("abcdefghijklmnopqrst"), n, p=np.linspace(1, 3, 20) / 40)
    df = pd.DataFrame(
        {
            "letter": pd.array(letters, dtype="string"),
            "flag": rng.random(n) < 0.3,
            "nullable_flag": pd.array(rng.random(n) < 0.6, dtype="boolean"),
            "cat": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
            "zipf": pd.array([f"v{int(x)}" for x in rng.zipf(1.4, n)], dtype="string"),
        }
    )
    df.loc[rng.random(n) < 0.15, "letter"] = None
    df.loc[rng.random(n) < 0.1, "nullable_flag"] = None
    df.loc[rng.random(n) < 0.05, "cat"] = None
    return df


def test_matches_pandas(frame):
    result = run_on_frame(ANALYSIS, frame, chunk_rows=97)
    found = by_column(result)
    assert list(found) == list(frame.columns)
    for name, finding in found.items():
        values = finding["measurement"]["values"]
        series = frame[name]
        assert values["count"] == int(series.notna().sum())
        assert values["null_count"] == int(series.isna().sum())
        assert values["distinct"] == series.nunique()
        expected_top = pandas_top(series)
        assert values["top_values"] == expected_top
        assert values["mode_share"] == expected_top[0]["count"] / values["count"]
        assert finding["evidence"]["exact"] is True
        assert "error_bounds" not in finding["measurement"]
        assert set(values) <= set(finding["measurement"]["units"])


def test_boolean_counts(frame):
    found = by_column(run_on_frame(ANALYSIS, frame, chunk_rows=13))
    for name in ("flag", "nullable_flag"):
        values = found[name]["measurement"]["values"]
        series = frame[name].dropna().astype(bool)
        assert values["true_count"] == int(series.sum())
        assert values["false_count"] == int((~series).sum())
        assert [t["value"] for t in values["top_values"]] == [
            t["value"] for t in pandas_top(frame[name].dropna().astype(bool))
        ]
    assert "true_count" not in found["letter"]["measurement"]["values"]


def test_ties_broken_by_value_ascending():
    df = pd.DataFrame({"c": pd.array(list("ccbbaaddx") + ["e"] * 2, dtype="string")})
    values = by_column(run_on_frame(ANALYSIS, df, chunk_rows=3))["c"]["measurement"]["values"]
    assert [t["value"] for t in values["top_values"]] == ["a", "b", "c", "d", "e", "x"]
    assert values["mode_share"] == 2 / 11


@pytest.mark.parametrize("overrides", [None, {"distinct_cap": 15}])
def test_identical_across_chunk_sizes(frame, overrides):
    texts = {
        dumps(
            snapshot_view(
                run_on_frame(ANALYSIS, frame, chunk_rows=rows, overrides=overrides).findings
            )
        )
        for rows in (7, 1000, len(frame))
    }
    assert len(texts) == 1


def test_past_distinct_cap(frame):
    cap = 15
    found = by_column(run_on_frame(ANALYSIS, frame, chunk_rows=50, overrides={"distinct_cap": cap}))
    # letter (20 values) and zipf (many) overflow; the others stay exact.
    for name in ("flag", "nullable_flag", "cat"):
        assert found[name]["evidence"]["exact"] is True
    for name in ("letter", "zipf"):
        finding = found[name]
        values = finding["measurement"]["values"]
        series = frame[name]
        assert finding["evidence"]["exact"] is False
        threshold = finding["evidence"]["parameters"]["top_values_count_threshold"]
        assert threshold == values["count"] // (cap + 1)
        # Exact counts, exactly the values above the threshold (top ten of them).
        assert values["top_values"] == pandas_top(series, above=threshold)
        bounds = finding["measurement"]["error_bounds"]
        assert bounds["distinct"]["relative_standard_error"] == HLL_RSE
        assert values["distinct"] >= cap + 1
        true = series.nunique()
        assert abs(values["distinct"] - true) <= max(4 * HLL_RSE * true, 1)
        assert values["count"] == int(series.notna().sum())
        assert values["null_count"] == int(series.isna().sum())


def test_mode_share_null_when_no_value_passes_threshold():
    df = pd.DataFrame({"c": pd.array([f"k{i}" for i in range(300)], dtype="string")})
    finding = by_column(run_on_frame(ANALYSIS, df, chunk_rows=64, overrides={"distinct_cap": 20}))[
        "c"
    ]
    values = finding["measurement"]["values"]
    assert values["top_values"] == []
    assert values["mode_share"] is None
    assert finding["measurement"]["error_bounds"]["mode_share"]["upper_bound"] == (300 // 21) / 300
    assert abs(values["distinct"] - 300) <= 4 * HLL_RSE * 300


def test_all_null_column():
    df = pd.DataFrame(
        {"c": pd.array([None] * 5, dtype="string"), "d": pd.array(list("abcde"), dtype="string")}
    )
    values = by_column(run_on_frame(ANALYSIS, df))["c"]["measurement"]["values"]
    assert values == {
        "count": 0,
        "null_count": 5,
        "distinct": 0,
        "top_values": [],
        "mode_share": None,
    }


def test_not_collected_without_categorical_columns():
    assert run_on_frame(ANALYSIS, pd.DataFrame({"x": [1.5, 2.5, 3.5]})) is None


def test_max_findings_caps_columns(frame):
    result = run_on_frame(ANALYSIS, frame, overrides={"max_findings": 2})
    assert [f["subject"]["column"] for f in result.findings] == ["letter", "flag"]
    left_out = result.findings[0]["evidence"]["left_out"]
    assert left_out == {"columns": ["nullable_flag", "cat", "zipf"], "cap": "max_findings"}


def test_stable_hash_is_pinned():
    # A changed hash would change every past-cap estimate: pin it.
    assert stable_hashes(["a", "", "é"]).tolist() == PINNED
    assert len(set(stable_hashes(["1", 1, 1.0, True]).tolist())) == 4


PINNED = [11816425391444062870, 12776573793104467484, 13740931230647902974]


def test_hll_accuracy_and_merge():
    values = [f"item-{i}" for i in range(50_000)]
    empty = np.zeros(HLL_M, np.uint8)
    whole = hll_add(empty, stable_hashes(values))
    halves = np.maximum(
        hll_add(empty, stable_hashes(values[:20_000])),
        hll_add(empty, stable_hashes(values[20_000:])),
    )
    assert np.array_equal(whole, halves)
    assert abs(hll_estimate(whole) - 50_000) <= 4 * HLL_RSE * 50_000
    assert hll_estimate(empty) == 0.0


@FAST
@given(
    counts=st.lists(st.integers(1, 50), min_size=1, max_size=40),
    m=st.integers(1, 10),
    splits=st.integers(1, 6),
)
def test_misra_gries_bound(counts, m, splits):
    table = {f"v{i}": c for i, c in enumerate(counts)}
    # Feed the table in several pieces, reducing after each merge.
    items = list(table.items())
    summary: dict = {}
    size = max(1, math.ceil(len(items) / splits))
    for start in range(0, len(items), size):
        for k, c in items[start : start + size]:
            summary[k] = summary.get(k, 0) + c
        summary = mg_reduce(summary, m)
    assert len(summary) <= m
    total = sum(counts)
    slack = (total - sum(summary.values())) / (m + 1)
    for k, c in table.items():
        estimate = summary.get(k, 0)
        assert c - slack <= estimate <= c
        if c > total // (m + 1):
            assert k in summary


frames = st.integers(1, 60).flatmap(
    lambda n: st.fixed_dictionaries(
        {
            "s": st.lists(st.one_of(st.none(), st.sampled_from("abcdefg")), min_size=n, max_size=n),
            "b": st.lists(st.booleans(), min_size=n, max_size=n),
        }
    )
)


@FAST
@given(
    data=frames,
    chunk_rows=st.integers(1, 12),
    seed=st.integers(0, 10**6),
    cap=st.sampled_from([3, 100]),
)
def test_merge_tree_shape_does_not_matter(data, chunk_rows, seed, cap):
    df = pd.DataFrame({"s": pd.array(data["s"], dtype="string"), "b": data["b"]})
    overrides = {"distinct_cap": cap}
    findings, expected = tree_fold(ANALYSIS, df, chunk_rows, seed, overrides)
    assert dumps(findings) == dumps(expected)
    whole = run_on_frame(ANALYSIS, df, overrides=overrides).findings
    assert dumps(snapshot_view(expected)) == dumps(snapshot_view(whole))
    values = by_column_list(expected)["s"]
    assert values["count"] == int(df["s"].notna().sum())


def by_column_list(findings) -> dict[str, dict]:
    return {f["subject"]["column"]: f["measurement"]["values"] for f in findings}
