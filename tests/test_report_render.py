"""report.md as triage, report.html self-contained and bounded (and rendered by a headless
browser when one is installed), the scorecard's rules and vetoes, schema validation."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess

import pytest

from pytest_statharness.errors import StatHarnessError
from pytest_statharness.report.html import MAX_BYTES, curve_svg, histogram_svg, render_html
from pytest_statharness.report.markdown import headline_entries, render_markdown
from pytest_statharness.report.writer import validate
from pytest_statharness.scorecard import build_scorecard

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

EVIDENCE = {
    "method": "m",
    "reference": "r",
    "parameters": {},
    "budget": {},
    "columns": ["x"],
    "rows_scanned": 1000,
    "exact": True,
    "dataset_fingerprint": "sha256:abc",
}
ASSUMES = ["The measure is additive over rows.", "Only this group's mean changes."]


def _finding(fid, kind, severity, values, **extra):
    return {
        "schema_version": 1,
        "id": f"a/{kind}/{fid}",
        "analysis_id": "a",
        "kind": kind,
        "title": f"{kind} {fid}",
        "severity": severity,
        "subject": extra.pop("subject", {"column": fid}),
        "measurement": {"values": values, "units": {}},
        "evidence": dict(EVIDENCE),
        **extra,
    }


def _report(findings, n_items=1) -> dict:
    items = [
        {
            "nodeid": f"statharness::a{k}[sales]",
            "analysis_id": "a",
            "dataset": "sales",
            "family": "profile",
            "outcome": "passed",
            "snapshot": {"status": "match", "path": "sales/a.json"},
            "skip": None,
            "error": None,
            "telemetry": {"wall_s": 0.1, "rows_scanned": 1000, "passes": 1, "cpu_s": 0.1},
            "findings": findings if k == 0 else [],
        }
        for k in range(n_items)
    ]
    return {
        "schema_version": 2,
        "run_id": "run-000001",
        "exit_status": 0,
        "golden_policy": "default",
        "provenance": None,
        "datasets": [
            {
                "name": "sales",
                "format": "parquet",
                "fingerprint": "sha256:abc",
                "row_count": 1000,
                "columns": [{"name": "x"}],
                "cache": {"hit": True},
                "bad_rows": {"count": 0, "first_lines": []},
            }
        ],
        "summary": {"items": n_items, "outcomes": {"passed": n_items}},
        "items": items,
        "scorecard": None,
        "comparison": None,
    }


def _typical() -> dict:
    findings = []
    for i in range(120):
        sev = ("high", "medium", "low", "info")[i % 4]
        findings.append(_finding(f"c{i}", "null_rate", sev, {"null_rate": i / 1000}))
    for i in range(60):
        findings.append(
            _finding(
                f"r{i}",
                "group_mean",
                "info",
                {"mean": float(i)},
                recommendation={
                    "action": f"Bring group {i} down",
                    "modeled_improvement_pct": float(i),
                    "assumptions": ASSUMES,
                },
            )
        )
    findings.append(
        _finding(
            "h",
            "histogram",
            "info",
            {"bin_edges": [0.0, 1.0, 2.0, 3.0], "counts": [5, 0, 7], "count": 12},
        )
    )
    findings.append(
        _finding(
            "cat",
            "column_profile",
            "info",
            {"top_values": [{"value": "<script>alert(1)</script>", "count": 3}], "distinct": 1},
        )
    )
    findings += _time_findings()
    report = _report(findings)
    report["scorecard"] = build_scorecard(report, report_text="{}", network_mode="off")
    return report


HOURS = [149, 138, 135, 131, 118, 119, 120, 132, 180, 235, 253, 277]
HOURS += [277, 278, 299, 280, 305, 271, 258, 232, 212, 205, 202, 194]
WEEK = {"Monday": 732, "Tuesday": 800, "Wednesday": 770, "Thursday": 960, "Friday": 943}
WEEK |= {"Saturday": 528, "Sunday": 267}


def _time_findings() -> list[dict]:
    """What the time analyses report: counts per hour and weekday in the time_series
    finding's evidence, a seasonality test, a changepoint and a trend of the same series."""
    series = {"series": "rows", "time_column": "ts"}
    ts = _finding(
        "ts",
        "time_series",
        "info",
        {"first": "2024-01-01T00:00:00", "last": "2024-12-30T23:00:00"},
        subject=dict(series),
    )
    ts["evidence"] = dict(EVIDENCE, parameters={"hour_of_day_rows": HOURS, "weekday_rows": WEEK})
    ts["evidence"]["parameters"]["clock"] = "UTC hours"
    season = _finding(
        "season",
        "seasonality",
        "medium",
        {"peak": "16:00", "trough": "04:00", "p_value": 2e-84, "peak_ratio": 1.4},
        subject=dict(series, cycle="hour_of_day"),
    )
    change = _finding(
        "cp",
        "changepoint",
        "medium",
        {"date": "2024-07-01", "level_before": 10.0, "level_after": 30.0},
        subject=dict(series),
    )
    trend = _finding(
        "trend",
        "trend",
        "low",
        {
            "first_day": "2024-01-01",
            "last_day": "2024-12-30",
            "fitted_start": 12.0,
            "fitted_end": 28.0,
            "slope_per_day": 0.044,
            "p_value": 0.001,
        },
        subject=dict(series),
    )
    return [ts, season, change, trend]


def test_markdown_is_triage_within_200_lines() -> None:
    report = _typical()
    md = render_markdown(report)
    lines = md.splitlines()
    assert len(lines) <= 200
    assert "[report.html](report.html)" in lines[2]
    # each assumption is written once, however many recommendations share it
    assert md.count(ASSUMES[0].rstrip(".")) == 1
    assert "assumes A)" in md
    # headlines: high first, then medium, then low; larger effect first within a severity
    heads = headline_entries(report)
    severities = [f["severity"] for _i, f in heads]
    assert severities == sorted(severities, key=["high", "medium", "low"].index)
    highs = [f["measurement"]["values"]["null_rate"] for _i, f in heads if f["severity"] == "high"]
    assert highs == sorted(highs, reverse=True)
    assert "info" not in severities
    # recommendations by modeled improvement, capped
    first = next(line for line in lines if line.startswith("1. **Bring group"))
    assert "Bring group 59 down" in first


def test_html_is_self_contained_escaped_and_bounded() -> None:
    report = _typical()
    page = render_html(report)
    assert page.startswith("<!doctype html>")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)
    assert "<script" not in page.replace("&lt;script", "")
    assert "default-src 'none'" in page
    assert page.count("<svg") >= 2
    assert len(page.encode()) < MAX_BYTES
    # many large histograms: the page stays under its bound and says what it left out
    big = copy.deepcopy(report)
    edges = [float(i) for i in range(201)]
    counts = list(range(1, 201))
    hist = _finding("big", "histogram", "info", {"bin_edges": edges, "counts": counts})
    big["items"][0]["findings"] = [
        dict(hist, id=f"a/histogram/{i}", subject={"column": f"c{i}"}) for i in range(400)
    ]
    page = render_html(big)
    assert len(page.encode()) <= MAX_BYTES + 200_000
    assert "plot(s) left out to keep this page bounded" in page


def test_seasonal_curves_and_daily_trend_are_drawn_from_the_findings() -> None:
    page = render_html(_typical())
    plots = page[page.index("Seasonal profiles") :]
    assert plots.count("<polyline") >= 2  # hour of day and weekday curves
    assert "<title>16: 305</title>" in plots and "<title>Sun: 267</title>" in plots
    assert "Peak 16:00, trough 04:00" in plots and "UTC hours" in plots
    daily = page[page.index("Daily series") : page.index("Seasonal profiles")]
    assert "changepoint 2024-07-01" in daily  # the change date marked
    assert 'stroke="#2e8b57"' in daily and "trend 2024-01-01 12 → 2024-12-30 28" in daily
    # a curve is never drawn from values a finding did not hold
    assert curve_svg(["a", "b"], [1.0], y_label="rows") == ""
    assert curve_svg(["a", "b"], [1.0, float("nan")], y_label="rows") == ""
    assert curve_svg(["<b>", "c"], [1.0, 2.0], y_label="rows").count("&lt;b&gt;") == 2
    # axis labels stay short enough to fit left of the plot
    from pytest_statharness.report.html import _axis

    assert [_axis(v) for v in (956500.0, 2119.3, 1234567890, -25000.0)] == [
        "956.5k",
        "2119",
        "1.235G",
        "-25k",
    ]


def test_histogram_svg_plots_every_nonzero_bin() -> None:
    svg = histogram_svg([0.0, 1.0, 2.0, 3.0], [5, 0, 7])
    assert svg.count("<rect") == 2
    assert "[0, 1): 5" in svg and "[2, 3): 7" in svg
    assert histogram_svg([0.0, 1.0], [1, 2]) == ""  # mismatched arrays: no plot


def test_scorecard_rules_and_vetoes() -> None:
    report = _typical()
    card = build_scorecard(report, report_text="{}", network_mode="off")
    assert {p["score"] for p in card["pillars"].values()} == {10.0}
    assert card["release_ready"]
    # sampling: an item scanned fewer rows than its dataset holds
    sampled = copy.deepcopy(report)
    sampled["items"][0]["telemetry"]["rows_scanned"] = 10
    card = build_scorecard(sampled, report_text="{}", network_mode="off")
    assert card["pillars"]["accurate"]["score"] == 0 and not card["release_ready"]
    # an absolute path in the report
    card = build_scorecard(report, report_text='{"p": "/home/alice/x"}', network_mode="off")
    assert card["pillars"]["secure"]["score"] == 0
    assert (
        build_scorecard(report, report_text="{}", network_mode="on")["pillars"]["secure"]["score"]
        == 5
    )
    # an uncitable skip and a finding without its reference
    broken = copy.deepcopy(report)
    broken["items"][0]["error"] = "uncitable skip"
    assert (
        build_scorecard(broken, report_text="{}", network_mode="off")["pillars"]["citable"]["score"]
        == 0
    )
    partial = copy.deepcopy(report)
    del partial["items"][0]["findings"][0]["evidence"]["reference"]
    score = build_scorecard(partial, report_text="{}", network_mode="off")["pillars"]["citable"]
    assert 9.0 <= score["score"] < 10.0
    # a mismatching snapshot lowers accuracy; a time-budget skip lowers performance
    slow = _report([], n_items=4)
    slow["items"][0]["skip"] = {"reason_code": "time_budget_exceeded"}
    slow["items"][1]["outcome"] = "failed"
    slow["items"][1]["snapshot"] = {"status": "mismatch"}
    card = build_scorecard(slow, report_text="{}", network_mode="off")
    assert card["pillars"]["performant"]["score"] == 7.5
    assert card["pillars"]["accurate"]["score"] == 7.5
    # a first run: items without a stored snapshot are unverified, not inaccurate
    first = _report([], n_items=4)
    for item in first["items"]:
        item["outcome"] = "failed"
        item["snapshot"] = {"status": "missing"}
    first["items"][0]["outcome"] = "passed"
    first["items"][0]["snapshot"] = {"status": "match"}
    card = build_scorecard(first, report_text="{}", network_mode="off")
    accurate = card["pillars"]["accurate"]
    assert accurate["score"] == 10.0 and accurate["inputs"]["without_snapshot"] == 3
    assert "3 item(s) have no stored snapshot" in accurate["vetoes"][0]
    assert not card["release_ready"]


def test_report_schema_rejects_a_malformed_report() -> None:
    report = _typical()
    del report["provenance"]
    with pytest.raises(StatHarnessError, match="report.json does not match its schema"):
        validate(report, "report")


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.slow
def test_html_renders_in_a_headless_browser(tmp_path) -> None:
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium or Chrome on PATH (apt-get install chromium) to render the page")
    page = tmp_path / "report.html"
    page.write_text(render_html(_typical()), encoding="utf-8")
    shot = tmp_path / "report.png"
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1280,2000",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.is_file() and shot.stat().st_size > 10_000, done.stderr[-2000:]
    # the DOM as the browser parsed it still holds the plots
    dom = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert dom.stdout.count("<svg") >= 2, dom.stderr[-2000:]
    assert json.dumps("statharness run run-000001")[1:-1] in dom.stdout
    assert dom.stdout.count("<polyline") == 2  # the two seasonal curves
    # no console message at all (a CSP violation, a failed load, a script error would log)
    assert _console(browser, page, tmp_path) == []
    # ...and the check sees one: a page the CSP blocks logs its violations
    control = tmp_path / "control.html"
    control.write_text(
        "<!doctype html><meta http-equiv=Content-Security-Policy content=\"default-src 'none'\">"
        "<script>console.log(1)</script>",
        encoding="utf-8",
    )
    assert any("Content Security Policy" in line for line in _console(browser, control, tmp_path))


def _console(browser: str, page, tmp_path) -> list[str]:
    """The page's console messages, as Chromium logs them with --enable-logging=stderr."""
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return [line for line in done.stderr.splitlines() if ":CONSOLE" in line]


def test_a_finding_that_also_recommends_is_a_headline() -> None:
    """A medium duplicate-rows finding carries advice (drop them) but is a finding first:
    it is counted in the headlines, so report.md's counts match report.json; the
    recommendations analysis's own advice stays apart."""
    advice = {"action": "drop", "modeled_improvement_pct": 3.8, "assumptions": ASSUMES}
    report = _report([_finding("d", "duplicate_rows", "medium", {"n": 9}, recommendation=advice)])
    report["items"][0]["analysis_id"] = "duplicate_rows"
    assert [f["id"] for _i, f in headline_entries(report)] == ["a/duplicate_rows/d"]
    assert "## Headlines (0 high, 1 medium, 0 low)" in render_markdown(report)
    report["items"][0]["analysis_id"] = "recommendations"
    assert headline_entries(report) == []


def test_report_md_lists_every_medium_finding_and_fills_with_low_ones() -> None:
    """62 medium/high findings of a run are what it asks the reader to act on: report.md
    lists them all (it used to stop at 40 headlines); low ones only fill up to 40."""
    findings = [_finding(f"m{k}", "effect", "medium", {"r": 0.5}) for k in range(62)]
    findings += [_finding(f"l{k}", "effect", "low", {"r": 0.2}) for k in range(10)]
    md = render_markdown(_report(findings))
    assert all(f"effect m{k}**" in md for k in range(62))
    assert "effect l0**" not in md
    assert "… and 10 more" in md
    few = [_finding(f"m{k}", "effect", "medium", {"r": 0.5}) for k in range(5)]
    few += [_finding(f"l{k}", "effect", "low", {"r": 0.2}) for k in range(50)]
    md = render_markdown(_report(few))
    assert md.count("(low;") == 35


def test_accuracy_with_nothing_verified_is_not_shown_as_a_ten() -> None:
    """A first run has no snapshot to compare with: its accuracy is 'not verified', not
    10.0 (the number and the veto stay in report.json)."""
    from pytest_statharness.scorecard import render_scorecard_markdown, score_text

    first = {
        "score": 10.0,
        "inputs": {"analysis_items": 254, "passed_matching": 0, "without_snapshot": 254},
        "vetoes": ["254 item(s) have no stored snapshot"],
    }
    assert score_text("accurate", first) == "not verified (0 of 254 items had a snapshot)"
    verified = {**first, "inputs": {**first["inputs"], "without_snapshot": 0}}
    assert score_text("accurate", verified, "/10") == "10.0/10"
    card = {"pillars": {"accurate": first}, "release_ready": False, "release_floor": 7.0}
    assert "not verified (0 of 254" in "\n".join(render_scorecard_markdown(card))


def test_the_column_count_is_the_files_with_derived_columns_said_apart() -> None:
    """JointSports has 5 columns; the harness adds 'date(year)'. The header said 6."""
    from pytest_statharness.report.markdown import column_count

    columns = [
        {"name": c, "type": "string"} for c in ("Freq", "opinion", "year", "grade", "gender")
    ]
    dataset = {"columns": [*columns, {"name": "date(year)", "type": "timestamp[us] (derived)"}]}
    assert column_count(dataset) == "5 columns (+1 derived)"
    assert column_count({"columns": columns}) == "5 columns"


def test_a_capped_finding_says_why_in_its_headline() -> None:
    """students: 'high' across treatment (epsilon^2 0.70) at low, the reason only in
    report.json: a reader asked why. The headline now carries the rule's first clause
    (escaped: column names come from the data) and what it restates."""
    capped = _finding("high", "group_difference", "low", {"epsilon_squared": 0.70})
    capped["evidence"] = {
        **EVIDENCE,
        "parameters": {
            "severity_capped": "findings about several summaries of one quantity ('<b>') in "
            "the same setting are one fact; the first is kept at its severity",
            "same_fact_as": "low",
        },
    }
    plain = _finding("x", "group_difference", "low", {"epsilon_squared": 0.10})
    md = render_markdown(_report([capped, plain]))
    line = next(line for line in md.splitlines() if "group_difference high" in line)
    assert line.endswith(
        "— held at low: findings about several summaries of one quantity ('&lt;b&gt;') in "
        "the same setting are one fact (same fact as low)"
    ), line
    other = next(line for line in md.splitlines() if "group_difference x" in line)
    assert "held at" not in other


def test_a_series_indexed_by_a_period_counter_is_drawn_and_reported(pytester) -> None:
    """PeaceBridge2003 (t = 1..156 beside Year and Month): the trend of a series without a
    changepoint is drawn from segment bounds 't = 1' .. 't = 60', which steps_svg read as
    ISO dates: a ValueError in the session's last hook, and no report.md or report.html
    for any dataset of the run."""
    import numpy as np

    values = np.random.default_rng(1).normal(10, 1, 60)
    pytester.path.joinpath("t.csv").write_text(
        "t,y\n" + "".join(f"{i + 1},{v:.4f}\n" for i, v in enumerate(values))
    )
    result = pytester.runpytest_subprocess(
        "-p", "statharness", "--stat-explore", "--stat-dataset", "t=t.csv"
    )
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    assert "Traceback" not in result.stderr.str()
    run = next(pytester.path.glob("appdata/runs/run-*"))
    assert (run / "report.md").is_file() and (run / "report.html").is_file()
    from pytest_statharness.report.html import steps_svg

    assert "<line" in steps_svg([("t = 1", "t = 60", 10.0)], ("t = 1", "t = 60", 9.8, 10.2))


def test_a_run_where_no_analysis_ran_is_not_ready_for_release() -> None:
    """--stat-disable=pytest-statharness ran 0 items on a dataset, and the scorecard said
    10/10, 'ready for release'."""
    from pytest_statharness.scorecard import build_scorecard

    report = {"datasets": [{"name": "t", "row_count": 100}], "items": []}
    card = build_scorecard(report, report_text="{}", network_mode="off")
    assert not card["release_ready"]
    assert any("no analysis ran" in v for v in card["pillars"]["accurate"]["vetoes"])
