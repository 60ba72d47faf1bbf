"""Round 58: questions that set out the asker's situation before asking, in the evidence check (`best_sentence`,
`evidence.asked_words`). CC0, invented (benchmarks/r58_paraphrase_data.py): 22 short documents of a leisure
centre, a library, a council, a surgery, an employer..., and for each one an answerable question and a near miss
about the same document that it does not answer. Eighteen pairs first say why they ask ("I drove to a client site in
Leeds last week in my own car. What's the mileage rate for business travel?"), four (controls) ask bare.

    PYTHONPATH=<tree> python benchmarks/r58_paraphrase.py SHARE HOME OUT.jsonl [MODE]

Writes the documents into SHARE when it is missing or empty, ingests them into HOME (use a fresh one) with the real
default appliance and asks every question once. MODE "check" (the default): the evidence check only, on the hits the
appliance serves, the model never called: per question `best_sentence`, the evidence score and the decision (held or
refused "no_evidence"). MODE "answer": the whole answer (no answer cache); an answerable question is right when its
answer holds the gold (as whole words, case and punctuation aside), a near miss when it is refused. One JSON line per
question, then the counts. Run it with the start tree and with the new one (PYTHONPATH), and compare.

Round 58 (start tree 61f4aff -> evidence.asked_words; 2-core box, default appliance; written together with the rule,
so it shows the rule works as meant, not how often): "check": answerable held 18 -> 20 of 22, near misses refused
by the check 16 -> 16 of 22 (every near miss the start refused is still refused; the four bare controls unchanged).
The two answerable questions let through, asked whole with the new tree: "How many times can I renew ..." right
("up to three times"), "What colour is the Castlefield Primary sweatshirt?" wrong ("grey trousers or skirts")."""
from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path

from check_harness import ask, check_mode, print_counts, recording, setup, words

DATA = runpy.run_path(str(Path(__file__).resolve().with_name("r58_paraphrase_data.py")))


def main(share: str, home: str, out: str, mode: str = "check") -> None:
    from ragtune.appliance import evidence
    from ragtune.appliance.answer import AnswerEngine

    check_mode(mode)
    print("evidence from", evidence.__file__, file=sys.stderr)
    settings = setup(share, home, DATA["DOCS"])
    counts: dict[str, int] = {}
    items = [(q, g, True, doc) for doc, q, g, _ in DATA["PAIRS"]] + [(n, None, False, doc)
                                                                     for doc, _, _, n in DATA["PAIRS"]]
    with recording(mode, features=True) as seen, AnswerEngine(settings) as engine, \
            open(out, "w", encoding="utf-8") as fh:
        for question, gold, answerable, doc in items:
            ans = ask(engine, question, seen)
            f = seen.get("features") or {}
            row = {"question": question, "document": doc, "answerable": answerable, "gold": gold,
                   "best_sentence": f.get("best_sentence"), "score": seen.get("score"), "held": seen.get("held")}
            kind = "answerable" if answerable else "near miss"
            if ans is not None:
                row.update(status=ans.get("status"), reason=ans.get("refusal_reason"), answer=ans.get("answer"))
                refused = ans.get("status") != "ok"
                right = (not refused and words(gold) in words(ans.get("answer") or "")) if answerable else refused
                row["right"] = right
                counts[f"{kind} right"] = counts.get(f"{kind} right", 0) + right
            held = seen.get("held") is not False
            counts[f"{kind} held by the check"] = counts.get(f"{kind} held by the check", 0) + held
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            bs = row["best_sentence"]
            print(f"{kind:10s} best={'-' if bs is None else f'{bs:.2f}'} held={int(held)} {row.get('reason') or ''} "
                  f"{question}", file=sys.stderr)
    print_counts(f"pairs {len(DATA['PAIRS'])}", counts)


if __name__ == "__main__":
    main(*sys.argv[1:5])
