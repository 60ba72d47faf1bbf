"""The request as data: reading a client's JSON body (size, time, charset, syntax, valid Unicode) and checking its
fields, each failure its own clear 4xx in the API's one error shape (`HTTPError`); the routes are app.py."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from ..appliance.jsonl import MAY_HOLD_SURROGATE, surrogate_field, syntax_hint
from ..appliance.normalize import clean_text, empty_question, has_content
from ..appliance.retrieve import MAX_QUERY_CHARS as MAX_QUESTION_CHARS
from ..appliance.text import escaped

MAX_HEAD_BYTES = 64 * 1024  # a request's line and headers at most: more is the 431 (wire.py, guard.py)
MAX_REF_CHARS = 256  # an `adapter` or `model` name; longer is a 422
ROLES = ("system", "developer", "user", "assistant", "tool", "function")  # OpenAI's message roles


def dumps(obj: Any, *, compact: bool = True) -> str:
    """JSON text that always encodes to UTF-8: a lone surrogate (a document's text may hold one) is escaped
    instead of failing the response half-way. NaN is not JSON (ValueError), as in Starlette's JSONResponse."""
    seps = (",", ":") if compact else (", ", ": ")
    text = json.dumps(obj, ensure_ascii=False, allow_nan=False, separators=seps)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = json.dumps(obj, ensure_ascii=True, allow_nan=False, separators=seps)
    return text


class JSONBody(JSONResponse):
    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")


def shown(value: str, n: int = 80) -> str:
    """A client's string quoted back in a message: bounded."""
    return value if len(value) <= n else value[:n] + "…"


LOG_CHARS = 1000  # a logged error's text at most (a generation server's reply body can be anything, any size)


def log_text(text: str, n: int = LOG_CHARS) -> str:
    """Outside text (a generation server's error) as part of one log line: `text.escaped` (a newline cannot forge a
    second log line, an ESC cannot drive the operator's terminal, an unpaired surrogate cannot fail the log handler's
    encoding), then bounded."""
    text = escaped(text)
    return text if len(text) <= n else f"{text[:n]}… ({len(text) - n} more characters)"


# Every error has a fixed code a client can branch on; a raise site that names none gets its status's.
DEFAULT_CODES = {400: "invalid_request", 401: "invalid_api_key", 404: "not_found", 405: "method_not_allowed",
                 408: "body_timeout", 413: "body_too_large", 415: "unsupported_media_type", 422: "invalid_value",
                 431: "headers_too_large",
                 500: "internal_error", 502: "generation_backend_failed", 503: "busy"}


class HTTPError(Exception):
    """`param`: the request field the error is about ("messages", "model", "k"), as OpenAI's `error.param`, which its
    clients read (always sent: null when the error is not about one field)."""

    def __init__(self, status: int, message: str, *, type_: str = "invalid_request_error", code: str | None = None,
                 headers: dict[str, str] | None = None, param: str | None = None):
        super().__init__(message)
        code = code or DEFAULT_CODES.get(status, "server_error" if status >= 500 else "invalid_request")
        self.status, self.message, self.type, self.code, self.headers = status, message, type_, code, headers or {}
        self.param = param

    def body(self) -> dict[str, Any]:
        """The error as the client reads it, `{"error": {"message", "type", "param", "code"}}` (OpenAI's shape)."""
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}

    def response(self) -> JSONResponse:
        return JSONBody(self.body(), status_code=self.status, headers=self.headers)


def client_id(request: Request, principal: str | None, user: Any) -> str:
    """Who is asking: the token's name, refined by the OpenAI `user` field or an X-Ragtune-Client header
    (a token holder can name its own end users; it cannot borrow another token's name)."""
    sub = user if isinstance(user, str) and _printable(user) else _header_text(request, "x-ragtune-client")
    sub = _printable(sub)[:128]  # no control characters in the query log (a NUL, a newline)
    who = principal or (f"anon@{request.client.host}" if request.client else "anon")
    return f"{who}/{sub}" if sub else who


def _printable(text: str) -> str:
    return "".join(ch for ch in text if ch.isprintable()).strip()


def _header_text(request: Request, name: str) -> str:
    """A header as text: HTTP carries bytes (Starlette reads them as latin-1); UTF-8 ones are read as UTF-8."""
    raw = request.headers.get(name, "")
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return raw


class _NotJSONConstant(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NotJSONConstant(f"{name} is not a JSON value")


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different. `{"question": "a", "question": "b"}` is read last-wins by Python,
    first-wins by some proxies and WAFs: a check in front of the server and the server would judge different
    questions. The dict is built either way; only a length that differs costs a second look."""
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return obj


async def _read_body(request: Request, limit: int) -> bytes:
    body = bytearray()
    async for part in request.stream():
        body += part
        if len(body) > limit:
            raise HTTPError(413, f"request body over {limit} bytes ([serve] max_body_bytes)", code="body_too_large")
    request.state.body_read = True
    return bytes(body)


def body_pending(request: Request) -> bool:
    """Was a body announced and not read to its end? A response sent then must close the connection: the rest of
    a stalled body would otherwise be read as the start of the next request on it (a 408 followed by a request
    whose first bytes are taken for the missing body), and a client trickling it would hold the connection."""
    if getattr(request.state, "body_read", False) or request.method in ("GET", "HEAD"):
        return False
    length = request.headers.get("content-length", "")
    return "transfer-encoding" in request.headers or (length.isdigit() and int(length) > 0)


async def read_json(request: Request, limit: int, timeout_s: float) -> dict[str, Any]:
    """The body as a JSON object, whatever the Content-Type's media type says (`curl -d` sends a form type), but
    UTF-8 only and uncompressed: a declared charset other than UTF-8, or a Content-Encoding, is a 415. Every failure
    is its own clear 4xx."""
    ctype = request.headers.get("content-type", "")
    media, *params = [p.strip() for p in ctype.split(";")]
    for p in params:
        key, _, value = p.partition("=")
        if key.strip().lower() == "charset" and value.strip().strip('"').lower() not in ("utf-8", "utf8"):
            raise HTTPError(415, f"the body must be UTF-8 JSON; charset={shown(value.strip(), 40)} is not supported",
                            code="unsupported_media_type")
    coding = request.headers.get("content-encoding", "").strip().lower()
    if coding not in ("", "identity"):  # a gzip body read as JSON was a baffling "not UTF-8 (byte 0x8b)"
        raise HTTPError(415, f"Content-Encoding {shown(coding, 40)} is not supported: send the JSON body uncompressed",
                        code="unsupported_media_type")
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit:
        raise HTTPError(413, f"request body over {limit} bytes ([serve] max_body_bytes)", code="body_too_large")
    try:
        body = await asyncio.wait_for(_read_body(request, limit), timeout_s)
    except asyncio.TimeoutError:
        raise HTTPError(408, f"the request body did not arrive within {timeout_s:g} s", code="body_timeout") from None
    media = media.lower()
    hint = "" if not media or media == "application/json" or media.endswith("+json") else \
        f" (the Content-Type is {shown(media, 60)}: send a JSON object with Content-Type: application/json)"

    def bad(why: str) -> HTTPError:
        return HTTPError(400, f"the body is not valid JSON: {why}{hint}", code="invalid_json")

    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad(f"it is not UTF-8 (byte 0x{body[exc.start]:02x} at offset {exc.start})") from None
    if not text.strip():
        raise bad("the body is empty")
    try:
        obj = json.loads(text.removeprefix("\ufeff"), parse_constant=_no_constant,  # a BOM may be ignored (RFC 8259)
                         object_pairs_hook=_unique_keys)
    except json.JSONDecodeError as exc:
        why = syntax_hint(exc.doc, exc.pos, exc.msg)  # "(a trailing comma before '}'?)" where that is surely it
        raise bad(f"{exc.msg} at line {exc.lineno}, column {exc.colno}{why}") from None
    except RecursionError:
        raise bad("it is nested too deeply") from None
    except _NotJSONConstant as exc:
        raise bad(str(exc)) from None
    except _DuplicateKey as exc:  # ensure_ascii: a key with a newline or a lone surrogate is quoted as escapes
        raise bad(f"the key {shown(json.dumps(exc.args[0]), 80)} appears twice in one object (which of its values "
                  "counts is not defined: send each key once)") from None
    except ValueError:  # an integer of thousands of digits (Python's int_max_str_digits)
        raise bad("a number has too many digits") from None
    # "\\ud800" is valid JSON syntax but not text: it cannot be stored, logged or sent back as UTF-8
    found = surrogate_field(obj) if MAY_HOLD_SURROGATE.search(text) else None
    if found is not None:
        raise bad(f"{found[0]} holds an unpaired UTF-16 surrogate ({found[1]}); text must be valid Unicode")
    if not isinstance(obj, dict):
        raise HTTPError(422, f"the body must be a JSON object, not {json_type(obj)}", code="invalid_body")
    return obj


def question_text(q: Any, what: str, param: str | None = None) -> str:
    """A question as given (`what` names it in messages, `param` is its field): text with some words, at most
    MAX_QUESTION_CHARS once cleaned (retrieval's limit, checked here so that a doomed request never takes a place in
    the queue)."""
    if not isinstance(q, str):
        raise HTTPError(422, f"{what} must be a non-empty string, not {json_type(q)}", param=param)
    cleaned = clean_text(q)
    if not has_content(cleaned):  # retrieval's own check, and its words: a request it would refuse never queues
        exc = empty_question(q)
        raise HTTPError(422, f"{exc.message} ({what}): {exc.hint}", code="empty_question", param=param)
    if len(cleaned) > MAX_QUESTION_CHARS:
        raise HTTPError(400, f"{what} is too long: {len(cleaned)} characters, at most {MAX_QUESTION_CHARS}",
                        code="question_too_long", param=param)
    return q


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", str: "a string", list: "an array",
            dict: "an object"}.get(type(value), type(value).__name__)


def user_field(body: dict[str, Any]) -> str | None:
    user = body.get("user")
    if user is not None and not isinstance(user, str):
        raise HTTPError(422, f"'user' must be a string, not {json_type(user)}", param="user")
    return user


def ref_field(value: Any, name: str, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise HTTPError(422, f"'{name}' must be {what}", param=name)
    if len(value) > MAX_REF_CHARS:
        raise HTTPError(422, f"'{name}' is longer than {MAX_REF_CHARS} characters", param=name)
    return value


def scope_field(value: Any) -> list[str] | None:
    """`"in"` of /v1/ask and /v1/chat/completions: the documents to answer from, as references the store knows (ids,
    stored paths, folders: scope.stored_documents; nothing on the server's disk is looked at). Absent or null: every
    document."""
    from ..appliance.scope import MAX_REF_CHARS as MAX_CHARS, MAX_REFS

    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise HTTPError(422, "'in' must be a non-empty list of document ids or paths (leave it out to answer from "
                        f"every document), not {'an empty array' if value == [] else json_type(value)}",
                        code="invalid_scope", param="in")
    if len(value) > MAX_REFS:
        raise HTTPError(422, f"'in' names {len(value)} references, at most {MAX_REFS} (a folder names every "
                        "document under it)", code="invalid_scope", param="in")
    for i, ref in enumerate(value):
        if not isinstance(ref, str) or not ref.strip():
            raise HTTPError(422, f"'in'[{i}] must be a document id or path as a non-empty string (\"12\"), not "
                            f"{'an empty string' if isinstance(ref, str) else json_type(ref)}", code="invalid_scope",
                            param="in")
        if len(ref) > MAX_CHARS:
            raise HTTPError(422, f"'in'[{i}] is longer than {MAX_CHARS} characters", code="invalid_scope", param="in")
    return value


def openai_options(body: dict[str, Any]) -> bool:
    """A chat completion's OpenAI options that ask for what ragtune cannot give, refused (422) rather than ignored: a
    JSON reply (`response_format` json_object / json_schema: the SDK's `parse()` or a client's json.loads would fail
    on the text answer with an error that names nothing), a forced tool call (`tool_choice` "required" or a named
    function: an agent loop would wait for tool_calls that never come), `logprobs`. What merely tunes decoding
    (temperature, max_tokens, seed, stop, `tools` the model may leave uncalled) stays ignored (docs/serve.md).
    Returns stream_options.include_usage."""
    fmt = body.get("response_format")
    kind = fmt.get("type") if isinstance(fmt, dict) else fmt
    if fmt is not None and kind != "text":
        raise HTTPError(422, f"'response_format' {shown(str(kind), 40)!r} is not supported: the answer is text, its "
                        "sources are in `citations` (POST /v1/ask gives the whole answer as one JSON object); "
                        'leave response_format out or send {"type": "text"}', code="unsupported_response_format",
                        param="response_format")
    choice = body.get("tool_choice")
    if choice is not None and choice not in ("none", "auto"):
        raise HTTPError(422, "'tool_choice' may only be \"auto\" or \"none\": ragtune answers from its documents and "
                        "never calls tools (`tools` are ignored)", code="unsupported_tool_choice", param="tool_choice")
    if body.get("logprobs") not in (None, False) or body.get("top_logprobs") not in (None, 0):
        param = "logprobs" if body.get("logprobs") not in (None, False) else "top_logprobs"
        raise HTTPError(422, "'logprobs' is not supported: the answer is checked against its sources after "
                        "generation, and its tokens' probabilities are not sent (leave it out or false)",
                        code="unsupported_logprobs", param=param)
    opts = body.get("stream_options")
    if opts is not None and (not isinstance(opts, dict) or opts.get("include_usage") not in (None, True, False)):
        raise HTTPError(422, "'stream_options' must be an object such as {\"include_usage\": true}",
                        param="stream_options")
    return bool(opts and opts.get("include_usage"))


def last_user_message(messages: Any) -> str:
    """The question: the text of the last user message. Every message is checked (a role OpenAI does not have is
    a 422 wherever it is); only text content is understood: an image or audio part is a 422, not ignored."""
    if not isinstance(messages, list) or not messages:
        raise HTTPError(422, "'messages' must be a non-empty list of {role, content}", code="invalid_messages",
                        param="messages")
    for i, msg in enumerate(messages):
        if not isinstance(msg, dict) or not isinstance(msg.get("role"), str):
            raise HTTPError(422, f"each message needs a 'role' and 'content' (messages[{i}] has no role)",
                            code="invalid_messages", param="messages")
        if msg["role"] not in ROLES:
            raise HTTPError(422, f"messages[{i}]: unknown role '{shown(msg['role'], 40)}' "
                            f"(one of: {', '.join(ROLES)})", code="invalid_messages", param="messages")
    for i in range(len(messages) - 1, -1, -1):
        if messages[i]["role"] == "user":
            return question_text(_message_text(messages[i].get("content"), i), "the last user message", "messages")
    raise HTTPError(422, "no user message: the last user message is the question", code="invalid_messages",
                    param="messages")


def _message_text(content: Any, i: int) -> str:
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise HTTPError(422, f"messages[{i}].content must be a string or a list of text parts, not "
                        f"{json_type(content)}", code="invalid_messages", param="messages")
    texts = []
    for j, part in enumerate(content):  # [{"type": "text", "text": ...}, ...]
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif isinstance(kind, str) and kind != "text":
            raise HTTPError(422, f"messages[{i}].content[{j}]: '{shown(kind, 40)}' parts are not supported: ragtune "
                            "answers text questions from its documents (send only text parts)",
                            code="unsupported_content", param="messages")
        else:
            raise HTTPError(422, f'messages[{i}].content[{j}] must be {{"type": "text", "text": "..."}}',
                            code="invalid_messages", param="messages")
    return " ".join(texts)
