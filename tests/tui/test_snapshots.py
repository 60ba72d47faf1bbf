"""SVG snapshots of the main screens over the deterministic FakeEngine, at 80×24 (the minimum supported size)
and 120×40. Regenerate after an intended UI change with `pytest tests/tui/test_snapshots.py --snapshot-update`
and look at the SVGs under tests/tui/__snapshots__/ before committing them."""

from __future__ import annotations

import json
import os
import time

import pytest

from tests.tui.fakes import FAKE_ADAPTER_ID, FakeDocuments, FakeEngine, ask_until_streaming, fake_ingest
from ragtune.tui.widgets.messages import HistoryInput

Q_OK = "How does the LoRA adapter work?"
Q_REFUSED = "Quantum entanglement of penguins"


@pytest.fixture
def app(settings):
    from ragtune.tui.app import create_app

    return create_app(settings, engine=FakeEngine(), documents=FakeDocuments(), ingest=fake_ingest,
                      adapter=FAKE_ADAPTER_ID)


async def steady(pilot):
    """No blinking cursors: a snapshot must not depend on when it is taken."""
    from textual.widgets import Input

    for screen in pilot.app.screen_stack:
        for box in screen.query(Input):
            box.cursor_blink = False
    await pilot.pause()


def keys(*names):
    async def run_before(pilot):
        for k in names:
            await pilot.press(k)
            await pilot.pause()
        await steady(pilot)
    return run_before


def asking(*questions):
    async def run_before(pilot):
        await steady(pilot)
        for q in questions:
            pilot.app.screen.query_one(HistoryInput).value = q
            await pilot.press("enter")
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            for _ in range(100):  # the final answer's message can come after the worker ends (a loaded machine)
                msgs = pilot.app.screen.query("AnswerMessage")
                if msgs and msgs.last().state not in ("waiting", "streaming"):
                    break
                await pilot.pause(0.02)
            await pilot.pause()
        await steady(pilot)
    return run_before


def then(first, *keys):
    async def run_before(pilot):
        await first(pilot)
        for k in keys:
            await pilot.press(k)
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
        await steady(pilot)
    return run_before


def test_empty_chat_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=steady)


def test_answer_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking(Q_OK))


def test_answer_120x40(snap_compare, app):
    assert snap_compare(app, terminal_size=(120, 40), run_before=asking(Q_OK, Q_REFUSED, "What is in an answer JSON?"))


def test_refusal_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking(Q_REFUSED))


def test_second_citation_lora_120x40(snap_compare, app):
    async def toggle(pilot):
        await pilot.press("ctrl+l")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        pilot.app.clear_notifications()
        await asking(Q_OK)(pilot)
        await pilot.press("ctrl+n")
        await steady(pilot)
    assert snap_compare(app, terminal_size=(120, 40), run_before=toggle)


def test_help_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=keys("f1"))


def test_document_80x24(snap_compare, app):
    assert snap_compare(app, terminal_size=(80, 24), run_before=then(asking(Q_OK), "ctrl+n", "ctrl+o"))


def test_ingest_modal_80x24(snap_compare, app):
    async def run_before(pilot):
        await pilot.press("ctrl+g")
        await pilot.pause()
        box = pilot.app.screen.query_one("#ingest-path")
        box.value = "~/documents/handbook"
        box.cursor_position = len(box.value)
        await steady(pilot)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_eval_reports_120x40(snap_compare, app, settings, monkeypatch):
    import ragtune.tui.screens.evals as evals

    monkeypatch.setattr(evals.time, "localtime", time.gmtime)
    arm = lambda ts, g, lat: {"task_success": ts, "groundedness": g, "hallucination_rate": 1 - g,  # noqa: E731
                              "schema_adherence": 1.0, "repair_rate": 0.01, "refusal_precision": 0.8,
                              "refusal_recall": 0.7, "citation_precision": 0.62, "citation_recall": 0.55,
                              "latency_p50_ms": lat, "latency_p95_ms": lat * 1.6, "n": 200}
    for i, (name, go) in enumerate([("base-only", False), ("lora-v2", True)]):
        d = settings.home.eval_dir / name
        d.mkdir(parents=True)
        report = {"arms": {"A": arm(0.41, 0.91, 980.0), "B": arm(0.18, 0.60, 700.0), "C": arm(0.48 if go else 0.43, 0.94, 1010.0)},
                  "deltas": {"C-A": {"task_success": 0.07 if go else 0.02, "groundedness": 0.03},
                             "C-B": {"task_success": 0.30, "groundedness": 0.34}},
                  "decision": {"go": go, "reasons": ["task success C−A +7.0 points (≥ +5)" if go else
                                                     "task success C−A +2.0 points (< +5)",
                                                     "p95 latency C/A 1.03 (≤ 1.10)"]}}
        (d / "report.json").write_text(json.dumps(report))
        os.utime(d / "report.json", (1_763_700_000 + i * 86400,) * 2)
    assert snap_compare(app, terminal_size=(120, 40), run_before=keys("ctrl+r"))


def test_answer_narrow_40x24(snap_compare, app):
    """Under 72 columns the citations and the source go under the chat (before: off the screen), the source's path
    on one line so its text has rows, and the status bar drops its labels but keeps the state. The conversation
    overflows at this size and shows its end, as a reader sees it once the answer is done (it follows to the last
    line: test_edges.test_at_40_columns_a_finished_answer_is_scrolled_to_its_end)."""
    assert snap_compare(app, terminal_size=(40, 24), run_before=asking(Q_OK))


def test_answer_short_80x10(snap_compare, app):
    """Under 14 rows the latency panel gives its rows to the cited text (before: the source had none)."""
    assert snap_compare(app, terminal_size=(80, 10), run_before=asking(Q_OK))


def test_six_long_citations_80x24(snap_compare, settings):
    """Issue 18 item 5: at 80×24 with six citations of a long path, the source panel shows the cited text and the
    citations tell the chunks apart by section."""
    from ragtune.tui.app import create_app

    from .test_edges import SixCitations

    app = create_app(settings, engine=SixCitations(), documents=FakeDocuments(), ingest=fake_ingest,
                     adapter=FAKE_ADAPTER_ID)
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking("How many days of leave?"))


def test_stopped_answer_80x24(snap_compare, settings):
    """Issue 18 item 5: after escape the latency panel keeps what was measured (ttft, time until stopped)."""
    import threading

    import ragtune.tui.screens.chat as chat
    from ragtune.tui.app import create_app

    gate = threading.Event()
    app = create_app(settings, engine=FakeEngine(gate=gate), documents=FakeDocuments(), ingest=fake_ingest,
                     adapter=FAKE_ADAPTER_ID)

    class Clock:  # start, first token, stopped: fixed figures for the snapshot
        ticks = iter([100.0, 100.2, 101.5])

        @classmethod
        def perf_counter(cls):
            return next(cls.ticks, 101.5)

    async def run_before(pilot):
        chat.time = Clock
        try:
            await ask_until_streaming(pilot, Q_OK)
            await pilot.press("escape")
            gate.set()
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            pilot.app.clear_notifications()
        finally:
            chat.time = time
        await steady(pilot)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_scoped_answer_80x24(snap_compare, settings):
    """`ragtune chat --in REF`: the status bar says what the answers come from, the footer offers ctrl+s (every
    document again), and the answer cites the scope's document only."""
    from ragtune.tui.app import create_app

    from .fakes import FAKE_DOC_IDS

    app = create_app(settings, engine=FakeEngine(), documents=FakeDocuments(), ingest=fake_ingest,
                     adapter=FAKE_ADAPTER_ID, scope={"doc_ids": [FAKE_DOC_IDS["docs/adapters.md"]]})
    assert snap_compare(app, terminal_size=(80, 24), run_before=asking(Q_OK))


def test_documents_80x24(snap_compare, app, monkeypatch):
    """ctrl+t over the two fake documents, the second highlighted (dates in UTC: the same on every machine)."""
    import ragtune.tui.widgets.doclist as doclist

    monkeypatch.setattr(doclist.time, "localtime", time.gmtime)

    async def run_before(pilot):
        await pilot.press("ctrl+t")
        for _ in range(100):
            await pilot.pause(0.02)
            if pilot.app.screen.all is not None:
                break
        await pilot.press("tab", "down")
        await steady(pilot)
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
