"""Configuration of the project's own tests (not of users' sessions).

Two options serve CI's test of the *installed wheel* (see ``.ci/run``):
``--expect-installed`` makes ``tests/test_packaging.py`` assert that every module of the
package was imported from site-packages, not from this source tree; ``--wheel PATH`` names
the built wheel whose file list is checked against the source tree.
"""

from __future__ import annotations


def pytest_addoption(parser) -> None:
    group = parser.getgroup("statharness-selftest", "pytest-statharness's own test suite")
    group.addoption(
        "--expect-installed",
        action="store_true",
        default=False,
        help="assert the package under test is imported from site-packages (an installed "
        "wheel), not from the source tree",
    )
    group.addoption(
        "--wheel",
        default=None,
        metavar="PATH",
        help="the built wheel to check against the source tree (default: build one)",
    )
