"""The documents screen's list: one line a document (path, title, chunks, ingested date), virtualised.

Only the rows on the screen are drawn (Textual's line API: `render_line` for each visible line), so a home of
10,000 documents fills it at once and a filter swaps the list in about a millisecond. DataTable and OptionList
measure every cell they are given: 0.2-0.6 s per 10,000 rows, on every keystroke of the filter."""

from __future__ import annotations

import time

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ..data import fit_cells, pad_cells, printable
from ..docsource import DocRow

CHUNKS_W, DATE_W, GAP = 6, 16, 2
CURSOR_STYLE = Style.parse("bold on #3e4451")
# The highlighted row while the filter box has the focus: underlined too, as a grey shade alone is lost without
# colour (NO_COLOR, a 16-colour TERM=linux, a monochrome terminal).
BLURRED_CURSOR_STYLE = Style.parse("underline on #2c3340")
STALE_STYLE = Style.parse("#e5c07b")


def columns(width: int) -> tuple[int, int]:
    """(path, title) cells of a line `width` wide: what chunks and date leave, the path getting three fifths."""
    rest = max(20, width - CHUNKS_W - DATE_W - 3 * GAP)
    path = (rest * 3) // 5
    return path, rest - path


def when(ts: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "-"


def row_text(row: DocRow, width: int) -> Text:
    """One document's line: the path fitted with its file name kept, the title cut, then chunks and date."""
    path_w, title_w = columns(width)
    gap = " " * GAP
    path = fit_cells(printable(row.path), path_w)
    title = fit_cells(printable(row.title), title_w)
    line = Text(no_wrap=True, overflow="crop")
    line.append(pad_cells(path, path_w))  # cells, not characters: CJK and emoji are two wide
    line.append(gap + pad_cells(title, title_w), style="dim")
    line.append(gap + str(row.chunks).rjust(CHUNKS_W))
    line.append(gap + ("stale" if row.stale else when(row.ingested_at)).ljust(DATE_W),
                style=STALE_STYLE if row.stale else "")
    return line


def header_text(width: int) -> Text:
    path_w, title_w = columns(width)
    gap = " " * GAP
    return Text("path".ljust(path_w) + gap + "title".ljust(title_w) + gap + "chunks".rjust(CHUNKS_W) + gap
                + "ingested".ljust(DATE_W), style="bold", no_wrap=True, overflow="crop")


class DocumentList(ScrollView, can_focus=True):
    """`rows` drawn one a line; `cursor` is the highlighted one. Posts `Chosen` on enter or a double click."""

    BINDINGS = [
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "move(-1000000000)", show=False),
        Binding("end", "move(1000000000)", show=False),
        Binding("enter", "choose", "Open", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True)

    class Chosen(Message):
        def __init__(self, row: DocRow):
            super().__init__()
            self.row = row

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.rows: list[DocRow] = []
        self._lines: dict[tuple[int, int], Strip] = {}  # (row id, width) -> its drawn line

    def set_rows(self, rows: list[DocRow]) -> None:
        self.rows = rows
        self._lines.clear()
        self.virtual_size = Size(self.size.width, len(rows))
        self.cursor = 0
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def highlighted(self) -> DocRow | None:
        return self.rows[self.cursor] if 0 <= self.cursor < len(self.rows) else None

    def on_resize(self, event: events.Resize) -> None:
        self._lines.clear()
        self.virtual_size = Size(event.size.width, len(self.rows))

    def watch_cursor(self, old: int, new: int) -> None:
        clamped = max(0, min(new, len(self.rows) - 1)) if self.rows else 0
        if clamped != new:
            self.cursor = clamped
            return
        self.refresh()
        if self.rows:
            self.scroll_to_region(Region(0, clamped, 1, 1), animate=False, immediate=True)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width  # inside the padding, beside the scrollbar
        index = self.scroll_offset.y + y
        if index >= len(self.rows):
            return Strip.blank(width, self.rich_style)
        row = self.rows[index]
        inner = max(1, width - 1)  # the first cell is the gutter (the list has no left padding: ragtune.tcss)
        key = (row.id, inner)
        strip = self._lines.get(key)
        if strip is None:
            segments = list(row_text(row, inner).render(self.app.console))
            strip = self._lines[key] = Strip(segments).crop_extend(0, inner, self.rich_style).simplify()
            if len(self._lines) > 4096:  # a bounded cache: the lines of a few screens, never all 10,000
                self._lines.clear()
        if index != self.cursor:
            return Strip([Segment(" ", self.rich_style), *strip], width)
        # The highlighted row says so in a character too: a shade and bold or underline are lost on a screen reader
        # (or `tmux capture-pane`), and a focused list is `▶`, one whose filter box has the focus `›`.
        style = CURSOR_STYLE if self.has_focus else BLURRED_CURSOR_STYLE
        mark = Segment("▶" if self.has_focus else "›", self.rich_style + style + Style(bold=True))
        return Strip([mark, *(Segment(s.text, (s.style or Style()) + style) for s in strip)], width)

    def action_move(self, step: int) -> None:
        self.cursor = max(0, min(self.cursor + step, len(self.rows) - 1))

    def action_page(self, step: int) -> None:
        self.action_move(step * max(1, self.size.height - 1))

    def action_choose(self) -> None:
        if self.highlighted is not None:
            self.post_message(self.Chosen(self.highlighted))

    def on_click(self, event: events.Click) -> None:
        index = self.scroll_offset.y + event.y
        if 0 <= index < len(self.rows):
            self.cursor = index
            if event.chain >= 2:
                self.action_choose()

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()
