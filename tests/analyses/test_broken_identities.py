"""broken_identities: sums and differences of measures kept by nearly every row, and the
rows that break them (channing's time = age - ageentry but on 2 rows; Nerlove's cost shares
adding up to 1 but on 4 utilities)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import assert_chunk_invariant, tree_fold
from hypothesis import given, settings
from hypothesis import strategies as st
from statharness_analyses.quality.broken_identities import BrokenIdentities

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame


def residents(rows: int = 460, seed: int = 2, broken=(124, 127)) -> pd.DataFrame:
    """Ages in months at entry and at exit, and the months between (time = age - ageentry),
    wrong on the ``broken`` rows; a weight unrelated to them."""
    rng = np.random.default_rng(seed)
    entry = rng.integers(720, 1150, rows)
    time = rng.integers(1, 140, rows)
    age = entry + time
    age[list(broken)] += np.array([100, -2])[: len(broken)]
    return pd.DataFrame(
        {"ageentry": entry, "age": age, "time": time, "weight": rng.normal(70, 9, rows)}
    )


def shares(rows: int = 200, seed: int = 4) -> pd.DataFrame:
    """Cost shares stored to 4 decimals that add up to 1, but on rows 10 and 50."""
    rng = np.random.default_rng(seed)
    raw = rng.dirichlet([4, 6, 3], rows)
    sl, sk = np.round(raw[:, 0], 4), np.round(raw[:, 1], 4)
    sf = np.round(1 - sl - sk, 4)
    sf[10] += 0.09
    sf[50] -= 0.13
    return pd.DataFrame({"sl": sl, "sk": sk, "sf": sf, "output": rng.lognormal(3, 1, rows)})


def test_an_identity_broken_on_two_rows_is_medium_with_the_rows() -> None:
    [f] = run_on_frame(BrokenIdentities(), residents()).findings
    assert f["severity"] == "medium"
    assert f["title"] == "'age' = 'ageentry' + 'time' on 458 of 460 rows: 2 rows break it"
    assert f["evidence"]["example_rows"] == [124, 127]
    values = f["measurement"]["values"]
    assert (values["rows_kept"], values["rows_broken"], values["constant"]) == (458, 2, 0.0)


def test_shares_that_add_up_read_as_a_sum_with_their_constant() -> None:
    [f] = run_on_frame(BrokenIdentities(), shares()).findings
    assert f["title"] == "'sl' + 'sk' + 'sf' = 1 on 198 of 200 rows: 2 rows break it"
    assert f["evidence"]["example_rows"] == [10, 50]
    assert f["measurement"]["values"]["constant"] == 1.0


def test_two_linked_codes_of_a_few_values_are_no_broken_identity() -> None:
    """cf: markers loc6 and loc7, coded 0/1/2, agree on 181 of 186 rows (linkage): 'loc7 =
    loc6, 5 rows break it' sent a user hunting data errors (rated FALSE). A one-term form
    needs 10+ values in both columns; the same agreement of two measures is reported."""
    rng = np.random.default_rng(6)
    loc6 = rng.choice([0, 1, 2], 186, p=[0.45, 0.45, 0.1])
    loc7 = loc6.copy()
    loc7[[3, 40, 77, 120, 150]] = (loc7[[3, 40, 77, 120, 150]] + 1) % 3
    frame = pd.DataFrame({"loc6": loc6, "loc7": loc7, "other": rng.normal(0, 1, 186)})
    result = run_on_frame(BrokenIdentities(), frame)
    assert result is None or not result.findings
    measured = frame.assign(loc6=loc6 * 10.0 + rng.integers(0, 9, 186))
    measured["loc7"] = measured["loc6"]
    measured.loc[[3, 40, 77, 120, 150], "loc7"] += 0.5
    [f] = run_on_frame(BrokenIdentities(), measured).findings
    assert f["title"].endswith("5 rows break it")


def test_an_exact_identity_or_none_at_all_is_not_reported() -> None:
    exact = residents(broken=())
    result = run_on_frame(BrokenIdentities(), exact)
    assert result.findings == []  # correlation reports exact identities
    rng = np.random.default_rng(9)
    noise = pd.DataFrame({c: rng.normal(0, 1, 500) for c in "abcd"})
    assert run_on_frame(BrokenIdentities(), noise).findings == []
    # y = a + b rounded to whole numbers: every row off by its rounding, no identity kept
    rounded = noise.assign(y=np.round(noise["a"] * 10 + noise["b"] * 10))
    rounded[["a", "b"]] *= 10
    assert run_on_frame(BrokenIdentities(), rounded).findings == []


def test_same_findings_whatever_the_chunking_and_merge_order() -> None:
    frame = residents()
    assert_chunk_invariant(BrokenIdentities(), frame)
    for seed in (1, 2, 3):
        tree, reference = tree_fold(BrokenIdentities(), frame, 37, seed)
        assert dumps(snapshot_view(tree)) == dumps(snapshot_view(reference))


@settings(max_examples=25, deadline=None)
@given(
    broken=st.lists(st.integers(0, 199), min_size=1, max_size=6, unique=True),
    chunk=st.integers(7, 120),
)
def test_the_breaking_rows_are_found_whatever_they_are(broken, chunk) -> None:
    """Any few rows off by at least a month are the ones cited (first 20, ascending)."""
    frame = residents(rows=200, seed=7, broken=())
    frame.loc[broken, "age"] += 5
    [f] = run_on_frame(BrokenIdentities(), frame, chunk_rows=chunk).findings
    assert f["evidence"]["example_rows"] == sorted(broken)
    assert f["measurement"]["values"]["rows_broken"] == len(broken)


def test_measures_whose_products_overflow_are_left_out_and_said() -> None:
    """Values near 1e300 square to inf in float64: such a measure is left out of the
    screen, named in the evidence, and the identity among the others is still found."""
    frame = residents()
    frame["huge"] = np.round(frame["weight"]) * 1e300
    [f] = run_on_frame(BrokenIdentities(), frame).findings
    assert f["evidence"]["left_out"] == {"squares_overflow_float64": ["huge"]}
    assert f["measurement"]["values"]["rows_broken"] == 2
