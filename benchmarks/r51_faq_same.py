"""The FAQ lever (refusal.relevance reads an answer sentence with the FAQ question before it, faqpairs.py, round 51),
old code vs new, before any model run.

usage: PYTHONPATH=<a copy of the old ragtune> python benchmarks/r51_faq_same.py dump before.json
       python benchmarks/r51_faq_same.py dump after.json
       python benchmarks/r51_faq_same.py compare before.json after.json
For every question of the two BEIR sets (read only; none of their text is kept in the repository) and its gold
source, the spans tried are the gold answers found in the source and a three-word window of every sentence of it;
each (question, span, source) triple gets refusal.relevance and the candidates' score tuple (candidates.py
`choose_span` without the model's log-probability). `compare` counts the triples whose relevance or tuple changed
and lists the questions whose decision could move: a relevance crossing generate.min_relevance (0.01: "off_topic"),
or another best span among the question's triples (a candidate ranking change)."""
import json, sys
from collections import Counter
from ragtune.appliance import candidates as C, refusal as R
from ragtune.appliance.injection import source_view
from same_items import items

SETS = ["/work/evalsets/corpus-dev", "/work/shared/eval/disflqa-dev"]
MIN_RELEVANCE = 0.01


def triples():
    for folder, qid, q, meta, text in items(SETS):
        if not text:
            continue
        view = source_view(text)
        spans = [a for a in meta.get("answers") or [] if a and a in view.clean]
        spans += [" ".join(s.split()[2:5]) for s in R.SENTENCE_END.split(view.clean) if len(s.split()) >= 5]
        yield f"{folder.rsplit('/', 1)[1]}:{qid}", q, list(dict.fromkeys(spans)), view


def dump(path):
    print("using", R.__file__, file=sys.stderr)
    out = {}
    for key, q, spans, view in triples():
        views, rows = [view], []
        for span in spans:
            rel, prox, sd = R.relevance(q, span, views), R.proximity(q, span, views), R.said(q, span)
            rows.append([span, rel, [not R.echoes(q, span), C.fits(q, span),
                                     C.RELEVANCE_WEIGHT * rel + C.PROXIMITY_WEIGHT * prox - C.SAID_WEIGHT * sd]])
        out[key] = rows
    json.dump(out, open(path, "w"))


def compare(before, after):
    a, b = json.load(open(before)), json.load(open(after))
    n, moved = Counter(), []
    for key, rows in a.items():
        set_ = key.split(":")[0]
        new = b[key]
        n[set_ + " questions"] += 1
        n[set_ + " triples"] += len(rows)
        changed = [(x, y) for x, y in zip(rows, new) if x != y]
        n[set_ + " triples changed"] += len(changed)
        n[set_ + " questions with a changed triple"] += bool(changed)
        cross = [x[0] for x, y in changed if (x[1] < MIN_RELEVANCE) != (y[1] < MIN_RELEVANCE)]
        best = lambda rs: max(range(len(rs)), key=lambda i: (rs[i][2], -i)) if rs else None  # noqa: E731
        reranked = best(rows) != best(new)
        if cross or reranked:
            moved.append((key, cross, rows[best(rows)][0] if rows else None, new[best(new)][0] if new else None))
    print(json.dumps(dict(n), indent=1))
    print(f"questions whose decision could move: {len(moved)}")
    for key, cross, was, now in moved:
        print(f"  {key}: crosses min_relevance for {len(cross)} span(s); best span {was!r} -> {now!r}")


if __name__ == "__main__":
    dump(sys.argv[2]) if sys.argv[1] == "dump" else compare(sys.argv[2], sys.argv[3])
