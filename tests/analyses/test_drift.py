"""drift[A:B]: PSI, exact two-sample KS and chi-square homogeneity against numpy/scipy on
the full data, planted shifts, chunk invariance, caps, the KS branch-and-bound paths."""

from __future__ import annotations

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import scipy.stats as stats
import statharness_analyses._shared.exact as exact_mod
import statharness_analyses._shared.ks as ks_mod
import statharness_analyses.drift.drift as drift_mod
from analysis_helpers import by_column
from statharness_analyses.drift.drift import Drift

from pytest_statharness.analysis import DatasetView
from pytest_statharness.dataset import open_dataset
from pytest_statharness.engine import run_comparison
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget

DECILES = [k / 10 for k in range(1, 10)]


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def run_drift(
    tmp_path: Path,
    frame_a: pd.DataFrame,
    frame_b: pd.DataFrame,
    *,
    chunk_rows: int = 65536,
    formats: tuple[str, str] = ("parquet", "csv"),
    overrides: dict | None = None,
    analysis: Drift | None = None,
):
    path_a = _write(frame_a, tmp_path / f"old.{formats[0]}")
    path_b = _write(frame_b, tmp_path / f"new.{formats[1]}")
    ds_a = open_dataset("old", str(path_a), chunk_rows=chunk_rows)
    ds_b = open_dataset("new", str(path_b), chunk_rows=chunk_rows)
    budget = decide_budget(
        row_count=max(ds_a.row_count, ds_b.row_count),
        column_count=len(ds_a.columns),
        analysis_id="drift",
        overrides=overrides,
    ).budget
    analysis = analysis or Drift()
    plan = analysis.plan_comparison(DatasetView(ds_a), DatasetView(ds_b), budget)
    assert plan is not None
    return run_comparison(analysis, ds_a, ds_b, budget, plan)


def summary(result) -> dict:
    first = result.findings[0]
    assert first["kind"] == "drift_summary"
    return first


def values(finding: dict) -> dict:
    return finding["measurement"]["values"]


def ecdf_d(a: np.ndarray, b: np.ndarray) -> float:
    """Independent KS D: both ECDFs evaluated at every observed value."""
    a, b = np.sort(a), np.sort(b)
    points = np.union1d(a, b)
    fa = np.searchsorted(a, points, side="right") / a.size
    fb = np.searchsorted(b, points, side="right") / b.size
    return float(np.max(np.abs(fa - fb)))


def psi_reference(count_a, count_b) -> float:
    na, nb = sum(count_a), sum(count_b)
    pa = np.array([c / na if c else 1e-4 for c in count_a])
    pb = np.array([c / nb if c else 1e-4 for c in count_b])
    return float(np.sum((pb - pa) * np.log(pb / pa)))


def rel(x: float, y: float) -> float:
    return abs(x - y) / max(abs(y), 1e-300)


def mixed_frames(seed: int = 1, n_a: int = 2500, n_b: int = 1700, shift: float = 0.0):
    rng = np.random.default_rng(seed)
    a = pd.DataFrame(
        {
            "score": rng.normal(50.0, 10.0, n_a),
            "units": rng.integers(0, 20, n_a).astype(float),
            "region": rng.choice(["north", "south", "east", "west"], n_a, p=[0.4, 0.3, 0.2, 0.1]),
            "flag": rng.random(n_a) < 0.3,
        }
    )
    b = pd.DataFrame(
        {
            "score": rng.normal(50.0 + 10.0 * shift, 10.0, n_b),
            "units": rng.integers(0, 20, n_b).astype(float),
            "region": rng.choice(["north", "south", "east", "west"], n_b, p=[0.4, 0.3, 0.2, 0.1]),
            "flag": rng.random(n_b) < 0.3,
        }
    )
    a.loc[a.index % 11 == 0, "score"] = np.nan
    return a, b


# -- numeric: against numpy and scipy on the full data -------------------------------------
def test_numeric_statistics_match_numpy_and_scipy(tmp_path) -> None:
    frame_a, frame_b = mixed_frames(shift=0.2)
    result = run_drift(tmp_path, frame_a, frame_b)
    for column in ("score", "units"):
        a = frame_a[column].dropna().to_numpy()
        b = frame_b[column].dropna().to_numpy()
        v = values(by_column(result)[column])
        assert v["count_a"] == a.size and v["count_b"] == b.size
        assert v["null_count_a"] == int(frame_a[column].isna().sum())
        # exact deciles of A and the bin counts of both sides
        edges = np.quantile(a, DECILES)
        assert v["decile_edges"] == edges.tolist()
        count_a = np.bincount(np.digitize(a, edges), minlength=10).tolist()
        count_b = np.bincount(np.digitize(b, edges), minlength=10).tolist()
        assert v["bin_counts_a"] == count_a and v["bin_counts_b"] == count_b
        assert rel(v["psi"], psi_reference(count_a, count_b)) < 1e-12
        # D exactly as an ECDF computation, D and p as scipy's asymptotic ks_2samp
        assert v["ks_statistic"] == ecdf_d(a, b)
        reference = stats.ks_2samp(a, b, method="asymp")
        assert rel(v["ks_statistic"], reference.statistic) < 1e-9
        assert rel(v["ks_pvalue"], reference.pvalue) < 1e-9
        assert v["mean_a"] == pytest.approx(float(np.mean(a)), rel=1e-12)


def test_categorical_statistics_match_scipy(tmp_path) -> None:
    frame_a, frame_b = mixed_frames(seed=2)
    frame_b.loc[: len(frame_b) // 3, "region"] = "north"  # a planted change of mix
    result = run_drift(tmp_path, frame_a, frame_b)
    for column in ("region", "flag"):
        table = pd.concat(
            [frame_a[column].value_counts(), frame_b[column].value_counts()], axis=1
        ).fillna(0)
        observed = table.to_numpy().T.astype(np.int64)
        chi2, p, dof, _ = stats.chi2_contingency(observed, correction=False)
        v = values(by_column(result)[column])
        assert v["levels"] == observed.shape[1]
        assert rel(v["chi2"], chi2) < 1e-9
        assert rel(v["chi2_pvalue"], p) < 1e-9 or v["chi2_pvalue"] == p
        assert v["dof"] == dof
        n = observed.sum()
        assert rel(v["cramers_v"], math.sqrt(chi2 / n)) < 1e-9
        assert rel(v["psi"], psi_reference(observed[0], observed[1])) < 1e-12
        changes = {c["value"]: (c["a_count"], c["b_count"]) for c in v["top_changes"]}
        for level, row in table.iterrows():
            assert changes[level] == (int(row.iloc[0]), int(row.iloc[1]))
    region = by_column(result)["region"]
    assert region["severity"] in ("medium", "high")
    assert by_column(result)["flag"]["severity"] == "info"


# -- detection ------------------------------------------------------------------------------
def test_same_data_on_both_sides_shows_no_drift(tmp_path) -> None:
    frame, _ = mixed_frames(seed=3)
    result = run_drift(tmp_path, frame, frame)
    for finding in result.findings[1:]:
        v = values(finding)
        assert v["psi"] == 0.0
        assert finding["severity"] == "info"
        assert finding["evidence"]["exact"] is True
        if finding["kind"] == "numeric_drift":
            assert v["ks_statistic"] == 0.0 and v["ks_pvalue"] == 1.0
        else:
            assert v["chi2"] == 0.0
    s = values(summary(result))
    assert s["columns_compared"] == 4 and s["columns_drifting"] == 0
    assert s["drifting_columns"] == [] and s["minor_shift_columns"] == []
    assert summary(result)["severity"] == "info"


@pytest.mark.parametrize("seed", [4, 5, 6])
def test_clean_samples_of_one_distribution_are_not_flagged(tmp_path, seed) -> None:
    frame_a, frame_b = mixed_frames(seed=seed)
    result = run_drift(tmp_path, frame_a, frame_b)
    assert [f["severity"] for f in result.findings] == ["info"] * 5
    assert values(summary(result))["columns_drifting"] == 0


def test_planted_shift_is_flagged_on_its_column(tmp_path) -> None:
    # +0.5 sd: population PSI on A's deciles is 0.238 (Siddiqi: moderate), KS D 0.197
    frame_a, frame_b = mixed_frames(seed=7, n_a=4000, n_b=3000, shift=0.5)
    result = run_drift(tmp_path, frame_a, frame_b)
    score = by_column(result)["score"]
    v = values(score)
    assert score["severity"] in ("medium", "high")
    assert score["evidence"]["parameters"]["drifting"] is True
    assert 0.18 < v["psi"] < 0.32 and 0.15 < v["ks_statistic"] < 0.25
    assert v["ks_pvalue"] < 1e-20
    assert result.findings[1] is score  # the largest PSI comes first
    s = values(summary(result))
    assert s["drifting_columns"] == ["score"]
    assert all(by_column(result)[c]["severity"] == "info" for c in ("units", "region", "flag"))


def test_large_planted_shift_is_high(tmp_path) -> None:
    frame_a, frame_b = mixed_frames(seed=8, n_a=3000, n_b=2000, shift=1.0)
    result = run_drift(tmp_path, frame_a, frame_b)
    score = by_column(result)["score"]
    assert score["severity"] == "high" and values(score)["psi"] > 0.5
    assert summary(result)["severity"] == "high"


def test_new_category_is_high(tmp_path) -> None:
    frame_a, frame_b = mixed_frames(seed=9)
    frame_b.loc[frame_b.index % 3 == 0, "region"] = "central"
    finding = by_column(run_drift(tmp_path, frame_a, frame_b))["region"]
    assert finding["severity"] == "high"
    top = values(finding)["top_changes"][0]
    assert top["value"] == "central" and top["a_count"] == 0


# -- determinism ------------------------------------------------------------------------------
def test_chunk_size_does_not_change_findings(tmp_path) -> None:
    frame_a, frame_b = mixed_frames(seed=10, n_a=900, n_b=700, shift=0.3)
    small = run_drift(tmp_path, frame_a, frame_b, chunk_rows=7)
    large = run_drift(tmp_path, frame_a, frame_b, chunk_rows=65536)
    assert canonical_findings(small.findings) == canonical_findings(large.findings)


@pytest.mark.parametrize("collect_limit", [3, 40])
def test_refinement_paths_chunk_invariant_and_exact(tmp_path, monkeypatch, collect_limit) -> None:
    """Tiny collect limit: the search histograms sub-buckets over several passes (down to
    single 64-bit keys) or collects them at every depth; ties and -0.0/0.0 included."""
    monkeypatch.setattr(ks_mod, "COLLECT_LIMIT", collect_limit)
    monkeypatch.setattr(drift_mod, "MAX_PASSES", 60)
    rng = np.random.default_rng(11)
    a = np.concatenate(
        [rng.normal(size=400), np.round(rng.normal(size=200), 1), 1 + rng.random(300) * 0.06]
    )
    b = np.concatenate(
        [rng.normal(0.05, size=300), np.round(rng.normal(size=150), 1), 1 + rng.random(200) * 0.06]
    )
    # values sharing their top 32 key bits: refined at depth 32, then 48
    a = np.concatenate([a, 1 + rng.integers(0, 60, 150) * 2.0**-30, [0.0, -0.0]])
    b = np.concatenate([b, 1 + rng.integers(0, 60, 100) * 2.0**-30, [-0.0]])
    frame_a, frame_b = pd.DataFrame({"x": a}), pd.DataFrame({"x": b})
    results = []
    for chunk_rows in (7, 65536):
        result = run_drift(tmp_path, frame_a, frame_b, chunk_rows=chunk_rows)
        v = values(by_column(result)["x"])
        assert v["ks_statistic"] == ecdf_d(a, b)
        assert rel(v["ks_pvalue"], stats.ks_2samp(a, b, method="asymp").pvalue) < 1e-9
        assert result.passes > 3
        results.append(canonical_findings(result.findings))
    assert results[0] == results[1]


def test_unfinished_search_reports_a_proven_interval(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(ks_mod, "COLLECT_LIMIT", 3)
    monkeypatch.setattr(ks_mod, "PASS_BUDGET", 8)
    monkeypatch.setattr(drift_mod, "MAX_PASSES", 3)
    rng = np.random.default_rng(12)
    a, b = rng.normal(size=800), rng.normal(size=600)
    result = run_drift(tmp_path, pd.DataFrame({"x": a}), pd.DataFrame({"x": b}))
    finding = by_column(result)["x"]
    assert finding["evidence"]["exact"] is False
    assert values(finding)["ks_statistic"] is None
    low, high = finding["measurement"]["intervals"]["ks_statistic"]
    assert low <= ecdf_d(a, b) <= high
    p_low, p_high = finding["measurement"]["intervals"]["ks_pvalue"]
    assert p_low <= stats.ks_2samp(a, b, method="asymp").pvalue <= p_high
    assert summary(result)["evidence"]["exact"] is False


def test_decile_selection_through_64_bit_ties(tmp_path, monkeypatch) -> None:
    """Radix selection narrowed to one 64-bit key takes the key's value (no collection)."""
    monkeypatch.setattr(exact_mod, "COLLECT_CAP", 4)
    rng = np.random.default_rng(13)
    a = rng.choice([1.5, 2.25, 3.0, 7.0], 3000) + np.where(rng.random(3000) < 0.02, 0.001, 0)
    b = rng.choice([1.5, 2.25, 3.0], 500)
    result = run_drift(tmp_path, pd.DataFrame({"x": a}), pd.DataFrame({"x": b}))
    v = values(by_column(result)["x"])
    assert v["decile_edges"] == np.quantile(a, DECILES).tolist()
    assert v["ks_statistic"] == ecdf_d(a, b)


def test_merge_leaves_its_second_argument_alone(tmp_path) -> None:
    class Checked(Drift):
        def merge(self, a, b, ctx):
            before = pickle.dumps(b)
            out = super().merge(a, b, ctx)
            assert pickle.dumps(b) == before
            return out

    frame_a, frame_b = mixed_frames(seed=14, n_a=300, n_b=200, shift=0.4)
    checked = run_drift(tmp_path, frame_a, frame_b, chunk_rows=13, analysis=Checked())
    plain = run_drift(tmp_path, frame_a, frame_b, chunk_rows=13)
    assert canonical_findings(checked.findings) == canonical_findings(plain.findings)


# -- caps, formats, empty columns --------------------------------------------------------------
def _capped_table(a: pd.Series, b: pd.Series, keep: list) -> np.ndarray:
    ca, cb = a.value_counts(), b.value_counts()
    row_a = [int(ca.get(v, 0)) for v in keep] + [int(len(a) - ca.reindex(keep).fillna(0).sum())]
    row_b = [int(cb.get(v, 0)) for v in keep] + [int(len(b) - cb.reindex(keep).fillna(0).sum())]
    return np.array([row_a, row_b])


def test_levels_past_max_groups_pool_into_other(tmp_path) -> None:
    rng = np.random.default_rng(15)
    names = [f"L{i:02d}" for i in range(30)]
    weights = np.arange(30, 0, -1) / np.arange(30, 0, -1).sum()
    a = pd.Series(rng.choice(names, 2000, p=weights))
    b = pd.Series(rng.choice(names, 1500, p=weights[::-1]))
    result = run_drift(
        tmp_path, pd.DataFrame({"c": a}), pd.DataFrame({"c": b}), overrides={"max_groups": 6}
    )
    total = (a.value_counts().add(b.value_counts(), fill_value=0)).reset_index()
    total.columns = ["value", "n"]
    keep = total.sort_values(["n", "value"], ascending=[False, True])["value"].head(5).tolist()
    observed = _capped_table(a, b, keep)
    chi2, p, dof, _ = stats.chi2_contingency(observed, correction=False)
    finding = by_column(result)["c"]
    v = values(finding)
    assert v["levels"] == 6 and v["dof"] == dof == 5
    assert [v["other_count_a"], v["other_count_b"]] == observed[:, -1].tolist()
    assert rel(v["chi2"], chi2) < 1e-9 and rel(v["chi2_pvalue"], p) < 1e-9
    assert finding["evidence"]["parameters"]["levels_pooled_in_other"] == 25
    assert finding["severity"] == "high"


def test_levels_past_distinct_cap_come_from_exact_candidate_counts(tmp_path) -> None:
    rng = np.random.default_rng(16)
    heavy = [f"H{i}" for i in range(4)]
    a = pd.Series(np.concatenate([rng.choice(heavy, 1500), [f"a{i}" for i in range(500)]])).sample(
        frac=1.0, random_state=1
    )
    b = pd.Series(np.concatenate([rng.choice(heavy, 900), [f"b{i}" for i in range(300)]]))
    results = []
    for chunk_rows in (7, 65536):
        result = run_drift(
            tmp_path,
            pd.DataFrame({"c": a.to_numpy()}),
            pd.DataFrame({"c": b.to_numpy()}),
            chunk_rows=chunk_rows,
            overrides={"distinct_cap": 50, "max_groups": 10},
        )
        results.append(canonical_findings(result.findings))
    finding = by_column(result)["c"]
    threshold = finding["evidence"]["parameters"]["levels_count_threshold"]
    assert threshold == (len(a) + len(b)) // 51
    total = a.value_counts().add(b.value_counts(), fill_value=0)
    keep = sorted(total[total > threshold].index, key=lambda v: (-total[v], v))[:9]
    assert sorted(keep) == heavy
    observed = _capped_table(a, b, keep)
    chi2, p, _, _ = stats.chi2_contingency(observed, correction=False)
    v = values(finding)
    assert rel(v["chi2"], chi2) < 1e-9 and rel(v["chi2_pvalue"], p) < 1e-9
    assert results[0] == results[1]


def test_all_null_columns(tmp_path) -> None:
    rng = np.random.default_rng(17)
    frame_a = pd.DataFrame({"x": rng.normal(size=200), "y": np.full(200, np.nan)})
    frame_b = pd.DataFrame({"x": np.full(150, np.nan), "y": np.full(150, np.nan)})
    result = run_drift(tmp_path, frame_a, frame_b, formats=("parquet", "parquet"))
    x, y = by_column(result)["x"], by_column(result)["y"]
    for finding in (x, y):
        v = values(finding)
        assert v["count_b"] == 0 and v["null_count_b"] == 150
        assert v["psi"] is None and v["ks_statistic"] is None and v["ks_pvalue"] is None
        assert v["decile_edges"] is None
    assert values(y)["count_a"] == 0 and values(x)["count_a"] == 200
    assert y["severity"] == "info"
    assert x["severity"] == "high"  # values on one side only
    assert x["evidence"]["parameters"]["reason"] == "no valid value on side b"
    assert result.findings[1:] == [x, y]  # columns without a PSI: by name


def test_plan_and_summary_describe_schema_differences(tmp_path) -> None:
    rng = np.random.default_rng(18)
    frame_a = pd.DataFrame(
        {"x": rng.normal(size=100), "only_a": rng.normal(size=100), "k": rng.normal(size=100)}
    )
    frame_b = pd.DataFrame(
        {"x": rng.normal(size=80), "k": rng.choice(["p", "q"], 80), "only_b": rng.random(80)}
    )
    result = run_drift(tmp_path, frame_a, frame_b)
    s = values(summary(result))
    assert s["columns_compared"] == 1 and list(by_column(result)) == ["x"]
    assert s["columns_only_in_a"] == ["only_a"] and s["columns_only_in_b"] == ["only_b"]
    assert s["kind_mismatches"] == [{"column": "k", "kind_a": "numeric", "kind_b": "categorical"}]
    assert (s["rows_a"], s["rows_b"]) == (100, 80)


def test_max_columns_cap_is_stated(tmp_path) -> None:
    frame_a, frame_b = mixed_frames(seed=19, n_a=200, n_b=150)
    result = run_drift(tmp_path, frame_a, frame_b, overrides={"max_columns": 2})
    assert sorted(by_column(result)) == ["score", "units"]
    left = summary(result)["evidence"]["left_out"]
    assert left == {"columns": ["region", "flag"], "cap": "max_columns"}


def test_pytest_item_for_compare(pytester: pytest.Pytester) -> None:
    frame_a, frame_b = mixed_frames(seed=20, n_a=400, n_b=300, shift=1.0)
    frame_a.to_parquet(pytester.path / "old.parquet", index=False)
    frame_b.to_csv(pytester.path / "new.csv", index=False)
    args = [
        "--stat-dataset",
        "old=old.parquet",
        "--stat-dataset",
        "new=new.csv",
        "--stat-compare",
        "old:new",
        "-k",
        "drift",
        "-p",
        "no:cacheprovider",
    ]
    result = pytester.runpytest(*args, "--snapshot-update", "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*statharness::drift[[]old:new[]] PASSED*"])
    document = json.loads((pytester.path / "snapshots" / "old-vs-new" / "drift.json").read_text())
    stored = document["findings"]
    assert stored[0]["kind"] == "drift_summary"
    assert stored[0]["measurement"]["values"]["drifting_columns"] == ["score"]


def test_identifier_keys_are_compared_by_overlap_not_drift(tmp_path) -> None:
    """A case id is a key: new and vanished keys are counted, no chi-square drift."""
    rng = np.random.default_rng(5)
    a = pd.DataFrame(
        {"case_id": [f"C{i // 2:05d}" for i in range(4000)], "x": rng.normal(size=4000)}
    )
    b = pd.DataFrame(
        {"case_id": [f"C{1000 + i // 2:05d}" for i in range(4000)], "x": rng.normal(size=4000)}
    )
    result = run_drift(tmp_path, a, b)
    keys = [f for f in result.findings if f["kind"] == "key_overlap"]
    assert len(keys) == 1 and keys[0]["severity"] == "info"
    v = values(keys[0])
    assert (v["distinct_keys_a"], v["distinct_keys_b"]) == (2000, 2000)
    assert (v["shared_keys"], v["new_keys"], v["vanished_keys"]) == (1000, 1000, 1000)
    assert v["new_key_share"] == 0.5
    assert "case_id" not in values(summary(result))["drifting_columns"]
