"""Helpers for testing analyses (ours and third parties'): run one on an in-memory frame.

The frame is written to a Parquet file and read back through the real dataset layer, so
the analysis sees exactly what it sees in a session: canonical chunks, inferred kinds,
the same evidence. Use small ``chunk_rows`` to exercise the merge path on small data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .analysis import Analysis, MemoryModel
from .dataset import open_dataset
from .engine import RunResult, plan_for, run_analysis
from .policy.budget import decide_budget


def analysis_settings(analysis: Analysis, given: dict[str, str] | None = None) -> dict:
    """The values of ``analysis``'s declared settings as a session would resolve them from
    ``given`` (the command line) and the environment."""
    import os

    from .settings import ENV_PREFIX, RunSettings, resolve_analysis_settings

    run = RunSettings(
        cli_settings=tuple(sorted((given or {}).items())),
        environment=tuple(
            sorted((k, v) for k, v in os.environ.items() if k.startswith(ENV_PREFIX))
        ),
    )
    try:
        return resolve_analysis_settings(run, analysis.settings)
    except Exception as exc:  # pytest.UsageError: a plain error outside a session
        raise ValueError(str(exc)) from None


def run_on_frame(
    analysis: Analysis,
    frame,
    *,
    chunk_rows: int = 65536,
    batch_size: int | None = None,
    overrides: dict | None = None,
    name: str = "frame",
    path: Path | None = None,
    kpis: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    targets: tuple[str, ...] | None = None,
) -> RunResult | None:
    """Run ``analysis`` on a pandas DataFrame; None when the analysis does not apply.

    ``kpis``: declared KPIs, column -> "lower" or "higher" (as a dataset spec declares them).
    ``settings``: the analysis's settings, name -> text (as ``--stat-set`` gives them);
    the environment variables the analysis declares count as in a session. ``targets``:
    declared outcome columns (a dataset spec's ``targets``); None: as in a session without
    a spec (measures named like an outcome: ``roles.outcome_by_name``).
    """
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(path) if path is not None else Path(tmp) / f"{name}.parquet"
        if path is None:
            frame.to_parquet(file, index=False)
        return run_on_file(
            analysis,
            file,
            chunk_rows=chunk_rows,
            batch_size=batch_size,
            overrides=overrides,
            name=name,
            kpis=kpis,
            settings=settings,
            targets=targets,
        )


def run_on_file(
    analysis: Analysis,
    file: Path | str,
    *,
    chunk_rows: int = 65536,
    batch_size: int | None = None,
    overrides: dict | None = None,
    name: str = "frame",
    kpis: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    targets: tuple[str, ...] | None = None,
) -> RunResult | None:
    dataset = open_dataset(name, str(file), chunk_rows=chunk_rows)
    dataset.kpis = dict(kpis or {})
    if targets is not None:
        dataset.targets = tuple(targets)
        dataset.targets_declared = True
        dataset.presumed_outcome = None  # declared: nothing is presumed
    dataset.analysis_settings = analysis_settings(analysis, settings)
    decision = decide_budget(
        row_count=dataset.row_count,
        column_count=len(dataset.columns),
        analysis_id=analysis.id,
        batch_size=batch_size,
        overrides=overrides,
    )
    plan = plan_for(analysis, dataset, decision.budget)
    if plan is None:
        return None
    return run_analysis(analysis, dataset, decision.budget, plan)


# -- the conformance suite, for any analysis package ---------------------------------------
def conformance_frame(rows: int = 600, seed: int = 3):
    """A small frame with a column of every common kind (ids, categories, an event log's
    case/activity/resource/time, skewed and bounded numbers, a flag, free text, nulls)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    cases = np.repeat(np.arange(rows // 6), 6)[:rows]
    steps = np.tile(np.arange(6), rows // 6 + 1)[:rows]
    frame = pd.DataFrame(
        {
            "row_id": np.arange(rows, dtype=np.int64) * 3 + 1000,
            "case": [f"C{c:05d}" for c in cases],
            "activity": np.array(["Receive", "Check", "Pick", "Pack", "Ship", "Invoice"])[steps],
            "resource": rng.choice([f"R{i:02d}" for i in range(8)], rows),
            "when": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(
                cases * 3600 * 7 + steps * 600 + rng.integers(0, 500, rows), unit="s"
            ),
            "amount": rng.lognormal(3, 1.5, rows),
            "duration_s": rng.gamma(2.0, 30.0, rows),
            "qty": rng.integers(1, 9, rows),
            "flag": rng.random(rows) < 0.3,
            "note": [
                " ".join(rng.choice(["late", "box", "red", "ok", "fast", "call"], 6)) + f" {i}"
                for i in range(rows)
            ],
        }
    )
    frame.loc[frame.index % 13 == 0, "amount"] = np.nan
    frame.loc[frame.index % 29 == 0, "resource"] = None
    return frame


def _all_null(frame):
    import numpy as np
    import pandas as pd

    empty = frame.copy()
    for column in empty.columns:
        if empty[column].dtype.kind in "fiub":
            empty[column] = pd.Series([np.nan] * len(empty), dtype="float64")
        elif empty[column].dtype.kind == "M":
            empty[column] = pd.Series([pd.NaT] * len(empty), dtype=empty[column].dtype)
        else:
            empty[column] = pd.Series([None] * len(empty), dtype="object")
    return empty


def conformance_suite(analyses, frame=None, *, chunk_rows=(7, 64)):
    """A pytest test class that checks every analysis of ``analyses`` against the contract
    (the suite the built-in analyses pass). In a third-party package's tests, one line::

        from pytest_statharness.testing import conformance_suite
        TestConformance = conformance_suite([MyAnalysis()])

    Checks, per analysis: metadata complete; split-then-merge equals whole (chunks of
    ``chunk_rows`` rows give the same findings, byte for byte, as one chunk); ``merge``
    leaves its second argument untouched and the state wire format round-trips; a rerun
    gives the same bytes; all-null input gives well-formed findings (or no item). ``frame``:
    a pandas DataFrame the analyses apply to (default :func:`conformance_frame`); an
    analysis that does not apply to it is skipped with a reason.
    """
    import pickle

    import pytest

    from .analysis import AnalysisContext, DatasetView
    from .canonical_json import dumps
    from .evidence import canonical_findings

    analyses = [a for a in analyses if not a.compares]
    data = conformance_frame() if frame is None else frame

    results: dict = {}  # one whole-frame run per analysis, shared by its tests

    class TestAnalysisConformance:
        @pytest.fixture(params=analyses, ids=[a.id for a in analyses])
        def analysis(self, request):
            return request.param

        @pytest.fixture
        def whole(self, analysis):
            if analysis.id not in results:
                results[analysis.id] = run_on_frame(analysis, data)
            result = results[analysis.id]
            if result is None:
                pytest.skip(f"{analysis.id} does not apply to the conformance frame")
            return result

        def test_metadata_is_complete(self, analysis):
            for attr in ("id", "family", "title", "method", "reference", "access"):
                assert str(getattr(analysis, attr, "")).strip(), f"{analysis.id}: no {attr}"
            assert analysis.passes >= 1
            assert isinstance(analysis.memory_model, MemoryModel), (
                f"{analysis.id}: declare memory_model (a MemoryModel: constant, per distinct "
                "value up to a cap, or partitioned)"
            )
            assert analysis.exact or analysis.error_bound, "an estimate states its error bound"

        def test_split_then_merge_equals_whole(self, analysis, whole):
            expected = canonical_findings(whole.findings)
            for rows in chunk_rows:
                split = run_on_frame(analysis, data, chunk_rows=rows)
                assert canonical_findings(split.findings) == expected, f"chunks of {rows} rows"

        def test_rerun_gives_the_same_bytes(self, analysis, whole):
            again = run_on_frame(analysis, data)
            assert canonical_findings(again.findings) == canonical_findings(whole.findings)

        def test_merge_leaves_its_argument_untouched_and_state_round_trips(
            self, analysis, whole, tmp_path
        ):
            path = tmp_path / "frame.parquet"
            data.to_parquet(path, index=False)
            dataset = open_dataset("frame", str(path), chunk_rows=max(2, len(data) // 4))
            budget = decide_budget(
                row_count=dataset.row_count,
                column_count=len(dataset.columns),
                analysis_id=analysis.id,
            ).budget
            plan = plan_for(analysis, dataset, budget)
            ctx = AnalysisContext(analysis, DatasetView(dataset), budget, plan)
            chunks = list(
                dataset.iter_chunks(
                    list(analysis.columns_for_pass(ctx)), raw_codes=analysis.reads_missing_codes
                )
            )
            a = analysis.update(analysis.init(ctx), chunks[0], ctx)
            b = analysis.update(analysis.init(ctx), chunks[1], ctx)
            before = pickle.dumps(b)
            merged = analysis.merge(a, b, ctx)
            assert pickle.dumps(b) == before, "merge modified its second argument"
            once = analysis.serialize_state(merged)
            twice = analysis.serialize_state(analysis.deserialize_state(once))
            assert analysis.serialize_state(analysis.deserialize_state(twice)) == twice

        def test_all_null_input_is_handled(self, analysis):
            result = run_on_frame(analysis, _all_null(data))
            if result is not None:
                assert dumps(result.findings)  # serialisable; validated by the engine

    return TestAnalysisConformance
