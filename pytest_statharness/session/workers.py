"""xdist workers: a dead worker's item reported ``crashed``, memory-heavy items kept apart.

Why not xdist's own grouping: ``--dist loadgroup`` (and loadscope/loadfile) hangs or raises
INTERNALERROR when a worker dies — the dead worker's whole work unit, completed items
included, goes back on the queue (pytest-xdist #1323, #1327, #1378; a ``KeyError`` on the
replacement worker, #1189; 3.8.0 has them). Plain ``--dist load`` drops the item a worker
died on, reports it failed and carries on with a replacement worker. So the harness keeps
``load`` and stops two memory-heavy items from running at once with an OS file lock
(``fcntl.flock``), which the kernel releases when the process holding it dies.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..items import RESULT_PROPERTY
from ..runlog import _parse_nodeid
from ..watchdog import WATCHDOG_EXIT_CODE
from .harness import COLLECTOR_NAME, Harness

TOKEN_INPUT = "statharness_session_token"  # workerinput key: one value per session
TOKEN_KEY = pytest.StashKey[str]()
LOCKS_FOLDER = "locks"


def session_token(config: pytest.Config) -> str:
    """A token shared by the controller and its workers, naming the session's lock file."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is not None and TOKEN_INPUT in workerinput:
        return str(workerinput[TOKEN_INPUT])
    token = config.stash.get(TOKEN_KEY, None)
    if token is None:
        token = config.stash[TOKEN_KEY] = uuid.uuid4().hex
    return token


def _lock_path(harness: Harness) -> Path:
    return harness.settings.home / LOCKS_FOLDER / f"memory-heavy-{session_token(harness.config)}"


@contextlib.contextmanager
def memory_heavy_slot(harness: Harness, memory_heavy: bool) -> Iterator[None]:
    """Hold the session's memory-heavy slot while a memory-heavy item runs (xdist workers
    only: one process runs its items one at a time anyway)."""
    if not memory_heavy or not harness.is_worker:
        yield
        return
    import fcntl

    path = _lock_path(harness)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released by the kernel if this worker dies
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def describe_exit(code: int | None) -> str:
    """How a process ended, for a person: ``killed by signal 9 (SIGKILL)``."""
    if code is None:
        return "exit status unknown"
    if code == WATCHDOG_EXIT_CODE:
        return "stopped by the harness's watchdog, past the item's time limit"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "unknown signal"
        return f"killed by signal {-code} ({name})"
    return f"exited with code {code}"


class WorkerCrashPlugin:
    """Controller side: turns xdist's "worker crashed" report into a ``crashed`` item with
    the signal or exit code, so the run report and state.db say what happened."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        self.crashes: list[dict] = []
        self.started: dict[str, float] = {}  # nodeid: when the controller saw it start

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node) -> None:
        node.workerinput[TOKEN_INPUT] = session_token(self.harness.config)

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        self.started[nodeid] = time.monotonic()

    @pytest.hookimpl(optionalhook=True)
    def pytest_handlecrashitem(self, crashitem: str, report, sched) -> None:
        if not crashitem.startswith(f"{COLLECTOR_NAME}::"):
            return
        from .._compat import worker_exit_code

        worker = getattr(report, "node", None)
        worker_id = getattr(getattr(worker, "gateway", None), "id", "?")
        code = worker_exit_code(worker)
        cause = describe_exit(code)
        if crashitem in self.started:
            cause += f", {time.monotonic() - self.started[crashitem]:.1f} s after it started"
        message = (
            f"worker {worker_id} died while running {crashitem} ({cause}); the item is "
            "reported crashed and the session goes on with a replacement worker"
        )
        analysis_id, dataset = _parse_nodeid(crashitem)
        crash = {
            "worker": worker_id,
            "exit_code": code if code is not None and code >= 0 else None,
            "signal": -code if code is not None and code < 0 else None,
        }
        result = {"analysis_id": analysis_id, "dataset": dataset, "outcome": "crashed"}
        result.update(error=message, crash=crash)
        report.longrepr = message
        setattr(report, RESULT_PROPERTY, json.dumps(result, sort_keys=True))
        self.harness.outcomes[crashitem] = "crashed"
        self.crashes.append({"nodeid": crashitem, **crash})

    def pytest_sessionfinish(self) -> None:
        """The session's lock file goes with the session."""
        if not self.harness.is_worker:
            with contextlib.suppress(OSError):
                _lock_path(self.harness).unlink()
