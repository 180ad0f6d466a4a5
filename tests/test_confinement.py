"""Confinement: hostile dataset names are refused everywhere, and no write leaves its root."""

from __future__ import annotations

import os

import pytest

from pytest_statharness.confine import ConfinementError, check_name, confined
from pytest_statharness.dataset import open_dataset
from pytest_statharness.options import parse_dataset_spec
from pytest_statharness.snapshots import SnapshotStore

HOSTILE_NAMES = [
    ".",
    "..",
    "...",
    ".hidden",
    "..x",
    "a.",
    "a..",
    "/",
    "a/b",
    "../x",
    "a/../b",
    "..\\x",
    "a\\b",
    "C:x",
    "a:b",
    "",
    " ",
    "a\u00a0b",  # no-break space
    "a ",
    "a b",
    "a\x00b",
    "a\nb",
    "a\rb",
    "a\tb",
    "\x1b[31m",
    "a\x7fb",
    "-rf",
    "-",
    "~",
    "~root",
    "$HOME",
    "a;b",
    "a|b",
    "a?b",
    "a*b",
    "a#b",
    "a%2fb",
    "%2e%2e",
    "é",
    "ａ",  # fullwidth a
    "a\u202eb",  # right-to-left override
    "a\u200bb",  # zero-width space
    "x" * 101,
    "CON",
    "con",
    "NUL",
    "nul.csv",
    "COM1",
    "lpt9",
    "AUX",
    "PRN.x",
    "a'b",
    'a"b',
    "a<b>",
]
SAFE_NAMES = ["orders", "a.b", "a-b", "A_1", "_x", "x" * 100, "baseline", "events_small", "v1.2"]


@pytest.mark.parametrize("name", HOSTILE_NAMES, ids=[repr(n)[:30] for n in HOSTILE_NAMES])
def test_hostile_names_are_refused_everywhere(name, tmp_path) -> None:
    with pytest.raises(ConfinementError, match="not allowed") as info:
        check_name(name)
    assert "\n" not in str(info.value)
    with pytest.raises(pytest.UsageError, match="not allowed"):
        parse_dataset_spec(f"{name}=data.csv")
    path = tmp_path / "d.csv"
    path.write_text("a\n1\n2\n")
    with pytest.raises(ConfinementError):
        open_dataset(name, str(path))


@pytest.mark.parametrize("name", SAFE_NAMES)
def test_safe_names_are_accepted(name) -> None:
    assert check_name(name) == name
    assert parse_dataset_spec(f"{name}=data.csv").name == name


def test_figures() -> None:
    """The report's figure: every hostile name tried is refused."""
    refused = 0
    for name in HOSTILE_NAMES:
        try:
            check_name(name)
        except ConfinementError:
            refused += 1
    assert (len(HOSTILE_NAMES), refused) == (54, 54)


def test_confined_refuses_paths_outside_the_root(tmp_path) -> None:
    root = tmp_path / "snapshots"
    root.mkdir()
    (tmp_path / "outside").mkdir()
    os.symlink(tmp_path / "outside", root / "link")
    assert confined(root, root / "a" / "b.json") == root / "a" / "b.json"
    for bad in (root / ".." / "x.json", root / "link" / "x.json", tmp_path / "x.json"):
        with pytest.raises(ConfinementError, match="resolves outside") as info:
            confined(root, bad)
        assert str(tmp_path) not in str(info.value)  # no absolute path in the message


def test_snapshot_store_never_leaves_its_root(tmp_path) -> None:
    root = tmp_path / "snapshots"
    (root / "d").mkdir(parents=True)
    (tmp_path / "precious.json").write_text("{}")
    store = SnapshotStore(root)
    for dataset in ("..", ".", "../..", "d/../.."):
        with pytest.raises(ConfinementError):
            store.check(dataset, "profile", "{}", update=True)
    with pytest.raises(ConfinementError):
        store.path_for("d", "../../precious")
    with pytest.raises(ConfinementError):
        store.existing([".."])
    assert (tmp_path / "precious.json").read_text() == "{}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["..", ".", "a/..", ".hidden"])
def test_snapshot_update_with_a_hostile_name_deletes_nothing(pytester, name) -> None:
    snapshots = pytester.path / "snapshots"
    (snapshots / "other").mkdir(parents=True)
    keep = [snapshots / "keep.json", snapshots / "other" / "profile.json"]
    for path in keep:
        path.write_text('{"findings": []}')
    (pytester.path / "d.csv").write_text("a,b\n" + "".join(f"{i},{i % 7}\n" for i in range(50)))
    result = pytester.runpytest("--stat-dataset", f"{name}=d.csv", "--snapshot-update")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert "Traceback" not in result.stdout.str() + result.stderr.str()
    assert all(path.read_text() == '{"findings": []}' for path in keep)
