"""Keeps the chat current while it sits idle: another process (a cron `ragtune ingest`, `docs remove`) changes the
store, and the status bar's document count and the selected answer's Source panel stayed as they were until the
next answer. A light timer reads the store's index version (one meta row) in a worker thread and refreshes only
when it moved: the count, the scope's documents (the app's `documents_changed`) and the Source panel, whose chunk
may be re-ingested or gone. An ingest made in the app has refreshed them already (its end calls `loaded`, then
app.documents_changed): the version read next is taken as seen, not refreshed for a second time (round 49). The
watch's own refresh (`moved`) does not call `loaded`: a second read there would take a version that moved between
the two reads as seen, and never refresh it."""

from __future__ import annotations

import threading
from typing import Any

EVERY = 60.0  # seconds between two reads of the index version


class StoreWatch:
    """Started at the app's mount (`start`); its timer stops with the app."""

    def __init__(self, app: Any):
        self.app = app
        self.seen: int | None = None  # the index version the screens were last brought up to date with
        self._reading = threading.Lock()  # one read at a time: a slow store never piles reads up
        self._started = False
        self._loaded = False  # the app has just refreshed: the next version read is the one it shows

    def start(self) -> "StoreWatch":
        self.check()  # the version at start: what a later read is compared with
        self.app.set_interval(EVERY, self.check, name="store-watch")
        return self

    def loaded(self) -> None:
        """The app has just brought its screens up to date (an ingest in the app ended): read the version now and
        take it as seen. (A read already under way takes it instead: at worst one refresh more, as before.)"""
        self._loaded = True
        self.check()

    def check(self) -> None:
        if self.app.quitting or not self._reading.acquire(blocking=False):
            return
        self.app.run_worker(self._read, thread=True, name="store-watch", group="store-watch")

    def _read(self) -> None:
        try:
            try:
                version = self.app.documents.index_version()
            except Exception:  # a store being replaced or locked: the next tick tries again
                return
            if not self._started or self._loaded:  # (None too: a home with no store yet, another process may fill)
                self.seen, self._started, self._loaded = version, True, False
                return
            if version is None or version == self.seen:
                return
            self.seen = version
            if not self.app.quitting:
                self.app.call_later(self.moved)  # post_message underneath: thread-safe, never waits for the UI
        finally:
            self._reading.release()

    def moved(self) -> None:
        """On the UI thread: what another process's ingest or removal left stale."""
        self.app.documents_changed()
        chat = self.app.chat
        if chat is not None and chat.is_mounted and chat.selected is not None:
            chat.side.show_source()
