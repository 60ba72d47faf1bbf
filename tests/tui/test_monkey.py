"""A seeded "monkey" over the whole chat app: random keys from every binding, typing, pasting and resizes, with an
answer engine that answers, refuses, streams, fails with typed (and untyped) errors or is slow, an ingest that can
fail or be stopped, and documents that sometimes cannot be read. After every step the app must not have crashed
(Textual records the exception that ends an app in `app._exception`) and must still run unless a quit key was
pressed (a key, or its label in the footer clicked); a quit restarts the run. A failure prints the step log, so
the sequence can be replayed by hand; the last test checks that a crash and an unasked-for exit are caught.

Run with -s to see what the monkey reached (screens, answer outcomes, running ingests, quits)."""

from __future__ import annotations

import inspect
import os
import random
import string
import time
import traceback
from collections import Counter
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, Callable

import pytest
from textual import events
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Input, OptionList
from textual.widgets._footer import FooterKey

from ragtune.appliance.errors import ConfigError, GenerationError, InputError, ModelError, StoreError
from ragtune.appliance.types import ContextItem
from ragtune.tui import app as app_module
from ragtune.tui.screens import chat, document, evals, help, ingest
from ragtune.tui.widgets import citations, messages
from tests.tui.fakes import FakeDocuments, FakeEngine

# RAGTUNE_MONKEY_SEED / _RUNS / _STEPS explore further than the default (a failure prints the seed's step log).
SEED = int(os.environ.get("RAGTUNE_MONKEY_SEED", "38"))
RUNS = int(os.environ.get("RAGTUNE_MONKEY_RUNS", "3"))
STEPS = int(os.environ.get("RAGTUNE_MONKEY_STEPS", "120"))  # 3 x 120 steps: about 45 s here

# -- the keys ---------------------------------------------------------------------------------------


def _binding_classes() -> list[type]:
    """The app, every screen and every widget with keys of its own (their bases' bindings come along)."""
    roots: list[type] = [app_module.RagtuneApp, messages.HistoryInput, messages.AnswerMessage,
                         citations.CitationsPanel, evals.ReportList, DataTable, VerticalScroll, OptionList, Input]
    for mod in (chat, document, evals, help, ingest):
        roots += [c for _, c in inspect.getmembers(mod, inspect.isclass)
                  if c.__module__ == mod.__name__ and hasattr(c, "BINDINGS")]
    return roots


def binding_keys() -> tuple[list[str], list[str], set[str]]:
    """(keys bound by ragtune's own classes, keys bound by the Textual classes under them, the keys bound to quit)."""
    own: set[str] = set()
    inherited: set[str] = set()
    quit_keys: set[str] = set()
    for cls in _binding_classes():
        for klass in cls.__mro__:
            for b in Binding.make_bindings(klass.__dict__.get("BINDINGS", [])):
                (own if klass.__module__.startswith("ragtune.") else inherited).add(b.key)
                if b.action in ("quit", "app.quit"):
                    quit_keys.add(b.key)
    return sorted(own), sorted(inherited - own), quit_keys


NAV_KEYS = ["enter", "escape", "tab", "shift+tab", "up", "down", "left", "right", "pageup", "pagedown", "home",
            "end", "backspace", "delete", "space"]
CHARS = string.ascii_letters + string.digits + string.punctuation + " é中"
# Typed key by key (each key costs a pause): short words; longer text comes as a paste.
WORDS = ["lora", "json", "penguin", "[b]x[/]", "q", "?", "r"]
QUESTIONS = ["How does the appliance answer\nquestions offline?", "How does the LoRA adapter work?",
             "Quantum entanglement of penguins", "What do answers cite as JSON sources?"]
PASTES = QUESTIONS + ["[/] \x1b[31mred\x07 \t tab", "x" * 2100, "", "line one\r\nline two"]
SIZES = [(20, 8), (200, 60), (40, 12), (80, 24), (71, 13), (72, 14), (69, 17), (100, 30)]


# -- the doubles ------------------------------------------------------------------------------------


class MonkeyEngine(FakeEngine):
    """Each ask draws what happens: an answer (or a refusal, by its words), a stream with delays, a typed or
    untyped error, or a slow start. Adapter switches fail now and then."""

    MODES = ["answer", "answer", "stream", "slow", "error", "internal", "json", "odd"]
    ERRORS = [ModelError("model fell over", hint="ragtune models list"), GenerationError("generation failed"),
              InputError("bad [question]"), StoreError("database is locked")]

    def __init__(self, seed: int, log: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.rng = random.Random(seed)
        self.log = log

    def ask(self, question: str, **kwargs: Any) -> Any:
        mode = self.rng.choice(self.MODES)
        self.log.append(f"    engine.ask({question[:30]!r}) -> {mode}")
        self.token_delay = 0.0
        if mode == "stream":
            self.token_delay = 0.01
        elif mode == "slow":
            time.sleep(self.rng.uniform(0.1, 0.4))
        elif mode == "error":
            self.error = self.rng.choice(self.ERRORS)
        elif mode == "internal":
            self.error = RuntimeError("boom")
        if mode == "json":  # an engine that streams its raw JSON rather than the answer text
            on_token = kwargs.pop("on_token", None)
            answer = super().ask(question, **kwargs)
            for i in range(0, len(answer.raw_output), 5):
                if on_token is not None:
                    on_token(answer.raw_output[i:i + 5])
            return answer
        answer = super().ask(question, **kwargs)
        if mode == "odd":  # what a document or a model can put in an answer: markup, controls, unknown chunks
            gone = ContextItem(id="S9", text="\x1b[2J[/]# Heading\n```\n# code\n```", chunk_id=99999,
                               source="", start_char=10**6, end_char=10**6 + 40)
            answer = replace(answer, answer="[bold]x[/] \x07\x1b]0;t\x07 " + "long " * 300,
                             citations=[*answer.citations, gone, replace(gone, chunk_id=None, source="a/[b]/")],
                             refusal_reason="a reason [never] seen", adapter="", cached=True, repaired=True,
                             valid=False)
        return answer

    def set_adapter(self, adapter: str | None) -> None:
        if self.rng.random() < 0.25:
            self.log.append("    engine.set_adapter -> ModelError")
            raise ModelError("adapter switch failed")
        super().set_adapter(adapter)


class MonkeyDocuments(FakeDocuments):
    def __init__(self, seed: int):
        self.rng = random.Random(seed)

    def chunk(self, item: Any) -> Any:
        roll = self.rng.random()
        if roll < 0.1:
            raise StoreError("cannot read the chunk")
        info = super().chunk(item)
        if roll < 0.2:
            return replace(info, source="/" + "very/long/[path]/" * 30 + "名前.md", ord=7, n_chunks=None,
                           note="no longer stored")
        return info

    def document(self, item: Any) -> Any:
        roll = self.rng.random()
        if roll < 0.2:
            raise StoreError("cannot read the document")
        doc = super().document(item)
        if roll < 0.3:  # a long document: shown as a window around the cited chunk
            return replace(doc, text="[/]\x1b[1m line\n" * 12_000 + doc.text, span=(200_000, 200_050),
                           note="re-ingested [since]")
        if roll < 0.4:  # the chunk could not be located, or its span is past the end of the text
            return replace(doc, span=self.rng.choice([None, (len(doc.text) + 5, len(doc.text) + 9)]))
        return doc

    def heading(self, item: Any) -> str | None:
        roll = self.rng.random()
        if roll < 0.1:
            raise StoreError("cannot read the heading")
        return self.rng.choice([None, "", "Annual [leave]", "\x1b[31m" + "x" * 300])

    def recent_questions(self) -> list[str]:
        return ["an earlier question", "with a \x1b control [b]markup[/b]"]


def monkey_ingest(seed: int) -> Callable[..., Any]:
    rng = random.Random(seed)

    def ingest_fn(settings: Any, paths: list, *, progress: Callable | None = None,
                  should_stop: Callable | None = None, **_kw: Any) -> Any:
        if rng.random() < 0.2:
            raise StoreError("database is locked")
        total, done = 3 * len(paths), 0
        for done in range(1, total + 1):
            if should_stop is not None and should_stop():
                break
            if progress is not None:
                progress(done, total, str(paths[0]), 1.5, stage="waiting" if rng.random() < 0.1 else "")
            time.sleep(0.15)  # long enough for keys to reach a running ingest
        stopped = done < total
        return SimpleNamespace(added=done, updated=0, unchanged=0, deleted=0, chunks_added=done, seconds=0.1,
                               failed=[(str(paths[0]), "unreadable [pdf]")] if rng.random() < 0.3 else [],
                               notes=[], stopped=stopped, files_left=total - done)

    return ingest_fn


def make_engine_setup(kind: int, seed: int, log: list[str]) -> dict[str, Any]:
    """create_app arguments: a ready engine, one that loads slowly, or one that fails to load."""
    engine = MonkeyEngine(seed, log)
    if kind == 0:
        return {"engine": engine}
    if kind == 1:
        def slow(_settings: Any) -> Any:
            time.sleep(0.5)
            return engine
        return {"engine": None, "engine_factory": slow}

    def failing(_settings: Any) -> Any:
        raise random.Random(seed).choice([ModelError("no model"), StoreError("db damaged"), ConfigError("bad [x]")])
    return {"engine": None, "engine_factory": failing}


def write_reports(settings: Any) -> None:
    import json

    d = settings.home.eval_dir
    (d / "good").mkdir(parents=True)
    arm = {"task_success": 0.4, "groundedness": 0.9, "latency_p50_ms": 800.0, "n": 10}
    (d / "good" / "report.json").write_text(json.dumps({
        "arms": {"A": arm, "B": arm, "C": {**arm, "task_success": 0.5}}, "deltas": {"C-A": {"task_success": 0.1}},
        "decision": {"go": True, "reasons": ["[b]fine[/b]"]}}))
    (d / "broken").mkdir()
    (d / "broken" / "report.json").write_text("{not json")
    (d / "empty").mkdir()
    (d / "empty" / "report.json").write_text("{}")


# -- the monkey -------------------------------------------------------------------------------------


def where(app: Any) -> str:
    try:
        focused = app.focused
        return f"{type(app.screen).__name__}/{type(focused).__name__ if focused else '-'}"
    except Exception:
        return "?"


class Crash(Exception):
    """The app recorded an exception (it is shutting down)."""


async def monkey_run(make_app: Callable[..., Any], run: int, steps: int, log: list[str], seen: Counter) -> None:
    """`steps` random steps over the app (restarted after a quit, counted in `seen`, with the screens and states
    each step ended on)."""
    rng = random.Random(SEED * 1000 + run)
    own, inherited, quit_keys = binding_keys()
    step, starts = 0, 0
    while step < steps:
        kind = [0, 1, 0, 2][(run + starts) % 4]  # ready, loading, ready, failing: run 2 starts ready too
        setup = make_engine_setup(kind, SEED + run * 100 + starts, log)
        app = make_app(documents=MonkeyDocuments(SEED + starts), ingest=monkey_ingest(SEED + run + starts), **setup)
        size = rng.choice(SIZES)
        log.append(f"-- start {starts} (engine setup {kind}) at {size[0]}x{size[1]}")
        starts += 1
        quit_presses = 0
        try:
            async with app.run_test(size=size) as pilot:
                while step < steps:
                    action, arg = draw(rng, own, inherited)
                    log.append(f"{run}.{step}: {action} {arg!r} [{where(app)}]")
                    step += 1
                    pressed = await perform(pilot, action, arg)
                    if app._exception is not None:
                        raise Crash()
                    seen[where(app).split("/")[0]] += 1
                    if getattr(app, "ingest_status", None) is not None:
                        seen["ingest running"] += 1
                    is_quit = pressed in quit_keys
                    quit_presses = quit_presses + 1 if is_quit else 0
                    if app.return_code is not None:
                        if not is_quit:
                            raise AssertionError(f"the app exited (code {app.return_code}) without a quit key")
                        log.append(f"    quit after {quit_presses} press(es): restart")
                        seen["quit"] += 1
                        break
                    if quit_presses >= 2:
                        raise AssertionError("a quit key pressed twice did not quit")
        except Exception as exc:  # Crash, a failed check, or the app's exception re-raised by run_test on exit
            err = app._exception or exc
            tail = "\n".join(log[-60:])
            pytest.fail(f"monkey run {run} crashed at step {step - 1}:\n{tail}\n\n"
                        + "".join(traceback.format_exception(err)), pytrace=False)


def draw(rng: random.Random, own: list[str], inherited: list[str]) -> tuple[str, Any]:
    roll = rng.random()
    if roll < 0.20:
        return "press", rng.choice(own)
    if roll < 0.30:
        return "press", rng.choice(inherited)
    if roll < 0.52:
        return "press", rng.choice(NAV_KEYS)
    if roll < 0.58:  # the way out of every screen, so the monkey does not spend its run in one
        return "press", "escape"
    if roll < 0.70:
        return "press", rng.choice(CHARS)
    if roll < 0.75:
        return "type", rng.choice(WORDS)
    if roll < 0.79:
        action = "paste+enter" if rng.random() < 0.5 else "paste"
        return action, rng.choice(PASTES + ["<docs>", "<many>", "<missing>"])
    if roll < 0.85:  # escape (to the question box), a question pasted, enter
        return "ask", rng.choice(QUESTIONS)
    if roll < 0.87:  # ctrl+g, a path pasted, enter
        return "ingest", rng.choice(["<docs>", "<many>", "<missing>"])
    if roll < 0.91:
        return "click", (rng.random(), rng.random())
    if roll < 0.96:
        return "resize", (rng.randint(20, 200), rng.randint(8, 60)) if rng.random() < 0.7 else rng.choice(SIZES)
    return "wait", rng.choice([0.05, 0.2, 0.4])  # for a slow answer, a stream, an ingest to go on


PATHS: dict[str, str] = {}


async def perform(pilot: Any, action: str, arg: Any) -> str | None:
    """Do one step; returns the key it pressed (None: no key, or several)."""
    pressed = arg if action == "press" else None
    if action == "press":
        await pilot.press(arg)
    elif action == "type":
        await pilot.press(*arg)
    elif action in ("paste", "paste+enter", "ask", "ingest"):
        if action != "paste+enter" and action != "paste":
            await pilot.press("escape" if action == "ask" else "ctrl+g")
        pilot.app.post_message(events.Paste(PATHS.get(arg, arg)))
        if action != "paste":
            await pilot.press("enter")
    elif action == "click":  # somewhere on the screen, as a fraction of its size
        size = pilot.app.size
        x, y = int(arg[0] * size.width), int(arg[1] * size.height)
        try:
            widget, _ = pilot.app.screen.get_widget_at(x, y)
        except Exception:
            widget = None
        await pilot.click(offset=(x, y))
        if isinstance(widget, FooterKey):  # a key in the footer: as good as pressing it
            pressed = widget.key
    elif action == "resize":
        await pilot.resize_terminal(*arg)
    elif action == "wait":
        await pilot.pause(arg)
    await pilot.pause()
    return pressed


@pytest.fixture
def monkey_home(settings, tmp_path):
    write_reports(settings)
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(3):
        (docs / f"note{i}.md").write_text(f"# Note {i}\n\nThe appliance answers offline.\n")
    many = tmp_path / "many"
    many.mkdir()
    for i in range(60):
        (many / f"f{i}.md").write_text("text\n")
    PATHS.update({"<docs>": str(docs), "<many>": str(many), "<missing>": str(tmp_path / "nope" / "[x]")})
    yield settings
    PATHS.clear()


async def test_monkey_never_crashes_the_app(make_app, monkey_home):
    log: list[str] = []
    seen: Counter = Counter()
    t0 = time.monotonic()
    for run in range(RUNS):
        await monkey_run(make_app, run, STEPS, log, seen)
    for line in log:
        if line.startswith("    engine.ask"):
            seen["ask " + line.rsplit(" ", 1)[1]] += 1
    own, inherited, quit_keys = binding_keys()
    print(f"\nmonkey: {RUNS} runs x {STEPS} steps in {time.monotonic() - t0:.1f} s\nragtune's keys: {own}\n"
          f"Textual's keys: {inherited}\nsteps ended on / happened: {dict(sorted(seen.items()))}")
    assert quit_keys == {"ctrl+q"} and {"ctrl+l", "ctrl+g", "ctrl+r", "f1", "question_mark", "escape"} <= set(own)
    # Not a monkey stuck in one screen: it reached the others and asked questions (the document view and the
    # outcomes depend on when answers end: printed above, not checked).
    assert {"ChatScreen", "HelpScreen", "EvalScreen", "IngestScreen"} <= set(seen)
    assert sum(n for k, n in seen.items() if k.startswith("ask ")) >= 5


def _raise(_screen: Any) -> None:
    raise ZeroDivisionError("injected")


def _exit(screen: Any) -> None:
    screen.app.exit()


@pytest.mark.parametrize(("escape", "expected"), [(_raise, "ZeroDivisionError: injected"),
                                                  (_exit, "exited (code 0) without a quit key")])
async def test_the_monkey_catches_a_crash_and_an_exit(make_app, monkey_home, monkeypatch, escape, expected):
    """The checks themselves: escape on the chat (drawn often) made to crash the app, or to end it."""
    monkeypatch.setattr(chat.ChatScreen, "action_escape", escape)
    with pytest.raises(pytest.fail.Exception) as failed:
        await monkey_run(make_app, 0, 60, [], Counter())
    report = str(failed.value)
    assert "monkey run 0 crashed at step" in report and expected in report
    assert "\n0.0: " in report  # with the steps that led there
