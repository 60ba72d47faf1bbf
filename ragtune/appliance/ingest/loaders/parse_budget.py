"""A wall-time budget for one file's parse (round 49: PDFs first, then HTML and DOCX on the same budget). pypdf is
pure Python and slow on a pathological file (a page whose content stream holds millions of operators: 12 s for 1.4 MB
here, so a 50 MB one holds an ingest for half an hour; forms nested deep) and parses a page's whole stream before any
visitor of ours runs, so a check between pages or operators cannot stop it; html.parser and python-docx take minutes
on a page or body of millions of elements the same way. The budget interrupts the parsing thread itself: a timer
thread raises `Overrun` in it (CPython's PyThreadState_SetAsyncExc), at its next bytecode, wherever the parser is.
`Overrun` is a BaseException so no `except Exception` of a library's or ours swallows it; `budgeted` turns it
into a LoadError (the file fails with a reason, the ingest goes on). Code that must not be interrupted halfway (the
ingest's progress beat, which takes a lock and may stop the run) runs under `outside()` (`guarded` wraps a beat so):
an expiry meanwhile raises when it is over."""

from __future__ import annotations

import ctypes
import functools
import re
import sys
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Callable, Iterator, TypeVar

from .base import LoadError

# Seconds one file may take to read (an 800-page PDF report takes ~20 s on 2 cores); 0 or less: no limit. One budget
# for every loader that takes one (PDF, HTML, DOCX). An ingest sets PARSE_SECONDS from `[ingest] parse_seconds` for
# its run (pipeline.ingest_paths), unless its caller set it already (a library caller's or a test's override); a
# load outside an ingest (`load_file`) with it unset gets PARSE_SECONDS_DEFAULT, the setting's default.
PARSE_SECONDS_DEFAULT = 300.0
PARSE_SECONDS: ContextVar[float] = ContextVar("parse_seconds")  # no default: "set by a caller" is told by get(None)
T = TypeVar("T")

_set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)


_RESEND_S = 0.25


class Overrun(BaseException):
    """The file's budget ran out (raised in the parsing thread by the timer)."""


def _quiet_overrun(hook: Any) -> Any:
    """sys.unraisablehook that drops an Overrun raised inside a finaliser (Python would print it on stderr like a
    traceback: the resend below does the work) and gives anything else to the hook it wraps."""
    def unraisable(info: Any) -> None:
        if not isinstance(getattr(info, "exc_value", None), Overrun):
            hook(info)
    unraisable._pdf_budget = True  # type: ignore[attr-defined]
    return unraisable


if not getattr(sys.unraisablehook, "_pdf_budget", False):
    sys.unraisablehook = _quiet_overrun(sys.unraisablehook)


class Budget:
    def __init__(self, seconds: float):
        self.seconds = seconds
        self._tid = threading.get_ident()
        self._lock = threading.Lock()
        self._live = False  # the parse is running (not paused, not over): an expiry interrupts it
        self._expired = False
        self._pending = False  # Overrun was sent and may not have been raised yet
        self._timer: threading.Timer | None = None
        self._frame: Any = None  # the `budgeted` frame the parse runs under (None: a bare `with Budget(...)`)

    def _send(self, exc: Any) -> None:
        if _set_async_exc is not None:
            _set_async_exc(ctypes.c_ulong(self._tid), exc)

    def _inside(self) -> bool:
        """The parsing thread is still inside the parse this budget guards (the `budgeted` frame is on its stack).
        Not `_live` alone: an Overrun raised in `__exit__` itself, before `_stop` ran, leaves `_live` set after the
        parse is over, and the resends then went off in whatever the thread ran next (CI: pytest's own code)."""
        if self._frame is None:
            return True
        f = sys._current_frames().get(self._tid)
        while f is not None and f is not self._frame:
            f = f.f_back
        return f is not None

    def _fire(self) -> None:
        with self._lock:
            self._expired = True
            if self._live and not self._inside():
                self._live = False  # over (its exit was cut short): nothing to interrupt, nothing to resend
            if self._live:
                self._pending = True
                self._send(ctypes.py_object(Overrun))
                # sent again while the parse goes on: one raised inside a finaliser (a weakref callback the GC runs
                # mid-parse) is printed and dropped by Python, not propagated
                self._timer = threading.Timer(_RESEND_S, self._fire)
                self._timer.daemon = True
                self._timer.start()

    def _stop(self) -> None:
        """No interruption from here on: a sent one not yet raised is taken back (it would go off in the caller)."""
        with self._lock:
            self._live = False
            if self._pending:
                self._send(None)
                self._pending = False

    def __enter__(self) -> Budget:
        if self.seconds > 0 and _set_async_exc is not None:
            self._live = True
            self._timer = threading.Timer(self.seconds, self._fire)
            self._timer.daemon = True
            self._timer.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop()
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()

    @contextmanager
    def outside(self) -> Iterator[None]:
        """A stretch not to interrupt halfway: an expiry before or during it raises Overrun at its end."""
        if self._timer is None:
            yield
            return
        self._stop()
        if self._expired:
            raise Overrun
        yield
        with self._lock:
            self._live = not self._expired
        if self._expired:
            raise Overrun


def limit() -> float:
    """The seconds a parse started here may take (PARSE_SECONDS, else the default); 0 or less: no limit."""
    try:
        return float(PARSE_SECONDS.get(PARSE_SECONDS_DEFAULT))
    except (TypeError, ValueError):
        return PARSE_SECONDS_DEFAULT


def budget() -> Budget:
    return Budget(limit())


# The start of the reason `budgeted` gives a file over its budget, "PDF took over 300 s to read (…": failures.py
# remembers the reason with the file's bytes, so the limit it ran under is read back from it (outgrown).
_OVER_AT = re.compile(r"\w+ took over ([0-9][0-9.e+-]*) s to read \(")


def timed_out_after(reason: str) -> float | None:
    """The limit a remembered failure `reason` ran out of when it is a budget's ("PDF took over 300 s to read (…");
    None for any other reason."""
    m = _OVER_AT.match(reason or "")
    try:
        return float(m.group(1)) if m else None
    except ValueError:
        return None


def outgrown(reason: str) -> bool:
    """A remembered timeout that the limit in effect now no longer imposes: raised since (or made none), so the file
    is read again rather than listed as still unreadable. Compared as the reason writes seconds (`:g`), so a limit
    left as it was never counts as raised."""
    before = timed_out_after(reason)
    if before is None:
        return False
    now = limit()
    return now <= 0 or float(f"{now:g}") > before


# the budget of the parse running in this context (budgeted): `guarded` finds it there
_CURRENT: ContextVar[Budget | None] = ContextVar("parse_budget", default=None)


def guarded(beat: Callable[[float], None] | None) -> Callable[[float], None] | None:
    """The ingest's progress `beat` run under `outside()` of the budget of the parse running here (`budgeted`):
    never interrupted halfway. None stays None; no budget: `beat` as it is."""
    bud = _CURRENT.get()
    if beat is None or bud is None:
        return beat

    def inside(fraction: float) -> None:
        with bud.outside():
            beat(fraction)
    return inside


def budgeted(what: str, why: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """A loader `load(path, raw)` run within the budget: a file that takes longer is a LoadError "WHAT took over N s
    to read (WHY?): not ingested", and the ingest goes on with the next. Its beat: wrapped with `guarded`."""
    def wrap(load: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(load)
        def within(*args: Any, **kwargs: Any) -> T:
            bud = budget()
            bud._frame = sys._getframe()
            token = _CURRENT.set(bud)
            try:
                with bud:
                    return load(*args, **kwargs)
            except Overrun:
                # the limit in the reason is read back by timed_out_after (_OVER_AT): keep the two in step
                raise LoadError(f"{what} took over {bud.seconds:g} s to read ({why}?): not ingested "
                                "(docs/ingest.md)") from None
            finally:
                bud.__exit__()  # again: an Overrun can cut the with's own exit short (idempotent)
                _CURRENT.reset(token)
        return within
    return wrap
