"""The README and docs/install.md as a first-time user reads them (round 50, h11): what they name must exist.

Pinned here because each was wrong or missing once: the `--version` line the README quotes, the make targets it
tells a newcomer to type, the repository files it points at, the Python floor it states, and the note that the
day-to-day `ragtune …` commands need the venv's bin on PATH. Text work and one CliRunner call: well under a second.
"""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from ragtune.cli import cli

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
INSTALL = (ROOT / "docs" / "install.md").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_the_version_line_the_readme_quotes_is_what_ragtune_prints():
    out = CliRunner().invoke(cli, ["--version"]).output.strip()
    quoted = re.search(r"`ragtune --version` says which ragtune runs \(`([^`]+)`", _flat(README))
    assert quoted, "README.md no longer quotes the --version line"
    # The schema name changes with every migration: the README quotes the stable head and marks the rest with `…`.
    head = quoted.group(1).split("…")[0].rstrip(" (")
    assert out.startswith(head), (quoted.group(1), out)


def test_every_make_target_the_docs_name_is_a_makefile_rule():
    rules = set(re.findall(r"^([a-z][\w-]*):", MAKEFILE, flags=re.M))
    named = set(re.findall(r"`make ([a-z][\w-]*)", README + INSTALL)) | set(
        re.findall(r"^make ([a-z][\w-]*)", README + INSTALL, flags=re.M))
    assert {"demo", "test", "install", "install-dev"} <= named, named
    assert named <= rules, f"make targets named in the docs but not in the Makefile: {sorted(named - rules)}"


def test_every_repository_path_the_readme_and_install_md_name_exists():
    paths = set(re.findall(r"`((?:ragtune|docs|tests|benchmarks|packaging|\.ci)/[\w./-]*[\w])`", README + INSTALL))
    paths |= set(re.findall(r"\]\(((?:docs|benchmarks|packaging)/[\w./-]+\.md)\)", README))
    paths |= {"docs/" + p for p in re.findall(r"\]\(([\w-]+\.md)\)", INSTALL)}
    assert len(paths) >= 20, sorted(paths)
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"named in README.md / docs/install.md but not in the repository: {missing}"


def test_the_python_floor_is_the_same_in_readme_install_md_pyproject_and_makefile():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    floor = re.search(r'requires-python = ">=(3\.\d+)"', pyproject).group(1)
    assert f"Python ≥ {floor}" in README
    assert f"Python {floor}+" in INSTALL
    assert f"sys.version_info < ({floor.replace('.', ', ')})" in MAKEFILE


def test_the_readme_says_how_the_day_to_day_commands_find_ragtune():
    # `make install` puts ragtune in .venv/bin, which is not on PATH: a newcomer typing `ragtune ingest ~/docs`
    # right after it got "command not found".
    text = _flat(README)
    day = text.index("Day-to-day use after `make install`")
    assert ".venv/bin/activate" in text[day:day + 400]


def test_install_md_gives_the_commands_without_make():
    text = _flat(INSTALL)
    assert "Without `make`" in text
    block = text[text.index("Without `make`"):][:700]
    for step in ("-m venv .venv", "GGML_NATIVE=OFF", "pip install -e .", "ragtune models fetch", "ragtune demo"):
        assert step in block, step
