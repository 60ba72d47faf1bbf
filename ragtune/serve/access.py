"""One access line per request (logger `ragtune.serve.access`, INFO): who, what, the status, the error `code`, how long.

uvicorn's own access log is off (`uvicorn_config`): it logs a stream as 200 when it starts, and a client that left
as nothing at all. This line is written when the response is decided, or for a stream when it ends, with the status
`ragtune_requests_total` counts (499: the client left first; an in-band error's status for a stream that ended
with one). A request the connection refused as not valid HTTP (wire.py's 400 `invalid_http`, 431
`headers_too_large`) has its line too, `"- -"` for the method and path it never got to (`refused_line`).

The fields, in order, space-separated (docs/serve.md "The server log"): `ADDRESS:PORT - "METHOD PATH" STATUS
[CODE] MS ms [(NOTES)]`. The path is logged without its query string (a client may put a secret there) and so that
it stays one field: a control character as its escape (`%0A` in a URL decodes to a newline, which must not start
a forged log line), `"`, `\\` and a space percent-encoded (a path `/a" 200 5 ms (answer ok` must not end the
quoted field early and forge the status a parser reads).
"""

from __future__ import annotations

import logging
import re
from typing import Any

from starlette.requests import Request

from ..appliance.text import escaped
from .body import log_text

log = logging.getLogger("ragtune.serve.access")
_PATH_QUOTED = str.maketrans({"%": "%25", '"': "%22", "\\": "%5C", " ": "%20"})
PATH_CHARS = 200
# an escape cut short at the end of the kept part: `%2` (of `%22`), `\x0` (of `\x0a`), `\u20` (of `\u202e`). Every
# `%` and `\` in the encoded path starts one (the path's own were encoded)
_CUT_ESCAPE = re.compile(r"(?:%[0-9A-F]?|\\(?:x[0-9a-f]?|u[0-9a-f]{0,3})?)$")


def path_field(path: str, n: int = PATH_CHARS) -> str:
    """The path as one field of the line: encoded, escaped, and past `n` characters cut where no escape is split
    (a half `%2` would read as other bytes) and marked `…(+N)` with no space (a space would split the field)."""
    text = escaped(path.translate(_PATH_QUOTED))
    if len(text) <= n:
        return text
    head = _CUT_ESCAPE.sub("", text[:n])
    return f"{head}…(+{len(text) - len(head)})"


def access(request: Request, status: int, seconds: float, code: str | None = None, note: str = "") -> None:
    if log.isEnabledFor(logging.INFO):
        # the path as the server decoded it (request.url.path drops a newline or tab, as urlsplit does: the log
        # must show what was sent)
        access_line(request.client, request.method, request.scope.get("path", ""), status, seconds, code, note)


def access_line(client: Any, method: str, path: str, status: int, seconds: float, code: str | None = None,
                note: str = "") -> None:
    """The line of one request; `client` (host, port) or None. ("%" is encoded too: a logged `%22` was a `%22`.)"""
    if not log.isEnabledFor(logging.INFO):
        return
    who = f"{client[0]}:{client[1]}" if client else "-"
    line = f'{who} - "{log_text(method, 16)} {path_field(path)}" {status}'
    if code:
        line += f" {code}"
    line += f" {seconds * 1000:.0f} ms"
    if note:
        line += f" ({note})"
    log.info("%s", line)


def refused_line(client: Any, status: int, seconds: float, code: str) -> None:
    """The line of a request the connection refused before it was parsed (wire.py): no method, path or request
    id to log."""
    access_line(client, "-", "-", status, seconds, code, "refused by the connection")
