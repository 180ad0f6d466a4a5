"""Totals of units of every size: a population, a state's output, a district's enrolment.

Why: in a table whose rows are units of very different size (states, firms, school
districts), every total grows with the unit. Two totals then correlate near 1 (population
and population over 16; enrolment and teachers) and differ enormously between the units,
whatever else is true: the size of the unit, which nobody acts on, not an effect. An
analyst compares such columns per unit (per capita, per pupil) instead. Told from the data
alone: positive values spanning at least SIZE_SPAN (20) fold (a count that is 0 in the
smallest units: its largest value, the smallest positive count being at least 1).
"""

from __future__ import annotations

from pytest_statharness import ColumnRole

#: a quantity whose largest value is at least this many times its smallest (positive) one
#: spans the sizes of its units
SIZE_SPAN = 20.0


def size_span(info) -> float | None:
    """max / min of a column whose values are all positive (max / 1 for a count that is
    0 somewhere), else None."""
    bounds = getattr(info, "value_range", None)
    if not bounds:
        return None
    lo, hi = bounds
    if lo is None or hi is None:
        return None
    if lo == 0 and getattr(info, "role", None) == ColumnRole.COUNT:
        # a count of events per unit is 0 in the smallest units (a county's cancer deaths):
        # its smallest positive value is at least 1
        return float(hi) if hi >= 1 else None
    if not lo > 0:
        return None
    return hi / lo


def scales_with_size(info) -> bool:
    span = size_span(info)
    return span is not None and span >= SIZE_SPAN


def size_rule_text(columns: list[str], spans: list[float]) -> str:
    parts = ", ".join(f"{c!r} x{s:,.0f}" for c, s in zip(columns, spans, strict=True))
    grow = "it grows" if len(columns) == 1 else "they grow"
    return (
        f"totals of units of every size (largest / smallest value: {parts}): {grow} with "
        "the unit's size whatever else is true; severity at most low (compare them per unit)"
    )
