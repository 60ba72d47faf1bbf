"""Round 51 mends of the e-mail and OpenDocument loaders (reviewer rB's findings 1-6): a run of `--` lines read in
quadratic time, an HTML mail's own <style> rules not applied, nested text boxes read once per level, a page-anchored
shape lost, repeated table cells multiplied through nested tables, and the zip guard shared with word.py."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import mail, opendoc, word
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.mail import load_eml
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS

from . import mail_build as mb
from . import odt_build as ob

EML, ODT = Path("m.eml"), Path("d.odt")


@pytest.fixture
def two_seconds():
    token = PARSE_SECONDS.set(2.0)  # the old reads took minutes: with this they fail fast, not slowly
    try:
        yield
    finally:
        PARSE_SECONDS.reset(token)


# -- 1. mail: `--` lines with no blank line between them -------------------------------------------------------------
def test_a_mail_of_many_dash_dash_lines_reads_in_linear_time(two_seconds, monkeypatch):
    monkeypatch.setattr(mail, "_BLOB_BYTES", 1024)  # the attachment scan runs on a small file (the old: 4 s+)
    raw = b"From: a@b.c\nSubject: s\n\nbase64\n" + b"-- SQL comment line\n" * 3000
    d = load_eml(EML, raw)
    assert d.text.count("-- SQL comment line") == 3000


def test_a_large_attachment_after_dash_dash_lines_is_still_cut_before_the_parse():
    pdf = bytes(range(256)) * 400  # 100 KB: its base64 body is over _BLOB_BYTES
    raw = mb.join("From: a@b.c", "Subject: s", "MIME-Version: 1.0", 'Content-Type: multipart/mixed; boundary="b"', "",
                  "--b", "Content-Type: text/plain", "", *["-- SQL comment line"] * 50, "",
                  "--b", 'Content-Type: application/pdf; name="r.pdf"', "Content-Transfer-Encoding: base64", "",
                  mb.b64(pdf), "--b--")
    cut = mail._drop_attachment_bodies(raw)
    assert len(cut) < 5_000 and b"--b--" in cut
    d = load_eml(EML, raw)
    assert "Attachments: r.pdf" in d.text and d.text.count("-- SQL comment line") == 50


def test_a_header_line_with_a_lone_cr_is_no_header_block_as_before(monkeypatch):
    monkeypatch.setattr(mail, "_BLOB_BYTES", 4)
    raw = b"From: a\n\n--b\nContent-Type: application/pdf\rX\nContent-Transfer-Encoding: base64\n\nAAAA\n--b--\n"
    assert mail._drop_attachment_bodies(raw) == raw
    good = raw.replace(b"\rX", b"")
    assert b"AAAA" not in mail._drop_attachment_bodies(good)


# -- 4. mail: an HTML body's own <style> sheet -------------------------------------------------------------------------
def test_an_html_mail_leaves_out_text_its_own_style_sheet_hides():
    html = ("<html><head><style>.pre{display:none}</style></head><body><span class='pre'>SECRET preheader text</span>"
            "<p>Visible body</p></body></html>")
    d = load_eml(EML, mb.html_only(html))
    assert "SECRET" not in d.text and d.text.endswith("Visible body")
    assert len(d.notes) == 1 and d.notes[0].startswith("1 element of hidden text (an HTML body's display:none")
    assert "opacity:0" in d.notes[0]  # hidden.HTML_HOW, as load_html says it


def test_an_html_mail_with_a_sheet_hiding_most_of_it_is_read_whole():
    html = "<style>body{display:none}</style><p>" + "Quarterly figures attached. " * 4 + "</p>"
    d = load_eml(EML, mb.html_only(html))
    assert "Quarterly figures attached." in d.text


# -- 2. odt: text boxes in text boxes, page-anchored shapes ---------------------------------------------------------
def test_a_shape_inside_a_text_box_is_read_once():
    d = load_odt(ODT, ob.odt("<text:p>P<draw:frame><draw:text-box><text:p>BOX<draw:custom-shape><text:p>SHAPE"
                             "</text:p></draw:custom-shape></text:p></draw:text-box></draw:frame></text:p>"))
    assert d.text == "P\n\nBOX\n\nSHAPE"


def test_twenty_nested_frames_read_fast(two_seconds):
    body = "<text:p>Y</text:p>"
    for i in range(20):
        body = f"<text:p>L{i}<draw:frame><draw:text-box>{body}</draw:text-box></draw:frame></text:p>"
    d = load_odt(ODT, ob.odt(body))
    assert d.text.split("\n\n") == [f"L{i}" for i in reversed(range(20))] + ["Y"]


@pytest.mark.parametrize("shape", ["draw:custom-shape", "draw:rect", "draw:ellipse"])
def test_a_page_anchored_shape_keeps_its_text(shape):
    d = load_odt(ODT, ob.odt(f'<{shape} text:anchor-type="page"><text:p>Fire exit is door B</text:p></{shape}>'
                             "<text:p>Body</text:p>"))
    assert d.text == "Fire exit is door B\n\nBody"


def test_a_page_anchored_frame_in_a_group_or_link_is_read_once():
    frame = "<draw:frame><draw:text-box><text:p>Boxed</text:p></draw:text-box></draw:frame>"
    d = load_odt(ODT, ob.odt(f"<draw:g>{frame}</draw:g><draw:a>{frame}</draw:a><text:p>Body</text:p>"))
    assert d.text == "Boxed\n\nBoxed\n\nBody"


# -- 3. odt: repeats inside repeats ---------------------------------------------------------------------------------
def _grid(inner: str, n: int) -> str:
    return (f'<table:table><table:table-row table:number-rows-repeated="{n}"><table:table-cell '
            f'table:number-columns-repeated="{n}">{inner}</table:table-cell></table:table-row></table:table>')


def test_repeated_cells_through_nested_tables_stay_within_the_repeat_budget(monkeypatch):
    monkeypatch.setattr(opendoc, "_REPEAT_CHARS", 5_000, raising=False)  # (10,000,000 in use; the old read gave 30,000 here)
    d = load_odt(ODT, ob.odt(_grid(_grid("<text:p>y</text:p>", 10), 10)))
    assert 3_000 < len(d.text) < 10_000  # the first row whole (3,007), its nine repeats over the budget


def test_repeats_within_the_budget_read_as_before():
    d = load_odt(ODT, ob.odt('<table:table><table:table-row table:number-rows-repeated="2"><table:table-cell '
                             'table:number-columns-repeated="3"><text:p>a</text:p></table:table-cell>'
                             '<table:table-cell table:number-columns-repeated="0"><text:p>b</text:p>'
                             "</table:table-cell></table:table-row></table:table>"))
    assert d.text == "a | a | a\n\na | a | a"


# -- 5, 6. the shared zip guard, the flat-XML test ------------------------------------------------------------------
def test_the_zip_guard_is_words_and_names_the_format(monkeypatch):
    raw = ob.odt("<text:p>x</text:p>")
    z = word._check_unpacked(raw, "ODT")
    assert isinstance(z, zipfile.ZipFile) and "content.xml" in z.namelist()
    z.close()
    assert word._check_unpacked(b"not a zip") is None
    monkeypatch.setattr(word, "_MAX_UNPACKED", 10)
    with pytest.raises(LoadError, match=r"^corrupt ODT: its parts unpack to 0 MB \(over 0 MB: a zip bomb\?\)$"):
        load_odt(ODT, raw)
    with pytest.raises(LoadError, match=r"^corrupt ODT: File is not a zip file$"):
        load_odt(ODT, b"PK\x03\x04 not really a zip")


@pytest.mark.parametrize("lead", [b"", b" \t\r\n\x0b\x0c"])
def test_flat_xml_is_told_after_any_ascii_white_space(lead):
    with pytest.raises(LoadError, match="^not an ODT: a flat OpenDocument XML file"):
        load_odt(ODT, lead + b"<office:document/>")
