"""Round 48: the values typed into a fillable PDF form's fields (AcroForm /V) are ingested, as "Field name: value"
lines after the pages' text: a widget shows its value from its own appearance stream, which text extraction never
read, so a filled intake form was stored as its blank labels. Signatures, push buttons, password boxes and empty
fields are left out; a value the page text already shows (a flattened form that kept its fields) is not doubled."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders import LOADER_VERSIONS, LoadError, load_pdf
from ragtune.appliance.ingest.loaders import pdf_pages
from ragtune.appliance.ingest.pipeline import ingest_paths
from ragtune.appliance.store import Store

from .ingest_helpers import pdf_pages_bytes


def _form_pdf(fields: list[dict], page_lines: list[str] | None = None, *, parent: dict | None = None) -> bytes:
    """A one-page PDF (its text `page_lines`) whose AcroForm holds `fields`: dicts of PDF keys ("/FT", "/T", "/V",
    "/Ff", "/TU", "/Kids"...) with Python values (str: a text string, "/Name": a name, int, list). `parent`: one
    parent field over them all (its own keys), as a form's hierarchy has ("client.name")."""
    import pypdf
    from pypdf.generic import (ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject,
                               TextStringObject)

    def obj(v):
        if isinstance(v, int):
            return NumberObject(v)
        if isinstance(v, list):
            return ArrayObject([obj(x) for x in v])
        if isinstance(v, str) and v.startswith("/"):
            return NameObject(v)
        return TextStringObject(v)

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages_bytes([page_lines or ["Client intake form"]]))))
    page = w.pages[0]
    refs = []
    for i, f in enumerate(fields):
        d = DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Widget"),
                              NameObject("/Rect"): ArrayObject([FloatObject(x) for x in (300, 700 - 30 * i,
                                                                                          500, 720 - 30 * i)])})
        d.update({NameObject(k): obj(v) for k, v in f.items()})
        refs.append(w._add_object(d))
    page[NameObject("/Annots")] = ArrayObject(refs)
    top = refs
    if parent is not None:
        p = DictionaryObject({NameObject(k): obj(v) for k, v in parent.items()})
        p[NameObject("/Kids")] = ArrayObject(refs)
        pref = w._add_object(p)
        for r in refs:
            r.get_object()[NameObject("/Parent")] = pref
        top = [pref]
    w._root_object[NameObject("/AcroForm")] = DictionaryObject({NameObject("/Fields"): ArrayObject(top)})
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_typed_text_field_value_is_read(tmp_path):
    raw = _form_pdf([{"/FT": "/Tx", "/T": "Client name", "/V": "Margaret Okonkwo-Hale"}])
    doc = load_pdf(tmp_path / "intake.pdf", raw)
    assert "Client intake form" in doc.text
    assert doc.text.endswith("Form fields:\nClient name: Margaret Okonkwo-Hale")  # was: only the page's label


def test_choices_check_boxes_and_radios_and_what_is_left_out(tmp_path):
    raw = _form_pdf([
        {"/FT": "/Tx", "/T": "Matter", "/TU": "Matter number:", "/V": "2024-CV-0117"},
        {"/FT": "/Ch", "/T": "Court", "/V": "Superior Court of Alameda"},
        {"/FT": "/Ch", "/T": "Languages", "/V": ["Spanish", "Tagalog"]},
        {"/FT": "/Btn", "/T": "Interpreter", "/V": "/Yes"},
        {"/FT": "/Btn", "/T": "Prior counsel", "/V": "/Off"},
        {"/FT": "/Btn", "/T": "Retainer", "/V": "/Hourly"},
        {"/FT": "/Btn", "/T": "Fee basis", "/Ff": 1 << 15, "/V": "/Off"},  # a radio group with nothing chosen
        {"/FT": "/Btn", "/T": "Print", "/Ff": 1 << 16, "/V": "/Yes"},  # a push button
        {"/FT": "/Sig", "/T": "Signature", "/V": "signed"},
        {"/FT": "/Tx", "/T": "Portal password", "/Ff": 1 << 13, "/V": "hunter2secret"},
        {"/FT": "/Tx", "/T": "Notes", "/V": "   "},
        {"/FT": "/Tx", "/T": "Fax"},  # never filled in
        {"/FT": "/Tx", "/T": "Escape", "/V": "a\x1b[2Jb\x00c"},
    ])
    lines = load_pdf(tmp_path / "f.pdf", raw).text.split("Form fields:\n")[1].split("\n")
    assert lines == ["Matter number: 2024-CV-0117", "Court: Superior Court of Alameda", "Languages: Spanish; Tagalog",
                     "Interpreter: yes", "Prior counsel: no", "Retainer: Hourly", "Escape: a [2Jb c"]


def test_a_hierarchy_names_fields_by_their_path_and_kids_inherit_the_type(tmp_path):
    raw = _form_pdf([{"/T": "first", "/V": "Ada"}, {"/T": "last", "/V": "Lovelace"}],
                    parent={"/T": "client", "/FT": "/Tx"})
    assert load_pdf(tmp_path / "h.pdf", raw).text.endswith("Form fields:\nclient.first: Ada\nclient.last: Lovelace")


def test_a_value_the_page_already_shows_is_not_doubled(tmp_path):
    """A form flattened with its fields kept: the value is drawn as page text too. Short values are kept (a "12" is
    on many pages for other reasons), and so is the rest of the form."""
    raw = _form_pdf([{"/FT": "/Tx", "/T": "Client name", "/V": "Margaret  Okonkwo-Hale"},
                     {"/FT": "/Tx", "/T": "Age", "/V": "12"}, {"/FT": "/Tx", "/T": "City", "/V": "Oakland"}],
                    ["Client name: MARGARET OKONKWO-HALE", "Age: 12 years"])
    text = load_pdf(tmp_path / "flat.pdf", raw).text
    assert text.count("Okonkwo-Hale".casefold()) + text.count("OKONKWO-HALE") == 1
    assert text.endswith("Form fields:\nAge: 12\nCity: Oakland")


def test_a_form_without_page_text_is_read_for_its_values(tmp_path):
    raw = _form_pdf([{"/FT": "/Tx", "/T": "Claim", "/V": "Water damage to the basement"}], [""])
    assert load_pdf(tmp_path / "blank.pdf", raw).text == "Form fields:\nClaim: Water damage to the basement"


def test_no_form_no_lines_and_no_values_no_document(tmp_path):
    assert "Form fields" not in load_pdf(tmp_path / "p.pdf", pdf_pages_bytes([["Plain page text."]])).text
    with pytest.raises(LoadError, match="no extractable text"):
        load_pdf(tmp_path / "e.pdf", _form_pdf([{"/FT": "/Tx", "/T": "Claim"}], [""]))


def test_values_and_fields_are_bounded_and_a_kids_loop_ends(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_pages, "FORM_MAX_VALUES", 3)
    raw = _form_pdf([{"/FT": "/Tx", "/T": f"Line {i}", "/V": "x" * 5000 + str(i)} for i in range(6)])
    lines = load_pdf(tmp_path / "b.pdf", raw).text.split("Form fields:\n")[1].split("\n")
    assert len(lines) == 3 and all(len(x) <= len("Line 0: ") + pdf_pages.FORM_MAX_CHARS + 1 for x in lines)
    assert lines[0].endswith("x…")

    import pypdf
    from pypdf.generic import ArrayObject, NameObject

    reader = pypdf.PdfReader(io.BytesIO(_form_pdf([{"/FT": "/Tx", "/T": "a", "/V": "loop value"}],
                                                   parent={"/T": "p"})))
    parent = reader.trailer["/Root"]["/AcroForm"]["/Fields"][0].get_object()
    kid = parent["/Kids"][0].get_object()
    kid[NameObject("/Kids")] = ArrayObject([reader.trailer["/Root"]["/AcroForm"]["/Fields"][0]])  # back to its parent
    assert pdf_pages.form_values(reader, "") == []  # "a" is a node with kids now: no terminal field, and no hang


def test_ingest_stores_a_forms_values_in_its_chunks(settings, fake, tmp_path):
    assert LOADER_VERSIONS["pdf"] >= 8  # 8: form values (round 48); later versions keep them
    path = tmp_path / "intake.pdf"
    path.write_bytes(_form_pdf([{"/FT": "/Tx", "/T": "Client name", "/V": "Margaret Okonkwo-Hale"}]))
    s = ingest_paths(settings, [path], embedder=fake)
    assert s.added == 1 and s.failed == []
    with Store(settings.home.db_path) as st:
        doc = st.documents(str(path))[0]
        assert "Margaret Okonkwo-Hale" in " ".join(c[1] for c in st.document_chunks(doc["id"]))
