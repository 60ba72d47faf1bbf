"""A symbol whose compatibility form is letters ("™" -> "TM", "℠" -> "SM", "㎏" -> "kg") must not glue onto the word
beside it when text is read in NFKC (round 43 review): "Widget™" was indexed as "widgettm", so a keyword search for
"widget" no longer found a chunk naming only "Widget™" (it did before NFKC), and its content words lost "widget"."""

from __future__ import annotations

from ragtune.appliance.lexical import LexicalIndex, query_terms, search_form
from ragtune.appliance.text import content_words


def test_search_form_keeps_a_trademark_apart_from_its_word():
    assert search_form("Widget\u2122 Pro").split()[:2] == ["Widget", "TM"]
    assert "widget" in query_terms("Widget\u2122")
    assert search_form("plain ascii") == "plain ascii"  # ASCII untouched
    assert search_form("caf\u00e9 \u201cquoted\u201d") == "caf\u00e9 \u201cquoted\u201d"  # other symbols as before
    assert search_form("\ufb01nance") == "finance"  # a ligature is a letter: still one word
    # a Kangxi radical a PDF gave for the ideograph it looks like stays in its run (read as pairs)
    assert "\u65e5\u672c" in query_terms("\u2f47\u672c")


def test_keyword_search_finds_a_word_marked_with_a_trademark(tmp_path):
    ix = LexicalIndex(tmp_path / "ix")
    with ix.writer() as w:
        w.add(1, 1, "Catalogue", "The Widget\u2122 costs 12 dollars; the Acme\u2120 bag holds 10\u338f")
        w.finish(1)
    ix.reload()
    assert [c for c, _ in ix.search("widget price", 5)] == [1]
    assert [c for c, _ in ix.search("acme", 5)] == [1]
    assert [c for c, _ in ix.search("kg", 5)] == [1]


def test_content_words_keep_a_trademarked_word():
    assert content_words("The Widget\u2122 costs 12 dollars")[:2] == ["widget", "tm"]
    assert content_words("\u201cWidget\u201d costs") == ["widget", "costs"]
