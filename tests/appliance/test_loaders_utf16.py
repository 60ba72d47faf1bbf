"""UTF-16 without a byte-order mark whose first 8 KB has no space, digit or line break (no code unit with a NUL
byte): read when its code units could only be UTF-16's (base._wide_evidence), never for the same text in a legacy
code page or UTF-8, nor for other bytes."""

from __future__ import annotations

import random

import pytest

from ragtune.appliance.ingest.loaders import LoadError, load_file
from ragtune.appliance.ingest.loaders.base import decode_utf16_unmarked

# Running text with no character of the Latin-1 range: no space, digit, line break or ASCII punctuation
_NO_SPACE = {
    "chinese": "季度报告显示收入增长了很多。公司在今年第二季度的销售额比去年同期有所提高，主要原因是新产品的推出和市场"
               "需求的增加。管理层表示，他们将继续投资于研发，以保持竞争优势。员工人数也有所增加，新的办公室已经在上海"
               "开设。",
    "chinese-traditional": "季度報告顯示收入增長了很多。公司在今年第二季度的銷售額比去年同期有所提高，主要原因是新產品的推出"
                           "和市場需求的增加。管理層表示，他們將繼續投資於研發，以保持競爭優勢。",
    "japanese": "日本語のテキストです。会議は来週の月曜日に開かれる予定で、全員の出席が求められています。資料は事前に"
                "配布されますので、必ず目を通しておいてください。質問がある場合は担当者まで連絡してください。",
    "korean": "안녕하세요세계。회의는다음주월요일에열릴예정이며모든직원의참석이필요합니다。자료는미리배포됩니다。",
    "cyrillic": "приветмирэтотекстбезпробеловонбылзаписанвкодировкеютишестнадцатьбезметкипорядкабайтов",
    "cyrillic-mixed": "ПриветМирЭтоТекстБезПробеловКвартальныйОтчётПоказалРостВыручкиНаТриПроцента",
    "greek": "ΓειασουκόσμεΗδεύτερηγραμμήτουκειμένουδενέχεικενάήαριθμούςΤοσυμβούλιοσυνεδριάζειτηΔευτέρα",
    "hebrew": "שלוםעולםזובדיקהשלטקסטללארווחיםהישיבההבאהתתקייםביוםשני",
    "arabic": "مرحبابالعالمهذااختبارلنصبدونمسافاتسيعقدالاجتماعالقادميومالاثنين",
}


def _long(text: str) -> str:
    """Over 8 KB of UTF-16: the detection looks at the first 8 KB only."""
    return text * (8192 // (2 * len(text)) + 2)


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("script", sorted(_NO_SPACE))
def test_utf16_with_no_space_digit_or_line_break_is_read(tmp_path, script, enc):
    """Closing note of round 39: such a file was "binary file" (or "not UTF-8 text")."""
    text = _NO_SPACE[script]
    assert not any(ord(c) < 0x100 for c in text)  # no code unit with a NUL byte: the case the note names
    for t in (text, _long(text)):
        assert decode_utf16_unmarked(t.encode(enc)) == t
    for name in ("export.txt", "export.md"):
        p = tmp_path / name
        p.write_bytes(_long(text).encode(enc))
        assert load_file(p).text == _long(text)


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_characters_beyond_the_bmp_count_as_no_evidence(enc):
    """A character over U+FFFF is a surrogate pair: it crashed the evidence count (its high byte is not a byte)."""
    text = "𠁁𠁂" + _NO_SPACE["chinese"] + "😁"
    assert decode_utf16_unmarked(text.encode(enc)) == text
    assert decode_utf16_unmarked(("𠁁😁" * 40).encode(enc)) is None  # nothing tells such pairs from other bytes


@pytest.mark.parametrize("enc", ["utf-16-le", "utf-16-be"])
def test_latin_without_spaces_is_read(enc):
    """Latin letters are code units with a NUL byte: read as before, spaces or none."""
    for text in ("QuarterlyReportRevenueGrew" * 200, "CaféCrèmeBrûléeNaïveté" * 300):
        assert decode_utf16_unmarked(text.encode(enc)) == text


@pytest.mark.parametrize("script, legacy", [
    ("chinese", "gbk"), ("chinese", "gb18030"), ("chinese-traditional", "big5"), ("japanese", "shift_jis"),
    ("japanese", "euc_jp"), ("japanese", "cp932"), ("korean", "euc_kr"), ("korean", "cp949"),
    ("cyrillic", "cp1251"), ("cyrillic", "koi8_r"), ("cyrillic", "cp866"), ("cyrillic-mixed", "cp1251"),
    ("greek", "cp1253"), ("greek", "iso8859_7"), ("hebrew", "cp1255"), ("arabic", "cp1256"),
    ("chinese", "utf-8"), ("cyrillic", "utf-8"), ("korean", "utf-8"),
])
@pytest.mark.parametrize("long", [False, True])
def test_the_same_text_in_another_encoding_is_not_utf16(script, legacy, long):
    text = _long(_NO_SPACE[script]) if long else _NO_SPACE[script]
    try:
        raw = text.encode(legacy)
    except UnicodeEncodeError:
        pytest.skip(f"{legacy} cannot write this text")
    for r in (raw, raw[1:], raw + b"\xff", raw[:-1] + b"\xff\xfe"):  # shifted by a byte, not valid UTF-8
        r = r[:len(r) // 2 * 2]
        assert decode_utf16_unmarked(r) is None, (legacy, r[:20])


def test_other_bytes_without_nul_are_not_utf16():
    rnd = random.Random(40)
    words = " ".join("".join(rnd.choices("абвгдежзийклмнопрстуфхцчшщыьэюя", k=rnd.randrange(2, 9)))
                     for _ in range(2000))
    cases = [
        words.encode() + b"\xff" + "конец".encode(),  # UTF-8 Cyrillic with spaces and a bad byte: Hangul either way
        words.encode("cp1251"),
        "|".join(f"8=FIX.4.2\x019=12\x0135=D\x0149=BUY{i}\x0156=SELL\x0111=ID{i}\x01" for i in range(400)).encode(),
        "Отчёт за квартал\r\n".encode("cp866") * 300 + b"\x1a",  # a DOS text with its ^Z
        b"\x1b[1;31mERROR\x1b[0m disk full\n" * 300,  # a log with colour codes
        b"\x01\x02\x03\x04" * 2000,  # control codes
    ]
    cases += [rnd.randbytes(n).replace(b"\x00", b"\x01") for n in (32, 200, 4000, 20_000)]  # no NUL, random
    for raw in cases:
        raw = raw[:len(raw) // 2 * 2]
        assert decode_utf16_unmarked(raw) is None, raw[:40]


def test_a_legacy_file_without_spaces_keeps_its_reason(tmp_path):
    p = tmp_path / "gbk.txt"
    p.write_bytes(_long(_NO_SPACE["chinese"]).encode("gbk"))
    with pytest.raises(LoadError, match="^not UTF-8 text"):
        load_file(p)
    p.write_bytes(_long(_NO_SPACE["cyrillic"]).encode("cp1251"))
    with pytest.raises(LoadError, match="^not UTF-8 text"):
        load_file(p)
