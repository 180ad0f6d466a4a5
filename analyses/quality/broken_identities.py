"""The ``broken_identities`` analysis (quality family): sums and differences of measures
that hold on nearly every row, and the rows that break them.

channing's ``time`` is ``age`` less ``ageentry`` (months in the home) on 460 of 462 rows;
Nerlove's cost shares ``sl + sk + sf`` are 1 on 154 of 159 utilities. An identity kept by
nearly every row is how the columns were made; the few rows off it are data errors an
analyst must resolve (and a reason the exact identity was not found by ``correlation``,
which reports identities that hold on every row).

Pass 1: over the rows where every measure is finite, exact sums of each x, each x² and each
product of two (the same integers on every chunking). From them, plain float arithmetic screens
every form y = s1·x1 + c and y = s1·x1 + s2·x2 + c (s = ±1): a candidate leaves at most
SCREEN_SHARE of y's variance (a few wrong rows inflate it, so the screen is loose). Pass 2
computes each candidate's residual r = y - s1·x1 - s2·x2 on every complete row, counts
the rows per bin of width ``tol`` (TOL_SHARE of the largest standard deviation of the
form's columns) with their exact residual sums. Reported (medium) when at least HOLD_SHARE
of the rows lie within WINDOW bins of the modal one and at least one does not; pass 3
reads the first rows that break it.
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from pytest_statharness import MEASURE_ROLES, Analysis, ColumnKind, MemoryModel, Plan

from .._shared.exact import fixed_ratio
from .._shared.hist import MAX_EXAMPLES, smallest
from .._shared.numeric import squares_overflow
from .._shared.series import grouped_fixed_sums

#: the measures screened (schema order; missing on at most MAX_MISSING_SHARE of the rows),
#: and the candidates checked row by row
MAX_COLUMNS = 12
MAX_MISSING_SHARE = 0.05
MAX_CANDIDATES = 40
#: a candidate leaves at most this share of its target's variance (pass 1 screen)
SCREEN_SHARE = 0.1
#: a term is needed: the form without it leaves at least this many times the variance
NEEDED_RATIO = 3.0
#: the residual's bins are this share of the largest standard deviation among the columns
TOL_SHARE = 1e-3
#: rows within this many bins of the modal one keep the identity (rounding of stored values)
WINDOW = 2
#: an identity holds on at least this share of the complete rows, and fails on some
HOLD_SHARE = 0.95
MIN_ROWS = 30
#: a one-term form (y = x + c) needs both columns to hold at least this many values: codes
#: of a few values agree on most rows whenever they are associated
PAIR_MIN_DISTINCT = 10
#: the smallest bin width read (a tolerance near the subnormals would divide to inf)
MIN_TOLERANCE = 1e-290
#: a residual's bins are counted up to this many (past it, no identity: dropped)
MAX_BINS = 2000


def _complete_sums(x: dict[str, np.ndarray], cols: list[str]) -> tuple[int, list[int]]:
    """(rows where every column is finite, exact sums over them of each x, each x² and each
    product x_i x_j, i < j, in that order), one vectorised exact summation."""
    data = np.column_stack([x[c] for c in cols])
    data = data[np.isfinite(data).all(axis=1)]
    if not data.size:
        return 0, [0] * (2 * len(cols) + len(cols) * (len(cols) - 1) // 2)
    left, right = np.triu_indices(len(cols), k=1)
    products = np.hstack([data, data * data, data[:, left] * data[:, right]])
    index = np.tile(np.arange(products.shape[1]), products.shape[0])
    return int(data.shape[0]), grouped_fixed_sums(index, products.ravel(), products.shape[1])


def _pair_moments(cols: list[str], n: int, sums: list[int]) -> dict:
    """[n, Σx, Σy, Σx², Σy², Σxy] per pair, from the complete-row sums."""
    c = len(cols)
    out = {}
    for k, (i, j) in enumerate(zip(*np.triu_indices(c, k=1), strict=True)):
        i, j = int(i), int(j)
        out[(cols[i], cols[j])] = [n, sums[i], sums[j], sums[c + i], sums[c + j], sums[2 * c + k]]
    return out


def _cov(m: list[int]) -> tuple[float, float, float]:
    """(var x, var y, cov xy) of exact moments, population form, as floats."""
    n = m[0]
    if n < 2:
        return math.nan, math.nan, math.nan
    mx, my = fixed_ratio(m[1], n), fixed_ratio(m[2], n)
    vx = fixed_ratio(m[3], n) - mx * mx
    vy = fixed_ratio(m[4], n) - my * my
    cxy = fixed_ratio(m[5], n) - mx * my
    return vx, vy, cxy


def _form_title(y: str, terms: list[tuple[int, str]], constant: float, order: list[str]) -> str:
    """'age' = 'ageentry' + 'time'; shares that add up read as a sum, in schema order:
    'sl' + 'sk' + 'sf' = 1."""
    shown = f"{abs(constant):.10g}"
    if all(sign < 0 for sign, _ in terms) and constant:
        names = " + ".join(repr(n) for n in sorted([y, *(t for _, t in terms)], key=order.index))
        return f"{names} = {'-' if constant < 0 else ''}{shown}"
    text = ""
    for sign, name in terms:
        if not text:
            text = ("-" if sign < 0 else "") + repr(name)
        else:
            text += (" - " if sign < 0 else " + ") + repr(name)
    if constant:
        text += f" {'+' if constant > 0 else '-'} {shown}"
    return f"{y!r} = {text}"


class BrokenIdentities(Analysis):
    id = "broken_identities"
    associative_merge = True  # exact integer sums, count maps and smallest positions
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = (
        f"exact sums of at most {MAX_COLUMNS} measures, their squares and products; residual "
        f"bins of at most "
        f"{MAX_CANDIDATES} candidates ({MAX_BINS} bins each)"
    )
    family = "quality"
    title = "Sums and differences of measures that hold on nearly every row (broken identities)"
    requires = (ColumnKind.NUMERIC,)
    exact = True
    passes = 3
    method = (
        f"measures missing on at most {MAX_MISSING_SHARE:.0%} of the rows (the first "
        f"{MAX_COLUMNS}, schema order). Pass 1: over the rows where all are finite, exact sums "
        "of each x, x² and product of two. Screen (float arithmetic on those "
        "sums): every form y = s1 x1 + c and y = s1 x1 + s2 x2 + c (s = +1 or -1) whose "
        f"residual keeps at most {SCREEN_SHARE:.0%} of y's variance, each term needed (the "
        f"form without it keeps >= {NEEDED_RATIO:g} times as much), at most "
        f"{MAX_CANDIDATES} (smallest residual share first). Pass 2: the residual "
        "y - s1 x1 - s2 x2 on every row where the form's columns are finite, in bins of "
        f"{TOL_SHARE:g} x the largest standard deviation among them; rows within {WINDOW} "
        "bins of the modal one keep the identity. Reported (medium) when they are >= "
        f"{HOLD_SHARE:.0%} of >= {MIN_ROWS} rows and some are not (one finding per set of "
        "columns): the constant c (the kept rows' mean residual from exact sums, rounded to "
        "the bins' decimals), the rows kept and broken; pass 3 reads the first breaking "
        f"rows. A one-term form needs both columns to hold >= {PAIR_MIN_DISTINCT} values "
        "(codes of a few values agree on most rows when associated). An identity "
        "kept by every row is correlation's (linear_identity), not reported here"
    )
    reference = (
        "Fellegi & Holt (1976), A systematic approach to automatic edit and imputation, "
        "JASA 71 (balance edits: parts that must add up to a total)"
    )
    access = (
        "streamed; pass 1 exact sums over complete rows, pass 2 residual bins of the "
        "candidates, pass 3 the breaking rows"
    )

    def plan(self, dataset, budget):
        candidates = dataset.columns_of(ColumnKind.NUMERIC, roles=MEASURE_ROLES)
        # a square or product past float64's range is inf: such a measure cannot be summed
        # exactly here, and is said to be left out
        overflow = [m for m in candidates if squares_overflow(dataset.column(m).value_range)]
        measures = [
            m
            for m in candidates
            if m not in overflow
            and dataset.column(m).distinct_at_least > 2
            # the moments are over the rows where every measure is present: a column
            # missing on many rows would take them from every other
            and dataset.column(m).null_count <= MAX_MISSING_SHARE * dataset.row_count
        ][: min(MAX_COLUMNS, budget.max_columns)]
        if len(measures) < 2:
            return None
        left_out = {"squares_overflow_float64": overflow} if overflow else {}
        # few values: equal on most rows by association (two linked markers coded 0/1/2)
        coarse = [m for m in measures if dataset.column(m).distinct_at_least < PAIR_MIN_DISTINCT]
        return Plan(tuple(measures), {"measures": measures, "coarse": coarse}, left_out)

    def init(self, ctx):
        return {}

    def update(self, state, chunk, ctx):
        cols = ctx.params["measures"]
        x = {c: chunk.floats(c) for c in cols}
        if ctx.pass_index == 0:
            n, sums = _complete_sums(x, cols)
            old = state.get("sums")
            state["n"] = state.get("n", 0) + n
            state["sums"] = sums if old is None else [p + q for p, q in zip(old, sums, strict=True)]
            return state
        run = ctx.previous[-1]
        for k, cand in enumerate(run["candidates"]):
            if ctx.pass_index == 2 and k not in run["held"]:
                continue
            r = x[cand["y"]].copy()
            for sign, name in cand["terms"]:
                r = r - sign * x[name]
            ok = np.flatnonzero(np.isfinite(r))
            bins = np.floor(r[ok] / cand["tol"]).astype(np.int64)
            if ctx.pass_index == 2:
                # the rows off the identity's modal bins, for the finding's examples
                mode = run["held"][k]["mode"]
                off = ok[np.abs(bins - mode) > WINDOW][:MAX_EXAMPLES]
                state[k] = smallest(state.get(k, []), (chunk.row_start + off).tolist())
                continue
            slot = state.setdefault(k, {})
            if slot is None:
                continue
            keys, inverse = np.unique(bins, return_inverse=True)
            counts = np.bincount(inverse, minlength=keys.size)
            sums = grouped_fixed_sums(inverse, r[ok], keys.size)
            for key, count, part in zip(keys.tolist(), counts.tolist(), sums, strict=True):
                n, total = slot.get(key, (0, 0))
                slot[key] = (n + count, total + part)
            if len(slot) > MAX_BINS:
                state[k] = None  # a residual spread over many bins: no identity
        return state

    def merge(self, a, b, ctx):
        out = dict(a)
        for key, value in b.items():
            old = out.get(key)
            if key not in out:
                out[key] = value
            elif ctx.pass_index == 0:
                out[key] = (
                    old + value if key == "n" else [p + q for p, q in zip(old, value, strict=True)]
                )
            elif ctx.pass_index == 2:
                out[key] = smallest(old, value)
            elif old is None or value is None:
                out[key] = None
            else:
                bins = dict(old)
                for bin_key, (n, total) in value.items():
                    m, t = bins.get(bin_key, (0, 0))
                    bins[bin_key] = (m + n, t + total)
                out[key] = None if len(bins) > MAX_BINS else bins
        return out

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            cols = ctx.params["measures"]
            moments = _pair_moments(cols, state.get("n", 0), state.get("sums") or [])
            found = _candidates(cols, moments, set(ctx.params.get("coarse", ())))
            return {"candidates": found, "held": {}}
        run = ctx.previous[-1]
        if ctx.pass_index == 1:
            run["held"] = _held(run["candidates"], state)
            run["phase"] = "rows" if run["held"] else "done"
            return run
        run["rows"] = {k: sorted(v)[:MAX_EXAMPLES] for k, v in state.items()}
        run["phase"] = "done"
        return run

    def needs_another_pass(self, ctx):
        run = ctx.previous[-1]
        if len(ctx.previous) == 1:
            return bool(run["candidates"])
        return len(ctx.previous) == 2 and run.get("phase") == "rows"

    def findings(self, ctx):
        run = ctx.previous[-1]
        out = []
        for k, held in sorted(run.get("held", {}).items()):
            cand = run["candidates"][k]
            form = _form_title(cand["y"], cand["terms"], held["constant"], ctx.params["measures"])
            n, kept = held["rows"], held["kept"]
            broken = n - kept
            out.append(
                ctx.finding(
                    kind="broken_identity",
                    title=f"{form} on {kept} of {n} rows: {broken} "
                    f"row{'s' if broken > 1 else ''} break{'' if broken > 1 else 's'} it",
                    subject={"columns": sorted([cand["y"], *(t for _, t in cand["terms"])])},
                    values={
                        "rows": n,
                        "rows_kept": kept,
                        "rows_broken": broken,
                        "share_kept": kept / n,
                        "constant": held["constant"],
                        "tolerance": cand["tol"],
                    },
                    units={
                        "rows": "count",
                        "rows_kept": "count",
                        "rows_broken": "count",
                        "share_kept": "ratio",
                        "constant": "value",
                        "tolerance": "value",
                    },
                    severity="medium",
                    columns=[cand["y"], *(name for _, name in cand["terms"])],
                    example_rows=run.get("rows", {}).get(k, []),
                    parameters={
                        "form": form,
                        "signs": {name: sign for sign, name in cand["terms"]},
                        "window_bins": WINDOW,
                        "hold_share": HOLD_SHARE,
                        "screen_residual_share": cand["share"],
                    },
                )
            )
        return out


def _held(candidates: list[dict], counted: dict) -> dict[int, dict]:
    """The candidates kept by >= HOLD_SHARE of their rows and broken by some: per index,
    the modal bin, the rows, the rows kept and the constant (the kept rows' mean residual,
    rounded to the bins' decimals). One per set of columns (the first, smallest share)."""
    held, seen = {}, set()
    for k, cand in enumerate(candidates):
        bins = counted.get(k)
        if not bins:
            continue
        columns = frozenset([cand["y"], *(t for _, t in cand["terms"])])
        if columns in seen:
            continue  # the same identity solved for another of its columns
        n = sum(c for c, _ in bins.values())
        mode = min(bins, key=lambda key: (-bins[key][0], key))
        window = [key for key in bins if abs(key - mode) <= WINDOW]
        kept = sum(bins[key][0] for key in window)
        if n < MIN_ROWS or kept == n or kept < HOLD_SHARE * n:
            continue
        seen.add(columns)
        mean = fixed_ratio(sum(bins[key][1] for key in window), kept)
        decimals = max(0, -math.floor(math.log10(cand["tol"])))
        constant = round(mean, decimals) if abs(mean) > (WINDOW + 1) * cand["tol"] else 0.0
        held[k] = {"mode": mode, "rows": n, "kept": kept, "constant": constant}
    return held


def _candidates(measures: list[str], moments: dict, coarse: set[str] = frozenset()) -> list[dict]:
    """The forms worth a row check (see the module doc), smallest residual share first;
    no one-term form between ``coarse`` columns (few values)."""
    cov: dict[tuple[str, str], float] = {}
    var: dict[str, float] = {}
    for (a, b), m in moments.items():
        vx, vy, cxy = _cov(m)
        cov[(a, b)] = cov[(b, a)] = cxy
        for name, v in ((a, vx), (b, vy)):
            if math.isfinite(v) and v > 0:
                var[name] = max(var.get(name, 0.0), v)

    def c(a: str, b: str) -> float:
        return var[a] if a == b else cov.get((a, b), math.nan)

    def residual(y: str, terms: list[tuple[int, str]]) -> float:
        total = var[y]
        for s, t in terms:
            total += var[t] - 2 * s * c(y, t)
        for (s1, t1), (s2, t2) in combinations(terms, 2):
            total += 2 * s1 * s2 * c(t1, t2)
        return total

    usable = [m for m in measures if m in var]
    found = []
    for y in usable:
        others = [m for m in usable if m != y]
        for t in others:
            if y in coarse or t in coarse:
                continue  # cf's loc6 and loc7 (0/1/2) agree on 181 of 186 rows: linkage
            for s in (1, -1):
                share = residual(y, [(s, t)]) / var[y]
                if math.isfinite(share) and share <= SCREEN_SHARE:
                    found.append((share, y, [(s, t)]))
        for t1, t2 in combinations(others, 2):
            for s1, s2 in ((1, 1), (1, -1), (-1, 1), (-1, -1)):
                full = residual(y, [(s1, t1), (s2, t2)])
                share = full / var[y]
                if not (math.isfinite(share) and share <= SCREEN_SHARE):
                    continue
                floor = max(full, 1e-300)
                if (
                    residual(y, [(s1, t1)]) < NEEDED_RATIO * floor
                    or residual(y, [(s2, t2)]) < NEEDED_RATIO * floor
                ):
                    continue
                found.append((share, y, [(s1, t1), (s2, t2)]))
    found.sort(key=lambda f: (f[0], f[1], [t for _, t in f[2]]))
    out = []
    for share, y, terms in found[:MAX_CANDIDATES]:
        spread = max(math.sqrt(var[n]) for n in [y, *(t for _, t in terms)])
        if not TOL_SHARE * spread >= MIN_TOLERANCE:
            continue  # spreads near the smallest floats: bins of them are not numbers
        out.append({"y": y, "terms": terms, "share": share, "tol": TOL_SHARE * spread})
    return out
