"""Round 49: `eval run` at scale without a model. Items/s of the eval machinery itself (sampling, storing each
answer, scoring, items.jsonl and the three reports) and peak RSS, on an invented BEIR set of N questions (15%
unanswerable). The engine is an in-process fake that "retrieves" the gold document by a dict lookup and answers
from it, so the numbers are what `eval run` adds per item on top of retrieval and the model.

    python benchmarks/eval_scale.py --n 1000 10000 [--arms A,C]

Prints one JSON line per N: load_s (dataset + sample), loop items/s, report_s (scoring + files), peak RSS (MB) at
the start of the loop and at its end, and the sizes of items.jsonl and the reports."""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

FIELDS = [("completed in {v}", "When was {e} completed?", lambda r: str(r.randint(1700, 1999))),
          ("designed by {v}", "Who designed {e}?", lambda r: f"Ada {r.choice(['Brask', 'Omble', 'Tovin'])}"),
          ("employs {v} people", "How many people does {e} employ?", lambda r: str(r.randint(3, 4000)))]


def make_set(root: Path, n: int, seed: int = 49) -> dict[str, tuple[str, list[str]]]:
    """An invented BEIR set of n questions; returns question -> (gold doc id, answers) for the fake engine."""
    r = random.Random(seed)
    (root / "qrels").mkdir(parents=True, exist_ok=True)
    gold: dict[str, tuple[str, list[str]]] = {}
    with open(root / "corpus.jsonl", "w") as c, open(root / "queries.jsonl", "w") as q, \
            open(root / "qrels" / "test.tsv", "w") as t:
        t.write("query-id\tcorpus-id\tscore\n")
        for i in range(n):
            e = f"Site{i:06d}"
            tpl, question, value = r.choice(FIELDS)
            v = value(r)
            did = f"d{i:06d}"
            c.write(json.dumps({"_id": did, "text": f"{e} was {tpl.format(v=v)}. It is {r.choice(['old', 'new'])}."})
                    + "\n")
            if r.random() < 0.15:
                meta: dict = {"answerable": False}
                question = question.replace("{e}", f"Other{i:06d}")
                gold[question] = (did, [])
            else:
                meta = {"answers": [v]}
                question = question.replace("{e}", e)
                gold[question] = (did, [v])
                t.write(f"q{i:06d}\t{did}\t1\n")
            q.write(json.dumps({"_id": f"q{i:06d}", "text": question, "metadata": meta}) + "\n")
    return gold


class Engine:
    def __init__(self, gold: dict[str, tuple[str, list[str]]], corpus: Path):
        self.gold, self.corpus, self.model_id, self.adapter_served = gold, corpus, "fake", "none"
        self.texts = {json.loads(line)["_id"]: json.loads(line)["text"] for line in corpus.open()}

    def ask(self, question, *, adapter=None, retrieve=True, context=None, **_):
        from ragtune.appliance.types import Answer, ContextItem, Timings

        did, answers = self.gold[question]
        ctx = [ContextItem(id="S1", text=self.texts[did], chunk_id=1, source=f"{self.corpus}#{did}")]
        ok = bool(answers)
        raw = json.dumps({"status": "ok" if ok else "refused", "answer": answers[0] if ok else "",
                          "citations": ["S1"] if ok else []})
        return Answer(status="ok" if ok else "refused", answer=answers[0] if ok else "",
                      citations=ctx if ok else [], retrieved=[1], context=ctx,
                      timings=Timings(retrieval_ms=1.0, ttft_ms=1.0, generation_ms=2.0, total_ms=3.0),
                      tokens_prompt=50, tokens_completion=5, cost=0.0, model="fake",
                      adapter=adapter or "none", valid=True, repaired=False, raw_output=raw)

    def close(self) -> None:
        pass


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(n: int, arms: str) -> dict:
    from ragtune.appliance.config import Settings
    from ragtune.appliance.eval import run as R
    from ragtune.appliance.home import Home

    R.resolve_adapter = lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a)  # no registry here
    with tempfile.TemporaryDirectory(prefix="ragtune-evalscale-") as tmp:
        root = Path(tmp)
        gold = make_set(root / "set", n)
        settings = Settings(home=Home(root / "home"))
        marks: dict[str, float] = {}

        def progress(done, total, label, eta):
            now = time.perf_counter()
            if "loop" not in marks:
                marks["loop"], marks["rss_loop"] = now, rss_mb()
            if done >= total:
                marks["loop_end"] = now

        t0 = time.perf_counter()
        report = R.run_eval(settings, root / "set", R.EvalOptions(arms=arms, adapter="ad1" if arms != "A" else "none",
                                                                 out=root / "out", safety=False),
                            engine_factory=lambda s: Engine(gold, root / "set" / "corpus.jsonl"),
                            ingest=lambda s, c, p: None, progress=progress)
        t1 = time.perf_counter()
        answered = report["answered_now"]
        size = {f: (root / "out" / f).stat().st_size for f in ("items.jsonl", "report.json", "report.md", "report.html")}
        return {"n": n, "arms": arms, "answered": answered, "load_s": round(marks["loop"] - t0, 2),
                "items_per_s": round(answered / max(marks["loop_end"] - marks["loop"], 1e-9), 1),
                "report_s": round(t1 - marks["loop_end"], 2), "total_s": round(t1 - t0, 2),
                "rss_mb_loop_start": round(marks["rss_loop"], 1), "rss_mb_peak": round(rss_mb(), 1),
                "bytes": size}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--arms", default="A")
    a = ap.parse_args()
    for n in a.n:
        print(json.dumps(bench(n, a.arms)), flush=True)


if __name__ == "__main__":
    main()
