"""Tantivy's panics as errors. A damaged segment file (a flipped byte in a `.idx`, `.term` or `.store`: a bad disk,
a restore gone wrong) can make tantivy-py panic where it reads it: pyo3's `PanicException`, a BaseException that no
`except Exception` catches, so `ragtune search` died with a traceback (round 47). `unpanicked()` turns it into
`Panicked`, a ValueError, which LexicalIndex already treats as a damaged index (reset, rebuilt from the database).
`rust_quiet()` keeps the text Rust itself writes on a panic (to file descriptor 2) off a command's stderr (doctor)."""

from __future__ import annotations

import os
import re
import sys
import tempfile
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


# Rust's panic hook writes "thread '<name>' (id) panicked at FILE:LINE:COL:", the message, a backtrace when
# RUST_BACKTRACE is set, and a "note: … RUST_BACKTRACE …" line, straight to file descriptor 2, before pyo3 raises
# PanicException: no Python handler can keep it off the terminal.
_PANIC_HEAD = re.compile(rb"^\n?thread '[^\n]*' (?:\(\d+\) )?panicked at ", re.M)  # the blank line before it too
_PANIC_END = re.compile(rb"^note: [^\n]*RUST_BACKTRACE[^\n]*\n?", re.M)


def without_panics(text: bytes) -> bytes:
    """`text` written to stderr less each Rust panic's block (its head line to its `note:` line, or to the end)."""
    out, at = [], 0
    while (head := _PANIC_HEAD.search(text, at)) is not None:
        out.append(text[at:head.start()])
        end = _PANIC_END.search(text, head.end())
        at = len(text) if end is None else end.end()
    out.append(text[at:])
    rest = b"".join(out)
    return rest if rest.strip() else b""


@contextmanager
def rust_quiet() -> Iterator[int | None]:
    """File descriptor 2 taken into a temporary file while inside, then what was written there put back on stderr
    less Rust's panic text (without_panics): `ragtune doctor`'s probe of a damaged index says the damage in its own
    line, and the terminal gets no Rust panic and backtrace before it. Process-wide while inside (every thread's
    stderr): for a command's short probe, not for a server. No descriptor 2 or no temporary file: nothing changes.
    Yields a copy of the real stderr's descriptor (valid while inside; None when nothing changes): a caller's own
    lines can go there at once (cli.common.rust_quieted)."""
    saved = held = None
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        held = tempfile.TemporaryFile()
    except (OSError, ValueError, AttributeError):  # no fd 2 (closed, a pythonw), no temporary file: as it is
        if saved is not None:
            os.close(saved)
        yield None
        return
    with held:
        os.dup2(held.fileno(), 2)
        try:
            yield saved
        finally:
            try:
                sys.stderr.flush()
            except (OSError, ValueError):
                pass
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            rest = without_panics(held.read())
            while rest:
                rest = rest[os.write(2, rest):]
