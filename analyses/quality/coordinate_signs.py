"""The ``coordinate_signs`` analysis (quality family): latitudes and longitudes whose sign
was lost or flipped, and positions written as 0.

One analysis per module so the file tree leads to it; what other quality analyses
also use is in ``_common.py``, the family's overview in ``quality/__init__.py``.

Why: a coordinate is the one measure whose sign is part of the value. A western
longitude typed without its minus, or a whole source that wrote the hemisphere in another
column, puts a point on the other side of the globe at the same distance from the
equator or the meridian: HistData's OldMaps has 34 of its 468 latitudes and longitudes
negated (a sign error its documentation names), and no outlier fence sees them when the
rest of the column sits far from zero. A position of 0 where every other lies far from
zero is a missing position written as 0 ("null island").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan
from pytest_statharness.column_roles import LONGITUDE_DETAIL

from .._shared.hist import MAX_EXAMPLES, finite_values, smallest
from .._shared.report import cap_findings

#: the other sign counts as flipped on at most this share of a column's signed values
FLIP_MAX_SHARE = 0.10
#: ... when the majority keeps clear of zero: its smallest magnitude at least this share of
#: its largest (a region: latitudes 38..49, longitudes 70..99), and at least MIN_CLEAR
#: degrees (Britain's longitudes -6..2 cross the meridian: both signs are places)
CLEAR_SHARE = 0.25
MIN_CLEAR = 1.0
#: ... and the minority's magnitudes fall within the majority's, widened by this share
MAGNITUDE_SLACK = 0.1
#: severity high from this share of the column's values, else medium
HIGH_SHARE = 0.01
#: a longitude whose magnitudes reach this far reaches the antimeridian, where +179 and
#: -179 are neighbours (the Aleutians' airports east of 180 beside Alaska's): no flip read
ANTIMERIDIAN = 150.0

FLIP_RULE = (
    "a latitude or longitude (role geo_coordinate) whose values of one sign, at most "
    f"{FLIP_MAX_SHARE:.0%} of its signed values, have the magnitudes of the other sign's "
    f"(within its smallest and largest magnitude, +-{MAGNITUDE_SLACK:.0%}), while those keep "
    f"clear of zero (smallest magnitude >= {CLEAR_SHARE:g} x the largest and >= "
    f"{MIN_CLEAR:g}; a longitude reaching {ANTIMERIDIAN:g} is near the antimeridian, where "
    "both signs are neighbours: not read): the same places with their sign lost or "
    "flipped; severity high from "
    f"{HIGH_SHARE:.0%} of the values, else medium, the rows cited"
)
ZERO_RULE = (
    "exact zeros in a latitude or longitude whose other values keep clear of zero (as "
    f"above), at most {FLIP_MAX_SHARE:.0%} of its values: missing positions written as 0 "
    f"('null island'); severity high from {HIGH_SHARE:.0%} of the values, else medium, the "
    "rows cited"
)


@dataclass(slots=True)
class _Signs:
    """One column's pass: counts and magnitude ranges of each sign, zeros, and the first
    rows of each (smallest positions)."""

    positive: int = 0
    negative: int = 0
    zeros: int = 0
    pos_range: list[float] = field(default_factory=list)  # [smallest, largest] magnitude
    neg_range: list[float] = field(default_factory=list)
    pos_rows: list[int] = field(default_factory=list)
    neg_rows: list[int] = field(default_factory=list)
    zero_rows: list[int] = field(default_factory=list)


def _range(values: np.ndarray) -> list[float]:
    return [float(values.min()), float(values.max())] if values.size else []


def _join(a: list[float], b: list[float]) -> list[float]:
    if not a or not b:
        return list(a or b)
    return [min(a[0], b[0]), max(a[1], b[1])]


class CoordinateSigns(Analysis):
    id = "coordinate_signs"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "per coordinate column: counts, two ranges and 20 example rows per sign"
    family = "quality"
    title = "Coordinates with a lost or flipped sign, or written as 0"
    requires = (ColumnKind.NUMERIC,)
    exact = True
    passes = 1
    method = (
        "the columns with role geo_coordinate (a latitude within +-90 or a longitude within "
        "-180..360, named so), over finite values: counts of positive, negative and zero "
        "values and the smallest and largest magnitude of each sign. Flipped signs: "
        + FLIP_RULE
        + ". Zeros: "
        + ZERO_RULE
        + ". example_rows: the first 20 rows of the flagged sign (or of the zeros)"
    )
    reference = (
        "Friendly, M. (2019), HistData: OldMaps (latitudes and longitudes of 39 points on 11 "
        "old maps, sign errors noted); Kraak & Ormeling (2020), Cartography: Visualization "
        "of Geospatial Data, 4th ed. (coordinate conventions)"
    )
    access = "streamed; one pass, counts and ranges per coordinate column"

    def plan(self, dataset, budget):
        columns = [
            c
            for c in dataset.columns_of(ColumnKind.NUMERIC)
            if dataset.column(c).role == ColumnRole.GEO_COORDINATE
        ][: budget.max_columns]
        return Plan(tuple(columns), {}, {}) if columns else None

    def init(self, ctx):
        return {c: _Signs() for c in ctx.columns}

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            vals, idx, _nulls, _nonfinite = finite_values(chunk, c)
            rows = idx + chunk.row_start
            pos, neg, zero = vals > 0, vals < 0, vals == 0
            state[c] = _Signs(
                positive=int(np.count_nonzero(pos)),
                negative=int(np.count_nonzero(neg)),
                zeros=int(np.count_nonzero(zero)),
                pos_range=_range(vals[pos]),
                neg_range=_range(-vals[neg]),
                pos_rows=rows[pos][:MAX_EXAMPLES].tolist(),
                neg_rows=rows[neg][:MAX_EXAMPLES].tolist(),
                zero_rows=rows[zero][:MAX_EXAMPLES].tolist(),
            )
        return state

    def merge(self, a, b, ctx):
        return {
            c: _Signs(
                positive=a[c].positive + b[c].positive,
                negative=a[c].negative + b[c].negative,
                zeros=a[c].zeros + b[c].zeros,
                pos_range=_join(a[c].pos_range, b[c].pos_range),
                neg_range=_join(a[c].neg_range, b[c].neg_range),
                pos_rows=smallest(a[c].pos_rows, b[c].pos_rows),
                neg_rows=smallest(a[c].neg_rows, b[c].neg_rows),
                zero_rows=smallest(a[c].zero_rows, b[c].zero_rows),
            )
            for c in a
        }

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        for c in ctx.columns:
            out.extend(self._column(ctx, c, state[c]))
        summary = ctx.finding(
            kind="coordinate_screen",
            title=(
                f"Coordinate screen: {len({f['subject']['column'] for f in out})} of "
                f"{len(ctx.columns)} coordinate columns flagged"
            ),
            subject={"scope": "dataset"},
            values={"columns_screened": len(ctx.columns), "findings": len(out)},
            units={"columns_screened": "count", "findings": "count"},
            parameters={"flip_rule": FLIP_RULE, "zero_rule": ZERO_RULE},
        )
        return cap_findings(ctx, out, summary)

    @staticmethod
    def _column(ctx, c: str, s: _Signs) -> list[dict]:
        total = s.positive + s.negative + s.zeros
        if not total:
            return []
        major_is_pos = s.positive >= s.negative
        major, minor = (s.positive, s.negative) if major_is_pos else (s.negative, s.positive)
        major_range = s.pos_range if major_is_pos else s.neg_range
        minor_range = s.neg_range if major_is_pos else s.pos_range
        if not major_range:
            return []
        low, high = major_range
        if not (low >= CLEAR_SHARE * high and low >= MIN_CLEAR):
            return []  # the places reach zero: both signs (or 0) are places
        out = []
        signed = major + minor
        base = {
            "values": total,
            "majority_sign": "positive" if major_is_pos else "negative",
            "majority_count": major,
            "majority_smallest_magnitude": low,
            "majority_largest_magnitude": high,
        }
        units = {
            "values": "count",
            "majority_sign": "label",
            "majority_count": "count",
            "majority_smallest_magnitude": "degrees",
            "majority_largest_magnitude": "degrees",
        }
        longitude = ctx.dataset.column(c).role_detail == LONGITUDE_DETAIL
        if (
            minor
            and not (longitude and high >= ANTIMERIDIAN)
            and minor <= FLIP_MAX_SHARE * signed
            and low * (1 - MAGNITUDE_SLACK) <= minor_range[0]
            and minor_range[1] <= high * (1 + MAGNITUDE_SLACK)
        ):
            sign = "negative" if major_is_pos else "positive"
            out.append(
                ctx.finding(
                    kind="flipped_signs",
                    title=(
                        f"{minor} {sign} value{'s' if minor > 1 else ''} of {c!r} beside "
                        f"{major} {base['majority_sign']} ones of the same magnitudes "
                        f"({low:g}..{high:g}): signs lost or flipped?"
                    ),
                    subject={"column": c},
                    values={
                        **base,
                        "flipped_count": minor,
                        "flipped_share": minor / total,
                        "flipped_smallest_magnitude": minor_range[0],
                        "flipped_largest_magnitude": minor_range[1],
                    },
                    units={
                        **units,
                        "flipped_count": "count",
                        "flipped_share": "ratio",
                        "flipped_smallest_magnitude": "degrees",
                        "flipped_largest_magnitude": "degrees",
                    },
                    severity="high" if minor >= HIGH_SHARE * total else "medium",
                    columns=[c],
                    example_rows=s.neg_rows if major_is_pos else s.pos_rows,
                    parameters={"rule": FLIP_RULE},
                )
            )
        if s.zeros and s.zeros <= FLIP_MAX_SHARE * total:
            out.append(
                ctx.finding(
                    kind="zero_positions",
                    title=(
                        f"{s.zeros} value{'s' if s.zeros > 1 else ''} of {c!r} exactly 0, "
                        f"whose other values lie {low:g}..{high:g} from it: missing positions "
                        "written as 0?"
                    ),
                    subject={"column": c},
                    values={**base, "zero_count": s.zeros, "zero_share": s.zeros / total},
                    units={**units, "zero_count": "count", "zero_share": "ratio"},
                    severity="high" if s.zeros >= HIGH_SHARE * total else "medium",
                    columns=[c],
                    example_rows=s.zero_rows,
                    parameters={"rule": ZERO_RULE},
                )
            )
        return out
