"""R52: `eval run` after an answer-code change answers again instead of resuming the old answers (was: the run id
held settings, not code, so the second run resumed every answer and stamped the new code's digest on the report:
a before/after comparison compared the old answers with themselves). The code's digest is in the run id, in the
run's record and in every stored answer; a resume re-asks what other code made; `--reuse` and `--out` refuse to
mix two codes. (A run's answers are all of one code, the one in its id: a report counts no second code.)"""

from __future__ import annotations

import json

import pytest

from ragtune.appliance import answer_code
from ragtune.appliance.errors import InputError
from ragtune.appliance.eval import paired
from ragtune.appliance.eval import run as R
from ragtune.appliance.store import Store
from tests.appliance.eval_fakes import QUERIES, FakeEngine, no_ingest, write_beir

NEW = "c0de" * 16
N = len(QUERIES)


@pytest.fixture(autouse=True)
def fake_adapters(monkeypatch):
    monkeypatch.setattr(R, "resolve_adapter", lambda s, a: (None, None) if a in (None, "none") else (a, "id-" + a))


@pytest.fixture
def beir(tmp_path):
    return write_beir(tmp_path / "mini")


def run(settings, beir, engine, **kw):
    kw.setdefault("safety", False)
    return R.run_eval(settings, beir, R.EvalOptions(**kw), engine_factory=lambda s: engine, ingest=no_ingest)


def new_code(monkeypatch, digest=NEW):
    monkeypatch.setattr(answer_code, "answer_code_digest", lambda: digest)


def test_a_code_change_is_a_new_run_and_the_old_one_stays_to_compare(settings, beir, monkeypatch):
    before = run(settings, beir, FakeEngine({"none": "bad"}), arms="A")
    new_code(monkeypatch)
    after = run(settings, beir, FakeEngine({"none": "good"}), arms="A")
    # was: the same run id, resumed=8, answered_now=0, the old task success under the new digest
    assert after["run_id"] != before["run_id"] and after["resumed"] == 0 and after["answered_now"] == N
    assert after["code"]["answer_code"] == NEW and before["code"]["answer_code"] != NEW
    assert "answer_codes" not in after["code"] and after["arms"]["A"]["task_success"] == 1.0
    assert before["out"] != after["out"]  # HOME/eval/RUN_ID: the "before" report is still there
    cmp = paired.compare_runs(before["out"], after["out"], arm="A")
    assert cmp["task_success"]["up"] == 5 and cmp["task_success"]["down"] == 0
    with Store(settings.home.db_path) as st:
        assert st.eval_run_config(after["run_id"])["answer_code"] == NEW
        assert {r["answer_code"] for r in st.eval_items(after["run_id"]).values()} == {NEW}
        assert len(st.eval_items(before["run_id"])) == N  # the old answers are kept, not overwritten


def test_resume_reasks_the_answers_other_code_made_and_says_so(settings, beir, monkeypatch, tmp_path):
    new_code(monkeypatch)
    first = run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "o")
    with Store(settings.home.db_path) as st, st.transaction():  # rows as another code, and an older release, left them
        st.conn.execute("UPDATE eval_items SET result = json_set(result, '$.answer_code', 'beef') WHERE qid IN "
                        "('q1', 'q2', 'q3')")
        st.conn.execute("UPDATE eval_items SET result = json_remove(result, '$.answer_code') WHERE qid IN "
                        "('q4', 'q5')")
        st.conn.execute("UPDATE eval_items SET result = 'not json' WHERE qid = 'q6'")
    said = []
    eng = FakeEngine()
    again = R.run_eval(settings, beir, R.EvalOptions(arms="A", out=tmp_path / "o", safety=False),
                       engine_factory=lambda s: eng, ingest=no_ingest,
                       progress=lambda done, total, what, eta: said.append(what))
    line = (f"5 of {N} stored answers were made by other answer code and 1 of {N} stored answers do not read "
            f"(damaged); asking them again")
    assert again["run_id"] == first["run_id"] and line in again["notes"] and line in said
    assert sorted(q for q, *_ in eng.calls) == sorted(QUERIES[q][0] for q in ("q1", "q2", "q3", "q4", "q5", "q6"))
    assert again["resumed"] == 2 and again["answered_now"] == 6 and "answer_codes" not in again["code"]
    assert again["arms"] == first["arms"]
    # a third run has nothing of other code left
    third = run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "o")
    assert third["answered_now"] == 0 and not [n for n in third["notes"] if "asking them again" in n]


def test_a_home_of_round_51_answers_again_once_without_a_traceback(settings, beir, monkeypatch, tmp_path):
    """A run recorded before runs keyed their code: run format 1, no digest in the config or the items, a report
    stamped with the code of then. Its answers are never resumed (another run id), lent, or overwritten."""
    made = run(settings, beir, FakeEngine({"none": "bad"}), arms="A", out=tmp_path / "old")
    old = "0123456789abcdef"
    with Store(settings.home.db_path) as st, st.transaction():
        cfg = st.eval_run_config(made["run_id"])
        cfg.pop("answer_code")
        st.conn.execute("INSERT INTO eval_runs(id, created, dataset, config) VALUES (?, 0, ?, ?)",
                        (old, str(beir), json.dumps({**cfg, "version": 1})))
        st.conn.execute("UPDATE eval_items SET run_id = ?, result = json_remove(result, '$.answer_code')", (old,))
        st.conn.execute("DELETE FROM eval_runs WHERE id = ?", (made["run_id"],))
    rj = tmp_path / "old" / "report.json"
    rj.write_text(json.dumps({**json.loads(rj.read_text()), "run_id": old,
                              "code": {"ragtune": "0.51", "answer_code": "51" * 32}}))
    new_code(monkeypatch)
    with pytest.raises(InputError) as err:  # its report would be replaced by other code's
        run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "old")
    assert "answered by other answer code (515151515151…; this run: c0dec0dec0de…)" in err.value.message
    assert "choose another --out to keep both" in err.value.hint
    with pytest.raises(InputError, match="other answer code .it ran before eval runs recorded their answer code.: "
                                         "its answers would not be this code's; drop --reuse"):
        run(settings, beir, FakeEngine(), arms="A", reuse=[old])
    eng = FakeEngine()
    rep = run(settings, beir, eng, arms="A")
    assert rep["answered_now"] == N == len(eng.calls) and rep["run_id"] not in (old, made["run_id"])
    assert run(settings, beir, FakeEngine(), arms="A")["answered_now"] == 0  # once
    with Store(settings.home.db_path) as st:
        assert len(st.eval_items(old)) == N
    assert json.loads(rj.read_text())["run_id"] == old


def test_same_out_other_code_is_refused_before_asking(settings, beir, monkeypatch, tmp_path):
    out = tmp_path / "o"
    first = run(settings, beir, FakeEngine(), arms="A", out=out)
    kept = (out / "items.jsonl").read_bytes()
    new_code(monkeypatch)
    with pytest.raises(InputError, match="holds the report of run .* answered by other answer code"):
        R.run_eval(settings, beir, R.EvalOptions(arms="A", out=out, safety=False),
                   engine_factory=lambda s: pytest.fail("nothing is asked"), ingest=no_ingest)
    assert (out / "items.jsonl").read_bytes() == kept
    assert json.loads((out / "report.json").read_text())["run_id"] == first["run_id"]
    # another --out keeps both; the same code with other settings still replaces its own report, as before
    run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "o2")
    run(settings, beir, FakeEngine(), arms="A", out=tmp_path / "o2", seed=3)


def test_reuse_lends_only_answers_of_the_same_code(settings, beir, monkeypatch):
    lender = run(settings, beir, FakeEngine(), arms="A")
    new_code(monkeypatch)
    with pytest.raises(InputError, match=r"other answer code \(\w{12}…, this run c0dec0dec0de…\)"):
        run(settings, beir, FakeEngine(), arms="A,C", adapter="ad1", reuse=[lender["run_id"]])
