"""Wide tables: a finding cites a bounded list of the columns its item left out.

Every finding of an item cites the plan's ``left_out``; on a 10,000-column table that was
a 9,800-name list in each of 200 findings (134 MB of snapshots). Lists past
``LEFT_OUT_SHOWN`` keep their first names and gain a count.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from pytest_statharness.analysis import LEFT_OUT_SHOWN, summarise_left_out


def test_short_lists_are_cited_whole_and_long_ones_counted() -> None:
    short = {"columns": ["a", "b"], "cap": "max_columns", "by_role": {"id": "identifier"}}
    assert summarise_left_out(short) == short
    names = [f"c{i}" for i in range(500)]
    roles = {n: "identifier" for n in names}
    out = summarise_left_out({"columns": names, "cap": "max_columns", "by_role": roles})
    assert out["columns"] == names[:LEFT_OUT_SHOWN] and out["columns_count"] == 500
    assert list(out["by_role"]) == names[:LEFT_OUT_SHOWN] and out["by_role_count"] == 500
    assert out["cap"] == "max_columns"


def test_a_wide_tables_snapshots_stay_small(pytester) -> None:
    rng = np.random.default_rng(3)
    frame = pd.DataFrame({f"c{i:04d}": rng.normal(size=20) for i in range(300)})
    (pytester.path / "data").mkdir()
    frame.to_parquet(pytester.path / "data" / "wide.parquet", index=False)
    result = pytester.runpytest(
        "--stat-dataset",
        "wide=data/wide.parquet",
        "--stat-cap",
        "max_columns=10",
        "-k",
        "profile_numeric",
        "--snapshot-update",
        "-p",
        "no:randomly",
    )
    assert result.ret == 0, result.stdout.str()
    snapshot = pytester.path / "snapshots" / "wide" / "profile_numeric.json"
    findings = json.loads(snapshot.read_text())
    findings = findings if isinstance(findings, list) else findings["findings"]
    assert len(findings) == 10
    for finding in findings:
        left_out = finding["evidence"]["left_out"]
        assert left_out["columns_count"] == 290
        assert len(left_out["columns"]) == LEFT_OUT_SHOWN
    assert snapshot.stat().st_size < 40_000
