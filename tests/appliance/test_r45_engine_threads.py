"""Round 45: threads sharing one AnswerEngine take turns. Two threads decoding in one llama.cpp context at once
aborted the process (GGML_ASSERT, SIGABRT); a library user's thread pool did exactly that (docs/library.md)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.store import open_store
from tests.fakes import FakeGenerator

from .test_answer import FakeRetriever, _hits


class OneAtATime(FakeGenerator):
    """A generator that, like one llama.cpp context, must never be entered by two threads at once."""

    def __init__(self):
        super().__init__([{"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}])
        self.inside, self.overlaps, self.guard = 0, 0, threading.Lock()

    def generate(self, *a, **kw):
        with self.guard:
            self.inside += 1
            self.overlaps += self.inside > 1
        try:
            time.sleep(0.05)
            return super().generate(*a, **kw)
        finally:
            with self.guard:
                self.inside -= 1


def test_threads_sharing_one_engine_take_turns(settings):
    gen = OneAtATime()
    with open_store(settings.home) as store:
        eng = AnswerEngine(settings, retriever=FakeRetriever(_hits(), store), generator=gen, store=store)
        with ThreadPoolExecutor(max_workers=4) as pool:
            answers = list(pool.map(lambda i: eng.ask(f"When was the Eiffel Tower built? ({i})", use_cache=False),
                                    range(8)))
        assert [a.status for a in answers] == ["ok"] * 8
        assert gen.overlaps == 0  # was: up to 4 threads inside the generator at once
        eng.set_adapter("none")  # the switch and close take the same (reentrant) lock
        eng.close()
