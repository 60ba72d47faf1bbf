"""Fixtures shared by the appliance tests."""

from __future__ import annotations

import pytest

from ragtune.appliance.config import GenerateConfig
from ragtune.appliance.errors import ModelError

from .ingest_helpers import FakeEmbedder, real_tokenizer


@pytest.fixture(scope="module")
def gen():
    """The real default GGUF under llama.cpp, one per test module (its caches and adapter state stay there)."""
    from ragtune.appliance.generate import LlamaGenerator

    try:
        g = LlamaGenerator(GenerateConfig(threads=1, max_tokens=96))
    except ModelError as exc:  # pragma: no cover
        pytest.skip(f"default GGUF not available: {exc}")
    yield g
    g.close()


@pytest.fixture(scope="module")
def tokenizer():
    """MiniLM's real tokenizer (the ingest tests count tokens with it)."""
    return real_tokenizer()


@pytest.fixture
def fake(tokenizer):
    """A fast deterministic embedder with the real tokenizer, so pipeline tests pay no ONNX inference."""
    return FakeEmbedder(tokenizer)


@pytest.fixture
def store(tmp_path):
    """A fresh Store over a file of its own (no home), closed after the test."""
    from ragtune.appliance.store import Store

    with Store(tmp_path / "t.db") as s:
        yield s
