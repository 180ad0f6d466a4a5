"""Generates ``docs/analyses.md`` from the registry (a test fails when the file drifts).

Run ``python -m pytest_statharness.catalogue > docs/analyses.md`` after changing an
analysis's metadata.
"""

from __future__ import annotations

import sys

from .registry import Registry

HEADER = """# Analysis catalogue

Generated from the registry by `python -m pytest_statharness.catalogue`; do not edit by
hand (`tests/test_docs.py` fails when this file and the registry disagree).

Every analysis scans every row (no sampling). *Exact* means every reported value is
computed exactly from all rows; otherwise the error bound says how far an estimate can be.
*Declared precision* lists the values that go through scipy special functions or libm
(p-values, test statistics): snapshots store them to that many significant digits,
report.json in full (see "Numeric stability" in architecture.md).
*Memory* is how an analysis's state grows (never with the row count): *constant*, *per
distinct value up to a cap* (a budget cap such as distinct_cap or max_groups), or
*partitioned* (per-row work split into hash partitions sized from the item's memory budget,
`--stat-cap memory_mb=N`; see docs/performance.md).
"""


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def render(registry: Registry) -> str:
    lines = [
        HEADER,
        "| id | family | column kinds | exact / bound | passes | memory | data access |",
        "|---|---|---|---|---|---|---|",
    ]
    for a in registry:
        kinds = ", ".join(str(k) for k in a.requires) or "any"
        exact = "exact" if a.exact else f"estimate: {_cell(a.error_bound or '')}"
        lines.append(
            f"| `{a.id}` | {a.family} | {kinds} | {exact} | {a.passes} | {a.memory_model} "
            f"| {_cell(a.access)} |"
        )
    lines.append("")
    for family in registry.families():
        lines += [f"## {family}", ""]
        for a in registry:
            if a.family != family:
                continue
            lines += [
                f"### `{a.id}` — {_cell(a.title)}",
                "",
                f"- Method: {_cell(a.method)}",
                f"- Reference: {_cell(a.reference)}",
                f"- Memory: {a.memory_model}"
                + (f" ({_cell(a.memory_note)})" if a.memory_note else ""),
            ]
            if a.precision:
                declared = ", ".join(f"`{k}` {d}" for k, d in sorted(a.precision.items()))
                lines.append(f"- Declared precision (significant digits in snapshots): {declared}")
            if a.settings:
                taken = "; ".join(
                    f"`{s.name}`" + (f" (env `{s.env}`)" if s.env else "") + f": {_cell(s.help)}"
                    for s in a.settings
                )
                lines.append(f"- Settings (`--stat-set NAME=VALUE`): {taken}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def main() -> int:
    sys.stdout.write(render(Registry.builtin()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
