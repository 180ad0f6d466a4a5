"""recommendations against pandas/scipy on the same frame: planted effects found, clean data
quiet, the modeled improvement (mean-based) and the significance screen (Welch t-test on
log1p of the values) recomputed independently; one extreme value neither hides a planted
effect nor makes one."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import close, vals
from scipy import stats
from statharness_analyses.recommendations.recommendations import (
    ALPHA,
    MIN_IMPROVEMENT_PCT,
    Recommendations,
)
from test_eventlog import make_log

from pytest_statharness.evidence import canonical_findings
from pytest_statharness.testing import run_on_frame

ANALYSIS = Recommendations()


def log1p_welch(x: np.ndarray, rest: np.ndarray):
    """The significance screen, independently: one-sided Welch on log1p of the values."""
    return stats.ttest_ind(np.log1p(x), np.log1p(rest), equal_var=False, alternative="greater")


def intervals(frame: pd.DataFrame) -> pd.DataFrame:
    same = frame["cid"].eq(frame["cid"].shift()).to_numpy()
    out = pd.DataFrame({"act": frame["act"], "w": frame["ts"].diff().dt.total_seconds()})
    return out[same]


# Numeric-by-group recommendations are made only for declared KPIs (lower is better).
KPIS = {"cost": "lower"}


def group_frame(seed: int = 1, rows: int = 600, planted: dict | None = None) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    dept = rng.choice(list("ABCDE"), rows)
    cost = rng.gamma(2.0, 50.0, rows)
    for level, factor in (planted or {}).items():
        cost[dept == level] *= factor
    return pd.DataFrame({"cost": cost, "dept": dept, "noise": rng.normal(size=rows)})


@pytest.fixture(scope="module")
def slow_log() -> pd.DataFrame:
    return make_log(slow="approve")


@pytest.fixture(scope="module")
def slow_findings(slow_log):
    return run_on_frame(ANALYSIS, slow_log).findings


# -- event log ------------------------------------------------------------------------------
def test_planted_slow_activity_is_recommended_first(slow_findings) -> None:
    first = slow_findings[0]
    assert first["kind"] == "reduce_activity_time"
    assert first["subject"]["activity"] == "approve"
    assert first["analysis_id"] == "recommendations"
    rec = first["recommendation"]
    assert rec["modeled_improvement_pct"] > MIN_IMPROVEMENT_PCT
    assert len(rec["assumptions"]) >= 3
    assert any("ndependence" in a for a in rec["assumptions"])
    assert first["severity"] in {"medium", "high"}


def test_activity_model_and_test_match_pandas_and_scipy(slow_log, slow_findings) -> None:
    w = intervals(slow_log)
    means = w.groupby("act")["w"].mean()
    g = slow_log.groupby("cid")["ts"]
    total = (g.max() - g.min()).dt.total_seconds().sum()
    tested = int((w.groupby("act").size() >= 2).sum())
    for f in slow_findings:
        a = f["subject"]["activity"]
        x = w.loc[w["act"] == a, "w"].to_numpy()
        rest = w.loc[w["act"] != a, "w"].to_numpy()
        target = float(np.median(means.drop(a).to_numpy()))
        v = vals(f)
        assert v["events"] == x.size
        assert close(v["mean_time_s"], x.mean())
        assert close(v["target_time_s"], target)
        assert close(v["total_case_time_s"], total)
        expected_pct = 100.0 * x.size * (x.mean() - target) / total
        assert close(f["recommendation"]["modeled_improvement_pct"], expected_pct, rel=1e-9)
        ref = log1p_welch(x, rest)
        assert close(v["t_statistic"], ref.statistic, rel=1e-9)
        assert close(v["welch_df"], ref.df, rel=1e-9)
        assert close(v["p_value"], ref.pvalue, rel=1e-9)
        assert close(v["p_bonferroni"], min(1.0, ref.pvalue * tested), rel=1e-9)
        assert close(v["log1p_mean"], np.log1p(x).mean())
        assert close(v["log1p_mean_others"], np.log1p(rest).mean())
        assert v["p_bonferroni"] < ALPHA


def test_clean_log_gives_no_recommendation() -> None:
    for seed in (0, 1, 2):
        result = run_on_frame(ANALYSIS, make_log(seed=seed, slow=None))
        assert result is not None and result.findings == []


def test_findings_ordered_by_modeled_improvement() -> None:
    frame = make_log(seed=3, slow={"approve": 6.0, "pay": 3.0})
    findings = run_on_frame(ANALYSIS, frame, kpis=KPIS).findings
    assert [f["subject"]["activity"] for f in findings][:2] == ["approve", "pay"]
    pcts = [f["recommendation"]["modeled_improvement_pct"] for f in findings]
    assert pcts == sorted(pcts, reverse=True)


# -- numeric by group ---------------------------------------------------------------------------
def test_planted_group_is_recommended_with_pandas_and_scipy_values() -> None:
    frame = group_frame(planted={"D": 3.0})
    findings = run_on_frame(ANALYSIS, frame, kpis=KPIS).findings
    assert [f["subject"]["group"] for f in findings] == ["D"]
    f = findings[0]
    assert f["kind"] == "reduce_group_measure"
    assert f["subject"] == {"measure": "cost", "group_column": "dept", "group": "D"}
    v = vals(f)
    means = frame.groupby("dept")["cost"].mean()
    x = frame.loc[frame["dept"] == "D", "cost"].to_numpy()
    rest = frame.loc[frame["dept"] != "D", "cost"].to_numpy()
    target = float(np.median(means.to_numpy()))
    assert v["rows"] == x.size
    assert close(v["group_mean"], x.mean())
    assert close(v["target_mean"], target)
    assert close(v["group_total"], x.sum())
    assert close(v["measure_total"], frame["cost"].sum())
    pct = 100.0 * x.size * (x.mean() - target) / frame["cost"].sum()
    assert close(f["recommendation"]["modeled_improvement_pct"], pct, rel=1e-9)
    ref = log1p_welch(x, rest)
    assert close(v["t_statistic"], ref.statistic, rel=1e-9)
    assert close(v["welch_df"], ref.df, rel=1e-9)
    assert close(v["p_value"], ref.pvalue, rel=1e-9)
    assert close(v["log1p_mean"], np.log1p(x).mean())
    # five dept levels of cost; "noise" takes negative values, so it is no measure
    assert f["evidence"]["parameters"]["subjects_tested"] == 5
    assert f["recommendation"]["assumptions"]


def test_clean_groups_give_no_recommendation() -> None:
    for seed in (1, 2, 3, 4):
        assert run_on_frame(ANALYSIS, group_frame(seed=seed), kpis=KPIS).findings == []


def test_measure_with_negative_values_is_not_used() -> None:
    frame = group_frame(planted={"D": 3.0})
    frame.loc[0, "cost"] = -1.0
    assert run_on_frame(ANALYSIS, frame, kpis=KPIS).findings == []


def test_two_planted_groups_ordered_by_improvement() -> None:
    frame = group_frame(seed=2, rows=1000, planted={"B": 4.0, "E": 2.5})
    findings = run_on_frame(ANALYSIS, frame, kpis=KPIS).findings
    assert [f["subject"]["group"] for f in findings] == ["B", "E"]


def test_not_applicable_without_timestamp_or_numeric() -> None:
    frame = pd.DataFrame({"a": ["x", "y"] * 50, "b": ["p", "q", "r", "s"] * 25})
    assert run_on_frame(ANALYSIS, frame, kpis=KPIS) is None


# -- chunking ------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["log", "groups"])
def test_chunk_size_does_not_change_findings(which, slow_log, slow_findings) -> None:
    if which == "log":
        frame, whole = slow_log, slow_findings
    else:
        frame = group_frame(planted={"D": 3.0})
        whole = run_on_frame(ANALYSIS, frame, kpis=KPIS).findings
    split = run_on_frame(ANALYSIS, frame, chunk_rows=7, kpis=KPIS).findings
    assert whole and canonical_findings(split) == canonical_findings(whole)


# -- robustness to one extreme value --------------------------------------------------------
def test_one_extreme_value_does_not_hide_a_planted_group() -> None:
    # the bench's failure: a recording error 1000x the median on a row of the slow group
    frame = group_frame(seed=5, planted={"D": 2.0})
    d_rows = np.flatnonzero((frame["dept"] == "D").to_numpy())
    frame.loc[d_rows[0], "cost"] = 1000.0 * frame["cost"].median()
    x = frame.loc[frame["dept"] == "D", "cost"].to_numpy()
    rest = frame.loc[frame["dept"] != "D", "cost"].to_numpy()
    raw = stats.ttest_ind(x, rest, equal_var=False, alternative="greater")
    assert raw.pvalue * 5 > ALPHA  # a Welch test on the raw values misses it
    findings = run_on_frame(ANALYSIS, frame, kpis=KPIS).findings
    assert [f["subject"]["group"] for f in findings] == ["D"]
    assert close(vals(findings[0])["p_value"], log1p_welch(x, rest).pvalue, rel=1e-9)


def test_one_extreme_value_does_not_make_a_recommendation() -> None:
    for seed in (1, 2, 3, 4):
        frame = group_frame(seed=seed)
        frame.loc[seed * 7, "cost"] = 1000.0 * frame["cost"].median()
        assert run_on_frame(ANALYSIS, frame, kpis=KPIS).findings == [], seed


def test_outlier_interval_does_not_hide_the_slow_activity(slow_log) -> None:
    frame = slow_log.copy()
    # one event 1000x the median interval late: every later event of its case moves too
    i = int(np.flatnonzero(frame["act"].eq("approve").to_numpy())[3])
    case = frame["cid"] == frame.loc[i, "cid"]
    later = case & (frame.index >= i)
    frame.loc[later, "ts"] += pd.Timedelta(seconds=1000 * 600)
    findings = run_on_frame(
        ANALYSIS, frame, kpis=KPIS
    ).findings  # a raw-value Welch test finds nothing
    assert findings[0]["subject"]["activity"] == "approve"


# -- logs within the tolerance --------------------------------------------------------------
def test_tolerated_log_still_recommends_and_says_so(slow_log) -> None:
    frame = slow_log.copy()
    frame.iloc[600:615] = slow_log.iloc[585:600].to_numpy()  # a duplicated block
    findings = run_on_frame(ANALYSIS, frame, kpis=KPIS).findings
    assert findings[0]["subject"]["activity"] == "approve"
    tolerated = findings[0]["evidence"]["parameters"]["event_log"]["tolerated"]
    assert tolerated["grouping"] is True and tolerated["reappearing_rows"] > 0
    split = run_on_frame(ANALYSIS, frame, chunk_rows=7, kpis=KPIS).findings
    assert canonical_findings(split) == canonical_findings(findings)


# -- the shared detection pass ----------------------------------------------------------------
def test_detection_pass_is_shared_with_the_eventlog_family(slow_log, tmp_path) -> None:
    from statharness_analyses.eventlog.waiting_time import WaitingTime

    from pytest_statharness.dataset import open_dataset
    from pytest_statharness.engine import plan_for, run_analysis
    from pytest_statharness.policy.budget import decide_budget

    path = tmp_path / "log.parquet"
    frame = slow_log.assign(cost=np.arange(len(slow_log), dtype=float) % 7)
    frame.to_parquet(path, index=False)
    dataset = open_dataset("log", str(path), chunk_rows=100)

    def go(analysis, memo):
        budget = decide_budget(
            row_count=dataset.row_count,
            column_count=len(dataset.columns),
            analysis_id=analysis.id,
        ).budget
        return run_analysis(
            analysis, dataset, budget, plan_for(analysis, dataset, budget), memo=memo
        )

    memo: dict = {}
    go(WaitingTime(), memo)
    assert len(memo) == 1
    shared = go(ANALYSIS, memo)
    assert len(memo) == 1  # the same key: pass 0 was not computed again
    alone = go(ANALYSIS, None)
    assert shared.chunks < alone.chunks
    assert canonical_findings(shared.findings) == canonical_findings(alone.findings)
    assert shared.findings and shared.findings[0]["subject"]["activity"] == "approve"


def test_undeclared_measure_gets_no_group_recommendation() -> None:
    """A group's mean of a column nobody declared a KPI is a description, not a target."""
    frame = group_frame(planted={"D": 3.0})
    assert run_on_frame(ANALYSIS, frame, kpis=KPIS).findings  # the planted group, declared
    assert run_on_frame(ANALYSIS, frame) is None  # the same data, nothing declared: no item


def test_a_table_that_is_probably_no_log_gets_no_process_recommendation() -> None:
    """epa2021's car models: a release date, a body class with ~50 models each (case), a
    transmission (activity), dates out of order within classes: detected at confidence
    0.6, 'probably not an event log'. Its measures by group are no process measures: no
    'bring mean model_type_index to the median'. The same table sorted by class and date
    (4 of 5 checks) is acted on."""
    rng = np.random.default_rng(9)
    n = 600
    frame = pd.DataFrame(
        {
            "release_date": pd.Timestamp("2021-01-01")
            + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "cls": np.sort(rng.choice([f"class{i:02d}" for i in range(25)], n)),
            "transmission": rng.choice(["A", "M", "CVT", "AM"], n),
            "model_type_index": rng.integers(1, 999, n).astype(float),
        }
    )
    frame.loc[frame.transmission == "A", "model_type_index"] *= 3
    assert run_on_frame(ANALYSIS, frame) is None or not [
        f for f in run_on_frame(ANALYSIS, frame).findings if f["kind"] == "reduce_group_measure"
    ]
    ordered = frame.sort_values(["cls", "release_date"], kind="stable").reset_index(drop=True)
    found = run_on_frame(ANALYSIS, ordered).findings
    assert [f for f in found if f["kind"] == "reduce_group_measure"]
