"""Round 49: a GGUF LoRA's bytes depend on its adapter's files, not on the folder they sat in. convert_lora_to_gguf.py
names general.name (and basename, size label) from its input folder's name when no model card says one, so the
same weights converted from `run-a/` and from `run-b/` gave two files and two registry ids. The script now reads
the adapter through a folder of a fixed name (lora.ADAPTER_VIEW). A fake convert_lora_to_gguf.py in a fake sdist
writes a GGUF LoRA whose general.name is its input folder's name, as the real one does."""

from __future__ import annotations

import json
import shutil

from ragtune.appliance.home import Home
from ragtune.appliance.registry import Registry
from ragtune.converters import lora as lora_mod
from ragtune.converters.lora import lora_to_gguf
from tests.conftest import REPO
from tests.converters.fakes import fake_sdist
from tests.gguf_helpers import write_gguf

FAKE_SCRIPT = f"""import os, sys
sys.path.insert(0, {str(REPO)!r})
from tests.gguf_helpers import write_gguf
lora = sys.argv[1]
assert os.path.isfile(os.path.join(lora, "adapter_config.json")), os.listdir(lora)
with open(os.path.join(lora, "adapter_model.safetensors"), "rb") as f:
    weights = f.read().decode()
write_gguf(sys.argv[sys.argv.index("--outfile") + 1], tag=os.path.basename(lora) + "/" + weights)
""".encode()


def _adapter(folder, base, sha):
    folder.mkdir(parents=True)
    (folder / "adapter_config.json").write_text(json.dumps({"peft_type": "LORA", "r": 8, "lora_alpha": 16}))
    (folder / "adapter_model.safetensors").write_bytes(b"weights")
    (folder / "adapter_manifest.json").write_text(json.dumps({
        "kind": "lora-hf", "base_id": sha, "base": {"kind": "gguf", "path": str(base), "sha256": sha}}))
    return folder


def test_the_same_adapter_from_two_folders_is_one_gguf_lora(tmp_path, monkeypatch):
    from ragtune.appliance.hashing import sha256_file

    fake_sdist(tmp_path, monkeypatch, {"convert_lora_to_gguf.py": FAKE_SCRIPT})
    base = write_gguf(tmp_path / "base.gguf", lora=False, tag="base")
    sha = sha256_file(base)
    hf = tmp_path / "hf"  # the base's config: all the script needs of it
    hf.mkdir()
    (hf / "config.json").write_text(json.dumps({"architectures": ["LlamaForCausalLM"]}))
    monkeypatch.setattr(lora_mod, "config_dir_from_gguf", lambda gguf, into, progress: shutil.copytree(hf, into))
    out = tmp_path / "out"
    out.mkdir()
    ids = []
    for n, folder in enumerate(("run-a", "Llama-3-8B-finetune-v2")):
        adapter = _adapter(tmp_path / folder, base, sha)
        for copy in (True, False):  # a blob folder named as the adapter's was, and the folder itself
            reg = Registry(Home(tmp_path / f"home{n}{copy}"))
            gguf = out / f"{folder}-{copy}.gguf"
            ids.append(lora_to_gguf(adapter, base, gguf, registry=reg, copy=copy).artifact.id)
            assert f"{lora_mod.ADAPTER_VIEW}/weights".encode() in gguf.read_bytes()  # was the folder's name
            assert sorted(p.name for p in out.iterdir() if p.name.startswith(".")) == []  # the view went too
    assert len(set(ids)) == 1
    assert sorted(p.name for p in (tmp_path / "run-a").iterdir()) == [
        "adapter_config.json", "adapter_manifest.json", "adapter_model.safetensors"]  # the adapter left as it was


def test_the_view_links_the_adapter_and_its_sweep_leaves_the_adapter_whole(tmp_path):
    from ragtune.appliance.atomic import sweep_stale

    adapter = _adapter(tmp_path / "run-a", tmp_path / "base.gguf", "0" * 64)
    (adapter / "checkpoint-1").mkdir()
    (adapter / "checkpoint-1" / "w").write_bytes(b"w")
    work = tmp_path / "out" / ".lora.gguf.abcd1234.part"  # a killed conversion's work folder, its lock gone
    work.mkdir(parents=True)
    view = lora_mod._fixed_name_view(adapter, work)
    assert view.name == "adapter" and (view / "adapter_model.safetensors").read_bytes() == b"weights"
    assert sorted(p.name for p in view.iterdir()) == sorted(p.name for p in adapter.iterdir())
    sweep_stale(tmp_path / "out", "lora.gguf")
    assert not work.exists()  # swept, links and all; what they point at stays
    assert (adapter / "adapter_model.safetensors").read_bytes() == b"weights"
    assert (adapter / "checkpoint-1" / "w").read_bytes() == b"w"
