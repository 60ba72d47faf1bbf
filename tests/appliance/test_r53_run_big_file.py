"""A big file (round 53, h7: a 50k-row CSV on a shared drive, ~40 min to embed on a busy 2-core box) no longer holds
back the small files read before it: they are stored before its embedding starts, so `docs list` and `ask` see them
meanwhile and a kill does not lose them (ingest/run.py `_Run.add`)."""

from __future__ import annotations

import sqlite3

from ragtune.appliance.ingest.pipeline import ingest_paths
from tests.appliance.ingest_helpers import FakeEmbedder


class _Watching(FakeEmbedder):
    """Records, at each encode call, the paths the database holds (read from another connection, as `docs list`)."""

    def __init__(self, tokenizer, db):
        super().__init__(tokenizer)
        self.db = db
        self.seen: list[tuple[bool, list[str]]] = []

    def encode(self, texts):
        big = any("Row" in t for t in texts)
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as c:
            self.seen.append((big, sorted(r[0].rsplit("/", 1)[-1] for r in c.execute("SELECT path FROM documents"))))
        return super().encode(texts)


def test_small_files_are_stored_before_a_big_one_is_embedded(settings, tokenizer, tmp_path):
    share = tmp_path / "share"
    share.mkdir()
    (share / "a-hours.md").write_text("# Office hours\n\nThe office opens at 7:30.\n")
    (share / "b-notes.txt").write_text("Notes\n\nParking permits cost 45 euros per month.\n")
    rows = "".join(f"Row {i} of the shipment ledger: depot {i % 7}, weight {i * 3} kg, status delivered.\n\n"
                   for i in range(1500))
    (share / "c-ledger.md").write_text("# Shipments\n\n" + rows)
    settings.home.ensure()
    fake = _Watching(tokenizer, settings.home.db_path)
    s = ingest_paths(settings, [share], embedder=fake)
    assert (s.added, s.failed) == (3, [])
    first_big = next(stored for big, stored in fake.seen if big)
    assert first_big == ["a-hours.md", "b-notes.txt"], fake.seen  # stored before the big file's first slab
    with sqlite3.connect(settings.home.db_path) as c:
        assert c.execute("SELECT COUNT(*) FROM documents").fetchone()[0] == 3
