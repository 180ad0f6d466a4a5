"""Where values go missing (missing_by_group): a column missing more in some levels of a
grouping is not missing at random; missing in exactly some levels, it is not applicable
there. Checked against pandas/scipy, for every chunking, and quiet on random gaps."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from pytest_statharness.registry import Registry
from pytest_statharness.testing import run_on_frame


def analysis():
    return Registry.builtin().get("missing_by_group")


def survey(seed: int = 21, n: int = 3000) -> pd.DataFrame:
    """An IQ score missing for 58% of one group and 24% of the other; a cause of death
    missing exactly where the person is alive; an income missing at random."""
    rng = np.random.default_rng(seed)
    black = rng.random(n) < 0.25
    iq = rng.normal(100, 15, n)
    iq[rng.random(n) < np.where(black, 0.58, 0.24)] = np.nan
    dead = rng.random(n) < 0.3
    income = rng.lognormal(10, 0.5, n)
    income[rng.random(n) < 0.2] = np.nan
    return pd.DataFrame(
        {
            "black": np.where(black, "yes", "no"),
            "death": dead.astype(int),
            "iqscore": iq,
            "chapter": np.where(dead, rng.choice(["Circulatory", "Neoplasms"], n), None),
            "income": income,
            "region": rng.choice(["N", "S", "E", "W"], n),
        }
    )


def by_column(result) -> dict[str, dict]:
    return {f["subject"]["column"]: f for f in result.findings}


def test_missing_more_in_one_group_matches_scipy_and_is_medium() -> None:
    frame = survey()
    found = by_column(run_on_frame(analysis(), frame))
    iq = found["iqscore"]
    assert iq["severity"] == "medium" and iq["subject"]["group_by"] == "black"
    table = pd.crosstab(frame["iqscore"].isna(), frame["black"])
    chi2, p, _, _ = stats.chi2_contingency(table.to_numpy(), correction=False)
    values = iq["measurement"]["values"]
    assert math.isclose(values["chi2"], chi2, rel_tol=1e-12)
    assert math.isclose(values["cramers_v"], math.sqrt(chi2 / len(frame)), rel_tol=1e-12)
    rate = frame.groupby("black")["iqscore"].apply(lambda s: s.isna().mean())
    assert math.isclose(values["highest_rate"], rate["yes"], rel_tol=1e-12)
    assert values["highest_level"] == "yes" and values["lowest_level"] == "no"


def test_missing_in_exactly_some_levels_is_said_so() -> None:
    chapter = by_column(run_on_frame(analysis(), survey()))["chapter"]
    assert chapter["severity"] == "medium"
    assert chapter["measurement"]["values"]["cramers_v"] == 1.0
    assert "is missing exactly where 'death' is 0" in chapter["title"]


def test_random_gaps_are_no_finding_worth_a_look() -> None:
    income = by_column(run_on_frame(analysis(), survey()))["income"]
    assert income["severity"] == "info"


def test_the_same_for_every_chunking() -> None:
    frame = survey(seed=22, n=1500)
    runs = [run_on_frame(analysis(), frame, chunk_rows=r, batch_size=r) for r in (65536, 113)]
    seen = [[(f["title"], f["measurement"], f["severity"]) for f in r.findings] for r in runs]
    assert seen[0] == seen[1]


def test_an_optional_remark_is_low() -> None:
    frame = survey()
    frame["remark"] = np.where(frame["black"] == "yes", "see note", None)
    remark = by_column(run_on_frame(analysis(), frame))["remark"]
    assert remark["severity"] == "low"
    assert "annotation" in remark["evidence"]["parameters"]["severity_capped"]


def test_levels_of_a_row_or_two_show_no_rate() -> None:
    """airports: the state is missing for Palau's one airport and for 8 of 3,372 US ones;
    a one-row level at 100% is no dependence."""
    rng = np.random.default_rng(23)
    n = 3000
    state = rng.choice(["CA", "TX", "NY"], n).astype(object)
    state[rng.choice(n, 8, replace=False)] = None
    frame = pd.DataFrame(
        {
            "country": ["USA"] * n + ["Palau", "Thailand", "Palau"],
            "state": [*state, None, None, None],
        }
    )
    result = run_on_frame(analysis(), frame)
    assert result is None or all(f["severity"] == "info" for f in result.findings)


def test_columns_absent_together_are_one_fact() -> None:
    """RetSchool's 1976 wave: grade, experience and region all absent where smsa76 is 0;
    the strongest is medium, the others low with same_fact_as."""
    rng = np.random.default_rng(24)
    n = 3000
    smsa = rng.random(n) < 0.6
    absent = rng.random(n) < np.where(smsa, 0.01, 0.58)
    frame = pd.DataFrame(
        {
            "smsa76": smsa.astype(int),
            "grade76": np.where(absent, np.nan, rng.integers(8, 18, n)),
            "exp76": np.where(absent, np.nan, rng.integers(0, 15, n)),
        }
    )
    found = by_column(run_on_frame(analysis(), frame))
    severities = sorted(f["severity"] for f in found.values())
    assert severities == ["low", "medium"]
    low = next(f for f in found.values() if f["severity"] == "low")
    assert low["evidence"]["parameters"]["same_fact_as"] in ("grade76", "exp76")


def test_missing_among_the_young_is_found_by_binned_age() -> None:
    """bfi: education is missing for most of the teenage respondents and hardly anyone
    older; age has too many values to be a grouping, so its range is cut in 8 equal-width
    bins. The counts per bin match pandas' cut of the same range."""
    rng = np.random.default_rng(8)
    n = 2800
    age = np.round(rng.gamma(4, 7, n) + 12).clip(3, 86)
    education = rng.integers(1, 6, n).astype(float)
    education[rng.random(n) < np.where(age < 20, 0.6, 0.01)] = np.nan
    frame = pd.DataFrame({"age": age, "education": education})
    found = [f for f in run_on_frame(analysis(), frame).findings if f["kind"] == "missing_by_group"]
    assert len(found) == 1 and found[0]["severity"] == "medium", found
    f = found[0]
    assert f["subject"] == {"column": "education", "group_by": "age"}
    assert f["title"].startswith("'education' goes missing with 'age'")
    lo, hi = float(age.min()), float(age.max())
    edges = lo + (hi - lo) / 8 * np.arange(9)
    codes = np.clip(np.floor((age - lo) / (hi - lo) * 8), 0, 7).astype(int)
    by_level = f["evidence"]["parameters"]["missing_by_level"]
    assert list(by_level) == [f"{edges[i]:.4g}..{edges[i + 1]:.4g}" for i in sorted(set(codes))]
    assert "'wait' goes missing with 'hours': " in missing_title(hours=True)
    for i, label in zip(sorted(set(codes)), by_level, strict=True):
        rows = codes == i
        assert by_level[label] == [int(np.isnan(education[rows]).sum()), int(rows.sum())]


def missing_title(hours: bool) -> str:
    """Bins of a measure in the thousands are labelled with thousands separators."""
    rng = np.random.default_rng(2)
    n = 1000
    spent = rng.uniform(0, 40_000, n)
    wait = rng.normal(5, 1, n)
    wait[spent < 5_000] = np.nan
    frame = pd.DataFrame({"hours": spent, "wait": wait})
    found = [f for f in run_on_frame(analysis(), frame).findings if f["kind"] == "missing_by_group"]
    title = found[0]["title"]
    assert "..5,0" in title or "5,00" in title, title
    return title


def test_a_rate_two_missing_rows_make_is_at_most_low() -> None:
    """Davis: 2 reported weights missing among the 9 shortest people read as '22% against
    0%' at medium; a rate that few rows make, on cells too small for chi-square, is low.
    The same pattern over 30 missing rows stays medium."""
    rng = np.random.default_rng(2)
    site = np.array(["A"] * 5 + ["B"] * 95 + ["C"] * 100)
    weight = rng.normal(60, 8, site.size)
    weight[[0, 1, 5, 6, 7]] = np.nan  # 2 of A's 5 rows, 3 of B's 95
    f = by_column(run_on_frame(analysis(), pd.DataFrame({"site": site, "repwt": weight})))
    f = f["repwt"]
    assert f["severity"] == "low", f["title"]
    assert "rests on 2 missing rows" in f["evidence"]["parameters"]["severity_capped"]
    many = np.array(["A"] * 60 + ["B"] * 570 + ["C"] * 600)
    weight = rng.normal(60, 8, many.size)
    weight[:24] = np.nan
    weight[60:66] = np.nan
    g = by_column(run_on_frame(analysis(), pd.DataFrame({"site": many, "repwt": weight})))
    assert g["repwt"]["severity"] == "medium"


def test_missing_outcomes_by_a_trials_arm_are_its_attrition() -> None:
    """Arthritis: 'Improved' missing for 67% of the placebo patients and 32% of the treated
    (p 0.001) was info: Bonferroni at 0.1% over every pair, and age bins predicted the
    gaps more strongly without being significant. A trial's arm predicting the gaps is
    its differential attrition: medium at 1% over the arm's pairs. The same columns with
    the grouping named 'batch' keep the table-wide bar."""
    rng = np.random.default_rng(5)
    arm = np.repeat(["Placebo", "Treated"], [43, 41])
    gone = np.r_[rng.permutation(np.arange(43) < 29), rng.permutation(np.arange(41) < 13)]
    frame = pd.DataFrame(
        {
            "Treatment": arm,
            "Sex": rng.choice(["Female", "Male"], 84),
            "Age": rng.integers(23, 75, 84),
            "Improved": np.where(gone, None, rng.choice(["Some", "Marked"], 84)),
        }
    )
    found = run_on_frame(analysis(), frame).findings
    (finding,) = [f for f in found if f["subject"]["column"] == "Improved"]
    assert finding["subject"]["group_by"] == "Treatment"
    assert finding["severity"] == "medium"
    assert "trial_arm" in finding["evidence"]["parameters"]
    assert finding["title"] == (
        "'Improved' goes missing with 'Treatment': 67% of rows at Placebo against 32% at Treated"
    )
    batch = run_on_frame(analysis(), frame.rename(columns={"Treatment": "batch"})).findings
    assert all(f["severity"] in ("info", "low") for f in batch)


def test_a_statistic_not_yet_recorded_is_missing_by_era() -> None:
    """baseball (1871..2007): double plays and sacrifice flies were not recorded in the
    early years. 'year' has too many values to be a grouping and was no bin either, so
    the missing rows were 'missing with sh' (sacrifice hits, common then: rated FALSE, a
    proxy of the era). Years are cut into eras like measures, first among the bins, and
    labelled by whole years; per era the counts match pandas."""
    rng = np.random.default_rng(14)
    n = 4000
    year = rng.integers(1871, 2008, n)
    sh = np.round(np.clip(rng.normal(np.where(year < 1930, 25, 5), 4), 0, None))
    gidp = rng.poisson(8, n).astype(float)
    gidp[year < 1945] = np.nan  # within the era 1939..1955
    frame = pd.DataFrame({"year": year, "sh": sh, "gidp": gidp})
    found = by_column(run_on_frame(analysis(), frame))
    f = found["gidp"]
    assert f["subject"] == {"column": "gidp", "group_by": "year"}
    assert f["severity"] == "medium"
    assert f["title"].startswith("'gidp' goes missing with 'year': 100% of rows at 1871..")
    by_level = f["evidence"]["parameters"]["missing_by_level"]
    lo, hi = 1871, 2007
    codes = np.clip(np.floor((year - lo) / (hi - lo) * 8), 0, 7).astype(int)
    for i, (label, counts) in enumerate(by_level.items()):
        first, last = (int(v) for v in label.split(".."))
        rows = (year >= first) & (year <= last)
        assert (rows == (codes == i)).all()
        assert counts == [int(np.isnan(gidp[rows]).sum()), int(rows.sum())]


def test_a_change_missing_in_the_first_year_is_no_finding() -> None:
    """jtrain's chrsemp, clemploy, cgrant_1 'missing exactly where year is 1987' (rated
    FALSE four times): a change from the year before has none in the first year. A
    transformed copy (role detail derived_term) is left to its base; a measure missing
    in one year still is reported."""
    rng = np.random.default_rng(6)
    firms, years = 150, 3
    employ = rng.lognormal(4, 1, firms * years)
    frame = pd.DataFrame(
        {
            "year": np.tile([1987, 1988, 1989], firms),
            "employ": employ,
            "cemploy": np.diff(employ.reshape(firms, years), axis=1, prepend=np.nan).ravel(),
            "sales": np.where(np.tile([1, 0, 0], firms) == 1, np.nan, rng.lognormal(8, 1, 450)),
        }
    )
    found = {
        f["subject"].get("column")
        for f in run_on_frame(analysis(), frame).findings
        if f["severity"] in ("medium", "high")
    }
    assert "sales" in found and "cemploy" not in found


def test_a_perfect_split_of_a_few_rows_does_not_explain_the_rest() -> None:
    """Hawks: Sex is not recorded for red-tails (99% missing, < 3% for the others); Tarsus,
    measured on 75 of 908 birds, splits those few rows perfectly. The species is what the
    missing values follow, not the tarsus bins."""
    rng = np.random.default_rng(31)
    n = 900
    species = rng.choice(["RT", "CH", "SS"], n, p=[0.65, 0.1, 0.25])
    sex = np.where(rng.uniform(size=n) < 0.5, "F", "M").astype(object)
    sex[(species == "RT") & (rng.uniform(size=n) < 0.99)] = None
    sex[(species != "RT") & (rng.uniform(size=n) < 0.02)] = None
    tarsus = np.full(n, np.nan)
    measured = np.flatnonzero(rng.uniform(size=n) < 0.08)
    tarsus[measured] = np.where(pd.isna(sex[measured]), 90.0, 40.0) + rng.normal(
        0, 2, measured.size
    )
    frame = pd.DataFrame({"Species": species, "Sex": sex, "Tarsus": tarsus})
    found = [
        f
        for f in run_on_frame(analysis(), frame).findings
        if f["kind"] == "missing_by_group" and f["subject"]["column"] == "Sex"
    ]
    assert [f["subject"]["group_by"] for f in found] == ["Species"]
    assert found[0]["severity"] in ("medium", "high")


def test_attrition_across_a_wide_series_is_one_fact() -> None:
    """billboard's wk1..wk76: a song leaves the chart after a few weeks, so 'wk14' goes
    missing with a poor rank in 'wk9' - 21 mediums of one fact. Numbered copies of one
    measure are a wide table's periods: missing_by_group between them is low, and
    missingness keeps one finding for the series (empty columns stay their own)."""
    rng = np.random.default_rng(5)
    n, weeks = 300, 30
    rank = rng.uniform(1, 100, n)
    stay = np.clip((20 - rank / 6 + rng.normal(0, 2, n)).astype(int), 2, weeks)
    frame = pd.DataFrame(
        {
            f"wk{w}": np.where(w <= stay, np.clip(rank - w + rng.normal(0, 3, n), 1, 100), np.nan)
            for w in range(1, weeks + 1)
        }
    )
    frame["wk31"] = np.nan
    frame["wk32"] = np.nan
    result = run_on_frame(analysis(), frame)
    by_series = [f for f in result.findings if f["subject"]["group_by"].startswith("wk")]
    assert by_series and all(f["severity"] in ("low", "info") for f in by_series)
    assert any(
        "numbered copies" in f["evidence"]["parameters"].get("severity_capped", "")
        for f in by_series
    )
    missing = run_on_frame(Registry.builtin().get("missingness"), frame)
    notable = [f for f in missing.findings if f["severity"] in ("medium", "high")]
    assert [f["kind"] for f in notable].count("empty_columns") == 1
    assert len([f for f in notable if f["kind"] != "empty_columns"]) == 1, [
        f["title"] for f in notable
    ]


def test_numbered_columns_that_do_not_lose_rows_in_order_are_no_attrition() -> None:
    """neuro's V1..V6 (electrodes, missing where the reading saturates: 429, 51, 0, 1,
    24, 379) are numbered like a wide series but do not lose rows number by number: how
    one goes missing with another's extreme readings stays medium."""
    rng = np.random.default_rng(6)
    n = 500
    base = rng.normal(0, 50, n)
    frame = pd.DataFrame({f"V{k}": base + rng.normal(0, 10, n) for k in range(1, 7)})
    frame.loc[frame["V2"] < -60, "V1"] = np.nan  # V1 saturates where V2 reads low
    frame.loc[frame["V5"] > 60, "V6"] = np.nan
    result = run_on_frame(analysis(), frame)
    found = {f["subject"]["column"]: f for f in result.findings if f["kind"] == "missing_by_group"}
    assert found["V1"]["severity"] == "medium"
    assert "severity_capped" not in found["V1"]["evidence"]["parameters"]


def test_a_column_missing_at_one_level_and_elsewhere_is_not_missing_exactly_there() -> None:
    """penguins_raw's 'Delta 15 N' is missing at the comment 'Not enough blood' (7 rows)
    and on rows with no comment: the title said "missing exactly where ... and present at
    every other level", which was not so."""
    rng = np.random.default_rng(7)
    n = 300
    comment = np.array([None] * n, dtype=object)
    comment[:8] = "Not enough blood for isotopes."
    comment[8:30] = "Nest never observed with full clutch."
    value = rng.normal(9, 0.5, n)
    value[:8] = np.nan
    value[200:207] = np.nan  # no comment there
    frame = pd.DataFrame({"Comments": comment, "Delta 15 N": value})
    result = run_on_frame(analysis(), frame)
    f = next(f for f in result.findings if f["subject"].get("group_by") == "Comments")
    assert "exactly" not in f["title"]
    assert "(8 of its 15 missing rows)" in f["title"]
