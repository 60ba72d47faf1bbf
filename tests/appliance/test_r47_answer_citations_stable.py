"""Round 47, carried from round 45: "citations shift after an unrelated re-ingest" (no reproduction was kept).
Reproduced here with the real ingest, retriever, answer cache, query log and the chat's source lookup, the fake
model citing "S1": an answer's citations, its query-log row and the chat's source pane keep naming the text the
answer cited after another document is re-ingested (and after the cited one is), from a fresh answer or a cached
one. Ids are never given twice since migration 0015; these pin it end to end."""

from __future__ import annotations

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.querylog import show_entry
from ragtune.appliance.retrieve import Retriever
from ragtune.tui.docsource import StoreDocuments
from tests.fakes import FakeGenerator

Q = "How many vacation days do new hires get?"
CITES = {"status": "ok", "answer": "New hires get 25 vacation days.", "citations": ["S1"]}
DOCS = {
    "a.md": "# Leave\n\nNew hires get 25 vacation days a year. Unused days carry over to March.\n",
    "b.md": "# Travel\n\nTravel is booked through the portal. Receipts are filed within 30 days.\n",
    "c.md": "# Security\n\nBadges are worn at all times. Lost badges are reported to the front desk.\n",
}


def _stored(store, cid):
    """(text, path) of stored chunk `cid`, or None."""
    row = store.chunk_with_document(cid)
    return None if row is None else (row["text"], row["path"])


def _same_or_gone(store, items):
    """Each cited item's chunk id names the text and document it cited, or nothing: never other text."""
    for c in items:
        got = _stored(store, c["chunk_id"] if isinstance(c, dict) else c.chunk_id)
        text, source = (c["text"], None) if isinstance(c, dict) else (c.text, c.source)
        assert got is None or (got[0] == text and (source is None or got[1] == source)), (c, got)


@pytest.fixture
def world(settings, fake, tmp_path):
    root = tmp_path / "docs"
    root.mkdir()
    for name, text in DOCS.items():
        (root / name).write_text(text)
    ingest_paths(settings, [root], embedder=fake)
    retr = Retriever(settings, embedder=fake)
    eng = AnswerEngine(settings, retriever=retr, generator=FakeGenerator([CITES]))
    yield root, eng
    eng.close()
    retr.close()


@pytest.mark.parametrize("reingested", ["b.md", "a.md"])
def test_citations_keep_their_text_after_another_document_is_reingested(world, settings, fake, reingested):
    root, eng = world
    first = eng.ask(Q)
    assert first.status == "ok" and first.citations[0].source.endswith("a.md")
    cited = [(c.chunk_id, c.text, c.source) for c in first.citations]
    (root / reingested).write_text(DOCS[reingested].replace("portal", "new portal").replace("March", "April"))
    ingest_paths(settings, [root], embedder=fake)  # new chunks for the changed document; the others untouched
    again = eng.ask(Q)  # a fresh answer, or the cache's when the sources are the same
    pane = StoreDocuments(settings.home)
    try:
        store = eng.store
        _same_or_gone(store, again.citations)  # the new answer names what is stored now
        for c in again.citations:
            assert c.text in [x.text for x in again.context if x.id == c.id]
        _same_or_gone(store, first.citations)  # the old answer's ids: its own text, or nothing
        assert [(c.chunk_id, c.text, c.source) for c in first.citations] == cited
        for entry in (show_entry(store, first.log_id), show_entry(store, again.log_id)):
            _same_or_gone(store, entry["context"])  # `log show`: the logged sources, never re-read by id
        for c in first.citations:  # the chat's source pane for the old answer
            shown = pane.chunk(c)
            assert shown.text == c.text or "no longer stored" in (shown.note or "")
    finally:
        pane.close()
    if reingested == "b.md":  # the cited document did not change: its chunk is the one cited
        assert [c.chunk_id for c in again.citations] == [c[0] for c in cited]


def test_an_answer_citing_a_removed_document_never_names_the_next_ingest_s_text(settings, fake, tmp_path):
    """The round-45 report as it happens: the cited document holds the newest chunk ids, it is removed, another
    (unrelated) document is ingested. Before 0015 that one took the removed chunks' ids, and the old answer's
    citations, its query-log row and the chat's source pane showed its text."""
    from ragtune.appliance.ingest.documents import remove_documents

    root = tmp_path / "docs"
    root.mkdir()
    for name in ("b.md", "c.md"):
        (root / name).write_text(DOCS[name])
    ingest_paths(settings, [root], embedder=fake)
    (root / "a.md").write_text(DOCS["a.md"])
    ingest_paths(settings, [root / "a.md"], embedder=fake)  # the cited document: the largest chunk ids
    with Retriever(settings, embedder=fake) as retr, \
            AnswerEngine(settings, retriever=retr, generator=FakeGenerator([CITES])) as eng:
        first = eng.ask(Q)
        assert first.citations[0].source.endswith("a.md")
        remove_documents(settings, [str(root / "a.md")])
        (root / "d.md").write_text("# Parking\n\nNew hires get a parking badge on their first day.\n")
        ingest_paths(settings, [root / "d.md"], embedder=fake)
        store = eng.store
        _same_or_gone(store, first.citations)
        assert all(_stored(store, c.chunk_id) is None for c in first.citations)
        _same_or_gone(store, show_entry(store, first.log_id)["context"])
        pane = StoreDocuments(settings.home)
        try:
            shown = pane.chunk(first.citations[0])
            assert shown.text == first.citations[0].text and "no longer stored" in shown.note
        finally:
            pane.close()
