"""The dataset spec: declarations in the user's repo shape roles, layouts, KPIs, bounds."""

from __future__ import annotations

import json
import textwrap

import numpy as np
import pandas as pd
import pytest

from pytest_statharness.cli import main
from pytest_statharness.dataset.spec import SpecError, load_specs


def weather(rows: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    wind = rng.gamma(4.0, 2.5, rows)
    wind[17] = 1048.0
    return pd.DataFrame(
        {
            "station": rng.choice(["EWR", "JFK", "LGA"], rows),
            "day": [f"{1 + i % 28:02d}/{1 + (i // 28) % 12:02d}/2013" for i in range(rows)],
            "flight": rng.integers(1, 60, rows),
            "wind": wind,
            "note": ["ok"] * rows,
        }
    )


SPEC = """
[tool.statharness.datasets.w]
exclude = ["note"]
time_zone = "America/New_York"

[tool.statharness.datasets.w.kpis]
wind = "lower"

[tool.statharness.datasets.w.columns.day]
format = "%d/%m/%Y"

[tool.statharness.datasets.w.columns.flight]
role = "identifier"

[tool.statharness.datasets.w.columns.wind]
unit = "mph"
bounds = [0, 200]
"""


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    weather().to_csv(pytester.path / "w.csv", index=False)
    pytester.makepyprojecttoml(SPEC)
    return pytester


def _report(pytester) -> dict:
    runs = pytester.path / "appdata" / "runs"
    latest = json.loads((runs / "LATEST.json").read_text())["run_id"]
    return json.loads((runs / latest / "report.json").read_text())


@pytest.mark.slow
def test_spec_shapes_roles_layouts_bounds_and_evidence(project) -> None:
    result = project.runpytest(
        "-p", "no:cacheprovider", "--stat-dataset", "w=w.csv", "--snapshot-update",
        "-k", "declared_bounds or profile_timestamp or profile_numeric",
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    report = _report(project)
    dataset = report["datasets"][0]
    columns = {c["name"]: c for c in dataset["columns"]}
    assert dataset["spec"]["hash"].startswith("sha256:")
    assert columns["day"]["kind"] == "timestamp"  # 13/01/2013: day first, as declared
    assert columns["flight"]["role"] == "identifier" and columns["flight"]["confidence"] == 1.0
    assert "declared in the dataset spec" in columns["flight"]["reason"]
    assert columns["note"]["excluded"] is True
    findings = [f for item in report["items"] for f in item["findings"]]
    bounds = next(f for f in findings if f["analysis_id"] == "declared_bounds")
    assert bounds["severity"] == "high" and bounds["evidence"]["example_rows"] == [17]
    assert bounds["measurement"]["values"]["above_high"] == 1
    assert all(f["evidence"]["dataset_spec"] == dataset["spec"]["hash"] for f in findings)
    assert not any("note" in f["evidence"]["columns"] for f in findings)


def test_bad_spec_is_one_line_naming_the_key(pytester: pytest.Pytester) -> None:
    weather().to_csv(pytester.path / "w.csv", index=False)
    pytester.makepyprojecttoml(
        """
        [tool.statharness.datasets.w.columns.wind]
        bounds = [0, "lots"]
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--stat-dataset", "w=w.csv")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "columns.wind.bounds.1" in err and "Traceback" not in err


def test_unknown_column_and_unparsable_layout_are_errors(tmp_path) -> None:
    (tmp_path / "statharness.toml").write_text(
        textwrap.dedent(
            """
            [datasets.w.columns.windd]
            role = "measurement"
            """
        )
    )
    from pytest_statharness.dataset import open_dataset

    weather().to_csv(tmp_path / "w.csv", index=False)
    specs = load_specs(tmp_path)
    with pytest.raises(SpecError, match="windd"):
        open_dataset("w", str(tmp_path / "w.csv"), spec=specs["w"])
    (tmp_path / "statharness.toml").write_text('[datasets.w.columns.day]\nformat = "%Y-%m-%d"\n')
    with pytest.raises(SpecError, match="do not parse with the declared layout"):
        open_dataset("w", str(tmp_path / "w.csv"), spec=load_specs(tmp_path)["w"])


def test_declared_twice_is_an_error(tmp_path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.statharness.datasets.w]\nexclude = ["a"]\n')
    (tmp_path / "statharness.toml").write_text('[datasets.w]\nexclude = ["b"]\n')
    with pytest.raises(SpecError, match="declare it once"):
        load_specs(tmp_path)


def test_infer_writes_a_spec_that_loads_back(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    weather().to_parquet(tmp_path / "w.parquet", index=False)
    assert main(["infer", "w=w.parquet", "--out", "statharness.toml"]) == 0
    spec = load_specs(tmp_path)["w"]
    assert spec.column("station")["role"] == "category"
    assert spec.column("wind")["role"] == "measurement"
    assert main(["infer", "w=w.parquet", "--out", "statharness.toml"]) == 2  # no overwrite
    assert "--force" in capsys.readouterr().err


def test_an_inferred_spec_of_a_table_with_a_derived_date_loads_back(tmp_path, monkeypatch) -> None:
    """A yearly table gets date(year), a weekly one stored as yyyymmdd numbers date(date):
    neither is a column of the file, so the inferred spec names it only in a comment (a
    spec naming it did not load), and the date is derived again under the spec."""
    from pytest_statharness.dataset import open_dataset

    monkeypatch.chdir(tmp_path)
    days = pd.date_range("1975-01-03", periods=60, freq="7D")
    frame = pd.DataFrame(
        {"date": days.strftime("%Y%m%d").astype(int), "rate": np.linspace(0.4, 0.6, 60)}
    )
    frame.to_csv(tmp_path / "p.csv", index=False)
    assert main(["infer", "p=p.csv", "--out", "statharness.toml"]) == 0
    text = (tmp_path / "statharness.toml").read_text()
    assert "# date(date):" in text and '"date(date)"]' not in text
    dataset = open_dataset("p", str(tmp_path / "p.csv"), spec=load_specs(tmp_path)["p"])
    assert "date(date)" in [c.name for c in dataset.columns]


def test_targets_reach_the_analyses_and_a_missing_target_is_an_error(tmp_path) -> None:
    from pytest_statharness.analysis import DatasetView
    from pytest_statharness.dataset import open_dataset

    weather().to_csv(tmp_path / "w.csv", index=False)
    (tmp_path / "statharness.toml").write_text('[datasets.w]\ntargets = ["wind"]\n')
    dataset = open_dataset("w", str(tmp_path / "w.csv"), spec=load_specs(tmp_path)["w"])
    assert DatasetView(dataset).targets == ("wind",)
    (tmp_path / "statharness.toml").write_text('[datasets.w]\ntargets = ["wnd"]\n')
    with pytest.raises(SpecError, match="wnd"):
        open_dataset("w", str(tmp_path / "w.csv"), spec=load_specs(tmp_path)["w"])


def test_a_measure_named_target_is_the_target_unless_the_spec_says_otherwise(
    tmp_path, monkeypatch
) -> None:
    """scikit-learn's frames call their outcome ``target``: taken as the dataset's target
    (recorded in the dataset description and in ``statharness infer``), unless the spec
    declares targets (``targets = []``: none)."""
    from pytest_statharness.dataset import open_dataset

    frame = weather().rename(columns={"wind": "target"})
    frame.to_csv(tmp_path / "w.csv", index=False)
    inferred = open_dataset("w", str(tmp_path / "w.csv"))
    assert inferred.targets == ("target",)
    assert inferred.describe()["targets"]["source"].startswith("inferred from the names")
    monkeypatch.chdir(tmp_path)
    assert main(["infer", "w=w.csv", "--out", "inferred.toml"]) == 0
    assert 'targets = ["target"]' in (tmp_path / "inferred.toml").read_text()
    (tmp_path / "statharness.toml").write_text("[datasets.w]\ntargets = []\n")
    declared = open_dataset("w", str(tmp_path / "w.csv"), spec=load_specs(tmp_path)["w"])
    assert declared.targets == ()
    assert declared.describe()["targets"] == {"columns": [], "source": "spec"}


@pytest.mark.slow
def test_a_spec_naming_no_dataset_of_the_session_is_said(project) -> None:
    """[datasets.w] beside a dataset named 'weather' was not applied, and nothing said so:
    the summary names the spec, its file and the closest dataset name."""
    result = project.runpytest(
        "-p", "no:cacheprovider", "--stat-dataset", "weather=w.csv", "--stat-explore",
        "-k", "profile_numeric",
    )  # fmt: skip
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(
        [
            "dataset spec 'w' (pyproject.toml [[]tool.statharness.datasets[]]) names no dataset "
            "of this session ('weather'): not applied*"
        ]
    )
    matched = project.runpytest(
        "-p", "no:cacheprovider", "--stat-dataset", "w=w.csv", "--stat-explore",
        "-k", "profile_numeric",
    )  # fmt: skip
    assert "names no dataset" not in matched.stdout.str()


@pytest.mark.parametrize("code", ["nan", "inf", "-inf"])
def test_a_missing_code_that_no_file_can_hold_is_refused(tmp_path, code) -> None:
    """NaN equals nothing and infinity is no code a survey writes: such a code would
    declare nothing, silently."""
    (tmp_path / "statharness.toml").write_text(
        f"[datasets.w.columns.wind]\nmissing_codes = [999, {code}]\n"
    )
    with pytest.raises(SpecError, match="columns.wind.missing_codes.*finite"):
        load_specs(tmp_path)


def test_infer_out_in_a_folder_it_cannot_write_names_the_out_path(
    tmp_path, monkeypatch, capsys
) -> None:
    """The atomic write fails on its temp file beside --out: the error names --out."""
    import pytest_statharness.atomic as atomic

    def refuse(path, text):
        raise PermissionError(13, "Permission denied", f"{path.parent}/.s.toml.1.x.tmp")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(atomic, "write_text_atomic", refuse)
    weather().to_parquet(tmp_path / "w.parquet", index=False)
    assert main(["infer", "w=w.parquet", "--out", "s.toml"]) == 2
    err = capsys.readouterr().err
    assert "cannot write s.toml: Permission denied" in err and ".tmp" not in err
