"""Round 45: `walk` looks each given path up once (it was looked up for the link check, then again for the walk); a
chunk's token ids are hashed where they lie (they were copied into bytes for their key); a big HTML page's parse
beats (`reading`, how far within it) instead of sitting silent for seconds."""

from __future__ import annotations

import hashlib
import tracemalloc
import unicodedata
from pathlib import Path

import numpy as np

import ragtune.appliance.ingest.progress as progress_mod
import ragtune.appliance.ingest.walk as walk_mod
from ragtune.appliance.ingest.loaders import base
from ragtune.appliance.ingest.loaders.web import load_html
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.reuse import embed_ids, ids_key


# -- 3: each given path looked up once ------------------------------------------------------------------------------
def test_walk_looks_each_given_path_up_once(tmp_path, monkeypatch):
    folder = tmp_path / unicodedata.normalize("NFD", "Qualité")  # as a Mac names it
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\ntext\n", encoding="utf-8")
    (tmp_path / "b.md").write_text("# B\n\ntext\n", encoding="utf-8")
    calls: list[Path] = []
    real_other_form, real_realpath = walk_mod._other_form, walk_mod.os.path.realpath
    monkeypatch.setattr(walk_mod, "_other_form", lambda p: calls.append(p) or real_other_form(p))
    typed = [tmp_path / unicodedata.normalize("NFC", "Qualité"), tmp_path / "b.md", tmp_path / "missing.md"]
    given_real: list[str] = []
    monkeypatch.setattr(walk_mod.os.path, "realpath",
                        lambda p, **k: given_real.append(str(p)) or real_realpath(p, **k))
    w = walk_mod.walk(typed, [".md"])
    assert len(calls) == 2  # the composed name and the missing file: once each (was twice each)
    assert given_real.count(str(folder)) == 1  # the folder's real path: once (was twice)
    assert [i.path for i in w.items] == [folder / "a.md", tmp_path / "b.md"]
    assert w.failed == [(str(tmp_path / "missing.md"), "not found")] and w.paths_bad == 1
    assert w.prune_roots == [folder]


def test_walk_results_are_as_before_for_links_and_errors(tmp_path):
    share, private = tmp_path / "share", tmp_path / "private"
    share.mkdir(), private.mkdir()
    (private / "p.md").write_text("# P\n\nx\n", encoding="utf-8")
    (share / "p.md").symlink_to(private / "p.md")
    (share / "own.md").write_text("# O\n\nx\n", encoding="utf-8")
    w = walk_mod.walk([share], [".md"])
    assert [i.path.name for i in w.items] == ["own.md"] and w.failed[0][1].startswith(walk_mod.OUTSIDE_LINK)
    w = walk_mod.walk([share, private / "p.md"], [".md"])  # the target given too: followed, stored once
    assert sorted(str(i.path) for i in w.items) == sorted([str(share / "own.md"), str(private / "p.md")])
    assert w.failed == []


# -- 4: token ids keyed where they lie ------------------------------------------------------------------------------
def test_ids_key_hashes_the_array_without_copying_it():
    ids = np.arange(4_000_000, dtype="<u4")  # 16 MB of ids
    want = hashlib.sha256(ids.tobytes()).hexdigest()
    tracemalloc.start()
    try:
        got = ids_key(ids)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert got == want  # the same keys as stored before
    assert peak < 1_000_000  # was a 16 MB bytes copy
    assert ids_key([101, 2054, 102]) == hashlib.sha256(np.asarray([101, 2054, 102], "<u4").tobytes()).hexdigest()


def test_the_ids_embedded_are_the_arrays_tokenised(settings, fake, tmp_path):
    """Each chunk's ids are built once (by the embedder, or `embed_ids` for one that gives lists) and handed to
    `encode_token_ids` as they are: no copy between."""
    made: list[np.ndarray] = []
    given: list[np.ndarray] = []
    fake_ids = fake.token_ids

    def token_ids(texts):
        out = [np.asarray(x, dtype="<u4") for x in fake_ids(texts)]
        made.extend(out)
        return out

    def encode_token_ids(ids):
        given.extend(ids)
        return fake.encode([fake.tokenizer.decode(list(x)) for x in ids])

    fake.token_ids, fake.encode_token_ids = token_ids, encode_token_ids
    (tmp_path / "d.md").write_text("# D\n\n" + "Words of the document go on. " * 200, encoding="utf-8")
    s = ingest_paths(settings, [tmp_path / "d.md"], embedder=fake)
    assert s.added == 1 and given and len(given) == s.chunks_embedded
    assert all(any(g is m for m in made) for g in given)

    class Arrays:
        def token_ids(self, texts):
            return [np.arange(3, dtype="<u4") for _ in texts]

    emb = Arrays()
    arrays = emb.token_ids(["x"])
    emb.token_ids = lambda texts: arrays
    assert embed_ids(emb, ["x"])[0] is arrays[0]  # an embedder's arrays are kept, not built again


# -- 5: a heartbeat inside a big HTML parse --------------------------------------------------------------------------
def _page(rows: int) -> bytes:
    body = "".join(f"<tr><td>Item {i}</td><td><a href='/x/{i}'>link {i}</a></td></tr>\n" for i in range(rows))
    return f"<html><head><title>Big</title></head><body><table>{body}</table></body></html>".encode()


def test_the_html_parse_beats_and_reads_the_same(tmp_path):
    raw = _page(3000)  # 12k start tags
    quiet = load_html(tmp_path / "p.html", raw)
    beats: list[float] = []
    token = base.PARSE_BEAT.set(beats.append)
    try:
        loud = load_html(tmp_path / "p.html", raw)
    finally:
        base.PARSE_BEAT.reset(token)
    assert loud == quiet
    assert len(beats) == 12000 // base.PARSE_BEAT_EVERY  # one check each PARSE_BEAT_EVERY start tags
    assert beats == sorted(beats) and 0 < beats[0] and beats[-1] <= 1


def test_the_html_parse_beats_on_one_line_too(tmp_path):
    raw = _page(3000).replace(b"\n", b"")
    beats: list[float] = []
    token = base.PARSE_BEAT.set(beats.append)
    try:
        load_html(tmp_path / "p.html", raw)
    finally:
        base.PARSE_BEAT.reset(token)
    assert beats and beats == sorted(beats) and 0 < beats[0] < beats[-1] <= 1


def test_ingest_reports_reading_progress_within_a_big_page(settings, fake, tmp_path, monkeypatch):
    monkeypatch.setattr(progress_mod, "HEARTBEAT_S", 0.0)
    (tmp_path / "big.html").write_bytes(_page(3000))
    events = []
    s = ingest_paths(settings, [tmp_path / "big.html"], embedder=fake, on_progress=events.append)
    assert s.added == 1
    reading = [e.within for e in events if e.stage == "reading" and e.within is not None]
    assert reading and reading == sorted(reading)  # was: none (silent until chunking)
    assert base.PARSE_BEAT.get() is None  # put back after the load
