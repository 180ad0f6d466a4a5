"""The Dataset: one named, fingerprinted, typed table that analyses stream over.

Opening a dataset resolves everything later steps need once — format, schema, row count,
ragged-row count, column kinds, fingerprint — and keeps it in a small metadata file keyed
by content, so every xdist worker and every later session reuses it instead of rescanning.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from ..atomic import write_text_atomic
from ..column_kinds import ColumnKind
from ..column_roles import (
    EPOCH_MILLISECONDS_DETAIL,
    EPOCH_SECONDS_DETAIL,
    FREQUENCY_WEIGHT_DETAIL,
    MEASURE_ROLES,
    SERIES_GRAIN,
    SERIES_INDEX_DETAIL,
    YYYY_MM_DETAIL,
    YYYYMMDD_DETAIL,
    ColumnRole,
)
from ..confine import check_name
from ..errors import DatasetError
from . import matrix_layout, missing_codes, numbers
from .cache import DEFAULT_COMPRESSION, DEFAULT_MAX_BYTES
from .chunks import DEFAULT_CHUNK_ROWS, Chunk, canonical_chunks
from .dates import is_time_of_day
from .dates import parse as parse_dates
from .fingerprint import content_key, dataset_fingerprint
from .full_load import check_full_load
from .inference import ColumnScan, decide_kind
from .roles import (
    RELATION_MATCH_SHARE,
    TWO_DIGIT_YEAR_PIVOT,
    RoleDecision,
    calendar_candidates,
    decide_role,
    name_tokens,
    outcome_by_name,
    outcome_by_position,
    settle_derived_terms,
    settle_frequency_weight,
    settle_interaction_terms,
    settle_lone_calendar_parts,
    settle_measured_weights,
    settle_panel_units,
    settle_parent_references,
    settle_planar_coordinates,
    settle_product_terms,
    settle_series_index,
    settle_skewed_totals,
    survival_pairs,
    timestamp_part,
    treatments_by_name,
    undated_cycle_parts,
)
from .sources import BadRows, Source, detect_format, open_source, split_location
from .sources.base import check_column_names
from .spec import DatasetSpec, SpecError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")
META_VERSION = 16  # 2: number domains, date layouts, calendar relations (roles); 3: value
# counts of small codes, descents in row order, order of whole floats, settled day/month order;
# 4: repeated codes (panel entities, matched sets), fractional-year grids; 5: quarter grid;
# 6: month-end dates are monthly (granularity); 7: where a distinct count passed its cap;
# 8: numbers written as text (number_format); 9: months written yyyy.mm (off_yyyymm_grid);
# 10: dates with two-digit years (8/6/20 18:57); 11: infinities are no whole numbers;
# 12: a few impossible dates (2021-02-30) among dates (date_bad); 13: a blank CSV header
# cell names its column 'Unnamed: <position>'; 14: times of day written as text ('9:05:00',
# a few '25:99:00') are read as durations (date_format %H:%M:%S / %H:%M); up to 5% bad dates;
# 15: whole numbers counting from 0 (counts_from_zero); 16: '\N' read as missing in a CSV
DEFAULT_IO_BATCH_ROWS = 65536


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    arrow_type: str
    kind: ColumnKind
    null_count: int
    distinct_at_least: int
    distinct_exact: bool
    role: ColumnRole = ColumnRole.OTHER
    role_reason: str = ""
    role_confidence: float = 0.0
    role_detail: str | None = None  # calendar part, date layout
    date_format: str | None = None  # strings read as timestamps with this layout
    # values shaped like the layout that are no date (2021-02-30): read as missing
    date_bad: tuple[str, ...] = ()
    number_format: str | None = None  # strings read as numbers written so (see .numbers)
    excluded: bool = False  # left out of every analysis by the dataset spec
    # smallest and largest finite value of a number column (the typing scan's, exact):
    # how many orders of magnitude a quantity spans tells totals of units of every size
    value_range: tuple[float, float] | None = None

    def role_json(self) -> dict:
        return RoleDecision(
            self.role, self.role_reason, self.role_confidence, self.role_detail
        ).as_json()


def _schema_to_text(schema: pa.Schema) -> str:
    return base64.b64encode(schema.serialize().to_pybytes()).decode()


def _schema_from_text(text: str) -> pa.Schema:
    return pa.ipc.read_schema(pa.py_buffer(base64.b64decode(text)))


class Dataset:
    """A dataset opened for streaming. Build it with :func:`open_dataset`."""

    #: The columnar cache's outcome, ``{"hit", "reason", "key"}`` (None: no cache asked).
    cache_status: dict | None = None

    def __init__(
        self,
        name: str,
        location: str,
        source: Source,
        *,
        chunk_rows: int,
        fingerprint: str,
        row_count: int,
        columns: Sequence[ColumnInfo],
        bad_rows: BadRows,
    ) -> None:
        self.name = name
        self.location = location
        self.source = source
        self.chunk_rows = chunk_rows
        self.fingerprint = fingerprint
        self.row_count = row_count
        self.columns = tuple(columns)
        self.bad_rows = bad_rows
        #: Where grouped copies are spilled (:mod:`.regroup`); the session sets it under
        #: its home, None means the system's temporary folder.
        self.spill_dir: Path | None = None
        self._grouped: dict = {}
        #: Columns computed from stored ones (a date from year and quarter columns).
        self.derived: dict[str, DerivedDate] = {}
        #: The dataset spec (declarations); empty when none is given.
        self.spec: DatasetSpec = DatasetSpec(name)
        #: Declared KPIs: column -> "lower" or "higher" (which direction is better).
        self.kpis: dict[str, str] = {}
        #: Outcome columns: the dataset spec's ``targets``, else measures named like an
        #: outcome (``roles.outcome_by_name``).
        self.targets: tuple[str, ...] = ()
        #: Whether ``targets`` are the spec's declaration (not names).
        self.targets_declared: bool = False
        #: The first column, presumed the outcome when no column is named or declared one
        #: (``roles.outcome_by_position``); only its strongest pairs are lifted.
        self.presumed_outcome: str | None = None
        #: Missing-value codes per column (999 for "not known"): declared in the spec or
        #: found in the data (:mod:`.missing_codes`); chunks hold them as nulls unless an
        #: analysis asks for the values as written (``reads_missing_codes``).
        self.missing_codes: dict[str, tuple[float, ...]] = {}
        #: ... and the rows holding them, per column
        self.missing_code_rows: dict[str, int] = {}

    @property
    def time_zone(self) -> str | None:
        return self.spec.time_zone

    # -- description -----------------------------------------------------------
    @property
    def format(self) -> str:
        return self.source.format

    @property
    def schema(self) -> pa.Schema:
        return self.source.schema

    @property
    def renamed_blank_names(self) -> list[str]:
        """Names given to blank CSV header cells ('Unnamed: 0'), said in the summary."""
        source = getattr(self.source, "original", self.source)  # behind the columnar cache
        return list(getattr(source, "renamed_blank_names", ()))

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnInfo:
        for info in self.columns:
            if info.name == name:
                return info
        raise KeyError(name)

    def columns_of(self, *kinds: ColumnKind, roles=None) -> list[str]:
        """Names of the columns of the given kinds (and roles, when given), in schema order."""
        return [
            c.name
            for c in self.columns
            if c.kind in kinds and not c.excluded and (roles is None or c.role in roles)
        ]

    @property
    def date_formats(self) -> dict[str, str]:
        """String columns read as timestamps, with their layouts."""
        return {c.name: c.date_format for c in self.columns if c.date_format}

    @property
    def number_formats(self) -> dict[str, str]:
        """String columns read as numbers (thousands separators, percent signs...)."""
        return {c.name: c.number_format for c in self.columns if c.number_format}

    def describe(self) -> dict:
        """The dataset as the report and the evidence cite it (no absolute paths)."""
        return {
            "name": self.name,
            "format": self.format,
            "source": Path(split_location(self.location)[0]).name,
            "fingerprint": self.fingerprint,
            "row_count": self.row_count,
            "chunk_rows": self.chunk_rows,
            "spec": {"hash": self.spec.hash, "source": self.spec.source}
            if self.spec.declared
            else None,
            "cache": self.cache_status,
            "targets": {
                "columns": list(self.targets),
                "source": "spec"
                if self.spec.declares_targets
                else "inferred from the names (roles.outcome_by_name): a measure or class named "
                "like an outcome (target, price, wage, deny, vote...), or a survival table's "
                "event flag beside its follow-up time (status and time)",
            }
            if self.targets or self.spec.declares_targets
            else {
                "columns": [],
                "presumed": self.presumed_outcome,
                "source": "no column is named or declared an outcome: the first column is "
                "presumed one (roles.outcome_by_position), for its strongest pairs only; "
                "declare targets in the dataset spec to say otherwise",
            }
            if self.presumed_outcome
            else None,
            "treatments": {
                "columns": list(self.treatments),
                "source": "inferred from the names (roles.treatments_by_name): a category or "
                "0/1 flag of 2..8 levels named as a trial's arms (treat, trt, rx, dose, arm...)",
            }
            if getattr(self, "treatments", ())
            else None,
            "bad_rows": {
                "count": self.bad_rows.count,
                "first_lines": list(self.bad_rows.first_positions),
            },
            "columns": [
                {
                    "name": c.name,
                    "type": c.arrow_type,
                    "kind": str(c.kind),
                    "null_count": c.null_count,
                    **c.role_json(),
                    **({"number_format": c.number_format} if c.number_format else {}),
                    **({"excluded": True} if c.excluded else {}),
                    **(
                        {"missing_codes": list(self.missing_codes[c.name])}
                        if c.name in self.missing_codes
                        else {}
                    ),
                }
                for c in self.columns
            ],
        }

    # -- streaming ---------------------------------------------------------------
    def iter_batches(
        self, columns: Sequence[str] | None = None, batch_size: int = DEFAULT_IO_BATCH_ROWS
    ) -> Iterator[pa.RecordBatch]:
        """Stream the rows as Arrow batches of at most ``batch_size`` rows, in order."""
        self._check_columns(columns)
        for part in range(len(self.source.parts())):
            yield from self.source.iter_part_batches(part, columns, batch_size)

    def iter_chunks(
        self,
        columns: Sequence[str] | None = None,
        batch_size: int = DEFAULT_IO_BATCH_ROWS,
        *,
        start: int = 0,
        stop: int | None = None,
        raw_codes: bool = False,
    ) -> Iterator[Chunk]:
        """Stream canonical chunks (see :mod:`.chunks`); independent of ``batch_size``.

        ``start``/``stop``: only the chunks with index in ``[start, stop)`` (one task's
        range in the distributed engine); the same chunks a full pass yields there.
        ``raw_codes``: the columns' missing-value codes as written (else nulls)."""
        self._check_columns(columns)
        names = list(columns) if columns is not None else self.column_names
        derived = [n for n in names if n in self.derived]
        codes = {} if raw_codes else self.missing_codes
        if derived:
            return self._with_derived(names, batch_size, start, stop, codes)
        return self._stored_chunks(names, batch_size, start, stop, codes)

    def chunk_count(self) -> int:
        """How many canonical chunks a full pass yields (the slicing restarts at each part,
        so a folder of Parquet files counts its files' rows one by one)."""
        parts = len(self.source.parts())
        if parts == 1:
            return -(-self.row_count // self.chunk_rows)
        first = self.schema.names[0]
        count = 0
        for part in range(parts):
            rows = sum(b.num_rows for b in self.source.iter_part_batches(part, [first], 1 << 20))
            count += -(-rows // self.chunk_rows)
        return count

    def grouped_by(self, group: str, order: str):
        """A view of the rows grouped by ``group``, in ``order`` within a group (built once
        per process, spilled to disk with bounded memory; see :mod:`.regroup`)."""
        key = (group, order)
        if key not in self._grouped:
            from .regroup import grouped_view

            self._grouped[key] = grouped_view(self, group, order, self.spill_dir)
        return self._grouped[key]

    def _with_derived(
        self,
        names: list[str],
        batch_size: int,
        start: int = 0,
        stop: int | None = None,
        codes: dict | None = None,
    ) -> Iterator[Chunk]:
        """Chunks holding derived columns, computed from the stored ones they come from."""
        stored = [n for n in names if n not in self.derived]
        parts = [p for n in names if n in self.derived for p in self.derived[n].parts]
        read = list(dict.fromkeys(stored + parts))
        for chunk in self._stored_chunks(read, batch_size, start, stop, codes):
            arrays = [
                self.derived[n].compute(chunk.table) if n in self.derived else chunk.column(n)
                for n in names
            ]
            yield Chunk(chunk.index, chunk.part, chunk.row_start, pa.table(arrays, names=names))

    def _stored_chunks(
        self,
        names: list[str],
        batch_size: int,
        start: int = 0,
        stop: int | None = None,
        codes: dict | None = None,
    ) -> Iterator[Chunk]:
        schema = pa.schema([self.schema.field(n) for n in names])
        parts = (
            self.source.iter_part_batches(part, names, batch_size)
            for part in range(len(self.source.parts()))
        )
        formats, zone, numeric = self.date_formats, self.time_zone, self.number_formats
        target = _analysis_schema(schema, formats, zone, numeric)
        chunks = canonical_chunks(parts, self.chunk_rows, schema, start=start, stop=stop)
        codes = {n: v for n, v in (codes or {}).items() if n in names}
        if codes:
            chunks = (
                Chunk(c.index, c.part, c.row_start, missing_codes.masked(c.table, codes))
                for c in chunks
            )
        if target.equals(schema):
            return chunks
        return (
            Chunk(c.index, c.part, c.row_start, _normalise(c.table, target, formats, zone, numeric))
            for c in chunks
        )

    def to_pandas(self, columns: Sequence[str] | None = None, *, requester: str | None = None):
        """Load the dataset whole — refused above the full-load threshold (see full_load)."""
        check_full_load(self.name, self.row_count, requester)
        batches = list(self.iter_batches(columns))
        names = list(columns) if columns is not None else self.column_names
        schema = pa.schema([self.schema.field(n) for n in names])
        return pa.Table.from_batches(batches, schema=schema).to_pandas()

    def _check_columns(self, columns: Sequence[str] | None) -> None:
        if columns is None:
            return
        unknown = [c for c in columns if c not in self.schema.names and c not in self.derived]
        if unknown:
            raise DatasetError(
                f"dataset {self.name!r} has no column(s) {', '.join(map(repr, unknown))}; "
                f"its columns are {', '.join(self.schema.names)}"
            )


#: kinds a string column is read as with a layout of :mod:`.dates` (dates; times of day)
_WRITTEN_TIME = (ColumnKind.TIMESTAMP, ColumnKind.DURATION)


def _analysis_type(typ: pa.DataType) -> pa.DataType:
    """The type analyses see: one unit for time, plain strings (no dictionary/large)."""
    if pa.types.is_dictionary(typ):
        return _analysis_type(typ.value_type)
    if pa.types.is_timestamp(typ):
        return pa.timestamp("us", tz=typ.tz)
    if pa.types.is_date(typ):
        return pa.timestamp("us")
    if pa.types.is_duration(typ) or pa.types.is_time(typ):
        # a time of day ('02:55:10', read so by the CSV reader) is the time elapsed since
        # midnight: a race's finishing time, a shift's length; as a duration it is measured
        return pa.duration("us")
    if pa.types.is_large_string(typ):
        return pa.string()
    if pa.types.is_decimal(typ) or pa.types.is_float16(typ):
        return pa.float64()
    return typ


def _analysis_schema(
    schema: pa.Schema,
    date_formats: dict[str, str] | None = None,
    zone: str | None = None,
    number_formats: dict[str, str] | None = None,
) -> pa.Schema:
    """Normalise time units and string types so every format gives the same chunks;
    string columns holding dates (``date_formats``) become timestamps, those holding
    numbers written as text (``number_formats``) numbers; with a declared ``zone`` every
    timestamp is shown in it (days and hours are that zone's)."""
    date_formats = date_formats or {}
    number_formats = number_formats or {}
    fields = []
    for f in schema:
        if f.name in date_formats:
            typ = _date_string_type(date_formats[f.name])
        elif f.name in number_formats:
            typ = numbers.number_type(number_formats[f.name])
        else:
            typ = _analysis_type(f.type)
        if zone and pa.types.is_timestamp(typ):
            typ = pa.timestamp("us", tz=zone)
        fields.append(pa.field(f.name, typ))
    return pa.schema(fields)


def _date_string_type(layout: str) -> pa.DataType:
    if is_time_of_day(layout):
        return pa.duration("us")  # as Arrow's own times of day are read (_analysis_type)
    return (
        pa.timestamp("us", tz="UTC")
        if ("%z" in layout or layout.endswith("Z"))
        else (pa.timestamp("us"))
    )


def _parse_dates(column, layout: str):
    return parse_dates(column, layout)


def _normalise(
    table: pa.Table,
    target: pa.Schema,
    date_formats: dict[str, str] | None = None,
    zone: str | None = None,
    number_formats: dict[str, str] | None = None,
) -> pa.Table:
    """Cast to the analysis schema. Finer time units are floored first (a plain cast
    truncates towards zero, which would move pre-1970 instants to the next microsecond)."""
    import pyarrow.compute as pc

    date_formats = date_formats or {}
    number_formats = number_formats or {}
    columns = []
    for field, column in zip(target, table.columns, strict=True):
        typ = column.type
        if field.name in date_formats:
            column = _parse_dates(column, date_formats[field.name])
        elif field.name in number_formats:
            column = numbers.parse(column, number_formats[field.name])
        elif pa.types.is_timestamp(typ) and typ.unit == "ns":
            column = pc.floor_temporal(column, unit="microsecond")
        elif pa.types.is_time(typ):
            column = _time_of_day_as_duration(column)
        elif pa.types.is_duration(typ) and typ.unit == "ns":
            ints = pc.cast(column, pa.int64())
            values = pc.fill_null(ints, 0).to_numpy() // 1000
            valid = pc.is_valid(ints).to_numpy(zero_copy_only=False)
            column = pa.array(values, pa.int64(), mask=~valid).cast(pa.duration("us"))
        if zone and pa.types.is_timestamp(column.type) and column.type.tz is None:
            # naive wall-clock times of the declared zone (a repeated DST hour: the earlier)
            column = pc.assume_timezone(column, zone, ambiguous="earliest", nonexistent="earliest")
        columns.append(column.cast(field.type, safe=False) if column.type != field.type else column)
    return pa.Table.from_arrays(columns, schema=target)


#: microseconds per tick of each time-of-day unit
_US_PER_TICK = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}


def _time_of_day_as_duration(column):
    """A time32/time64 column as duration('us') since midnight (ns floored to us)."""
    import pyarrow.compute as pc

    unit = column.type.unit
    ints = pc.cast(
        pc.cast(column, pa.int64() if column.type.bit_width == 64 else pa.int32()), pa.int64()
    )
    values = pc.fill_null(ints, 0).to_numpy(zero_copy_only=False).astype("int64")
    per_tick = _US_PER_TICK[unit]
    values = values // 1000 if per_tick is None else values * per_tick
    valid = pc.is_valid(ints).to_numpy(zero_copy_only=False)
    return pa.array(values, pa.duration("us"), mask=~valid)


def validate_name(name: str) -> str:
    """The name when it is a safe folder name (see :mod:`pytest_statharness.confine`)."""
    return check_name(name)


class TypingScan:
    """The typing scan's fold: fed every batch of the dataset in order (``update``), gives
    the row count and each column's summary (``result``)."""

    def __init__(self, schema: pa.Schema) -> None:
        self.schema = schema
        self.target = _analysis_schema(schema)
        self.scans = {f.name: ColumnScan(f.type) for f in self.target}
        self.rows = 0

    def update(self, batch: pa.RecordBatch) -> None:
        self.rows += batch.num_rows
        if not self.target.equals(self.schema):
            batch = _normalise(pa.Table.from_batches([batch]), self.target)
        for name, scan in self.scans.items():
            scan.update(batch.column(name))

    def result(self) -> tuple[int, dict[str, dict]]:
        return self.rows, {name: scan.summary() for name, scan in self.scans.items()}


def _typing_scan(source: Source, schema: pa.Schema) -> tuple[int, dict[str, dict]]:
    scan = TypingScan(schema)
    for part in range(len(source.parts())):
        for batch in source.iter_part_batches(part, None, DEFAULT_IO_BATCH_ROWS):
            scan.update(batch)
    return scan.result()


def _first_read_spool(
    fmt: str, key: str, cache_dir: Path | None, chunk_rows: int, compression: str
):
    """A :class:`.cache.BuildSpool` for a CSV opened without metadata when the cache is on
    and holds no entry of this content yet (the resolving read then writes the entry and
    runs the typing scan); None otherwise."""
    if fmt != "csv" or cache_dir is None:
        return None
    from .cache import BuildSpool, cache_enabled, read_index

    if not cache_enabled():
        return None
    for record in read_index(cache_dir).values():
        if record.get("content_key") == key and (Path(cache_dir) / str(record.get("key"))).is_dir():
            return None  # the entry exists: the read only resolves the types

    def fold_factory(schema: pa.Schema):
        scan = TypingScan(schema)

        def feed(batch: pa.RecordBatch) -> None:
            # sliced as the cached source yields the entry's batches to _typing_scan
            for offset in range(0, batch.num_rows, DEFAULT_IO_BATCH_ROWS):
                scan.update(batch.slice(offset, DEFAULT_IO_BATCH_ROWS))

        return scan, feed

    return BuildSpool(cache_dir, chunk_rows, compression, fold_factory)


def open_dataset(
    name: str,
    location: str,
    *,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
    meta_dir: Path | None = None,
    root: Path | None = None,
    cache_dir: Path | None = None,
    spec: DatasetSpec | None = None,
    cache_compression: str = DEFAULT_COMPRESSION,
    cache_max_bytes: int | None = DEFAULT_MAX_BYTES,
) -> Dataset:
    """Open ``location`` (a path, or ``file.db::table``) as dataset ``name``.

    ``spec``: the dataset's declarations (roles, date layouts, time zone, excluded columns,
    KPIs, bounds, event-log mapping), applied over what inference finds.

    ``meta_dir`` is where resolved metadata is kept between processes (None: not kept).
    ``root`` resolves relative paths (the pytest rootdir).
    ``cache_dir``: stream from the columnar cache kept there (see :mod:`.cache`), built on
    first use, unless ``STAT_HARNESS_DATASET_CACHE=off``; None: stream from the source.
    ``cache_compression`` (codec of a new entry) and ``cache_max_bytes`` (the folder's size
    cap, None for none): the cache's defaults when not given.
    """
    validate_name(name)
    file, table = split_location(location)
    if root is not None and not file.is_absolute():
        file = root / file
    if not file.exists():
        raise DatasetError(
            f"dataset {name!r}: file {str(split_location(location)[0])!r} does not exist "
            "(check the path given to --stat-dataset)"
        )
    fmt = detect_format(file)
    files = _content_files(file, fmt)
    key = content_key(file, files, fmt, table, chunk_rows)
    spec = spec if spec is not None else DatasetSpec(name)
    suffix = f"-{spec.hash[7:19]}" if spec.declared else ""  # declarations change the meta
    meta_path = meta_dir / f"{key}{suffix}.json" if meta_dir is not None else None
    meta = _read_meta(meta_path)
    if meta is not None:
        schema = _schema_from_text(meta["schema"])
        options = {"column_types": {f.name: f.type for f in schema}} if fmt == "csv" else {}
        source = open_source(file, table, **options)
        if fmt == "csv":
            source.set_bad_rows(
                BadRows(meta["bad_rows"]["count"], tuple(meta["bad_rows"]["first_lines"]))
            )
        row_count = meta["row_count"]
        summaries = meta["columns"]
    spool = None
    if meta is None:
        spool = _first_read_spool(fmt, key, cache_dir, chunk_rows, cache_compression)
        try:
            source = open_source(file, table, spool=spool) if spool else open_source(file, table)
        except BaseException:
            if spool is not None:
                spool.discard()
            raise
        schema = source.schema
        try:
            check_column_names(file, schema.names)
        except BaseException:
            if spool is not None:
                spool.discard()
            raise
    cache_status = None
    if cache_dir is not None:
        from .cache import CachedSource, attach_cache

        try:
            source, cache_status = attach_cache(
                source,
                cache_dir,
                content_key=key,
                schema=schema,
                chunk_rows=chunk_rows,
                file=file,
                table=table,
                compression=cache_compression,
                max_bytes=cache_max_bytes,
                spool=spool,
            )
        finally:
            if spool is not None:
                spool.discard()  # not adopted: an entry for the key existed
        if spool is not None and not isinstance(source, CachedSource):
            spool.fold = None  # streaming from the file: scan the batches it gives
    spec.check_columns(list(schema.names))
    if meta is None:
        if spool is not None and spool.fold is not None:
            # the batches of the entry, scanned while they were written
            row_count, summaries = spool.fold.result()
        else:
            row_count, summaries = _typing_scan(source, schema)
        _apply_declared_formats(spec, schema, summaries)
        _number_string_summaries(source, schema, summaries)
    if row_count == 0:
        _forget_empty_entry(source, cache_dir)
        raise DatasetError(
            f"dataset {name!r} ({file.name}) has no data rows; there is nothing to analyse"
        )
    kinds = {f.name: decide_kind(_analysis_type(f.type), summaries[f.name]) for f in schema}
    _check_declared_log_times(spec, kinds)
    _check_declared_quantities(spec, kinds)
    _check_declared_timestamps(spec, kinds)
    if meta is None:
        _date_string_grains(source, schema, kinds, summaries, spec)
        relations = _calendar_relations(source, schema, kinds, summaries, row_count)
        bad = source.bad_rows()
        if meta_path is not None:
            write_text_atomic(
                meta_path,
                json.dumps(
                    {
                        "meta_version": META_VERSION,
                        "schema": _schema_to_text(schema),
                        "row_count": row_count,
                        "bad_rows": {"count": bad.count, "first_lines": list(bad.first_positions)},
                        "columns": summaries,
                        "relations": {k: list(v) for k, v in relations.items()},
                    },
                    sort_keys=True,
                ),
            )
    else:
        relations = {k: tuple(v) for k, v in meta["relations"].items()}
    decided = {
        f.name: decide_role(
            f.name,
            kinds[f.name],
            summaries[f.name],
            row_count=row_count,
            relation=relations.get(f.name),
        )
        for f in schema
    }
    decided = settle_lone_calendar_parts(decided, summaries, relations)
    decided = settle_series_index(decided)
    decided = settle_panel_units(decided, summaries, row_count)
    decided = settle_frequency_weight(decided, summaries, row_count)
    decided = settle_parent_references(decided, summaries)
    decided = settle_derived_terms(decided, summaries)
    decided = settle_skewed_totals(source, decided, summaries)
    decided = settle_interaction_terms(source, decided, summaries)
    decided = settle_product_terms(source, decided, summaries)
    decided = settle_planar_coordinates(decided)
    decided = settle_measured_weights(decided)
    numeric = [f.name for f in schema if kinds[f.name] == ColumnKind.NUMERIC]
    decided = matrix_layout.settle_matrix_entries(source, numeric, summaries, row_count, decided)
    cycles = undated_cycle_parts(decided)
    columns = []
    for f in schema:
        summary = summaries[f.name]
        role = decided[f.name]
        declared = spec.column(f.name).get("role")
        if declared:
            role = RoleDecision(
                ColumnRole(declared),
                f"declared in the dataset spec (inferred: {role.role}, {role.reason})",
                1.0,
                role.detail,
            )
        if kinds[f.name] == ColumnKind.INTEGER_ID and role.role != ColumnRole.IDENTIFIER:
            kinds[f.name] = ColumnKind.NUMERIC  # sorted months are a calendar part, no row id
        if role.role == ColumnRole.CATEGORY and kinds[f.name] == ColumnKind.NUMERIC:
            # whole numbers that label groups (a panel's firm 1..10, a coded factor, one
            # declared a category): analysed as the groups they are, not as a quantity
            kinds[f.name] = ColumnKind.CATEGORICAL
        if (
            f.name in cycles
            and role.role == ColumnRole.CALENDAR_PART  # as inferred, or declared the same
            and kinds[f.name] == ColumnKind.NUMERIC
        ):
            kinds[f.name] = ColumnKind.CATEGORICAL  # a month with no date: its phases are groups
        columns.append(
            ColumnInfo(
                name=f.name,
                arrow_type=str(numbers.number_type(summary["number_format"]))
                if summary.get("number_format")
                else str(f.type),
                kind=kinds[f.name],
                null_count=row_count - summary["non_null"],
                distinct_at_least=summary["distinct_at_least"],
                distinct_exact=summary["distinct_exact"],
                role=role.role,
                role_reason=f"{role.reason}; {numbers.describe(summary['number_format'])}"
                if summary.get("number_format")
                else role.reason,
                role_confidence=role.confidence,
                role_detail=role.detail,
                date_format=summary.get("date_format") if kinds[f.name] in _WRITTEN_TIME else None,
                date_bad=tuple(summary.get("date_bad") or ())
                if kinds[f.name] in _WRITTEN_TIME
                else (),
                number_format=summary.get("number_format")
                if kinds[f.name] == ColumnKind.NUMERIC
                else None,
                excluded=f.name in spec.exclude,
                value_range=(summary["fmin"], summary["fmax"])
                if summary.get("fmin") is not None and summary.get("fmax") is not None
                else None,
            )
        )
    dataset = Dataset(
        name,
        location,
        source,
        chunk_rows=chunk_rows,
        fingerprint=dataset_fingerprint(key, schema),
        row_count=row_count,
        columns=columns,
        bad_rows=source.bad_rows(),
    )
    _settle_missing_codes(dataset, spec)
    names = {c.name for c in columns}
    for derived, grain in _derived_dates(columns):
        if derived.name in names:
            # the file has a column of that name already (a table exported by this tool,
            # or named so by hand): its own column wins, no second one is made
            continue
        dataset.derived[derived.name] = derived
        dataset.columns = (
            *dataset.columns,
            ColumnInfo(
                name=derived.name,
                # a Unix time is an instant in UTC: its hours are UTC hours
                arrow_type="timestamp[us, tz=UTC] (derived)"
                if derived.unit in ("epoch_s", "epoch_ms")
                else "timestamp[us] (derived)",
                kind=ColumnKind.TIMESTAMP,
                null_count=max(dataset.column(p).null_count for p in derived.parts),
                # one part (a year, a fractional year): one date per distinct value of it
                distinct_at_least=dataset.column(derived.parts[0]).distinct_at_least
                if len(derived.parts) == 1
                else 0,
                distinct_exact=len(derived.parts) == 1
                and dataset.column(derived.parts[0]).distinct_exact,
                role=ColumnRole.TIMESTAMP,
                role_reason=(
                    "no timestamp column: a date derived from the calendar part(s) "
                    + " and ".join(repr(p) for p in derived.parts)
                ),
                role_confidence=0.8,
                role_detail=grain,
            ),
        )
    dataset.cache_status = cache_status
    if meta is None:
        # the first full read freed its blocks; hand the pages back before the analyses
        # allocate theirs (the allocator keeps them otherwise, on top of the session's peak)
        pa.default_memory_pool().release_unused()
    dataset.spec = spec
    dataset.kpis = spec.kpis
    dataset.targets = spec.targets if spec.declares_targets else outcome_by_name(dataset.columns)
    dataset.survival_pairs = tuple(survival_pairs(dataset.columns))
    dataset.treatments = tuple(
        t for t in treatments_by_name(dataset.columns) if t not in dataset.targets
    )
    dataset.targets_declared = spec.declares_targets
    if not dataset.targets and not spec.declares_targets:
        dataset.presumed_outcome = outcome_by_position(dataset.columns)
    dataset.frequency_weight = next(
        (c.name for c in dataset.columns if c.role_detail == FREQUENCY_WEIGHT_DETAIL), None
    )
    return dataset


def _forget_empty_entry(source: object, cache_dir: Path | None) -> None:
    """Remove the cache entry of a file refused for having no rows.

    Why: the entry was written while the file was read; a refused dataset must leave no
    entry behind ('cache inspect' would list a 0-row table nobody can use).
    """
    from .cache import CachedSource, evict_if_idle

    if cache_dir is None or not isinstance(source, CachedSource):
        return
    if source.use is not None:
        source.use.release()
    evict_if_idle(cache_dir, source.key)


def _settle_missing_codes(dataset: Dataset, spec: DatasetSpec) -> None:
    """The dataset's missing-value codes: the spec's (``missing_codes`` of a column; an
    empty list keeps its values), else found in the data (:mod:`.missing_codes`). A
    column's null count then counts its codes, and its value range leaves them out."""
    declared = {
        name: tuple(entry["missing_codes"])
        for name, entry in spec.data.get("columns", {}).items()
        if "missing_codes" in entry
    }
    names = [n for n, v in declared.items() if v]
    for name in names:
        typ = dataset.schema.field(name).type
        if not (pa.types.is_integer(typ) or pa.types.is_floating(typ) or pa.types.is_decimal(typ)):
            raise SpecError(
                f"dataset spec of {dataset.name!r} ({spec.source}): key "
                f"columns.{name}.missing_codes: column {name!r} holds {typ}, not numbers; "
                "missing-value codes are numbers written for 'not known' (999): remove the "
                "key, or declare the column's role instead"
            )
    names += [c for c in missing_codes.candidates(dataset.columns) if c not in declared]
    if not names:
        return
    names = sorted(names)
    found = missing_codes.scan(
        dataset._stored_chunks(names, DEFAULT_IO_BATCH_ROWS), names, declared
    )
    if not found:
        return
    dataset.missing_codes = {n: found[n].values for n in sorted(found)}
    dataset.missing_code_rows = {n: found[n].rows for n in sorted(found)}
    dataset.columns = tuple(
        dataclasses.replace(
            c, null_count=c.null_count + found[c.name].rows, value_range=found[c.name].value_range
        )
        if c.name in found
        else c
        for c in dataset.columns
    )


@dataclass(frozen=True)
class DerivedDate:
    """A date made of calendar-part columns: 1 January of ``year``, moved to the first
    month of the quarter or to the month when one is given; the date yyyymmdd; a
    fractional year; or (unit "index") the k-th period of a series numbered 1..N, placed
    on day k after 1970-01-01 so that every time analysis reads the periods in order (its
    labels give the number back, see ``SERIES_GRAIN``)."""

    year: str
    part: str | None = None  # the quarter or month column
    unit: str | None = None  # "quarter", "month", "epoch_s", "epoch_ms" ...

    @property
    def name(self) -> str:
        if self.unit == "index":
            return f"period({self.year})"
        return f"date({self.year}{',' + self.part if self.part else ''})"

    @property
    def parts(self) -> tuple[str, ...]:
        return (self.year, self.part) if self.part else (self.year,)

    def compute(self, table: pa.Table) -> pa.Array:
        year = np.asarray(table.column(self.year).to_numpy(zero_copy_only=False), np.float64)
        valid = np.isfinite(year)
        if self.unit == "index":  # the k-th period of a series: day k after 1970-01-01
            return _stamps(np.where(valid, year, 0).astype(np.int64).astype("datetime64[D]"), valid)
        if self.unit in ("epoch_s", "epoch_ms"):  # seconds (ms) since 1970-01-01 UTC
            per = 1_000_000 if self.unit == "epoch_s" else 1_000  # exact below 2**53
            micros = np.where(valid, year, 0).astype(np.int64) * per
            return _stamps(micros.astype("datetime64[us]"), valid)
        if self.unit == "yyyymmdd":  # 19800104: 4 January 1980
            v = np.where(valid, year, 19700101).astype(np.int64)
            months = (v // 10000 - 1970) * 12 + (v // 100) % 100 - 1
            return _stamps(
                months.astype("datetime64[M]").astype("datetime64[D]") + (v % 100 - 1), valid
            )
        if self.unit == "yyyy.mm":  # 1947.01: January 1947
            v = np.where(valid, year, 1970.01)
            whole = np.floor(v)
            months = (whole.astype(np.int64) - 1970) * 12 + (
                np.round((v - whole) * 100).astype(np.int64) - 1
            )
            return _stamps(months.astype("datetime64[M]"), valid)
        if self.unit == "fraction":  # 1945.25: the quarter starting in April 1945
            months = np.round((np.where(valid, year, 1970.0) - 1970.0) * 12).astype(np.int64)
            return _stamps(months.astype("datetime64[M]"), valid)
        # two-digit years (Cigar's 63..92): the 1900s from the pivot on, the 2000s below it
        year = np.where(year < 100, year + np.where(year >= TWO_DIGIT_YEAR_PIVOT, 1900, 2000), year)
        months = np.zeros(year.size, np.int64)
        if self.part:
            part = np.asarray(table.column(self.part).to_numpy(zero_copy_only=False), np.float64)
            valid &= np.isfinite(part)
            step = 3 if self.unit == "quarter" else 1
            months = (np.where(valid, part, 1).astype(np.int64) - 1) * step
        years = np.where(valid, year, 1970).astype(np.int64) - 1970
        return _stamps((years * 12 + months).astype("datetime64[M]"), valid)


def _stamps(dates: np.ndarray, valid: np.ndarray) -> pa.Array:
    """numpy dates (any unit) as timestamp[us], null where not ``valid``."""
    micros = dates.astype("datetime64[us]").astype(np.int64)
    return pa.array(micros, pa.int64(), mask=~valid).cast(pa.timestamp("us"))


def _derived_dates(columns: list) -> list[tuple[DerivedDate, str]]:
    """A date from calendar parts when the table has no timestamp (a yearly series indexed
    by its ``year``, a quarterly one by ``year`` and ``quarter``): (derivation, grain)."""
    if any(c.kind == ColumnKind.TIMESTAMP and not c.excluded for c in columns):
        return []
    parts = {
        c.role_detail: c.name
        for c in reversed(columns)
        if c.role == ColumnRole.CALENDAR_PART
        and not c.excluded
        # duke_forest's year_built dates the house, not the row: 'trend of yearly bath by
        # date(year_built)' read a cross-section as a series (rater BF)
        and not (c.role_detail == "year" and _names_an_attribute(c.name))
    }
    by_name = {c.name: c for c in columns}
    if "year" in parts and by_name[parts["year"]].distinct_at_least < 2:
        # voteincome's year is 2000 on every row: one year is no time axis (no trend, no
        # constant derived date reported beside the constant year)
        del parts["year"]
    for detail, unit in (
        (EPOCH_SECONDS_DETAIL, "epoch_s"),
        (EPOCH_MILLISECONDS_DETAIL, "epoch_ms"),
    ):
        if detail in parts:
            # a Unix time (movielens' timestamp): the instant itself, in UTC
            return [(DerivedDate(parts[detail], None, unit), "instant")]
    series = parts.get(SERIES_INDEX_DETAIL)
    if series is not None and (
        "year" not in parts
        or (
            by_name[parts["year"]].distinct_at_least < by_name[series].distinct_at_least
            # CO2Hawaii's t beside Year and Month: the months place the periods on the
            # calendar (a month of year for the annual cycle); t only numbers them
            and "month" not in parts
            and "quarter" not in parts
        )
    ):
        # a series numbered 1..N (traffic2's t beside its 9 years of 12 months): the
        # periods in order, each a point of the series (labelled by their number)
        return [(DerivedDate(series, None, "index"), SERIES_GRAIN)]
    if YYYY_MM_DETAIL in parts:
        return [(DerivedDate(parts[YYYY_MM_DETAIL], None, "yyyy.mm"), "month")]
    if YYYYMMDD_DETAIL in parts:
        # a date stored as a number (19800104) is the date itself, at the grain of a day
        return [(DerivedDate(parts[YYYYMMDD_DETAIL], None, "yyyymmdd"), "day")]
    if "year" not in parts:
        if "fractional_year" in parts:
            return [(DerivedDate(parts["fractional_year"], None, "fraction"), "month")]
        return []
    years = [
        c.name
        for c in columns
        if c.role == ColumnRole.CALENDAR_PART
        and c.role_detail == "year"
        and not c.excluded
        and c.distinct_at_least >= 2
        and not _names_an_attribute(c.name)
    ] or [parts["year"]]
    for unit in ("month", "quarter"):
        if unit not in parts:
            continue
        units = [
            c.name
            for c in columns
            if c.role == ColumnRole.CALENDAR_PART and c.role_detail == unit and not c.excluded
        ]
        for name in units:
            for year in years:
                if _same_event(year, name, unit):
                    return [(DerivedDate(year, name, unit), "month")]
        break  # parts of different events (GrinnellHouses' YearBuilt, MonthSold): years
    return [(DerivedDate(parts["year"]), "year")]


#: words naming a year as an attribute of the unit (when a house was built, a person
#: born, a firm founded), not as the time its row was observed: no time axis is made of it
ATTRIBUTE_YEAR_WORDS = frozenset(
    {"built", "build", "birth", "born", "founded", "established", "construction",
     "constructed", "incorporated", "yob", "dob"}
)  # fmt: skip


def _names_an_attribute(name: str) -> bool:
    return bool(name_tokens(name) & ATTRIBUTE_YEAR_WORDS)


#: the words of a calendar part's name; what is left names the event it dates
_CALENDAR_WORDS = {
    "year": re.compile(r"year|yyyy|yr", re.IGNORECASE),
    "month": re.compile(r"month|mth|mon|mo", re.IGNORECASE),
    "quarter": re.compile(r"quarter|qtr|q", re.IGNORECASE),
}


def _same_event(year: str, part: str, unit: str) -> bool:
    """Whether a year column and a month (or quarter) column date the same event: their
    names without the calendar words agree (``YearSold`` and ``MonthSold``, ``yr_sold``
    and ``mo_sold``), or one of them says no event (``year`` and ``month``). Why: a date
    built from GrinnellHouses' ``YearBuilt`` and ``MonthSold`` dated every house to a
    month nobody observed, and every time finding of the table followed it."""

    def event(name: str, words: re.Pattern) -> str:
        return re.sub(r"[\W_]+", "", words.sub("", name, count=1)).lower()

    a, b = event(year, _CALENDAR_WORDS["year"]), event(part, _CALENDAR_WORDS[unit])
    return not a or not b or a == b


#: kinds that hold quantities: a measurement, count, duration or KPI can be one of them
_QUANTITY_KINDS = (
    ColumnKind.NUMERIC,
    ColumnKind.INTEGER_ID,
    ColumnKind.DURATION,
    ColumnKind.BOOLEAN,
)


#: what a column of each kind holds, as a refused declaration says it
_HELD = {
    ColumnKind.NUMERIC: "numbers",
    ColumnKind.INTEGER_ID: "numbers",
    ColumnKind.BOOLEAN: "true/false values",
    ColumnKind.DURATION: "durations",
    ColumnKind.TIMESTAMP: "dates or times",
    ColumnKind.OTHER: "no values it can read",
}


def _held(kind: ColumnKind, text: str = "text") -> str:
    return _HELD.get(kind, text)


def _check_declared_quantities(spec: DatasetSpec, kinds: dict[str, ColumnKind]) -> None:
    """A column declared a measurement, count or duration, or a KPI, must hold numbers:
    on text the declaration was accepted and silently did nothing (no mean to compare,
    no KPI to recommend on; rater BG)."""
    declared = [
        (f"columns.{name}.role", name, entry["role"])
        for name, entry in spec.data.get("columns", {}).items()
        if entry.get("role") in {r.value for r in MEASURE_ROLES}
    ]
    declared += [(f"kpis.{name}", name, "KPI") for name in spec.kpis]
    for key, name, what in declared:
        if name not in kinds or kinds[name] in _QUANTITY_KINDS:
            continue
        held = _held(kinds[name])
        raise SpecError(
            f"dataset spec of {spec.name!r} ({spec.source}): key {key}: column {name!r} holds "
            f"{held}, not numbers, so it cannot be a {what}; name a column of numbers, or "
            "remove the key"
        )


def _check_declared_timestamps(spec: DatasetSpec, kinds: dict[str, ColumnKind]) -> None:
    """A column declared the timestamp must hold dates or times: an hhmm integer so
    declared was accepted and no time analysis ran (rater BE)."""
    for name, entry in spec.data.get("columns", {}).items():
        if entry.get("role") != ColumnRole.TIMESTAMP.value or name not in kinds:
            continue
        if kinds[name] == ColumnKind.TIMESTAMP:
            continue
        held = (
            "numbers"
            if kinds[name] in (ColumnKind.NUMERIC, ColumnKind.INTEGER_ID)
            else "values that are no dates"
        )
        raise SpecError(
            f"dataset spec of {spec.name!r} ({spec.source}): key columns.{name}.role: "
            f"column {name!r} holds {held}, not dates or times, so it cannot be the "
            f"timestamp; for dates written as text give columns.{name}.format, or remove "
            "the role"
        )


def _check_declared_log_times(spec: DatasetSpec, kinds: dict[str, ColumnKind]) -> None:
    """A declared event log's timestamp must hold dates or times: the log's waits and
    durations are read from it, and a number column would silently turn the whole
    eventlog family off."""
    ts = spec.eventlog.get("timestamp")
    if ts is None or ts not in kinds or kinds[ts] == ColumnKind.TIMESTAMP:
        return
    held = _held(kinds[ts], text="text that is no date")
    raise SpecError(
        f"dataset spec of {spec.name!r} ({spec.source}): key eventlog.timestamp: column "
        f"{ts!r} holds {held}, not dates or times; name the column with "
        f"the events' times, or give its date layout in columns.{ts}.format"
    )


def _apply_declared_formats(spec: DatasetSpec, schema: pa.Schema, summaries: dict) -> None:
    """A declared date layout replaces the inferred one (checked on every row later)."""
    for f in schema:
        layout = spec.column(f.name).get("format")
        if not layout:
            continue
        typ = _analysis_type(f.type)
        if not (pa.types.is_string(typ) or pa.types.is_large_string(typ)):
            raise SpecError(
                f"dataset spec of {spec.name!r} ({spec.source}): key columns.{f.name}.format: "
                f"column {f.name!r} is stored as {f.type}, not as text; a date layout applies "
                "only to dates written as strings (remove the key)"
            )
        summaries[f.name]["date_format"] = layout
        summaries[f.name]["date_ambiguous"] = False
        summaries[f.name]["date_declared"] = True
        summaries[f.name]["number_format"] = None  # a declared date is no number


def _number_string_summaries(source: Source, schema: pa.Schema, summaries: dict) -> None:
    """The typing-scan summaries of string columns read as numbers (:mod:`.numbers`),
    in place: their values are parsed again and scanned as the numbers they are, so roles
    are decided from a number's domain (those columns only; most tables cost nothing)."""
    formats = {
        f.name: summaries[f.name]["number_format"]
        for f in schema
        if summaries[f.name].get("number_format")
    }
    if not formats:
        return
    names = list(formats)
    sub = pa.schema([schema.field(n) for n in names])
    target = _analysis_schema(sub, number_formats=formats)
    scans = {n: ColumnScan(target.field(n).type) for n in names}
    for part_index in range(len(source.parts())):
        for batch in source.iter_part_batches(part_index, names, DEFAULT_IO_BATCH_ROWS):
            table = _normalise(pa.Table.from_batches([batch]), target, number_formats=formats)
            for n in names:
                scans[n].update(table.column(n))
    for n in names:
        summaries[n] = {**scans[n].summary(), "number_format": formats[n]}


def _date_string_grains(
    source: Source,
    schema: pa.Schema,
    kinds: dict,
    summaries: dict,
    spec: DatasetSpec | None = None,
) -> None:
    """The grain (year/month/day/instant) of string columns read as dates, in place.

    Native timestamps get theirs in the typing scan; strings become timestamps only once
    their layout is known, so their values are parsed again here (those columns only).
    """
    formats = {
        f.name: summaries[f.name]["date_format"]
        for f in schema
        if kinds[f.name] == ColumnKind.TIMESTAMP and summaries[f.name].get("date_format")
    }
    if not formats:
        return
    names = list(formats)
    sub = pa.schema([schema.field(n) for n in names])
    target = _analysis_schema(sub, formats)
    scans = {n: ColumnScan(target.field(n).type) for n in names}
    failed: dict[str, tuple[int, str | None]] = {}
    for part_index in range(len(source.parts())):
        for batch in source.iter_part_batches(part_index, names, DEFAULT_IO_BATCH_ROWS):
            table = _normalise(pa.Table.from_batches([batch]), target, formats)
            for n in names:
                scans[n].update(table.column(n))
                lost = table.column(n).null_count - batch.column(n).null_count
                if lost:
                    count, first = failed.get(n, (0, None))
                    if first is None:
                        bad = _first_unparsed(table.column(n), batch.column(n))
                        first = str(batch.column(n)[bad].as_py())
                    failed[n] = (count + lost, first)
    for n in names:
        summaries[n]["granularity"] = scans[n].summary()["granularity"]
    for n, (count, first) in failed.items():
        if not summaries[n].get("date_declared") and count <= len(
            summaries[n].get("date_bad") or ()
        ):
            continue  # the typing scan's impossible dates (2021-02-30): missing, reported
        name = spec.name if spec is not None else "?"
        raise SpecError(
            f"dataset {name!r}: column {n!r} has {count} value(s) that do not parse with the "
            f"declared layout {formats[n]!r} (first: {first!r}); fix the layout in the spec"
        )


def _first_unparsed(parsed, raw) -> int:
    """Position of the first value that is valid text but did not parse."""
    import pyarrow.compute as pc

    mask = pc.and_(pc.is_null(parsed), pc.is_valid(raw))
    return int(np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False)))[0])


def _calendar_relations(
    source: Source, schema: pa.Schema, kinds: dict, summaries: dict, row_count: int
) -> dict[str, tuple[str, str, float]]:
    """Number columns that equal a calendar part of a timestamp column of the same table.

    A second pass over just those columns (none when the table has no timestamp or no
    number fitting a calendar domain): for every candidate (number column, timestamp
    column, part), the share of rows where both are valid and equal. The best pair above
    ``RELATION_MATCH_SHARE`` of the number column's valid rows decides its role.
    """
    stamps = [f.name for f in schema if kinds[f.name] == ColumnKind.TIMESTAMP]
    candidates = {
        f.name: calendar_candidates(summaries[f.name])
        for f in schema
        if kinds[f.name] in (ColumnKind.NUMERIC, ColumnKind.INTEGER_ID)
        # a constant (an open interest always 0) equals the hour of any daily date: it
        # measures nothing of the calendar
        and summaries[f.name].get("distinct_at_least", 0) >= 2
    }
    candidates = {k: v for k, v in candidates.items() if v}
    if not stamps or not candidates:
        return {}
    formats = {n: summaries[n]["date_format"] for n in stamps if summaries[n].get("date_format")}
    names = stamps + list(candidates)
    # numbers written as text ('.' markers among counts) are parsed as the chunks parse them
    written = {n: summaries[n]["number_format"] for n in names if summaries[n].get("number_format")}
    sub = pa.schema([schema.field(n) for n in names])
    target = _analysis_schema(sub, formats, number_formats=written)
    equal: dict[tuple[str, str, str], int] = {}
    for part_index in range(len(source.parts())):
        for batch in source.iter_part_batches(part_index, names, DEFAULT_IO_BATCH_ROWS):
            table = _normalise(
                pa.Table.from_batches([batch]), target, formats, number_formats=written
            )
            for ts in stamps:
                parts = {}
                for column, wanted in candidates.items():
                    values = np.asarray(
                        table.column(column).to_numpy(zero_copy_only=False), dtype=np.float64
                    )
                    for part in wanted:
                        if part not in parts:
                            parts[part] = timestamp_part(table.column(ts), part)
                        key = (column, ts, part)
                        equal[key] = equal.get(key, 0) + int(
                            np.count_nonzero(values == parts[part])
                        )
    out: dict[str, tuple[str, str, float]] = {}
    for column in candidates:
        valid = summaries[column]["non_null"]
        best = max(
            ((equal[(column, ts, part)], ts, part) for ts in stamps for part in candidates[column]),
            default=None,
        )
        if best and valid and best[0] / valid >= RELATION_MATCH_SHARE:
            out[column] = (best[1], best[2], best[0] / valid)
    return out


def _content_files(file: Path, fmt: str) -> list[Path]:
    if fmt == "parquet" and file.is_dir():
        from .sources.parquet import PARQUET_SUFFIXES

        return sorted(
            (p for p in file.rglob("*") if p.is_file() and p.suffix in PARQUET_SUFFIXES),
            key=lambda p: p.relative_to(file).as_posix(),
        )
    return [file]


def _read_meta(path: Path | None) -> dict | None:
    if path is None or not path.is_file():
        return None
    try:
        meta = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if meta.get("meta_version") != META_VERSION:
        return None
    return meta
