"""The selected answer's citations, numbered like the markers in the answer text, each with its document's name and
what tells its chunk apart (the section heading, else the chunk's first words): `[2] hr-handbook.md › Annual leave`."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ragtune.appliance.ingest.doc_names import shown_doc_path, twins, unicode_form
from ragtune.appliance.types import Answer, ContextItem

from ..data import printable
from ..docsource import heading_lines
from .refit import size_changes


def chunk_hint(text: str, heading: str | None = None, words: int = 6) -> str:
    """What tells one chunk of a document from another: the section heading it belongs to (`heading`, when the
    caller knows it: "" when it knows there is none), else the first heading inside it (not a `#` line of a code
    fence), else its first few words."""
    if heading is None:
        heading = next((title for _, title in heading_lines(text or "")), "")
    if heading:
        return heading
    first = " ".join((text or "").split()[:words])
    return first + ("…" if len((text or "").split()) > words else "")


def citation_label(n: int, item: ContextItem, heading: str | None = None, twin: bool = False) -> Text:
    """`twin`: another cited path is this one in another Unicode form (they look the same): its form is said, as
    `ask` says it. A name ending in a space or a dot is quoted (doc_names), so its end is seen."""
    name = PurePath(item.source).name if "/" in item.source else item.source
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"[{n}] ", style="bold #61afef")
    t.append((shown_doc_path(name, printable) if name else "") or "(unknown)")
    if twin:
        t.append(unicode_form(item.source), style="dim")
    hint = chunk_hint(item.text, heading)
    if hint:
        t.append(" › ", style="dim")
        t.append(printable(hint), style="italic")
    return t


class CitationsPanel(OptionList):
    """An OptionList: highlighting an entry shows its chunk in the SourceView; enter opens the document."""

    _holding = False  # show() is filling the list: the layouts its steps ask for wait (refit.py)
    _held = False  # one was asked for meanwhile

    def on_mount(self) -> None:
        self.border_title = "Citations"
        self.citations: list[ContextItem] = []
        self.show(None)

    def refresh(self, *regions: Any, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Any:
        if layout and self._holding:
            self._held, layout = True, False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def show(self, answer: Answer | None, empty: str | None = None, headings: list[str | None] | None = None) -> None:
        """`empty`: what to say when there is nothing to list (default: no answer yet / no citations); `headings`:
        each citation's section heading, when the documents know it. Emptying and filling the list each asked for
        a layout of the screen: one is asked for here, only when the panel's size, its lines or its scrollbar
        change (another answer's two citations for two lay nothing out)."""
        before = (self.virtual_size, self.show_vertical_scrollbar)
        self._holding = True
        try:
            self._fill(answer, empty, headings)
        finally:
            self._holding = False
        if self._held:
            self._held = False
            if size_changes(self) or (self.virtual_size, self.show_vertical_scrollbar) != before:
                self.refresh(layout=True)

    def _fill(self, answer: Answer | None, empty: str | None, headings: list[str | None] | None) -> None:
        self.citations = list(answer.citations) if answer is not None else []
        self.clear_options()
        if not self.citations:
            msg = empty or ("no answer yet" if answer is None else "no citations")
            self.add_option(Option(Text(msg, style="dim"), disabled=True))
            return
        heads = list(headings or []) + [None] * len(self.citations)
        alike = twins(c.source for c in self.citations)
        self.add_options([Option(citation_label(i, c, heads[i - 1], c.source in alike), id=f"cite-{i}")
                          for i, c in enumerate(self.citations, 1)])
        self.highlighted = 0

    @property
    def selected(self) -> tuple[int, ContextItem] | None:
        if not self.citations or self.highlighted is None or self.highlighted >= len(self.citations):
            return None
        return self.highlighted + 1, self.citations[self.highlighted]
