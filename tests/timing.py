"""CPU-time helpers for the tests that check a stage stays linear (CPU time: a busy CI box adds none)."""

from __future__ import annotations

import time
from typing import Any, Callable


def best_cpu(fn: Callable[..., Any], *args: Any, tries: int = 3) -> float:
    """The least CPU time of `tries` calls of fn(*args), in seconds."""
    best = float("inf")
    for _ in range(tries):
        t = time.process_time()
        fn(*args)
        best = min(best, time.process_time() - t)
    return best


def grows_linearly(fn: Callable[[str], Any], make: Callable[[int], str], small: int, large: int) -> bool:
    """Whether fn on make(large) costs at most 6x (+50 ms) what it costs on make(small): large is 4x small, so a
    quadratic stage (16x) fails and a linear one passes however busy the box."""
    return best_cpu(fn, make(large)) < 6 * best_cpu(fn, make(small)) + 0.05
