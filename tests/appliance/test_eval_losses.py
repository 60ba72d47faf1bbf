"""Where answers are lost (eval/losses.py): each question's outcome, the counts and the report's table."""

from __future__ import annotations

from click.testing import CliRunner

from ragtune.appliance.eval import losses as L
from ragtune.appliance.eval import paired as P
from ragtune.cli import cli
from tests.appliance.test_eval_paired import fake_adapters, run  # noqa: F401 (the fixture is used by name)
from tests.appliance.eval_fakes import write_beir

CTX = [{"id": "S1", "text": "The Tower was built in 1889 by Eiffel's firm."},
       {"id": "S2", "text": "A war of 2006 Israel - Lebanon, said the paper."}]
ANS = {"answerable": True, "answers": ["1889"]}


def res(status="ok", answer="", cited=(), context=CTX, reason=None):
    return {"status": status, "answer": answer, "cited_ids": list(cited), "context": list(context),
            "refusal_reason": reason}


def test_gold_holders_read_punctuation_as_a_space():
    assert L.gold_holders(["1889"], CTX) == ["S1"]
    assert L.gold_holders(["During the 2006 Israel-Lebanon war"], CTX) == []
    assert L.gold_holders(["2006 Israel-Lebanon"], CTX) == ["S2"]  # the F1's normalisation would miss it
    assert L.gold_holders(["188"], CTX) == []  # on word boundaries
    assert L.gold_holders([""], CTX) == [] and L.gold_holders(["1889"], []) == []


def test_each_outcome():
    def c(item, result, correct):  # the three facts of where it was lost (withheld: below)
        out = L.classify(item, result, correct)
        return out if "raw_output" in result else {k: v for k, v in out.items() if k != "withheld"}

    assert c(ANS, res(answer="1889", cited=["S1"]), True) == {"outcome": "right", "shown": True, "reason": None}
    assert c(ANS, res(answer="Eiffel's firm", cited=["S1"]), False)["outcome"] == "wrong_span"
    assert c(ANS, res(answer="2006", cited=["S2"]), False)["outcome"] == "wrong_source"
    assert c(ANS, res(answer="x", cited=["S2"], context=CTX[1:]), False) == {"outcome": "wrong", "shown": False,
                                                                              "reason": None}
    refused = c(ANS, res("refused", reason="off_topic"), False)
    assert refused == {"outcome": "refused", "shown": True, "reason": "off_topic"}
    assert c(ANS, res("refused", context=[], reason="no_evidence"), False) == {"outcome": "refused", "shown": None,
                                                                               "reason": "no_evidence"}
    assert c(ANS, res("refused"), False)["reason"] == "model"  # a refusal without a reason is the model's
    # a check after the model refused the model's answer: was it right? (the raw output keeps it)
    checked = res("refused", reason="off_topic")
    assert c(ANS, {**checked, "raw_output": '{"status": "ok", "answer": "in 1889", "citations": ["S1"]}'},
             False)["withheld"] is True
    assert c(ANS, {**checked, "raw_output": '{"status": "ok", "answer": "Eiffel", "citations": ["S1"]}'},
             False)["withheld"] is False
    for raw in ('{"status": "refused", "answer": "no", "citations": []}', "{broken", None):
        assert c(ANS, {**checked, "raw_output": raw}, False)["withheld"] is None
    una = {"answerable": False, "answers": []}
    assert c(una, res("refused", reason="model"), True) == {"outcome": "refused", "shown": None, "reason": "model"}
    assert c(una, res(answer="1889"), False)["outcome"] == "answered"
    assert c(ANS, res("error", context=[]), False)["outcome"] == "error"
    assert c({"answerable": None, "answers": []}, res(answer="x"), None)["shown"] is None


def test_tally_table_and_summary():
    rows = [{"answerable": True, "outcome": "right", "shown": True},
            {"answerable": True, "outcome": "wrong_span", "shown": True},
            {"answerable": True, "outcome": "refused", "shown": True, "reason": "model"},
            {"answerable": True, "outcome": "refused", "shown": True, "reason": "off_topic", "withheld": True},
            {"answerable": True, "outcome": "refused", "shown": None, "reason": "no_evidence"},
            {"answerable": True, "outcome": "wrong", "shown": False},
            {"answerable": False, "outcome": "refused", "shown": None, "reason": "model"},
            {"answerable": False, "outcome": "answered", "shown": None},
            {"answerable": None, "outcome": "answered", "shown": None},  # unlabelled: not counted
            {"answerable": True, "status": "ok"}]  # a row written before losses.py: skipped
    t = L.tally(rows)
    a = t["answerable"]
    assert (a["n"], a["shown"], a["right"], a["wrong_span"], a["wrong_not_shown"]) == (6, 4, 1, 1, 1)
    assert a["refused_shown"] == {"model": 1, "off_topic": 1} and a["refused_before_model"] == {"no_evidence": 1}
    assert a["withheld_right"] == {"off_topic": 1}
    assert t["unanswerable"] == {"n": 2, "refused": {"model": 1}, "answered": 1, "error": 0}
    table = dict(L.table({"C": t}))
    assert table["answerable questions"] == ["6, gold answer shown for 4"]
    assert table["gold answer shown: refused"] == ["2 (33.3%): model 1, off_topic 1"]
    assert "gold answer shown: answered from another source" not in table  # a row of zeros is left out
    assert L.summary(t).startswith("6 answerable: right 1, wrong span of the gold source 1, refused with the gold")
    assert L.where({"answerable": True, "outcome": "refused", "shown": None, "reason": "no_evidence"}) \
        == "refused before the model (no_evidence)"
    assert L.where({"answerable": True, "outcome": "refused", "shown": True, "reason": "echo", "withheld": True}) \
        == "refused with the gold shown (echo, a right answer withheld)"
    assert L.where({"status": "ok"}) == "ok"


def test_the_report_and_compare_say_where(settings, tmp_path):
    beir = write_beir(tmp_path / "mini")
    rep = run(settings, beir, tmp_path / "o", {"none": "bad", "ad1": "good"}, adapter="ad1", arms="A,C")
    assert rep["losses"]["C"]["answerable"]["right"] == 5
    assert rep["losses"]["A"]["answerable"]["refused_shown"] == {"model": 5}
    rows = P.read_rows(tmp_path / "o" / P.ITEMS_FILE)
    assert {r["outcome"] for r in rows if r["arm"] == "C"} == {"right", "refused"}
    md = (tmp_path / "o" / "report.md").read_text()
    assert "## Where answers are lost" in md and "| gold answer shown: refused | 5 (100.0%): model 5 | " in md
    assert "Where answers are lost" in (tmp_path / "o" / "report.html").read_text()
    out = CliRunner().invoke(cli, ["eval", "compare", str(tmp_path / "o"), "--base-arm", "A"])
    assert out.exit_code == 0, out.output
    assert "gained by arm C (how arm A lost them): refused with the gold shown (model) 5" in out.output
    assert "refused with the gold shown (model): " in out.output  # each flip says where it was lost
