"""Round 52, answers from table rows: the two kept changes' effect on English, old code vs new, as a digest.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r52_rows_same.py before.json [PICKLE ...], then
without PYTHONPATH after.json (same pickles), and compare the two files (keys that differ are the items that can
move). Per item:
- "lang": normalize.language of the question and of each source, refusal.other_language(question, sources): a
  letter beside a digit or hyphen ("D-160") no longer counts as a function word;
- "span": extractive.cell_span (old code: none, the span as it is) of the spans tried (the gold answers found in a
  source and three word windows of its sentences), the sources with their document paths.
Items: every question of the BEIR sets with its gold source as the one source (read only; none of their text is
kept here), and the served contexts of the evaluation pickles given (lists of {"qid", "nq", "hits": [{"text",
"path"}]}, as earlier rounds saved them). The number feature (evidence.py) was tried and not kept: see
benchmarks/README.md, "Answers from table rows, second step"."""
import hashlib
import json
import pickle
import re
import sys
from collections import Counter

from ragtune.appliance import extractive, normalize, refusal
from ragtune.appliance.types import ContextItem
from same_items import items

print("using", refusal.__file__, file=sys.stderr)
SETS = ["/work/evalsets/corpus-dev", "/work/evalsets/corpus-org4", "/work/shared/eval/disflqa-dev"]
CUT = getattr(extractive, "cell_span", lambda answer, ctx: answer)


def digest(obj) -> str:
    return hashlib.sha256(repr(obj).encode()).hexdigest()[:16]


def check(key, q, hits, answers, out):
    texts = [t for t, _ in hits]
    lang = [normalize.language(q), [normalize.language(t) for t in texts], refusal.other_language(q, texts)]
    ctx = [ContextItem(f"S{i + 1}", t, source=p) for i, (t, p) in enumerate(hits)]
    spans = [a for a in answers if a and any(a in t for t in texts)]
    for t in texts[:3]:
        spans += [" ".join(s.split()[2:5]) for s in re.split(r"(?<=[.!?;])\s+", t) if len(s.split()) >= 6][:3]
    out[key] = {"lang": digest(lang), "span": digest([(s, CUT(s, ctx)) for s in spans])}
    return len(spans)


def main(dest: str, pickles: list[str]) -> None:
    out, kinds = {}, Counter()
    for folder, qid, q, meta, text in items(SETS):
        if text:
            kinds[folder.rsplit("/", 1)[1]] += 1
            kinds["spans"] += check(f"{folder}:{qid}", q, [(text, f"{folder}/corpus.jsonl#x")],
                                    meta.get("answers") or [], out)
    for p in pickles:
        for r in pickle.load(open(p, "rb")):
            kinds[p.rsplit("/", 1)[-1]] += 1
            kinds["spans"] += check(f"{p}:{r['qid']}", r["nq"], [(h["text"], h.get("path") or "") for h in r["hits"]],
                                    [], out)
    json.dump(out, open(dest, "w"), indent=0, sort_keys=True)
    print(dict(kinds), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
