"""Evidence packs: one zip archive per run that a reviewer can check without the machine
that produced it.

Members: the run's artifacts (report.json/md/html, policy.json, scorecard.json,
telemetry.json, comparison files when present), ``provenance.json`` (from report.json),
``snapshot_hashes.json`` (sha256 of every snapshot file the run's items were checked
against) and ``MANIFEST.json``: the sha256 and size of every other member. With a key,
``MANIFEST.sig`` holds the HMAC-SHA256 of MANIFEST.json's bytes (hex). The key comes from
``STAT_HARNESS_EVIDENCE_KEY`` or a key file and is never written into any member.

:func:`verify_pack` reports every problem: a member whose bytes do not match the manifest,
a member missing from the archive or not listed in the manifest, an unreadable archive, a
signature that does not match the key, a signed pack checked without a key or an unsigned
pack checked with one, a JSON artifact that does not match its JSON Schema (or whose totals
disagree). The archive is written deterministically (sorted members, fixed
timestamps, stored uncompressed), so packing the same run twice gives the same bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import zipfile
from pathlib import Path

PACK_SCHEMA_VERSION = 1
KEY_ENV = "STAT_HARNESS_EVIDENCE_KEY"
MANIFEST = "MANIFEST.json"
SIGNATURE = "MANIFEST.sig"
RUN_FILES = (
    "report.json",
    "report.md",
    "report.html",
    "policy.json",
    "scorecard.json",
    "telemetry.json",
    "comparison_summary.json",
    "comparison_report.md",
    "comparison_report.html",
)
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


class PackError(Exception):
    """The pack cannot be built (a missing run) or read (not a pack)."""


def read_key(key_file: str | os.PathLike | None = None, env=None) -> bytes | None:
    """The signing key: a key file wins over the environment variable; None when neither."""
    if key_file is not None:
        data = Path(key_file).read_bytes().strip()
        if not data:
            raise PackError(f"key file {Path(key_file).name} is empty")
        return data
    env = os.environ if env is None else env
    value = env.get(KEY_ENV, "")
    return value.encode("utf-8") if value else None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sign(manifest_bytes: bytes, key: bytes) -> str:
    return hmac.new(key, manifest_bytes, hashlib.sha256).hexdigest()


def _canonical(value) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False) + "\n").encode()


def snapshot_hashes(report: dict, snapshot_dir: Path | None) -> dict:
    out = {}
    for item in report.get("items", []):
        rel = (item.get("snapshot") or {}).get("path")
        if not rel:
            continue
        path = Path(snapshot_dir) / rel if snapshot_dir else None
        if path is not None and path.is_file():
            out[rel] = "sha256:" + _sha256(path.read_bytes())
        else:
            out[rel] = None
    return {"schema_version": PACK_SCHEMA_VERSION, "snapshots": dict(sorted(out.items()))}


def build_members(run_dir: Path, snapshot_dir: Path | None) -> dict[str, bytes]:
    report_path = run_dir / "report.json"
    if not report_path.is_file():
        raise PackError(f"run folder {run_dir.name} has no report.json")
    members = {}
    for name in RUN_FILES:
        path = run_dir / name
        if path.is_file():
            members[name] = path.read_bytes()
    try:
        report = json.loads(members["report.json"])
    except ValueError as exc:
        raise PackError(
            f"run folder {run_dir.name}: report.json is not valid JSON ({exc})"
        ) from None
    if not isinstance(report, dict):
        raise PackError(f"run folder {run_dir.name}: report.json is not a JSON object")
    members["provenance.json"] = _canonical(report.get("provenance"))
    members["snapshot_hashes.json"] = _canonical(snapshot_hashes(report, snapshot_dir))
    return members


def write_pack(
    run_dir: Path, out: Path, *, key: bytes | None = None, snapshot_dir: Path | None = None
) -> dict:
    """Write the evidence pack of ``run_dir`` to ``out``; returns the manifest."""
    members = build_members(Path(run_dir), snapshot_dir)
    manifest = {
        "schema_version": PACK_SCHEMA_VERSION,
        "run_id": Path(run_dir).name,
        "algorithm": "sha256",
        "signed": key is not None,
        "files": {
            name: {"sha256": _sha256(data), "size": len(data)}
            for name, data in sorted(members.items())
        },
    }
    manifest_bytes = _canonical(manifest)
    entries = dict(sorted(members.items()))
    entries[MANIFEST] = manifest_bytes
    if key is not None:
        entries[SIGNATURE] = (sign(manifest_bytes, key) + "\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, data in entries.items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    from .atomic import write_bytes_atomic

    write_bytes_atomic(Path(out), buffer.getvalue())
    return manifest


def _schema_problems(contents: dict[str, bytes]) -> list[str]:
    """JSON members checked against their schemas: an unsigned pack rewritten with a fresh
    manifest still has to hold artifacts the harness could have written."""
    from .errors import StatHarnessError
    from .report.writer import ARTIFACT_SCHEMAS, validate_text

    problems = []
    for name, schema_name in sorted(ARTIFACT_SCHEMAS.items()):
        if name not in contents:
            continue
        try:
            validate_text(contents[name].decode("utf-8"), schema_name)
        except UnicodeDecodeError:
            problems.append(f"{name}: not UTF-8 text")
        except StatHarnessError as exc:
            problems.append(f"{name}: {exc}")
    return problems


def verify_pack(path: Path, *, key: bytes | None = None) -> list[str]:
    """Every problem found in the pack (an empty list: intact, and signed by ``key`` if
    one is given)."""
    problems: list[str] = []
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            if len(names) != len(set(names)):
                problems.append("the archive holds a member name twice")
            contents = {}
            for name in dict.fromkeys(names):
                try:
                    contents[name] = archive.read(name)
                except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as exc:
                    problems.append(f"{name}: unreadable ({exc})")
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return [f"not a readable evidence pack: {exc}"]
    manifest_bytes = contents.pop(MANIFEST, None)
    if manifest_bytes is None:
        return problems + [f"{MANIFEST} is missing"]
    try:
        manifest = json.loads(manifest_bytes)
        files = manifest["files"]
    except (ValueError, KeyError, TypeError):
        return problems + [f"{MANIFEST} is not a valid manifest"]
    signature = contents.pop(SIGNATURE, None)
    for name, entry in sorted(files.items()):
        data = contents.get(name)
        if data is None:
            if not any(p.startswith(f"{name}:") for p in problems):
                problems.append(f"{name}: listed in the manifest but missing from the pack")
            continue
        if _sha256(data) != entry.get("sha256") or len(data) != entry.get("size"):
            problems.append(f"{name}: content does not match its sha256 in the manifest")
    for name in sorted(set(contents) - set(files)):
        problems.append(f"{name}: in the pack but not in the manifest")
    problems += _schema_problems(contents)
    if signature is not None:
        if key is None:
            problems.append(
                f"the pack is signed; give the key ({KEY_ENV} or --key-file) to check it"
            )
        elif not hmac.compare_digest(
            signature.strip().decode("ascii", "replace"), sign(manifest_bytes, key)
        ):
            problems.append("the HMAC signature does not match (wrong key or altered manifest)")
    elif key is not None:
        problems.append("the pack is not signed, but a key was given")
    if manifest.get("signed") and signature is None:
        problems.append(f"the manifest says the pack is signed but {SIGNATURE} is missing")
    return problems
