"""The per-item watchdog: the time limit enforced *while* an analysis runs.

Why: the engine checks an item's time limit between chunks, so a hang inside one
``update``, ``merge`` or ``findings`` call (a loop that never ends, a blocking call) was
never interrupted. Two stages, POSIX only:

1. **Soft** — a ``SIGALRM`` timer (``signal.setitimer``) at the limit; its handler runs in
   the main thread at the next Python instruction and raises :class:`BudgetExceeded`, so
   the item ends as a citable ``time_budget_exceeded`` skip with the measured time and the
   function it was interrupted in. C code that does not return to Python (a long numpy or
   Arrow call, a blocked signal) delays it until it returns.
2. **Hard** — on an xdist worker only: when the item is still running a grace period
   later, a daemon thread ends the worker with :data:`WATCHDOG_EXIT_CODE`; xdist replaces
   it and the controller reports the item ``crashed`` ("stopped by the watchdog").
   ``faulthandler.dump_traceback_later(exit=True)`` is the last resort for code that holds
   the GIL and never lets the thread run. In a single process (``-n 0``) there is no hard
   stage: ending the process would end the session without a report; run with ``-n 1`` or
   more to have one.

While an item runs, the harness's timer replaces pytest's ``faulthandler_timeout`` dump.
"""

from __future__ import annotations

import contextlib
import faulthandler
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator

from .errors import BudgetExceeded

WATCHDOG_EXIT_CODE = 86  # a worker ended by the hard stage exits with this status
GRACE_MIN_S = 2.0
GRACE_FRACTION = 0.1


def grace_for(limit_s: float) -> float:
    """How long past the limit the hard stage waits for the soft one to get through."""
    return max(GRACE_MIN_S, GRACE_FRACTION * limit_s)


def _where(frame) -> str:
    """Module and function the alarm interrupted (no file paths: the text reaches artifacts)."""
    if frame is None:
        return "an unknown place"
    module = frame.f_globals.get("__name__", "?")
    name = getattr(frame.f_code, "co_qualname", frame.f_code.co_name)
    return f"{module}.{name} (line {frame.f_lineno})"


def _hard_stop(done: threading.Event, after_s: float) -> None:
    if done.wait(after_s):
        return
    with contextlib.suppress(Exception):
        faulthandler.dump_traceback(file=sys.__stderr__, all_threads=True)
    os._exit(WATCHDOG_EXIT_CODE)


@contextlib.contextmanager
def time_limit(limit_s: float | None, label: str, *, hard_stop: bool) -> Iterator[None]:
    """Run the body under the item's time limit (see the module's docstring).

    ``label``: what runs, for the message (``profile_numeric on 'orders'``).
    ``hard_stop``: end the process when the soft stage does not get through (workers only).
    """
    if not limit_s or limit_s <= 0 or limit_s == float("inf"):
        yield
        return
    start = time.perf_counter()
    finished = False
    use_alarm = (
        hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )

    def on_alarm(signum, frame) -> None:
        if finished:
            return
        elapsed = time.perf_counter() - start
        raise BudgetExceeded(
            f"{label} ran {elapsed:.3g} s, past its time limit of {limit_s:g} s, and was "
            f"interrupted in {_where(frame)}; raise it with --stat-time-limit",
            threshold=limit_s,
            measured=float(f"{elapsed:.3g}"),  # 3 digits: a limit of 1e-6 s is met in µs
        )

    previous_handler = None
    if use_alarm:
        previous_handler = signal.signal(signal.SIGALRM, on_alarm)
        signal.setitimer(signal.ITIMER_REAL, limit_s)
    done = threading.Event()
    if hard_stop:
        grace = grace_for(limit_s)
        threading.Thread(
            target=_hard_stop,
            args=(done, limit_s + grace),
            name="statharness-watchdog",
            daemon=True,
        ).start()
        faulthandler.dump_traceback_later(limit_s + 2 * grace + 5, exit=True)
    try:
        yield
    finally:
        finished = True
        done.set()
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous_handler)
        if hard_stop:
            faulthandler.cancel_dump_traceback_later()
