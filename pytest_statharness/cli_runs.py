"""``statharness runs | status | compare | evidence | retention``: the runs of an artifact
home, read from state.db and the run folders (see :mod:`.cli` for the exit statuses).

A RUN argument is a run id (``run-000042``), its sequence number (``42``) or ``latest``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import store
from .scorecard import score_text


def _user_error(message: str):
    from .cli import UserError

    return UserError(message)


def _no_runs(home: Path) -> str:
    """'no runs recorded' and where to look instead: a session with --stat-home DIR
    records in DIR, which this command reads only when given --home DIR."""
    return (
        f"no runs recorded in {home}; a session run with --stat-home DIR records there: "
        "pass --home DIR"
    )


def resolve_run(home: Path, text: str | None) -> dict:
    runs = store.list_runs(home)
    if not runs:
        raise _user_error(_no_runs(Path(home)))
    if text in (None, "latest"):
        return runs[0]
    wanted = text
    if text.isdigit():
        wanted = f"run-{int(text):06d}"
    for run in runs:
        if run["run_id"] == wanted:
            return run
    raise _user_error(f"no run {text!r} in {Path(home) / 'state.db'} (see 'statharness runs list')")


def _load_report(home: Path, run_id: str, *, missing_ok: bool = False) -> dict | None:
    """The run's report.json: a truncated copy or an edited file of another shape is one
    line naming the run and the problem, not a traceback of whatever command read a key
    first. ``missing_ok``: None when the run has none (still running)."""
    path = Path(home) / "runs" / run_id / "report.json"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if missing_ok:
            return None
        raise _user_error(f"run {run_id} has no report.json (still running, or removed)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise _user_error(f"run {run_id}'s report.json cannot be read: {exc}") from None
    try:
        report = json.loads(text)
    except ValueError as exc:
        problem: str | None = f"not valid JSON: {exc}"
    else:
        problem = _shape_problem(report)
    if problem:
        raise _user_error(
            f"run {run_id}'s report.json is damaged ({problem}); its run folder holds "
            "report.md and report.html as written, or run the session again"
        )
    return report


def _shape_problem(report) -> str | None:
    """What keeps ``report`` from being read as a report.json: the parts the commands read
    (the full schema is checked when the harness writes it)."""
    if not isinstance(report, dict):
        return "not a JSON object"
    for key in ("items", "datasets"):
        value = report.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return f"{key!r} is not a list of objects"
    for item in report.get("items", []):
        findings = item.get("findings", [])
        if not isinstance(findings, list) or not all(isinstance(f, dict) for f in findings):
            return f"the findings of {item.get('nodeid', 'an item')!r} are not a list of objects"
    summary = report.get("summary", {})
    if not isinstance(summary, dict) or not isinstance(summary.get("outcomes", {}), dict):
        return "'summary' is not an object of outcomes"
    return None


def _when(timestamp: float | None) -> str:
    if not timestamp:
        return "?"
    import datetime as dt

    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _status_word(run: dict) -> str:
    return run["status"]  # a dead session's row reads "interrupted" (store._run_dict)


# -- runs ---------------------------------------------------------------------------------
def cmd_runs_list(args) -> int:
    runs = store.list_runs(Path(args.home), limit=args.limit)
    if args.json:
        print(json.dumps([_public(r) for r in runs], indent=1, sort_keys=True))
        return 0
    if not runs:
        print(_no_runs(Path(args.home)))
        return 0
    print(f"{'run':<12} {'status':<12} {'started':<21} {'items':>6}  datasets")
    for run in runs:
        items = (run.get("summary") or {}).get("items", run.get("expected") or 0)
        pin = " (pinned)" if run.get("pinned") else ""
        print(
            f"{run['run_id']:<12} {_status_word(run):<12} {_when(run.get('started') or run.get('created')):<21} "
            f"{items:>6}  {', '.join(run.get('datasets') or [])}{pin}"
        )
    return 0


def _public(run: dict) -> dict:
    return {k: v for k, v in run.items() if k != "provenance"} | {
        "settings_hash": run.get("settings_hash")
    }


def cmd_runs_show(args) -> int:
    home = Path(args.home)
    run = resolve_run(home, args.run_ref)
    report = _load_report(home, run["run_id"], missing_ok=True)
    if args.json:
        print(
            json.dumps(
                {"run": run, "report_summary": (report or {}).get("summary")},
                indent=1,
                sort_keys=True,
            )
        )
        return 0
    print(f"{run['run_id']}  {_status_word(run)}  exit {run.get('exit_status')}")
    print(
        f"  started {_when(run.get('started') or run.get('created'))}  ended {_when(run.get('ended'))}"
    )
    print(f"  datasets {', '.join(run.get('datasets') or [])}  settings {run.get('settings_hash')}")
    prov = run.get("provenance") or {}
    if prov:
        print(f"  command  {' '.join(prov.get('argv', []))}")
        versions = prov.get("versions") or {}
        print("  versions " + ", ".join(f"{k} {v}" for k, v in sorted(versions.items())))
    if report is not None:
        summary = report.get("summary") or {}
        outcomes = ", ".join(f"{n} {k}" for k, n in summary.get("outcomes", {}).items())
        print(f"  items    {summary.get('items', '?')}: {outcomes}")
        card = report.get("scorecard") or {}
        if isinstance(card, dict) and isinstance(card.get("pillars"), dict):
            print(
                "  score    "
                + ", ".join(f"{k} {score_text(k, p)}" for k, p in card["pillars"].items())
                + ("  (release ready)" if card.get("release_ready") else "")
            )
        print(f"  folder   runs/{run['run_id']}/")
    return 0


def cmd_runs_open(args) -> int:
    home = Path(args.home)
    run = resolve_run(home, args.run_ref)
    run_dir = home / "runs" / run["run_id"]
    target = run_dir / "report.html"
    if not target.is_file():
        target = run_dir / "report.md"
    if not target.is_file():
        raise _user_error(f"run {run['run_id']} has no report yet")
    print(target)
    if not args.print_only:
        import webbrowser

        webbrowser.open(target.resolve().as_uri())
    return 0


def cmd_runs_pin(args) -> int:
    home = Path(args.home)
    run = resolve_run(home, args.run_ref)
    store.set_pinned(home, run["run_id"], not args.unpin)
    print(f"{run['run_id']} {'unpinned' if args.unpin else 'pinned (retention keeps it)'}")
    return 0


# -- status -------------------------------------------------------------------------------
def status_of(home: Path, run: dict, now: float | None = None) -> dict:
    now = time.time() if now is None else now
    items = store.run_items(home, run["run_id"])
    done = [i for i in items if i["outcome"] not in ("pending", "running")]
    running = [i for i in items if i["outcome"] == "running"]
    pending = [i for i in items if i["outcome"] == "pending"]
    expected = run.get("expected") or len(items)
    medians = store.median_durations(home, run["seq"])
    remaining_s = 0.0
    unknown = 0
    for item in running + pending:
        median = medians.get((item["analysis_id"], item["size_class"] or ""))
        if median is None:
            unknown += 1
            continue
        remaining_s += median
    workers = max(1, ((run.get("provenance") or {}).get("workers") or 1))
    eta = None
    if run["status"] == "running" and (running or pending):
        eta = remaining_s / workers
    return {
        "run_id": run["run_id"],
        "status": _status_word(run),
        "expected": expected,
        "done": len(done),
        "running": [i["nodeid"] for i in running],
        "pending": len(pending),
        "failed": sum(1 for i in done if i["outcome"] == "failed"),
        "eta_s": None if eta is None else round(eta, 1),
        "eta_items_without_history": unknown if eta is not None else 0,
        "heartbeat_age_s": None if not run.get("heartbeat") else round(now - run["heartbeat"], 1),
    }


def _print_status(s: dict) -> None:
    if s["status"] == "running" and not s["expected"]:
        print(f"{s['run_id']}  running  collecting items")
        return
    line = f"{s['run_id']}  {s['status']}  {s['done']}/{s['expected']} items done"
    if s["running"]:
        line += f", {len(s['running'])} running"
    if s["failed"]:
        line += f", {s['failed']} failed"
    if s["eta_s"] is not None:
        line += f"  ETA {s['eta_s']:.0f} s"
        if s["eta_items_without_history"]:
            line += f" (+{s['eta_items_without_history']} item(s) with no earlier timing)"
    print(line)
    for nodeid in s["running"][:10]:
        print(f"  running {nodeid}")


def cmd_status(args) -> int:
    home = Path(args.home)
    while True:
        run = resolve_run(home, args.run_ref)
        s = status_of(home, run)
        if args.json:
            print(json.dumps(s, sort_keys=True))
        else:
            _print_status(s)
        if not args.watch or run["status"] != "running" or run.get("stale"):
            return 0
        time.sleep(args.interval)


# -- compare ------------------------------------------------------------------------------
def _split_ref(text: str) -> tuple[str, str | None]:
    """``RUN`` or ``RUN:DATASET`` (dataset names never hold ':')."""
    run, sep, dataset = text.partition(":")
    if sep and not dataset:
        raise _user_error(f"{text!r}: no dataset after ':'; give RUN:DATASET")
    return run or "latest", dataset if sep else None


def _unrelated(report_a: dict, report_b: dict, ds_a: str | None, ds_b: str | None) -> str:
    """Why the two sides have nothing to compare, or '': two datasets with no column in
    common, two runs with no dataset in common. Every finding is then 'added' or
    'removed', which reads like a large change (a rater compared Mroz with Fatalities and
    got '543 added, 54 removed' without a word)."""
    from .report.compare import dataset_columns

    da, db = dataset_columns(report_a), dataset_columns(report_b)
    if ds_a is not None and ds_b is not None:
        if da.get(ds_a) and db.get(ds_b) and not da[ds_a] & db[ds_b]:
            return (
                f"{ds_a!r} and {ds_b!r} share no column: no finding about a column can match "
                "(only table-level ones, such as duplicate rows, are compared); compare a "
                "dataset with another version of itself"
            )
        return ""
    if da and db and not set(da) & set(db):
        return (
            "the two runs share no dataset name: every finding is added or removed; name "
            "one dataset on each side (RUN:DATASET RUN:DATASET) to compare two datasets"
        )
    return ""


def cmd_compare(args) -> int:
    from .atomic import write_text_atomic
    from .canonical_json import dumps_document
    from .report.compare import (
        compare_reports,
        render_comparison_html,
        render_comparison_markdown,
    )

    home = Path(args.home)
    (ref_a, ds_a), (ref_b, ds_b) = _split_ref(args.run_a), _split_ref(args.run_b)
    if (ds_a is None) != (ds_b is None):
        raise _user_error(
            "give a dataset on both sides (RUN:DATASET RUN:DATASET) to compare two datasets, "
            "or on neither to compare two runs"
        )
    a = resolve_run(home, ref_a)
    b = resolve_run(home, ref_b)
    report_a, report_b = _load_report(home, a["run_id"]), _load_report(home, b["run_id"])
    for report, run, dataset in ((report_a, a, ds_a), (report_b, b, ds_b)):
        names = [d["name"] for d in report.get("datasets", [])]
        if dataset is not None and dataset not in names:
            raise _user_error(
                f"run {run['run_id']} has no dataset {dataset!r} (its datasets: "
                f"{', '.join(names) or 'none'})"
            )
    try:
        comparison = compare_reports(report_a, report_b, dataset_a=ds_a, dataset_b=ds_b)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # an edited file
        raise _user_error(
            f"runs {a['run_id']} and {b['run_id']}: a report.json lacks what a comparison "
            f"reads ({type(exc).__name__}: {exc}); run the session again"
        ) from None
    unrelated = _unrelated(report_a, report_b, ds_a, ds_b)
    if unrelated:
        print(f"note: {unrelated}", file=sys.stderr)
    name = f"compare-{a['run_id']}" + (f"-{ds_a}-vs-{ds_b}" if ds_a is not None else "")
    out = Path(args.out) if args.out else home / "runs" / b["run_id"] / name
    from .canonical_json import to_jsonable
    from .report.writer import validate

    validate(to_jsonable(comparison), "comparison_summary")
    write_text_atomic(out / "comparison_summary.json", dumps_document(comparison))
    write_text_atomic(out / "comparison_report.md", render_comparison_markdown(comparison))
    write_text_atomic(out / "comparison_report.html", render_comparison_html(comparison))
    if args.json:
        print(json.dumps(comparison, indent=1, sort_keys=True))
    else:
        c = comparison["counts"]
        sides = (
            f"{a['run_id']}:{ds_a} → {b['run_id']}:{ds_b}"
            if ds_a is not None
            else f"{a['run_id']} → {b['run_id']}"
        )
        print(
            f"{sides}: {c['added']} added, {c['removed']} removed, "
            f"{c['changed']} changed; {len(comparison['recommendation_deltas'])} recommendation "
            f"delta(s)"
        )
        print(f"wrote {out / 'comparison_report.md'}")
    return 0


# -- evidence -----------------------------------------------------------------------------
def _key(args) -> bytes | None:
    from .evidence_pack import PackError, read_key

    try:
        return read_key(args.key_file)
    except (PackError, OSError) as exc:
        raise _user_error(f"signing key: {exc}") from None


def cmd_evidence_pack(args) -> int:
    from .evidence_pack import PackError, write_pack

    home = Path(args.home)
    run = resolve_run(home, args.run_ref)
    out = (
        Path(args.out)
        if args.out
        else home / "runs" / run["run_id"] / f"{run['run_id']}-evidence.zip"
    )
    key = None if args.no_sign else _key(args)
    try:
        manifest = write_pack(
            home / "runs" / run["run_id"],
            out,
            key=key,
            snapshot_dir=Path(args.snapshot_dir) if args.snapshot_dir else None,
        )
    except PackError as exc:
        raise _user_error(str(exc)) from None
    signed = "signed (HMAC-SHA256)" if key is not None else "unsigned"
    print(f"wrote {out}: {len(manifest['files'])} member(s), {signed}")
    if run.get("status") in ("interrupted", "running"):
        # a pack of a run that never finished holds what it got to write, not a verdict
        print(
            f"note: run {run['run_id']} is {run['status']}: it never finished, so the pack "
            "holds a partial run (its report may be missing)",
            file=sys.stderr,
        )
    return 0


def cmd_evidence_verify(args) -> int:
    from .evidence_pack import verify_pack

    path = Path(args.pack)
    if not path.is_file():
        raise _user_error(f"no evidence pack at {path}")
    problems = verify_pack(path, key=_key(args))
    if problems:
        for problem in problems:
            print(f"FAIL  {problem}")
        print(f"{path.name}: {len(problems)} problem(s); do not trust this pack")
        return 1
    print(f"{path.name}: intact" + (" and signed by the given key" if _key(args) else ""))
    return 0


# -- retention ----------------------------------------------------------------------------
def cmd_retention(args) -> int:
    from .cli import _size
    from .retention import apply_plan, parse_size, plan_retention

    try:
        max_size = parse_size(args.max_size) if args.max_size is not None else None
    except ValueError as exc:
        raise _user_error(str(exc)) from None
    if args.max_age is not None and args.max_age < 0:
        raise _user_error("--max-age must not be negative")
    home = Path(args.home)
    plan = plan_retention(home, max_age_days=args.max_age, max_size=max_size)
    skipped: list[str] = []
    if args.apply:
        skipped = apply_plan(home, plan)
    if args.json:
        extra = {"applied": bool(args.apply), "skipped_in_use": skipped}
        print(json.dumps(plan.as_json() | extra, indent=1, sort_keys=True))
        return 0
    verb = "removed" if args.apply else "would remove"
    for t in plan.remove:
        if t.name in skipped:
            print(f"kept   cache {t.name}: a session started using it; not removed")
            continue
        print(f"{verb} {t.kind} {t.name} ({_size(t.size)}): {t.reason}")
    for name, why in sorted(plan.protected.items()):
        kind, _, bare = name.rpartition(":") if name.startswith("cache:") else ("run", "", name)
        print(f"kept   {kind} {bare}: protected ({why})")
    print(
        f"{verb} {len(plan.remove)} item(s), {_size(plan.freed)} of {_size(plan.total_before)}"
        + ("" if args.apply else "; dry run, give --apply to remove")
    )
    return 0


def add_commands(commands, home_parent: argparse.ArgumentParser, parser_class) -> None:
    runs = commands.add_parser("runs", help="list, show, open or pin recorded runs")
    actions = runs.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    actions.required = True
    p = actions.add_parser("list", parents=[home_parent], help="runs, newest first")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--limit", type=int, default=None, help="show at most N runs")
    p.set_defaults(run=cmd_runs_list)
    p = actions.add_parser(
        "show", parents=[home_parent], help="one run: provenance, outcome, score"
    )
    p.add_argument("run_ref", nargs="?", default="latest", metavar="RUN")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_runs_show)
    p = actions.add_parser("open", parents=[home_parent], help="open the run's report.html")
    p.add_argument("run_ref", nargs="?", default="latest", metavar="RUN")
    p.add_argument("--print-only", action="store_true", help="print the path, open nothing")
    p.set_defaults(run=cmd_runs_open)
    p = actions.add_parser("pin", parents=[home_parent], help="protect a run from retention")
    p.add_argument("run_ref", metavar="RUN")
    p.add_argument("--unpin", action="store_true", help="remove the protection")
    p.set_defaults(run=cmd_runs_pin)

    p = commands.add_parser(
        "status", parents=[home_parent], help="items done/running/expected of a run and an ETA"
    )
    p.add_argument("run_ref", nargs="?", default="latest", metavar="RUN")
    p.add_argument("--watch", action="store_true", help="repeat until the run ends")
    p.add_argument("--interval", type=float, default=2.0, help="seconds between --watch lines")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(run=cmd_status)

    p = commands.add_parser(
        "compare",
        parents=[home_parent],
        help="findings and recommendation deltas of two runs, or of two datasets "
        "(RUN:DATASET RUN:DATASET; the same run twice for two datasets of one run)",
    )
    p.add_argument("run_a", metavar="RUN_A[:DATASET]")
    p.add_argument("run_b", metavar="RUN_B[:DATASET]")
    p.add_argument("--out", default=None, help="folder for comparison_summary.json and .md")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")
    p.set_defaults(run=cmd_compare)

    evidence = commands.add_parser("evidence", help="build or verify a run's evidence pack")
    ev = evidence.add_subparsers(dest="action", metavar="ACTION", parser_class=parser_class)
    ev.required = True
    key_help = "file holding the HMAC key (default: env STAT_HARNESS_EVIDENCE_KEY)"
    p = ev.add_parser("pack", parents=[home_parent], help="write RUN's evidence pack (zip)")
    p.add_argument("run_ref", nargs="?", default="latest", metavar="RUN")
    p.add_argument("--out", default=None, help="archive to write (default: in the run folder)")
    p.add_argument("--key-file", default=None, help=key_help)
    p.add_argument("--no-sign", action="store_true", help="do not sign even if a key is set")
    p.add_argument(
        "--snapshot-dir", default="snapshots", help="snapshots to hash (default: snapshots)"
    )
    p.set_defaults(run=cmd_evidence_pack)
    p = ev.add_parser("verify", help="check a pack's manifest and signature (exit 1 if not)")
    p.add_argument("pack", metavar="PACK")
    p.add_argument("--key-file", default=None, help=key_help)
    p.set_defaults(run=cmd_evidence_verify)

    p = commands.add_parser(
        "retention", parents=[home_parent], help="remove old runs and cache entries (dry run)"
    )
    p.add_argument("--max-age", type=float, default=None, metavar="DAYS", help="remove older")
    p.add_argument(
        "--max-size", default=None, metavar="SIZE", help="keep runs+cache under SIZE (e.g. 2G)"
    )
    p.add_argument("--apply", action="store_true", help="remove (default: only print the plan)")
    p.add_argument("--json", action="store_true", help="print the plan as JSON")
    p.set_defaults(run=cmd_retention)
