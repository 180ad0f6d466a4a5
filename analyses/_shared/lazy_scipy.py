"""scipy's submodules, imported on their first use.

Why: ``import scipy.stats`` costs most of a second, and every analysis module is imported
when a session collects its items, even in a session that runs only the profile
(``-k profile``) or only collects (``--collect-only``). The analyses call scipy when they
compute findings; a proxy that imports the module at its first attribute access moves the
cost there, and a session that needs none of it never pays it. Only the built-in
analyses use these proxies; ``sys.modules`` is left alone.
"""

from __future__ import annotations

import importlib
from types import ModuleType


class LazyModule:
    """Stands for the module ``name`` and imports it at the first attribute access."""

    __slots__ = ("_name", "_module")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str):
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


stats = LazyModule("scipy.stats")
signal = LazyModule("scipy.signal")
contingency = LazyModule("scipy.stats.contingency")

#: what an analysis using these proxies declares as its ``imports`` (the harness imports
#: them before the guarded run: some versions start a process while importing)
SCIPY_STATS = ("scipy.stats",)
SCIPY_SIGNAL = ("scipy.stats", "scipy.signal")
SCIPY_CONTINGENCY = ("scipy.stats", "scipy.stats.contingency")

__all__ = [
    "SCIPY_CONTINGENCY",
    "SCIPY_SIGNAL",
    "SCIPY_STATS",
    "LazyModule",
    "contingency",
    "signal",
    "stats",
]
