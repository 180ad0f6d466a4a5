"""A snapshot mismatch reads summary first; the full diff goes to the run folder (-vv shows it)."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

ARGS = [
    "--stat-dataset",
    "d=data/sales.parquet",
    "--stat-providers",
    "profile",
    "-p",
    "no:cacheprovider",
]


@pytest.fixture
def dropped(pytester, parquet_path, frame):
    small = frame.head(344)
    small.to_parquet(parquet_path, index=False)
    assert pytester.runpytest(*ARGS, "--snapshot-update").ret == 0
    small.drop(index=range(100, 110)).to_parquet(parquet_path, index=False)
    return pytester


def test_mismatch_starts_with_a_summary_and_writes_the_diff(dropped) -> None:
    result = dropped.runpytest(*ARGS)
    assert result.ret == 1
    lines = result.stdout.lines
    start = next(i for i, line in enumerate(lines) if line.startswith("findings differ"))
    assert lines[start + 1].startswith(
        "  summary: rows 344 -> 334; 3 of 3 findings changed, 0 new, 0 gone"
    )
    assert lines[start + 2] == "  largest value changes:"
    assert "@@" not in result.stdout.str()  # no diff by default
    # the failure section is short (the header and pytest's short summary vary with the
    # installed plugins and with CI, where pytest does not truncate summary lines)
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("  "))
    assert end - start < 25, lines[start:end]
    result.stdout.fnmatch_lines(
        [
            "*more changes (-vv lists them all)*",
            "*full diff: diffs/d/profile_numeric.diff in the run folder*",
        ]
    )
    latest = json.loads((dropped.path / "appdata" / "runs" / "LATEST.json").read_text())
    diff = (
        dropped.path
        / "appdata"
        / "runs"
        / latest["run_id"]
        / "diffs"
        / "d"
        / "profile_numeric.diff"
    )
    assert diff.read_text().startswith("--- snapshot\n+++ current\n")
    result.stdout.fnmatch_lines([f"snapshot diffs (1): appdata/runs/{latest['run_id']}/diffs/"])


def test_very_verbose_shows_every_change_and_the_diff(dropped) -> None:
    result = dropped.runpytest(*ARGS, "-vv")
    assert result.ret == 1
    out = result.stdout.str()
    assert "more changes" not in out
    assert "diff:" in out and "@@" in out
