"""Shared fixtures for the TUI tests: an app over the deterministic fake engine and corpus."""

from __future__ import annotations

import pytest

from ragtune.tui.app import create_app
from tests.tui.fakes import FAKE_ADAPTER_ID, FakeDocuments, FakeEngine, fake_ingest


@pytest.fixture
def fake_engine():
    return FakeEngine()


@pytest.fixture
def make_app(settings, fake_engine):
    def make(**kwargs):
        kwargs.setdefault("engine", fake_engine)
        kwargs.setdefault("documents", FakeDocuments())
        kwargs.setdefault("ingest", fake_ingest)
        kwargs.setdefault("adapter", FAKE_ADAPTER_ID)
        return create_app(settings, **kwargs)

    return make


@pytest.fixture
def slow_loading_app(make_app):
    """(app, gate, engine): an app whose engine finishes loading only when `gate` is set."""
    import threading

    gate = threading.Event()
    engine = FakeEngine()

    def factory(settings):
        gate.wait(5)
        return engine

    return make_app(engine=None, engine_factory=factory), gate, engine


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests with asyncio.run (no pytest-asyncio dependency needed for Pilot tests)."""
    import asyncio
    import inspect

    if inspect.iscoroutinefunction(pyfuncitem.obj):
        names = pyfuncitem._fixtureinfo.argnames
        kwargs = {name: pyfuncitem.funcargs[name] for name in names}
        asyncio.run(pyfuncitem.obj(**kwargs))
        return True
    return None
