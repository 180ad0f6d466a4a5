"""The ``shape`` analysis (distribution family): shape: skewness and excess kurtosis.

One analysis per module so the file tree leads to it; what other distribution analyses
also use is in ``_common.py``, the family's overview in ``distribution/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MemoryModel

from .._shared.exact import (
    exact_fixed_sum,
    fixed_ratio,
)
from .._shared.hist import finite_values
from .._shared.numeric import moment_scale
from .._shared.report import cap_findings
from ._common import (
    _STATS_UNITS,
    _PhasedNumeric,
    _Run,
    _stats_init,
    _stats_merge,
    _stats_update,
    _stats_values,
)

# ======================================================================================
# shape
# ======================================================================================
HEAVY_TAIL_KURTOSIS = 10.0
HEAVY_TAIL_MIN_N = 100


class Shape(_PhasedNumeric):
    id = "shape"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.CONSTANT
    memory_note = "exact partial sums per column"
    family = "distribution"
    title = "Shape: skewness and excess kurtosis"
    exact = True
    passes = 2
    method = (
        "per numeric column, over its finite values: pass 1 the exact sum (integer "
        "accumulation of every float64, correctly rounded mean); pass 2 exact sums of d^2, d^3, "
        "d^4 with d = x - mean; central moments m_k = S_k/n; sample skewness G1 = "
        "sqrt(n(n-1))/(n-2) * m3/m2^1.5 and excess kurtosis G2 = ((n^2-1) m4/m2^2 - "
        "3(n-1)^2)/((n-2)(n-3)) (scipy.stats.skew/kurtosis with bias=False; null when n < 3 / "
        "n < 4 or m2 = 0); variance with ddof = 1. Heavy-tail flag ('heavy_tail' finding, "
        f"low): n >= {HEAVY_TAIL_MIN_N} and excess kurtosis > {HEAVY_TAIL_KURTOSIS} (population "
        "values: Gaussian 0, Laplace 3, exponential and Student t5 6; a Gaussian sample of 100 "
        "essentially never exceeds it)"
    )
    reference = (
        "Joanes & Gill (1998), Comparing measures of sample skewness and kurtosis, J. R. Stat. "
        "Soc. D 47(1); scipy.stats.skew / scipy.stats.kurtosis documentation"
    )
    access = "streamed; two passes: exact sum, then exact sums of powers of deviations"

    def init(self, ctx):
        if not ctx.previous:
            return {c: {**_stats_init(), "sum": 0} for c in ctx.columns}
        return {
            c: {"s2": 0, "s3": 0, "s4": 0, "overflow": False} for c in self.columns_for_pass(ctx)
        }

    def update(self, state, chunk, ctx):
        run = self._run(ctx)
        if run is None:
            for c in ctx.columns:
                vals, _, nulls, nonfinite = finite_values(chunk, c)
                _stats_update(state[c], vals, nulls, nonfinite)
                state[c]["sum"] += exact_fixed_sum(vals)
            return state
        for c in self.columns_for_pass(ctx):
            vals = finite_values(chunk, c)[0]
            k = run.results[c]["scale"]
            with np.errstate(over="ignore", invalid="ignore"):
                if k:
                    d = np.ldexp(vals, -k) - math.ldexp(run.results[c]["mean"], -k)
                else:
                    d = vals - run.results[c]["mean"]
                d2 = d * d
                d3 = d2 * d
                d4 = d2 * d2
            s = state[c]
            if not (np.isfinite(d2).all() and np.isfinite(d3).all() and np.isfinite(d4).all()):
                s["overflow"] = True
                continue
            s["s2"] += exact_fixed_sum(d2)
            s["s3"] += exact_fixed_sum(d3)
            s["s4"] += exact_fixed_sum(d4)
        return state

    def merge(self, a, b, ctx):
        if not ctx.previous:
            return {
                c: {**_stats_merge(a[c], b[c]), "sum": a[c]["sum"] + b[c]["sum"]}
                for c in ctx.columns
            }
        return {
            c: {
                "s2": a[c]["s2"] + b[c]["s2"],
                "s3": a[c]["s3"] + b[c]["s3"],
                "s4": a[c]["s4"] + b[c]["s4"],
                "overflow": a[c]["overflow"] or b[c]["overflow"],
            }
            for c in a
        }

    def end_pass(self, state, ctx):
        run = self._run(ctx)
        if run is None:
            run = _Run(ctx.columns, state)
            for c, s in state.items():
                run.results[c]["mean"] = fixed_ratio(s["sum"], s["n"]) if s["n"] else None
                run.results[c]["scale"] = moment_scale((s["min"], s["max"])) if s["n"] else 0
            ok = [c for c in run.columns if run.results[c]["mean"] is not None]
            run.phase = (
                "moments" if any(math.isfinite(run.results[c]["mean"]) for c in ok) else "done"
            )
            return run
        for c, s in state.items():
            run.results[c].update(s)
        run.phase = "done"
        return run

    def columns_for_pass(self, ctx):
        run = self._run(ctx)
        if run is None:
            return ctx.columns
        return [
            c
            for c in run.columns
            if run.results[c]["mean"] is not None and math.isfinite(run.results[c]["mean"])
        ]

    def findings(self, ctx):
        run = self._run(ctx)
        out = []
        for c in run.columns:
            s = run.stats[c]
            res = run.results[c]
            n = s["n"]
            values = _stats_values(s)
            values["mean"] = res.get("mean")
            variance = skew = kurt = None
            if "s2" in res and not res["overflow"]:
                m2 = fixed_ratio(res["s2"], n)
                m3 = fixed_ratio(res["s3"], n)
                m4 = fixed_ratio(res["s4"], n)
                variance = fixed_ratio(res["s2"], n - 1) if n > 1 else None
                skew, kurt = _skew_kurtosis(n, m2, m3, m4)  # scale-free
            std = math.sqrt(variance) if variance is not None else None
            if variance is not None and res["scale"]:
                std = _unscaled(std, res["scale"])
                variance = _unscaled(variance, 2 * res["scale"])
            heavy = kurt is not None and n >= HEAVY_TAIL_MIN_N and kurt > HEAVY_TAIL_KURTOSIS
            values.update(
                variance=variance,
                std=std,
                skewness=skew,
                excess_kurtosis=kurt,
                heavy_tailed=heavy if n else None,
            )
            units = {
                **_STATS_UNITS,
                "mean": "value",
                "variance": "value^2",
                "std": "value",
                "skewness": "dimensionless",
                "excess_kurtosis": "dimensionless",
                "heavy_tailed": "flag",
            }
            params = {
                "bias": False,
                "fisher": True,
                "heavy_tail_rule": f"n >= {HEAVY_TAIL_MIN_N} and excess kurtosis > {HEAVY_TAIL_KURTOSIS}",
            }
            if res.get("overflow"):
                params["overflow"] = (
                    "a power of a deviation overflows float64; moments not computed"
                )
            out.append(
                ctx.finding(
                    kind="heavy_tail" if heavy else "shape",
                    title=(
                        f"Heavy tails in {c!r} (excess kurtosis {kurt:.3g})"
                        if heavy
                        else f"Shape of {c!r}"
                    ),
                    subject={"column": c},
                    values=values,
                    units=units,
                    severity="low" if heavy else "info",
                    columns=[c],
                    parameters=params,
                )
            )
        return cap_findings(ctx, out)


def _unscaled(value: float, exponent: int) -> float | None:
    """``value * 2**exponent``; None when float64 cannot hold it (the variance of values
    near 1e200 overflows, of values near 1e-300 underflows to 0: neither is the variance)."""
    try:
        out = math.ldexp(value, exponent)
    except OverflowError:
        return None
    return None if (out == 0) != (value == 0) else out


def _skew_kurtosis(n: int, m2: float, m3: float, m4: float) -> tuple[float | None, float | None]:
    """scipy.stats.skew / kurtosis (bias=False, Fisher) from central moments; None when
    undefined (n too small, m2 = 0) or not representable (overflow)."""
    if not (m2 > 0 and math.isfinite(m2) and math.isfinite(m3) and math.isfinite(m4)):
        return None, None
    skew = kurt = None
    try:
        if n > 2:
            # m2 * sqrt(m2), not m2**1.5: IEEE * and sqrt are correctly rounded everywhere,
            # libm's pow is not
            skew = float(math.sqrt((n - 1.0) * n) / (n - 2.0) * m3 / (m2 * math.sqrt(m2)))
        if n > 3:
            kurt = float(
                1.0
                / (n - 2)
                / (n - 3)
                * ((n**2 - 1.0) * m4 / (m2 * m2) - 3.0 * float((n - 1) * (n - 1)))
            )
    except OverflowError:
        return None, None
    if (skew is not None and not math.isfinite(skew)) or (
        kurt is not None and not math.isfinite(kurt)
    ):
        return None, None
    return skew, kurt
