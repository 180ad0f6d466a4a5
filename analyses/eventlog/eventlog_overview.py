"""The ``eventlog_overview`` analysis (eventlog family): event log overview: cases, activities,
variants.

One analysis per module so the file tree leads to it; what other eventlog analyses
also use is in ``_common.py``, the family's overview in ``eventlog/__init__.py``.
"""

from __future__ import annotations

from fractions import Fraction

from pytest_statharness import MemoryModel

from .._shared.report import share
from ._common import REFERENCE_PM, REFERENCE_Q
from .columns import (
    DETECTION_METHOD,
    EventLogBase,
)

TOP_VARIANTS = 10


def _confidence_note(spec: dict) -> str:
    detection = spec.get("detection") or {}
    if detection.get("basis") == "inferred":
        return f" (inferred as an event log, confidence {detection['confidence']:.2f})"
    return ""


class EventlogOverview(EventLogBase):
    id = "eventlog_overview"
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the case grouping, when needed, is a copy spilled to the session's folder by case-rank partitions (peak: one partition); the fold keeps per-activity and per-resource sums (up to max_groups) and a Misra-Gries summary of max_groups variants"
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
