"""Tantivy's panics as errors. A damaged segment file (a flipped byte in a `.idx`, `.term` or `.store`: a bad disk,
a restore gone wrong) can make tantivy-py panic where it reads it: pyo3's `PanicException`, a BaseException that no
`except Exception` catches, so `ragtune search` died with a traceback (round 47). `unpanicked()` turns it into
`Panicked`, a ValueError, which LexicalIndex already treats as a damaged index (reset, rebuilt from the database)."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator


class Panicked(ValueError):
    """Tantivy panicked: the index (derived data) is damaged."""


def is_panic(exc: BaseException) -> bool:
    """`exc` is a Rust panic that crossed into Python (pyo3's PanicException: its class is made at run time, so it
    is told by name)."""
    return type(exc).__name__ == "PanicException"


def said(exc: BaseException) -> str:
    first = (str(exc).strip().split("\n") or [""])[0]
    return f"{type(exc).__name__}: {first[:160]}" if first else type(exc).__name__


def panicked(exc: BaseException) -> str:
    return f"Tantivy panicked ({said(exc)})"


@contextmanager
def unpanicked() -> Iterator[None]:
    """A panic inside becomes Panicked; every other BaseException (KeyboardInterrupt, SystemExit) goes on as it is."""
    try:
        yield
    except BaseException as exc:  # noqa: B036 - a PanicException is a BaseException
        if not is_panic(exc):
            raise
        raise Panicked(panicked(exc)) from None


def rebuild_hint(folder: object) -> str:
    return (f'remove the index (derived from the database, nothing is lost): `rm -rf "{folder}"` with no ragtune '
            "command running; the next search (`ragtune search WORD`, ask, serve) builds it again from the database")
