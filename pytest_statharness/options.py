"""Command-line options and ini keys, parsed once into a frozen :class:`StatOptions`.

Every option is also an ini key (``[tool.pytest.ini_options]``); the command line wins.
Bad values raise ``pytest.UsageError`` with a one-line message. Only the standard library
and pytest are imported here: this module loads in every pytest session.
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


@dataclass(frozen=True)
class StatOptions:
    datasets: tuple[DatasetSpec, ...]
    home: Path
    snapshot_dir: Path
    batch_size: int | None
    golden: str
    compare: tuple[tuple[str, str], ...]
    time_limit_s: float | None
    caps: tuple[tuple[str, int], ...] = ()
    spec_file: Path | None = None  # a statharness.toml other than the rootdir's
    providers: tuple[str, ...] = ()  # allow-list of analysis providers (empty: all)
    redact: str = "hash"  # issue 11: hash, mask or none (pytest_statharness.redaction)
    disabled: tuple[str, ...] = ()  # analysis providers turned off

    @property
    def active(self) -> bool:
        return bool(self.datasets)


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
    from .confine import NAME_RULE, name_problem  # issue 11: one name rule everywhere

    problem = name_problem(name)
    if problem is not None:
        raise pytest.UsageError(
            f"--stat-dataset {value!r}: dataset name {name!r} is not allowed ({problem}); "
            f"use NAME=PATH and {NAME_RULE}"
        )
    return DatasetSpec(name, location)


def parse_batch_size(value: str | int) -> int:
    try:
        number = int(str(value).replace("_", ""))
    except ValueError:
        raise pytest.UsageError(
            f"--stat-batch-size {value!r}: not an integer; give a row count such as 65536"
        ) from None
    if number < 1:
        raise pytest.UsageError(f"--stat-batch-size {value!r}: must be at least 1 row")
    return number


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


def parse_cap(value: str) -> tuple[str, int]:
    """``NAME=N`` for one of the budget caps (never a row limit: there is none)."""
    name, sep, raw = str(value).strip().partition("=")
    name = name.strip()
    if not sep or name not in CAP_NAMES:
        raise pytest.UsageError(
            f"--stat-cap {value!r}: give NAME=N with NAME one of {', '.join(CAP_NAMES)}"
        )
    try:
        number = int(raw.strip().replace("_", ""))
    except ValueError:
        raise pytest.UsageError(
            f"--stat-cap {value!r}: {raw.strip()!r} is not an integer"
        ) from None
    if number < 1:
        raise pytest.UsageError(f"--stat-cap {value!r}: must be at least 1")
    return name, number


def add_options(parser: pytest.Parser) -> None:
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
    # issue 11: redaction of secret-looking values in snapshots and reports
    group.addoption(
        "--stat-redact",
        default=None,
        metavar="MODE",
        help="secret-looking data values in snapshots and reports: hash (default), mask or "
        "none. Ini: stat_redact.",
    )
    parser.addini("stat_redact", "redaction: hash, mask or none", type="string", default="")
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
    parser.addini("stat_batch_size", "rows per IO batch", type="int", default=0)
    parser.addini(
        "stat_golden", "golden policy: default or strict", type="string", default="default"
    )
    parser.addini(
        "stat_compare", "dataset pairs to compare, A:B per line", type="linelist", default=[]
    )
    parser.addini(
        "stat_time_limit", "time limit per analysis item, seconds", type="float", default=0.0
    )
    for role in EVENTLOG_ROLES:
        parser.addini(
            f"stat_eventlog_{role}",
            f"event-log {role} column (overrides inference; env STAT_HARNESS_EVENTLOG_{role.upper()})",
            type="string",
            default="",
        )


EVENTLOG_ROLES = ("case", "activity", "timestamp", "resource")


def eventlog_overrides(config: pytest.Config) -> dict[str, str]:
    """Ini event-log column names as the environment variables the analyses read.

    The environment wins over the ini file, so a one-off run can override a project setting.
    """
    out = {}
    for role in EVENTLOG_ROLES:
        value = str(_ini(config, f"stat_eventlog_{role}") or "").strip()
        if value:
            out[f"STAT_HARNESS_EVENTLOG_{role.upper()}"] = value
    return out


def _ini(config: pytest.Config, name: str):
    try:
        return config.getini(name)
    except ValueError as exc:
        raise pytest.UsageError(f"ini key {name}: {exc}") from None


def read_options(config: pytest.Config) -> StatOptions:
    raw = config.getoption("stat_dataset") or _ini(config, "stat_datasets")
    specs = tuple(parse_dataset_spec(v) for v in raw)
    names = [s.name for s in specs]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise pytest.UsageError(
            f"--stat-dataset: name(s) {', '.join(dupes)} given twice; name each dataset once"
        )
    root = config.rootpath
    home = config.getoption("stat_home") or _ini(config, "stat_home") or "appdata"
    snap = config.getoption("stat_snapshot_dir") or _ini(config, "stat_snapshot_dir") or "snapshots"
    batch_raw = config.getoption("stat_batch_size") or _ini(config, "stat_batch_size")
    golden = parse_golden(
        config.getoption("stat_golden") or _ini(config, "stat_golden") or "default"
    )
    compare_raw = config.getoption("stat_compare") or _ini(config, "stat_compare")
    compare = tuple(parse_compare(v) for v in compare_raw)
    for left, right in compare:
        for side in (left, right):
            if side not in names:
                raise pytest.UsageError(
                    f"--stat-compare {left}:{right}: {side!r} is not a dataset of this session "
                    f"(datasets: {', '.join(names) or 'none'})"
                )
    limit_raw = config.getoption("stat_time_limit") or _ini(config, "stat_time_limit")
    import os

    caps: dict[str, int] = {}
    # lowest to highest precedence: ini, environment, command line
    for source in (
        _ini(config, "stat_caps"),
        [v for v in os.environ.get(CAPS_ENV, "").split(",") if v.strip()],
        config.getoption("stat_cap") or [],
    ):
        caps.update(parse_cap(v) for v in source)
    env_providers = [os.environ.get(PROVIDERS_ENV, "")]
    providers = (
        parse_provider_names(config.getoption("stat_providers") or [], "--stat-providers")
        or parse_provider_names(env_providers, PROVIDERS_ENV)
        or parse_provider_names(_ini(config, "stat_providers"), "ini stat_providers")
    )
    # turning off adds up: the ini's list, the environment's and the command line's
    disabled = (
        parse_provider_names(_ini(config, "stat_disable"), "ini stat_disable")
        + parse_provider_names([os.environ.get(DISABLE_ENV, "")], DISABLE_ENV)
        + parse_provider_names(config.getoption("stat_disable") or [], "--stat-disable")
    )
    return StatOptions(
        datasets=specs,
        home=(root / home).resolve() if not Path(home).is_absolute() else Path(home),
        snapshot_dir=(root / snap).resolve() if not Path(snap).is_absolute() else Path(snap),
        batch_size=parse_batch_size(batch_raw) if batch_raw else None,
        golden=golden,
        compare=compare,
        time_limit_s=parse_time_limit(limit_raw) if limit_raw else None,
        caps=tuple(sorted(caps.items())),
        providers=providers,
        disabled=tuple(dict.fromkeys(disabled)),
        spec_file=_spec_path(root, config.getoption("stat_spec") or _ini(config, "stat_spec")),
        redact=parse_redact(config.getoption("stat_redact") or _ini(config, "stat_redact")),
    )


def parse_redact(value: str | None) -> str:
    """issue 11: the redaction mode (see pytest_statharness.redaction)."""
    modes = ("hash", "mask", "none")
    mode = (value or "hash").strip().lower()
    if mode not in modes:
        raise pytest.UsageError(f"--stat-redact {value!r}: choose one of {', '.join(modes)}")
    return mode


def _spec_path(root: Path, value: str | None) -> Path | None:
    if not value:
        return None
    path = Path(value)
    return path if path.is_absolute() else (root / path).resolve()
