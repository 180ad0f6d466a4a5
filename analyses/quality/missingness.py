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
   When the dataset's time column (the first timestamp column with values) is
   non-decreasing in row order, the rows are in time order, and a column whose missing
   values include a block before its first value or after its last (a series that starts
   late or ends early) gets instead kind ``missing_outside_span``: ``rows_before_first_value``,
   ``rows_after_last_value``, ``first_valued_row``, ``last_valued_row``, ``first_date``,
   ``last_date``, ``missing_inside_span``, ``rows_in_span``; severity ``info``, ``low``
   when values are also missing inside the span — those are then a ``null_rate`` finding
   graded by ``inside_span_rate`` (of the rows in the span). The first and last valued row
   per column are folded as minimum and maximum row positions, so any chunking agrees.
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

from dataclasses import dataclass, field

import numpy as np
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan, hookimpl
from pytest_statharness.column_roles import DERIVED_TERM_DETAIL, PERIOD_CHANGE_DETAIL

from .._shared.counts import add_counts
from .._shared.groups import linked_groups
from .._shared.report import graded, named
from .._shared.series import ticks_per_second, time_ticks
from .._shared.summaries import attrition_series, is_annotation, is_optional_link
from ._common import missing_masks

MARKERS_NOTE = (
    "the column is numbers written as text with missing-value markers ('.', '?', '-', '..', "
    "':'): read as numbers, the markers as missing; pandas, polars and DuckDB read such a "
    "column as text, so the null rate is at least medium (write the missing values as "
    "empty cells)"
)
#: columns whose missing values are another's, or its first periods': left out
_COPIES = (DERIVED_TERM_DETAIL, PERIOD_CHANGE_DETAIL)

#: no valued row yet (first: larger than any position; last: smaller than any)
_NO_FIRST = np.iinfo(np.int64).max
_NO_LAST = -1
#: no timestamp at a row (its time is null)
_NO_TIME = np.iinfo(np.int64).min

if hasattr(np, "bitwise_count"):

    def _popcount(words: np.ndarray) -> np.ndarray:
        return np.bitwise_count(words)

else:  # numpy < 2.0
    _BYTE_COUNTS = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)

    def _popcount(words: np.ndarray) -> np.ndarray:
        as_bytes = words.view(np.uint8).reshape(*words.shape, 8)
        return _BYTE_COUNTS[as_bytes].sum(axis=-1, dtype=np.int64)


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
class _Order:
    """Whether the time column's valid values are non-decreasing in row order over the rows
    seen: the earliest and latest row positions with a time, their times, and whether
    the times in between never go back. Merged by position, so any merge shape agrees."""

    ordered: bool = True
    lo_pos: int = _NO_FIRST
    lo: int = 0
    hi_pos: int = _NO_LAST
    hi: int = 0

    def merged(self, other: _Order) -> _Order:
        if other.hi_pos == _NO_LAST:
            return _Order(
                self.ordered and other.ordered, self.lo_pos, self.lo, self.hi_pos, self.hi
            )
        if self.hi_pos == _NO_LAST:
            return _Order(
                self.ordered and other.ordered, other.lo_pos, other.lo, other.hi_pos, other.hi
            )
        x, y = (self, other) if self.lo_pos <= other.lo_pos else (other, self)
        return _Order(x.ordered and y.ordered and x.hi <= y.lo, x.lo_pos, x.lo, y.hi_pos, y.hi)


@dataclass(slots=True)
class _Missing:
    """The pass state: rows seen, rows with at least one missing cell, NaN counts per
    column, and the column x column matrix of rows missing both (its diagonal: nulls per
    column); per column the first and last row positions with a value and the time column's
    value at them; whether the time column runs in row order. Named fields instead of a
    string-keyed dict, so a typo fails at once."""

    nans: np.ndarray
    pairs: np.ndarray
    first: np.ndarray
    last: np.ndarray
    first_time: np.ndarray
    last_time: np.ndarray
    order: _Order
    ticks_per_second: int = 0
    rows: int = 0
    rows_with_missing: int = 0
    #: per 0/1 flag and value, its rows; per (column, flag, value), the column's missing
    #: rows there: where a column is not applicable (pregnancies of men)
    flag_rows: dict = field(default_factory=dict)
    flag_missing: dict = field(default_factory=dict)


#: a column missing on (nearly) exactly the rows where a 0/1 flag holds one value is not
#: applicable there: at least this share of its missing rows on that value, and at least
#: STRUCTURAL_LEVEL_SHARE of that value's rows missing
STRUCTURAL_MISSING_SHARE = 0.5
STRUCTURAL_LEVEL_SHARE = 0.95
#: ... and at most this share of the other rows is missing (else the flag explains nothing)
STRUCTURAL_ELSEWHERE_MAX = 0.5
#: flags looked at, in column order
MAX_FLAGS = 10
STRUCTURAL_RULE = (
    f"at least {STRUCTURAL_LEVEL_SHARE:.0%} of the rows of one value of a 0/1 flag are "
    f"missing, they are at least {STRUCTURAL_MISSING_SHARE:.0%} of the column's missing "
    f"rows, and at most {STRUCTURAL_ELSEWHERE_MAX:.0%} of the other rows are missing: the column does not apply there (pregnancies of men, a date of death of those "
    "alive), by design rather than lost: worth a look, no data error; severity at most "
    "medium (null_rate_elsewhere: the rate on the other rows; missing_by_group names the "
    "flag)"
)


def _flags(ctx) -> list[str]:
    """The plan's 0/1 flags (role boolean) and two-level labels (a trial's RANDFL 'Y' /
    'N'), in column order, at most MAX_FLAGS."""
    out = []
    for c in ctx.plan.columns:
        info = ctx.dataset.column(c)
        if info.role == ColumnRole.BOOLEAN and info.kind in (
            ColumnKind.NUMERIC,
            ColumnKind.BOOLEAN,
        ):
            out.append(c)
        elif _two_labels(info):
            out.append(c)
    return out[:MAX_FLAGS]


def _two_labels(info) -> bool:
    return (
        info.kind == ColumnKind.CATEGORICAL
        and info.role in (ColumnRole.CATEGORY, ColumnRole.BOOLEAN)
        and info.distinct_at_least == 2
        and info.distinct_exact
    )


def _flag_levels(chunk, f: str, labels: bool):
    """(level of each row, -1 where null; the levels' values): numbers for a 0/1 flag
    (the same floats as before), strings for a two-level label."""
    if not labels:
        values = chunk.floats(f)
        known = ~np.isnan(values)
        levels, codes = np.unique(values[known], return_inverse=True)
        out = np.full(values.size, -1, dtype=np.int64)
        out[known] = codes
        return out, levels.tolist()
    encoded = pc.dictionary_encode(chunk.table.column(f)).combine_chunks()
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, encoded.dictionary.to_pylist()


def _shown(value) -> str:
    """A flag's value in a title: 1 for a 0/1 flag, 'Y' for a label."""
    return f"{value:g}" if isinstance(value, float | int) else repr(value)


def _count_flags(state, chunk, masks, ctx) -> None:
    """Adds the chunk's rows per flag value, and each gappy column's missing rows there."""
    columns = ctx.plan.columns
    gappy = [i for i, c in enumerate(columns) if ctx.dataset.column(c).null_count]
    for f in _flags(ctx):
        codes, levels = _flag_levels(chunk, f, _two_labels(ctx.dataset.column(f)))
        known = codes >= 0
        counts = np.bincount(codes[known], minlength=len(levels))
        for v, n in zip(levels, counts.tolist(), strict=True):
            if n:
                state.flag_rows[(f, v)] = state.flag_rows.get((f, v), 0) + n
        for i in gappy:
            if columns[i] == f:
                continue
            hit = masks[i] & known
            cn = np.bincount(codes[hit], minlength=len(levels))
            for v, n in zip(levels, cn.tolist(), strict=True):
                if n:
                    key = (columns[i], f, v)
                    state.flag_missing[key] = state.flag_missing.get(key, 0) + n


def _not_applicable(state, name: str, missing: int) -> tuple[str, float, int, int] | None:
    """(flag, value, missing rows there, the value's rows) where ``name`` is structurally
    missing (see STRUCTURAL_RULE); None when no flag explains it. Of several, the one
    that holds most of the missing rows (rx_adsl's SCRFREAS, missing on 180 of 182 rows:
    RANDFL 'Y' holds all 180, an age group 95)."""
    best = None
    for (column, f, v), n in sorted(state.flag_missing.items(), key=lambda kv: str(kv[0])):
        if column != name:
            continue
        total = state.flag_rows.get((f, v), 0)
        elsewhere = state.rows - total
        if (
            n >= STRUCTURAL_MISSING_SHARE * missing
            and total
            and n >= STRUCTURAL_LEVEL_SHARE * total
            # a column missing as often on the other rows is not explained by the flag
            # (duke_forest's hoa, on 97 of 98 houses: 'cooling' other held 52 of them)
            and (missing - n) <= STRUCTURAL_ELSEWHERE_MAX * elsewhere
            and (best is None or n > best[2])
        ):
            best = f, v, n, total
    return best


CODES_RULE = (
    "every missing row of the column holds a missing-value code (999 for 'not known'), "
    "which capped_values reports (high): the same rows said once; severity at most low"
)
ANNOTATION_RULE = (
    "an optional annotation, read from the name (note, remark, comment, memo, info, "
    "details, description): written "
    "only when there is something to say, so its empty rows are not lost data; severity at "
    "most low"
)


LINK_RULE = (
    "a link to another record, read from the name (reply, parent, referrer, retweeted, "
    "quoted, forwarded, predecessor, successor, superseded, replaces): empty where the row "
    "links to none, so its empty rows are not lost data; severity at most low"
)


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
        "per column (not a transformed copy of another: a log, a lag or a change, role "
        "detail derived_term, whose missing values are its base's or its first periods'): "
        "rows missing (null, or NaN in floating-point columns, as pandas.isna; "
        "a column's missing-value codes, 999 for 'not known', count as missing and the title "
        "says so; a null rate made of codes only is at most low, capped_values reporting "
        "them); "
        "per pair of columns with missing values: rows where both are missing, the count "
        "expected if they went missing independently (n_a * n_b / rows) and the lift "
        "(observed / expected); rows with any missing value. Severity of a null rate: high "
        "from 50%, medium from 10%, else low (an optional annotation, named note, remark, "
        "comment, memo, info, details or description: at most low; so is "
        + LINK_RULE
        + "; a column that does not apply where a 0/1 flag has "
        "one value, and a group all of whose members do not apply there: "
        + STRUCTURAL_RULE
        + "); 2 or more columns each missing in >= 10% of "
        "the rows (not on every row) whose missing rows coincide (Jaccard >= 0.8, "
        "connected) are one "
        "'missing together' finding with the worst member's severity, reported after the "
        "summary, and their own null rates are low (the group is low when every member only "
        "starts late or ends early); 2 or more empty columns (missing on every row) are one "
        "'empty_columns' finding (high), their own null rates low. When the time column (the first timestamp column with "
        "values) is non-decreasing in row order, the rows are in time order: per column, "
        "the first and last row with a value (and the time there) are tracked, and missing "
        "values before the first or after the last (a block of L rows, unless values "
        "missing at the rate r of the rows between would leave it by chance: r^L >= 0.001) "
        "are one 'missing_outside_span' finding "
        "(the series starts late or ends early: info, low when values are also missing in "
        "between), not a null rate; the values missing between the first and last value "
        "are the null rate, graded by their share of the rows in that span. Without a time "
        "column in row order every missing value counts in the null rate"
    )
    reference = (
        "Little & Rubin (2019), Statistical Analysis with Missing Data, 3rd ed., Wiley "
        "(missingness patterns); pandas.isna documentation"
    )
    access = "streamed; one pass, bit-packed missing masks, pair counts bounded by max_columns^2"

    def plan(self, dataset, budget):
        """Every column of any kind, up to max_columns, but a transformed copy of another
        (a log, a lag, a change: role detail derived_term): its missing values are its
        base's, and a lag's or a change's first periods by construction (jtrain's avgsal
        and lavgsal 'missing in the same rows', its changes 'missing in 220 rows', rated
        FALSE)."""
        plan = super().plan(dataset, budget)
        if plan is None:
            return None
        copies = [c for c in plan.columns if dataset.column(c).role_detail in _COPIES]
        if not copies:
            return plan
        kept = tuple(c for c in plan.columns if c not in copies)
        if not kept:
            return None
        return Plan(kept, dict(plan.params), {**plan.left_out, "derived_terms": copies})

    # -- accumulator ------------------------------------------------------------------
    def init(self, ctx):
        k = len(ctx.plan.columns)
        return _Missing(
            nans=np.zeros(k, dtype=np.int64),
            pairs=np.zeros((k, k), dtype=np.int64),
            first=np.full(k, _NO_FIRST, dtype=np.int64),
            last=np.full(k, _NO_LAST, dtype=np.int64),
            first_time=np.full(k, _NO_TIME, dtype=np.int64),
            last_time=np.full(k, _NO_TIME, dtype=np.int64),
            order=_Order(),
        )

    def update(self, state, chunk, ctx):
        masks, nans = missing_masks(chunk, ctx.plan.columns)
        state.rows += chunk.num_rows
        state.nans = state.nans + nans
        if masks.size:
            state.rows_with_missing += int(np.count_nonzero(masks.any(axis=0)))
        with_missing = np.flatnonzero(masks.any(axis=1))
        if with_missing.size:
            sub = _pair_counts(masks[with_missing])
            pairs = state.pairs
            pairs[np.ix_(with_missing, with_missing)] += sub
        if chunk.num_rows:
            _edges(state, chunk, masks, time_column(ctx))
            _count_flags(state, chunk, masks, ctx)
        return state

    def merge(self, a, b, ctx):
        take_b_first = b.first < a.first
        take_b_last = b.last > a.last
        return _Missing(
            rows=a.rows + b.rows,
            rows_with_missing=a.rows_with_missing + b.rows_with_missing,
            nans=a.nans + b.nans,
            pairs=a.pairs + b.pairs,
            first=np.where(take_b_first, b.first, a.first),
            last=np.where(take_b_last, b.last, a.last),
            first_time=np.where(take_b_first, b.first_time, a.first_time),
            last_time=np.where(take_b_last, b.last_time, a.last_time),
            order=a.order.merged(b.order),
            ticks_per_second=max(a.ticks_per_second, b.ticks_per_second),
            flag_rows=add_counts(dict(a.flag_rows), b.flag_rows),
            flag_missing=add_counts(dict(a.flag_missing), b.flag_missing),
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

        spans = _spans(s, columns, nulls, ctx)
        room = max(budget.max_findings - 1, 0)
        null_findings = []
        for i in missing_cols:
            # a late start with values also missing inside its span: two findings
            cost = 2 if i in spans and spans[i]["inside"] else 1
            if cost > room:
                break
            null_findings.append(i)
            room -= cost
        null_left = len(missing_cols) - len(null_findings)
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
            out.append(_group_finding(ctx, columns, nulls, members, rows, spans))
        empty = [i for i in missing_cols if rows and nulls[i] == rows]
        if len(empty) >= GROUP_MIN_COLUMNS:
            # fertility's '2012' and '2013', exported before they were filled: one fact
            names = [columns[i] for i in empty]
            out.append(
                ctx.finding(
                    kind="empty_columns",
                    title=f"{len(names)} columns are empty (missing in all {rows} rows): "
                    + named(names, shown=5),
                    severity="high",
                    subject={"columns": names},
                    values={"empty_columns": len(names), "rows": rows},
                    units={"empty_columns": "columns", "rows": "rows"},
                    columns=names,
                    parameters={"rule": EMPTY_RULE},
                )
            )
            grouped |= set(empty)
        for i in null_findings:
            name = columns[i]
            if i in spans:
                out.extend(_span_findings(ctx, s, name, i, nulls[i], rows, spans[i], i in grouped))
                continue
            rate = nulls[i] / rows if rows else None
            severity = graded(rate, ((0.5, "high"), (0.1, "medium")), "low")
            parameters = {}
            if i in grouped:
                # said once, by the group finding above
                severity = "low"
                parameters["severity_capped"] = EMPTY_RULE if nulls[i] == rows else GROUP_RULE
            elif is_annotation(name) and severity in ("medium", "high"):
                # a poll's 'remark', an order's 'comment': written only when there is one
                severity = "low"
                parameters["severity_capped"] = ANNOTATION_RULE
            elif is_optional_link(name) and severity in ("medium", "high"):
                # the tweet a tweet replies to: empty when it replies to none
                severity = "low"
                parameters["severity_capped"] = LINK_RULE
            elif severity in ("medium", "high") and (where := _not_applicable(s, name, nulls[i])):
                # nhefs: pregnancies missing for every man, high (rated FALSE); PD's age
                # of onset, missing for the controls, medium (rated TRUE: worth a look)
                severity = "medium"
                parameters["severity_capped"] = STRUCTURAL_RULE
                parameters["null_rate_elsewhere"] = (nulls[i] - where[2]) / max(rows - where[3], 1)
                parameters["not_applicable_where"] = {
                    "flag": where[0],
                    "value": where[1],
                    "missing_there": where[2],
                    "rows_there": where[3],
                }
            codes = ctx.dataset.missing_codes.get(name)
            there = parameters.get("not_applicable_where")
            said = (
                f" ({there['missing_there']} of them where {there['flag']!r} is "
                f"{_shown(there['value'])}: not applicable there)"
                if there
                else ""
            )
            layout = getattr(ctx.dataset.column(name), "number_format", None) or ""
            if "markers" in layout.split("+"):
                # Stata's '.' among numbers: read as numbers here, those rows missing; but
                # the file itself is broken for other readers (two raters: worth a look)
                said += " (written as a marker such as '.' or '?': other readers take the column for text)"
                parameters["markers"] = MARKERS_NOTE
                if severity == "low" and i not in grouped:
                    severity = "medium"
            if codes:
                # 999 written for "not known" counts as missing (capped_values names it)
                parameters["missing_codes"] = list(codes)
                said += f" (the code {', '.join(f'{v:g}' for v in codes)} counted)"
                coded = ctx.dataset.missing_code_rows.get(name, 0)
                if coded >= nulls[i] and severity in ("medium", "high"):
                    # every missing row is a code: capped_values says it, high, once
                    severity = "low"
                    parameters["severity_capped"] = CODES_RULE
            out.append(
                ctx.finding(
                    kind="null_rate",
                    title=f"Column {name!r} is missing in {nulls[i]} of {rows} rows{said}",
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
        _one_series_one_fact(out, attrition_series(ctx.dataset.columns))
        return out


SERIES_RULE = (
    "every column here is a numbered copy of one measure ({stem!r}1, {stem!r}2, ... at "
    "least 6, missing more with each number and never less: a wide table's periods) whose "
    "missing values {lead!r} already reports: units leaving "
    "the table period by period (attrition) are one fact; severity at most low"
)


def _one_series_one_fact(out: list[dict], series: dict[str, str]) -> None:
    """Missing blocks and null rates of one wide series (billboard's wk1..wk76: a song
    leaves the chart, so each later week misses more rows) are one fact: the most severe
    (the earliest in column order: where the attrition starts) keeps its severity, the
    others are low, same_fact_as it. Empty columns stay: a column with no value at all is a
    column to drop."""
    leads: dict[str, dict] = {}
    rank = {"high": 0, "medium": 1}
    kinds = ("missing_together", "null_rate")
    candidates = [
        f for f in out if f["kind"] in kinds and f["severity"] in rank and f["evidence"]["columns"]
    ]
    order = {c: i for i, c in enumerate(series)}  # where the attrition starts first
    candidates.sort(
        key=lambda f: (rank[f["severity"]], min(order.get(c, 0) for c in f["evidence"]["columns"]))
    )
    for f in candidates:
        stems = {series.get(c) for c in f["evidence"]["columns"]}
        if len(stems) != 1 or None in stems:
            continue
        (stem,) = stems
        lead = leads.setdefault(stem, f)
        if lead is f:
            continue
        f["severity"] = "low"
        parameters = f["evidence"].setdefault("parameters", {})
        first = lead["subject"].get("column") or lead["subject"]["columns"][0]
        parameters["same_fact_as"] = first
        parameters["severity_capped"] = SERIES_RULE.format(stem=stem, lead=first)


#: a leading (trailing) block of L missing rows is a late start (early end) when values
#: missing at the rate of the rows between would leave it with probability under this
SPAN_MAX_CHANCE = 0.001
SPAN_RULE = (
    "when the dataset's time column (the first timestamp column with values) is "
    "non-decreasing in row order (nulls skipped), the rows are in time order: a column's "
    "missing values before its first value or after its last are a series that starts "
    "late or ends early (when a block of L rows is less likely than "
    f"{SPAN_MAX_CHANCE} at the rate r of values missing between: r^L < {SPAN_MAX_CHANCE}), "
    "reported once (missing_outside_span: info, low when values are "
    "also missing between its first and last value), not as a null rate; the values "
    "missing between are the null_rate finding, graded by their share of the rows in that "
    "span. Without a time column in row order, row order means nothing and every missing "
    "value is a null rate"
)


def time_column(ctx) -> str | None:
    """The time column whose order says whether the rows are in time order: the first
    timestamp column with values (as the time analyses take it), if the plan reads it."""
    dataset = ctx.dataset
    stamps = [
        c
        for c in dataset.columns_of(ColumnKind.TIMESTAMP)
        if dataset.column(c).null_count < dataset.row_count
    ]
    if stamps and stamps[0] in ctx.plan.columns:
        return stamps[0]
    return None


def _edges(state: _Missing, chunk, masks: np.ndarray, tcol: str | None) -> None:
    """Fold a chunk's first and last valued row per column (with the time there) and the
    time column's row order into ``state``."""
    positions = chunk.positions_of(np.arange(chunk.num_rows))
    order = np.argsort(positions, kind="stable")
    positions = positions[order]
    times = np.full(positions.size, _NO_TIME, dtype=np.int64)
    if tcol is not None:
        state.ticks_per_second = ticks_per_second(chunk.column(tcol).type)
        valid, ticks = time_ticks(chunk, tcol)
        valid, ticks = valid[order], ticks[order]
        times[valid] = ticks[valid]
        t, at = ticks[valid], positions[valid]
        if t.size:
            part = _Order(
                bool(np.all(np.diff(t) >= 0)), int(at[0]), int(t[0]), int(at[-1]), int(t[-1])
            )
            state.order = state.order.merged(part)
    if not masks.size:
        return
    valued = ~masks[:, order]
    n = positions.size
    has = valued.any(axis=1)
    fi = valued.argmax(axis=1)
    li = n - 1 - valued[:, ::-1].argmax(axis=1)
    first = np.where(has, positions[fi], _NO_FIRST)
    last = np.where(has, positions[li], _NO_LAST)
    earlier, later = first < state.first, last > state.last
    state.first = np.where(earlier, first, state.first)
    state.first_time = np.where(earlier, times[fi], state.first_time)
    state.last = np.where(later, last, state.last)
    state.last_time = np.where(later, times[li], state.last_time)


def _spans(s: _Missing, columns: list[str], nulls: list[int], ctx) -> dict[int, dict]:
    """Per column whose missing values include a leading or trailing block of a table in
    time order: rows before its first value, after its last (each 0 when too short to be
    more than chance), the rows in between and the values missing there."""
    tcol = time_column(ctx)
    if tcol is None or not s.order.ordered or s.order.hi_pos == _NO_LAST:
        return {}
    out = {}
    for i, n in enumerate(nulls):
        first, last = int(s.first[i]), int(s.last[i])
        if not n or last == _NO_LAST:
            continue
        before, after = first, s.rows - 1 - last
        # a block no longer than values missing at the span's own rate would leave by
        # chance (a null in the first row of a column missing 10% at random) is not a start
        rate = (n - before - after) / (last - first + 1)
        if rate and before and rate**before >= SPAN_MAX_CHANCE:
            before = 0
        if rate and after and rate**after >= SPAN_MAX_CHANCE:
            after = 0
        if before or after:
            out[i] = {
                "before": before,
                "after": after,
                "inside": n - before - after,
                "first": first,
                "last": last,
                "rows_in_span": s.rows - before - after,
                "time_column": tcol,
            }
    return out


def _time_label(ticks: int, tps: int) -> str | None:
    """The date (or date and time, when not midnight) of a time value, None when null."""
    if ticks == _NO_TIME or not tps:
        return None
    seconds, _ = divmod(int(ticks), tps)
    stamp = np.datetime64(seconds, "s")
    text = str(stamp)
    return text[:10] if seconds % 86400 == 0 else text


def _span_findings(ctx, s: _Missing, name: str, i: int, nulls: int, rows: int, sp: dict, grouped):
    """The column's leading/trailing block (and, if values are also missing in its span,
    the null rate of those)."""
    tps = s.ticks_per_second
    start = _time_label(int(s.first_time[i]), tps)
    end = _time_label(int(s.last_time[i]), tps)
    before, after, inside = sp["before"], sp["after"], sp["inside"]
    at_start = f"on {start}" if start else f"at row {sp['first']}"
    at_end = f"on {end}" if end else f"at row {sp['last']}"
    if before and after:
        frm = start or f"row {sp['first']}"
        to = end or f"row {sp['last']}"
        title = (
            f"{name!r} has values only from {frm} to {to}: none in the {before} rows before "
            f"or the {after} rows after"
        )
    elif before:
        title = f"{name!r} starts {at_start}: no values in the {before} rows before"
    else:
        title = f"{name!r} ends {at_end}: no values in the {after} rows after"
    span_rows = sp["rows_in_span"]
    out = [
        ctx.finding(
            kind="missing_outside_span",
            title=title,
            severity="low" if inside else "info",
            subject={"column": name},
            values={
                "rows_before_first_value": before,
                "rows_after_last_value": after,
                "first_valued_row": sp["first"],
                "last_valued_row": sp["last"],
                "first_date": start,
                "last_date": end,
                "missing_inside_span": inside,
                "rows_in_span": span_rows,
            },
            units={
                "rows_before_first_value": "rows",
                "rows_after_last_value": "rows",
                "first_valued_row": "row position",
                "last_valued_row": "row position",
                "first_date": "date",
                "last_date": "date",
                "missing_inside_span": "rows",
                "rows_in_span": "rows",
            },
            columns=[name, sp["time_column"]],
            example_rows=[sp["first"], sp["last"]],
            parameters={"rule": SPAN_RULE, "time_column": sp["time_column"]},
        )
    ]
    if inside:
        where = (
            "between its start and end"
            if before and after
            else ("after it starts" if before else "before it ends")
        )
        rate = inside / span_rows
        severity = graded(rate, ((0.5, "high"), (0.1, "medium")), "low")
        parameters = {"rule": SPAN_RULE}
        if grouped:
            severity = "low"
            parameters["severity_capped"] = GROUP_RULE
        out.append(
            ctx.finding(
                kind="null_rate",
                title=(f"Column {name!r} is missing in {inside} of the {span_rows} rows {where}"),
                severity=severity,
                parameters=parameters,
                subject={"column": name},
                values={
                    "null_count": nulls,
                    "nan_count": int(s.nans[i]),
                    "null_rate": nulls / rows if rows else None,
                    "missing_inside_span": inside,
                    "rows_in_span": span_rows,
                    "inside_span_rate": rate,
                },
                units={
                    "null_count": "rows",
                    "nan_count": "rows",
                    "null_rate": "ratio",
                    "missing_inside_span": "rows",
                    "rows_in_span": "rows",
                    "inside_span_rate": "ratio",
                },
                columns=[name],
            )
        )
    return out


#: columns missing in (nearly) the same rows, >= 10% of them, this many or more: said once
#: (mgus' pcdx and pctime, both absent for the 182 patients without a plasma-cell disease)
GROUP_MIN_COLUMNS = 2
GROUP_MIN_JACCARD = 0.8
#: ... and far more than chance: rows where only one of the two is missing at most this
#: share of the number expected if they went missing independently (PD's diag, race and
#: comments, 90-95% empty each, overlap with a Jaccard of 0.86 by chance alone, lift 0.99)
GROUP_MAX_MISMATCH_RATIO = 0.5
GROUP_RULE = (
    f"{GROUP_MIN_COLUMNS} or more columns each missing in >= 10% of the rows, whose missing "
    f"rows coincide (Jaccard >= {GROUP_MIN_JACCARD} between linked columns, and rows where "
    f"only one of the two is missing at most {GROUP_MAX_MISMATCH_RATIO:g} of the number "
    "expected if they went missing independently), are one fact "
    "(the same records lack them): reported once as a group with the severity of its worst "
    "column; each column's own null rate is low. An empty column joins no group (missing "
    "on every row, it coincides with every other column by construction)"
)


EMPTY_RULE = (
    f"{GROUP_MIN_COLUMNS} or more empty columns (missing on every row) are one fact, "
    "reported once (high) with their names; each column's own null rate is low"
)


def _missing_together(
    columns: list[str], nulls: list[int], pairs: np.ndarray, rows: int
) -> tuple[list[list[int]], set[int]]:
    """Groups (connected components, column order) of >= GROUP_MIN_COLUMNS columns with a
    null rate >= 10% linked by coinciding missing rows; and the set of their members.
    An empty column (missing on every row) joins no group: its missing rows coincide with
    every other column's by construction, and its own finding says it is empty."""
    eligible = [i for i, n in enumerate(nulls) if rows and 0.1 <= n / rows and n < rows]
    edges = [
        (i, j)
        for p, i in enumerate(eligible)
        for j in eligible[p + 1 :]
        if (both := int(pairs[i, j]))
        and both / (nulls[i] + nulls[j] - both) >= GROUP_MIN_JACCARD
        and _beyond_chance(nulls[i], nulls[j], both, rows)
    ]
    groups = linked_groups(edges, GROUP_MIN_COLUMNS)
    return groups, {i for m in groups for i in m}


def _beyond_chance(a: int, b: int, both: int, rows: int) -> bool:
    """Two columns' missing rows coincide far more than independence predicts: rows where
    only one is missing are at most GROUP_MAX_MISMATCH_RATIO of the n(p + q - 2pq) expected."""
    p, q = a / rows, b / rows
    expected = rows * (p + q - 2 * p * q)
    return (a + b - 2 * both) <= GROUP_MAX_MISMATCH_RATIO * expected


def _group_finding(
    ctx, columns: list[str], nulls: list[int], members: list[int], rows: int, spans: dict
):
    counts = [nulls[i] for i in members]
    names = [columns[i] for i in members]
    worst = max(counts) / rows
    low, high = min(counts), max(counts)
    span = f"{low}" if low == high else f"{low}-{high}"
    severity = graded(worst, ((0.5, "high"), (0.1, "medium")), "low")
    parameters = {"rule": GROUP_RULE}
    if all(i in spans and not spans[i]["inside"] for i in members):
        # series that start (or end) together: no value is missing inside their spans
        severity = "low"
        parameters["severity_capped"] = SPAN_RULE
    elif severity in ("medium", "high"):
        # nhefs: year, month and day of death, missing together for those alive
        where = [_not_applicable(ctx.previous[0], columns[i], nulls[i]) for i in members]
        if all(w is not None for w in where) and len({w[:2] for w in where}) == 1:
            severity = "medium"
            parameters["severity_capped"] = STRUCTURAL_RULE
            parameters["not_applicable_where"] = {"flag": where[0][0], "value": where[0][1]}
    return ctx.finding(
        kind="missing_together",
        title=f"{len(names)} columns are missing in the same rows ({span} of {rows} rows each)",
        severity=severity,
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
        parameters=parameters,
    )


@hookimpl
def statharness_analyses():
    return [Missingness()]
