"""Thai sentences for the answer path's checks (round 52): Thai ends a sentence with a space and no mark, so a Thai
paragraph was one sentence to `refusal.SENTENCE_END` and a span copied from any clause of it was as "relevant" as the
right one (relevance 0.8-1.0 for every wrong answer of the round-51 bed). Text written for this test."""

from __future__ import annotations

import re

from ragtune.appliance.injection import source_view
from ragtune.appliance.refusal import SENTENCE_END, relevance, span_sentences

# "The cafeteria opens at 8 in the morning. The lunch price is 60 baht. Contact Khun Malee Rakdee in the admin
# department." (three sentences, a name with a space inside)
DOC = "โรงอาหารเปิดเวลา 8 โมงเช้า ค่าอาหารกลางวันคือ 60 บาท ติดต่อคุณมาลี รักดี ฝ่ายธุรการ"
OLD = re.compile(r"(?<=[.!?])\s+|(?<=[\u3002\uff01\uff1f\uff61])\s*|(?<=[\u0964\u0965\u061f\u06d4])\s+")


def test_a_space_between_thai_letters_ends_a_sentence():
    parts = SENTENCE_END.split(DOC)
    assert "ค่าอาหารกลางวันคือ 60 บาท" in parts  # the spaces around a number stay inside
    assert parts[0] == "โรงอาหารเปิดเวลา 8 โมงเช้า"


def test_a_span_from_another_clause_is_no_longer_relevant():
    views = [source_view(DOC)]
    q = "ค่าอาหารกลางวันเท่าไร"  # "how much is lunch?"
    assert relevance(q, "60 บาท", views) > 0.5
    assert relevance(q, "8 โมงเช้า", views) < 0.3  # the opening hour: was the whole paragraph's share
    assert relevance("ค่าอาหารกลางวันเท่าไร", "8 โมงเช้า", [source_view(DOC.replace(" ค่า", ". ค่า"))]) < 0.3


def test_a_span_across_a_gap_keeps_its_sentences():
    views = [source_view(DOC)]
    found = list(span_sentences("มาลี รักดี", views))
    assert found and all("มาลี รักดี" in s for s, _ in found)
    assert relevance("ใครคือผู้ติดต่อฝ่ายธุรการ", "มาลี รักดี", views) > 0


def test_text_without_thai_splits_as_before():
    for text in ["One. Two!  Three? four", "办公室在三楼。会议室在二楼。", "यह है। वह है।", "a  b\tc . d",
                 "Preis: 5 €. Danke!", "ก 1 ข", "Thai word ก then Latin"]:
        assert SENTENCE_END.split(text) == OLD.split(text), text
