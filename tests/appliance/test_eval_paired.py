"""Paired comparison (eval/paired.py, `ragtune eval compare`): the sign test, the intervals, the rows an eval run
writes, and the command's answers to good and bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from ragtune.cli import cli, main
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


def run(settings, beir, out, modes, **kw):
    return R.run_eval(settings, beir, R.EvalOptions(out=out, safety=False, **kw),
                      engine_factory=lambda s: FakeEngine(modes), ingest=no_ingest)


# -- statistics -----------------------------------------------------------------------------------------------------
def test_sign_test_matches_the_binomial_tail():
    # exact values of the two-sided binomial test at p = 0.5 (scipy.stats.binomtest gives the same)
    assert P.sign_test_p(6, 15) == pytest.approx(0.0783538818, abs=1e-9)
    assert P.sign_test_p(15, 6) == P.sign_test_p(6, 15)
    assert P.sign_test_p(0, 6) == pytest.approx(0.03125)
    assert P.sign_test_p(0, 5) == pytest.approx(0.0625)
    assert P.sign_test_p(0, 0) == 1.0 and P.sign_test_p(3, 3) == 1.0


def test_min_net_significant():
    assert P.min_net_significant(5) is None  # 0 vs 5 is p = 0.0625: no split of five flips is significant
    assert P.min_net_significant(6) == 6
    assert P.min_net_significant(21) == 11
    both = P.pooled([P.stats_from_counts(both_right=1, up=3, down=0, both_wrong=1)] * 2)
    assert (both["n"], both["up"], both["down"]) == (10, 6, 0) and both["p_value"] == pytest.approx(0.03125)  # 5 vs 16 (p = 0.027); 6 vs 15 is p = 0.078
    assert P.sign_test_p(5, 16) < 0.05 <= P.sign_test_p(6, 15)


def test_paired_stats_counts_and_interval():
    base = [True] * 50 + [False] * 50
    new = [True] * 45 + [False] * 5 + [True] * 20 + [False] * 30
    s = P.paired_stats(base, new)
    assert (s["both_right"], s["down"], s["up"], s["both_wrong"]) == (45, 5, 20, 30)
    assert s["base_rate"] == 0.5 and s["new_rate"] == 0.65 and s["delta"] == pytest.approx(0.15)
    lo, hi = s["ci95"]
    assert lo < 0.15 < hi and lo > 0  # 20 up against 5 down is a real gain
    assert s["significant"] and "new is better" in P.verdict(s)
    same = P.paired_stats(base, base)
    assert same["delta"] == 0 and same["p_value"] == 1.0 and not same["significant"]
    assert "no difference shown" in P.verdict(same)
    with pytest.raises(ValueError):
        P.paired_stats([True], [])


def test_wilson_interval():
    lo, hi = P.wilson(5, 10)
    assert lo == pytest.approx(0.2366, abs=1e-3) and hi == pytest.approx(0.7634, abs=1e-3)
    assert P.wilson(0, 10)[0] == 0.0 and P.wilson(10, 10)[1] == 1.0
    assert P.wilson(0, 0) is None


# -- what eval run writes ---------------------------------------------------------------------------------------------
def test_eval_run_writes_rows_and_the_paired_c_minus_a(settings, tmp_path):
    beir = write_beir(tmp_path / "mini")
    rep = run(settings, beir, tmp_path / "o", {"none": "bad", "ad1": "good"}, adapter="ad1", arms="A,C")
    rows = P.read_rows(tmp_path / "o" / P.ITEMS_FILE)
    assert {r["arm"] for r in rows} == {"A", "C"} and len(rows) == 2 * rep["n_questions"]
    pca = rep["paired"]["C-A"]
    assert pca["up"] == 5 and pca["down"] == 0 and pca["delta"] == pytest.approx(5 / 8)
    assert pca["delta"] == pytest.approx(rep["deltas"]["C-A"]["task_success"])
    assert rep["arms"]["C"]["task_success_ci95"][0] < rep["arms"]["C"]["task_success"]
    md = (tmp_path / "o" / "report.md").read_text()
    assert "C-A: +62.5 pts" in md and "5 up, 0 down of 8" in md


# -- eval compare -----------------------------------------------------------------------------------------------------
def test_compare_two_runs_and_two_arms_of_one(settings, tmp_path):
    beir = write_beir(tmp_path / "mini")
    run(settings, beir, tmp_path / "old", {"none": "bad"}, arms="A")
    run(settings, beir, tmp_path / "new", {"none": "good"}, arms="A", seed=1)  # another run id: not a resume
    res = P.compare_runs(tmp_path / "old", tmp_path / "new", arm="A")
    assert res["task_success"]["up"] == 5 and res["task_success"]["down"] == 0
    assert res["answerable"]["n"] + res["unanswerable"]["n"] == res["n_paired"] == 8
    assert len(res["flips"]) == 5 and all(f["direction"] == "up" for f in res["flips"])

    out = CliRunner().invoke(cli, ["eval", "compare", str(tmp_path / "old"), str(tmp_path / "new"), "--arm", "A"])
    assert out.exit_code == 0, out.output
    assert "task success: 37.5% -> 100.0%" in out.output and "UP" in out.output
    assert "no difference shown: 5 up, 0 down of 8, p = 0.06 (no net could be significant at 5 %)" in out.output
    assert "pooled" not in out.output

    run(settings, beir, tmp_path / "ac", {"none": "bad", "ad1": "good"}, adapter="ad1", arms="A,C")
    js = CliRunner().invoke(cli, ["eval", "compare", str(tmp_path / "ac" / "report.json"), "--base-arm", "A", "--json"])
    assert js.exit_code == 0, js.output
    assert json.loads(js.stdout)["pairs"][0]["task_success"]["up"] == 5

    # two pairs of runs: their flips are pooled (5 + 5 up of 16: now significant)
    two = CliRunner().invoke(cli, ["eval", "compare", str(tmp_path / "old"), str(tmp_path / "new"),
                                   str(tmp_path / "old"), str(tmp_path / "new"), "--arm", "A"])
    assert two.exit_code == 0, two.output
    assert "pooled over 2 pairs of runs" in two.output and "NEW is better: 10 up, 0 down of 16" in two.output
    assert "NEW A is better" not in two.output.split("pooled")[0]  # each pair alone: 5 flips are not enough
    assert main(["eval", "compare", str(tmp_path / "old"), str(tmp_path / "new"), str(tmp_path / "old")]) == 2


def test_compare_bad_input_is_a_clear_error(settings, tmp_path, capsys):
    beir = write_beir(tmp_path / "mini")
    run(settings, beir, tmp_path / "a", {"none": "good"}, arms="A")
    assert main(["eval", "compare", str(tmp_path / "nowhere"), str(tmp_path / "a")]) == 2
    assert "nowhere: not found (give a report folder" in capsys.readouterr().err
    (tmp_path / "old").mkdir()
    assert main(["eval", "compare", str(tmp_path / "old"), str(tmp_path / "a")]) == 2
    assert "items.jsonl: not found: compare reads the items.jsonl" in capsys.readouterr().err
    with pytest.raises(InputError, match="with itself: name a second run"):
        P.compare_runs(tmp_path / "a", arm="A")
    # the same run named twice: not "name a second run" (one was named)
    with pytest.raises(InputError, match="both runs named are this one"):
        P.compare_runs(tmp_path / "a", tmp_path / "a", arm="A")
    with pytest.raises(InputError, match="no answers of arm C"):
        P.compare_runs(tmp_path / "a", tmp_path / "a", arm="C", base_arm="A")

    other = write_beir(tmp_path / "other")
    (other / "queries.jsonl").write_text((other / "queries.jsonl").read_text() + "\n")  # another dataset identity
    run(settings, other, tmp_path / "b", {"none": "good"}, arms="A")
    with pytest.raises(InputError, match="different datasets"):
        P.compare_runs(tmp_path / "a", tmp_path / "b", arm="A")

    run(settings, beir, tmp_path / "a2", {"none": "bad"}, arms="A", seed=1)
    items = tmp_path / "a" / P.ITEMS_FILE
    lines = items.read_text().splitlines()
    items.write_text("\n".join(lines[:2] + ['{"arm": "A", "qid": 3}'] + lines[3:]) + "\n")
    with pytest.raises(InputError, match=r"items.jsonl:3: 'qid' must be a str"):
        P.read_rows(items)
    items.write_text("\n".join(lines + [lines[1]]) + "\n")  # one question answered twice in one arm
    with pytest.raises(InputError, match=rf"items.jsonl:{len(lines) + 1}: arm A question .* again \(first on line 2\)"):
        P.read_rows(items)
    items.write_text("\n".join(lines[:1] + ["{not json"]) + "\n")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "a2"), "--arm", "A"]) == 2
    assert "items.jsonl:2" in capsys.readouterr().err
    (tmp_path / "a" / "report.json").write_text("{")
    with pytest.raises(InputError, match=r"report.json:1: invalid JSON"):
        P.compare_runs(tmp_path / "a", tmp_path / "a2", arm="A")


@pytest.mark.parametrize("identity", [5, ["a"], {"sha": "x"}])
def test_a_report_whose_dataset_identity_is_not_text_is_a_clear_error(settings, tmp_path, capsys, identity):
    """Sweep: a hand-edited report.json with `"identity": 5` ended in an internal error (TypeError)."""
    beir = write_beir(tmp_path / "mini")
    run(settings, beir, tmp_path / "a", {"none": "good"}, arms="A")
    run(settings, beir, tmp_path / "b", {"none": "bad"}, arms="A", seed=1)
    report = tmp_path / "b" / "report.json"
    doc = json.loads(report.read_text())
    doc["dataset"]["identity"] = identity
    report.write_text(json.dumps(doc))
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--arm", "A"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {report}: dataset.identity must be a string") and "internal error" not in err
