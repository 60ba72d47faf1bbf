"""Round 53, the key-row lever (tablematch.key_rows, called by extractive.extractive_sources with the question): what
it changes on English items before the model. Per item, the spans the decoder may copy without the question (the
code before the lever) and with it; prints how many items differ, per folder.

    python benchmarks/r53_keyrows_same.py FOLDER [FOLDER ...]

Items: every question of each BEIR folder (same_items.items) with its gold source as S1, and, as a served context of
several sources, the gold sources of the question and of the four questions after it (S1..S5), each named by its
corpus path as the evaluation serves it ("<folder>/corpus.jsonl#<id>"). Nothing of the texts is written out."""
import sys
from collections import Counter

from ragtune.appliance.extractive import extractive_sources
from ragtune.appliance.types import ContextItem
from same_items import items


def main(folders: list[str]) -> None:
    seen, moved = Counter(), Counter()
    rows = [(f, qid, q, text) for f, qid, q, _, text in items(folders) if text]
    for i, (folder, qid, q, _) in enumerate(rows):
        name = folder.rstrip("/").rsplit("/", 1)[-1]
        ctx = [ContextItem(f"S{j + 1}", t, source=f"{f}/corpus.jsonl#{k}")
               for j, (f, k, _, t) in enumerate(rows[i:i + 5])]
        for label, c in (("one source", ctx[:1]), ("five sources", ctx)):
            seen[name, label] += 1
            moved[name, label] += extractive_sources(c) != extractive_sources(c, q)
    for key in sorted(seen):
        print(*key, f"{moved[key]} of {seen[key]} items changed", sep="\t")


if __name__ == "__main__":
    main(sys.argv[1:])
