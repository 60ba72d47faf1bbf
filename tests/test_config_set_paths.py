"""`ragtune config set` of a model key's path (ragtune/appliance/config_edit.py `cli_path_value`): the value names the
file the user sees from the working directory, stored so that it means that file from anywhere: absolute, or
home-relative when the file is inside the home (the home stays movable). Ids, names, "default", "none", "" are
stored as typed; a relative path only the home holds is already the home's (config.py `_in_home`)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.home import Home
from ragtune.cli import main
from tests.gguf_helpers import gguf_bytes, write_gguf

KEYS = ["generate.model", "generate.adapter", "embed.model", "retrieve.rerank"]


def _thing(path: Path, dotted: str) -> Path:
    """What the key names at `path`: a .gguf file for the generate keys, a folder for the embedder (with the two
    files `config set` looks for) and the reranker."""
    if dotted.startswith("generate."):
        return write_gguf(path, lora=dotted.endswith("adapter"), tag=str(path))
    path.mkdir(parents=True)
    if dotted == "embed.model":
        for name in ("model.onnx", "tokenizer.json"):
            (path / name).write_bytes(b"{}")
    return path


def _set(home: Path, dotted: str, value: str, capsys) -> str:
    assert main(["--home", str(home), "config", "set", dotted, value, "--json"]) == 0, capsys.readouterr().err
    out = json.loads(capsys.readouterr().out)
    key = dotted.split(".")[1]
    assert Home(home).config_path.read_text(encoding="utf-8").count(f"{key} = {json.dumps(out['value'])}") == 1
    return out["value"]


def _read(home: Path, dotted: str) -> str:
    section, key = dotted.split(".")
    return str(getattr(getattr(load_settings(home=Home(home)), section), key))


@pytest.mark.parametrize("dotted", KEYS)
def test_a_path_outside_the_home_is_stored_absolute(tmp_path, monkeypatch, capsys, dotted):
    """Was: stored as typed (`./my.gguf`), then read as the home's file, or found only from that directory."""
    home, cwd = tmp_path / "h", tmp_path / "work"
    name = "my.gguf" if dotted.startswith("generate.") else "my-model"
    mine = _thing(cwd / name, dotted)
    monkeypatch.chdir(cwd)
    assert _set(home, dotted, f"./{name}", capsys) == str(mine)
    (cwd / "sub").mkdir()
    monkeypatch.chdir(cwd / "sub")
    assert _set(home, dotted, f"../{name}", capsys) == str(mine)  # `..` made plain
    monkeypatch.chdir(tmp_path)
    assert _read(home, dotted) == str(mine)  # the same file from anywhere


@pytest.mark.parametrize("dotted", KEYS)
def test_a_path_inside_the_home_is_stored_home_relative(tmp_path, monkeypatch, capsys, dotted):
    home = tmp_path / "h"
    ext = ".gguf" if dotted.startswith("generate.") else ""
    _thing(home / "models" / f"x{ext}", dotted)
    _thing(home / f"top{ext}", dotted)
    monkeypatch.chdir(home / "models")  # inside the home
    assert _set(home, dotted, f"./x{ext}", capsys) == f"models/x{ext}"
    monkeypatch.chdir(home)
    assert _set(home, dotted, f"./top{ext}", capsys) == f"./top{ext}"  # never read as a registry name
    if ext:
        assert _set(home, dotted, f"top{ext}", capsys) == f"./top{ext}"
    monkeypatch.chdir(tmp_path)  # from outside: the home's files by an absolute path or through `..`
    assert _set(home, dotted, str(home / "models" / f"x{ext}"), capsys) == f"models/x{ext}"
    link = tmp_path / "link"
    link.symlink_to(home / "models", target_is_directory=True)
    assert _set(home, dotted, f"link/x{ext}", capsys) == f"models/x{ext}"  # a link to the home's file: by its place
    moved = tmp_path / "elsewhere" / "h2"
    shutil.copytree(home, moved, symlinks=True)
    shutil.rmtree(home)
    assert _read(moved, dotted) == str(moved / "models" / f"x{ext}")  # the home moved: its file still found


def test_what_the_working_directory_does_not_hold(tmp_path, monkeypatch, capsys):
    """A relative path only the home holds is the home's (as config.toml reads it), a registry name with a "/" stays
    a name, and a path found nowhere that the key's resolver reads as a path is the working directory's."""
    home, cwd = tmp_path / "h", tmp_path / "work"
    cwd.mkdir()
    write_gguf(home / "models" / "x.gguf", lora=False)
    write_gguf(home / "adapters" / "a.gguf")
    monkeypatch.chdir(cwd)
    # the adapter first, while the configured model is not there: these test GGUFs' tensors do not fit each other,
    # which `config set generate.adapter` checks against the [generate] model (r43), as `ask` would
    Home(home).config_path.write_text('[generate]\nmodel = "models/later.gguf"\n', encoding="utf-8")
    # was refused: the adapter was looked for in the working directory, though every command reads it in the home
    assert _set(home, "generate.adapter", "adapters/a.gguf", capsys) == "adapters/a.gguf"
    assert _read(home, "generate.adapter") == str(home / "adapters" / "a.gguf")
    assert _set(home, "generate.model", "models/x.gguf", capsys) == "models/x.gguf"
    write_gguf(tmp_path / "org.gguf", lora=False)
    assert main(["--home", str(home), "models", "add", str(tmp_path / "org.gguf"), "--kind", "base-gguf", "--name",
                 "org/model"]) == 0
    capsys.readouterr()
    assert _set(home, "generate.model", "org/model", capsys) == "org/model"  # `models add --name org/model`
    # found nowhere: refused (round 41; was stored, and then every command failed), the file unchanged
    before = Home(home).config_path.read_bytes()
    for dotted, value in (("generate.model", "later.gguf"), ("embed.model", "embedders/e1")):
        assert main(["--home", str(home), "config", "set", dotted, value]) == 2
        assert capsys.readouterr().err.startswith(f"error: {dotted}: ")
    assert Home(home).config_path.read_bytes() == before
    write_gguf(cwd / "models" / "x.gguf", lora=False)  # both have it: the one the user sees here
    assert _set(home, "generate.model", "models/x.gguf", capsys) == str(cwd / "models" / "x.gguf")


@pytest.mark.parametrize("dotted,value", [
    ("generate.model", "smollm2-135m-instruct-q4_1"), ("generate.model", "my-model"),
    ("generate.adapter", "none"), ("generate.adapter", "default"), ("generate.adapter", "active"),
    ("embed.model", "all-minilm-l6-v2-int8"), ("retrieve.rerank", "default"), ("retrieve.rerank", ""),
    ("generate.model", "~/models/x.gguf"),
])
def test_ids_names_and_words_are_stored_as_typed(tmp_path, monkeypatch, capsys, dotted, value):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    write_gguf(tmp_path / "models" / "x.gguf", lora=False)  # what ~/models/x.gguf names
    if value == "my-model":  # a registered name
        write_gguf(tmp_path / "mine.gguf", lora=False)
        assert main(["--home", str(tmp_path / "h"), "models", "add", str(tmp_path / "mine.gguf"), "--kind",
                     "base-gguf", "--name", "my-model"]) == 0
        capsys.readouterr()
    assert _set(tmp_path / "h", dotted, value, capsys) == value


@pytest.mark.parametrize("dotted,value", [
    ("generate.model", "my-model"), ("generate.model", "~/models/gone.gguf"), ("embed.model", "nosuch"),
    ("retrieve.rerank", "a1b2c3d4e5f6"), ("retrieve.rerank", "./gone/r1"), ("generate.adapter", "nosuch"),
])
def test_a_model_no_command_could_load_is_refused(tmp_path, monkeypatch, capsys, dotted, value):
    """Was (but for the adapter): stored, exit 0, and then every `ask` or `ingest` failed on it (exit 3)."""
    monkeypatch.chdir(tmp_path)
    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "set", dotted, value]) == 2
    assert capsys.readouterr().err.startswith(f"error: {dotted}: ")
    assert not (home / "config.toml").exists()


def test_an_adapter_path_that_is_nowhere_is_still_refused(tmp_path, monkeypatch, capsys):
    home = tmp_path / "h"
    monkeypatch.chdir(tmp_path)
    assert main(["--home", str(home), "config", "set", "generate.adapter", "./gone.gguf"]) == 2
    assert "generate.adapter: " in capsys.readouterr().err
    assert not home.exists()  # refused before anything is written or created


def test_other_keys_are_untouched(tmp_path, monkeypatch, capsys):
    """Only the four model keys name files: a text key holding a "/" is stored as typed."""
    (tmp_path / "x").mkdir()
    monkeypatch.chdir(tmp_path)
    assert _set(tmp_path / "h", "generate.remote_model", "./x", capsys) == "./x"


def test_a_default_models_name_is_taken_before_models_fetch_and_nothing_is_hashed(tmp_path, monkeypatch, capsys):
    """Review r41: the model check located the default models (refused before `models fetch`) and hashed the GGUF
    (a multi-GB user model would take minutes); a registered model is found, not hashed."""
    from ragtune.appliance import default_models, hashing

    monkeypatch.chdir(tmp_path)
    hashed: list[str] = []
    real = hashing.sha256_file
    monkeypatch.setattr(hashing, "sha256_file", lambda p, **kw: hashed.append(str(p)) or real(p, **kw))
    monkeypatch.setattr(default_models, "locate_all", lambda *a, **k: (_ for _ in ()).throw(AssertionError(a)))
    home = tmp_path / "h"
    assert _set(home, "generate.model", "smollm2-135m-instruct-q4_1", capsys) == "smollm2-135m-instruct-q4_1"
    assert _set(home, "embed.model", "all-minilm-l6-v2-int8", capsys) == "all-minilm-l6-v2-int8"
    assert main(["--home", str(home), "config", "set", "generate.model", "all-minilm-l6-v2-int8"]) == 2  # a kind
    capsys.readouterr()
    write_gguf(tmp_path / "big.gguf", lora=False)
    assert main(["--home", str(home), "models", "add", str(tmp_path / "big.gguf"), "--kind", "base-gguf",
                 "--name", "big"]) == 0
    capsys.readouterr()
    hashed.clear()
    hashing.clear_caches()
    assert _set(home, "generate.model", "big", capsys) == "big"
    assert hashed == []


@pytest.mark.parametrize("content,message", [
    (gguf_bytes(lora=False, n_floats=64)[:-40], "truncated GGUF file: tensor token_embd.weight ends at byte"),
    (b"not a model at all", "not a GGUF file (bad magic"),
    (gguf_bytes(lora=True), "a GGUF LoRA adapter, not a model"),
], ids=["truncated", "not-gguf", "adapter"])
def test_a_model_file_llama_cpp_would_refuse_is_refused(tmp_path, monkeypatch, capsys, content, message):
    """Was: any file that exists was accepted (a GGUF cut short by `head -c`), and then `ask` and `serve` failed in
    llama.cpp ("tensor … data is not within the file bounds"). Its header and length are checked, nothing hashed."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "t.gguf").write_bytes(content)
    home = tmp_path / "h"
    assert main(["--home", str(home), "config", "set", "generate.model", "./t.gguf"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: generate.model: {tmp_path / 't.gguf'}: {message}"), err
    assert "hint: " in err and not home.exists()
    (tmp_path / "t.gguf").write_bytes(gguf_bytes(lora=False, n_floats=64))  # the whole file: taken
    assert _set(home, "generate.model", "./t.gguf", capsys) == str(tmp_path / "t.gguf")
