"""The answer path's word checks on ASCII and accented-Latin text, old code vs new (round 51): prints a digest.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r51_lang_checks_same.py before.json, then without
PYTHONPATH after.json, and compare the two files. For every question of the two BEIR sets (read only; none of their
text is kept here) and its source, the spans tried are the gold answers found in the source and three word windows
of its sentences; each (question, span, source) triple gets refusal.relevance / said / echoes / proximity /
support_score / supporting / tainted_words, the candidates' score tuple (candidates.py `choose_span`) and the
evidence features of the source as one hit. Triples with a letter of another script (scripts.OTHER_SCRIPT) are
left out: the round changed those on purpose."""
import hashlib, json, re, sys
from collections import Counter
from ragtune.appliance import candidates as C, evidence, refusal as R
from ragtune.appliance.injection import source_view
from ragtune.appliance.scripts import OTHER_SCRIPT
print("using", R.__file__, file=sys.stderr)
SETS = ["/work/evalsets/corpus-dev", "/work/shared/eval/disflqa-dev"]


class Hit:
    def __init__(self, text):
        self.text, self.rerank = text, 0.0


def values(q, span, text, view):
    views = [view]
    rel, prox, sd = R.relevance(q, span, views), R.proximity(q, span, views), R.said(q, span)
    return [rel, prox, sd, R.echoes(q, span), R.support_score(span, [view.clean]),
            R.supporting(span, [("s", view)]), R.tainted_words(span, views),
            (not R.echoes(q, span), C.fits(q, span),
             C.RELEVANCE_WEIGHT * rel + C.PROXIMITY_WEIGHT * prox - C.SAID_WEIGHT * sd)]


out, kinds = {}, Counter()
for folder in SETS:
    corpus = {}
    for line in open(f"{folder}/corpus.jsonl", encoding="utf-8"):
        d = json.loads(line)
        corpus[d["_id"]] = d.get("text") or ""
    rels = {}
    for line in open(f"{folder}/qrels/test.tsv", encoding="utf-8").readlines()[1:]:
        qid, cid = line.split("\t")[:2]
        rels.setdefault(qid, cid)
    for line in open(f"{folder}/queries.jsonl", encoding="utf-8"):
        d = json.loads(line)
        q, meta = d["text"], d.get("metadata") or {}
        cid = rels.get(d["_id"]) or meta.get("context_id")
        text = corpus.get(cid)
        if not text:
            continue
        view = source_view(text)
        spans = [a for a in meta.get("answers") or [] if a and a in view.clean]
        sentences = [s for s in re.split(r"(?<=[.!?])\s+", view.clean) if len(s.split()) >= 6][:3]
        spans += [" ".join(s.split()[2:5]) for s in sentences]
        h = hashlib.sha256()
        kind = "ascii" if q.isascii() and text.isascii() else "latin"
        if OTHER_SCRIPT.search(q + text):
            kinds["other (left out)"] += 1
            continue
        kinds[kind] += 1
        for span in spans:
            if span not in view.clean:
                continue
            kinds[kind + " triples"] += 1
            h.update(repr(values(q, span, text, view)).encode())
        h.update(repr(evidence.features(q, [Hit(text)])).encode())
        out[f"{folder}:{d['_id']}"] = [kind, h.hexdigest()]
json.dump(out, open(sys.argv[1], "w"), indent=0, sort_keys=True)
print(dict(kinds), file=sys.stderr)
