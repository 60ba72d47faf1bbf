"""The training run's folder (OUT): what may be written into it, what a `--resume` must match, and the leftovers a
killed process leaves beside the checkpoint. Plain Python (no torch): every check here runs before the model loads.

A run is the folder `ragtune train` writes: training_config.json (written once the model has loaded), checkpoint/,
the adapter files, metrics.json, adapter_manifest.json. Anything else in OUT is a user's: `train` never writes into a
folder that holds other files (the adapter would land beside them and a later `convert lora OUT` would take it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ragtune.appliance.atomic import check_folder, sweep_stale
from ragtune.appliance.errors import InputError
from ragtune.appliance.jsonl import loads_located

from .config import TrainConfig

# What a run's folder may hold (peft also writes a README.md beside the adapter).
RUN_FILES = {"training_config.json", "metrics.json", "adapter_manifest.json", "adapter_config.json",
             "adapter_model.safetensors", "README.md", "checkpoint"}
# The options a resumed run must share with the checkpoint's: they define the model, the data order and the
# optimizer's schedule. The others (epochs, max_steps, threads, bf16, save_every, patience, max_holdout, the data's
# path) may change between sessions.
RUN_KEYS = ("qlora", "lr", "r", "alpha", "dropout", "targets", "batch_size", "grad_accum", "max_len",
            "weight_status", "weight_citations", "warmup_steps", "seed")


def _is_ours(name: str) -> bool:
    """A file a run writes, or the hidden leftovers of its atomic writes (.checkpoint.*, .adapter.*, .<file>.*)."""
    return name in RUN_FILES or (name.startswith(".") and any(name.startswith(f".{f}.") for f in
                                                               (*RUN_FILES, "adapter")))


def check_out(cfg: TrainConfig) -> Path:
    """OUT usable for this run: a new or empty folder, or a run's folder (with --resume when it holds an adapter or a
    checkpoint)."""
    if not cfg.out:
        raise InputError("train: --out is required")
    out = check_folder(Path(cfg.out))  # a file at OUT or above it: refused before the model loads
    if not out.is_dir():
        return out
    # logs beside a run are common (`ragtune train --out D 2> D/train.log` creates one first); a collected GPU run
    # (benchmarks/gpu_train.sh collect) also brings its .txt reports
    run = (out / "training_config.json").is_file()
    others = sorted(p.name for p in out.iterdir() if not (_is_ours(p.name) or p.name.endswith(".log")
                                                           or (run and p.name.endswith(".txt"))))
    if others:
        shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
        raise InputError(f"{out}: exists and is not a training run (it holds {shown})",
                         hint="pick a new or empty --out: train writes its adapter and checkpoints there")
    if (out / "adapter_model.safetensors").exists() and not cfg.resume:
        raise InputError(f"{out}: already holds a trained adapter", hint="pick a new --out, or --resume")
    ckpt = last_checkpoint(out)
    if ckpt is not None and not cfg.resume:
        # training afresh would replace the checkpoint of a run that was stopped: a `kill -9` prints no resume
        # hint, so this refusal is where the user learns it
        raise InputError(f"{out}: holds a checkpoint{_step_of(ckpt)} of an interrupted run: pass --resume to "
                         f"continue it, or choose another --out",
                         hint="training into it without --resume would start again at step 1 and replace the "
                              "checkpoint")
    return out


def last_checkpoint(out: Path) -> Path | None:
    """The checkpoint a --resume continues from (the training loop's and the run-folder checks' one rule):
    OUT/checkpoint, else the one a kill between a swap's two renames left renamed aside (.checkpoint.old-*). None:
    no complete checkpoint."""
    for p in [out / "checkpoint", *sorted(out.glob(".checkpoint.old-*"))]:
        if (p / "state.json").is_file():
            return p
    return None


def _step_of(ckpt: Path) -> str:
    """' at step N' from the checkpoint's state.json; '' when it does not say (a damaged one is named by --resume,
    which reads it)."""
    try:
        state = loads_located((ckpt / "state.json").read_bytes(), ckpt / "state.json")
    except (OSError, InputError):
        return ""
    step = state.get("step") if isinstance(state, dict) else None
    return f" at step {step}" if isinstance(step, int) and not isinstance(step, bool) else ""


def recorded(out: Path) -> dict[str, Any] | None:
    """OUT/training_config.json of an earlier session that got as far as a checkpoint or an adapter, else None
    (a run killed before its first checkpoint starts afresh: nothing of it is kept)."""
    path = out / "training_config.json"
    if not path.is_file():
        return None
    if not ((out / "checkpoint").is_dir() or any(out.glob(".checkpoint.old-*"))
            or (out / "adapter_model.safetensors").is_file()):
        return None
    hint = "train into a new --out, or move this folder aside"
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read the run's training config ({exc})", hint=hint) from None
    doc = loads_located(raw, path, "cannot read the run's training config: invalid JSON", hint=hint)
    if not isinstance(doc, dict) or not isinstance(doc.get("config"), dict):
        raise InputError(f"{path}: not a training config as `ragtune train` writes it",
                         hint="train into a new --out, or move this folder aside")
    return doc


def check_resume(cfg: TrainConfig, dataset_sha: str) -> dict[str, Any] | None:
    """With --resume: the recorded run's data and run-defining options must be this run's, else an InputError naming
    training_config.json and every difference (before torch: a mismatch was a state-dict traceback, or worse, a run
    silently continued on other data). Returns the recorded config (None: nothing to resume)."""
    out = Path(cfg.out)
    doc = recorded(out) if cfg.resume else None
    if doc is None:
        return None
    old = doc["config"]
    diffs = [f"{k}={old.get(k)!r} (now {getattr(cfg, k)!r})" for k in RUN_KEYS
             if k in old and old.get(k) != getattr(cfg, k)]
    if doc.get("dataset_sha256") not in (None, dataset_sha):
        diffs.insert(0, f"dataset_sha256={str(doc['dataset_sha256'])[:12]}… (now {dataset_sha[:12]}… from {cfg.data})")
    if diffs:
        raise InputError(f"{out / 'training_config.json'}: --resume with other settings than the run's: "
                         + "; ".join(diffs),
                         hint="resume with the run's data and options, or train into a new --out")
    return doc


def check_resumed_base(doc: dict[str, Any] | None, base: dict[str, Any], init: dict[str, Any] | None,
                       out: Path) -> None:
    """The base (and --init-adapter) a resumed run loads must be the recorded ones (compared by sha256)."""
    if doc is None:
        return
    was = (doc.get("base") or {}).get("sha256")
    if was and was != base.get("sha256") and not _legacy_hf(was, base):
        raise InputError(f"{out / 'training_config.json'}: --resume on another base model: the run was trained on "
                         f"{(doc.get('base') or {}).get('path')} (sha256 {was[:12]}…), now {base.get('path')} "
                         f"(sha256 {str(base.get('sha256'))[:12]}…)", hint="resume with the run's --base")
    old_init = (doc.get("init_adapter") or {}).get("sha256")
    if old_init != ((init or {}).get("sha256")):
        raise InputError(f"{out / 'training_config.json'}: --resume from another --init-adapter than the run's "
                         f"({(doc.get('init_adapter') or {}).get('path') or 'none'})",
                         hint="resume with the run's --init-adapter")


def _legacy_hf(was: str, base: dict[str, Any]) -> bool:
    """A run recorded before round 48 on this Hugging Face folder: its id then hashed the weights and config.json."""
    if base.get("kind") != "hf" or not base.get("path"):
        return False
    from .model import legacy_hf_sha256  # model.py imports torch lazily only: cheap

    try:
        return legacy_hf_sha256(base["path"]) == was
    except OSError:
        return False


def clean_leftovers(ckpt: Path) -> None:
    """After a checkpoint is complete: clear what killed processes left beside it (a half-written
    `.checkpoint.*.part`, a `.checkpoint.old-*` renamed aside) and half-saved adapters (`.adapter.*.part`) in OUT.
    atomic.sweep_stale, not a glob: a temporary another live `train` on this folder holds locked is its work in
    progress (a second run, or a --resume started while the first still writes), never a leftover."""
    sweep_stale(ckpt.parent, ckpt.name)
    sweep_stale(ckpt.parent, "adapter")


def sort_target_modules(folder: Path) -> None:
    """peft writes adapter_config.json's `target_modules` from a set (its order follows PYTHONHASHSEED): sorted here,
    as peft writes the file (indent 2, sorted keys), so the same run gives the same bytes and the same lora-hf id."""
    import json

    path = folder / "adapter_config.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # peft wrote none, or not JSON: check_adapter_dir says so where it is read
    mods = doc.get("target_modules") if isinstance(doc, dict) else None
    if isinstance(mods, list) and all(isinstance(m, str) for m in mods) and mods != sorted(mods):
        doc["target_modules"] = sorted(mods)
        path.write_text(json.dumps(doc, indent=2, sort_keys=True), encoding="utf-8")
