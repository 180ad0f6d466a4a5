"""Values outside the physical bounds the dataset spec declares (``columns.X.bounds``).

A wind speed of 1048 mph or a negative age is not a statistical outlier to weigh: it is
impossible, and the spec says so. One streamed pass counts, per declared column, the
values below the low bound and above the high bound, and keeps the first offending row
positions (dataset-wide, ascending) to cite.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pytest_statharness import Analysis, ColumnKind, MemoryModel, Plan, hookimpl

from .._shared.hist import MAX_EXAMPLES

_INF = float("inf")


@dataclass(slots=True)
class _Outside:
    """One declared column's pass state: finite values seen, how many fall below the low
    and above the high bound, and the first offending row positions (for ``example_rows``).
    A dataclass rather than a dict so a misspelt field fails loudly instead of adding a key."""

    n: int = 0
    below: int = 0
    above: int = 0
    rows: list[int] = field(default_factory=list)


class DeclaredBounds(Analysis):
    id = "declared_bounds"
    memory_model = MemoryModel.CONSTANT
    memory_note = "counts and examples per declared column"
    family = "quality"
    title = "Values outside the bounds declared in the dataset spec"
    requires = (ColumnKind.NUMERIC, ColumnKind.DURATION)
    exact = True
    passes = 1
    method = (
        "per numeric column with declared bounds [low, high] (dataset spec, columns.X.bounds; "
        "-inf or inf for an open end): counts of finite values < low and > high over every row; "
        f"example_rows: the first {MAX_EXAMPLES} offending rows. Severity high when any value "
        "is outside (declared impossible), else info"
    )
    reference = (
        "Rahm & Do (2000), Data cleaning: problems and current approaches, IEEE Data Eng. "
        "Bull. 23(4) (domain constraints)"
    )
    access = "streamed; one pass over the declared columns"

    def plan(self, dataset, budget):
        bounds = getattr(dataset, "bounds", {})
        columns = [c for c in dataset.columns_of(*self.requires) if c in bounds]
        if not columns:
            return None
        kept = columns[: budget.max_columns]
        params = {"bounds": {c: list(bounds[c]) for c in kept}}
        left = columns[len(kept) :]
        return Plan(tuple(kept), params, {"columns": left, "cap": "max_columns"} if left else {})

    def init(self, ctx):
        return {c: _Outside() for c in ctx.columns}

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            lo, hi = ctx.params["bounds"][c]
            lo = -_INF if lo is None else lo
            hi = _INF if hi is None else hi
            data = chunk.floats(c)
            finite = np.isfinite(data)
            below = finite & (data < lo)
            above = finite & (data > hi)
            s = state[c]
            s.n += int(np.count_nonzero(finite))
            s.below += int(np.count_nonzero(below))
            s.above += int(np.count_nonzero(above))
            bad = np.flatnonzero(below | above)[:MAX_EXAMPLES]
            s.rows = [chunk.row_start + int(i) for i in bad]
        return state

    def merge(self, a, b, ctx):
        return {
            c: _Outside(
                n=a[c].n + b[c].n,
                below=a[c].below + b[c].below,
                above=a[c].above + b[c].above,
                rows=sorted(a[c].rows + b[c].rows)[:MAX_EXAMPLES],
            )
            for c in ctx.columns
        }

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        for c in ctx.columns:
            s = state[c]
            lo, hi = ctx.params["bounds"][c]
            outside = s.below + s.above
            span = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
            out.append(
                ctx.finding(
                    kind="out_of_bounds" if outside else "within_bounds",
                    title=(
                        f"{outside} value(s) of {c!r} outside its declared bounds {span}"
                        if outside
                        else f"Every value of {c!r} is within its declared bounds {span}"
                    ),
                    subject={"column": c},
                    values={
                        "values": s.n,
                        "below_low": s.below,
                        "above_high": s.above,
                        "low": lo,
                        "high": hi,
                    },
                    units={
                        "values": "count",
                        "below_low": "count",
                        "above_high": "count",
                        "low": "value",
                        "high": "value",
                    },
                    severity="high" if outside else "info",
                    columns=[c],
                    example_rows=s.rows,
                )
            )
        return out


@hookimpl
def statharness_analyses():
    return [DeclaredBounds()]
