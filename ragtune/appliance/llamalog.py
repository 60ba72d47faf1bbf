"""llama.cpp's own logging, routed to the Python logger "ragtune.llama" (never to stdout/stderr, which would
scribble over the TUI), the last errors kept for our messages, and fd-2 capture around native calls that print
directly (llama.cpp's grammar parser)."""

from __future__ import annotations

import collections
import ctypes
import logging
import threading
from typing import Any

log = logging.getLogger("ragtune.llama")
log.addHandler(logging.NullHandler())  # no handler configured => dropped, not printed by logging's lastResort

# -- llama.cpp logging -> Python logging ----------------------------------------------------------------
# ggml_log_level: NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5 (continuation of the previous line)
_LEVELS = {0: logging.DEBUG, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
# Warnings llama.cpp prints on every load that say nothing about this load (an app logging at WARNING saw one per
# model load): a GGUF whose training context is not recorded (0) "overflows" it at any n_ctx.
_NOT_WARNINGS = ("n_ctx_train (0)",)
_recent_errors: collections.deque[str] = collections.deque(maxlen=8)  # quoted in our error messages
_log_state = {"installed": False, "last": logging.DEBUG, "cb": None}
_log_lock = threading.Lock()


def level_of(level: int, msg: str) -> int:
    """The Python level of one llama.cpp log line (ggml_log_level `level`)."""
    lvl = _LEVELS.get(level, logging.DEBUG)
    return logging.DEBUG if lvl == logging.WARNING and any(p in msg for p in _NOT_WARNINGS) else lvl


def _install_log_callback(llama_cpp: Any) -> None:
    """Route llama.cpp/ggml logging to the "ragtune.llama" logger (llama-cpp-python's own handler prints to
    stderr, which would scribble over the TUI)."""
    with _log_lock:
        if _log_state["installed"]:
            return

        @llama_cpp.llama_log_callback
        def _cb(level: int, text: bytes, user_data: Any) -> None:  # runs on llama.cpp threads: keep it tiny
            try:
                msg = text.decode("utf-8", "replace").rstrip("\n")
                lvl = _log_state["last"] if level == 5 else level_of(level, msg)
                _log_state["last"] = lvl
                if lvl >= logging.WARNING or log.isEnabledFor(lvl):
                    if lvl >= logging.ERROR:
                        _recent_errors.append(msg)
                    log.log(lvl, "%s", msg)
            except Exception:  # never raise into C
                pass

        _log_state["cb"] = _cb  # keep a reference: ctypes callbacks must outlive their registration
        llama_cpp.llama_log_set(_cb, ctypes.c_void_p(0))
        _log_state["installed"] = True


def llama_cpp_module() -> Any:
    import llama_cpp  # heavy native import, only when a real model is needed

    _install_log_callback(llama_cpp)
    keep_devnull_open()
    return llama_cpp


def keep_devnull_open() -> None:
    """llama-cpp-python opens /dev/null twice at import (`llama_cpp._utils.outnull_file`, `errnull_file`: what its
    `suppress_stdout_stderr` puts over fds 1 and 2 inside `Llama(...)`) and never closes them: every process that
    imported it ended with two `ResourceWarning: unclosed file <_io.TextIOWrapper name='/dev/null'>` (an error under
    `-W error::ResourceWarning`). Each is replaced by one on a descriptor that is not closed by design (closefd=False:
    no warning when it is collected; the process's exit closes it), the originals closed: a model freed late in the
    interpreter's teardown still finds them open. Nothing when llama_cpp._utils is not imported, or done already."""
    import os
    import sys

    utils = sys.modules.get("llama_cpp._utils")
    for name in ("outnull_file", "errnull_file"):
        old = getattr(utils, name, None)
        raw = getattr(getattr(old, "buffer", None), "raw", None)
        if old is None or raw is None or not getattr(raw, "closefd", False):
            continue  # another shape of the module, or ours already
        with _fd2_lock:  # not while a load has it over fd 1/2 (fd_guard)
            setattr(utils, name, open(os.open(os.devnull, os.O_WRONLY), "w", closefd=False))
            old.close()


def recent_error_text() -> str:
    return "; ".join(list(_recent_errors)[-3:])


_fd2_lock = threading.Lock()


def fd_guard() -> threading.Lock:
    """The lock every swap of fds 1/2 takes: ours (CaptureStderr) and llama-cpp-python's
    `suppress_stdout_stderr` inside `Llama(...)`, which dup2s /dev/null over both and restores what it saved.
    Two model loads at once (engines built lazily by `eval run --concurrency 2` threads) saved each other's
    /dev/null and left the process writing stdout and stderr to /dev/null for good (progress lines vanished)."""
    return _fd2_lock


class CaptureStderr:
    """Capture fd 2 around a native call that prints with fprintf (llama.cpp's grammar parser does), so the
    message lands in our error instead of on the terminal. fd 2 is the process's: one capture at a time (two
    overlapping ones, e.g. `eval run --concurrency 2`, restored out of order and left fd 2 on a temporary file,
    so every later stderr line was lost)."""

    def __enter__(self) -> "CaptureStderr":
        import os
        import sys
        import tempfile

        self.text = ""
        self._saved, self._tmp = None, None
        _fd2_lock.acquire()
        try:
            if sys.stderr is not None:  # None under pythonw, in a daemon, for a library user who set it so
                sys.stderr.flush()
            self._tmp = tempfile.TemporaryFile()
            self._saved = os.dup(2)
            os.dup2(self._tmp.fileno(), 2)
        except (OSError, ValueError):  # no fd 2 (closed): nothing captured, the call runs as it would
            if self._saved is not None:
                os.close(self._saved)
                self._saved = None
            if self._tmp is not None:
                self._tmp.close()
        except BaseException:  # __exit__ is not called when __enter__ raises: the lock must not stay held
            _fd2_lock.release()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        import os

        try:
            if self._saved is None:
                return
            os.dup2(self._saved, 2)
            os.close(self._saved)
            self._tmp.seek(0)
            self.text = self._tmp.read().decode("utf-8", "replace").strip()
            self._tmp.close()
        finally:
            _fd2_lock.release()
