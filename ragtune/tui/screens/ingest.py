"""ctrl+g: a path prompt, then ingest with a progress bar. The ingest runs in a thread worker; progress comes
back as messages."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static

if TYPE_CHECKING:
    from ..app import RagtuneApp


def summary_text(summary: Any) -> str:
    get = lambda k: getattr(summary, k, 0)  # noqa: E731
    text = (f"{get('added')} added, {get('updated')} updated, {get('unchanged')} unchanged, "
            f"{get('chunks_added')} chunks")
    failed = getattr(summary, "failed", None) or []
    if failed:
        text += f"; {len(failed)} failed"
    return text


class IngestScreen(ModalScreen[Any]):
    """Dismisses with the ingest summary (or None when cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Close")]

    class Progress(Message):
        def __init__(self, done: int, total: int, path: str):
            super().__init__()
            self.done, self.total, self.path = done, total, path

    class Done(Message):
        def __init__(self, summary: Any):
            super().__init__()
            self.summary = summary

    class Failed(Message):
        def __init__(self, error: str, title: str):
            super().__init__()
            self.error, self.title = error, title

    app: "RagtuneApp"

    def __init__(self, initial: str | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.initial = initial if initial is not None else os.getcwd()
        self.running = False

    def compose(self) -> ComposeResult:
        with Vertical(id="ingest-box") as box:
            box.border_title = "Ingest documents"
            box.border_subtitle = "enter to start · escape to close"
            yield Label("File or folder (several: separate with ';')")
            yield Input(value=self.initial, id="ingest-path", select_on_focus=False)
            yield ProgressBar(total=None, show_eta=False, id="ingest-progress")
            yield Static("supported: " + " ".join(self.app.settings.ingest.extensions), id="ingest-status")

    def on_mount(self) -> None:
        box = self.query_one("#ingest-path", Input)
        box.focus()
        box.cursor_position = len(box.value)
        self.query_one(ProgressBar).display = False  # shown once an ingest starts

    @on(Input.Submitted, "#ingest-path")
    def start(self, event: Input.Submitted) -> None:
        if self.running:
            return
        raw = [p.strip() for p in event.value.split(";") if p.strip()]
        if not raw:
            self.notify("Type a path to a file or folder", severity="warning")
            return
        paths = [Path(p).expanduser() for p in raw]
        missing = [str(p) for p in paths if not p.exists()]
        if missing:
            self.query_one("#ingest-status", Static).update(f"not found: {', '.join(missing)}")
            self.notify(f"not found: {', '.join(missing)}", severity="error")
            return
        self.running = True
        self.query_one("#ingest-path", Input).disabled = True
        self.query_one(ProgressBar).display = True
        self.query_one("#ingest-status", Static).update("starting…")
        self._ingest(paths)

    @work(thread=True, name="ingest")
    def _ingest(self, paths: list[Path]) -> None:
        def progress(done: int, total: int, path: str) -> None:
            self.post_message(self.Progress(done, total, str(path)))

        try:
            summary = self.app.ingest_fn(self.app.settings, paths, progress=progress)
        except Exception as exc:
            self.post_message(self.Failed(*self.app.describe_error(exc)))
        else:
            self.post_message(self.Done(summary))

    def on_ingest_screen_progress(self, event: Progress) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=max(event.total, 1), progress=event.done)
        self.query_one("#ingest-status", Static).update(f"{event.done}/{event.total}  {Path(event.path).name}")

    def on_ingest_screen_done(self, event: Done) -> None:
        self.running = False
        text = summary_text(event.summary)
        bar = self.query_one(ProgressBar)
        bar.update(total=bar.total or 1, progress=bar.total or 1)
        failed = getattr(event.summary, "failed", None) or []
        for path, reason in failed[:5]:
            self.notify(f"{path}: {reason}", title="not ingested", severity="warning", timeout=8)
        self.notify(text, title="ingested")
        self.dismiss(event.summary)

    def on_ingest_screen_failed(self, event: Failed) -> None:
        self.running = False
        self.query_one("#ingest-path", Input).disabled = False
        self.query_one("#ingest-status", Static).update(event.error)
        self.notify(event.error, title=event.title, severity="error", timeout=8)

    def action_cancel(self) -> None:
        if self.running:
            self.notify("Ingest is running; it will finish in the background", severity="warning")
        self.dismiss(None)
