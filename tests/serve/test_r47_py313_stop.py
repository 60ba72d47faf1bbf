"""Round 47: on Python 3.12+ a second Ctrl+C did not end a server holding a request that a generation without
tokens kept (tests/serve/test_r46_stop.py failed on 3.13, passed on 3.11). uvicorn's force quit stops waiting for
the open connections but still awaits `asyncio.Server.wait_closed()`, which since 3.12 waits for every connection
to close. The server now drops the connections still open at a force quit (server.force_quit_server); this test
shows it on every Python, without a process or signals."""

from __future__ import annotations

import asyncio
import signal

import uvicorn

from ragtune.serve.server import force_quit_server


class _Transport:
    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


class _Conn:
    def __init__(self) -> None:
        self.transport = _Transport()


def _server_with(conns: list) -> object:
    srv = force_quit_server(uvicorn.Config(lambda *a: None))
    srv.server_state.connections.update(conns)
    return srv


def test_a_second_ctrl_c_drops_the_connections_still_open():
    held, idle = _Conn(), _Conn()
    srv = _server_with([held, idle])

    async def main() -> None:
        srv.handle_exit(signal.SIGINT, None)  # the first: a graceful stop, the connections stay
        await asyncio.sleep(0)
        assert not held.transport.aborted and not srv.force_exit
        srv.handle_exit(signal.SIGINT, None)  # the second: force quit, dropped from the loop (not in the handler)
        assert not held.transport.aborted
        await asyncio.sleep(0)
        assert srv.force_exit and held.transport.aborted and idle.transport.aborted

    asyncio.run(main())


def test_sigterm_twice_is_no_force_quit_and_drops_nothing():
    held = _Conn()
    srv = _server_with([held])

    async def main() -> None:
        srv.handle_exit(signal.SIGTERM, None)
        srv.handle_exit(signal.SIGTERM, None)  # uvicorn: only a second SIGINT forces (shutdown_timeout_s bounds)
        await asyncio.sleep(0)
        assert not srv.force_exit and not held.transport.aborted

    asyncio.run(main())


def test_a_force_quit_outside_a_running_loop_is_no_error():
    srv = _server_with([_Conn()])
    srv.handle_exit(signal.SIGINT, None)
    srv.handle_exit(signal.SIGINT, None)  # (a signal before uvicorn's loop runs: nothing to drop, no traceback)
    assert srv.force_exit
