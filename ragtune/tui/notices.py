"""What the library tells the chat app from a worker thread outside an answer: the query log's retention notice.

An answer is logged in the worker that asked it, and the first retention pass that removes old entries tells
`querylog.on_retention` once per home and setting (`ragtune ask` prints it on stderr, `serve` logs it). The chat app
listens while it runs and shows it as a notification: a chat must not delete a year of query log without a word."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from textual.message import Message


class RetentionTold(Message, bubble=False):
    """From a worker: the retention note, for the app thread to show."""

    def __init__(self, note: str):
        super().__init__()
        self.note = note


class RetentionListener:
    """Registered on querylog.on_retention from start() to stop() (the app's mount and unmount). It posts the note
    (post_message is thread-safe and never waits for the UI thread, which may be waiting for the engine's lock)."""

    def __init__(self, app: Any):
        self.app = app

    def start(self) -> None:
        from ragtune.appliance import querylog  # here: the store modules it loads are not the app's to import

        querylog.on_retention.append(self.told)

    def stop(self) -> None:
        from ragtune.appliance import querylog

        with contextlib.suppress(ValueError):  # stopped twice, or never started
            querylog.on_retention.remove(self.told)

    def told(self, _path: Path, n: int, more: int, keep_days: int) -> None:
        from ragtune.appliance import querylog

        self.app.post_message(RetentionTold(querylog.retention_note(n, more, keep_days)))
