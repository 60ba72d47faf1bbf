"""Unicode bidirectional controls (U+202A–202E, U+2066–2069, LRM/RLM, ALM) in a file name, a title, a snippet or a
logged question are shown visibly (`\\u202e`) in the CLI's human-readable lines and as U+FFFD in the TUI: a terminal
that reorders text by them would draw a listing line in another order than it is written ("Trojan Source"). Stored
text and JSON output keep the characters."""

from __future__ import annotations

import json
import re

import pytest

from ragtune.appliance.store import Store
from ragtune.appliance.text import escaped, escaped_lines, printable
from ragtune.cli import main

from .search_helpers import searchable_home
from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)
from .test_retrieve import FakeEmbedder

BIDI = ["\u061c", "\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
        "\u2069"]
RAW = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
PATH = "/d/invoice\u202efdp.exe"  # drawn as "invoiceexe.pdf" by a bidi terminal
TITLE = "Paid \u2067in full\u2069 \u202eYES"


@pytest.mark.parametrize("c", BIDI)
def test_escaped_shows_each_bidi_control_as_its_escape(c):
    assert escaped(f"a{c}b") == f"a\\u{ord(c):04x}b"
    assert escaped_lines(f"x\n{c}") == f"x\n\\u{ord(c):04x}"
    assert printable(f"a{c}b") == "a\ufffdb"  # the TUI: one character for one, offsets kept


def test_other_text_is_unchanged():
    text = ("r\u00e9sum\u00e9 \u05e9\u05dc\u05d5\u05dd \u0645\u0631\u062d\u0628\u0627 \u96ea\u5c71 "
            "\U0001f468\u200d\U0001f469")
    assert escaped(text) == text and printable(text) == text  # Hebrew, Arabic, a ZWJ sequence: text, not controls


def _bidi_home(home, monkeypatch) -> int:
    filled = searchable_home(home, monkeypatch)
    text = "Zebra invoice \u202etotal 100\u202c paid"
    store = Store(filled.db_path)
    with store.transaction():
        store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks) VALUES "
                           "(?, 'z', ?, 'md', 0, 1)", (PATH, TITLE))
        doc = store.conn.last_insert_rowid()
        store.conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                           "VALUES (?, 0, ?, 0, ?, 5, 'zz')", (doc, text, len(text)))
        store.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)",
                           (store.conn.last_insert_rowid(), FakeEmbedder().encode(["Zebra"])[0].tobytes()))
        store.bump_index_version()
    store.close()
    return doc


def test_docs_list_show_and_search_show_bidi_controls_escaped(home, monkeypatch, capsys):
    doc = _bidi_home(home, monkeypatch)
    for args in (["docs", "list"], ["docs", "show", str(doc)], ["docs", "show", str(doc), "--chunks"],
                 ["search", "zebra \u202einvoice", "--k", "1", "--mode", "bm25"]):
        assert main(args) == 0, args
        out, err = capsys.readouterr()
        assert not RAW.search(out + err), (args, out + err)
        assert "invoice\\u202efdp.exe" in out, args
    assert main(["docs", "show", str(doc)]) == 0
    out = capsys.readouterr().out
    assert "Paid \\u2067in full\\u2069 \\u202eYES" in out and "Zebra invoice \\u202etotal 100\\u202c paid" in out


def test_json_output_keeps_the_stored_characters(home, monkeypatch, capsys):
    doc = _bidi_home(home, monkeypatch)
    assert main(["docs", "show", str(doc), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["path"] == PATH and shown["title"] == TITLE and "\u202etotal" in shown["chunks"][0]["text"]
    assert main(["search", "zebra", "--k", "1", "--mode", "bm25", "--json"]) == 0
    assert PATH in capsys.readouterr().out


def test_log_list_shows_a_logged_questions_bidi_controls_escaped(fakes, capsys, home):
    assert main(["ask", "--json", "--no-cache", "When was the Eiffel Tower built?"]) == 0
    capsys.readouterr()
    store = Store(home.db_path)  # a question as a client sent it (`ask` drops format characters from its own)
    with store.transaction():
        store.conn.execute("UPDATE query_log SET query = 'When was the \u202eEiffel Tower built?'")
    store.close()
    assert main(["log", "list", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "When was the \\u202eEiffel Tower built?" in out and not RAW.search(out)
    assert main(["log", "list", "--json", "--limit", "1"]) == 0
    assert "\u202eEiffel" in json.loads(capsys.readouterr().out)["entries"][0]["query"]  # stored as asked


def test_the_tui_document_list_and_source_text_show_them_harmlessly():
    from ragtune.tui.data import DocRow, highlight
    from ragtune.tui.widgets.doclist import row_text

    line = row_text(DocRow(1, PATH, TITLE, 1, 0.0), 120).plain
    assert not RAW.search(line) and "invoice\ufffdfdp.exe" in line
    body = highlight("Zebra \u202einvoice", ["invoice"])
    assert body.plain == "Zebra \ufffdinvoice" and [body.plain[s.start:s.end] for s in body.spans] == ["invoice"]
