"""One access line per request (logger `ragtune.serve.access`, INFO): who, what, the status, the error `code`, how long.

uvicorn's own access log is off (`uvicorn_config`): it logs a stream as 200 when it starts, and a client that left
as nothing at all. This line is written when the response is decided, or for a stream when it ends, with the status
`ragtune_requests_total` counts (499: the client left first; an in-band error's status for a stream that ended
with one). The path is logged without its query string (a client may put a secret there) and escaped
(`%0A` in a URL decodes to a newline, which must not start a forged log line). `--log-level warning` turns it off.
"""

from __future__ import annotations

import logging

from starlette.requests import Request

from .body import log_text

log = logging.getLogger("ragtune.serve.access")


def access(request: Request, status: int, seconds: float, code: str | None = None, note: str = "") -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    client = request.client
    who = f"{client.host}:{client.port}" if client else "-"
    path = log_text(request.url.path, 200)
    line = f'{who} - "{log_text(request.method, 16)} {path}" {status}'
    if code:
        line += f" {code}"
    line += f" {seconds * 1000:.0f} ms"
    if note:
        line += f" ({note})"
    log.info("%s", line)
