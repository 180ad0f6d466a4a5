"""Provenance of a run: what was run, with what, on which settings.

Recorded in report.json (``provenance``) and in the run's row of state.db: the command
line with secrets redacted, the versions of the plugin, of every analysis provider and of
the numeric libraries, and hashes of the ini file, the resolved settings, each dataset's
spec and the compiled policy. The settings hash, with the dataset names, decides which
earlier run is "comparable" (:func:`pytest_statharness.store.previous_comparable`).

Only the standard library is imported at module level (the plugin loads this module).
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
import sys
from importlib import metadata
from pathlib import Path

PROVENANCE_SCHEMA_VERSION = 1
REDACTED = "***"
NUMERIC_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "pytest", "pytest-xdist")

# An option or KEY=VALUE whose name says it holds a secret.
_SECRET_NAME = re.compile(
    r"(pass(word|wd)?|secret|token|api[-_]?key|access[-_]?key|private[-_]?key|credential|"
    r"auth|key)$",
    re.IGNORECASE,
)
_URL_CREDENTIALS = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<cred>[^/@\s]+)@")
# Values that look like tokens on their own (GitHub, Slack, AWS, JWT, long hex/base64).
_TOKEN_VALUE = re.compile(
    r"^(gh[pousr]_[A-Za-z0-9]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16}|"
    r"eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]+|sk-[A-Za-z0-9]{20,})$"
)


def _secret_name(name: str) -> bool:
    name = name.lstrip("-").replace("-", "_")
    return bool(_SECRET_NAME.search(name))


def _redact_value(value: str) -> str:
    value = _URL_CREDENTIALS.sub(lambda m: f"{m['scheme']}{REDACTED}@", value)
    if _TOKEN_VALUE.match(value):
        return REDACTED
    return value


def _redact_path(arg: str, root: Path | None) -> str:
    """No absolute paths in artifacts: relative to the rootdir, else only the file name."""
    prefix, sep, value = arg.rpartition("=")
    target = value if sep else arg
    if not target.startswith("/") and not re.match(r"^[A-Za-z]:[\\/]", target):
        return arg
    path = Path(target)
    shown = None
    if root is not None:
        try:
            shown = path.relative_to(root).as_posix()
        except ValueError:
            shown = None
    if shown is None:
        shown = f"<abs>/{path.name}"
    return f"{prefix}={shown}" if sep else shown


def redact_argv(argv: list[str] | tuple[str, ...], root: Path | None = None) -> list[str]:
    """The command line as recorded: secrets replaced by ``***``, absolute paths cut.

    Redacted: the value of an option whose name looks like a secret (``--token X``,
    ``--api-key=X``, ``--password X``), ``NAME=VALUE`` arguments with such a name, URL
    credentials (``https://user:pass@host`` → ``https://***@host``) and values shaped like
    well-known tokens.
    """
    out: list[str] = []
    hide_next = False
    for raw in argv:
        arg = str(raw)
        if hide_next:
            out.append(REDACTED)
            hide_next = False
            continue
        if arg.startswith("-"):
            name, sep, _value = arg.partition("=")
            if _secret_name(name):
                if sep:
                    out.append(f"{name}={REDACTED}")
                else:
                    out.append(arg)
                    hide_next = True
                continue
        else:
            name, sep, _value = arg.partition("=")
            if sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", name) and _secret_name(name):
                out.append(f"{name}={REDACTED}")
                continue
        out.append(_redact_path(_redact_value(arg), root))
    return out


def sha256_text(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def hash_json(value) -> str:
    return sha256_text(json.dumps(value, sort_keys=True, separators=(",", ":"), default=str))


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def library_versions() -> dict[str, str | None]:
    out = {"python": platform.python_version()}
    for name in NUMERIC_LIBRARIES:
        out[name] = _version(name)
    return out


def settings_digest(options) -> dict:
    """The resolved settings that can change what a run concludes, without machine paths."""
    fields = {}
    for name in (
        "golden",
        "compare",
        "time_limit_s",
        "caps",
        "providers",
        "disabled",
    ):
        value = getattr(options, name, None)
        fields[name] = list(value) if isinstance(value, tuple) else value
    fields["datasets"] = sorted(spec.name for spec in getattr(options, "datasets", ()))
    spec_file = getattr(options, "spec_file", None)
    fields["spec_file"] = Path(spec_file).name if spec_file else None
    return fields


def ini_hash(inipath: Path | None) -> str | None:
    if inipath is None or not Path(inipath).is_file():
        return None
    return "sha256:" + hashlib.sha256(Path(inipath).read_bytes()).hexdigest()


def provider_versions(registry) -> list[dict]:
    """Every analysis provider of the run (entry point, distribution, version) and the
    analyses it registered."""
    from .registry import installed_providers

    origins = getattr(registry, "origins", {})
    by_origin: dict[str, list[str]] = {}
    for analysis_id, origin in origins.items():
        by_origin.setdefault(origin, []).append(analysis_id)
    out = []
    seen = set()
    for provider, _ep in installed_providers():
        analyses = sorted(by_origin.get(provider.name, []))
        if not analyses:
            continue
        seen.add(provider.name)
        out.append(
            {
                "name": provider.name,
                "distribution": provider.distribution,
                "version": provider.version,
                "analyses": analyses,
            }
        )
    for origin, analyses in sorted(by_origin.items()):
        if origin not in seen:  # a conftest or a plugin object, not an entry point
            out.append(
                {
                    "name": origin,
                    "distribution": None,
                    "version": None,
                    "analyses": sorted(analyses),
                }
            )
    return out


def collect(
    *,
    argv,
    root: Path | None,
    options,
    inipath: Path | None,
    registry=None,
    dataset_specs: dict[str, str | None] | None = None,
    policy: dict | None = None,
    started: float | None = None,
    ended: float | None = None,
) -> dict:
    from . import __version__

    settings = settings_digest(options)
    out = {
        "schema_version": PROVENANCE_SCHEMA_VERSION,
        "argv": redact_argv(list(argv), root),
        "plugin": {"distribution": "pytest-statharness", "version": __version__},
        "versions": library_versions(),
        "platform": {"implementation": sys.implementation.name, "system": platform.system()},
        "settings": settings,
        "settings_hash": hash_json(settings),
        "ini_hash": ini_hash(inipath),
        "dataset_spec_hashes": dict(sorted((dataset_specs or {}).items())),
        "providers": provider_versions(registry) if registry is not None else [],
        "policy_hash": hash_json(policy) if policy is not None else None,
        "started": _iso(started),
        "ended": _iso(ended),
    }
    return out


def _iso(timestamp: float | None) -> str | None:
    if timestamp is None:
        return None
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")
