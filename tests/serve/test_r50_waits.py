"""Round 50 (flaky tests): the real-socket helpers the serving tests start servers with. A port is the server's
from the bind on (a port picked, closed and bound again later may be taken meanwhile by another process: CI runs
beside other jobs); a child server that finds its port taken is started again on another; a server whose start
failed is said at once, not waited out (the round-48 snapshot flake: a thread already dead, waited for 10 s)."""

from __future__ import annotations

import socket
import time

import pytest

from tests.serve import helpers

# A child that serves /healthz on argv[2], as `ragtune serve` would; on a port already taken it says what the CLI
# says (EADDRINUSE) and exits 1.
CHILD = """
import http.server, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"{}")
    def log_message(self, *a):
        pass
try:
    srv = http.server.HTTPServer(("127.0.0.1", int(sys.argv[2])), H)
except OSError as exc:
    print(f"error: {exc} (choose another --port)", flush=True)
    sys.exit(1)
srv.serve_forever()
"""


def test_a_listening_socket_holds_its_port_from_the_start(loopback):
    sock = helpers.listening_socket()
    try:
        port = sock.getsockname()[1]
        other = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        with other, pytest.raises(OSError):  # nobody else can take it before the server listens on it
            other.bind(("127.0.0.1", port))
    finally:
        sock.close()


def test_a_server_whose_start_fails_is_said_at_once(loopback):
    import uvicorn

    async def app(scope, receive, send):  # its startup fails: uvicorn ends the thread without starting
        if scope["type"] == "lifespan":
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no engine"})

    srv = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="critical"))
    sock = helpers.listening_socket()
    t0 = time.monotonic()
    with pytest.raises(AssertionError, match="ended before the server started"):
        helpers.run_uvicorn(srv, sock, wait_s=60)
    assert time.monotonic() - t0 < 30  # not the 60 s wait (milliseconds on an idle machine)
    sock.close()


def test_a_started_server_is_returned_and_answers(loopback):
    import uvicorn

    async def app(scope, receive, send):
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"{}"})

    sock = helpers.listening_socket()
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="critical"))
    t = helpers.run_uvicorn(srv, sock)
    try:
        assert srv.started and helpers.http_json(port, "/healthz") == (200, {})
    finally:
        srv.should_exit = True
        t.join(30)
    assert not t.is_alive()


def test_a_child_whose_port_was_taken_is_started_again_on_another(tmp_path, monkeypatch, loopback):
    taken = helpers.listening_socket()
    taken.listen()
    picks = [taken.getsockname()[1]]  # the first pick: taken by "another process" before the child binds it

    from tests import conftest

    real = conftest.free_port
    monkeypatch.setattr(conftest, "free_port", lambda: picks.pop(0) if picks else real())
    procs: list = []
    try:
        proc, port = helpers.spawn_serve(CHILD, tmp_path, "", tmp_path / "child.log", procs)
        assert port != taken.getsockname()[1] and proc.poll() is None
        assert len(procs) == 2 and procs[0].wait(10) == 1  # the first said so and ended; the second serves
    finally:
        taken.close()
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(10)


def test_a_child_that_fails_otherwise_is_said_at_once(tmp_path, loopback):
    procs: list = []
    t0 = time.monotonic()
    with pytest.raises(AssertionError, match="no such model"):
        helpers.spawn_serve("import sys; print('error: no such model', flush=True); sys.exit(3)", tmp_path, "",
                            tmp_path / "child.log", procs)
    assert time.monotonic() - t0 < 30 and len(procs) == 1  # not tried again, not the 60 s wait
