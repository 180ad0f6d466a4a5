"""Command-line options and ini keys, and the parsers of their values.

Every option is also an ini key (``[tool.pytest.ini_options]``); the command line wins.
Bad values raise ``pytest.UsageError`` with a one-line message. The values are resolved
once into the run's :class:`~pytest_statharness.settings.RunSettings`. Only the standard
library and pytest are imported here: this module loads in every pytest session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

GOLDEN_MODES = ("default", "strict")
_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_SQLITE_TABLE = re.compile(r"::[^/\\]+$")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    location: str


def parse_dataset_spec(value: str) -> DatasetSpec:
    """``NAME=PATH`` or a bare ``PATH`` (named after the file's stem)."""
    value = value.strip()
    if not value:
        raise pytest.UsageError("--stat-dataset: empty value; give NAME=PATH or PATH")
    name, sep, location = value.partition("=")
    if not sep:
        location = value
        base = _SQLITE_TABLE.sub("", location).rstrip("/\\")
        name = Path(base).name.split(".")[0] if base else ""
        if "::" in location:
            name = location.rsplit("::", 1)[1]
    if not location:
        raise pytest.UsageError(f"--stat-dataset {value!r}: no path after '='")
    from .confine import NAME_RULE, name_problem  # one name rule everywhere

    problem = name_problem(name)
    if problem is not None:
        raise pytest.UsageError(
            f"--stat-dataset {value!r}: dataset name {name!r} is not allowed ({problem}); "
            f"use NAME=PATH and {NAME_RULE}"
        )
    return DatasetSpec(name, location)


def parse_batch_size(value: str | int, source: str = "--stat-batch-size") -> int:
    try:
        number = int(str(value).strip().replace("_", ""))
    except ValueError:
        raise pytest.UsageError(
            f"{source} {value!r}: not an integer; give a row count such as 65536"
        ) from None
    if number < 1:
        raise pytest.UsageError(f"{source} {value!r}: must be at least 1 row")
    return number


#: the words an on/off environment variable takes
SWITCH_WORDS = {"on": True, "1": True, "true": True, "yes": True}
SWITCH_WORDS.update({"off": False, "0": False, "false": False, "no": False})


def parse_switch(value: str, source: str, default: bool = True) -> bool:
    """An on/off setting (``STAT_HARNESS_DATASET_CACHE=off``): empty is the default; a
    word outside on/off/1/0/true/false/yes/no is a usage error, not a silent 'on'."""
    word = str(value).strip().lower()
    if not word:
        return default
    if word not in SWITCH_WORDS:
        raise pytest.UsageError(f"{source}={value!r}: give on or off")
    return SWITCH_WORDS[word]


def parse_golden(value: str) -> str:
    mode = str(value).strip().lower()
    if mode not in GOLDEN_MODES:
        raise pytest.UsageError(
            f"--stat-golden {value!r}: must be one of {', '.join(GOLDEN_MODES)}"
        )
    return mode


def parse_compare(value: str) -> tuple[str, str]:
    left, sep, right = str(value).partition(":")
    if not sep or not _NAME.match(left) or not _NAME.match(right) or left == right:
        raise pytest.UsageError(
            f"--stat-compare {value!r}: give two different dataset names as A:B"
        )
    return left, right


def parse_time_limit(value: str | float) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise pytest.UsageError(f"--stat-time-limit {value!r}: not a number of seconds") from None
    if not seconds > 0:
        raise pytest.UsageError(f"--stat-time-limit {value!r}: must be positive")
    return seconds


CAP_NAMES = (
    "max_columns",
    "max_pairs",
    "max_groups",
    "max_windows",
    "max_findings",
    "distinct_cap",
    "memory_mb",  # state memory per item: partition counts, never results
)
CAPS_ENV = "STAT_HARNESS_CAPS"
PROVIDERS_ENV = "STAT_HARNESS_PROVIDERS"
DISABLE_ENV = "STAT_HARNESS_DISABLE"
_PROVIDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


def parse_provider_names(values, option: str) -> tuple[str, ...]:
    """Entry point or distribution names, given repeatedly and/or comma-separated."""
    names = []
    for value in values:
        for name in str(value).split(","):
            name = name.strip()
            if not name:
                continue
            if not _PROVIDER.match(name):
                raise pytest.UsageError(
                    f"{option} {name!r}: give an analysis provider's entry point name or its "
                    "distribution name (see 'statharness providers')"
                )
            names.append(name)
    return tuple(dict.fromkeys(names))


_SETTING = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# ini keys of analysis settings from before stat_settings existed; kept so existing ini
# files keep working (the core does not interpret them: each is a name an analysis declares)
LEGACY_SETTING_INI_KEYS = {
    f"stat_eventlog_{role}": f"eventlog.{role}"
    for role in ("case", "activity", "timestamp", "resource")
}


def parse_setting(value: str, option: str) -> tuple[str, str]:
    """``NAME=VALUE`` of an analysis setting; NAME is dotted, ``family.key``."""
    name, sep, raw = str(value).partition("=")
    name = name.strip()
    if not sep or not _SETTING.match(name):
        raise pytest.UsageError(
            f"{option} {value!r}: give NAME=VALUE with a dotted lower-case NAME such as "
            "eventlog.case"
        )
    return name, raw.strip()


ENGINES = ("local", "dask")
ENGINE_ENV = "STAT_HARNESS_ENGINE"
DASK_SCHEDULER_ENV = "STAT_HARNESS_DASK_SCHEDULER"


def parse_engine(value: str, option: str = "--stat-engine") -> str:
    """The engine that folds the chunks: ``local`` (this process) or ``dask``."""
    engine = str(value).strip().lower()
    if engine not in ENGINES:
        raise pytest.UsageError(f"{option} {value!r}: choose one of {', '.join(ENGINES)}")
    return engine


DASK_INSTALL_HINT = (
    "--stat-engine dask needs Dask: pip install 'pytest-statharness[dask]' (dask and distributed)"
)


def dask_missing() -> str | None:
    """The first module of the ``dask`` extra that is not installed, or None (no import)."""
    import importlib.util

    for name in ("dask", "distributed"):
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):  # ValueError: sys.modules[name] is None
            spec = None
        if spec is None:
            return name
    return None


def parse_scheduler(value: str, option: str = "--stat-dask-scheduler") -> str:
    """A Dask scheduler address (``tcp://host:8786``, ``host:8786``, ``tls://...``)."""
    address = str(value).strip()
    if not address or any(c.isspace() for c in address):
        raise pytest.UsageError(
            f"{option} {value!r}: give a scheduler address such as tcp://127.0.0.1:8786"
        )
    return address


REDACT_MODES = ("hash", "mask", "none")


def parse_redact(value: str | None) -> str:
    """The redaction mode (see pytest_statharness.redaction)."""
    mode = (value or "hash").strip().lower()
    if mode not in REDACT_MODES:
        raise pytest.UsageError(f"--stat-redact {value!r}: choose one of {', '.join(REDACT_MODES)}")
    return mode


def parse_cap(value: str, source: str = "--stat-cap") -> tuple[str, int]:
    """``NAME=N`` for one of the budget caps (never a row limit: there is none)."""
    name, sep, raw = str(value).strip().partition("=")
    name = name.strip()
    if not sep or name not in CAP_NAMES:
        raise pytest.UsageError(
            f"{source} {value!r}: give NAME=N with NAME one of {', '.join(CAP_NAMES)}"
        )
    try:
        number = int(raw.strip().replace("_", ""))
    except ValueError:
        raise pytest.UsageError(f"{source} {value!r}: {raw.strip()!r} is not an integer") from None
    if number < 1:
        raise pytest.UsageError(f"{source} {value!r}: must be at least 1")
    return name, number


# -- issue 10: the dataset cache's size cap and codec ----------------------------------------
CACHE_MAX_SIZE_ENV = "STAT_HARNESS_CACHE_MAX_SIZE"
CACHE_COMPRESSION_ENV = "STAT_HARNESS_CACHE_COMPRESSION"
#: the same as dataset.cache.COMPRESSIONS / DEFAULT_MAX_BYTES (not imported: pyarrow)
CACHE_COMPRESSIONS = ("lz4", "zstd", "none")
DEFAULT_CACHE_MAX_BYTES = 2 << 30
_SIZE_UNITS = {"": 1, "k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def parse_byte_size(text: str) -> int:
    """``500``, ``2K``, ``1.5M``, ``2G``, ``1T`` (binary units, optional ``B``/``iB``);
    ValueError with a one-line message otherwise."""
    match = re.fullmatch(
        r"(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?", str(text).strip().lower().replace("_", "")
    )
    if not match:
        raise ValueError(f"size {text!r}: give a number with an optional unit K, M, G or T")
    return int(float(match[1]) * _SIZE_UNITS[match[2]])


def parse_cache_max_size(value: str, option: str = "--stat-cache-max-size") -> int | None:
    """The cache folder's size cap in bytes; ``off`` (or ``none``) for no cap."""
    text = str(value).strip().lower()
    if text in ("off", "none", "unlimited"):
        return None
    try:
        return parse_byte_size(text)
    except ValueError as exc:
        raise pytest.UsageError(f"{option} {value!r}: {exc}, or off for no cap") from None


def parse_cache_compression(value: str, option: str = "--stat-cache-compression") -> str:
    codec = str(value).strip().lower()
    if codec not in CACHE_COMPRESSIONS:
        raise pytest.UsageError(
            f"{option} {value!r}: choose one of {', '.join(CACHE_COMPRESSIONS)}"
        )
    return codec


def add_cache_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("statharness")
    group.addoption(
        "--stat-cache-max-size",
        default=None,
        metavar="SIZE",
        help="size cap of the columnar dataset cache (e.g. 2G, 500M, off); least-recently-used "
        "entries not in use are evicted past it (default 2G). Ini: stat_cache_max_size; env "
        "STAT_HARNESS_CACHE_MAX_SIZE.",
    )
    group.addoption(
        "--stat-cache-compression",
        default=None,
        metavar="CODEC",
        help="codec of new cache entries: lz4 (default), zstd or none. Ini: "
        "stat_cache_compression; env STAT_HARNESS_CACHE_COMPRESSION.",
    )
    parser.addini("stat_cache_max_size", "dataset cache size cap (e.g. 2G, off)", default="")
    parser.addini("stat_cache_compression", "dataset cache codec: lz4, zstd or none", default="")


def add_options(parser: pytest.Parser) -> None:
    add_cache_options(parser)  # issue 10
    group = parser.getgroup("statharness", "statistical analyses of datasets (pytest-statharness)")
    group.addoption(
        "--stat-dataset",
        action="append",
        default=None,
        metavar="NAME=PATH",
        help="dataset to analyse (repeatable): Parquet file/folder, CSV, SQLite file.db::table, "
        "Arrow IPC/Feather. A bare PATH is named after its file stem. Ini: stat_datasets.",
    )
    group.addoption(
        "--stat-home",
        default=None,
        metavar="DIR",
        help="artifact home folder (default: appdata/ under the rootdir). Ini: stat_home.",
    )
    group.addoption(
        "--stat-snapshot-dir",
        default=None,
        metavar="DIR",
        help="where findings snapshots live (default: snapshots/ under the rootdir). "
        "Ini: stat_snapshot_dir.",
    )
    group.addoption(
        "--stat-batch-size",
        default=None,
        metavar="N",
        help="rows per IO batch (does not change results). Ini: stat_batch_size.",
    )
    group.addoption(
        "--stat-golden",
        default=None,
        metavar="MODE",
        help="golden policy: default (only citable harness skips) or strict (any skip "
        "fails). Ini: stat_golden.",
    )
    group.addoption(
        "--stat-compare",
        action="append",
        default=None,
        metavar="A:B",
        help="compare two given datasets (drift items drift[A:B]). Ini: stat_compare.",
    )
    group.addoption(
        "--stat-time-limit",
        default=None,
        metavar="SECONDS",
        help="time limit of every analysis item, overriding the size tier's. Ini: stat_time_limit.",
    )
    group.addoption(
        "--stat-cap",
        action="append",
        default=None,
        metavar="NAME=N",
        help="override one budget cap for every item (repeatable): "
        + ", ".join(CAP_NAMES)
        + ". Caps bound complexity, never rows. Ini: stat_caps; env STAT_HARNESS_CAPS.",
    )
    group.addoption(
        "--stat-spec",
        default=None,
        metavar="FILE",
        help="dataset spec file (default: statharness.toml at the rootdir, plus "
        "[tool.statharness.datasets] of pyproject.toml). Ini: stat_spec.",
    )
    group.addoption(
        "--stat-providers",
        action="append",
        default=None,
        metavar="NAME[,NAME]",
        help="use only these analysis providers (entry point or distribution names; "
        "default: every installed one). Ini: stat_providers; env STAT_HARNESS_PROVIDERS.",
    )
    group.addoption(
        "--stat-disable",
        action="append",
        default=None,
        metavar="NAME[,NAME]",
        help="turn installed analysis providers off (entry point or distribution names; "
        "repeatable). Ini: stat_disable; env STAT_HARNESS_DISABLE.",
    )
    group.addoption(
        "--stat-set",
        action="append",
        default=None,
        metavar="NAME=VALUE",
        help="an analysis setting (repeatable); the analyses declare the names they take "
        "(see docs/analyses.md). Ini: stat_settings.",
    )
    # issue 11: redaction of secret-looking values in snapshots and reports
    group.addoption(
        "--stat-redact",
        default=None,
        metavar="MODE",
        help="secret-looking data values in snapshots and reports: hash (default), mask or "
        "none. Ini: stat_redact.",
    )
    # a first look at new data: findings read, nothing recorded, no wall of failures
    group.addoption(
        "--stat-explore",
        action="store_true",
        default=None,
        help="explore data before recording it: an item whose snapshot is not stored yet is "
        "skipped ('no snapshot recorded yet'), its findings in the report; stored snapshots "
        "are still checked. Ini: stat_explore.",
    )
    # issue 12: the distributed engine
    group.addoption(
        "--stat-engine",
        default=None,
        metavar="ENGINE",
        help="what folds the chunks: local (this process, the default) or dask (chunk ranges "
        "as Dask tasks; pip install 'pytest-statharness[dask]'). Findings are the same "
        "bytes. Ini: stat_engine; env STAT_HARNESS_ENGINE.",
    )
    group.addoption(
        "--stat-dask-scheduler",
        default=None,
        metavar="ADDRESS",
        help="with --stat-engine dask: the scheduler of an existing cluster (default: a "
        "local cluster of single-threaded worker processes, one per -n auto worker). "
        "Ini: stat_dask_scheduler; env STAT_HARNESS_DASK_SCHEDULER.",
    )
    parser.addini("stat_engine", "engine: local or dask", type="string", default="")
    parser.addini(
        "stat_dask_scheduler",
        "Dask scheduler address (--stat-engine dask)",
        type="string",
        default="",
    )
    parser.addini("stat_redact", "redaction: hash, mask or none", type="string", default="")
    parser.addini(
        "stat_explore",
        "skip items whose snapshot is not stored yet instead of failing them",
        type="bool",
        default=False,
    )
    parser.addini("stat_spec", "dataset spec file (statharness.toml)", type="string", default="")
    parser.addini(
        "stat_providers",
        "analysis providers to use, one per line (default: all installed)",
        type="linelist",
        default=[],
    )
    parser.addini(
        "stat_disable", "analysis providers turned off, one per line", type="linelist", default=[]
    )
    parser.addini("stat_caps", "budget cap overrides, NAME=N per line", type="linelist", default=[])
    parser.addini(
        "stat_datasets", "datasets to analyse, one NAME=PATH per line", type="linelist", default=[]
    )
    parser.addini("stat_home", "artifact home folder", type="string", default="")
    parser.addini("stat_snapshot_dir", "findings snapshot folder", type="string", default="")
    parser.addini("stat_batch_size", "rows per IO batch", type="string", default="")
    parser.addini(
        "stat_golden", "golden policy: default or strict", type="string", default="default"
    )
    parser.addini(
        "stat_compare", "dataset pairs to compare, A:B per line", type="linelist", default=[]
    )
    parser.addini(
        "stat_time_limit", "time limit per analysis item, seconds", type="float", default=0.0
    )
    parser.addini(
        "stat_settings",
        "analysis settings, NAME=VALUE per line (names are declared by the analyses)",
        type="linelist",
        default=[],
    )
    for key, name in LEGACY_SETTING_INI_KEYS.items():
        parser.addini(key, f"deprecated spelling of stat_settings = {name}=...", default="")
