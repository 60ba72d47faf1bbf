"""Relative paths in config.toml are the home's (ragtune/appliance/config.py `_in_home`, docs/store.md): the four model
keys (`[generate] model`/`adapter`, `[embed] model`, `[retrieve] rerank`) find a file named relative to the home from
any working directory and wherever the home is moved; a path only the working directory holds keeps that meaning
(except a reranker's: the home's only); ids, names and registry names with a "/" stay names. Command-line paths keep
resolving against the working directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.embed import model_identity
from ragtune.appliance.errors import ModelError
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.home import Home
from ragtune.appliance.refs import resolve_adapter, resolve_gguf_model
from ragtune.appliance.registry import Registry
from ragtune.cli import main
from tests.gguf_helpers import write_gguf

KEYS = [("generate", "model"), ("generate", "adapter"), ("embed", "model"), ("retrieve", "rerank")]


def _load(home: Home, section: str, key: str, value: str) -> str:
    home.config_path.write_text(f'[{section}]\n{key} = "{value}"\n', encoding="utf-8")
    got = getattr(getattr(load_settings(home=home), section), key)
    assert got.origin.endswith(f"[{section}] {key}")  # still names its config line in errors
    return got


@pytest.mark.parametrize("section,key", KEYS)
def test_a_relative_path_is_the_homes_from_any_working_directory(home, tmp_path, monkeypatch, section, key):
    home.root.mkdir(parents=True, exist_ok=True)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    for rel in ("models/x.gguf", "./models/x.gguf", "x.gguf", "m/model.onnx", "e/folder"):
        (home.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (home.root / rel).write_bytes(b"x")
        assert _load(home, section, key, rel) == str(home.root / rel), rel
    (cwd / "cwd-only").mkdir()
    (cwd / "cwd-only" / "y.gguf").write_bytes(b"y")
    # only the working directory holds it: as before, but a reranker's is the home's (test_rerank_paths.py)
    assert _load(home, section, key, "cwd-only/y.gguf") == \
        (str(home.root / "cwd-only" / "y.gguf") if key == "rerank" else "cwd-only/y.gguf")
    (home.root / "cwd-only").mkdir()
    (home.root / "cwd-only" / "y.gguf").write_bytes(b"h")
    assert _load(home, section, key, "cwd-only/y.gguf") == str(home.root / "cwd-only" / "y.gguf")  # both: the home's
    for kept in ("default", "none", "a1b2c3d4e5", "smollm2-135m-instruct-q4_1", str(tmp_path / "abs" / "z.gguf")):
        assert _load(home, section, key, kept) == kept
    assert _load(home, section, key, "~/z.gguf") == "~/z.gguf"  # the user's home, expanded where it is read


@pytest.mark.parametrize("section,key,value,in_home", [
    ("generate", "model", "models/gone.gguf", True), ("generate", "adapter", "adapters/gone.gguf", True),
    ("generate", "model", "gone.gguf", False),  # a name `models add --name gone.gguf` gives (was: named in the home)
    ("embed", "model", "embedders/gone", True), ("retrieve", "rerank", "./gone", True),
    # read as a registry name by their resolvers when no such file exists: `models add --name org/model`
    ("generate", "model", "org/model", False), ("generate", "adapter", "team/a1", False),
    ("generate", "adapter", "gone.gguf", False),  # `models add a.gguf --name gone.gguf` (was: named in the home)
])
def test_a_path_that_exists_nowhere(home, tmp_path, monkeypatch, section, key, value, in_home):
    home.root.mkdir(parents=True, exist_ok=True)
    monkeypatch.chdir(tmp_path)
    assert _load(home, section, key, value) == (str(home.root / value) if in_home else value)


def test_models_named_relative_to_the_home_serve_after_a_move(home, tmp_path, monkeypatch):
    """The resolvers (refs.py, embed.py) find the home's files from the config, from another working directory, and
    again once the home is copied elsewhere and the original is gone."""
    root = home.root
    write_gguf(root / "models" / "base.gguf", lora=False, tag="base")
    write_gguf(root / "adapters" / "a.gguf", tag="a")
    emb = root / "embedders" / "e1"
    emb.mkdir(parents=True)
    (emb / "model.onnx").write_bytes(b"onnx")
    (emb / "tokenizer.json").write_text("{}", encoding="utf-8")
    home.config_path.write_text('[generate]\nmodel = "models/base.gguf"\nadapter = "./adapters/a.gguf"\n\n'
                                '[embed]\nmodel = "embedders/e1"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    new = tmp_path / "srv" / "moved"
    shutil.copytree(root, new)
    shutil.rmtree(root)
    moved = Home(new)
    s = load_settings(home=moved)
    reg = Registry(moved)
    assert resolve_gguf_model(reg, s.generate.model) == (new / "models" / "base.gguf",
                                                         sha256_path(new / "models" / "base.gguf"))
    assert resolve_adapter(reg, s.generate.adapter)[0] == new / "adapters" / "a.gguf"
    assert model_identity(s.embed, moved) == (sha256_path(new / "embedders" / "e1" / "model.onnx"), 256)
    moved.config_path.write_text('[generate]\nmodel = "models/gone.gguf"\n', encoding="utf-8")
    with pytest.raises(ModelError, match=rf"\[generate\] model: {new}/models/gone.gguf: model file not found"):
        resolve_gguf_model(reg, load_settings(home=moved).generate.model)  # named where it was looked for


def test_command_line_paths_keep_the_working_directory(home, tmp_path, monkeypatch, capsys):
    home.root.mkdir(parents=True, exist_ok=True)
    write_gguf(home.root / "models" / "x.gguf", lora=False, tag="home")
    write_gguf(tmp_path / "models" / "x.gguf", lora=False, tag="cwd")
    monkeypatch.chdir(tmp_path)
    assert main(["--home", str(home.root), "models", "add", "models/x.gguf", "--kind", "base-gguf", "--name", "x"]) == 0
    capsys.readouterr()
    assert Registry(home).get("x").id == sha256_path(tmp_path / "models" / "x.gguf")
    assert resolve_gguf_model(Registry(home), "models/x.gguf")[0] == Path("models/x.gguf")  # a flag's value


def test_an_adapter_registered_under_a_gguf_name_serves_from_the_config(home, tmp_path, monkeypatch, capsys):
    """`models add a.gguf --name my.gguf`: `[generate] adapter = "my.gguf"` (no such file in the home or here) is
    that registry name, as refs.resolve_adapter reads it (was: made `$HOME/my.gguf`, a missing file, so serving
    failed); a home file of that name still wins, and a name found nowhere fails naming what was looked up."""
    home.root.mkdir(parents=True, exist_ok=True)
    write_gguf(tmp_path / "src" / "a.gguf", tag="a")
    monkeypatch.chdir(tmp_path)
    assert main(["--home", str(home.root), "models", "add", "src/a.gguf", "--kind", "lora-gguf",
                 "--name", "my.gguf"]) == 0
    capsys.readouterr()
    reg = Registry(home)
    want = reg.get("my.gguf")
    assert main(["--home", str(home.root), "config", "set", "generate.adapter", "my.gguf"]) == 0  # checked, stored
    capsys.readouterr()
    assert 'adapter = "my.gguf"' in home.config_path.read_text(encoding="utf-8")  # was: the working directory's path
    got = load_settings(home=home).generate.adapter
    assert got == "my.gguf" and resolve_adapter(reg, got) == (want.path, want.id)
    write_gguf(home.root / "my.gguf", tag="home")  # the home holds such a file: the file, as before
    assert resolve_adapter(reg, load_settings(home=home).generate.adapter)[0] == home.root / "my.gguf"
    home.config_path.write_text('[generate]\nadapter = "nowhere.gguf"\n', encoding="utf-8")
    with pytest.raises(ModelError, match=r"config\.toml:2: \[generate\] adapter: no artifact 'nowhere\.gguf' in the "
                                         r"registry"):
        resolve_adapter(reg, load_settings(home=home).generate.adapter)
    home.config_path.write_text('[generate]\nadapter = "adapters/nowhere.gguf"\n', encoding="utf-8")
    with pytest.raises(ModelError, match=rf"no file or folder at {home.root}/adapters/nowhere\.gguf"):
        resolve_adapter(reg, load_settings(home=home).generate.adapter)  # with a "/": still named in the home
