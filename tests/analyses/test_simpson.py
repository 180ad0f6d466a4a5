"""Simpson's paradox: values checked against numpy, chunk-size invariance, no false alarm."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from statharness_analyses.relationships.simpsons_paradox import SimpsonsParadox

from pytest_statharness.testing import run_on_frame


def paradox_frame(rows_per_group: int = 200, seed: int = 3, reverse: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    parts = []
    for k, name in enumerate(["a", "b", "c"]):
        x = rng.normal(10.0 * k, 1.0, rows_per_group)
        # within a group y rises with x; the groups' centres fall (pooled r < 0)
        y = (x - 10.0 * k) * (0.8 if reverse else -0.8) - 12.0 * k + rng.normal(0, 0.5, x.size)
        parts.append(pd.DataFrame({"x": x, "y": y, "group": name}))
    return pd.concat(parts, ignore_index=True)


def test_reversal_is_reported_with_numpy_values() -> None:
    frame = paradox_frame()
    findings = run_on_frame(SimpsonsParadox(), frame).findings
    assert len(findings) == 1
    f = findings[0]
    assert f["severity"] == "medium" and f["subject"]["group_column"] == "group"
    values = f["measurement"]["values"]
    assert values["pooled_r"] == pytest.approx(np.corrcoef(frame.x, frame.y)[0, 1], rel=1e-9)
    for name, part in frame.groupby("group"):
        assert values[f"r[{name}]"] == pytest.approx(np.corrcoef(part.x, part.y)[0, 1], rel=1e-9)
        assert values[f"r[{name}]"] > 0 > values["pooled_r"]


def test_chunk_size_does_not_change_findings() -> None:
    frame = paradox_frame()
    whole = run_on_frame(SimpsonsParadox(), frame).findings
    split = run_on_frame(SimpsonsParadox(), frame, chunk_rows=37).findings
    assert [f["measurement"] for f in split] == [f["measurement"] for f in whole]


def test_same_sign_within_groups_is_no_paradox() -> None:
    frame = paradox_frame(reverse=False)  # negative within and pooled
    assert run_on_frame(SimpsonsParadox(), frame).findings == []
