"""Round 43, privacy left open in round 42:

- `log forget` blanks who asked too (`client_id`: a token's name and user, `anon@ADDRESS`, a login and terminal
  session), and a home whose entries were forgotten before loses theirs when it is opened (migration
  0014_forgotten_rows_anonymous). Was: the forgotten row kept its client id.
- a forgotten entry is not kept longer than an ordinary one for its (blanked) review: `log forget` drops the current
  review (the history keeps each review's status, citation ids and time), so retention and `log prune` remove it as
  unreviewed. Was: its blanked review made it "reviewed", kept by automatic retention for ever.
- `ingest --prune` empties the answer cache as `docs remove` does (Store.delete_document, in the transaction of the
  delete): a cached answer may quote a pruned document. Was: the pruned document's text stayed in cached answers.
- `log review` of a forgotten entry says it was forgotten, whatever the answer given (the library, not only the CLI);
  `log export` says how many forgotten entries it left out.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtune.appliance import querylog
from ragtune.appliance.errors import InputError
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import MIGRATIONS, Store, open_store
from ragtune.cli import main

from .ingest_helpers import write_good
from .test_log_retention import DAY, NOW, REVIEW, ids, row

WHO = "alice-token/anon@10.0.0.77-client-5513"
QUOTED = {"status": "ok", "answer": "pruned-doc-quote-8842", "citations": ["S1"], "raw_output": "{}"}


def _raw(db: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (db, Path(f"{db}-wal"), Path(f"{db}-journal")) if p.exists())


# -- who asked ---------------------------------------------------------------------------------------------------
def test_forget_blanks_who_asked_and_keeps_the_numbers(home):
    with open_store(home) as s:
        gone = s.add_query_log(row(NOW, client_id=WHO, arm="control", cost=0.25))
        kept = s.add_query_log(row(NOW, client_id=WHO))
        assert s.forget_query_log([gone])["forgotten"] == [gone]
        e = s.query_log_entry(gone)
        assert e["client_id"] is None and s.query_log_entry(kept)["client_id"] == WHO
        assert (e["arm"], e["cost"], e["tokens_prompt"], e["ts"]) == ("control", 0.25, 1, NOW)
        s.query("DELETE FROM query_log WHERE id = ?", (kept,))
    assert WHO.encode() not in _raw(home.db_path)


def test_a_home_forgotten_before_loses_who_asked_and_the_review_when_it_is_opened(home, monkeypatch):
    import ragtune.appliance.store.base as base

    home.ensure()
    monkeypatch.setattr(base, "MIGRATIONS", [m for m in MIGRATIONS if m[0] != "0014_forgotten_rows_anonymous"])
    with open_store(home) as old:  # as round 42's `log forget` left a row: client kept, review blanked
        gone = old.add_query_log(row(NOW - 40 * DAY, client_id=WHO))
        other = old.add_query_log(row(NOW - 40 * DAY, client_id="bob"))
        old.set_query_review(gone, REVIEW)
        old.set_query_review(other, REVIEW)
        old.query("UPDATE query_log SET query = '', normalized_query = '', context = '[]', forgotten = 1.0, "
                  "review = '{\"status\": \"ok\", \"answer\": \"\", \"citations\": [\"S1\"]}' WHERE id = ?", (gone,))
    monkeypatch.setattr(base, "MIGRATIONS", MIGRATIONS)
    with open_store(home) as s:
        assert "0014_forgotten_rows_anonymous" in s.migrated
        e, o = s.query_log_entry(gone), s.query_log_entry(other)
        assert e["client_id"] is None and e["review"] is None and len(s.query_review_history(gone)) == 1
        assert o["client_id"] == "bob" and o["review"] == REVIEW  # not forgotten: untouched
        again = [("0014_again", dict(MIGRATIONS)["0014_forgotten_rows_anonymous"])]
        assert s.migrate(again) == ["0014_again"]  # running it again changes nothing
        assert s.prune_query_log(before=NOW - DAY)["rows"] == 1 and ids(s) == [other]
    assert WHO.encode() not in _raw(home.db_path)


# -- retention -----------------------------------------------------------------------------------------------------
@pytest.fixture
def due(monkeypatch):
    monkeypatch.setattr(querylog, "_retention_due", {})


def test_automatic_retention_removes_a_forgotten_reviewed_entry_as_an_unreviewed_one(home, due):
    with open_store(home) as s:
        forgotten, reviewed, young = (s.add_query_log(row(NOW - d * DAY)) for d in (40, 40, 1))
        for i in (forgotten, reviewed, young):
            s.set_query_review(i, REVIEW)
        s.forget_query_log([forgotten, young])
        assert querylog.apply_retention(s, 30, now=NOW) == 1
        assert ids(s) == [reviewed, young]  # the reviewed one stays (training data); a young one is not due yet
        assert s.query_review_history(forgotten) == []  # its history went with it
        assert len(s.query_review_history(young)) == 1


def test_log_prune_does_not_keep_a_forgotten_entry_for_its_review(home, capsys):
    with open_store(home) as s:
        forgotten, reviewed = (s.add_query_log(row(1.0)) for _ in range(2))
        s.add_query_log(row(2.0))
        for i in (forgotten, reviewed):
            s.set_query_review(i, REVIEW)
        s.forget_query_log([forgotten])
    assert main(["--home", str(home.root), "log", "prune", "--older-than", "1", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["removed"]["rows"] == 1 and out["removed"]["reviews"] == 1 and out["kept_reviewed"] == 1
    with open_store(home) as s:
        assert s.query_log_entry(forgotten) is None and s.query_log_entry(reviewed) is not None


# -- the answer cache and deleted documents -------------------------------------------------------------------------
def _cache(settings) -> int:
    with Store(settings.home.db_path) as s:
        return int(s.scalar("SELECT count(*) FROM answer_cache"))


def test_ingest_prune_empties_the_answer_cache_and_an_ingest_that_deletes_nothing_keeps_it(settings, tmp_path, fake):
    docs = tmp_path / "docs"
    write_good(docs)
    ingest_paths(settings, [docs], embedder=fake)
    with Store(settings.home.db_path) as s:
        s.cache_answer("k1", QUOTED)
    # an update or a run with nothing gone keeps the cache: a changed source is another key (answer.py cache_key
    # hashes the sources' text), so nothing stale can be served (test_cache_correctness.py)
    (docs / "notes.txt").write_text("A new file about zeppelins.\n")
    ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert _cache(settings) == 1
    gone = sorted(p for p in docs.rglob("*") if p.is_file())[0]
    gone.unlink()
    summary = ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert summary.deleted == 1 and _cache(settings) == 0
    assert b"pruned-doc-quote-8842" not in settings.home.db_path.read_bytes()


def test_deleting_a_document_empties_the_cache_in_its_transaction_and_an_unknown_id_does_not(settings, tmp_path,
                                                                                           fake):
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    with Store(settings.home.db_path) as s:
        s.cache_answer("k1", QUOTED)
        assert s.delete_document(999999) == 0 and s.cached_answer("k1") is not None
        first = s.query("SELECT id FROM documents ORDER BY id LIMIT 1")[0][0]
        with pytest.raises(RuntimeError), s.transaction():  # rolled back: the document and the cache stay
            s.delete_document(first)
            raise RuntimeError
        assert s.cached_answer("k1") is not None and s.document(first) is not None
        s.delete_document(first)
        assert s.cached_answer("k1") is None


# -- log commands on a forgotten entry ----------------------------------------------------------------------------
def test_a_review_of_a_forgotten_entry_says_so_whatever_the_answer(home):
    with open_store(home) as s:
        gone = s.add_query_log(row(NOW))
        s.forget_query_log([gone])
        for answer in (REVIEW, {"status": "ok", "answer": "x", "citations": ["S9"]}, "not json"):
            with pytest.raises(InputError, match=f"entry {gone} was forgotten"):
                querylog.set_review(s, gone, answer)
        assert s.query_review_history(gone) == []


def test_the_log_commands_say_an_entry_was_forgotten(home, capsys, tmp_path):
    with open_store(home) as s:
        gone = s.add_query_log(row(NOW, client_id=WHO))
        s.add_query_log(row(NOW))
        s.set_query_review(gone, REVIEW)
        s.forget_query_log([gone])
    root = str(home.root)
    assert main(["--home", root, "log", "review", str(gone), "--answer-json",
                 '{"status": "ok", "answer": "x", "citations": ["S7"]}']) == 2
    err = capsys.readouterr().err
    assert f"entry {gone} was forgotten" in err and "not valid" not in err
    assert main(["--home", root, "log", "show", str(gone)]) == 0
    captured = capsys.readouterr()
    assert "who asked" in captured.err and json.loads(captured.out)["client_id"] is None
    assert "1 review(s), newest first, their text erased" in captured.err  # none is current any more
    assert main(["--home", root, "log", "export", "--out", str(tmp_path / "x.jsonl")]) == 0
    assert "exported 1 example(s)" in (err := capsys.readouterr().err) and "left out 1 forgotten entry" in err
    assert main(["--home", root, "log", "export", "--reviewed-only"]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "left out 1 forgotten entry" in captured.err  # it had a review
