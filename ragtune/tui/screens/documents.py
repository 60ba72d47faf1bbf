"""ctrl+t: the ingested documents (what `ragtune docs list` shows), filtered as you type. enter opens one, `a` asks
the next questions within it, `f` within its folder (every document under it, resolved like `--in FOLDER`).

The list is read in a thread worker (its own database connection) and posted back as a message; the widget draws
only the visible rows, so a home of 10,000 documents opens and filters without the UI waiting. A folder `f` chooses
is resolved in a worker too (one of 100k documents takes ~50 ms): see ragtune/tui/scopes.py."""

from __future__ import annotations

import posixpath
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from ..data import fit_cells, printable
from ..docsource import DocRow
from ..host import ChatHost
from ..scopes import ScopeFollowed, ScopeState, choose
from ..widgets.doclist import DocumentList, header_text
from ..widgets.footer import HELP_KEY, KeyFooter
from .document import DocumentScreen


def matches(rows: list[DocRow], query: str) -> list[DocRow]:
    """The rows whose title or path holds every word of `query` (case-insensitive; empty: every row)."""
    words = query.lower().split()
    if not words:
        return rows
    return [r for r in rows if all(w in r.key for w in words)]


class DocumentsScreen(Screen):
    BINDINGS = [
        Binding("escape,q", "app.pop_screen", "Back"),  # q: in the list (in the filter it is a letter)
        Binding("a", "ask_within", "Ask within"),
        Binding("f", "ask_folder", "Ask in folder"),
        Binding("slash", "filter", "Filter", show=False),
        Binding("ctrl+s", "clear_scope", "All"),  # as in the chat; in the footer while a scope is set
        HELP_KEY,  # before the app's ^q Quit, as in every footer
        # From the filter box the arrows and pages move the highlighted row: type, then up/down, then enter.
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
    ]

    app: ChatHost  # type: ignore[assignment]  # RagtuneApp, typed by what the screen uses (ragtune/tui/host.py)

    class Loaded(Message):
        def __init__(self, rows: list[DocRow] | None, error: str = ""):
            super().__init__()
            self.rows, self.error = rows, error

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.all: list[DocRow] | None = None  # None until the worker has read them
        self._choosing: int | None = None  # the scope change (app._scope_gen) of the folder `f` is resolving

    def compose(self) -> ComposeResult:
        yield Static(Text("Documents · reading the list…"), id="docs-head")
        yield Input(placeholder="type to filter by title or path · enter opens", id="docs-filter")
        yield Static(header_text(self._row_width(self.app.size.width)), id="docs-columns")
        yield DocumentList(id="docs-list")
        yield KeyFooter()

    @property
    def listing(self) -> DocumentList:
        return self.query_one(DocumentList)

    def on_mount(self) -> None:
        self.query_one("#docs-filter", Input).focus()
        self._load()

    @work(thread=True, name="list-documents", group="documents")
    def _load(self) -> None:
        try:
            rows = list(self.app.documents.list_documents())
        except Exception as exc:  # a damaged database: said, and the screen stays usable (escape)
            self.post_message(self.Loaded(None, self.app.describe_error(exc)[0]))
        else:
            self.post_message(self.Loaded(rows))

    def on_documents_screen_loaded(self, event: Loaded) -> None:
        if event.rows is None:
            self._head(f"cannot read the documents: {event.error}", style="#e06c75")
            return
        keep = self.listing.highlighted if self.all is not None else None  # a reload keeps the reader's row
        self.all = event.rows
        self._apply(self.query_one("#docs-filter", Input).value)
        if keep is not None:
            at = next((i for i, r in enumerate(self.listing.rows) if r.id == keep.id), None)
            if at is not None:
                self.listing.cursor = at

    def refresh_documents(self) -> None:
        """The store moved (an ingest or `docs remove` here or in another process, seen by watch.py): read the list
        again, the filter and the highlighted document kept (round 47 kept showing the list as first read)."""
        self._load()

    @on(Input.Changed, "#docs-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self.all is not None:
            self._apply(event.value)

    @on(Input.Submitted, "#docs-filter")
    def _filter_submitted(self) -> None:
        self.listing.action_choose()

    def _apply(self, query: str) -> None:
        rows = matches(self.all or [], query)
        self.listing.set_rows(rows)
        n = len(self.all or [])
        if not n:
            self._head("No documents are ingested yet: ctrl+g in the chat ingests a file or folder")
        elif query.strip():
            self._head(f"Documents · {len(rows):,} of {n:,} match")
        else:
            self._head(f"Documents · {n:,} ingested")

    def _head(self, text: str, style: str = "bold") -> None:
        self.query_one("#docs-head", Static).update(Text(text, style=style))

    @staticmethod
    def _row_width(width: int) -> int:
        return width - 3  # the list's gutter (the highlighted row's mark), right padding and scrollbar (ragtune.tcss)

    def on_resize(self) -> None:
        self.query_one("#docs-columns", Static).update(header_text(self._row_width(self.size.width)))

    # -- actions --------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_scope":  # also drops a folder still being resolved (not shown for it: ~50 ms)
            return bool(self.app.scope) or self._choosing == self.app.scope_state().gen
        if action in ("ask_within", "ask_folder"):  # letters typed in the filter are the filter's
            return not isinstance(self.focused, Input)
        return True

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def action_move(self, step: int) -> None:
        self.listing.action_move(step)

    def action_page(self, step: int) -> None:
        self.listing.action_page(step)

    def action_filter(self) -> None:
        self.query_one("#docs-filter", Input).focus()

    def action_clear_scope(self) -> None:
        self.app.set_scope(None)
        self.refresh_bindings()

    @on(DocumentList.Chosen)
    def _open(self, event: DocumentList.Chosen) -> None:
        try:
            doc = self.app.documents.document_by_id(event.row.id)
        except Exception as exc:
            self.notify(self.app.describe_error(exc)[0], severity="error")
            return

        def back(asked: Any) -> None:  # `a` in the document view: on to the chat to ask
            if asked and self.app.screen is self:
                self.app.pop_screen()

        self.app.push_screen(DocumentScreen(doc, []), back)

    def action_ask_within(self) -> None:
        row = self.listing.highlighted
        if row is None:
            return
        self.app.set_scope({"doc_ids": [row.id]}, posixpath.basename(row.path) or row.path, refs=[row.path])
        self.app.pop_screen()

    def action_ask_folder(self) -> None:
        """Every document under the highlighted one's folder, resolved like `--in FOLDER` (and kept as the folder:
        documents ingested into it or removed from it later are followed)."""
        row = self.listing.highlighted
        if row is None:
            return
        folder = posixpath.dirname(row.path) or row.path  # a corpus row (corpus.jsonl#12): its file's folder
        state = self.app.scope_choice([folder])  # another choice or ctrl+s before the result drops it
        self._choosing = state.gen
        self._choose(state)

    @work(thread=True, name="choose-folder", group="scope")
    def _choose(self, state: ScopeState) -> None:
        self.post_message(ScopeFollowed(choose(self.app.documents, state)))

    def on_scope_followed(self, event: ScopeFollowed) -> None:
        """The folder `f` chose, resolved: the next questions are asked within it, unless the scope was chosen
        again, set or cleared since."""
        followed = event.followed
        if followed.state.gen != self.app.scope_state().gen:
            return
        self._choosing = None
        folder = followed.state.refs[0]
        if followed.error is not None:
            self.notify(self.app.describe_error(followed.error)[0], severity="error")
            return
        if not followed.ids:
            self.notify(f"No ingested document is under {printable(folder)} any more", severity="warning")
            return
        name = fit_cells(printable(folder.rstrip("/") + "/"), 40)
        self.app.set_scope(followed.filters, name, refs=[folder], counted=True, version=followed.version)
        if self.app.screen is self:  # (a document opened meanwhile stays open)
            self.app.pop_screen()
