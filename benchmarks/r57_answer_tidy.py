"""Round 57: answers copied from tokenized text, tidied (ragtune/appliance/answer_tidy.py), before the model.

Usage: python benchmarks/r57_answer_tidy.py   (no arguments; writes nothing)

Each invented passage (benchmarks/r57_answer_tidy_data.py) is served as the one cited source of an "ok" answer
copied from it verbatim, and the answer goes through `tidy_verdict` as answer.py applies it. Prints how many answers
changed: every tokenized one must change into its tidied form, every guarded one (a tokenized source where a join
would change the meaning, round 57 mend3) must be served with its meaning kept, no control may change. Then the
tokenized test's signal (the share of spaced word-ending commas, full stops and clitics, answer_tidy.tokenized) over
the tokenized passages, the controls' passages, some ordinary sources spaced here and there, and round 54's parish
documents (each whole and in its paragraphs): the cut (MIN_KINDS, MIN_SPACED, SPACED_SHARE) must separate them. An
ordinary passage read as tokenized would also stop its answers streaming (answer_served.sent_whole)."""

from __future__ import annotations

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from benchmarks.r54_parish_texts import TEXTS  # noqa: E402
from benchmarks.r57_answer_tidy_data import CONTROLS, GUARDED, ORDINARY_SOURCES, TOKENIZED  # noqa: E402
from ragtune.appliance import answer_tidy  # noqa: E402
from ragtune.appliance.answer_served import tidy_verdict  # noqa: E402
from ragtune.appliance.answer_tidy import MIN_SPACED, SPACED_SHARE, spacing, tokenized  # noqa: E402
from ragtune.appliance.refusal import Verdict  # noqa: E402
from ragtune.appliance.types import ContextItem  # noqa: E402

def served(passage: str, answer: str) -> str:
    assert answer in passage, f"not a span: {answer!r}"
    return tidy_verdict(Verdict("ok", answer, ["S1"]), [ContextItem(id="S1", text=passage)]).text


def share(text: str) -> tuple[int, float]:
    spaced, attached = spacing(text)
    return spaced, spaced / (spaced + attached) if spaced + attached else 0.0


def main() -> int:
    bad = 0
    changed = right = 0
    for passage, answer, want in TOKENIZED:
        got = served(passage, answer)
        changed += got != answer
        right += got == want
        if got != want:
            bad += 1
            print(f"  tokenized, not as expected: {answer!r} -> {got!r} (want {want!r})")
    print(f"tokenized sources: {len(TOKENIZED)} answers, {changed} changed, {len(TOKENIZED) - changed} unchanged, "
          f"{right} exactly as expected")
    kept = 0
    for passage, answer, want in GUARDED:
        got = served(passage, answer)
        kept += got == want
        if got != want:
            bad += 1
            print(f"  guarded, meaning changed: {answer!r} -> {got!r} (want {want!r})"
                  + ("" if tokenized(passage) else " (source not read as tokenized)"))
    print(f"guarded (tokenized sources, a join would change the meaning): {len(GUARDED)} answers, {kept} served "
          f"with the meaning kept")
    c_changed = 0
    for passage, answer in CONTROLS:
        got = served(passage, answer)
        if got != answer:
            c_changed += 1
            bad += 1
            print(f"  control changed: {answer!r} -> {got!r}")
    print(f"controls (ordinary sources): {len(CONTROLS)} answers, {c_changed} changed, "
          f"{len(CONTROLS) - c_changed} unchanged")

    kinds = getattr(answer_tidy, "MIN_KINDS", 1)  # 1: the code before round 57 mend3 (runs over either)
    print(f"\nthe cut: tokenized = at least {MIN_SPACED} spaced word-ending commas, full stops or clitics, of at "
          f"least {kinds} kinds, and a share > {SPACED_SHARE}")
    groups = {
        "tokenized passages": [p for p, _, _ in TOKENIZED + GUARDED],
        "controls' passages": [p for p, _ in CONTROLS],
        "ordinary, spaced here and there": ORDINARY_SOURCES,
        "parish documents (r54), whole": list(TEXTS.values()),
        "parish documents (r54), paragraphs": [b for t in TEXTS.values() for b in re.split(r"\n\s*\n", t)
                                               if b.strip()],
    }
    for name, texts in groups.items():
        stats = [share(t) for t in texts]
        n_tok = sum(tokenized(t) for t in texts)
        shares = [s for _, s in stats]
        print(f"  {name}: {len(texts)} texts, {n_tok} read as tokenized; share min {min(shares):.2f} "
              f"max {max(shares):.2f}; spaced marks max {max(n for n, _ in stats)}")
        want = name == "tokenized passages"
        if n_tok != (len(texts) if want else 0):
            bad += 1
    print("OK" if not bad else f"FAILED: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
