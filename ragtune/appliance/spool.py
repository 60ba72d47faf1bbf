"""A pipe given where a file of lines is read (`eval run <(grep … set.jsonl)`, `dataset build --qa <(…)`,
`… /dev/stdin`): read once, to its end, into a private temporary file that the command then reads like any other
file. A pipe can be read only once, and the readers read their file more than once (its lines, then its sha256 for
the record; a BEIR corpus is validated, then streamed), so the spool is a file from the first byte: a path is what
they take. Bounded: a pipe that holds more than MAX_MB (`<(yes)`, a wrong command) is an InputError once that much
has been read, never a full disk. Devices and sockets are not pipes: is_pipe says no to them."""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path
from typing import Callable

from .errors import InputError

MAX_MB = 256  # a training or evaluation JSONL is a few MB; more through a pipe is almost surely a mistake
_BLOCK = 1 << 20
_LIVE: list[tempfile.TemporaryDirectory] = []  # spools not removed yet: kept until then (at the latest, at exit)


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

    folder = tempfile.TemporaryDirectory(prefix="ragtune-pipe-")  # mode 0700: private
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

    def remove() -> None:
        if folder in _LIVE:
            _LIVE.remove(folder)
        folder.cleanup()

    return dest, remove
