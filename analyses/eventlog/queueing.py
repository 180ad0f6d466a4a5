"""The ``queueing`` analysis (eventlog family): queueing view of activities: arrival rate,
sojourn, load, Little's law.

One analysis per module so the file tree leads to it; what other eventlog analyses
also use is in ``_common.py``, the family's overview in ``eventlog/__init__.py``.
"""

from __future__ import annotations

from fractions import Fraction

from pytest_statharness import MemoryModel

from ._common import REFERENCE_PM, _capped, _seconds
from .columns import (
    DETECTION_METHOD,
    EventLogBase,
)


class Queueing(EventLogBase):
    id = "queueing"
    memory_model = MemoryModel.PARTITIONED
    memory_note = "the case grouping, when needed, is a copy spilled to the session's folder by case-rank partitions (peak: one partition); the fold keeps per-activity and per-resource sums (up to max_groups) and a Misra-Gries summary of max_groups variants"
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
