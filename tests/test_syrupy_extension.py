"""Users snapshot findings in their own tests with syrupy's ``snapshot`` fixture and
FindingsExtension (docs/user-guide.md): the file is the one the harness's items write."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

USER_TEST = """
from pytest_statharness.registry import Registry
from pytest_statharness.snapshot_extension import FindingsExtension
from pytest_statharness.testing import run_on_file


def test_profile_findings(snapshot):
    analysis = Registry.builtin().get("profile_numeric")
    result = run_on_file(analysis, "data/sales.parquet", name="sales")
    assert result.findings == snapshot(extension_class=FindingsExtension)
"""


def test_findings_extension_records_and_checks(pytester, parquet_path, frame) -> None:
    pytester.makepyfile(test_user=USER_TEST)
    recorded = pytester.runpytest("-p", "no:randomly", "--snapshot-update", "test_user.py")
    assert recorded.ret == 0, recorded.stdout.str()
    files = list((pytester.path / "__snapshots__").rglob("*.json"))
    assert len(files) == 1
    # the same bytes the harness's own item stores for this analysis and dataset
    session = pytester.runpytest(
        "--stat-dataset",
        "sales=data/sales.parquet",
        "--stat-providers",
        "profile",
        "--snapshot-update",
        "-k",
        "profile_numeric",
        "-p",
        "no:randomly",
    )
    assert session.ret == 0, session.stdout.str()
    item_snapshot = pytester.path / "snapshots" / "sales" / "profile_numeric.json"
    assert files[0].read_text() == item_snapshot.read_text()

    assert pytester.runpytest("-p", "no:randomly", "test_user.py").ret == 0
    changed = frame.copy()
    changed.loc[3, "amount"] = 1e9
    changed.to_parquet(parquet_path, index=False)
    failed = pytester.runpytest("-p", "no:randomly", "test_user.py")
    assert failed.ret == 1
    assert "1000000000.0" in failed.stdout.str()  # syrupy's diff shows the changed value
