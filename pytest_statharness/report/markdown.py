"""report.md: the run as a person reads it.

Order: what needs attention first (high and medium findings), then the recommendations by
modeled improvement, then each family's remaining findings (informational ones summarised),
then the datasets, the items that did not pass and the run's telemetry. Everything here is
also in report.json, which is the record.
"""

from __future__ import annotations

from collections import Counter, defaultdict

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
MAX_KEY_FINDINGS = 40
MAX_PER_FAMILY = 25
MAX_VALUES = 5


def _fmt(value) -> str:
    if isinstance(value, bool) or value is None:
        return str(value).lower() if isinstance(value, bool) else "—"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1e15 else f"{value:.4g}"
    if isinstance(value, list):
        shown = ", ".join(_fmt(v) for v in value[:5])
        return f"[{shown}{', …' if len(value) > 5 else ''}]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_esc(k)}: {_fmt(v)}" for k, v in list(value.items())[:3]) + "}"
    return _esc(value)


def _esc(value) -> str:
    """issue 11: text that may come from the data, made inert in Markdown/HTML."""
    from ..redaction import escape_markdown

    return escape_markdown(str(value))


def _key_values(finding: dict) -> str:
    values = finding["measurement"]["values"]
    units = finding["measurement"].get("units", {})
    scalars = [(k, v) for k, v in values.items() if not isinstance(v, list | dict)]
    shown = []
    for key, value in scalars[:MAX_VALUES]:
        unit = units.get(key, "")
        suffix = f" {unit}" if unit in ("seconds", "days", "%", "percent") else ""
        shown.append(f"{key} {_fmt(value)}{suffix}")
    return "; ".join(shown)


def _where(item: dict, finding: dict) -> str:
    rows = finding["evidence"].get("example_rows")
    at = f", rows {_fmt(rows)}" if rows else ""
    return f"{item['dataset']} · `{finding['analysis_id']}`{at}"


def render_markdown(report: dict) -> str:
    items = report["items"]
    entries = [(item, f) for item in items for f in item["findings"]]
    summary = report["summary"]
    outcomes = ", ".join(f"{n} {k}" for k, n in summary["outcomes"].items()) or "no items"
    datasets = "; ".join(
        f"{d['name']} ({d['format']}, {d['row_count']:,} rows × {len(d['columns'])} columns)"
        for d in report["datasets"]
    )
    lines = [
        f"# statharness run {report['run_id']}",
        "",
        f"{summary['items']} items: {outcomes}. Golden policy: {report['golden_policy']}. "
        f"Datasets: {datasets}.",
        "",
    ]

    by_family: dict[str, list] = defaultdict(list)
    for item, finding in entries:
        by_family[item.get("family") or "other"].append((item, finding))
    lines += [
        "## At a glance",
        "",
        "| family | findings | high | medium | low | info |",
        "|---|---|---|---|---|---|",
    ]
    for family in sorted(by_family):
        counts = Counter(f["severity"] for _i, f in by_family[family])
        lines.append(
            f"| {family} | {len(by_family[family])} | {counts['high']} | {counts['medium']} "
            f"| {counts['low']} | {counts['info']} |"
        )
    lines.append("")

    key = [
        e
        for e in entries
        if e[1]["severity"] in ("high", "medium") and "recommendation" not in e[1]
    ]
    key.sort(
        key=lambda e: (
            SEVERITY_ORDER[e[1]["severity"]],
            e[0]["dataset"],
            e[1]["analysis_id"],
            e[1]["id"],
        )
    )
    lines += ["## What needs attention", ""]
    if not key:
        lines.append("No high or medium severity findings.")
    for n, (item, finding) in enumerate(key[:MAX_KEY_FINDINGS], 1):
        lines.append(
            f"{n}. **{_esc(finding['title'])}** ({finding['severity']}; {_where(item, finding)}): "
            f"{_key_values(finding)}"
        )
    if len(key) > MAX_KEY_FINDINGS:
        lines.append(f"\n… and {len(key) - MAX_KEY_FINDINGS} more in report.json.")
    lines.append("")

    recs = [e for e in entries if "recommendation" in e[1]]
    recs.sort(key=lambda e: (-e[1]["recommendation"]["modeled_improvement_pct"], e[1]["id"]))
    if recs:
        lines += ["## Recommendations (by modeled improvement)", ""]
        for n, (item, finding) in enumerate(recs[:MAX_KEY_FINDINGS], 1):
            rec = finding["recommendation"]
            lines.append(
                f"{n}. **{_esc(rec['action'])}** — modeled improvement "
                f"{rec['modeled_improvement_pct']:.1f}% ({_where(item, finding)})"
            )
            lines.append(f"   - Assumes: {_esc('; '.join(rec['assumptions']))}")
        lines.append("")

    for family in sorted(by_family):
        rest = [e for e in by_family[family] if e not in key and e not in recs]
        if not rest:
            continue
        rest.sort(
            key=lambda e: (SEVERITY_ORDER.get(e[1]["severity"], 9), e[0]["dataset"], e[1]["id"])
        )
        lines += [f"## {family.capitalize()}", ""]
        notable = [e for e in rest if e[1]["severity"] != "info"]
        info = [e for e in rest if e[1]["severity"] == "info"]
        for item, finding in (notable + info)[:MAX_PER_FAMILY]:
            lines.append(
                f"- {_esc(finding['title'])} ({finding['severity']}; {_where(item, finding)}): {_key_values(finding)}"
            )
        hidden = len(notable + info) - MAX_PER_FAMILY
        if hidden > 0:
            lines.append(f"- … {hidden} more findings of this family in report.json")
        lines.append("")

    lines += [
        "## Datasets",
        "",
        "| name | format | rows | columns | fingerprint | cache |",
        "|---|---|---|---|---|---|",
    ]
    for ds in report["datasets"]:
        cache = ds.get("cache") or {}
        cached = (
            ("hit" if cache.get("hit") else f"miss ({cache.get('reason')})") if cache else "off"
        )
        lines.append(
            f"| {ds['name']} | {ds['format']} | {ds['row_count']:,} | {len(ds['columns'])} "
            f"| `{ds['fingerprint']}` | {cached} |"
        )
    for ds in report["datasets"]:
        if ds["bad_rows"]["count"]:
            lines.append(
                f"\n{ds['name']}: {ds['bad_rows']['count']:,} ragged row(s) dropped, first at lines "
                f"{ds['bad_rows']['first_lines']}."
            )
    lines.append("")

    problems = [i for i in items if i["outcome"] != "passed"]
    if problems:
        lines += ["## Items that did not pass", ""]
        for item in problems:
            why = (
                item.get("error")
                or (item.get("skip") or {}).get("message")
                or (item.get("snapshot") or {}).get("status", "")
            )
            lines.append(f"- `{item['nodeid']}`: **{item['outcome']}** {_esc(why)}")
        lines.append("")

    timed = [i for i in items if i.get("telemetry")]
    if timed:
        timed.sort(key=lambda i: -i["telemetry"]["wall_s"])
        lines += [
            "## Slowest items",
            "",
            "| item | wall s | passes | rows/s | peak RSS MB |",
            "|---|---|---|---|---|",
        ]
        for item in timed[:10]:
            t = item["telemetry"]
            lines.append(
                f"| `{item['analysis_id']}[{item['dataset']}]` | {t['wall_s']:.2f} | {t['passes']} "
                f"| {_fmt(t.get('rows_per_s'))} | {_fmt(t.get('peak_rss_mb'))} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"
