"""ctrl+r: the last `ragtune eval run` reports (under HOME/eval, and wherever `--out` wrote one), newest first,
with the selected report's A/B/C table, deltas and go/no-go decision."""

from __future__ import annotations

import time

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, OptionList, Static
from textual.widgets.option_list import Option

from ..data import fit_cells, printable, printable_text
from ..host import ChatHost
from ..reports import EvalReport, fmt_metric, list_eval_reports
from ..widgets.footer import HELP_KEY, KeyFooter


def plain(value: object, style: str = "") -> Text:
    """A report's string (arm name, metric key, reason) as literal text: DataTable and Static read a str as
    markup, and a report is read, never trusted."""
    return Text(printable(value), style=style)


def cell(value: str) -> str | Text:
    """A table cell: a str when it holds no `[` (nothing a DataTable could read as markup: every formatted
    number), else literal Text."""
    value = printable(value)
    return plain(value) if "[" in value else value

ARM_NAMES = {"A": "A rag", "B": "B tune", "C": "C hybrid"}


def list_label(rep: EvalReport, width: int) -> Text:
    """A report in the list: its name on one line (fitted: a long or CJK name wrapped over the whole list at
    40 columns), its date on the next."""
    label = Text(no_wrap=True)
    smoke = bool(rep.decision.get("smoke_test"))
    go = None if smoke else rep.decision.get("go")  # a smoke test decides nothing
    label.append("● " if go is not None else "○ ", style="#98c379" if go else "#e06c75" if go is False else "dim")
    label.append(fit_cells(printable(rep.name), max(4, width - 2)))
    # The decision in a word too (round 48): the dot alone was green or red, one grey under NO_COLOR, and a screen
    # reader says "black circle" for both
    word = "go" if go else "no-go" if go is False else "smoke test" if smoke else "no decision"
    when = time.strftime("%Y-%m-%d %H:%M", time.localtime(rep.mtime))
    label.append(f"\n  {word}", style="bold #98c379" if go else "bold #e06c75" if go is False else "dim")
    label.append(f" {when}"[: max(0, width - 2 - len(word))], style="dim")  # a narrow list cuts the date, not the word
    return label


class ReportList(OptionList):
    """The list of reports; its names are fitted to its width, so it refits them when that changes (a resize, or
    the screen's breakpoint moving it above the report)."""

    def on_resize(self) -> None:
        refit = getattr(self.screen, "refit", None)
        if refit is not None:
            self.call_after_refresh(refit)


class EvalScreen(Screen):
    BINDINGS = [Binding("escape,q", "app.pop_screen", "Back"), Binding("r", "reload", "Reload"), HELP_KEY]
    # Under 70 columns the list goes above the report (side by side the table had 18 columns at 40x12).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (70, "-wide")]

    app: ChatHost  # type: ignore[assignment]  # RagtuneApp, typed by what the screen uses (ragtune/tui/host.py)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.reports: list[EvalReport] = []

    def compose(self) -> ComposeResult:
        with Horizontal(id="evals"):
            yield ReportList(id="eval-list")
            with VerticalScroll(id="eval-detail"):  # focusable: tab reaches the decision, up/down scroll it
                yield Static(id="eval-title")
                yield DataTable(id="eval-table", zebra_stripes=True, cursor_type="row")
                yield Static(id="eval-decision")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#eval-list").border_title = "Eval runs"
        self.action_reload()

    def action_reload(self) -> None:
        try:
            self.reports = list_eval_reports(self.app.settings.home.eval_dir,
                                             extra_dirs=self.app.eval_report_dirs())
        except Exception as exc:  # an unreadable eval folder: say so, list nothing
            self.reports = []
            self.notify(f"cannot list eval reports: {self.app.describe_error(exc)[0]}", severity="error")
        ol = self.query_one("#eval-list", OptionList)
        ol.clear_options()
        if not self.reports:
            ol.add_option(Option(Text("no reports yet", style="dim"), disabled=True))
            self.query_one("#eval-title", Static).update(Text.assemble(
                ("No eval reports in ", "dim"), printable(self.app.settings.home.eval_dir),
                ("\nRun ", "dim"), ("ragtune eval run DATASET", "bold"), (" to compare A (RAG), B (tune), C (both).", "dim")))
            self.query_one(DataTable).display = False
            self.query_one("#eval-decision", Static).update("")
            return
        width = self._label_width()
        ol.add_options([Option(list_label(rep, width)) for rep in self.reports])
        ol.highlighted = 0
        ol.focus()
        self.show(self.reports[0])

    def _label_width(self) -> int:
        ol = self.query_one("#eval-list", OptionList)
        return (ol.scrollable_content_region.width or 30) - 1  # the scroll bar, when the list has one

    def on_resize(self) -> None:
        self.call_after_refresh(self.refit)

    def refit(self) -> None:
        """Fit the names to the list's new width; a report's path and title to the detail's."""
        width = self._label_width()
        ol = self.query_one("#eval-list", OptionList)
        for i, rep in enumerate(self.reports):
            if i < ol.option_count:
                ol.replace_option_prompt_at_index(i, list_label(rep, width))
        if self.reports and ol.highlighted is not None and 0 <= ol.highlighted < len(self.reports):
            self._title(self.reports[ol.highlighted])

    @on(OptionList.OptionHighlighted, "#eval-list")
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        if 0 <= event.option_index < len(self.reports):
            self.show(self.reports[event.option_index])

    def show(self, rep: EvalReport) -> None:
        """The report's table and decision; a report this cannot draw (a hand-edited or foreign report.json) shows
        why instead of ending the app."""
        title = self.query_one("#eval-title", Static)
        table = self.query_one(DataTable)
        decision = self.query_one("#eval-decision", Static)
        table.clear(columns=True)
        if not rep.error:
            try:
                self._show(rep, title, table, decision)
                return
            except Exception as exc:
                table.clear(columns=True)
                rep.error = f"{rep.path}: cannot show report: {type(exc).__name__}: {exc}"
        title.update(plain(rep.error, "#e06c75"))
        table.display = False
        decision.update("")

    def _title(self, rep: EvalReport) -> None:
        """The report's name and where it is, each fitted to two lines (a long path took every row at 40x12)."""
        if rep.error:
            return
        try:
            where = str(rep.path.relative_to(self.app.settings.home.root))
        except ValueError:
            where = str(rep.path)
        room = 2 * max(10, (self.query_one("#eval-detail").scrollable_content_region.width or 40) - 1)
        self.query_one("#eval-title", Static).update(Text.assemble(
            (fit_cells(printable(rep.name), room), "bold"), "\n", (fit_cells(printable(where), room), "dim")))

    def _show(self, rep: EvalReport, title: Static, table: DataTable, decision: Static) -> None:
        self._title(rep)
        self.query_one("#eval-detail", VerticalScroll).scroll_home(animate=False)
        arms = rep.arms
        keys = rep.metric_keys()
        table.display = bool(arms and keys)
        if problem := rep.problem():  # no arms, no metrics, zero questions: say so instead of an empty table
            out = Text(problem, style="#e5c07b")
            if table.display:
                out.append("\n")
        else:
            out = Text()
        arm_keys = [a for a in ("A", "B", "C") if a in arms] + sorted(a for a in arms if a not in ("A", "B", "C"))
        deltas = rep.delta_columns()
        table.add_column(plain("metric"), key="metric")
        for a in arm_keys:
            table.add_column(plain(ARM_NAMES.get(a, a)), key=f"arm-{a}")
        for d in deltas:
            table.add_column(plain(d.replace("_minus_", "−").replace("-", "−")), key=f"delta-{d}")
        for key, label, kind in keys:
            row: list = [cell(label)]
            row += [cell(fmt_metric(arms[a].get(key), kind)) for a in arm_keys]
            for d, values in deltas.items():
                v = values.get(key)
                delta = plain(fmt_metric(v, kind, signed=True))
                if isinstance(v, (int, float)) and not isinstance(v, bool) and v:
                    delta.stylize("#98c379" if (v > 0) != (key in ("hallucination_rate", "repair_rate") or key.startswith("latency")) else "#e06c75")
                row.append(delta)
            table.add_row(*row, key=key)
        dec = rep.decision
        if "go" in dec:
            from ...appliance.eval.report_render import decision_label

            look = "#98c379" if dec["go"] else "#abb2bf" if dec.get("smoke_test") else "#e06c75"
            out.append(f" {decision_label(dec)} ", style=f"bold #1e1e1e on {look}")
        reasons = dec.get("reasons") or []
        for r in reasons if isinstance(reasons, list) else [reasons]:
            out.append(f"\n• {r}")
        flat = {k: v for k, v in (rep.data.get("deltas") or {}).items() if not isinstance(v, dict)} \
            if isinstance(rep.data.get("deltas"), dict) else {}
        for k, v in flat.items():
            out.append(f"\n{k}: {fmt_metric(v, 'pct' if isinstance(v, float) and abs(v) <= 1 else 'num', signed=True)}", style="dim")
        for name, s in rep.paired.items():  # only flips count: the sign test's verdict on C−A (docs/eval.md)
            ci = s["ci95"] if isinstance(s["ci95"], list) and len(s["ci95"]) == 2 else None
            out.append(f"\n{name.replace('-', '−')} question by question: {fmt_metric(s['delta'], 'pct', signed=True)}"
                       + (f" (95% CI {fmt_metric(ci[0], 'pct', signed=True)} to {fmt_metric(ci[1], 'pct', signed=True)})"
                          if ci else "")
                       + f", {s['up']} up / {s['down']} down of {s['n']}, p = {float(s['p_value']):.2g}", style="dim")
        for name, line in rep.losses.items():  # where answers were lost (docs/eval.md)
            out.append(f"\n{name} where lost: {line}", style="dim")
        if "go" not in dec and not rep.problem():
            out.append("\nno go/no-go decision in this report (written by an older ragtune?)", style="dim")
        if out.plain.startswith("\n"):
            out = out[1:]
        decision.update(printable_text(out))
