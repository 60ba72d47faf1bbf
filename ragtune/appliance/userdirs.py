"""The user's ragtune cache folder, one definition for what keeps files there: llama.cpp's sdist for the converters
(converters/sdist.py) and a read-only home's rebuilt keyword index (lexical_cache.py). Imports only errors.py: both
callers sit on different floors."""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError

CACHE_ENV = "RAGTUNE_CACHE_DIR"


def cache_root() -> Path:
    """The user's ragtune cache folder ($RAGTUNE_CACHE_DIR, else $XDG_CACHE_HOME/ragtune, else ~/.cache/ragtune):
    llama.cpp's sdist for the converters, a read-only home's rebuilt keyword index (lexical_cache). A relative
    $XDG_CACHE_HOME is ignored, as the XDG spec says (it was used, so the cache went into the working folder). No
    home to be found (no HOME, a user id without a passwd entry): an InputError naming the variables."""
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser().absolute()
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    if os.path.isabs(xdg):
        return Path(xdg) / "ragtune"
    try:
        return Path.home() / ".cache" / "ragtune"
    except (RuntimeError, KeyError):  # Path.home(): no HOME and no passwd entry for this user id
        raise InputError("no cache folder: HOME is not set and this user id has no home directory",
                         hint=f"set {CACHE_ENV} (or XDG_CACHE_HOME, or HOME) to a folder this user can write") from None
