"""Round 51: the answer path's word checks (refusal.py) on scripts other than Latin: Hebrew and Arabic words with
"the"/"and"/"in" written on them, the function words of Hindi, Hebrew and Arabic, Japanese kana endings, a copied
Chinese question, and the words next to a span in Hindi. Latin text is read exactly as before
(benchmarks/r51_lang_checks_same.py proves it on the eval sets; a spot check here)."""

from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import echoes, proximity, relevance, said, support_score


def views(*texts):
    return [source_view(t) for t in texts]


def test_hebrew_prefixed_words_meet_the_question():
    # "who signed the lease contract?" over "the contract was signed by the director, Noa Peretz": "החוזה" is
    # "the contract" (before: no word met, the right span was refused "off_topic")
    src = "החוזה נחתם בידי המנהלת נועה פרץ. הקבלן יתחיל בעבודה בחודש הבא."
    assert relevance("מי חתם את חוזה השכירות?", "נועה פרץ", views(src)) > 0


def test_arabic_article_and_conjunction_meet_the_question():
    # "who is responsible for the budget?" over "the department's budget is run by the director, Salma Nasser"
    src = "تتولى ميزانية القسم المديرة سلمى ناصر. تبدأ السنة المالية في يناير."
    assert relevance("من مسؤول عن الميزانية؟", "سلمى ناصر", views(src)) > 0


def test_hindi_postpositions_alone_are_not_relevance():
    # the question (library opening hours) and the sentence (canteen prices) share only "में", "है", "का", "की"
    src = "कैंटीन में चाय का दाम 15 रुपये है। पुस्तकालय सुबह 8 बजे खुलता है।"
    q = "पुस्तकालय में किताबों की संख्या कितनी है?"
    assert relevance(q, "15 रुपये", views(src)) == 0
    assert relevance(q, "8 बजे", views(src)) > 0


def test_japanese_kana_endings_alone_are_not_relevance():
    # a copied question ("to whom are receipts handed in?") shares only kana endings with the question asked
    src = "領収書は誰に提出しますか？ 経理部に提出してください。会議室の予約は総務課が受け付けます。"
    q = "会議室の予約はどこで受け付けますか？"
    assert relevance(q, "領収書は誰に提出しますか", views(src)) == 0
    assert relevance(q, "総務課", views(src)) > 0


def test_a_copied_chinese_question_is_an_echo():
    q = "差旅报销需要多长时间？"
    assert echoes(q, "问：差旅报销需要多长时间？")
    assert not echoes(q, "10个工作日")


def test_hindi_words_next_to_the_span_count_for_proximity():
    src = "नए कर्मचारियों को पहले वर्ष में 15 दिन का सवेतन अवकाश मिलता है।"
    q = "नए कर्मचारियों को पहले वर्ष में कितने दिन का अवकाश मिलता है?"
    assert proximity(q, "15 दिन", views(src)) > 0.3


def test_latin_text_reads_as_before():
    src = "The standard working week at Müller GmbH is 37.5 hours, Monday to Friday. Overtime is paid at 1.5 times."
    q = "How long is the standard working week at Muller?"
    v = views(src)
    assert relevance(q, "37.5 hours", v) == 0.8
    assert proximity(q, "Müller GmbH", v) == 0.4
    assert said(q, "37.5 hours") == 0.0
    assert not echoes(q, "37.5 hours") and echoes(q, "the standard working week")
    assert support_score("37.5 hours, Monday to Friday", [src]) == 1.0
