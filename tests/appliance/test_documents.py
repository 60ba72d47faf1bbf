"""Issue 18: `ragtune docs list|show|remove` (item 2), ingest exit codes and progress (item 6), and the hostile
inputs of item 8 that concern ingest: every failure gives a line and an exit code, stale documents are said."""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.ingest.documents import count_documents, list_documents, remove_documents, show_document
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder, pdf_bytes, write_good


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _consistent(settings):
    with Store(settings.home.db_path) as s:
        lex = LexicalIndex(settings.home.lexical_dir)
        try:
            assert lex.synced_version == s.index_version and lex.num_docs == s.count_chunks() == s.count_vectors()
        finally:
            lex.close()


# -- docs list / show / remove ----------------------------------------------------------------------------------
def test_list_show_and_remove(settings, tmp_path, fake):
    files = write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    docs = list_documents(settings)
    assert len(docs) == 5 == count_documents(settings)  # the chat app's status bar counts the same rows
    md = next(d for d in docs if d.path.endswith(".md"))
    assert md.n_chunks >= 1 and len(md.sha256) == 64 and md.ingested_at > 0 and not md.stale
    doc, chunks = show_document(settings, str(md.id))
    assert doc.path == md.path and len(chunks) == md.n_chunks
    assert show_document(settings, md.path)[0].id == md.id  # by path too

    version = Store(settings.home.db_path).index_version
    dry = remove_documents(settings, [md.path], dry_run=True)
    assert [d.id for d in dry.removed] == [md.id] and count_documents(settings) == 5
    out = remove_documents(settings, [str(md.id)])
    assert [d.path for d in out.removed] == [md.path] and out.chunks_deleted == md.n_chunks
    assert out.index_version == version + 1 and count_documents(settings) == 4
    _consistent(settings)
    assert files  # the files are untouched
    assert all(p.exists() for p in files.values())
    # a folder removes everything under it; a typo is an error, not a silent no-op
    with pytest.raises(InputError, match="no ingested document matches"):
        remove_documents(settings, [str(tmp_path / "nope")])
    out = remove_documents(settings, [str(tmp_path / "docs")])
    assert len(out.removed) == 4 and count_documents(settings) == 0
    _consistent(settings)



def test_remove_while_an_ingest_writes_is_one_clear_error_and_changes_nothing(home, settings, tmp_path, fake,
                                                                             monkeypatch, capsys):
    """Crash sweep: `docs remove` during an ingest sat silent for 30 s, then said "another ingest is writing this
    index ... run ingest again" (the user ran no ingest); now it says it waits, names both and says to run the
    command again. Nothing is removed."""
    import ragtune.appliance.ingest.writer as writer

    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    monkeypatch.setattr(writer.acquire_writer, "__defaults__", (0.0, None))  # do not wait the 30 s an ingest gets
    busy = LexicalIndex(settings.home.lexical_dir)
    with busy.writer() as w:  # the running ingest
        assert main(["--home", str(home.root), "docs", "remove", str(tmp_path / "docs")]) == 75  # busy (EX_TEMPFAIL)
        w.finish(Store(settings.home.db_path).index_version)
    err = capsys.readouterr().err
    assert err.count("waiting (up to 30 s) for an ingest or another `docs remove`") == 1
    assert "another ingest (or `docs remove`) is writing this index" in err and "run this command again" in err
    assert "Traceback" not in err and count_documents(settings) == 5
    _consistent(settings)


def test_a_removal_that_waited_for_another_removal_does_not_claim_its_documents(settings, tmp_path, fake,
                                                                                monkeypatch):
    """Crash sweep: two `docs remove FOLDER` at once both printed "removed 5 document(s)" (the second chose them
    before waiting for the first) and the second bumped the index version for nothing. It now chooses again once
    it holds the writer: what is gone by then is no match."""
    import ragtune.appliance.ingest.writer as writer

    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    acquire = writer.acquire_writer
    first = []

    def the_other_removal_runs_first(lexical, stack, *a, **kw):
        if not first:
            first.append(None)
            first[0] = remove_documents(settings, [str(tmp_path / "docs" / "cats.md")])
        return acquire(lexical, stack, *a, **kw)

    monkeypatch.setattr(writer, "acquire_writer", the_other_removal_runs_first)
    version = Store(settings.home.db_path).index_version
    out = remove_documents(settings, [str(tmp_path / "docs")])
    assert len(first[0].removed) == 1 and len(out.removed) == 4 and count_documents(settings) == 0
    assert out.index_version == version + 2
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    first.clear()
    with pytest.raises(InputError, match="no ingested document matches"):
        remove_documents(settings, [str(tmp_path / "docs" / "cats.md")])  # the other removal took it
    _consistent(settings)


@pytest.mark.parametrize("ref", [str(2**80), "\u00b2"])
def test_an_id_no_row_can_have_is_no_match_not_a_crash(settings, tmp_path, fake, ref):
    """Sweep: `docs show 99999999999999999999999` was an internal OverflowError, `docs show ²` (a digit to
    str.isdigit, not to int) a ValueError."""
    write_good(tmp_path / "docs")
    ingest_paths(settings, [tmp_path / "docs"], embedder=fake)
    with pytest.raises(InputError, match="no ingested document matches"):
        show_document(settings, ref)
    with pytest.raises(InputError, match="no ingested document matches"):
        remove_documents(settings, [ref], dry_run=True)
    assert count_documents(settings) == 5


def test_remove_a_corpus_and_its_rows(settings, tmp_path, fake):
    corpus = tmp_path / "c" / "corpus.jsonl"
    corpus.parent.mkdir()
    corpus.write_text("\n".join(json.dumps({"_id": f"d{i}", "title": "", "text": f"Document number {i} text."})
                                for i in range(3)) + "\n")
    ingest_paths(settings, [corpus], embedder=fake)
    assert len(list_documents(settings, under=corpus)) == 3
    assert len(remove_documents(settings, [f"{corpus}#d1"]).removed) == 1
    assert len(remove_documents(settings, [str(corpus)]).removed) == 2
    assert count_documents(settings) == 0


def test_docs_cli(home, tmp_path, cli_fake, capsys):
    write_good(tmp_path / "docs")
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "list", "--json"]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["n_documents"] == 5
    first = listing["documents"][0]
    assert {"id", "path", "title", "n_chunks", "ingested_at", "sha256", "stale"} <= set(first)
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    out = capsys.readouterr()
    assert first["path"] in out.out and first["sha256"][:12] in out.out and "5 document(s)" in out.err
    assert main(["--home", str(home.root), "docs", "show", str(first["id"]), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["id"] == first["id"] and len(shown["chunks"]) == first["n_chunks"]
    assert main(["--home", str(home.root), "docs", "remove", first["path"], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n_removed"] == 1
    assert main(["--home", str(home.root), "docs", "remove", "999999"]) == 2
    assert "no ingested document matches" in capsys.readouterr().err
    assert main(["--home", str(tmp_path / "no-such-home"), "docs", "list"]) == 2
    assert not (tmp_path / "no-such-home").exists()


# -- exit codes (item 6 and 8) ----------------------------------------------------------------------------------
@pytest.mark.parametrize("name,content", [
    ("corrupt.pdf", b"%PDF-1.4\nthis is not really a pdf"),
    ("empty.md", b""),
    ("corpus.jsonl", b'{"_id": "a", "text": "ok"}\n{"_id": "b", "text": \n'),
])
def test_a_single_bad_file_exits_non_zero(home, tmp_path, cli_fake, capsys, name, content):
    f = tmp_path / name
    f.write_bytes(content)
    assert main(["--home", str(home.root), "ingest", str(f)]) == 2
    cap = capsys.readouterr()
    assert f"failed: {f}" in cap.out and "nothing was ingested" in cap.err


def test_a_folder_where_every_file_fails_exits_non_zero(home, tmp_path, cli_fake, capsys):
    d = tmp_path / "bad"
    d.mkdir()
    (d / "a.pdf").write_bytes(b"%PDF-1.4 broken")
    (d / "b.md").write_bytes(b"")
    os.mkfifo(d / "pipe.md")  # a FIFO is never read (it would block) and gets its line
    assert main(["--home", str(home.root), "ingest", str(d), "--json"]) == 2
    obj = json.loads(capsys.readouterr().out)
    reasons = {os.path.basename(f["path"]): f["reason"] for f in obj["failed"]}
    assert reasons["pipe.md"] == "not a regular file (FIFO): skipped" and len(reasons) == 3
    (d / "good.md").write_text("# Fine\n\nSome text.")
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0  # partly good: 0, failures listed


def test_a_newline_in_a_file_name_keeps_one_line_per_entry(home, tmp_path, cli_fake, capsys):
    d = tmp_path / "odd"
    d.mkdir()
    (d / "two\nlines.md").write_bytes(b"")
    (d / "fine.md").write_text("# Fine\n\nText.")
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    out = capsys.readouterr().out
    assert "failed: " + str(d / "two\\nlines.md") + ": empty document" in out.splitlines()
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2  # header + one document


def test_a_c1_control_in_a_file_name_is_listed_escaped(home, tmp_path, cli_fake, capsys):
    """A C1 control (0x9b: a one-byte CSI to some terminals) in a stored path was printed raw by `docs list`."""
    d = tmp_path / "odd"
    d.mkdir()
    (d / "csi\x9b2J.md").write_text("# Fine\n\nText.")
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    out = capsys.readouterr().out
    assert "\x9b" not in out and str(d / "csi\\x9b2J.md") in out


# -- stale documents (item 8) -----------------------------------------------------------------------------------
def test_a_document_that_fails_to_reingest_is_marked_stale(home, settings, tmp_path, cli_fake, capsys):
    d = tmp_path / "docs"
    d.mkdir()
    f = d / "policy.txt"
    f.write_text("Café opening hours are nine to five.", encoding="utf-8")
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    good = f.read_bytes()
    f.write_bytes("Café opening hours are ten to four.".encode("latin-1"))  # re-saved in another encoding
    capsys.readouterr()
    assert main(["--home", str(home.root), "ingest", str(d), "--json"]) == 2
    obj = json.loads(capsys.readouterr().out)
    assert obj["stale"] and obj["stale"][0]["path"] == str(f) and "UTF-8" in obj["stale"][0]["reason"]
    [doc] = list_documents(settings)
    assert doc.stale and "UTF-8" in doc.stale and doc.stale_since
    assert main(["--home", str(home.root), "docs", "list"]) == 0
    assert "STALE" in capsys.readouterr().out
    assert [x.path for x in list_documents(settings, stale_only=True)] == [str(f)]
    f.write_bytes(good)  # back to what is stored: no longer stale
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    assert not list_documents(settings)[0].stale


# -- progress with an ETA (items 6 and 8) -----------------------------------------------------------------------
def test_progress_is_by_bytes_and_moves_inside_a_big_file(settings, tmp_path, fake, monkeypatch):
    import ragtune.appliance.ingest.run as P

    monkeypatch.setattr(P, "EMBED_SLAB", 8)
    d = tmp_path / "docs"
    d.mkdir()
    (d / "small.md").write_text("# Small\n\nA few words.")
    para = "This sentence is about the storage of many small records in a table. "
    (d / "big.txt").write_text("\n\n".join(para * 8 for _ in range(60)))
    seen = []
    ingest_paths(settings, [d], embedder=fake, on_progress=seen.append)
    big = [p for p in seen if p.path.endswith("big.txt") and p.stage == "embedding"]
    assert len(big) >= 3  # several updates while the one big file is embedded
    fracs = [p.fraction for p in seen]
    assert fracs == sorted(fracs) and fracs[-1] == pytest.approx(1.0)
    assert 0 < big[0].fraction < big[-1].fraction
    # a second run: everything is unchanged, so it leaves the total instead of making a fake rate
    seen.clear()
    ingest_paths(settings, [d], embedder=fake, on_progress=seen.append)
    assert seen and all(p.bytes_done == 0 for p in seen) and seen[-1].bytes_total == 0


def test_cli_progress_lines_without_a_terminal(home, tmp_path, cli_fake, capsys, monkeypatch):
    from ragtune.appliance.ingest import progress as prog

    monkeypatch.setattr(prog.time, "perf_counter", iter(range(0, 10_000, 3)).__next__)  # 3 s per event
    write_good(tmp_path / "docs")
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    err = capsys.readouterr().err.splitlines()
    lines = [x for x in err if x.startswith("ingest ")]
    assert lines and all("ETA" in x and "files" in x for x in lines)


def test_pdf_helper_still_ingests(settings, tmp_path, fake):
    (tmp_path / "r.pdf").write_bytes(pdf_bytes())
    s = ingest_paths(settings, [tmp_path / "r.pdf"], embedder=fake)
    assert s.added == 1 and not s.nothing_ingested
