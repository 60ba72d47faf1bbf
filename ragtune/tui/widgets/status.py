"""Top bar: model and adapter ids, document count, engine state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..data import short_id


class StatusBar(Static):
    """One line: `ragtune · model 1a2b3c4d · adapter none (base) · 12 docs · ready`."""

    model_id: reactive[str | None] = reactive(None)
    adapter_id: reactive[str | None] = reactive(None)
    documents: reactive[int | None] = reactive(None)
    state: reactive[str] = reactive("loading model…")
    rollout: reactive[str | None] = reactive(None)  # "canary 5%", "canary 5% ALERT unsupported" (docs/rollout.md)

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        t.append(" ragtune ", style="bold")
        t.append("│ model ", style="dim")
        t.append(short_id(self.model_id) if self.model_id else "–", style="bold")
        t.append(" │ ", style="dim")
        if self.adapter_id and self.adapter_id != "none":
            t.append("LoRA ", style="bold #98c379")
            t.append(short_id(self.adapter_id), style="bold #98c379")
        else:
            t.append("base model", style="bold")
        if self.documents is not None:
            t.append(" │ ", style="dim")
            t.append(f"{self.documents} doc{'s' if self.documents != 1 else ''}")
        if self.rollout:
            t.append(" │ ", style="dim")
            alert = "ALERT" in self.rollout or "rolled back" in self.rollout
            t.append(self.rollout, style="bold #e06c75" if alert else "#61afef")
        t.append(" │ ", style="dim")
        busy = self.state != "ready"
        t.append(self.state, style="bold #e5c07b" if busy else "#98c379")
        return t
