"""The snapshots the README's first command checks stay in step with the fixtures'.

Why: the README runs every analysis on a generated 200,000-row log (``events``) and on
``fixtures/data/events_small.parquet`` under the name ``baseline``, against
``snapshots/events`` and ``snapshots/baseline``. The test suite records and checks only the
fixtures' snapshots (tests/test_fixture_snapshots.py), so a rule text changed on purpose
there left the README's snapshots behind, and the README's first command failed on 10
items until they were re-recorded. Running that command takes minutes; these checks take
milliseconds:

- ``baseline`` is ``events_small`` under another name: its snapshots are the fixture's,
  byte for byte once the name is swapped;
- ``events`` is other data, but every item cites its analysis' method, which does not
  depend on the data: the method texts are the fixture's.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

SNAPSHOTS = Path(__file__).resolve().parents[1] / "snapshots"


def _methods(node, out: set[str]) -> set[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "method" and isinstance(value, str):
                out.add(value)
            else:
                _methods(value, out)
    elif isinstance(node, list):
        for value in node:
            _methods(value, out)
    return out


@pytest.mark.parametrize(
    "path", sorted((SNAPSHOTS / "baseline").glob("*.json")), ids=lambda p: p.name
)
def test_the_readme_baseline_snapshots_are_the_fixtures(path: Path) -> None:
    fixture = SNAPSHOTS / "events_small" / path.name
    assert fixture.exists(), f"{path.name}: no fixture snapshot to compare with"
    renamed = path.read_text(encoding="utf-8").replace("baseline", "events_small")
    assert renamed == fixture.read_text(encoding="utf-8"), (
        f"snapshots/baseline/{path.name} differs from the fixture's: re-record the README's "
        "first command with --snapshot-update"
    )


@pytest.mark.parametrize(
    "path", sorted((SNAPSHOTS / "events").glob("*.json")), ids=lambda p: p.name
)
def test_the_readme_events_snapshots_cite_the_fixtures_methods(path: Path) -> None:
    fixture = SNAPSHOTS / "events_small" / path.name
    if not fixture.exists():
        pytest.skip(f"{path.name}: the fixture has no such item")
    ours = _methods(json.loads(path.read_text(encoding="utf-8")), set())
    theirs = _methods(json.loads(fixture.read_text(encoding="utf-8")), set())
    assert ours == theirs, (
        f"snapshots/events/{path.name} cites other method texts than the fixture's: "
        "re-record the README's first command with --snapshot-update"
    )
