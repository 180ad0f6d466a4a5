"""Missing values: per-column null rates and which columns go missing together.

``missingness`` reads every column (of any kind, up to ``max_columns``) in one pass. A value
is missing when it is null or, in a floating-point column, NaN — what ``pandas.isna`` says.

Findings, in this order:

1. One summary: kind ``missingness_summary`` when some value is missing, kind
   ``no_missing_values`` when none is. The analysis always emits it — an item is never
   empty, and "no column has a missing value" is a result worth pinning in a snapshot.
   Values: ``columns_checked``, ``rows_checked``, ``columns_with_missing``,
   ``rows_with_missing`` (rows with at least one missing value), ``complete_rows``,
   ``missing_cells``, ``pairs_with_co_missing``, ``pairs_reported``, ``pairs_left_out``,
   ``null_rate_findings_left_out``.
2. Kind ``null_rate``, one per column with a missing value, in column order:
   ``null_count`` (null or NaN), ``nan_count`` (the NaN among them), ``null_rate``. Severity
   ``high`` from a rate of 0.5, ``medium`` from 0.1, ``low`` below.
3. Kind ``co_missing``, subject ``{"columns": [a, b]}`` (a before b in column order), one
   per pair of columns both missing in at least one row: ``co_missing_count`` (rows where
   both are missing), ``expected_count`` (``n_a * n_b / rows``, the count if the two went
   missing independently) and ``lift`` (observed / expected), ordered by count descending
   then column names. At most ``budget.max_pairs`` of them — and no more findings in all
   than ``budget.max_findings``; the summary and each ``co_missing`` finding state how
   many pairs were left out (``pairs_left_out``).

Counts are exact: per chunk, each column's missing mask is bit-packed and every pair's
co-missing count is a popcount of an AND (integers only, no BLAS); chunk states are integer
matrices added together, so any chunking gives the same findings. Memory is bounded by
``max_columns`` squared and one chunk.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, MemoryModel, hookimpl

from .._shared.groups import linked_groups
from .._shared.report import graded

if hasattr(np, "bitwise_count"):

    def _popcount(words: np.ndarray) -> np.ndarray:
        return np.bitwise_count(words)

else:  # numpy < 2.0
    _BYTE_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def _popcount(words: np.ndarray) -> np.ndarray:
        as_bytes = words.view(np.uint8).reshape(*words.shape, 8)
        return _BYTE_COUNTS[as_bytes].sum(axis=-1, dtype=np.int64)


def _missing_masks(chunk, names) -> tuple[np.ndarray, np.ndarray]:
    """(missing mask per column, shape (columns, rows); NaN count per column)."""
    masks = np.empty((len(names), chunk.num_rows), dtype=bool)
    nans = np.zeros(len(names), dtype=np.int64)
    for i, name in enumerate(names):
        col = chunk.column(name)
        missing = pc.is_null(col)
        if pa.types.is_floating(col.type):
            nan = pc.fill_null(pc.is_nan(col), False)
            nans[i] = int(pc.sum(pc.cast(nan, pa.int64())).as_py() or 0)
            missing = pc.or_(missing, nan)
        masks[i] = np.asarray(missing.to_numpy(zero_copy_only=False), dtype=bool)
    return masks, nans


def _pair_counts(masks: np.ndarray) -> np.ndarray:
    """``out[i, j]`` = rows where columns i and j are both missing (upper triangle + diag)."""
    k, rows = masks.shape
    packed = np.packbits(masks, axis=1)
    pad = (-packed.shape[1]) % 8
    if pad:
        packed = np.concatenate([packed, np.zeros((k, pad), np.uint8)], axis=1)
    words = np.ascontiguousarray(packed).view(np.uint64)
    out = np.zeros((k, k), dtype=np.int64)
    for i in range(k):
        both = words[i] & words[i:]
        out[i, i:] = _popcount(both).sum(axis=1, dtype=np.int64)
    return out


@dataclass(slots=True)
class _Missing:
    """The pass state: rows seen, rows with at least one missing cell, NaN counts per
    column, and the column x column matrix of rows missing both (its diagonal: nulls per
    column). Named fields instead of a string-keyed dict, so a typo fails at once."""

    nans: np.ndarray
    pairs: np.ndarray
    rows: int = 0
    rows_with_missing: int = 0


class Missingness(Analysis):
    id = "missingness"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "bit-packed missing masks per chunk and pair counts bounded by max_columns^2"
    family = "quality"
    title = "Missing values and co-missing columns"
    requires = tuple(ColumnKind)
    exact = True
    passes = 1
    method = (
        "per column: rows missing (null, or NaN in floating-point columns, as pandas.isna); "
        "per pair of columns with missing values: rows where both are missing, the count "
        "expected if they went missing independently (n_a * n_b / rows) and the lift "
        "(observed / expected); rows with any missing value. Severity of a null rate: high "
        "from 50%, medium from 10%, else low; 3 or more columns each missing in >= 10% of "
        "the rows whose missing rows coincide (Jaccard >= 0.8, connected) are one "
        "'missing together' finding with the worst member's severity, reported after the "
        "summary, and their own null rates are low"
    )
    reference = (
        "Little & Rubin (2019), Statistical Analysis with Missing Data, 3rd ed., Wiley "
        "(missingness patterns); pandas.isna documentation"
    )
    access = "streamed; one pass, bit-packed missing masks, pair counts bounded by max_columns^2"

    # plan: the default (every column, of any kind, up to max_columns)

    # -- accumulator ------------------------------------------------------------------
    def init(self, ctx):
        k = len(ctx.plan.columns)
        return _Missing(nans=np.zeros(k, dtype=np.int64), pairs=np.zeros((k, k), dtype=np.int64))

    def update(self, state, chunk, ctx):
        masks, nans = _missing_masks(chunk, ctx.plan.columns)
        state.rows += chunk.num_rows
        state.nans = state.nans + nans
        if masks.size:
            state.rows_with_missing += int(np.count_nonzero(masks.any(axis=0)))
        with_missing = np.flatnonzero(masks.any(axis=1))
        if with_missing.size:
            sub = _pair_counts(masks[with_missing])
            pairs = state.pairs
            pairs[np.ix_(with_missing, with_missing)] += sub
        return state

    def merge(self, a, b, ctx):
        return _Missing(
            rows=a.rows + b.rows,
            rows_with_missing=a.rows_with_missing + b.rows_with_missing,
            nans=a.nans + b.nans,
            pairs=a.pairs + b.pairs,
        )

    # -- findings -----------------------------------------------------------------------
    def findings(self, ctx):
        s = ctx.previous[0]
        columns = list(ctx.plan.columns)
        rows = int(s.rows)
        pairs = s.pairs
        nulls = [int(pairs[i, i]) for i in range(len(columns))]
        missing_cols = [i for i, n in enumerate(nulls) if n]
        budget = ctx.budget

        co = []
        for p, i in enumerate(missing_cols):
            for j in missing_cols[p + 1 :]:
                both = int(pairs[i, j])
                if both:
                    co.append((-both, columns[i], columns[j], i, j))
        co.sort()

        room = max(budget.max_findings - 1, 0)
        null_findings = missing_cols[:room]
        null_left = len(missing_cols) - len(null_findings)
        room -= len(null_findings)
        pair_limit = max(min(budget.max_pairs, room), 0)
        reported = co[:pair_limit]
        pair_counts = {
            "pairs_with_co_missing": len(co),
            "pairs_reported": len(reported),
            "pairs_left_out": len(co) - len(reported),
        }

        out = []
        summary = {
            "columns_checked": len(columns),
            "rows_checked": rows,
            "columns_with_missing": len(missing_cols),
            "rows_with_missing": int(s.rows_with_missing),
            "complete_rows": rows - int(s.rows_with_missing),
            "missing_cells": sum(nulls),
            **pair_counts,
            "null_rate_findings_left_out": null_left,
        }
        units = {k: "count" for k in summary}
        units["columns_checked"] = units["columns_with_missing"] = "columns"
        units["rows_checked"] = units["rows_with_missing"] = units["complete_rows"] = "rows"
        units["missing_cells"] = "cells"
        units["pairs_with_co_missing"] = units["pairs_reported"] = "pairs"
        units["pairs_left_out"] = "pairs"
        units["null_rate_findings_left_out"] = "findings"
        if missing_cols:
            out.append(
                ctx.finding(
                    kind="missingness_summary",
                    title=(
                        f"{len(missing_cols)} of {len(columns)} columns have missing values; "
                        f"{summary['rows_with_missing']} of {rows} rows are incomplete"
                    ),
                    subject={},
                    values=summary,
                    units=units,
                )
            )
        else:
            out.append(
                ctx.finding(
                    kind="no_missing_values",
                    title=f"No missing values in {len(columns)} columns, {rows} rows",
                    subject={},
                    values=summary,
                    units=units,
                )
            )

        groups, grouped = _missing_together(columns, nulls, pairs, rows)
        for members in groups:
            out.append(_group_finding(ctx, columns, nulls, members, rows))
        for i in null_findings:
            name = columns[i]
            rate = nulls[i] / rows if rows else None
            severity = graded(rate, ((0.5, "high"), (0.1, "medium")), "low")
            parameters = {}
            if i in grouped:
                # said once, by the group finding above
                severity = "low"
                parameters["severity_capped"] = GROUP_RULE
            out.append(
                ctx.finding(
                    kind="null_rate",
                    title=f"Column {name!r} is missing in {nulls[i]} of {rows} rows",
                    severity=severity,
                    parameters=parameters,
                    subject={"column": name},
                    values={
                        "null_count": nulls[i],
                        "nan_count": int(s.nans[i]),
                        "null_rate": rate,
                    },
                    units={"null_count": "rows", "nan_count": "rows", "null_rate": "ratio"},
                    columns=[name],
                )
            )

        for rank, (neg, _, _, i, j) in enumerate(reported, start=1):
            both = -neg
            a, b = columns[i], columns[j]
            out.append(
                ctx.finding(
                    kind="co_missing",
                    title=f"Columns {a!r} and {b!r} are both missing in {both} rows",
                    subject={"columns": [a, b]},
                    values={
                        "co_missing_count": both,
                        "expected_count": nulls[i] * nulls[j] / rows,
                        "lift": (both * rows) / (nulls[i] * nulls[j]),
                    },
                    units={"co_missing_count": "rows", "expected_count": "rows", "lift": "ratio"},
                    columns=[a, b],
                    parameters={"rank": rank, **pair_counts},
                )
            )
        return out


#: columns missing in (nearly) the same rows, >= 10% of them, this many or more: said once
GROUP_MIN_COLUMNS = 3
GROUP_MIN_JACCARD = 0.8
GROUP_RULE = (
    f"{GROUP_MIN_COLUMNS} or more columns each missing in >= 10% of the rows, whose missing "
    f"rows coincide (Jaccard >= {GROUP_MIN_JACCARD} between linked columns), are one fact "
    "(the same records lack them): reported once as a group with the severity of its worst "
    "column; each column's own null rate is low"
)


def _missing_together(
    columns: list[str], nulls: list[int], pairs: np.ndarray, rows: int
) -> tuple[list[list[int]], set[int]]:
    """Groups (connected components, column order) of >= GROUP_MIN_COLUMNS columns with a
    null rate >= 10% linked by coinciding missing rows; and the set of their members."""
    eligible = [i for i, n in enumerate(nulls) if rows and n / rows >= 0.1]
    edges = [
        (i, j)
        for p, i in enumerate(eligible)
        for j in eligible[p + 1 :]
        if (both := int(pairs[i, j])) and both / (nulls[i] + nulls[j] - both) >= GROUP_MIN_JACCARD
    ]
    groups = linked_groups(edges, GROUP_MIN_COLUMNS)
    return groups, {i for m in groups for i in m}


def _group_finding(ctx, columns: list[str], nulls: list[int], members: list[int], rows: int):
    counts = [nulls[i] for i in members]
    names = [columns[i] for i in members]
    worst = max(counts) / rows
    low, high = min(counts), max(counts)
    span = f"{low}" if low == high else f"{low}-{high}"
    return ctx.finding(
        kind="missing_together",
        title=f"{len(names)} columns are missing in the same rows ({span} of {rows} rows each)",
        severity=graded(worst, ((0.5, "high"), (0.1, "medium")), "low"),
        subject={"columns": names},
        values={
            "columns_in_group": len(names),
            "fewest_missing": low,
            "most_missing": high,
            "highest_null_rate": worst,
        },
        units={
            "columns_in_group": "columns",
            "fewest_missing": "rows",
            "most_missing": "rows",
            "highest_null_rate": "ratio",
        },
        columns=names,
        parameters={"rule": GROUP_RULE},
    )


@hookimpl
def statharness_analyses():
    return [Missingness()]
