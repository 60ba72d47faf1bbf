"""Per-answer costs: retrieval, time to first token, generation, tokens, cost, cache."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from ragtune.appliance.types import Answer

from .refit import update_fitted


def _ms(v: float) -> str:
    return f"{v / 1000:.2f} s" if v >= 1000 else f"{v:.0f} ms"


class LatencyPanel(Static):
    """Figures of the answer selected in the chat (the latest by default)."""

    def on_mount(self) -> None:
        self.border_title = "Latency"
        self.answer: Answer | None = None
        self.stopped: dict[str, float | None] | None = None
        self.show(None)

    def on_resize(self) -> None:
        self.show(self.answer, self.stopped)

    def show(self, answer: Answer | None, stopped: dict[str, float | None] | None = None) -> None:
        """The answer's figures; for an answer stopped with escape (`answer` None), what was measured until then."""
        self.answer, self.stopped = answer, stopped
        if answer is None and stopped is None:
            update_fitted(self, Text("no answer yet", style="dim"))
            return
        cache = Text()
        if answer is None:
            ttft = stopped.get("ttft_ms") if stopped else None
            pairs = [("ttft", "–" if ttft is None else _ms(ttft)), ("total", _ms(stopped["total_ms"] or 0.0))]
            cache.append("stopped", style="bold #e5c07b")
            self._draw(pairs, ("answer", cache))
            return
        t = answer.timings
        cache.append("cached" if answer.cached else "not cached", style="bold #61afef" if answer.cached else "dim")
        if answer.repaired:
            cache.append(" repaired", style="bold #e5c07b")
        if not answer.valid:
            cache.append(" invalid", style="bold #e06c75")
        pairs = [("retrieval", _ms(t.retrieval_ms)), ("ttft", _ms(t.ttft_ms)),
                 ("generation", _ms(t.generation_ms)), ("total", _ms(t.total_ms)),
                 ("tokens", f"{answer.tokens_prompt}→{answer.tokens_completion}"), ("cost", f"${answer.cost:.4f}")]
        if (self.content_region.width or 0) < 36:  # the cost moves to the last line at 80 columns
            cost = pairs.pop()
            cache.append(f" · {cost[1]}", style="dim")
        self._draw(pairs, ("cache", cache))

    def _draw(self, pairs: list[tuple[str, str]], last: tuple[str, Text]) -> None:
        # Two figures per line, also at 80 columns (short labels there): the source panel above needs the rows.
        width = self.content_region.width or 0
        if width < 36:
            labels = {"retrieval": "retr", "generation": "gen", "tokens": "tok"}
            pairs = [(labels.get(k, k), v) for k, v in pairs]
        grid = Table.grid(padding=(0, 1), expand=True)
        for _ in range(2):
            grid.add_column(style="dim", no_wrap=True)
            grid.add_column(justify="right", no_wrap=True)
        for i in range(0, len(pairs), 2):
            grid.add_row(*pairs[i], *(pairs[i + 1] if i + 1 < len(pairs) else ("", "")))
        # the cache/stopped line spans the width (its words do not fit one grid cell at 80 columns); the same number
        # of lines as before (another answer's figures, the same ones at a new width) lays nothing out (refit.py)
        update_fitted(self, Group(grid, Text.assemble((f"{last[0]} ", "dim"), last[1])))
