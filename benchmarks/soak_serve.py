"""Serve soak (round 48): one `ragtune serve` kept up and driven for a long time, sampled every 30 s, to find what
grows without bound (memory, descriptors, threads, the WAL, the query log, caches), latency drift, answers that go
stale after an ingest, and ingests that hold answers up.

    python benchmarks/soak_serve.py [--minutes 40] [--clients 2] [--real] [--ops-every 150] [--out FILE.json]

A fresh RAGTUNE_HOME (under --work, default a temp folder) gets the sample pack's documents plus a "canary"
document whose code changes at every ingest, and a second adapter (a copy of the built-in one with one byte of its
last tensor changed, so it has its own id) for the rollout. The server is a subprocess: `ragtune serve` with the
default model (--real), else the same `serve()` with the generation model replaced by a fake (FakeGenerator from
tests/fakes.py, answering a short span of its first source, or the canary's code: retrieval, the store, the query
log, the caches and the HTTP layer are all real). Clients send a mix of requests: varied and repeated questions,
chat completions streamed to the end or abandoned after the first chunk, malformed JSON, bodies over the limit,
a wrong token, scoped questions. Every --ops-every seconds, one operation in turn (each with its wall time):
ingest (canary changed, one document added, one removed, --prune), then the canary asked again (stale or not);
rollout start/rollback; backup (then deleted); doctor. Sampled every --sample-s: the server's RSS, threads, open
descriptors (sockets among them), ragtune.db and -wal sizes, the query-log rows (the largest log id answered),
and (fake server only) what the child reports: the retrieval and scope cache sizes, the gc object count, and how
many of its ragtune.db connections stayed inside a transaction over 1 s (such a reader pins the WAL and an old
snapshot). Prints a table of samples, one per 5-minute window (p50/p95 of answered /v1/ask, status codes), the
operations, and the RSS and descriptor growth per 1,000 requests after warm-up (least squares).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
PACK = REPO / "ragtune" / "models" / "pack"
TOKEN = "soak:" + "s" * 40
CANARY_Q = "What is the soak canary code?"


# ---------------------------------------------------------------- sampling helpers (tests/test_r48_soak.py)

def proc_figures(pid: int) -> dict[str, Any]:
    """RSS (MB), threads, open descriptors and how many are sockets, of a live process (Linux /proc)."""
    out: dict[str, Any] = {"rss_mb": float("nan"), "threads": -1, "fds": -1, "sockets": -1}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                out["rss_mb"] = int(line.split()[1]) / 1024
            elif line.startswith("Threads:"):
                out["threads"] = int(line.split()[1])
        fds = sockets = 0
        for fd in os.scandir(f"/proc/{pid}/fd"):
            fds += 1
            try:
                sockets += os.readlink(fd.path).startswith("socket:")
            except OSError:  # closed between the listing and the readlink
                pass
        out["fds"], out["sockets"] = fds, sockets
    except OSError:
        pass
    return out


def file_mb(path: Path) -> float:
    try:
        return path.stat().st_size / 1e6
    except OSError:
        return 0.0  # absent (a checkpoint truncated the WAL away): 0


def percentile(vals: list[float], q: float) -> float:
    if not vals:
        return float("nan")
    s = sorted(vals)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def windows(events: list[tuple[float, str, int, float]], width_s: float = 300.0) -> list[dict[str, Any]]:
    """Per `width_s` window of (t since start, kind, status, ms) events: answered-ask p50/p95 and counts by code."""
    out: dict[int, dict[str, Any]] = {}
    for t, kind, code, ms in events:
        w = out.setdefault(int(t // width_s), {"n": 0, "ask_ms": [], "codes": {}})
        w["n"] += 1
        w["codes"][code] = w["codes"].get(code, 0) + 1
        if kind == "ask" and code == 200:
            w["ask_ms"].append(ms)
    return [{"window": i, "start_min": round(i * width_s / 60, 1), "requests": w["n"],
             "ask_p50_ms": round(percentile(w["ask_ms"], 50), 1), "ask_p95_ms": round(percentile(w["ask_ms"], 95), 1),
             "codes": dict(sorted(w["codes"].items()))} for i, w in sorted(out.items())]


def growth_per_1000(samples: list[dict[str, Any]], key: str = "rss_mb", skip: int = 2) -> float:
    """Least-squares slope of `key` per 1,000 requests over the samples after the first `skip` (warm-up)."""
    pts = [(s["requests"], s[key]) for s in samples[skip:] if s.get(key) == s.get(key)]
    if len(pts) < 2 or pts[-1][0] == pts[0][0]:
        return float("nan")
    n = len(pts)
    mx = sum(p[0] for p in pts) / n
    my = sum(p[1] for p in pts) / n
    den = sum((p[0] - mx) ** 2 for p in pts)
    return sum((p[0] - mx) * (p[1] - my) for p in pts) / den * 1000 if den else float("nan")


# ---------------------------------------------------------------- the fake-generation server (child process)

def fake_child(home: str, port: int, stats_path: str) -> None:
    """`serve()` over HOME with every engine's generator a FakeGenerator (tests/fakes.py): answers the canary's
    code when a source has one, else the first words of S1; streamed pieces 10 ms apart (so a client can leave
    mid-stream). Writes cache sizes and gc counts to `stats_path` every 15 s."""
    import gc

    sys.path.insert(0, str(REPO))
    os.environ["RAGTUNE_HOME"] = home
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import load_settings
    from ragtune.serve import server as srv
    from tests.fakes import FakeGenerator

    def answer(messages: list[dict[str, str]], schema: dict[str, Any]) -> dict[str, Any]:
        srcs = re.findall(r"^\[(S\d+)\] (.*)$", messages[-1]["content"], re.M)
        for sid, text in srcs:
            m = re.search(r"canary code is (\w+-\d+)", text)
            if m:
                return {"status": "ok", "answer": m.group(1), "citations": [sid]}
        if not srcs:
            return {"status": "refused", "answer": "No sources.", "citations": []}
        words = re.sub(r"^#+ [^.]*? (?=[A-Z])", "", srcs[0][1]).split()[:4]
        return {"status": "ok", "answer": " ".join(words), "citations": [srcs[0][0]]}

    class SoakGenerator(FakeGenerator):
        def generate(self, messages: Any, *, schema: Any, on_token: Any = None, **kw: Any) -> Any:
            if on_token is not None:
                sink = on_token

                def on_token(piece: str) -> None:  # noqa: F811  (slowed: a stream lasts ~0.3 s)
                    time.sleep(0.01)
                    sink(piece)
            return super().generate(messages, schema=schema, on_token=on_token, **kw)

    from ragtune.appliance.home import Home
    from ragtune.appliance.registry import Registry

    base = os.environ.get("SOAK_FAKE_MODEL_ID") or \
        [m["id"] for m in Registry(Home()).list("base-gguf") if m.get("builtin")][0]
    shared: list[Any] = []

    def engines(settings: Any, n: int) -> tuple[list[Any], list[Any]]:
        r = srv.SharedRetriever(settings)
        shared.append(r)
        es = [AnswerEngine(settings, retriever=r, generator=SoakGenerator([answer], model_id=base)) for _ in range(n)]
        return es, es + [r]

    srv.default_engines = engines

    def report() -> None:
        from ragtune.serve.scopes import ScopeCache
        while True:
            time.sleep(15)
            try:
                objs = gc.get_objects()
                scopes = [len(o._entries) for o in objs if isinstance(o, ScopeCache)]
                import apsw  # the store's connections: one holding a snapshot (a transaction, or a statement
                # not run to its end: in_transaction stays False for that) at 5 looks 0.2 s apart pins the WAL
                cons = [o for o in apsw.connections() if str(getattr(o, "filename", "")).endswith("ragtune.db")]
                held = [2] * len(cons)  # the least txn_state seen: 0 none, 1 read, 2 write
                for _ in range(5):
                    for i, o in enumerate(cons):
                        try:
                            held[i] = min(held[i], o.txn_state("main"))
                        except Exception:  # closed, or busy in an engine's thread right now: not held
                            held[i] = 0
                    time.sleep(0.2)
                in_tx = [h > 0 for h in held]
                if any(in_tx):  # who holds it: every thread's stack, once per sample
                    import traceback
                    Path(stats_path + ".stacks").write_text("held %s\n" % held + "\n".join(
                        "".join(traceback.format_stack(f)) for f in sys._current_frames().values()))
                r = shared[0]._r if shared else None
                st = {"t": time.time(), "gc_objects": len(objs), "gc_counts": gc.get_count(),
                      "retrieval_cache": len(r.cache._data) if r is not None else -1, "scope_cache": sum(scopes),
                      "sqlite_open": len(in_tx), "sqlite_in_tx": sum(in_tx),
                      "sqlite_write_held": sum(h == 2 for h in held)}
                del objs
                tmp = stats_path + ".tmp"
                Path(tmp).write_text(json.dumps(st))
                os.replace(tmp, stats_path)
            except Exception as exc:  # never take the server down
                Path(stats_path + ".err").write_text(repr(exc))

    threading.Thread(target=report, daemon=True).start()
    srv.serve(load_settings(), host="127.0.0.1", port=port, log_level="warning")


# ---------------------------------------------------------------- the driver

class Driver:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.work = Path(args.work or tempfile.mkdtemp(prefix="soak-"))
        self.home = self.work / "home"
        self.docs = self.work / "docs"
        self.env = {**os.environ, "RAGTUNE_HOME": str(self.home), "RAGTUNE_SERVE_TOKENS": TOKEN,
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        self.lock = threading.Lock()
        self.events: list[tuple[float, str, int, float]] = []
        self.ops: list[dict[str, Any]] = []
        self.samples: list[dict[str, Any]] = []
        self.canary = 1
        self.churn = 0
        self.stop = threading.Event()
        self.max_log_id = 0
        qa = [json.loads(line) for line in (PACK / "qa.jsonl").read_text().splitlines() if line.strip()]
        self.questions = [q["question"] for q in qa]
        self.hot = self.questions[:12]  # repeated: the answer and retrieval caches

    def cli(self, *argv: str, timeout: float = 900) -> tuple[int, float, str]:
        t0 = time.perf_counter()
        p = subprocess.run([str(Path(sys.executable).parent / "ragtune"), *argv], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        return p.returncode, time.perf_counter() - t0, (p.stdout + p.stderr).strip().splitlines()[-1:][0][:200] \
            if (p.stdout + p.stderr).strip() else ""

    def write_canary(self) -> None:
        (self.docs / "soak").mkdir(parents=True, exist_ok=True)
        (self.docs / "soak" / "canary.md").write_text(
            f"# Soak canary\n\nThe soak canary code is CANARY-{self.canary:04d}. It changes at every ingest of the "
            "soak run, so that an answer given after the ingest shows which version of this document it read.\n")

    def write_churn(self) -> None:
        d = self.docs / "soak" / "churn"
        d.mkdir(parents=True, exist_ok=True)
        self.churn += 1
        (d / f"note-{self.churn:04d}.md").write_text(
            f"# Soak note {self.churn}\n\nSoak note number {self.churn} records that building {self.churn % 7} "
            f"moved its recycling bins to bay {self.churn % 11}. " * 3)
        for old in sorted(d.glob("note-*.md"))[:-3]:  # keep three: the others are removed (ingest --prune)
            old.unlink()

    def setup(self) -> None:
        shutil.copytree(PACK / "docs", self.docs)
        self.write_canary()
        self.write_churn()
        self.home.mkdir(parents=True)
        (self.home / "config.toml").write_text("[serve]\nworkers = 1\nqueue = 8\nmax_body_bytes = 65536\n")
        rc, s, tail = self.cli("ingest", str(self.docs))
        print(f"setup ingest rc={rc} {s:.1f}s {tail}", flush=True)
        src = REPO / "ragtune" / "appliance" / "adapters" / "ragtune-default.gguf"
        b = bytearray(src.read_bytes())
        b[-1] ^= 1  # the last tensor's last f16 (low bit): its own sha256, same shape and base
        (self.work / "soak-b.gguf").write_bytes(bytes(b))
        rc, s, tail = self.cli("models", "add", str(self.work / "soak-b.gguf"), "--kind", "lora-gguf", "--name",
                               "soak-b")
        print(f"models add rc={rc} {tail}", flush=True)

    def start_server(self) -> None:
        self.port = free_port()
        log = open(self.work / "serve.log", "wb")
        if self.args.real:
            cmd = [str(Path(sys.executable).parent / "ragtune"), "serve", "--host", "127.0.0.1", "--port",
                   str(self.port), "--log-level", "warning"]
        else:
            cmd = [sys.executable, str(Path(__file__).resolve()), "--child", str(self.home), str(self.port),
                   str(self.work / "child_stats.json")]
        self.proc = subprocess.Popen(cmd, env={**self.env, "PYTHONPATH": str(REPO)}, stdout=log,
                                     stderr=subprocess.STDOUT)
        deadline = time.time() + 600
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit("server exited: " + (self.work / "serve.log").read_text()[-2000:])
            try:
                if self.request("GET", "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise SystemExit("server did not come up")

    def request(self, method: str, path: str, body: bytes | None = None, *, auth: str | None = TOKEN,
                timeout: float = 300, conn: http.client.HTTPConnection | None = None,
                abandon: bool = False) -> tuple[int, bytes]:
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        headers = {"Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = "Bearer " + auth.split(":", 1)[1]
        try:
            c.request(method, path, body, headers)
            r = c.getresponse()
            if abandon:  # read the first chunk of the stream, then hang up
                r.read1(64) if hasattr(r, "read1") else r.read(64)
                c.sock.close() if c.sock else None
                return r.status, b""
            data = r.read()
            if r.status == 200 and path == "/v1/ask":
                try:
                    self.max_log_id = max(self.max_log_id, int(json.loads(data).get("log_id") or 0))
                except (ValueError, TypeError, AttributeError):
                    pass
            return r.status, data
        finally:
            if conn is None or abandon:
                c.close()

    def one(self, rng: random.Random, conn: http.client.HTTPConnection) -> tuple[str, int]:
        x = rng.random()
        q = rng.choice(self.hot) if rng.random() < 0.4 else rng.choice(self.questions)
        if x < 0.45:
            return "ask", self.request("POST", "/v1/ask", json.dumps({"question": q, "user": "u%d" % rng.randrange(50)})
                                       .encode(), conn=conn)[0]
        if x < 0.52:
            return "ask", self.request("POST", "/v1/ask", json.dumps(
                {"question": q, "in": [str(self.docs / "policies")]}).encode(), conn=conn)[0]
        if x < 0.57:
            return "canary", self.request("POST", "/v1/ask", json.dumps({"question": CANARY_Q}).encode(), conn=conn)[0]
        if x < 0.67:
            body = {"model": "ragtune", "stream": True, "messages": [{"role": "user", "content": q + " (stream)"}]}
            return "stream", self.request("POST", "/v1/chat/completions", json.dumps(body).encode(), conn=conn)[0]
        if x < 0.77:  # abandoned mid-stream: on its own connection, closed after the first chunk
            body = {"model": "ragtune", "stream": True,
                    "messages": [{"role": "user", "content": q + " (left %d)" % rng.randrange(10 ** 6)}]}
            return "abandon", self.request("POST", "/v1/chat/completions", json.dumps(body).encode(), abandon=True)[0]
        if x < 0.82:
            return "malformed", self.request("POST", "/v1/ask", b'{"question": "unterminated', conn=conn)[0]
        if x < 0.85:
            return "oversize", self.request("POST", "/v1/ask", json.dumps({"question": "x" * 70000}).encode())[0]
        if x < 0.90:
            return "badauth", self.request("POST", "/v1/ask", json.dumps({"question": q}).encode(),
                                           auth="soak:" + "w" * 40, conn=conn)[0]
        if x < 0.95:
            return "models", self.request("GET", "/v1/models", conn=conn)[0]
        return "healthz", self.request("GET", "/healthz", conn=conn)[0]

    def client(self, k: int) -> None:
        rng = random.Random(k)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                kind, code = self.one(rng, conn)
            except (OSError, http.client.HTTPException) as exc:
                kind, code = "transport", 0
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
                print("transport error:", repr(exc)[:160], flush=True)
            with self.lock:
                self.events.append((time.time() - self.t0, kind, code, (time.perf_counter() - t0) * 1000))
            if code == 503:
                time.sleep(0.2)
            if kind in ("oversize", "abandon") or code in (400, 401, 413, 422):
                conn.close()  # the server may close the connection after an error
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)

    def canary_check(self) -> dict[str, Any]:
        code, body = self.request("POST", "/v1/ask", json.dumps({"question": CANARY_Q}).encode())
        try:
            ans = json.loads(body)
        except ValueError:
            ans = {}
        text = ans.get("answer", "")
        want = f"CANARY-{self.canary:04d}"
        return {"code": code, "answer": text[:60], "cached": ans.get("cached"),
                "fresh": want in text, "stale": "CANARY-" in text and want not in text}

    def op(self, n: int) -> None:
        kind = ("ingest", "rollout", "ingest", "backup", "ingest", "doctor")[n % 6]
        t = time.time() - self.t0
        rec: dict[str, Any] = {"t_min": round(t / 60, 1), "op": kind}
        if kind == "ingest":
            before = self.canary_check()  # warms the answer cache with the old code
            self.canary += 1
            self.write_canary()
            self.write_churn()
            rc, s, tail = self.cli("ingest", str(self.docs), "--prune")
            rec.update(rc=rc, wall_s=round(s, 1), tail=tail, before=before["answer"], after=self.canary_check())
        elif kind == "rollout":
            rc, s, tail = self.cli("rollout", "start", "soak-b", "--share", "50")
            time.sleep(min(60.0, self.args.ops_every / 3))
            rc2, s2, tail2 = self.cli("rollout", "rollback")
            rec.update(rc=rc, rc_rollback=rc2, wall_s=round(s + s2, 1), tail=tail, tail2=tail2)
        elif kind == "backup":
            dest = self.work / f"backup-{n}"
            rc, s, tail = self.cli("backup", str(dest))
            shutil.rmtree(dest, ignore_errors=True)
            rec.update(rc=rc, wall_s=round(s, 1), tail=tail)
        else:
            rc, s, tail = self.cli("doctor")
            rec.update(rc=rc, wall_s=round(s, 1), tail=tail)
        self.ops.append(rec)
        print("op", json.dumps(rec), flush=True)

    def sample(self) -> dict[str, Any]:
        s: dict[str, Any] = {"t_min": round((time.time() - self.t0) / 60, 1)}
        with self.lock:
            s["requests"] = len(self.events)
        s.update(proc_figures(self.proc.pid))
        s["db_mb"] = round(file_mb(self.home / "ragtune.db"), 2)
        s["wal_mb"] = round(file_mb(self.home / "ragtune.db-wal"), 2)
        s["query_log"] = self.max_log_id  # rows: nothing prunes during the run (benchmarks carry no SQL)
        try:
            c = json.loads((self.work / "child_stats.json").read_text())
            s.update(gc_objects=c["gc_objects"], retr_cache=c["retrieval_cache"], scope_cache=c["scope_cache"],
                     sqlite_open=c["sqlite_open"], sqlite_held=c["sqlite_in_tx"],
                     sqlite_write_held=c.get("sqlite_write_held"))
        except (OSError, ValueError, KeyError):
            pass
        return s

    def run(self) -> dict[str, Any]:
        self.setup()
        self.start_server()
        self.t0 = time.time()
        end = self.t0 + self.args.minutes * 60
        threads = [threading.Thread(target=self.client, args=(k,), daemon=True) for k in range(self.args.clients)]
        for t in threads:
            t.start()

        def ops() -> None:
            n = 0
            while not self.stop.wait(self.args.ops_every):
                try:
                    self.op(n)
                except Exception as exc:
                    print("op failed:", repr(exc)[:200], flush=True)
                n += 1

        threading.Thread(target=ops, daemon=True).start()
        try:
            while time.time() < end:
                self.samples.append(self.sample())
                print("sample", json.dumps(self.samples[-1]), flush=True)
                if self.proc.poll() is not None:
                    print("SERVER DIED", flush=True)
                    break
                time.sleep(min(self.args.sample_s, max(0.0, end - time.time())))
            self.samples.append(self.sample())
        finally:
            self.stop.set()
            for t in threads:
                t.join(timeout=60)
            time.sleep(2)
            final = self.sample()  # after the clients stopped: what stays held at rest
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        res = {"args": vars(self.args), "work": str(self.work), "samples": self.samples, "at_rest": final,
               "windows": windows(self.events), "ops": self.ops,
               "rss_mb_per_1000": round(growth_per_1000(self.samples), 3),
               "fds_per_1000": round(growth_per_1000(self.samples, "fds"), 3),
               "kinds": {k: sum(1 for e in self.events if e[1] == k) for k in {e[1] for e in self.events}}}
        return res


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def print_report(res: dict[str, Any]) -> None:
    cols = ["t_min", "requests", "rss_mb", "threads", "fds", "sockets", "db_mb", "wal_mb", "query_log",
            "retr_cache", "scope_cache", "gc_objects", "sqlite_open", "sqlite_held"]
    print("| " + " | ".join(cols) + " |\n|" + "---|" * len(cols))
    for s in res["samples"][:: max(1, len(res["samples"]) // 16)] + [res["samples"][-1], res["at_rest"]]:
        print("| " + " | ".join(str(round(s.get(c), 1) if isinstance(s.get(c), float) else s.get(c, "-"))
                                for c in cols) + " |")
    print("\n| window (min) | requests | ask p50 ms | ask p95 ms | codes |\n|---|---|---|---|---|")
    for w in res["windows"]:
        print(f"| {w['start_min']} | {w['requests']} | {w['ask_p50_ms']} | {w['ask_p95_ms']} | {w['codes']} |")
    print("\nops:")
    for o in res["ops"]:
        print(" ", json.dumps(o))
    print(f"\nRSS growth {res['rss_mb_per_1000']} MB / 1,000 requests; fds {res['fds_per_1000']} / 1,000; "
          f"requests by kind {res['kinds']}")


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        fake_child(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        return
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=40)
    ap.add_argument("--clients", type=int, default=2)
    ap.add_argument("--real", action="store_true", help="the default model (else the fake generator)")
    ap.add_argument("--ops-every", type=float, default=150)
    ap.add_argument("--sample-s", type=float, default=30)
    ap.add_argument("--work", help="scratch folder (default: a new temp folder)")
    ap.add_argument("--out", help="write the full result as JSON here")
    args = ap.parse_args()
    res = Driver(args).run()
    if args.out:
        Path(args.out).write_text(json.dumps(res, indent=1))
    print_report(res)


if __name__ == "__main__":
    main()
