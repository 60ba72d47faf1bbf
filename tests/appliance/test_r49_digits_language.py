"""Round 49: the question's language by script. A Chinese question over its Chinese sources and one Japanese source
(the hybrid top 3 of a mixed collection) was refused as `language`: any kana in the joined sources read them as
Japanese. Hangul, Thai, Greek, Cyrillic, Hebrew, Arabic and Devanagari texts were "unknown" (no function words), and a
question of two scripts was read by its English words alone. English and Latin text read as before."""

from __future__ import annotations

import pytest

from ragtune.appliance.normalize import language
from ragtune.appliance.refusal import language_reason, other_language

ZH_QUESTION = "上海酒店住宿上限是多少？"
ZH_TRAVEL = "差旅报销规定。在北京出差时住宿的酒店每晚上限为七百元。火车票按二等座报销。发票须在三十天内提交。"
ZH_FIRE = "消防演习每年举行两次。集合地点为东门停车场。安全负责人是李明，分机号六六七七。"
JA_TRAVEL = "出張旅費規程。名古屋のホテル宿泊費の上限は一泊一万円です。新幹線は普通車で精算します。"
JA_LEAVE = "休暇規程。新入社員には年間二十日の有給休暇が付与されます。申請は二週間前までに上司に提出してください。"
EN_DOC = "Every employee gets 28 days of paid annual leave. The service desk is open from 8:00 to 18:00."


def test_a_chinese_question_over_chinese_and_a_japanese_source_is_not_another_language():
    texts = [ZH_TRAVEL, JA_TRAVEL, ZH_FIRE]
    assert language(ZH_QUESTION) == "zh" and language(" ".join(texts)) == "zh"
    assert other_language(ZH_QUESTION, texts) is None
    assert language_reason("no_evidence", ZH_QUESTION, texts) == "no_evidence"
    assert language_reason("off_topic", ZH_QUESTION, texts) == "off_topic"


def test_chinese_and_japanese_still_told_apart():
    assert language(JA_TRAVEL) == language(JA_LEAVE) == language("新入社員の有給休暇は何日ですか？") == "ja"
    assert language(ZH_TRAVEL) == "zh" and language("约翰・史密斯是谁？") == "zh"  # the middle dot is no kana
    assert other_language("新入社員の有給休暇は何日ですか？", [ZH_TRAVEL, ZH_FIRE]) == "ja"
    assert other_language(ZH_QUESTION, [JA_TRAVEL, JA_LEAVE]) == "zh"
    assert language(ZH_TRAVEL + JA_TRAVEL) is None  # as much of each: neither is clear
    assert language("出張旅費規程。" + JA_LEAVE) == "ja"  # a heading without kana is either


@pytest.mark.parametrize("question, lang", [
    ("신입 사원은 휴가를 며칠 받나요?", "ko"), ("รหัสผ่านต้องยาวกี่ตัวอักษร", "th"),
    ("Πόσες ημέρες άδειας δικαιούνται οι νέοι υπάλληλοι;", "el"), ("Сколько дней отпуска положено?", "ru"),
    ("כמה ימי חופשה מקבלים עובדים חדשים?", "he"), ("كم يوماً من الإجازة يحصل عليها الموظفون؟", "ar"),
    ("पासवर्ड कितने अक्षरों का होना चाहिए?", "hi"),
])
def test_other_scripts_tell_their_language(question, lang):
    assert language(question) == lang
    assert other_language(question, [question + " " + question]) is None  # sources in the same script
    assert other_language(question, [EN_DOC]) == lang
    assert other_language("How many days of annual leave do I get?", [question * 3]) == "en"


@pytest.mark.parametrize("question", [
    "上海办公室 Wi-Fi 密码 when does it change?", "Where are parking permits تصاريح المواقف",
    "When does the 비밀번호 change?",
])
def test_a_question_of_two_scripts_has_no_clear_language(question):
    assert language(question) is None
    assert other_language(question, [ZH_TRAVEL]) is None and other_language(question, [EN_DOC]) is None


@pytest.mark.parametrize("text", [
    "How many days of annual leave do I get?", "When did the Los Angeles Rams move?",
    "Who built the Hagia Sophia (Ἁγία Σοφία) and when was it finished?", "What is the capital of China (北京)?",
    "Shanghai office 上海办公室 guide. The Wi-Fi network is RT-Guest and the password changes every Monday.",
])
def test_english_with_a_little_of_another_script_stays_english(text):
    assert language(text) == "en"
    assert other_language("How many days of annual leave do I get?", [text]) is None


def test_one_source_in_the_questions_language_is_not_another_language():
    from ragtune.appliance.refusal import other_language

    de = "Ein Passwort muss mindestens zwölf Zeichen lang sein und wird alle neunzig Tage geändert, sagt die IT."
    fr = ("Le mot de passe doit comporter au moins douze caractères et il est changé tous les quatre-vingt-dix "
          "jours, selon le service informatique de la société.")
    assert other_language("Wie lang muss ein Passwort sein und wann wird es geändert?", [de, fr, fr]) is None
