"""The dataset spec: what a user declares about a dataset, kept in their repository.

Inference (:mod:`.roles`) starts users off; the spec settles what the data cannot tell:
that ``flight`` is a key, that ``12/01/2024`` is the 12th of January, that a wind speed
above 200 mph is impossible, that ``delivery_days`` is a KPI where lower is better, that
a table is an event log and which columns make it one. Read from

* ``pyproject.toml``: ``[tool.statharness.datasets.NAME]``, and/or
* ``statharness.toml`` (or the file given by ``--stat-spec``): ``[datasets.NAME]``,

both at the rootdir; a dataset declared in both is an error (say it once). Each dataset's
table is validated against ``schemas/dataset_spec.schema.json``; an error names the file,
the key and the fix. The canonical hash of a dataset's spec is cited in the evidence of
every finding on that dataset (``evidence.dataset_spec``).
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from ..errors import DatasetError

SPEC_FILE = "statharness.toml"


class SpecError(DatasetError):
    """A dataset spec that cannot be used: bad TOML, a schema violation, an unknown column."""


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset's declarations (empty: nothing declared)."""

    name: str
    source: str = ""  # the file it came from, relative to the rootdir (for messages)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def declared(self) -> bool:
        return bool(self.data)

    @property
    def hash(self) -> str | None:
        if not self.data:
            return None
        text = json.dumps(self.data, sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()  # full length

    def column(self, name: str) -> dict[str, Any]:
        return dict(self.data.get("columns", {}).get(name, {}))

    @property
    def exclude(self) -> tuple[str, ...]:
        return tuple(self.data.get("exclude", ()))

    @property
    def kpis(self) -> dict[str, str]:
        return dict(self.data.get("kpis", {}))

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(self.data.get("targets", ()))

    @property
    def declares_targets(self) -> bool:
        """True when the spec says which columns are outcomes (``targets = []`` included:
        then no column is taken for one by its name)."""
        return "targets" in self.data

    @property
    def eventlog(self) -> dict[str, str]:
        return dict(self.data.get("eventlog", {}))

    @property
    def time_zone(self) -> str | None:
        return self.data.get("time_zone")

    @property
    def cycles(self) -> tuple[str, ...]:
        return tuple(self.data.get("cycles", ()))

    def bounds(self) -> dict[str, tuple[float | None, float | None]]:
        return {
            name: tuple(col["bounds"])
            for name, col in self.data.get("columns", {}).items()
            if "bounds" in col
        }

    def check_columns(self, columns: list[str]) -> None:
        """Every column the spec names exists (a typo would silently declare nothing)."""
        named = set(self.data.get("columns", {})) | set(self.exclude) | set(self.kpis)
        named |= set(self.targets)
        named |= set(self.eventlog.values())
        unknown = sorted(named - set(columns))
        if unknown:
            raise SpecError(
                f"dataset spec of {self.name!r} ({self.source}) names column(s) "
                f"{', '.join(map(repr, unknown))} that the dataset does not have; its columns "
                f"are {', '.join(columns)}"
            )


def spec_schema() -> dict:
    text = (
        resources.files("pytest_statharness.schemas")
        .joinpath("dataset_spec.schema.json")
        .read_text()
    )
    return json.loads(text)


def validate(name: str, data: Any, source: str) -> dict:
    import jsonschema

    validator = jsonschema.Draft202012Validator(spec_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = ".".join(str(p) for p in error.absolute_path) or "(the table)"
        raise SpecError(
            f"dataset spec of {name!r} in {source}: key {where}: {error.message} "
            f"(see docs/dataset-spec.md; the schema is pytest_statharness/schemas/"
            "dataset_spec.schema.json)"
        )
    for column, entry in data.get("columns", {}).items():
        odd = [c for c in entry.get("missing_codes", ()) if not math.isfinite(c)]
        if odd:
            raise SpecError(
                f"dataset spec of {name!r} in {source}: key columns.{column}.missing_codes: "
                f"{odd[0]} is not a number a file can hold as a code; NaN and infinity are "
                "never read as a value, so list only finite codes such as -99 or 999"
            )
        lo, hi = entry.get("bounds", (None, None))
        if lo is not None and hi is not None and lo > hi:
            raise SpecError(
                f"dataset spec of {name!r} in {source}: key columns.{column}.bounds: "
                f"low {lo} is above high {hi}; give [low, high]"
            )
    zone = data.get("time_zone")
    if zone is not None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SpecError(
                f"dataset spec of {name!r} in {source}: key time_zone: {zone!r} is not an "
                "IANA time zone (e.g. 'Europe/Berlin', 'UTC')"
            ) from None
    return data


def _read_toml(path: Path, root: Path) -> dict:
    shown = path.relative_to(root) if path.is_relative_to(root) else path.name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SpecError(
            f"{shown}: not a TOML text file (byte {exc.start} is not UTF-8); give a dataset "
            "spec written in TOML (see docs/dataset-spec.md)"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{shown}: not valid TOML: {exc}") from None


def load_specs(root: Path, spec_file: Path | None = None) -> dict[str, DatasetSpec]:
    """Every dataset spec of the project, validated: name -> spec."""
    found: dict[str, DatasetSpec] = {}
    sources: list[tuple[str, dict]] = []
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        table = _read_toml(pyproject, root).get("tool", {}).get("statharness", {})
        sources.append(("pyproject.toml [tool.statharness.datasets]", table.get("datasets", {})))
    path = spec_file if spec_file is not None else root / SPEC_FILE
    if spec_file is not None and not path.is_file():
        raise SpecError(f"--stat-spec {spec_file}: no such file")
    if path.is_file():
        label = path.name if path.parent == root else str(path)
        sources.append((f"{label} [datasets]", _read_toml(path, root).get("datasets", {})))
    for label, datasets in sources:
        if not isinstance(datasets, dict):
            raise SpecError(f"{label}: must be a table of datasets ([datasets.NAME])")
        for name, data in datasets.items():
            if name in found:
                raise SpecError(
                    f"dataset {name!r} is declared in {found[name].source} and in {label}; "
                    "declare it once"
                )
            found[name] = DatasetSpec(name, label, validate(name, data, label))
    return found


__all__ = ["DatasetSpec", "SpecError", "load_specs", "validate"]
