"""A chat completion streamed as server-sent events (`stream: true`): the events, the response that always ends
them (a client that left, a forced stop), and the parts of a completion's body the whole answer shares.

The response starts with the first decoded token (app.py waits for it): an error after that is sent in-band, a
`data: {"error": ...}` event then `data: [DONE]`, and counted under the status it would have had (`Outcome`)."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import Any, AsyncIterator, Callable

from starlette.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from .body import HTTPError, dumps
from .errors import error_for, log_failure, shutting_down
from .metrics import Metrics
from .publicid import RAW, View
from .routing import Route as AdapterRoute

# No cache may keep an answer, and a proxy must pass each event on as it comes: nginx buffers a response until it
# has a buffer's worth (the whole answer, for a short one) unless the upstream says `X-Accel-Buffering: no`.
SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


@dataclass
class Outcome:
    """How a stream ended, for ragtune_requests_total: 200, or the status of the error it sent in-band."""

    status: int = 200
    code: str | None = None  # the in-band error's code
    left: bool = False  # the client left before the end


def _event(obj: Any) -> str:
    return f"data: {dumps(obj, compact=False)}\n\n"


def _error_event(err: HTTPError) -> str:
    return _event(err.body())


class Stream(StreamingResponse):
    """A StreamingResponse that always closes its generator when the response ends: a client that leaves while a
    chunk is being sent leaves the generator suspended at a `yield`, and its `finally` (stop the generation,
    count the cancel) must run now, not whenever the garbage collector gets to it. A stream the server cuts
    short (it is stopping and its graceful-shutdown time ran out) ends in-band: the `shutting_down` error event,
    then [DONE], as for any error after the stream started. Once it has ended, `count(status)` is called with
    the status its error would have had without streaming (503 for a forced stop), or 200: an in-band error is
    counted as the error it is, not as the 200 that started the stream."""

    def __init__(self, content: Any, outcome: Outcome, **kw: Any) -> None:
        super().__init__(content, media_type="text/event-stream", headers=dict(SSE_HEADERS), **kw)
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
                err = shutting_down()
                with contextlib.suppress(Exception):
                    await send({"type": "http.response.body", "more_body": False,
                                "body": (_error_event(err) + "data: [DONE]\n\n").encode()})
            else:
                with contextlib.suppress(Exception):
                    await shutting_down().response()(scope, receive, send)
        finally:
            try:
                aclose = getattr(self.body_iterator, "aclose", None)
                if aclose is not None:
                    await aclose()
            finally:
                if self.count is not None:
                    self.count(self.outcome.status)


def stream_answer(task: asyncio.Future, pieces: asyncio.Queue, first: str | None, *, target: AdapterRoute,
                  cid: str, created: int, model: str, metrics: Metrics, include_usage: bool = False,
                  ids: View = RAW) -> Stream:
    """The response of a streamed answer whose first piece (`first`) has been decoded. `include_usage`: the
    request's stream_options.include_usage (OpenAI's: `usage` in a chunk of its own, with no choices, after the
    last; without it `usage` rides on the last choice chunk, as it always did). `ids`: the request's view of ids."""
    outcome = Outcome()
    return Stream(_events(task, pieces, first, target, cid, created, model, outcome, metrics, include_usage, ids),
                  outcome)


async def _events(task: asyncio.Future, pieces: asyncio.Queue, first: str | None, target: AdapterRoute, cid: str,
                  created: int, model: str, outcome: Outcome, metrics: Metrics,
                  include_usage: bool = False, ids: View = RAW) -> AsyncIterator[str]:
    streamed: list[str] = []

    def envelope(**fields: Any) -> str:
        return _event({"id": cid, "object": "chat.completion.chunk", "created": created, "model": model, **fields})

    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        return envelope(choices=[{"index": 0, "delta": delta, "finish_reason": finish}], **extra)

    try:
        yield chunk({"role": "assistant", "content": ""})
        piece = first
        while piece is not None:
            if piece:  # "": a candidate is being decoded
                streamed.append(piece)
                yield chunk({"content": piece})
            piece = await next_piece(pieces, task)
        try:
            ans = task.result()
        except Exception as exc:  # the status is sent: the error goes in-band
            err = error_for(exc)
            if err.status >= 500:
                # the arm too, as app.py logs a failure before the stream: which arm failed is the operator's cue
                log_failure("/v1/chat/completions", exc, err.status, arm=getattr(target, "arm", None))
            outcome.status, outcome.code = err.status, err.code
            yield _error_event(err)
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
        if include_usage:  # once, where OpenAI's clients look for it (LangChain adds up every chunk's usage)
            yield chunk({}, finish, citations=citations(ans, ids), ragtune=extra(ans, target, ids))
            yield envelope(choices=[], usage=usage(ans))  # usage alone, with no choices
        else:
            yield chunk({}, finish, usage=usage(ans), citations=citations(ans, ids), ragtune=extra(ans, target, ids))
        yield "data: [DONE]\n\n"
    finally:
        if not task.done():  # client gone mid-stream: stop the generation, free the engine, count it
            task.cancel()
            metrics.cancelled.inc()
            outcome.left = True


def settled(slot: Any) -> Callable[[asyncio.Future], None]:
    """The done callback of a streamed answer's task: its place back if it never ran, its error retrieved."""

    def done(task: asyncio.Future) -> None:
        if slot is not None:  # (None: the task admits its own, after a cache lookup: app.answer)
            slot.abandon()
        if not task.cancelled():
            task.exception()  # read here or in the stream; never "Task exception was never retrieved"

    return done


async def next_piece(pieces: asyncio.Queue, task: asyncio.Future) -> str | None:
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


async def first_piece(pieces: asyncio.Queue, task: asyncio.Future) -> str | None:
    """The first piece ("" when a candidate is being decoded; None: the answer came whole, e.g. a refusal before
    generation). An error before anything was generated is raised here."""
    piece = await next_piece(pieces, task)
    if piece is None:
        task.result()
    return piece


# -- a completion's parts, streamed (the last chunk) or whole ------------------------------------------------
def usage(ans: Any) -> dict[str, Any]:
    """OpenAI's `usage`. A cached answer (nothing generated) reports the answer as first made, its prompt counted as
    cached, as OpenAI reports a prompt cache's hit (`prompt_tokens_details.cached_tokens`: the SDK's
    `usage.prompt_tokens_details.cached_tokens`, LangChain's `input_token_details.cache_read`); before round 52 it
    was all zeros, which token counters and budgets read as an empty answer. Entries cached before: zeros."""
    first = ans.first_tokens if ans.cached else None
    if first is None:  # generated now (or an entry cached before round 52): the three counts, as before
        return {"prompt_tokens": ans.tokens_prompt, "completion_tokens": ans.tokens_completion,
                "total_tokens": ans.tokens_prompt + ans.tokens_completion}
    prompt, completion = first
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": prompt}}


def citations(ans: Any, ids: View = RAW) -> list[dict[str, Any]]:
    return ids.citations(ans.to_json())["citations"]


def extra(ans: Any, target: AdapterRoute, ids: View = RAW) -> dict[str, Any]:
    j = ans.to_json()
    return {k: j[k] for k in ("status", "refusal_reason", "adapter", "model", "valid", "repaired", "timings",
                              "cached")} | {"arm": target.arm, "log_id": ids.log(ans.log_id)}
