"""eventlog analyses against pandas groupby on the same frame, across chunk sizes.

The synthetic log: 200 cases of 3..8 events, grouped by case and in time order, with a
fixed start activity, random later activities (so rework happens), a resource and a
duration column. ``approve`` is planted slow (its waiting time x 5).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import close, of_kind, vals
from statharness_analyses.eventlog import (
    ANALYSES,
    CaseThroughput,
    EventlogOverview,
    ResourceLoad,
    Rework,
    WaitingTime,
)

from pytest_statharness.evidence import canonical_findings
from pytest_statharness.testing import run_on_frame

ACTIVITIES = ["register", "check", "approve", "pay", "archive", "review", "notify"]
RESOURCES = [f"r{i}" for i in range(8)]


def make_log(
    seed: int = 0,
    n_cases: int = 200,
    slow: str | dict[str, float] | None = "approve",
    factor: float = 5.0,
    activities: list[str] = ACTIVITIES,
    int_case: bool = False,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    lengths = rng.integers(3, 9, n_cases)
    n = int(lengths.sum())
    case_idx = np.repeat(np.arange(n_cases), lengths)
    first = np.r_[True, case_idx[1:] != case_idx[:-1]]
    act = np.array(activities[1:], dtype=object)[rng.integers(0, len(activities) - 1, n)]
    act[first] = activities[0]
    wait = rng.exponential(600.0, n)
    planted = {slow: factor} if isinstance(slow, str) else dict(slow or {})
    for name, times in planted.items():
        wait[act == name] *= times
    wait[first] = 0.0
    cum = np.cumsum(wait)
    within = cum - np.repeat(cum[np.flatnonzero(first)], lengths)
    start = np.cumsum(rng.exponential(1800.0, n_cases))
    ms = np.round((start[case_idx] + within) * 1000).astype(np.int64)
    return pd.DataFrame(
        {
            "cid": case_idx if int_case else [f"case{c:04d}" for c in case_idx],
            "act": act.astype(str),
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(ms, unit="ms"),
            "res": rng.choice(RESOURCES, n),
            "dur": pd.to_timedelta(rng.integers(10, 300, n), unit="s"),
        }
    )


def run(analysis, frame, **kw):
    result = run_on_frame(analysis, frame, **kw)
    assert result is not None
    return result.findings


def waits(frame: pd.DataFrame) -> pd.DataFrame:
    same = frame["cid"].eq(frame["cid"].shift())
    out = pd.DataFrame(
        {"act": frame["act"], "w": frame["ts"].diff().dt.total_seconds(), "cid": frame["cid"]}
    )
    return out[same.to_numpy()]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return make_log()


@pytest.fixture(scope="module")
def results(log):
    return {cls.id: run(cls(), log) for cls in ANALYSES}


# -- detection ---------------------------------------------------------------------------
def test_roles_are_detected_from_data_not_names(log) -> None:
    renamed = log.rename(columns={"cid": "z1", "act": "z2", "ts": "z3", "res": "z4", "dur": "z5"})
    finding = run(EventlogOverview(), renamed)[0]
    spec = finding["evidence"]["parameters"]["event_log"]
    assert (spec["case"], spec["activity"], spec["timestamp"]) == ("z1", "z2", "z3")
    assert (spec["resource"], spec["duration"]) == ("z4", "z5")
    assert spec["grouped"] and spec["time_ordered"] and spec["grouping_verified"]
    assert set(spec["selection"].values()) == {"detected"}


def test_case_attribute_is_not_taken_for_activity_or_resource(log) -> None:
    frame = log.copy()
    segment = {c: ["gold", "silver", "bronze"][i % 3] for i, c in enumerate(frame["cid"].unique())}
    frame.insert(1, "segment", frame["cid"].map(segment))
    spec = run(EventlogOverview(), frame)[0]["evidence"]["parameters"]["event_log"]
    assert (spec["case"], spec["activity"], spec["resource"]) == ("cid", "act", "res")


def test_integer_case_ids(log) -> None:
    frame = make_log(int_case=True)
    finding = run(EventlogOverview(), frame)[0]
    assert finding["evidence"]["parameters"]["event_log"]["case"] == "cid"
    assert vals(finding)["cases"] == frame["cid"].nunique()


def test_overrides_from_environment(log, monkeypatch) -> None:
    monkeypatch.setenv("STAT_HARNESS_EVENTLOG_ACTIVITY", "res")
    monkeypatch.setenv("STAT_HARNESS_EVENTLOG_RESOURCE", "act")
    finding = run(EventlogOverview(), log)[0]
    spec = finding["evidence"]["parameters"]["event_log"]
    assert (spec["activity"], spec["resource"]) == ("res", "act")
    assert spec["selection"]["activity"] == "override"
    assert vals(finding)["activity_events"] == log["res"].value_counts().to_dict()
    monkeypatch.setenv("STAT_HARNESS_EVENTLOG_CASE", "no_such_column")
    assert run_on_frame(EventlogOverview(), log) is None


def test_not_an_event_log_is_not_collected() -> None:
    rng = np.random.default_rng(1)
    numeric = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300)})
    assert run_on_frame(EventlogOverview(), numeric) is None
    no_case = pd.DataFrame(
        {
            "act": rng.choice(["a", "b", "c"], 300),
            "ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(300), unit="s"),
        }
    )
    assert run_on_frame(EventlogOverview(), no_case) is None


# -- statistics against pandas ---------------------------------------------------------
def test_overview_matches_pandas(log, results) -> None:
    (summary,) = results["eventlog_overview"]
    v = vals(summary)
    sizes = log.groupby("cid").size().to_numpy()
    assert v["cases"] == log["cid"].nunique() == 200
    assert v["events"] == len(log)
    assert v["skipped_rows"] == 0
    assert v["activity_events"] == log["act"].value_counts().to_dict()
    assert v["activities"] == log["act"].nunique()
    assert v["events_per_case_min"] == sizes.min()
    assert v["events_per_case_max"] == sizes.max()
    assert v["events_per_case_median"] == np.quantile(sizes, 0.5)
    assert close(v["events_per_case_mean"], sizes.mean())
    variants = log.groupby("cid", sort=False)["act"].agg(" > ".join).value_counts()
    expected = sorted(variants.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(t["variant"], t["cases"]) for t in v["top_variants"]] == expected
    assert v["grouped_by_case"] is True and v["reappearing_cases"] == 0
    assert summary["evidence"]["parameters"]["variants_all_counted"] is True


def test_variants_exact_through_misra_gries_recount() -> None:
    # 4 activities (fits max_groups=4): a few frequent variants among many rare ones.
    rng = np.random.default_rng(5)
    common = [["s", "a", "b"], ["s", "b", "a"], ["s", "a", "c", "b"]]
    rows = []
    t = pd.Timestamp("2024-01-01")
    for c in range(240):
        seq = common[c % 3] if rng.random() < 0.7 else ["s"] + list(rng.choice(list("abc"), 5))
        for a in seq:
            t += pd.Timedelta(seconds=int(rng.integers(1, 100)))
            rows.append((f"k{c:03d}", a, t))
    frame = pd.DataFrame(rows, columns=["cid", "act", "ts"])
    findings = run(EventlogOverview(), frame, overrides={"max_groups": 4})
    v = vals(findings[0])
    params = findings[0]["evidence"]["parameters"]
    assert params["variants_all_counted"] is False
    truth = frame.groupby("cid", sort=False)["act"].agg(" > ".join).value_counts()
    for item in v["top_variants"]:
        assert item["cases"] == truth[item["variant"]]
    expected_top3 = sorted(truth.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    assert [(t["variant"], t["cases"]) for t in v["top_variants"][:3]] == expected_top3
    split = run_on_frame(EventlogOverview(), frame, chunk_rows=7, overrides={"max_groups": 4})
    assert canonical_findings(split.findings) == canonical_findings(findings)


def test_case_throughput_matches_pandas(log, results) -> None:
    (finding,) = results["case_throughput"]
    v = vals(finding)
    g = log.groupby("cid")["ts"]
    tp = (g.max() - g.min()).dt.total_seconds().to_numpy()
    assert v["cases"] == tp.size
    for name, q in (("p50_s", 0.5), ("p90_s", 0.9), ("p99_s", 0.99)):
        assert v[name] == np.quantile(tp, q), name
    assert v["min_s"] == tp.min() and v["max_s"] == tp.max()
    assert close(v["mean_s"], tp.mean())
    assert close(v["total_s"], tp.sum())


def test_rework_matches_pandas(log, results) -> None:
    findings = results["rework"]
    per = log.groupby(["cid", "act"]).size()
    rep = per[per > 1]
    summary = vals(findings[0])
    assert summary["cases"] == 200
    assert summary["cases_with_rework"] == rep.index.get_level_values(0).nunique()
    assert summary["repeat_events"] == int((rep - 1).sum())
    assert close(summary["share_of_cases"], summary["cases_with_rework"] / 200)
    cases = rep.groupby(level=1).size()
    extra = (rep - 1).groupby(level=1).sum()
    expected = sorted(cases.items(), key=lambda kv: (-kv[1], kv[0]))
    got = [(f["subject"]["value"], vals(f)["cases_with_repeat"]) for f in findings[1:]]
    assert got == expected
    for f in findings[1:]:
        assert vals(f)["repeat_events"] == extra[f["subject"]["value"]]


def test_waiting_time_matches_pandas_and_names_the_planted_activity(log, results) -> None:
    findings = results["waiting_time"]
    w = waits(log)
    grouped = w.groupby("act")["w"]
    totals = grouped.sum()
    expected_order = sorted(totals.index, key=lambda a: (-totals[a], a))
    assert [f["subject"]["activity"] for f in findings] == expected_order
    assert findings[0]["subject"]["activity"] == "approve"
    grand = w["w"].sum()
    for f in findings:
        x = w.loc[w["act"] == f["subject"]["activity"], "w"].to_numpy()
        v = vals(f)
        assert v["count"] == x.size
        assert close(v["mean_s"], x.mean())
        assert v["median_s"] == np.quantile(x, 0.5)
        assert v["p90_s"] == np.quantile(x, 0.9)
        assert close(v["total_s"], x.sum())
        assert close(v["share_of_waiting"], x.sum() / grand, rel=1e-9)


def test_resource_load_matches_pandas(log, results) -> None:
    findings = results["resource_load"]
    counts = log["res"].value_counts()
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [(f["subject"]["resource"], vals(f)["events"]) for f in findings] == expected
    span = (log["ts"].max() - log["ts"].min()).total_seconds()
    busy = log.groupby("res")["dur"].sum().dt.total_seconds()
    cases = log.groupby("res")["cid"].nunique()
    for f in findings:
        r, v = f["subject"]["resource"], vals(f)
        assert v["cases"] == cases[r]
        assert close(v["busy_time_s"], busy[r])
        assert close(v["utilisation"], busy[r] / span)
        assert close(v["share_of_events"], counts[r] / len(log))


def test_queueing_matches_pandas(log, results) -> None:
    findings = results["queueing"]
    w = waits(log)
    span = (log["ts"].max() - log["ts"].min()).total_seconds()
    for f in findings:
        a, v = f["subject"]["activity"], vals(f)
        n = int((log["act"] == a).sum())
        x = w.loc[w["act"] == a, "w"]
        assert v["events"] == n
        assert close(v["arrival_rate_per_hour"], n / span * 3600)
        if x.size:
            assert close(v["mean_sojourn_s"], x.mean())
            assert close(v["time_average_in_activity"], x.sum() / span)
            assert close(v["littles_law_ratio"], x.size / n)
        assert v["servers"] == log.loc[log["act"] == a, "res"].nunique()
        service = log.loc[log["act"] == a, "dur"].dt.total_seconds().sum()
        assert close(v["offered_load"], service / span)
        assert close(v["utilisation"], service / span / v["servers"])
    loads = [vals(f)["time_average_in_activity"] or 0 for f in findings]
    assert loads == sorted(loads, reverse=True)
    assert findings[0]["subject"]["activity"] == "approve"


# -- chunking ------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", ANALYSES, ids=lambda c: c.id)
def test_chunk_size_does_not_change_findings(cls, log, results) -> None:
    # chunk_rows=7 splits almost every case over two or more chunks
    split = run_on_frame(cls(), log, chunk_rows=7)
    assert canonical_findings(split.findings) == canonical_findings(results[cls.id])


# -- structure problems --------------------------------------------------------------------
def test_ungrouped_log_is_reported_and_per_case_results_withheld(log) -> None:
    rng = np.random.default_rng(7)
    shuffled = log.iloc[rng.permutation(len(log))].reset_index(drop=True)
    runs_per_case = (
        shuffled["cid"].ne(shuffled["cid"].shift()).groupby(shuffled["cid"]).sum().astype(int)
    )
    findings = run(EventlogOverview(), shuffled)
    summary = vals(findings[0])
    assert summary["grouped_by_case"] is False
    assert summary["events"] == len(log)
    assert summary["activity_events"] == log["act"].value_counts().to_dict()
    assert summary["cases"] == 200  # distinct cases are still counted exactly
    assert summary["reappearing_runs"] == int((runs_per_case - 1).sum())
    assert summary["reappearing_cases"] == int((runs_per_case > 1).sum())
    assert summary["reappearing_rows"] == _reappearing(shuffled)["reappearing_rows"]
    assert summary["top_variants"] is None and summary["events_per_case_median"] is None
    problem = of_kind(findings, "log_not_grouped_by_case")
    assert (
        len(problem) == 1 and problem[0]["severity"] == "info"
    )  # inferred columns: probably no log
    for cls in (CaseThroughput, Rework, WaitingTime):
        assert [f["kind"] for f in run(cls(), shuffled)] == ["log_not_grouped_by_case"]
    for f in run(ResourceLoad(), shuffled):
        assert vals(f)["cases"] is None and vals(f)["events"] > 0


def test_clean_log_has_no_structure_finding(results) -> None:
    kinds = {f["kind"] for fs in results.values() for f in fs}
    assert not kinds & {"log_not_grouped_by_case", "log_not_in_time_order"}


def _swap_within_cases(frame: pd.DataFrame, picks: list[int]) -> tuple[pd.DataFrame, list[int]]:
    """Swap the timestamps of the picked within-case steps (row i-1 <-> row i)."""
    frame = frame.copy()
    steps = np.flatnonzero(frame["cid"].eq(frame["cid"].shift()).to_numpy())
    rows = sorted(int(steps[k]) for k in picks)
    for i in rows:
        frame.loc[[i - 1, i], "ts"] = frame.loc[[i, i - 1], "ts"].to_numpy()
    return frame, rows


def test_few_events_out_of_time_order_wait_zero_and_are_reported(log) -> None:
    frame, rows = _swap_within_cases(log, [10, 400])
    findings = run(WaitingTime(), frame)
    note = findings[0]
    assert note["kind"] == "log_structure_tolerated" and note["severity"] == "low"
    v = vals(note)
    steps = int(frame["cid"].eq(frame["cid"].shift()).sum())
    assert v["time_order_violations"] == 2 and v["time_order_steps"] == steps
    assert v["reappearing_runs"] == 0
    assert note["evidence"]["example_rows"] == rows
    params = note["evidence"]["parameters"]["event_log"]
    assert params["time_ordered"] is False and params["tolerated"]["time_order"] is True
    # waiting times as pandas computes them, a step back in time waiting 0
    w = waits(frame)
    w["w"] = w["w"].clip(lower=0.0)
    for f in findings[1:]:
        x = w.loc[w["act"] == f["subject"]["activity"], "w"].to_numpy()
        assert vals(f)["count"] == x.size
        assert close(vals(f)["mean_s"], x.mean())
        assert vals(f)["median_s"] == np.quantile(x, 0.5)
        assert vals(f)["p90_s"] == np.quantile(x, 0.9)
    split = run_on_frame(WaitingTime(), frame, chunk_rows=7)
    assert canonical_findings(split.findings) == canonical_findings(findings)


def test_events_out_of_time_order_beyond_tolerance_are_refused(log) -> None:
    steps = int(log["cid"].eq(log["cid"].shift()).sum())
    many = steps // 50 + 1  # more than 2 % of the within-case steps
    frame, rows = _swap_within_cases(log, list(range(0, 2 * many, 2)))
    findings = run(WaitingTime(), frame)
    assert [f["kind"] for f in findings] == ["log_not_in_time_order"]
    assert vals(findings[0])["time_order_violations"] == len(rows)
    (tp,) = run(CaseThroughput(), frame)  # min/max based: still valid
    g = frame.groupby("cid")["ts"]
    assert tp["measurement"]["values"]["max_s"] == (g.max() - g.min()).dt.total_seconds().max()


def _duplicate_block(frame: pd.DataFrame, start: int, length: int) -> pd.DataFrame:
    """Rows [start, start+length) overwritten by copies of [start-length, start), as the
    fixture generator plants a duplicate block."""
    out = frame.copy()
    out.iloc[start : start + length] = frame.iloc[start - length : start].to_numpy()
    return out


def _runs(frame: pd.DataFrame) -> pd.Series:
    """Run number of every row: runs of consecutive rows with the same case."""
    return frame["cid"].ne(frame["cid"].shift()).cumsum()


def _reappearing(frame: pd.DataFrame) -> dict:
    run = _runs(frame)
    first_rows = np.flatnonzero(run.ne(run.shift()).to_numpy())
    values = frame["cid"].to_numpy()[first_rows]
    again = pd.Series(values).duplicated().to_numpy()
    lengths = run.value_counts().sort_index().to_numpy()
    return {
        "runs": int(first_rows.size),
        "reappearing_runs": int(again.sum()),
        "reappearing_cases": int(pd.Series(values[again]).nunique()),
        "reappearing_rows": int(lengths[again].sum()),
        "examples": first_rows[again][:20].tolist(),
    }


@pytest.fixture(scope="module")
def dup_log() -> pd.DataFrame:
    return _duplicate_block(make_log(seed=4, n_cases=400), 1200, 25)


def test_duplicated_block_is_tolerated_and_counted(dup_log) -> None:
    truth = _reappearing(dup_log)
    assert 0 < truth["reappearing_runs"] <= truth["runs"] / 50  # within the tolerance
    findings = run(EventlogOverview(), dup_log)
    summary, note = findings
    assert note["kind"] == "log_structure_tolerated"
    v = vals(note)
    for key in ("runs", "reappearing_runs", "reappearing_cases", "reappearing_rows"):
        assert v[key] == truth[key], key
    assert v["distinct_cases"] == dup_log["cid"].nunique()
    assert note["evidence"]["example_rows"] == truth["examples"]
    assert all(1200 <= r < 1250 for r in truth["examples"])  # in (or just past) the block
    s = vals(summary)
    assert s["grouped_by_case"] is False
    assert s["reappearing_rows"] == truth["reappearing_rows"]
    # every run is a case fragment: per-case statistics as pandas computes them per run
    sizes = dup_log.groupby(_runs(dup_log)).size().to_numpy()
    assert s["cases"] == truth["runs"] == sizes.size
    assert s["events_per_case_median"] == np.quantile(sizes, 0.5)
    assert close(s["events_per_case_mean"], sizes.mean())
    variants = dup_log.groupby(_runs(dup_log))["act"].agg(" > ".join).value_counts()
    expected = sorted(variants.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [(t["variant"], t["cases"]) for t in s["top_variants"]] == expected
    params = summary["evidence"]["parameters"]["event_log"]
    assert params["tolerated"]["grouping"] is True and params["tolerated"]["case_fragments"]


def test_duplicated_block_fragments_match_pandas(dup_log) -> None:
    run_key = _runs(dup_log)
    g = dup_log.groupby(run_key)["ts"]
    tp = (g.max() - g.min()).dt.total_seconds().to_numpy()
    note, throughput = run(CaseThroughput(), dup_log)
    assert note["kind"] == "log_structure_tolerated"
    assert vals(throughput)["cases"] == tp.size
    assert vals(throughput)["p90_s"] == np.quantile(tp, 0.9)
    assert close(vals(throughput)["mean_s"], tp.mean())
    findings = run(WaitingTime(), dup_log)
    assert findings[0]["kind"] == "log_structure_tolerated"
    same = run_key.eq(run_key.shift()).to_numpy()
    w = pd.DataFrame({"act": dup_log["act"], "w": dup_log["ts"].diff().dt.total_seconds()})[same]
    assert w["w"].min() >= 0  # copies of rows in time order: no step back in time
    for f in findings[1:]:
        x = w.loc[w["act"] == f["subject"]["activity"], "w"].to_numpy()
        assert vals(f)["count"] == x.size
        assert vals(f)["median_s"] == np.quantile(x, 0.5)
        assert close(vals(f)["total_s"], x.sum())
    rework = run(Rework(), dup_log)
    per = dup_log.groupby([run_key, dup_log["act"]]).size()
    assert vals(rework[1])["cases_with_rework"] == per[per > 1].index.get_level_values(0).nunique()


@pytest.mark.parametrize("cls", ANALYSES, ids=lambda c: c.id)
def test_tolerated_log_chunk_size_does_not_change_findings(cls, dup_log) -> None:
    whole = run_on_frame(cls(), dup_log)
    split = run_on_frame(cls(), dup_log, chunk_rows=7)
    kinds = [f["kind"] for f in whole.findings]
    assert "log_structure_tolerated" in kinds and not any(k.startswith("log_not") for k in kinds)
    assert canonical_findings(split.findings) == canonical_findings(whole.findings)


def _split_cases(frame: pd.DataFrame, k: int) -> pd.DataFrame:
    """Move the last event of k cases after the next case: k runs reappear."""
    order = list(range(len(frame)))
    ends = np.flatnonzero(frame["cid"].ne(frame["cid"].shift(-1)).to_numpy())
    for j in range(k):
        a, b = int(ends[10 * j + 1]), int(ends[10 * j + 2])  # case ends at a, next at b
        order.remove(a)
        order.insert(order.index(b) + 1, a)
    return frame.iloc[order].reset_index(drop=True)


def test_grouping_tolerance_threshold_is_two_percent_of_runs(log) -> None:
    # 200 cases; k split cases give 200 + k runs of which k reappear: 4/204 <= 2 % < 5/205
    for k, tolerated in ((4, True), (5, False)):
        frame = _split_cases(log, k)
        assert _reappearing(frame)["reappearing_runs"] == k
        kinds = [f["kind"] for f in run(CaseThroughput(), frame)]
        expected = ["log_structure_tolerated", "case_throughput"]
        assert kinds == (expected if tolerated else ["log_not_grouped_by_case"]), k


def test_null_rows_are_skipped_and_counted(log) -> None:
    frame = log.copy()
    frame.loc[frame.index % 11 == 3, "act"] = None
    frame.loc[frame.index % 13 == 5, "ts"] = pd.NaT
    valid = frame.dropna(subset=["cid", "act", "ts"]).reset_index(drop=True)
    findings = run(WaitingTime(), frame)
    w = waits(valid)
    for f in findings:
        x = w.loc[w["act"] == f["subject"]["activity"], "w"].to_numpy()
        assert vals(f)["count"] == x.size
        assert vals(f)["median_s"] == np.quantile(x, 0.5)
    summary = vals(run(EventlogOverview(), frame)[0])
    assert summary["skipped_rows"] == len(frame) - len(valid)
    assert summary["events"] == len(valid)


def test_no_valid_event_gives_zero_counts_and_null_statistics(log) -> None:
    frame = log.copy()
    half = len(frame) // 2
    frame.loc[: half - 1, "act"] = None  # no row has case, activity and timestamp all valid
    frame.loc[half:, "ts"] = pd.NaT
    for cls in ANALYSES:
        result = run_on_frame(cls(), frame)
        if result is None:
            continue
        for f in result.findings:
            v = vals(f)
            for key in ("events", "cases", "count"):
                if key in v and v[key] is not None:
                    assert v[key] == 0, (cls.id, key)
            for key in ("mean_s", "p50_s", "median_s", "events_per_case_median"):
                if key in v:
                    assert v[key] is None, (cls.id, key)


def test_metadata() -> None:
    for cls in ANALYSES:
        a = cls()
        assert a.family == "eventlog" and a.exact and a.passes >= 2
        assert "STAT_HARNESS_EVENTLOG_CASE" in a.method
        assert not math.isnan(len(a.reference))


def test_grouping_check_past_distinct_cap(log) -> None:
    # sorted case ids prove grouping even when the remembered-case set is capped
    spec = run(EventlogOverview(), log, overrides={"distinct_cap": 50})[0]
    assert spec["evidence"]["parameters"]["event_log"]["grouping_verified"] is True
    # grouped but in random case order: past the cap, grouping is assumed, not verified
    order = np.random.default_rng(2).permutation(log["cid"].unique())
    frame = log.set_index("cid").loc[order].reset_index()
    finding = run(EventlogOverview(), frame, overrides={"distinct_cap": 50})[0]
    params = finding["evidence"]["parameters"]["event_log"]
    assert params["grouped"] is True and params["grouping_verified"] is False
    assert vals(finding)["cases"] == 200
