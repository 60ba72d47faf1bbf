"""The selected answer's citations, numbered like the markers in the answer text."""

from __future__ import annotations

from pathlib import PurePath

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ragtune.appliance.types import Answer, ContextItem


def citation_label(n: int, item: ContextItem) -> Text:
    name = PurePath(item.source).name if "/" in item.source else item.source
    t = Text(no_wrap=True, overflow="ellipsis")
    t.append(f"[{n}] ", style="bold #61afef")
    t.append(name or "(unknown)")
    t.append(f" {item.id}", style="dim")
    return t


class CitationsPanel(OptionList):
    """An OptionList: highlighting an entry shows its chunk in the SourceView; enter opens the document."""

    def on_mount(self) -> None:
        self.border_title = "Citations"
        self.citations: list[ContextItem] = []
        self.show(None)

    def show(self, answer: Answer | None) -> None:
        self.citations = list(answer.citations) if answer is not None else []
        self.clear_options()
        if not self.citations:
            msg = "no answer yet" if answer is None else "no citations"
            self.add_option(Option(Text(msg, style="dim"), disabled=True))
            return
        self.add_options([Option(citation_label(i, c), id=f"cite-{i}") for i, c in enumerate(self.citations, 1)])
        self.highlighted = 0

    @property
    def selected(self) -> tuple[int, ContextItem] | None:
        if not self.citations or self.highlighted is None or self.highlighted >= len(self.citations):
            return None
        return self.highlighted + 1, self.citations[self.highlighted]
