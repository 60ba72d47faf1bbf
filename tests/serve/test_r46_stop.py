"""Round 46: a forced stop is bounded. A generation that calls back no token (native code: a long prompt's
evaluation, a remote server that does not answer) cannot be stopped at its next token; the server held the process
until it ended (the pool's executor was shut down waiting, then the interpreter joined its threads), however short
`shutdown_timeout_s`. Now it is abandoned after pool.STOP_WAIT_S and the process ends: after the graceful time
runs out (SIGTERM, exit by the signal), and after a second Ctrl+C (exit 130). Nothing is half-written: the store
passes SQLite's integrity check and has no row for the abandoned request. A real process (signals, exit)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.serve.helpers import http_json as _request, spawn_serve

CHILD = """
import sys, time
from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.config import GenerateConfig, ServeConfig, Settings
from ragtune.appliance.home import Home
import ragtune.serve.server as server
from tests.serve.helpers import FakeRetriever, TaggingGenerator

class Stuck(TaggingGenerator):  # "xyzzy": 120 s without a token (as native code that calls nothing back)
    def generate(self, messages, *, schema, on_token=None, **kw):
        if "xyzzy" in messages[-1]["content"].lower():
            time.sleep(120)
        return super().generate(messages, schema=schema, on_token=on_token, **kw)

def factory(settings, n):
    engines = [AnswerEngine(settings, retriever=FakeRetriever(), generator=Stuck({})) for _ in range(n)]
    return engines, engines

home = Home(sys.argv[1]).ensure()
server.default_engines = factory
settings = Settings(home=home, serve=ServeConfig(shutdown_timeout_s=int(sys.argv[3])),
                    generate=GenerateConfig(answer_mode="free"))
server.serve(settings, host="127.0.0.1", port=int(sys.argv[2]), workers=1)
"""

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.fixture
def start(home, tmp_path, loopback):
    procs: list[subprocess.Popen] = []

    def run(shutdown_timeout_s: int) -> tuple[subprocess.Popen, int, Path]:
        log = tmp_path / f"serve-{len(procs)}.log"
        proc, port = spawn_serve(CHILD, home.root, str(shutdown_timeout_s), log, procs)
        return proc, port, log

    yield run
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(10)


def _stuck_request(port: int) -> tuple[threading.Thread, list]:
    got: list = []

    def ask() -> None:
        try:
            got.append(_request(port, "/v1/ask", {"question": "How high is the xyzzy mountain?"}))
        except Exception as exc:  # a dropped connection
            got.append(exc)

    t = threading.Thread(target=ask, daemon=True)
    t.start()
    deadline = time.monotonic() + 10
    while _request(port, "/healthz")[1].get("running") != 1:
        assert time.monotonic() < deadline, "the request never started"
        time.sleep(0.02)
    return t, got


def _store_is_whole(home) -> None:
    con = sqlite3.connect(home.db_path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows = con.execute("SELECT * FROM query_log").fetchall()
        assert not any("xyzzy" in str(r) for r in rows), rows  # the abandoned request wrote nothing
        assert any("Eiffel" in str(r) for r in rows)  # what was answered before the stop is there
    finally:
        con.close()


def test_sigterm_ends_a_stuck_generation_after_the_graceful_time(start, home):
    proc, port, log = start(1)
    assert _request(port, "/v1/ask", {"question": "Where is the Eiffel Tower?"})[0] == 200
    t, got = _stuck_request(port)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        rc = proc.wait(60)
    except subprocess.TimeoutExpired:
        pytest.fail("the server outlasted shutdown_timeout_s by more than 59 s: " + log.read_text())
    took = time.monotonic() - t0
    assert rc == -signal.SIGTERM, log.read_text()
    # shutdown_timeout_s + STOP_WAIT_S + slack for CI's shared cores (before: the 120 s generation)
    assert took < 1 + 2 + 20, took
    t.join(30)
    assert got and got[0][0] == 503 and got[0][1]["error"]["code"] == "shutting_down", got
    text = log.read_text()
    assert "abandoned" in text and "Traceback" not in text, text
    _store_is_whole(home)


def test_a_second_ctrl_c_ends_a_stuck_generation_at_once(start, home):
    proc, port, log = start(60)
    assert _request(port, "/v1/ask", {"question": "Where is the Eiffel Tower?"})[0] == 200
    t, got = _stuck_request(port)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    # the second Ctrl+C once the first was seen: two sent before a busy machine runs the child are one signal
    # (the kernel keeps one pending), a graceful stop that waits the whole 60 s
    deadline = time.monotonic() + 30
    while "Shutting down" not in log.read_text():
        assert time.monotonic() < deadline and proc.poll() is None, log.read_text()
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    try:
        rc = proc.wait(60)
    except subprocess.TimeoutExpired:
        pytest.fail("a second Ctrl+C did not stop the server: " + log.read_text())
    assert rc == 130 and time.monotonic() - t0 < 2 + 20, log.read_text()  # not the 60 s (loose: CI's cores)
    text = log.read_text()
    assert "aborted" in text and "Traceback" not in text, text
    _store_is_whole(home)
