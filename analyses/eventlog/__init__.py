"""Event-log (process mining) analyses over a case / activity / timestamp log.

How the log is found and streamed is in ``columns.py`` (pass 0 detects the
columns and checks that the log is grouped by case and in time order; pass 1 folds cases
across chunk boundaries; further passes select exact quantiles).

* ``eventlog_overview`` — cases, events, activity counts, events per case, top variants.
* ``case_throughput`` — throughput time per case (last - first timestamp), exact quantiles.
* ``rework`` — cases in which an activity occurs more than once.
* ``waiting_time`` — time since the previous event of the same case, per activity.
* ``resource_load`` — events, cases and busy time per resource.
* ``queueing`` — per activity arrival rate, sojourn time, time-average load, Little's law.

One module per analysis, named by its id (``<id>.py``); what more than one of them uses
is in ``_common.py``. The ``eventlog`` entry point registers all six. ``columns.py`` is
shared with ``recommendations``, which builds on the same detection and case fold.
"""

from pytest_statharness import hookimpl

from .case_throughput import CaseThroughput
from .eventlog_overview import EventlogOverview
from .queueing import Queueing
from .resource_load import ResourceLoad
from .rework import Rework
from .waiting_time import WaitingTime

ANALYSES = [EventlogOverview, CaseThroughput, Rework, WaitingTime, ResourceLoad, Queueing]


@hookimpl
def statharness_analyses():
    return [cls() for cls in ANALYSES]
