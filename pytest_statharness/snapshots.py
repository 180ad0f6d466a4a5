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
MAX_DIFF_LINES = 60  # unused by the message since 0.4 (the diff goes to a file); kept for callers
MAX_DETAIL_LINES = 12  # per-finding lines of a mismatch message (-vv: all of them)
TOP_CHANGES = 5


@dataclass(frozen=True)
class SnapshotOutcome:
    status: str  # "match", "written", "updated", "missing", "mismatch"
    path: str  # relative to the snapshot dir
    message: str = ""
    diff: str = ""  # mismatch: the full unified diff, snapshot -> current


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

    def shown_root(self) -> str:
        """The snapshot dir as a user finds it: relative to the working directory when
        inside it (``snapshots/``), else as it is."""
        try:
            shown = self.root.resolve().relative_to(Path.cwd().resolve()).as_posix()
        except ValueError:
            return str(self.root)
        return "./" if shown == "." else shown + "/"

    def relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def check(
        self, dataset: str, analysis_id: str, text: str, *, update: bool, verbose: int = 0
    ) -> SnapshotOutcome:
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
                f"no snapshot stored at {rel} under the snapshot dir "
                f"{self.shown_root()}; run with --snapshot-update to record it",
            )
        return SnapshotOutcome(
            "mismatch",
            rel,
            describe_mismatch(stored, text, rel, verbose=verbose),
            unified_diff(stored, text),
        )

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


def unified_diff(stored: str, current: str) -> str:
    return "\n".join(
        difflib.unified_diff(
            stored.splitlines(), current.splitlines(), "snapshot", "current", n=2, lineterm=""
        )
    )


def _rows(findings: list) -> list[int]:
    rows = {
        f.get("evidence", {}).get("rows_scanned")
        for f in findings
        if isinstance(f, dict) and isinstance(f.get("evidence", {}).get("rows_scanned"), int)
    }
    return sorted(r for r in rows if r is not None)


def _relative(old, new) -> float | None:
    numbers = (int, float)
    if isinstance(old, bool) or isinstance(new, bool):
        return None
    if not (isinstance(old, numbers) and isinstance(new, numbers)) or old == new:
        return None
    scale = max(abs(old), abs(new))
    return abs(new - old) / scale if scale else None


def describe_mismatch(stored: str, current: str, rel: str, *, verbose: int = 0) -> str:
    """A person-readable account, summary first: the row count before and after, how many
    findings were added, removed and changed, the largest value changes; then a format or
    precision-policy change, which findings changed and which values moved by how much
    relative to their declared precision (:func:`pytest_statharness.precision.movement`),
    at most MAX_DETAIL_LINES of them unless ``verbose`` >= 2. The unified diff is not part
    of the message (:func:`unified_diff`; the run folder keeps it, -vv shows it)."""
    old_findings, old_format, old_policy = _parse(stored)
    new_findings, new_format, new_policy = _parse(current)
    lines = [f"findings differ from the snapshot {rel} (run with --snapshot-update to accept):"]
    old, new = _index(old_findings), _index(new_findings)
    gone = sorted(set(old) - set(new))
    added = sorted(set(new) - set(old))
    changed = [fid for fid in sorted(set(old) & set(new)) if old[fid] != new[fid]]
    rows_old, rows_new = _rows(old_findings), _rows(new_findings)

    def _rows_text(rows: list[int]) -> str:
        return "/".join(f"{r:,}" for r in rows) if rows else "?"

    rows_part = (
        f"rows {_rows_text(rows_old)} -> {_rows_text(rows_new)}"
        if rows_old != rows_new
        else f"rows {_rows_text(rows_new)} (unchanged)"
    )
    lines.append(
        f"  summary: {rows_part}; {len(changed)} of {len(new)} findings changed, "
        f"{len(added)} new, {len(gone)} gone"
    )
    details: list[str] = []
    moves: list[tuple[float, str]] = []
    for fid in gone:
        details.append(f"  - finding gone: {fid}")
    for fid in added:
        details.append(f"  + new finding: {fid}")
    for fid in changed:
        a, b = old[fid], new[fid]
        va = a.get("measurement", {}).get("values", {})
        vb = b.get("measurement", {}).get("values", {})
        declared = b.get("evidence", {}).get("precision", {})
        keys = [k for k in sorted(set(va) | set(vb)) if va.get(k) != vb.get(k)]
        if keys:
            for key in keys:
                line = f"  ~ {fid}: {key}: {_short(va.get(key))} -> {_short(vb.get(key))}"
                how = movement(va.get(key), vb.get(key), declared.get(key))
                details.append(f"{line} ({how})" if how else line)
                change = _relative(va.get(key), vb.get(key))
                if change is not None:
                    moves.append((change, line))
        else:
            details.append(f"  ~ {fid}: evidence or metadata changed")
    if len(moves) > 1:
        lines.append("  largest value changes:")
        moves.sort(key=lambda m: (-m[0], m[1]))
        for change, line in moves[:TOP_CHANGES]:
            lines.append(f"  {line} (relative change {change:.3g})")
    if (old_format, old_policy) != (new_format, new_policy):
        lines.append(
            f"  ! the snapshot was recorded with snapshot format {old_format} and precision "
            f"policy {old_policy}; this version writes format {new_format} and precision "
            f"policy {new_policy}: read the CHANGELOG entry, then re-record"
        )
    limit = len(details) if verbose >= 2 else MAX_DETAIL_LINES
    lines.extend(details[:limit])
    if len(details) > limit:
        lines.append(f"  ... {len(details) - limit} more changes (-vv lists them all)")
    return "\n".join(lines)


def _short(value) -> str:
    text = json.dumps(value, sort_keys=True)
    return text if len(text) <= 80 else text[:77] + "..."
