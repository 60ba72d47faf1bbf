"""What stops a web page from driving the server through the browser of someone on its machine (docs/serve.md
"Browsers: the Host and Origin checks"; docs/security.md).

- **The Host check** (DNS rebinding): a page of attacker.example whose name the attacker re-points at 127.0.0.1 is
  same-origin with the server, so the browser lets it read every answer, but its requests say `Host:
  attacker.example:PORT`. A server listening on a loopback address answers only a Host naming loopback (`localhost`,
  `*.localhost`, `127.0.0.0/8`, `[::1]`), this machine's own name, or one in `[serve] allowed_hosts` (a reverse
  proxy that passes its public Host); any port. Another address is not checked unless `allowed_hosts` is set.
- **The Origin check** (cross-site requests): a page's `fetch` with a `text/plain` body is a "simple" request, sent
  without a preflight, and the server reads its body as JSON: it would answer (and fill the query log) for any page.
  A browser says whose page asks in `Origin`; a server without tokens refuses a request carrying one unless it is
  the server's own origin (host:port equals the Host) or listed in `[serve] cors_origins`. With tokens it does not
  apply: a page cannot make the browser add the `Authorization` header (no cookie or other ambient credential is
  read), and a header it adds itself makes the request need a preflight, which only a listed origin passes.

A request without `Origin` (curl, an SDK, a server-side client) and one without `Host` (HTTP/1.0, never a browser) are
not refused by them. Both refusals are the API's JSON 403, counted in /metrics and written as access lines.

First of all, a request whose head (request line and headers) is over MAX_HEAD_BYTES is the 431 headers_too_large:
one that arrived in pieces is refused so by the connection (wire.py), one that arrived whole in one read here."""

from __future__ import annotations

import socket
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ..appliance.config_ops import cors_origin, host_and_port
from .auth import is_loopback
from .body import MAX_HEAD_BYTES, HTTPError, body_pending, shown
from .cors import Record, scope_header


def is_loopback_name(host: str) -> bool:
    """A Host's name (as host_and_port gives it: lower case) that only ever means this machine: a browser resolves
    `localhost` and `*.localhost` itself (RFC 6761), an address is no name anyone can re-point (auth.is_loopback,
    an IPv4-mapped ::ffff:127.0.0.1 included)."""
    return host.endswith(".localhost") or is_loopback(host, mapped=True)


def own_names() -> frozenset[str]:
    """This machine's name, as `hostname` says it (and its first label, if that is a dotted name): a request to
    http://mybox:8088 from a browser on it. Read once, at start, without a DNS lookup."""
    try:
        name = socket.gethostname().lower().rstrip(".")
    except OSError:
        return frozenset()
    return frozenset(n for n in (name, name.split(".")[0]) if n)


class HostCheck:
    """Which Host headers a server answers: `bind` is the address it listens on (None: not known, an app served by
    someone else; then only `allowed_hosts` turns the check on)."""

    def __init__(self, bind: str | None, allowed: list[str]) -> None:
        # the addresses that need no token (auth.check_bind) are the ones checked
        self.loopback_bind = bind is not None and is_loopback(bind)
        self.active = self.loopback_bind or bool(allowed)
        self.any = "*" in allowed
        self.names = frozenset(h for h in allowed if not h.startswith("*.")) | own_names()
        self.domains = tuple(h[1:] for h in allowed if h.startswith("*."))  # ".example.com"

    def allows(self, host_header: str | None) -> bool:
        if not self.active or self.any or host_header is None:
            return True
        try:
            host, _ = host_and_port(host_header)
        except ValueError:
            return False
        return is_loopback_name(host) or host in self.names or host.endswith(self.domains)

    def refusal(self, scope: Scope) -> HTTPError | None:
        """The 403 host_not_allowed for a request whose Host this server does not answer (allows), else None: the
        guard's, and cors.py's for a preflight, which it answers before the guard sees it."""
        host = scope_header(scope, b"host")
        if self.allows(host):
            return None
        return HTTPError(403, f"this server does not answer for the Host '{shown(host or '', 100)}': a server on a "
                         "loopback address answers localhost, 127.0.0.1, [::1] and this machine's name (a web page "
                         "whose own name was pointed at this machine is refused so); a reverse proxy that passes "
                         "another Host needs it in the server's [serve] allowed_hosts", code="host_not_allowed")


def same_origin(origin: str, host_header: str | None) -> bool:
    """Is `origin` the server's own as the request addressed it: its host and port those of the Host header (the
    scheme's default port when either has none). The scheme cannot be checked (a TLS proxy may stand before it)."""
    if host_header is None or origin == "*":
        return False
    try:
        own = cors_origin(origin)
        scheme = own.partition("://")[0]
        return own == cors_origin(f"{scheme}://{host_header}")
    except ValueError:  # "null", a malformed Origin or Host: not the server's own
        return False


class OriginCheck:
    """Which `Origin`s a server without tokens answers: its own, and those `[serve] cors_origins` lists (as
    cors.canonical_origins writes them)."""

    def __init__(self, listed: list[str]) -> None:
        self.any = "*" in listed
        self.listed = frozenset(listed)

    def allows(self, origin: str, host_header: str | None) -> bool:
        if self.any or same_origin(origin, host_header):
            return True
        try:
            return cors_origin(origin) in self.listed
        except ValueError:
            return False


def _preflight(scope: Scope) -> bool:
    """A CORS preflight changes nothing: cors.py answers it (or, without cors_origins, it is the route's 405)."""
    return scope["method"] == "OPTIONS" and scope_header(scope, b"access-control-request-method") is not None


def head_bytes(scope: Scope) -> int:
    """The size of a request's head as sent (request line and header lines, each with its CRLF), near enough."""
    line = len(scope["method"]) + len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"") + 12
    return line + sum(len(k) + len(v) + 4 for k, v in scope.get("headers", ())) + 2


def head_too_large(scope: Scope) -> HTTPError | None:
    size = head_bytes(scope)
    if size <= MAX_HEAD_BYTES:
        return None
    return HTTPError(431, f"the request's head (request line and headers) is over {MAX_HEAD_BYTES} bytes ({size})",
                     code="headers_too_large")


class BrowserGuard:
    """ASGI middleware, inside cors.py's (a page of a listed origin can read a refusal): the Host check, then the
    Origin check (`origins` None: the server has tokens), before any route reads a body."""

    def __init__(self, app: ASGIApp, hosts: HostCheck, origins: OriginCheck | None, record: Record) -> None:
        self.app, self.hosts, self.origins, self.record = app, hosts, origins, record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        host = scope_header(scope, b"host")
        origin = scope_header(scope, b"origin")
        err = head_too_large(scope) or self.hosts.refusal(scope)
        if err is None and self.origins is not None and origin is not None and not _preflight(scope) and \
                not self.origins.allows(origin, host):
            err = HTTPError(403, f"a page of the origin '{shown(origin, 100)}' may not call this server from a "
                            "browser: a server without tokens answers its own origin's pages and those its "
                            "[serve] cors_origins lists", code="origin_not_allowed")
        if err is None:
            return await self.app(scope, receive, send)
        t0 = time.perf_counter()
        request = Request(scope, receive)
        resp = err.response()
        if body_pending(request):  # the body is never read: the connection cannot carry another request
            resp.headers["Connection"] = "close"
        self.record(request, err.status, err.code, time.perf_counter() - t0)
        await resp(scope, receive, send)
