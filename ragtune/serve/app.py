"""The HTTP API: /v1/ask, OpenAI-compatible /v1/chat/completions (+ SSE streaming) and /v1/models, /healthz,
Prometheus /metrics. Routing to an adapter (the rollout split) is the router's job (ragtune.serve.routing).

Errors are JSON in OpenAI's shape, {"error": {"message", "type", "code"}}: 400 bad input, 401 no or wrong token
(the same body whatever was wrong), 404 unknown model, 413 body too large, 422 a body of the wrong shape,
503 + Retry-After when the queue is full, 500/502 when the model or the generation server fails.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..appliance.errors import GenerationError, InputError, ModelError, RagtuneError
from .auth import Token, check_bearer
from .metrics import Metrics
from .pool import Busy, Cancelled, EnginePool, cancel_check
from .routing import BASE_MODEL, MODEL_PREFIX, Route as AdapterRoute, Router, UnknownModel

from ..appliance.config import ANSWER_MODES as MODES  # "extractive" | "free"


class HTTPError(Exception):
    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                 headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.type, self.code, self.headers = status, message, type_, code, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": self.message, "type": self.type, "code": self.code}},
                            status_code=self.status, headers=self.headers)


@dataclass
class ServeState:
    pool: EnginePool
    router: Router
    tokens: list[Token]
    max_body_bytes: int
    retry_after_s: int
    metrics: Metrics
    list_adapters: Callable[[], list[dict[str, Any]]]
    monitor: Callable[[], list[str]] | None = None  # rollout check -> breached rules (run periodically)


# -- plumbing ----------------------------------------------------------------------------------------------
def _error_for(exc: Exception) -> HTTPError:
    if isinstance(exc, HTTPError):
        return exc
    if isinstance(exc, UnknownModel):
        return HTTPError(404, f"the model '{exc}' does not exist", code="model_not_found")
    if isinstance(exc, InputError):
        return HTTPError(400, exc.message)
    if isinstance(exc, ModelError):
        return HTTPError(400, exc.message, code="model_error")
    if isinstance(exc, GenerationError):
        return HTTPError(502, exc.message, type_="server_error", code="generation_failed")
    if isinstance(exc, RagtuneError):
        return HTTPError(500, exc.message, type_="server_error")
    return HTTPError(500, "internal error", type_="server_error")


def _client_id(request: Request, principal: str | None, user: Any) -> str:
    """Who is asking: the token's name, refined by the OpenAI `user` field or an X-Ragtune-Client header
    (a token holder can name its own end users; it cannot borrow another token's name)."""
    sub = user if isinstance(user, str) and user.strip() else request.headers.get("x-ragtune-client", "")
    sub = sub.strip()[:128]
    who = principal or (f"anon@{request.client.host}" if request.client else "anon")
    return f"{who}/{sub}" if sub else who


async def _read_json(request: Request, limit: int) -> dict[str, Any]:
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise HTTPError(413, f"request body over {limit} bytes", code="body_too_large")
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise HTTPError(413, f"request body over {limit} bytes", code="body_too_large")
    try:
        obj = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HTTPError(400, f"the body is not valid JSON: {exc}", code="invalid_json") from None
    if not isinstance(obj, dict):
        raise HTTPError(422, "the body must be a JSON object")
    return obj


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
        if not task.done():
            task.cancel()
        watch.cancel()
    if task.cancelled():
        raise Cancelled()
    return task.result()


# -- the app ----------------------------------------------------------------------------------------------
def create_app(state: ServeState) -> Starlette:
    m = state.metrics

    def guard(route: str, handler: Callable[[Request], Any], *, auth: bool = True) -> Callable[[Request], Any]:
        async def endpoint(request: Request) -> Response:
            t0 = time.perf_counter()
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
                resp = HTTPError(503, "the server is busy; retry later", type_="server_error", code="busy",
                                 headers={"Retry-After": str(state.retry_after_s)}).response()
            except Cancelled:
                m.cancelled.inc()
                resp = Response(status_code=499)  # nobody is listening; recorded for the metrics only
            except Exception as exc:  # typed errors -> JSON; anything else -> 500 without details
                resp = _error_for(exc).response()
            m.requests.labels(route, str(resp.status_code)).inc()
            m.set_pool(state.pool)
            request.state.elapsed = time.perf_counter() - t0
            return resp

        return endpoint

    async def answer(request: Request, route: str, question: str, target: AdapterRoute, *, k: int | None,
                     user: Any, sink: Callable[[str], None] | None = None, slot: Any = None,
                     mode: str | None = None) -> Any:
        client = _client_id(request, request.state.principal, user)
        slot = slot or state.pool.admit()
        t0 = time.perf_counter()

        def job(engine: Any, cancel: Any) -> Any:
            return engine.ask(question, adapter=target.adapter, k=k, on_token=cancel_check(cancel, sink),
                              client_id=client, arm=target.arm, mode=mode)

        ans = await slot.run(job)
        m.observe_answer(route, ans, target.arm, time.perf_counter() - t0)
        return ans

    # /v1/ask -------------------------------------------------------------------------------------------
    async def ask(request: Request) -> Response:
        body = await _read_json(request, state.max_body_bytes)
        unknown = sorted(set(body) - {"question", "adapter", "k", "mode", "user"})
        if unknown:
            raise HTTPError(422, f"unknown field(s): {', '.join(unknown)}")
        q = body.get("question")
        if not isinstance(q, str) or not q.strip():
            raise HTTPError(422, "'question' must be a non-empty string")
        k = body.get("k")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 6):
            raise HTTPError(422, "'k' must be an integer 1..6")
        mode = body.get("mode")
        if mode is not None and mode not in MODES:
            raise HTTPError(422, f"'mode' must be one of: {', '.join(MODES)}")
        adapter = body.get("adapter")
        if adapter is not None and (not isinstance(adapter, str) or not adapter.strip()):
            raise HTTPError(422, "'adapter' must be 'none', 'active', or an adapter id/name")
        client = _client_id(request, request.state.principal, body.get("user"))
        target = state.router.route(client, adapter)
        ans = await _watching(request, answer(request, "/v1/ask", q, target, k=k, user=body.get("user"), mode=mode))
        out = ans.to_json()
        out.update(arm=target.arm, log_id=ans.log_id)
        return JSONResponse(out)

    # /v1/models ----------------------------------------------------------------------------------------
    async def models(request: Request) -> Response:
        ids = [MODEL_PREFIX.rstrip(":"), BASE_MODEL] + [MODEL_PREFIX + a["id"] for a in state.list_adapters()]
        return JSONResponse({"object": "list", "data": [
            {"id": i, "object": "model", "created": 0, "owned_by": "ragtune"} for i in ids]})

    # /v1/chat/completions --------------------------------------------------------------------------------
    async def chat(request: Request) -> Response:
        body = await _read_json(request, state.max_body_bytes)
        model = body.get("model", MODEL_PREFIX.rstrip(":"))
        if not isinstance(model, str):
            raise HTTPError(422, "'model' must be a string")
        if body.get("stream") is not None and not isinstance(body["stream"], bool):  # "yes", "false": say so
            raise HTTPError(422, "'stream' must be true or false")
        question = _last_user_message(body.get("messages"))
        adapter = state.router.pinned_adapter(model)  # raises HTTPError 404 for foreign names
        client = _client_id(request, request.state.principal, body.get("user"))
        target = state.router.route(client, adapter)
        cid = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        if not body.get("stream"):
            ans = await _watching(request, answer(request, "/v1/chat/completions", question, target, k=None,
                                                  user=body.get("user")))
            return JSONResponse({
                "id": cid, "object": "chat.completion", "created": created, "model": model,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": ans.answer},
                             "finish_reason": "stop"}],
                "usage": _usage(ans), "citations": _citations(ans), "ragtune": _extra(ans, target)})
        slot = state.pool.admit()  # 503 now, before the stream starts
        return StreamingResponse(_sse(request, slot, question, target, body.get("user"), cid, created, model),
                                 media_type="text/event-stream", headers={"Cache-Control": "no-cache"})

    async def _sse(request: Request, slot: Any, question: str, target: AdapterRoute, user: Any, cid: str,
                   created: int, model: str) -> AsyncIterator[str]:
        loop = asyncio.get_running_loop()
        pieces: asyncio.Queue = asyncio.Queue()
        streamed: list[str] = []

        def sink(piece: str) -> None:  # engine thread -> event loop
            loop.call_soon_threadsafe(pieces.put_nowait, piece)

        def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
            obj = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                   "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
            return f"data: {json.dumps(obj, ensure_ascii=False)}\n\n"

        task = asyncio.ensure_future(answer(request, "/v1/chat/completions", question, target, k=None, user=user,
                                            sink=sink, slot=slot))
        try:
            yield chunk({"role": "assistant", "content": ""})
            while True:
                getter = asyncio.ensure_future(pieces.get())
                await asyncio.wait({getter, task}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    streamed.append(getter.result())
                    yield chunk({"content": getter.result()})
                    continue
                getter.cancel()
                while not pieces.empty():
                    p = pieces.get_nowait()
                    streamed.append(p)
                    yield chunk({"content": p})
                break
            try:
                ans = task.result()
            except Exception as exc:
                err = _error_for(exc)
                yield f"data: {json.dumps({'error': {'message': err.message, 'type': err.type, 'code': err.code}})}\n\n"
                yield "data: [DONE]\n\n"
                return
            finish = "stop"
            if "".join(streamed) != ans.answer:
                # The checked answer is not what the model streamed (refused after the support check, or
                # repaired): say so in-band, so that the concatenated content is never an unchecked answer.
                finish = "content_filter"
                yield chunk({"content": "\n\n[withdrawn] " + ans.answer if streamed else ans.answer})
            yield chunk({}, finish, usage=_usage(ans), citations=_citations(ans), ragtune=_extra(ans, target))
            yield "data: [DONE]\n\n"
        finally:
            if not task.done():
                task.cancel()  # client gone: stop the generation, free the engine

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "workers": len(state.pool.engines), "waiting": state.pool.waiting,
                             "running": state.pool.running})

    async def metrics(request: Request) -> Response:
        if state.monitor is not None:
            state.monitor()
        m.set_pool(state.pool)
        return Response(m.render(), media_type=m.content_type)

    routes = [
        Route("/v1/ask", guard("/v1/ask", ask), methods=["POST"]),
        Route("/v1/chat/completions", guard("/v1/chat/completions", chat), methods=["POST"]),
        Route("/v1/models", guard("/v1/models", models), methods=["GET"]),
        Route("/healthz", guard("/healthz", healthz, auth=False), methods=["GET"]),
        Route("/metrics", guard("/metrics", metrics), methods=["GET"]),
    ]
    app = Starlette(routes=routes)
    app.state.serve = state
    return app


def _last_user_message(messages: Any) -> str:
    if not isinstance(messages, list) or not messages:
        raise HTTPError(422, "'messages' must be a non-empty list of {role, content}")
    for msg in reversed(messages):
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise HTTPError(422, "each message needs a 'role' and 'content'")
        if msg["role"] != "user":
            continue
        content = msg.get("content")
        if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict) and p.get("type") == "text")
        if not isinstance(content, str) or not content.strip():
            raise HTTPError(422, "the last user message has no text")
        return content
    raise HTTPError(422, "no user message: the last user message is the question")


def _usage(ans: Any) -> dict[str, int]:
    return {"prompt_tokens": ans.tokens_prompt, "completion_tokens": ans.tokens_completion,
            "total_tokens": ans.tokens_prompt + ans.tokens_completion}


def _citations(ans: Any) -> list[dict[str, Any]]:
    return ans.to_json()["citations"]


def _extra(ans: Any, target: AdapterRoute) -> dict[str, Any]:
    j = ans.to_json()
    return {k: j[k] for k in ("status", "refusal_reason", "adapter", "model", "valid", "repaired", "timings",
                              "cached")} | {"arm": target.arm, "log_id": ans.log_id}
