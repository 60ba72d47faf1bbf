"""BM25 recall@3 and MRR of the invented Arabic/Hebrew set (r50_prefix_data.py), shipped index (LexicalIndex, title
boost as shipped). usage: [PYTHONPATH=<old ragtune>] python benchmarks/r50_prefix_recall.py"""
import sys, tempfile
sys.path.insert(0, __file__.rsplit("/", 1)[0])
from r50_prefix_data import AR_DOCS, AR_QS, HE_DOCS, HE_QS
from ragtune.appliance.lexical import LexicalIndex
import ragtune.appliance.lexical as lx
print("using", lx.__file__, file=sys.stderr)
for lang, docs, qs in (("ar", AR_DOCS, AR_QS), ("he", HE_DOCS, HE_QS),
                       ("ar, no titles", [("", t) for _, t in AR_DOCS], AR_QS), ("he, no titles", [("", t) for _, t in HE_DOCS], HE_QS)):
    with tempfile.TemporaryDirectory() as d:
        idx = LexicalIndex(d)
        with idx.writer() as w:
            for i, (title, text) in enumerate(docs):
                w.add(i, i, title, text)
            w.finish(lx.SCHEMA_VERSION)
        idx.reload()
        hit = 0; rr = 0.0; misses = []
        for q, want in qs:
            ranked = [c for c, _ in idx.search(q, 10)]
            hit += want in ranked[:3]
            rr += 1 / (ranked.index(want) + 1) if want in ranked else 0
            if want not in ranked[:3]:
                misses.append(q)
        idx.close()
        print(f"{lang}: {len(docs)} docs, {len(qs)} questions, recall@3 {hit}/{len(qs)}, MRR@10 {rr / len(qs):.3f}; missed: {misses}")
