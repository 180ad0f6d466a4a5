"""The code of docs/writing-an-analysis.md runs, gives exact results, and passes the
conformance suite shipped in pytest_statharness.testing (run the way a third party would)."""

from __future__ import annotations

import re
import types
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.testing import run_on_frame

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-an-analysis.md"


def tutorial_source() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    # the two analyses; the later blocks are snippets for the reader's own package
    return "\n\n".join(blocks[:2])


@pytest.fixture(scope="module")
def tutorial():
    module = types.ModuleType("tutorial_analyses")
    exec(compile(tutorial_source(), str(DOC), "exec"), module.__dict__)  # noqa: S102
    return module


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    values = rng.normal(0.5, 2.0, 500)
    values[::37] = np.nan
    return pd.DataFrame({"x": values, "y": rng.integers(-3, 10, 500).astype(np.int64)})


def test_one_pass_analysis_counts_and_sums_exactly(tutorial) -> None:
    frame = _frame()
    result = run_on_frame(
        tutorial.NegativeValues(), frame, chunk_rows=7, settings={"tutorial.examples": "2"}
    )
    by_column = {f["subject"]["column"]: f for f in result.findings}
    x = frame["x"].to_numpy()
    negative = x[x < 0]
    values = by_column["x"]["measurement"]["values"]
    assert values["count"] == negative.size
    assert values["sum"] == float(sum(Fraction(v) for v in negative))
    assert by_column["x"]["evidence"]["example_rows"] == np.flatnonzero(x < 0)[:2].tolist()
    with pytest.raises(ValueError, match="must be at least 1"):
        run_on_frame(tutorial.NegativeValues(), frame, settings={"tutorial.examples": "0"})


def test_two_pass_analysis_uses_the_first_pass(tutorial) -> None:
    frame = _frame()
    result = run_on_frame(tutorial.MeanAbsoluteDeviation(), frame, chunk_rows=11)
    finding = next(f for f in result.findings if f["subject"]["column"] == "x")
    x = frame["x"].dropna().to_numpy()
    mean = float(sum(Fraction(v) for v in x) / x.size)
    mad = float(sum(Fraction(abs(v - mean)) for v in x) / x.size)
    assert finding["measurement"]["values"] == {"mean": mean, "mad": mad}
    assert result.passes == 2


def test_a_third_party_runs_the_conformance_suite_in_one_line(pytester) -> None:
    pytester.makepyfile(tutorial_analyses=tutorial_source())
    pytester.makepyfile(
        test_third_party_conformance="""
        from pytest_statharness.testing import conformance_suite
        from tutorial_analyses import MeanAbsoluteDeviation, NegativeValues

        TestConformance = conformance_suite([NegativeValues(), MeanAbsoluteDeviation()])
        """
    )
    result = pytester.runpytest("-p", "no:randomly", "-q")
    result.assert_outcomes(passed=10)


def test_the_tutorial_analyses_run_as_items(pytester, parquet_path) -> None:
    pytester.makepyfile(tutorial_analyses=tutorial_source())
    pytester.makeconftest(
        """
        from tutorial_analyses import MeanAbsoluteDeviation, NegativeValues

        def statharness_analyses():
            return [NegativeValues(), MeanAbsoluteDeviation()]
        """
    )
    pytester.syspathinsert()
    args = ["--stat-dataset", "sales=data/sales.parquet", "--stat-providers", "profile"]
    result = pytester.runpytest(
        *args, "-m", "tutorial", "--stat-set", "tutorial.examples=5", "--snapshot-update", "-v"
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        ["*mean_absolute_deviation?sales? PASSED*", "*negative_values?sales? PASSED*"]
    )
