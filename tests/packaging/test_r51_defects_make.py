"""Round 51: `make test` (install-dev) on a machine without an NVIDIA GPU asks for torch's CPU build (its index added
when it answers), not PyPI's CUDA build of several GB; with a GPU, or an index that does not answer, pip's own
indexes as before. Run against a stand-in venv python that logs its arguments: nothing is installed, no network."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CPU = "https://download.pytorch.org/whl/cpu"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def _install_dev(tmp_path, gpu: bool, index_answers: bool, args: tuple[str, ...] = ()) -> list[str]:
    venv, fakebin, log = tmp_path / "venv", tmp_path / "fakebin", tmp_path / "calls.log"
    (venv / "bin").mkdir(parents=True)
    fakebin.mkdir()
    python = venv / "bin" / "python"  # `-c PROBE URL` exits as the index would answer; pip calls are logged
    python.write_text(f'#!/bin/sh\nif [ "$1" = "-c" ]; then exit {0 if index_answers else 1}; fi\n'
                      f'echo "$*" >> "{log}"\n')
    smi = fakebin / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\nexit {0 if gpu else 1}\n")
    for f in (python, smi):
        f.chmod(0o755)
    env = {"PATH": f"{fakebin}:/usr/bin:/bin", "HOME": str(tmp_path)}
    r = subprocess.run(["make", "-s", "-C", str(ROOT), "install-dev", f"VENV={venv}", *args],
                       env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout + r.stderr
    return [c for c in log.read_text().splitlines() if "torch==" in c and "-e" not in c.split()]


def test_no_gpu_takes_the_cpu_build_when_its_index_answers(tmp_path):
    (call,) = _install_dev(tmp_path, gpu=False, index_answers=True)
    assert f"--extra-index-url {CPU}" in call and call.endswith('torch==2.13.0')


def test_a_gpu_or_a_silent_index_or_an_empty_setting_keeps_pips_indexes(tmp_path):
    cases = ((True, True, ()), (False, False, ()), (False, True, ("TORCH_CPU_INDEX=",)))
    for i, (gpu, answers, args) in enumerate(cases):
        d = tmp_path / str(i)
        d.mkdir()
        (call,) = _install_dev(d, gpu, answers, args)
        assert "--extra-index-url" not in call and call.endswith("torch==2.13.0"), (gpu, answers, args, call)
