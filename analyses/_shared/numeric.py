"""Transcendental steps whose results do not depend on numpy's SIMD dispatch.

numpy's vectorised ``log1p``/``log10``/``exp`` loops are chosen at run time by CPU feature
(AVX2, AVX-512, none) and differ in the last bits between those paths. The analyses use
these instead (see "Numeric stability" in docs/architecture.md):

- :func:`log1p_array` / :func:`log10_array`: Python's scalar ``math`` functions (the
  platform's libm, the same on every CPU of one platform). libm is not correctly rounded and
  may differ between operating systems, so the values derived from them are *declared*
  (``Analysis.precision``).
- :func:`centidecade_bins`: ``floor(100 * log10(x))`` computed *exactly* (no libm at all):
  a first guess from ``np.log10`` is corrected by comparisons with the exact thresholds
  ``10**(k/100)`` (rounded up to a double with the ``decimal`` module at 40 digits).
- :func:`inv_cbrt`: ``n ** (-1/3)`` of a positive integer, correctly rounded, by integer
  arithmetic.
"""

from __future__ import annotations

import decimal
import math
from fractions import Fraction
from functools import cache

import numpy as np

_CTX = decimal.Context(prec=40)


def _map(fn, x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return np.fromiter(map(fn, x.tolist()), dtype=np.float64, count=x.size).reshape(x.shape)


def log1p_array(x: np.ndarray) -> np.ndarray:
    """``log1p`` of each element by ``math.log1p`` (independent of SIMD dispatch)."""
    return _map(math.log1p, x)


def log10_array(x: np.ndarray) -> np.ndarray:
    """``log10`` of each (positive) element by ``math.log10`` (independent of SIMD dispatch)."""
    return _map(math.log10, x)


def pow10_array(x: np.ndarray) -> np.ndarray:
    """``10 ** x`` of each element by ``math.pow`` (independent of SIMD dispatch; NaN
    stays NaN)."""
    return _map(lambda v: math.pow(10.0, v), x)


@cache
def centidecade_threshold(k: int) -> float:
    """The smallest double >= 10**(k/100) (inf past the largest double)."""
    exact = _CTX.power(decimal.Decimal(10), _CTX.divide(decimal.Decimal(k), decimal.Decimal(100)))
    try:
        f = float(exact)
    except OverflowError:  # pragma: no cover - float(Decimal) gives inf rather than raising
        return math.inf
    if math.isinf(f):
        return f
    if decimal.Decimal(f) < exact:
        f = math.nextafter(f, math.inf)
    return f


def centidecade_bins(positive: np.ndarray) -> np.ndarray:
    """``floor(100 * log10(x))`` of each positive finite ``x``, exactly (int64)."""
    positive = np.asarray(positive, dtype=np.float64)
    if not positive.size:
        return np.zeros(0, dtype=np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        guess = np.floor(np.log10(positive) * 100).astype(np.int64)
    keys = np.unique(guess)
    lo = np.array([centidecade_threshold(int(k)) for k in keys.tolist()])
    hi = np.array([centidecade_threshold(int(k) + 1) for k in keys.tolist()])
    pos = np.searchsorted(keys, guess)
    # the guess is off by at most one bin (np.log10 is within a few ulps)
    return guess - (positive < lo[pos]) + (positive >= hi[pos])


def _icbrt(m: int) -> int:
    """floor(cbrt(m)) of a positive integer."""
    x = 1 << ((m.bit_length() + 2) // 3)
    while True:
        y = (2 * x + m // (x * x)) // 3
        if y >= x:
            return x
        x = y


def inv_cbrt(n: int) -> float:
    """``n ** (-1/3)`` of a positive integer, correctly rounded (relative error of the
    integer approximation below 2**-70, then one correct rounding)."""
    r = _icbrt(int(n) << 210)  # floor(cbrt(n) * 2**70)
    return float(Fraction(1 << 70, r))


#: the largest magnitude whose square (and product with another such value) is finite in
#: float64: 2**511
SQUARE_LIMIT = 2.0**511


def squares_overflow(value_range: tuple[float, float] | None) -> bool:
    """Whether a column's exact value range reaches SQUARE_LIMIT: its squares would be inf,
    and exact sums of them garbage (the column is left out, and said to be)."""
    return value_range is not None and max(abs(value_range[0]), abs(value_range[1])) >= SQUARE_LIMIT


#: magnitudes past 2**+-MOMENT_SCALE_EXPONENT are folded scaled by a power of two: fourth
#: powers of deviations stay in float64's normal range only within about 2**+-250
MOMENT_SCALE_EXPONENT = 120


def moment_scale(value_range: tuple[float, float] | None) -> int:
    """k such that a column's values scaled by 2**-k lie near 1, when its magnitude is past
    2**+-MOMENT_SCALE_EXPONENT (values near 1e-300 whose squares underflow to 0, near 1e200
    whose fourth powers overflow); 0 for ordinary data, whose bytes stay as they were.
    Scaling by a power of two is exact, and r, skewness and kurtosis are scale-free."""
    if value_range is None:
        return 0
    magnitude = max(abs(value_range[0]), abs(value_range[1]))
    if not math.isfinite(magnitude) or magnitude == 0:
        return 0
    exponent = math.frexp(magnitude)[1]
    return exponent if abs(exponent) > MOMENT_SCALE_EXPONENT else 0
