""".odt files written by hand the way LibreOffice Writer saves them (mimetype stored first, manifest, content.xml
with its automatic styles, styles.xml, meta.xml): invented content (CC0), for tests/appliance/test_r51_odt*.py."""

from __future__ import annotations

import io
import zipfile
from typing import Iterable

NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
      'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
      'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
      'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
      'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
      'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
      'xmlns:xlink="http://www.w3.org/1999/xlink" xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
      'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
      'xmlns:loext="urn:org:documentfoundation:names:experimental:office:xmlns:loext:1.0" '
      'xmlns:officeooo="http://openoffice.org/2009/office"')

AUTO_STYLES = """<office:automatic-styles>
<style:style style:name="P1" style:family="paragraph" style:parent-style-name="Standard">
<style:text-properties officeooo:rsid="0012a3f4"/></style:style>
<style:style style:name="P2" style:family="paragraph" style:parent-style-name="Standard">
<style:text-properties text:display="none"/></style:style>
<style:style style:name="T1" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
<style:style style:name="T2" style:family="text"><style:text-properties text:display="none"/></style:style>
<style:style style:name="Table1" style:family="table"><style:table-properties style:width="17cm"/></style:style>
<text:list-style style:name="L1">
<text:list-level-style-bullet text:level="1" text:bullet-char="\u2022"/>
<text:list-level-style-bullet text:level="2" text:bullet-char="\u25e6"/>
</text:list-style>
<text:list-style style:name="L2">
<text:list-level-style-number text:level="1" style:num-suffix="." style:num-format="1"/>
<text:list-level-style-number text:level="2" style:num-suffix=")" style:num-format="a"/>
</text:list-style>
</office:automatic-styles>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS} office:version="1.3"><office:styles>
<style:style style:name="Standard" style:family="paragraph" style:class="text"/>
<style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph"
 style:parent-style-name="Heading" style:default-outline-level="1"/>
<style:style style:name="Secret" style:family="text"><style:text-properties text:display="none"/></style:style>
<style:style style:name="Secret_20_child" style:family="text" style:parent-style-name="Secret"/>
</office:styles></office:document-styles>"""


def meta(title: str | None = "Lease dispute: Unit 14B", created: str | None = "2025-01-28T10:12:44.123456789") -> str:
    t = f"<dc:title>{title}</dc:title>" if title is not None else ""
    c = f"<meta:creation-date>{created}</meta:creation-date>" if created is not None else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta {NS} office:version="1.3"><office:meta>'
            f"<meta:generator>LibreOffice/7.6.4.1$Linux_X86_64 LibreOffice_project/invented</meta:generator>{t}{c}"
            "<dc:date>2025-02-03T09:00:00.000000000</dc:date><meta:editing-cycles>4</meta:editing-cycles>"
            "</office:meta></office:document-meta>")


def document_content(ns: str, kind: str, auto_styles: str, inner: str) -> str:
    """content.xml as LibreOffice writes it, `inner` inside <office:body><office:KIND> (text, spreadsheet,
    presentation); shared by odt_build, ods_build and odp_build."""
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {ns} office:version="1.3">'
            f"<office:scripts/><office:font-face-decls/>{auto_styles}<office:body><office:{kind}>{inner}"
            f"</office:{kind}></office:body></office:document-content>")


def content(body: str, auto_styles: str = AUTO_STYLES) -> str:
    return document_content(NS, "text", auto_styles,
                            '<text:sequence-decls><text:sequence-decl text:display-outline-level="0" '
                            f'text:name="Illustration"/></text:sequence-decls>{body}')


MANIFEST = """<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3"
  manifest:media-type="application/vnd.oasis.opendocument.text"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"""

ENCRYPTED_MANIFEST = MANIFEST.replace(
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml" manifest:size="4021">'
    '<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0#sha256-1k"'
    ' manifest:checksum="AAAA"><manifest:algorithm'
    ' manifest:algorithm-name="http://www.w3.org/2001/04/xmlenc#aes256-cbc"'
    ' manifest:initialisation-vector="AAAA"/></manifest:encryption-data></manifest:file-entry>')


def package(mimetype: str, manifest: str, content_xml: str | bytes, styles_xml: str, meta_xml: str,
            extra: Iterable[tuple[str, str | bytes]] = ()) -> bytes:
    """The zip of an ODF file, its parts in LibreOffice's order: `mimetype` first and stored (readers look for it
    there), the manifest, content.xml, styles.xml, meta.xml, then the `extra` (name, data) parts."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml", manifest)
        z.writestr("content.xml", content_xml)
        z.writestr("styles.xml", styles_xml)
        z.writestr("meta.xml", meta_xml)
        for name, data in extra:
            z.writestr(name, data)
    return buf.getvalue()


def odt(body: str | None = None, *, content_xml: str | bytes | None = None, meta_xml: str | None = None,
        mimetype: str = "application/vnd.oasis.opendocument.text", manifest: str = MANIFEST,
        extra: dict[str, bytes] | None = None) -> bytes:
    settings = f'<?xml version="1.0" encoding="UTF-8"?><office:document-settings {NS}/>'
    return package(mimetype, manifest, content_xml if content_xml is not None else content(body or ""), STYLES,
                   meta_xml if meta_xml is not None else meta(), [("settings.xml", settings), *(extra or {}).items()])


# The shapes LibreOffice writes: a heading per outline level, spans, spaces as text:s, a bullet list with a nested
# level, a numbered list, a table with a header row and a merged cell, a footnote and an endnote, a text box in a
# frame, a comment, a table of contents, tracked changes (an insertion and a deletion), hidden text of every kind.
REAL_BODY = """
<text:table-of-content text:name="Table of Contents1"><text:index-body>
<text:index-title text:name="Table of Contents1_Head"><text:p>Contents</text:p></text:index-title>
<text:p>Background<text:tab/>1</text:p></text:index-body></text:table-of-content>
<text:h text:style-name="Heading_20_1" text:outline-level="1">Background</text:h>
<text:p text:style-name="P1">The tenant, <text:span text:style-name="T1">Harbour Freight Ltd</text:span>, \
occupied Unit<text:s/>14B<text:s text:c="2"/>from 2019.<text:note text:id="ftn1" text:note-class="footnote">\
<text:note-citation>1</text:note-citation><text:note-body><text:p>Lease dated 3 May 2019.</text:p></text:note-body>\
</text:note> The rent was \u00a31,850 per month.<office:annotation><dc:creator>Dana</dc:creator>\
<text:p>COMMENT check this figure</text:p></office:annotation></text:p>
<text:h text:outline-level="2">Obligations</text:h>
<text:list text:style-name="L1">
<text:list-item><text:p>Repair the loading bay door</text:p>
<text:list><text:list-item><text:p>within 14 days of notice</text:p></text:list-item></text:list></text:list-item>
<text:list-item><text:p>Keep the yard clear</text:p></text:list-item>
</text:list>
<text:list text:style-name="L2">
<text:list-item><text:p>Serve notice</text:p></text:list-item>
<text:list-item><text:p>Await reply</text:p>
<text:list><text:list-item><text:p>by post</text:p></text:list-item><text:list-item><text:p>by e-mail</text:p>\
</text:list-item></text:list></text:list-item>
</text:list>
<table:table table:name="Table1" table:style-name="Table1">
<table:table-column table:number-columns-repeated="3"/>
<table:table-header-rows><table:table-row>
<table:table-cell office:value-type="string"><text:p>Date</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Event</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>Amount</text:p></table:table-cell>
</table:table-row></table:table-header-rows>
<table:table-row>
<table:table-cell table:number-rows-spanned="2" office:value-type="string"><text:p>2024-11-02</text:p>\
</table:table-cell>
<table:table-cell office:value-type="string"><text:p>Deposit withheld</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>\u00a32,400</text:p></table:table-cell>
</table:table-row>
<table:table-row><table:covered-table-cell/>
<table:table-cell office:value-type="string"><text:p>Invoice 7731 issued</text:p></table:table-cell>
<table:table-cell office:value-type="string"><text:p>\u00a3310</text:p></table:table-cell>
</table:table-row>
</table:table>
<text:p>See the plan.<draw:frame draw:name="Frame1" text:anchor-type="paragraph" svg:width="5cm">\
<draw:text-box><text:p>Box: yard is 40 m deep</text:p></draw:text-box></draw:frame>\
<text:note text:id="edn1" text:note-class="endnote"><text:note-citation>i</text:note-citation>\
<text:note-body><text:p>Plan drawn by the surveyor.</text:p></text:note-body></text:note></text:p>
<text:p>Settlement offered: <text:change-start text:change-id="ct2"/>\u00a31,200<text:change-end \
text:change-id="ct2"/><text:change text:change-id="ct1"/> in full.</text:p>
<text:p>Visible line.<text:span text:style-name="T2">HIDDEN-SPAN planted</text:span>\
<text:span text:style-name="Secret_20_child">HIDDEN-NAMED planted</text:span>\
<text:hidden-text text:condition="ooow:1" text:string-value="HIDDEN-FIELD planted" text:is-hidden="true"/></text:p>
<text:p text:style-name="P2">HIDDEN-PARA-STYLE planted</text:p>
<text:p><text:hidden-paragraph text:condition="ooow:1" text:is-hidden="true"/>HIDDEN-PARA-FIELD planted</text:p>
<text:section text:style-name="Sect1" text:name="Section1" text:display="none"><text:p>HIDDEN-SECTION planted</text:p>\
</text:section>
<text:section text:name="Section2"><text:p>Shown section text.</text:p></text:section>
"""

TRACKED = """<text:tracked-changes text:track-changes="true">
<text:changed-region xml:id="ct1" text:id="ct1"><text:deletion><office:change-info><dc:creator>Priya</dc:creator>
<dc:date>2025-02-01T10:00:00</dc:date></office:change-info><text:p>DELETED \u00a3900</text:p></text:deletion>
</text:changed-region>
<text:changed-region xml:id="ct2" text:id="ct2"><text:insertion><office:change-info><dc:creator>Priya</dc:creator>
<dc:date>2025-02-01T10:01:00</dc:date></office:change-info></text:insertion></text:changed-region>
</text:tracked-changes>"""


def real() -> bytes:
    return odt(TRACKED + REAL_BODY)
