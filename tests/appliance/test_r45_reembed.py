"""Changing the embedding setup of a home in use (round 45): every stored document names the embedder its vectors
came from (meta `embed_model`); vector search given the query embedder's model_id leaves out the vectors another
embedder made (a switched `[embed] model` before its re-ingest, or a re-ingest stopped half-way: cosines across two
models' spaces rank at random); a chunking change under the same embedder keeps the vectors of chunks whose token
ids did not change; a home stored before the meta said gets it on its next ingest, nothing embedded."""

from __future__ import annotations

import dataclasses

import numpy as np

from ragtune.appliance.embed import MODEL_META, chunks_of_model, model_key, other_model_note, stored_models
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.appliance.vectors import VectorSearch

from .ingest_helpers import FakeEmbedder

ROT = np.linalg.qr(np.random.default_rng(7).standard_normal((384, 384)))[0].astype(np.float32)


class OtherEmbedder(FakeEmbedder):
    """Another model of the same size: the fake's vectors turned by a fixed rotation (its own space)."""

    model_id = "other-embedder-0002"

    def _vec(self, text: str) -> np.ndarray:
        return (ROT @ super()._vec(text)).astype(np.float32)


def _docs(folder, n=6):
    folder.mkdir(exist_ok=True)
    topics = ["lighthouse lamp fog", "bakery oven sourdough", "volcano magma ash", "orchard apple cider",
              "railway signal freight", "observatory telescope comet"]
    for i in range(n):
        t = topics[i % len(topics)]
        (folder / f"d{i}.md").write_text(f"# Report {i}\n\nThe {t} report number {i}. " + f"More on the {t}. " * 40
                                         + "\n", encoding="utf-8")
    (folder / "short.md").write_text("# Note\n\nA short note on the harbour crane.\n", encoding="utf-8")
    return folder


def _search(settings, store, backend):
    return VectorSearch(store, settings.home.root / "vectors", backend)


def _doc_of(store, hits):
    got = store.chunk_doc_ids([c for c, _ in hits])
    return {store.document(got[c])["path"].rsplit("/", 1)[-1] for c, _ in hits}


def test_each_document_names_the_embedder_of_its_vectors(settings, tmp_path):
    fake = FakeEmbedder()
    ingest_paths(settings, [_docs(tmp_path / "docs")], embedder=fake)
    with Store(settings.home.db_path) as s:
        assert stored_models(s) == {model_key(fake.model_id): 7}
        assert chunks_of_model(s, fake.model_id) is None  # nothing to leave out
        assert other_model_note(s, fake.model_id) is None


def test_a_switched_embedder_leaves_the_old_vectors_out_of_vector_search(settings, tmp_path):
    docs = _docs(tmp_path / "docs")
    fake, other = FakeEmbedder(), OtherEmbedder()
    ingest_paths(settings, [docs], embedder=fake)
    with Store(settings.home.db_path) as s:
        for backend in ("vec0", "exact", "ann"):
            vs = _search(settings, s, backend)
            q = other.encode_query("volcano magma ash")
            assert vs.knn(q, 5)  # unnamed: as before (every vector)
            assert vs.knn(q, 5, model=other.model_id) == []  # every vector is the old model's
            assert vs.knn_among(q, [1, 2, 3], 5, model=other.model_id) == []
            assert _doc_of(s, vs.knn(fake.encode_query("volcano magma ash"), 1, model=fake.model_id)) == {"d2.md"}
            vs.close()
        note = other_model_note(s, other.model_id, "rot")
    assert note and note.startswith("7 of 7 documents have vectors from another embedder than [embed] model (rot)")
    assert "`ragtune ingest`" in note


def test_a_half_done_reembedding_serves_only_the_new_models_vectors(settings, tmp_path):
    """A re-ingest stopped half-way (here: only some files given) leaves two models' vectors side by side."""
    docs = _docs(tmp_path / "docs")
    fake, other = FakeEmbedder(), OtherEmbedder()
    ingest_paths(settings, [docs], embedder=fake)
    s2 = ingest_paths(settings, [docs / "d2.md", docs / "d3.md"], embedder=other)
    assert (s2.updated, s2.chunks_reused) == (2, 0)  # another model: nothing reused
    with Store(settings.home.db_path) as s:
        assert stored_models(s) == {model_key(fake.model_id): 5, model_key(other.model_id): 2}
        new = chunks_of_model(s, other.model_id)
        assert new and _doc_of(s, [(c, 0) for c in new]) == {"d2.md", "d3.md"}
        for backend in ("vec0", "exact", "ann"):
            vs = _search(settings, s, backend)
            hits = vs.knn(other.encode_query("orchard apple cider"), 10, model=other.model_id)
            assert hits and _doc_of(s, hits) <= {"d2.md", "d3.md"}
            assert "d2.md" not in _doc_of(s, vs.knn(fake.encode_query("volcano magma ash"), 10, model=fake.model_id))
            vs.close()
        assert other_model_note(s, other.model_id).startswith("5 of 7 documents")
    ingest_paths(settings, [docs], embedder=other)  # the next full ingest finishes it
    with Store(settings.home.db_path) as s:
        assert stored_models(s) == {model_key(other.model_id): 7} and chunks_of_model(s, other.model_id) is None


def test_a_chunking_change_keeps_the_vectors_of_chunks_whose_token_ids_did_not_change(settings, tmp_path):
    docs = _docs(tmp_path / "docs")
    fake = FakeEmbedder()
    first = ingest_paths(settings, [docs], embedder=fake)
    changed = dataclasses.replace(settings, ingest=dataclasses.replace(settings.ingest, overlap_tokens=20))
    encoded = fake.encoded
    s = ingest_paths(changed, [docs], embedder=fake)
    assert s.updated == 7 and s.chunks_reused >= 7  # each document's first chunk (and the short note) at least
    assert s.chunks_embedded == fake.encoded - encoded == s.chunks_replaced - s.chunks_reused
    assert s.chunks_embedded < first.chunks_embedded
    # the kept vectors are what embedding gives: a search finds the same document as a fresh home would
    with Store(changed.home.db_path) as st:
        vs = _search(changed, st, "exact")
        assert _doc_of(st, vs.knn(fake.encode_query("observatory telescope comet"), 1, model=fake.model_id)) \
            == {"d5.md"}
        vs.close()


def test_switching_back_to_the_first_embedder_embeds_again(settings, tmp_path):
    docs = _docs(tmp_path / "docs", n=2)
    fake, other = FakeEmbedder(), OtherEmbedder()
    ingest_paths(settings, [docs], embedder=fake)
    ingest_paths(settings, [docs], embedder=other)
    s = ingest_paths(settings, [docs], embedder=fake)
    assert s.updated == 3 and s.chunks_reused == 0 and s.chunks_embedded == s.chunks_added  # old vectors were replaced


def test_a_home_stored_before_the_meta_said_gets_it_on_its_next_ingest(settings, tmp_path):
    docs = _docs(tmp_path / "docs", n=2)
    fake = FakeEmbedder()
    ingest_paths(settings, [docs], embedder=fake)
    with Store(settings.home.db_path) as s:
        for d in s.documents():
            s.set_document_meta(d["id"], {k: v for k, v in d["meta"].items() if k != MODEL_META})
        assert stored_models(s) == {None: 3}
        assert chunks_of_model(s, "anything") is None  # not recorded: nothing can be left out
        version = s.index_version
    encoded = fake.encoded
    out = ingest_paths(settings, [docs / "d0.md"], embedder=fake)  # one file: every document gets it
    assert out.unchanged == 1 and fake.encoded == encoded
    with Store(settings.home.db_path) as s:
        assert stored_models(s) == {model_key(fake.model_id): 3} and s.index_version == version


def _strip_models(settings, index_key=None):
    with Store(settings.home.db_path) as s:
        for d in s.documents():
            meta = {k: v for k, v in d["meta"].items() if k != MODEL_META}
            s.set_document_meta(d["id"], {**meta, "index_key": index_key or meta["index_key"]})


def test_a_home_stored_before_the_meta_said_under_another_chunking_is_this_models(settings, tmp_path):
    docs = _docs(tmp_path / "docs", n=2)
    fake = FakeEmbedder()
    small = dataclasses.replace(settings, ingest=dataclasses.replace(settings.ingest, chunk_tokens=120,
                                                                     overlap_tokens=10))
    ingest_paths(small, [docs], embedder=fake)
    _strip_models(settings)
    s = ingest_paths(settings, [docs / "short.md"], embedder=fake)  # 200/40 now: the stored key is 120/10's
    assert s.updated == 1 and s.chunks_reused == 1  # same model: its vector kept
    with Store(settings.home.db_path) as st:
        assert stored_models(st) == {model_key(fake.model_id): 3}


def test_a_home_stored_before_the_meta_said_by_another_model_is_left_out_until_reingested(settings, tmp_path):
    docs = _docs(tmp_path / "docs", n=2)
    fake, other = FakeEmbedder(), OtherEmbedder()
    ingest_paths(settings, [docs], embedder=fake)
    _strip_models(settings)
    ingest_paths(settings, [docs / "d0.md"], embedder=other)  # a switched model, a re-ingest that stopped early
    with Store(settings.home.db_path) as s:
        assert stored_models(s) == {"unknown": 2, model_key(other.model_id): 1}
        vs = _search(settings, s, "exact")
        hits = vs.knn(other.encode_query("lighthouse lamp fog"), 10, model=other.model_id)
        assert hits and _doc_of(s, hits) == {"d0.md"}
        vs.close()


def test_a_damaged_meta_counts_as_not_recorded(settings, tmp_path):
    docs = _docs(tmp_path / "docs", n=1)
    fake, other = FakeEmbedder(), OtherEmbedder()
    ingest_paths(settings, [docs], embedder=fake)
    ingest_paths(settings, [docs / "d0.md"], embedder=other)
    with Store(settings.home.db_path) as s:
        with s.transaction():
            s.conn.execute("UPDATE documents SET meta = '{oops' WHERE path LIKE '%short.md'")
        assert stored_models(s) == {None: 1, model_key(other.model_id): 1}
        assert chunks_of_model(s, other.model_id) is None


def test_a_query_vector_of_another_size_is_a_model_error_not_a_damaged_database(settings, tmp_path):
    import pytest

    from ragtune.appliance.errors import ModelError

    ingest_paths(settings, [_docs(tmp_path / "docs", n=1)], embedder=FakeEmbedder())
    with Store(settings.home.db_path) as s:
        for backend in ("vec0", "exact", "ann"):
            vs = _search(settings, s, backend)
            for call in (lambda: vs.knn(np.ones(256, np.float32), 3), lambda: vs.knn_among(np.ones(768), [1], 3)):
                with pytest.raises(ModelError) as e:
                    call()
                assert "makes " in e.value.message and "384-dim" in e.value.message
                assert "ragtune config set embed.model" in e.value.hint
            vs.close()


def test_an_embedder_of_another_size_says_how_to_set_it_back(settings, tmp_path):
    import pytest

    from ragtune.appliance.errors import ModelError

    class Wide(FakeEmbedder):
        dim = 768

    with pytest.raises(ModelError) as e:
        ingest_paths(settings, [_docs(tmp_path / "docs", n=1)], embedder=Wide())
    assert "makes 768-dim vectors" in e.value.message and "embed.model" in e.value.hint
