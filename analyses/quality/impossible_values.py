"""The ``impossible_values`` analysis (quality family): impossible values (negative durations,
implausible timestamps).

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pyarrow as pa

from pytest_statharness import Analysis, ColumnKind, MemoryModel, Plan

from .._shared.exact import SelectionSet, float_keys, int_keys, quantile_rank_list
from .._shared.hist import (
    MAX_EXAMPLES,
    finite_values,
    int_values,
    smallest,
    ticks_per_day,
)
from .._shared.report import cap_findings, graded
from ._common import _display

SELECTION_PASSES = 5


# ======================================================================================
# impossible_values
# ======================================================================================
EARLIEST = dt.datetime(1900, 1, 1, tzinfo=dt.UTC)
YEAR_DAYS = 365
NUMERIC_MIN_N = 1000
NUMERIC_MAX_NEG_SHARE = 0.001
NUMERIC_P01_OVER_P50 = 0.05
INFINITE_RULE = (
    "numeric columns: +inf and -inf values (no measurement is infinite: a division by zero "
    "or an overflow wrote them; every analysis leaves them out, counted as non-finite), "
    "severity high when >= 1% of the non-null values, else medium"
)


def _infinities(chunk, column: str) -> tuple[int, int, list[int]]:
    """(+inf count, -inf count, first dataset-wide rows of either) of one chunk's column."""
    data = chunk.floats(column)
    at = np.flatnonzero(np.isinf(data))
    positive = int(np.count_nonzero(data[at] > 0))
    return positive, int(at.size) - positive, (at[:MAX_EXAMPLES] + chunk.row_start).tolist()


def _earliest_count(typ: pa.DataType) -> int:
    """1900-01-01T00:00Z in the type's integer counts since the epoch."""
    days = (EARLIEST.date() - dt.date(1970, 1, 1)).days
    return days * ticks_per_day(typ)


class ImpossibleValues(Analysis):
    id = "impossible_values"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "counts and radix-selection buckets per column"
    family = "quality"
    title = "Impossible values (negative durations, implausible timestamps)"
    requires = (ColumnKind.DURATION, ColumnKind.TIMESTAMP, ColumnKind.NUMERIC)
    exact = True
    passes = 2 + SELECTION_PASSES
    method = (
        "duration columns: values < 0 (severity high when >= 1% of values, else medium). "
        "timestamp/date columns: values before 1900-01-01T00:00 UTC, or later than P99 + "
        f"max({YEAR_DAYS} days, P99 - P1), with P1/P99 the column's own exact order statistics "
        "(numpy 'lower' method, multi-pass radix selection on the integer counts) (severity "
        "high when >= 1%, else medium). numeric columns (conservative): values < 0 are "
        f"reported (severity low) only when the column has >= {NUMERIC_MIN_N} finite values, "
        f"at most {NUMERIC_MAX_NEG_SHARE:.1%} of them negative, and its values pile up against "
        f"zero: 0 <= P1 <= {NUMERIC_P01_OVER_P50} * P50 (exact numpy linear quantiles) — a "
        "Gaussian-like column with a soft tail below zero never qualifies (its P1/P50 >= 0.24 "
        "when <= 0.1% is negative); "
        + INFINITE_RULE
        + ". example_rows: the first 20 offending rows"
    )
    reference = (
        "Rahm & Do (2000), Data cleaning: problems and current approaches, IEEE Data Eng. Bull. "
        "23(4); Hyndman & Fan (1996), Sample quantiles in statistical packages, Am. Stat. 50(4)"
    )
    access = (
        "streamed; pass 1 counts, 1-5 selection passes (P1/P50/P99), 1 pass for late timestamps"
    )

    def plan(self, dataset, budget):
        plan = super().plan(dataset, budget)
        if plan is None:
            return None
        # Historical series (yearly or monthly dates, dates made of a year column) reach back
        # before 1900 legitimately: their timestamps are not checked for plausibility.
        historical = [
            c
            for c in plan.columns
            if dataset.kind(c) == ColumnKind.TIMESTAMP
            and dataset.column(c).role_detail in ("year", "month")
        ]
        columns = tuple(c for c in plan.columns if c not in historical)
        if not columns:
            return None
        left_out = dict(plan.left_out)
        if historical:
            left_out["historical_time_columns"] = historical
        kinds = {c: str(dataset.kind(c)) for c in columns}
        return Plan(columns, {"kinds": kinds}, left_out)

    def _kind(self, ctx, c) -> str:
        return ctx.params["kinds"][c]

    @staticmethod
    def _run(ctx):
        return ctx.previous[0] if ctx.previous else None

    def columns_for_pass(self, ctx):
        run = self._run(ctx)
        if run is None:
            return ctx.columns
        if run["phase"] == "select":
            return sorted(
                set(run["ts_sel"].pending()) | set(run["num_sel"].pending()), key=ctx.columns.index
            )
        return [c for c in ctx.columns if c in run["upper"]]

    def init(self, ctx):
        run = self._run(ctx)
        if run is None:
            return {
                c: {
                    "n": 0,
                    "nulls": 0,
                    "bad": 0,
                    "examples": [],
                    "type": None,
                    "posinf": 0,
                    "neginf": 0,
                    "inf_examples": [],
                }
                for c in ctx.columns
            }
        if run["phase"] == "select":
            return {"ts": {}, "num": {}}
        return {c: {"late": 0, "examples": []} for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        run = self._run(ctx)
        if run is None:
            for c in ctx.columns:
                kind = self._kind(ctx, c)
                infinite = (0, 0, [])
                if kind == "numeric":
                    vals, idx, nulls, nonfinite = finite_values(chunk, c)
                    bad = np.flatnonzero(vals < 0)
                    if nonfinite:
                        infinite = _infinities(chunk, c)
                else:
                    vals, idx, nulls = int_values(chunk, c)
                    if kind == "duration":
                        bad = np.flatnonzero(vals < 0)
                    else:
                        bad = np.flatnonzero(vals < _earliest_count(chunk.column(c).type))
                state[c] = {
                    "n": int(vals.size),
                    "nulls": nulls,
                    "bad": int(bad.size),
                    "examples": (idx[bad[:MAX_EXAMPLES]] + chunk.row_start).tolist(),
                    "type": chunk.column(c).type,
                    "posinf": infinite[0],
                    "neginf": infinite[1],
                    "inf_examples": infinite[2],
                }
            return state
        if run["phase"] == "select":
            for c in run["ts_sel"].pending():
                vals = int_values(chunk, c)[0]
                part = run["ts_sel"].chunk_state(c, int_keys(vals))
                if part:
                    state["ts"][c] = part
            for c in run["num_sel"].pending():
                vals = finite_values(chunk, c)[0]
                part = run["num_sel"].chunk_state(c, float_keys(vals))
                if part:
                    state["num"][c] = part
            return state
        for c in self.columns_for_pass(ctx):
            vals, idx, _ = int_values(chunk, c)
            late = np.flatnonzero(vals > run["upper"][c])
            state[c] = {
                "late": int(late.size),
                "examples": (idx[late[:MAX_EXAMPLES]] + chunk.row_start).tolist(),
            }
        return state

    def merge(self, a, b, ctx):
        run = self._run(ctx)
        if run is not None and run["phase"] == "select":
            return {
                "ts": SelectionSet.merge(a["ts"], b["ts"]),
                "num": SelectionSet.merge(a["num"], b["num"]),
            }
        out = {}
        for c in a:
            x, y = a[c], b[c]
            out[c] = {k: x[k] + y[k] for k in x if k not in ("examples", "type", "inf_examples")}
            out[c]["examples"] = smallest(x["examples"], y["examples"])
            if "inf_examples" in x:
                out[c]["inf_examples"] = smallest(x["inf_examples"], y["inf_examples"])
            if "type" in x:
                out[c]["type"] = x["type"] if x["type"] is not None else y["type"]
        return out

    def end_pass(self, state, ctx):
        run = self._run(ctx)
        if run is None:
            ts_wanted, num_wanted = {}, {}
            for c in ctx.columns:
                s = state[c]
                kind = self._kind(ctx, c)
                if kind == "timestamp" and s["n"]:
                    ts_wanted[c] = (s["n"], self._lower_ranks(s["n"]))
                elif (
                    kind == "numeric"
                    and s["n"] >= NUMERIC_MIN_N
                    and 0 < s["bad"] <= NUMERIC_MAX_NEG_SHARE * s["n"]
                ):
                    num_wanted[c] = (s["n"], quantile_rank_list(s["n"], [0.01, 0.5]))
            run = {
                "first": state,
                "ts_sel": SelectionSet(ts_wanted, int_keys=True),
                "num_sel": SelectionSet(num_wanted),
                "upper": {},
                "late": {},
            }
            run["phase"] = "select" if ts_wanted or num_wanted else "done"
            return run
        if run["phase"] == "select":
            run["ts_sel"].advance(state["ts"])
            run["num_sel"].advance(state["num"])
            if run["ts_sel"].done and run["num_sel"].done:
                for c in run["ts_sel"].selectors:
                    n = run["first"][c]["n"]
                    lo, hi = self._lower_ranks(n)
                    p01 = run["ts_sel"].value(c, lo)
                    p99 = run["ts_sel"].value(c, hi)
                    per_day = ticks_per_day(run["first"][c]["type"])
                    upper = p99 + max(YEAR_DAYS * per_day, p99 - p01)
                    run["upper"][c] = min(upper, (1 << 63) - 1)
                run["phase"] = "late" if run["upper"] else "done"
            return run
        run["late"] = state
        run["phase"] = "done"
        return run

    @staticmethod
    def _infinite(ctx, c: str, s: dict, base: dict, units: dict, infinite: int) -> dict:
        """±inf in a numeric column: no measurement is infinite, a division by zero (or
        an overflow) upstream wrote it; every analysis leaves these rows out."""
        share = infinite / (s["n"] + infinite)
        signs = ", ".join(
            f"{count} {sign}inf"
            for sign, count in (("+", s["posinf"]), ("-", s["neginf"]))
            if count
        )
        return ctx.finding(
            kind="infinite_values",
            title=f"{infinite} infinite values in {c!r} ({signs}): a division by zero upstream?",
            subject={"column": c},
            values={
                **base,
                "infinite_count": infinite,
                "positive_infinite": s["posinf"],
                "negative_infinite": s["neginf"],
                "infinite_share": share,
            },
            units={
                **units,
                "infinite_count": "count",
                "positive_infinite": "count",
                "negative_infinite": "count",
                "infinite_share": "ratio",
            },
            severity=graded(share, ((0.01, "high"),), "medium"),
            columns=[c],
            example_rows=s["inf_examples"],
            parameters={"rule": INFINITE_RULE},
        )

    @staticmethod
    def _lower_ranks(n: int) -> list[int]:
        return [math.floor((n - 1) * 0.01), math.floor((n - 1) * 0.99)]

    def needs_another_pass(self, ctx):
        return self._run(ctx)["phase"] != "done"

    def findings(self, ctx):
        run = self._run(ctx)
        out = []
        for c in ctx.columns:
            kind = self._kind(ctx, c)
            s = run["first"][c]
            n = s["n"]
            base = {"count": n, "null_count": s["nulls"]}
            units = {"count": "count", "null_count": "count"}
            infinite = s.get("posinf", 0) + s.get("neginf", 0)
            if infinite:
                out.append(self._infinite(ctx, c, s, base, units, infinite))
            if kind == "duration" and s["bad"]:
                frac = s["bad"] / n
                out.append(
                    ctx.finding(
                        kind="negative_durations",
                        title=f"{s['bad']} negative durations in {c!r}",
                        subject={"column": c},
                        values={**base, "negative_count": s["bad"], "negative_share": frac},
                        units={**units, "negative_count": "count", "negative_share": "ratio"},
                        severity=graded(frac, ((0.01, "high"),), "medium"),
                        columns=[c],
                        example_rows=s["examples"],
                    )
                )
            elif kind == "numeric" and c in run["num_sel"].selectors:
                p01 = run["num_sel"].quantile(c, 0.01)
                p50 = run["num_sel"].quantile(c, 0.5)
                if not (p50 > 0 and 0 <= p01 <= NUMERIC_P01_OVER_P50 * p50):
                    continue
                out.append(
                    ctx.finding(
                        kind="negative_values",
                        title=f"{s['bad']} negative values in non-negative column {c!r}",
                        subject={"column": c},
                        values={
                            **base,
                            "negative_count": s["bad"],
                            "negative_share": s["bad"] / n,
                            "p01": p01,
                            "p50": p50,
                        },
                        units={
                            **units,
                            "negative_count": "count",
                            "negative_share": "ratio",
                            "p01": "value",
                            "p50": "value",
                        },
                        severity="low",
                        columns=[c],
                        example_rows=s["examples"],
                        parameters={
                            "max_negative_share": NUMERIC_MAX_NEG_SHARE,
                            "p01_over_p50_max": NUMERIC_P01_OVER_P50,
                        },
                    )
                )
            elif kind == "timestamp" and c in run["upper"]:
                late = run["late"][c]
                bad = s["bad"] + late["late"]
                if not bad:
                    continue
                typ = s["type"]
                lo, hi = self._lower_ranks(n)
                frac = bad / n
                out.append(
                    ctx.finding(
                        kind="implausible_timestamps",
                        title=f"{bad} implausible timestamps in {c!r}",
                        subject={"column": c},
                        values={
                            **base,
                            "before_1900": s["bad"],
                            "after_upper_bound": late["late"],
                            "implausible_share": frac,
                            "p01": _display(run["ts_sel"].value(c, lo), typ),
                            "p99": _display(run["ts_sel"].value(c, hi), typ),
                            "upper_bound": _display(run["upper"][c], typ),
                        },
                        units={
                            **units,
                            "before_1900": "count",
                            "after_upper_bound": "count",
                            "implausible_share": "ratio",
                            "p01": "timestamp",
                            "p99": "timestamp",
                            "upper_bound": "timestamp",
                        },
                        severity=graded(frac, ((0.01, "high"),), "medium"),
                        columns=[c],
                        example_rows=smallest(s["examples"], late["examples"]),
                        parameters={
                            "earliest": "1900-01-01T00:00:00Z",
                            "min_margin_days": YEAR_DAYS,
                        },
                    )
                )
        flagged = {f["subject"]["column"] for f in out}
        summary = ctx.finding(
            kind="impossible_values_screen",
            title=f"Impossible-values screen: {len(flagged)} of {len(ctx.columns)} columns flagged",
            subject={"scope": "dataset"},
            values={
                "duration_columns": sum(self._kind(ctx, c) == "duration" for c in ctx.columns),
                "timestamp_columns": sum(self._kind(ctx, c) == "timestamp" for c in ctx.columns),
                "numeric_columns": sum(self._kind(ctx, c) == "numeric" for c in ctx.columns),
                "columns_flagged": len(flagged),
            },
            units={
                "duration_columns": "count",
                "timestamp_columns": "count",
                "numeric_columns": "count",
                "columns_flagged": "count",
            },
        )
        return cap_findings(ctx, out, summary)
