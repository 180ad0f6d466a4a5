"""pytest-statharness: streaming, exact, citable statistical analyses as pytest items.

This module only re-exports the names a user imports; the work lives in the modules
(see docs/architecture.md). Importing it does not import numpy, pandas or pyarrow.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _distribution_version

from .analysis import (
    Analysis,
    AnalysisContext,
    Budget,
    ComparisonAnalysis,
    DatasetView,
    MemoryModel,
    Plan,
    Setting,
)
from .column_kinds import ColumnKind
from .column_roles import MEASURE_ROLES, ColumnRole
from .errors import (
    AnalysisDefinitionError,
    BudgetExceeded,
    DatasetError,
    FindingValidationError,
    FullLoadRefused,
    StatHarnessError,
    StatHarnessWarning,
)
from .hookspecs import hookimpl
from .policy.golden import HarnessSkip, harness_skip

try:  # single source: the installed distribution's metadata (pyproject's version)
    __version__ = _distribution_version("pytest-statharness")
except PackageNotFoundError:  # pragma: no cover - imported from a bare source tree
    __version__ = "0+unknown"


def __getattr__(name: str):
    # Chunk needs numpy and pyarrow: imported on first use, so that importing the package
    # (which pytest does in every session) stays light.
    if name == "Chunk":
        from .dataset.chunks import Chunk

        return Chunk
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "Analysis",
    "AnalysisContext",
    "Chunk",
    "DatasetView",
    "Setting",
    "AnalysisDefinitionError",
    "Budget",
    "BudgetExceeded",
    "ColumnKind",
    "ColumnRole",
    "MEASURE_ROLES",
    "ComparisonAnalysis",
    "DatasetError",
    "FindingValidationError",
    "FullLoadRefused",
    "HarnessSkip",
    "MemoryModel",
    "Plan",
    "StatHarnessError",
    "StatHarnessWarning",
    "__version__",
    "harness_skip",
    "hookimpl",
]
