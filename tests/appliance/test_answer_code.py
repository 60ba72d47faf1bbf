"""The answer code's digest in the answer cache key: a change to a module that decides an answer is another key."""

from __future__ import annotations

import subprocess
import sys

import pytest

from ragtune.appliance import answer_code
from ragtune.appliance.answer import AnswerEngine
from ragtune.appliance.types import ContextItem
from tests.fakes import FakeGenerator

CTX = [ContextItem(id="S1", text="The Eiffel Tower was built from 1887 to 1889.")]


@pytest.fixture
def fresh_digest():
    answer_code.answer_code_digest.cache_clear()
    yield
    answer_code.answer_code_digest.cache_clear()  # the next test computes it from the real sources again


def test_every_listed_module_exists_and_its_source_is_read():
    for name in answer_code.ANSWER_MODULES:
        src = answer_code._source(f"ragtune.appliance.{name}")
        assert src and "from __future__ import annotations" in src, name


def test_a_changed_answer_module_is_another_cache_key(settings, fresh_digest, monkeypatch):
    eng = AnswerEngine(settings, generator=FakeGenerator(), store=object())
    key = eng.cache_key(CTX, "When was it built?", "extractive")
    assert eng.cache_key(CTX, "When was it built?", "extractive") == key  # computed once, then the same
    read = answer_code._source
    for name in ("refusal", "candidates", "focus"):
        monkeypatch.setattr(answer_code, "_source", lambda full, n=name: read(full) + (
            "\n# changed\n" if full == f"ragtune.appliance.{n}" else ""))
        answer_code.answer_code_digest.cache_clear()
        assert eng.cache_key(CTX, "When was it built?", "extractive") != key, name
    monkeypatch.setattr(answer_code, "_source", read)
    answer_code.answer_code_digest.cache_clear()
    assert eng.cache_key(CTX, "When was it built?", "extractive") == key


def test_an_unreadable_source_counts_as_the_package_version(fresh_digest, monkeypatch):
    read, real = answer_code._source, answer_code.answer_code_digest()
    monkeypatch.setattr(answer_code, "_source", lambda full: None if full.endswith(".refusal") else read(full))
    digests = set()
    for version in ("0.2.0", "0.3.0"):
        monkeypatch.setattr("ragtune.__version__", version)
        answer_code.answer_code_digest.cache_clear()
        digests.add(answer_code.answer_code_digest())
    assert len(digests) == 2 and real not in digests
    assert answer_code._source("ragtune.appliance.no_such_module") is None


def test_start_up_reads_no_source():
    # computed on the first cache key, not when the CLI is imported
    code = ("import sys, ragtune.cli, ragtune.appliance.answer as a; "
            "assert a.answer_code_digest.cache_info().currsize == 0; print('lazy')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "lazy" in out.stdout, out.stderr
