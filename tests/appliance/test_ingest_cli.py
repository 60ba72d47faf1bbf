"""`ragtune ingest`, the command over the ingest pipeline (test_ingest.py): its summary, JSON and exit codes, one
clear line for a bad path, file or name, and what an interrupted, stopped or waiting run says."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from ragtune.appliance.ingest.pipeline import IngestSummary
from ragtune.appliance.lexical import LexicalIndex
from ragtune.appliance.store import Store

from .ingest_helpers import FakeEmbedder, write_bad, write_good
from .test_ingest import _check_consistent


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def test_an_interrupted_ingest_keeps_whole_documents_and_the_next_one_says_so(home, settings, tmp_path, cli_fake,
                                                                             monkeypatch, capsys):
    """Crash sweep: an ingest cut off mid-run (killed, Ctrl-C) keeps each document it finished, whole (chunks and
    vectors match); the next ingest rebuilds the keyword index, adds the rest, and says the earlier run did not
    finish (it said nothing before)."""
    from ragtune.cli import main

    write_good(tmp_path / "docs")
    put = Store.put_document
    calls = []

    def put_then_stop(self, **kw):
        if len(calls) == 2:
            raise KeyboardInterrupt  # as a kill: no code of the run after this point runs to completion
        calls.append(kw["path"])
        return put(self, **kw)

    monkeypatch.setattr(Store, "put_document", put_then_stop)
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 130
    monkeypatch.setattr(Store, "put_document", put)
    with Store(settings.home.db_path) as st:
        assert sorted(p for _, p in st.documents_under(str(tmp_path))) == sorted(calls)
        assert [r[0] for r in st.query("SELECT id FROM chunks ORDER BY id")] == \
            [r[0] for r in st.query("SELECT rowid FROM chunk_vec ORDER BY rowid")]
    assert LexicalIndex(settings.home.lexical_dir).synced_version is None  # dirty: the next open rebuilds it
    capsys.readouterr()
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    out = capsys.readouterr().out
    assert "an earlier ingest into this home did not finish" in out and "added 3, updated 0, unchanged 2" in out
    _check_consistent(settings)
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    out = capsys.readouterr().out
    assert "did not finish" not in out and "unchanged 5" in out


def test_an_ingest_that_waits_for_another_says_so_then_fails_clearly(home, settings, tmp_path, cli_fake,
                                                                      monkeypatch, capsys):
    """Crash sweep: a second ingest into the same home sat silent for 30 s (the writer's wait) before its error."""
    import ragtune.appliance.ingest.writer as writer
    from ragtune.cli import main

    write_good(tmp_path / "docs")
    monkeypatch.setattr(writer.acquire_writer, "__defaults__", (0.0, None))  # do not wait the 30 s
    busy = LexicalIndex(settings.home.lexical_dir)
    with busy.writer():  # the other ingest
        assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 75  # busy (EX_TEMPFAIL), not 4
    err = capsys.readouterr().err
    assert err.count("waiting (up to 30 s) for another ingest") == 1
    assert "error: " in err and "is writing this index" in err and "Traceback" not in err


def test_cli_json(home, tmp_path, cli_fake):
    from ragtune.cli import cli

    write_good(tmp_path / "docs")
    write_bad(tmp_path / "docs" / "bad")
    r = CliRunner().invoke(cli, ["--home", str(home.root), "ingest", str(tmp_path / "docs"), "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert obj["added"] == 5 and len(obj["failed"]) == 6
    assert all(set(f) == {"path", "reason"} for f in obj["failed"])


def test_cli_text_and_exit_codes(home, tmp_path, cli_fake, capsys):
    from ragtune.cli import main

    write_good(tmp_path / "docs")
    (tmp_path / "docs" / "empty.txt").write_text("")
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    out = capsys.readouterr().out
    assert "added 5" in out and f"failed: {tmp_path / 'docs' / 'empty.txt'}: empty document" in out
    # some paths bad, some fine: still 0
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs"), str(tmp_path / "missing")]) == 0
    capsys.readouterr()
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "missing")]) == 2
    cap = capsys.readouterr()
    assert f"failed: {tmp_path / 'missing'}: not found" in cap.out and cap.err.startswith("error: ")
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "missing"), "--json"]) == 2
    obj = json.loads(capsys.readouterr().out)  # still exactly one JSON object on stdout
    assert obj["paths_bad"] == 1 and obj["failed"] == [{"path": str(tmp_path / "missing"), "reason": "not found"}]


def test_cli_main_no_traceback_on_model_error(home, tmp_path, capsys):
    """A whole-run problem (the embedder cannot load) is one `error:` line and a typed exit code."""
    from ragtune.cli import main

    (tmp_path / "a.md").write_text("# A\n\ntext")
    cfg = tmp_path / "c.toml"
    cfg.write_text('[embed]\nmodel = "/nonexistent/embedder"\n')
    code = main(["--home", str(home.root), "--config", str(cfg), "ingest", str(tmp_path / "a.md")])
    err = capsys.readouterr().err
    assert code == 3 and err.startswith("error: ") and "Traceback" not in err


def test_cli_an_empty_folder_says_there_is_nothing_to_ingest(home, tmp_path, cli_fake, capsys):
    """Sweep: `ingest EMPTY_FOLDER` printed only zero counts, nothing that says why."""
    from ragtune.cli import main

    (tmp_path / "empty").mkdir()
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "empty")]) == 0
    assert "nothing to ingest there: no .md " in capsys.readouterr().out


def test_cli_a_failure_that_names_its_file_and_line_is_printed_once(home, tmp_path, cli_fake, capsys):
    """Sweep: a corpus.jsonl's bad line was printed as 'failed: PATH: PATH:2: …'."""
    from ragtune.cli import main

    bad = tmp_path / "corpus.jsonl"
    bad.write_text('{"_id": "d1", "text": "hello"}\n{"_id": 5\n', encoding="utf-8")
    assert main(["--home", str(home.root), "ingest", str(bad)]) != 0
    out = capsys.readouterr().out
    assert f"failed: {bad}:2: " in out and f"{bad}: {bad}" not in out


def test_cli_an_empty_path_is_refused_not_the_current_folder(home, tmp_path, cli_fake, capsys, monkeypatch):
    """Sweep: `ragtune ingest "$DOCS"` with DOCS unset ingested the folder the command ran in (Path("") is ".")."""
    from ragtune.cli import main

    write_good(tmp_path / "cwd")
    monkeypatch.chdir(tmp_path / "cwd")
    assert main(["--home", str(home.root), "ingest", ""]) == 2
    assert "an empty path" in capsys.readouterr().err
    assert main(["--home", str(home.root), "ingest", ".", " ", "--prune"]) == 2
    assert not home.db_path.exists()  # nothing was read, nothing was stored
    assert main(["--home", str(home.root), "ingest", "."]) == 0  # '.' says it on purpose


def test_a_pdf_with_scanned_pages_is_ingested_with_a_note(home, tmp_path, cli_fake, capsys):
    """Pages that are only images cannot be searched (no OCR): said per document, not silently left out."""
    from ragtune.cli import main

    from .ingest_helpers import pdf_pages_bytes

    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "mixed.pdf").write_bytes(pdf_pages_bytes([["The warranty lasts two years."]], image_pages=2))
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "note: " in out and "mixed.pdf: 2 of 3 pages are images without text (page 2, 3: scanned?" in out
    (tmp_path / "d" / "mixed.pdf").write_bytes(pdf_pages_bytes([["The warranty lasts three years."]], image_pages=1))
    assert main(["--home", str(home.root), "ingest", "--json", str(tmp_path / "d")]) == 0
    notes = json.loads(capsys.readouterr().out)["notes"]
    assert len(notes) == 1 and notes[0]["note"].startswith("1 of 2 pages are images without text (page 2:")


def test_ctrl_c_stops_the_cli_ingest_after_the_current_document(home, settings, tmp_path, cli_fake, monkeypatch,
                                                                 capsys):
    """The first Ctrl-C: the document being read is finished and stored, the rest is left for the next run (exit
    130 after the summary); the same command then goes on."""
    import signal

    import ragtune.appliance.ingest.pipeline as pl
    from ragtune.cli import main

    docs = write_good(tmp_path / "docs")
    real = dict(pl.LOADERS)

    def interrupting(path, raw):
        os.kill(os.getpid(), signal.SIGINT)  # as if the person pressed Ctrl-C while this file is read
        return real["md"](path, raw)

    monkeypatch.setitem(pl.LOADERS, "md", interrupting)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal (a background job ignores it)
    try:
        assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 130
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # the handler is put back
    finally:
        signal.signal(signal.SIGINT, before)
    out, err = capsys.readouterr()
    assert "stopping: what is read is kept, a big file being read is read again next time (Ctrl-C again to abort " \
        "now)" in err
    assert "stopped (Ctrl-C):" in out and "run the same command again to go on" in out and "Traceback" not in err
    with Store(settings.home.db_path) as st:
        assert 1 <= len(st.documents()) < len(docs)  # up to the document being read when Ctrl-C came
    monkeypatch.setitem(pl.LOADERS, "md", real["md"])
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    with Store(settings.home.db_path) as st:
        assert len(st.documents()) == len(docs)


def test_cli_a_file_name_with_a_c1_control_or_a_byte_not_utf8_is_printed_escaped(home, tmp_path, cli_fake, capsys,
                                                                                  monkeypatch):
    """A C1 control in a file name (0x9b: a one-byte CSI to some terminals) was printed raw, and a name that is not
    UTF-8 (a surrogate in Python's str) failed click.echo's encoding: an internal error instead of the summary."""
    import ragtune.appliance.ingest.pipeline as pipeline
    from ragtune.cli import main

    d = tmp_path / "docs"
    d.mkdir()
    (d / "empty\x9b2J.txt").write_bytes(b"")
    assert main(["--home", str(home.root), "ingest", str(d)]) == 2  # nothing ingested: 1 file failed
    out = capsys.readouterr().out
    assert f"failed: {d}/empty\\x9b2J.txt: empty document" in out and "\x9b" not in out
    # The store encodes paths as strict UTF-8 and cannot hold such a name yet: a summary that holds one is given.
    odd = "/d/scan" + os.fsdecode(b"\xff") + ".pdf"  # "/d/scan\udcff.pdf"
    summary = IngestSummary(added=1, notes=[(odd, "2 pages hold no text")], failed=[(odd + "2", "empty document")])
    monkeypatch.setattr(pipeline, "ingest_paths", lambda *a, **kw: summary)
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    out = capsys.readouterr().out
    assert "note: /d/scan\\udcff.pdf: 2 pages hold no text" in out
    assert "failed: /d/scan\\udcff.pdf2: empty document" in out
