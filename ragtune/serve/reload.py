"""Reloading the tokens and their scopes of a running `ragtune serve` on SIGUSR1 (docs/serve.md, "Reloading tokens").

An MSP adding a client to a server for 200 needed a restart (SIGHUP drains and stops). SIGUSR1 re-reads the config
file the server started with (or HOME/config.toml) through the validation of a start (load_settings, load_tokens),
then takes from it only `[serve] tokens`, `$tokens_env`, `token_scopes`, `token_scopes_default` and the queue's share
per client that follows from them (`max_waiting_per_client`, pool.per_client_bound): every other
setting (engines, queue, models, CORS) is built into the running server and still needs a restart; the log line
says so, and names the keys changed in the file that wait for one.

The file is read off the event loop; the swap is on it, one assignment of `ServeState.tokens` (a request's auth
reads the list without an await between its reads, app.py), then the per-client queue share (pool.py
per_client_bound) and the scope cache. A request already past its auth keeps the token and scope it resolved.
Any error (the file's, naming its line; a token's) is logged and the old tokens stay. Refused too, old tokens kept:
a list left empty (the server would answer anyone), and tokens for a server started without any (its browser
Origin check and its bind check were decided at start: a restart). The environment is the process's own, fixed at
its start: a token added to $RAGTUNE_SERVE_TOKENS reaches the server only by a restart; a reload reads the
variable as the server started with it, and its log line says so (`sources`: the file re-read, the variable not).
No SIGUSR1 on Windows: nothing is installed there.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
import threading
from pathlib import Path
from typing import Any

from ..appliance.config import SECTIONS, Settings, load_settings
from ..appliance.errors import RagtuneError
from .auth import load_tokens, scope_notes
from .pool import per_client_bound

# what a reload applies: the tokens, their scopes, and each client's share of the queue (which depends on them)
TOKEN_KEYS = ("tokens", "tokens_env", "token_scopes", "token_scopes_default", "max_waiting_per_client")
RELOADED = "[serve] " + ", ".join("$" + k if k == "tokens_env" else k for k in TOKEN_KEYS)  # $: it names a variable


def _log() -> logging.Logger:
    return logging.getLogger("uvicorn.error")  # serve's own lines go there (server.serve_logs)


def empty_scopes_warning(settings: Settings, tokens: list[Any]) -> str | None:
    """For serve's start and a reload: auth.empty_scope_note's warning (the tokens whose token_scopes entry matches
    no stored document: every question of theirs refused no_sources), or None. A store that cannot be read here says
    so when the requests read it: a warning never stops a start or a reload."""
    if not any(getattr(t, "scope", None) for t in tokens):
        return None
    from ..appliance.store import open_store
    from .auth import empty_scope_note

    try:
        with contextlib.closing(open_store(settings.home)) as store:
            return empty_scope_note(store, tokens)
    except Exception as exc:  # (a warning's check: never a failure)
        logging.getLogger("ragtune.serve").debug("the token_scopes check failed: %s", exc)
        return None


def token_notes(settings: Settings, state: Any) -> None:
    """The lines a start (and a reload) writes about the tokens: how many are scoped, token_scopes names no token has,
    scopes that match no stored document, each client's share of the queue."""
    log = _log()
    scoped, typos = scope_notes(settings.serve, state.tokens)
    if scoped:
        log.info("%s", scoped)
    for typo in typos:
        log.warning("%s", typo)
    if empty := empty_scopes_warning(settings, state.tokens):
        log.warning("%s", empty)
    pool = state.pool
    if pool.per_client is not None and pool.queue:
        log.info("queue: %d place(s), at most %d waiting per client; clients are answered in turn", pool.queue,
                 pool.per_client)


def config_file(settings: Settings) -> Path:
    """The file the server's settings came from (`--config`, or HOME/config.toml: also when it did not exist at start)."""
    return Path(settings.source) if settings.source != "defaults" else settings.home.config_path


def sources(path: Path, new: Settings, tokens: list[Any]) -> str:
    """Where a reload's tokens came from, for its log line: the file, re-read, and the variable, not re-read (a
    process sees its environment as it started: a value changed in the shell or unit file reaches it only by a
    restart)."""
    in_file = len(new.serve.tokens)  # (load_tokens: the file's first, then the variable's)
    out = f"{path} (re-read: {in_file} token(s) in [serve] tokens)"
    if new.serve.tokens_env:
        out += (f" and ${new.serve.tokens_env} (not re-read: {len(tokens) - in_file} token(s) as this process started "
                "with it; a changed value needs a restart)")
    return out


class TokenReloader:
    """SIGUSR1 -> reload (module doc). `installed()` sets the handler for the whole of serve() (from before the models
    load: SIGUSR1's default action ends the process); `attach(loop)` (wire.HangupServer, while uvicorn runs) lets the
    handler start a reload on the loop. A signal before attach is remembered and reloaded at attach."""

    def __init__(self, settings: Settings, state: Any, environ: dict[str, str] | None = None):
        self.settings, self.state, self.environ = settings, state, environ
        self.loop: asyncio.AbstractEventLoop | None = None
        self.pending = False
        self.reloads = 0  # successful ones (the tests read it)
        self._task: asyncio.Task | None = None

    @contextlib.contextmanager
    def installed(self) -> Any:
        usr1 = getattr(signal, "SIGUSR1", None)  # (none on Windows)
        if usr1 is None or threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = signal.signal(usr1, self.on_signal)
        try:
            yield self
        finally:
            signal.signal(usr1, previous)

    def on_signal(self, _sig: int = 0, _frame: Any = None) -> None:
        # a signal handler: runs between two bytecodes of the main thread (the loop's), so nothing here but a flag and
        # a wake-up of the loop (as wire.HangupServer's force quit does)
        self.pending = True
        loop = self.loop
        if loop is not None:
            with contextlib.suppress(RuntimeError):  # (the loop closed meanwhile)
                loop.call_soon_threadsafe(self._start)

    def attach(self, loop: asyncio.AbstractEventLoop | None) -> None:
        self.loop = loop
        if loop is not None and self.pending:
            loop.call_soon(self._start)

    def _start(self) -> None:
        if self.loop is not None and (self._task is None or self._task.done()):
            self._task = self.loop.create_task(self._run())

    async def _run(self) -> None:
        while self.pending:  # signals during a reload: one more, after it
            self.pending = False
            await self.reload()

    async def reload(self) -> bool:
        """One reload (on the loop): True when the new tokens serve."""
        try:
            new, tokens = await asyncio.to_thread(self.read)
        except RagtuneError as exc:
            _log().error("SIGUSR1: tokens not reloaded, the old ones still serve: %s", str(exc).replace("\n", " "))
            return False
        except Exception as exc:  # (an unreadable file and the like: never the server's end)
            _log().error("SIGUSR1: tokens not reloaded, the old ones still serve: %s: %s", type(exc).__name__, exc)
            return False
        before = len(self.state.tokens)
        self.state.tokens = tokens  # the swap: one assignment, on the loop
        self.state.pool.per_client = per_client_bound(new.serve, tokens)
        self.state.scopes.clear()
        self.reloads += 1
        waits = self._waiting_restart(new)
        _log().info("SIGUSR1: tokens reloaded from %s: %d token(s) of %d name(s), %d before; only %s are reloaded, "
                    "other settings need a restart%s", sources(config_file(self.settings), new, tokens), len(tokens),
                    len({t.name for t in tokens}), before, RELOADED,
                    f" (changed in the file, not applied: {', '.join(waits)})" if waits else "")
        await asyncio.to_thread(token_notes, new, self.state)
        return True

    def read(self) -> tuple[Settings, list[Any]]:
        """The new settings and tokens, validated as at start (errors name the file and line). Off the loop."""
        from ..appliance.errors import ConfigError

        path = config_file(self.settings)
        new = load_settings(path if self.settings.source != "defaults" else None, home=self.settings.home)
        try:
            tokens = load_tokens(new.serve, self.environ)
        except ConfigError as exc:
            raise ConfigError(f"{path}: {exc.message}", hint=exc.hint) from None
        if self.state.tokens and not tokens:
            raise ConfigError(f"{path}: no token is left in [serve] tokens or ${new.serve.tokens_env}: the server "
                              "would answer anyone", hint="keep at least one token; to run open, restart it")
        if tokens and not self.state.tokens:
            raise ConfigError(f"{path}: this server started without tokens: it requires them only after a restart",
                              hint="restart it (its browser Origin check is chosen at start)")
        return new, tokens

    def _waiting_restart(self, new: Settings) -> list[str]:
        """The keys the file now sets otherwise than the server runs with, besides the reloaded ones."""
        out = []
        for name in SECTIONS:
            old_d, new_d = dataclasses.asdict(getattr(self.settings, name)), dataclasses.asdict(getattr(new, name))
            out += [f"[{name}] {k}" for k in sorted(new_d) if new_d[k] != old_d.get(k)
                    and not (name == "serve" and k in TOKEN_KEYS)]
        return out
