"""What the store tests put in a Store by hand (Store.put_document's chunks and vectors), without an ingest."""

from __future__ import annotations

from dataclasses import dataclass

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
