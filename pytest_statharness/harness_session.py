"""The session side of the plugin, registered only when datasets are given.

Owns, for one pytest process: the opened datasets, the registry, item generation
(identical on every xdist worker: sorted by analysis id, then dataset order), the
``stat_*`` fixtures, and — on the controller or a single process — the run's report.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .analysis import DatasetView
from .dataset import Dataset, open_dataset
from .engine import plan_for, run_analysis, run_comparison
from .errors import StatHarnessError
from .items import RESULT_PROPERTY, AnalysisItem, StatCollector, attach_result
from .options import StatOptions
from .policy.budget import decide_budget
from .registry import Registry
from .snapshots import SnapshotStore, snapshot_key

COLLECTOR_NAME = "statharness"


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


class HarnessSession:
    def __init__(self, config: pytest.Config, options: StatOptions) -> None:
        self.config = config
        self.options = options
        self.snapshots = SnapshotStore(options.snapshot_dir)
        self.update_snapshots = bool(config.getoption("update_snapshots", default=False))
        self._datasets: dict[str, Dataset] = {}
        self._registry: Registry | None = None
        self.results: dict[str, dict] = {}
        self.outcomes: dict[str, str] = {}
        self.decisions: dict[str, dict] = {}
        self.pass_memo: dict = {}  # passes several analyses share (engine.run_analysis)
        from .policy.network import network_mode

        self.network_mode = network_mode()
        from .dataset.spec import load_specs

        try:
            self.specs = load_specs(config.rootpath, options.spec_file)
        except StatHarnessError as exc:
            raise pytest.UsageError(str(exc)) from None
        for spec in options.datasets:
            try:
                self._datasets[spec.name] = open_dataset(
                    spec.name,
                    spec.location,
                    meta_dir=options.home / "cache" / "meta",
                    root=config.rootpath,
                    cache_dir=options.home / "cache" / "datasets",
                    spec=self.specs.get(spec.name),
                )
            except StatHarnessError as exc:
                raise pytest.UsageError(str(exc)) from None
            except OSError as exc:
                raise pytest.UsageError(
                    f"dataset {spec.name!r}: cannot read {spec.location!r}: {exc.strerror}"
                ) from None

    # -- shared state ---------------------------------------------------------------
    def dataset(self, name: str) -> Dataset:
        return self._datasets[name]

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            extra = [
                plugin
                for plugin in self.config.pluginmanager.get_plugins()
                if plugin is not self
                and not isinstance(plugin, type)
                and any(attr.startswith("statharness_") for attr in dir(plugin))
            ]
            try:
                self._registry = Registry.build(
                    extra, providers=self.options.providers, disabled=self.options.disabled
                )
            except StatHarnessError as exc:
                raise pytest.UsageError(str(exc)) from None
        return self._registry

    def run(self, analysis, dataset_names, budget, plan, progress):
        datasets = [self._datasets[n] for n in dataset_names]
        if analysis.compares:
            return run_comparison(analysis, *datasets, budget, plan, progress=progress)
        return run_analysis(
            analysis, datasets[0], budget, plan, progress=progress, memo=self.pass_memo
        )

    def progress_for(self, item):
        from .progress import ProgressLine

        worker = getattr(self.config, "workerinput", {}).get("workerid")
        return ProgressLine(item.name, worker)

    # -- collection -----------------------------------------------------------------
    def budget_for(self, analysis, dataset):
        overrides = {}
        overrides.update(self.options.caps)
        if self.options.time_limit_s:
            overrides["time_limit_s"] = self.options.time_limit_s
        return decide_budget(
            row_count=dataset.row_count,
            column_count=len(dataset.columns),
            analysis_id=analysis.id,
            memory_heavy=analysis.memory_heavy,
            batch_size=self.options.batch_size,
            overrides=overrides,
        )

    def planned_items(self):
        """(analysis, dataset names, plan, decision) for every item, in a fixed order."""
        out = []
        for analysis in self.registry:
            if analysis.compares:
                for left, right in self.options.compare:
                    a, b = self._datasets[left], self._datasets[right]
                    decision = self.budget_for(analysis, a if a.row_count >= b.row_count else b)
                    try:
                        plan = analysis.plan_comparison(
                            DatasetView(a), DatasetView(b), decision.budget
                        )
                    except StatHarnessError as exc:
                        raise pytest.UsageError(str(exc)) from None
                    if plan is not None:
                        out.append((analysis, (left, right), plan, decision))
                continue
            for spec in self.options.datasets:
                dataset = self._datasets[spec.name]
                decision = self.budget_for(analysis, dataset)
                try:
                    plan = plan_for(analysis, dataset, decision.budget)
                except StatHarnessError as exc:
                    raise pytest.UsageError(str(exc)) from None
                if plan is not None:
                    out.append((analysis, (spec.name,), plan, decision))
        return out

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        from .plugin import FAMILIES, register_family_marker

        for family in self.registry.families():
            if family not in FAMILIES:
                register_family_marker(config, family)
        collector = StatCollector.from_parent(session, name=COLLECTOR_NAME, nodeid=COLLECTOR_NAME)
        planned = self.planned_items()
        new_items = []
        for analysis, names, plan, decision in planned:
            new_items.append(
                AnalysisItem.from_parent(
                    collector,
                    name=f"{analysis.id}[{':'.join(names)}]",
                    # the id pytest parses back from a report or the cache (--lf, --sw, xdist):
                    # path "statharness", name the analysis id, params the dataset(s)
                    nodeid=f"{COLLECTOR_NAME}::{analysis.id}[{':'.join(names)}]",
                    analysis=analysis,
                    dataset_names=names,
                    plan=plan,
                    decision=decision,
                    harness=self,
                )
            )
        # Report the collector like any other, so pytest counts and shows its items.
        config.hook.pytest_collectreport(
            report=pytest.CollectReport(COLLECTOR_NAME, "passed", None, list(new_items))
        )
        items.extend(new_items)

    # -- fixtures ----------------------------------------------------------------------
    @pytest.fixture(scope="session")
    def stat_datasets(self) -> dict[str, Dataset]:
        """Every dataset of the session, by name."""
        return dict(self._datasets)

    @pytest.fixture
    def stat_dataset(self) -> Dataset:
        """The session's dataset when there is one (else use ``stat_datasets[name]``)."""
        if len(self._datasets) != 1:
            pytest.fail(
                f"stat_dataset needs exactly one --stat-dataset, this session has "
                f"{len(self._datasets)}; use the stat_datasets fixture and pick by name",
                pytrace=False,
            )
        return next(iter(self._datasets.values()))

    @pytest.fixture
    def stat_budget(self, request):
        """The budget an item gets on the session's (single) dataset, with its reasons."""
        dataset = request.getfixturevalue("stat_dataset")
        return decide_budget(
            row_count=dataset.row_count,
            column_count=len(dataset.columns),
            analysis_id=request.node.name,
            batch_size=self.options.batch_size,
        ).budget

    # -- results and report -------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.when == "call":
            attach_result(item, report)
        return report

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        value = getattr(report, RESULT_PROPERTY, None)
        if isinstance(value, str):
            self.results[report.nodeid] = json.loads(value)
        if report.nodeid in self.results or report.nodeid.startswith(f"{COLLECTOR_NAME}::"):
            if report.when == "call" or report.outcome != "passed":
                previous = self.outcomes.get(report.nodeid)
                if previous in (None, "passed"):
                    self.outcomes[report.nodeid] = report.outcome

    @pytest.hookimpl(tryfirst=True)  # before --junitxml writes its file
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if _is_worker(self.config) or self.config.option.collectonly:
            return
        from .report.writer import write_run_report

        self.unused = self.find_unused_snapshots()
        if self.update_snapshots:
            for path in self.unused.values():
                path.unlink(missing_ok=True)
        self.run_dir = write_run_report(self, exitstatus)
        from ._compat import add_junit_suite_property

        add_junit_suite_property(self.config, "statharness.report", self.shown_report_path())

    def find_unused_snapshots(self) -> dict[tuple[str, str], Path]:
        if not self.options.snapshot_dir.exists():
            return {}
        expected = {(snapshot_key(names), a.id) for a, names, _p, _d in self.planned_items()}
        keys = [s.name for s in self.options.datasets] + [
            snapshot_key(p) for p in self.options.compare
        ]
        existing = self.snapshots.existing(keys)
        return {key: path for key, path in existing.items() if key not in expected}

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if _is_worker(self.config):
            return
        statuses: dict[str, int] = {}
        for result in self.results.values():
            status = result.get("snapshot", {}).get("status")
            if status:
                statuses[status] = statuses.get(status, 0) + 1
        tr = terminalreporter
        tr.section("statharness")
        if statuses:
            tr.write_line(
                "snapshots: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items()))
            )
        unused = getattr(self, "unused", {})
        if unused:
            verb = "deleted" if self.update_snapshots else "unused (delete with --snapshot-update)"
            tr.write_line(f"{len(unused)} snapshot(s) {verb}:")
            for dataset, analysis_id in sorted(unused):
                tr.write_line(f"  {dataset}/{analysis_id}.json")
        if getattr(self, "run_dir", None) is not None:
            tr.write_line(f"report: {self.shown_report_path()}")

    def shown_report_path(self) -> str:
        """The run's report.md as a path that opens from the folder pytest was started in."""
        import os

        path = self.run_dir / "report.md"
        invocation = self.config.invocation_params.dir
        try:
            return path.relative_to(invocation).as_posix()
        except ValueError:
            relative = os.path.relpath(path, invocation)
            # a short way up stays readable; otherwise the absolute path
            return relative if relative.count("..") <= 2 else str(path)
