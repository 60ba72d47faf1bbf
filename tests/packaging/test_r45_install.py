"""install.sh as an admin meets it on a fresh box (round 45): a bundle on a path with spaces, a second install over
the first, uninstalling, an older glibc, no pipx, a pip that fails. pip and venv are test doubles (a fake
`python3` that logs its pip calls); everything else is the real script on a tiny fake bundle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from tests.packaging.test_bundle import INSTALL, _build_module

BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None or shutil.which("sha256sum") is None, reason="needs bash, sha256sum")

# A python3 whose `-m venv DIR` makes a venv of itself (pyvenv.cfg, bin/python, a `ragtune` that succeeds) and whose
# `-m pip ...` only logs the call with PIP_FIND_LINKS; anything else runs the real interpreter.
FAKE_PY = """#!/bin/bash
if [ "$1" = -m ] && [ "$2" = venv ]; then
    mkdir -p "$3/bin" && cp "$0" "$3/bin/python" && echo "home = /fake" > "$3/pyvenv.cfg"
    printf '#!/bin/sh\\nexit 0\\n' > "$3/bin/ragtune" && chmod +x "$3/bin/ragtune"; exit 0
fi
if [ "$1" = -m ] && [ "$2" = pip ]; then
    printf '%s\\n' "$*|$PIP_FIND_LINKS" >> "$FAKE_LOG"
    if [ -n "${FAKE_PIP_FAIL:-}" ]; then echo "ERROR: No matching distribution found for click>=8.1" >&2; exit 1; fi
    exit 0
fi
exec REAL "$@"
"""


def _bundle(root: Path, **manifest) -> Path:
    b = root / "USB stick" / "ragtune bundle"
    (b / "wheelhouse").mkdir(parents=True)
    (b / "sdist").mkdir()
    shutil.copy2(INSTALL, b / "install.sh")
    (b / "wheelhouse" / "ragtune-0.0.0-py3-none-any.whl").write_bytes(b"PK\x05\x06" + b"\0" * 18)
    (b / "sdist" / "llama_cpp_python-0.0.0.tar.gz").write_bytes(b"sdist")
    m = {"format": 1, "ragtune": "0.0.0", "python": "%d.%d" % sys.version_info[:2], "glibc_of_build_machine": "glibc-2.0",
         "llama_cpp_python": {"wheel": "llama_cpp_python-0.0.0-py3-none-linux_x86_64.whl"}, **manifest}
    (b / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    _build_module().write_sums(b)
    return b


@pytest.fixture
def box(tmp_path):
    """A fresh box: a HOME, a fake python3, no pipx on PATH."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "python3"
    fake.write_text(FAKE_PY.replace("REAL", sys.executable))
    fake.chmod(0o755)
    path = ":".join(d for d in os.environ.get("PATH", "/usr/bin:/bin").split(":") if d and not (Path(d) / "pipx").exists())
    env = {"PATH": f"{bin_dir}:{path}", "HOME": str(tmp_path / "home"), "PYTHON": str(fake), "LANG": "C.UTF-8",
           "FAKE_LOG": str(tmp_path / "pip.log"), "XDG_CACHE_HOME": str(tmp_path / "home" / ".cache")}
    (tmp_path / "home").mkdir()
    return tmp_path, env


def _run(bundle: Path, env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(bundle / "install.sh"), *args], capture_output=True, text=True, timeout=60,
                          env=env)


def _pip_calls(tmp: Path) -> list[tuple[str, str]]:
    return [tuple(line.split("|", 1)) for line in (tmp / "pip.log").read_text().splitlines()]


def test_find_links_survive_a_bundle_path_with_spaces(box):
    tmp, env = box
    b = _bundle(tmp)
    r = _run(b, env, "--method", "venv")
    assert r.returncode == 0, r.stderr
    calls = _pip_calls(tmp)
    assert calls
    for _args, links in calls:
        # pip splits PIP_FIND_LINKS at whitespace: every piece must be a location that exists (before: 4 pieces)
        pieces = links.split()
        assert len(pieces) == 1
        assert Path(unquote(urlparse(pieces[0]).path)) == b / "wheelhouse"


def test_a_rebuilt_bundle_of_the_same_version_replaces_ragtune(box):
    # pip keeps an installed ragtune==V as "already satisfied": a rebuilt bundle's code was silently not installed
    tmp, env = box
    b = _bundle(tmp)
    assert _run(b, env, "--method", "venv").returncode == 0
    assert _run(b, env, "--method", "venv").returncode == 0
    installs = [a for a, _ in _pip_calls(tmp) if "ragtune==0.0.0" in a]
    assert len(installs) == 4
    assert all("--force-reinstall" in a and "--no-deps" in a for a in installs[1::2])
    assert all("--upgrade" in a for a in installs[0::2])  # dependencies brought to the bundle's versions


def test_the_venv_lives_outside_the_data_home_and_an_old_one_there_is_removed(box):
    tmp, env = box
    home = tmp / "home" / ".local" / "share" / "ragtune"
    (home / "venv" / "bin").mkdir(parents=True)
    (home / "venv" / "pyvenv.cfg").write_text("home = /old\n")
    (home / "ragtune.db").write_bytes(b"data")
    r = _run(_bundle(tmp), env, "--method", "venv")
    assert r.returncode == 0, r.stderr
    venv = tmp / "home" / ".local" / "share" / "ragtune-venv"
    assert (venv / "pyvenv.cfg").is_file()
    assert os.readlink(tmp / "home" / ".local" / "bin" / "ragtune") == str(venv / "bin" / "ragtune")
    assert not (home / "venv").exists() and "removed the old venv" in r.stderr
    assert (home / "ragtune.db").read_bytes() == b"data"  # `ragtune backup` of this home no longer copies a venv


def test_an_explicit_ragtune_venv_leaves_the_old_one_alone(box):
    tmp, env = box
    old = tmp / "home" / ".local" / "share" / "ragtune" / "venv"
    old.mkdir(parents=True)
    (old / "pyvenv.cfg").write_text("home = /old\n")
    r = _run(_bundle(tmp), dict(env, RAGTUNE_VENV=str(tmp / "elsewhere")), "--method", "venv")
    assert r.returncode == 0, r.stderr
    assert (old / "pyvenv.cfg").is_file() and (tmp / "elsewhere" / "pyvenv.cfg").is_file()


def test_uninstall_removes_the_program_and_keeps_data_and_models(box):
    tmp, env = box
    b = _bundle(tmp)
    assert _run(b, env, "--method", "venv").returncode == 0
    data = tmp / "home" / ".local" / "share" / "ragtune"
    data.mkdir(parents=True)
    (data / "ragtune.db").write_bytes(b"data")
    models = tmp / "home" / ".cache" / "ragtune" / "models"
    models.mkdir(parents=True)
    shutil.rmtree(b.parent)  # the bundle may be gone by then: uninstall needs no intact one
    shutil.copytree(Path(INSTALL).parent, tmp / "pkg")
    r = subprocess.run([BASH, str(tmp / "pkg" / "install.sh"), "--uninstall"], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert not (tmp / "home" / ".local" / "share" / "ragtune-venv").exists()
    assert not os.path.lexists(tmp / "home" / ".local" / "bin" / "ragtune")
    assert (data / "ragtune.db").is_file() and models.is_dir()
    assert str(data) in r.stderr and str(models) in r.stderr


def test_uninstall_keeps_a_ragtune_link_that_is_not_ours(box):
    tmp, env = box
    b = _bundle(tmp)
    assert _run(b, env, "--method", "venv").returncode == 0
    link = tmp / "home" / ".local" / "bin" / "ragtune"
    link.unlink()
    link.symlink_to("/opt/dev/ragtune")
    assert _run(b, env, "--uninstall").returncode == 0
    assert os.readlink(link) == "/opt/dev/ragtune"


def test_uninstall_with_nothing_installed_says_so(box):
    tmp, env = box
    r = _run(_bundle(tmp), env, "--uninstall")
    assert r.returncode == 0 and "no ragtune installed by install.sh found" in r.stderr


def test_a_bundle_built_on_a_newer_glibc_is_refused_before_installing(box):
    tmp, env = box
    r = _run(_bundle(tmp, glibc_of_build_machine="glibc-99.0"), env, "--method", "venv")
    assert r.returncode != 0
    assert "llama_cpp_python-0.0.0-py3-none-linux_x86_64.whl in this bundle needs glibc >= 99.0" in r.stderr
    assert not (tmp / "pip.log").exists()  # nothing installed


def test_a_failing_pip_ends_with_one_install_sh_error(box):
    tmp, env = box
    r = _run(_bundle(tmp), dict(env, FAKE_PIP_FAIL="1"), "--method", "venv")
    assert r.returncode != 0
    assert r.stderr.strip().splitlines()[-1].startswith("install.sh: error: pip could not update the venv's pip")


def test_no_pipx_hint_is_a_venv_not_pip_install_user(box):
    # `pip install --user pipx` is refused on Debian 12 / Ubuntu 23.04+ (PEP 668, externally managed)
    tmp, env = box
    r = _run(_bundle(tmp), env, "--method", "pipx")
    assert r.returncode != 0
    assert "pipx not found" in r.stderr and "-m venv" in r.stderr and "--user" not in r.stderr


def test_help_lists_uninstall():
    r = subprocess.run([BASH, str(INSTALL), "--help"], capture_output=True, text=True, timeout=30)
    assert "install.sh --uninstall" in r.stdout and "--uninstall  " in r.stdout


# -- pipx: installing over an existing install ----------------------------------------------------------------------
FAKE_PIPX = """#!/bin/bash
printf '%s\\n' "$*" >> "$PIPX_LOG"
case "$1 $3" in
    "environment PIPX_LOCAL_VENVS") echo "$FAKE_VENVS" ;;
    "environment PIPX_BIN_DIR") echo "$FAKE_BIN" ;;
    "uninstall "*) rm -rf "$FAKE_VENVS/ragtune" ;;
    "install "*) mkdir -p "$FAKE_VENVS/ragtune/bin" "$FAKE_BIN"
                 printf '#!/bin/sh\\nexit 0\\n' > "$FAKE_BIN/ragtune"; chmod +x "$FAKE_BIN/ragtune" ;;
esac
"""


def _pipx_box(box, app_python: str | None):
    tmp, env = box
    pipx = tmp / "bin" / "pipx"
    pipx.write_text(FAKE_PIPX)
    pipx.chmod(0o755)
    venvs = tmp / "pipx" / "venvs"
    if app_python is not None:  # an installed ragtune whose venv python is this
        (venvs / "ragtune" / "bin").mkdir(parents=True)
        (venvs / "ragtune" / "bin" / "python").symlink_to(app_python)
    env = dict(env, PIPX_LOG=str(tmp / "pipx.log"), FAKE_VENVS=str(venvs), FAKE_BIN=str(tmp / "pipx-bin"))
    return tmp, env


def _pipx_installs(tmp: Path) -> list[str]:
    return [c for c in (tmp / "pipx.log").read_text().splitlines() if c.startswith(("install", "uninstall"))]


def test_pipx_fresh_install_names_the_python(box):
    tmp, env = _pipx_box(box, None)
    r = _run(_bundle(tmp), env, "--method", "pipx")
    assert r.returncode == 0, r.stderr
    [call] = _pipx_installs(tmp)
    assert call.startswith(f"install --python {env['PYTHON']} ") and "--force" not in call


def test_pipx_over_the_same_python_forces_without_python(box):
    # `--force --python` made pipx print "--python is ignored when --force is passed"; --force alone reinstalls
    tmp, env = _pipx_box(box, sys.executable)
    r = _run(_bundle(tmp), env, "--method", "pipx")
    assert r.returncode == 0, r.stderr
    [call] = _pipx_installs(tmp)
    assert call.startswith("install --force ") and "--python" not in call


def test_pipx_over_another_python_uninstalls_first(box, tmp_path):
    other = tmp_path / "python2.7"
    other.write_text("#!/bin/sh\necho 2.7\n")
    other.chmod(0o755)
    tmp, env = _pipx_box(box, str(other))
    r = _run(_bundle(tmp), env, "--method", "pipx")
    assert r.returncode == 0, r.stderr
    assert _pipx_installs(tmp)[0] == "uninstall ragtune"
    assert _pipx_installs(tmp)[1].startswith(f"install --python {env['PYTHON']} ")
    assert "not for Python" in r.stderr


@pytest.mark.skipif(shutil.which("sh") is None, reason="needs sh")
def test_sh_install_sh_runs_it_with_bash(box):
    # admins type `sh install.sh`; dash stopped at `set -o pipefail` with "Illegal option"
    tmp, env = box
    r = subprocess.run(["sh", str(_bundle(tmp) / "install.sh"), "--verify-only"], capture_output=True, text=True,
                       timeout=60, env=env)
    assert r.returncode == 0, r.stderr
    assert "checksums OK" in r.stderr
