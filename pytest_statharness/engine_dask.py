"""The Dask engine: the local engine's passes, with chunk ranges folded on Dask workers.

The harness owns the plan; Dask only executes it:

* **Ranges.** A pass over ``n`` canonical chunks is cut into the ranges
  ``[0, k), [k, 2k), ...`` with ``k = max(4, ceil(n / 64))`` (:func:`chunks_per_task`): a
  function of the chunk count only, never of the number of workers, of their speed or of
  arrival order.
* **Tasks.** Each range is one task. The task opens the dataset itself, from its path
  (:class:`DatasetRecipe`: the same arguments the session opened it with, never its rows)
  and checks the fingerprint; it folds its range exactly as :func:`engine._fold_pass` does
  (``state = merge(state, update(init(), chunk))`` in chunk order) and returns the state
  through ``analysis.serialize_state``.
* **Merge.** Two shapes, both fixed by the chunk count alone:

  - ``fold="chunks"`` (the default, exact for every analysis): each task returns the
    state of every chunk of its range (``update(init(), chunk)``), and the client folds
    them in chunk order, ``merge(merge(init(), u0), u1)...``: the local engine's fold
    itself, so the findings are the same bytes by construction. The reads, the decoding
    and the updates (nearly all the work) run on the workers; the merges on the client.
  - ``fold="ranges"``, for an analysis that declares ``associative_merge = True`` (its
    merge is exact and associative for any two states; the conformance suite checks the
    claim): each task folds its range as the local engine would, and the client merges
    the range states left to right in range order, whatever order they arrive in. That
    is the local fold regrouped, so again the same bytes, with one state per task.

  The event-log analyses' shared detection pass is a true left fold (its merge accepts
  only a single chunk's state on the right), so they keep the default.
* **Passes.** Pass by pass, as locally: ``end_pass``, the shared-pass memo and the findings
  run on the client; the next pass's tasks receive ``ctx.previous``. A grouped pass
  (``Analysis.grouping``) is folded over the grouped copy, built once by the client under
  the run's home and opened by the workers from there.
* **Faults.** Tasks are pure functions of their arguments, so a task lost with its worker
  is rerun by Dask elsewhere with the same result. Tasks that cannot run on the workers
  at all (an analysis class the workers cannot import) fall back to folding in this
  process, and the reason is recorded in the item's telemetry (``engine.local_passes``).

Only the client imports dask (this module is imported when ``--stat-engine dask`` is
given); the functions the workers run are the module-level ones below.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .analysis import Analysis, AnalysisContext, Budget, DatasetView
from .engine import check_time_limit, import_declared
from .errors import EngineError, StatHarnessError
from .options import DASK_INSTALL_HINT as INSTALL_HINT
from .options import dask_missing

#: Chunks per task at least (65,536-row chunks: 256k rows), and tasks per pass at most:
#: past 256 chunks (16.8M rows) ranges grow so a pass stays at 64 tasks. Both depend on
#: the chunk count only.
CHUNKS_PER_TASK = 4
#: how long closing the client and a local cluster may take before its workers are killed
CLOSE_TIMEOUT_S = 30.0
MAX_TASKS_PER_PASS = 64


def chunks_per_task(chunks: int) -> int:
    """The range length for a pass over ``chunks`` chunks (a function of the count only)."""
    return max(CHUNKS_PER_TASK, -(-chunks // MAX_TASKS_PER_PASS))


def plan_ranges(chunks: int, per_task: int | None = None) -> list[tuple[int, int]]:
    """The chunk ranges of one pass: ``[i*k, min((i+1)*k, chunks))``; data-independent
    (``k``: :func:`chunks_per_task` unless given)."""
    per_task = chunks_per_task(chunks) if per_task is None else per_task
    if per_task < 1:
        raise ValueError(f"chunks per task must be at least 1, not {per_task}")
    return [(start, min(start + per_task, chunks)) for start in range(0, chunks, per_task)]


# -- what a worker needs to open a dataset -------------------------------------------------
@dataclass(frozen=True)
class DatasetRecipe:
    """How to open one of the session's datasets again, on a worker: the arguments the
    session gave :func:`open_dataset` (absolute paths), what the session set on it after,
    and its fingerprint, which the worker checks (a different file is an error, not a
    different result)."""

    name: str
    location: str
    root: str
    meta_dir: str | None
    cache_dir: str | None
    spill_dir: str | None
    spec: Any
    redact: str
    fingerprint: str
    chunk_rows: int
    cache_compression: str | None = None
    cache_max_bytes: int | None = None
    analysis_settings: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(
        cls,
        dataset: Any,
        *,
        location: str,
        root: Path,
        meta_dir: Path | None,
        cache_dir: Path | None,
        cache_compression: str | None = None,
        cache_max_bytes: int | None = None,
    ) -> DatasetRecipe:
        return cls(
            name=dataset.name,
            location=location,
            root=str(root),
            meta_dir=None if meta_dir is None else str(meta_dir),
            cache_dir=None if cache_dir is None else str(cache_dir),
            spill_dir=None if dataset.spill_dir is None else str(dataset.spill_dir),
            spec=dataset.spec,
            redact=getattr(dataset, "redact", "hash"),
            fingerprint=dataset.fingerprint,
            chunk_rows=dataset.chunk_rows,
            cache_compression=cache_compression,
            cache_max_bytes=cache_max_bytes,
        )

    def cache_options(self) -> dict[str, Any]:
        """The session's cache codec and size cap, for a worker's open_dataset (nothing
        when the recipe was made without them: the defaults then hold)."""
        if self.cache_compression is None:
            return {}
        return {
            "cache_compression": self.cache_compression,
            "cache_max_bytes": self.cache_max_bytes,
        }

    def with_settings(self, dataset: Any) -> DatasetRecipe:
        """This recipe with the analysis settings the session has resolved by now."""
        values = tuple(sorted(dict(getattr(dataset, "analysis_settings", {})).items()))
        if values == self.analysis_settings:
            return self
        return DatasetRecipe(**{**self.__dict__, "analysis_settings": values})


#: Datasets opened by this (worker) process, by (name, fingerprint): a worker opens each
#: dataset once, whatever the number of tasks it runs.
_OPENED: dict[tuple[str, str], Any] = {}
_OPENED_LOCK = threading.Lock()


def open_recipe(recipe: DatasetRecipe) -> Any:
    """The dataset of ``recipe``, opened in this process (once) and checked."""
    key = (recipe.name, recipe.fingerprint)
    with _OPENED_LOCK:
        dataset = _OPENED.get(key)
        if dataset is None:
            from .dataset import open_dataset

            dataset = open_dataset(
                recipe.name,
                recipe.location,
                meta_dir=None if recipe.meta_dir is None else Path(recipe.meta_dir),
                root=Path(recipe.root),
                cache_dir=None if recipe.cache_dir is None else Path(recipe.cache_dir),
                **recipe.cache_options(),
                spec=recipe.spec,
                chunk_rows=recipe.chunk_rows,
            )
            if dataset.fingerprint != recipe.fingerprint:
                raise EngineError(
                    f"dataset {recipe.name!r}: the file a Dask worker reads has fingerprint "
                    f"{dataset.fingerprint}, the session's {recipe.fingerprint}; the workers "
                    "must see the very same file"
                )
            dataset.spill_dir = None if recipe.spill_dir is None else Path(recipe.spill_dir)
            dataset.redact = recipe.redact
            _OPENED[key] = dataset
    dataset.analysis_settings = dict(recipe.analysis_settings)
    return dataset


def _exempt_engine_threads() -> None:
    """On a Dask worker: its event loop (the main thread) carries the engine's traffic
    (heartbeats, results, a restarted worker's connections); the task's own thread stays
    under the network guard, which it enters to run analysis code (see policy.network).
    Nothing is exempted outside a worker (the in-process executor of the tests)."""
    try:
        from distributed import get_worker

        get_worker()
    except (ImportError, ValueError):
        return
    from .policy.network import exempt_thread

    exempt_thread(threading.main_thread().ident)


def probe_worker(recipes: tuple[DatasetRecipe, ...]) -> str | None:
    """Run on every worker at session start: open each dataset; the problem, or None."""
    _exempt_engine_threads()
    for recipe in recipes:
        try:
            open_recipe(recipe)
        except (StatHarnessError, OSError) as exc:
            return str(exc)
    return None


@dataclass(frozen=True)
class RangeTask:
    """Everything one task needs, sent explicitly (nothing through the environment)."""

    recipes: tuple[DatasetRecipe, ...]  # the item's datasets (a comparison: A then B)
    side: int  # which of them this pass reads
    grouping: tuple[str, str] | None
    analysis: Analysis
    budget: Budget
    plan: Any
    pass_index: int
    previous: bytes  # pickled ctx.previous
    rows_scanned: int
    side_name: str | None
    network_mode: str
    per_chunk: bool


def fold_range(task: RangeTask, start: int, stop: int) -> tuple[list[bytes], int, int]:
    """Fold chunks ``[start, stop)`` exactly as the local engine folds a pass.

    Returns (serialised states, rows, chunks): one state for the range, or one per chunk
    when the analysis's merge is not associative (the client then folds them in order).
    """
    from .policy.network import guarded

    _exempt_engine_threads()
    datasets = [open_recipe(r) for r in task.recipes]
    ctx = AnalysisContext(
        task.analysis,
        DatasetView(datasets[0]),
        task.budget,
        task.plan,
        other=DatasetView(datasets[1]) if len(datasets) > 1 else None,
    )
    ctx.pass_index = task.pass_index
    ctx.previous = pickle.loads(task.previous)  # noqa: S301 - sent by our own client
    ctx.rows_scanned = task.rows_scanned
    ctx.side = task.side_name
    source = datasets[task.side]
    if task.grouping is not None:
        source = source.grouped_by(*task.grouping)
    analysis = task.analysis
    out: list[bytes] = []
    rows = chunks = 0
    # as in the session's item: an analysis may write under the spill folders (the hash
    # spills of duplicate_rows / duplicate_keys, read back by the client)
    spills = [Path(d.spill_dir) for d in datasets if getattr(d, "spill_dir", None) is not None]
    for folder in spills:
        folder.mkdir(parents=True, exist_ok=True)  # before the guard is on
    import_declared(analysis)  # before the guard too: an import may start a process
    with guarded(f"analysis {analysis.id!r}", task.network_mode, writable=spills):
        columns = list(analysis.columns_for_pass(ctx))
        state = None if task.per_chunk else analysis.init(ctx)
        for chunk in source.iter_chunks(
            columns,
            batch_size=task.budget.batch_size,
            start=start,
            stop=stop,
            raw_codes=analysis.reads_missing_codes,
        ):
            part = analysis.update(analysis.init(ctx), chunk, ctx)
            if task.per_chunk:
                out.append(analysis.serialize_state(part))
            else:
                state = analysis.merge(state, part, ctx)
            rows += chunk.num_rows
            chunks += 1
        if not task.per_chunk:
            out.append(analysis.serialize_state(state))
    return out, rows, chunks


# -- the client side --------------------------------------------------------------------
Executor = Callable[[RangeTask, list[tuple[int, int]]], Iterator[tuple[list[bytes], int, int]]]


def in_process_executor(
    task: RangeTask, ranges: list[tuple[int, int]]
) -> Iterator[tuple[list[bytes], int, int]]:
    """Run the tasks here, one after the other (tests of the plan without a cluster)."""
    for start, stop in ranges:
        yield fold_range(task, start, stop)


class CannotDistribute(Exception):
    """A pass that cannot run on the workers; folded in this process instead."""


@dataclass
class DistributedFold:
    """The ``fold`` the local engine's pass loop calls: one pass as range tasks.

    ``recipes``: the item's datasets by name. ``record`` collects what the item's telemetry
    reports (tasks run, passes folded locally and why).
    """

    executor: Executor
    recipes: dict[str, DatasetRecipe]
    network_mode: str
    #: None: :func:`chunks_per_task` of the pass's chunk count; a number forces it (tests)
    chunks_per_task: int | None = None
    #: None: as the analysis declares (``associative_merge``); True/False forces (tests)
    per_chunk: bool | None = None
    record: dict = field(default_factory=lambda: {"tasks": 0, "fold": None, "local_passes": []})

    def __call__(
        self,
        analysis: Analysis,
        ctx: AnalysisContext,
        source: Any,
        budget: Budget,
        start_wall: float,
        progress: Callable[[int, int, int], None] | None,
        done_before: int = 0,
        total: int | None = None,
    ) -> tuple[Any, int, int]:
        from .engine import _fold_pass

        grouping = None
        dataset = source
        if hasattr(source, "group") and hasattr(source, "dataset"):  # a grouped view
            grouping, dataset = (source.group, source.order), source.dataset
        names = [ctx.dataset.name] + ([ctx.other.name] if ctx.other is not None else [])
        try:
            recipes = tuple(self.recipes[n] for n in names)
            task = RangeTask(
                recipes=recipes,
                side=names.index(dataset.name),
                grouping=grouping,
                analysis=analysis,
                budget=budget,
                plan=ctx.plan,
                pass_index=ctx.pass_index,
                previous=pickle.dumps(ctx.previous, protocol=5),
                rows_scanned=ctx.rows_scanned,
                side_name=ctx.side,
                network_mode=self.network_mode,
                per_chunk=(
                    not getattr(analysis, "associative_merge", False)
                    if self.per_chunk is None
                    else self.per_chunk
                ),
            )
            ranges = plan_ranges(source.chunk_count(), self.chunks_per_task)
            self.record["fold"] = "chunks" if task.per_chunk else "ranges"
            self.record["chunks_per_task"] = ranges[0][1] - ranges[0][0] if ranges else 0
            return self._run(
                analysis,
                ctx,
                task,
                ranges,
                budget,
                start_wall,
                progress,
                done_before,
                total,
                dataset,
            )
        except CannotDistribute as exc:
            self.record["local_passes"].append(
                {"pass": ctx.pass_index + 1, "side": ctx.side, "reason": str(exc)}
            )
            return _fold_pass(
                analysis, ctx, source, budget, start_wall, progress, done_before, total
            )

    def _run(
        self,
        analysis: Analysis,
        ctx: AnalysisContext,
        task: RangeTask,
        ranges: list[tuple[int, int]],
        budget: Budget,
        start_wall: float,
        progress: Callable[[int, int, int], None] | None,
        done_before: int,
        total: int | None,
        dataset: Any,
    ) -> tuple[Any, int, int]:
        total = dataset.row_count if total is None else total
        state = analysis.init(ctx)
        rows = chunks = 0
        for states, range_rows, range_chunks in self.executor(task, ranges):
            for blob in states:  # in range order, then chunk order: never arrival order
                state = analysis.merge(state, analysis.deserialize_state(blob), ctx)
            rows += range_rows
            chunks += range_chunks
            self.record["tasks"] += 1
            check_time_limit(analysis, ctx, dataset, budget, start_wall, rows)
            if progress is not None:
                progress(ctx.pass_index, done_before + rows, total)
        if rows != dataset.row_count:  # the plan must cover every row, once
            raise EngineError(
                f"{analysis.id} on {dataset.name!r}: the Dask tasks of pass "
                f"{ctx.pass_index + 1} read {rows:,} rows, the dataset has "
                f"{dataset.row_count:,}; this is a bug of the harness's chunk plan"
            )
        return state, rows, chunks


class DaskEngine:
    """The session's connection to a Dask cluster (started here, or an existing one).

    Made once per pytest process: by the controller (which starts the local cluster when
    no scheduler is given, and stops it at the end) and by each xdist worker, which
    connects to the controller's scheduler as one more client.
    """

    def __init__(self, client, cluster=None) -> None:
        self.client = client
        self.cluster = cluster

    # -- lifecycle ----------------------------------------------------------------------
    @classmethod
    def connect(cls, address: str | None, n_workers: int) -> DaskEngine:
        """Connect to ``address``, or start a local cluster of ``n_workers`` processes."""
        missing = dask_missing()
        if missing is not None:
            raise EngineError(INSTALL_HINT)
        import dask
        from distributed import Client, LocalCluster

        cluster = None
        timeout = dask.config.get("distributed.comm.timeouts.connect")
        try:
            if address is None:
                cluster = LocalCluster(
                    n_workers=n_workers,
                    threads_per_worker=1,
                    processes=True,
                    # the scheduler serves HTTP (metrics) even without a dashboard, on 8787
                    # by default: a free port, so two sessions never collide
                    dashboard_address=":0",
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster, set_as_default=False)
            else:
                client = Client(address, timeout=timeout, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            if cluster is not None:
                cluster.close()
            where = address or "a local cluster"
            raise EngineError(
                f"--stat-engine dask: cannot reach the Dask scheduler at {where} "
                f"({_one_line(exc)}); start it, or check --stat-dask-scheduler"
            ) from None
        engine = cls(client, cluster)
        engine._exempt_client_threads()
        return engine

    def _exempt_client_threads(self) -> None:
        """The client's and the cluster's event loops carry the engine's own traffic (and
        restart lost workers); the network guard leaves them alone (see policy.network)."""
        from .policy.network import exempt_thread

        async def ident() -> int:
            return threading.get_ident()

        exempt_thread(self.client.sync(ident))
        if self.cluster is not None:
            exempt_thread(self.cluster.sync(ident))

    @property
    def address(self) -> str:
        return self.client.scheduler.address

    def probe(self, recipes: Iterable[DatasetRecipe], wait_s: float = 30.0) -> None:
        """Check every worker can open every dataset; one line about the first that cannot."""
        recipes = tuple(recipes)
        try:
            self.client.wait_for_workers(1, timeout=wait_s)
        except TimeoutError:
            raise EngineError(
                f"--stat-engine dask: the scheduler at {self.address} has no worker after "
                f"{wait_s:g} s; start workers (dask worker {self.address})"
            ) from None
        answers = self.client.run(probe_worker, recipes)
        for worker, problem in sorted(answers.items()):
            if problem:
                raise EngineError(f"--stat-engine dask: worker {worker}: {problem}")

    def close(self) -> None:
        try:
            self.client.close(timeout=CLOSE_TIMEOUT_S)
        except Exception as exc:  # a client that cannot say goodbye changes no finding
            _say(f"--stat-engine dask: closing the client: {_one_line(exc)}")
        finally:
            if self.cluster is not None:
                close_cluster(self.cluster)

    # -- running ------------------------------------------------------------------------
    def executor(
        self, task: RangeTask, ranges: list[tuple[int, int]]
    ) -> Iterator[tuple[list[bytes], int, int]]:
        """Submit one task per range; yield their results in range order.

        Each result is released as soon as it is merged, so the client holds at most the
        states that arrived ahead of the one it waits for.
        """
        futures = [
            self.client.submit(
                fold_range,
                task,
                start,
                stop,
                pure=False,
                key=f"statharness-{task.analysis.id}-p{task.pass_index}-s{task.side}-{start}-"
                + _token(),
            )
            for start, stop in ranges
        ]
        try:
            for i, future in enumerate(futures):
                try:
                    result = future.result()
                except (ModuleNotFoundError, AttributeError) as exc:
                    if i == 0:
                        raise CannotDistribute(
                            f"the workers cannot load analysis {task.analysis.id!r} "
                            f"({_one_line(exc)}): folded in the client process"
                        ) from None
                    raise
                futures[i] = None  # type: ignore[call-overload]
                future.release()
                yield result
        finally:
            for future in futures:
                if future is not None:
                    future.cancel()

    def fold_for(self, recipes: dict[str, DatasetRecipe], network_mode: str) -> DistributedFold:
        return DistributedFold(self.executor, recipes, network_mode)


def _token() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


def _say(line: str) -> None:
    """One line on stderr for a problem after the findings are written (nothing to fail)."""
    print(line, file=sys.stderr, flush=True)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."


def close_cluster(cluster, timeout_s: float = CLOSE_TIMEOUT_S) -> None:
    """Close a local cluster within ``timeout_s``; its worker processes still alive then
    are killed.

    Why: ``LocalCluster.close()`` has no deadline of its own, and was seen waiting forever
    on its workers after a session had finished (a test run held until CI's deadline). A
    session must end: the findings are already written when the engine closes.
    """
    import psutil

    pids = [getattr(worker, "pid", None) for worker in list(cluster.workers.values())]
    try:
        cluster.close(timeout=timeout_s)
        return
    except Exception as exc:  # TimeoutError, or a close that failed half-way
        _say(
            f"--stat-engine dask: the local cluster did not close in {timeout_s:g} s "
            f"({_one_line(exc)}); killing its workers"
        )
    own = os.getpid()
    for worker in list(cluster.workers.values()):
        if hasattr(worker, "auto_restart"):
            worker.auto_restart = False  # a nanny would start the killed worker again
    for pid in pids:
        try:
            proc = psutil.Process(pid) if pid else None
            if proc is not None and proc.ppid() == own:  # ours, not a reused pid
                proc.kill()
        except psutil.Error:
            pass
