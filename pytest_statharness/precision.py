"""Precision policy: how many significant digits of a value a snapshot pins.

The numeric stability rule (docs/architecture.md, "Numeric stability"): every value that
reaches a snapshot is either

- **exact**: an integer, an exact sum, an order statistic, or the correctly rounded result
  of an exact rational (``+ - * /`` and ``sqrt`` of exactly known operands are correctly
  rounded by IEEE 754 on every platform and for any SIMD dispatch); such values are written
  with every digit (shortest round-trip repr); or
- **declared**: its analysis states the number of significant digits it is stable to
  (``Analysis.precision`` for the analysis, ``ctx.finding(precision=...)`` for one
  finding), by value name or by a path into a value (``"top_changes[].psi"``: the key
  ``psi`` of each element of the list value ``top_changes``). That is a value from a scipy special function (p-values, distribution tails),
  an iterative solver, or an elementary transcendental function through the platform's
  libm (``math.log1p`` and friends are not correctly rounded and differ between operating
  systems). The finding's ``evidence.precision`` names the declared values and their
  digits; the snapshot stores those values rounded to that many significant digits;
  report.json keeps full precision.

Nothing is rounded to hide a change: a declared precision is part of the evidence, and the
digits are chosen with a margin of at least three digits over the largest variation
measured between numeric environments (SIMD dispatch on/off, the oldest and newest numpy,
scipy, pandas and pyarrow the bounds allow): 1e-13 relative for the p-values of the
built-in analyses, so they are declared to 8 digits (:data:`PROBABILITY_DIGITS`).

Changing a declaration, a digit count or the rounding rule changes snapshots: that is a
new :data:`PRECISION_POLICY_VERSION`, a deliberate event with a CHANGELOG entry.
"""

from __future__ import annotations

import decimal
import math
from collections.abc import Mapping
from typing import Any

#: The version of the snapshot file layout (1: a bare JSON list of findings; 2: a document
#: with the findings, this version and the precision policy version).
SNAPSHOT_FORMAT_VERSION = 2
#: The version of the rules below (digits of the built-in declarations, rounding rule).
PRECISION_POLICY_VERSION = 1

#: p-values and other probabilities from scipy special functions (distribution tails).
PROBABILITY_DIGITS = 8
#: test statistics and estimates through scipy routines or libm transcendental functions.
STATISTIC_DIGITS = 12

MIN_DIGITS, MAX_DIGITS = 1, 17
#: declared values smaller than this in magnitude are written as 0.0: near and below the
#: subnormal range (2.2e-308) a float has lost significant digits, and scipy releases
#: differ in whether a far tail underflows to 0 or to a subnormal (seen: a p-value of
#: 4.7e-320 with scipy 1.11, 0.0 with scipy 1.17).
TINY = 1e-300


def round_significant(value: Any, digits: int) -> Any:
    """``value`` rounded to ``digits`` significant digits (round half even on the decimal
    expansion of the binary value, by Python's correctly rounded ``format``), as the float
    nearest that decimal (0.0 below :data:`TINY` in magnitude). Non-floats (integers, None, strings) and non-finite floats pass
    unchanged; so do lists (each element rounded)."""
    if isinstance(value, list | tuple):
        return [round_significant(v, digits) for v in value]
    if isinstance(value, bool) or not isinstance(value, float) or not math.isfinite(value):
        return value
    if abs(value) < TINY:
        return 0.0
    return float(f"{value:.{digits - 1}e}")


def check_declaration(precision: Mapping[str, int], where: str) -> None:
    for name, digits in precision.items():
        if not isinstance(digits, int) or not MIN_DIGITS <= digits <= MAX_DIGITS:
            raise ValueError(
                f"{where}: precision of {name!r} must be an integer number of significant "
                f"digits in [{MIN_DIGITS}, {MAX_DIGITS}], got {digits!r}"
            )


def value_name(path: str) -> str:
    """The measurement value a declaration path starts at: ``"psi"`` -> ``"psi"``,
    ``"top_changes[].psi"`` -> ``"top_changes"`` (each element of the list ``top_changes``,
    its key ``psi``)."""
    return path.split("[", 1)[0].split(".", 1)[0]


def declared_for(values: Mapping[str, Any], *declarations: Mapping[str, int] | None) -> dict:
    """The declaration that applies to a finding's values: later declarations win; only
    paths that start at a value of the finding are kept."""
    out: dict[str, int] = {}
    for declaration in declarations:
        for name, digits in (declaration or {}).items():
            if value_name(name) in values:
                out[name] = digits
    return dict(sorted(out.items()))


def _round_path(value: Any, steps: list[str], digits: int) -> Any:
    if not steps:
        return round_significant(value, digits)
    step, rest = steps[0], steps[1:]
    if step == "[]":
        if isinstance(value, list):
            return [_round_path(v, rest, digits) for v in value]
        return value
    if isinstance(value, dict) and step in value:
        return {**value, step: _round_path(value[step], rest, digits)}
    return value


def _steps(path: str) -> list[str]:
    """``"a[].b"`` -> ``["a", "[]", "b"]``."""
    out: list[str] = []
    for part in path.replace("[]", ".[].").split("."):
        if part:
            out.append(part)
    return out


def rounded_finding(finding: dict) -> dict:
    """A copy of ``finding`` whose declared values (``evidence.precision``) are rounded to
    their digits, in ``measurement.values``, ``measurement.intervals`` and
    ``measurement.error_bounds``. Undeclared values are untouched."""
    precision = finding.get("evidence", {}).get("precision")
    if not precision:
        return finding
    measurement = dict(finding["measurement"])
    for part in ("values", "intervals", "error_bounds"):
        if part in measurement:
            rounded = dict(measurement[part])
            for path, digits in precision.items():
                rounded = _round_path(rounded, _steps(path), digits)
            measurement[part] = rounded
    return {**finding, "measurement": measurement}


def movement(old: Any, new: Any, digits: int | None) -> str:
    """How far a value moved, relative to its declared precision (or, for an exact value,
    relative to its magnitude), for the snapshot mismatch message."""
    if not (_is_number(old) and _is_number(new)):
        return ""
    if old == new:
        return ""
    scale = max(abs(old), abs(new))
    rel = abs(new - old) / scale if scale else math.inf
    if digits is None:
        if rel <= 4.5e-16:
            hint = "last-bit change of an exact value: a numeric-environment difference (report it)"
        else:
            hint = "a real change"
        return f"exact value, relative change {rel:.2g}: {hint}"
    # in decimal: the unit of the last declared digit may be below the smallest float
    unit = decimal.Decimal(10) ** (math.floor(math.log10(scale)) - digits + 1)
    units = float(abs(decimal.Decimal(new) - decimal.Decimal(old)) / unit)
    hint = (
        "one unit in the last declared digit: a numeric-environment difference at a rounding "
        "boundary is possible"
        if units <= 1.000001
        else "beyond the declared precision: a real change"
    )
    return (
        f"declared {digits} significant digits, moved {units:.3g} units of the last digit: {hint}"
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
