""".odp files written by hand the way LibreOffice Impress saves them (mimetype stored first, manifest, content.xml
with draw:page per slide, presentation:class frames, outline lists, a table, speaker notes; styles.xml with the master
page and its background): invented content (CC0), for tests/appliance/test_r52_odp*.py."""

from __future__ import annotations

from .odt_build import MANIFEST, NS, document_content, meta, package

NS_IMPRESS = (NS + ' xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"'
              ' xmlns:smil="urn:oasis:names:tc:opendocument:xmlns:smil-compatible:1.0"'
              ' xmlns:anim="urn:oasis:names:tc:opendocument:xmlns:animation:1.0"')
MIME = "application/vnd.oasis.opendocument.presentation"
ODP_MANIFEST = MANIFEST.replace("application/vnd.oasis.opendocument.text", MIME)

AUTO_STYLES = """<office:automatic-styles>
<style:style style:name="dp1" style:family="drawing-page"><style:drawing-page-properties
 presentation:display-header="false" presentation:background-visible="true" presentation:background-objects-visible="true"/></style:style>
<style:style style:name="dp2" style:family="drawing-page"><style:drawing-page-properties
 presentation:visibility="hidden"
 presentation:background-visible="true"/></style:style>
<style:style style:name="dpDark" style:family="drawing-page"><style:drawing-page-properties draw:fill="solid"
 draw:fill-color="#1f3864"/></style:style>
<style:style style:name="gr1" style:family="graphic" style:parent-style-name="standard">
<style:graphic-properties draw:stroke="none" draw:fill="none" draw:textarea-vertical-align="middle"/></style:style>
<style:style style:name="grBlue" style:family="graphic" style:parent-style-name="standard">
<style:graphic-properties draw:fill="solid" draw:fill-color="#4472c4"/></style:style>
<style:style style:name="pr1" style:family="presentation" style:parent-style-name="Default-title">
<style:graphic-properties draw:fill-color="#ffffff" fo:min-height="3.5cm"/></style:style>
<style:style style:name="pr2" style:family="presentation" style:parent-style-name="Default-outline1">
<style:graphic-properties draw:fill-color="#ffffff" fo:min-height="12cm"/></style:style>
<style:style style:name="P1" style:family="paragraph"><style:paragraph-properties fo:margin-left="0cm"/></style:style>
<style:style style:name="T1" style:family="text"><style:text-properties fo:color="#ffffff"/></style:style>
<style:style style:name="T2" style:family="text"><style:text-properties fo:font-size="1pt"/></style:style>
<style:style style:name="T3" style:family="text"><style:text-properties fo:color="#4472c4"/></style:style>
<style:style style:name="T4" style:family="text"><style:text-properties fo:color="#1f3864"/></style:style>
<text:list-style style:name="L1">
<text:list-level-style-bullet text:level="1" text:bullet-char="\u25cf"/>
<text:list-level-style-bullet text:level="2" text:bullet-char="\u2013"/>
</text:list-style>
</office:automatic-styles>"""

STYLES = f"""<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles {NS_IMPRESS} office:version="1.3"><office:styles>
<style:default-style style:family="graphic"><style:graphic-properties draw:fill="solid" draw:fill-color="#729fcf"/>
<style:text-properties fo:font-size="24pt"/></style:default-style>
<style:style style:name="standard" style:family="graphic"><style:graphic-properties draw:fill="solid"
 draw:fill-color="#729fcf"/><style:text-properties fo:font-size="18pt"/></style:style>
</office:styles>
<office:automatic-styles><style:style style:name="Mdp1" style:family="drawing-page">
<style:drawing-page-properties draw:fill="none"/></style:style></office:automatic-styles>
<office:master-styles><style:master-page style:name="Default" draw:style-name="Mdp1">
<draw:frame presentation:class="title" presentation:placeholder="true" svg:x="1cm" svg:y="1cm"><draw:text-box/>
</draw:frame></style:master-page></office:master-styles></office:document-styles>"""


def frame(cls: str | None, inner: str, x: str = "2cm", y: str = "4cm", style: str = "", extra: str = "") -> str:
    c = f' presentation:class="{cls}"' if cls else ""
    st = style or ("pr1" if cls == "title" else "pr2" if cls else "gr1")
    attr = "presentation:style-name" if st.startswith("pr") else "draw:style-name"
    return (f'<draw:frame {attr}="{st}" draw:layer="layout"{c} svg:width="20cm" svg:height="3cm" svg:x="{x}" '
            f'svg:y="{y}"{extra}><draw:text-box>{inner}</draw:text-box></draw:frame>')


def outline(*items: str | tuple[str, list[str]]) -> str:
    out = []
    for it in items:
        if isinstance(it, tuple):
            sub = "".join(f"<text:list-item><text:p>{s}</text:p></text:list-item>" for s in it[1])
            out.append(f"<text:list-item><text:p>{it[0]}</text:p><text:list>{sub}</text:list></text:list-item>")
        else:
            out.append(f"<text:list-item><text:p>{it}</text:p></text:list-item>")
    return f'<text:list text:style-name="L1">{"".join(out)}</text:list>'


def notes(text: str) -> str:
    return ('<presentation:notes draw:style-name="dp1"><draw:page-thumbnail draw:style-name="gr1" draw:page-number="1"'
            ' presentation:class="page"/>'
            f'<draw:frame presentation:style-name="pr2" presentation:class="notes" svg:x="2cm" svg:y="14cm">'
            f"<draw:text-box><text:p>{text}</text:p></draw:text-box></draw:frame></presentation:notes>")


def page(name: str, shapes: str, style: str = "dp1") -> str:
    return (f'<draw:page draw:name="{name}" draw:style-name="{style}" draw:master-page-name="Default" '
            f'presentation:presentation-page-layout-name="AL1T1">{shapes}</draw:page>')


def content(pages: str, auto_styles: str = AUTO_STYLES) -> str:
    return document_content(NS_IMPRESS, "presentation", auto_styles,
                            f'{pages}<presentation:settings presentation:mouse-visible="false"/>')


def odp(pages: str | None = None, *, content_xml: str | bytes | None = None, meta_xml: str | None = None,
        mimetype: str = MIME, manifest: str = ODP_MANIFEST, styles_xml: str = STYLES) -> bytes:
    return package(mimetype, manifest, content_xml if content_xml is not None else content(pages or ""), styles_xml,
                   meta_xml if meta_xml is not None else meta("Waste collection review"))


TABLE = ('<draw:frame draw:style-name="gr1" svg:x="2cm" svg:y="9cm" svg:width="20cm" svg:height="4cm">'
         '<table:table table:template-name="default"><table:table-column table:number-columns-repeated="2"/>'
         '<table:table-row><table:table-cell><text:p>Ward</text:p></table:table-cell>'
         '<table:table-cell><text:p>Bins missed</text:p></table:table-cell></table:table-row>'
         '<table:table-row><table:table-cell><text:p>Northgate</text:p></table:table-cell>'
         '<table:table-cell><text:p>41</text:p></table:table-cell></table:table-row></table:table></draw:frame>')

# Four slides the way Impress writes them: a title slide, an outline slide with nested bullets, a table, boxes placed
# right-then-left in the file and notes; a hidden slide; a slide of planted hidden text
REAL = (
    page("page1", frame("title", "<text:p>Waste collection review</text:p>", y="1cm")
        + frame("subtitle", "<text:p>Council cabinet, March 2025</text:p>", y="6cm")
        + '<draw:frame presentation:class="page-number" svg:x="20cm" svg:y="18cm"><draw:text-box><text:p>1</text:p>'
        '</draw:text-box></draw:frame>')
    + page("page2", frame("title", "<text:p>Findings</text:p>", y="1cm")
           + frame("outline", outline(("Missed bins fell 12%", ["Northgate worst hit"]), "Garden waste up"), y="4cm")
           + TABLE
           + frame(None, "<text:p>Right box</text:p>", x="14cm", y="15cm")
           + frame(None, "<text:p>Left box</text:p>", x="1cm", y="15.2cm")
           + notes("Mention the depot move."))
    + page("page3", frame("title", "<text:p>HIDDEN-SLIDE draft</text:p>", y="1cm"), style="dp2")
    + page("page4", frame("title", "<text:p>Budget</text:p>", y="1cm")
           + frame(None, '<text:p>Cost is £2.1m<text:span text:style-name="T1">PLANTED-WHITE</text:span>'
                   '<text:span text:style-name="T2">PLANTED-TINY</text:span></text:p>', y="4cm")
           + frame(None, '<text:p>On blue <text:span text:style-name="T3">PLANTED-BLUE</text:span></text:p>',
                   y="7cm", style="grBlue")
           + frame(None, '<text:p>HIDDEN-SHAPE</text:p>', y="10cm", extra=' draw:display="none"'))
    + page("page5", frame("title", "<text:p>Dark slide</text:p>", y="1cm")
           + frame(None, '<text:p>white on dark <text:span text:style-name="T1">seen</text:span> '
                   '<text:span text:style-name="T4">PLANTED-NAVY</text:span></text:p>', y="4cm"), style="dpDark")
)


def real() -> bytes:
    return odp(REAL)
