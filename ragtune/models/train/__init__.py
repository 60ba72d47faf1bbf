"""Stage 3 of tuning: LoRA / QLoRA on the served model family (extra `[train]`).

- `config`: the recipe (TrainConfig, validated, no torch; `--config recipe.toml`);
- `data`: loading and validating the data (before torch), rendering examples as served, length-bucketed batches;
- `model`: the base (HF folder or dequantized GGUF), tokenizer fixes, LoRA layers;
- `loop`: setup → loop → finish, checkpoints and resume, atomic artifacts;
- `evalhf`: HF-side before/after scoring.

Writes into OUT: the adapter (peft `save_pretrained`: adapter_config.json + adapter_model.safetensors),
training_config.json, metrics.json, adapter_manifest.json (sha256s + lineage), checkpoint/ while running.

Multi-GPU: `accelerate launch -m ragtune.models.train --data DIR --out DIR` (data-parallel through `Accelerator`).
Nothing here imports torch at import time."""

import logging as _logging

# bitsandbytes (imported by peft/transformers even for a plain LoRA) looks for an optional CPU kernel on the Hugging
# Face hub and, offline, warns "Failed to load CPU gemm_4bit_forward … pip install kernels" on every run: it falls
# back to its own kernel, and an offline appliance must not be told to install from the network.
for _name in ("bitsandbytes.backends.cpu.ops", "kernels"):
    _logging.getLogger(_name).setLevel(_logging.ERROR)

from .config import DEFAULT_BASE, TARGETS, TrainConfig, make_config, read_recipe
from .data import collate, encode_example, field_spans, load_data, make_batches, spread
from .evalhf import evaluate_hf, score_forced
from .loop import _forward_loss, batch_loss, finish, forward_batch, loop, prepare, setup, train, weighted_loss
from .model import add_lora, fix_tokenizer, hf_dir_for, load_model, log, pick_device, resolve_base

__all__ = ["DEFAULT_BASE", "TARGETS", "TrainConfig", "make_config", "read_recipe", "collate", "encode_example",
           "field_spans", "load_data", "make_batches", "spread", "evaluate_hf", "score_forced", "batch_loss",
           "finish", "forward_batch", "loop", "prepare", "setup", "train", "weighted_loss", "add_lora",
           "fix_tokenizer", "hf_dir_for", "load_model", "log", "pick_device", "resolve_base", "_forward_loss"]
