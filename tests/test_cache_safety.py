"""The cache cannot be poisoned, cleared from under a session, or read wider than its source."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc
import pyarrow.parquet as pq
import pytest

from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.cache import MANIFEST, check_entry, list_entries


def _source(tmp_path: Path, mode: int = 0o644) -> Path:
    path = tmp_path / "data" / "t.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(
        pa.table({"a": pa.array(range(5000), pa.int64()), "b": [i / 8 for i in range(5000)]}),
        path,
    )
    os.chmod(path, mode)
    return path


def _sum(dataset) -> float:
    return sum(float(pa.compute.sum(b.column("a")).as_py()) for b in dataset.iter_batches())


def _poison(entry: Path) -> None:
    """Rewrite the first part with other values, and make the manifest's size and sha256
    match the new bytes (what an attacker with write access to the cache would do)."""
    manifest = json.loads((entry / MANIFEST).read_text())
    item = manifest["files"][0]
    part = entry / item["path"]
    table = ipc.open_file(pa.BufferReader(part.read_bytes())).read_all()
    poisoned = table.set_column(0, "a", pa.array([0] * table.num_rows, pa.int64()))
    os.chmod(part, 0o644)
    with ipc.new_file(str(part), poisoned.schema) as writer:
        writer.write_table(poisoned, max_chunksize=manifest["chunk_rows"])
    item["bytes"] = part.stat().st_size
    item["sha256"] = hashlib.sha256(part.read_bytes()).hexdigest()
    os.chmod(entry / MANIFEST, 0o644)
    (entry / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))


def test_a_poisoned_entry_fails_its_check_and_is_rebuilt(tmp_path) -> None:
    source, cache = _source(tmp_path), tmp_path / "cache"
    clean = _sum(open_dataset("t", str(source), cache_dir=cache))
    (entry,) = list_entries(cache)
    assert check_entry(entry).ok
    _poison(entry)
    check = check_entry(entry)
    assert not check.ok and "signature" in check.problem
    dataset = open_dataset("t", str(source), cache_dir=cache)
    assert dataset.cache_status["reason"] == "corrupt"
    assert _sum(dataset) == clean == sum(range(5000))
    assert check_entry(entry).ok


def test_a_forged_secret_does_not_help(tmp_path) -> None:
    source, cache = _source(tmp_path), tmp_path / "cache"
    open_dataset("t", str(source), cache_dir=cache)
    (entry,) = list_entries(cache)
    assert stat.S_IMODE((cache / ".key").stat().st_mode) == 0o600
    (cache / ".key").unlink()
    assert "missing" in check_entry(entry).problem


def test_clearing_the_cache_does_not_break_a_session_reading_it(tmp_path) -> None:
    source, cache = _source(tmp_path), tmp_path / "cache"
    dataset = open_dataset("t", str(source), cache_dir=cache)
    assert dataset.cache_status["hit"] is False  # built now, and streamed from the entry
    shutil.rmtree(cache)  # `statharness cache clear` or another session's rebuild
    assert _sum(dataset) == sum(range(5000))
    again = open_dataset("t", str(source), cache_dir=cache)  # rebuilt for the next one
    assert _sum(again) == sum(range(5000))


def test_a_rebuild_under_a_reader_does_not_break_it(tmp_path) -> None:
    source, cache = _source(tmp_path), tmp_path / "cache"
    open_dataset("t", str(source), cache_dir=cache)
    reader = open_dataset("t", str(source), cache_dir=cache)
    assert reader.cache_status["hit"] is True
    (entry,) = list_entries(cache)
    manifest = json.loads((entry / MANIFEST).read_text())
    manifest["created"] = "2000-01-01T00:00:00Z"  # the signature no longer matches
    os.chmod(entry / MANIFEST, 0o644)
    (entry / MANIFEST).write_text(json.dumps(manifest))
    rebuilt = open_dataset("t", str(source), cache_dir=cache)  # renames the entry away
    assert rebuilt.cache_status["reason"] == "corrupt"
    assert _sum(reader) == sum(range(5000))


@pytest.mark.parametrize(("mode", "private"), [(0o600, True), (0o640, True), (0o644, False)])
def test_cache_copy_is_no_wider_than_its_source(tmp_path, mode, private) -> None:
    source, cache = _source(tmp_path, mode), tmp_path / "cache"
    open_dataset("t", str(source), cache_dir=cache)
    (entry,) = list_entries(cache)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in entry.iterdir()}
    assert stat.S_IMODE(entry.stat().st_mode) == (0o700 if private else 0o755)
    assert set(modes.values()) == {0o600 if private else 0o644}
