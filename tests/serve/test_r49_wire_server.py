"""Round 49: the server `ragtune serve` runs is a module-level class (was a class made inside force_quit_server on
each call: not importable, not picklable, its qualified name `force_quit_server.<locals>.ForceQuitServer`), and it
still drops the connections left open at a force quit."""

from __future__ import annotations

import importlib

import uvicorn

from ragtune.serve.server import force_quit_server


def test_the_serve_server_class_is_module_level_and_keeps_its_force_quit():
    srv = force_quit_server(uvicorn.Config(lambda *a: None))
    cls = type(srv)
    assert cls.__qualname__ == cls.__name__, cls.__qualname__
    assert getattr(importlib.import_module(cls.__module__), cls.__name__) is cls
    assert type(force_quit_server(uvicorn.Config(lambda *a: None))) is cls  # one class, not one per call

    dropped = []

    class Conn:
        class transport:  # noqa: N801
            @staticmethod
            def abort():
                dropped.append(1)

    srv.server_state.connections.add(Conn())
    srv.drop_connections()
    assert dropped == [1]
