"""The session side of the plugin, registered only when datasets are given.

One owner per responsibility, each a pytest plugin object sharing one :class:`Harness`:

* :mod:`.harness` — the state of one pytest process: settings, opened datasets, registry,
  budgets and plans (identical on every xdist worker);
* :mod:`.collection` — the generated items and the family markers;
* :mod:`.fixtures` — the ``stat_*`` fixtures for users' own tests;
* :mod:`.results` — results of the items, the run report, the terminal summary.

Nothing here imports :mod:`pytest_statharness.plugin`.
"""

from __future__ import annotations

import pytest

from ..settings import RunSettings
from .harness import Harness

PLUGIN_PREFIX = "statharness-session"


def start_session(config: pytest.Config, settings: RunSettings) -> Harness:
    """Open the datasets and register the session's plugins."""
    from .collection import CollectionPlugin
    from .fixtures import FixturesPlugin
    from .results import LiveStatusPlugin, ResultsPlugin
    from .workers import WorkerCrashPlugin

    harness = Harness(config, settings)
    config.pluginmanager.register(CollectionPlugin(harness), f"{PLUGIN_PREFIX}-collection")
    config.pluginmanager.register(FixturesPlugin(harness), f"{PLUGIN_PREFIX}-fixtures")
    config.pluginmanager.register(ResultsPlugin(harness), f"{PLUGIN_PREFIX}-results")
    config.pluginmanager.register(LiveStatusPlugin(harness), f"{PLUGIN_PREFIX}-live")
    config.pluginmanager.register(WorkerCrashPlugin(harness), f"{PLUGIN_PREFIX}-workers")
    return harness


__all__ = ["Harness", "start_session"]
