"""A failure as the client hears it: every exception a route can raise -> one HTTPError in the API's shape (status,
fixed `code`, a message that says no more than the client may know), and the server log's one line for a 5xx.
Shared by app.py (plain responses) and stream.py (an error sent in-band once a stream has started)."""

from __future__ import annotations

import logging

from ..appliance.config_ops import ServeConfig
from ..appliance.errors import (AdapterBaseMismatch, AdapterMisfit, BusyError, ConfigError, GenerationError,
                                InputError, ModelError, NothingIngested, RagtuneError, UnknownDocument)
from ..appliance.text import escaped
from .body import HTTPError, log_text, shown
from .routing import AmbiguousAdapter, UnknownAdapter, UnknownModel

log = logging.getLogger("ragtune.serve")

# The OpenAI SDKs retry every 5xx (twice, by default) unless the response says `x-should-retry: false`: said where a
# retry within seconds cannot succeed (an operator must act), so a client fails at once instead of after ~2 s of
# backoff and three log lines. A busy server, a store being written, a failing generation server: retried.
NO_RETRY = {"x-should-retry": "false"}


def error_for(exc: Exception, retry_after_s: int = ServeConfig.retry_after_s) -> HTTPError:
    """`retry_after_s`: the Retry-After of a busy answer ([serve] retry_after_s; its default when not given)."""
    if isinstance(exc, HTTPError):
        return exc
    if isinstance(exc, UnknownModel):
        return HTTPError(404, f"the model '{shown(str(exc))}' does not exist (GET /v1/models lists them)",
                         code="model_not_found", param="model")
    if isinstance(exc, UnknownAdapter):
        return HTTPError(400, f"no adapter '{shown(str(exc))}' on this server: give 'none', 'default', 'active' or "
                         "the id, id prefix or name of a registered adapter (GET /v1/models lists them as "
                         "ragtune:<id>)", code="adapter_not_found", param="adapter")
    if isinstance(exc, AmbiguousAdapter):  # an id prefix or name of several (`adapter` or `ragtune:<ref>`)
        return HTTPError(400, exc.message, code="adapter_ambiguous")
    if isinstance(exc, UnknownDocument):  # a reference in "in": the client's, like an unknown adapter
        return HTTPError(400, f"no document '{shown(escaped(exc.ref))}' on this server: give a document id, or a "
                         "stored path or folder as `ragtune docs list` shows it", code="document_not_found",
                         param="in")
    if isinstance(exc, NothingIngested):  # the server's state, not the client's request
        return HTTPError(503, "this server has no documents yet: an operator must ingest some first",
                         type_="server_error", code="no_documents", headers=dict(NO_RETRY))
    if isinstance(exc, AdapterBaseMismatch):  # the client chose it: ids and names, no path (refs._check_base)
        return HTTPError(400, exc.message, code="adapter_base_mismatch")
    if isinstance(exc, AdapterMisfit):  # the client chose it; its message names the server's file: the reason only
        return HTTPError(400, f"the adapter does not fit the served model: {exc.why}; choose an adapter made for "
                         "it (GET /v1/models lists them)", code="adapter_misfit")
    if isinstance(exc, BusyError):  # before InputError: a LockBusy is one too, but the request was fine
        # another process writes the store (an ingest, `docs remove`, a rollout command): the server's state, for a
        # while; its message names the server's files, so the client hears only this
        return HTTPError(503, "the server's store is being written by another process; retry later",
                         type_="server_error", code="store_busy", headers={"Retry-After": str(retry_after_s)})
    if isinstance(exc, InputError):  # the engine's word on the question (e.g. too long for the context window)
        return HTTPError(400, exc.message, code="invalid_question")
    if isinstance(exc, ModelError):  # the client's adapter was checked before: a missing/damaged file is ours
        # (an activated adapter made for another base too: the server's choice)
        return HTTPError(500, "a model or adapter could not be loaded (the server log says why)",
                         type_="server_error", code="model_error", headers=dict(NO_RETRY))
    if isinstance(exc, ConfigError):  # the server's settings cannot answer (question_fit.py: the instructions and
        # max_tokens past n_ctx; serve refuses that at start, a hand-built app may not): settings, never a path
        return HTTPError(500, exc.message, type_="server_error", code="config_error", headers=dict(NO_RETRY))
    if isinstance(exc, GenerationError):  # its text is the backend's (a URL, a reply body): for the log only
        return HTTPError(502, "the generation server failed; see the server log", type_="server_error",
                         code="generation_backend_failed")
    return HTTPError(500, "internal error (the server log says why)", type_="server_error", code="internal_error")


def log_failure(route: str, exc: Exception, status: int, *, arm: str | None = None) -> None:
    """One line for a 5xx (the client only hears that it failed). Never a traceback for a typed error; an
    untyped one is a bug: its traceback goes to the debug level (--log-level debug). `arm`: the running rollout's
    arm the request was routed to (None: pinned, or no rollout)."""
    if isinstance(exc, RagtuneError):
        hint = exc.hint or ""
        if arm and isinstance(exc, (ModelError, GenerationError)) and "rollout rollback" not in hint:
            hint = "; ".join(filter(None, (hint, rollout_hint(arm))))
        log.error("%s: %d: %s", route, status, log_text(exc.message + (f" ({hint})" if hint else "")))
    else:
        log.error("%s: %d: unexpected %s: %s", route, status, type(exc).__name__, log_text(str(exc)))
        log.debug("%s: traceback of the unexpected error", route, exc_info=exc)


def rollout_hint(arm: str) -> str:
    """The operator's quick way out when a rollout arm's model fails (the server log only: a client must not see
    operator commands; its body stays "could not be loaded")."""
    if arm == "candidate":
        return "the request was routed to the running rollout's candidate arm: `ragtune rollout rollback` sends " \
            "every client to the control arm on its next request"
    return f"the request was routed to the running rollout's {arm} arm, which `ragtune rollout rollback` would " \
        "serve to every client: fix it first (`ragtune rollout status` says what a rollback serves)"


def shutting_down(retry_after_s: int | None = None) -> HTTPError:
    """A request cut short by a forced stop (the graceful-shutdown time ran out, or a second Ctrl+C)."""
    headers = {"Connection": "close"} | ({"Retry-After": str(retry_after_s)} if retry_after_s else {})
    return HTTPError(503, "the server is shutting down; retry later", type_="server_error", code="shutting_down",
                     headers=headers)


def client_busy(limit: int, retry_after_s: int, *, shed: bool = False) -> HTTPError:
    """A request whose client already has `limit` requests waiting for an engine ([serve] max_waiting_per_client):
    the rest of the queue is the other clients' (pool.ClientBusy); `shed`: a waiting request whose place went to a
    client holding fewer places, the queue being full (pool.Shed). A 429, which the OpenAI SDKs retry after
    Retry-After; it says nothing of the other clients."""
    if shed:
        return HTTPError(429, "the server's queue is full and this client holds more of it than others: this waiting "
                         "request gave its place to another client's; retry when one of this client's requests has "
                         "been answered", type_="rate_limit_error", code="client_busy",
                         headers={"Retry-After": str(retry_after_s)})
    return HTTPError(429, f"this client already has {limit} request(s) waiting for an answer, the most one client may "
                     "have on this server; retry when one has been answered", type_="rate_limit_error",
                     code="client_busy", headers={"Retry-After": str(retry_after_s)})


def metrics_forbidden() -> HTTPError:
    """/metrics asked for with a token scoped to documents ([serve] token_scopes): a client's token, and the metrics
    are every client's totals."""
    return HTTPError(403, "this token may not read /metrics: it is scoped to documents ([serve] token_scopes); use "
                     "a token without a token_scopes entry", code="metrics_forbidden")
