"""The ``changepoints`` analysis (time family): level shifts in the daily series.

One analysis per module so the file tree leads to it; what other time analyses
also use is in ``_common.py``, the family's overview in ``time/__init__.py``.
"""

from __future__ import annotations

import math

import numpy as np

from pytest_statharness import MemoryModel
from pytest_statharness.column_roles import GRAIN_ADJECTIVES, SERIES_GRAIN
from pytest_statharness.precision import PROBABILITY_DIGITS, STATISTIC_DIGITS

from .._shared.exact import fixed_ratio
from .._shared.lazy_scipy import stats
from .._shared.report import bonferroni, cap_each
from .._shared.series import (
    ALPHA,
    Series,
    fixed_moments,
)
from .._shared.summaries import one_per_quantity
from ._common import (
    ANNUAL_CYCLE_EPS2,
    ROWS,
    ROWS_ACTIVE_MIN_SHARE,
    _f,
    _series_columns,
    _TimeAnalysis,
    active_share,
    administrative_censoring,
    annual_cycle_strength,
    direction_text,
    per_point,
    point_label,
    point_preposition,
    point_unit,
    row_series_meaningful,
    rows_unit,
)

# changepoints
CP_MIN_SEGMENT = 5
CP_MIN_POINTS = 2 * CP_MIN_SEGMENT
CP_PENALTY = 4.0
MIN_ROWS_RELATIVE_SHIFT = 0.10
WANDERING_CHANGES = 3  # this many level changes in one series: it wanders (all low)


# -- changepoints --------------------------------------------------------------------------


def optimal_partition_l2(y: np.ndarray, penalty: float, min_size: int) -> list[int]:
    """Breakpoints (segment ends, the last one ``len(y)``) minimising
    ``sum of within-segment squared deviations + penalty * segments`` with every segment at
    least ``min_size`` long: optimal partitioning (Jackson et al. 2005), the same optimum
    PELT (Killick et al. 2012) finds with pruning, computed here without pruning (the series
    are at most max_windows long)."""
    n = int(y.size)
    if n < min_size:
        return [n]
    s1 = np.concatenate([[0.0], np.cumsum(y)])
    s2 = np.concatenate([[0.0], np.cumsum(y * y)])
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    last = np.zeros(n + 1, dtype=np.int64)
    for t in range(min_size, n + 1):
        s = np.arange(0, t - min_size + 1)
        s = s[np.isfinite(best[s])]
        cost = (s2[t] - s2[s]) - (s1[t] - s1[s]) ** 2 / (t - s)
        total = best[s] + cost + penalty
        k = int(np.argmin(total))
        best[t] = total[k]
        last[t] = s[k]
    out = []
    t = n
    while t > 0:
        out.append(t)
        t = int(last[t])
    return sorted(out)


def noise_sigma(y: np.ndarray) -> float:
    """von Neumann's estimate: the standard deviation of first differences over sqrt(2)."""
    if y.size < 3:
        return 0.0
    return float(np.std(np.diff(y)) / math.sqrt(2.0))


def _refine(y: np.ndarray, edges: list[int], weights: np.ndarray | None = None) -> list[int]:
    """Move each inner boundary, left to right, to the split within +-CP_MIN_SEGMENT points
    that minimises the squared deviations of ``y`` from its two segments' means (ranks
    find a change robustly but place it only roughly: they keep order, not magnitude).

    With ``weights`` (the rows behind each daily mean) deviations and means are weighted:
    the split is then the least-squares split of the rows themselves (the within-day part
    of their squared deviations does not depend on the split), so a day of 3 rows moves a
    boundary less than a day of 50. Ties go to the earliest split.
    """
    edges = list(edges)
    for k in range(1, len(edges) - 1):
        a, b, c = edges[k - 1], edges[k], edges[k + 1]
        lo = max(a + CP_MIN_SEGMENT, b - CP_MIN_SEGMENT)
        hi = min(c - CP_MIN_SEGMENT, b + CP_MIN_SEGMENT)
        best, where = math.inf, b
        for split in range(lo, hi + 1):
            cost = 0.0
            for seg in (slice(a, split), slice(split, c)):
                part = y[seg]
                if weights is None:
                    cost += float(np.sum((part - part.mean()) ** 2))
                else:
                    w = weights[seg]
                    centre = float(np.sum(w * part)) / float(np.sum(w))
                    cost += float(np.sum(w * (part - centre) ** 2))
            if cost < best:
                best, where = cost, split
        edges[k] = where
    return edges


def detect_changes(
    y: np.ndarray,
    search: np.ndarray | None = None,
    rows: tuple[np.ndarray, list[int], list[int]] | None = None,
) -> tuple[list[dict], float, float]:
    """Confirmed level shifts of a daily series: (changes, noise sigma of y, penalty).

    ``search`` (default ``y``) is the series the changes are searched, placed and
    confirmed on; ``y`` is the series whose levels are reported. For a numeric column
    ``search`` holds the daily means of g = log_modulus(x), ``y`` the daily means of x, and
    ``rows`` = (values per day, exact fixed-point sums of g per day, of g*g per day).

    The search runs on the ranks of ``search`` (average ranks, standardised by their von
    Neumann noise estimate), so heavy tails and single outlying days cannot create
    segments; each boundary is then refined (:func:`_refine`, weighted by the values per
    day when ``rows`` is given) and confirmed by a Mann–Whitney U test of ``search`` before
    and after it — and, with ``rows``, also by the pooled-variance two-sample t-test of the
    rows' g values before and after it (from the exact segment moments): days are then not
    all equally informative (a day of 1 value is far noisier than a day of 50), which a
    rank test of daily means alone ignores, so a run of sparse days (the end of a log)
    could otherwise pass for a level. The variance is pooled because under no change all
    rows share one distribution (Welch's test would trust the spread of 8 sparse values),
    and the t-test's p-value is multiplied by the number of admissible split positions as
    well as by the candidates (Bonferroni): the boundary was chosen by a scan, so its
    nominal p-value is optimistic. A change is the index of the first point of the new level;
    ``search_before``/``search_after`` are the segment means of ``search`` (with ``rows``:
    the exact means of the rows' g values).
    """
    n = int(y.size)
    search = y if search is None else search
    if n < CP_MIN_POINTS:
        return [], 0.0, 0.0
    ranks = stats.rankdata(search)
    rank_sigma = noise_sigma(ranks)
    if rank_sigma <= 0.0:
        return [], noise_sigma(y), 0.0
    z = (ranks - float(np.median(ranks))) / rank_sigma
    penalty = CP_PENALTY * math.log(n)
    bps = optimal_partition_l2(z, penalty, CP_MIN_SEGMENT)
    weights = None if rows is None else rows[0].astype(np.float64)
    edges = _refine(search, [0, *bps], weights)
    candidates = len(bps) - 1
    # each boundary is confirmed between its neighbours as the search placed them; one that
    # is not is dropped, and the levels of the confirmed ones are measured between
    # confirmed changes (or an end): a level is the mean of the segment it names
    tested = [_confirm(search, rows, edges, k, candidates, n) for k in range(1, len(edges) - 1)]
    confirmed = [c for c in tested if c is not None]
    kept = [0, *(c["index"] for c in confirmed), n]
    out = [{**c, **_levels(y, search, rows, kept, k)} for k, c in enumerate(confirmed, 1)]
    return out, noise_sigma(y), penalty


#: a series whose values are typically held this many periods or more (the median length
#: of its runs of equal consecutive values) is a step function: a level set for a term, not noise around one
HELD_PERIODS = 3.0
HELD_MIN_POINTS = 9


def _held_levels(y) -> str | None:
    """Why a series' shift is no change of level against noise, or None: hoff's yearly
    Just503R holds each of its 9 values for a 4-year presidential term; the test counts 36
    independent years where there are 9 levels, and every step is a 'change'."""
    values = np.asarray(y, dtype=np.float64)
    if values.size < HELD_MIN_POINTS:
        return None
    starts = np.flatnonzero(np.r_[True, values[1:] != values[:-1]])
    lengths = np.diff(np.r_[starts, values.size])
    typical = float(np.median(lengths))
    if typical < HELD_PERIODS:
        return None  # a long flat stretch then moving values is a change of regime
    return (
        f"the series holds its values for {typical:g} periods typically ({lengths.size} runs "
        f"of equal values in {values.size} points, median run >= {HELD_PERIODS:g}): a step "
        "function of levels set for terms, whose steps are all 'changes' and whose points "
        "are not independent; severity at most low"
    )


def _levels(y, search, rows, edges: list[int], k: int) -> dict:
    """The levels either side of ``edges[k]``: the means of ``y`` and ``search`` (with
    ``rows``: of the rows' g values) over the segments up to its neighbouring edges."""
    seg_before = slice(edges[k - 1], edges[k])
    seg_after = slice(edges[k], edges[k + 1])
    out = {
        "before": float(np.mean(y[seg_before])),
        "after": float(np.mean(y[seg_after])),
        "search_before": float(np.mean(search[seg_before])),
        "search_after": float(np.mean(search[seg_after])),
        "n_before": edges[k] - edges[k - 1],
        "n_after": edges[k + 1] - edges[k],
        "rows_before": None,
        "rows_after": None,
    }
    if rows is not None:
        before, after = _row_moments(rows, seg_before), _row_moments(rows, seg_after)
        out.update(
            search_before=before[1],
            search_after=after[1],
            rows_before=before[0],
            rows_after=after[0],
        )
    return out


def _boundary_p(search: np.ndarray, edges: list[int], k: int) -> float:
    """The Mann–Whitney p of the boundary ``edges[k]`` between its two segments."""
    before, after = search[edges[k - 1] : edges[k]], search[edges[k] : edges[k + 1]]
    return float(stats.mannwhitneyu(before, after, alternative="two-sided").pvalue)


def _confirm(search, rows, edges: list[int], k: int, candidates: int, n: int) -> dict | None:
    """The tests of the change at ``edges[k]`` between its neighbouring boundaries
    ({"index", "p", "t_p"}), or None when they do not confirm it (see
    :func:`detect_changes`); its levels are measured once the confirmed changes are known."""
    p = _boundary_p(search, edges, k)
    if bonferroni(p, candidates) >= ALPHA:
        return None
    t_p = None
    if rows is not None:
        before = _row_moments(rows, slice(edges[k - 1], edges[k]))
        after = _row_moments(rows, slice(edges[k], edges[k + 1]))
        t_p = _t_test_p(before, after)
        # the boundary was chosen by scanning the series: Bonferroni over the admissible
        # split positions too, so a chosen split is not taken at face value
        positions = n - 2 * CP_MIN_SEGMENT + 1
        if t_p is None or bonferroni(bonferroni(t_p, candidates), positions) >= ALPHA:
            return None
    return {"index": edges[k], "p": p, "t_p": t_p}


def _row_moments(rows, seg: slice) -> tuple[int, float, float]:
    """(values, mean, sd) of the rows' g values over a run of days, from exact sums."""
    n = int(rows[0][seg].sum())
    total = sum(rows[1][seg])
    moments = fixed_moments(n, total, sum(rows[2][seg]))
    if moments is None:
        return n, fixed_ratio(total, n) if n else None, 0.0
    return n, moments[0], moments[1]


def _t_test_p(a: tuple[int, float, float], b: tuple[int, float, float]) -> float | None:
    """Two-sided two-sample t-test (pooled variance) p-value from (n, mean, sd) of two
    samples (scipy.stats.ttest_ind_from_stats); 0/1 when both samples are constant."""
    (na, ma, sa), (nb, mb, sb) = a, b
    if na < 2 or nb < 2:
        return None
    if sa == 0.0 and sb == 0.0:
        return 1.0 if ma == mb else 0.0
    res = stats.ttest_ind_from_stats(ma, sa, na, mb, sb, nb, equal_var=True)
    return float(res.pvalue)


#: a level shift of this many noise sigmas is medium on its own
SHIFT_SIGMAS_MEDIUM = 3


#: a smaller shift is medium when it lasts and the evidence is overwhelming
SUSTAINED_SHIFT_SIGMAS = 1.5


SUSTAINED_MIN_POINTS = 20


SUSTAINED_MAX_P = 1e-6


class Changepoints(_TimeAnalysis):
    id = "changepoints"
    associative_merge = True  # range states merge to the same bytes (Dask)
    memory_model = MemoryModel.PER_DISTINCT
    memory_note = "maps of the latest max_windows days, months and years"
    # not exact: declared significant digits (pytest_statharness.precision)
    precision = {
        "p_value": PROBABILITY_DIGITS,
        "t_test_p_value": PROBABILITY_DIGITS,
        "penalty": STATISTIC_DIGITS,
    }
    title = "Level shifts in the daily (or weekly, monthly, quarterly, yearly) series"
    hourly = False
    robust = True
    coarse = True  # a span longer than the window is read whole, in months or years
    method = (
        "When the dates span more than the window (rows fall before it), the whole span is "
        "read in monthly buckets instead (yearly when the months exceed the window too): each "
        "bucket's count and mean from exact sums rolled up from the days, the series titled "
        "monthly or yearly, parameters buckets and coarsened. "
        "Series: the daily row counts (window days, empty days as 0) and, per numeric column, "
        "its daily means (days with values), at least 10 points. Search series: the counts "
        "themselves; for a numeric column the daily means of the log-modulus transform "
        "g(x) = sign(x) * L(1+|x|), L the piecewise-linear interpolation of log2 between "
        "powers of two (exact per-day sums in the same pass; L is within 0.087 of log2, "
        "g(x) ~ x for |x| < 1), so lognormal-like heavy tails cannot dominate a day and a "
        "multiplicative shift becomes an additive one. The search series is replaced by its "
        "average ranks, standardised by the von Neumann noise estimate sigma_r = sd(first "
        "differences)/sqrt(2); optimal partitioning minimises the l2 cost (squared deviations "
        "from segment means) + penalty per segment — the exact optimum PELT computes — with "
        "segments of at least 5 points and the BIC-like penalty 4 * ln(n) (in units of "
        "sigma_r^2). Each boundary is then moved, within +-5 points, to the split minimising "
        "the squared deviations of the search series in its two segments, weighted by the "
        "values per day for a numeric column (the least-squares split of the rows' g "
        "values). A change is reported only when a two-sided Mann–Whitney U test of the "
        "search series between the segments before and after gives p * (candidate changes "
        "in the series) < 0.001 and, for a numeric column, the two-sample t-test with "
        "pooled variance (scipy.stats.ttest_ind_from_stats, equal_var=True: with no change "
        "all rows share one distribution) of the rows' g values before and after (exact "
        "per-day sums of g and g^2) gives p * (candidate changes) * (admissible split "
        "positions, n - 9) < 0.001, so that a run of sparse days (the end of a log) cannot "
        "pass for a level. Each boundary is confirmed between its neighbours as the search "
        "placed them; an unconfirmed one is dropped, and levels are measured between "
        "confirmed changes (or an end). "
        "Levels before/after are the segment means of the daily series itself (counts, or "
        "daily means of the values); for a numeric column robust_level_before/after are the "
        "means of the rows' g values in the two segments. Severity: medium when the shift "
        "of the search series is at least 3 of its noise sigmas (von Neumann), or at least "
        "1.5 sigmas sustained over at least 20 points on each side with the Mann–Whitney "
        "p < 1e-6 (a moderate shift that lasts, like the Nile's in 1898), else low; low "
        "also for a row-count shift under 10%, for a row-count series with rows in fewer than "
        f"{ROWS_ACTIVE_MIN_SHARE:.0%} of its periods (a one-off collection's burst), and for "
        "a numeric series whose daily values the "
        "month of year explains (Kruskal–Wallis epsilon^2 >= 0.5 over >= 12 months: a seasonal "
        "swing, not a change of level; not for a series numbered 1..N, whose periods have no "
        "month), and for a shift in the direction of a steady trend "
        "(|Kendall tau| of the series against time >= 0.7, or of its full years' means against "
        "the year for a series with several points a year and >= 4 full years, or of the "
        "means of consecutive blocks of 12 points for a series numbered 1..N unless the "
        "points either side of the change hold no trend of their own, |tau| < 0.3: a series "
        "that rises throughout has a step wherever it is cut), and for two opposite changes in a "
        "series of under two years whose level comes back to within half the smaller change "
        "(a seasonal swing, which one year cannot tell from shifts), and for a fall of a "
        "survival table's follow-up time (administrative censoring: later entries followed "
        "for less time); the row-count series is "
        "not searched for yearly or "
        "monthly dates; a series off its most common value at fewer than 10 points, "
        "scattered (under 80% of the segment before or after the change), has no level to "
        "shift (low: Quarrels' reasons coded in 5 years); a series that typically holds its "
        f"value for >= {HELD_PERIODS:g} periods (median run of equal values; at least "
        f"{HELD_MIN_POINTS} points) is a step function of levels set for terms (low: hoff's "
        "policy index held per presidential term); a series with >= 3 changes wanders "
        "(all its changes low), and so does "
        "a series read in coarser buckets whose deviations from its segments' means keep a "
        "lag-1 autocorrelation >= 0.6 (a random walk's monthly means); the "
        "per-series scan summary is info. Changes of several summaries of one quantity (a "
        "price's open/high/low/close, 3 or more of them in the table, 'mean X' and 'worst X', read from the names) are one "
        "fact: the largest shift in sigmas keeps its severity, the others are at most low "
        "(same_fact_as). Series shifting at medium at the same point (2 or more) are one "
        "event: a shared_shift finding (medium) names them, strongest first, and their own "
        "changes are low. A point is a period of the series: a day, or a week, month, quarter or "
        "year when the dates step by one (the median step between points; else the time "
        "column's grain; a series numbered 1..N: its period, labelled 't = k'), named by "
        "the 'period' parameter; periods_before/after and "
        "min_segment_periods count those periods. Order: series, then summary, then changes "
        "by date"
    )
    reference = (
        "Killick, Fearnhead & Eckley (2012), Optimal detection of changepoints with a linear "
        "computational cost, JASA 107; Jackson et al. (2005), An algorithm for optimal "
        "partitioning of data on an interval, IEEE SPL 12; von Neumann (1941), Ann. Math. "
        "Stat. 12; Mann & Whitney (1947), Ann. Math. Stat. 18; Pettitt (1979), A "
        "non-parametric approach to the change-point problem, Appl. Stat. 28; John & Draper "
        "(1980), An alternative family of transformations, Appl. Stat. 29 (log-modulus); "
        "Mitchell (1962), Computer multiplication and division using binary logarithms, "
        "IRE Trans. Electron. Comput. 11 (piecewise-linear log2)"
    )
    access = "streamed; one pass, bounded maps of the latest max_windows days, months, years"

    def _search_series(self, s: Series, name: str, y: np.ndarray):
        """(search series, row sums) of a daily series: the counts themselves, or the daily
        means of log_modulus with (values, exact sums of g and g*g) per day."""
        if name == ROWS or s.daily is None:
            return y, None
        _, n, _ = s.daily.means[name]
        total, squares = s.daily.robust_sums[name]
        return s.daily.robust_means[name], (n, total, squares)

    def findings(self, ctx):
        s = self._series(ctx)
        t = ctx.columns[0]
        out = []
        for name, keys, y in self._daily_series(s, ctx):
            if name == ROWS and not row_series_meaningful(ctx):
                continue
            search, rows = self._search_series(s, name, y)
            changes, sigma, penalty = detect_changes(y, search, rows)
            numeric = name != ROWS
            enough = y.size >= CP_MIN_POINTS
            search_sigma = noise_sigma(search) if enough else 0.0
            cols = _series_columns(t, name)
            unit = rows_unit(s) if name == ROWS else "value"
            word = per_point(ctx, keys)
            period = PERIOD_OF_WORD[word]
            out.append(
                ctx.finding(
                    kind="changepoint_scan",
                    title=f"Changepoint scan of {word} {name} by {t!r}",
                    subject={"time_column": t, "series": name},
                    values={
                        "points": int(y.size),
                        "changepoints": len(changes),
                        "noise_sigma": _f(sigma) if enough else None,
                        "robust_noise_sigma": _f(search_sigma) if enough and numeric else None,
                        "penalty": _f(penalty) if penalty else None,
                    },
                    units={
                        "points": f"{period}s",
                        "changepoints": "count",
                        "noise_sigma": unit,
                        "robust_noise_sigma": "log2 modulus",
                        "penalty": "rank noise variance",
                    },
                    columns=cols,
                    parameters={
                        "period": period,
                        "min_segment_periods": CP_MIN_SEGMENT,
                        "search_series": "daily mean of log_modulus" if numeric else "counts",
                        **self._window_params(s),
                    },
                )
            )
            for ch in changes:
                shift = ch["after"] - ch["before"]
                search_shift = ch["search_after"] - ch["search_before"]
                date = point_label(ctx, keys[ch["index"]])
                sigmas = abs(search_shift) / search_sigma if search_sigma > 0 else None
                out.append(
                    ctx.finding(
                        kind="changepoint",
                        title=f"{word.capitalize()} {name} by {t!r} shifts "
                        f"{point_preposition(ctx)} {date}",
                        subject={"time_column": t, "series": name, "date": date},
                        values={
                            "date": date,
                            "level_before": ch["before"],
                            "level_after": ch["after"],
                            "change": shift,
                            "relative_change": shift / abs(ch["before"]) if ch["before"] else None,
                            "robust_level_before": ch["search_before"] if numeric else None,
                            "robust_level_after": ch["search_after"] if numeric else None,
                            "robust_change": search_shift if numeric else None,
                            "shift_sigmas": sigmas,
                            "periods_before": ch["n_before"],
                            "periods_after": ch["n_after"],
                            "values_before": ch["rows_before"],
                            "values_after": ch["rows_after"],
                            "p_value": ch["p"],
                            "t_test_p_value": ch["t_p"],
                        },
                        units={
                            "date": point_unit(ctx),
                            "level_before": unit,
                            "level_after": unit,
                            "change": unit,
                            "relative_change": "ratio",
                            "robust_level_before": "log2 modulus",
                            "robust_level_after": "log2 modulus",
                            "robust_change": "log2 modulus",
                            "shift_sigmas": "sigma",
                            # points of the series: days, or months of a monthly table
                            "periods_before": f"{period}s",
                            "periods_after": f"{period}s",
                            "values_before": "count",
                            "values_after": "count",
                            "p_value": "probability",
                            "t_test_p_value": "probability",
                        },
                        severity=self._severity(ctx, name, keys, y, sigmas, shift, ch)
                        if len(changes) < WANDERING_CHANGES
                        else "low",  # a series that wanders has no level to shift
                        columns=cols,
                        parameters={
                            "period": period,
                            "min_segment_periods": CP_MIN_SEGMENT,
                            "search_series": "daily mean of log_modulus" if numeric else "counts",
                        },
                    )
                )
                medium = out[-1]["severity"] in ("medium", "high")
                capped = _not_a_step(search, ch, keys, y) if numeric and medium else None
                if capped is None and medium:
                    capped = _sparse_series(y, ch["index"])
                if capped is None and medium and numeric:
                    capped = _held_levels(y)
                if capped is None and medium and shift < 0:
                    reading = administrative_censoring(ctx, name)
                    capped = None if reading is None else reading + "; severity at most low"
                if capped is not None:
                    out[-1]["severity"] = "low"
                    out[-1]["evidence"]["parameters"]["severity_capped"] = capped
            coarse = s.daily is not None and s.daily.coarsened is not None
            persistence = _wanders(search, changes) if numeric and changes and coarse else None
            if persistence is not None:
                # exchange rates over 8 years of days, read in months: a random walk's
                # monthly means, split into 'levels' (a native yearly series keeps its
                # changes: a smooth social series shifts for real, Hartnagel's theft rates)
                _cap_all(out[-len(changes) :], WANDER_RULE.format(r1=persistence))
            if _returning_swing(keys, changes):
                # NOx at a Swiss site, one year: down in April, back up in late September
                _cap_all(out[-len(changes) :], RETURN_RULE)
        # open, low and close of one price shifting the same weeks: one fact
        one_per_quantity(
            sorted((f for f in out if f["kind"] == "changepoint"), key=_by_strength),
            lambda f: f["subject"]["series"],
            lambda f: f["subject"]["time_column"],
            [c.name for c in ctx.dataset.columns],
        )
        out.extend(self._shared_shifts(ctx, out))
        return cap_each(ctx, out)

    @staticmethod
    def _shared_shifts(ctx, out: list[dict]) -> list[dict]:
        """One finding per point at which 2 or more series shift at medium: the series'
        own findings become low (traffic2's injury accidents, their non-interstate part and
        their rate all step up at t = 63: one event, said once)."""
        by_point: dict[str, list[dict]] = {}
        for f in out:
            if f["kind"] == "changepoint" and f["severity"] == "medium":
                by_point.setdefault(f["subject"]["date"], []).append(f)
        t = ctx.columns[0]
        shared = []
        for point, members in sorted(by_point.items()):
            if len(members) < SHARED_SHIFT_MIN_SERIES:
                continue
            members = sorted(members, key=_by_strength)
            names = [f["subject"]["series"] for f in members]
            up = sum(f["measurement"]["values"]["change"] > 0 for f in members)
            for f in members:
                f["severity"] = "low"
                f["evidence"]["parameters"]["severity_capped"] = SHARED_SHIFT_RULE
            direction = direction_text(up, len(names))
            shared.append(
                ctx.finding(
                    kind="shared_shift",
                    title=f"{len(names)} series by {t!r} shift {point_preposition(ctx)} {point} "
                    f"({direction}; "
                    f"strongest: {names[0]!r})",
                    subject={"time_column": t, "date": point, "series": names},
                    values={
                        "date": point,
                        "series_shifting": len(names),
                        "series_up": up,
                        "series_down": len(names) - up,
                    },
                    units={
                        "date": point_unit(ctx),
                        "series_shifting": "count",
                        "series_up": "count",
                        "series_down": "count",
                    },
                    severity="medium",
                    columns=[t, *names],
                    parameters={"rule": SHARED_SHIFT_RULE, "series": names},
                )
            )
        return shared

    @staticmethod
    def _severity(ctx, name, keys, y, sigmas, shift, ch) -> str:
        """medium for a clear level shift; low for a small change in row counts (< 10%:
        a missing hour on a DST day is no level shift) or a shift in a series that follows
        the annual cycle (a seasonal swing is not a change of level)."""
        if sigmas is not None and sigmas < SHIFT_SIGMAS_MEDIUM:
            sustained = (
                sigmas >= SUSTAINED_SHIFT_SIGMAS
                and min(ch["n_before"], ch["n_after"]) >= SUSTAINED_MIN_POINTS
                and ch["p"] is not None
                and ch["p"] < SUSTAINED_MAX_P
            )
            if not sustained:
                return "low"
        if name == ROWS and ch["before"] and abs(shift / ch["before"]) < MIN_ROWS_RELATIVE_SHIFT:
            return "low"
        if name == ROWS and active_share(y) < ROWS_ACTIVE_MIN_SHARE:
            # a survey answered in a burst (rows on 18 of 233 days): the end of the burst
            # is no change of a process's level
            return "low"
        if (
            name != ROWS
            and ctx.params.get("grain") != SERIES_GRAIN  # periods numbered 1..N: no months
            and annual_cycle_strength(keys, y) >= ANNUAL_CYCLE_EPS2
        ):
            return "low"
        if name != ROWS and shift and y.size >= 3:
            tau = float(stats.kendalltau(keys, y).statistic)
            if abs(tau) < STEADY_TREND_TAU and ctx.params.get("grain") == SERIES_GRAIN:
                # a numbered series has no years: its blocks of 12 periods stand for them,
                # and a single step between two flat stretches orders them as well as a
                # trend does, so the stretches must not be flat
                tau = 0.0 if _flat_sides(y, ch) else block_means_tau(y)
            elif abs(tau) < STEADY_TREND_TAU:
                # a quarterly series' seasons hide its growth from tau; its years' means
                # show it (UKgas: tau 0.63 over the quarters, 0.99 over the years)
                tau = yearly_means_tau(keys, y)
            if abs(tau) >= STEADY_TREND_TAU and (tau > 0) == (shift > 0):
                # a series that rises throughout has a 'step' wherever it is cut: the
                # trend is the fact (trend reports it), not a change of level
                return "low"
        return "medium"


#: series shifting at medium at the same point from which they are one event
SHARED_SHIFT_MIN_SERIES = 2
SHARED_SHIFT_RULE = (
    f"{SHARED_SHIFT_MIN_SERIES} or more series shifting (medium) at the same point are one "
    "event, reported once as a shared_shift finding (medium, the series strongest first); "
    "each series' own changepoint is low"
)


#: a series shorter than this many days cannot tell a seasonal swing from shifts of level
RETURN_MAX_SPAN_DAYS = 2 * 365
#: ... when its two changes go opposite ways and the level comes back within this share of
#: the smaller change
RETURN_TOLERANCE = 0.5
#: points on each side of a change whose means are compared: a step shows between them
ABRUPT_POINTS = 5
#: ... by at least this share of the change between the segments' means
ABRUPT_SHARE = 0.5
#: ... in a series trending the way of the change with at least this |Kendall tau|
DRIFT_TAU = 0.3
GRADUAL_RULE = (
    "the {k} points either side of the change differ by {local:.0%} of the change between "
    "the segments (< {share:.0%}) and the series trends the same way (|tau| >= "
    f"{DRIFT_TAU}): the level drifts through the date rather than stepping at it (a cut "
    "through a gradual change, which trend describes); severity at most low"
)
#: a segment whose periods hold on average under this share of the other's rows per period
SPARSE_PERIOD_SHARE = 0.25
SPARSE_RULE = (
    "the periods {side} the change hold {sparse:.1f} rows each against {dense:.1f} {other}: "
    "a change between sparse and dense periods (a collection's early years) is one of "
    "composition and noise, not of level; severity at most low"
)


#: the deviations from the segments' levels persisting this much (lag-1 autocorrelation)
#: make a wandering series: a random walk split into levels keeps r1 of 0.7-0.98, a step
#: in noise about 0
WANDER_R1 = 0.6
WANDER_RULE = (
    "read in coarser buckets (its span exceeds the daily window), the series wanders: its deviations from the segments' levels persist (lag-1 "
    "autocorrelation {r1:.2f} >= " + f"{WANDER_R1}" + ", a random walk's signature), so its "
    "changes split a drift into levels; severity at most low"
)


#: a series off its most common value at fewer than this many points has no level to
#: shift: its change rests on those few points (Quarrels' 'ignorance', coded in 5 years)
FEW_POINTS = 10
#: ... unless they fill this share of the segment before or after the change
FEW_POINTS_FILL = 0.8
FEW_POINTS_RULE = (
    "the series differs from its most common value ({mode:g}) at {off} of its {points} "
    f"points (fewer than {FEW_POINTS}), scattered (under {FEW_POINTS_FILL:.0%} of either "
    "segment): a change resting on those few points, not a level that shifts; severity at "
    "most low"
)


def _sparse_series(y: np.ndarray, at: int) -> str | None:
    """The rule text when ``y`` sits at one value at all but FEW_POINTS - 1 points
    or fewer, scattered (they fill under FEW_POINTS_FILL of the segment before or after the
    change ``at``), else None. Filling a segment is a regime: AustralianElectionPolling's
    Nat share, 0 until mid-2007 and reported in each of the 8 months after."""
    values, counts = np.unique(y, return_counts=True)
    if not counts.size:
        return None
    top = int(np.argmax(counts))
    off = y != values[top]
    if int(off.sum()) >= FEW_POINTS:
        return None
    for part in (off[:at], off[at:]):
        if part.size and part.mean() >= FEW_POINTS_FILL:
            return None
    return FEW_POINTS_RULE.format(mode=float(values[top]), off=int(off.sum()), points=int(y.size))


def _cap_all(changes: list[dict], rule: str) -> None:
    """Every medium or high change of one series low, for ``rule``."""
    for f in changes:
        if f["severity"] in ("medium", "high"):
            f["severity"] = "low"
            f["evidence"]["parameters"]["severity_capped"] = rule


def _wanders(search: np.ndarray, changes: list[dict]) -> float | None:
    """The lag-1 autocorrelation of the search series' deviations from its segments'
    means when it is at least WANDER_R1 (the series wanders), else None."""
    if search.size < CP_MIN_POINTS:
        return None
    cuts = [0, *sorted(ch["index"] for ch in changes), search.size]
    levels = np.empty(search.size)
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        levels[a:b] = np.mean(search[a:b]) if b > a else 0.0
    e = search - levels
    d0, d1 = e[:-1], e[1:]
    denominator = math.sqrt(float(np.dot(d0, d0)) * float(np.dot(d1, d1)))
    if not denominator > 0:
        return None
    r1 = float(np.dot(d0, d1)) / denominator
    return r1 if r1 >= WANDER_R1 else None


def _not_a_step(search: np.ndarray, ch: dict, keys, y) -> str | None:
    """Why a numeric series' change is not a level shift worth a look (None: it is one):
    one side's periods are sparse, or the series drifts (|tau| >= DRIFT_TAU) the way of
    the change and the change's neighbourhood shows that drift, not a step."""
    if ch["rows_before"] is None or ch["rows_after"] is None:
        return None
    before_rows = ch["rows_before"] / max(ch["n_before"], 1)
    after_rows = ch["rows_after"] / max(ch["n_after"], 1)
    if min(before_rows, after_rows) < SPARSE_PERIOD_SHARE * max(before_rows, after_rows):
        sparse_before = before_rows < after_rows
        return SPARSE_RULE.format(
            side="before" if sparse_before else "after",
            sparse=min(before_rows, after_rows),
            dense=max(before_rows, after_rows),
            other="after" if sparse_before else "before",
        )
    i = ch["index"]
    # the change between the segments' means of the per-period search series, and
    # between the ABRUPT_POINTS periods either side of the date
    shift = float(np.mean(search[i : i + ch["n_after"]]) - np.mean(search[i - ch["n_before"] : i]))
    before = search[max(0, i - ABRUPT_POINTS) : i]
    after = search[i : i + ABRUPT_POINTS]
    if before.size == 0 or after.size == 0 or not shift:
        return None
    local = float(np.mean(after) - np.mean(before)) / shift
    if local < ABRUPT_SHARE and y.size >= 3:
        # a dip and its recovery (a recession in monthly job changes) is an episode the
        # cut marks, not a drift: only a change along the series' own trend is capped
        tau = float(stats.kendalltau(keys, y).statistic)
        if not (abs(tau) >= DRIFT_TAU and (tau > 0) == (shift > 0)):
            return None
        return GRADUAL_RULE.format(k=ABRUPT_POINTS, local=max(local, 0.0), share=ABRUPT_SHARE)
    return None


RETURN_RULE = (
    "two changes in opposite directions in a series of under two years, the level coming "
    "back to where it was (within half the smaller change): a swing of one season (winter "
    "and summer) looks like this, and one year cannot tell the two apart; severity at most "
    "low (a longer series would show whether it recurs)"
)


def _returning_swing(keys: np.ndarray, changes: list[dict]) -> bool:
    """Two changes of opposite sign in a series spanning under RETURN_MAX_SPAN_DAYS whose
    level returns to within RETURN_TOLERANCE of the smaller change."""
    if len(changes) != 2 or keys.size < 2:
        return False
    if float(keys[-1] - keys[0]) >= RETURN_MAX_SPAN_DAYS:
        return False
    first, second = sorted(changes, key=lambda ch: ch["index"])
    up, down = first["after"] - first["before"], second["after"] - second["before"]
    if not up or not down or (up > 0) == (down > 0):
        return False
    back = abs(second["after"] - first["before"])
    return back <= RETURN_TOLERANCE * min(abs(up), abs(down))


#: |Kendall tau| of a series against time from which it is a steady trend: a shift in the
#: trend's direction is low
STEADY_TREND_TAU = 0.7
#: the yearly means of a sub-annual series are read for its trend from this many full years
YEARLY_TAU_MIN_YEARS = 4


def yearly_means_tau(keys: np.ndarray, y: np.ndarray) -> float:
    """Kendall tau of the means of the full years (those with the most points) against the
    year, for a series with several points a year; 0.0 when it has under
    YEARLY_TAU_MIN_YEARS full years or one point a year."""
    years = keys.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64)
    labels, inverse, counts = np.unique(years, return_inverse=True, return_counts=True)
    if counts.max() < 2:
        return 0.0
    full = counts == counts.max()
    if int(full.sum()) < YEARLY_TAU_MIN_YEARS:
        return 0.0
    means = np.bincount(inverse, weights=y, minlength=labels.size)[full] / counts[full]
    return float(stats.kendalltau(labels[full], means).statistic)


#: a series numbered 1..N has no years: its trend is read from the means of consecutive
#: blocks of this many points (a year of a monthly series, the commonest numbered one)
PERIOD_BLOCK = 12


#: |Kendall tau| under which the points on each side of a change hold no trend of their own
FLAT_SIDE_TAU = 0.3


def _flat_sides(y: np.ndarray, ch: dict) -> bool:
    """Whether the segments either side of change ``ch`` are both flat (|Kendall tau|
    against their order under FLAT_SIDE_TAU): a step, not a cut through a trend."""
    k = ch["index"]
    sides = (y[k - ch["n_before"] : k], y[k : k + ch["n_after"]])
    for side in sides:
        if side.size >= 3 and np.ptp(side) > 0:
            if abs(float(stats.kendalltau(np.arange(side.size), side).statistic)) >= FLAT_SIDE_TAU:
                return False
    return True


def block_means_tau(y: np.ndarray) -> float:
    """Kendall tau of the means of consecutive full blocks of PERIOD_BLOCK points against
    their order (the yearly means of a numbered monthly series: traffic2's injury
    accidents rise year after year behind their seasons); 0.0 under YEARLY_TAU_MIN_YEARS
    blocks."""
    blocks = y.size // PERIOD_BLOCK
    if blocks < YEARLY_TAU_MIN_YEARS:
        return 0.0
    means = y[: blocks * PERIOD_BLOCK].reshape(blocks, PERIOD_BLOCK).mean(axis=1)
    return float(stats.kendalltau(np.arange(blocks), means).statistic)


#: what one point of a series is (the period periods_before/after count), by the word
#: :func:`per_point` gives it: a day, or a month of a monthly table, a quarter of a quarterly one
PERIOD_OF_WORD = {
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
    GRAIN_ADJECTIVES[SERIES_GRAIN]: "period",
}


def _by_strength(finding: dict) -> tuple:
    """Largest shift (in noise sigmas) first, then series and date: which of several
    summaries of one quantity leads."""
    sigmas = finding["measurement"]["values"]["shift_sigmas"]
    return (
        sigmas is None,
        -(sigmas or 0.0),
        finding["subject"]["series"],
        finding["subject"]["date"],
    )
