"""The generated items: one per (analysis, dataset), under one ``statharness`` collector."""

from __future__ import annotations

import pytest

from ..items import AnalysisItem, StatCollector
from .harness import COLLECTOR_NAME, Harness


class CollectionPlugin:
    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_modifyitems(self, session, config, items) -> None:
        # markers the analyses declare (their families, and any a provider adds through
        # the statharness_markers hook), so -m FAMILY and --strict-markers work
        for name, meaning in self.harness.registry.markers().items():
            config.addinivalue_line("markers", f"{name}: {meaning}")
        collector = StatCollector.from_parent(session, name=COLLECTOR_NAME, nodeid=COLLECTOR_NAME)
        new_items = []
        for analysis, names, plan, decision in self.harness.planned_items():
            label = ":".join(names)
            new_items.append(
                AnalysisItem.from_parent(
                    collector,
                    name=f"{analysis.id}[{label}]",
                    # the id pytest parses back from a report or the cache (--lf, --sw, xdist):
                    # path "statharness", name the analysis id, params the dataset(s)
                    nodeid=f"{COLLECTOR_NAME}::{analysis.id}[{label}]",
                    analysis=analysis,
                    dataset_names=names,
                    plan=plan,
                    decision=decision,
                    harness=self.harness,
                )
            )
        # Report the collector like any other, so pytest counts and shows its items.
        config.hook.pytest_collectreport(
            report=pytest.CollectReport(COLLECTOR_NAME, "passed", None, list(new_items))
        )
        items.extend(new_items)
