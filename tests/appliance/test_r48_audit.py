"""Round 48, an audit of the registry: `models show` says when an artifact's bytes no longer match its id (edited
after it was added), resolves every id its lineage names (registered here, or not: a removed parent stays named),
and, for a peft adapter, what training_config.json says it was trained from."""

from __future__ import annotations

import json
from pathlib import Path

from ragtune.appliance.registry import Registry
from ragtune.cli import main


def _model(folder: Path, weights: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "config.json").write_text('{"model_type": "llama"}')
    (folder / "model.safetensors").write_bytes(weights)
    return folder


def _show(home: str, ref: str, capsys) -> tuple[dict, str]:
    assert main(["--home", home, "models", "show", ref]) == 0
    cap = capsys.readouterr()
    return json.loads(cap.out), cap.err


def test_show_says_an_artifact_edited_after_it_was_added(tmp_path, capsys):
    home = str(tmp_path / "h")
    src = _model(tmp_path / "m", b"weights")
    assert main(["--home", home, "models", "add", str(src), "--kind", "hf-model", "--name", "m"]) == 0
    capsys.readouterr()
    shown, err = _show(home, "m", capsys)
    assert shown["verified"] is True and "verify_error" not in shown and err == ""
    (src / "model.safetensors").write_bytes(b"weights, edited")  # registered in place: the user's file changed
    shown, err = _show(home, "m", capsys)
    assert shown["verified"] is False and "does not match its id" in shown["verify_error"]
    assert "warning:" in err and shown["id"][:12] in err


def test_show_resolves_lineage_ids_and_a_removed_parent_stays_named(tmp_path, capsys):
    home = tmp_path / "h"
    assert main(["--home", str(home), "models", "add", str(_model(tmp_path / "p", b"parent")), "--kind", "hf-model",
                 "--name", "parent", "--copy"]) == 0
    capsys.readouterr()
    parent, _ = _show(str(home), "parent", capsys)
    from ragtune.appliance.home import Home
    reg = Registry(Home(home))
    reg.add(_model(tmp_path / "c", b"child"), "hf-model", name="child", copy=True, parent_id=parent["id"])
    child, _ = _show(str(home), "child", capsys)
    assert child["lineage_refs"]["parent_id"] == {"id": parent["id"], "registered": True, "name": "parent",
                                                  "kind": "hf-model"}
    assert main(["--home", str(home), "models", "remove", "parent"]) == 0
    capsys.readouterr()
    child, err = _show(str(home), "child", capsys)
    assert child["lineage"]["parent_id"] == parent["id"]  # the record keeps the id
    assert child["lineage_refs"]["parent_id"] == {"id": parent["id"], "registered": False}
    assert child["verified"] is True and err == ""


def test_show_of_a_peft_adapter_names_what_it_was_trained_from(tmp_path, capsys):
    home = str(tmp_path / "h")
    run = tmp_path / "run"
    run.mkdir()
    (run / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16,
                                                         "target_modules": ["q_proj"]}))
    (run / "adapter_model.safetensors").write_bytes(b"\0" * 16)
    ds = "ab" * 32
    (run / "training_config.json").write_text(json.dumps({
        "config": {"data": "/data/kilns", "seed": 3, "out": str(run)}, "dataset_sha256": ds,
        "base": {"kind": "gguf", "path": "/m/base.gguf", "sha256": "cd" * 32}}))
    assert main(["--home", home, "models", "add", str(run), "--kind", "lora-hf"]) == 0
    capsys.readouterr()
    shown, _ = _show(home, "run", capsys)
    assert shown["training"] == {"data": "/data/kilns", "dataset_sha256": ds, "seed": 3, "init_adapter": None,
                                 "base": {"kind": "gguf", "path": "/m/base.gguf", "sha256": "cd" * 32}}
    assert shown["lineage"]["dataset_sha256"] == ds
