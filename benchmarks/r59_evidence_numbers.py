"""Round 59: the evidence check reads amounts another way and numbers inside a stated range (quantities.py), measured
on invented pairs (benchmarks/r59_evidence_numbers_data.py: a question and a source line each, both ways round):
pairs that must meet and look-alikes that must not. No model, no files written.

    PYTHONPATH=<tree> python benchmarks/r59_evidence_numbers.py

Each source line holds the question's other content words, so `best_sentence` is 1 only where the amount is met;
`number_missing` 1 where a number of the question is in no form in the line (evidence.features). Before/after: the
same script with PYTHONPATH at a copy of the start commit (`git archive`) and at the tree with the change."""
from __future__ import annotations

import runpy
from pathlib import Path
from types import SimpleNamespace

from ragtune.appliance.evidence import features

DATA = runpy.run_path(str(Path(__file__).resolve().parent / "r59_evidence_numbers_data.py"))


def main() -> None:
    import ragtune

    print("ragtune from", ragtune.__file__)
    for name in ("MEET", "NOT"):
        pairs = DATA[name]
        feats = [features(q, [SimpleNamespace(text=s, rerank=1.0)]) for q, s in pairs]
        full = sum(f["best_sentence"] == 1.0 for f in feats)
        missing = sum(f["number_missing"] == 1.0 for f in feats)
        mean = sum(f["best_sentence"] for f in feats) / len(feats)
        print(f"{name}: {len(pairs)} pairs; best_sentence 1.0: {full}, mean {mean:.3f}; number_missing: {missing}")
        for (q, s), f in zip(pairs, feats):
            print(f"  {f['best_sentence']:.2f} {int(f['number_missing'])} {q!r} | {s!r}")


if __name__ == "__main__":
    main()
