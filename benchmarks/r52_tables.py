"""Round 52: answers from tables (.xlsx/.csv), measured. Ingests a share into a fresh home with the real default
appliance and asks each lookup question once (one process, models loaded once), writing one JSON line per question.

    PYTHONPATH=<tree> python benchmarks/r52_tables.py SHARE HOME QUESTIONS.py OUT.jsonl

QUESTIONS.py defines Q = [(id, fmt, gold file or None, question, [accepted lower-case substrings])]. Scored as h14's
round-51 check: right (an accepted substring in the answer), wrong-as-ok (answered, none), refused; an unanswerable
question (gold None) is right when refused. Four invented tables (CC0) and their 20 questions:
benchmarks/r52_tables_data.py (`python benchmarks/r52_tables_data.py SHARE` writes the tables; its Q the questions)."""
from __future__ import annotations

import collections
import json
import runpy
import sys
import time
from pathlib import Path


def verdict(r: dict) -> str:
    a = r["ask"]
    st, ans = a.get("status"), (a.get("answer") or "").lower()
    if r["gold"] is None:
        return "right" if st == "refused" else "wrong-as-ok"
    if st == "refused":
        return "refused"
    return "right" if any(x in ans for x in r["accept"]) else "wrong-as-ok"


def main(share: str, home: str, questions: str, out: str) -> None:
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import Home, load_settings
    from ragtune.appliance.ingest.pipeline import ingest_paths

    settings = load_settings(None, home=Home(Path(home)))
    s = ingest_paths(settings, [Path(share)])
    print("ingested", s.added, "failed", s.failed, file=sys.stderr)
    q = runpy.run_path(questions)["Q"]
    agg: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    with AnswerEngine(settings) as engine, open(out, "w") as f:
        for qid, fmt, gold, text, accept in q:
            t = time.time()
            a = engine.ask(text, use_cache=False).to_json()
            r = {"id": qid, "fmt": fmt, "gold": gold, "q": text, "accept": accept, "ask": a, "wall": time.time() - t}
            r["verdict"] = verdict(r)
            agg[fmt][r["verdict"]] += 1
            f.write(json.dumps(r) + "\n")
            f.flush()
            print(qid, r["verdict"], repr((a.get("answer") or "")[:50]), file=sys.stderr)
    for fmt, c in sorted(agg.items()):
        print(fmt, dict(c))


if __name__ == "__main__":
    main(*sys.argv[1:5])
