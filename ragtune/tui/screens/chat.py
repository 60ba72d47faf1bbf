"""The main screen: conversation on the left; citations, source and latency of the selected answer on the right.

Every engine call (load, ask, adapter switch) runs in a thread worker and talks back with messages, so the UI
never waits on llama.cpp. Engine calls are serialised by the app's engine lock. The keyboard path through the
screen's regions is in chat_focus.py, the base / LoRA switch in chat_adapter.py, the side region in
widgets/side.py."""

from __future__ import annotations

import threading
import time
from time import monotonic
from typing import Any, Awaitable

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input, Static

from ragtune.appliance.types import Answer

from ..data import scope_size
from ..host import ChatHost
from ..rollout import SessionRoute, rollout_alert
from ..scopes import ScopeFollowed, ScopeState, follow
from ..widgets.footer import KeyFooter
from ..widgets.messages import AnswerMessage, HistoryInput, MessageList, QuestionMessage, answer_transcript
from ..widgets.side import SidePanels
from ..widgets.status import StatusBar
from .chat_adapter import AdapterSwitch
from .chat_focus import FocusRing

# Longest question asked, in characters after whitespace is collapsed: the retriever's limit (MAX_QUERY_CHARS), read
# when the first question is asked (the engine has imported it by then).
_FALLBACK_MAX_QUESTION = 2000


def max_question_chars() -> int:
    try:
        from ragtune.appliance.retrieve import MAX_QUERY_CHARS
    except Exception:  # the TUI must not fail on a missing optional dependency of retrieval
        return _FALLBACK_MAX_QUESTION
    return int(MAX_QUERY_CHARS)


class AnswerCancelled(Exception):
    """Raised from on_token to stop a generation the user cancelled (escape) or the app is quitting."""


class ChatScreen(FocusRing, AdapterSwitch, Screen):
    # Below 72 columns the side panels (citations, source, latency) go under the chat instead of off the screen;
    # below 18 rows the latency panel gives its rows to the source, and below 14 a narrow screen keeps only the
    # conversation (ragtune.tcss).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (72, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-tiny"), (14, "-short"), (18, "-tall")]
    AUTO_FOCUS = "#question"  # from the first frame: keys typed during start-up went to the conversation (round 46)

    BINDINGS = [
        Binding("f1", "app.help", "Help"),
        Binding("ctrl+l", "toggle_adapter", "Base/LoRA", priority=True),
        Binding("ctrl+n", "cite(1)", "Next cite", show=False, priority=True),
        Binding("ctrl+p", "cite(-1)", "Prev cite", show=False, priority=True),
        Binding("ctrl+o", "open_document", "Open", priority=True),
        Binding("ctrl+g", "app.ingest", "Ingest", priority=True),
        Binding("ctrl+r", "app.evals", "Evals", priority=True),
        Binding("ctrl+t", "app.documents", "Docs", priority=True),
        Binding("ctrl+y", "copy_answer", "Copy", show=False, priority=True),  # in the help: the footer is full
        Binding("ctrl+s", "clear_scope", "All", priority=True),  # in the footer while a scope is set
        Binding("f2", "toggle_layout", "Layout", show=False),  # panels under the chat: one region a line
        Binding("escape", "escape", "Stop/Ask", show=False),
        Binding("question_mark", "app.help", "Help", show=False),
    ]

    # -- messages from workers ----------------------------------------------------------------------
    class Token(Message):
        def __init__(self, target: AnswerMessage, token: str):
            super().__init__()
            self.target, self.token = target, token

    class Answered(Message):
        def __init__(self, target: AnswerMessage, answer: Answer):
            super().__init__()
            self.target, self.answer = target, answer

    class Failed(Message):
        def __init__(self, target: AnswerMessage | None, error: str, title: str = "error"):
            super().__init__()
            self.target, self.error, self.title = target, error, title

    class AdapterChanged(Message):
        def __init__(self, adapter_id: str | None):
            super().__init__()
            self.adapter_id = adapter_id

    app: ChatHost  # type: ignore[assignment]  # RagtuneApp, typed by what the screen uses (ragtune/tui/host.py)

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.busy = False
        self.activity = ""  # what keeps it busy: "answering" | "switching" | "waiting" (for the model to load)
        self._route = SessionRoute()
        self.selected: AnswerMessage | None = None
        self.pending: list[tuple[str, AnswerMessage]] = []
        self.cancel = threading.Event()
        self._noted: dict[str, float] = {}  # notice -> when it was last shown (see notify_once)

    def compose(self) -> ComposeResult:
        yield StatusBar(id="status")
        with Horizontal(id="main"):
            with Vertical(id="chat"):
                yield MessageList(id="messages")
                yield HistoryInput(placeholder="Ask a question about your documents…", id="question")
            yield SidePanels(id="side")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.status.documents = self.app.count_documents()
        self.status.scope = scope_size(self.app.scope)
        self.messages.mount(Static(self._welcome(), id="welcome"))  # not add(): an empty chat shows it from the top
        box = self.query_one(HistoryInput)
        for question in self.app.recent_questions():  # up/down reach questions of earlier sessions too
            box.remember(question)
        box.focus()
        if self.app.engine is not None:
            self.engine_ready()
        elif self.app.engine_error:
            self.engine_failed(self.app.engine_error)

    def _welcome(self) -> Text:
        t = Text()
        t.append("Ask a question about your documents.\n", style="bold")
        # named, not placed: under 72 columns the panels are below the chat, and the timings are left out
        t.append("Answers cite their sources [1] [2]; the Citations and Source panels show the cited text.\n",
                 style="dim")
        if self.status.documents == 0:
            t.append("No documents yet: press ctrl+g to ingest a file or folder.\n", style="#e5c07b")
        t.append("f1 lists every key.", style="dim")
        return t

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    @property
    def messages(self) -> MessageList:
        return self.query_one(MessageList)

    @property
    def side(self) -> SidePanels:
        return self.query_one(SidePanels)

    def notify_once(self, message: str, *, severity: str = "warning", timeout: float = 4) -> None:
        """A notice not repeated while the same one is still on screen: enter held down (or pressed ten times)
        while an answer streams would otherwise stack ten toasts over the side panels."""
        now = monotonic()
        if now - self._noted.get(message, -timeout) < timeout:
            return
        self._noted[message] = now
        self.notify(message, severity=severity, timeout=timeout)  # type: ignore[arg-type]

    def unasked_question(self) -> str:
        return self.query_one(HistoryInput).unasked()

    # -- engine state (called by the app) ----------------------------------------------------------------
    def engine_ready(self) -> None:
        eng = self.app.engine
        self.status.model_id = getattr(eng, "model_id", None)
        self.status.adapter_id = getattr(eng, "adapter_id", None)
        self.status.state = "ready"
        pending, self.pending = self.pending, []
        for question, target in pending:
            self._start(question, target)

    def engine_failed(self, error: str) -> None:
        self.status.state = self.app.engine_state
        for _q, target in self.pending:
            target.set_error(error)
        if self.pending:
            self.busy, self.activity = False, ""
        self.pending = []

    # -- asking ---------------------------------------------------------------------------------------------
    @on(Input.Submitted, "#question")
    def ask(self, event: Input.Submitted) -> None:
        question = event.value.strip()
        box = self.query_one(HistoryInput)
        if not question:
            box.value = ""
            self.notify_once("Type a question first", severity="information", timeout=3)
            return
        if self.busy:
            self.notify_once({"switching": "Switching the adapter: ask again in a moment (your question stays in "
                                           "the box)",
                              "waiting": "Still waiting for the model to load to answer the previous question"}
                             .get(self.activity, "Still answering the previous question (escape stops it)"))
            return
        size, limit = len(" ".join(question.split())), max_question_chars()
        if size > limit:  # kept in the box to shorten; not echoed into the conversation
            self.notify(f"The question is {size:,} characters long; the limit is {limit:,}. Shorten it and press "
                        "enter again.", title="question too long", severity="warning", timeout=8)
            return
        box.remember(question)
        box.value = ""
        self.messages.add(QuestionMessage(question, classes="question"))
        target = AnswerMessage(question, classes="answer")
        self._laid_out_once(self.messages.add(target))
        self.select(target)
        if self.app.engine is None:
            if self.app.engine_error:
                target.set_error(self.app.engine_error)
                self.notify(self.app.engine_error, title=self.app.engine_state, severity="error")
                return
            target.set_waiting_text("waiting for the model to load… (escape: cancel)")
            self.pending.append((question, target))
            self.busy, self.activity = True, "waiting"
            return
        self._start(question, target)

    def _laid_out_once(self, mounted: Awaitable[None]) -> None:
        """The new turn and the side panels showing its answer laid out together, when the answer is mounted: the
        panels' change came first on its own, a layout of the whole screen before the turn's (round 53)."""
        batch = self.app.batch_update()
        batch.__enter__()

        async def end() -> None:
            try:
                await mounted
            finally:
                batch.__exit__(None, None, None)

        self.call_next(end)

    def _start(self, question: str, target: AnswerMessage) -> None:
        self.busy, self.activity = True, "answering"
        self.cancel.clear()
        target.started_at = time.perf_counter()
        self.status.state = "answering… esc: stop"
        target.set_waiting_text("retrieving and generating…")
        target.scope = scope_size(self.app.scope)  # the answer's own line says it, whatever ctrl+s does next
        self._ask_worker(question, target, self.app.scope_state())

    @work(thread=True, group="engine", name="ask")
    def _ask_worker(self, question: str, target: AnswerMessage, scope: ScopeState | None = None) -> None:
        def on_token(tok: str) -> None:
            if self.cancel.is_set():
                raise AnswerCancelled()
            if tok:  # "": a candidate is being decoded (the answer comes whole once chosen)
                self.post_message(self.Token(target, tok))

        try:
            kw = self._route.kwargs(self.app.settings.home, self.app.engine)
            # The scope when the question was sent (ctrl+s meanwhile is for the next one), resolved again here when
            # documents were ingested or removed since it was chosen: off the UI thread, before retrieval.
            followed = follow(self.app.documents, scope)
            if followed is not None:
                self.post_message(ScopeFollowed(followed, target))
            filters = followed.filters if followed is not None else scope.filters if scope else None
            if filters:
                kw["filters"] = filters
            with self.app.engine_lock:
                answer = self.app.engine.ask(question, on_token=on_token, **kw)
            self._rollout_status()
        except Exception as exc:  # every failure becomes a notification, never a crash
            if self.cancel.is_set():
                self.post_message(self.Failed(target, "stopped", "cancelled"))
            else:
                self.post_message(self.Failed(target, *self.app.describe_error(exc)))
        else:
            self.post_message(self.Answered(target, answer))

    # -- rollout (docs/rollout.md): this terminal session's sticky arm (rollout.py), the alert in the status bar ---
    def _rollout_status(self) -> None:
        try:
            text = rollout_alert(self.app.settings)
        except Exception:  # a damaged rollout file must not stop the chat
            return
        self.app.call_from_thread(setattr, self.status, "rollout", text)

    def on_chat_screen_token(self, event: Token) -> None:
        if event.target.first_token_at is None:
            event.target.first_token_at = time.perf_counter()
        event.target.append_token(event.token)
        self.messages.keep_following()  # not for a reader who paged up to read: each token pulled them back

    def on_chat_screen_answered(self, event: Answered) -> None:
        self.busy, self.activity = False, ""
        self.status.state = "ready"
        self.status.documents = self.app.count_documents()  # another process may have ingested or removed some
        event.target.set_answer(event.answer)
        self.status.adapter_id = event.answer.adapter if event.answer.adapter != "none" else None
        self.messages.keep_following()
        if self.selected is event.target:
            self.select(event.target)

    def on_chat_screen_failed(self, event: Failed) -> None:
        self.busy, self.activity = False, ""
        if self.app.engine is not None:
            self.status.state = "ready"
        if event.target is not None:
            event.target.set_error(event.error)
            if self.selected is event.target and event.title != "cancelled":
                self.select(event.target)
        if event.title == "cancelled":
            if event.target is not None:
                event.target.stopped_at = time.perf_counter()
                if self.selected is event.target:  # keep its figures: time to first token, time until stopped
                    self.select(event.target)
            self.notify("Answer stopped", severity="warning")
            return
        self.notify(event.error, title=event.title, severity="error", timeout=8)

    # -- selection: the side panels show the selected answer (widgets/side.py) ------------------------------
    def on_answer_message_selected(self, event: AnswerMessage.Selected) -> None:
        self.select(event.message)

    def select(self, target: AnswerMessage) -> None:
        self.selected = target
        for a in self.messages.answers:
            a.set_class(a is target, "-selected")
        self.side.show(target)

    def action_cite(self, step: int) -> None:
        self.side.cite(step)

    def action_open_document(self) -> None:
        self.side.open_document()

    def action_copy_answer(self) -> None:
        """The selected answer and its citations as plain text, to the terminal's clipboard (OSC 52)."""
        if self.selected is None:
            self.notify("No answer to copy yet", severity="warning")
            return
        text = answer_transcript(self.selected, self.app.lookup_chunk)
        self.app.copy_to_clipboard(text)
        n = len(self.selected.answer.citations) if self.selected.answer else 0
        self.notify(f"Copied the answer and {n} citation{'' if n == 1 else 's'} ({len(text)} characters)")

    def action_escape(self) -> None:
        """Stop the answer being generated (or drop a question waiting for the model), else go back to the input
        box."""
        if self.pending:
            for _q, target in self.pending:
                target.set_error("cancelled before the model was loaded")
            self.pending = []
            self.busy, self.activity = False, ""
            self.notify("Question cancelled", severity="warning")
            if self.selected is not None:
                self.select(self.selected)
            return
        if self.busy and self.activity == "answering" and not self.cancel.is_set():
            self.cancel.set()
            self.status.state = "stopping…"
            for target in self.messages.answers[-1:]:
                if target.state == "waiting":  # before its first token: say so where the reader looks
                    target.set_waiting_text("stopping…")
            return
        self.query_one(HistoryInput).focus()

    # -- scope: answers from part of the documents (`ragtune chat --in`, `a` in the document view) --------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_scope":
            return bool(self.app.scope)  # nothing to clear: not in the footer, and the key does nothing
        return True

    def action_clear_scope(self) -> None:
        self.app.set_scope(None)

    def on_scope_followed(self, event: ScopeFollowed) -> None:
        """A question's worker followed the scope: its answer says what it was asked within, the app takes it."""
        if event.target is not None:
            event.target.scope = scope_size(event.followed.filters)
        self.app.scope_followed(event.followed)

    def scope_changed(self) -> None:
        """The app's scope was set or cleared: the status bar and the footer's ctrl+s say so."""
        self.status.scope = scope_size(self.app.scope)
        self.refresh_bindings()

    def refresh_documents(self) -> None:
        self.status.documents = self.app.count_documents()
        for w in self.query("#welcome"):
            w.update(self._welcome())
