"""One loader per format. Each turns raw bytes into a `Document` (plain text + title + optional date) or raises
`LoadError` whose message is the one-line reason shown to the user ("binary file", "encrypted PDF", …).

`base` (Document, LoadError, decoding, dates, text clean-up), `plain` (.md, .txt), `web` (.html), `pdf`, `word`
(.docx), `slides` (.pptx), `sheets` (.xlsx), `delimited` (.csv, .tsv), `mail` (.eml), `outlook` (.msg), `opendoc`
(.odt), `worddoc` (.doc), `richtext` (.rtf), `opendoc_sheets` (.ods), `opendoc_slides` (.odp); the BEIR
corpus rows and the dispatch are here. Loaders never see the database: the pipeline decides what
to store.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable, Iterator

from ...errors import InputError
from ...hashing import sha256_bytes
from .base import (Document, LoadError, _norm_text, clean_text, decode_utf8, looks_binary, parse_date,
                   title_from_path)
from .delimited import load_csv
from .mail import load_eml
from .opendoc import load_odt
from .opendoc_sheets import load_ods
from .opendoc_slides import load_odp
from .outlook import load_msg
from .pdf import load_pdf
from .plain import front_matter, load_markdown, load_text
from .richtext import load_rtf
from .sheets import load_xlsx
from .slides import load_pptx
from .tabletitles import titled  # (round 59: a table's heading in its rows)
from .web import load_html
from .word import load_docx
from .worddoc import load_doc

__all__ = ["KINDS", "LOADERS", "LOADER_VERSIONS", "Document", "LoadError", "clean_text", "decode_utf8", "front_matter",
           "iter_beir_documents", "kind_of", "load_csv", "load_doc", "load_docx", "load_eml", "load_file", "load_html",
           "load_markdown", "load_msg", "load_odp", "load_ods", "load_odt", "load_pdf", "load_pptx",
           "load_rtf", "load_text", "load_xlsx", "looks_binary", "parse_date",
           "read_bytes", "title_from_path"]

KINDS = {".md": "md", ".markdown": "md", ".txt": "txt", ".html": "html", ".htm": "html", ".pdf": "pdf",
         ".docx": "docx", ".pptx": "pptx", ".ppsx": "pptx", ".pptm": "pptx", ".xlsx": "xlsx", ".csv": "csv",
         ".tsv": "csv", ".eml": "eml", ".msg": "msg", ".odt": "odt", ".ods": "ods", ".ots": "ods", ".odp": "odp",
         ".otp": "odp", ".doc": "doc", ".rtf": "rtf", ".jsonl": "beir"}


# -- BEIR corpus ----------------------------------------------------------------------------------
# A corpus file is validated whole before its first row is handed out (a bad line fails the file, nothing of it is
# stored). Rows whose text adds up to HOLD_MB are kept from that pass and handed out from memory: the file is read
# and parsed once. A larger file is read twice (validated, then streamed) so that memory stays bounded. (Documents
# up to ingest.max_file_mb, 50 MB by default, are held whole too.)
HOLD_MB = 64


def iter_beir_documents(path: Path, *, not_unicode: set[str] | None = None,
                        counted: Callable[[int], None] | None = None) -> Iterator[Document]:
    """Each row of a BEIR corpus.jsonl as a Document ("<abs path>#<_id>"). The whole file is validated first
    (`ragtune.appliance.beir.iter_corpus`): a bad line fails the file before any row is stored. `counted(n)` is
    called once it is, before the first row: the number of rows (the progress shares the file's bytes out to them).
    Row text gets only `_norm_text` (not the file clean-up): a benchmark's passages stay as it wrote them.
    `not_unicode` gets, from that first pass, the _ids of the rows whose title, text or date got U+FFFD."""
    from ...beir import iter_corpus

    held: list[dict] | None = []
    budget = HOLD_MB * 1024 * 1024
    n = 0
    try:
        for row in iter_corpus(path, not_unicode=not_unicode):
            n += 1
            if held is not None:
                budget -= len(row["text"]) + len(row["title"]) + 200  # + what a row's objects cost besides
                if budget < 0:
                    held = None  # too big to keep: validated on, then read again
                else:
                    held.append(row)
    except InputError as exc:
        raise LoadError(exc.message) from None
    if not n:  # like an empty document: a failure, so rows stored from it are kept (even with --prune)
        raise LoadError("empty document (a corpus file with no rows)")
    if counted is not None:
        counted(n)
    if held is not None:
        held.reverse()
        while held:  # popped as handed out: the memory goes with the rows
            yield _beir_document(path, held.pop())
        return
    try:
        for row in iter_corpus(path):
            yield _beir_document(path, row)
    except InputError as exc:  # changed since it was validated: the rows before stay stored, the file fails
        raise LoadError(exc.message) from None


def _beir_document(path: Path, row: dict) -> Document:
    canon = json.dumps({"title": row["title"], "text": row["text"], "date": row.get("date")},
                       ensure_ascii=False, sort_keys=True).encode("utf-8")
    return Document(f"{path}#{row['_id']}", "beir", row["title"].strip(), _norm_text(row["text"]),
                    parse_date(row.get("date")), sha256_bytes(canon), len(canon))


# -- dispatch -------------------------------------------------------------------------------------
LOADERS: dict[str, Callable[[Path, bytes], Document]] = {
    "md": load_markdown, "txt": load_text, "html": titled(load_html), "pdf": load_pdf, "docx": titled(load_docx),
    "doc": titled(load_doc), "pptx": load_pptx, "xlsx": load_xlsx, "csv": load_csv, "eml": load_eml, "msg": load_msg,
    "odt": titled(load_odt),
    "ods": load_ods, "odp": load_odp, "rtf": load_rtf,
}


# The version of what each loader makes of the same bytes, recorded in the document's meta ("loader"). Bump a kind's
# number when its loader's text changes: stored documents of that kind are re-read on the next ingest even though
# their files did not change (only chunks whose text changed are embedded again). Documents stored without a
# version are version 1. Not for "beir": a corpus row's text is the benchmark's own, never a loader's.
# 3 (round 37): md drops raw <script>/<style> blocks; html hides a comment left open to the end and drops a tag cut
# off by it; pdf keeps one-line pages that differ in numbers; docx drops hidden (w:vanish) text; txt (text unchanged) is
# read again so its chunks take the chunker's split of words over 100 characters (chunker.WORD_CHARS).
# 4 (round 37, md/txt/html): a NUL past the first 8 KB separates words (was dropped, gluing them: base.nul_separates);
# UTF-16 without a byte-order mark is read (was "binary file": such files remembered as failed are read again).
# 5 (round 37, html): a tag whose quoted attribute value runs open to the end of the file is dropped (with a `>` in
# the value it was text).
# round 39: all kinds: titles lose control characters and repeated spaces (base.clean_title); md/txt/html: an ESC
# before a space no longer starts a terminal sequence, an open OSC ends at its line (it ate the rest of the file);
# pdf: an ESC is dropped alone (it ate the next letter); html: a declared charset is used only when a browser reads
# it; txt/md/html: UTF-16 without a BOM in other scripts than Latin is read (it was "binary file").
# round 40: pdf: TeX T1 ligature codes 27-31 read as ff/fi/fl/ffi/ffl where the page's fonts say T1 or the code sits
# between letters (pdf.py); txt/md/html: UTF-16 without a BOM and without spaces, digits or line breaks is read
# (base._wide_evidence: control bytes where only UTF-16 puts them).
# round 42: txt: a first line that stands alone as a title is the title (was the file name; the text is unchanged);
# html: a page-level <header>/<footer> (or ARIA banner/contentinfo) that is mostly links is dropped, but for its h1.
# round 43: all kinds: text and titles in NFC (base.composed: a decomposed "é" was stored as "e" + U+0301, which no
# question met); ASCII text is unchanged, so only its documents' re-reading costs anything.
# round 48: pdf: text under a redaction box (a dark filled rectangle over it, black highlight, a /Redact or dark
# /Square annotation) is left out, pleading-paper line numbers dropped (pdf_pages.py): stored PDFs must lose the
# covered text, so they are read again.
# round 48 (pdf 8): the values typed into a fillable form's fields (AcroForm /V, not in the page text) are read
# (pdf_pages.form_values): stored forms gain them.
# round 48 (pdf 9): a box filled in a spot colour (Separation, DeviceN), Indexed, Lab or Pattern space no longer counts
# as a redaction bar (its tint 0.15 was read as near-black gray): text that was dropped under a light tint is kept.
# round 49 (pdf 10): text under white-out, under boxes drawn inside form XObjects and under full-ink spot-colour bars
# is left out (loaders/pdf_marks.py)
# round 50 (html 10, pdf 11, docx 6): hidden text left out and counted in a note (loaders/hidden.py,
# pdf_marks.Covers.concealed): HTML hidden by its own inline style or the hidden attribute, DOCX runs under 2 pt or
# white without shading, PDF text under 2 pt, off the crop box, or invisible on a page with no image
# round 51: new kinds pptx, xlsx, csv (.csv, .tsv), eml, odt (loaders/slides.py, sheets.py, delimited.py, mail.py,
# opendoc.py), starting at 2 as every kind does (a document stored without a version reads as version 1).
# round 51 (html 11, pdf 12): text hidden by the page's own <style> rules (class/id/tag.class: display:none,
# visibility, font-size 0, opacity 0, colour on its colour) and inline colour-on-colour left out (hidden_css.py);
# pdf: hidden text inside form XObjects and Type3 text a tiny FontMatrix draws left out (pdf_hidden.py).
# round 52 (html 12, eml 3, pdf 13, pptx 3): hidden text: HTML hidden two ways shown only when a child undoes both,
# markup left open in a shown-again child, colour on an ancestor's or the page's background (hidden_paint.py; EML's
# HTML bodies read the same); PDF forms mixing seen and hidden text cut to the seen; PPTX runs in the colour behind
# them (slides_hidden.py, DOCX's rule); odt 3: text under 2 pt or in the colour behind it (opendoc_look.py); xlsx 3:
# thousands scaling and fractions shown as Excel shows them; new kinds msg (outlook.py, ole.py, outlook_rtf.py), ods
# and odp (opendoc_sheets.py, opendoc_slides.py) start at 2 as every kind does. xlsx 4, csv 4: chunked a row a chunk
# (ingest/table_chunks.py).
# round 52: new kind doc (Word 97-2003, worddoc.py on ole.py) starts at 2.
# round 52: new kind rtf (richtext.py; its tokenizer shared with outlook_rtf.py) starts at 2.
# round 52: msg 3: a message with only a rich-text (RTF) body reads it as a .rtf file is (it was a note, no body).
# round 53: rtf 3: a file whose last `}`s are missing is read up to where it stops, with a note (it was refused);
# doc 3: footnotes and endnotes read after the main text, text hidden by a style, under 2 pt or white on the white
# page left out (worddoc_props.py), Word 6/95 and older refused by name (an RTF file named .doc reads as rtf 3).
# round 53 (mend of reviewer rA): html 13 (eml 4, msg 4: their HTML bodies read the same): a page colour set under
# a condition (@media dark, width) makes the page not known (print sheets paint no screen), the last body rule wins,
# a dark color-scheme is not judged, white text in a white-painted child stays unseen, a `color` attribute counts on
# <font> only; odt 4: a section's background is behind its text, one dark page layout beside a plain one is not known;
# odp 3: text drawn after a picture or a filled shape is not judged; odt/ods/odp: an XML comment in a style's
# properties no longer fails the file (ods 3); xlsx 5: a number format over 255 characters is General.
# round 53 (mend of reviewer rA, within doc 3 / rtf 3): .doc text after an emoji keeps its place; .rtf pattern shading
# (\shadingN, \chshdngN) is a background.
# round 53: pptx 4: a slide table's rows under a header row (found as a sheet's) are written `Label: value; Label:
# value` as a sheet's rows are (tablerows.doc_rows); other tables stay `a | b`.
# round 54: xlsx 6: a fraction format's whole part grouped (`#,##0 ?/?`: 1,234 1/2); ods 4: a duration
# without shown text keeps its sign (-1:30:00) and its days. xlsx 7: `0 ?/?` shows 0.5 as "0 1/2", a fraction's
# negative section is read (`(1,234 1/2)`); ods 5: a duration's parts each optional, its total shown (PT90M: 1:30:00).
# csv 5 (xlsx 7, ods 5 too): notes below a table after an empty row ("Source: …", "Deposit | a sentence") are
# written as they are, not labelled with the table's columns; a second table's own header labels its rows; an xlsx
# empty row kept in the file is a gap.
# round 55: html 14: a table under a header row the page marks (<th> cells, a <thead>) is written `Label: value; …`
# a row a line, a block of its own, as a document's (loaders/web_tables.py on tablerows.labelled_rows), two columns of
# short keys `Key: value`; doc 5: a .doc that is a web page (Word's "Save as Web Page") reads its tables so too.
# round 55: docx 8, odt 6, doc 6: a document's table under a marked header with an empty top-left cell keys each row
# by its first cell (`Weekday; Adult: £5`); a title merged across the table above a marked header row is a line of
# its own above the labelled rows; a cell typed "# of seats" keeps its "#" (tablerows.labelled_table).
# round 56: html 15, docx 9, odt 7, doc 7: a table's group row (one cell merged across it, `<th colspan>`, `<th
# scope="rowgroup">`) is written into each labelled row under it, first (`Weekend; Ticket: Adult; Price: £7`).
# round 56 (mend2): odt 8: a cell spanning columns no longer pushes the cells after it past the header (its
# covered cells counted its columns again), so such a table is labelled, its cells under their own labels.
# round 56 (mend10): html 16, docx 10, odt 9, doc 8: the group's name is written into the row's first value, its key
# (`Ticket: Adult (Weekend); Price: £7`: written first it read as a matrix's key); a merged row heading no group is
# under none; a name alone right under a group row is the group's row.
# round 57: html 17, docx 11, odt 10, doc 9: a note merged across a grouped table ("Prices include VAT", "See note 3":
# a clause, no group's name) is a note below the rows, the group going on under it; a "Total" row under the last
# group that is the table's (the groups without totals, or the group's own total right above it), and a "Grand
# total", is under no group; brackets inside a group's name move to its end (`(Winter season (Nov–Feb))`);
# docx: a row's `w:gridBefore` (it starts in a later grid column) keeps its cells under their own labels; doc: a row
# of one cell in a wider table is a group row, as a merged docx row is.
# round 58: html 18, docx 12, odt 11, doc 10: a group name with a relative clause ("Staff who are part-time",
# "Items that must be returned") names a group, no longer read as a note by its clause's verb.
# round 58 (h7): eml 5, msg 5: a reply's quoted history opened by a line naming its writer ("Quoted from Gordon
# Achebe's message of …:"), its "> " marks and header lines left out (mail_quotes.py); docx 13: a package without
# docProps/core.xml is titled and dated as one without properties (python-docx made up "Word Document", today).
# round 59: html 19, docx 14, odt 12, doc 11: a table's rows each carry the nearest heading above the table and its
# caption, written into each row's key as a group's name is (`Plan: Cat (Pet Health Club)`: tabletitles.py).
# round 59 (md 8): Markdown's inline marks (`**bold**`, `*italic*`, `_x_`, `__x__`, `` `code` ``) left out of the
# text as a rendered page shows it (md_inline.py): "**4719#**;" was stored, and answered, with its marks.
LOADER_VERSIONS: dict[str, int] = {"md": 8, "txt": 8, "html": 19, "pdf": 13, "docx": 14, "pptx": 4, "xlsx": 7,
                                   "csv": 5, "eml": 5, "msg": 5, "odt": 12, "ods": 5, "odp": 3,
                                   "doc": 11, "rtf": 3}


def kind_of(path: Path) -> str | None:
    return KINDS.get(path.suffix.lower())


def read_reason(exc: OSError, path: Path) -> str:
    """An OS error as the short reason an ingest summary shows for the file (the words of docs/ingest.md's table);
    the walk's reasons for the same errors (ingest/walk.py `os_reason`) are the same words."""
    if isinstance(exc, FileNotFoundError):  # a link whose target is gone, or a file deleted since the walk listed it
        return "broken symlink" if path.is_symlink() else "not found"
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "is a directory"
    if exc.errno == 40:  # ELOOP
        return "symlink loop"
    return f"cannot read: {exc.strerror or exc}"


def read_limited(fh: Any, size: int, path: Path, max_file_mb: float) -> bytes:
    """The bytes of an open file whose size was `size` when looked at, within `[ingest] max_file_mb` (checked before
    reading, and again on what was read: the file may have grown since)."""
    limit = float(max_file_mb) * 1024 * 1024
    if size > limit:
        raise LoadError(f"over size limit ({size / 1048576:.1f} MB > {max_file_mb:g} MB)")
    try:
        raw = fh.read(int(limit) + 1)
    except OSError as exc:
        raise LoadError(read_reason(exc, path)) from None
    if len(raw) > limit:  # grew since it was looked at
        raise LoadError(f"over size limit (> {max_file_mb:g} MB)")
    return raw


def read_bytes(path: Path, max_file_mb: float) -> bytes:
    """Raw bytes with the size limit and read errors turned into reasons; b"" for an empty file (the caller says
    "empty document": ingest only after looking up the file's remembered failure, ingest/failures.py)."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise LoadError(read_reason(exc, path)) from None
    if size > float(max_file_mb) * 1024 * 1024:
        raise LoadError(f"over size limit ({size / 1048576:.1f} MB > {max_file_mb:g} MB)")
    if size == 0:
        return b""
    try:
        fh = open(path, "rb")
    except OSError as exc:
        raise LoadError(read_reason(exc, path)) from None
    with fh:
        return read_limited(fh, size, path, max_file_mb)


def load_file(path: Path, *, max_file_mb: float = 50.0) -> Document:
    """Load one non-BEIR document file. Raises LoadError with the reason."""
    kind = kind_of(path)
    if kind is None or kind == "beir":
        raise LoadError(f"unsupported file type '{path.suffix or path.name}'")
    raw = read_bytes(path, max_file_mb)
    if not raw:
        raise LoadError("empty document")
    return LOADERS[kind](path, raw)
