"""Fake engines for the serving tests: real AnswerEngines over a fake retriever and a scripted generator that
says which adapter produced each answer, optionally slowly (to fill the queue or be cancelled); and one request
straight through the ASGI app (`asgi_call`), for what the TestClient cannot show (disconnects, when a chunk went
out)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, Callable

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import ServeConfig, Settings
from ragtune.appliance.retrieve import RetrievalResult
from ragtune.appliance.types import Hit
from tests.fakes import FakeGenerator

DOCS = ["The Eiffel Tower is in Paris. It was built from 1887 to 1889 by the company of Gustave Eiffel.",
        "Mount Everest is the highest mountain on Earth, 8849 metres above sea level."]


class FakeRetriever:
    def __init__(self, texts=DOCS):
        self.hits = [Hit(chunk_id=10 + i, doc_id=i, text=t, source=f"/docs/d{i}.md", start_char=0, end_char=len(t),
                         sha256=f"h{i}", bm25_rank=i + 1, fused=1.0 / (i + 1)) for i, t in enumerate(texts)]
        self.store = self  # count_chunks: "something is ingested"

    def count_chunks(self):
        return len(self.hits)

    def retrieve(self, query, *, k=None, mode="hybrid", use_cache=True, **kw):
        hits = [] if "zzz" in query else self.hits[: (k or 6)]  # "zzz": retrieval finds nothing
        return RetrievalResult(hits=[Hit(**h.to_dict()) for h in hits], normalized_query=query.lower().strip(),
                               retrieval_ms=0.5, cached=False, candidates=list(hits))

    def close(self):
        pass


class TaggingGenerator(FakeGenerator):
    """Answers "Eiffel Tower Paris <tag>" where tag names the adapter set at generation time, so a test can see
    which adapter produced an answer. `delay` seconds between streamed pieces; `log` records
    (adapter at start, adapter at end) per call: a switch during a call would show as a mismatch."""

    def __init__(self, tags: dict[str, str], *, delay: float = 0.0, answer: Any = None, **kw: Any):
        super().__init__([self._out], **kw)
        self.tags, self.delay, self.answer = tags, delay, answer
        self.log: list[tuple[str, str]] = []
        self.streamed: list[bool] = []  # per call: was it given an on_token (streamed)?
        self.active = threading.Event()

    def _out(self, messages, schema):
        out = self.answer(self) if self.answer is not None else None  # None: the normal tagged answer
        if out is not None:
            return out
        tag = self.tags.get(self.adapter_id, "base")
        return {"status": "ok", "answer": f"Eiffel Tower Paris {tag}", "citations": ["S1"]}

    def generate(self, messages, *, schema, on_token=None, **kw):
        start = self.adapter_id
        self.streamed.append(on_token is not None)
        self.active.set()
        try:
            if self.delay and on_token is not None:
                def slow(piece, _sink=on_token):
                    time.sleep(self.delay)
                    _sink(piece)
                res = super().generate(messages, schema=schema, on_token=slow, **kw)
            else:
                if self.delay:
                    time.sleep(self.delay * 10)
                res = super().generate(messages, schema=schema, on_token=on_token, **kw)
        finally:
            self.active.clear()
        self.log.append((start, self.adapter_id))
        return res


def fake_factory(tags: dict[str, str] | None = None, **gen_kw: Any):
    made: list[AnswerEngine] = []

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=TaggingGenerator(tags or {}, **gen_kw))
                   for _ in range(n)]
        made.extend(engines)
        return engines, engines

    factory.engines = made  # type: ignore[attr-defined]
    return factory


def register_adapters(home, names=("alpha", "beta")) -> dict[str, str]:
    """Tiny GGUF LoRA headers registered as lora-gguf (the fake generator never loads them). name -> id."""
    from ragtune.appliance.registry import Registry

    from tests.gguf_helpers import write_gguf

    reg = Registry(home)
    out = {}
    for n in names:
        p = home.root / f"{n}.gguf"
        p.parent.mkdir(parents=True, exist_ok=True)
        out[n] = reg.add(write_gguf(p, tag=n), "lora-gguf", name=n).id
    return out


def serve_settings(home, **serve) -> Settings:
    """Settings of `home` with these [serve] values."""
    return Settings(home=home, serve=ServeConfig(**serve))


async def asgi_call(app, path: str, body: bytes | list[bytes], *, leave_after_s: float | None = None,
                    leave_after_chunks: int | None = None, partial: bool = False,
                    on_send: Callable[[dict], None] | None = None) -> list[dict]:
    """One request straight through the ASGI app, with a client that disconnects after a time or a number of
    response chunks. `partial`: the body's last part says more is coming (and without `leave_after_s` the
    client then stalls for good). `on_send(message)` sees each message as it is sent (the TestClient only
    returns a response once it is complete: it cannot tell when a stream's first chunk went out)."""
    parts = [body] if isinstance(body, bytes) else list(body)
    gone = asyncio.Event()
    sent: list[dict] = []

    async def receive() -> dict:
        if parts:
            part = parts.pop(0)
            return {"type": "http.request", "body": part, "more_body": bool(parts) or partial}
        if partial and leave_after_s is None:
            await asyncio.sleep(3600)
        if leave_after_s is not None:
            await asyncio.sleep(leave_after_s)
        else:
            await gone.wait()
        return {"type": "http.disconnect"}

    async def send(msg: dict) -> None:
        sent.append(msg)
        if on_send is not None:
            on_send(msg)
        if leave_after_chunks is not None and msg["type"] == "http.response.body" and \
                sum(m["type"] == "http.response.body" for m in sent) >= leave_after_chunks:
            gone.set()

    scope = {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
             "method": "POST", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
             "headers": [(b"content-type", b"application/json")], "client": ("127.0.0.1", 9),
             "server": ("127.0.0.1", 80), "scheme": "http"}
    await asyncio.wait_for(app(scope, receive, send), 30)
    return sent


def http_json(port: int, path: str, body: dict | None = None, timeout: float = 30) -> tuple[int, dict]:
    """(status, JSON body) of a GET (no body) or a JSON POST to a server on 127.0.0.1."""
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        if body is None:
            conn.request("GET", path)
        else:
            conn.request("POST", path, json.dumps(body), {"Content-Type": "application/json"})
        r = conn.getresponse()
        return r.status, json.loads(r.read() or b"{}")
    finally:
        conn.close()


def spawn_serve(child: str, home_root: Any, extra: str, log: Any, procs: list) -> tuple[Any, int]:
    """A `python -c child HOME PORT EXTRA` server process (its output in `log`, appended to `procs` for the fixture
    to kill), once /healthz answers: (process, port). The child binds the port itself, so the port picked here may
    be taken by another process before it does (CI runs beside other jobs): a child that exits saying so is
    started again on another port, rather than failing the test."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from tests.conftest import free_port

    repo = Path(__file__).resolve().parents[2]
    for _ in range(5):
        port = free_port()
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-c", child, str(home_root), str(port), extra], cwd=repo,
                                    stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONPATH": str(repo)})
        procs.append(proc)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if http_json(port, "/healthz", timeout=2)[0] == 200:
                    return proc, port
            except OSError:
                pass
            if proc.poll() is not None:
                said = Path(log).read_text()
                if _port_taken(said):
                    break  # another process took the port between the pick and the bind: try another
                raise AssertionError(said)
            time.sleep(0.1)
        else:
            raise AssertionError("the server did not start: " + Path(log).read_text())
    raise AssertionError("every port picked was taken before the server bound it: " + Path(log).read_text())


def _port_taken(log_text: str) -> bool:
    text = log_text.lower()
    return "address already in use" in text or "choose another --port" in text or "errno 98" in text


def listening_socket() -> Any:
    """A socket bound to a free loopback port, for uvicorn's `run(sockets=[...])`: the port is the server's from
    the start. (A port picked by binding 0, closed, then bound again by the server may be taken meanwhile.)"""
    import socket

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    return sock


def run_uvicorn(srv: Any, sock: Any, wait_s: float = 60.0) -> threading.Thread:
    """`srv.run(sockets=[sock])` in a daemon thread, returned once the server has started. A thread that ends
    first (its startup failed: its error is in the log) is said at once, not waited out; the wait is long
    because CI's cores are shared (a start takes milliseconds on an idle machine)."""
    ended: list[BaseException] = []

    def run() -> None:
        try:
            srv.run(sockets=[sock])
        except SystemExit as exc:  # uvicorn's exit on a failed start: said below, not an unhandled thread exception
            ended.append(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    deadline = time.monotonic() + wait_s
    while not srv.started:
        if not t.is_alive():
            how = f" (uvicorn's exit {ended[0].code})" if ended else ""
            raise AssertionError(f"the server's thread ended before the server started{how}: its error is logged")
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not start within {wait_s:g} s")
        time.sleep(0.01)
    return t


def start_in_thread(app: Any, settings: Settings, running: list) -> int:
    """Serve `app` as `ragtune serve` configures uvicorn, on a free local port in a daemon thread; its port once it
    has started. (server, thread) goes into `running`: the caller stops each (`should_exit`, then join)."""
    import uvicorn

    from ragtune.serve.server import uvicorn_config

    sock = listening_socket()
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn_config(app, settings, "error", host="127.0.0.1", port=port))
    try:
        t = run_uvicorn(srv, sock)
    except AssertionError:
        srv.should_exit = True  # a start that was too slow: it stops when it gets there
        raise
    running.append((srv, t))
    return port
