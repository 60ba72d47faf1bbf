"""Round 59: the near-miss check (`other_subject`, ragtune/appliance/near_miss.py) on numbers that name a thing, before
the model: benchmarks/r59_near_miss_numbers_data.py's near misses ("size 8" answered from the size 7 row, "the 2024
accounts" from the 2025 accounts) and right answers whose number is no rival (the same number, a count, a page
reference, a range or list holding it, a bound).

    PYTHONPATH=<tree> python benchmarks/r59_near_miss_numbers.py

Each answer goes through the real refusal check (extractive, the sentence read under its document's title), no model
and no home. Prints one line per case to stderr, then the counts. Run it with the start tree and the new one
(PYTHONPATH), and compare.

Round 59 (h4's tree -> mend6): right answers refused 0 -> 0 of 30; near misses refused 9 -> 19 of 21 (the one left,
marked "known": the question's number stands in the row as a count)."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> None:
    from ragtune.appliance import refusal
    from ragtune.appliance.refusal import refusal_check
    from ragtune.appliance.types import ContextItem

    data = runpy.run_path(str(HERE / "r59_near_miss_numbers_data.py"))
    print("refusal from", refusal.__file__, file=sys.stderr)
    counts = {"right refused": 0, "near refused": 0}
    for kind, cases in (("right", data["RIGHT"]), ("near", data["NEAR"])):
        for question, answer, text, title in cases:
            obj = {"status": "ok", "answer": answer, "citations": ["S1"]}
            v = refusal_check(obj, [ContextItem(id="S1", text=text, title=title)], min_support=0.34,
                              mode="extractive", question=question, min_relevance=0.01)
            hit = v.reason == "other_subject"
            counts[f"{kind} refused"] += hit
            print(f"{kind:5s} {v.status:7s} {v.reason or '':13s} {question} -> {answer!r}", file=sys.stderr)
    print(f"right answers refused other_subject: {counts['right refused']} of {len(data['RIGHT'])}; "
          f"near misses refused other_subject: {counts['near refused']} of {len(data['NEAR'])}")


if __name__ == "__main__":
    main()
