"""Hybrid retrieval: normalised query -> BM25 (Tantivy) + vector KNN -> fusion (z-score or RRF) -> optional
rerank (interpolated with the fused score) -> MMR diversity -> token-budget trim. Results are cached
in-process, keyed by the index version so that any ingest invalidates them (and only while the BM25 index
reflects that version: `_lexical_in_step`).

Query normalisation lives in `normalize.py`, vector search in `vectors.py`, the stages after fusion (duplicates,
MMR, budget) in `rankstages.py`, scopes (`filters`: ranking within part of the documents) in `scope.py`. Every
stage is a plain function over plain data (rankings, arrays, Hits) so it can be tested and benchmarked on its own;
`Retriever` only wires them to the store, the lexical index, the vector search and the embedder.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .config import Settings
from .errors import InputError, StoreError
from .normalize import clean_text, displayable, empty_question, has_content, normalize_query
from .types import Hit
from .fusion import fuse, interpolate
from .lexical import query_terms
from .rankstages import copy_hit, drop_duplicates, mmr_order, trim_to_budget
from .scope import Scope, normalise_filters, plan as plan_scope
from .tablehead import table_heads
from .ttlcache import TTLCache  # the result cache: bounded by entries and by bytes
from .vectors import VectorIndex, VectorSearch

MODES = ("bm25", "vector", "hybrid")
MAX_QUERY_CHARS = 2000


# ---------------------------------------------------------------------------------------------------------------
# Retriever
# ---------------------------------------------------------------------------------------------------------------

@dataclass
class RetrievalResult:
    hits: list[Hit]
    normalized_query: str
    retrieval_ms: float
    cached: bool = False
    candidates: list[Hit] = field(default_factory=list)
    query: str = ""
    mode: str = "hybrid"

    def to_json(self) -> dict[str, Any]:
        return {
            "query": self.query, "normalized_query": self.normalized_query, "mode": self.mode,
            "retrieval_ms": round(self.retrieval_ms, 3), "cached": self.cached,
            "hits": [h.to_dict() for h in self.hits],
        }


def _filter_key(filters: dict[str, Any] | None) -> tuple:
    if not filters:
        return ()
    out = []
    for k in sorted(filters):
        v = filters[k]
        out.append((k, tuple(sorted(v)) if isinstance(v, (list, tuple, set)) else v))
    return tuple(out)


class Retriever:
    """Ranks stored chunks for a query. Opens (and then owns) the store, lexical index and embedder it is not
    given; the embedder is loaded lazily, on the first vector/hybrid query."""

    def __init__(self, settings: Settings, *, store: Any = None, embedder: Any = None, lexical: Any = None,
                 reranker: Any = None):
        self.settings = settings
        self.cfg = settings.retrieve
        self._owned: list[Any] = []
        self._closed = False  # close() was called: retrieve() says so rather than a closed store's error
        if store is None:
            from .store import open_store

            store = open_store(settings.home)
            self._owned.append(store)
        self.store = store
        if lexical is None:
            from .lexical import LexicalIndex

            lexical = LexicalIndex(settings.home.lexical_dir)
            self._owned.append(lexical)
        self.lexical = lexical
        self.lexical.ensure_synced(self.store)
        self._lexical_seen: int | None = getattr(lexical, "synced_version", None)  # its reader has loaded this
        self._embedder = embedder
        from .rerank import effective_rerank

        if reranker is None and effective_rerank(self.cfg.rerank):
            from .rerank import load_reranker

            reranker = load_reranker(self.cfg.rerank, settings.home, threads=settings.embed.threads)
            self._owned.append(reranker)
        self.cache = TTLCache(ttl_s=self.cfg.cache_ttl_s)
        self.reranker = reranker
        self.vectors = VectorSearch(self.store, settings.home.root / "vectors", self.cfg.vector_search,
                                    threads=settings.embed.threads, candidates=self.cfg.ann_candidates)
        self._lock = threading.RLock()
        self._pool: Any = None
        self._total: tuple[int, int] | None = None  # (index version, chunks in the store): a scope's share
        self._cache_version: int | None = None  # the index version the cached results were made at

    # -- resources ----------------------------------------------------------------------------------
    @property
    def embedder(self) -> Any:
        if self._embedder is None:
            from .embed import Embedder

            self._embedder = Embedder(self.settings.embed, self.settings.home)
            self._owned.append(self._embedder)
        return self._embedder

    def _worker(self) -> Any:
        """One background thread for the query embedding (created on first use, stopped by close())."""
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ragtune-embed")
        return self._pool

    def close(self) -> None:
        self._closed = True
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None
        self.vectors.close()
        for obj in reversed(self._owned):
            close = getattr(obj, "close", None)
            if close:
                close()
        self._owned.clear()

    def __enter__(self) -> "Retriever":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def reranker(self) -> Any:
        return self._reranker

    @reranker.setter
    def reranker(self, value: Any) -> None:  # evaluation swaps it: rankings by the one before are not this one's
        self._reranker = value
        self.cache.clear()

    # -- stages ---------------------------------------------------------------------------------------
    def bm25(self, query: str, limit: int) -> list[tuple[int, float]]:
        return list(self.lexical.search(query, limit, title_boost=self.cfg.title_boost, max_df=self.cfg.bm25_max_df))

    @property
    def knn_backend(self) -> str:
        """"auto": ANN (sign + int8 codes, exact rescoring) once the store is large, sqlite-vec below; "vec0", "exact"
        (mat-vec over the float32 rows) or "ann" force one (see vectors.py)."""
        return self.vectors.backend

    @knn_backend.setter
    def knn_backend(self, value: str) -> None:
        self.vectors.backend = value

    def vector_index(self) -> VectorIndex | None:
        return self.vectors.index()

    def vector(self, query: str | np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the nearest chunks to a query text or vector (see VectorSearch.knn)."""
        qv = self.embedder.encode_query(query) if isinstance(query, str) else query
        return self.vectors.knn(qv, limit, model=self._embedder_model())

    def _embedder_model(self) -> str | None:
        """The query embedder's model id: stored vectors another embedder made are left out (VectorSearch.knn).
        None before the embedder is loaded (a query vector given by the caller: nothing to compare it with)."""
        model = getattr(self._embedder, "model_id", None)
        return model if isinstance(model, str) else None

    def vectors_of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        return self.vectors.vectors_of(chunk_ids)

    # -- scopes (scope.py) ------------------------------------------------------------------------------
    def scope(self, filters: dict[str, Any] | None) -> Scope | None:
        """What `filters` let retrieval rank (None: everything). An unknown filter is an InputError."""
        filters = normalise_filters(filters)
        if filters is None:
            return None
        return plan_scope(self.store, filters, candidates=self.cfg.candidates,
                          total=self._chunk_total(self.store.index_version))

    def _chunk_total(self, version: int) -> int:
        """The store's chunk count, counted once per index version (0 again each time: cheap then, and a writer that
        left the version as it was is still seen)."""
        if self._total is None or self._total[0] != version or not self._total[1]:
            self._total = (version, self.store.count_chunks())
        return self._total[1]

    def _bm25_in(self, query: str, limit: int, scope: Scope | None) -> list[tuple[int, float]]:
        if scope is None:
            return self.bm25(query, limit)
        if scope.chunk_ids is None:
            return self._thin(self.bm25(query, scope.fetch(limit)), limit, scope)
        return list(self.lexical.search(query, limit, title_boost=self.cfg.title_boost, max_df=self.cfg.bm25_max_df,
                                        doc_ids=scope.doc_ids))  # lexical sorts them

    def _vector_in(self, qv: np.ndarray, limit: int, scope: Scope | None) -> list[tuple[int, float]]:
        if scope is None:
            return self.vector(qv, limit)
        if scope.chunk_ids is None:
            return self._thin(self.vector(qv, scope.fetch(limit)), limit, scope)
        return (self.vectors.knn_among(qv, scope.chunk_ids, limit, model=self._embedder_model())
                if len(scope.chunk_ids) else [])

    def _thin(self, ranked: list[tuple[int, float]], limit: int, scope: Scope) -> list[tuple[int, float]]:
        """A wide scope's candidates: those of its documents, in their order, `limit` at most."""
        if scope.chunks >= scope.total:
            return ranked[:limit]
        doc_of = self.store.chunk_doc_ids([cid for cid, _ in ranked])
        return [p for p in ranked if doc_of.get(p[0]) in scope.doc_ids][:limit]

    def rank(self, query: str, *, mode: str = "hybrid", filters: dict[str, Any] | None = None,
             query_vector: np.ndarray | None = None, original: str | None = None,
             original_vector: np.ndarray | None = None) -> list[Hit]:
        """The fused candidate list (no rerank, MMR or trim): what evaluation ranks by.

        `query` is the normalised query (what was meant). When the cleaned original differs (it had
        disfluencies) and `original_query_weight` > 0, the original is searched too and its rankings join the
        fusion with that relative weight: a speaker's abandoned words are usually about the same topic (a
        pronoun in the repair often points back into them), so they are evidence for *which document*, even
        though they are not the question. Per-stage ranks on a Hit are the best over the two texts.

        `filters` ({source_prefix, doc_ids, after, before}) rank inside that part of the documents (scope.py)."""
        c = self.cfg.candidates
        scope = self.scope(filters)
        texts: list[tuple[str, np.ndarray | None, float]] = [(query, query_vector, 1.0)]
        if original and original != query and self.cfg.original_query_weight > 0 and _adds_words(original, query):
            texts.append((original, original_vector, float(self.cfg.original_query_weight)))
        by_vector = [i for i in range(len(texts)) if i == 0 or self.cfg.original_query_vectors]
        missing = [i for i in by_vector if texts[i][1] is None] if mode in ("vector", "hybrid") else []
        pending = None
        if missing and mode == "hybrid":  # embed in a worker while BM25 runs here (onnxruntime releases the GIL)
            pending = self._worker().submit(self.embedder.encode, [texts[i][0] for i in missing])
        # one keyword hit more than kept: a list is complete (fusion.py) only if no hit was left out, and one of
        # exactly `c` hits may have been cut off at the limit
        bm_lists = [self._bm25_in(text, c + 1, scope) for text, _, _ in texts] if mode in ("bm25", "hybrid") else []
        if missing:
            vecs = pending.result() if pending is not None else self.embedder.encode([texts[i][0] for i in missing])
            for i, v in zip(missing, vecs):  # one batch for both texts
                texts[i] = (texts[i][0], v, texts[i][2])
        wb = self.cfg.bm25_weight if mode == "hybrid" else 1.0
        wv = self.cfg.vector_weight if mode == "hybrid" else 1.0
        lists: dict[str, list[tuple[int, float]]] = {}
        weights: dict[str, float] = {}
        bm_pos: dict[int, tuple[int, float]] = {}
        vec_pos: dict[int, tuple[int, float]] = {}
        complete: list[str] = []  # keyword lists with no hit past `c`: every chunk they miss scored 0 (fusion.py)
        for i, (text, vec, w) in enumerate(texts):
            if bm_lists:
                bm = bm_lists[i][:c]
                lists[f"bm25.{i}"], weights[f"bm25.{i}"] = bm, w * wb
                thinned = scope is not None and scope.chunk_ids is None  # may have left out a hit of its own
                if len(bm_lists[i]) <= c and not thinned:
                    complete.append(f"bm25.{i}")
                for r, (cid, sc) in enumerate(bm, start=1):
                    if cid not in bm_pos or r < bm_pos[cid][0]:
                        bm_pos[cid] = (r, sc)
            if mode in ("vector", "hybrid") and i in by_vector:
                vr = self._vector_in(vec, c, scope)
                lists[f"vector.{i}"], weights[f"vector.{i}"] = vr, w * wv
                for r, (cid, sc) in enumerate(vr, start=1):
                    if cid not in vec_pos or r < vec_pos[cid][0]:
                        vec_pos[cid] = (r, sc)
        fused = fuse(self.cfg.fusion, lists, weights, self.cfg.rrf_k, complete)
        chunks = self.store.chunks_by_ids([cid for cid, _ in fused])
        hits: list[Hit] = []
        for cid, score in fused:
            row = chunks.get(cid)
            if row is None:  # index ahead of / behind the store: skip rather than fail a query
                continue
            h = Hit(chunk_id=cid, doc_id=row["doc_id"], text=row["text"], source=row["source"], title=row["title"] or "",
                    ord=row["ord"], start_char=row["start_char"], end_char=row["end_char"], n_tokens=row["n_tokens"],
                    sha256=row["sha256"], doc_date=row["doc_date"], fused=score)
            if cid in bm_pos:
                h.bm25_rank, h.bm25_score = bm_pos[cid][0], float(bm_pos[cid][1])
            if cid in vec_pos:
                h.vector_rank, h.vector_score = vec_pos[cid][0], float(vec_pos[cid][1])
            hits.append(h)
        return hits

    def rerank(self, query: str, hits: list[Hit], original: str | None = None) -> list[Hit]:
        """Re-order the top `rerank_top` hits by the interpolation of the reranker's score (recorded as
        `Hit.rerank`) with the fused score (`fusion.interpolate`, weight `rerank_weight` or the reranker's own)."""
        if self.reranker is None or not hits:
            return hits
        top = hits[: self.cfg.rerank_top]
        if hasattr(self.reranker, "score_hits"):  # a feature model: needs the scores and the original wording
            scores = self.reranker.score_hits(query, top, original=original)
        else:  # a text-pair scorer: "title\ntext", as the trained cross-encoder saw its passages
            scores = self.reranker.score(query, [f"{h.title}\n{h.text}" if h.title else h.text for h in top])
        for h, s in zip(top, scores):
            h.rerank = float(s)
        w = self.cfg.rerank_weight if self.cfg.rerank_weight >= 0 else float(getattr(self.reranker, "weight", 1.0))
        final = interpolate([h.fused for h in top], [h.rerank for h in top], w)
        order = sorted(range(len(top)), key=lambda i: (-final[i], i))  # ties keep the fused order
        return [top[i] for i in order] + hits[len(top):]

    def diversify(self, hits: list[Hit], k: int) -> list[Hit]:
        """MMR over the head of the list (3k, at least 20; exact copies of a text dropped first): far-down chunks
        are not worth promoting."""
        if not hits:
            return []
        pool = drop_duplicates(hits)[: max(3 * k, 20)]
        if self.cfg.mmr_lambda >= 1.0:
            return pool[:k]
        vecs = self.vectors_of([h.chunk_id for h in pool])
        # relevance = the last stage's score; rank-derived so that the rerank and RRF scales behave alike
        rel = [1.0 / (self.cfg.rrf_k + r) for r in range(1, len(pool) + 1)]
        return [pool[i] for i in mmr_order(rel, vecs, k, self.cfg.mmr_lambda)]

    def _count(self, text: str) -> int:
        return int(self.embedder.count_tokens(text))

    def _truncate(self, text: str, budget: int) -> str:
        enc = self.embedder.tokenizer.encode(text, add_special_tokens=False)
        if len(enc.ids) <= budget:
            return text
        end = enc.offsets[budget - 1][1]
        return text[:end]

    def pipeline(self, normalized_query: str, *, k: int, mode: str = "hybrid", filters: dict[str, Any] | None = None,
                 query_vector: np.ndarray | None = None, original: str | None = None,
                 original_vector: np.ndarray | None = None) -> tuple[list[Hit], list[Hit]]:
        """(final hits, fused candidates) for an already-normalised query (+ the cleaned original); no cache, no
        validation. Evaluation calls this directly, with precomputed query vectors."""
        cands = self.rank(normalized_query, mode=mode, filters=filters, query_vector=query_vector,
                          original=original, original_vector=original_vector)
        ranked = self.rerank(normalized_query, [copy_hit(h) for h in cands], original=original)
        picked = self.diversify(ranked, k)
        served = trim_to_budget(picked, self.cfg.context_tokens, self._count, self._truncate)
        return table_heads(served, self.store.chunks_before), cands

    def _lexical_in_step(self, version: int) -> bool:
        """Bring the BM25 index to the store's `version` if it lags (ensure_synced) and whether it reflects it
        now. It does not while another process writes it (an ingest: its marker is dirty until its commit), and
        such results are not cached: the cache is keyed by `version`, which the ingest's commit does not move again,
        so they would outlive it. A searcher is reloaded once per version the index reaches (another process's
        commit reaches this one's reader only after a delay)."""
        lex = self.lexical
        now = lex.synced_version
        if now != version:
            lex.ensure_synced(self.store)
            now = lex.synced_version
        if now != self._lexical_seen and hasattr(lex, "reload"):
            lex.reload()
        self._lexical_seen = now
        return now == version

    # -- public -------------------------------------------------------------------------------------
    def retrieve(self, query: str, *, k: int | None = None, mode: str = "hybrid",
                 filters: dict[str, Any] | None = None, use_cache: bool = True,
                 normalized: str | None = None) -> RetrievalResult:
        """`normalized`: the caller has already cleaned `query` and normalised it (the answer engine does it once
        for the model and for retrieval); otherwise both happen here."""
        t0 = time.perf_counter()
        if self._closed:  # its store may be closed: said as such, not as a database error
            raise StoreError("the retriever is closed", hint="make a new Retriever")
        if mode not in MODES:
            raise InputError(f"unknown retrieval mode '{mode}'", hint=f"one of: {', '.join(MODES)}")
        if not isinstance(query, str):
            raise InputError(f"the query must be text, not {type(query).__name__}")
        if not query.strip():
            raise empty_question(query)
        if len(query) > MAX_QUERY_CHARS:
            raise InputError(f"query too long ({len(query)} characters, max {MAX_QUERY_CHARS})")
        k = self.cfg.k if k is None else k
        if not isinstance(k, int) or not 1 <= k <= 6:
            raise InputError(f"k must be 1..6, got {k!r}")
        filters = normalise_filters(filters)  # checked before the cache key is made of them
        cleaned = query if normalized is not None else clean_text(query)
        nq = normalized if normalized is not None else normalize_query(query)
        original = cleaned if cleaned != nq and self.cfg.original_query_weight > 0 else None
        if not has_content(nq):
            raise empty_question(query)
        shown = displayable(query)  # what the result echoes: always writable as UTF-8 (JSON)
        with self._lock:
            try:
                version = self.store.index_version
                empty = self._chunk_total(version) == 0
            except StoreError:  # typed already (a store closed by its owner)
                raise
            except Exception as exc:  # apsw errors
                raise StoreError(f"cannot read the index: {exc}") from None
            if empty:  # nothing ingested: no hits, without loading the embedder (~230 MB, seconds) for an empty `ask`
                return RetrievalResult(hits=[], normalized_query=nq, retrieval_ms=(time.perf_counter() - t0) * 1000,
                                       cached=False, candidates=[], query=shown, mode=mode)
            if version != self._cache_version:  # an older version's results are never read again: drop them now
                self.cache.clear()  # (they hold chunk text: a removed document's, in a long-running serve)
                self._cache_version = version
            # + the vector backend, which can be switched after the settings (the reranker too: its setter clears)
            key = (nq, original, k, mode, _filter_key(filters), version, self.vectors.backend)
            if use_cache and self.cfg.cache:
                hit = self.cache.get(key)
                if hit is not None:
                    hits, cands = hit
                    return RetrievalResult(hits=[copy_hit(h) for h in hits], normalized_query=nq,
                                           retrieval_ms=(time.perf_counter() - t0) * 1000, cached=True,
                                           candidates=[copy_hit(h) for h in cands], query=shown, mode=mode)
            in_step = self._lexical_in_step(version)
            hits, cands = self.pipeline(nq, k=k, mode=mode, filters=filters, original=original)
            if use_cache and self.cfg.cache and in_step:
                self.cache.put(key, (hits, cands))
            return RetrievalResult(hits=[copy_hit(h) for h in hits], normalized_query=nq,
                                   retrieval_ms=(time.perf_counter() - t0) * 1000, cached=False,
                                   candidates=[copy_hit(h) for h in cands], query=shown, mode=mode)


def _adds_words(original: str, query: str) -> bool:
    """Whether the original wording holds words the normalised query lacks. A stutter ("the the", "did did") only
    repeats words: BM25 would search the very same terms again and the embedding barely moves, so the second
    search (a second embedding, two more index searches: ~8 ms at 100k chunks) is skipped; a repair ("the
    capital, no, the largest city") keeps it."""
    return set(query_terms(original)) != set(query_terms(query))

