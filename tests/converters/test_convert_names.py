"""`ragtune convert … --out none.gguf` (cli/convert_cmd.py): a converter's output named after a word an adapter
reference reserves is registered under a safe name, with a note; `--name none` is a usage error before any work."""

from __future__ import annotations

import json

import pytest

from ragtune.cli import main
from tests.gguf_helpers import write_tensors

np = pytest.importorskip("numpy")
pytest.importorskip("gguf")


def _lora(path, seed):
    rng = np.random.default_rng(seed)
    t = {"blk.0.attn_q.weight.lora_a": (rng.standard_normal((4, 96)) * 0.1).astype(np.float16),
         "blk.0.attn_q.weight.lora_b": (rng.standard_normal((64, 4)) * 0.1).astype(np.float16)}
    return write_tensors(path, t, **{"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 8.0})


def test_a_converter_output_named_none_gets_a_safe_name_and_a_note(tmp_path, capsys):
    a, b = _lora(tmp_path / "a.gguf", 1), _lora(tmp_path / "b.gguf", 2)
    home = ["--home", str(tmp_path / "home")]
    assert main([*home, "convert", "soup", str(a), str(b), "--out", str(tmp_path / "none.gguf"), "--json"]) == 0
    cap = capsys.readouterr()
    out = json.loads(cap.out)
    assert out["name"] == f"none-{out['id'][:8]}"
    assert cap.err.endswith(f"registered as '{out['name']}'; --name gives another\n")
    rc = main([*home, "convert", "soup", str(a), str(b), "--out", str(tmp_path / "x.gguf"), "--name", "none"])
    assert rc == 2 and "'none' is reserved" in capsys.readouterr().err and not (tmp_path / "x.gguf").exists()
