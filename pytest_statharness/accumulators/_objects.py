"""Small mergeable accumulator objects (the DataSketches shape: ``update``, ``merge``
returning a new object and never modifying its argument, ``n``, ``is_empty``,
``to_state``/``from_state`` for a JSON-able wire form)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from ._counts import add_counts, mg_reduce, valid_values, value_counts


class Counts:
    """Exact counts of the values of a column, ``{value: count}``; nulls not counted."""

    def __init__(self, counts: dict[Any, int] | None = None) -> None:
        self.counts: dict[Any, int] = dict(counts or {})

    def update(self, array) -> Counts:
        """Count an Arrow array's non-null values (dictionary arrays decoded); returns self."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_dictionary(array.type):
            array = pc.cast(array, array.type.value_type)
        add_counts(self.counts, value_counts(pc.drop_null(array)))
        return self

    def update_chunk(self, chunk, column: str) -> Counts:
        """Count the non-null values of ``column`` of a :class:`~pytest_statharness.Chunk`."""
        add_counts(self.counts, value_counts(valid_values(chunk, column)))
        return self

    def merge(self, other: Counts) -> Counts:
        return Counts(add_counts(dict(self.counts), other.counts))

    @property
    def n(self) -> int:
        return sum(self.counts.values())

    def is_empty(self) -> bool:
        return not self.counts

    def most_common(self, k: int) -> list[tuple[Any, int]]:
        """The ``k`` most frequent values, ties broken by the value's repr (deterministic)."""
        return sorted(self.counts.items(), key=lambda kv: (-kv[1], repr(kv[0])))[:k]

    def to_state(self) -> list[list[Any]]:
        return [[v, c] for v, c in sorted(self.counts.items(), key=lambda kv: repr(kv[0]))]

    @classmethod
    def from_state(cls, state: Iterable[Sequence[Any]]) -> Counts:
        return cls({v: int(c) for v, c in state})


class HeavyHitters:
    """Mergeable Misra–Gries summary with at most ``capacity`` counters (Agarwal et al.
    2012): every value occurring more than ``n / (capacity + 1)`` times is kept, in any
    merge order; a kept count is low by at most ``error_bound``. Count the candidates
    exactly in a second pass (:func:`candidate_counts`)."""

    def __init__(self, capacity: int, counters: dict[Any, int] | None = None, n: int = 0):
        if capacity < 1:
            raise ValueError(f"HeavyHitters capacity {capacity!r}: must be at least 1")
        self.capacity = capacity
        self.counters: dict[Any, int] = dict(counters or {})
        self.n = n

    def update(self, array) -> HeavyHitters:
        counts = Counts().update(array).counts
        self.n += sum(counts.values())
        self.counters = dict(mg_reduce(add_counts(self.counters, counts), self.capacity))
        return self

    def merge(self, other: HeavyHitters) -> HeavyHitters:
        if other.capacity != self.capacity:
            raise ValueError(
                f"cannot merge HeavyHitters of capacity {self.capacity} and {other.capacity}"
            )
        merged = mg_reduce(add_counts(dict(self.counters), other.counters), self.capacity)
        return HeavyHitters(self.capacity, dict(merged), self.n + other.n)

    def is_empty(self) -> bool:
        return self.n == 0

    @property
    def error_bound(self) -> int:
        """The most any kept count can be below the true count."""
        return (self.n - sum(self.counters.values())) // (self.capacity + 1)

    def candidates(self) -> list[Any]:
        return sorted(self.counters, key=repr)

    def to_state(self) -> dict[str, Any]:
        return {
            "capacity": self.capacity,
            "n": self.n,
            "counters": Counts(self.counters).to_state(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> HeavyHitters:
        return cls(state["capacity"], Counts.from_state(state["counters"]).counts, state["n"])


class Histogram:
    """Exact integer counts over fixed bin edges: bin ``k`` holds ``edges[k] <= x <
    edges[k+1]``, the last bin also ``x == edges[-1]``; values outside count as ``below`` /
    ``above``, NaN as ``missing``. Order-independent: merging adds integers."""

    def __init__(self, edges: Sequence[float]) -> None:
        edges = [float(e) for e in edges]
        if len(edges) < 2 or any(b <= a for a, b in zip(edges, edges[1:], strict=False)):
            raise ValueError(f"Histogram edges {edges!r}: give at least two increasing edges")
        self.edges = edges
        self.counts = [0] * (len(edges) - 1)
        self.below = self.above = self.missing = 0

    def update(self, values) -> Histogram:
        values = np.asarray(values, dtype=np.float64)
        nan = np.isnan(values)
        self.missing += int(nan.sum())
        values = values[~nan]
        edges = np.asarray(self.edges)
        self.below += int((values < edges[0]).sum())
        self.above += int((values > edges[-1]).sum())
        inside = values[(values >= edges[0]) & (values <= edges[-1])]
        idx = np.minimum(np.searchsorted(edges, inside, side="right") - 1, len(self.counts) - 1)
        for k, c in enumerate(np.bincount(idx, minlength=len(self.counts)).tolist()):
            self.counts[k] += int(c)
        return self

    def merge(self, other: Histogram) -> Histogram:
        if other.edges != self.edges:
            raise ValueError("cannot merge histograms with different edges")
        out = Histogram(self.edges)
        out.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        out.below = self.below + other.below
        out.above = self.above + other.above
        out.missing = self.missing + other.missing
        return out

    @property
    def n(self) -> int:
        return sum(self.counts) + self.below + self.above

    def is_empty(self) -> bool:
        return self.n == 0 and self.missing == 0

    def to_state(self) -> dict[str, Any]:
        return {
            "edges": self.edges,
            "counts": self.counts,
            "below": self.below,
            "above": self.above,
            "missing": self.missing,
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> Histogram:
        out = cls(state["edges"])
        out.counts = [int(c) for c in state["counts"]]
        out.below, out.above, out.missing = state["below"], state["above"], state["missing"]
        return out


class Quantiles:
    """Exact quantiles of one value stream by multi-pass selection (numpy's linear
    method), for an analysis with ``passes >= 2``: pass 0 counts the values (``n``), then
    ``Quantiles(n, qs)`` and, while not ``done``, one pass of ``chunk_state`` per chunk,
    ``merge_states``, ``advance``. Memory is bounded whatever the row count."""

    def __init__(self, n: int, qs: Iterable[float]) -> None:
        from ._exact import RankSelector

        self.qs = list(qs)
        self.n = n
        self._selector = RankSelector.for_quantiles(n, self.qs)

    @property
    def done(self) -> bool:
        return self.n == 0 or self._selector.done

    def chunk_state(self, values) -> dict:
        from ._exact import float_keys

        values = np.asarray(values, dtype=np.float64)
        values = values[~np.isnan(values)]
        if self.done or not values.size:
            return {}
        return self._selector.chunk_state(self._selector.current_pass(), float_keys(values))

    @staticmethod
    def merge_states(a: dict, b: dict) -> dict:
        from ._exact import RankSelector

        return RankSelector.merge_states(a, b)

    def advance(self, state: dict) -> None:
        if not self.done:
            self._selector.advance(state)

    def quantiles(self) -> dict[float, float | None]:
        if self.n == 0:
            return dict.fromkeys(self.qs)
        return self._selector.quantiles(self.qs)
