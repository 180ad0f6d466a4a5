"""Linear identities among measures: a column that is (to rounding) a fixed linear
combination of at most MAX_TERMS others.

Caschool's ``testscr`` is the mean of ``readscr`` and ``mathscr``; macrodata's ``realint``
is ``tbilrate`` less ``infl``; a Celsius column is a Fahrenheit one rescaled. Such a column
carries no information of its own: every association of it restates its parts', and a model
fed all of them is singular. ``correlation`` reports each identity once, from the Pearson
correlations it has already computed (no pass of its own).

The arithmetic is plain Python floats (each operation correctly rounded, the same on every
machine), not LAPACK: a stepwise least-squares fit on the correlation matrix, adding the
column that raises R² most until the fit is exact, at most MAX_TERMS columns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

#: R² from which a fit is an identity: the residual spread is at most 0.32% of the column's
#: (values stored rounded to a few decimals still qualify)
IDENTITY_R2 = 1 - 1e-5
#: a term whose standardised weight is below this is dropped from an identity found with
#: it, when the fit without it stays within ROUNDING_SLACK of IDENTITY_R2
MIN_BETA = 0.01
ROUNDING_SLACK = 1e-5
#: an identity names at most this many other columns (a budget's six shares sum to 1:
#: one share is 1 less the other five)
MAX_TERMS = 6


@dataclass(frozen=True)
class Identity:
    """``target`` = sum of ``coefficients[k] * terms[k]`` (+ a constant), standardised
    coefficients ``betas`` (in standard deviations), fit ``r_squared``."""

    target: int
    terms: tuple[int, ...]
    betas: tuple[float, ...]
    r_squared: float


def solve(a: list[list[float]], b: list[float]) -> list[float] | None:
    """x with a x = b by Gaussian elimination with partial pivoting; None when singular."""
    n = len(b)
    m = [list(row) + [b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: (abs(m[r][col]), -r))
        if abs(m[pivot][col]) < 1e-12:
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for c in range(col, n + 1):
                m[r][c] -= f * m[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        x[r] = (m[r][n] - sum(m[r][c] * x[c] for c in range(r + 1, n))) / m[r][r]
    return x


def _fit(r: Callable[[int, int], float], target: int, terms: Sequence[int]):
    """(betas, R²) of the least-squares fit of ``target`` on ``terms`` from correlations."""
    a = [[1.0 if i == j else r(i, j) for j in terms] for i in terms]
    b = [r(i, target) for i in terms]
    betas = solve(a, b)
    if betas is None:
        return None
    return betas, sum(x * y for x, y in zip(betas, b, strict=True))


def find_identities(columns: Sequence[int], r: Callable[[int, int], float]) -> list[Identity]:
    """The identities among ``columns`` (indices), one per set of columns: for each target
    in order, the stepwise fit (ties to the earlier column) until R² >= IDENTITY_R2. Of a
    set found, the column the others sum to with positive coefficients (an average, a
    total) is named as the target when there is one, else the set's last column; the
    set's columns are then not searched again."""
    found: list[Identity] = []
    used: set[int] = set()
    for target in columns:
        if target in used:
            continue
        terms: list[int] = []
        fit = None
        while len(terms) < MAX_TERMS:
            best = None
            for c in columns:
                if c == target or c in terms or c in used:
                    continue
                trial = _fit(r, target, [*terms, c])
                if trial is not None and (best is None or trial[1] > best[1][1]):
                    best = (c, trial)
            if best is None:
                break
            terms.append(best[0])
            fit = best[1]
            if fit[1] >= IDENTITY_R2:
                break
        if fit is None or fit[1] < IDENTITY_R2:
            continue
        members = sorted([target, *terms])
        named = _named_target(members, r)
        rest = [c for c in members if c != named]
        refit = _fit(r, named, rest)
        if refit is None or refit[1] < IDENTITY_R2:
            # a member added on the way that the identity does not need (its weight is
            # ~0) cannot be written as the others: keep the fit that was found
            named, rest, refit = target, sorted(terms), _fit(r, target, sorted(terms))
            if refit is None:
                continue
        # a term taken only for the last digits of rounding (weight ~0: totexp beside a
        # budget's shares) is no part of the identity
        slim = [c for c, b in zip(rest, refit[0], strict=True) if abs(b) >= MIN_BETA]
        if len(slim) < len(rest):
            again = _fit(r, named, slim) if slim else None
            if again is not None and again[1] >= IDENTITY_R2 - ROUNDING_SLACK:
                rest, refit = slim, again
        if _incomplete(r, columns, named, rest, refit[1], used | {named, *rest}):
            continue
        found.append(Identity(named, tuple(rest), tuple(refit[0]), refit[1]))
        used.update(members)
    return found


#: a column left out that closes this share of a fit's remaining gap (1 - R²) is part of
#: the relation: the identity found is an approximation of a larger one
GAP_CLOSED = 0.5


def _incomplete(
    r: Callable[[int, int], float],
    columns: Sequence[int],
    target: int,
    terms: Sequence[int],
    r_squared: float,
    taken: set[int],
) -> bool:
    """Whether a column outside the identity would close most of its remaining gap:
    Florida's Total is the sum of ten candidates' votes; four of them fit it to R² 1 -
    1e-7 with coefficients 1.24 and 5.38 for two, a formula no one wrote. Noise of
    rounding is closed by no other column, so a real identity (a mean of rounded scores)
    passes."""
    gap = 1.0 - r_squared
    if gap <= 0.0:
        return False
    for c in columns:
        if c in taken:
            continue
        trial = _fit(r, target, [*terms, c])
        if trial is not None and 1.0 - trial[1] < (1.0 - GAP_CLOSED) * gap:
            return True
    return False


def _named_target(members: list[int], r: Callable[[int, int], float]) -> int:
    """The member the others add up to with positive weights, else the last member."""
    positive = []
    for m in members:
        fit = _fit(r, m, [c for c in members if c != m])
        if fit is not None and all(b > 0 for b in fit[0]):
            positive.append(m)
    return positive[-1] if positive else members[-1]
