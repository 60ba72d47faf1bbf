"""Vector search over the stored unit vectors of `chunk_vec` (sqlite-vec: the source of truth).

Backends, one result shape ((chunk id, cosine similarity), best first):
- "vec0": sqlite-vec's own exact scan. Small stores (< ANN_MIN_CHUNKS chunks) use it: nothing on disk to keep.
- "ann": a scan of every row's 384-bit sign code by Hamming distance proposes candidates (the search beam:
  `ann_candidates`, or `auto_beam` of the index's size); the rows' int8 codes keep the best RESCORE of those, and
  these are rescored exactly against the float32 rows. What "auto" uses from ANN_MIN_CHUNKS chunks up (recall@10
  vs exact: the comment on CANDIDATES).
- "exact": one mat-vec over the memory-mapped float32 rows (exact; for checks and side-by-side benchmarks).

`VectorIndex` (HOME/vectors/) holds the rows and their codes. Bit j of a row's sign code is row[j] > mean[j]
(WORDS uint64 words a row); its int8 code is round(row[j] * scale[j]) clipped to ±127, scale[j] = 127 / the
largest |row[j]|. Mean and scale are fitted at a rebuild and kept by updates, which encode new rows with them. It is
derived data that follows the store: writing it (sync, rebuild, update, crash safety) is vectorwrite.py's half of
the class; its files are vectorfiles.py's, the codes signcodes.py's. Readers memory-map what the marker names (or
read it into memory: the sign codes), so a writer never changes a page a reader has mapped.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import StoreError
from .signcodes import FAR, WORDS, encode, nearest, scan  # noqa: F401 (encode: importable here as before)
from .store import EMBED_DIM
from .vectorfiles import ANN_PARAMS, KEYS, LOAD_ERRORS, SCHEMA, STATE, files_ok, read_state  # noqa: F401 (API)
from .vectorfiles import check_query
from .vectorwrite import ADD_BATCH, DEAD_SHARE_REBUILD, REFIT_GROWTH, IndexWriter  # noqa: F401 (API)

BACKENDS = ("auto", "vec0", "exact", "ann")
# Below this many vectors sqlite-vec's own brute-force scan is fast enough (and needs nothing on disk).
ANN_MIN_CHUNKS = 5000
# The sign-code scan proposes C candidates (`ann_candidates`, or auto_beam); their int8 codes keep the best
# max(RESCORE, k), and only those are read as float32 rows (pread, one call a row: ~0.6 ms for 200 at 1M) and
# scored exactly.
# The int8 step lost no recall@10 next to reading all C rows (200 held-out chunks; C 500..1500 at 100k, 2500..4000
# at 1M).
RESCORE = 200
# The candidates "auto" (ann_candidates = 0) uses: CANDIDATES + one per ROWS_PER_CANDIDATE rows, up to
# CANDIDATES_MAX (reached at 1M rows). Recall@10 vs exact, 1000 held-out chunks of the benchmark's distribution,
# on the first N of its 1M rows (C: recall): 100k 1000: 0.989, 1500: 0.9945 | 250k 1500: 0.9885, 2000: 0.992 |
# 500k 2000: 0.984, 2500: 0.988 | 750k 2500: 0.987, 3000: 0.990 | 1M 2000: 0.977, 3000: 0.985, 3500: 0.988.
# A query's cost barely depends on C (the scan of every code dominates): ann_knn p50 at 1M 9-14 ms for C 1000 to
# 4000, one thread, on a loaded 2-core box. Past 1M rows: not measured.
CANDIDATES = 1000
ROWS_PER_CANDIDATE = 400
CANDIDATES_MAX = 3500
# From this many rows the scan is split over min(threads, SCAN_THREADS) threads (numpy releases the GIL): at 1M,
# 7.0-7.6 -> 3.8-4.2 ms with a core to spare (none to spare: ~+1.5 ms).
PARALLEL_MIN_ROWS = 200_000
SCAN_THREADS = 2
# A scope's exact scan (knn_among) scores this many rows at a time: its memory stays ~12 MB whatever the scope.
SCOPE_BLOCK = 8192


def auto_beam(live_rows: int) -> int:
    """The ANN candidates (rows proposed by the sign-code scan) for an index of `live_rows` vectors when none is
    configured."""
    return int(min(CANDIDATES_MAX, CANDIDATES + live_rows // ROWS_PER_CANDIDATE))


class VectorIndex(IndexWriter):
    """Float32 rows + sign and int8 codes of one store's vectors under `root` (see the module docstring).

    Readers: `ensure(store)` then `knn` (exact), `ann_knn`, `get`. Writers: `sync(store)` (ingest calls it;
    `ensure` does when the files lag behind the store)."""

    def __init__(self, root: Path | str, *, threads: int = 1):
        self.root = Path(root)
        self.threads = max(1, int(threads))
        self.state: dict[str, Any] | None = None
        self.version: int | None = None  # store.index_version last checked against
        self.ids = np.zeros(0, dtype=np.int64)  # row -> chunk id (-1: removed)
        self.rows = np.zeros((0, EMBED_DIM), dtype=np.float32)
        self._bits = np.zeros((WORDS, 0), dtype=np.uint64)  # sign codes, column-major: word j of every row
        self._i8 = np.zeros((0, EMBED_DIM), dtype=np.int8)
        self._mean = np.zeros(EMBED_DIM, dtype=np.float32)
        self._scale = np.ones(EMBED_DIM, dtype=np.float32)
        self._dead = np.zeros(0, dtype=np.int64)
        self._scratch = threading.local()  # per-thread scan buffers (a query allocates nothing of the index's size)
        self._pool: ThreadPoolExecutor | None = None  # the scan's helper threads (large indexes, threads > 1)
        self._pool_lock = threading.Lock()
        self._sorted_ids = np.zeros(0, dtype=np.int64)
        self._sorted_rows = np.zeros(0, dtype=np.int64)

    # -- reading ------------------------------------------------------------------------------------
    def ensure(self, store: Any) -> None:
        """Serve the store's current vectors: re-read the marker when the index version moved, and sync the
        files first when they lag behind the store's log (or are damaged)."""
        version = store.index_version
        if self.version == version and self.state is not None:
            return
        try:
            st = self._read_state()
            if st is None or st.get("stale") or not self._files_ok(st) or st["seq"] != store.vector_change_seq():
                self.sync(store)
                st = self._read_state()
            if st is not None and st != self.state:
                try:
                    self._load(st)
                except LOAD_ERRORS:  # damaged in a way the size checks miss: rebuilt once from chunk_vec
                    self.sync(store, rebuild=True)
                    st = self._read_state()
                    if st is not None:
                        self._load(st)
        except LOAD_ERRORS as exc:  # a read-only or full disk, a file that stays unreadable
            raise StoreError(f"{self.root}: cannot build the vector index: {exc}",
                             hint="check the folder's permissions and free space, or delete it: it is rebuilt "
                                  "from the database") from None
        if st is None:
            raise StoreError(f"{self.root}: cannot build the vector index")
        self.version = version

    def _load(self, st: dict[str, Any]) -> None:
        n = int(st["rows"])
        ids = np.load(self.root / st["ids_file"])[:n]
        rows = (np.memmap(self.root / st["rows_file"], dtype=np.float32, mode="r", shape=(n, EMBED_DIM))
                if n else np.zeros((0, EMBED_DIM), dtype=np.float32))
        # memory-mapped (a query reads C scattered rows), as a plain ndarray: a memmap's fancy indexing costs twice
        # np.take's (1.4 vs 0.8 ms for 3500 rows at 1M)
        i8 = (np.memmap(self.root / st["i8_file"], dtype=np.int8, mode="r", shape=(n, EMBED_DIM)).view(np.ndarray)
              if n else np.zeros((0, EMBED_DIM), dtype=np.int8))
        bits = np.fromfile(self.root / st["bits_file"], dtype=np.uint64, count=n * WORDS).reshape(n, WORDS)
        quant = np.load(self.root / st["quant_file"])
        live = ids >= 0
        order = np.argsort(ids[live], kind="stable")
        self._sorted_ids, self._sorted_rows = ids[live][order], np.nonzero(live)[0][order]
        self._bits = np.ascontiguousarray(bits.T)  # in memory, column-major: the scan reads one word of every row
        self._i8, self._mean, self._scale = i8, quant[0].astype(np.float32), quant[1].astype(np.float32)
        self._dead = np.flatnonzero(~live)
        self.ids, self.rows, self.state = ids, rows, st

    def _top(self, rows: np.ndarray, sims: np.ndarray, k: int) -> list[tuple[int, float]]:
        k = min(k, len(rows))
        if k <= 0:
            return []
        top = np.argpartition(-sims, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        cids = self.ids[rows[top]]
        top = top[np.lexsort((cids, -sims[top]))]
        return [(int(self.ids[rows[j]]), float(sims[j])) for j in top]

    def knn(self, q: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Exact: one mat-vec over every live row."""
        if not len(self._sorted_rows):
            return []
        sims = np.asarray(self.rows @ np.asarray(q, dtype=np.float32))
        rows = self._sorted_rows if len(self._sorted_rows) < len(self.ids) else np.arange(len(self.ids))
        return self._top(rows, sims[rows], k)

    def _hamming(self, qbits: np.ndarray) -> np.ndarray:
        """Hamming distance of every row's sign code to `qbits` (uint16, in this thread's scratch buffer: valid
        until its next call); removed rows get FAR."""
        n = len(self.ids)
        s = self._scratch
        if getattr(s, "n", -1) != n:
            s.n, s.d, s.xor, s.count = (n, np.empty(n, dtype=np.uint16), np.empty(n, dtype=np.uint64),
                                        np.empty(n, dtype=np.uint8))
        buffers = (s.d, s.xor, s.count)  # the arrays, not `s`: another thread sees its own attributes there
        parts = min(self.threads, SCAN_THREADS) if n >= PARALLEL_MIN_ROWS else 1
        bounds = [n * p // parts for p in range(parts + 1)]
        if parts > 1:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(SCAN_THREADS - 1, thread_name_prefix="ragtune-vscan")
            helpers = [self._pool.submit(scan, self._bits, qbits, buffers, lo, hi)
                       for lo, hi in zip(bounds[1:-1], bounds[2:])]
        scan(self._bits, qbits, buffers, 0, bounds[1])
        if parts > 1:
            for f in helpers:
                f.result()
        if len(self._dead):
            s.d[self._dead] = FAR
        return s.d

    def ann_knn(self, q: np.ndarray, k: int, rescore: int = 0) -> list[tuple[int, float]]:
        """Approximate: the `rescore` rows (0: auto_beam of the index's size) nearest to q by sign code, of which
        the best max(RESCORE, k) by int8 code are rescored exactly with the float32 rows."""
        live = len(self._sorted_rows)
        if not live or k <= 0:
            return []
        q = np.ascontiguousarray(q, dtype=np.float32)
        want = min(max(rescore or auto_beam(live), k), live)
        cand = nearest(self._hamming(np.packbits(q > self._mean).view(np.uint64)), want)
        keep = min(max(RESCORE, k), len(cand))
        if keep < len(cand):
            # einsum, not BLAS: OpenBLAS splits a mat-vec of this size over its threads, and waking them costs
            # ~6 ms when the cores are busy (measured with 1500 candidates on a loaded 2-core box)
            approx = np.einsum("ij,j->i", np.take(self._i8, cand, axis=0).astype(np.float32), q / self._scale)
            cand = np.sort(cand[np.argpartition(-approx, keep - 1)[:keep]])
        return self._top(cand, self.read_rows(cand) @ q, k)

    def knn_among(self, q: np.ndarray, chunk_ids: Sequence[int], k: int) -> list[tuple[int, float]]:
        """Exact, over the rows of `chunk_ids` only (a scope; retrieve.py): read in runs of consecutive rows (a
        document's chunks are stored together), SCOPE_BLOCK rows at a time."""
        want = np.unique(np.asarray(chunk_ids, dtype=np.int64))
        if not len(self._sorted_ids) or not len(want) or k <= 0:
            return []
        pos = np.clip(np.searchsorted(self._sorted_ids, want), 0, len(self._sorted_ids) - 1)
        rows = np.sort(self._sorted_rows[pos[self._sorted_ids[pos] == want]])
        q = np.ascontiguousarray(q, dtype=np.float32)
        sims = np.empty(len(rows), dtype=np.float32)
        for start in range(0, len(rows), SCOPE_BLOCK):
            part = rows[start:start + SCOPE_BLOCK]  # einsum, not BLAS: see ann_knn
            sims[start:start + len(part)] = np.einsum("ij,j->i", self._read_runs(part), q)
        return self._top(rows, sims, k)

    def _read_runs(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows by (ascending) row number, one pread per run of consecutive rows."""
        out = np.empty((len(rows), EMBED_DIM), dtype=np.float32)
        if not len(rows) or self.state is None:
            return out
        size = EMBED_DIM * 4
        cuts = (np.flatnonzero(np.diff(rows) != 1) + 1).tolist()
        fd = os.open(self.root / self.state["rows_file"], os.O_RDONLY)
        try:
            for a, b in zip([0] + cuts, cuts + [len(rows)]):
                buf = os.pread(fd, (b - a) * size, int(rows[a]) * size)
                out[a:b] = np.frombuffer(buf, dtype=np.float32).reshape(b - a, EMBED_DIM)
        finally:
            os.close(fd)
        return out

    @property
    def live_rows(self) -> int:
        return len(self._sorted_rows)

    def close(self) -> None:
        """Stop the scan's helper thread (a process holding many indexes would otherwise keep one each)."""
        with self._pool_lock:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None

    def read_rows(self, rows: np.ndarray) -> np.ndarray:
        """Float32 rows by row number, read with pread rather than through the memory map: a query reads a few
        hundred scattered rows, and a mapped read maps the whole page-cache folio around each one into this
        process (measured at 1M chunks: +140 MB of RSS for 200 rows; the rows file is 1.5 GB). Only the exact
        scan, which reads every row, goes through the map."""
        out = np.empty((len(rows), EMBED_DIM), dtype=np.float32)
        if not len(rows) or self.state is None:
            return out
        size = EMBED_DIM * 4
        fd = os.open(self.root / self.state["rows_file"], os.O_RDONLY)
        try:
            for j, i in enumerate(rows.tolist()):
                out[j] = np.frombuffer(os.pread(fd, size, i * size), dtype=np.float32)
        finally:
            os.close(fd)
        return out

    def get(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """Stored unit vectors of the chunks, in order; zeros where a chunk has none."""
        out = np.zeros((len(chunk_ids), EMBED_DIM), dtype=np.float32)
        if not len(self._sorted_ids) or not len(chunk_ids):
            return out
        want = np.asarray(chunk_ids, dtype=np.int64)
        pos = np.clip(np.searchsorted(self._sorted_ids, want), 0, len(self._sorted_ids) - 1)
        found = self._sorted_ids[pos] == want
        out[found] = self.read_rows(self._sorted_rows[pos[found]])
        return out


class VectorSearch:
    """KNN over one store's vectors. `backend`: "auto" (ANN from ANN_MIN_CHUNKS chunks up, sqlite-vec below),
    or one of "vec0", "exact", "ann" forced."""

    def __init__(self, store: Any, root: Path, backend: str = "auto", *, threads: int = 1, candidates: int = 0):
        if backend not in BACKENDS:
            raise ValueError(f"unknown vector backend {backend!r} (one of: {', '.join(BACKENDS)})")
        self.store = store
        self.root = Path(root)
        self.backend = backend
        self._index: VectorIndex | None = None
        self._threads = threads
        self.candidates = int(candidates)  # ANN beam = sign-code candidates; 0 = auto_beam(the index's size)
        self._small: tuple[int, bool] | None = None  # (index version, below ANN_MIN_CHUNKS)
        self._model: tuple[int, str, list[int] | None] | None = None  # (index version, model, its chunks)

    def index(self) -> VectorIndex | None:
        """The VectorIndex in use, up to date (None when sqlite-vec answers directly)."""
        if self.backend == "vec0":
            return None
        if self.backend == "auto":
            version = self.store.index_version
            if self._small is None or self._small[0] != version:
                self._small = (version, self.store.count_chunks() < ANN_MIN_CHUNKS)
            if self._small[1]:
                return None
        if self._index is None:
            self._index = VectorIndex(self.root, threads=self._threads)
        self._index.ensure(self.store)
        return self._index

    def close(self) -> None:
        if self._index is not None:
            self._index.close()

    def of_model(self, model: str | None) -> list[int] | None:
        """embed.chunks_of_model (None: no model named), once an index version."""
        if model is not None and (self._model is None or self._model[:2] != (self.store.index_version, model)):
            from .embed import chunks_of_model

            self._model = (self.store.index_version, model, chunks_of_model(self.store, model))
        return None if model is None or self._model is None else self._model[2]

    def knn(self, qv: np.ndarray, limit: int, *, model: str | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the nearest chunks, best first. `model`: the query embedder's model_id;
        chunks whose vectors another embedder made (an `[embed] model` changed, not yet re-ingested) are left out."""
        check_query(qv)
        among = self.of_model(model)
        if among is not None:
            return self.knn_among(qv, among, limit)
        idx = self.index()
        if idx is None:
            # distance -> similarity; equal ones in chunk-id order, as the index's own backends give them
            return sorted(((cid, 1.0 - d) for cid, d in self.store.vector_knn(qv, int(limit))),
                          key=lambda p: (-p[1], p[0]))
        if self.backend == "exact":
            return idx.knn(qv, int(limit))
        return idx.ann_knn(qv, int(limit), self.candidates or auto_beam(idx.live_rows))

    def knn_among(self, qv: np.ndarray, chunk_ids: Sequence[int], limit: int, *,
                  model: str | None = None) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the nearest of `chunk_ids`, best first: exact, whatever the backend
        (a scope is small enough to score every row of: retrieve.py). `model`: as for knn."""
        check_query(qv)
        among = self.of_model(model)
        if among is not None and not len(chunk_ids := np.intersect1d(np.asarray(chunk_ids, np.int64), among)):
            return []
        idx = self.index()
        if idx is None:
            return sorted(((cid, 1.0 - d) for cid, d in self.store.vector_knn_among(qv, int(limit), chunk_ids)),
                          key=lambda p: (-p[1], p[0]))
        return idx.knn_among(qv, chunk_ids, int(limit))

    def vectors_of(self, chunk_ids: Sequence[int]) -> np.ndarray:
        """Stored unit vectors of the chunks, in order; zeros where a chunk has no vector. From the index when
        one is in use; else one vec0 point lookup per id (vec0 answers `rowid IN (…)` with a full scan)."""
        idx = self.index() if len(chunk_ids) else None
        if idx is not None:
            return idx.get(chunk_ids)
        out = np.zeros((len(chunk_ids), EMBED_DIM), dtype=np.float32)
        for i, cid in enumerate(chunk_ids):
            blob = self.store.vector_blob(cid)
            if blob is not None:
                v = np.frombuffer(blob, dtype=np.float32)
                out[i, : min(len(v), out.shape[1])] = v[: out.shape[1]]
        return out
