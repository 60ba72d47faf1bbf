"""The answer path's word checks on ASCII and accented-Latin text, old code vs new (round 51): prints a digest.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r51_lang_checks_same.py before.json, then without
PYTHONPATH after.json, and compare the two files. For every question of the two BEIR sets (read only; none of their
text is kept here) and its source, the spans tried are the gold answers found in the source and three word windows
of its sentences; each (question, span, source) triple gets refusal.relevance / said / echoes / proximity /
support_score / supporting / tainted_words, the candidates' score tuple (candidates.py `choose_span`) and the
evidence features of the source as one hit. Triples with a letter of another script (scripts.OTHER_SCRIPT) are
left out: the round changed those on purpose."""
import hashlib, json, sys
from collections import Counter
from ragtune.appliance import candidates as C, evidence, refusal as R
from ragtune.appliance.injection import source_view
from ragtune.appliance.scripts import OTHER_SCRIPT
from same_items import items, r51_spans
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
for folder, qid, q, meta, text in items(SETS):
    if not text:
        continue
    view = source_view(text)
    spans = r51_spans(meta, view.clean)
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
    out[f"{folder}:{qid}"] = [kind, h.hexdigest()]
json.dump(out, open(sys.argv[1], "w"), indent=0, sort_keys=True)
print(dict(kinds), file=sys.stderr)
