"""distribution: histograms, outliers, Benford's law and shape (skewness, kurtosis).

Every analysis here reads numeric columns as float64 (``Chunk.floats``), uses only the
finite values (nulls and NaN are counted as nulls, +-inf as ``nonfinite_count``) and is
exact: quantiles come from exact order statistics (multi-pass radix selection,
``_shared.exact.SelectionSet``), sums from exact integer accumulation
(``_shared.exact.exact_fixed_sum``), so findings are byte-identical for any chunking. Findings come in plan column order (schema
order of the numeric columns), a screen summary (Benford) last.

One module per analysis, named by its id (``<id>.py``); what more than one of them uses
is in ``_common.py``. The ``distribution`` entry point registers all four.
"""

from pytest_statharness import hookimpl

from .benford import Benford
from .histogram import Histogram
from .outliers import Outliers
from .shape import Shape


@hookimpl
def statharness_analyses():
    return [Histogram(), Outliers(), Benford(), Shape()]
