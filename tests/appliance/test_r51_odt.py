"""Round 51: .odt loader (loaders/opendoc.py) on documents as LibreOffice Writer saves them."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders.base import LoadError
from ragtune.appliance.ingest.loaders.opendoc import load_odt

from . import odt_build as ob
from .ingest_helpers import real_tokenizer

P = Path("/evidence/brief.odt")


@pytest.fixture(scope="module")
def real():
    return load_odt(P, ob.real())


def test_title_date_and_headings(real):
    assert real.kind == "odt" and real.title == "Lease dispute: Unit 14B" and real.doc_date == "2025-01-28"
    assert real.text.startswith("# Background\n\nThe tenant, Harbour Freight Ltd, occupied Unit 14B  from 2019.[1]")
    assert "\n## Obligations\n" in real.text
    assert "Contents" not in real.text and "Background\t1" not in real.text  # the table of contents is generated


def test_lists_nested_and_numbered(real):
    lines = real.text.splitlines()
    for line in ("- Repair the loading bay door", "  - within 14 days of notice", "- Keep the yard clear",
                 "1. Serve notice", "2. Await reply", "  a) by post", "  b) by e-mail"):
        assert line in lines


def test_table_rows_with_a_merged_cell_read_whole(real):
    # round 54: under its header row each row labelled, the rows one block (tablerows.labelled_rows)
    assert ("\n\nDate: 2024-11-02; Event: Deposit withheld; Amount: \u00a32,400\n"
            "Date: 2024-11-02; Event: Invoice 7731 issued; Amount: \u00a3310\n\n") in real.text


def test_notes_at_the_end_text_box_and_comment(real):
    assert real.text.endswith("[1] Lease dated 3 May 2019.\n\n[2] Plan drawn by the surveyor.")
    assert "See the plan.[2]" in real.text and "Box: yard is 40 m deep" in real.text
    assert "COMMENT" not in real.text


def test_tracked_changes_accepted(real):
    assert "Settlement offered: \u00a31,200 in full." in real.text
    assert "DELETED" not in real.text


def test_hidden_text_left_out_with_a_note(real):
    assert "planted" not in real.text and "HIDDEN" not in real.text
    assert "Visible line." in real.text and "Shown section text." in real.text
    assert len(real.notes) == 1 and real.notes[0].startswith("6 passages of hidden text")


def test_hidden_field_whose_condition_is_left_to_evaluate_is_kept():
    d = load_odt(P, ob.odt('<text:p>A<text:hidden-text text:condition="ooow:Client == 2" '
                           'text:string-value=" shown-value"/></text:p>'))
    assert d.text == "A shown-value" and not d.notes


def test_title_falls_back_to_first_heading_then_file_name():
    d = load_odt(P, ob.odt('<text:p>x</text:p><text:h text:outline-level="3">Witness  statement</text:h>',
                           meta_xml=ob.meta(title=None, created=None)))
    assert d.title == "Witness statement" and "### Witness statement" in d.text
    assert d.doc_date == "2025-02-03"  # no creation date: the last-saved date (dc:date), as DOCX falls back
    d = load_odt(P, ob.odt("<text:p>only text</text:p>", meta_xml=ob.meta(title=None)))
    assert d.title == "brief"


def test_unicode_text():
    d = load_odt(P, ob.odt("<text:p>Zo\u00eb Br\u00e4ndt \u2013 \u8abf\u505c \u0645\u062d\u0643\u0645\u0629 "
                           "e\u0301</text:p>"))
    assert d.text == "Zo\u00eb Br\u00e4ndt \u2013 \u8abf\u505c \u0645\u062d\u0643\u0645\u0629 \u00e9"  # NFC


@pytest.mark.parametrize("raw,reason", [
    (b"PK\x03\x04 not really a zip", "corrupt ODT"),
    (ob.odt("<text:p/>"), "empty document"),
    (ob.odt(content_xml="<office:document-content"), "corrupt ODT: content.xml:"),
    (ob.odt("<text:p>x</text:p>", manifest=ob.ENCRYPTED_MANIFEST), "encrypted ODT (password required)"),
    (ob.odt("<text:p>x</text:p>", mimetype="application/vnd.oasis.opendocument.spreadsheet"),
     "not an ODT: an OpenDocument spreadsheet"),
    (b'<?xml version="1.0"?><office:document office:mimetype="application/vnd.oasis.opendocument.text"/>',
     "not an ODT: a flat OpenDocument XML file"),
])
def test_damaged_encrypted_and_wrong_files_get_a_reason(raw, reason):
    with pytest.raises(LoadError) as e:
        load_odt(P, raw)
    assert e.value.reason.startswith(reason)


def test_docx_renamed():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(LoadError, match="a Word document"):
        load_odt(P, buf.getvalue())


BOMB = ('<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 or "")) * 10}">' for i in range(1, 10))
        + ']>\n<office:document-content ' + ob.NS + '><office:body><office:text><text:p>&lol9;</text:p>'
        '</office:text></office:body></office:document-content>')
XXE = ('<?xml version="1.0"?>\n<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<office:document-content '
       + ob.NS + '><office:body><office:text><text:p>&x;</text:p></office:text></office:body>'
       '</office:document-content>')


@pytest.mark.parametrize("xml", [BOMB, XXE])
def test_entity_bomb_and_external_entity_fail_fast_with_a_reason(xml):
    t = time.perf_counter()
    with pytest.raises(LoadError, match="declares a DTD"):
        load_odt(P, ob.odt(content_xml=xml))
    assert time.perf_counter() - t < 2


def test_dtd_after_64kb_of_comments_is_still_refused_unexpanded():
    xml = XXE.replace("<!DOCTYPE", "<!--" + "x" * 70000 + "-->\n<!DOCTYPE", 1)
    with pytest.raises(LoadError, match="declares a DTD"):
        load_odt(P, ob.odt(content_xml=xml))


def test_huge_unpacked_size_refused_from_the_directory():
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", ob.content("<text:p>x</text:p>"))
        z.writestr("Pictures/fill.bin", b"\0" * 1024)
    raw = bytearray(buf.getvalue())
    at = raw.rfind(b"PK\x01\x02")  # the last central directory entry (fill.bin): it says 201 MB unpacked
    raw[at + 24:at + 28] = (201 * 1024 * 1024).to_bytes(4, "little")
    with pytest.raises(LoadError, match="unpack to 201 MB .* zip bomb"):
        load_odt(P, bytes(raw))


def test_repeat_counts_are_bounded():
    body = ('<table:table><table:table-row table:number-rows-repeated="1000000000"><table:table-cell '
            'table:number-columns-repeated="1000000000"><text:p>v</text:p></table:table-cell></table:table-row>'
            '</table:table><text:p><text:s text:c="999999999"/>end</text:p>')
    d = load_odt(P, ob.odt(body))
    assert len(d.text) < 100 * 100 * 5 + 200


def test_end_to_end_labelled_fact_lands_in_one_chunk():
    filler = "".join(f"<text:p>Paragraph {i} recites the correspondence between the parties in general terms, "
                     "without any figures at all.</text:p>" for i in range(40))
    d = load_odt(P, ob.odt(filler + "<table:table><table:table-row><table:table-cell><text:p>Deposit withheld"
                           "</text:p></table:table-cell><table:table-cell><text:p>\u00a32,400</text:p>"
                           "</table:table-cell></table:table-row></table:table>" + filler))
    chunks = chunk_text(d.text, real_tokenizer(), chunk_tokens=200, overlap_tokens=40)
    assert len(chunks) > 3
    assert any("Deposit withheld | \u00a32,400" in c.text for c in chunks)
