"""Round 52: a tenant's answers show ids that count nothing (ragtune/serve/publicid.py, docs/serve.md "Many clients on
one server"). Before, `log_id` and `chunk_id` were the home's counters: two of a client's `log_id`s apart said how many
questions the other clients asked in between."""

from __future__ import annotations

import json
import logging
import os
import stat

from starlette.testclient import TestClient

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.store import open_store
from ragtune.serve.publicid import KEY_FILE, SHOWN, PublicIds
from ragtune.serve.server import make_app
from tests.serve.helpers import TaggingGenerator, serve_settings
from tests.serve.test_r50_tenants import ACME, BOLT, SCOPES, StoreRetriever, _answer, _ingest

OPS = "ops-secret-0123456789abcdef0123"  # an operator's token: no token_scopes entry (reads every document)
TOKENS = [f"acme:{ACME}", f"bolt:{BOLT}", f"ops:{OPS}"]
ACME_DOC, BOLT_DOC = "/srv/clients/acme/password-policy.md", "/srv/clients/bolt/password-policy.md"


def _client(home):
    home.ensure()

    def factory(settings, n):
        engines = [AnswerEngine(settings, retriever=StoreRetriever(home),
                                generator=TaggingGenerator({}, answer=_answer)) for _ in range(n)]
        return engines, engines

    return TestClient(make_app(serve_settings(home, tokens=TOKENS, token_scopes=SCOPES, token_scopes_default="all"),
                               engine_factory=factory, workers=1))


def _h(token):
    return {"Authorization": f"Bearer {token}"}


def _ask(c, token, question):
    r = c.post("/v1/ask", json={"question": question}, headers=_h(token))
    assert r.status_code == 200, r.text
    return r.json()


def test_a_tenant_sees_ids_that_count_nothing_and_the_operator_the_stored_ones(home):
    with _client(home) as c:
        _ingest(home, [ACME_DOC, BOLT_DOC])
        with open_store(home) as s:
            acme_doc = next(d["id"] for d in s.documents("/") if d["path"] == ACME_DOC)
        a1 = _ask(c, ACME, "How long must a password be?")
        for i in range(3):  # another client's traffic in between
            _ask(c, BOLT, f"How often are passwords changed, take {i}?")
        a2 = _ask(c, ACME, "When do passwords change?")
        ids = PublicIds(home.root)  # the home's key, as the server made it
        # a JSON integer as before (typed clients keep working), exact in JavaScript, and no counter
        for a in (a1, a2):
            assert isinstance(a["log_id"], int) and SHOWN <= a["log_id"] < 2 ** 53, a
        raw1, raw2 = ids.decode("log", a1["log_id"]), ids.decode("log", a2["log_id"])
        assert raw2 - raw1 == 4  # the rows are what they were: bolt's three questions in between ...
        assert abs(a2["log_id"] - a1["log_id"]) > 1000  # ... which the shown ids no longer tell
        with open_store(home) as s:  # each shown id turns back into its own query-log row
            assert s.query_log_entry(raw1)["query"] == "How long must a password be?"
        cite = a1["citations"][0]["chunk_id"]
        assert cite >= SHOWN and ids.decode("chunk", cite) == 100 + acme_doc
        assert a1["retrieved"] == [cite]  # /v1/ask's `retrieved` as the citations show the chunk
        again = _ask(c, ACME, "How long must a password be?")  # a repeat names the row the client was shown
        assert again["cached"] is True and again["cached_from"] == a1["log_id"]
        ops = _ask(c, OPS, "How long must a password be?")  # the owner's token: the stored ids, as before round 52
        assert ops["log_id"] == raw2 + 2 and all(h < SHOWN for h in ops["retrieved"])


def test_chat_completions_streamed_or_not_show_the_tenants_ids(home):
    with _client(home) as c:
        _ingest(home, [ACME_DOC, BOLT_DOC])
        body = {"model": "ragtune", "messages": [{"role": "user", "content": "How long must a password be?"}]}
        r = c.post("/v1/chat/completions", json=body, headers=_h(ACME))
        assert r.status_code == 200, r.text
        whole = r.json()
        assert whole["ragtune"]["log_id"] >= SHOWN and whole["citations"][0]["chunk_id"] >= SHOWN
        r = c.post("/v1/chat/completions", json=body | {"stream": True, "messages": [
            {"role": "user", "content": "How long must a password be, again?"}]}, headers=_h(ACME))
        events = [json.loads(line[6:]) for line in r.text.splitlines()
                  if line.startswith("data: {")]
        last = next(e for e in events if e.get("ragtune"))
        assert last["ragtune"]["log_id"] >= SHOWN and last["citations"][0]["chunk_id"] >= SHOWN
        assert last["citations"][0]["chunk_id"] == whole["citations"][0]["chunk_id"]  # one chunk, one shown id
        ops = c.post("/v1/chat/completions", json=body, headers=_h(OPS)).json()
        assert ops["ragtune"]["log_id"] < SHOWN and ops["citations"][0]["chunk_id"] < SHOWN


def test_the_access_line_names_the_stored_id_and_the_shown_one(home, caplog):
    with _client(home) as c, caplog.at_level(logging.INFO, logger="ragtune.serve"):
        _ingest(home, [ACME_DOC])
        shown = _ask(c, ACME, "How long must a password be?")["log_id"]
    raw = PublicIds(home.root).decode("log", shown)
    assert any(f"log_id {raw} shown as {shown}" in r.getMessage() for r in caplog.records), caplog.text


def test_the_permutation_is_the_homes_and_turns_back(tmp_path):
    a, b = PublicIds(tmp_path), PublicIds(tmp_path)
    shown = [a.encode("log", n) for n in range(2000)]
    assert len(set(shown)) == 2000 and all(SHOWN <= s < 2 ** 53 for s in shown)
    assert [b.decode("log", s) for s in shown] == list(range(2000))  # the key is kept in the home
    assert a.encode("chunk", 7) != a.encode("log", 7)  # a kind of its own: a chunk id is no log id
    assert PublicIds(tmp_path / "x", key=bytes(32)).encode("log", 7) != a.encode("log", 7)  # another home's key
    assert a.decode("log", 48) is None  # a stored id is not a shown one
    assert stat.S_IMODE(os.stat(tmp_path / KEY_FILE).st_mode) == 0o600
