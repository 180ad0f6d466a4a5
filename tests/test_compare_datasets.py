"""``statharness compare RUN:DATASET RUN:DATASET``: two datasets of one run (or of two runs),
findings matched by analysis and finding id."""

from __future__ import annotations

import json

import pytest

from pytest_statharness import store
from pytest_statharness.cli import main
from pytest_statharness.report.compare import compare_reports
from pytest_statharness.report.writer import validate_file


def _finding(fid: str, severity: str, value: float, improvement: float | None = None) -> dict:
    finding = {
        "analysis_id": "profile_numeric",
        "id": f"profile_numeric/column_profile/column={fid}",
        "title": f"profile of {fid}",
        "severity": severity,
        "measurement": {"values": {"mean": value}, "units": {}},
    }
    if improvement is not None:
        finding["recommendation"] = {
            "action": f"lower {fid}",
            "modeled_improvement_pct": improvement,
        }
    return finding


def _report(run_id: str) -> dict:
    def item(dataset: str, findings: list[dict]) -> dict:
        return {
            "nodeid": f"statharness::profile_numeric[{dataset}]",
            "dataset": dataset,
            "findings": findings,
        }

    return {
        "run_id": run_id,
        "provenance": {"settings_hash": "sha256:" + "1" * 64},
        "datasets": [{"name": "y2024"}, {"name": "y2025"}],
        "items": [
            item("y2024", [_finding("amount", "info", 10.0), _finding("gone", "low", 1.0)]),
            item("y2025", [_finding("amount", "high", 12.5, 4.0), _finding("new", "medium", 2.0)]),
            # a drift item over both: never part of a one-dataset comparison
            item("y2024:y2025", [_finding("amount", "high", 99.0)]),
        ],
    }


def test_two_datasets_of_one_report() -> None:
    report = _report("run-000001")
    c = compare_reports(report, report, dataset_a="y2024", dataset_b="y2025")
    assert (c["dataset_a"], c["dataset_b"]) == ("y2024", "y2025")
    assert c["datasets_a"] == ["y2024"] and c["datasets_b"] == ["y2025"]
    assert [f["id"].rsplit("=", 1)[1] for f in c["added"]] == ["new"]
    assert [f["id"].rsplit("=", 1)[1] for f in c["removed"]] == ["gone"]
    (changed,) = c["changed"]
    assert changed["severity_before"] == "info" and changed["severity"] == "high"
    assert changed["values"]["mean"] == {"a": 10.0, "b": 12.5, "delta": 2.5, "relative": 0.25}
    assert changed["dataset"] == "y2024 → y2025"
    (rec,) = c["recommendation_deltas"]
    assert rec["status"] == "new" and rec["modeled_improvement_pct_b"] == 4.0
    with pytest.raises(ValueError, match="both datasets"):
        compare_reports(report, report, dataset_a="y2024")


def test_cli_compares_two_datasets_of_one_run(tmp_path, capsys) -> None:
    home = tmp_path / "home"
    _seq, run_id = store.new_run(home, datasets=["y2024", "y2025"])
    (home / "runs" / run_id).mkdir(parents=True)
    (home / "runs" / run_id / "report.json").write_text(json.dumps(_report(run_id)))
    assert main(["compare", "latest:y2024", "latest:y2025", "--home", str(home)]) == 0
    out = capsys.readouterr().out
    assert "run-000001:y2024 → run-000001:y2025: 1 added, 1 removed, 1 changed" in out
    folder = home / "runs" / run_id / "compare-run-000001-y2024-vs-y2025"
    validate_file(folder / "comparison_summary.json")
    assert "run-000001:y2024 → run-000001:y2025" in (folder / "comparison_report.md").read_text()
    for args, message in (
        (["latest:y2024", "latest"], "give a dataset on both sides"),
        (["latest:y2024", "latest:y2030"], "has no dataset 'y2030' (its datasets: y2024, y2025)"),
        (["latest:", "latest:y2025"], "no dataset after ':'"),
    ):
        assert main(["compare", *args, "--home", str(home)]) == 2
        err = capsys.readouterr().err
        assert message in err and err.count("\n") == 1


def test_two_datasets_with_no_column_in_common_are_said_unrelated(tmp_path, capsys) -> None:
    """Mroz against Fatalities gave '543 added, 54 removed' and no word that the two
    tables share nothing: a note on stderr says so (the comparison is still written)."""
    home = tmp_path / "home"
    _seq, run_id = store.new_run(home, datasets=["y2024", "y2025"])
    report = _report(run_id)
    report["datasets"] = [
        {"name": "y2024", "columns": [{"name": "amount"}, {"name": "gone"}]},
        {"name": "y2025", "columns": [{"name": "price"}]},
    ]
    (home / "runs" / run_id).mkdir(parents=True)
    (home / "runs" / run_id / "report.json").write_text(json.dumps(report))
    assert main(["compare", "latest:y2024", "latest:y2025", "--home", str(home)]) == 0
    err = capsys.readouterr().err
    assert "note: 'y2024' and 'y2025' share no column" in err
    report["datasets"][1]["columns"].append({"name": "amount"})
    (home / "runs" / run_id / "report.json").write_text(json.dumps(report))
    assert main(["compare", "latest:y2024", "latest:y2025", "--home", str(home)]) == 0
    assert "note:" not in capsys.readouterr().err
