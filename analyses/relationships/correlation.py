"""Relationships between columns: correlation, Cramér's V, group differences.

* ``correlation`` — Pearson and Spearman over pairs of numeric columns (pairwise-complete
  rows). Pearson from exact co-moments: pass 1 exact column sums give the means, pass 2
  exact sums (``_exact.exact_fixed_sum``) of deviations and of their products over the rows
  where both values are finite, corrected exactly to the pair's own means. Spearman from
  exact average ranks: distinct-value maps (bounded by ``distinct_cap``) turn every value
  into twice its average rank, an integer, so the rank co-moment is an exact integer sum.
* ``cramers_v`` — Cramér's V and the chi-square test of independence over pairs of
  categorical/boolean columns, from exact contingency tables.
* ``group_differences`` — Kruskal–Wallis H (tie-corrected) of each numeric column across
  the levels of each categorical/boolean column, from exact per-level rank sums, with the
  epsilon-squared effect size.

Finding order: correlation by |Pearson r| descending (null last), then column names;
cramers_v by V descending (null last), then names; group_differences by epsilon-squared
descending (null last), then numeric and group column names. At most ``max_findings``
findings, the rest counted in ``parameters.findings_left_out``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from itertools import combinations

import numpy as np
from scipy import stats

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, ColumnRole, Plan, hookimpl
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from ._counts import add_counts, valid_values, value_counts
from ._exact import exact_fixed_sum, fixed_ratio
from ._report import cap_each
from ._series import (
    ALPHA,
    FIXED_ONE,
    CountMap,
    RankTable,
    choose_levels,
    int_group_sums,
    int_sum,
    level_codes,
    level_label,
    significant_severity,
)

NUMERIC_KINDS = (ColumnKind.NUMERIC, ColumnKind.DURATION)
GROUP_KINDS = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN)
# The exact screening pass over all numeric pairs is run when pairs * rows stays below this.
SCREEN_MAX_WORK = 1_000_000_000
# Pairwise rank maps built in one pass hold at most MAP_BUDGET_FACTOR * distinct_cap values.
MAP_BUDGET_FACTOR = 20
# A categorical column with more than HIGH_CARDINALITY * max_groups distinct values is a key.
HIGH_CARDINALITY = 4


def _finite(chunk, column: str) -> tuple[np.ndarray, np.ndarray]:
    data = chunk.floats(column)
    return data, np.isfinite(data)


def _strongest_first(ctx, findings: list[dict], strength) -> list[dict]:
    """``findings`` by ``strength(values)`` descending (None last), then by their columns;
    at most ``max_findings`` (each kept one counts the rest, ``_report.cap_each``)."""

    def key(f):
        value = strength(f["measurement"]["values"])
        return (value is None, -(value or 0.0), *f["evidence"]["columns"])

    return cap_each(ctx, sorted(findings, key=key))


MEDIUM_R = 0.7  # medium only for a strong correlation that is a column's strongest
SHARED_TREND_R = 0.7
SHARED_TREND_RULE = (
    f"when both columns correlate with the time axis at |Pearson r| >= {SHARED_TREND_R}, "
    "their correlation is that of two trends (it appears between any two growing series): "
    "severity at most low"
)


STRONGEST_PARTNER_RULE = (
    "medium only for a pair that is the strongest correlation (|Pearson r|) of at least one "
    "of its two columns; a pair weaker than both columns' strongest is low (in a table of many "
    "correlated measures every pair would otherwise be flagged)"
)
SERIES_LEVELS_RULE = (
    "one row per time point (>= 90% distinct timestamps): the columns are time series, whose "
    "levels correlate through trends and cycles whether or not they are related; severity at "
    "most low (correlate their changes to test an association)"
)


def time_axis(dataset) -> str | None:
    """The table's time axis: its first timestamp column with values, else a calendar
    part holding the year (a table indexed by year and quarter has no timestamp)."""
    for c in dataset.columns_of(ColumnKind.TIMESTAMP):
        if dataset.column(c).null_count < dataset.row_count:
            return c
    for c in dataset.columns_of(ColumnKind.NUMERIC, roles=(ColumnRole.CALENDAR_PART,)):
        if dataset.column(c).role_detail == "year":
            return c
    return None


KEY_MIN_LEVELS = 50
KEY_ROWS_PER_LEVEL = 20


def _group_columns(dataset, budget) -> tuple[list[str], dict[str, str]]:
    """Categorical/boolean columns usable as groups, and the skipped ones with the reason."""
    kept: list[str] = []
    skipped: dict[str, str] = {}
    limit = HIGH_CARDINALITY * budget.max_groups
    for name in dataset.columns_of(*GROUP_KINDS):
        info = dataset.column(name)
        if info.role == ColumnRole.IDENTIFIER:
            skipped[name] = f"identifier ({info.role_reason})"
            continue
        if info.kind == ColumnKind.BOOLEAN:
            kept.append(name)
            continue
        distinct = info.distinct_at_least
        non_null = dataset.row_count - info.null_count
        if not info.distinct_exact or distinct > limit:
            skipped[name] = (
                f"high-cardinality key: >= {distinct} distinct values "
                f"(more than {HIGH_CARDINALITY} x max_groups = {limit})"
            )
        elif distinct > KEY_MIN_LEVELS and distinct * KEY_ROWS_PER_LEVEL > non_null:
            # an identifier (case id, order number): associations with it restate that
            # attributes are constant within a case, which is true and unhelpful
            skipped[name] = (
                f"key-like: {distinct} distinct values (> {KEY_MIN_LEVELS}), fewer than "
                f"{KEY_ROWS_PER_LEVEL} of its {non_null} non-null rows per value on average"
            )
        else:
            kept.append(name)
    return kept, skipped


def _fixed_sum(values: np.ndarray) -> int | None:
    """:func:`._exact.exact_fixed_sum` of ``values``; None when one is not finite (an
    overflowed deviation product)."""
    return exact_fixed_sum(values) if np.isfinite(values).all() else None


def _add_exact(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else a + b


class _ChunkRanks:
    """Twice the average ranks of one chunk's values under a rank table ``tables[key]``,
    ``key = (column, partner)``: every finite value's position in the column's own table
    (``partner == own``) is looked up once per chunk and serves the own table and the
    pairwise ones (through ``RankTable.of_parent``) alike."""

    def __init__(self, tables: dict, column, own) -> None:
        self.tables, self.column, self.own = tables, column, own
        self.positions: dict = {}

    def __call__(self, col, key, mask: np.ndarray) -> np.ndarray:
        if col not in self.positions:
            data, ok = self.column(col)
            at = np.zeros(ok.size, dtype=np.int64)
            at[ok] = self.tables[(col, self.own)].positions(data[ok])
            self.positions[col] = at
        at = self.positions[col][mask]
        table = self.tables[key]
        return table.twice[at] if key[1] == self.own else table.of_parent[at]


def _t_pvalue(t: float, df: int) -> float:
    return float(2.0 * stats.t.sf(abs(t), df))


# -- correlation --------------------------------------------------------------------------


class Correlation(Analysis):
    id = "correlation"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {"pearson_p": PROBABILITY_DIGITS, "spearman_p": PROBABILITY_DIGITS}
    family = "relationships"
    title = "Pearson and Spearman correlation of numeric pairs"
    requires = NUMERIC_KINDS
    exact = True
    passes = 4
    method = (
        "For each pair of numeric columns, on the rows where both values are finite: Pearson r "
        "from co-moments summed exactly (pass 1: exact column sums -> means; pass 2: exact sums "
        "of deviations, squared deviations and deviation products, corrected exactly to the "
        "pair's own means), p-value two-sided from Student's t with n-2 df "
        "(t = r*sqrt((n-2)/(1-r^2))); Spearman rho = Pearson r of average ranks (ties "
        "averaged), from exact distinct-value maps (at most distinct_cap distinct values per "
        "column; a pair whose partner has nulls needs maps on its complete rows, built "
        "strongest pair first within 20 x distinct_cap values per pass; else Spearman is "
        "skipped and the reason stated) and an exact integer rank "
        "co-moment, p-value by the same t approximation as scipy.stats.spearmanr. Pairs: all "
        "when at most max_pairs; else the max_pairs strongest by |Pearson r| after an exact "
        "Pearson pass over all pairs when pairs*rows <= 1e9, else the first max_pairs pairs in "
        "column order. Severity: medium when max(|r|,|rho|) >= 0.7, low when >= 0.4, both only "
        "when the smaller p-value times the number of pairs tested (Bonferroni) < 0.001; "
        "else info. Medium becomes low when (a) the pair is weaker than both columns' "
        "strongest correlation, (b) both columns correlate with the table's time axis (its "
        "first timestamp, else a year column; read along, never reported) at |r| >= 0.7 "
        "(a shared trend), or (c) the table holds one row per time point (>= 90% distinct "
        "timestamps): levels of time series correlate through trends and cycles. Only "
        "measures (role measurement, count, duration) are paired"
    )
    reference = (
        "Pearson (1895); Spearman (1904), The proof and measurement of association between two "
        "things; Zar (1972), Significance testing of the Spearman rank correlation coefficient, "
        "JASA 67; Shewchuk (1997), Adaptive Precision Floating-Point Arithmetic"
    )
    access = (
        "streamed; pass 1 column sums + distinct-value maps, pass 2 pair co-moments, optional "
        "pass 3 pairwise distinct-value maps, pass 4 rank co-moments"
    )

    def plan(self, dataset, budget):
        columns = dataset.columns_of(*NUMERIC_KINDS, roles=MEASURE_ROLES)
        if len(columns) < 2:
            return None
        kept = columns[: budget.max_columns]
        axis = time_axis(dataset)
        if axis is not None and len(kept) > 2:
            # read along, never reported: two series that both trend over time correlate
            # whether or not they are related (a shared trend, not an association)
            kept = [*kept[: budget.max_columns - 1], axis]
        total = len(kept) * (len(kept) - 1) // 2
        if total <= budget.max_pairs:
            selection = "all"
        elif total * dataset.row_count <= SCREEN_MAX_WORK:
            selection = "strongest"
        else:
            selection = "first"
        left_out: dict = {}
        if len(columns) > len(kept):
            left_out.update({"columns": columns[len(kept) :], "cap": "max_columns"})
        if total > budget.max_pairs:
            left_out["pairs"] = total - budget.max_pairs
            left_out["pairs_cap"] = "max_pairs"
            left_out["pairs_rule"] = (
                "kept the max_pairs strongest by |Pearson r| after an exact pass over all pairs"
                if selection == "strongest"
                else "kept the first max_pairs pairs in column order (screening all pairs "
                f"would read {total} pairs x {dataset.row_count} rows > {SCREEN_MAX_WORK})"
            )
        params = {"pair_selection": selection, "pairs_total": total, "alpha": ALPHA}
        if axis is not None and axis in kept:
            params["time_axis"] = axis
            params["shared_trend_rule"] = SHARED_TREND_RULE
            info = dataset.column(axis)
            non_null = dataset.row_count - info.null_count
            if info.distinct_exact and non_null >= 20 and info.distinct_at_least >= 0.9 * non_null:
                # one row per time point: the table is a set of time series
                params["time_series_table"] = SERIES_LEVELS_RULE
        return Plan(tuple(kept), params, left_out)

    # stage bookkeeping: ctx.previous[-1] is the running ``info`` dict
    def _stage(self, ctx) -> str:
        return "scan" if ctx.pass_index == 0 else ctx.previous[-1]["next"]

    def _screened_pairs(self, ctx) -> list[tuple[int, int]]:
        pairs = list(combinations(range(len(ctx.columns)), 2))
        if ctx.params["pair_selection"] == "first":
            return pairs[: ctx.budget.max_pairs]
        return pairs

    def init(self, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            return {c: {"n": 0, "bad": 0, "sum": 0, "map": CountMap()} for c in ctx.columns}
        if stage == "pearson":
            return {"pairs": {}, "maps": {}}
        if stage == "maps":
            return {"maps": {}}
        return {"ranks": {}}

    def update(self, state, chunk, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            for c in ctx.columns:
                data, ok = _finite(chunk, c)
                s = state[c]
                vals = data[ok]
                s["n"] += int(vals.size)
                s["bad"] += int(data.size - vals.size)
                s["sum"] = _add_exact(s["sum"], _fixed_sum(vals))
                s["map"] = s["map"].merged(CountMap.of(vals, cap), cap)
            return state
        info = ctx.previous[-1]
        cols = ctx.columns
        cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}

        def column(i):
            if i not in cache:
                cache[i] = _finite(chunk, cols[i])
            return cache[i]

        if stage == "pearson":
            self._update_pearson(state, chunk, ctx, info, column)
        if stage in ("pearson", "maps"):
            for i, j in info.get("map_keys", []):
                data_i, ok_i = column(i)
                _, ok_j = column(j)
                part = CountMap.of(data_i[ok_i & ok_j], cap)
                old = state["maps"].get((i, j), CountMap())
                state["maps"][(i, j)] = old.merged(part, cap)
        if stage == "spearman":
            self._update_spearman(state, ctx, info, column)
        return state

    def _update_pearson(self, state, chunk, ctx, info, column) -> None:
        means = info["means"]
        devs: dict[int, np.ndarray] = {}
        col_sums: dict[int, tuple] = {}

        def dev(i):
            if i not in devs:
                data, ok = column(i)
                devs[i] = np.where(ok, data - means[i], 0.0)
            return devs[i]

        def col_sum(i):
            if i not in col_sums:
                d = dev(i)
                col_sums[i] = (_fixed_sum(d), _fixed_sum(d * d))
            return col_sums[i]

        def pair_sums(i, both):
            """(sum d, sum d*d) of column i over the rows ``both``: the column's sums less
            those of its rows the partner lacks (exact integers, so the same as summing
            the pair's rows; directly when a column sum overflowed)."""
            total, squares = col_sum(i)
            extra = column(i)[1] & ~both
            if not extra.any():
                return total, squares
            if total is None or squares is None:  # an overflowed square: the pair's rows
                d = dev(i)[both]
                return _fixed_sum(d), _fixed_sum(d * d)
            d = dev(i)[extra]
            return total - _fixed_sum(d), squares - _fixed_sum(d * d)

        for i, j in info["pearson_pairs"]:
            both = column(i)[1] & column(j)[1]
            n = int(np.count_nonzero(both))
            if not n:
                continue
            sx, sxx = pair_sums(i, both)
            sy, syy = pair_sums(j, both)
            sxy = _fixed_sum(dev(i) * dev(j))  # 0 outside the pair's rows
            if sxy is None and n < both.size:
                sxy = _fixed_sum(dev(i)[both] * dev(j)[both])
            old = state["pairs"].get((i, j))
            new = [n, sx, sy, sxx, syy, sxy]
            state["pairs"][(i, j)] = new if old is None else _add_moments(old, new)

    def _update_spearman(self, state, ctx, info, column) -> None:
        twice = _ChunkRanks(info["tables"], column, own=-1)
        for (i, j), (ki, kj) in info["spearman_pairs"].items():
            _, ok_i = column(i)
            _, ok_j = column(j)
            mask = ok_i & ok_j
            if not mask.any():
                continue
            centre = info["pearson"][(i, j)]["n"] + 1
            dx = twice(i, ki, mask) - centre
            dy = twice(j, kj, mask) - centre
            state["ranks"][(i, j)] = state["ranks"].get((i, j), 0) + int_sum(dx * dy)

    def merge(self, a, b, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            return {
                c: {
                    "n": a[c]["n"] + b[c]["n"],
                    "bad": a[c]["bad"] + b[c]["bad"],
                    "sum": _add_exact(a[c]["sum"], b[c]["sum"]),
                    "map": a[c]["map"].merged(b[c]["map"], cap),
                }
                for c in ctx.columns
            }
        out = {}
        if "pairs" in a:
            pairs = dict(a["pairs"])
            for key, value in b["pairs"].items():
                pairs[key] = list(value) if key not in pairs else _add_moments(pairs[key], value)
            out["pairs"] = pairs
        if "maps" in a:
            maps = dict(a["maps"])
            for key, value in b["maps"].items():
                maps[key] = (
                    maps[key].merged(value, cap) if key in maps else value.merged(CountMap(), cap)
                )
            out["maps"] = maps
        if "ranks" in a:
            ranks = dict(a["ranks"])
            for key, value in b["ranks"].items():
                ranks[key] = ranks.get(key, 0) + value
            out["ranks"] = ranks
        return out

    def end_pass(self, state, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            return self._end_scan(state, ctx)
        info = ctx.previous[-1]
        if stage == "pearson":
            self._end_pearson(state, ctx, info)
        elif stage == "maps":
            self._store_maps(state, info)
            info["map_keys"] = []
            info["next"] = self._spearman_plan(ctx, info)
        else:
            info["ranks"] = state["ranks"]
            info["next"] = None
        return info

    def _end_scan(self, state, ctx) -> dict:
        cols = ctx.columns
        scan = {
            c: {
                "n": state[c]["n"],
                "bad": state[c]["bad"],
                "overflow": state[c]["map"].overflow,
                "sum_ok": state[c]["sum"] is not None,
            }
            for c in cols
        }
        means = []
        for c in cols:
            n = state[c]["n"]
            mean = fixed_ratio(state[c]["sum"], n) if n else 0.0
            means.append(mean if math.isfinite(mean) else 0.0)
        tables = {
            (i, -1): RankTable(state[c]["map"])
            for i, c in enumerate(cols)
            if not state[c]["map"].overflow and state[c]["n"]
        }
        pairs = self._screened_pairs(ctx)
        info = {
            "scan": scan,
            "distinct": [int(state[c]["map"].values.size) for c in cols],
            "means": means,
            "tables": tables,
            "pearson_pairs": pairs,
            "pearson": {},
            "selected": None,
            "map_keys": [],
            "spearman_pairs": {},
            "ranks": {},
        }
        if ctx.params["pair_selection"] != "strongest":
            info["selected"] = pairs
            info["map_keys"] = self._needed_maps(ctx, info)
        info["next"] = "pearson" if any(scan[c]["n"] for c in cols) else None
        return info

    def _map_key(self, ctx, info, i, j) -> tuple[int, int]:
        """Rank map of column i for the pair (i, j): its own when j has no invalid value."""
        return (i, j) if info["scan"][ctx.columns[j]]["bad"] else (i, -1)

    def _needed_maps(self, ctx, info) -> list[tuple[int, int]]:
        """Pairwise rank maps to build in the next pass: strongest pairs first, as many as
        fit in MAP_BUDGET_FACTOR * distinct_cap distinct values (a map of column i holds at
        most as many values as i's own map)."""
        budget = MAP_BUDGET_FACTOR * ctx.budget.distinct_cap
        pairs = list(info["selected"])
        if info["pearson"]:
            pairs.sort(key=lambda p: (-abs(info["pearson"][p]["r"] or 0.0), p))
        keys: set = set()
        used = 0
        for i, j in pairs:
            if (i, -1) not in info["tables"] or (j, -1) not in info["tables"]:
                continue
            new = {
                key
                for key in (self._map_key(ctx, info, i, j), self._map_key(ctx, info, j, i))
                if key[1] >= 0 and key not in info["tables"] and key not in keys
            }
            cost = sum(info["distinct"][key[0]] for key in new)
            if used + cost > budget:
                continue
            keys |= new
            used += cost
        return sorted(keys)

    def _store_maps(self, state, info) -> None:
        for key, cmap in sorted(state["maps"].items()):
            own = info["tables"][(key[0], -1)]
            info["tables"][key] = None if cmap.overflow else RankTable(cmap, own)
        for key in info["map_keys"]:
            info["tables"].setdefault(key, RankTable(CountMap()))

    def _end_pearson(self, state, ctx, info) -> None:
        results = {}
        for pair in info["pearson_pairs"]:
            results[pair] = _pearson(state["pairs"].get(pair))
        if info["selected"] is None:
            ranked = sorted(
                info["pearson_pairs"],
                key=lambda p: (results[p]["r"] is None, -abs(results[p]["r"] or 0.0), p[0], p[1]),
            )
            info["selected"] = sorted(ranked[: ctx.budget.max_pairs])
        info["pearson"] = {p: results[p] for p in info["selected"]}
        if info["map_keys"]:
            self._store_maps(state, info)
        info["map_keys"] = [k for k in self._needed_maps(ctx, info) if k not in info["tables"]]
        info["next"] = "maps" if info["map_keys"] else self._spearman_plan(ctx, info)

    def _spearman_plan(self, ctx, info) -> str | None:
        plan = {}
        for i, j in info["selected"]:
            if info["pearson"][(i, j)]["n"] < 2:
                continue
            ki, kj = self._map_key(ctx, info, i, j), self._map_key(ctx, info, j, i)
            if info["tables"].get(ki) is None or info["tables"].get(kj) is None:
                continue
            plan[(i, j)] = (ki, kj)
        info["spearman_pairs"] = plan
        return "spearman" if plan else None

    def needs_another_pass(self, ctx):
        return ctx.previous[-1]["next"] is not None

    def _spearman_reason(self, ctx, info, i, j) -> str | None:
        cols = ctx.columns
        cap = ctx.budget.distinct_cap
        for a in (i, j):
            if info["scan"][cols[a]]["overflow"]:
                return (
                    f"exact ranks unaffordable: column {cols[a]!r} has more than "
                    f"distinct_cap = {cap} distinct finite values"
                )
        for a, b in ((i, j), (j, i)):
            key = self._map_key(ctx, info, a, b)
            if key in info["tables"] and info["tables"][key] is None:
                return (
                    f"exact ranks unaffordable: column {cols[a]!r} on the rows where "
                    f"{cols[b]!r} is valid has more than distinct_cap = {cap} distinct values"
                )
            if key[1] >= 0 and key not in info["tables"]:
                return (
                    "exact ranks unaffordable: the pairwise rank maps of stronger pairs filled "
                    f"the per-pass budget of {MAP_BUDGET_FACTOR} x distinct_cap = "
                    f"{MAP_BUDGET_FACTOR * cap} distinct values"
                )
        return None

    def findings(self, ctx):
        info = ctx.previous[-1]
        cols = ctx.columns
        selected = info["selected"]
        if selected is None:  # no finite value anywhere: the pairs a selection would keep
            selected = self._screened_pairs(ctx)[: ctx.budget.max_pairs]
        tested = len(info["pearson_pairs"])
        axis = ctx.params.get("time_axis")
        axis_index = cols.index(axis) if axis in cols else None
        trend: dict[int, float] = {}
        if axis_index is not None:
            for i, j in selected:
                if axis_index in (i, j):
                    other = j if i == axis_index else i
                    r_t = (info["pearson"].get((i, j)) or _pearson(None))["r"]
                    if r_t is not None:
                        trend[other] = r_t
        best: dict[int, float] = {}  # each column's strongest |r| with another measure
        for i, j in selected:
            if axis_index in (i, j):
                continue
            r = (info["pearson"].get((i, j)) or _pearson(None))["r"]
            if r is not None:
                for a in (i, j):
                    best[a] = max(best.get(a, 0.0), abs(r))
        out = []
        for i, j in selected:
            if axis_index in (i, j):
                continue  # the time axis is read only to tell shared trends
            pr = info["pearson"].get((i, j)) or _pearson(None)
            n = pr["n"]
            rho = rho_p = None
            reason = None
            if (i, j) in info["spearman_pairs"]:
                rho, rho_p = _spearman(
                    info["ranks"].get((i, j), 0),
                    n,
                    info["tables"][info["spearman_pairs"][(i, j)][0]],
                    info["tables"][info["spearman_pairs"][(i, j)][1]],
                )
            else:
                reason = self._spearman_reason(ctx, info, i, j)
            values = {
                "n": n,
                "pearson_r": pr["r"],
                "pearson_p": pr["p"],
                "spearman_rho": rho,
                "spearman_p": rho_p,
            }
            units = {
                "n": "count",
                "pearson_r": "coefficient",
                "pearson_p": "probability",
                "spearman_rho": "coefficient",
                "spearman_p": "probability",
            }
            strength = max([abs(v) for v in (pr["r"], rho) if v is not None], default=0.0)
            smaller_p = min((x for x in (pr["p"], rho_p) if x is not None), default=None)
            severity = significant_severity(
                smaller_p, tested, strength, ((MEDIUM_R, "medium"), (0.4, "low"))
            )
            params = {"pairs_tested": tested}
            shared = (
                i in trend
                and j in trend
                and abs(trend[i]) >= SHARED_TREND_R
                and abs(trend[j]) >= SHARED_TREND_R
            )
            if axis_index is not None:
                params["time_axis"] = axis
                params["r_with_time"] = [trend.get(i), trend.get(j)]
            r_ij = abs(pr["r"]) if pr["r"] is not None else None
            if (
                severity in ("medium", "high")
                and r_ij is not None
                and r_ij < best.get(i, 0.0)
                and r_ij < best.get(j, 0.0)
            ):
                # both columns correlate more strongly with another: among many correlated
                # measures, each column's strongest relation is the one worth a look
                severity = "low"
                params["weaker_than_partners"] = STRONGEST_PARTNER_RULE
            series_levels = "time_series_table" in ctx.params
            if (shared or series_levels) and severity in ("medium", "high"):
                severity = "low"
                params["severity_capped"] = (
                    SHARED_TREND_RULE if shared else ctx.params["time_series_table"]
                )
            if reason:
                params["spearman_skipped"] = reason
            if pr.get("overflow"):
                params["pearson_skipped"] = "a deviation product overflowed float64"
            x, y = cols[i], cols[j]
            out.append(
                ctx.finding(
                    kind="correlation",
                    title=f"Correlation of {x!r} and {y!r}"
                    + (
                        f" (both trend with {axis!r}: a shared trend)"
                        if shared
                        else f" (levels of two series over {axis!r})"
                        if series_levels
                        else ""
                    ),
                    subject={"columns": [x, y]},
                    values=values,
                    units=units,
                    severity=severity,
                    columns=[x, y],
                    parameters=params,
                )
            )
        return _strongest_first(
            ctx, out, lambda v: abs(v["pearson_r"]) if v["pearson_r"] is not None else None
        )


def _add_moments(a: list, b: list) -> list:
    return [a[0] + b[0], *(_add_exact(x, y) for x, y in zip(a[1:], b[1:], strict=True))]


def _ratio_sqrt(num: int, a: int, b: int) -> float:
    """num / sqrt(a * b) for integers, to within a few units of 2**-128 before rounding."""
    return (num << 128) / math.isqrt((a * b) << 256)


def _pearson(moments) -> dict:
    """r and its p-value from exact fixed-point moments about the column means."""
    if moments is None:
        return {"n": 0, "r": None, "p": None}
    n, sx, sy, sxx, syy, sxy = moments
    if any(v is None for v in (sx, sy, sxx, syy, sxy)):
        return {"n": n, "r": None, "p": None, "overflow": True}
    if n < 2:
        return {"n": n, "r": None, "p": None}
    # co-moments about the pair means, scaled by n * FIXED_ONE**2: exact integers. The sums
    # are halved first (exactly: every float64 is a multiple of 2**-1074, so every sum in
    # 2**-1127 units is even): the integer square root below is not scale-free in its last
    # bits, and r is kept as it was computed from sums in 2**-1126 units.
    sx, sy, sxx, syy, sxy = (v >> 1 for v in (sx, sy, sxx, syy, sxy))
    unit = FIXED_ONE >> 1
    cxy = n * sxy * unit - sx * sy
    cxx = n * sxx * unit - sx * sx
    cyy = n * syy * unit - sy * sy
    if cxx <= 0 or cyy <= 0:
        return {"n": n, "r": None, "p": None}
    r = _ratio_sqrt(cxy, cxx, cyy)
    r = min(1.0, max(-1.0, r))
    return {"n": n, "r": r, "p": _corr_p(r, n)}


def _corr_p(r: float, n: int) -> float | None:
    if n < 3:
        return None
    df = n - 2
    denom = (1.0 - r) * (1.0 + r)
    if denom <= 0.0:
        return 0.0
    return _t_pvalue(r * math.sqrt(df / denom), df)


def _spearman(s: int, n: int, tx: RankTable, ty: RankTable) -> tuple[float | None, float | None]:
    """rho from the exact integer co-moment of twice-centred ranks; p as scipy.stats.spearmanr."""
    dx = (n * n * n - n - tx.ties) // 3  # sum of (2*rank - (n+1))**2
    dy = (n * n * n - n - ty.ties) // 3
    if dx <= 0 or dy <= 0:
        return None, None
    rho = _ratio_sqrt(s, dx, dy)
    rho = min(1.0, max(-1.0, rho))
    return rho, _corr_p(rho, n)


# -- Cramér's V ----------------------------------------------------------------------------


class _LevelScan:
    """Pass 1 of the categorical analyses: exact level counts and nulls per column."""

    @staticmethod
    def init(columns):
        return {c: {"counts": {}, "bad": 0} for c in columns}

    @staticmethod
    def update(state, chunk, columns):
        for c in columns:
            state[c]["bad"] += chunk.column(c).null_count
            add_counts(state[c]["counts"], value_counts(valid_values(chunk, c)))
        return state

    @staticmethod
    def merge(a, b, columns):
        return {
            c: {
                "counts": add_counts(dict(a[c]["counts"]), b[c]["counts"]),
                "bad": a[c]["bad"] + b[c]["bad"],
            }
            for c in columns
        }

    @staticmethod
    def end(state, columns, max_groups):
        out = {}
        for c in columns:
            levels, other_levels, other_rows = choose_levels(state[c]["counts"], max_groups)
            out[c] = {
                "levels": levels,
                "other_levels": other_levels,
                "other_rows": other_rows,
                "bad": state[c]["bad"],
                "distinct": len(state[c]["counts"]),
            }
        return out


class CramersV(Analysis):
    id = "cramers_v"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "chi2": STATISTIC_DIGITS,
        "cramers_v": STATISTIC_DIGITS,
        "cramers_v_corrected": STATISTIC_DIGITS,
    }
    family = "relationships"
    title = "Cramér's V between categorical columns"
    requires = GROUP_KINDS
    exact = True
    passes = 2
    method = (
        "For each pair of categorical/boolean columns, on rows where both are non-null: exact "
        "contingency table (per column the max_groups-1 most frequent levels and an 'other' "
        "level when it has more than max_groups levels; columns with more than 4*max_groups "
        "distinct values, or more than 50 distinct values with fewer than 20 rows per value "
        "on average, are skipped as keys), chi-square test of independence without continuity "
        "correction (scipy.stats.chi2_contingency, empty rows/columns dropped), Cramér's V = "
        "sqrt(chi2 / (n * (min(r, c) - 1))) and its bias-corrected form (Bergsma 2013). "
        "Pairs: the first max_pairs in column order. Severity: medium when the corrected V "
        ">= 0.5, low when >= 0.3, both only when p times the number of pairs (Bonferroni) "
        "< 0.001; else info. Order: V descending, then column names"
    )
    reference = (
        "Cramér (1946), Mathematical Methods of Statistics, §21.9; Pearson (1900), On the "
        "criterion that a given system of deviations..., Phil. Mag. 50; Bergsma (2013), A "
        "bias-correction for Cramér's V and Tschuprow's T, J. Korean Stat. Soc. 42"
    )
    access = "streamed; pass 1 exact level counts, pass 2 exact contingency tables per pair"

    def plan(self, dataset, budget):
        eligible, skipped = _group_columns(dataset, budget)
        kept = eligible[: budget.max_columns]
        pairs = list(combinations(kept, 2))
        if not pairs:
            return None
        left_out: dict = {}
        if len(eligible) > len(kept):
            left_out.update({"columns": eligible[len(kept) :], "cap": "max_columns"})
        if skipped:
            left_out["skipped_columns"] = skipped
        if len(pairs) > budget.max_pairs:
            left_out["pairs"] = len(pairs) - budget.max_pairs
            left_out["pairs_cap"] = "max_pairs"
            left_out["pairs_rule"] = "kept the first max_pairs pairs in column order"
        used = {c for p in pairs[: budget.max_pairs] for c in p}
        columns = tuple(c for c in kept if c in used)
        return Plan(columns, {"alpha": ALPHA, "pairs_total": len(pairs)}, left_out)

    def _pairs(self, ctx):
        order = {c: k for k, c in enumerate(ctx.columns)}
        pairs = list(combinations(ctx.columns, 2))[: ctx.budget.max_pairs]
        return sorted(pairs, key=lambda p: (order[p[0]], order[p[1]]))

    def init(self, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.init(ctx.columns)
        return {}

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.update(state, chunk, ctx.columns)
        levels = ctx.previous[0]
        codes = {c: level_codes(chunk.column(c), levels[c]["levels"]) for c in ctx.columns}
        for a, b in self._pairs(ctx):
            ka, kb = len(levels[a]["levels"]) + 1, len(levels[b]["levels"]) + 1
            ca, cb = codes[a], codes[b]
            m = (ca >= 0) & (cb >= 0)
            table = np.bincount(ca[m] * kb + cb[m], minlength=ka * kb).reshape(ka, kb)
            old = state.get((a, b))
            state[(a, b)] = table if old is None else old + table
        return state

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.merge(a, b, ctx.columns)
        out = dict(a)
        for key, table in b.items():
            out[key] = table.copy() if key not in out else out[key] + table
        return out

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            return _LevelScan.end(state, ctx.columns, ctx.budget.max_groups)
        return state

    def needs_another_pass(self, ctx):
        return len(ctx.previous) < 2

    def findings(self, ctx):
        levels = ctx.previous[0]
        tables = ctx.previous[1] if len(ctx.previous) > 1 else {}
        pairs = self._pairs(ctx)
        tested = len(pairs)
        out = []
        for a, b in pairs:
            table = tables.get((a, b))
            res = _cramers(table)
            other = {
                c: {"levels": levels[c]["other_levels"], "rows": levels[c]["other_rows"]}
                for c in (a, b)
                if levels[c]["other_levels"]
            }
            params: dict = {"pairs_tested": tested}
            if other:
                params["other_bucket"] = other
            severity = significant_severity(
                res["p_value"],
                tested,
                res["cramers_v_corrected"] or 0.0,
                ((0.5, "medium"), (0.3, "low")),
            )
            units = {
                "cramers_v": "coefficient",
                "cramers_v_corrected": "coefficient",
                "chi2": "statistic",
                "p_value": "probability",
                "dof": "count",
                "n": "count",
                "levels_a": "count",
                "levels_b": "count",
            }
            out.append(
                ctx.finding(
                    kind="cramers_v",
                    title=f"Association of {a!r} and {b!r}",
                    subject={"columns": [a, b]},
                    values=res,
                    units=units,
                    severity=severity,
                    columns=[a, b],
                    parameters=params,
                )
            )
        return _strongest_first(ctx, out, lambda v: v["cramers_v"])


def _cramers(table) -> dict:
    empty = {
        "cramers_v": None,
        "cramers_v_corrected": None,
        "chi2": None,
        "p_value": None,
        "dof": None,
        "n": 0,
        "levels_a": 0,
        "levels_b": 0,
    }
    if table is None:
        return empty
    table = table[table.sum(axis=1) > 0][:, table.sum(axis=0) > 0]
    n = int(table.sum())
    r, c = table.shape
    out = {**empty, "n": n, "levels_a": int(r), "levels_b": int(c)}
    if n == 0 or r < 2 or c < 2:
        return out
    res = stats.chi2_contingency(table, correction=False)
    chi2 = float(res.statistic)
    phi2 = chi2 / n
    # Bergsma (2013) bias correction: phi^2, r and c shrunk by their expectation under independence
    phi2c = max(0.0, phi2 - (r - 1) * (c - 1) / (n - 1))
    rc = r - (r - 1) ** 2 / (n - 1)
    cc = c - (c - 1) ** 2 / (n - 1)
    denom = min(rc - 1, cc - 1)
    out.update(
        {
            "chi2": chi2,
            "p_value": float(res.pvalue),
            "dof": int(res.dof),
            "cramers_v": math.sqrt(phi2 / (min(r, c) - 1)),
            "cramers_v_corrected": math.sqrt(phi2c / denom) if denom > 0 else None,
        }
    )
    return out


# -- group differences (Kruskal–Wallis) -------------------------------------------------


class GroupDifferences(Analysis):
    id = "group_differences"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {"p_value": PROBABILITY_DIGITS}
    family = "relationships"
    title = "Numeric differences across category levels (Kruskal–Wallis)"
    requires = (*NUMERIC_KINDS, *GROUP_KINDS)
    exact = True
    passes = 3
    method = (
        "For each (numeric, categorical/boolean) column pair, on rows where the number is "
        "finite and the level non-null: Kruskal–Wallis H with tie correction from exact "
        "average ranks (distinct-value maps of at most distinct_cap values, maps on the rows "
        "with a non-null level within 20 x distinct_cap values, else skipped with the reason; "
        "twice a rank is an "
        "integer, so per-level rank sums are exact integers and H is computed in exact "
        "rational arithmetic), p-value from chi-square with (levels-1) df, epsilon-squared = "
        "H/(n-1). Levels: the max_groups-1 most frequent and an 'other' level when a column "
        "has more than max_groups levels; columns with more than 4*max_groups distinct values "
        "(or more than 50 with fewer than 20 rows per value on average) are skipped as keys. Pairs: "
        "the first max_pairs in column order. Severity: medium when epsilon^2 >= 0.14, low "
        "when >= 0.06, both only when p times the number of pairs (Bonferroni) < 0.001; else info"
    )
    reference = (
        "Kruskal & Wallis (1952), Use of Ranks in One-Criterion Variance Analysis, JASA 47; "
        "Tomczak & Tomczak (2014), The need to report effect size estimates revisited, "
        "Trends in Sport Sciences 1(21)"
    )
    access = (
        "streamed; pass 1 distinct-value maps + level counts, optional pass 2 maps on rows "
        "with a non-null level, pass 3 per-level rank sums"
    )

    def plan(self, dataset, budget):
        numeric = dataset.columns_of(*NUMERIC_KINDS, roles=MEASURE_ROLES)
        groups, skipped = _group_columns(dataset, budget)
        numeric_kept = numeric[: budget.max_columns]
        groups_kept = groups[: budget.max_columns]
        pairs = [(v, g) for v in numeric_kept for g in groups_kept]
        if not pairs:
            return None
        left_out: dict = {}
        dropped = numeric[len(numeric_kept) :] + groups[len(groups_kept) :]
        if dropped:
            left_out.update({"columns": dropped, "cap": "max_columns"})
        if skipped:
            left_out["skipped_columns"] = skipped
        if len(pairs) > budget.max_pairs:
            left_out["pairs"] = len(pairs) - budget.max_pairs
            left_out["pairs_cap"] = "max_pairs"
            left_out["pairs_rule"] = (
                "kept the first max_pairs (numeric, group) pairs in column order"
            )
        used = {c for p in pairs[: budget.max_pairs] for c in p}
        columns = tuple(c for c in numeric_kept + groups_kept if c in used)
        params = {"alpha": ALPHA, "pairs_total": len(pairs)}
        return Plan(columns, params, left_out)

    def _split(self, ctx) -> tuple[list[str], list[str]]:
        numeric = [c for c in ctx.columns if ctx.dataset.kind(c) in NUMERIC_KINDS]
        groups = [c for c in ctx.columns if ctx.dataset.kind(c) in GROUP_KINDS]
        return numeric, groups

    def _pairs(self, ctx) -> list[tuple[str, str]]:
        numeric, groups = self._split(ctx)
        return [(v, g) for v in numeric for g in groups][: ctx.budget.max_pairs]

    def _stage(self, ctx) -> str:
        return "scan" if ctx.pass_index == 0 else ctx.previous[-1]["next"]

    def init(self, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            numeric, groups = self._split(ctx)
            return {
                "num": {c: {"n": 0, "bad": 0, "map": CountMap()} for c in numeric},
                "grp": _LevelScan.init(groups),
            }
        return {}

    def update(self, state, chunk, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            for c, s in state["num"].items():
                data, ok = _finite(chunk, c)
                vals = data[ok]
                s["n"] += int(vals.size)
                s["bad"] += int(data.size - vals.size)
                s["map"] = s["map"].merged(CountMap.of(vals, cap), cap)
            _LevelScan.update(state["grp"], chunk, list(state["grp"]))
            return state
        info = ctx.previous[-1]
        codes = {
            g: level_codes(chunk.column(g), info["levels"][g]["levels"]) for g in info["groups"]
        }
        nums = {v: _finite(chunk, v) for v in info["numeric"]}
        ranks = _ChunkRanks(info["tables"], nums.__getitem__, own=None)
        if stage == "maps":
            for v, g in info["map_keys"]:
                data, ok = nums[v]
                part = CountMap.of(data[ok & (codes[g] >= 0)], cap)
                state[(v, g)] = state[(v, g)].merged(part, cap) if (v, g) in state else part
            return state
        for (v, g), key in info["rank_pairs"].items():
            data, ok = nums[v]
            mask = ok & (codes[g] >= 0)
            if not mask.any():
                continue
            k = len(info["levels"][g]["levels"]) + 1
            c = codes[g][mask]
            twice = ranks(v, key, mask)
            counts = np.bincount(c, minlength=k).tolist()
            sums = int_group_sums(c, twice, k)
            old = state.get((v, g))
            if old is None:
                state[(v, g)] = (counts, sums)
            else:
                state[(v, g)] = (
                    [x + y for x, y in zip(old[0], counts, strict=True)],
                    [x + y for x, y in zip(old[1], sums, strict=True)],
                )
        return state

    def merge(self, a, b, ctx):
        stage = self._stage(ctx)
        cap = ctx.budget.distinct_cap
        if stage == "scan":
            return {
                "num": {
                    c: {
                        "n": a["num"][c]["n"] + b["num"][c]["n"],
                        "bad": a["num"][c]["bad"] + b["num"][c]["bad"],
                        "map": a["num"][c]["map"].merged(b["num"][c]["map"], cap),
                    }
                    for c in a["num"]
                },
                "grp": _LevelScan.merge(a["grp"], b["grp"], list(a["grp"])),
            }
        out = dict(a)
        for key, value in b.items():
            if stage == "maps":
                out[key] = (
                    out[key].merged(value, cap) if key in out else value.merged(CountMap(), cap)
                )
            elif key not in out:
                out[key] = (list(value[0]), list(value[1]))
            else:
                old = out[key]
                out[key] = (
                    [x + y for x, y in zip(old[0], value[0], strict=True)],
                    [x + y for x, y in zip(old[1], value[1], strict=True)],
                )
        return out

    def end_pass(self, state, ctx):
        stage = self._stage(ctx)
        if stage == "scan":
            numeric, groups = self._split(ctx)
            levels = _LevelScan.end(state["grp"], groups, ctx.budget.max_groups)
            info = {
                "numeric": numeric,
                "groups": groups,
                "levels": levels,
                "scan": {
                    c: {k: s[k] for k in ("n", "bad")} | {"overflow": s["map"].overflow}
                    for c, s in state["num"].items()
                },
                "tables": {
                    (c, None): RankTable(s["map"])
                    for c, s in state["num"].items()
                    if not s["map"].overflow and s["n"]
                },
                "sums": {},
            }
            # rank maps of v on the rows where g is non-null, within the per-pass budget
            budget = MAP_BUDGET_FACTOR * ctx.budget.distinct_cap
            keys, used = set(), 0
            for v, g in self._pairs(ctx):
                if (v, None) in info["tables"] and levels[g]["bad"]:
                    cost = int(state["num"][v]["map"].values.size)
                    if used + cost <= budget:
                        keys.add((v, g))
                        used += cost
            info["map_keys"] = sorted(keys)
            info["next"] = "maps" if keys else self._rank_plan(ctx, info)
            return info
        info = ctx.previous[-1]
        if stage == "maps":
            for key in info["map_keys"]:
                cmap = state.get(key, CountMap())
                own = info["tables"][(key[0], None)]
                info["tables"][key] = None if cmap.overflow else RankTable(cmap, own)
            info["next"] = self._rank_plan(ctx, info)
        else:
            info["sums"] = state
            info["next"] = None
        return info

    def _key(self, info, v, g):
        return (v, g) if info["levels"][g]["bad"] else (v, None)

    def _rank_plan(self, ctx, info) -> str | None:
        plan = {}
        for v, g in self._pairs(ctx):
            key = self._key(info, v, g)
            if info["tables"].get(key) is not None and info["levels"][g]["levels"]:
                plan[(v, g)] = key
        info["rank_pairs"] = plan
        return "ranks" if plan else None

    def needs_another_pass(self, ctx):
        return ctx.previous[-1]["next"] is not None

    def findings(self, ctx):
        info = ctx.previous[-1]
        pairs = self._pairs(ctx)
        tested = len(pairs)
        cap = ctx.budget.distinct_cap
        out = []
        for v, g in pairs:
            lv = info["levels"][g]
            labels = [level_label(x) for x in lv["levels"]] + ["(other)"]
            params: dict = {"pairs_tested": tested}
            if lv["other_levels"]:
                params["other_bucket"] = {
                    g: {"levels": lv["other_levels"], "rows": lv["other_rows"]}
                }
            key = self._key(info, v, g)
            res = {
                "h_statistic": None,
                "p_value": None,
                "epsilon_squared": None,
                "n": 0,
                "groups": 0,
                "highest_mean_rank_level": None,
                "lowest_mean_rank_level": None,
            }
            if (v, g) in info.get("rank_pairs", {}):
                counts, sums = info["sums"].get((v, g), ([], []))
                res.update(_kruskal(counts, sums, info["tables"][key], labels))
            elif info["scan"][v]["overflow"] or (
                key in info["tables"] and info["tables"][key] is None
            ):
                params["skipped"] = (
                    f"exact ranks unaffordable: column {v!r} has more than distinct_cap = {cap} "
                    "distinct finite values"
                )
            elif key[1] is not None and key not in info["tables"]:
                params["skipped"] = (
                    "exact ranks unaffordable: the rank maps of earlier pairs filled the per-pass "
                    f"budget of {MAP_BUDGET_FACTOR} x distinct_cap = {MAP_BUDGET_FACTOR * cap} "
                    "distinct values"
                )
            severity = significant_severity(
                res["p_value"], tested, res["epsilon_squared"], ((0.14, "medium"), (0.06, "low"))
            )
            units = {
                "h_statistic": "statistic",
                "p_value": "probability",
                "epsilon_squared": "ratio",
                "n": "count",
                "groups": "count",
                "highest_mean_rank_level": "level",
                "lowest_mean_rank_level": "level",
            }
            out.append(
                ctx.finding(
                    kind="group_difference",
                    title=f"{v!r} across the levels of {g!r}",
                    subject={"column": v, "group_by": g},
                    values=res,
                    units=units,
                    severity=severity,
                    columns=[v, g],
                    parameters=params,
                )
            )
        return _strongest_first(ctx, out, lambda v: v["epsilon_squared"])


def _kruskal(counts: list[int], sums: list[int], table: RankTable, labels: list[str]) -> dict:
    """Kruskal–Wallis H (tie-corrected) in exact rational arithmetic from twice-rank sums."""
    live = [(n, s, label) for n, s, label in zip(counts, sums, labels, strict=False) if n > 0]
    total = sum(n for n, _, _ in live)
    out = {"n": total, "groups": len(live)}
    if len(live) < 2:
        return out
    mean_ranks = [(Fraction(s, 2 * n), label) for n, s, label in live]
    out["lowest_mean_rank_level"] = min(mean_ranks, key=lambda x: (x[0], x[1]))[1]
    out["highest_mean_rank_level"] = min(mean_ranks, key=lambda x: (-x[0], x[1]))[1]
    cubes = total**3 - total
    if cubes == 0 or table.ties >= cubes:
        return out
    ssbn = sum(Fraction(s * s, 4 * n) for n, s, _ in live)
    h = (Fraction(12, total * (total + 1)) * ssbn - 3 * (total + 1)) / (
        1 - Fraction(table.ties, cubes)
    )
    h_float = float(h)
    out.update(
        {
            "h_statistic": h_float,
            "p_value": float(stats.chi2.sf(h_float, len(live) - 1)),
            "epsilon_squared": float(h / (total - 1)),
        }
    )
    return out


@hookimpl
def statharness_analyses():
    return [Correlation(), CramersV(), GroupDifferences()]
