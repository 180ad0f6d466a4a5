"""Simpson's paradox of two yes/no columns: an odds ratio that reverses within the levels
of a third column.

Pooled over ages, Whickham's smokers died less often than non-smokers (odds ratio 0.68);
within each age group they died more often (Mantel–Haenszel odds ratio 1.54): the older
women, who died most, smoked least. The pooled rate describes the mixture of ages, not any
age. ``simpsons_paradox`` reads correlations of measures; this analysis reads the 2 x 2
tables of two yes/no columns (flags, two-level categories) within each level of a
category. One streamed pass counts, per (pair, stratum column), the rows of every
combination of values: exact integer counts, merged by addition.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import combinations

import numpy as np

from pytest_statharness import Analysis, ColumnKind, ColumnRole, MemoryModel, Plan
from pytest_statharness.precision import PROBABILITY_DIGITS

from .._shared.lazy_scipy import SCIPY_STATS, stats
from .._shared.moments import level_codes
from .._shared.report import cap_findings

#: yes/no columns read (schema order; a declared or presumed outcome first) ...
MAX_BINARY = 10
#: ... and categories of 2..MAX_LEVELS levels to stratify by
MAX_STRATA = 4
MAX_LEVELS = 20
#: the pooled association and the stratified one both differ from no association at this
#: level (the pooled chi-square of the 2 x 2 table; the Cochran–Mantel–Haenszel test)
ALPHA = 0.01
#: ... and each odds ratio is at least this far from 1 (either way)
MIN_ODDS_RATIO = 1.25

RULE = (
    "two yes/no columns whose pooled odds ratio (all rows with the three columns present) "
    f"and Mantel–Haenszel odds ratio within the levels of a category lie on opposite sides "
    f"of 1, each at least {MIN_ODDS_RATIO:g}-fold (or its inverse), the pooled association "
    f"significant (chi-square of the 2 x 2 table, p < {ALPHA}) and the stratified one too "
    f"(Cochran–Mantel–Haenszel, p < {ALPHA}): the category's levels reverse the pooled "
    "association (Simpson's paradox); medium, the strongest stratifier per pair"
)


def _binary(dataset, c: str) -> bool:
    info = dataset.column(c)
    if info.excluded:
        return False
    if info.role == ColumnRole.BOOLEAN:
        return True
    return (
        info.role == ColumnRole.CATEGORY
        and bool(info.distinct_exact)
        and info.distinct_at_least == 2
    )


def _stem(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalpha())


def _same_stem(a: str, b: str) -> bool:
    """Whether two names are one variable's codings or times: the letters of one begin the
    other's (mediation's out and out.enc, jtrain3's unem75 and unem78, htv's ne and ne18,
    voucher's select and selectyrs4). Stratifying by such a column restates the other."""
    sa, sb = _stem(a), _stem(b)
    if len(sa) < 2 or len(sb) < 2:
        return False
    return sa.startswith(sb) or sb.startswith(sa)


def _stratum(dataset, c: str) -> bool:
    info = dataset.column(c)
    return (
        not info.excluded
        and info.role in (ColumnRole.CATEGORY, ColumnRole.BOOLEAN)
        and bool(info.distinct_exact)
        and 2 <= info.distinct_at_least <= MAX_LEVELS
    )


def odds_tables(cells: dict) -> tuple[list, dict[object, tuple[int, int, int, int]]]:
    """(the two values of x and of y, {stratum: (a, b, c, d)}) from the counts
    {(y, x, stratum): rows}: a = x high & y high, b = x high & y low, c = x low & y high,
    d = x low & y low, the values sorted (the reversal does not depend on which is 'high')."""
    ys = sorted({k[0] for k in cells}, key=repr)
    xs = sorted({k[1] for k in cells}, key=repr)
    tables: dict[object, list[int]] = {}
    for (y, x, s), n in cells.items():
        t = tables.setdefault(s, [0, 0, 0, 0])
        hi_x, hi_y = x == xs[-1], y == ys[-1]
        t[(0 if hi_y else 1) if hi_x else (2 if hi_y else 3)] += n
    return [xs, ys], {s: tuple(t) for s, t in tables.items()}


def pooled(tables) -> tuple[int, int, int, int]:
    """The 2 x 2 table (a, b, c, d) of all strata together."""
    a, b, c, d = (sum(t[i] for t in tables) for i in range(4))
    return a, b, c, d


def mantel_haenszel(tables) -> tuple[Fraction | None, float | None]:
    """(Mantel–Haenszel odds ratio, Cochran–Mantel–Haenszel chi-square without continuity
    correction) over the strata's 2 x 2 tables of at least 2 rows; exact rationals."""
    num = den = Fraction(0)
    a_sum = expected = variance = Fraction(0)
    for a, b, c, d in tables:
        n = a + b + c + d
        if n < 2:
            continue
        num += Fraction(a * d, n)
        den += Fraction(b * c, n)
        r1, c1 = a + b, a + c
        a_sum += a
        expected += Fraction(r1 * c1, n)
        variance += Fraction(r1 * (n - r1) * c1 * (n - c1), n * n * (n - 1))
    ratio = num / den if den else None
    chi2 = float((a_sum - expected) ** 2 / variance) if variance else None
    return ratio, chi2


def _nested(tables) -> bool:
    """Whether a value of either yes/no column lives in one level of the stratum only
    (voucher's selectyrs4 only where select is 1, htv's south only where ne is 0,
    mediation's out.enc a copy of out): the stratum restates that column, and its
    'reversal' is one of the table's codings, not a confounder (regression corpus). Also
    when fewer than 2 levels hold both values of both columns (nothing to compare)."""
    x_high = sum(1 for a, b, c, d in tables if a + b)
    x_low = sum(1 for a, b, c, d in tables if c + d)
    y_high = sum(1 for a, b, c, d in tables if a + c)
    y_low = sum(1 for a, b, c, d in tables if b + d)
    informative = sum(1 for a, b, c, d in tables if a + b and c + d and a + c and b + d)
    return min(x_high, x_low, y_high, y_low) < 2 or informative < 2


def _copies(state: dict) -> dict[str, str]:
    """{column: the earlier column it recodes}: two yes/no columns whose pooled 2 x 2 table
    has both cells of one diagonal empty are one variable (Alive = 1 - Outcome Dead)."""
    out: dict[str, str] = {}
    for (y, x, _s), cells in state.items():
        if y in out or x in out:
            continue
        a, b, c, d = pooled(odds_tables(cells)[1].values())
        if (a == 0 and d == 0) or (b == 0 and c == 0):
            out[x] = y  # the plan lists pairs in column order: x comes after y
    return out


class SimpsonsRates(Analysis):
    id = "simpsons_rates"
    imports = SCIPY_STATS  # loaded lazily: imported before the guarded run
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "per (pair, stratum column) the rows of each of at most 2 x 2 x 20 cells"
    family = "relationships"
    title = "Simpson's paradox of two yes/no columns"
    requires = (ColumnKind.CATEGORICAL, ColumnKind.BOOLEAN, ColumnKind.NUMERIC)
    exact = False
    error_bound = "exact counts and odds ratios; p-values through scipy (declared digits)"
    precision = {"pooled_p_value": PROBABILITY_DIGITS, "stratified_p_value": PROBABILITY_DIGITS}
    passes = 1
    method = (
        f"yes/no columns: flags (role boolean) and two-level categories, the first "
        f"{MAX_BINARY} (a declared, named or presumed outcome first); strata: categories "
        f"and flags of 2..{MAX_LEVELS} levels, the first {MAX_STRATA}. Per pair of yes/no "
        "columns and stratum column (not one of the pair), the exact rows of each "
        "combination of their values. Pooled odds ratio ad/bc of the 2 x 2 table over the "
        "rows with all three present (no empty cell), chi-square without continuity "
        "correction (scipy.stats.chi2); Mantel–Haenszel odds ratio sum(a d / n) / sum(b c / "
        "n) and the Cochran–Mantel–Haenszel chi-square (1 df) over the strata of at least "
        "2 rows, in exact rationals. Not read: a stratum named as a coding or a time of "
        "either column (the letters of one name begin the other's: out and out.enc, unem75 "
        "and unem78), a stratum in one level of which a value of "
        "either column lives only (the stratum restates that column: a flag nested in "
        "another, one-hot regions), or with fewer than 2 levels holding both values of both "
        "columns. " + RULE + "; per-level odds ratios in the values"
    )
    reference = (
        "Simpson (1951), The interpretation of interaction in contingency tables, JRSS B "
        "13(2); Mantel & Haenszel (1959), J. Natl. Cancer Inst. 22(4); Appleton, French & "
        "Vanderpump (1996), Ignoring a covariate: an example of Simpson's paradox, Am. Stat. "
        "50(4) (Whickham)"
    )
    access = "streamed; one pass, integer cell counts per (pair, stratum column)"

    def plan(self, dataset, budget):
        names = [c.name for c in dataset.columns]
        outcomes = [
            *dataset.targets,
            *(
                [dataset.presumed_outcome]
                if not dataset.targets and getattr(dataset, "presumed_outcome", None)
                else []
            ),
        ]
        binary = [c for c in names if _binary(dataset, c)]
        binary = sorted(binary, key=lambda c: (c not in outcomes, names.index(c)))[:MAX_BINARY]
        strata = [c for c in names if _stratum(dataset, c)][: MAX_STRATA + MAX_BINARY]
        triples = [
            (y, x, s)
            for y, x in combinations(binary, 2)
            for s in [
                s
                for s in strata
                if s not in (y, x) and not _same_stem(s, y) and not _same_stem(s, x)
            ][:MAX_STRATA]
        ]
        if not triples:
            return None
        columns = tuple(dict.fromkeys(c for t in triples for c in t))
        return Plan(columns, {"triples": [list(t) for t in triples]}, {})

    def init(self, ctx):
        return {tuple(t): {} for t in ctx.params["triples"]}

    def update(self, state, chunk, ctx):
        encoded: dict[str, tuple[np.ndarray, list]] = {}
        for y, x, s in state:
            for c in (y, x, s):
                if c not in encoded:
                    encoded[c] = level_codes(chunk.table.column(c))
            (cy, vy), (cx, vx), (cs, vs) = encoded[y], encoded[x], encoded[s]
            ok = (cy >= 0) & (cx >= 0) & (cs >= 0)
            if not ok.any():
                continue
            combined = (cy[ok] * len(vx) + cx[ok]) * len(vs) + cs[ok]
            counts = np.bincount(combined, minlength=len(vy) * len(vx) * len(vs))
            cells = state[(y, x, s)]
            for k in np.flatnonzero(counts).tolist():
                rest, ks = divmod(k, len(vs))
                ky, kx = divmod(rest, len(vx))
                key = (vy[ky], vx[kx], vs[ks])
                cells[key] = cells.get(key, 0) + int(counts[k])
        return state

    def merge(self, a, b, ctx):
        out = {}
        for key in a:
            cells = dict(a[key])
            for cell, n in b[key].items():
                cells[cell] = cells.get(cell, 0) + n
            out[key] = dict(sorted(cells.items(), key=lambda kv: repr(kv[0])))
        return out

    def findings(self, ctx):
        state = ctx.previous[0]
        copies = _copies(state)
        best: dict[tuple[str, str], tuple] = {}
        for (y, x, s), cells in state.items():
            if y in copies or x in copies:
                continue  # Whickham2's 'Alive' is its 'Outcome' recoded: said once
            found = self._reversal(cells)
            if found is None:
                continue
            if (y, x) not in best or found["stratified_p_value"] < best[(y, x)][1][
                "stratified_p_value"
            ]:
                best[(y, x)] = (s, found)
        out = [
            self._finding(ctx, y, x, s, found)
            for (y, x), (s, found) in sorted(
                best.items(), key=lambda kv: kv[1][1]["stratified_p_value"]
            )
        ]
        summary = ctx.finding(
            kind="simpsons_rates_screen",
            title=(
                f"Simpson's paradox screen of yes/no pairs: {len(out)} of "
                f"{len({(y, x) for y, x, _ in state})} pairs reverse within a category"
            ),
            subject={"scope": "dataset"},
            values={"pairs_screened": len({(y, x) for y, x, _ in state}), "reversals": len(out)},
            units={"pairs_screened": "count", "reversals": "count"},
            parameters={"rule": RULE},
        )
        return cap_findings(ctx, out, summary)

    @staticmethod
    def _reversal(cells: dict) -> dict | None:
        (xs, ys), tables = odds_tables(cells)
        if len(xs) != 2 or len(ys) != 2 or len(tables) < 2:
            return None
        a, b, c, d = pooled(tables.values())
        if min(a, b, c, d) == 0 or _nested(tables.values()):
            return None
        crude = Fraction(a * d, b * c)
        n = a + b + c + d
        chi2 = float(Fraction(n * (a * d - b * c) ** 2, (a + b) * (c + d) * (a + c) * (b + d)))
        pooled_p = float(stats.chi2.sf(chi2, 1))
        ratio, cmh = mantel_haenszel(tables.values())
        if ratio is None or ratio == 0 or cmh is None:
            return None
        stratified_p = float(stats.chi2.sf(cmh, 1))
        far = Fraction(MIN_ODDS_RATIO).limit_denominator()
        opposite = (crude > 1 and ratio < 1) or (crude < 1 and ratio > 1)
        if not (
            opposite
            and max(crude, 1 / crude) >= far
            and max(ratio, 1 / ratio) >= far
            and pooled_p < ALPHA
            and stratified_p < ALPHA
        ):
            return None
        levels = {}
        for s, (a_s, b_s, c_s, d_s) in sorted(tables.items(), key=lambda kv: repr(kv[0])):
            levels[str(s)] = float(Fraction(a_s * d_s, b_s * c_s)) if b_s * c_s else None
        return {
            "pooled_odds_ratio": float(crude),
            "pooled_p_value": pooled_p,
            "stratified_odds_ratio": float(ratio),
            "stratified_p_value": stratified_p,
            "rows": n,
            "levels": len(tables),
            "level_odds_ratios": levels,
            "high_values": {"x": str(xs[-1]), "y": str(ys[-1])},
        }

    @staticmethod
    def _finding(ctx, y: str, x: str, s: str, found: dict) -> dict:
        return ctx.finding(
            kind="simpsons_rates",
            title=(
                f"Simpson's paradox: {y!r} by {x!r} reverses within the levels of {s!r} (odds "
                f"ratio {found['pooled_odds_ratio']:.2f} pooled, "
                f"{found['stratified_odds_ratio']:.2f} within its {found['levels']} levels)"
            ),
            subject={"columns": [y, x], "stratum": s},
            values={k: v for k, v in found.items() if k != "high_values"},
            units={
                "pooled_odds_ratio": "ratio",
                "pooled_p_value": "probability",
                "stratified_odds_ratio": "ratio",
                "stratified_p_value": "probability",
                "rows": "count",
                "levels": "count",
                "level_odds_ratios": "ratio",
            },
            severity="medium",
            columns=[y, x, s],
            parameters={"rule": RULE, "odds_of": found["high_values"]},
        )
