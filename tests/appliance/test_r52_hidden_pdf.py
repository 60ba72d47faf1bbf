"""Round 52: a PDF form XObject that mixes seen and hidden text keeps the seen and leaves out only the hidden runs
(round 51 kept such a form whole); a form nested in it the same way; the runs are counted in the note."""

from __future__ import annotations

import re

import pytest

from .test_r51_hidden_pdf import BODY, PLANT, _load, _pdf

SEEN = "BT /F1 12 Tf 72 650 Td (Visible: the canteen opens at eight.) Tj ET "


def _runs(doc) -> int:
    m = next((re.search(r"(\d+) runs? of hidden text", n) for n in doc.notes if "hidden text" in n), None)
    return int(m.group(1)) if m else 0


@pytest.mark.parametrize("hidden", [
    f"BT /F1 1 Tf 72 600 Td ({PLANT}) Tj ET",  # 1 pt
    f"BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET",  # invisible on a page without an image
    f"BT /F1 12 Tf 72 900 Td ({PLANT}) Tj ET",  # above the page
    f"BT /F1 12 Tf 14 TL 72 620 Td (Line one of the form.) Tj /F1 1 Tf ({PLANT}) ' ET",  # a `'` show, 1 pt
])
def test_a_form_mixing_seen_and_hidden_text_keeps_only_the_seen(tmp_path, hidden):
    doc = _load(tmp_path, _pdf(BODY + "q /Fm1 Do Q\n", form=SEEN + hidden))
    assert "fire drill" in doc.text and "canteen opens at eight" in doc.text
    assert "INVISIBLE" not in doc.text and _runs(doc) == 1


def test_the_hidden_run_in_the_middle_of_a_form(tmp_path):
    form = (SEEN + f"BT /F1 1 Tf 72 630 Td ({PLANT}) Tj ET "
            "BT /F1 12 Tf 72 610 Td (Second visible line of the form.) Tj ET")
    doc = _load(tmp_path, _pdf(BODY + "q /Fm1 Do Q\n", form=form))
    text = " ".join(doc.text.split())
    assert "INVISIBLE" not in text and "canteen opens at eight." in text and "Second visible line" in text
    assert text.index("canteen") < text.index("Second visible")


def test_a_form_of_only_seen_text_and_one_with_an_image_are_read_as_before(tmp_path):
    doc = _load(tmp_path, _pdf(BODY + "q /Fm1 Do Q\n", form=SEEN))
    assert "canteen opens at eight" in doc.text and not doc.notes
    # invisible text over an image is a scan's OCR layer: kept
    doc = _load(tmp_path, _pdf(BODY + "q 10 0 0 10 0 0 cm /Im1 Do Q q /Fm1 Do Q\n", image=True,
                               form=SEEN + f"BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET"))
    assert "INVISIBLE" in doc.text and "canteen" in doc.text


def _nested(raw: bytes, inner: str) -> bytes:
    """`raw` (a page drawing /Fm1) with a form /Fm2 of content `inner` in /Fm1's resources."""
    import io

    import pypdf
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(raw)))
    page = w.pages[0]
    fm1 = page["/Resources"]["/XObject"]["/Fm1"].get_object()
    fm2 = DecodedStreamObject()
    fm2.set_data(inner.encode("latin-1"))
    fm2.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): ArrayObject([NumberObject(v) for v in (0, 0, 612, 792)]),
                NameObject("/Resources"): DictionaryObject({NameObject("/Font"): page["/Resources"]["/Font"]})})
    fm1["/Resources"][NameObject("/XObject")] = DictionaryObject({NameObject("/Fm2"): w._add_object(fm2)})
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def test_a_nested_form_is_cut_the_same_way(tmp_path):
    raw = _pdf(BODY + "q /Fm1 Do Q\n", form=SEEN + "q /Fm2 Do Q")
    inner = ("BT /F1 12 Tf 72 560 Td (Nested visible words.) Tj ET "
             f"BT /F1 1 Tf 72 540 Td ({PLANT}) Tj ET")
    doc = _load(tmp_path, _nested(raw, inner))
    assert "canteen opens" in doc.text and "Nested visible words." in doc.text
    assert "INVISIBLE" not in doc.text and _runs(doc) == 1
