"""Small hardware (round 44): thread defaults follow the cores this process may use (affinity, a cgroup quota), not
the host's (os.cpu_count), and `ragtune doctor` says whether threads, models and RAM fit (machine.py, doctor.py)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance import machine
from ragtune.appliance.config import EmbedConfig, GenerateConfig
from ragtune.appliance.doctor import diagnose
from ragtune.appliance.home import Home

MB = 1 << 20


@pytest.fixture
def one_core_of_eight(monkeypatch):
    """`taskset -c 0` on an 8-core host: affinity 1 core, os.cpu_count() 8, no cgroup quota."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    monkeypatch.setattr(machine, "cpu_quota", lambda root=machine.CGROUP: None)


def test_thread_defaults_follow_the_affinity_not_the_host(one_core_of_eight):
    # before: os.cpu_count() -> embed 4, threads_batch 4 threads on one core (embedding 1.5-2x slower, measured)
    assert EmbedConfig().threads == 1
    g = GenerateConfig()
    assert (g.threads, g.threads_batch) == (1, 1)


def test_thread_defaults_on_four_usable_cores(monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr(machine, "cpu_quota", lambda root=machine.CGROUP: None)
    g = GenerateConfig()
    assert (EmbedConfig().threads, g.threads, g.threads_batch) == (4, 2, 4)


def _cgroup(tmp_path: Path, monkeypatch, files: dict[str, str]) -> Path:
    """A cgroup file system at `tmp_path` (this process's v2 folder: its root) on an 8-core affinity."""
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    monkeypatch.setattr(machine, "_cgroup_dir", lambda root=machine.CGROUP: tmp_path)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(8)), raising=False)
    return tmp_path


def test_a_cgroup_v2_quota_caps_the_cores(tmp_path, monkeypatch):
    root = _cgroup(tmp_path, monkeypatch, {"cpu.max": "150000 100000\n"})  # docker --cpus=1.5
    assert machine.cpu_quota(root) == 1.5
    assert machine.cores(root) == 2


def test_no_quota_leaves_the_affinity(tmp_path, monkeypatch):
    root = _cgroup(tmp_path, monkeypatch, {"cpu.max": "max 100000\n"})
    assert machine.cpu_quota(root) is None
    assert machine.cores(root) == 8


def test_a_cgroup_v1_quota_caps_the_cores(tmp_path, monkeypatch):
    root = _cgroup(tmp_path, monkeypatch, {"cpu/cpu.cfs_quota_us": "100000", "cpu/cpu.cfs_period_us": "100000"})
    assert machine.cores(root) == 1


def test_a_cgroup_memory_limit_below_the_host_ram(tmp_path, monkeypatch):
    root = _cgroup(tmp_path, monkeypatch, {"memory.max": str(512 * MB)})
    assert machine.memory_limit(root) == 512 * MB
    root2 = _cgroup(tmp_path / "v1", monkeypatch, {"memory/memory.limit_in_bytes": "9223372036854771712"})  # none
    monkeypatch.setattr(machine, "_cgroup_dir", lambda root=machine.CGROUP: None)
    total = machine.memory_limit(root2)
    assert total is None or total > 512 * MB  # the host's MemTotal


def _fit(monkeypatch, *, cores=1, ram=2048 * MB, avail=1500 * MB, vlimit=None, threads=None, models=120 * MB):
    monkeypatch.setattr(machine, "cores", lambda root=machine.CGROUP: cores)
    monkeypatch.setattr(machine, "memory_limit", lambda root=machine.CGROUP: ram)
    monkeypatch.setattr(machine, "memory_available", lambda: avail)
    monkeypatch.setattr(machine, "address_space_limit", lambda: vlimit)
    return machine.fit(threads or {"[embed] threads": 1}, models)


def test_a_2gb_one_core_box_fits_the_default_models(monkeypatch):
    status, detail, hint = _fit(monkeypatch)
    assert status == "ok" and hint is None
    assert detail.startswith("1 core usable; RAM 2.0 GB")


def test_more_threads_than_cores_is_a_warn_naming_the_settings(monkeypatch):
    status, _detail, hint = _fit(monkeypatch, threads={"[embed] threads": 2, "[generate] threads": 1,
                                                      "[generate] threads_batch": 4})
    assert status == "warn"
    assert hint.startswith("set [embed] threads, [generate] threads_batch = 1 in config.toml")


def test_too_little_ram_names_what_to_lower(monkeypatch):
    status, _detail, hint = _fit(monkeypatch, ram=256 * MB, avail=200 * MB)
    assert status == "warn" and "n_ctx" in hint and "[generate] model" in hint
    status, _detail, hint = _fit(monkeypatch, avail=100 * MB)
    assert status == "warn" and "other programs" in hint


def test_a_low_ulimit_v_is_said(monkeypatch):
    status, _detail, hint = _fit(monkeypatch, vlimit=1000 * MB)  # measured: ask's onnxruntime bad_alloc at 1 GB
    assert status == "warn" and "ulimit -v" in hint
    assert _fit(monkeypatch, vlimit=1300 * MB)[0] == "ok"  # measured: ask ran at 1.25 GB


def test_doctor_has_a_machine_line(tmp_path, monkeypatch, one_core_of_eight):
    home = Home(tmp_path / "home")
    home.root.mkdir()
    (home.root / "config.toml").write_text("[embed]\nthreads = 2\n")
    rep = diagnose(home, quick=True)
    line = next(c for c in rep.checks if c.name == "machine")
    assert line.status == "warn" and line.detail.startswith("1 core usable")
    assert line.hint.startswith("set [embed] threads = 1")
    names = [c.name for c in rep.checks]
    assert names.index("machine") == names.index("disk") - 1  # with the other resources, after the models'


@pytest.mark.skipif(not shutil.which("taskset") or not hasattr(os, "sched_getaffinity"), reason="needs taskset")
def test_under_taskset_one_core_every_default_is_one_thread():
    code = ("import json; from ragtune.appliance.config import EmbedConfig, GenerateConfig; g = GenerateConfig(); "
            "print(json.dumps([EmbedConfig().threads, g.threads, g.threads_batch]))")
    out = subprocess.run(["taskset", "-c", "0", sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=Path(__file__).resolve().parents[2]).stdout
    assert json.loads(out) == [1, 1, 1]
