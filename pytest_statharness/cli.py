"""The ``statharness`` command: manage the columnar dataset cache outside a pytest session.

::

    statharness cache build   [--home DIR] NAME=PATH [NAME=PATH ...]
    statharness cache inspect [--home DIR] [--json]
    statharness cache verify  [--home DIR]
    statharness cache clear   [--home DIR] [KEY ...]
    statharness providers     [--json]
    statharness infer         NAME=PATH [--out statharness.toml]
    statharness runs list|show|open|pin [--home DIR] [RUN] [--json]
    statharness status        [--home DIR] [RUN] [--watch] [--json]
    statharness compare       [--home DIR] RUN_A[:DATASET] RUN_B[:DATASET] [--out DIR] [--json]
    statharness evidence pack [--home DIR] [RUN] [--out FILE] [--key-file FILE]
    statharness evidence verify PACK [--key-file FILE]
    statharness retention     [--home DIR] [--max-age DAYS] [--max-size SIZE] [--apply]
    statharness --version

``--home`` is the artifact home of the sessions (``--stat-home``, default ``appdata``);
the cache lives in ``<home>/cache/datasets`` and the dataset metadata in
``<home>/cache/meta``, where a pytest session with the same home finds them. Relative
dataset paths are resolved against the current folder.

Exit status: 0 done; 1 ``verify`` found a corrupt entry (or ``build`` could not cache a
dataset), or ``evidence verify`` found a tampered pack; 2 a user error (bad arguments, a missing dataset, an unknown key), reported on
one line of stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from .errors import StateStoreError

PROG = "statharness"
DEFAULT_HOME = "appdata"


class UserError(Exception):
    """A mistake of the caller: printed on one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, no usage block
        raise UserError(f"{message} (see '{self.prog} --help')")


def cache_dir_for(home: Path) -> Path:
    return Path(home) / "cache" / "datasets"


def meta_dir_for(home: Path) -> Path:
    return Path(home) / "cache" / "meta"


def _size(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} B"  # pragma: no cover


def _entry_size(entry: Path) -> int:
    return sum(p.stat().st_size for p in entry.iterdir() if p.is_file())


# -- commands --------------------------------------------------------------------------------
def _cmd_build(args) -> int:
    from .dataset import cache
    from .dataset.dataset import open_dataset
    from .errors import StatHarnessError

    if not cache.cache_enabled():
        raise UserError(f"the dataset cache is disabled ({cache.ENV_VAR}=off); nothing to build")
    specs = [_parse_spec(text) for text in args.datasets]
    names = [name for name, _ in specs]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise UserError(f"dataset name {duplicates[0]!r} is given twice")
    home = Path(args.home)
    max_bytes, codec = _cache_limits(args)
    failed = 0
    for name, location in specs:
        try:
            dataset = open_dataset(
                name,
                location,
                meta_dir=meta_dir_for(home),
                cache_dir=cache_dir_for(home),
                root=Path.cwd(),
                cache_compression=codec,
                cache_max_bytes=max_bytes,
            )
        except StatHarnessError as exc:
            # the dataset layer speaks to a pytest session; here the path came as NAME=PATH
            raise UserError(str(exc).replace("--stat-dataset", "cache build NAME=PATH")) from None
        status = dataset.cache_status or {}
        if status.get("key") is None or str(status.get("reason")).startswith(cache.BUILD_FAILED):
            print(f"{name}: not cached ({status.get('reason')})")
            failed += 1
            continue
        entry = cache_dir_for(home) / status["key"]
        what = "valid, reused" if status["hit"] else f"built ({status['reason']})"
        print(
            f"{name}: {what}  key={status['key'][:16]}  rows={dataset.row_count:,}  "
            f"size={_size(_entry_size(entry))}"
        )
        for key in status.get("evicted", []):
            print(f"  evicted {key[:16]} (least recently used, over the {_size(max_bytes)} cap)")
    return 1 if failed else 0


def _cache_limits(args) -> tuple[int | None, str]:
    """The size cap and codec of ``cache build``: its options, else the environment
    variables a session would read, else the defaults (as a session resolves them)."""
    import os

    from .options import (
        CACHE_COMPRESSION_ENV,
        CACHE_MAX_SIZE_ENV,
        DEFAULT_CACHE_MAX_BYTES,
        parse_cache_compression,
        parse_cache_max_size,
    )

    try:
        size = args.max_size or os.environ.get(CACHE_MAX_SIZE_ENV, "").strip()
        codec = args.compression or os.environ.get(CACHE_COMPRESSION_ENV, "").strip()
        max_bytes = parse_cache_max_size(size, "--max-size") if size else DEFAULT_CACHE_MAX_BYTES
        return max_bytes, parse_cache_compression(codec, "--compression") if codec else "lz4"
    except Exception as exc:  # pytest.UsageError: the same one-line message
        raise UserError(str(exc)) from None


def _parse_spec(text: str) -> tuple[str, str]:
    from .confine import NAME_RULE, name_problem

    name, sep, location = text.partition("=")
    if not sep:
        location = text
        name = Path(text.split("::")[0].rstrip("/\\")).name.split(".")[0]
        if "::" in text:
            name = text.rsplit("::", 1)[1]
    if not location:
        raise UserError(f"dataset {text!r}: no path after '='; give NAME=PATH")
    problem = name_problem(name)
    if problem is not None:
        raise UserError(f"dataset {text!r}: name {name!r} {problem}; {NAME_RULE}")
    return name, location


def _describe(entry: Path) -> dict:
    from datetime import UTC, datetime

    from .dataset.cache import last_used, read_manifest

    manifest = read_manifest(entry) or {}
    source = manifest.get("source") if isinstance(manifest.get("source"), dict) else {}
    used = datetime.fromtimestamp(last_used(entry.parent, entry.name), UTC)
    return {
        "key": entry.name,
        "rows": manifest.get("row_count"),
        "bytes": _entry_size(entry),
        "compression": manifest.get("compression", "none"),
        "created": manifest.get("created"),
        "last_used": used.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "source": source.get("name"),
        "format": source.get("format"),
        "created_by": manifest.get("created_by"),
        "readable": bool(manifest),
    }


def _cmd_inspect(args) -> int:
    from .dataset.cache import list_entries

    cache_dir = cache_dir_for(Path(args.home))
    rows = [_describe(entry) for entry in list_entries(cache_dir)]
    if args.json:
        print(json.dumps({"cache_dir": str(cache_dir), "entries": rows}, indent=1))
        return 0
    if not rows:
        print(f"no cache entries in {cache_dir}")
        return 0
    table = [("key", "rows", "size", "codec", "created", "last_used", "source")]
    for row in rows:
        table.append(
            (
                row["key"],
                f"{row['rows']:,}" if isinstance(row["rows"], int) else "?",
                _size(row["bytes"]),
                str(row["compression"]),
                row["created"] or "?",
                row["last_used"],
                f"{row['source']} ({row['format']})"
                if row["readable"]
                else "(unreadable manifest)",
            )
        )
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    for r in table:
        print(
            "  ".join(
                cell.ljust(w) if i != 1 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    total = sum(row["bytes"] for row in rows)
    print(f"{len(rows)} entr{'y' if len(rows) == 1 else 'ies'}, {_size(total)} in {cache_dir}")
    return 0


def _cmd_verify(args) -> int:
    from .dataset.cache import check_entry, list_entries

    cache_dir = cache_dir_for(Path(args.home))
    entries = list_entries(cache_dir)
    if not entries:
        print(f"no cache entries in {cache_dir}")
        return 0
    corrupt = 0
    for entry in entries:
        check = check_entry(entry)
        if check.ok:
            print(f"ok       {entry.name}  rows={check.manifest['row_count']:,}")
        else:
            corrupt += 1
            print(f"CORRUPT  {entry.name}  {check.problem}")
    print(f"{len(entries)} checked, {corrupt} corrupt")
    return 1 if corrupt else 0


def _cmd_clear(args) -> int:
    from .dataset.cache import (
        BUILD_PREFIX,
        INDEX,
        SPOOL_PREFIX,
        USE_SUFFIX,
        _remove_dead_spools,
        list_entries,
        remove_entry,
    )

    cache_dir = cache_dir_for(Path(args.home))
    entries = {e.name: e for e in list_entries(cache_dir)}
    if args.keys:
        chosen = []
        for given in args.keys:
            matches = [k for k in entries if k.startswith(given)]
            if not matches:
                raise UserError(f"no cache entry with key {given!r} in {cache_dir}")
            if len(matches) > 1:
                raise UserError(f"key {given!r} matches {len(matches)} entries; give more of it")
            chosen.append(matches[0])
    else:
        chosen = list(entries)
        # Entries being built now: wait for their builders (remove_entry takes the lock).
        if cache_dir.is_dir():
            _remove_dead_spools(cache_dir)
            for stale in cache_dir.glob(f"{BUILD_PREFIX}*"):
                if stale.name.startswith(SPOOL_PREFIX):
                    continue  # a first read writing an entry: its key is not known yet
                key = stale.name[len(BUILD_PREFIX) :].split("-", 1)[0]
                if key not in chosen:
                    chosen.append(key)
    freed = 0
    removed = 0
    for key in dict.fromkeys(chosen):
        entry = cache_dir / key
        size = _entry_size(entry) if entry.is_dir() else 0
        remove_entry(cache_dir, key)
        for suffix in (".lock", USE_SUFFIX):
            (cache_dir / f"{key}{suffix}").unlink(missing_ok=True)
        if entry.name in entries or size:
            removed += 1
            freed += size
    if not args.keys and (cache_dir / INDEX).exists():
        (cache_dir / INDEX).unlink()
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'}, {_size(freed)} freed")
    return 0


def _cmd_providers(args) -> int:
    """The installed analysis providers; nothing is imported (a broken one is listed too)."""
    from .registry import installed_providers

    rows = [provider for provider, _ in installed_providers()]
    if args.json:
        print(json.dumps([vars(p) for p in rows], indent=2, sort_keys=True))
        return 0
    if not rows:
        print("no analysis providers installed")
        return 0
    for p in rows:
        print(f"{p.name:<24} {p.distribution} {p.version}  ({p.value})")
    return 0


def _toml_value(value) -> str:
    """A string (or list of strings) as a TOML basic string: JSON's escapes are TOML's, but
    characters past U+FFFF stay literal (JSON's surrogate pairs are no Unicode scalar values
    in TOML, so a spec naming '😀' would not load back) and DEL is escaped."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_key(key: str) -> str:
    import re

    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def render_spec(dataset) -> str:
    """A dataset spec (statharness.toml) holding what inference found, to edit and keep."""
    name = _toml_key(dataset.name)
    lines = [
        f"# Dataset spec of {dataset.name!r}, inferred by `statharness infer` from "
        f"{dataset.row_count:,} rows.",
        "# Check every role, delete what you agree with or keep it to pin it, and declare what",
        "# the data cannot tell: KPIs, physical bounds, the event-log mapping. See",
        "# docs/dataset-spec.md.",
        f"[datasets.{name}]",
        "# exclude = []                 # columns no analysis should read",
        '# time_zone = "UTC"            # the wall clock of naive timestamps',
        '# cycles = ["day_of_week"]     # cycles you expect',
        (
            f"targets = {_toml_value(list(dataset.targets))}  # named like an outcome: keep, "
            "or [] if it is none"
            if dataset.targets
            else "# targets = []                 # outcome columns you study (their drivers, "
            "trends)"
        ),
        "",
        f"[datasets.{name}.kpis]",
        '# some_measure = "lower"       # lower is better: recommendations target it',
        "",
        f"# [datasets.{name}.eventlog]   # if the table is an event log",
        '# case = "..."',
        '# activity = "..."',
        '# timestamp = "..."',
        "",
    ]
    derived = getattr(dataset, "derived", {})
    for c in dataset.columns:
        if c.name in derived:
            # a date made of other columns is no column of the file: a spec naming it would
            # not load; it follows from the roles of the columns it is made of
            lines.append(f"# {c.name}: {c.role_reason} (derived, not a column of the file)")
            lines.append("")
            continue
        lines.append(f"[datasets.{name}.columns.{_toml_key(c.name)}]")
        lines.append(
            f"role = {_toml_value(str(c.role))}  # {c.role_reason} "
            f"(confidence {c.role_confidence:.2f})"
        )
        if c.date_format:
            lines.append(f"format = {_toml_value(c.date_format)}")
        codes = getattr(dataset, "missing_codes", {}).get(c.name)
        if codes:
            shown = ", ".join(f"{v:g}" for v in codes)
            lines.append(
                f"missing_codes = [{shown}]  # found beyond the other values: read as missing "
                "([] keeps them as values)"
            )
        lines.append('# unit = "..."')
        if str(c.kind) == "numeric":
            lines.append("# bounds = [0, 1000]  # values outside are impossible")
        lines.append("")
    return "\n".join(lines)


def _cmd_infer(args) -> int:
    from .dataset.dataset import open_dataset
    from .errors import StatHarnessError

    name, location = _parse_spec(args.dataset)
    try:
        dataset = open_dataset(name, location, root=Path.cwd())
    except StatHarnessError as exc:
        # the dataset layer speaks to a pytest session; here the path came as NAME=PATH
        raise UserError(str(exc).replace("--stat-dataset", "infer NAME=PATH")) from None
    text = render_spec(dataset)
    if args.out in (None, "-"):
        sys.stdout.write(text)
        return 0
    out = Path(args.out)
    if out.is_dir():
        raise UserError(f"{out} is a folder; give --out a file path ({out / 'statharness.toml'})")
    if not out.parent.is_dir():
        raise UserError(f"{out.parent}: no such folder; create it first, or give another --out")
    if out.exists() and not args.force:
        raise UserError(f"{out} exists; give --force to overwrite it, or another --out")
    from .atomic import write_text_atomic

    try:
        write_text_atomic(out, text)
    except OSError as exc:
        # the atomic write's temp file sits beside --out: name the path the user gave
        raise UserError(
            f"cannot write {out}: {exc.strerror or exc}; give --out a file in a folder "
            "you can write to"
        ) from None
    print(f"wrote {out} ({len(dataset.columns)} columns of {dataset.name!r})")
    return 0


def version_string() -> str:
    from . import __version__

    return f"{PROG} {__version__} (pytest-statharness)"


# -- parsing ---------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description="pytest-statharness tools")
    parser.add_argument("--version", action="version", version=version_string())
    # --home before the command (statharness --home DIR runs list) or after it: the
    # commands' own --home has no default, so it never overwrites this one
    parser.add_argument(
        "--home", default=DEFAULT_HOME, help="artifact home, as --stat-home (default: appdata)"
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    commands.required = True
    providers = commands.add_parser(
        "providers", help="list the installed analysis providers (entry points)"
    )
    providers.add_argument("--json", action="store_true", help="print JSON")
    providers.set_defaults(run=_cmd_providers)
    infer = commands.add_parser(
        "infer", help="write the inferred dataset spec of NAME=PATH (statharness.toml form)"
    )
    infer.add_argument("dataset", metavar="NAME=PATH")
    infer.add_argument("--out", default=None, help="file to write (default: standard output)")
    infer.add_argument("--force", action="store_true", help="overwrite an existing --out file")
    infer.set_defaults(run=_cmd_infer)
    cache = commands.add_parser("cache", help="manage the columnar dataset cache")
    cache.add_argument(
        "--home",
        default=argparse.SUPPRESS,
        help="artifact home, as --stat-home of the sessions (default: appdata)",
    )
    actions = cache.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser)
    actions.required = True
    home = _Parser(add_help=False)
    home.add_argument("--home", default=argparse.SUPPRESS, help="artifact home (default: appdata)")

    build = actions.add_parser(
        "build", parents=[home], help="parse datasets into the cache (NAME=PATH ...)"
    )
    build.add_argument("datasets", nargs="+", metavar="NAME=PATH")
    build.add_argument(
        "--max-size",
        default=None,
        help="size cap of the cache folder, e.g. 2G or off (default: "
        "STAT_HARNESS_CACHE_MAX_SIZE, else 2G); least-recently-used entries go past it",
    )
    build.add_argument(
        "--compression",
        default=None,
        help="codec of new entries: lz4, zstd or none (default: "
        "STAT_HARNESS_CACHE_COMPRESSION, else lz4)",
    )
    build.set_defaults(run=_cmd_build)

    inspect = actions.add_parser("inspect", parents=[home], help="list the cache entries")
    inspect.add_argument("--json", action="store_true", help="print JSON")
    inspect.set_defaults(run=_cmd_inspect)

    verify = actions.add_parser(
        "verify", parents=[home], help="check every entry (exit 1 if any is corrupt)"
    )
    verify.set_defaults(run=_cmd_verify)

    clear = actions.add_parser("clear", parents=[home], help="remove entries: all, or by key")
    clear.add_argument("keys", nargs="*", metavar="KEY", help="keys (or unique prefixes)")
    clear.set_defaults(run=_cmd_clear)

    from .cli_runs import add_commands

    run_home = _Parser(add_help=False)
    run_home.add_argument(
        "--home", default=argparse.SUPPRESS, help="artifact home, as --stat-home (default: appdata)"
    )
    add_commands(commands, run_home, _Parser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        home = getattr(args, "home", None)
        if home is not None and Path(home).exists() and not Path(home).is_dir():
            # a file given as --home read as a home without runs: 'no runs recorded'
            raise UserError(
                f"--home {home}: is a file, not a folder; pass the folder a session "
                "writes (--stat-home, default appdata)"
            )
        return int(args.run(args))
    except (UserError, StateStoreError) as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `statharness runs list --json | head`: quiet, like cat
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"{PROG}: error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
