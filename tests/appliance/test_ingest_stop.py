"""A stop (`should_stop`: the CLI's Ctrl-C, the TUI's escape) inside one big document: between its embedding slabs
the document is dropped whole (nothing of it stored, its earlier version intact and searchable), the documents
before it are stored, and the same ingest run again stores it completely."""

from __future__ import annotations

import pytest

import ragtune.appliance.ingest.run as pl
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store

from .test_ingest import _check_consistent, _snapshot

PARAGRAPHS = 90  # small chunks (below): a big document of ~90 chunks, several slabs of the small EMBED_SLAB


@pytest.fixture
def small(settings):
    """Small chunks and a small flush threshold (`flush_at` = 64 chunks), so a big document is a few KB."""
    return settings.replace("ingest", chunk_tokens=32, overlap_tokens=4).replace("embed", batch_size=4)


def _big_text(word: str) -> str:
    paras = [f"Paragraph {i} {word}{i} " + " ".join(f"{word} filler{i}x{j}" for j in range(12)) + "."
             for i in range(PARAGRAPHS)]
    return "# Big\n\n" + "\n\n".join(paras) + "\n"


def _stop_after_first_slab(fake):
    start = fake.calls
    return lambda: fake.calls > start


def _paths(settings) -> set[str]:
    with Store(settings.home.db_path) as st:
        return {d["path"] for d in st.documents()}


def _chunk_text(settings, path) -> str:
    with Store(settings.home.db_path) as st:
        doc = st.documents(str(path))[0]
        return " ".join(c[1] for c in st.document_chunks(doc["id"]))


@pytest.mark.parametrize("slab", [1, 8])  # 1: the earlier documents' chunks take slabs of their own
def test_a_stop_between_slabs_drops_the_big_document_and_keeps_the_ones_before(small, tmp_path, fake, monkeypatch,
                                                                                slab):
    monkeypatch.setattr(pl, "EMBED_SLAB", slab)
    d = tmp_path / "docs"
    d.mkdir()
    (d / "1-a.md").write_text("# A\n\nalpha notes about apples")
    (d / "2-b.md").write_text("# B\n\nbeta notes about bananas")
    (d / "3-big.md").write_text(_big_text("bigword"))
    (d / "4-after.md").write_text("# After\n\nnotes after the big one")

    s = ingest_paths(small, [d], embedder=fake, prune=True, should_stop=_stop_after_first_slab(fake))
    assert s.stopped and s.files_left == 2 and s.deleted == 0  # the big file and the one after it
    assert (s.added, s.updated, s.chunks_added, s.chunks_embedded, s.failed) == (2, 0, 2, 2, [])
    assert _paths(small) == {str(d / "1-a.md"), str(d / "2-b.md")}  # flushed with the big one, still stored
    _check_consistent(small)  # no chunk without its vector, keyword index in step
    assert LexicalIndex(small.home.lexical_dir).search("bigword", 5) == []

    rest = ingest_paths(small, [d], embedder=fake, prune=True)
    assert not rest.stopped and (rest.added, rest.unchanged, rest.failed) == (2, 2, [])
    assert _paths(small) == {str(d / p) for p in ("1-a.md", "2-b.md", "3-big.md", "4-after.md")}
    text = _chunk_text(small, d / "3-big.md")
    assert all(f"bigword{i}" in text for i in range(PARAGRAPHS))  # stored completely
    with Store(small.home.db_path) as st:
        assert st.documents(str(d / "3-big.md"))[0]["n_chunks"] > 4 * slab
    _check_consistent(small)


def test_a_replaced_document_stopped_half_way_keeps_its_old_version_searchable(small, tmp_path, fake, monkeypatch):
    monkeypatch.setattr(pl, "EMBED_SLAB", 8)
    big = tmp_path / "docs" / "big.md"
    big.parent.mkdir()
    big.write_text(_big_text("oldword"))
    ingest_paths(small, [big.parent], embedder=fake)
    before = _snapshot(small)
    calls = fake.calls

    big.write_text(_big_text("newword"))
    s = ingest_paths(small, [big.parent], embedder=fake, should_stop=_stop_after_first_slab(fake))
    assert fake.calls == calls + 1  # one slab embedded, then the stop
    assert s.stopped and s.files_left == 1 and (s.added, s.updated, s.chunks_added, s.chunks_deleted) == (0, 0, 0, 0)
    assert _snapshot(small) == before  # rows, vectors and index_version as they were
    _check_consistent(small)
    lex = LexicalIndex(small.home.lexical_dir)
    assert len(lex.search("oldword", 5)) == 5 and lex.search("newword", 5) == []
    lex.close()
    with Store(small.home.db_path) as st:  # and found by meaning: its vectors are there
        assert st.vector_knn(fake.encode_query("oldword filler3x4"), 3)

    again = ingest_paths(small, [big.parent], embedder=fake)
    assert not again.stopped and again.updated == 1
    text = _chunk_text(small, big)
    assert "oldword" not in text and all(f"newword{i}" in text for i in range(PARAGRAPHS))
    _check_consistent(small)
