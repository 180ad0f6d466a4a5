"""Benchmark: the whole gauntlet on the benchmark event log, local engine with ``-n 2`` vs
the Dask engine with 2 workers (``--stat-engine dask``, a local cluster of 2
single-threaded worker processes started by the session). Prints one table.

Usage (from the repository root; needs the ``dask`` extra)::

    python bench/dask_engine.py                       # 2,000,000 rows
    python bench/dask_engine.py --rows 2000000 8000000

For each size: the log is generated once (Parquet, ``fixtures/generator.py``, seed 0, the
file run_bench.py uses), the columnar cache is warmed by an untimed session, then

1. ``local -n 2``: the gauntlet with the local engine over 2 xdist workers, writing
   snapshots (``--snapshot-update``);
2. ``dask, 2 workers``: the same gauntlet with ``--stat-engine dask`` and no
   ``--snapshot-update``: every item must match the snapshot the local engine wrote — the
   byte-identity check at benchmark scale (the table's ``snapshots`` column).

Wall time is the whole pytest process (start, collection, cluster start, report); the
largest process RSS is the highest VmHWM of any process of the session's tree (pytest,
its xdist workers or its Dask scheduler and workers), polled every 0.1 s; the tree column
sums RSS over the tree at its peak (memory-mapped cache pages counted in every process
that touched them). Measurement helpers are run_bench.py's.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run_bench import _summary, ensure_data, run_measured  # noqa: E402


def _session(file: Path, base: Path, home: Path, snapshots: Path, *extra: str):
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "statharness",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        "--stat-dataset",
        f"events={file}",
        "-m",
        "statharness",
        "--stat-home",
        str(home),
        "--stat-snapshot-dir",
        str(snapshots),
        "-q",
        "-c",
        str(base / "pytest.ini"),
        "--rootdir",
        str(base),
        *extra,
    ]
    env = dict(os.environ)
    env["STAT_HARNESS_MAX_WORKERS_ANALYSIS"] = "2"  # sizes the session's local cluster
    return run_measured(cmd, cwd=base, env=env, poll=True)


def _snapshot_line(stdout: str) -> str:
    for line in stdout.splitlines():
        if line.startswith("snapshots:"):
            return line.removeprefix("snapshots:").strip()
    return "?"


def bench(rows: int, data: Path, scratch: Path) -> list[dict]:
    file = ensure_data(data, rows, "parquet")
    base = Path(tempfile.mkdtemp(prefix="dask-bench-", dir=scratch))
    (base / "pytest.ini").write_text("[pytest]\n")
    home, snapshots = base / "home", base / "snapshots"
    print(f"[{rows:,}] warming the cache (untimed)", file=sys.stderr, flush=True)
    _session(file, base, home, snapshots, "-k", "profile_numeric", "--snapshot-update")
    out = []
    runs = [
        ("local, -n 2", ("-n", "2", "--snapshot-update")),
        ("dask, 2 workers", ("--stat-engine", "dask")),
    ]
    for label, extra in runs:
        print(f"[{rows:,}] gauntlet {label}", file=sys.stderr, flush=True)
        code, stdout, stderr, wall, cpu, top, tree, _anon = _session(
            file, base, home, snapshots, *extra
        )
        if code != 0:
            print(stdout[-3000:], stderr[-3000:], file=sys.stderr)
        out.append(
            {
                "rows": rows,
                "run": label,
                "wall": wall,
                "cpu": cpu,
                "top": top,
                "tree": tree,
                "result": _summary(stdout) or f"exit {code}",
                "snapshots": _snapshot_line(stdout),
            }
        )
    shutil.rmtree(base, ignore_errors=True)
    return out


def render(table: list[dict]) -> str:
    lines = [
        "| rows | engine | wall s | CPU s (tree) | largest process RSS MB | tree RSS MB "
        "| items | snapshots |",
        "|---:|---|---:|---:|---:|---:|---|---|",
    ]
    for r in table:
        lines.append(
            f"| {r['rows']:,} | {r['run']} | {r['wall']:.1f} | {r['cpu']:.1f} | {r['top']:.0f} "
            f"| {r['tree']:.0f} | {r['result']} | {r['snapshots']} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[2_000_000])
    parser.add_argument("--data", type=Path, default=HERE / "out" / "data")
    args = parser.parse_args(argv)
    args.data.mkdir(parents=True, exist_ok=True)
    scratch = args.data.parent
    table = []
    for rows in args.rows:
        table += bench(rows, args.data, scratch)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"gauntlet: local engine -n 2 vs Dask engine, 2 workers ({cpus} CPUs visible)")
    print(render(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
