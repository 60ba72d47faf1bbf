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
