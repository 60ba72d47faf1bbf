"""The zip package of a PPTX slide deck (slides.py reads its slides): its parts by name, parsed with a hardened lxml
parser (no DTD, no entity expanded, nothing fetched), its relationships, the zip-bomb guards (as word.py's for DOCX),
and why a file that is not a deck is not one (an old binary .ppt, a password-protected deck, a .docx, .xlsx or .odp
under a deck's name)."""

from __future__ import annotations

import io
import posixpath
import zipfile
from typing import Any
from urllib.parse import unquote

from .base import LoadError, exc_reason
from .ole import ENCRYPTED_OFFICE, encrypted_office
from .word import _MAX_UNPACKED, _parts  # (the zip's end-record count and DOCX's unpacked cap: one copy of each)

_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_C = "{http://schemas.openxmlformats.org/drawingml/2006/chart}"
_DGM = "{http://schemas.openxmlformats.org/drawingml/2006/diagram}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_PKG_R = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCT = "{http://purl.org/dc/terms/}"
# Strict Open XML (PowerPoint's "Strict Open XML Presentation") names the same elements in other namespaces
_STRICT = [(b"http://purl.oclc.org/ooxml/presentationml/main", _P), (b"http://purl.oclc.org/ooxml/drawingml/main", _A),
           (b"http://purl.oclc.org/ooxml/officeDocument/relationships", _R),
           (b"http://purl.oclc.org/ooxml/drawingml/chart", _C), (b"http://purl.oclc.org/ooxml/drawingml/diagram", _DGM)]


# Zip guards, as word.py's for DOCX: what the parts may unpack to, all together (word._MAX_UNPACKED, declared in the
# zip's directory; zipfile never inflates a member past its declared size); how many parts (a deck of 2,000 slides
# with notes has ~8,000); one part inflating over _MAX_RATIO times its stored size past _RATIO_FROM bytes (deflate's
# ceiling is ~1,030: only a run of one byte, a bomb, comes near it).
_MAX_PARTS = 40_000
_MAX_RATIO, _RATIO_FROM = 500, 8 * 1024 * 1024
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# A document type declaration (entities: a billion-laughs bomb, an external file read) in any encoding a part may use
_DTDS = (b"<!DOCTYPE", "<!DOCTYPE".encode("utf-16-le"), "<!DOCTYPE".encode("utf-16-be"))


def _not_a_zip(raw: bytes, suffix: str) -> LoadError:
    """Why bytes that are no zip are no slide deck: an old binary Office file (OLE), a password-protected deck (an
    OLE file too: Office encrypts the whole package into one), or another kind of file."""
    if raw[:8] == _OLE:
        def has(name: str) -> bool:
            return name.encode("utf-16-le") in raw
        if encrypted_office(raw):
            return LoadError(ENCRYPTED_OFFICE)
        if has("PowerPoint Document"):
            return LoadError("old binary PowerPoint (.ppt): save it as .pptx")
        if has("WordDocument"):
            return LoadError(f"not a slide deck: an old binary Word document (.doc) named {suffix}")
        if has("Workbook") or has("Book"):
            return LoadError(f"not a slide deck: an old binary Excel workbook (.xls) named {suffix}")
        return LoadError("old binary Office file (OLE compound file), not a .pptx: save it as .pptx")
    if raw[:5] == b"%PDF-":
        return LoadError(f"not a slide deck: a PDF named {suffix}")
    return LoadError("damaged slide deck (not a zip package)")


class _Package:
    """The zip's parts by name (Office reads part names without regard to case), parsed one at a time."""

    def __init__(self, raw: bytes, suffix: str):
        parts = _parts(raw)
        if parts is not None and parts > _MAX_PARTS:
            raise LoadError(f"damaged slide deck: {parts:,} parts in its zip (over {_MAX_PARTS:,}: a zip bomb?)")
        try:
            self.z = zipfile.ZipFile(io.BytesIO(raw))
            infos = self.z.infolist()
        except zipfile.BadZipFile as exc:
            if raw[:2] == b"PK":
                raise LoadError(f"damaged slide deck ({exc_reason(str(exc)[:160])})") from None
            raise _not_a_zip(raw, suffix) from None
        total = sum(i.file_size for i in infos)
        if total > _MAX_UNPACKED:
            raise LoadError(f"damaged slide deck: its parts unpack to {total / 1048576:.0f} MB "
                            f"(over {_MAX_UNPACKED // 1048576} MB: a zip bomb?)")
        for i in infos:
            if i.file_size > _RATIO_FROM and i.file_size > _MAX_RATIO * max(1, i.compress_size):
                raise LoadError(f"damaged slide deck: part {exc_reason(i.filename[:80])} inflates "
                                f"{i.file_size // max(1, i.compress_size):,} times (a zip bomb?)")
        self.infos = {i.filename.lstrip("/").lower(): i for i in infos}
        self.parser: Any = None

    def has(self, part: str) -> bool:
        return part.lower() in self.infos

    def xml(self, part: str) -> Any:
        """The part's root element, None when the package lacks it."""
        from lxml import etree

        info = self.infos.get(part.lower())
        if info is None:
            return None
        if info.flag_bits & 1:
            raise LoadError("encrypted slide deck (its zip is password protected)")
        data = self.z.read(info)
        if any(d in data for d in _DTDS):  # refused before libxml2 sees it: its own guard's message is no reason
            raise LoadError(f"damaged slide deck ({exc_reason(part[:80])} declares a DTD: no Office part does; "
                            "entities are not read)")
        if b"purl.oclc.org/ooxml" in data:
            for strict, ns in _STRICT:
                data = data.replace(strict, ns[1:-1].encode())
        if self.parser is None:  # no DTD, no entity expanded, nothing fetched: an XML bomb or XXE fails below
            self.parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                                          remove_comments=True, remove_pis=True)
        root = etree.fromstring(data, self.parser)
        if root.getroottree().docinfo.doctype:
            raise LoadError(f"damaged slide deck ({exc_reason(part[:80])} declares a DTD: no Office part does; "
                            "entities are not read)")
        return root

    def rels(self, part: str) -> dict[str, tuple[str, str]]:
        """rId -> (relationship kind: the type's last segment, target part) of a part; external targets left out."""
        folder, name = posixpath.split(part)
        root = self.xml(posixpath.join(folder, "_rels", name + ".rels"))
        out: dict[str, tuple[str, str]] = {}
        for rel in (root.iterchildren(f"{_PKG_R}Relationship") if root is not None else ()):
            target = rel.get("Target") or ""
            if rel.get("TargetMode") == "External" or not target:
                continue
            path = target[1:] if target.startswith("/") else posixpath.normpath(posixpath.join(folder, target))
            out[rel.get("Id") or ""] = ((rel.get("Type") or "").rsplit("/", 1)[-1], unquote(path))
        return out

    def related(self, part: str, kind: str) -> str | None:
        return next((t for k, t in self.rels(part).values() if k == kind), None)


def _main_part(pkg: _Package, suffix: str) -> str:
    """presentation.xml's part name, or why the package is some other kind of file."""
    main = pkg.related("", "officeDocument") or ""
    types = pkg.xml("[Content_Types].xml")
    ctype = ""
    for o in (types.iterchildren("{*}Override") if types is not None else ()):
        if (o.get("PartName") or "").lstrip("/").lower() == main.lower():
            ctype = o.get("ContentType") or ""
    if "wordprocessingml" in ctype or "ms-word" in ctype or (not main and pkg.has("word/document.xml")):
        return _wrong(f"not a slide deck: a Word document (.docx) named {suffix}: rename it .docx")
    if "spreadsheetml" in ctype or "ms-excel" in ctype or (not main and pkg.has("xl/workbook.xml")):
        return _wrong(f"not a slide deck: an Excel workbook (.xlsx) named {suffix}: rename it .xlsx")
    if pkg.has("mimetype"):
        kind = pkg.z.read(pkg.infos["mimetype"]).decode("ascii", "replace")
        if "opendocument.presentation" in kind:
            return _wrong(f"not a slide deck in PowerPoint format: an OpenDocument presentation (.odp) named "
                          f"{suffix}: save it as .pptx")
        return _wrong(f"not a slide deck: an OpenDocument file named {suffix}")
    if main and pkg.has(main) and ("presentation" in ctype or "slideshow" in ctype or "powerpoint" in ctype
                                   or not ctype):
        return main
    if pkg.has("ppt/presentation.xml"):  # a package without its relationships, as some converters write them
        return "ppt/presentation.xml"
    return _wrong("not a slide deck: a zip archive without a presentation (ppt/presentation.xml)")


def _wrong(reason: str) -> str:
    raise LoadError(reason)
