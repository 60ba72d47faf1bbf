"""Build the serving state (engines, pool, router, metrics) and run it under uvicorn."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import os
import signal
import socket
import sys
import threading
import time
from typing import Any, Callable

from ..appliance.config import Settings
from ..appliance.errors import InputError
from .app import ServeState, create_app
from .auth import check_bind, load_tokens
from .cors import canonical_origins, cors_warning
from .front import Front
from .metrics import Metrics
from .pool import EnginePool, per_client_bound
from .publicid import PublicIds
from .reload import TokenReloader, token_notes
from .routing import Router

log = logging.getLogger("ragtune.serve")
MONITOR_EVERY_S = 15.0


class SharedRetriever:
    """One retriever (embedder, lexical index, vectors) for all engines: retrieval takes milliseconds, so a lock
    costs little and saves an embedding model and index readers per engine."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self._lock = threading.Lock()
        self._r: Any = None

    def _get(self) -> Any:
        if self._r is None:
            from ..appliance.retrieve import Retriever

            self._r = Retriever(self.settings)
        return self._r

    def retrieve(self, *args: Any, **kw: Any) -> Any:
        with self._lock:
            return self._get().retrieve(*args, **kw)

    def warm(self) -> None:
        """Open the retriever and load its embedding model now (serve, before it listens), not on the first
        request."""
        with self._lock:
            _ = self._get().embedder

    @property
    def store(self) -> Any:
        with self._lock:
            return self._get().store

    def close(self) -> None:
        with self._lock:
            if self._r is not None:
                self._r.close()
                self._r = None


def default_engines(settings: Settings, n: int) -> tuple[list[Any], list[Any]]:
    """(engines, things to close). Every engine has its own generator (llama.cpp context or HTTP client) and
    store connection; the retriever is shared."""
    from ..appliance.answer import AnswerEngine

    shared = SharedRetriever(settings)
    engines = [AnswerEngine(settings, retriever=shared) for _ in range(n)]
    return engines, engines + [shared]


class AdapterUpkeep:
    """When a rollout ends (rollback, promote, auto-rollback, or another command's change to rollout.json), every
    engine's generator closes the adapters no unpinned request is routed to any more (AdapterServing.retain): the
    losing arm's merged model (~250 MB with the default model) stayed loaded until another adapter took its place.

    Per engine, under the engine's lock, as a request's switch is: a request in flight (it holds the lock for its
    whole answer) finishes first, and the upkeep runs before the engine's next answer. In a thread of its own, never
    the event loop's nor the monitor's (/metrics would wait for a generation). The adapter an engine serves now (a
    pinned client's, or the losing arm it answered last) is kept and not switched from: a switch could rebuild a
    merged model under the lock; the next request switches as it would anyway. What to keep is read when the
    engine's turn comes, so a rollout started meanwhile keeps its arms."""

    def __init__(self, engines: list[Any], keep: Callable[[], list[str]]):
        self.engines, self.keep = engines, keep
        self.stopped = threading.Event()
        self.closed: list[str] = []  # the adapter ids closed (the tests read it)
        self._wanted = False
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def request(self) -> None:
        with self._guard:
            self._wanted = True
            if self._thread is None and not self.stopped.is_set():
                self._thread = threading.Thread(target=self._run, name="ragtune-adapter-upkeep", daemon=True)
                self._thread.start()  # a daemon: an abandoned engine's lock never holds the process

    def stop(self) -> None:
        self.stopped.set()

    def join(self, timeout: float | None = None) -> None:
        t = self._thread
        if t is not None:
            t.join(timeout)

    def _run(self) -> None:
        while True:
            with self._guard:
                if not self._wanted or self.stopped.is_set():
                    self._thread = None
                    return
                self._wanted = False
            for engine in self.engines:
                self._retain(engine)

    def _retain(self, engine: Any) -> None:
        lock = getattr(engine, "_lock", None)
        if lock is None or not getattr(engine, "holds_adapters", False):
            return  # not loaded yet, or nothing it could close (a remote backend, a test's engine)
        while not lock.acquire(timeout=1.0):  # (bounded waits: a stop must not wait for a generation)
            if self.stopped.is_set():
                return
        try:
            if self.stopped.is_set():
                return
            # The adapter serving now is kept, never switched from here: a switch may rebuild a pruned merged file
            # (minutes) under the engine's lock. The next request's own switch moves it off a losing arm.
            self.closed += engine.close_other_adapters(self.keep())
        except Exception as exc:  # upkeep: never a failure of serving (the bound still holds at the next switch)
            log.warning("after the rollout's end, an engine kept its other adapters loaded: %s", exc)
        finally:
            lock.release()


class Monitor:
    """The rollout check, at most every `every_s`: updates /metrics and applies auto-rollback; when the rollout
    it saw running has ended, asks `upkeep` to close the adapters no longer routed to."""

    def __init__(self, settings: Settings, metrics: Metrics, router: Router, every_s: float = 5.0,
                 upkeep: AdapterUpkeep | None = None):
        self.settings, self.metrics, self.router, self.every_s = settings, metrics, router, every_s
        self.upkeep = upkeep
        self._last = 0.0
        self._running: str | None = None  # the id of the rollout last seen running
        self.breaches: list[str] = []
        # The periodic loop and /metrics both call this, from worker threads: one check at a time (two at once
        # could both apply the same auto-rollback and count it twice).
        self._lock = threading.Lock()

    def __call__(self) -> list[str]:
        with self._lock:
            try:
                return self._check()
            finally:
                self._ended()

    def _ended(self) -> None:
        """A rollout seen running has ended (or another has replaced it): the upkeep closes what lost."""
        try:
            r = self.router.state.current()
        except Exception:  # a damaged rollout.json: the check says so; nothing ended that we know of
            return
        now = r.id if r is not None else None
        if self._running is not None and now != self._running and self.upkeep is not None:
            self.upkeep.request()
        self._running = now

    def _check(self) -> list[str]:
        now = time.monotonic()
        if now - self._last < self.every_s:
            return self.breaches
        self._last = now
        from ..models.rollout_watch import check

        try:
            st = check(self.settings, state=self.router.state)
        except Exception as exc:  # a monitoring failure must never take serving down
            log.warning("rollout check failed: %s", exc)
            return self.breaches
        r = st["rollout"]
        running = bool(r and r["status"] == "running")
        judged = running or st["rolled_back"]  # the breach that caused a rollback is shown once
        self.breaches = sorted({b["rule"] for b in (st["comparison"] or {}).get("breaches", [])}) if judged else []
        if st["rolled_back"]:
            self.metrics.auto_rollbacks.inc()
            log.warning("rollout %s rolled back automatically: %s", r["id"], r["history"][-1].get("reason"))
        self.metrics.set_rollout(r["share"] if running else 0.0, self.breaches)
        return self.breaches


def build_state(settings: Settings, *, workers: int | None = None,
                engine_factory: Callable[[Settings, int], tuple[list[Any], list[Any]]] | None = None,
                environ: dict[str, str] | None = None, bind: str | None = None) -> tuple[ServeState, list[Any]]:
    """`bind`: the address the app is served on (serve() gives it; --host may differ from [serve] host): a
    loopback one turns the Host check on (guard.py). None (an app served some other way, the tests' clients): only
    [serve] allowed_hosts does."""
    from ..appliance.config_ops import allowed_host
    from ..appliance.store import open_store

    cfg = settings.serve
    n = workers or cfg.workers
    # Apply migrations once, here: engines open their own connections concurrently on their first request, and
    # two connections migrating a fresh database at once would race.
    open_store(settings.home).close()
    engines, closables = (engine_factory or default_engines)(settings, n)
    # the routed name's adapter outside a rollout: [generate] adapter, as for `ask` ("default": the activated one,
    # else the built-in when its manifest says go; "none": the base model)
    router = Router(settings.home, default=str(settings.generate.adapter or "default"),
                    model=settings.generate.model)  # /v1/models lists only adapters servable on it
    metrics = Metrics(settings.home.root)  # with the store's file sizes (ragtune_store_bytes)
    tokens = load_tokens(cfg, environ)
    state = ServeState(pool=EnginePool(engines, cfg.queue, per_client_bound(cfg, tokens)), router=router, tokens=tokens,
                       max_body_bytes=cfg.max_body_bytes, body_timeout_s=cfg.body_timeout_s,
                       retry_after_s=cfg.retry_after_s, metrics=metrics,
                       list_adapters=router.list_adapters, cors_origins=canonical_origins(cfg.cors_origins),
                       bind_host=bind, allowed_hosts=[allowed_host(h) for h in cfg.allowed_hosts],
                       ids=PublicIds(settings.home.root))
    if any(t.scope for t in tokens):
        state.ids.key()  # read or made now: a home it cannot write is said at start (publicid.py)
    # after a rollout: what unpinned requests are routed to now, the served default first
    upkeep = AdapterUpkeep(engines, lambda: [router.served_default(), *_candidate(router)])
    state.monitor = Monitor(settings, metrics, router, upkeep=upkeep)
    # cached answers before the queue (front.py); as many lookups may wait as requests may wait for an engine
    state.front = Front.of(settings, engines, max_pending=max(8, state.pool.capacity))
    if state.front is not None:
        closables = [state.front, *closables]  # first: it reads the engines' generators
    return state, closables


def _candidate(router: Router) -> list[str]:
    r = router.state.current()
    return [r.candidate] if r is not None else []


def make_app(settings: Settings, *, warm: bool = True, **kw: Any) -> Any:
    """The ASGI app with a lifespan that loads every engine's model first and runs the rollout monitor."""
    state, closables = build_state(settings, **kw)
    app = create_app(state)

    @contextlib.asynccontextmanager
    async def lifespan(_: Any) -> Any:
        if warm:
            await state.pool.warm(_model_loader(state))
        task = asyncio.ensure_future(_monitor_loop(state))
        try:
            yield
        finally:
            task.cancel()
            if isinstance(state.monitor, Monitor) and state.monitor.upkeep is not None:
                state.monitor.upkeep.stop()  # it takes no engine's lock from now on
            # bounded: a generation that does not stop within STOP_WAIT_S is abandoned (pool.py), and then nothing
            # is closed: an abandoned engine holds its lock (close would wait for it) and may be reading the shared
            # retriever or a store; serve() ends the process without waiting for it
            if await asyncio.to_thread(state.pool.close):  # (off the loop: the requests cut short answer meanwhile)
                log.warning("%d generation(s) did not stop in time: abandoned (the process ends without them; "
                            "what they had not committed is not written)", len(state.pool.abandoned))
            else:
                for c in closables:
                    with contextlib.suppress(Exception):
                        c.close()

    app.router.lifespan_context = lifespan
    return app


async def _monitor_loop(state: ServeState) -> None:
    loop = asyncio.get_running_loop()
    while True:
        if state.monitor is not None:
            await loop.run_in_executor(None, state.monitor)
        await asyncio.sleep(MONITOR_EVERY_S)


def serve(settings: Settings, *, host: str | None = None, port: int | None = None, workers: int | None = None,
          log_level: str = "info") -> None:
    from .marker import serving_marker
    host = host or settings.serve.host
    port = settings.serve.port if port is None else port
    tokens = load_tokens(settings.serve)
    check_bind(host, tokens)
    sock = listen_socket(host, port)  # before the models load: a port in use is said at once, as an error
    # The marker, held while the models load and while serving: `config set` can tell that this process read the
    # config at its start (a change waits for a restart).
    with contextlib.closing(sock), serving_marker(settings.home.root), contextlib.ExitStack() as stack:
        # The models load here, before uvicorn starts: a model or adapter that cannot load is the CLI's one-line
        # error (a failure inside uvicorn's startup would print a traceback). Until they are loaded the socket is
        # bound but not listening: a connection is refused at once (docs/serve.md).
        app = make_app(settings, workers=workers, warm=False, bind=host)
        config = uvicorn_config(app, settings, log_level)  # sets up uvicorn's logging: the lines below use it
        stack.enter_context(serve_logs())
        stack.enter_context(retention_logged())
        say = logging.getLogger("uvicorn.error").info
        # uvicorn names no address for a socket it is handed: say where it listens (port 0: the one chosen).
        url = "http://%s:%d" % (f"[{host.strip('[]')}]" if ":" in host else host, sock.getsockname()[1])
        say("ragtune loading the models of %d engine(s) for %s", len(app.state.serve.pool.engines), url)
        origins = app.state.serve.cors_origins
        if origins:
            say("CORS: browser pages of %s may call it", "any origin" if origins == ["*"] else ", ".join(origins))
        if allowed := app.state.serve.allowed_hosts:
            say("Host check: answers for %s too", "any Host" if allowed == ["*"] else ", ".join(allowed))
        token_notes(settings, app.state.serve)  # [serve] token_scopes, the queue's share per client
        # SIGUSR1 reloads the tokens and scopes (reload.py); its handler is set now: its default ends the process
        reloader = stack.enter_context(TokenReloader(settings, app.state.serve).installed())
        if warning := cors_warning(origins, not tokens):
            logging.getLogger("uvicorn.error").warning("%s", warning)
        asyncio.run(app.state.serve.pool.warm(_model_loader(app.state.serve)))
        say("ragtune serving on %s (Ctrl+C to stop)", url)
        pool = app.state.serve.pool
        server = force_quit_server(config, reloader)
        try:
            server.run(sockets=[sock])  # SIGHUP drains as SIGTERM does (wire.py)
        except KeyboardInterrupt:  # Ctrl+C: uvicorn raises it again once stopped (SIGTERM and SIGHUP end the
            if pool.abandoned:     # process by the signal there, without waiting for any thread)
                _exit_now(130, "aborted")
            raise
        # A Ctrl+C whose raising again asyncio's runner swallowed (its main task had already ended: seen with two
        # Ctrl+C under load) is still a Ctrl+C: 130, "aborted", not 0
        if signal.SIGINT in getattr(server, "_captured_signals", ()):
            if pool.abandoned:
                _exit_now(130, "aborted")
            raise KeyboardInterrupt
        if pool.abandoned:
            _exit_now(0)


def force_quit_server(config: Any, reloader: Any = None) -> Any:
    """uvicorn's Server for `serve` (wire.HangupServer): SIGHUP drains as SIGTERM does, a force quit, a second
    Ctrl+C, also drops the connections still open, and SIGUSR1 reloads the tokens (`reloader`, reload.py)."""
    from .wire import HangupServer  # (uvicorn: imported when serving only)

    server = HangupServer(config)
    server.reloader = reloader
    return server


@contextlib.contextmanager
def retention_logged() -> Any:
    """While serving, the query log's retention says once in the server's log what it first removed (`ask` says it
    on stderr; a pass in an engine's thread would otherwise delete entries without a word)."""
    from ..appliance import querylog

    def told(_home: Any, n: int, more: int, keep_days: int) -> None:
        logging.getLogger("uvicorn.error").warning("%s", querylog.retention_note(n, more, keep_days))

    querylog.on_retention.append(told)
    try:
        yield
    finally:
        querylog.on_retention.remove(told)


def _exit_now(code: int, message: str = "") -> None:
    """End the process now, without waiting for the abandoned generations' threads (the interpreter would join
    them at exit: a stop bounded by shutdown_timeout_s would last as long as they do) nor running C++ destructors
    under them; the logs are flushed first. Ctrl+C's message and status are the CLI's (`aborted`, 130)."""
    logging.shutdown()
    if message:
        print(message, file=sys.stderr)
    for f in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            f.flush()
    os._exit(code)


def _model_loader(state: ServeState) -> Callable[[Any], None]:
    """What loads an engine's models before the server listens: what its first request would load, so that a
    model or adapter that cannot load is said at start (exit 3), as is an n_ctx too small for any question (exit 2),
    and a model file moved or deleted later no longer fails every request (a loaded model stays mapped)."""
    adapter = state.router.served_default()  # what a request for the routed name sets: [generate] adapter or the arm

    def load_model(engine: Any) -> None:
        if adapter is not None and hasattr(engine, "set_adapter"):
            engine.set_adapter(adapter)  # creates the generator (or the backend's client) and applies the adapter
        gen = engine.generator
        load = getattr(gen, "load", None)  # in-process: the served model's weights (a merged adapter's model is
        if load is not None:               # loaded by applying it; the base's are loaded here)
            load()
        fits = getattr(engine, "check_fits", None)  # no question can fit beside the instructions and max_tokens:
        if fits is not None:  # a ConfigError now (exit 2), not a 500 on every request (question_fit.py)
            fits(gen)
        warm = getattr(getattr(engine, "retriever", None), "warm", None)  # the shared retriever's embedding model
        if warm is not None:
            warm()

    return load_model


def uvicorn_config(app: Any, settings: Settings, log_level: str = "info", **kw: Any) -> Any:
    """One process: the engines are threads of this process (uvicorn's own --workers would copy every model).
    HTTP/1.1 by h11 with a deadline on each request's head (`HeadTimeoutH11`). On a stop, the requests in flight
    get `[serve] shutdown_timeout_s`; then uvicorn cancels them (the app answers 503 shutting_down)."""
    import uvicorn

    from .wire import head_timeout_protocol, quiet_forced_stop

    from .body import MAX_HEAD_BYTES

    # h11_max_incomplete_event_size: a head that has not all arrived within this many bytes is the 431 (wire.py)
    return uvicorn.Config(quiet_forced_stop(app), log_level=log_level, access_log=False,
                          timeout_graceful_shutdown=settings.serve.shutdown_timeout_s,
                          http=head_timeout_protocol(settings.serve.body_timeout_s),
                          h11_max_incomplete_event_size=MAX_HEAD_BYTES, **kw)


@contextlib.contextmanager
def serve_logs() -> Any:
    """ragtune.serve's lines (a 5xx's reason, a rollout warning, the access lines of access.py, an unexpected error's
    traceback at debug) through uvicorn's handler and at its --log-level, once uvicorn has set up its logging; as
    they were afterwards. Without this they reached logging's last resort: WARNING and up only, without a level, so
    `--log-level debug` showed no traceback and no request was ever logged."""
    ours = logging.getLogger("ragtune.serve")
    before = ours.level, ours.handlers, ours.propagate
    handlers = logging.getLogger("uvicorn").handlers
    if handlers:  # (none: uvicorn run without its logging config; the app's logging stays as it is)
        ours.setLevel(logging.getLogger("uvicorn.error").getEffectiveLevel())
        ours.handlers = list(handlers)
        ours.propagate = False  # printed once, by uvicorn's handler
    try:
        yield
    finally:
        ours.handlers, ours.propagate = before[1], before[2]
        ours.setLevel(before[0])  # (setLevel: the loggers' cached levels are cleared)


def listen_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port for the server to listen on, or an InputError naming the address."""
    try:
        family, kind, proto, _, addr = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM,
                                                          flags=socket.AI_PASSIVE)[0]
    except socket.gaierror as exc:
        raise InputError(f"cannot listen on {host}: {exc.strerror}", hint="give an address or host name of this "
                         "machine with --host (127.0.0.1, 0.0.0.0, ::)") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a restart may rebind at once (TIME_WAIT)
    try:
        sock.bind(addr)
    except OSError as exc:
        sock.close()
        raise InputError(f"cannot listen on {host}:{port}: {exc.strerror or exc}", hint=_BIND_HINTS.get(
            exc.errno, "choose another --port, or stop the program that uses this one")) from None
    return sock


_BIND_HINTS = {
    errno.EADDRNOTAVAIL: "give an address of this machine with --host (127.0.0.1, 0.0.0.0 for every interface, ::)",
    errno.EACCES: "ports below 1024 need privileges: choose --port 1024 or above (the default is 8088)",
}
