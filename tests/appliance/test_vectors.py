"""VectorIndex: float32 rows + int8 HNSW that follow the store's vector change log (incremental, id reuse,
compaction), survive crashes (a marker that is right or forces a repair), and find what exact search finds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ragtune.appliance import vectors
from ragtune.appliance.store import EMBED_DIM, Store
from ragtune.appliance.vectors import VectorIndex, VectorSearch


def _unit(rng, n):
    v = rng.standard_normal((n, EMBED_DIM)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


class Chunks:
    """A real Store, written the way ingest writes it (one document per batch of chunks)."""

    def __init__(self, path):
        self.store = Store(path)
        self.n_docs = 0

    def add(self, vecs):
        self.n_docs += 1
        chunks = [type("C", (), dict(ord=i, text=f"chunk {i}", start_char=0, end_char=7, n_tokens=2,
                                     sha256=f"{self.n_docs}-{i}"))() for i in range(len(vecs))]
        doc_id, _ = self.store.put_document(path=f"/d/{self.n_docs}.md", sha256=str(self.n_docs), title="t",
                                            kind="md", size=1, doc_date=None, ingested_at=0.0, meta="{}",
                                            chunks=chunks, vectors=vecs)
        self.store.bump_index_version()
        return doc_id

    def ids_of(self, doc_id):
        return [cid for cid, d, _t, _x in self.store.iter_chunk_texts([doc_id])]

    def delete(self, doc_id):
        self.store.delete_document(doc_id)
        self.store.bump_index_version()


@pytest.fixture
def chunks(tmp_path):
    c = Chunks(tmp_path / "s.db")
    yield c
    c.store.close()


def _exact(store, q, k):
    return [cid for cid, _ in VectorSearch(store, store.path.parent / "unused", "vec0").knn(q, k)]


def test_build_update_remove_and_reuse_follow_the_store(chunks, tmp_path):
    rng = np.random.default_rng(0)
    a = chunks.add(_unit(rng, 40))
    idx = VectorIndex(tmp_path / "vectors")
    idx.ensure(chunks.store)
    assert idx.state["rows"] == 40 and idx.state["live"] == 40
    q = _unit(rng, 1)[0]
    assert [c for c, _ in idx.knn(q, 5)] == _exact(chunks.store, q, 5)
    assert [c for c, _ in idx.ann_knn(q, 5)] == _exact(chunks.store, q, 5)

    b = chunks.add(_unit(rng, 10))            # incremental add
    assert idx.sync(chunks.store)["action"] == "update"
    idx.ensure(chunks.store)
    assert idx.state["rows"] == 50
    chunks.delete(b)                            # removal: the next chunk ids reuse b's (largest ids)
    new = _unit(rng, 10)
    c = chunks.add(new)
    assert set(chunks.ids_of(c)) == set(range(41, 51))
    idx.ensure(chunks.store)                    # the reader syncs the files itself when they lag
    assert idx.state["live"] == 50
    for i, cid in enumerate(chunks.ids_of(c)):  # a reused id now has the new vector, found first
        top = idx.ann_knn(new[i], 1)[0]
        assert top[0] == cid and top[1] == pytest.approx(1.0, abs=1e-5)
        assert np.allclose(idx.get([cid])[0], new[i], atol=1e-6)
    for qv in _unit(rng, 5):
        assert [x for x, _ in idx.knn(qv, 8)] == _exact(chunks.store, qv, 8)
    assert chunks.store.vector_changes_since(0) == []  # applied entries are pruned ...
    assert chunks.store.vector_change_seq() == idx.state["seq"] > 0  # ... and the log's position stays
    assert idx.sync(chunks.store)["action"] == "none"
    assert VectorIndex(tmp_path / "vectors").sync(chunks.store)["action"] == "none"  # a new reader: nothing to do
    chunks.delete(a)                            # most rows dead -> compaction by rebuild
    assert idx.sync(chunks.store)["action"] == "rebuild"
    idx.ensure(chunks.store)
    assert idx.state["rows"] == 10 and sorted(idx.ids.tolist()) == sorted(chunks.ids_of(c))


def test_crash_leftovers_and_damage_are_repaired(chunks, tmp_path):
    rng = np.random.default_rng(1)
    chunks.add(_unit(rng, 30))
    root = tmp_path / "vectors"
    VectorIndex(root).sync(chunks.store)
    st = json.loads((root / "state.json").read_text())
    # a crashed update: extra rows past the marker and a next generation's files the marker never named
    with open(root / st["rows_file"], "ab") as fh:
        fh.write(b"\0" * EMBED_DIM * 4 * 3)
    (root / f"ann.{st['gen'] + 1}.usearch.tmp").write_bytes(b"partial")
    chunks.add(_unit(rng, 5))
    idx = VectorIndex(root)
    idx.ensure(chunks.store)
    assert idx.state["rows"] == 35 and not (root / f"ann.{st['gen'] + 1}.usearch.tmp").exists()
    assert (root / idx.state["rows_file"]).stat().st_size == 35 * EMBED_DIM * 4
    # damage: the marker names a file that is gone -> rebuilt on open
    (root / idx.state["ann_file"]).unlink()
    idx2 = VectorIndex(root)
    idx2.ensure(chunks.store)
    assert idx2.state["gen"] > idx.state["gen"] and idx2.state["live"] == 35
    # an unreadable marker -> rebuilt too
    (root / "state.json").write_text("{not json")
    idx3 = VectorIndex(root)
    idx3.ensure(chunks.store)
    assert idx3.state["live"] == 35
    q = _unit(rng, 1)[0]
    assert [c for c, _ in idx3.ann_knn(q, 5)] == _exact(chunks.store, q, 5)


def test_auto_switches_to_ann_for_large_stores_and_recall_holds(chunks, tmp_path, monkeypatch):
    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 100)
    rng = np.random.default_rng(2)
    # clustered vectors, like real embeddings (a low-dimensional structure plus noise)
    basis = _unit(rng, 24)
    data = rng.standard_normal((600, 24)).astype(np.float32) @ basis + 0.2 * _unit(rng, 600)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    for start in range(0, 600, 200):
        chunks.add(data[start:start + 200])
    vs = VectorSearch(chunks.store, tmp_path / "vectors")
    assert vs.index() is not None
    qs = rng.standard_normal((30, 24)).astype(np.float32) @ basis
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    hits = 0
    for q in qs:
        got = [c for c, _ in vs.knn(q, 10)]
        hits += len(set(got) & set(_exact(chunks.store, q, 10)))
    assert hits / (10 * len(qs)) >= 0.98
    assert np.allclose(vs.vectors_of([5, 7]), data[[4, 6]], atol=1e-6)


def test_other_graph_settings_force_a_rebuild(chunks, tmp_path, monkeypatch):
    chunks.add(_unit(np.random.default_rng(3), 20))
    idx = VectorIndex(tmp_path / "vectors")
    idx.ensure(chunks.store)
    gen = idx.state["gen"]
    monkeypatch.setattr(vectors, "ANN_PARAMS", dict(vectors.ANN_PARAMS, connectivity=32))
    again = VectorIndex(tmp_path / "vectors")
    again.ensure(chunks.store)
    assert again.state["gen"] > gen and again.state["ann"]["connectivity"] == 32


def test_vec0_exact_and_ann_agree_and_small_stores_write_nothing(chunks, tmp_path):
    rng = np.random.default_rng(4)
    vecs = _unit(rng, 40)
    chunks.add(vecs)
    q = vecs[7] + 0.1 * vecs[23]
    q /= np.linalg.norm(q)
    got = {b: VectorSearch(chunks.store, tmp_path / "vectors", b) for b in ("vec0", "exact", "ann")}
    results = {b: vs.knn(q, 5) for b, vs in got.items()}
    assert [c for c, _ in results["vec0"]] == [c for c, _ in results["exact"]] == [c for c, _ in results["ann"]]
    assert results["vec0"][0][0] == 8  # chunk ids start at 1
    assert np.allclose([x for _, x in results["vec0"]], [x for _, x in results["ann"]], atol=1e-5)
    ids = [1, 8, 40, 999]
    assert np.allclose(got["vec0"].vectors_of(ids), got["ann"].vectors_of(ids), atol=1e-6)
    assert not got["vec0"].vectors_of(ids)[3].any()  # no such chunk: zeros
    small = tmp_path / "small-vectors"
    assert VectorSearch(chunks.store, small).index() is None and not small.exists()  # auto: sqlite-vec, no files


def _beams_used(chunks, tmp_path, candidates):
    """The beam each ANN query of a 40-vector index used, with `candidates` configured."""
    vecs = _unit(np.random.default_rng(6), 40)
    chunks.add(vecs)
    vs = VectorSearch(chunks.store, tmp_path / "vectors", "ann", candidates=candidates)
    seen = []
    idx = vs.index()
    real = idx.ann_knn
    idx.ann_knn = lambda q, k, rescore=200: seen.append(rescore) or real(q, k, rescore)
    assert [c for c, _ in vs.knn(vecs[3], 5)][0] == 4
    return seen, idx


def test_the_ann_beam_is_a_setting(chunks, tmp_path):
    assert _beams_used(chunks, tmp_path, 10)[0] == [10]


def test_the_default_beam_grows_with_the_index(chunks, tmp_path):
    from ragtune.appliance.vectors import auto_beam

    assert [auto_beam(n) for n in (0, 100_000, 500_000, 750_000, 1_000_000, 5_000_000)] == [200, 200, 200, 300, 400, 400]
    seen, idx = _beams_used(chunks, tmp_path, 0)
    assert seen == [200] and idx.live_rows == 40


def test_opening_the_graph_before_the_embedder_does_not_crash():
    # onnxruntime imported after usearch's compiled module segfaults; a BM25-mode query opens the index before any
    # embedding. Own process: the crash would take the test runner down.
    import subprocess
    import sys

    code = "from ragtune.appliance.vectors import usearch_index\nusearch_index()\nimport onnxruntime\nprint('ok')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip() == "ok", r.stderr[-2000:]
