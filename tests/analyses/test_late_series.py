"""Series that start late or end early (missingness), changepoint lengths counted in the
series' periods (months, not days), and a panel of short series said once (gaps)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from analysis_helpers import tree_fold
from statharness_analyses.quality.missingness import Missingness
from statharness_analyses.time.changepoints import Changepoints
from statharness_analyses.time.gaps import Gaps

from pytest_statharness.canonical_json import dumps
from pytest_statharness.evidence import snapshot_view
from pytest_statharness.testing import run_on_frame


def canonical(findings) -> str:
    return dumps(snapshot_view(findings))


def by_kind(findings, kind: str) -> dict[str, dict]:
    return {f["subject"]["column"]: f for f in findings if f["kind"] == kind}


# -- missingness: late starts and early ends --------------------------------------------------


def monthly_table(n: int = 240) -> pd.DataFrame:
    """Monthly series: 'late' starts at row 100, 'early' ends at row 199, 'holes' starts at
    row 50 with 5 values missing inside its span, 'full' has every value."""
    rng = np.random.default_rng(3)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("1980-01-01", periods=n, freq="MS"),
            "full": rng.normal(10, 1, n),
            "late": rng.normal(10, 1, n),
            "early": rng.normal(10, 1, n),
            "holes": rng.normal(10, 1, n),
        }
    )
    frame.loc[:99, "late"] = np.nan
    frame.loc[200:, "early"] = np.nan
    frame.loc[:49, "holes"] = np.nan
    frame.loc[[60, 70, 80, 90, 150], "holes"] = np.nan
    return frame


def test_late_start_and_early_end_are_spans_not_null_rates() -> None:
    frame = monthly_table()
    findings = run_on_frame(Missingness(), frame).findings
    spans = by_kind(findings, "missing_outside_span")
    rates = by_kind(findings, "null_rate")
    assert set(spans) == {"late", "early", "holes"}
    late = spans["late"]
    assert late["title"] == "'late' starts on 1988-05-01: no values in the 100 rows before"
    assert late["severity"] == "info"
    v = late["measurement"]["values"]
    assert v["rows_before_first_value"] == 100 and v["rows_after_last_value"] == 0
    assert v["first_valued_row"] == 100 and v["first_date"] == "1988-05-01"
    assert v["last_valued_row"] == 239 and v["missing_inside_span"] == 0
    assert late["evidence"]["example_rows"] == [100, 239]
    early = spans["early"]
    assert early["title"] == "'early' ends on 1996-08-01: no values in the 40 rows after"
    assert early["severity"] == "info"
    # values also missing inside the span: the span is low, the holes are a null rate
    holes = spans["holes"]
    assert holes["severity"] == "low"
    assert holes["measurement"]["values"]["missing_inside_span"] == 5
    assert set(rates) == {"holes"}
    r = rates["holes"]["measurement"]["values"]
    assert r["missing_inside_span"] == 5 and r["rows_in_span"] == 190
    assert r["null_count"] == 55
    assert rates["holes"]["severity"] == "low"
    assert "5 of the 190 rows" in rates["holes"]["title"]


@pytest.mark.parametrize("chunk_rows", [1, 7, 64])
def test_spans_identical_across_chunk_sizes_and_merge_shapes(chunk_rows) -> None:
    frame = monthly_table()
    whole = run_on_frame(Missingness(), frame).findings
    split = run_on_frame(Missingness(), frame, chunk_rows=chunk_rows).findings
    assert canonical(split) == canonical(whole)
    for seed in range(3):
        tree, reference = tree_fold(Missingness(), frame, chunk_rows, seed)
        assert canonical(tree) == canonical(reference)


def test_rows_out_of_time_order_keep_null_rates() -> None:
    """Shuffled rows: row order is not time order, the leading block means nothing."""
    frame = monthly_table().sample(frac=1.0, random_state=1).reset_index(drop=True)
    frame = pd.concat([frame.dropna(), frame[frame.isna().any(axis=1)]], ignore_index=True)
    findings = run_on_frame(Missingness(), frame, chunk_rows=16).findings
    assert not by_kind(findings, "missing_outside_span")
    assert set(by_kind(findings, "null_rate")) == {"late", "early", "holes"}


def test_without_time_column_row_order_is_not_used() -> None:
    frame = monthly_table().drop(columns="date")
    findings = run_on_frame(Missingness(), frame).findings
    assert not by_kind(findings, "missing_outside_span")
    late = by_kind(findings, "null_rate")["late"]
    assert late["title"] == "Column 'late' is missing in 100 of 240 rows"


# -- changepoints: lengths in the series' periods ----------------------------------------------


@pytest.mark.parametrize(("freq", "period"), [("MS", "month"), ("QS", "quarter")])
def test_changepoint_lengths_are_named_by_period(freq, period) -> None:
    n = 80
    rng = np.random.default_rng(5)
    level = np.where(np.arange(n) < 50, 10.0, 20.0)
    frame = pd.DataFrame(
        {
            "date": pd.date_range("1970-01-01", periods=n, freq=freq),
            "x": level + rng.normal(0, 1, n),
        }
    )
    findings = run_on_frame(Changepoints(), frame).findings
    changes = [f for f in findings if f["kind"] == "changepoint"]
    assert len(changes) == 1
    (change,) = changes
    values, units = change["measurement"]["values"], change["measurement"]["units"]
    assert "days_before" not in values and "days_after" not in values
    assert values["periods_before"] == 50 and values["periods_after"] == 30
    assert units["periods_before"] == units["periods_after"] == f"{period}s"
    assert change["evidence"]["parameters"]["period"] == period
    word = {"month": "Monthly", "quarter": "Quarterly"}[period]
    assert change["title"].startswith(f"{word} x ")
    scan = next(f for f in findings if f["kind"] == "changepoint_scan")
    assert scan["measurement"]["units"]["points"] == f"{period}s"
    assert scan["evidence"]["parameters"]["period"] == period


# -- gaps: a panel of short series is one finding ------------------------------------------------


def test_panel_of_short_series_is_one_finding() -> None:
    years = pd.date_range("1970-01-01", periods=17, freq="YS")
    states = [f"S{i:02d}" for i in range(12)]
    frame = pd.DataFrame(
        [(s, y, float(i)) for i, s in enumerate(states) for y in years[: 17 - (i == 0)]],
        columns=["state", "year", "x"],
    )
    findings = run_on_frame(Gaps(), frame).findings
    assert len(findings) == 1
    (f,) = findings
    assert f["severity"] == "info" and f["kind"] == "series_regularity"
    assert f["title"] == (
        "'year' for 12 levels of 'state': 16 to 17 periods each, too few to judge their regularity"
    )
    v = f["measurement"]["values"]
    assert v["levels"] == 12 and v["fewest_periods"] == 16 and v["most_periods"] == 17
    assert v["levels_by_periods"] == {"16": 1, "17": 11}
    assert v["level_names"] == states
    assert f["subject"]["group_column"] == "state"
    split = run_on_frame(Gaps(), frame, chunk_rows=13).findings
    assert canonical(split) == canonical(findings)


def test_a_null_first_row_of_scattered_missingness_is_not_a_late_start() -> None:
    """Values missing at random (~20%) with the first two rows null by chance: a null rate,
    not a late start (0.2^2 is no evidence); a 10-row block before them is a late start."""
    frame = monthly_table()
    rng = np.random.default_rng(9)
    scattered = rng.random(len(frame)) < 0.2
    scattered[:2] = True
    scattered[-1] = False
    frame["scattered"] = np.where(scattered, np.nan, 1.0)
    findings = run_on_frame(Missingness(), frame).findings
    assert "scattered" not in by_kind(findings, "missing_outside_span")
    assert by_kind(findings, "null_rate")["scattered"]["title"].startswith(
        "Column 'scattered' is missing in "
    )
    scattered[:10] = True
    frame["scattered"] = np.where(scattered, np.nan, 1.0)
    findings = run_on_frame(Missingness(), frame).findings
    span = by_kind(findings, "missing_outside_span")["scattered"]
    assert span["severity"] == "low"
    assert span["measurement"]["values"]["rows_before_first_value"] >= 10
    assert "rows after it starts" in by_kind(findings, "null_rate")["scattered"]["title"]
