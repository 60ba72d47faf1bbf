"""Round 46, scopes fixed at their source:

- A document moved out of a team's folder by an ingest run left that folder's scope only when the run ended: the
  move bumped the index version only when it was the run's first change, so a server's scope cache (keyed by the
  version) kept the moved document in the old folder's scope. Every move now bumps it, in its transaction.
- A reference read as stored text ("/docs/eng") reached, through "REF#", every row whose path starts with it and a
  '#': another team's folder "/docs/eng#2/", a file "/docs/eng#notes.md". Only a corpus file's rows (kind "beir")
  are under "REF#" now (documents.select_documents, `docs list --under`).
- `docs remove 2024` where ./2024 is a folder and 2024 also a document id removed the one document: refused, as
  `--in` refuses it."""

from __future__ import annotations

import hashlib
import types
import unicodedata

import pytest

from ragtune.appliance.ingest import run as run_mod
from ragtune.appliance.ingest.documents import list_documents, select_documents
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main
from ragtune.serve.scopes import ScopeCache


def _note(name: str) -> str:
    return f"# {name}\n\n" + f"The {name} note is about {name} and nothing else. " * 20


# -- a move bumps the index version, every time --------------------------------------------------------------------
def test_a_move_after_the_runs_first_change_makes_the_scope_cache_miss(settings, fake, tmp_path, monkeypatch):
    root = tmp_path / "docs"
    (root / "hr").mkdir(parents=True)
    (root / "it").mkdir()
    for name in ("a", "b", "c"):
        (root / "hr" / f"{name}.md").write_text(_note(name), encoding="utf-8")
    ingest_paths(settings, [root], embedder=fake)
    hr = str(root / "hr")
    for name in ("a", "b"):  # two moved out of hr/ in one run: the second is not the run's first change
        (root / "hr" / f"{name}.md").rename(root / "it" / f"{name}.md")
    cache = ScopeCache()
    seen: list[tuple[str, list[str]]] = []
    moved_here = run_mod._Run.moved_here

    def watched(self, path, sha, kind):
        out = moved_here(self, path, sha, kind)
        # what a server resolving {"in": [hr]} right now is given (its own connection reads the same committed rows)
        ids = cache.resolve(self.store, [hr])
        seen.append((path, sorted(self.store.document(i)["path"] for i in ids)))
        return out

    monkeypatch.setattr(run_mod._Run, "moved_here", watched)
    s = ingest_paths(settings, [root], embedder=fake)
    assert len(s.renamed) == 2 and s.added == 0
    assert seen == [(str(root / "it" / "a.md"), [f"{hr}/b.md", f"{hr}/c.md"]),
                    (str(root / "it" / "b.md"), [f"{hr}/c.md"])]  # was still b.md and c.md: a cache hit
    assert cache.misses == 2 and cache.hits == 0


# -- "REF#" reaches a corpus file's rows only ------------------------------------------------------------------------
def _put(store, path, kind="md"):
    text = f"text of {path}"
    chunk = types.SimpleNamespace(ord=0, text=text, start_char=0, end_char=len(text), n_tokens=3,
                                  sha256=hashlib.sha256(text.encode()).hexdigest())
    return store.put_document(path=path, sha256=chunk.sha256, title="", kind=kind, size=0, doc_date=None,
                              ingested_at=0.0, meta="{}", chunks=[chunk], vectors=[[0.0] * 384])[0]


def _ids(docs):
    return sorted(d.id for d in docs)


def test_a_reference_as_text_reaches_no_sibling_named_with_a_hash(store):
    eng = _put(store, "/srv/docs/eng/plan.md")
    eng2 = _put(store, "/srv/docs/eng#2/plan.md")  # another team's folder
    notes = _put(store, "/srv/docs/eng#notes.md")  # a file beside the folder
    rows = [_put(store, f"/srv/corpus.jsonl#{i}", kind="beir") for i in ("r1", "r2/x")]
    md_beside = _put(store, "/srv/corpus.jsonl#readme.md")  # a file whose name starts with the corpus file's
    assert _ids(select_documents(store, ["/srv/docs/eng"], on_disk=False)) == [eng]
    assert _ids(select_documents(store, ["/srv/docs/eng#2"], on_disk=False)) == [eng2]
    assert _ids(select_documents(store, ["/srv/docs/eng#notes.md"], on_disk=False)) == [notes]
    assert _ids(select_documents(store, ["/srv/corpus.jsonl"], on_disk=False)) == rows  # its rows, "r2/x" too
    assert _ids(select_documents(store, ["/srv/corpus.jsonl#readme.md"], on_disk=False)) == [md_beside]


def test_nor_in_another_unicode_form(store):
    nfd = unicodedata.normalize("NFD", "/srv/docs/Équipe Qualité")
    mine = _put(store, nfd + "/audit.md")
    _put(store, nfd + "#archive/audit.md")
    assert _ids(select_documents(store, ["/srv/docs/Équipe Qualité"], on_disk=False)) == [mine]


def test_docs_list_under_a_file_lists_only_its_rows(settings, tmp_path):
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("{}\n")
    with Store(settings.home.db_path) as st:
        row = _put(st, f"{corpus}#d1", kind="beir")
        _put(st, f"{corpus}#notes.md")
    assert [d.id for d in list_documents(settings, under=corpus)] == [row]


# -- `docs remove 2024`: id or folder? ------------------------------------------------------------------------------
def test_docs_remove_of_a_digit_folder_that_is_also_a_document_id_is_refused(settings, fake, tmp_path, monkeypatch,
                                                                             capsys):
    legal = tmp_path / "legal"
    legal.mkdir()
    for i in range(3):
        (legal / f"doc{i}.md").write_text(_note(f"legal{i}"), encoding="utf-8")
    ingest_paths(settings, [legal], embedder=fake)
    with Store(settings.home.db_path) as st:
        ids = sorted(d["id"] for d in st.documents())
    team = tmp_path / str(ids[1])  # a team folder named like one of legal's document ids
    team.mkdir()
    (team / "plan.md").write_text(_note("plan"), encoding="utf-8")
    ingest_paths(settings, [team], embedder=fake)
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()
    for args in ([str(ids[1])], ["--dry-run", str(ids[1])]):
        assert main(["docs", "remove", *args]) == 2
        err = capsys.readouterr().err
        assert f"is both document id {ids[1]} and the folder ./{ids[1]}" in err and "Traceback" not in err
    with Store(settings.home.db_path) as st:
        assert len(st.documents()) == 4  # nothing removed
    assert main(["docs", "remove", "--dry-run", f"./{ids[1]}"]) == 0  # the folder, named as one
    assert str(team / "plan.md") in capsys.readouterr().out
    assert main(["docs", "remove", "--dry-run", str(ids[0])]) == 0  # an id with no such folder here
    assert str(legal / "doc0.md") in capsys.readouterr().out


# -- a chat scope with nothing left (tui/scopes.py Followed.filters: {"doc_ids": []}) -----------------------------
def test_a_question_within_no_document_is_refused_without_the_model(settings, fake, tmp_path):
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.retrieve import Retriever
    from tests.fakes import FakeGenerator

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "vpn.md").write_text(_note("vpn"), encoding="utf-8")
    ingest_paths(settings, [docs], embedder=fake)
    calls: list = []
    retr = Retriever(settings, embedder=fake)
    eng = AnswerEngine(settings, retriever=retr, generator=FakeGenerator([lambda m, s: calls.append(m)]),
                       store=retr.store)
    try:
        a = eng.ask("What is the vpn note about?", use_cache=False, filters={"doc_ids": []})
    finally:
        eng.close()
        retr.close()
    assert a.status == "refused" and a.refusal_reason == "no_sources" and calls == []
