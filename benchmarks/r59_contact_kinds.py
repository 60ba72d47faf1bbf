"""Round 59: phone numbers, e-mail addresses and codes as kinds of answer (ragtune/appliance/answertype.py,
contactshapes.py). CC0, invented (benchmarks/r59_contact_kinds_data.py: 52 questions that ask for a phone number,
an e-mail address or a door/alarm/wifi code, each with the sentence that answers it, its right answer and the other
values of that sentence; 25 look-alike questions that ask for something else, with their right answers).

    PYTHONPATH=<tree> python benchmarks/r59_contact_kinds.py SHARE HOME OUT.jsonl [MODE]

MODE "check" (the default), before the model: per question the kind it gets (answertype.kind), whether its right
answer fits (answertype.fits; one that does not is a loss: the candidates would prefer another span) and how many of
the sentence's other values clearly do not (those a wrong span can no longer win with). MODE "answer": each sentence
is written into SHARE as its own short notice (when SHARE is missing or empty), ingested into HOME (use a fresh one)
with the real default appliance, and every question asked once (no answer cache); an answer is right when it holds
the right answer (case, spacing and punctuation aside). One JSON line per question, then the counts. Run it with
the start tree and with the new one (PYTHONPATH), and compare.

Round 59 (start tree 9a295e8 -> the phone, email and code kinds, kindpick.py): "check": questions with a kind 0 -> 50
of 52 ("what's the surgery's number?" gets none: a possessive's number may be a shirt's; "the extension for IT" none:
a bare extension may be a deadline's), wrong values ruled out 0 -> 80 of 86, right answers ruled out 0 -> 0, the look-alikes' kinds (7 of 25: who, when, how many ...) unchanged. FRESH
(36 pairs written after the rule was tuned, scored once): as expected 20 -> 33."""
from __future__ import annotations

import collections
import json
import re
import runpy
import sys
from pathlib import Path

from check_harness import check_mode, setup

HERE = Path(__file__).resolve().parent


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\w@#*!+]+", " ", text.lower()).split())


def _rows() -> list[tuple[str, str, str, str, list[str]]]:
    d = runpy.run_path(str(HERE / "r59_contact_kinds_data.py"))
    return [("ask", q, s, r, w) for q, s, r, w in d["ASK"]] + [("keep", q, s, r, []) for q, s, r in d["KEEP"]]


def check(out: str) -> None:
    from ragtune.appliance import answertype

    print("answertype from", answertype.__file__, file=sys.stderr)
    totals: collections.Counter = collections.Counter()
    with open(out, "w", encoding="utf-8") as fh:
        for group, question, sentence, right, wrongs in _rows():
            k = answertype.kind(question)
            kept = answertype.fits(question, right)
            unfit = [w for w in wrongs if not answertype.fits(question, w)]
            fh.write(json.dumps({"group": group, "question": question, "kind": k, "right_fits": kept,
                                 "wrong": len(wrongs), "ruled_out": unfit}, ensure_ascii=False) + "\n")
            totals[f"{group} questions"] += 1
            totals[f"{group} with a kind"] += k is not None
            totals[f"{group} right ruled out"] += not kept
            totals[f"{group} wrong values"] += len(wrongs)
            totals[f"{group} wrong ruled out"] += len(unfit)
            if not kept:
                print("RIGHT RULED OUT:", question, "|", right, file=sys.stderr)
        for question, span, want in runpy.run_path(str(HERE / "r59_contact_kinds_data.py"))["FRESH"]:
            got = answertype.fits(question, span)
            fh.write(json.dumps({"group": "fresh", "question": question, "span": span, "should_fit": want,
                                 "fits": got}, ensure_ascii=False) + "\n")
            totals["fresh pairs"] += 1
            totals["fresh as expected"] += got == want
    print(dict(totals))


def answer(share: str, home: str, out: str) -> None:
    from ragtune.appliance.answer import AnswerEngine

    rows = _rows()
    docs = {f"notice_{i:02d}.txt": sentence for i, (_, _, sentence, _, _) in enumerate(rows)}
    settings = setup(share, home, docs)
    counts: collections.Counter = collections.Counter()
    with AnswerEngine(settings) as engine, open(out, "w", encoding="utf-8") as fh:
        for group, question, _, gold, _ in rows:
            a = engine.ask(question, use_cache=False).to_json()
            ok = a.get("status") == "ok"
            got = a.get("answer") or ""
            row = {"group": group, "question": question, "gold": gold, "status": a.get("status"), "answer": got,
                   "reason": a.get("refusal_reason"), "right": ok and _norm(gold) in _norm(got)}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            counts[f"{group} " + ("right" if row["right"] else "wrong" if ok else "refused")] += 1
            print(repr(question), "->", repr(got[:60]), row["right"], file=sys.stderr)
    print(dict(counts))


def main(share: str, home: str, out: str, mode: str = "check") -> None:
    check_mode(mode)
    if mode == "check":
        check(out)
    else:
        answer(share, home, out)


if __name__ == "__main__":
    if len(sys.argv) not in (4, 5):
        raise SystemExit(__doc__)
    main(*sys.argv[1:])
