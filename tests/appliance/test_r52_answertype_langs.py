"""Answer typing in other languages (round 52): question words of he, hi, ar, zh, ja, th give a kind, and an
answer in that language is judged with its own words for numbers, money, units and dates."""

from __future__ import annotations

import pytest

from ragtune.appliance.answertype import fits, kind


@pytest.mark.parametrize("question,expected", [
    # Hebrew
    ("כמה עולה כרטיס לבריכה?", "amount"),
    ("בכמה נמכר הכיסא הישן?", "amount"),
    ("כמה זמן לוקח לקבל החזר?", "duration"),
    ("מי אחראי על המטבח?", "person"),
    ("למי שולחים את הטופס?", "person"),
    ("מתי נפתחת הבריכה?", "date"),
    ("עד מתי אפשר לבטל?", "date"),
    ("באיזו שעה מגיע האוטובוס?", "clock"),
    ("איפה נמצא המחסן?", None),
    # Hindi
    ("बस का किराया कितना है?", "amount"),
    ("कमरे में कितनी कुर्सियाँ हैं?", "amount"),
    ("पुस्तकालय कितने बजे बंद होता है?", "clock"),
    ("रिपोर्ट कौन बनाता है?", "person"),
    ("बैठक कब होगी?", "date"),
    ("कौन सा कमरा खाली है?", None),
    # Arabic
    ("كم سعر التذكرة؟", "amount"),
    ("بكم يباع الكتاب؟", "amount"),
    ("من يوقع على الطلب؟", "person"),
    ("متى يبدأ الاجتماع؟", "date"),
    ("من فضلك أين المكتب؟", None),
    # Chinese, Japanese
    ("门票多少钱？", "amount"),
    ("会议室有几把椅子？", "amount"),
    ("食堂几点关门？", "clock"),
    ("谁负责打印机？", "person"),
    ("图书馆什么时候开门？", "date"),
    ("报销需要多久？", "duration"),
    ("他几乎每天都来吗？", None),
    ("チケットはいくらですか？", "amount"),
    ("会議は何時に始まりますか？", "clock"),
    ("担当者は誰ですか？", "person"),
    ("工事はいつ終わりますか？", "date"),
    # Thai
    ("ค่าเข้าสระว่ายน้ำเท่าไร", "amount"),
    ("ห้องนี้มีเก้าอี้กี่ตัว", "amount"),
    ("ร้านอาหารปิดกี่โมง", "clock"),
    ("ใครเป็นหัวหน้าแผนก", "person"),
    ("ประชุมครั้งหน้าเมื่อไร", "date"),
    ("ต้องรอนานเท่าไร", "duration"),
    ("ห้องน้ำอยู่ที่ไหน", None),
])
def test_question_words_of_other_languages_give_a_kind(question, expected):
    assert kind(question) == expected


@pytest.mark.parametrize("question,answer", [
    ("כמה עולה כרטיס לבריכה?", "45 שקלים"),
    ("כמה עולה כרטיס לבריכה?", "חינם"),
    ("כמה עולה כרטיס לבריכה?", "שלושים שקל"),
    ("כמה זמן לוקח לקבל החזר?", "שבועיים"),
    ("מתי נפתחת הבריכה?", "בתחילת יוני"),
    ("מי אחראי על המטבח?", "יוסי אברהם"),
    ("בכמה נמכר הכיסא הישן?", "₪30"),
    ("बस का किराया कितना है?", "२० रुपये"),  # Devanagari digits
    ("बस का किराया कितना है?", "बीस रुपये"),
    ("पुस्तकालय कितने बजे बंद होता है?", "शाम को"),
    ("बैठक कब होगी?", "अगले सोमवार"),
    ("كم سعر التذكرة؟", "٣٠ ريالا"),  # Arabic-Indic digits
    ("门票多少钱？", "三十元"),
    ("报销需要多久？", "两周"),
    ("图书馆什么时候开门？", "下周一"),
    ("チケットはいくらですか？", "五百円"),
    ("ค่าเข้าสระว่ายน้ำเท่าไร", "๕๐ บาท"),  # Thai digits
    ("ร้านอาหารปิดกี่โมง", "สองทุ่ม"),
    ("ต้องรอนานเท่าไร", "สามสัปดาห์"),
    ("ใครเป็นหัวหน้าแผนก", "คุณวิไล"),
])
def test_answers_of_the_kind_fit(question, answer):
    assert fits(question, answer)


@pytest.mark.parametrize("question,answer", [
    ("כמה עולה כרטיס לבריכה?", "דמי הכניסה"),  # the fee's name, not the fee
    ("कितनी है सदस्यता की फीस?", "मासिक सदस्यता"),
    ("كم سعر التذكرة؟", "سعر التذكرة"),
    ("门票多少钱？", "门票价格"),
    ("チケットはいくらですか？", "チケット代"),
    ("ค่าเข้าสระว่ายน้ำเท่าไร", "ค่าเข้าสระ"),
    ("מתי נפתחת הבריכה?", "30 שקלים"),  # a sum is not a date
    ("谁负责打印机？", "50元"),  # a sum is not a person
    ("מי אחראי על המטבח?", "30 שקלים"),
    ("ใครเป็นหัวหน้าแผนก", "8 โมงเช้า"),  # a time of day is not a person
])
def test_answers_clearly_of_another_kind_do_not_fit(question, answer):
    assert not fits(question, answer)


def test_english_questions_keep_the_english_checks():
    # an English question's kind and verdict do not read the other languages' words
    assert kind("How much is the parking permit?") == "amount"
    assert not fits("How much is the parking permit?", "the parking permit")
    assert not fits("how many desks are on the third floor", "三十")  # CJK numerals only count for CJK questions


def test_a_longer_phrase_wins_over_its_first_word():
    assert kind("交換の目安は何時間ですか？") == "amount"  # 何時間 (how many hours), not 何時 (what time)
    assert kind("何時に開きますか？") == "clock"
    assert kind("ต้องจองล่วงหน้านานเท่าไร") == "duration"  # นานเท่าไร (how long), not เท่าไร (how much)
    assert kind("כמה זמן נמשך הקורס?") == "duration"


def test_words_that_only_look_like_question_words():
    assert kind("איפה שמתי את המפתח?") is None  # שמתי: "I put", not ש + מתי
    assert kind("ממתי אפשר להירשם?") == "date"
    assert kind("अगला सत्र कबड्डी का है?") is None  # कब inside a word
    assert kind("เขาใคร่ครวญเรื่องนี้ไหม") is None  # ใคร่: "to wish", not ใคร



@pytest.mark.parametrize("question,answer", [
    ("כמה זמן לוקח לקבל החזר?", "31 במרץ"),  # a date is no length of time
    ("报销需要多久？", "三楼会议室"),
    ("प्रशिक्षण कौन देगा?", "10"),  # a bare number is no person
    ("谁负责打印机？", "每天早上7点开放"),  # nor a time of day
])
def test_durations_need_a_unit_and_people_are_not_numbers(question, answer):
    assert not fits(question, answer)
    assert fits(question, {"כ": "3 ימי עבודה", "报": "三个工作日", "प": "राहुल वर्मा", "谁": "王芳"}[question[0]])


def test_how_many_days_is_a_count_and_a_bare_number_answers_it():
    # as in English ("how many days" is a count, "how long" a duration): a bare number fits
    for question in ("كم يوما من الإجازة يحق للموظف؟", "כמה ימים נמשך הקורס?", "会议持续几天？"):
        assert kind(question) == "amount"
        assert fits(question, "21")


def test_a_length_of_time_in_chinese_numerals_is_not_a_person():
    assert not fits("谁负责培训？", "时长为四个小时")
    assert fits("谁负责培训？", "王芳")
    assert fits("谁负责培训？", "人力资源部的王芳")
