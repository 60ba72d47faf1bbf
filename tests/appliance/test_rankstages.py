"""The plain stages after fusion: exact duplicates dropped (MMR and the budget trim: tests/appliance/test_fusion.py)."""

from __future__ import annotations

from ragtune.appliance.rankstages import drop_duplicates
from ragtune.appliance.types import Hit


def _hit(cid, text, sha=""):
    return Hit(chunk_id=cid, doc_id=cid, text=text, source=f"{cid}.md", sha256=sha)


def test_drop_duplicates_keeps_the_first_of_each_text_in_order():
    hits = [_hit(5, "a", "h1"), _hit(2, "b", "h2"), _hit(9, "a again", "h1"), _hit(1, "c", "h3"), _hit(3, "b", "h2")]
    assert [h.chunk_id for h in drop_duplicates(hits)] == [5, 2, 1]


def test_drop_duplicates_falls_back_to_the_text_and_keeps_near_copies():
    hits = [_hit(1, "same"), _hit(2, "same"), _hit(3, "same!"), _hit(4, "other")]
    assert [h.chunk_id for h in drop_duplicates(hits)] == [1, 3, 4]
    assert drop_duplicates([]) == []
