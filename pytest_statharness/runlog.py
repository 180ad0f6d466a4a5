"""The run's row in state.db while the session runs: created at session start, a heartbeat,
the expected item count after collection, one row per item as it starts and finishes, and
at the end the status the report writer set (or ``interrupted`` if no report was written).

Registered by :mod:`.plugin` on the controller (or the single process) of a session with
datasets. ``statharness status`` reads what this writes. Also owns the option
``--stat-fail-on-new`` (the gate on the comparison with the previous comparable run).
Only the standard library and pytest are imported at module level.
"""

from __future__ import annotations

import threading
import time

import pytest

from .errors import StateStoreError

RECORDER_KEY = pytest.StashKey["RunRecorder"]()
RECORDER_PLUGIN_NAME = "statharness-runlog"
HEARTBEAT_S = 5.0
FAIL_ON_NEW_LEVELS = ("off", "info", "low", "medium", "high")


def parse_fail_on_new(value: str) -> str:
    level = str(value).strip().lower()
    if level not in FAIL_ON_NEW_LEVELS:
        raise pytest.UsageError(
            f"--stat-fail-on-new {value!r}: must be one of {', '.join(FAIL_ON_NEW_LEVELS)}"
        )
    return level


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("statharness")
    group.addoption(
        "--stat-fail-on-new",
        default=None,
        metavar="SEVERITY",
        help="fail the session when, compared with the previous comparable run, a finding of "
        "at least this severity is new or got more severe: off, info, low, medium, high "
        "(default off). Ini: stat_fail_on_new.",
    )
    parser.addini(
        "stat_fail_on_new",
        "fail on new findings of at least this severity (off|info|low|medium|high)",
        type="string",
        default="off",
    )


def fail_on_new_level(config: pytest.Config) -> str:
    raw = config.getoption("stat_fail_on_new", default=None) or config.getini("stat_fail_on_new")
    return parse_fail_on_new(raw or "off")


def _parse_nodeid(nodeid: str) -> tuple[str | None, str | None]:
    name = nodeid.split("::", 1)[-1]
    if "[" not in name or not name.endswith("]"):
        return None, None
    analysis_id, _, dataset = name[:-1].partition("[")
    return analysis_id, dataset


class RunRecorder:
    def __init__(self, config: pytest.Config, home, harness=None) -> None:
        self.config = config
        self.home = home
        self.harness = harness  # the session's Harness (datasets, settings)
        self.run_id: str | None = None
        self.seq: int | None = None
        self.started: float | None = None
        self.final_exit_status: int | None = None
        self._durations: dict[str, float] = {}
        self._outcomes: dict[str, str] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._expected_recorded = False

    # -- helpers ---------------------------------------------------------------------
    def _harness(self):
        return self.harness

    def size_class(self, dataset: str | None) -> str | None:
        harness = self._harness()
        if harness is None or not dataset:
            return None
        from .policy.tiers import tier_for_rows

        try:
            rows = max(harness.dataset(name).row_count for name in dataset.split(":"))
        except KeyError:
            return None
        return tier_for_rows(rows).name

    def _beat(self) -> None:
        from . import store

        while not self._stop.wait(HEARTBEAT_S):
            try:
                store.heartbeat(self.home, self.run_id)
            except Exception:  # pragma: no cover - a busy database skips one beat
                pass

    # -- hooks -----------------------------------------------------------------------
    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        from . import provenance, store

        options = self._harness().options
        self.started = time.time()
        start = provenance.collect(
            argv=["pytest", *self.config.invocation_params.args],
            root=self.config.rootpath,
            options=options,
            inipath=self.config.inipath,
            started=self.started,
        )
        workers = getattr(self.config.option, "numprocesses", None)
        start["workers"] = workers if isinstance(workers, int) and workers > 0 else 1
        try:
            self.seq, self.run_id = store.new_run(
                self.home,
                datasets=[s.name for s in options.datasets],
                settings_hash=start["settings_hash"],
                provenance=start,
            )
        except StateStoreError as exc:
            raise pytest.UsageError(str(exc)) from None
        self._thread = threading.Thread(
            target=self._beat, name="statharness-heartbeat", daemon=True
        )
        self._thread.start()
        self._clean_stale_temp_files()
        self._end_on_sigterm()

    def _clean_stale_temp_files(self) -> None:
        """Temp files a killed session left beside snapshots and run files."""
        from .atomic import clean_stale_temp_files

        options = self._harness().options
        for root in (options.snapshot_dir, self.home / "runs"):
            clean_stale_temp_files(root)

    def _end_on_sigterm(self) -> None:
        """``kill`` (SIGTERM) ends the session like Ctrl-C: the report is written and the
        row closed as ``interrupted`` (by default SIGTERM ends Python with no cleanup).
        Only when nobody else installed a handler, and only in the main thread."""
        import signal

        if threading.current_thread() is not threading.main_thread():
            return
        if signal.getsignal(signal.SIGTERM) is not signal.SIG_DFL:
            return

        def on_sigterm(signum, frame):
            signal.signal(signal.SIGTERM, signal.SIG_DFL)  # a second kill ends it at once
            raise KeyboardInterrupt("SIGTERM")

        signal.signal(signal.SIGTERM, on_sigterm)
        self._sigterm_handler = on_sigterm

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if hasattr(self.config, "workerinput") or self.run_id is None:
            return
        if self.config.pluginmanager.has_plugin("dsession"):
            return  # xdist: the workers collect (pytest_xdist_node_collection_finished)
        self._expect([i.nodeid for i in session.items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node, ids) -> None:
        if self.run_id is not None and not self._expected_recorded:
            self._expect(list(ids))

    def _expect(self, nodeids: list[str]) -> None:
        from . import store

        rows = []
        for nodeid in nodeids:
            if nodeid.startswith("statharness::"):
                analysis_id, dataset = _parse_nodeid(nodeid)
                rows.append((nodeid, analysis_id, dataset, self.size_class(dataset)))
        store.items_expected(self.home, self.run_id, rows)
        self._expected_recorded = True

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        if self.run_id is None or not nodeid.startswith("statharness::"):
            return
        from . import store

        analysis_id, dataset = _parse_nodeid(nodeid)
        store.item_done(
            self.home,
            self.run_id,
            nodeid,
            outcome="running",
            analysis_id=analysis_id,
            dataset=dataset,
            size_class=None,
            wall_s=None,
        )

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if self.run_id is None or not report.nodeid.startswith("statharness::"):
            return
        nodeid = report.nodeid
        self._durations[nodeid] = self._durations.get(nodeid, 0.0) + float(report.duration)
        if report.outcome != "passed" or nodeid not in self._outcomes:
            if self._outcomes.get(nodeid) in (None, "passed"):
                self._outcomes[nodeid] = report.outcome
        # xdist reports an item whose worker died once, with no phase (when="???"): that
        # report is the item's last, so its row is closed here or never.
        crashed = report.when not in ("setup", "call", "teardown")
        if crashed:
            self._outcomes[nodeid] = "crashed"
        elif report.when != "teardown":
            return
        from . import store

        analysis_id, dataset = _parse_nodeid(nodeid)
        store.item_done(
            self.home,
            self.run_id,
            nodeid,
            outcome=self._outcomes.get(nodeid, report.outcome),
            analysis_id=analysis_id,
            dataset=dataset,
            size_class=self.size_class(dataset),
            wall_s=round(self._durations[nodeid], 4),
        )

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        """After the report writer (which closed the run's row): stop the heartbeat, apply
        the comparison gate's exit status, close a row no report closed."""
        from . import store

        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._restore_sigterm()
        if self.run_id is None:
            return
        if self.final_exit_status is not None and self.final_exit_status != session.exitstatus:
            session.exitstatus = self.final_exit_status
        row = store.get_run(self.home, self.run_id)
        if row is not None and row["status"] == "running":
            store.mark_interrupted(self.home, self.run_id)

    def _restore_sigterm(self) -> None:
        import signal

        handler = getattr(self, "_sigterm_handler", None)
        if handler is not None and signal.getsignal(signal.SIGTERM) is handler:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
        self._sigterm_handler = None

    def pytest_terminal_summary(self, terminalreporter) -> None:
        shortfall = getattr(self, "scorecard_shortfall", None)
        if shortfall:
            terminalreporter.write_line(
                "--stat-golden=strict: the scorecard is not release ready; the session fails: "
                + "; ".join(shortfall)
            )
        gate = getattr(self, "gate", None)
        if not gate:
            return
        tr = terminalreporter
        against = gate.get("against") or "no previous comparable run"
        tr.write_line(
            f"statharness compare with {against}: {gate['added']} new, {gate['removed']} gone, "
            f"{gate['changed']} changed finding(s)"
        )
        for name in gate.get("other_data") or ():
            tr.write_line(
                f"  note: dataset {name!r} shares no column with its namesake in {against}: "
                "other data under the same name, so its findings read as new or gone"
            )
        if gate.get("failed"):
            tr.write_line(
                f"--stat-fail-on-new={gate['level']}: {len(gate['offending'])} finding(s) new or "
                f"more severe at {gate['level']} or above; the session fails:"
            )
            for line in gate["offending"][:20]:
                tr.write_line(f"  {line}")


def register(config: pytest.Config, home, harness=None) -> RunRecorder | None:
    """Called by the plugin for a session with datasets (not on xdist workers, not for
    --collect-only)."""
    if hasattr(config, "workerinput") or config.option.collectonly:
        return None
    fail_on_new_level(config)  # a bad value stops the session before anything runs
    recorder = RunRecorder(config, home, harness)
    config.stash[RECORDER_KEY] = recorder
    config.pluginmanager.register(recorder, RECORDER_PLUGIN_NAME)
    return recorder
