"""`eval run --concurrency N`: the pending (arm, question) pairs answered by N engines at once.

Each engine is owned by one thread (a llama.cpp context serves one request at a time; with generate.backend =
"openai" each engine is one request in flight to the generation server). Work is taken in the run's interleaved
order (q1: A, B, C; q2: …), so load still falls on every arm alike. Results are stored as they come, under one
lock; an error that aborts a run (model, config, store) stops every thread and is raised once they have stopped;
Ctrl-C does the same and keeps what was stored.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Callable, Sequence

Task = Any


def answer_all(pending: Sequence[Task], make_engine: Callable[[], Any], concurrency: int,
               answer: Callable[[Any, Task], Any], done: Callable[[Task, Any], None]) -> None:
    """Call answer(engine, task) for every task, `concurrency` at a time, then done(task, result) under a lock."""
    n = max(1, min(int(concurrency), len(pending)))
    engines: list[Any] = []
    try:
        for _ in range(n):  # built one after another: engines may open the same fresh database
            engines.append(make_engine())
        if n == 1:
            for t in pending:
                done(t, answer(engines[0], t))
            return
        work: "queue.Queue[Task]" = queue.Queue()
        for t in pending:
            work.put(t)
        lock = threading.Lock()
        stop = threading.Event()
        failures: list[BaseException] = []

        def worker(engine: Any) -> None:
            while not stop.is_set():
                try:
                    t = work.get_nowait()
                except queue.Empty:
                    return
                try:
                    res = answer(engine, t)
                    with lock:
                        done(t, res)
                except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
                    failures.append(exc)
                    stop.set()
                    return

        threads = [threading.Thread(target=worker, args=(e,), name=f"eval-{i}", daemon=True)
                   for i, e in enumerate(engines)]
        for th in threads:
            th.start()
        try:
            for th in threads:
                while th.is_alive():
                    th.join(0.2)
        except KeyboardInterrupt:
            stop.set()  # threads finish their current answer (stored) and stop
            for th in threads:
                th.join()
            raise
        if failures:
            raise failures[0]
    finally:
        for e in engines:
            close = getattr(e, "close", None)
            if close is not None:
                close()
