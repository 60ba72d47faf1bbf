"""The files of vectors.VectorIndex (HOME/vectors/), as plain functions: the `state.json` marker, the checks that
the files it names are whole, and the append/save steps a writer uses. No search, no store."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .atomic import atomic_open
from .errors import InputError, ModelError
from .jsonl import loads_located
from .signcodes import WORDS
from .store import EMBED_DIM

SCHEMA = 1
STATE = "state.json"
ANN_PARAMS = {"codes": "sign+int8", "version": 1}  # other codes on disk (an HNSW graph's state): rebuilt
KEYS = {"schema", "seq", "rows", "live", "gen", "fit_rows", "rows_file", "ids_file", "bits_file", "i8_file",
        "quant_file"}
# np.load's errors for a cut or garbled .npy: EOFError for an empty file (left uncaught it reaches click, which
# reads it as Ctrl-D and prints "Aborted!"), ValueError for a short header or body, OSError for a missing file
LOAD_ERRORS = (OSError, ValueError, EOFError)


def read_state(root: Path) -> dict[str, Any] | None:
    """The marker; None when missing or unreadable; {..., "stale": True} when it names other codes."""
    try:
        st = loads_located((root / STATE).read_bytes(), root / STATE)
    except (OSError, InputError):  # damaged (a long number, [[[[… too): as missing, the files are rebuilt
        return None
    if not isinstance(st, dict) or st.get("schema") != SCHEMA or not isinstance(st.get("gen"), int):
        return None
    if st.get("ann") != ANN_PARAMS:  # built with other codes (or an HNSW graph): rebuild with these
        return dict(st, stale=True)
    counts = ("seq", "rows", "live", "fit_rows")
    if not KEYS <= set(st) or not all(isinstance(st[k], int) and st[k] >= 0 for k in counts):
        return None
    return st


def files_ok(root: Path, st: dict[str, Any]) -> bool:
    """Whether every file the marker names holds its rows: the row and code files long enough (a crash can leave
    them longer, never shorter), the id array with an entry per row and the quantiser's mean and scale whole."""
    need = {"rows_file": EMBED_DIM * 4, "bits_file": WORDS * 8, "i8_file": EMBED_DIM}
    try:
        if not all((root / st[key]).stat().st_size >= st["rows"] * size for key, size in need.items()):
            return False
        ids = np.load(root / st["ids_file"], mmap_mode="r")  # the header only (and a map checked against the size)
        quant = np.load(root / st["quant_file"])
    except LOAD_ERRORS:
        return False
    return (ids.ndim == 1 and ids.dtype == np.int64 and len(ids) >= st["rows"]
            and quant.shape == (2, EMBED_DIM) and bool(np.isfinite(quant).all()))


def save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_open(path, "wb") as fh:
        np.save(fh, arr)


def append(path: Path, n0: int, row_bytes: int, data: bytes) -> None:
    """Cut what lies past the marker's `n0` rows (a crashed update's, never seen by a reader), append, fsync."""
    with open(path, "r+b") as fh:
        fh.truncate(n0 * row_bytes)
        fh.seek(0, os.SEEK_END)
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def zero_rows(path: Path, rows: np.ndarray, row_bytes: int) -> None:
    """Overwrite `rows` (row numbers) of the file at `path` with zeros, in place, and fsync: a removed chunk's
    vector and codes are gone from the files at once, not at the next compaction (an erasure: docs/security.md).
    Only rows no marker-to-be names live; a reader of the old marker scores such a row (its chunk already gone from
    the database) near nothing. Each run of consecutive rows is one write."""
    rows = np.unique(np.asarray(rows, dtype=np.int64))
    if not len(rows):
        return
    starts = np.flatnonzero(np.diff(rows, prepend=-2) != 1)  # where a run of consecutive rows begins
    ends = np.append(starts[1:], len(rows))
    with open(path, "r+b") as fh:
        for a, b in zip(rows[starts].tolist(), (rows[ends - 1] + 1).tolist()):
            os.pwrite(fh.fileno(), bytes((b - a) * row_bytes), a * row_bytes)
        os.fsync(fh.fileno())


def unzeroed(root: Path, st: dict[str, Any], rows: np.ndarray) -> int:
    """How many of `rows` still hold a vector or codes in the files `st` names (a home's dead rows from before
    round 52 were never zeroed)."""
    if not len(rows):
        return 0
    left = np.zeros(len(rows), dtype=bool)
    for key, width, dtype in (("rows_file", EMBED_DIM, np.float32), ("i8_file", EMBED_DIM, np.int8),
                              ("bits_file", WORDS, np.uint64)):
        arr = np.memmap(root / st[key], dtype=dtype, mode="r", shape=(int(st["rows"]), width))
        left |= np.any(arr[rows] != 0, axis=1)
    return int(left.sum())


def unit(rows: np.ndarray) -> np.ndarray:
    """`rows` scaled in place to unit length (stored rows are unit: cosine == dot product)."""
    rows /= np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    return rows


def check_query(qv: Any) -> None:
    """A ModelError when a query vector is not the stored vectors' size: an `[embed] model` that makes another
    size was configured (sqlite-vec's "dimension mismatch" read as a damaged database, the exact scan's as a
    traceback)."""
    n = int(np.shape(qv)[-1]) if np.ndim(qv) else 0
    if n != EMBED_DIM:
        raise ModelError(f"the query embedder makes {n}-dim vectors; this home stores {EMBED_DIM}-dim ones",
                         hint=f"set [embed] model back to a {EMBED_DIM}-dim embedder (`ragtune config set embed.model "
                              "all-minilm-l6-v2-int8`): vectors of another size cannot be searched or stored here")
