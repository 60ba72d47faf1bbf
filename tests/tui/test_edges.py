"""Issue 18 item 5: the chat app's rough edges, each pinned by a Pilot test (snapshots in test_snapshots.py)."""

from __future__ import annotations

import threading

from ragtune.appliance.types import Answer, ContextItem, Timings
from tests.tui.fakes import FakeEngine, ask_until_streaming
from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.ingest import CONFIRM_OVER, IngestScreen
from ragtune.tui.widgets.citations import CitationsPanel, chunk_hint, citation_label
from ragtune.tui.widgets.latency import LatencyPanel
from ragtune.tui.widgets.messages import HistoryInput
from ragtune.tui.widgets.source import SourceView

from .test_app import Q_OK, Q_REFUSED, ask, source_text


def screen_text(app) -> str:
    """What the terminal shows, as plain text (the SVG snapshot's content without the styling)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()

LONG = "/srv/shared/organisation/policies/human-resources/2026/hr-handbook.md"
SECTIONS = ["Working hours", "Annual leave", "Sick leave", "Parental leave", "Expenses", "Remote work"]


class SixCitations(FakeEngine):
    """Every answer cites six chunks of one long-named document, one per section (the case where `S1 … S6`
    alone told nothing apart)."""

    def ask(self, question, **kw):
        ctx = [ContextItem(id=f"S{i}", text=f"## {title}\nStaff get {i * 5} days of {title.lower()} a year.",
                           chunk_id=100 + i, source=LONG, title="HR handbook", start_char=200 * i,
                           end_char=200 * i + 60) for i, title in enumerate(SECTIONS, start=1)]
        on_token = kw.get("on_token")
        if on_token:
            on_token("Staff get 10 days.")
        return Answer(status="ok", answer="Staff get 10 days.", citations=ctx, retrieved=[c.chunk_id for c in ctx],
                      context=ctx, timings=Timings(12.0, 85.0, 640.0, 737.0), tokens_prompt=900,
                      tokens_completion=20, cost=0.0, model=self.model_id, adapter="none")


def test_chunk_hint_and_label():
    assert chunk_hint("intro\n## Annual leave\nStaff get 25 days") == "Annual leave"
    assert chunk_hint("Staff get twenty five days of annual leave every year") == "Staff get twenty five days of…"
    assert chunk_hint("anything", heading="Leave › Annual") == "Leave › Annual"
    item = ContextItem(id="S3", text="# Sick leave\nTell your manager.", source=LONG)
    assert citation_label(3, item).plain == "[3] hr-handbook.md › Sick leave"


async def test_adapter_hint_keeps_its_brackets(make_app):
    """`[generate]` in 'set [generate] adapter in config.toml' was eaten as markup."""
    app = make_app(adapter=None)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("ctrl+l")
        await pilot.pause(0.3)  # the toast is drawn after the notification
        note = [n for n in app._notifications if "No LoRA adapter" in n.message][0]
        assert "[generate] adapter" in note.message and note.markup is False
        assert "[generate] adapter" in " ".join(screen_text(app).split())


async def test_source_text_visible_at_80x24_with_six_long_citations(make_app):
    app = make_app(engine=SixCitations())
    async with app.run_test(size=(80, 24)) as pilot:
        await ask(pilot, "How many days of leave?")
        panel = app.screen.query_one(CitationsPanel)
        labels = [str(panel.get_option_at_index(i).prompt) for i in range(6)]
        assert [label.split("› ")[1] for label in labels] == SECTIONS  # chunks told apart by section
        text = app.screen.query_one("#source-text")
        assert text.region.height >= 3, text.region  # the cited text has rows, not just the path
        view = app.screen.query_one(SourceView)
        assert text.region.y + 1 < view.region.bottom  # and they are inside the panel
        assert "hr-handbook.md" in source_text(app) and "Staff get 5 days" in source_text(app)


async def test_tab_goes_from_the_input_to_the_answer(make_app):
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        first = await ask(pilot, Q_OK)
        second = await ask(pilot, "What is in an answer JSON?")
        box = app.screen.query_one(HistoryInput)
        box.focus()
        await pilot.pause()
        order = []
        for _ in range(4):
            await pilot.press("tab")
            await pilot.pause()
            order.append(app.focused)
        assert order[0] is second and isinstance(order[1], CitationsPanel) and isinstance(order[2], SourceView)
        assert order[3] is box
        await pilot.press("shift+tab")
        await pilot.pause()
        assert isinstance(app.focused, SourceView)
        second.focus()
        await pilot.pause()
        await pilot.press("up")  # older answers by up/down on an answer
        await pilot.pause()
        assert app.focused is first and "-selected" in first.classes
        await pilot.press("tab")
        await pilot.pause()
        assert isinstance(app.focused, CitationsPanel)  # the selected (older) answer's citations


async def test_latency_of_a_stopped_answer_stays(make_app):
    gate = threading.Event()
    app = make_app(engine=FakeEngine(gate=gate))
    async with app.run_test(size=(100, 30)) as pilot:
        msg = await ask_until_streaming(pilot, Q_OK)
        await pilot.press("escape")
        gate.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        latency = app.screen.query_one(LatencyPanel).region
        shown = "\n".join(line[latency.x:latency.right] for line in screen_text(app).splitlines()[latency.y:latency.bottom])
        assert "stopped" in shown and "ttft" in shown and "no answer yet" not in shown
        assert "answer stopped" in str(app.screen.query_one(CitationsPanel).get_option_at_index(0).prompt)
        await ask(pilot, Q_REFUSED)
        msg.focus()  # selecting the stopped answer again shows its figures again
        await pilot.pause()
        assert app.screen.query_one(LatencyPanel).stopped is not None and "stopped" in screen_text(app)


async def test_ingest_prompt_starts_empty_and_confirms_big_folders(make_app, tmp_path):
    big = tmp_path / "tree"
    big.mkdir()
    for i in range(CONFIRM_OVER + 10):
        (big / f"f{i}.md").write_text(f"# {i}\ntext")
    (big / "a.bin").write_bytes(b"x")
    calls = []

    def ingest(settings, paths, *, progress=None, should_stop=None):
        calls.append(list(paths))
        from types import SimpleNamespace

        return SimpleNamespace(added=1, updated=0, unchanged=0, deleted=0, chunks_added=1, failed=[], seconds=0.1)

    app = make_app(ingest=ingest)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        box = app.screen.query_one("#ingest-path")
        assert box.value == ""  # one enter never ingests the working directory
        await pilot.press("enter")
        await pilot.pause()
        assert not calls and isinstance(app.screen, IngestScreen)
        box.value = str(big)
        await pilot.press("enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        status = str(app.screen.query_one("#ingest-status").render())
        assert f"{CONFIRM_OVER + 10} files to ingest" in status and "1 other files ignored" in status
        assert not calls
        await pilot.press("enter")  # the second enter confirms
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert calls == [[big]] and isinstance(app.screen, ChatScreen)


async def test_history_of_earlier_sessions_from_the_query_log(make_app, settings):
    """Questions asked in earlier runs (the query log) come back with up in the input box."""
    from ragtune.appliance.store import Store
    from ragtune.tui.docsource import StoreDocuments

    with Store(settings.home.db_path) as store:
        for q in ("How many leave days?", "Who approves expenses?"):
            store.add_query_log({"query": q, "normalized_query": q, "model_id": "m", "adapter_id": "none",
                                 "system_prompt_sha256": "s", "context": [], "retrieved": [], "output": {},
                                 "raw_output": "{}", "valid": True, "repaired": False, "refused": False,
                                 "timings": {}, "tokens_prompt": 1, "tokens_completion": 1})
    app = make_app(documents=StoreDocuments(settings.home))
    async with app.run_test(size=(100, 30)) as pilot:
        box = app.screen.query_one(HistoryInput)
        await pilot.press("up")
        assert box.value == "Who approves expenses?"
        await pilot.press("up")
        assert box.value == "How many leave days?"


def test_section_heading_of_a_chunk():
    from ragtune.tui.docsource import section_heading

    rows = [(0, "# Handbook\nIntro text.\n## Leave\nAnnual leave is 25 days", 0, 50),
            (1, "days and more about leave.\n## Expenses\nClaims within 30 days.", 40, 100),
            (2, "Receipts are needed for all claims.", 95, 130)]
    assert section_heading(rows, 0) == "Handbook"
    assert section_heading(rows, 1) == "Leave"  # starts inside 'Leave', although 'Expenses' begins in it
    assert section_heading(rows, 2) == "Expenses"
    assert section_heading([(0, "no headings here", 0, 16)], 0) == ""  # known: none (not the chunk's words)
    assert section_heading(rows, 7) is None


def _doc_rows(*texts: str) -> list[tuple[int, str, int, int]]:
    """A document's chunks with exact spans (no overlap)."""
    rows, pos = [], 0
    for i, t in enumerate(texts):
        rows.append((i, t, pos, pos + len(t)))
        pos += len(t)
    return rows


def test_section_heading_skips_code_fences_opened_in_an_earlier_chunk():
    """Round 36: a `# comment` in a code fence that opened in an earlier chunk was taken as the chunk's heading."""
    from ragtune.tui.docsource import section_heading

    rows = _doc_rows("# Install\nRun this:\n```bash\necho one\n", "# make sure the path is set\nexport A=1\n```\n",
                     "Then restart.\n", "```\n# not a heading\n```\n## Configure\nSet B.\n")
    assert section_heading(rows, 1) == "Install"  # not 'make sure the path is set'
    assert section_heading(rows, 2) == "Install"
    assert section_heading(rows, 3) == "Install"  # the section it starts in; its fenced `#` line is code
    # no real heading before: the first real one inside the chunk, never a fenced comment
    rows = _doc_rows("```python\nx = 1\n", "# set y\ny = 2\n```\n## Usage\nCall it.\n")
    assert section_heading(rows, 1) == "Usage"
    rows = _doc_rows("~~~~\nx = 1\n", "# set y\n~~~\nstill code\n")  # a shorter fence does not close it
    assert section_heading(rows, 1) == ""
    # overlapping chunks: the overlap is cut before fences are found (a repeated closing fence would open one)
    text = "Intro.\n```\n# a\n```\n# Real\nbody\n"
    close = text.index("```\n# Real")
    rows = [(0, text[:close + 4], 0, close + 4), (1, text[close:], close, len(text))]
    assert section_heading(rows, 1) == "Real"


def test_chunk_hint_without_a_known_heading_skips_fenced_comments():
    assert chunk_hint("```sh\n# install it\nmake\n```\n## Build\nThen build.") == "Build"
    assert chunk_hint("```sh\n# install it\nmake\n```") == "```sh # install it make ```"
    assert chunk_hint("# inside code that began earlier\nmake", heading="") == "# inside code that began earlier…"


async def test_eval_screen_finds_reports_written_with_out(make_app, settings, tmp_path):
    """Issue 18 item 3: reports written with --out were not found by ctrl+r (it looked only in HOME/eval)."""
    from ragtune.appliance.store import Store
    from ragtune.tui.docsource import StoreDocuments
    from ragtune.tui.screens.evals import EvalScreen

    from .test_app import write_report

    elsewhere = write_report(tmp_path / "reports", "smoke-run")
    inside = write_report(settings.home.eval_dir, "r1")
    with Store(settings.home.db_path) as store:
        store.ensure_eval_run("run1", "ds", {"out": str(elsewhere)})
        store.ensure_eval_run("run2", "ds", {"out": str(inside)})  # listed once, not twice
    app = make_app(documents=StoreDocuments(settings.home))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        assert isinstance(app.screen, EvalScreen)
        names = sorted(r.name for r in app.screen.reports)
        assert names == sorted(["r1", str(elsewhere)])


def test_demo_leaves_the_users_home_alone(home, tmp_path, monkeypatch):
    """Issue 18 item 1: `ragtune demo` on a home with the user's documents asked the pack's questions against them,
    filled the query log and left the pack mixed in. The demo now runs in HOME/demo; a pack an earlier demo left in
    the user's home is pointed out with the command that removes it."""
    import json

    import pytest

    pytest.importorskip("ragtune.models.pack")
    import ragtune.appliance.answer
    import ragtune.appliance.embed
    from click.testing import CliRunner

    from ragtune.appliance.ingest.documents import list_documents
    from ragtune.appliance.config import Settings
    from ragtune.cli import cli
    from ragtune.models.pack import pack_dir
    from tests.appliance.ingest_helpers import FakeEmbedder, real_tokenizer
    from tests.tui import fakes

    tok = real_tokenizer()
    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, h: FakeEmbedder(tok))
    asked = []

    class Engine(fakes.FakeEngine):
        def __init__(self, settings, *a, **kw):
            super().__init__(settings, *a, **kw)
            asked.append(settings.home.root)

    monkeypatch.setattr(ragtune.appliance.answer, "AnswerEngine", Engine)
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "hours.html").write_text("<title>Opening hours</title><p>We open at nine.</p>")
    runner = CliRunner()
    assert runner.invoke(cli, ["ingest", str(mine)]).exit_code == 0
    before = [d.path for d in list_documents(Settings(home=home))]
    result = runner.invoke(cli, ["demo", "--json", "--questions", "2"])
    assert result.exit_code == 0, result.output
    obj = json.loads(result.stdout.strip().splitlines()[-1])
    assert obj["home"] == str(home.root / "demo") and asked == [home.root / "demo"]
    assert [d.path for d in list_documents(Settings(home=home))] == before  # the user's index: unchanged
    demo_docs = list_documents(Settings(home=home.__class__(home.root / "demo")))
    assert demo_docs and all(d.path.startswith(str(pack_dir())) for d in demo_docs)
    # a home polluted by an older demo: the demo says how to clean it
    assert runner.invoke(cli, ["ingest", str(pack_dir())]).exit_code == 0
    result = runner.invoke(cli, ["demo", "--json", "--questions", "1"])
    assert f"ragtune docs remove {pack_dir()}" in result.stderr


async def _answered(pilot, question: str):
    """Ask and wait until the final answer's message is shown (it can come after the worker ends)."""
    app = pilot.app
    app.screen.query_one("HistoryInput").value = question
    await pilot.press("enter")
    await app.workers.wait_for_complete()
    for _ in range(200):
        await pilot.pause()
        msg = app.screen.query("AnswerMessage").last()
        if msg.state not in ("waiting", "streaming"):
            break
    await pilot.pause()
    return msg


async def test_at_40_columns_a_finished_answer_is_scrolled_to_its_end(make_app):
    """Round 36: the final layout of an answer (citation marks, the served-model line) could add lines after the
    conversation's last scroll to its end, leaving the answer's last lines below the view (about one run in two)."""
    from ragtune.tui.widgets.messages import MessageList

    app = make_app()
    async with app.run_test(size=(40, 24)) as pilot:
        conversation = app.screen.query_one(MessageList)
        for q in ("How does the LoRA adapter work?", "Quantum entanglement of penguins", "What is in an answer?"):
            msg = await _answered(pilot, q)
            assert msg.state in ("ok", "refused")
            assert conversation.max_scroll_y > 0  # the conversation overflows at this size
            assert conversation.scroll_y == conversation.max_scroll_y, q
            assert msg.region.bottom <= conversation.content_region.bottom
        msg.focus()  # the reader steps back to the first answer: the anchor lets go, it is not scrolled away
        await pilot.press("up", "up")
        for _ in range(3):
            await pilot.pause()
        first = conversation.answers[0]
        assert app.focused is first and conversation.scroll_y < conversation.max_scroll_y
        assert conversation.content_region.contains_region(first.region)


async def test_an_empty_chat_shows_its_welcome_from_the_top(make_app):
    """Anchoring the conversation to its end (above) must wait for the first question: at 40x10 the welcome text
    overflows, and anchored it was scrolled off an empty chat."""
    from ragtune.tui.widgets.messages import MessageList

    app = make_app()
    async with app.run_test(size=(40, 10)) as pilot:
        conversation = app.screen.query_one(MessageList)
        for _ in range(3):
            await pilot.pause()
        assert conversation.max_scroll_y > 0 and conversation.scroll_y == 0
