"""Report files: present, self-contained HTML (no scripts, no network references), tables and the CLI contract."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest
from click.testing import CliRunner

from ragtune.cli import cli, main
from ragtune.appliance.eval import report as REP
from ragtune.appliance.eval import report_render as RENDER
from ragtune.appliance.eval import run as R
from tests.appliance.eval_fakes import FakeEngine, no_ingest, write_beir


@pytest.fixture(autouse=True)
def fakes(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "good", "ad1": "hallucinate"}))
    monkeypatch.setattr(R, "_default_ingest", no_ingest)


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)


def test_reports_written_and_html_self_contained(settings, tmp_path):
    beir = write_beir(tmp_path / "mini")
    out = tmp_path / "out"
    rep = R.run_eval(settings, beir, R.EvalOptions(adapter="ad1", out=out))
    # a hostile answer with a URL must not become a link or asset in the page
    rep["failures"]["A"].append({"qid": "x", "question": "see https://evil.example/x.js", "gold": [], "status": "ok",
                                 "answer": "<script src='http://evil.example/a.js'></script>", "cited": []})
    files = REP.write_reports(rep, out)
    for f in files.values():
        assert f.is_file() and f.stat().st_size > 0
    html = files["html"].read_text()
    assert not re.search(r"https?://", html), "HTML must not reference any URL"
    p = _Collect()
    p.feed(html)
    p.close()
    assert "script" not in p.tags and "link" not in p.tags and "img" not in p.tags
    assert not [v for k, v in p.attrs if k in ("src", "href")]
    assert p.tags.count("svg") >= 10  # one chart per metric + safety + latency
    assert "rect" in p.tags
    md = files["md"].read_text()
    for name in ("Arm A", "Arm B", "Arm C", "Delta C-A", "Delta C-B", "Decision: n/a (smoke test)", "Safety set",
                 "Adapter: `id-ad1` (served merged into the base)"):
        assert name in md
    assert rep["adapter_merge"] is True and list(rep["adapter_served"]) == ["merged"]
    assert "(served as a run-time LoRA)" in REP.render_markdown({**rep, "adapter_merge": False, "adapter_served": {}})
    assert json.loads(files["json"].read_text())["run_id"] == rep["run_id"]


def test_the_report_says_how_the_engine_served_the_adapter_not_how_it_was_set(settings, tmp_path, monkeypatch):
    """A merge that fell back to run-time LoRA (an adapter merged.py cannot merge) is reported as such, with a note:
    the latencies are not those of the configured serving."""
    eng = FakeEngine({"none": "good", "ad1": "good"})
    eng.serves = "lora"
    monkeypatch.setattr(R, "_default_engine", lambda s: eng)
    assert settings.generate.adapter_merge
    rep = R.run_eval(settings, write_beir(tmp_path / "mini"), R.EvalOptions(arms="A,C", adapter="ad1",
                                                                            out=tmp_path / "o"))
    assert rep["adapter_merge"] is False and list(rep["adapter_served"]) == ["lora"]
    assert any("served as a run-time LoRA" in n for n in rep["notes"])
    assert "(served as a run-time LoRA)" in REP.render_markdown(rep)
    mixed = {**rep, "adapter_merge": None, "adapter_served": {"merged": 3, "lora": 1}}
    assert "(served merged into the base for 3 answers, as a run-time LoRA for 1 answer)" in REP.render_markdown(mixed)


def test_served_as_counts_the_adapter_arms_answers_and_falls_back_to_the_setting_for_old_results(settings):
    arms = R.make_arms(R.parse_arms("A,C"), "ad1")[0]
    old = {("A", "q1"): {"status": "ok"}, ("C", "q1"): {"status": "ok"}}
    assert R.served_as(settings, arms, old) == ({"adapter_merge": True, "adapter_served": {}}, [])
    new = {("A", "q1"): {"adapter_served": "none"}, ("C", "q1"): {"adapter_served": "merged"},
           ("C", "q2"): {"adapter_served": "lora"}}
    got, notes = R.served_as(settings, arms, new)
    assert got == {"adapter_merge": None, "adapter_served": {"merged": 1, "lora": 1}} and len(notes) == 1
    remote = {("C", "q1"): {"adapter_served": "remote"}}
    assert R.served_as(settings, arms, remote) == ({"adapter_merge": False, "adapter_served": {"remote": 1}}, [])


def test_bar_chart_values_and_threshold():
    svg = RENDER.bar_chart("Groundedness", {"A": 0.5, "C": None}, threshold=0.9, threshold_label="criterion 90%")
    assert "50.0%" in svg and "n/a" in svg and "criterion 90%" in svg and svg.count("<rect") == 1


def test_cli_json_prints_exactly_one_object(tmp_path):
    beir = write_beir(tmp_path / "mini")
    res = CliRunner().invoke(cli, ["eval", "run", str(beir), "--adapter", "ad1", "--limit", "4", "--seed", "3",
                                   "--out", str(tmp_path / "o"), "--json"])
    assert res.exit_code == 0, res.output
    obj = json.loads(res.stdout)
    for arm in ("A", "B", "C"):
        for key in ("task_success", "groundedness", "hallucination_rate", "schema_adherence", "repair_rate",
                    "refusal_precision", "refusal_recall", "citation_precision", "citation_recall",
                    "latency_p50_ms", "latency_p95_ms", "n"):
            assert key in obj["arms"][arm], (arm, key)
        assert obj["arms"][arm]["n"] == 4
    assert set(obj["deltas"]) == {"C-A", "C-B"}
    assert obj["decision"]["go"] is False and obj["decision"]["reasons"]
    assert {"safety", "run_id", "out"} <= set(obj)


def test_cli_human_output_and_bad_input(tmp_path, capsys):
    beir = write_beir(tmp_path / "mini")
    res = CliRunner().invoke(cli, ["eval", "run", str(beir), "--arms", "A", "--no-safety", "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "decision: n/a (smoke test)" in res.stdout and "report.html" in res.stdout  # 8 questions
    assert "A where lost: 5 answerable: right " in res.stdout  # losses.summary, one line per arm
    assert main(["eval", "run", str(tmp_path / "missing")]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["eval", "run"]) == 2


def test_cli_adapter_scale_is_the_adapter_arms_and_shown_only_when_not_1(tmp_path, capsys):
    beir = write_beir(tmp_path / "mini")
    args = ["eval", "run", str(beir), "--adapter", "ad1", "--arms", "A,C", "--limit", "4", "--no-safety", "--json"]
    plain = json.loads(CliRunner().invoke(cli, args + ["--out", str(tmp_path / "o1")]).stdout)
    one = json.loads(CliRunner().invoke(cli, args + ["--out", str(tmp_path / "o2"), "--adapter-scale", "1"]).stdout)
    assert "adapter_scale" not in plain and "adapter_scale_adapter" not in plain
    assert one["run_id"] == plain["run_id"] and "adapter_scale_adapter" not in one  # 1.0: the runs before it
    res = CliRunner().invoke(cli, args[:-1] + ["--out", str(tmp_path / "o3"), "--adapter-scale", "1.25"])
    assert res.exit_code == 0, res.output
    assert "adapter scale: 1.25 (the arms with the adapter)" in res.stdout
    rep = json.loads((tmp_path / "o3" / "report.json").read_text())
    assert (rep["adapter_scale"], rep["adapter_scale_adapter"]) == ("auto", 1.25) and rep["run_id"] != plain["run_id"]
    assert "(served merged into the base), at adapter_scale 1.25." in (tmp_path / "o3" / "report.md").read_text()
    assert ", at adapter_scale 1.25; seed" in (tmp_path / "o3" / "report.html").read_text()
    for bad in ("0", "-1", "5", "nan", "x"):
        assert main(["eval", "run", str(beir), "--adapter-scale", bad]) == 2
        err = capsys.readouterr().err
        assert "--adapter-scale" in err and ("must be a number 0 < s <= 4" in err or "not a valid float" in err)


def test_tiny_run_report_warns_and_hides_empty_charts(settings, tmp_path, monkeypatch):
    """Issue 18 item 4: a 4-question run of an engine that refuses everything. Charts that are n/a for every arm
    are named once instead of drawn empty, the task success made only of refusals says so, the skipped safety set
    says 'skipped' (not '0/0'), the page warns that n is too small, and the charts scale with the page."""
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "bad"}))
    beir = write_beir(tmp_path / "mini")
    rep = R.run_eval(settings, beir, R.EvalOptions(arms="A", limit=4, safety=False, out=tmp_path / "o"))
    a = rep["arms"]["A"]
    assert a["n_correct_answers"] == 0 and a["n_correct_refusals"] >= 1 and a["task_success"] > 0
    assert any("too small for a go/no-go decision" in w for w in rep["warnings"])
    assert any("only from correct refusals" in w for w in rep["warnings"])
    html = (tmp_path / "o" / "report.html").read_text()
    assert "Warning:" in html and "refusals only" in html
    assert "Not applicable in this run" in html and "groundedness" in html.split("Not applicable in this run")[1]
    assert "Skipped (<code>--no-safety</code>)" in html and "0/0" not in html
    # every drawn rate chart has at least one bar; no fixed pixel width (the grid sizes them)
    charts = re.findall(r'<svg class="chart"[^>]*>.*?</svg>', html, flags=re.S)
    assert charts and all("<rect" in c for c in charts)
    assert not re.search(r'<svg class="chart[^"]*" width=', html)
    md = (tmp_path / "o" / "report.md").read_text()
    assert "**Warning:**" in md and "Skipped (`--no-safety`)" in md and "0 correct answers" in md


def test_cli_prints_warnings_and_task_success_breakdown(tmp_path, monkeypatch):
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "bad"}))
    beir = write_beir(tmp_path / "mini")
    res = CliRunner().invoke(cli, ["eval", "run", str(beir), "--arms", "A", "--limit", "4", "--no-safety",
                                   "--out", str(tmp_path / "o")])
    assert res.exit_code == 0, res.output
    assert "0 correct answers +" in res.stdout and "warning: n=" in res.stdout


def test_margin_and_warning_thresholds():
    assert round(REP.margin_points(400), 1) == 4.9
    big = {"arms": {"A": {"n_labeled": 1000, "n_correct_answers": 3}}, "criteria": {"min_task_success_delta": 0.05}}
    assert REP.report_warnings(big) == []
    mid = {"arms": {"A": {"n_labeled": 200, "n_correct_answers": 3}}, "criteria": {"min_task_success_delta": 0.05}}
    assert "about 385 questions" in REP.report_warnings(mid)[0]


def test_paired_c_minus_a_judges_the_criterion_when_both_arms_ran():
    from ragtune.appliance.eval.paired import stats_from_counts

    arms = {"A": {"n_labeled": 150, "n_correct_answers": 6}, "C": {"n_labeled": 150, "n_correct_answers": 48}}
    crit = {"min_task_success_delta": 0.05}
    clear = stats_from_counts(both_right=27, up=50, down=8, both_wrong=65)  # +28 points, interval far above 5
    assert REP.report_warnings({"arms": arms, "criteria": crit, "paired": {"C-A": clear}}) == []
    close = stats_from_counts(both_right=30, up=20, down=11, both_wrong=89)  # +6 points, interval reaches below 5
    (w,) = REP.report_warnings({"arms": arms, "criteria": crit, "paired": {"C-A": close}})
    assert "C-A = +6.0 pts meets the 5-point criterion, but its 95% interval" in w and "20 questions up" in w
    # one arm only: no pairs, the margin of a rate on 150 questions is named
    assert "about 385 questions" in REP.report_warnings({"arms": {"C": arms["C"]}, "criteria": crit})[0]


def test_a_smoke_test_says_n_a_not_go_in_every_place(tmp_path, monkeypatch):
    """The repro: `eval run --arms A,C --limit 4` of a better tune warned "treat this run as a smoke test" and then
    printed "decision: GO" (report.json "go": true). Under the minimum the decision is n/a: CLI, json, md, html."""
    monkeypatch.setattr(R, "_default_engine", lambda s: FakeEngine({"none": "bad", "ad1": "good"},
                                                                   latency_ms={"none": 100.0, "ad1": 100.0}))
    beir = write_beir(tmp_path / "mini")
    args = ["eval", "run", str(beir), "--arms", "A,C", "--adapter", "ad1", "--limit", "4", "--no-safety"]
    res = CliRunner().invoke(cli, args + ["--out", str(tmp_path / "h1")])
    assert res.exit_code == 0, res.output
    assert "decision: n/a (smoke test)" in res.stdout and "decision: GO" not in res.stdout
    assert ("  - smoke test, not a decision: n=4 labelled questions per arm (a decision needs at least 30 labelled "
            "questions per arm; --limit 200 or more is recommended)") in res.stdout
    # the warning names the same minimum as the decision (it said "a decision needs --limit 200 or more")
    assert ("this run is a smoke test, not a decision (a decision needs at least 30 labelled questions per arm; "
            "--limit 200 or more is recommended)") in res.stdout
    dec = json.loads((tmp_path / "h1" / "report.json").read_text())["decision"]
    assert dec["go"] is False and dec["smoke_test"] is True
    assert "## Decision: n/a (smoke test)" in (tmp_path / "h1" / "report.md").read_text()
    assert '<h2 class="na">Decision: n/a (smoke test)</h2>' in (tmp_path / "h1" / "report.html").read_text()
    # the same run with enough questions (the minimum lowered to 4 here): a go, said as one everywhere
    monkeypatch.setattr(REP, "MIN_N_FOR_DECISION", 4)
    res = CliRunner().invoke(cli, args + ["--out", str(tmp_path / "h2")])
    assert "decision: GO" in res.stdout and "smoke test" not in res.stdout
    assert json.loads((tmp_path / "h2" / "report.json").read_text())["decision"]["smoke_test"] is False
    assert "## Decision: GO" in (tmp_path / "h2" / "report.md").read_text()
    assert '<h2 class="go">Decision: GO</h2>' in (tmp_path / "h2" / "report.html").read_text()


def test_none_labelled_is_a_no_go_that_says_so_not_a_smoke_test():
    dec = {"go": False, "reasons": ["task success C-A = n/a (no gold labels)"], "checks": []}
    assert REP.mark_smoke_test(dec, {"A": {"n_labeled": 0}, "C": {"n_labeled": 0}})["smoke_test"] is False
    assert RENDER.decision_label(dec) == "NO-GO" and dec["reasons"] == ["task success C-A = n/a (no gold labels)"]
    assert REP.labelled_per_arm({"A": {"n_labeled": 40}, "C": {"n_labeled": 29}}) == 29
    assert REP.labelled_per_arm({"A": {"n_labeled": "4"}}) is None and REP.labelled_per_arm([]) is None
