"""Build small .xlsx files in tests, shaped the way Excel writes them (content types, relationships, shared strings,
styles with number formats, `mc:Ignorable` namespaces); `libreoffice=True` shapes them as LibreOffice Calc does
(`true`/`false` flags, no `mc:` extensions, inline booleans). All content is invented for the tests (CC0)."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"
X14AC = "http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"


@dataclass
class Cell:
    value: Any = None  # str, int, float, bool or None
    fmt: str | int | None = None  # a number format code, or a built-in format id
    formula: str | None = None  # written with `value` as its cached result (None: no cached value)
    error: str | None = None  # "#N/A", "#DIV/0!"…
    runs: list[str] | None = None  # rich text: the string as runs (shared string with <r> elements)
    inline: bool = False  # an inline string (<is>) instead of a shared one
    si: str | None = None  # a shared string's raw <si> XML (phonetic runs, escapes)


@dataclass
class Sheet:
    name: str
    rows: list[list[Any]]
    state: str = "visible"  # hidden, veryHidden
    hidden_rows: set[int] = field(default_factory=set)  # 1-based row numbers
    hidden_cols: set[int] = field(default_factory=set)  # 1-based column numbers
    merges: list[str] = field(default_factory=list)  # "A1:C1"
    first_row: int = 1
    first_col: int = 1
    extra_xml: str = ""  # raw XML put before </sheetData> (hostile tests)


def col_name(n: int) -> str:
    """1 -> A, 27 -> AA."""
    s = ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def build_xlsx(sheets: list[Sheet], *, title: str | None = None, created: str | None = "2024-03-05T09:00:00Z",
               date1904: bool = False, libreoffice: bool = False, extra: dict[str, bytes] | None = None) -> bytes:
    strings: list[str] = []
    string_xml: list[str] = []
    index: dict[str, int] = {}
    fmts: list[str | int] = [0]  # cellXfs: style 0 is General

    def sst(text: str, runs: list[str] | None) -> int:
        key = text if runs is None else "\x00".join(runs)
        if key not in index:
            index[key] = len(strings)
            strings.append(key)
            if runs is None:
                string_xml.append(f'<si><t xml:space="preserve">{escape(text)}</t></si>')
            else:
                string_xml.append("<si>" + "".join(f'<r><rPr><b/><sz val="11"/></rPr><t xml:space="preserve">'
                                                   f"{escape(r)}</t></r>" for r in runs) + "</si>")
        return index[key]

    def style(fmt: str | int | None) -> int:
        if fmt is None:
            return 0
        if fmt not in fmts:
            fmts.append(fmt)
        return fmts.index(fmt)

    def cell_xml(ref: str, v: Any) -> str:
        c = v if isinstance(v, Cell) else Cell(v)
        s = style(c.fmt)
        sa = f' s="{s}"' if s else ""
        f = f"<f>{escape(c.formula)}</f>" if c.formula else ""
        if c.error:
            return f'<c r="{ref}"{sa} t="e">{f}<v>{escape(c.error)}</v></c>'
        if c.si is not None:
            if c.si not in index:
                index[c.si] = len(strings)
                strings.append(c.si)
                string_xml.append(c.si)
            return f'<c r="{ref}"{sa} t="s"><v>{index[c.si]}</v></c>'
        if c.runs is not None:
            return f'<c r="{ref}"{sa} t="s"><v>{sst("".join(c.runs), c.runs)}</v></c>'
        val = c.value
        if val is None:
            return f'<c r="{ref}"{sa}>{f}</c>' if (s or f) else ""
        if isinstance(val, bool):
            return f'<c r="{ref}"{sa} t="b">{f}<v>{int(val)}</v></c>'
        if isinstance(val, (int, float)):
            return f'<c r="{ref}"{sa}>{f}<v>{val!r}</v></c>'
        if c.formula:
            return f'<c r="{ref}"{sa} t="str">{f}<v>{escape(val)}</v></c>'
        if c.inline:
            return f'<c r="{ref}"{sa} t="inlineStr"><is><t>{escape(val)}</t></is></c>'
        return f'<c r="{ref}"{sa} t="s"><v>{sst(val, None)}</v></c>'

    true = "true" if libreoffice else "1"
    parts: dict[str, bytes] = {}
    sheet_entries, rels = [], []
    for i, sh in enumerate(sheets, 1):
        cols = "".join(f'<col min="{c}" max="{c}" width="0" hidden="{true}" customWidth="{true}"/>'
                       for c in sorted(sh.hidden_cols))
        rows_xml = []
        for r, row in enumerate(sh.rows, sh.first_row):
            cells = "".join(cell_xml(f"{col_name(cn)}{r}", v) for cn, v in enumerate(row, sh.first_col))
            hid = f' hidden="{true}"' if r in sh.hidden_rows else ""
            spans = "" if libreoffice else f' spans="{sh.first_col}:{sh.first_col + max(0, len(row) - 1)}"'
            extra_attr = "" if libreoffice else ' x14ac:dyDescent="0.25"'
            if cells or hid:
                rows_xml.append(f'<row r="{r}"{spans}{hid}{extra_attr}>{cells}</row>')
        merges = (f'<mergeCells count="{len(sh.merges)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in sh.merges)
                  + "</mergeCells>") if sh.merges else ""
        head = (f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"' +
                ("" if libreoffice else f' xmlns:mc="{MC}" mc:Ignorable="x14ac" xmlns:x14ac="{X14AC}"') + ">")
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + head +
            '<dimension ref="A1"/><sheetViews><sheetView workbookViewId="0"/></sheetViews>'
            '<sheetFormatPr defaultRowHeight="15"/>' + (f"<cols>{cols}</cols>" if cols else "") +
            "<sheetData>" + "".join(rows_xml) + sh.extra_xml + "</sheetData>" + merges +
            '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        ).encode("utf-8")
        state = f' state="{sh.state}"' if sh.state != "visible" else ""
        sheet_entries.append(f'<sheet name="{escape(sh.name, {chr(34): "&quot;"})}" sheetId="{i}"{state} r:id="rId{i}"/>')
        rels.append(f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>')
    n = len(sheets)
    rels += [f'<Relationship Id="rId{n + 1}" Type="{REL}/theme" Target="theme/theme1.xml"/>',
             f'<Relationship Id="rId{n + 2}" Type="{REL}/styles" Target="styles.xml"/>',
             f'<Relationship Id="rId{n + 3}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>']
    pr = f'<workbookPr date1904="{true}"/>' if date1904 else '<workbookPr defaultThemeVersion="166925"/>'
    parts["xl/workbook.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN}" xmlns:r="{REL}">'
        f'<fileVersion appName="xl" lastEdited="7"/>{pr}<bookViews><workbookView activeTab="0"/></bookViews>'
        f'<sheets>{"".join(sheet_entries)}</sheets><calcPr calcId="191029"/></workbook>').encode("utf-8")
    parts["xl/_rels/workbook.xml.rels"] = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                                           f'<Relationships xmlns="{PKG_REL}">{"".join(rels)}</Relationships>').encode()
    custom = [f for f in fmts if isinstance(f, str)]
    numfmts = "".join(f'<numFmt numFmtId="{164 + i}" formatCode="{escape(code, {chr(34): "&quot;"})}"/>'
                      for i, code in enumerate(custom))
    xfs = "".join(f'<xf numFmtId="{f if isinstance(f, int) else 164 + custom.index(f)}" fontId="0" fillId="0" '
                  f'borderId="0" xfId="0"{"" if f == 0 else " applyNumberFormat=" + chr(34) + "1" + chr(34)}/>'
                  for f in fmts)
    parts["xl/styles.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<styleSheet xmlns="{MAIN}">' +
        (f'<numFmts count="{len(custom)}">{numfmts}</numFmts>' if custom else "") +
        '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts><fills count="1"><fill>'
        '<patternFill patternType="none"/></fill></fills><borders count="1"><border/></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        f'<cellXfs count="{len(fmts)}">{xfs}</cellXfs></styleSheet>').encode("utf-8")
    parts["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{MAIN}" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">{"".join(string_xml)}</sst>').encode("utf-8")
    parts["xl/theme/theme1.xml"] = b'<?xml version="1.0"?><a:theme xmlns:a="http://schemas.openxmlformats.org/' \
                                   b'drawingml/2006/main" name="Office Theme"/>'
    t = f"<dc:title>{escape(title)}</dc:title>" if title else ""
    c = f'<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>' if created else ""
    parts["docProps/core.xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
        'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{t}<dc:creator>Finance</dc:creator>{c}</cp:coreProperties>").encode("utf-8")
    parts["_rels/.rels"] = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL}">'
        f'<Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/'
        'core-properties" Target="docProps/core.xml"/></Relationships>').encode("utf-8")
    over = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/vnd.openxmlformats-'
                   f'officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, n + 1))
    parts["[Content_Types].xml"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Types xmlns="http://schemas.openxmlformats.org/'
        'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/'
        'workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        f"{over}</Types>").encode("utf-8")
    parts.update(extra or {})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ["[Content_Types].xml", "_rels/.rels", *sorted(k for k in parts if k not in
                                                                   ("[Content_Types].xml", "_rels/.rels"))]:
            z.writestr(name, parts[name])
    return buf.getvalue()
