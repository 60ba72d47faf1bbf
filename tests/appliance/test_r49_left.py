"""Round 49, what the testers left (h19): `ingest_paths(settings, "/folder")` walked every character of the string (the
first "/": the whole disk); documents a walk no longer selects were never said (`now_skipped` was never filled);
`ingest --prune` left the pruned chunks' vectors in HOME/vectors/ (rebuilt now, as `docs remove` does); a closed
Store raised `AttributeError` and a closed Retriever a wrapped NoneType message; `eval retrieval`'s progress was
printed on stderr by the library."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from ragtune.appliance import vectors
from ragtune.appliance.errors import StoreError
from ragtune.appliance.ingest import pipeline
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store
from ragtune.cli import main

from .test_r49_erase import _docs, _in_vector_files, _vector_of


# -- 1. one path given alone ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("as_str", [True, False])
def test_one_path_given_alone_is_one_path_not_its_characters(settings, tmp_path, fake, monkeypatch, as_str):
    docs = _docs(tmp_path, 1)
    walked = []

    def walk(paths, *a, **k):
        walked.append(list(paths))
        if Path("/") in paths:  # without the fix: "/", "t", "m", "p", ... (the whole disk first)
            raise AssertionError(f"walked {paths[:3]}...")
        return real_walk(paths, *a, **k)

    real_walk = pipeline.walk
    monkeypatch.setattr(pipeline, "walk", walk)
    summary = ingest_paths(settings, str(docs) if as_str else docs, embedder=fake)
    assert walked == [[docs]] and summary.paths == 1 and summary.added == 2


# -- 2. stored before a rule skipped them: said by `ragtune ingest` ---------------------------------------------------
@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    from .ingest_helpers import FakeEmbedder

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def test_ingest_says_the_documents_now_skipped(home, settings, tmp_path, fake, cli_fake, capsys):
    root = tmp_path / "stick"
    binned = root / "$RECYCLE.BIN" / "S-1-5-21-1-2-3-1001"
    binned.mkdir(parents=True)
    (root / "kept.txt").write_text("The canteen opens at half past seven on weekdays.\n", encoding="utf-8")
    (binned / "$R1.txt").write_text("Deleted draft about the old pay scale.\n", encoding="utf-8")
    ingest_paths(settings, [binned], embedder=fake)  # given directly, as an ingest before round 49 stored it
    capsys.readouterr()
    assert main(["--home", str(home.root), "ingest", str(root)]) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert "1 stored document(s) are now skipped; --prune removes them" in text and "$R1.txt" in text
    summary = ingest_paths(settings, [root], embedder=fake)
    assert summary.now_skipped == [str(binned / "$R1.txt")] and summary.gone == []
    assert ingest_paths(settings, [root / "nope"], embedder=fake).now_skipped == []  # every path bad: nothing said


# -- 3. --prune rebuilds HOME/vectors/: no pruned chunk's vector stays in the files -----------------------------------
def test_prune_rebuilds_the_vector_index_without_the_pruned_rows(settings, tmp_path, fake, monkeypatch):
    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 5)  # a "large" home: HOME/vectors/ is built
    docs = _docs(tmp_path)
    ingest_paths(settings, [docs], embedder=fake)
    path, folder = str(docs / "hr.md"), settings.home.root / "vectors"
    vec = _vector_of(settings, path)
    assert _in_vector_files(folder, vec)
    (docs / "hr.md").unlink()
    summary = ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert summary.pruned == [path]
    assert not _in_vector_files(folder, vec)  # was: still in rows.N.f32, its row only marked dead
    assert sorted(p.name for p in folder.glob("rows.*.f32")) == [
        __import__("json").loads((folder / "state.json").read_text())["rows_file"]]


def test_an_edit_keeps_the_incremental_update(settings, tmp_path, fake, monkeypatch):
    """An edit's and a prune's old rows are zeroed in place by the incremental update (round 52, docs/security.md): a
    rebuild reads every vector, too slow for each small re-ingest of a large home."""
    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 5)
    docs = _docs(tmp_path)
    ingest_paths(settings, [docs], embedder=fake)
    rebuilt = []
    monkeypatch.setattr(vectors.VectorIndex, "sync", lambda self, store, rebuild=False: rebuilt.append(rebuild))
    (docs / "guide1.md").write_text("# Guide 1\n\nThe canteen now opens at noon.\n")
    summary = ingest_paths(settings, [docs], embedder=fake)
    assert summary.updated == 1 and summary.chunks_deleted and rebuilt == [False]  # the incremental update
    (docs / "guide2.md").unlink()
    ingest_paths(settings, [docs], embedder=fake, prune=True)
    assert rebuilt == [False, False]  # (round 49 rebuilt after a prune; the zeroing erases as well)


# -- 5. closed is said as closed ----------------------------------------------------------------------------------------
def test_a_closed_store_raises_a_store_error(tmp_path):
    s = Store(tmp_path / "x.db")
    s.close()
    s.close()  # twice is fine
    for use in (lambda: s.index_version, lambda: s.count_chunks(), lambda: s.query("SELECT 1"),
                lambda: s.transaction().__enter__()):
        with pytest.raises(StoreError, match="the database connection is closed"):
            use()


def test_a_closed_retriever_says_so(settings, tmp_path, fake):
    from ragtune.appliance.retrieve import Retriever

    ingest_paths(settings, [_docs(tmp_path, 1)], embedder=fake)
    r = Retriever(settings, embedder=fake)
    r.close()
    with pytest.raises(StoreError) as err:
        r.retrieve("canteen")
    assert err.value.message == "the retriever is closed"
    store = Store(settings.home.db_path)
    r = Retriever(settings, embedder=fake, store=store)
    store.close()  # its owner closed the store under it: typed, not "cannot read the index: 'NoneType' ..."
    with pytest.raises(StoreError, match="the database connection is closed"):
        r.retrieve("canteen")
    r.close()


# -- 6. eval retrieval's progress goes through logging ----------------------------------------------------------------
def test_eval_progress_is_logged_not_printed(capsys, caplog):
    from ragtune.appliance.eval import retrieval

    with caplog.at_level(logging.INFO, logger="ragtune.eval"):
        retrieval._log("ingested 1 path(s) into /h in 0.1s (3 new chunks)")
    assert capsys.readouterr().err == ""  # was: printed by the library on stderr
    assert [(r.name, r.getMessage()) for r in caplog.records] == [
        ("ragtune.eval", "ingested 1 path(s) into /h in 0.1s (3 new chunks)")]
    said = []
    with retrieval.shown_by(said.append):  # what the CLI shows, line for line
        retrieval._log("embedded 4 query texts in 0.0s")
    retrieval._log("after: not said")
    assert said == ["embedded 4 query texts in 0.0s"]
    assert retrieval.log.level == logging.NOTSET and not retrieval.log.handlers
