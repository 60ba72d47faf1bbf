"""Chunks and BM25 token streams of every corpus text, old code (PYTHONPATH=/tmp/h2/orig) vs new: prints a digest.
usage: PYTHONPATH=<a checkout of the old ragtune> python benchmarks/r49_lang_ascii_same.py before.json, then without
PYTHONPATH after.json, and compare the two files (each text: [chunks digest, ASCII BM25 terms digest])."""
import glob, hashlib, json, sys
from tokenizers import Tokenizer
from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance import lexical_terms as lt
print("using", lt.__file__, file=sys.stderr)
tk = Tokenizer.from_file(glob.glob("/root/.cache/ragtune/models/**/tokenizer.json", recursive=True)[0]); tk.no_padding(); tk.no_truncation()
an = lt.analyzer()
out = {}; n_nonascii = 0; n = 0
for f in ["/work/evalsets/corpus-dev/corpus.jsonl", "/work/shared/eval/disflqa-dev/corpus.jsonl"]:
    for line in open(f, encoding="utf-8"):
        d = json.loads(line); n += 1
        for field in ("title", "text"):
            t = d.get(field) or ""
            n_nonascii += not t.isascii()
            h = hashlib.sha256(); g = hashlib.sha256()
            for size, ov in ((200, 40), (64, 8)):
                for c in chunk_text(t, tk, chunk_tokens=size, overlap_tokens=ov):
                    h.update(repr((c.ord, c.text, c.start_char, c.end_char, c.n_tokens)).encode())
            toks = an.analyze(lt.search_form(t))
            g.update(repr([x for x in toks if x.isascii()]).encode())  # the ASCII terms, in order
            g.update(repr(toks if t.isascii() else []).encode())
            g.update(repr([x for x in lt.query_terms(t[:300]) if x.isascii()]).encode())
            out[f"{f}:{d['_id']}:{field}"] = [h.hexdigest(), g.hexdigest()]
json.dump(out, open(sys.argv[1], "w"))
print(f"{n} docs, {len(out)} texts, {n_nonascii} not ASCII", file=sys.stderr)
