"""A bounded queue in front of the answer engines.

One llama.cpp context generates for one request at a time, so each engine is owned by one request while it
answers. `workers` engines run in their own threads; up to `queue` more requests wait for one; beyond that a
request is refused at once (`Busy`, an HTTP 503 with Retry-After) instead of piling up. Its Retry-After is when a
place is likely to free (`retry_after`): with the queue full, one frees each time an answer ends, every mean engine
time / workers seconds (a fixed 2 s, with answers taking ~12 s, had the OpenAI SDKs spend their two retries before
any place could free).

A request whose client goes away stops costing: while waiting, it leaves the queue; while generating, its
`cancel` event is set and the engine's token callback raises `Cancelled`, which ends the generation. An engine
returns to the pool only when its thread has finished, so no two requests ever share a context and an adapter
switch for one request can never touch another request in flight.

A stop is bounded (`close`): every generation is told to stop at its next token and gets `STOP_WAIT_S`; one still
running then (native code that calls back no token: a long prompt's evaluation, a remote server that does not
answer) is abandoned, its engine left as it is (closing it would free the context under it), and the server
ends the process without waiting for it (server.py). Nothing is half-written by that: what a request writes is
a SQLite transaction, rolled back when the process ends before its commit.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, TypeVar

T = TypeVar("T")
RECENT = 20  # answers whose engine time makes the Retry-After estimate
MAX_RETRY_AFTER_S = 60  # at most a minute: the OpenAI SDKs ignore a longer Retry-After (their own backoff instead)
STOP_WAIT_S = 2.0  # at a stop, how long a generation told to stop may take to reach its next token


class Busy(Exception):
    """The queue is full."""


class Cancelled(Exception):
    """Raised inside a generation whose client went away (deliberately not a RagtuneError: nothing may catch
    it on the way out of the engine)."""


class EnginePool:
    def __init__(self, engines: list[Any], queue: int):
        if not engines:
            raise ValueError("at least one engine")
        self.engines = list(engines)
        self.queue = int(queue)
        self.admitted = 0  # waiting + running
        self.running = 0
        self.cancelled = 0
        self._free: asyncio.Queue | None = None
        self.recent: collections.deque[float] = collections.deque(maxlen=RECENT)  # engine seconds per answer
        self._executor = ThreadPoolExecutor(max_workers=len(engines), thread_name_prefix="ragtune-engine")
        self._jobs: dict[concurrent.futures.Future, "Slot"] = {}  # running in an engine's thread
        self.abandoned: list[Any] = []  # the engines whose generation outlasted the stop (close)

    @property
    def waiting(self) -> int:
        return self.admitted - self.running

    @property
    def capacity(self) -> int:
        return len(self.engines) + self.queue

    def retry_after(self, floor: int) -> int:
        """A busy answer's Retry-After: when a place is likely to free (the recent answers' mean engine time /
        workers, rounded up, at most MAX_RETRY_AFTER_S), never less than `floor` ([serve] retry_after_s)."""
        if not self.recent:
            return floor
        per_place = sum(self.recent) / len(self.recent) / len(self.engines)
        return max(floor, min(MAX_RETRY_AFTER_S, math.ceil(per_place)))

    def _queue(self) -> asyncio.Queue:
        if self._free is None:  # bound to the running loop on first use
            self._free = asyncio.Queue()
            for e in self.engines:
                self._free.put_nowait(e)
        return self._free

    def admit(self) -> "Slot":
        """Reserve a place (raises Busy when workers + queue are taken). Call before starting a response, so
        that a 503 can still be sent."""
        if self.admitted >= self.capacity:
            raise Busy()
        self.admitted += 1
        return Slot(self)

    async def warm(self, fn: Callable[[Any], None]) -> None:
        """Run fn(engine) on every engine in its worker threads (load models before the first request)."""
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(loop.run_in_executor(self._executor, fn, e) for e in self.engines))

    def close(self, wait_s: float | None = STOP_WAIT_S) -> list[Any]:
        """Stop: the generations running are told to stop at their next token and get `wait_s` (None: as long as
        they take) to end. Returns the engines still generating after it (also kept in `abandoned`): the caller
        must not close them, and ends the process without waiting for their threads."""
        jobs = dict(self._jobs)
        for slot in jobs.values():
            slot.cancel.set()
        self._executor.shutdown(wait=False, cancel_futures=True)
        _, running = concurrent.futures.wait(list(jobs), timeout=wait_s)
        self.abandoned = [jobs[f].engine for f in running]
        return self.abandoned


class Slot:
    """One admitted request. `await slot.run(fn)` waits for an engine and runs fn(engine, cancel) in its
    thread; `slot.release()` (idempotent) gives the place back when the request never ran."""

    def __init__(self, pool: EnginePool):
        self.pool = pool
        self.cancel = threading.Event()
        self._released = False
        self._started = False
        self.engine: Any = None

    def release(self) -> None:
        if not self._released:
            self._released = True
            self.pool.admitted -= 1

    def abandon(self) -> None:
        """Give the place back if `run` never took an engine (its task was cancelled before it started: a
        stream whose client left at once). A started slot is released when its engine's thread ends."""
        if not self._started:
            self.release()

    async def run(self, fn: Callable[[Any, threading.Event], T]) -> T:
        pool = self.pool
        free = pool._queue()
        try:
            engine = await free.get()
        except BaseException:
            self.release()  # left the queue (client gone, server stopping)
            raise
        self._started = True
        self.engine = engine
        pool.running += 1
        t0 = time.monotonic()
        try:
            job = pool._executor.submit(fn, engine, self.cancel)
        except RuntimeError:  # the pool is closed (the server is stopping): the engine is not used again
            pool.running -= 1
            free.put_nowait(engine)
            self.release()
            raise asyncio.CancelledError() from None
        pool._jobs[job] = self  # (close() waits for it, or abandons it)
        fut = asyncio.wrap_future(job)

        def done(f: Any) -> None:  # in the loop thread, once the engine's thread has really finished
            pool._jobs.pop(job, None)
            if not f.cancelled():
                # Retrieved here, so a generation stopped by `Cancelled` (its client left, nobody awaits the
                # result any more) is not logged by asyncio as "Future exception was never retrieved".
                if f.exception() is None:  # an answer's engine time (a failure's or a cancel's says little)
                    pool.recent.append(time.monotonic() - t0)
            pool.running -= 1
            free.put_nowait(engine)
            self.release()

        fut.add_done_callback(done)
        try:
            return await asyncio.shield(fut)
        except asyncio.CancelledError:
            self.cancel.set()  # stop generating; the engine comes back through `done`
            pool.cancelled += 1
            raise


def cancel_check(cancel: threading.Event, sink: Callable[[str], None] | None = None) -> Callable[[str], None]:
    """An engine `on_token` callback that aborts the generation once `cancel` is set (and forwards pieces)."""

    def on_token(piece: str) -> None:
        if cancel.is_set():
            raise Cancelled()
        if sink is not None:
            sink(piece)

    return on_token
