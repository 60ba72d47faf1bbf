"""Fakes for the eval tests: a tiny BEIR set and answer engines with known behaviour (no models)."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.appliance.types import Answer, ContextItem, Timings

DOCS = {
    "d1": "The Eiffel Tower is in Paris and was completed in 1889.",
    "d2": "Mount Everest is the highest mountain on Earth, at 8849 metres.",
    "d3": "The Nile is a river in Africa that flows into the Mediterranean Sea.",
    "d4": "Python was created by Guido van Rossum and first released in 1991.",
    "d5": "The Great Wall of China is thousands of kilometres long.",
    "d6": "Honey bees live in colonies led by a queen.",
}
# qid: (question, answers, gold doc); empty answers = unanswerable (the doc looks relevant but lacks it)
QUERIES = {
    "q1": ("When was the Eiffel Tower completed?", ["1889"], "d1"),
    "q2": ("How high is Mount Everest?", ["8849 metres"], "d2"),
    "q3": ("Where does the Nile flow into?", ["the Mediterranean Sea"], "d3"),
    "q4": ("Who created Python?", ["Guido van Rossum"], "d4"),
    "q5": ("Who built the Great Wall of China?", [], "d5"),
    "q6": ("How many bees live in a colony?", [], "d6"),
    "q7": ("What colour is the Eiffel Tower?", [], "d1"),
    "q8": ("When was Python first released?", ["1991"], "d4"),
}
BY_QUESTION = {q: (qid, ans, doc) for qid, (q, ans, doc) in QUERIES.items()}


def write_beir(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "qrels").mkdir(exist_ok=True)
    with (root / "corpus.jsonl").open("w") as f:
        for did, text in DOCS.items():
            f.write(json.dumps({"_id": did, "title": "", "text": text}) + "\n")
    with (root / "queries.jsonl").open("w") as f:
        for qid, (q, ans, doc) in QUERIES.items():
            f.write(json.dumps({"_id": qid, "text": q, "metadata": {"answers": ans, "answerable": bool(ans),
                                                                    "context_id": doc}}) + "\n")
    with (root / "qrels" / "test.tsv").open("w") as f:
        f.write("query-id\tcorpus-id\tscore\n")
        for qid, (_q, _a, doc) in QUERIES.items():
            f.write(f"{qid}\t{doc}\t1\n")
    return root


def no_ingest(settings, corpus, progress):  # the fake engines "retrieve" from DOCS directly
    return None


class FakeEngine:
    """Answers from DOCS. mode per adapter: 'good' (gold answer citing the gold doc, refusal when unanswerable),
    'bad' (refuses everything), 'hallucinate' (ok with words not in the context; q2 cites S9, which was not
    given). `stop_after` raises KeyboardInterrupt on that ask (simulated Ctrl-C)."""

    def __init__(self, modes: dict[str, str] | None = None, stop_after: int | None = None, latency_ms: dict[str, float] | None = None):
        self.modes = modes or {"none": "good"}
        self.stop_after = stop_after
        self.latency_ms = latency_ms or {}
        self.calls: list[tuple[str, str, bool, int | None]] = []
        self.closed = False
        self.model_id = "fake-model"
        self.adapter_id = "none"
        self.adapter_served = "none"
        self.serves = "merged"  # how an adapter is served, as LlamaGenerator.adapter_served says

    def ask(self, question: str, *, adapter: str | None = None, k: int | None = None, use_cache: bool = True,
            retrieve: bool = True, context: list[ContextItem] | None = None, on_token=None) -> Answer:
        if self.stop_after is not None and len(self.calls) >= self.stop_after:
            raise KeyboardInterrupt
        adapter = adapter or "none"
        self.adapter_served = "none" if adapter == "none" else self.serves
        self.calls.append((question, adapter, retrieve, None if context is None else len(context)))
        mode = self.modes.get(adapter, "good")
        qid, answers, gold = BY_QUESTION.get(question, (None, [], None))
        if context is not None and not retrieve:
            ctx = list(context)
        else:
            other = "d5" if gold != "d5" else "d6"
            ctx = [ContextItem(id=f"S{i}", text=DOCS[d], chunk_id=n, source=f"/x/corpus.jsonl#{d}")
                   for i, (n, d) in enumerate([(1, gold), (2, other)], start=1) if d]
        t = self.latency_ms.get(adapter, 100.0)
        timings = Timings(retrieval_ms=5.0 if retrieve else 0.0, ttft_ms=t / 4, generation_ms=t, total_ms=t + 5)
        if mode == "bad":
            status, ans, cites = "refused", "The provided documents do not contain the answer.", []
        elif mode == "hallucinate":
            status, ans = "ok", "The answer is purple elephants dancing at midnight."
            cites = [ContextItem(id="S9", text="")] if qid == "q2" else ctx[:1]
        else:
            if answers and ctx:
                status, ans, cites = "ok", answers[0], ctx[:1]
            else:
                status, ans, cites = "refused", "The provided documents do not contain the answer.", []
        raw = json.dumps({"status": status, "answer": ans, "citations": [c.id for c in cites]})
        return Answer(status=status, answer=ans, citations=cites, retrieved=[c.chunk_id for c in ctx if c.chunk_id],
                      context=ctx, timings=timings, tokens_prompt=100, tokens_completion=10, cost=0.001,
                      model="fake-model", adapter=adapter, valid=True, repaired=False, raw_output=raw)

    def close(self) -> None:
        self.closed = True
