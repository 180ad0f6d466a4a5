"""Moved to :mod:`pytest_statharness.accumulators` (the public kit for analysis authors);
the built-in analyses import these names from here as before."""

from pytest_statharness.accumulators._exact import (  # noqa: F401
    BUCKETS,
    COLLECT_CAP,
    PREFIX_BITS,
    ExactSum,
    KeyRankSelector,
    RankSelector,
    SelectionPass,
    SelectionSet,
    bucket_histogram,
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
