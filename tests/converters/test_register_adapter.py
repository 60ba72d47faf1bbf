"""`register_adapter`: a trainer's output folder becomes a lora-hf artifact with the lineage its manifest records."""

from __future__ import annotations

import json

from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.converters import register_adapter

BASE = "b" * 64


def _run_dir(root):
    d = root / "run"
    (d / "checkpoint").mkdir(parents=True)  # the trainer's resume state: not part of the adapter
    (d / "checkpoint" / "optim.pt").write_bytes(b"state")
    (d / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16}))
    (d / "adapter_model.safetensors").write_bytes(b"weights")
    (d / "training_config.json").write_text(json.dumps({"dataset_sha256": "d" * 64}))
    (d / "adapter_manifest.json").write_text(json.dumps({
        "kind": "lora-hf", "base_id": BASE, "dataset_sha256": "d" * 64, "training_config_sha256": "t" * 64,
        "base": {"kind": "gguf", "name": "smollm2", "path": "/elsewhere/base.gguf", "sha256": BASE}}))
    return d


def test_registered_adapter_records_the_base_it_was_trained_on(tmp_path):
    reg = Registry(Home(tmp_path / "home"))
    art, cfg, _ = register_adapter(reg, _run_dir(tmp_path))
    lin = reg.manifest(art.id)["lineage"]
    assert art.kind == "lora-hf" and cfg["r"] == 8
    assert lin["base_id"] == BASE and lin["dataset_sha256"] == "d" * 64 and lin["training_config_sha256"] == "t" * 64
    assert not (art.path / "checkpoint").exists()


def test_models_add_registers_a_training_output_as_convert_does(tmp_path, capsys, monkeypatch):
    # `models add RUN --kind lora-hf` registered the whole folder (checkpoint/ and all, no lineage): another id
    # than the one `convert lora RUN` gives the same adapter
    from ragtune.cli import main

    monkeypatch.setenv("RAGTUNE_HOME", str(tmp_path / "home"))
    run = _run_dir(tmp_path)
    assert main(["models", "add", str(run), "--kind", "lora-hf", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    art, _, _ = register_adapter(Registry(Home(tmp_path / "home")), run)
    assert m["id"] == art.id and m["name"] == "run" and m["lineage"]["base_id"] == BASE
    assert not (art.path / "checkpoint").exists()


def test_activate_and_rollout_by_a_name_the_adapter_folder_shares(tmp_path, capsys, monkeypatch):
    # the README's loop (train --out runs/a1, convert lora runs/a1 --out a1.gguf) registers a lora-hf and a
    # lora-gguf both named a1: `models activate a1` was refused as ambiguous
    from ragtune.cli import main
    from tests.gguf_helpers import write_gguf

    monkeypatch.setenv("RAGTUNE_HOME", str(tmp_path / "home"))
    run = _run_dir(tmp_path)
    run.rename(tmp_path / "a1")
    reg = Registry(Home(tmp_path / "home"))
    register_adapter(reg, tmp_path / "a1")
    lora = reg.add(write_gguf(tmp_path / "a1.gguf", tag="a1"), "lora-gguf", name="a1")
    from ragtune.appliance.refs import resolve_adapter

    assert resolve_adapter(reg, "a1")[1] == lora.id  # what `ask --adapter a1` and `[generate] adapter` serve
    assert reg.manifest("a1", kinds=("lora-hf",))["kind"] == "lora-hf"  # `convert lora a1` reads the folder
    assert main(["models", "activate", "a1", "--json"]) == 0
    assert lora.id in capsys.readouterr().out
    assert main(["models", "deactivate"]) == 0
    capsys.readouterr()
    assert main(["rollout", "start", "a1", "--share", "50", "--json"]) == 0
    r = json.loads(capsys.readouterr().out)
    assert r["candidate"] == lora.id
    assert main(["models", "list"]) == 0  # the canary is marked where the adapters are listed
    line = next(ln for ln in capsys.readouterr().out.splitlines() if lora.id[:16] in ln)
    assert f"(rollout {r['id']}: on 50% of clients)" in line


def test_an_adapter_trained_further_names_its_start_adapter_as_parent(tmp_path):
    from tests.gguf_helpers import write_gguf

    reg = Registry(Home(tmp_path / "home"))
    start = reg.add(write_gguf(tmp_path / "a1.gguf", tag="a1"), "lora-gguf", name="a1")
    run = _run_dir(tmp_path)
    man = json.loads((run / "adapter_manifest.json").read_text())
    man["init_adapter"] = {"path": str(tmp_path / "a1.gguf"), "sha256": start.id, "modules": 4}
    (run / "adapter_manifest.json").write_text(json.dumps(man))
    art, _, _ = register_adapter(reg, run)
    assert reg.manifest(art.id)["lineage"]["parent_id"] == start.id
    # a start adapter this registry does not hold is not named (its sha256 is in adapter_manifest.json)
    man["init_adapter"]["sha256"] = "c" * 64
    (run / "adapter_manifest.json").write_text(json.dumps(man))
    art, _, _ = register_adapter(reg, run)
    assert "parent_id" not in reg.manifest(art.id)["lineage"]


def test_models_list_marks_an_in_place_artifact_whose_file_is_gone(tmp_path, capsys, monkeypatch):
    from ragtune.cli import main
    from tests.gguf_helpers import write_gguf

    monkeypatch.setenv("RAGTUNE_HOME", str(tmp_path / "home"))
    f = write_gguf(tmp_path / "x.gguf", tag="x")
    assert main(["models", "add", str(f), "--kind", "lora-gguf", "--name", "x"]) == 0
    f.unlink()
    capsys.readouterr()
    assert main(["models", "list"]) == 0
    line = next(ln for ln in capsys.readouterr().out.splitlines() if ln.endswith(")") and " x " in ln)
    assert f"(file missing: {f})" in line


def test_a_training_folder_named_like_a_reserved_word_gets_a_safe_name(tmp_path, capsys):
    """Sweep: `train --out none`, then `convert lora none …` or `models add none --kind lora-hf`, registered an
    adapter named "none" (the word `--adapter none` reads as the base model)."""
    from ragtune.cli import main

    run = _run_dir(tmp_path).rename(tmp_path / "none")  # holds checkpoint/: registered from a clean copy
    art, _, _ = register_adapter(Registry(Home(tmp_path / "home")), run)
    assert art.name == f"none-{art.id[:8]}" and "is reserved" in art.note
    assert main(["--home", str(tmp_path / "h2"), "models", "add", str(run), "--kind", "lora-hf", "--json"]) == 0
    cap = capsys.readouterr()
    assert json.loads(cap.out)["name"] == art.name and f"registered as '{art.name}'; --name gives another" in cap.err
