"""The ingest pipeline (ingest_paths): bad inputs are reported one line each while the rest is ingested and stored
content is never touched; idempotence, replacement, prune, crash repair, a stop between documents. The command
over it, `ragtune ingest`: test_ingest_cli.py."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance.ingest.pipeline import IngestSummary, ingest_paths
from ragtune.appliance.lexical import SIDECAR, LexicalIndex
from ragtune.appliance.store import Store

from .ingest_helpers import BadDimEmbedder, FakeEmbedder, write_bad, write_good


def _ingest(settings, paths, embedder, **kw) -> IngestSummary:
    return ingest_paths(settings, [*paths], embedder=embedder, **kw)


def _snapshot(settings):
    """Everything stored, comparable across runs."""
    with Store(settings.home.db_path) as s:
        docs = s.query("SELECT id, path, sha256, title, kind, doc_date, n_chunks FROM documents ORDER BY path")
        chunks = s.query("SELECT id, doc_id, ord, text, start_char, end_char FROM chunks ORDER BY id")
        vecs = s.query("SELECT rowid, embedding FROM chunk_vec ORDER BY rowid")
        return docs, chunks, vecs, s.index_version


def _check_consistent(settings):
    """chunk_vec mirrors chunks exactly; Tantivy is synced and holds every chunk."""
    with Store(settings.home.db_path) as s:
        chunk_ids = [r[0] for r in s.query("SELECT id FROM chunks ORDER BY id")]
        vec_ids = [r[0] for r in s.query("SELECT rowid FROM chunk_vec ORDER BY rowid")]
        assert chunk_ids == vec_ids
        n_chunks = s.query("SELECT d.n_chunks, count(c.id) FROM documents d LEFT JOIN chunks c ON c.doc_id=d.id GROUP BY d.id")
        assert all(a == b for a, b in n_chunks)
        lex = LexicalIndex(settings.home.lexical_dir)
        assert lex.synced_version == s.index_version
        assert lex.num_docs == len(chunk_ids)
        lex.close()


def test_ingest_every_format(settings, tmp_path, fake):
    docs = write_good(tmp_path / "docs")
    s = _ingest(settings, [tmp_path / "docs"], fake)
    assert (s.added, s.updated, s.unchanged, s.deleted, s.failed) == (5, 0, 0, 0, [])
    assert s.chunks_added == 5 and s.index_version == 2 and s.seconds > 0  # first change + end of run
    with Store(settings.home.db_path) as st:
        rows = {r[0]: r[1:] for r in st.query("SELECT path, kind, title, doc_date FROM documents")}
        assert rows[str(docs["cats.md"])] == ("md", "Cats", "2021-06-01")
        assert rows[str(docs["garden.html"])] == ("html", "Garden", "2020-04-02")
        assert rows[str(docs["report.pdf"])] == ("pdf", "Report", "2023-04-05")
        assert rows[str(docs["policy.docx"])] == ("docx", "Travel policy", "2022-03-01")
        text = st.scalar("SELECT text FROM chunks c JOIN documents d ON d.id=c.doc_id WHERE d.kind='md'")
        assert text.startswith("# Cats") and "title:" not in text  # title only prepended for embedding
    _check_consistent(settings)
    lex = LexicalIndex(settings.home.lexical_dir)
    assert lex.search("tomatoes mulch", 3)
    j = s.to_json()
    assert set(j) >= {"added", "updated", "unchanged", "deleted", "chunks_added", "failed", "seconds"}
    json.dumps(j)


def test_bad_inputs_reported_rest_ingested_previous_untouched(settings, tmp_path, fake):
    write_good(tmp_path / "good")
    _ingest(settings, [tmp_path / "good"], fake)
    before = _snapshot(settings)

    new = tmp_path / "batch"
    bad = write_bad(new)
    (new / "fine.md").write_text("# Fine\n\nA perfectly fine new note about bicycles.\n", encoding="utf-8")
    (new / "huge.txt").write_text("big " * 300_000, encoding="utf-8")  # over the tiny limit below
    (new / "dangling.md").symlink_to(tmp_path / "does-not-exist.md")
    (new / "sub").mkdir()
    (new / "sub" / "loop").symlink_to(new)  # a folder symlink loop
    (new / "notes.xyz").write_text("ignored extension")
    small = settings.replace("ingest", max_file_mb=0.5)
    s = _ingest(small, [new], fake)

    reasons = dict(s.failed)
    expected = {
        bad["corrupt.pdf"]: "corrupt PDF",
        bad["locked.pdf"]: "encrypted PDF",
        bad["binary.txt"]: "binary file",
        bad["empty.md"]: "empty document",
        bad["latin1.txt"]: "not UTF-8 text",
        bad["broken.docx"]: "corrupt DOCX",
        new / "huge.txt": "over size limit",
        new / "dangling.md": "broken symlink",
        new / "sub" / "loop": "symlink loop",
    }
    for path, reason in expected.items():
        assert str(path) in reasons, (path, s.failed)
        assert reasons[str(path)].startswith(reason), reasons[str(path)]
        assert "\n" not in reasons[str(path)]
    assert len(s.failed) == len(expected)
    assert s.added == 1 and s.ignored == 1 and s.paths_bad == 0

    docs, chunks, vecs, version = _snapshot(settings)
    old_docs, old_chunks, old_vecs, old_version = before
    assert [d for d in docs if d[1].startswith(str(tmp_path / "good"))] == old_docs
    assert [c for c in chunks if c[0] in {oc[0] for oc in old_chunks}] == old_chunks
    assert [v for v in vecs if v[0] in {ov[0] for ov in old_vecs}] == old_vecs
    assert version == old_version + 1
    _check_consistent(settings)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads chmod 000 files")
def test_unreadable_file(settings, tmp_path, fake):  # pragma: no cover - CI runs as root
    p = tmp_path / "d" / "secret.md"
    p.parent.mkdir()
    p.write_text("# Secret\n\ntext")
    p.chmod(0)
    try:
        s = _ingest(settings, [p.parent], fake)
    finally:
        p.chmod(0o644)
    assert s.failed == [(str(p), "permission denied")]


def test_missing_paths_all_bad(settings, tmp_path, fake):
    s = _ingest(settings, [tmp_path / "nope", tmp_path / "also-nope.md"], fake)
    assert s.all_paths_bad and [r for _, r in s.failed] == ["not found", "not found"]
    x = tmp_path / "x.xyz"
    x.write_text("hi")
    s = _ingest(settings, [x], fake)
    assert s.all_paths_bad and s.failed[0][1].startswith("unsupported file type")


def test_idempotent_reingest(settings, tmp_path, fake):
    write_good(tmp_path / "docs")
    _ingest(settings, [tmp_path / "docs"], fake)
    before = _snapshot(settings)
    calls = fake.encoded
    s = _ingest(settings, [tmp_path / "docs"], fake)
    assert (s.added, s.updated, s.unchanged, s.deleted, s.chunks_added) == (0, 0, 5, 0, 0)
    assert fake.encoded == calls  # nothing re-embedded
    assert _snapshot(settings) == before  # index_version unchanged too
    _check_consistent(settings)


def test_changed_document_replaced(settings, tmp_path, fake):
    docs = write_good(tmp_path / "docs")
    long = "\n\n".join(f"Paragraph {i} about rivers, boats and the sea in some detail." * 4 for i in range(30))
    (tmp_path / "docs" / "long.md").write_text("# Rivers\n\n" + long, encoding="utf-8")
    _ingest(settings, [tmp_path / "docs"], fake)
    with Store(settings.home.db_path) as st:
        doc_id, n_before = st.one("SELECT id, n_chunks FROM documents WHERE path=?", (str(tmp_path / "docs" / "long.md"),))
        assert n_before > 3
        v0 = st.index_version
    (tmp_path / "docs" / "long.md").write_text("# Rivers\n\nNow a short note on canals.", encoding="utf-8")
    docs["dogs.txt"].write_text("Dogs are loyal. They now also enjoy swimming in lakes.\n")
    s = _ingest(settings, [tmp_path / "docs"], fake)
    assert (s.added, s.updated, s.unchanged) == (0, 2, 4) and s.chunks_deleted == n_before + 1
    with Store(settings.home.db_path) as st:
        assert st.one("SELECT id, n_chunks FROM documents WHERE path=?", (str(tmp_path / "docs" / "long.md"),)) == (doc_id, 1)
        assert st.index_version > v0
    _check_consistent(settings)  # old vec0 rows are gone with their chunks
    lex = LexicalIndex(settings.home.lexical_dir)
    assert lex.search("canals", 3) and not lex.search("boats", 3)


def test_settings_change_reembeds(settings, tmp_path, fake):
    write_good(tmp_path / "docs")
    _ingest(settings, [tmp_path / "docs"], fake)
    s = _ingest(settings.replace("ingest", chunk_tokens=64, overlap_tokens=8), [tmp_path / "docs"], fake)
    assert s.updated == 5 and s.unchanged == 0
    _check_consistent(settings)


def test_prune(settings, tmp_path, fake):
    docs = write_good(tmp_path / "docs")
    sub = tmp_path / "docs" / "sub"
    sub.mkdir()
    (sub / "extra.md").write_text("# Extra\n\nextra words here")
    other = write_good(tmp_path / "other")
    _ingest(settings, [tmp_path / "docs", tmp_path / "other"], fake)
    docs["dogs.txt"].unlink()
    (sub / "extra.md").unlink()
    s = _ingest(settings, [tmp_path / "docs"], fake)  # without --prune nothing is deleted
    assert s.deleted == 0
    s = _ingest(settings, [tmp_path / "docs"], fake, prune=True)
    assert s.deleted == 2 and s.unchanged == 4
    with Store(settings.home.db_path) as st:
        paths = {r[0] for r in st.query("SELECT path FROM documents")}
    assert str(docs["dogs.txt"]) not in paths and str(sub / "extra.md") not in paths
    assert {str(p) for p in other.values()} <= paths  # other folders are not pruned
    _check_consistent(settings)


def test_prune_keeps_files_that_failed(settings, tmp_path, fake):
    docs = write_good(tmp_path / "docs")
    _ingest(settings, [tmp_path / "docs"], fake)
    docs["cats.md"].write_bytes(b"\x00\x01binary now")
    s = _ingest(settings, [tmp_path / "docs"], fake, prune=True)
    assert s.deleted == 0 and s.failed == [(str(docs["cats.md"]), "binary file")]
    with Store(settings.home.db_path) as st:  # the stored (last good) version is kept
        assert st.scalar("SELECT title FROM documents WHERE path=?", (str(docs["cats.md"]),)) == "Cats"


def test_beir_corpus_rows_and_prune(settings, tmp_path, fake):
    corpus = tmp_path / "set" / "corpus.jsonl"
    corpus.parent.mkdir()
    rows = [{"_id": f"d{i}", "title": f"T{i}", "text": f"passage number {i} about topic {i}"} for i in range(5)]
    corpus.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    (corpus.parent / "queries.jsonl").write_text('{"_id": "q1", "text": "a question"}\n')
    seen = []
    s = _ingest(settings, [corpus.parent], fake, progress=lambda d, t, p: seen.append((d, t)))
    assert s.added == 5 and s.ignored == 1  # queries.jsonl is not a corpus
    assert seen[-1] == (5, 5)
    corpus.write_text("\n".join(json.dumps(r) for r in rows[:3]) + "\n")
    s = _ingest(settings, [corpus], fake, prune=True)
    assert (s.unchanged, s.deleted) == (3, 2)
    corpus.write_text('{"_id": "d0", "text": "x"}\n{"broken\n')
    s = _ingest(settings, [corpus], fake, prune=True)
    assert s.deleted == 0 and s.failed[0][1].startswith(f"{corpus}:2: truncated JSON")
    with Store(settings.home.db_path) as st:
        assert st.count_documents() == 3
        assert st.scalar("SELECT path FROM documents ORDER BY path LIMIT 1") == f"{corpus}#d0"
    _check_consistent(settings)
    # sweep: an emptied corpus file (a write cut short) with --prune deleted every stored row; an empty .md is kept
    corpus.write_text("\n\n")
    s = _ingest(settings, [corpus], fake, prune=True)
    assert s.deleted == 0 and s.failed == [(str(corpus), "empty document (a corpus file with no rows)")]
    with Store(settings.home.db_path) as st:
        assert st.count_documents() == 3
    _check_consistent(settings)


def test_failure_mid_document_rolls_back_that_document_only(settings, tmp_path, tokenizer):
    write_good(tmp_path / "good")
    _ingest(settings, [tmp_path / "good"], FakeEmbedder(tokenizer))
    before = _snapshot(settings)
    d = tmp_path / "new"
    d.mkdir()
    (d / "a.md").write_text("# A\n\nall fine here")
    (d / "b.md").write_text("# B\n\nthis one POISON breaks the vector insert")
    (d / "c.md").write_text("# C\n\ninference FAILS here")
    # b: wrong-size vector -> vec0 insert fails inside the document's transaction; c: the embedder raises
    emb = BadDimEmbedder(tokenizer, bad_dim_on="POISON", fail_on="FAILS")
    s = ingest_paths(settings, [d / "a.md"], embedder=emb)
    s2 = ingest_paths(settings, [d / "b.md"], embedder=emb)
    s3 = ingest_paths(settings, [d / "c.md"], embedder=emb)
    assert s.added == 1
    assert s2.added == 0 and s2.failed[0][1].startswith("database error")
    assert s3.added == 0 and s3.failed[0][1].startswith("embedding failed")
    assert "\n" not in s2.failed[0][1]
    docs, chunks, vecs, _ = _snapshot(settings)
    paths = {r[1] for r in docs}
    assert str(d / "a.md") in paths and str(d / "b.md") not in paths and str(d / "c.md") not in paths
    assert set(before[0]) <= set(docs) and set(before[1]) <= set(chunks)
    _check_consistent(settings)


def test_crash_between_sqlite_and_tantivy_is_repaired(settings, tmp_path, fake):
    write_good(tmp_path / "docs")
    _ingest(settings, [tmp_path / "docs"], fake)
    # Simulate a crash after SQLite committed but before Tantivy did: new rows in SQLite, marker dirty.
    (tmp_path / "docs" / "late.md").write_text("# Late\n\nzeppelins over the harbour")
    import ragtune.appliance.ingest.pipeline as pl

    class Crash(Exception):
        pass

    orig = pl._Run.finish_version

    def crash(self):
        orig(self)
        raise Crash()

    pl._Run.finish_version = crash
    try:
        with pytest.raises(Crash):
            _ingest(settings, [tmp_path / "docs"], fake)
    finally:
        pl._Run.finish_version = orig
    lex = LexicalIndex(settings.home.lexical_dir)
    with Store(settings.home.db_path) as st:
        assert st.scalar("SELECT count(*) FROM documents WHERE path LIKE '%late.md'") == 1
        assert lex.synced_version is None and not lex.search("zeppelins", 3)  # stale, and it knows
        assert lex.ensure_synced(st) is True
        assert lex.search("zeppelins", 3) and lex.synced_version == st.index_version
    _check_consistent(settings)


def test_stale_lexical_repaired_by_next_ingest(settings, tmp_path, fake):
    write_good(tmp_path / "docs")
    _ingest(settings, [tmp_path / "docs"], fake)
    (settings.home.lexical_dir / SIDECAR).unlink()
    s = _ingest(settings, [tmp_path / "docs"], fake)
    assert s.unchanged == 5
    _check_consistent(settings)


@pytest.mark.slow
def test_real_embedder_end_to_end(settings, tmp_path):
    """Real ONNX embedder through the pipeline: vector search ranks a paraphrase's chunk first."""
    d = tmp_path / "docs"
    d.mkdir()
    (d / "pw.md").write_text("# Accounts\n\nTo reset a forgotten password, open Settings and choose 'Reset'.")
    (d / "volcano.txt").write_text("The volcano erupted at dawn and ash covered the nearby villages.")
    s = ingest_paths(settings.replace("embed", threads=1), [d])
    assert s.added == 2 and not s.failed
    from ragtune.appliance.embed import Embedder

    e = Embedder(settings.embed, settings.home)
    q = e.encode_query("how can I change my lost password?")
    with Store(settings.home.db_path) as st:
        rows = st.query("SELECT rowid, distance FROM chunk_vec WHERE embedding MATCH ? AND k = 2 ORDER BY distance",
                        (q.tobytes(),))
        top = st.chunks_by_ids([rows[0][0]])[rows[0][0]]
    assert top["source"].endswith("pw.md") and rows[0][1] < rows[1][1]
    e.close()
    _check_consistent(settings)


def test_noop_reingest_never_loads_the_model(settings, tmp_path, monkeypatch):
    """Deciding 'unchanged' needs the model's identity (sha256), not an onnxruntime session."""
    import ragtune.appliance.embed

    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.md").write_text("# A\n\nsome text about lighthouses")
    first = ingest_paths(settings.replace("embed", threads=1), [d])
    assert first.added == 1

    def boom(*a, **k):
        raise AssertionError("the embedder was loaded for a no-op ingest")

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", boom)
    s = ingest_paths(settings.replace("embed", threads=1), [d])
    assert s.unchanged == 1 and s.added == 0 and not s.failed


def test_a_walk_that_reaches_the_home_skips_it_and_never_prunes_there(settings, tmp_path, fake):
    """`ragtune ingest ~` with the home under ~: its eval reports and models are not documents."""
    top = settings.home.root.parent
    docs = write_good(top / "docs")
    (settings.home.root / "eval" / "run1").mkdir(parents=True)
    (settings.home.root / "eval" / "run1" / "report.md").write_text("# Report\n\ntask success 40 %\n")
    inside = _ingest(settings, [settings.home.root / "eval"], fake)  # a path given inside the home is walked
    assert inside.added == 1 and inside.skipped == []
    s = _ingest(settings, [top], fake, prune=True)
    assert s.skipped == [str(settings.home.root)] and s.deleted == 0  # the report stored before is kept
    assert s.added == len(docs)
    with Store(settings.home.db_path) as st:
        paths = {r[0] for r in st.query("SELECT path FROM documents")}
    assert str(settings.home.root / "eval" / "run1" / "report.md") in paths


def test_a_stopped_ingest_keeps_what_it_read_prunes_nothing_and_the_next_one_goes_on(settings, tmp_path, fake):
    """`should_stop` (the TUI's escape) ends the run between documents like a finished one."""
    docs = write_good(tmp_path / "docs")
    _ingest(settings, [tmp_path / "docs"], fake)
    docs["cats.md"].write_text("# Cats\n\ncats sleep a lot, now edited")
    (tmp_path / "docs" / "new.md").write_text("# New\n\nbrand new words")
    calls = []

    def stop_after_two() -> bool:
        calls.append(None)
        return len(calls) > 2

    s = _ingest(settings, [tmp_path / "docs"], fake, prune=True, should_stop=stop_after_two)
    total = len(docs) + 1
    assert s.stopped and s.files_left == total - 2 and s.deleted == 0
    assert s.added + s.updated + s.unchanged == 2
    rest = _ingest(settings, [tmp_path / "docs"], fake, prune=True)
    assert not rest.stopped and rest.files_left == 0 and rest.deleted == 0
    assert rest.unchanged >= 2 and rest.added + rest.updated >= 1
    with Store(settings.home.db_path) as st:  # every document stored, the edit included
        texts = " ".join(c[1] for d in st.documents() for c in st.document_chunks(d["id"]))
    assert "now edited" in texts and "brand new words" in texts


def test_a_stop_inside_a_corpus_file_keeps_its_rows_not_reached(settings, tmp_path, fake):
    import json

    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"_id": f"d{i}", "title": f"T{i}", "text": f"row {i} words"}) + "\n"
                              for i in range(5)))
    _ingest(settings, [corpus], fake)
    calls = []
    s = _ingest(settings, [corpus], fake, prune=True, should_stop=lambda: bool(calls.append(None)) or len(calls) > 3)
    assert s.stopped and s.files_left == 1 and s.deleted == 0
