"""Round 58 (h7): a .docx without docProps/core.xml (written by a script, not Word) is titled and dated as a file
without properties: its first heading or its file name, no date. python-docx made up "Word Document" and today."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from ragtune.appliance.ingest.loaders.word import load_docx


def _docx(title: str | None, heading: bool) -> bytes:
    import docx

    d = docx.Document()
    if heading:
        d.add_heading("Spring newsletter", level=1)
    d.add_paragraph("The garden opens on Saturday 14 March.")
    if title is not None:
        d.core_properties.title = title
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def _without_core(raw: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == "docProps/core.xml":
                continue
            data = src.read(info)
            if info.filename == "_rels/.rels":
                data = re.sub(rb"<Relationship [^>]*core-properties[^>]*/>", b"", data)
            elif info.filename == "[Content_Types].xml":
                data = re.sub(rb"<Override [^>]*docProps/core.xml[^>]*/>", b"", data)
            dst.writestr(info, data)
    return out.getvalue()


def test_no_core_properties_falls_back_to_heading_then_file_name():
    d = load_docx(Path("/docs/news-spring.docx"), _without_core(_docx(None, heading=True)))
    assert d.title == "Spring newsletter" and d.doc_date is None
    d = load_docx(Path("/docs/news-spring.docx"), _without_core(_docx(None, heading=False)))
    assert d.title == "news spring" and d.doc_date is None
    assert "The garden opens on Saturday 14 March." in d.text


def test_core_properties_still_read_when_present():
    d = load_docx(Path("/docs/news-spring.docx"), _docx("Millbrook News", heading=True))
    assert d.title == "Millbrook News" and d.doc_date is not None
