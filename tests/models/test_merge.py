"""`ragtune dataset merge`: built datasets appended in order, validated, with their lineage; bad input is a clear
error that leaves nothing behind."""

import hashlib
import json

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.appliance.hashing import sha256_file
from ragtune.cli import main
from ragtune.models.dataset import read_examples, splits_sha256, write_jsonl
from ragtune.models.merge import merge_datasets
from ragtune.models.train.data import load_data


def ex(question, answer=None):
    ctx = "The depot opens at 07:00 and closes at 19:00 on weekdays."
    out = ({"status": "ok", "answer": answer, "citations": ["S1"]} if answer else
           {"status": "refused", "answer": prompt.REFUSAL_TEXT, "citations": []})
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": ctx}], question, out)


def _folder(path, train, holdout=(), config=None):
    path.mkdir()
    write_jsonl(path / "train.jsonl", train)
    write_jsonl(path / "holdout.jsonl", list(holdout))
    if config is not None:
        (path / "dataset_config.json").write_text(json.dumps(config))
    return path


def test_merge_appends_in_order_and_records_each_source(tmp_path):
    a = _folder(tmp_path / "a", [ex("When does the depot open?", "07:00"), ex("Who owns it?")],
                [ex("When does it close?", "19:00")], config={"dataset_sha256": "aa" * 32, "build_options": {"k": 3}})
    b = _folder(tmp_path / "b", [ex("When does the depot open?", "07:00"), ex("Does it open on Sunday?")])
    cfg = merge_datasets([a, b], tmp_path / "m")
    out = tmp_path / "m"
    # the two train files one after the other, a line the earlier source holds kept once (round 50)
    b_lines = (b / "train.jsonl").read_bytes().splitlines(keepends=True)
    assert (out / "train.jsonl").read_bytes() == (a / "train.jsonl").read_bytes() + b_lines[1]
    assert [e["prompt"]["user"] for _, e in read_examples(out / "holdout.jsonl")] == ["When does it close?"]
    assert (cfg["train"]["lines"], cfg["holdout"]["lines"], cfg["shared_lines"]) == (3, 1, 1)
    srcs = cfg["build_options"]["merge"]
    assert [s["path"] for s in srcs] == [str(a), str(b)]
    assert (srcs[0]["dataset_sha256"], srcs[0]["build_options"]) == ("aa" * 32, {"k": 3})
    # a folder without a config still has its identity: the hash of its two splits
    assert srcs[1]["dataset_sha256"] == splits_sha256(sha256_file(b / "train.jsonl"), sha256_file(b / "holdout.jsonl"))
    assert srcs[1]["train_sha256"] == sha256_file(b / "train.jsonl") and srcs[1]["holdout_lines"] == 0
    # the trainer reads it, and its hash is a build's: train + holdout
    train, holdout, sha, _ = load_data(out)
    assert (len(train), len(holdout)) == (3, 1)
    assert sha == cfg["dataset_sha256"] == hashlib.sha256(
        (sha256_file(out / "train.jsonl") + sha256_file(out / "holdout.jsonl")).encode()).hexdigest()
    assert json.loads((out / "dataset_config.json").read_text()) == cfg


def test_a_jsonl_file_merges_as_train_lines(tmp_path):
    a = _folder(tmp_path / "a", [ex("When does the depot open?", "07:00")])
    log = tmp_path / "log.jsonl"
    write_jsonl(log, [ex("Who owns it?")])
    cfg = merge_datasets([a, log], tmp_path / "m")
    assert cfg["train"]["lines"] == 2 and cfg["build_options"]["merge"][1]["path"] == str(log)


def test_bad_input_names_the_file_and_line_and_writes_nothing(tmp_path):
    a = _folder(tmp_path / "a", [ex("When does the depot open?", "07:00")])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ex("Who owns it?")) + "\n{\"prompt\": 1}\n")
    with pytest.raises(InputError, match=r"bad\.jsonl:2"):
        merge_datasets([a, bad], tmp_path / "m")
    assert not (tmp_path / "m").exists()
    with pytest.raises(InputError, match="two or more"):
        merge_datasets([a], tmp_path / "m")
    with pytest.raises(InputError, match="is one of the datasets merged"):
        merge_datasets([a, bad], a)
    with pytest.raises(InputError, match="no train.jsonl"):
        merge_datasets([a, tmp_path], tmp_path / "m")
    (a / "dataset_config.json").write_text("[1]")
    with pytest.raises(InputError, match="invalid dataset config"):
        merge_datasets([a, a], tmp_path / "m")


def test_cli_merge(tmp_path, capsys):
    a = _folder(tmp_path / "a", [ex("When does the depot open?", "07:00")])
    b = _folder(tmp_path / "b", [ex("Who owns it?")])
    assert main(["dataset", "merge", str(a), str(b), "--out", str(tmp_path / "m")]) == 0
    assert "2 train / 0 holdout lines from 2 datasets" in capsys.readouterr().out
    # `dataset report` of the merge said "not a built dataset folder": it is one, its sources hold the reports
    assert main(["dataset", "report", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "a `dataset merge` output is not curated again" in err
    assert f"ragtune dataset report {tmp_path / 'm' / 'train.jsonl'}" in err
    assert main(["dataset", "report", str(a)]) == 2
    assert "not a built dataset folder" in capsys.readouterr().err
    assert main(["dataset", "merge", str(a), str(tmp_path / "none"), "--out", str(tmp_path / "n")]) == 2
    assert "training data not found" in capsys.readouterr().err


def test_an_out_under_a_file_is_an_input_error(tmp_path, capsys):
    """Sweep: `dataset merge … --out FILE/sub` ended in an internal error (NotADirectoryError)."""
    a = _folder(tmp_path / "a", [ex("When does the depot open?", "07:00")])
    b = _folder(tmp_path / "b", [ex("Who owns it?")])
    (tmp_path / "f").write_text("x")
    assert main(["dataset", "merge", str(a), str(b), "--out", str(tmp_path / "f" / "m")]) == 2
    assert capsys.readouterr().err.startswith(f"error: {tmp_path / 'f' / 'm'}: cannot create this folder")
