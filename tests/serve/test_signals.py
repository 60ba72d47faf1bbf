"""`ragtune serve` and SIGHUP (docs/serve.md, "Stopping"): a hangup drains the requests in flight as SIGTERM does (it
killed the process at once: every request in flight got a dropped connection and the log no shutdown line), and a
server started with SIGHUP ignored (`nohup`) keeps ignoring it. A real process: signals go to the main thread."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.serve.helpers import http_json as _get, spawn_serve

CHILD = """
import signal, sys
from ragtune.appliance.config import GenerateConfig, ServeConfig, Settings
from ragtune.appliance.home import Home
import ragtune.serve.server as server
from tests.serve.helpers import fake_factory

# as a terminal starts it, or under nohup: not as this test was started (a `nohup pytest` passes SIGHUP ignored)
signal.signal(signal.SIGHUP, signal.SIG_IGN if sys.argv[3] == "nohup" else signal.SIG_DFL)
home = Home(sys.argv[1]).ensure()
server.default_engines = fake_factory(delay=0.2)  # a non-streamed answer takes ~2 s
settings = Settings(home=home, serve=ServeConfig(shutdown_timeout_s=30), generate=GenerateConfig(answer_mode="free"))
server.serve(settings, host="127.0.0.1", port=int(sys.argv[2]), workers=1)
"""

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on this platform")


@pytest.fixture
def start(home, tmp_path, loopback):
    procs: list[subprocess.Popen] = []

    def run(mode: str = "") -> tuple[subprocess.Popen, int, Path]:
        log = tmp_path / f"serve-{len(procs)}.log"
        proc, port = spawn_serve(CHILD, home.root, mode, log, procs)
        return proc, port, log

    yield run
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def _in_flight(port: int) -> tuple[threading.Thread, list]:
    got: list = []

    def ask() -> None:
        try:
            got.append(_get(port, "/v1/ask", {"question": "Where is the Eiffel Tower?"}))
        except Exception as exc:  # a dropped connection
            got.append(exc)

    t = threading.Thread(target=ask)
    t.start()
    deadline = time.monotonic() + 10
    while _get(port, "/healthz")[1].get("running") != 1:
        assert time.monotonic() < deadline, "the request never started"
        time.sleep(0.02)
    return t, got


def test_sighup_drains_the_requests_in_flight_like_sigterm(start):
    proc, port, log = start()
    t, got = _in_flight(port)
    proc.send_signal(signal.SIGHUP)
    t.join(30)
    assert len(got) == 1 and not isinstance(got[0], Exception), got
    status, body = got[0]
    assert status == 200 and body["answer"] == "Eiffel Tower Paris base"
    assert proc.wait(30) == -signal.SIGHUP  # after the drain it ends by the signal, as SIGTERM does (by SIGTERM)
    text = log.read_text()
    assert "Shutting down" in text and "Finished server process" in text and "Traceback" not in text


def test_a_server_started_with_sighup_ignored_keeps_serving(start):
    proc, port, _ = start("nohup")
    proc.send_signal(signal.SIGHUP)
    time.sleep(0.5)
    assert proc.poll() is None and _get(port, "/healthz")[0] == 200
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == -signal.SIGTERM
