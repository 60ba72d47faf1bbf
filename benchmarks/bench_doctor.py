"""`ragtune doctor` (full: `integrity_check`, model files hashed) and `--quick` (`quick_check`, nothing hashed) on a
home of 100k chunks (or --chunks N): wall and CPU time, peak RSS, and the database check alone per GB.

    python benchmarks/bench_doctor.py [--chunks 100000] [--repeat 3] [--rebuild]

The home is bench_query.py's synthetic one (benchmarks/out/bench<N>/: ~120 Zipf words a chunk, 100 chunks a
document, vectors fitted to real MiniLM embeddings), built by its `build` when missing and reused as it is: doctor
changes nothing. Each run is a fresh subprocess (`ragtune doctor --json` in-process there) so that its peak RSS is
its own. The first run of each mode is cold: the pages of the database and of the default model files are dropped
from the page cache first (posix_fadvise DONTNEED: no root needed, nothing else evicted); the others are warm, and
the median of them is reported. Set RAGTUNE_MODELS as for the product: the full check hashes the model files.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
OUT = REPO / "benchmarks" / "out"


def evict(paths: list[Path]) -> int:
    """Drop these files' (and folders' files') pages from the page cache; the bytes evicted."""
    n = 0
    for top in paths:
        files = [top] if top.is_file() else [Path(d, f) for d, _, fs in os.walk(top) for f in fs]
        for f in files:
            try:
                fd = os.open(f, os.O_RDONLY)
            except OSError:
                continue
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
                n += os.fstat(fd).st_size
            finally:
                os.close(fd)
    return n


def _model_files(root: Path) -> list[Path]:
    """The default models' files, as the home's doctor finds them (the bench home has no config.toml)."""
    from ragtune.appliance import default_models as defaults
    from ragtune.appliance.errors import RagtuneError
    from ragtune.appliance.home import Home

    out: list[Path] = []
    for name in defaults.default_names():
        try:
            out += defaults.locate_all(name, Home(root), verify=False)
        except RagtuneError:  # not installed: doctor says so, nothing to evict
            pass
    return out


def measure(root: Path, mode: str, cold: bool) -> dict:
    """One run in this (fresh) process. mode: full | quick (the whole `ragtune doctor`), db-full | db-quick (the
    database's integrity_check / quick_check alone)."""
    db = root / "ragtune.db"
    evicted = evict([db] + _model_files(root)) if cold else 0
    res: dict = {"mode": mode, "cold": cold, "evicted_mb": round(evicted / 2**20, 1),
                 "database_mb": round(db.stat().st_size / 2**20, 1)}
    if mode.startswith("db-"):  # the check alone: imports and the open are not timed
        from ragtune.appliance.store import health

        with health.open_as_is(db) as store:
            c0, t0 = time.process_time(), time.perf_counter()
            res["problems"] = health.integrity_problems(store, quick=mode == "db-quick")
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    else:  # the whole command, as a user waits for it (imports included)
        from ragtune.cli import main

        c0, t0 = time.process_time(), time.perf_counter()
        buf = io.StringIO()
        with contextlib.redirect_stdout(buf):
            res["rc"] = main(["--home", str(root), "doctor", "--json"] + (["--quick"] if mode == "quick" else []))
        rep = json.loads(buf.getvalue())
        res["counts"] = rep["counts"]
        res["database"] = next(c["detail"] for c in rep["checks"] if c["name"] == "database")
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    res["wall_s"], res["cpu_s"] = round(wall, 3), round(cpu, 3)
    res["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return res


def _ready(root: Path, chunks: int) -> bool:
    """bench_query.py's test of a built home."""
    ready = root / "ready.json"
    if not ready.exists():
        return False
    meta = json.loads(ready.read_text())
    return meta.get("chunks") == chunks and "fitted" in meta.get("vectors", "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3, help="runs of each mode: the first cold, the rest warm")
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--measure", metavar="DIR", help=argparse.SUPPRESS)
    ap.add_argument("--mode", default="full", help=argparse.SUPPRESS)
    ap.add_argument("--cold", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure), args.mode, args.cold)))
        return
    root = OUT / ("bench100k" if args.chunks == 100_000 else f"bench{args.chunks}")
    if args.rebuild or not _ready(root, args.chunks):
        from bench_query import build

        root.mkdir(parents=True, exist_ok=True)
        print(f"building {args.chunks} chunks under {root} …", file=sys.stderr)
        build(root, args.chunks)
    results: dict = {"home": str(root), "chunks": args.chunks, "cpus": os.cpu_count(),
                     "load_avg_1m_at_start": round(os.getloadavg()[0], 1)}
    for mode in ("full", "quick", "db-full", "db-quick"):
        runs = []
        for i in range(max(1, args.repeat)):
            cmd = [sys.executable, __file__, "--measure", str(root), "--mode", mode] + (["--cold"] if i == 0 else [])
            out = subprocess.run(cmd, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(out.stderr)
            runs.append(json.loads(out.stdout))
        warm = runs[1:] or runs
        results[mode] = {"cold": runs[0], "warm_median_wall_s": round(statistics.median(r["wall_s"] for r in warm), 3),
                         "warm_median_cpu_s": round(statistics.median(r["cpu_s"] for r in warm), 3),
                         "peak_rss_mb": max(r["peak_rss_mb"] for r in runs)}
    size_gb = results["full"]["cold"]["database_mb"] / 1024
    for mode in ("db-full", "db-quick"):
        r = results[mode]
        r["s_per_gb_cold"] = round(r["cold"]["wall_s"] / size_gb, 2)
        r["s_per_gb_warm"] = round(r["warm_median_wall_s"] / size_gb, 2)
    results["load_avg_1m_at_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(results, indent=2))
    print(f"\n{args.chunks} chunks, database {results['full']['cold']['database_mb']:.0f} MB", file=sys.stderr)
    print(f"{'':<10}{'cold s':>9}{'warm s':>9}{'warm cpu s':>12}{'peak RSS':>10}", file=sys.stderr)
    for mode in ("full", "quick", "db-full", "db-quick"):
        r = results[mode]
        print(f"{mode:<10}{r['cold']['wall_s']:>9.2f}{r['warm_median_wall_s']:>9.2f}{r['warm_median_cpu_s']:>12.2f}"
              f"{r['peak_rss_mb']:>8.0f}MB", file=sys.stderr)
    print(f"integrity_check {results['db-full']['s_per_gb_cold']} s/GB cold, {results['db-full']['s_per_gb_warm']} "
          f"s/GB warm; quick_check {results['db-quick']['s_per_gb_cold']} / {results['db-quick']['s_per_gb_warm']}; "
          f"load average {results['load_avg_1m_at_start']}", file=sys.stderr)


if __name__ == "__main__":
    main()
