"""Vector search over the stored unit vectors of `chunk_vec` (sqlite-vec: the source of truth).

Backends, one result shape ((chunk id, cosine similarity), best first):
- "vec0": sqlite-vec's own exact scan. Small stores (< ANN_MIN_CHUNKS chunks) use it: nothing on disk to keep.
- "ann": an HNSW graph over int8 codes (usearch), whose top candidates (the search beam: `ann_candidates`, or
  `auto_beam` of the index's size) are rescored exactly against the float32 rows; what "auto" uses from
  ANN_MIN_CHUNKS chunks up (recall@10 vs exact in benchmarks/README.md).
- "exact": one mat-vec over the memory-mapped float32 rows (exact; for checks and side-by-side benchmarks).

`VectorIndex` (HOME/vectors/) holds the rows and the graph. It is derived data that follows the store by
replaying the store's vector change log (migration 0005: triggers log every chunk insert and delete):
incremental after an ingest, rebuilt when its files are missing or damaged, when the log was pruned past it, or
when a third of its rows are dead (compaction).

Crash safety (the Tantivy index's rule: a marker that is either right or forces a repair): every file the marker
names is written under a new generation's name and fsynced before `state.json` — the version marker — is
replaced atomically; the row file only grows, so rows past the marker's count (a crash mid-update) are ignored
and truncated by the next writer; files of other generations are removed after the switch. Readers memory-map
what the marker names, so a writer never changes a page a reader has mapped. Writers hold an flock on `.lock`.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .atomic import atomic_open, atomic_path, atomic_write_json
from .errors import StoreError
from .store import EMBED_DIM

BACKENDS = ("auto", "vec0", "exact", "ann")
# Below this many vectors sqlite-vec's own brute-force scan is fast enough (and needs nothing on disk).
ANN_MIN_CHUNKS = 5000
SCHEMA = 1
STATE = "state.json"
# HNSW: M=16 neighbours, build beam 128; int8 codes (4x smaller than float32, and faster to compare). The graph
# proposes RESCORE candidates (beam = max(EF_SEARCH, candidates)) and the float32 rows pick the top k exactly.
CONNECTIVITY = 16
EF_ADD = 128
EF_SEARCH = 64
RESCORE = 200
# The beam "auto" (ann_candidates = 0) uses: RESCORE up to 500k vectors, then growing to 2 x RESCORE at 1M
# (recall@10 at 1M: 0.88 at 200, 0.94 at 400, for +2 ms hybrid p50; 100k keeps its latency at 0.98).
BEAM_MAX = 2 * RESCORE
ROWS_PER_BEAM = 2500
ANN_PARAMS = {"library": "usearch", "dtype": "i8", "connectivity": CONNECTIVITY, "ef_add": EF_ADD}
DEAD_SHARE_REBUILD = 1 / 3
ADD_BATCH = 10_000


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_open(path, "wb") as fh:
        np.save(fh, arr)


def usearch_index() -> Any:
    """usearch's `Index` class. onnxruntime is imported first: loaded after usearch's compiled module, its import
    crashes the process (SIGSEGV in libstdc++'s locale set-up; onnxruntime 1.32, usearch 2.26), and a process that
    opens the index before its first embedding (a BM25-mode query, then a hybrid one) would die there."""
    import onnxruntime  # noqa: F401 - load order only
    from usearch.index import Index

    return Index


def _new_ann() -> Any:
    Index = usearch_index()
    return Index(ndim=EMBED_DIM, metric="cos", dtype="i8", connectivity=CONNECTIVITY, expansion_add=EF_ADD,
                 expansion_search=EF_SEARCH)


def auto_beam(live_rows: int) -> int:
    """The ANN search beam for an index of `live_rows` vectors when none is configured."""
    return int(min(BEAM_MAX, max(RESCORE, live_rows // ROWS_PER_BEAM)))


class VectorIndex:
    """Float32 rows + int8 HNSW graph of one store's vectors under `root` (see the module docstring).

    Readers: `ensure(store)` then `knn` (exact), `ann_knn`, `get`. Writers: `sync(store)` (ingest calls it;
    `ensure` does when the files lag behind the store)."""

    def __init__(self, root: Path | str, *, threads: int = 1):
        self.root = Path(root)
        self.threads = max(1, int(threads))
        self.state: dict[str, Any] | None = None
        self.version: int | None = None  # store.index_version last checked against
        self.ids = np.zeros(0, dtype=np.int64)  # row -> chunk id (-1: removed)
        self.rows = np.zeros((0, EMBED_DIM), dtype=np.float32)
        self._ann: Any = None
        self._sorted_ids = np.zeros(0, dtype=np.int64)
        self._sorted_rows = np.zeros(0, dtype=np.int64)

    # -- files --------------------------------------------------------------------------------------
    def _read_state(self) -> dict[str, Any] | None:
        try:
            st = json.loads((self.root / STATE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        keys = {"schema", "seq", "rows", "live", "gen", "rows_file", "ids_file", "ann_file"}
        if not isinstance(st, dict) or not keys <= set(st) or st.get("schema") != SCHEMA:
            return None
        if st.get("ann") != ANN_PARAMS:  # built with other graph settings: rebuild with these
            return dict(st, stale=True)
        return st

    def _files_ok(self, st: dict[str, Any]) -> bool:
        try:
            rows_ok = (self.root / st["rows_file"]).stat().st_size >= st["rows"] * EMBED_DIM * 4
            ann_ok = (self.root / st["ann_file"]).stat().st_size > 0
            return rows_ok and ann_ok and (self.root / st["ids_file"]).is_file()
        except OSError:
            return False

    @contextmanager
    def _writer(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _cleanup(self, st: dict[str, Any]) -> None:
        keep = {STATE, ".lock", st["rows_file"], st["ids_file"], st["ann_file"]}
        for p in self.root.iterdir():
            if p.name not in keep:
                try:
                    p.unlink() if p.is_file() else None
                except OSError:
                    pass

    # -- writing ------------------------------------------------------------------------------------
    def sync(self, store: Any, *, rebuild: bool = False) -> dict[str, Any]:
        """Bring the files up to date with the store: {"action": "none" | "update" | "rebuild", ...}."""
        with self._writer():
            st = self._read_state()
            target = store.vector_change_seq()
            ok = st is not None and not st.get("stale") and self._files_ok(st)
            if ok and not rebuild and st["seq"] == target:
                return {"action": "none", "seq": target}
            if (rebuild or not ok or st["seq"] > target
                    or (target > st["seq"] and store.oldest_vector_change() > st["seq"] + 1)
                    or target - st["seq"] > max(ADD_BATCH, st["live"] // 2)):
                out = self._rebuild(store, (st or {}).get("gen", 0) + 1)
            else:
                out = self._update(store, st)
        try:  # the log is only for us: what every reader of these files has applied can go
            store.prune_vector_changes(out["seq"])
        except StoreError:
            pass
        return out

    def _rebuild(self, store: Any, gen: int) -> dict[str, Any]:
        self.root.mkdir(parents=True, exist_ok=True)
        rows_file, ids_file, ann_file = f"rows.{gen}.f32", f"ids.{gen}.npy", f"ann.{gen}.usearch"
        with store.transaction():  # one consistent read of the log position and the vectors
            seq = store.vector_change_seq()
            n = store.count_vectors()
            ids = np.full(n, -1, dtype=np.int64)
            with open(self.root / rows_file, "wb") as fh:  # raw rows: from here on the file only grows
                fh.truncate(n * EMBED_DIM * 4)
            mat = (np.memmap(self.root / rows_file, dtype=np.float32, mode="r+", shape=(n, EMBED_DIM)) if n
                   else np.zeros((0, EMBED_DIM), dtype=np.float32))
            i = 0
            for cid, blob in store.iter_vectors():
                if i >= n:
                    break
                ids[i] = cid
                mat[i] = np.frombuffer(blob, dtype=np.float32)[:EMBED_DIM]
                i += 1
        ids, n = ids[:i], i
        ann = _new_ann()
        for start in range(0, n, ADD_BATCH):
            part = mat[start:start + ADD_BATCH]
            part /= np.maximum(np.linalg.norm(part, axis=1, keepdims=True), 1e-12)  # cosine == dot product
            ann.add(np.arange(start, start + len(part), dtype=np.uint64), np.ascontiguousarray(part),
                    threads=self.threads)
        if isinstance(mat, np.memmap):
            mat.flush()
        del mat
        _fsync_file(self.root / rows_file)
        self._save_ann(ann, ann_file)
        _save_npy(self.root / ids_file, ids)
        st = {"schema": SCHEMA, "seq": seq, "rows": n, "live": n, "gen": gen, "rows_file": rows_file,
              "ids_file": ids_file, "ann_file": ann_file, "dim": EMBED_DIM, "ann": ANN_PARAMS}
        atomic_write_json(self.root / STATE, st)
        self._cleanup(st)
        return {"action": "rebuild", "seq": seq, "rows": n}

    def _save_ann(self, ann: Any, name: str) -> None:
        with atomic_path(self.root / name) as tmp:
            ann.save(str(tmp))
            _fsync_file(tmp)

    def _update(self, store: Any, st: dict[str, Any]) -> dict[str, Any]:
        ids = np.load(self.root / st["ids_file"])[: st["rows"]].copy()
        live = ids >= 0
        order = np.argsort(ids[live], kind="stable")
        row_of = dict(zip(ids[live][order].tolist(), np.nonzero(live)[0][order].tolist()))
        removed: list[int] = []
        added: dict[int, bytes] = {}  # chunk id -> vector, in log order (dicts keep insertion order)
        with store.transaction():  # one consistent read of the log and the vectors it points to
            changes = store.vector_changes_since(st["seq"])
            seq = changes[-1][0] if changes else st["seq"]
            for _, cid, is_add in changes:
                if cid in added:
                    del added[cid]
                elif cid in row_of:
                    removed.append(row_of.pop(cid))
                if is_add:
                    blob = store.vector_blob(cid)
                    if blob is not None:  # None: removed again later in the log
                        added[cid] = blob
        ann = _new_ann()
        ann.load(str(self.root / st["ann_file"]))
        if removed:
            ids[removed] = -1
            ann.remove(np.asarray(removed, dtype=np.uint64))
        gen = st["gen"] + 1
        n0 = len(ids)
        new_ids = np.fromiter(added.keys(), dtype=np.int64, count=len(added))
        vecs = np.stack([np.frombuffer(b, dtype=np.float32)[:EMBED_DIM] for b in added.values()]) if added else \
            np.zeros((0, EMBED_DIM), dtype=np.float32)
        vecs = vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
        vecs = np.ascontiguousarray(vecs, dtype=np.float32)
        with open(self.root / st["rows_file"], "r+b") as fh:
            fh.truncate(n0 * EMBED_DIM * 4)  # rows past the marker: a crashed update's, never seen by a reader
            fh.seek(0, os.SEEK_END)
            fh.write(vecs.tobytes())
            fh.flush()
            os.fsync(fh.fileno())
        if len(vecs):
            ann.add(np.arange(n0, n0 + len(vecs), dtype=np.uint64), vecs, threads=self.threads)
        ids = np.concatenate([ids, new_ids])
        n_live = int((ids >= 0).sum())
        if len(ids) and (len(ids) - n_live) / len(ids) > DEAD_SHARE_REBUILD:
            return self._rebuild(store, gen)  # compaction: dead rows cost memory and graph quality
        ann_file, ids_file = f"ann.{gen}.usearch", f"ids.{gen}.npy"
        self._save_ann(ann, ann_file)
        _save_npy(self.root / ids_file, ids)
        new = dict(st, seq=seq, rows=len(ids), live=n_live, gen=gen, ids_file=ids_file, ann_file=ann_file)
        atomic_write_json(self.root / STATE, new)
        self._cleanup(new)
        return {"action": "update", "seq": seq, "rows": len(ids), "added": len(vecs), "removed": len(removed)}

    # -- reading ------------------------------------------------------------------------------------
    def ensure(self, store: Any) -> None:
        """Serve the store's current vectors: re-read the marker when the index version moved, and sync the
        files first when they lag behind the store's log (or are damaged)."""
        version = store.index_version
        if self.version == version and self.state is not None:
            return
        st = self._read_state()
        if st is None or st.get("stale") or not self._files_ok(st) or st["seq"] != store.vector_change_seq():
            self.sync(store)
            st = self._read_state()
            if st is None:
                raise StoreError(f"{self.root}: cannot build the vector index")
        if st != self.state:
            self._load(st)
        self.version = version

    def _load(self, st: dict[str, Any]) -> None:
        n = int(st["rows"])
        ids = np.load(self.root / st["ids_file"])[:n]
        rows = (np.memmap(self.root / st["rows_file"], dtype=np.float32, mode="r", shape=(n, EMBED_DIM))
                if n else np.zeros((0, EMBED_DIM), dtype=np.float32))
        ann = None
        if st["live"]:
            ann = usearch_index().restore(str(self.root / st["ann_file"]), view=True)  # memory-mapped: pages on demand
            ann.expansion_search = EF_SEARCH
        live = ids >= 0
        order = np.argsort(ids[live], kind="stable")
        self._sorted_ids, self._sorted_rows = ids[live][order], np.nonzero(live)[0][order]
        self.ids, self.rows, self._ann, self.state = ids, rows, ann, st

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

    def ann_knn(self, q: np.ndarray, k: int, rescore: int = RESCORE) -> list[tuple[int, float]]:
        """Approximate: the graph's top max(rescore, k) candidates, rescored exactly with the float32 rows."""
        if self._ann is None:
            return []
        q = np.ascontiguousarray(q, dtype=np.float32)
        want = min(max(rescore, k), len(self._sorted_rows))
        self._ann.expansion_search = max(EF_SEARCH, want)
        rows = np.asarray(self._ann.search(q, want, threads=1).keys, dtype=np.int64)
        rows = rows[(rows >= 0) & (rows < len(self.ids))]
        rows = rows[self.ids[rows] >= 0]
        rows = np.sort(rows)
        sims = self.read_rows(rows) @ q if len(rows) else np.zeros(0, dtype=np.float32)
        return self._top(rows, sims, k)

    @property
    def live_rows(self) -> int:
        return len(self._sorted_rows)

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
        self.candidates = int(candidates)  # ANN beam = rows rescored exactly; 0 = auto_beam(the index's size)
        self._small: tuple[int, bool] | None = None  # (index version, below ANN_MIN_CHUNKS)

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

    def knn(self, qv: np.ndarray, limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity) of the nearest chunks, best first."""
        idx = self.index()
        if idx is None:
            return [(cid, 1.0 - d) for cid, d in self.store.vector_knn(qv, int(limit))]  # distance -> similarity
        if self.backend == "exact":
            return idx.knn(qv, int(limit))
        return idx.ann_knn(qv, int(limit), self.candidates or auto_beam(idx.live_rows))

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
