"""A fake llama-cpp-python sdist for converter tests: a tarball holding the given convert scripts (empty files for
the others), installed as the sdist the converters use (its version the installed one, its cache under tmp)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

from ragtune.converters import sdist

SCRIPTS = ("convert_lora_to_gguf.py", "convert_hf_to_gguf.py", "gguf-py/gguf/__init__.py")


def fake_sdist(tmp_path: Path, monkeypatch, scripts: dict[str, bytes]) -> Path:
    v = sdist.installed_version()
    tgz = tmp_path / f"llama_cpp_python-{v}.tar.gz"
    top = f"llama_cpp_python-{v}/vendor/llama.cpp"
    with tarfile.open(tgz, "w:gz") as tf:
        for name in SCRIPTS:
            data = scripts.get(name, b"")
            info = tarfile.TarInfo(f"{top}/{name}")
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    monkeypatch.setenv(sdist.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv(sdist.SDIST_ENV, str(tgz))
    monkeypatch.delenv(sdist.BUNDLE_ENV, raising=False)
    return tgz
