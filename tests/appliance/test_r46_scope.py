"""Round 46, scopes at a company's scale: a reference names its own folder and nothing beside it.

- A server's "in" reads a reference as stored text: "/docs/eng" names the folder's documents and, were it a corpus
  file, its rows ("/docs/eng#<id>"); a sibling folder that merely starts with the same name and a '#'
  ("/docs/eng#2/") is another team's, never in that scope.
- `--in 2024` where ./2024 is a team folder and 2024 also a document id: said, never silently the one document."""

from __future__ import annotations

import hashlib
import types
import unicodedata

import pytest

from ragtune.appliance.errors import InputError, UnknownDocument
from ragtune.appliance.scope import stored_documents
from ragtune.appliance.store import Store
from ragtune.cli.scope_opt import scope_filters


def _put(store, path, kind="md"):
    text = f"text of {path}"
    chunk = types.SimpleNamespace(ord=0, text=text, start_char=0, end_char=len(text), n_tokens=3,
                                  sha256=hashlib.sha256(text.encode()).hexdigest())
    return store.put_document(path=path, sha256=chunk.sha256, title="", kind=kind, size=0, doc_date=None,
                              ingested_at=0.0, meta="{}", chunks=[chunk], vectors=[[0.0] * 384])[0]


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "t.db")
    yield s
    s.close()


def test_a_folder_reference_does_not_reach_a_sibling_named_with_a_hash(store):
    eng = _put(store, "/srv/docs/eng/plan.md")
    eng2 = _put(store, "/srv/docs/eng#2/plan.md")  # another team's folder
    eng_file = _put(store, "/srv/docs/eng#notes.md")  # a file beside the folder
    row = _put(store, "/srv/corpus.jsonl#r1", kind="beir")
    assert stored_documents(store, ["/srv/docs/eng"]) == [eng]
    assert stored_documents(store, ["/srv/docs/eng/"]) == [eng]
    assert stored_documents(store, ["/srv/docs/eng#2"]) == [eng2]
    assert stored_documents(store, ["/srv/docs/eng#notes.md"]) == [eng_file]
    assert stored_documents(store, ["/srv/corpus.jsonl"]) == [row]  # a corpus file's rows: still its own
    assert stored_documents(store, [str(eng2), "/srv/docs/eng"]) == [eng, eng2]  # an id names what it names


def test_a_reference_that_reaches_only_a_sibling_matches_nothing(store):
    _put(store, "/srv/docs/legal#old/contract.md")
    with pytest.raises(UnknownDocument) as e:
        stored_documents(store, ["/srv/docs/legal"])
    assert e.value.ref == "/srv/docs/legal"


def test_a_sibling_in_another_unicode_form_is_left_out_too(store):
    nfd = unicodedata.normalize("NFD", "/srv/docs/Équipe Qualité")
    mine = _put(store, nfd + "/audit.md")  # copied from a Mac: decomposed
    _put(store, nfd + "#archive/audit.md")
    assert stored_documents(store, ["/srv/docs/Équipe Qualité"]) == [mine]


def test_in_a_digit_folder_that_is_also_a_document_id_is_said(store, tmp_path, monkeypatch):
    ids = [_put(store, f"{tmp_path}/legal/doc{i}.md") for i in range(3)]
    (tmp_path / "2024").mkdir()
    team = _put(store, f"{tmp_path}/2024/plan.md")
    monkeypatch.chdir(tmp_path)
    (tmp_path / str(ids[1])).mkdir()  # a team folder named like document ids[1], one of legal's
    with pytest.raises(InputError) as e:
        scope_filters(store, (str(ids[1]),))
    assert f"./{ids[1]}" in e.value.hint and "folder" in e.value.message
    assert scope_filters(store, ("2024",)) == {"doc_ids": [team]}  # no document 2024: the folder, as before
    assert scope_filters(store, (str(ids[0]),)) == {"doc_ids": [ids[0]]}  # an id with no such folder here
