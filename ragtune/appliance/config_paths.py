"""Model keys whose value may be a file or folder path, and where such a path is: a relative one in config.toml is
the home's (config.py re-exports these; the loader, `config set` (config_edit.py), backup.py and refs.py read them)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from .home import Home
from .tomltext import Sourced


# Model keys whose value may be a file or folder path. A relative one is the home's (docs/store.md, "A backup works
# wherever it is put"); with each, what its resolver reads as a path even when nothing is there (rerank.py, embed.py:
# a "/" or a leading "."; refs.py: a .gguf model or adapter in a folder), so that a missing one is named in the
# home, and a registry name with a "/" in it (`models add --name org/model`) or a name ending in .gguf
# (`--name my.gguf`) that names no file is still looked up as a name.
def _slash_or_dot(ref: str) -> bool:
    return "/" in ref or ref.startswith(".")


def _gguf_in_folder(ref: str) -> bool:
    # refs.resolve_adapter and resolve_gguf_model look a .gguf that is no file up as a registry name (`models add
    # a.gguf --name my.gguf`): a bare `my.gguf` is left to them; one in a folder (`adapters/x.gguf`) is named in the
    # home, where it was meant
    return "/" in ref and ref.endswith(".gguf")


PATH_KEYS = {("embed", "model"): _slash_or_dot, ("generate", "model"): _gguf_in_folder,
             ("generate", "adapter"): _gguf_in_folder,
             ("retrieve", "rerank"): _slash_or_dot}
PATH_SUFFIXES = (".gguf", ".onnx")  # a model file's, named without a folder (`x.gguf`)
# What each key's resolver takes for its file when one is there (os.path's tests: False for a name the OS cannot
# look up): a file (refs.py), the embedder's folder (embed.py), anything for the reranker (rerank.py).
FOUND_AS = {("embed", "model"): os.path.isdir, ("generate", "model"): os.path.isfile,
            ("generate", "adapter"): os.path.isfile, ("retrieve", "rerank"): os.path.exists}


def looks_like_path(ref: str) -> bool:
    """A model key's value that reads as a file or folder path, not an id, a name, "default" or "none": a "/" in
    it, a leading "." (`./x`, `../x`), or a model file's suffix."""
    return _slash_or_dot(ref) or ref.endswith(PATH_SUFFIXES)


def _in_home(ref: str, home: Home, surely: Callable[[str], bool] = _slash_or_dot, cwd: bool = True) -> str:
    """A relative path in config.toml (`models/x.gguf`, `./rerankers/r1`, `x.gguf`) is the home's: made absolute
    against it, so the file is found wherever the home is moved or restored and whatever the working directory (a
    backup writes in-home paths so: backup.py). One only the working directory holds keeps that meaning where `cwd`
    (as before this rule); one that exists nowhere is named in the home when `surely(ref)` (the key's resolver reads
    it as a path), else left as given (a registry name). Absolute paths, ids, names, "default", "" are kept."""
    p = Path(ref).expanduser()
    if p.is_absolute():
        return ref
    mine = home.root / p
    # os.path: False, not an error, for a name the OS cannot look up (too long, a NUL): the resolver says what it is
    there, here = os.path.exists(mine), os.path.exists(p)
    if cwd:
        homes = looks_like_path(ref) and (there or not here and surely(ref))
    else:  # [retrieve] rerank: what rerank.names_folder takes for a folder, seen from the home or from here, is the
        # home's (a folder only here is named in the home, where rerank.py's error points at it)
        homes = ref.strip() not in ("", "default") and (surely(ref) or there or here)
    return (Sourced(str(mine), ref.origin) if isinstance(ref, Sourced) else str(mine)) if homes else ref


def place_in_home(path: Path | str, root: Path) -> str | None:
    """`path`'s place inside the home `root` (posix, relative), or None outside it: by name first (a link inside the
    home stays the link), else by the real path (a link elsewhere to a file of the home, a home reached through a
    link). What `config set` (config_edit.py) and a backup's copy of config.toml (backup.py) write for it."""
    for p in (Path(os.path.normpath(path)), Path(os.path.realpath(path))):
        if p != root and p.is_relative_to(root):
            return p.relative_to(root).as_posix()
    return None


def home_path_value(rel: str) -> str:
    """The home's file `rel` as config.toml names it: always read as a path, never as a registry name (`./x.gguf`
    for one at the top of the home)."""
    return rel if "/" in rel else f"./{rel}"
