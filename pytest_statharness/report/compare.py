"""Comparing two runs' report.json: findings added, removed and changed (with value deltas),
and recommendation deltas ordered by modeled improvement.

A finding is the same finding in both runs when its dataset, analysis and finding id are
the same (finding ids are derived from the analysis, kind and subject, never from values).
Everything is computed from the two report.json files; nothing is re-measured.
"""

from __future__ import annotations

import math

COMPARISON_SCHEMA_VERSION = 1
SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}
MAX_MD_ROWS = 40


def _findings(
    report: dict, dataset: str | None = None, label: str = ""
) -> dict[tuple[str, str, str], dict]:
    """Findings by (dataset, analysis, id); with ``dataset``, that dataset's only, keyed
    under ``label`` so the same finding of two datasets matches."""
    out = {}
    for item in report.get("items", []):
        if dataset is not None and item.get("dataset") != dataset:
            continue
        name = label if dataset is not None else item.get("dataset") or ""
        for finding in item.get("findings", []):
            out[(name, finding["analysis_id"], finding["id"])] = finding
    return out


def _title(c: dict) -> str:
    if "dataset_a" in c:
        return f"{c['run_a']}:{c['dataset_a']} → {c['run_b']}:{c['dataset_b']}"
    return f"{c['run_a']} → {c['run_b']}"


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_deltas(a: dict, b: dict) -> dict:
    """Scalar values that differ: numbers with their delta, others with both values."""
    out = {}
    va, vb = a["measurement"]["values"], b["measurement"]["values"]
    for name in sorted(set(va) | set(vb)):
        x, y = va.get(name), vb.get(name)
        if x == y or (
            isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y)
        ):
            continue
        if _number(x) and _number(y):
            delta = y - x
            entry = {"a": x, "b": y, "delta": delta}
            if x:
                entry["relative"] = delta / abs(x)
            out[name] = entry
        elif not isinstance(x, list | dict) and not isinstance(y, list | dict):
            out[name] = {"a": x, "b": y}
        else:
            out[name] = {"changed": True}
    return out


def _brief(key, finding: dict) -> dict:
    dataset, analysis_id, fid = key
    return {
        "dataset": dataset,
        "analysis_id": analysis_id,
        "id": fid,
        "title": finding["title"],
        "severity": finding["severity"],
    }


def compare_reports(
    a: dict, b: dict, *, dataset_a: str | None = None, dataset_b: str | None = None
) -> dict:
    """Run B against run A; with ``dataset_a`` and ``dataset_b``, dataset B of run B against
    dataset A of run A (the same run twice compares two datasets of one run): a finding is
    matched by analysis and finding id, which never contain the dataset's name."""
    if (dataset_a is None) != (dataset_b is None):
        raise ValueError("give both datasets, or neither")
    label = f"{dataset_a} → {dataset_b}" if dataset_a is not None else ""
    fa, fb = _findings(a, dataset_a, label), _findings(b, dataset_b, label)
    added = [_brief(k, fb[k]) for k in sorted(set(fb) - set(fa))]
    removed = [_brief(k, fa[k]) for k in sorted(set(fa) - set(fb))]
    changed = []
    for key in sorted(set(fa) & set(fb)):
        x, y = fa[key], fb[key]
        deltas = value_deltas(x, y)
        if not deltas and x["severity"] == y["severity"]:
            continue
        entry = _brief(key, y)
        entry["severity_before"] = x["severity"]
        entry["values"] = deltas
        changed.append(entry)
    recs = []
    for key in sorted(set(fa) | set(fb)):
        ra = (fa.get(key) or {}).get("recommendation")
        rb = (fb.get(key) or {}).get("recommendation")
        if not ra and not rb:
            continue
        pa = ra["modeled_improvement_pct"] if ra else None
        pb = rb["modeled_improvement_pct"] if rb else None
        if pa == pb:
            continue
        recs.append(
            {
                "dataset": key[0],
                "analysis_id": key[1],
                "id": key[2],
                "action": (rb or ra)["action"],
                "modeled_improvement_pct_a": pa,
                "modeled_improvement_pct_b": pb,
                "delta_pct": (pb or 0.0) - (pa or 0.0),
                "status": "new" if ra is None else "gone" if rb is None else "changed",
            }
        )
    recs.sort(
        key=lambda r: (-(r["modeled_improvement_pct_b"] or 0.0), -abs(r["delta_pct"]), r["id"])
    )
    datasets = {}
    if dataset_a is not None:
        datasets = {"dataset_a": dataset_a, "dataset_b": dataset_b}
    return {
        "schema_version": COMPARISON_SCHEMA_VERSION,
        "run_a": a.get("run_id"),
        "run_b": b.get("run_id"),
        **datasets,
        "datasets_a": [dataset_a]
        if dataset_a is not None
        else sorted(d["name"] for d in a.get("datasets", [])),
        "datasets_b": [dataset_b]
        if dataset_b is not None
        else sorted(d["name"] for d in b.get("datasets", [])),
        "settings_hash_a": (a.get("provenance") or {}).get("settings_hash"),
        "settings_hash_b": (b.get("provenance") or {}).get("settings_hash"),
        "counts": {"added": len(added), "removed": len(removed), "changed": len(changed)},
        "added": added,
        "removed": removed,
        "changed": changed,
        "recommendation_deltas": recs,
    }


def gate(comparison: dict | None, level: str) -> dict:
    """Findings new or more severe in run B at ``level`` or above (``off``: never fails)."""
    if comparison is None:
        return {
            "level": level,
            "against": None,
            "added": 0,
            "removed": 0,
            "changed": 0,
            "offending": [],
            "failed": False,
        }
    offending = []
    if level != "off":
        floor = SEVERITY_RANK[level]
        for f in comparison["added"]:
            if SEVERITY_RANK[f["severity"]] >= floor:
                offending.append(
                    f"new {f['severity']}: {f['title']} ({f['dataset']} · {f['analysis_id']})"
                )
        for f in comparison["changed"]:
            before, after = SEVERITY_RANK[f["severity_before"]], SEVERITY_RANK[f["severity"]]
            if after > before and after >= floor:
                offending.append(
                    f"{f['severity_before']} → {f['severity']}: {f['title']} "
                    f"({f['dataset']} · {f['analysis_id']})"
                )
    return {
        "level": level,
        "against": comparison["run_a"],
        **comparison["counts"],
        "offending": offending,
        "failed": bool(offending),
    }


def dataset_columns(report: dict) -> dict[str, set[str]]:
    """{dataset name: its column names} of a report.json."""
    return {
        d["name"]: {c["name"] for c in d.get("columns", [])} for d in report.get("datasets", [])
    }


def other_data(a: dict, b: dict) -> list[str]:
    """Datasets of run B named as in run A that share no column with it: another table
    under a reused name, whose findings all read as new or gone (a rater's 'compare with
    run-000001: 4 new, 14 gone', with no word that the data were other data)."""
    ca, cb = dataset_columns(a), dataset_columns(b)
    return sorted(n for n in set(ca) & set(cb) if ca[n] and cb[n] and not ca[n] & cb[n])


def _fmt(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _esc(value) -> str:
    """Text that may come from the data (titles, actions), inert in Markdown."""
    from ..redaction import escape_markdown

    return escape_markdown(str(value))


def render_comparison_markdown(c: dict) -> str:
    lines = [
        f"# statharness comparison: {_title(c)}",
        "",
        f"{c['counts']['added']} finding(s) added, {c['counts']['removed']} removed, "
        f"{c['counts']['changed']} changed. Datasets: {', '.join(c['datasets_a'])} → "
        f"{', '.join(c['datasets_b'])}.",
        "",
    ]
    if c["settings_hash_a"] != c["settings_hash_b"]:
        lines += ["Settings differ between the two runs (settings hash).", ""]

    def rank(f):
        return (-SEVERITY_RANK[f["severity"]], f["dataset"], f["analysis_id"], f["id"])

    for title, rows in (("Added", c["added"]), ("Removed", c["removed"])):
        if not rows:
            continue
        lines += [f"## {title}", ""]
        for f in sorted(rows, key=rank)[:MAX_MD_ROWS]:
            lines.append(
                f"- **{_esc(f['title'])}** ({f['severity']}; {f['dataset']} · `{f['analysis_id']}`)"
            )
        if len(rows) > MAX_MD_ROWS:
            lines.append(f"- … {len(rows) - MAX_MD_ROWS} more in comparison_summary.json")
        lines.append("")
    if c["changed"]:
        lines += ["## Changed", ""]
        for f in sorted(c["changed"], key=rank)[:MAX_MD_ROWS]:
            sev = (
                f"{f['severity_before']} → {f['severity']}"
                if f["severity_before"] != f["severity"]
                else f["severity"]
            )
            deltas = "; ".join(
                f"{name} {_esc(_fmt(d.get('a')))} → {_esc(_fmt(d.get('b')))}"
                + (f" ({d['delta']:+,.4g})" if "delta" in d else "")
                for name, d in list(f["values"].items())[:4]
                if "changed" not in d
            )
            lines.append(
                f"- **{_esc(f['title'])}** ({sev}; {f['dataset']} · `{f['analysis_id']}`)"
                + (f": {deltas}" if deltas else "")
            )
        if len(c["changed"]) > MAX_MD_ROWS:
            lines.append(f"- … {len(c['changed']) - MAX_MD_ROWS} more in comparison_summary.json")
        lines.append("")
    if c["recommendation_deltas"]:
        lines += [
            "## Recommendation deltas (by modeled improvement)",
            "",
            "| action | dataset | before % | after % | delta | status |",
            "|---|---|---|---|---|---|",
        ]
        for r in c["recommendation_deltas"][:MAX_MD_ROWS]:
            lines.append(
                f"| {_esc(r['action'])} | {r['dataset']} | {_fmt(r['modeled_improvement_pct_a'])} "
                f"| {_fmt(r['modeled_improvement_pct_b'])} | {r['delta_pct']:+.1f} | {r['status']} |"
            )
        lines.append("")
    return "\n".join(lines) + "\n"


def render_comparison_html(c: dict) -> str:
    """comparison_report.html: the same content as the Markdown, self-contained."""
    from .html import CSS, _e, _sev

    def rank(f):
        return (-SEVERITY_RANK[f["severity"]], f["dataset"], f["analysis_id"], f["id"])

    out = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>statharness {_e(_title(c))}</title><style>{CSS}</style></head><body>",
        f"<h1>statharness comparison: {_e(_title(c))}</h1>",
        f"<p>{c['counts']['added']} added, {c['counts']['removed']} removed, "
        f"{c['counts']['changed']} changed. Datasets: {_e(', '.join(c['datasets_a']))} → "
        f"{_e(', '.join(c['datasets_b']))}."
        + (
            " Settings differ between the two runs."
            if c["settings_hash_a"] != c["settings_hash_b"]
            else ""
        )
        + "</p>",
    ]
    for title, rows in (("Added", c["added"]), ("Removed", c["removed"])):
        if rows:
            out.append(
                f"<h2>{title}</h2><table><tr><th>severity</th><th>finding</th><th>where</th></tr>"
            )
            for f in sorted(rows, key=rank):
                out.append(
                    f"<tr><td>{_sev(f['severity'])}</td><td>{_e(f['title'])}</td>"
                    f"<td>{_e(f['dataset'])} · {_e(f['analysis_id'])}</td></tr>"
                )
            out.append("</table>")
    if c["changed"]:
        out.append(
            "<h2>Changed</h2><table><tr><th>severity</th><th>finding</th><th>where</th>"
            "<th>values (before → after, delta)</th></tr>"
        )
        for f in sorted(c["changed"], key=rank):
            sev = _sev(f["severity"])
            if f["severity_before"] != f["severity"]:
                sev = f"{_sev(f['severity_before'])} → {sev}"
            deltas = "<br>".join(
                f"{_e(name)} {_e(_fmt(d.get('a')))} → {_e(_fmt(d.get('b')))}"
                + (f" ({d['delta']:+,.4g})" if "delta" in d else "")
                for name, d in f["values"].items()
                if "changed" not in d
            )
            out.append(
                f"<tr><td>{sev}</td><td>{_e(f['title'])}</td>"
                f"<td>{_e(f['dataset'])} · {_e(f['analysis_id'])}</td><td>{deltas}</td></tr>"
            )
        out.append("</table>")
    if c["recommendation_deltas"]:
        out.append(
            "<h2>Recommendation deltas (by modeled improvement)</h2><table><tr><th>action</th>"
            "<th>dataset</th><th>before %</th><th>after %</th><th>delta</th><th>status</th></tr>"
        )
        for r in c["recommendation_deltas"]:
            out.append(
                f"<tr><td>{_e(r['action'])}</td><td>{_e(r['dataset'])}</td>"
                f"<td class=num>{_e(_fmt(r['modeled_improvement_pct_a']))}</td>"
                f"<td class=num>{_e(_fmt(r['modeled_improvement_pct_b']))}</td>"
                f"<td class=num>{r['delta_pct']:+.1f}</td><td>{_e(r['status'])}</td></tr>"
            )
        out.append("</table>")
    out.append("</body></html>\n")
    return "".join(out)
