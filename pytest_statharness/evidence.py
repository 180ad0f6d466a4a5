"""Findings: how an analysis states a result, and the check every finding passes.

An analysis describes *what it found* with :meth:`AnalysisContext.finding` (kind, subject,
values, units...). The engine adds what makes it citable — method, reference, parameters,
budget, columns, rows scanned, dataset fingerprint — and validates the result against
``schemas/finding.schema.json`` at the boundary, so a malformed finding fails its item
with a message instead of reaching a snapshot or a report.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources
from typing import Any

from . import canonical_json
from .errors import FindingValidationError
from .precision import (
    PRECISION_POLICY_VERSION,
    SNAPSHOT_FORMAT_VERSION,
    rounded_finding,
    value_name,
)

FINDING_SCHEMA_VERSION = 1
SEVERITIES = ("info", "low", "medium", "high")
_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")

# The fingerprint identifies the input, the snapshot pins the conclusions: a changed byte
# that does not change a conclusion must not fail the item, so it is left out of snapshots.
SNAPSHOT_EXCLUDED_EVIDENCE = ("dataset_fingerprint", "compared_dataset_fingerprint")


@cache
def finding_schema() -> dict:
    text = resources.files("pytest_statharness.schemas").joinpath("finding.schema.json").read_text()
    return json.loads(text)


@cache
def _validator():
    import jsonschema

    schema = finding_schema()
    return jsonschema.Draft202012Validator(schema)


def finding_id(analysis_id: str, kind: str, subject: dict[str, Any]) -> str:
    parts = [analysis_id, kind]
    for key in sorted(subject):
        value = subject[key]
        text = ",".join(map(str, value)) if isinstance(value, list | tuple) else str(value)
        parts.append(f"{key}={_SLUG.sub('_', text)}")
    return "/".join(parts)


def validate_finding(finding: dict, analysis_id: str) -> None:
    """Raise :class:`FindingValidationError` naming the analysis and the first problem."""
    errors = sorted(_validator().iter_errors(finding), key=lambda e: list(e.absolute_path))
    if errors:
        err = errors[0]
        where = "/".join(map(str, err.absolute_path)) or "(top level)"
        raise FindingValidationError(
            f"analysis {analysis_id!r} produced a malformed finding "
            f"{finding.get('id', '?')!r}: at {where}: {err.message}"
        )
    values = finding["measurement"]["values"]
    units = finding["measurement"]["units"]
    missing = sorted(set(values) - set(units))
    if missing:
        raise FindingValidationError(
            f"analysis {analysis_id!r} finding {finding['id']!r}: values without a unit: "
            f"{', '.join(missing)} (give each value a unit, e.g. 'count', 'ratio', 'seconds')"
        )
    undeclared = sorted(
        name for name in finding["evidence"].get("precision", {}) if value_name(name) not in values
    )
    if undeclared:
        raise FindingValidationError(
            f"analysis {analysis_id!r} finding {finding['id']!r}: precision declared for "
            f"names that are not values: {', '.join(undeclared)}"
        )


def snapshot_view(findings: list[dict]) -> list[dict]:
    """The part of the findings a snapshot pins (see SNAPSHOT_EXCLUDED_EVIDENCE)."""
    out = []
    for finding in findings:
        copy = dict(finding)
        copy["evidence"] = {
            k: v for k, v in finding["evidence"].items() if k not in SNAPSHOT_EXCLUDED_EVIDENCE
        }
        out.append(copy)
    return out


def snapshot_document(findings: list[dict]) -> dict:
    """What a snapshot file holds: the findings (snapshot view, declared values rounded to
    their declared significant digits) with the snapshot format and precision policy
    versions (see :mod:`.precision`)."""
    return {
        "findings": [rounded_finding(f) for f in snapshot_view(findings)],
        "format_version": SNAPSHOT_FORMAT_VERSION,
        "precision_policy": PRECISION_POLICY_VERSION,
    }


def canonical_findings(findings: list[dict]) -> str:
    """The text of a findings snapshot (:func:`snapshot_document`, canonical JSON)."""
    return canonical_json.dumps_document(snapshot_document(findings))
