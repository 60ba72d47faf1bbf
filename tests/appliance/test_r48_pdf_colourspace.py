"""Round 48: the redaction check reads sc/scn colours by the fill colour space `cs` set. A Separation or DeviceN
tint runs the other way (1 = full ink): a light spot-colour tint box under black text is not a redaction bar."""

from __future__ import annotations

import io

import pytest

from ragtune.appliance.ingest.loaders import load_file

from .ingest_helpers import pdf_pages_bytes

SECRET = "BT /F1 10 Tf 72 686 Td (The informant is Orrin Delacourt and he lives in Sallowmere.) Tj ET"
PUBLIC = "BT /F1 10 Tf 72 600 Td (Body text of the page follows here.) Tj ET"


def _spaces(w):
    """The page /ColorSpace entries a spot-colour, ICC or calibrated document defines, as pypdf objects."""
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               NumberObject)

    def fn():  # a tint transform: tint -> one gray value
        return DictionaryObject({NameObject("/FunctionType"): NumberObject(2),
                                 NameObject("/Domain"): ArrayObject([FloatObject(0), FloatObject(1)]),
                                 NameObject("/N"): NumberObject(1)})

    def icc(n):
        s = DecodedStreamObject()
        s.set_data(b"\x00" * 16)
        s[NameObject("/N")] = NumberObject(n)
        return ArrayObject([NameObject("/ICCBased"), w._add_object(s)])

    white = DictionaryObject({NameObject("/WhitePoint"): ArrayObject([FloatObject(0.95), FloatObject(1),
                                                                     FloatObject(1.09)])})
    return {
        "/Sep": ArrayObject([NameObject("/Separation"), NameObject("/PANTONE 300 C"), NameObject("/DeviceGray"),
                             fn()]),
        "/DevN": ArrayObject([NameObject("/DeviceN"), ArrayObject([NameObject("/Spot1")]), NameObject("/DeviceGray"),
                              fn()]),
        "/Idx": ArrayObject([NameObject("/Indexed"), NameObject("/DeviceRGB"), NumberObject(0),
                             NameObject("/Pattern")]),
        "/Icc1": icc(1), "/Icc4": icc(4),
        "/Cal": ArrayObject([NameObject("/CalRGB"), white]),
        "/Alias": NameObject("/DeviceGray"),
    }


def _load(tmp_path, page):
    import pypdf
    from pypdf.generic import DictionaryObject, NameObject

    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_pages_bytes([page]))))
    res = w.pages[0]["/Resources"].get_object()
    res[NameObject("/ColorSpace")] = DictionaryObject({NameObject(k): v for k, v in _spaces(w).items()})
    path = tmp_path / "doc.pdf"
    buf = io.BytesIO()
    w.write(buf)
    path.write_bytes(buf.getvalue())
    return load_file(path)


@pytest.mark.parametrize("fill", [
    "/Sep cs 0.15 scn",  # a 15 % spot tint: light, though 0.15 read as gray would be black
    "/Sep cs 0.15 sc",
    "/DevN cs 0.1 scn",
    "/Idx cs 0 sc",  # index 0 of a palette, not a gray level
    "/Nowhere cs 0 scn",  # a name the page does not define
    "/Sep cs q 0 g Q 0.1 scn",  # Q gives back the spot space `0 g` replaced inside q
], ids=["separation-scn", "separation-sc", "devicen", "indexed", "undefined", "restored-by-Q"])
def test_black_text_on_a_light_spot_tint_is_kept(tmp_path, fill):
    doc = _load(tmp_path, f"{fill} 70 683 400 14 re f 0 g\n{SECRET}\n{PUBLIC}")
    assert "Delacourt" in doc.text and "Body text" in doc.text
    assert not doc.notes


@pytest.mark.parametrize("fill", [
    "0 g",  # a DeviceGray black box
    "/DeviceGray cs 0 sc",
    "/Alias cs 0.1 scn",
    "/Icc1 cs 0 scn",
    "/Icc4 cs 0 0 0 1 scn",
    "/Cal cs 0 0 0 sc",
    "/Sep cs 0.1 scn q 0 g 70 683 400 14 re f Q",  # the spot tint first, then a real black box
], ids=["g", "devicegray", "alias", "icc-gray", "icc-cmyk", "calrgb", "black-after-tint"])
def test_a_dark_box_over_text_is_still_left_out(tmp_path, fill):
    doc = _load(tmp_path, f"{SECRET}\n{PUBLIC}\n{fill} 70 683 400 14 re f")
    assert "Delacourt" not in doc.text and "Body text" in doc.text
    assert doc.notes and "redaction boxes" in doc.notes[-1]
