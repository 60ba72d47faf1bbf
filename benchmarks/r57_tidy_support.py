"""Round 57: the eval's support and the refusal model's answer sentence read an answer served tidied from a tokenized
source (answer_tidy.py) as its span, before the model.

Usage: python benchmarks/r57_tidy_support.py   (no arguments; writes nothing; PYTHONPATH=<a copy of the older code>
for its numbers)

Each invented passage of benchmarks/r57_answer_tidy_data.py is the one cited source of an "ok" answer copied from it
and served as answer.py serves it (`tidy_verdict`). Prints, for the tokenized passages' answers and for the
controls' (ordinary sources, left as they are), how many the eval counts grounded and hallucinated
(eval.metrics.score_item) and how many keep the answer sentence share (refusal_model.answer_sentence) that the
span has as the source writes it. With the reading of round 57 every served answer is grounded, none hallucinated,
and each keeps its span's share."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.r57_answer_tidy_data import CONTROLS, TOKENIZED  # noqa: E402
from ragtune.appliance.answer_served import tidy_verdict  # noqa: E402
from ragtune.appliance.eval import metrics  # noqa: E402
from ragtune.appliance.refusal import Verdict  # noqa: E402
from ragtune.appliance.refusal_model import answer_sentence  # noqa: E402
from ragtune.appliance.types import ContextItem  # noqa: E402


def judge(passage: str, span: str) -> tuple[bool, bool, bool, bool]:
    """(changed by the tidy, grounded, hallucinated, same answer-sentence share as the span) of the served answer.
    The question is the passage itself, so that the share says which piece of it the answer was found in."""
    served = tidy_verdict(Verdict("ok", span, ["S1"]), [ContextItem(id="S1", text=passage)]).text
    item = {"qid": "q", "question": "?", "answerable": None, "answers": [], "gold_keys": []}
    result = {"status": "ok", "answer": served, "cited_ids": ["S1"], "context": [{"id": "S1", "text": passage}]}
    s = metrics.score_item(item, result)
    share = answer_sentence(passage, served, ["S1"], {"S1": passage})
    return served != span, bool(s["grounded"]), bool(s["hallucinated"]), \
        share == answer_sentence(passage, span, ["S1"], {"S1": passage})


def main() -> int:
    print("using", metrics.__file__, "METRICS_VERSION", metrics.METRICS_VERSION)
    for name, pairs in (("tokenized", [(p, a) for p, a, _ in TOKENIZED]), ("controls", CONTROLS)):
        rows = [judge(p, a) for p, a in pairs]
        print(f"{name}: {len(rows)} answers, {sum(r[0] for r in rows)} served tidied; grounded "
              f"{sum(r[1] for r in rows)}, hallucinated {sum(r[2] for r in rows)}, answer sentence as the span's "
              f"{sum(r[3] for r in rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
