"""Round 43, bringing your own model: what a user who registers their own GGUFs sees (refs.py, registry.py)."""

from __future__ import annotations

import pytest

from ragtune.appliance.errors import ModelError
from tests.gguf_helpers import write_gguf

MODEL, OTHER = "a" * 64, "b" * 64  # the served model's id; another base's


def test_an_adapter_made_for_another_base_is_refused_however_it_is_named(reg, tmp_path):
    """`ask --adapter X`, `[generate] adapter = X`, a request's adapter, an adapter file's path, and an adapter
    activated while another model was served: each was loaded onto the served model (`models activate` alone
    refused it), so a LoRA made for another base answered on this one."""
    from ragtune.appliance.refs import resolve_adapter
    from ragtune.appliance.tomltext import Sourced

    src = write_gguf(tmp_path / "mine.gguf", tag="mine")
    art = reg.add(src, "lora-gguf", name="mine", base_id=OTHER, copy=False)
    for ref in ("mine", art.id[:12], art.id, str(src)):
        with pytest.raises(ModelError) as e:
            resolve_adapter(reg, Sourced(ref, "--adapter"), model_id=MODEL)
        assert e.value.message.startswith(f"--adapter: adapter {art.id[:12]}… (mine) was made for base model "
                                          f"{OTHER[:12]}…, but the served model is {MODEL[:12]}…"), e.value.message
        assert "--adapter none" in e.value.hint
    reg.activate("mine")  # chosen while its base was served (no model id: not checked)
    for ref in ("default", "active"):
        with pytest.raises(ModelError, match=r"^the activated adapter .* was made for base model") as e:
            resolve_adapter(reg, ref, model_id=MODEL)
        assert "ragtune models deactivate" in e.value.hint
    # on its own base, or with the served model unknown, it serves as before
    assert resolve_adapter(reg, "mine", model_id=OTHER) == (art.path, art.id)
    assert resolve_adapter(reg, "mine") == (art.path, art.id)
    assert resolve_adapter(reg, "default", model_id=OTHER) == (art.path, art.id)
    # no base recorded: nothing to check
    free = reg.add(write_gguf(tmp_path / "free.gguf", tag="free"), "lora-gguf", name="free")
    assert resolve_adapter(reg, "free", model_id=MODEL) == (free.path, free.id)
    assert resolve_adapter(reg, "none", model_id=MODEL) == (None, "none")


def test_the_refusal_names_a_registered_base_and_model_by_name(reg, tmp_path):
    from ragtune.appliance.refs import resolve_adapter

    from ragtune.appliance.hashing import sha256_path

    base_file = write_gguf(tmp_path / "base.gguf", lora=False, tag="base")
    # its base registered after it (a registered base's tensors are checked against the LoRA's: these do not fit)
    reg.add(write_gguf(tmp_path / "l.gguf", tag="l"), "lora-gguf", name="theirs", base_id=sha256_path(base_file))
    base = reg.add(base_file, "base-gguf", name="their-base")
    served = reg.add(write_gguf(tmp_path / "served.gguf", lora=False, tag="served"), "base-gguf", name="my-model")
    with pytest.raises(ModelError) as e:
        resolve_adapter(reg, "theirs", model_id=served.id)
    assert f"(theirs) was made for base model {base.id[:12]}… (their-base), but the served model is " \
           f"{served.id[:12]}… (my-model)" in e.value.message


def test_a_chosen_name_another_model_has_is_refused_and_the_config_keeps_serving(reg, home, tmp_path, capsys):
    """`models add other.gguf --name my-model` while `my-model` was registered and `[generate] model = "my-model"`:
    it was registered, and from then on every `ask` failed ("name 'my-model' matches several artifacts")."""
    from ragtune.appliance.errors import InputError
    from ragtune.appliance.refs import resolve_gguf_model
    from ragtune.cli import main

    mine = reg.add(write_gguf(tmp_path / "mine.gguf", lora=False, tag="mine"), "base-gguf", name="my-model")
    before = sorted(p.name for p in reg.dir.iterdir())
    other = write_gguf(tmp_path / "other.gguf", lora=False, tag="other")
    for kind in ("base-gguf", "quantized-gguf", "merged-gguf"):  # all are what [generate] model names
        assert main(["--home", str(home.root), "models", "add", str(other), "--kind", kind, "--name", "my-model"]) == 2
        err = capsys.readouterr().err
        assert f"error: {other}: not registered: the name 'my-model' is already that of {mine.id[:12]}… " \
               "(base-gguf); give it another --name" in err and "Traceback" not in err
    assert sorted(p.name for p in reg.dir.iterdir()) == before  # nothing written
    with pytest.raises(InputError, match="is already that of"):  # a converter's --name too (Registry.add)
        reg.add(other, "quantized-gguf", name="smollm2-135m-instruct-q4_1")  # a built-in's name
    # the same bytes again under their name: the existing artifact, as before; a name from the file: made as before
    assert reg.add(tmp_path / "mine.gguf", "base-gguf", name="my-model").id == mine.id
    assert reg.add(other, "base-gguf").name == "other"
    # an adapter may share a model's name: [generate] model still finds the model, --adapter the adapter
    lora = reg.add(write_gguf(tmp_path / "l.gguf", tag="l"), "lora-gguf", name="my-model")
    assert resolve_gguf_model(reg, "my-model") == (mine.path, mine.id)
    from ragtune.appliance.refs import resolve_adapter

    assert resolve_adapter(reg, "my-model")[1] == lora.id


def _model_without_template(path):
    """A GGUF model like gguf_helpers' but with no tokenizer.chat_template (a base model converted without one)."""
    import struct

    def s(text: str) -> bytes:
        b = text.encode()
        return struct.pack("<Q", len(b)) + b

    kv = {"general.architecture": "llama", "general.name": "raw", "general.type": "model"}
    head = b"GGUF" + struct.pack("<IQQ", 3, 1, len(kv))
    for k, v in kv.items():
        head += s(k) + struct.pack("<I", 8) + s(v)
    head += s("token_embd.weight") + struct.pack("<I", 1) + struct.pack("<Q", 4) + struct.pack("<IQ", 0, 0)
    head += b"\0" * (-len(head) % 32)
    path.write_bytes(head + struct.pack("<4f", 0, 1, 2, 3))
    return path


@pytest.mark.parametrize("by", ["path", "registry"])
def test_a_model_without_a_chat_template_is_refused_by_config_set_and_doctor(tmp_path, capsys, by):
    """Was: `config set generate.model raw` and `doctor` said ok, then every `ask` and `serve` failed ("the GGUF has
    no chat template")."""
    import json

    from ragtune.cli import main

    home = tmp_path / "home"
    raw = _model_without_template(tmp_path / "raw.gguf")
    ref = str(raw)
    if by == "registry":  # a base model may be registered (to convert or quantize it): it is served that is refused
        assert main(["--home", str(home), "models", "add", str(raw), "--kind", "base-gguf", "--name", "raw"]) == 0
        ref = "raw"
    capsys.readouterr()
    assert main(["--home", str(home), "config", "set", "generate.model", ref]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: generate.model: {raw}: the GGUF has no chat template (tokenizer.chat_template)"), err
    assert "gguf-new-metadata --chat-template-file" in err and "Traceback" not in err
    assert not (home / "config.toml").exists()
    home.mkdir(exist_ok=True)
    (home / "config.toml").write_text(f'[generate]\nmodel = "{ref}"\n', encoding="utf-8")  # written by hand
    assert main(["--home", str(home), "doctor", "--json", "--quick"]) == 1
    line = next(c for c in json.loads(capsys.readouterr().out)["checks"] if c["name"] == "model")
    assert line["status"] == "fail" and "no chat template" in line["detail"] and line["hint"], line


def test_config_set_refuses_a_registered_model_whose_file_is_gone(tmp_path, capsys):
    """Was: `config set generate.model my-model` took a model registered in place and since deleted (no file was
    looked at), and every `ask` then failed on it."""
    from ragtune.cli import main

    home = tmp_path / "home"
    src = write_gguf(tmp_path / "mine.gguf", lora=False, tag="gone")
    assert main(["--home", str(home), "models", "add", str(src), "--kind", "base-gguf", "--name", "my-model"]) == 0
    src.unlink()
    capsys.readouterr()
    assert main(["--home", str(home), "config", "set", "generate.model", "my-model"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: generate.model: {src}: the file of model "), err
    assert "is missing" in err and "hint: restore it" in err
    assert not (home / "config.toml").exists()
    write_gguf(src, lora=False, tag="gone")  # put back: taken
    assert main(["--home", str(home), "config", "set", "generate.model", "my-model"]) == 0


def _shaped(tmp_path, name, tensors, lora):
    pytest.importorskip("gguf")
    from tests.gguf_helpers import write_tensors

    kv = {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 4.0} if lora else \
        {"tokenizer.chat_template": "{{ messages[0]['content'] }}"}
    return write_tensors(tmp_path / name, tensors, **kv)


def test_a_lora_of_another_shape_is_refused_at_add_and_activate(reg, home, tmp_path, capsys):
    """Was: `models add other.gguf --kind lora-gguf --base-id my-model` and `models activate` took a LoRA converted
    for a model of another shape; every `ask` then failed in the merge ("LoRA for blk.0.attn_q.weight has shape …")
    or in llama.cpp, and `eval run` answered its arm A before failing in B."""
    np = pytest.importorskip("numpy")
    from ragtune.appliance.errors import InputError
    from ragtune.cli import main

    f32 = np.float32
    model = reg.add(_shaped(tmp_path, "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), f32)}, False),
                    "base-gguf", name="my-model")
    fits = _shaped(tmp_path, "fits.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 16), f32),
                                           "blk.0.attn_q.weight.lora_b": np.zeros((8, 2), f32)}, True)
    narrow = _shaped(tmp_path, "narrow.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 4), f32),
                                               "blk.0.attn_q.weight.lora_b": np.zeros((4, 2), f32)}, True)
    deeper = _shaped(tmp_path, "deeper.gguf", {"blk.1.attn_q.weight.lora_a": np.zeros((2, 16), f32),
                                               "blk.1.attn_q.weight.lora_b": np.zeros((8, 2), f32)}, True)
    before = sorted(p.name for p in reg.dir.iterdir())
    for lora, why in ((narrow, "its LoRA for blk.0.attn_q.weight is 4×4 (rank 2), the model's weight is 8×16"),
                      (deeper, "it has LoRA tensors for blk.1.attn_q.weight, which the model does not have")):
        assert main(["--home", str(home.root), "models", "add", str(lora), "--kind", "lora-gguf",
                     "--base-id", "my-model"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"error: --base-id: {lora}: does not fit model {model.id[:12]}… (my-model): {why}\n"), err
        assert "hint: this LoRA was made for a model of another shape" in err
    assert sorted(p.name for p in reg.dir.iterdir()) == before  # nothing written
    assert reg.add(fits, "lora-gguf", base_id=model.id).lineage["base_id"] == model.id
    # registered without a base (or before this check): `models activate` against the served model refuses it
    loose = reg.add(narrow, "lora-gguf", name="loose")
    with pytest.raises(InputError, match=r"narrow\.gguf: does not fit model .*\(my-model\): its LoRA"):
        reg.activate("loose", model_id=model.id)
    assert reg.active_state() == {"active": None, "previous": None}
    assert reg.activate("fits", model_id=model.id).id != loose.id


def test_base_id_by_a_name_an_adapter_shares_names_the_model(reg, home, tmp_path, capsys):
    """`models add lora.gguf --kind lora-gguf --name my-model` is allowed (an adapter may share a model's name);
    `--base-id my-model` then was refused as ambiguous, though only the model can be a base."""
    import json

    from ragtune.cli import main

    np = pytest.importorskip("numpy")
    model = reg.add(_shaped(tmp_path, "m.gguf", {"blk.0.attn_q.weight": np.zeros((8, 16), np.float32)}, False),
                    "base-gguf", name="my-model")
    reg.add(write_gguf(tmp_path / "same.gguf", tag="same"), "lora-gguf", name="my-model")
    lora = _shaped(tmp_path, "l.gguf", {"blk.0.attn_q.weight.lora_a": np.zeros((2, 16), np.float32),
                                        "blk.0.attn_q.weight.lora_b": np.zeros((8, 2), np.float32)}, True)
    capsys.readouterr()
    assert main(["--home", str(home.root), "models", "add", str(lora), "--kind", "lora-gguf", "--base-id", "my-model",
                 "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["lineage"]["base_id"] == model.id
