"""The cited chunk, with the question's terms highlighted, its document path and position."""

from __future__ import annotations

from pathlib import PurePath

from rich.cells import cell_len
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ragtune.appliance.ingest.doc_names import shown_doc_path

from ..data import fit_cells, highlight, printable
from ..docsource import ChunkInfo
from .refit import update_fitted


def position(info: ChunkInfo) -> str:
    parts = []
    if info.ord is not None:
        parts.append(f"chunk {info.ord + 1}" + (f"/{info.n_chunks}" if info.n_chunks else ""))
    parts.append(f"chars {info.start_char}–{info.end_char}")
    return " · ".join(parts)


def source_head(info: ChunkInfo, label: str, width: int) -> Text:
    """`[1] path` on one line of `width` cells, then the chunk's position. At 80 columns the panel is ~30 wide: a
    long path would wrap over several lines and push the cited text out of view, so a path that does not fit shows
    as its file name, and a name that does not fit either keeps its start and its end (the whole path: ctrl+o)."""
    room = max(1, width - (cell_len(label) + 1 if label else 0))
    path = shown_doc_path(info.source, printable)  # quoted when its name ends in a space or a dot (doc_names)
    if cell_len(path) > room and "/" in info.source:
        path = shown_doc_path(PurePath(info.source).name, printable) or path
    head = Text()
    if label:
        head.append(label + " ", style="bold #61afef")
    head.append(fit_cells(path, room), style="bold underline")
    head.append("\n" + position(info), style="dim")
    if info.note:  # the document view says the same (DocumentText.note)
        head.append("\n" + printable(info.note), style="#e5c07b")
    return head


class SourceView(VerticalScroll):
    """Scrollable view of one chunk. `show(None)` clears it."""

    def compose(self):
        yield Static(id="source-meta")
        yield Static(id="source-text")

    def on_mount(self) -> None:
        self.border_title = "Source"
        self.info: ChunkInfo | None = None
        self.label = ""
        self.show(None)

    def on_resize(self) -> None:
        if self.info is not None:  # the path is fitted to the width
            self._draw_head()

    def _draw_head(self) -> None:
        assert self.info is not None
        width = self.scrollable_content_region.width or 80
        update_fitted(self.query_one("#source-meta", Static), source_head(self.info, self.label, width))

    def show(self, info: ChunkInfo | None, terms: list[str] | None = None, label: str = "") -> None:
        self.info, self.label = info, label
        body = self.query_one("#source-text", Static)
        # each part asks for a layout of the screen only when its height changes (refit.py): a resize, or another
        # chunk of as many lines
        if info is None:
            update_fitted(self.query_one("#source-meta", Static), Text("select a citation", style="dim"))
            update_fitted(body, "")
            self.border_subtitle = ""
            return
        self._draw_head()
        update_fitted(body, highlight(info.text, terms or []))
        self.border_subtitle = "ctrl+o: open document"
        self.scroll_home(animate=False)
