"""report.md: the run as a person reads it — datasets, outcomes, then findings by family."""

from __future__ import annotations

from collections import defaultdict


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value[:10]) + (" ..." if len(value) > 10 else "")
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt(v)}" for k, v in list(value.items())[:6])
    return str(value)


def render_markdown(report: dict) -> str:
    lines = [f"# statharness run {report['run_id']}", ""]
    summary = report["summary"]
    outcomes = ", ".join(f"{n} {k}" for k, n in summary["outcomes"].items()) or "no items"
    lines += [
        f"{summary['items']} items: {outcomes}. Golden policy: {report['golden_policy']}.",
        "",
    ]
    lines += [
        "## Datasets",
        "",
        "| name | format | rows | columns | fingerprint |",
        "|---|---|---|---|---|",
    ]
    for ds in report["datasets"]:
        lines.append(
            f"| {ds['name']} | {ds['format']} | {ds['row_count']:,} | {len(ds['columns'])} | `{ds['fingerprint']}` |"
        )
        if ds["bad_rows"]["count"]:
            lines.append(
                f"|  | {ds['bad_rows']['count']} ragged row(s) dropped, first at lines "
                f"{ds['bad_rows']['first_lines']} | | | |"
            )
    lines.append("")
    problems = [i for i in report["items"] if i["outcome"] != "passed"]
    if problems:
        lines += ["## Items that did not pass", ""]
        for item in problems:
            why = (
                item.get("error")
                or (item.get("skip") or {}).get("message")
                or (item.get("snapshot") or {}).get("status", "")
            )
            lines.append(f"- `{item['nodeid']}`: **{item['outcome']}** {why}")
        lines.append("")
    by_family: dict[str, list] = defaultdict(list)
    for item in report["items"]:
        for finding in item["findings"]:
            by_family[item.get("family") or "other"].append((item, finding))
    severity_order = {"high": 0, "medium": 1, "low": 2, "info": 3}
    for family in sorted(by_family):
        lines += [f"## {family.capitalize()}", ""]
        entries = by_family[family]
        entries.sort(
            key=lambda e: (severity_order.get(e[1]["severity"], 9), e[0]["dataset"], e[1]["id"])
        )
        for item, finding in entries[:200]:
            values = finding["measurement"]["values"]
            shown = "; ".join(f"{k} = {_fmt(v)}" for k, v in list(values.items())[:8])
            lines.append(
                f"- **{finding['title']}** ({item['dataset']}, {finding['severity']}): {shown}"
            )
            rec = finding.get("recommendation")
            if rec:
                lines.append(
                    f"  - Recommendation: {rec['action']} (modeled improvement "
                    f"{rec['modeled_improvement_pct']:.1f}%; assumes {'; '.join(rec['assumptions'])})"
                )
        if len(entries) > 200:
            lines.append(f"- ... {len(entries) - 200} more findings in report.json")
        lines.append("")
    return "\n".join(lines) + "\n"
