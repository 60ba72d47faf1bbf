"""Tantivy BM25 index: hostile query text, title boost, sync marker, rebuild/repair, incremental updates."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from pathlib import Path

import pytest

from ragtune.appliance import lexical as lexical_mod
from ragtune.appliance.filelock import exclusive
from ragtune.appliance.lexical import (SCHEMA_VERSION, SIDECAR, WRITER_LOCK, IndexBusy, LexicalIndex, query_terms,
                                      sweep_litter)
from ragtune.appliance.lexical_terms import index_schema
from ragtune.appliance.store import Store


def _add_doc(store, path, title, texts):
    with store.transaction() as conn:
        conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at) VALUES (?, 'x', ?, 'md', 0)",
                     (path, title))
        doc_id = conn.last_insert_rowid()
        for i, t in enumerate(texts):
            conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256)"
                         " VALUES (?, ?, ?, 0, ?, 1, 'h')", (doc_id, i, t, len(t)))
        store.bump_index_version()
    return doc_id


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "db.sqlite")
    _add_doc(s, "/a.md", "Cats", ["Cats purr when they are content and running around.", "Kittens sleep a lot."])
    _add_doc(s, "/b.md", "Gardening", ["Water the tomatoes every morning: they like it.", "Dogs dig holes (sometimes)."])
    yield s
    s.close()


@pytest.fixture
def lex(tmp_path, store):
    ix = LexicalIndex(tmp_path / "tantivy")
    assert ix.ensure_synced(store) is True
    yield ix
    ix.close()


@pytest.fixture(scope="module")
def shared_lex(tmp_path_factory):
    """One index for the many read-only query tests."""
    d = tmp_path_factory.mktemp("lex")
    s = Store(d / "db.sqlite")
    _add_doc(s, "/a.md", "Cats", ["Cats purr when they are content and running around.", "Kittens sleep a lot."])
    ix = LexicalIndex(d / "tantivy")
    ix.ensure_synced(s)
    yield ix
    ix.close()
    s.close()


def _chunk_id(store, text_start):
    return store.scalar("SELECT id FROM chunks WHERE text LIKE ?", (text_start + "%",))


def test_search_stems_and_ranks(lex, store):
    hits = lex.search("running cat", 5)
    assert hits and hits[0][0] == _chunk_id(store, "Cats purr")
    assert all(isinstance(c, int) and isinstance(s, float) for c, s in hits)
    assert lex.search("tomato", 5)[0][0] == _chunk_id(store, "Water the")


def test_title_boost(lex, store):
    # "cats" is in chunk 1's text and in the title of both chunks of doc a; boost changes the score
    kitten = _chunk_id(store, "Kittens")
    low = dict(lex.search("cats", 5, title_boost=0.1))
    high = dict(lex.search("cats", 5, title_boost=10.0))
    assert kitten in low and kitten in high and high[kitten] > low[kitten] * 5


@pytest.mark.parametrize("q", ['"unbalanced', "title:cats", "(((", "cats AND", "NOT", "a OR b OR", "+-*~^",
                               "[1 TO 5]", "text:\"x\" AND (y OR", "\\", "", "   ", "日本語", "🙂🙂", "x" * 5000,
                               " ".join(f"w{i}" for i in range(500))])
def test_never_raises_on_user_syntax(shared_lex, q):
    out = shared_lex.search(q, 10)
    assert isinstance(out, list)


def test_syntax_words_are_plain_words(lex, store):
    # parens/colons/AND are not operators: "dogs (sometimes)" still finds the chunk by its words
    assert lex.search("title:dogs AND (sometimes", 3)[0][0] == _chunk_id(store, "Dogs dig")
    assert query_terms('Title:"Cats" AND (x)') == ["title", "cats", "and", "x"]


def test_synced_marker_and_incremental_update(lex, store):
    assert lex.synced_version == store.index_version == 2
    assert lex.num_docs == 4
    doc_b = store.scalar("SELECT id FROM documents WHERE path='/b.md'")
    with store.transaction() as conn:
        conn.execute("DELETE FROM chunks WHERE doc_id=?", (doc_b,))
        conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256)"
                     " VALUES (?, 0, 'Roses need pruning in winter.', 0, 10, 1, 'h')", (doc_b,))
        store.bump_index_version()
    with lex.writer() as w:
        assert lex.synced_version is None  # dirty while writing
        assert w.prior_version == 2
        w.replace_docs(store, [doc_b])
        w.finish(store.index_version)
    assert lex.synced_version == 3 and lex.num_docs == 3
    assert lex.search("tomatoes", 5) == []
    assert lex.search("roses pruning", 5)[0][0] == _chunk_id(store, "Roses")
    assert lex.ensure_synced(store) is False


def test_writer_without_finish_rolls_back_and_stays_dirty(lex, store):
    with lex.writer() as w:
        w.delete_all()
    assert lex.synced_version is None and lex.num_docs == 4
    assert lex.ensure_synced(store) is True and lex.synced_version == 2


def test_rebuild_when_stale_missing_marker_or_count(tmp_path, lex, store):
    _add_doc(store, "/c.md", "Birds", ["Parrots can talk."])  # SQLite moves on, Tantivy does not
    assert lex.synced_version == 2 and store.index_version == 3
    assert lex.ensure_synced(store) is True and lex.search("parrots", 3)
    (tmp_path / "tantivy" / SIDECAR).unlink()  # e.g. a crash before the marker was written
    assert lex.synced_version is None
    assert LexicalIndex(tmp_path / "tantivy").ensure_synced(store) is True
    # right marker, wrong content: a document count mismatch also forces a rebuild
    with store.transaction() as conn:
        conn.execute("DELETE FROM chunks WHERE text LIKE 'Parrots%'")
    assert lex.is_synced(store) is False


def test_corrupt_index_is_rebuilt(tmp_path, store):
    d = tmp_path / "tantivy"
    d.mkdir()
    (d / "meta.json").write_text("{ this is not tantivy")
    ix = LexicalIndex(d)
    assert ix.corrupt and ix.synced_version is None
    assert ix.ensure_synced(store) is True
    assert not ix.corrupt and ix.num_docs == 4 and ix.search("kittens", 2)


def test_foreign_schema_version_is_rebuilt(tmp_path, store, lex):
    side = tmp_path / "tantivy" / SIDECAR  # an older release's schema (a newer one's is kept: test_r52_maint_schema)
    side.write_text(json.dumps({"schema": SCHEMA_VERSION - 1, "index_version": store.index_version}))
    ix = LexicalIndex(tmp_path / "tantivy")
    assert ix.corrupt
    assert ix.ensure_synced(store) is True and ix.synced_version == store.index_version


def test_busy_writer_leaves_index_alone(tmp_path, lex, store):
    other = LexicalIndex(tmp_path / "tantivy")
    _add_doc(store, "/c.md", "Birds", ["Parrots can talk."])
    with lex.writer():
        assert other.ensure_synced(store) is False  # an ingest holds the writer: keep searching the old commit
        assert other.search("kittens", 2)
        with pytest.raises(IndexBusy):
            other.rebuild(store)


def test_synced_marker_is_written_before_the_writer_lock_is_released(tmp_path, lex, store, monkeypatch):
    """Crash sweep: the marker was written after the lock was released, so the next writer (an ingest waiting
    for it, a searcher's rebuild) could dirty it in between and have it overwritten with the old version, the two
    sharing one temporary file (a raw FileNotFoundError on a race)."""
    other = LexicalIndex(tmp_path / "tantivy")
    write = LexicalIndex._write_sidecar
    seen = []

    def spy(self, version):
        if version is not None:
            try:
                with other.writer():
                    seen.append("free")
            except IndexBusy:
                seen.append("held")
        write(self, version)

    monkeypatch.setattr(LexicalIndex, "_write_sidecar", spy)
    with lex.writer() as w:
        w.finish(store.index_version)
    assert seen == ["held"] and lex.synced_version == store.index_version


def test_max_df_leaves_out_common_terms_when_a_rare_one_remains(tmp_path, monkeypatch):
    import ragtune.appliance.lexical as lexical

    monkeypatch.setattr(lexical, "MIN_PRUNED_POSTINGS", 0)  # a big store's rule, on ten chunks
    s = Store(tmp_path / "db.sqlite")
    texts = [f"the report number {i} covers the running costs" for i in range(9)] + ["the heron manual"]
    _add_doc(s, "/a.md", "Docs", texts)
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(s)
    try:
        heron = _chunk_id(s, "the heron")
        full = ix.search("the running heron", 20)
        pruned = ix.search("the running heron", 20, max_df=0.5)
        assert len(full) == 10 and pruned == [(heron, pruned[0][1])]  # "the", "running" (as "run"): in 9-10 of 10
        # every term common: the query is kept whole rather than emptied
        assert len(ix.search("the running", 20, max_df=0.5)) == 10
        assert ix.search("the heron", 20, max_df=1.0) == ix.search("the heron", 20)
        monkeypatch.setattr(lexical, "MIN_PRUNED_POSTINGS", 10)  # 10 chunks x 0.5: lists this short are kept
        assert len(ix.search("the running heron", 20, max_df=0.5)) == 10
    finally:
        ix.close()
        s.close()


def test_equal_scores_come_in_chunk_id_order_whatever_the_segment_order(tmp_path):
    """Copies of a text score alike; tantivy orders them by segment and address, which an update changes (here:
    doc A's chunks are re-added after doc B's copy), and fusion breaks its ties by these ranks."""
    s = Store(tmp_path / "db.sqlite")
    a = _add_doc(s, "/a.md", "Copy", ["Heron robots carry a warranty.", "Heron robots carry a warranty."])
    _add_doc(s, "/b.md", "Copy", ["Heron robots carry a warranty."])
    ix = LexicalIndex(tmp_path / "tantivy")
    ix.ensure_synced(s)
    with ix.writer() as w:
        w.replace_docs(s, [a])
        w.finish(s.index_version)
    hits = ix.search("heron warranty", 5)
    assert len(hits) == 3 and len({sc for _, sc in hits}) == 1
    assert [c for c, _ in hits] == sorted(c for c, _ in hits)
    ix.close()
    s.close()


def test_the_writer_removes_what_a_killed_writer_left_never_while_another_writes(tmp_path, lex, store):
    """Kill fuzzer: Tantivy's `.tmpXXXXXX` (a meta write cut short) and our `synced.json.tmp` stayed for good."""
    litter = [tmp_path / "tantivy" / n for n in (".tmpAb12Cd", SIDECAR + ".tmp")]
    keep = tmp_path / "tantivy" / ".tmpnot-tantivy"
    keep.write_text("x")
    other = LexicalIndex(tmp_path / "tantivy")
    with lex.writer():  # a writer holds the lock (these might be its own): the other may not clear anything
        for p in litter:
            p.write_text("{")
        with pytest.raises(IndexBusy):
            other.rebuild(store)
        assert all(p.exists() for p in litter)
    with other.writer():
        assert not any(p.exists() for p in litter) and keep.exists()
    assert other.synced_version is None and lex.ensure_synced(store)


def _create_and_add(root: str, rounds: int, barrier, results) -> None:
    """One of the racing processes: at each round, all open the same new index at the same moment, then add one
    document each (waiting for the writer in turn)."""
    for r in range(rounds):
        path = Path(root) / f"r{r}"
        barrier.wait()
        try:
            ix = LexicalIndex(path)
            corrupt = ix.corrupt
            for _ in range(2000):
                try:
                    with ix.writer() as w:
                        w.add(os.getpid() * 1000 + r, 1, "t", "hello world")
                        w.finish(1)
                    break
                except IndexBusy:
                    time.sleep(0.005)
            ix.close()
            results.put((r, "corrupt" if corrupt else "ok"))
        except Exception as exc:  # noqa: BLE001 - reported to the test
            results.put((r, repr(exc)))


def test_processes_creating_a_new_index_at_once_make_it_once(tmp_path):
    """A creation's meta temporaries (`.tmpXXXXXX`) were taken by another process's writer as a killed writer's: the
    creator failed, took the index for damaged and wiped the folder under the others (documents lost, errors)."""
    n, rounds = 4, 25
    ctx = multiprocessing.get_context("spawn")  # no fork of a process with Tantivy's threads
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_create_and_add, args=(str(tmp_path), rounds, barrier, results)) for _ in range(n)]
    for p in procs:
        p.start()
    got = [results.get(timeout=300) for _ in range(n * rounds)]
    for p in procs:
        p.join(timeout=60)
    assert [g for g in got if g[1] != "ok"] == []
    for r in range(rounds):
        ix = LexicalIndex(tmp_path / f"r{r}")
        assert not ix.corrupt and ix.num_docs == n, (r, sorted(os.listdir(tmp_path / f"r{r}")))
        ix.close()


def test_a_creation_waits_for_the_writer_lock_and_leaves_anothers_temporary(tmp_path, monkeypatch):
    """Another process creating the index (it holds the lock, its meta temporary is there): this one neither
    creates beside it nor takes the temporary for litter; it waits, then opens the other's index."""
    path = tmp_path / "tantivy"
    path.mkdir()
    theirs = path / ".tmpAb12Cd"
    monkeypatch.setattr(lexical_mod, "LOCK_WAIT_S", 0.2)
    with exclusive(path / WRITER_LOCK):  # a lock belongs to the open file: this process's other opens wait too
        theirs.write_text("{")
        with pytest.raises(IndexBusy):
            LexicalIndex(path)
        assert theirs.exists() and not (path / "meta.json").exists()
        import tantivy

        tantivy.Index(index_schema(), path=str(path), reuse=True)  # their creation, under their lock
        theirs.unlink()  # renamed into place, in their real run
    ix = LexicalIndex(path)
    assert not ix.corrupt and ix.num_docs == 0
    ix.close()


def test_a_creation_clears_what_a_killed_creation_left(tmp_path):
    path = tmp_path / "tantivy"
    dead = [path / ".tmpAb12Cd", path / (SIDECAR + ".tmp")]
    path.mkdir()
    for p in dead:
        p.write_text("{")
    ix = LexicalIndex(path)
    assert not ix.corrupt and not any(p.exists() for p in dead)
    ix.close()


def test_sweep_litter_takes_only_what_no_writer_holds(tmp_path, lex, store):
    path = tmp_path / "tantivy"
    litter = [path / ".tmpAb12Cd", path / (SIDECAR + ".tmp")]
    with lex.writer():
        for p in litter:
            p.write_text("{")
        sweep_litter(path)  # the writer's own, maybe: left, and no wait
        assert all(p.exists() for p in litter)
    sweep_litter(path)
    assert not any(p.exists() for p in litter)
    lex.ensure_synced(store)  # the writer above never finished: its marker says so
    assert lex.is_synced(store)
    fresh = tmp_path / "empty"
    fresh.mkdir()
    sweep_litter(fresh)  # nothing to remove: nothing touched (no lock file made)
    sweep_litter(tmp_path / "missing")
    assert os.listdir(fresh) == []


def test_a_reset_never_wipes_an_index_another_writer_holds(tmp_path, lex, store, monkeypatch):
    """A process that takes the index for damaged (a newer schema's marker, say) waits for a live writer instead of
    emptying the folder under it; the lock files stay through a reset (a new one would exclude no one)."""
    monkeypatch.setattr(lexical_mod, "LOCK_WAIT_S", 0.2)
    other = LexicalIndex(tmp_path / "tantivy")
    with lex.writer():
        before = sorted(os.listdir(tmp_path / "tantivy"))
        with pytest.raises(IndexBusy):
            other._reset_dir()
        assert sorted(os.listdir(tmp_path / "tantivy")) == before
    lock = (tmp_path / "tantivy" / WRITER_LOCK).stat().st_ino
    other._reset_dir()
    assert (tmp_path / "tantivy" / WRITER_LOCK).stat().st_ino == lock and other.num_docs == 0
    assert lex.ensure_synced(store) is True
