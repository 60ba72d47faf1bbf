"""Round 48, a law firm's PDFs: text under a redaction box is left out, pleading paper's line numbers and the
header under them are not in every chunk."""

from __future__ import annotations

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.pdf_pages import strip_line_numbers

from .ingest_helpers import pdf_pages_bytes

SECRET = "BT /F1 10 Tf 72 686 Td (The informant is Orrin Delacourt and he lives in Sallowmere.) Tj ET"
AMOUNT = ["BT /F1 10 Tf 72 700 Td (The settlement amount paid to the claimant was) Tj ET",
          "BT /F1 10 Tf 305 700 Td (1,250,000 dollars) Tj ET"]
PUBLIC = "BT /F1 10 Tf 72 672 Td (The remaining terms of the agreement are public.) Tj ET"


def _load(tmp_path, pages, name="doc.pdf"):
    path = tmp_path / name
    path.write_bytes(pdf_pages_bytes(pages))
    return load_file(path)


def test_text_under_a_black_box_painted_over_it_is_left_out_and_counted(tmp_path):
    page = "\n".join([*AMOUNT, SECRET, PUBLIC, "0 0 0 rg 303 697 90 12 re f", "q 0 g 70 683 400 12 re f Q"])
    doc = _load(tmp_path, [page, page])
    assert "Delacourt" not in doc.text and "1,250,000" not in doc.text
    assert "claimant was" in doc.text and "are public" in doc.text
    assert doc.notes and doc.notes[-1].startswith("4 runs of text under redaction boxes on 2 of 2 pages (page 1, 2)")


@pytest.mark.parametrize("draw", [
    "0.1 0.1 0.1 rg 70 683 400 14 re f 1 g",  # a dark band drawn first, the text on it (white)
    "0 0 0 rg 70 683 400 0.8 re f",  # an underline drawn after the text: thin
    "1 1 0 rg 70 683 400 12 re f",  # a light (yellow) box
    "0 0 0 rg 70 683 400 12 re W n",  # a clip, not a fill
    "0 0 0 RG 70 683 400 12 re S",  # a frame stroked around the line
], ids=["band-before", "underline", "light", "clip", "frame"])
def test_boxes_that_do_not_hide_text_keep_it(tmp_path, draw):
    page = "\n".join([draw, SECRET] if draw.startswith("0.1") else [SECRET, draw])
    doc = _load(tmp_path, [page])
    assert "Delacourt" in doc.text and not doc.notes


def test_a_box_in_a_light_colour_restored_by_Q_does_not_hide_and_black_after_it_does(tmp_path):
    page = "\n".join([SECRET, "q 0.9 g 70 683 400 12 re f Q", PUBLIC, "70 669 400 12 re f"])  # black again
    doc = _load(tmp_path, [page])
    assert "Delacourt" in doc.text and "are public" not in doc.text


WORDS = "Alder Birch Cedar Dogwood Elm Fir Gum Hazel Ilex Juniper Kauri Larch Maple Nutmeg".split()


def _pleading(n_pages, prefixed=False, header="CONFIDENTIAL - ATTORNEY WORK PRODUCT"):
    pages = []
    for p in range(n_pages):
        ops = [f"BT /F1 9 Tf 230 760 Td ({header}) Tj ET"] if header else []
        for i in range(1, 29):
            y = 720 - 24 * (i - 1)
            ops.append(f"BT /F1 10 Tf 50 {y} Td ({i}) Tj ET")
            if prefixed and i % 2 == 0:
                ops.append(f"BT /F1 10 Tf 100 {y} Td (Line {i} of page {p} says the lease ends in {2030 + i}.) Tj ET")
        if not prefixed:  # the margin numbers apart from the text (a template drawn first)
            ops += [f"BT /F1 10 Tf 100 {720 - 24 * i} Td ({WORDS[(p + i) % 14]} pays {WORDS[i // 2]} rent.) Tj ET"
                    for i in range(0, 28, 2)]
        pages.append("\n".join(ops))
    return pages


@pytest.mark.parametrize("prefixed", [False, True], ids=["margin-apart", "before-each-line"])
def test_pleading_line_numbers_and_the_header_under_them_are_stripped(tmp_path, prefixed):
    doc = _load(tmp_path, _pleading(4, prefixed))
    lines = doc.text.split("\n")
    assert not any(x.strip().isdigit() for x in lines), lines[:30]
    assert doc.text.count("CONFIDENTIAL") == 1
    assert all(x[0].isalpha() for x in lines if x)
    if prefixed:
        assert "ends in 2030" not in doc.text and "ends in 2032" in doc.text and "Line 24 of page 3" in doc.text
    else:
        assert doc.text.count(" rent.") == 4 * 14


def test_numbered_lines_on_one_page_of_many_are_content():
    numbered = [str(i) for i in range(1, 13)]
    pages = [["Schedule of exhibits", *numbered], ["Body text one."], ["Body text two."], ["Body text three."]]
    assert strip_line_numbers(pages) == (pages, 0)
    one = [[f"{i} Item" for i in range(1, 13)]]  # a document's only page: a list of 12, not pleading paper
    assert strip_line_numbers(one) == (one, 0)


def test_an_error_from_the_progress_beat_is_not_a_corrupt_pdf(tmp_path):
    """A stop raised from the parse's heartbeat (a caller that stops a big file mid-parse) comes out as itself: a
    "corrupt PDF" would be remembered as the file's fault and the file not read again."""
    from ragtune.appliance.ingest.loaders.base import PARSE_BEAT

    class Stop(Exception):
        pass

    def beat(at):
        if at >= 0.5:
            raise Stop

    path = tmp_path / "big.pdf"
    path.write_bytes(pdf_pages_bytes([[f"Page {i} of the exhibit."] for i in range(6)]))
    token = PARSE_BEAT.set(beat)
    try:
        with pytest.raises(Stop):
            load_file(path)
    finally:
        PARSE_BEAT.reset(token)


def test_a_pdf_with_no_pages_says_so(tmp_path):
    from ragtune.appliance.ingest.loaders import LoadError

    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]
    out, offs = b"%PDF-1.7\n", []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 3\n0000000000 65535 f \n" + b"".join(b"%010d 00000 n \n" % o for o in offs)
    out += b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    (tmp_path / "empty.pdf").write_bytes(out)
    with pytest.raises(LoadError, match="^PDF has no pages$"):
        load_file(tmp_path / "empty.pdf")


@pytest.mark.parametrize("raw, reason", [
    (b"<!DOCTYPE html><html><body>Sign in to the document portal</body></html>", "not a PDF: an HTML page"),
    (b"PK\x03\x04" + bytes(40), "not a PDF: a ZIP archive"),
    (b"garbage", "corrupt PDF: no %PDF header"),
])
def test_a_download_that_is_not_a_pdf_says_what_it_is(tmp_path, raw, reason):
    from ragtune.appliance.ingest.loaders import LoadError

    (tmp_path / "filing.pdf").write_bytes(raw)
    with pytest.raises(LoadError, match="^" + reason):
        load_file(tmp_path / "filing.pdf")


def test_black_text_on_a_black_box_is_left_out_and_a_framed_box_is_not(tmp_path):
    """Word's black highlighting: the box first, black text on it. A black box with a white one inside (a frame
    drawn as two fills) keeps the text on the white."""
    highlight = "\n".join(["0 0 0 rg 70 683 400 12 re f", SECRET, PUBLIC])
    doc = _load(tmp_path, [highlight])
    assert "Delacourt" not in doc.text and "are public" in doc.text and doc.notes
    framed = "\n".join(["0 g 60 600 500 120 re f 1 g 61 601 498 118 re f 0 g", SECRET, PUBLIC])
    doc = _load(tmp_path, [framed], "framed.pdf")
    assert "Delacourt" in doc.text and "are public" in doc.text and not doc.notes


@pytest.mark.parametrize("annot, hides", [
    ({"/Subtype": "/Redact"}, True),  # marked for redaction, not applied: the text is still in the page
    ({"/Subtype": "/Square", "/IC": [0, 0, 0]}, True),  # a black rectangle comment over the line
    ({"/Subtype": "/Square", "/IC": [1, 1, 0]}, False),  # a yellow one
    ({"/Subtype": "/Highlight"}, False),
])
def test_redaction_and_black_box_annotations_over_text(tmp_path, annot, hides):
    import io

    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    reader = pypdf.PdfReader(io.BytesIO(pdf_pages_bytes(["\n".join([SECRET, PUBLIC])])))
    w = pypdf.PdfWriter(clone_from=reader)
    d = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                          NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (70, 683, 470, 697)])})
    for k, v in annot.items():
        d[NameObject(k)] = ArrayObject([FloatObject(x) for x in v]) if isinstance(v, list) else NameObject(v)
    w.pages[0][NameObject("/Annots")] = ArrayObject([w._add_object(d)])
    buf = io.BytesIO()
    w.write(buf)
    (tmp_path / "a.pdf").write_bytes(buf.getvalue())
    doc = load_file(tmp_path / "a.pdf")
    assert ("Delacourt" not in doc.text) is hides and "are public" in doc.text and bool(doc.notes) is hides
