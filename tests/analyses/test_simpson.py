"""Simpson's paradox: values checked against numpy, chunk-size invariance, no false alarm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statharness_analyses.relationships.simpsons_paradox import SimpsonsParadox

from pytest_statharness.testing import run_on_frame


def paradox_frame(rows_per_group: int = 200, seed: int = 3, reverse: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for k, name in enumerate(["a", "b", "c"]):
        x = rng.normal(10.0 * k, 1.0, rows_per_group)
        # within a group y rises with x; the groups' centres fall (pooled r < 0)
        y = (x - 10.0 * k) * (0.8 if reverse else -0.8) - 12.0 * k + rng.normal(0, 0.5, x.size)
        parts.append(pd.DataFrame({"x": x, "y": y, "group": name}))
    return pd.concat(parts, ignore_index=True)


def test_reversal_is_reported_with_numpy_values() -> None:
    frame = paradox_frame()
    findings = run_on_frame(SimpsonsParadox(), frame).findings
    assert len(findings) == 1
    f = findings[0]
    assert f["severity"] == "medium" and f["subject"]["group_column"] == "group"
    values = f["measurement"]["values"]
    assert values["pooled_r"] == pytest.approx(np.corrcoef(frame.x, frame.y)[0, 1], rel=1e-9)
    for name, part in frame.groupby("group"):
        assert values[f"r[{name}]"] == pytest.approx(np.corrcoef(part.x, part.y)[0, 1], rel=1e-9)
        assert values[f"r[{name}]"] > 0 > values["pooled_r"]


def test_chunk_size_does_not_change_findings() -> None:
    frame = paradox_frame()
    whole = run_on_frame(SimpsonsParadox(), frame).findings
    split = run_on_frame(SimpsonsParadox(), frame, chunk_rows=37).findings
    assert [f["measurement"] for f in split] == [f["measurement"] for f in whole]


def test_same_sign_within_groups_is_no_paradox() -> None:
    frame = paradox_frame(reverse=False)  # negative within and pooled
    assert run_on_frame(SimpsonsParadox(), frame).findings == []


def state_panel(reverse: bool = True, states: int = 40, years: int = 7, seed: int = 5):
    """Fatality-like: across states a higher tax goes with more deaths; within a state,
    years with a higher tax have fewer (reverse=True) or more (reverse=False) deaths."""
    rng = np.random.default_rng(seed)
    level = rng.normal(0, 1, states)
    tax = np.repeat(level, years) + rng.normal(0, 0.3, states * years)
    within = tax - np.repeat(level, years)
    deaths = 2 + np.repeat(level, years) + (-0.8 if reverse else 0.8) * within
    return pd.DataFrame(
        {
            "state": np.repeat([f"S{i:02d}" for i in range(states)], years),
            "year": np.tile(np.arange(1982, 1982 + years), states),
            "tax": tax,
            "deaths": deaths + rng.normal(0, 0.15, states * years),
        }
    )


def test_a_reversal_within_the_units_of_a_panel_is_reported() -> None:
    """40 states x 7 years (too few rows per state for a per-state r): the within-state
    (fixed-effects) coefficient, checked against numpy's on the demeaned values."""
    frame = state_panel()
    findings = run_on_frame(SimpsonsParadox(), frame).findings
    assert len(findings) == 1, [f["title"] for f in findings]
    f = findings[0]
    assert f["kind"] == "within_unit_reversal" and f["severity"] == "medium"
    values = f["measurement"]["values"]

    def two_way(v: pd.Series) -> pd.Series:
        by_state, by_year = v.groupby(frame.state), v.groupby(frame.year)
        return v - by_state.transform("mean") - by_year.transform("mean") + v.mean()

    dx, dy = two_way(frame.tax), two_way(frame.deaths)
    assert values["within_r"] == pytest.approx(np.corrcoef(dx, dy)[0, 1], rel=1e-9)
    assert values["pooled_r"] == pytest.approx(np.corrcoef(frame.tax, frame.deaths)[0, 1])
    assert values["within_r"] < 0 < values["pooled_r"] and values["levels"] == 40
    assert values["periods"] == 7 and "each 'date(year)' period's means" in f["title"]
    split = run_on_frame(SimpsonsParadox(), frame, chunk_rows=13).findings
    assert [s["measurement"] for s in split] == [f["measurement"]]
    assert run_on_frame(SimpsonsParadox(), state_panel(reverse=False)).findings == []
    # the same rows without a time axis: the many-level category is no panel's units
    assert run_on_frame(SimpsonsParadox(), frame.drop(columns="year")) is None  # not planned


def test_two_national_trends_are_no_reversal_within_the_units() -> None:
    """texas, prison: alcohol sales fall and the black share rises in every state year
    after year; within a state the two correlate negatively (one-way within r -0.4)
    against +0.15 across states, but each year's mean removed leaves nothing (rated FALSE
    18 times). Nor is an unbalanced panel's reversal reported, nor one over 2 periods."""
    rng = np.random.default_rng(11)
    states, years = 40, 12
    level = np.repeat(rng.normal(0, 3, states), years)
    t = np.tile(np.arange(years), states)
    frame = pd.DataFrame(
        {
            "state": np.repeat([f"S{i:02d}" for i in range(states)], years),
            "year": 1990 + t,
            "alcohol": level - 0.3 * t + rng.normal(0, 0.3, t.size),
            "black": level + 0.3 * t + rng.normal(0, 0.3, t.size),
        }
    )
    one_way = frame[["alcohol", "black"]] - frame.groupby("state")[["alcohol", "black"]].transform(
        "mean"
    )
    assert one_way.corr().iloc[0, 1] < -0.5 < 0 < frame[["alcohol", "black"]].corr().iloc[0, 1]
    assert run_on_frame(SimpsonsParadox(), frame).findings == []
    unbalanced = state_panel().drop(index=[3, 50, 51])
    assert run_on_frame(SimpsonsParadox(), unbalanced).findings == []
    assert run_on_frame(SimpsonsParadox(), state_panel(years=2)) is None  # no panel's units


def test_a_measure_that_hardly_moves_within_the_units_reverses_nothing() -> None:
    """prison: a state's black share (census figures interpolated year to year) keeps 0.1%
    of its variance within the states; its 'reversal' with prisoners per capita (-0.55
    within, +0.71 across states) rests on those wiggles (rated FALSE). A measure keeping
    under 5% of its variance within units and periods is not read for a reversal."""
    frame = state_panel()
    level = frame.groupby("state").tax.transform("mean")
    wiggle = frame.tax - level
    frame["tax"] = level * 10 + wiggle  # the same within-state moves, 100x the spread across
    share = (wiggle**2).sum() / ((frame.tax - frame.tax.mean()) ** 2).sum()
    assert share < 0.05
    assert run_on_frame(SimpsonsParadox(), frame).findings == []


def test_a_series_and_its_lags_are_no_paradox_and_a_twin_key_is_not_repeated() -> None:
    """PatentsHGH: R&D (logr) and its lags (logr3) correlate across firms; demeaned within
    a firm's few years their correlation turns negative by construction (Nickell). Named
    as a series and its lag, a reversal is not reported; the same values under other names
    are. And a state's code beside its name keys the same groups: one finding, not two."""
    frame = state_panel()
    assert [f["kind"] for f in run_on_frame(SimpsonsParadox(), frame).findings] == [
        "within_unit_reversal"
    ]
    lagged = frame.rename(columns={"tax": "logr", "deaths": "logr3"})
    assert run_on_frame(SimpsonsParadox(), lagged) is None  # no pair left to test
    twin = frame.assign(code=lambda d: d["state"].str.lower())
    found = run_on_frame(SimpsonsParadox(), twin).findings
    assert [f["subject"]["group_column"] for f in found] == ["state"]


@pytest.mark.parametrize("chunk_rows", [7, 1000])
def test_two_measures_never_filled_on_one_row_are_no_pair(chunk_rows: int) -> None:
    """msq: items asked in different experiments are never filled in together; a chunk
    (or the whole table) with no complete row for a pair adds nothing, and does not fail."""
    rng = np.random.default_rng(5)
    rows = 120
    first = rng.normal(0, 1, rows)
    second = rng.normal(0, 1, rows)
    first[rows // 2 :] = np.nan
    second[: rows // 2] = np.nan
    frame = pd.DataFrame(
        {
            "exper": np.repeat(["a", "b", "c"], rows // 3),
            "active": first,
            "calm": second,
            "other": rng.normal(0, 1, rows),
        }
    )
    result = run_on_frame(SimpsonsParadox(), frame, chunk_rows=chunk_rows)
    assert not [
        f for f in result.findings if set(f["subject"].get("columns", [])) == {"active", "calm"}
    ]


def test_a_reversal_by_chance_is_not_a_paradox():
    """car.test.frame: Reliability and HP 'reversed within every level of Type' with a
    pooled r of p 0.21 and a within-type r of +0.08: nothing to reverse, and nothing
    reversed. Three car types of 12 rows whose pooled r (-0.13, p 0.46) is chance are not
    reported; the old rule (signs and sizes per level only) fired on them."""
    from scipy import stats

    rng = np.random.default_rng(2)
    parts = []
    for k, level in enumerate("abc"):
        x = rng.normal(0, 1, 12) + k
        y = 0.5 * (x - k) + rng.normal(0, 1, 12) - 0.9 * k
        parts.append(pd.DataFrame({"x": x, "y": y, "g": level}))
    frame = pd.concat(parts, ignore_index=True)
    pooled = stats.pearsonr(frame["x"], frame["y"])
    assert pooled[0] < -0.1 and pooled[1] > 0.05
    assert all(stats.pearsonr(p["x"], p["y"])[0] >= 0.2 for p in parts)
    result = run_on_frame(SimpsonsParadox(), frame)
    assert result is None or not result.findings


def test_levels_too_small_to_judge_are_named_in_the_title() -> None:
    """'every level' was said of the levels of 10+ rows alone; a level of 4 rows left out
    is now said: 'every level of 'group' with 10+ rows (3 of 4)'."""
    frame = paradox_frame()
    small = pd.DataFrame({"x": [50.0, 51.0, 52.0, 53.0], "y": [-9.0, -9.5, -10.0, -10.5]})
    frame = pd.concat([frame, small.assign(group="d")], ignore_index=True)
    [f] = run_on_frame(SimpsonsParadox(), frame).findings
    assert "every level of 'group' with 10+ rows (3 of 4)" in f["title"]
    values = f["measurement"]["values"]
    assert values["within_r"] > 0 > values["pooled_r"]
    assert values["pooled_p"] < 0.01 and values["within_p"] < 0.01
