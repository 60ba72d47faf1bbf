"""Round 49: the chat shows a document's path the way `ragtune ask` and `docs list` do (doc_names). A name ending in a
space or a dot ("notes.txt ", written on Linux or a Mac) was shown bare, its end unseen, in the citations panel, the
Source panel, the document view (ctrl+o), the copied answer (ctrl+y) and `ragtune demo`'s lines; and two cited paths
that differ only in Unicode form (a composed "é" and a Mac copy's decomposed one) looked like the same path twice."""

from __future__ import annotations

import unicodedata

import click
from click.testing import CliRunner

from ragtune.appliance.types import Answer, ContextItem
from ragtune.cli.chat_cmd import _print_answer
from ragtune.tui.docsource import ChunkInfo, DocumentText
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.widgets.citations import CitationsPanel, citation_label
from ragtune.tui.widgets.messages import AnswerMessage, answer_transcript
from ragtune.tui.widgets.source import source_head

COMPOSED = unicodedata.normalize("NFC", "docs/Résumé.md")
DECOMPOSED = unicodedata.normalize("NFD", "docs/Résumé.md")


def item(source: str, n: int = 1) -> ContextItem:
    return ContextItem(id=f"S{n}", text="Annual leave is 25 days.", chunk_id=n, source=source, start_char=0,
                       end_char=24)


def test_citation_label_quotes_a_name_ending_in_a_space_or_a_dot():
    assert citation_label(1, item("docs/notes.txt ")).plain.startswith('[1] "notes.txt " › ')
    assert citation_label(2, item("docs/report.")).plain.startswith('[2] "report." › ')
    assert citation_label(3, item("docs/notes.txt")).plain.startswith("[3] notes.txt › ")  # as before


def test_citation_label_says_a_twins_unicode_form():
    assert "(decomposed name)" in citation_label(1, item(DECOMPOSED), twin=True).plain
    assert "(composed name)" in citation_label(1, item(COMPOSED), twin=True).plain
    assert "name)" not in citation_label(1, item(COMPOSED)).plain


async def test_the_citations_panel_marks_twins_only(make_app):
    app = make_app()
    async with app.run_test() as pilot:
        await pilot.pause()
        panel = app.screen.query_one(CitationsPanel)
        panel.show(Answer(status="ok", answer="25 days.", citations=[item(COMPOSED, 1), item(DECOMPOSED, 2),
                                                                      item("docs/a.md", 3)]))
        labels = [panel.get_option_at_index(i).prompt.plain for i in range(3)]
        assert "(composed name)" in labels[0] and "(decomposed name)" in labels[1] and "name)" not in labels[2]


def test_the_source_panel_quotes_the_path_and_keeps_the_quote_when_fitted():
    head = source_head(ChunkInfo(source="docs/notes.txt ", text="x", ord=0, n_chunks=1), "[1]", 60)
    assert head.plain.splitlines()[0] == '[1] "docs/notes.txt "'
    narrow = source_head(ChunkInfo(source="a/long/folder/name/notes.txt ", text="x"), "[1]", 20)
    assert narrow.plain.splitlines()[0] == '[1] "notes.txt "'  # the file name alone, still quoted
    assert source_head(ChunkInfo(source="docs/a.md", text="x"), "[2]", 60).plain.splitlines()[0] == "[2] docs/a.md"


def test_the_document_view_quotes_the_path():
    screen = DocumentScreen(DocumentText("docs/notes.txt ", "", "Annual leave is 25 days."), [])
    assert screen.head(80).plain.startswith('"docs/notes.txt "')
    plain = DocumentScreen(DocumentText("docs/a.md", "", "text"), [])
    assert plain.head(80).plain.startswith("docs/a.md")


def test_the_copied_answer_quotes_paths_and_marks_twins():
    message = AnswerMessage("how long?")
    message.answer = Answer(status="ok", answer="25 days.", citations=[item("docs/notes.txt "), item(COMPOSED, 2),
                                                                        item(DECOMPOSED, 3)])
    message.state = "done"
    lines = answer_transcript(message).splitlines()
    assert '[1] "docs/notes.txt " (chars 0-24)' in lines
    assert f"[2] {COMPOSED} (composed name) (chars 0-24)" in lines
    assert f"[3] {DECOMPOSED} (decomposed name) (chars 0-24)" in lines


def test_demo_lines_quote_paths_and_mark_twins():
    @click.command()
    def run() -> None:
        _print_answer(1, "how long?", Answer(status="ok", answer="25 days.",
                                              citations=[item("/docs/notes.txt "), item(COMPOSED, 2),
                                                         item(DECOMPOSED, 3), item("/docs/a.md", 4)]))

    lines = CliRunner().invoke(run, []).output.splitlines()
    assert '    [1] "/docs/notes.txt " (chars 0-24)' in lines
    assert f"    [2] {COMPOSED} (composed name) (chars 0-24)" in lines
    assert f"    [3] {DECOMPOSED} (decomposed name) (chars 0-24)" in lines
    assert "    [4] /docs/a.md (chars 0-24)" in lines
