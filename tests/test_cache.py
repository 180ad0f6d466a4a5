"""The columnar dataset cache: hit/miss reasons, integrity, atomic build under a lock,
identical findings with the cache on and off."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from conftest import small_frame
from pytest_statharness.dataset import cache as cache_mod
from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.cache import (
    CachedSource,
    attach_cache,
    check_entry,
    list_entries,
)
from pytest_statharness.dataset.sources.csv import CsvSource
from pytest_statharness.engine import plan_for, run_analysis
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv(cache_mod.ENV_VAR, raising=False)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.builtin()


def _findings(registry: Registry, dataset, analysis_id: str = "profile_numeric") -> str | None:
    analysis = registry.get(analysis_id)
    decision = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis.id
    )
    plan = plan_for(analysis, dataset, decision.budget)
    if plan is None:
        return None
    return canonical_findings(run_analysis(analysis, dataset, decision.budget, plan).findings)


def _parquet(tmp_path: Path, rows: int = 3000, seed: int = 0) -> Path:
    path = tmp_path / "data" / "sales.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    small_frame(rows, seed).to_parquet(path, index=False)
    return path


def _partitioned(tmp_path: Path) -> Path:
    root = tmp_path / "data" / "parts"
    frame = small_frame(2500, 3)
    for i, region in enumerate(["east", "north", "south"]):
        folder = root / f"region={region}"
        folder.mkdir(parents=True)
        part = frame[frame["region"] == region].drop(columns=["region"])
        part.iloc[: 400 + 150 * i].to_parquet(folder / "part-0.parquet", index=False)
    return root


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "data" / "sales.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    small_frame(2000, 1).to_csv(path, index=False)
    with open(path, "a") as handle:  # a ragged row: dropped and counted, with or without cache
        handle.write("1.0,2.0\n")
    return path


# -- identical findings ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["parquet", "csv", "partitioned"])
def test_findings_identical_with_cache_on_and_off(tmp_path, registry, kind) -> None:
    path = {"parquet": _parquet, "csv": _csv, "partitioned": _partitioned}[kind](tmp_path)
    cache_dir = tmp_path / "cache"
    plain = open_dataset("sales", str(path), chunk_rows=512)
    built = open_dataset("sales", str(path), chunk_rows=512, cache_dir=cache_dir)
    reused = open_dataset(
        "sales", str(path), chunk_rows=512, cache_dir=cache_dir, meta_dir=tmp_path / "meta"
    )
    assert plain.cache_status is None
    assert built.cache_status["hit"] is False and built.cache_status["reason"] == "new"
    assert reused.cache_status == {"hit": True, "reason": "valid", "key": built.cache_status["key"]}
    assert isinstance(reused.source, CachedSource)
    # The fingerprint is the original content's, and the description does not change.
    assert plain.fingerprint == built.fingerprint == reused.fingerprint

    def described(ds):  # everything but the cache outcome itself
        return {k: v for k, v in ds.describe().items() if k != "cache"}

    assert described(plain) == described(built) == described(reused)
    expected = _findings(registry, plain)
    assert expected is not None
    assert _findings(registry, built) == expected
    assert _findings(registry, reused) == expected
    if kind == "csv":
        assert reused.bad_rows.count == plain.bad_rows.count == 1


def test_every_registered_analysis_identical_with_cache(tmp_path, registry) -> None:
    path = _parquet(tmp_path, rows=2000)
    plain = open_dataset("sales", str(path), chunk_rows=700)
    cached = open_dataset("sales", str(path), chunk_rows=700, cache_dir=tmp_path / "cache")
    cached = open_dataset("sales", str(path), chunk_rows=700, cache_dir=tmp_path / "cache")
    assert cached.cache_status["hit"]
    for analysis_id in registry.ids():
        assert _findings(registry, cached, analysis_id) == _findings(
            registry, plain, analysis_id
        ), analysis_id


# -- layout and manifest -----------------------------------------------------------------------------
def test_entry_layout_and_manifest(tmp_path) -> None:
    path = _partitioned(tmp_path)
    cache_dir = tmp_path / "cache"
    dataset = open_dataset("parts", str(path), chunk_rows=256, cache_dir=cache_dir)
    key = dataset.cache_status["key"]
    entry = cache_dir / key
    assert [p.name for p in list_entries(cache_dir)] == [key]
    manifest = json.loads((entry / "manifest.json").read_text())
    assert manifest["key"] == key
    assert manifest["schema_version"] == cache_mod.MANIFEST_SCHEMA_VERSION
    assert manifest["row_count"] == dataset.row_count
    assert manifest["source"]["name"] == "parts"
    assert manifest["source"]["parts"] == list(dataset.source.parts())
    assert manifest["created_by"].startswith("pytest-statharness")
    assert [c["name"] for c in manifest["columns"]] == dataset.column_names
    assert len(manifest["files"]) == 3  # one IPC file per source part
    for item in manifest["files"]:
        data = entry / item["path"]
        assert item["bytes"] == data.stat().st_size
        reader = ipc.open_file(pa.memory_map(str(data)))
        sizes = [reader.get_batch(i).num_rows for i in range(reader.num_record_batches)]
        assert all(s == 256 for s in sizes[:-1]) and 0 < sizes[-1] <= 256  # canonical chunks
        assert sum(sizes) == item["rows"]
        assert reader.get_batch(0).column(0).buffers()[1] is not None
    # No absolute paths of this machine in anything the cache writes.
    for file in cache_dir.rglob("*.json"):
        assert str(tmp_path) not in file.read_text(), file
    assert not list(cache_dir.glob(".build-*")) and not list(cache_dir.glob(".trash-*"))


# -- integrity -------------------------------------------------------------------------------------
def _flip_byte(path: Path, offset: int) -> None:
    with open(path, "r+b") as handle:
        handle.seek(offset)
        byte = handle.read(1)
        handle.seek(offset)
        handle.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("damage", ["flip", "truncate", "manifest", "missing"])
def test_corrupt_entry_is_detected_reported_and_rebuilt(tmp_path, registry, damage) -> None:
    path = _parquet(tmp_path)
    cache_dir = tmp_path / "cache"
    first = open_dataset("sales", str(path), cache_dir=cache_dir)
    expected = _findings(registry, first)
    entry = cache_dir / first.cache_status["key"]
    data = entry / "part-00000.arrow"
    del first  # release the memory map before damaging the file
    if damage == "flip":
        _flip_byte(data, data.stat().st_size // 2)
    elif damage == "truncate":
        with open(data, "r+b") as handle:
            handle.truncate(data.stat().st_size - 100)
    elif damage == "manifest":
        (entry / "manifest.json").write_text('{"key": ')
    else:
        data.unlink()
    assert not check_entry(entry).ok
    again = open_dataset("sales", str(path), cache_dir=cache_dir)
    assert again.cache_status == {"hit": False, "reason": "corrupt", "key": entry.name}
    assert check_entry(entry).ok
    assert _findings(registry, again) == expected
    third = open_dataset("sales", str(path), cache_dir=cache_dir)
    assert third.cache_status["hit"] and third.cache_status["reason"] == "valid"
    assert not list(cache_dir.glob(".build-*")) and not list(cache_dir.glob(".trash-*"))


def test_source_changed_is_reported_and_old_entry_dropped(tmp_path) -> None:
    path = _parquet(tmp_path, seed=0)
    cache_dir = tmp_path / "cache"
    old = open_dataset("sales", str(path), cache_dir=cache_dir).cache_status["key"]
    small_frame(3000, seed=9).to_parquet(path, index=False)
    status = open_dataset("sales", str(path), cache_dir=cache_dir).cache_status
    assert status["hit"] is False and status["reason"] == "source changed"
    assert status["key"] != old
    assert [p.name for p in list_entries(cache_dir)] == [status["key"]]
    # Another location with new content: "new", and both entries kept.
    other = _parquet(tmp_path / "elsewhere", seed=5)
    assert open_dataset("o", str(other), cache_dir=cache_dir).cache_status["reason"] == "new"
    assert len(list_entries(cache_dir)) == 2


def test_schema_changed_is_reported(tmp_path) -> None:
    path = tmp_path / "t.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": ["x", "y", "z"]}).to_csv(path, index=False)
    cache_dir = tmp_path / "cache"
    common = dict(content_key="same-bytes", chunk_rows=65536, file=path, table=None)
    inferred = CsvSource(path)
    _, first = attach_cache(inferred, cache_dir, schema=inferred.schema, **common)
    assert first["reason"] == "new"
    as_text = CsvSource(path, column_types={"a": pa.string(), "b": pa.string()})
    source, second = attach_cache(as_text, cache_dir, schema=as_text.schema, **common)
    assert second["hit"] is False and second["reason"] == "schema changed"
    assert second["key"] != first["key"]
    batch = next(source.iter_part_batches(0, None, 10))
    assert batch.column("a").type == pa.string()


def test_disabled_by_env(tmp_path, monkeypatch, registry) -> None:
    path = _parquet(tmp_path)
    monkeypatch.setenv("STAT_HARNESS_DATASET_CACHE", "off")
    dataset = open_dataset("sales", str(path), cache_dir=tmp_path / "cache")
    assert dataset.cache_status == {"hit": False, "reason": "disabled", "key": None}
    assert not isinstance(dataset.source, CachedSource)
    assert not list_entries(tmp_path / "cache")
    assert _findings(registry, dataset) is not None


def test_dictionary_columns_are_not_cached(tmp_path) -> None:
    path = tmp_path / "cat.parquet"
    frame = pd.DataFrame({"x": np.arange(100.0), "c": pd.Categorical(["a", "b"] * 50)})
    frame.to_parquet(path, index=False)
    dataset = open_dataset("cat", str(path), cache_dir=tmp_path / "cache")
    assert dataset.cache_status == {"hit": False, "reason": "unsupported", "key": None}
    assert dataset.row_count == 100


def test_failed_build_leaves_no_entry_and_falls_back_to_the_source(
    tmp_path, monkeypatch, registry
) -> None:
    path = _parquet(tmp_path)
    cache_dir = tmp_path / "cache"
    expected = _findings(registry, open_dataset("sales", str(path)))

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod, "_write_part", broken)
    dataset = open_dataset("sales", str(path), cache_dir=cache_dir)
    assert dataset.cache_status["hit"] is False
    assert dataset.cache_status["reason"] == "build failed: No space left on device"
    assert not isinstance(dataset.source, CachedSource)
    assert _findings(registry, dataset) == expected
    assert not list_entries(cache_dir) and not list(cache_dir.glob(".build-*"))
    monkeypatch.undo()
    status = open_dataset("sales", str(path), cache_dir=cache_dir).cache_status
    assert status["reason"] == "new" and check_entry(cache_dir / status["key"]).ok


def test_unwritable_cache_folder_falls_back(tmp_path) -> None:
    path = _parquet(tmp_path)
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    dataset = open_dataset("sales", str(path), cache_dir=blocker / "cache")
    assert dataset.cache_status["reason"].startswith("build failed")
    assert dataset.row_count == 3000


# -- two processes racing ---------------------------------------------------------------------------
def _race_worker(path: str, cache_dir: str, log: str, barrier, results) -> None:
    """Runs in a fresh (spawned) process: open the dataset with a slow build."""
    from pytest_statharness.dataset import cache as mod
    from pytest_statharness.dataset import open_dataset as open_

    original = mod._write_part

    def slow_write(*args, **kwargs):
        with open(log, "a") as handle:
            handle.write("build\n")
        time.sleep(1.0)  # widen the window in which the other process arrives
        return original(*args, **kwargs)

    mod._write_part = slow_write
    barrier.wait(timeout=120)
    dataset = open_(
        "sales", path, cache_dir=Path(cache_dir), meta_dir=Path(cache_dir).parent / "meta"
    )
    results.put((dataset.cache_status, dataset.row_count, dataset.fingerprint))


def _race(method: str, path, cache_dir, log) -> tuple[list, list]:
    """Two processes open ``path`` at once (a barrier); their outcomes, and the cache
    statuses ordered miss first, checked to be one build and one hit of the same key."""
    ctx = multiprocessing.get_context(method)
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_race_worker, args=(str(path), str(cache_dir), str(log), barrier, results)
        )
        for _ in range(2)
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=180) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
        assert proc.exitcode == 0
    statuses = sorted((s for s, _, _ in outcomes), key=lambda s: s["hit"])
    assert [s["hit"] for s in statuses] == [False, True]
    assert statuses[0]["reason"] == "new" and statuses[1]["reason"] == "valid"
    assert statuses[0]["key"] == statuses[1]["key"]
    return outcomes, statuses


@pytest.mark.slow
@pytest.mark.parametrize("method", ["spawn"])
def test_two_processes_racing_build_one_valid_entry(tmp_path, method) -> None:
    path = _parquet(tmp_path)
    cache_dir = tmp_path / "cache"
    log = tmp_path / "builds.log"
    outcomes, statuses = _race(method, path, cache_dir, log)
    assert log.read_text().count("build") == 1  # one part, built once
    assert len({(rows, fp) for _, rows, fp in outcomes}) == 1
    entries = list_entries(cache_dir)
    assert [e.name for e in entries] == [statuses[0]["key"]]
    assert check_entry(entries[0]).ok
    assert not list(cache_dir.glob(".build-*"))


@pytest.mark.slow
def test_two_processes_racing_on_a_cold_csv_one_valid_entry(tmp_path) -> None:
    """A cold CSV is written while it is read, before its key is known: both processes
    write a spool, one adopts its own, the other finds the entry and drops its spool."""
    path = _csv(tmp_path)
    cache_dir = tmp_path / "cache"
    log = tmp_path / "builds.log"
    outcomes, statuses = _race("spawn", path, cache_dir, log)
    assert log.read_text().count("build") == 2  # each read wrote its spool
    assert len({(rows, fp) for _, rows, fp in outcomes}) == 1
    entries = list_entries(cache_dir)
    assert [e.name for e in entries] == [statuses[0]["key"]]
    assert check_entry(entries[0]).ok
    assert not list(cache_dir.glob(".build-*"))


def test_spills_of_dead_sessions_are_removed_and_live_ones_kept(tmp_path) -> None:
    """A killed session leaves its duplicate-analysis spills (hashes-<pid>-*.bin,
    candidates-<pid>-*.arrow) under <home>/cache/grouped: the next session removes those
    of processes that no longer run, never a live one's or another file."""
    import os
    import subprocess
    import sys

    from pytest_statharness.dataset.cache import SPILL_PREFIXES, remove_dead_owners

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_pid = int(dead.stdout)
    live_pid = os.getpid()
    names = [
        f"hashes-{dead_pid}-ab.bin",
        f"candidates-{dead_pid}-cd.arrow",
        f"hashes-{live_pid}-ef.bin",
        "grouped-1234.arrow",
        "hashes-notapid-x.bin",
    ]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    assert remove_dead_owners(tmp_path, SPILL_PREFIXES) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])
