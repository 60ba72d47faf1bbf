"""answertype's kind() and fits() on English questions, old code vs new (round 52: other languages' question
words): prints a digest.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r52_answertype_same.py before.json, then without
PYTHONPATH after.json, and compare the two files. For every question of the two BEIR sets (read only; none of
their text is kept here): kind(question), and fits(question, span) for the r51 triples (the gold answers found in
the question's source and three word windows of its sentences, as benchmarks/r51_lang_checks_same.py). Every
question and triple is kept, those with another script's letters too, and counted apart."""
import hashlib, json, sys
from collections import Counter
from ragtune.appliance import answertype as A
from ragtune.appliance.injection import source_view
from ragtune.appliance.scripts import OTHER_SCRIPT
from same_items import items, r51_spans
print("using", A.__file__, file=sys.stderr)
SETS = ["/work/evalsets/corpus-dev", "/work/shared/eval/disflqa-dev"]

out, counts = {}, Counter()
for folder, qid, q, meta, text in items(SETS):
    script = "other script" if OTHER_SCRIPT.search(q) else "latin"
    k = A.kind(q)
    counts[f"questions ({script})"] += 1
    counts[f"kind {k}"] += 1
    h = hashlib.sha256(repr(k).encode())
    view = source_view(text or "")
    for span in r51_spans(meta, view.clean):
        f = A.fits(q, span)
        counts["triples"] += 1
        counts["triples unfit"] += not f
        h.update(repr((span, f)).encode())
    out[f"{folder}:{qid}"] = h.hexdigest()
json.dump(out, open(sys.argv[1], "w"), indent=0, sort_keys=True)
print(dict(counts), file=sys.stderr)
