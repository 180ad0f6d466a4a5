"""Retention over runs and the dataset cache: dry run by default, --apply, max age, max
size, protected runs (today's, pinned, the latest)."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from pytest_statharness import store
from pytest_statharness.cli import main
from pytest_statharness.retention import parse_size, plan_retention

DAY = 86400.0


@pytest.fixture
def home(tmp_path):
    """Five finished runs: 40, 30, 20 and 10 days old and one of today; two cache entries."""
    home = tmp_path / "appdata"
    now = time.time()
    for age in (40, 30, 20, 10, 0):
        _seq, run_id = store.new_run(home, datasets=["sales"])
        store.finish_run(home, run_id, 0, {"items": 0, "outcomes": {}}, {})
        conn = sqlite3.connect(home / "state.db")
        conn.execute(
            "UPDATE runs SET started = ?, created = ? WHERE run_id = ?",
            (now - age * DAY, now - age * DAY, run_id),
        )
        conn.commit()
        conn.close()
        run_dir = home / "runs" / run_id
        run_dir.mkdir(parents=True)
        (run_dir / "report.json").write_text("x" * 1000)
    store.write_latest(home, "run-000005")
    cache = home / "cache" / "datasets"
    for key, age in (("aaaa", 50), ("bbbb", 1)):
        entry = cache / key
        entry.mkdir(parents=True)
        (entry / "data.arrow").write_bytes(b"\0" * 5000)
        stamp = now - age * DAY
        import os

        os.utime(entry, (stamp, stamp))
    return home


def test_parse_size() -> None:
    assert parse_size("500") == 500
    assert parse_size("2K") == 2048
    assert parse_size("1.5m") == int(1.5 * (1 << 20))
    assert parse_size("1G") == 1 << 30
    with pytest.raises(ValueError, match="unit K, M, G or T"):
        parse_size("12 parsecs")


def test_dry_run_by_default_then_apply(home, capsys) -> None:
    store.set_pinned(home, "run-000001", True)
    assert main(["retention", "--home", str(home), "--max-age", "15"]) == 0
    out = capsys.readouterr().out
    assert "would remove run run-000002" in out and "would remove run run-000003" in out
    assert "would remove cache aaaa" in out
    assert "run-000001" not in out.split("kept")[0]  # pinned
    assert "kept   run run-000001: protected (pinned)" in out
    assert "dry run, give --apply" in out
    assert (home / "runs" / "run-000002").is_dir()  # nothing removed yet
    assert len(store.list_runs(home)) == 5

    assert main(["retention", "--home", str(home), "--max-age", "15", "--apply", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["applied"] is True
    assert [(t["kind"], t["name"]) for t in plan["remove"]] == [
        ("run", "run-000002"),
        ("run", "run-000003"),
        ("cache", "aaaa"),
    ]
    assert not (home / "runs" / "run-000002").exists()
    assert not (home / "cache" / "datasets" / "aaaa").exists()
    assert (home / "cache" / "datasets" / "bbbb").is_dir()
    assert [r["run_id"] for r in store.list_runs(home)] == [
        "run-000005",
        "run-000004",
        "run-000001",
    ]


def test_max_size_removes_oldest_first_and_protects_today_and_latest(home) -> None:
    plan = plan_retention(home, max_size=7000)
    removed = [(t.kind, t.name) for t in plan.remove]
    # 5 runs x 1000 + 2 x 5000 = 15000 bytes; oldest runs go first, then the oldest cache entry
    assert removed == [
        ("run", "run-000001"),
        ("run", "run-000002"),
        ("run", "run-000003"),
        ("run", "run-000004"),
        ("cache", "aaaa"),
    ]
    assert plan.protected == {"run-000005": "today"}
    plan = plan_retention(home, max_size=0)
    assert "run-000005" not in {t.name for t in plan.remove}


def test_bad_arguments_are_usage_errors(home, capsys) -> None:
    assert main(["retention", "--home", str(home), "--max-size", "lots"]) == 2
    assert "--max-size" not in capsys.readouterr().out
    assert main(["retention", "--home", str(home), "--max-age", "-1"]) == 2


def test_runs_pin_and_unpin_from_the_command_line(home, capsys) -> None:
    assert main(["runs", "pin", "2", "--home", str(home)]) == 0
    assert "run-000002 pinned (retention keeps it)" in capsys.readouterr().out
    assert plan_retention(home, max_size=0).protected["run-000002"] == "pinned"
    assert main(["runs", "pin", "run-000002", "--unpin", "--home", str(home)]) == 0
    assert "run-000002 unpinned" in capsys.readouterr().out
    assert "run-000002" not in plan_retention(home, max_size=0).protected
    assert main(["runs", "pin", "run-000042", "--home", str(home)]) == 2
    assert "no run 'run-000042'" in capsys.readouterr().err


def test_grouped_copies_are_retained_last_and_removed(home, capsys) -> None:
    grouped = home / "cache" / "grouped"
    grouped.mkdir(parents=True)
    copy = grouped / "grouped-0123.arrow"
    copy.write_bytes(b"\0" * 3000)
    stamp = time.time() - 60 * DAY
    import os

    os.utime(copy, (stamp, stamp))
    plan = plan_retention(home, max_age_days=45)
    assert [(t.kind, t.name) for t in plan.remove] == [("cache", "aaaa"), ("grouped", copy.name)]
    plan = plan_retention(home, max_size=15000)  # 18000 bytes: the oldest runs go first
    assert [t.kind for t in plan.remove][-1] == "run"
    assert main(["retention", "--home", str(home), "--max-age", "45", "--apply"]) == 0
    assert f"removed grouped {copy.name}" in capsys.readouterr().out
    assert not copy.exists()
