"""The precision policy, the snapshot document and mismatch message, and the
dispatch-independent numerics of the built-in analyses."""

from __future__ import annotations

import json
import math
from fractions import Fraction

import numpy as np
import pytest

from pytest_statharness.evidence import canonical_findings
from pytest_statharness.precision import (
    PRECISION_POLICY_VERSION,
    SNAPSHOT_FORMAT_VERSION,
    declared_for,
    movement,
    round_significant,
    rounded_finding,
)
from pytest_statharness.snapshots import describe_mismatch


def test_round_significant() -> None:
    assert round_significant(6.310142091630012e-48, 8) == 6.3101421e-48
    assert round_significant(47493.76787585372, 12) == 47493.7678759
    assert round_significant(-0.000123456789, 3) == -0.000123
    assert round_significant(4.7346e-320, 8) == 0.0  # below TINY: underflow noise
    assert round_significant(0.0, 8) == 0.0
    assert round_significant(7, 2) == 7 and round_significant(None, 2) is None
    assert math.isnan(round_significant(math.nan, 3))
    assert round_significant([0.123456, 2], 2) == [0.12, 2]


def _finding(values: dict, precision: dict | None = None) -> dict:
    evidence = {"method": "m", "dataset_fingerprint": "sha256:00"}
    if precision:
        evidence["precision"] = precision
    return {"id": "a/k", "measurement": {"values": values, "units": {}}, "evidence": evidence}


def test_declared_values_are_rounded_and_paths_reach_into_values() -> None:
    values = {"p_value": 0.0123456789, "top": [{"psi": 0.1234567891234567, "n": 3}], "n": 5}
    declared = declared_for(values, {"p_value": 8, "missing": 3}, {"top[].psi": 4})
    assert declared == {"p_value": 8, "top[].psi": 4}
    rounded = rounded_finding(_finding(values, declared))["measurement"]["values"]
    assert rounded == {"p_value": 0.012345679, "top": [{"psi": 0.1235, "n": 3}], "n": 5}
    assert values["p_value"] == 0.0123456789  # the finding itself keeps full precision


def test_snapshot_document_records_format_and_policy() -> None:
    document = json.loads(canonical_findings([_finding({"p": 0.123456789123}, {"p": 8})]))
    assert document["format_version"] == SNAPSHOT_FORMAT_VERSION == 2
    assert document["precision_policy"] == PRECISION_POLICY_VERSION == 1
    assert document["findings"][0]["measurement"]["values"]["p"] == 0.12345679
    assert "dataset_fingerprint" not in document["findings"][0]["evidence"]


def test_mismatch_message_says_how_far_values_moved() -> None:
    old = canonical_findings([_finding({"p": 0.12345678, "max": 1.0}, {"p": 8})])
    new = canonical_findings([_finding({"p": 0.12345679, "max": 1.0000000000000002}, {"p": 8})])
    message = describe_mismatch(old, new, "d/a.json")
    assert "p: 0.12345678 -> 0.12345679 (declared 8 significant digits, moved 1 units" in message
    assert "numeric-environment difference at a rounding boundary" in message
    assert "max: 1.0 -> 1.0000000000000002 (exact value, relative change 2.2e-16" in message
    far = canonical_findings([_finding({"p": 0.2, "max": 1.0}, {"p": 8})])
    assert "a real change" in describe_mismatch(old, far, "d/a.json")
    legacy = json.dumps([_finding({"p": 0.12345678, "max": 1.0})])
    assert "recorded with snapshot format 1 and precision policy None" in describe_mismatch(
        legacy, old, "d/a.json"
    )
    assert movement(0.5, 0.5, 8) == ""


def test_centidecade_bins_are_exact() -> None:
    from statharness_analyses._shared.numeric import centidecade_bins, centidecade_threshold

    # the threshold of bin k is the smallest double t with t**100 >= 10**k
    for k in (-30000, -200, -1, 0, 1, 50, 100, 199, 300, 30800):
        t = centidecade_threshold(k)
        assert Fraction(t) ** 100 >= Fraction(10) ** k > Fraction(math.nextafter(t, 0)) ** 100
    t = centidecade_threshold(50)
    values = np.array([t, math.nextafter(t, 0), 99.99999999999999, 100.0, 5e-324, 1.7e308])
    assert centidecade_bins(values).tolist() == [50, 49, 199, 200, -32331, 30823]


def test_inv_cbrt_is_correctly_rounded() -> None:
    from statharness_analyses._shared.numeric import inv_cbrt

    for n in (1, 2, 3, 8, 27, 1000, 5000, 12345, 10**12, 2**62 + 1):
        x = inv_cbrt(n)
        # x is the double nearest n**(-1/3): its neighbours' cubes bracket 1/n worse
        err = abs(Fraction(x) ** 3 * n - 1)
        for y in (math.nextafter(x, 0), math.nextafter(x, 1)):
            assert err <= abs(Fraction(y) ** 3 * n - 1)


def test_constants_written_out_agree_with_scipy() -> None:
    from scipy import stats
    from statharness_analyses.distribution.benford import BENFORD_P
    from statharness_analyses.distribution.outliers import GAUSS_RATE, MAD_CONST, MAD_Z, NORM_Q75

    assert NORM_Q75 == pytest.approx(float(stats.norm.ppf(0.75)), rel=1e-15)
    rate = 2 * stats.norm.sf(MAD_Z * stats.norm.ppf(0.75) / MAD_CONST)
    assert GAUSS_RATE == pytest.approx(float(rate), rel=1e-12)
    assert BENFORD_P == pytest.approx([math.log10(1 + 1 / k) for k in range(1, 10)], rel=1e-15)
