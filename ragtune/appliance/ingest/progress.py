"""Ingest progress measured in bytes, with an ETA: one big file moves the bar while it is embedded (in slabs of
chunks), instead of sitting at "3/4 files" for minutes. Files that turn out unchanged, or fail, leave the total,
so the rate and the ETA describe the work that is really being done. Before its first slab, a big file is chunked
and tokenised (tens of seconds for a 20 MB HTML page): a heartbeat (`Tracker.beat`, stage "chunking") says how far
that is within the file, without moving the bytes, which stand for the embedding (most of the work with the real
model): the line moves while the ETA keeps to the rate of the work done."""

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

    @property
    def fraction(self) -> float:
        if self.bytes_total > 0:
            return max(0.0, min(1.0, self.bytes_done / self.bytes_total))
        return self.files_done / self.files_total if self.files_total else 1.0

    @property
    def eta_s(self) -> float | None:
        """Seconds left at the rate so far (None in the first seconds, when a rate means little)."""
        f = self.fraction
        if self.elapsed_s < 2 or f <= 0:
            return None
        return max(0.0, self.elapsed_s * (1 - f) / f)


OnProgress = Callable[[IngestProgress], None]
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

    def skip(self, nbytes: float) -> None:
        """Bytes with nothing to do (unchanged, failed, empty): out of the total."""
        self.bytes_total = max(self.bytes_done, self.bytes_total - nbytes)

    def credit(self, nbytes: float) -> None:
        self.bytes_done = min(self.bytes_total, self.bytes_done + nbytes)

    def emit(self, path: str, stage: str, within: float | None = None) -> None:
        if self.sink is not None:
            now = time.perf_counter()
            self._beat_at = now
            self.sink(IngestProgress(self.files_done, self.files_total, self.bytes_done, self.bytes_total, path,
                                     stage, now - self.t0, within))

    def beat(self, path: str, stage: str, within: float) -> None:
        """Progress within one file (`within`, 0..1), at most every HEARTBEAT_S since the last event."""
        if self.sink is not None and time.perf_counter() - self._beat_at >= HEARTBEAT_S:
            self.emit(path, stage, max(0.0, min(1.0, within)))


def fmt_eta(seconds: float | None) -> str:
    if seconds is None:
        return "ETA ?"
    s = int(seconds + 0.5)
    return f"ETA {s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"ETA {s // 60}m{s % 60:02d}s"
