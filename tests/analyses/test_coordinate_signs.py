"""coordinate_signs: latitudes and longitudes whose sign was lost or flipped, and positions
written as 0, counted exactly; places that cross the equator, the meridian or the
antimeridian are left alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import assert_chunk_invariant, vals
from statharness_analyses.quality.coordinate_signs import CoordinateSigns

from pytest_statharness.testing import run_on_frame


def _flagged(result) -> dict[tuple[str, str], dict]:
    return {
        (f["subject"]["column"], f["kind"]): f
        for f in result.findings
        if f["kind"] in ("flipped_signs", "zero_positions")
    }


def test_flipped_signs_and_zero_positions_are_cited_with_their_rows() -> None:
    """OldMaps: 34 of 468 latitudes and longitudes negated among places at 41..49 N,
    72..99 (W written positive); two positions written 0, 0."""
    rng = np.random.default_rng(2)
    n = 468
    lat = np.round(rng.uniform(38, 49.3, n), 2)
    lon = np.round(rng.uniform(70, 99.2, n), 2)
    flipped = np.sort(rng.choice(np.arange(10, n), 34, replace=False))
    lat[flipped] *= -1
    lon[flipped] *= -1
    lat[[3, 7]] = 0.0
    lon[[3, 7]] = 0.0
    frame = pd.DataFrame({"lat": lat, "long": lon, "year": rng.integers(1680, 1820, n)})
    found = _flagged(assert_chunk_invariant(CoordinateSigns(), frame))
    assert set(found) == {
        ("lat", "flipped_signs"),
        ("long", "flipped_signs"),
        ("lat", "zero_positions"),
        ("long", "zero_positions"),
    }
    f = found[("lat", "flipped_signs")]
    assert f["severity"] == "high"
    assert vals(f)["flipped_count"] == 34
    assert f["evidence"]["example_rows"] == flipped[:20].tolist()
    keep = np.delete(np.arange(n), np.r_[flipped, [3, 7]])
    assert vals(f)["majority_smallest_magnitude"] == lat[keep].min()
    assert vals(f)["flipped_largest_magnitude"] == -lat[flipped].min()
    z = found[("long", "zero_positions")]
    assert vals(z)["zero_count"] == 2 and z["evidence"]["example_rows"] == [3, 7]


def test_places_that_cross_zero_or_the_antimeridian_keep_their_signs() -> None:
    """Iberia's longitudes -9.5..-0.3 beside southern France's 2..8 cross the meridian; a country spanning the equator; the
    Aleutians east of 180 beside Alaska (vega's airports): both signs are places."""
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(
        {
            "longitude": np.r_[rng.uniform(-9.5, -0.3, 470), rng.uniform(2, 8, 30)],
            "latitude": np.r_[rng.uniform(2, 12, 470), rng.uniform(-4, -1, 30)],
        }
    )
    assert not _flagged(run_on_frame(CoordinateSigns(), frame))
    alaska = pd.DataFrame(
        {
            "longitude": np.r_[rng.uniform(-176, -67, 490), rng.uniform(172, 178, 10)],
            "latitude": rng.uniform(19, 71, 500),
        }
    )
    assert not _flagged(run_on_frame(CoordinateSigns(), alaska))


def test_a_table_without_coordinates_has_no_item() -> None:
    frame = pd.DataFrame({"lattice": np.arange(50.0), "value": np.arange(50.0)})
    assert run_on_frame(CoordinateSigns(), frame) is None
