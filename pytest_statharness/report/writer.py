"""Writes a session's run folder: report.json, report.md, policy.json; updates LATEST.json.

Runs on the controller (or the single process) only, once per session, from what the
items reported — so ``-n 0`` and ``-n N`` give the same report, in nodeid order.
"""

from __future__ import annotations

from pathlib import Path

from .. import canonical_json, store
from ..atomic import write_text_atomic
from .markdown import render_markdown

REPORT_SCHEMA_VERSION = 1


def build_report(harness, run_id: str, exitstatus: int) -> dict:
    items = []
    for nodeid in sorted(set(harness.results) | set(harness.outcomes)):
        result = harness.results.get(nodeid, {})
        items.append(
            {
                "nodeid": nodeid,
                "analysis_id": result.get("analysis_id"),
                "dataset": result.get("dataset"),
                "family": result.get("family"),
                "outcome": harness.outcomes.get(nodeid, result.get("outcome", "unknown")),
                "snapshot": result.get("snapshot"),
                "skip": result.get("skip"),
                "error": result.get("error"),
                "telemetry": result.get("telemetry"),
                "findings": result.get("findings", []),
            }
        )
    counts: dict[str, int] = {}
    for item in items:
        counts[item["outcome"]] = counts.get(item["outcome"], 0) + 1
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "run_id": run_id,
        "exit_status": int(exitstatus),
        "golden_policy": harness.options.golden,
        "datasets": [harness.dataset(s.name).describe() for s in harness.options.datasets],
        "summary": {"items": len(items), "outcomes": dict(sorted(counts.items()))},
        "items": items,
    }


def build_policy(harness, run_id: str) -> dict:
    decisions = {}
    for result in harness.results.values():
        key = f"{result.get('analysis_id')}[{result.get('dataset')}]"
        decisions[key] = result.get("budget")
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "run_id": run_id,
        "golden_policy": harness.options.golden,
        "items": dict(sorted(decisions.items())),
    }


def write_run_report(harness, exitstatus: int) -> Path:
    home = harness.options.home
    seq, run_id = store.new_run(home)
    run_dir = home / "runs" / run_id
    report = build_report(harness, run_id, exitstatus)
    write_text_atomic(run_dir / "report.json", canonical_json.dumps_document(report))
    write_text_atomic(run_dir / "report.md", render_markdown(report))
    write_text_atomic(
        run_dir / "policy.json", canonical_json.dumps_document(build_policy(harness, run_id))
    )
    store.finish_run(home, run_id, exitstatus, report["summary"], harness.results)
    store.write_latest(home, run_id)
    return run_dir
