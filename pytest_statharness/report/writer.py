"""Writes a session's run folder: report.json, report.md, report.html, policy.json,
scorecard.json, telemetry.json and — when there is a previous comparable run —
comparison_summary.json, comparison_report.md and comparison_report.html; updates LATEST.json and state.db.

Runs on the controller (or the single process) only, once per session, from what the
items reported — so ``-n 0`` and ``-n N`` give the same report, in nodeid order.
report.json and policy.json are validated against their JSON Schemas
(``schemas/report.schema.json``, ``schemas/policy.schema.json``) before they are written.
"""

from __future__ import annotations

import json
import time
from functools import cache
from importlib import resources
from pathlib import Path

from .. import canonical_json, store
from ..atomic import write_text_atomic
from ..errors import StatHarnessError
from .markdown import render_markdown

REPORT_SCHEMA_VERSION = 2
POLICY_SCHEMA_VERSION = 2
TELEMETRY_SCHEMA_VERSION = 1


@cache
def schema(name: str) -> dict:
    text = resources.files("pytest_statharness.schemas").joinpath(f"{name}.schema.json").read_text()
    return json.loads(text)


def validate(document: dict, name: str) -> None:
    """Raise StatHarnessError naming the first problem of an artifact against its schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(name))
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise StatHarnessError(f"{name}.json does not match its schema at {where}: {first.message}")


def build_items(harness) -> list[dict]:
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
    return items


def build_report(harness, run_id: str, exitstatus: int, provenance: dict | None = None) -> dict:
    items = build_items(harness)
    counts: dict[str, int] = {}
    for item in items:
        counts[item["outcome"]] = counts.get(item["outcome"], 0) + 1
    return {
        "schema_version": REPORT_SCHEMA_VERSION,
        "run_id": run_id,
        "exit_status": int(exitstatus),
        "golden_policy": harness.options.golden,
        "provenance": provenance,
        "datasets": [harness.dataset(s.name).describe() for s in harness.options.datasets],
        "summary": {"items": len(items), "outcomes": dict(sorted(counts.items()))},
        "items": items,
        "scorecard": None,
        "comparison": None,
    }


def build_policy(harness, run_id: str) -> dict:
    decisions = {}
    for result in harness.results.values():
        key = f"{result.get('analysis_id')}[{result.get('dataset')}]"
        decisions[key] = result.get("budget")
    return {
        "schema_version": POLICY_SCHEMA_VERSION,
        "run_id": run_id,
        "golden_policy": harness.options.golden,
        "network_mode": getattr(harness, "network_mode", None),
        "items": dict(sorted(decisions.items())),
    }


def build_telemetry(report: dict) -> dict:
    return {
        "schema_version": TELEMETRY_SCHEMA_VERSION,
        "run_id": report["run_id"],
        "items": {i["nodeid"]: i.get("telemetry") for i in report["items"]},
    }


def _recorder(harness):
    from ..runlog import RECORDER_KEY

    return harness.config.stash.get(RECORDER_KEY, None)


def _registry_or_none(harness):
    try:
        return harness.registry
    except Exception:  # the registry failed to build: the session already reported why
        return None


def _previous_report(home: Path, run_id: str) -> dict | None:
    previous = store.previous_comparable(home, run_id)
    if previous is None:
        return None
    path = home / "runs" / previous["run_id"] / "report.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_run_report(harness, exitstatus: int) -> Path:
    from .. import provenance as prov
    from ..policy.tiers import tier_for_rows
    from ..scorecard import build_scorecard
    from .compare import (
        compare_reports,
        gate,
        render_comparison_html,
        render_comparison_markdown,
    )
    from .html import render_html

    home = harness.options.home
    recorder = _recorder(harness)
    if recorder is not None and recorder.run_id is not None:
        run_id, started = recorder.run_id, recorder.started
    else:
        _seq, run_id = store.new_run(home, datasets=[s.name for s in harness.options.datasets])
        started = None
    run_dir = home / "runs" / run_id
    policy = build_policy(harness, run_id)
    validate(policy, "policy")
    config = harness.config
    provenance = prov.collect(
        argv=["pytest", *config.invocation_params.args],
        root=config.rootpath,
        options=harness.options,
        inipath=config.inipath,
        registry=_registry_or_none(harness),
        dataset_specs={s.name: harness.dataset(s.name).spec.hash for s in harness.options.datasets},
        policy={k: v for k, v in policy.items() if k != "run_id"},
        started=started,
        ended=time.time(),
    )
    workers = getattr(config.option, "numprocesses", None)
    provenance["workers"] = workers if isinstance(workers, int) and workers > 0 else 1
    report = build_report(harness, run_id, exitstatus, provenance)
    report["scorecard"] = build_scorecard(
        report,
        network_mode=getattr(harness, "network_mode", None),
        policy=policy,
    )
    # Store the items first, so the comparison sees this run's datasets and settings.
    size_classes = {}
    for nodeid, result in harness.results.items():
        names = (result.get("dataset") or "").split(":")
        try:
            rows = max(harness.dataset(n).row_count for n in names)
        except KeyError:
            continue
        size_classes[nodeid] = tier_for_rows(rows).name
    from ..runlog import fail_on_new_level

    level = fail_on_new_level(config)
    previous = _previous_report(home, run_id)
    comparison = compare_reports(previous, report) if previous is not None else None
    verdict = gate(comparison, level)
    if verdict["failed"] and exitstatus == 0:
        exitstatus = 1
        report["exit_status"] = 1
    report["comparison"] = verdict
    validate(report, "report")
    text = canonical_json.dumps_document(report)
    write_text_atomic(run_dir / "report.json", text)
    write_text_atomic(run_dir / "policy.json", canonical_json.dumps_document(policy))
    write_text_atomic(
        run_dir / "scorecard.json", canonical_json.dumps_document(report["scorecard"])
    )
    write_text_atomic(
        run_dir / "telemetry.json", canonical_json.dumps_document(build_telemetry(report))
    )
    write_text_atomic(run_dir / "report.html", render_html(report))
    write_text_atomic(run_dir / "report.md", render_markdown(report))
    if comparison is not None:
        write_text_atomic(
            run_dir / "comparison_summary.json", canonical_json.dumps_document(comparison)
        )
        write_text_atomic(run_dir / "comparison_report.md", render_comparison_markdown(comparison))
        write_text_atomic(run_dir / "comparison_report.html", render_comparison_html(comparison))
    store.finish_run(
        home,
        run_id,
        exitstatus,
        report["summary"],
        harness.results,
        size_classes=size_classes,
        provenance=provenance,
    )
    store.write_latest(home, run_id)
    if recorder is not None:
        recorder.final_exit_status = exitstatus
        recorder.gate = verdict if (comparison is not None or level != "off") else None
    return run_dir
