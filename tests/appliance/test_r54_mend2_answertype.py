"""Round 54, mend of reviewer readA: the weekday rule (answertype._F_WEEKDAY) took real names for days. 曜 inside a
given name (鈴木曜平), صباح (also a name) before الخميس, and a weekday beside a name ("李明，周三下午", "דני כהן, בשבת")
or inside one (陈金曜, ตะวันจันทร์): a weekday is no person only when the answer is little more than it."""

from __future__ import annotations

import pytest

from ragtune.appliance.answertype import fits

ZH, JA, HE, AR, TH = ("谁负责周末值班？", "誰が週末の当番ですか？", "מי אחראי על המטבח?", "من يوقع على الطلب؟",
                      "ใครเป็นหัวหน้าแผนก")


@pytest.mark.parametrize("question,answer", [
    (JA, "鈴木曜平"), (JA, "清水曜介"), (JA, "春日曜太"), (JA, "望月曜"), (ZH, "陈金曜"),
    (ZH, "张伟负责周三下午的值班"), (ZH, "李明，周三下午"), (AR, "صباح الخميس"), (HE, "דני כהן, בשבת"),
    (TH, "ตะวันจันทร์"),
])
def test_a_name_beside_or_holding_a_weekday_fits_a_who(question, answer):
    assert fits(question, answer)


@pytest.mark.parametrize("question,answer", [
    (JA, "月曜"), (JA, "月曜日の朝"), (JA, "毎週月曜の午後"), (ZH, "每周三下午"), (ZH, "星期一到周三上午"),
    (HE, "כל יום שני בערב"), (AR, "كل يوم الأربعاء"), (AR, "مساء الجمعة"), (TH, "ทุกวันจันทร์ตอนเช้า"),
    ("रिपोर्ट कौन बनाता है?", "हर सोमवार सुबह"),
])
def test_a_weekday_with_only_times_and_particles_is_still_no_who(question, answer):
    assert not fits(question, answer)
