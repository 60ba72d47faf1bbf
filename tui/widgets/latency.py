"""Per-answer costs: retrieval, time to first token, generation, tokens, cost, cache."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from appliance.types import Answer


def _ms(v: float) -> str:
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


class LatencyPanel(Static):
    """Figures of the answer selected in the chat (the latest by default)."""

    def on_mount(self) -> None:
        self.border_title = "Latency"
        self.show(None)

    def show(self, answer: Answer | None) -> None:
        if answer is None:
            self.update(Text("no answer yet", style="dim"))
            return
        t = answer.timings
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        grid.add_column(style="dim", no_wrap=True)
        grid.add_column(justify="right", no_wrap=True)
        grid.add_row("retrieve", _ms(t.retrieval_ms), "ttft", _ms(t.ttft_ms))
        grid.add_row("generate", _ms(t.generation_ms), "total", _ms(t.total_ms))
        grid.add_row("tokens", f"{answer.tokens_prompt}→{answer.tokens_completion}", "cost", f"${answer.cost:.4f}")
        flags = Text()
        flags.append("cached" if answer.cached else "not cached", style="bold #61afef" if answer.cached else "dim")
        if answer.repaired:
            flags.append(" repaired", style="bold #e5c07b")
        if not answer.valid:
            flags.append(" invalid", style="bold #e06c75")
        grid.add_row("cache", flags, "", "")
        self.update(grid)
