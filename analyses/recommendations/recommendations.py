"""Recommendations with a modeled improvement, and the model's assumptions stated.

``recommendations`` looks at two kinds of data in one dataset:

* an event log (found as in ``eventlog/columns.py``): the activities whose time (the
  interval from the previous event of the case to the activity's event: waiting plus
  service when timestamps mark completions) adds most to total case time, with the
  improvement of total case time modeled if the activity's mean were brought to the
  median of the other activities' means;
* numeric-by-group data: a non-negative numeric measure (a cost, a duration) by a
  categorical column with 2..max_groups levels: the groups whose total is highest, with the
  improvement of the measure's total modeled if the group's mean were brought to the
  median of the group means.

A recommendation is reported only when the modeled improvement is >= 1 % and the subject's
values are significantly above the rest: a one-sided Welch t-test on ``log1p`` of the
(non-negative) values, Bonferroni-corrected over every subject tested, p < 0.001. The
modeled improvement is mean-based; the test is on log1p so that one extreme value (a
recording error 1000x the median) cannot hide a slow subject by inflating its variance.
Sums are exact (integers of timestamp ticks; exact binary sums of the measure, of log1p
and of its square split into a rounded square and its rounding error), so the result does
not depend on chunking.

Passes: with event-log candidates, pass 0 is the event-log detection shared with the
``eventlog`` family (the same memo key: computed once per process and dataset) and pass 1
folds the cases and sums the measures by group; without them, pass 0 sums the measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from pytest_statharness import MEASURE_ROLES, ColumnKind, ColumnRole, MemoryModel, hookimpl
from pytest_statharness.analysis import Plan
from pytest_statharness.canonical_json import dumps
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.report import bonferroni, cap_each, graded
from ..eventlog.columns import (
    DETECTION_METHOD,
    EventLogBase,
    FixedSplit,
    FoldState,
    codes_of,
    convincing_log,
    declared_log_needs_regroup,
    detect_decide,
    detect_init,
    detect_merge,
    detect_update,
    detection_columns,
    fixed_fraction,
    log1p_parts,
    plan_eventlog,
    regrouped_spec,
    spec_columns,
)

MIN_IMPROVEMENT_PCT = 1.0
ALPHA = 0.001
GROUP_MIN_ROWS_PER_LEVEL = 10
SIGNIFICANCE_TEST = "one-sided Welch t-test on log1p(x) of the subject vs all other rows/events"

ACTIVITY_ASSUMPTIONS = [
    "Time attributed to an activity is the interval from the previous event of the same case "
    "to the activity's event (its waiting plus service time when timestamps mark completions).",
    "Cases are sequential: a case's total time is the sum of these intervals, so shortening "
    "one shortens the case by the same amount.",
    "Independence: the other activities' times do not change when this one is shortened.",
    "No capacity or queueing effects: freed capacity does not change arrivals or other waits.",
    "The same case mix and volume as in the observed log; the peer median is attainable.",
]
GROUP_ASSUMPTIONS = [
    "The measure is additive over rows; the group keeps its number of rows.",
    "Only this group's mean changes (independence); nothing shifts to other groups.",
    "No capacity or volume effects; the median of the group means is attainable.",
]


def _sums_by_code(splits, codes, ncodes, rows) -> dict[int, list[int]]:
    """Per code present: [count, sum x, sum y, sum p, sum e] from the splits of x and of
    :func:`log1p_parts` (y = log1p(max(x, 0)), y*y = p + e); exact, 2**-1127 units."""
    counts = np.bincount(codes, minlength=ncodes).tolist()
    sums = [sp.sums(codes, ncodes, rows) for sp in splits]
    return {c: [n, *(s[c] for s in sums)] for c, n in enumerate(counts) if n}


def log1p_welch(n1, sy1, sq1, n2, sy2, sq2):
    """Welch on log1p values from exact sums (2**-1127 units; sq = sum p + sum e)."""
    return welch_greater(
        n1,
        fixed_fraction(sy1),
        fixed_fraction(sq1),
        n2,
        fixed_fraction(sy2),
        fixed_fraction(sq2),
    )


def welch_greater(n1, s1, q1, n2, s2, q2) -> tuple[float | None, float | None, float | None]:
    """One-sided Welch t-test (sample 1 mean greater) from exact moments; (t, df, p)."""
    if n1 < 2 or n2 < 2:
        return None, None, None
    m1, m2 = s1 / n1, s2 / n2
    v1 = (q1 - s1 * s1 / n1) / (n1 - 1)
    v2 = (q2 - s2 * s2 / n2) / (n2 - 1)
    if v1 == 0 and v2 == 0:
        return None, None, (0.0 if m1 > m2 else 1.0)
    res = stats.ttest_ind_from_stats(
        float(m1),
        math.sqrt(float(v1)),
        n1,
        float(m2),
        math.sqrt(float(v2)),
        n2,
        equal_var=False,
        alternative="greater",
    )
    se2 = v1 / n1 + v2 / n2
    df = se2 * se2 / ((v1 / n1) ** 2 / (n1 - 1) + (v2 / n2) ** 2 / (n2 - 1))
    return float(res.statistic), float(df), float(res.pvalue)


def _mean(total: int, n: int) -> float | None:
    return float(fixed_fraction(total) / n) if n else None


@dataclass(slots=True)
class _GroupSums:
    """One (measure, group) pair's state: per group value the exact sums of the measure
    (count, fixed-point sums of x and of its log1p parts), the smallest value seen (a
    measure that can be negative is not a time or cost to cut), and rows left out (measure
    not finite or group null)."""

    by: dict = field(default_factory=dict)
    min: float | None = None
    excluded: int = 0


@dataclass(slots=True)
class _PassState:
    """The case-fold pass: the event-log fold (None when the table is no usable log), one
    :class:`_GroupSums` per planned pair, and ``raw`` for a chunk state that ``merge`` must
    fold into a fresh accumulator first."""

    log: FoldState | None
    groups: list[_GroupSums]
    raw: bool = False


class Recommendations(EventLogBase):
    id = "recommendations"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the event-log case fold (case grouping spilled by case-rank partitions when needed) plus exact sums per group level up to max_groups"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "p_bonferroni": PROBABILITY_DIGITS,
        "t_statistic": STATISTIC_DIGITS,
        "welch_df": STATISTIC_DIGITS,
        "log1p_mean": STATISTIC_DIGITS,
        "log1p_mean_others": STATISTIC_DIGITS,
    }
    family = "recommendations"
    title = "Recommendations with modeled improvement"
    requires = (ColumnKind.TIMESTAMP, ColumnKind.NUMERIC)
    features = frozenset({"logwait"})
    passes = 2
    method = (
        "Event log (roles as follows) - " + DETECTION_METHOD + " Per activity, the intervals "
        "from the previous event of the case to the activity's events (waiting + service; a "
        "step back in time counts 0) are summed exactly; the modeled improvement of total "
        "case time (sum of case throughput times) if the activity's mean interval were "
        "brought to the median of the other activities' means is 100 * n_a * (mean_a - "
        "median_peers) / total. Needs a log grouped by case and in time order (or within the "
        "tolerance above: case fragments, negative steps as 0). Numeric by group (only where "
        "lower is better: a declared KPI with direction 'lower' by any category column, and "
        "on a table detected as an event log (declared, or inferred with detection "
        "confidence >= 0.8: 4 of its 5 checks) its numeric process measures by its activity "
        "and resource columns; never on identifiers, calendar parts or clock codes): numeric "
        "measures with min >= 0 and a positive total, by categorical columns with an exact "
        "2..max_groups levels and >= 10 rows per level (pairs in schema order, capped by "
        "max_pairs); modeled improvement of the measure's total if a group's mean were "
        "brought to the median of the group means: 100 * n_g * (mean_g - median) / total. "
        "Reported only when the improvement is >= 1 % and a one-sided Welch t-test of "
        "log1p(x) of the subject against log1p(x) of all other rows/events (x in the "
        "measure's unit, intervals in seconds; scipy.stats.ttest_ind_from_stats on exact "
        "moments: exact sums of log1p(x) and of its square as a rounded square plus its "
        "exact rounding error) has Bonferroni-corrected p < 0.001 (correction over every "
        "subject tested). The test is on log1p so that a single extreme value cannot mask a "
        "slow subject; the improvement stays mean-based. Ordered by modeled improvement "
        "descending, ties by subject (canonical JSON); capped by max_findings."
    )
    reference = (
        "Little (1961), Oper. Res. 9(3); van der Aalst (2016), Process Mining: Data Science in "
        "Action; Welch (1947), Biometrika 34(1/2); Dunn (1961), Multiple comparisons among "
        "means, JASA 56(293); Dekker (1971), A floating-point technique for extending the "
        "available precision, Numer. Math. 18(3)"
    )
    access = (
        "streamed; pass 0 log detection (shared with the eventlog family), pass 1 case fold "
        "+ exact group sums (pass 0 when there is no event-log candidate)"
    )

    # -- planning -----------------------------------------------------------------------
    def plan(self, dataset, budget):
        got = plan_eventlog(dataset, budget)
        params: dict = {"eventlog_candidates": None, "group_pairs": []}
        left_out: dict = {}
        columns: list[str] = []
        if got is not None:
            params["eventlog_candidates"], left_out = got
            columns = detection_columns(params["eventlog_candidates"])
        rows = dataset.row_count
        # Numeric-by-group recommendations are made only where lower means better: on a
        # declared KPI (direction "lower") by any category, and on an event log's process
        # measures (numeric measures of a table detected as a log) by its activity and
        # resource columns. A group's mean of anything else (a price, a body mass, a
        # flight number) describes the group; "bring it to the median" is no action.
        kpis = [
            c
            for c in dataset.columns_of(ColumnKind.NUMERIC, roles=MEASURE_ROLES)
            if dataset.kpis.get(c) == "lower"
        ]
        categories = [
            c
            for c in dataset.columns_of(ColumnKind.CATEGORICAL)
            if dataset.column(c).distinct_exact
            and dataset.role(c) != ColumnRole.IDENTIFIER
            and 2 <= dataset.column(c).distinct_at_least <= budget.max_groups
            and rows - dataset.column(c).null_count
            >= GROUP_MIN_ROWS_PER_LEVEL * dataset.column(c).distinct_at_least
        ]
        pairs = [[m, g] for m in kpis for g in categories]
        if got is not None:
            cand = params["eventlog_candidates"]
            process_groups = [
                g
                for g in dict.fromkeys([*cand["activity_candidates"], *cand["resource_candidates"]])
                if g in categories
            ]
            process = [
                m
                for m in dataset.columns_of(ColumnKind.NUMERIC, roles=MEASURE_ROLES)
                if m not in kpis
            ]
            pairs += [[m, g] for m in process for g in process_groups if [m, g] not in pairs]
            params["process_pairs_need_log"] = True
        if len(pairs) > budget.max_pairs:
            left_out["group_pairs"] = {"pairs": pairs[budget.max_pairs :], "cap": "max_pairs"}
            pairs = pairs[: budget.max_pairs]
        params["group_pairs"] = pairs
        if got is None and not pairs:
            return None
        for pair in pairs:
            for c in pair:
                if c not in columns:
                    columns.append(c)
        return Plan(tuple(columns), params, left_out)

    def _has_log(self, ctx) -> bool:
        return self.candidates(ctx) is not None

    def _group_pass(self, ctx) -> int:
        """The pass that sums the measures by group (and folds the cases, pass 1)."""
        return 1 if self._has_log(ctx) else 0

    def _log_usable(self, ctx) -> bool:
        spec = self.spec(ctx)
        return bool(spec.get("found") and spec["per_event"])

    def spec(self, ctx):
        if not self._has_log(ctx):
            return {"found": False, "reason": "no event-log candidate columns"}
        if declared_log_needs_regroup(ctx, self.candidates(ctx)):
            return regrouped_spec(ctx.previous[0])
        return ctx.previous[0]

    def grouping(self, ctx):
        """As the eventlog family: a declared log in file order is read grouped by case."""
        if self._has_log(ctx) and declared_log_needs_regroup(ctx, self.candidates(ctx)):
            spec = ctx.previous[0]
            return spec["case"], spec["timestamp"]
        return None

    def shared_pass_key(self, ctx):
        """Pass 0 is the eventlog family's detection, run by the same functions."""
        if ctx.pass_index != 0 or not self._has_log(ctx):
            return None
        return self.detect_pass_key(ctx, EventLogBase)

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0 and self._has_log(ctx):
            return detection_columns(self.candidates(ctx))
        cols = []
        if self._has_log(ctx) and self._log_usable(ctx):
            cols = spec_columns(self.spec(ctx), resource=False, duration=False)
        for pair in ctx.params["group_pairs"]:
            cols += [c for c in pair if c not in cols]
        return cols

    # -- accumulator ----------------------------------------------------------------------
    def init(self, ctx):
        if ctx.pass_index == 0 and self._has_log(ctx):
            return detect_init(self.candidates(ctx))
        usable = self._has_log(ctx) and self._log_usable(ctx)
        return _PassState(
            log=EventLogBase.init(self, ctx) if usable else None,
            groups=[_GroupSums() for _ in ctx.params["group_pairs"]],
        )

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0 and self._has_log(ctx):
            return detect_update(state, chunk, self.candidates(ctx))
        state.raw = True
        if state.log is not None:
            EventLogBase.update(self, state.log, chunk, ctx)
        splits: dict = {}
        codes_by: dict = {}
        for (measure, group), slot in zip(ctx.params["group_pairs"], state.groups, strict=True):
            if measure not in splits:
                x = chunk.floats(measure)
                finite = np.isfinite(x)
                clean = np.where(finite, x, 0.0)
                splits[measure] = (
                    x,
                    finite,
                    [FixedSplit(v) for v in (clean, *log1p_parts(np.maximum(clean, 0.0)))],
                )
            if group not in codes_by:
                codes_by[group] = codes_of(chunk.column(group))
            x, finite, parts = splits[measure]
            codes, values = codes_by[group]
            used = finite & (codes >= 0)
            kept = int(np.count_nonzero(used))
            slot.excluded += int(x.size - kept)
            if not kept:
                continue
            lo = float(x[used].min())
            slot.min = lo if slot.min is None else min(slot.min, lo)
            # rows left out go to an extra code (their x reads 0 in ``parts``), dropped here
            ncodes = len(values)
            binned = np.where(used, codes, ncodes)
            for code, sums in _sums_by_code(parts, binned, ncodes + 1, None).items():
                if code < ncodes:
                    slot.by[values[code]] = sums
        return state

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0 and self._has_log(ctx):
            return detect_merge(a, b, ctx.budget.distinct_cap)
        if a.raw:  # a chunk state: fold it into a fresh accumulator first
            a = self.merge(self.init(ctx), a, ctx)
        if a.log is not None:
            a.log = EventLogBase.merge(self, a.log, b.log, ctx)
        for x, y in zip(a.groups, b.groups, strict=True):
            x.excluded += y.excluded
            if y.min is not None:
                x.min = y.min if x.min is None else min(x.min, y.min)
            for g, sums in y.by.items():
                slot = x.by.get(g)
                x.by[g] = (
                    list(sums) if slot is None else [u + v for u, v in zip(slot, sums, strict=True)]
                )
        return a

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0 and self._has_log(ctx):
            return detect_decide(state, self.candidates(ctx), ctx.dataset)
        log = None
        if state.log is not None:
            log = EventLogBase.end_pass(self, state.log, ctx)
        return {"log": log, "groups": state.groups}

    def needs_another_pass(self, ctx):
        if self._has_log(ctx) and len(ctx.previous) == 1:
            return bool(ctx.params["group_pairs"]) or self._log_usable(ctx)
        return False

    # -- findings -----------------------------------------------------------------------
    def findings(self, ctx):
        candidates = []
        spec = self.spec(ctx)
        activity_rows = []
        group_rows = []
        k = self._group_pass(ctx)
        if len(ctx.previous) > k:
            main = ctx.previous[k]
            if main["log"] is not None:
                activity_rows = self._activity_rows(ctx, spec, main["log"]["acc"])
            group_rows = self._group_rows(ctx, main["groups"])
        # Bonferroni over every subject tested (whatever the sign of its modeled saving).
        tests = sum(1 for r in activity_rows + group_rows if r["p_value"] is not None)
        for r in activity_rows + group_rows:
            if r["p_value"] is None or r["improvement_pct"] <= 0:
                continue
            r["p_bonferroni"] = bonferroni(r["p_value"], tests)
            if r["improvement_pct"] >= MIN_IMPROVEMENT_PCT and r["p_bonferroni"] < ALPHA:
                candidates.append(r)
        candidates.sort(key=lambda r: (-r["improvement_pct"], dumps(r["subject"])))
        out = []
        for r in candidates:
            params = {
                "subjects_tested": tests,
                "min_improvement_pct": MIN_IMPROVEMENT_PCT,
                "alpha_bonferroni": ALPHA,
                "significance_test": SIGNIFICANCE_TEST,
            }
            if r["kind"] == "reduce_activity_time":
                params.update(self.parameters(ctx))
            out.append(
                ctx.finding(
                    kind=r["kind"],
                    title=r["title"],
                    severity=graded(r["improvement_pct"], ((25, "high"), (10, "medium")), "low"),
                    subject=r["subject"],
                    values={
                        **r["values"],
                        "p_value": r["p_value"],
                        "p_bonferroni": r["p_bonferroni"],
                    },
                    units={**r["units"], "p_value": "probability", "p_bonferroni": "probability"},
                    columns=r["columns"],
                    parameters=params,
                    recommendation={
                        "action": r["action"],
                        "modeled_improvement_pct": r["improvement_pct"],
                        "assumptions": r["assumptions"],
                    },
                )
            )
        return cap_each(ctx, out, key="left_out_by_max_findings")

    def _activity_rows(self, ctx, spec, acc) -> list[dict]:
        pps = acc.per_second or 1
        total_ticks = acc.tp_sum
        if not total_ticks:
            return []
        total_s = float(Fraction(total_ticks, pps))
        means = {act: Fraction(s, n * pps) for act, (n, s, _) in acc.wait.items() if n}
        all_n = sum(v[0] for v in acc.wait.values())
        log_all = [sum(v[i] for v in acc.logwait.values()) for i in range(3)]
        rows = []
        for act in sorted(means, key=str):
            n, s, _ = acc.wait[act]
            sy, sp, se = acc.logwait.get(act, (0, 0, 0))
            peers = [float(m) for other, m in means.items() if other != act]
            if not peers:
                continue
            target = float(np.median(np.array(sorted(peers))))
            mean = means[act]
            saving = n * (float(mean) - target)
            rest_y, rest_q = log_all[0] - sy, log_all[1] + log_all[2] - sp - se
            t, df, p = log1p_welch(n, sy, sp + se, all_n - n, rest_y, rest_q)
            pct = 100.0 * saving / total_s
            rows.append(
                {
                    "kind": "reduce_activity_time",
                    "subject": {"activity_column": spec["activity"], "activity": act},
                    "title": f"Activity {act!r}: bringing its mean time to the peer median "
                    f"would cut total case time by {pct:.1f}%",
                    "values": {
                        "events": n,
                        "mean_time_s": float(mean),
                        "target_time_s": target,
                        "activity_total_s": float(Fraction(s, pps)),
                        "share_of_case_time": float(Fraction(s, total_ticks)),
                        "total_case_time_s": total_s,
                        "modeled_saving_s": saving,
                        "log1p_mean": _mean(sy, n),
                        "log1p_mean_others": _mean(rest_y, all_n - n),
                        "t_statistic": t,
                        "welch_df": df,
                    },
                    "units": {
                        "events": "events",
                        "mean_time_s": "s",
                        "target_time_s": "s",
                        "activity_total_s": "s",
                        "share_of_case_time": "fraction",
                        "total_case_time_s": "s",
                        "modeled_saving_s": "s",
                        "log1p_mean": "log1p(s)",
                        "log1p_mean_others": "log1p(s)",
                        "t_statistic": "t",
                        "welch_df": "degrees of freedom",
                    },
                    "p_value": p,
                    "improvement_pct": pct,
                    "columns": [spec["case"], spec["activity"], spec["timestamp"]],
                    "action": (
                        f"Reduce the mean waiting + service time before {act!r} from "
                        f"{float(mean):.6g} s to {target:.6g} s (median of the other activities' "
                        "means)"
                    ),
                    "assumptions": list(ACTIVITY_ASSUMPTIONS),
                }
            )
        return rows

    def _group_rows(self, ctx, groups_state) -> list[dict]:
        rows = []
        kpis = ctx.dataset.kpis
        log_found = self._has_log(ctx) and convincing_log(self.spec(ctx))
        for (measure, group), slot in zip(ctx.params["group_pairs"], groups_state, strict=True):
            if kpis.get(measure) != "lower" and not log_found:
                continue  # a process-measure pair on a table that is not an event log
            by = slot.by
            if slot.min is None or slot.min < 0 or len(by) < 2:
                continue
            total_n = sum(v[0] for v in by.values())
            total_s = fixed_fraction(sum(v[1] for v in by.values()))
            total_y = sum(v[2] for v in by.values())
            total_q = sum(v[3] + v[4] for v in by.values())
            if total_s <= 0:
                continue
            means = {g: fixed_fraction(v[1]) / v[0] for g, v in by.items()}
            target = float(np.median(np.array(sorted(float(m) for m in means.values()))))
            for g in sorted(by, key=str):
                n, sx, sy, sp, se = by[g]
                s = fixed_fraction(sx)
                saving = n * (float(means[g]) - target)
                rest_y, rest_q = total_y - sy, total_q - sp - se
                t, df, p = log1p_welch(n, sy, sp + se, total_n - n, rest_y, rest_q)
                pct = 100.0 * saving / float(total_s)
                rows.append(
                    {
                        "kind": "reduce_group_measure",
                        "subject": {"measure": measure, "group_column": group, "group": g},
                        "title": f"{group}={g!r}: bringing mean {measure} to the median of group "
                        f"means would cut its total by {pct:.1f}%",
                        "values": {
                            "rows": n,
                            "group_mean": float(means[g]),
                            "target_mean": target,
                            "group_total": float(s),
                            "share_of_total": float(s / total_s),
                            "measure_total": float(total_s),
                            "modeled_saving": saving,
                            "log1p_mean": _mean(sy, n),
                            "log1p_mean_others": _mean(rest_y, total_n - n),
                            "t_statistic": t,
                            "welch_df": df,
                        },
                        "units": {
                            "rows": "rows",
                            "group_mean": "value",
                            "target_mean": "value",
                            "group_total": "value",
                            "share_of_total": "fraction",
                            "measure_total": "value",
                            "modeled_saving": "value",
                            "log1p_mean": "log1p(value)",
                            "log1p_mean_others": "log1p(value)",
                            "t_statistic": "t",
                            "welch_df": "degrees of freedom",
                        },
                        "p_value": p,
                        "improvement_pct": pct,
                        "columns": [measure, group],
                        "action": (
                            f"Bring the mean {measure} of {group}={g!r} from {float(means[g]):.6g} "
                            f"to {target:.6g} (median of the {len(by)} group means)"
                        ),
                        "assumptions": list(GROUP_ASSUMPTIONS),
                    }
                )
        return rows


@hookimpl
def statharness_analyses():
    return [Recommendations()]
