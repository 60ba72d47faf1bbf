"""Round 46: vectors.py split along its reader / writer seam (vectorwrite.py holds sync, rebuild and update).
The names callers import from vectors.py stay there, and the writer's knobs are the same objects."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ragtune.appliance import vectors, vectorwrite

PUBLIC = ("ADD_BATCH", "ANN_MIN_CHUNKS", "ANN_PARAMS", "BACKENDS", "CANDIDATES", "CANDIDATES_MAX",
          "DEAD_SHARE_REBUILD", "EMBED_DIM", "FAR", "KEYS", "LOAD_ERRORS", "PARALLEL_MIN_ROWS", "REFIT_GROWTH",
          "RESCORE", "ROWS_PER_CANDIDATE", "SCAN_THREADS", "SCHEMA", "SCOPE_BLOCK", "STATE", "VectorIndex",
          "VectorSearch", "WORDS", "auto_beam", "check_query", "encode", "files_ok", "nearest", "read_state", "scan")


def test_vectors_keeps_every_public_name_after_the_split():
    missing = [n for n in PUBLIC if not hasattr(vectors, n)]
    assert not missing
    for n in ("ADD_BATCH", "DEAD_SHARE_REBUILD", "REFIT_GROWTH"):
        assert getattr(vectors, n) is getattr(vectorwrite, n)
    assert issubclass(vectors.VectorIndex, vectorwrite.IndexWriter)
    for method in ("sync", "_rebuild", "_update", "_read_state", "_files_ok", "_next_gen", "_cleanup"):
        assert callable(getattr(vectors.VectorIndex, method))


def test_both_halves_stay_under_the_module_size_limit():
    here = Path(vectors.__file__).parent
    for name in ("vectors.py", "vectorwrite.py"):
        assert len((here / name).read_text(encoding="utf-8").splitlines()) < 480, name


def test_writer_half_builds_what_the_reader_half_serves(tmp_path):
    """A rebuild then an update, through the split class, serve the same top hits as an exact scan."""
    from ragtune.appliance.store import Store

    rng = np.random.default_rng(46)
    store = Store(tmp_path / "db.sqlite")
    try:
        from ragtune.appliance.ingest.chunker import Chunk

        def add(doc: int, vecs: np.ndarray) -> None:
            chunks = [Chunk(ord=i, text=f"d{doc} c{i}", start_char=0, end_char=5, n_tokens=3) for i in range(len(vecs))]
            store.put_document(path=f"/d{doc}.md", sha256=f"{doc:064x}", title="", kind="md", size=0, doc_date=None,
                               ingested_at=0.0, meta="{}", chunks=chunks, vectors=vecs)

        def unit(n: int) -> np.ndarray:
            v = rng.standard_normal((n, vectors.EMBED_DIM)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)

        add(1, unit(300))
        idx = vectors.VectorIndex(tmp_path / "vectors")
        assert idx.sync(store)["action"] == "rebuild"
        add(2, unit(40))
        assert idx.sync(store)["action"] == "update"
        idx.ensure(store)
        q = unit(1)[0]
        assert [c for c, _ in idx.ann_knn(q, 5, 340)] == [c for c, _ in idx.knn(q, 5)]
        assert idx.live_rows == 340
    finally:
        store.close()
