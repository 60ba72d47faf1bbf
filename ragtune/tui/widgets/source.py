"""The cited chunk, with the question's terms highlighted, its document path and position."""

from __future__ import annotations

from pathlib import PurePath

from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..data import ChunkInfo, highlight, printable


def position(info: ChunkInfo) -> str:
    parts = []
    if info.ord is not None:
        parts.append(f"chunk {info.ord + 1}" + (f"/{info.n_chunks}" if info.n_chunks else ""))
    parts.append(f"chars {info.start_char}–{info.end_char}")
    return " · ".join(parts)


class SourceView(VerticalScroll):
    """Scrollable view of one chunk. `show(None)` clears it."""

    def compose(self):
        yield Static(id="source-meta")
        yield Static(id="source-text")

    def on_mount(self) -> None:
        self.border_title = "Source"
        self.show(None)

    def show(self, info: ChunkInfo | None, terms: list[str] | None = None, label: str = "") -> None:
        meta = self.query_one("#source-meta", Static)
        body = self.query_one("#source-text", Static)
        if info is None:
            meta.update(Text("select a citation", style="dim"))
            body.update("")
            self.border_subtitle = ""
            return
        # At 80 columns the panel is ~30 wide: a long path would wrap over several lines and push the cited text
        # out of view, so a path that does not fit shows as its file name (the whole path: ctrl+o).
        width = self.content_region.width or 80
        fits = len(label) + 1 + len(info.source) <= width
        head = Text(no_wrap=not fits, overflow="ellipsis")
        if label:
            head.append(label + " ", style="bold #61afef")
        head.append(printable(info.source if fits or "/" not in info.source else PurePath(info.source).name),
                    style="bold underline")
        head.append("\n" + position(info), style="dim")
        meta.update(head)
        body.update(highlight(info.text, terms or []))
        self.border_subtitle = "ctrl+o: open document"
        self.scroll_home(animate=False)
