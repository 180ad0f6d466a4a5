"""Drift between two datasets: ``drift[A:B]`` for ``--stat-compare A:B``.

``drift`` compares every column present in both datasets with the same kind (numeric,
categorical or boolean; at most ``max_columns`` and ``max_findings - 1`` of them, the rest
listed in ``left_out``). A is the reference ("expected"), B the new data ("actual").

Numeric columns (finding kind ``numeric_drift``):

* ``psi`` — population stability index over 10 bins cut at A's deciles (numpy's linear
  quantile of A at 0.1 ... 0.9, from exact order statistics found by radix selection,
  ``_shared.exact.RankSelector``). Bin ``k`` holds ``edges[k-1] <= x < edges[k]`` (``np.digitize``),
  the outer bins are open. ``PSI = sum_k (b_k - a_k) ln(b_k / a_k)`` over the shares
  ``a_k = count_a / n_a``, ``b_k = count_b / n_b``; an empty bin's share is replaced by
  ``1e-4`` (:data:`PSI_EPS`).
* ``ks_statistic`` — the two-sample Kolmogorov–Smirnov ``D = sup |F_a - F_b|``, exact from
  every row of both sides (branch-and-bound over the radix histogram, see ``_shared/ks.py``), and
  ``ks_pvalue`` as ``scipy.stats.ks_2samp(method="asymp")`` computes it:
  ``kstwo.sf(D, round(n_a n_b / (n_a + n_b)))``.
* ``count_a/b``, ``null_count_a/b``, ``mean_a/b`` (exact sums), ``decile_edges`` and the
  bin counts of both sides.

Categorical and boolean columns (finding kind ``categorical_drift``): the 2 x k table of
value counts of A and B; at most ``max_groups`` columns: when there are more levels, the
``max_groups - 1`` most frequent (A and B together; ties by value) are kept and the others
pooled into one "other" level. While a column has at most ``distinct_cap`` distinct values
(both sides together) counts are exact in one pass; past it, a mergeable Misra–Gries summary
with ``distinct_cap`` counters finds every value occurring more than
``T = (n_a + n_b) // (distinct_cap + 1)`` times, a second pass counts those exactly, and
the levels are the most frequent of them (every other value goes to "other"). Reported:
``chi2`` and ``chi2_pvalue`` of the homogeneity test (``scipy.stats.chi2_contingency``,
``correction=False``), ``dof``, Cramér's V (``scipy.stats.contingency.association``),
``psi`` over the levels (same formula and eps as above), counts, and ``top_changes``: up
to 10 levels by PSI contribution (descending, ties by value).

Severity (``m`` = columns compared; significance at Bonferroni ``p < 0.001 / m``, KS p for
numeric, chi-square p for categorical; PSI bands of Siddiqi 2006):

* ``high``: significant and PSI > 0.25 (major shift); also when one side has valid values
  and the other none;
* ``medium``: significant and 0.1 <= PSI <= 0.25 (moderate shift);
* ``low``: significant, PSI < 0.1 and a minimum effect (KS D >= 0.05, Cramér's V >= 0.05);
* ``info``: otherwise (including a large PSI on samples too small to be significant).

A column is *drifting* when its severity is medium or high.

Findings, in this order: one ``drift_summary`` (columns compared, drifting columns, columns
with a minor shift, columns only in A or B, common columns whose kinds differ), then one
finding per column ordered by PSI descending (columns without a PSI last), then by column.

Passes: 1 (counts, sums, top-16-bit key histograms, value counts), then up to
:data:`MAX_PASSES` - 1 more for the decile selection (at most 3), the PSI bin counts (1),
the KS refinement and, past ``distinct_cap``, the candidate counts. Everything is exact and
identical for any chunking, except when near-identical large samples leave the KS search
unfinished after :data:`MAX_PASSES`: that finding then says ``exact: false``, reports D and
its p-value as null and gives the proven interval of both in ``measurement.intervals``.
"""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa

from pytest_statharness import ColumnKind, ColumnRole, ComparisonAnalysis, MemoryModel, hookimpl
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.counts import add_counts, candidate_counts, mg_reduce, valid_values, value_counts
from .._shared.exact import ExactSum, RankSelector, float_keys
from .._shared.ks import ExactKS, KSStep, dense_histogram, merge_top, plan_refinement, top_summary
from .._shared.lazy_scipy import SCIPY_CONTINGENCY, contingency, stats
from .._shared.report import plan_within_findings

DECILES = [k / 10 for k in range(1, 10)]
PSI_EPS = 1e-4
PSI_MODERATE = 0.1
PSI_MAJOR = 0.25
ALPHA = 0.001
MIN_KS_D = 0.05
MIN_CRAMERS_V = 0.05
TOP_CHANGES = 10
MAX_PASSES = 12
_EMPTY_TOP = top_summary(np.empty(0, np.uint64))
_SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}


def psi(count_a, count_b, n_a: int, n_b: int) -> tuple[float, list[float]]:
    """PSI and each bin's contribution; empty bins get the share :data:`PSI_EPS`."""
    parts = []
    for x, y in zip(count_a, count_b, strict=True):
        pa_ = x / n_a if x else PSI_EPS
        pb_ = y / n_b if y else PSI_EPS
        parts.append((pb_ - pa_) * math.log(pb_ / pa_))
    return math.fsum(parts), parts


def _sort_key(value):
    return (type(value).__name__, value)


def _json_value(value):
    if value is None or isinstance(value, str | bool | int | float):
        return value
    return str(value)


def _numeric_values(chunk, name: str) -> np.ndarray:
    data = chunk.floats(name)
    # -0.0 and 0.0 are one value (as numpy compares them); give them one key
    return data[~np.isnan(data)] + 0.0


class _NumericWork:
    """What the passes after the first need for one numeric column."""

    def __init__(self, entry_a: dict, entry_b: dict) -> None:
        self.n_a, self.n_b = entry_a["n"], entry_b["n"]
        self.nulls_a, self.nulls_b = entry_a["nulls"], entry_b["nulls"]
        self.mean_a = entry_a["sum"].value() / self.n_a if self.n_a else None
        self.mean_b = entry_b["sum"].value() / self.n_b if self.n_b else None
        self.edges: list[float] | None = None
        self.bins: tuple[list[int], list[int]] | None = None
        self.selector: RankSelector | None = None
        self.ks: ExactKS | None = None
        self.sel_step = None
        if self.n_a and self.n_b:
            self.selector = RankSelector.for_quantiles(self.n_a, DECILES)
            step = self.selector.current_pass()
            if step.hist_buckets == [(0, 0)] and not step.collect_buckets:
                self.selector.advance({("h", 0, 0): dense_histogram(entry_a["top"])})
            self._settle()
            self.ks = ExactKS(entry_a["top"], entry_b["top"], self.n_a, self.n_b)

    def _settle(self) -> None:
        """Once every decile is known, the bin edges; else the next selection step."""
        sel = self.selector
        if sel.done and self.edges is None:
            with np.errstate(invalid="ignore"):  # inf - inf around an infinite decile
                self.edges = list(sel.quantiles(DECILES).values())
        self.sel_step = None if sel.done else sel.current_pass()

    @property
    def selecting(self) -> bool:
        return self.selector is not None and not self.selector.done

    @property
    def counting(self) -> bool:
        return self.edges is not None and self.bins is None

    @property
    def refining(self) -> bool:
        return self.ks is not None and not self.ks.done

    def active(self) -> bool:
        return self.selecting or self.counting or self.refining


class _CategoricalWork:
    """The contingency table of one categorical column, once its levels are known."""

    def __init__(self, entry_a: dict, entry_b: dict, cap: int, max_groups: int) -> None:
        self.n_a, self.n_b = entry_a["n"], entry_b["n"]
        self.nulls_a, self.nulls_b = entry_a["nulls"], entry_b["nulls"]
        self.max_groups = max(int(max_groups), 2)
        self.types = {"a": entry_a["type"], "b": entry_b["type"]}
        combined = add_counts(dict(entry_a["counts"]), entry_b["counts"])
        reduced = entry_a["reduced"] or entry_b["reduced"] or len(combined) > cap
        self.exact_levels = not reduced
        self.threshold: int | None = None
        self.candidates: list | None = None
        self.table: tuple[list, list[int], list[int]] | None = None
        self._arrays: dict = {}
        if not reduced:
            self._make_table(entry_a["counts"], entry_b["counts"], eligible=list(combined))
        else:
            summary = mg_reduce(combined, cap)
            self.threshold = (self.n_a + self.n_b) // (cap + 1)
            self.candidates = sorted(summary, key=_sort_key)

    def candidate_array(self, side: str):
        if side not in self._arrays:
            self._arrays[side] = pa.array(self.candidates, type=self.types[side])
        return self._arrays[side]

    def finish(self, counts_a: dict, counts_b: dict) -> None:
        total = add_counts(dict(counts_a), counts_b)
        eligible = [v for v, n in total.items() if n > self.threshold]
        self._make_table(counts_a, counts_b, eligible)

    def _make_table(self, counts_a: dict, counts_b: dict, eligible: list) -> None:
        def combined(v):
            return counts_a.get(v, 0) + counts_b.get(v, 0)

        ranked = sorted(eligible, key=lambda v: (-combined(v), _sort_key(v)))
        room = self.max_groups if self.exact_levels else self.max_groups - 1
        if len(ranked) > room:
            room = self.max_groups - 1
        kept = ranked[:room]
        a = [counts_a.get(v, 0) for v in kept]
        b = [counts_b.get(v, 0) for v in kept]
        other_a, other_b = self.n_a - sum(a), self.n_b - sum(b)
        self.pooled = len(ranked) - len(kept) if self.exact_levels else None
        self.has_other = bool(other_a or other_b)
        if self.has_other:
            kept, a, b = [*kept, None], [*a, other_a], [*b, other_b]
        self.table = (kept, a, b)

    def active(self) -> bool:
        return self.table is None


class _KeyWork:
    """Key overlap of an identifier column, from the exact value counts of pass 1."""

    def __init__(self, entry_a: dict, entry_b: dict) -> None:
        self.n_a, self.n_b = entry_a["n"], entry_b["n"]
        self.nulls_a, self.nulls_b = entry_a["nulls"], entry_b["nulls"]
        self.exact = not (entry_a["reduced"] or entry_b["reduced"])
        keys_a, keys_b = set(entry_a["counts"]), set(entry_b["counts"])
        self.distinct_a = len(keys_a) if self.exact else None
        self.distinct_b = len(keys_b) if self.exact else None
        self.shared = len(keys_a & keys_b) if self.exact else None
        self.new = len(keys_b - keys_a) if self.exact else None
        self.vanished = len(keys_a - keys_b) if self.exact else None

    def active(self) -> bool:
        return False


class Drift(ComparisonAnalysis):
    id = "drift"
    imports = SCIPY_CONTINGENCY  # loaded lazily: imported before the guarded run
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "per column of both datasets: counts, exact sums, sparse 16-bit key histograms (at most 65,536 keys) and value counts up to distinct_cap"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "ks_pvalue": PROBABILITY_DIGITS,
        "chi2_pvalue": PROBABILITY_DIGITS,
        "chi2": STATISTIC_DIGITS,
        "cramers_v": STATISTIC_DIGITS,
        "psi": STATISTIC_DIGITS,
        "top_changes[].psi": STATISTIC_DIGITS,
    }
    family = "drift"
    title = "Drift between two datasets (PSI, Kolmogorov-Smirnov, chi-square)"
    requires = (ColumnKind.NUMERIC, ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
    exact = False
    error_bound = (
        "every value is exact (all rows of both sides, any chunking) except KS D and its "
        "p-value when near-identical large samples leave the branch-and-bound unfinished "
        f"after {MAX_PASSES} passes: those are then null, their proven intervals are in "
        "measurement.intervals and the finding says exact: false"
    )
    passes = MAX_PASSES
    method = (
        "columns in both datasets with the same kind; A is the reference. Numeric: PSI over 10 "
        "bins cut at A's exact deciles (numpy linear quantile; bin k = edges[k-1] <= x < "
        f"edges[k]; empty-bin share {PSI_EPS:g}); exact two-sample KS D = sup|F_a - F_b| by "
        "branch-and-bound over 16-bit radix histograms of order-preserving keys, p = "
        "kstwo.sf(D, round(n_a n_b/(n_a+n_b))) as scipy ks_2samp method=asymp. Categorical/"
        "boolean: chi-square test of homogeneity on the 2 x k table of value counts "
        "(correction=False; at most max_groups levels, the rarer pooled as 'other'; past "
        "distinct_cap, levels among values above (n_a+n_b)//(distinct_cap+1) found by "
        "Misra-Gries and counted exactly), Cramer's V, PSI over the levels. Severity: "
        f"significant at Bonferroni p < {ALPHA:g}/columns; high if PSI > {PSI_MAJOR:g}, "
        f"medium if PSI >= {PSI_MODERATE:g}, low if PSI smaller but KS D >= {MIN_KS_D:g} or "
        f"Cramer's V >= {MIN_CRAMERS_V:g}, else info; high also when one side has no valid "
        "value. Drifting = medium or high. Identifiers (role inferred from the data) are "
        "keys: a string key gets an info key_overlap finding (distinct keys per side, shared, "
        "new in B, vanished from A; exact up to distinct_cap), a numeric key is left out. "
        "Findings: summary, then columns by PSI desc, column"
    )
    reference = (
        "Siddiqi (2006), Credit Risk Scorecards, Wiley (PSI bands 0.1 / 0.25); Smirnov (1948) "
        "and Hodges (1958), two-sample Kolmogorov-Smirnov; Pearson (1900) chi-square test of "
        "homogeneity; Cramer (1946) V; Agarwal et al. (2012), Mergeable summaries, PODS; "
        "scipy.stats.ks_2samp / chi2_contingency"
    )
    access = (
        "streamed over A then B each pass; pass 1 counts, exact sums, sparse 16-bit key "
        "histograms, value counts; then decile selection, bin counts, KS bucket refinement"
    )

    # -- planning ---------------------------------------------------------------------
    def plan_comparison(self, a, b, budget):
        columns = [
            c
            for c in a.columns_of(*self.requires)
            if c in b.columns_of(*self.requires) and a.kind(c) == b.kind(c)
        ]

        # An identifier does not drift, its keys turn over: a string key gets a key-overlap
        # finding (new and vanished keys), a numeric one (row ids, flight numbers) none.
        def is_key(c):
            return ColumnRole.IDENTIFIER in (a.role(c), b.role(c))

        numeric_keys = [c for c in columns if is_key(c) and a.kind(c) != ColumnKind.CATEGORICAL]
        columns = [c for c in columns if c not in numeric_keys]
        keys = [c for c in columns if is_key(c)]
        plan = plan_within_findings(columns, budget, reserved=1, minimum=1)
        if plan is None:
            return None
        if keys:
            plan.params["key_columns"] = [c for c in keys if c in plan.columns]
        if numeric_keys:
            plan.left_out["by_role"] = dict.fromkeys(numeric_keys, "identifier")
        return plan

    def _is_numeric(self, ctx, column: str) -> bool:
        return ctx.dataset.kind(column) == ColumnKind.NUMERIC

    def _work(self, ctx) -> dict:
        return ctx.previous[0]["work"]

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            return ctx.plan.columns
        work = self._work(ctx)
        return [c for c in ctx.plan.columns if work[c].active()]

    # -- accumulator --------------------------------------------------------------------
    def init(self, ctx):
        if ctx.pass_index == 0:
            state = {}
            for c in ctx.plan.columns:
                if self._is_numeric(ctx, c):
                    state[c] = {"n": 0, "nulls": 0, "sum": ExactSum(), "top": _EMPTY_TOP}
                else:
                    state[c] = {"n": 0, "nulls": 0, "counts": {}, "reduced": False, "type": None}
            return state
        return {c: None for c in self.columns_for_pass(ctx)}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            return self._update_first(state, chunk, ctx)
        work = self._work(ctx)
        for c in state:
            w = work[c]
            if isinstance(w, _CategoricalWork):
                state[c] = candidate_counts(chunk, c, w.candidate_array(ctx.side))
                continue
            values = _numeric_values(chunk, c)
            keys = float_keys(values)
            entry = {}
            if ctx.side == "a" and w.selecting and values.size:
                entry["sel"] = w.selector.chunk_state(w.sel_step, keys)
            if w.counting:
                bins = np.searchsorted(np.asarray(w.edges), values, side="right")
                entry["bins"] = np.bincount(bins, minlength=len(DECILES) + 1).astype(np.int64)
            if w.refining and w.ks.step and values.size:
                entry["ks"] = w.ks.step.chunk_state(keys)
            state[c] = entry
        return state

    def _update_first(self, state, chunk, ctx):
        cap = max(int(ctx.budget.distinct_cap), 1)
        for c in ctx.plan.columns:
            s = state[c]
            if "sum" in s:
                data = chunk.floats(c)
                values = data[~np.isnan(data)] + 0.0
                s["n"] += values.size
                s["nulls"] += data.size - values.size
                if values.size:
                    s["sum"].add_array(values)
                    s["top"] = top_summary(float_keys(values))
                continue
            values = valid_values(chunk, c)
            s["n"] += len(values)
            s["nulls"] += chunk.num_rows - len(values)
            s["type"] = values.type
            counts = value_counts(values)
            s["reduced"] = len(counts) > cap
            s["counts"] = mg_reduce(counts, cap)
        return state

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0:
            cap = max(int(ctx.budget.distinct_cap), 1)
            for c in ctx.plan.columns:
                x, y = a[c], b[c]
                x["n"] += y["n"]
                x["nulls"] += y["nulls"]
                if "sum" in x:
                    x["sum"] = x["sum"].merged(y["sum"])
                    x["top"] = merge_top(x["top"], y["top"])
                    continue
                if x["type"] is None:
                    x["type"] = y["type"]
                counts = add_counts(x["counts"], y["counts"])
                x["reduced"] = x["reduced"] or y["reduced"] or len(counts) > cap
                x["counts"] = mg_reduce(counts, cap)
            return a
        out = {}
        for c in a:
            x, y = a[c], b[c]
            if x is None or y is None:
                out[c] = dict(y) if x is None and y is not None else x
                continue
            if not isinstance(self._work(ctx)[c], _NumericWork):
                out[c] = add_counts(dict(x), y)
                continue
            entry = dict(x)
            if "sel" in y:
                entry["sel"] = RankSelector.merge_states(x.get("sel", {}), y["sel"])
            if "bins" in y:
                entry["bins"] = x["bins"] + y["bins"] if "bins" in x else y["bins"].copy()
            if "ks" in y:
                entry["ks"] = KSStep.merge_states(x.get("ks", {}), y["ks"])
            out[c] = entry
        return out

    def end_pass(self, states, ctx):
        if ctx.pass_index == 0:
            work = {}
            keys = ctx.params.get("key_columns", [])
            for c in ctx.plan.columns:
                x, y = states["a"][c], states["b"][c]
                if c in keys:
                    work[c] = _KeyWork(x, y)
                elif "sum" in x:
                    work[c] = _NumericWork(x, y)
                else:
                    work[c] = _CategoricalWork(
                        x, y, max(int(ctx.budget.distinct_cap), 1), ctx.budget.max_groups
                    )
            self._plan_ks(work)
            return {"work": work}
        work = self._work(ctx)
        for c in states["a"]:
            w = work[c]
            x, y = states["a"][c] or {}, states["b"][c] or {}
            if isinstance(w, _CategoricalWork):
                w.finish(x, y)
                continue
            was_counting = w.counting
            if w.selecting:
                if x.get("sel"):
                    w.selector.advance(x["sel"])
                w._settle()
            if was_counting:
                zero = np.zeros(len(DECILES) + 1, dtype=np.int64)
                w.bins = (
                    x.get("bins", zero).tolist(),
                    y.get("bins", zero).tolist(),
                )
            if w.refining and w.ks.step:
                w.ks.advance(x.get("ks", {}), y.get("ks", {}))
        self._plan_ks(work)
        return {}

    def _plan_ks(self, work: dict) -> None:
        searches = [w.ks for w in work.values() if isinstance(w, _NumericWork) and w.refining]
        if searches:
            plan_refinement(searches)

    def needs_another_pass(self, ctx):
        if len(ctx.previous) >= MAX_PASSES:
            return False
        return any(w.active() for w in self._work(ctx).values())

    # -- findings -------------------------------------------------------------------------
    def findings(self, ctx):
        work = self._work(ctx)
        m = len(ctx.plan.columns)
        alpha = ALPHA / m
        names = (ctx.dataset.name, ctx.other.name)
        column_findings = []
        for c in ctx.plan.columns:
            w = work[c]
            if isinstance(w, _KeyWork):
                finding, value = self._key_finding(ctx, c, w, names), None
            elif isinstance(w, _NumericWork):
                finding, value = self._numeric_finding(ctx, c, w, alpha, names)
            else:
                finding, value = self._categorical_finding(ctx, c, w, alpha, names)
            column_findings.append((value is None, -(value or 0.0), c, finding))
        column_findings.sort(key=lambda t: t[:3])
        ordered = [t[3] for t in column_findings]
        return [self._summary(ctx, ordered, alpha), *ordered]

    @staticmethod
    def _side_counts(w) -> tuple[dict, dict]:
        """Values (and units) every column finding starts with: valid and null counts."""
        values = {
            "count_a": w.n_a,
            "count_b": w.n_b,
            "null_count_a": w.nulls_a,
            "null_count_b": w.nulls_b,
        }
        return values, dict.fromkeys(values, "count")

    def _verdict(self, w, significant, psi_value, minor, parameters: dict) -> str:
        """The column's severity; states it (and a one-sided reason) in ``parameters``."""
        one_sided = bool(w.n_a) != bool(w.n_b)
        severity = self._severity(significant, psi_value, minor, one_sided)
        parameters["drifting"] = severity in ("medium", "high")
        if one_sided:
            parameters["reason"] = "no valid value on side " + ("b" if w.n_a else "a")
        return severity

    @staticmethod
    def _severity(significant: bool, psi_value, minor: bool, one_sided: bool) -> str:
        if one_sided:
            return "high"
        if not significant or psi_value is None:
            return "info"
        if psi_value > PSI_MAJOR:
            return "high"
        if psi_value >= PSI_MODERATE:
            return "medium"
        return "low" if minor else "info"

    def _numeric_finding(self, ctx, c, w: _NumericWork, alpha, names):
        values, units = self._side_counts(w)
        values |= {
            "mean_a": w.mean_a,
            "mean_b": w.mean_b,
            "psi": None,
            "ks_statistic": None,
            "ks_pvalue": None,
            "decile_edges": w.edges,
            "bin_counts_a": None,
            "bin_counts_b": None,
        }
        units |= {
            "mean_a": "value",
            "mean_b": "value",
            "psi": "index",
            "ks_statistic": "probability",
            "ks_pvalue": "probability",
            "decile_edges": "value",
            "bin_counts_a": "count",
            "bin_counts_b": "count",
        }
        intervals = None
        exact = True
        significant = minor = False
        if w.n_a and w.n_b:
            count_a, count_b = w.bins
            values["bin_counts_a"], values["bin_counts_b"] = count_a, count_b
            values["psi"], _ = psi(count_a, count_b, w.n_a, w.n_b)
            d_low, d_high = w.ks.interval()
            en = round_en(w.n_a, w.n_b)
            if w.ks.done:
                values["ks_statistic"] = d_low
                values["ks_pvalue"] = ks_pvalue(d_low, en)
                p_upper = values["ks_pvalue"]
            else:
                exact = False
                p_upper = ks_pvalue(d_low, en)
                intervals = {
                    "ks_statistic": [d_low, d_high],
                    "ks_pvalue": [ks_pvalue(d_high, en), p_upper],
                }
            significant = p_upper is not None and p_upper < alpha
            minor = d_low >= MIN_KS_D
        title = f"Drift of numeric column {c!r} from {names[0]!r} to {names[1]!r}"
        parameters = {
            "psi_bins": "A deciles (numpy linear), np.digitize bins",
            "psi_eps": PSI_EPS,
            "alpha_bonferroni": alpha,
        }
        severity = self._verdict(w, significant, values["psi"], minor, parameters)
        finding = ctx.finding(
            kind="numeric_drift",
            title=title,
            subject={"column": c},
            values=values,
            units=units,
            severity=severity,
            intervals=intervals,
            columns=[c],
            parameters=parameters,
            exact=exact,
        )
        return finding, values["psi"]

    def _key_finding(self, ctx, c, w: _KeyWork, names):
        values, units = self._side_counts(w)
        values |= {
            "distinct_keys_a": w.distinct_a,
            "distinct_keys_b": w.distinct_b,
            "shared_keys": w.shared,
            "new_keys": w.new,
            "vanished_keys": w.vanished,
            "new_key_share": w.new / w.distinct_b if w.exact and w.distinct_b else None,
            "vanished_key_share": w.vanished / w.distinct_a if w.exact and w.distinct_a else None,
        }
        units |= {
            "distinct_keys_a": "count",
            "distinct_keys_b": "count",
            "shared_keys": "count",
            "new_keys": "count",
            "vanished_keys": "count",
            "new_key_share": "ratio",
            "vanished_key_share": "ratio",
        }
        if not w.exact:
            title = f"Key column {c!r}: more distinct keys than distinct_cap, overlap not counted"
        else:
            title = (
                f"Keys of {c!r} from {names[0]!r} to {names[1]!r}: {w.new} new, "
                f"{w.vanished} vanished, {w.shared} shared"
            )
        return ctx.finding(
            kind="key_overlap",
            title=title,
            subject={"column": c},
            values=values,
            units=units,
            severity="info",
            columns=[c],
            parameters={
                "role": "identifier",
                "rule": "an identifier's values are keys: compared by overlap (keys new in B, "
                "vanished from A), not by a distribution test; exact up to distinct_cap keys",
                "drifting": False,
            },
        )

    def _categorical_finding(self, ctx, c, w: _CategoricalWork, alpha, names):
        levels, count_a, count_b = w.table
        values, units = self._side_counts(w)
        values |= {
            "levels": len(levels),
            "other_count_a": count_a[-1] if w.has_other else 0,
            "other_count_b": count_b[-1] if w.has_other else 0,
            "psi": None,
            "chi2": None,
            "dof": None,
            "chi2_pvalue": None,
            "cramers_v": None,
            "top_changes": [],
        }
        units |= {
            "levels": "count",
            "other_count_a": "count",
            "other_count_b": "count",
            "psi": "index",
            "chi2": "statistic",
            "dof": "count",
            "chi2_pvalue": "probability",
            "cramers_v": "ratio",
            "top_changes": "count (a_count, b_count), ratio (a_share, b_share), index (psi)",
        }
        significant = minor = False
        if w.n_a and w.n_b:
            total, parts = psi(count_a, count_b, w.n_a, w.n_b)
            values["psi"] = total
            table = np.array([count_a, count_b], dtype=np.int64)
            if len(levels) >= 2:
                result = stats.chi2_contingency(table, correction=False)
                values["chi2"] = float(result.statistic)
                values["dof"] = int(result.dof)
                values["chi2_pvalue"] = float(result.pvalue)
                values["cramers_v"] = float(contingency.association(table, method="cramer"))
            else:
                values.update(chi2=0.0, dof=0, chi2_pvalue=1.0, cramers_v=0.0)
            order = sorted(
                range(len(levels)),
                key=lambda i: (-parts[i], levels[i] is None, _sort_key(levels[i])),
            )[:TOP_CHANGES]
            values["top_changes"] = [
                {
                    "value": _json_value(levels[i]),
                    "other": levels[i] is None,
                    "a_count": count_a[i],
                    "b_count": count_b[i],
                    "a_share": count_a[i] / w.n_a,
                    "b_share": count_b[i] / w.n_b,
                    "psi": parts[i],
                }
                for i in order
            ]
            significant = values["chi2_pvalue"] < alpha
            minor = values["cramers_v"] >= MIN_CRAMERS_V
        parameters = {
            "max_levels": w.max_groups,
            "level_order": "count in A and B together descending, then value; other last",
            "levels_exact": w.exact_levels,
            "psi_eps": PSI_EPS,
            "alpha_bonferroni": alpha,
        }
        if w.exact_levels:
            parameters["levels_pooled_in_other"] = w.pooled
        else:
            parameters["levels_count_threshold"] = w.threshold
        severity = self._verdict(w, significant, values["psi"], minor, parameters)
        kind_word = "boolean" if ctx.dataset.kind(c) == ColumnKind.BOOLEAN else "categorical"
        finding = ctx.finding(
            kind="categorical_drift",
            title=f"Drift of {kind_word} column {c!r} from {names[0]!r} to {names[1]!r}",
            subject={"column": c},
            values=values,
            units=units,
            severity=severity,
            columns=[c],
            parameters=parameters,
            exact=True,
        )
        return finding, values["psi"]

    def _summary(self, ctx, ordered: list[dict], alpha: float) -> dict:
        a_cols = {col.name: str(col.kind) for col in ctx.dataset.columns}
        b_cols = {col.name: str(col.kind) for col in ctx.other.columns}
        drifting = sorted(
            f["subject"]["column"] for f in ordered if f["severity"] in ("medium", "high")
        )
        minor = sorted(f["subject"]["column"] for f in ordered if f["severity"] == "low")
        worst = max((f["severity"] for f in ordered), key=_SEVERITY_RANK.get, default="info")
        values = {
            "columns_compared": len(ordered),
            "columns_drifting": len(drifting),
            "drifting_columns": drifting,
            "minor_shift_columns": minor,
            "rows_a": ctx.dataset.row_count,
            "rows_b": ctx.other.row_count,
            "columns_only_in_a": [c for c in a_cols if c not in b_cols],
            "columns_only_in_b": [c for c in b_cols if c not in a_cols],
            "kind_mismatches": [
                {"column": c, "kind_a": k, "kind_b": b_cols[c]}
                for c, k in a_cols.items()
                if c in b_cols and b_cols[c] != k
            ],
        }
        units = {
            "columns_compared": "count",
            "columns_drifting": "count",
            "drifting_columns": "column names",
            "minor_shift_columns": "column names",
            "rows_a": "count",
            "rows_b": "count",
            "columns_only_in_a": "column names",
            "columns_only_in_b": "column names",
            "kind_mismatches": "column names and kinds",
        }
        return ctx.finding(
            kind="drift_summary",
            title=(
                f"{len(drifting)} of {len(ordered)} columns drift from "
                f"{ctx.dataset.name!r} to {ctx.other.name!r}"
            ),
            subject={},
            values=values,
            units=units,
            severity=worst,
            parameters={"alpha_bonferroni": alpha},
            exact=all(f["evidence"]["exact"] for f in ordered),
        )


def round_en(n_a: int, n_b: int) -> float:
    """``np.round(m*n/(m+n))`` with m >= n, as ``scipy.stats.ks_2samp`` computes it."""
    m, n = sorted([float(n_a), float(n_b)], reverse=True)
    return float(np.round(m * n / (m + n)))


def ks_pvalue(d: float, en: float) -> float | None:
    """The two-sided asymptotic p-value of ``ks_2samp``: ``kstwo.sf(D, round(en))``."""
    if en < 1:
        return None
    return float(np.clip(stats.distributions.kstwo.sf(d, en), 0, 1))


@hookimpl
def statharness_analyses():
    return [Drift()]
