"""CSV sources, streamed with pyarrow's incremental reader.

Two problems plain streaming has, and what this module does about them:

* Types are inferred from the first block only, so a later value of another type
  fails the read half-way. The first full read therefore *resolves* the schema: when a
  column fails to convert, it is widened (int -> float -> string) and the read restarts.
  The resolved types are stored with the dataset metadata, so it happens once.
* Ragged rows (more or fewer fields than the header). Policy: such a row is dropped,
  counted, and its line number kept (the first 20); the dataset metadata, the report and
  every finding's row count show it. A file where every row is ragged fails instead.
"""

from __future__ import annotations

import bz2
import gzip
import re
import zlib
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..background import BackgroundCall
from .base import BadRows, check_column_names, dataset_error

CSV_COMPRESSED = (".csv.gz", ".csv.bz2", ".tsv.gz", ".tsv.bz2", ".txt.gz", ".txt.bz2")
CSV_SUFFIXES = (".csv", ".tsv", ".txt", *CSV_COMPRESSED)
MAX_BAD_ROW_POSITIONS = 20
_BLOCK_SIZE = 1 << 22
#: Block size of the resolving read of a file larger than _BLOCK_SIZE whose line breaks are
#: all outside quotes: pyarrow reads up to 32 blocks ahead, so this keeps ~4 MB in flight
#: instead of ~130 MB (measured on the 2M-row benchmark log: the peak RSS of the read and
#: cache write is ~50 MB lower than with 1 MiB blocks, at the same CPU time; of the parse
#: alone, 173 -> 127 MB). The types are still inferred from the first _BLOCK_SIZE bytes.
#: A row longer than a block makes the read start again with _BLOCK_SIZE blocks, as a file
#: with line breaks inside quotes is read.
_RESOLVE_BLOCK_SIZE = 1 << 17
_SCAN_BLOCK = 1 << 18

#: pyarrow's error for a row that does not fit in one block
_STRADDLING = "straddling object straddles two block boundaries"
# pyarrow < 26: "In CSV column #3: CSV conversion error to int64: ..."; pyarrow 26 puts the
# row in between ("In CSV column #3: Row #1500002: CSV conversion error to int64: ...").
_COLUMN_ERROR = re.compile(r"In CSV column #(\d+):(?: Row #\d+:)? CSV conversion error to (\w+)")
#: A file with more ragged rows than this share of its rows (and more than
#: MAX_RAGGED_ROWS of them, or half its rows or more: a 3-row file losing 2) is refused:
#: the delimiter or the quoting is wrong, and dropping the rows would analyse a different
#: table than the user has.
#: float64 holds every whole number up to 2**53 exactly; pyarrow reads an integer past
#: int64's range as a double, which keeps only its first 15-17 digits
_EXACT_FLOAT_LIMIT = float(2**53)
#: a whole number written in digits, with an optional sign
_INTEGER_TEXT = r"^\s*[+-]?[0-9]+\s*$"
#: more digits than float64 keeps exactly
_LONG_DIGITS = 16
MAX_RAGGED_SHARE = 0.01
MAX_RAGGED_ROWS = 10
_BOMS = (
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe", "UTF-16"),
    (b"\xfe\xff", "UTF-16"),
)


def open_text_bytes(path: Path):
    """The file's bytes as a binary stream, decompressed for a ``.gz``/``.bz2`` CSV (as
    pyarrow reads those: by the name's ending). Why: the checks below read the text itself,
    and a compressed file's own bytes would read as binary data."""
    name = path.name.lower()
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


#: what reading a damaged file raises: an OSError, a truncated archive's EOFError, and
#: zlib's own error for a .gz whose header is sound but whose deflate data are not (it is
#: no OSError: it ended the session with an INTERNALERROR)
_DAMAGED = (OSError, EOFError, zlib.error)


def _reason(exc: Exception) -> object:
    """An OSError's own text, else the exception (a damaged archive's EOFError)."""
    return getattr(exc, "strerror", None) or exc


def check_encoding(path: Path) -> None:
    """Refuse, with one line, a file that is not UTF-8 text: a UTF-16/32 byte-order mark,
    or NUL bytes near the start (UTF-16 without a mark, or a binary file)."""
    try:
        with open_text_bytes(path) as handle:
            head = handle.read(65536)
    except _DAMAGED as exc:  # a damaged .gz/.bz2 too
        raise dataset_error(path, f"cannot be read: {_reason(exc)}") from None
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            raise dataset_error(
                path, f"is {encoding} text (byte-order mark)", "re-encode the file as UTF-8"
            )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise dataset_error(
            path,
            f"contains a NUL byte at offset {nul}: not UTF-8 text",
            "re-encode the file as UTF-8 or remove the binary data",
        )


DELIMITERS = (",", ";", "\t", "|")


def _head(path: Path) -> bytes | None:
    """The first 64 KB of the (decompressed) file, from which its delimiter and decimal
    mark are sniffed; None when it cannot be read (the full read reports why)."""
    try:
        with open_text_bytes(path) as handle:
            return handle.read(65536)
    except _DAMAGED:
        return None


def sniff_delimiter(path: Path, head: bytes | None = None) -> str:
    """Pick the delimiter from the header line: the candidate it contains most often.

    European exports use ';', database dumps '|' or tabs; a header with none of them is a
    one-column file and keeps ','. Ties go to the order of DELIMITERS. ``head``: the
    file's first bytes when already read (:func:`_head`).
    """
    if ".tsv" in path.name.lower():
        return "\t"
    head = _head(path) if head is None else head
    if head is None:
        return ","
    header = head.split(b"\n", 1)[0].decode("utf-8", errors="replace")
    counts = [(header.count(d), -i, d) for i, d in enumerate(DELIMITERS)]
    best = max(counts)
    return best[2] if best[0] > 0 else ","


#: values read as missing: pyarrow's defaults (pandas' too: '', 'NA', 'N/A', 'NULL',
#: 'nan', ...), a lone space, which R's write.csv leaves for an empty factor level
#: (Hawks' ReleaseTime: 842 rows of ' ' counted as one level, 'missing in 1 of 908 rows'),
#: and '\N', the null of MySQL's and PostgreSQL's text exports (a numeric column with 10%
#: of them was read as text, and 892 of 1,151 breach descriptions as a value: rater BI)
NULL_VALUES = [*pacsv.ConvertOptions().null_values, " ", "\\N"]

_COMMA_DECIMAL = re.compile(rb"^\s*[-+]?\d*,\d+\s*$")
_DOT_DECIMAL = re.compile(rb"^\s*[-+]?\d*\.\d+(?:[eE][-+]?\d+)?\s*$")


def sniff_decimal_mark(head: bytes | None, delimiter: str) -> str:
    """The decimal mark of a ';'-separated file (``head``: its first bytes): ',' (the European convention such files
    usually follow: ``2,5``) unless the values of its first 64 KB are written with '.'
    more often (pandas' ``to_csv(sep=';')`` writes ``2.5``); '.' for every other delimiter.

    Why: assuming ',' read every '.'-decimal column of such a file as text, silently (a
    measure became an identifier); a value written with the other mark still fails to
    parse as a number and keeps its column text, as before."""
    if delimiter != ";":
        return "."
    if head is None:  # unreadable: the full read reports why
        return ","
    lines = head.splitlines()[1:-1] or head.splitlines()[1:]
    comma = dot = 0
    for line in lines:
        for field in line.split(b";"):
            field = field.strip(b'"')
            if _COMMA_DECIMAL.match(field):
                comma += 1
            elif _DOT_DECIMAL.match(field):
                dot += 1
    return "." if dot > comma else ","


def _scan_quotes(path: Path) -> tuple[int, bool]:
    """(number of '"' in the file, whether some line break follows an odd number of them).

    An odd count is a quote left open (refused after the read, see ``_resolve``). A line
    break inside quotes makes where pyarrow cuts blocks matter (it cuts at the last line
    break of a block, quotes or not), so such a file keeps the block size it always had.
    A '"' inside an unquoted field counts too: it can only make the answer ``True``.

    Runs beside the resolving read: blocks of _SCAN_BLOCK bytes keep its memory small, and
    a block with no '"' (nor an open quote) or no '\\r' skips the numpy passes for them."""
    count = 0
    inside = False
    try:
        with open_text_bytes(path) as handle:
            while block := handle.read(_SCAN_BLOCK):
                if not (count & 1) and block.find(b'"') < 0:
                    continue  # no quote open, none in the block: no break inside quotes
                data = np.frombuffer(block, np.uint8)
                quotes = np.flatnonzero(data == 34)
                if not inside:
                    newline = data == 10
                    if block.find(b"\r") >= 0:
                        newline |= data == 13
                    breaks = np.flatnonzero(newline)
                    inside = bool(np.any((np.searchsorted(quotes, breaks) + count) & 1))
                count += len(quotes)
    except _DAMAGED as exc:  # a damaged or truncated .gz/.bz2
        raise dataset_error(
            path,
            f"cannot be read to its end: {_reason(exc)}",
            "check the file is complete (a download or copy that stopped early?)",
        ) from None
    return count, inside


def _first_block(path: Path) -> bytes | None:
    """The bytes pyarrow's first block of _BLOCK_SIZE holds (up to its last line break),
    from which it infers the column types; None when they hold no line break."""
    try:
        with open_text_bytes(path) as handle:
            head = handle.read(_BLOCK_SIZE)
    except _DAMAGED:  # _scan_quotes, which reads to the end, reports it
        return None
    cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: cut + 1] if cut >= 0 else None


class _QuotedBreak(Exception):
    """The file has a line break inside quotes: its resolving read starts again with the
    usual block size (see ``CsvSource._resolve``)."""


class _RaggedRows:
    def __init__(self) -> None:
        self.count = 0
        self.lines: list[int] = []

    def __call__(self, row: pacsv.InvalidRow) -> str:
        self.count += 1
        if len(self.lines) < MAX_BAD_ROW_POSITIONS and row.number is not None:
            self.lines.append(int(row.number))
        return "skip"


class CsvSource:
    format = "csv"

    def __init__(
        self, path: Path, column_types: dict[str, pa.DataType] | None = None, *, spool=None
    ) -> None:
        """``spool``: a :class:`..cache.BuildSpool` that the resolving read (when
        ``column_types`` is None) writes the cache entry through, so the file is parsed once."""
        self.path = path
        head = _head(path)  # read once for both sniffs
        self._delimiter = sniff_delimiter(path, head)
        self._decimal = sniff_decimal_mark(head, self._delimiter)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise dataset_error(path, f"cannot be read: {exc.strerror}") from None
        if size == 0:
            raise dataset_error(path, "is empty (0 bytes)", "a CSV needs a header row and data")
        self._types: dict[str, pa.DataType] = {}
        if column_types is not None:
            self._types = dict(column_types)
        check_encoding(path)
        self._names: list[str] | None = None  # set when the header leaves a name blank
        self._bad = BadRows()
        self._rows: int | None = None
        self._schema: pa.Schema | None = None
        if column_types is None:
            self._resolve(spool)

    # -- reading -----------------------------------------------------------------
    def _reader(
        self,
        columns: Sequence[str] | None,
        ragged: _RaggedRows,
        block_size: int,
        data: bytes | None = None,
        types: dict[str, pa.DataType] | None = None,
    ):
        """A streaming reader of the file (or of ``data``, bytes of it), with the resolved
        column types (or ``types`` instead)."""
        convert = pacsv.ConvertOptions(
            column_types=(self._types if types is None else types) or None,
            include_columns=list(columns) if columns is not None else None,
            strings_can_be_null=True,
            null_values=NULL_VALUES,
            # ';'-separated files usually write decimals with ',' (sniff_decimal_mark)
            decimal_point=self._decimal,
        )
        if self._names is None:
            self._names = self._header_names(data)
        read = pacsv.ReadOptions(block_size=block_size, use_threads=False)
        if self._names:
            # the header is read as a row and skipped; skip_rows would skip one *line*, and
            # a name with a quoted line break in it would leave its rest as a ragged row
            read = pacsv.ReadOptions(
                block_size=block_size,
                use_threads=False,
                column_names=self._names,
                skip_rows_after_names=1,
            )
        try:
            reader = pacsv.open_csv(
                self.path if data is None else pa.BufferReader(data),
                read_options=read,
                parse_options=pacsv.ParseOptions(
                    delimiter=self._delimiter,
                    invalid_row_handler=ragged,
                    newlines_in_values=any("\n" in n or "\r" in n for n in self._names or ()),
                ),
                convert_options=convert,
            )
        except pa.ArrowInvalid as exc:
            raise self._translate(exc) from None
        try:
            names = reader.schema.names  # a header that is not UTF-8 fails here
        except UnicodeDecodeError:
            raise dataset_error(
                self.path, "has a header that is not valid UTF-8", "re-encode the file as UTF-8"
            ) from None
        check_column_names(self.path, names)  # before a row is read: Arrow refuses 'a,a'
        return reader

    def _header_names(self, data: bytes | None) -> list[str]:
        """The header's names with blank ones named as pandas names them ('Unnamed: 0' for
        the first column), or [] when none is blank.

        Why: ``df.to_csv(path)`` and R's ``write.csv`` write the row index under an empty
        header cell. Every analysis and the dataset spec address columns by name, and a
        column named '' reads as "Correlation of '' and 'b'"; pandas' name is the one a
        user comparing numbers with pandas already sees."""
        names = self._header_names_raw(data)
        if not names or all(name.strip() for name in names):
            return []
        if len(names) < 2 and not names[0].strip():
            return []  # a blank first line, no header of blank cells: refused as such
        taken = set(names)
        renamed = []
        for position, name in enumerate(names):
            if not name.strip():
                name = f"Unnamed: {position}"
                while name in taken:
                    name += "_"
                taken.add(name)
            renamed.append(name)
        return renamed

    def _header_names_raw(self, data: bytes | None = None) -> list[str]:
        """The header's names as written; [] when the header cannot be read (the reading
        proper says why)."""
        try:
            return pacsv.open_csv(
                self.path if data is None else pa.BufferReader(data),
                read_options=pacsv.ReadOptions(block_size=_BLOCK_SIZE, use_threads=False),
                parse_options=pacsv.ParseOptions(
                    delimiter=self._delimiter, invalid_row_handler=_RaggedRows()
                ),
                convert_options=pacsv.ConvertOptions(column_types={}),
            ).schema.names
        except (pa.ArrowInvalid, UnicodeDecodeError):
            return []

    @property
    def renamed_blank_names(self) -> list[str]:
        """The names given to blank header cells ('Unnamed: 0'), for the terminal summary."""
        if self._names is None:
            self._names = self._header_names(None)
        original = [] if not self._names else self._header_names_raw()
        return [n for n, o in zip(self._names, original, strict=False) if not o.strip()]

    def _empty_error(self) -> Exception:
        """'Empty CSV file' from Arrow for a file that has bytes: its first quote never
        closes, so the whole file reads as one field ('"a,b' then rows was refused as
        'is empty')."""
        try:
            with open(self.path, "rb") as handle:
                head = handle.read(_BLOCK_SIZE)
        except OSError:
            head = b""
        if head.strip() and head.count(b'"') % 2 == 1:
            line = head[: head.index(b'"')].count(b"\n") + 1
            return dataset_error(
                self.path,
                f"has no complete row: the quote opened on line {line} is never closed, so the "
                "rest of the file reads as one field",
                'close the quote; a quote inside a quoted field is written twice: ""',
            )
        return dataset_error(self.path, "is empty", "a CSV needs a header row and data")

    def _translate(self, exc: Exception) -> Exception:
        text = str(exc)
        if "Empty CSV file" in text:
            return self._empty_error()
        if "UTF8" in text or "UTF-8" in text or "utf8" in text:
            return dataset_error(
                self.path, "contains text that is not valid UTF-8", "re-encode the file as UTF-8"
            )
        if _STRADDLING in text:
            return dataset_error(
                self.path,
                f"holds a row longer than {_BLOCK_SIZE >> 20} MB (a field of that much text, or "
                "an unclosed quote that runs on)",
                "close the quote, or keep such long texts out of the CSV (Parquet holds them)",
            )
        return dataset_error(self.path, f"cannot be parsed as CSV: {text.splitlines()[0]}")

    def _inferred_types(self) -> dict[str, pa.DataType] | None:
        """The types pyarrow infers from the file's first block, read from those bytes
        alone (opening the file would start its read-ahead); None when that fails."""
        head = _first_block(self.path)
        if head is None:
            return None
        try:
            schema = self._reader(None, _RaggedRows(), _BLOCK_SIZE + 1, data=head).schema
        except (pa.ArrowInvalid, UnicodeDecodeError, ValueError):
            return None
        return {f.name: f.type for f in schema}

    def _resolve(self, spool=None) -> None:
        """Read the whole file once, widening column types until every row converts.

        A file larger than one block whose line breaks are all outside quotes is read in
        smaller blocks (same rows, same values: the types are those pyarrow infers from
        its usual first block, given explicitly), which bounds pyarrow's read-ahead; a row
        that does not fit in such a block sends the read back to the usual block size.
        ``spool``: see :meth:`__init__`.

        The scan for quotes runs on a helper thread during the read (it used to come
        first, a fifth of the cold open on one core): the read assumes the common case,
        no line break inside quotes, and starts again as before when the scan finds one.
        An error of the scan (a truncated archive) is reported before the read's, as when
        it ran first.
        """
        scan = BackgroundCall(_scan_quotes, self.path)
        small = False
        compressed = self.path.name.lower().endswith(CSV_COMPRESSED)  # bytes of the archive
        if not compressed and self.path.stat().st_size > _BLOCK_SIZE:
            inferred = self._inferred_types()
            if inferred is not None:
                self._types = inferred
                small = True
        try:
            self._resolve_read(_RESOLVE_BLOCK_SIZE if small else _BLOCK_SIZE, spool, scan, small)
            return
        except _QuotedBreak:
            pass
        except Exception:
            _quotes, breaks_in_quotes = scan.result()  # its error, if any, comes first
            if not (small and breaks_in_quotes):
                raise
        # a line break inside quotes: the usual block size, the types pyarrow infers
        self._types = {}
        self._resolve_read(_BLOCK_SIZE, spool, scan, False)

    def _resolve_read(self, block: int, spool, scan: BackgroundCall, small: bool) -> None:
        """The resolving read in ``block``-sized blocks; raises :class:`_QuotedBreak` when
        ``small`` (blocks chosen before the scan's answer) and the scan finds a line break
        inside quotes."""
        widen = {"int64": pa.float64(), "double": pa.string(), "float64": pa.string()}
        checked: set[str] = set()  # doubles whose text was read: not long integers
        for _attempt in range(64):
            ragged = _RaggedRows()
            reader = self._reader(None, ragged, block)
            schema = reader.schema
            counted = [0]
            doubles = [
                f.name for f in schema if pa.types.is_floating(f.type) and f.name not in checked
            ]
            suspects: set[str] = set()

            def batches(reader=reader, counted=counted, doubles=doubles, suspects=suspects):
                for batch in reader:
                    counted[0] += batch.num_rows
                    suspects.update(_beyond_exact(batch, doubles))
                    yield batch

            try:
                if spool is not None:
                    spool.consume(schema, batches(), self.path.name)
                else:
                    for _batch in batches():
                        pass
            except pa.ArrowInvalid as exc:
                if small and scan.result()[1]:
                    raise _QuotedBreak from None  # before widening on a misread row
                if block != _BLOCK_SIZE and _STRADDLING in str(exc):
                    block = _BLOCK_SIZE  # a row longer than the small block
                    continue
                match = _COLUMN_ERROR.search(str(exc))
                if match is None:
                    raise self._translate(exc) from None
                name = schema.names[int(match.group(1))]
                current = self._types.get(name, schema.field(name).type)
                if pa.types.is_string(current) or match.group(2) in ("string", "utf8"):
                    # text that does not convert to text: bytes that are not UTF-8
                    raise dataset_error(
                        self.path,
                        f"column {name!r} contains text that is not valid UTF-8",
                        "re-encode the file as UTF-8",
                    ) from None
                self._types[name] = widen.get(str(current), pa.string())
                continue
            quotes, breaks_in_quotes = scan.result()
            if small and breaks_in_quotes:
                raise _QuotedBreak
            rows = counted[0]
            # an unclosed quote swallows the rest of the file into one field, which then
            # reads as ragged rows: the quote is the cause to name
            if quotes % 2:
                raise dataset_error(
                    self.path,
                    "has a quoted field that is never closed (an odd number of '\"')",
                    "close the quote or escape it as two quotes",
                )
            if rows == 0 and ragged.count:
                raise dataset_error(
                    self.path,
                    f"every data row is ragged ({ragged.count} rows)",
                    "check the delimiter and quoting",
                )
            total = rows + ragged.count
            if ragged.count > MAX_RAGGED_SHARE * total and (
                ragged.count > MAX_RAGGED_ROWS or 2 * ragged.count >= total
            ):
                raise dataset_error(
                    self.path,
                    f"{ragged.count} of {total} data rows are ragged (more fields or fewer "
                    f"than the header; first at line {ragged.lines[0] if ragged.lines else '?'})"
                    f", more than {MAX_RAGGED_SHARE:.0%}",
                    "check the delimiter (one per file) and the quoting",
                )
            binary = [
                f.name
                for f in schema
                if pa.types.is_binary(f.type) or pa.types.is_large_binary(f.type)
            ]
            if binary:
                raise dataset_error(
                    self.path,
                    f"column {binary[0]!r} contains text that is not valid UTF-8",
                    "re-encode the file as UTF-8",
                )
            if suspects:
                checked.update(suspects)
                long_integers = self._long_integers(sorted(suspects))
                if long_integers:
                    # read those columns as text: 10**25 + i are 50 keys, not one 1e25
                    self._types.update(dict.fromkeys(long_integers, pa.string()))
                    continue
            self._schema = schema
            self._rows = rows
            self._bad = BadRows(ragged.count, tuple(ragged.lines))
            self._types = {f.name: f.type for f in schema}
            return
        raise dataset_error(self.path, "column types could not be resolved")  # pragma: no cover

    def _long_integers(self, names: list[str]) -> list[str]:
        """The columns of ``names`` written as whole numbers only, some of more digits than
        float64 keeps: identifiers (account numbers, 20-digit keys) that a double would
        merge. Read once more, as text, only when such a double was seen."""
        reader = self._reader(
            names, _RaggedRows(), _BLOCK_SIZE, types=dict.fromkeys(names, pa.string())
        )
        whole, long = set(names), set()
        for batch in reader:
            for name in list(whole):
                text = batch.column(name)
                if pc.any(pc.invert(pc.match_substring_regex(text, _INTEGER_TEXT))).as_py():
                    whole.discard(name)  # a decimal point or an exponent: a real number
                elif pc.any(
                    pc.greater_equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), _LONG_DIGITS)
                ).as_py():
                    long.add(name)
        return [n for n in names if n in whole and n in long]

    # -- the Source protocol -------------------------------------------------------
    @property
    def schema(self) -> pa.Schema:
        if self._schema is None:
            reader = self._reader(None, _RaggedRows(), 1 << 16)
            self._schema = reader.schema
        return self._schema

    def resolved_types(self) -> dict[str, pa.DataType]:
        return {f.name: f.type for f in self.schema}

    def parts(self) -> Sequence[str]:
        return [self.path.name]

    def row_count(self) -> int | None:
        return self._rows

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        ragged = _RaggedRows()
        reader = self._reader(columns, ragged, _BLOCK_SIZE)
        try:
            for batch in reader:
                if columns is not None:
                    batch = batch.select(list(columns))
                for start in range(0, batch.num_rows, batch_size):
                    yield batch.slice(start, batch_size)
        except pa.ArrowInvalid as exc:
            raise self._translate(exc) from None

    def content_files(self) -> Sequence[Path]:
        return [self.path]

    def bad_rows(self) -> BadRows:
        return self._bad

    def set_bad_rows(self, bad: BadRows) -> None:
        self._bad = bad


def _beyond_exact(batch: pa.RecordBatch, names: list[str]) -> list[str]:
    """The columns of ``names`` (doubles) holding a whole number beyond 2**53: an integer
    of the file past int64's range that the double may have rounded."""
    out = []
    for name in names:
        values = batch.column(name)
        big = pc.greater_equal(pc.abs(values), _EXACT_FLOAT_LIMIT)
        if pc.any(big).as_py() and pc.any(pc.and_(big, pc.equal(values, pc.floor(values)))).as_py():
            out.append(name)
    return out
