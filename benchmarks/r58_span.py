"""Round 58: the right source, the wrong value: answer typing against a neighbouring value (ragtune/appliance/
answertype.py). CC0, invented (benchmarks/r58_span_data.py: 8 short documents of real shapes, 31 questions whose gold
is a short value inside a longer sentence and 4 what/why controls whose gold is a clause; frozen before the rule
was tuned).

    PYTHONPATH=<tree> python benchmarks/r58_span.py SHARE HOME OUT.jsonl [MODE]

MODE "check" (the default), before the model: per question the kind the question asks for (answertype.kind), whether
its gold fits it, and how many of the other values of its document (every sum, number with the word after it, time,
date and capitalised name: the neighbours a wrong answer takes) clearly do not (answertype.fits): the candidates
choose a fitting span over one that is not (candidates.py), so a neighbour ruled out is one the model's span can no
longer win with. A gold ruled out is a loss. SHARE, HOME and OUT are used only by MODE "answer": the documents are
written into SHARE when it is missing or empty, ingested into HOME (use a fresh one) with the real default appliance,
and every question is asked once (no answer cache); an answer is right when it holds the gold or one of its forms
(as whole words, case and punctuation aside) or its token F1 against the gold is >= 0.5. One JSON line per question,
then the counts. Run it with the start tree and with the new one (PYTHONPATH), and compare.

Round 58 (start tree 61f4aff -> the price kind, function words alone, "as" no length; 2-core box, default appliance):
"check": questions with a kind 29 -> 30 of 35, golds ruled out 0 -> 0, neighbouring values ruled out 136 -> 159 of
333 (the four price questions: a time, a date, a count or a name no longer fits "what's the joining fee"). "answer":
right 35 -> 35 of 35, every answer the same (short documents: the model already took the right value; one answer is
the whole sentence around "3 working days", right by holding it)."""
from __future__ import annotations

import collections
import json
import re
import runpy
import sys
from pathlib import Path

from check_harness import check_mode, setup

HERE = Path(__file__).resolve().parent
# the values of a document a wrong span takes: a sum, a time, a date, a number and the word after it, a name
_VALUES = re.compile(
    r"[£$€]\d[\d,.]*(?: per \w+)?|\d{1,2}(?:[.:]\d{2})?(?:am|pm)|\b(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day \d{1,2} "
    r"\w+(?: \d{4})?|\b\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November|"
    r"December)(?: \d{4})?|\b\d[\d,.]*(?: [a-z]+)?|\b(?:Dr |Mrs |Mr )?[A-Z][a-z]+ [A-Z][a-z]+\b")


def _norm(text: str) -> list[str]:
    """Lower-case words; a full stop kept only inside a number or a time ("£5.40", "8.45am"), not at a word's end."""
    return [w.strip(".") for w in re.sub(r"[^\w£.]+", " ", text.lower()).split() if w.strip(".")]


def right(answer: str, gold: str, forms: list[str]) -> bool:
    said = " " + " ".join(_norm(answer)) + " "
    if any(" " + " ".join(_norm(g)) + " " in said for g in [gold, *forms]):
        return True
    a, g = _norm(answer), _norm(gold)
    same = sum((collections.Counter(a) & collections.Counter(g)).values())
    return bool(same) and 2 * same / (len(a) + len(g)) >= 0.5


def check(out: str) -> None:
    from ragtune.appliance import answertype

    print("answertype from", answertype.__file__, file=sys.stderr)
    d = runpy.run_path(str(HERE / "r58_span_data.py"))
    totals: collections.Counter = collections.Counter()
    with open(out, "w", encoding="utf-8") as fh:
        for name, question, gold, forms in d["Q"]:
            doc = " ".join(d["DOCS"][name].split())
            others = sorted({m.group(0).strip(" .,") for m in _VALUES.finditer(doc)} - {gold, *forms})
            others = [v for v in others if gold not in v and v not in gold]
            unfit = [v for v in others if not answertype.fits(question, v)]
            row = {"question": question, "kind": answertype.kind(question), "gold": gold,
                   "gold_fits": answertype.fits(question, gold), "neighbours": len(others), "ruled_out": unfit}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            totals["questions"] += 1
            totals["with a kind"] += row["kind"] is not None
            totals["gold ruled out"] += not row["gold_fits"]
            totals["neighbours"] += len(others)
            totals["neighbours ruled out"] += len(unfit)
    print(dict(totals))


def answer(share: str, home: str, out: str) -> None:
    from ragtune.appliance.answer import AnswerEngine

    d = runpy.run_path(str(HERE / "r58_span_data.py"))
    settings = setup(share, home, d["DOCS"], end="")
    counts: collections.Counter = collections.Counter()
    with AnswerEngine(settings) as engine, open(out, "w", encoding="utf-8") as fh:
        for name, question, gold, forms in d["Q"]:
            a = engine.ask(question, use_cache=False).to_json()
            ok = a.get("status") == "ok"
            row = {"question": question, "gold": gold, "status": a.get("status"), "answer": a.get("answer"),
                   "reason": a.get("refusal_reason"), "right": ok and right(a.get("answer") or "", gold, forms)}
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
            fh.flush()
            counts["right" if row["right"] else "wrong" if ok else "refused"] += 1
            print(repr(question), "->", repr((a.get("answer") or "")[:60]), row["right"], file=sys.stderr)
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
