"""Exact integer moments and overflow-free means (pytest_statharness.accumulators).

Property tests over int64/uint64 extremes and floats near the overflow limit: every sum
equals Python's integer (or rational) arithmetic, every result is the one correct rounding.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_statharness.accumulators import (
    ExactSum,
    IntegerMoments,
    int_square_sum,
    int_sum,
    ratio_to_float,
    sqrt_ratio,
)

INT64 = st.integers(-(2**63), 2**63 - 1)
UINT64 = st.integers(0, 2**64 - 1)
EXTREMES = st.sampled_from([-(2**63), -(2**63) + 1, -1, 0, 1, 2**53, 2**53 + 1, 2**63 - 1])
BIG_FLOATS = st.floats(min_value=1e307, max_value=1.7976931348623157e308)


def _is_correct_rounding(value: float, exact: Fraction) -> bool:
    """``value`` is the float nearest to ``exact`` (ties: either neighbour is accepted)."""
    down, up = math.nextafter(value, -math.inf), math.nextafter(value, math.inf)
    low = (Fraction(down) + Fraction(value)) / 2 if math.isfinite(down) else -math.inf
    high = (Fraction(value) + Fraction(up)) / 2 if math.isfinite(up) else math.inf
    return low <= exact <= high


def _sqrt_is_correct_rounding(value: float, num: int, den: int) -> bool:
    """Like :func:`_is_correct_rounding` for sqrt(num/den), compared through squares."""
    target = Fraction(num, den)
    down, up = math.nextafter(value, 0.0), math.nextafter(value, math.inf)
    low = (Fraction(down) + Fraction(value)) / 2
    high = (Fraction(value) + Fraction(up)) / 2
    return low * low <= target <= high * high


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(INT64, EXTREMES), max_size=300))
def test_int64_sums_are_python_integers(values) -> None:
    array = np.array(values, dtype=np.int64)
    assert int_sum(array) == sum(values)
    assert int_square_sum(array) == sum(v * v for v in values)


@settings(max_examples=200, deadline=None)
@given(st.lists(UINT64, max_size=300))
def test_uint64_sums_are_python_integers(values) -> None:
    array = np.array(values, dtype=np.uint64)
    assert int_sum(array) == sum(values)
    assert int_square_sum(array) == sum(v * v for v in values)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(INT64, EXTREMES), min_size=2, max_size=200), st.integers(0, 200))
def test_moments_split_merge_mean_and_std_are_exact(values, cut) -> None:
    array = np.array(values, dtype=np.int64)
    whole = IntegerMoments()
    whole.add_array(array)
    left, right = IntegerMoments(), IntegerMoments()
    left.add_array(array[:cut])
    right.add_array(array[cut:])
    before = right.to_state()
    assert left.merged(right) == whole == right.merged(left)
    assert right.to_state() == before  # merge leaves its argument alone
    n = len(values)
    assert _is_correct_rounding(whole.mean(), Fraction(sum(values), n))
    num, den = whole.variance_ratio(1)
    assert Fraction(num, den) == Fraction(
        n * sum(v * v for v in values) - sum(values) ** 2, n * (n - 1)
    )
    assert _sqrt_is_correct_rounding(whole.std(1), num, den)
    assert math.isfinite(whole.mean()) and math.isfinite(whole.std(1))


def test_300_distinct_values_from_2_63_are_not_constant() -> None:
    values = [2**63 + i for i in range(300)]
    moments = IntegerMoments()
    moments.add_array(np.array(values, dtype=np.uint64))
    assert moments.mean() == float(Fraction(sum(values), 300))
    # population of 0..299 shifted: sample std = sqrt(300 * 301 / 12) exactly rounded
    assert moments.std(1) == math.sqrt(300 * 301 / 12)
    # the float64 detour sees one value only
    assert len(set(np.array(values, dtype=np.uint64).astype(np.float64).tolist())) == 1


def test_std_near_2_53_is_exact() -> None:
    values = [2**53 + i for i in range(0, 40, 3)]
    moments = IntegerMoments()
    moments.add_array(np.array(values, dtype=np.int64))
    exact = np.std(np.arange(0, 40, 3, dtype=np.float64), ddof=1)  # shift-invariant
    assert moments.std(1) == exact


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(BIG_FLOATS, BIG_FLOATS.map(lambda x: -x)), min_size=1, max_size=50))
def test_float_mean_near_overflow_is_finite_and_exact(values) -> None:
    total = ExactSum()
    total.add_array(np.array(values, dtype=np.float64))
    mean = total.mean(len(values))
    assert math.isfinite(mean)
    assert _is_correct_rounding(mean, sum(Fraction(v) for v in values) / len(values))


def test_a_mean_of_3_6e307_is_not_infinity() -> None:
    values = np.full(10, 3.6e307)
    total = ExactSum()
    total.add_array(values)
    assert total.value() == math.inf  # the sum is past float64 ...
    assert total.mean(10) == 3.6e307  # ... its mean is not


def test_ratio_and_sqrt_edges() -> None:
    assert ratio_to_float(10**400, 1) == math.inf
    assert ratio_to_float(-(10**400), 1) == -math.inf
    assert ratio_to_float(1, 3) == 1 / 3
    assert sqrt_ratio(0, 5) == 0.0
    assert sqrt_ratio(2, 1) == math.sqrt(2)
    assert sqrt_ratio(10**700, 1) == math.inf
    assert _sqrt_is_correct_rounding(sqrt_ratio(2**127 + 1, 3), 2**127 + 1, 3)


def test_profile_numeric_keeps_big_integers_exact(pytester) -> None:
    """profile_numeric on int64/uint64 columns past 2**53 and floats near the overflow limit:
    exact integer min/max, std of the exact variance, finite means."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    n = 3000
    index = np.arange(n)
    big_u = (index % 300).astype(np.uint64) + np.uint64(2**63)
    big_i = (2**62 + (index % 300) * 3).astype(np.int64)
    near53 = (2**53 + (index * 7919) % 400).astype(np.int64)
    huge = np.where(index % 2 == 0, 3.5e307, 3.6e307)
    spread = np.where(index % 2 == 0, -1.5e307, 1.5e307)
    table = pa.table(
        {
            "big_u": pa.array(big_u, pa.uint64()),
            "big_i": big_i,
            "near53": near53,
            "huge": huge,
            "spread": spread,
        }
    )
    (pytester.path / "data").mkdir()
    pq.write_table(table, pytester.path / "data" / "big.parquet")
    result = pytester.runpytest(
        "--stat-dataset", "big=data/big.parquet", "-k", "profile_numeric", "--snapshot-update"
    )
    assert result.ret == 0, result.stdout.str()
    import json

    found = json.loads((pytester.path / "snapshots" / "big" / "profile_numeric.json").read_text())
    found = found if isinstance(found, list) else found["findings"]
    values = {f["subject"]["column"]: f["measurement"]["values"] for f in found}

    def exact_std(column) -> Fraction:
        ints = [int(v) for v in column]
        mean = Fraction(sum(ints), len(ints))
        return sum((v - mean) ** 2 for v in ints) / (len(ints) - 1)

    for name, column in (("big_u", big_u), ("big_i", big_i), ("near53", near53)):
        v = values[name]
        assert v["min"] == int(column.min()) and v["max"] == int(column.max())
        assert _sqrt_is_correct_rounding(v["std"], *exact_std(column).as_integer_ratio())
        assert v["mean"] == float(Fraction(sum(int(x) for x in column), n))
    assert values["big_u"]["std"] > 0  # not a constant column
    assert values["huge"]["mean"] == float(sum(Fraction(x) for x in huge) / n)
    assert values["spread"]["std"] == pytest.approx(1.5e307 * math.sqrt(n / (n - 1)), rel=1e-15)
    assert all(
        isinstance(x, int | float) and math.isfinite(x)
        for v in values.values()
        for x in v.values()
        if x is not None
    )


def test_moments_of_tiny_and_huge_measures_are_not_lost(pytester) -> None:
    """Squares of values near 1e-300 underflow to 0 and fourth powers of values near 1e200
    overflow: std, skewness, kurtosis and Pearson r are folded scaled by a power of two
    (exact), so they equal numpy's/scipy's on the same values brought near 1, scaled back."""
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq
    from scipy import stats

    base = np.random.default_rng(1).normal(size=500)
    other = base + np.random.default_rng(2).normal(size=500)
    table = pa.table({"tiny": base * 1e-300, "huge": base * 1e200, "tiny2": other * 1e-300})
    (pytester.path / "data").mkdir()
    pq.write_table(table, pytester.path / "data" / "scales.parquet")
    result = pytester.runpytest(
        "--stat-dataset",
        "s=data/scales.parquet",
        "-k",
        "profile_numeric or shape or correlation",
        "--snapshot-update",
    )
    assert result.ret == 0, result.stdout.str()
    for analysis in ("profile_numeric", "shape"):
        found = json.loads((pytester.path / "snapshots" / "s" / f"{analysis}.json").read_text())
        found = found if isinstance(found, list) else found["findings"]
        values = {f["subject"]["column"]: f["measurement"]["values"] for f in found}
        for name, scale in (("tiny", 1e-300), ("huge", 1e200)):
            expected_std = np.std(table[name].to_numpy() / scale, ddof=1) * scale
            assert values[name]["std"] == pytest.approx(expected_std, rel=1e-12), analysis
            if analysis == "shape":
                assert values[name]["skewness"] == pytest.approx(
                    stats.skew(base, bias=False), rel=1e-9
                )
                assert values[name]["excess_kurtosis"] == pytest.approx(
                    stats.kurtosis(base, bias=False), rel=1e-9
                )
                assert values[name]["variance"] is None  # past float64 either way
    found = json.loads((pytester.path / "snapshots" / "s" / "correlation.json").read_text())
    found = found if isinstance(found, list) else found["findings"]
    r = {tuple(f["subject"]["columns"]): f["measurement"]["values"]["pearson_r"] for f in found}
    expected = np.corrcoef(base, other)[0, 1]
    assert r[("tiny", "tiny2")] == pytest.approx(expected, rel=1e-12)
    assert r[("huge", "tiny2")] == pytest.approx(expected, rel=1e-12)


def test_every_analysis_runs_on_unsorted_integers_past_2_53(pytester) -> None:
    """A rater's column of 2**53 + 1, 5, 7 repeated (and int64's largest value) crashed
    duplicate_rows: a safe cast to double refused a value with no exact double."""
    rows = [f"{[2**53 + 1, 5, 7, 2**63 - 1][i % 4]},{i % 7}\n" for i in range(300)]
    (pytester.path / "big.csv").write_text("a,b\n" + "".join(rows))
    result = pytester.runpytest(
        "--stat-dataset", "big=big.csv", "--stat-explore", "-p", "no:randomly"
    )
    assert result.ret == 0, result.stdout.str()[-3000:]
    assert "Traceback" not in result.stdout.str() and "ArrowInvalid" not in result.stdout.str()
