"""registry_files.py: where a registered artifact's bytes live (the blobs/ copy, the home-relative reference), split
out of registry.py, which imports it (never the reverse), as it imports registry_served.py (the served adapter)."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from ragtune.appliance import registry
from ragtune.appliance.hashing import sha256_path
from ragtune.appliance.registry_files import copy_blob, holds, home_relative
from tests.gguf_helpers import write_gguf

APPLIANCE = Path(registry.__file__).parent


def test_the_registry_modules_stay_under_the_size_guideline_and_import_downwards():
    for name in ("registry.py", "registry_files.py", "registry_served.py"):
        lines = (APPLIANCE / name).read_text(encoding="utf-8").count("\n")
        assert lines < 480, f"{name}: {lines} lines"  # the project's ~500-line guideline, with room to grow
    for name in ("registry_files.py", "registry_served.py"):  # its parts, which registry.py imports
        tree = ast.parse((APPLIANCE / name).read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m and m.split(".")[-1] == "registry"}, name  # no cycle back
    assert registry.home_relative is home_relative  # still importable from registry (backup.py names it there)


def test_home_relative_names_files_inside_the_home_from_its_registry_folder(tmp_path):
    root = tmp_path / "home"
    assert home_relative(root / "models" / "x.gguf", root) == "../models/x.gguf"
    assert home_relative(root / "registry" / "blobs" / "a" / "x.gguf", root) == "blobs/a/x.gguf"
    assert home_relative(tmp_path / "elsewhere" / "x.gguf", root) is None
    assert home_relative(root, root) is None  # the home itself is no artifact's file


def test_copy_blob_places_read_only_bytes_once(tmp_path):
    src = write_gguf(tmp_path / "a.gguf", tag="a")
    digest = sha256_path(src)
    blob = copy_blob(tmp_path / "registry", src, digest)
    assert blob == tmp_path / "registry" / "blobs" / digest / "a.gguf" and blob.read_bytes() == src.read_bytes()
    assert not os.stat(blob).st_mode & 0o222 and holds(blob, digest)
    assert copy_blob(tmp_path / "registry", src, digest) == blob  # already there: kept
    assert not holds(blob.with_name("other.gguf"), digest)


def test_copy_blob_copies_a_folder_and_refuses_bytes_that_are_not_the_id(tmp_path):
    from ragtune.appliance.errors import ModelError

    folder = tmp_path / "peft"
    (folder / "sub").mkdir(parents=True)
    (folder / "adapter_config.json").write_text("{}", encoding="utf-8")
    (folder / "sub" / "w.bin").write_bytes(b"w")
    blob = copy_blob(tmp_path / "registry", folder, sha256_path(folder))
    copied = sorted(p.relative_to(blob).as_posix() for p in blob.rglob("*"))
    assert copied == ["adapter_config.json", "sub", "sub/w.bin"]
    with pytest.raises(ModelError, match="changed while being copied"):
        copy_blob(tmp_path / "registry", folder, "0" * 64)
    assert not (tmp_path / "registry" / "blobs" / ("0" * 64)).exists()  # nothing left behind
