"""`ragtune ingest` for a new office's shared drive (round 53, h7): the help names every format read by default, a
file locked with a password gets a line saying what to do, a run where no path could be read says why in its hint
(a typo or an unmounted share; the types read and the usual conversions), "1 chunk added" is singular, and an edited
file whose one chunk was embedded again does not print "0 of 1 chunks kept their vectors"; `docs remove` of a document
whose file is still there says the next ingest adds it again."""

from __future__ import annotations

import re
from pathlib import Path

from ragtune.appliance.config import IngestConfig
from ragtune.appliance.ingest.loaders import KINDS
from ragtune.appliance.ingest.summary import IngestSummary
from ragtune.cli import main
from ragtune.cli.ingest_cmd import bad_paths_hint, failed_hint

ROOT = Path(__file__).resolve().parents[2]


def _kinds_default() -> set[str]:
    """The formats read by default, as words (md, docx, msg…): aliases (.markdown, .htm) count as their kind."""
    return {KINDS[e] for e in IngestConfig().extensions}


def test_the_help_and_the_readme_name_every_format_read_by_default(capsys):
    assert main(["ingest", "--help"]) == 0
    helptext = " ".join(capsys.readouterr().out.split())
    listed = re.search(r"Ingest files and folders \(([^)]*)\)", helptext).group(1)
    words = {w.strip() for w in listed.replace("BEIR corpus.jsonl", "beir").split(",")}
    assert words == _kinds_default(), words
    line = next(i for i, ln in enumerate(ROOT.joinpath("README.md").read_text().splitlines())
                if ln.startswith("ragtune ingest ~/docs "))
    readme = " ".join(ROOT.joinpath("README.md").read_text().splitlines()[line:line + 2])
    for ext in IngestConfig().extensions:
        if ext not in (".markdown", ".htm", ".jsonl"):
            assert f" {ext}" in readme, ext


def test_a_password_locked_file_gets_a_hint_once_and_others_none():
    assert failed_hint([("a.pdf", "encrypted PDF (password required)"),
                        ("b.xlsx", "encrypted spreadsheet (password required)")]).startswith(
        "a file with a password to open cannot be read: save a copy without the password")
    assert failed_hint([("c.txt", "empty document"), ("d", "broken symlink")]) is None


def test_no_path_read_says_why_and_which_types_are_read():
    ext = IngestConfig().extensions
    hint = bad_paths_hint([("/srv/shar", "not found"), ("/srv/a.xls", "unsupported file type '.xls'"),
                           ("/srv/b.zip", "unsupported file type '.ZIP'")], ext)
    assert hint.startswith("a path 'not found' is mistyped, or its share is not mounted; the types read are .md ")
    assert hint.endswith("(save an .xls as .xlsx, unpack a .zip)")
    assert bad_paths_hint([("/x.xyz", "unsupported file type '.xyz'")], ext).endswith(".rtf .jsonl")
    assert bad_paths_hint([("/d", "permission denied")], ext) == "each path's reason is listed above"


def test_the_cli_prints_the_hints(home, tmp_path, capsys):
    home.ensure()
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "no-such-share")]) == 2
    captured = capsys.readouterr()
    assert "failed: " in captured.out and "no-such-share: not found" in captured.out
    assert "hint: a path 'not found' is mistyped, or its share is not mounted" in captured.err
    from tests.appliance.ingest_helpers import pdf_bytes

    locked = tmp_path / "share" / "audit.pdf"
    locked.parent.mkdir()
    locked.write_bytes(pdf_bytes("The audit found nothing.", password="s3cret"))
    assert main(["--home", str(home.root), "ingest", str(locked.parent)]) == 2
    captured = capsys.readouterr()
    assert "audit.pdf: encrypted PDF (password required)\nhint: a file with a password to open" in captured.out
    assert "nothing was ingested: 1 file(s) failed" in captured.err
    assert "hint: each one's reason is listed above" in captured.err


def test_one_chunk_is_singular_and_an_edit_without_reuse_says_nothing_of_vectors(home, tmp_path, monkeypatch,
                                                                                capsys):
    import ragtune.appliance.embed
    from tests.appliance.ingest_helpers import FakeEmbedder, real_tokenizer

    tokenizer = real_tokenizer()

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))
    doc = tmp_path / "wifi.md"
    doc.write_text("# Guest Wi-Fi\n\nThe password rotates every Monday.\n")
    assert main(["--home", str(home.root), "ingest", str(tmp_path)]) == 0
    assert "; 1 chunk added; " in capsys.readouterr().out
    doc.write_text("# Guest Wi-Fi\n\nThe password rotates every Wednesday at noon.\n")
    assert main(["--home", str(home.root), "ingest", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "updated 1," in out and "kept their vectors" not in out, out
    # a re-read or an edit that kept some vectors still says so
    assert IngestSummary(chunks_replaced=4, chunks_reused=3).reuse_line() == "3 of 4 chunks kept their vectors"
    assert IngestSummary(reread=1, chunks_replaced=1).reuse_line() == \
        "1 document re-read (reader updated); 0 of 1 chunks kept their vectors"
    assert IngestSummary(chunks_replaced=1).reuse_line() is None


def test_docs_remove_says_when_the_file_is_still_there(home, tmp_path, monkeypatch, capsys):
    import ragtune.appliance.embed
    from ragtune.cli.docs_cmd import files_still_there
    from tests.appliance.ingest_helpers import FakeEmbedder, real_tokenizer

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(real_tokenizer()))
    share = tmp_path / "share"
    share.mkdir()
    for name in ("handbook.md", "copy.md", "old.md"):
        (share / name).write_text(f"# {name}\n\nNew hires get 18 vacation days per year ({name}).\n")
    assert main(["--home", str(home.root), "ingest", str(share)]) == 0
    capsys.readouterr()
    assert main(["--home", str(home.root), "docs", "remove", str(share / "copy.md")]) == 0
    err = capsys.readouterr().err
    assert (f"note: the file is still there ({share / 'copy.md'}): the next `ragtune ingest` of its folder adds it "
            "again; move or delete it to keep it out") in err
    (share / "old.md").unlink()  # deleted first: nothing to say about it
    assert main(["--home", str(home.root), "docs", "remove", str(share / "old.md")]) == 0
    assert "still there" not in capsys.readouterr().err
    assert files_still_there([str(share / "handbook.md"), str(share / "gone.md"), f"{share / 'handbook.md'}#row-1"]) \
        == [str(share / "handbook.md")]
