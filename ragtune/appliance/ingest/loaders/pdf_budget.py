"""A wall-time budget for one PDF's parse. pypdf is pure Python and slow on a pathological file (a page whose
content stream holds millions of operators: 12 s for 1.4 MB here, so a 50 MB one holds an ingest for half an hour;
forms nested deep) and parses a page's whole stream before any visitor of ours runs, so a check between pages or
operators cannot stop it. The budget interrupts the parsing thread itself: a timer thread raises `Overrun` in it
(CPython's PyThreadState_SetAsyncExc), at its next bytecode, wherever pypdf is. `Overrun` is a BaseException so no
`except Exception` of pypdf's or ours swallows it; load_pdf turns it into a LoadError (the file fails with a
reason, the ingest goes on). Code that must not be interrupted halfway (the ingest's progress beat, which takes a
lock and may stop the run) runs under `outside()`: an expiry meanwhile raises when it is over."""

from __future__ import annotations

import ctypes
import sys
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Iterator

# seconds one PDF may take to read (an 800-page report takes ~20 s on 2 cores); 0 or less: no limit. The ingest
# pipeline can set PDF_SECONDS for a run (a setting such as `[ingest] pdf_seconds` would be read into it).
PDF_SECONDS_DEFAULT = 300.0
PDF_SECONDS: ContextVar[float] = ContextVar("pdf_seconds", default=PDF_SECONDS_DEFAULT)

_set_async_exc = getattr(getattr(ctypes, "pythonapi", None), "PyThreadState_SetAsyncExc", None)


_RESEND_S = 0.25


class Overrun(BaseException):
    """The PDF's budget ran out (raised in the parsing thread by the timer)."""


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

    def _send(self, exc: Any) -> None:
        if _set_async_exc is not None:
            _set_async_exc(ctypes.c_ulong(self._tid), exc)

    def _fire(self) -> None:
        with self._lock:
            self._expired = True
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


def budget() -> Budget:
    try:
        seconds = float(PDF_SECONDS.get())
    except (TypeError, ValueError):
        seconds = PDF_SECONDS_DEFAULT
    return Budget(seconds)
