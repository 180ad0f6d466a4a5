"""Evidence packs: built deterministically, verified, and any tampering detected."""

from __future__ import annotations

import json
import zipfile

import pytest

from pytest_statharness import store
from pytest_statharness.cli import main
from pytest_statharness.evidence_pack import KEY_ENV, MANIFEST, SIGNATURE, verify_pack, write_pack

KEY = b"correct horse battery staple"


@pytest.fixture
def home(tmp_path):
    home = tmp_path / "appdata"
    _seq, run_id = store.new_run(home, datasets=["sales"])
    run_dir = home / "runs" / run_id
    run_dir.mkdir(parents=True)
    report = {
        "run_id": run_id,
        "provenance": {"argv": ["pytest"], "settings_hash": "sha256:" + "0" * 64},
        "items": [
            {
                "nodeid": "statharness::histogram[sales]",
                "snapshot": {"status": "match", "path": "sales/histogram.json"},
                "findings": [],
            }
        ],
    }
    (run_dir / "report.json").write_text(json.dumps(report))
    (run_dir / "report.md").write_text("# statharness run\n")
    (run_dir / "report.html").write_text("<!doctype html><title>r</title>\n")
    (run_dir / "policy.json").write_text('{"items": {}}\n')
    (run_dir / "scorecard.json").write_text('{"pillars": {}}\n')
    (run_dir / "telemetry.json").write_text('{"items": {}}\n')
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
