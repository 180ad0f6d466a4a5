"""The ``constant_columns`` analysis (quality family): constant and near-constant columns.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnRole, MemoryModel, Plan

from .._shared.hist import (
    MAX_EXAMPLES,
    decoded,
    smallest,
    time_ints,
)
from .._shared.report import cap_findings, medium_members, named, said_once, share
from ._common import ALL_KINDS, _display, _is_time

# ======================================================================================
# constant_columns
# ======================================================================================
NEAR_CONSTANT_SHARE = 0.99
#: a column is medium-constant from this many non-null values: every column of a 1-row
#: table (a ragged CSV that lost its other rows) holds one value, which says nothing
CONSTANT_MIN_VALUES = 10

#: this many medium constant columns or more are one fact (an extract of one site, one
#: unit, one product: its state, county, code and coordinates), reported once
CONSTANT_GROUP_MIN = 3
CONSTANT_GROUP_RULE = (
    "{k} columns are constant: one fact about the table (an extract of one site, one "
    "selection), reported once (medium); each column's own finding is low"
)


def _comparable(col) -> pa.Array:
    """Values compared by equality: dictionaries decoded, floats with NaN as null and
    -0.0 as 0.0, temporal values as integer counts."""
    arr = decoded(col)
    typ = arr.type
    if pa.types.is_floating(typ):
        arr = pc.cast(arr, pa.float64())
        arr = pc.if_else(pc.is_nan(arr), pa.scalar(None, pa.float64()), pc.add(arr, 0.0))
    elif _is_time(typ):
        arr = time_ints(arr)
    return arr


@dataclass(slots=True)
class _Majority:
    """Pass 1 state of one column: rows and non-null values seen, the Boyer-Moore majority
    candidate with its surplus ``est`` (a value held by more than half the non-null rows is
    the candidate at the end, whatever the chunking), whether the column is nested (not
    compared), and its Arrow type (to display the value)."""

    rows: int = 0
    nn: int = 0
    cand: object = None
    est: int = 0
    nested: bool = False
    type: pa.DataType | None = None


@dataclass(slots=True)
class _Agreement:
    """Pass 2 state of one candidate column: rows equal to the candidate (exact count) and
    the first row positions that differ (examples)."""

    count: int = 0
    examples: list[int] = field(default_factory=list)


class ConstantColumns(Analysis):
    id = "constant_columns"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = (
        "per column the majority candidates' counts (bounded per chunk), then one exact count"
    )
    family = "quality"
    title = "Constant and near-constant columns"
    requires = ALL_KINDS
    exact = True
    passes = 2
    method = (
        "per column (nested types excepted), over non-null values (NaN counts as null; -0.0 = "
        "0.0): pass 1 finds the only possible majority value with a mergeable Misra-Gries "
        "summary of one counter (per chunk from exact value counts); pass 2 counts it exactly. "
        "constant: at most one distinct non-null value, severity medium from "
        f"{CONSTANT_MIN_VALUES} non-null values (fewer: low; any column of 1 row is constant; "
        "an all-null column "
        "is constant, severity low: missingness reports it, high); near-constant: the top value's share of non-null values >= "
        f"{NEAR_CONSTANT_SHARE} (severity low). {CONSTANT_GROUP_MIN} or more medium constant "
        "columns are one fact (one site's state, county, codes): one medium finding naming "
        "them, each column's own low. example_rows: first 20 rows whose non-null value "
        "differs from the top value"
    )
    reference = (
        "Misra & Gries (1982), Finding repeated elements, Sci. Comput. Program. 2(2); Agarwal "
        "et al. (2013), Mergeable summaries, ACM TODS 38(4)"
    )
    access = "streamed; pass 1 per-chunk value counts -> majority candidate, pass 2 exact count"

    def plan(self, dataset, budget):
        # every column up to max_columns (the default); a dataset without columns is
        # screened too (a summary of 0 columns)
        return super().plan(dataset, budget) or Plan((), {}, {})

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            return ctx.columns
        return [c for c, s in ctx.previous[0].items() if s.cand is not None]

    def init(self, ctx):
        if ctx.pass_index == 0:
            return {c: _Majority() for c in ctx.columns}
        return {c: _Agreement() for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            for c in ctx.columns:
                s = state[c]
                s.rows = chunk.num_rows
                s.type = chunk.column(c).type
                if pa.types.is_nested(s.type):
                    s.nested = True
                    continue
                arr = _comparable(chunk.column(c))
                valid = pc.drop_null(arr)
                s.nn = len(valid)
                if not len(valid):
                    continue
                vc = pc.value_counts(valid)
                counts = np.asarray(vc.field("counts").to_numpy(), dtype=np.int64)
                top = int(np.argmax(counts))
                est = 2 * int(counts[top]) - len(valid)
                if est > 0:
                    s.cand = vc.field("values")[top].as_py()
                    s.est = est
            return state
        for c in self.columns_for_pass(ctx):
            arr = _comparable(chunk.column(c))
            cand = pa.scalar(ctx.previous[0][c].cand, type=arr.type)
            equal = pc.fill_null(pc.equal(arr, cand), True)
            eq = np.asarray(equal.to_numpy(zero_copy_only=False), dtype=bool)
            valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
            differ = np.flatnonzero(~eq)[:MAX_EXAMPLES] + chunk.row_start
            state[c] = _Agreement(int(np.count_nonzero(eq & valid)), differ.tolist())
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in a:
            x, y = a[c], b[c]
            if ctx.pass_index == 1:
                out[c] = _Agreement(x.count + y.count, smallest(x.examples, y.examples))
                continue
            if x.cand is not None and y.cand is not None and x.cand == y.cand:
                cand, est = x.cand, x.est + y.est
            elif x.est >= y.est:
                cand, est = x.cand, x.est - y.est
            else:
                cand, est = y.cand, y.est - x.est
            out[c] = _Majority(
                rows=x.rows + y.rows,
                nn=x.nn + y.nn,
                cand=cand if est > 0 else None,
                est=max(est, 0),
                nested=x.nested or y.nested,
                type=x.type if x.type is not None else y.type,
            )
        return out

    def needs_another_pass(self, ctx):
        return len(ctx.previous) == 1 and any(s.cand is not None for s in ctx.previous[0].values())

    def findings(self, ctx):
        first = ctx.previous[0]
        counted = ctx.previous[1] if len(ctx.previous) > 1 else {}
        out = []
        nested = [c for c in ctx.columns if first[c].nested]
        for c in ctx.columns:
            s = first[c]
            if s.nested:
                continue
            nn = s.nn
            top_count = counted[c].count if c in counted else None
            if nn and top_count is None:
                continue  # no majority value: top share <= 1/2
            top_share = share(top_count, nn) if nn else None
            constant = nn == 0 or top_count == nn
            if not constant and top_share < NEAR_CONSTANT_SHARE:
                continue
            values = {
                "rows": s.rows,
                "null_count": s.rows - nn,
                "non_null_count": nn,
                "distinct_non_null": (1 if nn else 0) if constant else None,
                "top_value": _display(s.cand, s.type) if nn else None,
                "top_count": top_count if nn else 0,
                "top_share": top_share,
            }
            units = {
                "rows": "count",
                "null_count": "count",
                "non_null_count": "count",
                "distinct_non_null": "count",
                "top_value": "value",
                "top_count": "count",
                "top_share": "ratio",
            }
            if constant:
                what = "all null" if not nn else f"always {values['top_value']!r}"
                title = f"Column {c!r} is constant ({what})"
            else:
                title = f"Column {c!r} is near-constant ({top_share:.2%} {values['top_value']!r})"
            out.append(
                ctx.finding(
                    kind="constant_column" if constant else "near_constant_column",
                    title=title,
                    subject={"column": c},
                    values=values,
                    units=units,
                    # a calendar part constant over the data (one year) is its coverage,
                    # not a defect
                    # an all-null column is missingness' finding (high there): low here
                    severity=(
                        "info"
                        if ctx.dataset.role(c) == ColumnRole.CALENDAR_PART
                        else "low"
                        if constant and not nn
                        else "medium"
                        if constant and nn >= CONSTANT_MIN_VALUES
                        else "low"
                    ),
                    columns=[c],
                    example_rows=[] if constant or c not in counted else counted[c].examples,
                    parameters={"near_constant_share": NEAR_CONSTANT_SHARE},
                )
            )
        group = _one_fact(ctx, out)
        summary = ctx.finding(
            kind="constant_screen",
            title=f"Constant-column screen: {len(out)} of {len(ctx.columns)} columns flagged",
            subject={"scope": "dataset"},
            values={
                "columns_screened": len(ctx.columns) - len(nested),
                "constant_columns": sum(f["kind"] == "constant_column" for f in out),
                "near_constant_columns": sum(f["kind"] == "near_constant_column" for f in out),
            },
            units={
                "columns_screened": "count",
                "constant_columns": "count",
                "near_constant_columns": "count",
            },
            parameters={"not_screened_nested": nested},
        )
        return cap_findings(ctx, group + out, summary)


def _one_fact(ctx, out: list[dict]) -> list[dict]:
    """[one medium finding] for CONSTANT_GROUP_MIN or more medium constant columns (pm25's
    state, county, codes and coordinates of its one site: twelve findings of one fact),
    their own findings made low; [] otherwise."""
    members = medium_members(out, "constant_column", CONSTANT_GROUP_MIN)
    if not members:
        return []
    rule = CONSTANT_GROUP_RULE.format(k=len(members))
    said_once(members, rule)
    names = [f["subject"]["column"] for f in members]
    return [
        ctx.finding(
            kind="constant_columns",
            title=f"{len(names)} columns are constant: {named(names)}",
            subject={"columns": names},
            values={
                "constant_columns": len(names),
                "values": {
                    f["subject"]["column"]: f["measurement"]["values"]["top_value"] for f in members
                },
            },
            units={"constant_columns": "count", "values": "value"},
            severity="medium",
            columns=names,
            parameters={"rule": rule, "min_columns": CONSTANT_GROUP_MIN},
        )
    ]
