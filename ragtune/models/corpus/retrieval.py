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
from typing import Any, Callable

from ragtune.appliance.eval.retrieval import RetrievalSet

from . import Domain, load_corpus, select


def gold_source(domain: Domain, gold_doc: str) -> str:
    """The stored `documents.path` of a gold document (ingest stores absolute paths)."""
    return str((domain.docs / gold_doc).resolve())


def labelled_set(name: str, paths: list[Path], rows: list[dict[str, Any]],
                 gold_path: Callable[[dict[str, Any]], str], notes: dict[str, Any] | None = None) -> RetrievalSet:
    """A RetrievalSet over labelled questions (`question`, `gold_doc`, `evidence`/`answer`; answerable only)
    whose documents are under `paths`; `gold_path(row)` is the stored path of the row's gold document."""
    queries = [{"_id": r["id"], "text": r["question"], "metadata": {k: r[k] for k in ("domain", "style") if k in r}}
               for r in rows]
    notes = dict(notes or {}, answerable=len(rows))

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
            gold = [cid for cid, text in by_path.get(gold_path(r), []) if holds_answer(text, r)]
            if not gold:
                missing.append(r["id"])
                continue
            qrels[r["id"]] = {"gold": 1}
            units[r["id"]] = {cid: "gold" for cid in gold}
        notes["no_gold_chunk"] = missing
        return doc_of, qrels, units

    return RetrievalSet(name=name, paths=paths, queries=queries, judge=judge, notes=notes)


def corpus_set(args: list[str], *, allow_dev: bool = True, root: Path | None = None) -> RetrievalSet:
    """A RetrievalSet over the domains named by `args` (see `select`: a domain, train, dev, all), all ingested
    into one home so that every domain's chunks compete with every other's."""
    domains = select(args, allow_dev=allow_dev, root=root)
    by_name = {d.name: d for d in domains}
    rows = [r for r in load_corpus([d.name for d in domains], root=root) if r["answerable"]]
    return labelled_set("corpus:" + ",".join(args), [d.docs for d in domains], rows,
                        lambda r: gold_source(by_name[r["domain"]], r["gold_doc"]), {"domains": sorted(by_name)})


def pack_set() -> RetrievalSet:
    """The sample pack's answerable questions over its documents (judged like the corpus: per chunk)."""
    from ragtune.models.pack import load_qa, pack_dir

    docs = pack_dir()
    rows = [r for r in load_qa() if r.get("answerable", True) and r.get("gold_doc")]
    return labelled_set("pack", [docs], rows, lambda r: str((docs / r["gold_doc"]).resolve()))
