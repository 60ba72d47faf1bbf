"""A burst of ingest progress (a folder of thousands of small unchanged files) is folded: of the updates queued on
the ingest prompt only the newest is handled (`IngestScreen.Progress.can_replace`), so a key pressed meanwhile is
not held behind thousands of bar updates (0.7 s for 5,000). The work is counted, not timed: every update is queued
while the UI loop is held, then the loop is let go."""

from __future__ import annotations

import threading

from textual.widgets import Input, ProgressBar, Static

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.screens.ingest import IngestScreen
from tests.tui.fakes import burst_ingest, ingest_via_prompt, wait_until

N = 5000


def counted(monkeypatch, seen: list, cancels: list):
    """Record the `done` of each progress the screen handles, and how many it had handled at each escape."""
    handle, cancel = IngestScreen.on_ingest_screen_progress, IngestScreen.action_cancel

    def on_progress(self, event):
        seen.append(event.done)
        return handle(self, event)

    def action_cancel(self):
        cancels.append(len(seen))
        return cancel(self)

    monkeypatch.setattr(IngestScreen, "on_ingest_screen_progress", on_progress)
    monkeypatch.setattr(IngestScreen, "action_cancel", action_cancel)


async def start(pilot, tmp_path) -> None:
    (tmp_path / "a.md").write_text("# a\n")
    await ingest_via_prompt(pilot, tmp_path / "a.md")
    await wait_until(pilot, lambda: pilot.app.ingest_status is not None, tries=200)
    assert pilot.app.ingest_status == "starting"


async def test_queued_progress_is_folded_into_the_newest(make_app, tmp_path, monkeypatch):
    go, posted, release = threading.Event(), threading.Event(), threading.Event()
    seen: list[float] = []
    counted(monkeypatch, seen, [])
    app = make_app(ingest=burst_ingest(go, posted, release, N))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await start(pilot, tmp_path)
        go.set()
        assert posted.wait(10)  # holds the UI loop: every update is queued before the first is handled
        await pilot.pause()
        assert 1 <= len(seen) <= 2 and seen[-1] == N - 1, (len(seen), seen[-3:])  # one per update: 5,000
        assert str(app.screen.query_one("#ingest-status", Static).render()) == f"{N - 1}/{N} files  {N - 1}.md"
        assert app.screen.query_one(ProgressBar).progress == N - 1
        release.set()  # the end is no progress: it is never folded away, the prompt closes with the summary
        await wait_until(pilot, lambda: isinstance(app.screen, ChatScreen))
        assert isinstance(app.screen, ChatScreen)
        assert any(n.title == "ingested" and n.message.startswith(f"0 added, 0 updated, {N} unchanged")
                   for n in app._notifications)


async def test_a_key_pressed_during_a_burst_is_not_held_behind_it(make_app, tmp_path, monkeypatch):
    """Escape, pressed while 5,000 updates wait, is handled after at most the one folded update (before: after all
    of them)."""
    go, posted, release = threading.Event(), threading.Event(), threading.Event()
    seen: list[float] = []
    cancels: list[int] = []
    counted(monkeypatch, seen, cancels)
    app = make_app(ingest=burst_ingest(go, posted, release, N))
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await start(pilot, tmp_path)
        go.set()
        assert posted.wait(10)  # the loop is held: the key below is queued behind every update
        await pilot.press("escape")
        await wait_until(pilot, lambda: cancels)
        assert cancels and cancels[0] <= 1, (cancels, len(seen))
        assert app.ingest_stop.is_set() and isinstance(app.screen, IngestScreen)
        await pilot.pause()
        assert len(seen) <= 2 and seen[-1] == N - 1, (len(seen), seen[-3:])
        assert app.screen.query_one(ProgressBar).progress == N - 1
        assert "stopping…" in str(app.screen.query_one("#ingest-status", Static).render())
        assert app.screen.query_one("#ingest-path", Input).disabled  # still running until the ingest ends
        release.set()
        await wait_until(pilot, lambda: app.ingest_status is None)
        assert app.ingest_status is None


def test_only_a_progress_gives_way_to_a_newer_progress():
    """Failed (and Counted) are never folded, nor folded into; a progress never replaces anything else."""
    progress = IngestScreen.Progress(1, 2, "/a.md")
    failed, counted_ = IngestScreen.Failed("boom", "error"), IngestScreen.Counted([], 3, 0)
    assert progress.can_replace(IngestScreen.Progress(2, 2, "/b.md"))
    assert not progress.can_replace(failed) and not progress.can_replace(counted_)
    assert not failed.can_replace(progress) and not counted_.can_replace(progress)
