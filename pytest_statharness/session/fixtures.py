"""Fixtures for users' own tests: ``stat_datasets``, ``stat_dataset``, ``stat_budget``."""

from __future__ import annotations

import pytest

from ..dataset import Dataset
from .harness import Harness


class FixturesPlugin:
    def __init__(self, harness: Harness) -> None:
        self.harness = harness

    @pytest.fixture(scope="session")
    def stat_datasets(self) -> dict[str, Dataset]:
        """Every dataset of the session, by name."""
        return self.harness.datasets

    @pytest.fixture
    def stat_dataset(self) -> Dataset:
        """The session's dataset when there is one (else use ``stat_datasets[name]``)."""
        datasets = self.harness.datasets
        if len(datasets) != 1:
            pytest.fail(
                f"stat_dataset needs exactly one --stat-dataset, this session has "
                f"{len(datasets)}; use the stat_datasets fixture and pick by name",
                pytrace=False,
            )
        return next(iter(datasets.values()))

    @pytest.fixture
    def stat_budget(self, request):
        """The budget an item gets on the session's (single) dataset, with its reasons."""
        dataset = request.getfixturevalue("stat_dataset")
        return self.harness.budget_for(request.node.name, dataset).budget
