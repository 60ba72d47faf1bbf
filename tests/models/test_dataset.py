"""The training line format, the key-token fallback for rows without evidence, the query-log pass-through.
(Building from labelled questions: tests/models/test_raft.py.)"""

import json
import re

import pytest

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError
from ragtune.models import dataset as ds


def test_holds_answer_requires_numbers():
    row = {"answer": "Up to 20 working days per year.", "evidence": ""}
    assert ds.holds_answer("Employees may work abroad for up to 20 working days per year.", row)
    assert not ds.holds_answer("Employees may work abroad for up to 30 working days per year.", row)


def _example(**out):
    o = {"status": "ok", "answer": "At 06:00.", "citations": ["S1"]}
    o.update(out)
    return prompt.training_example(prompt.SYSTEM_PROMPT, [{"id": "S1", "text": "Opens at 06:00."}], "When?", o)


def test_validate_example():
    assert ds.validate_example(_example(), "f:1") == []
    assert any("not in the context" in e for e in ds.validate_example(_example(citations=["S9"]), "f:1"))
    assert any("cites nothing" in e for e in ds.validate_example(_example(status="refused"), "f:1"))
    assert any("at least one" in e for e in ds.validate_example(_example(citations=[]), "f:1"))
    assert ds.validate_example({"prompt": {}, "output": {}}, "f:1")


def test_read_dataset_folder_file_and_config(tmp_path):
    from ragtune.appliance.hashing import sha256_bytes, sha256_file

    folder = tmp_path / "d"
    folder.mkdir()
    ds.write_jsonl(folder / "train.jsonl", [_example()])
    got = ds.read_dataset(folder)  # no holdout, no config: the hash of the train split and an empty holdout
    assert len(got.train) == 1 and got.holdout == [] and got.config == {}
    assert got.sha256 == ds.splits_sha256(sha256_file(folder / "train.jsonl"), sha256_bytes(b""))
    ds.write_jsonl(folder / "holdout.jsonl", [_example()])
    assert ds.read_dataset(folder).sha256 == ds.splits_sha256(got.train_sha256, sha256_file(folder / "holdout.jsonl"))
    (folder / "dataset_config.json").write_text(json.dumps({"dataset_sha256": "ab" * 32}))
    assert ds.read_dataset(folder).sha256 == "ab" * 32  # the config's record is the dataset's id
    (folder / "dataset_config.json").write_text(json.dumps({"dataset_sha256": 3}))
    with pytest.raises(InputError, match=r"dataset_config.json: invalid dataset config: dataset_sha256"):
        ds.read_dataset(folder)
    (folder / "dataset_config.json").write_text("{\n  bad")
    with pytest.raises(InputError, match=r"invalid dataset config: .*dataset_config.json:2"):
        ds.read_dataset(folder)
    one = ds.read_dataset(folder / "train.jsonl")
    assert one.holdout == [] and one.sha256 == one.train_sha256 == got.train_sha256
    with pytest.raises(InputError, match="no train.jsonl"):
        ds.read_dataset(tmp_path)
    with pytest.raises(InputError, match="training data not found"):
        ds.read_dataset(tmp_path / "none")


def test_from_log_passes_valid_lines_and_names_bad_ones(tmp_path):
    p = tmp_path / "log.jsonl"
    good = _example()
    good["meta"] = {"time": "2025-01-02T10:00:00Z", "log_id": 7}
    p.write_text(json.dumps(good) + "\n", encoding="utf-8")
    rows, stats = ds.build_from_log(p)
    assert rows[0]["prompt"] == good["prompt"] and rows[0]["meta"]["log_id"] == 7 and stats.answered == 1
    p.write_text(json.dumps(good) + "\n" + json.dumps(_example(citations=["S4"])) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"log.jsonl:2: .*S4"):
        ds.build_from_log(p)
    p.write_text("{bad\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"log.jsonl:1: invalid JSON"):
        ds.build_from_log(p)


def test_cli_build_from_log_and_report(tmp_path, capsys):
    from ragtune.cli import main

    log = tmp_path / "log.jsonl"
    rows = []
    for i in range(20):
        e = _example(answer=f"At 0{i % 9}:00.")
        e["prompt"]["user"] = f"When does gate {i} open? Mail ops{i}@corp.example"
        e["meta"] = {"time": f"2025-01-{i + 1:02d}T10:00:00Z", "intent": "fact"}
        rows.append(json.dumps(e))
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(out), "--json"]) == 0
    rep = json.loads(capsys.readouterr().out)
    assert rep["split"]["holdout"] == 4 and rep["scrub"]["replaced"]["EMAIL"] == 20
    assert (out / "train.jsonl").is_file() and (out / "report.md").is_file()
    assert main(["dataset", "report", str(out)]) == 0
    assert "Temporal holdout" in capsys.readouterr().out
    assert main(["dataset", "build", "--out", str(out)]) == 2  # no source
    assert "give a source" in capsys.readouterr().err


@pytest.mark.parametrize("content,match", [
    (b"{bad", r"report.json:1: invalid JSON at column 2"),
    (b"[1]", r"report.json: expected a JSON object, got list"),
    (b'{\n"schema": "\xff"}', r"report.json:2: cannot read: not UTF-8 text"),
    (b'{"schema": 5}', r"report.json: not a curation report"),
])
def test_cli_report_of_a_damaged_report_json_names_the_file(tmp_path, capsys, content, match):
    from ragtune.cli import main

    (tmp_path / "report.json").write_bytes(content)
    assert main(["dataset", "report", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert re.search(match, err) and "internal error" not in err


def test_runtime_does_not_import_the_training_stack():
    import subprocess
    import sys

    code = "import sys, ragtune.cli, ragtune.models.dataset, ragtune.models.curate, ragtune.models.pack; print('torch' in sys.modules, 'peft' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.stdout.strip() == "False False", r.stderr


def test_cli_build_from_log_records_the_export_and_warns_on_unreviewed_lines(tmp_path, capsys):
    # the dataset named the log export only by the command line (a path, not its bytes), and passed the model's
    # own unreviewed answers into training without a word
    from ragtune.appliance.hashing import sha256_file
    from ragtune.cli import main

    log = tmp_path / "log.jsonl"
    rows = []
    for i, reviewed in enumerate((True, False, False)):
        e = _example()
        e["prompt"]["user"] = f"When does gate {i} open?"
        e["meta"] = {"log_id": i + 1, "reviewed": reviewed}
        rows.append(json.dumps(e))
    log.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "ds"
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(out), "--json"]) == 0
    cap = capsys.readouterr()
    assert "2 of 3 line(s)" in cap.err and "--reviewed-only" in cap.err
    cfg = json.loads((out / "dataset_config.json").read_text(encoding="utf-8"))
    assert cfg["build_options"]["log"] == {"path": str(log.resolve()), "sha256": sha256_file(log), "lines": 3,
                                           "unreviewed": 2}
    assert json.loads(cap.out)["build"]["unreviewed"] == 2
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(tmp_path / "ds2")]) == 0
    assert f"next: ragtune train --data {tmp_path / 'ds2'} --out runs/ds2" in capsys.readouterr().err


def test_cli_build_does_not_write_into_a_folder_of_other_files(tmp_path, capsys):
    # `dataset build --out RUN` wrote train.jsonl, report.md… into an adapter folder (or a documents folder)
    from ragtune.cli import main

    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(_example()) + "\n", encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    (run / "adapter_config.json").write_text("{}")
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(run)]) == 2
    assert "holds other files (adapter_config.json) and no dataset_config.json" in capsys.readouterr().err
    assert sorted(p.name for p in run.iterdir()) == ["adapter_config.json"]
    out = tmp_path / "ds"
    out.mkdir()  # an empty folder, a build cut off before its dataset_config.json, an earlier build: all written
    (out / "train.jsonl").write_text("")
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(out)]) == 0
    assert main(["dataset", "build", "--from-log", str(log), "--out", str(out)]) == 0
