"""What more than one distribution analysis uses: the phased driver of exact
quantile selection (``_PhasedNumeric`` and its per-run record ``_Run``, subclassed by
histogram, outliers and shape) and the count / null / min / max summary every numeric
finding starts with (``_stats_*``).

Kept apart so each analysis module holds only its own code. Nothing here is registered.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind

from .._shared.exact import (
    SelectionSet,
    float_keys,
    quantile_rank_list,
)
from .._shared.hist import finite_values

SELECTION_PASSES = 5  # RankSelector: at most four 16-bit histogram passes, then a collect pass


# -- pass-1 column statistics shared by the numeric analyses --------------------------------
def _stats_init() -> dict:
    return {"n": 0, "nulls": 0, "nonfinite": 0, "min": math.inf, "max": -math.inf}


def _stats_update(s: dict, vals: np.ndarray, nulls: int, nonfinite: int) -> None:
    s["n"] += int(vals.size)
    s["nulls"] += nulls
    s["nonfinite"] += nonfinite
    if vals.size:
        s["min"] = min(s["min"], float(vals.min()))
        s["max"] = max(s["max"], float(vals.max()))


def _stats_merge(x: dict, y: dict) -> dict:
    return {
        "n": x["n"] + y["n"],
        "nulls": x["nulls"] + y["nulls"],
        "nonfinite": x["nonfinite"] + y["nonfinite"],
        "min": min(x["min"], y["min"]),
        "max": max(x["max"], y["max"]),
    }


def _stats_values(s: dict) -> dict:
    n = s["n"]
    return {
        "count": n,
        "null_count": s["nulls"],
        "nonfinite_count": s["nonfinite"],
        "min": s["min"] if n else None,
        "max": s["max"] if n else None,
    }


_STATS_UNITS = {
    "count": "count",
    "null_count": "count",
    "nonfinite_count": "count",
    "min": "value",
    "max": "value",
}


class _Run:
    """What one run has learnt so far; lives in ``ctx.previous[0]`` (never on the analysis)."""

    def __init__(self, columns, stats: dict) -> None:
        self.columns = list(columns)
        self.stats = stats
        self.phase = "done"
        self.selection: SelectionSet | None = None
        self.results: dict = {c: {} for c in self.columns}


class _PhasedNumeric(Analysis):
    """Pass 1 collects column statistics, later passes follow ``run.phase``: exact order
    statistics by selection (phases ``select`` and ``mad``), then a counting pass
    (``_count_update`` / ``_count_merge``, written by the subclass)."""

    requires = (ColumnKind.NUMERIC,)
    roles = MEASURE_ROLES  # no shape or outliers of keys, calendar parts or clock codes

    @staticmethod
    def _run(ctx) -> _Run | None:
        return ctx.previous[0] if ctx.previous else None

    def init(self, ctx):
        if not ctx.previous:
            return self._first_init(ctx)
        return {}

    def update(self, state, chunk, ctx):
        run = self._run(ctx)
        if run is None:
            return self._first_update(state, chunk, ctx)
        if run.phase in ("select", "mad"):
            return self._select_update(state, chunk, run)
        return self._count_update(state, chunk, ctx, run)

    def merge(self, a, b, ctx):
        run = self._run(ctx)
        if run is None:
            return self._first_merge(a, b, ctx)
        if run.phase in ("select", "mad"):
            return SelectionSet.merge(a, b)
        return self._count_merge(a, b)

    def _counted(self, result: dict) -> bool:
        """Whether the counting pass reads this column (from its result so far)."""
        raise NotImplementedError

    def _count_update(self, state, chunk, ctx, run: _Run):
        raise NotImplementedError

    def _count_merge(self, a, b):
        raise NotImplementedError

    def _start_selection(self, state, ctx, qs: list[float]) -> _Run:
        """After pass 1: the run, selecting per column the order statistics of ``qs``."""
        run = _Run(ctx.columns, state)
        wanted = {c: (s["n"], quantile_rank_list(s["n"], qs)) for c, s in state.items()}
        run.selection = SelectionSet(wanted)
        run.phase = "select" if run.selection.selectors else "done"
        return run

    def _first_init(self, ctx) -> dict:
        return {c: _stats_init() for c in ctx.columns}

    def _first_update(self, state, chunk, ctx):
        for c in ctx.columns:
            vals, _, nulls, nonfinite = finite_values(chunk, c)
            _stats_update(state[c], vals, nulls, nonfinite)
        return state

    def _first_merge(self, a, b, ctx):
        return {c: _stats_merge(a[c], b[c]) for c in ctx.columns}

    def _select_values(self, run: _Run, column: str, vals: np.ndarray) -> np.ndarray:
        """The values whose order statistics the current phase selects (the column's)."""
        return vals

    def _select_update(self, state, chunk, run: _Run):
        for c in run.selection.pending():
            vals = self._select_values(run, c, finite_values(chunk, c)[0])
            part = run.selection.chunk_state(c, float_keys(vals))
            if part:
                state[c] = part
        return state

    def needs_another_pass(self, ctx) -> bool:
        return self._run(ctx).phase != "done"

    def columns_for_pass(self, ctx):
        run = self._run(ctx)
        if run is None:
            return ctx.columns
        if run.phase in ("select", "mad"):
            return run.selection.pending()
        if run.phase == "count":
            return [c for c in run.columns if self._counted(run.results[c])]
        return [c for c in run.columns if run.stats[c]["n"]]
