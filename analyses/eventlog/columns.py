"""Event logs: finding the case / activity / timestamp columns, and the streaming case fold.

Shared by the ``eventlog`` analyses and by ``recommendations``. Nothing here looks at a
column's name: roles are decided from the inferred kinds, the typing scan's distinct
counts and, in a cheap first pass, from the data.

Detection (``plan`` from metadata, then pass 0 over the candidate columns)
    * timestamp: the first TIMESTAMP column.
    * activity candidates: CATEGORICAL columns with an exact distinct count in
      ``2..min(200, max_groups)`` whose values repeat (>= 5 rows per distinct value).
    * case candidates: CATEGORICAL or INTEGER_ID columns with >= 2 distinct values, at most
      half as many as their non-null rows (>= 2 events per case on average) and more than
      some activity candidate.
    * resource candidates: CATEGORICAL columns with an exact distinct count in
      ``2..max_groups`` and >= 2 rows per value.
    * pass 0 measures, for every case candidate, its runs (maximal blocks of consecutive
      rows with the same value), how many runs restart a value already seen (a case that
      reappears after another case started), and timestamp decreases inside runs; for every
      (case candidate, categorical candidate) pair the *within-case distinct share*
      ``sum over runs of distinct values in the run / rows in runs`` and the *start
      concentration* (share of runs whose first row has the most common first value).
    * case = the candidate with the fewest reappearing runs (as a share of its runs), then
      the fewest timestamp decreases (share of within-run steps), then the most runs;
      activity = among activity candidates with fewer distinct values than the case and
      not constant within every case, the highest ``share * (1 + start concentration) / 2``
      (processes tend to start with one activity), then the fewest distinct values; resource = among the remaining resource candidates that
      vary within some case, the highest within-case distinct share.
    * environment overrides ``STAT_HARNESS_EVENTLOG_CASE / _ACTIVITY / _TIMESTAMP /
      _RESOURCE`` name a column for a role; a named column missing from a dataset makes the
      event-log analyses not apply to it.

The case fold (passes >= 1)
    Rows with a null case, activity or timestamp are skipped (and counted). A *case* is a
    run of consecutive rows with the same case value. A chunk's state keeps its first run
    (``head``, which may continue the previous chunk's last case) and last run (``tail``,
    which may go on in the next chunk) as :class:`Partial` summaries; the runs strictly
    inside the chunk are complete and aggregated in ``update``. ``merge`` is a left fold in
    chunk order: it joins the open case with the next chunk's head when the case value is
    the same, closes what ended, and attributes the waiting time of the first event of the
    chunk. The runs equal the cases exactly when the log is grouped by case, which pass 0
    verifies (reappearing runs == 0). Up to ``TOLERATED_SHARE`` (2 %) of reappearing runs,
    each run is analysed as its own case fragment; up to 2 % of within-case steps back in
    time, those steps wait 0 (``d["wait"]`` is the step clamped at 0). Beyond, per-case
    (per-event) results are not reported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction
from operator import mul
from typing import Any, ClassVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pytest_statharness import Analysis, ColumnKind
from pytest_statharness.analysis import Plan, Setting

from .._shared.counts import misra_gries_add
from .._shared.exact import RankSelector, SelectionSet, float_keys, quantile_rank_list
from .._shared.hist import DAY_SECONDS, PER_SECOND, decoded, time_ints
from .._shared.numeric import log1p_array
from .._shared.report import share

ENV_VARS = {
    "case": "STAT_HARNESS_EVENTLOG_CASE",
    "activity": "STAT_HARNESS_EVENTLOG_ACTIVITY",
    "timestamp": "STAT_HARNESS_EVENTLOG_TIMESTAMP",
    "resource": "STAT_HARNESS_EVENTLOG_RESOURCE",
}
SETTINGS = tuple(
    Setting(
        f"eventlog.{role}", f"event-log {role} column (overrides inference)", env=var, column=True
    )
    for role, var in ENV_VARS.items()
)
ACTIVITY_MAX_DISTINCT = 200
ACTIVITY_MIN_ROWS_PER_VALUE = 5
CASE_MIN_EVENTS_PER_CASE = 2
CASE_MIN_CASES = 20  # an inferred log has cases: three species are no cases
RESOURCE_MIN_ROWS_PER_VALUE = 2
PENDING_FLUSH = 4096
EXAMPLE_ROWS = 20
#: a log is still analysed when at most this share of its case runs reappear (each run is
#: then a case fragment) / of its within-case steps go back in time (waiting time 0)
TOLERATED_SHARE = Fraction(1, 50)

DETECTION_METHOD = (
    "Event-log roles from inferred kinds and data, never names: timestamp = first timestamp "
    "column; activity candidates = categorical, exact distinct count 2..min(200, max_groups), "
    ">= 5 rows per value; case candidates = categorical or integer_id, >= 2 distinct values "
    "and <= half the non-null rows; resource candidates = categorical, 2..max_groups values, "
    ">= 2 rows per value. A first pass measures for each case candidate its runs of equal "
    "consecutive values, runs that restart an already seen value (reappearing cases) and "
    "timestamp decreases within runs, and for each categorical candidate its within-case "
    "distinct share; case = fewest reappearing runs, then fewest time-order violations, then "
    "most runs; activity = highest share * (1 + start concentration) / 2, where start "
    "concentration = share of cases whose first event has the most common first value, among "
    "candidates with fewer values than the case that vary within cases, then fewest values; "
    "resource = highest within-case distinct share among the rest that vary within cases. "
    "Overrides: STAT_HARNESS_EVENTLOG_CASE/ACTIVITY/TIMESTAMP/RESOURCE. Streaming assumption: "
    "a case is a run of consecutive rows (the log is grouped by case, events in time order); "
    "the first pass verifies it (case values are remembered up to distinct_cap; past it, "
    "unless run values strictly increase, reappearances of unremembered cases go unseen and "
    "grouping_verified is false). Tolerance: when at most 2% of the case runs restart an "
    "earlier case, each run is analysed as its own case fragment; when at most 2% of the "
    "within-case steps go back in time, such a step waits 0 s; a log_structure_tolerated "
    "finding (severity low; first, after the summary in eventlog_overview; outside the "
    "max_findings cap) then gives the reappearing runs, cases and rows, the time-order "
    "violations and up to 20 example rows (first rows of reappearing runs, else rows before "
    "their case's previous event), and parameters event_log.tolerated says so. Beyond 2% "
    "the per-case (per-event) statistics are not computed and a log_not_grouped_by_case "
    "(log_not_in_time_order) finding says so (medium for a declared log; info for inferred "
    "columns, with the hint to sort by case then time or declare the log). An inferred log "
    "needs event times (not yearly/monthly/weekly dates) and >= 20 cases; its detection "
    "confidence (event_log.detection) is the share of five checks it passes: the case "
    "column is an identifier, 2..1000 events per case, 2..50 activities, rows grouped by "
    "case, timestamps ordered within cases; a declared log (dataset spec eventlog, or "
    "the event-log environment variables) has confidence 1. Rows with a null case, activity or "
    "timestamp are skipped and counted."
)


# ---------------------------------------------------------------------------------------
# Reading columns
# ---------------------------------------------------------------------------------------
def codes_of(col) -> tuple[np.ndarray, list]:
    """Chunk-local integer codes (-1 for null) and the values they stand for."""
    arr = decoded(col)
    enc = pc.dictionary_encode(arr)
    codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
    return np.asarray(codes, dtype=np.int64), enc.dictionary.to_pylist()


def ticks_of(col) -> tuple[np.ndarray, np.ndarray, int]:
    """Timestamps/durations as int64 ticks, validity mask and ticks per second."""
    arr = decoded(col)
    typ = arr.type
    valid = np.asarray(pc.is_valid(arr).to_numpy(zero_copy_only=False), dtype=bool)
    scale = 1
    if pa.types.is_timestamp(typ) or pa.types.is_duration(typ):
        per_second = PER_SECOND[typ.unit]
    elif pa.types.is_date32(typ):
        per_second, scale = 1, DAY_SECONDS
    elif pa.types.is_date64(typ):
        per_second = 1_000
    else:
        raise TypeError(f"column of type {typ} is not a timestamp or duration")
    ints = time_ints(arr)
    ticks = np.asarray(pc.fill_null(ints, 0).to_numpy(zero_copy_only=False), dtype=np.int64)
    if scale != 1:
        ticks = ticks * scale
    return ticks, valid, per_second


def to_seconds(ticks, per_second: int) -> np.ndarray:
    """Ticks -> float seconds, exactly as pandas' ``Timedelta.total_seconds`` (int64 / pps)."""
    return np.asarray(ticks, dtype=np.int64) / per_second


def one_second_value(ticks: int, per_second: int) -> float:
    return float(to_seconds(np.array([ticks], dtype=np.int64), per_second)[0])


def mean_seconds(total_ticks: int, count: int, per_second: int) -> float | None:
    """Exact integer sum -> correctly rounded mean in seconds."""
    if not count:
        return None
    return float(Fraction(total_ticks, count * per_second))


# ---------------------------------------------------------------------------------------
# Planning
# ---------------------------------------------------------------------------------------
def read_overrides(dataset) -> dict[str, str]:
    """The run's event-log settings (``eventlog.case`` ...: --stat-set, the
    variables of ENV_VARS or the ini file), resolved by the harness."""
    settings = getattr(dataset, "settings", {})
    return {
        role: settings[f"eventlog.{role}"] for role in ENV_VARS if settings.get(f"eventlog.{role}")
    }


def plan_eventlog(dataset, budget) -> tuple[dict, dict] | None:
    """Candidate columns for each role (the plan's params) and what a cap left out."""
    # the dataset spec's mapping, then the environment's one-off overrides on top
    overrides = {**getattr(dataset, "eventlog", {}), **read_overrides(dataset)}
    names = [c.name for c in dataset.columns]
    if any(col not in names for col in overrides.values()):
        return None
    rows = dataset.row_count

    def info(c):
        return dataset.column(c)

    def non_null(c):
        return rows - info(c).null_count

    def distinct(c):
        return info(c).distinct_at_least

    max_act = min(ACTIVITY_MAX_DISTINCT, budget.max_groups)
    if "timestamp" in overrides:
        ts = overrides["timestamp"]
        if dataset.kind(ts) != ColumnKind.TIMESTAMP:
            return None
    else:
        # an inferred log needs event times: yearly, monthly or weekly dates are periods
        stamps = [
            c
            for c in dataset.columns_of(ColumnKind.TIMESTAMP)
            if dataset.column(c).role_detail not in ("year", "month", "week")
        ]
        if not stamps:
            return None
        ts = stamps[0]
    left_out: dict[str, Any] = {}
    if "activity" in overrides:
        act = overrides["activity"]
        if not info(act).distinct_exact or distinct(act) > budget.max_groups:
            return None
        acts = [act]
    else:
        acts = [
            c
            for c in dataset.columns_of(ColumnKind.CATEGORICAL)
            if c != ts
            and info(c).distinct_exact
            and 2 <= distinct(c) <= max_act
            and non_null(c) >= ACTIVITY_MIN_ROWS_PER_VALUE * distinct(c)
        ]
    if "case" in overrides:
        cases = [overrides["case"]]
    else:
        cases = [
            c
            for c in dataset.columns_of(ColumnKind.CATEGORICAL, ColumnKind.INTEGER_ID)
            if c != ts
            and distinct(c) >= CASE_MIN_CASES
            and CASE_MIN_EVENTS_PER_CASE * distinct(c) <= non_null(c)
        ]
    if "case" not in overrides and "activity" not in overrides:
        cases = [c for c in cases if any(distinct(c) > distinct(a) for a in acts if a != c)]
        acts = [a for a in acts if any(distinct(c) > distinct(a) for c in cases if c != a)]
    if not cases or not acts:
        return None
    if "resource" in overrides:
        res = overrides["resource"]
        if info(res).distinct_exact and distinct(res) <= budget.max_groups:
            resources = [res]
        else:
            resources = []
            left_out["resource"] = {
                "column": res,
                "reason": "more distinct values than max_groups",
                "cap": "max_groups",
            }
    else:
        resources = [
            c
            for c in dataset.columns_of(ColumnKind.CATEGORICAL)
            if c != ts
            and info(c).distinct_exact
            and 2 <= distinct(c) <= budget.max_groups
            and non_null(c) >= RESOURCE_MIN_ROWS_PER_VALUE * distinct(c)
        ]
    durations = [c for c in dataset.columns_of(ColumnKind.DURATION) if c not in (ts,)]
    duration = durations[0] if durations else None
    # Cap the candidates by max_columns (timestamp and duration always kept).
    room = budget.max_columns - 1 - (1 if duration else 0)
    kept: list[str] = []
    for group in (cases, acts, resources):
        for c in group:
            if c not in kept and len(kept) < room:
                kept.append(c)
    dropped = [c for c in dict.fromkeys(cases + acts + resources) if c not in kept]
    if dropped:
        left_out["candidates"] = {"columns": dropped, "cap": "max_columns"}
    cases = [c for c in cases if c in kept]
    acts = [c for c in acts if c in kept]
    resources = [c for c in resources if c in kept]
    if not cases or not acts:
        return None
    params = {
        "timestamp": ts,
        "case_candidates": cases,
        "activity_candidates": acts,
        "resource_candidates": resources,
        "duration": duration,
        "overrides": dict(sorted(overrides.items())),
    }
    return params, left_out


def detection_columns(params: dict) -> list[str]:
    cols = [params["timestamp"]]
    for group in ("case_candidates", "activity_candidates", "resource_candidates"):
        for c in params[group]:
            if c not in cols:
                cols.append(c)
    return cols


# ---------------------------------------------------------------------------------------
# Pass 0: detection and the grouping check
# ---------------------------------------------------------------------------------------
def _categoricals(params: dict) -> list[str]:
    out: list[str] = []
    for c in params["activity_candidates"] + params["resource_candidates"]:
        if c not in out:
            out.append(c)
    return out


def detect_init(params: dict) -> dict:
    return {"cand": {c: None for c in params["case_candidates"]}, "rows": 0}


def _first_in_run(values: np.ndarray, run_id: np.ndarray, width: int) -> np.ndarray:
    """Rows whose value does not occur earlier in their run (``run_id`` non-decreasing)."""
    n = values.size
    keyed = values.astype(np.int16) if width < (1 << 15) else values  # radix sort
    order = np.argsort(keyed, kind="stable")
    first = np.ones(n, dtype=bool)
    if n > 1:
        a, b = order[:-1], order[1:]
        first[b[(values[b] == values[a]) & (run_id[b] == run_id[a])]] = False
    return first


def _chunk_examples(positions: np.ndarray) -> list[int]:
    return positions[:EXAMPLE_ROWS].tolist()


def detect_update(state: dict, chunk, params: dict) -> dict:
    t = chunk.table
    state["raw"] = True
    state["rows"] += chunk.num_rows
    ts, tsv, _ = ticks_of(t.column(params["timestamp"]))
    cats = _categoricals(params)
    coded = {}
    for a in dict.fromkeys(cats + params["case_candidates"]):
        coded[a] = codes_of(t.column(a))
    for c in params["case_candidates"]:
        cc, cvals = coded[c]
        vrows = np.flatnonzero(cc >= 0)
        codes = cc[vrows]
        n = codes.size
        if not n:
            continue
        start_flag = np.empty(n, dtype=bool)
        start_flag[0] = True
        np.not_equal(codes[1:], codes[:-1], out=start_flag[1:])
        starts = np.flatnonzero(start_flag)
        k = starts.size
        run_id = np.cumsum(start_flag) - 1
        tv = tsv[vrows]
        tcodes = codes[tv]
        trows = vrows[tv]
        tts = ts[trows]
        pairs = viol = 0
        first = last = None
        viol_rows: list[int] = []
        if tcodes.size:
            same = tcodes[1:] == tcodes[:-1]
            back = same & (tts[1:] < tts[:-1])
            pairs = int(same.sum())
            viol = int(back.sum())
            if viol:
                viol_rows = _chunk_examples(trows[1:][back] + chunk.row_start)
            first = (cvals[int(tcodes[0])], int(tts[0]), int(trows[0]) + chunk.row_start)
            last = (cvals[int(tcodes[-1])], int(tts[-1]))
        head_sets: dict[str, dict] = {}  # dicts used as ordered sets (stable pickles)
        tail_sets: dict[str, dict] = {}
        inner_s: dict[str, int] = {}
        inner_rv: dict[str, int] = {}
        e_rows: dict[str, int] = {}
        head_first: dict[str, Any] = {}
        later_firsts: dict[str, dict] = {}
        for a in cats:
            if a == c:
                continue
            ac, avals = coded[a]
            av = ac[vrows]
            sel = av >= 0
            e_rows[a] = int(sel.sum())
            head_sets[a], tail_sets[a] = {}, {}
            inner_s[a] = inner_rv[a] = 0
            firsts = av[starts]
            head_first[a] = avals[int(firsts[0])] if firsts[0] >= 0 else None
            later = firsts[1:][firsts[1:] >= 0]
            later_firsts[a] = {
                avals[x]: n
                for x, n in enumerate(np.bincount(later, minlength=len(avals)).tolist())
                if n
            }
            if not e_rows[a]:
                continue
            rows = np.flatnonzero(sel)
            vals, rid = av[rows], run_id[rows]
            new = _first_in_run(vals, rid, len(avals))
            per_run = np.bincount(rid[new], minlength=k)
            if k > 2:
                inner_s[a] = int(per_run[1 : k - 1].sum())
                inner_rv[a] = int(np.count_nonzero(per_run[1 : k - 1]))
            h = int(np.searchsorted(rid, 1))
            head_sets[a] = {avals[x]: None for x in np.unique(vals[:h][new[:h]]).tolist()}
            if k > 1:
                t0 = int(np.searchsorted(rid, k - 1))
                tail = np.unique(vals[t0:][new[t0:]])
                tail_sets[a] = {avals[x]: None for x in tail.tolist()}
        state["cand"][c] = {
            "vals": cvals,
            "run_codes": codes[starts],
            "run_rows": vrows[starts] + chunk.row_start,
            "run_lens": np.diff(np.r_[starts, n]),
            "head_sets": head_sets,
            "tail_sets": tail_sets if k > 1 else None,
            "inner_s": inner_s,
            "inner_rv": inner_rv,
            "e_rows": e_rows,
            "head_first": head_first,
            "later_firsts": later_firsts,
            "pairs": pairs,
            "viol": viol,
            "viol_rows": viol_rows,
            "first": first,
            "last": last,
        }
    return state


def _fold_init() -> dict:
    return {
        "seen": {},
        "overflow": False,
        "increasing": True,
        "previous": None,
        "reappear_runs": 0,
        "reappear_rows": 0,
        "reappeared": {},
        "reappear_examples": [],
        "runs": 0,
        "tail": None,
        "has_tail": False,
        "tail_reappears": False,
        "tail_sets": {},
        "s": {},
        "rv": {},
        "e_rows": {},
        "firsts": {},
        "pairs": 0,
        "viol": 0,
        "viol_examples": [],
        "last": None,
    }


def _close_sets(fold: dict, sets: dict[str, dict]) -> None:
    for a, values in sets.items():
        fold["s"][a] = fold["s"].get(a, 0) + len(values)
        if values:
            fold["rv"][a] = fold["rv"].get(a, 0) + 1


def _still_increasing(previous, vals: list, run_codes: np.ndarray) -> bool:
    """Whether ``previous`` and the run values continue a strictly increasing sequence."""
    if any(v != v for v in vals):  # NaN compares false: never increasing
        return False
    try:
        order = sorted(range(len(vals)), key=vals.__getitem__)
        if previous is not None and not vals[int(run_codes[0])] > previous:
            return False
    except TypeError:
        return False
    rank = np.empty(len(vals), dtype=np.int64)
    rank[np.asarray(order, dtype=np.int64)] = np.arange(len(vals))
    r = rank[run_codes]
    return bool((r[1:] > r[:-1]).all())


def _register_runs(fold: dict, vals: list, codes, rows, lens, cap: int) -> None:
    """Register new runs (codes into ``vals``, in row order) as the one-run-at-a-time rule
    would: a run reappears when its value was remembered before it; a value is remembered
    at its first run while fewer than ``cap`` values are (past it: ``overflow``)."""
    m = int(codes.size)
    if not m:
        return
    fold["runs"] += m
    if fold["increasing"]:
        fold["increasing"] = _still_increasing(fold["previous"], vals, codes)
    fold["previous"] = vals[int(codes[-1])]
    seen = fold["seen"]
    before = np.fromiter((v in seen for v in vals), dtype=bool, count=len(vals))
    present, first_index = np.unique(codes, return_index=True)
    fresh = ~before[present]
    new_codes = present[fresh][np.argsort(first_index[fresh], kind="stable")]
    room = max(cap - len(seen), 0)
    added = new_codes[:room]
    if new_codes.size > room:
        fold["overflow"] = True
    remembered = before.copy()
    remembered[added] = True
    not_first = np.ones(m, dtype=bool)
    not_first[first_index] = False
    reappears = before[codes] | (remembered[codes] & not_first)
    for x in added.tolist():
        seen[vals[x]] = None
    fold["tail_reappears"] = bool(reappears[-1])
    count = int(np.count_nonzero(reappears))
    if not count:
        return
    fold["reappear_runs"] += count
    fold["reappear_rows"] += int(lens[reappears].sum())
    room = EXAMPLE_ROWS - len(fold["reappear_examples"])
    if room > 0:
        fold["reappear_examples"] += rows[reappears][:room].tolist()
    reappeared = fold["reappeared"]
    if len(reappeared) < cap:
        again = codes[reappears]
        values, at = np.unique(again, return_index=True)
        for x in values[np.argsort(at, kind="stable")].tolist():
            if len(reappeared) >= cap:
                break
            reappeared[vals[x]] = None


def detect_merge(a: dict, b: dict, cap: int) -> dict:
    """Left fold: ``a`` is everything before ``b`` (``a`` is updated, ``b`` only read).

    A raw chunk state as ``a`` (not the fold's accumulator) is first folded into a fresh
    accumulator, so merging two chunk states is also right.
    """
    if a.get("raw"):
        a = detect_merge({"cand": dict.fromkeys(a["cand"]), "rows": 0}, a, cap)
    a["rows"] += b["rows"]
    for c, part in b["cand"].items():
        if part is None:
            continue
        fold = a["cand"][c]
        if fold is None or "seen" not in fold:
            fold = a["cand"][c] = _fold_init()
        vals, codes = part["vals"], part["run_codes"]
        rows, lens = part["run_rows"], part["run_lens"]
        for x, n in part["e_rows"].items():
            fold["e_rows"][x] = fold["e_rows"].get(x, 0) + n
        joined = fold["has_tail"] and fold["tail"] == vals[int(codes[0])]
        if joined:
            current = {
                x: fold["tail_sets"].get(x, {}) | part["head_sets"][x] for x in part["head_sets"]
            }
            if fold["tail_reappears"]:
                fold["reappear_rows"] += int(lens[0])
            _register_runs(fold, vals, codes[1:], rows[1:], lens[1:], cap)
        else:
            if fold["has_tail"]:
                _close_sets(fold, fold["tail_sets"])
            _register_runs(fold, vals, codes, rows, lens, cap)
            current = {x: dict(v) for x, v in part["head_sets"].items()}
            for x, value in part["head_first"].items():
                if value is not None:
                    box = fold["firsts"].setdefault(x, {})
                    box[value] = box.get(value, 0) + 1
        for x, counts in part["later_firsts"].items():
            box = fold["firsts"].setdefault(x, {})
            for value, n in counts.items():
                box[value] = box.get(value, 0) + n
        fold["tail"], fold["has_tail"] = vals[int(codes[-1])], True
        if codes.size == 1:
            fold["tail_sets"] = current
        else:
            _close_sets(fold, current)
            for x, s in part["inner_s"].items():
                fold["s"][x] = fold["s"].get(x, 0) + s
                fold["rv"][x] = fold["rv"].get(x, 0) + part["inner_rv"][x]
            fold["tail_sets"] = {x: dict(v) for x, v in part["tail_sets"].items()}
        first, last = part["first"], part["last"]
        if first is not None:
            examples = fold["viol_examples"]
            if fold["last"] is not None and fold["last"][0] == first[0]:
                fold["pairs"] += 1
                if first[1] < fold["last"][1]:
                    fold["viol"] += 1
                    if len(examples) < EXAMPLE_ROWS:
                        examples.append(first[2])
            fold["pairs"] += part["pairs"]
            fold["viol"] += part["viol"]
            examples += part["viol_rows"][: EXAMPLE_ROWS - len(examples)]
            fold["last"] = last
    return a


def detect_decide(state: dict, params: dict, dataset) -> dict:
    """Choose the roles from pass 0; the returned spec drives every later pass."""
    overrides = params["overrides"]
    scores: dict[str, Any] = {}
    ranked = []
    for index, c in enumerate(params["case_candidates"]):
        fold = state["cand"].get(c)
        if fold is None or "seen" not in fold or fold["runs"] == 0:
            scores[c] = {"runs": 0}
            continue
        if fold["has_tail"]:
            _close_sets(fold, fold["tail_sets"])
            fold["has_tail"] = False
        runs = fold["runs"]
        scores[c] = {
            "runs": runs,
            "reappearing_runs": fold["reappear_runs"],
            "time_order_violations": fold["viol"],
        }
        key = (
            Fraction(fold["reappear_runs"], runs),
            Fraction(fold["viol"], max(fold["pairs"], 1)),
            -runs,
            index,
        )
        ranked.append((key, c))
    ranked.sort()
    spec: dict[str, Any] = {
        "found": False,
        "reason": "no case candidate column has values",
        "timestamp": params["timestamp"],
        "duration": params["duration"],
        "candidate_scores": scores,
        "rows": state["rows"],
    }
    for _, c in ranked:
        fold = state["cand"][c]
        distinct_cases = None if fold["overflow"] else len(fold["seen"])
        activity = _choose_categorical(
            fold,
            params["activity_candidates"],
            exclude={c},
            dataset=dataset,
            below=distinct_cases,
            override=overrides.get("activity"),
            fewest=True,
        )
        if activity is None:
            spec["reason"] = (
                f"no activity candidate varies within the cases of {c!r} "
                "with fewer distinct values than the case column"
            )
            continue
        resource = _choose_categorical(
            fold,
            params["resource_candidates"],
            exclude={c, activity},
            dataset=dataset,
            below=None,
            override=overrides.get("resource"),
            fewest=False,
        )
        runs, reappear, viol = fold["runs"], fold["reappear_runs"], fold["viol"]
        grouping_tolerated = 0 < reappear and Fraction(reappear, runs) <= TOLERATED_SHARE
        order_tolerated = 0 < viol and Fraction(viol, fold["pairs"]) <= TOLERATED_SHARE
        per_case = reappear == 0 or grouping_tolerated
        spec.update(
            found=True,
            reason="",
            case=c,
            activity=activity,
            resource=resource,
            runs=runs,
            distinct_cases=distinct_cases,
            reappearing_runs=reappear,
            reappearing_cases=len(fold["reappeared"]),
            reappearing_rows=fold["reappear_rows"],
            reappearing_examples=list(fold["reappear_examples"]),
            # strictly increasing run values cannot reappear, whatever the set's cap
            grouping_verified=not fold["overflow"] or fold["increasing"],
            grouped=reappear == 0,
            grouping_tolerated=grouping_tolerated,
            time_order_violations=viol,
            time_order_steps=fold["pairs"],
            time_order_examples=list(fold["viol_examples"]),
            time_ordered=viol == 0,
            time_order_tolerated=order_tolerated,
            per_case=per_case,
            per_event=per_case and (viol == 0 or order_tolerated),
            within_case_distinct_share={
                a: float(Fraction(fold["s"].get(a, 0), fold["e_rows"][a]))
                for a in sorted(fold["e_rows"])
                if fold["e_rows"][a]
            },
            start_concentration={
                a: float(start_concentration(fold, a))
                for a in sorted(fold["e_rows"])
                if fold["e_rows"][a]
            },
            selection={
                role: ("override" if role in overrides else "detected")
                for role in ("case", "activity", "timestamp", "resource")
            },
        )
        spec["detection"] = detection_confidence(spec, dataset, overrides)
        return spec
    return spec


#: an inferred log is acted on (recommendations on its process measures) from this
#: detection confidence: 4 of its 5 checks
LOG_MIN_CONFIDENCE = 0.8


def convincing_log(spec: dict) -> bool:
    """Whether a detected log is one to act on: declared, or inferred passing at least
    LOG_MIN_CONFIDENCE of the checks. Why: epa2021's car models (case 'class', activity
    'transmission', release dates out of order within classes: confidence 0.6, 'probably
    not an event log') got 15 'bring mean model_type_index to the median' findings."""
    if not spec.get("found"):
        return False
    detection = spec.get("detection") or {}
    return detection.get("basis") != "inferred" or detection.get("confidence", 0) >= (
        LOG_MIN_CONFIDENCE
    )


def detection_confidence(spec: dict, dataset, overrides: dict) -> dict:
    """How sure the log is a log: declared (1.0), or the share of the checks an event log
    passes that the inferred columns pass (each named, so a reader can weigh them)."""
    if {"case", "activity", "timestamp"} <= set(overrides):
        return {
            "confidence": 1.0,
            "basis": "declared (dataset spec or the event-log environment variables)",
        }
    cases = spec.get("distinct_cases")
    events_per_case = spec["rows"] / cases if cases else None
    activity = dataset.column(spec["activity"])
    checks = {
        "case column is an identifier": str(dataset.role(spec["case"])) == "identifier",
        "2..1000 events per case": events_per_case is not None and 2 <= events_per_case <= 1000,
        "activity vocabulary of 2..50 values": activity.distinct_exact
        and 2 <= activity.distinct_at_least <= 50,
        "rows grouped by case": spec["per_case"],
        "timestamps ordered within cases": spec["per_event"],
    }
    passed = sum(checks.values())
    return {
        "confidence": round(passed / len(checks), 2),
        "basis": "inferred",
        "checks": checks,
    }


def _choose_categorical(fold, candidates, *, exclude, dataset, below, override, fewest):
    if override is not None:
        return override if override not in exclude else None
    best = None
    for index, a in enumerate(candidates):
        if a in exclude:
            continue
        rows = fold["e_rows"].get(a, 0)
        s = fold["s"].get(a, 0)
        if not rows or s <= fold["rv"].get(a, 0):
            continue  # constant within every case: a case attribute, not an event attribute
        distinct = dataset.column(a).distinct_at_least
        if below is not None and distinct >= below:
            continue
        score = Fraction(s, rows)
        if fewest:  # activity: processes tend to start with the same activity
            score *= (1 + start_concentration(fold, a)) / 2
        key = (-score, distinct if fewest else 0, index)
        if best is None or key < best[0]:
            best = (key, a)
    return best[1] if best else None


def start_concentration(fold: dict, a: str) -> Fraction:
    """Share of cases whose first event carries the most common first value of ``a``."""
    counts = fold["firsts"].get(a, {})
    total = sum(counts.values())
    return Fraction(max(counts.values()), total) if total else Fraction(0)


def spec_columns(spec: dict, *, resource: bool, duration: bool) -> list[str]:
    cols = [spec["case"], spec["activity"], spec["timestamp"]]
    if resource and spec.get("resource"):
        cols.append(spec["resource"])
    if duration and spec.get("duration"):
        cols.append(spec["duration"])
    return cols


def declared_log_needs_regroup(ctx, candidates: dict | None) -> bool:
    """After detection: the log is declared and its rows are not usable in file order."""
    if ctx.pass_index == 0 or not ctx.previous or candidates is None:
        return False
    spec = ctx.previous[0]
    if not spec.get("found") or spec.get("per_event"):
        return False
    return {"case", "activity", "timestamp"} <= set(candidates.get("overrides", {}))


def regrouped_spec(spec: dict) -> dict:
    """The detected log as the passes read it after regrouping: grouped by case, in time
    order within cases; what the file order was is kept under ``regrouped``."""
    out = dict(spec)
    out["regrouped"] = {
        "by": spec["case"],
        "order": spec["timestamp"],
        "reappearing_runs_in_file": spec.get("reappearing_runs"),
        "time_order_violations_in_file": spec.get("time_order_violations"),
        "how": "rows grouped by case, in time order within cases (ties: file order), in a "
        "copy spilled to disk by case-rank partitions",
    }
    out.update(
        grouped=True,
        time_ordered=True,
        per_case=True,
        per_event=True,
        grouping_tolerated=False,
        time_order_tolerated=False,
        reappearing_runs=0,
        reappearing_cases=0,
        reappearing_rows=0,
        reappearing_examples=[],
        time_order_violations=0,
        time_order_examples=[],
    )
    return out


def spec_parameters(spec: dict) -> dict:
    """What every eventlog finding cites about the log it was computed on."""
    if not spec.get("found"):
        return {"event_log": {"found": False, "reason": spec.get("reason", "")}}
    keys = (
        "case",
        "activity",
        "timestamp",
        "resource",
        "duration",
        "grouped",
        "grouping_verified",
        "time_ordered",
        "runs",
        "distinct_cases",
        "reappearing_runs",
        "reappearing_cases",
        "time_order_violations",
        "within_case_distinct_share",
        "start_concentration",
        "selection",
    )
    out = {k: spec.get(k) for k in keys}
    if "detection" in spec:
        out["detection"] = spec["detection"]
    if "regrouped" in spec:
        out["regrouped"] = spec["regrouped"]
    if spec.get("grouping_tolerated") or spec.get("time_order_tolerated"):
        out["tolerated"] = tolerance_parameters(spec)
    return {"event_log": out}


def tolerance_parameters(spec: dict) -> dict:
    """What a log that is not quite grouped / time-ordered was analysed as."""
    return {
        "max_share": float(TOLERATED_SHARE),
        "grouping": spec["grouping_tolerated"],
        "time_order": spec["time_order_tolerated"],
        "reappearing_rows": spec["reappearing_rows"],
        "time_order_steps": spec["time_order_steps"],
        "case_fragments": spec["grouping_tolerated"],
        "negative_waits_as_zero": spec["time_order_violations"],
    }


# ---------------------------------------------------------------------------------------
# Passes >= 1: the case fold
# ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Partial:
    """A case whose rows may go on in a neighbouring chunk."""

    case: Any
    n: int
    first_ts: int
    last_ts: int
    min_ts: int
    max_ts: int
    first_pos: int
    viol: int
    first_act: str
    acts: dict | None = None  # activity -> events in the case (rework)
    seq: tuple | None = None  # activity sequence (variants)
    res: dict | None = None  # resources in the case (an ordered set)

    def join(self, other: Partial) -> Partial:
        acts = None
        if self.acts is not None and other.acts is not None:
            acts = dict(self.acts)
            for k, v in other.acts.items():
                acts[k] = acts.get(k, 0) + v
        return Partial(
            case=self.case,
            n=self.n + other.n,
            first_ts=self.first_ts,
            last_ts=other.last_ts,
            min_ts=min(self.min_ts, other.min_ts),
            max_ts=max(self.max_ts, other.max_ts),
            first_pos=self.first_pos,
            viol=self.viol + other.viol + int(other.first_ts < self.last_ts),
            first_act=self.first_act,
            acts=acts,
            seq=self.seq + other.seq if self.seq is not None and other.seq is not None else None,
            res={**self.res, **other.res}
            if self.res is not None and other.res is not None
            else None,
        )


FIXED_SHIFT = 1127  # every finite float64 is an integer multiple of 2**-1127


class FixedSplit:
    """Finite float64 values split once for exact grouped sums (:meth:`sums`).

    Each value is an integer mantissa (two halves of at most 27 bits, as float64) times a
    power of two (its exponent, numbered densely); :meth:`sums` adds the halves per
    (code, exponent) bin with ``bincount`` (below 2**53, so exactly) and combines the bins
    as Python integers in units of 2**-1127 (every finite float64 is a multiple of it).
    """

    __slots__ = ("hi", "lo", "slot", "shifts", "width")

    def __init__(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=np.float64)
        mant, exp = np.frexp(values)
        mi = np.ldexp(mant, 53).astype(np.int64)
        hi = mi >> 26
        self.hi = hi.astype(np.float64)
        self.lo = (mi - (hi << 26)).astype(np.float64)
        exp = exp.astype(np.int64)
        low = int(exp.min()) if exp.size else 0
        present = np.bincount(exp - low) > 0 if exp.size else np.zeros(1, dtype=bool)
        self.slot = (np.cumsum(present) - 1)[exp - low]
        self.width = max(int(present.sum()), 1)
        self.shifts = [e + FIXED_SHIFT - 53 for e in (np.flatnonzero(present) + low).tolist()]

    def sums(self, codes: np.ndarray, ncodes: int, rows: np.ndarray | None = None) -> list[int]:
        """Exact sum per code ``0..ncodes-1`` of the values at ``rows`` (all: None)."""
        out = [0] * ncodes
        hi, lo, slot = self.hi, self.lo, self.slot
        if rows is not None:
            hi, lo, slot = hi[rows], lo[rows], slot[rows]
        if not hi.size:
            return out
        width = self.width
        idx = np.asarray(codes, dtype=np.int64) * width + slot
        bins = ncodes * width
        shifts = self.shifts
        for start in range(0, idx.size, 1 << 25):  # every bincount sum stays below 2**53
            sl = slice(start, start + (1 << 25))
            hs = np.bincount(idx[sl], weights=hi[sl], minlength=bins)
            ls = np.bincount(idx[sl], weights=lo[sl], minlength=bins)
            nz = np.flatnonzero((hs != 0) | (ls != 0))
            for b, h, lw in zip(nz.tolist(), hs[nz].tolist(), ls[nz].tolist(), strict=True):
                code, e = divmod(b, width)
                out[code] += ((int(h) << 26) + int(lw)) << shifts[e]
        return out


def grouped_fixed_sums(codes: np.ndarray, values: np.ndarray, ncodes: int) -> list[int]:
    """Exact sum of the finite float64 ``values`` of each code ``0..ncodes-1``, as an integer
    in units of 2**-1127 (so sums of sums are exact and order-free)."""
    return FixedSplit(values).sums(codes, ncodes)


def fixed_fraction(total: int) -> Fraction:
    return Fraction(total, 1 << FIXED_SHIFT)


def log1p_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``y = log1p(x)`` (x >= 0) and ``y*y = p + e`` exactly (Dekker's two-product with
    Veltkamp's split: ``p`` the rounded square, ``e`` its rounding error; exact unless
    ``y*y`` underflows, below 1e-154, where the error is below 1e-308)."""
    y = log1p_array(x)  # math.log1p: independent of numpy's SIMD dispatch
    p = y * y
    c = 134217729.0 * y  # 2**27 + 1
    big = c - (c - y)
    small = y - big
    e = ((big * big - p) + 2.0 * big * small) + small * small
    return y, p, e


def log1p_moment_sums(codes: np.ndarray, x: np.ndarray, ncodes: int) -> list[list[int]]:
    """Per code: exact [sum y, sum p, sum e] of ``log1p_parts(x)`` (2**-1127 units)."""
    y, p, e = log1p_parts(x)
    parts = [grouped_fixed_sums(codes, v, ncodes) for v in (y, p, e)]
    return [[parts[0][i], parts[1][i], parts[2][i]] for i in range(ncodes)]


def _group_int_sums(codes: np.ndarray, values: np.ndarray, squares: bool):
    """Per code: (code, count, exact sum, exact sum of squares) with Python ints."""
    if not codes.size:
        return []
    order = np.argsort(codes, kind="stable")
    sc = codes[order]
    sv = values[order]
    bounds = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1], True])
    out = []
    for s, e in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True):
        part = sv[s:e].tolist()
        out.append((int(sc[s]), e - s, sum(part), sum(map(mul, part, part)) if squares else 0))
    return out


class LogAcc:
    """Everything pass 1 aggregates; ``features`` switches the costly parts on."""

    def __init__(self, features: frozenset, mg_k: int) -> None:
        self.features = tuple(sorted(features))  # no set in a state: pickles must be stable
        self.mg_k = mg_k
        self.events = 0
        self.skipped = 0
        self.per_second: int | None = None
        self.dur_per_second: int | None = None
        self.act_events: dict[str, int] = {}
        self.min_ts: int | None = None
        self.max_ts: int | None = None
        self.wait: dict[str, list[int]] = {}  # act -> [count, sum, sumsq] (ticks)
        # act -> exact [sum y, sum y*y (rounded), its rounding errors], y = log1p(wait in s)
        self.logwait: dict[str, list[int]] = {}
        self.service: dict[str, list[int]] = {}  # act -> [count, sum] (duration ticks)
        self.act_res: dict[str, dict] = {}
        self.res_events: dict[str, int] = {}
        self.res_busy: dict[str, list[int]] = {}
        self.res_null = 0
        self.cases = 0
        self.len_min: int | None = None
        self.len_max: int | None = None
        self.len_sum = 0
        self.tp_sum = 0
        self.tp_min: int | None = None
        self.tp_max: int | None = None
        self.viol = 0
        self.rework_cases = 0
        self.rework: dict[str, list[int]] = {}  # act -> [cases repeated, extra events]
        self.res_cases: dict[str, int] = {}
        self.raw_variants: list = []  # chunk state: closed interior cases, in order
        self.mg: dict = {}
        self.mg_decrements = 0
        self.first_pos: int | None = None

    # -- events ---------------------------------------------------------------------
    def add_wait(self, act: str, count: int, total: int, sumsq: int) -> None:
        slot = self.wait.get(act)
        if slot is None:
            self.wait[act] = [count, total, sumsq]
        else:
            slot[0] += count
            slot[1] += total
            slot[2] += sumsq

    def add_logwait(self, act: str, sums: list[int]) -> None:
        slot = self.logwait.get(act)
        if slot is None:
            self.logwait[act] = list(sums)
        else:
            for i, v in enumerate(sums):
                slot[i] += v

    # -- cases ----------------------------------------------------------------------
    def add_case_arrays(self, n, mins, maxs, first_pos, viol) -> None:
        if not n.size:
            return
        self.cases += int(n.size)
        lo, hi = int(n.min()), int(n.max())
        self.len_min = lo if self.len_min is None else min(self.len_min, lo)
        self.len_max = hi if self.len_max is None else max(self.len_max, hi)
        self.len_sum += int(n.sum())
        tp = maxs - mins
        self.tp_sum += sum(tp.tolist())
        lo, hi = int(tp.min()), int(tp.max())
        self.tp_min = lo if self.tp_min is None else min(self.tp_min, lo)
        self.tp_max = hi if self.tp_max is None else max(self.tp_max, hi)
        self.viol += int(viol.sum())
        fp = int(first_pos.min())
        self.first_pos = fp if self.first_pos is None else min(self.first_pos, fp)

    def close(self, p: Partial) -> None:
        one = np.array([p.n], dtype=np.int64)
        self.add_case_arrays(
            one,
            np.array([p.min_ts], dtype=np.int64),
            np.array([p.max_ts], dtype=np.int64),
            np.array([p.first_pos], dtype=np.int64),
            np.array([p.viol], dtype=np.int64),
        )
        if "rework" in self.features and p.acts is not None:
            repeated = False
            for act, count in p.acts.items():
                if count > 1:
                    repeated = True
                    slot = self.rework.setdefault(act, [0, 0])
                    slot[0] += 1
                    slot[1] += count - 1
            self.rework_cases += int(repeated)
        if "res_cases" in self.features and p.res is not None:
            for r in p.res:
                self.res_cases[r] = self.res_cases.get(r, 0) + 1
        if "variants" in self.features and p.seq is not None:
            self.mg_decrements += misra_gries_add(self.mg, p.seq, self.mg_k)

    # -- merging ----------------------------------------------------------------------
    def absorb(self, b: LogAcc) -> None:
        """Add ``b`` (the later rows) into self; ``b`` is not modified."""
        self.events += b.events
        self.skipped += b.skipped
        self.per_second = self.per_second or b.per_second
        self.dur_per_second = self.dur_per_second or b.dur_per_second
        for k, v in b.act_events.items():
            self.act_events[k] = self.act_events.get(k, 0) + v
        if b.min_ts is not None:
            self.min_ts = b.min_ts if self.min_ts is None else min(self.min_ts, b.min_ts)
            self.max_ts = b.max_ts if self.max_ts is None else max(self.max_ts, b.max_ts)
        for k, v in b.wait.items():
            self.add_wait(k, *v)
        for k, v in b.logwait.items():
            self.add_logwait(k, v)
        for k, v in b.service.items():
            slot = self.service.setdefault(k, [0, 0])
            slot[0] += v[0]
            slot[1] += v[1]
        for k, v in b.act_res.items():
            self.act_res.setdefault(k, {}).update(v)
        for k, v in b.res_events.items():
            self.res_events[k] = self.res_events.get(k, 0) + v
        for k, v in b.res_busy.items():
            slot = self.res_busy.setdefault(k, [0, 0])
            slot[0] += v[0]
            slot[1] += v[1]
        self.res_null += b.res_null
        if b.cases:
            self.cases += b.cases
            self.len_min = b.len_min if self.len_min is None else min(self.len_min, b.len_min)
            self.len_max = b.len_max if self.len_max is None else max(self.len_max, b.len_max)
            self.len_sum += b.len_sum
            self.tp_sum += b.tp_sum
            self.tp_min = b.tp_min if self.tp_min is None else min(self.tp_min, b.tp_min)
            self.tp_max = b.tp_max if self.tp_max is None else max(self.tp_max, b.tp_max)
            self.viol += b.viol
            if b.first_pos is not None:
                self.first_pos = (
                    b.first_pos if self.first_pos is None else min(self.first_pos, b.first_pos)
                )
        self.rework_cases += b.rework_cases
        for k, v in b.rework.items():
            slot = self.rework.setdefault(k, [0, 0])
            slot[0] += v[0]
            slot[1] += v[1]
        for k, v in b.res_cases.items():
            self.res_cases[k] = self.res_cases.get(k, 0) + v
        for seq in b.raw_variants:
            self.mg_decrements += misra_gries_add(self.mg, seq, self.mg_k)


class SelAcc:
    """Selector passes: chunk states of the selection (name -> RankSelector state, as
    :meth:`SelectionSet.merge` merges them), plus boundary values pending."""

    def __init__(self) -> None:
        self.states: dict[str, dict] = {}
        self.pending: dict[str, list[float]] = {}
        self.variants: dict = {}  # exact recount of candidate variants
        self.variants_other = 0
        self.raw_variants: list = []


@dataclass
class ChunkScan:
    head: Partial | None
    tail: Partial | None
    rows: int
    data: dict | None  # vectors of the valid events (None when no valid event)


def scan_chunk(chunk, spec: dict, *, acts_in_case: bool, seq: bool, res: bool, dur: bool):
    """Decode one chunk: valid events, runs, and the head / tail partial cases."""
    t = chunk.table
    cc, cvals = codes_of(t.column(spec["case"]))
    ac, anames = codes_of(t.column(spec["activity"]))
    ts, tsv, per_second = ticks_of(t.column(spec["timestamp"]))
    keep = (cc >= 0) & (ac >= 0) & tsv
    rows = np.flatnonzero(keep)
    n = int(rows.size)
    if not n:
        return ChunkScan(None, None, chunk.num_rows, None)
    cc, ac, ts = cc[rows], ac[rows], ts[rows]
    pos = chunk.positions_of(rows)  # dataset positions, also on a regrouped copy
    d: dict[str, Any] = {"cc": cc, "cvals": cvals, "ac": ac, "anames": anames, "ts": ts}
    d["per_second"] = per_second
    d["pos"] = pos
    if res:
        rc, rnames = codes_of(t.column(spec["resource"]))
        d["rc"], d["rnames"] = rc[rows], rnames
    if dur:
        dt, dv, dps = ticks_of(t.column(spec["duration"]))
        d["dt"], d["dv"], d["dur_per_second"] = dt[rows], dv[rows], dps
    start_flag = np.empty(n, dtype=bool)
    start_flag[0] = True
    np.not_equal(cc[1:], cc[:-1], out=start_flag[1:])
    starts = np.flatnonzero(start_flag)
    ends = np.r_[starts[1:], n]
    k = int(starts.size)
    run_id = np.cumsum(start_flag) - 1
    same = ~start_flag
    step = np.zeros(n, dtype=np.int64)
    step[1:] = ts[1:] - ts[:-1]
    wait = np.maximum(step, 0)  # a step back in time within a case waits 0
    d.update(
        starts=starts,
        ends=ends,
        k=k,
        run_id=run_id,
        same=same,
        step=step,
        wait=wait,
        lens=ends - starts,
        mins=np.minimum.reduceat(ts, starts),
        maxs=np.maximum.reduceat(ts, starts),
        viol=np.bincount(run_id[same & (step < 0)], minlength=k),
    )
    names = [anames[x] for x in ac.tolist()] if seq else None
    d["names"] = names

    def partial(r: int) -> Partial:
        s, e = int(starts[r]), int(ends[r])
        acts = None
        if acts_in_case:
            u, counts = np.unique(ac[s:e], return_counts=True)
            acts = {anames[x]: c for x, c in zip(u.tolist(), counts.tolist(), strict=True)}
        rset = None
        if res:
            rset = {d["rnames"][x]: None for x in np.unique(d["rc"][s:e]).tolist() if x >= 0}
        return Partial(
            case=cvals[int(cc[s])],
            n=e - s,
            first_ts=int(ts[s]),
            last_ts=int(ts[e - 1]),
            min_ts=int(d["mins"][r]),
            max_ts=int(d["maxs"][r]),
            first_pos=int(pos[s]),
            viol=int(d["viol"][r]),
            first_act=anames[int(ac[s])],
            acts=acts,
            seq=tuple(names[s:e]) if seq else None,
            res=rset,
        )

    head = partial(0)
    tail = partial(k - 1) if k > 1 else None
    return ChunkScan(head, tail, chunk.num_rows, d)


def interior_mask(d: dict) -> np.ndarray:
    """Events of the runs strictly inside the chunk (complete cases)."""
    k = d["k"]
    rid = d["run_id"]
    return (rid >= 1) & (rid <= k - 2)


def fill_log_acc(acc: LogAcc, scan: ChunkScan) -> None:
    """Pass-1 aggregation of one chunk's events and interior cases (not the partials)."""
    d = scan.data
    acc.skipped += scan.rows - (0 if d is None else d["ts"].size)
    if d is None:
        return
    f = acc.features
    ac, anames, ts = d["ac"], d["anames"], d["ts"]
    acc.per_second = d["per_second"]
    acc.events += int(ts.size)
    for code, count in enumerate(np.bincount(ac, minlength=len(anames)).tolist()):
        if count:
            acc.act_events[anames[code]] = acc.act_events.get(anames[code], 0) + count
    lo, hi = int(ts.min()), int(ts.max())
    acc.min_ts = lo if acc.min_ts is None else min(acc.min_ts, lo)
    acc.max_ts = hi if acc.max_ts is None else max(acc.max_ts, hi)
    same = d["same"]
    waits = d["wait"][same]
    for code, count, total, sq in _group_int_sums(ac[same], waits, "squares" in f):
        acc.add_wait(anames[code], count, total, sq)
    if "logwait" in f and waits.size:
        sums = log1p_moment_sums(ac[same], to_seconds(waits, d["per_second"]), len(anames))
        for code, count in enumerate(np.bincount(ac[same], minlength=len(anames)).tolist()):
            if count:
                acc.add_logwait(anames[code], sums[code])
    if "rc" in d:
        rc, rnames = d["rc"], d["rnames"]
        has = rc >= 0
        acc.res_null += int((~has).sum())
        for code, count in enumerate(np.bincount(rc[has], minlength=len(rnames)).tolist()):
            if count:
                acc.res_events[rnames[code]] = acc.res_events.get(rnames[code], 0) + count
        width = max(len(rnames), 1)
        for key in np.unique(ac[has] * width + rc[has]).tolist():
            acc.act_res.setdefault(anames[key // width], {})[rnames[key % width]] = None
    if "dt" in d:
        acc.dur_per_second = d["dur_per_second"]
        dv = d["dv"]
        for code, count, total, _ in _group_int_sums(ac[dv], d["dt"][dv], False):
            slot = acc.service.setdefault(anames[code], [0, 0])
            slot[0] += count
            slot[1] += total
        if "rc" in d:
            both = dv & (d["rc"] >= 0)
            for code, count, total, _ in _group_int_sums(d["rc"][both], d["dt"][both], False):
                slot = acc.res_busy.setdefault(d["rnames"][code], [0, 0])
                slot[0] += count
                slot[1] += total
    k = d["k"]
    if k <= 2:
        return
    inner = slice(1, k - 1)
    acc.add_case_arrays(
        d["lens"][inner],
        d["mins"][inner],
        d["maxs"][inner],
        d["pos"][d["starts"][inner]],
        d["viol"][inner],
    )
    mask = interior_mask(d)
    rid = d["run_id"]
    if "rework" in f:
        width = len(anames)
        keys, counts = np.unique(rid[mask] * width + ac[mask], return_counts=True)
        rep = counts > 1
        acc.rework_cases += int(np.unique(keys[rep] // width).size)
        for key, count in zip(keys[rep].tolist(), counts[rep].tolist(), strict=True):
            slot = acc.rework.setdefault(anames[key % width], [0, 0])
            slot[0] += 1
            slot[1] += count - 1
    if "res_cases" in f and "rc" in d:
        rc, rnames = d["rc"], d["rnames"]
        sel = mask & (rc >= 0)
        width = max(len(rnames), 1)
        keys = np.unique(rid[sel] * width + rc[sel])
        for code, count in enumerate(np.bincount(keys % width, minlength=width).tolist()):
            if count:
                acc.res_cases[rnames[code]] = acc.res_cases.get(rnames[code], 0) + count
    if "variants" in f:
        acc.raw_variants.extend(interior_variants(d))


def interior_variants(d: dict) -> list[tuple]:
    names = d["names"]
    starts, ends, k = d["starts"].tolist(), d["ends"].tolist(), d["k"]
    return [tuple(names[starts[r] : ends[r]]) for r in range(1, k - 1)]


# ---------------------------------------------------------------------------------------
# Selector passes
# ---------------------------------------------------------------------------------------
def case_values(kind: str, n, mins, maxs, per_second: int) -> np.ndarray:
    if kind == "case_len":
        return np.asarray(n, dtype=np.float64)
    return to_seconds(
        np.asarray(maxs, dtype=np.int64) - np.asarray(mins, dtype=np.int64), per_second
    )


def feed(acc: SelAcc, selection: SelectionSet, name: str, values) -> None:
    if not selection.wants(name) or not len(values):
        return
    part = selection.chunk_state(name, float_keys(np.asarray(values, dtype=np.float64)))
    old = acc.states.get(name)
    acc.states[name] = part if old is None else RankSelector.merge_states(old, part)


def add_pending(acc: SelAcc, selection: SelectionSet, name: str, value: float):
    if not selection.wants(name):
        return
    box = acc.pending.setdefault(name, [])
    box.append(value)
    if len(box) >= PENDING_FLUSH:
        acc.pending[name] = []
        feed(acc, selection, name, box)


def flush_pending(acc: SelAcc, selection: SelectionSet) -> None:
    for name in sorted(acc.pending):
        box = acc.pending[name]
        acc.pending[name] = []
        feed(acc, selection, name, box)


def sel_absorb(a: SelAcc, b: SelAcc, selection: SelectionSet, candidates: dict | None) -> None:
    a.states = SelectionSet.merge(a.states, b.states)
    for name in sorted(b.pending):
        for v in b.pending[name]:
            add_pending(a, selection, name, v)
    if candidates is not None:
        count_variants(a, b.raw_variants, candidates)


def count_variants(acc: SelAcc, seqs: Iterable, candidates: dict) -> None:
    for seq in seqs:
        if seq in candidates:
            acc.variants[seq] = acc.variants.get(seq, 0) + 1
        else:
            acc.variants_other += 1


def wait_name(act: str) -> str:
    return "wait\x00" + act


# ---------------------------------------------------------------------------------------
# The base class of the event-log analyses
# ---------------------------------------------------------------------------------------
STRUCTURE_UNITS = {
    "runs": "runs",
    "distinct_cases": "cases",
    "reappearing_runs": "runs",
    "reappearing_cases": "cases",
    "reappearing_rows": "rows",
    "reappearing_run_share": "fraction",
    "time_order_violations": "steps",
    "time_order_steps": "steps",
    "time_order_violation_share": "fraction",
}


def _structure_values(spec: dict, *, tolerated: bool) -> dict:
    """How far the log is from grouped-by-case and in time order (the values of the
    tolerance and refusal findings; the tolerance finding adds rows and shares)."""
    values = {
        k: spec[k]
        for k in (
            "runs",
            "distinct_cases",
            "reappearing_runs",
            "reappearing_cases",
            "time_order_violations",
        )
    }
    if tolerated:
        values.update(
            reappearing_rows=spec["reappearing_rows"],
            reappearing_run_share=share(spec["reappearing_runs"], spec["runs"]),
            time_order_steps=spec["time_order_steps"],
            time_order_violation_share=share(
                spec["time_order_violations"], spec["time_order_steps"]
            ),
        )
    return values


@dataclass(slots=True)
class FoldState:
    """The state of a case-fold pass (pass 1, and the selection passes after it).

    ``acc`` holds every case closed so far (:class:`LogAcc` in pass 1, :class:`SelAcc`
    later); ``head`` and ``tail`` are the chunk's first and last cases, still open because
    they may continue in the neighbouring chunk; ``raw`` marks a chunk state not yet folded
    into a running accumulator (``merge`` folds it in first). Fields rather than string
    keys, so the fold's three parts are declared once, here."""

    acc: LogAcc | SelAcc
    head: Partial | None = None
    tail: Partial | None = None
    raw: bool = False


class EventLogBase(Analysis):
    """Pass 0 detects the log; pass 1 folds cases; later passes select exact quantiles.

    Subclasses set ``features`` (costly pass-1 aggregates: variants, rework, res_cases,
    squares, logwait), ``case_quantiles`` / ``wait_quantiles`` (exact quantiles wanted) and whether
    they read the resource / duration columns, and write ``report(ctx, result)``.
    """

    family = "eventlog"
    requires = (ColumnKind.TIMESTAMP,)
    settings = SETTINGS
    features: ClassVar[frozenset] = frozenset()
    case_quantiles: ClassVar[dict[str, tuple[float, ...]]] = {}
    wait_quantiles: ClassVar[tuple[float, ...]] = ()
    use_resource: ClassVar[bool] = False
    use_duration: ClassVar[bool] = False
    require_resource: ClassVar[bool] = False
    passes = 7

    # -- planning -----------------------------------------------------------------------
    def plan(self, dataset, budget):
        got = plan_eventlog(dataset, budget)
        if got is None:
            return None
        params, left_out = got
        if self.require_resource and not params["resource_candidates"]:
            return None
        cols = detection_columns(params)
        if self.use_duration and params["duration"]:
            cols.append(params["duration"])
        return Plan(tuple(cols), {"eventlog_candidates": params}, left_out)

    def shared_pass_key(self, ctx):
        """Pass 0 (detection) is the same for every event-log analysis with the same
        candidates and distinct cap: the engine computes it once per process."""
        if ctx.pass_index != 0:
            return None
        return self.detect_pass_key(ctx, type(self))

    def detect_pass_key(self, ctx, cls) -> tuple:
        """The memo key of pass 0 as ``cls``'s methods compute it."""
        # a subclass that overrides pass 0's methods computes something else
        code = tuple(getattr(cls, m).__qualname__ for m in ("init", "update", "merge", "end_pass"))
        return (
            "eventlog_detect_v2",
            code,
            json.dumps(self.candidates(ctx), sort_keys=True, default=str),
            ctx.budget.distinct_cap,
        )

    def candidates(self, ctx) -> dict:
        return ctx.params["eventlog_candidates"]

    def spec(self, ctx) -> dict:
        return regrouped_spec(ctx.previous[0]) if self.regrouped(ctx) else ctx.previous[0]

    def regrouped(self, ctx) -> bool:
        return declared_log_needs_regroup(ctx, self.candidates(ctx))

    def grouping(self, ctx):
        """A declared log not grouped by case (or not in time order within cases) is read
        from pass 1 on from a copy grouped by case in time order (the dataset layer spills
        it with bounded memory): a log exported in time order is analysed, not refused."""
        if ctx.pass_index >= 1 and self.regrouped(ctx):
            spec = ctx.previous[0]
            return spec["case"], spec["timestamp"]
        return None

    def columns_for_pass(self, ctx):
        if ctx.pass_index == 0:
            return detection_columns(self.candidates(ctx))
        return spec_columns(self.spec(ctx), resource=self.use_resource, duration=self.use_duration)

    # -- accumulator --------------------------------------------------------------------
    def init(self, ctx):
        if ctx.pass_index == 0:
            return detect_init(self.candidates(ctx))
        acc = LogAcc(self.features, ctx.budget.max_groups) if ctx.pass_index == 1 else SelAcc()
        return FoldState(acc)

    def _scan(self, chunk, ctx) -> ChunkScan:
        spec = self.spec(ctx)
        f = self.features if ctx.pass_index == 1 else frozenset()
        recount = ctx.pass_index == 2 and self._recount(ctx) is not None
        return scan_chunk(
            chunk,
            spec,
            acts_in_case="rework" in f,
            seq="variants" in f or recount,
            res=self.use_resource and bool(spec.get("resource")) and ctx.pass_index == 1,
            dur=self.use_duration and bool(spec.get("duration")) and ctx.pass_index == 1,
        )

    def update(self, state, chunk, ctx):
        if ctx.pass_index == 0:
            return detect_update(state, chunk, self.candidates(ctx))
        scan = self._scan(chunk, ctx)
        state.head, state.tail, state.raw = scan.head, scan.tail, True
        if ctx.pass_index == 1:
            fill_log_acc(state.acc, scan)
        else:
            self._fill_sel(state.acc, scan, ctx)
        return state

    def _selection(self, ctx) -> SelectionSet:
        return ctx.previous[1]["selection"]

    def _recount(self, ctx) -> dict | None:
        return ctx.previous[1].get("recount")

    def _fill_sel(self, acc: SelAcc, scan: ChunkScan, ctx) -> None:
        d = scan.data
        if d is None:
            return
        selection = self._selection(ctx)
        k = d["k"]
        if k > 2:
            inner = slice(1, k - 1)
            for kind in self.case_quantiles:
                feed(
                    acc,
                    selection,
                    kind,
                    case_values(
                        kind, d["lens"][inner], d["mins"][inner], d["maxs"][inner], d["per_second"]
                    ),
                )
            if ctx.pass_index == 2 and self._recount(ctx) is not None:
                acc.raw_variants = interior_variants(d)
        if self.wait_quantiles:
            same = d["same"]
            codes = d["ac"][same]
            seconds = to_seconds(d["wait"][same], d["per_second"])
            order = np.argsort(codes, kind="stable")
            codes, seconds = codes[order], seconds[order]
            if not codes.size:
                return
            bounds = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1], True]).tolist()
            for s, e in zip(bounds[:-1], bounds[1:], strict=True):
                feed(acc, selection, wait_name(d["anames"][int(codes[s])]), seconds[s:e])

    def _close_sel(self, acc: SelAcc, p: Partial, ctx) -> None:
        selection = self._selection(ctx)
        per_second = ctx.previous[1]["per_second"]
        for kind in self.case_quantiles:
            value = case_values(kind, [p.n], [p.min_ts], [p.max_ts], per_second)[0]
            add_pending(acc, selection, kind, float(value))
        recount = self._recount(ctx)
        if ctx.pass_index == 2 and recount is not None and p.seq is not None:
            count_variants(acc, [p.seq], recount)

    def merge(self, a, b, ctx):
        if ctx.pass_index == 0:
            return detect_merge(a, b, ctx.budget.distinct_cap)
        if a.raw:  # a chunk state, not the fold's accumulator: fold it in first
            a = self.merge(self.init(ctx), a, ctx)
        acc = a.acc
        head = b.head
        closures: list[Partial] = []
        boundary = None
        if head is not None:
            tail = a.tail
            if tail is not None and tail.case == head.case:
                boundary = (head.first_act, max(head.first_ts - tail.last_ts, 0))
                joined = tail.join(head)
            else:
                if tail is not None:
                    closures.append(tail)
                joined = head
            if b.tail is None:
                a.tail = joined
            else:
                closures.append(joined)
                a.tail = b.tail
        if ctx.pass_index == 1:
            for p in closures:
                acc.close(p)
            if boundary is not None:
                act, gap = boundary
                acc.add_wait(act, 1, gap, gap * gap)
                if "logwait" in acc.features:
                    seconds = to_seconds(np.array([gap], dtype=np.int64), acc.per_second or 1)
                    acc.add_logwait(act, log1p_moment_sums(np.zeros(1, np.int64), seconds, 1)[0])
            acc.absorb(b.acc)
            return a
        selection = self._selection(ctx)
        for p in closures:
            self._close_sel(acc, p, ctx)
        if boundary is not None and self.wait_quantiles:
            act, gap = boundary
            per_second = ctx.previous[1]["per_second"]
            add_pending(acc, selection, wait_name(act), one_second_value(gap, per_second))
        recount = self._recount(ctx) if ctx.pass_index == 2 else None
        sel_absorb(acc, b.acc, selection, recount)
        return a

    def end_pass(self, state, ctx):
        if ctx.pass_index == 0:
            return detect_decide(state, self.candidates(ctx), ctx.dataset)
        acc = state.acc
        if ctx.pass_index == 1:
            if state.tail is not None:
                acc.close(state.tail)
            return self._after_main(acc, ctx)
        if state.tail is not None:
            self._close_sel(acc, state.tail, ctx)
        selection = self._selection(ctx)
        flush_pending(acc, selection)
        selection.advance(acc.states)
        if ctx.pass_index == 2 and self._recount(ctx) is not None:
            return {"variants": dict(acc.variants), "variants_other": acc.variants_other}
        return {}

    def _after_main(self, acc: LogAcc, ctx) -> dict:
        spec = self.spec(ctx)
        wanted: dict[str, tuple[int, list[int]]] = {}
        per_case = spec["per_case"]
        per_event = spec["per_event"]
        if per_case and acc.cases:
            for kind, qs in self.case_quantiles.items():
                wanted[kind] = (acc.cases, quantile_rank_list(acc.cases, qs))
        if per_event:
            for act, (count, _, _) in acc.wait.items():
                if self.wait_quantiles and count:
                    wanted[wait_name(act)] = (count, quantile_rank_list(count, self.wait_quantiles))
        recount = None
        if "variants" in self.features and per_event and acc.mg_decrements:
            recount = dict.fromkeys(acc.mg, 0)
        return {
            "acc": acc,
            "selection": SelectionSet(wanted),
            "recount": recount,
            "per_second": acc.per_second or 1,
        }

    def needs_another_pass(self, ctx):
        if len(ctx.previous) == 1:
            return bool(self.spec(ctx).get("found"))
        if len(ctx.previous) == 2 and self._recount(ctx) is not None:
            return True
        return not self._selection(ctx).done

    # -- results ------------------------------------------------------------------------
    def quantiles(self, ctx, name: str, qs: tuple[float, ...]) -> dict[float, float | None]:
        selection = self._selection(ctx)
        return {q: selection.quantile(name, q) for q in qs}

    def variant_counts(self, ctx) -> tuple[dict, int, bool]:
        """Variant -> exact count (candidates), cases in no candidate, and exactness."""
        main = ctx.previous[1]
        if main.get("recount") is None:
            return dict(main["acc"].mg), 0, True
        counted = ctx.previous[2]
        return counted["variants"], counted["variants_other"], False

    def findings(self, ctx):
        spec = self.spec(ctx)
        if not spec.get("found"):
            return [self.not_detected(ctx)]
        return self.report(ctx, spec, ctx.previous[1]["acc"])

    def report(self, ctx, spec: dict, acc: LogAcc) -> list[dict]:
        raise NotImplementedError

    # -- common findings ----------------------------------------------------------------
    def parameters(self, ctx, **extra) -> dict:
        return {**spec_parameters(self.spec(ctx)), **extra}

    def log_columns(self, ctx) -> list[str]:
        spec = self.spec(ctx)
        return spec_columns(spec, resource=self.use_resource, duration=self.use_duration)

    def not_detected(self, ctx) -> dict:
        spec = self.spec(ctx)
        cand = self.candidates(ctx)
        return ctx.finding(
            kind="event_log_not_detected",
            title="No event log detected: no case/activity pair fits the data",
            subject={"dataset": ctx.dataset.name},
            values={
                "rows": spec.get("rows", 0),
                "case_candidates": len(cand["case_candidates"]),
                "activity_candidates": len(cand["activity_candidates"]),
            },
            units={"rows": "rows", "case_candidates": "columns", "activity_candidates": "columns"},
            parameters=self.parameters(ctx, candidate_scores=spec.get("candidate_scores", {})),
        )

    def structure_notes(self, ctx, need: str, what: str) -> list[dict]:
        """[] on a clean log; [log_structure_tolerated] when ``what`` (needing "case": cases
        are runs, or "event": also time order) was computed on a log within the tolerance;
        [log_not_grouped_by_case / log_not_in_time_order] when it was not computed."""
        spec = self.spec(ctx)
        if not spec["per_case" if need == "case" else "per_event"]:
            return [self.structure_problem(ctx, what)]
        if spec["grouping_tolerated"] or (need == "event" and spec["time_order_tolerated"]):
            return [self.structure_tolerated(ctx, need, what)]
        return []

    def structure_tolerated(self, ctx, need: str, what: str) -> dict:
        spec = self.spec(ctx)
        grouping = spec["grouping_tolerated"]
        order = need == "event" and spec["time_order_tolerated"]
        done = []
        if grouping:
            done.append(
                f"{spec['reappearing_runs']} of {spec['runs']} case runs restart an earlier "
                f"case ({spec['reappearing_rows']} rows): each run is analysed as a case fragment"
            )
        if order:
            done.append(
                f"{spec['time_order_violations']} of {spec['time_order_steps']} within-case "
                "steps go back in time: counted as waiting time 0"
            )
        examples = spec["reappearing_examples"] if grouping else spec["time_order_examples"]
        return ctx.finding(
            kind="log_structure_tolerated",
            title=f"{what[:1].upper()}{what[1:]} computed within tolerance: " + "; ".join(done),
            severity="low",
            subject={"case": spec["case"], "timestamp": spec["timestamp"]},
            values=(values := _structure_values(spec, tolerated=True)),
            units={k: STRUCTURE_UNITS[k] for k in values},
            columns=self.log_columns(ctx),
            example_rows=examples,
            parameters=self.parameters(
                ctx,
                computed=what,
                example_rows_are=(
                    "first rows of reappearing case runs"
                    if grouping
                    else "rows whose timestamp is before the previous event of their case"
                ),
                time_order_example_rows=spec["time_order_examples"] if order else [],
            ),
        )

    def structure_problem(self, ctx, what: str) -> dict:
        """The finding reported instead of per-case statistics the log cannot support."""
        spec = self.spec(ctx)
        if not spec["per_case"]:
            kind = "log_not_grouped_by_case"
            title = (
                f"Event log is not grouped by case {spec['case']!r}: {spec['reappearing_runs']} "
                f"runs restart an earlier case; {what} not computed"
            )
        else:
            kind = "log_not_in_time_order"
            title = (
                f"Events of a case are not in time order ({spec['time_order_violations']} "
                f"timestamp decreases within cases); {what} not computed"
            )
        # Declared columns that do not form a usable log are worth a look (medium); columns
        # merely *inferred* as a log that turn out ungrouped most likely are no event log
        # at all (a flights table: tail numbers are not cases), so: info, and a hint.
        declared = bool((self.candidates(ctx) or {}).get("overrides"))
        if not declared:
            title += (
                " (inferred columns: probably not an event log; if it is one, sort it by "
                "case then time, or declare its columns)"
            )
        return ctx.finding(
            kind=kind,
            title=title,
            severity="medium" if declared else "info",
            subject={"case": spec["case"], "timestamp": spec["timestamp"]},
            values=(values := _structure_values(spec, tolerated=False)),
            units={k: STRUCTURE_UNITS[k] for k in values},
            columns=self.log_columns(ctx),
            parameters=self.parameters(ctx, not_computed=what),
        )


__all__ = [
    "DETECTION_METHOD",
    "EventLogBase",
    "ENV_VARS",
    "SETTINGS",
    "ChunkScan",
    "LogAcc",
    "Partial",
    "SelAcc",
    "codes_of",
    "detect_decide",
    "detect_init",
    "detect_merge",
    "detect_update",
    "detection_columns",
    "plan_eventlog",
    "scan_chunk",
    "spec_columns",
    "spec_parameters",
    "ticks_of",
    "to_seconds",
]
