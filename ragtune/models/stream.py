"""JSONL read one line at a time, with jsonl.iter_jsonl's errors (file:line, column; a byte-order mark is no
content): jsonl.iter_jsonl holds the file's bytes and their lines, 450 MB for a 97 MB query-log export (round 50).
The file stays open, so a caller can read it twice (`dataset.build_from_log`) and hash the bytes it read."""

from __future__ import annotations

from pathlib import Path
from typing import Any, BinaryIO, Iterator

from ragtune.appliance.errors import InputError, located, unreadable
from ragtune.appliance.jsonl import check_line_unicode, parse_line


def open_jsonl(path: Path) -> BinaryIO:
    try:
        return open(path, "rb")
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None


def lines(fh: Any, path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the newline) of every non-blank line, from the file's start; a leading
    byte-order mark is no content (as jsonl.iter_jsonl)."""
    fh.seek(0)
    n = 0
    while True:
        try:
            line = fh.readline()
        except OSError as exc:
            raise InputError(unreadable(path, exc)) from None
        if not line:
            return
        n += 1
        if n == 1:
            line = line.removeprefix(b"\xef\xbb\xbf")
        if line.strip():
            yield n, line.removesuffix(b"\n")


def record(line: bytes, where: str) -> Any:
    return check_line_unicode(parse_line(line.rstrip(b"\r"), where), line, where)


def records(fh: Any, path: Path) -> Iterator[tuple[str, int, Any]]:
    for n, line in lines(fh, path):
        where = located(path, n)
        yield where, n, record(line, where)


class Hashed:
    """A file read by readline, every line added to `digest`: the lineage hash of the bytes the build read."""

    def __init__(self, fh: BinaryIO, digest: Any) -> None:
        self.fh, self.digest = fh, digest

    def seek(self, pos: int) -> int:
        return self.fh.seek(pos)

    def readline(self) -> bytes:
        line = self.fh.readline()
        self.digest.update(line)
        return line
