"""Round 53, reviewer rA's reader findings mended: an XML comment in an OpenDocument style (it stopped the whole
ingest), a long .xlsx number format (minutes in one regex call), HTML page colours set under a condition or by a
later rule, a dark colour scheme, white text in a white-painted child, `color` attributes off <font>, and .odt/.odp
backgrounds (page layouts, sections, shapes drawn over pictures). Text a reader sees is kept; what is unseen stays
out."""

from __future__ import annotations

import io
import time
import zipfile
from pathlib import Path

import pytest

from ragtune.appliance.ingest.loaders import load_file
from ragtune.appliance.ingest.loaders.opendoc import load_odt
from ragtune.appliance.ingest.loaders.opendoc_slides import load_odp
from ragtune.appliance.ingest.loaders.sheet_formats import _FRACTION, _format_code
from ragtune.appliance.ingest.loaders.sheets import load_xlsx
from ragtune.appliance.ingest.loaders.web import load_html
from ragtune.cli import main

from . import odp_build as pb
from . import ods_build as sb
from . import odt_build as ob
from .ingest_helpers import cli_ingest_one
from .xlsx_build import Cell, Sheet, build_xlsx

# -- 1. an XML comment inside a style's properties ------------------------------------------------------------------
_COMMENTED = ('<style:style style:name="PX" style:family="paragraph"><style:paragraph-properties fo:margin-top="0cm">'
              "<!-- kept by an editor --><?editor keep?></style:paragraph-properties></style:style>")


def _commented() -> dict[str, bytes]:
    body = '<text:p text:style-name="PX">The lease runs for ten years.</text:p>'
    auto = f"<office:automatic-styles>{_COMMENTED}</office:automatic-styles>"
    more = f"{_COMMENTED}</office:automatic-styles>"
    return {"lease.odt": ob.odt(body, content_xml=ob.content(body, auto)),
            "rents.ods": sb.ods(content_xml=sb.content(sb.table("Rents", sb.row(sb.s("Unit 14B rent is 900 euros"))),
                                                       sb.AUTO_STYLES.replace("</office:automatic-styles>", more))),
            "deck.odp": pb.odp(content_xml=pb.content(pb.page("s1", pb.frame("title", "<text:p>Lease terms</text:p>")),
                                                      pb.AUTO_STYLES.replace("</office:automatic-styles>", more)))}


@pytest.mark.parametrize("name,shown", [("lease.odt", "The lease runs for ten years."),
                                        ("rents.ods", "Unit 14B rent is 900 euros"), ("deck.odp", "Lease terms")])
def test_an_xml_comment_in_a_style_fails_nothing(tmp_path, name, shown):
    f = tmp_path / name
    f.write_bytes(_commented()[name])
    assert shown in load_file(f).text


def test_ingest_of_a_folder_with_commented_styles_stores_every_file(home, tmp_path, monkeypatch, tokenizer, capsys):
    files = _commented()
    cli_ingest_one(home, tmp_path / "docs" / "lease.odt", files.pop("lease.odt"), monkeypatch, tokenizer, capsys)
    for name, raw in files.items():
        (tmp_path / "docs" / name).write_bytes(raw)
    assert main(["--home", str(home.root), "ingest", str(tmp_path / "docs")]) == 0
    out = capsys.readouterr()
    assert "internal error" not in out.out + out.err and "corrupt" not in out.out + out.err


# -- 2. a long number format ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", ["0" * 40_000, "0," * 20_000, "# " + "?" * 40_000 + "/8", "0 " * 20_000])
def test_a_long_number_format_is_read_at_once(code):
    t = time.perf_counter()
    assert _format_code(code).kind == "general"  # over Excel's 255 characters: not Excel's, General
    _FRACTION.search(code)  # the pattern itself is linear too (it took a minute on 40,000 zeros)
    assert time.perf_counter() - t < 1.0


def test_fractions_still_read_as_excel_shows_them():
    assert _format_code("# ?/?").kind == "fraction" and _format_code("# ?/?").whole
    assert _format_code("#,##0 ??/??").denominator == 99
    assert _format_code("?/8").denominator == -8 and not _format_code("?/8").whole
    assert _format_code('# ?/?" in"').suffix == " in"
    assert _format_code("0.00").kind == "number"  # no "/": no fraction looked for


def test_an_xlsx_whose_format_is_40000_zeros_reads_the_cell_as_general():
    raw = build_xlsx([Sheet("S", [["Amount"], [Cell(1.5, fmt="0" * 40_000)]])])
    t = time.perf_counter()
    assert "Amount: 1.5" in load_xlsx(Path("amounts.xlsx"), raw).text
    assert time.perf_counter() - t < 5.0


# -- 3, 5, 6, 10. HTML page colours ---------------------------------------------------------------------------------
def _html(page: str) -> tuple[str, tuple]:
    try:
        doc = load_html(Path("page.html"), page.encode())
    except Exception as exc:  # "empty document": everything left out
        return f"<{exc}>", ()
    return " ".join(doc.text.split()), doc.notes


SHOWN_PAGES = {
    "media-dark-page": ("<style>@media (prefers-color-scheme: dark){body{background:#000}}</style>",
                        '<p style="color:#000000">Black text in a light page.</p>'),
    "media-width-page": ("<style>@media (max-width: 600px){body{background:#000}}</style>",
                         '<p style="color:#000">Black text on a wide screen.</p>'),
    "later-body-rule": ("<style>body{background:#000}</style><style>body{background:#fff}</style>",
                        '<p style="color:#000">Black text on white (the later rule wins).</p>'),
    "later-colour-over-shorthand": ("<style>body{background:#fff} body{background-color:#000}</style>",
                                    '<p style="color:#fff">White text on black.</p>'),
    "meta-dark-scheme": ('<meta name="color-scheme" content="light dark">',
                         '<p style="color:#fff">White on the dark default page.</p>'),
    "root-dark-scheme": ("<style>:root{color-scheme:dark}</style>",
                         '<p style="color:#ffffff">White text on the dark scheme.</p>'),
    "color-attr-div": ("", '<div color="#ffffff">Shown in black by every browser.</div>'),
    "color-attr-td": ("", '<table><tr><td color="white">Cell text shown black.</td></tr></table>'),
}


@pytest.mark.parametrize("case", sorted(SHOWN_PAGES))
def test_html_text_a_reader_sees_is_kept(case):
    head, body = SHOWN_PAGES[case]
    text, notes = _html(f"<html><head>{head}</head><body><p>Intro.</p>{body}</body></html>")
    assert text.startswith("Intro.") and len(text) > len("Intro.") and not notes, text


HIDDEN_PAGES = {
    "media-print-page": ("<style>@media print{body{background:#000}}</style>",  # never on a screen
                         '<p style="color:#fff">PLANTED white on the white screen page.</p>'),
    "print-sheet": ('<style media="print">body{background:#000}</style>',
                    '<p style="color:#fff">PLANTED white on white.</p>'),
    "later-white-rule": ("<style>body{background:#000}</style><style>body{background:#fff}</style>",
                         '<p style="color:#fff">PLANTED white on the white page.</p>'),
    "same-colour-under-condition": ("<style>body{background:#fff}@media (max-width:600px){body{background:#fff}}"
                                    "</style>", '<p style="color:#fff">PLANTED white on white on every screen.</p>'),
    "white-in-white-span": ("", '<div style="color:#ffffff"><span style="background:#ffffff">PLANTED white on a '
                                "white span</span></div>"),
    "white-font-in-white-cell": ("", '<font color="#ffffff"><table><tr><td bgcolor="#ffffff">PLANTED in a white cell'
                                     "</td></tr></table></font>"),
    "font-white": ("", '<font color="#ffffff">PLANTED white font</font>'),
}


@pytest.mark.parametrize("case", sorted(HIDDEN_PAGES))
def test_html_text_no_reader_sees_stays_out(case):
    head, body = HIDDEN_PAGES[case]
    text, notes = _html(f"<html><head>{head}</head><body><p>Intro.</p>{body}</body></html>")
    assert text == "Intro." and notes, text


def test_white_text_in_a_child_painting_another_colour_is_read():
    text, _ = _html('<html><body><p>Intro.</p><div style="color:#ffffff"><span style="background:#003366">White on '
                    'navy</span> PLANTED</div></body></html>')
    assert text == "Intro. White on navy"


# -- 7, 8. .odt page layouts and sections ---------------------------------------------------------------------------
def _with_styles(raw: bytes, styles: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, styles if info.filename == "styles.xml" else src.read(info))
    return buf.getvalue()


def _layouts(*backgrounds: str) -> str:
    pls = "".join(f'<style:page-layout style:name="pm{i}"><style:page-layout-properties fo:page-width="21cm"{bg}/>'
                  "</style:page-layout>" for i, bg in enumerate(backgrounds))
    return ob.STYLES.replace("</office:styles>", f"</office:styles><office:automatic-styles>{pls}"
                                                 "</office:automatic-styles>")


_BLACK = """<office:automatic-styles>
<style:style style:name="P1" style:family="paragraph"><style:text-properties fo:color="#000000"/></style:style>
<style:style style:name="PW" style:family="paragraph"><style:text-properties fo:color="#ffffff"/></style:style>
<style:style style:name="Navy" style:family="section"><style:section-properties fo:background-color="#000080"/>
</style:style>
<style:style style:name="Pic" style:family="section"><style:section-properties><style:background-image
 xlink:href="Pictures/sky.png"/></style:section-properties></style:style>
<style:style style:name="Clear" style:family="section"><style:section-properties fo:background-color="transparent"/>
</style:style>
<style:style style:name="N" style:family="text"><style:text-properties fo:color="#000080"/></style:style>
</office:automatic-styles>"""


def _odt(body: str, styles: str = ob.STYLES):
    return load_odt(Path("lease.odt"), _with_styles(ob.odt(body, content_xml=ob.content(body, _BLACK)), styles))


def test_one_dark_page_layout_beside_a_plain_one_is_not_known():
    body = ('<text:p text:style-name="P1">The lease runs for ten years from 1 May 2019.</text:p>'
            '<text:p text:style-name="PW">White text.</text:p>')
    d = _odt(body, _layouts("", ' fo:background-color="#000000"'))  # a dark cover page's layout
    assert d.text == "The lease runs for ten years from 1 May 2019.\n\nWhite text." and not d.notes
    d = _odt(body, _layouts(' fo:background-color="#000000"', ' fo:background-color="#000"'))  # every page black
    assert d.text == "White text." and d.notes


def test_a_white_and_an_unpainted_layout_are_one_white_page():
    body = '<text:p>Seen.</text:p><text:p text:style-name="PW">PLANTED white on white.</text:p>'
    d = _odt(body, _layouts("", ' fo:background-color="#ffffff"'))
    assert d.text == "Seen." and d.notes


def test_a_sections_background_is_behind_its_text():
    d = _odt('<text:p>Intro.</text:p><text:section text:name="Banner" text:style-name="Navy">'
             '<text:p text:style-name="PW">White heading on the navy section.</text:p>'
             '<text:p><text:span text:style-name="N">PLANTED navy on navy</text:span></text:p></text:section>'
             '<text:section text:name="Sky" text:style-name="Pic"><text:p><text:span text:style-name="N">Navy on a '
             'picture</text:span></text:p></text:section>'
             '<text:section text:name="C" text:style-name="Clear"><text:p text:style-name="PW">PLANTED white on the '
             'white page</text:p></text:section>')
    assert d.text == "Intro.\n\nWhite heading on the navy section.\n\nNavy on a picture"
    assert d.notes and d.notes[0].startswith("2 passages")


# -- 9. .odp: text drawn over a picture or a filled shape -----------------------------------------------------------
_GR = pb.AUTO_STYLES.replace("</office:automatic-styles>", (
    '<style:style style:name="grNone" style:family="graphic" style:parent-style-name="standard">'
    '<style:graphic-properties draw:fill="none" draw:stroke="none"/></style:style>'
    '<style:style style:name="grDark" style:family="graphic" style:parent-style-name="standard">'
    '<style:graphic-properties draw:fill="solid" draw:fill-color="#1f3864"/></style:style>'
    '<style:style style:name="Wt" style:family="text"><style:text-properties fo:color="#ffffff"/></style:style>'
    "</office:automatic-styles>"))
_PHOTO = ('<draw:frame draw:style-name="grNone" svg:width="25cm" svg:height="14cm" svg:x="0cm" svg:y="0cm">'
          '<draw:image xlink:href="Pictures/photo.jpg"/></draw:frame>')
_BANNER = '<draw:custom-shape draw:style-name="grDark" svg:width="25cm" svg:height="4cm" svg:x="0cm" svg:y="10cm"/>'


def _white(words: str, y: str) -> str:
    return pb.frame(None, f'<text:p><text:span text:style-name="Wt">{words}</text:span></text:p>', y=y, style="grNone")


def test_odp_text_drawn_after_a_picture_or_a_filled_shape_is_not_judged():
    pages = (pb.page("s1", pb.frame("title", "<text:p>Our team</text:p>") + _white("PLANTED before the photo", "1cm")
                     + _PHOTO + _white("Caption over the photo", "12cm"))
             + pb.page("s2", pb.frame("title", "<text:p>Launch</text:p>") + _BANNER
                       + _white("Tagline on the banner", "11cm"))
             + pb.page("s3", pb.frame("title", "<text:p>Plain</text:p>") + _white("PLANTED on the white slide", "5cm")))
    d = load_odp(Path("deck.odp"), pb.odp(content_xml=pb.content(pages, _GR)))
    assert "Caption over the photo" in d.text and "Tagline on the banner" in d.text
    assert "PLANTED" not in d.text and d.notes and "2 passages" in d.notes[-1]


def test_a_footnote_in_a_navy_section_is_judged_on_the_page_it_is_drawn_on():
    d = _odt('<text:p>Intro.</text:p><text:section text:name="Banner" text:style-name="Navy"><text:p>Lease<text:note '
             'text:id="n1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body>'
             '<text:p><text:span text:style-name="N">Navy footnote on the white page.</text:span></text:p>'
             "</text:note-body></text:note> terms.</text:p></text:section>")
    assert d.text == "Intro.\n\nLease[1] terms.\n\n[1] Navy footnote on the white page." and not d.notes
