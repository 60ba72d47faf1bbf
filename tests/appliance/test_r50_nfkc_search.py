"""`log list --search` finds an entry by the NFKC form of the question as typed (round 50): the log's `query` keeps
the typed text ("ｂｏｂ@x.com …", full-width) and the disfluency rules cut the address out of `normalized_query`
("… no wait what …"), so neither column held "bob@x.com" and `log forget` could not find the entry. The store's
connections carry an nfkc() SQL function (store.base) that log_filters.log_where matches as well."""

from __future__ import annotations

import pytest

from ragtune.appliance.normalize import normalise_question
from ragtune.appliance.querylog import list_entries
from ragtune.appliance.store import Store, open_store

TYPED = "ｂｏｂ@x.com no wait what is the height of the Eiffel Tower"
CTX = [{"id": "S1", "text": "The tower is 330 m tall.", "chunk_id": None, "source": "x.md", "sha256": "0" * 64}]


def _row(store, query, normalized):
    return store.add_query_log({"ts": 1.0, "query": query, "normalized_query": normalized, "context": CTX,
                                "output": {"status": "ok", "answer": "330 m", "citations": ["S1"]}, "refused": False,
                                "refusal_reason": None, "client_id": None, "model_id": "m", "adapter_id": "none",
                                "system_prompt_sha256": "0" * 64, "retrieved": [], "raw_output": "", "valid": True,
                                "repaired": False, "timings": {}, "tokens_prompt": 1, "tokens_completion": 1})


@pytest.fixture
def store(settings):
    store = open_store(settings.home)
    nq = normalise_question(TYPED)[1].lower()  # what the engine logs beside the typed question
    assert "bob" not in nq  # the case itself: the address is cut from the normalised question
    store.the_id = _row(store, TYPED, nq)
    _row(store, "ａｌｉｃｅ@y.org: where is the printer", "where is the printer")  # another person's
    yield store
    store.close()


def test_a_full_width_address_cut_from_the_normalised_question_is_found_by_its_nfkc_form(store):
    for text in ("bob@x.com", "BOB@X.COM", "ｂｏｂ@x.com", "ＢＯＢ＠ｘ．ｃｏｍ"):
        assert [r["id"] for r in list_entries(store, search=text)] == [store.the_id], text
    assert store.count_query_log(search="bob@x.com") == 1
    assert list_entries(store, search="carol@x.com") == []
    assert len(list_entries(store, search="height of the eiffel")) == 1  # the typed and normalised forms as before


def test_nfkc_is_on_every_connection_and_leaves_other_values_as_they_are(store, settings):
    assert store.one("SELECT nfkc('ｂｏｂ＠ｘ．ｃｏｍ'), nfkc(NULL), nfkc(3), nfkc('ﬁle')") == ("bob@x.com", None, 3, "file")
    ro = Store(settings.home.db_path, readonly=True)  # a read-only connection (another user's home) has it too
    try:
        assert [r["id"] for r in list_entries(ro, search="bob@x.com")] == [store.the_id]
    finally:
        ro.close()
