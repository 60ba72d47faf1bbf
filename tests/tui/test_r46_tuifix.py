"""Round 46 fixes to the chat app for a screen-reader and keyboard user: `ragtune chat --stacked` starts with the
panels under the conversation (f2 every session before), and keys typed while the app starts reach the question box
(they went to the conversation, focused first, and were lost). The focused answer's `║` bar is tested in
test_r44_access.py (test_the_selected_answer_is_marked_by_its_bar_not_its_colour)."""

from __future__ import annotations

import os
import select
import sys
import time
import types
from pathlib import Path

import pytest

from ragtune.tui.screens.chat import ChatScreen
from ragtune.tui.widgets.messages import HistoryInput
from ragtune.tui.widgets.side import SidePanels

from .fakes import FakeEngine
from .test_app import Q_OK, ask
from .test_r46_keyboard import region_lines

REPO = Path(__file__).resolve().parents[2]


# -- --stacked ---------------------------------------------------------------------------------------------------------

async def test_a_stacked_app_starts_with_the_panels_under_the_conversation(make_app):
    app = make_app(stacked=True)
    async with app.run_test(size=(120, 30)) as pilot:
        answer = await ask(pilot, Q_OK)
        assert app.screen.has_class("-stacked")
        assert set(region_lines(app, answer)).isdisjoint(region_lines(app, app.screen.query_one(SidePanels)))
        await pilot.press("f2")  # f2 still puts them beside it
        await pilot.pause()
        assert not app.screen.has_class("-stacked")


async def test_an_app_starts_with_the_panels_beside_the_conversation_by_default(make_app):
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        answer = await ask(pilot, Q_OK)
        assert not app.screen.has_class("-stacked")
        assert set(region_lines(app, answer)) & set(region_lines(app, app.screen.query_one(SidePanels)))


@pytest.fixture
def opened(home, monkeypatch):
    """`ragtune chat` as if on a terminal, the app replaced by a record of what it was opened with."""
    import ragtune.cli.chat_cmd as chat_mod

    tty = types.SimpleNamespace(isatty=lambda: True)
    monkeypatch.setattr(chat_mod, "sys", types.SimpleNamespace(stdin=tty, stdout=tty))
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("RAGTUNE_CHAT_STACKED", raising=False)
    calls: list[bool] = []
    monkeypatch.setattr(chat_mod, "_open_app", lambda settings, scope=None, scope_refs=None, stacked=False:
                        calls.append(stacked))
    home.ensure()
    return calls


@pytest.mark.parametrize("argv, env, stacked", [
    ([], None, False),
    (["--stacked"], None, True),
    ([], "1", True),  # once in the shell's profile, every session
    ([], "0", False),
])
def test_ragtune_chat_stacked(opened, home, monkeypatch, argv, env, stacked):
    from ragtune.cli import main

    if env is not None:
        monkeypatch.setenv("RAGTUNE_CHAT_STACKED", env)
    assert main(["--home", str(home.root), "chat", *argv]) == 0
    assert opened == [stacked]


# -- keys typed while the app starts -----------------------------------------------------------------------------------

async def test_the_question_box_is_the_first_thing_focused(make_app, monkeypatch):
    """Before: Textual focused the conversation (the screen's first focusable widget) as the screen came up, and the
    box only once on_mount's focus() was handled: keys already queued went to the conversation."""
    first: list[str] = []
    set_focus = ChatScreen.set_focus

    def recording(self, widget, *args, **kwargs):
        if widget is not None and not first:
            first.append(type(widget).__name__)
        return set_focus(self, widget, *args, **kwargs)

    monkeypatch.setattr(ChatScreen, "set_focus", recording)
    app = make_app(engine=None, engine_factory=lambda settings: FakeEngine())  # loaded in a worker, as in use
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert first == ["HistoryInput"] and isinstance(app.focused, HistoryInput)


CHILD = """
import sys
from pathlib import Path
sys.path.insert(0, {repo!r})
from ragtune.appliance.config import Settings
from ragtune.appliance.home import Home
from ragtune.tui.app import create_app
from tests.tui.fakes import FakeDocuments, FakeEngine
create_app(Settings(home=Home(Path({home!r}))), engine_factory=lambda s: FakeEngine(), documents=FakeDocuments()).run()
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a pseudo-terminal (pty.fork)")
def test_keys_typed_before_the_app_has_started_reach_the_question_box(tmp_path):
    """The real app in a pseudo-terminal, typed to at once (before Python has even imported Textual): the question
    box shows what was typed. Before, the keys were lost (1.4 s of start-up here, over 3 s on a loaded box)."""
    import fcntl
    import pty
    import signal
    import struct
    import termios

    code = CHILD.format(repo=str(REPO), home=str(tmp_path / "home"))
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.environ["TERM"] = "xterm-256color"
        os.execv(sys.executable, [sys.executable, "-c", code])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = b""
    try:
        os.write(fd, b"harbour")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            _, alt, drawn = out.rpartition(b"\x1b[?1049h")  # the app's screen (the tty echoes the keys first)
            if alt and b"harbour" in drawn:
                break
            if select.select([fd], [], [], 0.1)[0]:
                try:
                    out += os.read(fd, 65536)
                except OSError:
                    break
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(fd)
    assert b"\x1b[?1049h" in out, out[-2000:]
    assert b"harbour" in out.rpartition(b"\x1b[?1049h")[2], out[-2000:]
