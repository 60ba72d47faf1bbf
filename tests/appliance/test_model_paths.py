"""Model and adapter files whose names are not UTF-8 (a LoRA written by `convert soup --out caf\\xe9.gguf` is
registered where it lies): llama.cpp gets the name's own bytes, or a clear error, never a codec traceback."""

import os

import pytest


def test_a_lora_is_opened_by_its_file_names_bytes(tmp_path):
    from ragtune.appliance.adapter_serving import AdapterServing
    from ragtune.appliance.config import GenerateConfig

    opened = []

    class LC:
        llama_adapter_lora_p_ctypes = object

        def llama_adapter_lora_init(self, model, path):
            opened.append(path)
            return None  # stop there: what matters is what llama.cpp was given

    class Gen(AdapterServing):
        def __init__(self):
            self.cfg, self._lc, self.model_path, self.model_id = GenerateConfig(adapter_merge=False), LC(), tmp_path, "b" * 64
            self._merged, self._adapters, self._llm, self._ctx = {}, {}, None, None
            self._merged_pins = {}
            self.base = type("Llm", (), {"model": None, "ctx": None, "n_tokens": 0})()

        def _check_open(self):
            pass

        def _base_model(self):
            return self.base

    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.hashing import sha256_file

    p = tmp_path / os.fsdecode(b"caf\xe9.gguf")  # was: UnicodeEncodeError, an internal error
    p.write_bytes(b"a LoRA")
    with pytest.raises(ModelError, match="cannot load this LoRA"):
        Gen().set_adapter(p, sha256_file(p))
    assert opened == [os.fsencode(p)]


def test_a_model_whose_path_is_not_utf8_is_a_clear_error(tmp_path):
    from ragtune.appliance.errors import ModelError
    from ragtune.appliance.generate import LlamaGenerator

    g = LlamaGenerator.__new__(LlamaGenerator)
    g.cfg = None
    with pytest.raises(ModelError, match=r"caf\\xe9\.gguf: llama\.cpp opens a model by a UTF-8 path"):
        g._load(tmp_path / os.fsdecode(b"caf\xe9.gguf"))
