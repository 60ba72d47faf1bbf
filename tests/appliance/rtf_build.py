"""Round 52: a tiny RTF writer for the .rtf loader's tests (loaders/richtext.py), laid out as WordPad (Riched20), Word
("Save as RTF") and TextEdit write their files. Content invented (CC0)."""

from __future__ import annotations


def esc(text: str, codepage: str = "cp1252") -> str:
    """Text as RTF writes it: `\\`, `{`, `}` escaped, a character of the code page as `\\'hh` (both bytes of a
    double-byte one), any other as `\\uN?` (signed, as Word writes it), a line break as `\\par`."""
    out = []
    for ch in text:
        if ch in "\\{}":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\par\n")
        elif ord(ch) < 128:
            out.append(ch)
        else:
            try:
                out.append("".join(f"\\'{b:02x}" for b in ch.encode(codepage)))
            except UnicodeEncodeError:
                n = ord(ch)
                if n > 0xFFFF:  # a surrogate pair, each half signed
                    n -= 0x10000
                    out.append(f"\\u{(0xD800 + (n >> 10)) - 65536}?\\u{(0xDC00 + (n & 0x3FF)) - 65536}?")
                else:
                    out.append(f"\\u{n - 65536 if n > 32767 else n}?")
    return "".join(out)


def wordpad(paragraphs: list[str], *, cpg: int = 1252, charset: int = 0, font: str = "Calibri") -> bytes:
    """What WordPad (Windows 10) saves: Riched20's header, one font, `\\par` per paragraph."""
    body = "".join(esc(p, f"cp{cpg}") + "\\par\n" for p in paragraphs)
    return (f"{{\\rtf1\\ansi\\ansicpg{cpg}\\deff0\\nouicompat\\deflang1033{{\\fonttbl{{\\f0\\fnil\\fcharset{charset} "
            f"{font};}}}}\n{{\\*\\generator Riched20 10.0.19041}}\\viewkind4\\uc1 \n"
            f"\\pard\\sa200\\sl276\\slmult1\\f0\\fs22\\lang9 {body}}}\n\x00").encode("ascii")


WORD_FONTS = ("{\\fonttbl{\\f0\\fbidi \\froman\\fcharset0\\fprq2{\\*\\panose 02020603050405020304}Times New Roman;}"
              "{\\f1\\fbidi \\fswiss\\fcharset0\\fprq2{\\*\\panose 020b0604020202020204}Arial;}"
              "{\\f2\\fbidi \\fswiss\\fcharset204\\fprq2 Arial Cyr;}{\\f3\\fbidi \\froman\\fcharset2\\fprq2 Symbol;}"
              "{\\f4\\fbidi \\fswiss\\fcharset161\\fprq2 Arial Greek;}"
              "{\\f5\\fbidi \\fmodern\\fcharset128\\fprq1{\\*\\panose 020b0609070205080204}MS Gothic;}}")
WORD_COLOURS = "{\\colortbl;\\red0\\green0\\blue0;\\red255\\green255\\blue255;\\red255\\green255\\blue0;}"  # 1 2 3
WORD_STYLES = ("{\\stylesheet{\\ql \\li0\\ri0\\widctlpar\\wrapdefault\\aspalpha\\aspnum\\faauto\\adjustright\\rin0"
               "\\lin0\\itap0 \\rtlch\\fcs1 \\af0\\afs24\\alang1025 \\ltrch\\fcs0 \\fs24\\lang2057\\langfe2057\\cgrid"
               "\\langnp2057\\langfenp2057 \\snext0 \\sqformat \\spriority0 Normal;}"
               "{\\s1\\ql \\li0\\ri0\\sb240\\sa60\\keepn\\widctlpar\\wrapdefault\\aspalpha\\aspnum\\faauto"
               "\\outlinelevel0\\adjustright\\rin0\\lin0\\itap0 \\rtlch\\fcs1 \\ab\\af1\\afs32\\alang1025 \\ltrch"
               "\\fcs0 \\b\\f1\\fs32\\kerning32 \\sbasedon0 \\snext0 \\slink15 \\sqformat \\spriority9 heading 1;}"
               "{\\s2\\ql \\keepn\\widctlpar \\b\\f1\\fs28 \\sbasedon0 \\snext0 \\sqformat heading 2;}"
               "{\\*\\cs10 \\additive \\ssemihidden \\sunhideused \\spriority1 Default Paragraph Font;}"
               "{\\*\\ts11\\tsrowd\\trftsWidthB3\\tblind0\\tblindtype3 \\snext11 \\ssemihidden Normal Table;}}")
WORD_TABLES = ("{\\*\\listtable{\\list\\listtemplateid-1{\\listlevel\\levelnfc0\\levelstartat1{\\leveltext"
               "\\'02\\'00.;}{\\levelnumbers\\'01;}\\fi-360\\li720}{\\listname ;}\\listid1}}"
               "{\\*\\listoverridetable{\\listoverride\\listid1\\listoverridecount0\\ls1}}"
               "{\\*\\rsidtbl \\rsid1070935\\rsid2557263}{\\mmathPr\\mmathFont34\\mbrkBin0}")


def word(body: str, *, title: str | None = "Lease dispute memo", created: tuple[int, int, int] | None = (2019, 3, 14),
         header: str = "Smith v Harbour Freight, Case No. 2019-CV-0417", extra_head: str = "") -> bytes:
    """What Word writes on "Save as RTF": tables of fonts, colours, styles and lists, the document's info, a
    header and a footer, then `body` (RTF already)."""
    info = "{\\info"
    if title is not None:
        info += "{\\title " + esc(title) + "}"
    info += "{\\author Dana Whitfield}{\\operator Dana Whitfield}"
    if created:
        y, m, d = created
        info += f"{{\\creatim\\yr{y}\\mo{m}\\dy{d}\\hr9\\min41}}"
    info += "{\\revtim\\yr2020\\mo1\\dy2\\hr8\\min0}{\\version2}{\\edmins3}{\\nofpages1}{\\nofwords99}}"
    head = ("{\\rtf1\\adeflang1025\\ansi\\ansicpg1252\\uc1\\adeff0\\deff0\\stshfdbch0\\stshfloch0\\stshfhich0"
            "\\stshfbi0\\deflang2057\\deflangfe2057\\themelang2057\\themelangfe0\\themelangcs0" + WORD_FONTS + "\n"
            + WORD_COLOURS + "\n{\\*\\defchp \\fs24 }{\\*\\defpap \\ql \\li0\\ri0\\sa160\\sl259\\slmult1}\n"
            + WORD_STYLES + "\n" + WORD_TABLES + "\n{\\*\\generator Microsoft Word 16.0;}" + info
            + "{\\*\\xmlnstbl {\\xmlns1 http://schemas.microsoft.com/office/word/2003/wordml}}" + extra_head
            + "\n\\paperw11906\\paperh16838\\margl1440\\margr1440 \\ltrsect \\widowctrl\\ftnbj\\aenddoc"
            "\\viewkind1\\viewscale100 \\fet0{\\*\\wgrffmtfilter 2450}\\sectd \\linex0\\endnhere\\sectlinegrid360"
            "\\sectdefaultcl\\sftnbj {\\headerr \\ltrpar \\pard\\plain \\ltrpar\\s15\\ql \\rtlch\\fcs1 \\af0 "
            "\\ltrch\\fcs0 \\fs24 {\\rtlch\\fcs1 \\af0 \\ltrch\\fcs0 \\insrsid2557263 " + esc(header)
            + "}{\\field{\\*\\fldinst PAGE}{\\fldrslt 1}}\\par }{\\footerr \\ltrpar \\pard\\plain \\s16\\qc "
            "{\\insrsid2557263 Privileged and confidential}\\par }\n")
    tail = ("{\\*\\themedata 504b030414000600080000002100e9de0fbfff0000001c020000130000005b436f6e74656e745f547970"
            "65735d2e786d6cac91cb4ec3301045f748fc83e52d4a9cb2400825e982c78ec7a27cc0c8992416c9d8b2a755fbf74cd25442a8}"
            "\n{\\*\\datastore 01050000020000001800000050006f0063006b0065007400}}")
    return (head + body + "\n" + tail).encode("ascii")


def para(text: str, *, style: int | None = None, level: int | None = None, props: str = "") -> str:
    """One Word paragraph: `\\pard\\plain`, a style and outline level for a heading, its run in a group."""
    s = f"\\s{style}" if style is not None else ""
    lv = f"\\outlinelevel{level}" if level is not None else ""
    return (f"\\pard\\plain \\ltrpar{s}\\ql \\li0\\ri0\\widctlpar\\wrapdefault{lv}\\rin0\\lin0\\itap0 \\rtlch\\fcs1 "
            f"\\af0\\afs24 \\ltrch\\fcs0 \\fs24\\insrsid1070935 {{\\rtlch\\fcs1 \\af0 \\ltrch\\fcs0 {props}"
            f"\\insrsid1070935 {esc(text)}}}\\par\n")


def table(rows: list[list[str]]) -> str:
    """A table as Word writes it: each row's definition, its cells' paragraphs ending in `\\cell`, the definition
    again in a group ending in `\\row`."""
    out = []
    for i, row in enumerate(rows):
        trowd = f"\\trowd \\irow{i}\\irowband{i}\\ltrrow\\ts11\\trgaph108\\trleft-108" + "".join(
            f"\\clvertalt\\clbrdrt\\brdrs\\brdrw10 \\cltxlrtb\\clftsWidth3\\clwWidth3005\\clshdrawnil "
            f"\\cellx{3005 * (k + 1)}" for k in range(len(row)))
        out.append(trowd + "\\pard\\plain \\ltrpar\\ql \\li0\\ri0\\widctlpar\\intbl\\wrapdefault\\itap0 ")
        for cell in row:
            parts = cell.split("\n")
            out.append("".join(f"{{\\insrsid1070935 {esc(p)}}}\\par " for p in parts[:-1]))
            out.append(f"{{\\rtlch\\fcs1 \\af0 \\ltrch\\fcs0 \\insrsid1070935 {esc(parts[-1])}}}\\cell ")
        out.append("\\pard\\plain \\ltrpar\\ql \\li0\\ri0\\widctlpar\\intbl\\wrapdefault\\itap0 {\\rtlch\\fcs1 "
                   "\\af0 \\ltrch\\fcs0 \\insrsid1070935 " + trowd + "\\row }\n")
    return "".join(out)


def textedit(lines: list[str]) -> bytes:
    """What macOS TextEdit saves (Cocoa RTF): a font table without groups, `\\` at a line's end for a new paragraph."""
    body = "\\\n".join(esc(x).replace("\\par\n", "\\\n") for x in lines)
    return ("{\\rtf1\\ansi\\ansicpg1252\\cocoartf2709\n\\cocoatextscaling0\\cocoaplatform0{\\fonttbl\\f0\\fswiss"
            "\\fcharset0 Helvetica;\\f1\\fnil\\fcharset0 HelveticaNeue;}\n{\\colortbl;\\red255\\green255\\blue255;}\n"
            "{\\*\\expandedcolortbl;;}\n\\paperw11900\\paperh16840\\margl1440\\margr1440\\vieww11520\\viewh8400"
            "\\viewkind0\n\\pard\\tx566\\tx1133\\tx1700\\pardirnatural\\partightenfactor0\n\n\\f0\\fs24 \\cf0 "
            + body + "}").encode("ascii")
