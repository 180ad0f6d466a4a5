"""The run's settings: one frozen :class:`RunSettings`, resolved once per session.

Precedence, for every value: command line > environment > ini file / dataset spec >
defaults. :func:`settings_from_config` runs in ``pytest_configure`` of the controller (or
the single process); the object is kept in ``config.stash[SETTINGS_KEY]`` and sent to
xdist workers explicitly in ``workerinput`` (:meth:`RunSettings.to_json`), so a worker
never re-reads the environment and nothing travels through ``os.environ``.

The environment is read here and only here: the ``STAT_HARNESS_*`` variables are copied
into :attr:`RunSettings.environment` at configure time. Analyses read their own settings
(declared with :class:`pytest_statharness.Setting`) from ``DatasetView.settings``, resolved
from this object by :func:`resolve_analysis_settings`.

Only the standard library and pytest are imported here: this module loads in every session.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pytest

from .concurrency import MAX_WORKERS_ENV, auto_worker_count
from .options import (
    CACHE_COMPRESSION_ENV,
    CACHE_MAX_SIZE_ENV,
    CAPS_ENV,
    DASK_INSTALL_HINT,
    DASK_SCHEDULER_ENV,
    DEFAULT_CACHE_MAX_BYTES,
    DISABLE_ENV,
    ENGINE_ENV,
    LEGACY_SETTING_INI_KEYS,
    PROVIDERS_ENV,
    DatasetSpec,
    dask_missing,
    parse_batch_size,
    parse_cache_compression,
    parse_cache_max_size,
    parse_cap,
    parse_compare,
    parse_dataset_spec,
    parse_engine,
    parse_golden,
    parse_provider_names,
    parse_redact,
    parse_scheduler,
    parse_setting,
    parse_switch,
    parse_time_limit,
)

SETTINGS_KEY = pytest.StashKey["RunSettings"]()
WORKERINPUT_KEY = "statharness_settings"
#: --stat-engine dask: the scheduler address the controller's engine uses, handed to xdist
#: workers (runtime state, not a setting: the local cluster's address is known only once
#: it has started)
DASK_ADDRESS_KEY = pytest.StashKey[str]()
DASK_WORKERINPUT_KEY = "statharness_dask_scheduler"
ENV_PREFIX = "STAT_HARNESS_"
LARGE_POLICY_ENV = "STAT_HARNESS_LARGE_DATASET_POLICY"
#: read by the dataset cache (dataset/cache.py), checked here with the other settings
DATASET_CACHE_ENV = "STAT_HARNESS_DATASET_CACHE"


@dataclass(frozen=True)
class RunSettings:
    """Everything a session of the harness is configured with, resolved and validated."""

    datasets: tuple[DatasetSpec, ...] = ()
    home: Path = Path("appdata")
    snapshot_dir: Path = Path("snapshots")
    batch_size: int | None = None
    golden: str = "default"
    compare: tuple[tuple[str, str], ...] = ()
    time_limit_s: float | None = None
    caps: tuple[tuple[str, int], ...] = ()
    spec_file: Path | None = None  # a statharness.toml other than the rootdir's
    providers: tuple[str, ...] = ()  # allow-list of analysis providers (empty: all)
    disabled: tuple[str, ...] = ()  # analysis providers turned off
    redact: str = "hash"  # secret-looking values: hash, mask or none (redaction.py)
    cache_max_bytes: int | None = DEFAULT_CACHE_MAX_BYTES  # issue 10: None = no cap
    cache_compression: str = "lz4"  # issue 10: codec of new cache entries
    update_snapshots: bool = False
    #: --stat-explore / ini stat_explore: a snapshot not stored yet skips its item
    explore: bool = False
    engine: str = "local"  # what folds the chunks: local or dask (engine_dask.py)
    dask_scheduler: str | None = None  # None: a local cluster started by the session
    network_mode: str = "off"
    large_dataset_policy: bool = True
    #: analysis settings given in the ini file / on the command line, name -> raw value
    ini_settings: tuple[tuple[str, str], ...] = ()
    cli_settings: tuple[tuple[str, str], ...] = ()
    #: the ``STAT_HARNESS_*`` environment variables as they were at configure time
    environment: tuple[tuple[str, str], ...] = field(default=(), repr=False)

    @property
    def active(self) -> bool:
        return bool(self.datasets)

    def env(self, name: str, default: str = "") -> str:
        return dict(self.environment).get(name, default)

    # -- to and from xdist workers -------------------------------------------------------
    def to_json(self) -> str:
        data = asdict(self)
        for key in ("home", "snapshot_dir", "spec_file"):
            data[key] = None if data[key] is None else str(data[key])
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RunSettings:
        data = json.loads(text)
        data["datasets"] = tuple(DatasetSpec(**d) for d in data["datasets"])
        for key in ("home", "snapshot_dir", "spec_file"):
            data[key] = None if data[key] is None else Path(data[key])
        for key in ("compare", "caps", "ini_settings", "cli_settings", "environment"):
            data[key] = tuple(tuple(pair) for pair in data[key])
        for key in ("providers", "disabled"):
            data[key] = tuple(data[key])
        return cls(**data)


def _ini(config: pytest.Config, name: str):
    try:
        return config.getini(name)
    except ValueError as exc:
        raise pytest.UsageError(f"ini key {name}: {exc}") from None


def _check_folder(path: Path, option: str) -> None:
    """A folder the harness writes into: a file (or a device) at its path is a usage error
    naming the option, not a failure blamed on a dataset or on every item."""
    if path.exists() and not path.is_dir():
        raise pytest.UsageError(
            f"{option} {path}: not a folder (a file is there); give a folder path"
        )
    if path.exists():
        return
    ancestor = next((p for p in path.parents if p.exists()), None)
    if ancestor is not None and not ancestor.is_dir():
        raise pytest.UsageError(
            f"{option} {path}: cannot be created ({ancestor} is a file, not a folder); "
            "give a folder path"
        )
    if ancestor is not None and not os.access(ancestor, os.W_OK | os.X_OK):
        raise pytest.UsageError(
            f"{option} {path}: cannot be created (no permission to write in {ancestor}); "
            "give a folder you can write to"
        )


def _resolve(root: Path, value: str) -> Path:
    path = Path(os.path.expanduser(value))
    return path if path.is_absolute() else (root / path).resolve()


def settings_from_config(
    config: pytest.Config, environ: Mapping[str, str] | None = None
) -> RunSettings:
    """Build the run's settings from the command line, the environment and the ini file."""
    environ = os.environ if environ is None else environ
    environment = tuple(sorted((k, v) for k, v in environ.items() if k.startswith(ENV_PREFIX)))
    env = dict(environment)
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
    batch_raw, batch_source = next(
        (
            (value, source)
            for value, source in (
                (config.getoption("stat_batch_size"), "--stat-batch-size"),
                (str(_ini(config, "stat_batch_size") or "").strip(), "ini stat_batch_size"),
            )
            if value
        ),
        (None, ""),
    )
    golden = parse_golden(
        config.getoption("stat_golden") or _ini(config, "stat_golden") or "default"
    )
    compare = tuple(
        parse_compare(v) for v in (config.getoption("stat_compare") or _ini(config, "stat_compare"))
    )
    for left, right in compare:
        for side in (left, right):
            if side not in names:
                raise pytest.UsageError(
                    f"--stat-compare {left}:{right}: {side!r} is not a dataset of this session "
                    f"(datasets: {', '.join(names) or 'none'})"
                )
    limit_raw = config.getoption("stat_time_limit") or _ini(config, "stat_time_limit")
    caps: dict[str, int] = {}
    # lowest to highest precedence: ini, environment, command line
    for values, source in (
        (_ini(config, "stat_caps"), "ini stat_caps"),
        # the environment is read when the session has datasets: an idle session is left
        # alone whatever a shell exports
        ([v for v in env.get(CAPS_ENV, "").split(",") if v.strip()] if specs else [], CAPS_ENV),
        (config.getoption("stat_cap") or [], "--stat-cap"),
    ):
        caps.update(parse_cap(v, source) for v in values)
    providers = (
        parse_provider_names(config.getoption("stat_providers") or [], "--stat-providers")
        or parse_provider_names([env.get(PROVIDERS_ENV, "")], PROVIDERS_ENV)
        or parse_provider_names(_ini(config, "stat_providers"), "ini stat_providers")
    )
    # turning off adds up: the ini's list, the environment's and the command line's
    disabled = (
        parse_provider_names(_ini(config, "stat_disable"), "ini stat_disable")
        + parse_provider_names([env.get(DISABLE_ENV, "")], DISABLE_ENV)
        + parse_provider_names(config.getoption("stat_disable") or [], "--stat-disable")
    )
    ini_settings: dict[str, str] = {}
    for key, name in LEGACY_SETTING_INI_KEYS.items():
        value = str(_ini(config, key) or "").strip()
        if value:
            ini_settings[name] = value
    ini_settings.update(
        parse_setting(v, "ini stat_settings") for v in _ini(config, "stat_settings")
    )
    cli_settings = dict(parse_setting(v, "--stat-set") for v in config.getoption("stat_set") or [])
    spec_raw = config.getoption("stat_spec") or _ini(config, "stat_spec")
    # issue 12: command line > environment > ini > default, like every value
    engine = parse_engine(
        *next(
            (value, source)
            for value, source in (
                (config.getoption("stat_engine"), "--stat-engine"),
                (env.get(ENGINE_ENV, "").strip(), ENGINE_ENV),
                (_ini(config, "stat_engine"), "ini stat_engine"),
                ("local", "default"),
            )
            if value
        )
    )
    if engine == "dask":
        if dask_missing() is not None:
            raise pytest.UsageError(DASK_INSTALL_HINT)
    scheduler = next(
        (
            parse_scheduler(value, source)
            for value, source in (
                (config.getoption("stat_dask_scheduler"), "--stat-dask-scheduler"),
                (env.get(DASK_SCHEDULER_ENV, "").strip(), DASK_SCHEDULER_ENV),
                (_ini(config, "stat_dask_scheduler"), "ini stat_dask_scheduler"),
            )
            if value
        ),
        None,
    )
    from .policy.network import network_mode

    home_path, snapshot_path = _resolve(root, home), _resolve(root, snap)
    if specs:
        # the folders written into, and on/off and count variables read deeper down: a
        # mistake is one line now, not a failure later (a session without datasets reads
        # none of them)
        _check_folder(home_path, "--stat-home")
        _check_folder(snapshot_path, "--stat-snapshot-dir")
        try:  # the home is written in every session with datasets (runs, cache)
            home_path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise pytest.UsageError(
                f"--stat-home {home_path}: cannot be created ({exc.strerror}); "
                "give a folder you can write to"
            ) from None
        parse_switch(env.get(DATASET_CACHE_ENV, ""), DATASET_CACHE_ENV)
        if env.get(MAX_WORKERS_ENV, "").strip():
            auto_worker_count(env)

    return RunSettings(
        datasets=specs,
        home=home_path,
        snapshot_dir=snapshot_path,
        batch_size=parse_batch_size(batch_raw, batch_source) if batch_raw else None,
        golden=golden,
        compare=compare,
        time_limit_s=parse_time_limit(limit_raw) if limit_raw else None,
        caps=tuple(sorted(caps.items())),
        spec_file=_resolve(root, spec_raw) if spec_raw else None,
        providers=providers,
        disabled=tuple(dict.fromkeys(disabled)),
        redact=parse_redact(config.getoption("stat_redact") or _ini(config, "stat_redact")),
        **_cache_settings(config, env),  # issue 10
        update_snapshots=bool(config.getoption("update_snapshots", default=False)),
        explore=bool(
            config.getoption("stat_explore", default=None) or _ini(config, "stat_explore")
        ),
        engine=engine,
        dask_scheduler=scheduler,
        network_mode=network_mode(env),
        large_dataset_policy=parse_switch(
            env.get(LARGE_POLICY_ENV, "") if specs else "", LARGE_POLICY_ENV
        ),
        ini_settings=tuple(sorted(ini_settings.items())),
        cli_settings=tuple(sorted(cli_settings.items())),
        environment=environment,
    )


def _cache_settings(config: pytest.Config, env: Mapping[str, str]) -> dict:
    """The dataset cache's cap and codec: command line > environment > ini > default."""
    size = (
        (config.getoption("stat_cache_max_size"), "--stat-cache-max-size"),
        (env.get(CACHE_MAX_SIZE_ENV, "").strip(), CACHE_MAX_SIZE_ENV),
        (_ini(config, "stat_cache_max_size"), "ini stat_cache_max_size"),
    )
    codec = (
        (config.getoption("stat_cache_compression"), "--stat-cache-compression"),
        (env.get(CACHE_COMPRESSION_ENV, "").strip(), CACHE_COMPRESSION_ENV),
        (_ini(config, "stat_cache_compression"), "ini stat_cache_compression"),
    )
    out: dict = {}
    for value, where in size:
        if value:
            out["cache_max_bytes"] = parse_cache_max_size(value, where)
            break
    for value, where in codec:
        if value:
            out["cache_compression"] = parse_cache_compression(value, where)
            break
    return out


def settings_for(config: pytest.Config) -> RunSettings:
    """The run's settings: sent by the controller to a worker, else built from the config."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and WORKERINPUT_KEY in workerinput:
        return RunSettings.from_json(workerinput[WORKERINPUT_KEY])
    return settings_from_config(config)


def resolve_analysis_settings(
    settings: RunSettings, declared: Iterable, *, strict: bool = True
) -> dict[str, object]:
    """Values of the analysis settings the registered analyses declare.

    ``declared``: :class:`pytest_statharness.Setting` objects. Precedence: command line
    (``--stat-set``) > the setting's environment variable > ini (``stat_settings``). A
    name no analysis declares is a usage error (``strict``); a bad value is one too, with
    the analysis's own message.
    """
    by_name: dict = {}
    for setting in declared:
        by_name.setdefault(setting.name, setting)
    cli, ini = dict(settings.cli_settings), dict(settings.ini_settings)
    for source, given in (("--stat-set", cli), ("ini stat_settings", ini if strict else {})):
        unknown = sorted(set(given) - set(by_name))
        if unknown:
            known = ", ".join(sorted(by_name)) or "none"
            raise pytest.UsageError(
                f"{source}: no analysis of this session declares the setting(s) "
                f"{', '.join(unknown)} (declared: {known})"
            )
    env = dict(settings.environment)
    values: dict[str, object] = {}
    for name, setting in sorted(by_name.items()):
        if name in cli:
            raw, source = cli[name], f"--stat-set {name}"
        elif setting.env and env.get(setting.env, "").strip():
            raw, source = env[setting.env], setting.env
        elif name in ini:
            raw, source = ini[name], f"ini setting {name}"
        else:
            continue
        try:
            values[name] = setting.parse(raw.strip())
        except (ValueError, TypeError) as exc:
            raise pytest.UsageError(f"{source}={raw!r}: {exc}") from None
    return values
