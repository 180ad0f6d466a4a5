"""simpsons_rates: two yes/no columns whose odds ratio reverses within a category's levels
(Whickham's smokers), against a direct pandas computation; a confounder that does not
reverse, and a recoded copy of a column, make no finding."""

from __future__ import annotations

import numpy as np
import pandas as pd
from analysis_helpers import assert_chunk_invariant, vals
from scipy import stats
from statharness_analyses.relationships.simpsons_rates import SimpsonsRates

from pytest_statharness.testing import run_on_frame


def whickham(seed: int = 1, reverse: bool = True) -> pd.DataFrame:
    """Women in two age groups: the old die far more often and smoke less; within each
    group smokers die more often (reverse) or as often (no effect within)."""
    rng = np.random.default_rng(seed)
    rows = []
    for group, n, smoke_share, death_non, death_smoker in (
        ("18-64", 1070, 0.55, 0.10, 0.20 if reverse else 0.10),
        ("65+", 300, 0.12, 0.80, 0.92 if reverse else 0.80),
    ):
        smoker = rng.random(n) < smoke_share
        died = rng.random(n) < np.where(smoker, death_smoker, death_non)
        rows.append(
            pd.DataFrame(
                {
                    "Outcome": np.where(died, "Dead", "Alive"),
                    "Smoker": np.where(smoker, "Yes", "No"),
                    "AgeGroup": group,
                }
            )
        )
    frame = pd.concat(rows, ignore_index=True).sample(frac=1, random_state=seed)
    return frame.assign(Alive=(frame["Outcome"] == "Alive").astype(int))


def _direct(frame: pd.DataFrame) -> tuple[float, float, float]:
    """(pooled OR, Mantel–Haenszel OR, CMH p) of smoking and death, by pandas."""
    dead, smoker = frame["Outcome"] == "Dead", frame["Smoker"] == "Yes"
    t = pd.crosstab(smoker, dead)
    pooled = t.loc[True, True] * t.loc[False, False] / (t.loc[True, False] * t.loc[False, True])
    num = den = a_sum = expected = variance = 0.0
    for _, g in frame.groupby("AgeGroup"):
        d, s = g["Outcome"] == "Dead", g["Smoker"] == "Yes"
        a, b = (s & d).sum(), (s & ~d).sum()
        c, e = (~s & d).sum(), (~s & ~d).sum()
        n = a + b + c + e
        num += a * e / n
        den += b * c / n
        a_sum += a
        expected += (a + b) * (a + c) / n
        variance += (a + b) * (c + e) * (a + c) * (b + e) / (n * n * (n - 1))
    return pooled, num / den, stats.chi2.sf((a_sum - expected) ** 2 / variance, 1)


def test_smokers_who_die_less_pooled_but_more_at_every_age_are_a_paradox() -> None:
    frame = whickham()
    result = assert_chunk_invariant(SimpsonsRates(), frame)
    found = [f for f in result.findings if f["kind"] == "simpsons_rates"]
    assert len(found) == 1  # 'Alive' recodes 'Outcome': said once
    (f,) = found
    assert f["severity"] == "medium"
    assert f["subject"] == {"columns": ["Outcome", "Smoker"], "stratum": "AgeGroup"}
    pooled, mh, p = _direct(frame)
    v = vals(f)
    assert abs(v["pooled_odds_ratio"] - pooled) < 1e-12
    assert abs(v["stratified_odds_ratio"] - mh) < 1e-12
    assert abs(v["stratified_p_value"] - p) < 1e-9
    assert (v["pooled_odds_ratio"] - 1) * (v["stratified_odds_ratio"] - 1) < 0


def test_a_confounder_that_does_not_reverse_makes_no_paradox() -> None:
    frame = whickham(reverse=False)
    result = run_on_frame(SimpsonsRates(), frame)
    assert not [f for f in result.findings if f["kind"] == "simpsons_rates"]
    (summary,) = result.findings
    assert vals(summary)["reversals"] == 0


def test_a_stratum_that_restates_a_column_is_no_confounder() -> None:
    """Regression corpus: mediation's out by med.enc 'reversed' within out.enc (a coding
    of out), voucher's choice by selectyrs4 within select (a flag nested in it), htv's
    south by ne18 within ne (one-hot regions): such strata are not read."""
    from statharness_analyses.relationships.simpsons_rates import _nested, _same_stem

    assert _same_stem("out.enc", "out") and _same_stem("unem75", "unem78")
    assert _same_stem("ne18", "ne") and _same_stem("selectyrs4", "select")
    assert not _same_stem("AgeGroup", "Outcome") and not _same_stem("Smoker", "AgeGroup")
    # selectyrs4 = 1 only where select = 1: its 'yes' lives in one level of the stratum
    nested = [(30, 20, 0, 0), (15, 40, 25, 60)]
    assert _nested(nested)
    assert not _nested([(95, 437, 65, 474), (44, 6, 165, 28)])  # Whickham2's age groups
