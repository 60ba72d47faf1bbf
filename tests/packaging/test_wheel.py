"""The wheel installs exactly one top-level import name, `ragtune` (issue 15): built offline from a copy of the
files git tracks (or would), so the checkout is left as it was (no build/ or egg-info). It is built the way
`pip install ragtune-*.tar.gz` builds it: first the sdist (MANIFEST.in), then the wheel from that sdist, so a file
the sdist leaves out is missing from the wheel too."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _tracked_files() -> list[str]:
    out = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                         capture_output=True, text=True)
    if out.returncode != 0:
        pytest.skip("not a git checkout: the wheel check builds from the tracked files")
    return [f for f in out.stdout.split("\0") if f]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src")
    for rel in _tracked_files():
        if rel.startswith(("tests/", "benchmarks/", "docs/")) or not (REPO / rel).is_file():
            continue
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / rel, src / rel)
    out = tmp_path_factory.mktemp("dist")
    # PEP 517's build_sdist hook, as `python -m build --sdist` calls it (the build frontend is not a test dependency)
    proc = subprocess.run([sys.executable, "-c", "import sys; from setuptools import build_meta; "
                           "print(build_meta.build_sdist(sys.argv[1]))", str(out)], cwd=src, capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (sdist,) = out.glob("ragtune-*.tar.gz")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                           "-q", "-w", str(out), str(sdist)], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (whl,) = out.glob("ragtune-*.whl")
    return whl


def test_the_sdist_holds_the_build_files_and_the_package_only(wheel):
    (sdist,) = wheel.parent.glob("ragtune-*.tar.gz")
    with tarfile.open(sdist) as tf:
        names = {n.split("/", 1)[1] for n in tf.getnames() if "/" in n and not tf.getmember(n).isdir()}
    for need in ("pyproject.toml", "README.md", "LICENSE", "PKG-INFO"):
        assert need in names, f"{need} missing from the sdist"
    # setuptools adds tests/test*.py by default (MANIFEST.in prunes them); its own egg-info and setup.cfg stay
    extra = {n for n in names if not n.startswith(("ragtune/", "ragtune.egg-info/"))}
    assert extra == {"pyproject.toml", "README.md", "LICENSE", "PKG-INFO", "MANIFEST.in", "setup.cfg"}, extra
    tracked = {f for f in _tracked_files() if f.startswith("ragtune/") and (REPO / f).is_file()}
    assert sorted(tracked - names) == [], "tracked under ragtune/ but not in the sdist"
    assert sorted({n for n in names if n.startswith("ragtune/")} - tracked) == [], "in the sdist but not tracked"


def test_the_wheel_installs_one_top_level_package(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith((".dist-info", ".data"))}
    assert tops == {"ragtune"}, f"top-level names in the wheel: {sorted(tops)}"
    # the license as an SPDX expression (PEP 639): setuptools deprecated the TOML-table form (unsupported 2027-02)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    with zipfile.ZipFile(wheel) as zf:
        assert "License-Expression: Apache-2.0" in zf.read(metadata).decode().splitlines()
    top_level = next((n for n in names if n.endswith(".dist-info/top_level.txt")), None)
    if top_level is not None:
        with zipfile.ZipFile(wheel) as zf:
            assert zf.read(top_level).decode().split() == ["ragtune"]


def test_the_wheel_carries_the_runtime_data(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    # the built-in adapters (a .gguf + its manifest each, whatever the repository holds) and their recipe
    shipped = [f for f in _tracked_files() if f.startswith("ragtune/appliance/adapters/")]
    for need in ("ragtune/appliance/manifests/defaults.json", "ragtune/appliance/store/schema.py",
                 "ragtune/tui/ragtune.tcss", "ragtune/appliance/eval/safety.jsonl",
                 "ragtune/models/recipes/default.toml", "ragtune/appliance/adapters/README.md", *shipped):
        assert need in names, f"{need} missing from the wheel"
    assert not any(n.startswith(("tests/", "ragtune/tui/fakes")) for n in names)  # test doubles are not product


def test_the_wheel_carries_every_file_under_ragtune(wheel):
    # package-data lists file patterns: a new kind of runtime file (say .yaml or .sql) would be left out silently
    with zipfile.ZipFile(wheel) as zf:
        names = {n for n in zf.namelist() if n.startswith("ragtune/")}
    tracked = {f for f in _tracked_files() if f.startswith("ragtune/") and (REPO / f).is_file()}
    assert sorted(tracked - names) == [], "tracked under ragtune/ but not in the wheel (pyproject package-data)"
    assert sorted(names - tracked) == [], "in the wheel but not tracked"
