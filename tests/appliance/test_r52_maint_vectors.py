"""Round 52: an edited or removed document's old rows in HOME/vectors/ (the vector index of a large home) kept their
float32 vector and codes until compaction (a third of the rows dead) or a rebuild of every row (1.4-2.4 s at 32k
chunks): an erased text's embedding stayed on disk. An update now zeroes them in place; they were, and are, never
returned; `docs find` counts only dead rows that still hold something (an older release's)."""

from __future__ import annotations

import numpy as np

from ragtune.appliance.erasure_check import dead_vector_rows
from ragtune.appliance.signcodes import WORDS
from ragtune.appliance.store import EMBED_DIM
from ragtune.appliance.vectorfiles import zero_rows
from ragtune.appliance.vectors import VectorIndex

from .test_vectors import Chunks, _unit


def _files(root, st):
    rows = np.fromfile(root / st["rows_file"], dtype=np.float32).reshape(-1, EMBED_DIM)
    bits = np.fromfile(root / st["bits_file"], dtype=np.uint64).reshape(-1, WORDS)
    i8 = np.fromfile(root / st["i8_file"], dtype=np.int8).reshape(-1, EMBED_DIM)
    return rows, bits, i8


def test_a_removed_documents_rows_are_zeroed_without_a_rebuild_and_never_returned(tmp_path):
    rng = np.random.default_rng(5)
    chunks = Chunks(tmp_path / "s.db")
    root = tmp_path / "vectors"
    try:
        keep = chunks.add(_unit(rng, 40))
        gone_vecs = _unit(rng, 6)
        gone = chunks.add(gone_vecs)
        idx = VectorIndex(root)
        idx.ensure(chunks.store)
        gone_ids = chunks.ids_of(gone)
        chunks.delete(gone)  # an erasure (docs remove), or an edit's old chunks
        assert idx.sync(chunks.store)["action"] == "update"  # no rebuild of every row
        idx.ensure(chunks.store)
        st = idx.state
        rows, bits, i8 = _files(root, st)
        dead = np.flatnonzero(np.load(root / st["ids_file"]) < 0)
        assert len(dead) == 6 and st["rows"] == 46
        assert not rows[dead].any() and not bits[dead].any() and not i8[dead].any()  # was: the vectors, whole
        for v in gone_vecs:  # never returned (before, and now)
            assert not {c for c, _ in idx.knn(v, 46)} & set(gone_ids)
            assert not {c for c, _ in idx.ann_knn(v, 46)} & set(gone_ids)
        live = np.flatnonzero(np.load(root / st["ids_file"]) >= 0)
        assert np.abs(np.linalg.norm(rows[live], axis=1) - 1).max() < 1e-5  # the others untouched
        assert set(idx.ids[idx.ids >= 0].tolist()) == set(chunks.ids_of(keep))
        assert dead_vector_rows(root) == 0  # `docs find`: nothing left to name
    finally:
        chunks.store.close()


def test_docs_find_still_names_dead_rows_an_older_release_left_whole(tmp_path):
    rng = np.random.default_rng(6)
    chunks = Chunks(tmp_path / "s.db")
    root = tmp_path / "vectors"
    try:
        chunks.add(_unit(rng, 40))
        gone = chunks.add(_unit(rng, 3))
        idx = VectorIndex(root)
        idx.ensure(chunks.store)
        before = {k: (root / idx.state[k]).read_bytes() for k in ("rows_file", "bits_file", "i8_file")}
        chunks.delete(gone)
        idx.sync(chunks.store)
        for k, data in before.items():  # the files as a release before round 52 left them: dead rows whole
            (root / idx._read_state()[k]).write_bytes(data)
        assert dead_vector_rows(root) == 3
    finally:
        chunks.store.close()


def test_zero_rows_writes_runs_of_rows_and_nothing_else(tmp_path):
    f = tmp_path / "r.bin"
    f.write_bytes(bytes(range(1, 9)) * 10)  # 10 rows of 8 bytes
    zero_rows(f, np.array([7, 2, 3, 3, 9]), 8)
    rows = np.frombuffer(f.read_bytes(), dtype=np.uint8).reshape(10, 8)
    assert [i for i in range(10) if not rows[i].any()] == [2, 3, 7, 9]
    assert rows[[0, 1, 4, 5, 6, 8]].all()
    zero_rows(f, np.array([], dtype=np.int64), 8)  # nothing removed: the file is not even opened for writing
    assert len(f.read_bytes()) == 80
