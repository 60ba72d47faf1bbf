"""Round 58 (h7): the yes/no sentence with an FAQ's "A:" label left out (answer_yesno.py) and the mail loader's
quoted history (loaders/mail_quotes.py), old code vs new, on the parish share before the model: prints a digest.

usage: PYTHONPATH=<a tree> python benchmarks/r58_faq_label_same.py SHARE OUT.json, once with the old tree and once
with the new, and compare the two files. SHARE: the parish share (written by benchmarks/r54_parish_data.py's build
when missing or empty). For every document of the share: its loaded text (what every answer is drawn from), and for
every block of its clean text (injection.source_view) and every span of one or three words in it, the sentence
the yes/no step serves (answer_yesno.sentences_of). Same digests: no yes/no answer on the parish set can change
(the served sentence is one of these for a span of the source), and no parish document's text changed."""
from __future__ import annotations

import hashlib
import json
import runpy
import sys
from collections import Counter
from pathlib import Path

from ragtune.appliance import answer_yesno as Y
from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.injection import source_view
from ragtune.appliance.types import ContextItem

print("using", Y.__file__, file=sys.stderr)
share, out_path = Path(sys.argv[1]), sys.argv[2]
if not share.is_dir() or not any(share.iterdir()):
    runpy.run_path(str(Path(__file__).resolve().parent / "r54_parish_data.py"))["build"](share)

out, counts = {}, Counter()
for path in sorted(p for p in share.rglob("*") if p.is_file()):
    doc = load_file(path)
    counts["documents"] += 1
    out[f"text:{path.name}"] = hashlib.sha256(doc.text.encode()).hexdigest()
    item = ContextItem(id="S1", text=doc.text, source=str(path))
    h = hashlib.sha256()
    for block in source_view(doc.text).blocks:
        words = block.split()
        for n in (1, 3):
            for i in range(0, max(0, len(words) - n + 1)):
                span = " ".join(words[i:i + n])
                got = Y.sentences_of(span, item)
                counts["spans"] += 1
                counts["sentences"] += len(got)
                h.update(repr((span, got)).encode())
    out[f"sentences:{path.name}"] = h.hexdigest()
json.dump(out, open(out_path, "w"), indent=0, sort_keys=True)
print(dict(counts), file=sys.stderr)
