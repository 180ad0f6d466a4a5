"""flag_consistency: a 0/1 flag that is a cut of a measure (colon's node4 = nodes > 4), and
the rows contradicting it (issue: findings an expert acts on)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import assert_chunk_invariant, tree_fold
from statharness_analyses.quality.flag_consistency import FlagConsistency

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame


def patients(seed: int = 4, n: int = 1800, wrong: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    nodes = rng.poisson(3.5, n).astype(float)
    node4 = (nodes > 4).astype(int)
    flipped = rng.choice(n, wrong, replace=False)
    node4[flipped] = 1 - node4[flipped]
    return pd.DataFrame(
        {
            "nodes": nodes,
            "node4": node4,
            "age": rng.normal(60, 10, n),
            "rare": (rng.random(n) < 0.01).astype(int),
        }
    )


def found(frame: pd.DataFrame) -> list[dict]:
    return [
        f
        for f in run_on_frame(FlagConsistency(), frame).findings
        if f["kind"] in ("flag_cut", "flag_contradictions")
    ]


def test_a_flag_contradicting_its_measure_is_medium_with_the_rows() -> None:
    frame = patients()
    [f] = found(frame)
    assert f["severity"] == "medium"
    assert f["subject"] == {"flag": "node4", "measure": "nodes"}
    wrong = np.flatnonzero((frame.nodes > 4).astype(int).to_numpy() != frame.node4.to_numpy())
    assert f["measurement"]["values"]["contradicting_rows"] == len(wrong) == 12
    assert f["evidence"]["example_rows"] == sorted(wrong.tolist())
    assert f["title"].startswith("'node4' is 1 exactly where 'nodes' > 4 except on 12 of 1800")


def test_an_exact_cut_is_low_and_a_near_cut_of_another_name_is_low() -> None:
    [f] = found(patients(wrong=0))
    assert f["severity"] == "low" and f["kind"] == "flag_cut"
    frame = patients().rename(columns={"node4": "advanced"})
    [f] = found(frame)
    assert f["severity"] == "low" and "nearly" in f["title"]


def test_an_unrelated_or_rare_flag_is_no_cut() -> None:
    """A flag on 1% of rows is 'a cut' of anything if all its rows may be wrong: the
    contradictions must stay under a tenth of the rarer level."""
    frame = patients().drop(columns="node4")
    assert found(frame) == []


def test_the_same_findings_whatever_the_chunks_and_merge_shapes() -> None:
    frame = patients(seed=9, n=900)
    assert_chunk_invariant(FlagConsistency(), frame)
    for seed in range(3):
        tree, reference = tree_fold(FlagConsistency(), frame, 37, seed)
        assert dumps(snapshot_view(tree)) == dumps(snapshot_view(reference))


def test_the_correlation_of_a_flag_with_its_measure_is_low() -> None:
    """node4 beside nodes correlate by construction (r ~ 0.8): low in correlation, and as
    drivers of an outcome the flag is the measure again."""
    from pytest_statharness.registry import Registry

    frame = patients()
    rng = np.random.default_rng(1)
    frame["status"] = (rng.random(len(frame)) < 0.2 + 0.08 * frame.nodes.clip(0, 7)).astype(int)
    frame["time"] = rng.integers(10, 3000, len(frame))
    result = run_on_frame(Registry.builtin().get("correlation"), frame)
    pairs = {
        tuple(sorted(f["subject"]["columns"])): f
        for f in result.findings
        if f["kind"] == "correlation"
    }
    assert pairs[("node4", "nodes")]["severity"] == "low"
    assert (
        "named after 'nodes'"
        in pairs[("node4", "nodes")]["evidence"]["parameters"]["severity_capped"]
    )
    drivers = [pairs[("nodes", "status")], pairs[("node4", "status")]]
    assert sorted(f["severity"] for f in drivers) == ["low", "medium"]


def test_a_flag_named_measure_plus_level_is_named_after_it() -> None:
    """uis' IV3 (IV == 3) beside IV; two different measures sharing no stem are not."""
    from statharness_analyses._shared.summaries import named_after

    assert named_after("IV3", "IV") and named_after("node4", "nodes")
    assert named_after("age80", "age")
    assert not named_after("HC", "IV") and not named_after("IV", "IV")
