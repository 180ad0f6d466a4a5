"""Live progress of a long analysis: ``rows done / total`` on the terminal's status line.

Written to the process's original stderr only when it is a terminal, at most twice a
second, and erased when the item ends — so pytest's own output (and any captured or
redirected output, as in CI) is untouched. xdist workers inherit the controller's
stderr, so their items show progress too, one line per worker, prefixed by its id.
"""

from __future__ import annotations

import os
import sys
import time

MIN_INTERVAL_S = 0.5
SHOW_AFTER_S = 2.0


class ProgressLine:
    def __init__(self, label: str, worker: str | None = None, stream=None) -> None:
        self.stream = stream if stream is not None else sys.__stderr__
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
        text = f"\r{self.label}: pass {pass_index + 1}, {rows_done:,}/{rows_total:,} rows ({share:.0%})"
        self.stream.write(text[:200] + "\x1b[K")
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
