"""Review of round 42: `eval retrieval --split dev` said "N queries (dev half); M without a relevant judgement in
the qrels left out" with N counted in the half and M in the whole set. M is now counted in the half too."""

from __future__ import annotations

from ragtune.appliance.eval.ranking import split_of
from ragtune.appliance.eval.retrieval import judged_queries


def test_unjudged_queries_are_counted_in_the_split_that_is_scored():
    queries = [{"_id": f"q{i}", "text": f"question {i}"} for i in range(40)]
    qrels = {f"q{i}": {"d": 1} for i in range(0, 40, 2)}  # the odd ones (e.g. unanswerable) have no judgement
    qrels["q1"] = {"d": 0}  # judged, but not relevant: still no relevant judgement
    kept, unjudged = judged_queries(queries, qrels, None)
    assert len(kept) == 20 and unjudged == 20
    by_half = {}
    for half in ("dev", "test"):
        kept, unjudged = judged_queries(queries, qrels, half)
        assert {q["_id"] for q in kept} == {f"q{i}" for i in range(0, 40, 2) if split_of(f"q{i}") == half}
        assert unjudged == sum(1 for i in range(1, 40, 2) if split_of(f"q{i}") == half)
        by_half[half] = unjudged
    assert sum(by_half.values()) == 20 and 0 < by_half["dev"] < 20  # each half's own, not the set's
