"""Merging an adapter into its base (merged.py) on tiny GGUF files; the real model's merged serving is in
test_generate.py."""

from __future__ import annotations

import json

import pytest

from ragtune.appliance.errors import ModelError
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.merged import ensure_merged, merge_into, merged_path

from tests.gguf_helpers import write_tensors

gguf = pytest.importorskip("gguf")
np = pytest.importorskip("numpy")

RNG = np.random.default_rng(0)
W = RNG.standard_normal((64, 96)).astype(np.float32)  # (out, in)
A = (RNG.standard_normal((4, 96)) * 0.1).astype(np.float32)  # (r, in)
B = (RNG.standard_normal((64, 4)) * 0.1).astype(np.float32)  # (out, r)
EMB = RNG.standard_normal((10, 96)).astype(np.float32)


def _base(tmp_path):
    return write_tensors(tmp_path / "base.gguf", {"token_embd.weight": EMB, "blk.0.attn_q.weight": W},
                  **{"general.name": "tiny"})


def _lora(tmp_path, name="lora.gguf", *, a=A, b=B, target="blk.0.attn_q.weight"):
    return write_tensors(tmp_path / name, {f"{target}.lora_a": a, f"{target}.lora_b": b},
                  **{"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 8.0})


def _tensor(path, name):
    t = next(t for t in gguf.GGUFReader(str(path)).tensors if t.name == name)
    return t.tensor_type, gguf.quants.dequantize(t.data, t.tensor_type)


def test_merge_adds_the_scaled_product_and_copies_the_rest(tmp_path):
    out = tmp_path / "merged.gguf"
    assert merge_into(_base(tmp_path), _lora(tmp_path), out) == 1
    qtype, got = _tensor(out, "blk.0.attn_q.weight")
    want = W + (8.0 / 4) * (B @ A)
    assert qtype == gguf.GGMLQuantizationType.Q8_0
    assert np.abs(got - want).max() < np.abs(want).max() / 100  # Q8_0: 1/127 of a block's largest value
    assert np.abs(got - W).max() > 0.05  # the adapter is in there
    assert _tensor(out, "token_embd.weight")[0] == gguf.GGMLQuantizationType.F32
    assert np.array_equal(_tensor(out, "token_embd.weight")[1], EMB)  # untouched tensors are copied as they were
    fields = gguf.GGUFReader(str(out)).fields
    assert fields["general.name"].contents() == "tiny" and fields["general.architecture"].contents() == "llama"


def test_adapters_that_do_not_fit_the_base_are_model_errors(tmp_path):
    base = _base(tmp_path)
    with pytest.raises(ModelError, match="does not have"):
        merge_into(base, _lora(tmp_path, target="blk.7.attn_q.weight"), tmp_path / "o1.gguf")
    with pytest.raises(ModelError, match="shape"):
        merge_into(base, _lora(tmp_path, a=A[:, :32]), tmp_path / "o2.gguf")
    # an embedding LoRA is applied by row lookup in llama.cpp: not merged, served at run time
    emb = _lora(tmp_path, "emb.gguf", a=A[:, :10], b=B[:, :4], target="token_embd.weight")
    assert merge_into(base, emb, tmp_path / "o3.gguf") is None


def test_ensure_merged_builds_once_and_rebuilds_what_is_damaged(tmp_path):
    base, lora = _base(tmp_path), _lora(tmp_path)
    bsha, lsha = sha256_file(base), sha256_file(lora)
    out = ensure_merged(base, bsha, lora, lsha)
    assert out == merged_path(bsha, lsha) and out.is_file()
    stamp = json.loads(out.with_name(out.name + ".json").read_text())
    assert stamp == {"format": 1, "base": bsha, "adapter": lsha, "type": "q8_0", "sha256": sha256_file(out)}
    inode = out.stat().st_ino
    assert ensure_merged(base, bsha, lora, lsha) == out and out.stat().st_ino == inode  # reused, not rebuilt
    out.write_bytes(out.read_bytes()[:-8] + b"damaged!")
    assert ensure_merged(base, bsha, lora, lsha) == out
    assert sha256_file(out) == stamp["sha256"]  # rebuilt: the same bytes as the first time
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]  # no temporary files left


def test_ensure_merged_falls_back_to_run_time_lora(tmp_path, monkeypatch):
    base = _base(tmp_path)
    emb = _lora(tmp_path, "emb.gguf", a=A[:, :10], b=B[:, :4], target="token_embd.weight")
    assert ensure_merged(base, sha256_file(base), emb, sha256_file(emb)) is None
    assert not merged_path(sha256_file(base), sha256_file(emb)).exists()
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("x")
    monkeypatch.setattr("ragtune.appliance.merged.merged_dir", lambda: blocked / "merged")
    lora = _lora(tmp_path)
    assert ensure_merged(base, sha256_file(base), lora, sha256_file(lora)) is None  # cache not writable


def test_the_cache_keeps_the_most_recently_used_merged_models(tmp_path, monkeypatch):
    import os

    from ragtune.appliance import merged as M

    monkeypatch.setattr(M, "KEEP", 2)
    base = _base(tmp_path)
    bsha = sha256_file(base)
    outs = []
    for i in range(3):
        lora = _lora(tmp_path, f"l{i}.gguf", a=A * (i + 1))
        outs.append(ensure_merged(base, bsha, lora, sha256_file(lora)))
        os.utime(outs[-1].with_name(outs[-1].name + ".json"), ns=(i * 10**9, i * 10**9))  # distinct ages
    assert [p.exists() for p in outs] == [False, True, True]
    assert not outs[0].with_name(outs[0].name + ".json").exists()


def test_the_adapter_scale_multiplies_the_product_and_addresses_its_own_file(tmp_path):
    """generate.adapter_scale (llama.cpp's --lora-scaled): W + scale · (alpha / r) · B · A, one file per scale; at 1.0
    the file name and stamp of the merges before the scale existed (their caches stay valid)."""
    base, lora = _base(tmp_path), _lora(tmp_path)
    out2 = tmp_path / "merged2.gguf"
    assert merge_into(base, lora, out2, scale=2.0) == 1
    _, got = _tensor(out2, "blk.0.attn_q.weight")
    want = W + 2.0 * (8.0 / 4) * (B @ A)
    assert np.abs(got - want).max() < np.abs(want).max() / 100
    assert np.abs(got - (W + (8.0 / 4) * (B @ A))).max() > 0.05  # not the unscaled merge
    merge_into(base, lora, tmp_path / "m1.gguf", scale=1.0)
    merge_into(base, lora, tmp_path / "m.gguf")
    assert (tmp_path / "m1.gguf").read_bytes() == (tmp_path / "m.gguf").read_bytes()  # 1.0: bit for bit as before

    bsha, lsha = sha256_file(base), sha256_file(lora)
    assert merged_path(bsha, lsha, 1.0) == merged_path(bsha, lsha) and \
        merged_path(bsha, lsha).name == f"{bsha[:16]}-{lsha[:16]}-q8_0.gguf"
    assert merged_path(bsha, lsha, 2.0).name == f"{bsha[:16]}-{lsha[:16]}-s2.0-q8_0.gguf"
    assert merged_path(bsha, lsha, 1.25) != merged_path(bsha, lsha, 1.2500001)
    one, two = ensure_merged(base, bsha, lora, lsha), ensure_merged(base, bsha, lora, lsha, 2.0)
    assert one == merged_path(bsha, lsha) and two == merged_path(bsha, lsha, 2.0) and one.is_file() and two.is_file()
    assert two.read_bytes() == out2.read_bytes()
    stamp = json.loads(two.with_name(two.name + ".json").read_text())
    assert stamp == {"format": 1, "base": bsha, "adapter": lsha, "type": "q8_0", "sha256": sha256_file(two),
                     "scale": 2.0}
    assert "scale" not in json.loads(one.with_name(one.name + ".json").read_text())
