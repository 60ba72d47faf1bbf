"""Round 57: an "ok" answer copied from a tokenized source is served tidied (answer_tidy.py: "2 , 750" -> "2,750"),
and the eval's support (eval/metrics.py), the refusal model's answer sentence (refusal_model.answer_sentence: what
`eval calibrate` replays from the recorded served text) and the review note of querylog.py read it as its span:
normalize_answer drops punctuation, so "2,750" is one token `2750` where the source's "2 , 750" gives `2` and `750`,
and a tidied answer counted as hallucinated. An ordinary source reads as before. Invented content (CC0)."""
from __future__ import annotations

import pytest

from ragtune.appliance.answer_served import tidy_verdict
from ragtune.appliance.eval import metrics as M
from ragtune.appliance.refusal import Verdict
from ragtune.appliance.answer_tidy import tidied_span
from ragtune.appliance.refusal_model import answer_sentence
from ragtune.appliance.types import ContextItem

FIRM = ("The firm employs roughly 2 , 750 engineers , most of them in Lyon . Okonkwo ' s team builds the pumps , "
        "and it does n't sell them abroad . Sales reached $ 41 . 5 million in 2022 .")
ORDINARY = "The firm employs roughly 2 , 750 engineers, most of them in Lyon. See Section 3 . 2 for the pumps."
QUESTION = "How many engineers does the firm employ?"


def _served(span: str, source: str = FIRM) -> str:
    return tidy_verdict(Verdict("ok", span, ["S1"]), [ContextItem(id="S1", text=source)]).text


def _score(answer: str, source: str = FIRM, cited: bool = True) -> dict:
    item = {"qid": "q1", "question": QUESTION, "answerable": True, "answers": ["2,750"], "gold_keys": []}
    result = {"status": "ok", "answer": answer, "cited_ids": ["S1"] if cited else ["S2"],
              "context": [{"id": "S1", "text": source}, {"id": "S2", "text": "Lyon is a city in France."}]}
    return M.score_item(item, result)


@pytest.mark.parametrize("span, served", [
    ("roughly 2 , 750 engineers", "roughly 2,750 engineers"),
    ("Okonkwo ' s team builds the pumps", "Okonkwo's team builds the pumps"),
    ("it does n't sell them abroad", "it doesn't sell them abroad"),
    ("$ 41 . 5 million", "$41.5 million"),
])
def test_a_tidied_answer_is_grounded_and_not_hallucinated(span, served):
    assert _served(span) == served  # what serving sends (answer_tidy)
    assert M.support_score(served, [FIRM]) == M.support_score(span, [FIRM]) == 1.0
    s = _score(served)
    assert s["grounded"] is True and s["hallucinated"] is False
    assert _score(span)["grounded"] is True  # the span as the source spaces it still reads as before


def test_a_tidied_answer_cut_inside_a_number_scores_as_its_span():
    # the model stopped inside "£ 38 , 450": served "£38", which the tidied view (`£38450`) does not hold
    src = "Fees rose to £ 38 , 450 a year , and most students borrow the sum , the college ' s report says ."
    assert _served("£ 38", src) == "£38"
    assert M.support_score("£38", [src]) == 1.0 and _score("£38", src)["hallucinated"] is False
    assert M.support_score("£39", [src]) == 0.0


def test_an_answer_not_in_the_tokenized_source_is_still_unsupported():
    assert M.support_score("roughly 2,570 engineers", [FIRM]) < M.SUPPORT_THRESHOLD
    assert M.support_score("9,000", [FIRM]) == 0.0 and M.support_score("2,75", [FIRM]) < M.SUPPORT_THRESHOLD
    s = _score("roughly 7,250 technicians")
    assert s["grounded"] is False and s["hallucinated"] is True
    # supported by the context but not by what it cites: a citation error, as before
    s = _score("roughly 2,750 engineers", cited=False)
    assert s["grounded"] is False and s["hallucinated"] is False


def test_an_ordinary_source_scores_as_before():
    assert M.tidied_view(ORDINARY) is None and M.tidied_view("") is None
    # the document's own spacing: "2 , 750" and "3 . 2" are read only as written
    assert M.support_score("roughly 2,750 engineers", [ORDINARY]) == pytest.approx(2 / 3)  # 2750 missing
    assert M.support_score("Section 3.2", [ORDINARY]) == 0.5
    assert M.support_score("roughly 2 , 750 engineers", [ORDINARY]) == 1.0
    assert M.support_score("in to", ["walk in to town"]) == 1.0  # no content tokens: contiguous, as before
    assert M.support_score("in to", ["go to walk in"]) == 0.0


def test_the_tidied_view_of_a_tokenized_source():
    view = M.tidied_view(FIRM)
    assert view is not None and "2,750 engineers, most" in view and "Okonkwo's" in view and "$41.5" in view


def test_answer_sentence_reads_a_tidied_answer_where_its_span_is():
    span = "roughly 2 , 750 engineers"
    want = answer_sentence(QUESTION, span, ["S1"], {"S1": FIRM})
    assert want > 0
    assert answer_sentence(QUESTION, "roughly 2,750 engineers", ["S1"], {"S1": FIRM}) == want
    assert answer_sentence(QUESTION, "Roughly 2,750 engineers.", ["S1"], {"S1": FIRM}) == want
    assert tidied_span(FIRM, "roughly 2,750 engineers") == (FIRM.index(span), FIRM.index(span) + len(span))
    # the question's words are in the first sentence only: a tidied answer in another one reads that one
    assert answer_sentence(QUESTION, "$41.5 million", ["S1"], {"S1": FIRM}) \
        == answer_sentence(QUESTION, "$ 41 . 5 million", ["S1"], {"S1": FIRM}) < want


def test_answer_sentence_as_before_for_an_ordinary_source_or_an_answer_in_no_source():
    assert answer_sentence(QUESTION, "roughly 2,750 engineers", ["S1"], {"S1": ORDINARY}) == 0.0
    assert answer_sentence(QUESTION, "roughly 2,570 engineers", ["S1"], {"S1": FIRM}) == 0.0
    assert tidied_span(FIRM, "roughly 2,570 engineers") is None
    assert tidied_span(FIRM, "2750") is None  # a space is allowed only where the tidy removes one
    # an answer some source holds as written is found there first, as before
    other = {"S1": FIRM, "S2": "Roughly 2,750 engineers work for the firm's rivals."}
    assert answer_sentence(QUESTION, "roughly 2,750 engineers", ["S1"], other) \
        == answer_sentence(QUESTION, "roughly 2,750 engineers", ["S2"], {"S2": other["S2"]})


def test_penn_treebank_quotes_and_initials():
    src = ("The report , by J . K . Abara , called the plan `` a costly detour '' and it was dropped . Later "
           "drafts do n't mention it , and the board ' s minutes are silent .")
    for span in ("`` a costly detour ''", "J . K . Abara"):
        served = _served(span, src)
        assert served != span and M.support_score(served, [src]) == 1.0
        assert tidied_span(src, served.lower()) is not None


def test_a_review_answer_tidied_from_its_tokenized_source_gets_no_note(settings):
    from ragtune.appliance.querylog import set_review
    from ragtune.appliance.store import open_store

    row = {"query": QUESTION, "normalized_query": QUESTION, "model_id": "m", "adapter_id": "none",
           "system_prompt_sha256": "s", "retrieved": [], "output": {"status": "refused", "answer": "x", "citations": []},
           "raw_output": "", "valid": True, "repaired": False, "refused": True, "timings": {}, "tokens_prompt": 5,
           "tokens_completion": 5, "context": [{"id": "S1", "text": FIRM, "source": "/firm.txt"}]}
    with open_store(settings.home) as store:
        log_id = store.add_query_log(row)
        notes: list[str] = []
        set_review(store, log_id, {"status": "ok", "answer": "roughly 2,750 engineers", "citations": ["S1"]},
                   notes=notes)
        assert not [n for n in notes if "not in the source" in n]
        set_review(store, log_id, {"status": "ok", "answer": "roughly 7,250 engineers", "citations": ["S1"]},
                   notes=notes)
        assert [n for n in notes if "not in the source(s) it cites (S1)" in n]


def test_the_metrics_version_says_what_changed():
    assert M.METRICS_VERSION == 3 and set(M.METRICS_CHANGES) == {2, 3}
    assert "tokenized" in M.METRICS_CHANGES[3] and "ligatures" in M.METRICS_CHANGES[2]


BG = " The board met on Monday , and the clerk ' s notes were read . Members did n't object , and the vote passed ."


@pytest.mark.parametrize("src, answer", [
    ("Free rooms : 101 , 102 and 205 ." + BG, "101,102"),  # a list, which tidy serves as written
    ("Free rooms : 101 , 102 , 103 ." + BG, "101,102,103"),
    ("It opened in 1990 . 5 more beds came later ." + BG, "1990.5"),  # a year and a sentence's end
    ("The key is under the mat - the blue one ." + BG, "mat-the blue one"),
    ("It fell to - 5 degrees overnight ." + BG, "to-5"),
])
def test_a_span_counts_only_when_tidy_serves_the_answer_from_it(src, answer):
    assert tidied_span(src, answer) is None  # (mend7: tidy(span, [source]) must give the answer back)


def test_a_span_tidy_serves_is_found():
    src = "About 1 , 250 people came , and the hall ' s floor held ." + BG
    at = tidied_span(src, "1,250 people")
    assert at is not None and src[at[0]:at[1]] == "1 , 250 people"
    assert tidied_span(src, "the hall's floor held.") is not None  # a final full stop, any case
    assert M.support_score("1,250 people", [src]) == 1.0
    assert M.support_score("101,102", ["Free rooms : 101 , 102 and 205 ." + BG]) < 1.0
