"""Findings are byte-identical across IO batch sizes, xdist worker counts and hash seeds,
and ``--snapshot-update -n 2`` writes every snapshot and deletes none in use."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def _snapshot_texts(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text() for p in sorted(folder.rglob("*.json"))}


def _record(
    pytester: pytest.Pytester, snapdir: str, *extra: str, subprocess: bool = False, env=None
):
    args = [
        "--stat-dataset",
        "sales=data/sales.parquet",
        "--stat-snapshot-dir",
        snapdir,
        "--snapshot-update",
        "-p",
        "no:cacheprovider",
        *extra,
    ]
    if subprocess:
        old = dict(os.environ)
        os.environ.update(env or {})
        try:
            result = pytester.runpytest_subprocess(*args, timeout=300)
        finally:
            os.environ.clear()
            os.environ.update(old)
    else:
        result = pytester.runpytest(*args)
    assert result.ret == 0, result.stdout.str()
    return _snapshot_texts(pytester.path / snapdir)


@pytest.mark.slow
def test_byte_identical_for_any_io_batch_size(pytester, parquet_path) -> None:
    baseline = _record(pytester, "snap-default")
    assert baseline
    for size in ("1", "7", "1000", "65536", "1000000"):
        assert _record(pytester, f"snap-{size}", "--stat-batch-size", size) == baseline, size


@pytest.mark.slow
def test_byte_identical_across_workers_and_hash_seeds(pytester, parquet_path) -> None:
    serial = _record(pytester, "snap-n0", "-n", "0", subprocess=True, env={"PYTHONHASHSEED": "1"})
    parallel = _record(pytester, "snap-n2", "-n", "2", subprocess=True, env={"PYTHONHASHSEED": "2"})
    assert serial and serial == parallel


@pytest.mark.slow
def test_snapshot_update_under_xdist_writes_all_and_deletes_only_unused(
    pytester, parquet_path
) -> None:
    written = _record(pytester, "snapshots", "-n", "2", subprocess=True)
    assert written
    stale = pytester.path / "snapshots" / "sales" / "analysis_that_no_longer_exists.json"
    stale.write_text("[]\n")
    check = pytester.runpytest_subprocess(
        "--stat-dataset", "sales=data/sales.parquet", "-n", "2", timeout=300
    )
    assert check.ret == 0, check.stdout.str()
    check.stdout.fnmatch_lines(["*1 snapshot(s) unused (delete with --snapshot-update)*"])
    again = _record(pytester, "snapshots", "-n", "2", subprocess=True)
    assert again == written
    assert not stale.exists()
    leftovers = [p.name for p in (pytester.path / "snapshots").rglob("*") if p.name.startswith(".")]
    assert leftovers == []
