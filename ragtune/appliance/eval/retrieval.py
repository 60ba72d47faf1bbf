"""Retrieval evaluation: nDCG@10, recall@1/@6/@20, MRR@10 for bm25, vector, hybrid and (with a reranker)
hybrid+rerank, on a BEIR folder or any other `RetrievalSet` (the behaviour corpus: ragtune.models.corpus.retrieval).
Fusion fitted on a dev split of the queries is in `fusion_tune.py`.

Definitions (as trec_eval / pytrec_eval, which BEIR uses):
- a document is relevant when its qrel grade is > 0; grades are the gains of nDCG (linear gain, log2 discount,
  ideal ranking = the query's judged documents sorted by grade);
- recall@k = relevant documents in the top k / all relevant documents of the query;
- MRR@10 = 1 / rank of the first relevant document within the top 10 (0 if none).
Rankings are over documents: chunks are mapped to their corpus document and a document counts at the rank of
its first chunk. The served top-k (after rerank/MMR/trim) comes first, then the rest of the fused candidates.
Queries without any relevant judgement are skipped (they have no defined recall/nDCG).
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Sequence


from ..config import Settings
from ..errors import InputError
from ..home import Home
from .ranking import (METRICS, dedupe_docs, mean_metrics, mrr_at, ndcg_at, query_metrics,  # noqa: F401
                      ranked_units, recall_at, split_of)

MODES = ("bm25", "vector", "hybrid", "hybrid+rerank")


# -- setup ----------------------------------------------------------------------------------------------------------

log = logging.getLogger("ragtune.eval")  # progress lines, INFO: printed only where a handler is set (shown_by)


def _log(msg: str) -> None:
    log.info("%s", msg)


@contextmanager
def shown_by(say: Callable[[str], None]) -> Iterator[None]:
    """Within it, this module's progress lines go to `say` (the CLI's stderr line: `eval retrieval` shows them as it
    printed them before round 49); a library caller configures `logging` for "ragtune.eval" instead."""

    class _Say(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            say(record.getMessage())

    handler, level = _Say(logging.INFO), log.level
    log.addHandler(handler)
    if not log.isEnabledFor(logging.INFO):
        log.setLevel(logging.INFO)
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.setLevel(level)


@dataclass
class RetrievalSet:
    """What `eval retrieval` scores: files/folders to ingest, the queries, and a judge that, once they are
    ingested, says which stored chunks are relevant to which query.

    `judge(store) -> (doc_of, qrels, units)`: `doc_of` maps every chunk id to the unit it counts as (a corpus
    document id for BEIR sets; None for chunks of other corpora in a shared home), `qrels[qid]` grades units,
    and `units[qid]` (optional) overrides `doc_of` for one query (a corpus set judges chunks per question: the
    chunks that hold the answer count as one unit "gold")."""

    name: str
    paths: list[Path]
    queries: list[dict[str, Any]]
    judge: Callable[[Any], tuple[dict[int, str | None], dict[str, dict[str, int]], dict[str, dict[int, str]]]]
    notes: dict[str, Any] = field(default_factory=dict)


def beir_set(beir_dir: Path | str) -> RetrievalSet:
    """A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv): units are its corpus documents."""
    from ..beir import load_beir

    beir = load_beir(beir_dir)
    corpus = Path(beir.corpus_path)

    def judge(store: Any) -> tuple[dict[int, str | None], dict[str, dict[str, int]], dict[str, dict[int, str]]]:
        prefix = str(corpus.resolve()) + "#"
        doc_of: dict[int, str | None] = {}
        for cid, path in store.chunk_sources():
            ours = "#" in path and (path.startswith(prefix) or path.startswith(corpus.name + "#"))
            doc_of[int(cid)] = path.rsplit("#", 1)[1] if ours else None  # another corpus in a shared home
        return doc_of, beir.qrels, {}

    return RetrievalSet(name=str(beir.root), paths=[corpus], queries=beir.queries, judge=judge)


def as_set(dataset: "RetrievalSet | Path | str") -> RetrievalSet:
    return dataset if isinstance(dataset, RetrievalSet) else beir_set(dataset)


@contextmanager
def prepared(settings: Settings, dataset: "RetrievalSet | Path | str", *, home: Home | Path | str | None = None,
             limit: int | None = None, quiet: bool = False, normalize: bool = True,
             split: str | None = None) -> Iterator[dict[str, Any]]:
    """Ingest the set's documents (a scratch home unless `home` is given; ingest is idempotent, so a given home
    is only filled once), judge the chunks, open a Retriever and embed all queries once. `split` keeps only
    that half ("dev" / "test", `split_of`) of the queries."""
    rset = as_set(dataset)
    if limit is not None and limit < 1:
        raise InputError(f"--limit must be >= 1, got {limit}")
    tmp = None
    if home is None:
        tmp = tempfile.TemporaryDirectory(prefix="ragtune-evalret-")
        home = Home(tmp.name)
    elif not isinstance(home, Home):
        home = Home(home)
    s = dataclasses.replace(settings, home=home)
    try:
        from ..ingest.pipeline import ingest_paths

        t0 = time.perf_counter()
        summary = ingest_paths(s, [Path(p) for p in rset.paths])
        if summary.failed:
            path, reason = summary.failed[0]
            raise InputError(f"{path}: {reason}")
        if not quiet:
            _log(f"ingested {len(rset.paths)} path(s) into {home.root} in {time.perf_counter() - t0:.1f}s "
                 f"({summary.chunks_added} new chunks)")
        from ..normalize import clean_text, normalize_query
        from ..retrieve import Retriever

        retr = Retriever(s)
        try:
            doc_of, qrels, units = rset.judge(retr.store)
            queries, unjudged = judged_queries(rset.queries, qrels, split)
            if limit is not None:
                queries = queries[:limit]
            if not queries:
                raise InputError(f"{rset.name}: no query has a relevant judgement")
            texts = {q["_id"]: (normalize_query(q["text"]), clean_text(q["text"])) for q in queries}
            t0 = time.perf_counter()
            uniq = sorted({t for pair in texts.values() for t in (pair if normalize else pair[1:])})
            vecs = retr.embedder.encode(uniq)
            qvec = dict(zip(uniq, vecs))
            if not quiet:
                _log(f"embedded {len(uniq)} query texts in {time.perf_counter() - t0:.1f}s")
            yield {"set": rset, "queries": queries, "retriever": retr, "doc_of": doc_of, "qrels": qrels,
                   "units": units, "texts": texts, "qvec": qvec, "settings": s, "unjudged": unjudged}
        finally:
            retr.close()
    finally:
        if tmp is not None:
            tmp.cleanup()


# -- evaluation -------------------------------------------------------------------------------------------------------

def _run_modes(ctx: dict[str, Any], modes: Sequence[str], *, normalize: bool = True,
               progress: Callable[[int, int], None] | None = None) -> dict[str, dict[str, dict[str, float]]]:
    """{mode: {qid: metrics}} through the full served pipeline (fusion, rerank, MMR, trim)."""
    retr = ctx["retriever"]
    k = retr.cfg.k
    out: dict[str, dict[str, dict[str, float]]] = {m: {} for m in modes}
    qs = ctx["queries"]
    use_orig = normalize and retr.cfg.original_query_weight > 0
    reranker = retr.reranker
    for i, q in enumerate(qs, start=1):
        nq, raw = ctx["texts"][q["_id"]]
        text = nq if normalize else raw
        orig = raw if use_orig and raw != nq else None
        qrels = ctx["qrels"][q["_id"]]
        for m in modes:
            retr.reranker = reranker if m.endswith("+rerank") else None  # only the +rerank mode reranks
            hits, cands = retr.pipeline(text, k=k, mode=m.split("+")[0], query_vector=ctx["qvec"][text],
                                        original=orig, original_vector=ctx["qvec"][orig] if orig else None)
            order = [h.chunk_id for h in hits] + [h.chunk_id for h in cands]
            out[m][q["_id"]] = query_metrics(ranked_units(order, ctx, q["_id"]), qrels)
        if progress:
            progress(i, len(qs))
    retr.reranker = reranker
    return out


def judged_queries(queries: Sequence[dict[str, Any]], qrels: dict[str, dict[str, Any]], split: str | None
                   ) -> tuple[list[dict[str, Any]], int]:
    """The queries of `split` (all: None) with a relevant judgement, and how many of that split have none (e.g. the
    unanswerable ones: said, not dropped silently). Counted within the split: "200 queries (dev half)" beside the
    whole set's unjudged count would misstate both."""
    pool = [q for q in queries if split is None or split_of(q["_id"]) == split]
    kept = [q for q in pool if any(g > 0 for g in qrels.get(q["_id"], {}).values())]
    return kept, len(pool) - len(kept)


def evaluate(settings: Settings, dataset: "RetrievalSet | Path | str", *, modes: Sequence[str] | None = None, limit: int | None = None,
             home: Home | Path | str | None = None, normalize: bool = True, tune: bool = False,
             quiet: bool = False, split: str | None = None) -> dict[str, Any]:
    """{"bm25": {metric: value}, "vector": {…}, "hybrid": {…}, "queries": N} (only the modes asked for), through
    the served pipeline with `settings`; "hybrid+rerank" needs `[retrieve] rerank`, and the other modes are run
    without it; by default every mode the settings allow. `tune=True` adds "tune": the `fusion_tune.tune` report
    (same ingest)."""
    from ..rerank import effective_rerank

    reranking = bool(effective_rerank(settings.retrieve.rerank))
    if modes is None:  # hybrid+rerank only when a reranker is configured
        modes = MODES if reranking else tuple(m for m in MODES if m != "hybrid+rerank")
    for m in modes:
        if m not in MODES:
            raise InputError(f"unknown retrieval mode '{m}'", hint=f"one of: {', '.join(MODES)}")
    if "hybrid+rerank" in modes and not reranking:
        raise InputError("mode hybrid+rerank needs a reranker", hint="set [retrieve] rerank or pass --rerank ID")
    if split not in (None, "dev", "test"):
        raise InputError(f"unknown split '{split}'", hint="dev or test")
    with prepared(settings, dataset, home=home, limit=limit, quiet=quiet, normalize=normalize, split=split) as ctx:
        per = _run_modes(ctx, modes, normalize=normalize)
        result: dict[str, Any] = {m: mean_metrics(list(per[m].values())) for m in modes}
        result["queries"] = len(ctx["queries"])
        if ctx["unjudged"]:  # queries of the set without a relevant judgement: no recall or nDCG to average
            result["queries_unjudged"] = ctx["unjudged"]
        if split:
            result["split"] = split
        if ctx["set"].notes:
            result["notes"] = {k: (len(v) if isinstance(v, list) else v) for k, v in ctx["set"].notes.items()}
        if tune:
            from .fusion_tune import tune as tune_fusion

            result["tune"] = tune_fusion(ctx, normalize=normalize)
        return result
