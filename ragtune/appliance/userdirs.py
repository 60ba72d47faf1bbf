"""The user's ragtune cache folder, one definition for what keeps files there: llama.cpp's sdist for the converters
(converters/sdist.py) and a read-only home's rebuilt keyword index (lexical_cache.py). No imports of the package: both
sit on different floors."""

from __future__ import annotations

import os
from pathlib import Path

CACHE_ENV = "RAGTUNE_CACHE_DIR"


def cache_root() -> Path:
    """The user's ragtune cache folder ($RAGTUNE_CACHE_DIR, else $XDG_CACHE_HOME/ragtune, else ~/.cache/ragtune):
    llama.cpp's sdist for the converters, a read-only home's rebuilt keyword index (lexical_cache)."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "ragtune"
