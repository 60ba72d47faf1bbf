"""Round 48 read-through of near-duplicate lines: two lines with one target are grouped only when their own
questions are near-duplicates (grouping every question first linked them through a third line with another answer),
and a build says on stderr when near-duplicates moved half the holdout or more to training. Invented content only."""

import json

from ragtune.cli import main
from ragtune.models import neardup
from ragtune.models.dataset import write_jsonl

from .test_r48_data import ex

# 20 content words; each neighbour changes one word (Jaccard 0.82 over words and pairs), A and C two (0.7)
_Q = ("which ferry route leaves haverstock harbour early {day} morning towards minnowgate island port carrying "
      "bicycles cars vans trucks buses {who} passengers")
A = _Q.format(day="monday", who="tourist")
B = _Q.format(day="tuesday", who="tourist")
C = _Q.format(day="tuesday", who="local")


def test_lines_are_not_linked_through_a_line_with_another_answer():
    assert neardup.question_groups([A, B, C]) == [0, 0, 0] and neardup.question_groups([A, C]) == [0, 1]
    rows = [ex(A, "the 7:10"), ex(B, "the 8:40"), ex(C, "the 7:10")]
    assert neardup.line_groups(rows) == [0, 1, 2]  # was [0, 1, 0]: A and C reported as near-duplicates
    rows = [ex(A, "the 7:10"), ex(B, "The  7:10"), ex(C, "the 7:10")]  # one target: A ~ B ~ C is one group
    assert neardup.line_groups(rows) == [0, 0, 0]
    rows = [ex("Is there a bar on board?", "No."), ex(A), ex("is there a bar on board", "No.")]
    assert neardup.line_groups(rows) == [0, 1, 0]  # a group's first line is the earliest, across other buckets


def test_a_build_says_when_near_duplicates_empty_or_halve_the_holdout(tmp_path, capsys):
    qs = [f"How long does ferry number {i} take from Haverstock to Minnowgate?" for i in range(10)]
    older = [ex(q, f"{i} minutes", date="2025-01-01") for i, q in enumerate(qs)]
    newer = [ex(q.lower().rstrip("?"), f"{i} minutes", date="2025-06-01") for i, q in enumerate(qs)]
    data = tmp_path / "mine.jsonl"
    write_jsonl(data, older + newer)  # every newer line repeats an older one in other punctuation
    assert main(["dataset", "build", "--from-log", str(data), "--holdout-frac", "0.5", "--out",
                 str(tmp_path / "ds")]) == 0
    err = capsys.readouterr().err
    assert "note: 10 of the 10 newest lines train instead of being held out" in err and "holdout is empty" in err
    assert json.loads((tmp_path / "ds" / "report.json").read_text())["split"]["holdout"] == 0
    write_jsonl(data, older + newer[:5] + [ex(f"Is cabin {i} on the MV Pelham quiet?", "Yes.", date="2025-06-01")
                                           for i in range(5)])
    assert main(["dataset", "build", "--from-log", str(data), "--holdout-frac", "0.5", "--out",
                 str(tmp_path / "ds2")]) == 0
    assert "note: 5 of the 10 newest lines train instead" in capsys.readouterr().err  # halved: said too
    write_jsonl(data, older + newer[:1] + [ex(f"Is cabin {i} on the MV Pelham quiet?", "Yes.", date="2025-06-01")
                                           for i in range(9)])
    assert main(["dataset", "build", "--from-log", str(data), "--holdout-frac", "0.5", "--out",
                 str(tmp_path / "ds3")]) == 0
    assert "newest lines train instead" not in capsys.readouterr().err  # one of ten: report.md only
