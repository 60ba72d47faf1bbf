"""Round 52: `ragtune ingest` of a Word 97-2003 .doc given by name: stored and searchable (the loader's own tests:
test_r52_doc.py). `.doc` is in the default `[ingest] extensions`."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main

from . import doc_build as db
from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def test_a_doc_file_is_ingested_and_found(home, tmp_path, cli_fake, capsys):
    f = tmp_path / "records" / "Disposal schedule 1998.doc"
    f.parent.mkdir()
    f.write_bytes(db.word_doc("Disposal schedule\rSeries\x07Retention\x07" + db.ROW
                              + "Planning applications\x07Fifteen years\x07" + db.ROW, title="Disposal schedule"))
    assert main(["--home", str(home.root), "ingest", str(f), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj.get("failed") in (0, [], {}, None), obj
    assert main(["--home", str(home.root), "search", "planning applications retention fifteen years"]) == 0
    assert "Disposal schedule 1998.doc" in capsys.readouterr().out
