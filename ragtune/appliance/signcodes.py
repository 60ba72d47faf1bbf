"""The codes behind vectors.py's ANN backend, as pure numpy over arrays (no files, no state): a unit row's 384-bit
sign code and int8 code (`encode`), the Hamming scan of every row's sign code (`scan`) and the pick of the nearest
rows by that distance (`nearest`)."""

from __future__ import annotations

import numpy as np

from .store import EMBED_DIM

WORDS = EMBED_DIM // 64  # uint64 words of one row's sign code
FAR = EMBED_DIM + 1  # the Hamming distance a removed row gets: past every live one
# `nearest` reads the distance threshold from a histogram of every SAMPLE_STEP-th distance (~0.1 ms; the full one
# took ~1.5 ms at 1M rows) with a 2x margin, then checks it: the rows within it are counted exactly, so the result
# is the same.
SAMPLE_STEP = 16


def encode(vecs: np.ndarray, mean: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sign codes: m x WORDS uint64, int8 codes: m x EMBED_DIM) of unit rows. Bit j of a sign code is
    row[j] > mean[j]; an int8 code is round(row[j] * scale[j]) clipped to ±127."""
    bits = np.packbits(vecs > mean, axis=1).view(np.uint64).reshape(len(vecs), WORDS)
    return bits, np.clip(np.rint(vecs * scale), -127, 127).astype(np.int8)


def scan(bits_t: np.ndarray, qbits: np.ndarray, buffers: tuple[np.ndarray, ...], lo: int, hi: int) -> None:
    """Hamming distances of rows lo..hi of the column-major sign codes `bits_t` (WORDS x n) to `qbits`, into
    buffers = (distances uint16, xor scratch uint64, popcount scratch uint8), each of n. One xor + popcount per
    word over the column-major codes (a row-major popcount(codes ^ q).sum(axis=1) is ~10x slower). Disjoint
    ranges may run in parallel threads: numpy releases the GIL."""
    d, xor, count = (b[lo:hi] for b in buffers)
    for j in range(WORDS):
        np.bitwise_xor(bits_t[j][lo:hi], qbits[j], out=xor)
        np.bitwise_count(xor, out=count)
        if j:
            np.add(d, count, out=d)
        else:
            np.copyto(d, count)


def nearest(d: np.ndarray, want: int) -> np.ndarray:
    """Rows of the `want` smallest distances (ties: the lower row), sorted. A histogram gives the threshold
    (argpartition is ~8x slower); the stable sort of the rows at or under it trims the ties."""
    cand = None
    if len(d) >= 4 * SAMPLE_STEP * want:  # the threshold from a sample, if the rows within it are enough
        below = np.cumsum(np.bincount(d[::SAMPLE_STEP], minlength=FAR + 1))
        cand = np.flatnonzero(d <= min(int(np.searchsorted(below, 2 * want // SAMPLE_STEP + 1)), EMBED_DIM))
        cand = cand if len(cand) >= want else None
    if cand is None:
        below = np.cumsum(np.bincount(d, minlength=FAR + 1))
        cand = np.flatnonzero(d <= int(np.searchsorted(below, want)))
    if len(cand) > want:
        cand = np.sort(cand[np.argsort(d[cand], kind="stable")[:want]])
    return cand
