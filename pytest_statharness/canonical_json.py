"""Canonical JSON: the one serialisation used for snapshots, reports and hashes.

Why a custom encoder: findings must be byte-identical across runs, platforms and numpy
versions. So keys are sorted, floats use Python's shortest round-trip ``repr``, numpy
scalars become plain Python numbers, and non-finite floats are spelt out as the strings
``"NaN"``, ``"Infinity"`` and ``"-Infinity"`` (plain JSON has no way to write them).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

NAN = "NaN"
POS_INF = "Infinity"
NEG_INF = "-Infinity"


def to_jsonable(value: Any) -> Any:
    """Return ``value`` as plain JSON types (dict, list, str, int, float, bool, None)."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if math.isnan(value):
            return NAN
        if math.isinf(value):
            return POS_INF if value > 0 else NEG_INF
        return float(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"canonical JSON keys must be strings, got {key!r}")
            out[key] = to_jsonable(item)
        return out
    if isinstance(value, list | tuple):
        return [to_jsonable(item) for item in value]
    # numpy scalars and arrays without importing numpy here (keeps the plugin light).
    item = getattr(value, "item", None)
    if callable(item) and getattr(value, "shape", None) == ():
        return to_jsonable(item())
    tolist = getattr(value, "tolist", None)
    if callable(tolist):
        return to_jsonable(tolist())
    raise TypeError(f"value of type {type(value).__name__} cannot go into canonical JSON")


def dumps(value: Any, *, indent: int | None = None) -> str:
    """Serialise ``value`` canonically. ``indent`` only changes whitespace."""
    separators = (",", ": ") if indent is not None else (",", ":")
    return json.dumps(
        to_jsonable(value),
        sort_keys=True,
        indent=indent,
        separators=separators,
        ensure_ascii=False,
        allow_nan=False,
    )


def dumps_document(value: Any) -> str:
    """Serialise for a file a person reads and diffs: indented, newline-terminated."""
    return dumps(value, indent=1) + "\n"
