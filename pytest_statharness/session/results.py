"""Results of the items, the run's report and the terminal summary (controller side)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ..items import RESULT_PROPERTY, SEVERITIES, attach_result
from ..snapshots import snapshot_key
from .harness import COLLECTOR_NAME, Harness

TOP_HEADLINES = 5


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
        limit = len(notable) if verbose else TOP_HEADLINES
        for r, f in notable[:limit]:
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
    return lines
