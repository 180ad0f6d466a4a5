"""Comparison items: ``--stat-compare A:B`` runs comparison analyses over both datasets."""

from __future__ import annotations

import json

import pytest

CONFTEST = """
from pytest_statharness import ColumnKind, ComparisonAnalysis


class RowDelta(ComparisonAnalysis):
    id = "row_delta"
    family = "drift"
    title = "row counts of both sides"
    requires = (ColumnKind.NUMERIC,)
    method = "count rows of each side"
    reference = "none (test)"

    def init(self, ctx):
        return 0

    def update(self, state, chunk, ctx):
        return state + chunk.num_rows * (1 if ctx.side == "a" else 1000)

    def merge(self, a, b, ctx):
        return a + b

    def findings(self, ctx):
        both = ctx.previous[0]
        return [ctx.finding(kind="rows", title="rows", subject={}, values={"a": both["a"], "b": both["b"]},
                            units={"a": "count", "b": "count"})]


def statharness_analyses():
    return [RowDelta()]
"""


def test_compare_items_run_over_both_sides(pytester: pytest.Pytester, frame) -> None:
    pytester.makeconftest(CONFTEST)
    frame.to_parquet(pytester.path / "old.parquet", index=False)
    frame.head(1000).to_csv(pytester.path / "new.csv", index=False)
    args = [
        "--stat-dataset",
        "old=old.parquet",
        "--stat-dataset",
        "new=new.csv",
        "--stat-compare",
        "old:new",
        "-k",
        "row_delta",
        "-p",
        "no:cacheprovider",
    ]
    result = pytester.runpytest(*args, "--snapshot-update", "-v")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["*statharness::row_delta[[]old:new[]] PASSED*"])
    document = json.loads(
        (pytester.path / "snapshots" / "old-vs-new" / "row_delta.json").read_text()
    )
    stored = document["findings"]
    assert stored[0]["measurement"]["values"] == {"a": 3000, "b": 1_000_000}
    assert stored[0]["evidence"]["rows_scanned"] == 4000
    assert pytester.runpytest(*args).ret == 0


def test_compare_needs_known_datasets(pytester, frame) -> None:
    frame.to_parquet(pytester.path / "old.parquet", index=False)
    result = pytester.runpytest("--stat-dataset", "old=old.parquet", "--stat-compare", "old:nope")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*'nope' is not a dataset of this session*"])


def test_a_comparison_of_tables_sharing_no_column_is_said(pytester, frame) -> None:
    """`--stat-compare a:b` over two tables with no column in common ran nothing and said
    nothing (rater BI): the summary says why no comparison ran."""
    frame.to_parquet(pytester.path / "old.parquet", index=False)
    frame.add_prefix("x_").to_parquet(pytester.path / "other.parquet", index=False)
    result = pytester.runpytest(
        "--stat-dataset",
        "old=old.parquet",
        "--stat-dataset",
        "other=other.parquet",
        "--stat-compare",
        "old:other",
        "--stat-explore",
        "-k",
        "drift or profile_numeric",
    )
    result.stdout.fnmatch_lines(["--stat-compare old:other: the two datasets share no column*"])
