"""The ingest ETA of one big file (round 46). Its chunking (650 s for a 50 MB .txt) was counted as embedding time:
right after the first slab the rate was that of the chunking plus one slab, and the ETA said ~5,400 s for a file
embedded in minutes. Now the time spent preparing bytes not yet credited stays out of the rate while they are
embedded, and counts again once they are (over many files it is part of each file's cost). Synthetic clocks."""

from __future__ import annotations

import types

import ragtune.appliance.ingest.progress as progress
import ragtune.appliance.ingest.run as run
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.progress import IngestProgress, Tracker

from .ingest_helpers import FakeEmbedder


class Clock:
    def __init__(self):
        self.now = 0.0

    def perf_counter(self) -> float:
        return self.now


def _clocked(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(progress, "time", types.SimpleNamespace(perf_counter=clock.perf_counter))
    return clock


def _predicted_totals(seen: list[IngestProgress]) -> list[float]:
    return [p.elapsed_s + p.eta_s for p in seen if p.eta_s is not None and p.stage == "embedding"]


def test_one_big_files_chunking_is_not_counted_as_embedding_time(monkeypatch):
    """50 MB: read, then chunked for 650 s (heartbeats), then 100 slabs of 10 s each. Before: 65,340 s predicted
    after the first slab, for 1,650 s in all."""
    clock, seen = _clocked(monkeypatch), []
    size = 50e6
    t = Tracker(seen.append, 1, size)
    t.emit("big.txt", "reading")
    for i in range(1, 2601):  # a beat every 0.25 s
        clock.now += 0.25
        t.beat("big.txt", "chunking", i / 2600)
    t.credit(0.0)  # the flush starts: no chunk keeps a vector
    for _ in range(100):
        clock.now += 10
        t.credit(size / 100)
        t.emit("big.txt", "embedding")
    t.files_done += 1
    t.emit("", "done")
    totals = _predicted_totals(seen)
    assert len(totals) >= 99 and seen[-1].stage == "done"
    assert all(abs(total - 1650) / 1650 < 0.01 for total in totals), totals[:3]
    during = [p for p in seen if p.stage == "chunking"]
    assert during and all(p.eta_s is None for p in during)  # nothing credited yet: no rate


def test_many_small_files_still_count_their_reading_and_chunking(monkeypatch):
    """200 files, each read and chunked in 1 s and embedded in 2 s (a flush each): the preparing is not left out of
    the rate for good (that would predict 2/3 of the time, 400 s). Only the file being embedded has its reading held
    out: short by 1/(files done) at first, right after a few files."""
    clock, seen = _clocked(monkeypatch), []
    t = Tracker(seen.append, 200, 200 * 1000.0)
    for i in range(200):
        t.emit(f"f{i}.md", "reading")
        clock.now += 1
        t.credit(0.0)
        clock.now += 2
        t.credit(1000.0)
        t.emit(f"f{i}.md", "embedding")
        t.files_done += 1
    totals = _predicted_totals(seen)
    assert len(totals) == 200
    assert all(600 - 200 / (i + 1) - 1e-6 <= total <= 600 + 1e-6 for i, total in enumerate(totals)), totals[:5]
    assert all(abs(total - 600) / 600 < 0.02 for total in totals[20:])
    # while a file is read, the ETA holds at the rate so far (its reading is paid for those bytes)
    t.emit("next.md", "reading")
    before = t.held_s(clock.now)
    clock.now += 5
    t.emit("next.md", "reading")
    assert t.held_s(clock.now) == before + 5


def test_a_file_after_a_big_one_counts_the_big_ones_chunking_again(monkeypatch):
    """Once a big file's bytes are all credited, its chunking time is part of the rate again (the next files will
    be chunked too): the held time is let go when the next file is read."""
    clock, seen = _clocked(monkeypatch), []
    t = Tracker(seen.append, 2, 2000.0)
    t.emit("a.txt", "reading")
    clock.now += 100  # chunking
    t.credit(0.0)
    clock.now += 100
    t.credit(1000.0)
    t.emit("a.txt", "embedding")
    assert seen[-1].held_s == 100 and seen[-1].eta_s == 100  # at the embedding's rate alone
    t.files_done += 1
    t.emit("b.txt", "reading")
    assert seen[-1].held_s == 0 and seen[-1].eta_s == 200  # at the whole file's rate


def test_the_eta_of_an_ingest_of_one_big_file_through_the_pipeline(settings, tmp_path, tokenizer, monkeypatch):
    """ingest_paths on one big file whose chunking costs as much time as its embedding: every ETA during the
    embedding is within 15% of the time it took (before: 2x too long at the first slab, falling from there)."""
    clock = _clocked(monkeypatch)

    class Ticking(FakeEmbedder):
        def encode(self, texts):
            clock.now += len(texts)
            return super().encode(texts)

    real_chunk_text = run.chunk_text

    def chunk_text(text, *args, **kwargs):
        chunks = real_chunk_text(text, *args, **kwargs)
        clock.now += len(chunks)  # as long as embedding them
        return chunks

    monkeypatch.setattr(run, "chunk_text", chunk_text)
    monkeypatch.setattr(run, "EMBED_SLAB", 16)
    words = "lamp fog harbour crane ledger ferry cargo tide beacon quay anchor pier rope sail mast keel".split()
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "big.txt").write_text(" ".join(f"{words[j % len(words)]}{j}" for j in range(40_000)))
    seen: list[IngestProgress] = []
    summary = ingest_paths(settings, [docs], embedder=Ticking(tokenizer), on_progress=seen.append)
    assert summary.chunks_embedded >= 200
    total = clock.now
    totals = [x / total for x in _predicted_totals(seen) if x is not None]
    late = [p for p in seen if p.stage == "embedding" and p.eta_s is not None]
    assert len(totals) >= 5 and len(late) == len(totals)
    assert all(0.85 <= x <= 1.15 for x in totals), totals
