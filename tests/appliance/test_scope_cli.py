"""`ragtune search --in REF` and `ragtune ask --in REF` end to end over a real store and Tantivy index (fake
embedder, fake generator): REFs resolve like `docs remove`'s (ids, paths, folders, relative to the current
folder), a REF that matches nothing is exit 2 naming it, and the scope reaches retrieval."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store
from ragtune.cli import main
from tests.fakes import FakeGenerator

from .test_retrieve import FakeEmbedder
from .test_retrieve_scope import HR, QUERY, STRONG, _put

OK = {"status": "ok", "answer": "Two days of leave every month.", "citations": ["S1"]}


@pytest.fixture
def filled(home, tmp_path, monkeypatch):
    """40 distractors under DOCS/other/ outrank the 3 documents of DOCS/hr/ (folders that need not exist on disk)."""
    import ragtune.appliance.retrieve as ret_mod

    home.ensure()
    docs = tmp_path / "docs"
    store = Store(home.db_path)
    emb = FakeEmbedder()
    with store.transaction():
        for i in range(40):
            _put(store, emb, f"{docs}/other/doc{i:02d}.md", [f"{STRONG} gamma{i}"])
        hr = [_put(store, emb, f"{docs}/hr/{n}.md", [t]) for n, t in zip(("leave", "handbook", "sick"), HR)]
        store.bump_index_version()
    store.close()
    real = ret_mod.Retriever
    made = []

    def retriever(settings, *, store=None, **kw):
        made.append(real(settings.replace("retrieve", rerank="", candidates=10), store=store, embedder=FakeEmbedder(),
                         lexical=LexicalIndex(settings.home.lexical_dir)))
        return made[-1]

    monkeypatch.setattr(ret_mod, "Retriever", retriever)
    return home, docs, hr


def _run(argv, capsys):
    code = main(argv)
    cap = capsys.readouterr()
    return code, cap.out, cap.err


def test_search_in_a_folder_finds_its_documents(filled, capsys):
    home, docs, hr = filled
    code, out, _ = _run(["search", QUERY, "--json", "--no-cache"], capsys)
    assert code == 0 and not any("/hr/" in h["source"] for h in json.loads(out)["hits"])  # outranked everywhere
    code, out, _ = _run(["search", QUERY, "--json", "--no-cache", "--in", str(docs / "hr")], capsys)
    hits = json.loads(out)["hits"]
    assert code == 0 and hits and all("/hr/" in h["source"] for h in hits)
    assert hits[0]["source"].endswith("/hr/leave.md")
    code, out, err = _run(["search", QUERY, "--in", str(hr[1]), "--in", str(docs / "hr" / "sick.md")], capsys)
    assert code == 0 and "(within 2 documents)" in err
    assert "handbook.md" in out and "sick.md" in out and "leave.md" not in out


def test_a_relative_ref_is_read_from_the_current_folder(filled, capsys, monkeypatch):
    home, docs, hr = filled
    monkeypatch.chdir(docs.parent)
    code, out, _ = _run(["search", QUERY, "--json", "--no-cache", "--in", "docs/hr/"], capsys)
    assert code == 0 and {h["source"].rsplit("/", 1)[1] for h in json.loads(out)["hits"]} <= {
        "leave.md", "handbook.md", "sick.md"}


@pytest.mark.parametrize("cmd", ["search", "ask"])
def test_a_ref_that_matches_nothing_is_exit_2_naming_it(filled, capsys, cmd):
    home, docs, hr = filled
    for ref in (str(docs / "h"), "999999", "no-such-folder", "x" * 5000, "caf\udce9"):
        code, out, err = _run([cmd, QUERY, "--in", str(docs / "hr"), "--in", ref], capsys)
        assert code == 2 and "no ingested document matches" in err, (ref, err)
        assert "Traceback" not in err
    code, out, _ = _run([cmd, QUERY, "--json", "--in", str(docs / "h")], capsys)
    err = json.loads(out)["error"]
    assert code == 2 and err["exit_code"] == 2 and f"'{docs / 'h'}'" in err["message"]


def test_in_on_an_empty_home_says_nothing_is_ingested(home, capsys):
    home.ensure()
    Store(home.db_path).close()
    code, out, err = _run(["ask", QUERY, "--in", "/srv/hr"], capsys)
    assert code == 2 and "nothing is ingested yet" in err


@pytest.fixture
def asked(filled, monkeypatch):
    import ragtune.appliance.generate as gen_mod

    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([OK]))
    return filled


def test_ask_in_answers_from_the_scope(asked, capsys):
    home, docs, hr = asked
    code, out, _ = _run(["ask", QUERY, "--json", "--no-cache", "--in", str(docs / "hr")], capsys)
    j = json.loads(out)
    assert code == 0 and j["status"] == "ok" and j["citations"][0]["source"] == f"{docs}/hr/leave.md"
    with Store(home.db_path) as store:
        mine = set(store.chunk_ids_of_documents(hr))
    assert j["retrieved"] and set(j["retrieved"]) <= mine
    code, out, _ = _run(["ask", QUERY, "--no-cache", "--in", str(hr[0])], capsys)
    assert code == 0 and "within 1 document ·" in out.splitlines()[-1]
    code, out, _ = _run(["ask", QUERY, "--json", "--no-cache"], capsys)  # unscoped: the distractors are the sources
    assert json.loads(out)["retrieved"] and not set(json.loads(out)["retrieved"]) & mine


@pytest.mark.parametrize("cmd", ["search", "ask"])
def test_in_is_in_the_help(cmd, capsys):
    assert main([cmd, "--help"]) == 0
    out = capsys.readouterr().out
    assert "--in REF" in out and "folder" in out


def test_the_query_log_keeps_the_scope(asked, capsys):
    home, docs, hr = asked
    assert _run(["ask", QUERY, "--json", "--no-cache", "--in", str(docs / "hr")], capsys)[0] == 0
    assert _run(["ask", QUERY, "--json", "--no-cache"], capsys)[0] == 0
    with Store(home.db_path) as store:
        scoped, unscoped = [json.loads(t) for (t,) in store.query("SELECT timings FROM query_log ORDER BY id")]
    assert scoped["scope"] == {"documents": 3, "doc_ids": sorted(hr)}
    assert "scope" not in unscoped


def test_a_logged_scope_keeps_at_most_100_ids():
    from ragtune.appliance.querylog import SCOPE_IDS_LOGGED, log_scope

    got = log_scope({"doc_ids": list(range(5000, 0, -1)), "after": "2024-01-01", "source_prefix": None})
    assert got == {"after": "2024-01-01", "documents": 5000, "doc_ids": list(range(1, SCOPE_IDS_LOGGED + 1))}
