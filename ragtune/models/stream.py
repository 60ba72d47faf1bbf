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


def lines(fh: Any, path: Path, digest: Any = None) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the newline) of every non-blank line, from the file's start; a leading
    byte-order mark is no content (as jsonl.iter_jsonl). `digest`: every byte read is added to it (the lineage
    hash of the bytes the build read). The file's own line iterator and a bound update, no strip() copy: a readline
    wrapper class cost 0.1 s a pass over a 50,000-line (122 MB) export (round 50)."""
    fh.seek(0)
    update = digest.update if digest is not None else None
    try:
        for n, line in enumerate(fh, start=1):
            if update is not None:
                update(line)
            if n == 1:
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line and not line.isspace():  # isspace: the same ASCII white space as strip(), without a copy
                yield n, line.removesuffix(b"\n")
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None


def record(line: bytes, where: str) -> Any:
    return check_line_unicode(parse_line(line.rstrip(b"\r"), where), line, where)


def records(fh: Any, path: Path, digest: Any = None) -> Iterator[tuple[str, int, Any]]:
    for n, line in lines(fh, path, digest):
        where = located(path, n)
        yield where, n, record(line, where)
