"""Loader and chunker edge cases (round 39): an ESC in a PDF's text, the charsets an HTML page may declare, UTF-16
without a byte-order mark in scripts other than Latin, titles holding control characters, and the chunker's memory
on a long line without spaces (with its chunks pinned to what they were before)."""

from __future__ import annotations

import hashlib
import io
import json
import random
import struct
import tracemalloc

import numpy as np
import pytest

from ragtune.appliance.ingest import chunker
from ragtune.appliance.ingest.chunker import chunk_text
from ragtune.appliance.ingest.loaders import Document, LoadError, load_file
from ragtune.appliance.ingest.loaders.base import clean_text, clean_title, decode_utf16_unmarked
from ragtune.appliance.ingest.loaders.web_charset import web_codec

from .ingest_helpers import pdf_bytes, real_tokenizer


def _load(tmp_path, name, raw) -> Document:
    p = tmp_path / name
    p.write_bytes(raw)
    return load_file(p)


# -- 1. an ESC eats no text --------------------------------------------------------------------------------------
def test_an_esc_in_pdf_text_is_dropped_and_the_letters_after_it_kept(tmp_path):
    """QA: an ESC then a space and a letter lost the letter (read as a terminal's `ESC SP F` sequence): in a PDF an
    ESC is a glyph a font put at code 27 (TeX's T1 fonts: the "ff" ligature), never a terminal's."""
    text = "Alpha\x1b Bravo charlie. sta\x1b meeting, \x1bDelta \x1b]0;echo and the rest of the page."
    d = _load(tmp_path, "r.pdf", pdf_bytes(text))
    assert d.text == "Alpha Bravo charlie. sta meeting, Delta ]0;echo and the rest of the page."


@pytest.mark.parametrize("name, wrap", [("log.txt", "{}"), ("log.md", "{}"), ("page.html", "<p>{}</p>")])
def test_a_stray_esc_in_other_files_eats_no_letter_and_real_sequences_still_go(tmp_path, name, wrap):
    raw = wrap.format("Alpha\x1b Bravo and \x1b[1;31mred\x1b[0m, \x1b(Bplain \xc2\x9b Charlie.").encode("latin-1")
    assert _load(tmp_path, name, raw).text == "Alpha Bravo and red, plain  Charlie."


def test_an_osc_left_open_ends_at_its_line():
    """It took the rest of the file: one stray `ESC ]` and every line after it was gone."""
    assert clean_text("title\x1b]0;retitled\nnext line\nlast line") == "title\nnext line\nlast line"
    assert clean_text("a\x1b]0;x\x07b \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\") == "ab link"  # closed ones as before


def test_clean_text_without_escapes_drops_each_esc_alone():
    assert clean_text("sta\x1b meeting \x1b[31mred", escapes=False) == "sta meeting [31mred"
    assert clean_text("sta\x1b meeting \x1b[31mred") == "sta meeting red"


# -- 2. only the charsets a browser reads ------------------------------------------------------------------------
_NOT_PAGE_ENCODINGS = ["rot13", "base64", "uu", "idna", "punycode", "zlib", "utf-7", "unicode_escape",
                       "raw_unicode_escape", "hex", "bz2", "quopri", "cp037", "undefined", "x-user-defined",
                       "iso-2022-kr", "hz-gb-2312", "mbcs", "cp437", "nope"]


@pytest.mark.parametrize("label", _NOT_PAGE_ENCODINGS)
def test_a_declared_charset_that_is_not_a_page_encoding_is_not_honoured(tmp_path, label):
    """Any Python codec name was used: cp037 (EBCDIC) or utf-7 read a page into noise, unicode_escape read its `\\u`
    escapes as characters. Such a declaration is ignored: the bytes go to the usual detection."""
    assert web_codec(label) is None
    smart = f"<meta charset={label}><p>don\x92t \\u0041 panic +AGEAYg-</p>".encode("latin-1")
    assert _load(tmp_path, "smart.html", smart).text == "don\u2019t \\u0041 panic +AGEAYg-"  # cp1252 punctuation
    accented = f"<meta charset='{label}'><p>caf\xe9</p>".encode("latin-1")
    with pytest.raises(LoadError, match=f"^not UTF-8 text \\(it declares charset {label}, not one a browser reads"):
        _load(tmp_path, "accented.html", accented)


@pytest.mark.parametrize("label, raw, shown", [
    ("windows-1251", "Привет".encode("cp1251"), "Привет"),
    ("KOI8-R", "Привет".encode("koi8_r"), "Привет"),
    ("shift_jis", "日本語".encode("cp932"), "日本語"),
    ("x-sjis", "日本語".encode("cp932"), "日本語"),
    ("gb2312", "中文".encode("gbk"), "中文"),
    ("big5", "中文".encode("big5"), "中文"),
    ("euc-kr", "한국어".encode("cp949"), "한국어"),
    ("ks_c_5601-1987", "한국어".encode("cp949"), "한국어"),
    ("iso-8859-2", "Łódź".encode("iso8859_2"), "Łódź"),
    ("ISO_8859-1:1987", b"caf\xe9", "café"),
    # ISO-8859-1, latin1 and ASCII are windows-1252 to a browser: its quotes, not C1 controls (which were dropped)
    ("iso-8859-1", b"\x93quoted\x94 caf\xe9", "\u201cquoted\u201d café"),
    ("us-ascii", b"\x93quoted\x94", "\u201cquoted\u201d"),
    ("latin-1", b"\x93quoted\x94", "\u201cquoted\u201d"),  # Python's spellings of the same encodings
    ("utf_8", "café ".encode() + b"\xff", None),
])
def test_page_encodings_are_read_as_a_browser_reads_them(tmp_path, label, raw, shown):
    page = b"<html><head><meta charset='" + label.encode() + b"'></head><body><p>" + raw + b"</p></body></html>"
    if shown is None:
        with pytest.raises(LoadError, match="^not valid utf_8 text \\(declared charset\\)$"):
            _load(tmp_path, "p.html", page)
    else:
        assert _load(tmp_path, "p.html", page).text == shown


def test_http_equiv_the_first_page_encoding_declared_and_cp1252_undefined_bytes(tmp_path):
    equiv = b"<meta http-equiv='Content-Type' content='text/html; charset=windows-1253'><p>\xe1\xe2\xe3</p>"
    assert _load(tmp_path, "a.html", equiv).text == "αβγ"
    second = b"<meta charset=utf-7><meta charset=windows-1251><p>\xcf\xf0\xe8</p>"  # the first is skipped
    assert _load(tmp_path, "b.html", second).text == "При"
    holes = b"<meta charset=iso-8859-1><p>caf\xe9 \x81x\x8d\x8f\x90\x9d</p>"  # undefined in cp1252: no failure
    assert _load(tmp_path, "c.html", holes).text == "café x"


def test_web_codec_labels():
    assert web_codec(" UTF8 ") == "utf-8" and web_codec("unicode-1-1-utf-8") == "utf-8"
    assert web_codec("latin1") == web_codec("windows_1252") == web_codec("ascii") == "cp1252"
    assert web_codec("iso-8859-9") == "cp1254" and web_codec("tis-620") == "cp874"
    assert web_codec("gbk") == web_codec("gb2312") == "gb18030" and web_codec("shiftjis") == "cp932"


# -- 3. UTF-16 without a byte-order mark, in any script --------------------------------------------------------
_SCRIPTS = {
    "cyrillic": "Привет мир, это тест. Вторая строка: 42 рубля.\n",
    "greek": "Γεια σου κόσμε. Η δεύτερη γραμμή.\n",
    "chinese": "季度报告显示收入增长。第二行，价格上涨了百分之三。\n",
    "chinese-traditional": "季度報告顯示收入增長。第二行，價格上漲了百分之三。\n",
    "japanese": "日本語のテキストです。カタカナとひらがな、漢字。\n",
    "korean": "안녕하세요 세계. 두 번째 줄입니다.\n",
    "hebrew": "שלום עולם, זו בדיקה.\n",
    "arabic": "مرحبا بالعالم، هذا اختبار.\n",
    "mixed": "Python 3.11 的文档（中文版）已发布。\n",
}


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("script", sorted(_SCRIPTS))
def test_utf16_without_a_bom_in_other_scripts_is_read(tmp_path, script, enc):
    """QA: only mostly-Latin text was recognised (a NUL in every other byte); UTF-16 Cyrillic, Greek or CJK without a
    BOM was "binary file"."""
    text = _SCRIPTS[script]
    assert decode_utf16_unmarked((text * 300).encode(enc)) == text * 300
    assert decode_utf16_unmarked(text.encode(enc)) == text  # one line
    assert _load(tmp_path, "export.txt", (text * 20).encode(enc)).text == (text * 20).strip()
    assert _load(tmp_path, "export.md", text.encode(enc)).text == text.strip()


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_short_utf16_files(enc):
    for text in ("你好\n", "Да, 5\n", "日本\r\n", "αβ γ"):
        assert decode_utf16_unmarked(text.encode(enc)) == text, text
    # No code unit with a NUL byte (no line break, space, digit): no evidence, as before
    assert decode_utf16_unmarked("季度报告显示收入增长".encode(enc)) is None
    assert decode_utf16_unmarked(("季度报告显示收入增长" * 500 + "\n").encode(enc)) is None  # none in the first 8 KB


_LEGACY = [("cyrillic", "cp1251"), ("cyrillic", "koi8_r"), ("greek", "cp1253"), ("chinese", "gbk"),
           ("chinese-traditional", "big5"),
           ("japanese", "shift_jis"), ("japanese", "euc_jp"), ("korean", "euc_kr"), ("hebrew", "cp1255"),
           ("arabic", "cp1256"), ("mixed", "gb18030")]


@pytest.mark.parametrize("script, enc", _LEGACY)
@pytest.mark.parametrize("times", [1, 3, 300])
def test_legacy_code_pages_and_utf8_are_not_utf16(script, enc, times):
    """Read as UTF-16, GBK or Shift-JIS are pure Han or Hangul in one byte order: only the missing NUL bytes (no line
    break, space or digit) tell them from UTF-16."""
    for raw in ((_SCRIPTS[script] * times).encode(enc), (_SCRIPTS[script] * times).encode("utf-8")):
        raw = raw[:len(raw) // 2 * 2]
        assert decode_utf16_unmarked(raw) is None


def _words(rnd: random.Random, letters: str, n: int) -> str:
    return " ".join("".join(rnd.choices(letters, k=rnd.randrange(2, 9))) for _ in range(n))


def test_other_bytes_are_not_utf16():
    rnd = random.Random(39)
    for n in (4, 8, 16, 40, 200, 3000):
        english = (_words(rnd, "etaoinshrdlucmfwyp", n) + " \u201cquoted\u201d \u2014 don\u2019t.\n").encode("cp1252")
        french = (_words(rnd, "etaoinsrdlucmpévqfbghjàxèyêzç", n) + ".\n").encode("cp1252")
        utf8_bad = (_words(rnd, "абвгдежзийклмнопрст", n)).encode() + b"\xff" + "конец".encode()
        print0 = b"\x00".join(f"./dir{rnd.randrange(99)}/file_{rnd.randrange(9999)}.txt".encode() for _ in range(n))
        noise = rnd.randbytes(2 * n)
        nul_log = _words(rnd, "etaoinshrdlu", n).encode() + b"\x00" * 64 + b"tail"
        for raw in (english, french, utf8_bad, print0, noise, nul_log):
            raw = raw[:len(raw) // 2 * 2]
            assert decode_utf16_unmarked(raw) is None, raw[:40]
    pcm = struct.pack("<4000h", *(rnd.randrange(-3000, 3000) for _ in range(4000)))  # audio samples
    assert decode_utf16_unmarked(pcm) is None


def test_a_legacy_code_page_file_is_still_refused_with_its_reason(tmp_path):
    with pytest.raises(LoadError, match="^not UTF-8 text"):
        _load(tmp_path, "gbk.txt", (_SCRIPTS["chinese"] * 10).encode("gbk"))


# -- 5. titles are one line of text -----------------------------------------------------------------------------
@pytest.mark.parametrize("title, shown", [
    ("\x00R\x00e\x00p\x00o\x00r\x00t", "Report"),  # UTF-16 without its BOM, read as PDFDocEncoding
    ("Annual\x00 Report\x1b[2J\t2023\r\n(final)\x7f\x85", "Annual Report[2J 2023 (final)"),
    ("Résumé — Q3 (draft) ☃", "Résumé — Q3 (draft) ☃"),  # a valid title is unchanged
    ("\x00Untitled\x01", "q3 notes"),  # nothing left but Office's placeholder: the file's name
    ("\x01\x02 \x03", "q3 notes"),
])
def test_pdf_title_control_characters_are_dropped(tmp_path, title, shown):
    d = _load(tmp_path, "q3_notes.pdf", pdf_bytes("The quarterly report.", title=title))
    assert d.title == shown


def test_titles_of_other_formats_are_one_line_too(tmp_path):
    html = b"<title>Garden\x01 \x1b[31mtips\n\t2024</title><p>Water.</p>"
    assert _load(tmp_path, "g.html", html).title == "Garden [31mtips 2024"
    md = b"---\ntitle: \"Cats\x07 and\x1f\x02dogs\"\n---\nText.\n"
    assert _load(tmp_path, "c.md", md).title == "Cats and dogs"
    assert _load(tmp_path, "d.md", b"# Dogs \x1b and cats\n\nText.\n").title == "Dogs and cats"

    import docx

    d = docx.Document()
    d.add_paragraph("Body text.")
    d.core_properties.title = "Travel\tpolicy\n2024"
    buf = io.BytesIO()
    d.save(buf)
    assert _load(tmp_path, "t.docx", buf.getvalue()).title == "Travel policy 2024"


def test_clean_title():
    assert clean_title("  Plain title ") == "Plain title"
    assert clean_title("A\ud800B") == "A\ufffdB" and clean_title("a\x1cb") == "a b"
    assert clean_title("Café\u00a0— “x”") == "Café — “x”"


# -- 4. the chunker on a long line without spaces ----------------------------------------------------------------
def normal_document(seed: int = 39) -> str:
    """A generated markdown document of every shape the chunker cuts (headings, fences, lists, tables, sentences,
    long words, hex runs, non-Latin text). Its chunks below were pinned on the chunker before round 39."""
    rnd = random.Random(seed)
    words = ["the", "report", "covers", "revenue", "growth", "in", "Q3,", "naïve", "co-op", "(see", "table)", "über",
             "déjà", "vu", "München", "2023-04-05", "3.5%", "e.g.", "Привет", "мир", "中文", "テキスト", "x" * 30,
             "supercalifragilisticexpialidocious", "“quoted”", "—", "end.", "why?", "yes!", "a;", "b:"]
    parts = []
    for i in range(120):
        kind = rnd.randrange(8)
        if kind == 0:
            parts.append("#" * rnd.randrange(1, 4) + f" Section {i}\n\n")
        elif kind == 1:
            parts.append("```python\n# a comment, not a heading\nprint('x')\n```\n\n")
        elif kind == 2:
            parts.append("".join(f"- item {j} " + " ".join(rnd.choices(words, k=rnd.randrange(3, 12))) + "\n"
                                 for j in range(rnd.randrange(2, 6))) + "\n")
        elif kind == 3:
            parts.append(" | ".join(rnd.choices(words, k=4)) + "\n")
        elif kind == 4:
            parts.append("".join(rnd.choices("0123456789abcdef", k=rnd.randrange(50, 400))) + "\n\n")
        else:
            sentences = [" ".join(rnd.choices(words, k=rnd.randrange(4, 25))).capitalize() + rnd.choice(".!?")
                         for _ in range(rnd.randrange(1, 9))]
            parts.append(" ".join(sentences) + rnd.choice(["\n", "\n\n"]))
    return "".join(parts)


def _digest(chunks) -> str:
    rows = [[c.ord, c.start_char, c.end_char, c.n_tokens, c.text] for c in chunks]
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@pytest.fixture(scope="module")
def tok():
    return real_tokenizer()


# computed with the chunker as it was before round 39 (all token spans held at once)
_PINNED = {
    (200, 40): (92, "d987c56755a16eafbc3c65db910e9ce58b16d26829e9930c09e429e6b6f53bb4"),
    (100, 20): (182, "0043449ad4933c07afebe608a6b5434570570b7d97a925e9385ec87c2eae77dd"),
    (64, 0): (236, "5c343b6dbc18501b5d5e18cedec7d89da018ad83aacad54c33d825e1d19f3ae4"),
    (30, 14): (903, "120bc3e2f4101aa1a29140da5e4d9bdcfd3e78c264f5856c4ec005c6cccc08f1"),
}
_PINNED_BIG = {  # ten documents and a 120 000-character hex run: many blocks, tokens dropped from the window
    (200, 40): (1497, "0235057efa5d593f42603ca0fb11674dd85e4181b8e863472eef0bde64fd3bdd"),
    (64, 0): (3749, "29bc06374c6bdf387a71791b265416449e72007a8c72866e24f42489a38e92bc"),
}


@pytest.mark.parametrize("sizes", sorted(_PINNED))
def test_chunks_of_a_normal_document_are_as_before(tok, sizes):
    doc = normal_document()
    assert hashlib.sha256(doc.encode()).hexdigest()[:16] == "cb34ecfc6ab49ffd"  # the generator is unchanged
    chunks = chunk_text(doc, tok, chunk_tokens=sizes[0], overlap_tokens=sizes[1])
    assert (len(chunks), _digest(chunks)) == _PINNED[sizes]


@pytest.mark.parametrize("sizes", sorted(_PINNED_BIG))
def test_chunks_of_a_long_document_are_as_before(tok, sizes):
    big = "\n\n".join(normal_document(s) for s in range(10)) + random.Random(7).randbytes(60_000).hex() + "\n\nend words."
    assert len(big) > 6 * chunker.BLOCK_CHARS
    chunks = chunk_text(big, tok, chunk_tokens=sizes[0], overlap_tokens=sizes[1])
    assert (len(chunks), _digest(chunks)) == _PINNED_BIG[sizes]


class _CharTokenizer:
    """A token per character that is not a space, its offsets an array (no Python object per token): the chunker's
    own memory is what is measured."""

    class _Offsets:
        def __init__(self, text: str):
            at = np.flatnonzero(np.frombuffer(text.encode("ascii"), dtype=np.uint8) != 32)
            self.spans = np.stack([at, at + 1], axis=1)

        def __len__(self):
            return len(self.spans)

        def __array__(self, dtype=None, copy=None):
            return self.spans.astype(dtype or self.spans.dtype)

    class _Enc:
        def __init__(self, text: str):
            self.offsets = _CharTokenizer._Offsets(text)

    def encode(self, text, add_special_tokens=True):
        return self._Enc(text)


def test_chunking_a_long_line_holds_no_span_per_token():
    """QA: a 50 MB line without spaces peaked at 533 MB while chunking: the start and end of every one of its 36 M
    tokens were held at once, for a loop that looks one chunk ahead. Spans are now read a block at a time and
    forgotten behind the chunk: what chunking holds beyond the chunks it returns does not grow with the text."""
    text = random.Random(8).randbytes(2_000_000).hex()  # 4 M tokens: their spans alone were 32 MB
    tracemalloc.start()
    try:
        chunks = chunk_text(text, _CharTokenizer())
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(chunks) == -(-(len(text) - 200) // 160) + 1 and chunks[-1].end_char == len(text)
    assert peak - kept < 12 * 2**20, (peak - kept) / 2**20  # 30 MiB before, 5 MiB now
