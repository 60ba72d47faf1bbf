"""Where an ingest's memory goes (round 49): peak RSS and time per ingest stage with the embedder's forward passes
at 2048 padded tokens (before) and at embed.TOKEN_BUDGET (after: 512), in one run, vectors compared byte for byte.

Two measurements, each configuration in a fresh process (peak RSS = ru_maxrss of that process; per stage from a
10 ms RSS sampler keyed by the stage `on_progress` last said):

- `encoder`: the embedder alone over --texts synthetic texts of 20..300 words (8 x 256-token batches, the widths
  mixed), 128 at a time as ingest's slabs: RSS after load, peak, time, and the vectors of both compared byte for byte.
- `ingest`: `ingest_paths` of a --pages page PDF (bench_huge_ingest.make_pdf: 41 lines a page) into a fresh home with
  the real model; the stored vectors (chunk_vec) of the before and after homes compared byte for byte.
  `--fast-encoder` replaces the forward pass (bench_huge_ingest): the pipeline's own memory at full size (800 pages).

    OMP_NUM_THREADS=1 python benchmarks/bench_r49_memory.py                    # encoder + 40-page ingest, real model
    python benchmarks/bench_r49_memory.py --steps ingest --pages 800 --fast-encoder --modes after
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
OLD_BUDGET = 2048  # embed.TOKEN_BUDGET before round 49 (8 x 256 tokens a forward pass; now 2 x 256)


def cpu_s() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def rss_mb() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS"):
                return int(line.split()[1]) // 1024
    return 0


class Sampler:
    """Peak RSS per stage (the stage is whatever `self.stage` says when a sample is taken)."""

    def __init__(self) -> None:
        self.stage, self.peaks, self.started = "start", {}, {}
        self.t0 = time.perf_counter()
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            s = self.stage
            self.peaks[s] = max(self.peaks.get(s, 0), rss_mb())
            time.sleep(0.01)

    def at(self, stage: str) -> None:
        if stage != self.stage:
            self.started.setdefault(stage, round(time.perf_counter() - self.t0, 1))
            self.stage = stage


def _mode(mode: str) -> None:
    from ragtune.appliance import embed

    if mode == "before":  # the forward pass's token budget before round 49
        embed.Embedder.token_budget = OLD_BUDGET
    elif mode.startswith("budget"):  # budget1024: another budget, to compare
        embed.Embedder.token_budget = int(mode[6:])


def child_encoder(mode: str, n: int, out: Path, threads: int) -> dict:
    import numpy as np

    from ragtune.appliance import embed
    from ragtune.appliance.config import EmbedConfig
    from ragtune.appliance.home import Home

    _mode(mode)
    smp = Sampler()
    smp.at("load")
    e = embed.Embedder(EmbedConfig(threads=threads), Home(Path(out).parent / "home-enc"))
    loaded = rss_mb()
    rng = random.Random(1)
    words = "record office river policy engine garden market signal memory ledger permit survey tenant parcel".split()
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(20, 300))) for _ in range(n)]
    smp.at("encode")
    t0, c0 = time.perf_counter(), cpu_s()
    vecs = np.concatenate([e.encode(texts[a:a + 128]) for a in range(0, n, 128)])
    seconds = time.perf_counter() - t0
    np.save(out, vecs)
    return {"loaded_mb": loaded, "after_mb": rss_mb(), "peaks": smp.peaks, "encode_s": round(seconds, 1),
            "encode_cpu_s": round(cpu_s() - c0, 1),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def child_ingest(mode: str, pdf: Path, home: Path, fast: bool) -> dict:
    _mode(mode)
    if fast:
        import bench_huge_ingest

        bench_huge_ingest._fast_forward_pass()
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.pipeline import ingest_paths

    smp = Sampler()
    t0, c0 = time.perf_counter(), cpu_s()
    s = ingest_paths(load_settings(home=Home(home)), [pdf], on_progress=lambda p: smp.at(p.stage))
    seconds = time.perf_counter() - t0
    smp.at("end")
    time.sleep(0.05)
    return {"ingest_s": round(seconds, 1), "ingest_cpu_s": round(cpu_s() - c0, 1), "chunks": s.chunks_added, "failed": s.failed, "peaks": smp.peaks,
            "stage_starts_s": smp.started, "after_mb": rss_mb(),
            "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def stored_vectors(home: Path) -> bytes:
    """Every stored vector (chunk_vec), in chunk id order: two homes ingested from the same file compare equal."""
    from ragtune.appliance.home import Home
    from ragtune.appliance.store import Store

    st = Store(Home(home).db_path)
    try:
        return b"".join(blob for _, blob in st.iter_vectors())
    finally:
        st.close()


def spawn(args: list[str]) -> dict:
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, env=dict(os.environ))
    if out.returncode:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--steps", default="encoder,ingest")
    ap.add_argument("--modes", default="before,after")
    ap.add_argument("--texts", type=int, default=128)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--fast-encoder", action="store_true")
    ap.add_argument("--root", default=None, help="keep the homes here (default: a temporary folder)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, mode, *rest = args.child
        r = child_encoder(mode, int(rest[0]), Path(rest[1]), int(rest[2])) if kind == "encoder" else \
            child_ingest(mode, Path(rest[0]), Path(rest[1]), rest[2] == "fast")
        print(json.dumps(r))
        return
    modes = args.modes.split(",")
    with tempfile.TemporaryDirectory(prefix="r49mem-") as tmp:
        root = Path(args.root or tmp)
        root.mkdir(parents=True, exist_ok=True)
        if "encoder" in args.steps:
            import numpy as np

            res = {m: spawn(["--child", "encoder", m, str(args.texts), str(root / f"enc-{m}.npy"), str(args.threads)])
                   for m in modes}
            for m, r in res.items():
                print(f"encoder {m:6} {args.texts} texts: loaded {r['loaded_mb']} MB, peak {r['peak_mb']} MB, after "
                      f"{r['after_mb']} MB, encode {r['encode_s']} s ({r['encode_cpu_s']} s CPU)")
            if len(modes) == 2:
                a, b = (np.load(root / f"enc-{m}.npy") for m in modes)
                ra, rb = res[modes[0]], res[modes[1]]
                if modes == ["after", "before"]:  # the ratios say after / before, whichever ran first
                    ra, rb = rb, ra
                print(f"encoder ratios after/before: peak {rb['peak_mb'] / ra['peak_mb']:.2f}, peak above load "
                      f"{(rb['peak_mb'] - rb['loaded_mb']) / max(1, ra['peak_mb'] - ra['loaded_mb']):.2f}, time "
                      f"{rb['encode_s'] / ra['encode_s']:.2f}, CPU time {rb['encode_cpu_s'] / ra['encode_cpu_s']:.2f}; vectors identical: {a.tobytes() == b.tobytes()}")
        if "ingest" in args.steps:
            import bench_huge_ingest

            pdf = bench_huge_ingest.make_pdf(root, args.pages / 3000)
            fast = "fast" if args.fast_encoder else "real"
            res = {}
            for m in modes:
                home = root / f"home-{m}"
                res[m] = spawn(["--child", "ingest", m, str(pdf), str(home), fast])
                r = res[m]
                print(f"ingest {m:6} {args.pages} pages ({fast} encoder): {r['chunks']} chunks, {r['ingest_s']} s "
                      f"({r['ingest_cpu_s']} s CPU), "
                      f"peak {r['peak_mb']} MB, after {r['after_mb']} MB; peak per stage {r['peaks']}; stages "
                      f"start at {r['stage_starts_s']}")
            if len(modes) == 2:
                ra, rb = res[modes[0]], res[modes[1]]
                if modes == ["after", "before"]:
                    ra, rb = rb, ra
                same = stored_vectors(root / f"home-{modes[0]}") == stored_vectors(root / f"home-{modes[1]}")
                print(f"ingest ratios after/before: peak {rb['peak_mb'] / ra['peak_mb']:.2f}, time "
                      f"{rb['ingest_s'] / ra['ingest_s']:.2f}, CPU time {rb['ingest_cpu_s'] / ra['ingest_cpu_s']:.2f}; stored vectors identical: {same}")


if __name__ == "__main__":
    main()
