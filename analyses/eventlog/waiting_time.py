"""The ``waiting_time`` analysis (eventlog family): waiting time before each activity.

One analysis per module so the file tree leads to it; what other eventlog analyses
also use is in ``_common.py``, the family's overview in ``eventlog/__init__.py``.
"""

from __future__ import annotations

from fractions import Fraction

from pytest_statharness import MemoryModel

from .._shared.report import share
from ._common import REFERENCE_PM, REFERENCE_Q, _capped
from .columns import (
    DETECTION_METHOD,
    EventLogBase,
    mean_seconds,
    wait_name,
)


class WaitingTime(EventLogBase):
    id = "waiting_time"
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the case grouping, when needed, is a copy spilled to the session's folder by case-rank partitions (peak: one partition); the fold keeps per-activity and per-resource sums (up to max_groups) and a Misra-Gries summary of max_groups variants"
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
