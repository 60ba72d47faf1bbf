"""Stage 3 of tuning: LoRA / QLoRA on the served model family (extra `[train]`).

One plain torch loop (batch 1 + gradient accumulation, so no padding and no collator): the prompt is rendered with
the tokenizer's chat template from `ragtune.appliance.prompt.messages` exactly as serving renders it, the target is
`prompt.answer_text(output)` + eos, and the loss covers the target tokens only (prompt labels are -100), with extra
weight on the tokens of the `status` value and the citation ids. Early stopping on the holdout loss, checkpoints
every N steps (`--resume` continues from the last one), deterministic given the seed.

Writes into OUT: the adapter (peft `save_pretrained`: adapter_config.json + adapter_model.safetensors),
training_config.json, metrics.json, adapter_manifest.json (sha256s + lineage), checkpoint/ while running.

Multi-GPU: `accelerate launch -m ragtune.models.train --data DIR --out DIR` (data-parallel through `Accelerator`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance import prompt
from ragtune.appliance.errors import ConfigError, InputError, ModelError, require

TARGET_MODULES = ["q_proj", "k_proj", "v_proj", "o_proj"]
DEFAULT_BASE = "smollm2-135m-instruct-q4_1"


@dataclasses.dataclass
class TrainConfig:
    data: str = ""
    out: str = ""
    base: str = ""  # HF folder, a .gguf file, or "" = the appliance's default GGUF
    qlora: bool = False
    epochs: int = 2
    max_steps: int = 0  # optimizer steps; 0 = no limit
    lr: float = 2e-4
    r: int = 8
    alpha: int = 16
    dropout: float = 0.05
    target_modules: list[str] = dataclasses.field(default_factory=lambda: list(TARGET_MODULES))
    grad_accum: int = 4
    max_len: int = 2048  # the serving n_ctx: longer examples are skipped (counted), never truncated
    weight_fields: float = 2.0  # loss weight of the status value and citation-id tokens
    warmup_steps: int = 5
    save_every: int = 20  # optimizer steps between checkpoints
    patience: int = 1  # epochs without holdout improvement before stopping
    max_holdout: int = 64  # holdout examples scored per evaluation
    seed: int = 0
    threads: int = 2
    bf16: bool = False  # autocast matmuls to bfloat16 (CUDA, or CPUs with avx512_bf16/AMX); LoRA weights stay fp32
    resume: bool = False

    def __post_init__(self) -> None:
        def check(ok: bool, key: str, msg: str) -> None:
            if not ok:
                raise ConfigError(f"train.{key}: {msg}")
        check(isinstance(self.epochs, int) and 1 <= self.epochs <= 3, "epochs", "must be 1..3")
        check(isinstance(self.max_steps, int) and self.max_steps >= 0, "max_steps", "must be >= 0")
        check(isinstance(self.lr, (int, float)) and 0 < self.lr < 1, "lr", "must be in (0, 1)")
        check(isinstance(self.r, int) and 8 <= self.r <= 16, "r", "must be 8..16")
        check(isinstance(self.alpha, int) and self.alpha > 0, "alpha", "must be > 0")
        check(isinstance(self.dropout, (int, float)) and 0 <= self.dropout < 1, "dropout", "must be in [0, 1)")
        check(bool(self.target_modules) and all(isinstance(m, str) for m in self.target_modules), "target_modules", "must be module names")
        check(isinstance(self.grad_accum, int) and 1 <= self.grad_accum <= 1024, "grad_accum", "must be 1..1024")
        check(isinstance(self.max_len, int) and 64 <= self.max_len <= 131072, "max_len", "must be 64..131072")
        check(isinstance(self.weight_fields, (int, float)) and 1 <= self.weight_fields <= 10, "weight_fields", "must be 1..10")
        check(isinstance(self.save_every, int) and self.save_every >= 1, "save_every", "must be >= 1")
        check(isinstance(self.patience, int) and self.patience >= 0, "patience", "must be >= 0")
        check(isinstance(self.threads, int) and 1 <= self.threads <= 256, "threads", "must be 1..256")
        check(isinstance(self.seed, int) and self.seed >= 0, "seed", "must be >= 0")


def spread(rows: list[Any], k: int) -> list[Any]:
    """k rows evenly spaced over the list (the whole date range of a temporal holdout, not just its start)."""
    if not k or k >= len(rows):
        return list(rows)
    return [rows[(i * len(rows)) // k] for i in range(k)]


def log(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------------------
# Data
# ------------------------------------------------------------------------------------------------------------

def load_data(data: str | Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]], str]:
    """(train, holdout, dataset sha256). DIR = a curated dataset (train.jsonl, holdout.jsonl); FILE = train only."""
    from .curate import sha256_path
    from .dataset import read_examples

    p = Path(data)
    if p.is_dir():
        tr, ho = p / "train.jsonl", p / "holdout.jsonl"
        if not tr.is_file():
            raise InputError(f"{p}: no train.jsonl (build one with `ragtune dataset build`)")
        train = [ex for _, ex in read_examples(tr)]
        holdout = [ex for _, ex in read_examples(ho)] if ho.is_file() and ho.stat().st_size else []
        cfg = p / "dataset_config.json"
        if cfg.is_file():
            try:
                sha = json.loads(cfg.read_text(encoding="utf-8"))["dataset_sha256"]
            except (ValueError, KeyError, TypeError) as exc:
                raise InputError(f"{cfg}: invalid dataset config: {exc}") from None
        else:
            sha = hashlib.sha256((sha256_path(tr) + (sha256_path(ho) if ho.is_file() else "")).encode()).hexdigest()
        return train, holdout, sha
    if p.is_file():
        return [ex for _, ex in read_examples(p)], [], sha256_path(p)
    raise InputError(f"{p}: training data not found")


# ------------------------------------------------------------------------------------------------------------
# Base model and tokenizer
# ------------------------------------------------------------------------------------------------------------

def resolve_base(base: str, home: Any = None) -> dict[str, Any]:
    """{'kind': 'hf'|'gguf', 'path': …, 'sha256': …} for a base argument ('' = the default GGUF)."""
    from .defaults import locate_all, sha256_file

    if not base:
        p = Path(locate_all(DEFAULT_BASE, home)[0]) if home is not None else Path(locate_all(DEFAULT_BASE)[0])
        return {"kind": "gguf", "path": str(p), "sha256": sha256_file(p), "name": DEFAULT_BASE}
    p = Path(base).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return {"kind": "gguf", "path": str(p.resolve()), "sha256": sha256_file(p)}
    if p.is_dir() and (p / "config.json").is_file():
        h = hashlib.sha256()
        for f in sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")) + [p / "config.json"]:
            h.update(f.name.encode())
            h.update(sha256_file(f).encode())
        return {"kind": "hf", "path": str(p.resolve()), "sha256": h.hexdigest()}
    if p.is_dir():
        ggufs = sorted(p.glob("*.gguf"))
        if len(ggufs) == 1:
            return resolve_base(str(ggufs[0]))
    raise InputError(f"{base}: not a Hugging Face model folder (config.json) nor a .gguf file")


def hf_dir_for(base: dict[str, Any], cache_root: Path) -> Path:
    """A Hugging Face folder for the base: itself, or the GGUF dequantized once through transformers and cached
    (keyed by the GGUF's sha256) so that QLoRA, resumes and the converter all load the same weights."""
    if base["kind"] == "hf":
        return Path(base["path"])
    out = cache_root / f"{base['sha256'][:16]}-hf"
    if (out / "config.json").is_file() and any(out.glob("*.safetensors")):
        return out
    torch = require("torch", "train")
    tf = require("transformers", "train")
    gg = Path(base["path"])
    log(f"dequantizing {gg.name} through transformers (once; cached in {out})")
    try:
        tok = tf.AutoTokenizer.from_pretrained(str(gg.parent), gguf_file=gg.name)
        model = tf.AutoModelForCausalLM.from_pretrained(str(gg.parent), gguf_file=gg.name, dtype=torch.float32)
    except Exception as exc:  # transformers raises many types for unsupported GGUFs
        raise ModelError(f"{gg}: cannot load this GGUF through transformers: {exc}") from None
    # transformers marks GGUF-loaded models as "quantized" and refuses to save them, but the tensors are already
    # dequantized float32 Linear weights: drop the marker (verified: identical logits after a save/load round trip)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    tmp = out.with_name(f"{out.name}.tmp{os.getpid()}")  # per process: two runs may dequantize at once
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    try:
        tmp.replace(out)
    except OSError:  # another process finished first: its copy is identical
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def fix_tokenizer(tok: Any, model: Any = None) -> list[str]:
    """Make the special tokens match what serving expects; returns what was changed (logged, saved in config).

    chatml: eos must be <|im_end|> (generation stops there in llama.cpp), bos <|im_start|>; pad must exist
    (any token: labels mask it) and must not be eos-with-loss, so prefer <|endoftext|>."""
    fixed: list[str] = []
    vocab = tok.get_vocab()
    chatml = "<|im_start|>" in (tok.chat_template or "") or "<|im_end|>" in vocab
    if not tok.chat_template:
        raise ModelError("the base tokenizer has no chat template; the prompt cannot be rendered as served")
    if chatml:
        if tok.eos_token != "<|im_end|>" and "<|im_end|>" in vocab:
            fixed.append(f"eos {tok.eos_token!r} -> '<|im_end|>'")
            tok.eos_token = "<|im_end|>"
        if tok.bos_token is None and "<|im_start|>" in vocab:
            fixed.append("bos None -> '<|im_start|>'")
            tok.bos_token = "<|im_start|>"
    if tok.pad_token is None or tok.pad_token_id == tok.eos_token_id:
        new = "<|endoftext|>" if "<|endoftext|>" in vocab and tok.eos_token != "<|endoftext|>" else tok.unk_token or tok.eos_token
        fixed.append(f"pad {tok.pad_token!r} -> {new!r}")
        tok.pad_token = new
    if model is not None:
        for key, val in (("eos_token_id", tok.eos_token_id), ("bos_token_id", tok.bos_token_id), ("pad_token_id", tok.pad_token_id)):
            for cfg in (model.config, getattr(model, "generation_config", None)):
                if cfg is not None and getattr(cfg, key, None) != val:
                    fixed.append(f"{type(cfg).__name__}.{key} {getattr(cfg, key, None)} -> {val}")
                    setattr(cfg, key, val)
    return fixed


# ------------------------------------------------------------------------------------------------------------
# Rendering and loss weights
# ------------------------------------------------------------------------------------------------------------

_FIELD_RX = re.compile(r'"status": "(?P<status>[a-z]+)"|"S\d{1,2}"')


def field_spans(target: str) -> list[tuple[int, int]]:
    """Char spans of the status value and of each citation id inside the answer JSON."""
    spans = []
    cit = target.rfind('"citations": [')
    for m in _FIELD_RX.finditer(target):
        if m.group("status"):
            spans.append(m.span("status"))
        elif cit >= 0 and m.start() > cit:
            spans.append((m.start() + 1, m.end() - 1))
    return spans


def encode_example(tok: Any, ex: dict[str, Any], weight_fields: float = 2.0) -> dict[str, list]:
    """input_ids, labels (-100 on the prompt), weights (per label) for one training line."""
    p = ex["prompt"]
    msgs = prompt.messages(p["system"], p["context"], p["user"])
    prompt_ids = list(tok.apply_chat_template(msgs, add_generation_prompt=True, tokenize=True, return_dict=False))
    if prompt_ids and isinstance(prompt_ids[0], list):  # some versions return a batch
        prompt_ids = prompt_ids[0]
    target = prompt.answer_text(ex["output"])
    enc = tok(target, add_special_tokens=False, return_offsets_mapping=True)
    spans = field_spans(target)
    weights = []
    for a, b in enc["offset_mapping"]:
        w = 1.0
        if any(a < e and b > s for s, e in spans):
            w = float(weight_fields)
        weights.append(w)
    tgt_ids = list(enc["input_ids"]) + [tok.eos_token_id]
    weights.append(1.0)
    return {"input_ids": prompt_ids + tgt_ids, "labels": [-100] * len(prompt_ids) + tgt_ids,
            "weights": [0.0] * len(prompt_ids) + weights, "n_prompt": len(prompt_ids)}


def weighted_loss(logits: Any, labels: Any, weights: Any) -> tuple[Any, Any]:
    """(weighted mean CE over the target tokens, plain mean CE) for one sequence (shift by one)."""
    torch = require("torch", "train")
    lg = logits[..., :-1, :].reshape(-1, logits.shape[-1]).float()
    lb = labels[..., 1:].reshape(-1)
    w = weights[..., 1:].reshape(-1)
    ce = torch.nn.functional.cross_entropy(lg, lb, ignore_index=-100, reduction="none")
    mask = (lb != -100).float()
    plain = (ce * mask).sum() / mask.sum().clamp(min=1)
    return (ce * w).sum() / w.sum().clamp(min=1e-6), plain


# ------------------------------------------------------------------------------------------------------------
# Model
# ------------------------------------------------------------------------------------------------------------

def pick_device() -> str:
    torch = require("torch", "train")
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(hf_dir: Path, *, qlora: bool, device: str) -> Any:
    torch = require("torch", "train")
    tf = require("transformers", "train")
    kw: dict[str, Any] = {}
    if qlora:
        require("bitsandbytes", "train")
        compute = torch.bfloat16 if device == "cuda" else torch.float32
        kw["quantization_config"] = tf.BitsAndBytesConfig(
            load_in_4bit=True, bnb_4bit_quant_type="nf4", bnb_4bit_use_double_quant=True, bnb_4bit_compute_dtype=compute)
        kw["device_map"] = {"": 0} if device == "cuda" else {"": "cpu"}
        kw["dtype"] = compute
    else:
        kw["dtype"] = torch.float32
    try:
        model = tf.AutoModelForCausalLM.from_pretrained(str(hf_dir), **kw)
    except Exception as exc:
        raise ModelError(f"{hf_dir}: cannot load the base model: {exc}") from None
    if not qlora:
        model.to(device)
    return model


def add_lora(model: Any, cfg: TrainConfig, *, qlora: bool) -> Any:
    peft = require("peft", "train")
    if qlora:
        model = peft.prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    lcfg = peft.LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout, target_modules=list(cfg.target_modules),
                           bias="none", task_type="CAUSAL_LM")
    return peft.get_peft_model(model, lcfg)


# ------------------------------------------------------------------------------------------------------------
# Training loop
# ------------------------------------------------------------------------------------------------------------

def _epoch_order(n: int, seed: int, epoch: int) -> list[int]:
    import random

    order = list(range(n))
    random.Random(seed * 1000 + epoch).shuffle(order)
    return order


def _forward_loss(model: Any, it: dict[str, list], device: str, bf16: bool = False) -> tuple[Any, Any]:
    """Loss of one encoded example. Logits only for the target positions (`logits_to_keep`): the lm_head over a
    49k vocabulary for every prompt token would be a large share of the compute and memory, all of it masked."""
    torch = require("torch", "train")
    keep = len(it["input_ids"]) - it["n_prompt"] + 1
    ids = torch.tensor([it["input_ids"]], device=device)
    with torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16, enabled=bf16):
        out = model(input_ids=ids, logits_to_keep=keep)
    return weighted_loss(out.logits[:, -keep:, :], torch.tensor([it["labels"][-keep:]], device=device),
                         torch.tensor([it["weights"][-keep:]], device=device))


def _holdout_loss(model: Any, items: list[dict[str, list]], device: str, bf16: bool = False) -> float | None:
    torch = require("torch", "train")
    if not items:
        return None
    model.eval()
    # bitsandbytes (CPU, eval mode, no grad) repacks 4-bit weights in place for an inference kernel that needs
    # out_features % 32 == 0 and then keeps them packed; keep its layers on the training path while scoring.
    for m in model.modules():
        if type(m).__name__ in ("Linear4bit", "LinearNF4"):
            m.training = True
    tot, n = 0.0, 0
    with torch.no_grad():
        for it in items:
            _, plain = _forward_loss(model, it, device, bf16)
            tot += float(plain)
            n += 1
    model.train()
    return tot / n


def _save_adapter(model: Any, out: Path, accel: Any = None) -> None:
    target = accel.unwrap_model(model) if accel is not None else model
    target.save_pretrained(str(out), safe_serialization=True)


def train(cfg: TrainConfig, *, home: Any = None, progress: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any]:
    """Run (or resume) one training job; returns the metrics dict also written to OUT/metrics.json."""
    torch = require("torch", "train")
    require("transformers", "train")
    require("peft", "train")
    from .defaults import sha256_file

    t_start = time.perf_counter()
    torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    ckpt = out / "checkpoint"
    if out.exists() and (out / "adapter_model.safetensors").exists() and not cfg.resume:
        raise InputError(f"{out}: already holds a trained adapter", hint="pick a new --out, or --resume")
    out.mkdir(parents=True, exist_ok=True)

    accel = None
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # launched by `accelerate launch`
        accelerate = require("accelerate", "train")
        accel = accelerate.Accelerator(gradient_accumulation_steps=1)
    rank = accel.process_index if accel else 0
    world = accel.num_processes if accel else 1
    device = str(accel.device) if accel else pick_device()

    train_rows, holdout_rows, dataset_sha = load_data(cfg.data)
    base = resolve_base(cfg.base, home)
    from ragtune.appliance.home import Home

    cache_root = (home or Home()).models_dir / "hf-bases"
    hf_dir = hf_dir_for(base, cache_root)
    tf = require("transformers", "train")
    tok = tf.AutoTokenizer.from_pretrained(str(hf_dir))
    model = load_model(hf_dir, qlora=cfg.qlora, device=device)
    fixes = fix_tokenizer(tok, model)
    for f in fixes:
        log(f"tokenizer fix: {f}")

    enc_train, skipped = [], 0
    for ex in train_rows:
        e = encode_example(tok, ex, cfg.weight_fields)
        if len(e["input_ids"]) > cfg.max_len:
            skipped += 1
            continue
        enc_train.append(e)
    enc_hold = [e for e in (encode_example(tok, ex, 1.0) for ex in spread(holdout_rows, cfg.max_holdout)) if len(e["input_ids"]) <= cfg.max_len]
    if not enc_train:
        raise InputError(f"{cfg.data}: no training example fits max_len={cfg.max_len}")
    if skipped:
        log(f"skipped {skipped} examples longer than {cfg.max_len} tokens")

    model = add_lora(model, cfg, qlora=cfg.qlora)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.0)
    per_epoch = math.ceil(len(enc_train[rank::world]) / cfg.grad_accum)
    total = per_epoch * cfg.epochs
    if cfg.max_steps:
        total = min(total, cfg.max_steps)

    def lr_lambda(step: int) -> float:
        if step < cfg.warmup_steps:
            return (step + 1) / (cfg.warmup_steps + 1)
        return max(0.05, 1.0 - (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda)
    if accel:
        model, opt = accel.prepare(model, opt)

    state: dict[str, Any] = {"epoch": 0, "pos": 0, "step": 0, "best": None, "bad_epochs": 0, "history": [], "seconds": 0.0}
    if cfg.resume and (ckpt / "state.json").is_file():
        state = _load_checkpoint(ckpt, model, opt, sched, accel)
        log(f"resumed at epoch {state['epoch'] + 1}, step {state['step']}")
    elif cfg.resume:
        log("no checkpoint to resume from; starting fresh")

    config_doc = {
        "config": dataclasses.asdict(cfg), "base": base, "hf_base_dir": str(hf_dir), "dataset_sha256": dataset_sha,
        "system_prompt_sha256": prompt.system_prompt_sha256(), "tokenizer_fixes": fixes, "device": device,
        "world_size": world, "train_examples": len(enc_train), "holdout_examples": len(enc_hold),
        "skipped_too_long": skipped, "trainable_params": trainable, "steps_planned": total,
        "versions": {m: getattr(sys.modules.get(m), "__version__", None) for m in ("torch", "transformers", "peft")},
    }
    if rank == 0:
        (out / "training_config.json").write_text(json.dumps(config_doc, indent=2) + "\n", encoding="utf-8")
    log(f"{len(enc_train)} train / {len(enc_hold)} holdout examples, {trainable:,} trainable params, "
        f"{total} optimizer steps on {device}, threads={cfg.threads}")

    model.train()
    stop = bool(total and state["step"] >= total)
    first_step = state["step"]
    t_run = time.perf_counter()
    cpu0 = time.process_time()  # CPU seconds (all threads): comparable across loaded and idle machines
    steps_at_start = state["step"]
    while state["epoch"] < cfg.epochs and not stop:
        order = _epoch_order(len(enc_train), cfg.seed, state["epoch"])[rank::world]
        run_loss, run_n, micro = 0.0, 0, 0
        while state["pos"] < len(order):
            it = enc_train[order[state["pos"]]]
            loss, plain = _forward_loss(model, it, device, cfg.bf16)
            scaled = loss / cfg.grad_accum
            accel.backward(scaled) if accel else scaled.backward()
            run_loss += float(plain.detach())
            run_n += 1
            micro += 1
            state["pos"] += 1
            if micro == cfg.grad_accum or state["pos"] == len(order):
                torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
                opt.step()
                sched.step()
                opt.zero_grad(set_to_none=True)
                micro = 0
                state["step"] += 1
                el = time.perf_counter() - t_run
                done = state["step"] - steps_at_start
                sps = el / max(1, done)
                cpu_ps = (time.process_time() - cpu0) / max(1, state["step"] - first_step)
                info = {"epoch": state["epoch"] + 1, "step": state["step"], "total": total,
                        "loss": round(run_loss / max(1, run_n), 4), "s_per_step": round(sps, 2),
                        "cpu_s_per_step": round(cpu_ps, 2), "eta_s": round(sps * (total - state["step"]))}
                log(f"epoch {info['epoch']} step {info['step']}/{total} loss {info['loss']} "
                    f"{info['s_per_step']} s/step ({info['cpu_s_per_step']} cpu-s/step) eta {info['eta_s']} s")
                if state["step"] % cfg.save_every == 0 and rank == 0:
                    state["seconds"] += time.perf_counter() - t_run
                    t_run = time.perf_counter()
                    steps_at_start = state["step"]
                    _save_checkpoint(ckpt, model, opt, sched, state, accel)
                if progress:  # after the checkpoint: an interrupt here loses nothing
                    progress(info)
                if total and state["step"] >= total:
                    stop = True
                    break
        # end of epoch (or of max_steps): holdout loss, early stopping, keep the best adapter
        finished = state["pos"] >= len(order)
        hl = _holdout_loss(model, enc_hold, device, cfg.bf16)
        entry = {"epoch": state["epoch"] + 1, "step": state["step"], "train_loss": round(run_loss / max(1, run_n), 4),
                 "holdout_loss": None if hl is None else round(hl, 4), "complete": finished}
        state["history"].append(entry)
        log(f"epoch {entry['epoch']} {'done' if finished else 'stopped at max-steps'}: "
            f"train {entry['train_loss']} holdout {entry['holdout_loss']}")
        improved = hl is None or state["best"] is None or hl < state["best"]
        if improved:
            state["best"] = hl
            state["bad_epochs"] = 0
            if rank == 0:
                _save_adapter(model, out, accel)
        elif finished:
            state["bad_epochs"] += 1
            if state["bad_epochs"] > cfg.patience:
                log("holdout loss stopped improving: early stop (keeping the best adapter)")
                stop = True
        if finished:  # a max-steps stop mid-epoch resumes mid-epoch
            state["epoch"] += 1
            state["pos"] = 0
        if rank == 0:
            _save_checkpoint(ckpt, model, opt, sched, state, accel)

    state["seconds"] += time.perf_counter() - t_run
    metrics = {"epochs": state["history"], "best_holdout_loss": state["best"], "steps": state["step"],
               "train_seconds": round(state["seconds"], 1), "wall_seconds": round(time.perf_counter() - t_start, 1),
               "s_per_step": round(state["seconds"] / max(1, state["step"]), 2),
               "cpu_seconds_this_run": round(time.process_time() - cpu0, 1), "dataset_sha256": dataset_sha}
    if rank == 0:
        (out / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
        st = out / "adapter_model.safetensors"
        manifest = {
            "kind": "lora-hf", "adapter_sha256": sha256_file(st), "file": st.name,
            "base_id": base["sha256"], "base": base, "dataset_sha256": dataset_sha,
            "training_config_sha256": sha256_file(out / "training_config.json"),
            "r": cfg.r, "alpha": cfg.alpha, "target_modules": list(cfg.target_modules), "qlora": cfg.qlora,
            "licence": "same as the base model",
        }
        (out / "adapter_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        metrics["adapter_sha256"] = manifest["adapter_sha256"]
    return metrics


def _save_checkpoint(ckpt: Path, model: Any, opt: Any, sched: Any, state: dict[str, Any], accel: Any) -> None:
    torch = require("torch", "train")
    tmp = ckpt.with_name(ckpt.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    _save_adapter(model, tmp, accel)
    torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "rng": torch.get_rng_state()}, tmp / "optim.pt")
    (tmp / "state.json").write_text(json.dumps(state, indent=2), encoding="utf-8")
    shutil.rmtree(ckpt, ignore_errors=True)
    tmp.replace(ckpt)  # atomic swap: a crash mid-save leaves the previous checkpoint


def _load_checkpoint(ckpt: Path, model: Any, opt: Any, sched: Any, accel: Any) -> dict[str, Any]:
    torch = require("torch", "train")
    peft = require("peft", "train")
    st = require("safetensors.torch", "train")
    try:
        state = json.loads((ckpt / "state.json").read_text(encoding="utf-8"))
        weights = st.load_file(str(ckpt / "adapter_model.safetensors"))
        blob = torch.load(ckpt / "optim.pt", weights_only=False)
    except (OSError, ValueError) as exc:
        raise InputError(f"{ckpt}: cannot read the checkpoint: {exc}") from None
    target = accel.unwrap_model(model) if accel is not None else model
    peft.set_peft_model_state_dict(target, weights)
    opt.load_state_dict(blob["opt"])
    sched.load_state_dict(blob["sched"])
    torch.set_rng_state(blob["rng"])
    return state


# ------------------------------------------------------------------------------------------------------------
# HF-side evaluation (before/after), until the adapter is served through the converters
# ------------------------------------------------------------------------------------------------------------

def _load_for_eval(base: str, adapter: str | None, home: Any, threads: int) -> tuple[Any, Any]:
    """Tokenizer and full-precision model (adapter merged in, if any) for HF-side evaluation."""
    torch = require("torch", "train")
    tf = require("transformers", "train")
    from ragtune.appliance.home import Home

    torch.set_num_threads(threads)
    b = resolve_base(base, home)
    hf_dir = hf_dir_for(b, (home or Home()).models_dir / "hf-bases")
    tok = tf.AutoTokenizer.from_pretrained(str(hf_dir))
    model = tf.AutoModelForCausalLM.from_pretrained(str(hf_dir), dtype=torch.float32)
    fix_tokenizer(tok, model)
    if adapter:
        model = require("peft", "train").PeftModel.from_pretrained(model, adapter).merge_and_unload()
    model.eval()
    return tok, model


def evaluate_hf(examples: list[dict[str, Any]], *, base: str = "", adapter: str | None = None, home: Any = None,
                max_new_tokens: int = 96, threads: int = 2, limit: int = 0, bf16: bool = False,
                items_path: str | Path | None = None,
                progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Greedy generation from the training-format prompts; parse the JSON and score against the targets.

    refusal correctness: predicted status == target status (refused vs ok);
    citation accuracy: on targets with status ok, the answer is ok and cites at least one target citation and
    nothing outside the context; schema: the output parses and passes `validate_answer`."""
    torch = require("torch", "train")
    from ragtune.appliance.schema import parse_answer, validate_answer

    tok, model = _load_for_eval(base, adapter, home, threads)
    rows = spread(examples, limit)
    n = len(rows)
    res = {"n": n, "schema_valid": 0, "refusal_correct": 0, "ok_targets": 0, "citation_correct": 0,
           "refusal_targets": 0, "refused_when_should": 0, "answered_when_should": 0, "seconds": 0.0}
    t0 = time.perf_counter()
    items = open(items_path, "w", encoding="utf-8") if items_path else None  # per-example rows, flushed as we go
    for i, ex in enumerate(rows, start=1):
        p = ex["prompt"]
        msgs = prompt.messages(p["system"], p["context"], p["user"])
        ids = tok.apply_chat_template(msgs, add_generation_prompt=True, return_tensors="pt", return_dict=True)
        with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=bf16):
            gen = model.generate(**ids, max_new_tokens=max_new_tokens, do_sample=False,
                                 eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id)
        text = tok.decode(gen[0, ids["input_ids"].shape[1]:], skip_special_tokens=True).strip()
        ctx_ids = [c["id"] for c in p["context"]]
        obj, err = parse_answer(text)
        valid = err is None and not validate_answer(obj, ctx_ids)
        res["schema_valid"] += int(valid)
        gold = ex["output"]
        pred_status = obj.get("status") if isinstance(obj, dict) else None
        res["refusal_correct"] += int(pred_status == gold["status"])
        if gold["status"] == "refused":
            res["refusal_targets"] += 1
            res["refused_when_should"] += int(pred_status == "refused")
        else:
            res["ok_targets"] += 1
            res["answered_when_should"] += int(pred_status == "ok")
            cits = obj.get("citations") if isinstance(obj, dict) else None
            if pred_status == "ok" and isinstance(cits, list) and cits and set(map(str, cits)) <= set(ctx_ids) \
                    and set(map(str, cits)) & set(gold["citations"]):
                res["citation_correct"] += 1
        if items:
            items.write(json.dumps({"i": i, "target": gold, "output": text, "schema_valid": valid,
                                    "status": pred_status}, ensure_ascii=False) + "\n")
            items.flush()
        if progress:
            progress(i, n)
    if items:
        items.close()
    res["seconds"] = round(time.perf_counter() - t0, 1)
    res["schema_valid_rate"] = round(res["schema_valid"] / max(1, n), 4)
    res["refusal_correctness"] = round(res["refusal_correct"] / max(1, n), 4)
    res["citation_accuracy"] = round(res["citation_correct"] / max(1, res["ok_targets"]), 4)
    res["refusal_recall"] = round(res["refused_when_should"] / max(1, res["refusal_targets"]), 4)
    res["answer_rate_on_answerable"] = round(res["answered_when_should"] / max(1, res["ok_targets"]), 4)
    return res


def score_forced(examples: list[dict[str, Any]], *, base: str = "", adapter: str | None = None, home: Any = None,
                 threads: int = 2, limit: int = 0, bf16: bool = False) -> dict[str, Any]:
    """Teacher-forced check (cheap: one forward per example, no generation): mean target-token loss, and greedy
    accuracy on the tokens that carry the behaviour: the `status` value (refuse or answer) and the citation ids."""
    torch = require("torch", "train")

    tok, model = _load_for_eval(base, adapter, home, threads)
    rows = spread(examples, limit)
    loss_sum, st_ok, st_n, ci_ok, ci_n, all_ok = 0.0, 0, 0, 0, 0, 0
    t0 = time.perf_counter()
    for ex in rows:
        it = encode_example(tok, ex, 2.0)
        keep = len(it["input_ids"]) - it["n_prompt"] + 1
        with torch.no_grad(), torch.autocast(device_type="cpu", dtype=torch.bfloat16, enabled=bf16):
            logits = model(input_ids=torch.tensor([it["input_ids"]]), logits_to_keep=keep).logits[0].float()
        labels = torch.tensor(it["labels"][-keep:])
        w = it["weights"][-keep:]
        ce = torch.nn.functional.cross_entropy(logits[:-1], labels[1:], reduction="mean")
        loss_sum += float(ce)
        pred = logits[:-1].argmax(-1)
        field = [j for j in range(1, keep) if w[j] > 1.0]
        status = field[:1]  # the status value's tokens: the first contiguous run of weighted positions
        for j in field[1:]:
            if j != status[-1] + 1:
                break
            status.append(j)
        ok_all = True
        for j in field:
            hit = int(pred[j - 1]) == int(labels[j])
            ok_all &= hit
            if j in status:
                st_ok += hit
                st_n += 1
            else:
                ci_ok += hit
                ci_n += 1
        all_ok += ok_all
    n = len(rows)
    return {"n": n, "target_loss": round(loss_sum / max(1, n), 4),
            "status_token_accuracy": round(st_ok / max(1, st_n), 4),
            "citation_token_accuracy": round(ci_ok / max(1, ci_n), 4),
            "all_field_tokens_right": round(all_ok / max(1, n), 4), "seconds": round(time.perf_counter() - t0, 1)}


if __name__ == "__main__":  # `accelerate launch -m ragtune.models.train --data … --out …`
    from ragtune.cli import main as _main

    sys.exit(_main(["train", *sys.argv[1:]]))
