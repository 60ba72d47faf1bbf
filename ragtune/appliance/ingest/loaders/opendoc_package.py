"""The OpenDocument package (.odt, .ods, .odp) shared by opendoc.py, opendoc_sheets.py and opendoc_slides.py: the
zip within word.py's guards, its manifest (encrypted?) and mimetype (which kind?), its XML parts parsed without a DTD
(entity bombs, external entities refused), and meta.xml's title and date."""

from __future__ import annotations

import io
import re
import zipfile
from typing import Any

from .base import LoadError, clean_title, exc_reason, parse_date
from .word import _check_unpacked

_TEXT_TYPES = ("application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.text-template",
               "application/vnd.oasis.opendocument.text-master")
_DC = "{http://purl.org/dc/elements/1.1/}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def _xml(data: bytes, part: str, what: str = "ODT") -> Any:
    """A part parsed without a DTD: OpenDocument never has one, so one is an entity bomb or an external entity
    (`<!ENTITY x SYSTEM "file:///etc/passwd">`): refused, not expanded or read."""
    from lxml import etree

    if re.search(rb"<!DOCTYPE|<!ENTITY", data[:65536]):  # (one further on is caught after the parse, unexpanded)
        raise LoadError(f"corrupt {what}: {part} declares a DTD or entities (not OpenDocument; not read)")
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise LoadError(f"corrupt {what}: {part}: {exc_reason(str(exc).splitlines()[0][:160])}") from None
    if root.getroottree().docinfo.doctype:
        raise LoadError(f"corrupt {what}: {part} declares a DTD (not OpenDocument; not read)")
    return root


# What each OpenDocument kind's package may say it is (its mimetype), the flat XML file of that kind, and the Office
# format whose main part in the zip means a file of that kind renamed
KINDS = {
    "ODT": (_TEXT_TYPES, ".fodt", "word/document.xml", "a Word document (DOCX) named .odt (rename it .docx)"),
    "ODS": (("application/vnd.oasis.opendocument.spreadsheet",
             "application/vnd.oasis.opendocument.spreadsheet-template"),
            ".fods", "xl/workbook.xml", "an Excel workbook (XLSX) named .ods (rename it .xlsx)"),
    "ODP": (("application/vnd.oasis.opendocument.presentation",
             "application/vnd.oasis.opendocument.presentation-template"),
            ".fodp", "ppt/presentation.xml", "a PowerPoint deck (PPTX) named .odp (rename it .pptx)"),
}


def package(raw: bytes, what: str = "ODT") -> tuple[zipfile.ZipFile, Any]:
    """The package's zip (the caller closes it) and `read(name)` (None for a part it lacks), within the zip guards
    (as word._check_unpacked), once its manifest and mimetype say it is an unencrypted `what` with a content.xml."""
    types, flat, ooxml, renamed = KINDS[what]
    ext = what.lower()
    if re.match(rb"\s*<", raw):  # (the characters bytes.lstrip strips, without copying the file twice)
        raise LoadError(f"not an {what}: a flat OpenDocument XML file ({flat}) or other XML is not read "
                        f"(save it as .{ext})")
    z = _check_unpacked(raw, what)  # the parts count, then the unpacked size
    if z is None:  # not a zip: zipfile's own reason
        try:
            zipfile.ZipFile(io.BytesIO(raw)).close()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise LoadError(f"corrupt {what}: {exc_reason(str(exc)[:160]) or 'not a zip file'}") from None
        raise LoadError(f"corrupt {what}: not a zip file")
    names = {i.filename for i in z.infolist()}

    def read(name: str) -> bytes | None:
        if name not in names:
            return None
        try:
            return z.read(name)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError) as exc:
            if "encrypt" in str(exc).lower():
                raise LoadError(f"encrypted {what} (password required)") from None
            raise LoadError(f"corrupt {what}: {name}: {exc_reason(str(exc)[:160])}") from None

    try:
        if "content.xml" not in names:
            if ooxml in names:
                raise LoadError(f"not an {what}: {renamed}")
            raise LoadError(f"corrupt {what}: no content.xml in its zip")
        manifest = read("META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:  # a password-protected document: its parts are ciphertext
            raise LoadError(f"encrypted {what} (password required)")
        mimetype = (read("mimetype") or b"").strip().decode("ascii", "replace")
        if mimetype and mimetype not in types:
            kind = mimetype.rsplit(".", 1)[-1] if "opendocument" in mimetype else mimetype
            raise LoadError(f"not an {what}: an OpenDocument {kind} ({exc_reason(mimetype[:80])})")
    except BaseException:
        z.close()
        raise
    return z, read


def _meta(meta: bytes | None, what: str = "ODT") -> tuple[str, str | None]:
    if not meta:
        return "", None
    try:
        root = _xml(meta, "meta.xml", what)
    except LoadError:
        return "", None  # metadata is not text: a damaged meta.xml costs the title and date only
    title = root.findtext(f".//{_DC}title") or ""
    when = root.findtext(f".//{_META}creation-date") or root.findtext(f".//{_DC}date")
    return clean_title(title), parse_date(when)
