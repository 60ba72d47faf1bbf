"""Round 52: `ragtune ingest` of a Word 97-2003 .doc given by name: stored and searchable (the loader's own tests:
test_r52_doc.py). `.doc` is in the default `[ingest] extensions`."""

from __future__ import annotations

from ragtune.cli import main

from . import doc_build as db
from .ingest_helpers import cli_ingest_one


def test_a_doc_file_is_ingested_and_found(home, tmp_path, monkeypatch, tokenizer, capsys):
    doc = db.word_doc("Disposal schedule\rSeries\x07Retention\x07" + db.ROW
                      + "Planning applications\x07Fifteen years\x07" + db.ROW, title="Disposal schedule")
    cli_ingest_one(home, tmp_path / "records" / "Disposal schedule 1998.doc", doc, monkeypatch, tokenizer, capsys)
    assert main(["--home", str(home.root), "search", "planning applications retention fifteen years"]) == 0
    assert "Disposal schedule 1998.doc" in capsys.readouterr().out
