"""Round 46, the query-log loop (a knowledge-base owner's weeks of use):

- `eval run --replay` took a question's gold from its OLDEST entry's review: a question reviewed as a refusal before
  its document existed, and later reviewed with the answer, was scored unanswerable; one whose oldest entry was
  unreviewed stayed unlabeled though a later entry was reviewed. Now the newest usable review wins (the first
  entry's qid and text stay).
- `[retention] query_log_days` is 365 by default (was 0, keep for ever): reviewed entries and a rollout's stay, and
  the first pass that removes entries says so once (querylog.on_retention; `ask` prints it on stderr).
- `ask` says, as `search` does, that part of the home was embedded by another model (embed.unsearched_note).
"""

from __future__ import annotations

import time

import pytest

import ragtune.appliance.embed
from ragtune.appliance import querylog
from ragtune.appliance.config import RetentionConfig, Settings, dump_toml
from ragtune.appliance.config_edit import default_config_text
from ragtune.appliance.eval.datasets import load_replay
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import open_store
from ragtune.cli import main

from .test_answer import engine
from .test_ask_cli import fakes  # noqa: F401  (the fixture: a home answered by fake engines)
from .test_log_retention import DAY, REVIEW, ids, row
from .test_r46_doctor_embedder import Configured, Older, _folder

Q = "When was the harbour crane-4471 built?"
OK = {"status": "ok", "answer": "Built 1887 to 1889.", "citations": ["S1"]}
REFUSED = {"status": "refused", "answer": "I cannot answer from the provided documents.", "citations": []}


@pytest.fixture
def due(monkeypatch):
    monkeypatch.setattr(querylog, "_retention_due", {})


def _asked(s, ts: float = 1.0, query: str = Q) -> int:
    return s.add_query_log(row(ts, query=query, normalized_query=query.lower()))


# -- the replay's gold: the newest usable review -----------------------------------------------------------------
def test_replay_gold_is_the_newest_review_not_the_oldest(home):
    with open_store(home) as s:
        first, later = _asked(s, 1.0), _asked(s, 2.0, Q.upper())  # the same question (normalised), asked again
        s.set_query_review(first, REFUSED)  # before the document was ingested: rightly refused
        s.set_query_review(later, OK)  # after: answered
        (item,) = load_replay(s).items
        assert (item["qid"], item["question"]) == (f"log{first}", Q)  # the first entry's id and text
        assert item["answerable"] is True and item["answers"] == [OK["answer"]]


def test_replay_labels_a_question_whose_oldest_entry_is_unreviewed(home):
    with open_store(home) as s:
        first = _asked(s, 1.0)
        reviewed = _asked(s, 2.0)
        unusable = _asked(s, 3.0)
        _asked(s, 4.0)  # asked again, not reviewed: the review stands
        s.set_query_review(reviewed, REFUSED)
        s.query("UPDATE query_log SET review = '{not json' WHERE id = ?", (unusable,))  # labels nothing
        ds = load_replay(s)
        (item,) = ds.items
        assert item["qid"] == f"log{first}" and item["answerable"] is False and item["answers"] == []
        assert ds.summary()["n_unanswerable"] == 1


def test_replay_keeps_the_order_of_first_asking(home):
    with open_store(home) as s:
        a = _asked(s, 1.0, "first question")
        b = _asked(s, 2.0, "second question")
        s.set_query_review(_asked(s, 3.0, "first question"), OK)
        assert [(i["qid"], i["answerable"]) for i in load_replay(s).items] == [(f"log{a}", True), (f"log{b}", None)]


# -- retention: 365 days by default, reviewed and rollout entries kept ------------------------------------------
def test_the_default_keeps_a_year_and_never_a_reviewed_or_rollout_entry(home, due):
    assert Settings().retention == RetentionConfig(query_log_days=365, answer_cache_max_entries=10000)
    assert "[retention]\nquery_log_days = 365\n" in dump_toml(Settings())
    assert "[retention]\n# query_log_days = 365\n" in default_config_text()
    now = time.time()
    with open_store(home) as s:
        old, reviewed, arm, young, newest = (s.add_query_log(row(now - d * DAY, **extra)) for d, extra in
                                             ((400, {}), (400, {}), (400, {"arm": "candidate"}), (300, {}), (0, {})))
        s.set_query_review(reviewed, REVIEW)
        assert querylog.apply_retention(s, Settings().retention.query_log_days, now=now) == 1
        assert ids(s) == [reviewed, arm, young, newest] and old not in ids(s)


def test_the_first_pass_that_removes_entries_is_told_once_per_setting(settings, home, due, monkeypatch):
    monkeypatch.setattr(querylog, "RETENTION_BATCH", 2)
    told: list[tuple] = []
    monkeypatch.setattr(querylog, "on_retention", [lambda *a: told.append(a)])
    now = time.time()
    with open_store(home) as s:
        for _ in range(5):
            s.add_query_log(row(now - 400 * DAY))
        eng, _, _ = engine(settings, s, [OK])
        eng.ask("When was the Eiffel Tower built?")  # the default setting: 2 of the 5 go, 3 are still due
        assert told == [(s.path, 2, 3, 365)] and s.scalar("SELECT count(*) FROM query_log") == 4
        eng.ask("When was the Eiffel Tower built?", use_cache=False)  # a backlog: the next answer takes a batch
        assert len(told) == 1 and s.scalar("SELECT count(*) FROM query_log") == 3  # ... and says nothing again
        s.add_query_log(row(now - 40 * DAY))
        s.add_query_log(row(now))  # the newest entry is never removed
        querylog._retention_due.clear()
        assert querylog.apply_retention(s, 30, now=now) == 2  # another setting: told once more
        assert told[1] == (s.path, 2, 0, 30)
    note = querylog.retention_note(2, 3, 365)
    assert "removed 2 unreviewed entries older than 365 days ([retention] query_log_days = 365" in note
    assert "3 more go 2 at a time" in note and "retention.query_log_days 0` keeps everything" in note


def test_nobody_listening_leaves_the_notice_for_a_later_command(home, due, monkeypatch):
    monkeypatch.setattr(querylog, "on_retention", [])
    now = time.time()
    with open_store(home) as s:
        for d in (400, 0):
            s.add_query_log(row(now - d * DAY))
        assert querylog.apply_retention(s, 365, now=now) == 1
        assert s.get_meta(querylog.RETENTION_TOLD) is None


def test_ask_says_once_on_stderr_what_retention_removed(fakes, home, due, capsys):  # noqa: F811
    now = time.time()
    with open_store(home) as s:
        for _ in range(3):
            s.add_query_log(row(now - 400 * DAY))
        kept = s.add_query_log(row(now - 400 * DAY))
        s.set_query_review(kept, REVIEW)
    assert main(["ask", "--json", "When was the Eiffel Tower built?"]) == 0
    cap = capsys.readouterr()
    assert cap.out.count("\n") == 1 and "retention" not in cap.out  # stdout stays the one JSON object
    assert cap.err.count("note: query log retention removed 3 unreviewed entries older than 365 days") == 1
    with open_store(home) as s:
        assert kept in ids(s) and s.scalar("SELECT count(*) FROM query_log") == 2
        s.add_query_log(row(now - 400 * DAY))
    querylog._retention_due.clear()
    assert main(["ask", "When was the Eiffel Tower built?"]) == 0
    assert "retention" not in capsys.readouterr().err  # said once per home
    assert querylog.on_retention == []  # the command's listener went with it


# -- ask says what vector search left out ------------------------------------------------------------------------
def test_ask_notes_the_documents_its_vectors_left_out(settings, tmp_path, tokenizer, capsys, monkeypatch):
    import ragtune.appliance.generate as gen_mod

    from ..fakes import FakeGenerator

    old = _folder(tmp_path / "docs" / "old", 3, "lamp")
    ingest_paths(settings, [old], embedder=Older(tokenizer))
    ingest_paths(settings, [_folder(tmp_path / "docs" / "new", 2, "oven")], embedder=Configured(tokenizer))
    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: Configured(tokenizer))
    monkeypatch.setattr(gen_mod, "LlamaGenerator", lambda cfg, home=None, **kw: FakeGenerator([OK]))
    root = str(settings.home.root)
    for args in (["--json"], []):
        assert main(["--home", root, "ask", *args, "--no-cache", "harbour crane report"]) == 0
        cap = capsys.readouterr()
        assert cap.err.count("note: 3 of 5 documents have vectors from another embedder") == 1
        assert f"`ragtune ingest {old / 'lamp0.md'}" in cap.err and "another embedder" not in cap.out
    ingest_paths(settings, [old], embedder=Configured(tokenizer))  # re-embedded: nothing to say
    assert main(["--home", root, "ask", "--no-cache", "harbour crane report"]) == 0
    assert "another embedder" not in capsys.readouterr().err
