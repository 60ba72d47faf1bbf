"""Round 49: the answer path's word-overlap checks read Chinese, Japanese, Korean, Thai, Hindi, Arabic, Hebrew, Greek
and Russian as the keyword index does (text.words via scripts.word_form), so an answerable question in those
languages is no longer refused as `no_evidence` with its source ranked first; Latin text reads as before."""

from __future__ import annotations

import re
from types import SimpleNamespace

from ragtune.appliance.evidence import features
from ragtune.appliance.refusal import relevance, support_score
from ragtune.appliance.injection import source_view
from ragtune.appliance.rerank_features import FEATURES, candidate_features, terms
from ragtune.appliance.text import STOPWORDS, content_words, folded, nfkc, stem


def _hit(text: str, i: int = 0) -> SimpleNamespace:
    return SimpleNamespace(text=text, title="", doc_id=i, fused=1.0 / (i + 1), bm25_score=1.0, vector_score=0.5,
                           rerank=5.0)


def _old_words(text: str) -> list[str]:  # the reading before round 49 (still Latin's)
    return [w for w in (folded(m.group(0).lower()) for m in re.finditer(r"\w+", nfkc(text))) if w not in STOPWORDS]


def test_han_kana_hangul_thai_read_as_pairs():
    assert content_words("员工食堂几点开门") == ["员工", "工食", "食堂", "堂几", "几点", "点开", "开门"]
    assert "휴가" in content_words("직원은 휴가를 신청합니다")  # the particle 를 no longer makes another word
    assert "ตั๋ว" not in content_words("ตั๋วรถไฟ") and "ตัว" in content_words("ตั๋วรถไฟ")  # tone mark dropped, pairs


def test_marks_kept_on_indic_words_and_dropped_elsewhere():
    # \w left out the vowel signs: the word was cut into letters that met every sentence
    assert content_words("कर्मचारियों को छुट्टी") == ["करमचारियों", "को", "छुटटी"]
    assert content_words("تُغَيَّرُ المَكْتَبة") == content_words("تغير المكتبه")  # harakat, teh marbuta
    assert content_words("סִיסְמָה") == content_words("סיסמה")  # niqqud
    assert content_words("ΚΩΔΙΚΟΣ") == content_words("κωδικός") == ["κωδικοσ"]


def test_latin_reads_as_before():
    for text in ("Müller's résumé – naïve_x straße, Zürich № 5™", "plain ASCII text, 1,175 words.", "Ærøskøbing q\u0303x"):
        assert content_words(text) == _old_words(text)
        assert terms(text) == [stem(t) for t in re.findall(r"[0-9a-z]+", folded(text.lower())) if t not in STOPWORDS]
    # a mixed text: its Latin words as before (the ASCII pattern), the Arabic ones added in place
    assert terms("Dubai office مكتب دبي: the prayer_room is on floor 4") == \
        ["dubai", "office", "مكتب", "دبي", "prayer", "room", "floor", "4"]


def test_evidence_finds_a_chinese_question_in_its_source():
    q = "员工食堂几点开门？"
    f = features(q, [_hit("员工食堂在三号楼。每天中午十一点开门，下午两点关门。")])
    assert f is not None and f["best_sentence"] >= 0.5  # before: the question was one "word", met nowhere: 0.0


def test_support_of_a_chinese_span():
    source = "员工食堂在三号楼。每天中午十一点开门。"
    assert support_score("十一点", [source]) == 1.0  # before: 0.0 ("十一点" is no whole run of the source)
    assert relevance("食堂几点开门", "十一点", [source_view(source)]) > 0.3  # its sentence: "点开", "开门"


def test_reranker_sees_words_of_other_scripts():
    q = "Сколько дней отпуска положено новым сотрудникам?"
    assert terms(q)  # before: [] (the pattern was [0-9a-z]+)
    hits = [_hit("Новым сотрудникам положено 25 дней отпуска в год.", 0), _hit("Столовая открыта с 12:00.", 1)]
    m = candidate_features(q, hits)
    cover = FEATURES.index("cover_terms")
    assert m[0, cover] > 0.5 and m[1, cover] == 0.0


def test_chat_highlights_thai_pairs_and_greek_final_sigma():
    from ragtune.tui.data import _term_spans, query_terms

    text = "กฎความปลอดภัย รหัสผ่านต้องมีความยาว"
    marked = [text[a:b] for a, b in _term_spans(text, query_terms("รหัสผ่าน"))]
    assert "หัส" in marked and "สผ่" in marked  # before: only the run's first pair ("รหั")
    text = "Ο κωδικός πρόσβασης αλλάζει"
    marked = [text[a:b] for a, b in _term_spans(text, query_terms("ΚΩΔΙΚΟΣ πρόσβασης"))]
    assert sorted(marked) == ["κωδικός", "πρόσβασης"]  # before: neither ("σ" typed, "ς" written)


def test_cjk_sentences_end_without_a_space():
    from ragtune.appliance.refusal import SENTENCE_END, proximity

    source = "长江公司休假制度。新员工每年享有十五天带薪年假。申请须提前两周提交。"
    assert len([s for s in SENTENCE_END.split(source) if s]) == 3  # before: one sentence
    q, view = "新员工每年有多少天年假？", [source_view(source)]
    # the title is no longer as relevant as the sentence that answers (both were the whole source)
    assert relevance(q, "长江公司休假制度", view) == 0.0 < relevance(q, "十五天带薪年假", view)
    assert proximity(q, "十五天", view) > 0.0  # the words around it read as pairs (before: one run, 0.0)
    assert SENTENCE_END.split("Hello there. A b! x.y  z") == ["Hello there.", "A b!", "x.y  z"]
