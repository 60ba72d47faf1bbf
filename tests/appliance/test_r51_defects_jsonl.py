"""Round 51: jsonl.iter_jsonl reads one line at a time (it held the file's bytes and their list of lines: a 300 MB
eval set took 657 MB of RSS), with every row and every message as the whole-file reader gave them."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

import pytest

from ragtune.appliance.errors import InputError, located, unreadable
from ragtune.appliance.jsonl import check_line_unicode, iter_jsonl, parse_line


def _whole_file(path):
    """The round-50 reader, kept here as the reference for rows and messages."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(unreadable(path, exc)) from None
    for n, line in enumerate(raw.removeprefix(b"\xef\xbb\xbf").split(b"\n"), start=1):
        if not line.strip():
            continue
        where = located(path, n)
        yield where, n, check_line_unicode(parse_line(line.rstrip(b"\r"), where), line, where)


def _outcome(reader, path):
    rows = []
    try:
        for row in reader(path):
            rows.append(row)
    except InputError as exc:
        return rows, exc.message
    return rows, None


CASES = {
    "plain": b'{"a": 1}\n{"a": 2}\n',
    "bom": b'\xef\xbb\xbf{"a": 1}\n{"a": 2}\n',
    "bom alone on line 1": b'\xef\xbb\xbf\n{"a": 1}\n',
    "bom on line 2 is content": b'{"a": 1}\n\xef\xbb\xbf{"a": 2}\n',
    "crlf": b'{"a": 1}\r\n\r\n{"a": "x\\r"}\r\n',
    "blank lines": b'\n  \n\t\x0b\x0c\r\n{"a": 1}\n\n',
    "no final newline": b'{"a": 1}\n{"a": 2}',
    "bad utf-8 byte on line 3": b'{"a": 1}\n{"a": 2}\n{"a": "caf\xe9"}\n{"a": 4}\n',
    "bad byte after a crlf line": b'{"a": 1}\r\n{"a": "\xff"}\r\n',
    "cut short": b'{"a": 1}\n{"a": "unfinished',
    "invalid json": b'{"a": 1}\n{"a": 1,}\n',
    "not an object is still a row": b'[1, 2]\n"s"\n',
    "lone surrogate": b'{"a": 1}\n{"m": ["x\\udce9"]}\n',
    "a huge line": b'{"a": 1}\n{"big": "' + b"x" * (3 << 20) + b'"}\n{"a": 3}\n',
    "a huge bad line": b'{"a": 1}\n{"big": "' + b"x" * (2 << 20) + b'\xc3"}\n',
    "empty file": b"",
    "nbsp is not white space": b'{"a": 1}\n\xc2\xa0\n',
    "carriage return alone does not split": b'{"a": 1}\r{"a": 2}\n',
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_rows_and_messages_are_the_whole_file_readers(tmp_path, name):
    p = tmp_path / "set.jsonl"
    p.write_bytes(CASES[name])
    assert _outcome(iter_jsonl, p) == _outcome(_whole_file, p)


def test_unreadable_paths_say_what_they_said(tmp_path):
    for p in (tmp_path / "missing.jsonl", tmp_path):
        got, want = _outcome(iter_jsonl, p), _outcome(_whole_file, p)
        assert got == want and got[1] is not None and str(p) in got[1]


def test_the_first_row_comes_without_reading_the_file(tmp_path):
    p = tmp_path / "big.jsonl"
    line = b'{"q": "' + b"w" * 200 + b'"}\n'
    p.write_bytes(line * (16 * 1024 * 1024 // len(line)))  # 16 MB
    tracemalloc.start()
    try:
        rows = iter_jsonl(p)
        assert next(rows)[1] == 1
        peak = tracemalloc.get_traced_memory()[1]
        rows.close()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024, f"peak {peak} bytes: the whole file was read"  # the old reader: ~32 MB

