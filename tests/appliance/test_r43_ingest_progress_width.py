"""`ragtune ingest`'s progress line on a terminal is cut and padded by terminal columns, not characters: a CJK or
emoji file name is twice as wide as its length (the line wrapped, and each `\\r` redraw left the wrapped part on the
screen), a decomposed accent takes no column (the line was padded short, and the last draw's end stayed)."""

from __future__ import annotations

import os
import shutil
import unicodedata

import pytest

from ragtune.appliance.ingest.progress import IngestProgress
from ragtune.appliance.text import columns, padded
from ragtune.cli.ingest_cmd import _Bar

WIDTH = 100


def _cols(s: str) -> int:
    """Columns as a terminal draws them (independent of text.columns): wide 2, combining 0, the rest 1."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


@pytest.fixture
def drawn(monkeypatch, capsys):
    monkeypatch.setattr(shutil, "get_terminal_size", lambda fallback=(80, 20): os.terminal_size((WIDTH, 20)))

    def draw(path: str) -> str:
        bar = _Bar(tty=True)
        bar(IngestProgress(1, 3, 10.0, 100.0, path, "embedding", 5.0))
        err = capsys.readouterr().err
        assert err.startswith("\r") and "\n" not in err
        return err[1:]

    return draw


@pytest.mark.parametrize("name", ["雪山专业版产品说明书第二版最终稿雪山专业版产品说明书第二版最终稿.md",
                                  "📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄📄.txt",
                                  "東京本社.md"])
def test_a_wide_file_name_fills_the_line_without_wrapping(drawn, name):
    line = drawn(f"/docs/{name}")
    assert _cols(line) == WIDTH - 1  # one column short of the edge: no wrap, and all of the last draw covered
    assert name[:2] in line


def test_a_decomposed_accent_takes_no_column_so_the_padding_covers_the_last_draw(drawn):
    name = "re\u0301sume\u0301 " * 2 + ".md"  # a macOS (NFD) file name
    line = drawn(f"/docs/{name}")
    assert _cols(line) == WIDTH - 1 and name.strip() in line


def test_an_ascii_line_fills_the_line_and_a_long_one_ends_in_an_ellipsis(drawn):
    assert _cols(drawn("/docs/a.md")) == WIDTH - 1
    long = drawn("/docs/" + "x" * 200 + ".md")
    assert len(long) == WIDTH - 1 and long.endswith("x…")


def test_columns_and_padded():
    assert columns("abc") == 3 and columns("東京") == 4 and columns("e\u0301") == 1 and columns("👍🏽") == 2
    assert padded("東京", 6) == "東京  " and padded("abc", 2) == "abc" and padded("e\u0301", 3) == "e\u0301  "
