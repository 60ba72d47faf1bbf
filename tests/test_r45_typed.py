"""Round 45: the package ships its PEP 561 marker (was none: mypy and pyright treated ragtune as untyped)."""

from __future__ import annotations

from ragtune.appliance.tomltext import tomllib  # tomli on Python 3.10

from tests.conftest import REPO


def test_py_typed_is_shipped():
    assert (REPO / "ragtune" / "py.typed").is_file()
    data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in data["tool"]["setuptools"]["package-data"]["ragtune"]
