"""The base model for training: resolve it (a Hugging Face folder, or a GGUF dequantized once and cached), make its
tokenizer match what serving expects, load it (full precision or 4-bit NF4 for QLoRA) and add the LoRA layers."""

from __future__ import annotations

import hashlib
import re
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from ragtune.appliance.atomic import atomic_path, sweep_legacy
from ragtune.appliance.errors import ExtraLoadError, InputError, ModelError, RagtuneError, require
from ragtune.appliance.jsonl import loads_located

from .config import DEFAULT_BASE, TrainConfig

# The per-process dequantize temporary of versions before round 39 (`SHA16-hf.tmpPID`, unlocked): a killed run's
# multi-GB copy stayed in the cache for good
OLD_HF_TEMP = re.compile(r"^[0-9a-f]{16}-hf\.tmp(?P<pid>[0-9]+)$")

# Not in any extra: Python 3.12+ venvs lack setuptools, and triton 2.x (PyPI's CUDA torch brings it) imports it
# when peft/transformers reach bitsandbytes; reinstalling ragtune[train] does not bring it back
_NOT_IN_EXTRAS = {"setuptools": "pip install setuptools", "pkg_resources": "pip install setuptools",
                  "distutils": "pip install setuptools"}


def log(msg: str) -> None:
    print(f"[train] {msg}", file=sys.stderr, flush=True)


def _import_error(exc: BaseException) -> ImportError | None:
    """The ImportError `exc` is or was raised from (transformers' lazy modules raise RuntimeError from it)."""
    seen: list[BaseException] = []
    while exc is not None and all(exc is not e for e in seen):
        if isinstance(exc, ImportError):
            return exc
        seen.append(exc)
        exc = exc.__cause__  # not __context__: an ImportError handled earlier (an optional import) is not the cause
    return None


def import_failed(module: str, exc: BaseException) -> ExtraLoadError | None:
    """ExtraLoadError naming the missing module and its fix when `exc` comes from an import that `module` (peft,
    transformers) does lazily, at a call rather than at its own import: else None."""
    imp = _import_error(exc)
    if imp is None:
        return None
    missing = (imp.name or "").split(".")[0] if isinstance(imp, ModuleNotFoundError) else ""
    stale = _stale_importer(imp, missing)
    if stale is not None:
        return ExtraLoadError(module, stale[0], hint=stale[1])
    if missing in _NOT_IN_EXTRAS:
        return ExtraLoadError(module, f"a module it loads needs '{missing}', which is not installed",
                              hint=f"{_NOT_IN_EXTRAS[missing]}  (Python 3.12+ venvs come without it)")
    why = f"a module it loads needs '{missing}', which is not installed" if missing else " ".join(str(imp).split())[:300]
    # transformers' own "requires bitsandbytes: `pip install -U bitsandbytes>=0.46.1`" already names the fix
    return ExtraLoadError(module, why, hint=None if not missing and "pip install" in why else "pip install 'ragtune[train]'")


def _stale_importer(imp: ImportError, missing: str) -> tuple[str, str] | None:
    """(why, hint) when `missing` is installed but lacks the submodule asked for: a package older than its dependency
    (bitsandbytes < 0.45.1 imports `triton.ops`, which triton 3.2+, brought by torch 2.6+, dropped). Saying
    "'triton' is not installed" sent users to reinstall the extra, which changes nothing."""
    import importlib.util
    from importlib import metadata

    if not missing or imp.name == missing:
        return None
    try:
        if importlib.util.find_spec(missing) is None:
            return None
    except (ImportError, ValueError):
        return None
    importer, tb = "", imp.__traceback__
    while tb is not None:  # the innermost frame outside importlib: the package whose code ran the import
        name = str(tb.tb_frame.f_globals.get("__name__", ""))
        if name and not name.startswith(("importlib", "_frozen_importlib")):
            importer = name.split(".")[0]
        tb = tb.tb_next
    try:
        have = f"{missing} {metadata.version(missing)}"
    except metadata.PackageNotFoundError:
        have = missing
    if not importer or importer == missing:
        return f"it needs '{imp.name}', which the installed {have} does not have", f"pip install --force-reinstall {missing}"
    return (f"'{importer}' needs '{imp.name}', which the installed {have} no longer has (a release of {importer} older "
            f"than its {missing})", f"pip install -U {importer}")


@contextmanager
def lazy_imports(module: str) -> Iterator[None]:
    """Turn an import that `module` does lazily inside the block (peft reaching bitsandbytes, triton, setuptools)
    into ExtraLoadError, not an internal error; re-hint require()'s own error when the fix is not the extra."""
    try:
        yield
    except ExtraLoadError as exc:
        imp = _import_error(exc.__cause__) if exc.__cause__ is not None else None
        if isinstance(imp, ModuleNotFoundError) and (imp.name or "").split(".")[0] in _NOT_IN_EXTRAS:
            raise import_failed(exc.module, imp) from exc  # type: ignore[misc]
        stale = _stale_importer(imp, (imp.name or "").split(".")[0]) if isinstance(imp, ModuleNotFoundError) else None
        if stale is not None:  # require('bitsandbytes') itself failing on triton.ops (QLoRA)
            raise ExtraLoadError(exc.module, stale[0], hint=stale[1]) from exc
        raise
    except RagtuneError:
        raise
    except Exception as exc:
        err = import_failed(module, exc)
        if err is None:
            raise
        raise err from exc


def resolve_base(base: str, home: Any = None) -> dict[str, Any]:
    """{'kind': 'hf'|'gguf', 'path': …, 'sha256': …} for a base argument ('' = the default GGUF)."""
    from ragtune.appliance.default_models import locate_all
    from ragtune.appliance.hashing import sha256_file, sha256_path

    if not base:
        p = Path(locate_all(DEFAULT_BASE, home)[0]) if home is not None else Path(locate_all(DEFAULT_BASE)[0])
        return {"kind": "gguf", "path": str(p), "sha256": sha256_file(p), "name": DEFAULT_BASE}
    p = Path(base).expanduser()
    if p.is_file() and p.suffix == ".gguf":
        return {"kind": "gguf", "path": str(p.resolve()), "sha256": sha256_file(p)}
    if p.is_dir() and (p / "config.json").is_file():
        # the registry's folder hash (its id as an hf-model; what `convert lora --base FOLDER` records): one base,
        # one id across the lineage (round 48; before, a hash of the weights and config.json only: legacy_hf_sha256)
        return {"kind": "hf", "path": str(p.resolve()), "sha256": sha256_path(p)}
    if p.is_dir():
        ggufs = sorted(p.glob("*.gguf"))
        if len(ggufs) == 1:
            return resolve_base(str(ggufs[0]))
    raise InputError(f"{base}: not a Hugging Face model folder (config.json) nor a .gguf file")


def legacy_hf_sha256(folder: Path | str) -> str:
    """The id trainers before round 48 recorded for a Hugging Face base folder (its weights and config.json): a run
    recorded so may still be resumed on that folder (runfolder.check_resumed_base)."""
    from ragtune.appliance.hashing import sha256_file

    p = Path(folder)
    h = hashlib.sha256()
    for f in sorted(p.glob("*.safetensors")) + sorted(p.glob("*.bin")) + [p / "config.json"]:
        h.update(f.name.encode())
        h.update(sha256_file(f).encode())
    return h.hexdigest()


def hf_dir_for(base: dict[str, Any], cache_root: Path) -> Path:
    """A Hugging Face folder for the base: itself, or the GGUF dequantized once through transformers and cached
    (keyed by the GGUF's sha256) so that QLoRA, resumes and the converter all load the same weights."""
    if base["kind"] == "hf":
        return Path(base["path"])
    out = cache_root / f"{base['sha256'][:16]}-hf"
    sweep_legacy(cache_root, OLD_HF_TEMP)  # before the cache test: a finished copy may sit beside a killed run's
    if (out / "config.json").is_file() and any(out.glob("*.safetensors")):
        _drop_gguf_copy(out)  # a copy cached by an earlier version under transformers 4.x
        return out
    with lazy_imports("transformers"):
        torch = require("torch", "train")
        tf = require("transformers", "train")
    gg = Path(base["path"])
    log(f"dequantizing {gg.name} through transformers (once; cached in {out})")
    try:
        tok = tf.AutoTokenizer.from_pretrained(str(gg.parent), gguf_file=gg.name)
        model = tf.AutoModelForCausalLM.from_pretrained(str(gg.parent), gguf_file=gg.name, dtype=torch.float32)
    except Exception as exc:  # transformers raises many types for unsupported GGUFs; or a lazy import failed
        raise (import_failed("transformers", exc) or
               ModelError(f"{gg}: cannot load this GGUF through transformers: {exc}")) from None
    # transformers marks GGUF-loaded models as "quantized" and refuses to save them, but the tensors are already
    # dequantized float32 Linear weights: drop the marker (verified: identical logits after a save/load round trip)
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.is_quantized = False
    forget_gguf_vocab(tok)
    # a locked temporary per process (two runs may dequantize at once: the first to finish wins, the copies are
    # identical); a killed one's multi-GB temporary is swept by the next dequantize of this base
    with atomic_path(out, folder=True, keep_existing=True) as tmp:
        model.save_pretrained(tmp)
        tok.save_pretrained(tmp)
        try:
            out.rmdir()  # an empty folder is no copy: replaced, as a rename would (a complete one is never empty)
        except OSError:
            pass
    return out


def forget_gguf_vocab(tok: Any) -> None:
    """transformers 4.x keeps a GGUF-loaded tokenizer's .gguf as its `vocab_file` and save_pretrained copies it to
    tokenizer.model: the whole model again, and llama.cpp's convert_hf_to_gguf then reads it as a SentencePiece
    model ("could not parse ModelProto from …/tokenizer.model"). The fast tokenizer (tokenizer.json) is complete."""
    if str(getattr(tok, "vocab_file", None) or "").endswith(".gguf"):
        tok.vocab_file = None


def _drop_gguf_copy(folder: Path) -> None:
    f = folder / "tokenizer.model"
    try:
        with open(f, "rb") as fh:
            if fh.read(4) == b"GGUF":
                f.unlink()
    except OSError:  # none (the usual case), or unreadable: left as it is
        pass


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


def cpu_has_bf16() -> bool | None:
    """Whether this CPU computes bfloat16 natively (avx512_bf16 or AMX); None when it cannot be told."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("flags"):
                    flags = set(line.split(":", 1)[1].split())
                    return bool(flags & {"avx512_bf16", "amx_bf16"})
    except OSError:
        return None
    return None


def pick_device() -> str:
    torch = require("torch", "train")
    return "cuda" if torch.cuda.is_available() else "cpu"


def load_model(hf_dir: Path, *, qlora: bool, device: str) -> Any:
    with lazy_imports("transformers"):
        return _load_model(hf_dir, qlora=qlora, device=device)


def _load_model(hf_dir: Path, *, qlora: bool, device: str) -> Any:
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
    except Exception as exc:  # a lazy import (bitsandbytes for QLoRA) is an ExtraLoadError, not "cannot load"
        raise (import_failed("transformers", exc) or ModelError(f"{hf_dir}: cannot load the base model: {exc}")) from None
    if not qlora:
        model.to(device)
    return model


def add_lora(model: Any, cfg: TrainConfig, *, qlora: bool) -> Any:
    # peft imports bitsandbytes lazily, here, and through it triton (which needs setuptools on Python 3.12+)
    with lazy_imports("peft"):
        return _add_lora(model, cfg, qlora=qlora)


def _add_lora(model: Any, cfg: TrainConfig, *, qlora: bool) -> Any:
    peft = require("peft", "train")
    if qlora:
        model = peft.prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    lcfg = peft.LoraConfig(r=cfg.r, lora_alpha=cfg.lora_alpha, lora_dropout=cfg.dropout, target_modules=cfg.target_modules,
                           bias="none", task_type="CAUSAL_LM")
    import warnings

    with warnings.catch_warnings():  # peft asks transformers a deprecated name: a FutureWarning in every run's output
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        return peft.get_peft_model(model, lcfg)


# GGUF LoRA tensor names (llama.cpp's convert_lora_to_gguf) -> the Hugging Face module they adapt
_GGUF_MODULES = {"attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
                 "attn_output": "self_attn.o_proj", "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj",
                 "ffn_down": "mlp.down_proj"}


def _unpermute_rope(w: Any, n_head: int) -> Any:
    """Undo llama.cpp's q/k row permutation (its converter reorders each head's rows for its RoPE layout)."""
    return w.reshape(n_head, w.shape[0] // n_head // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _gguf_lora_tensors(path: Path, model_config: Any) -> tuple[dict[str, Any], float | None]:
    """{hf module path: (lora_A, lora_B)} as numpy arrays, and the file's alpha."""
    from ragtune.appliance.ggufinfo import check_gguf_kind

    check_gguf_kind(path, lora=True)  # a model, or not a GGUF at all: a clear GGUFError (an InputError)
    gguf = require("gguf", "convert")
    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as exc:  # the reader raises bare ValueError/struct errors on a damaged file
        raise InputError(f"{path}: not a readable GGUF file: {exc}") from None
    fields = reader.fields
    alpha = fields["adapter.lora.alpha"].contents() if "adapter.lora.alpha" in fields else None
    n_head = model_config.num_attention_heads
    n_kv = getattr(model_config, "num_key_value_heads", None) or n_head
    pairs: dict[str, dict[str, Any]] = {}
    for t in reader.tensors:
        parts = t.name.split(".")  # blk.{i}.{module}.weight.lora_{a,b}
        if len(parts) != 5 or parts[0] != "blk" or parts[2] not in _GGUF_MODULES or parts[4] not in ("lora_a", "lora_b"):
            raise InputError(f"{path}: unexpected tensor {t.name!r} (only per-layer projection LoRAs are read)")
        w = t.data.astype("float32").reshape([int(d) for d in reversed(t.shape)])
        if parts[4] == "lora_b" and parts[2] in ("attn_q", "attn_k"):
            w = _unpermute_rope(w, n_head if parts[2] == "attn_q" else n_kv)
        key = f"model.layers.{int(parts[1])}.{_GGUF_MODULES[parts[2]]}"
        pairs.setdefault(key, {})[parts[4]] = w
    return {k: (v.get("lora_a"), v.get("lora_b")) for k, v in pairs.items()}, alpha


def init_adapter_kind(path: str | Path) -> str | None:
    """"peft" (a folder with adapter_model.safetensors), "gguf" (a .gguf file) or None: checked before torch loads."""
    p = Path(path).expanduser()
    if (p / "adapter_model.safetensors").is_file():
        return "peft"
    return "gguf" if p.is_file() and p.suffix == ".gguf" else None


def load_init_adapter(model: Any, path: str, cfg: TrainConfig) -> dict[str, Any]:
    """Start training from an adapter trained before (a peft folder or a GGUF LoRA): continued training keeps the
    lineage (the start adapter's sha256 goes into the config and metrics). Its rank, alpha and targets must match
    this run's, so the result is one adapter of the same shape."""
    import numpy as np

    from ragtune.appliance.hashing import sha256_file

    torch = require("torch", "train")
    p = Path(path).expanduser()
    kind = init_adapter_kind(p)
    if kind == "peft":
        require("safetensors", "train")
        from safetensors import SafetensorError
        from safetensors.numpy import load_file

        src = p / "adapter_model.safetensors"
        try:
            raw = load_file(str(src))
        except (OSError, SafetensorError) as exc:  # a damaged or truncated file
            raise InputError(f"{src}: not a readable safetensors file: {exc}") from None
        pairs: dict[str, Any] = {}
        for name, w in raw.items():  # base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight
            mod, _, rest = name.partition(".lora_")
            pairs.setdefault(mod.removeprefix("base_model.model."), {})[rest[:1].lower()] = w
        tensors = {k: (v.get("a"), v.get("b")) for k, v in pairs.items()}
        try:
            alpha = loads_located((p / "adapter_config.json").read_bytes(), p / "adapter_config.json").get("lora_alpha")
        except (OSError, AttributeError, InputError):  # missing or damaged (a long number, [[[[… too): not checked
            alpha = None
        if isinstance(alpha, bool) or not isinstance(alpha, (int, float, type(None))):
            raise InputError(f"{p / 'adapter_config.json'}: lora_alpha must be a number, got {alpha!r}")
    elif kind == "gguf":
        src = p
        tensors, alpha = _gguf_lora_tensors(p, model.config)
    else:
        raise InputError(f"{path}: not an adapter (a folder with adapter_model.safetensors, or a GGUF LoRA)")
    if alpha is not None and float(alpha) != float(cfg.lora_alpha):
        raise InputError(f"{path}: its LoRA alpha is {alpha:g}, this run's is {cfg.lora_alpha}", hint="pass the same --alpha")
    lora_mods = {n.removeprefix("base_model.model."): m for n, m in model.named_modules()
                 if "default" in getattr(m, "lora_A", {})}
    if set(tensors) != set(lora_mods):
        missing = sorted(set(lora_mods) - set(tensors))[:3]
        extra = sorted(set(tensors) - set(lora_mods))[:3]
        raise InputError(f"{path}: its LoRA modules differ from this run's ({cfg.targets}, r={cfg.r}): "
                         f"missing {missing}, extra {extra}", hint="pass the same --targets")
    with torch.no_grad():
        for name, mod in lora_mods.items():
            a, b = tensors[name]
            wa, wb = mod.lora_A["default"].weight, mod.lora_B["default"].weight
            if a is None or b is None or tuple(a.shape) != tuple(wa.shape) or tuple(b.shape) != tuple(wb.shape):
                raise InputError(f"{path}: {name}: LoRA shapes {None if a is None else tuple(a.shape)} / "
                                 f"{None if b is None else tuple(b.shape)} do not fit r={cfg.r}", hint="pass the same --r")
            wa.copy_(torch.from_numpy(np.ascontiguousarray(a, dtype=np.float32)))
            wb.copy_(torch.from_numpy(np.ascontiguousarray(b, dtype=np.float32)))
    return {"path": str(p.resolve()), "sha256": sha256_file(src), "modules": len(lora_mods)}
