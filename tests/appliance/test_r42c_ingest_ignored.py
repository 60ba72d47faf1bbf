"""Round 42: `ragtune ingest` says which extensions the files it ignored had ("ignored 3 file(s) with other
extensions (.csv ×2, .tsv ×1)", at most a few named), and --json counts them per extension (`ignored_exts`, beside
the unchanged `ignored`). The walk counts them per extension (ingest/walk.py)."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.ingest.summary import IngestSummary
from ragtune.appliance.ingest.walk import NO_EXTENSION, OWNER_FILE, walk
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _folder(tmp_path):
    d = tmp_path / "docs"
    (d / "sub").mkdir(parents=True)
    (d / "a.md").write_text("# A\n\nSome words about apples and pears.\n")
    (d / "one.log").write_text("a,b\n")  # (.csv is read since round 51)
    (d / "sub" / "two.LOG").write_text("a,b\n")
    (d / "t.tsv").write_text("a\tb\n")
    (d / "README").write_text("no extension\n")
    (d / "queries.jsonl").write_text('{"_id": "q1", "text": "x"}\n')  # a JSONL that is not a corpus
    (d / "~$a.docx").write_bytes(b"owner")  # an Office owner file
    return d


def test_the_walk_counts_ignored_files_per_extension(tmp_path):
    w = walk([_folder(tmp_path)], [".md", ".jsonl"])
    assert w.ignored_exts == {".log": 2, ".tsv": 1, NO_EXTENSION: 1, ".jsonl": 1, OWNER_FILE: 1}
    assert w.ignored == 6


def test_ingest_names_the_ignored_extensions_and_json_counts_them(home, tmp_path, cli_fake, capsys):
    d = _folder(tmp_path)
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    out = capsys.readouterr().out
    line = next(x for x in out.splitlines() if x.startswith("ignored "))
    # was: "ignored 6 file(s) with other extensions", without saying which; the most common first, at most 4
    want = "ignored 6 file(s) with other extensions (.log ×2, .jsonl ×1, .tsv ×1, no extension ×1, …)"
    assert line == want, line
    assert main(["--home", str(home.root), "ingest", str(d), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["ignored"] == 6  # the key as it was
    assert obj["ignored_exts"] == {".log": 2, ".jsonl": 1, ".tsv": 1, NO_EXTENSION: 1, OWNER_FILE: 1}


def test_the_line_with_few_extensions_names_all_and_none_when_nothing_was_ignored():
    s = IngestSummary(ignored=2, ignored_exts={".tsv": 1, ".csv": 1})
    assert s.ignored_line() == "ignored 2 file(s) with other extensions (.csv ×1, .tsv ×1)"
    assert IngestSummary().ignored_line() is None and IngestSummary().to_json()["ignored_exts"] == {}
    assert IngestSummary(ignored=3).ignored_line() == "ignored 3 file(s) with other extensions"  # a bare count
