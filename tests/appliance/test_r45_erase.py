"""Erasing a leaked document (round 45, compliance walk-through): `docs remove` took the chunks out of SQLite
(zeroed by secure_delete) and out of the search results, but Tantivy only marked them deleted: their terms stayed in
the segment files of `tantivy/` (Searcher.doc_freq still counted "zephyr" after the remove) until a merge that may
never come. Now the segments that held them are rewritten (LexicalWriter.purge), and the command lists what still
quotes the document and it does not erase: the query-log entries (with the `log forget` to run), replay
evaluations' items and report files, and what no home records (backups, exports, a running serve's memory)."""

from __future__ import annotations

import json

from ragtune.appliance.ingest.documents import remove_documents
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store
from ragtune.cli import main

SECRET = "Case ZEPHYR-7741: the salary of Mara Quell is 184,300 euros."
ROW = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
       "retrieved": [], "output": {"status": "ok", "answer": "a", "citations": ["S1"]}, "raw_output": "",
       "valid": True, "repaired": False, "refused": False, "tokens_prompt": 5, "tokens_completion": 5,
       "timings": {"total_ms": 10.0}}


def _corpus(settings, tmp_path, fake) -> tuple[str, int]:
    """Two ingests (two segments): ten plain documents, then the leaked file beside two more. (its path, its id)"""
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(10):
        (docs / f"guide{i}.md").write_text(f"# Guide {i}\n\nThe canteen opens at {i} o'clock for guide{i}.\n")
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "hr.md").write_text(f"# HR file\n\n{SECRET}\n")
    for i in (10, 11):
        (docs / f"guide{i}.md").write_text(f"# Guide {i}\n\nThe canteen opens at {i} o'clock for guide{i}.\n")
    ingest_paths(settings, [docs], embedder=fake)
    with Store(settings.home.db_path) as s:
        return str(docs / "hr.md"), int(s.document_by_path(str(docs / "hr.md"))["id"])


def _terms(settings) -> dict[str, int]:
    ix = LexicalIndex(settings.home.lexical_dir)
    try:
        searcher = ix._index.searcher()  # doc_freq counts deleted documents too: what the files still hold
        return {t: int(searcher.doc_freq("text", t)) for t in ("zephyr", "7741", "quell", "canteen")}
    finally:
        ix.close()


def test_docs_remove_rewrites_the_segments_that_held_the_document(settings, tmp_path, fake):
    path, _ = _corpus(settings, tmp_path, fake)
    assert _terms(settings)["zephyr"] == 1
    summary = remove_documents(settings, [path])
    assert [d.path for d in summary.removed] == [path]
    assert summary.lexical_rewritten == 2  # the two guides ingested with it, not the ten of the other segment
    assert _terms(settings) == {"zephyr": 0, "7741": 0, "quell": 0, "canteen": 12}  # was zephyr 1: in the files
    lex = settings.home.lexical_dir
    assert not list(lex.glob("*.del"))  # no segment keeps a deleted chunk
    assert not any(b"7741" in p.read_bytes() for p in lex.iterdir() if p.is_file())
    ix = LexicalIndex(lex)
    try:
        with Store(settings.home.db_path) as s:
            assert ix.is_synced(s)  # in step: no rebuild on the next search
        assert len(ix.search("canteen", 50)) == 12 and ix.search("zephyr quell", 5) == []
    finally:
        ix.close()


def test_purge_also_rewrites_segments_an_earlier_update_left_dead_chunks_in(settings, tmp_path, fake):
    path, _ = _corpus(settings, tmp_path, fake)
    guide = tmp_path / "docs" / "guide3.md"  # in the first segment: the update leaves its old chunk there, deleted
    guide.write_text("# Guide 3\n\nThe canteen moved; ask for guide3 at the desk.\n")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    summary = remove_documents(settings, [path])
    assert summary.lexical_rewritten == 2 and not list(settings.home.lexical_dir.glob("*.del"))
    assert _terms(settings)["zephyr"] == 0


def test_docs_remove_lists_what_still_quotes_the_document(settings, tmp_path, fake, capsys):
    path, doc_id = _corpus(settings, tmp_path, fake)
    out_dir = tmp_path / "evalout"
    out_dir.mkdir()
    (out_dir / "items.jsonl").write_text(json.dumps({"context": SECRET}) + "\n")
    with Store(settings.home.db_path) as s:
        cid = s.query("SELECT id FROM chunks WHERE doc_id = ?", (doc_id,))[0][0]
        other = s.query("SELECT id FROM chunks WHERE doc_id != ? LIMIT 1", (doc_id,))[0][0]
        quoting = s.add_query_log({**ROW, "context": [{"id": "S1", "chunk_id": cid, "doc_id": doc_id,
                                                       "source": path, "text": SECRET}]})
        s.add_query_log({**ROW, "context": [{"id": "S1", "chunk_id": other, "text": "canteen"}]})  # not it
        forgotten = s.add_query_log({**ROW, "context": [{"id": "S1", "chunk_id": cid, "text": SECRET}]})
        s.forget_query_log([forgotten])
        s.ensure_eval_run("run1", "replay", {"dataset": {"kind": "replay"}, "out": str(out_dir)})
        s.put_eval_item("run1", "A", f"log{quoting}", {"context": [{"id": "S1", "chunk_id": cid, "text": SECRET}]})
        s.ensure_eval_run("run2", "beir", {"dataset": {"kind": "beir"}, "out": str(tmp_path / "x")})
        s.put_eval_item("run2", "A", "q1", {"context": [{"id": "S1", "chunk_id": cid, "text": "a scratch home's"}]})
    root = str(settings.home.root)

    assert main(["--home", root, "docs", "remove", path, "--json"]) == 0
    cap = capsys.readouterr()
    out = json.loads(cap.out)
    assert out["quoted_by_log"] == [quoting]
    assert [r["run"] for r in out["replay_reports"]] == ["run1"]
    assert out["replay_reports"][0]["files"] == [str(out_dir / "items.jsonl")]
    assert f"ragtune log forget {quoting}`" in cap.err
    assert "backups made before" in cap.err and "restart it" in cap.err


def test_a_dry_run_lists_them_too_and_changes_nothing(settings, tmp_path, fake, capsys):
    path, doc_id = _corpus(settings, tmp_path, fake)
    with Store(settings.home.db_path) as s:
        quoting = s.add_query_log({**ROW, "context": [{"id": "S1", "source": path, "text": SECRET}]})  # by path
    assert main(["--home", str(settings.home.root), "docs", "remove", "--dry-run", path]) == 0
    assert f"ragtune log forget {quoting}`" in capsys.readouterr().err
    assert _terms(settings)["zephyr"] == 1
