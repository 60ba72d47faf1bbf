"""The user's ragtune cache folder, one definition for what keeps files there: llama.cpp's sdist for the converters
(converters/sdist.py) and a read-only home's rebuilt keyword index (lexical_cache.py); and the one guard of every
per-user folder against a user without a home (under_home, need_home: home.py's default home, default_models.py's
model cache, cache_root). Imports only errors.py: the callers sit on different floors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Callable

from .errors import InputError, RagtuneError

CACHE_ENV = "RAGTUNE_CACHE_DIR"


def under_home(find: Callable[[], Any]) -> Path | None:
    """The folder `find` names under the user's home (platformdirs', Path.home()'s: $HOME, else the user id's passwd
    entry), or None when there is no home to find: no HOME and no passwd entry (a container's user id), where
    they raise RuntimeError / KeyError (which was an internal error, exit 70)."""
    try:
        return Path(find())
    except (RuntimeError, KeyError):
        return None


def need_home(find: Callable[[], Any], what: str, hint: str, error: type[RagtuneError] = InputError) -> Path:
    """under_home's folder; no home: `error` "no WHAT: HOME is not set and this user id has no home directory",
    with `hint` naming the variable that sets the folder instead."""
    found = under_home(find)
    if found is None:
        raise error(f"no {what}: HOME is not set and this user id has no home directory", hint=hint)
    return found


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
    return need_home(lambda: Path.home() / ".cache" / "ragtune", "cache folder",
                     f"set {CACHE_ENV} (or XDG_CACHE_HOME, or HOME) to a folder this user can write")
