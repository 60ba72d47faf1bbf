"""Reading JSONL with errors a person can act on: `file:line: …` with the real line and column.

The file is read as bytes and split on newlines *before* decoding, so a non-UTF-8 byte on line N is reported on
line N (a text-mode reader decodes whole buffers and fails on an earlier line number), with the byte's column.
A line cut short (a truncated write) is reported as such, at the column where it ends."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, Iterator

from .errors import InputError, located, read_capped, unreadable


def json_key_line(text: str | None, *path: str) -> int | None:
    """The line of a key in a JSON text (1-based; nested keys are looked up after their parent's line), or None.
    Exact for files written with indent (every key on its own line, as atomic_write_json writes them)."""
    if not text:
        return None
    lines = text.splitlines()
    start, found = 0, None
    for key in path:
        pat = re.compile(r'"' + re.escape(key) + r'"\s*:')
        found = next((i for i in range(start, len(lines)) if pat.search(lines[i])), None)
        if found is None:
            return None
        start = found + 1
    return None if found is None else found + 1


def parse_line(raw: bytes, where: str) -> Any:
    """One JSONL line (bytes, without its newline) → the parsed value, or an InputError naming `where`."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where}: not UTF-8 text: byte 0x{raw[exc.start]:02x} at column {exc.start + 1}") from None
    if text.startswith("\ufeff"):  # a byte-order mark (editors on Windows) is not an error
        text = text[1:]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        end = len(text.rstrip())
        if exc.pos >= end or exc.msg.startswith("Unterminated string"):
            msg = exc.msg[:-3] if exc.msg.endswith(" at") else exc.msg  # "Unterminated string starting at"
            raise InputError(f"{where}: truncated JSON: the line ends at column {end + 1} before the value is "
                             f"closed ({msg} at column {exc.colno})") from None
        raise InputError(f"{where}: invalid JSON at column {exc.colno}: {exc.msg}") from None
    except RecursionError:  # a value nested thousands deep ([[[[…): json gives up with Python's recursion limit
        raise InputError(f"{where}: invalid JSON: nested too deeply") from None


def expect_object(obj: Any, where: str) -> dict[str, Any]:
    """`obj` when it is a JSON object (a dict), else an InputError naming `where` and what it is instead: the one
    check every reader of JSON objects and JSONL rows makes."""
    if not isinstance(obj, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(obj).__name__}")
    return obj


MAX_OBJECT_BYTES = 64 << 20  # configs, manifests and reports: the largest eval report is a few MB


def read_json_object(path: Path | str) -> dict[str, Any]:
    """A JSON file that must hold one object (a config, a manifest, a report) → the dict, or an InputError naming
    the file, and the line where the JSON breaks."""
    return read_json_object_text(path)[0]


def read_json_object_text(path: Path | str) -> tuple[dict[str, Any], str]:
    """`read_json_object` and the file's text, read once (for errors that name a key's line: json_key_line)."""
    path = Path(path)
    try:
        text = read_capped(path, MAX_OBJECT_BYTES).decode("utf-8").removeprefix("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(unreadable(path, exc)) from None
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = exc.msg.removesuffix(" at")  # "Unterminated string starting at": the column says where
        raise InputError(f"{located(path, exc.lineno)}: invalid JSON at column {exc.colno}: {msg}") from None
    except RecursionError:
        raise InputError(f"{located(path)}: invalid JSON: nested too deeply") from None
    return expect_object(obj, located(path)), text


def iter_jsonl(path: Path | str) -> Iterator[tuple[str, int, Any]]:
    """(`file:line`, line number, parsed object) for every non-blank line of a JSONL file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None
    for n, line in enumerate(raw.split(b"\n"), start=1):
        if not line.strip():
            continue
        where = located(path, n)
        yield where, n, parse_line(line.rstrip(b"\r"), where)
