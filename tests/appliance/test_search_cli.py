"""`ragtune search` end to end over a real store (fake embedder and BM25 from test_retrieve): hostile arguments give
a clear error or one well-formed JSON object."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.store import Store
from ragtune.cli import main

from .search_helpers import searchable_home
from .test_retrieve import FakeEmbedder


@pytest.fixture
def filled(home, monkeypatch):
    return searchable_home(home, monkeypatch)


def _json(argv, capsys):
    code = main(argv)
    out = capsys.readouterr().out
    return code, json.loads(out.encode("utf-8"))  # the bytes a pipe gets: valid UTF-8, one object


def test_undecodable_argument_bytes_still_give_valid_json(filled, capsys):
    """QA: `ragtune search $'\\xed\\xa0\\x80…' --json` echoed the argument's surrogate escapes: invalid UTF-8."""
    code, obj = _json(["search", "Pa\udced\udca0\udc80ris capital", "--json"], capsys)
    assert code == 0 and obj["query"] == "Pa\ufffd\ufffd\ufffdris capital" and obj["hits"]
    code, obj = _json(["search", "\udced\udca0\udc80", "--json"], capsys)
    assert code == 2 and obj["error"]["message"] == "empty question"


@pytest.mark.parametrize("query", ['title:paris AND "unbalanced (x [a TO z] wild* ~2 ^5 +a -b \\', "🙂 Paris 巴黎",
                                   "x", "'; DROP TABLE chunks; --", "e\u0301cole\u200b\x01 bread"])
def test_hostile_queries_give_one_json_object(filled, capsys, query):
    code, obj = _json(["search", query, "--json", "--no-cache"], capsys)
    assert code == 0 and isinstance(obj["hits"], list) and obj["query"] == query


@pytest.mark.parametrize("argv", [["--k", "0"], ["--k", "7"], ["--k", "-1"], ["--k", "abc"], ["--kk", "3"],
                                  ["--mode", "hyb"]])
def test_bad_options_are_usage_errors_in_json(filled, capsys, argv):
    code, obj = _json(["search", "bread", "--json", *argv], capsys)
    assert code == 2 and obj["error"]["exit_code"] == 2


def test_the_same_query_twice_gives_the_same_order(filled, capsys):
    runs = [_json(["search", "capital of France bread", "--k", "6", "--json", "--no-cache"], capsys)[1]
            for _ in range(2)]
    assert [h["chunk_id"] for h in runs[0]["hits"]] == [h["chunk_id"] for h in runs[1]["hits"]]


def test_a_hit_whose_file_name_holds_a_newline_or_escape_stays_on_its_lines(filled, capsys):
    """A C1 control (0x9b: a one-byte CSI to some terminals) was printed raw; now escaped like ESC."""
    store = Store(filled.db_path)
    with store.transaction():
        store.conn.execute("INSERT INTO documents(path, sha256, title, kind, ingested_at, n_chunks) VALUES "
                           "(?, 'z', 'Zebra', 'md', 0, 1)", ("/d/z\x1b[31mred\nline\x9b2J.md",))
        doc = store.conn.last_insert_rowid()
        store.conn.execute("INSERT INTO chunks(doc_id, ord, text, start_char, end_char, n_tokens, sha256) "
                           "VALUES (?, 0, 'Zebra crossings are painted white.', 0, 34, 5, 'zz')", (doc,))
        store.conn.execute("INSERT INTO chunk_vec(rowid, embedding) VALUES (?, ?)",
                           (store.conn.last_insert_rowid(), FakeEmbedder().encode(["Zebra crossings"])[0].tobytes()))
        store.bump_index_version()
    store.close()
    assert main(["search", "zebra crossings", "--k", "1", "--mode", "bm25"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert "\x1b" not in out and "\x9b" not in out and len(lines) == 3  # header, the hit, its snippet
    assert "/d/z\\x1b[31mred\\nline\\x9b2J.md [chunk" in lines[1] and "Zebra crossings" in lines[2]
