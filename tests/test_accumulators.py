"""The public accumulators: split-then-merge equals whole, merge leaves its argument
untouched, the state round-trips, and they are the very objects the built-in analyses use."""

from __future__ import annotations

import copy
import json

import numpy as np
import pyarrow as pa
import pytest

from pytest_statharness import accumulators as acc


def _values(seed: int = 1, n: int = 1000) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = rng.lognormal(2.0, 1.5, n)
    values[::41] = np.nan
    return values


def _split(values, parts: int = 7):
    return np.array_split(values, parts)


def test_the_analyses_use_these_objects() -> None:
    import statharness_analyses._shared.counts as counts
    import statharness_analyses._shared.exact as exact

    assert exact.RankSelector is acc.RankSelector
    assert exact.exact_fixed_sum is acc.exact_fixed_sum
    assert counts.mg_reduce is acc.mg_reduce


def test_exact_sum_is_order_independent() -> None:
    values = _values()
    finite = values[np.isfinite(values)]
    whole = acc.ExactSum()
    whole.add_array(finite)
    parts = []
    for part in _split(finite[::-1]):
        s = acc.ExactSum()
        s.add_array(part)
        parts.append(s)
    merged = parts[0]
    for s in parts[1:]:
        merged = merged.merged(s)
    assert merged.value() == whole.value() == acc.fixed_ratio(acc.exact_fixed_sum(finite), 1)


def test_counts_and_heavy_hitters() -> None:
    rng = np.random.default_rng(2)
    data = rng.choice(["a", "b", "c", "d", "e"], 2000, p=[0.5, 0.2, 0.1, 0.1, 0.1]).tolist()
    data[::50] = [None] * len(data[::50])
    whole = acc.Counts().update(pa.array(data))
    parts = [acc.Counts().update(pa.array(p)) for p in np.array_split(np.array(data, object), 5)]
    merged = parts[0]
    for p in parts[1:]:
        before = copy.deepcopy(p.counts)
        merged = merged.merge(p)
        assert p.counts == before
    assert merged.counts == whole.counts and merged.n == 2000 - len(data[::50])
    assert acc.Counts.from_state(json.loads(json.dumps(whole.to_state()))).counts == whole.counts
    assert whole.most_common(1)[0][0] == "a"

    hh = [
        acc.HeavyHitters(2).update(pa.array(p)) for p in np.array_split(np.array(data, object), 5)
    ]
    top = hh[0]
    for h in hh[1:]:
        top = top.merge(h)
    assert "a" in top.candidates()  # more than n / 3 occurrences: always kept
    assert top.counters["a"] >= whole.counts["a"] - top.error_bound
    assert acc.HeavyHitters.from_state(top.to_state()).counters == top.counters
    with pytest.raises(ValueError, match="capacity 2 and 3"):
        top.merge(acc.HeavyHitters(3))


def test_histogram_counts_exactly() -> None:
    values = _values()
    edges = [0.0, 1.0, 10.0, 100.0]
    whole = acc.Histogram(edges).update(values)
    merged = acc.Histogram(edges)
    for part in _split(values):
        merged = merged.merge(acc.Histogram(edges).update(part))
    assert merged.to_state() == whole.to_state()
    finite = values[~np.isnan(values)]
    inside = finite[finite <= 100.0]
    expected, _ = np.histogram(inside, bins=edges)
    assert whole.counts == expected.tolist()
    assert whole.above == int((finite > 100).sum()) and whole.missing == int(np.isnan(values).sum())
    assert acc.Histogram.from_state(whole.to_state()).to_state() == whole.to_state()
    with pytest.raises(ValueError, match="increasing"):
        acc.Histogram([1.0, 1.0])


def test_quantiles_by_selection_equal_numpy() -> None:
    values = _values(n=5000)
    finite = values[~np.isnan(values)]
    qs = [0.01, 0.25, 0.5, 0.9, 0.99]
    quantiles = acc.Quantiles(finite.size, qs)
    passes = 0
    while not quantiles.done:
        state: dict = {}
        for part in _split(values, 9):
            state = acc.Quantiles.merge_states(state, quantiles.chunk_state(part))
        quantiles.advance(state)
        passes += 1
    assert quantiles.quantiles() == {q: float(np.quantile(finite, q)) for q in qs}
    assert passes >= 1
    assert acc.Quantiles(0, qs).quantiles() == dict.fromkeys(qs)
