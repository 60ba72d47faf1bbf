"""Locating and extracting llama.cpp's convert scripts from the llama-cpp-python sdist (fast, fake tarballs)."""

from __future__ import annotations

import io
import tarfile

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.converters import sdist


@pytest.fixture(autouse=True)
def _isolated(monkeypatch, tmp_path):
    monkeypatch.setenv(sdist.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.delenv(sdist.SDIST_ENV, raising=False)
    monkeypatch.delenv(sdist.BUNDLE_ENV, raising=False)


def _fake_sdist(path, version, *, with_gguf=True, evil=False):
    top = f"llama_cpp_python-{version}"
    files = {
        f"{top}/vendor/llama.cpp/convert_hf_to_gguf.py": b"print('hf')\n",
        f"{top}/vendor/llama.cpp/convert_lora_to_gguf.py": (
            b"import sys, gguf\nprint(gguf.MARK)\nif '--fail' in sys.argv:\n"
            b"    raise ValueError('Architecture Foo not supported')\n"),
        f"{top}/vendor/llama.cpp/conversion/__init__.py": b"",
        f"{top}/vendor/llama.cpp/README.md": b"not wanted",
        f"{top}/vendor/llama.cpp/src/llama.cpp": b"not wanted",
        f"{top}/llama_cpp/__init__.py": b"not wanted",
    }
    if with_gguf:
        files[f"{top}/vendor/llama.cpp/gguf-py/gguf/__init__.py"] = b"MARK = 'local-gguf-py'\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:gz") as tf:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
        if evil:
            info = tarfile.TarInfo(f"{top}/vendor/llama.cpp/gguf-py/../../../../escape.txt")
            info.size = 1
            tf.addfile(info, io.BytesIO(b"x"))
    return path


def test_missing_sdist_says_exactly_what_to_do(tmp_path):
    with pytest.raises(ModelError) as ei:
        sdist.locate_sdist(version="9.9.9")
    msg = str(ei.value)
    # the folder it looks in ($RAGTUNE_CACHE_DIR here), not ~/.cache/ragtune/ where the file would not be found
    assert f"pip download --no-deps --no-binary :all: llama-cpp-python==9.9.9 -d {tmp_path / 'cache'}/ " in msg
    assert "~/.cache" not in msg
    assert str(tmp_path / "cache") in msg  # says where it looked


@pytest.mark.parametrize("env, expected", [
    ({}, "-d ~/.cache/ragtune/ "),  # the default, as short as people write it
    ({"XDG_CACHE_HOME": "{home}/xdg"}, "-d ~/xdg/ragtune/ "),
    ({"XDG_CACHE_HOME": "{tmp}/x dg"}, "-d '{tmp}/x dg/ragtune'/ "),  # quoted: one argument for the shell
    ({sdist.CACHE_ENV: "{tmp}/c"}, "-d {tmp}/c/ "),
])
def test_the_download_hint_names_the_folder_looked_in(tmp_path, monkeypatch, env, expected):
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv(sdist.CACHE_ENV)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value.format(home=home, tmp=tmp_path))
    hint = sdist.missing_hint("9.9.9")
    assert expected.format(tmp=tmp_path) in hint
    with pytest.raises(ModelError) as ei:
        sdist.locate_sdist(version="9.9.9")
    assert str(sdist.cache_root() / "wheelhouse") in str(ei.value)  # the folder named is one it looks in


def test_wrong_version_refused(tmp_path, monkeypatch):
    f = _fake_sdist(tmp_path / "llama_cpp_python-0.0.1.tar.gz", "0.0.1")
    monkeypatch.setenv(sdist.SDIST_ENV, str(f))
    with pytest.raises(ModelError, match="not the sdist of the installed"):
        sdist.locate_sdist(version="0.0.2")


def test_search_order_env_bundle_cache(tmp_path, monkeypatch):
    v = "1.2.3"
    cached = _fake_sdist(tmp_path / "cache" / "wheelhouse" / f"llama_cpp_python-{v}.tar.gz", v)
    assert sdist.locate_sdist(version=v) == cached
    bundled = _fake_sdist(tmp_path / "bundle" / "sdist" / f"llama_cpp_python-{v}.tar.gz", v)
    monkeypatch.setenv(sdist.BUNDLE_ENV, str(tmp_path / "bundle"))
    assert sdist.locate_sdist(version=v) == bundled
    given = _fake_sdist(tmp_path / "given" / f"llama-cpp-python-{v}.tar.gz", v)
    monkeypatch.setenv(sdist.SDIST_ENV, str(tmp_path / "given"))
    assert sdist.locate_sdist(version=v) == given
    explicit = _fake_sdist(tmp_path / "x" / f"llama_cpp_python-{v}.tar.gz", v)
    assert sdist.locate_sdist(explicit, version=v) == explicit


def test_extracts_only_the_converters_and_runs_with_local_gguf(tmp_path, monkeypatch):
    v = "1.2.3"
    monkeypatch.setenv(sdist.SDIST_ENV, str(_fake_sdist(tmp_path / f"llama_cpp_python-{v}.tar.gz", v)))
    monkeypatch.setenv("NO_LOCAL_GGUF", "1")  # must be dropped for the script
    monkeypatch.setattr(sdist, "installed_version", lambda: v)
    d = sdist.scripts_dir()
    assert d == tmp_path / "cache" / f"llama.cpp-{v}"
    names = sorted(p.relative_to(d).as_posix() for p in d.rglob("*") if p.is_file())
    assert names == [".complete", "conversion/__init__.py", "convert_hf_to_gguf.py", "convert_lora_to_gguf.py",
                     "gguf-py/gguf/__init__.py"]
    log = tmp_path / "run.log"
    sdist.run_script("convert_lora_to_gguf.py", [], log_path=log)
    assert "local-gguf-py" in log.read_text()  # the sdist's gguf-py, not the installed gguf package
    with pytest.raises(ModelError) as ei:
        sdist.run_script("convert_lora_to_gguf.py", ["--fail"], log_path=log)
    assert "ValueError: Architecture Foo not supported" in str(ei.value) and str(log) in str(ei.value)


def test_sdist_without_gguf_py_is_refused(tmp_path, monkeypatch):
    v = "1.2.4"
    monkeypatch.setenv(sdist.SDIST_ENV, str(_fake_sdist(tmp_path / f"llama_cpp_python-{v}.tar.gz", v, with_gguf=False)))
    with pytest.raises(ModelError, match="gguf-py"):
        sdist.scripts_dir(version=v)
    assert not (tmp_path / "cache" / f"llama.cpp-{v}").exists()


def test_corrupt_sdist(tmp_path, monkeypatch):
    v = "1.2.5"
    bad = tmp_path / f"llama_cpp_python-{v}.tar.gz"
    bad.write_bytes(b"not a tarball")
    monkeypatch.setenv(sdist.SDIST_ENV, str(bad))
    with pytest.raises(ModelError, match="cannot read the sdist"):
        sdist.scripts_dir(version=v)


def test_path_traversal_refused(tmp_path, monkeypatch):
    v = "1.2.6"
    monkeypatch.setenv(sdist.SDIST_ENV, str(_fake_sdist(tmp_path / "s" / f"llama_cpp_python-{v}.tar.gz", v, evil=True)))
    with pytest.raises(ModelError, match="outside the destination"):
        sdist.scripts_dir(version=v)
    assert not list(tmp_path.parent.rglob("escape.txt"))
    assert not (tmp_path / "cache" / f"llama.cpp-{v}").exists()
