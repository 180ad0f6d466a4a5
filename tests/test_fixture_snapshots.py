"""The committed snapshots of every built-in analysis on the two fixture datasets hold,
for IO batch sizes 1000 and 65536 and under ``-n 2`` (the release gate of this repo).
CI (.ci/run) also runs this file with numpy's SIMD dispatch off, with other
PYTHONHASHSEED values and with the oldest numpy/scipy/pandas/pyarrow the bounds allow
(docs/portability.md).

Regenerate them on purpose with::

    pytest -p statharness -m statharness --snapshot-update \\
        --stat-dataset events_small=fixtures/data/events_small.parquet \\
        --stat-dataset events_planted=fixtures/data/events_planted.csv \\
        --stat-compare events_small:events_planted
"""

from __future__ import annotations

import json
import re
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


def test_committed_snapshots_record_format_and_precision_policy() -> None:
    """Every committed snapshot says which format and precision policy wrote it; a change of
    either is a deliberate, documented event (CHANGELOG), never a dependency upgrade."""
    from pytest_statharness.precision import PRECISION_POLICY_VERSION, SNAPSHOT_FORMAT_VERSION

    stale = []
    for path in sorted(SNAPSHOTS.rglob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        versions = (document.get("format_version"), document.get("precision_policy"))
        if versions != (SNAPSHOT_FORMAT_VERSION, PRECISION_POLICY_VERSION):
            stale.append(f"{path.relative_to(SNAPSHOTS).as_posix()}: {versions}")
    assert stale == []


def test_oldest_constraints_are_the_lower_bounds() -> None:
    """.ci/constraints-oldest.txt pins exactly pyproject's lower bounds of the numeric
    libraries, so CI's oldest-dependencies gate tests what the bounds allow."""
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for requirement in project["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)>=([0-9.]+)", requirement.replace(" ", ""))
        if match and match.group(1) in ("numpy", "scipy", "pandas", "pyarrow"):
            bounds[match.group(1)] = match.group(2)
    pins = {}
    for line in (ROOT / ".ci" / "constraints-oldest.txt").read_text().splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([0-9.]+)", line.strip())
        if match:
            pins[match.group(1)] = match.group(2)

    def release(version: str) -> tuple[int, ...]:
        parts = [int(p) for p in version.split(".")]
        return tuple(parts + [0] * (3 - len(parts)))

    assert set(pins) == set(bounds) == {"numpy", "scipy", "pandas", "pyarrow"}
    assert {k: release(v) for k, v in pins.items()} == {k: release(v) for k, v in bounds.items()}
