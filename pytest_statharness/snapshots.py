"""Findings snapshots: one canonical-JSON file per dataset and analysis.

Layout: ``<snapshot-dir>/<dataset>/<analysis_id>.json``. Each item owns exactly one file,
so xdist workers never write the same file, and every write is atomic (temp + fsync +
rename): ``--snapshot-update -n 2`` cannot lose or half-write a snapshot. A file is the
document ``{"findings": [...], "format_version": N, "precision_policy": M}``: the findings
with their declared values rounded (:mod:`.precision`) and the two versions whose change
is a deliberate, documented event. The files are the same format as :class:`~pytest_statharness.snapshot_extension.FindingsExtension`
writes for users' own tests with syrupy's ``snapshot`` fixture.

Unused snapshots are those of (dataset, analysis) pairs the session's registry no longer
produces for a dataset of the session; they are reported and, with ``--snapshot-update``,
deleted (as syrupy does).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

from .atomic import write_text_atomic
from .confine import check_name, confined
from .precision import movement

SUFFIX = ".json"
MAX_DIFF_LINES = 60


@dataclass(frozen=True)
class SnapshotOutcome:
    status: str  # "match", "written", "updated", "missing", "mismatch"
    path: str  # relative to the snapshot dir
    message: str = ""


def snapshot_key(dataset_names) -> str:
    """Folder of an item's snapshot: the dataset name, or ``A-vs-B`` for a comparison."""
    return "-vs-".join(dataset_names)


class SnapshotStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, dataset: str, analysis_id: str) -> Path:
        for part in dataset.split("-vs-"):  # issue 11: a snapshot folder is a dataset name
            check_name(part, "snapshot folder")
        check_name(analysis_id, "analysis id")
        return confined(self.root, self.root / dataset / f"{analysis_id}{SUFFIX}")

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def check(self, dataset: str, analysis_id: str, text: str, *, update: bool) -> SnapshotOutcome:
        path = self.path_for(dataset, analysis_id)
        rel = self.relative(path)
        try:
            stored = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            stored = None
        if stored == text:
            return SnapshotOutcome("match", rel)
        if update:
            write_text_atomic(path, text)
            return SnapshotOutcome("written" if stored is None else "updated", rel)
        if stored is None:
            return SnapshotOutcome(
                "missing",
                rel,
                f"no snapshot stored at {rel} under the snapshot dir; "
                "run with --snapshot-update to record it",
            )
        return SnapshotOutcome("mismatch", rel, describe_mismatch(stored, text, rel))

    def existing(self, datasets: list[str]) -> dict[tuple[str, str], Path]:
        found = {}
        for dataset in datasets:
            folder = self.root / dataset
            if folder.is_dir() and confined(self.root, folder) != self.root:
                for file in sorted(folder.glob(f"*{SUFFIX}")):
                    found[(dataset, file.stem)] = file
        return found


def _parse(text: str) -> tuple[list, int | None, int | None]:
    """(findings, format version, precision policy version) of a snapshot text; format 1
    was a bare list of findings with no precision policy."""
    try:
        data = json.loads(text)
    except ValueError:
        return [], None, None
    if isinstance(data, list):
        return data, 1, None
    if isinstance(data, dict) and isinstance(data.get("findings"), list):
        return data["findings"], data.get("format_version"), data.get("precision_policy")
    return [], None, None


def _index(findings: list) -> dict[str, dict]:
    return {f.get("id", str(i)): f for i, f in enumerate(findings) if isinstance(f, dict)}


def describe_mismatch(stored: str, current: str, rel: str) -> str:
    """A person-readable account: a format or precision-policy change, which findings
    changed, which values moved and by how much relative to their declared precision
    (:func:`pytest_statharness.precision.movement`), then a diff."""
    old_findings, old_format, old_policy = _parse(stored)
    new_findings, new_format, new_policy = _parse(current)
    lines = [f"findings differ from the snapshot {rel} (run with --snapshot-update to accept):"]
    if (old_format, old_policy) != (new_format, new_policy):
        lines.append(
            f"  ! the snapshot was recorded with snapshot format {old_format} and precision "
            f"policy {old_policy}; this version writes format {new_format} and precision "
            f"policy {new_policy}: read the CHANGELOG entry, then re-record"
        )
    old, new = _index(old_findings), _index(new_findings)
    for fid in sorted(set(old) - set(new)):
        lines.append(f"  - finding gone: {fid}")
    for fid in sorted(set(new) - set(old)):
        lines.append(f"  + new finding: {fid}")
    for fid in sorted(set(old) & set(new)):
        a, b = old[fid], new[fid]
        if a == b:
            continue
        va = a.get("measurement", {}).get("values", {})
        vb = b.get("measurement", {}).get("values", {})
        declared = b.get("evidence", {}).get("precision", {})
        changed = [k for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
        if changed:
            for key in changed:
                line = f"  ~ {fid}: {key}: {_short(va.get(key))} -> {_short(vb.get(key))}"
                how = movement(va.get(key), vb.get(key), declared.get(key))
                lines.append(f"{line} ({how})" if how else line)
        else:
            lines.append(f"  ~ {fid}: evidence or metadata changed")
    diff = list(
        difflib.unified_diff(
            stored.splitlines(), current.splitlines(), "snapshot", "current", n=2, lineterm=""
        )
    )
    if diff:
        lines.append("diff:")
        lines.extend(diff[:MAX_DIFF_LINES])
        if len(diff) > MAX_DIFF_LINES:
            lines.append(f"... {len(diff) - MAX_DIFF_LINES} more diff lines")
    return "\n".join(lines)


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."
