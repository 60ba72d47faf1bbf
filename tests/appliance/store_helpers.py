"""What the store tests put in a Store by hand (Store.put_document's chunks and vectors), without an ingest."""

from __future__ import annotations

import contextlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from ragtune.appliance.store import EMBED_DIM


@dataclass
class Chunk:
    """A chunk as put_document reads it (the chunker's Chunk has more)."""
    ord: int
    text: str
    start_char: int = 0
    end_char: int = 0
    n_tokens: int = 3
    sha256: str = "h"


def unit_vec(i: int) -> np.ndarray:
    """A unit vector of the store's dimension, along axis `i` (mod EMBED_DIM): each its own nearest neighbour."""
    v = np.zeros(EMBED_DIM, np.float32)
    v[i % EMBED_DIM] = 1.0
    return v


# A rollback-journal database killed mid-transaction: the cache spills uncommitted pages into the main file, and
# only its hot -journal can undo them (`python -c KILLED_WRITER DB`).
KILLED_WRITER = """
import os, sys, apsw
c = apsw.Connection(sys.argv[1])
for sql in ("PRAGMA journal_mode = DELETE", "PRAGMA cache_size = 5", "CREATE TABLE t(x)",
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 100) "
            "INSERT INTO t SELECT zeroblob(1000) FROM s",
            "BEGIN", "UPDATE t SET x = randomblob(1000)"):
    list(c.execute(sql))
os._exit(0)
"""


def home_behind(tmp_path: Any, monkeypatch: Any, behind: int = 1) -> Path:
    """The database of a home the schema `behind` migrations ago made (MIGRATIONS patched for the making), with one
    document of three chunks: an upgrade to apply."""
    import ragtune.appliance.store.base as base
    from ragtune.appliance.store import MIGRATIONS, Store

    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS[:-behind])
    db = tmp_path / "home" / "ragtune.db"
    with Store(db) as st:
        st.put_document(path="/d/a.md", sha256="s", title="a", kind="md", size=10, doc_date=None, ingested_at=1.0,
                        meta="{}", chunks=[Chunk(ord=i, text=f"alpha {i}", sha256=f"s{i}") for i in range(3)],
                        vectors=[unit_vec(i) for i in range(3)])
    monkeypatch.undo()
    return db


@contextlib.contextmanager
def db_processes(script: str, ready: bytes) -> Iterator[Callable[[Path], subprocess.Popen]]:
    """start(db): another process running `script` on the database (its argv[1]) until its stdin closes; started
    once it has printed `ready`. All are closed at the end."""
    procs: list[subprocess.Popen] = []

    def start(db: Path) -> subprocess.Popen:
        p = subprocess.Popen([sys.executable, "-c", script, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        assert p.stdout.readline().strip() == ready
        procs.append(p)
        return p

    try:
        yield start
    finally:
        for p in procs:
            if p.poll() is None:
                p.stdin.close()
                p.wait(10)
