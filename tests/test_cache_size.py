"""The dataset cache's size (issue 10): compressed entries, a size cap with least-recently-
used eviction that never takes an entry a running session uses, and the settings for both."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pyarrow.ipc as ipc
import pytest

from conftest import small_frame
from pytest_statharness.cli import main
from pytest_statharness.dataset import cache as cache_mod
from pytest_statharness.dataset import open_dataset
from pytest_statharness.dataset.cache import enforce_size_cap, in_use, last_used, list_entries
from pytest_statharness.engine import plan_for, run_analysis
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.options import (
    CACHE_COMPRESSIONS,
    DEFAULT_CACHE_MAX_BYTES,
    parse_cache_compression,
    parse_cache_max_size,
)
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry


@pytest.fixture(autouse=True)
def _cache_on(monkeypatch):
    monkeypatch.delenv(cache_mod.ENV_VAR, raising=False)
    monkeypatch.delenv("STAT_HARNESS_CACHE_MAX_SIZE", raising=False)
    monkeypatch.delenv("STAT_HARNESS_CACHE_COMPRESSION", raising=False)


def _parquet(folder: Path, name: str = "sales", rows: int = 3000, seed: int = 0) -> Path:
    path = folder / "data" / f"{name}.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    small_frame(rows, seed).to_parquet(path, index=False)
    return path


def _findings(dataset, analysis_id: str) -> str | None:
    analysis = Registry.builtin().get(analysis_id)
    decision = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis.id
    )
    plan = plan_for(analysis, dataset, decision.budget)
    if plan is None:
        return None
    return canonical_findings(run_analysis(analysis, dataset, decision.budget, plan).findings)


def _entry_size(entry: Path) -> int:
    return sum(p.stat().st_size for p in entry.iterdir())


def test_light_constants_match_the_cache() -> None:
    """options.py keeps copies (it must not import pyarrow): they must not drift."""
    assert CACHE_COMPRESSIONS == cache_mod.COMPRESSIONS
    assert DEFAULT_CACHE_MAX_BYTES == cache_mod.DEFAULT_MAX_BYTES
    assert cache_mod.DEFAULT_COMPRESSION == "lz4"


def test_keys_are_full_length_sha256(tmp_path) -> None:
    dataset = open_dataset("sales", str(_parquet(tmp_path)), cache_dir=tmp_path / "cache")
    key = dataset.cache_status["key"]
    assert len(key) == 64 and int(key, 16) >= 0


@pytest.mark.parametrize("codec", ["lz4", "zstd", "none"])
def test_entries_use_the_codec_and_findings_do_not_change(tmp_path, codec) -> None:
    path = _parquet(tmp_path, rows=4000)
    plain = open_dataset("sales", str(path), chunk_rows=700)
    cache_dir = tmp_path / "cache"
    open_dataset("sales", str(path), chunk_rows=700, cache_dir=cache_dir, cache_compression=codec)
    cached = open_dataset(
        "sales", str(path), chunk_rows=700, cache_dir=cache_dir, cache_compression=codec
    )
    assert cached.cache_status["hit"]
    entry = cache_dir / cached.cache_status["key"]
    assert cache_mod.read_manifest(entry)["compression"] == codec
    reader = ipc.open_file(str(entry / "part-00000.arrow"))
    assert reader.num_record_batches == 6  # canonical chunks of 700 rows, compressed or not
    for analysis_id in ("profile_numeric", "categorical_profile", "missingness"):
        if analysis_id in Registry.builtin().ids():
            assert _findings(cached, analysis_id) == _findings(plain, analysis_id), analysis_id
    # a column subset comes back in the order asked for, equal to the source's
    got = [b for b in cached.iter_batches(columns=["units", "amount"])]
    want = [b for b in plain.iter_batches(columns=["units", "amount"])]
    assert [b.schema.names for b in got][0] == ["units", "amount"]
    assert sum(b.num_rows for b in got) == 4000
    import pyarrow as pa

    assert pa.Table.from_batches(got).equals(pa.Table.from_batches(want))


def test_compressed_entries_are_smaller(tmp_path) -> None:
    path = _parquet(tmp_path, rows=20000)
    sizes = {}
    for codec in ("none", "lz4", "zstd"):
        cache_dir = tmp_path / f"cache-{codec}"
        dataset = open_dataset("sales", str(path), cache_dir=cache_dir, cache_compression=codec)
        sizes[codec] = _entry_size(cache_dir / dataset.cache_status["key"])
    assert sizes["zstd"] < sizes["lz4"] < sizes["none"], sizes


def test_an_entry_of_another_codec_is_still_used(tmp_path) -> None:
    """The codec is recorded in the file, not in the key: changing the setting reuses entries."""
    path = _parquet(tmp_path)
    cache_dir = tmp_path / "cache"
    open_dataset("sales", str(path), cache_dir=cache_dir, cache_compression="zstd")
    again = open_dataset("sales", str(path), cache_dir=cache_dir, cache_compression="none")
    assert again.cache_status["hit"]


def _three_entries(tmp_path: Path) -> tuple[list[Path], Path, list[str]]:
    cache_dir = tmp_path / "cache"
    paths = [_parquet(tmp_path / n, n, seed=i) for i, n in enumerate(("a", "b", "c"))]
    keys = []
    for path in paths:
        dataset = open_dataset(path.stem, str(path), cache_dir=cache_dir, cache_max_bytes=None)
        keys.append(dataset.cache_status["key"])
        del dataset
    gc.collect()  # the datasets' in-use locks go with them
    now = time.time()
    for age, key in zip((300, 200, 100), keys, strict=True):  # a oldest use, c newest
        os.utime(cache_dir / f"{key}.use", (now - age, now - age))
    return paths, cache_dir, keys


def test_least_recently_used_entries_are_evicted_whole(tmp_path) -> None:
    _, cache_dir, keys = _three_entries(tmp_path)
    sizes = {k: _entry_size(cache_dir / k) for k in keys}
    cap = sizes[keys[1]] + sizes[keys[2]]
    evicted = enforce_size_cap(cache_dir, cap)
    assert evicted == [(keys[0], sizes[keys[0]])]
    assert [e.name for e in list_entries(cache_dir)] == sorted(keys[1:])
    assert keys[0] not in (cache_mod.read_index(cache_dir) or {}).values()
    assert not list(cache_dir.glob(".trash-*"))
    # using b makes c the least recently used one
    os.utime(cache_dir / f"{keys[1]}.use")
    assert last_used(cache_dir, keys[1]) > last_used(cache_dir, keys[2])
    assert enforce_size_cap(cache_dir, sizes[keys[1]]) == [(keys[2], sizes[keys[2]])]
    assert enforce_size_cap(cache_dir, None) == []


def test_an_entry_in_use_is_never_evicted(tmp_path) -> None:
    paths, cache_dir, keys = _three_entries(tmp_path)
    # touch a, and keep it open: the oldest by use time is b now, but a is in use anyway
    held = open_dataset("a", str(paths[0]), cache_dir=cache_dir, cache_max_bytes=None)
    assert held.cache_status["hit"] and in_use(cache_dir, keys[0])
    assert not in_use(cache_dir, keys[1])
    evicted = enforce_size_cap(cache_dir, 0)
    assert sorted(k for k, _ in evicted) == sorted(keys[1:])
    assert [e.name for e in list_entries(cache_dir)] == [keys[0]]
    assert _findings(held, "profile_numeric") is not None  # still readable
    del held
    gc.collect()
    assert not in_use(cache_dir, keys[0])
    assert [k for k, _ in enforce_size_cap(cache_dir, 0)] == [keys[0]]


@pytest.mark.slow
def test_an_entry_used_by_another_process_is_never_evicted(tmp_path) -> None:
    paths, cache_dir, keys = _three_entries(tmp_path)
    script = textwrap.dedent(
        f"""
        import sys
        from pytest_statharness.dataset import open_dataset
        ds = open_dataset("b", {str(paths[1])!r}, cache_dir={str(cache_dir)!r})
        print(ds.cache_status["hit"], flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout.readline().strip() == "True"
        evicted = [k for k, _ in enforce_size_cap(cache_dir, 0)]
        assert keys[1] not in evicted and sorted(evicted) == sorted([keys[0], keys[2]])
        # retention's plan protects it too
        from pytest_statharness.retention import plan_retention

        plan = plan_retention(tmp_path / "home", max_size=0)  # another home: no entries
        assert not plan.remove
    finally:
        proc.communicate("", timeout=30)
    assert [k for k, _ in enforce_size_cap(cache_dir, 0)] == [keys[1]]


def test_attaching_enforces_the_cap_and_reports_evictions(tmp_path) -> None:
    paths, cache_dir, keys = _three_entries(tmp_path)
    size = _entry_size(cache_dir / keys[2])
    # a reuse of c under a cap that holds about one entry: a and b go, c (in use) stays
    dataset = open_dataset("c", str(paths[2]), cache_dir=cache_dir, cache_max_bytes=size + 10)
    assert dataset.cache_status["hit"]
    assert sorted(dataset.cache_status["evicted"]) == sorted(keys[:2])
    assert [e.name for e in list_entries(cache_dir)] == [keys[2]]


def test_retention_removes_least_recently_used_cache_entries(tmp_path, capsys) -> None:
    home = tmp_path / "home"
    cache_dir = home / "cache" / "datasets"
    paths = [_parquet(tmp_path / n, n, seed=i) for i, n in enumerate(("a", "b"))]
    keys = []
    for path in paths:
        keys.append(open_dataset(path.stem, str(path), cache_dir=cache_dir).cache_status["key"])
    gc.collect()
    now = time.time()
    os.utime(cache_dir / f"{keys[0]}.use", (now - 50, now - 50))  # a: built first, used last
    os.utime(cache_dir / f"{keys[1]}.use", (now - 500, now - 500))
    size = _entry_size(cache_dir / keys[0])
    assert main(["retention", "--home", str(home), "--max-size", str(size + 10), "--apply"]) == 0
    out = capsys.readouterr().out
    assert f"removed cache {keys[1]}" in out
    assert [e.name for e in list_entries(cache_dir)] == [keys[0]]


def test_cli_build_honours_max_size(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    for i, name in enumerate(("a", "b")):
        _parquet(tmp_path, name, seed=i)
    assert main(["cache", "build", "a=data/a.parquet", "--compression", "zstd"]) == 0
    first = capsys.readouterr().out
    assert "built" in first
    (entry,) = list_entries(tmp_path / "appdata" / "cache" / "datasets")
    assert cache_mod.read_manifest(entry)["compression"] == "zstd"
    gc.collect()
    assert main(["cache", "build", "b=data/b.parquet", "--max-size", "1K"]) == 0
    assert "evicted" in capsys.readouterr().out
    assert len(list_entries(tmp_path / "appdata" / "cache" / "datasets")) == 1
    assert main(["cache", "build", "b=data/b.parquet", "--max-size", "lots"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--max-size 'lots'" in err


def test_size_and_codec_values() -> None:
    assert parse_cache_max_size("2G") == 2 << 30
    assert parse_cache_max_size("500MiB") == 500 << 20
    assert parse_cache_max_size("off") is None
    assert parse_cache_compression(" ZSTD ") == "zstd"
    with pytest.raises(pytest.UsageError, match="or off for no cap"):
        parse_cache_max_size("huge")
    with pytest.raises(pytest.UsageError, match="choose one of lz4, zstd, none"):
        parse_cache_compression("gzip")


@pytest.mark.slow
def test_session_settings_precedence(pytester, parquet_path, monkeypatch) -> None:
    """Command line > environment > ini; the session's entry uses the resolved codec, and a
    bad value stops the session with one line."""
    pytester.makeini("[pytest]\nstat_cache_compression = none\nstat_cache_max_size = 1G\n")
    args = ["-p", "statharness", f"--stat-dataset=sales={parquet_path}", "-k", "profile_numeric"]
    args += ["--snapshot-update", "-p", "no:cacheprovider"]
    monkeypatch.setenv("STAT_HARNESS_CACHE_COMPRESSION", "zstd")
    result = pytester.runpytest(*args, "--stat-cache-compression=lz4")
    assert result.ret == 0, result.stdout.str()[-2000:]
    (entry,) = list_entries(pytester.path / "appdata" / "cache" / "datasets")
    assert cache_mod.read_manifest(entry)["compression"] == "lz4"
    bad = pytester.runpytest(*args, "--stat-cache-max-size=big")
    assert bad.ret != 0
    bad.stderr.fnmatch_lines(["*--stat-cache-max-size 'big': size 'big'*or off for no cap"])


def test_settings_resolution(pytester, monkeypatch) -> None:
    from pytest_statharness.settings import settings_from_config

    pytester.makeini("[pytest]\nstat_cache_compression = none\nstat_cache_max_size = 1G\n")
    config = pytester.parseconfig("-p", "statharness")
    got = settings_from_config(config, environ={})
    assert (got.cache_max_bytes, got.cache_compression) == (1 << 30, "none")
    env = {"STAT_HARNESS_CACHE_MAX_SIZE": "off", "STAT_HARNESS_CACHE_COMPRESSION": "zstd"}
    got = settings_from_config(config, environ=env)
    assert (got.cache_max_bytes, got.cache_compression) == (None, "zstd")
    config = pytester.parseconfig("-p", "statharness", "--stat-cache-max-size=3M")
    assert settings_from_config(config, environ=env).cache_max_bytes == 3 << 20
    pytester.makeini("[pytest]\n")
    got = settings_from_config(pytester.parseconfig("-p", "statharness"), environ={})
    assert (got.cache_max_bytes, got.cache_compression) == (2 << 30, "lz4")
    assert got == type(got).from_json(got.to_json())
