"""Builds small .pptx packages for the slide-deck loader's tests (test_r51_pptx*.py), the way PowerPoint and
LibreOffice Impress write them: [Content_Types].xml, package and part relationships, presentation.xml's slide list,
a master (text styles: bullets in the body style) and layouts whose placeholders carry the positions slides inherit,
slides, notes slides, charts, SmartArt data, core properties. Invented content (CC0); no binary fixtures."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

NS = ('xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
      'xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"')
DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
CT = "application/vnd.openxmlformats-officedocument.presentationml."
PPTX_MAIN = CT + "presentation.main+xml"
PPTM_MAIN = "application/vnd.ms-powerpoint.presentation.macroEnabled.main+xml"
_ids = iter(range(2, 10**9))


def xfrm(x: int, y: int, cx: int = 4_000_000, cy: int = 1_000_000, group: bool = False) -> str:
    ch = f'<a:chOff x="{x}" y="{y}"/><a:chExt cx="{cx}" cy="{cy}"/>' if group else ""
    return f'<a:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="{cx}" cy="{cy}"/>{ch}</a:xfrm>'


def para(text: str, lvl: int = 0, ppr: str = "") -> str:
    """A paragraph; `text` may hold "\\n" for a soft line break (a:br)."""
    runs = '<a:br><a:rPr lang="en-US"/></a:br>'.join(
        f'<a:r><a:rPr lang="en-US" dirty="0"/><a:t>{escape(t)}</a:t></a:r>' for t in text.split("\n"))
    attrs = f' lvl="{lvl}"' if lvl else ""
    pp = f"<a:pPr{attrs}>{ppr}</a:pPr>" if (attrs or ppr) else ""
    return f'<a:p>{pp}{runs}<a:endParaRPr lang="en-US" dirty="0"/></a:p>'


def _paras(paras: list | str) -> str:
    if isinstance(paras, str):
        paras = [paras]
    return "".join(para(*p) if isinstance(p, tuple) else p if p.startswith("<a:p") else para(p) for p in paras) \
        or '<a:p><a:endParaRPr lang="en-US"/></a:p>'


def sp(paras: list | str, *, ph: str = "", at: tuple[int, int] | None = None, hidden: bool = False,
       name: str = "Shape", txbox: bool = False, lst: str = "") -> str:
    """A shape with text. `ph`: its placeholder element's attributes (`type="title"`, `idx="1"`); `at`: its offset
    (None: none of its own, as PowerPoint writes placeholders that sit where their layout puts them)."""
    i = next(_ids)
    h = ' hidden="1"' if hidden else ""
    nv = f"<p:ph {ph}/>" if ph else ""
    cnv = '<p:cNvSpPr txBox="1"/>' if txbox else '<p:cNvSpPr><a:spLocks noGrp="1"/></p:cNvSpPr>'
    sppr = f"<p:spPr>{xfrm(*at)}</p:spPr>" if at else "<p:spPr/>"
    return (f'<p:sp><p:nvSpPr><p:cNvPr id="{i}" name="{name} {i}"{h}/>{cnv}<p:nvPr>{nv}</p:nvPr></p:nvSpPr>{sppr}'
            f'<p:txBody><a:bodyPr/><a:lstStyle>{lst}</a:lstStyle>{_paras(paras)}</p:txBody></p:sp>')


def title(text: str, kind: str = "title", at: tuple[int, int] | None = None) -> str:
    return sp(text, ph=f'type="{kind}"', at=at, name="Title")


def body(paras: list | str, idx: int = 1, at: tuple[int, int] | None = None, kind: str = "") -> str:
    return sp(paras, ph=(f'type="{kind}" ' if kind else "") + f'idx="{idx}"', at=at, name="Content Placeholder")


def textbox(paras: list | str, x: int, y: int, hidden: bool = False) -> str:
    return sp(paras, at=(x, y), txbox=True, name="TextBox", hidden=hidden)


def footer_phs() -> str:
    """Date, footer and slide-number placeholders as PowerPoint fills them ("Insert > Header & Footer")."""
    num = ('<a:p><a:fld id="{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}" type="slidenum"><a:rPr lang="en-US"/>'
           '<a:t>7</a:t></a:fld><a:endParaRPr lang="en-US"/></a:p>')
    return (sp("3/4/2024", ph='type="dt" sz="half" idx="10"') + sp("Acme Confidential", ph='type="ftr" idx="11"')
            + sp([num], ph='type="sldNum" sz="quarter" idx="12"'))


def table(rows: list[list[str]], x: int = 800_000, y: int = 2_000_000, merged: tuple[int, int] | None = None) -> str:
    """A table frame; `merged` (row, col): that cell spans the next column (gridSpan + hMerge, as PowerPoint)."""
    trs = []
    for r, row in enumerate(rows):
        tcs = []
        for c, cell in enumerate(row):
            attrs = ' gridSpan="2"' if merged == (r, c) else ' hMerge="1"' if merged == (r, c - 1) else ""
            tcs.append(f'<a:tc{attrs}><a:txBody><a:bodyPr/><a:lstStyle/>{_paras(cell)}</a:txBody><a:tcPr/></a:tc>')
        trs.append(f'<a:tr h="370840">{"".join(tcs)}</a:tr>')
    grid = "".join('<a:gridCol w="2000000"/>' for _ in rows[0])
    i = next(_ids)
    return (f'<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{i}" name="Table {i}"/><p:cNvGraphicFramePr>'
            f'<a:graphicFrameLocks noGrp="1"/></p:cNvGraphicFramePr><p:nvPr/></p:nvGraphicFramePr>'
            f'<p:xfrm><a:off x="{x}" y="{y}"/><a:ext cx="8000000" cy="1500000"/></p:xfrm><a:graphic>'
            f'<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/table"><a:tbl>'
            f'<a:tblPr firstRow="1" bandRow="1"/><a:tblGrid>{grid}</a:tblGrid>{"".join(trs)}</a:tbl>'
            f'</a:graphicData></a:graphic></p:graphicFrame>')


def chart(rid: str, x: int = 800_000, y: int = 4_000_000) -> str:
    i = next(_ids)
    return (f'<p:graphicFrame><p:nvGraphicFramePr><p:cNvPr id="{i}" name="Chart {i}"/><p:cNvGraphicFramePr/>'
            f'<p:nvPr/></p:nvGraphicFramePr>{xfrm(x, y).replace("a:xfrm", "p:xfrm")}<a:graphic>'
            f'<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/chart">'
            f'<c:chart xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" r:id="{rid}"/>'
            f'</a:graphicData></a:graphic></p:graphicFrame>')


def chart_part(text: str) -> str:
    return (f'{DECL}<c:chartSpace xmlns:c="http://schemas.openxmlformats.org/drawingml/2006/chart" {NS}><c:chart>'
            f'<c:title><c:tx><c:rich><a:bodyPr/><a:lstStyle/>{para(text)}</c:rich></c:tx><c:overlay val="0"/>'
            f'</c:title><c:autoTitleDeleted val="0"/><c:plotArea><c:layout/></c:plotArea></c:chart></c:chartSpace>')


def group(*shapes: str, x: int, y: int, hidden: bool = False) -> str:
    i = next(_ids)
    h = ' hidden="1"' if hidden else ""
    return (f'<p:grpSp><p:nvGrpSpPr><p:cNvPr id="{i}" name="Group {i}"{h}/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
            f'<p:grpSpPr>{xfrm(x, y, group=True)}</p:grpSpPr>{"".join(shapes)}</p:grpSp>')


@dataclass
class Slide:
    shapes: list[str]
    notes: str | None = None
    hidden: bool = False
    layout: int = 2  # 1: title slide, 2: title and content
    charts: dict[str, str] = field(default_factory=dict)  # rId -> chart title
    parts: dict[str, tuple[str, str]] = field(default_factory=dict)  # rId -> (relationship type, part name)


_MASTER_STYLES = ('<p:txStyles><p:titleStyle><a:lvl1pPr algn="l"><a:buNone/></a:lvl1pPr></p:titleStyle>'
                  '<p:bodyStyle><a:lvl1pPr marL="228600" indent="-228600"><a:buFont typeface="Arial"/>'
                  '<a:buChar char="&#8226;"/></a:lvl1pPr><a:lvl2pPr marL="685800" indent="-228600">'
                  '<a:buFont typeface="Arial"/><a:buChar char="&#8211;"/></a:lvl2pPr><a:lvl3pPr marL="1143000">'
                  '<a:buChar char="&#8226;"/></a:lvl3pPr></p:bodyStyle>'
                  '<p:otherStyle><a:lvl1pPr marL="0"><a:defRPr sz="1800"/></a:lvl1pPr></p:otherStyle></p:txStyles>')


def _tree(shapes: str) -> str:
    return ('<p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
            f'<p:grpSpPr>{xfrm(0, 0, 0, 0, group=True)}</p:grpSpPr>{shapes}</p:spTree></p:cSld>')


def _rels(*rels: tuple[str, str, str]) -> str:
    inner = "".join(f'<Relationship Id="{i}" Type="{t if "://" in t else REL + t}" Target="{tg}"/>'
                    for i, t, tg in rels)
    return f'{DECL}<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{inner}' \
           '</Relationships>'


def _layout(kind: int) -> str:
    # the "Title Slide" layout: a centred title and a subtitle without bullets; "Title and Content": title, body
    phs = (sp("Click to add title", ph='type="ctrTitle"', at=(1_524_000, 1_122_363), name="Title")
           + sp("Click to add subtitle", ph='type="subTitle" idx="1"', at=(1_524_000, 3_602_038),
                lst='<a:lvl1pPr marL="0" indent="0" algn="ctr"><a:buNone/></a:lvl1pPr>')) if kind == 1 else \
          (sp("Click to edit Master title style", ph='type="title"', at=(838_200, 365_125), name="Title")
           + sp(["Click to edit Master text styles", ("Second level", 1)], ph='idx="1"', at=(838_200, 1_825_625)))
    return f'{DECL}<p:sldLayout {NS} preserve="1">{_tree(phs)}</p:sldLayout>'


def pptx(slides: list[Slide], *, doc_title: str | None = None, created: str | None = "2024-03-05T09:30:00Z",
         modified: str | None = "2024-04-01T16:00:00Z", order: list[int] | None = None, main_type: str = PPTX_MAIN,
         extra: dict[str, bytes | str] | None = None, master_styles: bool = True, generator: str = "PowerPoint"
         ) -> bytes:
    """A deck: slide i is ppt/slides/slide{i+1}.xml; `order` lists the file indexes in presentation order (default as
    written); its sldIdLst's relationship ids are given out in reverse, so nothing but the relationships ties them."""
    order = list(range(len(slides))) if order is None else order
    files: dict[str, str | bytes] = {}
    overrides = [("/ppt/presentation.xml", main_type),
                 ("/ppt/slideMasters/slideMaster1.xml", CT + "slideMaster+xml"),
                 ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml")]
    n = len(slides)
    pres_rels = [("rId1", "slideMaster", "slideMasters/slideMaster1.xml")]
    pres_rels += [(f"rId{100 + n - i}", "slide", f"slides/slide{i + 1}.xml") for i in range(n)]
    ids = "".join(f'<p:sldId id="{256 + k}" r:id="rId{100 + n - i}"/>' for k, i in enumerate(order))
    files["ppt/presentation.xml"] = (f'{DECL}<p:presentation {NS} saveSubsetFonts="1"><p:sldMasterIdLst>'
                                     '<p:sldMasterId id="2147483648" r:id="rId1"/></p:sldMasterIdLst>'
                                     f'<p:sldIdLst>{ids}</p:sldIdLst><p:sldSz cx="12192000" cy="6858000"/>'
                                     '<p:notesSz cx="6858000" cy="9144000"/></p:presentation>')
    files["ppt/_rels/presentation.xml.rels"] = _rels(*pres_rels)
    styles = _MASTER_STYLES if master_styles else ""
    master_phs = (sp("Click to edit Master title style", ph='type="title"', at=(838_200, 365_125))
                  + sp("Click to edit Master text styles", ph='type="body" idx="1"', at=(838_200, 1_825_625)))
    files["ppt/slideMasters/slideMaster1.xml"] = f'{DECL}<p:sldMaster {NS}>{_tree(master_phs)}{styles}</p:sldMaster>'
    files["ppt/slideMasters/_rels/slideMaster1.xml.rels"] = _rels(
        ("rId1", "slideLayout", "../slideLayouts/slideLayout1.xml"),
        ("rId2", "slideLayout", "../slideLayouts/slideLayout2.xml"))
    for k in (1, 2):
        files[f"ppt/slideLayouts/slideLayout{k}.xml"] = _layout(k)
        files[f"ppt/slideLayouts/_rels/slideLayout{k}.xml.rels"] = _rels(("rId1", "slideMaster",
                                                                          "../slideMasters/slideMaster1.xml"))
    for i, s in enumerate(slides, 1):
        show = ' show="0"' if s.hidden else ""
        files[f"ppt/slides/slide{i}.xml"] = (f'{DECL}<p:sld {NS}{show}>{_tree("".join(s.shapes))}'
                                             '<p:clrMapOvr><a:masterClrMapping/></p:clrMapOvr></p:sld>')
        overrides.append((f"/ppt/slides/slide{i}.xml", CT + "slide+xml"))
        rels = [("rId1", "slideLayout", f"../slideLayouts/slideLayout{s.layout}.xml")]
        if s.notes is not None:
            rels.append(("rId2", "notesSlide", f"../notesSlides/notesSlide{i}.xml"))
            notes = (sp("", ph='type="sldImg"') + sp([para(t) for t in s.notes.split("\n")], ph='type="body" idx="1"')
                     + sp("7", ph='type="sldNum" idx="5"'))
            files[f"ppt/notesSlides/notesSlide{i}.xml"] = f'{DECL}<p:notes {NS}>{_tree(notes)}</p:notes>'
            files[f"ppt/notesSlides/_rels/notesSlide{i}.xml.rels"] = _rels(("rId1", "slide", f"../slides/slide{i}.xml"))
        for rid, text in s.charts.items():
            name = f"chart{i}{rid}"
            rels.append((rid, "chart", f"../charts/{name}.xml"))
            files[f"ppt/charts/{name}.xml"] = chart_part(text)
        rels += [(rid, t, target) for rid, (t, target) in s.parts.items()]
        files[f"ppt/slides/_rels/slide{i}.xml.rels"] = _rels(*rels)
    core = "".join(f"<{tag}{a}>{escape(v)}</{tag}>" for tag, a, v in (
        ("dc:title", "", doc_title), ("dc:creator", "", "Records Office"),
        ("dcterms:created", ' xsi:type="dcterms:W3CDTF"', created),
        ("dcterms:modified", ' xsi:type="dcterms:W3CDTF"', modified)) if v is not None)
    files["docProps/core.xml"] = (
        f'{DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f'{core}</cp:coreProperties>')
    files["docProps/app.xml"] = (f'{DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                                 f'extended-properties"><Application>{generator}</Application></Properties>')
    files["_rels/.rels"] = _rels(("rId1", "officeDocument", "ppt/presentation.xml"),
                                 ("rId2", "http://schemas.openxmlformats.org/package/2006/relationships/metadata/"
                                  "core-properties", "docProps/core.xml"),
                                 ("rId3", "extended-properties", "docProps/app.xml"))
    ov = "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
    files["[Content_Types].xml"] = (
        f'{DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        f'<Default Extension="xml" ContentType="application/xml"/>{ov}</Types>')
    files.update(extra or {})
    return zip_parts(files)


def zip_parts(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        first = "[Content_Types].xml"
        for name in sorted(files, key=lambda n: n != first):  # Office writes the content types first
            data = files[name]
            z.writestr(zipfile.ZipInfo(name, (2024, 3, 5, 9, 30, 0)), data.encode() if isinstance(data, str) else data,
                       zipfile.ZIP_DEFLATED)
    return buf.getvalue()
