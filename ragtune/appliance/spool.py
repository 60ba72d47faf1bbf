"""A pipe given where a file of lines is read (`eval run <(grep … set.jsonl)`, `dataset build --qa <(…)`,
`… /dev/stdin`): read once, to its end, into a private temporary file that the command then reads like any other
file. A pipe can be read only once, and the readers read their file more than once (its lines, then its sha256 for
the record; a BEIR corpus is validated, then streamed), so the spool is a file from the first byte: a path is what
they take. Bounded: a pipe that holds more than MAX_MB (`<(yes)`, a wrong command) is an InputError once that much
has been read, never a full disk. Devices and sockets are not pipes: is_pipe says no to them.

A record names the input as the user gave it, never the spool (a dataset_config.json, an eval report or a training
config naming /tmp/ragtune-pipe-…/63 says nothing once the command has ended): `original` gives that name,
`shown_name` the label records use ("/dev/fd/63 (a pipe)"). So does an error message: every RagtuneError's text goes
through `named` as it is made (errors.py), whichever reader built it ("/dev/fd/63 (a pipe):3: …", never the spool's
path). What is read, and every sha256, is the spool's: the pipe's bytes."""

from __future__ import annotations

import os
import re
import stat
import tempfile
from pathlib import Path
from typing import Callable

from .errors import InputError

MAX_MB = 256  # a training or evaluation JSONL is a few MB; more through a pipe is almost surely a mistake
_BLOCK = 1 << 20
_LIVE: list[tempfile.TemporaryDirectory] = []  # spools not removed yet: kept until then (at the latest, at exit)
_GIVEN: dict[str, str] = {}  # spool file (as returned, and resolved) -> the pipe's path as the user gave it
PREFIX = "ragtune-pipe-"  # of a spool's folder: a text without it names no spool


def is_pipe(path: Path | str) -> bool:
    """A FIFO, followed through links: a named pipe, `/dev/fd/63` of a process substitution, /dev/stdin fed by `|`."""
    try:
        return stat.S_ISFIFO(os.stat(path).st_mode)
    except OSError:
        return False


def spool_pipe(path: Path | str, name: str, *, max_mb: float | None = None) -> tuple[Path, Callable[[], None]]:
    """Read the pipe at `path` to its end into a new private temporary folder; returns the file (it keeps the pipe's
    own name: a message that names it still says which input it was) and the function that removes the folder.
    `name`: how a message names the input ("--qa /dev/fd/63"). Over `max_mb` (default MAX_MB), or unreadable: an
    InputError, and nothing is left behind."""
    from .text import human_size

    folder = tempfile.TemporaryDirectory(prefix=PREFIX)  # mode 0700: private
    own = Path(path).name
    dest = Path(folder.name) / (own if own not in ("", ".", "..") else "pipe")
    limit = int((MAX_MB if max_mb is None else max_mb) * 1024 * 1024)
    try:
        with open(path, "rb") as src, open(dest, "xb") as out:
            n = 0
            while block := src.read(_BLOCK):
                n += len(block)
                if n > limit:
                    raise InputError(f"{name}: a pipe larger than {human_size(limit)}: not read further",
                                     hint="write it to a file and give that file's path")
                out.write(block)
    except OSError as exc:
        folder.cleanup()
        raise InputError(f"{name}: cannot copy the pipe into {dest.parent}: {exc.strerror or exc}") from None
    except BaseException:
        folder.cleanup()
        raise
    _LIVE.append(folder)
    keys = {str(dest), os.path.realpath(dest)}
    given = os.path.abspath(path)  # not resolved: /dev/fd/63 -> /proc/self/fd/63 -> pipe:[…] would say nothing
    for key in keys:
        _GIVEN[key] = given

    def remove() -> None:
        if folder in _LIVE:
            _LIVE.remove(folder)
        for key in keys:
            _GIVEN.pop(key, None)
        folder.cleanup()

    return dest, remove


def original(path: Path | str) -> str | None:
    """The pipe's path as the user gave it ("/dev/fd/63") when `path` is a live spool file, else None."""
    if not _GIVEN:
        return None
    if str(path) in _GIVEN:
        return _GIVEN[str(path)]
    try:
        return _GIVEN.get(os.path.realpath(path))
    except (OSError, ValueError):  # a name no file can have (a NUL byte): not a spool either
        return None


def shown_name(path: Path | str, default: str | None = None) -> str:
    """How a record names the input at `path`: "/dev/fd/63 (a pipe)" for a spool file, else `default` (the
    record's own form of a file's path, e.g. resolved), or the path as it is."""
    given = original(path)
    if given is not None:
        return f"{given} (a pipe)"
    return str(path) if default is None else default


# a spool's path ends where no longer path goes on: "…/63:3:", "…/63 (", "'…/63'", "…/63." ending a sentence
_NAME_GOES_ON = r"(?![\w/~-]|\.\w)"


def named(text: str) -> str:
    """`text` (an error message, its hint) with each live spool's path, as it is or `escaped`, written as the pipe's
    shown name: "/tmp/ragtune-pipe-…/63:3: not JSON" -> "/dev/fd/63 (a pipe):3: not JSON"."""
    if not _GIVEN or PREFIX not in text:
        return text
    from .text import escaped

    table: dict[str, str] = {}
    for key, given in _GIVEN.items():
        shown = f"{given} (a pipe)"
        table[key], table[escaped(key)] = shown, escaped(shown)
    keys = sorted(table, key=len, reverse=True)  # the longest first: a resolved path may extend another
    pattern = re.compile("(?:" + "|".join(map(re.escape, keys)) + ")" + _NAME_GOES_ON)
    return pattern.sub(lambda m: table[m.group()], text)
