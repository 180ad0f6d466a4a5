"""The local engine: drives one analysis over one dataset, pass by pass, chunk by chunk.

The merge shape is a left fold in chunk order — ``merge(merge(s0, s1), s2)...`` — whose
shape depends only on the number of chunks, so the result is the same for any IO batch
size. The time budget is checked between chunks; the findings are completed with the
rows scanned and validated before they leave the engine.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .analysis import Analysis, AnalysisContext, Budget, DatasetView, Plan
from .errors import BudgetExceeded
from .evidence import validate_finding


@dataclass
class RunResult:
    findings: list[dict]
    rows_scanned: int
    passes: int
    chunks: int
    wall_s: float
    cpu_s: float
    pass_rows: list[int] = field(default_factory=list)
    #: which engine folded the chunks, and how (telemetry only; see engine_dask.py)
    engine: dict = field(default_factory=lambda: {"name": "local"})


ProgressCallback = Callable[[int, int, int], None]  # (pass_index, rows_done, rows_total)
#: Folds one pass: ``fold(analysis, ctx, source, budget, start_wall, progress, done_before,
#: total) -> (state, rows, chunks)``; :func:`_fold_pass` here, the Dask engine's elsewhere.
Fold = Callable[..., tuple[Any, int, int]]


def import_declared(analysis: Analysis) -> None:
    """Import the modules ``analysis`` declares (:attr:`Analysis.imports`), outside the
    network guard; an import that fails is left to fail where the analysis uses it."""
    import importlib

    for name in analysis.imports:
        try:
            importlib.import_module(name)
        except ImportError:
            continue


def plan_for(analysis: Analysis, dataset, budget: Budget) -> Plan | None:
    """The analysis's plan, decided under the network guard (plan() is analysis code too)."""
    from .policy.network import guarded

    with guarded(f"analysis {analysis.id!r} (plan)"):
        return analysis.plan(DatasetView(dataset), budget)


def plan_comparison_for(analysis, dataset_a, dataset_b, budget: Budget) -> Plan | None:
    """A comparison's plan, decided under the network guard like :func:`plan_for`."""
    from .policy.network import guarded

    with guarded(f"analysis {analysis.id!r} (plan)"):
        return analysis.plan_comparison(DatasetView(dataset_a), DatasetView(dataset_b), budget)


def _fold_pass(analysis, ctx, dataset, budget, start_wall, progress, done_before=0, total=None):
    """Fold one pass over ``dataset``'s chunks: (state, rows, chunks)."""
    state = analysis.init(ctx)
    rows = chunks = 0
    total = dataset.row_count if total is None else total
    for chunk in dataset.iter_chunks(
        list(analysis.columns_for_pass(ctx)),
        batch_size=budget.batch_size,
        raw_codes=analysis.reads_missing_codes,
    ):
        part = analysis.update(analysis.init(ctx), chunk, ctx)
        state = analysis.merge(state, part, ctx)
        rows += chunk.num_rows
        chunks += 1
        check_time_limit(analysis, ctx, dataset, budget, start_wall, rows)
        if progress is not None:
            progress(ctx.pass_index, done_before + rows, total)
    return state, rows, chunks


def check_time_limit(analysis, ctx, dataset, budget: Budget, start_wall: float, rows: int) -> None:
    """Between chunks (or chunk ranges): past the time limit, stop with the rows done so
    far (the watchdog interrupts an analysis stuck inside one chunk)."""
    elapsed = time.perf_counter() - start_wall
    if elapsed > budget.time_limit_s:
        raise BudgetExceeded(
            f"{analysis.id} on {dataset.name!r} ran {elapsed:.3g} s, past its time "
            f"limit of {budget.time_limit_s:g} s (pass {ctx.pass_index + 1}, "
            f"{rows:,}/{dataset.row_count:,} rows); raise it with --stat-time-limit",
            threshold=budget.time_limit_s,
            measured=float(f"{elapsed:.3g}"),  # 3 digits: a limit of 1e-6 s is met in µs
        )


def run_comparison(
    analysis,
    dataset_a,
    dataset_b,
    budget: Budget,
    plan: Plan,
    *,
    progress=None,
    fold: Fold | None = None,
) -> RunResult:
    """Run a :class:`ComparisonAnalysis`: each pass folds A's chunks, then B's.

    ``fold``: what folds one side's pass (default: this process, chunk by chunk)."""
    fold = _fold_pass if fold is None else fold
    start_wall = time.perf_counter()
    start_cpu = time.process_time()
    ctx = AnalysisContext(
        analysis, DatasetView(dataset_a), budget, plan, other=DatasetView(dataset_b)
    )
    chunks = 0
    pass_rows: list[int] = []
    total = dataset_a.row_count + dataset_b.row_count
    while True:
        states = {}
        rows = 0
        for side, dataset in (("a", dataset_a), ("b", dataset_b)):
            ctx.side = side
            states[side], side_rows, side_chunks = fold(
                analysis, ctx, dataset, budget, start_wall, progress, rows, total
            )
            rows += side_rows
            chunks += side_chunks
        ctx.side = None
        pass_rows.append(rows)
        ctx.rows_scanned = max(ctx.rows_scanned, rows)
        ctx.previous.append(analysis.end_pass(states, ctx))
        ctx.pass_index += 1
        if not analysis.needs_another_pass(ctx):
            break
    return _finish(analysis, ctx, start_wall, start_cpu, chunks, pass_rows, (dataset_a, dataset_b))


def run_analysis(
    analysis: Analysis,
    dataset,
    budget: Budget,
    plan: Plan,
    *,
    progress: ProgressCallback | None = None,
    memo: dict | None = None,
    fold: Fold | None = None,
) -> RunResult:
    """Run ``analysis`` over ``dataset``.

    ``memo``: a per-process dict in which passes that analyses declare shared
    (:meth:`Analysis.shared_pass_key`) are kept, so they are computed once per dataset.
    ``fold``: what folds one pass (default: this process, chunk by chunk); the pass loop,
    the memo and the findings stay here whatever folds the chunks.
    """
    fold = _fold_pass if fold is None else fold
    start_wall = time.perf_counter()
    start_cpu = time.process_time()
    ctx = AnalysisContext(analysis, DatasetView(dataset), budget, plan)
    chunks = 0
    pass_rows: list[int] = []
    while True:
        key = analysis.shared_pass_key(ctx) if memo is not None else None
        memo_key = (dataset.fingerprint, key) if key is not None else None
        if memo_key is not None and memo_key in memo:
            result, rows = pickle.loads(memo[memo_key]), dataset.row_count
        else:
            grouping = analysis.grouping(ctx)
            source = dataset if grouping is None else dataset.grouped_by(*grouping)
            state, rows, pass_chunks = fold(analysis, ctx, source, budget, start_wall, progress)
            chunks += pass_chunks
            result = analysis.end_pass(state, ctx)
            if memo_key is not None:
                memo[memo_key] = pickle.dumps(result, protocol=5)
        pass_rows.append(rows)
        ctx.rows_scanned = max(ctx.rows_scanned, rows)
        ctx.previous.append(result)
        ctx.pass_index += 1
        if not analysis.needs_another_pass(ctx):
            break
    return _finish(analysis, ctx, start_wall, start_cpu, chunks, pass_rows, (dataset,))


def _redact(findings: list[dict], datasets) -> list[dict]:
    """Secret-looking values replaced (see :mod:`.redaction`), per the dataset's mode."""
    from .redaction import DEFAULT_MODE, redact_findings, secret_columns

    mode = getattr(datasets[0], "redact", DEFAULT_MODE)
    if mode == "none":
        return findings
    secrets: dict[str, str] = {}
    for dataset in datasets:
        if hasattr(dataset, "schema"):
            secrets.update(secret_columns(dataset))
    return redact_findings(findings, secrets, mode)


def _finish(analysis, ctx, start_wall, start_cpu, chunks, pass_rows, datasets) -> RunResult:
    findings = _redact(list(analysis.findings(ctx)), datasets)
    for finding in findings:
        finding["evidence"]["rows_scanned"] = ctx.rows_scanned
        validate_finding(finding, analysis.id)
    _make_ids_unique(analysis, findings)
    return RunResult(
        findings=findings,
        rows_scanned=ctx.rows_scanned,
        passes=ctx.pass_index,
        chunks=chunks,
        wall_s=time.perf_counter() - start_wall,
        cpu_s=time.process_time() - start_cpu,
        pass_rows=pass_rows,
    )


def _make_ids_unique(analysis: Analysis, findings: list[dict]) -> None:
    """Make ids unique or fail. An id spells the subject's column names with characters
    outside ``[A-Za-z0-9_.-]`` turned into ``_``, so the pairs ('a_b', 'c') and ('a',
    'b_c') both read ``columns=a_b_c``: findings whose ids meet with different subjects
    each get a suffix hashed from their exact subject (the same on every run, and ids that
    do not meet keep their plain form). Two findings of one kind and one subject are an
    analysis's bug and fail the item."""
    from .errors import FindingValidationError

    groups: dict[str, list[dict]] = {}
    for finding in findings:
        groups.setdefault(finding["id"], []).append(finding)
    for fid, group in groups.items():
        if len(group) < 2:
            continue
        exact = [json.dumps([f["kind"], f["subject"]], sort_keys=True) for f in group]
        if len(set(exact)) < len(exact):
            raise FindingValidationError(
                f"analysis {analysis.id!r} produced two findings with id {fid!r}; "
                "give them different subjects or kinds"
            )
        for finding, text in zip(group, exact, strict=True):
            finding["id"] = f"{fid}~{hashlib.sha256(text.encode()).hexdigest()[:10]}"
