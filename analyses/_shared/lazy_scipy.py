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

__all__ = ["LazyModule", "contingency", "signal", "stats"]
