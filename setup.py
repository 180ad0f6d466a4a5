"""Package discovery for the wheel; every other setting lives in pyproject.toml.

Why a ``setup.py`` at all: the built-in analyses live in the top-level folder ``analyses/``
(where the design card shows them) but install as ``statharness_analyses``, because a wheel
must not install a generic top-level module named ``analyses``. pyproject's declarative
``packages.find`` cannot rename a folder, and a hand-written package list is how the 0.1.0
wheel lost ``dataset/``, ``policy/`` and ``report/``. So packages are *discovered* here:
every package under ``pytest_statharness/`` and every package under ``analyses/`` (renamed).
``tests/test_wheel_contents.py`` checks a built wheel against the source tree.
"""

from setuptools import find_packages, setup

CORE_PACKAGE = "pytest_statharness"
ANALYSES_PACKAGE = "statharness_analyses"
ANALYSES_FOLDER = "analyses"


def discovered_packages() -> list[str]:
    core = find_packages(include=[CORE_PACKAGE, f"{CORE_PACKAGE}.*"])
    analyses = [ANALYSES_PACKAGE] + [
        f"{ANALYSES_PACKAGE}.{name}" for name in find_packages(ANALYSES_FOLDER)
    ]
    return sorted(core + analyses)


setup(
    packages=discovered_packages(),
    package_dir={ANALYSES_PACKAGE: ANALYSES_FOLDER},
)
