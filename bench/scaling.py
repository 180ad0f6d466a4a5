"""Scaling benchmark: per-analysis peak RSS and wall time as rows grow, the whole gauntlet
with ``-n 2``, and ``duplicate_rows`` against DuckDB's exact duplicate count.

Usage (from the repository root; data is generated under ``--scratch``, never committed)::

    python bench/scaling.py                                  # 2M and 8M rows, both tables
    python bench/scaling.py --rows 2000000,8000000,20000000 --tables events
    python bench/scaling.py --analyses duplicate_rows,duplicate_keys --skip-gauntlet

Tables: ``events`` is the 13-column benchmark event log of ``fixtures/generator.py``
(seed 0, nothing planted); ``mixed19`` is the same log with six more columns (int32, float32,
date, a 1,000-level category, a per-row decimal-looking string, a boolean with nulls) and 1%
of its rows replaced by copies of the row before them (exact duplicates to find).

Each analysis runs as its own ``python -m pytest -p statharness -k <id>`` session with
``-n 0`` on a warm columnar cache (an untimed ``-k profile_numeric`` session builds it), so
its peak RSS is one process's VmHWM (polled; see ``run_bench.run_measured``) and its wall
time includes interpreter start and collection. The gauntlet is every analysis in one
``-n 2`` session (warm), reporting wall time and the largest single process. DuckDB runs in
its own process: ``SELECT count(*) - count(DISTINCT all columns)`` over the Parquet file.
Growth is the peak RSS at the largest row count over the smallest, per analysis.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(REPO))

from run_bench import _gauntlet, ensure_data, run_measured  # noqa: E402

MIXED_DUPLICATE_SHARE = 0.01
#: ``--stat-cap NAME=N`` given to every session (``--cap``), e.g. memory_mb=64
CAPS: list[str] = []


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
def ensure_mixed(out: Path, rows: int) -> Path:
    """The 19-column mixed table: the event log plus six typed columns, 1% duplicate rows
    (row i+1 overwritten by row i inside a generation batch), deterministic."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from fixtures.generator import iter_event_log

    path = out / f"mixed19_{rows}.parquet"
    stamp = path.with_name(path.name + ".json")
    if path.exists() and stamp.exists():
        return path
    print(f"generating {path.name} ...", file=sys.stderr, flush=True)
    start = time.perf_counter()
    writer = None
    planted = 0
    for b, batch in enumerate(iter_event_log(rows, seed=0, block_cases=2000)):
        rng = np.random.default_rng([19, b])
        n = batch.num_rows
        table = pa.Table.from_batches([batch])
        extra = {
            "quantity": pa.array(rng.integers(0, 500, n).astype(np.int32)),
            "weight": pa.array(rng.gamma(2.0, 3.0, n).astype(np.float32)),
            "ship_date": pc.cast(
                pa.array(rng.integers(19700, 20100, n).astype(np.int32)), pa.date32()
            ),
            "segment": pa.array([f"S{v:04d}" for v in rng.integers(0, 1000, n)]),
            "ref": pa.array([f"{v:.2f}" for v in rng.random(n) * 1e6]),
            "checked": pa.array(
                np.where(rng.random(n) < 0.5, True, False).tolist(),
                mask=rng.random(n) < 0.02,
            ),
        }
        for name, col in extra.items():
            table = table.append_column(name, col)
        dup = np.flatnonzero(rng.random(n - 1) < MIXED_DUPLICATE_SHARE) + 1
        take = np.arange(n)
        take[dup] = dup - 1
        planted += int(dup.size)
        table = table.take(pa.array(take))
        if writer is None:
            writer = pq.ParquetWriter(path, table.schema, compression="zstd")
        writer.write_table(table, row_group_size=250_000)
    if writer is not None:
        writer.close()
    secs = time.perf_counter() - start
    stamp.write_text(json.dumps({"rows": rows, "planted_copies": planted, "seconds": secs}))
    print(f"  {rows:,} rows, {path.stat().st_size / 2**20:.0f} MB, {secs:.1f} s", file=sys.stderr)
    return path


# ---------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------
def _session(file: Path, base: Path, home: Path, select: str, workers: str = "0") -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "statharness",
        "--stat-dataset",
        f"t={file}",
        "-m",
        "statharness",
        "-k",
        select,
        "--snapshot-update",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--stat-home",
        str(home),
        "--stat-snapshot-dir",
        str(base / "snapshots"),
        "-n",
        workers,
        *[arg for cap in CAPS for arg in ("--stat-cap", cap)],
        "-q",
        "-c",
        str(base / "pytest.ini"),
        "--rootdir",
        str(base),
    ]


def _outcome(stdout: str) -> str:
    for line in reversed(stdout.strip().splitlines()):
        if " in " in line and any(w in line for w in ("passed", "failed", "error", "skipped")):
            return line.strip("= ").split(" in ")[0]
    return "?"


def _telemetry(home: Path, aid: str) -> dict:
    """The item's own telemetry from the newest report.json (in-process wall time and
    passes; the session's wall also counts interpreter start and collection), and for
    duplicate_rows the duplicate count."""
    for report in sorted((home / "runs").glob("*/report.json"), reverse=True):
        data = json.loads(report.read_text())
        for item in data.get("items", []):
            if item.get("analysis_id") != aid:
                continue
            out = dict(item.get("telemetry") or {})
            for finding in item.get("findings", []) or []:
                if aid == "duplicate_rows":
                    out["duplicates"] = finding["measurement"]["values"]["duplicate_rows"]
            return out
    return {}


def duckdb_duplicates(file: Path) -> dict:
    code = (
        "import duckdb, json, time\n"
        "con = duckdb.connect()\n"
        "con.execute('SET enable_progress_bar = false')\n"
        "t = time.perf_counter()\n"
        f"src = \"read_parquet('{file}')\"\n"
        "n = con.execute(f'SELECT count(*) FROM {src}').fetchone()[0]\n"
        "d = con.execute(f'SELECT count(*) FROM (SELECT DISTINCT * FROM {src})').fetchone()[0]\n"
        "print(json.dumps({'duplicates': n - d, 'seconds': time.perf_counter() - t}))\n"
    )
    rc, out, err, wall, cpu, top, *_ = run_measured(
        [sys.executable, "-c", code], cwd=REPO, poll=True
    )
    if rc:
        return {"error": (err.strip().splitlines() or ["?"])[-1][:120]}
    line = next(x for x in reversed(out.strip().splitlines()) if x.startswith("{"))
    return {**json.loads(line), "wall": wall, "rss": top}


def analysis_ids() -> list[str]:
    from pytest_statharness.registry import Registry

    return [a.id for a in Registry.builtin() if not a.compares]


def bench_table(
    table: str, file: Path, rows: int, ids: list[str], args, scratch: Path, done: list[dict]
):
    """Measure one table at one row count; ``done`` (earlier rows) is saved with every new
    row to ``--json``, so a long run interrupted keeps what it measured."""
    base = Path(tempfile.mkdtemp(prefix=f"scaling-{table}-{rows}-", dir=scratch))
    (base / "pytest.ini").write_text("[pytest]\n")
    home = base / "home"
    env = dict(os.environ)
    run_measured(_session(file, base, home, "profile_numeric"), cwd=base, env=env)  # warm
    out = []
    for aid in ids:
        print(f"  [{table} {rows:,}] {aid}", file=sys.stderr, flush=True)
        rc, stdout, _err, wall, _cpu, top, *_ = run_measured(
            _session(file, base, home, aid), cwd=base, env=env, poll=True
        )
        label = aid + "".join(f" [{cap}]" for cap in CAPS)
        row = {"table": table, "rows": rows, "what": label, "wall": wall, "rss": top}
        tel = _telemetry(home, aid)
        row["item_s"] = tel.get("wall_s")
        row["note"] = (
            _outcome(stdout)
            + (f"; passes {tel['passes']}" if "passes" in tel else "")
            + (f"; exit {rc}" if rc else "")
        )
        if "duplicates" in tel:
            row["ours"] = tel["duplicates"]
        out.append(row)
        if args.json:
            Path(args.json).write_text(json.dumps(done + out, indent=1))
    if "duplicate_rows" in ids and not args.skip_duckdb:
        print(f"  [{table} {rows:,}] duckdb", file=sys.stderr, flush=True)
        duck = duckdb_duplicates(file)
        out.append(
            {
                "table": table,
                "rows": rows,
                "what": "duckdb exact duplicates",
                "wall": duck.get("wall"),
                "item_s": duck.get("seconds"),
                "rss": duck.get("rss"),
                "note": duck.get("error") or f"duplicates {duck['duplicates']}",
            }
        )
    if not args.skip_gauntlet:
        print(f"  [{table} {rows:,}] gauntlet -n 2", file=sys.stderr, flush=True)
        rc, stdout, _err, wall, _cpu, top, tree, _anon = _gauntlet(file, base, home, "2", env)
        out.append(
            {
                "table": table,
                "rows": rows,
                "what": "gauntlet -n 2 (warm)",
                "wall": wall,
                "rss": top,
                "note": f"{_outcome(stdout)}; tree peak {tree:.0f} MB"
                + (f"; exit {rc}" if rc else ""),
            }
        )
    shutil.rmtree(base, ignore_errors=True)
    return out


def render(rows: list[dict]) -> str:
    lines = [
        "| table | rows | what | process wall s | in-process s | peak RSS MB | note |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        note = r.get("note", "")
        if r.get("ours") is not None:
            note += f"; duplicate_rows {r['ours']}"
        wall = f"{r['wall']:.1f}" if r.get("wall") is not None else "-"
        rss = f"{r['rss']:.0f}" if r.get("rss") else "-"
        item = f"{r['item_s']:.1f}" if r.get("item_s") is not None else "-"
        lines.append(
            f"| {r['table']} | {r['rows']:,} | {r['what']} | {wall} | {item} | {rss} | {note} |"
        )
    return "\n".join(lines)


def growth(rows: list[dict]) -> str:
    """Peak RSS and wall time at the largest row count over the smallest, per analysis."""
    lines = ["| table | what | rows | RSS growth | wall growth |", "|---|---|---|---:|---:|"]
    keys = sorted({(r["table"], r["what"]) for r in rows})
    for table, what in keys:
        runs = sorted(
            (r for r in rows if (r["table"], r["what"]) == (table, what)), key=lambda r: r["rows"]
        )
        if len(runs) < 2 or not runs[0].get("rss") or not runs[0].get("wall"):
            continue
        lo, hi = runs[0], runs[-1]
        lines.append(
            f"| {table} | {what} | {lo['rows']:,} -> {hi['rows']:,} "
            f"| {100 * (hi['rss'] / lo['rss'] - 1):+.0f}% | {hi['wall'] / lo['wall']:.2f}x |"
        )
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", default="2000000,8000000")
    p.add_argument("--tables", default="events,mixed19")
    p.add_argument("--analyses", default="all", help="comma-separated ids, or all")
    p.add_argument("--scratch", default=None, help="where data and homes go (default: a temp dir)")
    p.add_argument("--skip-gauntlet", action="store_true")
    p.add_argument("--skip-duckdb", action="store_true")
    p.add_argument("--json", default=None, help="also write the rows as JSON here")
    p.add_argument(
        "--cap", action="append", default=[], help="NAME=N: --stat-cap for every session"
    )
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    CAPS[:] = args.cap
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="statharness-scaling-"))
    scratch.mkdir(parents=True, exist_ok=True)
    ids = analysis_ids() if args.analyses == "all" else args.analyses.split(",")
    table_rows: list[dict] = []
    for rows in [int(r) for r in args.rows.split(",")]:
        for table in args.tables.split(","):
            file = (
                ensure_data(scratch, rows, "parquet")
                if table == "events"
                else ensure_mixed(scratch, rows)
            )
            table_rows += bench_table(table, file, rows, ids, args, scratch, table_rows)
            if args.json:
                Path(args.json).write_text(json.dumps(table_rows, indent=1))
            print(render(table_rows), file=sys.stderr, flush=True)
    print(render(table_rows))
    print()
    print(growth(table_rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
