"""Round 45 second reading: tests that show what the review found. They FAIL on the code as reviewed (each names the
change that makes it pass); they are not part of a feature.

1. A closed AnswerEngine that owns its store (given a generator; and with backend = "openai", whose close leaves its
   vocabulary usable) fails an `ask` with AttributeError (a cache lookup) or StoreError("cannot write the query log:
   'NoneType' object has no attribute 'execute'", exit 4: "the database"), not the GenerationError docs/library.md
   ("Closing") promises; a thread that waited on the engine's lock while another
   closed it gets the same. Fix: AnswerEngine._close sets a closed flag; _ask/_set_adapter raise
   GenerationError("the engine is closed") when it is set (under the lock).
2. A file whose twin (same bytes) sits in an unmounted share under the walked folder is taken as that document
   "renamed": the share's document is moved out of it although prune.unavailable_folders keeps that share's
   documents as not gone. Fix: Renames.find passes over candidates under the walk's unavailable folders.
3. `transaction(write=True)` leaves the transaction open when COMMIT itself fails (here a deferred foreign key; the
   same for any COMMIT error SQLite does not roll back itself): every later `transaction()` on that connection is a
   savepoint inside it that never commits, and the write lock is held until the connection closes. Fix: on a failed
   COMMIT, ROLLBACK when `not conn.getautocommit()`, then raise.
"""

from __future__ import annotations

import pytest

from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.errors import GenerationError, StoreError
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.ingest.prune import UNAVAILABLE_MIN_DOCS
from ragtune.appliance.store import Store
from tests.fakes import FakeGenerator

from .test_answer import FakeRetriever, _hits

OK = {"status": "ok", "answer": "from 1887 to 1889", "citations": ["S1"]}


def test_a_closed_engine_says_so_with_a_ragtune_error(settings):
    eng = AnswerEngine(settings, retriever=FakeRetriever(_hits()), generator=FakeGenerator([OK]))
    eng.ask("When was the Eiffel Tower built?", use_cache=False)  # opens (and so owns) the home's store
    eng.close()
    with pytest.raises(GenerationError):  # was: StoreError("cannot write the query log: 'NoneType' …")
        eng.ask("When was the Eiffel Tower built?", use_cache=False)


def test_a_twin_in_an_unmounted_share_is_not_moved_out_of_it(settings, fake, tmp_path):
    root = tmp_path / "docs"
    share = root / "hr"
    share.mkdir(parents=True)
    (root / "a.md").write_text("# A\n\nText of a.\n", encoding="utf-8")
    for i in range(UNAVAILABLE_MIN_DOCS):
        (share / f"policy{i}.md").write_text(f"# Policy {i}\n\nRule number {i}.\n", encoding="utf-8")
    ingest_paths(settings, [root], embedder=fake)
    twin = (share / "policy0.md").read_bytes()
    for p in share.iterdir():  # the share is not mounted tonight: its mount point is there, empty
        p.unlink()
    (root / "copy-of-policy0.md").write_bytes(twin)  # someone put a copy of one of its files beside it
    s = ingest_paths(settings, [root], embedder=fake)
    with Store(settings.home.db_path) as st:
        paths = {d["path"] for d in st.documents()}
    assert str(share / "policy0.md") in paths  # kept, as every other document of the unavailable share
    assert s.renamed == []  # was: [(…/hr/policy0.md, …/copy-of-policy0.md)]


def test_a_failed_commit_does_not_leave_the_write_transaction_open(tmp_path):
    with Store(tmp_path / "x.db") as st:
        st.conn.execute("CREATE TABLE p(id INTEGER PRIMARY KEY);"
                        "CREATE TABLE c(pid INTEGER REFERENCES p(id) DEFERRABLE INITIALLY DEFERRED)")
        with pytest.raises(StoreError):
            with st.transaction(write=True) as conn:
                conn.execute("INSERT INTO c(pid) VALUES (5)")  # checked at COMMIT, which fails
        assert st.conn.getautocommit()  # was False: the BEGIN IMMEDIATE still open, the write lock held
