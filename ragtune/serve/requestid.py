"""A client's request id: `X-Request-Id` sent with a request is sent back on its response and written in its access
line (`request <id>`), so a client's retry or failure can be found in the server log (docs/serve.md "Request ids
and retries"). The server makes none up: a request without one is told apart by the answer's `log_id` (and a chat
completion's `id`). An id that is not 1..128 of `A-Z a-z 0-9 . _ : / + = -` is ignored (neither sent back nor
logged): it must not forge a header or a log line, nor append a note of its own to its access line (`(`, `)`, `,`,
a space are what the line's notes are written with)."""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = b"x-request-id"
_VALID = re.compile(rb"[A-Za-z0-9._:/+=-]{1,128}")


def request_id(scope: Scope) -> str | None:
    """The request's X-Request-Id (the first one), when it is one the server repeats; else None."""
    for name, value in scope.get("headers", ()):
        if name == HEADER:
            value = value.strip()
            return value.decode("ascii") if _VALID.fullmatch(value) else None
    return None


def noted(scope: Scope, note: str) -> str:
    """An access line's note with the request's id, if it sent one."""
    rid = request_id(scope)
    return note if rid is None else ", ".join(filter(None, (note, f"request {rid}")))


class RequestId:
    """ASGI middleware, outermost: every response the app sends (a refusal of a middleware, a stream) carries the
    request's X-Request-Id back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        rid = request_id(scope) if scope["type"] == "http" else None
        if rid is None:
            return await self.app(scope, receive, send)

        async def sending(message: Message) -> Any:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", ()) if h[0].lower() != HEADER]
                message = {**message, "headers": [*headers, (HEADER, rid.encode())]}
            await send(message)

        await self.app(scope, receive, sending)
