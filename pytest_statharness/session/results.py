"""Results of the items, the run's report and the terminal summary (controller side)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ..items import EXPLORED_REASON, RESULT_PROPERTY, SEVERITIES, attach_result
from ..snapshots import snapshot_key
from .harness import COLLECTOR_NAME, Harness

TOP_HEADLINES = 10


class ResultsPlugin:
    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.config = harness.config
        self.unused: dict[tuple[str, str], Path] = {}
        self.run_dir: Path | None = None
        self.diffs: list[Path] = []

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo):
        report = yield
        if call.when == "call":
            attach_result(item, report)
        return report

    def pytest_report_teststatus(self, report, config):
        """An item computed under --stat-explore with no snapshot yet is counted as
        'explored' ('e'), not 'skipped' ('s'): three first-contact raters read '273
        skipped' as 'nothing ran'. Its outcome stays a skip (exit status, junit, the
        scorecard's 'exploration')."""
        if report.when == "call" and report.skipped and EXPLORED_REASON in str(report.longrepr):
            return "explored", "e", "EXPLORED"
        return None

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        harness = self.harness
        value = getattr(report, RESULT_PROPERTY, None)
        if isinstance(value, str):
            harness.results[report.nodeid] = json.loads(value)
        if report.nodeid in harness.results or report.nodeid.startswith(f"{COLLECTOR_NAME}::"):
            if report.when == "call" or report.outcome != "passed":
                previous = harness.outcomes.get(report.nodeid)
                if previous in (None, "passed"):
                    harness.outcomes[report.nodeid] = report.outcome

    @pytest.hookimpl(tryfirst=True)  # before --junitxml writes its file
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.harness.is_worker or self.config.option.collectonly:
            return
        from .._compat import add_junit_suite_property
        from ..report.writer import write_run_report

        self.unused = self.find_unused_snapshots()
        if self.harness.update_snapshots:
            for path in self.unused.values():
                path.unlink(missing_ok=True)
        self.run_dir = write_run_report(self.harness, exitstatus)
        self.diffs = write_snapshot_diffs(self.harness, self.run_dir)
        add_junit_suite_property(self.config, "statharness.report", self.shown_report_path())

    def find_unused_snapshots(self) -> dict[tuple[str, str], Path]:
        settings = self.harness.settings
        if not settings.snapshot_dir.exists():
            return {}
        expected = {
            (snapshot_key(names), a.id) for a, names, _p, _d in self.harness.planned_items()
        }
        keys = [s.name for s in settings.datasets] + [snapshot_key(p) for p in settings.compare]
        existing = self.harness.snapshots.existing(keys)
        return {key: path for key, path in existing.items() if key not in expected}

    def shown_report_path(self) -> str:
        """The run's report.md as a path that opens from the folder pytest was started in."""
        assert self.run_dir is not None
        path = self.run_dir / "report.md"
        invocation = self.config.invocation_params.dir
        try:
            return path.relative_to(invocation).as_posix()
        except ValueError:
            relative = os.path.relpath(path, invocation)
            # a short way up stays readable; otherwise the absolute path
            return relative if relative.count("..") <= 2 else str(path)

    # -- terminal ------------------------------------------------------------------------
    def pytest_terminal_summary(self, terminalreporter) -> None:
        if self.harness.is_worker or self.config.option.collectonly:
            return
        tr = terminalreporter
        tr.section("statharness")
        for line in summary_lines(self.harness, verbose=self.config.get_verbosity() > 0):
            tr.write_line(line)
        for line in unmatched_spec_lines(self.harness):
            tr.write_line(line)
        if self.unused:
            verb = (
                "deleted"
                if self.harness.update_snapshots
                else "unused (delete with --snapshot-update)"
            )
            tr.write_line(f"{len(self.unused)} snapshot(s) {verb}:")
            for dataset, analysis_id in sorted(self.unused):
                tr.write_line(f"  {dataset}/{analysis_id}.json")
        if self.run_dir is not None:
            if self.diffs:
                folder = self.shown_report_path().removesuffix("report.md") + "diffs/"
                tr.write_line(f"snapshot diffs ({len(self.diffs)}): {folder}")
            tr.write_line(f"report: {self.shown_report_path()}")


def unmatched_spec_lines(harness: Harness) -> list[str]:
    """One line per dataset spec that names no dataset of the session, with the closest
    dataset name when there is one.

    Why: a spec is found by its dataset's name; ``[datasets.penguin]`` beside a dataset
    named ``penguins`` was simply not applied, with nothing said, and the run looked as if
    the declared roles and targets had changed nothing."""
    import difflib

    names = [s.name for s in harness.settings.datasets]
    if not names:
        return []
    lines = []
    for spec_name, spec in sorted(harness.specs.items()):
        if spec_name in names:
            continue
        close = difflib.get_close_matches(spec_name, names, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        lines.append(
            f"dataset spec {spec_name!r} ({spec.source}) names no dataset of this session "
            f"({', '.join(map(repr, names))}): not applied{hint}"
        )
    return lines


class LiveStatusPlugin:
    """The run's items done and ETA on the terminal: counted here in every mode; under
    xdist the controller also shows it between reports (restored before pytest writes)."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.progress = harness.run_progress
        self.nodes: set[str] = set()
        self.line = None

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:
            self.progress.total = sum(
                1 for item in session.items if item.nodeid.startswith(f"{COLLECTOR_NAME}::")
            )

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        self.nodes.add(getattr(node, "gateway", node).id if hasattr(node, "gateway") else str(node))
        self.progress.workers = max(1, len(self.nodes))
        self.progress.total = sum(1 for i in ids if i.startswith(f"{COLLECTOR_NAME}::"))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.line is not None:
            self.line.restore()
        if report.when == "call" and report.nodeid.startswith(f"{COLLECTOR_NAME}::"):
            self.progress.finished(report.duration)

    @pytest.hookimpl(trylast=True)
    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        if not self.nodes or self.harness.is_worker:  # one process: the item shows it
            return
        if self.line is None:
            from .._compat import TerminalLine

            self.line = TerminalLine(self.harness.config)
        if self.progress.done and not os.environ.get("CI"):
            self.line.show(
                f"statharness: {self.progress.done}/{self.progress.total} items done"
                + (
                    f", ~{_eta(self.progress)} left"
                    if self.progress.done < self.progress.total
                    else ""
                )
            )

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionfinish(self) -> None:
        if self.line is not None:
            self.line.restore()


def _eta(progress) -> str:
    from ..progress import format_seconds

    eta = progress.eta_s()
    return format_seconds(eta) if eta is not None else "?"


def write_snapshot_diffs(harness: Harness, run_dir: Path) -> list[Path]:
    """The full diff of every snapshot mismatch, ``diffs/<dataset>/<analysis>.diff``."""
    from ..atomic import write_text_atomic

    written = []
    for result in harness.results.values():
        diff = result.get("snapshot_diff")
        path = (result.get("snapshot") or {}).get("path")
        if diff and path:
            target = run_dir / "diffs" / f"{path.removesuffix('.json')}.diff"
            write_text_atomic(target, diff + "\n")
            written.append(target)
    return sorted(written)


def _columns_left_out(results: list[dict], dataset: str) -> tuple[int, int, int] | None:
    """(most columns one item left out, items that left some out, the cap) for the
    columns past max_columns, or None. Why: a 600-column table lost 400 columns of every
    analysis and only report.json said so."""
    most, items, cap = 0, 0, None
    for r in results:
        if r.get("dataset") != dataset:
            continue
        for f in r.get("findings") or ():
            left = (f.get("evidence") or {}).get("left_out") or {}
            if left.get("cap") != "max_columns":
                continue
            count = left.get("columns_count", len(left.get("columns") or ()))
            most, items = max(most, count), items + 1
            cap = (f.get("evidence") or {}).get("budget", {}).get("max_columns")
            break
    return (most, items, cap) if items else None


def _names_alike(names) -> list[list[str]]:
    """Groups of column names equal once the spaces at their ends are stripped ('a' and
    'a '): two columns a reader of the header would take for one (rater set 66)."""
    groups: dict[str, list[str]] = {}
    for column in names:
        groups.setdefault(column.strip(), []).append(column)
    return [group for _, group in sorted(groups.items()) if len(group) > 1]


def _presumed_outcome_used(results: list[dict], dataset: str) -> bool:
    """Whether a medium finding of ``dataset`` rests on its first column presumed the
    outcome (no column named or declared one): said on screen, since it shapes severity
    and a spec's targets turn it off."""
    for r in results:
        if r.get("dataset") != dataset:
            continue
        for f in r.get("findings") or ():
            rule = ((f.get("evidence") or {}).get("parameters") or {}).get("strongest_driver")
            if rule and "presumed its outcome" in rule:
                return True
    return False


#: fewer rows than this and a dataset is said to be too small for statistics (1 row)
FEW_ROWS = 3


def summary_lines(harness: Harness, *, verbose: bool = False) -> list[str]:
    """What the run found, for the terminal: findings by severity, the top headlines,
    rows left out per dataset, snapshot statuses."""
    lines = []
    results = [harness.results[k] for k in sorted(harness.results)]
    findings = [(r, f) for r in results for f in r.get("findings") or ()]
    if findings:
        counts = dict.fromkeys(SEVERITIES, 0)
        for _r, f in findings:
            severity = f.get("severity", "info")
            counts[severity] = counts.get(severity, 0) + 1
        lines.append(
            f"findings: {len(findings)} ("
            + ", ".join(f"{n} {s}" for s, n in counts.items() if n)
            + f") from {len(results)} item(s)"
        )
        rank = {s: i for i, s in enumerate(SEVERITIES)}
        notable = [(r, f) for r, f in findings if f.get("severity") in ("high", "medium")]
        notable.sort(key=lambda rf: (rank.get(rf[1].get("severity"), 9), rf[0]["analysis_id"]))
        if verbose:
            shown = notable
        else:  # the most severe first: every high, then at most two mediums per item, so
            # one item cannot fill the list (a high is never hidden behind mediums)
            per_item: dict[str, int] = {}
            shown = []
            for r, f in notable:
                key = f"{r['analysis_id']}[{r['dataset']}]"
                first = f.get("severity") == "high" or per_item.get(key, 0) < 2
                if first and len(shown) < TOP_HEADLINES:
                    per_item[key] = per_item.get(key, 0) + 1
                    shown.append((r, f))
        limit = len(shown)
        for r, f in shown:
            lines.append(
                f"  [{f['severity']}] {f.get('title', f.get('id'))} ({r['analysis_id']}[{r['dataset']}])"
            )
        if len(notable) > limit:
            lines.append(
                f"  ... {len(notable) - limit} more high/medium in the report (-v lists all)"
            )
    for name, dataset in harness.datasets.items():
        bad = dataset.bad_rows
        if bad.count:
            first = ", ".join(str(n) for n in list(bad.first_positions)[:5])
            lines.append(
                f"dataset {name}: {bad.count:,} of {dataset.row_count + bad.count:,} rows "
                f"left out as malformed (ragged; first at line(s) {first})"
            )
        left = _columns_left_out(results, name)
        if left:
            most, analyses, cap = left
            lines.append(
                f"dataset {name}: up to {most:,} column(s) left out of {analyses} analysis item(s) "
                f"by max_columns = {cap} (see each finding's evidence.left_out; raise it with "
                f"--stat-cap max_columns=N)"
            )
        presumed = dataset.presumed_outcome
        if presumed and _presumed_outcome_used(results, name):
            lines.append(
                f"dataset {name}: no column is named or declared an outcome; the first, "
                f"{presumed!r}, is presumed one for its strongest pairs (declare targets in "
                "the dataset spec to say otherwise)"
            )
        renamed = dataset.renamed_blank_names
        if renamed:
            lines.append(
                f"dataset {name}: blank column name(s) in the header, called "
                f"{', '.join(map(repr, renamed))} as pandas calls them"
            )
        alike = _names_alike(dataset.column_names)
        if alike:
            lines.append(
                f"dataset {name}: column names that differ only in spaces at their ends, "
                f"{'; '.join(', '.join(map(repr, group)) for group in alike)}: separate "
                "columns (a spec or --stat-set must write the spaces too)"
            )
        if dataset.row_count < FEW_ROWS:
            lines.append(
                f"dataset {name}: only {dataset.row_count} row(s); spreads, shapes, tests and "
                "relations need more, and constant columns are constant by default"
            )
    for left, right in harness.settings.compare:
        shared = set(harness.dataset(left).column_names) & set(harness.dataset(right).column_names)
        if not shared:
            # drift compares columns of one name: with none, no item ran and nothing said so
            lines.append(
                f"--stat-compare {left}:{right}: the two datasets share no column, so nothing "
                "was compared (compare a dataset with another version of itself)"
            )
    skipped = [r for r in results if r.get("skip")]
    for r in skipped:
        skip = r["skip"]
        lines.append(
            f"skipped {r['analysis_id']}[{r['dataset']}]: [{skip.get('reason_code')}] "
            f"threshold {skip.get('threshold')}, measured {skip.get('measured')}"
        )
    statuses: dict[str, int] = {}
    for r in results:
        status = (r.get("snapshot") or {}).get("status")
        if status:
            statuses[status] = statuses.get(status, 0) + 1
    if statuses:
        lines.append("snapshots: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    unrecorded = sorted(
        {r["dataset"] for r in results if (r.get("snapshot") or {}).get("status") == "missing"}
    )
    if unrecorded:
        # a first run on a dataset fails every item: say why once, and what to do
        lines.append(
            f"no snapshots recorded yet for {', '.join(unrecorded)}: the findings above are "
            "computed but not verified; read them, then record them with --snapshot-update"
        )
    return lines
