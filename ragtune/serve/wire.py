"""The HTTP/1.1 connection under the app: uvicorn's h11 protocol with a deadline on each request's head.

uvicorn times out neither a connection that sends nothing after it opens nor one that sends its request line and
headers a byte at a time (every byte it receives cancels its keep-alive timer): a few hundred such clients hold as
many file descriptors for as long as they like, and the server stops accepting anyone (slow loris). Here the head
of each request (request line and headers) must arrive within `head_timeout_s` of the connection opening or of
the previous response ending; otherwise the connection is closed. The body has its own deadline in the app
([serve] body_timeout_s, a 408); a request being answered has none (generation takes what it takes).

uvicorn keeps this protocol private, so what it relies on is named here: `H11Protocol` in
uvicorn.protocols.http.h11_impl, its hooks connection_made / data_received / on_response_complete / connection_lost,
its attributes `conn` (the h11.Connection), `transport` (closed by its `close()`) and `loop`, and
`uvicorn.Config(http=<a protocol class>)`.
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

`HangupServer` (SIGHUP stops the server as SIGTERM does) relies on `uvicorn.Server.capture_signals` (a context
manager since 0.29) and `handle_exit`; tests/serve/test_signals.py sends the signal to a real process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
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

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
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
            self.transport.close()


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
    return wrapped


def _refusal_recorder(app: Any) -> Any:
    """(client, status, seconds, code) -> a request the connection refused, counted in the app's /metrics under
    route "-" (no route was read) and written as an access line."""
    metrics = getattr(getattr(getattr(app, "state", None), "serve", None), "metrics", None)

    def record(client: Any, status: int, seconds: float, code: str) -> None:
        if metrics is not None:
            metrics.requests.labels("-", str(status)).inc()
        refused_line(client, status, seconds, code)

    return record


class HangupServer(uvicorn.Server):
    """uvicorn's Server, with SIGHUP handled as SIGTERM is (stop accepting, drain, stop): uvicorn handles SIGINT and
    SIGTERM only, so a hangup (the terminal or ssh session of a foreground server closed, `kill -HUP`) killed the
    process at once, mid-answer. A SIGHUP ignored when serve started (`nohup`) stays ignored. After the drain uvicorn
    raises the signal again with its handler restored: the process ends by that signal, as it does for SIGTERM."""

    @contextlib.contextmanager
    def capture_signals(self) -> Any:
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
