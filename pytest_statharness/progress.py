"""Live progress: rows done of a long item, items done of the run, and an ETA.

Shown only when pytest writes to a terminal (never in CI logs or redirected output: no
carriage-return spam there), at most twice a second, after an item has run for
``SHOW_AFTER_S``; it is written over pytest's current line and the line is put back, so
``-q`` and ``-v`` output read as without it. It goes through pytest's terminal writer
with capture suspended, so it shows under the default ``--capture=fd`` (as pytest's live
logging does).

* One process: the running item's ``pass 2, 1,200,000/2,000,000 rows (60%)`` and the run's
  ``item 12/54, ~1m20s left``.
* ``-n N``: workers have no terminal; the controller shows the run's items done and the
  ETA between reports.

The ETA is the median duration of the items finished so far times the items left,
divided by the number of workers.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

MIN_INTERVAL_S = 0.5
SHOW_AFTER_S = 2.0


def format_seconds(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


class RunProgress:
    """Items done of the run and an ETA from the median item duration."""

    def __init__(self, workers: int = 1) -> None:
        self.total = 0
        self.durations: list[float] = []
        self.workers = max(1, workers)

    @property
    def done(self) -> int:
        return len(self.durations)

    def finished(self, duration: float) -> None:
        self.durations.append(duration)

    def eta_s(self) -> float | None:
        if not self.durations or not self.total:
            return None
        left = max(0, self.total - self.done)
        return statistics.median(self.durations) * left / min(self.workers, max(left, 1))

    def text(self) -> str:
        if not self.total:
            return ""
        eta = self.eta_s()
        left = (
            f", ~{format_seconds(eta)} left" if eta is not None and self.done < self.total else ""
        )
        return f"item {min(self.done + 1, self.total)}/{self.total}{left}"


class ProgressLine:
    """The progress callback of one item (``engine`` calls it per chunk)."""

    def __init__(
        self, label: str, worker: str | None = None, stream=None, *, line=None, run=None
    ) -> None:
        self.line = line  # a _compat.TerminalLine: pytest's terminal, capture-safe
        self.run = run  # RunProgress of the session (one process)
        self.stream = stream if stream is not None else sys.__stderr__
        if line is not None:
            self.enabled = line.usable and not os.environ.get("CI")
        else:
            self.enabled = bool(self.stream) and self.stream.isatty() and not os.environ.get("CI")
        self.label = f"[{worker}] {label}" if worker else label
        self.started = time.monotonic()
        self.last = 0.0
        self.shown = False

    def __call__(self, pass_index: int, rows_done: int, rows_total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self.started < SHOW_AFTER_S or now - self.last < MIN_INTERVAL_S:
            return
        self.last = now
        share = rows_done / rows_total if rows_total else 1.0
        text = (
            f"{self.label}: pass {pass_index + 1}, {rows_done:,}/{rows_total:,} rows ({share:.0%})"
        )
        if self.run is not None and self.run.total:
            text += f" | {self.run.text()}"
        if self.line is not None:
            self.line.show(text)
        else:
            self.stream.write(f"\r{text[:200]}\x1b[K")
            self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if not self.shown:
            return
        if self.line is not None:
            self.line.restore()
        else:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
