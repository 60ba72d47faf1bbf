"""ragtune embedded as a library (docs/library.md): the short entry points in `ragtune.appliance`, an import
that has no side effects, and typed errors a caller can catch with one except."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

import ragtune.appliance as appliance
from ragtune.appliance import errors

REPO = Path(__file__).resolve().parents[2]


def test_the_entry_points_are_the_library_objects():
    from ragtune.appliance.answer import AnswerEngine
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.ingest.pipeline import ingest_paths

    assert appliance.AnswerEngine is AnswerEngine
    assert appliance.load_settings is load_settings
    assert appliance.ingest_paths is ingest_paths
    for name in appliance.__all__:  # every name said is there, from the module that defines it
        assert getattr(appliance, name) is not None, name
    assert set(appliance.__all__) <= set(dir(appliance))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        appliance.nope  # noqa: B018


def test_import_has_no_side_effects():
    """A host app's import of ragtune: nothing heavy loaded, no thread, no env var, no logging set, nothing printed."""
    code = ("import logging, os, sys, threading; env = dict(os.environ); import ragtune, ragtune.appliance; "
            "heavy = [m for m in ('numpy', 'llama_cpp', 'onnxruntime', 'tantivy', 'apsw', 'ragtune.appliance.answer')"
            " if m in sys.modules]; "
            "assert not heavy, heavy; assert threading.active_count() == 1; assert dict(os.environ) == env; "
            "assert logging.getLogger().handlers == []; assert logging.getLogger().level == logging.WARNING")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""


def test_exported_errors_derive_from_one_base_with_message_and_hint():
    exported = [getattr(appliance, n) for n in appliance.__all__ if n.endswith("Error") or n == "NothingIngested"]
    assert appliance.RagtuneError is errors.RagtuneError
    for cls in exported:
        assert issubclass(cls, appliance.RagtuneError), cls
    exc = appliance.NothingIngested("nothing is ingested yet", hint="ingest first")
    assert isinstance(exc, appliance.InputError)
    assert (exc.message, exc.hint, exc.exit_code) == ("nothing is ingested yet", "ingest first", 2)
    assert issubclass(appliance.BusyError, appliance.StoreError)  # "retry later" is still a store error


def test_library_page_names_only_what_exists():
    """Every `from ragtune.appliance... import X` in docs/library.md resolves (the page drifts otherwise)."""
    text = (REPO / "docs" / "library.md").read_text(encoding="utf-8")
    found = re.findall(r"from (ragtune[\w.]*) import (\([^)]*\)|[^\n#]*)", text)
    assert found
    for module, names in found:
        mod = importlib.import_module(module)
        for name in re.findall(r"\w+", names):
            assert hasattr(mod, name) or importlib.util.find_spec(f"{module}.{name}"), f"{module}.{name}"
    assert "docs/library.md" in (REPO / "README.md").read_text(encoding="utf-8")
