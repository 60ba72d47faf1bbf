"""Export behaviour-corpus domains as a BEIR folder, so `ragtune eval run` / `eval retrieval` measure them
exactly like any other set: one corpus row per document (its text as ingest reads it), the labelled questions with
`answers` / `answerable` / `context_id` metadata, qrels from `gold_doc`.

    python -m ragtune.models.corpus.export dev OUT_DIR      # the dev (held-out) domains
    python -m ragtune.models.corpus.export legal sport OUT  # named domains

The domain folder is part of each document id (`legal/lease.md`), so documents of different domains never clash."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ragtune.appliance.atomic import atomic_write_text
from ragtune.appliance.errors import InputError

from . import Domain, load_corpus, select


def _doc_rows(domain: Domain) -> list[dict[str, Any]]:
    from ragtune.appliance.ingest.loaders import kind_of, load_file

    rows = []
    for path in sorted(p for p in domain.docs.rglob("*") if p.is_file() and kind_of(p) not in (None, "beir")):
        doc = load_file(path)
        row: dict[str, Any] = {"_id": f"{domain.name}/{path.relative_to(domain.docs).as_posix()}",
                               "title": doc.title, "text": doc.text}
        if doc.doc_date:
            row["date"] = doc.doc_date
        rows.append(row)
    return rows


def export_beir(domains: list[Domain], out: Path | str) -> dict[str, int]:
    """Write corpus.jsonl, queries.jsonl and qrels/test.tsv for `domains` under `out` (atomically per file)."""
    from ragtune.models.dataset import write_jsonl  # atomic (tmp + rename)

    out = Path(out)
    docs = [r for d in domains for r in _doc_rows(d)]
    rows = load_corpus([d.name for d in domains])
    queries, qrels = [], []
    for r in rows:
        gold = f"{r['domain']}/{r['gold_doc']}" if r.get("gold_doc") else None
        near = f"{r['domain']}/{r['near_doc']}" if r.get("near_doc") else None
        queries.append({"_id": r["id"], "text": r["question"],
                        "metadata": {"answers": [r["answer"]] if r["answerable"] else [],
                                     "answerable": r["answerable"], "context_id": gold or near,
                                     "domain": r["domain"], "style": r["style"]}})
        if gold:
            qrels.append(f"{r['id']}\t{gold}\t1")
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    write_jsonl(out / "corpus.jsonl", docs)
    write_jsonl(out / "queries.jsonl", queries)
    atomic_write_text(out / "qrels" / "test.tsv", "query-id\tcorpus-id\tscore\n" + "\n".join(qrels) + "\n")
    return {"documents": len(docs), "queries": len(queries), "answerable": len(qrels)}


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print("usage: python -m ragtune.models.corpus.export DOMAIN|train|dev|all [...] OUT_DIR", file=sys.stderr)
        return 2
    try:
        counts = export_beir(select(argv[:-1], allow_dev=True), argv[-1])
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(counts))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
