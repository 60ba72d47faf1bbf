"""VectorIndex: float32 rows + sign and int8 codes that follow the store's vector change log (incremental, id
reuse, compaction), survive crashes (a marker that is right or forces a repair), and find what exact search finds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ragtune.appliance import signcodes, vectors
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
    chunks.delete(b)                            # removal: b's ids are never given again (0015)
    new = _unit(rng, 10)
    c = chunks.add(new)
    assert set(chunks.ids_of(c)) == set(range(51, 61))
    idx.ensure(chunks.store)                    # the reader syncs the files itself when they lag
    assert idx.state["live"] == 50
    for i, cid in enumerate(chunks.ids_of(c)):  # each new id has its new vector, found first
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
    # a crashed update: extra rows and codes past the marker and a next generation's file the marker never named
    for key, size in (("rows_file", EMBED_DIM * 4), ("bits_file", signcodes.WORDS * 8), ("i8_file", EMBED_DIM)):
        with open(root / st[key], "ab") as fh:
            fh.write(b"\xff" * size * 3)
    (root / f"ids.{st['gen'] + 1}.npy").write_bytes(b"partial")
    chunks.add(_unit(rng, 5))
    idx = VectorIndex(root)
    idx.ensure(chunks.store)
    assert idx.state["rows"] == 35 and not (root / f"ids.{st['gen'] + 1}.npy").exists()
    for key, size in (("rows_file", EMBED_DIM * 4), ("bits_file", signcodes.WORDS * 8), ("i8_file", EMBED_DIM)):
        assert (root / idx.state[key]).stat().st_size == 35 * size
    q = _unit(rng, 1)[0]
    assert [c for c, _ in idx.ann_knn(q, 5)] == _exact(chunks.store, q, 5)
    # damage: the marker names a file that is gone, or one cut short -> rebuilt on open
    (root / idx.state["i8_file"]).unlink()
    idx2 = VectorIndex(root)
    idx2.ensure(chunks.store)
    assert idx2.state["gen"] > idx.state["gen"] and idx2.state["live"] == 35
    with open(root / idx2.state["bits_file"], "r+b") as fh:
        fh.truncate(34 * signcodes.WORDS * 8)
    idx3 = VectorIndex(root)
    idx3.ensure(chunks.store)
    assert idx3.state["gen"] > idx2.state["gen"] and idx3.state["live"] == 35
    # an unreadable marker -> rebuilt too, under a generation no file there has
    (root / "state.json").write_text("{not json")
    idx4 = VectorIndex(root)
    idx4.ensure(chunks.store)
    assert idx4.state["live"] == 35 and idx4.state["gen"] > idx3.state["gen"]
    assert [c for c, _ in idx4.ann_knn(q, 5)] == _exact(chunks.store, q, 5)


def _cut(path, size):
    with open(path, "r+b") as fh:
        fh.truncate(size)


@pytest.mark.parametrize("damage", [
    lambda root, st: _cut(root / st["ids_file"], 100),                  # cut inside the id array
    lambda root, st: _cut(root / st["ids_file"], 0),                    # empty: np.load raised EOFError ("Aborted!")
    lambda root, st: _cut(root / st["quant_file"], 50),                 # cut inside the mean and scale
    lambda root, st: np.save(root / st["ids_file"], np.arange(3, dtype=np.int64)),   # fewer ids than rows
    lambda root, st: np.save(root / st["ids_file"], np.zeros(30)),                    # other dtype
    lambda root, st: np.save(root / st["quant_file"], np.full((2, EMBED_DIM), np.nan, np.float32)),
    lambda root, st: (root / "state.json").write_text(json.dumps(dict(st, rows=-5))),
], ids=["ids-cut", "ids-empty", "quant-cut", "ids-short", "ids-dtype", "quant-nan", "rows-negative"])
def test_damaged_id_and_quantiser_files_are_rebuilt_not_raised(chunks, tmp_path, damage):
    """QA: a truncated ids/quant file reached the CLI as "internal error: ValueError" (an empty one as
    "Aborted!"): the size checks covered only the row and code files."""
    rng = np.random.default_rng(3)
    chunks.add(_unit(rng, 30))
    root = tmp_path / "vectors"
    VectorIndex(root).sync(chunks.store)
    damage(root, json.loads((root / "state.json").read_text()))
    search = VectorSearch(chunks.store, root, "ann")
    q = _unit(rng, 1)[0]
    assert [c for c, _ in search.knn(q, 5)] == _exact(chunks.store, q, 5)
    assert search.index().live_rows == 30
    search.close()


def test_a_load_that_still_fails_after_a_rebuild_is_a_store_error(chunks, tmp_path, monkeypatch):
    from ragtune.appliance.errors import StoreError

    chunks.add(_unit(np.random.default_rng(4), 10))
    idx = VectorIndex(tmp_path / "vectors")

    def unreadable(st):
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(idx, "_load", unreadable)
    with pytest.raises(StoreError, match="cannot build the vector index: .*Permission denied"):
        idx.ensure(chunks.store)


def test_vec0_orders_equal_similarities_by_chunk_id(chunks, tmp_path):
    """Copies of a vector come back in chunk-id order (fusion breaks ties by rank), not sqlite-vec's scan order.
    (The mat-vec backends can split such ties by float rounding: BLAS sums rows in different kernel lanes.)"""
    rng = np.random.default_rng(5)
    v = _unit(rng, 1)
    chunks.add(np.concatenate([_unit(rng, 3), v, v, v]))
    got = [c for c, _ in VectorSearch(chunks.store, tmp_path / "unused", "vec0").knn(v[0], 3)]
    assert got == sorted(got)
    assert set(got) == {c for c, _ in VectorSearch(chunks.store, tmp_path / "vectors", "exact").knn(v[0], 3)}


def test_auto_switches_to_ann_for_large_stores_and_recall_holds(chunks, tmp_path, monkeypatch):
    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 100)
    monkeypatch.setattr(vectors, "RESCORE", 40)  # both stages narrow: 2000 rows -> 200 by sign code -> 40 by int8
    rng = np.random.default_rng(2)
    # clustered vectors, like real embeddings (a low-dimensional structure plus noise)
    basis = _unit(rng, 24)
    data = rng.standard_normal((2000, 24)).astype(np.float32) @ basis + 0.2 * _unit(rng, 2000)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    for start in range(0, 2000, 500):
        chunks.add(data[start:start + 500])
    vs = VectorSearch(chunks.store, tmp_path / "vectors", candidates=200)
    idx = vs.index()
    assert idx is not None
    read = []
    real = idx.read_rows
    idx.read_rows = lambda rows: read.append(len(rows)) or real(rows)
    qs = rng.standard_normal((30, 24)).astype(np.float32) @ basis
    qs /= np.linalg.norm(qs, axis=1, keepdims=True)
    hits = 0
    for q in qs:
        got = [c for c, _ in vs.knn(q, 10)]
        hits += len(set(got) & set(_exact(chunks.store, q, 10)))
    assert hits / (10 * len(qs)) >= 0.98
    assert set(read) == {40}  # only the int8 stage's pick is read as float32
    assert np.allclose(vs.vectors_of([5, 7]), data[[4, 6]], atol=1e-6)


def test_updates_append_codes_with_the_fitted_mean_and_scale_and_removed_chunks_stay_gone(chunks, tmp_path):
    rng = np.random.default_rng(5)
    a = chunks.add(_unit(rng, 50))
    b = chunks.add(_unit(rng, 10))
    last = chunks.add(_unit(rng, 10))  # b's ids stay unused: new chunks reuse only the largest ids
    root = tmp_path / "vectors"
    idx = VectorIndex(root)
    idx.ensure(chunks.store)
    st = idx.state
    quant = np.load(root / st["quant_file"])
    assert np.allclose(quant[0], idx.rows.mean(axis=0), atol=1e-6)  # mean and scale fitted on the rows
    assert np.allclose(quant[1], 127 / np.abs(idx.rows).max(axis=0))
    gone = chunks.ids_of(b)[:10]
    gone_vecs = idx.get(gone)
    chunks.delete(b)
    new = _unit(rng, 20) * 3  # stored unnormalised: the index keeps unit rows
    c = chunks.add(new)
    assert idx.sync(chunks.store)["action"] == "update"
    idx.ensure(chunks.store)
    st2 = idx.state
    assert st2["rows"] == 90 and st2["live"] == 80 and st2["quant_file"] == st["quant_file"]
    assert st2["bits_file"] == st["bits_file"] and st2["i8_file"] == st["i8_file"]  # appended, not rewritten
    assert np.array_equal(np.load(root / st2["quant_file"]), quant)
    unit = new / np.linalg.norm(new, axis=1, keepdims=True)
    bits, q8 = signcodes.encode(unit, quant[0], quant[1])
    on_disk_bits = np.fromfile(root / st2["bits_file"], dtype=np.uint64).reshape(-1, signcodes.WORDS)
    on_disk_i8 = np.fromfile(root / st2["i8_file"], dtype=np.int8).reshape(-1, EMBED_DIM)
    assert np.array_equal(on_disk_bits[70:], bits) and np.array_equal(on_disk_i8[70:], q8)
    assert np.abs(q8.astype(int)).max() <= 127
    assert sorted(chunks.ids_of(c)) == sorted(idx.ids[70:].tolist()) and not set(chunks.ids_of(c)) & set(gone)
    # the removed rows keep their codes but never come back, even as their own exact nearest neighbours
    assert (idx.ids[50:60] == -1).all()
    for v in gone_vecs:
        for k, rescore in ((80, 0), (5, 10), (1, 1)):  # every live row; a few, where its own row would be first
            got = {cid for cid, _ in idx.ann_knn(v, k, rescore)}
            assert len(got) == k and not got & set(gone)
    assert not idx.get(gone).any()
    for i, cid in enumerate(chunks.ids_of(c)):
        assert idx.ann_knn(unit[i], 1)[0][0] == cid
    everyone = set(chunks.ids_of(a)) | set(chunks.ids_of(last)) | set(chunks.ids_of(c))
    assert everyone == {cid for cid, _ in idx.ann_knn(unit[0], 1000)}
    # grown past twice the rows mean and scale were fitted on (70): rebuilt, refitted, the dead rows compacted
    chunks.add(_unit(rng, 100))
    assert idx.sync(chunks.store)["action"] == "rebuild"
    idx.ensure(chunks.store)
    assert idx.state["fit_rows"] == idx.state["rows"] == idx.state["live"] == 180
    assert np.allclose(np.load(root / idx.state["quant_file"])[0], idx.rows.mean(axis=0), atol=1e-6)


def test_an_index_of_other_codes_is_rebuilt(chunks, tmp_path):
    chunks.add(_unit(np.random.default_rng(3), 20))
    root = tmp_path / "vectors"
    idx = VectorIndex(root)
    idx.ensure(chunks.store)
    st = idx.state
    # what the HNSW version wrote: its marker (no code files named) and its graph
    old = {k: st[k] for k in ("schema", "seq", "rows", "live", "gen", "rows_file", "ids_file", "dim")}
    old.update(ann_file=f"ann.{st['gen']}.usearch", ann={"library": "usearch", "dtype": "i8", "connectivity": 16,
                                                         "ef_add": 128})
    (root / old["ann_file"]).write_bytes(b"graph")
    (root / "state.json").write_text(json.dumps(old))
    again = VectorIndex(root)
    again.ensure(chunks.store)
    assert again.state["gen"] > st["gen"] and again.state["ann"] == vectors.ANN_PARAMS
    assert not list(root.glob("*.usearch")) and again.live_rows == 20
    q = _unit(np.random.default_rng(4), 1)[0]
    assert [c for c, _ in again.ann_knn(q, 5)] == _exact(chunks.store, q, 5)


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
    idx.ann_knn = lambda q, k, rescore=0: seen.append(rescore) or real(q, k, rescore)
    assert [c for c, _ in vs.knn(vecs[3], 5)][0] == 4
    return seen, idx


def test_the_ann_beam_is_a_setting(chunks, tmp_path):
    assert _beams_used(chunks, tmp_path, 10)[0] == [10]


def test_the_default_beam_grows_with_the_index(chunks, tmp_path):
    from ragtune.appliance.vectors import auto_beam

    assert [auto_beam(n) for n in (0, 100_000, 500_000, 1_000_000, 5_000_000)] == [1000, 1250, 2250, 3500, 3500]
    seen, idx = _beams_used(chunks, tmp_path, 0)
    assert seen == [1000] and idx.live_rows == 40 and auto_beam(40) == 1000


def test_the_candidate_selection_is_exact_with_a_sampled_threshold_and_a_split_scan(chunks, tmp_path, monkeypatch):
    rng = np.random.default_rng(8)

    def exact(d, want):  # the `want` smallest distances, ties to the lower row
        return np.sort(np.argsort(d, kind="stable")[:want])

    for n, want in ((50_000, 300), (100_000, 1000), (3000, 100)):  # sampled threshold, and too few rows for one
        d = rng.binomial(384, 0.5, size=n).astype(np.uint16)
        d[rng.integers(0, n, n // 10)] = signcodes.FAR  # removed rows
        assert np.array_equal(signcodes.nearest(d, want), exact(d, want))
    d = np.full(64_000, 200, dtype=np.uint16)  # a sample that promises too much: the full histogram decides
    d[: 16 * 20: 16] = 0
    d[5:2000:7] = 100
    assert np.array_equal(signcodes.nearest(d, 500), exact(d, 500))
    # the scan split over two threads finds what one thread finds
    vecs = _unit(rng, 300)
    chunks.add(vecs)
    chunks.delete(chunks.add(_unit(rng, 20)))
    one = VectorIndex(tmp_path / "vectors", threads=1)
    one.ensure(chunks.store)
    monkeypatch.setattr(vectors, "PARALLEL_MIN_ROWS", 10)
    two = VectorIndex(tmp_path / "vectors", threads=2)
    two.ensure(chunks.store)
    for q in vecs[:5]:
        qbits = np.packbits(q > one._mean).view(np.uint64)
        assert np.array_equal(one._hamming(qbits).copy(), two._hamming(qbits))
        assert one.ann_knn(q, 10, 50) == two.ann_knn(q, 10, 50)
    assert two._pool is not None and one._pool is None
    two.close()  # stops the helper thread; the next query starts it again
    assert two._pool is None and two.ann_knn(vecs[0], 10, 50) == one.ann_knn(vecs[0], 10, 50)
    two.close()
