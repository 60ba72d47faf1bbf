"""The chat screen's side region (right of the conversation; under it below 72 columns): the selected answer's
citations, the cited chunk and the answer's latency. Kept here so the screen holds the conversation and the
engine calls, and this region how one answer is shown."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import OptionList

from ..data import query_terms
from ..host import ChatHost
from .citations import CitationsPanel
from .latency import LatencyPanel
from .messages import AnswerMessage
from .source import SourceView


class SidePanels(Vertical):
    app: ChatHost  # type: ignore[assignment]  # RagtuneApp, typed by what the region uses (ragtune/tui/host.py)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.target: AnswerMessage | None = None  # the answer shown

    def compose(self) -> ComposeResult:
        yield CitationsPanel(id="citations")
        yield SourceView(id="source")
        yield LatencyPanel(id="latency")

    @property
    def citations(self) -> CitationsPanel:
        return self.query_one(CitationsPanel)

    def show(self, target: AnswerMessage) -> None:
        """Show `target`'s citations (its first one's chunk) and figures."""
        self.target = target
        answer = target.answer
        empty = None
        if target.state == "error":
            empty = "no citations (answer stopped)" if target.stopped_at else "no citations (error)"
        elif answer is not None and answer.status == "ok" and not answer.citations:
            empty = "no citations: this answer cites no source"
        headings = [self.app.heading_of(c) for c in answer.citations] if answer is not None else []
        self.citations.show(answer, empty, headings)
        self.query_one(LatencyPanel).show(answer, stopped=target.stopped_timing())
        self.show_source()

    def show_source(self) -> None:
        view = self.query_one(SourceView)
        sel = self.citations.selected
        self._sourced = (self.target, sel)
        if sel is None or self.target is None:
            view.show(None)
            return
        n, item = sel
        view.show(self.app.lookup_chunk(item), query_terms(self.target.question), label=f"[{n}]")

    _sourced: tuple = ()  # (answer, citation) the Source panel was last drawn for

    @on(OptionList.OptionHighlighted, "#citations")
    def _citation_highlighted(self, _event: OptionList.OptionHighlighted) -> None:
        # show() highlights the first citation and draws its source at once: the message that follows would look
        # the chunk up and draw it again (and lay the screen out)
        if self._sourced != (self.target, self.citations.selected):
            self.show_source()

    @on(OptionList.OptionSelected, "#citations")
    def _citation_selected(self, _event: OptionList.OptionSelected) -> None:
        self.open_document()

    def cite(self, step: int) -> None:
        """Highlight the next (`step` 1) or previous (-1) citation."""
        panel = self.citations
        if not panel.citations:
            self.notify("No citations to select", severity="warning")
            return
        cur = panel.highlighted or 0
        panel.highlighted = (cur + step) % len(panel.citations) if panel.highlighted is not None else 0

    def open_document(self) -> None:
        sel = self.citations.selected
        if sel is None or self.target is None:
            self.notify("Select a citation first (ctrl+n / tab to the citations list)", severity="warning")
            return
        self.app.open_document(sel[1], query_terms(self.target.question))
