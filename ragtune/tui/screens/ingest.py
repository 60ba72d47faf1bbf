"""ctrl+g: a path prompt, then ingest with a progress bar. The ingest runs in a thread worker; progress comes
back as messages. The prompt starts empty (one enter must never ingest a whole working tree), and a folder with
many files is ingested only after a second enter that confirms its file count."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, ProgressBar, Static

from ragtune.appliance.ingest.progress import fmt_eta
from ragtune.appliance.ingest.summary import doc_name

from ..data import fit_cells, printable
from ..host import ChatHost
from ..widgets.footer import HELP_KEYS, QUIT_KEY, KeyFooter

# More files than this under the given paths: show the count and ask for a second enter.
CONFIRM_OVER = 50


def count_files(paths: list[Path], extensions: list[str]) -> tuple[int, int, list[tuple[str, str]]]:
    """(files ingest would read, files it would ignore, [(path, why not)] of what it would refuse: a file of a type
    it does not read, an unreadable folder) under `paths`, by the ingest walk's own rules."""
    from ragtune.appliance.ingest.walk import walk

    w = walk(paths, extensions)
    return len(w.items), w.ignored, w.failed


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def check_paths(raw: list[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """(paths that exist, [(path as typed, why not)]). A name the system refuses (too long, a NUL byte, `~user`
    with no such user) is a reason, not a traceback that ends the app."""
    ok: list[Path] = []
    bad: list[tuple[str, str]] = []
    for p in raw:
        try:
            path = Path(p).expanduser()
            if path.exists():
                ok.append(path)
            else:
                bad.append((p, "not found"))
        except RuntimeError:  # expanduser: `~name` of no known user
            bad.append((p, "no such user's home"))
        except (OSError, ValueError) as exc:  # ENAMETOOLONG, ELOOP, EACCES on a parent; "embedded null byte"
            bad.append((p, getattr(exc, "strerror", None) or str(exc)))
    return ok, bad


def summary_text(summary: Any) -> str:
    get = lambda k: getattr(summary, k, 0)  # noqa: E731
    text = (f"{get('added')} added, {get('updated')} updated, {get('unchanged')} unchanged, "
            f"{plural(get('chunks_added'), 'chunk')}")
    if getattr(summary, "stopped", False):  # escape or quit (a document cut short is read again next run)
        text = f"stopped: {text}; {plural(get('files_left'), 'file')} left (ingest again to go on)"
    failed = getattr(summary, "failed", None) or []
    if failed:
        text += f"; {len(failed)} failed"
    if ignored := get("ignored"):  # other types in the folder (`logo.png`): said, as `ragtune ingest` says it
        text += f"; {plural(ignored, 'other file')} ignored"
    if still := getattr(summary, "still_unreadable", None):  # failed before, unchanged: not read again
        text += f"; {len(still)} still unreadable"
    reuse = getattr(summary, "reuse_line", None)
    if callable(reuse) and (line := reuse()):  # documents re-read for a better reader, vectors kept
        text += f"; {line}"
    return text


def gone_lines(summary: Any) -> list[str]:
    """What `ragtune ingest` prints on documents whose files are gone (`IngestSummary.prune_lines`: pruned, not
    pruned, kept though gone), a line each, in the app's words: its ingest has no --prune to add."""
    lines = getattr(summary, "prune_lines", None)
    if not callable(lines):
        return []
    return [line.replace("add --prune to remove them", "`ragtune ingest --prune` removes them")
            for line in lines(doc_name, str)]


def in_app_words(exc: BaseException) -> BaseException:
    """The error as the app says it: the pipeline's "another ingest is writing this index" hints at running the
    command again, which is the CLI's wording."""
    from ragtune.appliance.lexical import IndexBusy

    if isinstance(exc, IndexBusy) and exc.hint:
        return IndexBusy(exc.message, hint="try again when it has finished")
    return exc


class IngestScreen(ModalScreen[Any]):
    """Dismisses with the ingest summary (or None when cancelled)."""

    # One key, said as what it does now in this prompt's footer: "stop" is shown (and taken) only while an ingest
    # runs and has not been asked to stop; else escape closes. Then the app's help and quit, which a modal binds
    # itself (widgets/footer.py): f1 opens the help over the prompt, and so does `?` while the path box does not
    # have the focus (in it `?` is typed, as in every input).
    BINDINGS = [Binding("escape", "stop", "Stop ingest"), Binding("escape", "cancel", "Close"), *HELP_KEYS, QUIT_KEY]

    class Progress(Message):
        """`done`: files, with the fraction of the one being worked on (the bar); `files`: files done (the count;
        default int(done)), as `ragtune ingest` counts them: the bar moves by bytes, embedded in slabs."""

        def __init__(self, done: float, total: int, path: str, eta: float | None = None, stage: str = "",
                     files: int | None = None):
            super().__init__()
            self.done, self.total, self.path, self.eta, self.stage = done, total, path, eta, stage
            self.files = int(done) if files is None else files

        def can_replace(self, message: Message) -> bool:
            """Textual asks this of a message it takes from the queue, with the next one queued behind it: true,
            and that newer progress is handled instead. A burst (thousands of small files) is then one update,
            not one per file ahead of the keys pressed meanwhile (0.7 s for 5,000). Only a progress gives way to a
            progress: Failed, Counted and the end (a callback) are never folded, and the queue's order is kept."""
            return isinstance(message, IngestScreen.Progress)

    class Failed(Message):
        def __init__(self, error: str, title: str):
            super().__init__()
            self.error, self.title = error, title

    class Counted(Message):
        def __init__(self, paths: list[Path], n_files: int, n_ignored: int,
                     refused: list[tuple[str, str]] | None = None):
            super().__init__()
            self.paths, self.n_files, self.n_ignored = paths, n_files, n_ignored
            self.refused = refused or []  # (path, why not): an unsupported file type named, an unreadable folder

    app: ChatHost  # type: ignore[assignment]  # RagtuneApp, typed by what the screen uses (ragtune/tui/host.py)

    def __init__(self, initial: str = "", **kwargs: Any):
        super().__init__(**kwargs)
        self.initial = initial
        self.running = False
        self.counting = False
        self.confirmed: list[Path] | None = None  # paths whose file count the user has seen
        self.result: Any = None  # the summary of an ingest that ended while another screen was over this one

    def compose(self) -> ComposeResult:
        with Vertical(id="ingest-box") as box:
            box.border_title = "Ingest documents"
            box.border_subtitle = "enter to start · escape to close"
            yield Label("File or folder (several: separate with ';')")
            yield Input(value=self.initial, id="ingest-path", select_on_focus=False,
                        placeholder="e.g. ~/docs/policies  (a file or a folder)")
            yield ProgressBar(total=None, show_eta=False, id="ingest-progress")
            yield Static(Text("supported: " + " ".join(self.app.settings.ingest.extensions)), id="ingest-status")
        yield KeyFooter()  # this prompt's keys: the chat's footer beneath shows keys that do nothing here

    def _status(self, text: str) -> None:
        """The line under the prompt. Paths and error messages are literal text (a Static reads a str as markup:
        `[/]` in a path ended the app), their control characters shown."""
        self.query_one("#ingest-status", Static).update(Text(printable(text)))

    def on_mount(self) -> None:
        box = self.query_one("#ingest-path", Input)
        box.focus()
        box.cursor_position = len(box.value)
        self.query_one(ProgressBar).display = False  # shown once an ingest starts

    @on(Input.Submitted, "#ingest-path")
    def start(self, event: Input.Submitted) -> None:
        if self.running or self.counting:
            return
        raw = [p.strip() for p in event.value.split(";") if p.strip()]
        if not raw:
            self.notify("Type a path to a file or folder", severity="warning")
            return
        paths, bad = check_paths(raw)
        if bad:
            # Paths fitted (one: to two lines, several: one line each): a long one overflowed the box at 40x12.
            room = (2 if len(bad) == 1 else 1) * max(20, self.query_one("#ingest-status", Static).content_region.width
                                                     or 60)
            lines = [f"{why}: {fit_cells(printable(p), room - len(why) - 2)}" for p, why in bad[:3]]
            if len(bad) > 3:
                lines.append(f"and {len(bad) - 3} more")
            self._status("\n".join(lines))
            self.notify("\n".join(lines), severity="error")
            return
        if self.confirmed == paths:
            self._begin(paths)
            return
        self.counting = True
        self._status("counting files…")
        self._count(paths)

    @work(thread=True, name="ingest-count")
    def _count(self, paths: list[Path]) -> None:
        try:
            n, ignored, refused = count_files(paths, self.app.settings.ingest.extensions)
        except Exception as exc:  # an unreadable folder: a message, never a crashed worker
            self.post_message(self.Failed(*self.app.describe_error(exc)))
        else:
            self.post_message(self.Counted(paths, n, ignored, refused))

    def on_ingest_screen_counted(self, event: Counted) -> None:
        self.counting = False
        ignored = f" ({event.n_ignored} other files ignored)" if event.n_ignored else ""
        supported = " ".join(self.app.settings.ingest.extensions)
        if event.n_files == 0 and event.refused:  # `image.xyz` named: its type, not "no .md … files"
            room = max(20, self.query_one("#ingest-status", Static).content_region.width or 60)
            lines = [f"{fit_cells(printable(Path(p).name), room // 2)}: {why}" for p, why in event.refused[:3]]
            if len(event.refused) > 3:
                lines.append(f"and {len(event.refused) - 3} more")
            self._status("\n".join(lines) + f"\nsupported: {supported}")
            return
        if event.n_files == 0:
            self._status(f"nothing to ingest there: no {supported} files{ignored}")
            return
        if event.n_files > CONFIRM_OVER and self.confirmed != event.paths:
            self.confirmed = event.paths
            self._status(f"{event.n_files} files to ingest{ignored}. Press enter again to ingest them all, "
                         "or change the path.")
            return
        self._begin(event.paths)

    @on(Input.Changed, "#ingest-path")
    def _changed(self, _event: Input.Changed) -> None:
        self.confirmed = None  # a confirmation holds for the paths it counted only

    def _begin(self, paths: list[Path]) -> None:
        self.running = True
        self.app.ingest_status = "starting"
        self.app.ingest_stop.clear()  # a stop asked of the last run here (it failed while stopping) is not this one's
        self.query_one("#ingest-path", Input).disabled = True
        self.query_one(ProgressBar).display = True
        self.query_one("#ingest-box").border_subtitle = "escape to stop the ingest"
        self.refresh_bindings()
        self._status("starting…")
        self._ingest(paths, self.app)

    @work(thread=True, name="ingest")
    def _ingest(self, paths: list[Path], app: ChatHost) -> None:
        # `app` from the UI thread: once the screen is closed with escape, `self.app` has no app to find.
        def progress(done: float, total: int, path: str, eta: float | None = None, stage: str = "",
                     files: int | None = None) -> None:
            event = self.Progress(done, total, str(path), eta, stage, files)
            # Also on the app: closed with escape, the screen no longer gets these, and ctrl+g says how far it is.
            app.ingest_status = "waiting for another ingest" if stage == "waiting" else f"{event.files}/{total} files"
            self.post_message(event)

        outcome: Any
        try:
            outcome = app.ingest_fn(app.settings, paths, progress=progress, should_stop=app.ingest_stop.is_set)
        except Exception as exc:
            outcome = self.Failed(*app.describe_error(in_app_words(exc)))
        try:  # on the UI thread, whether or not this screen is still open (escape leaves the ingest running)
            app.call_from_thread(self._finished, outcome, app)
        except RuntimeError:  # the app has exited meanwhile: nobody to tell
            pass

    def on_ingest_screen_progress(self, event: Progress) -> None:
        if not self.running:  # a late message after the end
            return
        bar = self.query_one(ProgressBar)
        if event.stage == "waiting":  # the ingest pipeline waits (up to half a minute) for the index's writer
            bar.update(total=None)
            self._status("waiting for another ingest (or `ragtune docs remove`) to finish with this home…")
            return
        bar.update(total=max(event.total, 1), progress=event.done)
        eta = f"  {fmt_eta(event.eta)}" if event.eta is not None else ""
        if self.app.ingest_stop.is_set():
            self._status("stopping… (finished documents are kept; escape again to close)")
            return
        self._status(f"{event.files}/{event.total} files{eta}  {Path(event.path).name}")

    def _finished(self, outcome: Any, app: ChatHost) -> None:
        """The ingest's summary (or its Failed message): on this screen while it is open, else as notifications
        over whatever screen is showing (before: closed with escape, the result and any failed files were never
        shown, and the document count stayed old)."""
        self.running = False
        app.ingest_status = None
        if isinstance(outcome, self.Failed):
            if self.is_attached:  # open (perhaps under the help): its status line says why
                self.on_ingest_screen_failed(outcome)
            else:
                app.notify(outcome.error, title=f"ingest: {outcome.title}", severity="error", timeout=15)
            return
        summary = outcome
        # this run's failures, then those that failed before and are unchanged (named, as the CLI does)
        for title, rows, suffix in (
                ("not ingested", getattr(summary, "failed", None) or [], ""),
                ("still unreadable", getattr(summary, "still_unreadable", None) or [],
                 " (unchanged since it failed; `ragtune ingest --retry-failed` reads it again)")):
            for path, reason, *_ in rows[:5]:
                app.notify(f"{path}: {reason}{suffix}", title=title, severity="warning", timeout=8)
            if len(rows) > 5:
                app.notify(f"and {len(rows) - 5} more files", title=title, severity="warning", timeout=8)
        for path, note in (getattr(summary, "notes", None) or [])[:5]:  # a PDF's scanned pages
            app.notify(f"{path}: {note}", title="ingested, with a note", severity="warning", timeout=8)
        for line in gone_lines(summary):  # renamed, moved or deleted files: their documents still answer
            app.notify(line, title="files gone", severity="warning", timeout=15)
        app.notify(summary_text(summary), title="ingested")
        if self.is_attached:
            bar = self.query_one(ProgressBar)
            bar.update(total=bar.total or 1, progress=bar.total or 1)
            self.result = summary
            if app.screen is self:  # (is_current is also true under a modal screen)
                self.dismiss(summary)
                return
        watch = getattr(app, "store_watch", None)  # (the app's; not a ChatHost member)
        if watch is not None:
            watch.loaded()  # its next read is this ingest's version: not refreshed again
        app.documents_changed()

    def on_screen_resume(self) -> None:
        if self.result is not None:  # it ended while another screen was over this one
            result, self.result = self.result, None
            self.dismiss(result)

    def on_ingest_screen_failed(self, event: Failed) -> None:
        """An ingest (or its file count) failed: the prompt shows it has ended (no bar going on, the subtitle of a
        prompt at rest) and takes a path again, with the focus (before: the path box came back with nothing
        focused, so typing went nowhere)."""
        self.running = self.counting = False
        self.query_one(ProgressBar).display = False
        self.query_one("#ingest-box").border_subtitle = "enter to start · escape to close"
        box = self.query_one("#ingest-path", Input)
        box.disabled = False
        box.focus()
        self.refresh_bindings()
        self._status(event.error)
        self.notify(event.error, title=event.title, severity="error", timeout=8)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "stop":
            return self.running and not self.app.ingest_stop.is_set()
        return True

    def action_stop(self) -> None:
        self.action_cancel()  # the footer's "Stop ingest": escape's first press while an ingest runs

    def action_cancel(self) -> None:
        """Escape: while an ingest runs, the first asks it to stop (the documents it read are kept; one it is
        inside is dropped whole and read again next time), the second closes the prompt (the stop goes on; its
        result shows wherever the person is)."""
        if self.running and not self.app.ingest_stop.is_set():
            self.app.ingest_stop.set()
            self._status("stopping… (finished documents are kept; escape again to close)")
            self.query_one("#ingest-box").border_subtitle = "stopping · escape to close"
            self.refresh_bindings()
            return
        if self.running:
            self.notify("The ingest is stopping (finished documents are kept); its result shows here when it does",
                        severity="warning", timeout=8)
        self.dismiss(None)
