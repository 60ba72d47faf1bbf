""".ods files written by hand the way LibreOffice Calc saves them (mimetype stored first, manifest, content.xml with
its automatic styles, number styles and repeated cells/rows, styles.xml, meta.xml): invented content (CC0), for
tests/appliance/test_r52_ods*.py."""

from __future__ import annotations

from .odt_build import MANIFEST, NS, document_content, meta, package

NS_CALC = (NS + ' xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0"'
           ' xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"'
           ' xmlns:of="urn:oasis:names:tc:opendocument:xmlns:of:1.2"')
MIME = "application/vnd.oasis.opendocument.spreadsheet"
ODS_MANIFEST = MANIFEST.replace("application/vnd.oasis.opendocument.text", MIME)

AUTO_STYLES = """<office:automatic-styles>
<style:style style:name="co1" style:family="table-column"><style:table-column-properties style:column-width="2.3cm"/>
</style:style>
<style:style style:name="ro1" style:family="table-row"><style:table-row-properties style:row-height="0.452cm"/>
</style:style>
<style:style style:name="ta1" style:family="table" style:master-page-name="Default">
<style:table-properties table:display="true" style:writing-mode="lr-tb"/></style:style>
<style:style style:name="ta2" style:family="table" style:master-page-name="Default">
<style:table-properties table:display="false" style:writing-mode="lr-tb"/></style:style>
<number:date-style style:name="N37" number:automatic-order="true"><number:day number:style="long"/><number:text>/
</number:text><number:month number:style="long"/><number:text>/</number:text><number:year/></number:date-style>
<number:percentage-style style:name="N11"><number:number number:decimal-places="1" number:min-decimal-places="1"
 number:min-integer-digits="1"/><number:text>%</number:text></number:percentage-style>
<style:style style:name="ce1" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N37"/>
<style:style style:name="ce2" style:family="table-cell" style:parent-style-name="Default" style:data-style-name="N11"/>
<style:style style:name="ce3" style:family="table-cell" style:parent-style-name="Default">
<style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="ceWhite" style:family="table-cell" style:parent-style-name="Default">
<style:table-cell-properties fo:background-color="transparent"/><style:text-properties fo:color="#ffffff"/>
</style:style>
<style:style style:name="ceTiny" style:family="table-cell" style:parent-style-name="Default">
<style:text-properties fo:font-size="1pt"/></style:style>
<style:style style:name="ceDark" style:family="table-cell" style:parent-style-name="Default">
<style:table-cell-properties fo:background-color="#000000"/><style:text-properties fo:color="#ffffff"/></style:style>
<style:style style:name="ceYellow" style:family="table-cell" style:parent-style-name="Default">
<style:table-cell-properties fo:background-color="#ffff00"/><style:text-properties fo:color="#ffff00"/></style:style>
<style:style style:name="T1" style:family="text"><style:text-properties fo:font-size="0.5pt"/></style:style>
<style:style style:name="T2" style:family="text"><style:text-properties text:display="none"/></style:style>
</office:automatic-styles>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS_CALC} office:version="1.3"><office:styles>
<style:default-style style:family="table-cell"><style:paragraph-properties style:tab-stop-distance="1.25cm"/>
<style:text-properties style:font-name="Liberation Sans" fo:language="en" fo:country="GB"/></style:default-style>
<style:style style:name="Default" style:family="table-cell"/>
<style:style style:name="Heading" style:family="table-cell" style:parent-style-name="Default">
<style:text-properties fo:color="#000000" fo:font-size="24pt" fo:font-weight="bold"/></style:style>
</office:styles></office:document-styles>"""


def s(text: str, style: str = "", repeat: int = 1) -> str:
    """A string cell."""
    st = f' table:style-name="{style}"' if style else ""
    rep = f' table:number-columns-repeated="{repeat}"' if repeat > 1 else ""
    return (f'<table:table-cell{st}{rep} office:value-type="string" calcext:value-type="string">'
            f"<text:p>{text}</text:p></table:table-cell>")


def f(value: str, shown: str, style: str = "") -> str:
    """A number cell with the text Calc shows."""
    st = f' table:style-name="{style}"' if style else ""
    return (f'<table:table-cell{st} office:value-type="float" office:value="{value}" calcext:value-type="float">'
            f"<text:p>{shown}</text:p></table:table-cell>")


def empty(repeat: int = 1) -> str:
    return f'<table:table-cell table:number-columns-repeated="{repeat}"/>' if repeat > 1 else "<table:table-cell/>"


def row(*cells: str, repeat: int = 1, extra: str = "") -> str:
    rep = f' table:number-rows-repeated="{repeat}"' if repeat > 1 else ""
    return f'<table:table-row table:style-name="ro1"{rep}{extra}>{"".join(cells)}</table:table-row>'


def table(name: str, rows: str, columns: str = '<table:table-column table:style-name="co1" '
          'table:number-columns-repeated="4" table:default-cell-style-name="Default"/>', style: str = "ta1") -> str:
    # Calc ends every sheet with the rest of its 1,048,576 rows as one repeated empty row
    tail = row(empty(1024), repeat=1048570)
    return (f'<table:table table:name="{name}" table:style-name="{style}">{columns}{rows}{tail}</table:table>')


def content(tables: str, auto_styles: str = AUTO_STYLES) -> str:
    return document_content(NS_CALC, "spreadsheet", auto_styles,
                            '<table:calculation-settings table:automatic-find-labels="false"/>'
                            f"{tables}<table:named-expressions/>")


def ods(tables: str | None = None, *, content_xml: str | bytes | None = None, meta_xml: str | None = None,
        mimetype: str = MIME, manifest: str = ODS_MANIFEST, styles_xml: str = STYLES,
        extra: dict[str, bytes] | None = None) -> bytes:
    return package(mimetype, manifest, content_xml if content_xml is not None else content(tables or ""), styles_xml,
                   meta_xml if meta_xml is not None else meta("Parks budget 2025"), (extra or {}).items())


# A council budget sheet the way Calc writes it: a title row, a header row, rows of strings, numbers shown
# formatted (a date, a percentage, a currency), a merged cell, a repeated value, a formula error, a comment, a hidden
# row and column, then a hidden sheet and a second visible sheet.
BUDGET = table("Parks 2025", (
    row(s("Parks maintenance budget", "ce3"), empty(3))
    + row(empty(4))
    + row(s("Site"), s("Approved"), s("Spent"), s("Review date"))
    + row(s("Riverside Gardens"), f("18500", "£18,500.00"),
          '<table:table-cell office:value-type="percentage" office:value="0.625" table:style-name="ce2" '
          'calcext:value-type="percentage"><text:p>62.5%</text:p></table:table-cell>',
          '<table:table-cell table:style-name="ce1" office:value-type="date" office:date-value="2025-03-14" '
          'calcext:value-type="date"><text:p>14/03/2025</text:p></table:table-cell>')
    + row(s("Hollin Park"), '<table:table-cell office:value-type="currency" office:currency="GBP" '
          'office:value="7200" calcext:value-type="currency"><text:p>£7,200.00</text:p></table:table-cell>',
          '<table:table-cell table:formula="of:=[.B5]/0" office:value-type="float" office:value="0" '
          'calcext:value-type="error"><text:p>#DIV/0!</text:p></table:table-cell>', s("pending", repeat=1))
    + row(s("Old Quarry"), f("900", "£900.00"), f("0", "£0.00"), s("closed"), extra=' table:visibility="collapse"')
    + row(s('Lime <text:span text:style-name="T1">PLANTED-TINY</text:span>Walk'
            '<office:annotation><text:p>COMMENT ask Jo</text:p></office:annotation>'),
          f("3100", "£3,100.00"), s("PLANTED-WHITE", "ceWhite"), s("tbc"))
    + row(s("Canal Path"), '<table:table-cell table:number-columns-spanned="2" office:value-type="string">'
          '<text:p>merged note</text:p></table:table-cell><table:covered-table-cell/>', s("2025-06-01"))
    + row(s("Dark cell"), s("seen on black", "ceDark"), s("PLANTED-YELLOW", "ceYellow"),
          s('x<text:span text:style-name="T2">PLANTED-DISPLAY</text:span>'))
), columns='<table:table-column table:style-name="co1" table:number-columns-repeated="3" '
           'table:default-cell-style-name="Default"/><table:table-column table:style-name="co1" '
           'table:default-cell-style-name="Default"/>')

HIDDEN_SHEET = table("Scratch", row(s("PLANTED-SHEET secret"), s("x")), style="ta2")
CONTACTS = table("Contacts", row(s("Team"), s("Lead")) + row(s("Grounds"), s("Zoë Brändt"))
                 + row(s("Trees"), s("Åsa Øberg")))


def real() -> bytes:
    return ods(BUDGET + HIDDEN_SHEET + CONTACTS)
