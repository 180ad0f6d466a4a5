"""Exact per-level moment sums of a pair of columns, and the coefficients made of them.

Shared by ``relationships.simpsons_paradox`` (x and y: two measures) and
``time.panel_trends`` (x: time, y: a measure). Per level of a grouping: the count and the
exact sums of x, y, x², y², xy (``exact_fixed_sum``, each product rounded once), so the
sums, and all that is computed from them, do not depend on chunking or merge order.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pyarrow.compute as pc

from .exact import exact_fixed_sum
from .lazy_scipy import stats

_SCALE = 1 << 1127  # exact_fixed_sum's unit is 2**-1127
#: a within-level coefficient needs at least this many levels of >= 2 rows
MIN_UNITS = 5


def level_moments(codes: np.ndarray, names: list, x: np.ndarray, y: np.ndarray) -> dict:
    """``{level: [n, Σx, Σy, Σx², Σy², Σxy]}`` over the rows where the level (code >= 0)
    and both values are present and finite. One stable sort of the rows by level, each
    level one slice: one pass over the rows whatever the number of levels."""
    ok = np.flatnonzero((codes >= 0) & np.isfinite(x) & np.isfinite(y))
    if not ok.size:
        return {}  # no row of this chunk has both values and a level (msq's split items)
    order = ok[np.argsort(codes[ok], kind="stable")]
    k = codes[order]
    starts = np.flatnonzero(np.r_[True, k[1:] != k[:-1]])
    ends = np.r_[starts[1:], k.size]
    xv, yv = x[order], y[order]
    out = {}
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        xs, ys = xv[a:b], yv[a:b]
        out[names[k[a]]] = [
            b - a,
            *(exact_fixed_sum(v) for v in (xs, ys, xs * xs, ys * ys, xs * ys)),
        ]
    return out


def add_levels(a: dict, b: dict) -> dict:
    """The per-level sums of ``a`` and ``b`` added (new lists; the inputs are untouched)."""
    out = {lvl: list(v) for lvl, v in a.items()}
    for lvl, v in b.items():
        mine = out.get(lvl)
        out[lvl] = list(v) if mine is None else [p + q for p, q in zip(mine, v, strict=True)]
    return out


def merge_keyed(a: dict, b: dict) -> dict:
    """Two states ``{key: {level: sums}}`` added key by key (new dicts)."""
    out = {key: add_levels(levels, {}) for key, levels in a.items()}
    for key, levels in b.items():
        out[key] = add_levels(out.get(key, {}), levels)
    return out


def level_codes(column) -> tuple[np.ndarray, list]:
    """(code per row, -1 where null; the level names) of an Arrow column, any type: its
    values as text, so integer codes and strings group alike."""
    encoded = pc.dictionary_encode(column.cast("string")).combine_chunks()
    names = encoded.dictionary.to_pylist()
    codes = np.asarray(encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False))
    return codes, names


def covariance_sign(s: list[int]) -> int:
    """The sign of the covariance of x and y within one level (exact): +1, 0 or -1."""
    n, sx, sy, _xx, _yy, sxy = s
    cov = n * sxy * _SCALE - sx * sy
    return (cov > 0) - (cov < 0)


def _within_sums(levels: dict) -> tuple[Fraction, Fraction, Fraction, int, int]:
    """Exact within-unit sums of squares and products (sxx, syy, sxy) over the units of
    >= 2 rows, with their rows and units: what the fixed-effects r and slope are made of."""
    sxx = syy = sxy = Fraction(0)
    rows = units = 0
    for n, sx, sy, xx, yy, xy in levels.values():
        if n < 2:
            continue
        units += 1
        rows += n
        sxx += Fraction(n * xx * _SCALE - sx * sx, n)
        syy += Fraction(n * yy * _SCALE - sy * sy, n)
        sxy += Fraction(n * xy * _SCALE - sx * sy, n)
    return sxx, syy, sxy, rows, units


def within_units(levels: dict, min_units: int = MIN_UNITS) -> tuple[float, int, int] | None:
    """(r, rows, units) of the within-unit correlation: Pearson r of the deviations of x and
    y from their unit's means (the fixed-effects coefficient), from the exact per-unit
    sums; None with fewer than ``min_units`` units of >= 2 rows or no variance within them."""
    sxx, syy, sxy, rows, units = _within_sums(levels)
    if units < min_units or sxx <= 0 or syy <= 0:
        return None
    r = min(math.sqrt(float(sxy * sxy / (sxx * syy))), 1.0)
    return (r if sxy >= 0 else -r), rows, units


def two_way_within(units: dict, periods: dict) -> tuple[float, int, int, int, float, float] | None:
    """(r, rows, units, periods, x share, y share) of the two-way within correlation of a
    balanced panel, the shares being the parts of x's and y's variance left within the
    units once the periods' means are removed too:
    Pearson r of the deviations of x and y from their unit's and their period's means
    (x - x_unit - x_period + x_all: the unit-and-time fixed-effects coefficient), from the
    exact per-unit and per-period sums. None unless every unit holds the same number of
    rows (>= 2), every period as many rows as there are units, and units x periods = rows:
    in an unbalanced panel the two sets of means are not orthogonal and the deviations
    are no function of the sums. Also None without variance left.

    Why: states' alcohol sales fall and their black share rises year after year; within
    each state the two then correlate at -0.40, a 'reversal' of their +0.15 across states
    that is only two national trends (rated FALSE on texas and prison, 18 times). Removing
    each year's mean leaves +0.01."""
    sizes = {v[0] for v in units.values()}
    across = {v[0] for v in periods.values()}
    if len(sizes) != 1 or len(across) != 1:
        return None
    per_unit, per_period = sizes.pop(), across.pop()
    rows = per_unit * len(units)
    if per_unit < 2 or per_unit != len(periods) or per_period != len(units):
        return None
    if rows != per_period * len(periods):
        return None
    sxx, syy, sxy, _, _ = _within_sums(units)
    totals = [sum(v[i] for v in periods.values()) for i in range(6)]

    def between(i: int, j: int) -> Fraction:
        """The periods' means' sum of squares (products), in _within_sums' units."""
        part = sum(Fraction(v[i] * v[j], v[0]) for v in periods.values())
        return part - Fraction(totals[i] * totals[j], rows)

    sxx, syy, sxy = sxx - between(1, 1), syy - between(2, 2), sxy - between(1, 2)
    if sxx <= 0 or syy <= 0:
        return None
    r = min(math.sqrt(float(sxy * sxy / (sxx * syy))), 1.0)
    total_xx = totals[3] * _SCALE - Fraction(totals[1] * totals[1], rows)
    total_yy = totals[4] * _SCALE - Fraction(totals[2] * totals[2], rows)
    return (
        (r if sxy >= 0 else -r),
        rows,
        len(units),
        len(periods),
        float(sxx / total_xx),
        float(syy / total_yy),
    )


def within_slope(levels: dict) -> float | None:
    """The within-unit (fixed-effects) slope of y on x, from the exact per-unit sums; None
    when x does not vary within the units of >= 2 rows."""
    sxx, _, sxy, _, _ = _within_sums(levels)
    return float(sxy / sxx) if sxx > 0 else None


def r_p_value(r: float, df: int) -> float | None:
    """Two-sided p of a correlation coefficient with ``df`` degrees of freedom (t test)."""
    if df < 1:
        return None
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt(df / (1.0 - r * r))
    return float(2 * stats.t.sf(abs(t), df))


def pearson(s: list[int]) -> float | None:
    """Pearson r from [n, Σx, Σy, Σx², Σy², Σxy] held exactly (sums in units of 2**-1127;
    products x*y rounded once each, so the sums do not depend on chunking). r² is an exact
    rational, rounded once; its square root is correctly rounded: no platform dependence."""
    n, sx, sy, sxx, syy, sxy = s
    if n < 3:
        return None
    cov = n * sxy * _SCALE - sx * sy
    vx = n * sxx * _SCALE - sx * sx
    vy = n * syy * _SCALE - sy * sy
    if vx <= 0 or vy <= 0:
        return None
    r = math.sqrt(float(Fraction(cov * cov, vx * vy)))
    r = min(r, 1.0)
    return r if cov >= 0 else -r
