"""PDF pages set in columns come out in reading order (loaders/pdf_layout.py): two columns stored interleaved line by
line read left column then right column, full-width blocks stay where they stand, and single-column pages, tables
and odd pages (rotated, form XObjects, Type3 or missing fonts) keep pypdf's own text."""

from __future__ import annotations

import io
import textwrap

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.pdf import page_text
from ragtune.appliance.ingest.loaders.pdf_layout import reading_order

from .ingest_helpers import pdf_pages_bytes

LEFT = ("The harbour authority approved the new ferry timetable on Monday. Boats will leave every forty minutes from "
        "the north pier, and the first crossing starts at six in the morning. Season tickets cost less than before, "
        "because the city now pays part of the fuel bill. Cyclists may take their bikes on board without a fee, "
        "provided they use the lower deck. The old timetable stays valid until the end of the month.")
RIGHT = ("Heavy rain is expected across the valley this weekend. Farmers were told to move livestock to higher "
         "fields before Saturday evening, and the river path will be closed from noon. The weather service said the "
         "storm could bring more water than the floods of last spring. Schools will stay open, but the sports day "
         "has been moved to the following week. Sandbags are available at the fire station.")
SENTENCES = [s.strip() + "." for s in (LEFT + " " + RIGHT).split(".") if s.strip()]


def _lines(text: str, width: int = 46) -> list[str]:
    return textwrap.wrap(text, width)


def _flat(text: str) -> str:
    return " ".join(text.split())


def _esc(t: str) -> str:
    return t.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _two_columns(left: str = LEFT, right: str = RIGHT, *, top: int = 720, interleaved: bool = True) -> list:
    """(x, y, text) lines of two columns (left at x=72, right at x=300: a 20 pt gutter; 14 pt apart), in stream
    order."""
    ls, rs = _lines(left), _lines(right)
    lcol = [(72, top - 14 * i, t) for i, t in enumerate(ls)]
    rcol = [(300, top - 14 * i, t) for i, t in enumerate(rs)]
    if not interleaved:
        return lcol + rcol
    out = []
    for i in range(max(len(lcol), len(rcol))):
        out += lcol[i:i + 1] + rcol[i:i + 1]
    return out


def _load(tmp_path, raw, name="doc.pdf"):
    p = tmp_path / name
    p.write_bytes(raw)
    return load_file(p)


def _in_reading_order(text: str, sentences=SENTENCES) -> bool:
    flat = _flat(text)
    pos = [flat.find(s) for s in sentences]
    return -1 not in pos and pos == sorted(pos)


def _pages(raw: bytes):
    import pypdf

    return pypdf.PdfReader(io.BytesIO(raw)).pages


def test_two_columns_stored_interleaved_read_left_column_then_right(tmp_path):
    """Sweep: a newsletter whose columns were written line by line across the page came out as two texts mixed
    line by line ("...every forty minutes from Farmers were told to move..."): chunks mixed unrelated stories."""
    raw = pdf_pages_bytes([_two_columns()])
    assert not _in_reading_order(_pages(raw)[0].extract_text())  # pypdf alone: interleaved
    d = _load(tmp_path, raw)
    assert _in_reading_order(d.text)
    assert "every forty minutes from the north pier" in d.text  # wrapped lines rejoined by the reflow
    # stored column after column already: the same text
    assert _load(tmp_path, pdf_pages_bytes([_two_columns(interleaved=False)]), "n.pdf").text == d.text


def test_interleaved_columns_in_one_text_object(tmp_path):
    """One BT block moving between the columns with Td (pypdf joins a left and a right line that share a baseline
    into one line); left lines shown in two pieces with the font set again between them, as a kerned TJ array, and
    with the ' and " operators (next line, then show)."""
    ls, rs = _lines(LEFT), _lines(RIGHT)
    ops = ["BT /F1 10 Tf 14 TL 72 734 Td"]
    for i in range(max(len(ls), len(rs))):
        left = _esc(ls[i]) if i < len(ls) else ""
        head, _, tail = left.partition(" ")
        ops.append([f"T* ({head} ) Tj /F1 10 Tf ({tail}) Tj", f"T* [({head}) -10 ( {tail})] TJ", f"({left}) '",
                    f"0 0 ({left}) \""][i % 4])
        if i < len(rs):
            ops.append(f"228 0 Td ({_esc(rs[i])}) Tj -228 0 Td")
    ops.append("ET")
    raw = pdf_pages_bytes(["\n".join(ops)])
    assert not _in_reading_order(_pages(raw)[0].extract_text())
    d = _load(tmp_path, raw)
    assert _in_reading_order(d.text)
    assert "Boats will leave every forty minutes from the north pier" in d.text


def test_a_rotated_margin_stamp_and_a_stamp_form_are_read_after_the_columns():
    """The Federal Register prints a vertical stamp in the margin of every page, PDF tools stamp pages with a form
    XObject: neither stops the columns from being put in order; their text comes after them."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject, NumberObject

    n = NameObject
    helv = {n("/Type"): n("/Font"), n("/Subtype"): n("/Type1"), n("/BaseFont"): n("/Helvetica")}

    def form(w):
        f = DecodedStreamObject()
        f.set_data(b"BT /F1 8 Tf 250 20 Td (Confidential draft) Tj ET")
        f.update({n("/Type"): n("/XObject"), n("/Subtype"): n("/Form"),
                  n("/BBox"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(612), NumberObject(792)]),
                  n("/Resources"): DictionaryObject({n("/Font"): DictionaryObject(
                      {n("/F1"): w._add_object(DictionaryObject(helv))})})})
        return {n("/XObject"): DictionaryObject({n("/Fm1"): w._add_object(f)})}

    stamp = "BT /F1 7 Tf 0 1 -1 0 30 200 Tm (Downloaded by the archive on 2020-08-06) Tj ET\nq /Fm1 Do Q\n"
    text = page_text(_pages(_font_pdf(stamp + _stream(_two_columns()), helv, form))[0])
    assert _in_reading_order(text)
    assert text.endswith("Downloaded by the archive on 2020-08-06\nConfidential draft")


def test_full_width_heading_and_footer_stay_in_place(tmp_path):
    head = (72, 760, "Regional digest for the week of the third of March, as compiled by our editors")
    foot = (290, 40, "Printed by the town office")
    d = _load(tmp_path, pdf_pages_bytes([[head, *_two_columns(), foot]]))
    assert _flat(d.text).startswith(head[2])
    assert _in_reading_order(d.text) and _flat(d.text).endswith(foot[2])
    # a heading across the page between two pairs of columns: above-left, above-right, heading, below-left, ...
    mid = (72, 560, "Second section: letters from readers about the new bridge and the market square plans")
    upper = _two_columns(LEFT[:200], RIGHT[:200])
    lower = _two_columns(LEFT[200:], RIGHT[200:], top=530)
    d = _load(tmp_path, pdf_pages_bytes([[*upper, mid, *lower]]), "mid.pdf")
    flat = _flat(d.text)
    assert flat.index("Boats will leave") < flat.index("Heavy rain") < flat.index("Second section") \
        < flat.index("because the city now pays") < flat.index("the storm could bring")


def test_single_column_pages_and_tables_keep_pypdf_text(tmp_path):
    single = _lines(LEFT + " " + RIGHT, 95)
    table = [(72, 720, "Region"), (260, 720, "Revenue"), (400, 720, "Growth")]
    for i, (region, rev, growth) in enumerate([("North", "12,340", "4.5%"), ("South", "9,870", "2.1%"),
                                               ("East", "15,002", "7.9%"), ("West", "8,120", "-1.2%"),
                                               ("Central", "11,450", "3.3%"), ("Islands", "2,310", "0.4%")], 1):
        table += [(72, 720 - 16 * i, region), (260, 720 - 16 * i, rev), (400, 720 - 16 * i, growth)]
    terms = [line for i, t in enumerate(["Annual leave entitlement", "Sick leave reporting", "Travel expense claims",
                                         "Remote work agreement", "Equipment return process", "Training budget"])
             for line in ((72, 700 - 16 * i, t), (312, 700 - 16 * i, f"See the staff handbook, chapter {i + 3}"))]
    for lines in (single, table, terms):
        page = _pages(pdf_pages_bytes([lines]))[0]
        assert page_text(page) == page.extract_text()
    d = _load(tmp_path, pdf_pages_bytes([table]))
    assert "North 12,340 4.5%" in d.text and "Islands 2,310 0.4%" in d.text


def test_table_whose_cells_wrap_reads_row_by_row(tmp_path):
    """Cells of two columns that wrap over several lines, stored line by line across the row: every gap between
    rows is a gap in both columns, the next row starting on one baseline, so each row is read on its own, left cell
    then right cell."""
    lefts, rights = SENTENCES[:3], SENTENCES[5:8]
    across, by_cell, top = [], [], 720
    for a, b in zip(lefts, rights):
        la = [(72, top - 14 * i, t) for i, t in enumerate(_lines(a))]
        lb = [(300, top - 14 * i, t) for i, t in enumerate(_lines(b))]
        across += [x for pair in zip(la + [None] * len(lb), lb + [None] * len(la)) for x in pair if x]
        by_cell += la + lb
        top -= 14 * max(len(la), len(lb)) + 20
    d = _load(tmp_path, pdf_pages_bytes([across]))
    assert _in_reading_order(d.text, [x for pair in zip(lefts, rights) for x in pair])
    page = _pages(pdf_pages_bytes([by_cell]))[0]  # stored cell by cell: pypdf's text stands
    assert page_text(page) == page.extract_text()


def test_headers_footers_hyphens_and_reflow_work_on_reordered_columns(tmp_path):
    """What pdf.py does after extraction still works: a right-aligned running header and the page numbers go, a
    word hyphenated at a column's line end is joined, a sentence running from the bottom of the left column to the
    top of the right one is one sentence."""
    pages = []
    for n, (place, topic) in enumerate([("library", "parking"), ("town hall", "bus lanes"), ("school", "lights")], 1):
        left = [f"Meeting {n} was held at the {place} and the", "committee discussed all the informa-",
                f"tion residents had sent about {topic} near", "the station and the new market square.",
                "Everyone agreed in the end that the report"]
        right = ["should be published before the summer", "holidays, so that families can plan trips.",
                 f"The chair closed meeting {n} at nine and", "thanked the volunteers for their work."]
        lines = [(72 + 240 * c, 720 - 14 * i, t) for i in range(5) for c, col in enumerate((left, right))
                 if i < len(col) for t in [col[i]]]
        pages.append([(430, 770, "Town Gazette - Issue 12"), *lines, (300, 40, f"Page {n}")])
    d = _load(tmp_path, pdf_pages_bytes(pages))
    flat = _flat(d.text)
    assert d.text.count("Town Gazette - Issue 12") == 1 and "Page 2" not in d.text
    assert "committee discussed all the information residents had sent about bus lanes" in flat
    assert "agreed in the end that the report should be published before the summer holidays, so" in flat
    assert flat.index("Meeting 2 was") < flat.index("closed meeting 2") < flat.index("Meeting 3 was")


def test_three_columns(tmp_path):
    texts = [LEFT, RIGHT, LEFT.replace("ferry", "tram").replace("harbour", "transport")]
    cols = [[(x, 720 - 14 * i, t) for i, t in enumerate(_lines(text, 30))] for x, text in zip((60, 212, 364), texts)]
    interleaved = [line for row in zip(*cols) for line in row]
    d = _load(tmp_path, pdf_pages_bytes([interleaved]))
    flat = _flat(d.text)
    assert flat.index("The harbour authority") < flat.index("Heavy rain") < flat.index("The transport authority")
    assert "Boats will leave every forty minutes from the north pier" in flat
    assert "Trams will leave" not in flat and "Sandbags are available at the fire station." in flat


def _font_pdf(stream: str, font: dict, extra=None) -> bytes:
    """One page whose /F1 is `font` (a dict of names to pypdf objects) and whose content is `stream`."""
    import pypdf
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    w = pypdf.PdfWriter()
    page = w.add_blank_page(612, 792)
    res = {NameObject("/Font"): DictionaryObject({NameObject("/F1"): w._add_object(DictionaryObject(font))})}
    if extra:
        res.update(extra(w))
    page[NameObject("/Resources")] = DictionaryObject(res)
    cs = DecodedStreamObject()
    cs.set_data(stream.encode("latin-1"))
    page[NameObject("/Contents")] = w._add_object(cs)
    buf = io.BytesIO()
    w.write(buf)
    return buf.getvalue()


def _stream(lines, fmt=lambda t: f"({_esc(t)}) Tj") -> str:
    return "\n".join(f"BT /F1 10 Tf {x} {y} Td {fmt(t)} ET" for x, y, t in lines)


def _widths(scale: float = 1.0):
    """Helvetica-like /Widths for codes 32..126."""
    from pypdf.generic import FloatObject

    return [FloatObject(scale * (278 if c in " .,;:!'|il" else 667 if c.isupper() else 556 if c.isdigit() else 500))
            for c in map(chr, range(32, 127))]


def test_fonts_with_widths_and_two_byte_fonts(tmp_path):
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, NumberObject

    n = NameObject
    simple = {n("/Type"): n("/Font"), n("/Subtype"): n("/TrueType"), n("/BaseFont"): n("/Arial"),
              n("/FirstChar"): NumberObject(32), n("/LastChar"): NumberObject(126),
              n("/Widths"): ArrayObject(_widths()), n("/Encoding"): n("/WinAnsiEncoding")}
    page = _pages(_font_pdf(_stream(_two_columns()), simple))[0]
    assert _in_reading_order(page_text(page))
    # Identity-H: two bytes a glyph, widths from /W; pypdf decodes it as UTF-16 here (no /ToUnicode)
    cid = {n("/Type"): n("/Font"), n("/Subtype"): n("/CIDFontType2"), n("/BaseFont"): n("/Arial"),
           n("/DW"): NumberObject(1000),
           n("/W"): ArrayObject([NumberObject(32), NumberObject(126), NumberObject(480)]),
           n("/CIDSystemInfo"): DictionaryObject({n("/Registry"): n("/Adobe"), n("/Ordering"): n("/Identity"),
                                                  n("/Supplement"): FloatObject(0)})}
    type0 = {n("/Type"): n("/Font"), n("/Subtype"): n("/Type0"), n("/BaseFont"): n("/Arial"),
             n("/Encoding"): n("/Identity-H"), n("/DescendantFonts"): ArrayObject([DictionaryObject(cid)])}
    hexed = _stream(_two_columns(), lambda t: "<" + "".join(f"00{ord(c):02x}" for c in t) + "> Tj")
    page = _pages(_font_pdf(hexed, type0))[0]
    page_text(page)  # whatever pypdf decodes, no error


@pytest.mark.parametrize("kind", ["rotated", "form", "type3", "missing_font", "no_positions", "bad_operands",
                                  "zero_size", "vertical"])
def test_odd_pages_never_fail_and_keep_pypdf_text(kind):
    from pypdf.generic import (ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject,
                               NumberObject)

    n = NameObject
    helv = {n("/Type"): n("/Font"), n("/Subtype"): n("/Type1"), n("/BaseFont"): n("/Helvetica")}
    cols = _stream(_two_columns())
    extra = None
    font = helv
    if kind == "rotated":
        stream = "q 0 1 -1 0 600 0 cm\n" + cols + "\nQ"
    elif kind == "form":
        stream = "q /Fm1 Do Q"

        def extra(w):
            form = DecodedStreamObject()
            form.set_data(cols.encode("latin-1"))
            form.update({n("/Type"): n("/XObject"), n("/Subtype"): n("/Form"),
                         n("/BBox"): ArrayObject([NumberObject(0), NumberObject(0), NumberObject(612),
                                                  NumberObject(792)])})
            return {n("/XObject"): DictionaryObject({n("/Fm1"): w._add_object(form)})}
    elif kind == "type3":
        stream = cols
        font = {n("/Type"): n("/Font"), n("/Subtype"): n("/Type3"),
                n("/FontMatrix"): ArrayObject([FloatObject(0.01), FloatObject(0), FloatObject(0), FloatObject(0.01),
                                               FloatObject(0), FloatObject(0)]),
                n("/FontBBox"): ArrayObject([NumberObject(0)] * 4), n("/CharProcs"): DictionaryObject(),
                n("/FirstChar"): NumberObject(32), n("/LastChar"): NumberObject(126),
                n("/Widths"): ArrayObject(_widths(0.1))}
    elif kind == "missing_font":
        stream = cols.replace("/F1 10 Tf", "/F9 10 Tf")
    elif kind == "no_positions":
        stream = "\n".join(f"({_esc(t)}) Tj" for _, _, t in _two_columns())
    elif kind == "bad_operands":
        stream = "BT /F1 Tf (a) Tj Td (b) Tj /F1 10 Tf 1 2 Tm (c) TJ 5 Tz (d) ' ET\n" + cols
    elif kind == "zero_size":
        stream = cols.replace("/F1 10 Tf", "/F1 0 Tf")
    else:
        stream = cols
        font = {n("/Type"): n("/Font"), n("/Subtype"): n("/Type0"), n("/BaseFont"): n("/X"),
                n("/Encoding"): n("/Identity-V"), n("/DescendantFonts"): ArrayObject([DictionaryObject(
                    {n("/Subtype"): n("/CIDFontType0"), n("/BaseFont"): n("/X")})])}
    page = _pages(_font_pdf(stream, font, extra))[0]
    if kind == "type3":  # placed with its /FontMatrix and /Widths
        assert _in_reading_order(page_text(page))
    elif kind == "missing_font":  # pypdf decodes nothing useful; placed with guessed widths, no error
        assert len(page_text(page)) == len(page.extract_text())
    else:
        assert page_text(page) == page.extract_text()


def test_reading_order_of_boxes():
    """The pure geometry: (x0, x1, baseline, size) boxes in stream order."""
    rows = [(72 + 240 * c, 292 + 240 * c - (30 if r == 9 else 0), 700 - 14 * r, 10) for r in range(10)
            for c in range(2)]
    order = reading_order(rows)
    assert order == [i for c in range(2) for i in range(c, 20, 2)]
    assert reading_order(sorted(rows, key=lambda b: b[0])) is None  # column after column already
    assert reading_order([(72, 540, 700 - 14 * r, 10) for r in range(20)]) is None  # one column
    assert reading_order([]) is None and reading_order(rows[:4]) is None
