"""Writes a session's run folder: report.json, report.md, report.html, policy.json,
scorecard.json, telemetry.json and — when there is a previous comparable run —
comparison_summary.json, comparison_report.md and comparison_report.html; updates LATEST.json and state.db.

Runs on the controller (or the single process) only, once per session, from what the
items reported — so ``-n 0`` and ``-n N`` give the same report, in nodeid order.
Every JSON artifact is validated against its JSON Schema (``schemas/<name>.schema.json``:
report, policy, scorecard, telemetry, comparison_summary) before it is written, so a bug
never writes an artifact a reader would reject; :func:`validate_file` checks a file that
already exists (``statharness evidence verify`` runs it on the JSON members of a pack).
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
from ..scorecard import is_explored
from .markdown import render_markdown

REPORT_SCHEMA_VERSION = 2
POLICY_SCHEMA_VERSION = 2
TELEMETRY_SCHEMA_VERSION = 1


@cache
def schema(name: str) -> dict:
    text = resources.files("pytest_statharness.schemas").joinpath(f"{name}.schema.json").read_text()
    return json.loads(text)


#: artifact file name -> schema name
ARTIFACT_SCHEMAS = {
    "report.json": "report",
    "policy.json": "policy",
    "scorecard.json": "scorecard",
    "telemetry.json": "telemetry",
    "comparison_summary.json": "comparison_summary",
}


def validate(document: dict, name: str) -> None:
    """Raise StatHarnessError naming the first problem of an artifact against its schema,
    then against the rules a schema cannot state (totals that must agree)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema(name))
    first = jsonschema.exceptions.best_match(validator.iter_errors(document))
    if first is not None:
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        message = first.message if len(first.message) <= 200 else first.message[:197] + "..."
        raise StatHarnessError(f"{name}.json does not match its schema at {where}: {message}")
    problem = _inconsistency(document, name)
    if problem:
        raise StatHarnessError(f"{name}.json is inconsistent: {problem}")


def _inconsistency(document: dict, name: str) -> str | None:
    """What a schema cannot say: a scorecard's verdict follows from its scores and vetoes,
    a comparison's counts are the lengths of its lists (an edited file breaks these)."""
    if name == "scorecard":
        pillars = document["pillars"].values()
        ready = all(p["score"] >= document["release_floor"] and not p["vetoes"] for p in pillars)
        if document["release_ready"] != ready:
            return f"release_ready is {document['release_ready']} but the pillars say {ready}"
    if name == "comparison_summary":
        for key in ("added", "removed", "changed"):
            if document["counts"][key] != len(document[key]):
                return (
                    f"counts.{key} is {document['counts'][key]}, the list has {len(document[key])}"
                )
    if name == "report" and isinstance(document.get("scorecard"), dict):
        return _inconsistency(document["scorecard"], "scorecard")
    return None


def validate_file(path: Path, name: str | None = None) -> None:
    """Validate an artifact on disk (schema chosen by its file name unless ``name``);
    StatHarnessError with a one-line message if it is not valid JSON or not valid."""
    path = Path(path)
    name = name or ARTIFACT_SCHEMAS.get(path.name)
    if name is None:
        raise StatHarnessError(f"{path.name}: no JSON Schema for this file name")
    validate_text(path.read_text(encoding="utf-8"), name)


def validate_text(text: str, name: str) -> None:
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise StatHarnessError(f"{name}.json is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise StatHarnessError(f"{name}.json is not a JSON object")
    validate(document, name)


def build_items(harness) -> list[dict]:
    items = []
    for nodeid in sorted(set(harness.results) | set(harness.outcomes)):
        result = harness.results.get(nodeid, {})
        outcome = harness.outcomes.get(nodeid, result.get("outcome", "unknown"))
        if is_explored({"outcome": outcome, "snapshot": result.get("snapshot")}):
            # computed by --stat-explore with no snapshot to check: pytest's 'skipped' but
            # the run's 'explored', as the terminal and the summary counts say
            outcome = "explored"
        items.append(
            {
                "nodeid": nodeid,
                "analysis_id": result.get("analysis_id"),
                "dataset": result.get("dataset"),
                "family": result.get("family"),
                "outcome": outcome,
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


def _scorecard_shortfall(card: dict) -> list[str]:
    """Why the scorecard is not release ready: pillars under the floor, vetoes (empty: it is)."""
    out = []
    for name, pillar in card["pillars"].items():
        if pillar["score"] < card["release_floor"]:
            out.append(f"{name} {pillar['score']:g} < {card['release_floor']:g}")
        out += [f"{name}: {veto}" for veto in pillar["vetoes"]]
    return out


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
        other_data,
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
    # against this run as it will be written: a stored run holds non-finite floats as
    # canonical JSON's strings ("Infinity"), this one as floats until written
    comparison = (
        compare_reports(previous, canonical_json.to_jsonable(report))
        if previous is not None
        else None
    )
    verdict = gate(comparison, level)
    if previous is not None:
        verdict["other_data"] = other_data(previous, report)
    if verdict["failed"] and exitstatus == 0:
        exitstatus = 1
        report["exit_status"] = 1
    # the strict golden policy is the release gate: it requires the scorecard's floor too
    card_failed = (
        _scorecard_shortfall(report["scorecard"]) if harness.options.golden == "strict" else []
    )
    if card_failed and exitstatus == 0:
        exitstatus = 1
        report["exit_status"] = 1
    report["comparison"] = verdict
    validate(report, "report")
    # what is validated is what is written (non-finite floats as canonical JSON's strings)
    validate(canonical_json.to_jsonable(report["scorecard"]), "scorecard")
    telemetry = build_telemetry(report)
    validate(canonical_json.to_jsonable(telemetry), "telemetry")
    if comparison is not None:
        validate(canonical_json.to_jsonable(comparison), "comparison_summary")
    text = canonical_json.dumps_document(report)
    write_text_atomic(run_dir / "report.json", text)
    write_text_atomic(run_dir / "policy.json", canonical_json.dumps_document(policy))
    write_text_atomic(
        run_dir / "scorecard.json", canonical_json.dumps_document(report["scorecard"])
    )
    write_text_atomic(run_dir / "telemetry.json", canonical_json.dumps_document(telemetry))
    # the text report first: it holds every finding, whatever a chart of the page does
    write_text_atomic(run_dir / "report.md", render_markdown(report))
    write_text_atomic(run_dir / "report.html", render_html(report))
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
        recorder.scorecard_shortfall = card_failed
    return run_dir
