"""Recommendations with a modeled improvement, and the model's assumptions stated.

``recommendations`` looks at two kinds of data in one dataset:

* an event log (found as in :mod:`._eventlog_columns`): the activities whose time (the
  interval from the previous event of the case to the activity's event: waiting plus
  service when timestamps mark completions) adds most to total case time, with the
  improvement of total case time modeled if the activity's mean were brought to the
  median of the other activities' means;
* numeric-by-group data: a non-negative numeric measure (a cost, a duration) by a
  categorical column with 2..max_groups levels: the groups whose total is highest, with the
  improvement of the measure's total modeled if the group's mean were brought to the
  median of the group means.

A recommendation is reported only when the modeled improvement is >= 1 % and the subject's
mean is significantly above the rest (one-sided Welch t-test, Bonferroni-corrected over
every subject tested, p < 0.001). Sums are exact (integers of timestamp ticks; exact
binary fractions of the measure), so the result does not depend on chunking.
"""

from __future__ import annotations

import math
from fractions import Fraction
from operator import mul

import numpy as np
from scipy import stats

from pytest_statharness import ColumnKind, hookimpl
from pytest_statharness.analysis import Plan
from pytest_statharness.canonical_json import dumps

from ._eventlog_columns import (
    DETECTION_METHOD,
    EventLogBase,
    codes_of,
    detect_decide,
    detect_init,
    detect_merge,
    detect_update,
    detection_columns,
    plan_eventlog,
)
from ._report import bonferroni, cap_each, graded

MIN_IMPROVEMENT_PCT = 1.0
ALPHA = 0.001
GROUP_MIN_ROWS_PER_LEVEL = 10

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


def _fraction(value: int, exponent: int) -> Fraction:
    return Fraction(value << exponent) if exponent >= 0 else Fraction(value, 1 << -exponent)


def exact_group_moments(x: np.ndarray, codes: np.ndarray) -> dict[int, list]:
    """Per code: [count, exact sum, exact sum of squares] as Fractions (binary, exact)."""
    if not x.size:
        return {}
    mant, expo = np.frexp(x)
    ints = (mant * 2.0**53).astype(np.int64)  # x = ints * 2**(expo-53), exactly
    exps = expo.astype(np.int64) - 53
    order = np.lexsort((exps, codes))
    sc, se, si = codes[order], exps[order], ints[order]
    change = np.r_[True, (sc[1:] != sc[:-1]) | (se[1:] != se[:-1]), True]
    bounds = np.flatnonzero(change)
    out: dict[int, list] = {}
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        part = si[s:e].tolist()
        exp = int(se[s])
        slot = out.setdefault(int(sc[s]), [0, Fraction(0), Fraction(0)])
        slot[0] += e - s
        slot[1] += _fraction(sum(part), exp)
        slot[2] += _fraction(sum(map(mul, part, part)), 2 * exp)
    return out


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


class Recommendations(EventLogBase):
    id = "recommendations"
    family = "recommendations"
    title = "Recommendations with modeled improvement"
    requires = (ColumnKind.TIMESTAMP, ColumnKind.NUMERIC)
    features = frozenset({"squares"})
    passes = 2
    method = (
        "Event log (roles as follows) - " + DETECTION_METHOD + " Per activity, the intervals "
        "from the previous event of the case to the activity's events (waiting + service) "
        "are summed exactly; the modeled improvement of total case time (sum of case "
        "throughput times) if the activity's mean interval were brought to the median of the "
        "other activities' means is 100 * n_a * (mean_a - median_peers) / total. Needs a "
        "grouped, time-ordered log. Numeric by group: numeric measures with min >= 0 and a "
        "positive total, by categorical columns with an exact 2..max_groups levels and >= 10 "
        "rows per level (pairs in schema order, capped by max_pairs); modeled improvement "
        "of the measure's total if a group's mean were brought to the median of the group "
        "means: 100 * n_g * (mean_g - median) / total. Reported only when the improvement is "
        ">= 1 % and a one-sided Welch t-test of the subject against all other rows/events "
        "(scipy.stats.ttest_ind_from_stats on exact moments) has Bonferroni-corrected p < "
        "0.001 (correction over every subject tested). Ordered by modeled improvement "
        "descending, ties by subject (canonical JSON); capped by max_findings."
    )
    reference = (
        "Little (1961), Oper. Res. 9(3); van der Aalst (2016), Process Mining: Data Science in "
        "Action; Welch (1947), Biometrika 34(1/2); Dunn (1961), Multiple comparisons among "
        "means, JASA 56(293)"
    )
    access = "streamed; pass 0 log detection + exact group moments, pass 1 case fold"

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
        measures = dataset.columns_of(ColumnKind.NUMERIC)
        groups = [
            c
            for c in dataset.columns_of(ColumnKind.CATEGORICAL)
            if dataset.column(c).distinct_exact
            and 2 <= dataset.column(c).distinct_at_least <= budget.max_groups
            and rows - dataset.column(c).null_count
            >= GROUP_MIN_ROWS_PER_LEVEL * dataset.column(c).distinct_at_least
        ]
        pairs = [[m, g] for m in measures for g in groups]
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

    def spec(self, ctx):
        return ctx.previous[0]["spec"]

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            cols = []
            if self.candidates(ctx) is not None:
                cols = detection_columns(self.candidates(ctx))
            for pair in ctx.params["group_pairs"]:
                cols += [c for c in pair if c not in cols]
            return cols
        return super().columns_for_pass(ctx)

    # -- pass 0: detection + group moments ------------------------------------------------
    def init(self, ctx):
        if ctx.pass_index > 0:
            return super().init(ctx)
        cand = self.candidates(ctx)
        return {
            "detect": detect_init(cand) if cand is not None else None,
            "groups": [{"by": {}, "min": None, "excluded": 0} for _ in ctx.params["group_pairs"]],
        }

    def update(self, state, chunk, ctx):
        if ctx.pass_index > 0:
            return super().update(state, chunk, ctx)
        if state["detect"] is not None:
            detect_update(state["detect"], chunk, self.candidates(ctx))
        cache: dict = {}
        for (measure, group), slot in zip(ctx.params["group_pairs"], state["groups"], strict=True):
            if measure not in cache:
                cache[measure] = chunk.floats(measure)
            if group not in cache:
                cache[group] = codes_of(chunk.column(group))
            x = cache[measure]
            codes, values = cache[group]
            sel = np.isfinite(x) & (codes >= 0)
            slot["excluded"] += int(x.size - sel.sum())
            xs = x[sel]
            if xs.size:
                lo = float(xs.min())
                slot["min"] = lo if slot["min"] is None else min(slot["min"], lo)
            for code, moments in exact_group_moments(xs, codes[sel]).items():
                slot["by"][values[code]] = moments
        return state

    def merge(self, a, b, ctx):
        if ctx.pass_index > 0:
            return super().merge(a, b, ctx)
        if a["detect"] is not None:
            detect_merge(a["detect"], b["detect"], ctx.budget.distinct_cap)
        for x, y in zip(a["groups"], b["groups"], strict=True):
            x["excluded"] += y["excluded"]
            if y["min"] is not None:
                x["min"] = y["min"] if x["min"] is None else min(x["min"], y["min"])
            for g, (n, s, q) in y["by"].items():
                slot = x["by"].get(g)
                x["by"][g] = [n, s, q] if slot is None else [slot[0] + n, slot[1] + s, slot[2] + q]
        return a

    def end_pass(self, state, ctx):
        if ctx.pass_index > 0:
            return super().end_pass(state, ctx)
        spec = {"found": False, "reason": "no event-log candidate columns"}
        if state["detect"] is not None:
            spec = detect_decide(state["detect"], self.candidates(ctx), ctx.dataset)
        return {"spec": spec, "groups": state["groups"]}

    def needs_another_pass(self, ctx):
        if len(ctx.previous) == 1:
            spec = self.spec(ctx)
            return bool(spec.get("found") and spec["grouped"] and spec["time_ordered"])
        return False

    # -- findings -----------------------------------------------------------------------
    def findings(self, ctx):
        candidates = []
        spec = self.spec(ctx)
        activity_rows = []
        if len(ctx.previous) > 1:
            activity_rows = self._activity_rows(ctx, spec, ctx.previous[1]["acc"])
        group_rows = self._group_rows(ctx)
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
        all_s = sum(v[1] for v in acc.wait.values())
        all_q = sum(v[2] for v in acc.wait.values())
        rows = []
        for act in sorted(means, key=str):
            n, s, q = acc.wait[act]
            peers = [float(m) for other, m in means.items() if other != act]
            if not peers:
                continue
            target = float(np.median(np.array(sorted(peers))))
            mean = means[act]
            saving = n * (float(mean) - target)
            t, df, p = welch_greater(
                n,
                Fraction(s, pps),
                Fraction(q, pps * pps),
                all_n - n,
                Fraction(all_s - s, pps),
                Fraction(all_q - q, pps * pps),
            )
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

    def _group_rows(self, ctx) -> list[dict]:
        rows = []
        groups_state = ctx.previous[0]["groups"]
        for (measure, group), slot in zip(ctx.params["group_pairs"], groups_state, strict=True):
            by = slot["by"]
            if slot["min"] is None or slot["min"] < 0 or len(by) < 2:
                continue
            total_n = sum(v[0] for v in by.values())
            total_s = sum((v[1] for v in by.values()), Fraction(0))
            total_q = sum((v[2] for v in by.values()), Fraction(0))
            if total_s <= 0:
                continue
            means = {g: v[1] / v[0] for g, v in by.items()}
            target = float(np.median(np.array(sorted(float(m) for m in means.values()))))
            for g in sorted(by, key=str):
                n, s, q = by[g]
                saving = n * (float(means[g]) - target)
                t, df, p = welch_greater(n, s, q, total_n - n, total_s - s, total_q - q)
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
