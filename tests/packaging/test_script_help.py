"""The packaging scripts' --help and argument errors: what an operator reads before running them."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO

PKG = REPO / "packaging"
BASH = shutil.which("bash")
pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")


def _run(script: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BASH, str(PKG / script), *args], capture_output=True, text=True, timeout=30)


@pytest.mark.parametrize("script", ["install.sh", "prove_offline.sh"])
def test_scripts_parse(script):
    assert subprocess.run([BASH, "-n", str(PKG / script)]).returncode == 0


# -- install.sh --------------------------------------------------------------------------------------------------
def test_install_help_is_the_help_block_only():
    r = _run("install.sh", "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: install.sh [--train] [--method auto|pipx|venv] [--verify-only]")
    # the old `sed -n '2,15p'` also printed the script's first lines of code
    assert "set -euo pipefail" not in r.stdout and "BUNDLE=" not in r.stdout
    assert _run("install.sh", "-h").stdout == r.stdout


def test_install_help_says_where_models_go():
    out = _run("install.sh", "--help").stdout
    # docs/install.md: the default models go to the per-user cache $RAGTUNE_MODELS, not under RAGTUNE_HOME
    assert re.search(r"^  RAGTUNE_MODELS +the model cache the default models go to", out, re.M)
    home = re.search(r"^  RAGTUNE_HOME .*?(?=^  \S|^\S|\Z)", out, re.M | re.S).group(0)
    assert "writes nothing in" in home and "models are placed under it" not in home


def test_install_help_lists_every_variable_the_script_reads():
    text = (PKG / "install.sh").read_text(encoding="utf-8")
    read = set(re.findall(r"\$\{([A-Z_]+):-", text)) - {"HOME", "PATH"}
    out = _run("install.sh", "--help").stdout
    assert read and all(re.search(rf"^  {v}\b", out, re.M) for v in read), read
    docs = (REPO / "docs" / "install.md").read_text(encoding="utf-8")
    assert all(v in docs for v in read | {"RAGTUNE_MODELS", "RAGTUNE_HOME"})


# -- prove_offline.sh --------------------------------------------------------------------------------------------
def test_prove_offline_help():
    r = _run("prove_offline.sh", "--help")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Usage: packaging/prove_offline.sh [BUNDLE_DIR]")
    for part in ("Arguments:", "BUNDLE_DIR", "Exit status:", "AF_INET", "unshare -n"):
        assert part in r.stdout
    assert "proof workdir" not in r.stderr  # nothing was started
    assert _run("prove_offline.sh", "-h").stdout == r.stdout


@pytest.mark.parametrize("args, message", [
    (["{tmp}"], "is not a bundle folder: it has no executable install.sh"),
    (["{tmp}/missing"], "does not exist"),
    (["{tmp}/file"], "is not a folder"),
    (["--bogus"], "unknown option '--bogus'"),
    (["{tmp}", "{tmp}"], "one BUNDLE_DIR at most"),
    (["{tmp}", "--", "{tmp}"], "one BUNDLE_DIR at most"),
    ([""], "BUNDLE_DIR is empty"),  # not "no BUNDLE_DIR": that would build a bundle
    (["--", "--help"], "'--help' does not exist"),
])
def test_prove_offline_refuses_a_bad_argument_before_starting(tmp_path, args, message):
    (tmp_path / "file").write_text("x")
    r = _run("prove_offline.sh", *[a.format(tmp=tmp_path) for a in args])
    assert r.returncode == 2
    assert message in r.stderr and "see --help" in r.stderr
    assert "proof workdir" not in r.stderr  # refused before a temp folder or a bundle build
