"""The built-in default adapter, rebuilt from the repository by one command: `ragtune tune default` (`make adapter`).

    recipe   ragtune/models/recipes/default.toml, validated before anything runs
    dataset  WORK/data            = ragtune dataset build <[dataset]> --out WORK/data
                                      (with a [more_data] table: both builds, into WORK/data-main and
                                      WORK/data-more, then ragtune dataset merge them into WORK/data)
    train    WORK/adapter         = ragtune train --config RECIPE --data WORK/data --out WORK/adapter
    continue WORK/adapter-continued = ragtune train … --init-adapter WORK/adapter <[continue] options>
                                      (only with a [continue] table; then this adapter is the one converted)
    hard     WORK/adapter-hard    = ragtune dataset hard WORK/data --out WORK/data-hard, then ragtune train … on it
                                      --init-adapter <the adapter before> (only with a [hard] table; converted)
    convert  WORK/<name>.gguf     = ragtune convert lora WORK/adapter --outtype <[convert] outtype>
    manifest WORK/<name>.json     lineage, the machine, the seconds of every step, the eval summary, go
    eval     WORK/eval/<set>/     = ragtune --config WORK/serving.toml eval run SET --arms A,C
                                      --adapter WORK/<name>.gguf (with --eval; [serving] k applied;
                                      go = every set's decision is go)
    promote  ragtune/appliance/adapters/<name>.gguf + .json  (with --promote; `ragtune models promote-builtin`)

WORK/rebuild.json keeps the recipe's sha256 and the seconds each step took; `--resume` continues a rebuild of the
same recipe: a finished dataset and training are kept, an interrupted training resumes from its checkpoint.
Dev tooling: needs the [train] and [convert] extras and the llama-cpp-python sdist (docs/tuning.md)."""

from __future__ import annotations

import dataclasses
import os
import platform
import shlex
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from ragtune.appliance import builtin_adapters as builtin
from ragtune.appliance.atomic import atomic_write_json, atomic_write_text, make_dir
from ragtune.appliance.calibrated import CALIBRATED
from ragtune.appliance.config import Settings, dump_toml
from ragtune.appliance.errors import InputError, located, require_installed
from ragtune.appliance.hashing import sha256_file
from ragtune.appliance.jsonl import loads_located, read_json_object

from .promote import eval_summary, promote
from .recipes import Recipe, load_recipe

Log = Callable[[str], None]
STEPS = ("dataset", "train", "continue", "hard", "convert", "manifest", "eval", "promote")
HARD_DATA = "data-hard"  # WORK/data-hard: `ragtune dataset hard WORK/data`, what the [hard] run trains on



@dataclasses.dataclass
class RebuildOptions:
    work: Path | None = None  # default: HOME/tune/<name>
    recipe: Path | None = None  # default: ragtune/models/recipes/default.toml
    resume: bool = False
    eval: bool = False
    eval_sets: list[str] = dataclasses.field(default_factory=list)  # instead of the recipe's [eval] sets
    eval_limit: int | None = None
    promote: bool = False
    dest: Path | None = None  # default: the package's ragtune/appliance/adapters/
    # Machine knobs (speed; recorded): they override the recipe's [train] values.
    threads: int | None = None
    batch_size: int | None = None
    bf16: bool | None = None
    sdist: str | None = None


def _work(settings: Settings, recipe: Recipe, opts: RebuildOptions) -> Path:
    return Path(opts.work).expanduser().resolve() if opts.work else settings.home.root / "tune" / recipe.name


def _overrides(opts: RebuildOptions) -> dict[str, Any]:
    return {"threads": opts.threads, "batch_size": opts.batch_size, "bf16": opts.bf16}


def _before_hard(work: Path, recipe: Recipe) -> Path:
    """The adapter of the last run before [hard]: the [continue] run's when the recipe has one."""
    return work / ("adapter-continued" if recipe.cont else "adapter")


def _final_adapter(work: Path, recipe: Recipe) -> Path:
    """The adapter the rebuild converts: the last run's."""
    return work / "adapter-hard" if recipe.hard else _before_hard(work, recipe)


def _flags(values: dict[str, Any]) -> list[Any]:
    return [x for k, v in values.items() if v is not None and v is not False
            for x in ((f"--{k.replace('_', '-')}",) if isinstance(v, bool) else (f"--{k.replace('_', '-')}", v))]


def _slug(path: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in Path(path).name.strip()) or "set"


def _cmd(argv: Iterable[Any]) -> str:
    return " ".join(shlex.quote(str(a)) for a in argv)


def plan(settings: Settings, recipe: Recipe, opts: RebuildOptions) -> list[tuple[str, str]]:
    """(step, the equivalent command) for every step this rebuild runs, in order (`--dry-run` prints them)."""
    work = _work(settings, recipe, opts)
    data, adapter, gguf = work / "data", work / "adapter", work / f"{recipe.name}.gguf"
    knobs = _overrides(opts)

    def extra(cfg: Any) -> list[Any]:  # the speed knobs; a new batch size with the grad_accum that keeps the step
        return _flags(knobs) + (["--grad-accum", cfg.grad_accum] if opts.batch_size else [])

    steps = [("dataset", " && ".join(_cmd(argv) for argv in _dataset_argvs(recipe, work))),
             ("train", _cmd(["ragtune", "train", "--config", recipe.path, "--data", data, "--out", adapter,
                             *extra(recipe.train_config(data, adapter, **knobs))]))]
    if recipe.cont:
        before = _before_hard(work, recipe)
        steps.append(("continue", _cmd(["ragtune", "train", "--config", recipe.path, "--data", data, "--out",
                                        before, "--init-adapter", adapter, *_flags(recipe.cont),
                                        *extra(recipe.continue_config(data, before, adapter, **knobs))])))
    if recipe.hard:
        hard, (examples, seed) = work / HARD_DATA, recipe.hard_selection()
        steps.append(("hard", _cmd(["ragtune", "dataset", "hard", data, "--out", hard, "--examples", examples,
                                    "--seed", seed])
                      + " && " + _cmd(["ragtune", "train", "--config", recipe.path, "--data", hard, "--out",
                                       _final_adapter(work, recipe), "--init-adapter", _before_hard(work, recipe),
                                       *_flags(recipe.hard_train()),
                                       *extra(recipe.hard_config(hard, "-", "-", **knobs))])))
    steps.append(("convert", _cmd(["ragtune", "convert", "lora", _final_adapter(work, recipe), "--out", gguf,
                                   "--outtype", recipe.outtype, "--name", recipe.name])))
    if opts.eval:
        for s in _eval_sets(recipe, opts):
            steps.append(("eval", _cmd(_eval_argv(recipe, opts, work, s))))
    steps.append(("manifest", f"write {work / (recipe.name + '.json')} "
                              "(lineage, machine, step times, eval summary, go)"))
    if opts.promote:
        dest = ["--dest", opts.dest] if opts.dest else []
        steps.append(("promote", _cmd(["ragtune", "models", "promote-builtin", work, *dest])))
    return steps


def _dataset_argvs(recipe: Recipe, work: Path) -> list[list[Any]]:
    """The commands of the dataset step: one build, or with [more_data] two builds and their merge."""
    if not recipe.more:
        return [["ragtune", "dataset", "build", *recipe.dataset.argv(), "--out", work / "data"]]
    return [["ragtune", "dataset", "build", *recipe.dataset.argv(), "--out", work / "data-main"],
            ["ragtune", "dataset", "build", *recipe.more.argv(), "--out", work / "data-more"],
            ["ragtune", "dataset", "merge", work / "data-main", work / "data-more", "--out", work / "data"]]


def _build_data(settings: Settings, recipe: Recipe, work: Path, log: Log) -> None:
    from .build import build_dataset

    cmds = [[str(a) for a in argv] for argv in _dataset_argvs(recipe, work)]  # recorded in dataset_config.json
    if not recipe.more:
        build_dataset(settings, recipe.dataset, work / "data", log=log, command=cmds[0])
        return
    from .merge import merge_datasets

    build_dataset(settings, recipe.dataset, work / "data-main", log=log, command=cmds[0])
    build_dataset(settings, recipe.more, work / "data-more", log=log, command=cmds[1])
    merge_datasets([work / "data-main", work / "data-more"], work / "data")


def _eval_sets(recipe: Recipe, opts: RebuildOptions) -> list[str]:
    sets = list(opts.eval_sets) or list(recipe.eval.sets)
    if not sets:
        raise InputError("--eval needs an evaluation set: [eval] sets in the recipe, or --eval-set PATH")
    return sets


def _eval_argv(recipe: Recipe, opts: RebuildOptions, work: Path, dataset: str) -> list[Any]:
    from ragtune.appliance.spool import shown_name

    ev = recipe.eval
    limit = ev.limit if opts.eval_limit is None else opts.eval_limit
    # printed and recorded (the manifest): a piped --eval-set by the name it was given, not its spool
    return ["ragtune", "--config", work / "serving.toml", "eval", "run", shown_name(dataset), "--arms", ev.arms,
            "--adapter", work / f"{recipe.name}.gguf", "--seed", ev.seed, *(["--limit", limit] if limit else []),
            *[a for key in CALIBRATED if key in recipe.serving  # --adapter-refusal-threshold … --adapter-scale
              for a in ("--" + (key if key.startswith("adapter_") else f"adapter_{key}").replace("_", "-"),
                        recipe.serving[key])],
            "--safety" if ev.safety else "--no-safety", "--out", work / "eval" / _slug(dataset)]


# -- the rebuild -----------------------------------------------------------------------------------------------
def rebuild(settings: Settings, opts: RebuildOptions | None = None, *, log: Log = print) -> dict[str, Any]:
    """Run the recipe end to end (see the module docstring). Returns {"work", "gguf", "manifest", "go", …}."""
    opts = opts or RebuildOptions()
    recipe = load_recipe(opts.recipe)
    eval_sets = _eval_sets(recipe, opts) if opts.eval else []
    if eval_sets:  # read now: a typo in a set's path must not surface after hours of building and training
        from ragtune.appliance.eval.datasets import load_dataset

        for s in eval_sets:
            load_dataset(s)
    work = _work(settings, recipe, opts)
    if not opts.resume:  # a missing [train] extra is said now, not after the dataset build
        _require_train()
    state = _start(work, recipe, opts)
    overrides = _overrides(opts)
    recipe.train_config(work / "data", work / "adapter", **overrides)  # a bad override fails before any work
    if opts.resume and not _finished(state, "train"):  # a resumed rebuild may have trained elsewhere already
        _require_train()
    t0 = time.perf_counter()
    data, adapter, gguf = work / "data", work / "adapter", work / f"{recipe.name}.gguf"
    steps = dict(plan(settings, recipe, opts))

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        log(f"[tune] {name}: {steps.get(name, '')}")
        t = time.perf_counter()
        try:
            return fn()
        finally:
            rec = state["steps"].setdefault(name, {"seconds": 0.0, "done": False})
            rec["seconds"] = round(rec["seconds"] + time.perf_counter() - t, 2)
            atomic_write_json(work / "rebuild.json", state)

    def done(name: str) -> None:
        state["steps"][name]["done"] = True
        atomic_write_json(work / "rebuild.json", state)

    if _finished(state, "dataset") and (data / "dataset_config.json").is_file():
        log(f"[tune] dataset: kept {data} (--resume)")
    else:
        timed("dataset", lambda: _build_data(settings, recipe, work, log))
        done("dataset")
    def train_step(name: str, out: Path, make_cfg: Callable[..., Any]) -> None:
        """`train` or `continue`: kept when finished (--resume), else run, resuming its own checkpoint."""
        if _finished(state, name) and (out / "adapter_manifest.json").is_file():
            log(f"[tune] {name}: kept {out} (--resume)")
            return
        from .train import train
        from .train.runfolder import last_checkpoint

        # a checkpoint a kill left renamed aside counts too: train refuses a folder holding one without --resume
        resume = last_checkpoint(out) is not None or (out / "adapter_model.safetensors").is_file()
        cfg = make_cfg(resume=resume or None, **overrides)
        timed(name, lambda: train(cfg, home=settings.home))
        done(name)

    train_step("train", adapter, lambda **kw: recipe.train_config(data, adapter, **kw))
    final, before = _final_adapter(work, recipe), _before_hard(work, recipe)
    if recipe.cont:
        train_step("continue", before, lambda **kw: recipe.continue_config(data, before, adapter, **kw))
    if recipe.hard:
        hard = work / HARD_DATA
        if not _finished(state, "hard"):  # deterministic (seeded): a resumed run gets the same lines
            from .hard import select_hard

            select_hard(data, hard, *recipe.hard_selection())
        train_step("hard", final, lambda **kw: recipe.hard_config(hard, final, before, **kw))
    from ragtune.appliance.registry import Registry
    from ragtune.converters.lora import lora_to_gguf

    registry = Registry(settings.home)
    conv = timed("convert", lambda: lora_to_gguf(final, None, gguf, outtype=recipe.outtype, registry=registry,
                                                 sdist=opts.sdist, threads=opts.threads or 2, force=True,
                                                 name=recipe.name, progress=log))
    done("convert")
    evals: list[dict[str, Any]] = []
    if eval_sets:
        evals = timed("eval", lambda: _run_evals(settings, recipe, opts, work, eval_sets, log))
        done("eval")
    state["wall_s"] = round(time.perf_counter() - t0, 2)
    manifest = make_manifest(settings, recipe, work, state, conv.artifact.id, evals, opts)
    mpath = work / f"{recipe.name}.json"
    builtin.validate_manifest(manifest, mpath)
    atomic_write_json(mpath, manifest)
    log(f"[tune] manifest: {mpath} (go: {str(manifest['go']).lower()})")
    out = {"work": str(work), "gguf": str(gguf), "manifest": str(mpath), "id": manifest["sha256"],
           "go": manifest["go"], "wall_s": manifest["rebuild"]["wall_s"], "steps": state["steps"]}
    if opts.promote:
        out["promoted"] = [str(p) for p in promote(work, opts.dest, log=log)]
    return out


def interrupted(settings: Settings, opts: RebuildOptions) -> str:
    """What a Ctrl-C during `tune default` left in WORK and that --resume goes on from it (the CLI says it; the
    command to run is the same one with --resume)."""
    from .train.runfolder import last_checkpoint

    try:
        recipe = load_recipe(opts.recipe)
        work = _work(settings, recipe, opts)
        state = read_json_object(work / "rebuild.json")
    except (InputError, OSError):  # stopped before the rebuild's folder was written: nothing to go on from
        return "interrupted before the rebuild started: nothing kept; run the same command again"
    steps = state.get("steps") if isinstance(state.get("steps"), dict) else {}
    done = [n for n in STEPS if isinstance(steps.get(n), dict) and steps[n].get("done")]
    kept = f"finished steps kept: {', '.join(done)}" if done else "no step finished yet"
    ckpt = next((c for c in (last_checkpoint(work / d) for d in ("adapter-hard", "adapter-continued", "adapter"))
                 if c is not None), None)
    if ckpt is not None:
        try:
            step = read_json_object(ckpt / "state.json").get("step")
        except InputError:
            step = None
        kept += f"; the training checkpoint in {ckpt.parent.name}/ holds step {step}"
    return f"interrupted: {work}: {kept}"


def _require_train() -> None:
    require_installed("train", "torch", "transformers", "peft")


def _start(work: Path, recipe: Recipe, opts: RebuildOptions) -> dict[str, Any]:
    """The rebuild's state file: new, or (with --resume) the one of the same recipe."""
    sp = work / "rebuild.json"
    if sp.is_file():
        if not opts.resume:
            raise InputError(f"{work}: holds a rebuild already", hint="--resume continues it; or choose another --work")
        try:
            raw = sp.read_bytes()
        except OSError as exc:
            raise InputError(f"{located(sp)}: unreadable rebuild state: {exc}") from None
        state = loads_located(raw, sp, "unreadable rebuild state: invalid JSON")
        steps = state.get("steps") if isinstance(state, dict) else None
        if not (isinstance(steps, dict) and all(isinstance(v, dict) for v in steps.values())):
            raise InputError(f"{located(sp)}: unreadable rebuild state: expected an object with 'steps' (an object "
                             f"of step objects)", hint="choose another --work to start the rebuild over")
        if state.get("recipe_sha256") != recipe.sha256:
            was = str(state.get("recipe_sha256"))[:12]
            raise InputError(f"{sp}: was started from another recipe (sha256 {was}…, now {recipe.sha256[:12]}…)",
                             hint="choose another --work for the new recipe")
        return state
    if work.exists() and any(work.iterdir()):
        raise InputError(f"{work}: exists and is not a rebuild folder", hint="choose another --work")
    make_dir(work)
    state = {"recipe_sha256": recipe.sha256, "recipe": str(recipe.path), "name": recipe.name,
             "started": _now(), "steps": {}}
    atomic_write_json(sp, state)
    return state


def _finished(state: dict[str, Any], step: str) -> bool:
    return bool(state.get("steps", {}).get(step, {}).get("done"))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _run_evals(settings: Settings, recipe: Recipe, opts: RebuildOptions, work: Path, sets: list[str],
               log: Log) -> list[dict[str, Any]]:
    """`ragtune eval run` on every set with the serving settings of the recipe; a summary per set."""
    from ragtune.appliance.config import load_settings
    from ragtune.appliance.eval.progress import stderr_progress
    from ragtune.appliance.eval.run import EvalOptions, run_eval

    cfg_path = work / "serving.toml"
    served = settings.replace("retrieve", k=recipe.serving["k"])
    for key in CALIBRATED:  # the adapter's own values; the base keeps the defaults (never refuse by P(refused))
        if key in recipe.serving:
            served = served.replace("generate", **{key: "auto"})
    atomic_write_text(cfg_path, "# the settings the adapter was evaluated with (ragtune tune default)\n" +
                      dump_toml(served))
    served = load_settings(cfg_path, home=settings.home)
    out = []
    ev = recipe.eval
    limit = ev.limit if opts.eval_limit is None else opts.eval_limit
    for s in sets:
        argv = _eval_argv(recipe, opts, work, s)
        log(f"[tune] eval: {_cmd(argv)}")
        report = run_eval(served, s, EvalOptions(arms=ev.arms, adapter=str(work / f"{recipe.name}.gguf"),
                                                 limit=limit or None, seed=ev.seed, out=work / "eval" / _slug(s),
                                                 safety=ev.safety,
                                                 adapter_serving={k: recipe.serving[k]
                                                                  for k in (*CALIBRATED, "refusal_model")
                                                                  if k in recipe.serving}),
                          progress=stderr_progress())
        out.append(eval_summary(report, _cmd(argv)))
    return out


def machine_info() -> dict[str, Any]:
    """The machine a rebuild ran on (no host name): CPU, cores, memory, GPU when torch saw one, load."""
    info: dict[str, Any] = {"os": platform.platform(terse=True), "python": platform.python_version(),
                            "machine": platform.machine(), "cores": os.cpu_count()}
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        info["cpu"] = next((ln.split(":", 1)[1].strip() for ln in text.splitlines() if ln.startswith("model name")),
                           platform.processor() or "")
        mem = Path("/proc/meminfo").read_text(encoding="utf-8").split()
        info["memory_gib"] = round(int(mem[mem.index("MemTotal:") + 1]) / 2 ** 20, 1)
    except (OSError, ValueError, StopIteration):
        info["cpu"] = platform.processor() or ""
    try:
        info["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass
    torch = sys.modules.get("torch")
    if torch is not None and torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
    return info


def make_manifest(settings: Settings, recipe: Recipe, work: Path, state: dict[str, Any], gguf_id: str,
                  evals: list[dict[str, Any]], opts: RebuildOptions) -> dict[str, Any]:
    """The built-in adapter manifest of a finished rebuild in `work` (builtin_adapters.validate_manifest)."""
    from ragtune import __version__
    from ragtune.appliance import default_models
    from ragtune.appliance.artifacts import tool_versions

    gguf = work / f"{recipe.name}.gguf"
    ds_cfg = read_json_object(work / "data" / "dataset_config.json")
    final = _final_adapter(work, recipe)
    tr_doc = read_json_object(final / "training_config.json")
    metrics = read_json_object(final / "metrics.json")
    base = tr_doc.get("base") or {}
    known = {e["sha256"]: e for e in default_models.load_manifest()["models"]}
    entry = known.get(base.get("sha256"), {})
    go = bool(evals) and all(e["decision"]["go"] for e in evals)
    repo = Path(__file__).resolve().parents[2]
    rpath = recipe.path.relative_to(repo).as_posix() if recipe.path.is_relative_to(repo) else str(recipe.path)
    argv = ["ragtune", "tune", "default"] + (["--recipe", rpath] if recipe.path != _default_recipe() else []) + \
        [x for k, v in _overrides(opts).items() if v is not None
         for x in ((f"--{k.replace('_', '-')}",) if isinstance(v, bool) else (f"--{k.replace('_', '-')}", str(v)))]
    return {
        "format": builtin.MANIFEST_FORMAT, "name": recipe.name, "kind": "lora-gguf", "file": gguf.name,
        "sha256": gguf_id, "size": gguf.stat().st_size, "licence": entry.get("licence", ""), "created": _now(),
        "outtype": recipe.outtype,
        "base": {"name": entry.get("name") or Path(str(base.get("path", "base"))).name,
                 "sha256": base.get("sha256", ""), "kind": base.get("kind"), "hf_repo": entry.get("hf_repo")},
        "dataset": {"sha256": ds_cfg.get("dataset_sha256", ""), "build_options": ds_cfg.get("build_options") or {},
                    "train_lines": (ds_cfg.get("train") or {}).get("lines"),
                    "holdout_lines": (ds_cfg.get("holdout") or {}).get("lines"),
                    "system_prompt_sha256": ds_cfg.get("system_prompt_sha256")},
        "training": {"config": tr_doc.get("config") or {},
                     "config_sha256": sha256_file(final / "training_config.json"),
                     "seed": (tr_doc.get("config") or {}).get("seed", 0), "device": tr_doc.get("device"),
                     "trainable_params": tr_doc.get("trainable_params"), "train_examples": tr_doc.get("train_examples"),
                     "versions": tr_doc.get("versions"),
                     "metrics": {k: metrics.get(k) for k in ("steps", "best_holdout_loss", "train_seconds",
                                                             "examples_per_s", "tokens_per_s", "device", "threads",
                                                             "batch_size", "grad_accum", "epochs")},
                     # a [continue] or [hard] run: the adapter it started from, and the runs before it
                     **({"init": tr_doc.get("init_adapter"), "first_run": _run_doc(work / "adapter")}
                        if recipe.cont or recipe.hard else {}),
                     **({"continued_run": _run_doc(work / "adapter-continued")} if recipe.cont and recipe.hard else {}),
                     **({"hard_data": read_json_object(work / HARD_DATA / "hard_config.json")} if recipe.hard else {})},
        "recipe": {"path": rpath, "sha256": recipe.sha256, "text": recipe.text},
        "serving": dict(recipe.serving),
        "rebuild": {"command": " ".join(argv), "commands": [f"{n}: {c}" for n, c in plan(settings, recipe, opts)],
                    "machine": machine_info(), "wall_s": round(sum(s["seconds"] for s in state["steps"].values()), 2),
                    "steps": {k: v["seconds"] for k, v in state["steps"].items()}, "started": state.get("started"),
                    "finished": _now(), "ragtune": __version__, "tools": tool_versions()},
        "eval": evals, "go": go, "go_source": "eval" if evals else "none",
    }


def _run_doc(adapter: Path) -> dict[str, Any]:
    return {"config": read_json_object(adapter / "training_config.json").get("config"), "metrics": read_json_object(adapter / "metrics.json")}


def _default_recipe() -> Path:
    from .recipes import recipe_path

    return recipe_path()


__all__ = ["RebuildOptions", "STEPS", "interrupted", "machine_info", "make_manifest", "plan", "rebuild"]
