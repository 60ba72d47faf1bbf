"""lineage.py and `models add`: an artifact's lineage is what it records itself (a converter's stage sidecar, a
training folder's records), never the tool versions of the machine that registers it."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.lineage import lora_hf_next_steps, stage_lineage
from ragtune.appliance.artifacts import tool_versions
from ragtune.cli import main
from tests.gguf_helpers import write_gguf

BASE, DATA, TRAIN = "b" * 64, "d" * 64, "t" * 64
MADE_BY = {"llama-cpp-python": "0.0.1-elsewhere", "gguf": "0.0.2-elsewhere"}


def _sidecar(path, **fields):
    """The record a converter writes beside its output (converters.write_stage_config: indented JSON)."""
    side = path.with_name(path.name + ".json")
    side.write_text(json.dumps(fields, indent=2, sort_keys=True))
    return side


def _run_dir(root, *, versions=None, base=BASE):
    """A trainer's output folder (ragtune/models/train): peft files, adapter_manifest.json, training_config.json."""
    d = root / "run"
    d.mkdir(parents=True)
    (d / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16}))
    (d / "adapter_model.safetensors").write_bytes(b"weights")
    (d / "training_config.json").write_text(json.dumps({"dataset_sha256": DATA, "versions": versions or {}}))
    (d / "adapter_manifest.json").write_text(json.dumps({
        "kind": "lora-hf", "dataset_sha256": DATA, "training_config_sha256": TRAIN,
        "base": {"kind": "gguf", "name": "base", "path": "/elsewhere/base.gguf", "sha256": base}}))
    return d


def _add(capsys, *args):
    rc = main(["models", "add", *map(str, args), "--json"])
    out = capsys.readouterr()
    return rc, (json.loads(out.out) if rc == 0 else None), out.err


def test_models_add_registers_the_lineage_of_a_lora_stage_sidecar(reg, tmp_path, capsys):
    adapter = reg.add(_run_dir(tmp_path), "lora-hf", record_tools=False, dataset_sha256=DATA,
                      training_config_sha256=TRAIN, base_id=BASE)
    f = write_gguf(tmp_path / "a.gguf", tag="a")
    digest = sha256_path(f)
    _sidecar(f, stage="lora", adapter="/elsewhere/run", adapter_id=adapter.id, base="/elsewhere/base.gguf",
             base_id=BASE, outtype="f16", script="convert_lora_to_gguf.py", seconds=1.5, tools=MADE_BY,
             id=digest, sha256=digest)
    rc, m, _ = _add(capsys, f, "--kind", "lora-gguf")
    assert rc == 0
    # the stage's own ids and tools, and the dataset and training config of the adapter it names
    assert m["lineage"] == {"base_id": BASE, "adapter_id": adapter.id, "outtype": "f16", "tools": MADE_BY,
                            "dataset_sha256": DATA, "training_config_sha256": TRAIN}


def test_a_quantize_and_a_merge_record_name_their_parent(reg, tmp_path):
    parent = reg.add(write_gguf(tmp_path / "m.gguf", lora=False, tag="m"), "merged-gguf", base_id=BASE,
                     dataset_sha256=DATA, outtype="f16")
    q = write_gguf(tmp_path / "q.gguf", lora=False, tag="q")
    _sidecar(q, stage="quantize", input="/x/m.gguf", input_id=parent.id, type="q4_k_m", tools={},
             sha256=sha256_path(q))
    lin = stage_lineage(q, "quantized-gguf", sha256_path(q), reg)
    assert lin == {"parent_id": parent.id, "quantization": "q4_k_m", "base_id": BASE, "dataset_sha256": DATA,
                   "outtype": "f16"}  # an empty `tools` is no tools
    # a folder's record is inside it (and part of its bytes: no sha256 of its own)
    merged = tmp_path / "merged"
    merged.mkdir()
    (merged / "config.json").write_text("{}")
    (merged / "ragtune_stage.json").write_text(json.dumps({"stage": "merge", "adapter_id": "a" * 64, "base_id": BASE,
                                                           "dataset_sha256": DATA, "tools": MADE_BY}))
    assert stage_lineage(merged, "hf-model", sha256_path(merged), reg) == {
        "adapter_id": "a" * 64, "base_id": BASE, "dataset_sha256": DATA, "tools": MADE_BY}


@pytest.mark.parametrize("content, line, message", [
    ('{\n  "stage": "lora",\n  "sha256": "ab\n}', 3, "invalid JSON"),
    ("[1, 2]", None, "expected a JSON object"),
    ('{\n  "stage": "train"\n}', 2, "'stage' must be one of lora, soup, gguf, quantize, merge, got 'train'"),
    ('{\n  "stage": "quantize",\n  "sha256": "SHA"\n}', 2, "a 'quantize' stage makes a quantized-gguf, not a lora-gguf"),
    ('{\n  "stage": "lora",\n  "sha256": "' + "c" * 64 + '"\n}', 3, "describes sha256 cccccccccccc…, but the file is"),
    ('{\n  "stage": "lora",\n  "base_id": "not-an-id",\n  "sha256": "SHA"\n}', 3, "'base_id' must be a 64-character"),
    ('{\n  "stage": "lora",\n  "sha256": "SHA",\n  "tools": ["torch"]\n}', 4, "'tools' must be an object"),
])
def test_a_damaged_sidecar_is_refused_naming_file_and_line(reg, tmp_path, capsys, content, line, message):
    f = write_gguf(tmp_path / "a.gguf", tag="a")
    side = f.with_name("a.gguf.json")
    side.write_text(content.replace("SHA", sha256_path(f)))
    with pytest.raises(InputError) as e:
        stage_lineage(f, "lora-gguf", sha256_path(f), reg)
    assert e.value.message.startswith(f"{side}:{line}: " if line else f"{side}: ") and message in e.value.message
    rc, _, err = _add(capsys, f, "--kind", "lora-gguf")  # the CLI: a clear error, exit 2, nothing registered
    assert rc == 2 and err.startswith(f"error: {side}") and message in err and "Traceback" not in err
    assert not reg.dir.is_dir() or not list(reg.dir.glob("*.json"))


def test_models_add_records_no_tools_of_this_machine(reg, tmp_path, capsys):
    # an artifact made elsewhere: the torch/peft installed here did not make it
    rc, m, _ = _add(capsys, write_gguf(tmp_path / "plain.gguf", tag="p"), "--kind", "lora-gguf")
    assert rc == 0 and "tools" not in m["lineage"]
    # a training folder: the versions its training_config.json records, and only those
    rc, m, _ = _add(capsys, _run_dir(tmp_path / "t1", versions={"torch": "9.9.9", "peft": "8.8.8", "transformers": None}),
                    "--kind", "lora-hf")
    assert rc == 0 and m["lineage"]["tools"] == {"torch": "9.9.9", "peft": "8.8.8"}
    rc, m, _ = _add(capsys, _run_dir(tmp_path / "t2"), "--kind", "lora-hf")
    assert rc == 0 and "tools" not in m["lineage"]
    # a converter run here still records the installed versions (they made its output)
    assert reg.add(write_gguf(tmp_path / "c.gguf", tag="c"), "lora-gguf").lineage["tools"] == tool_versions()


def test_models_add_of_a_peft_folder_prints_the_exact_next_commands(reg, tmp_path, capsys):
    base = reg.add(write_gguf(tmp_path / "base.gguf", lora=False, tag="base"), "base-gguf")
    run = _run_dir(tmp_path / "known", base=base.id)
    assert main(["models", "add", str(run), "--kind", "lora-hf"]) == 0
    err = capsys.readouterr().err
    assert f"next: ragtune convert lora {run} --base {base.id[:12]} --out run.gguf, then: ragtune models activate run" in err
    # a base this home does not hold: a placeholder, said what to put there
    run2 = _run_dir(tmp_path / "unknown")
    assert main(["models", "add", str(run2), "--kind", "lora-hf", "--name", "other"]) == 0
    err = capsys.readouterr().err
    assert f"ragtune convert lora {run2} --base BASE --out other.gguf, then: ragtune models activate other" in err
    # activating the peft folder itself says the same, with its registry id
    hf = reg.manifest("run", kinds=("lora-hf",))
    with pytest.raises(ModelError) as e:
        reg.activate(hf["id"])
    assert e.value.hint == "convert it first: " + lora_hf_next_steps(reg, hf)
    assert f"ragtune convert lora {hf['id'][:12]} --base {base.id[:12]} --out run.gguf" in e.value.hint


def test_an_unknown_base_id_flag_names_the_flag(reg, tmp_path, capsys):
    rc, _, err = _add(capsys, write_gguf(tmp_path / "a.gguf", tag="a"), "--kind", "lora-gguf", "--base-id", "nope")
    assert rc == 3 and "error: --base-id: no artifact 'nope'" in err
