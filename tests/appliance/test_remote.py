"""The "openai" backend's local vocabulary (remote.py's _Vocab): loaded once per model file's content. The
requests and failure modes are tested in tests/serve/test_backends.py."""

from __future__ import annotations

import os

import pytest

from ragtune.appliance import remote
from ragtune.appliance.config import GenerateConfig
from ragtune.appliance.home import Home


class _FakeLlama:
    """A vocabulary-only load whose chat template is the file's text: what a GGUF's bytes decide."""

    loads: list[str] = []

    def __init__(self, model_path: str, vocab_only: bool, verbose: bool):
        assert vocab_only
        _FakeLlama.loads.append(model_path)
        with open(model_path, encoding="utf-8") as fh:
            self.metadata = {"tokenizer.chat_template": fh.read() + "{{ messages[0]['content'] }}"}

    def token_eos(self) -> int:
        return -1

    def token_bos(self) -> int:
        return -1

    def tokenize(self, raw: bytes, add_bos: bool, special: bool) -> list[int]:
        return list(raw)


class _FakeLlamaCpp:
    Llama = _FakeLlama


@pytest.fixture
def fake_vocab(monkeypatch):
    pytest.importorskip("llama_cpp")  # the chat formatter is llama-cpp-python's
    monkeypatch.setattr(remote, "_llama_cpp", lambda: _FakeLlamaCpp)
    monkeypatch.setattr(remote._Vocab, "_cache", {})
    _FakeLlama.loads = []
    return _FakeLlama.loads


def _generator(path, tmp_path) -> remote.OpenAIGenerator:
    return remote.OpenAIGenerator(GenerateConfig(backend="openai", base_url="http://127.0.0.1:9/v1", model=str(path)),
                                  Home(tmp_path / "home"))


MSG = [{"role": "user", "content": "hi"}]


def test_vocab_is_loaded_once_per_file_and_again_when_the_file_is_replaced_at_its_path(fake_vocab, tmp_path):
    """Round 36: the vocabulary was cached by path, so a GGUF replaced at the same path kept the old tokenizer
    and chat template."""
    model = tmp_path / "model.gguf"
    model.write_text("old:", encoding="utf-8")
    a, b = _generator(model, tmp_path), _generator(model, tmp_path)
    assert a.render(MSG) == b.render(MSG) == "old:hi"
    assert len(fake_vocab) == 1  # shared: loaded once

    st = model.stat()
    new = tmp_path / "new.gguf"
    new.write_text("new:", encoding="utf-8")  # the same size
    os.replace(new, model)
    os.utime(model, ns=(st.st_atime_ns, st.st_mtime_ns))  # even stamped back to the old mtime (cp -p, rsync -t)
    c = _generator(model, tmp_path)
    assert c.render(MSG) == "new:hi"
    assert c.model_id != a.model_id and len(fake_vocab) == 2
    assert a.render(MSG) == "old:hi"  # a generator made before keeps the model it was made with
    assert list(remote._Vocab._cache) == [c.model_id]  # the replaced file's vocabulary is not kept

    copy = tmp_path / "copy.gguf"
    copy.write_text("new:", encoding="utf-8")  # the same bytes elsewhere: the same vocabulary
    assert _generator(copy, tmp_path)._vocab is c._vocab and len(fake_vocab) == 2


def test_vocab_after_an_in_place_rewrite(fake_vocab, tmp_path):
    model = tmp_path / "model.gguf"
    model.write_text("one:", encoding="utf-8")
    assert _generator(model, tmp_path).render(MSG) == "one:hi"
    model.write_text("two:", encoding="utf-8")  # same inode, same size
    assert _generator(model, tmp_path).render(MSG) == "two:hi"
