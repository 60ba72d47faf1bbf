"""Round 59: is the gold document retrieved but not served? Per question, the gold's best rank at each stage of the
served pipeline (retrieve.Retriever.pipeline: BM25 and vector lists, fusion, rerank, MMR pick, token-budget trim),
retrieval only (no model).

    PYTHONPATH=<tree> .venv/bin/python benchmarks/r59_served.py HOME QUERIES OUT.jsonl SPLIT

HOME: a home root whose ragtune.db holds the ingested documents (an eval corpus home: HOME/eval/corpora/<hash>).
QUERIES: BEIR queries.jsonl (gold = metadata.context_id: a document's source after '#', or a file's name) or
JSONL of {"q", "gold_text"} (gold = the chunks whose text holds gold_text, case-folded). Unanswerable questions
(BEIR: not answerable; the other form: no gold_text) are kept in OUT.jsonl for their evidence score only. SPLIT:
dev, test or all (datasets.split_items on the question id; for the {"q"} form the line number). Prints a summary
and the served gold-document recall; OUT.jsonl gets one row per question (ranks: None where the stage did not hold
the gold; a question the retriever refuses, such as one left empty by normalisation, has "refused" and no ranks).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path


STAGES = ("bm25", "vector", "fused", "reranked", "pool", "picked", "served", "top_rerank", "evidence")
CHUNK_STAGES = ("chunk_fused", "chunk_reranked", "chunk_served")


def _rank(hits, gold) -> int | None:
    return next((i for i, h in enumerate(hits, start=1) if h in gold), None)


def main(home: str, queries: str, out: str, split: str) -> None:
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.errors import InputError
    from ragtune.appliance.eval.datasets import split_items
    from ragtune.appliance.home import Home
    from ragtune.appliance.normalize import normalise_question
    from ragtune.appliance.rankstages import copy_hit, drop_duplicates
    from ragtune.appliance.retrieve import Retriever

    settings = load_settings(home=Home(home))
    settings = settings.replace("retrieve", cache=False)
    retr = Retriever(settings)
    docs = {d["id"]: d["path"] for d in retr.store.documents()}
    by_ctx = {src.split("#", 1)[1] if "#" in src else src: did for did, src in docs.items()}
    by_ctx.update({Path(src).name: did for did, src in docs.items() if "#" not in src})  # a share's file name
    chunk_rows = [(cid, did, text) for cid, did, _, text in retr.store.iter_chunk_texts()]
    items = []
    for n, line in enumerate(Path(queries).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        obj = json.loads(line)
        if "_id" in obj:
            meta = obj.get("metadata") or {}
            if not meta.get("answerable") or meta.get("context_id") not in by_ctx:  # kept: its evidence score
                items.append({"qid": obj["_id"], "q": obj["text"], "gold_docs": set(), "unanswerable": True})
                continue
            gold_doc = by_ctx[meta["context_id"]]
            answers = [a.casefold() for a in meta.get("answers") or [] if isinstance(a, str) and a.strip()]
            it = {"qid": obj["_id"], "q": obj["text"], "gold_docs": {gold_doc}}
            held = {cid for cid, d, text in chunk_rows if d == gold_doc and any(a in text.casefold() for a in answers)}
            if held:  # the answer chunk: one of the gold document's that holds an answer as written
                it["gold_chunks"] = held
            items.append(it)
        else:
            want = str(obj.get("gold_text") or "").casefold()
            if not want:  # no answer in the documents: kept for its evidence score
                items.append({"qid": str(n), "q": obj["q"], "gold_docs": set(), "unanswerable": True})
                continue
            gold_chunks = {cid for cid, _, text in chunk_rows if want in text.casefold()}
            items.append({"qid": str(n), "q": obj["q"], "gold_chunks": gold_chunks,
                          "gold_docs": {d for cid, d, _ in chunk_rows if cid in gold_chunks}})
    if split != "all":
        items = split_items(items, split)
    k, cfg = retr.cfg.k, retr.cfg
    from ragtune.appliance.evidence import for_reranker
    from ragtune.appliance.rerank import rerank_folder

    evidence = for_reranker(rerank_folder(cfg.rerank, settings.home))  # the pre-generation check (evidence.py)
    rows = []
    spent = 0.0
    retr.retrieve("warm up", k=k)  # the embedder's first load is no question's cost
    for it in items:
        t0 = time.process_time()
        try:
            q, nq = normalise_question(it["q"])
            res = retr.retrieve(it["q"], k=k, use_cache=False)  # the served path itself (and any hook it has)
        except InputError as exc:  # nothing left to search ("empty question"): nothing served
            rows.append({"qid": it["qid"], "q": it["q"], "nq": None, "refused": exc.message, "served_chunks": [],
                         **{s: None for s in STAGES}, **({"unanswerable": True} if it.get("unanswerable") else {}),
                         **({s: None for s in CHUNK_STAGES} if "gold_chunks" in it else {})})
            continue
        spent += time.process_time() - t0
        original = q if q != nq and cfg.original_query_weight > 0 else None
        nq, cands, served = res.normalized_query, res.candidates, res.hits
        ranked = retr.rerank(nq, [copy_hit(h) for h in cands], original=original)  # its stages again, to see
        picked = retr.diversify(ranked, k)
        gold = it["gold_docs"]

        def ranks(hits):
            return _rank([h.doc_id for h in hits], gold)

        bm = sorted(cands, key=lambda h: h.bm25_rank or 10 ** 6)
        vec = sorted(cands, key=lambda h: h.vector_rank or 10 ** 6)
        pool = drop_duplicates(ranked)[: max(3 * k, 20)]
        row = {"qid": it["qid"], "q": it["q"], "nq": nq,
               "bm25": next((h.bm25_rank for h in bm if h.doc_id in gold and h.bm25_rank), None),
               "vector": next((h.vector_rank for h in vec if h.doc_id in gold and h.vector_rank), None),
               "fused": ranks(cands), "reranked": ranks(ranked), "pool": ranks(pool), "picked": ranks(picked),
               "served": ranks(served), "served_docs": [h.doc_id for h in served],
               "served_chunks": [h.chunk_id for h in served], "picked_n": len(picked), "served_n": len(served),
               "top_rerank": served[0].rerank if served else None,
               "evidence": evidence.holds(nq, served)[1] if evidence is not None else None}
        if "gold_chunks" in it:
            gc = it["gold_chunks"]
            row["chunk_fused"] = _rank([h.chunk_id for h in cands], gc)
            row["chunk_reranked"] = _rank([h.chunk_id for h in ranked], gc)
            row["chunk_served"] = _rank([h.chunk_id for h in served], gc)
        if it.get("unanswerable"):
            row["unanswerable"] = True
        rows.append(row)
    retr.close()
    rows_all, rows = rows, [r for r in rows if not r.get("unanswerable")]
    with open(out, "w", encoding="utf-8") as f:
        for r in rows_all:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    n = len(rows)
    got = sum(r["served"] is not None for r in rows)
    cand = sum(r["fused"] is not None for r in rows)
    lost = [r for r in rows if r["fused"] is not None and r["served"] is None]
    print(f"questions {n}  gold doc among candidates {cand}  served {got} ({100 * got / max(n, 1):.1f} %)  "
          f"retrieved-not-served {len(lost)}  cpu {1000 * spent / max(len(rows_all), 1):.1f} ms/question")
    ch = [r for r in rows if "chunk_served" in r]
    got_c = sum(r["chunk_served"] is not None for r in ch)
    print(f"answer chunk known {len(ch)}  served {got_c} ({100 * got_c / max(len(ch), 1):.1f} %)  "
          f"in top 10 fused {sum((r['chunk_fused'] or 99) <= 10 for r in ch)}  "
          f"in top 10 reranked {sum((r['chunk_reranked'] or 99) <= 10 for r in ch)}")
    for stage in ("reranked", "pool", "picked"):
        print(f"  lost after {stage}: {sum(r[stage] is not None and r['served'] is None for r in rows)}")


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[4] not in ("dev", "test", "all"):
        sys.exit(__doc__)
    main(*sys.argv[1:])
