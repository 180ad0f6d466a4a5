"""Benchmark of the columnar dataset cache's codecs: entry size, build time, cold and warm
read time, for a Parquet source and a CSV source. Prints one Markdown table.

Usage (from the repository root)::

    python bench/cache_bench.py                          # generated 56 MB Parquet + CSV
    python bench/cache_bench.py --parquet FILE --csv FILE --codecs none,lz4,zstd --repeat 3

Without ``--parquet``/``--csv`` the synthetic event log of ``fixtures/generator.py`` is
written once to ``bench/out/`` (git-ignored): 1,250,000 rows as zstd Parquet (about 56 MB,
the size class of the file that made a 536 MB uncompressed entry in issue 10) and 500,000
rows as CSV (about 84 MB).

What each column means (every figure is measured in a fresh child process, this script
re-invoked with ``--child``; times exclude interpreter start and imports; medians of
``--repeat`` runs, the codecs interleaved run by run so that a change of machine load hits
them alike). Each time is given as wall / CPU seconds: on a shared machine the CPU time
(user + system of the child, all threads) is the steadier of the two.

- ``entry MB``: bytes of the cache entry (data files and manifest).
- ``build s``: ``open_dataset`` with warm metadata and an empty cache folder: sha256 of the
  source, parse, IPC write (compressed or not), fsync, check.
- ``warm scan s``: a pass over every column of the cached entry whose pages are in the page
  cache, touching every value (min/max of numbers and times, total length of strings, sum of
  booleans) through ``Dataset.iter_chunks``: what analyses do when a session runs again.
- ``cold scan s``: the same pass after ``posix_fadvise(DONTNEED)`` dropped the entry's pages
  from the page cache (the disk is read; on a VM the host may still cache it).
- ``warm profile s``: the ``profile_numeric`` analysis over its planned columns from the
  warm entry (a column subset: a compressed entry decompresses only those columns).
- ``source`` rows: the same passes streaming from the source file, no cache.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


# -- children ---------------------------------------------------------------------------
def _drop_page_cache(paths: list[Path]) -> None:
    for path in paths:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def _scan(dataset) -> int:
    """Touch every value of every column; returns a count so nothing is optimised away."""
    import pyarrow as pa
    import pyarrow.compute as pc

    touched = 0
    for chunk in dataset.iter_chunks():
        for name in chunk.table.column_names:
            column = chunk.table.column(name)
            typ = column.type
            if pa.types.is_string(typ) or pa.types.is_large_string(typ):
                touched += int(pc.sum(pc.utf8_length(column)).as_py() or 0)
            elif pa.types.is_boolean(typ):
                touched += int(pc.sum(column).as_py() or 0)
            else:
                pc.min_max(column)
                touched += len(column)
    return touched


def _profile(dataset) -> float:
    from pytest_statharness.engine import plan_for, run_analysis
    from pytest_statharness.policy.budget import decide_budget
    from pytest_statharness.registry import Registry

    analysis = Registry.builtin().get("profile_numeric")
    decision = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis.id
    )
    plan = plan_for(analysis, dataset, decision.budget)
    start = time.perf_counter()
    run_analysis(analysis, dataset, decision.budget, plan)
    return time.perf_counter() - start


def child(args) -> dict:
    from pytest_statharness.dataset import open_dataset

    work = Path(args.work)
    cache_dir = work / "cache" if args.codec != "source" else None
    kwargs = {"cache_compression": args.codec} if cache_dir is not None else {}
    out: dict = {}
    if args.child == "build":
        start, cpu = time.perf_counter(), time.process_time()
        dataset = open_dataset(
            "events", args.file, meta_dir=work / "meta", cache_dir=cache_dir, **kwargs
        )
        out["seconds"] = time.perf_counter() - start
        out["cpu"] = time.process_time() - cpu
        out["status"] = dataset.cache_status
        if cache_dir is not None:
            entry = cache_dir / dataset.cache_status["key"]
            out["bytes"] = sum(p.stat().st_size for p in entry.iterdir())
        return out
    if args.child == "cold":
        files = [Path(args.file)]
        if cache_dir is not None:
            files = [p for e in cache_dir.iterdir() if e.is_dir() for p in e.iterdir()]
        _drop_page_cache(files)
    dataset = open_dataset(
        "events", args.file, meta_dir=work / "meta", cache_dir=cache_dir, **kwargs
    )
    if cache_dir is not None and not dataset.cache_status["hit"]:
        raise SystemExit(f"expected a warm entry, got {dataset.cache_status}")
    cpu = time.process_time()
    if args.child == "profile":
        out["seconds"] = _profile(dataset)
    else:
        start = time.perf_counter()
        out["touched"] = _scan(dataset)
        out["seconds"] = time.perf_counter() - start
    out["cpu"] = time.process_time() - cpu
    return out


# -- the parent ------------------------------------------------------------------------------
def run_child(kind: str, file: Path, codec: str, work: Path) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", kind, "--file", str(file)]
    cmd += ["--codec", codec, "--work", str(work)]
    proc = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"child {kind} {codec} {file.name} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(file: Path, codecs: list[str], scratch: Path, repeat: int, log) -> list[dict]:
    """Rows for ``file``: one per codec (``source`` = no cache)."""
    works = {c: Path(tempfile.mkdtemp(prefix=f"cache-{c}-", dir=scratch)) for c in codecs}
    rows = {c: {"source": file.name, "codec": c, "path": str(file)} for c in codecs}
    for work in works.values():
        # warm metadata first (cache off), so "build" times the cache, not the typing scan
        run_child("build", file, "source", work)
    samples: dict = {}
    for r in range(repeat):
        for codec, work in works.items():
            if codec == "source":
                continue
            log(f"  {file.name} {codec}: build {r + 1}/{repeat}")
            shutil.rmtree(work / "cache", ignore_errors=True)
            got = run_child("build", file, codec, work)
            samples.setdefault((codec, "build"), []).append(got)
            rows[codec]["entry_bytes"] = got["bytes"]
    for kind in ("warm", "cold", "profile"):
        for r in range(repeat):
            for codec, work in works.items():
                log(f"  {file.name} {codec}: {kind} {r + 1}/{repeat}")
                samples.setdefault((codec, kind), []).append(run_child(kind, file, codec, work))
    for (codec, kind), got in samples.items():
        rows[codec][f"{kind}_s"] = statistics.median(g["seconds"] for g in got)
        rows[codec][f"{kind}_cpu"] = statistics.median(g["cpu"] for g in got)
    for work in works.values():
        shutil.rmtree(work, ignore_errors=True)
    return [rows[c] for c in codecs]


def ensure_data(out: Path) -> tuple[Path, Path]:
    sys.path.insert(0, str(REPO))
    from fixtures.generator import write_event_log

    out.mkdir(parents=True, exist_ok=True)
    parquet, csv = out / "cache-events-1250k.parquet", out / "cache-events-500k.csv"
    if not parquet.exists():
        write_event_log(parquet, 1_250_000, seed=0)
    if not csv.exists():
        write_event_log(csv, 500_000, seed=0)
    return parquet, csv


def render(rows: list[dict]) -> str:
    head = "| source | codec | source MB | entry MB | build s | warm scan s | cold scan s | "
    head += "warm profile s |\n|---|---|---:|---:|---:|---:|---:|---:|"
    lines = [head]
    for r in rows:
        size = Path(r["path"]).stat().st_size / 1e6

        def num(kind: str, r: dict = r) -> str:
            if f"{kind}_s" not in r:
                return "—"
            return f"{r[f'{kind}_s']:.2f} / {r[f'{kind}_cpu']:.2f}"

        entry = f"{r['entry_bytes'] / 1e6:.1f}" if "entry_bytes" in r else "—"
        lines.append(
            f"| {r['source']} | {r['codec']} | {size:.1f} | {entry} | {num('build')} | "
            f"{num('warm')} | {num('cold')} | {num('profile')} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parquet", type=Path, default=None)
    parser.add_argument("--csv", type=Path, default=None)
    parser.add_argument("--codecs", default="none,lz4,zstd")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--file", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--codec", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--work", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return 0
    files = []
    if args.parquet is None or args.csv is None:
        generated = ensure_data(args.out)
        files = [args.parquet or generated[0], args.csv or generated[1]]
    else:
        files = [args.parquet, args.csv]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    rows = []
    codecs = ["source", *[c for c in args.codecs.split(",") if c]]
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="cache-bench-") as scratch:
        for file in files:
            rows += measure(Path(file), codecs, Path(scratch), args.repeat, log)
    print(render(rows))
    print(
        f"\ntimes: wall / CPU seconds, medians of {args.repeat}; cores={os.cpu_count()}; "
        f"load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end; " + _versions()
    )
    return 0


def _versions() -> str:
    import pyarrow

    return f"python {sys.version.split()[0]}, pyarrow {pyarrow.__version__}"


if __name__ == "__main__":
    sys.exit(main())
