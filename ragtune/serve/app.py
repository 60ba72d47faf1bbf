"""The HTTP API: /v1/ask, OpenAI-compatible /v1/chat/completions (+ SSE streaming) and /v1/models, /healthz,
Prometheus /metrics. Routing to an adapter (the rollout split) is the router's job (ragtune.serve.routing).

Errors are JSON in OpenAI's shape, {"error": {"message", "type", "code"}}: 400 bad input, 401 no or wrong token
(the same body whatever was wrong), 404 unknown model or route, 405 wrong method, 408 body too slow, 413 body too
large, 415 a charset other than UTF-8, 422 a body of the wrong shape, 503 + Retry-After when the queue is full
(503 no_documents: nothing is ingested; 503 shutting_down: cut short by a forced stop), 500/502 when the model or
the generation server fails (they say no more than that: the server log has the why); `code` is never null. A
stream starts with the first decoded token: later errors are in-band.
Whatever a client sends, the answer is one of these, never a traceback (docs/serve.md).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from ..appliance.errors import (GenerationError, InputError, ModelError, NothingIngested, RagtuneError,
                                UnknownDocument)
from ..appliance.text import escaped
from .access import access
from .auth import Token, check_bearer
from .body import (MAX_REF_CHARS, HTTPError, JSONBody, body_pending, client_id, dumps, json_type,
                   last_user_message, log_text, question_text, read_json, ref_field, scope_field, shown, user_field)
from .metrics import Metrics
from .pool import Busy, Cancelled, EnginePool, cancel_check
from .routing import (BASE_MODEL, MODEL_PREFIX, AmbiguousAdapter, Route as AdapterRoute, Router, UnknownAdapter,
                      UnknownModel)
from .scopes import ScopeCache

from ..appliance.config import ANSWER_MODES as MODES  # "extractive" | "free"

log = logging.getLogger("ragtune.serve")

@dataclass
class ServeState:
    pool: EnginePool
    router: Router
    tokens: list[Token]
    max_body_bytes: int
    body_timeout_s: float  # a request body not arrived by then is a 408 (a stalled upload holds no engine)
    retry_after_s: int
    metrics: Metrics
    list_adapters: Callable[[], list[dict[str, Any]]]
    monitor: Callable[[], list[str]] | None = None  # rollout check -> breached rules (run periodically)
    scopes: ScopeCache = field(default_factory=ScopeCache)  # "in" resolved per index version, for every engine


# -- plumbing ----------------------------------------------------------------------------------------------
def _error_for(exc: Exception) -> HTTPError:
    if isinstance(exc, HTTPError):
        return exc
    if isinstance(exc, UnknownModel):
        return HTTPError(404, f"the model '{shown(str(exc))}' does not exist (GET /v1/models lists them)",
                         code="model_not_found")
    if isinstance(exc, UnknownAdapter):
        return HTTPError(400, f"no adapter '{shown(str(exc))}' on this server: give 'none', 'default', 'active' or "
                         "the id, id prefix or name of a registered adapter (GET /v1/models lists them as "
                         "ragtune:<id>)", code="adapter_not_found")
    if isinstance(exc, AmbiguousAdapter):  # an id prefix or name of several (`adapter` or `ragtune:<ref>`)
        return HTTPError(400, exc.message, code="adapter_ambiguous")
    if isinstance(exc, UnknownDocument):  # a reference in "in": the client's, like an unknown adapter
        return HTTPError(400, f"no document '{shown(escaped(exc.ref))}' on this server: give a document id, or a "
                         "stored path or folder as `ragtune docs list` shows it", code="document_not_found")
    if isinstance(exc, NothingIngested):  # the server's state, not the client's request
        return HTTPError(503, "this server has no documents yet: an operator must ingest some first",
                         type_="server_error", code="no_documents")
    if isinstance(exc, InputError):  # the engine's word on the question (e.g. too long for the context window)
        return HTTPError(400, exc.message, code="invalid_question")
    if isinstance(exc, ModelError):  # the client's adapter was checked before: a missing/damaged file is ours
        return HTTPError(500, "a model or adapter could not be loaded (the server log says why)",
                         type_="server_error", code="model_error")
    if isinstance(exc, GenerationError):  # its text is the backend's (a URL, a reply body): for the log only
        return HTTPError(502, "the generation server failed; see the server log", type_="server_error",
                         code="generation_backend_failed")
    return HTTPError(500, "internal error (the server log says why)", type_="server_error", code="internal_error")


def _log_failure(route: str, exc: Exception, status: int) -> None:
    """One line for a 5xx (the client only hears that it failed). Never a traceback for a typed error; an
    untyped one is a bug: its traceback goes to the debug level (--log-level debug)."""
    if isinstance(exc, RagtuneError):
        log.error("%s: %d: %s", route, status, log_text(exc.message + (f" ({exc.hint})" if exc.hint else "")))
    else:
        log.error("%s: %d: unexpected %s: %s", route, status, type(exc).__name__, log_text(str(exc)))
        log.debug("%s: traceback of the unexpected error", route, exc_info=exc)


async def _until_disconnect(request: Request) -> None:
    while True:
        msg = await request.receive()
        if msg.get("type") == "http.disconnect":
            return


async def _watching(request: Request, coro: Any) -> Any:
    """Await coro; if the client disconnects first, cancel it (which frees its place or stops its generation)."""
    task = asyncio.ensure_future(coro)
    watch = asyncio.ensure_future(_until_disconnect(request))
    try:
        await asyncio.wait({task, watch}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        watch.cancel()
        if not task.done():
            task.cancel()  # only requested: the task is not `cancelled()` (nor has a result) until it runs again
    if task.done() and not task.cancelled():
        return task.result()
    raise Cancelled()


# -- the app ----------------------------------------------------------------------------------------------
def create_app(state: ServeState) -> Starlette:
    m = state.metrics

    def guard(route: str, handler: Callable[[Request], Any], *, auth: bool = True) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            t0 = time.perf_counter()
            code, note = None, ""  # for the access line
            try:
                principal = None
                if auth and state.tokens:
                    principal = check_bearer(request.headers.get("authorization"), state.tokens)
                    if principal is None:
                        raise HTTPError(401, "missing or invalid bearer token", code="invalid_api_key",
                                        headers={"WWW-Authenticate": "Bearer"})
                request.state.principal = principal
                resp = await handler(request)
            except Busy:
                m.rejected.inc()
                code = "busy"
                resp = HTTPError(503, "the server is busy; retry later", type_="server_error", code=code,
                                 headers={"Retry-After": str(state.retry_after_s)}).response()
            except (Cancelled, ClientDisconnect):  # gone while waiting, generating, or still sending its body
                m.cancelled.inc()
                note = "the client left"
                resp = Response(status_code=499)  # nobody is listening; recorded for the metrics only
            except asyncio.CancelledError:
                # Only uvicorn cancels a request: the server is stopping and its graceful-shutdown time ran out
                # (or a second Ctrl+C). The generation stops at its next token; the client hears why, not a
                # plain-text 500 (and the log gets no traceback). Not re-raised: nothing waits on this task.
                m.cancelled.inc()
                err = _shutting_down(state.retry_after_s)
                code, resp = err.code, err.response()
            except Exception as exc:  # typed errors -> JSON; anything else -> 500 without details
                err = _error_for(exc)
                if err.status >= 500:
                    _log_failure(route, exc, err.status)
                code, resp = err.code, err.response()
            if body_pending(request):
                resp.headers["Connection"] = "close"
            if isinstance(resp, _Stream):  # counted when it ends: its status may turn out to be an in-band error's
                stream = resp

                def ended(status: int) -> None:
                    m.requests.labels(route, str(status)).inc()
                    access(request, status, time.perf_counter() - t0, stream.outcome.code, ", ".join(filter(None, (
                        "stream", getattr(request.state, "answered", ""), stream.outcome.left and "the client left"))))

                stream.count = ended
            else:
                m.requests.labels(route, str(resp.status_code)).inc()
                access(request, resp.status_code, time.perf_counter() - t0, code,
                       note or getattr(request.state, "answered", ""))
            m.set_pool(state.pool)
            request.state.elapsed = time.perf_counter() - t0
            return resp

        return endpoint

    async def answer(request: Request, route: str, question: str, target: AdapterRoute, *, k: int | None,
                     user: Any, sink: Callable[[str], None] | None = None, slot: Any = None,
                     mode: str | None = None, within: list[str] | None = None) -> Any:
        client = client_id(request, request.state.principal, user)
        slot = slot or state.pool.admit()
        t0 = time.perf_counter()

        def job(engine: Any, cancel: Any) -> Any:
            # the references resolve against this engine's store connection, in its thread, at answer time (or come
            # from the resolution of the same references at the store's current index version: scopes.py)
            filters = None if within is None else {"doc_ids": state.scopes.resolve(engine.store, within)}
            return engine.ask(question, adapter=target.adapter, k=k, on_token=cancel_check(cancel, sink),
                              client_id=client, arm=target.arm, mode=mode, filters=filters)

        ans = await slot.run(job)
        m.observe_answer(route, ans, target.arm, time.perf_counter() - t0)
        request.state.answered = "answer " + " ".join(filter(None, (ans.status, ans.refusal_reason))) + \
            (f", log_id {ans.log_id}" if ans.log_id is not None else "")  # for the access line
        return ans

    # /v1/ask -------------------------------------------------------------------------------------------
    async def ask(request: Request) -> Response:
        body = await read_json(request, state.max_body_bytes, state.body_timeout_s)
        unknown = sorted(set(body) - {"question", "adapter", "k", "mode", "user", "in"})
        if unknown:
            raise HTTPError(422, f"unknown field(s): {', '.join(shown(u, 40) for u in unknown[:10])}",
                            code="unknown_field")
        q = question_text(body.get("question"), "'question'")
        k = body.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 6):
            raise HTTPError(422, "'k' must be an integer 1..6")
        mode = body.get("mode")
        if mode is not None and mode not in MODES:
            raise HTTPError(422, f"'mode' must be one of: {', '.join(MODES)}")
        adapter = body.get("adapter")
        if adapter is not None:
            adapter = ref_field(adapter, "adapter", "'none', 'default', 'active', or an adapter id/name")
            adapter = await asyncio.to_thread(state.router.adapter_ref, adapter)  # reads the registry
        within = scope_field(body.get("in"))
        user = user_field(body)
        client = client_id(request, request.state.principal, user)
        target = state.router.route(client, adapter)
        ans = await _watching(request, answer(request, "/v1/ask", q, target, k=k, user=user, mode=mode,
                                              within=within))
        out = ans.to_json()
        out.update(arm=target.arm, log_id=ans.log_id)
        return JSONBody(out)

    # /v1/models ----------------------------------------------------------------------------------------
    async def models(request: Request) -> Response:
        ids = [MODEL_PREFIX.rstrip(":"), BASE_MODEL] + [MODEL_PREFIX + a["id"] for a in state.list_adapters()]
        return JSONBody({"object": "list", "data": [
            {"id": i, "object": "model", "created": 0, "owned_by": "ragtune"} for i in ids]})

    # /v1/chat/completions --------------------------------------------------------------------------------
    async def chat(request: Request) -> Response:
        body = await read_json(request, state.max_body_bytes, state.body_timeout_s)
        model = body.get("model")
        if model is None:  # absent or null: the routed name (as null is for every other optional field)
            model = MODEL_PREFIX.rstrip(":")
        if not isinstance(model, str):
            raise HTTPError(422, f"'model' must be a string, not {json_type(model)}")
        if len(model) > MAX_REF_CHARS:
            raise HTTPError(422, f"'model' is longer than {MAX_REF_CHARS} characters")
        if body.get("stream") is not None and not isinstance(body["stream"], bool):  # "yes", "false": say so
            raise HTTPError(422, "'stream' must be true or false")
        n = body.get("n")
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n != 1):
            raise HTTPError(422, "'n' must be 1: ragtune gives one checked answer per request", code="unsupported_n")
        user = user_field(body)
        question = last_user_message(body.get("messages"))
        # /v1/ask's "in", as a top-level field: what an OpenAI SDK sends from `extra_body` (its other unknown
        # fields stay ignored, like `temperature`)
        within = scope_field(body.get("in"))
        adapter = await asyncio.to_thread(state.router.pinned_adapter, model)  # UnknownModel 404, Ambiguous 400
        client = client_id(request, request.state.principal, user)
        target = state.router.route(client, adapter)
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if not body.get("stream"):
            ans = await _watching(request, answer(request, "/v1/chat/completions", question, target, k=None,
                                                  user=user, within=within))
            return JSONBody({
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.answer},
                             "finish_reason": "stop"}],
                "usage": _usage(ans), "citations": _citations(ans), "ragtune": _extra(ans, target)})
        slot = state.pool.admit()  # 503 now, before anything is sent
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue = asyncio.Queue()

        def sink(piece: str) -> None:  # engine thread -> event loop
            loop.call_soon_threadsafe(pieces.put_nowait, piece)

        task = asyncio.ensure_future(answer(request, "/v1/chat/completions", question, target, k=None, user=user,
                                            sink=sink, slot=slot, within=within))
        task.add_done_callback(_settled(slot))
        try:
            # The response starts (status, headers, the role chunk) with the first decoded token, an empty piece
            # included (with several answer candidates each decoded token sends "" until the chosen answer comes
            # whole): a failure before it (a question too long for the context, an adapter that cannot load, no
            # documents, the generation server failing) is a JSON error with its own status; one after is in-band.
            first = await _watching(request, _first_piece(pieces, task))
        except BaseException:
            if not task.done():
                task.cancel()
            raise
        outcome = _Outcome()
        return _Stream(_sse(task, pieces, first, target, cid, created, model, outcome), outcome,
                       media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    async def _sse(task: asyncio.Future, pieces: asyncio.Queue, first: str | None, target: AdapterRoute, cid: str,
                   created: int, model: str, outcome: _Outcome) -> AsyncIterator[str]:
        streamed: list[str] = []

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {dumps(obj, compact=False)}\n\n"

        try:
            yield chunk({"role": "assistant", "content": ""})
            piece = first
            while piece is not None:
                if piece:  # "": a candidate is being decoded
                    streamed.append(piece)
                    yield chunk({"content": piece})
                piece = await _next_piece(pieces, task)
            try:
                ans = task.result()
            except Exception as exc:  # the status is sent: the error goes in-band
                err = _error_for(exc)
                if err.status >= 500:
                    _log_failure("/v1/chat/completions", exc, err.status)
                outcome.status, outcome.code = err.status, err.code
                error = {"error": {"message": err.message, "type": err.type, "code": err.code}}
                yield f"data: {dumps(error, compact=False)}\n\n"
                yield "data: [DONE]\n\n"
                return
            finish = "stop"
            if not streamed:  # nothing shown yet (a refusal before generation, the candidates' "" pieces): the
                if ans.answer:  # checked answer is the content, whole, and nothing is withdrawn
                    yield chunk({"content": ans.answer})
            elif "".join(streamed) != ans.answer:
                # The checked answer is not what the model streamed (refused after the support check, or
                # repaired): say so in-band, so that the concatenated content is never an unchecked answer.
                finish = "content_filter"
                yield chunk({"content": "\n\n[withdrawn] " + ans.answer})
            yield chunk({}, finish, usage=_usage(ans), citations=_citations(ans), ragtune=_extra(ans, target))
            yield "data: [DONE]\n\n"
        finally:
            if not task.done():  # client gone mid-stream: stop the generation, free the engine, count it
                task.cancel()
                m.cancelled.inc()
                outcome.left = True

    async def healthz(request: Request) -> Response:
        return JSONBody({"status": "ok", "workers": len(state.pool.engines), "waiting": state.pool.waiting,
                      "running": state.pool.running})

    async def metrics(request: Request) -> Response:
        if state.monitor is not None:
            await asyncio.to_thread(state.monitor)  # reads the query log: never on the event loop
        m.set_pool(state.pool)
        return Response(m.render(), media_type=m.content_type)

    endpoints = [
        ("/v1/ask", guard("/v1/ask", ask), "POST"),
        ("/v1/chat/completions", guard("/v1/chat/completions", chat), "POST"),
        ("/v1/models", guard("/v1/models", models), "GET"),
        ("/healthz", guard("/healthz", healthz, auth=False), "GET"),
        ("/metrics", guard("/metrics", metrics), "GET"),
    ]
    # Each route is served with or without one trailing slash (a client whose base URL ends in "/" may send
    # "/v1/chat/completions/"), counted under one route name. Starlette's default was a 307 redirect whose
    # Location it built from the Host header: a POST client that does not follow redirects (httpx's default,
    # curl without -L) failed, and behind a proxy the Location named an address the client cannot reach.
    routes = [Route(p, endpoint, methods=[method]) for path, endpoint, method in endpoints for p in (path, path + "/")]

    async def no_route(request: Request, exc: Exception) -> Response:
        """Starlette's 404 (no such route) and 405 (wrong method), in the API's error shape."""
        status = getattr(exc, "status_code", 500)
        path = shown(request.url.path, 100)
        headers = dict(getattr(exc, "headers", None) or {})
        if status == 405:
            allowed = headers.get("Allow") or headers.get("allow") or ""
            err = HTTPError(405, f"{shown(request.method, 16)} is not allowed on {path}; use {allowed}",
                            code="method_not_allowed", headers=headers)
        elif status == 404:
            err = HTTPError(404, f"no such route: {path} (the API is /v1/ask, /v1/chat/completions, /v1/models, "
                            "/healthz, /metrics)", code="not_found", headers=headers)
        else:
            err = HTTPError(status, str(getattr(exc, "detail", "")) or "error", headers=headers)
        route = request.url.path.removesuffix("/") if status == 405 else "-"  # 405: one of our routes, named once
        m.requests.labels(route, str(status)).inc()
        access(request, status, 0.0, err.code)
        resp = err.response()
        if body_pending(request):
            resp.headers["Connection"] = "close"
        return resp

    app = Starlette(routes=routes, exception_handlers={HTTPException: no_route})
    app.router.redirect_slashes = False  # "/v1/ask//" and the like are a JSON 404, never a redirect
    app.state.serve = state
    return app


def _shutting_down(retry_after_s: int | None = None) -> HTTPError:
    headers = {"Connection": "close"} | ({"Retry-After": str(retry_after_s)} if retry_after_s else {})
    return HTTPError(503, "the server is shutting down; retry later", type_="server_error", code="shutting_down",
                     headers=headers)


@dataclass
class _Outcome:
    """How a stream ended, for ragtune_requests_total: 200, or the status of the error it sent in-band."""

    status: int = 200
    code: str | None = None  # the in-band error's code
    left: bool = False  # the client left before the end


class _Stream(StreamingResponse):
    """A StreamingResponse that always closes its generator when the response ends: a client that leaves while a
    chunk is being sent leaves the generator suspended at a `yield`, and its `finally` (stop the generation,
    count the cancel) must run now, not whenever the garbage collector gets to it. A stream the server cuts
    short (it is stopping and its graceful-shutdown time ran out) ends in-band: the `shutting_down` error event,
    then [DONE], as for any error after the stream started. Once it has ended, `count(status)` is called with
    the status its error would have had without streaming (503 for a forced stop), or 200: an in-band error is
    counted as the error it is, not as the 200 that started the stream."""

    def __init__(self, content: Any, outcome: _Outcome, **kw: Any) -> None:
        super().__init__(content, **kw)
        self.outcome = outcome
        self.count: Callable[[int], None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = False

        async def sending(message: Any) -> None:
            nonlocal started
            started = True
            await send(message)

        try:
            await super().__call__(scope, receive, sending)
        except asyncio.CancelledError:
            self.outcome.status, self.outcome.code = 503, "shutting_down"
            if started:
                err = _shutting_down()
                event = {"error": {"message": err.message, "type": err.type, "code": err.code}}
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "more_body": False,
                                "body": f"data: {dumps(event, compact=False)}\n\ndata: [DONE]\n\n".encode()})
            else:
                with contextlib.suppress(Exception):
                    await _shutting_down().response()(scope, receive, send)
        finally:
            try:
                aclose = getattr(self.body_iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                if self.count is not None:
                    self.count(self.outcome.status)


def _settled(slot: Any) -> Callable[[asyncio.Future], None]:
    """The done callback of a streamed answer's task: its place back if it never ran, its error retrieved."""

    def done(task: asyncio.Future) -> None:
        slot.abandon()
        if not task.cancelled():
            task.exception()  # read here or in the stream; never "Task exception was never retrieved"

    return done


async def _next_piece(pieces: asyncio.Queue, task: asyncio.Future) -> str | None:
    """The next streamed piece, or None once the answer is done and every piece has been taken. (The engine
    thread queues its pieces before its result is set, so a finished task has no pieces still to come.)"""
    if not pieces.empty():
        return pieces.get_nowait()
    if task.done():
        return None
    getter = asyncio.ensure_future(pieces.get())
    try:
        await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        if not getter.done():
            getter.cancel()
    if getter.done() and not getter.cancelled():
        return getter.result()
    return pieces.get_nowait() if not pieces.empty() else None


async def _first_piece(pieces: asyncio.Queue, task: asyncio.Future) -> str | None:
    """The first piece ("" when a candidate is being decoded; None: the answer came whole, e.g. a refusal before
    generation). An error before anything was generated is raised here."""
    piece = await _next_piece(pieces, task)
    if piece is None:
        task.result()
    return piece


def _usage(ans: Any) -> dict[str, int]:
    return {"prompt_tokens": ans.tokens_prompt, "completion_tokens": ans.tokens_completion,
            "total_tokens": ans.tokens_prompt + ans.tokens_completion}


def _citations(ans: Any) -> list[dict[str, Any]]:
    return ans.to_json()["citations"]


def _extra(ans: Any, target: AdapterRoute) -> dict[str, Any]:
    j = ans.to_json()
    return {k: j[k] for k in ("status", "refusal_reason", "adapter", "model", "valid", "repaired", "timings",
                              "cached")} | {"arm": target.arm, "log_id": ans.log_id}
