"""The whole document of a citation, the cited chunk highlighted and scrolled into view; `a` asks the next
questions within it alone (the app's scope), ctrl+s within every document again."""

from __future__ import annotations

from pathlib import PurePosixPath

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Static

from ragtune.appliance.ingest.doc_names import shown_doc_path

from ..data import fit_cells, highlight_terms, printable
from ..docsource import DocumentText
from ..host import ChatHost
from ..widgets.footer import HELP_KEY, KeyFooter

# The cited chunk: shaded and underlined, as a shade alone is lost without colour (NO_COLOR, TERM=linux, monochrome).
CHUNK_STYLE = "underline on #2c3340"
# Characters drawn at most: the whole text is laid out on the UI thread (1 MB took seconds, on every resize), so a
# longer document shows this much around the cited chunk, and says so.
MAX_SHOWN = 100_000


def window(doc: DocumentText, limit: int = MAX_SHOWN) -> tuple[str, tuple[int, int] | None, int]:
    """(text shown, the chunk's span inside it, offset of the shown text in the document)."""
    text, span = doc.text, doc.span
    if len(text) <= limit:
        return text, span, 0
    center = (span[0] + span[1]) // 2 if span else 0
    start = max(0, min(center - limit // 2, len(text) - limit))
    nl = text.rfind("\n", start, start + 2000)  # begin on a line when one starts nearby
    if span and 0 < nl and nl < span[0]:
        start = nl + 1
    end = min(len(text), start + limit)
    shown = None if span is None else (max(span[0], start) - start, min(span[1], end) - start)
    return text[start:end], shown, start


class DocumentScreen(Screen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),
        Binding("a", "ask_within", "Ask within"),
        Binding("ctrl+s", "clear_scope", "All"),  # as in the chat; in the footer while a scope is set
        HELP_KEY,  # before the app's ^q Quit, as in every footer
    ]

    app: ChatHost  # type: ignore[assignment]  # RagtuneApp, typed by what the screen uses (ragtune/tui/host.py)

    def __init__(self, doc: DocumentText, terms: list[str], **kwargs):
        super().__init__(**kwargs)
        self.doc = doc
        self.terms = terms
        self.shown, self.shown_span, self.shown_from = window(doc)

    def head(self, width: int) -> Text:
        """The path (fitted to three lines of `width`: a long one would take a small terminal's every row), the
        title and where the cited chunk is."""
        path = shown_doc_path(self.doc.source, printable)  # quoted when its name ends in a space or a dot
        head = Text.assemble((fit_cells(path, max(20, 3 * width - 2)), "bold underline"))
        if self.doc.title:
            head.append(f"  {printable(self.doc.title)}", style="dim")
        if self.doc.span:
            head.append(f"  · cited chunk at chars {self.doc.span[0]}–{self.doc.span[1]}", style="dim")
        if self.doc.note:
            head.append(f"\n{printable(self.doc.note)}", style="#e5c07b")
        if len(self.shown) < len(self.doc.text):
            head.append(f"\nlong document: showing chars {self.shown_from:,}–{self.shown_from + len(self.shown):,} of "
                        f"{len(self.doc.text):,}, around the cited chunk", style="#e5c07b")
        return head

    def compose(self) -> ComposeResult:
        yield Static(self.head(self.app.size.width - 2), id="doc-head")
        with VerticalScroll(id="doc-scroll"):
            yield Static(self._body(), id="doc-body")
        yield KeyFooter()

    def _body(self) -> Text:
        text = Text(printable(self.shown))  # one character for one: the span stays right
        if self.shown_span:
            text.stylize(CHUNK_STYLE, *self.shown_span)
        return highlight_terms(text, self.terms)  # accents folded, as search matches words

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_scope":
            return bool(self.app.scope)
        return True

    def action_ask_within(self) -> None:
        """The next questions are answered from this document alone; back to the chat to ask them."""
        if self.doc.doc_id is None:
            self.notify("This document is no longer stored: there is nothing to ask within", severity="warning")
            return
        self.app.set_scope({"doc_ids": [self.doc.doc_id]}, PurePosixPath(self.doc.source).name or self.doc.source,
                           refs=[self.doc.source])
        self.dismiss(True)  # opened from the documents screen: it goes too (its callback)

    def action_clear_scope(self) -> None:
        self.app.set_scope(None)
        self.refresh_bindings()

    def on_resize(self) -> None:
        self.query_one("#doc-head", Static).update(self.head(self.size.width - 2))  # its padding: 0 1

    def on_mount(self) -> None:
        scroll = self.query_one("#doc-scroll", VerticalScroll)
        scroll.focus()
        if self.shown_span:
            # Scroll so the chunk's first line is near the top (line = newlines before it, plus wrapping).
            self.call_after_refresh(self._scroll_to_chunk)

    def _scroll_to_chunk(self) -> None:
        """The row the chunk starts on, wrapped as the body wraps it (Textual's own line breaking of the text before
        the chunk). Counted as characters a row, a long paragraph's word wrap and CJK text (two cells a character)
        put the chunk hundreds of rows below the view (round 50)."""
        scroll = self.query_one("#doc-scroll", VerticalScroll)
        body = self.query_one("#doc-body", Static)
        width = max(1, body.content_region.width or scroll.content_region.width or 80)
        before = Content(printable(self.shown[: self.shown_span[0]]))
        lines = before.get_height(body.styles, width) - 1  # the chunk starts on the last row of what precedes it
        scroll.scroll_to(y=max(0, lines - 1), animate=False)
