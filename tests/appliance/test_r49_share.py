"""Round 49: a department share copied from Windows and a Mac (SMB, a USB stick, WSL, a zip). Found: a file whose
name ends in a space or a dot ("notes.txt ", "minutes.txt."; Windows drops them, a copy to Linux keeps them) was
counted as ignored (".txt ", no extension) and never read; a USB stick's recycle bin was walked, so a deleted file
("$RECYCLE.BIN/<SID>/$R3K9Z2A.txt") was ingested and answered from; Windows' own files were counted as ".db", ".ini"
and ".identifier" (WSL's "file.txt:Zone.Identifier"); a Pages/Numbers package folder was walked into, its parts
counted as ".zip", ".jpg", ".plist". Encodings and a second run were right already: guarded here end to end."""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from pathlib import Path

import pytest

from ragtune.appliance.ingest.junk import name_suffix
from ragtune.appliance.ingest.loaders.base import title_from_path
from ragtune.appliance.ingest.walk import MAC_JUNK, NO_EXTENSION, OWNER_FILE, WINDOWS_JUNK, walk
from ragtune.cli import main

from .ingest_helpers import FakeEmbedder

EXTS = [".md", ".txt", ".docx", ".jsonl"]
APPLEDOUBLE = b"\x00\x05\x16\x07\x00\x02\x00\x00Mac OS X        " + b"\x00" * 40
NFC = unicodedata.normalize("NFC", "Qualit\u00e9.txt")
NFD = unicodedata.normalize("NFD", NFC)


@pytest.fixture
def cli_fake(monkeypatch, tokenizer):
    import ragtune.appliance.embed

    monkeypatch.setattr(ragtune.appliance.embed, "Embedder", lambda cfg, home: FakeEmbedder(tokenizer))


def _write(root: Path, files: dict[str, bytes | str]) -> None:
    for rel, data in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(data if isinstance(data, bytes) else data.encode())


def test_a_name_ending_in_spaces_or_dots_is_read_by_its_extension(tmp_path):
    assert [name_suffix(n) for n in ("notes.txt ", "minutes.txt.", "a.TXT. .", "plain.md", "file.", "x")] == \
        [".txt", ".txt", ".txt", ".md", "", ""]
    _write(tmp_path / "s", {"notes.txt ": "Notes\n\nVPN\n", "minutes.txt.": "M\n\nboard\n", "file.": "x"})
    w = walk([tmp_path / "s"], EXTS)
    assert sorted(i.path.name for i in w.items) == ["minutes.txt.", "notes.txt "]
    assert {i.kind for i in w.items} == {"txt"}
    assert w.ignored_exts == {NO_EXTENSION: 1}  # "file." has no extension
    given = walk([tmp_path / "s" / "notes.txt "], EXTS)  # named on the command line too
    assert [i.path.name for i in given.items] == ["notes.txt "] and not given.failed
    assert title_from_path(Path("/s/minutes.txt.")) == "minutes"
    assert title_from_path(Path("/s/my_notes.txt")) == "my notes"  # unchanged for other names


def test_windows_own_files_are_counted_as_windows_metadata(tmp_path):
    _write(tmp_path / "s", {
        "Thumbs.db": b"\xd0\xcf\x11\xe0" + b"\x00" * 60, "sub/thumbs.db": b"\x00", "desktop.ini": "[.ShellClassInfo]",
        "guide.md": "# Guide\n\nlunch\n", "guide.md:Zone.Identifier": "[ZoneTransfer]\r\nZoneId=3\r\n",
        "report.TXT:Zone.Identifier": "[ZoneTransfer]\r\nZoneId=3\r\n", "~$Report.docx": b"\x05Alice" + b"\x00" * 156,
        "app.db": b"SQLite format 3\x00", "setup.ini": "[a]", "Budget.csv": "a;b\r\n",
    })
    _write(tmp_path / "s", {"sub/desktop.ini/odd.md": "# A folder so named is walked\n\nx\n"})
    w = walk([tmp_path / "s"], EXTS)
    assert [i.path.name for i in w.items] == ["guide.md", "odd.md"]
    assert w.ignored_exts == {WINDOWS_JUNK: 5, OWNER_FILE: 1, ".db": 1, ".ini": 1, ".csv": 1}
    assert not w.failed


def test_a_recycle_bin_and_system_volume_information_are_not_entered(tmp_path):
    sid = "S-1-5-21-1111-2222-3333-1001"
    _write(tmp_path / "usb", {
        f"$RECYCLE.BIN/{sid}/$R3K9Z2A.txt": "Deleted\n\nThe old alarm code was 0000.\n",
        f"$RECYCLE.BIN/{sid}/$I3K9Z2A.txt": b"\x02\x00" + b"\x00" * 50,
        f"$Recycle.Bin/{sid}/$RABCDEF.md": "# Gone\n\ngone\n",
        f"RECYCLER/{sid}/Dc1.txt": "XP's bin\n\ngone\n",
        "System Volume Information/IndexerVolumeGuid": b"{1234}",
        "Recycler/plan.txt": "Recycler project\n\nships in May\n",  # a user's folder: walked
        "RECYCLER2/a.txt": "A\n\na\n",
        "kept.txt": "Kept\n\nkept\n",
    })
    (tmp_path / "usb" / "$RECYCLE.BIN.md").write_text("# A file so named is read\n\nx\n")
    w = walk([tmp_path / "usb"], EXTS)
    names = sorted(str(i.path.relative_to(tmp_path / "usb")) for i in w.items)
    assert names == ["$RECYCLE.BIN.md", "RECYCLER2/a.txt", "Recycler/plan.txt", "kept.txt"]
    assert w.ignored_exts == {WINDOWS_JUNK: 5}
    # XP's name is only its bin with a user's SID folder in it
    _write(tmp_path / "other", {"RECYCLER/notes.txt": "N\n\nn\n"})
    assert [i.path.name for i in walk([tmp_path / "other"], EXTS).items] == ["notes.txt"]


def test_an_apple_package_is_one_ignored_file_and_not_entered(tmp_path):
    _write(tmp_path / "m", {
        "Plan.pages/Index.zip": b"PK\x05\x06" + b"\x00" * 18, "Plan.pages/preview.jpg": b"\xff\xd8",
        "Plan.pages/Metadata/Properties.plist": b"bplist00", "Plan.pages/Data/attached.txt": "A\n\na\n",
        "Old.pages/index.xml.gz": b"\x1f\x8b", "Old.pages/QuickLook/Thumbnail.jpg": b"\xff\xd8",
        "Sheet.numbers/Index/Document.iwa": b"\x00", "Talk.key/Index.zip": b"PK",
        "2024.key/agenda.md": "# Agenda\n\nkeynote day\n",  # a user's folder that ends so: walked
        "Single.pages": b"PK\x03\x04",  # the single-file form: an ignored .pages, as before
    })
    w = walk([tmp_path / "m"], EXTS)
    assert [str(i.path.relative_to(tmp_path / "m")) for i in w.items] == ["2024.key/agenda.md"]
    assert w.ignored_exts == {".pages": 3, ".numbers": 1, ".key": 1}


def _share(root: Path) -> None:
    from .ingest_helpers import docx_bytes

    body = "Kettle rules\r\n\r\nStaff park in lot B near the gatehouse.\r\n"
    _write(root, {
        "Windows/utf16le_bom.txt": b"\xff\xfe" + body.encode("utf-16-le"),
        "Windows/utf16be_nobom.txt": "Badge policy\r\n\r\nLost badges cost 15 euros to replace.\r\n".encode("utf-16-be"),
        "Windows/utf8_bom.txt": b"\xef\xbb\xbf" + "Caf\u00e9 menu\r\n\r\nCr\u00eapes cost 4 \u20ac.\r\n".encode(),
        "Windows/ansi.txt": "Memo\r\n\r\n\u201cTravel\u201d over 200 \u20ac \u2013 ask Dana\u2019s team\r\n".encode("cp1252"),
        "Windows/lone_cr.txt": b"Old note\r\rThe archive key is with Priya.\r",
        "Windows/notes.txt ": "Trailing space\n\nThe VPN token is renewed every 90 days.\n",
        "Windows/Policy.docx": docx_bytes("Travel policy", "Trains for trips under 500 km."),
        "Windows/policy.DOCX": docx_bytes("Travel policy v2", "Trains for trips under 700 km."),
        "Windows/Thumbs.db": b"\xd0\xcf\x11\xe0" + b"\x00" * 60,
        "Windows/notes.txt :Zone.Identifier": "[ZoneTransfer]\r\nZoneId=3\r\n",
        "Windows/~$Policy.docx": b"\x05Alice" + b"\x00" * 156,
        "Windows/$RECYCLE.BIN/S-1-5-21-1-2-3-1001/$R3K9Z2A.txt": "Deleted\n\nThe old alarm code was 0000.\n",
        f"Mac/{NFC}": "Composed\n\nThe audit is in March.\n",
        f"Mac/{NFD}": "Decomposed\n\nThe audit moved to April.\n",
        f"Mac/._{NFD}": APPLEDOUBLE,
        "Mac/.DS_Store": b"\x00\x00\x00\x01Bud1",
        "Mac/Plan.pages/Index.zip": b"PK\x05\x06",
    })


def test_a_share_from_windows_and_a_mac_ingests_cleanly_and_twice_the_same(home, tmp_path, cli_fake, capsys):
    share = tmp_path / "share"
    _share(share)
    assert main(["--home", str(home.root), "ingest", str(share), "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert first["added"] == 10 and first["failed"] == []
    assert first["ignored_exts"] == {WINDOWS_JUNK: 3, MAC_JUNK: 2, ".pages": 1, OWNER_FILE: 1}
    with sqlite3.connect(home.db_path) as db:
        rows = dict(db.execute("select d.path, c.text from documents d join chunks c on c.doc_id = d.id"))
    texts = {str(Path(p).relative_to(share)): t for p, t in rows.items()}
    assert all("\r" not in t and "\ufeff" not in t and "\u00c3" not in t and "\x00" not in t for t in texts.values())
    assert texts["Windows/utf16le_bom.txt"] == "Kettle rules\n\nStaff park in lot B near the gatehouse."
    assert texts["Windows/utf16be_nobom.txt"] == "Badge policy\n\nLost badges cost 15 euros to replace."
    assert texts["Windows/utf8_bom.txt"] == "Caf\u00e9 menu\n\nCr\u00eapes cost 4 \u20ac."
    assert texts["Windows/ansi.txt"] == "Memo\n\n\u201cTravel\u201d over 200 \u20ac \u2013 ask Dana\u2019s team"
    assert texts["Windows/notes.txt "].endswith("every 90 days.")
    assert f"Mac/{NFC}" in texts and f"Mac/{NFD}" in texts  # twins: two documents
    assert {"Windows/Policy.docx", "Windows/policy.DOCX"} <= set(texts)
    assert not any("RECYCLE" in p for p in texts)
    # a second run with nothing changed: nothing read, nothing written
    assert main(["--home", str(home.root), "ingest", str(share), "--json"]) == 0
    second = json.loads(capsys.readouterr().out)
    assert (second["added"], second["updated"], second["unchanged"]) == (0, 0, 10)
    assert second["index_version"] == first["index_version"]
    assert second["ignored_exts"] == first["ignored_exts"]


def test_the_summary_names_windows_junk_and_a_package(home, tmp_path, cli_fake, capsys):
    share = tmp_path / "share"
    _share(share)
    assert main(["--home", str(home.root), "ingest", str(share)]) == 0
    out = capsys.readouterr().out
    assert "3 Windows metadata file(s)" in out and ".pages ×1" in out and "2 macOS metadata file(s)" in out
    assert ".identifier" not in out and ".db" not in out and ".txt " not in out
