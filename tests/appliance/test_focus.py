from __future__ import annotations

from ragtune.appliance.focus import focus, sentences

HANDBOOK = ("The standard working week is 37.5 hours, normally worked Monday to Friday. Overtime hours are paid as "
            "time off in lieu. Core hours, when everyone is expected to be reachable, run from 10:00 to 15:00 local "
            "time. Employees may start at any time between 07:00 and 10:00.")
OTHER = "Office hours of the help desk are 09:00 to 17:00. Holidays are 25 days a year."


def test_sentences_split_after_end_punctuation_not_inside_numbers():
    assert sentences("It is 37.5 hours. Next one! Last?") == ["It is 37.5 hours.", "Next one!", "Last?"]


def test_the_sentence_with_the_rarest_question_words_is_kept():
    src = [("S1", (HANDBOOK,)), ("S2", (OTHER,))]
    got = focus("What are the core hours?", src, 1)
    assert got == [("S1", ("Core hours, when everyone is expected to be reachable, run from 10:00 to 15:00 local time.",))]


def test_keep_n_sentences_in_context_order_across_sources():
    src = [("S1", (HANDBOOK,)), ("S2", (OTHER,))]
    got = focus("What are the core hours?", src, 3)
    kept = [s for _, segs in got for s in segs]
    assert len(kept) == 3 and kept[2].startswith("Core hours")  # context order, not score order
    assert all("hours" in s.lower() for s in kept)


def test_nothing_is_narrowed_without_overlap_or_when_off():
    src = [("S1", (HANDBOOK,)), ("S2", (OTHER,))]
    assert focus("Who painted the ceiling?", src, 2) == src
    assert focus("What are the core hours?", src, 0) == src
    assert focus("what is it?", src, 2) == src  # no content word


def test_sentences_sharing_no_question_word_are_never_kept():
    src = [("S1", ("Core hours run from 10:00 to 15:00. Parking is free.",))]
    assert focus("core hours", src, 5) == [("S1", ("Core hours run from 10:00 to 15:00.",))]


def test_a_question_asking_for_a_number_prefers_the_sentence_holding_one():
    src = [("S1", ("The Eiffel Tower is in Paris. It was built from 1887 to 1889 by the Eiffel company.",))]
    assert focus("When was the tower built?", src, 1) == [("S1", ("It was built from 1887 to 1889 by the Eiffel company.",))]
    assert focus("Where is the tower, and who built it?", src, 1) == [("S1", ("The Eiffel Tower is in Paris.",))]
