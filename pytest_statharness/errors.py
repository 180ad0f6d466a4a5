"""The exceptions and warnings a user of pytest-statharness can meet.

One base class each, so a caller can catch everything the harness raises on purpose
(``except StatHarnessError``) without also catching programming errors. Every message
names the thing at fault and says what to do about it.
"""

from __future__ import annotations


class StatHarnessError(Exception):
    """Base class of every error the harness raises on purpose."""


class DatasetError(StatHarnessError):
    """A dataset cannot be opened or read: missing, empty, corrupt, unknown format."""


class StateStoreError(StatHarnessError):
    """The artifact home's ``state.db`` is not a state database (another file under that
    name, a truncated copy): runs cannot be recorded or listed there."""


class FullLoadRefused(StatHarnessError):
    """A whole-dataset in-memory load was asked for above the full-load threshold."""


class AnalysisDefinitionError(StatHarnessError):
    """An analysis does not satisfy the analysis contract (bad metadata, duplicate id)."""


class FindingValidationError(StatHarnessError):
    """An analysis produced a finding that does not match the findings JSON Schema."""


class EngineError(StatHarnessError):
    """The distributed engine cannot run: its extra is missing, the scheduler cannot be
    reached, a worker cannot read a dataset (one line: what, where, what to do)."""


class BudgetExceeded(StatHarnessError):
    """An analysis ran past the time limit of its budget.

    Carries what the golden policy needs to make a citable skip out of it.
    """

    def __init__(self, message: str, *, threshold: float, measured: float) -> None:
        super().__init__(message)
        self.threshold = threshold
        self.measured = measured


class StatHarnessWarning(UserWarning):
    """Base class of every warning the harness issues."""


class ProviderLoadError(StatHarnessError):
    """An installed analysis provider (an entry point) failed to import or to register."""
