"""Pilot tests of the chat app's flows, over the deterministic FakeEngine (no model)."""

from __future__ import annotations

import json
import threading

import pytest
from textual.widgets import DataTable, OptionList
from textual.worker import WorkerCancelled

from ragtune.appliance.errors import GenerationError, ModelError
from ragtune.tui.data import partial_answer, partial_status, query_terms
from ragtune.tui.docsource import merge_chunks
from ragtune.tui.reports import list_eval_reports
from tests.tui.fakes import FAKE_ADAPTER_ID, FakeEngine, ask_until_streaming
from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.document import DocumentScreen
from ragtune.tui.screens.evals import EvalScreen
from ragtune.tui.screens.help import HELP, HelpScreen
from ragtune.tui.screens.ingest import IngestScreen
from ragtune.tui.widgets.citations import CitationsPanel
from ragtune.tui.widgets.messages import AnswerMessage, HistoryInput
from ragtune.tui.widgets.source import SourceView
from ragtune.tui.widgets.status import StatusBar

Q_OK = "How does the LoRA adapter work?"
Q_REFUSED = "Quantum entanglement of penguins"


async def ask(pilot, question: str) -> AnswerMessage:
    app = pilot.app
    app.screen.query_one(HistoryInput).value = question
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    await pilot.pause()
    return app.screen.query(AnswerMessage).last()


def source_text(app) -> str:
    view = app.screen.query_one(SourceView)
    return " ".join(str(s.render()) for s in view.query("Static"))


# -- pure helpers -------------------------------------------------------------------------------------

def test_partial_answer_decodes_a_growing_stream():
    raw = json.dumps({"status": "ok", "answer": 'Say "hi"\nthen é', "citations": ["S1"]})
    seen = [partial_answer(raw[:i]) for i in range(len(raw) + 1)]
    assert seen[0] is None
    assert seen[-1] == 'Say "hi"\nthen é'
    texts = [s for s in seen if s is not None]
    assert all(b.startswith(a) or a.endswith("\\") for a, b in zip(texts, texts[1:]))
    assert partial_status('{"status": "refused", "ans') == "refused"


def test_streamed_json_is_shown_as_its_answer_text():
    from ragtune.tui.widgets.messages import AnswerMessage

    msg = AnswerMessage("q")
    msg.state = "streaming"
    msg.raw = '{"status": "refused", "answer": "No ans'
    assert msg.is_json and msg.render_text().plain == "No ans▌"
    msg.raw = "plain delta"
    assert not msg.is_json and msg.render_text().plain == "plain delta▌"


def test_query_terms_and_merge():
    assert query_terms("How do I toggle the LoRA adapter?") == ["adapter", "toggle", "lora"]
    text, spans = merge_chunks([(0, "abcdef", 0, 6), (1, "efgh", 4, 8), (2, "zz", 20, 30)])
    assert text == "abcdefgh\n\nzz" and text[slice(*spans[1])] == "efgh" and text[slice(*spans[2])] == "zz"


# -- flows --------------------------------------------------------------------------------------------

async def test_ask_streams_then_renders_with_citation_markers(make_app, fake_engine):
    app = make_app()
    seen: list[str] = []
    original = ChatScreen.on_chat_screen_token

    def spy(self, event):
        original(self, event)
        seen.append(event.target.render_text().plain)

    ChatScreen.on_chat_screen_token = spy
    try:
        async with app.run_test(size=(100, 30)) as pilot:
            msg = await ask(pilot, Q_OK)
            assert msg.state == "ok"
            text = msg.render_text().plain
            assert "LoRA adapter" in text and "[1]" in text and "[2]" in text
            assert fake_engine.asked[-1]["question"] == Q_OK
            # Streamed: many intermediate renders, the answer string grew (decoded, not raw JSON) with a cursor.
            assert len(seen) > 5
            assert any(s.startswith("A LoRA") and s.endswith("▌") for s in seen)
            assert "-refused" not in msg.classes
            # History: up recalls the question.
            box = app.screen.query_one(HistoryInput)
            assert box.value == ""
            await pilot.press("up")
            assert box.value == Q_OK
            await pilot.press("down")
            assert box.value == ""
    finally:
        ChatScreen.on_chat_screen_token = original


async def test_refusal_is_styled_with_its_reason(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        msg = await ask(pilot, Q_REFUSED)
        assert msg.state == "refused"
        assert "-refused" in msg.classes
        text = msg.render_text().plain
        assert "Refused" in text and "retrieval found no relevant source" in text
        assert app.screen.query_one(CitationsPanel).citations == []


async def test_citation_selection_shows_source_and_opens_document(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await ask(pilot, Q_OK)
        panel = app.screen.query_one(CitationsPanel)
        assert len(panel.citations) == 2 and panel.highlighted == 0
        first = source_text(app)
        assert "docs/adapters.md" in first and "chunk 1/2" in first and "chars 0–" in first
        await pilot.press("ctrl+n")
        second = source_text(app)
        assert "chunk 2/2" in second and "ctrl+l" in second
        # Query terms are highlighted in the source text.
        body = app.screen.query_one("#source-text")
        rendered = body.render()
        assert "adapter" in query_terms(Q_OK)
        assert any("e5c07b" in str(span.style) for span in getattr(rendered, "spans", [])) or \
            "adapter" in str(rendered)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)
        assert app.screen.doc.source == "docs/adapters.md"
        assert "Press ctrl+l" in app.screen.doc.text and app.screen.doc.span is not None
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)
        # Keyboard path: tab to the citations list, enter opens the document.
        panel.focus()
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DocumentScreen)


async def test_highlighting_marks_query_terms():
    from ragtune.tui.data import highlight

    text = highlight("The adapters and the Adapter", ["adapter"])
    marked = [text.plain[s.start:s.end] for s in text.spans]
    assert marked == ["adapters", "Adapter"]


async def test_adapter_toggle_changes_the_next_answer(make_app, fake_engine):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.screen.query_one(StatusBar)
        assert status.adapter_id is None and "base" in status.render().plain
        await pilot.press("ctrl+l")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake_engine.adapter_id == FAKE_ADAPTER_ID
        assert "LoRA ada97e11" in status.render().plain
        msg = await ask(pilot, Q_OK)
        assert fake_engine.asked[-1]["adapter"] == FAKE_ADAPTER_ID
        assert "LoRA ada97e11" in msg.render_text().plain
        await pilot.press("ctrl+l")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert fake_engine.adapter_id is None and "base" in status.render().plain


async def test_adapter_toggle_without_adapter_notifies(settings, make_app):
    app = make_app(adapter=None)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert any("No LoRA adapter available" in n.message for n in app._notifications)


async def test_ingest_modal_runs_with_progress(make_app, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# A\nhello")
    calls: list[tuple] = []
    progress_seen: list[tuple[int, int]] = []
    release = threading.Event()

    def ingest(settings, paths, *, progress=None, should_stop=None):
        calls.append((settings, list(paths)))
        for i in range(1, 5):
            progress(i, 4, f"{paths[0]}/f{i}.md")
        release.wait(5)
        from types import SimpleNamespace

        return SimpleNamespace(added=4, updated=0, unchanged=0, deleted=0, chunks_added=9,
                               failed=[("bad.pdf", "not a PDF")], seconds=0.1)

    app = make_app(ingest=ingest)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)
        app.screen.query_one("#ingest-path").value = str(docs)
        await pilot.press("enter")
        for _ in range(50):
            await pilot.pause(0.02)
            bar = app.screen.query_one("#ingest-progress")
            if bar.progress == 4:
                break
        assert bar.total == 4 and bar.progress == 4
        assert "4/4" in str(app.screen.query_one("#ingest-status").render())
        release.set()
        try:
            await app.workers.wait_for_complete()
        except WorkerCancelled:  # the summary dismissed the screen before the worker's thread returned: work done
            pass
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert calls and calls[0][1] == [docs]
        messages = [n.message for n in app._notifications]
        assert any("4 added" in m and "9 chunks" in m for m in messages)
        assert any("not a PDF" in m for m in messages)


async def test_ingest_modal_rejects_missing_path(make_app, tmp_path):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        app.screen.query_one("#ingest-path").value = str(tmp_path / "nope")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)
        assert any("not found" in n.message for n in app._notifications)
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


def write_report(eval_dir, name, go=True):
    d = eval_dir / name
    d.mkdir(parents=True)
    arm = lambda ts: {"task_success": ts, "groundedness": 0.93, "hallucination_rate": 0.04,  # noqa: E731
                      "schema_adherence": 1.0, "repair_rate": 0.0, "refusal_precision": 0.8,
                      "refusal_recall": 0.7, "citation_precision": 0.6, "citation_recall": 0.5,
                      "latency_p50_ms": 900.0, "latency_p95_ms": 1500.0, "n": 200}
    report = {"arms": {"A": arm(0.40), "B": arm(0.20), "C": arm(0.47)},
              "deltas": {"C-A": {"task_success": 0.07}, "C-B": {"task_success": 0.27}},
              "decision": {"go": go, "reasons": ["task success C-A +7.0 points >= +5"]},
              "paired": {"C-A": {"delta": 0.07, "ci95": [0.021, 0.118], "up": 20, "down": 6, "n": 200,
                                 "p_value": 0.0094}},
              # a tally without withheld_right (a report of an earlier version) still reads
              "losses": {"C": {"answerable": {"n": 150, "shown": 140, "right": 70, "wrong_span": 40, "wrong_source": 0,
                                              "refused_shown": {"model": 30}, "wrong_not_shown": 0,
                                              "refused_not_shown": {}, "refused_before_model": {"no_evidence": 10},
                                              "error": 0}},
                         "A": "not a tally"}}
    (d / "report.json").write_text(json.dumps(report))
    return d


async def test_eval_screen_lists_reports_with_abc_table(make_app, settings):
    write_report(settings.home.eval_dir, "run-1", go=True)
    (settings.home.eval_dir / "broken").mkdir(parents=True)
    (settings.home.eval_dir / "broken" / "report.json").write_text("{not json")
    reps = list_eval_reports(settings.home.eval_dir)
    assert {r.name for r in reps} == {"run-1", "broken"}
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, EvalScreen)
        ol = app.screen.query_one("#eval-list", OptionList)
        assert ol.option_count == 2
        # Select the good report (order is by mtime; find it).
        idx = [r.name for r in app.screen.reports].index("run-1")
        ol.highlighted = idx
        await pilot.pause()
        table = app.screen.query_one(DataTable)
        labels = [str(c.label) for c in table.columns.values()]
        assert labels[:4] == ["metric", "A rag", "B tune", "C hybrid"] and "C−A" in labels
        row = table.get_row("task_success")
        assert row[1:4] == ["40.0%", "20.0%", "47.0%"]
        decision = str(app.screen.query_one("#eval-decision").render())
        assert "GO" in decision
        assert "C−A question by question: +7.0 pt (95% CI +2.1 pt to +11.8 pt), 20 up / 6 down of 200, p = 0.0094" in decision
        assert "C where lost: 150 answerable: right 70, wrong span of the gold source 40, refused with the gold" in decision
        assert "A where lost" not in decision
        ol.highlighted = [r.name for r in app.screen.reports].index("broken")
        await pilot.pause()
        assert "cannot read report" in str(app.screen.query_one("#eval-title").render())
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


async def test_eval_screen_empty(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert "ragtune eval run" in str(app.screen.query_one("#eval-title").render())


async def test_help_screen_lists_every_binding(make_app):
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        listed = " ".join(keys for _w, keys, _d in HELP)
        for b in ChatScreen.BINDINGS:
            for key in b.key.split(","):
                assert key.replace("question_mark", "?") in listed, key
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)
        # "?" opens help when the input is not focused.
        app.screen.query_one(CitationsPanel).focus()
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)


@pytest.mark.parametrize("error,expected", [
    (GenerationError("the model produced no valid JSON"), "no valid JSON"),
    (RuntimeError("boom"), "internal error: RuntimeError: boom"),
])
async def test_errors_become_notifications(make_app, error, expected):
    engine = FakeEngine(error=error)
    app = make_app(engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        msg = await ask(pilot, Q_OK)
        assert msg.state == "error" and "-error" in msg.classes
        assert any(expected in n.message for n in app._notifications)
        # The app keeps working: the next question is answered.
        msg = await ask(pilot, Q_OK)
        assert msg.state == "ok"


async def test_engine_loads_in_a_worker_and_queues_questions(slow_loading_app):
    app, gate, engine = slow_loading_app
    async with app.run_test(size=(100, 30)) as pilot:
        status = app.screen.query_one(StatusBar)
        assert "loading model" in status.render().plain
        app.screen.query_one(HistoryInput).value = Q_OK
        await pilot.press("enter")
        await pilot.pause()
        msg = app.screen.query(AnswerMessage).last()
        assert "waiting for the model" in msg.render_text().plain
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert msg.state == "ok"
        assert "ready" in status.render().plain and "f00dfeed" in status.render().plain


async def test_engine_load_failure_is_a_notification(make_app):
    def factory(settings):
        raise ModelError("model file missing: x.gguf", hint="ragtune models fetch")

    app = make_app(engine=None, engine_factory=factory)
    async with app.run_test(size=(100, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert any("model file missing" in n.message for n in app._notifications)
        assert "no model" in app.screen.query_one(StatusBar).render().plain
        msg = await ask(pilot, Q_OK)
        assert msg.state == "error"


async def test_selecting_an_older_answer_shows_its_citations(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        first = await ask(pilot, Q_OK)
        await ask(pilot, Q_REFUSED)
        assert app.screen.query_one(CitationsPanel).citations == []
        first.focus()
        await pilot.pause()
        assert len(app.screen.query_one(CitationsPanel).citations) == 2
        assert "-selected" in first.classes


async def test_escape_stops_a_running_answer(make_app):
    gate = threading.Event()
    engine = FakeEngine(gate=gate)
    app = make_app(engine=engine)
    async with app.run_test(size=(100, 30)) as pilot:
        msg = await ask_until_streaming(pilot, Q_OK)
        assert msg.state == "streaming"
        await pilot.press("escape")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert msg.state == "error" and "stopped" in msg.render_text().plain
        assert any("Answer stopped" in n.message for n in app._notifications)
        assert not app.screen.busy
        engine.gate = None
        msg = await ask(pilot, Q_OK)
        assert msg.state == "ok"


def test_store_documents_lookups(settings):
    """Chunk position and whole-document reconstruction over a real ragtune.db (rows inserted directly)."""
    import time as _time

    from ragtune.appliance.store import Store
    from ragtune.appliance.types import ContextItem
    from ragtune.tui.docsource import StoreDocuments

    text = "alpha beta gamma delta epsilon zeta"
    chunks = [(0, text[0:16], 0, 16), (1, text[11:29], 11, 29), (2, text[24:], 24, len(text))]
    with Store(settings.home.db_path) as store:
        with store.transaction():
            store.conn.execute("INSERT INTO documents(id, path, sha256, title, kind, ingested_at, n_chunks) "
                               "VALUES (1, '/docs/greek.md', 'x', 'Greek', 'md', ?, 3)", (_time.time(),))
            for ord_, t, a, b in chunks:
                store.conn.execute("INSERT INTO chunks(id, doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                                   "VALUES (?, 1, ?, ?, ?, ?, 3, 'h')", (10 + ord_, ord_, t, a, b))
    docs = StoreDocuments(settings.home)
    try:
        assert docs.count_documents() == 1
        item = ContextItem(id="S1", text=chunks[1][1], chunk_id=11, source="/docs/greek.md")
        info = docs.chunk(item)
        assert (info.ord, info.n_chunks, info.start_char, info.end_char) == (1, 3, 11, 29)
        doc = docs.document(item)
        assert doc.text == text and doc.text[slice(*doc.span)] == chunks[1][1]
        # Unknown chunk ids fall back to what the citation itself carries.
        assert docs.chunk(ContextItem(id="S9", text="t", chunk_id=999, source="s")).source == "s"
    finally:
        docs.close()


def test_demo_without_a_terminal_prints_answers(monkeypatch, home):
    """`ragtune demo` in CI (stdout not a TTY): ingest the pack into the demo's own home, answer 3 sample
    questions."""
    pytest.importorskip("ragtune.models.pack")
    import ragtune.appliance.answer
    import ragtune.appliance.ingest.pipeline
    from ragtune.cli import main
    from tests.tui import fakes

    ingested = []

    def fake_ingest(settings, paths, **kw):
        ingested.append(paths)
        assert settings.home.root == home.root / "demo"  # never the user's own home
        return fakes.fake_ingest(settings, paths, **kw)

    monkeypatch.setattr(ragtune.appliance.ingest.pipeline, "ingest_paths", fake_ingest)
    monkeypatch.setattr(ragtune.appliance.answer, "AnswerEngine", fakes.FakeEngine)
    from click.testing import CliRunner

    from ragtune.cli import cli

    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    from ragtune.models.pack import pack_dir

    assert ingested == [[pack_dir()]]
    assert not home.db_path.exists()  # nothing written into the user's home
    out = result.output
    assert "Q1:" in out and "Q2:" in out and "Q3:" in out and "A3:" in out
    assert "(refused)" in out  # one of the three is unanswerable by design
    assert "retrieval" in out and "ttft" in out
    result = CliRunner().invoke(cli, ["demo", "--json", "--questions", "1"])
    assert result.exit_code == 0
    obj = json.loads(result.output.strip().splitlines()[-1])
    assert len(obj["answers"]) == 1 and "status" in obj["answers"][0]
    from ragtune.cli.chat_cmd import _sample_questions

    assert _sample_questions(1)[0]["answerable"]  # one question shows an answer, not the refusal example
    assert [r["answerable"] for r in _sample_questions(3)] == [True, True, False]
    # `chat` needs a terminal; without one it says so instead of drawing garbage.
    assert main(["chat"]) == 2


def test_tui_does_not_import_heavy_extras():
    import subprocess
    import sys

    code = ("import sys, ragtune.tui.app, ragtune.tui.screens.chat, ragtune.tui.screens.evals, ragtune.tui.screens.ingest, ragtune.tui.screens.help, "
            "ragtune.tui.screens.document, ragtune.cli.chat_cmd; "
            "bad = [m for m in ('torch', 'transformers', 'peft') if m in sys.modules]; print(bad); "
            "sys.exit(1 if bad else 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr


def test_ingest_summary_says_what_was_reread_and_reused():
    from ragtune.appliance.ingest.summary import IngestSummary
    from ragtune.tui.screens.ingest import summary_text

    s = IngestSummary(updated=2, unchanged=3, chunks_added=5)
    assert summary_text(s) == "0 added, 2 updated, 3 unchanged, 5 chunks"
    s.reread, s.chunks_replaced, s.chunks_reused = 2, 5, 4
    assert summary_text(s).endswith("; 2 documents re-read (reader updated); 4 of 5 chunks kept their vectors")
