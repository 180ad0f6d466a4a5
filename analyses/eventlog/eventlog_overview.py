"""Event-log (process mining) analyses over a case / activity / timestamp log.

How the log is found and streamed is in :mod:`._eventlog_columns` (pass 0 detects the
columns and checks that the log is grouped by case and in time order; pass 1 folds cases
across chunk boundaries; further passes select exact quantiles).

* ``eventlog_overview`` — cases, events, activity counts, events per case, top variants.
* ``case_throughput`` — throughput time per case (last - first timestamp), exact quantiles.
* ``rework`` — cases in which an activity occurs more than once.
* ``waiting_time`` — time since the previous event of the same case, per activity.
* ``resource_load`` — events, cases and busy time per resource.
* ``queueing`` — per activity arrival rate, sojourn time, time-average load, Little's law.
"""

from __future__ import annotations

from fractions import Fraction

from pytest_statharness import hookimpl

from ._eventlog_columns import (
    DETECTION_METHOD,
    EventLogBase,
    mean_seconds,
    one_second_value,
    wait_name,
)
from ._report import cap_each, share

REFERENCE_PM = "van der Aalst (2016), Process Mining: Data Science in Action, 2nd ed., Springer"
REFERENCE_Q = "Hyndman & Fan (1996), Sample Quantiles in Statistical Packages, Am. Stat. 50(4)"
TOP_VARIANTS = 10


def _seconds(ticks, per_second) -> float | None:
    return None if ticks is None else one_second_value(ticks, per_second)


def _capped(ctx, findings: list[dict], leading: int = 0) -> list[dict]:
    """Cap per-subject findings by max_findings, saying how many were left out."""
    return cap_each(ctx, findings, key="left_out_by_max_findings", skip=leading)


def _confidence_note(spec: dict) -> str:
    detection = spec.get("detection") or {}
    if detection.get("basis") == "inferred":
        return f" (inferred as an event log, confidence {detection['confidence']:.2f})"
    return ""


class EventlogOverview(EventLogBase):
    id = "eventlog_overview"
    title = "Event log overview: cases, activities, variants"
    features = frozenset({"variants"})
    case_quantiles = {"case_len": (0.5,)}
    method = (
        DETECTION_METHOD
        + " Reports cases (runs of the case column), events, exact events per activity, "
        "events per case (min, exact median by numpy's linear quantile, max, mean) and the "
        "top 10 variants (activity sequence of a case, in row order) by exact case count, "
        "ties by the variant string 'A > B > C'. Variant candidates come from a Misra-Gries "
        "summary with max_groups counters over cases in row order, then are counted exactly "
        "in a second pass: the top 10 is exact whenever the 10th count exceeds "
        "cases/(max_groups+1) (parameter top_variants_exact). Variants need a grouped, "
        "time-ordered log; otherwise a log_not_grouped_by_case / log_not_in_time_order "
        "finding (severity medium) says what was not computed."
    )
    reference = (
        f"{REFERENCE_PM}; Misra & Gries (1982), Finding repeated elements, Sci. Comput. "
        f"Program. 2(2); {REFERENCE_Q}"
    )
    access = (
        "streamed; pass 0 detection, pass 1 case fold, 1-5 passes exact median + variant recount"
    )

    def report(self, ctx, spec, acc):
        grouped = spec["per_case"]
        sequenced = spec["per_event"]
        if grouped:
            cases = acc.cases
        else:
            cases = spec["distinct_cases"] if spec["grouping_verified"] else None
        median = self.quantiles(ctx, "case_len", (0.5,))[0.5] if grouped else None
        activity_events = dict(sorted(acc.act_events.items(), key=lambda kv: (-kv[1], kv[0])))
        values = {
            "cases": cases,
            "events": acc.events,
            "skipped_rows": acc.skipped,
            "activities": len(acc.act_events),
            "activity_events": activity_events,
            "events_per_case_min": acc.len_min if grouped else None,
            "events_per_case_median": median,
            "events_per_case_max": acc.len_max if grouped else None,
            "events_per_case_mean": (
                float(Fraction(acc.len_sum, acc.cases)) if grouped and acc.cases else None
            ),
            "grouped_by_case": spec["grouped"],
            "reappearing_cases": spec["reappearing_cases"],
            "reappearing_runs": spec["reappearing_runs"],
            "reappearing_rows": spec["reappearing_rows"],
            "time_order_violations": spec["time_order_violations"],
            "top_variants": None,
        }
        params = {}
        if sequenced:
            counts, other, mg_only = self.variant_counts(ctx)
            ranked = sorted(
                ((" > ".join(map(str, seq)), seq, n) for seq, n in counts.items() if n),
                key=lambda item: (-item[2], item[0]),
            )
            top = ranked[:TOP_VARIANTS]
            values["top_variants"] = [
                {
                    "variant": text,
                    "activities": list(seq),
                    "cases": n,
                    "share": share(n, acc.cases),
                }
                for text, seq, n in top
            ]
            threshold = acc.cases // (ctx.budget.max_groups + 1)
            exact_top = mg_only or (
                len(top) == TOP_VARIANTS and all(n > threshold for _, _, n in top)
            )
            params = {
                "variant_counters": ctx.budget.max_groups,
                "variants_all_counted": mg_only,
                "variants_exact_above_cases": None if mg_only else threshold,
                "top_variants_exact": exact_top,
            }
            if not mg_only:
                params["cases_in_untracked_variants"] = other
        units = {
            "cases": "cases",
            "events": "events",
            "skipped_rows": "rows",
            "activities": "activities",
            "activity_events": "events",
            "events_per_case_min": "events",
            "events_per_case_median": "events",
            "events_per_case_max": "events",
            "events_per_case_mean": "events",
            "grouped_by_case": "boolean",
            "reappearing_cases": "cases",
            "reappearing_runs": "runs",
            "reappearing_rows": "rows",
            "time_order_violations": "steps",
            "top_variants": "cases",
        }
        out = [
            ctx.finding(
                kind="eventlog_summary",
                title=(
                    f"Event log: {cases if cases is not None else '?'} cases, {acc.events} "
                    f"events, {len(acc.act_events)} activities" + _confidence_note(spec)
                ),
                subject={
                    "case": spec["case"],
                    "activity": spec["activity"],
                    "timestamp": spec["timestamp"],
                },
                values=values,
                units=units,
                columns=self.log_columns(ctx),
                parameters=self.parameters(ctx, **params),
            )
        ]
        notes = self.structure_notes(ctx, "event", "variants and events per case")
        if grouped and not sequenced and spec["grouping_tolerated"]:
            notes = self.structure_notes(ctx, "case", "events per case") + notes
        return out + notes


class CaseThroughput(EventLogBase):
    id = "case_throughput"
    title = "Case throughput time"
    case_quantiles = {"throughput": (0.5, 0.9, 0.99)}
    method = (
        DETECTION_METHOD
        + " Throughput time of a case = its latest minus its earliest timestamp, in seconds "
        "(ticks / ticks-per-second, as pandas' total_seconds). Reports cases, mean (from an "
        "exact integer sum of ticks), min, max and p50/p90/p99 by numpy's linear quantile "
        "from exact order statistics (multi-pass radix selection over the per-case values, "
        "which the case fold produces again in every pass). Needs a log grouped by case."
    )
    reference = f"{REFERENCE_PM}; {REFERENCE_Q}"
    access = "streamed; pass 0 detection, pass 1 case fold, 1-4 selection passes"

    def report(self, ctx, spec, acc):
        notes = self.structure_notes(ctx, "case", "case throughput")
        if not spec["per_case"]:
            return notes
        pps = acc.per_second or 1
        q = self.quantiles(ctx, "throughput", (0.5, 0.9, 0.99))
        values = {
            "cases": acc.cases,
            "mean_s": mean_seconds(acc.tp_sum, acc.cases, pps),
            "min_s": _seconds(acc.tp_min, pps),
            "p50_s": q[0.5],
            "p90_s": q[0.9],
            "p99_s": q[0.99],
            "max_s": _seconds(acc.tp_max, pps),
            "total_s": float(Fraction(acc.tp_sum, pps)) if acc.cases else None,
        }
        units = {k: ("cases" if k == "cases" else "s") for k in values}
        return notes + [
            ctx.finding(
                kind="case_throughput",
                title=f"Case throughput time over {acc.cases} cases",
                subject={"case": spec["case"], "timestamp": spec["timestamp"]},
                values=values,
                units=units,
                columns=self.log_columns(ctx),
                parameters=self.parameters(ctx, quantile_method="linear (numpy default)"),
            )
        ]


class Rework(EventLogBase):
    id = "rework"
    title = "Rework: activities repeated within a case"
    features = frozenset({"rework"})
    method = (
        DETECTION_METHOD
        + " A case has rework when some activity occurs in it more than once. Reports the "
        "cases with rework and their share of cases, then per repeated activity the cases in "
        "which it repeats, their share of cases and the repeat events (occurrences beyond the "
        "first), ordered by cases descending, ties by activity; capped by max_findings. "
        "Needs a log grouped by case. Exact counts."
    )
    reference = REFERENCE_PM
    access = "streamed; pass 0 detection, pass 1 case fold"

    def report(self, ctx, spec, acc):
        notes = self.structure_notes(ctx, "case", "rework")
        if not spec["per_case"]:
            return notes
        subject = {"case": spec["case"], "activity": spec["activity"]}
        extra = sum(v[1] for v in acc.rework.values())
        out = [
            ctx.finding(
                kind="rework_summary",
                title=(f"{acc.rework_cases} of {acc.cases} cases repeat an activity"),
                subject=subject,
                values={
                    "cases": acc.cases,
                    "cases_with_rework": acc.rework_cases,
                    "share_of_cases": share(acc.rework_cases, acc.cases),
                    "repeat_events": extra,
                    "repeated_activities": len(acc.rework),
                },
                units={
                    "cases": "cases",
                    "cases_with_rework": "cases",
                    "share_of_cases": "fraction",
                    "repeat_events": "events",
                    "repeated_activities": "activities",
                },
                columns=self.log_columns(ctx),
                parameters=self.parameters(ctx),
            )
        ]
        ranked = sorted(acc.rework.items(), key=lambda kv: (-kv[1][0], kv[0]))
        for act, (cases, repeats) in ranked:
            out.append(
                ctx.finding(
                    kind="activity_rework",
                    title=f"Activity {act!r} repeats within {cases} cases",
                    subject={**subject, "value": act},
                    values={
                        "cases_with_repeat": cases,
                        "share_of_cases": share(cases, acc.cases),
                        "repeat_events": repeats,
                    },
                    units={
                        "cases_with_repeat": "cases",
                        "share_of_cases": "fraction",
                        "repeat_events": "events",
                    },
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(ctx),
                )
            )
        return notes + _capped(ctx, out, leading=1)


class WaitingTime(EventLogBase):
    id = "waiting_time"
    title = "Waiting time before each activity"
    wait_quantiles = (0.5, 0.9)
    method = (
        DETECTION_METHOD
        + " Waiting time before an event = its timestamp minus the previous event's of the "
        "same case, in seconds (the first event of a case has none). Per activity: count, "
        "mean (exact integer sum of ticks), median and p90 (numpy's linear quantile from exact "
        "order statistics by multi-pass radix selection), max, total and share of all waiting "
        "time. Findings ordered by total waiting time descending, ties by activity; capped by "
        "max_findings. Needs a grouped, time-ordered log."
    )
    reference = f"{REFERENCE_PM}; {REFERENCE_Q}"
    access = "streamed; pass 0 detection, pass 1 case fold, 1-4 selection passes"

    def report(self, ctx, spec, acc):
        notes = self.structure_notes(ctx, "event", "waiting times")
        if not spec["per_event"]:
            return notes
        pps = acc.per_second or 1
        grand = sum(v[1] for v in acc.wait.values())
        rows = [(act, v) for act, v in acc.wait.items() if v[0]]
        rows.sort(key=lambda item: (-Fraction(item[1][1], pps), item[0]))
        out = []
        for act, (count, total, _) in rows:
            q = self.quantiles(ctx, wait_name(act), self.wait_quantiles)
            out.append(
                ctx.finding(
                    kind="activity_waiting_time",
                    title=f"Waiting time before {act!r}",
                    subject={"activity_column": spec["activity"], "activity": act},
                    values={
                        "count": count,
                        "mean_s": mean_seconds(total, count, pps),
                        "median_s": q[0.5],
                        "p90_s": q[0.9],
                        "total_s": float(Fraction(total, pps)),
                        "share_of_waiting": share(total, grand),
                    },
                    units={
                        "count": "events",
                        "mean_s": "s",
                        "median_s": "s",
                        "p90_s": "s",
                        "total_s": "s",
                        "share_of_waiting": "fraction",
                    },
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(ctx, quantile_method="linear (numpy default)"),
                )
            )
        if not out:
            out.append(
                ctx.finding(
                    kind="no_waiting_times",
                    title="No event has a previous event in its case: no waiting time",
                    subject={"activity_column": spec["activity"]},
                    values={"events": acc.events, "cases": acc.cases},
                    units={"events": "events", "cases": "cases"},
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(ctx),
                )
            )
        return notes + _capped(ctx, out)


class ResourceLoad(EventLogBase):
    id = "resource_load"
    title = "Resource load: events, cases and busy time per resource"
    features = frozenset({"res_cases"})
    use_resource = True
    use_duration = True
    require_resource = True
    method = (
        DETECTION_METHOD
        + " Per resource: events, share of events (events with a resource), distinct cases "
        "(grouped log only), and when the dataset has a duration-typed column (the only "
        "column taken as a service time; numeric columns are never guessed to be durations) "
        "busy time = exact sum of durations and utilisation = busy time / observed span "
        "(first to last timestamp of the log, one server per resource). Ordered by events "
        "descending, ties by resource; resources are at most max_groups (resource columns "
        "with more values are not used); findings capped by max_findings."
    )
    reference = REFERENCE_PM
    access = "streamed; pass 0 detection, pass 1 case fold"

    def report(self, ctx, spec, acc):
        if not spec.get("resource"):
            return [
                ctx.finding(
                    kind="no_resource_column",
                    title="No resource column varies within cases: resource load not computed",
                    subject={"case": spec["case"]},
                    values={"events": acc.events},
                    units={"events": "events"},
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(ctx),
                )
            ]
        pps = acc.per_second or 1
        span = (acc.max_ts - acc.min_ts) if acc.events else 0
        with_res = acc.events - acc.res_null
        dps = acc.dur_per_second
        ranked = sorted(acc.res_events.items(), key=lambda kv: (-kv[1], str(kv[0])))
        out = []
        for res, events in ranked:
            busy = acc.res_busy.get(res)
            busy_s = float(Fraction(busy[1], dps)) if busy and dps else None
            values = {
                "events": events,
                "share_of_events": share(events, with_res),
                "cases": acc.res_cases.get(res, 0) if spec["per_case"] else None,
                "busy_time_s": busy_s,
                "busy_events": busy[0] if busy else 0,
                "utilisation": (
                    float(Fraction(busy[1], dps) / Fraction(span, pps))
                    if busy and dps and span
                    else None
                ),
            }
            out.append(
                ctx.finding(
                    kind="resource_load",
                    title=f"Resource {res!r}: {events} events",
                    subject={"resource_column": spec["resource"], "resource": res},
                    values=values,
                    units={
                        "events": "events",
                        "share_of_events": "fraction",
                        "cases": "cases",
                        "busy_time_s": "s",
                        "busy_events": "events",
                        "utilisation": "fraction",
                    },
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(
                        ctx,
                        events_without_resource=acc.res_null,
                        span_s=_seconds(span, pps) if acc.events else None,
                    ),
                )
            )
        if not out:
            out.append(
                ctx.finding(
                    kind="resource_load",
                    title="No event has a resource",
                    subject={"resource_column": spec["resource"], "resource": None},
                    values={"events": 0, "share_of_events": None},
                    units={"events": "events", "share_of_events": "fraction"},
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(ctx, events_without_resource=acc.res_null),
                )
            )
        notes = self.structure_notes(ctx, "case", "cases per resource")
        return (notes if spec["per_case"] else []) + _capped(ctx, out)


class Queueing(EventLogBase):
    id = "queueing"
    title = "Queueing view of activities: arrival rate, sojourn, load, Little's law"
    use_resource = True
    use_duration = True
    method = (
        DETECTION_METHOD
        + " Per activity over the observed span T (first to last timestamp of the log): "
        "arrival rate lambda = events / T (per hour); sojourn W = mean time since the "
        "previous event of the case (events with one); L = time-average number of cases "
        "between their previous event and an event of this activity, by exact integration "
        "of that count over T (= total sojourn / T); Little's law ratio L / (lambda W), which "
        "equals the share of the activity's events that have a measured sojourn (1 when the "
        "activity never starts a case). With a duration-typed column: offered load = total "
        "service time / T (Erlangs), servers = distinct resources seen on the activity, "
        "utilisation = offered load / servers. Ordered by L descending, ties by activity; "
        "capped by max_findings. W and L need a grouped, time-ordered log."
    )
    reference = (
        "Little (1961), A proof for the queuing formula L = lambda W, Oper. Res. 9(3); "
        + REFERENCE_PM
    )
    access = "streamed; pass 0 detection, pass 1 case fold"

    def report(self, ctx, spec, acc):
        valid = spec["per_event"]
        pps = acc.per_second or 1
        span = (acc.max_ts - acc.min_ts) if acc.events else 0
        dps = acc.dur_per_second
        rows = []
        for act, events in acc.act_events.items():
            count, total, _ = acc.wait.get(act, (0, 0, 0))
            lam = Fraction(events * pps, span) if span else None  # per second
            w = Fraction(total, count * pps) if valid and count else None
            big_l = Fraction(total, span) if valid and span else None
            ratio = big_l / (lam * w) if big_l is not None and lam and w else None
            service = acc.service.get(act)
            offered = Fraction(service[1] * pps, dps * span) if service and dps and span else None
            servers = len(acc.act_res.get(act, ())) if spec.get("resource") else None
            util = offered / servers if offered is not None and servers else None
            values = {
                "events": events,
                "arrival_rate_per_hour": float(lam * 3600) if lam is not None else None,
                "mean_sojourn_s": float(w) if w is not None else None,
                "time_average_in_activity": float(big_l) if big_l is not None else None,
                "littles_law_ratio": float(ratio) if ratio is not None else None,
                "offered_load": float(offered) if offered is not None else None,
                "servers": servers,
                "utilisation": float(util) if util is not None else None,
            }
            rows.append((big_l, act, values))
        rows.sort(key=lambda r: (r[0] is None, -(r[0] or 0), r[1]))
        units = {
            "events": "events",
            "arrival_rate_per_hour": "events/h",
            "mean_sojourn_s": "s",
            "time_average_in_activity": "cases",
            "littles_law_ratio": "ratio",
            "offered_load": "erlang",
            "servers": "resources",
            "utilisation": "fraction",
        }
        out = [
            ctx.finding(
                kind="activity_queueing",
                title=f"Queueing at {act!r}",
                subject={"activity_column": spec["activity"], "activity": act},
                values=values,
                units=units,
                columns=self.log_columns(ctx),
                parameters=self.parameters(ctx, span_s=_seconds(span, pps) if span else None),
            )
            for _, act, values in rows
        ]
        out = self.structure_notes(ctx, "event", "sojourn times, L and Little's law") + _capped(
            ctx, out
        )
        if not out:
            out.append(
                ctx.finding(
                    kind="activity_queueing",
                    title="No events: nothing to queue",
                    subject={"activity_column": spec["activity"], "activity": None},
                    values={"events": 0},
                    units={"events": "events"},
                    columns=self.log_columns(ctx),
                    parameters=self.parameters(ctx),
                )
            )
        return out


ANALYSES = [EventlogOverview, CaseThroughput, Rework, WaitingTime, ResourceLoad, Queueing]


@hookimpl
def statharness_analyses():
    return [cls() for cls in ANALYSES]
