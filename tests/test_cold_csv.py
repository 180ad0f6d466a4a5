"""The cold CSV path: one read resolves the types, writes the cache entry (BuildSpool) and
runs the typing scan. What it produces must equal the two-read path: metadata, description
and findings byte for byte, the entry's batches value for value."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest

from pytest_statharness.dataset import cache as cache_mod
from pytest_statharness.dataset import dataset as dataset_mod
from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.cache import CachedSource, list_entries
from pytest_statharness.dataset.sources import csv as csv_mod
from pytest_statharness.engine import plan_for, run_analysis
from pytest_statharness.errors import StatHarnessError
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry

ANALYSES = ("profile_numeric", "profile_categorical", "profile_timestamp", "missingness")


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv(cache_mod.ENV_VAR, raising=False)


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    """Blocks of 64 KiB (types inferred from them) and 16 KiB resolving reads, so a test
    file of a few hundred KiB takes every branch a multi-GB file takes."""
    monkeypatch.setattr(csv_mod, "_BLOCK_SIZE", 1 << 16)
    monkeypatch.setattr(csv_mod, "_RESOLVE_BLOCK_SIZE", 1 << 14)


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.builtin()


def _findings(registry: Registry, dataset) -> dict[str, str | None]:
    out = {}
    for analysis_id in ANALYSES:
        analysis = registry.get(analysis_id)
        decision = decide_budget(
            row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis_id
        )
        plan = plan_for(analysis, dataset, decision.budget)
        out[analysis_id] = (
            None
            if plan is None
            else canonical_findings(run_analysis(analysis, dataset, decision.budget, plan).findings)
        )
    return out


def _csv(tmp_path: Path, *, ragged: bool = True, quoted_break: bool = False) -> Path:
    """Mixed types; a column empty in the first block (inferred null, widened to text), a
    column of integers that turns float late (widened), ragged rows after the first block."""
    rng = np.random.default_rng(7)
    lines = ["id,amount,count,late,when,label,note"]
    rows = 6000
    for i in range(rows):
        late = "" if i < 3000 else str(i % 7)
        count = str(int(rng.integers(0, 50))) if i != 5500 else "2.5"
        when = f"2024-0{1 + i % 9}-1{i % 10} 0{i % 10}:15:00"
        label = ["north", "south", "east", "west"][i % 4]
        note = f'"row {i}, {rng.choice(["ok", "late", "lost"])}"'
        if quoted_break and i == 4000:
            note = '"two\nlines"'
        lines.append(f"{i},{rng.normal(100, 20):.3f},{count},{late},{when},{label},{note}")
        if ragged and i in (4100, 5200):
            lines.append("1,2")
    path = tmp_path / "data" / "log.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 4 * csv_mod._BLOCK_SIZE
    return path


def _open(path: Path, home: Path):
    return open_dataset(
        "log", str(path), chunk_rows=1000, cache_dir=home / "datasets", meta_dir=home / "meta"
    )


def _entry_batches(home: Path) -> list[pa.RecordBatch]:
    """The entry's batches (values and boundaries; the buffers' layout may differ: a
    string chunk cut from fewer, larger blocks can keep a longer data buffer)."""
    (entry,) = list_entries(home / "datasets")
    (part,) = sorted(entry.glob("*.arrow"))
    reader = ipc.open_file(str(part))
    return [reader.get_batch(i) for i in range(reader.num_record_batches)]


def _meta_bytes(home: Path) -> bytes:
    (meta,) = list((home / "meta").glob("*.json"))
    return meta.read_bytes()


@pytest.mark.parametrize("quoted_break", [False, True])
def test_one_read_equals_two_reads(tmp_path, monkeypatch, registry, quoted_break) -> None:
    path = _csv(tmp_path, quoted_break=quoted_break)
    blocks: list[int] = []
    reader = csv_mod.CsvSource._reader

    def spy(self, columns, ragged, block_size, data=None):
        if data is None:
            blocks.append(block_size)
        return reader(self, columns, ragged, block_size, data)

    monkeypatch.setattr(csv_mod.CsvSource, "_reader", spy)
    one = _open(path, tmp_path / "one")
    assert one.cache_status["reason"] == "new" and isinstance(one.source, CachedSource)
    # no line break inside quotes: small blocks; else small blocks until the scan for quotes
    # (beside the read) finds the break, then the usual block size throughout
    if quoted_break:
        first = blocks.index(csv_mod._BLOCK_SIZE)
        assert set(blocks[:first]) <= {csv_mod._RESOLVE_BLOCK_SIZE}
        assert set(blocks[first:]) == {csv_mod._BLOCK_SIZE}
    else:
        assert blocks and set(blocks) == {csv_mod._RESOLVE_BLOCK_SIZE}
    assert not list((tmp_path / "one" / "datasets").glob(".build-*"))

    # the path before: resolve with a full read, then read the file again to build
    with monkeypatch.context() as patched:
        patched.setattr(dataset_mod, "_first_read_spool", lambda *args: None)
        patched.setattr(csv_mod, "_RESOLVE_BLOCK_SIZE", csv_mod._BLOCK_SIZE)
        two = _open(path, tmp_path / "two")
    assert two.cache_status["reason"] == "new"
    assert _meta_bytes(tmp_path / "one") == _meta_bytes(tmp_path / "two")
    batches_one, batches_two = _entry_batches(tmp_path / "one"), _entry_batches(tmp_path / "two")
    assert len(batches_one) == len(batches_two) == 6
    assert all(a.equals(b) for a, b in zip(batches_one, batches_two, strict=True))
    assert one.cache_status["key"] == two.cache_status["key"]
    assert str(one.schema.field("late").type) == "string"  # null in the first block
    assert str(one.schema.field("count").type) == "double"  # 2.5 after the first block
    assert one.bad_rows == two.bad_rows and one.bad_rows.count == 2
    assert one.bad_rows.first_positions == two.bad_rows.first_positions
    assert one.describe() == two.describe()
    assert _findings(registry, one) == _findings(registry, two)


def test_cold_result_equals_warm_and_no_cache(tmp_path, monkeypatch, registry) -> None:
    path = _csv(tmp_path)
    cold = _open(path, tmp_path / "home")
    warm = _open(path, tmp_path / "home")
    assert warm.cache_status["hit"] is True
    monkeypatch.setenv(cache_mod.ENV_VAR, "off")
    plain = _open(path, tmp_path / "plain")
    assert plain.cache_status["reason"] == "disabled"
    described = [{k: v for k, v in ds.describe().items() if k != "cache"} for ds in (cold, warm)]
    assert described[0] == described[1]
    assert described[0] == {k: v for k, v in plain.describe().items() if k != "cache"}
    expected = _findings(registry, cold)
    assert _findings(registry, warm) == expected
    assert _findings(registry, plain) == expected


def test_meta_lost_but_entry_kept_reads_once_and_reuses_the_entry(tmp_path, registry) -> None:
    path = _csv(tmp_path)
    first = _open(path, tmp_path / "home")
    for meta in (tmp_path / "home" / "meta").glob("*.json"):
        meta.unlink()
    again = _open(path, tmp_path / "home")
    assert again.cache_status == {"hit": True, "reason": "valid", "key": first.cache_status["key"]}
    assert _findings(registry, again) == _findings(registry, first)


@pytest.mark.parametrize(
    "body, message",
    [
        ('a,b\n1,"open\n' + "2,x\n" * 30000, "quoted field that is never closed"),
        ("a,b\n" + "1;2;3\n" * 30000, "every data row is ragged"),
        ("a,b\n" + "1,2\n" * 30000 + "1,2,3\n" * 400, "data rows are ragged"),
    ],
)
def test_malformed_csv_is_one_line_and_leaves_no_spool(tmp_path, body, message) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(body)
    with pytest.raises(StatHarnessError) as info:
        _open(path, tmp_path / "home")
    assert message in str(info.value) and "\n" not in str(info.value)
    cache_dir = tmp_path / "home" / "datasets"
    assert not list_entries(cache_dir)
    assert not list(cache_dir.glob(".build-*")) if cache_dir.exists() else True


def test_spool_write_failure_falls_back_to_the_file(tmp_path, monkeypatch, registry) -> None:
    path = _csv(tmp_path)
    expected = _findings(registry, _open(path, tmp_path / "ok"))

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(cache_mod, "_write_part", broken)
    dataset = _open(path, tmp_path / "full")
    assert dataset.cache_status["reason"] == "build failed: No space left on device"
    assert not isinstance(dataset.source, CachedSource)
    assert dataset.row_count == 6000
    assert _findings(registry, dataset) == expected
    assert not list((tmp_path / "full" / "datasets").glob(".build-*"))


def test_spools_of_dead_processes_are_removed(tmp_path) -> None:
    path = _csv(tmp_path, ragged=False)
    cache_dir = tmp_path / "home" / "datasets"
    dead = cache_dir / f"{cache_mod.SPOOL_PREFIX}999999999-abc"
    dead.mkdir(parents=True)
    (dead / "part-00000.arrow").write_bytes(b"x")
    dataset = _open(path, tmp_path / "home")
    assert dataset.cache_status["reason"] == "new"
    assert not dead.exists()
    meta = json.loads(_meta_bytes(tmp_path / "home"))
    assert meta["row_count"] == 6000


def test_scan_quotes(tmp_path) -> None:
    path = tmp_path / "q.csv"
    path.write_bytes(b'a,b\n1,"x ""y"" z"\n2,"p\nq"\n')
    assert csv_mod._scan_quotes(path) == (8, True)
    path.write_bytes(b'a,b\n1,"x ""y"" z"\n2,"pq"\n')
    assert csv_mod._scan_quotes(path) == (8, False)
    path.write_bytes(b'a,b\n1,"open\n')
    assert csv_mod._scan_quotes(path) == (1, True)  # the last line break is inside


def test_scan_quotes_across_blocks(tmp_path, monkeypatch) -> None:
    """A quoted field open across a block with no quote at all is still seen (the scan
    reads small blocks beside the read)."""
    monkeypatch.setattr(csv_mod, "_SCAN_BLOCK", 8)
    path = tmp_path / "q.csv"
    path.write_bytes(b'a,b\n1,"x' + b"y" * 20 + b"\nz" + b"y" * 20 + b'"\n2,q\n')
    assert csv_mod._scan_quotes(path) == (2, True)
    path.write_bytes(b'a,b\n1,"x' + b"y" * 20 + b'"\n2,q' + b"w" * 20 + b"\r\n3,r\n")
    assert csv_mod._scan_quotes(path) == (2, False)


def test_a_row_longer_than_the_small_block_reads_as_before(tmp_path, monkeypatch, registry):
    """A row that does not fit in a resolving block (16 KiB here) sends the read back to
    the usual block size: same types, rows, entry and findings as the two-read path."""
    path = _csv(tmp_path)
    lines = path.read_text().splitlines()
    long_note = '"' + "long text " * 3000 + '"'  # 30 KB: > 16 KiB, < 64 KiB
    lines[5000] = ",".join(lines[5000].split(",", 6)[:6] + [long_note])  # its note
    path.write_text("\n".join(lines) + "\n")
    blocks: list[int] = []
    reader = csv_mod.CsvSource._reader

    def spy(self, columns, ragged, block_size, data=None):
        if data is None:
            blocks.append(block_size)
        return reader(self, columns, ragged, block_size, data)

    with monkeypatch.context() as patched:
        patched.setattr(csv_mod.CsvSource, "_reader", spy)
        one = _open(path, tmp_path / "one")
    assert blocks[0] == csv_mod._RESOLVE_BLOCK_SIZE and blocks[-1] == csv_mod._BLOCK_SIZE
    with monkeypatch.context() as patched:
        patched.setattr(dataset_mod, "_first_read_spool", lambda *args: None)
        patched.setattr(csv_mod, "_RESOLVE_BLOCK_SIZE", csv_mod._BLOCK_SIZE)
        two = _open(path, tmp_path / "two")
    assert one.row_count == two.row_count == 6000
    assert _meta_bytes(tmp_path / "one") == _meta_bytes(tmp_path / "two")
    assert one.cache_status["key"] == two.cache_status["key"]
    assert _findings(registry, one) == _findings(registry, two)


@pytest.mark.parametrize("suffix", [".csv.gz", ".csv.bz2"])
def test_a_compressed_csv_reads_as_the_csv_it_holds(tmp_path, registry, suffix) -> None:
    """``log.csv.gz`` (``.bz2``) is the CSV it holds: same types, rows, bad rows and findings
    (only the file's fingerprint differs: it is taken of the bytes on disk)."""
    import bz2
    import gzip

    path = _csv(tmp_path, quoted_break=True)
    packed = path.with_name("log" + suffix)
    compress = gzip.compress if suffix.endswith(".gz") else bz2.compress
    packed.write_bytes(compress(path.read_bytes()))
    plain = _open(path, tmp_path / "plain")
    opened = _open(packed, tmp_path / "packed")
    assert opened.schema == plain.schema and opened.row_count == plain.row_count == 6000
    assert opened.bad_rows.count == plain.bad_rows.count == 2
    expected = {
        k: v if v is None else v.replace(plain.fingerprint, opened.fingerprint)
        for k, v in _findings(registry, plain).items()
    }
    assert _findings(registry, opened) == expected
