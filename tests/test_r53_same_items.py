"""Round 53: the loop the four "English unchanged" benchmark scripts share (benchmarks/same_items.py), on a made-up
BEIR folder: which source is a question's gold one, and the spans round 51 tried (the rules the four copies of the
loop had; the scripts' outputs were byte-identical before and after the move)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "same_items.py"


@pytest.fixture(scope="module")
def same():
    spec = importlib.util.spec_from_file_location("same_items", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _beir(folder: Path, docs: list[dict], queries: list[dict], qrels: list[tuple[str, str]]) -> str:
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries), encoding="utf-8")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n"
                                               + "".join(f"{q}\t{c}\t1\n" for q, c in qrels), encoding="utf-8")
    return str(folder)


def test_the_gold_source_is_the_first_qrels_row_else_the_context_id(same, tmp_path):
    a = _beir(tmp_path / "a", [{"_id": "d1", "text": "one"}, {"_id": "d2", "text": "two"}, {"_id": "d3"}],
              [{"_id": "q1", "text": "Q1?"}, {"_id": "q2", "text": "Q2?", "metadata": {"context_id": "d2"}},
               {"_id": "q3", "text": "Q3?", "metadata": {"context_id": "d2"}}, {"_id": "q4", "text": "Q4?"},
               {"_id": "q5", "text": "Q5?", "metadata": {"context_id": "d3", "answers": ["x"]}}],
              [("q1", "d1"), ("q1", "d2"), ("q3", "nosuch")])
    b = _beir(tmp_path / "b", [{"_id": "d1", "text": "other set"}], [{"_id": "q1", "text": "B1?"}], [("q1", "d1")])
    got = [(Path(f).name, qid, q, meta, text) for f, qid, q, meta, text in same.items([a, b])]
    assert got == [("a", "q1", "Q1?", {}, "one"),  # its first qrels row, not its second
                   ("a", "q2", "Q2?", {"context_id": "d2"}, "two"),  # no qrels row: the context_id
                   ("a", "q3", "Q3?", {"context_id": "d2"}, None),  # a qrels row wins, even to a missing document
                   ("a", "q4", "Q4?", {}, None),
                   ("a", "q5", "Q5?", {"context_id": "d3", "answers": ["x"]}, ""),  # a document without text
                   ("b", "q1", "B1?", {}, "other set")]


def test_r51_spans_are_found_answers_then_three_windows(same):
    clean = ("Short one. The tenant paid the rent of 1,850 pounds monthly! Alpha beta gamma delta epsilon zeta. "
             "Is this the fourth long sentence here? Eta theta iota kappa lambda mu nu.")
    spans = same.r51_spans({"answers": ["1,850 pounds", "", "not in it"]}, clean)
    assert spans == ["1,850 pounds", "paid the rent", "gamma delta epsilon", "the fourth long"]
    assert same.r51_spans({}, "") == []
