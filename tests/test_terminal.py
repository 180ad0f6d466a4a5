"""Live progress shows on a terminal under pytest's default capture (also with -n), and
never in redirected output."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

FAST_PROGRESS = """
import pytest_statharness.progress as progress

progress.SHOW_AFTER_S = 0.0
progress.MIN_INTERVAL_S = 0.0
"""
ARGS = ["--stat-dataset", "sales=data/sales.parquet", "--stat-providers", "profile,missingness"]


def _run_on_a_terminal(path, *args: str) -> str:
    """Run pytest with a pseudo-terminal as its stdout and stderr; return what it wrote."""
    primary, secondary = os.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["COLUMNS"] = "160"
    proc = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "no:randomly", "-p", "no:cacheprovider", *args],
        cwd=path,
        stdin=subprocess.DEVNULL,
        stdout=secondary,
        stderr=secondary,
        env=env,
    )
    os.close(secondary)
    chunks = []
    while True:
        try:
            data = os.read(primary, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=300)
    os.close(primary)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def recorded(pytester, parquet_path):
    pytester.makeconftest(FAST_PROGRESS)
    assert pytester.runpytest(*ARGS, "--snapshot-update", "-p", "no:cacheprovider").ret == 0
    return pytester


def test_progress_shows_on_a_terminal_under_default_capture(recorded) -> None:
    out = _run_on_a_terminal(recorded.path, *ARGS)
    assert "profile_numeric[sales]: pass 1, 3,000/3,000 rows (100%) | item " in out
    assert "/2" in out  # the run's item count
    # the line is put back: pytest's own progress line is intact at the end
    assert "statharness .." in out.replace("\r", "\n").replace("\x1b[K", "")
    assert "2 passed" in out


def test_run_progress_with_workers(recorded) -> None:
    out = _run_on_a_terminal(recorded.path, *ARGS, "-n", "2")
    assert "items done" in out
    assert "2 passed" in out


def test_no_progress_in_redirected_output(recorded) -> None:
    result = recorded.runpytest_subprocess(*ARGS, "-p", "no:cacheprovider")
    assert result.ret == 0
    text = result.stdout.str() + result.stderr.str()
    assert "\r" not in text and "rows (" not in text and "items done" not in text


def test_summary_says_what_was_found_and_which_rows_were_left_out(pytester) -> None:
    rows = "".join(f"{i},{(i * 7919) % 101}\n" for i in range(300))
    (pytester.path / "r.csv").write_text("x,y\n" + rows + "1,2,3\n" + "4,5,6,7\n" + "7,8\n")
    result = pytester.runpytest(
        "--stat-dataset", "r=r.csv", "--stat-providers", "profile,quality", "--snapshot-update"
    )
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "*= statharness =*",
            "findings: * (*info*) from * item(s)",
            "dataset r: 2 of 303 rows left out as malformed (ragged; first at line(s) 302, 303)",
            "snapshots: * written",
            "report: appdata/runs/run-000001/report.md",
        ]
    )
