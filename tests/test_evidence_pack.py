"""Evidence packs: built deterministically, verified, and any tampering detected."""

from __future__ import annotations

import json
import zipfile

import pytest

from pytest_statharness import store
from pytest_statharness.cli import main
from pytest_statharness.evidence_pack import KEY_ENV, MANIFEST, SIGNATURE, verify_pack, write_pack

KEY = b"correct horse battery staple"


def _valid_report(run_id: str, root) -> dict:
    """A report.json that matches its schema (as the writer would make it)."""
    from pytest_statharness import provenance as prov
    from pytest_statharness.scorecard import build_scorecard
    from pytest_statharness.settings import RunSettings

    report = {
        "schema_version": 2,
        "run_id": run_id,
        "exit_status": 0,
        "golden_policy": "default",
        "provenance": prov.collect(
            argv=["pytest"], root=root, options=RunSettings(), inipath=None, started=1.0, ended=2.0
        ),
        "datasets": [],
        "summary": {"items": 1, "outcomes": {"passed": 1}},
        "items": [
            {
                "nodeid": "statharness::histogram[sales]",
                "analysis_id": "histogram",
                "dataset": "sales",
                "family": "distribution",
                "outcome": "passed",
                "snapshot": {"status": "match", "path": "sales/histogram.json"},
                "skip": None,
                "error": None,
                "telemetry": {
                    "wall_s": 0.1,
                    "cpu_s": 0.1,
                    "rows_scanned": 10,
                    "passes": 1,
                    "chunks": 1,
                    "rows_per_s": 100.0,
                    "cache_hit": True,
                    "peak_rss_mb": 100.0,
                },
                "findings": [],
            }
        ],
        "scorecard": None,
        "comparison": None,
    }
    report["scorecard"] = build_scorecard(report, network_mode="off")
    return report


@pytest.fixture
def home(tmp_path):
    from pytest_statharness.report.writer import build_telemetry, validate

    home = tmp_path / "appdata"
    _seq, run_id = store.new_run(home, datasets=["sales"])
    run_dir = home / "runs" / run_id
    run_dir.mkdir(parents=True)
    report = _valid_report(run_id, tmp_path)
    policy = {
        "schema_version": 2,
        "run_id": run_id,
        "golden_policy": "default",
        "network_mode": "off",
        "items": {},
    }
    for document, name in ((report, "report"), (policy, "policy")):
        validate(document, name)
    (run_dir / "report.json").write_text(json.dumps(report))
    (run_dir / "report.md").write_text("# statharness run\n")
    (run_dir / "report.html").write_text("<!doctype html><title>r</title>\n")
    (run_dir / "policy.json").write_text(json.dumps(policy))
    (run_dir / "scorecard.json").write_text(json.dumps(report["scorecard"]))
    (run_dir / "telemetry.json").write_text(json.dumps(build_telemetry(report)))
    snapshots = tmp_path / "snapshots" / "sales"
    snapshots.mkdir(parents=True)
    (snapshots / "histogram.json").write_text('{"findings": []}\n')
    return home


def _rewrite(src, dst, change):
    """Copy a pack member by member; ``change(name, data)`` returns new bytes or None to drop."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = change(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info, data)
    return dst


def test_pack_is_deterministic_and_verifies(home, tmp_path) -> None:
    run_dir = home / "runs" / "run-000001"
    a, b = tmp_path / "a.zip", tmp_path / "b.zip"
    manifest = write_pack(run_dir, a, key=KEY, snapshot_dir=tmp_path / "snapshots")
    write_pack(run_dir, b, key=KEY, snapshot_dir=tmp_path / "snapshots")
    assert a.read_bytes() == b.read_bytes()
    names = set(zipfile.ZipFile(a).namelist())
    assert names == set(manifest["files"]) | {MANIFEST, SIGNATURE}
    assert {"report.json", "report.md", "report.html", "policy.json", "scorecard.json"} <= names
    assert {"telemetry.json", "provenance.json", "snapshot_hashes.json"} <= names
    hashes = json.loads(zipfile.ZipFile(a).read("snapshot_hashes.json"))
    assert hashes["snapshots"]["sales/histogram.json"].startswith("sha256:")
    assert verify_pack(a, key=KEY) == []
    # the key is in no member
    for name in names:
        assert KEY not in zipfile.ZipFile(a).read(name)


def test_every_tampering_is_detected(home, tmp_path) -> None:
    pack = tmp_path / "pack.zip"
    write_pack(home / "runs" / "run-000001", pack, key=KEY, snapshot_dir=tmp_path / "snapshots")
    members = zipfile.ZipFile(pack).namelist()
    raw = pack.read_bytes()
    for info in zipfile.ZipFile(pack).infolist():
        # a byte flipped inside the member's stored data, in place
        start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
        flipped = bytearray(raw)
        flipped[start] ^= 0x01
        bad = tmp_path / f"flip-{info.filename}.zip"
        bad.write_bytes(bytes(flipped))
        assert verify_pack(bad, key=KEY), f"flipped byte in {info.filename} not detected"
        # the same change with the zip's CRC rewritten: only the manifest can tell
        edited = _rewrite(
            pack,
            tmp_path / f"edit-{info.filename}.zip",
            lambda name, data, target=info.filename: (
                bytes([data[0] ^ 0x01]) + data[1:] if name == target else data
            ),
        )
        assert verify_pack(edited, key=KEY), f"edited {info.filename} not detected"
    for name in members:
        removed = _rewrite(
            pack, tmp_path / f"rm-{name}.zip", lambda n, d, target=name: None if n == target else d
        )
        assert verify_pack(removed, key=KEY), f"removing {name} not detected"
    added = _rewrite(pack, tmp_path / "added.zip", lambda n, d: d)
    with zipfile.ZipFile(added, "a") as archive:
        archive.writestr("extra.txt", "smuggled")
    assert verify_pack(added, key=KEY) == ["extra.txt: in the pack but not in the manifest"]
    problems = verify_pack(pack, key=b"wrong key")
    assert problems == ["the HMAC signature does not match (wrong key or altered manifest)"]
    assert "the pack is signed" in verify_pack(pack, key=None)[0]
    (tmp_path / "garbage.zip").write_bytes(b"not a zip")
    assert verify_pack(tmp_path / "garbage.zip")[0].startswith("not a readable evidence pack")


def test_cli_pack_and_verify(home, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(KEY_ENV, KEY.decode())
    out = tmp_path / "evidence.zip"
    assert main(["evidence", "pack", "latest", "--home", str(home), "--out", str(out)]) == 0
    assert "signed (HMAC-SHA256)" in capsys.readouterr().out
    assert main(["evidence", "verify", str(out)]) == 0
    assert "intact and signed" in capsys.readouterr().out
    key_file = tmp_path / "other.key"
    key_file.write_text("another key\n")
    assert main(["evidence", "verify", str(out), "--key-file", str(key_file)]) == 1
    assert "HMAC signature does not match" in capsys.readouterr().out
    monkeypatch.delenv(KEY_ENV)
    assert main(["evidence", "verify", str(out)]) == 1
    unsigned = tmp_path / "unsigned.zip"
    assert main(["evidence", "pack", "--home", str(home), "--out", str(unsigned)]) == 0
    assert "unsigned" in capsys.readouterr().out
    assert main(["evidence", "verify", str(unsigned)]) == 0
    assert main(["evidence", "verify", str(tmp_path / "missing.zip")]) == 2


def _repack_unsigned(pack, out, change):
    """What a forger without the key can do: change members and write a fresh manifest."""
    import hashlib

    with zipfile.ZipFile(pack) as zin:
        members = {n: zin.read(n) for n in zin.namelist() if n not in (MANIFEST, SIGNATURE)}
    members = {name: change(name, data) for name, data in members.items()}
    manifest = json.loads(zipfile.ZipFile(pack).read(MANIFEST))
    manifest["signed"] = False
    manifest["files"] = {
        n: {"sha256": hashlib.sha256(d).hexdigest(), "size": len(d)} for n, d in members.items()
    }
    with zipfile.ZipFile(out, "w") as zout:
        for name, data in members.items():
            zout.writestr(name, data)
        zout.writestr(MANIFEST, json.dumps(manifest, sort_keys=True, indent=1) + "\n")
    return out


def _edit_json(target: str, edit):
    def change(name, data):
        if name != target:
            return data
        document = json.loads(data)
        edit(document)
        return json.dumps(document).encode()

    return change


@pytest.mark.parametrize(
    ("member", "edit", "problem"),
    [
        ("scorecard.json", lambda d: d["pillars"]["secure"].update(score=2.0), "release_ready"),
        ("scorecard.json", lambda d: d["pillars"].pop("citable"), "'citable' is a required"),
        ("scorecard.json", lambda d: d.update(schema_version=7), "schema_version"),
        (
            "telemetry.json",
            lambda d: d["items"]["statharness::histogram[sales]"].update(wall_s=-1),
            "minimum of 0",
        ),
        ("telemetry.json", lambda d: d.pop("run_id"), "'run_id' is a required"),
        ("report.json", lambda d: d["scorecard"].update(release_ready=False), "release_ready"),
    ],
)
def test_a_rewritten_unsigned_pack_with_an_invalid_artifact_is_refused(
    home, tmp_path, member, edit, problem
) -> None:
    pack = tmp_path / "pack.zip"
    write_pack(home / "runs" / "run-000001", pack, snapshot_dir=tmp_path / "snapshots")
    assert verify_pack(pack) == []
    forged = _repack_unsigned(pack, tmp_path / "forged.zip", _edit_json(member, edit))
    problems = verify_pack(forged)
    assert len(problems) == 1 and problems[0].startswith(f"{member}: "), problems
    assert problem in problems[0]


def test_a_pack_of_a_run_that_never_finished_says_so(home, tmp_path, capsys) -> None:
    """A pack of a crashed (interrupted) run was built without a word: it holds what the
    run got to write, not a finished run's verdict."""
    run_id = store.list_runs(home)[0]["run_id"]
    out = tmp_path / "p.zip"
    assert (
        main(["evidence", "pack", run_id, "--home", str(home), "--out", str(out), "--no-sign"]) == 0
    )
    assert "never finished" in capsys.readouterr().err
    store.finish_run(home, run_id, 0, {}, {})
    assert (
        main(["evidence", "pack", run_id, "--home", str(home), "--out", str(out), "--no-sign"]) == 0
    )
    assert "never finished" not in capsys.readouterr().err
