"""Round 59: the chunk the keyword index found by another written form of a question's word (an acronym the source
spells out, a date it writes otherwise) is served. The reranker's coverage features credit those forms
(rerank_features.other_forms), so a short question's only word is no longer "missing" from the one chunk that
holds it, and chunks that cover nothing but carry a date no longer outrank it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

import ragtune.appliance as appliance
from ragtune.appliance.rerank_features import FEATURES, FeatureReranker, candidate_features, other_forms, terms
from ragtune.appliance.types import Hit

COL = {name: i for i, name in enumerate(FEATURES)}
BUILTIN = Path(appliance.__file__).resolve().parent / "rerankers" / "default"


def _hit(cid, text, *, doc=1, title="", fused=1.0, bm25=None, vec=None):
    return Hit(chunk_id=cid, doc_id=doc, text=text, source=f"d{doc}.txt", title=title, fused=fused,
               bm25_score=bm25, vector_score=vec)


def _met(question, sentence):
    found = other_forms(question, terms(question))
    return None if found is None else found(sentence)


def test_an_acronym_the_source_spells_out_is_met():
    assert _met("when is the AGM", "Annual general meeting: Tuesday 21 April at 7:30 pm.") == {"agm"}
    assert _met("Is the PTA meeting open to all?", "The Parent Teacher Association meets monthly.") == {"pta"}
    # the acronym as written already counts as a plain word: nothing more to add
    assert _met("when is the AGM", "The AGM is on 21 April.") == set()
    assert _met("when is the AGM", "Members can vote at the meeting in April.") == set()


def test_a_date_written_otherwise_is_met_only_on_the_same_day():
    q = "who's kitchen lead on the 11th of march"
    assert _met(q, "Date: 2026-03-11; Day: Wednesday; Kitchen lead: Margaret Lin") == {"11th", "march"}
    assert _met(q, "Wed 11/03/2026 Margaret Lin") == {"11th", "march"}
    assert _met(q, "Date: 2026-03-10; Day: Tuesday; Kitchen lead: Aisha Patel") == set()  # another day
    assert _met("Who is on the rota on Tuesday 3 March?", "Date: 2026-03-03; Day: Tuesday") == {"3", "march"}
    # a year only where both write one
    assert _met("what was logged on 2025-03-03", "2026-03-03: boiler serviced") == set()
    assert _met("what was logged on 2025-03-03", "Serviced 3.3.25 by Warmfield") == {"2025", "03"}
    assert _met("what was logged on 2025-03-03", "Monday 3 March: boiler serviced") == {"03"}  # no year written


def test_a_question_with_neither_costs_nothing():
    assert other_forms("what time does the cafe open", terms("what time does the cafe open")) is None
    assert other_forms("when is the agm", terms("when is the agm")) is None  # lower case: no acronym asked


ROTA = "Date: 2026-03-{:02d}; Day: Thursday; Morning (9-1): Ben Okafor; Afternoon (1-5): Aisha Patel"
NEWS = ("Volunteer of the season\n\nCongratulations to Dev Sharma, who has run the Saturday cafe since October.\n\n"
        "Dates for your diary\n\nAnnual general meeting: Tuesday 21 April 2026 at 7:30 pm in the Main Hall.")


def _agm_hits():
    return [_hit(1, "Until then the Main Hall has two electric heaters. Please tell hirers the hall may be cold.",
                 doc=1, fused=3.9, bm25=7.4, vec=0.17),
            _hit(2, NEWS, doc=2, fused=2.1, bm25=3.5, vec=0.20),
            _hit(3, ROTA.format(5), doc=3, fused=0.6, vec=0.24),
            _hit(4, ROTA.format(10), doc=3, fused=0.5, vec=0.24),
            _hit(5, "Smoking and vaping are not allowed anywhere on the site.", doc=4, fused=0.4, bm25=1.0, vec=0.12)]


def test_the_spelled_out_chunk_covers_the_question():
    x = candidate_features("when is the AGM", _agm_hits())
    assert x[1, COL["cover_terms"]] == 1 and x[1, COL["best_sentence"]] > 0
    assert x[[0, 2, 3, 4], COL["cover_terms"]].sum() == 0


def test_the_builtin_reranker_puts_it_first():
    """The h5 user's "when is the AGM": the newsletter line was ranked below two café rota rows (a date each, no
    question word) and left out of the three sources served."""
    model = FeatureReranker(BUILTIN)
    scores = model.score_hits("when is the AGM", _agm_hits())
    assert int(np.argmax(scores)) == 1


def test_questions_without_other_forms_keep_their_features():
    hits = _agm_hits()
    q = "when is the annual general meeting"
    assert other_forms(q, terms(q)) is None  # a spelled-out phrase is matched as words already
    x = candidate_features(q, hits)
    assert x[1, COL["cover_terms"]] == 1 and x[0, COL["cover_terms"]] == 0


def test_features_are_unchanged_where_no_other_form_is_met(monkeypatch):
    """Questions that write no acronym or date, and one whose acronym no candidate spells out, get the features
    they had before other_forms."""
    import ragtune.appliance.rerank_features as rf

    hits = _agm_hits()
    questions = ["where do I leave the keys after locking up", "How many chairs are in the Main Hall?",
                 "um who runs the er the Saturday cafe", "Is the PPE cupboard locked at night?"]
    before = {}
    monkeypatch.setattr(rf, "other_forms", lambda query, qt: None)
    for q in questions:
        before[q] = candidate_features(q, hits, original=q + " no wait")
    monkeypatch.undo()
    for q in questions:
        assert np.array_equal(candidate_features(q, hits, original=q + " no wait"), before[q]), q
