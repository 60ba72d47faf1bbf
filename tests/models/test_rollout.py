"""Measured rollout: sticky split, start/promote/rollback with the eval gate, live comparison and alerts,
auto-rollback, and rollback under load, through the serve API with fake engines."""

from __future__ import annotations

import json
import os
import threading

import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from ragtune.appliance.config import GenerateConfig, RolloutConfig, ServeConfig, Settings
from ragtune.appliance.errors import InputError
from ragtune.appliance.store import open_store
from ragtune.appliance.registry import Registry
from ragtune.models.rollout import CANDIDATE, CONTROL, Rollout, RolloutState, Router, bucket
from ragtune.models.rollout_watch import check
from ragtune.serve.server import make_app
from tests.serve.helpers import fake_factory, register_adapters

BAD = {"status": "ok", "answer": "Bananas grow on the moon.", "citations": ["S1"]}


def test_split_is_sticky_and_monotone():
    r = Rollout(id="abc123", candidate="c" * 64, control="none", share=5)
    clients = [f"user{i}" for i in range(4000)]
    at5 = {c for c in clients if r.arm_of(c) == CANDIDATE}
    assert 0.03 < len(at5) / len(clients) < 0.07
    assert all(r.arm_of(c) == (CANDIDATE if c in at5 else CONTROL) for c in clients)  # same answer every time
    r.share = 50
    at50 = {c for c in clients if r.arm_of(c) == CANDIDATE}
    assert at5 <= at50 and 0.45 < len(at50) / len(clients) < 0.55  # raising the share never moves anyone back
    assert bucket("abc123", "x") != bucket("other", "x") or bucket("abc123", "y") != bucket("other", "y")


def test_start_promote_rollback_and_the_gate(home):
    ids = register_adapters(home)
    st = RolloutState(home)
    with pytest.raises(InputError, match="below 100"):
        st.start("alpha", 100)
    r = st.start("alpha", 5)
    assert r.candidate == ids["alpha"] and r.control == "none" and r.running
    with pytest.raises(InputError, match="is running"):
        st.start("beta", 5)
    with pytest.raises(InputError, match="promotion refused: no offline eval"):
        st.promote(50, decision=None)
    with pytest.raises(InputError, match="eval no-go"):
        st.promote(50, decision={"go": False, "why": "eval no-go: task success"})
    r = st.promote(50, decision=None, override=True, reason="pilot")
    assert r.share == 50 and r.history[-1]["override"] is True and r.history[-1]["reason"] == "pilot"
    with pytest.raises(InputError, match="cannot lower"):
        st.promote(10, decision={"go": True, "why": "eval go"})
    r = st.rollback(reason="test")
    assert r.status == "rolled_back" and st.current() is None
    assert Router(home).route("anyone") .adapter == "default"
    # a second rollout, promoted to 100 with a go decision: the candidate becomes the active adapter
    st.start("beta", 10)
    r = st.promote(100, decision={"go": True, "why": "eval go (run x)"})
    assert r.status == "promoted" and Registry(home).active_state()["active"] == ids["beta"]
    assert [e["action"] for e in r.history] == ["start", "promote-100"]


@pytest.mark.parametrize("edit, message", [
    ({"share": "abc"}, r"rollout.json:\d+: unreadable rollout state: 'share' must be a number of percent"),
    ({"candidate": 5}, r"rollout.json:\d+: unreadable rollout state: 'candidate' must be an adapter id"),
    ({"history": 3}, r"rollout.json:\d+: unreadable rollout state: 'history' must be a list of objects"),
    ({"status": "paused"}, r"rollout.json:\d+: unreadable rollout state: 'status' must be running"),
])
def test_a_hand_edited_rollout_file_is_an_error_naming_file_and_line(home, edit, message):
    from ragtune.appliance.errors import ModelError

    register_adapters(home)
    st = RolloutState(home)
    st.start("alpha", 5)
    good = json.loads(st.path.read_text(encoding="utf-8"))
    st.path.write_text(json.dumps({**good, **edit}, indent=2), encoding="utf-8")
    with pytest.raises(ModelError, match=message) as ei:
        Router(home).route("anyone")  # on the request path: an error to report, not a TypeError inside it
    assert "move it aside" in str(ei.value)
    st.path.write_text('{\n  "id": "x",\n  "share": }', encoding="utf-8")
    with pytest.raises(ModelError, match=r"rollout.json:3: unreadable rollout state: invalid JSON at column 12"):
        RolloutState(home).current()


def test_the_control_arm_is_the_built_in_default_adapter_when_it_is_served(home, tmp_path, monkeypatch):
    from ragtune.appliance import builtin_adapters
    from tests.gguf_helpers import write_builtin

    ids = register_adapters(home)
    monkeypatch.setenv(builtin_adapters.ENV, str(tmp_path / "shipped"))
    gguf, _ = write_builtin(tmp_path / "shipped")
    shipped = Registry(home).builtin_adapter().id
    st = RolloutState(home)
    with pytest.raises(InputError, match="already the served adapter"):
        st.start("ragtune-default", 5)
    r = st.start("alpha", 5)
    assert r.candidate == ids["alpha"] and r.control == shipped


def test_eval_gate_reads_the_latest_report(home, tmp_path):
    from ragtune.models.rollout import eval_decision

    ids = register_adapters(home)
    assert eval_decision(home, ids["alpha"]) is None
    out = tmp_path / "run1"
    out.mkdir()
    (out / "report.json").write_text(json.dumps({"decision": {"go": False, "reasons": ["task success +1 < +5"]}}))
    with open_store(home) as s:
        s.ensure_eval_run("run1", "ds", {"adapter": ids["alpha"], "out": str(out)})
    d = eval_decision(home, ids["alpha"])
    assert d["go"] is False and "task success" in d["why"]
    (out / "report.json").write_text(json.dumps({"decision": 5}))  # a damaged report counts as missing
    assert eval_decision(home, ids["alpha"]) is None
    (out / "report.json").write_text(json.dumps({"decision": {"go": False, "reasons": ["task success +1 < +5"]}}))
    runner = CliRunner()
    from ragtune.cli import cli

    res = runner.invoke(cli, ["rollout", "start", "alpha", "--share", "5"])
    assert res.exit_code == 0
    # says up front that promoting needs an offline eval decision (it was only learnt from a refused promote)
    assert f"ragtune eval run SET --adapter {ids['alpha'][:12]}" in res.output
    res = runner.invoke(cli, ["rollout", "promote", "--share", "50"])
    assert res.exit_code != 0 and "promotion refused" in str(res.exception or res.output)
    res = runner.invoke(cli, ["rollout", "promote", "--share", "50", "--override", "--reason", "demo"])
    assert res.exit_code == 0, res.output
    assert RolloutState(home).current().history[-1]["override"] is True


def _traffic(client, n_clients: int, per_client: int = 1) -> list[int]:
    codes = []
    for i in range(n_clients):
        for _ in range(per_client):
            r = client.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", "user": f"u{i}"})
            codes.append(r.status_code)
    return codes


def test_degrading_candidate_alerts_and_rolls_back(home):
    ids = register_adapters(home)
    tags = {ids["alpha"]: "alpha"}
    # The candidate's answers are not supported by their sources: the runtime check refuses them.
    factory = fake_factory(tags, answer=lambda g: BAD if g.adapter_id == ids["alpha"] else None)
    settings = Settings(home=home, serve=ServeConfig(), rollout=RolloutConfig(min_requests=10, auto_rollback=True))
    st = RolloutState(home)
    st.start("alpha", 50)
    app = make_app(settings, engine_factory=factory, workers=2)
    with TestClient(app) as c:
        assert set(_traffic(c, 80)) == {200}
        with open_store(home) as s:
            arms = [r[0] for r in s.rollout_rows(0)]
        assert arms.count(CANDIDATE) >= 20 and arms.count(CONTROL) >= 20
        status = check(settings, apply=False)
        rules = {b["rule"] for b in status["comparison"]["breaches"]}
        assert "unsupported" in rules and status["breached"] and not status["rolled_back"]
        cmp_ = status["comparison"]["arms"]
        assert cmp_[CANDIDATE]["unsupported_rate"] == 1.0 and cmp_[CONTROL]["unsupported_rate"] == 0.0
        # serve's monitor (here via /metrics) applies the auto-rollback and exports the breach
        app.state.serve.monitor.every_s = 0
        text = c.get("/metrics").text
        assert 'ragtune_rollout_breach{rule="unsupported"} 1.0' in text
        assert "ragtune_rollout_auto_rollbacks_total 1.0" in text
        assert st.current() is None and st.load().history[-1]["action"] == "auto-rollback"
        # after the rollback nobody gets the candidate
        r = c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", "user": "u1"})
        assert r.json()["adapter"] == "none" and r.json()["arm"] is None


def test_status_cli_exit_code_and_no_breach_when_healthy(home):
    from ragtune.cli import cli

    ids = register_adapters(home)
    home.root.mkdir(parents=True, exist_ok=True)
    home.config_path.write_text("[rollout]\nmin_requests = 5\np95_slack_ms = 60000.0\n")  # timing noise on a loaded box
    # no answer cache: a cache hit logs 0 tokens, which would make the arms' spend depend on request order
    settings = Settings(home=home, rollout=RolloutConfig(min_requests=5), generate=GenerateConfig(answer_cache=False))
    RolloutState(home).start("alpha", 50)
    app = make_app(settings, engine_factory=fake_factory({ids["alpha"]: "alpha"}), workers=1)
    with TestClient(app) as c:
        _traffic(c, 40)
    res = CliRunner().invoke(cli, ["rollout", "status"])
    assert res.exit_code == 0, res.output
    assert "alerts: none" in res.output and "control" in res.output
    res = CliRunner().invoke(cli, ["rollout", "status", "--json"])
    st = json.loads(res.output)
    assert st["comparison"]["judged"] and st["breached"] is False


def test_rollback_under_load_loses_no_request(home):
    ids = register_adapters(home)
    settings = Settings(home=home, serve=ServeConfig(queue=64))
    st = RolloutState(home)
    st.start("alpha", 50)
    app = make_app(settings, engine_factory=fake_factory({ids["alpha"]: "alpha"}, delay=0.002), workers=2)
    codes: list[int] = []
    answers: list[dict] = []
    lock = threading.Lock()
    with TestClient(app) as c:
        def worker(k: int) -> None:
            for j in range(10):
                r = c.post("/v1/ask", json={"question": "Where is the Eiffel Tower?", "user": f"w{k}-{j}"})
                with lock:
                    codes.append(r.status_code)
                    answers.append(r.json())
                if k == 0 and j == 4:
                    st.rollback(reason="under load")

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert codes == [200] * 80
    # every answer came from the adapter its arm names, and everything is in the log
    for a in answers:
        assert a["adapter"] == (ids["alpha"] if a["arm"] == CANDIDATE else "none")
        assert a["answer"].endswith("alpha" if a["arm"] == CANDIDATE else "base")
    with open_store(home) as s:
        assert s.scalar("SELECT count(*) FROM query_log") == 80


def test_the_built_in_adapters_release_eval_is_an_offline_decision(home, tmp_path, monkeypatch):
    """The shipped adapter as a candidate: its manifest's evals are the gate's evidence (no eval run in this home);
    a manual go in the manifest is not."""
    from ragtune.appliance import builtin_adapters
    from ragtune.models.rollout import eval_decision
    from tests.gguf_helpers import write_builtin

    monkeypatch.setenv(builtin_adapters.ENV, str(tmp_path / "shipped"))
    write_builtin(tmp_path / "shipped")
    shipped = Registry(home).builtin_adapter().id
    d = eval_decision(home, shipped)
    assert d["go"] is True and "manifest" in d["why"]
    write_builtin(tmp_path / "shipped", go_source="manual")
    assert eval_decision(home, Registry(home).builtin_adapter().id) is None
    assert eval_decision(home, "0" * 64) is None


def test_cached_answers_count_as_requests_but_not_in_latency_or_spend(home):
    # a cache hit generates nothing (0 tokens, a few ms): counted in an arm's latency and tokens it made that arm
    # look faster and cheaper; here the control's repeats made the candidate look twice as costly (a false alert)
    from ragtune.cli import cli

    register_adapters(home)
    home.config_path.write_text("[rollout]\nmin_requests = 5\n")
    RolloutState(home).start("alpha", 50)
    row = {"query": "q", "normalized_query": "q", "model_id": "m", "adapter_id": "none", "system_prompt_sha256": "s",
           "context": [], "retrieved": [], "output": {"status": "ok", "answer": "Paris.", "citations": ["S1"]},
           "raw_output": "", "valid": True, "repaired": False, "refused": False, "tokens_prompt": 50}
    with open_store(home) as s:
        for arm in (CONTROL, CANDIDATE):
            for _ in range(10):
                s.add_query_log({**row, "arm": arm, "tokens_completion": 20, "timings": {"total_ms": 100.0}})
        for _ in range(10):  # what the answer cache served the control arm
            s.add_query_log({**row, "arm": CONTROL, "tokens_completion": 0, "tokens_prompt": 0, "cached": True,
                             "timings": {"total_ms": 2.0}})
    st = check(Settings(home=home, rollout=RolloutConfig(min_requests=5)), apply=False)
    arms = st["comparison"]["arms"]
    assert arms[CONTROL]["n"] == 20 and arms[CONTROL]["cached"] == 10 and arms[CANDIDATE]["cached"] == 0
    assert arms[CONTROL]["tokens_per_answer"] == arms[CANDIDATE]["tokens_per_answer"] == 20.0
    assert arms[CONTROL]["latency_p50_ms"] == arms[CANDIDATE]["latency_p50_ms"] == 100.0
    assert arms[CONTROL]["schema_adherence"] == 1.0  # what was served, cache hits included
    assert st["comparison"]["judged"] and st["comparison"]["breaches"] == []
    res = CliRunner().invoke(cli, ["rollout", "status"])
    assert res.exit_code == 0, res.output
    row = next(ln for ln in res.output.splitlines() if ln.strip().startswith("from the cache"))
    assert row.split()[-4:] == ["10", "cached", "0", "cached"]
    assert "generated answers only" in res.output and "alerts: none" in res.output


@pytest.mark.parametrize("share", [1, 5, 10, 33.3, 50])
def test_the_share_is_honoured_over_10000_clients_within_noise(share):
    """QA r37: over 10,000 client ids and several rollout ids the candidate's share is the asked one within 4.5
    standard deviations (binomial), and each client's arm is a pure function of (rollout id, client id)."""
    import math

    p = share / 100
    sd = math.sqrt(10000 * p * (1 - p))
    for rid in ("f381cbe8f3ce", "08c50d6aaaa5", "41ea9e3d3982"):
        r = Rollout(id=rid, candidate="c" * 64, control="none", share=share)
        arms = [r.arm_of(f"client-{i}") for i in range(10000)]
        assert abs(arms.count(CANDIDATE) - 10000 * p) < 4.5 * sd, (rid, arms.count(CANDIDATE))
        again = Rollout(id=rid, candidate="other", control="x", share=share)
        assert arms == [again.arm_of(f"client-{i}") for i in range(10000)]


@pytest.mark.parametrize("content, message", [
    ("[]", r"rollout.json:1: unreadable rollout state: not a JSON object"),
    ('{\n "id": "x",\n "bogus": 1\n}', r"rollout.json:3: unreadable rollout state: unknown key 'bogus'"),
    ('{\n "id": "x"\n}', r"rollout.json: unreadable rollout state: missing key\(s\): candidate, control, share"),
    (b"\xff\xfe{}", r"rollout.json: unreadable rollout state: not UTF-8 text \(byte 0xff at offset 0\)"),
    ("[" * 100000, r"rollout.json: unreadable rollout state: invalid JSON: nested too deeply"),
])
def test_a_damaged_rollout_file_is_said_in_words_and_never_replaced(home, content, message):
    """QA r37: these were Python's own words ("Rollout.__init__() got an unexpected keyword argument", "argument
    after ** must be a mapping"); `start` must not replace the file either."""
    from ragtune.appliance.errors import ModelError

    register_adapters(home)
    st = RolloutState(home)
    st.path.parent.mkdir(parents=True, exist_ok=True)
    raw = content if isinstance(content, bytes) else content.encode()
    st.path.write_bytes(raw)
    for act in (lambda: st.start("alpha", 5), st.rollback, lambda: st.promote(50, override=True)):
        with pytest.raises(ModelError, match=message):
            act()
    assert st.path.read_bytes() == raw


def test_a_failed_save_leaves_the_rollout_as_the_file_says(home, monkeypatch):
    """QA r37: promote and rollback changed the cached rollout before writing it: when the write failed (a full
    disk), this process went on routing by the unsaved share or status while the file and other processes did
    not."""
    import ragtune.models.rollout as mod

    register_adapters(home)
    st = RolloutState(home)
    st.start("alpha", 5)

    def full(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(mod, "atomic_write_json", full)
    with pytest.raises(OSError):
        st.promote(50, override=True)
    with pytest.raises(OSError):
        st.rollback()
    r = st.current()
    assert r is not None and r.share == 5 and r.running and [h["action"] for h in r.history] == ["start"]


def test_a_new_rollout_keeps_the_history_of_the_finished_one(home):
    """QA r37: starting a rollout overwrote rollout.json, and with it the finished rollout's history (overrides and
    their reasons included)."""
    register_adapters(home)
    st = RolloutState(home)
    first = st.start("alpha", 5)
    st.promote(50, override=True, reason="pilot")
    st.rollback(reason="bad")
    st.start("beta", 10)
    lines = [json.loads(x) for x in st.archive_path.read_text(encoding="utf-8").splitlines()]
    assert [x["id"] for x in lines] == [first.id]
    assert [h["action"] for h in lines[0]["history"]] == ["start", "promote", "rollback"]
    assert lines[0]["history"][1]["reason"] == "pilot"


def test_an_adapter_for_another_base_is_refused(home, tmp_path):
    """QA r37: `rollout start` took an adapter whose lineage names another base model; every candidate request
    then failed in llama.cpp."""
    from tests.gguf_helpers import write_gguf

    reg = Registry(home)
    other = reg.add(write_gguf(tmp_path / "gamma.gguf", tag="gamma"), "lora-gguf", name="gamma",
                    base_id="b" * 64).id
    st = RolloutState(home)
    # `ask`'s message (refs.check_servable), r43
    with pytest.raises(InputError, match="was made for base model bbbbbbbbbbbb…, but the served model is aaaa"):
        st.start("gamma", 5, model_id="a" * 64)
    assert not st.path.exists()
    assert st.start("gamma", 5, model_id="b" * 64).candidate == other  # its own base: fine


def test_a_rollout_command_while_another_holds_the_lock_says_so_and_changes_nothing(home, monkeypatch, capsys):
    """QA r37: two `rollout start`s at once both passed the "none running" check and the last write won. start,
    promote and rollback hold `rollout.lock`; another one waits LOCK_WAIT_S, then says another command is running."""
    import fcntl
    import time

    import ragtune.models.rollout as mod
    from ragtune.cli import main

    register_adapters(home)
    st = RolloutState(home)
    monkeypatch.setattr(mod, "LOCK_WAIT_S", 0.2)
    fd = os.open(st.lock_path, os.O_RDWR | os.O_CREAT)  # the other command, mid-way
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        for act in (lambda: st.start("alpha", 5), lambda: st.promote(50, override=True), st.rollback):
            t0 = time.monotonic()
            with pytest.raises(InputError, match="another rollout command is running"):
                act()
            assert time.monotonic() - t0 >= 0.2  # it waited before giving up
        capsys.readouterr()
        assert main(["rollout", "start", "alpha", "--share", "5"]) == 75  # busy: run it again later (was 2)
        err = capsys.readouterr().err
        assert "another rollout command is running" in err and "Traceback" not in err, err
        assert main(["rollout", "start", "alpha", "--share", "5", "--json"]) == 75
        assert json.loads(capsys.readouterr().out)["error"] == {
            "message": f"another rollout command is running (it holds {st.lock_path})",
            "hint": "wait for it to finish, then run this command again", "type": "LockBusy", "exit_code": 75}
        assert not st.path.exists()
    finally:
        os.close(fd)
    monkeypatch.setattr(mod, "LOCK_WAIT_S", 30.0)  # ends when the lock is freed; long for CI's shared cores
    fd = os.open(st.lock_path, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    threading.Timer(0.3, os.close, (fd,)).start()  # the other command finishes within the wait
    assert st.start("alpha", 5).running


def test_two_starts_at_the_same_moment_start_one_rollout(home, monkeypatch):
    """Both pass the "none running" check without the lock (the slow step between check and write widens the
    window); with it the second sees the first's rollout."""
    import time

    ids = register_adapters(home)
    slow = Registry.default_adapter

    def default_adapter(self, *a, **k):
        time.sleep(0.3)
        return slow(self, *a, **k)

    monkeypatch.setattr(Registry, "default_adapter", default_adapter)
    go = threading.Barrier(2)
    results: dict[str, object] = {}

    def start(name):
        go.wait()
        try:
            results[name] = RolloutState(home).start(name, 5)
        except InputError as exc:
            results[name] = exc

    threads = [threading.Thread(target=start, args=(n,)) for n in ("alpha", "beta")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    won = [n for n, r in results.items() if isinstance(r, Rollout)]
    lost = [r for r in results.values() if isinstance(r, InputError)]
    assert len(won) == 1 and len(lost) == 1 and "is running" in str(lost[0]), results
    assert RolloutState(home).current().candidate == ids[won[0]]
    assert not RolloutState(home).archive_path.exists()  # nothing finished, nothing archived


def test_promote_decides_on_the_rollout_running_when_it_holds_the_lock(home, monkeypatch):
    """`rollout promote` read the running rollout and its eval decision before taking the lock: a `rollback` +
    `start beta` arriving in between got beta promoted to 100% on alpha's go. The decision is now made under the
    lock, so the competing commands wait (here: give up) and alpha, whose go it is, is promoted."""
    import ragtune.models.rollout as mod
    from ragtune.cli import cli

    ids = register_adapters(home)
    RolloutState(home).start("alpha", 5)
    monkeypatch.setattr(mod, "LOCK_WAIT_S", 0.1)
    competitor: list[object] = []

    def eval_decision(_home, adapter_id):
        if not competitor:  # another terminal, while promote is deciding
            other = RolloutState(home)
            try:
                competitor.append(other.rollback(reason="stop"))
                competitor.append(other.start("beta", 5))
            except InputError as exc:
                competitor.append(exc)
        return {"go": True, "why": "eval go (run a)"} if adapter_id == ids["alpha"] else None

    monkeypatch.setattr(mod, "eval_decision", eval_decision)
    res = CliRunner().invoke(cli, ["rollout", "promote", "--share", "100"])
    assert res.exit_code == 0, res.output
    assert Registry(home).active_state()["active"] == ids["alpha"]  # not beta, which has no eval decision
    assert isinstance(competitor[0], InputError) and "another rollout command is running" in str(competitor[0])
    r = RolloutState(home).load()
    assert r.candidate == ids["alpha"] and r.status == "promoted"


def test_auto_rollback_judges_the_rollout_running_when_it_holds_the_lock(home, monkeypatch):
    """check() judged alpha's rollout without the lock, then rolled back whatever ran when it got the lock: a
    `rollback` + `start beta` in between had beta rolled back on alpha's numbers. The breach is judged again under
    the lock, on beta (no breach): nothing is written."""
    import ragtune.models.rollout_watch as watch

    ids = register_adapters(home)
    settings = Settings(home=home, rollout=RolloutConfig(auto_rollback=True))
    st = RolloutState(home)
    st.start("alpha", 50)
    real = watch.compare

    def compare(store, rollout, cfg, **kw):
        out = real(store, rollout, cfg, **kw)
        if rollout.candidate != ids["alpha"]:
            return out
        if st.current().candidate == ids["alpha"]:  # another terminal, after the unlocked read and judgement
            st.rollback(reason="stop")
            st.start("beta", 5)
        return {**out, "judged": True,
                "breaches": [{"rule": "unsupported", "message": "alpha is bad", "candidate": 1, "control": 0,
                              "limit": 0.05}]}

    monkeypatch.setattr(watch, "compare", compare)
    out = check(settings)
    assert out["breached"] and not out["rolled_back"]  # alpha's breach is reported, not applied to beta
    r = st.current()
    assert r is not None and r.candidate == ids["beta"] and [e["action"] for e in r.history] == ["start"]
    # with the state unchanged under the lock, a breach is still rolled back
    monkeypatch.setattr(watch, "compare", lambda store, rollout, cfg, **kw: {
        **real(store, rollout, cfg, **kw), "judged": True,
        "breaches": [{"rule": "spend", "message": "beta spends", "candidate": 2, "control": 1, "limit": 1.5}]})
    out = check(settings)
    assert out["rolled_back"] and st.current() is None
    assert st.load().history[-1] == {**st.load().history[-1], "action": "auto-rollback", "reason": "beta spends"}
