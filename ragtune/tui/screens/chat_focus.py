"""The chat screen's keyboard path through its regions: tab / shift+tab walk the question box, the selected answer,
the citations and the source (in reading order, not DOM order), up / down on an answer walk the conversation, a
character typed on a panel goes to the question, f2 stacks the side region under the conversation. Split from
screens/chat.py (round 48: it had reached the module size limit); ChatScreen mixes it in."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import events
from textual.widget import Widget
from textual.widgets import Input

from ..widgets.citations import CitationsPanel
from ..widgets.messages import AnswerMessage, HistoryInput
from ..widgets.source import SourceView

if TYPE_CHECKING:  # for a type checker: a Screen (ChatScreen at run time; no import of chat.py, which imports this)
    from textual.screen import Screen as _Base

    from ..widgets.messages import MessageList
else:
    _Base = object


def shown(widget: Widget) -> bool:
    """Whether `widget` is drawn: neither it nor a container of it has `display: none` (ragtune.tcss)."""
    return all(node.display for node in widget.ancestors_with_self if isinstance(node, Widget))


class FocusRing(_Base):
    """Focus: input -> the selected answer -> citations -> source -> input."""

    if TYPE_CHECKING:  # what ChatScreen provides
        messages: MessageList
        selected: AnswerMessage | None

    def _focus_ring(self) -> list[Widget]:
        """Tab order. The conversation sits above the input in the layout, so plain DOM order would jump from the
        input to the citations; the answer comes first, and up/down on an answer walk to older ones."""
        ring: list[Widget] = [self.query_one(HistoryInput)]
        answers = self.messages.answers
        if answers:
            ring.append(self.selected if self.selected in answers else answers[-1])
        citations = self.query_one(CitationsPanel)
        if citations.citations:
            ring.append(citations)
        ring.append(self.query_one(SourceView))
        return [w for w in ring if shown(w)]  # a small terminal hides the side panels: never focus what is not seen

    def on_resize(self) -> None:
        self.call_after_refresh(self._focus_in_view)

    def on_key(self, event: events.Key) -> None:
        if not isinstance(self.focused, Input):  # an answer or a panel: a typed character goes to the question
            self.query_one(HistoryInput).take_key(event)

    def action_toggle_layout(self) -> None:
        """The side panels under the conversation at any width (as under 72 columns): beside it, a screen reader
        reading the terminal line by line hears an answer's line and a citation's or the source's in one breath."""
        self.toggle_class("-stacked")
        self.notify("Panels under the conversation (f2: beside it)" if self.has_class("-stacked") else
                    "Panels beside the conversation (f2: under it)", title="layout", timeout=3)

    def _focus_in_view(self) -> None:
        """Shrunk below 14 rows with the citations or the source focused: keys would go to panels no longer drawn
        (it looked frozen); they go to the input box instead."""
        if self.focused is not None and not shown(self.focused):
            self.query_one(HistoryInput).focus()

    def _move(self, step: int) -> Widget | None:
        ring = self._focus_ring()
        cur = self.focused
        if isinstance(cur, AnswerMessage):
            at = 1
        else:
            at = next((i for i, w in enumerate(ring) if w is cur), -1 if step > 0 else 0)
        nxt = ring[(at + step) % len(ring)]
        nxt.focus()
        return nxt

    def focus_next(self, selector: Any = "*") -> Widget | None:
        return self._move(1) if selector == "*" else super().focus_next(selector)

    def focus_previous(self, selector: Any = "*") -> Widget | None:
        return self._move(-1) if selector == "*" else super().focus_previous(selector)

    def on_answer_message_step(self, event: AnswerMessage.Step) -> None:
        answers = self.messages.answers
        if event.message in answers:
            i = answers.index(event.message) + event.step
            if 0 <= i < len(answers):
                self.messages.reveal(answers[i])  # laid out again if it was far above (widgets/turn_window.py)
                answers[i].focus()
                answers[i].scroll_visible(animate=False)
