"""Per-answer costs: retrieval, time to first token, generation, tokens, cost, cache."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ragtune.appliance.types import Answer


def _ms(v: float) -> str:
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


class LatencyPanel(Static):
    """Figures of the answer selected in the chat (the latest by default)."""

    def on_mount(self) -> None:
        self.border_title = "Latency"
        self.answer: Answer | None = None
        self.show(None)

    def on_resize(self) -> None:
        self.show(self.answer)

    def show(self, answer: Answer | None) -> None:
        self.answer = answer
        if answer is None:
            self.update(Text("no answer yet", style="dim"))
            return
        t = answer.timings
        cache = Text()
        cache.append("cached" if answer.cached else "not cached", style="bold #61afef" if answer.cached else "dim")
        if answer.repaired:
            cache.append(" repaired", style="bold #e5c07b")
        if not answer.valid:
            cache.append(" invalid", style="bold #e06c75")
        pairs = [("retrieval", _ms(t.retrieval_ms)), ("ttft", _ms(t.ttft_ms)),
                 ("generation", _ms(t.generation_ms)), ("total", _ms(t.total_ms)),
                 ("tokens", f"{answer.tokens_prompt}→{answer.tokens_completion}"), ("cost", f"${answer.cost:.4f}")]
        wide = (self.content_region.width or 0) >= 36
        grid = Table.grid(padding=(0, 1), expand=True)
        for _ in range(2 if wide else 1):
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(justify="right", no_wrap=True)
        if wide:  # two figures per line
            for i in range(0, len(pairs), 2):
                grid.add_row(*pairs[i], *pairs[i + 1])
            grid.add_row("cache", cache, "", "")
        else:  # one per line (80-column terminals)
            for label, value in pairs:
                grid.add_row(label, value)
            grid.add_row("cache", cache)
        self.update(grid)
