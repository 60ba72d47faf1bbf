"""End to end on CPU with a tiny Llama: LoRA steps -> merge -> GGUF (f32) -> quantize (Q8_0) -> served by
llama.cpp; merged-GGUF logits match the HF merged model; base GGUF + GGUF LoRA matches the merged model.

Needs the [convert] extra and the llama-cpp-python sdist of the installed version (../sdist/ next to the
repo, or ~/.cache/ragtune/, or $RAGTUNE_LLAMA_SDIST); skipped with the reason otherwise.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from ragtune.appliance.errors import InputError, ModelError
from ragtune.appliance.home import Home
from tests.conftest import REPO, have_module

pytestmark = [pytest.mark.convert, pytest.mark.slow]

PROMPT = "The capital of France is"
THREADS = 2


def _find_sdist() -> Path | None:
    from ragtune.converters import sdist

    v = sdist.installed_version()
    env = os.environ.get(sdist.SDIST_ENV)
    for cand in ([Path(env)] if env else []) + [REPO.parent / "sdist" / f"llama_cpp_python-{v}.tar.gz"]:
        if cand.exists():
            return cand
    try:
        return sdist.locate_sdist(version=v)
    except ModelError:
        return None


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    for mod in ("torch", "transformers", "peft", "gguf"):
        if not have_module(mod):
            pytest.skip(f"needs the [convert] extra ({mod} missing)")
    found = _find_sdist()
    if found is None:
        pytest.skip("llama-cpp-python sdist not found: pip download --no-deps --no-binary :all: "
                    "llama-cpp-python==<installed> -d ~/.cache/ragtune/")
    from ragtune.appliance.default_models import locate_all

    try:
        llm_gguf = locate_all("smollm2-135m-instruct-q4_1")[0]
    except ModelError as exc:
        pytest.skip(f"default LLM (its tokenizer is reused) not installed: {exc}")
    old_env = os.environ.get("RAGTUNE_LLAMA_SDIST")
    os.environ["RAGTUNE_LLAMA_SDIST"] = str(found)
    try:
        yield _build(tmp_path_factory.mktemp("e2e"), llm_gguf)
    finally:
        if old_env is None:
            os.environ.pop("RAGTUNE_LLAMA_SDIST", None)
        else:
            os.environ["RAGTUNE_LLAMA_SDIST"] = old_env


def _build(root: Path, llm_gguf: Path) -> dict:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    from ragtune.converters.gguf import to_gguf
    from ragtune.converters.lora import lora_to_gguf
    from ragtune.converters.merge import merge
    from ragtune.converters.quantize import quantize
    from ragtune.appliance.registry import Registry

    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    times: dict[str, float] = {}
    registry = Registry(Home(root / "home"))

    # A tiny Llama with SmolLM2's real tokenizer (convert_hf_to_gguf only accepts tokenizers it knows).
    t = time.perf_counter()
    tok = AutoTokenizer.from_pretrained(str(llm_gguf.parent), gguf_file=llm_gguf.name)
    if str(getattr(tok, "vocab_file", None) or "").endswith(".gguf"):  # transformers 4.x would save it as tokenizer.model
        tok.vocab_file = None
    cfg = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                      num_key_value_heads=2, vocab_size=len(tok), bos_token_id=1, eos_token_id=2,
                      max_position_embeddings=256, tie_word_embeddings=True, rms_norm_eps=1e-5)
    base_dir = root / "base"
    model = LlamaForCausalLM(cfg)
    model.save_pretrained(base_dir)
    tok.save_pretrained(base_dir)
    times["make_tiny_model"] = time.perf_counter() - t

    # A few LoRA steps, saved as ragtune/models/train.py saves them (peft dir + trainer records + a checkpoint/).
    t = time.perf_counter()
    pm = get_peft_model(model, LoraConfig(r=8, lora_alpha=16, lora_dropout=0.0, task_type="CAUSAL_LM",
                                          target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]))
    opt = torch.optim.AdamW([p for p in pm.parameters() if p.requires_grad], lr=5e-3)
    ids = tok("The capital of France is Paris. The capital of Spain is Madrid.", return_tensors="pt").input_ids
    for _ in range(8):
        pm(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad()
    adapter_dir = root / "adapter"
    pm.save_pretrained(adapter_dir)
    (adapter_dir / "training_config.json").write_text(json.dumps({"dataset_sha256": "d" * 64, "lr": 5e-3}))
    (adapter_dir / "checkpoint").mkdir()
    (adapter_dir / "checkpoint" / "state.json").write_text("{}")
    times["lora_steps"] = time.perf_counter() - t
    del pm, model

    out = root / "out"
    res = {}
    t = time.perf_counter()
    res["merged"] = merge(adapter_dir, base_dir, out / "merged", registry=registry, threads=THREADS)
    times["merge"] = time.perf_counter() - t
    res["base_gguf"] = to_gguf(base_dir, out / "base-f32.gguf", outtype="f32", registry=registry, threads=THREADS)
    times["gguf_base_f32"] = res["base_gguf"].seconds
    res["merged_gguf"] = to_gguf(out / "merged", out / "merged-f32.gguf", outtype="f32", registry=registry, threads=THREADS)
    times["gguf_merged_f32"] = res["merged_gguf"].seconds
    res["q8"] = quantize(out / "merged-f32.gguf", out / "merged-q8_0.gguf", qtype="Q8_0", registry=registry, threads=THREADS)
    times["quantize_q8_0"] = res["q8"].seconds
    # GGUF base: its config/tokenizer are recovered from the GGUF (no HF dir needed).
    res["lora"] = lora_to_gguf(adapter_dir, out / "base-f32.gguf", out / "lora-f32.gguf", registry=registry, threads=THREADS)
    times["lora_gguf"] = res["lora"].seconds
    return {"root": root, "base_dir": base_dir, "adapter_dir": adapter_dir, "out": out, "registry": registry,
            "res": res, "times": times, "tok": tok}


def _hf_logits(model_dir: Path, tok, **kw) -> np.ndarray:
    import torch
    from transformers import AutoModelForCausalLM

    m = AutoModelForCausalLM.from_pretrained(str(model_dir), dtype=torch.float32, **kw)
    with torch.no_grad():
        return m(torch.tensor([tok(PROMPT).input_ids])).logits[0, -1].numpy()


def _gguf_logits(path: Path, tok, lora: Path | None = None) -> np.ndarray:
    import llama_cpp

    llm = llama_cpp.Llama(str(path), n_ctx=64, n_batch=64, n_threads=THREADS, logits_all=True, verbose=False,
                          lora_path=str(lora) if lora else None)
    try:
        ids = llm.tokenize(PROMPT.encode(), add_bos=False, special=False)
        assert ids == tok(PROMPT).input_ids  # same tokenizer on both sides
        llm.reset()
        llm.eval(ids)
        return np.array(llm.scores[len(ids) - 1], dtype=np.float32)
    finally:
        llm.close()


def _compare(a: np.ndarray, b: np.ndarray) -> dict:
    return {"max_abs": float(np.abs(a - b).max()), "scale": float(np.abs(a).max()),
            "cos": float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b))), "top1": bool(a.argmax() == b.argmax())}


def _close(d: dict, *, cos: float = 0.9999, rel: float = 1e-3) -> bool:
    return d["top1"] and d["cos"] > cos and d["max_abs"] <= rel * max(1.0, d["scale"]) * 10


def test_merged_gguf_matches_hf_merged(pipeline):
    tok = pipeline["tok"]
    hf_merged = _hf_logits(pipeline["out"] / "merged", tok)
    hf_base = _hf_logits(pipeline["base_dir"], tok)
    gg_merged = _gguf_logits(pipeline["out"] / "merged-f32.gguf", tok)
    moved = _compare(hf_base, hf_merged)
    got = _compare(hf_merged, gg_merged)
    print(f"\nadapter effect (HF base vs HF merged): {moved}\nHF merged vs merged f32 GGUF: {got}\ntimes: {pipeline['times']}")
    assert moved["max_abs"] > 100 * got["max_abs"]  # the adapter changed the model far more than conversion did
    assert _close(got), got


def test_base_gguf_plus_gguf_lora_matches_merged(pipeline):
    # every stage wrote through a locked temporary beside its output and left none (lora's holds the config it
    # read from the GGUF base and the script's output)
    assert [p.name for p in pipeline["out"].iterdir() if p.name.startswith(".")] == []
    tok = pipeline["tok"]
    hf_merged = _hf_logits(pipeline["out"] / "merged", tok)
    with_lora = _gguf_logits(pipeline["out"] / "base-f32.gguf", tok, lora=pipeline["out"] / "lora-f32.gguf")
    got = _compare(hf_merged, with_lora)
    print(f"\nHF merged vs base f32 GGUF + GGUF LoRA: {got}")
    assert _close(got), got


def test_quantized_served_by_llama_cpp(pipeline):
    import llama_cpp

    tok = pipeline["tok"]
    q8 = pipeline["res"]["q8"]
    assert q8.out.stat().st_size < 0.5 * (pipeline["out"] / "merged-f32.gguf").stat().st_size
    got = _compare(_gguf_logits(pipeline["out"] / "merged-f32.gguf", tok), _gguf_logits(q8.out, tok))
    print(f"\nmerged f32 GGUF vs Q8_0: {got}")
    assert got["cos"] > 0.99, got
    # Served from the registry by id: verified, then loaded and generating.
    art = pipeline["registry"].get(q8.artifact.id[:12])
    llm = llama_cpp.Llama(str(art.path), n_ctx=64, n_threads=THREADS, verbose=False)
    try:
        toks = llm.tokenize(PROMPT.encode(), add_bos=False)
        gen = []
        for t in llm.generate(toks, temp=0.0):
            gen.append(t)
            if len(gen) == 5:
                break
        assert len(gen) == 5 and all(0 <= t < llm.n_vocab() for t in gen)
    finally:
        llm.close()


def test_registry_lineage_and_activation(pipeline):
    from ragtune.appliance.hashing import sha256_path

    reg = pipeline["registry"]
    r = pipeline["res"]
    adapter_id = r["merged"].artifact.lineage["adapter_id"]
    adapter = reg.get(adapter_id)
    assert adapter.kind == "lora-hf"
    files = sorted(p.name for p in adapter.path.iterdir())
    assert "checkpoint" not in files and "adapter_model.safetensors" in files  # optimizer state is not the adapter
    assert adapter.lineage["dataset_sha256"] == "d" * 64 and len(adapter.lineage["training_config_sha256"]) == 64

    merged = r["merged"].artifact
    assert merged.kind == "hf-model" and merged.lineage["base_id"] == sha256_path(pipeline["base_dir"])
    mg = r["merged_gguf"].artifact
    assert mg.kind == "merged-gguf" and mg.lineage["parent_id"] == merged.id and mg.lineage["adapter_id"] == adapter_id
    assert mg.lineage["outtype"] == "f32" and mg.lineage["dataset_sha256"] == "d" * 64
    assert r["base_gguf"].artifact.kind == "base-gguf"
    q = r["q8"].artifact
    assert q.kind == "quantized-gguf" and q.lineage["quantization"] == "Q8_0" and q.lineage["parent_id"] == mg.id
    lo = r["lora"].artifact
    assert lo.kind == "lora-gguf" and lo.lineage["base_id"] == r["base_gguf"].artifact.id and lo.lineage["adapter_id"] == adapter_id
    for tool in ("llama-cpp-python", "gguf", "transformers", "peft"):
        assert tool in lo.lineage["tools"]
    from ragtune.appliance.atomic import default_file_mode

    assert (r["q8"].out.stat().st_mode & 0o777) == default_file_mode()  # not mkstemp's 0o600
    assert (pipeline["out"] / "merged").stat().st_mode & 0o100
    # stage configs written next to the artifacts
    assert json.loads((r["q8"].out.with_name(r["q8"].out.name + ".json")).read_text())["type"] == "Q8_0"
    assert json.loads((pipeline["out"] / "merged" / "ragtune_stage.json").read_text())["adapter_id"] == adapter_id

    reg.activate(lo.id)
    assert reg.active_adapter().path.read_bytes()[:4] == b"GGUF"
    with pytest.raises(ModelError, match="not a servable adapter"):
        reg.activate(q.id)


def test_merge_from_gguf_base_and_refusals(pipeline, tmp_path):
    from ragtune.converters.merge import merge
    from ragtune.converters.quantize import quantize

    reg = pipeline["registry"]
    out = tmp_path / "m2"
    res = merge(pipeline["adapter_dir"], pipeline["out"] / "base-f32.gguf", out, registry=reg, threads=THREADS)
    got = _compare(_hf_logits(pipeline["out"] / "merged", pipeline["tok"]), _hf_logits(out, pipeline["tok"]))
    print(f"\nmerge into HF base vs merge into dequantized f32 GGUF base: {got}")
    assert _close(got), got
    assert res.artifact.lineage["base_id"] == pipeline["res"]["base_gguf"].artifact.id

    with pytest.raises(InputError, match="already exists"):
        merge(pipeline["adapter_dir"], pipeline["base_dir"], out, registry=reg)
    with pytest.raises(InputError, match="adapter_config.json"):
        merge(pipeline["base_dir"], pipeline["base_dir"], tmp_path / "m3", registry=reg)
    q4 = pipeline["base_dir"].parent / "fake4bit"
    q4.mkdir()
    cfg = json.loads((pipeline["base_dir"] / "config.json").read_text())
    cfg["quantization_config"] = {"quant_method": "bitsandbytes", "load_in_4bit": True}
    (q4 / "config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match="quantized checkpoint"):
        merge(pipeline["adapter_dir"], q4, tmp_path / "m4", registry=reg)
    with pytest.raises(ModelError, match="could not quantize"):  # already quantized: refused, nothing left behind
        quantize(pipeline["res"]["q8"].out, tmp_path / "qq.gguf", qtype="Q4_0", registry=reg)
    assert not (tmp_path / "qq.gguf").exists() and not list(tmp_path.glob(".qq.gguf*"))


def test_cli_convert_errors_are_one_line(pipeline, tmp_path, capsys):
    from ragtune.cli import main

    rc = main(["convert", "gguf", str(tmp_path / "nowhere"), "--out", str(tmp_path / "x.gguf")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("error: ") and "Traceback" not in err  # names nothing: bad input
    bad = tmp_path / "badmodel"
    bad.mkdir()
    (bad / "config.json").write_text("{broken")
    rc = main(["convert", "gguf", str(bad), "--out", str(tmp_path / "x.gguf")])
    err = capsys.readouterr().err
    assert rc == 2 and f"{bad / 'config.json'}:1" in err
    rc = main(["convert", "quantize", str(pipeline["out"] / "merged-f32.gguf"), "--type", "Q8_0",
               "--out", str(tmp_path / "cli-q8.gguf"), "--json"])
    out = capsys.readouterr().out
    assert rc == 0 and json.loads(out)["kind"] == "quantized-gguf"


def test_a_gguf_lora_loads_back_for_continued_training(pipeline):
    """`ragtune train --init-adapter X.gguf`: the GGUF LoRA's tensors (q/k rows un-permuted) equal the peft ones."""
    from safetensors.torch import load_file
    from transformers import LlamaForCausalLM

    from ragtune.models.train.config import TrainConfig
    from ragtune.models.train.model import add_lora, load_init_adapter

    cfg = TrainConfig(data="d", out="o", targets="all-linear", r=8, alpha=16, dropout=0.0)
    model = add_lora(LlamaForCausalLM.from_pretrained(str(pipeline["base_dir"])), cfg, qlora=False)
    info = load_init_adapter(model, str(pipeline["out"] / "lora-f32.gguf"), cfg)
    assert info["modules"] == 14 and len(info["sha256"]) == 64
    want = load_file(str(pipeline["adapter_dir"] / "adapter_model.safetensors"))
    got = {k.replace(".default", ""): v for k, v in model.state_dict().items() if "lora_" in k}
    assert set(want) == set(got)
    for k, v in want.items():
        assert (got[k] - v.float()).abs().max() < 1e-6, k


def test_an_adapter_trained_elsewhere_finds_its_base_here_by_sha256(pipeline, tmp_path):
    """A run on a lent GPU records a base path that is not on this machine: the same bytes, registered here (a
    default model is, by its sha256), are the base; unknown bytes keep the error naming the recorded path."""
    import shutil

    from ragtune.appliance.hashing import sha256_path
    from ragtune.converters import resolve_adapter_and_base

    registry, base = pipeline["registry"], pipeline["out"] / "base-f32.gguf"
    moved = tmp_path / "gpu-run"
    shutil.copytree(pipeline["adapter_dir"], moved, ignore=shutil.ignore_patterns("checkpoint"))
    rec = {"kind": "gguf", "path": "/root/stash/base.gguf", "sha256": sha256_path(base)}
    (moved / "adapter_manifest.json").write_text(json.dumps({"base": rec}))
    _, _, _, path, base_id = resolve_adapter_and_base(registry, moved, None)
    assert base_id == rec["sha256"] and sha256_path(path) == rec["sha256"]
    (moved / "adapter_manifest.json").write_text(json.dumps({"base": dict(rec, sha256="e" * 64)}))
    with pytest.raises((InputError, ModelError), match="/root/stash/base.gguf"):
        resolve_adapter_and_base(registry, moved, None)
