"""/v1/ask's "in" (and the same top-level field of /v1/chat/completions): the documents to answer from, as
references the store knows; validated like every other field, resolved against the store only, and handed to
retrieval as a scope."""

from __future__ import annotations

import hashlib
import types

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.scope import MAX_REF_CHARS, MAX_REFS, stored_documents
from ragtune.appliance.store import open_store
from ragtune.serve.server import make_app
from tests.serve.helpers import FakeRetriever, TaggingGenerator, serve_settings


class ScopeRetriever(FakeRetriever):
    """The helpers' retriever, remembering the filters each question came with."""

    def __init__(self, seen):
        super().__init__()
        self.seen = seen

    def retrieve(self, query, **kw):
        self.seen.append(kw.get("filters"))
        return super().retrieve(query, **kw)


def _ingest(home, paths):
    with open_store(home) as s:
        ids = []
        for p in paths:
            chunk = types.SimpleNamespace(ord=0, text=f"text of {p}", start_char=0, end_char=10, n_tokens=3,
                                          sha256=hashlib.sha256(p.encode()).hexdigest())
            kind = "beir" if "#" in p else "md"  # a corpus file's row, as ingest stores it
            ids.append(s.put_document(path=p, sha256=chunk.sha256, title="", kind=kind, size=0, doc_date=None,
                                      ingested_at=0.0, meta="{}", chunks=[chunk], vectors=[[0.0] * 384])[0])
        s.bump_index_version()
    return ids


@pytest.fixture
def served(home):
    home.ensure()
    seen: list = []

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=ScopeRetriever(seen), generator=TaggingGenerator({}))
                   for _ in range(n)]
        return engines, engines

    app = make_app(serve_settings(home), engine_factory=factory, workers=1)
    with TestClient(app) as c:
        c.seen = seen
        yield c


def _ask(client, **body):
    return client.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", **body})


def test_in_scopes_the_answer_to_those_documents(served, home):
    ids = _ingest(home, ["/srv/docs/hr/leave.md", "/srv/docs/hr/pay.md", "/srv/docs/it/vpn.md",
                         "/srv/corpus.jsonl#r1"])
    r = _ask(served, **{"in": ["/srv/docs/hr"]})
    assert r.status_code == 200, r.text
    assert served.seen[-1] == {"doc_ids": ids[:2]}
    r = _ask(served, **{"in": [str(ids[2]), "/srv/docs/hr/pay.md", "/srv/corpus.jsonl"]})
    assert r.status_code == 200 and served.seen[-1] == {"doc_ids": sorted([ids[1], ids[2], ids[3]])}
    assert _ask(served, **{"in": None}).status_code == 200 and served.seen[-1] is None  # null: every document
    assert _ask(served).status_code == 200 and served.seen[-1] is None


def test_a_reference_to_no_document_is_a_clear_400(served, home):
    _ingest(home, ["/srv/docs/hr/leave.md"])
    n = len(served.seen)
    for ref in ("/srv/docs/h", "docs/hr", "12345", "/etc/passwd", "hr\n\x1b[31m"):
        r = _ask(served, **{"in": ["/srv/docs/hr", ref]})
        err = r.json()["error"]
        assert r.status_code == 400 and err["code"] == "document_not_found", r.text
        assert "no document '" in err["message"] and "\x1b" not in err["message"]
    assert len(served.seen) == n  # nothing was retrieved


def test_in_on_an_empty_server_says_it_has_no_documents(served):
    r = _ask(served, **{"in": ["/srv/docs/hr"]})
    assert r.status_code == 503 and r.json()["error"]["code"] == "no_documents"


@pytest.mark.parametrize("value, says", [
    ("/srv/docs/hr", "must be a non-empty list"), ([], "an empty array"), ({"a": 1}, "an object"),
    (7, "a number"), ([7], "not a number"), (["ok", None], "'in'[1]"), ([""], "an empty string"),
    (["  "], "an empty string"), ([["/srv"]], "an array"), (["x" * (MAX_REF_CHARS + 1)], "longer than"),
    (["/srv"] * (MAX_REFS + 1), f"at most {MAX_REFS}")])
def test_in_is_validated_like_every_field(served, value, says):
    r = _ask(served, **{"in": value})
    err = r.json()["error"]
    assert r.status_code == 422 and err["code"] == "invalid_scope" and says in err["message"], r.text
    assert set(err) == {"message", "type", "param", "code"} and err["type"] == "invalid_request_error"
    assert served.seen == []


# -- /v1/chat/completions: the same "in", top-level (an OpenAI SDK's `extra_body`) ---------------------------------
def _chat(client, stream=False, **body):
    return client.post("/v1/chat/completions", json={"model": "ragtune", "stream": stream, **body,
                                                     "messages": [{"role": "user", "content": "Eiffel Tower?"}]})


@pytest.mark.parametrize("stream", [False, True])
def test_chat_completions_take_the_same_in(served, home, stream):
    ids = _ingest(home, ["/srv/docs/hr/leave.md", "/srv/docs/hr/pay.md", "/srv/docs/it/vpn.md"])
    r = _chat(served, stream, **{"in": ["/srv/docs/hr", str(ids[2])]})
    assert r.status_code == 200, r.text
    assert served.seen[-1] == {"doc_ids": ids}
    assert ("data: [DONE]" in r.text) if stream else r.json()["choices"][0]["message"]["content"]
    assert _chat(served, stream, **{"in": None}).status_code == 200 and served.seen[-1] is None
    assert _chat(served, stream).status_code == 200 and served.seen[-1] is None


@pytest.mark.parametrize("stream", [False, True])
def test_chat_completions_scope_errors_are_those_of_ask(served, home, stream):
    """Before any stream starts: the JSON error /v1/ask gives, with its status (never an in-band event)."""
    r = _chat(served, stream, **{"in": ["/srv/docs/hr"]})
    assert r.status_code == 503 and r.json()["error"]["code"] == "no_documents", r.text
    _ingest(home, ["/srv/docs/hr/leave.md"])
    for value in ([], "/srv/docs/hr", ["ok", None]):
        r, a = _chat(served, stream, **{"in": value}), _ask(served, **{"in": value})
        assert r.status_code == 422 and r.json() == a.json() and r.json()["error"]["code"] == "invalid_scope"
    r, a = _chat(served, stream, **{"in": ["/srv/docs/h"]}), _ask(served, **{"in": ["/srv/docs/h"]})
    assert r.status_code == 400 and r.headers["content-type"].startswith("application/json")
    assert r.json() == a.json() and r.json()["error"]["code"] == "document_not_found"
    assert served.seen == []  # nothing was retrieved


def test_an_openai_client_scopes_through_extra_body(served, home):
    openai = pytest.importorskip("openai")
    ids = _ingest(home, ["/srv/docs/hr/leave.md", "/srv/docs/it/vpn.md"])
    oc = openai.OpenAI(base_url="http://testserver/v1", api_key="unused", http_client=served)
    msgs = [{"role": "user", "content": "Eiffel Tower?"}]
    r = oc.chat.completions.create(model="ragtune", messages=msgs, extra_body={"in": ["/srv/docs/hr"]})
    assert r.choices[0].message.content and served.seen[-1] == {"doc_ids": ids[:1]}
    pieces = [c.choices[0].delta.content or "" for c in oc.chat.completions.create(
        model="ragtune", messages=msgs, stream=True, extra_body={"in": ["/srv/docs/it"]}) if c.choices]
    assert "".join(pieces) and served.seen[-1] == {"doc_ids": ids[1:]}
    with pytest.raises(openai.BadRequestError) as e:
        oc.chat.completions.create(model="ragtune", messages=msgs, extra_body={"in": ["/nowhere"]})
    assert e.value.code == "document_not_found"


# -- the resolution of "in", remembered per index version (ragtune/serve/scopes.py) ---------------------------------
@pytest.fixture
def resolutions(monkeypatch):
    """The refs of each resolution against the store (a cached one is not resolved again)."""
    import ragtune.serve.scopes as scopes

    calls: list = []

    def counting(store, refs):
        calls.append(list(refs))
        return stored_documents(store, refs)

    monkeypatch.setattr(scopes, "stored_documents", counting)
    return calls


def test_the_same_refs_resolve_once_per_index_version(served, home, resolutions):
    ids = _ingest(home, ["/srv/docs/hr/leave.md", "/srv/docs/hr/pay.md", "/srv/docs/it/vpn.md"])
    for _ in range(3):
        assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 200
        assert _chat(served, **{"in": ["/srv/docs/hr"]}).status_code == 200  # shared by both routes
    assert resolutions == [["/srv/docs/hr"]] and served.seen == [{"doc_ids": ids[:2]}] * 6
    assert _ask(served, **{"in": ["/srv/docs/it"]}).status_code == 200 and len(resolutions) == 2  # other refs
    # an ingest moves the index version: resolved again, the folder's new document in
    more = _ingest(home, ["/srv/docs/hr/sick.md"])
    assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 200
    assert len(resolutions) == 3 and served.seen[-1] == {"doc_ids": ids[:2] + more}
    assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 200 and len(resolutions) == 3


def test_a_removed_document_is_not_served_from_a_stale_entry(served, home, resolutions):
    leave, pay = _ingest(home, ["/srv/docs/hr/leave.md", "/srv/docs/hr/pay.md"])
    for refs in (["/srv/docs/hr"], [str(pay)]):
        assert _ask(served, **{"in": refs}).status_code == 200
    with open_store(home) as s, s.transaction():  # what `docs remove` does to the store
        s.delete_document(pay)
        s.bump_index_version()
    assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 200 and served.seen[-1] == {"doc_ids": [leave]}
    r = _ask(served, **{"in": [str(pay)]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "document_not_found"
    assert len(resolutions) == 4


def test_an_error_is_resolved_again_rather_than_kept(served, home, resolutions):
    assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 503  # nothing ingested yet
    _ingest(home, ["/srv/docs/it/vpn.md"])
    for _ in range(2):
        assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 400
    ids = _ingest(home, ["/srv/docs/hr/leave.md"])
    assert _ask(served, **{"in": ["/srv/docs/hr"]}).status_code == 200 and served.seen[-1] == {"doc_ids": ids}
    assert len(resolutions) == 4


class _Store:
    index_version = 1


def _cache(**kw):
    from ragtune.serve.scopes import ScopeCache

    calls: list = []

    def resolver(store, refs):
        calls.append(tuple(refs))
        return list(range(50)) if refs[0] == "big" else [int(r) for r in refs]

    return ScopeCache(resolver=resolver, **kw), calls


def test_the_cache_is_bounded_by_entries_and_by_what_they_hold():
    cache, calls = _cache(max_entries=2, max_weight=30)
    store = _Store()
    for refs in (["1"], ["2"], ["1"], ["3"]):  # "2" is the least recently used when "3" comes
        assert cache.resolve(store, refs) == [int(refs[0])]
    assert calls == [("1",), ("2",), ("3",)] and len(cache) == 2
    cache.resolve(store, ["2"])
    assert calls[-1] == ("2",)
    assert cache.resolve(store, ["big"]) == list(range(50)) and len(cache) == 2  # over the whole budget: not kept
    cache.resolve(store, ["big"])
    assert calls.count(("big",)) == 2


def test_a_new_index_version_drops_the_older_entries_and_results_are_the_callers_own():
    cache, calls = _cache()
    store = _Store()
    ids = cache.resolve(store, ["1", "2"])
    ids.append(99)  # the caller's list: the entry stays as it was
    assert cache.resolve(store, ["1", "2"]) == [1, 2] and len(calls) == 1
    store.index_version = 2
    assert cache.resolve(store, ["1", "2"]) == [1, 2] and len(calls) == 2 and len(cache) == 1
    assert cache.hits == 1 and cache.misses == 2
