"""The whole document of a citation, the cited chunk highlighted and scrolled into view."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from ..data import DocumentText, HIGHLIGHT_STYLE

CHUNK_STYLE = "on #2c3340"


class DocumentScreen(Screen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back")]

    def __init__(self, doc: DocumentText, terms: list[str], **kwargs):
        super().__init__(**kwargs)
        self.doc = doc
        self.terms = terms

    def compose(self) -> ComposeResult:
        head = Text.assemble((self.doc.source, "bold underline"))
        if self.doc.title:
            head.append(f"  {self.doc.title}", style="dim")
        if self.doc.span:
            head.append(f"  · cited chunk at chars {self.doc.span[0]}–{self.doc.span[1]}", style="dim")
        yield Static(head, id="doc-head")
        with VerticalScroll(id="doc-scroll"):
            yield Static(self._body(), id="doc-body")
        yield Footer()

    def _body(self) -> Text:
        text = Text(self.doc.text)
        if self.doc.span:
            text.stylize(CHUNK_STYLE, *self.doc.span)
        import re

        for term in self.terms:
            text.highlight_regex(rf"(?i)\b{re.escape(term)}\w*", HIGHLIGHT_STYLE)
        return text

    def on_mount(self) -> None:
        scroll = self.query_one("#doc-scroll", VerticalScroll)
        scroll.focus()
        if self.doc.span:
            # Scroll so the chunk's first line is near the top (line = newlines before it, plus wrapping).
            self.call_after_refresh(self._scroll_to_chunk)

    def _scroll_to_chunk(self) -> None:
        scroll = self.query_one("#doc-scroll", VerticalScroll)
        width = max(20, scroll.content_region.width or 80)
        before = self.doc.text[: self.doc.span[0]]
        lines = sum(max(1, -(-len(line) // width)) for line in before.split("\n")) - 1
        scroll.scroll_to(y=max(0, lines - 1), animate=False)
