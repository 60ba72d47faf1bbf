"""Per-token document scopes ([serve] token_scopes, docs/serve.md "Scopes per token"): a token reads only its scope's
documents, through every route that reads documents (/v1/ask, /v1/chat/completions, its stream, the cached-answer
front); "in" narrows inside it, and a reference outside it is the very 400 of one that does not exist."""

from __future__ import annotations

import hashlib
import types

import pytest
from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.retrieve import RetrievalResult
from ragtune.appliance.store import open_store
from ragtune.appliance.types import Hit
from ragtune.serve.server import make_app
from tests.serve.helpers import TaggingGenerator, serve_settings

HR, STAFF, ROOT = "hr-secret-0123456789abcdef", "staff-secret-0123456789abcd", "root-secret-0123456789abcdef"
TOKENS = [f"hr:{HR}", f"staff:{STAFF}", f"root:{ROOT}"]
SCOPES = {"hr": ["/srv/docs/hr/", "/srv/docs/all/"], "staff": ["/srv/docs/all/"]}


class StoreRetriever:
    """Retrieval over the store's own documents (one chunk each), honouring the scope's doc_ids as the real
    retriever does: what a token can be answered from is exactly what its filters let through."""

    def __init__(self, home, seen):
        self.home, self.seen, self.store = home, seen, self

    def count_chunks(self):
        return 1

    def retrieve(self, query, *, k=None, filters=None, **kw):
        self.seen.append(filters)
        with open_store(self.home) as s:
            docs = s.documents("/")
        allowed = None if filters is None else set(filters["doc_ids"])
        hits = [Hit(chunk_id=100 + d["id"], doc_id=d["id"], text=_text(d["path"]), source=d["path"], start_char=0,
                    end_char=30, sha256=d["sha256"], bm25_rank=i + 1, fused=1.0 / (i + 1))
                for i, d in enumerate(x for x in docs if allowed is None or x["id"] in allowed)][: (k or 6)]
        return RetrievalResult(hits=hits, normalized_query=query.lower().strip(), retrieval_ms=0.5, cached=False,
                               candidates=list(hits))

    def close(self):
        pass


def _text(path):  # "same" files: one text in two folders (the answer cache's key sees only the text)
    return "The Eiffel Tower is in Paris." + ("" if path.endswith("same.md") else f" Noted in {path}.")


def _ingest(home, paths):
    with open_store(home) as s:
        ids = []
        for p in paths:
            chunk = types.SimpleNamespace(ord=0, text=_text(p), start_char=0, end_char=10, n_tokens=3,
                                          sha256=hashlib.sha256(p.encode()).hexdigest())
            ids.append(s.put_document(path=p, sha256=chunk.sha256, title="", kind="md", size=0, doc_date=None,
                                      ingested_at=0.0, meta="{}", chunks=[chunk], vectors=[[0.0] * 384])[0])
        s.bump_index_version()
    return ids


def _client(home, seen, **serve):
    home.ensure()

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=StoreRetriever(home, seen), generator=TaggingGenerator({}))
                   for _ in range(n)]
        return engines, engines

    serve = {"tokens": TOKENS, "token_scopes": SCOPES, **serve}
    return TestClient(make_app(serve_settings(home, **serve), engine_factory=factory, workers=1))


@pytest.fixture
def served(home):
    seen: list = []
    with _client(home, seen) as c:
        c.seen, c.home = seen, home
        c.ids = _ingest(home, ["/srv/docs/hr/pay.md", "/srv/docs/all/canteen.md", "/srv/docs/it/vpn.md"])
        yield c


def _ask(c, token, question="Where is the Eiffel Tower?", **body):
    return c.post("/v1/ask", json={"question": question, **body}, headers={"Authorization": f"Bearer {token}"})


def _chat(c, token, stream=False, **body):
    return c.post("/v1/chat/completions", headers={"Authorization": f"Bearer {token}"},
                  json={"model": "ragtune", "stream": stream, **body,
                        "messages": [{"role": "user", "content": "Where is the Eiffel Tower?"}]})


def test_staff_never_gets_an_hr_chunk_by_ask_chat_or_stream(served):
    hr_id, all_id, it_id = served.ids
    r = _ask(served, STAFF)
    assert r.status_code == 200, r.text
    assert served.seen[-1] == {"doc_ids": [all_id]} and "/srv/docs/hr" not in r.text
    assert {c["source"] for c in r.json()["citations"]} <= {"/srv/docs/all/canteen.md"}
    for stream in (False, True):
        r = _chat(served, STAFF, stream)
        assert r.status_code == 200 and served.seen[-1] == {"doc_ids": [all_id]}, r.text
        assert "/srv/docs/hr" not in r.text and "/srv/docs/it" not in r.text
    # hr sees both of its folders; a token without an entry every document (token_scopes_default "all")
    assert _ask(served, HR).status_code == 200 and served.seen[-1] == {"doc_ids": [hr_id, all_id]}
    assert _ask(served, ROOT).status_code == 200 and served.seen[-1] is None


def test_in_narrows_inside_the_scope(served):
    hr_id, all_id, _ = served.ids
    assert _ask(served, HR, **{"in": ["/srv/docs/hr"]}).status_code == 200
    assert served.seen[-1] == {"doc_ids": [hr_id]}
    # a folder above the scope: only its part inside the scope
    assert _ask(served, STAFF, **{"in": ["/srv/docs"]}).status_code == 200
    assert served.seen[-1] == {"doc_ids": [all_id]}


@pytest.mark.parametrize("stream", [None, False, True])
def test_a_reference_outside_the_scope_is_the_error_of_a_missing_one(served, stream):
    hr_id, all_id, it_id = served.ids
    n = len(served.seen)

    def call(refs):
        return _ask(served, STAFF, **{"in": refs}) if stream is None else _chat(served, STAFF, stream, **{"in": refs})

    for hidden, missing in (("/srv/docs/hr", "/srv/docs/hq"), ("/srv/docs/hr/pay.md", "/srv/docs/hr/pax.md"),
                            (str(hr_id), "99999"), (str(it_id), "99998"), ("/srv/docs/it/", "/srv/docs/xx/")):
        a, b = call(["/srv/docs/all", hidden]), call(["/srv/docs/all", missing])
        assert a.status_code == b.status_code == 400, (a.text, b.text)
        assert a.headers["content-type"] == b.headers["content-type"]
        assert a.json()["error"] == {**b.json()["error"], "message": b.json()["error"]["message"].replace(
            missing, hidden)}, (a.text, b.text)
        assert a.json()["error"]["code"] == "document_not_found"
    assert len(served.seen) == n  # nothing retrieved
    assert _ask(served, HR, **{"in": [str(hr_id)]}).status_code == 200  # the same refs are hr's to name


def test_a_document_ingested_later_into_hr_is_out_of_staffs_scope_at_once(served):
    hr_id, all_id, _ = served.ids
    assert _ask(served, STAFF).status_code == 200 and _ask(served, HR).status_code == 200
    (new,) = _ingest(served.home, ["/srv/docs/hr/bonus.md"])
    assert _ask(served, STAFF).status_code == 200 and served.seen[-1] == {"doc_ids": [all_id]}
    r = _ask(served, STAFF, **{"in": ["/srv/docs/hr/bonus.md"]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "document_not_found"
    assert _ask(served, HR).status_code == 200 and served.seen[-1] == {"doc_ids": [hr_id, all_id, new]}
    (moved,) = _ingest(served.home, ["/srv/docs/all/menu.md"])  # into staff's folder: in at once
    assert _ask(served, STAFF).status_code == 200 and served.seen[-1] == {"doc_ids": [all_id, moved]}


def test_the_answer_cache_never_carries_an_hr_answer_to_staff(served):
    """The answer cache's key holds each context chunk's text (answer.py cache_key) and a hit's citations are
    rebuilt from the request's own context: a staff request, whose context has no hr chunk, cannot hit an entry an
    hr request made from hr text. Where both read one text (a file copied into both folders) the hit is the same
    answer of the same text, cited from staff's copy."""
    r1 = _ask(served, HR, **{"in": ["/srv/docs/hr/pay.md"]})
    r2 = _ask(served, HR, **{"in": ["/srv/docs/hr/pay.md"]})
    assert r1.status_code == r2.status_code == 200 and r2.json()["cached"] is True, r2.text
    r = _ask(served, STAFF)
    assert r.status_code == 200 and r.json()["cached"] is False and "/srv/docs/hr" not in r.text
    _ingest(served.home, ["/srv/docs/hr/same.md", "/srv/docs/all/same.md"])
    assert _ask(served, HR, **{"in": ["/srv/docs/hr/same.md"]}).status_code == 200
    r = _ask(served, STAFF, **{"in": ["/srv/docs/all/same.md"]})
    assert r.status_code == 200 and "/srv/docs/hr" not in r.text
    assert {c["source"] for c in r.json()["citations"]} == {"/srv/docs/all/same.md"}


def test_default_none_reads_nothing_without_an_entry(home):
    seen: list = []
    with _client(home, seen, token_scopes={"staff": ["/srv/docs/all/"]}, token_scopes_default="none") as c:
        ids = _ingest(home, ["/srv/docs/hr/pay.md", "/srv/docs/all/canteen.md"])
        assert _ask(c, ROOT).status_code == 200 and seen[-1] == {"doc_ids": []}
        assert _ask(c, STAFF).status_code == 200 and seen[-1] == {"doc_ids": [ids[1]]}
        r = _ask(c, ROOT, **{"in": [str(ids[1])]})
        assert r.status_code == 400 and r.json()["error"]["code"] == "document_not_found"


def test_a_scoped_folder_nothing_is_ingested_into_yet_is_empty_not_an_error(home):
    seen: list = []
    with _client(home, seen, token_scopes={"staff": ["/srv/docs/later/", "/srv/docs/all/"]}) as c:
        ids = _ingest(home, ["/srv/docs/all/canteen.md"])
        assert _ask(c, STAFF).status_code == 200 and seen[-1] == {"doc_ids": ids}
        (later,) = _ingest(home, ["/srv/docs/later/x.md"])
        assert _ask(c, STAFF).status_code == 200 and seen[-1] == {"doc_ids": sorted(ids + [later])}
