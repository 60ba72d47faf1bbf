"""Round 48: two identical tiny training runs into two folders register as one lora-hf id, with one
training_config_sha256 (the run folder, timings and peft's set order were in the hashed bytes)."""

import json

import pytest

pytestmark = pytest.mark.train
pytest.importorskip("torch", reason="needs the [train] extra (torch)")
pytest.importorskip("transformers", reason="needs the [train] extra (transformers)")
pytest.importorskip("peft", reason="needs the [train] extra (peft)")

from ragtune.appliance.hashing import sha256_path  # noqa: E402
from ragtune.appliance.home import Home  # noqa: E402
from ragtune.appliance.registry import Registry  # noqa: E402
from ragtune.converters import register_adapter  # noqa: E402
from ragtune.models import train as tr  # noqa: E402

from .test_train import _cfg, data, tiny  # noqa: E402,F401  (the tiny llama and its data)


def test_the_same_run_twice_is_one_id(tiny, data, tmp_path):  # noqa: F811
    reg = Registry(Home(tmp_path / "home"))
    arts = []
    for name in ("run_a", "run_b"):
        tr.train(_cfg(tiny, data, tmp_path / name, max_steps=2, seed=3, threads=1))
        arts.append(register_adapter(reg, tmp_path / name)[0])
    a, b = arts
    assert (tmp_path / "run_a" / "adapter_model.safetensors").read_bytes() == \
        (tmp_path / "run_b" / "adapter_model.safetensors").read_bytes()
    assert a.lineage["training_config_sha256"] == b.lineage["training_config_sha256"]
    assert a.id == b.id
    assert "out" not in json.loads((tmp_path / "run_a" / "training_config.json").read_text())["config"]
    mods = json.loads((tmp_path / "run_a" / "adapter_config.json").read_text())["target_modules"]
    assert mods == sorted(mods)
    # an HF-folder base: its id is the registry's folder hash, the one `convert lora --base FOLDER` records
    assert a.lineage["base_id"] == sha256_path(tiny)
