"""The HTTP API: /v1/ask, OpenAI-compatible /v1/chat/completions (+ SSE streaming: stream.py), /v1/models and
/v1/models/{model}, /healthz, Prometheus /metrics. Routing to an adapter (the rollout split) is the router's job
(ragtune.serve.routing); a failure's status, code and message are errors.py's.

Errors are JSON in OpenAI's shape, {"error": {"message", "type", "code"}}: 400 bad input, 401 no or wrong token
(the same body whatever was wrong), 403 a CORS preflight from an origin not in [serve] cors_origins (cors.py) or
a request refused by the Host or Origin check (guard.py) or /metrics for a token scoped to documents, 404 unknown model or route, 405 wrong method, 408 body too
slow, 413 body too large, 415 a charset other than UTF-8, 422 a body of the wrong shape, 429 + Retry-After a client over its share of the queue (pool.py), 431 a head over 64 KiB
(guard.py; wire.py when h11 refuses it, with the 400 invalid_http), 503 + Retry-After when the
queue is full (503 no_documents: nothing is ingested; 503 shutting_down: cut short by a forced stop), 500/502 when
the model or the generation server fails (they say no more than that: the server log has the why); `code` is never
null. A stream starts with the first decoded token: later errors are in-band.
Whatever a client sends, the answer is one of these, never a traceback (docs/serve.md).
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.middleware import Middleware
from starlette.responses import Response
from starlette.routing import Match, Route

from .access import access
from .auth import Token, bearer_token
from .body import (MAX_REF_CHARS, HTTPError, JSONBody, body_pending, client_id, json_type, last_user_message,
                   openai_options, question_text, read_json, ref_field, scope_field, shown, user_field)
from .cors import Cors, Record
# under their names of when they lived here (tests/appliance/test_json_located.py imports app._error_for)
from .errors import NO_RETRY, error_for as _error_for, log_failure as _log_failure, shutting_down as _shutting_down
from .errors import client_busy, metrics_forbidden
from .guard import BrowserGuard, HostCheck, OriginCheck
from .metrics import Metrics
from .openapi import document
from .pool import Busy, Cancelled, ClientBusy, EnginePool, Shed, cancel_check
from .publicid import RAW, PublicIds, View
from .requestid import RequestId, noted
from .routing import (BASE_MODEL, MODEL, MODEL_PREFIX, ModelRoute as _ModelRoute, Route as AdapterRoute,
                      RoutedAdapterError, Router, UnknownModel, Unnamed, model_name, routed_error)
from .scopes import ScopeCache
from .stream import Stream, citations, extra, first_piece, settled, stream_answer, usage

from ..appliance.config import ANSWER_MODES as MODES  # "extractive" | "free"
from ..appliance.errors import AdapterBaseMismatch, AdapterMisfit


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
    cors_origins: list[str] = field(default_factory=list)  # as browsers write them (cors.py); [] = no CORS
    bind_host: str | None = None  # the address it listens on (a loopback one: the Host check); None: not known
    allowed_hosts: list[str] = field(default_factory=list)  # [serve] allowed_hosts, canonical (guard.py)
    front: Any = None  # front.Front: answers that need no engine, looked up before the queue; None: none
    unnamed: Unnamed = field(default_factory=Unnamed)  # a rollout's clients that name no user: warned once
    ids: PublicIds = field(default_factory=PublicIds)  # a tenant's view of log and chunk ids (publicid.py)


# -- plumbing ----------------------------------------------------------------------------------------------
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


def _served_error(exc: Exception, retry_after_s: int) -> HTTPError:
    """errors.py's answer, but for an adapter the server routed an unpinned request to that cannot serve on its
    model: the server's 500 model_error (the client chose nothing), saying so, without the server's paths."""
    if isinstance(exc, RoutedAdapterError):
        return HTTPError(500, f"this server routes requests that name no adapter to one it cannot serve ({exc.why}); "
                         "not the request's fault: an operator must fix it (the server log says how)",
                         type_="server_error", code="model_error", headers=dict(NO_RETRY))
    return _error_for(exc, retry_after_s)  # a busy store: the server's own Retry-After


# Errors raised below the request's fields, and what they are about: the field that gave it is the route's, set as
# request.state.fields by the route (/v1/ask: `adapter`, `question`; a chat completion: `model`, `messages`)
_ABOUT = {"adapter_ambiguous": "adapter", "adapter_base_mismatch": "adapter", "adapter_misfit": "adapter",
          "invalid_question": "question"}


def _with_param(err: HTTPError, fields: dict[str, str]) -> HTTPError:
    """`err` with `param` naming the request field its value came from (it was null for these before round 49)."""
    if err.param is None and _ABOUT.get(err.code) in fields:
        err.param = fields[_ABOUT[err.code]]
    return err


# -- the app ----------------------------------------------------------------------------------------------
def create_app(state: ServeState) -> Starlette:
    m = state.metrics

    def guard(route: str, handler: Callable[[Request], Any], *, auth: bool = True) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            t0 = time.perf_counter()
            code, note = None, ""  # for the access line
            try:
                token = None
                if auth and state.tokens:
                    token = bearer_token(request.headers.get("authorization"), state.tokens)
                    if token is None:
                        raise HTTPError(401, "missing or invalid bearer token", code="invalid_api_key",
                                        headers={"WWW-Authenticate": "Bearer"})
                request.state.principal = None if token is None else token.name
                # a client of a shared server (a token_scopes entry, as for /metrics' 403) sees ids that count nothing
                request.state.ids = View(state.ids) if token is not None and token.scope else RAW
                request.state.token_scope = None if token is None else token.scope  # [serve] token_scopes
                resp = await handler(request)
            except ClientBusy as exc:  # (a Busy too: before it) this client's share of the queue is taken
                m.rejected_client.inc()
                code = "client_busy"
                resp = client_busy(exc.limit, state.pool.retry_after(state.retry_after_s),
                                   shed=isinstance(exc, Shed)).response()
            except Busy:
                m.rejected.inc()
                code = "busy"
                resp = HTTPError(503, "the server is busy; retry later", type_="server_error", code=code,
                                 headers={"Retry-After": str(state.pool.retry_after(state.retry_after_s))}).response()
            except (Cancelled, ClientDisconnect):  # gone while waiting, generating, or still sending its body
                m.cancelled.inc()
                note = "the client left"
                resp = Response(status_code=499)  # nobody is listening; recorded for the metrics only
            except asyncio.CancelledError:
                # Only a stop cancels a request: uvicorn's graceful-shutdown time ran out, or a second Ctrl+C
                # (asyncio.run cancels it; wire.quiet_forced_stop runs the lifespan's close). The generation stops
                # at its next token; the client hears why, not a plain-text 500 (and the log gets no traceback).
                # Not re-raised: nothing waits on this task.
                m.cancelled.inc()
                err = _shutting_down(state.retry_after_s)
                code, resp = err.code, err.response()
            except Exception as exc:  # typed errors -> JSON; anything else -> 500 without details
                err = _with_param(_served_error(exc, state.retry_after_s), getattr(request.state, "fields", {}))
                if err.status >= 500:  # the rollout arm it was routed to: the log names the way out (errors.py)
                    _log_failure(route, exc, err.status, arm=getattr(request.state, "arm", None))
                code, resp = err.code, err.response()
            if body_pending(request):
                resp.headers["Connection"] = "close"
            if isinstance(resp, Stream):  # counted when it ends: its status may turn out to be an in-band error's
                stream = resp

                def ended(status: int) -> None:
                    m.requests.labels(route, str(status)).inc()
                    access(request, status, time.perf_counter() - t0, stream.outcome.code, noted(request.scope,
                           ", ".join(filter(None, ("stream", getattr(request.state, "answered", ""),
                                                   stream.outcome.left and "the client left")))))

                stream.count = ended
            else:
                m.requests.labels(route, str(resp.status_code)).inc()
                access(request, resp.status_code, time.perf_counter() - t0, code,
                       noted(request.scope, note or getattr(request.state, "answered", "")))
            m.set_pool(state.pool)
            request.state.elapsed = time.perf_counter() - t0
            return resp

        return endpoint

    def route_of(request: Request, user: Any, adapter: str | None) -> AdapterRoute:
        """The request's adapter and rollout arm (Router.route), noting a rollout's clients that name no user."""
        client = client_id(request, request.state.principal, user)
        target = state.router.route(client, adapter)
        state.unnamed.seen(client, request.state.principal, target.arm)
        return target

    async def answer(request: Request, route: str, question: str, target: AdapterRoute, *, k: int | None,
                     user: Any, sink: Callable[[str], None] | None = None, slot: Any = None,
                     mode: str | None = None, within: list[str] | None = None, routed: bool = False) -> Any:
        """`routed`: the client named no adapter (the router chose `target`)."""
        client = client_id(request, request.state.principal, user)
        scope = request.state.token_scope
        t0 = time.perf_counter()

        def job(engine: Any, cancel: Any) -> Any:
            # the references resolve against this engine's store connection, in its thread, at answer time (or come
            # from the resolution of the same references at the store's current index version: scopes.py), inside
            # the token's scope: the only documents retrieval sees, whatever "in" names
            filters = state.scopes.filters(engine.store, within, scope)
            return engine.ask(question, adapter=target.adapter, k=k, on_token=cancel_check(cancel, sink),
                              client_id=client, arm=target.arm, rollout=target.rollout, mode=mode, filters=filters)

        try:
            ans = None
            if slot is None and state.front is not None and state.pool.admitted >= len(state.pool.engines):
                # every engine is taken: a cached answer (or a refusal before generation) need not wait for one
                ans = await state.front.lookup(lambda engine: job(engine, threading.Event()))
            if ans is None:
                ans = await (slot or state.pool.admit(request.state.principal)).run(job)
        except (Busy, Cancelled):  # not the arm's failure: the queue's, the client's
            raise
        except Exception as exc:
            # the client's 400 only when the client chose the adapter
            failed = routed_error(exc, target.arm) if routed and isinstance(exc, (AdapterBaseMismatch,
                                                                                  AdapterMisfit)) else exc
            request.state.arm = target.arm  # for the server log's line
            m.observe_error(target.arm, _served_error(failed, state.retry_after_s).code)  # per arm: no log row
            if failed is exc:
                raise
            raise failed from None
        m.observe_answer(route, ans, target.arm, time.perf_counter() - t0)
        shown = request.state.ids.log(ans.log_id)  # what the client saw, beside it: the operator finds the row
        request.state.answered = "answer " + " ".join(filter(None, (ans.status, ans.refusal_reason))) + \
            (f", log_id {ans.log_id}" if ans.log_id is not None else "") + \
            (f" shown as {shown}" if shown != ans.log_id else "")  # for the access line
        return ans

    # /v1/ask -------------------------------------------------------------------------------------------
    async def ask(request: Request) -> Response:
        request.state.fields = {"adapter": "adapter", "question": "question"}
        body = await read_json(request, state.max_body_bytes, state.body_timeout_s)
        unknown = sorted(set(body) - {"question", "adapter", "k", "mode", "user", "in"})
        if unknown:
            raise HTTPError(422, f"unknown field(s): {', '.join(shown(u, 40) for u in unknown[:10])}",
                            code="unknown_field", param=unknown[0])
        q = question_text(body.get("question"), "'question'", "question")
        k = body.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 6):
            raise HTTPError(422, "'k' must be an integer 1..6", param="k")
        mode = body.get("mode")
        if mode is not None and mode not in MODES:
            raise HTTPError(422, f"'mode' must be one of: {', '.join(MODES)}", param="mode")
        adapter = body.get("adapter")
        if adapter is not None:
            adapter = ref_field(adapter, "adapter", "'none', 'default', 'active', or an adapter id/name")
            adapter = await asyncio.to_thread(state.router.adapter_ref, adapter)  # reads the registry
        within = scope_field(body.get("in"))
        user = user_field(body)
        target = route_of(request, user, adapter)
        ans = await _watching(request, answer(request, "/v1/ask", q, target, k=k, user=user, mode=mode,
                                              within=within, routed=adapter is None))
        out = ans.to_json()
        out.update(arm=target.arm, log_id=ans.log_id)
        return JSONBody(request.state.ids.answer(out))

    # /v1/models, /v1/models/{model} ---------------------------------------------------------------------
    def model_ids() -> list[str]:
        """The served names: the routed one, the base, each registered GGUF LoRA by its full id (reads the
        registry), as Router.served_model names each model it resolves."""
        return [MODEL, BASE_MODEL] + [MODEL_PREFIX + a["id"] for a in state.list_adapters()]

    def model_entry(model_id: str) -> dict[str, Any]:
        return {"id": model_id, "object": "model", "created": 0, "owned_by": "ragtune"}

    async def models(request: Request) -> Response:
        return JSONBody({"object": "list", "data": [model_entry(i) for i in await asyncio.to_thread(model_ids)]})

    async def model_info(request: Request) -> Response:  # the OpenAI SDK's models.retrieve()
        """Whatever a chat completion accepts as `model` (an adapter's name or id prefix too), by the same resolver,
        as its entry in the list; what it refuses, refused with its error (404 model_not_found, 400
        adapter_ambiguous, 400 adapter_base_mismatch / adapter_misfit: what the list leaves out)."""
        request.state.fields = {"adapter": "model"}  # (the path's model: as a chat completion's `model`)
        model = model_name(request.scope) or ""  # (never None: _ModelRoute matched only a name)
        if len(model) > MAX_REF_CHARS:  # a chat completion's 422: no model has such a name, none is looked up
            raise UnknownModel(model)
        listed = await asyncio.to_thread(state.router.listed_model, model)  # reads the registry
        return JSONBody(model_entry(listed))

    # /v1/chat/completions --------------------------------------------------------------------------------
    async def chat(request: Request) -> Response:
        request.state.fields = {"adapter": "model", "question": "messages"}
        body = await read_json(request, state.max_body_bytes, state.body_timeout_s)
        model = body.get("model")
        if model is None:  # absent or null: the routed name (as null is for every other optional field)
            model = MODEL
        if not isinstance(model, str):
            raise HTTPError(422, f"'model' must be a string, not {json_type(model)}", param="model")
        if not model.strip():  # a mistake in the body (an unset variable), not a name this server lacks: no 404
            raise HTTPError(422, f"'model' must be a model name such as '{MODEL}' (GET /v1/models lists them), not "
                            "an empty string", param="model")
        if len(model) > MAX_REF_CHARS:
            raise HTTPError(422, f"'model' is longer than {MAX_REF_CHARS} characters", param="model")
        if body.get("stream") is not None and not isinstance(body["stream"], bool):  # "yes", "false": say so
            raise HTTPError(422, "'stream' must be true or false", param="stream")
        n = body.get("n")
        if n is not None and (not isinstance(n, int) or isinstance(n, bool) or n != 1):
            raise HTTPError(422, "'n' must be 1: ragtune gives one checked answer per request", code="unsupported_n",
                            param="n")
        include_usage = openai_options(body)  # what it cannot give is a 422, not ignored (body.py)
        user = user_field(body)
        question = last_user_message(body.get("messages"))
        # /v1/ask's "in", as a top-level field: what an OpenAI SDK sends from `extra_body` (its other unknown
        # fields stay ignored, like `temperature`)
        within = scope_field(body.get("in"))
        adapter = await asyncio.to_thread(state.router.pinned_adapter, model)  # UnknownModel 404, Ambiguous 400
        target = route_of(request, user, adapter)
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        ids = request.state.ids
        if not body.get("stream"):
            ans = await _watching(request, answer(request, "/v1/chat/completions", question, target, k=None,
                                                  user=user, within=within, routed=adapter is None))
            return JSONBody({
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.answer},
                             "finish_reason": "stop"}],
                "usage": usage(ans), "citations": citations(ans, ids), "ragtune": extra(ans, target, ids)})
        # 503 now, before anything is sent; with every engine taken, a cached answer is looked up first (a miss is
        # admitted after it, its 503 raised by the task: first_piece says it before anything is sent, as here)
        slot = None if state.front is not None and state.pool.admitted >= len(state.pool.engines) else \
            state.pool.admit(request.state.principal)  # (the client's share of the queue: its token's name)
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue = asyncio.Queue()

        def sink(piece: str) -> None:  # engine thread -> event loop
            loop.call_soon_threadsafe(pieces.put_nowait, piece)

        task = asyncio.ensure_future(answer(request, "/v1/chat/completions", question, target, k=None, user=user,
                                            sink=sink, slot=slot, within=within, routed=adapter is None))
        task.add_done_callback(settled(slot))
        try:
            # The response starts (status, headers, the role chunk) with the first decoded token, an empty piece
            # included (with several answer candidates each decoded token sends "" until the chosen answer comes
            # whole): a failure before it (a question too long for the context, an adapter that cannot load, no
            # documents, the generation server failing) is a JSON error with its own status; one after is in-band.
            first = await _watching(request, first_piece(pieces, task))
        except BaseException:
            if not task.done():
                task.cancel()
            raise
        return stream_answer(task, pieces, first, target=target, cid=cid, created=created, model=model, metrics=m,
                             include_usage=include_usage, ids=ids)

    async def openapi(request: Request) -> Response:
        return JSONBody(document())

    async def healthz(request: Request) -> Response:
        """Liveness for anyone (the status code is what a load balancer reads); the queue's depth only for whoever
        may read /metrics: on a server with tokens, a valid token without a token_scopes entry. A client's token,
        a wrong one or none gets the liveness alone, never a 401 (a probe carries no token)."""
        out: dict[str, Any] = {"status": "ok"}
        if state.tokens:
            token = bearer_token(request.headers.get("authorization"), state.tokens)
            if token is None or token.scope:
                return JSONBody(out)
        out.update(workers=len(state.pool.engines), waiting=state.pool.waiting, running=state.pool.running)
        return JSONBody(out)

    async def metrics(request: Request) -> Response:
        if request.state.token_scope:  # a client's token (scoped to its documents): not every client's totals
            raise metrics_forbidden()
        if state.monitor is not None:
            await asyncio.to_thread(state.monitor)  # reads the query log: never on the event loop
        m.set_pool(state.pool)
        return Response(m.render(), media_type=m.content_type)

    endpoints = [  # (path, handler, method); a path is its requests' `route` label in /metrics
        ("/v1/ask", ask, "POST"),
        ("/v1/chat/completions", chat, "POST"),
        ("/v1/models", models, "GET"),
        ("/v1/models/{model:segments}", model_info, "GET"),  # a model's name may hold a "/" (model_name)
        ("/healthz", healthz, "GET"),
        ("/metrics", metrics, "GET"),
        ("/openapi.json", openapi, "GET"),  # the API as OpenAPI 3.1 (openapi.py)
    ]
    # Each route is served with or without one trailing slash (a client whose base URL ends in "/" may send
    # "/v1/chat/completions/"), counted under one route name. Starlette's default was a 307 redirect whose
    # Location it built from the Host header: a POST client that does not follow redirects (httpx's default,
    # curl without -L) failed, and behind a proxy the Location named an address the client cannot reach.
    routes = []
    for path, handler, method in endpoints:
        label = path.replace(":segments}", "}")
        endpoint = guard(label, handler, auth=path != "/healthz")  # liveness probes carry no token
        endpoint.route_label = label  # type: ignore[attr-defined]  # for a 405 on it (no_route)
        kind = _ModelRoute if path.endswith(":segments}") else Route
        routes += [kind(p, endpoint, methods=[method]) for p in (path, path + "/")]

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
                            "/v1/models/{model}, /healthz, /metrics, /openapi.json)", code="not_found", headers=headers)
        else:
            err = HTTPError(status, str(getattr(exc, "detail", "")) or "error", headers=headers)
        # 405: one of our routes, labelled by its path template as its answered requests are, never by the path
        # sent (every POST /v1/models/<anything> would be a label of its own: the metrics would grow without end)
        route = getattr(request.scope.get("endpoint"), "route_label", "-") if status == 405 else "-"
        m.requests.labels(route, str(status)).inc()
        access(request, status, 0.0, err.code, noted(request.scope, ""))
        resp = err.response()
        if body_pending(request):
            resp.headers["Connection"] = "close"
        return resp

    def recorder(note: str) -> Record:
        """A request answered by a middleware before the routes (a CORS preflight, a refusal of guard.py), counted
        and logged as a request of its route."""
        def record(request: Request, status: int, code: str | None, seconds: float) -> None:
            route = next((getattr(r.endpoint, "route_label", "-") for r in routes
                          if r.matches(request.scope)[0] is not Match.NONE), "-")
            m.requests.labels(route, str(status)).inc()
            access(request, status, seconds, code, noted(request.scope, note))

        return record

    # outermost first: CORS (a listed origin's page can read a refusal too), then the Host and Origin checks
    hosts = HostCheck(state.bind_host, state.allowed_hosts)
    middleware = [Middleware(Cors, origins=state.cors_origins, record=recorder("CORS preflight"),
                             refuse=hosts.refusal)] if state.cors_origins else []
    middleware.append(Middleware(BrowserGuard, hosts=hosts,
                                 origins=None if state.tokens else OriginCheck(state.cors_origins),
                                 record=recorder("")))
    middleware.insert(0, Middleware(RequestId))  # outermost: every response carries the client's X-Request-Id
    app = Starlette(routes=routes, exception_handlers={HTTPException: no_route}, middleware=middleware)
    app.router.redirect_slashes = False  # "/v1/ask//" and the like are a JSON 404, never a redirect
    app.state.serve = state
    return app

