"""A table that is a correlation matrix, not observations.

Why: psych-style exports write a k x k correlation matrix as a CSV (neo: the 30 NEO-PI-R
facets, 30 rows of 30 coefficients). Read as 30 measures of 30 observations, every column
"correlates" with the others (one correlated group of all 30) and each column's diagonal
1.0 is an "isolated outlier" beside coefficients of -0.4..0.7: findings about the layout,
not about anything measured. A table is taken for such a matrix when its numbers are k
columns with values in [-1, 1] on exactly k rows (besides label columns), whose row i holds
1 in the i-th of them, and the matrix is symmetric. Its numbers are then entries of a
matrix (role ``other``, detail ``matrix_entry``): no analysis reads them as measures, and
the role's reason says why.

Checked only on small tables (at most MAX_ROWS rows), so the extra read is negligible.
"""

from __future__ import annotations

import numpy as np

from ..column_roles import MATRIX_ENTRY_DETAIL, ColumnRole
from .roles import RoleDecision

#: a correlation matrix of more variables than this is not read as one (no extra pass)
MAX_ROWS = 500
#: at least this many variables: a 2 x 2 matrix is as likely two measures of two rows
MIN_SIZE = 3
#: symmetric to this absolute difference (coefficients are often rounded to 2 digits)
SYMMETRY_TOLERANCE = 1e-9


def candidates(summaries: dict[str, dict], numeric: list[str], row_count: int) -> list[str]:
    """The numeric columns, when their shape allows a correlation matrix: as many as the
    rows, every value in [-1, 1], none missing."""
    if not MIN_SIZE <= row_count <= MAX_ROWS or len(numeric) != row_count:
        return []
    for name in numeric:
        s = summaries[name]
        if s.get("non_null") != row_count or s.get("fmin") is None:
            return []
        if s["fmin"] < -1.0 or s["fmax"] > 1.0:
            return []
    return numeric


def is_correlation_matrix(values: np.ndarray) -> bool:
    """``values`` (rows x columns, square) has a unit diagonal and is symmetric."""
    if values.ndim != 2 or values.shape[0] != values.shape[1]:
        return False
    if not np.all(np.diag(values) == 1.0):
        return False
    return bool(np.all(np.abs(values - values.T) <= SYMMETRY_TOLERANCE))


def settle_matrix_entries(source, numeric: list[str], summaries, row_count: int, decided):
    """``decided`` (column -> RoleDecision) with the numbers of a table that is a
    correlation matrix made its entries (role other); read once more, small tables only."""
    names = candidates(summaries, numeric, row_count)
    if not names:
        return decided
    columns: dict[str, list] = {n: [] for n in names}
    for part in range(len(source.parts())):
        for batch in source.iter_part_batches(part, names, MAX_ROWS):
            for n in names:
                columns[n].extend(batch.column(n).to_pylist())
    if not is_correlation_matrix(np.array([columns[n] for n in names], dtype=np.float64).T):
        return decided
    out = dict(decided)
    for n in names:
        out[n] = RoleDecision(
            ColumnRole.OTHER,
            f"an entry of a {len(names)} x {len(names)} correlation matrix (the table's "
            "numbers are square, symmetric, with 1 on the diagonal and values in [-1, 1]): "
            "coefficients, not observations",
            0.9,
            MATRIX_ENTRY_DETAIL,
        )
    return out
