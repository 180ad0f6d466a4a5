"""The exact building blocks: radix selection and exact sums, against numpy/math."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from statharness_analyses._shared import exact as _exact
from statharness_analyses._shared.exact import (
    ExactSum,
    RankSelector,
    float_keys,
    linear_quantile,
    quantile_ranks,
)


def _select(values: np.ndarray, ranks: list[int], chunk: int) -> dict[int, float]:
    selector = RankSelector(values.size, ranks)
    while not selector.done:
        step = selector.current_pass()
        state: dict = {}
        for start in range(0, values.size, chunk):
            part = selector.chunk_state(step, float_keys(values[start : start + chunk]))
            state = RankSelector.merge_states(state, part)
        selector.advance(state)
    return selector.values()


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(st.floats(allow_nan=False, width=64), min_size=1, max_size=300),
    chunk=st.integers(1, 50),
)
def test_rank_selection_equals_sorting(values, chunk) -> None:
    array = np.array(values, dtype=np.float64)
    ranks = sorted({0, array.size - 1, array.size // 2, array.size // 3})
    chosen = _select(array, ranks, chunk)
    ordered = np.sort(array)
    for rank in ranks:
        assert chosen[rank] == ordered[rank] or (chosen[rank] == 0 and ordered[rank] == 0)


def test_many_copies_of_one_value_are_not_collected(monkeypatch) -> None:
    monkeypatch.setattr(_exact, "COLLECT_CAP", 10)
    array = np.concatenate([np.full(1000, 7.25), np.arange(5.0)])
    chosen = _select(array, [0, 500, 1004], 64)
    assert chosen == {0: 0.0, 500: 7.25, 1004: 7.25}


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), max_size=200),
    cut=st.integers(0, 200),
)
def test_exact_sum_is_math_fsum_for_any_split(values, cut) -> None:
    array = np.array(values, dtype=np.float64)
    left, right = ExactSum(), ExactSum()
    left.add_array(array[:cut])
    right.add_array(array[cut:])
    try:
        expected = math.fsum(values)
    except OverflowError:
        return
    assert left.merged(right).value() == expected
    assert right.merged(left).value() == expected


def test_linear_quantile_matches_numpy() -> None:
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 10, 101, 1000):
        data = np.sort(rng.lognormal(0, 3, n))
        qs = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
        for q, (prev, nxt, gamma) in quantile_ranks(n, qs).items():
            assert linear_quantile(data[prev], data[nxt], gamma) == np.quantile(data, q)
