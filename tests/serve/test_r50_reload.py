"""Round 50: SIGUSR1 reloads the tokens and scopes of a running `ragtune serve` (docs/serve.md, "Reloading tokens";
ragtune/serve/reload.py). Adding a client to a server for 200 needed a restart. A real process (signals go to the
main thread) for the swap itself; the rules (what is refused, what is recomputed) in process, without a socket."""

from __future__ import annotations

import asyncio
import http.client
import json
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.serve.helpers import fake_factory, spawn_serve

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="no SIGUSR1 on this platform (Windows)")

ACME, BOLT, CARO = "acme-secret-0123456789", "bolt-secret-0123456789", "caro-secret-0123456789"

CHILD = """
import sys
from ragtune.appliance.config import load_settings
from ragtune.appliance.home import Home
import ragtune.serve.server as server
from tests.serve.helpers import fake_factory

home = Home(sys.argv[1]).ensure()
server.default_engines = fake_factory(delay=0.01)  # an answer takes ~0.1 s
server.serve(load_settings(home=home), host="127.0.0.1", port=int(sys.argv[2]), workers=2)
"""


def _config(tokens: list[str], extra: str = "") -> str:
    return ('[generate]\nanswer_mode = "free"\n\n[serve]\nshutdown_timeout_s = 5\ntokens_env = "R50_RELOAD_NONE"\n'
            f"tokens = {json.dumps(tokens)}\n{extra}")


def _ask(port: int, secret: str) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/v1/ask", json.dumps({"question": "Where is the Eiffel Tower?"}),
                     {"Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
        r = conn.getresponse()
        r.read()
        return r.status
    finally:
        conn.close()


def _reloaded(proc: subprocess.Popen, log: Path, n: int, word: str) -> str:
    """Send SIGUSR1 and wait for the n-th reload line holding `word`."""
    proc.send_signal(signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while (text := log.read_text()).count(word) < n:
        assert time.monotonic() < deadline and proc.poll() is None, text
        time.sleep(0.05)
    return text


def test_sigusr1_adds_and_removes_tokens_without_a_failed_request(home, tmp_path, loopback):
    home.root.mkdir(parents=True, exist_ok=True)
    cfg = home.config_path
    cfg.write_text(_config([f"acme:{ACME}", f"bolt:{BOLT}"]))
    procs: list[subprocess.Popen] = []
    log = tmp_path / "serve.log"
    try:
        proc, port = spawn_serve(CHILD, home.root, "", log, procs)
        assert _ask(port, ACME) == 200 and _ask(port, CARO) == 401

        # acme asks all along: none of its requests fails while the list is swapped under them
        statuses: list = []
        stop = threading.Event()

        def hammer() -> None:
            while not stop.is_set():
                try:
                    statuses.append(_ask(port, ACME))
                except Exception as exc:  # a dropped connection would be a failure
                    statuses.append(exc)

        t = threading.Thread(target=hammer)
        t.start()
        try:
            cfg.write_text(_config([f"acme:{ACME}", f"caro:{CARO}"], "max_waiting_per_client = 3\n"))
            text = _reloaded(proc, log, 1, "tokens reloaded")
            assert _ask(port, CARO) == 200  # added: answers without a restart
            assert _ask(port, BOLT) == 401  # removed
            assert "2 token(s) of 2 name(s), 2 before" in text and "other settings need a restart" in text
            assert "not applied: [serve] max_waiting_per_client" not in text  # (a token key: applied)

            # a broken file: said with its line, the old tokens keep serving
            cfg.write_text(_config([f"acme:{ACME}"]) + "queue = 'many'\n")
            text = _reloaded(proc, log, 1, "tokens not reloaded")
            assert f"{cfg}:" in text and ":8: [serve] queue" in text, text
            assert _ask(port, CARO) == 200 and _ask(port, BOLT) == 401

            # no token left: refused (the server would answer anyone)
            cfg.write_text(_config([]))
            text = _reloaded(proc, log, 2, "tokens not reloaded")
            assert "no token is left" in text
            assert _ask(port, CARO) == 200
        finally:
            stop.set()
            t.join(30)
        assert statuses and all(s == 200 for s in statuses), [s for s in statuses if s != 200]
        assert proc.poll() is None  # SIGUSR1 never stopped it (its default action would have)
        assert "Traceback" not in log.read_text()
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(15)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait(10)


# -- the rules, in process ----------------------------------------------------------------------------------------
def _state(home, tokens: list[str], **serve):
    from ragtune.appliance.config import ServeConfig, Settings
    from ragtune.serve.server import build_state

    home.ensure()
    home.config_path.write_text(_config(tokens))
    settings = Settings(home=home, serve=ServeConfig(tokens=tokens, tokens_env="R50_RELOAD_NONE", **serve))
    settings.source = str(home.config_path)
    state, _ = build_state(settings, workers=1, engine_factory=fake_factory(), environ={})
    return settings, state


@pytest.fixture
def said():
    """The lines logged on "uvicorn.error" (a handler of its own: uvicorn's logging config, set by another test's
    server, stops that logger propagating to caplog's)."""
    import logging

    lines: list[str] = []
    handler = logging.Handler(logging.INFO)
    handler.emit = lambda record: lines.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("uvicorn.error")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    yield lines
    logger.removeHandler(handler)
    logger.setLevel(level)


def _reload(settings, state, text: str) -> bool:
    from ragtune.serve.reload import TokenReloader

    settings.home.config_path.write_text(text)
    return asyncio.run(TokenReloader(settings, state, environ={}).reload())


def test_a_reload_recomputes_the_share_per_client_and_clears_the_scope_cache(home):
    settings, state = _state(home, [f"acme:{ACME}"])
    assert state.pool.per_client is None  # one client: no share
    state.scopes._entries[(1, ("x",))] = (1, 2)
    assert _reload(settings, state, _config([f"acme:{ACME}", f"bolt:{BOLT}"],
                                            'token_scopes = { bolt = ["/srv/bolt/"] }\n'))
    assert state.pool.per_client == max(1, state.pool.queue // 2) and len(state.scopes) == 0
    assert {t.name: t.scope for t in state.tokens} == {"acme": None, "bolt": ("/srv/bolt/",)}
    from ragtune.serve.auth import bearer_token

    assert bearer_token(f"Bearer {BOLT}", state.tokens).name == "bolt"  # the new list's digest index


def test_a_reload_keeps_the_old_tokens_on_any_error(home, said):
    settings, state = _state(home, [f"acme:{ACME}"])
    before = state.tokens
    bad = [
        _config([f"acme:{ACME}"], 'token_scopes_default = "none"\n'),  # every token would read nothing
        _config(["acme:short"]),  # too short: the file's line
        _config(["bad name:" + BOLT]),
        "[serve\n",  # not TOML
    ]
    for text in bad:
        assert not _reload(settings, state, text), text
        assert state.tokens is before
    errors = [m for m in said if "not reloaded" in m]
    assert len(errors) == len(bad) and all(str(home.config_path) in m for m in errors), errors


def test_a_server_started_without_tokens_is_not_given_some_by_a_reload(home):
    settings, state = _state(home, [])
    assert not _reload(settings, state, _config([f"acme:{ACME}"]))
    assert state.tokens == []


def test_keys_other_than_the_tokens_are_named_as_waiting_for_a_restart(home, said):
    settings, state = _state(home, [f"acme:{ACME}"])
    assert _reload(settings, state, _config([f"acme:{ACME}"], "queue = 3\n"))
    line = next(m for m in said if "tokens reloaded" in m)
    assert "not applied: [serve] queue" in line and state.pool.queue != 3
