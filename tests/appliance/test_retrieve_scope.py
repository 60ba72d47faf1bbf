"""Scoped retrieval (scope.py, Retriever filters) over a real Store, the real Tantivy index and every vector backend,
with the bag-of-words fake embedder of test_retrieve: a narrow scope whose chunks are not among the unscoped
candidates is still searched, a wide one too, the unscoped ranking does not move, and references resolve against
the store only."""

from __future__ import annotations

import hashlib
import types

import numpy as np
import pytest

from ragtune.appliance import scope as scope_mod
from ragtune.appliance.errors import InputError, NothingIngested
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.retrieve import Retriever, _filter_key
from ragtune.appliance.errors import UnknownDocument
from ragtune.appliance.scope import normalise_filters, stored_documents
from ragtune.appliance.store import Store

from .test_retrieve import FakeEmbedder

QUERY = "vacation policy"
STRONG = "vacation policy vacation policy vacation days"  # every distractor: the corpus's best match
HR = ["Our vacation policy: staff accrue two days of leave every month, approved by a manager.",
      "The handbook also covers the dress code, parking, lunch breaks and the policy on pets at work.",
      "Sick leave is separate from vacation and needs a note from a doctor after three days."]


def _put(store, emb, path, texts, date=None, kind="md"):
    chunks = [types.SimpleNamespace(ord=i, text=t, start_char=0, end_char=len(t), n_tokens=len(t.split()),
                                    sha256=hashlib.sha256(t.encode()).hexdigest()) for i, t in enumerate(texts)]
    return store.put_document(path=path, sha256=hashlib.sha256(path.encode()).hexdigest(), title="", kind=kind,
                              size=0, doc_date=date, ingested_at=0.0, meta="{}", chunks=chunks,
                              vectors=emb.encode(texts))[0]


@pytest.fixture
def home_parts(settings, tmp_path):
    """60 distractors that match QUERY better than anything in /corpus/hr/ (3 documents), 30 of them under a/,
    30 (slightly weaker) under b/, and an unrelated document with a date."""
    store = Store(tmp_path / "t.db")
    emb = FakeEmbedder()
    with store.transaction():
        for i in range(30):
            _put(store, emb, f"/corpus/a/doc{i:02d}.md", [f"{STRONG} alpha{i}"])
        for i in range(30):
            _put(store, emb, f"/corpus/b/doc{i:02d}.md", [f"{STRONG} beta{i} extra words here"])
        hr = [_put(store, emb, f"/corpus/hr/{n}.md", [t]) for n, t in zip(("leave", "handbook", "sick"), HR)]
        dated = _put(store, emb, "/corpus/news/2024.md", ["The canteen reopened after the summer."], "2024-06-01")
        store.bump_index_version()
    lex = LexicalIndex(tmp_path / "lexical")
    yield settings.replace("retrieve", candidates=10, rerank="", cache=True), store, emb, lex, hr, dated
    lex.close()
    store.close()


def make(parts, **retrieve_changes):
    settings, store, emb, lex = parts[:4]
    if retrieve_changes:
        settings = settings.replace("retrieve", **retrieve_changes)
    return Retriever(settings, store=store, embedder=emb, lexical=lex)


def _docs(hits):
    return {h.source.split("/")[2] for h in hits}


@pytest.mark.parametrize("backend", ["auto", "exact", "ann"])  # auto: sqlite-vec below 5000 chunks
def test_a_narrow_scope_finds_what_the_unscoped_candidates_miss(home_parts, backend):
    r = make(home_parts, vector_search=backend)
    unscoped = r.rank(QUERY)
    assert unscoped and "hr" not in _docs(unscoped)  # the precondition: a post-filter would find nothing
    res = r.retrieve(QUERY, k=3, filters={"source_prefix": "/corpus/hr/"}, use_cache=False)
    assert r.scope({"source_prefix": "/corpus/hr/"}).chunk_ids is not None  # ranked inside (narrow)
    assert res.hits and _docs(res.hits) == {"hr"} and _docs(res.candidates) == {"hr"}
    assert res.hits[0].source == "/corpus/hr/leave.md"  # the one about the vacation policy, first
    assert all(h.bm25_rank or h.vector_rank for h in res.candidates)


def test_the_vector_backends_agree_inside_a_scope(home_parts):
    hr = home_parts[4]
    got = {}
    for backend in ("vec0", "exact", "ann"):
        r = make(home_parts, vector_search=backend)
        qv = r.embedder.encode_query(QUERY)
        got[backend] = r._vector_in(qv, 10, r.scope({"doc_ids": hr}))
    ids = {b: [c for c, _ in v] for b, v in got.items()}
    assert ids["vec0"] == ids["exact"] == ids["ann"] and len(ids["vec0"]) == 3
    assert np.allclose([s for _, s in got["vec0"]], [s for _, s in got["exact"]], atol=1e-5)


def test_scoped_bm25_scores_are_the_unscoped_ones(home_parts):
    """Tantivy ranks inside the scope with the whole index's statistics: a chunk's score does not change."""
    settings, store, emb, lex, hr, _ = home_parts
    r = make(home_parts)
    everything = dict(lex.search(QUERY, 1000))
    scoped = lex.search(QUERY, 10, doc_ids=hr)
    assert scoped and all(everything[cid] == score for cid, score in scoped)
    assert {store.chunk_doc_ids([c])[c] for c, _ in scoped} <= set(hr)
    assert lex.search(QUERY, 10, doc_ids=[]) == [] and r.bm25(QUERY, 10) == lex.search(QUERY, 10, max_df=0.5)


def test_a_wide_scope_fetches_more_candidates_then_keeps_its_own(home_parts, monkeypatch):
    monkeypatch.setattr(scope_mod, "EXACT_MAX", 0)  # half the corpus is "wide" here
    r = make(home_parts)
    top = r.rank(QUERY)
    assert "b" not in _docs(top)  # a/ outranks b/: the unscoped candidates hold none of b/
    sc = r.scope({"source_prefix": "/corpus/b/"})
    assert sc.chunk_ids is None and sc.fetch(10) > 10
    res = r.retrieve(QUERY, filters={"source_prefix": "/corpus/b/"}, use_cache=False)
    assert res.candidates and _docs(res.candidates) == {"b"}
    # each search kept its `candidates` best of b/ (what a narrow scope's searches hand fusion too)
    assert max(h.bm25_rank or 0 for h in res.candidates) == max(h.vector_rank or 0 for h in res.candidates) == 10


def test_a_scope_of_every_document_is_the_unscoped_ranking(home_parts, monkeypatch):
    r = make(home_parts)
    sig = lambda hits: [(h.chunk_id, h.fused, h.bm25_rank, h.vector_rank) for h in hits]  # noqa: E731
    unscoped = sig(r.rank(QUERY))
    monkeypatch.setattr(scope_mod, "EXACT_MAX", 0)
    assert r.scope({"source_prefix": "/"}).chunk_ids is None
    assert sig(r.rank(QUERY, filters={"source_prefix": "/"})) == unscoped


def test_no_filters_never_plans_a_scope(home_parts, monkeypatch):
    """Unscoped questions take the path they took before scopes: no scope query, no filtered search."""
    settings, store, emb, lex = home_parts[:4]
    r = make(home_parts)
    before = [(h.chunk_id, h.fused) for h in r.rank(QUERY)]
    monkeypatch.setattr(type(store), "scope_documents", lambda *a, **k: pytest.fail("planned a scope"))
    real_search = lex.search

    def search(*a, **kw):
        assert "doc_ids" not in kw
        return real_search(*a, **kw)

    monkeypatch.setattr(lex, "search", search)
    for filters in (None, {}, {"source_prefix": "", "after": None}):
        assert [(h.chunk_id, h.fused) for h in r.rank(QUERY, filters=filters)] == before
        assert r.retrieve(QUERY, filters=filters, use_cache=False).hits


def test_the_cache_keeps_scopes_apart(home_parts):
    settings, store, emb, lex, hr, _ = home_parts
    r = make(home_parts)
    everything = r.retrieve(QUERY)
    scoped = r.retrieve(QUERY, filters={"doc_ids": hr})
    assert not scoped.cached and _docs(scoped.hits) == {"hr"} and "hr" not in _docs(everything.hits)
    assert r.retrieve(QUERY, filters={"doc_ids": list(reversed(hr))}).cached  # the same scope, however written
    assert r.retrieve(QUERY, filters={"doc_ids": np.array(hr + hr[:1])}).cached
    other = r.retrieve(QUERY, filters={"doc_ids": hr[:1]})
    assert not other.cached and [h.doc_id for h in other.hits] == [hr[0]]
    assert r.retrieve(QUERY).cached
    assert len({_filter_key(normalise_filters(f)) for f in (None, {"doc_ids": hr}, {"doc_ids": hr[:1]},
                                                             {"source_prefix": "/corpus/hr/"})}) == 4


def test_date_filters_and_an_empty_scope(home_parts):
    settings, store, emb, lex, hr, dated = home_parts
    r = make(home_parts)
    res = r.retrieve("canteen summer", filters={"after": "2024-01-01"}, use_cache=False)
    assert [h.doc_id for h in res.hits] == [dated]
    assert r.retrieve("canteen summer", filters={"before": "2024-01-01"}, use_cache=False).hits == []
    assert r.retrieve(QUERY, filters={"doc_ids": []}, use_cache=False).hits == []  # no document: nothing found
    assert r.retrieve(QUERY, filters={"doc_ids": [10**9]}, use_cache=False).hits == []


@pytest.mark.parametrize("filters, why", [
    ({"colour": "red"}, "unknown filter"), ({"doc_ids": "12"}, "list of document ids"),
    ({"doc_ids": [1, "2"]}, "integers"), ({"doc_ids": [True]}, "integers"), ({"source_prefix": 3}, "text"),
    ({"after": ["2024"]}, "text"), (["doc_ids"], "mapping")])
def test_bad_filters_are_input_errors(home_parts, filters, why):
    r = make(home_parts)
    with pytest.raises(InputError, match=why):
        r.retrieve(QUERY, filters=filters)


def test_the_narrow_threshold_grows_with_the_store():
    """A scope under EXACT_MAX chunks is always narrow; above, narrow while the wide path would need more than
    WIDE_FETCH_MAX candidates to expect OVERFETCH x its own."""
    class FakeStore:
        def __init__(self, docs):
            self.docs = docs

        def scope_documents(self, **kw):
            return self.docs

        def chunk_ids_of_documents(self, ids):
            return list(range(sum(n for d, n in self.docs if d in ids)))

    small = scope_mod.plan(FakeStore([(1, 5000)]), {"doc_ids": (1,)}, candidates=50, total=100_000)
    assert small.chunk_ids is not None and len(small.chunk_ids) == 5000
    wide = scope_mod.plan(FakeStore([(1, 5001)]), {"doc_ids": (1,)}, candidates=50, total=100_000)
    assert wide.chunk_ids is None and wide.fetch(50) == 2000
    at_1m = scope_mod.plan(FakeStore([(1, 20_000)]), {"doc_ids": (1,)}, candidates=50, total=1_000_000)
    assert at_1m.chunk_ids is not None  # 2% of 1M: the wide path would need 5000 candidates
    whole = scope_mod.plan(FakeStore([(1, 100), (2, 100)]), {"doc_ids": (1, 2)}, candidates=50, total=200)
    assert whole.fetch(50) == 50


# -- references (serve's "in": the store only) -------------------------------------------------------------------
def test_references_resolve_against_the_store(home_parts, tmp_path):
    settings, store, emb, lex, hr, dated = home_parts
    leave = hr[0]
    assert stored_documents(store, [str(leave)]) == [leave]
    assert stored_documents(store, ["/corpus/hr/leave.md"]) == [leave]
    assert stored_documents(store, ["/corpus/hr"]) == sorted(hr) == stored_documents(store, ["/corpus/hr/"])
    assert stored_documents(store, ["/corpus//hr/./", f" {dated} "]) == sorted(hr + [dated])
    assert stored_documents(store, ["/corpus/hr", "/corpus/hr/sick.md"]) == sorted(hr)  # counted once
    with pytest.raises(UnknownDocument, match="'/corpus/h'") as e:  # a prefix of a name is not a folder
        stored_documents(store, ["/corpus/hr", "/corpus/h"])
    assert e.value.exit_code == 2 and e.value.ref == "/corpus/h"
    for ref in ("hr", "999999", "99999999999999999999999", "/nowhere", "corpus/hr"):  # relative: no cwd here
        with pytest.raises(UnknownDocument):
            stored_documents(store, [ref])
    with pytest.raises(InputError, match="empty"):
        stored_documents(store, ["  "])
    empty = Store(tmp_path / "empty.db")
    with pytest.raises(NothingIngested):
        stored_documents(empty, ["/corpus/hr"])
    empty.close()


def test_a_corpus_files_rows_are_one_reference(settings, tmp_path):
    store = Store(tmp_path / "beir.db")
    emb = FakeEmbedder()
    ids = [_put(store, emb, f"/data/corpus.jsonl#{i}", [f"row {i}"], kind="beir") for i in ("a", "b")]
    _put(store, emb, "/data/corpus.jsonl.bak", ["not a row"])
    assert stored_documents(store, ["/data/corpus.jsonl"]) == ids
    store.close()
