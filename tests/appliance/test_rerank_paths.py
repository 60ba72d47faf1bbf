"""A relative `[retrieve] rerank` in config.toml is the home's only (config.py `_in_home`, not `cwd`): what
rerank.names_folder takes for a folder (a "/" or a leading ".", or a name the home or the working directory holds) is
looked for in the home, whatever the working directory (was: the working directory's folder when only it had one, so
the reranker in use depended on where a command ran). A folder only the working directory holds is named in the home
by the error, whose hint gives the working directory's by its absolute path. `config set` stores a folder typed on
the command line so that it names the folder seen from there; command-line paths stay the working directory's."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import load_settings
from ragtune.appliance.config_edit import set_config_value
from ragtune.appliance.errors import ModelError
from ragtune.appliance.rerank import load_reranker, rerank_folder, resolve_reranker


def _rerank(home, value: str) -> str:
    home.config_path.write_text(f'# c\n[retrieve]\nrerank = "{value}"\n', encoding="utf-8")
    return load_settings(home=home).retrieve.rerank


@pytest.fixture
def cwd(home, tmp_path, monkeypatch):
    home.root.mkdir(parents=True, exist_ok=True)
    here = tmp_path / "work"
    here.mkdir()
    monkeypatch.chdir(here)
    return here


@pytest.mark.parametrize("value", ["rerankers/r1", "./rerankers/r1", "r1", "model.onnx"])
def test_a_folder_only_the_working_directory_holds_is_looked_for_in_the_home(home, cwd, value):
    (cwd / value).mkdir(parents=True)
    got = _rerank(home, value)
    want = home.root / value
    assert got == str(want)
    for resolve in (lambda: resolve_reranker(got, home), lambda: load_reranker(got, home),
                    lambda: rerank_folder(got, home)):
        with pytest.raises(ModelError) as e:
            resolve()
        assert e.value.message == f"{home.config_path}:3: [retrieve] rerank: {want}: rerank model not found"
        assert e.value.hint == (f"a relative [retrieve] rerank is the home's ({home.root}), not the working "
                                f"directory's: to use {cwd / value}, give its absolute path: ragtune config set "
                                f"retrieve.rerank {cwd / value}")
    (want).mkdir(parents=True)  # the home holds it too: the home's, from anywhere
    assert resolve_reranker(_rerank(home, value), home) == want


def test_the_homes_folder_by_a_bare_name_and_what_stays_a_name(home, cwd):
    (home.root / "r1").mkdir()
    assert _rerank(home, "r1") == str(home.root / "r1")  # was: looked up as a registry name (no ./r1 here)
    (cwd / "default").mkdir()  # never hides the built-in
    for name in ("default", " default ", "", "a1b2c3d4", "nope-reranker"):  # ids, registry names: found nowhere
        assert _rerank(home, name) == name
    with pytest.raises(ModelError) as e:
        resolve_reranker(_rerank(home, "./gone"), home)
    assert e.value.message.endswith(f"{home.root / 'gone'}: rerank model not found")
    assert e.value.hint == "[retrieve] rerank is a registry id or a folder with model.onnx + tokenizer.json"


def test_command_line_folders_are_the_working_directorys(home, cwd, monkeypatch):
    (cwd / "r1").mkdir()
    assert resolve_reranker("r1", home).resolve() == cwd / "r1"  # `eval retrieval --rerank r1`
    # `config set` names the folder seen from here: by its absolute path (was: "r1", the working directory's
    # wherever a command ran, now the home's)
    assert set_config_value(home.config_path, "retrieve.rerank", "r1", home=home) == str(cwd / "r1")
    assert resolve_reranker(load_settings(home=home).retrieve.rerank, home) == cwd / "r1"
    (home.root / "rerankers" / "r2").mkdir(parents=True)
    inside = home.root / "rerankers"
    monkeypatch.chdir(inside)  # inside the home: home-relative, so the home stays movable
    assert set_config_value(home.config_path, "retrieve.rerank", "r2", home=home) == "rerankers/r2"
    assert set_config_value(home.config_path, "retrieve.rerank", "default", home=home) == "default"
    (inside / "default").mkdir()
    assert set_config_value(home.config_path, "retrieve.rerank", "default", home=home) == "default"
