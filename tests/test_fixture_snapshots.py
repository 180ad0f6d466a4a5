"""The committed snapshots of every built-in analysis on the two fixture datasets hold,
for IO batch sizes 1000 and 65536 and under ``-n 2`` (the release gate of this repo).

Regenerate them on purpose with::

    pytest -p statharness -m statharness --snapshot-update \\
        --stat-dataset events_small=fixtures/data/events_small.parquet \\
        --stat-dataset events_planted=fixtures/data/events_planted.csv \\
        --stat-compare events_small:events_planted
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = {
    "events_small": ROOT / "fixtures" / "data" / "events_small.parquet",
    "events_planted": ROOT / "fixtures" / "data" / "events_planted.csv",
}
SNAPSHOTS = ROOT / "snapshots"


def _args(pytester: pytest.Pytester, *extra: str) -> list[str]:
    args = [
        "-p",
        "no:cacheprovider",
        "--stat-snapshot-dir",
        str(SNAPSHOTS),
        "--stat-home",
        str(pytester.path / "home"),
        "-m",
        "statharness",
        *extra,
    ]
    for name, path in DATASETS.items():
        args += ["--stat-dataset", f"{name}={path}"]
    return args + ["--stat-compare", "events_small:events_planted"]


def test_every_builtin_analysis_has_committed_snapshots() -> None:
    from pytest_statharness.dataset import open_dataset
    from pytest_statharness.engine import plan_for
    from pytest_statharness.policy.budget import decide_budget
    from pytest_statharness.registry import Registry

    missing = []
    for name, path in DATASETS.items():
        dataset = open_dataset(name, str(path))
        for analysis in Registry.builtin():
            if analysis.compares:
                continue
            budget = decide_budget(
                row_count=dataset.row_count,
                column_count=len(dataset.columns),
                analysis_id=analysis.id,
            ).budget
            if (
                plan_for(analysis, dataset, budget) is not None
                and not (SNAPSHOTS / name / f"{analysis.id}.json").is_file()
            ):
                missing.append(f"{name}/{analysis.id}")
    assert missing == []


@pytest.mark.slow
@pytest.mark.parametrize("batch_size", ["1000", "65536"])
def test_fixture_snapshots_hold(pytester: pytest.Pytester, batch_size: str) -> None:
    result = pytester.runpytest_subprocess(
        *_args(pytester, "--stat-batch-size", batch_size), timeout=600
    )
    assert result.ret == 0, result.stdout.str()[-3000:]
    result.stdout.fnmatch_lines(["*snapshots: * match*"])
    assert "missing" not in result.stdout.str()


@pytest.mark.slow
def test_fixture_snapshots_hold_under_xdist(pytester: pytest.Pytester) -> None:
    result = pytester.runpytest_subprocess(*_args(pytester, "-n", "2"), timeout=600)
    assert result.ret == 0, result.stdout.str()[-3000:]
