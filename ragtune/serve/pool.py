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

Many clients on one server (round 50): each request belongs to a client (its token's name; without tokens, one
client). With `per_client` set, a client already holding that many waiting requests is refused (`ClientBusy`, an
HTTP 429) while the others' places stay free, and a freed engine goes to the waiting clients in turn, first come
first served within each client: one client sending `workers + queue` requests at once used to fill the one FIFO
queue, and every other client got the 503 until they were all answered. With one client this is the FIFO it was.

Fair admission (round 51): several clients flooding together still filled the queue, so a quiet client got the 503.
Now, with the queue full (and `per_client` set: two or more clients), a request takes the place of the newest
waiting request of the client holding the most places (waiting + running; `Shed`, a 429 client_busy to that request)
instead of getting the 503, when that client holds two more places than the request's client, or one more and has
asked more than one request more lately (`usage`: requests admitted, halving every USAGE_HALF_LIFE_S). So a quiet
client gets a place before the flooders' newest requests, and flooders do not take places from it. After a swap
the one that lost its place could not take it back (no ping-pong between equals).
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
USAGE_HALF_LIFE_S = 60.0  # a client's recent requests (fair admission) count half after this long
SHARES = 4  # the automatic share per client: the queue over this many clients at most (per_client_bound)


class Busy(Exception):
    """The queue is full."""


class ClientBusy(Busy):
    """The request's client already has `limit` requests waiting ([serve] max_waiting_per_client): the rest of the
    queue is kept for the other clients."""

    def __init__(self, limit: int):
        super().__init__(limit)
        self.limit = limit


class Shed(ClientBusy):
    """A waiting request whose place went to a client holding fewer places, the queue being full (the newest
    waiting request of the client holding the most places): a 429 client_busy, retried after Retry-After."""


class Cancelled(Exception):
    """Raised inside a generation whose client went away (deliberately not a RagtuneError: nothing may catch
    it on the way out of the engine)."""


class EnginePool:
    def __init__(self, engines: list[Any], queue: int, per_client: int | None = None):
        """`per_client`: the most requests one client may have waiting (None: no bound but the queue's)."""
        if not engines:
            raise ValueError("at least one engine")
        self.engines = list(engines)
        self.queue = int(queue)
        self.per_client = per_client
        self.admitted = 0  # waiting + running
        self.running = 0
        self.cancelled = 0
        self._idle: list[Any] = list(engines)  # engines no request holds (only while no request waits)
        # the waiting requests per client, first come first served; the clients in the order of their turns
        self._turns: collections.OrderedDict[str, collections.deque[asyncio.Future]] = collections.OrderedDict()
        # admitted, not yet given an engine, per client, oldest first (a shed takes the newest)
        self._waiting: dict[str, list[Slot]] = {}
        self._held: collections.Counter[str] = collections.Counter()  # places per client: waiting + running
        self.shed = 0  # waiting requests whose place went to a client holding fewer (Shed)
        self._usage: dict[str, tuple[float, float]] = {}  # client -> (requests admitted lately, when), decaying
        self._admits = 0
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

    def waiting_of(self, client: str | None) -> int:
        return len(self._waiting.get(client or "", ()))

    def held_by(self, client: str | None) -> int:
        return self._held[client or ""]

    def admit(self, client: str | None = None) -> "Slot":
        """Reserve a place for a request of `client` (its token's name; None: the one client of a server without
        tokens). Raises ClientBusy when it would wait and its client already has `per_client` waiting, Busy when
        workers + queue are taken and no other client holds more than its share (`_victim`). Call before starting a
        response, so that a 429/503 can still be sent."""
        key = client or ""
        if self.per_client is not None and self.admitted >= len(self.engines) and \
                self.waiting_of(key) >= self.per_client:
            raise ClientBusy(self.per_client)
        if self.admitted >= self.capacity:
            victim = self._victim(key) if self.per_client is not None else None
            if victim is None:
                raise Busy()
            self._shed(victim)
        self.admitted += 1
        self._held[key] += 1
        if self.per_client is not None:
            self._used(key, 1.0)
        slot = Slot(self, key)
        self._waiting.setdefault(key, []).append(slot)
        return slot

    def _used(self, key: str, add: float, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        score, when = self._usage.get(key, (0.0, now))
        score = score * 0.5 ** (max(0.0, now - when) / USAGE_HALF_LIFE_S) + add
        if add:
            self._usage[key] = (score, now)
            self._admits += 1
            if len(self._usage) > 4 * max(64, self.capacity) and self._admits % 256 == 0:
                # (200 clients, or 20,000: only the recent ones are kept)
                for k in [k for k in self._usage if k not in self._held and self._used(k, 0.0, now) < 0.05]:
                    del self._usage[k]
        return score

    def _victim(self, key: str) -> "Slot | None":
        """With the queue full: the waiting request that gives its place to a request of `key`, or None (the 503).
        The newest waiting request of the client holding the most places (then: that asked the most lately; then:
        the newest request), when that client holds two more places than `key`, or one more and asked more than
        one request more lately. After the swap that client holds no fewer places than `key`, and asked more, so
        it cannot take the place back."""
        mine, now = self._held[key], time.monotonic()
        best, best_rank = None, None
        for client, slots in self._waiting.items():
            if client == key:
                continue
            # (not one already handed an engine, its task not resumed yet: it is as good as running)
            newest = next((s for s in reversed(slots) if s.fut is None or not s.fut.done()), None)
            if newest is None:
                continue
            rank = (self._held[client], self._used(client, 0.0, now), newest.seq)
            if best_rank is None or rank > best_rank:
                best, best_rank = newest, rank
        if best is None:
            return None
        held, used, _ = best_rank
        if held >= mine + 2 or (held == mine + 1 and used > self._used(key, 0.0, now) + 1):
            return best
        return None

    def _shed(self, slot: "Slot") -> None:
        """Take `slot`'s place now (its count goes at once: the place is the caller's); its request ends with
        Shed, a 429, when its task next runs (or at once, if it never reached `run`)."""
        slot.shed = True
        self.shed += 1
        fut = slot.fut
        if fut is not None:
            self._drop(slot.client, fut)
            if not fut.done():
                fut.set_exception(Shed(self.per_client or 0))
        slot.release()

    def _give(self, engine: Any) -> None:
        """A freed engine: to the next waiting client in turn (its oldest request), the client then last in turn;
        idle when no one waits."""
        while self._turns:
            client, waiters = next(iter(self._turns.items()))
            fut = waiters.popleft()
            if waiters:
                self._turns.move_to_end(client)
            else:
                del self._turns[client]
            if not fut.done():  # (a waiter whose task was cancelled: skipped)
                fut.set_result(engine)
                return
        self._idle.append(engine)

    def _drop(self, client: str, fut: asyncio.Future) -> None:
        waiters = self._turns.get(client)
        if waiters is not None and fut in waiters:
            waiters.remove(fut)
            if not waiters:
                del self._turns[client]

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


def per_client_bound(cfg: Any, tokens: list[Any]) -> int | None:
    """[serve] max_waiting_per_client as the pool applies it (None: no bound but the queue's). 0, the default, is
    automatic: a server with fewer than two token names has one client (no token: everyone is one client, as is every
    holder of one name's rotated secrets), so none, and it queues as it always did; with two or more, the queue
    shared by up to SHARES of them (at least 1): half with two names, a third with three, a quarter from four. So up
    to four clients flooding at once each meet their own share (a 429 client_busy, their doing) before the queue is
    full (a 503 busy, which says the server is out of capacity and which operators alert on); with half the queue
    from three names on, three flooders filled it and got the 503 (round 52, docs/serve.md "A share per client")."""
    if cfg.max_waiting_per_client:
        return cfg.max_waiting_per_client
    names = len({t.name for t in tokens})
    if names < 2:
        return None
    return max(1, cfg.queue // min(names, SHARES))


class Slot:
    """One admitted request. `await slot.run(fn)` waits for an engine and runs fn(engine, cancel) in its
    thread; `slot.release()` (idempotent) gives the place back when the request never ran."""

    _seq = 0  # admission order, across clients (a shed takes the newest)

    def __init__(self, pool: EnginePool, client: str = ""):
        self.pool = pool
        self.client = client
        Slot._seq += 1
        self.seq = Slot._seq
        self.shed = False  # its place went to another client's request (EnginePool._shed)
        self.fut: asyncio.Future | None = None  # while it waits in its client's turn
        self.cancel = threading.Event()
        self._released = False
        self._started = False
        self._counted = True  # in its client's waiting count
        self.engine: Any = None

    def _unwait(self) -> None:
        if self._counted:
            self._counted = False
            waiting = self.pool._waiting.get(self.client)
            if waiting is not None:
                waiting.remove(self)
                if not waiting:
                    del self.pool._waiting[self.client]  # (200 clients: no entry kept per client that ever asked)

    def release(self) -> None:
        if not self._released:
            self._released = True
            self._unwait()
            self.pool.admitted -= 1
            held = self.pool._held
            held[self.client] -= 1
            if held[self.client] <= 0:
                del held[self.client]

    def abandon(self) -> None:
        """Give the place back if `run` never took an engine (its task was cancelled before it started: a
        stream whose client left at once). A started slot is released when its engine's thread ends."""
        if not self._started:
            self.release()

    async def run(self, fn: Callable[[Any, threading.Event], T]) -> T:
        pool = self.pool
        if self.shed:  # its place was taken before it came to wait (a stream's slot, admitted before its task ran)
            raise Shed(pool.per_client or 0)
        if pool._idle and not pool._turns:
            engine = pool._idle.pop()
        else:
            fut = asyncio.get_running_loop().create_future()
            # No request waits beside an idle engine: here _idle is empty (else _turns held a waiter, and _give
            # makes an engine idle only when _turns is empty)
            assert not pool._idle
            pool._turns.setdefault(self.client, collections.deque()).append(fut)
            self.fut = fut
            try:
                engine = await fut
            except BaseException:  # left the queue (client gone, server stopping), or shed (its place taken)
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    pool._give(fut.result())  # handed an engine as it left: to the next in turn
                else:
                    pool._drop(self.client, fut)
                self.release()
                raise
            finally:
                self.fut = None
        self._started = True
        self._unwait()
        self.engine = engine
        pool.running += 1
        t0 = time.monotonic()
        try:
            job = pool._executor.submit(fn, engine, self.cancel)
        except RuntimeError:  # the pool is closed (the server is stopping): the engine is not used again
            pool.running -= 1
            pool._give(engine)
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
            pool._give(engine)
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
