"""Round 37's QA pass of the screens other than the chat: eval reports, ingest, the document view and help, at
40x12, 60x20 and 200x60, keyboard only, with odd names and empty, damaged or old inputs. One test per fix."""

from __future__ import annotations

import json
import re
import threading
import time
from types import SimpleNamespace

from rich.cells import cell_len
from textual.widgets import DataTable, Input, OptionList, ProgressBar, Static

from ragtune.appliance.types import ContextItem
from ragtune.tui.docsource import DocumentText, StoreDocuments
from ragtune.tui.reports import EvalReport
from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.document import MAX_SHOWN, DocumentScreen
from ragtune.tui.screens.evals import list_label
from ragtune.tui.screens.help import HelpScreen
from ragtune.tui.screens.ingest import IngestScreen, check_paths
from ragtune.tui.widgets.side import SidePanels
from tests.tui.fakes import FakeDocuments, burst_ingest, ingest_via_prompt, wait_until

from .test_edges import screen_text
from .test_states import drawn_controls, inside

LONG_NAME = "評価レポート🎉" * 6 + "-very-long-run-name-" * 4
GOOD = {"arms": {a: {"task_success": 0.5, "groundedness": 0.9, "hallucination_rate": 0.1, "latency_p50_ms": 1200,
                     "n": 20} for a in "ABC"},
        "deltas": {"C-A": {"task_success": 0.1}, "C-B": {"task_success": -0.05}},
        "decision": {"go": True, "reasons": ["C beats A by 10 pt on task success", "groundedness holds"]}}


def write_report(settings, name: str, data, mtime: float | None = None) -> None:
    d = settings.home.eval_dir / name
    d.mkdir(parents=True)
    (d / "report.json").write_text(data if isinstance(data, str) else json.dumps(data))
    if mtime is not None:
        import os

        os.utime(d / "report.json", (mtime, mtime))


def detail_text(screen) -> str:
    return "\n".join(str(screen.query_one(f"#{i}", Static).render()) for i in ("eval-title", "eval-decision"))


# -- eval reports -----------------------------------------------------------------------------------------------------

async def test_eval_reports_at_40x12_stack_and_tab_reaches_the_decision(make_app, settings):
    """Before: at 40x12 the list kept 22 columns and the report 18, its decision was cut off below the screen and
    no key could reach it (only the list and the table took focus). Under 70 columns the list now goes above
    the report, and the report scrolls: tab focuses it, end shows the decision."""
    write_report(settings, "good", GOOD)
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        lst, detail = screen.query_one("#eval-list"), screen.query_one("#eval-detail")
        assert inside(app, lst) and inside(app, detail) and detail.region.y >= lst.region.bottom
        assert detail.region.width == 40
        await pilot.press("tab")
        assert app.focused is detail
        await pilot.press("end")
        await pilot.pause()
        assert "groundedness holds" in screen_text(app)
        await pilot.press("tab")  # the table: left/right scroll its columns
        assert app.focused is screen.query_one(DataTable)
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert lst.region.right <= detail.region.x  # side by side again
        assert "groundedness holds" in screen_text(app)
        await pilot.resize_terminal(60, 20)
        await pilot.pause()
        assert inside(app, detail) and detail.region.y >= lst.region.bottom


async def test_a_long_cjk_report_name_takes_one_line_in_the_list(make_app, settings):
    """Before: a long (CJK) run name wrapped over the whole list at 40 columns; now fitted to one line (start
    and end kept), refitted when the terminal is resized, and the title fits it to two lines."""
    write_report(settings, LONG_NAME, GOOD)
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        await pilot.pause()
        text = screen_text(app)
        name_line = next(line for line in text.splitlines() if "●" in line)
        assert "…" in name_line and "-very-long-run-name-" in name_line
        assert str(app.screen.query_one("#eval-title", Static).render()).count("\n") <= 3
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        await pilot.pause()
        wide = next(line for line in screen_text(app).splitlines() if "●" in line)
        # inside the list's borders (double: the list has the focus, test_r44_access)
        assert "…" in wide and "-very-long-run-name-" in re.split("[│║]", wide)[1]
    label = list_label(EvalReport(settings.home.eval_dir / "x", LONG_NAME, 0.0), 30)
    assert all(cell_len(line) <= 30 for line in label.plain.split("\n"))


async def test_empty_damaged_old_and_zero_question_reports_say_so(make_app, settings):
    """Before: an empty report.json showed a lone `metric` header and nothing else, a zero-question run a table of
    zeros, an older report without a decision said nothing about it."""
    now = time.time()
    write_report(settings, "empty", {}, now - 1)
    write_report(settings, "zero", {"arms": {a: {"n": 0} for a in "ABC"}, "decision": {}}, now - 2)
    write_report(settings, "old", {"arms": {"A": {"task_success": 0.5}}}, now - 3)
    write_report(settings, "damaged", "{not json", now - 4)
    write_report(settings, "nometrics", {"arms": {"A": {"note": "x"}}}, now - 5)
    expect = {"empty": "no A/B/C results in this report", "zero": "0 questions",
              "old": "no go/no-go decision in this report", "damaged": "cannot read report",
              "nometrics": "no metrics in this report's arms"}
    for size in [(40, 12), (200, 60)]:
        app = make_app()
        async with app.run_test(size=size) as pilot:
            await pilot.press("ctrl+r")
            await pilot.pause()
            screen = app.screen
            assert [r.name for r in screen.reports] == list(expect)
            for i, rep in enumerate(screen.reports):
                screen.query_one("#eval-list", OptionList).highlighted = i
                await pilot.pause()
                assert expect[rep.name] in detail_text(screen), rep.name
                table = screen.query_one(DataTable)
                assert table.display == (rep.name in ("zero", "old"))
                assert table.display or table not in screen.focus_chain  # tab never lands on the hidden table
                assert drawn_controls(app) == []


async def test_no_reports_at_all(make_app):
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        screen = app.screen
        assert "No eval reports in" in str(screen.query_one("#eval-title", Static).render())
        assert screen.query_one(DataTable) not in screen.focus_chain
        await pilot.press("tab", "tab", "r", "escape")
        assert isinstance(app.screen, ChatScreen)


# -- ingest -----------------------------------------------------------------------------------------------------------

def test_check_paths_turns_refused_names_into_reasons(tmp_path):
    ok, bad = check_paths([str(tmp_path), "x" * 5000, "a\x00b", "~no_such_user_r37/docs", str(tmp_path / "gone")])
    assert ok == [tmp_path]
    # a NUL byte: Path.exists says False on 3.11 and raises ValueError on some versions; either way a reason
    assert [why for _p, why in bad] in (["File name too long", w, "no such user's home", "not found"]
                                        for w in ("not found", "embedded null byte"))


async def test_ingest_paths_the_system_refuses_are_messages(make_app):
    """Before: a path over the system's name limit (a paste gone wrong), a NUL byte or `~user` of no such user
    ended the app with a traceback (OSError / ValueError / RuntimeError from Path.exists / expanduser), and a
    long missing CJK path wrapped out of the box at 40x12."""
    long_cjk = "/nonexistent/" + "長いフォルダ名🎉/" * 10 + "file.md"
    app = make_app()
    async with app.run_test(size=(40, 12), notifications=True) as pilot:
        await pilot.press("ctrl+g")
        await pilot.pause()
        for bad, why in [("x" * 5000, "File name too long"), ("a\x00b", ""),
                         ("~no_such_user_r37/x", "no such user's home"), (long_cjk, "not found")]:
            app.screen.query_one("#ingest-path", Input).value = bad
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, IngestScreen)
            status = app.screen.query_one("#ingest-status", Static)
            assert str(status.render()).startswith(why)
            assert inside(app, app.screen.query_one("#ingest-box")), bad[:20]
            assert status.region.height <= 3


def gated_ingest(release: threading.Event, n: int = 3, failed: int = 7):
    def ingest(settings, paths, *, progress=None, should_stop=None):
        for i in range(n):
            progress(i, n, f"/data/{i}.md", None, stage="reading")
        release.wait(5)
        return SimpleNamespace(added=n, updated=0, unchanged=0, chunks_added=n, failed=[
            (f"/data/bad{i}.pdf", "encrypted PDF") for i in range(failed)])
    return ingest


class Counting(FakeDocuments):
    n = 2

    def count_documents(self):
        return self.n


async def test_an_ingest_closed_with_escape_still_reports_its_result(make_app, tmp_path):
    """Before: escape while ingesting said it would finish in the background, but its result (and the files that
    failed) never showed, the document count stayed old, and ctrl+g opened a second prompt whose ingest then
    waited on the first. Now the first escape asks it to stop (ingest_paths `should_stop`: finished documents are
    kept), the second closes the prompt, and the end is reported wherever the person is."""
    (tmp_path / "a.md").write_text("# a\n")
    release = threading.Event()
    docs = Counting()
    app = make_app(ingest=gated_ingest(release), documents=docs)
    async with app.run_test(size=(60, 20), notifications=True) as pilot:
        await ingest_via_prompt(pilot, tmp_path / "a.md")
        await wait_until(pilot, lambda: app.ingest_status and "files" in app.ingest_status)
        await pilot.press("escape")  # the first asks the ingest to stop
        await pilot.pause()
        assert app.ingest_stop.is_set() and isinstance(app.screen, IngestScreen)
        assert "stopping… (finished documents are kept" in str(app.screen.query_one("#ingest-status").render())
        await pilot.press("escape")  # the second closes the prompt; the result still shows when it ends
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert any("is stopping (finished documents are kept)" in n.message for n in app._notifications)
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)  # no second prompt while the first ingest runs
        assert any("still running (2/3 files)" in n.message for n in app._notifications)
        docs.n = 5
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert "3 added, 0 updated, 0 unchanged, 3 chunks; 7 failed" in messages
        assert "/data/bad0.pdf: encrypted PDF" in messages and "and 2 more files" in messages
        assert app.screen.query_one("StatusBar").documents == 5
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen)


async def test_an_ingest_that_ends_under_the_help_closes_its_prompt_after(make_app, tmp_path):
    """Another screen over a running ingest's prompt (pushed here: f1 does not reach past the modal today), the
    ingest ends: its result shows, and closing that screen leaves the finished prompt closed too (not a disabled
    input with a full bar)."""
    (tmp_path / "a.md").write_text("# a\n")
    release = threading.Event()
    app = make_app(ingest=gated_ingest(release, failed=0))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, tmp_path / "a.md")
        await pilot.pause(0.1)
        app.push_screen(HelpScreen())
        await pilot.pause()
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)
        await pilot.pause()
        assert any(n.title == "ingested" for n in app._notifications)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)


async def test_quitting_during_an_ingest_warns_first(make_app, tmp_path):
    """The process waits for the ingest thread after the app closes: the first ctrl+q says so, the second asks
    the ingest to stop after its current document and quits."""
    (tmp_path / "a.md").write_text("# a\n")
    release = threading.Event()
    app = make_app(ingest=gated_ingest(release))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, tmp_path / "a.md")
        await pilot.pause(0.1)
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.is_running and any("ctrl+q again" in n.message for n in app._notifications)
        release.set()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.quitting and app.ingest_stop.is_set()


async def test_thousands_of_files_keep_the_progress_responsive(make_app, tmp_path, monkeypatch):
    """5,000 progress updates (a folder of small unchanged files) reach the bar at a bounded cost to the UI. The
    work is counted, not timed (a wall-clock budget failed on a loaded machine): all 5,000 are queued at once (the
    UI loop is held while the ingest thread posts them), then drained. The screen is laid out and drawn once for
    the burst, not once per update, and an update is one message (the screen's, and its bubble to the app)."""
    from textual.message_pump import MessagePump
    from textual.screen import Screen

    n = 5000
    go, posted, release = threading.Event(), threading.Event(), threading.Event()

    ingest = burst_ingest(go, posted, release, n)

    work = {"layouts": 0, "messages": 0}
    layout, dispatch = Screen._refresh_layout, MessagePump._dispatch_message

    def counted_layout(self, *a, **kw):
        work["layouts"] += 1
        return layout(self, *a, **kw)

    async def counted_dispatch(self, message):
        work["messages"] += 1
        return await dispatch(self, message)

    (tmp_path / "a.md").write_text("# a\n")
    app = make_app(ingest=ingest)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, tmp_path / "a.md")
        for _ in range(200):  # the file count comes back from a thread, then the ingest starts
            await pilot.pause(0.02)
            if app.ingest_status is not None:
                break
        assert app.ingest_status == "starting"
        with monkeypatch.context() as m:
            m.setattr(Screen, "_refresh_layout", counted_layout)
            m.setattr(MessagePump, "_dispatch_message", counted_dispatch)
            go.set()
            assert posted.wait(10)  # blocks the UI loop: every update is queued before the first is handled
            await pilot.pause()
        assert "4999/5000 files" in str(app.screen.query_one("#ingest-status", Static).render())
        assert app.screen.query_one(ProgressBar).percentage > 0.99
        assert work["layouts"] <= 2, work  # once per update would be 5,000
        assert work["messages"] <= 2 * n + 50, work
        release.set()
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert isinstance(app.screen, ChatScreen)


# -- documents --------------------------------------------------------------------------------------------------------

def store_with_document(settings, text: str, chunk: int = 1000):
    """A ragtune.db holding one document split into `chunk`-character chunks (rows inserted directly)."""
    from ragtune.appliance.store import Store

    with Store(settings.home.db_path) as store:
        with store.transaction():
            n = -(-len(text) // chunk)
            store.conn.execute("INSERT INTO documents(id, path, sha256, title, kind, ingested_at, n_chunks) "
                               "VALUES (1, '/docs/big.md', 'x', 'Big', 'md', ?, ?)", (time.time(), n))
            store.conn.executemany(
                "INSERT INTO chunks(id, doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                "VALUES (?, 1, ?, ?, ?, ?, 3, 'h')",
                [(10 + i, i, text[i * chunk:(i + 1) * chunk], i * chunk, min(len(text), (i + 1) * chunk))
                 for i in range(n)])
    return n


async def test_a_document_removed_since_the_answer_says_so(make_app, settings):
    """Before: with the cited document removed (`ragtune docs remove`, or re-ingested: new chunk ids) after the
    answer, ctrl+o showed the cited chunk alone as if it were the whole document."""
    from ragtune.appliance.store import Store

    store_with_document(settings, "alpha beta gamma " * 100)
    item = ContextItem(id="S1", text="alpha beta gamma ", chunk_id=11, source="/docs/big.md", title="Big")
    docs = StoreDocuments(settings.home)
    try:
        assert docs.document(item).note == ""
        with Store(settings.home.db_path) as store:
            store.delete_document(1)
        doc = docs.document(item)
        assert doc.text == item.text and "no longer stored" in doc.note
        app = make_app(documents=docs)
        async with app.run_test(size=(40, 12)) as pilot:
            app.open_document(item, ["alpha"])
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            assert "no longer stored" in screen_text(app).replace("\n", " ") or \
                "no longer stored" in str(app.screen.query_one("#doc-head", Static).render())
    finally:
        docs.close()


async def test_a_chunk_removed_since_the_answer_says_so_in_the_source_panel(make_app, settings):
    """Before: the source panel showed the answer's copy of a chunk no longer stored with no word of it (ctrl+o's
    document view said so)."""
    from ragtune.appliance.store import Store

    from .test_app import ask
    from .test_qa import Cites

    class CitesStored(Cites):  # cites chunk 11, which store_with_document stores
        def ask(self, question, **kw):
            answer = super().ask(question, **kw)
            for c in answer.citations:
                c.chunk_id = 11
            return answer

    store_with_document(settings, "alpha beta gamma " * 100, chunk=100)
    docs = StoreDocuments(settings.home)
    try:
        app = make_app(engine=CitesStored("Short answer.", "/docs/big.md", "alpha beta gamma "), documents=docs)
        async with app.run_test(size=(120, 30)) as pilot:
            await ask(pilot, "What is alpha?")
            meta = app.screen.query_one("#source-meta", Static)
            assert "no longer stored" not in str(meta.render())
            with Store(settings.home.db_path) as store:
                store.delete_document(1)
            app.screen.query_one(SidePanels).show_source()
            await pilot.pause()
            head = str(meta.render()).replace("\n", " ")
            assert "no longer stored; showing the text the answer cited" in head
            assert "alpha beta gamma" in str(app.screen.query_one("#source-text", Static).render())
    finally:
        docs.close()


async def test_a_5mb_document_opens_at_once(make_app, settings):
    """A 5 MB document (5,000 stored chunks) is rebuilt from the store with one query for its chunks and drawn
    around the cited chunk, also after a resize; the header says which part is shown. The work is measured, not the
    time (a wall-clock budget failed on a loaded machine): the cells of the body laid out at each width stay within
    twice MAX_SHOWN (document.window), where the whole text is over fifty times MAX_SHOWN."""
    text = "".join(f"line {i:06d} of a large policy document with the word adapter in it\n" for i in range(78_000))
    assert len(text) > 5_000_000
    n = store_with_document(settings, text)
    docs = StoreDocuments(settings.home)
    try:
        item = ContextItem(id="S1", text="", chunk_id=10 + n // 2, source="/docs/big.md")
        app = make_app(documents=docs)
        async with app.run_test(size=(100, 30)) as pilot:
            statements: list[str] = []
            docs._db().conn.exec_trace = lambda _cursor, sql, _bindings: statements.append(sql) or True
            app.open_document(item, ["adapter"])
            await pilot.pause()
            assert isinstance(app.screen, DocumentScreen)
            body = app.screen.query_one("#doc-body", Static)
            for size in [(100, 30), (40, 12)]:  # laid out again at each width
                await pilot.resize_terminal(*size)
                await pilot.pause()
                laid_out = body.size.height * body.content_region.width
                assert 0 < laid_out <= 2 * MAX_SHOWN < len(text), (size, body.size, laid_out)
            docs._db().conn.exec_trace = None
            assert len(statements) <= 4, statements  # not a query per chunk
            head = str(app.screen.query_one("#doc-head", Static).render())
            assert f"of {len(text):,}" in head
            assert app.screen.query_one("#doc-scroll").scroll_y > 0  # scrolled to the cited chunk
    finally:
        docs.close()


async def test_a_document_with_a_cjk_emoji_path_at_every_size(make_app):
    doc = DocumentText("/srv/" + "資料🎉/" * 40 + "ファイル.md", "題名 🎉", "本文 🎉\n" * 200, (0, 5))
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        app.push_screen(DocumentScreen(doc, ["本文"]))
        for size in [(40, 12), (60, 20), (200, 60), (40, 12)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
            scroll = app.screen.query_one("#doc-scroll")
            assert app.focused is scroll and scroll.region.height >= 4, size
            assert "本文" in screen_text(app)
        await pilot.press("tab", "pagedown", "escape")
        assert isinstance(app.screen, ChatScreen)


# -- help ------------------------------------------------------------------------------------------------------------

async def test_help_scrolls_to_its_end_by_keyboard_at_40x12(make_app):
    app = make_app()
    async with app.run_test(size=(40, 12)) as pilot:
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen) and inside(app, app.screen.query_one("#help-box"))
        await pilot.press("end")
        await pilot.pause()
        assert "ctrl+q" in screen_text(app)
        await pilot.resize_terminal(200, 60)
        await pilot.pause()
        assert inside(app, app.screen.query_one("#help-box"))
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)


def test_a_stopped_ingest_says_how_many_files_are_left():
    from ragtune.tui.screens.ingest import summary_text

    s = SimpleNamespace(added=2, updated=0, unchanged=1, chunks_added=5, failed=[], stopped=True, files_left=7)
    assert summary_text(s) == "stopped: 2 added, 0 updated, 1 unchanged, 5 chunks; 7 files left (ingest again to go " \
                              "on)"


def test_the_default_ingest_hands_the_stop_to_the_pipeline(settings, tmp_path, monkeypatch):
    import ragtune.appliance.ingest.pipeline as pipeline
    from ragtune.tui.app import default_ingest

    seen = {}
    monkeypatch.setattr(pipeline, "ingest_paths", lambda s, p, **kw: seen.update(kw) or "summary")
    stop = threading.Event()
    assert default_ingest(settings, [tmp_path], should_stop=stop.is_set) == "summary"
    assert seen["should_stop"] is not None and not seen["should_stop"]()
    stop.set()
    assert seen["should_stop"]()


async def test_a_smoke_test_report_says_n_a_not_no_go(make_app, settings):
    """Round 41: a run under the decision's minimum of labelled questions is a smoke test (report.py); the screen
    read only `go` and showed a red NO-GO and a red dot for it."""
    smoke = dict(GOOD, decision={"go": False, "smoke_test": True, "reasons": ["smoke test, not a decision: n=4"]})
    write_report(settings, "smoke", smoke)
    assert list_label(EvalReport(settings.home.eval_dir / "smoke", "smoke", 0.0), 30).plain.startswith("○")
    app = make_app()
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.press("ctrl+r")
        await pilot.pause()
        text = detail_text(app.screen)
        assert "n/a (smoke test)" in text and "NO-GO" not in text
