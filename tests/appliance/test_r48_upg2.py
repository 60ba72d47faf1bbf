"""Round 48's upgrade findings, on homes shaped as older releases left them (SQL and files written here): a rollout
whose control is an older release's built-in default adapter, `backup restore` / an old backup's `--verify`,
`--version`, a review stored without history, the prune count beside automatic retention, a retired config key's
comment, and `eval compare` of a run made before items.jsonl."""

from __future__ import annotations

import json
import time

import pytest

from ragtune.appliance.errors import InputError
from ragtune.appliance.store import open_store
from ragtune.cli import main
from ragtune.models.rollout import CONTROL, Router, RolloutState
from ragtune.models.rollout_legacy import PAST_DEFAULTS
from tests.gguf_helpers import write_builtin

from .test_doctor_rollout import ROW, _adapters, _doctor

OLD_DEFAULT = "2aedd9884ae5654b87e2e4feeb0c2b7e8d332e3049af256aa76764957d4b43dd"  # round 15-26's built-in


def _old_rollout(home, candidate) -> str:
    """rollout.json as a round-20 ragtune wrote it: control = the built-in default of that release, no log_from."""
    now = time.time() - 600
    r = {"id": "b305eb75753f", "candidate": candidate.id, "candidate_name": candidate.name, "control": OLD_DEFAULT,
         "share": 20.0, "status": "running", "started": now, "updated": now,
         "history": [{"action": "start", "control": OLD_DEFAULT, "note": "", "share": 20.0, "ts": now}]}
    RolloutState(home).path.write_text(json.dumps(r, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return r["id"]


def _control_client(rid: str) -> str:
    from ragtune.models.rollout import bucket

    return next(c for c in (f"c{i}" for i in range(1000)) if bucket(rid, c) >= 2000)


def test_old_builtin_control_is_served_by_the_current_builtin(home, monkeypatch, tmp_path):
    folder = tmp_path / "builtin-now"
    gguf, _ = write_builtin(folder)
    monkeypatch.setenv("RAGTUNE_BUILTIN_ADAPTERS", str(folder))
    assert OLD_DEFAULT in PAST_DEFAULTS
    ids = _adapters(home, "water")
    rid = _old_rollout(home, ids["water"])
    from ragtune.appliance.registry import Registry

    now_id = next(m["id"] for m in Registry(home).list() if m.get("builtin") and m["kind"] == "lora-gguf")
    route = Router(home, default=None).route(_control_client(rid))
    assert route.arm == CONTROL and route.adapter == now_id  # was the old id: "no artifact '2aedd98…'"
    r = RolloutState(home).load()
    assert r.legacy_control == OLD_DEFAULT and r.control == now_id
    assert json.loads(RolloutState(home).path.read_text())["control"] == OLD_DEFAULT  # a reader writes nothing


def test_old_builtin_control_without_a_builtin_now_is_the_base(home, capsys):
    ids = _adapters(home, "water")
    rid = _old_rollout(home, ids["water"])
    assert Router(home, default=None).route(_control_client(rid)).adapter == "none"
    rc, lines, hints = _doctor(home, capsys, "--quick")
    status, detail = lines["rollout"]
    assert status == "warn" and "older ragtune release" in detail and "not in the registry" not in detail, lines
    assert any("ragtune rollout rollback" in h for h in hints)
    # status: no control_adapter alert, no note telling to activate the gone adapter; the note says the mapping
    assert main(["--home", str(home.root), "rollout", "status"]) == 0
    cap = capsys.readouterr()
    assert "control_adapter" not in cap.out and f"models activate {OLD_DEFAULT[:12]}" not in cap.out + cap.err
    assert "older ragtune release" in cap.out
    # a rollback keeps what the file recorded in its event, and serves the base
    assert main(["--home", str(home.root), "rollout", "rollback"]) == 0
    cap = capsys.readouterr()
    assert "models activate" not in cap.err, cap.err
    last = json.loads(RolloutState(home).path.read_text())["history"][-1]
    assert last["control_recorded"] == OLD_DEFAULT and last["control"] == "none"


def test_an_old_builtin_added_back_to_the_registry_serves_as_recorded(home, monkeypatch):
    ids = _adapters(home, "water")
    rid = _old_rollout(home, ids["water"])
    monkeypatch.setattr("ragtune.models.rollout_legacy.PAST_DEFAULTS", (OLD_DEFAULT,))

    class Found:  # the registry knows the id again (`models add` of the old file)
        def get(self, *a, **k):
            return object()

    from ragtune.models import rollout_legacy

    assert rollout_legacy.resolve_control(Found(), OLD_DEFAULT) is None
    assert rollout_legacy.resolve_control(Found(), "none") is None
    assert Router(home, default=None).route(_control_client(rid)).adapter == "none"


# -- 2. backup restore / --verify of an old backup ----------------------------------------------------------------------
@pytest.mark.parametrize("word", ["restore", "verify", "list"])
def test_backup_subcommand_word_is_refused(home, tmp_path, monkeypatch, capsys, word):
    home.root.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert main(["--home", str(home.root), "backup", word]) == 2
    err = capsys.readouterr().err
    assert "not a subcommand" in err and f"./{word}" in err
    assert not (tmp_path / word).exists()
    if word == "restore":
        assert "--home DEST" in err and "cp -a" in err


def test_backup_dot_slash_word_still_backs_up(home, tmp_path, monkeypatch):
    with open_store(home):
        pass
    monkeypatch.chdir(tmp_path)
    assert main(["--home", str(home.root), "backup", "./restore"]) == 0
    assert (tmp_path / "restore" / "backup.json").is_file()


def test_verify_of_a_backup_without_backup_json(home, tmp_path, capsys):
    old = tmp_path / "old-backup"  # what a round-20 `ragtune backup` wrote: a home, no backup.json
    old.mkdir()
    with open_store(home):
        pass
    (old / "ragtune.db").write_bytes(home.db_path.read_bytes())
    assert main(["backup", "--verify", str(old)]) == 2
    err = capsys.readouterr().err
    assert "older ragtune" in err and "cannot be verified by content" in err and "doctor" in err


# -- 3. --version -----------------------------------------------------------------------------------------------------
def test_version_names_the_schema(capsys, tmp_path):
    from ragtune import __version__
    from ragtune.appliance.store.base import NEWER_HINT
    from ragtune.appliance.store.schema import MIGRATIONS

    assert main(["--home", str(tmp_path / "nohome"), "--version"]) == 0
    assert capsys.readouterr().out.strip() == f"ragtune {__version__} (schema {MIGRATIONS[-1][0]})"
    assert not (tmp_path / "nohome").exists()
    assert "`ragtune --version`" in NEWER_HINT and "schema" in NEWER_HINT


# -- 4. a review stored without history -------------------------------------------------------------------------------
def test_log_show_puts_the_rows_review_first(home):
    from ragtune.appliance.querylog import show_entry

    with open_store(home) as st:
        lid = st.add_query_log(ROW)
        first = {"status": "ok", "answer": "Lyon.", "citations": ["S1"]}
        now = {"status": "ok", "answer": "Marseille.", "citations": ["S1"]}
        st.conn.execute("INSERT INTO query_reviews (log_id, reviewed_at, review) VALUES (?, ?, ?)",
                        (lid, time.time() - 99, json.dumps(first)))
        st.conn.execute("UPDATE query_log SET review = ? WHERE id = ?", (json.dumps(now), lid))  # an older release
        e = show_entry(st, lid)
    assert e["reviews"][0]["review"] == now and e["reviews"][1]["review"] == first


# -- 5. the prune count beside automatic retention -------------------------------------------------------------------
def test_prune_counts_the_rows_retention_keeps(home):
    from ragtune.appliance.querylog import prune_rule_note

    old = time.time() - 400 * 86400
    with open_store(home) as st:
        for arm in (None, None, CONTROL, "candidate"):
            st.add_query_log({**ROW, "arm": arm, "ts": old})
        st.add_query_log(ROW)
        manual = st.prune_query_log(before=time.time() - 365 * 86400, dry_run=True)
        auto = st.prune_query_log(before=time.time() - 365 * 86400, keep_arms=True, dry_run=True)
    assert manual["rows"] == 4 and manual["arm_rows"] == 2 and auto["rows"] == manual["rows"] - manual["arm_rows"]
    note = prune_rule_note(manual["rows"], manual["arm_rows"])
    assert "2 of the 4" in note and "removes 2" in note
    assert prune_rule_note(3, 0) is None


# -- 6. a retired key's comment -----------------------------------------------------------------------------------------
def test_config_set_rerank_keeps_the_retired_lines_comment(home):
    from ragtune.appliance.config_edit import set_config_value

    home.root.mkdir(parents=True)
    cfg = home.root / "config.toml"
    cfg.write_text('[retrieve]\nk = 4\nrerank_model = "x"  # the small one, per Ann\n', encoding="utf-8")
    set_config_value(cfg, "retrieve.rerank", "default", home=home)
    assert cfg.read_text() == '[retrieve]\nk = 4\nrerank = "default"  # the small one, per Ann\n'


# -- 7. eval compare of a run made before items.jsonl --------------------------------------------------------------------
def test_compare_names_the_run_folder_not_a_missing_items_file(tmp_path, monkeypatch):
    from ragtune.appliance.eval import paired

    run = tmp_path / "eval" / "d5e425b96de1545e"
    run.mkdir(parents=True)
    (run / "report.json").write_text(json.dumps({"run_id": "d5e425b96de1545e", "dataset": {"identity": "x"}}), encoding="utf-8")
    rows = [{"run": "d5e425b96de1545e", "arm": a, "qid": "q1", "answerable": True, "task_success": ok,
             "answer_right": ok, "question": "Q?", "gold": ["x"], "status": "ok", "answer": "x"}
            for a, ok in (("A", False), ("C", True))]
    monkeypatch.setattr(paired, "rows_from_store", lambda report, home: rows)
    monkeypatch.setattr(paired, "_same_run", lambda *a: None)
    monkeypatch.setattr(paired, "by_question", lambda rs, arm, items: {"q1": next(r for r in rs if r["arm"] == arm)})
    monkeypatch.setattr(paired, "compare_rows", lambda b, n: {"n_paired": 1})

    class H:
        db_path = tmp_path / "ragtune.db"

    out = paired.compare_runs(run, base_arm="A", arm="C", home=H())
    assert out["base"]["path"] == str(run) and "items.jsonl" not in out["base"]["path"]
    assert any("predates per-item records" in n and "compared instead" in n for n in out["notes"]), out["notes"]
    with pytest.raises(InputError) as exc:
        paired.compare_runs(run, run, arm="C", home=H())
    assert "items.jsonl" not in exc.value.message.split(":")[0]
