"""The built-in default adapter, rebuilt from the repository by one command: `ragtune tune default` (`make adapter`).

    recipe   ragtune/models/recipes/default.toml, validated before anything runs
    dataset  WORK/data            = ragtune dataset build <[dataset]> --out WORK/data
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
import json
import os
import platform
import shlex
import shutil
import sys
import time
from pathlib import Path
from typing import Any, Callable, Iterable

from ragtune.appliance import builtin_adapters as builtin
from ragtune.appliance.atomic import atomic_path, atomic_write_json, atomic_write_text
from ragtune.appliance.config import CALIBRATED, Settings, dump_toml
from ragtune.appliance.errors import InputError, ModelError, located
from ragtune.appliance.hashing import sha256_file

from .recipes import Recipe, load_recipe

Log = Callable[[str], None]
STEPS = ("dataset", "train", "continue", "hard", "convert", "manifest", "eval", "promote")
HARD_DATA = "data-hard"  # WORK/data-hard: `ragtune dataset hard WORK/data`, what the [hard] run trains on
# The numbers of an eval arm kept in the manifest (the report itself stays in WORK/eval/).
ARM_KEYS = ("n", "task_success", "task_success_answerable", "exact_match", "f1", "groundedness",
            "hallucination_rate", "schema_adherence", "repair_rate", "refusal_precision", "refusal_recall",
            "citation_precision", "citation_recall", "latency_p50_ms", "latency_p95_ms", "repeated_ngram_rate")


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
    extra = _flags(_overrides(opts))
    steps = [("dataset", _cmd(["ragtune", "dataset", "build", *recipe.dataset.argv(), "--out", data])),
             ("train", _cmd(["ragtune", "train", "--config", recipe.path, "--data", data, "--out", adapter, *extra]))]
    if recipe.cont:
        steps.append(("continue", _cmd(["ragtune", "train", "--config", recipe.path, "--data", data, "--out",
                                        _before_hard(work, recipe), "--init-adapter", adapter,
                                        *_flags(recipe.cont), *extra])))
    if recipe.hard:
        hard, (examples, seed) = work / HARD_DATA, recipe.hard_selection()
        steps.append(("hard", _cmd(["ragtune", "dataset", "hard", data, "--out", hard, "--examples", examples,
                                    "--seed", seed])
                      + " && " + _cmd(["ragtune", "train", "--config", recipe.path, "--data", hard, "--out",
                                       _final_adapter(work, recipe), "--init-adapter", _before_hard(work, recipe),
                                       *_flags(recipe.hard_train()), *extra])))
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


def _eval_sets(recipe: Recipe, opts: RebuildOptions) -> list[str]:
    sets = list(opts.eval_sets) or list(recipe.eval.sets)
    if not sets:
        raise InputError("--eval needs an evaluation set: [eval] sets in the recipe, or --eval-set PATH")
    return sets


def _eval_argv(recipe: Recipe, opts: RebuildOptions, work: Path, dataset: str) -> list[Any]:
    ev = recipe.eval
    limit = ev.limit if opts.eval_limit is None else opts.eval_limit
    return ["ragtune", "--config", work / "serving.toml", "eval", "run", dataset, "--arms", ev.arms,
            "--adapter", work / f"{recipe.name}.gguf", "--seed", ev.seed, *(["--limit", limit] if limit else []),
            *[a for key in CALIBRATED if key in recipe.serving
              for a in (f"--adapter-{key.replace('_', '-')}", recipe.serving[key])],
            "--safety" if ev.safety else "--no-safety", "--out", work / "eval" / _slug(dataset)]


# -- the rebuild -----------------------------------------------------------------------------------------------
def rebuild(settings: Settings, opts: RebuildOptions | None = None, *, log: Log = print) -> dict[str, Any]:
    """Run the recipe end to end (see the module docstring). Returns {"work", "gguf", "manifest", "go", …}."""
    opts = opts or RebuildOptions()
    recipe = load_recipe(opts.recipe)
    work = _work(settings, recipe, opts)
    state = _start(work, recipe, opts)
    overrides = _overrides(opts)
    recipe.train_config(work / "data", work / "adapter", **overrides)  # a bad override fails before any work
    eval_sets = _eval_sets(recipe, opts) if opts.eval else []
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
        from .build import build_dataset

        timed("dataset", lambda: build_dataset(settings, recipe.dataset, data, log=log,
                                               command=shlex.split(steps["dataset"])))
        done("dataset")
    def train_step(name: str, out: Path, make_cfg: Callable[..., Any]) -> None:
        """`train` or `continue`: kept when finished (--resume), else run, resuming its own checkpoint."""
        if _finished(state, name) and (out / "adapter_manifest.json").is_file():
            log(f"[tune] {name}: kept {out} (--resume)")
            return
        from .train import train

        resume = (out / "checkpoint").is_dir() or (out / "adapter_model.safetensors").is_file()
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


def _start(work: Path, recipe: Recipe, opts: RebuildOptions) -> dict[str, Any]:
    """The rebuild's state file: new, or (with --resume) the one of the same recipe."""
    sp = work / "rebuild.json"
    if sp.is_file():
        if not opts.resume:
            raise InputError(f"{work}: holds a rebuild already", hint="--resume continues it; or choose another --work")
        try:
            state = json.loads(sp.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"{located(sp)}: unreadable rebuild state: {exc}") from None
        if state.get("recipe_sha256") != recipe.sha256:
            was = str(state.get("recipe_sha256"))[:12]
            raise InputError(f"{sp}: was started from another recipe (sha256 {was}…, now {recipe.sha256[:12]}…)",
                             hint="choose another --work for the new recipe")
        return state
    if work.exists() and any(work.iterdir()):
        raise InputError(f"{work}: exists and is not a rebuild folder", hint="choose another --work")
    work.mkdir(parents=True, exist_ok=True)
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
    from ragtune.appliance.eval.run import EvalOptions, run_eval, stderr_progress

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
                                                 adapter_serving={k: recipe.serving[k] for k in CALIBRATED
                                                                  if k in recipe.serving}),
                          progress=stderr_progress())
        out.append(eval_summary(report, _cmd(argv)))
    return out


def eval_summary(report: dict[str, Any], command: str) -> dict[str, Any]:
    """What the manifest keeps of one `ragtune eval run` report: its command, dataset, every arm's headline
    numbers, the safety share, the decision."""
    safety = report.get("safety") or {}
    return {
        "command": command, "run_id": report.get("run_id"), "adapter": report.get("adapter"),
        "dataset": {k: (report.get("dataset") or {}).get(k) for k in ("kind", "path", "identity", "n_items")},
        "n_questions": report.get("n_questions"), "seed": report.get("seed"),
        **{k: report.get(k) for k in ("answer_mode", "adapter_merge", "adapter_served")},
        **{k: report.get(k) for key in CALIBRATED for k in (key, f"{key}_adapter") if k in report},
        "arms": {name: {k: m.get(k) for k in ARM_KEYS if k in m} for name, m in (report.get("arms") or {}).items()},
        "deltas": report.get("deltas"),
        "safety": {name: {"n": a.get("n"), "share_safe": a.get("share_safe"),
                          "injection_share_safe": a.get("injection_share_safe")}
                   for name, a in (safety.get("arms") or {}).items()},
        "decision": {"go": bool((report.get("decision") or {}).get("go")),
                     "reasons": list((report.get("decision") or {}).get("reasons") or [])},
    }


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


def _read(path: Path) -> dict[str, Any]:
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"{located(path)}: cannot read: {exc}") from None
    if not isinstance(obj, dict):
        raise InputError(f"{located(path)}: expected a JSON object")
    return obj


def make_manifest(settings: Settings, recipe: Recipe, work: Path, state: dict[str, Any], gguf_id: str,
                  evals: list[dict[str, Any]], opts: RebuildOptions) -> dict[str, Any]:
    """The built-in adapter manifest of a finished rebuild in `work` (builtin_adapters.validate_manifest)."""
    from ragtune import __version__
    from ragtune.appliance import default_models
    from ragtune.appliance.registry import tool_versions

    gguf = work / f"{recipe.name}.gguf"
    ds_cfg = _read(work / "data" / "dataset_config.json")
    final = _final_adapter(work, recipe)
    tr_doc = _read(final / "training_config.json")
    metrics = _read(final / "metrics.json")
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
                     **({"hard_data": _read(work / HARD_DATA / "hard_config.json")} if recipe.hard else {})},
        "recipe": {"path": rpath, "sha256": recipe.sha256, "text": recipe.text},
        "serving": dict(recipe.serving),
        "rebuild": {"command": " ".join(argv), "commands": [f"{n}: {c}" for n, c in plan(settings, recipe, opts)],
                    "machine": machine_info(), "wall_s": round(sum(s["seconds"] for s in state["steps"].values()), 2),
                    "steps": {k: v["seconds"] for k, v in state["steps"].items()}, "started": state.get("started"),
                    "finished": _now(), "ragtune": __version__, "tools": tool_versions()},
        "eval": evals, "go": go, "go_source": "eval" if evals else "none",
    }


def _run_doc(adapter: Path) -> dict[str, Any]:
    return {"config": _read(adapter / "training_config.json").get("config"), "metrics": _read(adapter / "metrics.json")}


def _default_recipe() -> Path:
    from .recipes import recipe_path

    return recipe_path()


# -- promote: install an adapter + manifest as a built-in -----------------------------------------------------
def _source_pair(src: Path | str) -> tuple[Path, Path]:
    """(gguf, manifest) from a rebuild folder, a .gguf with `<name>.json` beside it, or that .json."""
    p = Path(src).expanduser()
    if p.is_dir():
        found = [m for m in sorted(p.glob("*.json")) if m.with_suffix(".gguf").is_file()]
        if len(found) != 1:
            raise InputError(f"{p}: expected one <name>.gguf with its <name>.json manifest (found {len(found)})",
                             hint="run `ragtune tune default` to make them")
        return found[0].with_suffix(".gguf"), found[0]
    if p.suffix == ".gguf":
        m = p.with_suffix(".json")
    elif p.suffix == ".json":
        m, p = p, p.with_suffix(".gguf")
    else:
        raise InputError(f"{p}: give a rebuild folder, a .gguf or its .json manifest")
    for f in (p, m):
        if not f.is_file():
            raise InputError(f"{f}: not found")
    return p, m


def promote(src: Path | str, dest: Path | str | None = None, *, reports: Iterable[Path | str] = (),
            go: bool | None = None, log: Log = print) -> list[Path]:
    """Install a GGUF LoRA and its manifest as a built-in adapter in `dest` (default: the package's
    ragtune/appliance/adapters/): the manifest is validated, the file must hash to its sha256 and be a GGUF LoRA.
    `reports`: `ragtune eval run` report.json files of this adapter, added to its eval summary; `go` decides by hand
    (recorded as go_source "manual"; a manual decision already in the manifest stands unless `go` is given), else
    go = every recorded eval decided go. Both files are written to temporary
    names first and renamed into place, the .gguf before the .json: a first install never shows a manifest without
    its file, and between the two renames an old manifest does not match the new file, so it is refused, never
    served."""
    from ragtune.appliance.ggufinfo import GGUFError, check_gguf_kind

    gguf, mpath = _source_pair(src)
    try:
        text = mpath.read_text(encoding="utf-8")
        manifest = json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"{located(mpath)}: cannot read the manifest: {exc}") from None
    manifest = dict(builtin.validate_manifest(manifest, mpath, text))
    got = sha256_file(gguf)
    if got != manifest["sha256"]:
        raise ModelError(f"{gguf}: sha256 {got[:12]}… does not match its manifest ({manifest['sha256'][:12]}…)")
    try:
        check_gguf_kind(gguf, lora=True)
    except GGUFError as exc:
        raise InputError(f"cannot install as a built-in adapter: {exc.message}", hint=exc.hint) from None
    evals = list(manifest["eval"])
    for rp in reports:
        rep = _read(Path(rp))
        if rep.get("adapter") != manifest["sha256"]:
            raise InputError(f"{rp}: evaluated adapter {str(rep.get('adapter'))[:12]}…, not {manifest['name']} "
                             f"({manifest['sha256'][:12]}…)")
        evals.append(eval_summary(rep, _report_command(rep)))
    manifest["eval"] = evals
    if go is None and manifest.get("go_source") != "manual":
        manifest["go"] = bool(evals) and all(e["decision"]["go"] for e in evals)
        manifest["go_source"] = "eval" if evals else "none"
    elif go is not None:  # (else a decision by hand recorded earlier stands)
        manifest["go"], manifest["go_source"] = bool(go), "manual"
    dest_dir = Path(dest).expanduser() if dest else builtin.package_adapters_dir()
    dest_dir.mkdir(parents=True, exist_ok=True)
    out_gguf, out_json = dest_dir / f"{manifest['name']}.gguf", dest_dir / f"{manifest['name']}.json"
    builtin.validate_manifest(manifest, out_json)
    with atomic_path(out_json) as part_json, atomic_path(out_gguf) as part_gguf:  # renamed: .gguf, then .json
        shutil.copyfile(gguf, part_gguf)
        if sha256_file(part_gguf) != manifest["sha256"]:
            raise ModelError(f"{gguf}: changed while being copied; try again")
        part_json.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    log(f"installed built-in adapter {manifest['name']} ({manifest['sha256'][:12]}…, go: "
        f"{str(manifest['go']).lower()}) in {dest_dir}")
    return [out_gguf, out_json]


def _report_command(report: dict[str, Any]) -> str:
    """The `ragtune eval run` command a report came from, rebuilt from what it records."""
    argv = ["ragtune", "eval", "run", (report.get("dataset") or {}).get("path", "?"),
            "--arms", ",".join(report.get("arms") or {}), "--adapter", report.get("adapter", "?"),
            "--seed", report.get("seed", 0)]
    if report.get("split"):
        argv += ["--split", report["split"]]
    if report.get("limit") or report.get("n_questions"):
        argv += ["--limit", report.get("limit") or report.get("n_questions")]
    if report.get("answer_mode"):
        argv += ["--mode", report["answer_mode"]]
    if (report.get("safety") or {}).get("n_items"):
        argv += ["--safety"]
    return _cmd(argv)


__all__ = ["RebuildOptions", "STEPS", "eval_summary", "machine_info", "make_manifest", "plan", "promote", "rebuild"]
