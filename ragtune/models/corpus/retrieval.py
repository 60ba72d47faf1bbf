"""The behaviour corpus as retrieval evaluation sets (`ragtune eval retrieval --corpus train|dev|DOMAIN`).

A corpus question is judged at the level the generator sees: the chunks. After the domains' `docs/` folders are
ingested, a chunk is relevant to an answerable question when it belongs to the question's `gold_doc` and holds
its answer (the same test the dataset builder uses to decide which sources a training target cites:
`dataset.holds_answer`). All relevant chunks of a question count as one unit "gold" (overlapping windows of the
same passage are not separate finds); every other chunk is its own, non-relevant unit. Unanswerable questions
have no relevant chunk and are left out, as are the few whose evidence no chunk holds (counted in `notes`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ragtune.appliance.eval.retrieval import RetrievalSet

from . import Domain, load_corpus, select


def gold_source(domain: Domain, gold_doc: str) -> str:
    """The stored `documents.path` of a gold document (ingest stores absolute paths)."""
    return str((domain.docs / gold_doc).resolve())


def corpus_set(args: list[str], *, allow_dev: bool = True, root: Path | None = None) -> RetrievalSet:
    """A RetrievalSet over the domains named by `args` (see `select`: a domain, train, dev, all), all ingested
    into one home so that every domain's chunks compete with every other's."""
    domains = select(args, allow_dev=allow_dev, root=root)
    by_name = {d.name: d for d in domains}
    rows = [r for r in load_corpus([d.name for d in domains], root=root) if r["answerable"]]
    queries = [{"_id": r["id"], "text": r["question"], "metadata": {"domain": r["domain"], "style": r["style"]}}
               for r in rows]
    notes: dict[str, Any] = {"domains": sorted(by_name), "answerable": len(rows)}

    def judge(store: Any) -> tuple[dict[int, str | None], dict[str, dict[str, int]], dict[str, dict[int, str]]]:
        from ragtune.models.dataset import holds_answer

        path_of = dict(store.chunk_sources())
        by_path: dict[str, list[tuple[int, str]]] = {}
        doc_of: dict[int, str | None] = {}
        for cid, _doc, _title, text in store.iter_chunk_texts():
            doc_of[int(cid)] = f"chunk:{cid}"
            by_path.setdefault(path_of[int(cid)], []).append((int(cid), text))
        qrels: dict[str, dict[str, int]] = {}
        units: dict[str, dict[int, str]] = {}
        missing = []
        for r in rows:
            gold = [cid for cid, text in by_path.get(gold_source(by_name[r["domain"]], r["gold_doc"]), [])
                    if holds_answer(text, r)]
            if not gold:
                missing.append(r["id"])
                continue
            qrels[r["id"]] = {"gold": 1}
            units[r["id"]] = {cid: "gold" for cid in gold}
        notes["no_gold_chunk"] = missing
        return doc_of, qrels, units

    name = "corpus:" + ",".join(args)
    return RetrievalSet(name=name, paths=[d.docs for d in domains], queries=queries, judge=judge, notes=notes)
