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
    if getattr(config, "workerinput", None) is None and (
        settings.cli_settings or settings.ini_settings or settings.providers or settings.disabled
    ):
        # a mistyped --stat-set, --stat-providers or --stat-disable: before a run folder
        harness.check_analysis_settings()
    if settings.engine == "dask":
        harness.engine = _start_engine(config, settings, harness)
        config.pluginmanager.register(EnginePlugin(harness), f"{PLUGIN_PREFIX}-engine")
    config.pluginmanager.register(CollectionPlugin(harness), f"{PLUGIN_PREFIX}-collection")
    config.pluginmanager.register(FixturesPlugin(harness), f"{PLUGIN_PREFIX}-fixtures")
    config.pluginmanager.register(ResultsPlugin(harness), f"{PLUGIN_PREFIX}-results")
    config.pluginmanager.register(LiveStatusPlugin(harness), f"{PLUGIN_PREFIX}-live")
    config.pluginmanager.register(WorkerCrashPlugin(harness), f"{PLUGIN_PREFIX}-workers")
    return harness


def _start_engine(config: pytest.Config, settings: RunSettings, harness: Harness):
    """--stat-engine dask: connect this process to the cluster (one line, exit 4, if not).

    The controller (or the only process) starts the local cluster when no scheduler is
    given and checks that every worker opens every dataset; each xdist worker connects to
    the controller's scheduler as one more client (items in parallel, and the chunks of
    each item in parallel on the same workers).
    """
    from ..concurrency import auto_worker_count
    from ..engine_dask import DaskEngine
    from ..errors import EngineError
    from ..settings import DASK_ADDRESS_KEY, DASK_WORKERINPUT_KEY

    workerinput = getattr(config, "workerinput", None)
    address = settings.dask_scheduler
    if workerinput is not None:
        address = workerinput.get(DASK_WORKERINPUT_KEY, address)
    try:
        engine = DaskEngine.connect(address, auto_worker_count(dict(settings.environment)))
        if workerinput is None:
            try:
                engine.probe(harness.recipe(spec.name) for spec in settings.datasets)
            except BaseException:
                engine.close()
                raise
    except EngineError as exc:
        raise pytest.UsageError(str(exc)) from None
    config.stash[DASK_ADDRESS_KEY] = engine.address
    return engine


class EnginePlugin:
    """Closes this process's Dask client (and the local cluster it started) at the end."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    @pytest.hookimpl(trylast=True)
    def pytest_unconfigure(self, config: pytest.Config) -> None:
        engine, self.harness.engine = self.harness.engine, None
        if engine is not None:
            engine.close()


__all__ = ["Harness", "start_session"]
