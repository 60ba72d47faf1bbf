"""Serving benchmark (issue 14): N concurrent clients on loopback against `ragtune serve`, for a bounded number of
requests per level. Prints, per backend and client count: throughput (answers/s), p50/p95 latency of answered
requests, 503s, errors, and the peak RSS of the server process (and of the generation server, when there is one).

    python benchmarks/bench_serve.py [--clients 1,4,16] [--requests 24] [--workers 2] [--queue 8]
                                     [--backends local,llama-server] [--threads 1] [--max-tokens 96]

Backends: `local` = in-process llama.cpp (one context per worker); `llama-server` = llama-cpp-python's own
OpenAI server (`python -m llama_cpp.server`, one model, requests serialised by it) as generate.backend "openai".
The sample pack (ragtune/models/pack/docs) is ingested into a scratch home; the questions are the pack's own.
The answer cache is off (every request generates); the retrieval and prompt-prefix caches stay on, as served.
Each client sends its next request when the previous one returns; a 503 counts as sent (the client waits 0.2 s,
not the advertised Retry-After, so that the run stays bounded). Everything runs on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hwm_mb(pid: int) -> float:
    """Peak resident set (VmHWM) of a live process, MB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 300) -> None:
    import httpx

    t0 = time.time()
    while time.time() - t0 < timeout:
        if proc.poll() is not None:
            raise SystemExit(f"server exited early ({proc.returncode}); see its log")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit(f"{url} did not come up in {timeout:.0f} s")


def percentile(vals: list[float], q: float) -> float:
    from ragtune.appliance.eval.metrics import percentile as p

    return p(vals, q) if vals else float("nan")


def run_level(base: str, questions: list[str], clients: int, total: int) -> dict:
    import httpx

    lat: list[float] = []
    codes: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    budget = {"left": total}

    def client(k: int) -> None:
        with httpx.Client(timeout=600) as c:
            i = 0
            while True:
                with lock:
                    if budget["left"] <= 0:
                        return
                    budget["left"] -= 1
                q = questions[(k * 7 + i) % len(questions)]
                i += 1
                t0 = time.perf_counter()
                try:
                    r = c.post(base + "/v1/ask", json={"question": q, "user": f"bench{k}"})
                    dt = time.perf_counter() - t0
                    with lock:
                        codes.append(r.status_code)
                        if r.status_code == 200:
                            lat.append(dt * 1000)
                        elif r.status_code != 503:
                            errors.append(f"{r.status_code}: {r.text[:120]}")
                    if r.status_code == 503:
                        time.sleep(0.2)
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(repr(exc))

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    ok = codes.count(200)
    return {"clients": clients, "sent": len(codes) + len([e for e in errors if not e[:3].isdigit()]), "ok": ok,
            "503": codes.count(503), "errors": len(errors), "error_sample": errors[:3], "wall_s": round(wall, 1),
            "throughput_rps": round(ok / wall, 3), "p50_ms": round(percentile(lat, 50), 0),
            "p95_ms": round(percentile(lat, 95), 0)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clients", default="1,4,16")
    ap.add_argument("--requests", type=int, default=24,
                    help="requests sent per level (503s included; at least one per client)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--queue", type=int, default=8)
    ap.add_argument("--backends", default="local,llama-server")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--home", default=None)
    ap.add_argument("--json-out", default=None)
    args = ap.parse_args()

    from ragtune.appliance.config import Settings
    from ragtune.appliance.generate import resolve_model
    from ragtune.appliance.home import Home
    from ragtune.appliance.ingest.pipeline import ingest_paths

    pack = REPO / "ragtune" / "models" / "pack"
    questions = [json.loads(line)["question"] for line in (pack / "qa.jsonl").read_text().splitlines() if line.strip()]
    root = Path(args.home or tempfile.mkdtemp(prefix="bench-serve-"))
    home = Home(root)
    settings = Settings(home=home)
    if not home.db_path.exists():
        ingest_paths(settings, [pack / "docs"])
    model_path = resolve_model(settings.generate.model, home)[0]
    env = {**os.environ, "RAGTUNE_HOME": str(root), "OMP_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        gen_port, backend_proc, gen_cfg = None, None, ""
        logs = open(root / f"{backend}.log", "w")
        if backend == "llama-server":
            gen_port = free_port()
            cfile = root / "llama_server.json"
            cfile.write_text(json.dumps({"host": "127.0.0.1", "port": gen_port, "interrupt_requests": False,
                                         "models": [{"model": str(model_path), "model_alias": "smollm2-base",
                                                     "n_ctx": 2048, "n_threads": args.threads,
                                                     "n_threads_batch": args.threads, "verbose": False}]}))
            backend_proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--config_file", str(cfile)],
                                            stdout=logs, stderr=subprocess.STDOUT, env=env)
            wait_http(f"http://127.0.0.1:{gen_port}/v1/models", backend_proc)
            gen_cfg = (f'backend = "openai"\nbase_url = "http://127.0.0.1:{gen_port}/v1"\n'
                       f'remote_model = "smollm2-base"\n')
        (root / "config.toml").write_text(
            f"[generate]\nthreads = {args.threads}\nthreads_batch = {args.threads}\nmax_tokens = {args.max_tokens}\n"
            f"answer_cache = false\n{gen_cfg}\n[embed]\nthreads = 1\n\n"
            f"[serve]\nworkers = {args.workers}\nqueue = {args.queue}\nretry_after_s = 1\n")
        for n in [int(x) for x in args.clients.split(",")]:
            port = free_port()
            proc = subprocess.Popen([sys.executable, "-m", "ragtune", "serve", "--port", str(port), "--log-level",
                                     "warning"], stdout=logs, stderr=subprocess.STDOUT, env=env)
            try:
                base = f"http://127.0.0.1:{port}"
                wait_http(base + "/healthz", proc)
                run_level(base, questions, 1, 1)  # warm: first retrieval, adapters, prefix cache
                res = run_level(base, questions, n, max(args.requests, n))  # every client sends at least once
                res.update(backend=backend, workers=args.workers, queue=args.queue,
                           server_peak_rss_mb=round(hwm_mb(proc.pid), 0),
                           backend_peak_rss_mb=round(hwm_mb(backend_proc.pid), 0) if backend_proc else None,
                           load_avg=round(os.getloadavg()[0], 1))
                results.append(res)
                print(json.dumps(res), flush=True)
            finally:
                proc.terminate()
                proc.wait(30)
        if backend_proc is not None:
            backend_proc.terminate()
            backend_proc.wait(30)
        logs.close()
    print("\n| backend | clients | ok/sent | 503 | errors | answers/s | p50 ms | p95 ms | server RSS MB | backend RSS MB | load |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['backend']} | {r['clients']} | {r['ok']}/{r['sent']} | {r['503']} | {r['errors']} | "
              f"{r['throughput_rps']:.2f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | {r['server_peak_rss_mb']:.0f} | "
              f"{r['backend_peak_rss_mb'] if r['backend_peak_rss_mb'] is not None else '-'} | {r['load_avg']} |")
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
