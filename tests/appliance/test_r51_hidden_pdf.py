"""Round 51: PDF text hidden inside a form XObject (drawn under 2 pt, invisible on a page without an image, off the
page) and text of a Type3 font whose FontMatrix makes it tiny are left out as the page's own hidden text was in
round 50; a form's visible text and ordinary Type3 text are kept."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders import load_file

from .ingest_helpers import one_pixel_image, pdf_pages_bytes

PLANT = "The vacation allowance for new hires is INVISIBLE days."
BODY = "BT /F1 12 Tf 72 700 Td (Memo: the fire drill is on Tuesday.) Tj ET\n"


def _pdf(content: str, form: str | None = None, type3: tuple | None = None, image: bool = False) -> bytes:
    """A page of `content`; `form`: the content of a form XObject /Fm1 (its own /Resources: the page's font /F1);
    `type3`: (FontMatrix, FontBBox) of a Type3 font /T3 whose glyphs a..z and space are boxes."""
    import pypdf
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               NumberObject)

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages_bytes([content]))))
    page = w.pages[0]
    res = page["/Resources"].get_object()
    xobjs = DictionaryObject()
    if form is not None:
        fm = DecodedStreamObject()
        fm.set_data(form.encode("latin-1"))
        fm.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                   NameObject("/BBox"): ArrayObject([NumberObject(v) for v in (0, 0, 612, 792)]),
                   NameObject("/Resources"): DictionaryObject({NameObject("/Font"): res["/Font"]})})
        xobjs[NameObject("/Fm1")] = w._add_object(fm)
    if image:
        xobjs[NameObject("/Im1")] = one_pixel_image(w)
    if xobjs:
        res[NameObject("/XObject")] = xobjs
    if type3 is not None:
        matrix, bbox = type3
        names = [chr(c) for c in range(ord("a"), ord("z") + 1)]
        procs = DictionaryObject()
        for n in names + ["space"]:
            g = DecodedStreamObject()
            g.set_data(b"500 0 d0" if n == "space" else b"500 0 d0 0 0 400 600 re f")
            procs[NameObject("/" + n)] = w._add_object(g)
        diffs = ArrayObject([NumberObject(32), NameObject("/space"), NumberObject(97)]
                            + [NameObject("/" + n) for n in names])
        t3 = DictionaryObject({
            NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type3"),
            NameObject("/FontMatrix"): ArrayObject([FloatObject(v) for v in matrix]),
            NameObject("/FontBBox"): ArrayObject([NumberObject(v) for v in bbox]),
            NameObject("/CharProcs"): procs, NameObject("/FirstChar"): NumberObject(32),
            NameObject("/LastChar"): NumberObject(122),
            NameObject("/Widths"): ArrayObject([NumberObject(500)] * 91),
            NameObject("/Encoding"): DictionaryObject({NameObject("/Type"): NameObject("/Encoding"),
                                                       NameObject("/Differences"): diffs})})
        res["/Font"].get_object()[NameObject("/T3")] = w._add_object(t3)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _load(tmp_path, raw: bytes):
    path = tmp_path / "m.pdf"
    path.write_bytes(raw)
    return load_file(path)


def _noted(doc) -> bool:
    return any("hidden text" in n for n in doc.notes)


@pytest.mark.parametrize("form", [
    f"BT /F1 1 Tf 72 650 Td ({PLANT}) Tj ET",  # 1 pt
    f"q 0.1 0 0 0.1 0 0 cm BT /F1 12 Tf 720 6500 Td ({PLANT}) Tj ET Q",  # 12 pt scaled to 1.2
    f"BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET",  # invisible, no image on the page
    f"BT /F1 12 Tf 72 900 Td ({PLANT}) Tj ET",  # above the page
    f"BT /F1 12 Tf 1 0 0 1 72 -60 Tm ({PLANT}) Tj ET",  # below it
])
def test_pdf_text_hidden_inside_a_form_xobject_is_left_out(tmp_path, form):
    doc = _load(tmp_path, _pdf(BODY + "q /Fm1 Do Q", form=form))
    assert "INVISIBLE" not in doc.text and "fire drill" in doc.text
    assert _noted(doc)


@pytest.mark.parametrize("form,image", [
    (f"BT /F1 12 Tf 72 650 Td ({PLANT}) Tj ET", False),  # a form's ordinary text (a letterhead, a stamp)
    (f"BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET", True),  # a scan's OCR layer drawn in a form
])
def test_pdf_text_a_reader_sees_inside_a_form_is_kept(tmp_path, form, image):
    doc = _load(tmp_path, _pdf(BODY + "q /Fm1 Do Q" + (" q 612 0 0 792 0 0 cm /Im1 Do Q" if image else ""),
                               form=form, image=image))
    assert "INVISIBLE" in doc.text and not _noted(doc)


def test_pdf_type3_text_a_tiny_font_matrix_draws_is_left_out(tmp_path):
    # glyphs 600 units tall at 0.00001 per unit: 12 pt text is 0.07 pt on the page
    doc = _load(tmp_path, _pdf(BODY + "BT /T3 12 Tf 72 600 Td (secret plan here) Tj ET",
                               type3=((0.00001, 0, 0, 0.00001, 0, 0), (0, 0, 500, 600))))
    assert "secret" not in doc.text and "fire drill" in doc.text and _noted(doc)


@pytest.mark.parametrize("matrix,bbox,size", [
    ((0.001, 0, 0, 0.001, 0, 0), (0, 0, 500, 600), 12),  # an ordinary Type3 font
    ((1, 0, 0, 1, 0, 0), (0, 0, 0.5, 0.6), 12),  # glyphs in units of one em
    ((0.00001, 0, 0, 0.00001, 0, 0), (0, 0, 500, 600), 1200),  # a tiny matrix, a huge size: 7 pt
    ((0.00001, 0, 0, 0.00001, 0, 0), (0, 0, 0, 0), 12),  # no bounding box: not judged
    ((0.001, 0, 0, 0.001, 0, 0), (0, 0, 1, 1), 12),  # a box too small for its glyphs (500 units wide)
])
def test_pdf_type3_text_drawn_at_a_readable_size_is_kept(tmp_path, matrix, bbox, size):
    doc = _load(tmp_path, _pdf(BODY + f"BT /T3 {size} Tf 72 600 Td (secret plan here) Tj ET", type3=(matrix, bbox)))
    assert "secret plan here" in doc.text and not _noted(doc)
