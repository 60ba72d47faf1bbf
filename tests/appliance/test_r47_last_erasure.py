"""Round 47, last reading of `docs remove --forget-log` (docs/security.md, "Erasure"): the entries are checked again
in the forget's own transaction (a query-log id can name a new row once the highest was pruned)."""

from __future__ import annotations

import json

from ragtune.appliance.ingest.documents import forget_quoting, not_reached, remove_documents
from ragtune.appliance.store import Store

from .test_r45_erase import ROW, SECRET, _corpus
from .test_r47_followup_erasure import _quote


# (round 49: the two tests of a forget failing after the removal were replaced by test_r49_killsafe.py: the
# entries are now forgotten before the documents go, so a failing forget removes nothing)

def test_an_id_given_to_a_new_row_meanwhile_is_not_forgotten(settings, tmp_path, fake):
    path, doc_id = _corpus(settings, tmp_path, fake)
    keep = _quote(settings, doc_id, path)
    last = _quote(settings, doc_id, path)  # the highest id: pruning it lets SQLite give its id again
    summary = remove_documents(settings, [path])
    assert summary.log_ids == [keep, last]
    with Store(settings.home.db_path) as s:
        s.conn.execute("DELETE FROM query_log WHERE id = ?", (last,))  # as a prune would, between list and forget
        reused = s.add_query_log({**ROW, "query": "someone else's question", "context": []})
    assert reused == last
    forgot = forget_quoting(settings, summary.log_ids, summary.quoted)
    assert forgot["forgotten"] == [keep] and forgot["gone"] == [last], forgot
    with Store(settings.home.db_path) as s:
        other = s.query_log_entry(reused)
        assert other["forgotten"] is None and other["query"] == "someone else's question"
        assert SECRET not in json.dumps(s.query_log_entry(keep))
    left, _ = not_reached(settings, summary, forgot, 0.0)
    assert "query_log" not in {item["what"] for item in left}


def test_forgotten_meanwhile_counts_as_already(settings, tmp_path, fake):
    path, doc_id = _corpus(settings, tmp_path, fake)
    quoting = _quote(settings, doc_id, path)
    summary = remove_documents(settings, [path])
    with Store(settings.home.db_path) as s:
        s.forget_query_log([quoting])
    forgot = forget_quoting(settings, summary.log_ids, summary.quoted)
    assert forgot["already"] == [quoting] and forgot["gone"] == [] and forgot["forgotten"] == []


def test_unknown_ids_left_by_the_forget_are_listed_as_not_reached(settings, tmp_path, fake):
    path, doc_id = _corpus(settings, tmp_path, fake)
    _quote(settings, doc_id, path)
    summary = remove_documents(settings, [path])
    left, _ = not_reached(settings, summary, {"forgotten": [], "unknown": [41], "replay_reports": []}, 0.0)
    item = {i["what"]: i for i in left}["query_log"]
    assert item["where"] == ["41"] and item["how"] == "ragtune log forget 41"
