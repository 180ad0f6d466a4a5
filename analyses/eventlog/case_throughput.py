"""The ``case_throughput`` analysis (eventlog family): case throughput time.

One analysis per module so the file tree leads to it; what other eventlog analyses
also use is in ``_common.py``, the family's overview in ``eventlog/__init__.py``.
"""

from __future__ import annotations

from fractions import Fraction

from pytest_statharness import MemoryModel

from ._common import REFERENCE_PM, REFERENCE_Q, _seconds
from .columns import (
    DETECTION_METHOD,
    EventLogBase,
    mean_seconds,
)


class CaseThroughput(EventLogBase):
    id = "case_throughput"
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the case grouping, when needed, is a copy spilled to the session's folder by case-rank partitions (peak: one partition); the fold keeps per-activity and per-resource sums (up to max_groups) and a Misra-Gries summary of max_groups variants"
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
