"""Ingest progress measured in bytes, with an ETA: one big file moves the bar while it is embedded (in slabs of
chunks), instead of sitting at "3/4 files" for minutes. Files that turn out unchanged, or fail, leave the total,
so the rate and the ETA describe the work that is really being done. Before its first slab, a big file is chunked
and tokenised (tens of seconds for a 20 MB HTML page): a heartbeat (`Tracker.beat`, stage "chunking") says how far
that is within the file, without moving the bytes, which stand for the embedding (most of the work with the real
model): the line moves while the ETA keeps to the rate of the work done.

The rate leaves out the time spent preparing the bytes not credited yet (reading, chunking, tokenising before a
flush's embedding): that time is paid, and counting it as embedding time made one big file's rate that of its
chunking plus its first slab (50 MB of text: 650 s of chunking, then an ETA of ~5,400 s, round 46). Once the bytes
it prepared are credited (the next file's reading starts), the time is counted again: over many files it is part of
the cost of each."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class IngestProgress:
    files_done: int
    files_total: int
    bytes_done: float
    bytes_total: float
    path: str  # the file being worked on (a corpus row: `corpus.jsonl#id`)
    # "waiting" (for another ingest to finish) | "reading" (read, parse) | "chunking" | "embedding" | "done"
    stage: str
    elapsed_s: float
    # the part done within the file (0..1): "chunking", of its chunking and tokenising; "reading", of its parse (HTML)
    within: float | None = None
    # seconds of elapsed_s spent preparing bytes not yet credited (see the module's doc): out of the rate
    held_s: float = 0.0

    @property
    def fraction(self) -> float:
        if self.bytes_total > 0:
            return max(0.0, min(1.0, self.bytes_done / self.bytes_total))
        return self.files_done / self.files_total if self.files_total else 1.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far (None in the first seconds, when a rate means little)."""
        f = self.fraction
        worked = self.elapsed_s - self.held_s
        if worked < 2 or f <= 0:
            return None
        return max(0.0, worked * (1 - f) / f)


OnProgress = Callable[[IngestProgress], None]
PREPARING = ("reading", "chunking")  # stages that prepare bytes for the embedding (their time: see the module's doc)
HEARTBEAT_S = 0.25  # at most this often a heartbeat within one file (a 64 KB block is chunked in ~10 ms)


class Tracker:
    def __init__(self, sink: OnProgress | None, files_total: int, bytes_total: float):
        self.sink = sink
        self.files_total = files_total
        self.files_done = 0
        self.bytes_total = float(bytes_total)
        self.bytes_done = 0.0
        self.t0 = time.perf_counter()
        self._beat_at = self.t0
        # since when the work is preparing bytes not credited yet (None: embedding), and the seconds held out of
        # the rate for the embedding now under way
        self._prep_from: float | None = self.t0
        self._held = 0.0

    def skip(self, nbytes: float) -> None:
        """Bytes with nothing to do (unchanged, failed, empty): out of the total."""
        self.bytes_total = max(self.bytes_done, self.bytes_total - nbytes)

    def credit(self, nbytes: float) -> None:
        """Bytes done. The first credit of a flush (run.py credits the chunks that keep their vectors before it
        embeds any) ends the preparing: its time stays out of the rate while this embedding goes on."""
        if self._prep_from is not None:
            self._held, self._prep_from = time.perf_counter() - self._prep_from, None
        self.bytes_done = min(self.bytes_total, self.bytes_done + nbytes)

    def _preparing(self, now: float) -> None:
        """A file is read or chunked: the embedding before it is over, and what it prepared is credited."""
        if self._prep_from is None:
            self._prep_from, self._held = now, 0.0

    def held_s(self, now: float) -> float:
        return now - self._prep_from if self._prep_from is not None else self._held

    def emit(self, path: str, stage: str, within: float | None = None) -> None:
        now = time.perf_counter()
        if stage in PREPARING:
            self._preparing(now)
        if self.sink is not None:
            self._beat_at = now
            self.sink(IngestProgress(self.files_done, self.files_total, self.bytes_done, self.bytes_total, path,
                                     stage, now - self.t0, within, self.held_s(now)))

    def beat(self, path: str, stage: str, within: float) -> None:
        """Progress within one file (`within`, 0..1), at most every HEARTBEAT_S since the last event."""
        now = time.perf_counter()
        if stage in PREPARING:
            self._preparing(now)
        if self.sink is not None and now - self._beat_at >= HEARTBEAT_S:
            self.emit(path, stage, max(0.0, min(1.0, within)))


def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA ?"
    s = int(seconds + 0.5)
    return f"ETA {s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"ETA {s // 60}m{s % 60:02d}s"
