"""Reporting conventions shared by the built-in analyses: caps, cuts and severity bands.

* :func:`plan_within_findings` — a plan keeping at most ``min(max_columns, max_findings -
  reserved)`` columns, for analyses that report one finding per column (plus ``reserved``
  summaries); the columns left out and the cap that left them out go in ``left_out``.
* :func:`cap_findings` — keep at most ``max_findings`` findings, a summary last; the summary
  (or else the last finding kept) says what was cut in ``parameters.findings_left_out``
  (``{"count", "cap", "subjects"}``).
* :func:`cap_each` — keep at most ``max_findings`` findings; every finding kept (after the
  first ``skip``) states how many were cut, as an integer under a parameter ``key``.
* :func:`graded` — a severity (or any label) from descending ``(threshold, label)`` bands.
* :func:`bonferroni` — a Bonferroni-adjusted p-value, ``min(1, p * tests)``.
* :func:`share` — ``part / whole``, None when ``whole`` is 0.
"""

from __future__ import annotations

from collections.abc import Sequence

from pytest_statharness import Plan


def plan_within_findings(
    columns: Sequence[str],
    budget,
    *,
    reserved: int = 0,
    minimum: int = 0,
    params: dict | None = None,
) -> Plan | None:
    """Plan ``columns`` (None when there is none) within ``max_columns`` and
    ``max_findings - reserved``, and at least ``minimum`` of them."""
    if not columns:
        return None
    room = budget.max_findings - reserved
    limit = max(min(budget.max_columns, room), minimum)
    cap = "max_columns" if budget.max_columns <= room else "max_findings"
    kept, left = list(columns[:limit]), list(columns[limit:])
    return Plan(tuple(kept), dict(params or {}), {"columns": left, "cap": cap} if left else {})


def cap_findings(ctx, detections: list[dict], summary: dict | None = None) -> list[dict]:
    """Keep at most ``max_findings`` findings (the summary last); record what was cut."""
    cap = max(ctx.budget.max_findings - (1 if summary is not None else 0), 0)
    kept = detections[:cap]
    note = {
        "count": len(detections) - cap,
        "cap": "max_findings",
        "subjects": [f["subject"] for f in detections[cap:]],
    }
    if summary is not None:
        kept.append(summary)
    if len(detections) > cap and kept:
        # the summary (or else the last finding kept) says what the cap left out
        kept[-1]["evidence"]["parameters"]["findings_left_out"] = note
    return kept


def cap_each(
    ctx, findings: list[dict], *, key: str = "findings_left_out", skip: int = 0
) -> list[dict]:
    """Keep the first ``max_findings``; each kept finding after the first ``skip`` gets
    ``parameters[key]`` = how many were left out (nothing is added when none is)."""
    cap = ctx.budget.max_findings
    if len(findings) <= cap:
        return findings
    kept = findings[:cap]
    for f in kept[skip:]:
        f["evidence"]["parameters"][key] = len(findings) - cap
    return kept


def medium_members(findings: list[dict], kind: str, minimum: int) -> list[dict]:
    """The medium findings of ``kind`` when there are ``minimum`` or more of them (one fact
    said by many columns: constant columns of one site, padded labels of one export),
    else []."""
    members = [f for f in findings if f["kind"] == kind and f["severity"] == "medium"]
    return members if len(members) >= minimum else []


def said_once(members: list[dict], rule: str) -> None:
    """Make each member low, citing the rule of the one finding that says them all."""
    for f in members:
        f["severity"] = "low"
        f["evidence"]["parameters"]["severity_capped"] = rule


def graded(value, bands: Sequence[tuple[float, str]], default: str) -> str:
    """The label of the first ``(threshold, label)`` band with ``value >= threshold``
    (bands in descending order of threshold), else ``default``."""
    for threshold, label in bands:
        if value >= threshold:
            return label
    return default


def bonferroni(p: float, tests: int) -> float:
    """Bonferroni-adjusted p-value over ``tests`` tests: ``min(1, p * tests)``."""
    return min(1.0, p * tests)


def share(part, whole) -> float | None:
    return part / whole if whole else None


def named(names: Sequence[str], shown: int = 4) -> str:
    """Names for a title: the first ``shown`` quoted, then how many more."""
    more = f" and {len(names) - shown} more" if len(names) > shown else ""
    return ", ".join(repr(n) for n in names[:shown]) + more


__all__ = [
    "bonferroni",
    "cap_each",
    "cap_findings",
    "graded",
    "named",
    "plan_within_findings",
    "share",
]


#: a relation seen on fewer rows than this, and under SLIVER_SHARE of the table, rests on a
#: sliver of it (a column missing nearly everywhere)
SLIVER_MAX_ROWS = 30
SLIVER_SHARE = 0.05


def sliver(rows: int, table_rows: int) -> bool:
    """Whether a relation measured on ``rows`` of ``table_rows`` rests on a sliver of the
    table: planes' speed, known for 23 of 3,322 planes (all small piston planes), gave
    'seats and speed r 0.97' and 'speed across engine' at medium, about those 23 only."""
    return 0 < rows < SLIVER_MAX_ROWS and rows < SLIVER_SHARE * table_rows


def sliver_rule(rows: int, table_rows: int) -> str:
    return (
        f"seen on {rows} of {table_rows:,} rows only (fewer than {SLIVER_MAX_ROWS} and under "
        f"{SLIVER_SHARE:.0%}: a column missing nearly everywhere, which missingness reports): "
        "a relation of those few rows, not of the table; severity at most low"
    )
