"""The ``benford`` analysis (distribution family): benford's law (first digit).

One analysis per module so the file tree leads to it; what other distribution analyses
also use is in ``_common.py``, the family's overview in ``distribution/__init__.py``.
"""

from __future__ import annotations

import decimal
import math
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, MemoryModel
from pytest_statharness.precision import PROBABILITY_DIGITS

from .._shared.hist import finite_values
from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.numeric import centidecade_bins
from .._shared.report import cap_findings

# ======================================================================================
# benford
# ======================================================================================
# log10(1 + 1/d) correctly rounded (decimal module at 40 digits, then one rounding to a
# double), not libm's log10, so the expected proportions and what is computed from them
# (chi_square, nigrini_mad) are the same on every platform
BENFORD_P = [
    float((decimal.Decimal(d + 1) / decimal.Decimal(d)).log10(decimal.Context(prec=40)))
    for d in range(1, 10)
]
BENFORD_MIN_N = 100
BENFORD_MIN_DECADES = 2.0
BENFORD_MAX_NEGATIVE_SHARE = 0.01
# Nigrini (2012), first-digit test MAD bands
NIGRINI_BANDS = (
    (0.006, "close_conformity"),
    (0.012, "acceptable_conformity"),
    (0.015, "marginally_acceptable_conformity"),
)
BAND_SEVERITY = {
    "close_conformity": "info",
    "acceptable_conformity": "info",
    "marginally_acceptable_conformity": "low",
    "nonconformity": "low",  # medium only for a declared KPI/amount (see Benford.findings)
}


def first_digits(positive: np.ndarray) -> np.ndarray:
    """First significant digit (1-9) of each positive finite value, from its shortest
    round-trip decimal representation (what ``repr`` prints: 0.3 -> 3, not 2)."""
    text = pc.cast(pa.array(positive, type=pa.float64()), pa.string())
    lead = pc.utf8_slice_codeunits(pc.replace_substring_regex(text, r"^[0.]+", ""), 0, 1)
    return np.asarray(pc.cast(lead, pa.int8()).to_numpy(), dtype=np.int64)


@dataclass(slots=True)
class _Digits:
    """One column's Benford state: finite values, nulls (and non-finite), negatives and
    zeros counted; first-digit counts 1..9 of the positive values; and their 0.01-decade
    histogram (bin -> count) from which the P1..P99 span is read exactly. Named fields
    rather than a string-keyed dict so each is declared once with its type."""

    n: int = 0
    nulls: int = 0
    neg: int = 0
    zero: int = 0
    digits: np.ndarray = field(default_factory=lambda: np.zeros(9, np.int64))
    decades: dict[int, int] = field(default_factory=dict)


class Benford(Analysis):
    id = "benford"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "digit counts and a fixed log-decade histogram per column"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
    }
    family = "distribution"
    title = "Benford's law (first digit)"
    requires = (ColumnKind.NUMERIC,)
    roles = MEASURE_ROLES
    exact = True
    passes = 1
    method = (
        "per numeric column, in one pass: the first significant digit (1-9, from the shortest "
        "round-trip decimal form) of every positive finite value, and a histogram of "
        "floor(100*log10(x)). A column is amount-like (tested) when it has >= 100 positive "
        "values, <= 1% negative values, and its positive values' P1..P99 (nearest lower rank, "
        "to 0.01 decade) span >= 2 decades. Statistics: chi-square vs Benford's proportions "
        "log10(1+1/d) (scipy.stats.chi2.sf, df = 8) and Nigrini's MAD = mean |observed - "
        "expected proportion| over the 9 digits with bands: < 0.006 close conformity, "
        "0.006-0.012 acceptable, 0.012-0.015 marginally acceptable, > 0.015 nonconformity "
        "(severity: info, info, low, low; nonconformity is medium only for a declared KPI, as "
        "many natural measurements do not follow Benford's law). A 'benford_screen' summary "
        "lists every column's "
        "eligibility"
    )
    reference = (
        "Benford (1938), The law of anomalous numbers, Proc. Am. Philos. Soc. 78; Nigrini "
        "(2012), Benford's Law: Applications for Forensic Accounting, Auditing, and Fraud "
        "Detection, Wiley, ch. 5 (MAD conformity ranges)"
    )
    access = "streamed; one pass: digit counts and a log-decade histogram per column"

    def init(self, ctx):
        return {c: _Digits() for c in ctx.columns}

    def update(self, state, chunk, ctx):
        for c in ctx.columns:
            vals, _, nulls, nonfinite = finite_values(chunk, c)
            s = state[c]
            s.n += int(vals.size)
            s.nulls += nulls + nonfinite
            s.neg += int(np.count_nonzero(vals < 0))
            s.zero += int(np.count_nonzero(vals == 0))
            pos = vals[vals > 0]
            if not pos.size:
                continue
            s.digits = s.digits + np.bincount(first_digits(pos), minlength=10)[1:]
            bins, counts = np.unique(centidecade_bins(pos), return_counts=True)
            s.decades = dict(zip(bins.tolist(), counts.tolist(), strict=True))
        return state

    def merge(self, a, b, ctx):
        out = {}
        for c in ctx.columns:
            x, y = a[c], b[c]
            decades = dict(x.decades)
            for k, v in y.decades.items():
                decades[k] = decades.get(k, 0) + v
            out[c] = _Digits(
                n=x.n + y.n,
                nulls=x.nulls + y.nulls,
                neg=x.neg + y.neg,
                zero=x.zero + y.zero,
                digits=x.digits + y.digits,
                decades=decades,
            )
        return out

    def end_pass(self, state, ctx):
        return state

    @staticmethod
    def _span(decades: dict, n_pos: int) -> float | None:
        if not n_pos:
            return None
        keys = sorted(decades)
        cumulative = np.cumsum([decades[k] for k in keys])

        def at(rank: int) -> int:
            return keys[int(np.searchsorted(cumulative, rank, side="right"))]

        lo = at(math.floor(0.01 * (n_pos - 1)))
        hi = at(math.floor(0.99 * (n_pos - 1)))
        return (hi - lo) / 100

    def findings(self, ctx):
        state = ctx.previous[0]
        out = []
        screen = {}
        for c in ctx.columns:
            s = state[c]
            digits = [int(d) for d in s.digits]
            n_pos = sum(digits)
            span = self._span(s.decades, n_pos)
            reasons = []
            if n_pos < BENFORD_MIN_N:
                reasons.append(f"{n_pos} positive values < {BENFORD_MIN_N}")
            if s.n and s.neg > BENFORD_MAX_NEGATIVE_SHARE * s.n:
                reasons.append(f"negative share {s.neg / s.n:.4g} > {BENFORD_MAX_NEGATIVE_SHARE}")
            if span is not None and span < BENFORD_MIN_DECADES:
                reasons.append(f"P1..P99 spans {span:.2f} decades < {BENFORD_MIN_DECADES}")
            screen[c] = {"eligible": not reasons, "reasons": reasons, "decades_p1_p99": span}
            if reasons:
                continue
            expected = [n_pos * p for p in BENFORD_P]
            chi2 = math.fsum((o - e) ** 2 / e for o, e in zip(digits, expected, strict=True))
            p_value = float(stats.chi2.sf(chi2, 8))
            observed = [d / n_pos for d in digits]
            mad = math.fsum(abs(o - p) for o, p in zip(observed, BENFORD_P, strict=True)) / 9
            band = next((name for limit, name in NIGRINI_BANDS if mad < limit), "nonconformity")
            out.append(
                ctx.finding(
                    kind="benford",
                    title=f"Benford first-digit test of {c!r}: {band.replace('_', ' ')}",
                    subject={"column": c},
                    values={
                        "count": n_pos,
                        "digit_counts": digits,
                        "observed_proportions": observed,
                        "expected_proportions": list(BENFORD_P),
                        "chi_square": chi2,
                        "p_value": p_value,
                        "nigrini_mad": mad,
                        "decades_p1_p99": span,
                    },
                    units={
                        "count": "count",
                        "digit_counts": "count",
                        "observed_proportions": "ratio",
                        "expected_proportions": "ratio",
                        "chi_square": "statistic",
                        "p_value": "probability",
                        "nigrini_mad": "ratio",
                        "decades_p1_p99": "decades",
                    },
                    severity=(
                        "medium"
                        if band == "nonconformity" and c in ctx.dataset.kpis
                        else BAND_SEVERITY[band]
                    ),
                    columns=[c],
                    parameters={"df": 8, "conformity": band, "mad_bands": [0.006, 0.012, 0.015]},
                )
            )
        eligible = [c for c in ctx.columns if screen[c]["eligible"]]
        summary = ctx.finding(
            kind="benford_screen",
            title=f"Benford screen: {len(eligible)} of {len(ctx.columns)} numeric columns amount-like",
            subject={"scope": "dataset"},
            values={"columns_screened": len(ctx.columns), "columns_eligible": len(eligible)},
            units={"columns_screened": "count", "columns_eligible": "count"},
            parameters={
                "screen": screen,
                "min_positive_values": BENFORD_MIN_N,
                "min_decades_p1_p99": BENFORD_MIN_DECADES,
                "max_negative_share": BENFORD_MAX_NEGATIVE_SHARE,
            },
        )
        return cap_findings(ctx, out, summary)
