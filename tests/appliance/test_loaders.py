"""Loaders: every format's text/title/date, and a one-line reason for every kind of bad file; the sweep of real
document shapes (PDF layout, Word markup, HTML tables and furniture, Markdown variants, encodings), down to the
chunks they give."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.ingest.loaders import (LoadError, iter_beir_documents, load_file, looks_binary, parse_date,
                                      read_bytes)

from .ingest_helpers import docx_bytes, docx_xml_bytes, pdf_bytes, pdf_pages_bytes, write_bad, write_good


def test_markdown_front_matter_title_date(tmp_path):
    p = write_good(tmp_path)["cats.md"]
    d = load_file(p)
    assert d.kind == "md" and d.title == "Cats" and d.doc_date == "2021-06-01"
    assert d.text.startswith("# Cats") and "---" not in d.text  # front matter is not content
    assert len(d.sha256) == 64 and d.size == p.stat().st_size


def test_markdown_title_from_heading_and_bom(tmp_path):
    p = tmp_path / "notes.md"
    p.write_bytes("\ufeff# Meeting notes\n\nWe agreed on Tuesday.\r\n".encode("utf-8"))
    d = load_file(p)
    assert d.title == "Meeting notes" and not d.text.startswith("\ufeff") and "\r" not in d.text
    assert d.doc_date is None


def test_text_title_from_filename(tmp_path):
    p = tmp_path / "employee_hand-book.txt"
    p.write_text("Holidays: 25 days.\n", encoding="utf-8")
    d = load_file(p)
    assert d.kind == "txt" and d.title == "employee hand book" and d.text == "Holidays: 25 days."


def test_terminal_escapes_and_control_characters_are_not_text(tmp_path):
    # A log pasted into a .txt: kept, `ESC]0;…` would be cited, copied into an answer and retitle a terminal.
    p = tmp_path / "console.txt"
    p.write_bytes(b"Build\x1b]0;PWNED\x07 passed \x1b[1;31mred\x1b[0m and \x1b(Bplain.\x0cPage two\tends\x7f.\r\n")
    d = load_file(p)
    assert d.text == "Build passed red and plain.\nPage two\tends."
    assert load_file(write_good(tmp_path)["cats.md"]).text.startswith("# Cats")  # clean text is untouched


def test_html_drops_script_style_nav_keeps_title_and_date(tmp_path):
    d = load_file(write_good(tmp_path)["garden.html"])
    assert d.kind == "html" and d.title == "Garden" and d.doc_date == "2020-04-02"
    assert "Water tomatoes" in d.text and "# Garden tips" in d.text
    for dropped in ("scriptword", "navword", "color:red"):
        assert dropped not in d.text


def test_html_declared_charset(tmp_path):
    p = tmp_path / "old.htm"
    p.write_bytes(b"<html><head><meta charset='iso-8859-1'></head><body><p>caf\xe9</p></body></html>")
    assert "café" in load_file(p).text


@pytest.mark.parametrize("charset", ["utf-16", "UTF-16LE", "utf-32"])
def test_html_declaring_a_wide_charset_it_is_not_in_is_refused(tmp_path, charset):
    """Sweep: an ASCII page declaring charset=utf-16 (a byte not UTF-8 in it) was decoded as UTF-16: one chunk of
    CJK noise ingested, no failure."""
    p = tmp_path / "page.html"
    p.write_bytes(f"<html><head><meta charset='{charset}'></head><body><p>caf\xe9</p></body></html>".encode("latin-1"))
    with pytest.raises(LoadError, match=f"not UTF-8 text \\(it declares charset {charset}"):
        load_file(p)
    p.write_bytes(f"<html><head><meta charset='{charset}'></head><body><p>café</p></body></html>".encode())
    assert "café" in load_file(p).text  # UTF-8 bytes under the same wrong declaration still read


def test_pdf_text_title_date(tmp_path):
    p = tmp_path / "r.pdf"
    p.write_bytes(pdf_bytes())
    d = load_file(p)
    assert d.kind == "pdf" and "revenue growth" in d.text and d.title == "Report" and d.doc_date == "2023-04-05"


def test_docx_headings_tables_core_date(tmp_path):
    p = tmp_path / "policy.docx"
    p.write_bytes(docx_bytes())
    d = load_file(p)
    assert d.kind == "docx" and d.title == "Travel policy" and d.doc_date == "2022-03-01"
    assert d.text.startswith("# Travel policy") and "trains" in d.text and "Limit | 500 km" in d.text


@pytest.mark.parametrize("name,reason", [
    ("corrupt.pdf", "corrupt PDF"),
    ("locked.pdf", "encrypted PDF"),
    ("binary.txt", "binary file"),
    ("empty.md", "empty document"),
    ("latin1.txt", "not UTF-8 text"),
    ("broken.docx", "corrupt DOCX"),
])
def test_bad_files_give_one_line_reasons(tmp_path, name, reason):
    p = write_bad(tmp_path)[name]
    with pytest.raises(LoadError) as ei:
        load_file(p)
    assert ei.value.reason.startswith(reason)
    assert "\n" not in ei.value.reason and "Traceback" not in ei.value.reason


def test_whitespace_only_is_empty(tmp_path):
    p = tmp_path / "blank.txt"
    p.write_text(" \n\n\t \n", encoding="utf-8")
    with pytest.raises(LoadError, match="empty document"):
        load_file(p)


def test_size_limit_checked_before_reading(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("word " * 400_000, encoding="utf-8")  # ~2 MB
    with pytest.raises(LoadError, match="over size limit"):
        load_file(p, max_file_mb=1)
    assert load_file(p, max_file_mb=5).text.startswith("word")


def test_missing_and_unsupported(tmp_path):
    with pytest.raises(LoadError, match="not found"):
        read_bytes(tmp_path / "nope.txt", 1)
    p = tmp_path / "x.xyz"
    p.write_text("hi")
    with pytest.raises(LoadError, match="unsupported file type"):
        load_file(p)


def test_binary_detection():
    assert looks_binary(b"abc\x00def")
    assert looks_binary(bytes(range(32)) * 10)
    assert not looks_binary("plain text\twith tabs\nand lines\n".encode())
    assert not looks_binary("ünïcödé text".encode())


def test_parse_date_forms():
    import datetime

    assert parse_date("2021-06-01") == "2021-06-01"
    assert parse_date("2021-06-01T10:00:00Z") == "2021-06-01"
    assert parse_date("D:20230405120000Z") == "2023-04-05"
    assert parse_date(datetime.datetime(2020, 1, 2, 3, 4)) == "2020-01-02"
    assert parse_date("2021-13-45") is None and parse_date("someday") is None and parse_date(None) is None


def test_beir_rows_become_documents(tmp_path):
    p = tmp_path / "corpus.jsonl"
    rows = [{"_id": "d1", "title": "Alpha", "text": "First passage.", "date": "2019-01-02"},
            {"_id": "d2", "title": "", "text": "Second passage."}]
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    docs = list(iter_beir_documents(p))
    assert [d.path for d in docs] == [f"{p}#d1", f"{p}#d2"]
    assert docs[0].title == "Alpha" and docs[0].doc_date == "2019-01-02" and docs[1].doc_date is None
    assert docs[0].kind == "beir" and docs[0].sha256 != docs[1].sha256


def test_beir_bad_line_fails_whole_file_with_location(tmp_path):
    p = tmp_path / "corpus.jsonl"
    p.write_text('{"_id": "d1", "text": "ok"}\n{"_id": "d2", "text": \n', encoding="utf-8")
    with pytest.raises(LoadError) as ei:
        list(iter_beir_documents(p))
    assert f"{p}:2" in ei.value.reason and "truncated JSON" in ei.value.reason


def test_utf16_with_a_bom_is_read_and_a_broken_one_is_named(tmp_path):
    """Sweep: Notepad's "Unicode" (UTF-16 with a BOM) was refused although the BOM says exactly how to read it
    (the HTML loader already read it)."""
    p = tmp_path / "u16.txt"
    p.write_bytes("héllo “world”".encode("utf-16"))
    assert load_file(p).text == "héllo “world”"
    p.write_bytes("hello".encode("utf-16") + b"\x00")
    with pytest.raises(LoadError, match="not valid UTF-16 text"):
        load_file(p)


# -- sweep: real documents whose text came out wrong ----------------------------------------------------------------
def _load(tmp_path, name, raw):
    p = tmp_path / name
    p.write_bytes(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    return load_file(p)


def test_windows_1252_smart_punctuation_is_read_accented_letters_are_not_guessed(tmp_path):
    """Sweep: a Notepad "ANSI" file whose only non-ASCII bytes are Word's smart quotes, dashes and € (the same in every
    Windows code page) was refused; accented letters could be any code page, so those files still get a reason."""
    d = _load(tmp_path, "memo.txt", "He said \u201cship it\u201d \u2014 it costs \u20ac5\u2026".encode("cp1252"))
    assert d.text == "He said “ship it” — it costs €5…"
    # (round 59: Western text so refused names the likely conversion)
    with pytest.raises(LoadError, match=r"not UTF-8 text \(invalid byte at line 2; save it as UTF-8, or convert it: "
                                        r"iconv -f cp1252 -t utf-8 FILE > NEW\)"):
        _load(tmp_path, "fr.txt", "ok\ncaf\xe9 cr\xe8me".encode("cp1252"))


def test_pdf_running_headers_footers_and_page_numbers_are_kept_once_or_dropped(tmp_path):
    """Sweep: a header and "Page n of N" on every page were in every page's text, and cut every sentence that
    crossed a page break ("...approved by\nPage 1 of 4\n\nACME Handbook\nthe board")."""
    topics = ["holiday allowance", "expense claims", "remote work", "security training"]
    pages = [["ACME Handbook - Confidential", f"Section {n}: the {t} policy applies to all staff and was approved by",
              f"the board in {2019 + n}. Managers sign every {t} request.", (300, 40, f"Page {n} of 4")]
             for n, t in enumerate(topics, 1)]
    d = _load(tmp_path, "handbook.pdf", pdf_pages_bytes(pages))
    assert d.text.count("ACME Handbook - Confidential") == 1 and "Page" not in d.text
    assert "approved by the board in 2020." in d.text  # the wrapped line continues its sentence
    assert all(f"Managers sign every {t} request." in d.text for t in topics)


def test_pdf_hyphenated_line_breaks_and_ligatures(tmp_path):
    """Sweep: "informa-\ntion" and "ﬁnance" (a ligature glyph) were stored as such: no search for "information" or
    "finance" found them. A hyphen the document itself writes ("self-service") stays."""
    page = ["Good informa-", "tion manage-", "ment helps every-", "one. The self-", "service portal and the self-service",
            "kiosk help too. COVID-", "19 rules apply."]
    d = _load(tmp_path, "h.pdf", pdf_pages_bytes([page]))
    assert "Good information management helps everyone." in d.text
    assert "The self-service portal" in d.text and "COVID-\n19" in d.text  # only lower-case halves are joined
    d = _load(tmp_path, "lig.pdf", pdf_pages_bytes(["BT /F1 10 Tf 72 700 Td (\\256nance and cash \\257ow) Tj ET"]))
    assert d.text == "finance and cash flow"


def test_pdf_without_a_text_layer_names_the_reason(tmp_path):
    with pytest.raises(LoadError, match=r"no extractable text in PDF \(scanned images\? no OCR is done\)"):
        _load(tmp_path, "scan.pdf", pdf_pages_bytes([], image_pages=2))
    # a scan whose only text is the scanner's stamp on every page is a scan too
    with pytest.raises(LoadError, match="no extractable text in PDF"):
        _load(tmp_path, "stamp.pdf", pdf_pages_bytes([["Scanned by OfficeScan"]] * 3))


def test_pdf_aes_without_the_crypto_package_says_so(tmp_path):
    """Sweep: an AES-encrypted PDF that opens without a password (Acrobat's "restrict editing") was reported as
    'password required' (pypdf needs `cryptography` for AES, and its DependencyError was swallowed)."""
    import io

    import pypdf
    from pypdf.generic import NameObject, NumberObject

    pytest.importorskip("pypdf")
    try:
        import cryptography  # noqa: F401
        pytest.skip("cryptography is installed: AES PDFs are readable")
    except ImportError:
        pass
    w = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes("aes text")))
    w.encrypt(user_password="", owner_password="owner", algorithm="RC4-128")
    w._encrypt_entry[NameObject("/V")], w._encrypt_entry[NameObject("/R")] = NumberObject(5), NumberObject(6)
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(LoadError, match=r"encrypted PDF \(AES\): reading it needs the Python package 'cryptography'"):
        _load(tmp_path, "aes.pdf", buf.getvalue())


@pytest.mark.parametrize("algorithm", ["AES-128", "AES-256"])
def test_pdf_aes_that_opens_without_a_password_is_read(tmp_path, algorithm):
    """A runtime dependency since round 35 (`cryptography`): permission-only AES PDFs are common in organisations."""
    import io

    import pypdf

    pytest.importorskip("cryptography")
    w = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes("aes text")))
    w.encrypt(user_password="", owner_password="owner", algorithm=algorithm)
    buf = io.BytesIO()
    w.write(buf)
    assert "aes text" in _load(tmp_path, "aes.pdf", buf.getvalue()).text
    w = pypdf.PdfWriter(clone_from=io.BytesIO(pdf_bytes("secret text")))
    w.encrypt(user_password="letmein", owner_password="owner", algorithm=algorithm)
    buf = io.BytesIO()
    w.write(buf)
    with pytest.raises(LoadError, match=r"encrypted PDF \(password required\)"):
        _load(tmp_path, "locked.pdf", buf.getvalue())


def test_docx_tracked_changes_fields_controls_text_boxes_and_footnotes(tmp_path):
    """Sweep: python-docx's paragraph text dropped tracked insertions ("Budget is  euros."), simple fields,
    content controls (block and inline) and text boxes, and footnotes were nowhere."""
    box = ('<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor><a:graphic><a:graphicData>'
           '<wps:wsp><wps:txbx><w:txbxContent><w:p><w:r><w:t>Boxed note.</w:t></w:r></w:p></w:txbxContent></wps:txbx>'
           '</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>'
           '<v:textbox><w:txbxContent><w:p><w:r><w:t>Boxed note.</w:t></w:r></w:p></w:txbxContent></v:textbox>'
           '</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>')
    raw = docx_xml_bytes(
        '<w:p><w:r><w:t xml:space="preserve">Budget is </w:t></w:r><w:del w:id="1" w:author="a"><w:r><w:delText>ten'
        '</w:delText></w:r></w:del><w:ins w:id="2" w:author="a"><w:r><w:t>twenty</w:t></w:r></w:ins><w:r>'
        '<w:t xml:space="preserve"> euros.</w:t></w:r></w:p>',
        '<w:p><w:r><w:t xml:space="preserve">See </w:t></w:r><w:hyperlink r:id="rId99"><w:r><w:t>the wiki</w:t></w:r>'
        '</w:hyperlink><w:r><w:t xml:space="preserve"> and </w:t></w:r><w:fldSimple w:instr="REF t3"><w:r><w:t>Table 3'
        '</w:t></w:r></w:fldSimple><w:r><w:t>.</w:t></w:r></w:p>',
        '<w:sdt><w:sdtContent><w:p><w:r><w:t>Cover page control.</w:t></w:r></w:p></w:sdtContent></w:sdt>',
        '<w:p><w:r><w:t xml:space="preserve">Owner: </w:t></w:r><w:sdt><w:sdtContent><w:r><w:t>Jane Doe</w:t></w:r>'
        '</w:sdtContent></w:sdt></w:p>',
        f'<w:p><w:r><w:t xml:space="preserve">Before the box.</w:t></w:r>{box}</w:p>',
        '<w:p><w:r><w:t>Revenue grew</w:t></w:r><w:r><w:footnoteReference w:id="2"/></w:r><w:r>'
        '<w:t xml:space="preserve"> last year.</w:t></w:r></w:p>',
        footnotes={"2": "Audited figures, see annex B."})
    text = _load(tmp_path, "t.docx", raw).text
    assert "Budget is twenty euros." in text and "ten" not in text
    assert "See the wiki and Table 3." in text and "Cover page control." in text and "Owner: Jane Doe" in text
    assert "Before the box.\n\nBoxed note." in text and text.count("Boxed note.") == 1
    assert "Revenue grew[1] last year." in text and text.endswith("[1] Audited figures, see annex B.")


def test_docx_lists_keep_their_numbers_and_tables_their_rows(tmp_path):
    """Sweep: list items lost their numbers and bullets ("step 2" had nothing to match); a horizontally merged cell
    was repeated ("Total | Total | 9"); a cell with two paragraphs broke its row over two lines; a table in a cell
    was lost."""
    def build(d):
        for s in ("Open the valve", "Wait ten minutes"):
            d.add_paragraph(s, style="List Number")
        d.add_paragraph("Bring gloves", style="List Bullet")
        t = d.add_table(rows=3, cols=3)
        for c, v in zip(t.rows[0].cells, ("Item", "Note", "Cost")):
            c.text = v
            c.paragraphs[0].runs[0].bold = True  # a header row marked so (round 54: a first row of text may be data)
        t.cell(1, 0).text, t.cell(1, 2).text = "Valve", "5"
        t.cell(1, 1).text = "Brass"
        t.cell(1, 1).add_paragraph("imported")
        t.cell(1, 1).add_table(rows=1, cols=2).rows[0].cells[0].text = "ref A7"
        t.cell(2, 0).merge(t.cell(2, 1)).text = "Total"
        t.cell(2, 2).text = "9"
    text = _load(tmp_path, "l.docx", docx_xml_bytes(build=build)).text
    assert "1. Open the valve\n\n2. Wait ten minutes\n\n- Bring gloves" in text
    # round 54: under its header row a table's rows are labelled, one block (tablerows.labelled_rows)
    assert "- Bring gloves\n\nItem: Valve; Note: Brass imported ref A7; Cost: 5\nItem: Total; Cost: 9" in text


def test_html_tables_layout_tables_pre_and_wrapped_source_lines(tmp_path):
    """Sweep: a data cell holding a <p> or a list (Word and wiki exports) broke its row into paragraphs; a layout
    table's cells (headings, long text) got pipes around whole articles; <pre> code lost its indentation; source line
    breaks inside a <p> became line breaks in the text (a chunk could end mid-sentence there); a multi-line <h3>
    split its `###` from its words; `<br/>` gave a blank line."""
    html = ("<h2>Fees</h2><table><tr><th>Item</th><th>Cost</th></tr><tr><td>Parking</td><td>5 &euro;</td></tr>"
            "<tr><td>Lunch</td><td></td></tr></table><table><tr><td><p>Ann</p></td><td><ul><li>Lead</li><li>Admin</li>"
            "</ul></td></tr></table><table><tr><td><a>Menu</a></td><td><h2>Story</h2><p>The article text.</p>"
            "<p>More article.</p></td></tr></table><pre>\ndef f(x):\n    # add one\n    return x + 1</pre>"
            "<p>This paragraph was\nwrapped by an editor.</p><h3>\n  Multi\n  line</h3><dl><dt>SLA</dt>"
            "<dd>Service level agreement</dd></dl><p>One<br>Two<br/>Three</p>")
    text = _load(tmp_path, "t.html", html).text
    # under its <th> row: labelled (round 55); its heading in each row's key (round 59: loaders/tabletitles.py)
    assert "## Fees\n\nItem: Parking (Fees); Cost: 5 €\nItem: Lunch (Fees)\n\n" in text
    assert "\n\n| Ann | Lead Admin\n\n" in text  # a <p> or a list in a cell is still a data cell
    assert "Menu\n\n## Story\n\nThe article text.\n\nMore article." in text and "| " not in text.split("Admin")[1]
    assert "```\ndef f(x):\n    # add one\n    return x + 1\n```" in text
    assert "This paragraph was wrapped by an editor." in text and "### Multi line" in text
    assert "SLA\nService level agreement" in text and "One\nTwo\nThree" in text


def test_html_site_furniture_dropped_and_empty_pages_explained(tmp_path):
    """Sweep: cookie banners and role=navigation menus were ingested into every page; buttons glued ("AcceptReject");
    a soft hyphen split a word; a page that is only a frame or only a script said just 'empty document'."""
    html = ("<body><div id='cookie-banner'><p>We use cookies.</p><button>Accept</button></div><div role='navigation'>"
            "<a>Home</a><div><a>About</a></div></div><main><h1>Leave</h1><p>Staff get 25 days of infor&shy;mation."
            "</p><p>Press <button>Save</button><button>Cancel</button></p></main><div class='cookie-policy'>Our cookie "
            "policy text.</div></body>")
    text = _load(tmp_path, "p.html", html).text
    assert text == "# Leave\n\nStaff get 25 days of information.\n\nPress Save Cancel\n\nOur cookie policy text."
    with pytest.raises(LoadError, match=r"no text in HTML \(its content is in a frame: body\.html"):
        _load(tmp_path, "f.html", "<html><head><title>W</title></head><body><iframe src='body.html'></iframe></body>")
    with pytest.raises(LoadError, match=r"no text in HTML \(scripts build this page"):
        _load(tmp_path, "s.html", "<body><div id='root'></div><script src='app.js'></script></body>")
    # an unclosed banner (broken markup) never swallows the page
    assert "Kept." in _load(tmp_path, "u.html", "<div class='cookie-banner'><p>Cookies.<p>Kept.").text


def test_markdown_front_matter_variants_setext_headings_fences_and_comments(tmp_path):
    """Sweep: Hugo's TOML front matter was ingested as text; a folded YAML title became '>-'; setext headings were
    not headings; a `# comment` in a code fence became the title; HTML comments (unrendered notes) were content."""
    d = _load(tmp_path, "h.md", '+++\ntitle = "Hugo page"\ndate = 2020-01-02\n+++\n\nBody text.\n')
    assert (d.title, d.doc_date, d.text) == ("Hugo page", "2020-01-02", "Body text.")
    d = _load(tmp_path, "y.md", "\n---\ntitle: >-\n  Folded\n  title\ntags:\n  - a\n---\nBody.\n")
    assert (d.title, d.text) == ("Folded title", "Body.")
    d = _load(tmp_path, "s.md", "Intro line\n\n```sh\n# install deps\n```\n\nGuide\n=====\n\n"
                                "Text <!-- TODO: ask legal -->here.\n\nPart two\n--------\n\nMore.\n\nA para\n\n---\n\nAfter a rule.\n")
    assert d.title == "Guide" and "# Guide\n\nText here." in d.text and "## Part two\n\nMore." in d.text
    assert "```sh\n# install deps\n```" in d.text and "A para\n\n---\n\nAfter a rule." in d.text


def test_encoded_blobs_are_not_text(tmp_path):
    """Sweep: a base64 blob (a data: URI, an attachment pasted into a note) became chunks of noise."""
    import base64

    blob = base64.b64encode(bytes(range(256)) * 4).decode()
    d = _load(tmp_path, "n.md", f"# Note\n\nLogo: ![logo](data:image/png;base64,{blob})\n\nKey:\n"
                                + "\n".join(blob[i:i + 64] for i in range(0, 640, 64)) + "\n\nEnd.\n")
    assert blob[:60] not in d.text and d.text.startswith("# Note\n\nLogo: ![logo](data:image/png;base64,)")
    assert d.text.endswith("Key:\n\nEnd.")
    long_word = "Supercalifragilistic" * 12  # long, but words: kept
    assert long_word in _load(tmp_path, "w.txt", long_word).text



def test_sweep_code_is_not_headings_page_furniture_not_in_every_chunk_office_owner_files_ignored(settings, tmp_path,
                                                                                                 fake):
    """Sweep: a `# comment` in a fenced or indented code block was a heading to the chunker (a cut without overlap,
    a chunk a citation named "# step 3"); a PDF's running header was in every chunk; Word's "~$" owner file of an
    open document failed every run as a corrupt DOCX."""
    from ragtune.appliance.ingest.pipeline import ingest_paths
    from ragtune.appliance.store import Store

    steps = "".join(f"# step {i}\nrun --task {i} --verbose --retries 3 --timeout 30\n" for i in range(40))
    d = tmp_path / "d"
    d.mkdir()
    (d / "ops.md").write_text(f"# Ops\n\nIntro.\n\n```sh\n{steps}```\n\n## Rollback\n\nRedeploy.\n")
    (d / "ops.txt").write_text("Script:\n\n" + "".join(f"    {x}\n" for x in steps.splitlines()))
    w = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa".split()
    (d / "hb.pdf").write_bytes(pdf_pages_bytes([["ACME Handbook - Confidential", *(
        f"Rule {p}.{i}: {x} staff file form {w[-i]} each week." for i, x in enumerate(w[:12])), f"Page {p} of 6"]
        for p in range(1, 7)]))
    (d / "~$hb.docx").write_bytes(b"\x05Owner" + b"\x00" * 150)
    s = ingest_paths(settings, [d], embedder=fake)
    assert (s.added, s.failed, s.ignored) == (3, [], 1)
    with Store(settings.home.db_path) as st:
        rows = st.query("SELECT d.kind, c.text FROM chunks c JOIN documents d ON d.id=c.doc_id ORDER BY c.id")
    code, pdf = [t for k, t in rows if k in ("md", "txt")], [t for k, t in rows if k == "pdf"]
    assert len(code) > 4 and not any(t.lstrip().startswith("# step") for t in code)
    assert len(pdf) > 1 and sum("ACME Handbook" in t for t in pdf) == 1 and not any("Page " in t for t in pdf)
