"""Recipes: `default.toml` (the built-in default adapter's) and the reader behind `ragtune tune default --recipe`.

A recipe file holds, in one place, everything a rebuild needs:
- `name`: the adapter's name (`ragtune-default` is the one served by default);
- `[dataset]`: `ragtune dataset build` options (ragtune.models.build.DatasetOptions fields; dev domains and
  query-log exports are refused: a recipe trains on the repository's own labelled questions);
- `[more_data]` (optional): a second build (the same keys), e.g. another question file of the domains
  (`questions = "contrast"`), curated on its own and appended to [dataset]'s lines (`ragtune dataset merge`);
- `[train]`: `ragtune train` options (TrainConfig fields, less data/out/resume, which the rebuild sets);
- `[continue]` (optional): a second `ragtune train` on the same data that starts from the first one's adapter
  (`--init-adapter`); its keys override `[train]`'s (e.g. a new seed, so it sees other examples first, and its own
  steps and learning rate). The continued adapter is the one converted;
- `[hard]` (optional): a third run, on the hard examples of the same data (`ragtune dataset hard`: `examples` lines,
  sampled with `select_seed`), that starts from the adapter before it; its other keys are `ragtune train` options
  over `[train]` and `[continue]`'s. Then its adapter is the one converted;
- `[convert]`: `outtype` of the GGUF LoRA (f16 or q8_0);
- `[serving]`: `k`, the retrieve.k the adapter is served and evaluated with (the data is built with it), and
  optionally the values calibrated for the adapter (`ragtune eval calibrate`): `refusal_threshold` (P(refused)),
  `min_answer_logprob` (the confidence floor), `evidence_cut` (the check before the model), `answer_candidates`
  and `adapter_scale` (the strength the adapter is applied at, 0 < s <= 4), and `refusal_model` (a table: the
  four refusal signals weighed together, fitted for the adapter; refusal_model.py). Each is recorded in the
  manifest, served when its `[generate]` setting is "auto", and applied to its eval's adapter arm (an adapter not
  yet installed);
- `[eval]` (optional): `sets`, `limit`, `seed`, `arms`, `safety`: what `--eval` runs (`ragtune eval run`).
Unknown keys and bad values are ConfigErrors naming the file and the line."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from ragtune.appliance.builtin_adapters import NAME_RULE, valid_name
from ragtune.appliance.calibrated import CALIBRATED
from ragtune.appliance.errors import ConfigError, InputError
from ragtune.appliance.hashing import sha256_text
from ragtune.appliance.tomltext import key_line, read_toml

OUTTYPES = ("f16", "q8_0")
SECTIONS = ("dataset", "more_data", "train", "continue", "hard", "convert", "serving", "eval")
HARD_SELECT = ("examples", "select_seed")  # [hard] keys that pick its data (ragtune.models.hard)
REFUSED_DATASET_KEYS = {"allow_dev": "dev domains measure generalisation and are never training data",
                        "from_log": "a recipe is rebuilt from the repository's own labelled questions"}
SET_BY_REBUILD = ("data", "out", "resume", "init_adapter")


def recipe_path(name: str = "default") -> Path:
    """A recipe shipped in this folder."""
    return Path(__file__).resolve().parent / f"{name}.toml"


@dataclasses.dataclass
class EvalPlan:
    sets: list[str] = dataclasses.field(default_factory=list)
    limit: int = 0  # 0 = every question
    seed: int = 0
    arms: str = "A,C"
    safety: bool = True


@dataclasses.dataclass
class Recipe:
    path: Path
    text: str
    sha256: str
    name: str
    dataset: Any  # ragtune.models.build.DatasetOptions
    more: Any  # [more_data]: a second build appended to [dataset]'s, or None
    train: dict[str, Any]
    cont: dict[str, Any]  # [continue]: {} = one training run
    hard: dict[str, Any]  # [hard]: {} = none
    outtype: str
    serving: dict[str, Any]
    eval: EvalPlan

    def train_config(self, data: str | Path, out: str | Path, **overrides: Any) -> Any:
        from ragtune.models.train.config import TrainConfig

        return TrainConfig(data=str(data), out=str(out), **_machine(self.train, overrides))

    def continue_config(self, data: str | Path, out: str | Path, init: str | Path, **overrides: Any) -> Any:
        """The [continue] run: [train] with [continue]'s values over it, started from `init`'s adapter."""
        return self._init_config(self.cont, data, out, init, overrides)

    def hard_train(self) -> dict[str, Any]:
        """The [hard] run's `ragtune train` options over [train]'s: [continue]'s, then [hard]'s own."""
        return _hard_train(self.cont, self.hard)

    def hard_selection(self) -> tuple[int, int]:
        """(examples, select_seed): what `ragtune dataset hard` picks for the [hard] run."""
        return self.hard["examples"], self.hard.get("select_seed", 0)

    def hard_config(self, data: str | Path, out: str | Path, init: str | Path, **overrides: Any) -> Any:
        """The [hard] run, on the hard-example folder `data`, started from `init`'s adapter."""
        return self._init_config(self.hard_train(), data, out, init, overrides)

    def _init_config(self, layer: dict[str, Any], data: str | Path, out: str | Path, init: str | Path,
                     overrides: dict[str, Any]) -> Any:
        from ragtune.models.train.config import TrainConfig

        return TrainConfig(data=str(data), out=str(out), init_adapter=str(init),
                           **_machine({**self.train, **layer}, overrides))

    def to_json(self) -> dict[str, Any]:
        return {"path": str(self.path), "sha256": self.sha256, "name": self.name,
                "dataset": dataclasses.asdict(self.dataset),
                "more_data": dataclasses.asdict(self.more) if self.more else None, "train": dict(self.train),
                "continue": dict(self.cont), "hard": dict(self.hard), "outtype": self.outtype,
                "serving": dict(self.serving), "eval": dataclasses.asdict(self.eval)}


def load_recipe(path: Path | str | None = None) -> Recipe:
    """Read and validate a recipe file (default: the built-in default adapter's)."""
    from ragtune.models.build import DatasetOptions
    from ragtune.models.train.config import TrainConfig

    path = Path(path) if path else recipe_path()
    text, raw = read_toml(path, "the recipe")

    def fail(msg: str, section: str | None = None, key: str | None = None) -> ConfigError:
        line = key_line(text, section, key) if key else None
        if line is None and section and key:
            line = _section_line(text, section)
        return ConfigError(f"{path}{f':{line}' if line else ''}: {msg}")

    unknown = sorted(set(raw) - set(SECTIONS) - {"name"})
    if unknown:
        raise fail(f"unknown key(s): {', '.join(unknown)} (known: name, [{'], ['.join(SECTIONS)}])", None, unknown[0])
    name = raw.get("name")
    if not valid_name(name):  # it names the files the rebuild writes and installs: never a path
        raise fail(f"'name' (the adapter's name) must be {NAME_RULE}", None, "name")
    for section in SECTIONS:
        if section in raw and not isinstance(raw[section], dict):
            raise fail(f"[{section}] must be a table", None, section)
    for section in ("dataset", "train", "convert", "serving"):
        if section not in raw:
            raise fail(f"missing the [{section}] table")

    def table(section: str, allowed: set[str], refused: dict[str, str] | None = None) -> dict[str, Any]:
        tab = dict(raw.get(section, {}))
        for key in tab:
            if refused and key in refused:
                raise fail(f"[{section}] {key}: not allowed in a recipe ({refused[key]})", section, key)
            if key not in allowed:
                raise fail(f"unknown key in [{section}]: {key} (known: {', '.join(sorted(allowed))})", section, key)
        return tab

    def build(section: str, cls: Any, values: dict[str, Any]) -> Any:
        try:
            return cls(**values)
        except ConfigError as exc:  # "train.lr: must be in (0, 1)" -> [train] lr: must be in (0, 1), at lr's line
            where, _, why = exc.message.partition(":")
            key = where.rsplit(".", 1)[-1]
            raise fail(f"[{section}] {key}:{why}", section, key if key in values else None) from None
        except TypeError as exc:
            raise fail(f"[{section}]: {exc}") from None

    ds_fields = {f.name for f in dataclasses.fields(DatasetOptions)}
    tr_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    tr_raw = table("train", tr_fields - set(SET_BY_REBUILD),
                   {**{k: "the rebuild sets it" for k in SET_BY_REBUILD},
                    "init_adapter": "a recipe trains from a fresh LoRA; [continue] trains its adapter further"})
    cont_raw = table("continue", tr_fields - set(SET_BY_REBUILD), {k: "the rebuild sets it" for k in SET_BY_REBUILD})
    hard_raw = table("hard", (tr_fields - set(SET_BY_REBUILD)) | set(HARD_SELECT),
                     {k: "the rebuild sets it" for k in SET_BY_REBUILD})
    conv = table("convert", {"outtype"})
    serving = table("serving", {"k", "refusal_model", *CALIBRATED})
    ev_raw = table("eval", {f.name for f in dataclasses.fields(EvalPlan)})

    outtype = conv.get("outtype", "f16")
    if outtype not in OUTTYPES:
        raise fail(f"[convert] outtype: must be one of {', '.join(OUTTYPES)}", "convert", "outtype")
    k = serving.get("k")
    if not (isinstance(k, int) and not isinstance(k, bool) and 1 <= k <= 6):
        raise fail("[serving] k: must be 1..6 (the retrieve.k the adapter is served with)", "serving", "k")
    served = {"k": k}
    for key, (valid, want, _) in CALIBRATED.items():  # values calibrated for the adapter, served under "auto"
        if key in serving:
            if not valid(serving[key]):
                raise fail(f"[serving] {key}: must be {want}", "serving", key)
            served[key] = serving[key] if key == "answer_candidates" else float(serving[key])  # a count stays int
    if "refusal_model" in serving:  # fitted for the adapter (benchmarks/status_probe.py), recorded as it is
        from ragtune.appliance.refusal_model import parse

        try:
            served["refusal_model"] = parse(serving["refusal_model"]).to_dict()
        except ValueError as exc:
            raise fail(f"[serving] refusal_model: {exc}", "serving", "refusal_model") from None

    def data_options(section: str) -> Any:
        ds_raw = table(section, ds_fields - set(REFUSED_DATASET_KEYS), REFUSED_DATASET_KEYS)
        ds_k = ds_raw.get("k", 0)
        if ds_k not in (0, k):
            raise fail(f"[{section}] k = {ds_k!r} but [serving] k = {k}: the adapter must learn the context shape it "
                       "is served with", section, "k")
        ds_raw["k"] = k
        for key in ("qa", "docs"):
            if isinstance(ds_raw.get(key), str) and ds_raw[key]:
                ds_raw[key] = str(Path(ds_raw[key]).expanduser())
        opts = build(section, DatasetOptions, ds_raw)
        check_domains(section, opts)
        return opts

    def check_domains(section: str, opts: Any) -> None:
        # The corpus domains named, and their question file, exist and are train domains: checked now, not when the
        # build reaches them (a [more_data] typo surfaced after the whole [dataset] build, with the work folder
        # already claimed by this recipe). Folders (docs/ + qa.jsonl) are checked by the build.
        from ragtune.models import corpus as cp

        names = [c for c in opts.corpus if "/" not in c and not (Path(c).expanduser() / "qa.jsonl").is_file()]
        if not names:
            return
        try:
            cp.select(names, allow_dev=False, questions=opts.questions)
        except InputError as exc:
            missing_file = "questions" in raw[section] and f"no {opts.questions}.jsonl" in exc.message
            key = "questions" if missing_file else "corpus"
            raise fail(f"[{section}] corpus: {exc.message.removeprefix('--corpus ')}", section, key) from None

    dataset = data_options("dataset")
    more = data_options("more_data") if "more_data" in raw else None
    build("train", TrainConfig, {**tr_raw, "data": "-", "out": "-"})
    if cont_raw:
        build("continue", TrainConfig, {**tr_raw, **cont_raw, "data": "-", "out": "-"})
    if hard_raw:
        for key, least in (("examples", 1), ("select_seed", 0)):
            v = hard_raw.get(key, least if key == "select_seed" else None)
            if not (isinstance(v, int) and not isinstance(v, bool) and v >= least):
                raise fail(f"[hard] {key}: must be a whole number >= {least}", "hard", key if key in hard_raw else None)
        build("hard", TrainConfig, {**tr_raw, **_hard_train(cont_raw, hard_raw), "data": "-", "out": "-"})
    ev = build("eval", EvalPlan, ev_raw)
    if not (isinstance(ev.sets, list) and all(isinstance(x, str) and x for x in ev.sets)):
        raise fail("[eval] sets: must be a list of dataset paths", "eval", "sets")
    for key in ("limit", "seed"):
        v = getattr(ev, key)
        if not (isinstance(v, int) and not isinstance(v, bool) and v >= 0):
            raise fail(f"[eval] {key}: must be a whole number >= 0", "eval", key)
    if not isinstance(ev.arms, str) or not {a.strip() for a in ev.arms.split(",")} <= {"A", "B", "C"} \
            or "C" not in ev.arms:
        raise fail("[eval] arms: must be arms of A,B,C including C (the adapter)", "eval", "arms")
    if not isinstance(ev.safety, bool):
        raise fail("[eval] safety: must be true or false", "eval", "safety")
    return Recipe(path=path.resolve(), text=text, sha256=sha256_text(text), name=name, dataset=dataset, more=more,
                  train=tr_raw, cont=cont_raw, hard=hard_raw, outtype=outtype, serving=served, eval=ev)


def _machine(values: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """A run's recipe values with the machine's speed knobs over them (None = not given). A new batch size keeps
    the recipe's examples per optimizer step, so the loss and the schedule stay the recipe's: grad_accum becomes
    examples per step / batch size."""
    from ragtune.models.train.config import TrainConfig

    out = {**values, **{k: v for k, v in overrides.items() if v is not None}}
    bs = overrides.get("batch_size")
    if bs is not None:
        per_step = values.get("batch_size", TrainConfig.batch_size) * values.get("grad_accum", TrainConfig.grad_accum)
        if per_step % bs:
            raise ConfigError(f"--batch-size {bs}: must divide the recipe's {per_step} examples per optimizer step")
        out["grad_accum"] = per_step // bs
    return out


def _hard_train(cont: dict[str, Any], hard: dict[str, Any]) -> dict[str, Any]:
    return {**cont, **{k: v for k, v in hard.items() if k not in HARD_SELECT}}


def _section_line(text: str, section: str) -> int | None:
    import re

    for n, line in enumerate(text.splitlines(), start=1):
        if re.match(rf"\s*\[\s*{re.escape(section)}\s*\]", line):
            return n
    return None


__all__ = ["EvalPlan", "Recipe", "load_recipe", "recipe_path"]
