"""The ``outliers`` analysis (distribution family): outliers (Tukey fences, MAD robust
z-scores; log scale for magnitudes).

One analysis per module so the file tree leads to it; what other distribution analyses
also use is in ``_common.py``, the family's overview in ``distribution/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow.compute as pc

from pytest_statharness import ColumnKind, ColumnRole, MemoryModel, Plan
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.exact import (
    SelectionSet,
    quantile_rank_list,
)
from .._shared.hist import MAX_EXAMPLES, finite_values, smallest
from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.numeric import centidecade_bins, log10_array
from .._shared.report import cap_findings, share
from ._common import (
    _STATS_UNITS,
    SELECTION_PASSES,
    _PhasedNumeric,
    _Run,
    _stats_init,
    _stats_merge,
    _stats_update,
    _stats_values,
)

# ======================================================================================
# outliers
# ======================================================================================
MAD_Z = 3.5
MAD_CONST = 0.6745
TUKEY_K = (1.5, 3.0)
OUTLIER_ALPHA = 0.001
# P(|modified z| > 3.5) for a Gaussian sample (population MAD = 0.67449 sigma)
# = 2 * scipy.stats.norm.sf(MAD_Z * NORM_Q75 / MAD_CONST), written out so that it does not
# depend on the scipy release (tests/analyses check scipy agrees to 12 digits)
GAUSS_RATE = 0.0004653509966385048
NORM_Q75 = 0.6744897501960817  # scipy.stats.norm.ppf(0.75)
# scale screen: the rules run on log10(x) for a column of magnitudes spread over decades
LOG_MIN_DECADES = 2.0
LOG_MIN_POSITIVE = 20
LOG_SCALE = "log10"
RAW_SCALE = "raw"
SCALE_UNITS = {RAW_SCALE: "value", LOG_SCALE: "log10(value)"}
# on the log10 scale the rules see math.log10 (libm) values: what comes from them is
# declared; the fences 10**(q1 - k*iqr) amplify an error of the log values (cancellation,
# then a power of 10) about 100-fold, so they get two digits fewer
LOG_FENCE_DIGITS = STATISTIC_DIGITS - 2
LOG_SCALE_PRECISION = {
    **{
        name: STATISTIC_DIGITS
        for name in ("q1", "median", "q3", "iqr", "mad", "max_abs_modified_z", "max_abs_deviation")
    },
    **{
        f"{side}_{label}_fence": LOG_FENCE_DIGITS
        for side in ("lower", "upper")
        for label in ("inner", "outer")
    },
}
SCALE_RULE = (
    f"log10 when the column has no negative value, >= {LOG_MIN_POSITIVE} positive values and "
    f"the P1..P99 of its positive values span >= {LOG_MIN_DECADES:g} decades (0.01-decade bins "
    "of log10(x), nearest lower rank), and their quartiles are more symmetric in log10 than "
    "raw (|Bowley skewness| of log10 x below that of x, both from the bins' middles: a "
    "uniform share near 0 stays raw); else raw"
)


def _decade_bins(positive: np.ndarray) -> dict[int, int]:
    """Counts of floor(100*log10(x)) over positive values (0.01-decade bins)."""
    if not positive.size:
        return {}
    bins, counts = np.unique(centidecade_bins(positive), return_counts=True)
    return dict(zip(bins.tolist(), counts.tolist(), strict=True))


def _add_counts(a: dict, b: dict) -> dict:
    """Key-wise sum of two count dicts (a new dict; inputs untouched)."""
    out = dict(a)
    for k, v in b.items():
        out[k] = out.get(k, 0) + v
    return out


def _decade_span(bins: dict[int, int], n: int) -> float | None:
    """P99 - P1 (nearest lower rank) of the binned log10 values, in decades."""
    if not n:
        return None
    keys = sorted(bins)
    cumulative = np.cumsum([bins[k] for k in keys])

    def at(rank: int) -> int:
        return keys[int(np.searchsorted(cumulative, rank, side="right"))]

    return (at(math.floor(0.99 * (n - 1))) - at(math.floor(0.01 * (n - 1)))) / 100


def _bowley_skews(bins: dict[int, int], n: int) -> tuple[float, float] | None:
    """Bowley's quartile skewness ((Q3 - Q2) - (Q2 - Q1)) / (Q3 - Q1) of the positive
    values, raw and in log10, both from the 0.01-decade bins (a quantile of x is 10**(the
    quantile of log10 x): the log is monotone); None when the quartiles coincide."""
    if not n:
        return None
    keys = sorted(bins)
    cumulative = np.cumsum([bins[k] for k in keys])

    def at(q: float) -> float:
        # the bin's middle, in decades
        return (
            keys[int(np.searchsorted(cumulative, math.floor(q * (n - 1)), side="right"))] + 0.5
        ) / 100

    logs = (at(0.25), at(0.5), at(0.75))
    raws = tuple(10.0**t for t in logs)
    out = []
    for q1, q2, q3 in (raws, logs):
        if q3 <= q1:
            return None
        out.append(((q3 - q2) - (q2 - q1)) / (q3 - q1))
    return out[0], out[1]


def _outlier_scale(s: dict) -> tuple[str, float | None, str]:
    """(scale, decades spanned by P1..P99 of the positive values, why) of a pass-1 summary."""
    n_pos = sum(s["decades"].values())
    span = _decade_span(s["decades"], n_pos)
    if not s["n"]:
        return RAW_SCALE, span, "no finite values"
    if s["min"] < 0:
        return RAW_SCALE, span, "negative values"
    if n_pos < LOG_MIN_POSITIVE:
        return RAW_SCALE, span, f"{n_pos} positive values < {LOG_MIN_POSITIVE}"
    spread = f"P1..P99 of the positive values span {span:.2f} decades"
    if span < LOG_MIN_DECADES:
        return RAW_SCALE, span, f"{spread} < {LOG_MIN_DECADES:g}"
    skews = _bowley_skews(s["decades"], n_pos)
    if skews is not None and abs(skews[1]) >= abs(skews[0]):
        # values spread evenly from near 0 (a uniform share, a probability): their
        # logarithms are what is skewed, and the smallest values would read as outliers
        return (
            RAW_SCALE,
            span,
            f"{spread}, but their quartiles are no more symmetric in log10 (Bowley skewness "
            f"{skews[1]:+.2f}) than raw ({skews[0]:+.2f})",
        )
    return LOG_SCALE, span, f"{spread} >= {LOG_MIN_DECADES:g}"


def _scaled(scale: str, vals: np.ndarray) -> np.ndarray:
    """The values the rules score on ``scale``: all finite values (raw), or log10 of the
    positive ones (log10; zeros have no logarithm and are set aside)."""
    return vals if scale == RAW_SCALE else log10_array(vals[vals > 0])


def _scored(scale: str, vals: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_scaled` and the chunk positions of the scored values."""
    return _scaled(scale, vals), (idx if scale == RAW_SCALE else idx[vals > 0])


def _original(scale: str, t: float) -> float:
    """A fence on the rule's scale, back on the column's scale (10**t for log10)."""
    if scale == RAW_SCALE:
        return t
    try:
        return 10.0**t
    except OverflowError:
        return math.inf


# -- mixture check and severity --------------------------------------------------------
MIX_KEY = "\x00mixture"  # state key of the per-group moments (never a column name)
MIXTURE_MAX_LEVELS = 50
MIXTURE_MAX_GROUPS = 5
MIXTURE_ETA2 = 0.5
EXTREME_Z = 20.0
NOTABLE_Z = 10.0
#: at most this many flagged values are isolated points, never a tail (in a small table one
#: value is already >= 1% of the rows), and medium from ISOLATED_Z robust z
ISOLATED_MAX = 3
ISOLATED_SHARE = 0.05
ISOLATED_Z = 6.0
MIXTURE_RULE = (
    f"pooled mixture: a category column (2..{MIXTURE_MAX_LEVELS} levels, the first "
    f"{MIXTURE_MAX_GROUPS} in schema order) whose levels explain >= {MIXTURE_ETA2:.0%} of the "
    "column's variance (eta squared = between-group / total sum of squares, raw scale); "
    "values far from the pooled median are then a group's ordinary values, not outliers"
)
#: flagged values making at least this share of a column are a second cluster, not a tail
CLUSTER_SHARE = 0.2
OUTLIER_SEVERITY_RULE = (
    f"high: under 1% of values flagged, or isolated points (at most {ISOLATED_MAX} values, "
    f"at most {ISOLATED_SHARE:.0%}: one state of 51 is 2%), the most extreme >= {EXTREME_Z:g} "
    "robust z from the median (far beyond the bulk: likely a data error), "
    f"not a pooled mixture; medium: the same with the most extreme >= {NOTABLE_Z:g} z, or "
    f"isolated points making >= 1% of a small table >= {ISOLATED_Z:g} z, or the most "
    f"extreme value >= {EXTREME_Z:g} z and >= 2 times the next outlier's z beyond a tail; "
    "low: a pooled mixture, a heavy tail (>= 1% "
    "flagged and not isolated points: read as a tail, not as errors; "
    f">= {CLUSTER_SHARE:.0%} flagged: a "
    "second cluster, two groups in one column), or milder outliers; "
    "info: no outliers beyond the Gaussian rate; a medium finding on a column of at most "
    "12 distinct values (a scale, a binned share), or on a survival table's follow-up time "
    "(beside its event flag: the follow-up's own spread), is low"
)


#: a measure with at most this many distinct values is a scale or a binning
FEW_VALUES = 12
FEW_VALUES_RULE = (
    "the column takes {distinct} distinct values (at most " + str(FEW_VALUES) + "): a scale "
    f"or a binned measure, whose rarer levels are not errors; medium at most low (values "
    f">= {EXTREME_Z:g} robust z stay high)"
)


class Outliers(_PhasedNumeric):
    id = "outliers"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    memory_model = MemoryModel.CONSTANT
    memory_note = "fixed log10 histograms and radix-selection buckets per column"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {"p_value_count": PROBABILITY_DIGITS, "p_value_extreme": PROBABILITY_DIGITS}
    family = "distribution"
    title = "Outliers (Tukey fences, MAD robust z-scores; log scale for magnitudes)"
    exact = True
    passes = 2 + 2 * SELECTION_PASSES
    method = (
        "per numeric column, over its finite values. Scale (decided from pass 1, exact counts): "
        f"{SCALE_RULE}. On the log10 scale the rules below score t = log10(x) of the positive "
        "values (unit-free: rescaling the column moves every t alike); zeros have no logarithm, "
        "are not scored and are counted (zero_count), and q1/median/q3/iqr/mad/z are in log10 "
        "units; on the raw scale t = x for every finite value. Exact Q1, median, Q3 of t "
        "(numpy linear quantile, multi-pass radix selection); Tukey fences Q1 - k*IQR, "
        "Q3 + k*IQR on t for k = 1.5 (inner) and 3.0 (outer), counts of scored values "
        "below/above, fences reported back on the column's scale (10**fence for log10); "
        "MAD = exact median of |t - median| (a second selection over the derived values); "
        f"modified z = {MAD_CONST}*(t - median)/MAD, outlier when |z| > {MAD_Z} (undefined when "
        "MAD = 0: no MAD outliers reported); max_abs_deviation = max |t - median| (in decades "
        "on the log10 scale: the most extreme value is 10**d times, or 1/10**d of, "
        "10**median). An 'outliers' finding is emitted when the MAD outlier count is > 0 and a "
        "Gaussian sample (on the chosen scale) of the same size is implausible: either the count "
        f"exceeds the Gaussian rate ({GAUSS_RATE:.3g}; one-sided binomial test, "
        "scipy.stats.binom.sf) or the largest |z| does (probability that n Gaussian draws reach "
        f"it, binom.sf(0, n, p1)), p < {OUTLIER_ALPHA} / (2 x number of columns tested) "
        "(Bonferroni), n = scored values; else an info 'outlier_fences' profile. Severity: "
        + OUTLIER_SEVERITY_RULE
        + ". Mixture check: "
        + MIXTURE_RULE
        + ". One case, said once: a medium/high finding whose rows (its values >= 20 robust "
        "z when it is read by them, else all its outliers) are all among the outliers of a "
        "more extreme medium/high finding is low (same_rows_as), and the kept one names it "
        "in its title and in same_rows_in. "
        "example_rows: dataset-wide positions, ascending, of the (up to) 20 MAD outliers with "
        "the largest |z| on the chosen scale (ties: earlier row first). Numerics: the 0.01-decade "
        "bins floor(100*log10(x)) are exact (compared with 10**(k/100) rounded up); on the log10 "
        "scale the scored values are math.log10(x) (the platform's libm), so q1, median, q3, "
        "iqr, mad, max_abs_modified_z and max_abs_deviation are declared to 12 significant "
        "digits there, the fences (10**t) to 10; p-values (scipy) to 8"
    )
    reference = (
        "Tukey (1977), Exploratory Data Analysis; Iglewicz & Hoaglin (1993), How to Detect and "
        "Handle Outliers, ASQC Basic References in Quality Control 16; Limpert, Stahel & Abbt "
        "(2001), Log-normal distributions across the sciences, BioScience 51(5)"
    )
    access = (
        "streamed; pass 1 n/min/max/zeros and a 0.01-decade log10 histogram, 1-5 selection "
        "passes for quartiles, 1-5 for the MAD, 1 counting pass"
    )

    def plan(self, dataset, budget):
        """The measures, plus the category columns that may pool them (mixture check)."""
        plan = super().plan(dataset, budget)
        if plan is None:
            return None
        groups = [
            g
            for g in dataset.columns_of(ColumnKind.CATEGORICAL, roles=(ColumnRole.CATEGORY,))
            if dataset.column(g).distinct_exact
            and 2 <= dataset.column(g).distinct_at_least <= MIXTURE_MAX_LEVELS
        ][:MIXTURE_MAX_GROUPS]
        return Plan(plan.columns, {**plan.params, "mixture_groups": groups}, plan.left_out)

    def columns_for_pass(self, ctx):
        if self._run(ctx) is None:
            groups = [g for g in ctx.params.get("mixture_groups", []) if g not in ctx.columns]
            return [*ctx.columns, *groups]
        return super().columns_for_pass(ctx)

    # -- pass 1: column statistics and the decade histogram of the positive values ------
    def _first_init(self, ctx) -> dict:
        state = {c: {**_stats_init(), "zeros": 0, "decades": {}} for c in ctx.columns}
        state[MIX_KEY] = {}
        return state

    def _first_update(self, state, chunk, ctx):
        for c in ctx.columns:
            vals, _, nulls, nonfinite = finite_values(chunk, c)
            s = state[c]
            _stats_update(s, vals, nulls, nonfinite)
            s["zeros"] += int(np.count_nonzero(vals == 0))
            s["decades"] = _add_counts(s["decades"], _decade_bins(vals[vals > 0]))
        state[MIX_KEY] = _group_moments(chunk, ctx.columns, ctx.params.get("mixture_groups", []))
        return state

    def _first_merge(self, a, b, ctx):
        out = {
            c: {
                **_stats_merge(a[c], b[c]),
                "zeros": a[c]["zeros"] + b[c]["zeros"],
                "decades": _add_counts(a[c]["decades"], b[c]["decades"]),
            }
            for c in ctx.columns
        }
        out[MIX_KEY] = _merge_group_moments(a[MIX_KEY], b[MIX_KEY])
        return out

    # -- selection and counting on the chosen scale -------------------------------------
    def _select_values(self, run, column, vals):
        res = run.results[column]
        t = _scaled(res["scale"], vals)
        if run.phase == "mad":  # the MAD: the median of |t - median|
            with np.errstate(over="ignore"):
                return np.abs(t - res["median"])
        return t

    def _count_update(self, state, chunk, ctx, run):
        for c in self.columns_for_pass(ctx):
            res = run.results[c]
            vals, idx, _, _ = finite_values(chunk, c)
            t, idx = _scored(res["scale"], vals, idx)
            s = {}
            for k in TUKEY_K:
                lo, hi = res["fences"][k]
                s[f"below_{k}"] = int(np.count_nonzero(t < lo))
                s[f"above_{k}"] = int(np.count_nonzero(t > hi))
            with np.errstate(over="ignore"):
                dev = np.abs(t - res["median"])
            s["max_dev"] = float(dev.max()) if dev.size else None
            s["mad_below"] = s["mad_above"] = 0
            s["top"] = []
            if res["mad"] > 0:
                with np.errstate(over="ignore"):  # a tiny MAD can overflow z to inf
                    z = MAD_CONST * (t - res["median"]) / res["mad"]
                absz = np.abs(z)
                hit = np.flatnonzero(absz > MAD_Z)
                s["edges"] = _edges(z)
                s["mad_below"] = int(np.count_nonzero(z[hit] < 0))
                s["mad_above"] = int(hit.size - s["mad_below"])
                if hit.size:
                    order = np.lexsort((idx[hit], -absz[hit]))[:MAX_EXAMPLES]
                    s["top"] = [
                        (-float(absz[hit[i]]), chunk.row_start + int(idx[hit[i]])) for i in order
                    ]
            state[c] = s
        return state

    def _count_merge(self, a, b):
        out = dict(a)
        for c, y in b.items():
            if c not in out:
                out[c] = {**y, "top": list(y["top"])}
                continue
            x = out[c]
            merged = {k: x[k] + y[k] for k in x if k not in ("top", "max_dev", "edges")}
            merged["top"] = smallest(x["top"], y["top"])
            if "edges" in x or "edges" in y:
                merged["edges"] = _merge_edges(x.get("edges"), y.get("edges"))
            devs = [d for d in (x["max_dev"], y["max_dev"]) if d is not None]
            merged["max_dev"] = max(devs) if devs else None
            out[c] = merged
        return out

    def end_pass(self, state, ctx):
        run = self._run(ctx)
        if run is None:
            state = dict(state)
            mixture = _mixture_by_column(state.pop(MIX_KEY), ctx.columns)
            run = _Run(ctx.columns, state)
            run.mixture = mixture
            wanted = {}
            for c, s in state.items():
                scale, span, why = _outlier_scale(s)
                scored = s["n"] if scale == RAW_SCALE else s["n"] - s["zeros"]
                run.results[c].update(
                    scale=scale, decades_p1_p99=span, scale_reason=why, scored=scored
                )
                wanted[c] = (scored, quantile_rank_list(scored, [0.25, 0.5, 0.75]))
            run.selection = SelectionSet(wanted)
            run.phase = "select" if run.selection.selectors else "done"
            return run
        if run.phase == "select":
            run.selection.advance(state)
            if run.selection.done:
                wanted = {}
                for c in run.columns:
                    n = run.results[c]["scored"]
                    if not n:
                        continue
                    q1, med, q3 = (run.selection.quantile(c, q) for q in (0.25, 0.5, 0.75))
                    iqr = q3 - q1  # Python float: IEEE subtraction as numpy, never warns
                    fences = {k: (q1 - k * iqr, q3 + k * iqr) for k in TUKEY_K}
                    run.results[c].update(q1=q1, median=med, q3=q3, iqr=iqr, fences=fences)
                    wanted[c] = (n, quantile_rank_list(n, [0.5]))
                run.selection = SelectionSet(wanted)
                run.phase = "mad"
            return run
        if run.phase == "mad":
            run.selection.advance(state)
            if run.selection.done:
                for c in run.columns:
                    if run.results[c]["scored"]:
                        run.results[c]["mad"] = run.selection.quantile(c, 0.5)
                run.phase = "count"
            return run
        for c, s in state.items():
            run.results[c]["counts"] = s
        run.phase = "done"
        return run

    def _counted(self, result: dict) -> bool:
        return result["scored"]

    def findings(self, ctx):
        follow_up = {t for _, t in getattr(ctx.dataset, "survival_pairs", ())}
        run = self._run(ctx)
        tested = [
            c for c in run.columns if run.results[c]["scored"] and run.results[c].get("mad", 0) > 0
        ]
        alpha = OUTLIER_ALPHA / (2 * len(tested)) if tested else OUTLIER_ALPHA
        out = []
        headline: dict[str, tuple[list[int], float]] = {}  # medium/high: (rows, max |z|)
        for c in run.columns:
            s = run.stats[c]
            res = run.results[c]
            scale = res["scale"]
            n = res["scored"]
            counts = res.get("counts")
            values = _stats_values(s)
            units = dict(_STATS_UNITS)
            values.update(zero_count=s["zeros"], scored_count=n)
            units.update(zero_count="count", scored_count="count")
            values.update(q1=res.get("q1"), median=res.get("median"), q3=res.get("q3"))
            values.update(iqr=res.get("iqr"), mad=res.get("mad"))
            scale_unit = SCALE_UNITS[scale]
            units.update(q1=scale_unit, median=scale_unit, q3=scale_unit)
            units.update(iqr=scale_unit, mad=scale_unit)
            for k, label in zip(TUKEY_K, ("inner", "outer"), strict=True):
                lo, hi = res["fences"][k] if "fences" in res else (None, None)
                values[f"lower_{label}_fence"] = _original(scale, lo) if lo is not None else None
                values[f"upper_{label}_fence"] = _original(scale, hi) if hi is not None else None
                values[f"below_{label}_fence"] = (
                    counts[f"below_{k}"] if counts else (0 if not n else None)
                )
                values[f"above_{label}_fence"] = (
                    counts[f"above_{k}"] if counts else (0 if not n else None)
                )
                units.update(
                    {
                        f"lower_{label}_fence": "value",
                        f"upper_{label}_fence": "value",
                        f"below_{label}_fence": "count",
                        f"above_{label}_fence": "count",
                    }
                )
            mad_ok = bool(n) and res.get("mad", 0) > 0
            mad_count = counts["mad_below"] + counts["mad_above"] if mad_ok else None
            top = counts["top"] if mad_ok else []
            p_count = float(stats.binom.sf(mad_count - 1, n, GAUSS_RATE)) if mad_ok else None
            p_extreme = None
            if top:
                # P(|modified z| >= z_max) for one Gaussian draw, then for the largest of n
                p1 = float(2 * stats.norm.sf(-top[0][0] * NORM_Q75 / MAD_CONST))
                p_extreme = float(stats.binom.sf(0, n, p1))
            values.update(
                mad_outliers=mad_count,
                mad_outliers_below=counts["mad_below"] if mad_ok else None,
                mad_outliers_above=counts["mad_above"] if mad_ok else None,
                mad_outlier_share=share(mad_count, n) if mad_ok else None,
                max_abs_modified_z=-top[0][0] if top else None,
                max_abs_deviation=counts["max_dev"] if counts else None,
                expected_gaussian_outliers=n * GAUSS_RATE if n else None,
                p_value_count=p_count,
                p_value_extreme=p_extreme,
            )
            units.update(
                mad_outliers="count",
                mad_outliers_below="count",
                mad_outliers_above="count",
                mad_outlier_share="ratio",
                max_abs_modified_z="z_score",
                max_abs_deviation=scale_unit,
                expected_gaussian_outliers="count",
                p_value_count="probability",
                p_value_extreme="probability",
            )
            detected = bool(mad_count) and min(p_count, p_extreme) < alpha
            params = {
                "scale": scale,
                "scale_rule": SCALE_RULE,
                "scale_reason": res["scale_reason"],
                "decades_p1_p99": res["decades_p1_p99"],
                "tukey_k": list(TUKEY_K),
                "mad_z_threshold": MAD_Z,
                "mad_constant": MAD_CONST,
                "gaussian_rate": GAUSS_RATE,
                "alpha": OUTLIER_ALPHA,
                "bonferroni_tests": 2 * len(tested),
                "alpha_corrected": alpha,
            }
            if scale == LOG_SCALE:
                params["transform"] = (
                    "t = log10(x) over the positive values; zeros not scored; fences "
                    "reported as 10**t"
                )
            if n and not mad_ok:
                params["mad_zero"] = "MAD = 0: modified z-scores undefined"
            on_scale = " on the log10 scale" if scale == LOG_SCALE else ""
            mixture = getattr(run, "mixture", {}).get(c)
            params["mixture_rule"] = MIXTURE_RULE
            if mixture is not None:
                params["mixture"] = mixture
            severity, reading = _outlier_severity(
                detected, mad_count, n, values["max_abs_modified_z"], mixture
            )
            gap = _isolation_gap(counts.get("edges")) if mad_ok else None
            if (
                severity == "medium"
                and mad_count <= ISOLATED_MAX
                and gap is not None
                and gap < ISOLATION_GAP_Z
            ):
                severity, reading = "low", "the end of the bulk, not isolated points"
                params["isolation_gap_z"] = gap
                params["severity_capped"] = ISOLATION_RULE
            beyond = _beyond_the_tail(top) if severity == "low" and mixture is None else None
            if beyond is not None and mad_count / n < CLUSTER_SHARE:
                # MCAS' special-needs spending: a tail of 4 high districts, and one at
                # 53,569 (z 30) three times the next: the one is worth a look
                severity = "medium"
                reading = (
                    f"a tail, and one value far beyond it (robust z {beyond[0]:.3g}, the next "
                    f"{beyond[1]:.3g})"
                )
                params["beyond_the_tail"] = BEYOND_TAIL_RULE
            info = ctx.dataset.column(c)
            if (
                severity == "medium"
                and info is not None
                and info.distinct_exact
                and info.distinct_at_least <= FEW_VALUES
            ):
                # a binned share (4.5, 14.5, ... 94.5) or a rating scale: its rarer levels
                # are values the column takes again and again, not errors
                severity = "low"
                params["severity_capped"] = FEW_VALUES_RULE.format(distinct=info.distinct_at_least)
            elif severity == "medium" and c in follow_up:
                # burn's T1 (32, 39, 49 days) and bmt's tc: a survival table's follow-up
                # times are right-skewed and cut short by the events; their isolated
                # values are the tail of the follow-up, not errors
                severity = "low"
                params["severity_capped"] = FOLLOW_UP_RULE
            extreme = sum(1 for z, _ in top if -z >= EXTREME_Z)
            if severity == "high" and mad_count and extreme < min(mad_count, MAX_EXAMPLES):
                # BudgetFood's household sizes: one 37 among 130 large families; the error
                # is the far value, the rest a tail of real ones
                others = mad_count - extreme
                rest = "the other one nearer" if others == 1 else f"the other {others} a tail"
                reading = (
                    f"{extreme} far beyond the bulk (>= {EXTREME_Z:g} robust z): likely data "
                    f"error{'s' if extreme > 1 else ''}; {rest}"
                )
            params["severity_rule"] = OUTLIER_SEVERITY_RULE
            if detected:
                noun = "outlier" if mad_count == 1 else "outliers"
                title = f"{mad_count} {noun} in {c!r} (|modified z| > {MAD_Z}{on_scale})"
                if reading:
                    title += f": {reading}"
            else:
                title = f"Outlier fences of {c!r}{' (log10 scale)' if on_scale else ''}"
            if severity in ("medium", "high"):
                # the rows a reader is sent to: the far ones (one beyond a tail), else all
                far = [pos for z, pos in top if -z >= EXTREME_Z] if beyond or extreme else []
                headline[c] = (far or [pos for _, pos in top], -top[0][0])
            out.append(
                ctx.finding(
                    kind="outliers" if detected else "outlier_fences",
                    title=title,
                    subject={"column": c},
                    values=values,
                    units=units,
                    severity=severity,
                    columns=[c],
                    example_rows=sorted(pos for _, pos in top),
                    parameters=params,
                    precision=LOG_SCALE_PRECISION if scale == LOG_SCALE else None,
                )
            )
        _same_rows(out, headline)
        return cap_findings(ctx, out)


FOLLOW_UP_RULE = (
    "a survival table's follow-up time (beside its event flag: roles.survival_pairs): "
    "right-skewed and cut short where the event happened, so values apart from the bulk are "
    "the follow-up's own spread, not errors; severity at most low (far values, 20+ robust "
    "z, stay high)"
)


SAME_ROWS_RULE = (
    "the rows this finding points to (its values >= {z:g} robust z, else all its outliers) "
    "are among the outliers of {column!r}, reported first: one case (a row extreme in "
    "several measures, often one unit's size) said once there; at most low"
)


def _same_rows(out: list[dict], headline: dict[str, tuple[list[int], float]]) -> None:
    """Cap at low a medium/high finding whose headline rows are all among the outlier
    rows of a stronger one (more extreme first, then column order): UScereal's potassium
    outliers are the fibre outliers' three bran cereals, seizure's y2 outlier the patient
    already extreme in y1; the first finding names the others (``same_rows_in``)."""
    order = sorted(headline, key=lambda c: -headline[c][1])  # stable: column order on ties
    by_column = {f["subject"]["column"]: f for f in out}
    kept: list[str] = []
    for c in order:
        rows = set(headline[c][0])
        first = next(
            (k for k in kept if rows <= set(by_column[k]["evidence"]["example_rows"])), None
        )
        if first is None:
            kept.append(c)
            continue
        finding = by_column[c]
        finding["severity"] = "low"
        finding["evidence"]["parameters"]["same_rows_as"] = SAME_ROWS_RULE.format(
            z=EXTREME_Z, column=first
        )
        also = by_column[first]["evidence"]["parameters"].setdefault("same_rows_in", [])
        also.append(c)
    for c in kept:
        also = by_column[c]["evidence"]["parameters"].get("same_rows_in")
        if also:
            names = ", ".join(repr(a) for a in also)
            by_column[c]["title"] += f"; the same rows stand out in {names}"


#: flagged values with less than this many robust z of empty space between them and the
#: nearest value inside the cut-off (same side) continue the bulk: a tail, not points
ISOLATION_GAP_Z = 2.0
ISOLATION_RULE = (
    f"at most {ISOLATED_MAX} flagged values are isolated points only when >= "
    f"{ISOLATION_GAP_Z:g} robust z of empty space separate the innermost of them from the "
    "nearest value inside the cut-off on the same side; closer, they continue the bulk (a "
    "skewed column's largest values in a small table: GHR04's urban growth 7.35, 4.79, "
    "4.10 then 3.92): low"
)


def _edges(z: np.ndarray) -> list:
    """[innermost flagged z above, outermost unflagged z above, the same below (as |z|)]:
    the four numbers that say whether flagged values stand apart from the bulk (None when a
    side has no such value). Fixed size: merged by min/max, associative."""
    out: list = []
    for side in (z, -z):
        flagged, inside = side[side > MAD_Z], side[(side >= 0) & (side <= MAD_Z)]
        out.append(float(flagged.min()) if flagged.size else None)
        out.append(float(inside.max()) if inside.size else None)
    return out


def _merge_edges(a: list | None, b: list | None) -> list:
    if a is None or b is None:
        return list(a or b)
    pick = (min, max, min, max)
    return [
        x if y is None else y if x is None else f(x, y) for f, x, y in zip(pick, a, b, strict=True)
    ]


def _isolation_gap(edges: list | None) -> float | None:
    """The widest gap, in robust z, between a side's flagged values and the bulk (None
    when no side has both): one side standing apart is enough (a 1e9 among amounts, with
    two ordinary small values flagged on the other side)."""
    if not edges:
        return None
    gaps = [
        flagged - inside
        for flagged, inside in (edges[:2], edges[2:])
        if flagged is not None and inside is not None
    ]
    return max(gaps) if gaps else None


#: the most extreme value stands this many times further out than the next outlier
BEYOND_TAIL_RATIO = 2.0
BEYOND_TAIL_RULE = (
    f"the most extreme value is >= {EXTREME_Z:g} robust z from the median and >= "
    f"{BEYOND_TAIL_RATIO:g} times as far as the next outlier: one point beyond the tail "
    "(a likely error or a case to check), medium whatever the tail"
)


def _beyond_the_tail(top: list) -> tuple[float, float] | None:
    """(z of the most extreme value, z of the next) when the first stands alone beyond
    the others: >= EXTREME_Z and >= BEYOND_TAIL_RATIO times the next outlier's |z|."""
    if len(top) < 2:
        return None
    first, second = -top[0][0], -top[1][0]
    if first >= EXTREME_Z and first >= BEYOND_TAIL_RATIO * second:
        return first, second
    return None


def _outlier_severity(detected, count, n, max_z, mixture) -> tuple[str, str]:
    """(severity, reading): what an analyst should make of the flagged values."""
    if not detected:
        return "info", ""
    if mixture is not None:
        return "low", (
            f"pooled over the levels of {mixture['group']!r} "
            f"(eta² = {mixture['eta_squared']:.2f}); judge within groups"
        )
    isolated = count <= ISOLATED_MAX and count / n <= ISOLATED_SHARE
    if count / n >= CLUSTER_SHARE:
        # a fifth of the values far from the median is a second group (swiss provinces:
        # mostly Protestant or mostly Catholic), not a tail
        return "low", (
            f"a second cluster ({count / n:.1%} of values far from the median): two groups "
            "mixed in one column, not outliers"
        )
    if count / n >= 0.01 and not isolated:
        return "low", f"a heavy tail ({count / n:.1%} of values), not isolated errors"
    # in 51 states one far value is 2% of the rows: a point, not a tail
    point = ("an isolated value" if count == 1 else f"{count} isolated values") if isolated else ""
    if max_z is not None and max_z >= EXTREME_Z:
        return "high", f"far beyond the bulk (>= {EXTREME_Z:g} robust z): likely data errors"
    if max_z is not None and max_z >= NOTABLE_Z:
        return "medium", point
    if isolated and count / n >= 0.01 and max_z is not None and max_z >= ISOLATED_Z:
        return "medium", point  # a small table: the 1% share is no sign of a tail
    return "low", ""


def _group_moments(chunk, columns, groups) -> dict:
    """Per (group column, measure): {level: [n, sum, sum of squares]} of this chunk."""
    out: dict = {}
    values = {c: chunk.floats(c) for c in columns} if groups else {}
    for g in groups:
        levels = chunk.table.column(g)
        encoded = pc.dictionary_encode(levels).combine_chunks()
        names = encoded.dictionary.to_pylist()
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        code_valid = np.asarray(pc.is_valid(encoded).to_numpy(zero_copy_only=False))
        for c in columns:
            vals = values[c]
            ok = code_valid & np.isfinite(vals)
            k, v = codes[ok].astype(np.int64), vals[ok]
            size = len(names)
            cnt = np.bincount(k, minlength=size)
            with np.errstate(over="ignore", invalid="ignore"):  # inf near 1e308: no mixture
                sums = np.bincount(k, weights=v, minlength=size)
                sq = np.bincount(k, weights=v * v, minlength=size)
            out[(g, c)] = {
                names[i]: [int(cnt[i]), float(sums[i]), float(sq[i])] for i in range(size) if cnt[i]
            }
    return out


def _merge_group_moments(a: dict, b: dict) -> dict:
    out = {key: {lvl: list(m) for lvl, m in levels.items()} for key, levels in a.items()}
    for key, levels in b.items():
        mine = out.setdefault(key, {})
        for lvl, (n, s1, s2) in levels.items():
            x = mine.get(lvl)
            mine[lvl] = [n, s1, s2] if x is None else [x[0] + n, x[1] + s1, x[2] + s2]
    return out


def _mixture_by_column(moments: dict, columns) -> dict:
    """The strongest pooling category of each measure, when it explains most variance."""
    best: dict = {}
    for (g, c), levels in sorted(moments.items()):
        n = sum(m[0] for m in levels.values())
        if n < 3 or len(levels) < 2:
            continue
        try:
            total = math.fsum(m[1] for m in levels.values())
            square = math.fsum(m[2] for m in levels.values())
            ss_total = square - total * total / n
            ss_between = math.fsum(m[1] * m[1] / m[0] for m in levels.values()) - total * total / n
        except OverflowError:
            continue  # values near 1e308: their squares pass float64, no share to measure
        if not (ss_total > 0 and math.isfinite(ss_total) and math.isfinite(ss_between)):
            continue
        eta2 = min(1.0, max(0.0, ss_between / ss_total))
        if eta2 >= MIXTURE_ETA2 and (c not in best or eta2 > best[c]["eta_squared"]):
            best[c] = {"group": g, "eta_squared": eta2, "levels": len(levels)}
    return best
