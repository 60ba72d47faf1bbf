"""Round 37's QA pass of `ragtune chat` as a person meets it: small and huge terminals, wide and right-to-left text,
keys pressed fast or at the wrong time, and homes where something is missing. One test per fix."""

from __future__ import annotations

import threading
import time

from rich.cells import cell_len

from ragtune.appliance.errors import GenerationError, ModelError, NothingIngested
from ragtune.appliance.types import Answer, ContextItem, Timings
from ragtune.tui.data import fit_cells
from ragtune.tui.docsource import ChunkInfo, DocumentText
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.widgets.citations import CitationsPanel
from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput
from ragtune.tui.widgets.source import SourceView, source_head
from ragtune.tui.widgets.status import StatusBar
from tests.tui.fakes import FakeDocuments, FakeEngine, ask_until_streaming

from .test_app import Q_OK, ask
from .test_edges import screen_text
from .test_states import drawn_controls, inside

WIDE = "مرحبا بالعالم שלום 你好世界 日本語のテキスト 🎉👩‍👩‍👧 한국어"
FENCED = "```python\n# not a heading\nprint('x')\n```\n## Real heading\n| a | b |\n|---|---|\n" + WIDE
CJK_PATH = "/srv/" + "long-directory-name/" * 12 + "資料ファイル名がとても長い文書" * 4 + ".md"


class Cites(FakeEngine):
    """Answers `answer` citing `n` chunks of `source` whose text is `text` (streamed in pieces of seven)."""

    def __init__(self, answer: str, source: str, text: str, n: int = 1, **kw):
        super().__init__(**kw)
        self.answer, self.source, self.text, self.n = answer, source, text, n

    def ask(self, question, **kw):
        self.asked.append({"question": question})
        ctx = [ContextItem(id=f"S{i}", text=self.text, chunk_id=900 + i, source=self.source, title="t",
                           start_char=0, end_char=len(self.text)) for i in range(1, self.n + 1)]
        if kw.get("on_token"):
            for i in range(0, len(self.answer), 7):
                kw["on_token"](self.answer[i:i + 7])
        return Answer(status="ok", answer=self.answer, citations=ctx, retrieved=[c.chunk_id for c in ctx],
                      context=ctx, timings=Timings(1.0, 1.0, 1.0, 1.0), tokens_prompt=1, tokens_completion=1,
                      cost=0.0, model=self.model_id, adapter="none")


# -- wide text and long paths --------------------------------------------------------------------------------------

def test_fit_cells_counts_terminal_cells():
    assert fit_cells("docs/hr.md", 20) == "docs/hr.md"
    assert fit_cells("/srv/a/b/c/hr.md", 10) == "/sr…/hr.md"  # the start and the (longer) end with the name
    wide = "資料ファイル" * 5 + ".md"
    fitted = fit_cells(wide, 21)
    assert cell_len(fitted) <= 21 and fitted.endswith("ファイル.md") and "…" in fitted
    assert fit_cells("abc", 0) == "" and fit_cells("abc", 1) == "…"


def test_a_source_head_is_one_line_whatever_the_name():
    """Before: a file name wider than the panel (a long name without folders, a CJK name counted in characters
    not cells) wrapped over several lines and pushed the cited text out of the panel."""
    for source in (CJK_PATH, "a_very_long_file_name_without_any_directory_" * 3 + ".md", "資料" * 40):
        head = source_head(ChunkInfo(source=source, text="x", ord=0, n_chunks=3), "[1]", 30)
        path_line, position = head.plain.split("\n")
        assert cell_len(path_line) <= 30 and path_line.startswith("[1] ") and position == "chunk 1/3 · chars 0–0"
    head = source_head(ChunkInfo(source="docs/a.md", text="x"), "[2]", 30)
    assert head.plain.startswith("[2] docs/a.md\n")  # a path that fits stays whole


async def test_wide_text_and_long_paths_at_every_size(make_app):
    """CJK, right-to-left and emoji text in the question, the answer and the source (with a code fence and a
    table), a 300-cell path, at 40x12, 60x20 and 200x60: answered, nothing sent to the terminal raw, the status
    keeps its state, and the source's path takes one line (its text has rows wherever the panel shows)."""
    engine = Cites(("Long answer " + WIDE + " ") * 40, CJK_PATH, FENCED * 3, n=3)
    for size in [(40, 12), (60, 20), (200, 60)]:
        app = make_app(engine=engine)
        async with app.run_test(size=size, notifications=True) as pilot:
            msg = await ask(pilot, "質問 " + WIDE + " what?")
            assert msg.state == "ok" and WIDE in msg.render_text().plain
            assert drawn_controls(app) == []
            assert app.screen.query_one(StatusBar).render().plain.rstrip().endswith("ready")
            view = app.screen.query_one(SourceView)
            if size != (40, 12):  # 40x12 keeps only the conversation
                meta, text = app.screen.query_one("#source-meta"), app.screen.query_one("#source-text")
                assert meta.region.height <= 2 and inside(app, view)
                assert text.region.intersection(view.content_region).height >= 1, size


async def test_the_source_path_is_fitted_again_after_a_resize(make_app):
    source = "/srv/share/" + "x" * 30 + "/hr.md"
    app = make_app(engine=Cites("Short answer.", source, "text"))
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, Q_OK)
        meta = app.screen.query_one("#source-meta")
        assert str(meta.render()).startswith("[1] hr.md\n")  # ~30 cells: its name
        await pilot.resize_terminal(160, 30)
        await pilot.pause()
        await pilot.pause()
        assert str(meta.render()).startswith(f"[1] {source}\n")  # room for the whole path now


async def test_a_long_path_leaves_the_document_rows_at_40x12(make_app):
    """Before: the document view's header wrapped a 300-cell path over every row of a 40x12 terminal."""
    doc = DocumentText(CJK_PATH, "A title", "first line of the document\n" * 20, (0, 26))
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        app.push_screen(DocumentScreen(doc, ["document"]))
        await pilot.pause()
        await pilot.pause()
        head, scroll = app.screen.query_one("#doc-head"), app.screen.query_one("#doc-scroll")
        assert head.region.height <= 5 and scroll.region.height >= 5
        assert "first line of the document" in screen_text(app)
        assert str(head.render()).startswith("/srv/long-directory-name/") and ".md" in str(head.render())


# -- keys -------------------------------------------------------------------------------------------------------------

async def test_tab_skips_panels_a_small_terminal_hides(make_app):
    """Before: at 40x12 (the side panels hidden) tab went to the invisible citations and source, and a terminal
    shrunk with them focused left the keys going nowhere visible."""
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        msg = await ask(pilot, Q_OK)
        app.screen.query_one(HistoryInput).focus()
        seen = []
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            seen.append(app.focused)
        assert seen == [msg, app.screen.query_one(HistoryInput)] * 2
        await pilot.resize_terminal(60, 24)
        await pilot.pause()
        app.screen.query_one(CitationsPanel).focus()
        await pilot.resize_terminal(40, 12)
        for _ in range(3):
            await pilot.pause()
        assert isinstance(app.focused, HistoryInput)


async def test_enter_pressed_many_times_mid_answer_is_one_notice(make_app, monkeypatch):
    """Before: fifteen enters mid-answer stacked fifteen toasts over the side panels."""
    import ragtune.tui.screens.chat as chat

    monkeypatch.setattr(chat, "monotonic", lambda: 100.0)  # every press within the notice's time on screen
    gate = threading.Event()
    engine = FakeEngine(gate=gate)
    app = make_app(engine=engine)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ask_until_streaming(pilot, Q_OK)
        box = app.screen.query_one(HistoryInput)
        box.value = "a second question"
        for _ in range(15):
            await pilot.press("enter")
        for _ in range(5):
            await pilot.press("ctrl+l")
        await pilot.pause()
        notes = [n.message for n in app._notifications]
        assert notes.count("Still answering the previous question (escape stops it)") == 1
        assert notes.count("Wait for the current answer to finish (escape stops it)") == 1
        assert box.value == "a second question"  # kept to ask once the answer is done
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert len(engine.asked) == 1 and len(app.screen.query(AnswerMessage)) == 1


async def test_escape_before_the_first_token_says_it_is_stopping(make_app):
    gate = threading.Event()

    class Slow(FakeEngine):
        def ask(self, question, **kw):
            gate.wait(60)  # retrieval and prompt: no token yet (until the test lets go: 5 s ran out under load)
            return super().ask(question, **kw)

    app = make_app(engine=Slow())
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        app.screen.query_one(HistoryInput).value = Q_OK
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        msg = app.screen.query(AnswerMessage).last()
        assert "stopping" in msg.render_text().plain  # before: still `retrieving and generating…`
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert msg.state == "error" and "stopped" in msg.render_text().plain and not app.screen.busy


async def test_quitting_while_the_model_loads_closes_it(make_app):
    """Before: a model that finished loading after ctrl+q was handed to the app that had gone, and never closed."""
    gate = threading.Event()
    engine = FakeEngine()

    def factory(settings):
        # until the quit below: a 5 s wait ran out on a busy machine before the app got to ctrl+q, and the model
        # "loaded" before the quit (shown, then closed at unmount: app.engine set)
        gate.wait(120)
        return engine

    app = make_app(engine=None, engine_factory=factory)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        gate.set()
        deadline = time.monotonic() + 30  # at once on an idle machine; a loaded one may take seconds (was 2 s)
        while not engine.closed and time.monotonic() < deadline:
            time.sleep(0.02)  # the worker no longer calls into the app: blocking its loop here is harmless
    assert engine.closed and app.engine is None


# -- homes where something is missing --------------------------------------------------------------------------------

class FakeAnswerEngine:
    """AnswerEngine's loading as default_engine_factory drives it: the configured adapter `bad` fails to load
    (the model loads first); `missing_model` fails the model itself."""

    def __init__(self, settings, missing_model=False):
        self.adapter_ref, self.missing_model, self.closed = settings.generate.adapter, missing_model, False

    @property
    def model_id(self):
        if self.missing_model:
            raise ModelError("model file x.gguf not found")
        if self.adapter_ref == "bad":
            raise ModelError("bad.gguf: llama.cpp cannot load this LoRA adapter")
        return "f00dfeed"

    def set_adapter(self, ref):
        self.adapter_ref = ref

    adapter_id = property(lambda self: "none" if self.adapter_ref in (None, "none") else self.adapter_ref)
    retriever = property(lambda self: object())

    def close(self):
        self.closed = True


async def test_an_adapter_that_fails_to_load_leaves_the_base_answering(make_app, settings, monkeypatch):
    """Before: a configured adapter that could not be loaded stopped the whole chat (`cannot load the model`,
    `no model`). Now the base model answers and a warning says why."""
    import ragtune.appliance.answer as answer

    monkeypatch.setattr(answer, "AnswerEngine", FakeAnswerEngine)
    app = make_app(engine=None, engine_factory=None)
    app.settings = settings.replace("generate", adapter="bad")
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await app.workers.wait_for_complete()
        for _ in range(5):
            await pilot.pause()
        status = app.screen.query_one(StatusBar).render().plain
        assert "ready" in status and "base model" in status and app.engine is not None
        note = [n for n in app._notifications if n.title == "cannot load the adapter"][0]
        assert "cannot load this LoRA adapter" in note.message and "base model" in note.message


def test_a_missing_model_is_still_the_error_with_an_adapter_configured(settings, monkeypatch):
    import pytest

    import ragtune.appliance.answer as answer
    from ragtune.tui.app import default_engine_factory

    made = []
    monkeypatch.setattr(answer, "AnswerEngine", lambda s: made.append(FakeAnswerEngine(s, missing_model=True))
                        or made[-1])
    warnings = []
    with pytest.raises(ModelError, match="model file x.gguf not found"):
        default_engine_factory(settings.replace("generate", adapter="bad"), lambda *a: warnings.append(a))
    assert warnings == [] and made[0].closed


async def test_states_say_what_happened(make_app):
    """No documents yet, a backend that fails mid-answer, an answer citing nothing: each says so in the
    conversation and the panels, and the app keeps answering."""
    class MidStream(FakeEngine):
        def ask(self, question, **kw):
            kw["on_token"]("The answer beg")
            raise GenerationError("llama.cpp: decode failed (out of memory)")

    class NoCitations(Cites):
        def ask(self, question, **kw):
            answer = super().ask(question, **kw)
            answer.citations = []
            return answer

    for engine, words, title in [
        (FakeEngine(error=NothingIngested("nothing ingested yet: run ragtune ingest PATH")), "nothing ingested",
         "no documents yet"),
        (MidStream(), "decode failed", "generation error"),
    ]:
        app = make_app(engine=engine)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            msg = await ask(pilot, Q_OK)
            await pilot.pause()
            assert msg.state == "error" and words in msg.render_text().plain
            assert any(n.title == title and words in n.message for n in app._notifications)
            if isinstance(engine, MidStream):
                assert msg.render_text().plain.startswith("The answer beg…")  # what came is kept, marked cut
            assert "no citations (error)" in str(app.screen.query_one(CitationsPanel).get_option_at_index(0).prompt)
    app = make_app(engine=NoCitations("An answer without sources.", "docs/a.md", "text"))
    async with app.run_test(size=(80, 24)) as pilot:
        msg = await ask(pilot, Q_OK)
        assert "no sources cited" in msg.render_text().plain
        prompt = str(app.screen.query_one(CitationsPanel).get_option_at_index(0).prompt)
        assert prompt == "no citations: this answer cites no source"


async def test_an_empty_home_says_how_to_add_documents(make_app):
    class Empty(FakeDocuments):
        def count_documents(self):
            return 0

    app = make_app(documents=Empty())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "No documents yet: press ctrl+g" in screen_text(app)
        assert "0 docs" in app.screen.query_one(StatusBar).render().plain

