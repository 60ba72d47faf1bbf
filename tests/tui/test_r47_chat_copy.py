"""Round 47: ctrl+y (the answer and its citations as plain text, for a ticket) gave each citation's path and
character span but not which chunk of the document it is; now `[1] path, chunk 3/7 (chars …)` where the chunk is
still stored, the span alone where it is not (removed or re-ingested since the answer)."""

from __future__ import annotations

from ragtune.tui.docsource import ChunkInfo
from ragtune.tui.widgets.messages import chunk_number
from tests.tui.fakes import FAKE_CHUNKS

from .test_app import Q_OK, ask


async def test_ctrl_y_names_each_cited_chunk(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        answer = await ask(pilot, Q_OK)
        await pilot.press("ctrl+y")
        await pilot.pause()
        lines = app.clipboard.splitlines()
    cited = answer.answer.citations
    ords = {r[0]: r[3] for r in FAKE_CHUNKS}  # chunk id -> ord; each fake document has 2 chunks
    assert cited and lines[3:] == [f"[{n}] {c.source}, chunk {ords[c.chunk_id] + 1}/2 (chars {c.start_char}-"
                                   f"{c.end_char})" for n, c in enumerate(cited, 1)]


async def test_ctrl_y_keeps_the_span_alone_for_a_chunk_no_longer_stored(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        answer = await ask(pilot, Q_OK)
        app.documents.chunk = lambda item: ChunkInfo(item.source, item.text, start_char=item.start_char,
                                                     end_char=item.end_char, note="no longer stored")
        await pilot.press("ctrl+y")
        await pilot.pause()
        lines = app.clipboard.splitlines()
    c = answer.answer.citations[0]
    assert lines[3] == f"[1] {c.source} (chars {c.start_char}-{c.end_char})"


def test_chunk_number_words():
    assert chunk_number(ChunkInfo("a.md", "x", ord=2, n_chunks=7)) == ", chunk 3/7"
    assert chunk_number(ChunkInfo("a.md", "x", ord=0)) == ", chunk 1"
    assert chunk_number(ChunkInfo("a.md", "x")) == "" and chunk_number(None) == ""
