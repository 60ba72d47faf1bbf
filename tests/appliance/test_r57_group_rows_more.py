"""Round 57: the grouped tables round 56 left (loaders/tablegroups.py; word.py's `w:gridBefore`; tablerows.table_block
for .doc): a short note merged across a grouped table ("Prices include VAT", "See note 3", right under a group row
or before the first) is a note below the rows and the group goes on under it (it had re-titled the rows under it); a
"Total" row under the last group that is the table's (groups without totals; the last group's own total right above
it), and a "Grand total", are under no group; brackets inside a group name move to its end; a .docx row
that starts in a later grid column keeps its cells under their own labels; a .doc row of one cell in a wider table is
a group row. Content invented for the tests (CC0)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders.tablegroups import group_name, in_group
from ragtune.appliance.ingest.loaders.tablerows import labelled_rows, table_block
from ragtune.appliance.ingest.loaders.word import load_docx

from .ingest_helpers import _DOCX_NS, docx_xml_bytes
from .test_r54_doc_tables import AFTER, BEFORE, _doc
from .test_r56_group_rows import _docx, _html, _odt, _tr

HEAD = ("Plot size", "Annual rent", "Water")


def _rows(*rows):
    """labelled_rows' input under a header (HEAD): a str a group row (merged: in `groups`), a tuple a row."""
    full = [dict(enumerate(HEAD))] + [{0: r} if isinstance(r, str) else dict(enumerate(r)) for r in rows]
    return labelled_rows(full, True, groups={i for i, r in enumerate(rows, 1) if isinstance(r, str)})


# -- 1. a note merged across a grouped table ------------------------------------------------------------------------

NOTED = [HEAD, "Riverside", ("Half plot", "£38", "£7"), "Prices include VAT", ("Full plot", "£70", "£12"),
         "Hilltop", ("Half plot", "£30", "£5"), "See note 3", ("Full plot", "£55", "£9")]
NOTED_TEXT = ("Plot size: Half plot (Riverside); Annual rent: £38; Water: £7\n"
              "Plot size: Full plot (Riverside); Annual rent: £70; Water: £12\n"
              "Plot size: Half plot (Hilltop); Annual rent: £30; Water: £5\n"
              "Plot size: Full plot (Hilltop); Annual rent: £55; Water: £9\n\n"
              "Prices include VAT\nSee note 3")


def test_a_merged_note_amid_the_groups_does_not_retitle_the_rows_under_it():
    assert _docx(NOTED) == NOTED_TEXT
    assert _odt(NOTED) == NOTED_TEXT


def test_html_a_colspan_note_amid_th_groups_is_a_note():
    page = ("<table>" + _tr(HEAD, "th") + '<tr><th colspan="3">Riverside</th></tr>' + _tr(("Half plot", "£38", "£7"))
            + '<tr><td colspan="3">Prices include VAT</td></tr>' + _tr(("Full plot", "£70", "£12"))
            + '<tr><th colspan="3">Hilltop</th></tr>' + _tr(("Full plot", "£55", "£9")) + "</table>")
    assert _html(page) == ("Plot size: Half plot (Riverside); Annual rent: £38; Water: £7\n"
                           "Plot size: Full plot (Riverside); Annual rent: £70; Water: £12\n"
                           "Plot size: Full plot (Hilltop); Annual rent: £55; Water: £9\n\nPrices include VAT")


def test_a_note_right_under_a_group_row_or_before_the_first_leaves_the_groups_whole():
    want = ["Plot size: Half plot (Riverside); Annual rent: £38; Water: £7",
            "Plot size: Half plot (Hilltop); Annual rent: £30; Water: £5", ""]
    assert _rows("Riverside", "(members only)", ("Half plot", "£38", "£7"), "Hilltop",
                 ("Half plot", "£30", "£5")) == want + ["(members only)"]
    assert _rows("All rents are due on 1 October", "Riverside", ("Half plot", "£38", "£7"), "Hilltop",
                 ("Half plot", "£30", "£5")) == want + ["All rents are due on 1 October"]
    # a footnote merged across, as round 56: a note, the group going on
    assert _rows("Riverside", ("Half plot", "£38", "£7"), "* members only", ("Full plot", "£70", "£12"))[:2] == [
        "Plot size: Half plot (Riverside); Annual rent: £38; Water: £7",
        "Plot size: Full plot (Riverside); Annual rent: £70; Water: £12"]


def test_a_group_is_named_by_a_noun_phrase_a_note_by_a_clause():
    for name in ("Riverside site", "Week 2 (9 to 13 March)", "Members only", "May to September", "Will's team",
                 "Evening run", "Repairs team", "Zone B", "Sat.", "Not-for-profit groups", "IS department",
                 "Adults (incl. students)", "Evening (closed Sundays)"):
        assert group_name({0: name}) == name, name
    for note in ("Prices include VAT", "See note 3", "Lessons are 45 minutes", "Closed on bank holidays",
                 "Kitchen use is charged separately", "Not available on Sundays", "Rates may change",
                 "(members only)", "* members only", "Note: cash only", "Prices include VAT and a locker."):
        assert group_name({0: note}) == "", note


def test_merged_rows_amid_ungrouped_rows_read_as_before():
    # no group row first: merged notes and totals stay where they were, as round 56 wrote them
    assert _rows(("Half plot", "£38", "£7"), "Prices include VAT", ("Full plot", "£70", "£12")) == [
        "Plot size: Half plot; Annual rent: £38; Water: £7", "Plot size: Prices include VAT",
        "Plot size: Full plot; Annual rent: £70; Water: £12"]


# -- 2. a total under the last group --------------------------------------------------------------------------------

def test_a_total_under_the_last_group_of_groups_without_totals_is_the_tables():
    text = _docx([("Month", "Visits"), "Central", ("January", "4,210"), "Eastside", ("January", "1,150"),
                  ("Total", "5,360")])
    assert text == ("Month: January (Central); Visits: 4,210\nMonth: January (Eastside); Visits: 1,150\n"
                    "Month: Total; Visits: 5,360")


def test_each_groups_total_stays_the_groups_and_the_one_after_it_is_the_tables():
    rows = [("Course", "Cost"), "Care team", ("First aid", "£720"), ("Total", "£720"), "Kitchen team",
            ("Food hygiene", "£375"), ("Total", "£375")]
    assert _odt(rows).splitlines()[-1] == "Course: Total (Kitchen team); Cost: £375"
    assert _odt(rows + [("Total", "£1,095")]).splitlines()[-2:] == ["Course: Total (Kitchen team); Cost: £375",
                                                                    "Course: Total; Cost: £1,095"]


def test_a_grand_total_is_under_no_group_and_a_lone_groups_total_is_its_own():
    assert _rows("Riverside", ("Half plot", "£38", "£7"), "Hilltop", ("Half plot", "£30", "£5"),
                 ("Grand total", "£68", "£12"))[-1] == "Plot size: Grand total; Annual rent: £68; Water: £12"
    assert _rows("Riverside", ("Half plot", "£38", "£7"), ("Total", "£38", "£7"))[-1] == \
        "Plot size: Total (Riverside); Annual rent: £38; Water: £7"
    # a subtotal is the group's
    assert _rows("Riverside", ("Half plot", "£38", "£7"), "Hilltop", ("Half plot", "£30", "£5"),
                 ("Subtotal", "£30", "£5"))[-1] == "Plot size: Subtotal (Hilltop); Annual rent: £30; Water: £5"


# -- 3. a .docx row that starts in a later grid column -------------------------------------------------------------

def _tc(text: str) -> str:
    return f"<w:tc><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def _grid_docx(*rows: tuple[str | None, tuple[str, ...]]) -> str:
    """A .docx of one table of four grid columns, its first row bold: each row (gridBefore value or None, cells)."""
    bold = "<w:tc><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{}</w:t></w:r></w:p></w:tc>"
    head = "<w:tr>" + "".join(bold.format(c) for c in ("Day", "Time", "Class", "Teacher")) + "</w:tr>"
    body = "".join("<w:tr>" + (f'<w:trPr><w:gridBefore w:val="{before}"/></w:trPr>' if before is not None else "")
                   + "".join(map(_tc, cells)) + "</w:tr>" for before, cells in rows)
    tbl = f"<w:tbl {_DOCX_NS}><w:tblGrid>{'<w:gridCol/>' * 4}</w:tblGrid>{head}{body}</w:tbl>"
    return load_docx(Path("t.docx"), docx_xml_bytes(tbl)).text


def test_a_row_with_grid_before_keeps_its_cells_under_their_own_labels():
    text = _grid_docx((None, ("Monday", "09:30", "Gentle yoga", "Ines Moreau")),
                      ("1", ("18:30", "Power yoga", "Dev Anand")), ("2", ("Yin yoga", "Kofi Mensah")))
    assert text == ("Day: Monday; Time: 09:30; Class: Gentle yoga; Teacher: Ines Moreau\n"
                    "Time: 18:30; Class: Power yoga; Teacher: Dev Anand\nClass: Yin yoga; Teacher: Kofi Mensah")


def test_a_grid_before_word_cannot_read_is_none_and_a_huge_one_is_bounded():
    plain = _grid_docx((None, ("Monday", "09:30", "Gentle yoga", "Ines Moreau")), (None, ("Friday", "18:30", "Spin",
                                                                                             "Dev Anand")))
    assert _grid_docx((None, ("Monday", "09:30", "Gentle yoga", "Ines Moreau")),
                      ("x1", ("Friday", "18:30", "Spin", "Dev Anand"))) == plain
    assert _grid_docx((None, ("Monday", "09:30", "Gentle yoga", "Ines Moreau")),
                      ("-1", ("Friday", "18:30", "Spin", "Dev Anand"))) == plain
    text = _grid_docx((None, ("Monday", "09:30", "Gentle yoga", "Ines Moreau")), ("99999999999", ("Spin",)))
    assert "Spin" in text and len(text) < 400  # read, never 10^11 columns away


def test_a_one_cell_row_after_grid_before_is_no_group_row():
    tbl_row = '<w:tr><w:trPr><w:gridBefore w:val="1"/></w:trPr><w:tc><w:tcPr><w:gridSpan w:val="3"/></w:tcPr>' \
              "<w:p><w:r><w:t>Beginners welcome</w:t></w:r></w:p></w:tc></w:tr>"
    bold = "<w:tc><w:p><w:r><w:rPr><w:b/></w:rPr><w:t>{}</w:t></w:r></w:p></w:tc>"
    tbl = (f"<w:tbl {_DOCX_NS}><w:tblGrid>{'<w:gridCol/>' * 4}</w:tblGrid><w:tr>"
           + "".join(bold.format(c) for c in ("Day", "Time", "Class", "Teacher")) + "</w:tr>" + tbl_row
           + "<w:tr>" + "".join(map(_tc, ("Monday", "09:30", "Gentle yoga", "Ines Moreau"))) + "</w:tr></w:tbl>")
    text = load_docx(Path("t.docx"), docx_xml_bytes(tbl)).text
    assert "(Beginners welcome)" not in text and "Day: Monday; Time: 09:30" in text


# -- 4. a group name with brackets of its own -----------------------------------------------------------------------

def test_brackets_inside_a_group_name_move_to_its_end():
    assert in_group({0: "Car"}, "Winter (Nov–Feb) season") == {0: "Car (Winter season (Nov–Feb))"}
    # a name ending in brackets is written as round 56 wrote it ("Week 1, 2 to 6 March" read as weeks 1 and 2)
    assert in_group({0: "Car"}, "Week 1 (2 to 6 March)") == {0: "Car (Week 1 (2 to 6 March))"}
    assert in_group({0: "Car"}, "Zone B") == {0: "Car (Zone B)"}
    assert in_group({0: "Car"}, "Low (Oct (late)") == {0: "Car (Low Oct (late))"}  # an unmatched one: dropped
    assert _docx([("Ticket", "Single"), "High (May–Sep) season", ("Car and driver", "£44.00")]) == \
        "Ticket: Car and driver (High season (May–Sep)); Single: £44.00"


# -- 5. a .doc's merged row ------------------------------------------------------------------------------------------

def test_a_doc_row_of_one_cell_is_a_group_row_and_one_with_empty_cells_is_not():
    rows = [("Ticket", "Adult", "Child"), ("Summer",), ("Swim", "£6", "£3"), ("Winter",), ("Swim", "£4", "£2")]
    assert _doc(rows).splitlines() == [BEFORE, "", "Ticket: Swim (Summer); Adult: £6; Child: £3",
                                       "Ticket: Swim (Winter); Adult: £4; Child: £2", "", AFTER]
    people = [("Name", "Role", "Phone"), ("Aisha Khan", "Shift lead", "07700 900 311"), ("Bob Hart", "", ""),
              ("Priya Shah", "Driver", "07700 900 518")]
    assert "(Bob Hart)" not in _doc(people)
    assert table_block([["Summer"], ["Swim"]], True) == ["Summer", "Swim"]  # one column: no group to speak of
