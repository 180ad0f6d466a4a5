"""The ``resource_load`` analysis (eventlog family): resource load: events, cases and busy time
per resource.

One analysis per module so the file tree leads to it; what other eventlog analyses
also use is in ``_common.py``, the family's overview in ``eventlog/__init__.py``.
"""

from __future__ import annotations

from fractions import Fraction

from pytest_statharness import MemoryModel

from .._shared.report import share
from ._common import REFERENCE_PM, _capped, _seconds
from .columns import (
    DETECTION_METHOD,
    EventLogBase,
)


class ResourceLoad(EventLogBase):
    id = "resource_load"
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the case grouping, when needed, is a copy spilled to the session's folder by case-rank partitions (peak: one partition); the fold keeps per-activity and per-resource sums (up to max_groups) and a Misra-Gries summary of max_groups variants"
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
