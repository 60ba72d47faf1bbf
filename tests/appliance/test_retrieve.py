"""Retriever wiring over a real Store (apsw + sqlite-vec) with a fake lexical index, embedder and reranker."""

from __future__ import annotations

import hashlib
import re
import time

import numpy as np
import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.retrieve import Retriever
from ragtune.appliance.store import Store
from ragtune.appliance.store.base import is_open

DOCS = [
    ("paris.md", "Paris", ["Paris is the capital of France and sits on the Seine river.",
                           "The Louvre in Paris is the largest art museum."]),
    ("rome.md", "Rome", ["Rome is the capital of Italy, built on seven hills."]),
    ("bread.md", "Bread", ["Bread is baked from flour, water, salt and yeast.",
                           "Sourdough bread rises with wild yeast instead of baker's yeast."]),
    ("dup.md", "Paris copy", ["Paris is the capital of France and sits on the Seine river!"]),
]


def _words(text):
    return re.findall(r"[a-z0-9]+", text.lower())


class FakeTokenizer:
    class _Enc:
        def __init__(self, text):
            self.offsets = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
            self.ids = list(range(len(self.offsets)))

    def encode(self, text, add_special_tokens=False):
        return self._Enc(text)


class FakeEmbedder:
    """Bag of hashed words -> unit vector: texts sharing words are close."""

    def __init__(self):
        self.tokenizer = FakeTokenizer()
        self.calls = 0
        self.closed = False

    def encode(self, texts):
        self.calls += 1
        out = np.zeros((len(texts), 384), np.float32)
        for i, t in enumerate(texts):
            for w in _words(t):
                out[i, int(hashlib.md5(w.encode()).hexdigest(), 16) % 384] += 1.0
            n = np.linalg.norm(out[i])
            out[i] = out[i] / n if n else out[i]
        return out

    def encode_query(self, text):
        return self.encode([text])[0]

    def count_tokens(self, text):
        return len(text.split())

    def close(self):
        self.closed = True


class FakeLexical:
    """Term-overlap scoring over the store's chunks; records syncs."""

    def __init__(self):
        self.synced_version = None
        self.rows: list[tuple[int, str]] = []
        self.syncs = 0

    def ensure_synced(self, store):
        self.rows = [(cid, f"{title} {text}") for cid, text, title in store.query(
            "SELECT c.id, c.text, d.title FROM chunks c JOIN documents d ON d.id = c.doc_id")]
        self.doc_of = dict(store.query("SELECT id, doc_id FROM chunks"))
        self.synced_version = store.index_version
        self.syncs += 1

    def search(self, query, limit, *, title_boost=2.0, max_df=1.0, doc_ids=None):
        q = set(_words(query))
        scored = [(cid, float(len(q & set(_words(t))))) for cid, t in self.rows
                  if doc_ids is None or self.doc_of[cid] in doc_ids]
        scored = [s for s in scored if s[1] > 0]
        scored.sort(key=lambda s: (-s[1], s[0]))
        return scored[:limit]


class FakeReranker:
    def __init__(self, prefer):
        self.prefer = prefer

    def score(self, query, passages):
        return [1.0 if self.prefer in p else 0.0 for p in passages]


def _fill(store, emb):
    with store.transaction():
        for path, title, chunks in DOCS:
            store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks) VALUES (?,?,?,?,?,?)",
                               (path, hashlib.sha256(path.encode()).hexdigest(), title, "md", time.time(), len(chunks)))
            doc_id = store.conn.last_insert_rowid()
            pos = 0
            for o, text in enumerate(chunks):
                store.conn.execute(
                    "INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) VALUES (?,?,?,?,?,?,?)",
                    (doc_id, o, text, pos, pos + len(text), len(text.split()), hashlib.sha256(text.encode()).hexdigest()))
                cid = store.conn.last_insert_rowid()
                store.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)",
                                   (cid, emb.encode([text])[0].tobytes()))
                pos += len(text) + 1
        store.bump_index_version()


@pytest.fixture
def parts(settings, tmp_path):
    store = Store(tmp_path / "t.db")
    emb = FakeEmbedder()
    _fill(store, emb)
    lex = FakeLexical()
    yield settings, store, emb, lex
    store.close()


def make(parts, **retrieve_changes):
    settings, store, emb, lex = parts
    if retrieve_changes:
        settings = settings.replace("retrieve", **retrieve_changes)
    return Retriever(settings, store=store, embedder=emb, lexical=lex)


def test_syncs_lexical_at_construction(parts):
    r = make(parts)
    assert parts[3].syncs == 1 and parts[3].synced_version == parts[1].index_version


@pytest.mark.parametrize("mode", ["bm25", "vector", "hybrid"])
def test_modes_return_ranked_hits_with_stage_scores(parts, mode):
    r = make(parts)
    res = r.retrieve("capital of Italy", mode=mode)
    assert 1 <= len(res.hits) <= 6
    top = res.hits[0]
    assert "Rome" in top.text and top.source == "rome.md" and top.title == "Rome"
    assert top.fused > 0
    if mode in ("bm25", "hybrid"):
        assert top.bm25_rank is not None and top.bm25_score is not None
    else:
        assert top.bm25_rank is None
    if mode in ("vector", "hybrid"):
        assert top.vector_rank is not None and 0 < top.vector_score <= 1.0001
    else:
        assert top.vector_rank is None
    assert res.candidates and all(c.fused >= d.fused for c, d in zip(res.candidates, res.candidates[1:]))


def test_k_bounds_and_bad_input(parts):
    r = make(parts)
    assert len(r.retrieve("bread yeast capital paris", k=2).hits) <= 2
    for bad in ("", "   ", "\x00\x01"):
        with pytest.raises(InputError):
            r.retrieve(bad)
    with pytest.raises(InputError):
        r.retrieve("bread", k=7)
    with pytest.raises(InputError):
        r.retrieve("bread", mode="fuzzy")
    with pytest.raises(InputError):
        r.retrieve("x" * 5000)


def test_hostile_query_text_is_an_error_or_a_well_formed_result(parts):
    """QA pass: every input gives a typed error or a result whose echo can be written as UTF-8 (JSON)."""
    r = make(parts)
    with pytest.raises(InputError, match="must be text, not int"):
        r.retrieve(42)
    for bad in ("\ud800", "\U0001f642\U0001f389", "?!.,;", "\u0301" * 50, "\u200b\ufeff"):
        with pytest.raises(InputError, match="empty question"):
            r.retrieve(bad)
    res = r.retrieve("Pa\udced\udca0\udc80ris capital")
    assert res.query == "Pa\ufffd\ufffd\ufffdris capital" and res.to_json()["query"].encode("utf-8")
    for q in ('AND OR NOT title:paris "unbalanced (parens [a TO z] wild* ?x ~2 ^5 +must -not back\\slash',
              "'; DROP TABLE chunks; --", "Париж 巴黎 باريس Paris", "e\u0301cole \x00 \x1b[31m", "x",
              "the of and is", "Pa\u200bris"):
        res = r.retrieve(q, use_cache=False)
        assert all(h.chunk_id > 0 for h in res.hits) and res.to_json()["hits"] is not None
    assert r.retrieve("Pa\u200bris", use_cache=False).normalized_query == "Paris"


def test_exact_copies_of_a_text_are_listed_once(parts):
    """QA: the same document ingested under two names filled two of k places with one text (MMR's penalty for a
    copy does not outweigh its relevance). The better-ranked copy stays; the fused candidates keep both."""
    settings, store, emb, lex = parts
    text = DOCS[0][2][0]
    with store.transaction():
        store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks) VALUES "
                           "('copy.md', 'c', 'Paris', 'md', 0, 1)")
        doc = store.conn.last_insert_rowid()
        store.conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                           "VALUES (?, 0, ?, 0, ?, ?, ?)",
                           (doc, text, len(text), len(text.split()), hashlib.sha256(text.encode()).hexdigest()))
        store.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)",
                           (store.conn.last_insert_rowid(), emb.encode([text])[0].tobytes()))
        store.bump_index_version()
    for lam in (1.0, 0.8):
        res = make(parts, mmr_lambda=lam).retrieve("Paris capital of France Seine river", k=4, use_cache=False)
        texts = [h.text for h in res.hits]
        assert texts.count(text) == 1 and len(texts) == len(set(texts))
        assert res.hits[0].source == "paris.md"  # the lower chunk id of the tie
        assert sum(h.text == text for h in res.candidates) == 2


def test_normalised_query_used(parts):
    r = make(parts)
    res = r.retrieve("What is the capital of Italy no sorry of France ?", mode="bm25")
    assert res.normalized_query == "What is the capital of France ?"
    assert "France" in res.hits[0].text
    assert res.query.startswith("What is the capital of Italy")


def test_original_query_joins_fusion_only_when_weighted(parts):
    q = "Which city sits on the Seine no sorry which hills is Rome built on ?"
    only_meant = make(parts, original_query_weight=0.0).retrieve(q, mode="bm25")
    both = make(parts, original_query_weight=2.0).retrieve(q, mode="bm25")
    assert only_meant.normalized_query == both.normalized_query == "which hills is Rome built on ?"
    assert "Rome" in only_meant.hits[0].text
    # the abandoned words (Seine) now also count: the original's ranking adds to the Seine chunk's score
    def seine(res):
        return next(h for h in res.candidates if "Seine" in h.text)
    assert seine(both).fused > seine(only_meant).fused


def test_the_original_wording_can_be_searched_by_bm25_only(parts):
    q = "Which city sits on the Seine no sorry which hills is Rome built on ?"
    seen = []

    def record(r):
        real = r.embedder.encode
        r.embedder.encode = lambda texts: seen.append(list(texts)) or real(texts)
        return r

    both = record(make(parts)).retrieve(q, mode="hybrid", use_cache=False)
    assert len(seen[-1]) == 2 and both.hits[0].vector_rank is not None
    lexical_only = record(make(parts, original_query_vectors=False)).retrieve(q, mode="hybrid", use_cache=False)
    assert seen[-1] == ["which hills is Rome built on ?"]  # one embedding: the meant question's
    assert "Rome" in lexical_only.hits[0].text


def test_a_stutter_is_not_searched_twice(parts):
    """A repeated word adds no word to search for: one embedding, one BM25 list (a repair keeps both)."""
    seen, searched = [], []
    r = make(parts)
    real_encode, real_bm25 = r.embedder.encode, r.bm25
    r.embedder.encode = lambda texts: seen.append(list(texts)) or real_encode(texts)
    r.bm25 = lambda text, limit: searched.append(text) or real_bm25(text, limit)
    res = r.retrieve("Which hills is is Rome built on ?", mode="hybrid", use_cache=False)
    r.close()
    assert res.normalized_query == "Which hills is Rome built on ?"
    assert seen == [["Which hills is Rome built on ?"]] and searched == ["Which hills is Rome built on ?"]
    assert "Rome" in res.hits[0].text


def test_cache_hit_bypass_and_invalidation(parts):
    settings, store, emb, lex = parts
    r = make(parts)
    a = r.retrieve("sourdough yeast")
    assert not a.cached
    calls = emb.calls
    b = r.retrieve("  sourdough   yeast ")  # same normalised query
    assert b.cached and emb.calls == calls
    assert [h.chunk_id for h in a.hits] == [h.chunk_id for h in b.hits]
    c = r.retrieve("sourdough yeast", use_cache=False)
    assert not c.cached and emb.calls == calls + 1
    assert not r.retrieve("sourdough yeast", mode="bm25").cached  # the mode is part of the key
    store.bump_index_version()  # an ingest
    d = r.retrieve("sourdough yeast")
    assert not d.cached and lex.syncs == 2  # and the lexical index was re-synced
    # cached results are copies: callers may not corrupt the cache
    d.hits[0].text = "changed"
    assert r.retrieve("sourdough yeast").hits[0].text != "changed"


def test_cache_switch_off(parts):
    r = make(parts, cache=False)
    r.retrieve("bread")
    assert not r.retrieve("bread").cached


def test_rerank_hook_reorders_and_records_scores(parts):
    settings, store, emb, lex = parts
    r = Retriever(settings, store=store, embedder=emb, lexical=lex, reranker=FakeReranker("Louvre"))
    res = r.retrieve("capital of France Paris", mode="hybrid")
    assert "Louvre" in res.hits[0].text and res.hits[0].rerank == 1.0
    assert all(h.rerank is not None for h in res.hits)
    assert all(c.rerank is None for c in res.candidates)  # candidates are the pre-rerank fused list


class FakeFeatureReranker:
    """Scores hits (not passages), like the learned feature model, and carries its own fitted weight."""

    def __init__(self, prefer, weight):
        self.prefer, self.weight, self.seen = prefer, weight, []

    def score_hits(self, query, hits, original=None):
        self.seen.append((query, original, len(hits)))
        return [1.0 if self.prefer in h.text else 0.0 for h in hits]


def test_rerank_interpolates_with_the_fused_order(parts):
    settings, store, emb, lex = parts
    q = "capital of France Paris"
    fused = [h.chunk_id for h in make(parts).retrieve(q, mode="hybrid", k=6).hits]
    # the reranker's own weight 0: its scores are recorded, the fused order is kept exactly
    r = Retriever(settings, store=store, embedder=emb, lexical=lex, reranker=FakeFeatureReranker("Louvre", 0.0))
    res = r.retrieve(q, mode="hybrid", k=6)
    assert [h.chunk_id for h in res.hits] == fused and any(h.rerank == 1.0 for h in res.hits)
    # the config's weight wins over the reranker's; 1 = the reranker's order
    cfg1 = settings.replace("retrieve", rerank_weight=1.0)
    r = Retriever(cfg1, store=store, embedder=emb, lexical=lex, reranker=FakeFeatureReranker("Louvre", 0.0))
    assert "Louvre" in r.retrieve(q, mode="hybrid").hits[0].text
    # only the top rerank_top candidates are re-scored; the disfluent original reaches score_hits
    fake = FakeFeatureReranker("Louvre", 1.0)
    cfg2 = settings.replace("retrieve", rerank_top=2)
    r = Retriever(cfg2, store=store, embedder=emb, lexical=lex, reranker=fake)
    r.retrieve("capital of uh no capital of France", mode="hybrid")
    assert fake.seen[-1] == ("capital of France", "capital of uh no capital of France", 2)


def test_mmr_diversity_demotes_duplicate(parts):
    q = "Paris capital of France Seine river"
    plain = make(parts, mmr_lambda=1.0).retrieve(q, k=2, use_cache=False)
    assert {h.source for h in plain.hits} == {"paris.md", "dup.md"}
    diverse = make(parts, mmr_lambda=0.3).retrieve(q, k=2, use_cache=False)
    assert len(diverse.hits) == 2
    assert not ({"paris.md", "dup.md"} <= {h.source for h in diverse.hits})


def test_token_budget_trim(parts):
    res = make(parts, context_tokens=64).retrieve("bread yeast flour salt", k=6)
    assert sum(h.n_tokens for h in res.hits) <= 64
    # a budget smaller than the best chunk: it is cut, never dropped
    settings, store, emb, lex = parts
    with store.transaction():
        store.conn.execute("UPDATE chunks SET n_tokens = 100")
    res = make(parts, context_tokens=64).retrieve("bread yeast flour salt", k=6, use_cache=False)
    assert len(res.hits) == 1 and res.hits[0].n_tokens <= 64


def test_filters(parts):
    r = make(parts)
    res = r.retrieve("capital", filters={"source_prefix": "rome"})
    assert res.hits and all(h.source.startswith("rome") for h in res.hits)
    with pytest.raises(InputError):
        r.retrieve("capital", filters={"colour": "red"})


def test_empty_store(settings, tmp_path):
    store = Store(tmp_path / "empty.db")
    r = Retriever(settings, store=store, embedder=FakeEmbedder(), lexical=FakeLexical())
    res = r.retrieve("anything at all")
    assert res.hits == [] and res.candidates == []
    store.close()


def test_vectors_of_reads_stored_vectors(parts):
    settings, store, emb, lex = parts
    r = make(parts)
    ids = [cid for (cid,) in store.query("SELECT id FROM chunks ORDER BY id")]
    v = r.vectors_of(ids + [9999])
    assert v.shape == (len(ids) + 1, 384)
    assert np.allclose(np.linalg.norm(v[:-1], axis=1), 1.0, atol=1e-5) and not v[-1].any()


def test_hybrid_embeds_in_a_worker_beside_bm25_and_close_stops_it(parts):
    import threading

    before = {t for t in threading.enumerate() if t.name.startswith("ragtune-embed")}  # other tests' retrievers
    r = make(parts)
    hybrid = [h.chunk_id for h in r.retrieve("capital of Italy", mode="hybrid", use_cache=False).hits]
    mine = {t for t in threading.enumerate() if t.name.startswith("ragtune-embed")} - before
    assert mine
    vec = r.embedder.encode(["capital of Italy"])[0]  # the same query with its vector given: nothing to overlap
    given = [h.chunk_id for h in r.pipeline("capital of italy", k=6, query_vector=vec)[0]]
    assert hybrid == given
    r.close()
    assert not any(t.is_alive() for t in mine)


def test_close_only_closes_owned(parts):
    settings, store, emb, lex = parts
    r = make(parts)
    r.close()
    assert not emb.closed and is_open(store.conn)


def test_exact_and_ann_knn_match_vec0_and_follow_the_index_version(parts):
    settings, store, emb, lex = parts
    r = make(parts)
    q = emb.encode(["yeast bread flour"])[0]
    r.knn_backend = "vec0"
    exact = r.vector(q, 5)
    for backend in ("exact", "ann"):
        r.knn_backend = backend
        got = r.vector(q, 5)
        assert np.allclose([s for _, s in got][:3], [s for _, s in exact][:3], atol=1e-5)
        # same ids wherever the similarity is not tied (the fake's unrelated chunks all score 0)
        assert [c for c, s in got if s > 1e-4] == [c for c, s in exact if s > 1e-4] and got[0][1] > 0.5
    assert (settings.home.root / "vectors" / "state.json").exists()
    ids = [c for c, _ in exact]
    assert np.allclose(r.vectors_of(ids), r.vector_index().get(ids))
    # an ingest (new vector + version bump) is seen by the next query
    with store.transaction():
        store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at) VALUES ('x.md','x','X','md',0)")
        d = store.conn.last_insert_rowid()
        store.conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                           "VALUES (?, 0, 'yeast bread flour', 0, 17, 3, 'y')", (d,))
        cid = store.conn.last_insert_rowid()
        store.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)", (cid, q.tobytes()))
    store.bump_index_version()
    for backend in ("exact", "ann"):
        r.knn_backend = backend
        top = r.vector(q, 1)[0]
        assert top[0] == cid and top[1] == pytest.approx(1.0, abs=1e-5)


def test_auto_backend_uses_vec0_for_small_stores(parts):
    r = make(parts)
    assert r.vector_index() is None


def test_the_default_config_serves_the_builtin_reranker(parts, monkeypatch):
    from ragtune.appliance.rerank_features import FeatureReranker

    monkeypatch.delenv("RAGTUNE_BUILTIN_RERANKERS")  # the package's own, as a user gets it
    r = make(parts)
    assert isinstance(r.reranker, FeatureReranker)
    res = r.retrieve("Where is the Louvre?", use_cache=False)
    assert res.hits and all(h.rerank is not None for h in res.hits)
    r.close()
    # "" turns it off; without a built-in, "default" is off too
    assert make(parts, rerank="").reranker is None
    monkeypatch.setenv("RAGTUNE_BUILTIN_RERANKERS", str(parts[1].path.parent / "none"))
    assert make(parts).reranker is None


def test_an_index_version_change_drops_the_older_results(parts):
    """Round 45: results cached at an older index version were never read again but stayed in memory (up to 512,
    each holding chunk text: a removed document's, in a serve running during the erase) until their own key came
    back. A new version empties the cache."""
    settings, store, emb, lex = parts
    r = make(parts)
    r.retrieve("sourdough yeast")
    r.retrieve("capital of France")
    assert len(r.cache._data) == 2
    store.bump_index_version()  # a `docs remove`, an ingest
    r.retrieve("sourdough yeast")
    assert len(r.cache._data) == 1  # was 3: the two older results kept beside the new one


def test_vectors_another_embedder_made_are_left_out(parts):
    """Round 45: after `config set embed.model` to another model of the same size, vector search ranked the stored
    vectors (another model's space) at random, silently. The retriever passes its embedder's model: documents whose
    meta names another embedder are left out (BM25 still finds them) until re-ingested."""
    settings, store, emb, lex = parts
    emb.model_id = "a" * 64
    r = make(parts)
    q = "sourdough yeast"
    before = [cid for cid, _ in r.vector(q, 50)]
    docs = store.documents()
    other = docs[0]["id"]
    store.set_document_meta(other, {"embed_model": "b" * 16})  # made by another embedder
    for d in docs[1:]:
        store.set_document_meta(d["id"], {"embed_model": "a" * 16})
    store.bump_index_version()
    theirs = {cid for cid, *_ in store.iter_chunk_texts([other])}
    after = [cid for cid, _ in r.vector(q, 50)]
    assert theirs and not theirs & set(after) and theirs & set(before)  # was: still ranked among the others
    assert set(after) == set(before) - theirs
