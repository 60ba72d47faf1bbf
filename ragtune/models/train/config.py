"""The training recipe as one validated dataclass (no torch here: a bad option is an error before anything heavy
loads). Every lever the recipe experiments turn is a field: LoRA targets, rank, alpha, dropout, epochs, lr, max
sequence length, loss weights on the status and citation tokens, batch shape, seed, threads.

A recipe can live in a file (`ragtune train --config recipe.toml`, JSON works too): its keys are these fields,
unknown keys are errors naming file and line; options given on the command line override it."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ragtune.appliance.errors import ConfigError, InputError
from ragtune.appliance.jsonl import check_file_unicode, json_key_line, read_json_object_text
from ragtune.appliance.tomltext import key_line, read_toml, section_line

# LoRA target presets. "all-linear" adds the MLP projections (SmolLM2/llama names).
TARGETS = {
    "attention": ["q_proj", "k_proj", "v_proj", "o_proj"],
    "all-linear": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"],
}
DEFAULT_BASE = "smollm2-135m-instruct-q4_1"
# The top level of a whole recipe beside its [train] table (ragtune.models.recipes: `name` and its SECTIONS; kept
# here because recipes sits above train; tests/models/test_train_run.py checks that the two agree).
WHOLE_RECIPE_KEYS = frozenset({"name", "dataset", "more_data", "train", "continue", "hard", "convert", "serving",
                               "eval"})


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
    alpha: int = 0  # 0 = 2 x r (the usual scaling)
    dropout: float = 0.05
    targets: str = "attention"  # a key of TARGETS
    batch_size: int = 1  # examples per forward pass (length-bucketed, padded); changes speed, not the loss
    grad_accum: int = 4  # forward passes per optimizer step: examples per step = batch_size * grad_accum
    max_len: int = 2048  # the serving n_ctx: longer examples are skipped (counted), never truncated
    weight_status: float = 2.0  # loss weight of the tokens of the status value ("ok" / "refused")
    weight_citations: float = 2.0  # loss weight of the tokens of each citation id
    warmup_steps: int = 5
    save_every: int = 20  # optimizer steps between checkpoints
    patience: int = 1  # epochs without holdout improvement before stopping
    max_holdout: int = 64  # holdout examples scored per evaluation
    seed: int = 0
    threads: int = 2  # torch CPU threads (explicit: oversubscription on a small shared box is 10-30x slower)
    bf16: bool = False  # autocast matmuls to bfloat16 (CUDA, or CPUs with avx512_bf16/AMX); LoRA weights stay fp32
    resume: bool = False
    init_adapter: str = ""  # continue from this adapter (peft folder or GGUF LoRA) instead of a fresh LoRA init

    def __post_init__(self) -> None:
        def check(ok: bool, key: str, msg: str) -> None:
            if not ok:
                raise ConfigError(f"train.{key}: {msg}")

        def is_int(v: Any) -> bool:
            return isinstance(v, int) and not isinstance(v, bool)

        def is_num(v: Any) -> bool:
            return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")

        for key in ("data", "out", "base", "init_adapter"):
            check(isinstance(getattr(self, key), str), key, "must be a string")
        for key in ("qlora", "bf16", "resume"):
            check(isinstance(getattr(self, key), bool), key, "must be true or false")
        check(is_int(self.epochs) and 1 <= self.epochs <= 3, "epochs", "must be 1..3")
        check(is_int(self.max_steps) and self.max_steps >= 0, "max_steps", "must be >= 0")
        check(is_num(self.lr) and 0 < self.lr < 1, "lr", "must be in (0, 1)")
        check(is_int(self.r) and 8 <= self.r <= 16, "r", "must be 8..16")
        check(is_int(self.alpha) and 0 <= self.alpha <= 256, "alpha", "must be 0..256 (0 = 2 x r)")
        check(is_num(self.dropout) and 0 <= self.dropout < 1, "dropout", "must be in [0, 1)")
        check(isinstance(self.targets, str) and self.targets in TARGETS, "targets",  # a list is unhashable
              f"must be one of {', '.join(TARGETS)}")
        check(is_int(self.batch_size) and 1 <= self.batch_size <= 256, "batch_size", "must be 1..256")
        check(is_int(self.grad_accum) and 1 <= self.grad_accum <= 1024, "grad_accum", "must be 1..1024")
        check(is_int(self.max_len) and 64 <= self.max_len <= 131072, "max_len", "must be 64..131072")
        for key in ("weight_status", "weight_citations"):
            check(is_num(getattr(self, key)) and 1 <= getattr(self, key) <= 10, key, "must be 1..10")
        check(is_int(self.warmup_steps) and self.warmup_steps >= 0, "warmup_steps", "must be >= 0")
        check(is_int(self.save_every) and self.save_every >= 1, "save_every", "must be >= 1")
        check(is_int(self.patience) and self.patience >= 0, "patience", "must be >= 0")
        check(is_int(self.max_holdout) and self.max_holdout >= 0, "max_holdout", "must be >= 0")
        check(is_int(self.threads) and 1 <= self.threads <= 256, "threads", "must be 1..256")
        check(is_int(self.seed) and self.seed >= 0, "seed", "must be >= 0")

    @property
    def target_modules(self) -> list[str]:
        return list(TARGETS[self.targets])

    @property
    def lora_alpha(self) -> int:
        return self.alpha or 2 * self.r

    @property
    def examples_per_step(self) -> int:
        return self.batch_size * self.grad_accum

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


# fp32 forward + backward of the served 135M model on a CPU, batch 1: ≈ 0.01 CPU-s per prompt token (docs/tuning.md,
# "Cost on CPU": 4.9 CPU-s per 512-token example, 10.2 per 1,024). What a run will cost is said before it starts.
CPU_S_PER_TOKEN = 0.0097


def cpu_cost(examples: int, mean_tokens: float) -> str:
    """'≈ 16 CPU-minutes': the CPU time of training on that many examples of that mean length."""
    s = examples * mean_tokens * CPU_S_PER_TOKEN
    if s < 120:
        return f"≈ {max(1, round(s))} CPU-seconds"
    return f"≈ {round(s / 60)} CPU-minutes" if s < 2 * 3600 else f"≈ {s / 3600:.1f} CPU-hours"


# the names peft / transformers give these levers, which a recipe written from their docs uses
_ALIASES = {"learning_rate": "lr", "rank": "r", "lora_r": "r", "lora_alpha": "alpha", "lora_dropout": "dropout",
            "num_epochs": "epochs", "num_train_epochs": "epochs", "target_modules": "targets",
            "per_device_train_batch_size": "batch_size", "gradient_accumulation_steps": "grad_accum",
            "max_seq_len": "max_len", "max_seq_length": "max_len", "max_length": "max_len",
            "warmup": "warmup_steps", "save_steps": "save_every", "num_threads": "threads"}


def read_recipe(path: Path | str) -> dict[str, Any]:
    """Recipe keys from a .toml or .json file; unknown keys are a ConfigError naming file and line."""
    path = Path(path)
    if path.suffix == ".json":
        try:
            raw, text = read_json_object_text(path)  # an object, or an error naming file and line
            # a person's file, its strings stored and shown (a TOML recipe cannot hold a "\udce9" at all)
            check_file_unicode(raw, text, path)
        except InputError as exc:
            raise ConfigError(exc.message, hint=exc.hint) from None
    else:
        raw = read_toml(path, "the recipe")[1]
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    if isinstance(raw.get("train"), dict):
        # a [train] table is fine too, and the only table read from a whole recipe (ragtune/models/recipes/); a
        # training key beside it, or a table no recipe has, would be silently ignored: an error instead
        outside = sorted(k for k in raw if k not in WHOLE_RECIPE_KEYS)
        if outside:
            stray = [k for k in outside if k in known]
            line = _top_line(path, outside[0])
            raise ConfigError(f"{path}{line}: " + (f"{', '.join(stray)} outside the [train] table (not read)" if stray
                              else f"unknown key(s) or table(s): {', '.join(outside)}"),
                              hint="training options go in [train]; a whole recipe's tables: "
                                   f"{', '.join(sorted(WHOLE_RECIPE_KEYS))}")
        raw, table = raw["train"], "train"
    else:
        table = None
    unknown = sorted(set(raw) - known)
    if unknown:
        import difflib

        near = {k: [_ALIASES[k]] if k in _ALIASES else difflib.get_close_matches(k, known, n=1, cutoff=0.75)
                for k in unknown}
        guess = "; ".join(f"{k}: did you mean {m[0]}?" for k, m in near.items() if m)
        # `file:line:` of the first unknown key in the file, as every file the product reads is named
        lines = [n for n in (_key_line(path, table, k, raw[k]) for k in unknown) if n]
        raise ConfigError(f"{path}{f':{min(lines)}' if lines else ''}: unknown key(s): {', '.join(unknown)}",
                          hint=(f"{guess} " if guess else "") + f"known: {', '.join(sorted(known))}")
    return raw


def make_config(recipe: Path | str | None = None, **overrides: Any) -> TrainConfig:
    """A validated TrainConfig: defaults < recipe file < explicit overrides (None = not given)."""
    from_recipe: dict[str, Any] = read_recipe(recipe) if recipe else {}
    given = {k: v for k, v in overrides.items() if v is not None}
    values = {**from_recipe, **given}
    try:
        return TrainConfig(**values)
    except ConfigError as exc:
        key = exc.message.split(":", 1)[0].removeprefix("train.")
        if recipe and key in from_recipe and key not in given:  # the recipe's value: `file:line: train.KEY: …`
            raise ConfigError(f"{recipe}{_recipe_line(Path(recipe), key)}: {exc.message}") from None
        raise
    except TypeError as exc:  # an unknown keyword from code
        raise ConfigError(f"train: {exc}") from None


def _recipe_line(path: Path, key: str) -> str:
    """':LINE' of `key` in a recipe file (TOML: top level or in [train]; JSON: the line naming it), or ''."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    line = (json_key_line(text, key) if path.suffix == ".json"
            else key_line(text, "train", key) or key_line(text, None, key))
    return f":{line}" if line else ""


def _key_line(path: Path, table: str | None, key: str, value: Any) -> int | None:
    """The line of `key` (holding `value`) at the top level (table None) or in the [train] table of a recipe file,
    or None."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    if path.suffix == ".json":
        return json_key_line(text, *([table] if table else []), key)
    line = key_line(text, table, key)
    while line is None and isinstance(value, dict) and value:  # a dotted key (`lora.r = 8`) is one level down
        table, (key, value) = f"{table}.{key}" if table else key, next(iter(value.items()))
        line = key_line(text, table, key)
    return line


def _top_line(path: Path, name: str) -> str:
    """':LINE' of a top-level key or table of a recipe file, or ''."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    line = json_key_line(text, name) if path.suffix == ".json" else section_line(text, name)
    return f":{line}" if line else ""
