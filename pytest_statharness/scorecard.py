"""The four-pillar scorecard of a run (performant, accurate, secure, citable), 0–10 each.

Every score is computed from what report.json measured (items, telemetry, findings,
provenance); the rules, thresholds and vetoes are listed in docs/scorecard.md and kept
in :data:`RULES` so the document and the code say the same thing. A veto caps a pillar's
score whatever the other inputs say. ``release_ready`` is true when every pillar scores at
least :data:`RELEASE_FLOOR` and no veto fired.
"""

from __future__ import annotations

import re

SCORECARD_SCHEMA_VERSION = 1
RELEASE_FLOOR = 7.0
REQUIRED_EVIDENCE = ("method", "reference", "parameters", "budget", "columns", "rows_scanned")

RULES = {
    "performant": "10 × share of items that finished within their time budget (no "
    "time_budget_exceeded skip), minus 1 if any dataset missed the columnar cache. "
    "Veto (cap 4): an item took more than 80% of its time limit.",
    "accurate": "10 × share of analysis items that passed with their snapshot matching, among "
    "the items with a stored snapshot. Veto (score 0): an item scanned fewer rows than its "
    "dataset has (sampling). Veto (score kept): an item has no stored snapshot (a first run: "
    "nothing verified yet).",
    "secure": "10 with the network guard off, 8 with localhost, 5 with on. "
    "Veto (score 0): report.json (outside the findings' values) holds an absolute path.",
    "citable": "10 × share of findings whose evidence has method, reference, parameters, "
    "budget, columns, rows scanned and the dataset fingerprint. Veto (score 0): an "
    "uncitable skip (a skip without reason code).",
}

_ABS_PATH = re.compile(r'"(/(home|Users|root|tmp|var|work|opt)/[^"]*|[A-Za-z]:\\\\[^"]*)"')


def _share(good: int, total: int) -> float:
    return 1.0 if total == 0 else good / total


def score_text(name: str, pillar: dict, scale: str = "") -> str:
    """A pillar's score as shown to people: accuracy with no stored snapshot at all verified
    nothing, and says so instead of a 10 (report.json keeps the number and the veto)."""
    inputs = pillar.get("inputs") or {}
    if (
        name == "accurate"
        and inputs.get("analysis_items")
        and inputs.get("without_snapshot") == inputs.get("analysis_items")
    ):
        return f"not verified (0 of {inputs['analysis_items']} items had a snapshot)"
    return f"{pillar['score']:.1f}{scale}"


def is_explored(item: dict) -> bool:
    """Skipped by ``--stat-explore`` because no snapshot is stored yet: computed and
    reported, not verified (not a failure)."""
    if item.get("outcome") == "explored":  # report.json's items say so themselves
        return True
    return (
        item.get("outcome") == "skipped" and (item.get("snapshot") or {}).get("status") == "missing"
    )


def explored_items(items: list[dict]) -> list[dict]:
    """The items :func:`is_explored` names."""
    return [i for i in items if is_explored(i)]


def problem_items(items: list[dict]) -> list[dict]:
    """Items that did not pass, other than explored ones."""
    return [i for i in items if i.get("outcome") != "passed" and not is_explored(i)]


def explored_line(count: int) -> str:
    """The one line that counts a run's explored items in report.md and report.html."""
    return (
        f"{count} item(s) have no snapshot yet (--stat-explore: computed and reported, not "
        "verified); record them with --snapshot-update."
    )


def verdict_text(card: dict, items: list[dict]) -> str:
    """The scorecard's one-line verdict. A first look with ``--stat-explore`` whose only
    shortfall is that nothing was recorded yet is an exploration, said so with the next
    step, not "not ready for release" over a run that worked."""
    if card["release_ready"]:
        return "ready for release"
    explored = explored_items(items)
    others = problem_items(items)
    accurate = card["pillars"].get("accurate", {})
    vetoes = [v for name, p in card["pillars"].items() for v in p["vetoes"] if name != "accurate"]
    if explored and not others and not vetoes and len(accurate.get("vetoes", [])) <= 1:
        return (
            f"an exploration: {len(explored)} item(s) computed with no snapshot to verify them "
            "yet; read the findings, then record them with --snapshot-update to make this a "
            "release gate"
        )
    return "not ready for release"


def _pillar(score: float, inputs: dict, vetoes: list[str]) -> dict:
    return {"score": round(max(0.0, min(10.0, score)), 1), "inputs": inputs, "vetoes": vetoes}


def _text_without_findings(report: dict) -> str:
    """The report as text minus the findings: values from the data (a column of web paths)
    are not the harness leaking a path."""
    import json

    stripped = dict(report)
    stripped["items"] = [{k: v for k, v in i.items() if k != "findings"} for i in report["items"]]
    return json.dumps(stripped, sort_keys=True, default=str)


def build_scorecard(
    report: dict,
    *,
    report_text: str | None = None,
    network_mode: str | None,
    policy: dict | None = None,
) -> dict:
    """``report_text``: the text to scan for absolute paths (default: the report without
    its findings)."""
    if report_text is None:
        report_text = _text_without_findings(report)
    items = report.get("items", [])
    analysis_items = [i for i in items if i.get("analysis_id")]
    datasets = {d["name"]: d for d in report.get("datasets", [])}

    # performant
    over = [
        i for i in items if ((i.get("skip") or {}).get("reason_code") == "time_budget_exceeded")
    ]
    near = []
    for i in items:
        wall = (i.get("telemetry") or {}).get("wall_s")
        key = f"{i.get('analysis_id')}[{i.get('dataset')}]"
        limit = (((policy or {}).get("items") or {}).get(key) or {}).get("time_limit_s")
        if wall is not None and limit and wall > 0.8 * limit:
            near.append(i["nodeid"])
    misses = sorted(n for n, d in datasets.items() if d.get("cache") and not d["cache"].get("hit"))
    perf = 10 * _share(len(items) - len(over), len(items)) - (1 if misses else 0)
    perf_vetoes = [f"{len(near)} item(s) used more than 80% of their time limit"] if near else []
    if perf_vetoes:
        perf = min(perf, 4)

    # accurate
    # an item with no stored snapshot was never verified (a first run): it does not count as
    # inaccurate, it blocks release until recorded with --snapshot-update
    status = [(i, (i.get("snapshot") or {}).get("status")) for i in analysis_items]
    unrecorded = [i for i, st in status if st == "missing"]
    verified = [(i, st) for i, st in status if st != "missing"]
    good = [i for i, st in verified if i["outcome"] == "passed" and st != "mismatch"]
    sampled = []
    for i in analysis_items:
        rows = (i.get("telemetry") or {}).get("rows_scanned")
        names = (i.get("dataset") or "").split(":")
        expected = [datasets[n]["row_count"] for n in names if n in datasets]
        if rows is not None and expected and rows < min(expected):
            sampled.append(i["nodeid"])
    acc = 10 * _share(len(good), len(verified))
    acc_vetoes = (
        [f"{len(sampled)} item(s) scanned fewer rows than the dataset has"] if sampled else []
    )
    if acc_vetoes:
        acc = 0
    if datasets and not analysis_items:
        # --stat-disable of every provider, or -k selecting none: nothing was verified
        acc = 0
        acc_vetoes.append(
            "no analysis ran on the dataset(s): nothing was verified (check --stat-disable and -k)"
        )
    if unrecorded:
        acc_vetoes.append(
            f"{len(unrecorded)} item(s) have no stored snapshot: nothing to verify them against "
            "yet (record with --snapshot-update)"
        )

    # secure
    mode = network_mode or "off"
    sec = {"off": 10, "localhost": 8, "on": 5}.get(mode, 5)
    leaks = sorted({m.group(1)[:60] for m in _ABS_PATH.finditer(report_text)})
    sec_vetoes = [f"report.json holds {len(leaks)} absolute path(s)"] if leaks else []
    if sec_vetoes:
        sec = 0

    # citable
    findings = [f for i in items for f in i.get("findings", [])]
    complete = [
        f
        for f in findings
        if all(k in f.get("evidence", {}) for k in REQUIRED_EVIDENCE)
        and (
            "dataset_fingerprint" in f["evidence"]
            or "compared_dataset_fingerprint" in f["evidence"]
        )
    ]
    uncitable = [i["nodeid"] for i in items if i.get("error") == "uncitable skip"]
    cit = 10 * _share(len(complete), len(findings))
    cit_vetoes = [f"{len(uncitable)} uncitable skip(s)"] if uncitable else []
    if cit_vetoes:
        cit = 0

    pillars = {
        "performant": _pillar(
            perf,
            {
                "items": len(items),
                "over_time_budget": len(over),
                "near_time_limit": len(near),
                "cache_misses": misses,
            },
            perf_vetoes,
        ),
        "accurate": _pillar(
            acc,
            {
                "analysis_items": len(analysis_items),
                "passed_matching": len(good),
                "without_snapshot": len(unrecorded),
                "sampled_items": sampled[:20],
            },
            acc_vetoes,
        ),
        "secure": _pillar(sec, {"network_mode": mode, "absolute_paths": leaks[:5]}, sec_vetoes),
        "citable": _pillar(
            cit,
            {
                "findings": len(findings),
                "complete_evidence": len(complete),
                "uncitable_skips": uncitable[:20],
            },
            cit_vetoes,
        ),
    }
    ready = all(p["score"] >= RELEASE_FLOOR and not p["vetoes"] for p in pillars.values())
    return {
        "schema_version": SCORECARD_SCHEMA_VERSION,
        "run_id": report.get("run_id"),
        "pillars": pillars,
        "release_floor": RELEASE_FLOOR,
        "release_ready": ready,
        "rules": RULES,
    }


def render_scorecard_markdown(card: dict) -> list[str]:
    lines = [
        "## Scorecard",
        "",
        "| pillar | score | vetoes |",
        "|---|---|---|",
    ]
    for name, p in card["pillars"].items():
        lines.append(f"| {name} | {score_text(name, p, '/10')} | {'; '.join(p['vetoes']) or '—'} |")
    verdict = "ready for release" if card["release_ready"] else "not ready for release"
    lines += ["", f"{verdict} (every pillar ≥ {card['release_floor']:g}, no veto).", ""]
    return lines
