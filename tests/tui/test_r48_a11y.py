"""Round 48 (accessibility: screen readers, 200 % fonts, NO_COLOR, keyboard only), and what round 47 left:
- `ragtune demo` without a terminal printed its citations without the chunk number the app shows (`, chunk 3/7`);
- the documents list (ctrl+t) stayed as first read while the watch saw another process ingest or remove documents;
- a document re-ingested since the answer opened (ctrl+o) as the cited text alone, not the version stored now;
- the eval reports list told go from no-go by the colour of one `●` alone."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner

from ragtune.appliance.types import Answer, ContextItem
from ragtune.cli.chat_cmd import _print_answer
from ragtune.tui import watch
from ragtune.tui.docsource import REINGESTED_WHOLE, STORED_NOW, StoreDocuments
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.screens.evals import list_label
from ragtune.tui.widgets.doclist import DocumentList
from tests.tui.fakes import FakeDocuments, wait_until

from .test_documents import listed, open_documents
from .test_r47_chat_reingest import cited, reingest
from .test_screens_qa import store_with_document

TEXT = "alpha beta gamma " * 100


def _printed(answer: Answer, lookup=None) -> str:
    @click.command()
    def run() -> None:
        _print_answer(1, "what?", answer, lookup)

    return CliRunner().invoke(run, []).output


def test_demo_prints_each_citations_chunk_number(settings):
    store_with_document(settings, TEXT, chunk=100)  # 17 chunks; chunk id 11 is the second
    item = ContextItem(id="S1", text=TEXT[100:200], chunk_id=11, source="/docs/big.md", start_char=100, end_char=200)
    docs = StoreDocuments(settings.home)
    try:
        out = _printed(Answer(status="ok", answer="gamma.", citations=[item]), docs.chunk)
    finally:
        docs.close()
    assert "    [1] /docs/big.md, chunk 2/17 (chars 100-200)" in out.splitlines()


def test_demo_leaves_the_number_out_when_it_cannot_say_it():
    item = ContextItem(id="S1", text="x", chunk_id=99, source="/docs/gone.md", start_char=0, end_char=1)

    def broken(_item):
        raise OSError("database is locked")

    for lookup in (None, broken):
        out = _printed(Answer(status="ok", answer="x", citations=[item]), lookup)
        assert "    [1] /docs/gone.md (chars 0-1)" in out.splitlines()


async def test_the_documents_list_follows_an_ingest_elsewhere(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 0.05)
    docs = FakeDocuments()
    app = make_app(documents=docs)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_documents(pilot)
        before = listed(screen)
        await pilot.press("tab", "down")  # the reader is on the second document
        keep = screen.listing.highlighted
        docs.paths["docs/aaa-new.md"] = 77  # another process ingests a file sorted first, and the version moves
        docs.version += 1
        await wait_until(pilot, lambda: "docs/aaa-new.md" in listed(screen), tries=300)
        assert listed(screen) == sorted([*before, "docs/aaa-new.md"])
        assert screen.listing.highlighted == keep  # still on the document the reader was on
        head = str(screen.query_one("#docs-head").render())
        assert f"{len(before) + 1:,} ingested" in head


async def test_the_filter_stays_when_the_list_is_read_again(make_app, monkeypatch):
    monkeypatch.setattr(watch, "EVERY", 0.05)
    docs = FakeDocuments()
    app = make_app(documents=docs)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_documents(pilot)
        gone = listed(screen)[0]
        await pilot.press(*"docs")
        await pilot.pause()
        del docs.paths[gone]  # `ragtune docs remove` elsewhere
        docs.version += 1
        await wait_until(pilot, lambda: gone not in listed(screen), tries=300)
        assert gone not in listed(screen)
        assert screen.query_one("#docs-filter").value == "docs"
        assert isinstance(screen.query_one(DocumentList), DocumentList)


def test_a_reingested_document_shows_the_version_stored_now(settings):
    store_with_document(settings, TEXT, chunk=100)
    reingest(settings, text="new intro. " + TEXT[:600])  # edited: the cited words are still in it, moved
    docs = StoreDocuments(settings.home)
    try:
        doc = docs.document(cited())
    finally:
        docs.close()
    assert doc.doc_id == 1 and doc.note.startswith(REINGESTED_WHOLE)
    assert doc.text.startswith("new intro. alpha beta gamma") and len(doc.text) > 500  # the whole stored version
    assert doc.span is not None and doc.text[doc.span[0]:doc.span[1]] == cited().text


def test_a_reingested_document_without_the_cited_text_shows_both(settings):
    store_with_document(settings, TEXT, chunk=100)
    reingest(settings)  # "alpha beta delta …": the cited "alpha beta gamma " is gone
    docs = StoreDocuments(settings.home)
    try:
        doc = docs.document(cited())
    finally:
        docs.close()
    assert "no longer in it" in doc.note
    cited_text, rest = doc.text.split(f"\n\n{STORED_NOW}\n\n")
    assert cited_text == cited().text and doc.span == (0, len(cited_text))
    assert rest.startswith("alpha beta delta") and len(rest) > 1000


async def test_the_document_view_of_a_reingested_citation_at_60x20(make_app, settings):
    store_with_document(settings, TEXT, chunk=100)
    reingest(settings)
    docs = StoreDocuments(settings.home)
    try:
        app = make_app(documents=docs)
        async with app.run_test(size=(60, 20)) as pilot:
            app.open_document(cited(), ["alpha"])
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            body = str(app.screen.query_one("#doc-body").render())
            assert STORED_NOW in body and "alpha beta delta" in body
            await pilot.press("a")
            await pilot.pause()
            assert app.scope == {"doc_ids": [1]}
    finally:
        docs.close()


def test_eval_reports_say_go_or_no_go_in_words():
    from ragtune.tui.reports import EvalReport

    def label(decision) -> str:
        rep = EvalReport(path=Path("/x"), name="run-1", mtime=0.0, data={"decision": decision})
        text = list_label(rep, 30).plain
        assert all(len(line) <= 30 for line in text.split("\n"))
        return text

    assert label({"go": True}).startswith("● run-1\n  go 19")
    assert label({"go": False}).startswith("● run-1\n  no-go 19")
    assert label({"go": False, "smoke_test": True}).startswith("○ run-1\n  smoke test 19")
    assert label({}).startswith("○ run-1\n  no decision 19")
