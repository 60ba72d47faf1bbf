"""Round 59: the near-miss check (`other_subject`, ragtune/appliance/near_miss.py) on invented cases, before the
model: benchmarks/r59_near_miss_data.py's right answers over sources that write the question's name another way (a
title before a surname, a job title in title case, a sentence's opening capital, the answer before the head, a code's
modifier written another way) and near misses (another name before the same head, a code of another thing).

    PYTHONPATH=<tree> python benchmarks/r59_near_miss.py

Each answer goes through the real refusal check (extractive, the sentence read under its document's title), no model
and no home. Prints one line per case to stderr, then the counts: right answers refused `other_subject`, near misses
refused `other_subject`. Run it with the start tree and the new one (PYTHONPATH), and compare.

Round 59 (start tree 9a295e8 -> h4): right answers refused 11 -> 1 of 23 (the one left is marked "known": the
guest network's password, with "wifi" named outside the answer's clause), near misses refused 9 -> 10 of 14 (three
codes of another thing caught; two lost, marked "known": "Hollinsway clinic opens..." and "Pellow Sales Manager",
a name that reads as a sentence's opening capital or a job title's word; two codes never caught, "known")."""
from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(data_file: str = "r59_near_miss_data.py") -> None:
    """Run the cases of `data_file` (RIGHT and NEAR: question, answer, source text, title); r59_near_miss_numbers.py
    runs its own file through this."""
    from ragtune.appliance import refusal
    from ragtune.appliance.refusal import refusal_check
    from ragtune.appliance.types import ContextItem

    data = runpy.run_path(str(HERE / data_file))
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
