"""Round 44: documents copied from Windows and macOS machines. A Mac's junk (AppleDouble "._x" files, .DS_Store,
"Icon\\r", a zip's __MACOSX/ folder) is counted as ignored and said in the summary; __MACOSX/ was entered and
whatever document-named file it held was ingested, the rest skipped without a word. A path typed with a composed "é"
finds the file a Mac named with a decomposed one (it was "not found"). A Windows path on the command line says it is
one (it was "/home/u/C:\\Docs\\a.md: not found"). Decoding (CRLF, lone CR, BOMs, UTF-16, cp1252 punctuation) was
right already: guarded here through the whole ingest."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from ragtune.appliance.ingest.walk import MAC_JUNK, NO_EXTENSION, walk
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder

APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 40
NFC = unicodedata.normalize("NFC", "r\u00e9sum\u00e9")
NFD = unicodedata.normalize("NFD", NFC)


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _mac_copy(tmp_path):
    d = tmp_path / "docs"
    (d / "__MACOSX" / "sub").mkdir(parents=True)
    (d / "a.md").write_text("# A\n\nApples and pears.\n")
    (d / "._a.md").write_bytes(APPLEDOUBLE)
    (d / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1" + b"\x00" * 20)
    (d / "Icon\r").write_bytes(b"")
    (d / "__MACOSX" / "._a.md").write_bytes(APPLEDOUBLE)
    (d / "__MACOSX" / "sub" / "._b.md").write_bytes(APPLEDOUBLE)
    (d / "__MACOSX" / "copied.md").write_text("# Copy\n\nA stray copy.\n")
    return d


def test_mac_junk_is_counted_as_ignored_and_macosx_is_not_entered(tmp_path):
    d = _mac_copy(tmp_path)
    (d / ".hidden.md").write_text("# H\n\nhidden\n")  # other hidden files: skipped, not counted, as before
    (d / "._folder").mkdir()  # a folder named so is only hidden
    (d / "._folder" / "x.md").write_text("# X\n\nx\n")
    w = walk([d], [".md"])
    assert [i.path.name for i in w.items] == ["a.md"]
    assert w.ignored_exts == {MAC_JUNK: 6}
    assert not w.failed


def test_ingest_says_the_mac_junk_was_ignored(home, tmp_path, cli_fake, capsys):
    d = _mac_copy(tmp_path)
    assert main(["--home", str(home.root), "ingest", str(d)]) == 0
    out = capsys.readouterr().out
    assert "ignored 6 macOS metadata file(s) (._*, .DS_Store)" in out, out
    assert main(["--home", str(home.root), "ingest", str(d), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["ignored_exts"] == {MAC_JUNK: 6} and obj["unchanged"] == 1 and obj["added"] == 0


def test_a_composed_name_finds_the_decomposed_file_a_mac_wrote(tmp_path):
    (tmp_path / f"{NFD} dir").mkdir()
    f = tmp_path / f"{NFD} dir" / f"{NFD}.md"
    f.write_text("# R\n\nwords\n")
    w = walk([tmp_path / f"{NFC} dir" / f"{NFC}.md", tmp_path / f"{NFC} dir"], [".md"])
    assert not w.failed and w.paths_bad == 0
    assert [str(i.path) for i in w.items] == [str(f)]  # stored as the disk spells it, once
    assert w.prune_roots == [tmp_path / f"{NFD} dir"]


def test_twins_that_differ_only_in_unicode_form_stay_two_documents(tmp_path):
    d = tmp_path / "docs"
    d.mkdir()
    (d / f"{NFC}.md").write_text("# One\n\nfirst\n")
    (d / f"{NFD}.md").write_text("# Two\n\nsecond\n")
    assert len(walk([d], [".md"]).items) == 2  # neither merged nor dropped
    for name in (NFC, NFD):  # the exact name typed is the one taken
        assert [i.path.name for i in walk([d / f"{name}.md"], [".md"]).items] == [f"{name}.md"]


def test_a_missing_name_with_no_single_match_is_not_found(tmp_path):
    (tmp_path / "caf\u00e9s.md").write_text("x\n")
    w = walk([tmp_path / "caf\u00e9.md"], [".md"])
    assert w.failed == [(str(tmp_path / "caf\u00e9.md"), "not found")]


def test_a_windows_path_is_said_to_be_one(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs" / "sub dir").mkdir(parents=True)
    (tmp_path / "docs" / "sub dir" / "a.md").write_text("# A\n\nwords\n")
    typed = ("C:\\Docs\\a.md", "\\\\server\\share\\b.md", "docs\\sub dir\\a.md", "docs\\gone.md")
    w = walk([Path(p) for p in typed], [".md"])
    far = "not found: a Windows path (give the path of its copy on this machine, with / between folders)"
    assert w.failed == [("C:\\Docs\\a.md", far), ("\\\\server\\share\\b.md", far),
                        ("docs\\sub dir\\a.md", "not found: a Windows path (did you mean 'docs/sub dir/a.md'?)"),
                        ("docs\\gone.md", far)]
    assert w.paths_bad == 4 and not w.items


def test_windows_and_mac_text_is_decoded_without_cr_bom_or_mojibake(home, tmp_path, cli_fake, capsys):
    d = tmp_path / "docs"
    d.mkdir()
    files = {
        "crlf.md": b"# Crlf\r\n\r\nline one\r\nline two\r\n",
        "lone cr.txt": b"Lone\r\rThe walrus budget.\rMore.\r",
        "bom.md": b"\xef\xbb\xbf# Bom\r\n\r\ntext\r\n",
        "notepad unicode.TXT": "\ufeffWide\r\n\r\ncaf\u00e9 season\r\n".encode("utf-16-le"),
        "be.Md": "\ufeff# Be\r\n\r\notter\r\n".encode("utf-16-be"),
        "ansi.txt": b"Ansi\r\n\r\n\x93Quoted\x94 costs \x80 5 \x96 manager\x92s\r\n",
        "empty.md": b"",
    }
    for name, data in files.items():
        (d / name).write_bytes(data)
    assert main(["--home", str(home.root), "ingest", str(d), "--json"]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["added"] == 6 and obj["failed"] == [{"path": str(d / "empty.md"), "reason": "empty document"}]
    with sqlite3.connect(home.db_path) as db:
        rows = dict(db.execute("select d.path, c.text from documents d join chunks c on c.doc_id = d.id"))
    texts = {p.rsplit("/", 1)[1]: t for p, t in rows.items()}
    assert all("\r" not in t and "\ufeff" not in t and "\u00c3" not in t for t in texts.values()), texts
    assert texts["lone cr.txt"] == "Lone\n\nThe walrus budget.\nMore."
    assert texts["notepad unicode.TXT"] == "Wide\n\ncaf\u00e9 season"
    assert texts["ansi.txt"] == "Ansi\n\n\u201cQuoted\u201d costs \u20ac 5 \u2013 manager\u2019s"
    assert NO_EXTENSION not in obj["ignored_exts"]
