"""Vector search (ragtune/appliance/vectors.py) over a real store: sqlite-vec and the memory-mapped snapshot give
the same exact answers; the snapshot follows the index version and is rebuilt when damaged."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from ragtune.appliance.store import EMBED_DIM, Store
from ragtune.appliance.vectors import SNAPSHOT_MIN_CHUNKS, VectorSearch


@dataclass
class _Chunk:
    ord: int
    text: str
    start_char: int = 0
    end_char: int = 1
    n_tokens: int = 1
    sha256: str = "h"


@pytest.fixture
def store(tmp_path):
    rng = np.random.default_rng(0)
    vecs = rng.standard_normal((40, EMBED_DIM)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    with Store(tmp_path / "v.db") as s:
        for d in range(4):
            s.put_document(path=f"/d{d}.md", sha256=str(d), title="", kind="md", size=1, doc_date=None,
                           ingested_at=0.0, meta="{}", chunks=[_Chunk(i, f"c{d}.{i}") for i in range(10)],
                           vectors=vecs[d * 10:(d + 1) * 10])
        s.bump_index_version()
        yield s, vecs


def test_vec0_and_snapshot_agree(store, tmp_path):
    s, vecs = store
    q = vecs[7] + 0.1 * vecs[23]
    q /= np.linalg.norm(q)
    exact = VectorSearch(s, tmp_path / "vectors", backend="vec0")
    snap = VectorSearch(s, tmp_path / "vectors", backend="snapshot")
    a, b = exact.knn(q, 5), snap.knn(q, 5)
    assert [c for c, _ in a] == [c for c, _ in b] and a[0][0] == 8  # chunk ids start at 1
    assert np.allclose([x for _, x in a], [x for _, x in b], atol=1e-5)
    ids = [1, 8, 40, 999]
    assert np.allclose(exact.vectors_of(ids), snap.vectors_of(ids), atol=1e-6)
    assert not exact.vectors_of(ids)[3].any()  # no such chunk: zeros
    assert exact.snapshot() is None and snap.snapshot() is not None


def test_auto_uses_vec0_below_the_threshold(store, tmp_path):
    s, _ = store
    assert s.count_chunks() < SNAPSHOT_MIN_CHUNKS
    assert VectorSearch(s, tmp_path / "vectors").snapshot() is None
    assert not (tmp_path / "vectors").exists()  # nothing written for a small store


def test_snapshot_follows_the_index_version_and_repairs_itself(store, tmp_path):
    s, vecs = store
    vs = VectorSearch(s, tmp_path / "vectors", backend="snapshot")
    first = vs.snapshot()
    v1 = first.version
    assert (tmp_path / "vectors" / f"v{v1}" / "vecs.npy").is_file()
    s.delete_document(1)
    s.bump_index_version()
    assert len(vs.snapshot().ids) == 30 and vs.snapshot().version == v1 + 1
    assert sorted(p.name for p in (tmp_path / "vectors").iterdir()) == [f"v{v1 + 1}"]  # the old one is gone
    (tmp_path / "vectors" / f"v{v1 + 1}" / "ids.npy").write_bytes(b"damaged")
    fresh = VectorSearch(s, tmp_path / "vectors", backend="snapshot")
    assert len(fresh.snapshot().ids) == 30  # rebuilt, not a crash
