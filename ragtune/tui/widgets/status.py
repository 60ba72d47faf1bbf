"""Top bar: model and adapter ids, document count, the scope (when answers come from part of them), engine
state."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Static

from ..data import printable, short_id


# What the compact line leaves out, step by step, until it fits: the model's id first (it changes least), the
# state, the scope and a rollout alert last.
STEPS: list[tuple[str, ...]] = [(), ("model",), ("model", "docs"), ("model", "docs", "adapter id"),
                                ("model", "docs", "adapter")]


class StatusBar(Static):
    """One line: `ragtune · model 1a2b3c4d · adapter none (base) · 12 docs · within 3 documents · ready` (the scope
    only when one is set). When that does not fit (a
    narrow terminal, a long rollout alert), a compact line without the labels, then without the model id, the
    document count and the adapter's id (`LoRA`), one at a time, then with the state first: whatever is cut, the
    state (`no model`, `answering…`, `database error`) stays in view. Fields go whole: at 40 columns the line ended
    in `within 1 d…`."""

    model_id: reactive[str | None] = reactive(None)
    adapter_id: reactive[str | None] = reactive(None)
    documents: reactive[int | None] = reactive(None)
    state: reactive[str] = reactive("loading model…")
    rollout: reactive[str | None] = reactive(None)  # "canary 5%", "canary 5% ALERT unsupported" (docs/rollout.md)
    scope: reactive[str] = reactive("")  # "3 documents": answers come only from them ("": every document)

    def render(self) -> Text:
        width = self.content_region.width
        full = self._full()
        if not width or full.cell_len <= width:
            return full
        drop: tuple[str, ...] = ()
        for drop in STEPS:
            compact = self._compact(drop=drop)
            if compact.cell_len <= width:
                return compact
        return self._compact(state_first=True, drop=drop)

    def _full(self) -> Text:
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
            t.append(self._docs())
        if self.scope:
            t.append(" │ ", style="dim")
            t.append(*self._scope())
        if self.rollout:
            t.append(" │ ", style="dim")
            t.append(*self._rollout())
        t.append(" │ ", style="dim")
        t.append(*self._state())
        return t

    def _compact(self, state_first: bool = False, drop: tuple[str, ...] = ()) -> Text:
        """`1a2b3c4d │ base │ 12 docs │ ready` (state_first: `answering… esc: stop │ 1a2b3c4d │ base …`, with a
        scope right after the state), without the fields named in `drop` ("model", "docs", "adapter"; "adapter
        id": `LoRA` without its id)."""
        fields: list[tuple[str, str]] = []
        if self.model_id and "model" not in drop:
            fields.append((short_id(self.model_id), "bold"))
        lora = self.adapter_id and self.adapter_id != "none"
        if lora and "adapter" not in drop:
            name = "LoRA" if "adapter id" in drop else "LoRA " + short_id(self.adapter_id)
            fields.append((name, "bold #98c379"))
        elif "adapter" not in drop:
            fields.append(("base", "bold"))
        if self.documents is not None and "docs" not in drop:
            fields.append((self._docs(), ""))
        if self.scope and not state_first:
            fields.append(self._scope())
        if self.rollout:
            fields.append(self._rollout())
        if state_first:  # then what the next answer is drawn from: it matters more than the model's id
            fields[:0] = [self._state(), *([self._scope()] if self.scope else [])]
        else:
            fields.append(self._state())
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, (text, style) in enumerate(fields):
            t.append(" │ " if i else " ", style="dim")
            t.append(text, style=style)
        return t

    def _docs(self) -> str:
        return f"{self.documents} doc{'s' if self.documents != 1 else ''}"

    def _scope(self) -> tuple[str, str]:
        return f"within {self.scope}", "bold #c678dd"

    def _rollout(self) -> tuple[str, str]:
        text = self.rollout or ""
        alert = "ALERT" in text or "rolled back" in text
        return printable(text), "bold #e06c75" if alert else "#61afef"

    def _state(self) -> tuple[str, str]:
        return printable(self.state), "bold #e5c07b" if self.state != "ready" else "#98c379"
