"""distribution analyses: histogram, outliers, benford, shape — against numpy/scipy on the
whole frame, chunk-size invariance, empty columns, planted effects and clean data."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import statharness_analyses.distribution as distribution_family
from analysis_helpers import assert_chunk_invariant, by_column, vals
from scipy import stats
from statharness_analyses._shared.hist import MAX_BINS
from statharness_analyses.distribution.benford import Benford, first_digits
from statharness_analyses.distribution.histogram import Histogram
from statharness_analyses.distribution.outliers import GAUSS_RATE, Outliers
from statharness_analyses.distribution.shape import Shape

from pytest_statharness.registry import _validate
from pytest_statharness.testing import run_on_frame

REL = 1e-9


def test_metadata_valid():
    analyses = distribution_family.statharness_analyses()
    assert [a.id for a in analyses] == ["histogram", "outliers", "benford", "shape"]
    for a in analyses:
        _validate(a, "test")
        assert a.family == "distribution" and a.exact and a.access


# -- histogram ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def hist_frame():
    rng = np.random.default_rng(11)
    n = 400
    mostly_zero = np.zeros(n)
    mostly_zero[rng.choice(n, 30, replace=False)] = rng.uniform(1, 50, 30)
    wide = rng.standard_cauchy(n)
    with_inf = rng.normal(size=n)
    with_inf[[3, 9]] = [np.inf, -np.inf]
    with_inf[[4]] = np.nan
    return pd.DataFrame(
        {
            "normal": rng.normal(5, 2, n),
            "ints": rng.integers(0, 40, n),
            "mostly_zero": mostly_zero,
            "cauchy": wide,
            "with_inf": with_inf,
            "constant": np.full(n, 3.25),
            "empty": np.full(n, np.nan),
        }
    )


def test_histogram_matches_numpy(hist_frame):
    result = assert_chunk_invariant(Histogram(), hist_frame)
    found = by_column(result)
    assert list(found) == list(hist_frame.columns)
    for col, rule in (("normal", "fd"), ("ints", "fd"), ("mostly_zero", "sturges")):
        x = hist_frame[col].to_numpy()
        edges = np.histogram_bin_edges(x, bins=rule)
        v = vals(found[col])
        assert v["bin_edges"] == edges.tolist(), col
        assert v["counts"] == np.histogram(x, bins=edges)[0].tolist(), col
        q3, q1 = np.percentile(x, [75, 25])
        assert (v["q1"], v["q3"], v["iqr"]) == (q1, q3, q3 - q1)
        assert v["count"] == x.size and sum(v["counts"]) == x.size
    assert found["mostly_zero"]["evidence"]["parameters"]["bin_rule"] == "sturges"
    assert found["normal"]["evidence"]["parameters"]["bin_rule"] == "freedman_diaconis"


def test_histogram_cap_nonfinite_constant_empty(hist_frame):
    found = by_column(run_on_frame(Histogram(), hist_frame, chunk_rows=50))
    x = hist_frame["cauchy"].to_numpy()
    v = vals(found["cauchy"])
    assert v["bins"] == MAX_BINS
    assert found["cauchy"]["evidence"]["parameters"]["bins_capped"] is True
    edges = np.linspace(x.min(), x.max(), MAX_BINS + 1)
    assert v["bin_edges"] == edges.tolist()
    assert v["counts"] == np.histogram(x, bins=edges)[0].tolist()

    x = hist_frame["with_inf"].to_numpy()
    finite = x[np.isfinite(x)]
    v = vals(found["with_inf"])
    assert (v["count"], v["null_count"], v["nonfinite_count"]) == (finite.size, 1, 2)
    assert (
        v["counts"] == np.histogram(finite, bins=np.histogram_bin_edges(finite, "fd"))[0].tolist()
    )

    v = vals(found["constant"])
    assert v["bin_edges"] == [2.75, 3.75] and v["counts"] == [400]
    v = vals(found["empty"])
    assert v["count"] == 0 and v["null_count"] == 400
    assert v["bin_edges"] is None and v["counts"] is None and v["q1"] is None


# -- outliers -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def outlier_frame():
    rng = np.random.default_rng(5)
    n = 600
    planted = rng.normal(50, 4, n)
    where = [17, 230, 231, 599]
    planted[where] = [400.0, -300.0, 150.0, 900.0]
    return pd.DataFrame(
        {
            "planted": planted,
            "clean": rng.normal(0, 1, n),
            "flat": np.where(np.arange(n) % 50 == 0, 9.0, 1.0),
            "empty": np.full(n, np.nan),
        }
    ), where


def test_outliers_match_scipy_and_find_planted(outlier_frame):
    frame, where = outlier_frame
    result = assert_chunk_invariant(Outliers(), frame)
    found = by_column(result)
    assert [f["subject"]["column"] for f in result.findings] == list(frame.columns)

    x = frame["planted"].to_numpy()
    f = found["planted"]
    v = vals(f)
    q1, med, q3 = np.percentile(x, [25, 50, 75])
    mad = stats.median_abs_deviation(x)
    assert (v["q1"], v["median"], v["q3"]) == (q1, med, q3)
    assert v["mad"] == mad
    iqr = q3 - q1
    assert v["below_inner_fence"] == np.sum(x < q1 - 1.5 * iqr)
    assert v["above_inner_fence"] == np.sum(x > q3 + 1.5 * iqr)
    assert v["above_outer_fence"] == np.sum(x > q3 + 3.0 * iqr)
    z = 0.6745 * (x - med) / mad
    hits = np.flatnonzero(np.abs(z) > 3.5)
    assert v["mad_outliers"] == hits.size
    assert set(where) <= set(hits.tolist())
    assert v["max_abs_modified_z"] == pytest.approx(np.abs(z).max(), rel=REL)
    assert f["kind"] == "outliers" and f["severity"] in ("medium", "high")
    top = sorted(np.argsort(-np.abs(z), kind="stable")[: min(20, hits.size)].tolist())
    assert f["evidence"]["example_rows"] == top
    p_count = stats.binom.sf(hits.size - 1, x.size, GAUSS_RATE)
    assert v["p_value_count"] == pytest.approx(p_count, rel=REL)
    assert v["mad_outlier_share"] == hits.size / x.size


def test_outliers_clean_flat_empty(outlier_frame):
    frame, _ = outlier_frame
    found = by_column(run_on_frame(Outliers(), frame, chunk_rows=64))
    assert found["clean"]["kind"] == "outlier_fences" and found["clean"]["severity"] == "info"
    v = vals(found["flat"])  # MAD = 0: z undefined, no MAD outliers claimed
    assert v["mad"] == 0.0 and v["mad_outliers"] is None
    assert found["flat"]["kind"] == "outlier_fences"
    assert v["above_inner_fence"] == 12  # IQR = 0: every 9.0 is past the fence
    v = vals(found["empty"])
    assert v["count"] == 0 and v["median"] is None and v["mad_outliers"] is None


def test_outliers_clean_data_many_columns_do_not_fire():
    rng = np.random.default_rng(99)
    frame = pd.DataFrame({f"c{i}": rng.normal(size=3000) for i in range(6)})
    result = run_on_frame(Outliers(), frame)
    assert {f["kind"] for f in result.findings} == {"outlier_fences"}


# -- outliers on the log10 scale ------------------------------------------------------------
def decades_p1_p99(x: np.ndarray) -> float:
    """The screen's span, computed independently: 0.01-decade bins, nearest lower rank."""
    b = np.sort(np.floor(np.log10(x[x > 0]) * 100))
    n = b.size
    return float(b[math.floor(0.99 * (n - 1))] - b[math.floor(0.01 * (n - 1))]) / 100


@pytest.fixture(scope="module")
def log_frame():
    rng = np.random.default_rng(21)
    n = 3000
    amount = np.round(np.exp(rng.normal(3.0, 1.5, n)), 2)
    high, low = [11, 1500, 2999], [700]
    amount[high] *= 1e4
    amount[low] /= 1e4
    waits = np.round(np.exp(rng.normal(8.0, 1.8, n)), 3)
    waits[rng.random(n) < 0.1] = 0.0
    waits[[5, 6]] = np.nan
    return pd.DataFrame(
        {
            "amount": amount,
            "waits": waits,
            "signed": rng.normal(0, 1, n) * 10.0 ** rng.integers(0, 4, n),
            "narrow": rng.uniform(10, 90, n),
            "few": np.r_[np.exp(rng.normal(0, 3, 15)), np.full(n - 15, np.nan)],
        }
    ), sorted(high + low)


def check_log_scale(x: np.ndarray, f: dict) -> np.ndarray:
    """Compare a log10-scale outliers finding with numpy/scipy on log10 of the positive
    values of ``x`` (the whole column); returns the dataset positions of the MAD outliers."""
    v = vals(f)
    params = f["evidence"]["parameters"]
    finite = x[np.isfinite(x)]
    pos = np.flatnonzero(np.isfinite(x) & (x > 0))
    t = np.log10(x[pos])
    assert params["scale"] == "log10"
    assert params["decades_p1_p99"] == decades_p1_p99(finite)
    assert (v["count"], v["zero_count"], v["scored_count"]) == (
        finite.size,
        int(np.sum(finite == 0)),
        t.size,
    )
    q1, med, q3 = np.percentile(t, [25, 50, 75])
    mad = stats.median_abs_deviation(t)
    assert (v["q1"], v["median"], v["q3"], v["iqr"], v["mad"]) == (q1, med, q3, q3 - q1, mad)
    assert f["measurement"]["units"]["median"] == "log10(value)"
    iqr = q3 - q1
    for k, label in ((1.5, "inner"), (3.0, "outer")):
        lo, hi = q1 - k * iqr, q3 + k * iqr
        assert v[f"lower_{label}_fence"] == pytest.approx(np.power(10.0, lo), rel=1e-14)
        assert v[f"upper_{label}_fence"] == pytest.approx(np.power(10.0, hi), rel=1e-14)
        assert v[f"below_{label}_fence"] == np.sum(t < lo)
        assert v[f"above_{label}_fence"] == np.sum(t > hi)
    z = 0.6745 * (t - med) / mad
    hits = np.flatnonzero(np.abs(z) > 3.5)
    assert v["mad_outliers"] == hits.size
    assert v["mad_outliers_above"] == np.sum(z[hits] > 0)
    assert v["max_abs_deviation"] == np.abs(t - med).max()
    assert v["expected_gaussian_outliers"] == pytest.approx(t.size * GAUSS_RATE, rel=REL)
    p_count = stats.binom.sf(hits.size - 1, t.size, GAUSS_RATE)
    assert v["p_value_count"] == pytest.approx(p_count, rel=REL)
    if hits.size:
        zmax = np.abs(z).max()
        assert v["max_abs_modified_z"] == pytest.approx(zmax, rel=REL)
        p1 = 2 * stats.norm.sf(zmax * stats.norm.ppf(0.75) / 0.6745)
        assert v["p_value_extreme"] == pytest.approx(1 - (1 - p1) ** t.size, rel=1e-6)
        top = np.argsort(-np.abs(z), kind="stable")[: min(20, hits.size)]
        assert f["evidence"]["example_rows"] == sorted(pos[top].tolist())
    return pos[hits]


def test_outliers_log_scale_matches_numpy(log_frame):
    frame, planted = log_frame
    result = assert_chunk_invariant(Outliers(), frame)
    found = by_column(result)
    assert [f["subject"]["column"] for f in result.findings] == list(frame.columns)

    amount = found["amount"]
    flagged = check_log_scale(frame["amount"].to_numpy(), amount)
    assert set(planted) <= set(flagged.tolist())  # above and below; plus 2 natural tail rows
    assert len(flagged) == len(planted) + 2
    # 6 / 3000 flagged (under 1 %): medium when the most extreme is >= 10 robust z, low below
    z = vals(amount)["max_abs_modified_z"]
    assert amount["kind"] == "outliers"
    assert amount["severity"] == ("high" if z >= 20 else "medium" if z >= 10 else "low")
    assert "log10 scale" in amount["title"]
    assert set(planted) <= set(amount["evidence"]["example_rows"])
    assert vals(amount)["p_value_extreme"] < 1e-6

    waits = found["waits"]  # lognormal with 10 % zeros: zeros set aside, nothing flagged
    x = frame["waits"].to_numpy()
    flagged = check_log_scale(x, waits)
    assert not set(flagged.tolist()) & set(np.flatnonzero(x == 0).tolist())
    assert waits["kind"] == "outlier_fences" and waits["severity"] == "info"
    assert vals(waits)["lower_inner_fence"] > 0  # a fence back on the original scale

    reasons = {c: found[c]["evidence"]["parameters"]["scale_reason"] for c in found}
    assert reasons["signed"] == "negative values"
    assert reasons["few"] == "15 positive values < 20"
    assert reasons["narrow"].endswith("< 2")
    for col in ("signed", "narrow", "few"):  # the raw scale: as numpy on the values
        assert found[col]["evidence"]["parameters"]["scale"] == "raw"
        x = frame[col].dropna().to_numpy()
        assert vals(found[col])["median"] == np.median(x)
        assert vals(found[col])["mad"] == stats.median_abs_deviation(x)
        assert vals(found[col])["scored_count"] == x.size


def test_outliers_lognormal_columns_are_at_most_low():
    """Right-skewed magnitudes over several decades are not 'outliers' on the log scale (on
    the raw scale the MAD rule flags 5-25 % of their rows)."""
    rng = np.random.default_rng(42)
    frame = pd.DataFrame(
        {f"ln{s}": np.exp(rng.normal(4.0, s, 5000)) for s in (1.0, 1.5, 2.3, 3.0)}
        | {"with_zeros": np.where(rng.random(5000) < 0.2, 0.0, np.exp(rng.normal(0, 2, 5000)))}
    )
    result = run_on_frame(Outliers(), frame)
    for f in result.findings:
        assert f["evidence"]["parameters"]["scale"] == "log10"
        assert f["severity"] in ("info", "low")
    raw = frame["ln2.3"].to_numpy()
    z = 0.6745 * (raw - np.median(raw)) / stats.median_abs_deviation(raw)
    assert np.mean(np.abs(z) > 3.5) > 0.05  # what the raw scale would have said


def test_a_uniform_share_near_zero_stays_on_the_raw_scale():
    """U(0, 1) on 100 rows spans two decades from P1 to P99, so the screen chose log10, and
    its smallest values (0.002) read as medium 'isolated outliers' (rater BF's bad input).
    Its quartiles are symmetric raw and skewed in log10: the raw scale is kept, nothing is
    flagged. A log-uniform column still goes to log10."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "u": np.concatenate([[0.002, 0.004], rng.uniform(0, 1, 98)]),
            "loguniform": 10.0 ** rng.uniform(0, 3, 100),
        }
    )
    found = by_column(run_on_frame(Outliers(), frame))
    u = found["u"]["evidence"]["parameters"]
    assert u["scale"] == "raw" and "no more symmetric in log10" in u["scale_reason"]
    assert found["u"]["severity"] == "info"
    assert found["loguniform"]["evidence"]["parameters"]["scale"] == "log10"


def test_the_largest_values_of_a_small_skewed_table_are_no_isolated_points():
    """GHR04's urban growth (rater BE): 7.35, 4.79, 4.10 flagged, then 3.92, 3.62 just
    inside the cut-off. Three flagged values that continue the bulk are its end, not
    isolated points: low, the gap cited. One value far from every other stays medium."""
    rng = np.random.default_rng(1)
    bulk = np.clip(rng.normal(1.8, 0.7, 175), -0.4, 3.45)
    ends = [3.53, 3.62, 3.92, 4.10, 4.79, 7.35]
    tail = pd.DataFrame({"growth": np.concatenate([bulk, ends])})
    found = by_column(run_on_frame(Outliers(), tail))["growth"]
    assert found["severity"] == "low"
    assert found["evidence"]["parameters"]["isolation_gap_z"] < 1.0
    error = pd.DataFrame({"growth": np.concatenate([bulk, [9.5]])})
    assert by_column(run_on_frame(Outliers(), error))["growth"]["severity"] in ("medium", "high")


def test_outliers_scale_screen_threshold():
    """The screen: P1..P99 of the positive values (0.01-decade bins) >= 2 decades."""
    rng = np.random.default_rng(7)
    n = 2000
    frame = pd.DataFrame(
        {
            "wide": 10.0 ** rng.uniform(0, 2.2, n),
            "narrower": 10.0 ** rng.uniform(0, 1.9, n),
            "zeros_only": np.zeros(n),
            "empty": np.full(n, np.nan),
        }
    )
    found = by_column(run_on_frame(Outliers(), frame, chunk_rows=333))
    for col, scale in (("wide", "log10"), ("narrower", "raw")):
        params = found[col]["evidence"]["parameters"]
        assert params["scale"] == scale
        assert params["decades_p1_p99"] == decades_p1_p99(frame[col].to_numpy())
    v = vals(found["zeros_only"])
    assert found["zeros_only"]["evidence"]["parameters"]["scale"] == "raw"
    assert v["zero_count"] == n and v["mad"] == 0.0 and v["mad_outliers"] is None
    v = vals(found["empty"])
    assert v["count"] == 0 and v["scored_count"] == 0 and v["median"] is None
    assert found["empty"]["evidence"]["parameters"]["decades_p1_p99"] is None


# -- benford --------------------------------------------------------------------------------
def first_digit(x: float) -> int:
    return int(next(ch for ch in repr(float(x)) if ch in "123456789"))


@pytest.fixture(scope="module")
def benford_frame():
    rng = np.random.default_rng(3)
    n = 3000
    uniform_digit = rng.integers(1, 10, n) * 10.0 ** rng.integers(0, 5, n) + 0.5
    return pd.DataFrame(
        {
            "amount": np.round(np.exp(rng.normal(5, 2.5, n)), 2),
            "fabricated": uniform_digit,
            "signed": rng.normal(0, 1, n),
            "narrow": rng.uniform(10, 90, n),
            "few": np.r_[np.exp(rng.normal(0, 3, 50)), np.full(n - 50, np.nan)],
        }
    )


def test_benford_matches_scipy(benford_frame):
    result = assert_chunk_invariant(Benford(), benford_frame)
    found = by_column(result, "benford")
    assert list(found) == ["amount", "fabricated"]
    for col in found:
        x = benford_frame[col].to_numpy()
        x = x[x > 0]
        digits = np.bincount([first_digit(v) for v in x], minlength=10)[1:]
        v = vals(found[col])
        assert v["digit_counts"] == digits.tolist()
        expected = x.size * np.log10(1 + 1 / np.arange(1, 10))
        chi = stats.chisquare(digits, expected)
        assert v["chi_square"] == pytest.approx(chi.statistic, rel=REL)
        assert v["p_value"] == pytest.approx(chi.pvalue, rel=REL, abs=1e-300)
        mad = np.mean(np.abs(digits / x.size - np.log10(1 + 1 / np.arange(1, 10))))
        assert v["nigrini_mad"] == pytest.approx(mad, rel=REL)
    assert found["amount"]["evidence"]["parameters"]["conformity"] in (
        "close_conformity",
        "acceptable_conformity",
    )
    assert found["amount"]["severity"] == "info"
    assert found["fabricated"]["evidence"]["parameters"]["conformity"] == "nonconformity"
    assert found["fabricated"]["severity"] == "low"  # medium only for a declared KPI
    summary = result.findings[-1]
    assert summary["kind"] == "benford_screen"
    screen = summary["evidence"]["parameters"]["screen"]
    assert not screen["signed"]["eligible"] and not screen["narrow"]["eligible"]
    assert not screen["few"]["eligible"]
    assert vals(summary) == {"columns_screened": 5, "columns_eligible": 2}


def test_benford_first_digits_of_awkward_floats():
    x = np.array([0.3, 1e-05, 1e20, 123.456, 2.5e-300, 5e-324, 9.999999999999999e22, 0.07])
    assert first_digits(x).tolist() == [first_digit(v) for v in x]


def test_benford_empty_column():
    frame = pd.DataFrame({"empty": np.full(50, np.nan), "zeros": np.zeros(50)})
    result = run_on_frame(Benford(), frame)
    assert [f["kind"] for f in result.findings] == ["benford_screen"]
    assert vals(result.findings[0])["columns_eligible"] == 0


# -- shape ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def shape_frame():
    rng = np.random.default_rng(8)
    n = 2000
    return pd.DataFrame(
        {
            "normal": rng.normal(1e6, 3.0, n),
            "skewed": rng.exponential(2.0, n),
            "heavy": rng.standard_t(2.5, n),
            "tiny": np.r_[[1.0, 2.0, 4.0], np.full(n - 3, np.nan)],
            "constant": np.full(n, 7.0),
            "empty": np.full(n, np.nan),
        }
    )


def test_shape_matches_scipy(shape_frame):
    result = assert_chunk_invariant(Shape(), shape_frame)
    found = by_column(result)
    for col in ("normal", "skewed", "heavy"):
        x = shape_frame[col].to_numpy()
        v = vals(found[col])
        assert v["mean"] == float(sum(map(Fraction, x)) / x.size)  # correctly rounded
        assert v["variance"] == pytest.approx(np.var(x, ddof=1), rel=REL)
        assert v["skewness"] == pytest.approx(stats.skew(x, bias=False), rel=REL, abs=1e-12)
        assert v["excess_kurtosis"] == pytest.approx(
            stats.kurtosis(x, bias=False), rel=REL, abs=1e-12
        )
    assert found["heavy"]["kind"] == "heavy_tail" and found["heavy"]["severity"] == "low"
    assert found["normal"]["kind"] == "shape" and vals(found["normal"])["heavy_tailed"] is False
    assert found["skewed"]["kind"] == "shape"

    v = vals(found["tiny"])  # n = 3: skewness defined, kurtosis not
    assert v["skewness"] == pytest.approx(stats.skew([1.0, 2.0, 4.0], bias=False), rel=REL)
    assert v["excess_kurtosis"] is None and v["heavy_tailed"] is False
    v = vals(found["constant"])
    assert v["variance"] == 0.0 and v["skewness"] is None and v["excess_kurtosis"] is None
    v = vals(found["empty"])
    assert v["count"] == 0 and v["mean"] is None and v["heavy_tailed"] is None


def test_shape_mean_exact_under_cancellation():
    x = np.array([1e16, 1.0, -1e16, 1.0] * 25)
    result = run_on_frame(Shape(), pd.DataFrame({"x": x}), chunk_rows=3)
    assert vals(result.findings[0])["mean"] == math.fsum(x) / x.size == 0.5


def test_max_findings_cap_is_reported(hist_frame):
    result = run_on_frame(Histogram(), hist_frame, overrides={"max_findings": 2})
    assert [f["subject"]["column"] for f in result.findings] == ["normal", "ints"]
    left = result.findings[-1]["evidence"]["parameters"]["findings_left_out"]
    assert left["count"] == 5 and left["cap"] == "max_findings"


def test_one_value_far_beyond_a_tail_is_medium_the_tail_alone_low():
    """MCAS' special-needs spending: districts with a tail of high values (low), and one
    at 53,569, three times the next: that one is worth a look (medium, cited first)."""
    rng = np.random.default_rng(9)
    base = rng.normal(5000, 800, 220)
    base[:6] = [9000, 9500, 10200, 11000, 12500, 13000]  # a tail: 2.7% flagged
    tail = base.copy()
    beyond = base.copy()
    beyond[100] = 60000.0
    result = by_column(run_on_frame(Outliers(), pd.DataFrame({"tail": tail, "beyond": beyond})))
    assert result["tail"]["severity"] == "low"
    f = result["beyond"]
    assert f["severity"] == "medium", f["title"]
    assert "one value far beyond it" in f["title"]
    assert 100 in f["evidence"]["example_rows"]
    z = 0.6745 * (beyond - np.median(beyond)) / stats.median_abs_deviation(beyond)
    assert f["measurement"]["values"]["max_abs_modified_z"] == pytest.approx(np.abs(z).max())


def test_outliers_on_the_same_rows_as_a_stronger_columns_are_said_once():
    """UScereal: the three bran cereals are the outliers of fibre and of potassium, two
    medium findings for one case. The more extreme keeps its severity and names the
    other; the other is low. A column whose outliers are other rows keeps its own severity."""
    rng = np.random.default_rng(8)
    n = 80
    fibre = rng.normal(2.0, 0.5, n)
    potassium = 40 + 20 * fibre + rng.normal(0, 5, n)
    sodium = rng.normal(200, 30, n)
    fibre[[0, 1, 2]] = [30.0, 28.0, 29.0]
    potassium[[0, 1, 2]] = [900.0, 880.0, 850.0]
    sodium[[40, 41]] = [900.0, 950.0]
    frame = pd.DataFrame({"fibre": fibre, "potassium": potassium, "sodium": sodium})
    result = assert_chunk_invariant(Outliers(), frame)
    found = by_column(result)
    # potassium's values stand further out (robust z), so it is the one kept
    assert found["potassium"]["severity"] == "high"
    assert found["potassium"]["evidence"]["parameters"]["same_rows_in"] == ["fibre"]
    assert found["potassium"]["title"].endswith("; the same rows stand out in 'fibre'")
    assert found["fibre"]["severity"] == "low"
    assert "'potassium'" in found["fibre"]["evidence"]["parameters"]["same_rows_as"]
    assert found["sodium"]["severity"] in ("medium", "high")
    assert "same_rows_as" not in found["sodium"]["evidence"]["parameters"]


def test_isolated_follow_up_times_of_a_survival_table_are_its_spread() -> None:
    """burn's T1 (days to excision: 32, 39, 49 apart from the bulk) beside its event flag
    D1: the follow-up's own spread (low). The same values in a column that is no
    follow-up time are isolated values (medium)."""
    from pytest_statharness.registry import Registry
    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(9)
    n = 150
    t1 = np.r_[rng.uniform(10, 16, n - 3).round(1), [32, 39, 49]]
    frame = pd.DataFrame({"T1": t1, "D1": (rng.uniform(size=n) < 0.5).astype(int)})
    outliers = Registry.builtin().get("outliers")
    (f,) = [x for x in run_on_frame(outliers, frame).findings if x["subject"]["column"] == "T1"]
    assert f["severity"] == "low"
    assert "follow-up time" in f["evidence"]["parameters"]["severity_capped"]
    plain = frame.rename(columns={"T1": "dose", "D1": "flag"})
    (f,) = [x for x in run_on_frame(outliers, plain).findings if x["subject"]["column"] == "dose"]
    assert f["severity"] == "medium"
