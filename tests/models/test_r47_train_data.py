"""Round 47, a curator's data path: `train --data FILE` says what a `dataset build --from-log FILE` would fix (and
never changes the file nor stops the run); the home's evaluation sets are read from the runs' recorded config (a run
cut off before its report.json is checked too); `dataset merge --weight SRC=N`. Invented content only (Tollbridge
ferries)."""

import json

import pytest

from ragtune.appliance.errors import InputError
from ragtune.cli import main
from ragtune.models import leakage
from ragtune.models.dataset import read_examples, write_jsonl
from ragtune.models.merge import merge_datasets

from .test_r47_dataset import CTX, ex  # one invented ferry example for both files

EVAL_Q = "Who captains the MV Osric on the Selby Reach route?"


@pytest.fixture
def fake_train(monkeypatch):
    """`ragtune train` up to the training stack: the command's checks run, no model is loaded."""
    import ragtune.models.train as trmod

    calls = []

    def train(cfg, **kw):
        from ragtune.models.train.loop import prepare

        calls.append(cfg.data)
        prepare(cfg, home=kw.get("home"), context_tokens=kw.get("context_tokens"))  # the notes are printed there
        return {"steps": 0}
    monkeypatch.setattr(trmod, "train", train)
    return calls


def _record_run(home, tmp_path, run_id, dataset, out=None):
    """An `eval run` as it is recorded when it starts (its config names the set); no report.json is written."""
    from ragtune.appliance.store import open_store

    with open_store(home) as store:
        store.ensure_eval_run(run_id, dataset.get("path") or "replay",
                              {"dataset": dataset, "out": str(out or tmp_path / f"cut-{run_id}")})


def test_train_on_a_raw_file_says_what_a_build_would_fix_and_leaves_it_as_it_is(tmp_path, home, fake_train, capsys):
    evalset = tmp_path / "ev.jsonl"
    write_jsonl(evalset, [ex(EVAL_Q, "Ada Venn", context=[{"id": "S1", "text": "Ada Venn captains the MV Osric."}])])
    _record_run(home, tmp_path, "r1", {"kind": "jsonl", "path": str(evalset)})
    many = [{"id": f"S{i}", "text": CTX} for i in range(1, 8)]
    data = tmp_path / "mine.jsonl"
    write_jsonl(data, [ex(), ex("Do they serve hot meals?", "Yes, hot meals.", status="refused"),
                       ex("What is the adult fare on the MV Pelham?", "12 crowns", context=many),
                       ex(EVAL_Q, "Ada Venn", context=[{"id": "S1", "text": "Ada Venn captains the MV Osric."}])])
    before = data.read_bytes()
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--json"]) == 0
    err = capsys.readouterr().err
    assert fake_train == [str(data)]  # the run went on
    assert data.read_bytes() == before  # never changed
    build = f"`ragtune dataset build --from-log {data} --out data/mine`"
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 3, err
    assert notes[0].startswith(f"note: 1 of the 4 lines of {data} are refusals whose answer is not the refusal text")
    assert f"first: {data}:2. {build} gives them that text" in notes[0]
    assert notes[1].startswith(f"note: 1 of the 4 lines of {data} have sources serving never shows")
    assert f"first: {data}:3: 7 sources (serving shows at most 6: retrieve.k). {build}" in notes[1]
    assert notes[2].startswith(f"note: 1 of the 4 lines of {data} ask a question of an evaluation set "
                               f"({evalset} (1))")
    assert f"first: {data}:4: the same question as {evalset}#" in notes[2] and build in notes[2]


def test_train_on_a_clean_file_or_a_built_folder_says_nothing_more(tmp_path, home, fake_train, capsys):
    data = tmp_path / "clean.jsonl"
    write_jsonl(data, [ex(), ex("What is the adult fare on the MV Pelham?", "12 crowns")])
    assert main(["train", "--data", str(data), "--out", str(tmp_path / "run"), "--json"]) == 0
    assert "note:" not in capsys.readouterr().err
    folder = tmp_path / "built"  # a built folder was curated by its build: its lines are not checked again
    folder.mkdir()
    write_jsonl(folder / "train.jsonl", [ex("Do they serve hot meals?", "Yes, hot meals.", status="refused")])
    assert main(["train", "--data", str(folder), "--out", str(tmp_path / "run2"), "--json"]) == 0
    assert "note:" not in capsys.readouterr().err and len(fake_train) == 2


def test_an_evaluation_run_cut_off_before_its_report_is_still_checked(tmp_path, home):
    from ragtune.appliance.store import open_store

    evalset, other = tmp_path / "ev.jsonl", tmp_path / "beir"
    write_jsonl(evalset, [ex(EVAL_Q, "Ada Venn")])
    _record_run(home, tmp_path, "r1", {"kind": "jsonl", "path": str(evalset)})  # cut off: no report.json
    _record_run(home, tmp_path, "r2", {"kind": "jsonl", "path": str(evalset)})  # the same set again
    _record_run(home, tmp_path, "r3", {"kind": "replay", "path": f"{home.db_path}#query_log"})
    _record_run(home, tmp_path, "r4", {"kind": "beir", "path": str(other)})
    old = tmp_path / "old"  # a config that names no set: its report.json still answers
    old.mkdir()
    (old / "report.json").write_text(json.dumps({"dataset": {"kind": "jsonl", "path": str(tmp_path / "o.jsonl")}}))
    with open_store(home) as store:
        store.ensure_eval_run("r5", "x", {"out": str(old)})
        store.conn.execute("INSERT INTO eval_runs(id, created, dataset, config) VALUES ('r6', 0, 'y', '{not json')")
        recorded = store.eval_datasets()
    assert {"kind": "jsonl", "path": str(evalset)} in recorded
    assert sum(d.get("path") == str(evalset) for d in recorded) == 1  # distinct
    assert {"kind": None, "path": None, "out": str(old)} in recorded and len(recorded) == 4
    assert sorted(leakage.home_eval_sets(home)) == sorted([str(evalset), str(other), str(tmp_path / "o.jsonl")])
    res = leakage.check([("t:1", ex(EVAL_Q, "Ada Venn"))], home)
    assert res["by_set"] == {str(evalset): 1}


def _folder(path, train, holdout=()):
    path.mkdir()
    write_jsonl(path / "train.jsonl", train)
    write_jsonl(path / "holdout.jsonl", list(holdout))
    return path


def test_merge_weight_repeats_a_sources_train_lines_never_its_holdout(tmp_path, monkeypatch, capsys):
    a = _folder(tmp_path / "a", [ex(f"How long is crossing {i} of the MV Pelham?") for i in range(3)],
                [ex("How long is the night crossing of the MV Pelham?", date="2025-04-01")])
    b = tmp_path / "b.jsonl"
    write_jsonl(b, [ex("Does the MV Wendle carry bicycles?", status="refused")])
    monkeypatch.chdir(tmp_path)
    assert main(["dataset", "merge", str(a), "b.jsonl", "--out", str(tmp_path / "m"),
                 "--weight", f"{a}=3", "--weight", "./b.jsonl=2"]) == 0  # SRC as given, or the file it names
    cfg = json.loads((tmp_path / "m" / "dataset_config.json").read_text())
    assert cfg["train"]["lines"] == 3 * 3 + 2 and cfg["holdout"]["lines"] == 1
    assert [s.get("weight") for s in cfg["build_options"]["merge"]] == [3, 2]
    assert [s["train_lines"] for s in cfg["build_options"]["merge"]] == [3, 1]
    assert cfg["shared_lines"] == 0  # the copies asked for are not "lines two sources hold"
    users = [e["prompt"]["user"] for _, e in read_examples(tmp_path / "m" / "train.jsonl")]
    assert users.count("How long is crossing 0 of the MV Pelham?") == 3
    # no --weight: the bytes of a merge as before (no weight recorded)
    plain = merge_datasets([a, b], tmp_path / "p")
    assert all("weight" not in s for s in plain["build_options"]["merge"]) and plain["train"]["lines"] == 4
    capsys.readouterr()


@pytest.mark.parametrize("spec, says", [
    ("c.jsonl=2", "--weight c.jsonl=2: c.jsonl is not one of the datasets merged"),
    ("a=0", "--weight a=0: N must be a whole number from 1 to 100, not '0'"),
    ("a=-1", "N must be a whole number"), ("a=1.5", "N must be a whole number"), ("a=101", "from 1 to 100"),
    ("a", "--weight a: not SRC=N"), ("=3", "--weight =3: not SRC=N")])
def test_a_bad_merge_weight_is_refused_before_anything_is_written(tmp_path, monkeypatch, capsys, spec, says):
    _folder(tmp_path / "a", [ex()])
    write_jsonl(tmp_path / "b.jsonl", [ex("Does the MV Wendle carry bicycles?", status="refused")])
    monkeypatch.chdir(tmp_path)
    assert main(["dataset", "merge", "a", "b.jsonl", "--out", "m", "--weight", spec]) == 2
    err = capsys.readouterr().err
    assert says in err and "Traceback" not in err
    assert not (tmp_path / "m").exists()


def test_a_weight_given_twice_is_refused():
    from ragtune.models.merge import parse_weights

    with pytest.raises(InputError, match="given twice"):
        parse_weights(["a=2", "a=3"])
    assert parse_weights(["data/x=y.jsonl=4"]) == {"data/x=y.jsonl": 4}  # the last '=' splits
