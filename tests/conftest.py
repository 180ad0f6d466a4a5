"""Shared fixtures of the project's tests: small datasets written into the test's folder."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.engine import import_declared
from pytest_statharness.registry import BUILTIN_DISTRIBUTION, Registry

# pytester's in-process runs restore sys.modules afterwards; pandas registers Arrow
# extension types on its first Parquet use, which fails when repeated. Do it once here.
pd.DataFrame({"a": [1]}).to_parquet(io.BytesIO())
# Likewise import every analysis module (and the C extensions they use, some of which
# cannot be loaded twice per process) before any in-process pytester run, with the modules
# they import lazily (scipy.stats, scipy.signal: see Analysis.imports).
for _analysis in Registry.builtin():
    import_declared(_analysis)


@pytest.fixture(autouse=True)
def _only_builtin_providers(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hermetic sessions: pytester runs (in-process and subprocess) see only the built-in
    analyses, whatever third-party provider is installed beside them."""
    monkeypatch.setenv("STAT_HARNESS_PROVIDERS", BUILTIN_DISTRIBUTION)
    monkeypatch.delenv("STAT_HARNESS_DISABLE", raising=False)


def small_frame(rows: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "amount": rng.lognormal(3.0, 1.5, rows),
            "score": rng.normal(50.0, 10.0, rows),
            "units": rng.integers(0, 20, rows),
            "region": rng.choice(["north", "south", "east", "west"], rows),
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(np.sort(rng.integers(0, 86400 * 90, rows)), unit="s"),
        }
    )
    frame.loc[frame.index % 17 == 0, "score"] = np.nan
    return frame


@pytest.fixture
def frame() -> pd.DataFrame:
    return small_frame()


@pytest.fixture
def parquet_path(pytester: pytest.Pytester, frame: pd.DataFrame):
    path = pytester.path / "data" / "sales.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path, index=False)
    return path
