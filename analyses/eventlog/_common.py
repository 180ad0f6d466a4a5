"""What more than one event-log analysis uses beyond ``columns.py``: the method
references cited by several analyses, tick-to-seconds conversion and the finding cap.

Kept apart so each analysis module holds only its own code. Nothing here is registered.
"""

from __future__ import annotations

from .._shared.report import cap_each
from .columns import (
    one_second_value,
)

REFERENCE_PM = "van der Aalst (2016), Process Mining: Data Science in Action, 2nd ed., Springer"
REFERENCE_Q = "Hyndman & Fan (1996), Sample Quantiles in Statistical Packages, Am. Stat. 50(4)"


def _seconds(ticks, per_second) -> float | None:
    return None if ticks is None else one_second_value(ticks, per_second)


def _capped(ctx, findings: list[dict], leading: int = 0) -> list[dict]:
    """Cap per-subject findings by max_findings, saying how many were left out."""
    return cap_each(ctx, findings, key="left_out_by_max_findings", skip=leading)
