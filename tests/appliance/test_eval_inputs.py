"""Adversarial inputs to `ragtune eval run|compare|calibrate` (round 37 QA pass): each is a clear error naming the
file (and line) where it applies, never a traceback, never a report that mixes runs; and a run stopped half way
and run again reports exactly what an uninterrupted one does."""

from __future__ import annotations

import dataclasses
import json
import os

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import calibrate as C
from ragtune.appliance.eval import paired as P
from ragtune.appliance.eval import run as R
from ragtune.appliance.home import Home
from ragtune.cli import main
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir
from tests.appliance.test_eval_run import beir, fake_adapters  # noqa: F401 (fixtures: a mini BEIR set, named adapters)


def run(settings, dataset, engine, **kw):
    kw.setdefault("safety", False)
    return R.run_eval(settings, dataset, R.EvalOptions(**kw), engine_factory=lambda s: engine, ingest=no_ingest)


def write_queries(folder, queries):
    """Replace a BEIR folder's queries (and its qrels with a judgement on d1 for each asked one)."""
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    asked = [q["_id"] for q in queries if str(q.get("text", "")).strip()]
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\td1\t1\n" for q in asked))


# -- datasets -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("meta, msg", [
    ({"answers": ["1889"], "answerable": False}, r"mini/queries.jsonl:2: query q2: metadata.answerable is false but "
                                                 r"metadata.answers gives 1"),
    ({"answers": [""]}, r"mini/queries.jsonl:2: query q2: metadata.answers\[0\] is '': a gold answer needs a word"),
    ({"answers": ["...", "the"]}, r"queries.jsonl:2: query q2: metadata.answers\[0\] is '...'"),
    ({"answers": ["The"], "answerable": True}, r"metadata.answers\[0\] is 'The'"),
])
def test_gold_that_would_score_wrongly_names_the_line(beir, meta, msg):
    """Sweep: answerable false with answers was read as "should refuse" and its answers dropped; a gold answer with
    no words ("", "...", "the") matched every answer that normalises to nothing, so an "ok" "." scored as right."""
    write_queries(beir, [{"_id": "q1", "text": "When?", "metadata": {"answers": ["1889"]}},
                         {"_id": "q2", "text": "Where?", "metadata": meta}])
    with pytest.raises(InputError, match=msg):
        R.load_dataset(beir)


def test_a_blank_gold_answer_beside_usable_ones_is_left_out_with_a_note(beir):
    write_queries(beir, [{"_id": "q1", "text": "When?", "metadata": {"answers": ["1889", "...", "the"]}}])
    ds = R.load_dataset(beir)
    assert ds.items[0]["answers"] == ["1889"]
    assert any("2 gold answer(s) with no words" in n for n in ds.notes)


def test_a_blank_gold_answer_in_a_training_set_names_the_line(tmp_path):
    path = tmp_path / "t.jsonl"
    ok = {"prompt": {"user": "q?", "context": [{"id": "S1", "text": "x"}]},
          "output": {"status": "ok", "answer": "x", "citations": ["S1"]}}
    path.write_text(json.dumps(ok) + "\n" + json.dumps({**ok, "output": {**ok["output"], "answer": " . "}}) + "\n")
    with pytest.raises(InputError, match=r"t.jsonl:2: output.answer\[0\] is ' . '"):
        R.load_dataset(path)


def test_only_blank_queries_says_so(beir):
    write_queries(beir, [{"_id": "q1", "text": " ", "metadata": {}}, {"_id": "q2", "text": "", "metadata": {}}])
    with pytest.raises(InputError, match=r"queries.jsonl: no queries \(2 with blank text left out\)"):
        R.load_dataset(beir)


# -- resume ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("concurrency", [1, 2])
def test_a_run_stopped_and_run_again_reports_what_an_uninterrupted_one_does(settings, beir, tmp_path, concurrency):
    modes = {"none": "good", "ad1": "hallucinate"}
    kw = dict(adapter="ad1", arms="A,C", seed=3, safety=True)
    whole = run(dataclasses.replace(settings, home=Home(tmp_path / "other-home")), beir, FakeEngine(modes),
                out=tmp_path / "whole", **kw)
    with pytest.raises(KeyboardInterrupt):
        run(settings, beir, FakeEngine(modes, stop_after=7), out=tmp_path / "stopped", concurrency=concurrency, **kw)
    again = run(settings, beir, FakeEngine(modes), out=tmp_path / "stopped", **kw)
    assert again["resumed"] >= 7 and again["run_id"] == whole["run_id"]

    def same(report):  # what differs by nature: timings, where it was written, how much was answered this time
        report = json.loads(json.dumps(report, default=str))
        for key in ("elapsed_s", "answered_now", "resumed", "out"):
            report.pop(key)
        for m in report["arms"].values():
            for key in [k for k in m if "latency" in k or k.endswith("_ms")]:
                m.pop(key)
        return report

    assert same(again) == same(whole)
    assert (tmp_path / "stopped" / P.ITEMS_FILE).read_text() == (tmp_path / "whole" / P.ITEMS_FILE).read_text()


# -- --out ---------------------------------------------------------------------------------------------------------
def test_an_out_folder_with_its_own_items_jsonl_is_refused(settings, beir, tmp_path):
    """Sweep: `--out DIR` checked report.* only, and replaced the items.jsonl DIR already held."""
    out = tmp_path / "mine"
    out.mkdir()
    (out / "items.jsonl").write_text("my own list\n")
    (out / "notes.txt").write_text("kept")
    with pytest.raises(InputError, match=r"mine: holds items.jsonl that an eval run did not write"):
        run(settings, beir, FakeEngine(), arms="A", out=out)
    assert (out / "items.jsonl").read_text() == "my own list\n"
    (out / "items.jsonl").unlink()
    run(settings, beir, FakeEngine(), arms="A", out=out)
    assert (out / "notes.txt").read_text() == "kept"  # other files are left alone
    whole = (out / "items.jsonl").read_text()
    (out / "items.jsonl").write_text("{oops\n" + whole[:-30])  # damaged beside the run's report: rewritten
    run(settings, beir, FakeEngine(), arms="A", out=out)
    assert (out / "items.jsonl").read_text() == whole
    for name in ("report.json", "report.md", "report.html"):  # a first run killed between writing items.jsonl
        (out / name).unlink()                                   # and its reports: its own rows are no obstacle
    run(settings, beir, FakeEngine(), arms="A", out=out)


# -- compare -----------------------------------------------------------------------------------------------------
def test_compare_refuses_rows_of_another_run(settings, beir, tmp_path, capsys):
    a = run(settings, beir, FakeEngine({"none": "good"}), arms="A", out=tmp_path / "a")
    b = run(settings, beir, FakeEngine({"none": "bad"}), arms="A", out=tmp_path / "b", seed=1)
    items_a, items_b = tmp_path / "a" / P.ITEMS_FILE, tmp_path / "b" / P.ITEMS_FILE
    assert all(r["run"] == a["run_id"] for r in P.read_rows(items_a))
    text_a, lines_b = items_a.read_text(), items_b.read_text().splitlines()
    # a line pasted from another run
    foreign = {**json.loads(lines_b[0]), "qid": "zz"}
    items_a.write_text(text_a + json.dumps(foreign) + "\n")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--arm", "A"]) == 2
    err = capsys.readouterr().err
    assert f"items.jsonl:{len(QUERIES) + 1}: a row of run {b['run_id']}, but line 1 is of run {a['run_id']}" in err
    # another run's items.jsonl beside this run's report.json
    items_a.write_text("\n".join(lines_b) + "\n")
    assert main(["eval", "compare", str(tmp_path / "a"), str(tmp_path / "b"), "--arm", "A"]) == 2
    assert f"answers of run {b['run_id']}, but report.json beside it is run {a['run_id']}" in capsys.readouterr().err
    items_a.write_text(text_a)
    # the same run under another spelling of its path is still the same run
    with pytest.raises(InputError, match="with itself"):
        P.compare_runs(tmp_path / "a", tmp_path / "a" / ".." / "a", arm="A")


@pytest.mark.parametrize("key, value, msg", [("question", 5, "'question' must be a string"),
                                             ("gold", "1889", "'gold' must be a list of strings"),
                                             ("gold", [1889], "'gold' must be a list of strings"),
                                             ("answer", {"x": 1}, "'answer' must be a string"),
                                             ("cited", None, "'cited' must be a list of strings"),
                                             ("f1", "high", "'f1' must be a number"),
                                             ("run", 7, "'run' must be a string")])
def test_a_hand_edited_row_of_the_wrong_type_is_a_clear_error(settings, beir, tmp_path, capsys, key, value, msg):
    """Sweep: a row whose question, gold or answer had another type crashed `eval compare` (TypeError) when that
    question had flipped."""
    run(settings, beir, FakeEngine({"none": "good", "ad1": "bad"}), adapter="ad1", arms="A,C", out=tmp_path / "a")
    items = tmp_path / "a" / P.ITEMS_FILE
    rows = [json.loads(line) for line in items.read_text().splitlines()]
    rows[1][key] = value
    items.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert main(["eval", "compare", str(tmp_path / "a"), "--base-arm", "A", "--arm", "C"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {items}:2: {msg}") and "Traceback" not in err


# -- --reuse -----------------------------------------------------------------------------------------------------
def test_reuse_refusals_name_what_differs(settings, beir, tmp_path):
    a = run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "a", seed=0)
    with pytest.raises(InputError, match=r"other answer settings \(generate.max_tokens: 256 there, 77 here\)"):
        run(settings.replace("generate", max_tokens=77), beir, FakeEngine(), arms="A", out=tmp_path / "b", seed=0,
            reuse=[a["run_id"]])
    with pytest.raises(InputError, match=r"another seed \(0, this run 4\)"):
        run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "b", seed=4, reuse=[a["run_id"]])
    (beir / "queries.jsonl").write_text((beir / "queries.jsonl").read_text().replace("Eiffel", "Eifel"))
    with pytest.raises(InputError, match=r"the dataset at .*mini changed since it ran"):
        run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "c", seed=0, reuse=[a["run_id"]])


# -- calibrate ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("answerable, missing", [(True, "unanswerable"), (False, "answerable")])
def test_calibrate_refuses_a_split_of_one_kind_before_asking(settings, beir, tmp_path, answerable, missing):
    """Sweep: on answerable questions alone every threshold "refuses precisely" nothing; on unanswerable ones alone
    refusing everything wins, and was written to the config, where serving would refuse every question."""
    write_queries(beir, [{"_id": q, "text": t, "metadata": {"answers": a}}
                         for q, (t, a, _d) in QUERIES.items() if bool(a) == answerable])
    with pytest.raises(InputError, match=rf"mini has no {missing} questions \(") as ei:
        C.calibrate(settings, beir, C.CalibrateOptions(split=None, out=tmp_path / "o"),
                    engine_factory=lambda s: pytest.fail("nothing may be asked"), ingest=no_ingest)
    assert "--judge" in ei.value.hint
    assert not settings.home.config_path.exists() or "refusal_threshold" not in settings.home.config_path.read_text()


def test_a_seed_past_32_bits_is_refused_by_the_cli(capsys):
    assert main(["eval", "run", "x", "--seed", str(2**32)]) == 2
    assert "--seed" in capsys.readouterr().err


def test_a_limit_past_the_set_asks_every_question_and_says_so(settings, beir, tmp_path):
    report = run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "o", limit=50, split="dev")
    n = report["n_questions"]
    assert 0 < n < len(QUERIES) and report["arms"]["A"]["n"] == n
    assert f"--limit 50 is more than the {n} questions of the dev split: every one is asked" in report["notes"]
    for bad in (0, -3):
        with pytest.raises(InputError, match="--limit must be >= 1"):
            run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "x", limit=bad)


def test_arms_that_all_need_a_missing_adapter_are_refused(settings, beir, tmp_path):
    """Sweep: `--arms B` (or B,C) without an adapter wrote a report of no arm at all."""
    with pytest.raises(InputError, match=r"--arms B,C: arm B skipped: no adapter given") as ei:
        run(settings, beir, FakeEngine(), arms="b,C,B", out=tmp_path / "o")
    assert "--adapter" in ei.value.hint and not (tmp_path / "o").exists()
    assert list(run(settings, beir, FakeEngine(), arms=" c , a ", out=tmp_path / "o")["arms"]) == ["A"]


def test_a_device_or_a_pipe_given_as_the_dataset_is_said_as_one(tmp_path):
    """`load_dataset(/dev/null)` (the library, not the CLI, which refuses it as it parses) said "no such file or
    folder"."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in ("/dev/null", fifo):
        with pytest.raises(InputError) as e:
            R.load_dataset(path)
        assert e.value.message == f"{path}: a device, pipe or socket, not a BEIR folder or a training-format .jsonl file"


@pytest.mark.parametrize("bad", ["DATASET", "--out"])
def test_a_dataset_or_report_folder_whose_path_is_not_utf8_is_refused_before_any_work(settings, tmp_path, bad):
    beir_dir = write_beir(tmp_path / (os.fsdecode(b"be\xe9ir") if bad == "DATASET" else "beir"))
    out = tmp_path / (os.fsdecode(b"out\xe9") if bad == "--out" else "out")
    with pytest.raises(InputError) as e:
        run(settings, beir_dir, FakeEngine(), arms="A", out=out)
    shown = f"{tmp_path}/be\\xe9ir" if bad == "DATASET" else f"{tmp_path}/out\\xe9"
    assert e.value.message == f"{bad} {shown}: its path is not valid UTF-8 (the run records it)"
    assert e.value.hint == "rename it, or give a path whose names are UTF-8" and not out.exists()
