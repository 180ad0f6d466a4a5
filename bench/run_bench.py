"""Benchmark: the exact column-profile pass vs DuckDB, polars and pandas; the default
gauntlet as a pytest session (cold/warm cache, -n 0/-n 2). Prints one table.

Usage (from the repository root)::

    python bench/run_bench.py                                   # 2M and 8M rows, parquet + csv
    python bench/run_bench.py --rows 2000000 --formats parquet
    python bench/run_bench.py --rows 8000000 --formats parquet --gauntlet warm:0

Every measured tool runs in a fresh child process (this script, re-invoked with
``--child``); its wall time is measured inside the child around the work only (imports and
interpreter start excluded; the child's whole lifetime is the ``proc s`` column), its peak
RSS is its own VmHWM and its CPU time comes from ``os.wait4``. Gauntlet sessions run as
``python -m pytest ...`` children; their peak RSS is the sum over the process tree (pytest
and its xdist workers), polled with psutil every 0.1 s, plus the largest single process
(polled VmHWM). See bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PERCENTILES = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]
TOOLS = ("ours", "duckdb", "polars", "pandas")
GAUNTLET_RUNS = ("cold:0", "warm:0", "cold:2", "warm:2")


# ---------------------------------------------------------------------------------------
# children: one measurement each, result as the last stdout line (JSON)
# ---------------------------------------------------------------------------------------
def _open_ours(path: str, meta_dir: Path, cache_dir: Path | None):
    from pytest_statharness.dataset import open_dataset

    start = time.perf_counter()
    dataset = open_dataset("events", path, meta_dir=meta_dir, cache_dir=cache_dir)
    return dataset, time.perf_counter() - start


def _profile_pass(dataset) -> tuple[float, list[str], int]:
    from pytest_statharness.engine import plan_for, run_analysis
    from pytest_statharness.policy.budget import decide_budget
    from pytest_statharness.registry import Registry

    analysis = Registry.builtin().get("profile_numeric")
    decision = decide_budget(
        row_count=dataset.row_count, column_count=len(dataset.columns), analysis_id=analysis.id
    )
    plan = plan_for(analysis, dataset, decision.budget)
    start = time.perf_counter()
    result = run_analysis(analysis, dataset, decision.budget, plan)
    return time.perf_counter() - start, list(plan.columns), result.passes


def child(args) -> dict:
    tool, path, work = args.child, args.file, Path(args.work)
    cols = [c for c in (args.cols or "").split(",") if c]
    fmt = "csv" if path.endswith(".csv") else "parquet"
    out: dict = {"tool": tool}
    if tool == "ours-open-cold":  # open with no metadata: sha256 + typing scan
        dataset, out["seconds"] = _open_ours(path, work / "meta-source", None)
    elif tool == "ours-source":  # open with warm metadata, then the pass from the source
        dataset, open_s = _open_ours(path, work / "meta-source", None)
        out["open_s"] = open_s
        out["seconds"], out["columns"], out["passes"] = _profile_pass(dataset)
    elif tool == "ours-cache-build":  # cold open that builds the columnar cache
        dataset, open_s = _open_ours(path, work / "meta-cache", work / "cache")
        out["seconds"] = open_s
        out["status"] = dataset.cache_status
    elif tool == "ours-cache":  # warm open (verifies the entry), then the pass
        from pytest_statharness.dataset.cache import check_entry

        dataset, open_s = _open_ours(path, work / "meta-cache", work / "cache")
        out["open_s"] = open_s
        out["status"] = dataset.cache_status
        start = time.perf_counter()
        check_entry(work / "cache" / dataset.cache_status["key"])
        out["verify_s"] = time.perf_counter() - start
        out["seconds"], out["columns"], out["passes"] = _profile_pass(dataset)
    elif tool == "duckdb-summarize":
        import duckdb

        reader = f"read_{fmt}('{path}')"
        start = time.perf_counter()
        duckdb.sql(f"SUMMARIZE SELECT {', '.join(cols)} FROM {reader}").fetchall()
        out["seconds"] = time.perf_counter() - start
    elif tool == "duckdb-exact":
        import duckdb

        reader = f"read_{fmt}('{path}')"
        parts = [
            f"count({c}), min({c}), max({c}), avg({c}), stddev_samp({c}), "
            f"quantile_cont({c}, {PERCENTILES})"
            for c in cols
        ]
        start = time.perf_counter()
        duckdb.sql(f"SELECT {', '.join(parts)} FROM {reader}").fetchall()
        out["seconds"] = time.perf_counter() - start
    elif tool == "polars":
        import polars as pl

        scan = pl.scan_parquet(path) if fmt == "parquet" else pl.scan_csv(path)
        start = time.perf_counter()
        scan.select(cols).describe(percentiles=PERCENTILES, interpolation="linear")
        out["seconds"] = time.perf_counter() - start
    elif tool == "pandas":
        import pandas as pd

        start = time.perf_counter()
        if fmt == "parquet":
            frame = pd.read_parquet(path, columns=cols)
        else:
            frame = pd.read_csv(path, usecols=cols)
        frame.describe(percentiles=PERCENTILES)
        out["seconds"] = time.perf_counter() - start
    else:  # pragma: no cover
        raise SystemExit(f"unknown child tool {tool!r}")
    return out


# ---------------------------------------------------------------------------------------
# the parent: process management and measurement
# ---------------------------------------------------------------------------------------
def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak RSS of one process since its exec (VmHWM), in MB; 0 if unknown.

    Not ``ru_maxrss``: Linux carries the parent's high-water mark over fork+exec into it.
    """
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _status_kb(pid: int, fields: tuple[str, ...]) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                name, _, rest = line.partition(":")
                if name in fields:
                    out[name] = int(rest.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


def _poll_tree(psutil, pid: int, hwm: dict[int, float]) -> tuple[int, int]:
    """(RSS, anonymous RSS) summed over ``pid`` and its descendants now, in bytes; records
    each process's VmHWM. RSS also counts touched pages of memory-mapped files (the
    columnar cache), which are page cache shared between processes; RssAnon does not."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return 0, 0
    total = anon = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
        status = _status_kb(proc.pid, ("VmHWM", "RssAnon"))
        anon += status.get("RssAnon", 0) * 1024
        if status.get("VmHWM"):
            hwm[proc.pid] = max(hwm.get(proc.pid, 0.0), status["VmHWM"] / 1024)
    return total, anon


def run_measured(cmd: list[str], *, cwd: Path, env: dict | None = None, poll: bool = False):
    """Run ``cmd``; return (exit code, stdout, stderr, wall s, cpu s of the tree (wait4),
    largest single-process peak RSS MB (polled VmHWM), peak RSS MB summed over the process
    tree, peak anonymous RSS MB summed over the tree (polled every 0.1 s)); the RSS figures
    are 0 when not polled."""
    psutil = None
    if poll:
        import psutil
    hwm: dict[int, float] = {}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=out, stderr=err)
        peak = peak_anon = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if psutil is not None:
                rss, anon = _poll_tree(psutil, proc.pid, hwm)
                peak, peak_anon = max(peak, rss), max(peak_anon, anon)
            time.sleep(0.1 if psutil is not None else 0.01)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
    cpu = usage.ru_utime + usage.ru_stime  # includes the waited-for xdist workers
    top = max(hwm.values(), default=0.0)
    return proc.returncode, stdout, stderr, wall, cpu, top, peak / 2**20, peak_anon / 2**20


def run_best(tool: str, file: Path, work: Path, cols: list[str], repeat: int) -> dict:
    """Run a child ``repeat`` times (each a fresh process); keep the fastest run and note
    the median. Cache builds start from an empty cache each time."""
    results = []
    for _ in range(max(1, repeat)):
        if tool == "ours-cache-build":
            shutil.rmtree(work / "cache", ignore_errors=True)
            shutil.rmtree(work / "meta-cache", ignore_errors=True)
        if tool == "ours-open-cold":
            shutil.rmtree(work / "meta-source", ignore_errors=True)
        result = run_child(tool, file, work, cols)
        if "error" in result:
            return result
        results.append(result)
    results.sort(key=lambda r: r["seconds"])
    best = dict(results[0])
    if len(results) > 1:
        median = results[len(results) // 2]["seconds"]
        best["repeat_note"] = f"best of {len(results)}, median {median:.2f} s"
    return best


def run_child(tool: str, file: Path, work: Path, cols: list[str]) -> dict:
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        tool,
        "--file",
        str(file),
        "--work",
        str(work),
        "--cols",
        ",".join(cols),
    ]
    code, stdout, stderr, wall, cpu, *_ = run_measured(cmd, cwd=REPO)
    if code != 0:
        last = (stderr.strip().splitlines() or ["?"])[-1]
        return {"tool": tool, "error": f"exit {code}: {last[:120]}"}
    result = json.loads(stdout.strip().splitlines()[-1])
    result.update(proc_s=wall, cpu_s=cpu)  # rss_mb: the child's own VmHWM
    return result


def installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


# ---------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------
def ensure_data(out: Path, rows: int, fmt: str) -> Path:
    path = out / f"events_{rows}.{fmt}"
    stamp = path.with_name(path.name + ".json")
    if path.exists() and stamp.exists():
        info = json.loads(stamp.read_text())
        if info.get("rows") == rows and info.get("bytes") == path.stat().st_size:
            return path
    sys.path.insert(0, str(REPO))
    from fixtures.generator import write_event_log

    start = time.perf_counter()
    print(f"generating {path.name} ...", file=sys.stderr, flush=True)
    info = write_event_log(path, rows, seed=0, fmt=fmt)
    secs = time.perf_counter() - start
    stamp.write_text(
        json.dumps({"rows": info["rows"], "bytes": path.stat().st_size, "seconds": secs})
    )
    print(f"  {rows:,} rows, {path.stat().st_size / 2**20:.0f} MB, {secs:.1f} s", file=sys.stderr)
    return path


# ---------------------------------------------------------------------------------------
# sections of the table
# ---------------------------------------------------------------------------------------
def profile_rows(
    file: Path, rows: int, fmt: str, tools: list[str], scratch: Path, repeat: int = 1
) -> list[dict]:
    work = Path(tempfile.mkdtemp(prefix="profile-", dir=scratch))
    table: list[dict] = []
    base = {"rows": rows, "fmt": fmt}
    cols: list[str] = []
    ours_s = None

    def log(msg):
        print(f"  [{rows:,} {fmt}] {msg}", file=sys.stderr, flush=True)

    if "ours" in tools:
        log("ours: cold open")
        cold = run_best("ours-open-cold", file, work, [], repeat)
        cold_note = (
            cold["error"] if "error" in cold else f"cold open {cold['seconds']:.2f} s not incl."
        )
        log("ours: source")
        r = run_best("ours-source", file, work, [], repeat)
        if "error" in r:
            table.append({**base, "what": "ours profile_numeric (source)", "note": r["error"]})
        else:
            cols, ours_s = r["columns"], r["seconds"]
            table.append(
                {
                    **base,
                    "what": f"ours profile_numeric, {fmt} source",
                    **_nums(r),
                    "ratio": 1.0,
                    "note": f"{r['passes']} passes; open with warm metadata "
                    f"{r['open_s']:.2f} s not incl. ({cold_note}: sha256 + typing scan "
                    "of all columns)",
                }
            )
            _with_repeat(table[-1], r)
        log("ours: cache build")
        b = run_best("ours-cache-build", file, work, [], repeat)
        log("ours: warm cache")
        r = run_best("ours-cache", file, work, [], repeat)
        if "error" in r or "error" in b:
            table.append(
                {**base, "what": "ours, IPC cache", "note": r.get("error") or b.get("error")}
            )
        else:
            table.append(
                {
                    **base,
                    "what": "ours profile_numeric, warm IPC cache",
                    **_nums(r),
                    "ratio": r["seconds"] / ours_s if ours_s else None,
                    "note": f"warm open {r['open_s']:.2f} s not incl. (of which sha256 "
                    f"verify {r['verify_s']:.2f} s); status {r['status']['reason']}",
                }
            )
            _with_repeat(table[-1], r)
            table.append(
                {
                    **base,
                    "what": "ours cache build (cold open, one-time)",
                    **_nums(b),
                    "ratio": None,
                    "note": f"sha256 + IPC write + typing scan; status {b['status']['reason']}",
                }
            )
            _with_repeat(table[-1], b)
    if not cols:
        sys.path.insert(0, str(REPO))
        from pytest_statharness.column_kinds import ColumnKind
        from pytest_statharness.dataset import open_dataset

        cols = open_dataset("events", str(file)).columns_of(ColumnKind.NUMERIC)
    others = [
        ("duckdb", "duckdb-summarize", "duckdb SUMMARIZE", "approximate quantiles, + distinct"),
        (
            "duckdb",
            "duckdb-exact",
            "duckdb quantile_cont (exact)",
            "count/min/max/avg/std + p01..p99",
        ),
        ("polars", "polars", "polars describe", "interpolation=linear (exact)"),
        ("pandas", "pandas", "pandas read + describe", "linear (exact)"),
    ]
    for module, tool, label, note in others:
        if module not in tools:
            continue
        if not installed(module):
            table.append({**base, "what": label, "note": "not installed"})
            continue
        log(tool)
        r = run_best(tool, file, work, cols, repeat)
        if "error" in r:
            table.append({**base, "what": label, "note": r["error"]})
            continue
        table.append(
            {
                **base,
                "what": label,
                **_nums(r),
                "ratio": r["seconds"] / ours_s if ours_s else None,
                "note": note,
            }
        )
        _with_repeat(table[-1], r)
    shutil.rmtree(work, ignore_errors=True)
    for row in table:
        row.setdefault("section", "profile")
    return table


def _nums(r: dict) -> dict:
    return {"wall": r["seconds"], "proc": r["proc_s"], "cpu": r["cpu_s"], "rss": r["rss_mb"]}


def _with_repeat(row: dict, r: dict) -> dict:
    if r.get("repeat_note"):
        row["note"] = f"{row.get('note', '')}; {r['repeat_note']}".lstrip("; ")
    return row


def gauntlet_rows(
    file: Path, rows: int, fmt: str, runs: list[str], cache_modes: list[str], scratch: Path
) -> list[dict]:
    table = []
    for cache in cache_modes:
        base_dir = Path(tempfile.mkdtemp(prefix=f"gauntlet-{cache}-", dir=scratch))
        (base_dir / "pytest.ini").write_text("[pytest]\n")
        env = dict(os.environ)
        env["STAT_HARNESS_DATASET_CACHE"] = cache
        homes: dict[str, Path] = {}
        for run in runs:
            state, _, workers = run.partition(":")
            home = homes.get(workers)
            if state == "cold" or home is None:
                home = base_dir / f"home-n{workers}-{len(homes)}"
                shutil.rmtree(home, ignore_errors=True)
                homes[workers] = home
                if state == "warm":  # warm without a cold run first: warm it untimed
                    _gauntlet(file, base_dir, home, workers, env)
            print(
                f"  [{rows:,} {fmt}] gauntlet {state} -n {workers} cache {cache}",
                file=sys.stderr,
                flush=True,
            )
            code, stdout, stderr, wall, cpu, rss, tree, anon = _gauntlet(
                file, base_dir, home, workers, env
            )
            summary = _summary(stdout) or f"exit {code}"
            entries = len(list((home / "cache" / "datasets").glob("[0-9a-f]*[0-9a-f]")))
            table.append(
                {
                    "section": "gauntlet",
                    "rows": rows,
                    "fmt": fmt,
                    "what": f"gauntlet {state} -n {workers}, IPC cache {cache}",
                    "wall": wall,
                    "proc": wall,
                    "cpu": cpu,
                    "rss": tree,
                    "ratio": None,
                    "note": f"{summary}; anon RSS peak {anon:.0f} MB; max proc {rss:.0f} MB; "
                    f"exit {code}" + (f"; cache entries {entries}" if cache == "on" else ""),
                }
            )
        shutil.rmtree(base_dir, ignore_errors=True)
    return table


def _gauntlet(file: Path, base_dir: Path, home: Path, workers: str, env: dict):
    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "statharness",
        "--stat-dataset",
        f"events={file}",
        "-m",
        "statharness",
        "--snapshot-update",
        "-p",
        "no:cacheprovider",
        "--stat-home",
        str(home),
        "--stat-snapshot-dir",
        str(home.parent / f"snapshots-{home.name}"),
        "-n",
        workers,
        "-q",
        "-c",
        str(base_dir / "pytest.ini"),
        "--rootdir",
        str(base_dir),
    ]
    return run_measured(cmd, cwd=base_dir, env=env, poll=True)


def _summary(stdout: str) -> str:
    for line in reversed(stdout.strip().splitlines()):
        if " in " in line and any(w in line for w in ("passed", "failed", "error", "skipped")):
            return line.strip("= ").split(" in ")[0]
    return ""


# ---------------------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------------------
def render(table: list[dict]) -> str:
    head = [
        "rows",
        "fmt",
        "measurement",
        "wall s",
        "proc s",
        "cpu s",
        "peak RSS MB",
        "vs ours",
        "notes",
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]

    def num(v, fmt):
        return "" if v is None else format(v, fmt)

    for r in table:
        ratio = r.get("ratio")
        cells = [
            f"{r['rows']:,}",
            r["fmt"],
            r["what"],
            num(r.get("wall"), ".2f"),
            num(r.get("proc"), ".2f"),
            num(r.get("cpu"), ".2f"),
            num(r.get("rss"), ".0f"),
            "" if ratio is None else f"{ratio:.2f}x",
            r.get("note", ""),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(HERE / "out"), help="data folder (default bench/out/)")
    p.add_argument("--rows", default="2000000,8000000")
    p.add_argument("--formats", default="parquet,csv")
    p.add_argument("--tools", default=",".join(TOOLS))
    p.add_argument("--skip-gauntlet", action="store_true")
    p.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="runs per profile-pass row, each in a fresh process; the fastest is shown",
    )
    p.add_argument(
        "--gauntlet",
        default=",".join(GAUNTLET_RUNS),
        help="gauntlet runs, in order: cold:N / warm:N (N = -n value); "
        "warm reuses the home of the previous run with the same N",
    )
    p.add_argument(
        "--gauntlet-cache",
        default="on",
        help="on, off or on,off: the columnar cache in gauntlet sessions "
        "(on: passes cache_dir through a conftest shim until the plugin does)",
    )
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--file", help=argparse.SUPPRESS)
    p.add_argument("--work", help=argparse.SUPPRESS)
    p.add_argument("--cols", help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.child:
        sys.path.insert(0, str(REPO))
        result = child(args)
        result["rss_mb"] = vm_hwm_mb()
        print(json.dumps(result))
        return 0
    rows_list = [int(x.replace("_", "")) for x in args.rows.split(",") if x]
    formats = [f for f in args.formats.split(",") if f]
    tools = [t for t in args.tools.split(",") if t]
    unknown = sorted(set(tools) - set(TOOLS)) + sorted(set(formats) - {"parquet", "csv"})
    if unknown:
        print(f"run_bench: unknown tool/format {unknown[0]!r}", file=sys.stderr)
        return 2
    runs = [r for r in args.gauntlet.split(",") if r]
    caches = [c for c in args.gauntlet_cache.split(",") if c]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="statharness-bench-"))
    table: list[dict] = []
    started = time.perf_counter()
    try:
        for rows in rows_list:
            for fmt in formats:
                file = ensure_data(out, rows, fmt).resolve()
                table += profile_rows(file, rows, fmt, tools, scratch, args.repeat)
                if not args.skip_gauntlet:
                    table += gauntlet_rows(file, rows, fmt, runs, caches, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    import platform

    print(render(table))
    print(
        f"\n{os.cpu_count()} CPUs, Python {platform.python_version()}, "
        f"{_versions()}; total {time.perf_counter() - started:.0f} s"
    )
    return 0


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for name in ("pyarrow", "duckdb", "polars", "pandas"):
        try:
            out.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            out.append(f"{name} not installed")
    return ", ".join(out)


if __name__ == "__main__":
    raise SystemExit(main())
