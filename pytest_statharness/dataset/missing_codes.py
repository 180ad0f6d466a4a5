"""Missing-value codes: 999 or -99 written where a survey or an export did not know.

Why: a code is no value. Left in, 98 rows of 999 beside years that end at 350 turn a
correlation of -0.004 into -0.33 (Quarrels' ``sameGovYrs``), lift a mean and a spread, and
make "outliers". Once the dataset knows a column's codes, every analysis reads them as
missing; ``quality.capped_values`` alone reads them as written, to report them (high).

The codes of a column are declared in the dataset spec (``missing_codes = [999]``;
``missing_codes = []`` keeps the values as they are) or found here, from the data: values
of :data:`SENTINELS`, or of a placeholder magnitude (1e30 and beyond: 1e308), beyond twice
the column's other values (above 2 x max(largest other value, 1), below 2 x min(smallest
other value, -1) for negative codes), together on at least :data:`MIN_CODE_ROWS` rows (one
row of a placeholder magnitude is enough). PSID's years of schooling 0..17 with 98 and 99
have them; an age reaching 99 does not (99 is no farther than twice 90).

Only numeric measures whose typing-scan extreme is itself a sentinel, and the columns the
spec declares codes for, are read again, in one pass over those columns alone: most
tables cost nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..column_roles import MEASURE_ROLES

#: numbers surveys and exports write for "not known", "refused", "not asked"
SENTINELS = frozenset(
    {
        -9.0, -99.0, -999.0, -9999.0, -99999.0, -98.0, -998.0,
        98.0, 99.0, 998.0, 999.0, 9998.0, 9999.0, 99999.0, 999999.0, 9999999.0,
    }
)  # fmt: skip
SENTINEL_ARRAY = np.array(sorted(SENTINELS))
#: a magnitude no measurement reaches: 1e308 (near the largest double) or float32's
#: 3.4e38 written where an export had no value, a placeholder like 999; one row of it is
#: enough to be a code
PLACEHOLDER_MAGNITUDE = 1e30
#: codes count from this many rows together
MIN_CODE_ROWS = 3


def is_code(value: float) -> bool:
    """Whether ``value`` is written like a missing-value code: a sentinel, or a
    placeholder magnitude."""
    return value in SENTINELS or abs(value) >= PLACEHOLDER_MAGNITUDE


def code_mask(values: np.ndarray) -> np.ndarray:
    """Which of ``values`` (finite floats) are written like a missing-value code."""
    return np.isin(values, SENTINEL_ARRAY) | (np.abs(values) >= PLACEHOLDER_MAGNITUDE)


def beyond_codes(
    codes: Mapping[float, int], plain_top: float | None, plain_bottom: float | None
) -> dict[float, int]:
    """The codes (``{code: rows}`` of SENTINELS held) beyond twice the column's other
    values (``plain_top``/``plain_bottom``: its extremes without codes), when they hold
    MIN_CODE_ROWS rows or more together, or one is a placeholder magnitude; {} otherwise."""
    out = {}
    for v, k in sorted(codes.items()):
        if v > 0 and plain_top is not None and v >= 2 * max(plain_top, 1.0):
            out[v] = k
        elif v < 0 and plain_bottom is not None and v <= 2 * min(plain_bottom, -1.0):
            out[v] = k
    huge = any(abs(v) >= PLACEHOLDER_MAGNITUDE for v in out)
    return out if huge or sum(out.values()) >= MIN_CODE_ROWS else {}


def candidates(columns: Iterable) -> list[str]:
    """Numeric measures whose smallest or largest value is a sentinel: the only columns
    whose codes can be beyond their other values."""
    out = []
    for c in columns:
        if c.excluded or c.role not in MEASURE_ROLES or c.value_range is None:
            continue
        if is_code(c.value_range[0]) or is_code(c.value_range[1]):
            out.append(c.name)
    return out


@dataclass(frozen=True)
class Codes:
    """One column's missing-value codes, the rows holding them, and the smallest and
    largest of its other finite values (None when none is left)."""

    values: tuple[float, ...]
    rows: int
    value_range: tuple[float, float] | None


def scan(chunks: Iterable, names: list[str], declared: Mapping[str, tuple]) -> dict[str, Codes]:
    """The codes of each of ``names`` in ``chunks`` (raw, codes as written), in one pass:
    the spec's ``declared`` ones, else the SENTINELS beyond the other values. Each column
    counts the rows of every candidate value (its declared codes, or the sentinels) and
    the extremes of the rest; the codes' rows and the range without them follow."""
    special = {n: np.asarray(declared[n], dtype=np.float64) for n in names if n in declared}
    held: dict[str, dict[float, int]] = {n: {} for n in names}
    tops: dict[str, float | None] = dict.fromkeys(names)
    bottoms: dict[str, float | None] = dict.fromkeys(names)
    for chunk in chunks:
        for n in names:
            data = chunk.floats(n)
            values = data[np.isfinite(data)]
            hit = np.isin(values, special[n]) if n in special else code_mask(values)
            plain = values[~hit]
            if plain.size:
                top, bottom = float(plain.max()), float(plain.min())
                tops[n] = top if tops[n] is None else max(tops[n], top)
                bottoms[n] = bottom if bottoms[n] is None else min(bottoms[n], bottom)
            found, rows = np.unique(values[hit], return_counts=True)
            for v, k in zip(found.tolist(), rows.tolist(), strict=True):
                held[n][v] = held[n].get(v, 0) + k
    out = {}
    for n in names:
        if n in declared:
            codes = tuple(float(v) for v in declared[n])
        else:
            codes = tuple(beyond_codes(held[n], tops[n], bottoms[n]))
        if not codes:
            continue
        # the range without the codes: the other values, and candidates that are no code
        rest = [v for v in (tops[n], bottoms[n]) if v is not None]
        rest += [v for v in held[n] if v not in codes]
        out[n] = Codes(
            codes,
            sum(k for v, k in held[n].items() if v in codes),
            (min(rest), max(rest)) if rest else None,
        )
    return out


def masked(table: pa.Table, codes: Mapping[str, tuple[float, ...]]) -> pa.Table:
    """``table`` with each listed column's codes replaced by null (its type kept)."""
    for name, values in codes.items():
        if name not in table.column_names:
            continue
        at = table.column_names.index(name)
        col = table.column(name)
        hit = pc.is_in(col, value_set=pa.array(values).cast(col.type, safe=False))
        table = table.set_column(at, name, pc.if_else(hit, pa.nulls(len(col), col.type), col))
    return table
