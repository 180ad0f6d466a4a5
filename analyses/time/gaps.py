"""Gaps in a regular time series: missing hours, days, weeks or months, per group.

An hourly weather table with a row per station and hour, a daily sales table, a weekly
CO2 series: each is *regular* (one row per period, per group) and a missing period is a
hole in the data that no other analysis sees (a mean over the rows that exist looks fine).
One streamed pass collects the distinct timestamps (per level of the grouping column
when the table is a panel); the step is the modal difference between consecutive
distinct periods; periods between the first and the last that have no row are missing.
"""

from __future__ import annotations

import numpy as np

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan, hookimpl
from pytest_statharness.column_roles import SERIES_GRAIN

from .._shared.hist import MAX_EXAMPLES, int_values

MAX_GROUP_LEVELS = 50
REGULAR_SHARE = 0.9  # the modal step covers >= 90% of consecutive steps
PANEL_SHARE = 0.95  # rows ~ one per (group, period)
MIN_PERIODS = 24
_US = {"hour": 3_600_000_000, "day": 86_400_000_000, "week": 7 * 86_400_000_000}


def _periods(values_us: np.ndarray, grain: str) -> np.ndarray:
    """Timestamps (µs) as period numbers: months and years by the calendar, else µs."""
    stamps = values_us.astype("datetime64[us]")
    if grain == "month":
        return stamps.astype("datetime64[M]").astype(np.int64)
    if grain == "year":
        return stamps.astype("datetime64[Y]").astype(np.int64)
    return values_us


def _label(period: int, grain: str) -> str:
    if grain == "month":
        return str(np.datetime64(int(period), "M"))
    if grain == "year":
        return str(np.datetime64(int(period), "Y"))
    text = str(np.datetime64(int(period), "us"))
    return text[:16] if grain == "instant" else text[:10]


class Gaps(Analysis):
    id = "gaps"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "sorted distinct timestamps per series up to distinct_cap"
    family = "time"
    title = "Missing periods in a regular time series"
    requires = (ColumnKind.TIMESTAMP,)
    exact = False
    error_bound = (
        "exact when every series has at most distinct_cap distinct timestamps; past it the "
        "series is not examined and the finding says so (no estimate is made)"
    )
    passes = 1
    method = (
        "the first timestamp column with values; the grouping column is the first category "
        f"column (2..{MAX_GROUP_LEVELS} levels) for which rows = distinct (level, timestamp) "
        f"pairs on >= {PANEL_SHARE:.0%} of rows, else none; without one, the timestamps must be "
        f"distinct on >= {PANEL_SHARE:.0%} of rows (else the rows are events: info). Per series: the sorted distinct "
        "timestamps (as calendar months or years for monthly or yearly dates), the step = "
        "the most frequent difference between consecutive ones; the series is regular when "
        f"that step covers >= {REGULAR_SHARE:.0%} of the differences and it has >= "
        f"{MIN_PERIODS} periods; missing = (last - first) / step + 1 - distinct, listing the "
        f"first {MAX_EXAMPLES} missing periods. Severity: medium when >= 0.1% of the expected "
        "periods are missing, low when fewer, info when none or not regular. Two or more "
        f"levels of the grouping with fewer than {MIN_PERIODS} periods are one info finding "
        "(how many levels, and how many have each count of periods), not one per level"
    )
    reference = (
        "Hyndman & Athanasopoulos (2021), Forecasting: Principles and Practice, 3rd ed., "
        "ch. 2 (time series regularity); Little & Rubin (2019), Statistical Analysis with "
        "Missing Data, 3rd ed."
    )
    access = "streamed; one pass, sorted distinct timestamps per series (up to distinct_cap)"

    def plan(self, dataset, budget):
        stamps = [
            c
            for c in dataset.columns_of(ColumnKind.TIMESTAMP)
            if dataset.column(c).null_count < dataset.row_count
        ]
        if not stamps:
            return None
        t = stamps[0]
        groups = [
            g
            for g in dataset.columns_of(ColumnKind.CATEGORICAL, roles=(ColumnRole.CATEGORY,))
            if dataset.column(g).distinct_exact
            and 2 <= dataset.column(g).distinct_at_least <= MAX_GROUP_LEVELS
        ][:3]
        grain = dataset.column(t).role_detail or "instant"
        if grain == SERIES_GRAIN:
            return None  # periods numbered 1..N without a gap: none to miss, by construction
        return Plan((t, *groups), {"time_column": t, "group_candidates": groups, "grain": grain})

    def init(self, ctx):
        return {"rows": 0, "series": {}}

    def update(self, state, chunk, ctx):
        t = ctx.params["time_column"]
        values, idx, _ = int_values(chunk, t)
        periods = _periods(values, ctx.params["grain"])
        state["rows"] += int(values.size)
        series = state["series"]
        series[None] = {None: np.unique(periods)}
        for g in ctx.params["group_candidates"]:
            levels = chunk.table.column(g).to_numpy(zero_copy_only=False)[idx]
            by = {}
            for level in sorted({x for x in levels.tolist() if x is not None}, key=str):
                by[level] = np.unique(periods[levels == level])
            series[g] = by
        return state

    def merge(self, a, b, ctx):
        cap = ctx.budget.distinct_cap
        out = {"rows": a["rows"] + b["rows"], "series": {}}
        for g in set(a["series"]) | set(b["series"]):
            x, y = a["series"].get(g, {}), b["series"].get(g, {})
            merged = {}
            for level in set(x) | set(y):
                left, right = x.get(level), y.get(level)
                if left is None or right is None:
                    merged[level] = left if right is None else right
                elif isinstance(left, str) or isinstance(right, str):
                    merged[level] = "overflow"
                else:
                    union = np.union1d(left, right)
                    merged[level] = "overflow" if union.size > cap else union
            out["series"][g] = merged
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        t, grain = ctx.params["time_column"], ctx.params["grain"]
        rows = state["rows"]
        group = None
        whole = state["series"].get(None, {}).get(None)
        for g in ctx.params["group_candidates"]:
            by = state["series"].get(g, {})
            if any(isinstance(v, str) for v in by.values()):
                continue
            pairs = sum(v.size for v in by.values())
            single = whole.size if isinstance(whole, np.ndarray) else rows
            if rows and pairs >= PANEL_SHARE * rows and single < PANEL_SHARE * rows:
                group = g
                break
        if group is None and isinstance(whole, np.ndarray) and whole.size < PANEL_SHARE * rows:
            # several rows per timestamp and no panel grouping: rows are events, not periods
            return [self._events_finding(ctx, t, grain, whole.size, rows)]
        series = state["series"][group] if group else {None: whole}
        levels = sorted(series, key=lambda v: (v is not None, str(v)))
        short = [
            level
            for level in levels
            if isinstance(series[level], np.ndarray) and series[level].size < MIN_PERIODS
        ]
        if group is None or len(short) < 2:
            short = []
        out = []
        for level in levels:
            if level in short:
                if level == short[0]:  # where the first of them would be
                    out.append(self._short_finding(ctx, t, grain, group, short, series))
                continue
            out.append(self._finding(ctx, t, grain, group, level, series[level], rows))
        return out[: ctx.budget.max_findings]

    def _short_finding(self, ctx, t, grain, group, short, series):
        """One finding for the levels of ``group`` whose series are too short to judge."""
        counts = [int(series[level].size) for level in short]
        low, high = min(counts), max(counts)
        each = f"{low}" if low == high else f"{low} to {high}"
        by_count: dict[str, int] = {}
        for c in sorted(counts):
            by_count[str(c)] = by_count.get(str(c), 0) + 1
        return ctx.finding(
            kind="series_regularity",
            title=(
                f"{t!r} for {len(short)} levels of {group!r}: {each} periods each, too few to "
                "judge their regularity"
            ),
            subject={
                "time_column": t,
                "series": "levels with too few periods",
                "group_column": group,
            },
            values={
                "levels": len(short),
                "fewest_periods": low,
                "most_periods": high,
                "levels_by_periods": by_count,
                "level_names": [str(level) for level in short],
            },
            units={
                "levels": "count",
                "fewest_periods": "count",
                "most_periods": "count",
                "levels_by_periods": "count",
                "level_names": "levels",
            },
            columns=[t, group],
            parameters={
                "grain": grain,
                "regular_share": REGULAR_SHARE,
                "not_regular": f"fewer than {MIN_PERIODS} periods: too few to judge",
                "collapsed": "one finding for all levels with too few periods",
            },
        )

    def _events_finding(self, ctx, t, grain, distinct, rows):
        return ctx.finding(
            kind="series_regularity",
            title=f"{t!r} does not index a regular series ({rows} rows, {distinct} timestamps)",
            subject={"time_column": t, "series": "rows"},
            values={"rows": rows, "distinct_timestamps": int(distinct)},
            units={"rows": "count", "distinct_timestamps": "count"},
            columns=[t],
            parameters={
                "grain": grain,
                "not_regular": "several rows per timestamp: the rows are events, not periods",
            },
        )

    def _finding(self, ctx, t, grain, group, level, periods, rows):
        subject = {"time_column": t, "series": "rows" if level is None else str(level)}
        if group:
            subject["group_column"] = group
        where = f"{t!r}" + (f" for {group}={level!r}" if group else "")
        values = {"periods": None, "step": None, "expected": None, "missing": None}
        units = {
            "periods": "count",
            "step": "microseconds" if grain not in ("month", "year") else f"{grain}s",
            "expected": "count",
            "missing": "count",
            "missing_share": "ratio",
            "first_missing": "periods",
        }
        values |= {"missing_share": None, "first_missing": []}
        params = {"grain": grain, "regular_share": REGULAR_SHARE}
        kind, title, severity, examples = "series_regularity", "", "info", []
        if isinstance(periods, str):
            params["skipped"] = f"more than distinct_cap = {ctx.budget.distinct_cap} timestamps"
            title = f"Regularity of {where} not examined (too many distinct timestamps)"
        else:
            values["periods"] = int(periods.size)
            steps = np.diff(periods)
            step = None
            if steps.size:
                uniq, counts = np.unique(steps, return_counts=True)
                best = int(np.argmax(counts))  # ties: the smallest step
                if counts[best] >= REGULAR_SHARE * steps.size and uniq[best] > 0:
                    step = int(uniq[best])
            if periods.size < MIN_PERIODS:
                params["not_regular"] = f"fewer than {MIN_PERIODS} periods: too few to judge"
                title = f"{where}: {periods.size} periods, too few to judge its regularity"
            elif step is None:
                params["not_regular"] = "no step covers 90% of the differences"
                title = f"{where} is not a regular series"
            else:
                expected = (int(periods[-1]) - int(periods[0])) // step + 1
                full = np.arange(int(periods[0]), int(periods[-1]) + 1, step, dtype=np.int64)
                missing = np.setdiff1d(full, periods, assume_unique=True)
                share = missing.size / expected
                values |= {
                    "step": step,
                    "expected": expected,
                    "missing": int(missing.size),
                    "missing_share": share,
                    "first_missing": [_label(p, grain) for p in missing[:MAX_EXAMPLES]],
                }
                if missing.size:
                    kind = "missing_periods"
                    title = (
                        f"{missing.size} missing period(s) in the regular series of {where} "
                        f"(first: {_label(missing[0], grain)})"
                    )
                    severity = "medium" if share >= 0.001 else "low"
                else:
                    title = f"No missing period in the regular series of {where}"
        return ctx.finding(
            kind=kind,
            title=title,
            subject=subject,
            values=values,
            units=units,
            severity=severity,
            columns=[t] + ([group] if group else []),
            parameters=params,
            example_rows=examples,
        )


@hookimpl
def statharness_analyses():
    return [Gaps()]
