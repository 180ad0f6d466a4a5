"""The analysis contract: metadata plus a mergeable, multi-pass accumulator.

An analysis never reads files. The engine (:mod:`.engine`) feeds it canonical chunks and
drives, for every pass::

    state = init(ctx)                      # empty state
    for each chunk:  s = update(init(ctx), chunk, ctx); state = merge(state, s, ctx)
    result = end_pass(state, ctx)          # appended to ctx.previous
    ... while needs_another_pass(ctx)
    findings(ctx)                          # built with ctx.finding(...)

Rules that make results deterministic (tested by the conformance suite for every
registered analysis): ``merge`` never modifies its second argument, uses exact or
order-independent operations (integer counts, min/max, ``math.fsum`` over partial sums,
sorted merges) and gives the same answer for the same chunk sequence; ``update`` uses no
BLAS or multithreaded reductions; a randomised step takes its seed from ``chunk.index``.

Empty input, decided once for every analysis: an analysis whose columns hold no valid
value reports the counts it has (zero) and ``null`` for every statistic that needs data.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, ClassVar

from .column_kinds import ColumnKind
from .column_roles import ColumnRole
from .evidence import FINDING_SCHEMA_VERSION, finding_id
from .precision import declared_for


@dataclass(frozen=True)
class Budget:
    """What one item may spend. Caps bound complexity, never rows."""

    batch_size: int
    max_columns: int
    max_pairs: int
    max_groups: int
    max_windows: int
    max_findings: int
    time_limit_s: float
    distinct_cap: int
    #: Memory an analysis's state may hold, in MB (a partitioned analysis chooses its
    #: partition count from it). Not a cap: it changes how many passes run, never a result,
    #: so it is not cited in evidence (see :meth:`caps`).
    memory_mb: int = 256

    def caps(self) -> dict[str, int]:
        """The caps that can shape a result (cited in evidence; IO batch size and time are not)."""
        return {
            "max_columns": self.max_columns,
            "max_pairs": self.max_pairs,
            "max_groups": self.max_groups,
            "max_windows": self.max_windows,
            "max_findings": self.max_findings,
            "distinct_cap": self.distinct_cap,
        }


class MemoryModel(StrEnum):
    """How an analysis's memory grows with the data (declared on every analysis, shown in
    the catalogue; the conformance suite fails an analysis that does not declare one).

    Rows never count: streaming makes every model independent of the row count except
    through distinct values (capped) or partitions (chosen from ``Budget.memory_mb``)."""

    #: fixed-size state (counts, sums, fixed histograms, bounded by the column caps)
    CONSTANT = "constant"
    #: one entry per distinct value (or level, day, pair) up to a budget cap
    PER_DISTINCT = "per distinct value up to a cap"
    #: per-row work split into hash or key partitions sized from ``Budget.memory_mb``
    #: (more passes, or partitions spilled under the session's folder, when data grows)
    PARTITIONED = "partitioned"


@dataclass(frozen=True)
class Setting:
    """A setting an analysis takes, declared on the class (``settings = (Setting(...),)``).

    ``name`` is dotted, ``family.key`` (``eventlog.case``); users give it with
    ``--stat-set NAME=VALUE``, the ini key ``stat_settings`` or the environment variable
    ``env``, and the analysis reads the parsed value from ``dataset.settings[name]`` (absent
    when not given). ``parse`` turns the text into the value and raises ``ValueError`` with
    a message for a bad one; the session stops with that message as a usage error.
    ``column=True`` settings name a column, checked against the session's datasets.
    """

    name: str
    help: str
    env: str | None = None
    parse: Callable[[str], Any] = str
    #: the value names a column: one no dataset of the session has is a usage error
    column: bool = False


LEFT_OUT_SHOWN = 20  # left-out columns named in a finding's evidence; the rest are counted


def summarise_left_out(left_out: dict[str, Any]) -> dict[str, Any]:
    """A plan's ``left_out`` as a finding's evidence cites it: bounded.

    Why: every finding of an item cites its plan's ``left_out``; on a 10,000-column table
    that repeated a 9,800-name list in every finding (134 MB of snapshots). A list or
    mapping longer than :data:`LEFT_OUT_SHOWN` keeps its first entries and gains
    ``<key>_count``, the total; shorter ones are cited whole, unchanged. The names left
    out follow from the dataset's schema and the plan, so nothing is lost.
    """
    out: dict[str, Any] = {}
    for key, value in left_out.items():
        if isinstance(value, list | tuple) and len(value) > LEFT_OUT_SHOWN:
            out[key] = list(value[:LEFT_OUT_SHOWN])
            out[f"{key}_count"] = len(value)
        elif isinstance(value, dict) and len(value) > LEFT_OUT_SHOWN:
            out[key] = dict(list(value.items())[:LEFT_OUT_SHOWN])
            out[f"{key}_count"] = len(value)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class Plan:
    """What an analysis will read on a dataset, decided before any row is read."""

    columns: tuple[str, ...]
    params: dict[str, Any] = field(default_factory=dict)
    left_out: dict[str, Any] = field(default_factory=dict)


class DatasetView:
    """What an analysis may know about the dataset: names, kinds, counts — never its file."""

    def __init__(self, dataset) -> None:
        self.name: str = dataset.name
        self.fingerprint: str = dataset.fingerprint
        self.row_count: int = dataset.row_count
        self.columns = dataset.columns
        self.kpis: dict[str, str] = dict(getattr(dataset, "kpis", {}))
        self.targets: tuple[str, ...] = tuple(getattr(dataset, "targets", ()))
        #: The first column presumed the outcome when none is named or declared
        #: (``roles.outcome_by_position``): its strongest pairs only are lifted.
        self.presumed_outcome: str | None = getattr(dataset, "presumed_outcome", None)
        #: (event flag, follow-up time) pairs of a survival table (``roles.survival_pairs``):
        #: associated by construction (an event ends the follow-up).
        self.survival_pairs: tuple[tuple[str, str], ...] = tuple(
            getattr(dataset, "survival_pairs", ())
        )
        #: Categories and flags named as a trial's arms (``roles.treatments_by_name``):
        #: their pairs get an outcome's bar.
        self.treatments: tuple[str, ...] = tuple(getattr(dataset, "treatments", ()))
        #: The count column of a contingency table in long form (``Freq``): the number of
        #: observations each row stands for (``roles.settle_frequency_weight``), or None.
        self.frequency_weight: str | None = getattr(dataset, "frequency_weight", None)
        #: Whether ``targets`` are declared (else named like an outcome).
        self.targets_declared: bool = bool(getattr(dataset, "targets_declared", False))
        spec = getattr(dataset, "spec", None)
        #: Declarations of the dataset spec (empty without one); its hash is in the evidence.
        self.spec_hash: str | None = spec.hash if spec is not None else None
        self.bounds: dict = spec.bounds() if spec is not None else {}
        self.eventlog: dict[str, str] = spec.eventlog if spec is not None else {}
        self.cycles: tuple[str, ...] = spec.cycles if spec is not None else ()
        self.time_zone: str | None = spec.time_zone if spec is not None else None
        #: The run's analysis settings (see :class:`Setting`), name -> parsed value.
        self.settings: dict[str, Any] = dict(getattr(dataset, "analysis_settings", {}))
        #: The session's folder for spilled copies (None: none given, keep data in memory).
        self.spill_dir = getattr(dataset, "spill_dir", None)
        #: Missing-value codes per column, read as nulls (declared, or found in the data).
        self.missing_codes: dict[str, tuple[float, ...]] = dict(
            getattr(dataset, "missing_codes", {})
        )
        self.missing_code_rows: dict[str, int] = dict(getattr(dataset, "missing_code_rows", {}))
        #: Columns the harness derives (a date from year and quarter) -> the columns they
        #: are made of, year first.
        self.derived_from: dict[str, tuple[str, ...]] = {
            name: d.parts for name, d in getattr(dataset, "derived", {}).items()
        }
        self._dataset = dataset

    def columns_of(
        self, *kinds: ColumnKind, roles: Sequence[ColumnRole] | None = None
    ) -> list[str]:
        """Columns of these kinds; with ``roles``, only those whose role is one of them."""
        return self._dataset.columns_of(*kinds, roles=roles)

    def kind(self, column: str) -> ColumnKind:
        return self._dataset.column(column).kind

    def role(self, column: str) -> ColumnRole:
        return self._dataset.column(column).role

    def roles_left_out(
        self, kinds: Sequence[ColumnKind], roles: Sequence[ColumnRole] | None
    ) -> dict[str, str]:
        """Columns of these kinds that ``roles`` excludes, with their roles (for evidence)."""
        if roles is None:
            return {}
        return {
            c: str(self.role(c))
            for c in self._dataset.columns_of(*kinds)
            if self.role(c) not in roles
        }

    def column(self, column: str):
        return self._dataset.column(column)


@dataclass
class AnalysisContext:
    """Per-item context handed to every accumulator call."""

    analysis: Analysis
    dataset: DatasetView
    budget: Budget
    plan: Plan
    pass_index: int = 0
    previous: list[Any] = field(default_factory=list)
    rows_scanned: int = 0
    # Comparisons only: the second dataset, and which side the current chunk comes from.
    other: DatasetView | None = None
    side: str | None = None

    @property
    def columns(self) -> tuple[str, ...]:
        return self.plan.columns

    @property
    def params(self) -> dict[str, Any]:
        return self.plan.params

    def finding(
        self,
        *,
        kind: str,
        title: str,
        subject: dict[str, Any],
        values: dict[str, Any],
        units: dict[str, str],
        severity: str = "info",
        intervals: dict[str, Sequence[Any]] | None = None,
        error_bounds: dict[str, Any] | None = None,
        columns: Sequence[str] | None = None,
        example_rows: Sequence[int] | None = None,
        parameters: dict[str, Any] | None = None,
        recommendation: dict[str, Any] | None = None,
        exact: bool | None = None,
        precision: dict[str, int] | None = None,
    ) -> dict[str, Any]:
        """Build one finding with its evidence. The engine adds rows scanned and validates.

        ``precision`` declares, for this finding, the significant digits some values are
        stable to (over the analysis's ``precision``; see :mod:`.precision`)."""
        meta = self.analysis
        measurement: dict[str, Any] = {"values": dict(values), "units": dict(units)}
        if intervals:
            measurement["intervals"] = {k: list(v) for k, v in intervals.items()}
        if error_bounds:
            measurement["error_bounds"] = dict(error_bounds)
        evidence: dict[str, Any] = {
            "method": meta.method,
            "reference": meta.reference,
            "parameters": {**self.plan.params, **(parameters or {})},
            "budget": self.budget.caps(),
            "columns": list(columns if columns is not None else self.plan.columns),
            "rows_scanned": 0,
            **({"dataset_spec": self.dataset.spec_hash} if self.dataset.spec_hash else {}),
            "exact": meta.exact if exact is None else exact,
            "dataset_fingerprint": self.dataset.fingerprint,
        }
        if self.other is not None:
            evidence["compared_dataset_fingerprint"] = self.other.fingerprint
        if example_rows is not None:
            evidence["example_rows"] = [int(r) for r in example_rows]
        if self.plan.left_out:
            evidence["left_out"] = summarise_left_out(self.plan.left_out)
        declared = declared_for(values, meta.precision, precision)
        if declared:
            evidence["precision"] = declared
        out = {
            "schema_version": FINDING_SCHEMA_VERSION,
            "id": finding_id(meta.id, kind, subject),
            "analysis_id": meta.id,
            "kind": kind,
            "title": title,
            "severity": severity,
            "subject": dict(subject),
            "measurement": measurement,
            "evidence": evidence,
        }
        if recommendation is not None:
            out["recommendation"] = dict(recommendation)
        return out


class Analysis:
    """Base class of analyses. Subclasses set the metadata and the accumulator methods.

    Metadata (class attributes):
        id: unique, lower_snake_case; the item name is ``{id}[{dataset}]``.
        family: one word (profile, distribution, relationships, time, quality, eventlog,
            recommendations, drift); becomes a marker.
        title: a short human title.
        requires: column kinds; the analysis is collected for a dataset having any of them.
        roles: column roles it analyses (None: any); an identifier, a calendar part or a
            clock code is stored as a number but is not a measurement, so an analysis of
            quantities sets ``roles = MEASURE_ROLES``. Columns left out by role are cited
            in the plan's ``left_out["by_role"]``.
        exact: whether every value it reports is exact (else ``error_bound`` says how far).
        passes: the number of passes it makes (an upper bound when it can stop earlier).
        method / reference: what is computed and the literature or documentation behind it.
        access: the data-access pattern, for the generated catalogue.
        memory_heavy: never run at the same time as another memory-heavy item.
        memory_model: a :class:`MemoryModel`, required (the conformance suite checks it);
            ``memory_note`` says what the state holds, for the catalogue.
        precision: ``{value name: significant digits}`` for the values that are not exact
            (scipy special functions, iterative solvers, libm); the snapshot stores them
            rounded to that many digits (:mod:`pytest_statharness.precision`).
    """

    id: ClassVar[str]
    family: ClassVar[str]
    title: ClassVar[str]
    requires: ClassVar[tuple[ColumnKind, ...]] = ()
    roles: ClassVar[tuple[ColumnRole, ...] | None] = None
    exact: ClassVar[bool] = True
    error_bound: ClassVar[str | None] = None
    # significant digits of the values that are not exact (see pytest_statharness.precision)
    precision: ClassVar[dict[str, int]] = {}
    passes: ClassVar[int] = 1
    method: ClassVar[str]
    reference: ClassVar[str]
    access: ClassVar[str] = "streamed canonical chunks"
    memory_heavy: ClassVar[bool] = False
    #: required: no default, so an analysis that forgets it fails the conformance suite
    memory_model: ClassVar[MemoryModel | None] = None
    memory_note: ClassVar[str] = ""
    golden: ClassVar[str | None] = None
    compares: ClassVar[bool] = False
    #: settings this analysis takes (see :class:`Setting`), read from ``dataset.settings``
    settings: ClassVar[tuple[Setting, ...]] = ()
    #: Declare True when ``merge(merge(a, b), c)`` equals ``merge(a, merge(b, c))`` bit for
    #: bit for any states (accumulated ones too, not only single-chunk ones as ``b``) and
    #: ``merge(init(), s)`` equals ``s``: the Dask engine then folds chunk ranges on the
    #: workers and merges the range states (the conformance suite checks the claim). False
    #: (the default, always exact): the workers return one state per chunk and the client
    #: folds them in chunk order, exactly as the local engine does.
    associative_merge: ClassVar[bool] = False
    #: Modules the harness imports before the analysis runs under the network guard: an
    #: analysis that imports a heavy module on first use (the built-in ones load
    #: ``scipy.stats`` lazily, see ``analyses/_shared/lazy_scipy.py``) names it here,
    #: because some versions start a process or load native code while importing, which
    #: the guard refuses inside the run.
    imports: ClassVar[tuple[str, ...]] = ()
    #: True for the analysis that reports missing-value codes (999 for "not known"): it
    #: reads them as written; every other analysis reads them as nulls
    #: (``pytest_statharness.dataset.missing_codes``).
    reads_missing_codes: ClassVar[bool] = False

    # -- planning ---------------------------------------------------------------
    def plan(self, dataset: DatasetView, budget: Budget) -> Plan | None:
        """Decide the columns to read. None: the analysis does not apply (not collected).

        The default takes every column of the required kinds, up to ``max_columns``, and
        records the ones left out.
        """
        columns = dataset.columns_of(*self.requires, roles=self.roles)
        if not columns:
            return None
        kept = columns[: budget.max_columns]
        left = columns[budget.max_columns :]
        left_out = {"columns": left, "cap": "max_columns"} if left else {}
        by_role = dataset.roles_left_out(self.requires, self.roles)
        if by_role:
            left_out["by_role"] = by_role
        return Plan(tuple(kept), {}, left_out)

    def columns_for_pass(self, ctx: AnalysisContext) -> Sequence[str]:
        """Columns read in pass ``ctx.pass_index`` (default: the plan's columns)."""
        return ctx.plan.columns

    def grouping(self, ctx: AnalysisContext) -> tuple[str, str] | None:
        """Read pass ``ctx.pass_index`` with the rows grouped by a column, ordered by a
        second one within a group: ``(group, order)``. The engine then feeds chunks of a
        grouped copy the dataset layer spills to disk (bounded memory); their
        ``Chunk.positions`` (and ``positions_of``) are the dataset's own row positions. None (the default): the
        dataset's own order."""
        return None

    # -- the accumulator ----------------------------------------------------------
    def init(self, ctx: AnalysisContext) -> Any:
        raise NotImplementedError

    def update(self, state: Any, chunk, ctx: AnalysisContext) -> Any:
        raise NotImplementedError

    def merge(self, a: Any, b: Any, ctx: AnalysisContext) -> Any:
        raise NotImplementedError

    def end_pass(self, state: Any, ctx: AnalysisContext) -> Any:
        return state

    def needs_another_pass(self, ctx: AnalysisContext) -> bool:
        return len(ctx.previous) < self.passes

    def shared_pass_key(self, ctx: AnalysisContext) -> Any | None:
        """Name this pass's result when other analyses compute the very same pass.

        Several analyses may start with the same pass (e.g. detecting an event log's
        columns). Return a hashable key that captures everything the pass's result depends
        on besides the dataset (code version, columns, parameters, caps), and the engine
        computes it once per process and dataset, handing later analyses a copy. None (the
        default): the pass is never shared.
        """
        return None

    def findings(self, ctx: AnalysisContext) -> list[dict[str, Any]]:
        raise NotImplementedError

    # -- state wire format (distributed engine) ---------------------------------------
    def serialize_state(self, state: Any) -> bytes:
        return pickle.dumps(state, protocol=5)

    def deserialize_state(self, data: bytes) -> Any:
        return pickle.loads(data)  # noqa: S301 - states come from our own workers


class ComparisonAnalysis(Analysis):
    """An analysis of two datasets together, run for ``--stat-compare A:B`` as ``id[A:B]``.

    The engine runs every pass over A's chunks (``ctx.side == "a"``) and then B's
    (``ctx.side == "b"``), folding each side separately; ``end_pass`` receives
    ``{"a": state_a, "b": state_b}``. ``ctx.dataset`` is A's view, ``ctx.other`` B's.
    """

    compares: ClassVar[bool] = True

    def plan(self, dataset: DatasetView, budget: Budget) -> Plan | None:
        return None  # never collected for a single dataset

    def plan_comparison(self, a: DatasetView, b: DatasetView, budget: Budget) -> Plan | None:
        """Columns present in both datasets with the same kind among ``requires``."""
        columns = [
            c
            for c in a.columns_of(*self.requires, roles=self.roles)
            if c in b.columns_of(*self.requires, roles=self.roles) and a.kind(c) == b.kind(c)
        ]
        if not columns:
            return None
        kept, left = columns[: budget.max_columns], columns[budget.max_columns :]
        return Plan(tuple(kept), {}, {"columns": left, "cap": "max_columns"} if left else {})


__all__ = [
    "Analysis",
    "AnalysisContext",
    "Budget",
    "ComparisonAnalysis",
    "DatasetView",
    "MemoryModel",
    "Plan",
]
