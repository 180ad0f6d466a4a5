"""The columnar dataset cache: each dataset parsed once into memory-mapped Arrow IPC.

Layout, under a cache folder (the plugin uses ``<home>/cache/datasets``)::

    index.json                   source location id -> the key last built for it
    index.lock                   flock guarding read-modify-write of index.json
    <key>.lock                   flock: one builder per key; readers of a missing entry wait
    <key>.use                    last use (its mtime) and the in-use lock (shared flock)
    <key>/manifest.json          what the entry holds and how to check it
    <key>/part-00000.arrow       one Arrow IPC *file* per source part, compressed (lz4 by
    <key>/part-00001.arrow       default), record batches of exactly the canonical chunk size
    .build-<key>-<random>/       an entry being built (renamed to <key>/ when complete)
    .build-spool-<pid>-<random>/ an entry written during a CSV's first read, before its key
                                 is known (see BuildSpool)

``key`` hashes the cache format version, the *content key* of the original source (the
bytes of its files, format, table and canonical chunk size, see :mod:`.fingerprint`) and
the resolved Arrow schema. The dataset fingerprint stays the fingerprint of the original
content: the cache only changes where the bytes are streamed from.

One IPC file per source part keeps the part boundaries, so canonical chunks (which restart
at every part) and therefore every finding are the same with the cache on or off.

Before an entry is used it is checked: the manifest parses, names this key and format
version, and every data file has the recorded size and sha256. A failed check is reported
as ``corrupt`` and the entry is rebuilt. Entries are built in a temp folder inside the
cache folder, fsynced, and renamed into place under the key's lock, so a reader sees either
no entry or a complete one. ``STAT_HARNESS_DATASET_CACHE=off`` disables the cache.

Size (issue 10). Data files are compressed IPC (lz4 frames by default; ``zstd`` or ``none``
through ``stat_cache_compression``). Measured with bench/cache_bench.py (figures in
bench/README.md): lz4 halves an entry (a 56 MB Parquet source: 197 → 100 MB) for about 6%
more CPU on an analysis pass from the warm entry. The folder is
kept under a size cap (``stat_cache_max_size``, default 2 GiB): after a session attaches
an entry, least-recently-used entries are evicted whole until the folder fits. Last use is
the mtime of ``<key>.use``, touched on every attach; a session holds a shared flock on that
file for as long as it may read the entry, and eviction only takes entries whose
exclusive lock it gets without waiting, so an entry in use by a running session is never
evicted (nor one being built: the key's build lock is taken without waiting too).

Three guarantees against a cache shared or tampered with (issue 11):

* **Signed manifests.** Every manifest carries an HMAC-SHA256 over its content made with
  the cache folder's secret (``.key``, 32 random bytes, mode 600, created once). Editing a
  data file *and* its recorded sha256 no longer passes the check: the signature breaks, and
  the entry is reported ``corrupt`` and rebuilt; ``statharness cache verify`` says so.
* **Pinned files.** A session opens each part file of the entry it uses once and keeps the
  descriptor: clearing, rebuilding or replacing the entry (which renames it away, then
  deletes it) does not break a session that is reading it.
* **No wider than the source.** An entry made from a file that other users may not read
  is private (folder 700, files 600); otherwise it is 755/644.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import mmap
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from ..atomic import fsync_dir, write_text_atomic
from .background import BackgroundFeed
from .chunks import canonical_chunks
from .sources.arrow_ipc import ArrowIpcSource
from .sources.base import BadRows, Source

try:  # pragma: no cover - always there on POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock
    fcntl = None

#: Bump when the layout or the bytes written change: old entries then stop matching.
#: 2: compressed data files, full-length sha256 keys. 3: a ';'-separated CSV's decimal
#: mark is sniffed ('.' decimals were cached as text columns). 4: '\N' is read as missing.
CACHE_FORMAT_VERSION = 4
#: Codecs of the data files; the reader needs no setting (IPC records the codec).
COMPRESSIONS = ("lz4", "zstd", "none")
DEFAULT_COMPRESSION = "lz4"
#: Default size cap of a cache folder: large enough for a few 2M-row datasets.
DEFAULT_MAX_BYTES = 2 << 30
USE_SUFFIX = ".use"
#: Version of the manifest.json document.
MANIFEST_SCHEMA_VERSION = 1
ENV_VAR = "STAT_HARNESS_DATASET_CACHE"
MANIFEST = "manifest.json"
INDEX = "index.json"
KEY_FILE = ".key"
SIGNATURE = "signature"
MAX_PINNED_PARTS = 256  # parts beyond this are opened by path (descriptor budget)
BUILD_PREFIX = ".build-"
TRASH_PREFIX = ".trash-"
_READ_BATCH_ROWS = 65536
_HASH_BLOCK = 1 << 20

# Reasons a status can give.
VALID = "valid"
NEW = "new"
SOURCE_CHANGED = "source changed"
SCHEMA_CHANGED = "schema changed"
CORRUPT = "corrupt"
DISABLED = "disabled"
UNSUPPORTED = "unsupported"
BUILD_FAILED = "build failed"


def cache_enabled() -> bool:
    """False when ``STAT_HARNESS_DATASET_CACHE`` is ``off`` (or 0/false/no)."""
    value = os.environ.get(ENV_VAR, "on").strip().lower()
    return value not in ("off", "0", "false", "no")


def schema_digest(schema: pa.Schema) -> str:
    """Names, types and nullability of the columns (metadata does not change content)."""
    text = ";".join(f"{f.name}:{f.type}:{int(f.nullable)}" for f in schema)
    return hashlib.sha256(text.encode()).hexdigest()


def cache_key(content_key: str, schema: pa.Schema) -> str:
    """Full-length sha256 (64 hex digits): a key names the bytes a session will trust."""
    text = f"statharness-cache-v{CACHE_FORMAT_VERSION}|{content_key}|{schema_digest(schema)}"
    return hashlib.sha256(text.encode()).hexdigest()


def location_id(file: Path, table: str | None) -> str:
    """A stable id of where a source lives, without writing its absolute path anywhere."""
    text = f"{Path(file).resolve().as_posix()}::{table or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _created_by() -> str:
    try:
        from importlib.metadata import version

        return f"pytest-statharness {version('pytest-statharness')}"
    except Exception:  # pragma: no cover - running from a source tree without metadata
        return "pytest-statharness"


def _sha256(path: Path) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _schema_to_text(schema: pa.Schema) -> str:
    import base64

    return base64.b64encode(schema.serialize().to_pybytes()).decode()


# -- signing ---------------------------------------------------------------------------------
def cache_secret(cache_dir: Path, *, create: bool = False) -> bytes | None:
    """The cache folder's HMAC secret (None when it cannot be read, or is missing and not
    ``create``). Created atomically: written to a private temp file, then hard-linked into
    place, so a concurrent reader sees no file or the whole one."""
    path = Path(cache_dir) / KEY_FILE
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        if not create:
            return None
    fd, tmp = tempfile.mkstemp(prefix=".key-", dir=cache_dir)  # mode 600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(os.urandom(32).hex())
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
    finally:
        os.unlink(tmp)
    return cache_secret(cache_dir)


def sign_manifest(secret: bytes, manifest: dict) -> str:
    body = {k: v for k, v in manifest.items() if k != SIGNATURE}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"))
    return "hmac-sha256:" + hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def _source_is_private(source: Source) -> bool:
    """True when some content file of ``source`` cannot be read by other users."""
    for path in source.content_files():
        try:
            if not os.stat(path).st_mode & stat.S_IROTH:
                return True
        except OSError:
            return True
    return False


# -- locking ------------------------------------------------------------------------------
@contextmanager
def _flock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock on ``path`` (created if missing), blocking until granted."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def key_lock(cache_dir: Path, key: str):
    return _flock(Path(cache_dir) / f"{key}.lock")


# -- checking an entry ----------------------------------------------------------------------
@dataclass(frozen=True)
class Check:
    """The outcome of checking one entry: ``ok`` or what is wrong with it."""

    ok: bool
    problem: str = ""
    manifest: dict | None = None


def read_manifest(entry: Path) -> dict | None:
    try:
        manifest = json.loads((entry / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None


def check_entry(entry: Path, *, key: str | None = None, hashes: bool = True) -> Check:
    """Check an entry folder: manifest, then size and (``hashes``) sha256 of every file."""
    entry = Path(entry)
    if not (entry / MANIFEST).is_file():
        return Check(False, "manifest.json is missing")
    manifest = read_manifest(entry)
    if manifest is None:
        return Check(False, "manifest.json is not valid JSON")
    try:
        if manifest.get("schema_version") != MANIFEST_SCHEMA_VERSION:
            return Check(False, f"manifest schema_version {manifest.get('schema_version')!r}")
        if manifest.get("cache_format") != CACHE_FORMAT_VERSION:
            return Check(False, f"cache format {manifest.get('cache_format')!r}")
        expected = key if key is not None else entry.name
        if manifest.get("key") != expected:
            return Check(False, f"manifest names key {manifest.get('key')!r}")
        secret = cache_secret(entry.parent)
        if secret is None:
            return Check(False, f"the cache folder's {KEY_FILE} is missing or unreadable")
        if not hmac.compare_digest(
            str(manifest.get(SIGNATURE, "")), sign_manifest(secret, manifest)
        ):
            return Check(
                False, "manifest signature does not match (written or edited outside the harness)"
            )
        files = manifest["files"]
        total = 0
        for item in files:
            name = item["path"]
            if "/" in name or "\\" in name or name.startswith("."):
                return Check(False, f"bad file name {name!r} in manifest")
            path = entry / name
            try:
                size = path.stat().st_size
            except OSError:
                return Check(False, f"{name} is missing")
            if size != item["bytes"]:
                return Check(False, f"{name} has {size} bytes, manifest says {item['bytes']}")
            if hashes and _sha256(path) != item["sha256"]:
                return Check(False, f"{name} does not match its sha256")
            total += int(item["rows"])
        if total != manifest["row_count"]:
            return Check(False, "row counts of the files do not add up")
    except (KeyError, TypeError, ValueError) as exc:
        return Check(False, f"manifest is malformed ({exc.__class__.__name__}: {exc})")
    return Check(True, "", manifest)


# -- the index: location -> key ------------------------------------------------------------
def read_index(cache_dir: Path) -> dict:
    try:
        data = json.loads((Path(cache_dir) / INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("locations", {}) if isinstance(data, dict) else {}


def _update_index(cache_dir: Path, loc: str, record: dict | None) -> None:
    """Set (or, with None, drop) one location's record, under the index lock."""
    with _flock(Path(cache_dir) / "index.lock"):
        locations = read_index(cache_dir)
        if record is None:
            locations.pop(loc, None)
        else:
            locations[loc] = record
        write_text_atomic(
            Path(cache_dir) / INDEX,
            json.dumps({"schema_version": 1, "locations": locations}, indent=1, sort_keys=True),
        )


def drop_from_index(cache_dir: Path, keys: set[str]) -> None:
    with _flock(Path(cache_dir) / "index.lock"):
        locations = read_index(cache_dir)
        kept = {loc: rec for loc, rec in locations.items() if rec.get("key") not in keys}
        if kept != locations:
            write_text_atomic(
                Path(cache_dir) / INDEX,
                json.dumps({"schema_version": 1, "locations": kept}, indent=1, sort_keys=True),
            )


def _miss_reason(cache_dir: Path, loc: str, content_key: str, schema: pa.Schema) -> str:
    record = read_index(cache_dir).get(loc)
    if not record:
        return NEW
    if record.get("content_key") != content_key:
        return SOURCE_CHANGED
    if record.get("schema") != schema_digest(schema):
        return SCHEMA_CHANGED
    return NEW  # same source and schema, entry gone (cleared)


# -- building ---------------------------------------------------------------------------------
def _unsupported(schema: pa.Schema) -> str | None:
    def has_dictionary(typ: pa.DataType) -> bool:
        if pa.types.is_dictionary(typ):
            return True
        return any(has_dictionary(typ.field(i).type) for i in range(typ.num_fields))

    for field in schema:
        if has_dictionary(field.type):
            # The IPC file format cannot hold a dictionary that changes between batches.
            return f"column {field.name!r} is dictionary-encoded"
    return None


def _write_part(
    path: Path,
    schema: pa.Schema,
    batches,
    chunk_rows: int,
    compression: str = DEFAULT_COMPRESSION,
    *,
    on_batch=None,
    use_threads: bool = False,
) -> tuple[int, int]:
    """Write one part as an IPC file of chunk-sized batches: (rows, batches).

    ``compression``: a codec of :data:`COMPRESSIONS`; each column buffer of each batch is
    compressed on its own, so a reader of some columns decompresses only those.
    ``on_batch``: called with every batch written, in order (the batches a reader of the
    entry gets back). ``use_threads``: compress the columns of a batch in parallel (the
    bytes written are the same).
    """
    rows = count = 0
    codec = None if compression == "none" else compression
    options = ipc.IpcWriteOptions(compression=codec, use_threads=use_threads)
    with pa.OSFile(str(path), "wb") as sink:
        with ipc.new_file(sink, schema, options=options) as writer:
            for chunk in canonical_chunks([batches], chunk_rows, schema):
                for batch in chunk.table.to_batches():
                    writer.write_batch(batch)
                    if on_batch is not None:
                        on_batch(batch)
                    count += 1
                rows += chunk.num_rows
                chunk = batch = None  # not held while the next chunk is parsed (peak RSS)
    with open(path, "rb+") as handle:
        os.fsync(handle.fileno())
    return rows, count


SPOOL_PREFIX = ".build-spool-"


def _remove_dead_spools(cache_dir: Path) -> None:
    """Remove the spool folders of processes that no longer run (a crashed first read)."""
    remove_dead_owners(cache_dir, (SPOOL_PREFIX,))


#: spill files of the duplicate analyses (``analyses/quality``), named
#: ``<prefix><pid>-<random>``, under the session's spill folder
SPILL_PREFIXES = ("hashes-", "candidates-")


def remove_dead_owners(folder: Path, prefixes: tuple[str, ...]) -> int:
    """Remove the files and folders named ``<prefix><pid>-...`` in ``folder`` whose process
    no longer runs on this machine (a killed session's spills); returns how many.

    Why by pid: a live session on this machine may be writing them; a dead one never
    removes them (a ``kill -9``, a machine reset), and they can be as large as a table's
    hashes."""
    removed = 0
    for prefix in prefixes:
        for stale in folder.glob(f"{prefix}*"):
            try:
                pid = int(stale.name[len(prefix) :].split("-", 1)[0])
                os.kill(pid, 0)
            except ProcessLookupError:
                if stale.is_dir():
                    shutil.rmtree(stale, ignore_errors=True)
                else:
                    stale.unlink(missing_ok=True)
                removed += 1
            except (ValueError, OSError):
                continue
    return removed


class BuildSpool:
    """A cache entry's data file written during the source's *first* full read.

    A CSV is read in full once to resolve its column types (:mod:`.sources.csv`). With a
    spool, that read also writes the entry's part file and hands every batch written to
    ``fold`` (the dataset's typing scan): the very batches a reader of the entry gets back,
    so a cold open parses the file once, not twice, and does not read the new entry again.
    A read attempt that fails (a column is widened, the read restarts) drops its rows.
    The entry's key depends on the resolved types, so it is known only after the read:
    :func:`attach_cache` then adopts the spooled file (:meth:`take`) or, when an entry for
    the key exists already, the caller drops it (:meth:`discard`). Single-part sources.

    ``fold_factory(schema)`` returns ``(fold, feed)``: ``feed(batch)`` is called with each
    batch written, ``fold`` is kept as :attr:`fold` once a read completes.
    """

    def __init__(
        self,
        cache_dir: Path,
        chunk_rows: int,
        compression: str = DEFAULT_COMPRESSION,
        fold_factory=None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.chunk_rows = chunk_rows
        self.compression = compression
        self._fold_factory = fold_factory
        self._tmp: Path | None = None
        self._files: list[dict] = []
        self.schema: pa.Schema | None = None
        self.fold = None
        self.failed = ""
        self.seconds = 0.0

    def consume(self, schema: pa.Schema, batches, part_name: str) -> None:
        """Read ``batches`` (the part's rows in order, ending the read) into the part file.

        An error of the read propagates (the spool is dropped); an error of the write
        (disk full) only drops the spool: the rest of the read continues without it."""
        self.discard()
        self.schema, self.fold, self.failed = None, None, ""
        start = time.perf_counter()
        fold = feed = None
        if self._fold_factory is not None:
            fold, feed = self._fold_factory(schema)
        name = "part-00000.arrow"
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            _remove_dead_spools(self.cache_dir)
            self._tmp = Path(
                tempfile.mkdtemp(prefix=f"{SPOOL_PREFIX}{os.getpid()}-", dir=self.cache_dir)
            )
            # the typing scan runs on a helper thread, in batch order, while this one
            # parses and writes the next batches (see .background)
            with BackgroundFeed(feed) if feed is not None else nullcontext() as background:
                rows, count = _write_part(
                    self._tmp / name,
                    schema,
                    batches,
                    self.chunk_rows,
                    self.compression,
                    on_batch=background.put if background is not None else None,
                )
            info = {
                "path": name,
                "part": part_name,
                "rows": rows,
                "batches": count,
                "bytes": (self._tmp / name).stat().st_size,
                "sha256": _sha256(self._tmp / name),
            }
        except OSError as exc:
            self.discard()
            self.failed = exc.strerror or str(exc)
            for _batch in batches:  # finish the read without the spool
                pass
            return
        except BaseException:
            self.discard()
            raise
        self._files = [info]
        self.schema = schema
        self.fold = fold
        self.seconds = time.perf_counter() - start

    def take(
        self, schema: pa.Schema, chunk_rows: int, compression: str
    ) -> tuple[Path, list[dict], float] | None:
        """The spooled folder, its files and the seconds spent, when they hold ``schema``
        in ``chunk_rows`` chunks with ``compression``; the caller owns the folder then."""
        if (
            self._tmp is None
            or self.schema is None
            or not self.schema.equals(schema)
            or chunk_rows != self.chunk_rows
            or compression != self.compression
        ):
            return None
        tmp, self._tmp = self._tmp, None
        return tmp, list(self._files), self.seconds

    def discard(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None


def _build(
    cache_dir: Path,
    key: str,
    source: Source,
    schema: pa.Schema,
    *,
    content_key: str,
    chunk_rows: int,
    description: dict,
    compression: str = DEFAULT_COMPRESSION,
    spool: BuildSpool | None = None,
) -> Path:
    """Build the entry in a temp folder and rename it to ``<cache_dir>/<key>``.

    Must be called with the key's lock held. ``spool``: the data files already written
    during the source's first read (see :class:`BuildSpool`), used when they match.
    """
    start = time.perf_counter()
    final = cache_dir / key
    for stale in cache_dir.glob(f"{BUILD_PREFIX}{key}-*"):  # left by a crashed builder
        shutil.rmtree(stale, ignore_errors=True)
    taken = spool.take(schema, chunk_rows, compression) if spool is not None else None
    if taken is not None:  # written while the source was read the first time
        tmp, files, spent = taken
        start -= spent
    else:
        tmp = Path(tempfile.mkdtemp(prefix=f"{BUILD_PREFIX}{key}-", dir=cache_dir))
    try:
        if taken is None:
            files = []
            for part in range(len(source.parts())):
                name = f"part-{part:05d}.arrow"
                batches = source.iter_part_batches(part, None, _READ_BATCH_ROWS)
                rows, count = _write_part(tmp / name, schema, batches, chunk_rows, compression)
                files.append(
                    {
                        "path": name,
                        "part": source.parts()[part],
                        "rows": rows,
                        "batches": count,
                        "bytes": (tmp / name).stat().st_size,
                        "sha256": _sha256(tmp / name),
                    }
                )
        total = sum(item["rows"] for item in files)
        bad = source.bad_rows()
        manifest = {
            "schema_version": MANIFEST_SCHEMA_VERSION,
            "cache_format": CACHE_FORMAT_VERSION,
            "key": key,
            "content_key": content_key,
            "source": description,
            "chunk_rows": chunk_rows,
            "compression": compression,
            "row_count": total,
            "bad_rows": {"count": bad.count, "first_lines": list(bad.first_positions)},
            "schema": _schema_to_text(schema),
            "columns": [{"name": f.name, "type": str(f.type)} for f in schema],
            "files": files,
            "bytes": sum(f["bytes"] for f in files),
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "created_by": _created_by(),
            "build_s": round(time.perf_counter() - start, 3),
        }
        manifest[SIGNATURE] = sign_manifest(cache_secret(cache_dir, create=True), manifest)
        write_text_atomic(tmp / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))
        # mkstemp/mkdtemp make private files; an entry is read-only data any user of the
        # cache folder may read, unless its source is private: then so is the copy
        private = _source_is_private(source)
        for item in files:
            os.chmod(tmp / item["path"], 0o600 if private else 0o644)
        os.chmod(tmp / MANIFEST, 0o600 if private else 0o644)
        os.chmod(tmp, 0o700 if private else 0o755)
        fsync_dir(tmp)
        if final.exists():  # a corrupt entry: move it aside, then replace it
            trash = Path(tempfile.mkdtemp(prefix=f"{TRASH_PREFIX}{key}-", dir=cache_dir))
            os.rename(final, trash / "entry")
            shutil.rmtree(trash, ignore_errors=True)
        os.rename(tmp, final)
        fsync_dir(cache_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return final


def remove_entry(cache_dir: Path, key: str) -> None:
    """Remove one entry (under its lock, so never while it is being built)."""
    cache_dir = Path(cache_dir)
    with key_lock(cache_dir, key):
        entry = cache_dir / key
        if entry.exists():
            trash = Path(tempfile.mkdtemp(prefix=f"{TRASH_PREFIX}{key}-", dir=cache_dir))
            os.rename(entry, trash / "entry")
            fsync_dir(cache_dir)
            shutil.rmtree(trash, ignore_errors=True)
        for stale in cache_dir.glob(f"{BUILD_PREFIX}{key}-*"):
            shutil.rmtree(stale, ignore_errors=True)
    drop_from_index(cache_dir, {key})


def list_entries(cache_dir: Path) -> list[Path]:
    """The entry folders of a cache folder (complete ones only), sorted by key."""
    cache_dir = Path(cache_dir)
    if not cache_dir.is_dir():
        return []
    return sorted(p for p in cache_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


# -- last use and the in-use lock --------------------------------------------------------------
class UseLock:
    """A shared flock on ``<key>.use`` held while a session may read the entry, and the
    entry's last use (the file's mtime, touched on acquiring).

    flock locks belong to the open file description: every process (and every xdist
    worker) holds its own shared lock, the descriptor closes with the process, so a killed
    session never leaves an entry locked. Eviction asks for the exclusive lock without
    waiting; it fails while any session holds the shared one.
    """

    def __init__(self, cache_dir: Path, key: str) -> None:
        path = Path(cache_dir) / f"{key}{USE_SUFFIX}"
        self._fd: int | None = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
        if fcntl is not None:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        try:
            os.utime(self._fd)
        except OSError:  # someone else's file in a shared cache: last use stays theirs
            pass

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing drops the lock
            self._fd = None

    def __del__(self) -> None:
        try:
            self.release()
        except OSError:  # pragma: no cover
            pass


def last_used(cache_dir: Path, key: str) -> float:
    """When the entry was last attached (its ``.use`` file), else when it was made."""
    for path in (Path(cache_dir) / f"{key}{USE_SUFFIX}", Path(cache_dir) / key):
        try:
            return path.stat().st_mtime
        except OSError:
            continue
    return 0.0


def entry_bytes(entry: Path) -> int:
    try:
        return sum(p.stat().st_size for p in Path(entry).iterdir() if p.is_file())
    except OSError:
        return 0


def _try_flock(path: Path) -> int | None:
    """An exclusive flock on ``path`` if granted at once (its descriptor), else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
    except OSError:
        return None
    if fcntl is None:  # pragma: no cover - no locks: nothing can be known to be idle
        os.close(fd)
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def in_use(cache_dir: Path, key: str) -> bool:
    """True while some session holds the entry's in-use lock (or someone builds it)."""
    for name in (f"{key}{USE_SUFFIX}", f"{key}.lock"):
        if not (Path(cache_dir) / name).exists():
            continue
        fd = _try_flock(Path(cache_dir) / name)
        if fd is None:
            return True
        os.close(fd)
    return False


def evict_if_idle(cache_dir: Path, key: str) -> bool:
    """Remove entry ``key`` whole if no session uses it and nobody builds it; True if removed.

    Never waits: the in-use lock and the build lock are both taken with ``LOCK_NB``, so
    eviction cannot deadlock with a session (which takes them in that order, blocking).
    """
    cache_dir = Path(cache_dir)
    use_fd = _try_flock(cache_dir / f"{key}{USE_SUFFIX}")
    if use_fd is None:
        return False
    try:
        build_fd = _try_flock(cache_dir / f"{key}.lock")
        if build_fd is None:
            return False
        try:
            entry = cache_dir / key
            if not entry.is_dir():
                return False
            trash = Path(tempfile.mkdtemp(prefix=f"{TRASH_PREFIX}{key}-", dir=cache_dir))
            os.rename(entry, trash / "entry")
            fsync_dir(cache_dir)
            shutil.rmtree(trash, ignore_errors=True)
        finally:
            os.close(build_fd)
    finally:
        os.close(use_fd)
    drop_from_index(cache_dir, {key})
    return True


def enforce_size_cap(cache_dir: Path, max_bytes: int | None) -> list[tuple[str, int]]:
    """Evict least-recently-used entries whole until the folder's entries fit ``max_bytes``.

    Entries in use by a running session (any process) or being built are skipped, so the
    folder can stay over the cap while they are used. Returns ``(key, bytes)`` of each
    evicted entry. ``max_bytes`` None: no cap.
    """
    if max_bytes is None:
        return []
    cache_dir = Path(cache_dir)
    sized = [
        (last_used(cache_dir, e.name), e.name, entry_bytes(e)) for e in list_entries(cache_dir)
    ]
    total = sum(size for _, _, size in sized)
    evicted: list[tuple[str, int]] = []
    for _, key, size in sorted(sized):  # least recently used first (key breaks ties)
        if total <= max_bytes:
            break
        if evict_if_idle(cache_dir, key):
            evicted.append((key, size))
            total -= size
    return evicted


# -- the source that streams from an entry ----------------------------------------------------
class _PinnedPart:
    """One cached part file, opened once: the descriptor is kept, so the entry can be
    renamed away and deleted (``cache clear``, a rebuild) while a session still reads it.
    Batches come from memory maps of that descriptor, remapped every ``REMAP_BATCHES``
    batches like :class:`ArrowIpcSource` does (bounded RSS)."""

    REMAP_BATCHES = 8

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        try:
            reader = self._open()
            self.schema = reader.schema
            self._batches = reader.num_record_batches
        except BaseException:
            os.close(self._fd)
            raise

    def _open(self, fields: list[int] | None = None):
        buffer = pa.py_buffer(mmap.mmap(self._fd, 0, access=mmap.ACCESS_READ))
        # included_fields: a compressed file then decompresses only the columns asked for;
        # one thread, so a pass never competes with the analyses (or xdist) for cores
        options = ipc.IpcReadOptions(use_threads=False, included_fields=fields)
        return ipc.open_file(pa.BufferReader(buffer), options=options)

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        fields = None
        if columns is not None:
            fields = sorted({self.schema.get_field_index(c) for c in columns})
            if -1 in fields:
                missing = [c for c in columns if self.schema.get_field_index(c) == -1]
                raise KeyError(f"column(s) {missing} are not in cache part {self.path.name}")
        for start in range(0, self._batches, self.REMAP_BATCHES):
            reader = self._open(fields)
            for i in range(start, min(start + self.REMAP_BATCHES, self._batches)):
                batch = reader.get_batch(i)
                if columns is not None:
                    batch = batch.select(list(columns))
                for offset in range(0, batch.num_rows, batch_size):
                    yield batch.slice(offset, batch_size)
            del reader

    def __del__(self) -> None:
        fd = getattr(self, "_fd", None)
        if fd is not None:
            try:
                os.close(fd)
            except OSError:  # pragma: no cover
                pass


# -- the source that streams from an entry ------------------------------------------------
class CachedSource:
    """A source that streams the rows of ``original`` from a cache entry's IPC files.

    Describes itself as the original (format, path, schema, parts, content files, dropped
    rows), so the dataset's description and fingerprint do not depend on the cache.
    ``use``: the entry's in-use lock, held as long as this source lives (no eviction).
    """

    def __init__(
        self, original: Source, entry: Path, manifest: dict, use: UseLock | None = None
    ) -> None:
        self.use = use
        self.original = original
        self.path = original.path
        self.format = original.format
        self.entry = Path(entry)
        self.key = manifest["key"]
        self._rows = int(manifest["row_count"])
        files = manifest["files"]
        self._parts = [
            _PinnedPart(self.entry / item["path"])
            if i < MAX_PINNED_PARTS
            else ArrowIpcSource(self.entry / item["path"])
            for i, item in enumerate(files)
        ]
        if len(self._parts) != len(original.parts()):
            raise ValueError("cache entry has a different number of parts than its source")

    @property
    def schema(self) -> pa.Schema:
        return self.original.schema

    def parts(self) -> Sequence[str]:
        return self.original.parts()

    def row_count(self) -> int:
        return self._rows

    def iter_part_batches(
        self, part: int, columns: Sequence[str] | None, batch_size: int
    ) -> Iterator[pa.RecordBatch]:
        return self._parts[part].iter_part_batches(part, columns, batch_size)

    def content_files(self) -> Sequence[Path]:
        return self.original.content_files()

    def bad_rows(self) -> BadRows:
        return self.original.bad_rows()


# -- the entry point used by open_dataset -------------------------------------------------------
def _status(hit: bool, reason: str, key: str | None) -> dict:
    return {"hit": hit, "reason": reason, "key": key}


def _use(
    source: Source, entry: Path, check: Check, schema: pa.Schema, use: UseLock | None = None
) -> CachedSource | None:
    try:
        cached = CachedSource(source, entry, check.manifest, use)
    except (ValueError, OSError, KeyError, TypeError, pa.ArrowInvalid):
        return None
    for part in cached._parts:
        if not part.schema.equals(schema, check_metadata=False):
            return None
    return cached


def attach_cache(
    source: Source,
    cache_dir: Path,
    *,
    content_key: str,
    schema: pa.Schema,
    chunk_rows: int,
    file: Path,
    table: str | None,
    compression: str = DEFAULT_COMPRESSION,
    max_bytes: int | None = DEFAULT_MAX_BYTES,
    spool: BuildSpool | None = None,
) -> tuple[Source, dict]:
    """Return (the source to stream from, the cache status) for an opened ``source``.

    On a valid entry: a :class:`CachedSource` over it. Otherwise the entry is built (once,
    under the key's lock; a second process waits for it) and then used. Disabled or
    unsupported: the original source. The cache only makes reads faster, so when it cannot
    be written (disk full, read-only folder) the original source is used and the status
    says ``"build failed: <why>"``. Then the folder is brought under ``max_bytes``
    (:func:`enforce_size_cap`); the status lists the evicted keys, if any.
    """
    if not cache_enabled():
        return source, _status(False, DISABLED, None)
    if _unsupported(schema):
        return source, _status(False, UNSUPPORTED, None)
    if compression not in COMPRESSIONS:
        raise ValueError(f"cache compression {compression!r}: use one of {', '.join(COMPRESSIONS)}")
    key = cache_key(content_key, schema)
    try:
        result, status = _attach(
            source,
            Path(cache_dir),
            key,
            content_key,
            schema,
            chunk_rows,
            file,
            table,
            compression,
            spool,
        )
    except OSError as exc:
        why = exc.strerror or str(exc)
        return source, _status(False, f"{BUILD_FAILED}: {why}", key)
    try:
        evicted = enforce_size_cap(Path(cache_dir), max_bytes)
    except OSError:  # pragma: no cover - eviction only frees space; the entry is usable
        evicted = []
    if evicted:
        status["evicted"] = [k for k, _ in evicted]
    return result, status


def _attach(
    source: Source,
    cache_dir: Path,
    key: str,
    content_key: str,
    schema: pa.Schema,
    chunk_rows: int,
    file: Path,
    table: str | None,
    compression: str = DEFAULT_COMPRESSION,
    spool: BuildSpool | None = None,
) -> tuple[Source, dict]:
    cache_dir.mkdir(parents=True, exist_ok=True)
    entry = cache_dir / key
    loc = location_id(file, table)
    # In use from here on: eviction skips the entry (the lock is released with the source,
    # or on the way out if the original source ends up being used).
    use = UseLock(cache_dir, key)

    # Fast path, no build lock: entries appear complete (rename), so a valid one can be used.
    if entry.exists():
        check = check_entry(entry, key=key)
        if check.ok:
            cached = _use(source, entry, check, schema, use)
            if cached is not None:
                _remember(cache_dir, loc, key, content_key, schema, file)
                return cached, _status(True, VALID, key)
        reason = CORRUPT
    else:
        reason = _miss_reason(cache_dir, loc, content_key, schema)

    with key_lock(cache_dir, key):
        # Another process may have built (or repaired) the entry while this one waited.
        if entry.exists():
            check = check_entry(entry, key=key)
            cached = _use(source, entry, check, schema, use) if check.ok else None
            if cached is not None:
                return cached, _status(True, VALID, key)
            reason = CORRUPT
        _build(
            cache_dir,
            key,
            source,
            schema,
            content_key=content_key,
            chunk_rows=chunk_rows,
            description={
                "name": Path(file).name,
                "format": source.format,
                "table": table,
                "parts": list(source.parts()),
                "location_id": loc,
            },
            compression=compression,
            spool=spool,
        )
        check = check_entry(entry, key=key, hashes=False)  # hashed while building
    if not check.ok:  # pragma: no cover - the entry was just written
        raise OSError(f"dataset cache entry {key} failed its check after build: {check.problem}")
    _remember(cache_dir, loc, key, content_key, schema, file)
    cached = _use(source, entry, check, schema, use)
    if cached is None:  # pragma: no cover - the entry was just written
        raise OSError(f"dataset cache entry {key} cannot be read after build")
    return cached, _status(False, reason, key)


def _remember(
    cache_dir: Path, loc: str, key: str, content_key: str, schema: pa.Schema, file: Path
) -> None:
    """Point the index at ``key`` for this location; drop the entry it superseded, if no
    other location still uses it (the old content is no longer at this location)."""
    locations = read_index(cache_dir)
    previous = locations.get(loc, {}).get("key")
    if previous == key:
        return
    _update_index(
        cache_dir,
        loc,
        {
            "key": key,
            "content_key": content_key,
            "schema": schema_digest(schema),
            "name": Path(file).name,
        },
    )
    if previous and previous != key:
        others = {rec.get("key") for other, rec in read_index(cache_dir).items() if other != loc}
        if previous not in others and (cache_dir / previous).exists():
            remove_entry(cache_dir, previous)
