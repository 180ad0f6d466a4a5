"""The pluggy contract between the harness and analysis providers.

Analyses live in plugins of the ``statharness`` plugin manager (not pytest's). A plugin
is any module or object with ``statharness_*`` functions; it is found

* through the entry-point group ``statharness.analyses`` (how the built-in analyses and any
  third-party package register: ``[project.entry-points."statharness.analyses"]``), or
* in a ``conftest.py`` or a pytest plugin of the session (``-p``), which the pytest plugin
  hands over to the ``statharness`` manager as it is registered.

Functions may be plain (named ``statharness_...``) or marked with ``@hookimpl``.
"""

from __future__ import annotations

from collections.abc import Sequence

import pluggy

PROJECT = "statharness"
ENTRY_POINT_GROUP = "statharness.analyses"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def statharness_analyses() -> Sequence:
    """Return the analyses this plugin provides.

    Called once per session, when the registry is built, on every registered plugin.
    Each implementation returns a sequence of :class:`pytest_statharness.Analysis`
    instances (or classes, which are instantiated without arguments). Results of all
    plugins are combined; two analyses with the same ``id`` are an error naming both.

    From a conftest::

        from pytest_statharness import Analysis

        def statharness_analyses():
            return [MyAnalysis()]
    """


@hookspec
def statharness_markers() -> dict[str, str]:
    """Return pytest markers this plugin's analyses use, name -> one-line meaning.

    Called once per session with datasets, when the registry is built. Every analysis
    family is registered as a marker without this hook (``-m FAMILY``); use it for
    markers of your own (for example to group analyses across families)::

        def statharness_markers():
            return {"finance": "analyses of ledgers (acme-stats)"}
    """
