"""Round 50, a helpdesk lead turning a year of query log (50,000 entries) into training data:
- `log list` could only page newest-first (or search the text): finding the refusals worth a review, one day's
  entries or one client's meant paging 50,000 rows. The library lists and counts by status, refusal reason,
  reviewed or not, a UTC day range and a client (store.log_filters.log_where);
- a review of an entry whose source document was removed since was stored without a word, and `log export` then
  left it out: 62 of 2,000 reviews silently never became training lines. `set_review` now says so in a note."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import InputError, StoreError
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.querylog import day_start, list_entries, set_review
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_r46_log_export import kb  # noqa: F401  (the fixture: two documents, questions asked over them)

DAY = 86400.0
T0 = day_start("2026-03-01")
CTX = [{"id": "S1", "text": "Printers are on floor 2.", "chunk_id": None, "source": "x.md", "sha256": "0" * 64}]


def _row(store, ts, *, refused=False, reason=None, client=None, query="Where are the printers?"):
    out = {"status": "refused" if refused else "ok", "answer": "x" if refused else "floor 2",
           "citations": [] if refused else ["S1"]}
    return store.add_query_log({"ts": ts, "query": query, "normalized_query": query, "context": CTX,
                                "output": out, "refused": refused, "refusal_reason": reason, "client_id": client,
                                "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "0" * 64,
                                "retrieved": [], "raw_output": "", "valid": True, "repaired": False,
                                "timings": {}, "tokens_prompt": 1, "tokens_completion": 1})


@pytest.fixture
def store(settings):
    with open_store(settings.home) as st:
        ids = [_row(st, T0 + 10, client="hr/alice"),  # serve logs a token's user as NAME/user
               _row(st, T0 + DAY + 5, refused=True, reason="no_evidence", client="it:bob", query="Cafeteria menu?"),
               _row(st, T0 + DAY + 9, refused=True, reason="off_topic", client="hr:carol"),
               _row(st, T0 + 2 * DAY, client="hr"),
               _row(st, T0 + 3 * DAY, refused=True, reason="no_evidence", client="hrx:dave")]
        set_review(st, ids[1], {"status": "refused", "answer": "x", "citations": []})
        yield st, ids


def _ids(store, **f):
    rows = list_entries(store, limit=100, **f)
    assert store.count_query_log(**f) == len(rows)
    return [r["id"] for r in rows]


def test_list_filters_by_status_reason_and_review(store):
    st, ids = store
    assert _ids(st, status="refused") == [ids[4], ids[2], ids[1]]
    assert _ids(st, status="ok") == [ids[3], ids[0]]
    assert _ids(st, reason="no_evidence") == [ids[4], ids[1]]
    assert _ids(st, status="refused", reviewed=False) == [ids[4], ids[2]]  # the refusals left to review
    assert _ids(st, reviewed=True) == [ids[1]]
    assert _ids(st, status="refused", search="cafeteria") == [ids[1]]
    assert _ids(st) == ids[::-1] and st.count_query_log() == 5
    with pytest.raises(StoreError, match="ok or refused"):
        list_entries(st, status="answered")


def test_list_filters_by_utc_day_and_client(store):
    st, ids = store
    day2 = day_start("2026-03-02")
    assert _ids(st, since=day2, until=day2 + DAY) == [ids[2], ids[1]]  # one day: its start included, the next not
    assert _ids(st, since=day_start("2026-03-03")) == [ids[4], ids[3]]
    assert _ids(st, client="hr") == [ids[3], ids[2], ids[0]]  # a token's name: its users, never "hrx:…"
    assert _ids(st, client="it:bob") == [ids[1]]
    assert list_entries(st, limit=1, offset=1, status="refused")[0]["id"] == ids[2]  # paging within the filter


def test_day_start_names_the_option(store):
    assert day_start(" 2026-03-02 ") - T0 == DAY
    with pytest.raises(InputError, match="--until: not a day") as exc:
        day_start("03/02/2026", "--until")
    assert exc.value.hint == "give a UTC day as YYYY-MM-DD"


def test_a_review_of_an_entry_quoting_a_removed_document_says_export_leaves_it_out(settings, kb):  # noqa: F811
    docs, ask = kb
    vpn, vacation = ask("What is the legacy VPN shared key?", "How many vacation days do new hires get?")
    assert main(["docs", "remove", str(docs / "vpn.md")]) == 0
    with open_store(settings.home) as st:
        notes: list[str] = []
        set_review(st, vpn, {"status": "ok", "answer": "LEGACYKEY42", "citations": ["S1"]}, notes=notes)
        assert any("1 of the entry's sources quote a document removed from the index" in n
                   and "--include-removed-sources" in n for n in notes)
        assert st.query_log_entry(vpn)["review"]["answer"] == "LEGACYKEY42"  # stored all the same
        notes = []
        set_review(st, vacation, {"status": "ok", "answer": "25 vacation days a year", "citations": ["S1"]},
                   notes=notes)
        assert not any("removed from the index" in n for n in notes)


def test_export_takes_the_list_filters(store):
    """docs/security.md: build datasets from one scope's clients only; the export could only take the whole log."""
    import io
    import json

    from ragtune.appliance.querylog import export_train_jsonl

    st, ids = store
    buf = io.StringIO()
    assert export_train_jsonl(st, buf, client="hr") == 3
    assert [json.loads(x)["meta"]["log_id"] for x in buf.getvalue().splitlines()] == [ids[0], ids[2], ids[3]]
    buf = io.StringIO()
    assert export_train_jsonl(st, buf, reviewed_only=True, client="it", since=day_start("2026-03-02")) == 1
    assert export_train_jsonl(st, io.StringIO(), until=T0) == 0  # nothing before the first day
