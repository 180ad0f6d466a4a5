"""The ``rework`` analysis (eventlog family): rework: activities repeated within a case.

One analysis per module so the file tree leads to it; what other eventlog analyses
also use is in ``_common.py``, the family's overview in ``eventlog/__init__.py``.
"""

from __future__ import annotations

from pytest_statharness import MemoryModel

from .._shared.report import share
from ._common import REFERENCE_PM, _capped
from .columns import (
    DETECTION_METHOD,
    EventLogBase,
)


class Rework(EventLogBase):
    id = "rework"
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the case grouping, when needed, is a copy spilled to the session's folder by case-rank partitions (peak: one partition); the fold keeps per-activity and per-resource sums (up to max_groups) and a Misra-Gries summary of max_groups variants"
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
