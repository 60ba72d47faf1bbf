"""What the argv fuzzer (test_cli_fuzz.py) found, kept as fixed cases: each was exit 70 ("internal error: …").
The two eval cases stay beside the fuzzer: they run in its environment, with its fake models."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_fuzz import invoke, lora_pair, not_utf8


def test_config_path_and_init_print_a_config_path_that_is_not_utf8_as_its_bytes(tmp_path):
    """`ragtune --config caf\\xe9.toml config init --force` wrote the file, then failed printing its name
    (UnicodeEncodeError on a UTF-8 stdout); `config path` too. A script reading $(ragtune config path) gets the
    real name."""
    cfg = not_utf8(tmp_path, b"caf\xe9.toml")
    for argv in (["--config", str(cfg), "config", "init", "--force"], ["--config", str(cfg), "config", "path"]):
        code, out, err, escaped = invoke(argv)
        assert (code, out, escaped) == (0, bytes(cfg) + b"\n", ""), err
    code, out, err, _ = invoke(["--config", str(cfg), "config", "show"])
    assert code == 0 and f"# source: {tmp_path}/caf\\xe9.toml\n".encode() in out


@pytest.mark.parametrize("argv", [["config", "show"], ["log", "list"], ["search", "x"], ["ingest", "."],
                                  ["config", "set", "retrieve.k", "4"]])
def test_a_home_whose_path_is_not_utf8_is_refused(tmp_path, argv):
    """`ragtune --home h\\xe9 log list` (or ingest, search, …) ended in a UnicodeEncodeError opening the database:
    SQLite takes UTF-8 paths only, so such a home could never hold an index."""
    home = not_utf8(tmp_path, b"h\xe9")
    code, out, err, escaped = invoke(["--home", str(home), *argv])
    assert (code, escaped) == (2, "")
    assert err.decode() == (f"error: home {tmp_path}/h\\xe9: its path is not valid UTF-8 (the database cannot be "
                            "opened there)\n  hint: give --home / RAGTUNE_HOME a folder whose path is UTF-8\n")
    assert not home.exists()


def test_the_home_refuses_a_root_that_is_not_utf8(tmp_path):
    from ragtune.appliance.errors import InputError
    from ragtune.appliance.home import Home

    with pytest.raises(InputError, match=r"h\\xe9: its path is not valid UTF-8"):
        Home(not_utf8(tmp_path, b"h\xe9"))
    assert Home(tmp_path / "café").root == tmp_path / "café"


def test_quantize_to_an_output_whose_name_is_not_utf8_is_no_internal_error(tmp_path):
    """`convert quantize --out new-caf\\xe9 MODEL.gguf` passed the path to llama.cpp as str.encode(): a
    UnicodeEncodeError; now its bytes (this tiny model is not quantizable: llama.cpp's own error)."""
    pytest.importorskip("llama_cpp")
    from tests.gguf_helpers import write_gguf

    model = write_gguf(tmp_path / "m.gguf", lora=False)
    code, out, err, escaped = invoke(["convert", "quantize", "--out", str(not_utf8(tmp_path, b"q\xe9.gguf")),
                                      "--", str(model)])
    assert (code, escaped) == (3, "") and b"llama.cpp could not quantize it" in err, err


def _write_lora(path: Path, tensors: dict, **kv) -> Path:
    gguf = pytest.importorskip("gguf")
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_string("general.type", "adapter")
    w.add_string("adapter.type", "lora")
    for key, val in kv.items():
        w.add_string(key, val)
    for name, (data, raw) in tensors.items():
        w.add_tensor(name, data, raw_dtype=getattr(gguf.GGMLQuantizationType, raw) if raw else None)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def _f16(*shape):
    import numpy as np

    return np.full(shape, 0.01, dtype=np.float16), None


@pytest.mark.parametrize("tensors,message", [
    ({"blk.0.attn_q.weight.lora_a": _f16(2, 8)}, "tensor blk.0.attn_q.weight.lora_a has no lora_b beside it"),
    ({"blk.0.attn_q.weight.lora_a": _f16(8)}, "tensor blk.0.attn_q.weight.lora_a has 1 dimension(s); a LoRA tensor "
                                              "has 2"),
    ({"blk.0.attn_q.weight.lora_a": _f16(2, 8), "blk.0.attn_q.weight.lora_b": _f16(6, 3)},
     "blk.0.attn_q.weight.lora_a has rank 2 but its lora_b rank 3"),
    ({"blk.0.attn_q.weight.lora_a": _f16(2, 8), "blk.0.attn_q.weight.lora_b": _f16(6, 2), "output.weight": _f16(6, 2)},
     "tensor output.weight is neither a lora_a nor a lora_b tensor"),
    ({"blk.0.attn_q.weight.lora_b": _f16(6, 2)}, "a GGUF LoRA without any lora_a tensor"),
])
def test_soup_of_a_malformed_lora_is_an_input_error(tmp_path, tensors, message):
    """`convert soup A A` of a GGUF LoRA whose lora_a has no lora_b was a KeyError (a 1-D tensor an IndexError)."""
    lora = _write_lora(tmp_path / "a.gguf", tensors)
    code, out, err, escaped = invoke(["convert", "soup", str(lora), str(lora), "--out", str(tmp_path / "s.gguf")])
    assert (code, escaped) == (2, "") and message in err.decode(), err
    assert not (tmp_path / "s.gguf").exists()


def test_soup_refuses_tensors_it_would_read_as_raw_bytes(tmp_path):
    """A bf16 (or q8_0) LoRA reads as raw bytes: averaged as numbers, the soup was garbage, without a word."""
    import numpy as np

    lora = _write_lora(tmp_path / "bf16.gguf", {"blk.0.attn_q.weight.lora_a": (np.zeros((2, 8), np.uint16), "BF16"),
                                                "blk.0.attn_q.weight.lora_b": (np.zeros((6, 2), np.uint16), "BF16")})
    code, out, err, _ = invoke(["convert", "soup", str(lora), str(lora), "--out", str(tmp_path / "s.gguf")])
    assert code == 2 and "tensor blk.0.attn_q.weight.lora_a is BF16; the soup averages f32/f16 LoRAs only" in \
        err.decode()


def test_soup_to_an_output_whose_name_is_not_utf8(tmp_path):
    """`convert soup A B --out caf\\xe9.gguf` failed writing the name into the GGUF (UnicodeEncodeError), then
    would have failed printing the output path."""
    gguf = pytest.importorskip("gguf")
    pair = lora_pair(tmp_path)
    out_p = not_utf8(tmp_path, b"caf\xe9.gguf")
    code, out, err, escaped = invoke(["convert", "soup", str(pair["lora-a"]), str(pair["lora-b"]), "--out",
                                      str(out_p)])
    assert (code, escaped) == (0, ""), err
    assert f"  lora-gguf  {tmp_path}/caf\\xe9.gguf  (".encode() in out
    assert gguf.GGUFReader(str(out_p)).fields["general.name"].contents() == "caf\ufffd"
