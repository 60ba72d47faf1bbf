"""`ragtune tune default`: rebuild the built-in default adapter from the repository
(ragtune/models/default_adapter.py)."""

from __future__ import annotations

from pathlib import Path

import click

from ..appliance.text import escaped
from .common import checked_path, cli, pass_app, print_json, say, shown_path
from .models_cmd import BUILTIN_DEST

# The rebuild converts in --work with llama.cpp's convert script and evaluates into it (`eval run` records its
# paths): a path whose bytes are not UTF-8 would fail there, after hours of training. Said before any work.
_WORK = checked_path(utf8="llama.cpp's convert script and the eval run take it as UTF-8 text")


@cli.group("tune")
def tune_group() -> None:
    """Rebuild adapters from a recipe file in one command (dataset build, train, convert, manifest)."""


@tune_group.command("default")
@click.option("--recipe", type=click.Path(dir_okay=False), default=None, callback=checked_path(reads="a recipe file"),
              help="Recipe file (default: ragtune/models/recipes/default.toml).")
@click.option("--work", type=click.Path(file_okay=False), default=None, callback=_WORK,
              help="Folder for the data, the adapter and the GGUF (default: HOME/tune/<name>).")
@click.option("--resume", is_flag=True, help="Continue an interrupted rebuild of the same recipe in --work.")
@click.option("--eval", "run_eval", is_flag=True,
              help="Then `ragtune eval run` (arms A,C) on the recipe's [eval] sets; go = every decision is go.")
@click.option("--eval-set", "eval_sets", multiple=True, type=click.Path(),
              callback=checked_path(reads="a BEIR folder or a training-format .jsonl file",
                                    utf8="the eval run records it", pipes=True),
              help="An evaluation set instead of the recipe's (repeatable; implies --eval).")
@click.option("--eval-limit", type=click.IntRange(min=0), default=None,
              help="Questions per set (0 = all) [the recipe's].")
@click.option("--promote", is_flag=True, help="Then install it as the built-in adapter (models promote-builtin).")
@click.option("--dest", type=click.Path(file_okay=False), default=None, callback=BUILTIN_DEST,
              help="With --promote: where to install (default: the package's ragtune/appliance/adapters/).")
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="torch CPU threads [the recipe's, 2].")
@click.option("--batch-size", type=click.IntRange(1, 256), default=None,
              help="Examples per forward pass (speed only: grad_accum follows, so each optimizer step keeps the "
                   "recipe's examples and the loss is the same) [the recipe's].")
@click.option("--bf16", is_flag=True, default=None, help="bfloat16 autocast (CUDA, or CPUs with avx512_bf16/AMX).")
@click.option("--sdist", type=click.Path(), envvar="RAGTUNE_LLAMA_SDIST",
              callback=checked_path(reads="an sdist .tar.gz or a folder holding it",
                                    utf8="llama.cpp's convert script and its log take it as UTF-8 text"),
              help="llama-cpp-python sdist of the installed version (for convert lora).")
@click.option("--dry-run", is_flag=True, help="Print the steps (as the equivalent commands) and stop.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def tune_default(app, recipe, work, resume, run_eval, eval_sets, eval_limit, promote, dest, threads, batch_size, bf16,
                 sdist, dry_run, as_json) -> None:
    """Rebuild the built-in default adapter: dataset build, train, convert lora, manifest (then eval, promote).

    Every option of the build lives in the recipe file, so the adapter's lineage can be reproduced; the manifest
    records the machine and the seconds of every step. Training on 2 CPU cores is an overnight job (docs/tuning.md);
    --resume continues after an interruption."""
    from ragtune.models.default_adapter import RebuildOptions, plan, rebuild
    from ragtune.models.recipes import load_recipe

    opts = RebuildOptions(work=Path(work) if work else None, recipe=Path(recipe) if recipe else None, resume=resume,
                          eval=run_eval or bool(eval_sets), eval_sets=list(eval_sets), eval_limit=eval_limit,
                          promote=promote, dest=Path(dest) if dest else None, threads=threads, batch_size=batch_size,
                          bf16=bf16, sdist=sdist)
    if dry_run:
        rec = load_recipe(opts.recipe)
        steps = plan(app.settings, rec, opts)
        if as_json:
            print_json({"recipe": rec.to_json(), "steps": [{"step": n, "command": c} for n, c in steps]})
            return
        click.echo(f"recipe {shown_path(rec.path)} (sha256 {rec.sha256[:12]}…), adapter {escaped(rec.name)}:")
        for n, (name, cmd) in enumerate(steps, start=1):
            click.echo(f"{n}. {name}: {shown_path(cmd)}")  # its paths: a byte that is not UTF-8 as \xe9
        return
    try:
        out = rebuild(app.settings, opts, log=say)
    except KeyboardInterrupt:  # hours of work: say what was kept and the command that goes on (exit 130 follows)
        from ragtune.models.default_adapter import interrupted

        say(f"{interrupted(app.settings, opts)}; continue with: {_resume_command()}")
        raise
    if as_json:
        print_json(out)
        return
    click.echo(f"{out['id']}  {shown_path(out['gguf'])}  go: {str(out['go']).lower()}  ({out['wall_s']:.0f} s)")
    click.echo(f"manifest: {shown_path(out['manifest'])}")
    for p in out.get("promoted", []):
        click.echo(f"installed: {shown_path(p)}")
    if not out.get("promoted"):
        again = f"ragtune tune default{f' --recipe {shown_path(recipe)}' if recipe else ''} --work " \
                f"{shown_path(out['work'])} --resume"
        step = f"{again} --eval (the go decision)" if not opts.eval else \
            (f"{again} --promote (install it as the built-in adapter)" if out["go"] else "a better recipe (no-go)")
        say(f"next: ragtune ask --adapter {out['id'][:12]} QUESTION (try it), then {step}")


def _resume_command() -> str:
    """The command line that was run, with --resume (the same recipe, --work and speed knobs)."""
    import shlex
    import sys

    args = [a for a in sys.argv[1:] if a != "--resume"]
    return shown_path(shlex.join(["ragtune", *args, "--resume"]))
