"""Opt-in CORS (`[serve] cors_origins`, docs/serve.md "Browsers (CORS)"): a page of a listed origin may call the API
from a browser. Without the key nothing here runs and no response has a CORS header.

A browser asks first (the preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method`, never a token):
it is answered here, before auth, 204 for a listed origin, the 403 `origin_not_allowed` otherwise; a Host the server
does not answer (guard.py's Host check: DNS rebinding) is its 403 `host_not_allowed` first, as for any request. The request that
follows goes through the app as any other (a token is still needed); every response to a listed origin, an error's
or a stream's included, carries `Access-Control-Allow-Origin`, so the page can read the JSON error as well as the
answer. CORS only decides what a page may read: a request from an origin not listed is answered as before, without
the header (its token, or its absence, is what lets it in or not)."""

from __future__ import annotations

import re
import time
from typing import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..appliance.config_ops import cors_origin
from .body import HTTPError, body_pending, shown

ALLOW_METHODS = "GET, HEAD, POST"
# what the API reads; a preflight's other requested headers are allowed too (below)
ALLOW_HEADERS = ("Authorization", "Content-Type", "X-Ragtune-Client")
# A 503's Retry-After and the echoed request id: a page may read them (few response headers are readable without this)
EXPOSE_HEADERS = "Retry-After, X-Request-Id"
MAX_AGE_S = 600  # a browser asks again after 10 minutes: a restart with other origins applies soon
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}")
MAX_REFLECTED = 50

# (request, status, error code, seconds) -> counted in /metrics and written as an access line, as for any request
Record = Callable[[Request, int, "str | None", float], None]


def canonical_origins(origins: list[str]) -> list[str]:
    """`[serve] cors_origins` (validated by ServeConfig) as browsers write an Origin header."""
    return [cors_origin(o) for o in origins]


def cors_warning(origins: list[str], open_server: bool) -> str | None:
    """serve's startup warning: "*" without a token lets any page this machine's browsers open read the answers."""
    if "*" in origins and open_server:
        return ('[serve] cors_origins = ["*"] and no token: any web page opened in a browser on this machine can ask '
                "this server and read its answers; list the pages' origins instead, or set [serve] tokens")
    return None


def scope_header(scope: Scope, name: bytes) -> str | None:
    """A request header from the ASGI scope (`name` lower-case bytes), before Starlette builds a Request: the
    middlewares here (and guard.py's) read one or two headers of every request."""
    for k, v in scope.get("headers", ()):
        if k.lower() == name:
            return v.decode("latin-1")
    return None


class Cors:
    """ASGI middleware (Starlette's `middleware=`): outside the routes and their error handlers, so every response
    to a listed origin gets its headers, the 401, 404, 405 and 413 included, and a stream's at its start."""

    def __init__(self, app: ASGIApp, origins: list[str], record: Record,
                 refuse: Callable[[Scope], "HTTPError | None"] | None = None) -> None:
        # refuse: guard.py's Host check (HostCheck.refusal), which a preflight answered here would otherwise skip
        self.app, self.record, self.refuse = app, record, refuse
        self.any = "*" in origins
        self.origins = frozenset(origins)

    def allowed(self, origin: str | None) -> bool:
        return origin is not None and (self.any or origin.lower() in self.origins)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        origin = scope_header(scope, b"origin")
        if scope["method"] == "OPTIONS" and origin is not None and \
                scope_header(scope, b"access-control-request-method") is not None:
            return await self.preflight(scope, receive, send, origin)
        headers = [(b"vary", b"Origin")]  # the answer depends on the Origin: a shared cache must key on it
        if self.allowed(origin):
            headers += [(b"access-control-allow-origin", b"*" if self.any else origin.encode("latin-1")),
                        (b"access-control-expose-headers", EXPOSE_HEADERS.encode())]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = dict(message)
                message["headers"] = _with(list(message.get("headers", [])), headers)
            await send(message)

        await self.app(scope, receive, sending)

    async def preflight(self, scope: Scope, receive: Receive, send: Send, origin: str) -> None:
        t0 = time.perf_counter()
        request = Request(scope, receive)
        refused = self.refuse(scope) if self.refuse is not None else None
        if refused is not None:  # a DNS-rebinding Host: the guard's 403, as for any other request
            resp: Response = refused.response()
            status, code = 403, refused.code
        elif not self.allowed(origin):
            err = HTTPError(403, f"a page of the origin '{shown(origin, 100)}' may not call this server from a "
                            "browser (the server's [serve] cors_origins lists those that may)",
                            code="origin_not_allowed", headers={"Vary": "Origin"})
            resp = err.response()
            status, code = 403, err.code
        else:
            resp = Response(status_code=204, headers={
                "Access-Control-Allow-Origin": "*" if self.any else origin,
                "Access-Control-Allow-Methods": ALLOW_METHODS,
                "Access-Control-Allow-Headers": ", ".join(_allowed_headers(
                    scope_header(scope, b"access-control-request-headers"))),
                "Access-Control-Max-Age": str(MAX_AGE_S),
                "Vary": "Origin, Access-Control-Request-Headers"})
            # Chrome asks before a public page calls a private-network address (an intranet server, localhost)
            if (scope_header(scope, b"access-control-request-private-network") or "").lower() == "true":
                resp.headers["Access-Control-Allow-Private-Network"] = "true"
            status, code = 204, None
        if body_pending(request):
            resp.headers["Connection"] = "close"
        self.record(request, status, code, time.perf_counter() - t0)
        await resp(scope, receive, send)


def _allowed_headers(requested: str | None) -> list[str]:
    """The API's headers, and those a preflight asks for: the OpenAI SDKs add their own (`X-Stainless-*`,
    `OpenAI-Organization`), which the server ignores; refusing them would fail the SDK in a browser for nothing.
    A header lets nobody in: the token is checked on the request itself."""
    out = list(ALLOW_HEADERS)
    seen = {h.lower() for h in out}
    for name in (requested or "").split(","):
        name = name.strip()
        if _HEADER_NAME.fullmatch(name) and name.lower() not in seen and len(out) < len(ALLOW_HEADERS) + MAX_REFLECTED:
            seen.add(name.lower())
            out.append(name)
    return out


def _with(headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """`headers` with `extra` added; a Vary already there gets Origin appended rather than a second Vary."""
    for name, value in extra:
        if name == b"vary":
            for i, (k, v) in enumerate(headers):
                if k.lower() == b"vary":
                    if b"origin" not in v.lower():
                        headers[i] = (k, v + b", " + value)
                    break
            else:
                headers.append((name, value))
        else:
            headers.append((name, value))
    return headers
