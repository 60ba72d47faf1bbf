"""Round 50: ctrl+o on a long document scrolls its cited chunk into view, whatever its paragraphs and script.

The row was estimated as characters divided by the width: a paragraph's word wrap leaves each row short of the
width, and a CJK character takes two cells, so in a document of long paragraphs the view stopped about 130
(English) to 600 (Chinese) rows above the cited chunk: the document opened on text that was not cited."""

from __future__ import annotations

import pytest
from textual.geometry import Region

from ragtune.tui.docsource import DocumentText
from ragtune.tui.screens.document import DocumentScreen

PARAS = {
    "english": ("The appliance answers questions offline over your own documents and never downloads anything at run "
                "time; answers are JSON with a status. ") * 4,
    "chinese": "新员工每年享有十五天带薪年假。请假申请须提前两周提交给经理审批。" * 6,
}


def long_document(kind: str) -> DocumentText:
    paras = [f"{i}: {PARAS[kind]}" for i in range(300)]
    paras[250] = "CITEDCHUNK the cited part. " + paras[250]
    text = "\n\n".join(paras)
    start = text.index("CITEDCHUNK")
    return DocumentText("/d/long.md", "", text, (start, start + 40), doc_id=1)


@pytest.mark.parametrize("kind", sorted(PARAS))
async def test_the_cited_chunk_of_a_long_document_is_in_view(make_app, kind):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        app.push_screen(DocumentScreen(long_document(kind), []))
        await pilot.pause()
        await pilot.pause(0.2)
        scroll = app.screen.query_one("#doc-scroll")
        body = app.screen.query_one("#doc-body")
        lines = body.render_lines(Region(0, 0, body.size.width, body.size.height))
        row = next(i for i, line in enumerate(lines) if "CITEDCHUNK" in line.text)
        top = int(scroll.scroll_offset.y)
        assert top <= row < top + scroll.size.height, (kind, top, row)
        assert row - top <= 2  # near the top, a line of what comes before it above
