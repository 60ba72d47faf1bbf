"""The caches over files never vouch for bytes they did not read (test_cache_correctness.py has the answer and
retrieval caches and the replay record):

- sha256 memo (hashing.py): a file rewritten with its size and mtime kept, in place or by rename, a folder;
- merged models (merged.py): another base, adapter, scale or merge format, damaged bytes;
- the adapter switch (adapter_serving.py): what the generator serves and the id it answers (and keys) under.
"""

from __future__ import annotations

import json
import os

import pytest

from ragtune.appliance.hashing import clear_caches, sha256_file, sha256_path

# -- the sha256 memo ------------------------------------------------------------------------------------------------
def test_the_hash_memo_never_trusts_size_and_mtime_alone(tmp_path, monkeypatch):
    import hashlib
    import time

    from ragtune.appliance import hashing

    f = tmp_path / "model.gguf"
    f.write_bytes(b"weights v1")
    st = f.stat()
    assert sha256_file(f) == hashlib.sha256(b"weights v1").hexdigest()
    f.write_bytes(b"weights v2")  # in place, within the same clock tick (or set back): size and mtime kept
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert sha256_file(f) == hashlib.sha256(b"weights v2").hexdigest()

    later = time.time_ns() + 10 * hashing.RACY_NS  # the file is settled: memoised, and still right after a change
    monkeypatch.setattr(hashing.time, "time_ns", lambda: later)
    assert sha256_file(f) == hashlib.sha256(b"weights v2").hexdigest() and len(hashing._FILE_CACHE) >= 1
    st = f.stat()
    tmp = tmp_path / "new.part"
    tmp.write_bytes(b"weights v3")
    os.utime(tmp, ns=(st.st_atime_ns, st.st_mtime_ns))
    os.replace(tmp, f)  # replaced by rename, same size and mtime: another inode, another ctime
    assert sha256_file(f) == hashlib.sha256(b"weights v3").hexdigest()

    d = tmp_path / "folder"
    d.mkdir()
    (d / "x.bin").write_bytes(b"one")
    first = sha256_path(d)
    st = (d / "x.bin").stat()
    (d / "x.bin").write_bytes(b"two")
    os.utime(d / "x.bin", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert sha256_path(d) != first
    clear_caches()


def test_a_hash_is_memoised_only_once_the_file_is_settled(tmp_path, monkeypatch):
    import time

    from ragtune.appliance import hashing

    clear_caches()
    f = tmp_path / "fresh.bin"
    f.write_bytes(b"just written")
    sha256_file(f)
    assert not hashing._FILE_CACHE  # changed a moment ago: a rewrite could keep every timestamp
    later = time.time_ns() + 10 * hashing.RACY_NS
    monkeypatch.setattr(hashing.time, "time_ns", lambda: later)
    sha256_file(f)
    assert len(hashing._FILE_CACHE) == 1
    clear_caches()


# -- merged models ----------------------------------------------------------------------------------------------
def test_a_merged_model_is_rebuilt_for_another_base_adapter_scale_format_or_damage(tmp_path, monkeypatch):
    pytest.importorskip("gguf")
    from ragtune.appliance import merged as M

    from .test_merged import A, _base, _lora

    base, lora = _base(tmp_path), _lora(tmp_path)
    bsha, lsha = sha256_file(base), sha256_file(lora)
    out = M.ensure_merged(base, bsha, lora, lsha)
    good = out.read_bytes()
    st = out.stat()
    out.write_bytes(good[:-8] + b"damaged!")  # same size, mtime set back: the memo must not vouch for it
    os.utime(out, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert M.ensure_merged(base, bsha, lora, lsha).read_bytes() == good

    other = _lora(tmp_path, "other.gguf", a=A * 3)
    osha = sha256_file(other)
    # a file name shared by two adapters (the name holds 16 hex digits of each sha256): the stamp tells them apart
    monkeypatch.setattr(M, "merged_path", lambda b, a, s=1.0: M.merged_dir() / "shared-q8_0.gguf")
    first = M.ensure_merged(base, bsha, lora, lsha).read_bytes()
    assert M.ensure_merged(base, bsha, other, osha).read_bytes() != first
    assert json.loads((M.merged_dir() / "shared-q8_0.gguf.json").read_text())["adapter"] == osha
    base2 = tmp_path / "base2.gguf"
    base2.write_bytes(base.read_bytes())
    assert M.ensure_merged(base2, "f" * 64, other, osha) is not None  # another base sha: rebuilt and restamped
    assert json.loads((M.merged_dir() / "shared-q8_0.gguf.json").read_text())["base"] == "f" * 64
    assert M.ensure_merged(base, bsha, other, osha, 2.0).read_bytes() != first  # another scale
    assert json.loads((M.merged_dir() / "shared-q8_0.gguf.json").read_text())["scale"] == 2.0
    monkeypatch.setattr(M, "MERGE_FORMAT", M.MERGE_FORMAT + 1)
    inode = (M.merged_dir() / "shared-q8_0.gguf").stat().st_ino
    M.ensure_merged(base, bsha, other, osha, 2.0)  # a new merge format: the old file is not reused
    assert (M.merged_dir() / "shared-q8_0.gguf").stat().st_ino != inode


# -- the adapter switch keeps what it serves and what it says it serves together ----------------------------------------
def test_a_failed_adapter_switch_leaves_the_generator_serving_what_it_says(monkeypatch, tmp_path):
    from ragtune.appliance import merged as M
    from ragtune.appliance.adapter_serving import AdapterServing
    from ragtune.appliance.config import GenerateConfig
    from ragtune.appliance.errors import ModelError

    class LC:
        def llama_adapter_lora_init(self, model, path):
            return None  # llama.cpp cannot load it

    class Gen(AdapterServing):
        def __init__(self):
            self.cfg, self._lc, self.model_path, self.model_id = GenerateConfig(), LC(), tmp_path / "b", "b" * 64
            self._merged, self._adapters, self._llm, self._ctx = {}, {}, None, None
            self._merged_pins = {}
            self.base = type("Llm", (), {"model": None, "ctx": None, "n_tokens": 0})()

        def _check_open(self):
            pass

        def _load(self, path):
            return type("Llm", (), {"model": None, "ctx": path, "n_tokens": 0})()

        def _serve(self, llm):
            self._llm, self._ctx = llm, llm.ctx

        def _base_model(self):
            return self.base

    y, z = tmp_path / "y.gguf", tmp_path / "z.gguf"
    y.write_bytes(b"mergeable")
    z.write_bytes(b"not mergeable, not loadable")
    monkeypatch.setattr(M, "ensure_merged", lambda b, bs, a, s, sc=1.0: tmp_path / "m.gguf" if a == y else None)
    g = Gen()
    g.set_adapter(y, sha256_file(y))
    with pytest.raises(ModelError):
        g.set_adapter(z, sha256_file(z))
    assert (g._llm is g.base) == (g.adapter_id == "none")
