"""`docs remove` says when a removed document's file is still there (the next ingest adds it again): with
--forget-log too (round 53, rH: the erasure receipt returned before the note), and for paths with '#' told as
`docs list` tells them (prune.file_there): a corpus row whose id holds a '#', a deleted `a#b.md` beside a file `a`."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from ragtune.cli import main
from ragtune.cli.docs_cmd import files_still_there

STILL = "note: the file is still there ({}): the next `ragtune ingest` of its folder adds it again"


@pytest.fixture
def fake_embedder(monkeypatch):
    import ragtune.appliance.embed
    from tests.appliance.ingest_helpers import FakeEmbedder, real_tokenizer

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(real_tokenizer()))


def test_forget_log_says_the_file_is_still_there(home, tmp_path, fake_embedder, capsys):
    share = tmp_path / "share"
    share.mkdir()
    for n in ("salaries.md", "other.md"):
        (share / n).write_text(f"# {n}\n\nConfidential: {n} lists what each person earns.\n")
    assert main(["--home", str(home.root), "ingest", str(share)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "remove", "--forget-log", str(share / "salaries.md")]) == 0
    out = capsys.readouterr()
    assert "erasure receipt" in out.out and STILL.format(share / "salaries.md") in out.err
    assert main(["--home", str(home.root), "docs", "remove", "--forget-log", "--json", str(share / "other.md")]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["n_removed"] == 1 and STILL.format(share / "other.md") in out.err
    (share / "gone.md").write_text("# gone\n\nThe badge office is on floor 2.\n")
    assert main(["--home", str(home.root), "ingest", str(share)]) == 0
    (share / "gone.md").unlink()
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "remove", "--forget-log", str(share / "gone.md")]) == 0
    assert "still there" not in capsys.readouterr().err


def test_hash_paths_are_told_as_docs_list_tells_them(home, tmp_path, fake_embedder, capsys):
    share = tmp_path / "share"
    share.mkdir()
    corpus = share / "faq.jsonl"
    corpus.write_text("\n".join(json.dumps({"_id": i, "title": "", "text": f"Answer {i}: parking costs 45 euros."})
                                for i in ("q#1", "q#2")) + "\n")
    (share / "a#b.md").write_text("# Notes\n\nThe office opens at 7:30.\n")
    (share / "a").write_text("plain file a, never ingested (no suffix)\n")
    assert main(["--home", str(home.root), "ingest", str(share), str(corpus)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "remove", f"{corpus}#q#1"]) == 0
    assert STILL.format(corpus) in capsys.readouterr().err  # the row id holds a '#': its corpus file is there
    (share / "a#b.md").unlink()
    assert main(["--home", str(home.root), "docs", "remove", str(share / "a#b.md")]) == 0
    assert "still there" not in capsys.readouterr().err  # `a` is no corpus file of a row `b.md`


def test_files_still_there_uses_the_documents_kinds(tmp_path):
    (tmp_path / "a").write_text("x")
    (tmp_path / "c.jsonl").write_text("{}\n")
    (tmp_path / "d.md").mkdir()  # a folder where the file was: gone
    doc = lambda path, kind: SimpleNamespace(path=str(tmp_path / path), kind=kind)  # noqa: E731
    assert files_still_there([doc("a#b.md", "markdown"), doc("a#b", "beir"), doc("d.md", "markdown")]) == []
    assert files_still_there([doc("c.jsonl#x#y", "beir"), doc("c.jsonl#z", "beir"), doc("a", "text")]) \
        == [str(tmp_path / "c.jsonl"), str(tmp_path / "a")]
    assert files_still_there([str(tmp_path / "a#b.md")]) == []  # kind unknown: `a` is no corpus file
