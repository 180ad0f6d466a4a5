"""capped_values: a spike at a measure's end is named (a cap, a floor, a missing-value
code), exactly counted, whatever the chunking; continuous ends, a percentage's 100 and a
count's low end are not."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import FAST, assert_chunk_invariant, tree_fold
from hypothesis import given
from hypothesis import strategies as st
from statharness_analyses.quality.capped_values import CappedValues

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame


def boston_like(seed: int = 0, n: int = 500) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    value = np.round(rng.lognormal(3.0, 0.35, n), 1)
    value[:16] = 50.0  # the survey's top code
    value = np.minimum(value, 50.0)
    income = rng.normal(40_000, 9_000, n)
    income[rng.choice(n, 9, replace=False)] = -999.0  # "not known"
    return pd.DataFrame(
        {
            "medv": value,
            "income": income,
            "height": rng.normal(170, 9, n),  # continuous: each value once
            "pct_old": np.minimum(rng.uniform(20, 140, n), 100.0).round(1),  # 100% is a bound
            "patents": rng.geometric(0.3, n),  # a count piles up at 1 by nature
        }
    )


def by_column(result) -> dict:
    out = {
        (f["subject"]["column"], f["subject"]["end"]): f
        for f in result.findings
        if f["kind"] == "capped_values"
    }
    out.update(
        {
            (f["subject"]["column"], "codes"): f
            for f in result.findings
            if f["kind"] == "missing_value_codes"
        }
    )
    return out


def test_a_top_code_and_a_missing_value_code_are_found_exactly() -> None:
    frame = boston_like()
    found = by_column(run_on_frame(CappedValues(), frame))
    assert set(found) == {("medv", "maximum"), ("income", "codes")}
    medv = found[("medv", "maximum")]
    values = medv["measurement"]["values"]
    assert values["value"] == 50.0 and values["rows_at_value"] == int((frame.medv == 50).sum())
    assert values["distinct_values"] == frame.medv.nunique()
    assert medv["severity"] == "medium" and "a cap" in medv["title"]
    income = found[("income", "codes")]
    assert income["measurement"]["values"]["rows_with_codes"] == 9
    assert income["severity"] == "high" and "missing-value codes" in income["title"]
    summary = [f for f in run_on_frame(CappedValues(), frame).findings if f["severity"] == "info"]
    assert summary[-1]["measurement"]["values"]["columns_flagged"] == 2


def test_the_same_findings_whatever_the_chunks_and_merge_shapes() -> None:
    frame = boston_like(seed=3, n=700)
    assert_chunk_invariant(CappedValues(), frame)
    for seed in range(3):
        tree, reference = tree_fold(CappedValues(), frame, 37, seed)
        assert dumps(snapshot_view(tree)) == dumps(snapshot_view(reference))


def test_survey_codes_beyond_a_small_count_are_named_and_a_real_99_is_not() -> None:
    """PSID: children 0..10 with 98 ('don't know') and 99 ('not asked') on 118 rows: codes,
    high, though the column has 13 values (no cap rule reads it). Ages reaching 99 are ages."""
    rng = np.random.default_rng(5)
    kids = rng.poisson(2, 900).clip(0, 10)
    kids[:73] = 98
    kids[73:118] = 99
    ages = rng.integers(18, 100, 900)
    found = by_column(run_on_frame(CappedValues(), pd.DataFrame({"kids": kids, "age": ages})))
    assert list(found) == [("kids", "codes")]
    codes = found[("kids", "codes")]
    assert codes["severity"] == "high"
    assert codes["measurement"]["values"]["rows_with_codes"] == 118
    assert codes["evidence"]["parameters"]["rows_per_code"] == {"98": 73, "99": 45}
    assert codes["title"].startswith("118 rows of 'kids' hold 98, 99, far beyond its other values")


@FAST
@given(
    values=st.lists(st.integers(-3, 60), min_size=60, max_size=300),
    chunk_rows=st.integers(1, 50),
)
def test_extremes_and_their_counts_match_numpy(values, chunk_rows) -> None:
    """Whatever the values and the chunking, the end counts are numpy's (the rule may or
    may not flag them: the measured values are checked wherever a finding cites them)."""
    data = np.array(values + [values[0]] * 10, dtype=float) + 0.5  # not whole numbers
    top = np.arange(data.size, dtype=float) * 1.5
    top[-10:] = top[-11]  # 11 rows at the top of a column of distinct values: always a cap
    frame = pd.DataFrame({"x": data, "y": top})
    result = run_on_frame(CappedValues(), frame, chunk_rows=chunk_rows)
    found = by_column(result)
    assert ("y", "maximum") in found
    for (column, end), f in found.items():
        col = frame[column]
        target = col.max() if end == "maximum" else col.min()
        assert f["measurement"]["values"]["value"] == target
        assert f["measurement"]["values"]["rows_at_value"] == int((col == target).sum())


def test_a_code_past_a_rating_scale_is_named() -> None:
    """Kakadu: 'future' rated 1..5 with a 9 on one row, 'tvenv' 1..7 with a 9: a 'no answer'
    code or a typo averaged in as an answer. A count of children 0..7 with a family of 9,
    one of 1..7 whose top is rare (a count's thinning tail), and a scale whose top answer
    is 9 with 8 present, are left alone."""
    rng = np.random.default_rng(12)
    n = 1800
    future = rng.integers(1, 6, n).astype(float)
    future[17] = 9
    kids = rng.integers(0, 8, n).astype(float)
    kids[5] = 9
    nine = rng.integers(1, 10, n).astype(float)
    part = rng.choice([1.0, 1.2833, 2.0, 3.0, 4.0, 5.0], n)
    part[3] = 9
    # Doctor's children: 1..7 thinning out (7 in 0.8% of families), one family of 9
    children = np.minimum(rng.geometric(0.35, n), 7).astype(float)
    children[children == 7] = np.where(rng.random(int((children == 7).sum())) < 0.15, 7.0, 6.0)
    children[9] = 9
    frame = pd.DataFrame(
        {"future": future, "kids": kids, "nine": nine, "npart": part, "children": children}
    )
    assert 0 < (children == 7).mean() < 0.02
    result = run_on_frame(CappedValues(), frame)
    found = [f for f in result.findings if f["kind"] == "scale_code"]
    assert [f["subject"]["column"] for f in found] == ["future"]
    assert found[0]["severity"] == "medium"
    assert found[0]["title"] == (
        "1 row of 'future' holds 9, past its scale 1..5: a 'no answer' code or a typo, "
        "averaged in as an answer?"
    )
    assert found[0]["measurement"]["values"]["rows_with_code"] == 1


def test_design_levels_and_an_imputed_scale_have_no_code_and_no_cap() -> None:
    """Car's operating cost takes the design levels 1, 2, 4, 6, 8 (8 the most common): no
    'no answer code past scale 1..6' (rated FALSE). immi5's party identification 1..7 with
    2% imputed fractions: its top answer on 11% of the rows is no 'cap' (rated FALSE); the
    same share piled on a measure's maximum still is."""
    rng = np.random.default_rng(31)
    n = 2400
    cost = rng.choice([1.0, 2.0, 4.0, 6.0, 8.0], n, p=[0.18, 0.24, 0.25, 0.07, 0.26])
    party = rng.choice(np.arange(1.0, 8.0), n, p=[0.18, 0.17, 0.14, 0.12, 0.13, 0.15, 0.11])
    imputed = rng.random(n) < 0.02
    party[imputed] = rng.normal(3.7, 2.0, int(imputed.sum()))
    party = np.minimum(party, 7.0)
    income = np.minimum(rng.lognormal(3, 0.6, n), 60.0)  # top-coded at 60
    frame = pd.DataFrame({"cost1": cost, "prtyid": party, "income": income})
    assert frame["prtyid"].nunique() >= 20 and (party == 7).mean() > 0.1
    result = run_on_frame(CappedValues(), frame)
    found = by_column(result)
    assert not [f for f in result.findings if f["kind"] == "scale_code"]
    assert ("prtyid", "maximum") not in found
    assert ("income", "maximum") in found


def test_integers_past_float_precision_are_left_out_not_capped_and_floored(tmp_path) -> None:
    """uint64 ids near 2**64 collapse to one float64: all 50 rows sat 'at the maximum' and
    'at the minimum', a cap and a floor at once. Such a column is left out."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from pytest_statharness.testing import run_on_file

    ids = np.uint64(2**64 - 1) - np.arange(50, dtype=np.uint64)  # as the rater's file
    path = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"a": np.arange(50), "u64": pa.array(ids, pa.uint64())}), path)
    result = run_on_file(CappedValues(), path)
    findings = [] if result is None else result.findings
    assert not [f for f in findings if f["subject"].get("column") == "u64"]


def test_fractions_among_a_scales_whole_answers_are_named() -> None:
    """immi1..immi5: party identification answered 1..7, 1.6% imputed values among the
    answers (3.59, -0.85, 8.76), listed by four raters as the table's data error. Named at
    medium, with the scale and how far past it they go. Half points of a rating, heights in
    whole inches with a few fractions (58..69) and a 0..15 line scale are left alone."""
    rng = np.random.default_rng(33)
    n = 2485
    party = rng.integers(1, 8, n).astype(float)
    imputed = rng.choice(n, 40, replace=False)
    party[imputed] = np.clip(rng.normal(3.7, 2.2, 40), -0.8, 8.76)
    party[imputed[0]] = -0.85
    halves = rng.integers(2, 11, n) / 2.0  # a 1..5 rating in half points
    height = rng.integers(58, 70, n).astype(float)
    height[:60] += rng.random(60)
    line = np.where(rng.random(n) < 0.7, rng.integers(0, 4, n), rng.uniform(0, 15, n))
    # spam7's 'make': a word's percentage, 0 on 77% of the emails (rater BF): the zeros
    # alone are no scale answered in whole numbers
    make = np.where(rng.random(n) < 0.77, 0.0, np.round(rng.uniform(0.01, 4.5, n), 2))
    make[:10] = [1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0, 1.0, 2.0]
    frame = pd.DataFrame(
        {"prtyid": party, "rating": halves, "mother": height, "grassy": line, "make": make}
    )
    result = run_on_frame(CappedValues(), frame)
    found = [f for f in result.findings if f["kind"] == "scale_fractions"]
    assert [f["subject"]["column"] for f in found] == ["prtyid"]
    f = found[0]
    assert f["severity"] == "medium"
    odd = int((party * 4 != np.floor(party * 4)).sum())
    assert f["measurement"]["values"]["fractional_values"] == odd
    assert f["title"].startswith(
        f"{odd} values of 'prtyid' ({odd / n:.1%}) are fractions on a scale answered in whole "
        "numbers 1..7 (down to -0.85"
    )


def test_a_repeated_maximum_far_beyond_the_rest_is_a_top_code() -> None:
    """nlsyV: income 1,057,448 on 3 of 318 rows, the next value 100,001: the survey's top
    code (the mean of the top incomes written on each of their rows), 0.9% of the rows,
    under the cap screen's share. Medium, the ratio cited. The same maximum on one row, or
    a repeated maximum near the rest, is no code."""
    rng = np.random.default_rng(56)
    income = np.round(rng.gamma(2, 12000, 315))
    income = np.minimum(income, 99000)
    frame = pd.DataFrame({"income": np.r_[income, [1057448.0] * 3]})
    found = [
        f for f in run_on_frame(CappedValues(), frame).findings if f["kind"] == "capped_values"
    ]
    [top] = found
    values = top["measurement"]["values"]
    assert top["severity"] == "medium"
    assert values["rows_at_value"] == 3 and values["next_value"] == income.max()
    assert values["ratio_to_next"] == 1057448.0 / income.max()
    assert "1057448" in top["title"] and "top code" in top["title"]
    once = pd.DataFrame({"income": np.r_[income, [1057448.0]]})
    assert not [
        f for f in run_on_frame(CappedValues(), once).findings if f["kind"] == "capped_values"
    ]
    near = pd.DataFrame({"income": np.r_[income, [income.max() * 1.5] * 3]})
    assert not [
        f for f in run_on_frame(CappedValues(), near).findings if f["kind"] == "capped_values"
    ]


def test_a_count_of_weeks_at_52_is_the_years_bound_not_a_cap() -> None:
    """us_contagious_diseases: 'weeks_reporting' is 52 on 2,036 rows: every week of the
    year reported, not top-coded. The same pile named 'cases' is a cap."""
    rng = np.random.default_rng(57)
    weeks = np.r_[rng.integers(0, 52, 600), np.full(400, 52)]
    for name, capped in (("weeks_reporting", False), ("cases", True)):
        frame = pd.DataFrame({name: weeks})
        found = [
            f for f in run_on_frame(CappedValues(), frame).findings if f["kind"] == "capped_values"
        ]
        assert bool(found) is capped, name


def test_a_measure_on_a_scale_of_ten_tops_at_its_own_bound() -> None:
    """RailTrail's cloud cover in tenths: 9 days at 10, a full overcast, read as 'a cap'
    (rater BI). A fractional measure on 0..10 tops at its own bound; the same pile at 12
    is still a cap."""
    rng = np.random.default_rng(58)
    cover = np.r_[np.round(rng.uniform(0, 9.9, 81), 1), np.full(9, 10.0)]
    past = np.r_[np.round(rng.uniform(0, 11.9, 81), 1), np.full(9, 12.0)]
    for name, values, capped in (("cloudcover", cover, False), ("reading", past, True)):
        frame = pd.DataFrame({name: values})
        found = [
            f for f in run_on_frame(CappedValues(), frame).findings if f["kind"] == "capped_values"
        ]
        assert bool(found) is capped, name


def commodity_like(seed: int = 2) -> pd.DataFrame:
    """Monthly prices from 1960: 'oil' is an annual figure repeated for each month until
    1973 (its minimum held by the 12 months of 1970), 'sugar' stuck at one value for 43
    months, 'clipped' floored at 2.0 on scattered months."""
    rng = np.random.default_rng(seed)
    n = 600
    dates = pd.date_range("1960-01-01", periods=n, freq="MS")
    yearly = np.repeat(np.linspace(1.9, 1.5, 14), 12)
    yearly[120:132] = 1.21
    oil = np.concatenate([yearly, 3 + np.cumsum(np.abs(rng.normal(0, 0.3, n - yearly.size)))])
    sugar = 0.3 + np.abs(rng.normal(0, 0.05, n))
    sugar[96:139] = 0.11
    clipped = np.maximum(rng.normal(4, 1, n), 2.0)
    return pd.DataFrame({"date": dates, "oil": oil, "sugar": sugar, "clipped": clipped})


def test_an_end_held_by_one_stretch_of_months_is_a_value_carried_over() -> None:
    """commodity_prices' Brent oil at 1.21 for the 12 months of 1970 was 'a floor
    (clipped, or a detection limit)' at medium (rater BO: FALSE): an end held by one
    unbroken stretch of rows in time order is a value carried over, medium only from 5%
    of the values (43 stale months of sugar, 7%). Scattered rows at a floor stay a floor."""
    frame = commodity_like()
    result = assert_chunk_invariant(CappedValues(), frame)
    found = by_column(result)
    oil = found[("oil", "minimum")]
    assert oil["severity"] == "low" and "12 consecutive rows" in oil["title"]
    assert (
        oil["measurement"]["values"]["first_row"],
        oil["measurement"]["values"]["last_row"],
    ) == (
        120,
        131,
    )
    sugar = found[("sugar", "minimum")]
    assert sugar["severity"] == "medium" and "rows 96..138" in sugar["title"]
    assert "not a clip" in sugar["title"]
    clipped = found[("clipped", "minimum")]
    assert clipped["severity"] == "medium" and "a floor" in clipped["title"]
    for seed in range(3):
        tree, reference = tree_fold(CappedValues(), frame, 41, seed)
        assert dumps(snapshot_view(tree)) == dumps(snapshot_view(reference))
    # without a time axis the row order means nothing: a floor as before
    plain = by_column(run_on_frame(CappedValues(), frame.drop(columns=["date"])))
    assert "a floor" in plain[("oil", "minimum")]["title"]


@FAST
@given(
    values=st.lists(st.integers(0, 12), min_size=1, max_size=300),
    cuts=st.lists(st.integers(0, 300), max_size=8),
    order=st.randoms(use_true_random=False),
)
def test_the_largest_values_and_their_rows_are_exact_in_any_merge(values, cuts, order) -> None:
    """The 4 largest distinct values of a column and their rows, kept per part and merged
    in any tree, are numpy's: a value among the largest overall is among the largest of
    every part holding it."""
    from statharness_analyses.quality.capped_values import (
        TAIL_VALUES,
        _largest_values,
        _merge_tail,
    )

    data = np.array(values, dtype=float)
    edges = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    parts = [_largest_values(data[a:b]) for a, b in zip(edges, edges[1:], strict=False)]

    def fold(states):
        if len(states) == 1:
            return states[0]
        cut = order.randint(1, len(states) - 1)
        return _merge_tail(fold(states[:cut]), fold(states[cut:]))

    distinct, rows = np.unique(data, return_counts=True)
    expected = {
        float(v): int(k) for v, k in zip(distinct[-TAIL_VALUES:], rows[-TAIL_VALUES:], strict=True)
    }
    assert fold(parts) == expected


def test_a_count_whose_tail_rises_at_its_maximum_is_top_coded() -> None:
    """GSS7402's kids: 376, 208, 100 families with 5, 6, 7 children, then 163 with 8: the
    survey's '8 or more' (rater BO: missed, only a heavy tail). A tail that keeps falling
    to its maximum is no code."""
    rng = np.random.default_rng(1)
    kids = np.repeat(np.arange(9), [2127, 1544, 2338, 1474, 790, 376, 208, 100, 163])
    age = rng.integers(18, 90, kids.size)
    frame = pd.DataFrame({"kids": rng.permutation(kids), "age": age})
    found = by_column(run_on_frame(CappedValues(), frame))
    top = found[("kids", "maximum")]
    assert top["severity"] == "medium" and "a top code ('8 or more')" in top["title"]
    assert top["measurement"]["values"]["rows_at_next"] == 100
    thinning = np.repeat(np.arange(9), [2127, 1544, 2338, 1474, 790, 376, 208, 100, 60])
    assert ("kids", "maximum") not in by_column(
        run_on_frame(CappedValues(), pd.DataFrame({"kids": thinning, "age": age[: thinning.size]}))
    )


def test_the_largest_other_value_beside_a_placeholder_counts_sentinel_shaped_values() -> None:
    """A column reaching 98 with one 1e308: the finding said 'largest other value 97',
    leaving 98 out as shaped like a code though it is none here (rater BP)."""
    rng = np.random.default_rng(2)
    x = rng.integers(0, 98, 300).astype(float)
    x[10], x[20] = 98.0, 1e308
    found = run_on_frame(CappedValues(), pd.DataFrame({"x": x, "y": rng.normal(size=300)}))
    codes = next(f for f in found.findings if f["kind"] == "missing_value_codes")
    assert codes["measurement"]["values"]["largest_other_value"] == 98.0
    assert "largest other value 98)" in codes["title"]
