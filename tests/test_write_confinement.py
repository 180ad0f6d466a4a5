"""Analyses may write only in their item's scratch folder (defence in depth, not a sandbox).

The guard's audit hook refuses ``open`` for writing, ``os.remove``/``rename``/``mkdir``...
outside the folders an item may write; ``tempfile`` points into the scratch folder while
the item runs, and the folder is gone afterwards.
"""

from __future__ import annotations

import os
import tempfile

import pytest

from pytest_statharness.confine import scratch_folder
from pytest_statharness.policy.network import WriteBlocked, guarded

WRITER = """
import os
import tempfile
from pathlib import Path

from pytest_statharness import Analysis, ColumnKind


class Writer(Analysis):
    id = "writer"
    family = "quality"
    title = "writes files"
    requires = (ColumnKind.NUMERIC,)
    method = "none"
    reference = "none"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        how = os.environ["WRITE_HOW"]
        if how == "temp":
            fd, name = tempfile.mkstemp()
            os.write(fd, b"ok")
            os.close(fd)
            os.remove(name)
            Path(tempfile.gettempdir(), "kept.txt").write_text("scratch")
        elif how == "outside":
            Path("escape.txt").write_text("x")
        elif how == "remove":
            os.remove("keep.me")
        return state

    def merge(self, a, b, ctx):
        return a

    def findings(self, ctx):
        return []


def statharness_analyses():
    return [Writer()]
"""


@pytest.mark.parametrize(
    ("how", "outcome"), [("temp", "passed"), ("outside", "failed"), ("remove", "failed")]
)
def test_writes_outside_the_scratch_folder_are_refused(pytester, parquet_path, how, outcome):
    pytester.makeconftest(WRITER)
    (pytester.path / "keep.me").write_text("precious")
    os.environ["WRITE_HOW"] = how
    try:
        result = pytester.runpytest(
            "--stat-dataset", "sales=data/sales.parquet", "-k", "writer", "--snapshot-update"
        )
    finally:
        del os.environ["WRITE_HOW"]
    result.assert_outcomes(**{outcome: 1})
    assert not (pytester.path / "escape.txt").exists()
    assert (pytester.path / "keep.me").read_text() == "precious"
    if outcome == "failed":
        result.stdout.fnmatch_lines(["*outside its scratch folder*"])
    assert not list((pytester.path / "appdata").glob("scratch/*"))  # removed afterwards


def test_the_hook_itself(tmp_path) -> None:
    inside = tmp_path / "scratch"
    inside.mkdir()
    with guarded("analysis 'x'", "off", writable=(inside,)):
        (inside / "a.txt").write_text("fine")
        with open(os.devnull, "w") as sink:
            sink.write("fine")
        (tmp_path / "read.txt").exists()
        for attempt in (
            lambda: (tmp_path / "b.txt").write_text("no"),
            lambda: os.open(tmp_path / "c.txt", os.O_WRONLY | os.O_CREAT),
            lambda: os.rename(inside / "a.txt", tmp_path / "a.txt"),
            lambda: os.mkdir(tmp_path / "d"),
        ):
            with pytest.raises(WriteBlocked):
                attempt()
    # a link inside the scratch folder to a folder outside does not open the way out
    (inside / "out").symlink_to(tmp_path)
    with guarded("analysis 'x'", "off", writable=(inside,)):
        with pytest.raises(PermissionError):
            (inside / "out" / "e.txt").write_text("no")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scratch"]


def test_scratch_folder_points_tempfile_there_and_is_removed(tmp_path) -> None:
    with scratch_folder(tmp_path, "statharness::x[d]") as folder:
        assert tempfile.gettempdir() == str(folder)
        (folder / "f").write_text("x")
    assert not folder.exists() and tempfile.gettempdir() != str(folder)


def test_a_scratch_parent_removed_by_another_worker_is_made_again(tmp_path, monkeypatch) -> None:
    """Another xdist worker ending its item removes the empty shared ``scratch`` folder;
    when that fell between this worker's making the parent and its own folder, the item
    failed with FileNotFoundError (seen once in a session of 15 tables run with -n 2)."""
    from pathlib import Path

    from pytest_statharness.confine import SCRATCH_FOLDER

    parent = tmp_path / SCRATCH_FOLDER
    real_mkdir = Path.mkdir
    raced = []

    def mkdir(self, *args, **kwargs):
        real_mkdir(self, *args, **kwargs)
        if self == parent and not raced:
            raced.append(True)
            parent.rmdir()  # the other worker's cleanup, just after the parent was made

    monkeypatch.setattr(Path, "mkdir", mkdir)
    with scratch_folder(tmp_path, "item") as folder:
        assert folder.is_dir() and folder.parent == parent
    assert raced
