"""The HTTP/1.1 connection under the app: uvicorn's h11 protocol with a deadline on each request's head.

uvicorn times out neither a connection that sends nothing after it opens nor one that sends its request line and
headers a byte at a time (every byte it receives cancels its keep-alive timer): a few hundred such clients hold as
many file descriptors for as long as they like, and the server stops accepting anyone (slow loris). Here the head
of each request (request line and headers) must arrive within `head_timeout_s` of the connection opening or of
the previous response ending; otherwise the connection is closed. The body has its own deadline in the app
([serve] body_timeout_s, a 408); a request being answered has none (generation takes what it takes).

uvicorn keeps this protocol private, so what it relies on is named here: `H11Protocol` in
uvicorn.protocols.http.h11_impl, its hooks connection_made / data_received / eof_received / on_response_complete /
connection_lost, its attributes `conn` (the h11.Connection), `transport` (closed by its `close()`), `loop` and
`cycle` (its `waiting_for_100_continue`), and `uvicorn.Config(http=<a protocol class>)`.
They are the same in uvicorn 0.29 (the oldest pyproject.toml allows), 0.40 and 0.55, where tests/serve passes;
tests/serve/test_wire.py checks the hooks, so a uvicorn that renames one fails there, not silently here.

A connection closed before its request's body has all arrived (a 413 said from Content-Length, a 401, a 408) is
closed as nginx's "lingering close" does (`_Lingering`): the response is sent and the write side shut, then what
the client still sends is read and dropped for up to `LINGER_S`, until it closes. A plain close with unread bytes
makes the kernel answer them with a reset, and a client that writes its whole body before reading (Python's
http.client, requests, httpx) got "connection reset" or "broken pipe" instead of the JSON error sent to it.

A request that is not valid HTTP never reaches the app: uvicorn answered it with a plain-text `400 Invalid HTTP
request received.` Here it is the API's JSON error (`send_400_response`): the 431 `headers_too_large` for a head
over `MAX_HEAD_BYTES` (h11's "Receive buffer too long", its `max_incomplete_event_size`, which `uvicorn_config`
sets to that limit), else the 400 `invalid_http`; then the connection closes, lingering as above (a client still
sending a 1 MB header read the 431, not a reset). A head over the limit that arrived whole, in one read, passes
h11 and is the app's 431 (guard.py), so the limit holds however the bytes were split. Either refusal is counted
in /metrics (`ragtune_requests_total{route="-"}`) and has its access line (access.refused_line), as a request the
app refuses does: before round 48 a client sending garbage showed in neither. The app's (the one `quiet_forced_stop`
wrapped) metrics are found through `config.app`, its `refused` attribute (`_refusal_recorder`).

A client that half-closes (its request, then `shutdown(SHUT_WR)`: netcat, socat, some proxies) has only finished
sending (RFC 9112 §9.6): uvicorn took the EOF for a disconnect and the request was dropped unanswered. Here, with its
request whole, the connection stays open, the answer is sent, then it closes (`eof_received`). A client that closed
entirely sends the same EOF: so that one still leaves the queue and stops its generation, the server writes a
`100 Continue` at the EOF (clients skip a 1xx before the answer, RFC 9110 §15.2), which a closed socket answers with
a reset, and checks the socket every `PROBE_S` until the answer starts (`_check_peer`). A head-deadline close is
counted in /metrics (`ragtune_connections_closed_total{reason="head_timeout"}`, `_close_counter`).

`HangupServer` (SIGHUP stops the server as SIGTERM does) relies on `uvicorn.Server.capture_signals` (a context
manager since 0.29), `handle_exit`, `force_exit` and `server_state.connections`; tests/serve/test_signals.py sends
the signal to a real process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
import time
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from .access import refused_line
from .body import MAX_HEAD_BYTES, HTTPError, dumps

log = logging.getLogger("ragtune.serve")
LINGER_S = 5.0  # how long a connection closed mid-body still reads (and drops) the rest of it (nginx: 5 s)
PROBE_S = 0.5  # how often a half-closed connection awaiting its answer is checked for a client that left


class _Lingering:
    """The connection's transport as uvicorn sees it, whose `close()` lingers while the client is still sending its
    request's body: the response goes out, then a FIN (write_eof), then the rest of the body is read and dropped
    (HeadTimeoutH11.data_received) until the client closes or `LINGER_S` has passed."""

    def __init__(self, transport: asyncio.Transport, protocol: "HeadTimeoutH11"):
        self._transport, self._protocol = transport, protocol
        self.lingering = False
        self._timer: asyncio.TimerHandle | None = None

    def __getattr__(self, name: str) -> Any:  # everything else is the transport's own
        return getattr(self._transport, name)

    def is_closing(self) -> bool:
        return self.lingering or self._transport.is_closing()

    def close(self) -> None:
        t = self._transport
        if self.lingering:
            return
        # (ERROR: a request refused as invalid HTTP, whose client may still be sending it: a 1 MB header)
        if self._protocol.conn.their_state in (h11.SEND_BODY, h11.ERROR) and not t.is_closing() and \
                t.can_write_eof():
            try:
                t.write_eof()  # the response, then FIN: the client reads the answer whatever it still sends
            except OSError:  # the client is gone already (a reset: ENOTCONN): nothing to linger for
                t.close()
                return
            self.lingering = True
            t.resume_reading()  # (uvicorn may have paused reading: the dropped bytes must be read)
            self._timer = self._protocol.loop.call_later(LINGER_S, t.close)
            return
        t.close()

    def closed(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


class HeadTimeoutH11(H11Protocol):
    head_timeout_s: float = 30.0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._head_timer: asyncio.TimerHandle | None = None
        self._probe_timer: asyncio.TimerHandle | None = None
        self._eof = False  # the client half-closed: nothing more comes after the request being answered
        self._linger = _Lingering(transport, self)
        super().connection_made(self._linger)  # type: ignore[arg-type]
        self._arm()
        self._refused_status = 400  # h11's status hint for the request it refused (send_400_response)
        parse = self.conn.next_event

        def next_event() -> Any:
            try:
                return parse()
            except h11.RemoteProtocolError as exc:
                self._refused_status = exc.error_status_hint
                raise

        self.conn.next_event = next_event  # type: ignore[method-assign]

    def send_400_response(self, msg: str) -> None:
        """uvicorn's answer to a request that is not valid HTTP, in the API's shape (was text/plain)."""
        if self._refused_status == 431:
            err = HTTPError(431, f"the request's head (request line and headers) is over {MAX_HEAD_BYTES} bytes",
                            code="headers_too_large")
        else:
            err = HTTPError(400, "invalid HTTP request: it could not be parsed (a malformed request line or header, "
                            "a bad Content-Length or Transfer-Encoding)", code="invalid_http")
        body = dumps(err.body()).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                   (b"connection", b"close")]
        try:
            for event in (h11.Response(status_code=err.status, headers=headers,
                                       reason=HTTPStatus(err.status).phrase.encode()), h11.Data(data=body),
                          h11.EndOfMessage()):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # (a response had started: nothing more can be said on it)
            pass
        else:
            record = getattr(self.config.app, "refused", None)
            if record is not None:
                record(self.client, err.status, time.monotonic() - self._since, err.code)
        self.transport.close()

    def data_received(self, data: bytes) -> None:
        if self._linger.lingering:  # the rest of a body that was answered without it: dropped
            return
        super().data_received(data)
        self._follow()

    def eof_received(self) -> bool | None:
        """The client shut its sending side. With its request whole and not yet answered: kept open (True) and
        answered, then closed (on_response_complete); otherwise (no request, a head or body cut short, a lingering
        close) closed at once, as uvicorn does."""
        # (an HTTP/1.0 client may not be sent a 1xx, RFC 9110 §15.2: without the probe a client that left could
        # not be told apart, so it is closed as before)
        if self.conn.their_state not in (h11.DONE, h11.MUST_CLOSE) or self._linger.lingering or \
                self.conn.our_state not in (h11.SEND_RESPONSE, h11.SEND_BODY) or self.transport.is_closing() or \
                self.conn.their_http_version != b"1.1":
            return super().eof_received()  # (None: asyncio closes the transport: the app sees a disconnect)
        self._eof = True
        if self.conn.our_state is h11.SEND_RESPONSE:  # (a response under way: its own writes meet a reset)
            if self.cycle is not None:
                self.cycle.waiting_for_100_continue = False  # (sent here: not a second time)
            self.transport.write(self.conn.send(h11.InformationalResponse(status_code=100, headers=[])))
            self._probe_timer = self.loop.call_later(PROBE_S, self._check_peer)
        return True

    def _check_peer(self) -> None:
        """A half-closed connection whose answer has not started: a client that had closed entirely answered the
        100 with a reset; then the connection is dropped (the app sees a disconnect, as before round 49)."""
        self._probe_timer = None
        if self.transport.is_closing() or self.conn.our_state is not h11.SEND_RESPONSE:
            return
        if _peer_reset(self.transport.get_extra_info("socket")):
            self.transport.abort()
        else:
            self._probe_timer = self.loop.call_later(PROBE_S, self._check_peer)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self._eof and self.conn.their_state is h11.IDLE and not self.conn.trailing_data[0] \
                and not self.transport.is_closing():
            self.transport.close()  # half-closed, and no pipelined request left: nothing more to answer
            return
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._probe_timer is not None:
            self._probe_timer.cancel()
            self._probe_timer = None
        self._linger.closed()
        super().connection_lost(exc)

    def _follow(self) -> None:
        """Waiting for a request's head: the deadline runs (armed once, not per byte); otherwise it is off."""
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            if self._head_timer is None:
                self._arm()
        else:
            self._disarm()

    def _arm(self) -> None:
        self._disarm()
        self._since = time.monotonic()  # when this request's head began to be awaited: a refusal's time
        self._head_timer = self.loop.call_later(self.head_timeout_s, self._expired)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _expired(self) -> None:
        self._head_timer = None
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            log.debug("closing a connection that sent no complete request head within %g s", self.head_timeout_s)
            count = getattr(self.config.app, "connection_closed", None)
            if count is not None:
                count("head_timeout")
            self.transport.close()


def _peer_reset(sock: Any) -> bool:
    """Whether the peer reset this connection (a closed socket answering data): Linux's TCP state, TCP_CLOSE
    (7); elsewhere a pending socket error."""
    if sock is None:
        return False
    try:
        if sys.platform.startswith("linux") and hasattr(socket, "TCP_INFO"):
            return sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0] == 7
        return sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0
    except OSError:
        return False


def head_timeout_protocol(timeout_s: float) -> Any:
    """The protocol class for uvicorn.Config(http=...) with this deadline."""
    return type("HeadTimeoutH11", (HeadTimeoutH11,), {"head_timeout_s": float(timeout_s)})


def quiet_forced_stop(app: Any) -> Any:
    """The app, with a forced stop (a second Ctrl+C, or the graceful-shutdown time running out) treated as a
    normal shutdown: uvicorn then cancels the lifespan instead of sending `lifespan.shutdown`, and Starlette logs
    the cancellation as a traceback. Here the cancelled wait becomes the shutdown message, so the engines and
    the store are closed as on any stop and the log stays clean."""

    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            return await app(scope, receive, send)

        async def receive_or_stop() -> Any:
            try:
                return await receive()
            except asyncio.CancelledError:
                return {"type": "lifespan.shutdown"}

        return await app(scope, receive_or_stop, send)

    wrapped.refused = _refusal_recorder(app)  # type: ignore[attr-defined]  # for HeadTimeoutH11.send_400_response
    wrapped.connection_closed = _close_counter(app)  # type: ignore[attr-defined]  # for HeadTimeoutH11._expired
    return wrapped


def _app_metrics(app: Any) -> Any:
    """The app's /metrics (app.state.serve.metrics); None for an app without them."""
    return getattr(getattr(getattr(app, "state", None), "serve", None), "metrics", None)


def _refusal_recorder(app: Any) -> Any:
    """(client, status, seconds, code) -> a request the connection refused, counted in the app's /metrics under
    route "-" (no route was read) and written as an access line."""
    metrics = _app_metrics(app)

    def record(client: Any, status: int, seconds: float, code: str) -> None:
        if metrics is not None:
            metrics.requests.labels("-", str(status)).inc()
        refused_line(client, status, seconds, code)

    return record


def _close_counter(app: Any) -> Any:
    """reason -> a connection the server closed while it waited for a request's head, counted in the app's /metrics
    (`ragtune_connections_closed_total{reason}`): a slow loris showed in no metric before round 49."""
    metrics = _app_metrics(app)

    def count(reason: str) -> None:
        if metrics is not None:
            metrics.connections_closed.labels(reason).inc()

    return count


class HangupServer(uvicorn.Server):
    """uvicorn's Server as `ragtune serve` runs it (server.force_quit_server).

    SIGHUP is handled as SIGTERM is (stop accepting, drain, stop): uvicorn handles SIGINT and SIGTERM only, so a
    hangup (the terminal or ssh session of a foreground server closed, `kill -HUP`) killed the process at once,
    mid-answer. A SIGHUP ignored when serve started (`nohup`) stays ignored. After the drain uvicorn raises the
    signal again with its handler restored: the process ends by that signal, as it does for SIGTERM.

    A force quit (a second Ctrl+C) also drops the connections still open. uvicorn then stops waiting for them but
    still awaits `asyncio.Server.wait_closed()`, which since Python 3.12 waits for every connection to close: a
    request held by a generation that calls back no token kept the process until shutdown_timeout_s ran out.

    SIGUSR1 reloads the tokens and their scopes (`reloader`, reload.TokenReloader, whose handler serve() sets before
    the models load): while uvicorn runs, the handler starts the reload on this loop. SIGHUP stays a stop."""

    reloader: Any = None  # set by server.force_quit_server (a class default: tests replace __init__)

    def handle_exit(self, sig: int, frame: Any) -> None:
        super().handle_exit(sig, frame)
        if self.force_exit:
            with contextlib.suppress(RuntimeError):  # (no loop running: nothing to drop)
                # from the loop, not in the handler: the signal may have interrupted the loop's own code
                asyncio.get_running_loop().call_soon_threadsafe(self.drop_connections)

    def drop_connections(self) -> None:
        for conn in list(self.server_state.connections):
            transport = getattr(conn, "transport", None)
            if transport is not None:
                transport.abort()  # connection_lost: the request sees a disconnect, the server's count drops

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
        reloader = self.reloader
        if reloader is not None:
            reloader.attach(asyncio.get_running_loop())  # (serve() runs under the loop: capture_signals is inside it)
        try:
            with self._hangup_captured():
                yield
        finally:
            if reloader is not None:
                reloader.attach(None)

    @contextlib.contextmanager
    def _hangup_captured(self) -> Any:
        with super().capture_signals():
            hup = getattr(signal, "SIGHUP", None)  # (none on Windows)
            if hup is None or threading.current_thread() is not threading.main_thread() \
                    or signal.getsignal(hup) is signal.SIG_IGN:
                yield
                return
            previous = signal.signal(hup, self.handle_exit)
            try:
                yield
            finally:
                signal.signal(hup, previous)
