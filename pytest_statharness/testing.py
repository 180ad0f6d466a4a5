"""Helpers for testing analyses (ours and third parties'): run one on an in-memory frame.

The frame is written to a Parquet file and read back through the real dataset layer, so
the analysis sees exactly what it sees in a session: canonical chunks, inferred kinds,
the same evidence. Use small ``chunk_rows`` to exercise the merge path on small data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from .analysis import Analysis
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
) -> RunResult | None:
    """Run ``analysis`` on a pandas DataFrame; None when the analysis does not apply.

    ``kpis``: declared KPIs, column -> "lower" or "higher" (as a dataset spec declares them).
    ``settings``: the analysis's settings, name -> text (as ``--stat-set`` gives them);
    the environment variables the analysis declares count as in a session.
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
) -> RunResult | None:
    dataset = open_dataset(name, str(file), chunk_rows=chunk_rows)
    dataset.kpis = dict(kpis or {})
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
