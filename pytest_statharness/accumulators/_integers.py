"""Exact moments of integer columns, without a detour through float64.

Why: float64 holds integers exactly only up to 2**53. Converting an int64/uint64 column to
floats first made 300 distinct values from 2**63 look constant and put a standard
deviation near 2**53 off by 2%. Here every sum is a Python integer, computed vectorised
by splitting each value into 22-bit limbs (so every numpy partial sum stays far below
2**63), and a result is rounded to float64 once, at the end:

* :func:`int_sum`, :func:`int_square_sum` — exact sums of an int64/uint64 array.
* :class:`IntegerMoments` — ``n``, the exact sum and sum of squares; mergeable in any
  order; ``mean()`` (the exact rational, rounded once) and ``std(ddof)`` (the square root
  of the exact variance, rounded once).
* :func:`ratio_to_float` and :func:`sqrt_ratio` — a rational and its square root, correctly
  rounded to float64 (``inf`` only when the result itself is past float64).
"""

from __future__ import annotations

import math

import numpy as np

_LIMB = 22
_MASK = (1 << _LIMB) - 1
_BLOCK = 1 << 16  # rows per numpy partial sum: limb products < 2**46, sums < 2**63


def _limbs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``x = a*2**44 + b*2**22 + c`` with ``b, c`` in [0, 2**22) (``a`` signed for int64)."""
    values = np.asarray(values)
    if values.dtype == np.uint64:
        a = (values >> np.uint64(2 * _LIMB)).astype(np.int64)
        rest = (values & np.uint64((1 << 2 * _LIMB) - 1)).astype(np.int64)
    else:
        values = values.astype(np.int64, copy=False)
        a = values >> (2 * _LIMB)  # arithmetic shift: floor, so the rest is non-negative
        rest = values & ((1 << 2 * _LIMB) - 1)
    return a, rest >> _LIMB, rest & _MASK


def _block_sum(x: np.ndarray) -> int:
    total = 0
    for start in range(0, x.size, _BLOCK):
        total += int(x[start : start + _BLOCK].sum(dtype=np.int64))
    return total


def int_sum(values: np.ndarray) -> int:
    """The exact sum of an integer array (int64 or uint64) as a Python integer."""
    values = np.asarray(values)
    if values.size == 0:
        return 0
    a, b, c = _limbs(values)
    return (_block_sum(a) << 2 * _LIMB) + (_block_sum(b) << _LIMB) + _block_sum(c)


def int_square_sum(values: np.ndarray) -> int:
    """The exact sum of squares of an integer array (int64 or uint64) as a Python integer."""
    values = np.asarray(values)
    if values.size == 0:
        return 0
    a, b, c = _limbs(values)
    return (
        (_block_sum(a * a) << 4 * _LIMB)
        + (_block_sum(2 * a * b) << 3 * _LIMB)
        + (_block_sum(b * b + 2 * a * c) << 2 * _LIMB)
        + (_block_sum(2 * b * c) << _LIMB)
        + _block_sum(c * c)
    )


def ratio_to_float(num: int, den: int) -> float:
    """``num / den`` correctly rounded to float64 (Python's integer true division);
    ``±inf`` only when the quotient itself is past float64."""
    try:
        return num / den
    except OverflowError:
        return math.inf if (num > 0) == (den > 0) else -math.inf


def sqrt_ratio(num: int, den: int) -> float:
    """``sqrt(num / den)`` for ``num >= 0 < den``, correctly rounded to float64.

    The integer square root is taken at 66+ significant bits with a sticky bit for a
    non-zero remainder, so the one rounding of the final division is the correct one.
    """
    if num < 0 or den <= 0:
        raise ValueError(f"sqrt_ratio({num}, {den}): needs num >= 0 and den > 0")
    if num == 0:
        return 0.0
    magnitude = (num.bit_length() - den.bit_length()) // 2  # ~log2 of the root
    k = max(0, 66 - magnitude)  # fractional bits kept: the root gets >= 66 bits
    scaled_num = num << (2 * k)
    quotient, remainder = divmod(scaled_num, den)
    root = math.isqrt(quotient)
    if remainder or root * root != quotient:
        root = (root << 1) | 1  # sticky: strictly between two representable neighbours
        k += 1
    try:
        return root / (1 << k)
    except OverflowError:
        return math.inf


class IntegerMoments:
    """Count, exact sum and exact sum of squares of integers; merge is exact and
    order-free. ``mean`` and ``std`` are rounded once from the exact rationals."""

    __slots__ = ("n", "total", "squares")

    def __init__(self, n: int = 0, total: int = 0, squares: int = 0) -> None:
        self.n = n
        self.total = total
        self.squares = squares

    def add_array(self, values: np.ndarray) -> None:
        values = np.asarray(values)
        if values.dtype.kind not in "iu":
            raise TypeError(f"IntegerMoments.add_array: integer array needed, got {values.dtype}")
        self.n += int(values.size)
        self.total += int_sum(values)
        self.squares += int_square_sum(values)

    def merged(self, other: IntegerMoments) -> IntegerMoments:
        return IntegerMoments(
            self.n + other.n, self.total + other.total, self.squares + other.squares
        )

    def is_empty(self) -> bool:
        return self.n == 0

    def mean(self) -> float | None:
        return ratio_to_float(self.total, self.n) if self.n else None

    def variance_ratio(self, ddof: int = 1) -> tuple[int, int] | None:
        """The exact variance as ``(numerator, denominator)`` integers."""
        if self.n - ddof <= 0:
            return None
        return self.n * self.squares - self.total * self.total, self.n * (self.n - ddof)

    def std(self, ddof: int = 1) -> float | None:
        ratio = self.variance_ratio(ddof)
        return None if ratio is None else sqrt_ratio(*ratio)

    def to_state(self) -> tuple[int, int, int]:
        return (self.n, self.total, self.squares)

    @classmethod
    def from_state(cls, state: tuple[int, int, int]) -> IntegerMoments:
        return cls(*state)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IntegerMoments) and self.to_state() == other.to_state()

    def __repr__(self) -> str:
        return f"IntegerMoments(n={self.n}, total={self.total}, squares={self.squares})"
