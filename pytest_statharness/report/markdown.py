"""report.md: the run as triage, for a person.

Order: the verdict (outcomes, scorecard, comparison with the previous comparable run),
then the headlines — findings of severity high, medium or low ranked by severity, then
by effect size — then the recommendations by modeled improvement, each naming its set of
assumptions (every set is written once, below the list), then a count of findings per
family, the datasets, the items that did not pass and the slowest items. Informational
findings and the plots are in report.html; everything is in report.json, the record.
A typical run stays within about 200 lines (:data:`MAX_HEADLINES`,
:data:`MAX_RECOMMENDATIONS` bound the long lists); every high and medium finding is listed
(up to :data:`MAX_ATTENTION`), low ones fill the headlines up to MAX_HEADLINES.
"""

from __future__ import annotations

from collections import Counter, defaultdict

from ..scorecard import explored_items, explored_line, problem_items, score_text, verdict_text

SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "info": 3}
MAX_HEADLINES = 40
#: high and medium findings are all listed, up to this many
MAX_ATTENTION = 300
MAX_RECOMMENDATIONS = 15
MAX_PROBLEMS = 20
MAX_VALUES = 4
# Measurement values that state an effect size, in order of preference; the headlines of
# one severity are ranked by the first one a finding has (absolute value, larger first).
EFFECT_KEYS = (
    "effect_size",
    "cohens_d",
    "cohens_w",
    "cramers_v",
    "epsilon_squared",
    "psi",
    "shift_sigmas",
    "relative_change",
    "rho",
    "r",
    "share",
    "null_rate",
    "rate",
    "ratio",
)


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


def key_values(finding: dict) -> str:
    values = finding["measurement"]["values"]
    units = finding["measurement"].get("units", {})
    scalars = [(k, v) for k, v in values.items() if not isinstance(v, list | dict)]
    shown = []
    for key, value in scalars[:MAX_VALUES]:
        unit = units.get(key, "")
        suffix = f" {unit}" if unit in ("seconds", "days", "%", "percent") else ""
        shown.append(f"{key} {_fmt(value)}{suffix}")
    return "; ".join(shown)


def effect(finding: dict) -> float:
    values = finding["measurement"]["values"]
    for key in EFFECT_KEYS:
        value = values.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value == value:
            return abs(float(value))
    return 0.0


def headline_entries(report: dict) -> list[tuple[dict, dict]]:
    """Findings of severity high/medium/low, most important first. The recommendations
    analysis's own findings are advice and are listed apart; a finding of another analysis
    that also carries a recommendation (duplicate rows: drop them) is a finding first and
    is counted here too, so the counts match report.json."""
    entries = [
        (item, f)
        for item in report["items"]
        for f in item["findings"]
        if f["severity"] != "info"
        and not ("recommendation" in f and item.get("analysis_id") == "recommendations")
    ]
    entries.sort(
        key=lambda e: (
            SEVERITY_ORDER[e[1]["severity"]],
            -effect(e[1]),
            e[0]["dataset"],
            e[1]["analysis_id"],
            e[1]["id"],
        )
    )
    return entries


#: a cap's reason as a headline shows it: its first clause, at most this many characters
CAP_REASON_CHARS = 160


def _capped(finding: dict) -> str:
    """' — held at low: <the rule's first clause>' for a finding whose severity a rule
    capped (its reason is in report.json's parameters; a user reading a large effect at
    low asks why here: students' 'high' across treatment, epsilon^2 0.70)."""
    params = finding["evidence"].get("parameters", {})
    reason = params.get("severity_capped")
    if not isinstance(reason, str) or finding["severity"] not in ("low", "info"):
        return ""
    clause = reason.split(";")[0].strip()
    if len(clause) > CAP_REASON_CHARS:
        clause = clause[: CAP_REASON_CHARS - 1].rstrip() + "…"
    same = params.get("same_fact_as")
    also = f" (same fact as {_esc(same)})" if isinstance(same, str) else ""
    return f" — held at {finding['severity']}: {_esc(clause)}{also}"


def _where(item: dict, finding: dict) -> str:
    rows = finding["evidence"].get("example_rows")
    at = f", rows {_fmt(rows[:3])}" if rows else ""
    return f"{item['dataset']} · `{finding['analysis_id']}`{at}"


def _letters(n: int) -> str:
    out = ""
    n += 1
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def column_count(dataset: dict) -> str:
    """'5 columns', or '5 columns (+1 derived)' when the harness added columns (a date
    made from a year column): the count a user sees in the file first."""
    derived = sum(1 for c in dataset["columns"] if str(c.get("type", "")).endswith("(derived)"))
    text = f"{len(dataset['columns']) - derived} columns"
    return text + (f" (+{derived} derived)" if derived else "")


def render_markdown(report: dict) -> str:
    items = report["items"]
    entries = [(item, f) for item in items for f in item["findings"]]
    summary = report["summary"]
    outcomes = ", ".join(f"{n} {k}" for k, n in summary["outcomes"].items()) or "no items"
    datasets = "; ".join(
        f"{d['name']} ({d['row_count']:,} rows × {column_count(d)})" for d in report["datasets"]
    )
    lines = [
        f"# statharness run {report['run_id']}",
        "",
        f"{summary['items']} items: {outcomes}. Golden policy: {report['golden_policy']}. "
        f"Datasets: {datasets}. Plots and every finding: [report.html](report.html); the "
        "record: report.json.",
        "",
    ]
    card = report.get("scorecard")
    if card:
        scores = ", ".join(f"{k} {score_text(k, p)}" for k, p in card["pillars"].items())
        vetoes = [v for p in card["pillars"].values() for v in p["vetoes"]]
        verdict = verdict_text(card, items)
        lines += [f"**Scorecard** (0–10): {scores} — {verdict}."]
        lines += [f"- veto: {v}" for v in vetoes]
        lines.append("")
    gate = report.get("comparison")
    if gate and gate.get("against"):
        lines += [
            f"**Compared with {gate['against']}** (previous comparable run): {gate['added']} "
            f"new, {gate['removed']} gone, {gate['changed']} changed finding(s); see "
            "comparison_report.md."
            + (
                f" The gate --stat-fail-on-new={gate['level']} failed the run."
                if gate.get("failed")
                else ""
            ),
            "",
        ]

    heads = headline_entries(report)
    counts = Counter(f["severity"] for _i, f in heads)
    lines += [
        f"## Headlines ({counts['high']} high, {counts['medium']} medium, {counts['low']} low)",
        "",
    ]
    if not heads:
        lines.append("No high, medium or low severity findings.")
    # every high and medium finding is listed (they are what the run asks you to read);
    # low ones fill the list up to MAX_HEADLINES
    attention = [e for e in heads if e[1]["severity"] in ("high", "medium")][:MAX_ATTENTION]
    rest = [e for e in heads if e[1]["severity"] not in ("high", "medium")]
    shown = attention + rest[: max(MAX_HEADLINES - len(attention), 0)]
    for n, (item, finding) in enumerate(shown, 1):
        lines.append(
            f"{n}. **{_esc(finding['title'])}** ({finding['severity']}; {_where(item, finding)}): "
            f"{key_values(finding)}{_capped(finding)}"
        )
    if len(heads) > len(shown):
        lines.append(f"\n… and {len(heads) - len(shown)} more in [report.html](report.html).")
    lines.append("")

    recs = [e for e in entries if "recommendation" in e[1]]
    recs.sort(key=lambda e: (-e[1]["recommendation"]["modeled_improvement_pct"], e[1]["id"]))
    if recs:
        sets: dict[tuple[str, ...], str] = {}
        lines += ["## Recommendations (by modeled improvement)", ""]
        for n, (item, finding) in enumerate(recs[:MAX_RECOMMENDATIONS], 1):
            rec = finding["recommendation"]
            label = sets.setdefault(tuple(rec["assumptions"]), _letters(len(sets)))
            lines.append(
                f"{n}. **{_esc(rec['action'])}** — modeled improvement "
                f"{rec['modeled_improvement_pct']:.1f}% ({item['dataset']} · "
                f"`{finding['analysis_id']}`; assumes {label})"
            )
        if len(recs) > MAX_RECOMMENDATIONS:
            lines.append(
                f"\n… and {len(recs) - MAX_RECOMMENDATIONS} more in [report.html](report.html)."
            )
        lines += ["", "Assumptions:", ""]
        for assumptions, label in sets.items():
            lines.append(
                f"- **{label}**: " + _esc(" ".join(a.rstrip(".") + "." for a in assumptions))
            )
        lines.append("")

    by_family: dict[str, list] = defaultdict(list)
    for item, finding in entries:
        by_family[item.get("family") or "other"].append(finding)
    lines += [
        "## Findings per family",
        "",
        "| family | findings | high | medium | low | info |",
        "|---|---|---|---|---|---|",
    ]
    for family in sorted(by_family):
        c = Counter(f["severity"] for f in by_family[family])
        lines.append(
            f"| {family} | {len(by_family[family])} | {c['high']} | {c['medium']} "
            f"| {c['low']} | {c['info']} |"
        )
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
            f"| {ds['name']} | {ds['format']} | {ds['row_count']:,} | {column_count(ds)} "
            f"| `{ds['fingerprint']}` | {cached} |"
        )
    for ds in report["datasets"]:
        if ds["bad_rows"]["count"]:
            lines.append(
                f"\n{ds['name']}: {ds['bad_rows']['count']:,} ragged row(s) dropped, first at lines "
                f"{ds['bad_rows']['first_lines']}."
            )
    lines.append("")

    explored = explored_items(items)
    problems = problem_items(items)
    if explored:
        lines += [explored_line(len(explored)), ""]
    if problems:
        lines += ["## Items that did not pass", ""]
        for item in problems[:MAX_PROBLEMS]:
            why = (
                item.get("error")
                or (item.get("skip") or {}).get("message")
                or (item.get("snapshot") or {}).get("status", "")
            )
            lines.append(f"- `{item['nodeid']}`: **{item['outcome']}** {_esc(why)}")
        if len(problems) > MAX_PROBLEMS:
            lines.append(f"- … {len(problems) - MAX_PROBLEMS} more in report.json")
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
        for item in timed[:5]:
            t = item["telemetry"]
            lines.append(
                f"| `{item['analysis_id']}[{item['dataset']}]` | {t['wall_s']:.2f} | {t['passes']} "
                f"| {_fmt(t.get('rows_per_s'))} | {_fmt(t.get('peak_rss_mb'))} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"
