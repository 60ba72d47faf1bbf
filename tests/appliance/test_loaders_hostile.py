"""Loaders against hostile and broken documents (round 37 QA): each gives its text or a one-line reason, in bounded
time and memory, and never indexes what a reader of the document does not see."""

from __future__ import annotations

import io
import time
import zipfile

import pytest

from ragtune.appliance.ingest.loaders import LoadError, iter_beir_documents, load_file

from .ingest_helpers import docx_bytes, docx_xml_bytes, pdf_pages_bytes


def _load(tmp_path, name, raw):
    p = tmp_path / name
    p.write_bytes(raw if isinstance(raw, bytes) else raw.encode("utf-8"))
    return load_file(p)


@pytest.mark.parametrize("tail", ["<!--" * 60_000, "<a b='" * 20_000, "<?" * 60_000, "</" * 60_000],
                         ids=["comment", "attribute", "pi", "endtag"])
def test_html_markup_left_open_at_the_end_is_linear_and_not_text(tmp_path, tail):
    """QA: html.parser (before 3.13.4) rescanned to the end of the file for each construct left open there: 120 KB
    of `<a b='` took 33 s, 1.2 MB of `<!--` over 2 minutes. HTML5 shows none of it."""
    t = time.monotonic()
    d = _load(tmp_path, "p.html", "<p>Kept text.</p>" + tail)
    assert d.text == "Kept text." and time.monotonic() - t < 10


def test_html_unclosed_comment_hides_the_rest_and_bare_lt_is_text(tmp_path):
    """QA: a comment never closed was indexed from `<!--` on, markup and all (HTML5: it runs to the end of the page,
    unseen); a tag cut off by the end of the file was text. A `<` that opens nothing stays text."""
    d = _load(tmp_path, "c.html", "<p>Shown: x < y &lt; z, a<3</p><!-- draft <p>Hidden draft.</p>")
    assert d.text == "Shown: x < y < z, a<3"
    assert _load(tmp_path, "t.html", "<p>Last words.</p><div cla").text == "Last words."
    # a `<!--` inside a script is not a comment: the page after it is read
    d = _load(tmp_path, "s.html", "<script>var s = '<!--';</script><p>After the script.</p>")
    assert d.text == "After the script."


@pytest.mark.parametrize("tail", ["<p title='aaa > bbb", '<p class="x" title="a>b\nc > d', "<img alt='1' src=\"a>b",
                                  "</p title='x>y"])
def test_html_attribute_quote_left_open_at_the_end_drops_the_tag(tmp_path, tail):
    """QA: a quoted attribute value never closed, with a `>` in it, was indexed as text (`<p title='aaa > bbb`);
    HTML5 drops a tag that the end of the file cuts off, as it did when no `>` followed."""
    assert _load(tmp_path, "q.html", "<p>Kept text.</p>" + tail).text == "Kept text."


def test_html_quotes_in_text_and_closed_values_are_kept(tmp_path):
    d = _load(tmp_path, "k.html", "<p title='a=\"b'>It's x = 'y' > z</p><a href=\"u\">it's a='b")
    assert d.text == "It's x = 'y' > z\nit's a='b"


def test_html_long_open_attribute_at_the_end_is_linear(tmp_path):
    t = time.monotonic()
    d = _load(tmp_path, "l.html", "<p>Kept text.</p><p title='" + "a > b " * 400_000)
    assert d.text == "Kept text." and time.monotonic() - t < 10


def test_html_marked_section_that_stdlib_rejects_is_a_bogus_comment(tmp_path):
    """QA: `<![ x ]>` raised AssertionError in _markupbase: the whole page failed ('cannot parse HTML')."""
    assert _load(tmp_path, "m.html", "<p>One</p><![ if !IE ]><p>Two</p><![endif]>").text == "One\n\nTwo"


def test_html_hidden_code_is_never_text(tmp_path):
    html = ("<head><title>T</title><style>.a{}</style></head><body><noscript>noscriptword</noscript><template><p>"
            "templateword</p></template><p>Visible</p><script type='application/ld+json'>{\"ld\": 1}</script>"
            "<svg><text>svgword</text></svg><p>A<![CDATA[cdataword]]>B</p></body>")
    assert _load(tmp_path, "h.html", html).text == "Visible\n\nAB"


def test_html_deep_nesting_and_huge_attributes(tmp_path):
    d = _load(tmp_path, "n.html", "<body>" + "<div>" * 10_000 + "deep" + "</div>" * 10_000 + "<p>after</p>")
    assert d.text == "deep\n\nafter"
    assert _load(tmp_path, "a.html", "<p title='" + "a" * 2_000_000 + "'>text</p>").text == "text"


def test_markdown_raw_script_and_style_blocks_are_not_text(tmp_path):
    """QA: an analytics snippet or a <style> block in a README (raw HTML, never rendered) was indexed."""
    md = ("# Doc\n\n<script async src='x.js'>\nwindow.dataLayer = [];\n</script>\n\n<STYLE>\n.x { color: red }\n"
          "</STYLE>\nAfter.\n\nUse `<script>` tags.\n\n```html\n<script>kept()</script>\n```\n")
    d = _load(tmp_path, "r.md", md)
    assert "dataLayer" not in d.text and "color" not in d.text
    # (a code span reads as its text, round 59: loaders/md_inline.py)
    assert "After." in d.text and "Use <script> tags." in d.text and "<script>kept()</script>" in d.text


def _zip_with(raw: bytes, name: str, size: int) -> bytes:
    """`raw` (a DOCX) with the member `name` replaced by `size` zero bytes, deflated (a zip bomb when large)."""
    zin = zipfile.ZipFile(io.BytesIO(raw))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            if info.filename != name:
                z.writestr(info.filename, zin.read(info.filename))
        zi = zipfile.ZipInfo(name)
        zi.compress_type = zipfile.ZIP_DEFLATED
        with z.open(zi, "w", force_zip64=True) as f:
            block = b"\0" * (1 << 20)
            for _ in range(size >> 20):
                f.write(block)
    return out.getvalue()


def test_docx_zip_bomb_is_refused_from_the_directory(tmp_path, monkeypatch):
    """QA: a 3 MB DOCX whose document.xml unpacks to 3 GB took 6.4 GB of memory (python-docx inflates every part)."""
    from ragtune.appliance.ingest.loaders import word

    monkeypatch.setattr(word, "_MAX_UNPACKED", 8 << 20)  # the same check, at a size a test can build quickly
    raw = _zip_with(docx_bytes(), "word/media/bomb.bin", 16 << 20)
    assert len(raw) < 100_000
    with pytest.raises(LoadError, match=r"^corrupt DOCX: its parts unpack to 1[67] MB \(over 8 MB: a zip bomb\?\)$"):
        _load(tmp_path, "bomb.docx", raw)
    assert "trains" in _load(tmp_path, "ok.docx", docx_bytes()).text


def test_docx_not_a_word_zip_and_hostile_xml(tmp_path):
    zb = io.BytesIO()
    with zipfile.ZipFile(zb, "w") as z:
        z.writestr("hello.txt", "hi")
    with pytest.raises(LoadError, match=r"^corrupt DOCX: There is no item named '\[Content_Types\]\.xml'"):
        _load(tmp_path, "renamed.docx", zb.getvalue())
    good = docx_bytes()
    xml = zipfile.ZipFile(io.BytesIO(good)).read("word/document.xml").decode()

    def with_xml(doc: str) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(good)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
            for info in zin.infolist():
                z.writestr(info.filename, doc if info.filename == "word/document.xml" else zin.read(info.filename))
        return out.getvalue()

    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET")
    xxe = xml.replace("<w:document", f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "file://{secret}">]><w:document', 1)
    assert "TOPSECRET" not in _load(tmp_path, "xxe.docx", with_xml(xxe.replace("Employees", "Employees &x;"))).text
    lol = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    laughs = xml.replace("<w:document", f'<!DOCTYPE w:document [<!ENTITY l0 "lol">{lol}]><w:document', 1)
    with pytest.raises(LoadError, match="^corrupt DOCX: "):
        _load(tmp_path, "lol.docx", with_xml(laughs.replace("Employees", "Employees &l9;")))


def test_docx_hidden_text_is_not_indexed(tmp_path):
    """QA: text formatted as hidden (Font > Hidden: w:vanish), which Word neither shows nor prints, was indexed."""
    raw = docx_xml_bytes(
        '<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>HIDDENWORD</w:t></w:r><w:r><w:t xml:space="preserve">Shown'
        '</w:t></w:r><w:r><w:rPr><w:vanish w:val="0"/></w:rPr><w:t xml:space="preserve"> also shown.</w:t></w:r></w:p>',
        '<w:p><w:del w:id="1" w:author="a"><w:r><w:delText>DELETEDWORD</w:delText></w:r></w:del><w:r><w:t>Kept.'
        '</w:t></w:r></w:p>')
    text = _load(tmp_path, "h.docx", raw).text
    assert text == "Shown also shown.\n\nKept."


def test_pdf_one_line_per_page_differing_in_numbers_is_content(tmp_path):
    """QA: a PDF of one line per page ("Certificate 1 issued to …", labels) was all 'running header': no text."""
    pages = [[f"Certificate {i} issued on day {i} of the course."] for i in range(1, 8)]
    d = _load(tmp_path, "certs.pdf", pdf_pages_bytes(pages))
    assert all(f"Certificate {i} issued on day {i}" in d.text for i in range(1, 8))
    with pytest.raises(LoadError, match="no extractable text in PDF"):  # a stamp alone is still no text
        _load(tmp_path, "stamp.pdf", pdf_pages_bytes([["Scanned by OfficeScan"]] * 4))
    with pytest.raises(LoadError, match="no extractable text in PDF"):  # nor page numbers alone
        _load(tmp_path, "numbers.pdf", pdf_pages_bytes([[f"Page {i} of 5"] for i in range(1, 6)]))


@pytest.mark.parametrize("line,reason", [
    ('{"_id": "d", "text": "x", "m": ' + "[" * 100_000 + "]" * 100_000 + "}", "invalid JSON: nested too deeply"),
    ("[1, 2]", "expected a JSON object, got list"),
    ('{"_id": "a", "text": "again"}', "duplicate _id 'a'"),
], ids=["deep", "list", "duplicate"])
def test_beir_bad_lines_name_file_and_line(tmp_path, line, reason):
    """QA: a line nested 100,000 deep escaped as a RecursionError traceback."""
    p = tmp_path / "corpus.jsonl"
    p.write_text('{"_id": "a", "text": "ok"}\n\n' + line + "\n", encoding="utf-8")
    with pytest.raises(LoadError) as ei:
        list(iter_beir_documents(p))
    assert ei.value.reason == f"{p}:3: {reason}"
