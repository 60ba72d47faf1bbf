"""Progress of an eval run on stderr, with an ETA (run.py and calibrate.py report through it)."""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

# (done, total, label, eta_s); total 0: a stage without a count, its label said once as it is ("scoring …")
Progress = Callable[[int, int, str, "float | None"], None]


def stderr_progress(stream: Any = None) -> Progress:
    """Progress with ETA on stderr: a rewritten line on a terminal; otherwise a line every 5%, or sooner when
    30 s have passed since the last one (slow runs still show a heartbeat)."""
    stream = stream or sys.stderr
    tty = getattr(stream, "isatty", lambda: False)()
    state = {"last": -1, "t": 0.0}

    def fmt(s: float | None) -> str:
        if s is None:
            return "?"
        s = int(s)
        return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"

    def cb(done: int, total: int, label: str, eta: float | None) -> None:
        if total == 0:
            stream.write(("\r" + label.ljust(60) if tty else label) + "\n")
            stream.flush()
            return
        pct = 100 * done // max(total, 1)
        line = f"{label} {done}/{total} ({pct}%)" + ("" if label == "ingest" else f" ETA {fmt(eta)}")
        if tty:
            stream.write("\r" + line.ljust(60) + ("\n" if done >= total else ""))
        elif pct // 5 != state["last"] or done >= total or time.monotonic() - state["t"] >= 30:
            state["last"], state["t"] = pct // 5, time.monotonic()
            stream.write(line + "\n")
        stream.flush()

    return cb
