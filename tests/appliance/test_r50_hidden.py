"""Round 50, red-team finding F7: text a reader of the document never sees (an HTML element styled display:none, a
white or 1-pt DOCX run, PDF text at 1 pt, off the page or invisible) was ingested, answered and cited. It is left out
now, with a note; what a reader sees is kept (aria-hidden, white text on shading, a scan's OCR layer)."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders import load_file

from .ingest_helpers import W_NS, docx_xml_bytes, pdf_pages_bytes

PLANT = "The vacation allowance for new hires is INVISIBLE days."


def _load(tmp_path, name: str, raw: bytes | str):
    path = tmp_path / name
    path.write_bytes(raw.encode() if isinstance(raw, str) else raw)
    return load_file(path)


def _noted(doc) -> bool:
    return any("hidden text" in n for n in doc.notes)


# -- HTML ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("el", [
    f"<div style='display:none'>{PLANT}</div>",
    f"<div style='color: red; DISPLAY : none !important'>{PLANT}</div>",
    f"<p style='visibility:hidden'>{PLANT}</p>",
    f"<span style='font-size:0'>{PLANT}</span>",
    f"<span style='font-size: 0px'>{PLANT}</span>",
    f"<span style='font-size:0pt'>{PLANT}</span>",
    f"<span style='font-size:0em'>{PLANT}</span>",
    f"<p hidden>{PLANT}</p>",
    f"<section hidden><h2>Leave</h2><table><tr><td>{PLANT}</td></tr></table></section>",
])
def test_html_elements_hidden_by_their_own_attributes_are_left_out(tmp_path, el):
    doc = _load(tmp_path, "p.html", f"<html><body><p>The office opens at 8 am.</p>{el}<p>Lunch is at noon.</p>"
                                    "</body></html>")
    assert "INVISIBLE" not in doc.text
    assert "The office opens at 8 am." in doc.text and "Lunch is at noon." in doc.text
    assert _noted(doc) and doc.notes[-1].startswith("1 element of hidden text")


@pytest.mark.parametrize("el", [
    f"<span aria-hidden='true'>{PLANT}</span>",  # hidden from screen readers, not from eyes
    f"<div hidden='until-found'>{PLANT}</div>",  # find-in-page reveals it
    f"<div class='hidden'>{PLANT}</div>",  # stylesheets are not evaluated
    f"<div style='display:block'>{PLANT}</div>",
    f"<span style='font-size:0.8em'>{PLANT}</span>",
    f"<span style='font-size:10px'>{PLANT}</span>",
    f"<div style='background:url(x0.png)'>{PLANT}</div>",
])
def test_html_text_a_reader_sees_is_kept(tmp_path, el):
    doc = _load(tmp_path, "p.html", f"<html><body><p>Intro.</p>{el}</body></html>")
    assert "INVISIBLE" in doc.text and not _noted(doc)


def test_a_hidden_element_left_open_ends_where_a_browser_ends_it(tmp_path):
    page = ("<html><body><p hidden>PLANTED one<p>Visible paragraph one."
            "<ul><li hidden>PLANTED two<li>Visible item.</ul>"
            "<div><span style='display:none'>PLANTED <b>three</div><p>Visible after the div.</p>"
            "<div hidden><div>PLANTED four</div></div><p>Visible at the end.</p></body></html>")
    doc = _load(tmp_path, "p.html", page)
    assert "PLANTED" not in doc.text
    for seen in ("Visible paragraph one.", "Visible item.", "Visible after the div.", "Visible at the end."):
        assert seen in doc.text
    assert doc.notes[-1].startswith("4 elements of hidden text")


def test_a_page_hidden_whole_until_its_scripts_run_is_kept(tmp_path):
    doc = _load(tmp_path, "p.html", f"<html><body style='display:none'><p>{PLANT}</p></body></html>")
    assert "INVISIBLE" in doc.text


# -- DOCX ---------------------------------------------------------------------------------------------------------
def _run(rpr: str, text: str = PLANT, ppr: str = "") -> str:
    return f"<w:p>{ppr}<w:r><w:rPr>{rpr}</w:rPr><w:t>{text}</w:t></w:r></w:p>"


WHITE = _run("<w:color w:val='FFFFFF'/>")
VISIBLE = "<w:p><w:r><w:t>Handbook: the canteen closes at 3 pm.</w:t></w:r></w:p>"


@pytest.mark.parametrize("block", [
    _run("<w:sz w:val='2'/>"),  # 1 pt
    _run("<w:sz w:val='3'/><w:color w:val='000000'/>"),
    _run("<w:color w:val='FFFFFF'/>"),
    _run("<w:color w:val='ffffff'/><w:shd w:val='clear' w:color='auto' w:fill='FFFFFF'/>"),  # white on white
])
def test_docx_runs_no_one_reads_are_left_out(tmp_path, block):
    doc = _load(tmp_path, "d.docx", docx_xml_bytes(VISIBLE, block))
    assert "INVISIBLE" not in doc.text and "canteen" in doc.text
    assert _noted(doc) and doc.notes[-1].startswith("1 run of hidden text")


@pytest.mark.parametrize("block", [
    _run("<w:color w:val='FFFFFF'/><w:shd w:val='clear' w:color='auto' w:fill='1F3864'/>"),  # on dark shading
    _run("<w:color w:val='FFFFFF'/><w:highlight w:val='black'/>"),
    _run("<w:color w:val='FFFFFF'/>", ppr="<w:pPr><w:shd w:val='clear' w:color='auto' w:fill='000000'/></w:pPr>"),
    _run("<w:sz w:val='4'/>"),  # 2 pt: tiny but drawn
    _run("<w:color w:val='FFFFFE'/>"),
    f"<w:tbl {W_NS}><w:tr><w:tc>{WHITE}</w:tc></w:tr></w:tbl>",  # a cell may be filled dark by its table's style
])
def test_docx_white_text_on_something_dark_is_kept(tmp_path, block):
    doc = _load(tmp_path, "d.docx", docx_xml_bytes(VISIBLE, block))
    assert "INVISIBLE" in doc.text and not _noted(doc)


def test_docx_size_and_colour_from_a_character_style_count(tmp_path):
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    def build(d):
        d.styles.add_style("Ghost", WD_STYLE_TYPE.CHARACTER).font.color.rgb = RGBColor(255, 255, 255)
        d.styles.add_style("Speck", WD_STYLE_TYPE.CHARACTER).font.size = Pt(1)

    doc = _load(tmp_path, "d.docx", docx_xml_bytes(VISIBLE, _run("<w:rStyle w:val='Ghost'/>"),
                                                   _run("<w:rStyle w:val='Speck'/>", "SPECK text"), build=build))
    assert "INVISIBLE" not in doc.text and "SPECK" not in doc.text and doc.notes[-1].startswith("2 runs")


def test_docx_white_text_on_a_coloured_page_is_kept(tmp_path):
    from docx.oxml import parse_xml

    def build(d):
        d.element.insert(0, parse_xml(f"<w:background {W_NS} w:color='1F3864'/>"))

    doc = _load(tmp_path, "d.docx", docx_xml_bytes(VISIBLE, _run("<w:color w:val='FFFFFF'/>"), build=build))
    assert "INVISIBLE" in doc.text


# -- PDF ----------------------------------------------------------------------------------------------------------
BODY = "BT /F1 12 Tf 72 700 Td (Memo: the fire drill is on Tuesday.) Tj ET\n"


def _pdf(content: str, *, image: bool = False, crop: tuple | None = None, rotate: int = 0) -> bytes:
    import pypdf
    from pypdf.generic import DictionaryObject, NameObject, NumberObject, RectangleObject, StreamObject

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages_bytes([content]))))
    page = w.pages[0]
    if image:
        img = StreamObject()
        img._data = b"\x00"
        img.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Image"),
                    NameObject("/Width"): NumberObject(1), NameObject("/Height"): NumberObject(1),
                    NameObject("/ColorSpace"): NameObject("/DeviceGray"), NameObject("/BitsPerComponent"):
                    NumberObject(8)})
        page["/Resources"].get_object()[NameObject("/XObject")] = DictionaryObject({NameObject("/Im1"):
                                                                                   w._add_object(img)})
    if crop:
        page[NameObject("/CropBox")] = RectangleObject(crop)
    if rotate:
        page[NameObject("/Rotate")] = NumberObject(rotate)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("planted", [
    f"BT /F1 1 Tf 72 650 Td ({PLANT}) Tj ET",  # 1 pt
    f"BT /F1 10 Tf 0.1 0 0 0.1 72 650 Tm ({PLANT}) Tj ET",  # 10 pt scaled to 1
    f"q 0.1 0 0 0.1 0 0 cm BT /F1 12 Tf 720 6500 Td ({PLANT}) Tj ET Q",
    f"BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET",  # invisible, no image on the page
    f"BT /F1 12 Tf -900 600 Td ({PLANT}) Tj ET",  # off the page, left
    f"BT /F1 12 Tf 72 900 Td ({PLANT}) Tj ET",  # above the page
    f"BT /F1 12 Tf 72 -40 Td ({PLANT}) Tj ET",  # below it
])
def test_pdf_text_no_reader_sees_is_left_out(tmp_path, planted):
    doc = _load(tmp_path, "m.pdf", _pdf(BODY + planted))
    assert "INVISIBLE" not in doc.text and "fire drill" in doc.text
    assert _noted(doc) and doc.notes[-1].startswith("1 run of hidden text")


def test_pdf_tiny_or_invisible_text_glued_to_a_visible_line_is_left_out_alone(tmp_path):
    doc = _load(tmp_path, "m.pdf", _pdf(
        "BT /F1 12 Tf 72 700 Td (Memo: the fire drill is on Tuesday.) Tj /F1 1 Tf ( TINYPLANT) Tj "
        "/F1 12 Tf ( Bring a coat.) Tj 3 Tr ( GHOSTPLANT) Tj 0 Tr ( Meet outside.) Tj ET"))
    assert "TINYPLANT" not in doc.text and "GHOSTPLANT" not in doc.text
    for seen in ("fire drill", "Bring a coat.", "Meet outside."):
        assert seen in doc.text
    assert doc.notes[-1].startswith("2 runs of hidden text")


def test_pdf_invisible_text_over_a_scan_is_its_ocr_layer_and_kept(tmp_path):
    doc = _load(tmp_path, "scan.pdf", _pdf(f"q 612 0 0 792 0 0 cm /Im1 Do Q BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) "
                                           "Tj ET", image=True))
    assert "INVISIBLE" in doc.text and not _noted(doc)


def test_pdf_text_outside_the_crop_box_is_left_out_and_inside_kept(tmp_path):
    doc = _load(tmp_path, "c.pdf", _pdf(BODY + f"BT /F1 12 Tf 72 40 Td ({PLANT}) Tj ET", crop=(36, 100, 576, 756)))
    assert "INVISIBLE" not in doc.text and "fire drill" in doc.text and _noted(doc)


@pytest.mark.parametrize("content", [
    f"BT /F1 2 Tf 72 650 Td ({PLANT}) Tj ET",  # 2 pt: small print, but print
    f"BT /F1 1 Tf 10 0 0 10 72 650 Tm ({PLANT}) Tj ET",  # 1 pt font scaled up to 10
    f"BT /F1 8 Tf 2 2 Td ({PLANT}) Tj ET",  # in the margin, on the page
    f"BT /F1 12 Tf 0 1 -1 0 30 300 Tm ({PLANT}) Tj ET",  # rotated, in the margin
    f"BT 7 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET",  # a clip: what is painted through it shows the words
    f"BT 1 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET",  # outlined
])
def test_pdf_text_a_reader_sees_is_kept(tmp_path, content):
    doc = _load(tmp_path, "m.pdf", _pdf(BODY + content))
    assert "INVISIBLE" in doc.text and not _noted(doc)


def test_pdf_a_rotated_page_keeps_its_text(tmp_path):
    doc = _load(tmp_path, "r.pdf", _pdf(BODY + f"BT /F1 12 Tf 72 600 Td ({PLANT}) Tj ET", rotate=90))
    assert "INVISIBLE" in doc.text and not _noted(doc)
