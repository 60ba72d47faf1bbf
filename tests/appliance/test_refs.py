"""refs.resolve_input: a CLI input that is a path or a registry reference, resolved to (path, id or None)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.refs import resolve_input
from tests.gguf_helpers import write_gguf


def test_a_registered_path_gets_its_id_and_an_unregistered_one_none(reg, tmp_path):
    known = write_gguf(tmp_path / "known.gguf", tag="k")
    art = reg.add(known, "lora-gguf", base_id="b" * 64)
    assert art.id == sha256_path(known)
    assert resolve_input(reg, known) == (known.resolve(), art.id)
    other = write_gguf(tmp_path / "other.gguf", tag="o")
    assert resolve_input(reg, other) == (other.resolve(), None)


def test_a_reference_resolves_to_the_registered_copy_of_an_allowed_kind(reg, tmp_path):
    art = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf", base_id="b" * 64)
    assert resolve_input(reg, art.id[:12], kinds=("lora-gguf",)) == (art.path, art.id)
    with pytest.raises(InputError, match="is a lora-gguf"):
        resolve_input(reg, art.id[:12], kinds=("gguf",))
    with pytest.raises(ModelError, match="no artifact"):
        resolve_input(reg, "not-there")


def test_a_configured_reference_that_does_not_resolve_names_the_config_line(reg, home, tmp_path):
    # the resolvers see only the value: it remembers `config.toml:LINE: [section] key` (tomltext.Sourced)
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.embed import model_identity
    from ragtune.appliance.generate import LlamaGenerator
    from ragtune.appliance.refs import resolve_adapter, resolve_gguf_model
    from ragtune.appliance.rerank import load_reranker

    home.root.mkdir(parents=True, exist_ok=True)
    cfg = home.config_path
    cfg.write_text('[embed]\nmodel = "nope-embedder"\n\n[generate]\nmodel = "nope-model"\nadapter = "nope-adapter"\n'
                   '\n[retrieve]\nrerank = "nope-reranker"\n')
    s = load_settings(home=home)
    cases = [(lambda: model_identity(s.embed, home), f"{cfg}:2: [embed] model: unknown embedder 'nope-embedder'"),
             (lambda: LlamaGenerator(s.generate, home), f"{cfg}:5: [generate] model: no artifact 'nope-model'"),
             (lambda: resolve_adapter(reg, s.generate.adapter), f"{cfg}:6: [generate] adapter: no artifact 'nope-adapter'"),
             (lambda: load_reranker(s.retrieve.rerank, home), f"{cfg}:9: [retrieve] rerank: no artifact 'nope-reranker'")]
    for call, message in cases:
        with pytest.raises(ModelError) as e:
            call()
        assert e.value.message.startswith(message) and e.value.hint  # the hint is kept
    # a path that is not there, and a reference of the wrong kind, are placed too
    cfg.write_text(f'[generate]\nmodel = "{tmp_path / "gone.gguf"}"\n\n[retrieve]\nrerank = "./no/such/folder"\n')
    s = load_settings(home=home)
    with pytest.raises(ModelError, match=rf"^{cfg}:2: \[generate\] model: .*gone.gguf: model file not found"):
        resolve_gguf_model(reg, s.generate.model)
    with pytest.raises(ModelError, match=rf"^{cfg}:5: \[retrieve\] rerank: .*folder: rerank model not found"):
        load_reranker(s.retrieve.rerank, home)
    lora = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf", name="a1")
    cfg.write_text('[generate]\nmodel = "a1"\n')
    with pytest.raises(ModelError, match=rf"^{cfg}:2: \[generate\] model: a1: is a lora-gguf, not a GGUF model"):
        resolve_gguf_model(reg, load_settings(home=home).generate.model)
    # one that resolves is unaffected
    cfg.write_text('[generate]\nadapter = "a1"\n')
    assert resolve_adapter(reg, load_settings(home=home).generate.adapter) == (lora.path, lora.id)


def test_a_flag_names_itself_and_a_plain_value_names_nothing(reg):
    from ragtune.appliance.refs import resolve_adapter
    from ragtune.appliance.tomltext import Sourced

    with pytest.raises(ModelError, match=r"^--adapter: no artifact 'nope'"):
        resolve_adapter(reg, Sourced("nope", "--adapter"))
    with pytest.raises(ModelError, match=r"^no artifact 'nope'"):
        resolve_adapter(reg, "nope")


def test_a_name_too_long_for_a_path_is_looked_up_and_fails_as_unknown(reg):
    from ragtune.appliance.refs import resolve_adapter, resolve_gguf_model

    long = "x" * 300  # os.stat raises ENAMETOOLONG: never a traceback
    with pytest.raises(ModelError, match="no artifact"):
        resolve_adapter(reg, long)
    with pytest.raises(ModelError, match="no artifact"):
        resolve_gguf_model(reg, long)


def test_an_input_too_long_to_be_a_path_is_looked_up_and_a_device_is_refused(reg):
    """resolve_input (`convert soup|quantize|merge`): a 100,000-character argument was an OSError (ENAMETOOLONG
    from Path.exists: exit 74); /dev/zero was hashed as if it were a model file (/dev/null: "no such file")."""
    with pytest.raises(ModelError, match="no artifact"):
        resolve_input(reg, "x" * 100_000, kinds=("lora-gguf",))
    if os.path.exists("/dev/zero"):
        with pytest.raises(InputError, match=r"^/dev/zero: a device, pipe or socket, not a file or folder \(expected "
                                             r"a lora-gguf, or a registry id or name\)$"):
            resolve_input(reg, "/dev/zero", kinds=("lora-gguf",))


def test_a_base_model_registered_under_a_gguf_name_resolves_by_that_name(reg, home, tmp_path, monkeypatch, capsys):
    """`models add some.gguf --name foo.gguf`: `foo.gguf` (no such file) is that registered model (was: read as a
    file only, "model file not found"); with a file of that name there too, the file wins (as resolve_adapter)."""
    from ragtune.appliance.refs import resolve_gguf_model, served_model_id
    from ragtune.appliance.tomltext import Sourced
    from ragtune.cli import main

    write_gguf(tmp_path / "src" / "some.gguf", lora=False, tag="base")
    monkeypatch.chdir(tmp_path)
    assert main(["--home", str(home.root), "models", "add", "src/some.gguf", "--kind", "base-gguf",
                 "--name", "foo.gguf"]) == 0
    capsys.readouterr()
    art = reg.get("foo.gguf")
    assert art.name == "foo.gguf"
    assert resolve_gguf_model(reg, "foo.gguf") == (art.path, art.id)
    assert resolve_gguf_model(reg, Sourced("foo.gguf", "--model")) == (art.path, art.id)
    assert served_model_id(reg, "foo.gguf") == art.id  # what `models activate` checks an adapter against
    here = write_gguf(tmp_path / "foo.gguf", lora=False, tag="file")  # both readings exist: the file
    assert resolve_gguf_model(reg, "foo.gguf") == (Path("foo.gguf"), sha256_path(here))


def test_a_gguf_value_that_is_neither_a_file_nor_a_name_names_both_readings(reg, tmp_path, monkeypatch):
    from ragtune.appliance.refs import resolve_gguf_model
    from ragtune.appliance.tomltext import Sourced

    monkeypatch.chdir(tmp_path)
    with pytest.raises(ModelError) as e:
        resolve_gguf_model(reg, Sourced("nowhere.gguf", "--model"))
    assert e.value.message == (f"--model: nowhere.gguf: model file not found, and no artifact in the registry "
                               f"({reg.dir}) is named 'nowhere.gguf'")
    assert "ragtune models list" in e.value.hint
    lora = reg.add(write_gguf(tmp_path / "a.gguf", tag="a"), "lora-gguf", name="lora.gguf", base_id="b" * 64)
    with pytest.raises(ModelError, match=r"^lora\.gguf: is a lora-gguf, not a GGUF model"):  # found, of the wrong kind
        resolve_gguf_model(reg, "lora.gguf")
    assert lora.name == "lora.gguf"


def test_a_gguf_registry_name_in_the_config_serves(reg, home, tmp_path, monkeypatch):
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.refs import resolve_gguf_model

    art = reg.add(write_gguf(tmp_path / "src" / "some.gguf", lora=False, tag="base"), "base-gguf", name="foo.gguf")
    monkeypatch.chdir(tmp_path)
    home.config_path.write_text('[generate]\nmodel = "foo.gguf"\n', encoding="utf-8")
    assert resolve_gguf_model(reg, load_settings(home=home).generate.model) == (art.path, art.id)


def test_the_model_value_walk_reads_a_path_a_default_name_and_a_registry_name_without_locating(reg, tmp_path,
                                                                                              monkeypatch):
    """refs.resolve_model_value, `config set`'s reading (locate=False): which of the three a value is, nothing
    looked up; a found GGUF model file's header is read, a LoRA adapter there refused."""
    from ragtune.appliance.default_models import default_names, manifest_entry
    from ragtune.appliance.refs import resolve_model_value

    monkeypatch.chdir(tmp_path)
    llm = next(n for n in default_names() if manifest_entry(n).get("kind") == "llm")
    model = write_gguf(tmp_path / "m.gguf", lora=False, tag="m")
    assert resolve_model_value(reg, "generate.model", str(model), locate=False).how == "path"
    missing = resolve_model_value(reg, "generate.model", "models/gone.gguf", locate=False)
    assert (missing.how, missing.found) == ("path", False)
    assert resolve_model_value(reg, "generate.model", llm, locate=False).how == "default"
    assert resolve_model_value(reg, "generate.model", "org/model", locate=False).how == "registry"
    write_gguf(tmp_path / "lora.gguf", lora=True, tag="l")
    with pytest.raises(InputError, match="a GGUF LoRA adapter, not a model"):
        resolve_model_value(reg, "generate.model", "lora.gguf", locate=False)


def test_config_set_reads_a_default_models_name_as_serving_does_when_a_file_of_that_name_is_here(
        home, tmp_path, monkeypatch, capsys):
    """A file in the working directory named as a default model is what serving loads (resolve_gguf_model: a file
    first), so `config set` checks that file. Was: the name was taken as the default model, unchecked."""
    from ragtune.appliance.default_models import default_names, manifest_entry
    from ragtune.cli import main

    llm = next(n for n in default_names() if manifest_entry(n).get("kind") == "llm")
    monkeypatch.chdir(tmp_path)
    (tmp_path / llm).write_bytes(b"not a gguf")
    assert main(["--home", str(home.root), "config", "set", "generate.model", llm]) == 2
    assert "generate" in capsys.readouterr().err
    (tmp_path / llm).unlink()  # no such file: the default model's name, fine before `models fetch`
    assert main(["--home", str(home.root), "config", "set", "generate.model", llm]) == 0
