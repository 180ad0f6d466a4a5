"""The state of one pytest process with datasets: settings, datasets, registry, plans."""

from __future__ import annotations

import pytest

from ..dataset import Dataset, open_dataset
from ..dataset.cache import SPILL_PREFIXES, remove_dead_owners
from ..engine import plan_comparison_for, plan_for, run_analysis, run_comparison
from ..errors import StatHarnessError
from ..policy.budget import decide_budget
from ..registry import Registry
from ..settings import RunSettings, resolve_analysis_settings
from ..snapshots import SnapshotStore

COLLECTOR_NAME = "statharness"


class Harness:
    def __init__(self, config: pytest.Config, settings: RunSettings) -> None:
        self.config = config
        self.settings = settings
        self.snapshots = SnapshotStore(settings.snapshot_dir)
        self.update_snapshots = settings.update_snapshots
        self.explore = settings.explore
        self.network_mode = settings.network_mode
        self._datasets: dict[str, Dataset] = {}
        self._registry: Registry | None = None
        self.results: dict[str, dict] = {}
        self.outcomes: dict[str, str] = {}
        self.pass_memo: dict = {}  # passes several analyses share (engine.run_analysis)
        #: --stat-engine dask: the connection to the cluster (set by start_session)
        self.engine = None
        #: how to open each dataset again on a Dask worker (engine_dask.DatasetRecipe args)
        self._open_args: dict[str, dict] = {}
        from ..progress import RunProgress

        self.run_progress = RunProgress()
        self.terminal_line = None  # _compat.TerminalLine, made on first use
        from ..dataset.spec import load_specs

        try:
            self.specs = load_specs(config.rootpath, settings.spec_file)
        except StatHarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
        spill_dir = settings.home / "cache" / "grouped"
        if spill_dir.is_dir():  # spills of killed sessions: nothing else would remove them
            remove_dead_owners(spill_dir, SPILL_PREFIXES)
        for spec in settings.datasets:
            try:
                self._open_args[spec.name] = {
                    "location": spec.location,
                    "root": config.rootpath,
                    "meta_dir": settings.home / "cache" / "meta",
                    "cache_dir": settings.home / "cache" / "datasets",
                    "cache_compression": settings.cache_compression,
                    "cache_max_bytes": settings.cache_max_bytes,
                }
                self._datasets[spec.name] = open_dataset(
                    spec.name, **self._open_args[spec.name], spec=self.specs.get(spec.name)
                )
                # grouped copies of event logs in file order (dataset/regroup.py) go here,
                # and the hash spills of the duplicate analyses
                self._datasets[spec.name].spill_dir = spill_dir
                self._datasets[spec.name].redact = settings.redact  # issue 11
            except StatHarnessError as exc:
                raise pytest.UsageError(str(exc)) from None
            except OSError as exc:
                raise pytest.UsageError(
                    f"dataset {spec.name!r}: cannot read {spec.location!r}: {exc.strerror}"
                ) from None

    @property
    def options(self) -> RunSettings:
        """The run's settings (the name the report writer uses)."""
        return self.settings

    @property
    def is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    # -- shared state ---------------------------------------------------------------
    def dataset(self, name: str) -> Dataset:
        return self._datasets[name]

    @property
    def datasets(self) -> dict[str, Dataset]:
        return dict(self._datasets)

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            registry, values = self._build_registry()
            for dataset in self._datasets.values():
                dataset.analysis_settings = dict(values)
            self._registry = registry
        return self._registry

    def check_analysis_settings(self) -> None:
        """Resolve ``--stat-set`` and ``stat_settings`` against the analyses registered so
        far, raising the usage error of a name no analysis declares or a bad value.

        Why: the registry is built lazily, at collection, in each xdist worker; a mistyped
        ``--stat-set`` then failed there, after the controller had opened a run folder
        whose report said 'ready for release', and under ``-n 2`` the error was not shown
        at all. The session's start checks the names first (the registry itself is still
        built at collection, with the plugins and conftests loaded by then)."""
        registry, values = self._build_registry()
        if not self._datasets:
            return
        if not len(registry):
            # every provider turned off: the session would end in pytest's bare 'no tests ran'
            chosen = [f"--stat-disable={n}" for n in self.settings.disabled] + [
                f"--stat-providers={n}" for n in self.settings.providers
            ]
            raise pytest.UsageError(
                f"no analysis is left to run on the dataset(s): {', '.join(chosen) or 'the'} "
                "leaves no installed analysis provider with an analysis (`statharness "
                "providers` lists them); keep at least one provider, e.g. pytest-statharness "
                "for the built-in analyses"
            )
        columns = {s.name for a in registry for s in a.settings if s.column and values.get(s.name)}
        for name in sorted(columns):
            column = values[name]
            if any(column in d.schema.names for d in self._datasets.values()):
                continue
            listing = "; ".join(
                f"{n}: {', '.join(map(repr, d.schema.names[:8]))}"
                + (" ..." if len(d.schema.names) > 8 else "")
                for n, d in self._datasets.items()
            )
            raise pytest.UsageError(
                f"setting {name}={column!r}: no dataset of this session has a column "
                f"{column!r} ({listing}); name one of its columns"
            )

    def _build_registry(self) -> tuple[Registry, dict]:
        extra = [
            plugin
            for plugin in self.config.pluginmanager.get_plugins()
            if not isinstance(plugin, type)
            and not type(plugin).__module__.startswith(__package__)
            and any(attr.startswith("statharness_") for attr in dir(plugin))
        ]
        try:
            registry = Registry.build(
                extra, providers=self.settings.providers, disabled=self.settings.disabled
            )
        except StatHarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
        values = resolve_analysis_settings(
            self.settings,
            [s for analysis in registry for s in analysis.settings],
            strict=not (self.settings.providers or self.settings.disabled),
        )
        return registry, values

    def run(self, analysis, dataset_names, budget, plan, progress):
        datasets = [self._datasets[n] for n in dataset_names]
        fold = None
        if self.engine is not None:  # --stat-engine dask: chunk ranges folded on the cluster
            fold = self.engine.fold_for(
                {n: self.recipe(n) for n in dataset_names}, self.network_mode
            )
        if analysis.compares:
            result = run_comparison(analysis, *datasets, budget, plan, progress=progress, fold=fold)
        else:
            result = run_analysis(
                analysis,
                datasets[0],
                budget,
                plan,
                progress=progress,
                memo=self.pass_memo,
                fold=fold,
            )
        if fold is not None:
            result.engine = {"name": "dask", **fold.record}
        return result

    def recipe(self, name: str):
        """How a Dask worker opens dataset ``name`` (see engine_dask.DatasetRecipe)."""
        from ..engine_dask import DatasetRecipe

        dataset = self._datasets[name]
        return DatasetRecipe.of(dataset, **self._open_args[name]).with_settings(dataset)

    def progress_for(self, item):
        from ..progress import ProgressLine

        if self.is_worker:  # no terminal: the controller shows the run's progress
            return ProgressLine(item.name, self.config.workerinput.get("workerid"))
        if self.terminal_line is None:
            from .._compat import TerminalLine

            self.terminal_line = TerminalLine(self.config)
        return ProgressLine(item.name, line=self.terminal_line, run=self.run_progress)

    # -- budgets and plans ----------------------------------------------------------
    def budget_for(self, analysis_id: str, dataset, memory_heavy: bool = False):
        overrides = dict(self.settings.caps)
        if self.settings.time_limit_s:
            overrides["time_limit_s"] = self.settings.time_limit_s
        return decide_budget(
            row_count=dataset.row_count,
            column_count=len(dataset.columns),
            analysis_id=analysis_id,
            memory_heavy=memory_heavy,
            batch_size=self.settings.batch_size,
            overrides=overrides,
            large_policy=self.settings.large_dataset_policy,
        )

    def planned_items(self):
        """(analysis, dataset names, plan, decision) for every item, in a fixed order."""
        out = []
        for analysis in self.registry:
            if analysis.compares:
                for left, right in self.settings.compare:
                    a, b = self._datasets[left], self._datasets[right]
                    decision = self.budget_for(
                        analysis.id, a if a.row_count >= b.row_count else b, analysis.memory_heavy
                    )
                    try:
                        plan = plan_comparison_for(analysis, a, b, decision.budget)
                    except StatHarnessError as exc:
                        raise pytest.UsageError(str(exc)) from None
                    if plan is not None:
                        out.append((analysis, (left, right), plan, decision))
                continue
            for spec in self.settings.datasets:
                dataset = self._datasets[spec.name]
                decision = self.budget_for(analysis.id, dataset, analysis.memory_heavy)
                try:
                    plan = plan_for(analysis, dataset, decision.budget)
                except StatHarnessError as exc:
                    raise pytest.UsageError(str(exc)) from None
                if plan is not None:
                    out.append((analysis, (spec.name,), plan, decision))
        return out
