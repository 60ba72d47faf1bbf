"""Capacity of one box (round 46): a home of N synthetic chunks plus the sample pack, served with the default models.
Measures, each command in a fresh process (peak RSS from wait4, i.e. that process alone):

- `ragtune ingest` of the sample pack into the big home (an incremental ingest: BM25 and vector index updates)
- `ragtune search Q --json` and `ragtune ask Q --json` over --queries pack questions: wall per command (start-up
  included: what a user of the CLI waits for), p50 / p95, peak RSS
- in one process: the answer engine's start-up, its first question, then p50 / p95 of the rest (warm)
- `ragtune doctor --json` (full and --quick), `ragtune docs list --json`
- `ragtune serve` (default workers): time until /healthz answers, then --clients concurrent clients sending the
  questions to /v1/ask; latency p50 / p95 and the server's peak RSS (VmHWM)

    python benchmarks/bench_r46_capacity.py --chunks 100000 --root /tmp/h2/cap [--queries 30] [--clients 3]
        [--steps build,pack,retrieval,cli,engine,doctor,docs,serve] [--fit-dir DIR]

The synthetic part is bench_query.py's `build` (Zipf text, 100 chunks a document, vectors drawn from a Gaussian
fitted to real MiniLM embeddings, written straight into the store: nothing embedded but the pack). Its fit is
cached in --fit-dir (default: benchmarks/out, as bench_query.py). Questions are the pack's own (qa.jsonl), so
retrieval has to find the pack's chunks among N synthetic ones.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))
PACK = REPO / "ragtune" / "models" / "pack"


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else float("nan")


def summary(xs: list[float]) -> dict:
    return {"n": len(xs), "p50": round(statistics.median(xs), 3) if xs else None, "p95": round(pct(xs, 95), 3),
            "max": round(max(xs), 3) if xs else None}


def run_cmd(args: list[str], env: dict) -> dict:
    """Wall seconds, peak RSS (MB) and exit code of one ragtune command in its own process."""
    t0 = time.perf_counter()
    p = subprocess.Popen([sys.executable, "-m", "ragtune", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=env)
    out_chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: out_chunks.append(p.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    err = p.stderr.read()  # type: ignore[union-attr]
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    reader.join()
    p.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": wall, "rss_mb": ru.ru_maxrss / 1024, "rc": p.returncode, "cpu_s": ru.ru_utime + ru.ru_stime,
            "stdout": b"".join(out_chunks).decode("utf-8", "replace"), "stderr": err.decode("utf-8", "replace")}


def questions(n: int) -> list[str]:
    rows = [json.loads(x) for x in (PACK / "qa.jsonl").read_text().splitlines() if x.strip()]
    return [r["question"] for r in rows if r.get("answerable")][:n]


def step_build(root: Path, n: int, fit_dir: Path) -> dict:
    import bench_query

    bench_query.OUT = fit_dir  # the fit (and the corpus home it is made from) are cached there
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    bench_query.build(root, n)
    return {"build_s": round(time.perf_counter() - t0, 1), **json.loads((root / "ready.json").read_text())}


def step_mark_model(root: Path) -> dict:
    """bench_query.build stores its documents with meta "{}": the next real ingest (record_models) marks them
    embed_model "unknown", and vector search then leaves every synthetic chunk out (only the pack's are searched).
    The synthetic vectors stand in for the default embedder's: record the pack documents' embedder on them."""
    from ragtune.appliance.embed import MODEL_META
    from ragtune.appliance.store import Store

    with Store(root / "ragtune.db") as st:
        docs = st.documents()
        keys = {d["meta"].get(MODEL_META) for d in docs if not d["path"].startswith("/bench/")} - {None, "unknown"}
        if len(keys) != 1:
            raise SystemExit(f"expected one embedder among the real documents, found {keys}")
        key = keys.pop()
        n = 0
        with st.transaction():
            for d in docs:
                if d["path"].startswith("/bench/") and d["meta"].get(MODEL_META) != key:
                    st.set_document_meta(d["id"], {**d["meta"], MODEL_META: key})
                    n += 1
    return {"marked": n, "model_key": key}


def step_cli(env: dict, qs: list[str], n_ask: int) -> dict:
    out: dict = {}
    for cmd in ("search", "ask"):
        runs = []
        for q in (qs if cmd == "search" else qs[:n_ask]):
            r = run_cmd([cmd, q, "--json"], env)
            if r["rc"] != 0:
                raise SystemExit(f"{cmd} {q!r}: exit {r['rc']}: {r['stderr'][-2000:]}")
            runs.append(r)
        out[cmd] = {"wall_s": summary([r["wall_s"] for r in runs]), "cpu_s": summary([r["cpu_s"] for r in runs]),
                    "peak_rss_mb": round(max(r["rss_mb"] for r in runs), 1),
                    "first_wall_s": round(runs[0]["wall_s"], 2)}
        if cmd == "ask":
            statuses = [json.loads(r["stdout"]).get("status") for r in runs]
            out[cmd]["statuses"] = {s: statuses.count(s) for s in set(statuses)}
        print(f"  cli {cmd}: {json.dumps(out[cmd])}", file=sys.stderr, flush=True)
    return out


def step_engine(root: Path, qs: list[str]) -> dict:
    """In a child process: the engine's start-up, its first question, then the warm rest (and a retrieval-only
    pass: Retriever.retrieve, cache off)."""
    code = f"""
import json, resource, sys, time
t0 = time.perf_counter()
from ragtune.appliance.config import Settings
from ragtune.appliance.home import Home
from ragtune.appliance.answer import AnswerEngine
t_import = time.perf_counter() - t0
qs = json.loads(sys.argv[1])
t = time.perf_counter()
engine = AnswerEngine(Settings(home=Home({str(root)!r})))
t_init = time.perf_counter() - t
lat = []
for q in qs:
    t = time.perf_counter()
    engine.ask(q, use_cache=False)
    lat.append(time.perf_counter() - t)
r = engine.retriever
ret = []
for q in qs:
    t = time.perf_counter()
    r.retrieve(q, use_cache=False)
    ret.append((time.perf_counter() - t) * 1000)
print(json.dumps({{"import_s": t_import, "init_s": t_init, "first_ask_s": lat[0], "asks_s": lat[1:],
                  "retrieve_ms": ret, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""
    env = dict(os.environ, RAGTUNE_HOME=str(root))
    p = subprocess.run([sys.executable, "-c", code, json.dumps(qs)], capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    d = json.loads(p.stdout.strip().splitlines()[-1])
    return {"import_s": round(d["import_s"], 2), "init_s": round(d["init_s"], 2),
            "first_ask_s": round(d["first_ask_s"], 2), "warm_ask_s": summary(d["asks_s"]),
            "warm_retrieve_ms": summary(d["retrieve_ms"]), "peak_rss_mb": round(d["peak_rss_mb"], 1)}


def step_retrieval(root: Path, qs: list[str]) -> dict:
    """In a child process, what of retrieval scales with the store: Retriever start-up, the vector index's open,
    the first search, then --queries searches (cache off) with their stages; RSS after each phase."""
    code = f"""
import json, resource, sys, time
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
out = {{}}
t = time.perf_counter()
from ragtune.appliance.config import Settings
from ragtune.appliance.home import Home
from ragtune.appliance.retrieve import Retriever
out['import_s'] = time.perf_counter() - t
qs = json.loads(sys.argv[1])
t = time.perf_counter()
r = Retriever(Settings(home=Home({str(root)!r})))
out['retriever_init_s'] = time.perf_counter() - t; out['rss_init_mb'] = rss()
t = time.perf_counter(); r.embedder.encode_query('warm up'); out['embedder_load_s'] = time.perf_counter() - t
out['rss_embedder_mb'] = rss()
t = time.perf_counter(); idx = r.vector_index(); out['vector_index_open_s'] = time.perf_counter() - t
out['rss_index_mb'] = rss()
t = time.perf_counter(); r.retrieve(qs[0], use_cache=False); out['first_retrieve_s'] = time.perf_counter() - t
def timed(fn):
    w, c = [], []
    for q in qs:
        c0, t0 = time.process_time(), time.perf_counter()
        fn(q)
        w.append((time.perf_counter() - t0) * 1000); c.append((time.process_time() - c0) * 1000)
    return w, c
out['hybrid_ms'], out['hybrid_cpu_ms'] = timed(lambda q: r.retrieve(q, use_cache=False))
qv = {{q: r.embedder.encode_query(q) for q in qs}}
out['embed_ms'], _ = timed(lambda q: r.embedder.encode_query(q))
out['bm25_ms'], _ = timed(lambda q: r.bm25(q, r.cfg.candidates))
out['knn_ms'], _ = timed(lambda q: r.vector(qv[q], r.cfg.candidates))
out['rss_end_mb'] = rss(); out['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out['live_rows'] = idx.live_rows if idx is not None else None
print(json.dumps(out))
"""
    env = dict(os.environ, RAGTUNE_HOME=str(root))
    p = subprocess.run([sys.executable, "-c", code, json.dumps(qs)], capture_output=True, text=True, env=env)
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    d = json.loads(p.stdout.strip().splitlines()[-1])
    return {k: (summary(v) if isinstance(v, list) else round(v, 3) if isinstance(v, float) else v) for k, v in d.items()}


def step_serve(root: Path, env: dict, qs: list[str], clients: int) -> dict:
    from bench_serve import free_port, hwm_mb, run_level, wait_http

    port = free_port()
    # every request generates (the questions were asked before: the answer cache would answer them); else defaults
    (root / "config.toml").write_text("[generate]\nanswer_cache = false\n")
    log = open(root / "serve.log", "w")
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "ragtune", "serve", "--port", str(port), "--log-level", "warning"],
                            stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_http(base + "/healthz", proc)
        up_s = time.perf_counter() - t0
        rss_up = hwm_mb(proc.pid)
        t = time.perf_counter()
        first = run_level(base, qs, 1, 1)
        first_s = time.perf_counter() - t
        res = run_level(base, qs, clients, len(qs))
        return {"up_s": round(up_s, 2), "rss_after_up_mb": round(rss_up, 1), "first_request_s": round(first_s, 2),
                "first_ok": first["ok"], **res, "server_peak_rss_mb": round(hwm_mb(proc.pid), 1)}
    finally:
        proc.terminate()
        proc.wait(60)
        log.close()
        (root / "config.toml").unlink()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chunks", type=int, default=100_000)
    ap.add_argument("--root", required=True, help="the home to build (or reuse)")
    ap.add_argument("--queries", type=int, default=30)
    ap.add_argument("--ask-queries", type=int, default=30, help="questions asked (CLI and engine steps)")
    ap.add_argument("--serve-requests", type=int, default=30)
    ap.add_argument("--clients", type=int, default=3)
    ap.add_argument("--steps", default="build,pack,retrieval,cli,engine,doctor,docs,serve")
    ap.add_argument("--fit-dir", default=str(REPO / "benchmarks" / "out"))
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()
    root = Path(args.root)
    env = dict(os.environ, RAGTUNE_HOME=str(root), OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "1"))
    qs = questions(args.queries)
    res: dict = {"chunks": args.chunks, "load_avg_start": round(os.getloadavg()[0], 1)}
    steps = args.steps.split(",")
    if "build" in steps and not (root / "ready.json").exists():
        res["build"] = step_build(root, args.chunks, Path(args.fit_dir))
    if "pack" in steps:
        r = run_cmd(["ingest", str(PACK / "docs"), "--json"], env)
        if r["rc"] != 0:
            raise SystemExit(r["stderr"][-3000:])
        res["pack_ingest"] = {"wall_s": round(r["wall_s"], 1), "rss_mb": round(r["rss_mb"], 1)}
    if "pack" in steps or "mark" in steps:  # no reader may run meanwhile: its searchable chunks are cached
        res["mark_model"] = step_mark_model(root)
    for step in steps:
        print(f"[{args.chunks}] {step} …", file=sys.stderr, flush=True)
        if step == "retrieval":
            res["retrieval"] = step_retrieval(root, qs)
        elif step == "cli":
            res["cli"] = step_cli(env, qs, args.ask_queries)
        elif step == "engine":
            res["engine"] = step_engine(root, qs[: args.ask_queries])
        elif step == "serve":
            res["serve"] = step_serve(root, env, qs[: args.serve_requests], args.clients)
    for name, cmd in (("doctor", ["doctor", "--json"]), ("doctor_quick", ["doctor", "--quick", "--json"]),
                      ("docs_list", ["docs", "list", "--json"])):
        if name.split("_")[0] in steps:  # doctor_quick runs with "doctor", docs_list with "docs"
            runs = [run_cmd(cmd, env) for _ in range(2)]  # the first may find pages cold
            res[name] = {"wall_s": [round(r["wall_s"], 2) for r in runs], "rss_mb": round(max(r["rss_mb"] for r in runs), 1),
                         "rc": [r["rc"] for r in runs], "stdout_bytes": len(runs[-1]["stdout"])}
    res["load_avg_end"] = round(os.getloadavg()[0], 1)
    print(json.dumps(res, indent=2))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(res, indent=2))


if __name__ == "__main__":
    main()
