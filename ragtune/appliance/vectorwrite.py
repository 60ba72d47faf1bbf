"""The writer half of vectors.VectorIndex (HOME/vectors/): `sync` brings the rows and their codes up to date with
the store by replaying the store's vector change log (migration 0005: triggers log every chunk insert and delete):
incremental after an ingest, rebuilt when its files are missing or damaged, when they hold other codes, when the
log was pruned past it, when a third of its rows are dead (compaction) or when it has grown REFIT_GROWTH-fold since
mean and scale were fitted. A rebuild fits mean and scale (the sign and int8 codes' parameters: signcodes.py);
updates encode new rows with those.

Crash safety (the Tantivy index's rule: a marker that is either right or forces a repair): every file the marker
names is written under a new generation's name and fsynced before `state.json` — the version marker — is
replaced atomically; the row and code files only grow, so rows past the marker's count (a crash mid-update) are
ignored and truncated by the next writer; files of other generations are removed after the switch. Readers
memory-map what the marker names (or read it into memory: the sign codes), so a writer never changes a page a
reader has mapped. Writers hold an flock on `.lock`.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from .atomic import atomic_write_json
from .errors import StoreError
from .filelock import exclusive
from .signcodes import WORDS, encode
from .store import EMBED_DIM
from .vectorfiles import ANN_PARAMS, KEYS, SCHEMA, STATE, files_ok, read_state
from .vectorfiles import append as _append, save_npy as _save_npy, unit as _unit, zero_rows as _zero_rows

DEAD_SHARE_REBUILD = 1 / 3
REFIT_GROWTH = 2  # rebuild, refitting mean and scale, once the rows outnumber those they were fitted on 2 to 1
ADD_BATCH = 10_000


class IndexWriter:
    """Files and writing of a vector index under `root` (mixed into vectors.VectorIndex, which reads them)."""

    root: Path

    # -- files --------------------------------------------------------------------------------------
    def _read_state(self) -> dict[str, Any] | None:
        return read_state(self.root)

    def _files_ok(self, st: dict[str, Any]) -> bool:
        return files_ok(self.root, st)

    def _next_gen(self, st: dict[str, Any] | None) -> int:
        """A generation no file here has: past the marker's and every file's (an unreadable marker names none)."""
        gens = [st["gen"]] if st else []
        for p in self.root.iterdir():
            parts = p.name.split(".")
            if len(parts) >= 3 and parts[1].isdigit():
                gens.append(int(parts[1]))
        return max(gens, default=0) + 1

    @contextmanager
    def _writer(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with exclusive(self.root / ".lock"):
            yield

    def _cleanup(self, st: dict[str, Any]) -> None:
        keep = {STATE, ".lock"} | {st[key] for key in KEYS if key.endswith("_file")}
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
                out = self._rebuild(store, self._next_gen(st))
            else:
                out = self._update(store, st)
        try:  # the log is only for us: what every reader of these files has applied can go
            store.prune_vector_changes(out["seq"])
        except StoreError:
            pass
        return out

    def _rebuild(self, store: Any, gen: int) -> dict[str, Any]:
        self.root.mkdir(parents=True, exist_ok=True)
        rows_file, ids_file = f"rows.{gen}.f32", f"ids.{gen}.npy"
        bits_file, i8_file, quant_file = f"bits.{gen}.u64", f"i8.{gen}.i8", f"quant.{gen}.npy"
        total = np.zeros(EMBED_DIM, dtype=np.float64)  # the rows' sum and largest |value| per dimension
        peak = np.zeros(EMBED_DIM, dtype=np.float32)

        def put(fh: Any, part: np.ndarray) -> None:
            _unit(part)
            total[:] += part.sum(axis=0, dtype=np.float64)
            np.maximum(peak, np.abs(part).max(axis=0, initial=0), out=peak)
            fh.write(part.tobytes())

        # one consistent read of the log position and the vectors. The rows are written in blocks, not through a
        # map: mapped writes stay in this process's memory (peak RSS of a rebuild at 1M: 1544 MB that way, 109 MB)
        with store.transaction(), open(self.root / rows_file, "wb") as fh:
            seq = store.vector_change_seq()
            n = store.count_vectors()
            ids = np.full(n, -1, dtype=np.int64)
            buf = np.empty((min(n, ADD_BATCH), EMBED_DIM), dtype=np.float32)
            i = m = 0
            for cid, blob in store.iter_vectors():
                if i >= n:
                    break
                ids[i] = cid
                buf[m] = np.frombuffer(blob, dtype=np.float32)[:EMBED_DIM]
                i, m = i + 1, m + 1
                if m == len(buf):
                    put(fh, buf)
                    m = 0
            put(fh, buf[:m])
            fh.flush()
            os.fsync(fh.fileno())  # raw rows: from here on the file only grows
        ids, n = ids[:i], i
        mean = (total / max(n, 1)).astype(np.float32)
        scale = np.where(peak > 0, 127 / np.maximum(peak, 1e-30), 1).astype(np.float32)
        with open(self.root / bits_file, "wb") as fb, open(self.root / i8_file, "wb") as fi:
            for start in range(0, n, ADD_BATCH):
                part = np.fromfile(self.root / rows_file, dtype=np.float32, offset=start * EMBED_DIM * 4,
                                   count=min(ADD_BATCH, n - start) * EMBED_DIM).reshape(-1, EMBED_DIM)
                bits, q8 = encode(part, mean, scale)
                fb.write(bits.tobytes())
                fi.write(q8.tobytes())
            for f in (fb, fi):
                f.flush()
                os.fsync(f.fileno())
        _save_npy(self.root / quant_file, np.stack([mean, scale]))
        _save_npy(self.root / ids_file, ids)
        st = {"schema": SCHEMA, "seq": seq, "rows": n, "live": n, "gen": gen, "fit_rows": n, "rows_file": rows_file,
              "ids_file": ids_file, "bits_file": bits_file, "i8_file": i8_file, "quant_file": quant_file,
              "dim": EMBED_DIM, "ann": ANN_PARAMS}
        atomic_write_json(self.root / STATE, st)
        self._cleanup(st)
        return {"action": "rebuild", "seq": seq, "rows": n}

    def _update(self, store: Any, st: dict[str, Any]) -> dict[str, Any]:
        ids = np.load(self.root / st["ids_file"])[: st["rows"]].copy()
        removed: list[int] = []
        added: dict[int, bytes] = {}  # chunk id -> vector, in log order (dicts keep insertion order)
        with store.transaction():  # one consistent read of the log and the vectors it points to
            changes = store.vector_changes_since(st["seq"])
            seq = changes[-1][0] if changes else st["seq"]
            # the rows of the chunks the log names, found by a vector scan: a dict of every row (what was here) cost
            # 110 ms of Python a change at 100k rows, ~2 ms this way (the later row wins, as it did in the dict)
            touched = np.fromiter({cid for _, cid, _ in changes}, dtype=np.int64)
            hit = np.flatnonzero(np.isin(ids, touched)) if len(touched) else np.zeros(0, dtype=np.int64)
            row_of = dict(zip(ids[hit].tolist(), hit.tolist()))
            for _, cid, is_add in changes:
                if cid in added:
                    del added[cid]
                elif cid in row_of:
                    removed.append(row_of.pop(cid))
                if is_add:
                    blob = store.vector_blob(cid)
                    if blob is not None:  # None: removed again later in the log
                        added[cid] = blob
        gen = self._next_gen(st)
        ids[removed] = -1  # removed rows keep their place until a rebuild compacts them
        n0 = len(ids)
        ids = np.concatenate([ids, np.fromiter(added.keys(), dtype=np.int64, count=len(added))])
        n_live = int((ids >= 0).sum())
        if len(ids) and ((len(ids) - n_live) / len(ids) > DEAD_SHARE_REBUILD  # compaction: dead rows cost scan time
                         or len(ids) > REFIT_GROWTH * st["fit_rows"]):  # mean and scale fitted on too few rows
            try:
                return self._rebuild(store, gen)  # new files without the removed rows; the old ones are deleted
            except BaseException:  # the old files stay: their removed rows are erased all the same
                self._zero_removed(st, removed)
                raise
        self._zero_removed(st, removed)
        vecs = np.stack([np.frombuffer(b, dtype=np.float32)[:EMBED_DIM] for b in added.values()]) if added else \
            np.zeros((0, EMBED_DIM), dtype=np.float32)
        vecs = _unit(np.ascontiguousarray(vecs, dtype=np.float32))  # a copy of the store's blobs: scaled in place
        quant = np.load(self.root / st["quant_file"])
        bits, q8 = encode(vecs, quant[0], quant[1])  # the rebuild's mean and scale: old codes stay comparable
        _append(self.root / st["rows_file"], n0, EMBED_DIM * 4, vecs.tobytes())
        _append(self.root / st["bits_file"], n0, WORDS * 8, bits.tobytes())
        _append(self.root / st["i8_file"], n0, EMBED_DIM, q8.tobytes())
        ids_file = f"ids.{gen}.npy"
        _save_npy(self.root / ids_file, ids)
        new = dict(st, seq=seq, rows=len(ids), live=n_live, gen=gen, ids_file=ids_file)
        atomic_write_json(self.root / STATE, new)
        self._cleanup(new)
        return {"action": "update", "seq": seq, "rows": len(ids), "added": len(vecs), "removed": len(removed)}

    def _zero_removed(self, st: dict[str, Any], removed: list[int]) -> None:
        """Zero the removed rows of the files `st` names, in place: an erased chunk's vector (an edit's old text, a
        removed document's) leaves no copy in the files (round 52; before, it stayed until compaction, and only a
        rebuild of every row removed it: 1.4-2.4 s at 32k chunks). Only where the files stay: before a rebuild it
        was wasted work (1.5 s at 293 MiB, round 53)."""
        dead = np.asarray(removed, dtype=np.int64)
        _zero_rows(self.root / st["rows_file"], dead, EMBED_DIM * 4)
        _zero_rows(self.root / st["bits_file"], dead, WORDS * 8)
        _zero_rows(self.root / st["i8_file"], dead, EMBED_DIM)
