"""The pytest items: one per (analysis, dataset), under one ``statharness`` collector.

An item runs its analysis through the engine, validates the findings, compares them with
the stored snapshot and records what happened (outcome, findings, telemetry, a citable
skip) in ``user_properties``, which pytest and xdist carry to the controller's report.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any

import pytest

from .analysis import Analysis, Plan
from .confine import scratch_folder
from .engine import import_declared
from .errors import BudgetExceeded, StatHarnessError
from .evidence import canonical_findings
from .policy.budget import BudgetDecision
from .policy.golden import HarnessSkip, golden_policy_for
from .policy.network import guarded
from .snapshots import snapshot_key
from .watchdog import time_limit

#: the skip of an item computed under --stat-explore whose snapshot is not recorded yet;
#: the terminal counts such items as "explored" (``ResultsPlugin.pytest_report_teststatus``)
EXPLORED_REASON = "no snapshot recorded yet (--stat-explore); --snapshot-update records it"
RESULT_PROPERTY = "statharness"  # attribute of a call report: the item's result, as JSON
RESULT_KEY = pytest.StashKey[dict]()
SEVERITIES = ("high", "medium", "low", "info")


def severity_counts(findings) -> dict[str, int]:
    """Findings per severity, most severe first (every severity listed, zeros included)."""
    counts = dict.fromkeys(SEVERITIES, 0)
    for finding in findings:
        severity = finding.get("severity", "info")
        counts[severity] = counts.get(severity, 0) + 1
    return counts


def attach_result(item: pytest.Item, report: pytest.TestReport) -> None:
    """Carry the item's full result on its call report (a JSON string, so it survives
    xdist's report serialisation) for the controller's run report."""
    result = item.stash.get(RESULT_KEY, None)
    if result is not None and not hasattr(report, RESULT_PROPERTY):
        setattr(report, RESULT_PROPERTY, json.dumps(result, sort_keys=True))


class StatHarnessFailure(Exception):
    """A failure with a message meant for a person (shown without a traceback)."""


class StatCollector(pytest.Collector):
    """Parent of every generated item, so their ids read ``statharness::profile_numeric[x]``."""

    def collect(self):  # pragma: no cover - items are created by the session plugin
        return []


class AnalysisItem(pytest.Item):
    def __init__(
        self,
        *,
        analysis: Analysis,
        dataset_names: tuple[str, ...],
        plan: Plan,
        decision: BudgetDecision,
        harness,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.analysis = analysis
        self.dataset_names = tuple(dataset_names)
        self.dataset_name = ":".join(self.dataset_names)
        self.plan = plan
        self.decision = decision
        self.harness = harness
        self.add_marker("statharness")
        self.add_marker(analysis.family)
        if analysis.golden in ("default", "strict"):
            self.add_marker(f"golden_{analysis.golden}")

    def _record(self, **fields: Any) -> None:
        base = {
            "analysis_id": self.analysis.id,
            "family": self.analysis.family,
            "dataset": self.dataset_name,
            "budget": self.decision.as_dict(),
        }
        base.update(fields)
        self.stash[RESULT_KEY] = base
        # What --junitxml and other report consumers see: counts, not the findings
        # (those are in the run's report.json).
        self.user_properties.append(("statharness.outcome", base["outcome"]))
        findings = base.get("findings")
        if findings is not None:
            self.user_properties.append(("statharness.findings", len(findings)))
            for severity, count in severity_counts(findings).items():
                self.user_properties.append((f"statharness.severity.{severity}", count))
        snapshot = base.get("snapshot")
        if snapshot:
            self.user_properties.append(("statharness.snapshot", snapshot["status"]))

    def runtest(self) -> None:
        from .session.workers import memory_heavy_slot

        policy = golden_policy_for(self, self.harness.settings.golden)
        import_declared(self.analysis)  # before the guard: an import may start a process
        progress = self.harness.progress_for(self)
        try:
            try:
                try:
                    with (
                        scratch_folder(self.harness.settings.home, self.nodeid) as scratch,
                        memory_heavy_slot(self.harness, self.analysis.memory_heavy),
                        time_limit(
                            self.decision.budget.time_limit_s,
                            f"{self.analysis.id} on {self.dataset_name!r}",
                            hard_stop=self.harness.is_worker,
                        ),
                        guarded(
                            f"analysis {self.analysis.id!r}",
                            self.harness.network_mode,
                            writable=(scratch, *self._spill_folders()),
                        ),
                    ):
                        result = self.harness.run(
                            self.analysis,
                            self.dataset_names,
                            self.decision.budget,
                            self.plan,
                            progress,
                        )
                finally:
                    progress.close()
            except BudgetExceeded as exc:
                raise HarnessSkip(
                    "time_budget_exceeded", str(exc), threshold=exc.threshold, measured=exc.measured
                ) from None
        except HarnessSkip as skip:
            self._record(outcome="skipped", skip=skip.record())
            if policy.strict:
                raise StatHarnessFailure(
                    f"strict golden policy ({policy.source}) forbids skips; harness skip "
                    f"[{skip.reason_code}] {skip} (threshold {skip.threshold}, measured {skip.measured})"
                ) from None
            pytest.skip(f"[{skip.reason_code}] {skip}")
        except pytest.skip.Exception as bare:
            self._record(outcome="failed", error="uncitable skip")
            raise StatHarnessFailure(
                f"uncitable skip: analysis {self.analysis.id!r} called pytest.skip({bare.msg!r}) "
                "with no reason code, threshold or measured value; raise "
                "pytest_statharness.harness_skip(reason_code, message, threshold=..., measured=...) "
                "instead"
            ) from None
        except StatHarnessError as exc:
            self._record(outcome="failed", error=str(exc))
            raise StatHarnessFailure(str(exc)) from None
        except Exception as exc:
            # a defect of the analysis: report.json and report.md name the item, its
            # analysis and dataset and the error; pytest shows the traceback to report
            self._record(
                outcome="failed",
                error=f"{type(exc).__name__} in analysis {self.analysis.id!r}: {exc}",
            )
            raise
        text = canonical_findings(result.findings)
        outcome = self.harness.snapshots.check(
            snapshot_key(self.dataset_names),
            self.analysis.id,
            text,
            update=self.harness.update_snapshots,
            verbose=self.config.get_verbosity(),
        )
        telemetry = {
            "wall_s": round(result.wall_s, 4),
            "cpu_s": round(result.cpu_s, 4),
            "rows_scanned": result.rows_scanned,
            "passes": result.passes,
            "chunks": result.chunks,
            "rows_per_s": round(result.rows_scanned * result.passes / result.wall_s, 1)
            if result.wall_s
            else None,
            "cache_hit": all(
                (self.harness.dataset(n).cache_status or {}).get("hit", False)
                for n in self.dataset_names
            ),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            # which engine folded the chunks; a pass the Dask engine could not distribute
            # is listed with the reason (engine_dask.py)
            "engine": result.engine,
        }
        explored = outcome.status == "missing" and self.harness.explore
        failed = outcome.status in ("missing", "mismatch") and not explored
        self._record(
            outcome="skipped" if explored else "failed" if failed else "passed",
            snapshot={"status": outcome.status, "path": outcome.path},
            findings=result.findings,
            telemetry=telemetry,
            **({"snapshot_diff": outcome.diff} if outcome.diff else {}),
        )
        if failed:
            message = outcome.message
            if outcome.diff:
                diff_file = f"diffs/{outcome.path.removesuffix('.json')}.diff"
                if self.config.get_verbosity() >= 2:
                    message += "\ndiff:\n" + outcome.diff
                else:
                    message += f"\n  full diff: {diff_file} in the run folder (-vv shows it here)"
            raise StatHarnessFailure(message)
        if explored:
            # --stat-explore: read the findings first, record them when they are right
            pytest.skip(EXPLORED_REASON)

    def _spill_folders(self) -> list:
        """Where the dataset layer spills grouped copies while this item runs."""
        folders = []
        for name in self.dataset_names:
            folder = getattr(self.harness.dataset(name), "spill_dir", None)
            if folder is not None:
                Path(folder).mkdir(parents=True, exist_ok=True)  # before the guard is on
                folders.append(folder)
        return folders

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, StatHarnessFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"{self.analysis.id}[{self.dataset_name}]"
