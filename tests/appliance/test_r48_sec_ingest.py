"""Round 48, red team: hostile files and folders given to ingest (docs/security.md, "Hostile files")."""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import LoadError, load_docx
from ragtune.appliance.ingest.loaders import web
from ragtune.appliance.ingest.walk import read_item, walk

EXTS = [".md", ".txt", ".html", ".docx"]


@pytest.fixture()
def tree(tmp_path):
    docs, secret = tmp_path / "docs", tmp_path / "private"
    docs.mkdir()
    secret.mkdir()
    (secret / "id_rsa").write_text("SECRET KEY MATERIAL\n")
    (docs / "a.md").write_text("# A\n\nharmless\n")
    (docs / "sub").mkdir()
    (docs / "sub" / "b.md").write_text("# B\n\nharmless too\n")
    return docs, secret


def _item(w, name):
    return next(i for i in w.items if i.path.name == name)


def test_a_file_swapped_for_an_outside_link_after_the_walk_is_not_read(tree):
    docs, secret = tree
    w = walk([docs], EXTS)
    a = _item(w, "a.md")
    (docs / "a.md").unlink()
    (docs / "a.md").symlink_to(secret / "id_rsa")  # swapped while ingest read the files before it
    with pytest.raises(LoadError, match="symlink outside the folder"):
        read_item(a, 50)


def test_a_folder_swapped_for_an_outside_link_after_the_walk_is_not_read(tree):
    docs, secret = tree
    w = walk([docs], EXTS)
    b = _item(w, "b.md")
    (secret / "b.md").write_text("SECRET\n")
    (docs / "sub" / "b.md").unlink()
    (docs / "sub").rmdir()
    (docs / "sub").symlink_to(secret)
    with pytest.raises(LoadError, match="symlink outside the folder"):
        read_item(b, 50)


def test_a_fifo_swapped_in_after_the_walk_is_refused_without_hanging(tree):
    docs, _ = tree
    w = walk([docs], EXTS)
    a = _item(w, "a.md")
    (docs / "a.md").unlink()
    os.mkfifo(docs / "a.md")
    out: list = []

    def go():
        try:
            out.append(read_item(a, 50))
        except LoadError as exc:
            out.append(exc.reason)

    t = threading.Thread(target=go, daemon=True)
    t.start()
    t.join(10)
    if t.is_alive():  # unblock the reader so the test run can go on
        with open(docs / "a.md", "wb"):
            pass
        pytest.fail("reading a FIFO blocked")
    assert out and "not a regular file (FIFO)" in str(out[0])


def test_what_the_walk_allowed_is_read_as_before(tree):
    docs, _ = tree
    (docs / "link.md").symlink_to(docs / "sub" / "b.md")  # a link inside the folder: followed
    (docs / "empty.md").write_bytes(b"")
    w = walk([docs], EXTS)
    assert read_item(_item(w, "a.md"), 50) == b"# A\n\nharmless\n"
    assert read_item(_item(w, "b.md"), 50) == b"# B\n\nharmless too\n"
    assert read_item(_item(w, "empty.md"), 50) == b""
    (docs / "a.md").write_text("x" * 3000)
    with pytest.raises(LoadError, match="over size limit"):
        read_item(_item(w, "a.md"), 0.001)
    (docs / "a.md").unlink()
    with pytest.raises(LoadError, match="not found"):
        read_item(_item(w, "a.md"), 50)


def test_follow_outside_links_still_reads_outside(tree):
    docs, secret = tree
    (docs / "key.md").symlink_to(secret / "id_rsa")
    w = walk([docs], EXTS, follow_outside_links=True)
    assert read_item(_item(w, "key.md"), 50) == b"SECRET KEY MATERIAL\n"


def test_ingest_never_stores_a_file_swapped_for_an_outside_link(tree, settings, monkeypatch):
    import ragtune.appliance.ingest.pipeline as pl
    from tests.appliance.ingest_helpers import FakeEmbedder

    docs, secret = tree
    real_walk = pl.walk

    def swapped_after_walk(*a, **k):
        w = real_walk(*a, **k)
        (docs / "a.md").unlink()
        (docs / "a.md").symlink_to(secret / "id_rsa")
        return w

    monkeypatch.setattr(pl, "walk", swapped_after_walk)
    summary = pl.ingest_paths(settings, [docs], embedder=FakeEmbedder())
    assert any("symlink outside" in reason for _, reason in summary.failed)


# -- loaders --------------------------------------------------------------------------------------------------
class _CountingTable(web._Table):
    """A table whose depth counts its reads: the work of finding the tables a closed cell ends."""

    reads = 0

    @property
    def depth(self):
        _CountingTable.reads += 1
        return self._depth

    @depth.setter
    def depth(self, v):
        self._depth = v


def test_nested_html_tables_cost_linear_work(monkeypatch):
    # 8,000 nested tables (264 KB) took 3.3 s, 32,000 (1 MB) ~50 s: each cell's end filtered the list of open tables
    monkeypatch.setattr(web, "_Table", _CountingTable)
    _CountingTable.reads = 0
    n = 3000
    doc = web.load_html(Path("t.html"), ("<table><tr><td>w " * n + "</td></tr></table>" * n).encode())
    assert doc.text.count("w") == n
    assert _CountingTable.reads < 20 * n  # was ~n * n / 2


def _docx(edit) -> bytes:
    import docx

    d = docx.Document()
    d.add_paragraph("PLACEHOLDER")
    buf = io.BytesIO()
    d.save(buf)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i in zin.infolist():
            data = zin.read(i.filename)
            z.writestr(i.filename, edit(data.decode()).encode() if i.filename == "word/document.xml" else data)
    return out.getvalue()


def test_docx_external_entity_never_reads_a_file(tmp_path):
    secret = tmp_path / "passwd"
    secret.write_text("root:x:0:0:SECRETLINE\n")
    raw = _docx(lambda s: s.replace("<w:document", f'<!DOCTYPE w:document [<!ENTITY e SYSTEM "file://{secret}">]>'
                                    "<w:document", 1).replace("PLACEHOLDER", "before &e; after"))
    doc = load_docx(Path("x.docx"), raw)
    assert "SECRETLINE" not in doc.text and "before" in doc.text


def test_docx_entity_expansion_is_refused_not_expanded():
    ents = '<!ENTITY a "AAAAAAAAAA">' + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'
                                               for i in range(8))
    raw = _docx(lambda s: s.replace("<w:document", f"<!DOCTYPE w:document [{ents}]><w:document", 1)
                .replace("PLACEHOLDER", "laughs &i; end"))
    with pytest.raises(LoadError, match="corrupt DOCX"):
        load_docx(Path("x.docx"), raw)


def test_docx_of_too_many_parts_is_refused_before_its_directory_is_parsed():
    # 200,000 empty parts (19 MB) took 13 s and 270 MB; its directory was parsed twice
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx(lambda s: s))) as zin, zipfile.ZipFile(out, "w") as z:
        for i in zin.infolist():
            z.writestr(i.filename, zin.read(i.filename))
        for k in range(12_000):
            z.writestr(f"x/{k}", b"")
    raw = out.getvalue()
    with pytest.raises(LoadError, match="12,0.. parts in its zip"):
        load_docx(Path("x.docx"), raw)
    at = raw.rfind(b"PK\x05\x06")  # the count ZIP64 writes past 65,534 entries (its real one is elsewhere)
    zip64 = raw[:at + 8] + b"\xff\xff\xff\xff" + raw[at + 12:]
    with pytest.raises(LoadError, match="65,535 or more parts in its zip"):
        load_docx(Path("x.docx"), zip64)
