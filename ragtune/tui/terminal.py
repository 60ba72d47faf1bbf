"""The real terminal under the app: native code's output kept off it while the app draws (see RagtuneApp and
run_app in app.py). Kept apart from the app so that app.py holds the app."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def native_output_to(log_path: Path) -> Iterator[None]:
    """Send whatever native code writes to fd 1/2 (llama.cpp, ggml, onnxruntime) to a log file while the app
    owns the terminal; Textual keeps drawing on duplicates of the original terminal descriptors."""
    if not (sys.__stdout__ and sys.__stderr__ and sys.__stdout__.isatty() and sys.__stderr__.isatty()):
        yield
        return
    log_path.parent.mkdir(parents=True, exist_ok=True)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    old = (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)
    tty_out = os.fdopen(os.dup(1), "w", encoding="utf-8", errors="replace")
    tty_err = os.fdopen(os.dup(2), "w", encoding="utf-8", errors="replace")
    log_fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.dup2(log_fd, 1)
        os.dup2(log_fd, 2)
        sys.stdout, sys.stderr = tty_out, tty_err
        sys.__stdout__, sys.__stderr__ = tty_out, tty_err  # Textual's driver writes to sys.__stderr__
        yield
    finally:
        for f in (tty_out, tty_err):
            try:
                f.flush()
            except OSError:
                pass
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__ = old
        for fd in (*saved, log_fd):
            os.close(fd)
        tty_out.close()
        tty_err.close()
