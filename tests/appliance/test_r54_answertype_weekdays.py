"""Round 54: a day of the week is a time, not a person. "周三下午" (Wednesday afternoon) and "水曜日" fitted a "who"
question of another language (周三 counted only at a CJK run's end; 曜 was no mark at all), as did the Hebrew,
Arabic, Hindi and Thai weekdays. Names that share their letters (周一围, 曜子, שני, خميس, จันทร์เพ็ญ) still fit."""

from __future__ import annotations

import pytest

from ragtune.appliance.answertype import fits

WHO = {"zh": "谁负责周末值班？", "ja": "誰が週末の当番ですか？", "he": "מי אחראי על המטבח?", "ar": "من يوقع على الطلب؟",
       "hi": "रिपोर्ट कौन बनाता है?", "th": "ใครเป็นหัวหน้าแผนก"}
WHEN = {"zh": "图书馆什么时候开门？", "ja": "いつ開きますか？", "he": "מתי נפתחת הבריכה?", "ar": "متى يفتح المكتب؟",
        "hi": "बैठक कब है?", "th": "ประชุมวันไหน"}


@pytest.mark.parametrize("lang,answer", [
    ("zh", "周三下午"), ("zh", "週五晚上"), ("zh", "周一到周三下午"),
    ("ja", "水曜日"), ("ja", "水曜の午後"), ("ja", "毎週月曜"),
    ("he", "יום רביעי"), ("he", "ביום שני בבוקר"), ("he", "בשבת"),
    ("ar", "يوم الأربعاء"), ("ar", "الخميس"), ("ar", "مساء الجمعة"),
    ("hi", "बुधवार"), ("hi", "गुरुवार को"),
    ("th", "วันพุธ"), ("th", "ทุกวันจันทร์"),
])
def test_a_weekday_is_no_person_but_a_time(lang, answer):
    assert not fits(WHO[lang], answer)
    assert fits(WHEN[lang], answer)


@pytest.mark.parametrize("lang,answer", [
    ("zh", "周一围"), ("zh", "周杰伦"), ("zh", "周三宝"), ("ja", "水野"), ("ja", "金子"), ("ja", "木村曜子"),
    ("he", "שני כהן"), ("he", "שבתאי לוי"), ("ar", "خميس"), ("ar", "جمعة"), ("ar", "محمد الخميس"),
    ("hi", "सोमनाथ"), ("th", "จันทร์เพ็ญ"),
])
def test_names_with_a_weekdays_letters_still_fit(lang, answer):
    assert fits(WHO[lang], answer)


def test_english_is_not_read_for_weekdays_here():
    assert fits("Who is on duty?", "Wednesday afternoon")  # as before: the English check is unchanged
    assert fits("Who is on duty?", "周三下午")
