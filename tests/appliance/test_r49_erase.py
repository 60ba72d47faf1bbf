"""Round 49, a right-to-erasure request ("everything you hold about Jane Roe") walked through by a data-protection
officer: two HR files, questions that quoted them, questions about her that retrieved none of them.

- In a large home (HOME/vectors/, the derived vector index of 5,000+ chunks) `docs remove` only marked the removed
  chunks' rows dead: their float32 vectors and codes stayed in `rows.N.f32` until a third of the rows were dead. Now
  the removal rebuilds the folder from the store (`vectors_rewritten`).
- `docs find TEXT`: the check the officer runs afterwards, saying where (file and byte offsets, table/column/row ids,
  the keyword index's terms, dead vector rows) and never what is around a match.
- `documents.forget_quoting` read whole query-log rows (context, answer, raw output) to test `forgotten`: now ids
  and marks only (round 48, "Left")."""

from __future__ import annotations

import json

import numpy as np

from ragtune.appliance import vectors
from ragtune.appliance.ingest.documents import forget_quoting, remove_documents
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store, open_store
from ragtune.cli import main

from .test_log_retention import row

NAME = "Jane Roe"
HR = f"# Leave record\n\n{NAME} (JR-48213) is on medical leave until 15 May; invoices go to Omar Brightwater.\n"
OTHER = "Priya Kestrel"  # another person, in a row that also names Jane: never printed by `docs find`


def _docs(tmp_path, n: int = 6):
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(n):
        (docs / f"guide{i}.md").write_text(f"# Guide {i}\n\nThe canteen opens at {i} o'clock for guide{i}.\n")
    (docs / "hr.md").write_text(HR)
    return docs


def _vector_of(settings, path: str) -> np.ndarray:
    with Store(settings.home.db_path) as s:
        doc = s.document_by_path(path)["id"]
        cid = [c for c, *_ in s.iter_chunk_texts([doc])][0]
        v = np.frombuffer(s.vector_blob(cid), dtype=np.float32)[: vectors.EMBED_DIM]
    return v / np.linalg.norm(v)


def _in_vector_files(folder, vec) -> bool:
    for p in folder.glob("rows.*.f32"):
        rows = np.frombuffer(p.read_bytes(), dtype=np.float32).reshape(-1, vectors.EMBED_DIM)
        if len(rows) and np.any(np.all(np.isclose(rows, vec, atol=1e-6), axis=1)):
            return True
    return False


def test_docs_remove_leaves_no_removed_vector_in_the_vector_files(settings, tmp_path, fake, monkeypatch):
    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 5)  # a "large" home: HOME/vectors/ is built
    docs = _docs(tmp_path)
    ingest_paths(settings, [docs], embedder=fake)
    path, folder = str(docs / "hr.md"), settings.home.root / "vectors"
    vec = _vector_of(settings, path)
    assert _in_vector_files(folder, vec)
    summary = remove_documents(settings, [path])
    assert not _in_vector_files(folder, vec)  # was: still in rows.1.f32, its row marked -1 in ids
    assert summary.vectors_rewritten is True and summary.to_json()["vectors_rewritten"] is True
    st = json.loads((folder / "state.json").read_text())
    assert st["live"] == 6  # the removed rows are zeroed in place (round 52), not rebuilt away


def test_docs_remove_in_a_small_home_has_no_vector_folder_to_rewrite(settings, tmp_path, fake):
    docs = _docs(tmp_path, 2)
    ingest_paths(settings, [docs], embedder=fake)
    summary = remove_documents(settings, [str(docs / "hr.md")])
    assert summary.vectors_rewritten is None and not (settings.home.root / "vectors").exists()


def test_forget_quoting_reads_ids_and_marks_not_whole_rows(home, settings, monkeypatch):
    ctx = [{"id": "S1", "chunk_id": 7, "doc_id": 3, "source": "/d/hr.md", "text": HR}]
    with open_store(home) as s:
        ids = [s.add_query_log(row(float(i), query=f"{NAME} {i}?", context=ctx)) for i in (1, 2, 3)]
        s.forget_query_log([ids[2]])
        stray = s.add_query_log(row(4.0, query="canteen?"))  # listed, but quotes nothing of it: kept
    def whole_row(*_a, **_k):
        raise AssertionError("read a whole query-log row")
    monkeypatch.setattr(Store, "query_log_entry", whole_row)
    quoted = {"cids": json.dumps([7]), "dids": json.dumps([3]), "paths": json.dumps(["/d/hr.md"])}
    out = forget_quoting(settings, [*ids, stray, 999], quoted)
    assert out["forgotten"] == ids[:2] and out["already"] == [ids[2]] and out["gone"] == [stray, 999]
    with open_store(home) as s:
        assert s.log_ids_present(range(1, 1200)) == {*ids, stray}
        assert s.log_ids_present(range(1, 1200), forgotten_only=True) == set(ids)


def _story(settings, tmp_path, fake) -> tuple[str, list[int], int]:
    docs = _docs(tmp_path, 2)
    ingest_paths(settings, [docs], embedder=fake)
    path = str(docs / "hr.md")
    with Store(settings.home.db_path) as s:
        doc = s.document_by_path(path)["id"]
        cid = [c for c, *_ in s.iter_chunk_texts([doc])][0]
        ctx = [{"id": "S1", "chunk_id": cid, "doc_id": doc, "source": path, "text": HR}]
        quoting = s.add_query_log(row(1.0, query=f"When is {NAME} back?", normalized_query="when back", context=ctx))
        # about her, retrieved none of her files; the review names another person too
        about = s.add_query_log(row(2.0, query=f"Is {NAME} on call?", normalized_query="on call"))
        s.set_query_review(about, {"status": "ok", "answer": f"No: {OTHER} is, not {NAME}", "citations": ["S1"]})
    return path, [quoting, about], cid


def test_docs_find_says_where_she_is_and_nothing_around_it(settings, tmp_path, fake, capsys):
    path, (quoting, about), _ = _story(settings, tmp_path, fake)
    export = tmp_path / "export.jsonl"
    export.write_text(json.dumps({"q": f"When is {NAME} back?", "who": OTHER}, ensure_ascii=True) + "\n")
    home = str(settings.home.root)
    assert main(["--home", home, "docs", "find", NAME, "jr-48213", "--also", str(export), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    rows = {(f["table"], f["column"]): f["ids"] for f in out["found"] if f["what"] == "rows"}
    assert rows[("query_log", "query")] == [quoting, about] and ("chunks", "text") in rows
    assert ("query_reviews", "review") in rows and ("query_log", "review") in rows
    assert {f["where"] for f in out["found"] if f["what"] == "also"} == {str(export)}
    assert any(f["what"] == "keyword_terms" and f["terms"] == {"jane": 1, "roe": 1} for f in out["found"])
    assert next(f for f in out["found"] if f["what"] == "rows" and f["table"] == "query_log")["how"] == \
        f"ragtune log forget {quoting} {about}"
    assert main(["--home", home, "docs", "find", NAME]) == 1
    text = capsys.readouterr()
    assert f"ragtune log forget {quoting} {about}" in text.out
    for private in (OTHER, "Kestrel", "medical", "Brightwater", "on call"):  # locations only, never the text
        assert private not in text.out + text.err
    # the documented steps, then the check finds nothing in the home
    assert main(["--home", home, "docs", "remove", path, "--forget-log", "--json"]) == 0
    assert main(["--home", home, "log", "forget", str(about)]) == 0
    capsys.readouterr()
    assert main(["--home", home, "docs", "find", NAME, "JR-48213", "Brightwater"]) == 0
    assert "not found" in capsys.readouterr().out


def test_docs_find_reads_text_split_across_lines_json_escapes_and_utf16(settings, tmp_path, capsys):
    settings.home.ensure()
    (settings.home.root / "eval").mkdir()
    for name, data in (("a.json", json.dumps({"t": "Jane\nRoe"}).encode()), ("b.txt", "JANE ROE".encode("utf-16-le")),
                       ("c.json", json.dumps({"t": "Zoë Brûlé"}).encode()), ("d.txt", b"Janet Roenick")):
        (settings.home.root / "eval" / name).write_bytes(data)
    home = str(settings.home.root)
    assert main(["--home", home, "docs", "find", NAME, "Zoë Brûlé", "--json"]) == 1
    found = {f["where"].rsplit("/", 1)[-1] for f in json.loads(capsys.readouterr().out)["found"]}
    assert found == {"a.json", "b.txt", "c.json"}


def test_docs_find_finds_no_dead_vector_rows_after_an_edit_and_refuses_a_too_short_text(settings, tmp_path, fake, capsys,
                                                                      monkeypatch):
    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 5)
    docs = _docs(tmp_path)
    ingest_paths(settings, [docs], embedder=fake)
    (docs / "guide0.md").write_text("# Guide 0\n\nThe canteen now opens at noon.\n")
    ingest_paths(settings, [docs], embedder=fake)  # an update: the old row is zeroed in place (round 52)
    home = str(settings.home.root)
    assert main(["--home", home, "docs", "find", "nobody-here", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["found"] == []  # (an older release's dead rows: test_r52_maint_vectors)
    assert main(["--home", home, "docs", "find", "ab"]) == 2
    assert "too short" in capsys.readouterr().err


def test_scan_file_finds_a_match_across_blocks_once(tmp_path, monkeypatch):
    from ragtune.appliance import erasure_check as ec

    monkeypatch.setattr(ec, "BLOCK", 64)
    monkeypatch.setattr(ec, "OVERLAP", 16)
    f = tmp_path / "f.bin"
    f.write_bytes(b"x" * 60 + b"jAnE rOe" + b"y" * 100 + b"Jane Roe")  # the first starts in block 0, ends in 1
    assert ec.scan_file(f, ec.patterns(NAME)) == (2, [60, 168])


def test_a_failed_vector_rebuild_is_named_in_the_receipt(settings, tmp_path, fake, monkeypatch):
    from ragtune.appliance.ingest.documents import not_reached
    from ragtune.appliance.vectorwrite import IndexWriter

    monkeypatch.setattr(vectors, "ANN_MIN_CHUNKS", 5)
    docs = _docs(tmp_path)
    ingest_paths(settings, [docs], embedder=fake)

    def broken(self, store, *, rebuild=False):
        raise OSError("disk full")
    monkeypatch.setattr(IndexWriter, "sync", broken)
    summary = remove_documents(settings, [str(docs / "hr.md")])
    assert summary.vectors_rewritten is False
    left, _ = not_reached(settings, summary, None, 0.0)
    assert [x["where"] for x in left if x["what"] == "vector_index"] == [[str(settings.home.root / "vectors")]]
