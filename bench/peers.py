"""Benchmark: three comparisons with a peer tool measured in the same run (issue 12 item 5).

1. ``csv-cold``: ``pytest -p statharness -q -m statharness -k profile --stat-dataset
   events=<csv>`` with a fresh ``--stat-home`` (no metadata, no columnar cache: the CSV is
   parsed, the cache entry written and the three profile analyses run) against
   ``pl.read_csv(path).describe()``; and the same session again on the warm home.
2. ``profile``: the ``profile_numeric`` pass in-process from the warm columnar cache of the
   Parquet file (``run_bench.py``'s ``ours-cache`` child: the pass only, the open is not
   timed) against DuckDB's exact profile of the same columns (``duckdb-exact``: count, min,
   max, avg, stddev_samp and exact ``quantile_cont`` p01..p99 in one query).
3. ``gauntlet``: the default gauntlet, ``-n 2``, on the warm home of the Parquet file
   (one untimed session first builds the metadata and the cache) against polars' exact
   profile of the same file, ``pl.read_parquet(path).describe(percentiles=...,
   interpolation="linear")``.

Sessions run in their temp folder, as in a user's project (run from this repository,
pytest would also collect its test suite). Runs alternate ours / peer (A B A B ...) ``--repeat`` times; the table gives the median of
each side, the ratio of the medians (ours / peer) and the peak RSS. Times of ``csv-cold``
and ``gauntlet`` are whole processes (interpreter start, imports, collection included, for
both sides); ``profile`` times are the work only, measured inside each child. Peak RSS is
the largest single process (polled VmHWM, see ``run_bench.run_measured``); for ``-n 2``
sessions the peak of the process tree's summed RSS is in the notes.

Usage (from the repository root; data files are generated once into ``--out``)::

    python bench/peers.py --rows 2000000 --repeat 3
    python bench/peers.py --rows 2000000,8000000 --sections profile
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import run_bench  # noqa: E402

REPO = run_bench.REPO
SECTIONS = ("csv-cold", "profile", "gauntlet")
POLARS_CSV = "import polars as pl, sys; pl.read_csv(sys.argv[1]).describe()"
POLARS_PARQUET = (
    "import polars as pl, sys; pl.read_parquet(sys.argv[1]).describe("
    f"percentiles={run_bench.PERCENTILES}, interpolation='linear')"
)


def _process(cmd: list[str], cwd: Path = REPO) -> dict:
    """One whole process: wall s, largest process' peak RSS MB, tree peak RSS MB."""
    code, stdout, stderr, wall, cpu, top, tree, _anon = run_bench.run_measured(
        cmd, cwd=cwd, poll=True
    )
    if code not in (0, 1):  # 1: some items failed (a finding test), still timed
        tail = (stderr.strip() or stdout.strip()).splitlines()[-3:]
        raise SystemExit(f"peers: {' '.join(cmd[:4])} ... exit {code}: {' | '.join(tail)}")
    return {"wall": wall, "cpu": cpu, "rss": top, "tree": tree, "stdout": stdout}


def _session(file: Path, home: Path, tmp: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "statharness",
        "-q",
        "-m",
        "statharness",
        f"--stat-dataset=events={file}",
        f"--stat-home={home}",
        f"--stat-snapshot-dir={tmp / 'snapshots'}",
        "--snapshot-update",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:randomly",
        f"--rootdir={tmp}",
        *extra,
    ]


def _alternate(ours, peer, repeat: int, log) -> tuple[list[dict], list[dict]]:
    a, b = [], []
    for i in range(repeat):
        a.append(ours())
        log(f"    ours {i + 1}: {a[-1]['wall']:.2f} s, {a[-1]['rss']:.0f} MB")
        b.append(peer())
        log(f"    peer {i + 1}: {b[-1]['wall']:.2f} s, {b[-1]['rss']:.0f} MB")
    return a, b


def _row(section: str, rows: int, what: str, peer: str, a: list[dict], b: list[dict], note=""):
    med_a = statistics.median(r["wall"] for r in a)
    med_b = statistics.median(r["wall"] for r in b) if b else None
    return {
        "section": section,
        "rows": rows,
        "what": what,
        "ours_s": med_a,
        "ours_runs": [round(r["wall"], 2) for r in a],
        "ours_rss": max(r["rss"] for r in a),
        "peer": peer,
        "peer_s": med_b,
        "peer_runs": [round(r["wall"], 2) for r in b],
        "peer_rss": max(r["rss"] for r in b) if b else None,
        "ratio": med_a / med_b if b else None,
        "note": note,
    }


def csv_cold(rows: int, out: Path, scratch: Path, repeat: int, log) -> list[dict]:
    file = run_bench.ensure_data(out, rows, "csv").resolve()
    tmp = Path(tempfile.mkdtemp(prefix="csv-", dir=scratch))
    homes = iter(range(10_000))

    def ours_cold():
        home = tmp / f"home-{next(homes)}"  # fresh: no metadata, no cache
        result = _process(_session(file, home, tmp, "-k", "profile", "-n", "0"), tmp)
        shutil.rmtree(home, ignore_errors=True)
        return result

    def polars():
        return _process([sys.executable, "-c", POLARS_CSV, str(file)])

    log(f"  csv-cold, {rows:,} rows ({file.stat().st_size / 2**20:.0f} MB CSV)")
    a, b = _alternate(ours_cold, polars, repeat, log)
    table = [_row("csv-cold", rows, "`-k profile`, cold home", "polars read_csv.describe", a, b)]
    warm_home = tmp / "warm"
    warm_session = _session(file, warm_home, tmp, "-k", "profile", "-n", "0")
    _process(warm_session, tmp)  # builds the home
    warm = [_process(warm_session, tmp) for _ in range(repeat)]
    log(f"    warm: {[round(r['wall'], 2) for r in warm]}")
    table.append(
        _row("csv-cold", rows, "`-k profile`, warm home", "polars read_csv.describe", warm, b)
    )
    shutil.rmtree(tmp, ignore_errors=True)
    return table


def profile(rows: int, out: Path, scratch: Path, repeat: int, log) -> list[dict]:
    file = run_bench.ensure_data(out, rows, "parquet").resolve()
    work = Path(tempfile.mkdtemp(prefix="profile-", dir=scratch))
    first = run_bench.run_child("ours-cache", file, work, [])  # builds the cache, gives cols
    if "error" in first:
        raise SystemExit(f"peers: ours-cache: {first['error']}")
    cols = first["columns"]

    def child(tool):
        def run():
            result = run_bench.run_child(tool, file, work, cols)
            if "error" in result:
                raise SystemExit(f"peers: {tool}: {result['error']}")
            return {"wall": result["seconds"], "rss": result["rss_mb"], "cpu": result["cpu_s"]}

        return run

    log(f"  profile, {rows:,} rows ({len(cols)} numeric columns)")
    a, b = _alternate(child("ours-cache"), child("duckdb-exact"), repeat, log)
    shutil.rmtree(work, ignore_errors=True)
    return [
        _row(
            "profile",
            rows,
            f"profile_numeric pass, warm cache ({len(cols)} columns)",
            "duckdb quantile_cont (exact)",
            a,
            b,
            "in-process work only",
        )
    ]


def gauntlet(rows: int, out: Path, scratch: Path, repeat: int, log) -> list[dict]:
    file = run_bench.ensure_data(out, rows, "parquet").resolve()
    tmp = Path(tempfile.mkdtemp(prefix="gauntlet-", dir=scratch))
    home = tmp / "home"
    log(f"  gauntlet -n 2, {rows:,} rows: warming the home ...")
    warmup = _process(_session(file, home, tmp, "-n", "2"), tmp)
    log(f"    warm-up {warmup['wall']:.1f} s: {run_bench._summary(warmup['stdout'])}")

    def ours():
        return _process(_session(file, home, tmp, "-n", "2"), tmp)

    def polars():
        return _process([sys.executable, "-c", POLARS_PARQUET, str(file)])

    a, b = _alternate(ours, polars, repeat, log)
    shutil.rmtree(tmp, ignore_errors=True)
    tree = max(r["tree"] for r in a)
    return [
        _row(
            "gauntlet",
            rows,
            "default gauntlet `-n 2`, warm home",
            "polars read_parquet.describe (exact)",
            a,
            b,
            f"{run_bench._summary(a[-1]['stdout'])}; process tree peak {tree:.0f} MB",
        )
    ]


def render(table: list[dict]) -> str:
    lines = [
        "| section | rows | ours | ours s (median; runs) | ours peak RSS MB | peer "
        "| peer s (median; runs) | peer peak RSS MB | ours/peer | notes |",
        "|---|---:|---|---:|---:|---|---:|---:|---:|---|",
    ]
    for r in table:
        lines.append(
            f"| {r['section']} | {r['rows']:,} | {r['what']} "
            f"| {r['ours_s']:.2f} ({', '.join(f'{x:.2f}' for x in r['ours_runs'])}) "
            f"| {r['ours_rss']:.0f} | {r['peer']} "
            f"| {r['peer_s']:.2f} ({', '.join(f'{x:.2f}' for x in r['peer_runs'])}) "
            f"| {r['peer_rss']:.0f} | {r['ratio']:.2f}x | {r['note']} |"
        )
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", default="2000000")
    parser.add_argument("--sections", default=",".join(SECTIONS))
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "out"), help="data folder (generated once)")
    parser.add_argument("--scratch", default=None, help="temp folder (default: the system's)")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON too")
    args = parser.parse_args(argv)
    sections = [s for s in args.sections.split(",") if s]
    unknown = sorted(set(sections) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section {unknown[0]!r} (choose from {', '.join(SECTIONS)})")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="statharness-peers-", dir=args.scratch))

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    table: list[dict] = []
    started = time.perf_counter()
    runners = {"csv-cold": csv_cold, "profile": profile, "gauntlet": gauntlet}
    try:
        for rows in [int(x.replace("_", "")) for x in args.rows.split(",") if x]:
            for section in sections:
                table += runners[section](rows, out, scratch, max(1, args.repeat), log)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    print(render(table))
    load = os.getloadavg()
    print(
        f"\n{os.cpu_count()} CPUs, load average at the end {load[0]:.1f}/{load[1]:.1f}/"
        f"{load[2]:.1f}, {run_bench._versions()}; total {time.perf_counter() - started:.0f} s"
    )
    if args.json:
        print(json.dumps(table, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
