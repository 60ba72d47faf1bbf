"""The conversation: questions, answers streamed then rendered with citation markers, refusals, errors."""

from __future__ import annotations

from typing import Any, Awaitable, Callable, Generator

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.reactive import Reactive
from textual.widget import Widget
from textual.widgets import Input, Static

from ragtune.appliance.ingest.doc_names import shown_doc_path, twins, unicode_form
from ragtune.appliance.types import Answer, ContextItem

from ..data import REFUSAL_REASONS, StreamedAnswer, one_line, printable, printable_text
from ..docsource import chunk_number  # lives there: `ragtune demo` prints it too, without Textual
from .turn_window import TurnWindow


def drop_rendered_lines(widget: Widget) -> None:
    """Textual (8.2) keeps a removed widget's StylesCache, with the lines it last rendered, as a key of
    `StylesCache.get_inner_outer`'s lru_cache (1,024 entries): RSS grew ~33 KB a question past MessageList's cap (up
    to ~10 MB). The lines go with the widget; the key (a few hundred bytes) stays until the cache drops it."""
    cache = getattr(widget, "_styles_cache", None)
    if cache is not None:
        cache.clear()


class QuestionMessage(Static):
    virtual_size = Reactive(Size(0, 0), layout=False)  # see AnswerMessage.virtual_size

    def __init__(self, question: str, **kwargs):
        super().__init__(Text.assemble(("› ", "bold #61afef"), printable(question)), **kwargs)
        self.question = question

    def on_unmount(self) -> None:
        drop_rendered_lines(self)


class AnswerMessage(Static, can_focus=True):
    """One answer. States: waiting → streaming → ok | refused | error. Focus it to show its citations; up/down
    move to the previous/next answer."""

    # Set by the screen's layout itself (its content's size): Widget's layout=True asked for a second layout of the
    # whole screen after each one that changed it, i.e. after every resize (~2 extra passes over every turn).
    virtual_size = Reactive(Size(0, 0), layout=False)

    BINDINGS = [
        Binding("up", "step(-1)", "Previous answer", show=False),
        Binding("down", "step(1)", "Next answer", show=False),
    ]

    class Selected(Message):
        def __init__(self, message: "AnswerMessage"):
            super().__init__()
            self.message = message

    class Step(Message):
        def __init__(self, message: "AnswerMessage", step: int):
            super().__init__()
            self.message, self.step = message, step

    def __init__(self, question: str, **kwargs):
        super().__init__(**kwargs)
        self.question = question
        self.stream = StreamedAnswer()  # the tokens, and what they show (decoded, cleaned) kept as they arrive
        self.answer: Answer | None = None
        self.error: str | None = None
        self.state = "waiting"
        self.waiting_text = "retrieving and generating…"
        # "3 documents" when it was asked within a scope: said on its own line, as the status bar stops saying it
        # once the scope is cleared (ctrl+s) and the transcript would read as if every document was searched
        self.scope = ""
        # measured here for an answer that was stopped (the engine reports no timings for it)
        self.started_at: float | None = None
        self.first_token_at: float | None = None
        self.stopped_at: float | None = None

    def stopped_timing(self) -> dict[str, float | None] | None:
        """{ttft_ms, total_ms} of a stopped answer (None otherwise)."""
        if self.stopped_at is None or self.started_at is None:
            return None
        ttft = None if self.first_token_at is None else 1000 * (self.first_token_at - self.started_at)
        return {"ttft_ms": ttft, "total_ms": 1000 * (self.stopped_at - self.started_at)}

    def action_step(self, step: int) -> None:
        self.post_message(self.Step(self, step))

    def on_mount(self) -> None:
        self.add_class("-waiting")
        self._refresh()

    @property
    def raw(self) -> str:
        """The tokens streamed so far."""
        return self.stream.raw

    @raw.setter
    def raw(self, value: str) -> None:
        self.stream = StreamedAnswer(value)

    def append_token(self, token: str) -> None:
        self.stream.add(token)
        if self.state == "waiting":
            self.state = "streaming"
            self.set_class(False, "-waiting")
            self.add_class("-streaming")
        if self.stream.status == "refused":
            self.add_class("-refused")
        # A token repaints this answer only. A layout re-arranges every widget of the conversation (~4 ms a token
        # with 100 answers shown, round 50) and most tokens only lengthen the last line: it is asked for when the
        # height changed, checked once for the tokens queued together (a check per token cost more than it saved).
        self.update(self._streamed(), layout=False)
        if not self._height_check:
            self._height_check = True
            self.call_later(self._check_height)

    def _streamed(self) -> Content | Text:
        """What render_text gives while streaming, for a token. The text is kept decoded and cleaned as the tokens come
        (data.StreamedAnswer), and goes to Textual as Content: a Rich Text would strip control codes from the whole
        answer again at each token (str.translate: ~1 ms a token for a 5,000-character answer, round 51). The same
        Content Textual makes of the unstyled Text (Content.from_rich_text)."""
        text = self.stream.answer if self.is_json else self.stream.shown_raw
        if text is None or self.state != "streaming":
            return printable_text(self.render_text())  # the JSON's keys not there yet (dimmed, short), or no stream
        return Content(text + "▌")

    _height_check = False  # a check of the height is queued
    _height_asked: int | None = None  # the height a layout was last asked for (it comes at the screen's next frame)

    def _check_height(self) -> None:
        self._height_check = False
        width, height = self.content_size
        new = self.get_content_height(self.parent.size, self.app.size, width) if width and self.parent else None
        if new is not None and new in (height, self._height_asked):
            return
        self._height_asked = new
        # repaint=False keeps the height just measured for the layout (the tokens were repainted already)
        self.refresh(repaint=False, layout=True)

    @property
    def is_json(self) -> bool:
        """Engines stream either answer-text deltas (AnswerEngine) or the raw JSON; both are shown as text."""
        return self.stream.is_json

    def set_answer(self, answer: Answer) -> None:
        self.answer = answer
        self.state = "refused" if answer.status != "ok" else "ok"
        self.set_class(False, "-waiting")
        self.set_class(False, "-streaming")
        self.set_class(self.state == "refused", "-refused")
        self.add_class("-done")
        self._refresh()

    def set_error(self, message: str) -> None:
        self.error = message
        self.state = "error"
        for c in ("-waiting", "-streaming", "-refused"):
            self.set_class(False, c)
        self.add_class("-error")
        self._refresh()

    def set_waiting_text(self, text: str) -> None:
        self.waiting_text = text
        self._refresh()

    def _refresh(self) -> None:
        # The answer, the streamed tokens and the error come from the model and from documents: literal text,
        # control characters shown (data.printable).
        self.update(printable_text(self.render_text()))

    def render_text(self) -> Text:
        if self.state == "waiting":
            return Text("⋯ " + self.waiting_text, style="dim italic")
        if self.state == "streaming":  # already printable (StreamedAnswer)
            if not self.is_json:
                return Text(self.stream.shown_raw + "▌")
            text = self.stream.answer
            if text is None:  # JSON keys not there yet: show the raw stream, dimmed
                return Text(self.stream.shown_raw + "▌", style="dim")
            return Text(text + "▌")
        if self.state == "error":
            if self.raw:  # stopped (or failed) mid-stream: keep what was generated, marked as incomplete
                partial = self.stream.answer if self.is_json else self.stream.shown_raw
                if partial:
                    return Text.assemble((partial + "…", "dim"), "\n", ("✗ ", "bold"), self.error or "error")
            return Text.assemble(("✗ ", "bold"), self.error or "error")
        a = self.answer
        assert a is not None
        if self.state == "refused":
            t = Text.assemble(("⊘ Refused", "bold"), ("  " + a.answer, ""))
            if a.refusal_reason:
                t.append("\nreason: ", style="dim")
                t.append(REFUSAL_REASONS.get(a.refusal_reason, a.refusal_reason), style="italic")
            if self.scope:  # "not in the documents" means those documents only
                t.append(("\n" if not a.refusal_reason else " · ") + f"within {self.scope}", style="dim")
            return t
        t = Text(a.answer.strip())
        for i, _c in enumerate(a.citations, start=1):
            t.append(" ")
            t.append(f"[{i}]", style="bold #61afef")
        meta = ["LoRA " + a.adapter[:8] if a.adapter and a.adapter != "none" else "base"]
        if not a.citations:  # nothing to check it against: said here, not only in the citations panel
            meta.append("no sources cited")
        if a.cached:
            meta.append("cached")
        if a.repaired:
            meta.append("repaired")
        if self.scope:
            meta.append(f"within {self.scope}")
        t.append("\n" + " · ".join(meta), style="dim")
        return t

    def on_focus(self) -> None:
        self.post_message(self.Selected(self))

    def on_click(self) -> None:
        self.focus()

    def on_unmount(self) -> None:
        drop_rendered_lines(self)


def answer_transcript(message: AnswerMessage, lookup: Callable[[ContextItem], Any] | None = None) -> str:
    """The answer as plain text for the clipboard (ctrl+y): the question, the answer as the chat shows it (markers,
    what served it, a refusal's reason), then each citation's document, chunk number (`lookup`: the app's chunk
    lookup; left out when the chunk is no longer stored) and character span. A keyboard-only reader needs no mouse
    selection, and a screen reader gets it in reading order without the panels' borders. Control characters shown,
    as on screen: a pasted ESC must not reach a terminal."""
    answer = message.render_text().plain.rstrip("▌")
    lines = [f"Q: {message.question}", f"A: {answer}"]
    cited = message.answer.citations if message.answer else []
    alike = twins(c.source for c in cited)  # paths as `ask` shows them (doc_names): quoted end, Unicode twins said
    for n, c in enumerate(cited, start=1):
        form = unicode_form(c.source) if c.source in alike else ""
        lines.append(f"[{n}] {shown_doc_path(c.source, printable)}{form}{chunk_number(lookup(c) if lookup else None)} "
                     f"(chars {c.start_char}-{c.end_char})")
    return printable("\n".join(lines))


class MessageList(TurnWindow, VerticalScroll):
    """Scrolls to the newest message as content arrives, and stays at its end through later layouts until the
    reader scrolls away: an answer's final form (citation marks, the served-model line) can be laid out after the
    last scroll_end read the conversation's height (scroll_end runs once this widget's queued messages are done,
    not after the screen's next layout).

    Not Textual's anchor(): that also bottom-aligns a conversation shorter than its view (a negative scroll_y),
    which moved the welcome text and every short conversation down."""

    following = False  # the conversation is kept at its end (set by follow(), cleared when the reader scrolls)
    # Answers kept on screen. A session left open for weeks grew by two widgets a question without end: memory
    # (~110 KB a question) and Textual's layout, which walks every widget at each streamed token (85 ms of CPU a
    # question at the start, 470 ms after 300 questions; ~190 ms with 100 kept). The query log keeps them all.
    MAX_ANSWERS = 100
    dropped = 0  # questions (with their answers) taken off the top

    def add(self, widget: Static) -> "_Added":
        """Optionally awaited (tests adding many turns at once): until `widget` is mounted and the turns the cap
        took off are gone; a later _trim would otherwise count turns still being removed again."""
        mounted = self.mount(widget)
        removed = self._trim()
        self.follow()
        self.call_after_refresh(self._window)  # older turns far above: no longer laid out (turn_window.py)
        return _Added(mounted, removed)

    def _turn_kinds(self) -> tuple[type, ...]:
        return (QuestionMessage, AnswerMessage)

    def _trim(self) -> Awaitable[None] | None:
        """Take the oldest finished questions and answers off the top beyond MAX_ANSWERS. One still being answered
        and the selected one (the side panels show it) stay; a line at the top says how many are gone."""
        answers = self.answers
        excess = len(answers) - self.MAX_ANSWERS
        if excess <= 0:
            return None
        gone: list[Widget] = []
        children = list(self.children)
        where = {id(w): i for i, w in enumerate(children)}
        for a in answers:
            if excess <= 0:
                break
            if self._keep(a):  # being answered, or selected (the side panels show it)
                continue
            i = where[id(a)]
            q = children[i - 1] if i > 0 else None
            gone += [q, a] if isinstance(q, QuestionMessage) else [a]
            excess -= 1
        if not gone:
            return None
        self.dropped += sum(isinstance(w, AnswerMessage) for w in gone)
        removed = self.remove_children(gone)
        self.forget_hidden(gone)
        note = f"{self.dropped:,} earlier question{'' if self.dropped == 1 else 's'} no longer shown (the newest " \
               f"{self.MAX_ANSWERS:,} are kept; `ragtune log list` has them all)"
        # its own children, by id: a query walks and matches every widget of the conversation (round 51)
        found = self._child("trimmed")
        if found is not None:
            found.update(Text(note, style="dim italic"))
        else:  # after the welcome text, before the first question kept
            welcome = self._child("welcome")
            self.mount(Static(Text(note, style="dim italic"), id="trimmed"),
                       after=welcome, before=None if welcome else 0)
        return removed

    def _child(self, name: str) -> Static | None:
        return next((w for w in self.children if w.id == name and isinstance(w, Static)), None)

    def follow(self) -> None:
        """Scroll to the end now and after each later change of the conversation's height."""
        self.following = True
        self.scroll_end(animate=False)

    def keep_following(self) -> None:
        """follow() unless the reader scrolled away (page up, an older answer): at the end, it stays there."""
        if self.following or self.scroll_offset.y >= self.max_scroll_y:
            self.follow()

    def watch_virtual_size(self) -> None:
        if self.following:  # the height changed: deferred, so the container's size is updated too
            self.scroll_end(animate=False)

    def release_anchor(self) -> None:
        """Textual calls this when the reader scrolls (wheel, keys, scrollbar, a focused answer scrolled into
        view): stop following."""
        super().release_anchor()
        self.following = False

    @property
    def answers(self) -> list[AnswerMessage]:
        # Its children, not query(AnswerMessage): a query matches CSS selectors against every widget below, ~14 ms
        # with 100 answers shown, run several times a question (round 51). Answers are only ever its children.
        return [w for w in self.children if isinstance(w, AnswerMessage)]


class _Added:
    """MessageList.add's result: lazy like Textual's AwaitMount (nothing runs unless it is awaited)."""

    def __init__(self, *steps: Awaitable[None] | None) -> None:
        self._steps = steps

    def __await__(self) -> Generator[Any, None, None]:
        async def done() -> None:
            for step in self._steps:
                if step is not None:
                    await step
        return done().__await__()


class HistoryInput(Input):
    """The question box: up/down walk through earlier questions (like a shell)."""

    # Input sets its virtual size (the width of what is typed) at every key, and Widget's virtual_size asks for a layout
    # of the whole screen when it changes: each key re-arranged every widget of the conversation (~2x the key's cost
    # with 100 answers shown, round 51). The box's own size never depends on its text (width 100%, a fixed height):
    # a repaint is enough; its horizontal scrolling reads virtual_size directly.
    virtual_size = Reactive(Size(0, 0), layout=False)

    BINDINGS = [
        Binding("up", "history(-1)", "Previous question", show=False),
        Binding("down", "history(1)", "Next question", show=False),
        # the box is one line: page up / down scroll the conversation above it (before, they did nothing and a
        # keyboard user had to tab to an answer to scroll)
        Binding("pageup", "scroll_conversation(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_conversation(1)", "Scroll down", show=False),
    ]

    def __init__(self, *args, **kwargs):
        # Focus back in the box (tab, escape) keeps the cursor at the end of the question: selecting it all, Textual's
        # default, made the next character typed replace a question being written.
        kwargs.setdefault("select_on_focus", False)
        super().__init__(*args, **kwargs)
        self.history: list[str] = []
        self._pos: int | None = None
        self._draft = ""

    MAX_HISTORY = 1000  # questions up/down walk through: the oldest go (a session open for weeks)

    def remember(self, question: str) -> None:
        question = one_line(question)  # the query log may hold what `ragtune ask` was given: control characters too
        if question and (not self.history or self.history[-1] != question):
            self.history.append(question)
            del self.history[:-self.MAX_HISTORY]
        self._pos = None
        self._draft = ""

    def _on_paste(self, event: events.Paste) -> None:
        """A pasted paragraph is one question: its lines joined (Input alone keeps the first line only), control
        characters as spaces."""
        if event.text:
            text = one_line(event.text)
            if self.selection.is_empty:
                self.insert_text_at_cursor(text)
            else:
                self.replace(text, *self.selection)
        event.stop()
        event.prevent_default()

    def action_scroll_conversation(self, step: int) -> None:
        for conversation in self.screen.query(MessageList):
            if step < 0:
                conversation.scroll_page_up(animate=False)
            else:
                conversation.scroll_page_down(animate=False)

    def unasked(self) -> str:
        """What was typed and not asked (the box, or the draft kept while up / down show earlier questions): a
        question only in the box, which quitting would lose. "" when there is none."""
        for text in (self.value, self._draft if self._pos is not None else ""):
            text = one_line(text).strip()
            if text and text not in self.history:
                return text
        return ""

    def take_key(self, event: events.Key) -> bool:
        """A character typed while an answer or a panel has the focus (they take no characters): into this box,
        focused, instead of lost. `?` stays the help key there."""
        if not event.is_printable or not event.character or event.character == "?" or not self.display:
            return False
        self.focus()
        self.insert_text_at_cursor(event.character)
        event.stop()
        event.prevent_default()
        return True

    def action_history(self, step: int) -> None:
        if not self.history:
            return
        if self._pos is None:
            if step > 0:
                return
            self._draft = self.value
            self._pos = len(self.history)
        self._pos = max(0, self._pos + step)
        if self._pos >= len(self.history):
            self._pos = None
            self.value = self._draft
        else:
            self.value = self.history[self._pos]
        self.cursor_position = len(self.value)
