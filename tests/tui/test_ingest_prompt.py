"""Round 41's Pilot pass of the ingest prompt (ctrl+g): escape while the ingest waits for another writer of the
home, the prompt after a failed ingest, the file count, and the words it uses. One test per fix."""

from __future__ import annotations

import threading
import time
from contextlib import ExitStack
from types import SimpleNamespace

import pytest
from textual.widgets import Input, ProgressBar, Static

from ragtune.appliance.errors import StoreError
from ragtune.appliance.lexical import IndexBusy
from ragtune.tui.app import default_ingest
from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.ingest import IngestScreen, summary_text
from tests.tui.fakes import ingest_via_prompt, wait_until


def status(app) -> str:
    return str(app.screen.query_one("#ingest-status", Static).render())


def box_subtitle(app) -> str:
    return str(app.screen.query_one("#ingest-box").border_subtitle)


# -- escape while waiting for another writer ---------------------------------------------------------------------

class BusyLexical:
    """A keyword index another process is writing: its writer never comes free."""

    path = "/home/x/.ragtune/tantivy"

    def writer(self):
        raise IndexBusy(f"{self.path}: the lexical index is being written by another process")


def test_the_writer_wait_ends_when_asked_to_stop():
    """Before: the wait for another writer did not look at `should_stop`: a stop (escape, Ctrl-C) took effect only
    when the half minute ran out, as a lock error."""
    from ragtune.appliance.ingest.writer import acquire_writer

    t0 = time.monotonic()
    waited = []
    assert acquire_writer(BusyLexical(), ExitStack(), timeout=30, on_wait=lambda: waited.append(1),
                          should_stop=lambda: True) is None
    assert time.monotonic() - t0 < 10 and waited == [1]  # not the 30 s (the bound is loose for CI's shared cores)


def test_the_writer_wait_that_runs_out_is_a_typed_busy_error():
    """The TUI words the hint its own way (below): it needs to tell this error from other store errors."""
    from ragtune.appliance.ingest.writer import acquire_writer

    with pytest.raises(IndexBusy) as err:
        acquire_writer(BusyLexical(), ExitStack(), timeout=0)
    assert isinstance(err.value, StoreError) and "run this command again" in err.value.hint  # the CLI's words


def test_a_stop_while_waiting_ends_the_ingest_stopped(settings, tmp_path):
    """ingest_paths: a stop during the wait is a stopped run (nothing read, every file left), not a lock error."""
    from ragtune.appliance.ingest.pipeline import ingest_paths

    (tmp_path / "a.md").write_text("# a\n")
    stages = []
    summary = ingest_paths(settings, [tmp_path / "a.md"], store=SimpleNamespace(), embedder=SimpleNamespace(),
                           lexical=BusyLexical(), on_progress=lambda p: stages.append(p.stage),
                           should_stop=lambda: bool(stages))
    assert summary.stopped and summary.files_left == 1 and summary.added == 0
    assert stages == ["waiting"]


async def test_escape_ends_an_ingest_that_waits_for_another(make_app, settings, tmp_path):
    """The real ingest (default_ingest over this home) while another process holds the keyword index's writer lock.
    Before: escape said "stopping · escape to close", the ingest still waited out its half minute and ended with a
    lock error. Now it ends at once, stopped, and the prompt closes with that result."""
    from ragtune.appliance.lexical import LexicalIndex, _locked

    doc = tmp_path / "sauna.md"
    doc.write_text("# Sauna\n\nThe sauna opens at 16:00.\n")
    LexicalIndex(settings.home.lexical_dir).close()  # the index exists: only its writer is busy
    app = make_app(ingest=default_ingest)
    with _locked(settings.home.lexical_dir, 0):  # as another ingest's writer holds it
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await ingest_via_prompt(pilot, doc)
            await wait_until(pilot, lambda: app.ingest_status == "waiting for another ingest", tries=250)
            assert "waiting for another ingest" in status(app)
            t0 = time.monotonic()
            await pilot.press("escape")
            await wait_until(pilot, lambda: app.ingest_status is None, tries=250)
            assert app.ingest_status is None and time.monotonic() - t0 < 15  # not the half minute (loose: CI)
            await pilot.pause()
            assert isinstance(app.screen, ChatScreen)
            messages = [n.message for n in app._notifications]
            assert "stopped: 0 added, 0 updated, 0 unchanged, 0 chunks; 1 file left (ingest again to go on)" \
                in messages, messages
            assert not any("writing this index" in m for m in messages)


# -- the prompt after a failed ingest ----------------------------------------------------------------------------

def failing_ingest(started: threading.Event, release: threading.Event, calls: list):
    """Waits for another writer, then fails as the pipeline does when that one holds on past the half minute."""
    def ingest(settings, paths, *, progress=None, should_stop=None):
        calls.append(should_stop())
        progress(0, 1, "", None, stage="waiting")
        started.set()
        release.wait(60)  # until the test lets go (a 5 s wait could run out first on a busy machine)
        raise IndexBusy("/h/tantivy: another ingest (or `docs remove`) is writing this index",
                        hint="wait for it to finish, then run this command again")
    return ingest


async def test_a_failed_ingest_leaves_a_prompt_at_rest_with_the_focus(make_app, tmp_path):
    """Before: after the failure the bar went on spinning at --%, the subtitle kept "stopping · escape to close",
    the path box came back with nothing focused (typing went nowhere), and the error told to "run this command
    again". Now the prompt is as before a run, the path box has the focus, and the hint is the app's."""
    doc = tmp_path / "a.md"
    doc.write_text("# a\n")
    started, release, calls = threading.Event(), threading.Event(), []
    app = make_app(ingest=failing_ingest(started, release, calls))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, doc)
        await wait_until(pilot, lambda: "waiting" in status(app))
        await pilot.press("escape")  # asks it to stop: this fake does not listen, it fails
        await pilot.pause()
        assert box_subtitle(app) == "stopping · escape to close"
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)
        await pilot.pause()
        assert isinstance(app.screen, IngestScreen) and not app.screen.running
        assert not app.screen.query_one(ProgressBar).display  # no bar spinning at --% after the end
        assert box_subtitle(app) == "enter to start · escape to close"
        box = app.screen.query_one("#ingest-path", Input)
        assert not box.disabled and app.focused is box
        assert "try again when it has finished" in status(app) and "run this command" not in status(app)
        await pilot.press("end", "x")
        assert box.value == f"{doc}x"
        # a second run from the same prompt is not stopped by the escape of the first
        box.value = str(doc)
        started.clear()
        await pilot.press("enter")
        await wait_until(pilot, started.is_set)
        assert calls == [False, False]
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)


# -- the file count ------------------------------------------------------------------------------------------------

def test_the_default_ingest_hands_on_the_files_done(monkeypatch, settings):
    """Before: the count was the byte fraction times the files, and bytes move only as a slab of chunks is embedded:
    `0/400 files doc0006.md` with six documents read. Now `files` is the files done, as the CLI counts them."""
    import ragtune.appliance.ingest.pipeline as pipeline
    from ragtune.appliance.ingest.progress import IngestProgress

    def fake_paths(settings, paths, *, on_progress=None, should_stop=None):
        on_progress(IngestProgress(6, 400, 0, 6_400_000, "/big/doc0006.md", "reading", 3.0))
        return "summary"

    monkeypatch.setattr(pipeline, "ingest_paths", fake_paths)
    seen = []
    default_ingest(settings, [], progress=lambda *a, **kw: seen.append((a, kw)))
    assert seen == [((0.0, 400, "/big/doc0006.md", None), {"stage": "reading", "files": 6})]


async def test_the_prompt_counts_the_files_done(make_app, tmp_path):
    doc = tmp_path / "a.md"
    doc.write_text("# a\n")
    release = threading.Event()

    def ingest(settings, paths, *, progress=None, should_stop=None):
        progress(0.0, 400, "/big/doc0006.md", None, stage="reading", files=6)
        release.wait(60)  # until the test lets go (a 5 s wait could run out first on a busy machine)
        return SimpleNamespace(added=6, updated=0, unchanged=0, chunks_added=120, failed=[])

    app = make_app(ingest=ingest)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await ingest_via_prompt(pilot, doc)
        await wait_until(pilot, lambda: "400" in status(app))
        assert status(app) == "6/400 files  doc0006.md"
        assert app.ingest_status == "6/400 files"
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)


# -- words -----------------------------------------------------------------------------------------------------------

def test_the_summary_says_one_chunk_and_one_file():
    one = SimpleNamespace(added=1, updated=0, unchanged=0, chunks_added=1, failed=[])
    assert summary_text(one) == "1 added, 0 updated, 0 unchanged, 1 chunk"
    stopped = SimpleNamespace(added=0, updated=0, unchanged=0, chunks_added=0, failed=[], stopped=True, files_left=1)
    assert summary_text(stopped) == "stopped: 0 added, 0 updated, 0 unchanged, 0 chunks; 1 file left (ingest again " \
                                    "to go on)"


async def test_a_file_of_an_unsupported_type_is_named_so(make_app, tmp_path, settings):
    """Before: `image.xyz` got "nothing to ingest there: no .md .markdown … files". Now its type is said not to be
    supported, with the supported ones."""
    (tmp_path / "image.xyz").write_bytes(b"\x89PNG")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await ingest_via_prompt(pilot, tmp_path / "image.xyz")
        await wait_until(pilot, lambda: not app.screen.counting and "supported" in status(app))
        text = status(app)
        assert "image.xyz: unsupported file type '.xyz'" in text, text
        assert f"supported: {' '.join(settings.ingest.extensions)}" in text.replace("\n", " ")
        assert "nothing to ingest" not in text
        assert isinstance(app.screen, IngestScreen) and app.ingest_status is None
