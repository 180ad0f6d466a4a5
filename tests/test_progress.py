"""The progress line shows only on a terminal, throttled, and erases itself."""

from __future__ import annotations

import io

from pytest_statharness import progress as progress_module
from pytest_statharness.progress import ProgressLine


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal(monkeypatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress_module, "SHOW_AFTER_S", 0.0)
    monkeypatch.setattr(progress_module, "MIN_INTERVAL_S", 0.0)
    stream = _Tty()
    line = ProgressLine("profile_numeric[events]", "gw1", stream=stream)
    line(1, 1_000_000, 2_000_000)
    line.close()
    text = stream.getvalue()
    assert "[gw1] profile_numeric[events]: pass 2, 1,000,000/2,000,000 rows (50%)" in text
    assert text.endswith("\r\x1b[K")


def test_no_progress_when_not_a_terminal() -> None:
    stream = io.StringIO()
    line = ProgressLine("x", stream=stream)
    line(0, 1, 2)
    line.close()
    assert stream.getvalue() == ""
