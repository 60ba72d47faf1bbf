"""OpenDocument hidden text (.odt, .ods, .odp: loaders/opendoc_look.py with hidden.unseen_text, the DOCX/PPTX rule):
text under 2 pt or in the colour of what lies behind it is left out and counted; text a reader sees is kept (a
colour that differs from the background, a size in percent, an automatic colour, a fill that is a picture)."""

from __future__ import annotations

from pathlib import Path

from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.opendoc_sheets import load_ods
from ragtune.appliance.ingest.loaders.opendoc_slides import load_odp

from . import odp_build as pb
from . import ods_build as sb
from . import odt_build as ob

LOOK = """<office:automatic-styles>
<style:style style:name="W" style:family="text"><style:text-properties fo:color="#ffffff"/></style:style>
<style:style style:name="Tiny" style:family="text"><style:text-properties fo:font-size="1.5pt"/></style:style>
<style:style style:name="Big" style:family="text"><style:text-properties fo:font-size="11pt"/></style:style>
<style:style style:name="Pct" style:family="text"><style:text-properties fo:font-size="1%"/></style:style>
<style:style style:name="Auto" style:family="text"><style:text-properties style:use-window-font-color="true"/>
</style:style>
<style:style style:name="Grey" style:family="text"><style:text-properties fo:color="#eeeeee"/></style:style>
<style:style style:name="WonBlack" style:family="text"><style:text-properties fo:color="#ffffff"
 fo:background-color="#000000"/></style:style>
<style:style style:name="YonY" style:family="text"><style:text-properties fo:color="#ffff00"
 fo:background-color="#ffff00"/></style:style>
<style:style style:name="PTiny" style:family="paragraph"><style:text-properties fo:font-size="1pt"/></style:style>
<style:style style:name="PWhite" style:family="paragraph"><style:text-properties fo:color="#FFFFFF"/></style:style>
<style:style style:name="PShaded" style:family="paragraph" style:parent-style-name="PWhite">
<style:paragraph-properties fo:background-color="#333333"/></style:style>
</office:automatic-styles>"""

P = Path("/council/minutes.odt")


def _odt(body: str, styles: str = ob.STYLES) -> object:
    import io
    import zipfile

    raw = ob.odt(body, content_xml=ob.content(body, LOOK))
    if styles is ob.STYLES:
        return load_odt(P, raw)
    buf = io.BytesIO()  # the same package with another styles.xml (a page colour)
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, styles if info.filename == "styles.xml" else src.read(info))
    return load_odt(P, buf.getvalue())


def test_odt_white_and_tiny_text_left_out_and_counted():
    d = _odt('<text:p>Rent is due monthly.<text:span text:style-name="W">PLANTED-WHITE</text:span>'
             '<text:span text:style-name="Tiny">PLANTED-TINY</text:span></text:p>'
             '<text:p text:style-name="PTiny">PLANTED-PARA-TINY</text:p>'
             '<text:p text:style-name="PWhite">PLANTED-PARA-WHITE<text:span text:style-name="Grey"> grey shows'
             '</text:span></text:p>'
             '<text:p><text:span text:style-name="YonY">PLANTED-HIGHLIGHT</text:span> end</text:p>')
    assert d.text == "Rent is due monthly.\n\ngrey shows\n\nend"
    assert d.notes and d.notes[0].startswith("4 passages of hidden text") and "under 2 pt" in d.notes[0]


def test_odt_text_a_reader_sees_is_kept():
    d = _odt('<text:p><text:span text:style-name="WonBlack">white on black</text:span> '
             '<text:span text:style-name="Pct">percent size</text:span> '
             '<text:span text:style-name="Auto">automatic colour</text:span> '
             '<text:span text:style-name="Tiny"><text:span text:style-name="Big">big again</text:span></text:span>'
             '</text:p>'
             '<text:p text:style-name="PShaded">white on a dark paragraph</text:p>'
             '<table:table><table:table-row><table:table-cell><text:p text:style-name="PWhite">white in a cell'
             '</text:p></table:table-cell></table:table-row></table:table>')
    assert d.text == ("white on black percent size automatic colour big again\n\nwhite on a dark paragraph\n\n"
                      "white in a cell")  # (a cell may be filled by its table: colour not judged, as in DOCX)
    assert d.notes == ()


def test_odt_white_text_on_a_coloured_page_is_kept():
    dark = ob.STYLES.replace("</office:styles>", "</office:styles><office:automatic-styles><style:page-layout "
                             'style:name="pm1"><style:page-layout-properties fo:background-color="#1f3864"/>'
                             "</style:page-layout></office:automatic-styles>")
    d = _odt('<text:p><text:span text:style-name="W">white on navy</text:span></text:p>', dark)
    assert d.text == "white on navy" and d.notes == ()


def test_ods_cell_text_in_the_cell_colour_or_tiny_left_out(tmp_path):
    d = load_ods(Path("/c/b.ods"), sb.real())
    for planted in ("PLANTED-TINY", "PLANTED-WHITE", "PLANTED-YELLOW", "PLANTED-DISPLAY"):
        assert planted not in d.text
    assert "seen on black" in d.text and "Lime Walk" in d.text
    assert d.notes[-1].startswith("4 cell passages of hidden text")


def test_odp_text_in_the_colour_of_its_shape_or_slide_left_out():
    d = load_odp(Path("/c/d.odp"), pb.real())
    for planted in ("PLANTED-WHITE", "PLANTED-TINY", "PLANTED-BLUE", "PLANTED-NAVY", "HIDDEN-SHAPE"):
        assert planted not in d.text
    assert "Cost is £2.1m" in d.text and "On blue" in d.text and "white on dark seen" in d.text
    assert d.notes[-1].startswith("4 shape or passages of hidden text")  # (counted a paragraph at a time)


def test_odp_a_picture_behind_the_text_is_not_judged():
    auto = pb.AUTO_STYLES.replace('draw:fill="solid"\n draw:fill-color="#1f3864"', 'draw:fill="bitmap"')
    page = pb.page("p", pb.frame(None, '<text:p><text:span text:style-name="T4">navy on a photo</text:span>'
                                 '</text:p>'), style="dpDark")
    d = load_odp(Path("/c/d.odp"), pb.odp(content_xml=pb.content(page, auto)))
    assert "navy on a photo" in d.text and d.notes == ()
