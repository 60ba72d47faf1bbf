"""The API as an OpenAPI 3.1 document, `GET /openapi.json`: every route, its body, and every status it can answer
with (each error in the one shape, `{"error": {"message", "type", "param", "code"}}`, with the codes it can carry).
docs/serve.md says the same in words; tests/serve/test_r47_openapi.py walks this document against the server, so a
status or route added to one and not the other fails there."""

from __future__ import annotations

from typing import Any

from .body import MAX_HEAD_BYTES

VERSION = "1"  # of this document's API (info.version): the /v1 routes

# status -> (when, the codes it carries): the one table of the errors; each route lists the statuses it can answer
ERRORS: dict[int, tuple[str, list[str]]] = {
    400: ("a request that is not valid HTTP, a body that is not JSON (or gives a key twice), a question too long, an "
          "unknown or ambiguous adapter, an adapter not for the served model, an unknown document in `in`",
          ["invalid_http", "invalid_json", "question_too_long", "invalid_question", "adapter_not_found",
           "adapter_ambiguous", "adapter_base_mismatch", "adapter_misfit", "document_not_found"]),
    401: ("missing or wrong bearer token (with `WWW-Authenticate: Bearer`)", ["invalid_api_key"]),
    403: ("the Host or Origin check, a CORS preflight from an origin not listed, /metrics for a token scoped to "
          "documents", ["host_not_allowed", "origin_not_allowed", "metrics_forbidden"]),
    404: ("an unknown model or route", ["model_not_found", "not_found"]),
    405: ("the route does not take this method (with `Allow`)", ["method_not_allowed"]),
    408: ("the body did not arrive within [serve] body_timeout_s", ["body_timeout"]),
    413: ("a body over [serve] max_body_bytes", ["body_too_large"]),
    415: ("a charset other than UTF-8, or a Content-Encoding", ["unsupported_media_type"]),
    422: ("a body of the wrong shape", ["invalid_body", "invalid_value", "empty_question", "unknown_field",
                                       "invalid_scope", "unsupported_n", "invalid_messages", "unsupported_content",
                                       "unsupported_response_format", "unsupported_tool_choice",
                                       "unsupported_logprobs"]),
    429: ("the client already has [serve] max_waiting_per_client requests waiting (with `Retry-After`)",
          ["client_busy"]),
    431: (f"a request line and headers over {MAX_HEAD_BYTES} bytes", ["headers_too_large"]),
    500: ("the server's fault: a model or adapter that cannot load, a bug (the server log says why)",
          ["model_error", "internal_error"]),
    502: ("the generation server failed", ["generation_backend_failed"]),
    503: ("busy (the queue is full), the store written by another process, no documents yet, the server stopping; "
          "with `Retry-After` (but `no_documents`)", ["busy", "store_busy", "no_documents", "shutting_down"]),
}
ANY_REQUEST = [400, 403, 404, 405, 431, 500]  # any route: a garbled request, the browser checks, a wrong method, a bug
AUTHED = ANY_REQUEST + [401]
BODY = AUTHED + [408, 413, 415, 422, 429, 503]  # a route that reads a JSON body (and waits for an engine)
ANSWER = BODY + [502]

_REF = "#/components/schemas/"


def _obj(props: dict[str, Any], required: list[str] | None = None, **kw: Any) -> dict[str, Any]:
    return {"type": "object", "properties": props, "required": required or list(props), **kw}


S, I, B, N = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "number"}


def _null(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


SCOPE = _null({"type": "array", "items": S, "minItems": 1, "maxItems": 100,
               "description": "answer only from these documents: ids, stored paths or folders"})
CITATION = _obj({"id": S, "chunk_id": I, "source": S, "text": S, "span": {"type": "array", "items": I}})
SCHEMAS: dict[str, Any] = {
    # `param`: the request field the error is about (OpenAI's error.param), null when it is not about one field
    "Error": _obj({"error": _obj({"message": S, "type": {"enum": ["invalid_request_error", "server_error"]},
                                  "param": _null(S), "code": S})}),
    "Citation": CITATION,
    "AskRequest": _obj({"question": S, "adapter": _null(S), "k": _null({"type": "integer", "minimum": 1,
                                                                       "maximum": 6}),
                        "mode": _null({"enum": ["extractive", "free"]}), "user": _null(S), "in": SCOPE},
                       ["question"], additionalProperties=False),
    "Answer": _obj({"status": {"enum": ["ok", "refused"]}, "answer": S,
                    "citations": {"type": "array", "items": {"$ref": _REF + "Citation"}},
                    "retrieved": {"type": "array", "items": I}, "timings": {"type": "object"},
                    "tokens": _obj({"prompt": I, "completion": I}), "cost": N, "model": S, "adapter": S,
                    "repaired": B, "valid": B, "refusal_reason": _null(S), "cached": B, "mode": S,
                    "p_refused": _null(N), "answer_min_logprob": _null(N), "evidence_score": _null(N),
                    "log_id": _null(I), "cached_from": _null(I), "arm": _null(S)}),
    "ChatRequest": _obj({"model": _null(S), "messages": {"type": "array", "minItems": 1, "items": _obj(
        {"role": {"enum": ["system", "developer", "user", "assistant", "tool", "function"]},
         "content": {"anyOf": [S, {"type": "array", "items": _obj({"type": {"const": "text"}, "text": S})},
                               {"type": "null"}]}}, ["role"])},
        "stream": _null(B), "n": _null({"const": 1}), "user": _null(S), "in": SCOPE,
        "stream_options": _null(_obj({"include_usage": _null(B)}, [])),
        "response_format": _null(_obj({"type": {"const": "text"}}, ["type"])),
        "tool_choice": _null({"enum": ["auto", "none"]}), "logprobs": _null({"const": False})}, ["messages"],
        description="other OpenAI fields (temperature, max_tokens, seed, stop, tools, ...) are accepted and "
                    "ignored; a JSON response_format, a forced tool_choice and logprobs are a 422"),
    "ChatCompletion": _obj({"id": S, "object": {"const": "chat.completion"}, "created": I, "model": S,
                            "choices": {"type": "array", "items": _obj({"index": I, "message": _obj(
                                {"role": {"const": "assistant"}, "content": S}), "finish_reason": S})},
                            "usage": _obj({"prompt_tokens": I, "completion_tokens": I, "total_tokens": I,
                                           "prompt_tokens_details": _obj({"cached_tokens": I})},
                                          ["prompt_tokens", "completion_tokens", "total_tokens"]),
                            "citations": {"type": "array", "items": {"$ref": _REF + "Citation"}},
                            "ragtune": {"type": "object"}}),
    "Model": _obj({"id": S, "object": {"const": "model"}, "created": I, "owned_by": S}),
    "ModelList": _obj({"object": {"const": "list"}, "data": {"type": "array", "items": {"$ref": _REF + "Model"}}}),
    # the queue's numbers only for a token that may read /metrics (or on a server without tokens)
    "Health": _obj({"status": {"const": "ok"}, "workers": I, "waiting": I, "running": I}, ["status"]),
}
_SSE = ("server-sent events, `data:` lines only (no `event:` or `id:` fields; a reconnect is a new request): "
        "`chat.completion.chunk` objects (the first `delta: {role, content: \"\"}`; the last with `finish_reason`, "
        "`usage`, `citations`, `ragtune`; with stream_options.include_usage, `usage` in one more chunk of its own, "
        "`choices: []`), or after a failure once started one `{\"error\": {...}}`; then "
        "`data: [DONE]`")


def _json(ref: str) -> dict[str, Any]:
    return {"application/json": {"schema": {"$ref": _REF + ref}}}


def _op(summary: str, ok: dict[str, Any], errors: list[int], *, body: str | None = None,
        secured: bool = True) -> dict[str, Any]:
    responses: dict[str, Any] = {"200": {"description": "OK", "content": ok}}
    for status in sorted(errors if secured else [e for e in errors if e != 401]):
        when, codes = ERRORS[status]
        responses[str(status)] = {"description": f"{when} (code: {', '.join(codes)})", "content": _json("Error")}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        op["requestBody"] = {"required": True, "content": _json(body)}
    if not secured:
        op["security"] = []
    return op


def document() -> dict[str, Any]:
    model = {"name": "model", "in": "path", "required": True, "schema": S,
             "description": "a model id as GET /v1/models lists it (`ragtune:base` may be sent as ragtune%3Abase)"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "ragtune serve", "version": VERSION,
                 "description": "Answers over an organisation's own documents, with citations (docs/serve.md). "
                                "Each route also answers with one trailing slash; HEAD on the GET routes."},
        "servers": [{"url": "/"}],
        "components": {"schemas": SCHEMAS, "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],  # when the server has tokens ([serve] tokens)
        "paths": {
            "/v1/ask": {"post": _op("one question, the `ask --json` object", _json("Answer"), ANSWER,
                                    body="AskRequest")},
            "/v1/chat/completions": {"post": _op(
                "OpenAI chat completion (the last user message is the question)",
                {**_json("ChatCompletion"), "text/event-stream": {"schema": {"type": "string", "description": _SSE}}},
                ANSWER, body="ChatRequest")},
            "/v1/models": {"get": _op("the served models", _json("ModelList"), AUTHED)},
            "/v1/models/{model}": {"get": {**_op("one model (OpenAI models.retrieve)", _json("Model"), AUTHED),
                                           "parameters": [model]}},
            "/healthz": {"get": _op("liveness (no token needed; the queue's numbers with a /metrics token)",
                                    _json("Health"), ANY_REQUEST, secured=False)},
            "/metrics": {"get": _op("Prometheus text", {"text/plain": {"schema": S}}, AUTHED)},
            "/openapi.json": {"get": _op("this document", {"application/json": {"schema": {"type": "object"}}},
                                         AUTHED)},
        },
    }
