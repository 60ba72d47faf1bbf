"""Round 49 mends (behaviour unchanged): the PDF loader on `budgeted` as HTML and DOCX are; `docs find` reads each
file once for all its TEXTs; `forgotten_ids` in pages; a form drawn again on a page parsed once; one `bare_name`
for titles and extensions; the documents rebuild's foreign-key guard inside `_rebuilt_autoincrement`."""

from __future__ import annotations

import builtins
import inspect
import json

import pytest

from ragtune.appliance import erasure_check as ec
from ragtune.appliance.ingest.loaders import LoadError, load_file, pdf
from ragtune.appliance.ingest.loaders.parse_budget import PARSE_SECONDS, guarded

from .ingest_helpers import pdf_pages_bytes


# -- 1. load_pdf on `budgeted` -------------------------------------------------------------------------------------
def test_the_pdf_loader_is_budgeted_and_its_reason_is_word_for_word_the_same(tmp_path):
    assert hasattr(pdf.load_pdf, "__wrapped__")  # functools.wraps of parse_budget.budgeted
    assert list(inspect.signature(guarded).parameters) == ["beat"]  # the `bud=` only load_pdf passed: gone
    path = tmp_path / "slow.pdf"
    path.write_bytes(pdf_pages_bytes(["BT /F1 10 Tf 72 700 Td (A page.) Tj ET\n" + "0 0 m 1 1 l S\n" * 40000]))
    token = PARSE_SECONDS.set(0.3)
    try:
        with pytest.raises(LoadError) as err:
            load_file(path)
    finally:
        PARSE_SECONDS.reset(token)
    assert err.value.reason == ("PDF took over 0.3 s to read (millions of drawing operators on a page, or forms "
                                "nested deep?): not ingested (docs/ingest.md)")


# -- 2. docs find: one read of a file for all TEXTs ----------------------------------------------------------------
def test_docs_find_reads_each_file_once_for_every_text(settings, monkeypatch):
    settings.home.ensure()
    (settings.home.root / "eval").mkdir()
    (settings.home.root / "eval" / "a.json").write_text(json.dumps({"t": "Jane Roe and jr-48213", "u": "JANE\nroe"}))
    (settings.home.root / "eval" / "b.txt").write_bytes("jr-48213".encode("utf-16-le"))
    opened: list[str] = []

    def counting(path, *args, **kwargs):
        opened.append(str(path))
        return builtins.open(path, *args, **kwargs)
    monkeypatch.setattr(ec, "open", counting, raising=False)
    out = ec.find_text(settings.home, ["Jane Roe", "jr-48213", "Brightwater"], [])
    assert len(opened) == len(set(opened))  # was once per TEXT
    got = [(f["text"], f["where"].rsplit("/", 1)[-1], f["count"], f["offsets"]) for f in out["found"]
           if f["what"] == "home" and "/eval/" in f["where"]]
    assert got == [("Jane Roe", "a.json", 2, [7, 37]), ("jr-48213", "a.json", 1, [20]), ("jr-48213", "b.txt", 1, [0])]


def test_scan_texts_counts_each_text_to_its_own_cap_across_blocks(tmp_path, monkeypatch):
    monkeypatch.setattr(ec, "BLOCK", 64)
    monkeypatch.setattr(ec, "OVERLAP", 16)
    monkeypatch.setattr(ec, "MAX_COUNT", 3)
    f = tmp_path / "f.bin"
    f.write_bytes(b"x" * 60 + b"jAnE rOe" + b"abc " * 40 + b"Jane Roe")
    pats = {"Jane Roe": ec.patterns("Jane Roe"), "abc": ec.patterns("abc"), "nobody": ec.patterns("nobody")}
    got = ec.scan_texts(f, pats)
    assert got == {"Jane Roe": (2, [60, 228]), "abc": (3, [68, 72, 76])}
    assert got == {t: ec.scan_file(f, p) for t, p in pats.items() if ec.scan_file(f, p)}
    assert ec.scan_texts(tmp_path / "missing", pats) == {} and ec.scan_file(tmp_path / "missing", pats["abc"]) is None


# -- 3. forgotten_ids in pages -------------------------------------------------------------------------------------
def test_forgotten_ids_takes_more_ids_than_sqlite_has_parameters(store):
    ids = list(range(1, 40_001))  # SQLite's limit on parameters is 32766: one IN (...) of them all failed
    assert store.forgotten_ids(ids) == set()
    assert store.forgotten_ids([]) == set()


# -- 4. a form drawn again on a page: parsed once ------------------------------------------------------------------
def test_a_form_drawn_three_times_on_a_page_is_parsed_once_and_still_hides(tmp_path, monkeypatch):
    import pypdf.generic as generic

    from .test_r49_pdf import PUBLIC, SECRET, _form, _load

    parsed: list[int] = []
    real = generic.ContentStream

    class Counting(real):  # type: ignore[misc,valid-type]
        def __init__(self, stream, pdf, *args, **kwargs):
            if stream is not None and stream.get("/Subtype") == "/Form":
                parsed.append(id(stream))
            super().__init__(stream, pdf, *args, **kwargs)
    monkeypatch.setattr(generic, "ContentStream", Counting)
    do = "q 1 0 0 1 70 100 cm /Fm1 Do Q q 1 0 0 1 70 683 cm /Fm1 Do Q q 1 0 0 1 70 300 cm /Fm1 Do Q"
    doc = _load(tmp_path, f"{SECRET}\n{PUBLIC}\n{do}", {"/XObject": {"/Fm1": _form(b"0 g 0 0 400 14 re f")}})
    assert "Body text" in doc.text and "Delacourt" not in doc.text and "redaction boxes" in doc.notes[-1]
    assert len(parsed) == 1  # was 3


# -- 5. one bare_name -----------------------------------------------------------------------------------------------
def test_titles_and_extensions_read_a_name_the_same_way():
    from pathlib import Path

    from ragtune.appliance.ingest import junk, walk
    from ragtune.appliance.ingest.loaders import base, title_from_path

    assert junk.name_suffix is base.name_suffix is walk.name_suffix
    cases = {"minutes.txt.": ("minutes.txt", ".txt", "minutes"), "notes.TXT ": ("notes.TXT", ".txt", "notes"),
             "a_b-c.md . ": ("a_b-c.md", ".md", "a b c"), "...": ("...", "", "..."), "x": ("x", "", "x")}
    for name, (bare, suffix, title) in cases.items():
        assert (base.bare_name(name), base.name_suffix(name), title_from_path(Path(name))) == (bare, suffix, title)


# -- 6. the documents rebuild's guard -------------------------------------------------------------------------------
def test_the_foreign_key_guard_is_after_the_rebuilt_already_check(tmp_path):
    import apsw

    from ragtune.appliance.store import schema

    conn = apsw.Connection(str(tmp_path / "t.db"))
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, x TEXT)")
    schema._rebuilt_autoincrement(conn, "t", "0099_x", "SELECT 1", fk_refusal="no")  # rebuilt already: no-op
    conn.execute("CREATE TABLE u (id INTEGER PRIMARY KEY, x TEXT)")
    with pytest.raises(ValueError, match="^no$"):
        schema._rebuilt_autoincrement(conn, "u", "0099_x", "SELECT 1", fk_refusal="no")
    conn.close()
