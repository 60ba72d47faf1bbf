"""Round 53, mend of the table cell cut (extractive.table_cells: a value's own "; Word:" and a headerless row's "|";
candidates: the cut also with one answer candidate): what it changes on English items before the model.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r53_cells_same.py before.json FOLDER [FOLDER ...],
then without PYTHONPATH after.json (same folders), and compare the two files (keys that differ are the items that
can move). Per item, a digest of extractive.cell_span of the spans r52_rows_same.py tries (the gold answers found in
a source and three word windows of its sentences), with the contexts r53_keyrows_same.py serves (the gold source as
S1, and the gold sources of the question and the four after it as S1..S5, named by corpus path as the evaluation
serves them); and, printed, how many spans the cut changes at all (at one candidate the code before cut none).
Nothing of the texts is written out."""
import hashlib
import json
import re
import sys
from collections import Counter

from ragtune.appliance.extractive import cell_span
from ragtune.appliance.types import ContextItem
from same_items import items


def digest(obj) -> str:
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def spans_of(texts: list[str], answers: list[str]) -> list[str]:
    spans = [a for a in answers if a and any(a in t for t in texts)]
    for t in texts[:3]:
        spans += [" ".join(s.split()[2:5]) for s in re.split(r"(?<=[.!?;])\s+", t) if len(s.split()) >= 6][:3]
    return spans


def main(dest: str, folders: list[str]) -> None:
    out, seen, cut = {}, Counter(), Counter()
    rows = [(f, qid, q, meta, text) for f, qid, q, meta, text in items(folders) if text]
    for i, (folder, qid, _, meta, _) in enumerate(rows):
        name = folder.rstrip("/").rsplit("/", 1)[-1]
        ctx = [ContextItem(f"S{j + 1}", t, source=f"{f}/corpus.jsonl#{k}")
               for j, (f, k, _, _, t) in enumerate(rows[i:i + 5])]
        for label, c in (("one source", ctx[:1]), ("five sources", ctx)):
            spans = spans_of([x.text for x in c], meta.get("answers") or [])
            pairs = [(s, cell_span(s, c)) for s in spans]
            out[f"{folder}:{qid}:{label}"] = digest(pairs)
            seen[name, label] += len(pairs)
            cut[name, label] += sum(a != b for a, b in pairs)
    json.dump(out, open(dest, "w"), indent=0, sort_keys=True)
    for key in sorted(seen):
        print(*key, f"{cut[key]} of {seen[key]} spans cut", sep="\t")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
