"""Moved to :mod:`pytest_statharness.accumulators` (the public kit for analysis authors);
the built-in analyses import these names from here as before."""

from pytest_statharness.accumulators._counts import (  # noqa: F401
    add_counts,
    candidate_counts,
    mg_reduce,
    misra_gries_add,
    valid_values,
    value_counts,
)
