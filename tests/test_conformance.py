"""One conformance suite, run over every registered analysis (as DDSketch runs one suite
over every implementation): the shipped ``conformance_suite`` (split-then-merge equals
whole, merge leaves its argument untouched, state serialisation round-trips, empty input
is handled, findings validate), plus what only the built-ins need: comparisons
(chunk-size invariance across two datasets) and numeric stability (no SIMD-dispatched
ufuncs; libm and scipy wobble leaves snapshots unchanged)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.analysis import DatasetView
from pytest_statharness.canonical_json import to_jsonable
from pytest_statharness.dataset import open_dataset
from pytest_statharness.evidence import canonical_findings
from pytest_statharness.policy.budget import decide_budget
from pytest_statharness.registry import Registry
from pytest_statharness.testing import conformance_frame, conformance_suite, run_on_frame

REGISTRY = Registry.builtin()


# the frame of the conformance suite shipped to analysis authors
rich_frame = conformance_frame


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return rich_frame()


@pytest.fixture(scope="module")
def whole(frame):
    return {a.id: run_on_frame(a, frame) for a in REGISTRY}


IDS = [a.id for a in REGISTRY if not a.compares]


def family(name: str) -> list:
    return [a for a in REGISTRY if a.family == name]


# The shipped suite (what a third party runs on its analyses), one line per family: metadata,
# split-then-merge equals whole, rerun bytes, merge leaves its argument untouched, state
# round-trips, all-null input. What follows it is only what the shipped suite does not do.
TestProfile = conformance_suite(family("profile"))
TestQuality = conformance_suite(family("quality"))
TestDistribution = conformance_suite(family("distribution"))
TestRelationships = conformance_suite(family("relationships"))
TestTime = conformance_suite(family("time"))
TestEventlog = conformance_suite(family("eventlog"))
TestRecommendations = conformance_suite(family("recommendations"))


def test_every_analysis_is_in_a_conformance_line() -> None:
    """A new family must get its line above (comparisons have their own test below)."""
    covered = {"profile", "quality", "distribution", "relationships", "time", "eventlog"}
    covered.add("recommendations")
    assert {a.family for a in REGISTRY if not a.compares} <= covered


COMPARISONS = [a.id for a in REGISTRY if a.compares]


@pytest.mark.parametrize("analysis_id", COMPARISONS)
def test_comparison_split_then_merge_equals_whole(analysis_id, frame, tmp_path) -> None:
    from pytest_statharness.engine import run_comparison

    analysis = REGISTRY.get(analysis_id)
    other = rich_frame(seed=11)
    other["amount"] = other["amount"] * 1.5
    frame.to_parquet(tmp_path / "a.parquet", index=False)
    other.to_csv(tmp_path / "b.csv", index=False)
    texts = []
    for chunk_rows in (7, 65536):
        a = open_dataset("a", str(tmp_path / "a.parquet"), chunk_rows=chunk_rows)
        b = open_dataset("b", str(tmp_path / "b.csv"), chunk_rows=chunk_rows)
        budget = decide_budget(
            row_count=a.row_count, column_count=len(a.columns), analysis_id=analysis_id
        ).budget
        plan = analysis.plan_comparison(DatasetView(a), DatasetView(b), budget)
        assert plan is not None
        texts.append(canonical_findings(run_comparison(analysis, a, b, budget, plan).findings))
    assert texts[0] == texts[1]


# -- numeric stability rule (docs/architecture.md, "Numeric stability") ------------------
# Every value that reaches a snapshot is exact or declared with the significant digits it
# is stable to. Checked two ways over every registered analysis: (1) no SIMD-dispatched
# numpy transcendental ufunc in an analysis's source (outside the one allowed place, whose
# result is corrected exactly); (2) perturbing every libm transcendental function and every
# scipy distribution function by a few parts in 1e14 (about what changes between numeric
# environments, per value, with a pseudo-random sign) leaves every snapshot byte-identical:
# a value that depends on them and is not declared fails here.

import math  # noqa: E402
import re  # noqa: E402

from pytest_statharness.precision import MAX_DIGITS, MIN_DIGITS  # noqa: E402

SIMD_UFUNC = re.compile(
    r"\bnp\.(log|log1p|log10|log2|exp|exp2|expm1|power|float_power|sin|cos|tan|arcsin|"
    r"arccos|arctan|arctan2|sinh|cosh|tanh|arcsinh|arccosh|arctanh|cbrt|logaddexp)\("
)
# analyses/_shared/numeric.py: the np.log10 guess of centidecade_bins is corrected by exact
# comparisons, so its result does not depend on the guess's last bits
SIMD_ALLOWED = {
    ("_shared/numeric.py", "guess = np.floor(np.log10(positive) * 100).astype(np.int64)")
}


def test_no_simd_dispatched_transcendentals_in_analyses() -> None:
    import statharness_analyses

    folder = Path(statharness_analyses.__file__).parent
    found = []
    files = sorted(folder.rglob("*.py"))
    assert len(files) > 30, "the analyses' subpackages were not searched"
    for file in files:
        where = file.relative_to(folder).as_posix()
        for number, line in enumerate(file.read_text().splitlines(), 1):
            code = line.split("#", 1)[0]
            if SIMD_UFUNC.search(code) and (where, code.strip()) not in SIMD_ALLOWED:
                found.append(f"{where}:{number}: {line.strip()}")
    assert found == [], (
        "numpy transcendental ufuncs give different last bits under different SIMD "
        "dispatch; use statharness_analyses._shared.numeric (math.* per element, or an exact "
        "formulation) and declare what derives from them:\n" + "\n".join(found)
    )


@pytest.mark.parametrize("analysis_id", [a.id for a in REGISTRY])
def test_precision_declarations_are_well_formed(analysis_id) -> None:
    analysis = REGISTRY.get(analysis_id)
    for name, digits in analysis.precision.items():
        assert isinstance(name, str) and name
        assert isinstance(digits, int) and MIN_DIGITS <= digits <= MAX_DIGITS, (name, digits)


WOBBLE = 3e-14
LIBM = ("log", "log1p", "log10", "log2", "exp", "expm1", "pow", "erf", "erfc", "lgamma",
        "gamma", "atan", "atan2", "sin", "cos", "tan", "tanh", "cbrt", "exp2")  # fmt: skip
SCIPY_METHODS = ("sf", "cdf", "ppf", "isf", "logsf", "logcdf", "pdf", "pmf")
SCIPY_SPECIAL = ("chdtrc", "chdtr", "stdtr", "ndtr", "ndtri", "log_ndtr", "bdtrc", "bdtr",
                 "kolmogorov", "smirnov", "gammaincc", "gammainc", "betainc", "erfc")  # fmt: skip


def _wobble(result):
    """``result`` moved by WOBBLE relative, with a sign that varies from value to value;
    exact integers (log2(8), exp(0)) are left alone."""
    arr = np.asarray(result, dtype=np.float64)
    sign = np.where(np.floor(np.abs(arr) * 1e9) % 2 == 0, 1.0, -1.0)
    with np.errstate(all="ignore"):
        moved = np.where(np.isfinite(arr) & (arr != np.round(arr)), arr * (1 + sign * WOBBLE), arr)
    if isinstance(result, np.ndarray):
        return moved.astype(result.dtype, copy=False)
    if isinstance(result, np.generic):
        return result.dtype.type(moved)
    return float(moved)


@pytest.fixture
def wobbled(monkeypatch):
    request_wobble(monkeypatch)


def request_wobble(monkeypatch) -> None:
    import scipy.special
    from scipy.stats._distn_infrastructure import rv_continuous, rv_discrete, rv_frozen

    def wrap(fn):
        def moved(*args, **kwargs):
            return _wobble(fn(*args, **kwargs))

        return moved

    for name in LIBM:
        if hasattr(math, name):
            monkeypatch.setattr(math, name, wrap(getattr(math, name)))
    for cls in (rv_continuous, rv_discrete, rv_frozen):
        for name in SCIPY_METHODS:
            if name in vars(cls) or hasattr(cls, name):
                monkeypatch.setattr(cls, name, wrap(getattr(cls, name)))
    for name in SCIPY_SPECIAL:  # reached as scipy.special.<name> at call time
        if hasattr(scipy.special, name):
            monkeypatch.setattr(scipy.special, name, wrap(getattr(scipy.special, name)))


@pytest.fixture(scope="module")
def whole_snapshots(whole):
    return {k: canonical_findings(v.findings) if v else None for k, v in whole.items()}


@pytest.mark.parametrize("analysis_id", IDS)
def test_values_through_libm_or_scipy_are_declared(
    analysis_id, frame, whole_snapshots, wobbled
) -> None:
    reference = whole_snapshots[analysis_id]
    if reference is None:
        pytest.skip(f"{analysis_id} does not apply to the conformance frame")
    moved = run_on_frame(REGISTRY.get(analysis_id), frame)
    assert canonical_findings(moved.findings) == reference, (
        f"{analysis_id}: a snapshot value moved when libm / scipy distribution results moved "
        "by 3e-14 relative: declare it (Analysis.precision) or compute it exactly"
    )


def test_declared_values_are_rounded_only_in_snapshots(whole) -> None:
    from pytest_statharness.precision import round_significant

    seen = 0
    for result in whole.values():
        if not result:
            continue
        for finding in result.findings:
            declared = finding["evidence"].get("precision", {})
            doc = json.loads(canonical_findings([finding]))["findings"][0]
            for name, digits in declared.items():
                if "[" in name or "." in name:
                    continue  # a path into a value: covered by tests/test_precision.py
                value = finding["measurement"]["values"][name]
                stored = doc["measurement"]["values"][name]
                assert stored == to_jsonable(round_significant(value, digits)), (name, value)
                seen += 1
    assert seen


def _comparison_snapshot(analysis_id, frame, tmp_path) -> str:
    from pytest_statharness.engine import run_comparison

    analysis = REGISTRY.get(analysis_id)
    other = rich_frame(seed=11)
    other["amount"] = other["amount"] * 1.5
    tmp_path.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(tmp_path / "a.parquet", index=False)
    other.to_parquet(tmp_path / "b.parquet", index=False)
    a = open_dataset("a", str(tmp_path / "a.parquet"))
    b = open_dataset("b", str(tmp_path / "b.parquet"))
    budget = decide_budget(
        row_count=a.row_count, column_count=len(a.columns), analysis_id=analysis_id
    ).budget
    plan = analysis.plan_comparison(DatasetView(a), DatasetView(b), budget)
    return canonical_findings(run_comparison(analysis, a, b, budget, plan).findings)


@pytest.mark.parametrize("analysis_id", COMPARISONS)
def test_comparison_values_through_libm_or_scipy_are_declared(
    analysis_id, frame, tmp_path, monkeypatch
) -> None:
    reference = _comparison_snapshot(analysis_id, frame, tmp_path / "plain")
    request_wobble(monkeypatch)
    assert _comparison_snapshot(analysis_id, frame, tmp_path / "moved") == reference


PLANTED = Path(__file__).resolve().parents[1] / "fixtures" / "data" / "events_planted.csv"


@pytest.fixture(scope="module")
def planted_snapshots():
    from pytest_statharness.testing import run_on_file

    out = {}
    for analysis_id in IDS:
        result = run_on_file(REGISTRY.get(analysis_id), PLANTED)
        out[analysis_id] = canonical_findings(result.findings) if result else None
    return out


@pytest.mark.parametrize("analysis_id", IDS)
def test_values_through_libm_or_scipy_are_declared_on_planted_effects(
    analysis_id, planted_snapshots, wobbled
) -> None:
    """The same on the fixture log with planted effects (recommendations, trends and
    outliers that the conformance frame does not produce)."""
    from pytest_statharness.testing import run_on_file

    reference = planted_snapshots[analysis_id]
    if reference is None:
        pytest.skip(f"{analysis_id} does not apply to the planted fixture")
    moved = run_on_file(REGISTRY.get(analysis_id), PLANTED)
    assert canonical_findings(moved.findings) == reference, analysis_id
