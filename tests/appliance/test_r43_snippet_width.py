"""Snippets in `ragtune search` and `docs show` cut to terminal columns (round 43): a Chinese snippet of 160
characters took 320 columns, and a cut could part an emoji from its skin tone or joined family members, or a letter
from its accent. ASCII snippets are cut as before."""

from __future__ import annotations

import unicodedata

import pytest

from ragtune.appliance.store import Store
from ragtune.appliance.text import clipped
from ragtune.cli import main

from .search_helpers import searchable_home
from .test_retrieve import FakeEmbedder


def _columns(s: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 0 if unicodedata.combining(c) else 1 for c in s)


def test_ascii_is_cut_as_before():
    text = "x" * 200
    assert clipped(text, 160) == text[:160] + "\u2026" and clipped("short", 160) == "short"
    assert clipped("y" * 160, 160) == "y" * 160


def test_wide_characters_count_two_columns():
    cjk = "\u96ea\u5c71 Pro \u6771\u4eac Sync " * 30
    out = clipped(cjk, 40)
    assert out.endswith("\u2026") and _columns(out[:-1]) <= 40 and _columns(out[:-1]) >= 38
    assert clipped("\u96ea\u5c71", 4) == "\u96ea\u5c71"  # exactly the width: not cut


@pytest.mark.parametrize("piece", ["\U0001f44d\U0001f3fd",  # thumbs up, medium skin tone
                                   "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # family: joined by ZWJs
                                   "\U0001f1e8\U0001f1ed",  # the Swiss flag: two regional indicators
                                   "\u2764\ufe0f",  # heart with its emoji presentation selector
                                   "e\u0301\u0327"])  # a letter with two combining marks
def test_a_cut_never_parts_what_is_drawn_as_one(piece):
    for width in range(1, 12):
        out = clipped("abc " + piece * 6, width)
        body = out[:-1] if out.endswith("\u2026") else out
        assert (body[4:].count(piece) * len(piece)) == len(body) - 4 or len(body) <= 4, (width, out)


def test_search_snippet_of_chinese_text_fits_160_columns(home, monkeypatch, capsys):
    filled = searchable_home(home, monkeypatch)
    text = "\u96ea\u5c71\u516c\u53f8\u7684\u4ea7\u54c1\u4ef7\u683c\u8868" * 40 + " Zebra"
    store = Store(filled.db_path)
    with store.transaction():
        store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks) VALUES "
                           "('/d/\u4ef7\u683c.md', 'z', '\u4ef7\u683c', 'md', 0, 1)")
        doc = store.conn.last_insert_rowid()
        store.conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                           "VALUES (?, 0, ?, 0, ?, 5, 'zz')", (doc, text, len(text)))
        store.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)",
                           (store.conn.last_insert_rowid(), FakeEmbedder().encode(["Zebra"])[0].tobytes()))
        store.bump_index_version()
    store.close()
    assert main(["search", "zebra", "--k", "1", "--mode", "bm25"]) == 0
    snippet = capsys.readouterr().out.splitlines()[2]
    assert snippet.startswith("    \u96ea\u5c71") and snippet.endswith("\u2026")
    assert 158 <= _columns(snippet[4:-1]) <= 160  # was 160 characters: 320 columns
