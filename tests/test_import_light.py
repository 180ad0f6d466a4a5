"""The plugin is auto-loaded in every pytest session: it must stay cheap to import."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_plugin_import_does_not_load_heavy_modules(tmp_path) -> None:
    code = (
        "import sys, pytest_statharness, pytest_statharness.plugin;"
        "heavy = [m for m in ('numpy', 'pandas', 'pyarrow', 'scipy') if m in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=tmp_path
    )
    assert out.stdout.strip() == ""


def test_session_without_dataset_does_not_import_heavy_modules(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import sys

        def test_no_heavy():
            assert "pytest_statharness.plugin" in sys.modules
            heavy = [m for m in ("numpy", "pandas", "pyarrow") if m in sys.modules]
            assert heavy == []
            # no analysis provider is imported by a session that does not use statharness
            assert [m for m in sys.modules if m.startswith("statharness_analyses")] == []
        """
    )
    # pytest-randomly imports numpy itself (to seed it): leave it out
    result = pytester.runpytest_subprocess(
        "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:syrupy", "-p", "no:randomly"
    )
    result.assert_outcomes(passed=1)
