"""Tantivy's panics as errors. A damaged segment file (a flipped byte in a `.idx`, `.term` or `.store`: a bad disk,
a restore gone wrong) can make tantivy-py panic where it reads it: pyo3's `PanicException`, a BaseException that no
`except Exception` catches, so `ragtune search` died with a traceback (round 47). `unpanicked()` turns it into
`Panicked`, a ValueError, which LexicalIndex already treats as a damaged index (reset, rebuilt from the database)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from .errors import StoreError


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


def quietly(call: Callable[[], object]) -> None:
    """`call()` (a writer's rollback, its merge wait) with a failure ignored: an Exception or a panic (a damaged
    index's, which `except Exception` does not catch); KeyboardInterrupt and SystemExit go on."""
    try:
        call()
    except BaseException as exc:  # noqa: B036 - a PanicException is a BaseException
        if not (isinstance(exc, Exception) or is_panic(exc)):
            raise


@contextmanager
def panic_refused(folder: object, what: str) -> Iterator[None]:
    """A panic inside becomes a StoreError naming `folder` (a rebuild of a just-reset index: nothing left to reset)."""
    try:
        with unpanicked():
            yield
    except Panicked as exc:
        raise StoreError(f"{folder}: {what}: {exc}", hint=rebuild_hint(folder)) from None


def damaged(ix: Any) -> tuple[Path, str]:
    """(the folder to name, the hint) for the LexicalIndex `ix` that panicked. A rebuilt copy in this user's cache
    (lexical_cache.py: a read-only home's) is discarded first: its fingerprint still matches the database, so the
    retry and every later process would open the same damaged copy. A private view's damage is the home's."""
    view = ix.view
    if view is None or view.parent.name.startswith("ragtune-lexical-"):  # lexical_open.private_view's
        return ix.home_path, rebuild_hint(ix.home_path)
    from .lexical_cache import discard

    discard(view)
    return view, (f"this user's rebuilt copy of the read-only home's index ({view}) was removed: the next search "
                  "builds it again from the database")
