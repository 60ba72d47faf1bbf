"""Round 59: per-question changes between two runs of r59_served.py (before, after): the gold document and the
answer chunk served or not, and the served chunks that changed.

    .venv/bin/python benchmarks/r59_served_compare.py BEFORE.jsonl AFTER.jsonl
"""

from __future__ import annotations

import json
import sys


def _num(x) -> str:
    return "none" if x is None else f"{x:+.2f}"


def main(before: str, after: str) -> None:
    a = {r["qid"]: r for r in map(json.loads, open(before, encoding="utf-8"))}
    b = {r["qid"]: r for r in map(json.loads, open(after, encoding="utf-8"))}
    changed = gained = lost = moved = 0
    for qid in a:
        x, y = a[qid], b.get(qid)
        if y is not None and x.get("top_rerank") != y.get("top_rerank"):  # the evidence check reads it
            moved += 1
            print(f"{qid}: top source's rerank score {_num(x.get('top_rerank'))} -> {_num(y.get('top_rerank'))}, "
                  f"evidence score {_num(x.get('evidence'))} -> {_num(y.get('evidence'))}"
                  f"{' (unanswerable)' if x.get('unanswerable') else ''} | {x['q'][:70]}")
        if y is None or x["served_chunks"] == y["served_chunks"]:
            continue
        changed += 1
        doc = (x["served"] is not None, y["served"] is not None)
        chunk = (x.get("chunk_served") is not None, y.get("chunk_served") is not None)
        gained += (not doc[0] and doc[1]) + (not chunk[0] and chunk[1] and "chunk_served" in x)
        lost += (doc[0] and not doc[1]) + (chunk[0] and not chunk[1] and "chunk_served" in x)
        print(f"{qid}: doc {doc[0]:d}->{doc[1]:d} chunk {chunk[0]:d}->{chunk[1]:d} "
              f"served {x['served_chunks']} -> {y['served_chunks']} | {x['q'][:80]}")
    print(f"questions {len(a)}  served context changed {changed}  gold gained {gained}  gold lost {lost}  "
          f"top rerank score moved {moved}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
