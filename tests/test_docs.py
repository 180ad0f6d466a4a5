"""Docs that cannot drift: the generated catalogue, options, ini keys and env variables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pytest_statharness.catalogue import render
from pytest_statharness.registry import Registry

ROOT = Path(__file__).resolve().parents[1]


def test_analysis_catalogue_matches_registry() -> None:
    expected = render(Registry.builtin())
    actual = (ROOT / "docs" / "analyses.md").read_text()
    assert actual == expected, (
        "docs/analyses.md is stale: python -m pytest_statharness.catalogue > docs/analyses.md"
    )


def _code_text() -> str:
    files = list((ROOT / "pytest_statharness").rglob("*.py")) + list(
        (ROOT / "analyses").rglob("*.py")
    )
    return "\n".join(p.read_text() for p in files)


def test_every_env_variable_is_documented() -> None:
    reference = (ROOT / "docs" / "reference.md").read_text()
    used = set(re.findall(r"STAT_HARNESS_[A-Z_]+[A-Z](?![A-Z_]*\{)", _code_text()))
    assert used, "no STAT_HARNESS_* variable found: the scan is broken"
    missing = sorted(v for v in used if f"`{v}`" not in reference)
    assert missing == []


def test_every_option_and_ini_key_is_documented(pytestconfig: pytest.Config) -> None:
    reference = (ROOT / "docs" / "reference.md").read_text()
    sources = "\n".join(
        (ROOT / "pytest_statharness" / name).read_text() for name in ("options.py", "runlog.py")
    )
    options = set(re.findall(r'"(--stat-[a-z-]+)"', sources))
    inis = set(re.findall(r'addini\(\s*"(stat_[a-z_]+)"', sources))
    assert options and inis
    assert sorted(o for o in options if f"`{o}" not in reference) == []
    assert sorted(i for i in inis if f"`{i}`" not in reference) == []
