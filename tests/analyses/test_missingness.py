"""missingness against pandas.isna, with NaN, caps, and across chunk sizes."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from analysis_helpers import FAST, of_kind, tree_fold
from hypothesis import given
from hypothesis import strategies as st
from statharness_analyses.quality.missingness import Missingness

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_file, run_on_frame

ANALYSIS = Missingness()


def expected_pairs(frame: pd.DataFrame) -> list[tuple[int, str, str]]:
    """(count, a, b) for every pair both missing somewhere, in the reported order."""
    na = frame.isna()
    out = []
    for a, b in itertools.combinations(frame.columns, 2):
        both = int((na[a] & na[b]).sum())
        if both:
            out.append((both, a, b))
    return sorted(out, key=lambda t: (-t[0], t[1], t[2]))


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 1200
    df = pd.DataFrame(
        {
            "a": rng.random(n),
            "b": pd.array(rng.choice(["x", "y", "z"], n), dtype="string"),
            "c": pd.array(rng.integers(0, 100, n), dtype="Int64"),
            "d": pd.Series(pd.date_range("2020-01-01", periods=n, freq="h")),
            "full": rng.random(n),
            "flag": pd.array(rng.random(n) < 0.5, dtype="boolean"),
        }
    )
    gone = rng.random(n) < 0.2
    df.loc[gone, "a"] = np.nan
    df.loc[gone & (rng.random(n) < 0.7), "b"] = None  # b tends to go with a
    df.loc[rng.random(n) < 0.1, "c"] = None
    df.loc[rng.random(n) < 0.05, "d"] = pd.NaT
    df.loc[rng.random(n) < 0.3, "flag"] = None
    return df


def test_matches_pandas(frame):
    findings = run_on_frame(ANALYSIS, frame, chunk_rows=64).findings
    na = frame.isna()
    summary = findings[0]
    assert summary["kind"] == "missingness_summary"
    values = summary["measurement"]["values"]
    assert values["rows_checked"] == len(frame)
    assert values["columns_checked"] == frame.shape[1]
    assert values["columns_with_missing"] == int((na.sum() > 0).sum())
    assert values["rows_with_missing"] == int(na.any(axis=1).sum())
    assert values["complete_rows"] == int((~na.any(axis=1)).sum())
    assert values["missing_cells"] == int(na.to_numpy().sum())

    rates = of_kind(findings, "null_rate")
    assert [f["subject"]["column"] for f in rates] == [c for c in frame.columns if na[c].any()]
    for f in rates:
        column = f["subject"]["column"]
        got = f["measurement"]["values"]
        assert got["null_count"] == int(na[column].sum())
        assert got["null_rate"] == int(na[column].sum()) / len(frame)

    pairs = of_kind(findings, "co_missing")
    expected = expected_pairs(frame)
    assert [
        (f["measurement"]["values"]["co_missing_count"], *f["subject"]["columns"]) for f in pairs
    ] == expected
    assert values["pairs_with_co_missing"] == len(expected)
    for f in pairs:
        a, b = f["subject"]["columns"]
        got = f["measurement"]["values"]
        na_a, na_b = int(na[a].sum()), int(na[b].sum())
        assert got["expected_count"] == na_a * na_b / len(frame)
        assert got["lift"] == got["co_missing_count"] * len(frame) / (na_a * na_b)
    # a and b were made to go missing together.
    top = pairs[0]
    assert top["subject"]["columns"] == ["a", "b"] and top["measurement"]["values"]["lift"] > 2
    assert [f["evidence"]["parameters"]["rank"] for f in pairs] == list(range(1, len(pairs) + 1))


def test_identical_across_chunk_sizes(frame):
    texts = {
        dumps(snapshot_view(run_on_frame(ANALYSIS, frame, chunk_rows=rows).findings))
        for rows in (7, 1000, len(frame))
    }
    assert len(texts) == 1


def test_nan_counts_as_missing(tmp_path):
    table = pa.table(
        {
            "x": pa.array([1.0, float("nan"), None, 4.0, float("nan")], pa.float64()),
            "y": pa.array([None, float("nan"), 2.0, 3.0, 5.0], pa.float32()),
            "s": pa.array(["NaN", None, "a", "b", "c"]),
        }
    )
    file = tmp_path / "nan.parquet"
    pq.write_table(table, file)
    findings = run_on_file(ANALYSIS, file, chunk_rows=2).findings
    rates = {
        f["subject"]["column"]: f["measurement"]["values"] for f in of_kind(findings, "null_rate")
    }
    frame = table.to_pandas()
    for column in ("x", "y", "s"):
        assert rates[column]["null_count"] == int(frame[column].isna().sum())
    assert rates["x"] == {"null_count": 3, "nan_count": 2, "null_rate": 3 / 5}
    assert rates["y"]["nan_count"] == 1
    assert rates["s"]["nan_count"] == 0  # the string "NaN" is a value
    pairs = {tuple(f["subject"]["columns"]): f for f in of_kind(findings, "co_missing")}
    assert pairs[("x", "y")]["measurement"]["values"]["co_missing_count"] == 1
    assert pairs[("x", "s")]["measurement"]["values"]["co_missing_count"] == 1


def test_no_missing_values():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": pd.array(["x", "y", "z"], dtype="string")})
    findings = run_on_frame(ANALYSIS, df).findings
    assert [f["kind"] for f in findings] == ["no_missing_values"]
    values = findings[0]["measurement"]["values"]
    assert values["columns_with_missing"] == 0
    assert values["complete_rows"] == 3
    assert values["pairs_with_co_missing"] == 0


def test_max_pairs_cap_is_stated(frame):
    findings = run_on_frame(ANALYSIS, frame, overrides={"max_pairs": 2}).findings
    pairs = of_kind(findings, "co_missing")
    total = len(expected_pairs(frame))
    assert len(pairs) == 2
    assert [tuple(f["subject"]["columns"]) for f in pairs] == [
        p[1:] for p in expected_pairs(frame)[:2]
    ]
    for f in pairs:
        params = f["evidence"]["parameters"]
        assert params["pairs_left_out"] == total - 2
        assert params["pairs_with_co_missing"] == total
    assert findings[0]["measurement"]["values"]["pairs_left_out"] == total - 2


def test_max_findings_cap(frame):
    findings = run_on_frame(ANALYSIS, frame, overrides={"max_findings": 3}).findings
    assert len(findings) == 3
    summary = findings[0]["measurement"]["values"]
    with_missing = int((frame.isna().sum() > 0).sum())
    assert summary["null_rate_findings_left_out"] == with_missing - 2
    assert summary["pairs_reported"] == 0
    assert summary["pairs_left_out"] == summary["pairs_with_co_missing"]


def test_max_columns_cap_left_out(frame):
    findings = run_on_frame(ANALYSIS, frame, overrides={"max_columns": 2}).findings
    assert findings[0]["evidence"]["left_out"] == {
        "columns": ["c", "d", "full", "flag"],
        "cap": "max_columns",
    }
    assert findings[0]["measurement"]["values"]["columns_checked"] == 2


masks = st.integers(1, 40).flatmap(
    lambda n: st.lists(st.lists(st.booleans(), min_size=n, max_size=n), min_size=1, max_size=5)
)


@FAST
@given(columns=masks, chunk_rows=st.integers(1, 9), seed=st.integers(0, 10**6))
def test_merge_tree_shape_does_not_matter(columns, chunk_rows, seed):
    df = pd.DataFrame(
        {
            f"c{i}": [None if gone else float(k) for k, gone in enumerate(m)]
            for i, m in enumerate(columns)
        }
    )
    findings, expected = tree_fold(ANALYSIS, df, chunk_rows, seed)
    assert dumps(findings) == dumps(expected)
    whole = run_on_frame(ANALYSIS, df).findings
    assert dumps(snapshot_view(expected)) == dumps(snapshot_view(whole))
    got = [
        (f["measurement"]["values"]["co_missing_count"], *f["subject"]["columns"])
        for f in of_kind(expected, "co_missing")
    ]
    assert got == expected_pairs(df)
    assert expected[0]["measurement"]["values"]["rows_with_missing"] == int(
        df.isna().any(axis=1).sum()
    )


def test_two_columns_missing_in_the_same_rows_are_one_finding() -> None:
    """mgus: pcdx and pctime are both absent for the 182 patients without a plasma-cell
    disease: one finding for the pair, not two high ones."""
    from pytest_statharness.registry import Registry
    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(3)
    n = 241
    none = rng.random(n) < 0.75
    frame = pd.DataFrame(
        {
            "pcdx": np.where(none, None, rng.choice(["MM", "LP", "AM"], n)),
            "pctime": np.where(none, np.nan, rng.integers(100, 5000, n)),
            "age": rng.integers(40, 90, n),
        }
    )
    result = run_on_frame(Registry.builtin().get("missingness"), frame)
    together = [f for f in result.findings if f["kind"] == "missing_together"]
    assert len(together) == 1 and set(together[0]["subject"]["columns"]) == {"pcdx", "pctime"}
    assert together[0]["severity"] == "high"
    own = [f for f in result.findings if f["subject"].get("column") in ("pcdx", "pctime")]
    assert own and all(f["severity"] == "low" for f in own)


def test_nearly_empty_columns_overlap_by_chance_and_are_no_group() -> None:
    """PD: diag, race and comments are 90-95% empty each, independently: their missing rows
    overlap with a Jaccard of 0.86 by chance alone (lift 0.99). No "missing in the same
    rows" (it was high); each column's own finding stands."""
    from pytest_statharness.registry import Registry
    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(8)
    n = 825
    frame = pd.DataFrame(
        {
            "diag": np.where(rng.random(n) < 0.95, None, "x"),
            "race": np.where(rng.random(n) < 0.9, None, "w"),
            "age": rng.integers(40, 90, n),
        }
    )
    result = run_on_frame(Registry.builtin().get("missingness"), frame)
    assert not [f for f in result.findings if f["kind"] == "missing_together"]
    own = {f["subject"].get("column"): f for f in result.findings if f["subject"].get("column")}
    assert own["diag"]["severity"] == own["race"]["severity"] == "high"


def test_empty_columns_are_not_missing_together() -> None:
    """Two empty columns are missing on the same rows by construction: no group finding
    (it was high); each column's own finding says it is empty."""
    from pytest_statharness.registry import Registry
    from pytest_statharness.testing import run_on_frame

    frame = pd.DataFrame({"x": [np.nan] * 50, "y": pd.Series([None] * 50, dtype=object)})
    frame["z"] = np.arange(50)
    result = run_on_frame(Registry.builtin().get("missingness"), frame)
    assert not [f for f in result.findings if f["kind"] == "missing_together"]
    own = {f["subject"].get("column"): f for f in result.findings if f["subject"].get("column")}
    assert {"x", "y"} <= set(own)


def test_empty_columns_are_one_finding_with_their_names() -> None:
    """fertility: the columns '2012' and '2013' are empty (exported before they were
    filled): one high finding naming both, their own null rates low."""
    from pytest_statharness.registry import Registry
    from pytest_statharness.testing import run_on_frame

    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"2011": rng.normal(2, 1, 219), "2012": np.nan, "2013": np.nan})
    result = run_on_frame(Registry.builtin().get("missingness"), frame)
    empty = [f for f in result.findings if f["kind"] == "empty_columns"]
    assert len(empty) == 1 and empty[0]["severity"] == "high"
    assert empty[0]["title"] == "2 columns are empty (missing in all 219 rows): '2012', '2013'"
    own = [f for f in result.findings if f["subject"].get("column") in ("2012", "2013")]
    assert len(own) == 2 and all(f["severity"] == "low" for f in own)


def test_a_column_that_does_not_apply_to_one_value_of_a_flag_is_no_data_error() -> None:
    """nhefs: pregnancies missing for every man (799 rows) and 13% of the women; the year,
    month and day of death missing together for those alive. Both were high (rated FALSE:
    by design). They are at most medium, the title says where the column does not apply,
    and the rate on the other rows is kept; a column missing at random stays high."""
    rng = np.random.default_rng(71)
    n = 1629
    sex = (rng.random(n) < 0.51).astype(int)
    death = (rng.random(n) < 0.2).astype(int)
    pregnancies = np.where(rng.random(n) < 0.87, rng.integers(0, 6, n), -1).astype(float)
    pregnancies[(sex == 0) | (pregnancies < 0)] = np.nan
    year = np.where(death == 1, rng.integers(83, 93, n), -1).astype(float)
    year[year < 0] = np.nan
    frame = pd.DataFrame(
        {
            "sex": sex,
            "death": death,
            "pregnancies": pregnancies,
            "yrdth": year,
            "modth": np.where(np.isnan(year), np.nan, rng.integers(1, 13, n)),
            "dadth": np.where(np.isnan(year), np.nan, rng.integers(1, 29, n)),
            "lost": np.where(rng.random(n) < 0.6, np.nan, rng.normal(0, 1, n)),
        }
    )
    result = run_on_frame(ANALYSIS, frame)
    rates = {f["subject"]["column"]: f for f in result.findings if f["kind"] == "null_rate"}
    f = rates["pregnancies"]
    men = int((sex == 0).sum())
    assert f["severity"] == "medium"
    assert f["title"].endswith(f"({men} of them where 'sex' is 0: not applicable there)")
    women_missing = int(np.isnan(pregnancies[sex == 1]).sum())
    assert f["evidence"]["parameters"]["null_rate_elsewhere"] == women_missing / (n - men)
    assert rates["lost"]["severity"] == "high"
    together = [f for f in result.findings if f["kind"] == "missing_together"]
    assert together and together[0]["severity"] == "medium"
    # missing (nearly) everywhere, the flag explains nothing (rater BF: an empty column
    # was 'not applicable where g is u', duke_forest's hoa on 97 of 98 houses likewise)
    empty = frame.assign(hoa=np.where(np.arange(n) == 0, 1.0, np.nan))
    hoa = [
        f
        for f in run_on_frame(ANALYSIS, empty).findings
        if f["kind"] == "null_rate" and f["subject"]["column"] == "hoa"
    ]
    assert hoa[0]["severity"] == "high" and "not applicable" not in hoa[0]["title"]
    assert together[0]["evidence"]["parameters"]["not_applicable_where"]["flag"] == "death"


def test_a_log_and_a_change_are_left_to_their_base() -> None:
    """jtrain: avgsal and its log 'missing in the same rows', its year-on-year changes
    'missing in 220 rows' (by construction: the first year has none), rated FALSE. A
    transformed copy (role detail derived_term) is not read; the plan says so."""
    rng = np.random.default_rng(4)
    firms, years = 80, 3
    wage = rng.lognormal(3, 0.5, firms * years)
    wage[rng.choice(wage.size, 60, replace=False)] = np.nan
    frame = pd.DataFrame(
        {
            "wage": wage,
            "lwage": np.log(wage),
            "cwage": np.diff(wage.reshape(firms, years), axis=1, prepend=np.nan).ravel(),
            "hours": rng.normal(40, 5, firms * years),
        }
    )
    result = run_on_frame(ANALYSIS, frame)
    named = {c for f in result.findings for c in f["evidence"].get("columns", [])}
    assert "wage" in named and not named & {"lwage", "cwage"}
    assert result.findings[0]["evidence"]["left_out"]["derived_terms"] == ["lwage", "cwage"]


def test_a_column_not_applicable_at_a_two_level_label_is_medium() -> None:
    """rx_adsl's SCRFREAS (the reason a subject failed screening) is missing on 180 of 182
    rows, all of them randomised (RANDFL 'Y'): by design, not lost - but only 0/1 numbers
    were looked at as flags, so it was high. Two-level labels count too, and of several
    flags the one holding most missing rows is named (not an age group holding half)."""
    from pytest_statharness.registry import Registry

    rng = np.random.default_rng(8)
    n = 400
    randomised = np.where(np.arange(n) < 390, "Y", "N")
    reason = np.where(randomised == "N", "WITHDRAWAL", None)
    frame = pd.DataFrame(
        {
            "AGEGR": rng.choice(["<40", ">=40"], n),
            "RANDFL": randomised,
            "SCRFREAS": reason,
            "AGE": rng.integers(20, 70, n),
        }
    )
    result = run_on_frame(Registry.builtin().get("missingness"), frame)
    f = next(f for f in result.findings if f["subject"].get("column") == "SCRFREAS")
    assert f["severity"] == "medium"
    where = f["evidence"]["parameters"]["not_applicable_where"]
    assert (where["flag"], where["value"], where["missing_there"]) == ("RANDFL", "Y", 390)
    assert "where 'RANDFL' is 'Y'" in f["title"]
