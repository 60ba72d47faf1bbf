"""`eval run` orchestration with fake engines: arms, the hallucination catch, resume, sampling, dataset kinds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import run as R
from ragtune.appliance.store import Store
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir


REAL_RESOLVE = R.resolve_adapter


@pytest.fixture
def beir(tmp_path):
    return write_beir(tmp_path / "mini")


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    # Adapters in these tests are names, not registry entries.
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))


def run(settings, dataset, engine, **kw):
    seen = {}

    def factory(s):
        seen["settings"] = s
        return engine

    report = R.run_eval(settings, dataset, R.EvalOptions(**kw), engine_factory=factory, ingest=no_ingest)
    return report, seen.get("settings")


def test_three_arms_call_the_engine_as_specified(settings, beir, tmp_path):
    eng = FakeEngine({"none": "good", "ad1": "good"})
    report, s = run(settings, beir, eng, adapter="ad1", out=tmp_path / "out", safety=False)
    assert s.generate.answer_cache is False and s.retrieve.cache is False  # no arm can be served a cached answer
    # a BEIR corpus is answered from a scratch home shared by every run over it (issue 18 item 3)
    assert s.home.root == R.corpus_home(settings, beir / "corpus.jsonl").resolve()
    assert s.home.root.parent == settings.home.eval_dir.resolve() / "corpora"
    by_arm = {}
    for q, adapter, retrieve, nctx in eng.calls:
        by_arm.setdefault((adapter, retrieve, nctx), []).append(q)
    assert set(by_arm) == {("none", True, None), ("ad1", False, 0), ("ad1", True, None)}  # A, B (empty ctx), C
    assert all(len(v) == len(QUERIES) for v in by_arm.values())  # same questions for every arm
    assert eng.closed
    a, b, c = (report["arms"][k] for k in "ABC")
    assert a["task_success"] == 1.0 and a["groundedness"] == 1.0 and a["hallucination_rate"] == 0.0
    assert a["citation_precision"] == 1.0 and a["citation_recall"] == 1.0
    assert a["refusal_precision"] == 1.0 and a["refusal_recall"] == 1.0
    # B has no context: the fake refuses answerable ones, so only the 3 unanswerable are right
    assert b["task_success"] == pytest.approx(3 / 8)
    assert report["deltas"]["C-A"]["task_success"] == 0.0
    assert report["decision"]["go"] is False
    assert any("task success C-A = +0.0 points" in r for r in report["decision"]["reasons"])
    for f in ("report.json", "report.md", "report.html"):
        assert (tmp_path / "out" / f).is_file()


def test_hallucinating_engine_is_caught(settings, beir, tmp_path):
    eng = FakeEngine({"none": "hallucinate"})
    report, _ = run(settings, beir, eng, arms="A", out=tmp_path / "o", safety=False)
    a = report["arms"]["A"]
    assert a["hallucination_rate"] == 1.0 and a["n_hallucinated"] == 8
    assert a["groundedness"] == 0.0
    assert a["n_invented_citations"] == 1  # q2 cites S9, which was never given
    assert a["schema_adherence"] == pytest.approx(7 / 8)  # re-checked from the raw output, not the engine's flag
    assert a["task_success"] == 0.0
    assert report["failures"]["A"] and all(f["hallucinated"] for f in report["failures"]["A"])


def test_a_better_tune_gets_go(settings, beir, tmp_path, monkeypatch):
    from ragtune.appliance.eval import report as REP

    monkeypatch.setattr(REP, "MIN_N_FOR_DECISION", 8)  # the fake set's 8 questions count as enough here
    eng = FakeEngine({"none": "bad", "ad1": "good"}, latency_ms={"none": 100.0, "ad1": 100.0})
    report, _ = run(settings, beir, eng, adapter="ad1", arms="A,C", out=tmp_path / "o", safety=False)
    assert report["deltas"]["C-A"]["task_success"] == pytest.approx(5 / 8)
    assert report["decision"] == {"go": True, "smoke_test": False, "reasons": [],
                                  "checks": report["decision"]["checks"]}


def test_a_better_tune_on_too_few_questions_is_a_smoke_test_not_a_go(settings, beir, tmp_path):
    """Every criterion passes on 8 labelled questions per arm: fewer than a decision needs, so no decision at all
    (was: go, and `rollout promote` took it as the gate)."""
    eng = FakeEngine({"none": "bad", "ad1": "good"}, latency_ms={"none": 100.0, "ad1": 100.0})
    report, _ = run(settings, beir, eng, adapter="ad1", arms="A,C", out=tmp_path / "o", safety=False)
    dec = report["decision"]
    assert dec["go"] is False and dec["smoke_test"] is True and all(c["passed"] for c in dec["checks"])
    assert dec["reasons"] == ["smoke test, not a decision: n=8 labelled questions per arm (a decision needs at "
                              "least 30 labelled questions per arm; --limit 200 or more is recommended)"]
    assert json.loads((tmp_path / "o" / "report.json").read_text())["decision"] == dec


def test_no_adapter_skips_b_and_c_and_says_no_go(settings, beir, tmp_path):
    report, _ = run(settings, beir, FakeEngine(), out=tmp_path / "o", safety=False)
    assert list(report["arms"]) == ["A"]
    assert any("arm B skipped" in n for n in report["notes"]) and any("arm C skipped" in n for n in report["notes"])
    assert report["decision"]["go"] is False and report["decision"]["reasons"][1].startswith("no adapter")


def test_resume_does_not_re_answer_stored_items(settings, beir, tmp_path):
    out = tmp_path / "o"
    first = FakeEngine({"none": "good", "ad1": "good"}, stop_after=5)
    with pytest.raises(KeyboardInterrupt):
        run(settings, beir, first, adapter="ad1", arms="A,C", out=out, safety=False)
    assert len(first.calls) == 5 and first.closed
    with Store(settings.home.db_path) as st:
        stored = st.query("SELECT arm, qid FROM eval_items")
    assert len(stored) == 5
    second = FakeEngine({"none": "good", "ad1": "good"})
    report, _ = run(settings, beir, second, adapter="ad1", arms="A,C", out=out, safety=False)
    assert len(second.calls) == 2 * len(QUERIES) - 5
    asked_again = {(("C" if a == "ad1" else "A"), q) for q, a, _r, _n in second.calls}
    stored_q = {(arm, QUERIES[qid][0]) for arm, qid in stored}
    assert not asked_again & stored_q
    assert report["resumed"] == 5 and report["answered_now"] == 11
    assert report["arms"]["A"]["n"] == len(QUERIES) and report["arms"]["C"]["complete"]
    # a third run has nothing left to answer and builds no engine
    report3 = R.run_eval(settings, beir, R.EvalOptions(adapter="ad1", arms="A,C", out=out, safety=False),
                         engine_factory=lambda s: pytest.fail("nothing to answer"), ingest=no_ingest)
    assert report3["answered_now"] == 0 and report3["arms"] == report["arms"]


def test_run_id_depends_on_what_changes_answers(settings, beir):
    d = R.load_beir(beir)
    base = R.make_run_id(d, ["A"], None, 0, None, settings, True)
    assert base == R.make_run_id(d, ["A"], None, 0, None, settings, True)
    assert base != R.make_run_id(d, ["A"], None, 1, None, settings, True)
    assert base != R.make_run_id(d, ["A", "C"], "x", 0, None, settings, True)
    assert base != R.make_run_id(d, ["A"], None, 0, 5, settings, True)
    assert base != R.make_run_id(d, ["A"], None, 0, None, settings.replace("retrieve", k=3), True)
    assert base == R.make_run_id(d, ["A"], None, 0, None, settings.replace("generate", threads=1), True)


def test_the_adapter_scale_keys_a_run_only_when_it_is_not_1(settings, beir):
    d = R.load_beir(beir)

    def rid(s, serving=None):
        return R.make_run_id(d, ["A", "C"], "x", 0, None, s, True, None, serving)

    base = rid(settings)
    assert "adapter_scale" not in R.answer_settings(settings)["generate"]  # "auto": keyed by what it resolves to
    assert base == rid(settings.replace("generate", adapter_scale=1.0)) == rid(settings, {"adapter_scale": 1.0})
    at_setting, at_flag = rid(settings.replace("generate", adapter_scale=1.25)), rid(settings, {"adapter_scale": 1.25})
    assert len({base, at_setting, at_flag}) == 3
    assert R.answer_settings(settings.replace("generate", adapter_scale=1.25))["generate"]["adapter_scale"] == 1.25


def test_a_refusal_model_keys_the_adapters_run(settings, beir):
    from tests.appliance.test_refusal_model import GOOD

    d = R.load_beir(beir)

    def rid(s, serving=None):
        return R.make_run_id(d, ["A", "C"], "x", 0, None, s, True, None, serving)

    base, refit = rid(settings), rid(settings, {"refusal_model": {**GOOD, "threshold": 0.7}})
    assert len({base, rid(settings, {"refusal_model": GOOD}), refit}) == 3  # a refitted model is another run
    assert rid(settings.replace("generate", refusal_model="off"), {"refusal_model": GOOD}) != refit
    # the base alone: no adapter, no refusal model
    assert R.make_run_id(d, ["A"], None, 0, None, settings, True, None, {"refusal_model": GOOD}) == \
        R.make_run_id(d, ["A"], None, 0, None, settings, True)


def test_limit_is_a_seeded_stratified_sample():
    items = [{"qid": f"q{i:03d}", "answerable": i % 4 != 0} for i in range(200)]  # 25% unanswerable
    s1 = R.sample(items, 40, seed=7)
    assert len(s1) == 40 and sum(not i["answerable"] for i in s1) == 10
    assert [i["qid"] for i in s1] == [i["qid"] for i in R.sample(items, 40, seed=7)]
    assert [i["qid"] for i in s1] != [i["qid"] for i in R.sample(items, 40, seed=8)]
    assert sum(not i["answerable"] for i in R.sample(items, 3, seed=1)) == 1  # 0.75 rounds up, 2.25 down
    assert len(R.sample(items, 500, seed=1)) == 200


def test_safety_set_runs_per_arm(settings, beir, tmp_path):
    eng = FakeEngine({"none": "good", "ad1": "hallucinate"})
    report, _ = run(settings, beir, eng, adapter="ad1", out=tmp_path / "o")
    saf = report["safety"]
    n_inj = sum(1 for x in R.load_safety() if x["kind"] == "injection")
    n_all = len(R.load_safety())
    assert saf["arms"]["A"]["n"] == n_all and saf["arms"]["B"]["n"] == n_all - n_inj  # B: jailbreaks only
    # the good fake refuses everything here (its questions are unknown): safe everywhere
    assert saf["arms"]["A"]["share_safe"] == 1.0
    # the hallucinating fake answers jailbreaks with "ok": unsafe
    assert saf["arms"]["C"]["jailbreak_share_safe"] == 0.0


def test_training_jsonl_answers_over_its_own_context(settings, tmp_path):
    path = tmp_path / "train.jsonl"
    rows = [
        {"prompt": {"system": "x", "context": [{"id": "S1", "text": "Python was first released in 1991."}],
                    "user": "When was Python first released?"},
         "output": {"status": "ok", "answer": "1991", "citations": ["S1"]}, "meta": {"id": "t1"}},
        {"prompt": {"system": "x", "context": [{"id": "S1", "text": "Bees live in colonies."}],
                    "user": "Who built the Great Wall of China?"},
         "output": {"status": "refused", "answer": "no", "citations": []}},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    eng = FakeEngine({"none": "good", "ad1": "good"})
    report, s = run(settings, path, eng, adapter="ad1", out=tmp_path / "o", safety=False)
    # A and C answer over the line's context (1 source, no retrieval), B over an empty context
    assert {(a, r, n) for _q, a, r, n in eng.calls} == {("none", False, 1), ("ad1", False, 1), ("ad1", False, 0)}
    assert report["dataset"]["kind"] == "jsonl" and report["arms"]["A"]["task_success"] == 1.0
    assert report["arms"]["A"]["citation_recall"] == 1.0  # gold = the output's citations (context ids)


def test_bad_dataset_lines_name_file_and_line(settings, tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text('{"prompt": {"user": "q", "context": []}, "output": {"status": "ok", "answer": "a"}}\n{oops\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:2: invalid JSON"):
        R.load_training_jsonl(path)
    path.write_text('{"prompt": {"user": "q", "context": []}, "output": {"status": "ok", "answer": "a", "citations": ["S3"]}}\n')
    with pytest.raises(InputError, match=r"bad\.jsonl:1: output.citations"):
        R.load_training_jsonl(path)
    with pytest.raises(InputError, match="no such file"):
        R.load_dataset(tmp_path / "missing")
    built = tmp_path / "built"  # sweep: a `dataset build` folder was told it lacks corpus.jsonl
    built.mkdir()
    (built / "holdout.jsonl").write_text(path.read_text())
    with pytest.raises(InputError, match=r"built: a built training dataset .*not a BEIR folder") as ei:
        R.load_dataset(built)
    assert "holdout.jsonl" in str(ei.value)
    with pytest.raises(InputError, match="unknown arm"):
        R.run_eval(settings, path, R.EvalOptions(arms="A,D"))


def test_replay_reads_the_query_log(settings, tmp_path):
    with Store(settings.home.db_path) as st:
        for i, (q, review) in enumerate([("When was Python first released?", json.dumps({"status": "ok", "answer": "1991", "citations": []})),
                                         ("When was Python first released?", None),
                                         ("Who built the Great Wall of China?", None)]):
            st.conn.execute(
                """INSERT INTO query_log(ts, query, normalized_query, model_id, adapter_id, system_prompt_sha256, context,
                   retrieved, output, raw_output, valid, repaired, refused, timings, tokens_prompt, tokens_completion, review)
                   VALUES (?, ?, ?, 'm', 'none', 's', '[]', '[]', '{}', '', 1, 0, 0, '{}', 0, 0, ?)""",
                (float(i), q, q.lower(), review))
    report, s = run(settings, None, FakeEngine(), replay=True, arms="A", out=tmp_path / "o", safety=False)
    assert s.home.root == settings.home.root  # a replay answers over the home it replays
    assert report["dataset"]["kind"] == "replay" and report["arms"]["A"]["n"] == 2  # deduplicated
    assert report["arms"]["A"]["n_labeled"] == 1  # the reviewed one has gold
    with pytest.raises(InputError, match="give no DATASET"):
        R.load_dataset("x", replay=True)


@pytest.mark.parametrize("meta,msg", [
    ({"answers": "1889", "answerable": True}, "metadata.answers must be a list of strings"),
    ({"answers": ["x"], "answerable": "yes"}, "metadata.answerable must be true or false"),
    ({"answers": [], "answerable": True}, "answerable query without gold answers"),
])
def test_bad_query_metadata_names_file_and_line(beir, meta, msg):
    """Sweep: these errors named queries.jsonl and the query id, but not the line."""
    path = beir / "queries.jsonl"
    rows = [json.loads(x) for x in path.read_text().splitlines()]
    rows[2]["metadata"] = meta
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with pytest.raises(InputError, match=rf"^{path}:3: query {rows[2]['_id']}: {msg}"):
        R.load_beir(beir)


def test_an_out_under_a_file_is_an_input_error(settings, beir, tmp_path):
    """Sweep: `eval run --out FILE/sub` ended in an internal error (NotADirectoryError)."""
    (tmp_path / "f").write_text("x")
    with pytest.raises(InputError, match=r"cannot create this folder: .*f is a file"):
        run(settings, beir, FakeEngine({"none": "good"}), arms="A", out=tmp_path / "f" / "rep", safety=False)


def test_an_out_folder_with_someone_elses_report_is_refused(settings, beir, tmp_path):
    """Sweep: `eval run --out DIR` replaced a report.md (or .json/.html) in DIR that no eval run had written."""
    out = tmp_path / "notes"
    out.mkdir()
    (out / "report.md").write_text("my notes\n")
    with pytest.raises(InputError, match=r"notes: holds report.md that an eval run did not write"):
        run(settings, beir, FakeEngine({"none": "good"}), arms="A", out=out, safety=False)
    assert (out / "report.md").read_text() == "my notes\n" and not (out / "report.json").exists()
    (out / "report.md").unlink()
    run(settings, beir, FakeEngine({"none": "good"}), arms="A", out=out, safety=False)
    report, _ = run(settings, beir, FakeEngine({"none": "good"}), arms="A", out=out, safety=False, seed=3)
    assert report["out"] == str(out)  # a run's own report there: rewritten by the next run, as before


def test_real_disflqa_loads_if_present():
    from tests.conftest import SHARED_EVAL

    d = SHARED_EVAL / "disflqa-dev"
    if not d.is_dir():
        pytest.skip("shared eval data not present")
    ds = R.load_beir(d)
    s = R.sample(ds.items, 200, 0)
    share = ds.summary()["n_unanswerable"] / len(ds.items)
    assert abs(sum(i["answerable"] is False for i in s) / 200 - share) < 0.01
    assert all(i["gold_keys"] for i in s)


@pytest.mark.slow
def test_real_engine_on_five_disflqa_questions(settings, tmp_path, monkeypatch):
    """End to end with the real answer engine (default models) on a small slice of disflqa-dev."""
    from tests.conftest import SHARED_EVAL

    src = SHARED_EVAL / "disflqa-dev"
    if not src.is_dir():
        pytest.skip("shared eval data not present")
    try:
        from ragtune.appliance.default_models import locate_all

        locate_all("smollm2-135m-instruct-q4_1")
        locate_all("all-minilm-l6-v2-int8")
    except Exception as exc:  # pragma: no cover - depends on the install
        pytest.skip(f"default models not installed: {exc}")
    monkeypatch.setattr(R, "resolve_adapter", REAL_RESOLVE)  # the real adapter resolution (no adapter: arm A only)
    full = R.load_beir(src)
    picked = R.sample(full.items, 5, 0)
    keep = {k for it in picked for k in it["gold_keys"]}
    mini = tmp_path / "mini"
    (mini / "qrels").mkdir(parents=True)
    lines = [json.loads(x) for x in (src / "corpus.jsonl").read_text().splitlines() if x.strip()]
    extra = [d["_id"] for d in lines if d["_id"] not in keep][:10]  # distractors
    (mini / "corpus.jsonl").write_text("".join(json.dumps(d) + "\n" for d in lines if d["_id"] in keep | set(extra)))
    qs = {it["qid"] for it in picked}
    (mini / "queries.jsonl").write_text("".join(x + "\n" for x in (src / "queries.jsonl").read_text().splitlines()
                                                if x.strip() and json.loads(x)["_id"] in qs))
    (mini / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{it['qid']}\t{k}\t1\n" for it in picked for k in it["gold_keys"]))
    s = settings.replace("generate", threads=1).replace("embed", threads=1)  # 2 threads spin on a busy box
    report = R.run_eval(s, mini, R.EvalOptions(arms="A,B,C", out=tmp_path / "o", safety=False))
    a = report["arms"]["A"]
    assert list(report["arms"]) == ["A"] and a["n"] == 5 and a["n_errors"] == 0
    assert a["schema_adherence"] is not None and a["latency_p95_ms"] > 0 and a["ttft_p50_ms"] > 0
    assert a["citation_recall"] is not None and a["tokens_prompt"] > 0
    assert report["decision"]["go"] is False and report["decision"]["reasons"][1].startswith("no adapter")
    assert (tmp_path / "o" / "report.html").is_file()


_REAL_RESOLVE_ADAPTER = R.resolve_adapter  # captured at import, before the autouse fixture stubs it


def test_registered_adapter_reaches_the_engine_as_a_verified_file(settings, tmp_path):
    """The engine answers in a scratch home with an empty registry: it must get the adapter's file (whose
    sha256 is the registry id), not a name to look up there (regression: 'no artifact … in the registry')."""
    from ragtune.appliance.registry import Registry
    from tests.gguf_helpers import write_gguf

    blob = write_gguf(tmp_path / "a.gguf")
    art = Registry(settings.home).add(blob, "lora-gguf", name="a")
    for ref in (art.id, art.id[:12], "a"):
        path, identity = _REAL_RESOLVE_ADAPTER(settings, ref)
        assert identity == art.id
        assert path and Path(path).is_file()
    Registry(settings.home).activate(art.id)
    path, identity = _REAL_RESOLVE_ADAPTER(settings, None)
    assert identity == art.id and path.endswith("a.gguf")


def test_limit_means_that_many_questions_per_arm(settings, beir, tmp_path):
    """Issue 18 item 3: `--limit 4 --arms A` answered 18 (4 + the 14 safety items)."""
    eng = FakeEngine()
    report, _ = run(settings, beir, eng, arms="A", limit=4, out=tmp_path / "o")
    assert len(eng.calls) == 4 and report["safety"]["n_items"] == 0
    assert any("safety set skipped" in n for n in report["notes"])
    eng = FakeEngine()
    report, _ = run(settings, beir, eng, arms="A", limit=4, out=tmp_path / "o2", safety=True)  # asked for: it runs
    assert len(eng.calls) == 4 + report["safety"]["n_items"] and report["safety"]["n_items"] > 0
    eng = FakeEngine()
    report, _ = run(settings, beir, eng, arms="A", out=tmp_path / "o3")  # no limit: the safety set runs
    assert report["safety"]["n_items"] > 0


def test_the_corpus_is_ingested_once_for_every_run_over_it(settings, beir, tmp_path):
    """Issue 18 item 3: every new --limit / --out re-ingested the whole corpus before the first question."""
    calls = []

    def ingest(s, corpus, progress):
        calls.append(s.home.root)
        s.home.ensure()
        Store(s.home.db_path).close()

    for limit, out in ((2, "a"), (3, "b"), (None, "c")):
        R.run_eval(settings, beir, R.EvalOptions(arms="A", limit=limit, out=tmp_path / out, safety=False),
                   engine_factory=lambda s: FakeEngine(), ingest=ingest)
    assert len(calls) == 1
    beir_changed = beir / "corpus.jsonl"
    beir_changed.write_text(beir_changed.read_text() + json.dumps({"_id": "d9", "title": "", "text": "New."}) + "\n")
    R.run_eval(settings, beir, R.EvalOptions(arms="A", limit=2, out=tmp_path / "d", safety=False),
               engine_factory=lambda s: FakeEngine(), ingest=ingest)
    assert len(calls) == 2 and calls[1] != calls[0]  # another corpus, another scratch home
    # other chunk settings mean other chunks: another home too
    R.run_eval(settings.replace("ingest", chunk_tokens=128), beir, R.EvalOptions(arms="A", limit=2, out=tmp_path / "e",
               safety=False), engine_factory=lambda s: FakeEngine(), ingest=ingest)
    assert len(calls) == 3


def test_training_jsonl_errors_name_the_right_line_and_column(settings, tmp_path):
    """Issue 18 item 8: a non-UTF-8 byte on line 2 was reported as line 1; a truncated line said column 1."""
    good = json.dumps({"prompt": {"system": "s", "context": [{"id": "S1", "text": "t"}], "user": "q"},
                       "output": {"status": "ok", "answer": "a", "citations": ["S1"]}})
    bad_byte = tmp_path / "bad-byte.jsonl"
    bad_byte.write_bytes(good.encode() + b"\n" + good.encode().replace(b'"q"', b'"q\xe9"') + b"\n")
    with pytest.raises(InputError, match=r"bad-byte.jsonl:2: not UTF-8 text: byte 0xe9 at column \d+"):
        R.load_dataset(bad_byte)
    cut = tmp_path / "cut.jsonl"
    cut.write_text(good + "\n" + good[:40] + "\n")
    with pytest.raises(InputError, match=r"cut.jsonl:2: truncated JSON: the line ends at column 41"):
        R.load_dataset(cut)


def test_concurrency_answers_everything_once_with_several_engines(settings, beir, tmp_path):
    engines = []

    def factory(s):
        engines.append(FakeEngine({"none": "good", "ad1": "good"}))
        return engines[-1]

    seq, _ = run(settings, beir, FakeEngine({"none": "good", "ad1": "good"}), adapter="ad1", out=tmp_path / "seq",
                 safety=False)
    opts = R.EvalOptions(adapter="ad1", out=tmp_path / "par", safety=False, concurrency=3, seed=1)  # another run id
    par = R.run_eval(settings, beir, opts, engine_factory=factory, ingest=no_ingest)
    assert len(engines) == 3 and all(e.closed for e in engines)
    calls = [c for e in engines for c in e.calls]
    assert len(calls) == 3 * len(QUERIES) and len(set(calls)) == len(calls)  # each (arm, question) once
    for arm in "ABC":
        assert par["arms"][arm]["task_success"] == seq["arms"][arm]["task_success"]
        assert par["arms"][arm]["n"] == seq["arms"][arm]["n"]


def test_the_users_reranker_reaches_the_scratch_home(settings, beir, tmp_path, monkeypatch):
    """`[retrieve] rerank = <registry id>` names an artifact of the user's home; answers come from a scratch home
    with a registry of its own, so the engine gets the reranker's folder."""
    import ragtune.appliance.rerank as rr

    folder = tmp_path / "reranker"
    folder.mkdir()
    monkeypatch.setattr(rr, "resolve_reranker", lambda ref, home: folder if home.root == settings.home.root else None)
    eng = FakeEngine({"none": "good"})
    _, s = run(settings.replace("retrieve", rerank="c102d198"), beir, eng, arms="A", out=tmp_path / "o", safety=False)
    assert s.retrieve.rerank == str(folder)
