"""Reports and snapshots are created per the umask, like any file a tool writes."""

from __future__ import annotations

import os
import stat

import pytest

from pytest_statharness import atomic

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def umask(monkeypatch):
    """Set the process umask for one test (and the module's cached copy of it)."""
    saved = os.umask(0o022)
    os.umask(saved)

    def set_umask(value: int) -> None:
        os.umask(value)
        monkeypatch.setattr(atomic, "_UMASK", None)

    yield set_umask
    os.umask(saved)
    atomic._UMASK = None


def _mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("mask, expected", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_new_files_follow_the_umask(tmp_path, umask, mask, expected) -> None:
    umask(mask)
    target = tmp_path / "sub" / "file.json"
    atomic.write_text_atomic(target, "{}")
    assert _mode(target) == expected


def test_a_replaced_file_keeps_its_mode(tmp_path, umask) -> None:
    umask(0o022)
    target = tmp_path / "file.json"
    target.write_text("old")
    target.chmod(0o640)
    atomic.write_text_atomic(target, "new")
    assert target.read_text() == "new" and _mode(target) == 0o640


def test_session_artifacts_follow_the_umask(pytester, parquet_path, umask) -> None:
    umask(0o022)
    result = pytester.runpytest(
        "--stat-dataset",
        "sales=data/sales.parquet",
        "--stat-providers",
        "profile",
        "--snapshot-update",
        "-p",
        "no:cacheprovider",
    )
    assert result.ret == 0, result.stdout.str()
    snapshot = pytester.path / "snapshots" / "sales" / "profile_numeric.json"
    run = next((pytester.path / "appdata" / "runs").glob("run-*"))
    for path in (snapshot, run / "report.json", run / "report.md"):
        assert _mode(path) == 0o644, path
