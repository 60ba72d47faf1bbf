"""F1 / ?: every binding, grouped by where it works."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..widgets.footer import QUIT_KEY, KeyFooter

# (where, keys, what). Kept next to the screens' BINDINGS; a test checks every chat binding is listed here.
HELP: list[tuple[str, str, str]] = [
    ("chat", "enter", "ask the question in the input box"),
    ("chat", "up / down", "previous / next question (also from earlier sessions: the query log)"),
    ("chat", "page up / down", "scroll the conversation (from the input box too)"),
    ("chat", "ctrl+l", "toggle base model / LoRA adapter (the next answer uses it)"),
    ("chat", "ctrl+n / ctrl+p", "next / previous citation of the selected answer"),
    ("chat", "ctrl+o", "open the selected citation's whole document"),
    ("chat", "ctrl+y", "copy the selected answer and its citations as plain text (the terminal's clipboard)"),
    ("chat", "tab / shift+tab", "move focus: input, the selected answer, citations, source"),
    ("chat", "escape", "stop the answer being generated, else back to the input box"),
    ("chat", "ctrl+g", "ingest files or a folder (path prompt, progress bar)"),
    ("chat", "ctrl+r", "eval reports (last `ragtune eval run`s, A/B/C table)"),
    ("chat", "ctrl+s", "answer from every document again (after `--in` or `a` in a document)"),
    ("chat", "ctrl+t", "the ingested documents: filter, open, ask within one or its folder"),
    ("chat", "f2", "panels under the conversation / beside it (a screen reader reads one region a line)"),
    ("answers", "up / down, click", "select an older / newer answer: its citations, source and latency"),
    ("citations", "up / down, enter", "select a citation / open its document"),
    ("documents", "type, up / down", "filter by title or path (every word, any case); pick a document"),
    ("documents", "enter", "open the highlighted document"),
    ("documents", "a", "ask within the highlighted document (tab to the list first)"),
    ("documents", "f", "ask within its folder: every document under it, followed as documents come and go"),
    ("documents", "/", "back to the filter"),
    ("document", "a", "ask within this document: the next answers come from it alone"),
    ("document", "ctrl+s", "answer from every document again"),
    ("eval reports", "up / down, tab", "pick a report; tab to the report (up / down scroll it) and its table "
                                       "(left / right scroll the columns)"),
    ("eval reports", "r", "read the reports again"),
    ("ingest", "escape", "stop a running ingest (finished documents are kept; ingesting the same path again goes "
                         "on from there); escape again closes the prompt, the result shows when it ends"),
    ("anywhere", "f1 / ?", "this help"),
    ("anywhere", "escape / q", "close the current screen (q: where no box has the focus)"),
    ("anywhere", "ctrl+q", "quit (a question typed and not asked: press it twice)"),
]


class HelpScreen(ModalScreen):
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q,f1,question_mark", "dismiss", "Close", show=False),
        QUIT_KEY,  # a modal's footer shows only its own keys: ctrl+q quits here too (the app's priority binding)
    ]

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 1), show_header=False, expand=True)
        table.add_column(style="bold #61afef", no_wrap=True)
        table.add_column(ratio=1)
        section = None
        for where, keys, what in HELP:
            if where != section:
                section = where
                table.add_row(Text(where.capitalize(), style="bold underline"), "")
            table.add_row(keys, what)
        with VerticalScroll(id="help-box") as box:
            box.border_title = "Keys"
            box.border_subtitle = "escape to close"
            yield Static(Text("ragtune chat: cited answers over your documents, offline.", style="bold"))
            yield Static(table)
        yield KeyFooter()  # this screen's keys: the chat's footer beneath shows keys that do nothing here
