"""Round 51 (mender C): a PDF page whose own content only draws form XObjects (`/Fm1 Do`) has its forms' text
judged by the hidden-text checks (pdf_marks, pdf_hidden) like a page that also shows text of its own: before,
pdf._shows_text said "no text" and the page went to pypdf's plain extraction, hidden text and all."""

from __future__ import annotations

import io

import pytest

from .ingest_helpers import pdf_pages_bytes
from .test_r51_hidden_pdf import _load, _noted

PLANT = "The vacation allowance for new hires is INVISIBLE days."
BODY = "BT /F1 12 Tf 72 700 Td (Memo: the fire drill is on Tuesday.) Tj ET\n"


def _pdf(forms: dict[str, str], page2: str = "q /Fm1 Do Q") -> bytes:
    """Page 1: BODY; page 2: `page2` only, drawing the form XObjects `forms` (name -> content; each form's
    /Resources: the font /F1 and the forms after it, so /Fm1 can draw /Fm2)."""
    import pypdf
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages_bytes([BODY, page2]))))
    res = w.pages[1]["/Resources"].get_object()
    later = DictionaryObject()
    for name, content in reversed(list(forms.items())):
        fm = DecodedStreamObject()
        fm.set_data(content.encode("latin-1"))
        fres = DictionaryObject({NameObject("/Font"): res["/Font"]})
        if later:
            fres[NameObject("/XObject")] = DictionaryObject(later)
        fm.update({NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                   NameObject("/BBox"): ArrayObject([NumberObject(v) for v in (0, 0, 612, 792)]),
                   NameObject("/Resources"): fres})
        later[NameObject("/" + name)] = w._add_object(fm)
    res[NameObject("/XObject")] = DictionaryObject(later)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


@pytest.mark.parametrize("forms,page2", [
    ({"Fm1": f"BT /F1 1 Tf 72 650 Td ({PLANT}) Tj ET"}, "q /Fm1 Do Q"),  # 1 pt
    ({"Fm1": f"BT /F1 1 Tf 72 650 Td ({PLANT}) Tj ET"}, "/Fm1 Do"),  # no q/Q around it
    ({"Fm1": f"BT 3 Tr /F1 12 Tf 72 600 Td ({PLANT}) Tj ET"}, "q /Fm1 Do Q"),  # invisible, no image
    ({"Fm1": "q /Fm2 Do Q", "Fm2": f"BT /F1 1 Tf 72 650 Td ({PLANT}) Tj ET"}, "q /Fm1 Do Q"),  # a form's form
])
def test_pdf_page_that_only_draws_a_form_has_its_hidden_text_left_out(tmp_path, forms, page2):
    doc = _load(tmp_path, _pdf(forms, page2))
    assert "INVISIBLE" not in doc.text and "fire drill" in doc.text
    assert _noted(doc)


@pytest.mark.parametrize("forms", [
    {"Fm1": f"BT /F1 12 Tf 72 650 Td ({PLANT}) Tj ET"},
    {"Fm1": "q /Fm2 Do Q", "Fm2": f"BT /F1 12 Tf 72 650 Td ({PLANT}) Tj ET"},
    {"Fm1": "0 0 10 10 re f", "Fm2": f"BT /F1 12 Tf 72 650 Td ({PLANT}) Tj ET"},  # Fm2 listed, drawn by no one
])
def test_pdf_page_that_only_draws_a_form_keeps_its_seen_text(tmp_path, forms):
    doc = _load(tmp_path, _pdf(forms))
    assert ("INVISIBLE" in doc.text) == ("Fm2 Do" in forms["Fm1"] or "Tj" in forms["Fm1"])
    assert "fire drill" in doc.text and not _noted(doc)
