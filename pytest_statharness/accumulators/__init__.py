"""Exact, mergeable building blocks for analyses: the ones the built-in analyses use.

Every object here merges in an order-independent, exact way, so an analysis built from
them gives the same bytes for any chunking, worker count and merge order (the contract
``tests/test_conformance.py`` and :func:`pytest_statharness.testing.conformance_suite`
check). See docs/writing-an-analysis.md.

Objects (``update``, ``merge`` returning a new object and never modifying its argument,
``n``, ``is_empty``, ``to_state``/``from_state``):

* :class:`Counts` — exact value counts of a column.
* :class:`HeavyHitters` — mergeable Misra–Gries candidates with their error bound.
* :class:`Histogram` — exact integer counts over fixed bin edges.
* :class:`Quantiles` — exact quantiles (numpy's linear method) by multi-pass selection.
* :class:`ExactSum` — an exact running sum (``add_array``, ``merged``, ``value``, and
  ``mean(count)``, finite whenever the mean is).
* :class:`IntegerMoments` — exact count, sum and sum of squares of int64/uint64 values
  (no float64 detour); ``mean`` and ``std`` rounded once.

Functions and lower-level pieces: :func:`exact_fixed_sum` and :func:`fixed_ratio` (an
exact sum as an integer, and a correctly rounded mean from it), :class:`RankSelector`,
:class:`KeyRankSelector` and :class:`SelectionSet` (order statistics of one or several
streams), :func:`float_keys`/:func:`int_keys` (order-preserving 64-bit keys),
:func:`quantile_ranks`/:func:`quantile_rank_list`/:func:`linear_quantile`, and the
counting helpers :func:`valid_values`, :func:`value_counts`, :func:`add_counts`,
:func:`mg_reduce`, :func:`misra_gries_add`, :func:`candidate_counts`.

Importing this module imports numpy and pyarrow.
"""

from ._counts import (
    add_counts,
    candidate_counts,
    mg_reduce,
    misra_gries_add,
    valid_values,
    value_counts,
)
from ._exact import (
    ExactSum,
    KeyRankSelector,
    RankSelector,
    SelectionSet,
    exact_fixed_sum,
    fixed_ratio,
    float_keys,
    in_sorted,
    int_keys,
    keys_to_floats,
    linear_quantile,
    quantile_rank_list,
    quantile_ranks,
)
from ._integers import IntegerMoments, int_square_sum, int_sum, ratio_to_float, sqrt_ratio
from ._objects import Counts, HeavyHitters, Histogram, Quantiles

__all__ = [
    "Counts",
    "ExactSum",
    "HeavyHitters",
    "IntegerMoments",
    "Histogram",
    "KeyRankSelector",
    "Quantiles",
    "RankSelector",
    "SelectionSet",
    "add_counts",
    "candidate_counts",
    "exact_fixed_sum",
    "fixed_ratio",
    "float_keys",
    "in_sorted",
    "int_keys",
    "int_square_sum",
    "int_sum",
    "keys_to_floats",
    "linear_quantile",
    "mg_reduce",
    "misra_gries_add",
    "quantile_rank_list",
    "quantile_ranks",
    "ratio_to_float",
    "sqrt_ratio",
    "valid_values",
    "value_counts",
]
