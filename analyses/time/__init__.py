"""The time family: per-day / per-hour series of one timestamp column and what they show.

All five analyses make one streamed pass with ``_shared.series.SeriesAccumulator`` over the
first timestamp column that has values (others are listed in ``left_out``): row counts
per calendar day and per calendar hour, exact sums (hence exact means) of every numeric
column per day and per hour, and day-of-week / hour-of-day row counts over all rows.
Days and hours are taken in the column's wall-clock time (its own time zone when it has
one). The bucket maps keep the latest ``max_windows`` days / hours: rows before the
window are counted and stated (``rows_outside_window``), never sampled.

* ``time_series`` — summary of the daily and hourly series (buckets, busiest day and
  hour, empty days...) and of each numeric column's daily means.
* ``changepoints`` — level shifts in the daily count series and daily mean series:
  optimal partitioning (the exact minimiser of the penalised l2 cost PELT minimises) with
  a BIC-like penalty, each change confirmed by a Mann–Whitney U test. A numeric column is
  searched on its daily means of ``log_modulus(x)`` (exact per-day sums, a second sum per
  day in the same pass), which heavy tails cannot dominate; its reported levels remain
  the means of the daily means of the values themselves.
* ``seasonality`` — day-of-week and hour-of-day effects on counts (chi-square goodness of
  fit against the time each weekday/hour was observed) and on means (Kruskal–Wallis).
* ``trend`` — Mann–Kendall monotonic trend (Kendall's tau against time) with the
  Theil–Sen slope, on the daily count series and daily mean series.
* ``unusual_days`` — single days far off their weekday's level (the median of the same
  weekday in the weeks before or after), by a robust z of the departures: holidays, a
  partial load, a day's feed error.

Finding order: per analysis, the row-count series first, then numeric columns in column
order; within a series as documented on each analysis. At most ``max_findings``.

One module per analysis, named by its id (``<id>.py``); what more than one of them uses
is in ``_common.py``. The ``time_series`` entry point registers these five; ``gaps``
(same family, same folder) keeps its own entry point ``gaps``, and so does
``panel_trends`` (trends within the units of a panel: per-unit exact moment sums, not the
per-day series above).
"""

from pytest_statharness import hookimpl

from .changepoints import Changepoints
from .seasonality import Seasonality
from .time_series import TimeSeries
from .trend import Trend
from .unusual_days import UnusualDays


@hookimpl
def statharness_analyses():
    return [TimeSeries(), Changepoints(), Seasonality(), Trend(), UnusualDays()]
