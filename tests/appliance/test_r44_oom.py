"""Out of memory under `ulimit -v` or little RAM (round 44): onnxruntime's std::bad_alloc, a native library's shared
object not mapped at import, tantivy's and llama.cpp's failed allocations are said as "out of memory" with what to
free or lower (docs/install.md, "Small machines"), never "cannot load ONNX model", a reset index or "internal error".
The failures are simulated with the libraries' own texts, as seen under `ulimit -v` 300000..1100000 KB."""

from __future__ import annotations

import builtins
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ragtune.appliance import embed as embed_mod
from ragtune.appliance import generate as gen_mod
from ragtune.appliance import llamalog
from ragtune.appliance.config import EmbedConfig, GenerateConfig
from ragtune.appliance.errors import ModelError, OutOfMemory, StoreError
from ragtune.appliance.lexical import LexicalIndex
from ragtune.cli import main

from .search_helpers import searchable_home
from .test_retrieve import FakeEmbedder

BAD_ALLOC = "[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : Exception during initialization: std::bad_alloc"
UNMAPPED = "{}: failed to map segment from shared object"


def _import_fails(monkeypatch, module: str, exc: BaseException) -> None:
    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name == module:
            raise exc
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)


def _says_what_to_do(hint: str) -> None:
    assert "free some RAM" in hint and 'docs/install.md, "Small machines"' in hint


# -- the embedder (onnxruntime) --------------------------------------------------------------------------------------
def test_onnxruntime_bad_alloc_is_out_of_memory(home, monkeypatch):
    import onnxruntime as ort

    def refuse(*args, **kwargs):
        raise RuntimeError(BAD_ALLOC)

    monkeypatch.setattr(ort, "InferenceSession", refuse)
    with pytest.raises(ModelError) as info:
        embed_mod.Embedder(EmbedConfig(threads=1), home)
    err = info.value
    # before: "…/model.onnx: cannot load ONNX model: [ONNXRuntimeError] : 6 : …" and no hint
    assert err.message.startswith("out of memory loading the embedder (") and "std::bad_alloc)" in err.message
    assert "cannot load ONNX model" not in err.message and err.exit_code == 3
    _says_what_to_do(err.hint)


def test_a_model_onnxruntime_rejects_is_still_a_bad_model(home, monkeypatch):
    import onnxruntime as ort

    def refuse(*args, **kwargs):
        raise RuntimeError("[ONNXRuntimeError] : 7 : INVALID_PROTOBUF : Protobuf parsing failed.")

    monkeypatch.setattr(ort, "InferenceSession", refuse)
    with pytest.raises(ModelError, match="cannot load ONNX model: .*INVALID_PROTOBUF") as info:
        embed_mod.Embedder(EmbedConfig(threads=1), home)
    assert info.value.hint is None


@pytest.mark.parametrize("module", ["onnxruntime", "tokenizers"])
def test_a_native_library_not_mapped_is_out_of_memory(home, monkeypatch, module):
    """Before: `internal error: ImportError: …/onnxruntime_pybind11_state….so: failed to map segment…`, exit 70."""
    _import_fails(monkeypatch, module, ImportError(UNMAPPED.format(f"/venv/{module}.so"), name=module))
    with pytest.raises(ModelError) as info:
        embed_mod.Embedder(EmbedConfig(threads=1), home)
    assert info.value.message == f"out of memory loading the embedder ({module}: failed to map segment from shared object)"
    _says_what_to_do(info.value.hint)


def test_a_missing_onnxruntime_is_not_called_out_of_memory(home, monkeypatch):
    _import_fails(monkeypatch, "onnxruntime", ImportError("No module named 'onnxruntime'", name="onnxruntime"))
    with pytest.raises(ImportError):
        embed_mod.Embedder(EmbedConfig(threads=1), home)


def test_onnxruntime_logs_nothing_of_its_own_on_a_failed_load():
    # 3 let its red `[E:onnxruntime:…] Exception during initialization: std::bad_alloc` line reach stderr first
    assert embed_mod.session_options(1).log_severity_level == 4


def test_the_hint_names_the_address_space_cap_under_ulimit_v():
    hint = OutOfMemory.hint(300 << 20, 1_000_000 << 10)
    assert hint.startswith("300 MB of RAM free, `ulimit -v` 1000000 (976 MB): free some RAM or raise `ulimit -v`")
    assert OutOfMemory.hint(300 << 20, None).startswith("300 MB of RAM free: free some RAM; `ragtune doctor`")


# -- the lexical index (tantivy) -------------------------------------------------------------------------------------
def test_tantivy_not_mapped_is_out_of_memory_not_an_internal_error(home, monkeypatch, capsys):
    import ragtune.appliance.retrieve as ret_mod

    real = ret_mod.Retriever
    searchable_home(home, monkeypatch)  # the filled store, with the real lexical index (no model needed)
    monkeypatch.setattr(ret_mod, "Retriever", lambda settings, *, store=None, **kw: real(
        settings.replace("retrieve", rerank=""), store=store, embedder=FakeEmbedder()))
    _import_fails(monkeypatch, "tantivy", ImportError(UNMAPPED.format("/venv/tantivy/tantivy.abi3.so"), name="tantivy"))
    assert main(["search", "capital", "--mode", "bm25", "--json"]) == 1  # before: 70, "internal error: ImportError"
    err = json.loads(capsys.readouterr().out)["error"]
    assert err["type"] == "OutOfMemory" and err["exit_code"] == 1
    assert err["message"].endswith("tantivy: out of memory opening the lexical index "
                                   "(failed to map segment from shared object)")
    _says_what_to_do(err["hint"])


def test_an_index_tantivy_cannot_open_for_memory_is_kept(home, monkeypatch):
    """A bad_alloc opening it is no damage: before, the index was reset (and rebuilding it needs more memory)."""
    import tantivy

    path = home.root / "lex"
    LexicalIndex(path).close()
    before = sorted(p.name for p in path.iterdir())

    def refuse(*args, **kwargs):
        raise ValueError("Failed to open index: std::bad_alloc")

    monkeypatch.setattr(tantivy.Index, "open", refuse)
    with pytest.raises(OutOfMemory) as info:
        LexicalIndex(path)
    assert isinstance(info.value, StoreError) and info.value.exit_code == 1
    assert sorted(p.name for p in path.iterdir()) == before


# -- the generator (llama.cpp) ---------------------------------------------------------------------------------------
CONTEXT_LOG = ["ggml_gallocr_reserve_n_impl: failed to allocate CPU buffer of size 104204288",
               "graph_reserve: failed to allocate compute buffers",
               "llama_init_from_model: failed to initialize the context: failed to allocate compute pp buffers"]


def _generator(cfg: GenerateConfig, llama) -> gen_mod.LlamaGenerator:
    g = object.__new__(gen_mod.LlamaGenerator)
    g.cfg = cfg
    g._lc = type("lc", (), {"Llama": staticmethod(llama)})
    return g


def test_llama_cpp_buffers_not_allocated_name_n_ctx_and_free_ram(tmp_path, monkeypatch):
    monkeypatch.setattr(llamalog, "_recent_errors", llamalog.collections.deque(CONTEXT_LOG, maxlen=8))

    def llama(**kwargs):
        raise ValueError("Failed to create llama_context")

    g = _generator(GenerateConfig(threads=1, n_ctx=4096), llama)
    with pytest.raises(ModelError) as info:
        g._load(tmp_path / "m.gguf")
    err = info.value
    assert err.exit_code == 3
    assert err.message == f"{tmp_path / 'm.gguf'}: out of memory: llama.cpp cannot load the model " \
                          "(Failed to create llama_context)"
    assert err.hint.startswith("; ".join(CONTEXT_LOG))  # llama.cpp's own reason, as before
    assert "lower `[generate] n_ctx` (now 4096)" in err.hint and "MB of RAM free" in err.hint
    _says_what_to_do(err.hint)


def test_numpys_memory_error_in_llama_is_out_of_memory(tmp_path, monkeypatch):
    """llama-cpp-python's (n_batch, n_vocab) logits array: a MemoryError was "error: out of memory" and a hint about
    /dev/zero (exit 1)."""
    monkeypatch.setattr(llamalog, "_recent_errors", llamalog.collections.deque(maxlen=8))

    def llama(**kwargs):
        raise MemoryError("Unable to allocate 96.0 MiB for an array with shape (512, 49152) and data type float32")

    with pytest.raises(ModelError, match=r"out of memory: llama.cpp cannot load the model \(Unable to allocate"):
        _generator(GenerateConfig(threads=1, n_ctx=2048), llama)._load(tmp_path / "m.gguf")


def test_a_model_llama_cpp_cannot_read_is_not_out_of_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(llamalog, "_recent_errors", llamalog.collections.deque(
        ["llama_model_load: error loading model: tensor 'x' data is not within the file bounds"], maxlen=8))
    path = tmp_path / "m.gguf"
    path.write_bytes(b"GGUF")

    def llama(**kwargs):
        raise ValueError(f"Failed to load model from file: {path}")

    with pytest.raises(ModelError) as info:
        _generator(GenerateConfig(threads=1), llama)._load(path)
    assert "out of memory" not in str(info.value) and "not within the file bounds" in info.value.hint


# -- for real, under `ulimit -v` --------------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux") or shutil.which("bash") is None, reason="ulimit -v")
def test_ask_under_ulimit_v_says_out_of_memory(tmp_path):
    """Where it fails depends on the address space the loader picks: each cap fails somewhere (or answers), and
    every failure says "out of memory", never "internal error" or onnxruntime's own log line. A cap that ends in
    llama.cpp's own abort (GGML_ASSERT, SIGABRT, exit 134) is let pass: nothing in Python can catch it."""
    env = {**os.environ, "RAGTUNE_HOME": str(tmp_path / "h")}
    env.pop("RAGTUNE_DEBUG", None)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.md").write_text("# Nickel\n\nSulphur poisons the nickel catalyst of the Aldren reaction.\n")
    exe = [sys.executable, "-m", "ragtune"]
    subprocess.run([*exe, "ingest", str(docs)], env=env, check=True, capture_output=True, timeout=120)
    for kb in (300000, 650000, 750000, 900000, 1100000):
        cmd = f"ulimit -v {kb}; exec {' '.join(exe)} ask --no-cache 'what poisons the nickel'"
        out = subprocess.run(["bash", "-c", cmd], env=env, capture_output=True, text=True, timeout=120)
        if out.returncode == 0 or out.returncode == -6:  # answered; or llama.cpp's GGML_ASSERT abort (not ours)
            continue
        assert out.returncode in (1, 3), (kb, out.returncode, out.stderr[-2000:])
        assert "out of memory" in out.stderr and "internal error" not in out.stderr, (kb, out.stderr[-2000:])
        assert "[E:onnxruntime" not in out.stderr and "free some RAM" in out.stderr, (kb, out.stderr[-2000:])
