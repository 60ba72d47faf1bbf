"""One training run in three stages: `setup` (validated data → base model, tokenizer, LoRA, optimizer, resume),
`loop` (epochs of length-bucketed batches, gradient accumulation, checkpoints, holdout loss, early stopping) and
`finish` (metrics and the adapter manifest). `train()` runs them; the data is read and validated before torch is
imported, and OUT is created only once the model has loaded, so bad input never leaves an empty folder.

Loss: per example, the weighted mean cross-entropy over its target tokens; per optimizer step, the sum over its
examples divided by the examples per step. A batch of B padded examples therefore gives the same loss and
gradients as B batch-1 passes (tests/models/test_train.py checks it), so `batch_size` changes speed, not the
math. Every artifact is written atomically (tmp + rename; checkpoints swapped as whole folders)."""

from __future__ import annotations

import dataclasses
import math
import os
import pickle
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable

from ragtune.appliance import prompt
from ragtune.appliance.errors import InputError, require
from ragtune.appliance.jsonl import loads_located
from ragtune.appliance.atomic import atomic_path, locked_temporary, replace_into, sweep_stale
from ragtune.appliance.atomic import atomic_write_json
from ragtune.models.dataset import answer_in_sources

from .config import TrainConfig, cpu_cost
from .data import collate, encode_example, load_data, make_batches, recorded_config, say_raw_file_notes, spread
from .model import (add_lora, cpu_has_bf16, fix_tokenizer, hf_dir_for, init_adapter_kind, load_init_adapter, load_model,
                    lazy_imports, log, pick_device, resolve_base)
from .runfolder import (check_out, check_resume, check_resumed_base, clean_leftovers, last_checkpoint, recorded,
                        sort_target_modules)

Progress = Callable[[dict[str, Any]], None]


# ------------------------------------------------------------------------------------------------------------
# Loss
# ------------------------------------------------------------------------------------------------------------

def batch_loss(logits: Any, labels: Any, weights: Any) -> tuple[Any, Any]:
    """(weighted mean CE per row, plain mean CE per row) over the target tokens (shift by one); rows of a padded
    batch are independent: padding has label -100 and weight 0."""
    torch = require("torch", "train")
    lg = logits[:, :-1, :].float()
    lb = labels[:, 1:]
    w = weights[:, 1:].float()
    ce = torch.nn.functional.cross_entropy(lg.reshape(-1, lg.shape[-1]), lb.reshape(-1), ignore_index=-100,
                                           reduction="none").view(lb.shape)
    mask = (lb != -100).float()
    plain = (ce * mask).sum(1) / mask.sum(1).clamp(min=1)
    return (ce * w).sum(1) / w.sum(1).clamp(min=1e-6), plain


def weighted_loss(logits: Any, labels: Any, weights: Any) -> tuple[Any, Any]:
    """(weighted mean CE, plain mean CE) of one sequence (a batch of one row)."""
    w, p = batch_loss(logits, labels, weights)
    return w.mean(), p.mean()


def forward_batch(model: Any, items: list[dict[str, Any]], pad_id: int, device: str, bf16: bool = False) -> tuple[Any, Any, dict[str, Any]]:
    """Per-row (weighted, plain) losses of a padded batch. Logits only for the final `keep` positions (from the
    shortest prompt's last token on): the lm_head over a 49k vocabulary for every prompt token would be a large
    share of the compute and memory, all of it masked."""
    torch = require("torch", "train")
    b = collate(items, pad_id, device)
    keep = b["keep"]
    with torch.autocast(device_type="cuda" if device.startswith("cuda") else "cpu", dtype=torch.bfloat16, enabled=bf16):
        out = model(input_ids=b["input_ids"], attention_mask=b["attention_mask"], logits_to_keep=keep)
    w, p = batch_loss(out.logits[:, -keep:, :], b["labels"][:, -keep:], b["weights"][:, -keep:])
    return w, p, b


def _forward_loss(model: Any, it: dict[str, Any], device: str, bf16: bool = False) -> tuple[Any, Any]:
    """(weighted, plain) loss of one encoded example."""
    w, p, _ = forward_batch(model, [it], 0, device, bf16)
    return w[0], p[0]


# ------------------------------------------------------------------------------------------------------------
# Atomic artifacts
# ------------------------------------------------------------------------------------------------------------

def _save_adapter(model: Any, out: Path, accel: Any = None) -> None:
    """peft `save_pretrained` into a private folder, then each file moved into OUT (atomic per file). The folder is
    one of atomic's locked temporaries (`.adapter.*.part`): a kill leaves it to the next sweep, and no other run's
    sweep takes it while this one writes. Not atomic_path: the files go into OUT one by one, not the folder."""
    target = accel.unwrap_model(model) if accel is not None else model
    out.mkdir(parents=True, exist_ok=True)
    sweep_stale(out, "adapter")
    tmp, fd = locked_temporary(out / "adapter", folder=True)
    try:
        target.save_pretrained(str(tmp), safe_serialization=True)
        sort_target_modules(tmp)  # the same run, the same bytes (its id)
        for f in sorted(tmp.iterdir()):
            replace_into(f, out / f.name)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        os.close(fd)  # only once it is gone: a sweep never takes it while files are still being moved out


def _save_checkpoint(ckpt: Path, model: Any, opt: Any, sched: Any, state: dict[str, Any], accel: Any) -> None:
    """Adapter, optimizer, scheduler, RNG and position, written to a private folder and swapped in whole (the old
    folder is renamed aside first: a complete checkpoint exists at every moment)."""
    torch = require("torch", "train")
    target = accel.unwrap_model(model) if accel is not None else model
    with atomic_path(ckpt, folder=True) as tmp:
        target.save_pretrained(str(tmp), safe_serialization=True)
        torch.save({"opt": opt.state_dict(), "sched": sched.state_dict(), "rng": torch.get_rng_state()}, tmp / "optim.pt")
        atomic_write_json(tmp / "state.json", state)
    clean_leftovers(ckpt)  # the new checkpoint is complete: what killed runs left beside it can go


def _load_checkpoint(ckpt: Path, model: Any, opt: Any, sched: Any, accel: Any) -> dict[str, Any]:
    torch = require("torch", "train")
    peft = require("peft", "train")
    st = require("safetensors.torch", "train")
    from safetensors import SafetensorError

    hint = "move the checkpoint folder aside to train from the start, or train without --resume"
    try:
        state = loads_located((ckpt / "state.json").read_bytes(), ckpt / "state.json",
                              "cannot read the checkpoint: invalid JSON", hint=hint)
        weights = st.load_file(str(ckpt / "adapter_model.safetensors"))
        blob = torch.load(ckpt / "optim.pt", weights_only=False)
        if not (isinstance(state, dict) and {"epoch", "pos", "step"} <= set(state)
                and isinstance(blob, dict) and {"opt", "sched", "rng"} <= set(blob)):
            raise ValueError("state.json or optim.pt does not hold what a checkpoint writes")
    except (OSError, ValueError, EOFError, RuntimeError, pickle.UnpicklingError, SafetensorError) as exc:
        # a damaged file (a disk error, a copy cut short): named, with the way out, never a traceback
        raise InputError(f"{ckpt}: cannot read the checkpoint: {type(exc).__name__}: {exc}", hint=hint) from None
    target = accel.unwrap_model(model) if accel is not None else model
    peft.set_peft_model_state_dict(target, weights)
    opt.load_state_dict(blob["opt"])
    sched.load_state_dict(blob["sched"])
    torch.set_rng_state(blob["rng"])
    return state


# ------------------------------------------------------------------------------------------------------------
# The three stages
# ------------------------------------------------------------------------------------------------------------

@dataclasses.dataclass
class Run:
    """Everything one run holds between its stages."""
    cfg: TrainConfig
    out: Path
    ckpt: Path
    device: str
    rank: int
    world: int
    accel: Any
    tok: Any
    model: Any
    opt: Any
    sched: Any
    enc_train: list[dict[str, Any]]
    enc_hold: list[dict[str, Any]]
    dataset_sha: str
    base: dict[str, Any]
    total_steps: int
    state: dict[str, Any]
    config_doc: dict[str, Any]
    t_start: float
    counters: dict[str, float] = dataclasses.field(default_factory=lambda: {
        "examples": 0, "tokens": 0, "padded_tokens": 0, "compute_s": 0.0})


def prepare(cfg: TrainConfig, *, home: Any = None, context_tokens: int | None = None) -> tuple[list, list, str, dict]:
    """Plain-Python checks before anything heavy loads: OUT usable, every data line valid; then what a dataset build
    would fix in a raw --data file (notes; `context_tokens`: serving's [retrieve], None: that check skipped)."""
    check_out(cfg)  # a file in the way, a folder of other files, an adapter without --resume
    if cfg.init_adapter and init_adapter_kind(cfg.init_adapter) is None:
        raise InputError(f"{cfg.init_adapter}: not an adapter (a folder with adapter_model.safetensors, or a GGUF LoRA)")
    data = load_data(cfg.data)
    check_resume(cfg, data[2])  # --resume with other data or options than the checkpoint's
    say_raw_file_notes(cfg.data, home=home, context_tokens=context_tokens)
    return data


def setup(cfg: TrainConfig, data: tuple[list, list, str, dict], *, home: Any = None) -> Run:
    """Base model + tokenizer (fixed to match serving), encoded data, LoRA, optimizer and schedule; resumes from
    OUT/checkpoint when asked; writes OUT/training_config.json."""
    t_start = time.perf_counter()
    torch = require("torch", "train")
    tf = require("transformers", "train")
    require("peft", "train")
    train_rows, holdout_rows, dataset_sha, ds_cfg = data
    torch.set_num_threads(cfg.threads)
    omp = os.environ.get("OMP_NUM_THREADS", "").strip()
    if omp.isdigit() and int(omp) != cfg.threads:  # torch would follow it; --threads (default 2) replaces it here
        log(f"note: training uses threads={cfg.threads} (--threads), not OMP_NUM_THREADS={omp}")
    torch.manual_seed(cfg.seed)

    accel = None
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # launched by `accelerate launch`
        accelerate = require("accelerate", "train")
        accel = accelerate.Accelerator(gradient_accumulation_steps=1)
    rank = accel.process_index if accel else 0
    world = accel.num_processes if accel else 1
    device = str(accel.device) if accel else pick_device()
    if cfg.bf16 and device == "cpu" and cpu_has_bf16() is False:  # measured: > 16x slower than fp32 on AVX2 only
        log("warning: --bf16 on a CPU without avx512_bf16/AMX is emulated and many times slower than float32")

    from ragtune.appliance.home import Home

    base = resolve_base(cfg.base, home)
    hf_dir = hf_dir_for(base, (home or Home()).models_dir / "hf-bases")
    with lazy_imports("transformers"):  # its lazy modules import at first use
        tok = tf.AutoTokenizer.from_pretrained(str(hf_dir))
    model = load_model(hf_dir, qlora=cfg.qlora, device=device)
    fixes = fix_tokenizer(tok, model)
    for f in fixes:
        log(f"tokenizer fix: {f}")

    stale = sum(1 for ex in train_rows if ex["prompt"]["system"] != prompt.SYSTEM_PROMPT)
    if stale:  # serving renders prompt.SYSTEM_PROMPT: lines built under another one teach a prompt never seen
        log(f"warning: {stale} of {len(train_rows)} training lines carry a system prompt other than the one serving "
            "uses now (rebuild the dataset with `ragtune dataset build` to train on what serving shows)")
    ungrounded = sum(1 for ex in train_rows if not answer_in_sources(ex))
    if ungrounded:  # kept (a query-log answer may paraphrase), but said: such targets teach writing what no source says
        log(f"note: {ungrounded} of {len(train_rows)} training answers are not found in the sources they cite "
            f"(`ragtune dataset report {Path(cfg.data) / 'train.jsonl' if Path(cfg.data).is_dir() else cfg.data}` "
            "lists them by file and line)")
    # never truncated (a cut prompt or target teaches something serving never shows): skipped, counted and said
    encoded = [encode_example(tok, ex, cfg.weight_status, cfg.weight_citations) for ex in train_rows]
    enc_train = [e for e in encoded if len(e["input_ids"]) <= cfg.max_len]
    skipped = len(encoded) - len(enc_train)
    hold_all = [encode_example(tok, ex, 1.0, 1.0) for ex in spread(holdout_rows, cfg.max_holdout)]
    enc_hold = [e for e in hold_all if len(e["input_ids"]) <= cfg.max_len]
    if not enc_train:
        shortest = min((len(e["input_ids"]) for e in encoded), default=0)
        raise InputError(f"{cfg.data}: no training example fits max_len={cfg.max_len} (the shortest of "
                         f"{len(encoded)} is {shortest} tokens)", hint=f"--max-len {shortest} or more")
    if skipped or len(enc_hold) < len(hold_all):
        longest = max(len(e["input_ids"]) for e in encoded + hold_all)
        log(f"skipped examples longer than max_len={cfg.max_len} tokens (never truncated): {skipped} of "
            f"{len(encoded)} training, {len(hold_all) - len(enc_hold)} of {len(hold_all)} holdout; the longest is "
            f"{longest} tokens")

    model = add_lora(model, cfg, qlora=cfg.qlora)
    # continued training; a resumed run's checkpoint (loaded below) then replaces these weights with later ones
    init = load_init_adapter(model, cfg.init_adapter, cfg) if cfg.init_adapter else None
    if init:
        log(f"starting from {init['path']} ({init['modules']} LoRA modules)")
    check_resumed_base(recorded(Path(cfg.out)) if cfg.resume else None, base, init, Path(cfg.out))
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr, weight_decay=0.0)
    n_batches = math.ceil(len(enc_train) / cfg.batch_size)
    per_epoch = math.ceil(math.ceil(n_batches / world) / cfg.grad_accum)
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

    out = Path(cfg.out)
    ckpt = out / "checkpoint"
    state: dict[str, Any] = {"epoch": 0, "pos": 0, "step": 0, "best": None, "bad_epochs": 0, "history": [],
                             "seconds": 0.0, "batch_size": cfg.batch_size, "grad_accum": cfg.grad_accum}
    found = last_checkpoint(out) if cfg.resume else None
    if found is not None:
        state = _load_checkpoint(found, model, opt, sched, accel)
        shape = (state.get("batch_size", 1), state.get("grad_accum", cfg.grad_accum))
        if shape != (cfg.batch_size, cfg.grad_accum):
            raise InputError(f"{found}: the checkpoint was trained with batch_size={shape[0]}, grad_accum={shape[1]}",
                             hint="resume with the same --batch-size and --grad-accum")
        log(f"resumed at epoch {state['epoch'] + 1}, step {state['step']}")
    elif cfg.resume:
        log("no checkpoint to resume from; starting fresh")

    config_doc = {
        "config": recorded_config(cfg), "target_modules": cfg.target_modules, "lora_alpha": cfg.lora_alpha,
        "examples_per_step": cfg.examples_per_step, "base": base, "hf_base_dir": str(hf_dir),
        "dataset_sha256": dataset_sha, "dataset_build": ds_cfg.get("build_options"),
        "system_prompt_sha256": prompt.system_prompt_sha256(), "lines_with_another_system_prompt": stale,
        "answers_not_in_cited_sources": ungrounded,
        "tokenizer_fixes": fixes, "device": device, "init_adapter": init,
        "world_size": world, "train_examples": len(enc_train), "holdout_examples": len(enc_hold),
        "skipped_too_long": skipped, "skipped_too_long_holdout": len(hold_all) - len(enc_hold), "trainable_params": trainable, "steps_planned": total,
        "versions": {m: getattr(sys.modules.get(m), "__version__", None) for m in ("torch", "transformers", "peft")},
    }
    if rank == 0:
        atomic_write_json(out / "training_config.json", config_doc)
    log(f"{len(enc_train)} train / {len(enc_hold)} holdout examples, {trainable:,} trainable params "
        f"({cfg.targets}, r={cfg.r}), {total} optimizer steps of {cfg.examples_per_step} examples "
        f"(batch {cfg.batch_size} x accum {cfg.grad_accum}) on {device}, threads={cfg.threads}"
        + (f": {_cost(cfg, enc_train, total - state['step'])}" if device == "cpu" else ""))
    return Run(cfg=cfg, out=out, ckpt=ckpt, device=device, rank=rank, world=world, accel=accel, tok=tok, model=model,
               opt=opt, sched=sched, enc_train=enc_train, enc_hold=enc_hold, dataset_sha=dataset_sha, base=base,
               total_steps=total, state=state, config_doc=config_doc, t_start=t_start)


def _cost(cfg: TrainConfig, enc: list[dict[str, Any]], steps: int) -> str:
    """The CPU time the planned steps cost, said before the first one (which may take minutes on a busy box)."""
    n = min(steps * cfg.examples_per_step, cfg.epochs * len(enc))
    t = cfg.threads
    wall = "" if t == 1 else " (about half that in wall time on 2 idle cores)" if t == 2 else \
        f" (at best 1/{t} of that in wall time on {t} idle cores)"
    return cpu_cost(n, sum(len(e["input_ids"]) for e in enc) / len(enc)) + wall


def holdout_loss(run: Run) -> float | None:
    """Mean plain target loss over the holdout examples (batched like training)."""
    torch = require("torch", "train")
    if not run.enc_hold:
        return None
    model = run.model
    model.eval()
    # bitsandbytes (CPU, eval mode, no grad) repacks 4-bit weights in place for an inference kernel that needs
    # out_features % 32 == 0 and then keeps them packed; keep its layers on the training path while scoring.
    for m in model.modules():
        if type(m).__name__ in ("Linear4bit", "LinearNF4"):
            m.training = True
    lengths = [len(e["input_ids"]) for e in run.enc_hold]
    log(f"holdout loss over {len(lengths)} examples (--max-holdout; forward only, ≈ a third of a training example each)…")
    tot = 0.0
    with torch.no_grad():
        for batch in make_batches(lengths, run.cfg.batch_size, 0, 0):
            _, plain, _ = forward_batch(model, [run.enc_hold[i] for i in batch], run.tok.pad_token_id, run.device, run.cfg.bf16)
            tot += float(plain.sum())
    model.train()
    return tot / len(run.enc_hold)


def _step_info(run: Run, run_loss: float, run_n: int, t_run: float, steps_at_start: int) -> dict[str, Any]:
    st, c = run.state, run.counters
    sps = (time.perf_counter() - t_run) / max(1, st["step"] - steps_at_start)
    return {"epoch": st["epoch"] + 1, "step": st["step"], "total": run.total_steps,
            "loss": round(run_loss / max(1, run_n), 4), "s_per_step": round(sps, 2),
            "examples_per_s": round(c["examples"] / max(1e-9, c["compute_s"]), 3),
            "tokens_per_s": round(c["tokens"] / max(1e-9, c["compute_s"]), 1),
            "eta_s": round(sps * (run.total_steps - st["step"]))}


def loop(run: Run, progress: Progress | None = None) -> None:
    """Epochs of optimizer steps until the epochs, max_steps or early stopping end it."""
    torch = require("torch", "train")
    cfg, st, model, c = run.cfg, run.state, run.model, run.counters
    total = run.total_steps
    lengths = [len(e["input_ids"]) for e in run.enc_train]
    pad_id = run.tok.pad_token_id
    params = [p for p in model.parameters() if p.requires_grad]
    model.train()
    stop = bool(total and st["step"] >= total)
    t_run, steps_at_start = time.perf_counter(), st["step"]
    if stop and not (run.out / "adapter_model.safetensors").is_file():
        # resumed at its last step (stopped at a checkpoint, resumed with --max-steps = that step): finish it
        hl = holdout_loss(run)
        st["history"].append({"epoch": st["epoch"] + 1, "step": st["step"], "train_loss": None,
                              "holdout_loss": None if hl is None else round(hl, 4), "complete": False})
        log(f"finished at step {st['step']} from the checkpoint: holdout "
            f"{'n/a (no holdout lines)' if hl is None else st['history'][-1]['holdout_loss']}")
        st["best"] = hl
        if run.rank == 0:
            _save_adapter(model, run.out, run.accel)
    while st["epoch"] < cfg.epochs and not stop:
        batches = make_batches(lengths, cfg.batch_size, cfg.seed, st["epoch"])[run.rank::run.world]
        # the epoch's running loss so far: a run resumed mid-epoch continues its curve, not a new one
        run_loss, run_n = (st.get("run_loss", 0.0), st.get("run_n", 0)) if st["pos"] else (0.0, 0)
        micro, step_loss, step_n = 0, 0.0, 0
        while st["pos"] < len(batches):
            items = [run.enc_train[i] for i in batches[st["pos"]]]
            t0 = time.perf_counter()
            wl, plain, b = forward_batch(model, items, pad_id, run.device, cfg.bf16)
            scaled = wl.sum() / cfg.examples_per_step  # = the mean over the step's examples, as batch-1 did
            run.accel.backward(scaled) if run.accel else scaled.backward()
            run_loss += float(plain.detach().sum())
            run_n += len(items)
            step_loss += float(plain.detach().sum())
            step_n += len(items)
            micro += 1
            st["pos"] += 1
            if micro == cfg.grad_accum or st["pos"] == len(batches):
                torch.nn.utils.clip_grad_norm_(params, 1.0)
                run.opt.step()
                run.sched.step()
                run.opt.zero_grad(set_to_none=True)
                micro = 0
                st["step"] += 1
                st.setdefault("curve", []).append([st["step"], round(step_loss / max(1, step_n), 4)])
                step_loss, step_n = 0.0, 0
                st["run_loss"], st["run_n"] = run_loss, run_n
            c["compute_s"] += time.perf_counter() - t0
            c["examples"] += len(items)
            c["tokens"] += b["tokens"]
            c["padded_tokens"] += b["padded"]
            if micro == 0:
                info = _step_info(run, run_loss, run_n, t_run, steps_at_start)
                log(f"epoch {info['epoch']} step {info['step']}/{total} loss {info['loss']} {info['s_per_step']} s/step "
                    f"{info['examples_per_s']} ex/s {info['tokens_per_s']} tok/s eta {info['eta_s']} s")
                if st["step"] % cfg.save_every == 0 and run.rank == 0:
                    st["seconds"] += time.perf_counter() - t_run
                    t_run, steps_at_start = time.perf_counter(), st["step"]
                    _save_checkpoint(run.ckpt, model, run.opt, run.sched, st, run.accel)
                if progress:  # after the checkpoint: an interrupt here loses nothing
                    progress(info)
                if total and st["step"] >= total:
                    stop = True
                    break
        # end of epoch (or of max_steps): holdout loss, early stopping, keep the best adapter
        finished = st["pos"] >= len(batches)
        hl = holdout_loss(run)
        entry = {"epoch": st["epoch"] + 1, "step": st["step"], "train_loss": round(run_loss / max(1, run_n), 4),
                 "holdout_loss": None if hl is None else round(hl, 4), "complete": finished}
        st["history"].append(entry)
        log(f"epoch {entry['epoch']} {'done' if finished else 'stopped at max-steps'}: "
            f"train {entry['train_loss']} holdout {'n/a (no holdout lines)' if hl is None else entry['holdout_loss']}")
        improved = hl is None or st["best"] is None or hl < st["best"]
        if improved:
            st["best"] = hl
            st["bad_epochs"] = 0
            if run.rank == 0:
                _save_adapter(model, run.out, run.accel)
        elif finished:
            st["bad_epochs"] += 1
            if st["bad_epochs"] > cfg.patience:
                log("holdout loss stopped improving: early stop (keeping the best adapter)")
                stop = True
        if finished:  # a max-steps stop mid-epoch resumes mid-epoch
            st["epoch"] += 1
            st["pos"] = 0
        if run.rank == 0:
            st["seconds"] += time.perf_counter() - t_run
            t_run, steps_at_start = time.perf_counter(), st["step"]
            _save_checkpoint(run.ckpt, model, run.opt, run.sched, st, run.accel)
    st["seconds"] += time.perf_counter() - t_run


def finish(run: Run) -> dict[str, Any]:
    """metrics.json and adapter_manifest.json (sha256s + lineage); returns the metrics."""
    from ragtune.appliance.hashing import sha256_file

    st, c, cfg = run.state, run.counters, run.cfg
    metrics = {"epochs": st["history"], "best_holdout_loss": st["best"], "steps": st["step"],
               "loss_curve": st.get("curve", []),  # [optimizer step, its mean train loss], across resumes
               "train_seconds": round(st["seconds"], 1), "wall_seconds": round(time.perf_counter() - run.t_start, 1),
               "s_per_step": round(st["seconds"] / max(1, st["step"]), 2),
               # None when this invocation trained nothing (a finished run resumed to write its adapter)
               "examples_per_s": round(c["examples"] / max(1e-9, c["compute_s"]), 3) if c["examples"] else None,
               "tokens_per_s": round(c["tokens"] / max(1e-9, c["compute_s"]), 1) if c["examples"] else None,
               "padding_share": round(1 - c["tokens"] / max(1, c["padded_tokens"]), 4),
               "examples_this_run": int(c["examples"]), "device": run.device, "threads": cfg.threads,
               "batch_size": cfg.batch_size, "grad_accum": cfg.grad_accum, "dataset_sha256": run.dataset_sha}
    if run.rank == 0:
        atomic_write_json(run.out / "metrics.json", metrics)
        st_file = run.out / "adapter_model.safetensors"
        manifest = {
            "kind": "lora-hf", "adapter_sha256": sha256_file(st_file), "file": st_file.name,
            "base_id": run.base["sha256"], "base": run.base, "dataset_sha256": run.dataset_sha,
            "training_config_sha256": sha256_file(run.out / "training_config.json"),
            "r": cfg.r, "alpha": cfg.lora_alpha, "targets": cfg.targets, "target_modules": cfg.target_modules,
            "qlora": cfg.qlora, "seed": cfg.seed, "licence": "same as the base model",
            "init_adapter": run.config_doc.get("init_adapter"),
        }
        atomic_write_json(run.out / "adapter_manifest.json", manifest)
        metrics["adapter_sha256"] = manifest["adapter_sha256"]
    return metrics


def train(cfg: TrainConfig, *, home: Any = None, progress: Progress | None = None,
          context_tokens: int | None = None) -> dict[str, Any]:
    """Run (or resume) one training job; returns the metrics also written to OUT/metrics.json."""
    data = prepare(cfg, home=home, context_tokens=context_tokens)  # before torch: nothing imported, no OUT created
    run = setup(cfg, data, home=home)
    loop(run, progress)
    return finish(run)
