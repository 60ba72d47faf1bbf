"""Round 49: the keyword index over other scripts (lexical_terms.search_form -> scripts.script_form)."""

from __future__ import annotations

import unicodedata

import pytest

from ragtune.appliance.lexical_terms import analyzer, query_terms, search_form
from ragtune.appliance.scripts import _DROP

tantivy = pytest.importorskip("tantivy")


@pytest.fixture(scope="module")
def terms():
    a = analyzer()
    return lambda text: a.analyze(search_form(text))


def _meets(terms, query: str, doc: str) -> bool:
    doc_terms = set(terms(doc))
    return all(t in doc_terms for q in query_terms(query) for t in terms(q))


def test_thai_word_inside_a_sentence_is_found(terms):
    doc = "กฎความปลอดภัยสารสนเทศ รหัสผ่านต้องมีความยาวอย่างน้อย 10 ตัวอักษร"
    assert _meets(terms, "รหัสผ่าน", doc)  # was: no term in common (a run was one word, cut at tone marks)
    assert not _meets(terms, "ข้าวมันไก่", doc)


def test_devanagari_virama_does_not_split_a_word(terms):
    assert terms("पासवर्ड") == ["पासवरड"]  # was ["पासवर", "ड"]


@pytest.mark.parametrize("query, doc", [
    ("κωδικός πρόσβασης", "Ο ΚΩΔΙΚΟΣ ΠΡΟΣΒΑΣΗΣ πρέπει"),  # tonos, final sigma, capitals
    ("ΜΟΥΣΑΚΑΣ", "σερβίρεται μουσακάς"),
    ("ежики", "подают ёжики с гречкой"),
    ("وتغير كلمة المرور", "وتُغيَّر كلمةُ المرور"),  # harakat
    ("الكبسـة", "يُقدَّم الكبسة"),  # tatweel
    ("مكتب دبى", "مكتب دبي"),  # alef maksura
    ("שקשוקה", "מגישים שַׁקְשׁוּקָה"),  # niqqud
    ("१४ अक्षर", "14 अक्षर"),  # Devanagari digits
    ("٢١ يوماً", "21 يوما"),  # Arabic-Indic digits, tanween
    ("부산 호텔", "부산의 호텔 숙박비"),  # a particle on the noun
    ("90", "每90天更换一次"),  # a lone Han character no longer glued to the digits (was the term "每90")
    ("3000", "上限は一泊12000円、日当は3000円"),
])
def test_spellings_of_one_word_meet(terms, query, doc):
    assert _meets(terms, query, doc)


def test_ascii_is_untouched():
    s = "Plain ASCII: e.g. 3.5 mm, AND/OR."
    assert search_form(s) is s


def test_latin_and_turkish_as_before(terms):
    assert terms("Straße Zürich İSTANBUL ılık") == ["strass", "zurich", "istanbul", "ilik"]


def test_dropped_marks_are_the_ones_tantivy_splits_at_or_decorations():
    """Every mark in scripts._DROP is either one the simple tokenizer ends a word at, or a documented decoration."""
    a = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple()).build()
    decorations = set(range(0x5b0, 0x5c8)) | set(range(0x610, 0x61b)) | set(range(0x64b, 0x660)) | {0x640, 0x670}
    decorations |= set(range(0x6d6, 0x6ee)) | set(range(0x300, 0x370))
    for cp in range(0x300, 0x30000):
        c = chr(cp)
        if _DROP.fullmatch(c) and cp not in decorations:
            assert unicodedata.category(c)[0] == "M"
            assert len(a.analyze("a" + c + "a")) == 2, hex(cp)
