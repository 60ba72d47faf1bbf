"""Round 49, redactions that left the text layer, the kinds round 48 did not see: a white-out (a box in the paper's
colour painted over the text), boxes painted inside a form XObject, full-ink spot-colour bars (a "Black"
separation). A white or background-coloured box painted *before* the text (a table's shading) hides nothing."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders import load_file

from .ingest_helpers import pdf_pages_bytes

SECRET = "BT /F1 10 Tf 72 686 Td (The informant is Orrin Delacourt and he lives in Sallowmere.) Tj ET"
PUBLIC = "BT /F1 10 Tf 72 600 Td (Body text of the page follows here.) Tj ET"
BOX = "70 683 400 14 re f"  # over SECRET's line


def _with(raw: bytes, resources: dict, annots: list | None = None) -> bytes:
    """`raw` (one page) with extra page /Resources entries (name -> {key: pypdf object}) and annotations."""
    import pypdf
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(raw)))
    res = w.pages[0]["/Resources"].get_object()
    for kind, entries in resources.items():
        res[NameObject(kind)] = DictionaryObject({NameObject(k): v(w) if callable(v) else v
                                                  for k, v in entries.items()})
    if annots:
        w.pages[0][NameObject("/Annots")] = ArrayObject([w._add_object(a) for a in annots])
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _load(tmp_path, content: str, resources: dict | None = None, annots: list | None = None):
    raw = pdf_pages_bytes([content])
    if resources or annots:
        raw = _with(raw, resources or {}, annots)
    path = tmp_path / "doc.pdf"
    path.write_bytes(raw)
    return load_file(path)


def _hidden(doc) -> bool:
    assert "Body text" in doc.text
    gone = "Delacourt" not in doc.text
    assert bool(doc.notes and "redaction boxes" in doc.notes[-1]) == gone
    return gone


# -- white-out --------------------------------------------------------------------------------------
@pytest.mark.parametrize("fill", ["1 g", "1 1 1 rg", "0 0 0 0 k", "/DeviceRGB cs 1 1 1 sc", "0.99 g"])
def test_a_white_box_painted_over_text_hides_it(tmp_path, fill):
    assert _hidden(_load(tmp_path, f"{SECRET}\n{PUBLIC}\nq {fill} {BOX} Q"))


@pytest.mark.parametrize("content", [
    f"q 1 g {BOX} Q\n{SECRET}\n{PUBLIC}",  # a white table cell's background, the text on it
    f"q 1 g 0 0 612 792 re f Q\n{SECRET}\n{PUBLIC}",  # a white page background drawn first
    f"{SECRET}\n{PUBLIC}\nq 1 1 0 rg {BOX} Q",  # a light (yellow) box after: round 48's rule, kept
    f"{SECRET}\n{PUBLIC}\nq 1 g 70 683 400 0.8 re f Q",  # a white rule, not a box
    f"{SECRET}\n{PUBLIC}\nq 1 g {BOX[:-1]}W n Q",  # a clip
], ids=["table-background", "page-background", "yellow-after", "thin", "clip"])
def test_a_white_box_painted_before_the_text_or_not_a_box_hides_nothing(tmp_path, content):
    assert not _hidden(_load(tmp_path, content))


CREAM = "1 0.97 0.85 rg"


def test_a_box_in_the_page_background_colour_is_a_white_out(tmp_path):
    page = f"q {CREAM} 0 0 612 792 re f Q\n{SECRET}\n{PUBLIC}\nq {CREAM} {BOX} Q"
    assert _hidden(_load(tmp_path, page))
    # on a white page that colour is a light box: kept (round 48)
    assert not _hidden(_load(tmp_path, f"{SECRET}\n{PUBLIC}\nq {CREAM} {BOX} Q"))


def _gs(**kw):
    from pypdf.generic import DictionaryObject, FloatObject, NameObject

    return DictionaryObject({NameObject(f"/{k}"): NameObject(f"/{v}") if isinstance(v, str) else FloatObject(v)
                             for k, v in kw.items()})


@pytest.mark.parametrize("gs, hides", [({"ca": 0.3}, False), ({"BM": "Multiply"}, False), ({"ca": 1.0}, True)],
                         ids=["see-through", "multiply-highlight", "opaque"])
def test_a_see_through_white_box_hides_nothing(tmp_path, gs, hides):
    doc = _load(tmp_path, f"{SECRET}\n{PUBLIC}\nq /G1 gs 1 g {BOX} Q", {"/ExtGState": {"/G1": _gs(**gs)}})
    assert _hidden(doc) == hides


def _square(ic, ca=1.0):
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject

    return DictionaryObject({NameObject("/Type"): NameObject("/Annot"), NameObject("/Subtype"): NameObject("/Square"),
                             NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (70, 683, 470, 697)]),
                             NameObject("/IC"): ArrayObject([FloatObject(v) for v in ic]),
                             NameObject("/CA"): FloatObject(ca)})


@pytest.mark.parametrize("ic, ca, hides", [([1, 1, 1], 1.0, True), ([1, 1, 1], 0.4, False), ([1, 1, 0], 1.0, False)],
                         ids=["white", "white-see-through", "yellow"])
def test_a_white_rectangle_comment_over_text(tmp_path, ic, ca, hides):
    assert _hidden(_load(tmp_path, f"{SECRET}\n{PUBLIC}", annots=[_square(ic, ca)])) == hides


# -- boxes inside form XObjects ----------------------------------------------------------------------
def _form(content: bytes, bbox=(0, 0, 400, 14), matrix=None, resources=None):
    def make(w):
        from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject

        s = DecodedStreamObject()
        s.set_data(content)
        s[NameObject("/Type")] = NameObject("/XObject")
        s[NameObject("/Subtype")] = NameObject("/Form")
        s[NameObject("/BBox")] = ArrayObject([FloatObject(v) for v in bbox])
        if matrix:
            s[NameObject("/Matrix")] = ArrayObject([FloatObject(v) for v in matrix])
        if resources:
            s[NameObject("/Resources")] = resources(w)
        return w._add_object(s)
    return make


@pytest.mark.parametrize("form, do, hides", [
    (_form(b"0 g 0 0 400 14 re f"), "q 1 0 0 1 70 683 cm /Fm1 Do Q", True),  # placed by the page's cm
    (_form(b"0 g 0 0 400 14 re f", matrix=(1, 0, 0, 1, 70, 683)), "/Fm1 Do", True),  # by the form's /Matrix
    (_form(b"1 g 0 0 200 7 re f", bbox=(0, 0, 200, 7)), "q 2 0 0 2 70 683 cm /Fm1 Do Q", True),  # scaled, white
    (_form(b"0 g 0 0 400 14 re f"), "q 1 0 0 1 70 500 cm /Fm1 Do Q", False),  # elsewhere on the page
    (_form(b"0 g 0 0 400 14 re f", bbox=(0, 0, 400, 1)), "q 1 0 0 1 70 683 cm /Fm1 Do Q", False),  # clipped away
    (_form(b"1 1 0 rg 0 0 400 14 re f"), "q 1 0 0 1 70 683 cm /Fm1 Do Q", False),  # a light box
    (_form(b"q 0 g Q 0 0 400 14 re f"), "q 1 1 0 rg 1 0 0 1 70 683 cm /Fm1 Do Q", False),  # the Do's yellow
    (_form(b"/Fm2 Do", resources=lambda w: __import__("pypdf").generic.DictionaryObject({
        __import__("pypdf").generic.NameObject("/XObject"): __import__("pypdf").generic.DictionaryObject({
            __import__("pypdf").generic.NameObject("/Fm2"): _form(b"0 g 0 0 400 14 re f")(w)})})),
     "q 1 0 0 1 70 683 cm /Fm1 Do Q", True),  # a form inside a form
], ids=["cm", "matrix", "scaled-white", "elsewhere", "bbox", "light", "inherits-colour", "nested"])
def test_a_box_painted_inside_a_form_xobject(tmp_path, form, do, hides):
    doc = _load(tmp_path, f"{SECRET}\n{PUBLIC}\n{do}", {"/XObject": {"/Fm1": form}})
    assert _hidden(doc) == hides


def test_a_form_drawn_before_the_text_hides_nothing_and_a_self_drawing_form_ends(tmp_path):
    doc = _load(tmp_path, f"q 1 0 0 1 70 683 cm /Fm1 Do Q\n1 g\n{SECRET}\n0 g\n{PUBLIC}",
                {"/XObject": {"/Fm1": _form(b"0.1 g 0 0 400 14 re f 0 g")}})
    assert not _hidden(doc)  # a dark band under white text (the form's "0 g" ends with it): kept (round 48)

    def loop(w):  # a form that draws itself
        f = _form(b"/Fm1 Do 1 g 0 0 400 14 re f")(w)
        from pypdf.generic import DictionaryObject, NameObject
        f.get_object()[NameObject("/Resources")] = DictionaryObject(
            {NameObject("/XObject"): DictionaryObject({NameObject("/Fm1"): f})})
        return f
    doc = _load(tmp_path, f"{SECRET}\n{PUBLIC}\nq 1 0 0 1 70 683 cm /Fm1 Do Q", {"/XObject": {"/Fm1": loop}})
    assert _hidden(doc)


# -- full-ink spot colours ----------------------------------------------------------------------------
def _fn(c0, c1):
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject

    return DictionaryObject({NameObject("/FunctionType"): NumberObject(2),
                             NameObject("/Domain"): ArrayObject([FloatObject(0), FloatObject(1)]),
                             NameObject("/C0"): ArrayObject([FloatObject(v) for v in c0]),
                             NameObject("/C1"): ArrayObject([FloatObject(v) for v in c1]),
                             NameObject("/N"): NumberObject(1)})


def _spaces():
    from pypdf.generic import ArrayObject, NameObject

    def sep(name, alt="/DeviceCMYK", c0=(0, 0, 0, 0), c1=(0, 0, 0, 1)):
        return ArrayObject([NameObject("/Separation"), NameObject(name), NameObject(alt), _fn(c0, c1)])
    return {
        "/Blk": sep("/Black"), "/Reg": sep("/All"), "/Cy": sep("/Cyan", c1=(1, 0, 0, 0)),
        "/Navy": sep("/PANTONE 2767 C", c1=(1, 0.9, 0.3, 0.6)),  # a dark spot ink, by its tint transform
        "/Sky": sep("/PANTONE 290 C", c1=(0.25, 0.02, 0, 0)),  # a light one
        "/Odd": sep("/PANTONE 300 C", alt="/DeviceGray", c0=(0,), c1=(1,)),  # no ink gives black: not understood
        "/Proc": ArrayObject([NameObject("/DeviceN"), ArrayObject([NameObject(n) for n in
                                                                  ("/Cyan", "/Magenta", "/Yellow", "/Black")]),
                              NameObject("/DeviceCMYK"), _fn((0,), (1,))]),
    }


@pytest.mark.parametrize("fill, hides", [
    ("/Blk cs 1 scn", True), ("/Blk cs 0.9 sc", True), ("/Blk cs", True),  # cs alone: a spot starts at full ink
    ("/Reg cs 1 scn", True), ("/Navy cs 1 scn", True), ("/Proc cs 0 0 0 1 scn", True),
    ("/Blk cs 0 scn", True),  # no ink knocks out what is under it: white paper, a white-out
    ("/Blk cs 0.3 scn", False), ("/Cy cs 1 scn", False), ("/Navy cs 0.2 scn", False),
    ("/Sky cs 1 scn", False), ("/Odd cs 0.1 scn", False), ("/Proc cs 0.2 0 0 0 scn", False),
], ids=["black-1", "black-0.9", "black-initial", "registration", "dark-pantone", "devicen-process-k",
        "black-0-white-out", "black-0.3", "cyan", "dark-pantone-light-tint", "light-pantone", "odd-transform",
        "devicen-light"])
def test_a_full_ink_spot_colour_bar_over_text_hides_it(tmp_path, fill, hides):
    doc = _load(tmp_path, f"{SECRET}\n{PUBLIC}\nq {fill} {BOX} Q", {"/ColorSpace": _spaces()})
    assert _hidden(doc) == hides


def test_black_separation_text_on_a_black_separation_bar_is_hidden(tmp_path):
    """Black highlighting in a spot black: the bar first, the text on it in the same ink."""
    doc = _load(tmp_path, f"q /Blk cs 1 scn {BOX}\n{SECRET} Q\n{PUBLIC}", {"/ColorSpace": _spaces()})
    assert _hidden(doc)
