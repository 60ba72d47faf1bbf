"""Vector search: exact cosine KNN over the stored unit vectors of `chunk_vec`, and reads of stored vectors.

`VectorSearch` picks the backend: sqlite-vec answers directly for small stores; larger ones (and `backend =
"snapshot"`) go through `VectorSnapshot`, a memory-mapped float32 copy of `chunk_vec` under HOME/vectors/ keyed by
the store's index version. Both are exact, so results are identical; the snapshot is only faster.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .atomic import atomic_path
from .store import EMBED_DIM

# Below this many vectors sqlite-vec's own brute-force scan is fast enough (and needs no snapshot on disk).
SNAPSHOT_MIN_CHUNKS = 5000


class VectorSnapshot:
    """A float32 (n, dim) matrix + sorted chunk ids, copied from `chunk_vec` and keyed by `store.index_version`.

    Why: sqlite-vec 0.1.9's vec0 KNN is a brute-force scan that decodes every row per query (~0.4 s at 100k x
    384 on a loaded 2-core box); the same exact search as one BLAS mat-vec over a memory-mapped matrix is ~10x
    faster. vec0 stays the source of truth; the snapshot is derived data under HOME/vectors/, rebuilt (in one
    read transaction, written to a temp dir and renamed into place) when the index version moves on."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.version: int | None = None
        self.ids: np.ndarray = np.zeros(0, dtype=np.int64)
        self.matrix: np.ndarray = np.zeros((0, EMBED_DIM), dtype=np.float32)

    def _dir(self, version: int) -> Path:
        return self.root / f"v{version}"

    def ensure(self, store: Any) -> None:
        version = store.index_version
        if self.version == version:
            return
        d = self._dir(version)
        if not (d / "ids.npy").exists():
            self._build(store, version)
        try:
            self.ids = np.load(d / "ids.npy")
            self.matrix = np.load(d / "vecs.npy", mmap_mode="r")
        except (OSError, ValueError):  # damaged (e.g. a crash mid-copy by an old version): rebuild once
            import shutil

            shutil.rmtree(d, ignore_errors=True)
            self._build(store, version)
            self.ids = np.load(d / "ids.npy")
            self.matrix = np.load(d / "vecs.npy", mmap_mode="r")
        self.version = version

    def _build(self, store: Any, version: int) -> None:
        import shutil

        # written beside its final name and renamed into place; a concurrent build that finished first wins
        with atomic_path(self._dir(version), folder=True, keep_existing=True) as tmp:
            with store.transaction():  # one consistent read of count + rows
                n = store.count_vectors()
                ids = np.zeros(n, dtype=np.int64)
                mat = np.lib.format.open_memmap(tmp / "vecs.npy", mode="w+", dtype=np.float32, shape=(n, EMBED_DIM))
                i = 0
                for rowid, blob in store.iter_vectors():
                    if i >= n:
                        break
                    ids[i] = rowid
                    mat[i] = np.frombuffer(blob, dtype=np.float32)
                    i += 1
            norms = np.linalg.norm(mat[:i], axis=1, keepdims=True)
            mat[:i] /= np.maximum(norms, 1e-12)  # cosine == dot product
            mat.flush()
            del mat
            np.save(tmp / "ids.npy", ids[:i])
        for old in self.root.glob("v*"):
            if old.name != f"v{version}":
                shutil.rmtree(old, ignore_errors=True)

    def knn(self, q: np.ndarray, k: int) -> list[tuple[int, float]]:
        n = len(self.ids)
        if n == 0:
            return []
        sims = np.asarray(self.matrix[:n] @ np.asarray(q, dtype=np.float32))
        k = min(k, n)
        top = np.argpartition(-sims, k - 1)[:k] if k < n else np.arange(n)
        top = top[np.lexsort((self.ids[top], -sims[top]))]
        return [(int(self.ids[j]), float(sims[j])) for j in top]

    def get(self, chunk_ids: Sequence[int]) -> np.ndarray:
        out = np.zeros((len(chunk_ids), self.matrix.shape[1]), dtype=np.float32)
        if not len(self.ids) or not len(chunk_ids):
            return out
        want = np.asarray(chunk_ids, dtype=np.int64)
        pos = np.clip(np.searchsorted(self.ids, want), 0, len(self.ids) - 1)
        found = self.ids[pos] == want
        out[found] = self.matrix[pos[found]]
        return out


class VectorSearch:
    """Exact KNN over one store's vectors. `backend`: "auto" (a snapshot once the store holds
    SNAPSHOT_MIN_CHUNKS chunks, sqlite-vec below), "vec0" or "snapshot" (forced, for tests and benchmarks)."""

    def __init__(self, store: Any, root: Path, backend: str = "auto"):
        self.store = store
        self.root = Path(root)
        self.backend = backend
        self._snapshot: VectorSnapshot | None = None

    def snapshot(self) -> VectorSnapshot | None:
        """The KNN snapshot when it is in use (see VectorSnapshot), else None (sqlite-vec answers directly)."""
        if self.backend == "vec0":
            return None
        if self.backend == "auto" and (self._snapshot is None or self._snapshot.version != self.store.index_version):
            if self.store.count_chunks() < SNAPSHOT_MIN_CHUNKS:
                return None
        if self._snapshot is None:
            self._snapshot = VectorSnapshot(self.root)
        self._snapshot.ensure(self.store)
        return self._snapshot

    def knn(self, qv: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the nearest chunks: exact KNN, by sqlite-vec over vec0 or by one
        mat-vec over the memory-mapped snapshot of it (large stores)."""
        snap = self.snapshot()
        if snap is not None:
            return snap.knn(qv, int(limit))
        return [(cid, 1.0 - d) for cid, d in self.store.vector_knn(qv, int(limit))]  # cosine distance -> similarity

    def vectors_of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """Stored unit vectors of the chunks, in order; zeros where a chunk has no vector. From the snapshot when
        one is in use; else one vec0 point lookup per id (vec0 answers `rowid IN (…)` with a full scan)."""
        snap = self.snapshot() if chunk_ids else None
        if snap is not None:
            return snap.get(chunk_ids)
        out = np.zeros((len(chunk_ids), EMBED_DIM), dtype=np.float32)
        for i, cid in enumerate(chunk_ids):
            blob = self.store.vector_blob(cid)
            if blob is not None:
                v = np.frombuffer(blob, dtype=np.float32)
                out[i, : min(len(v), out.shape[1])] = v[: out.shape[1]]
        return out
