"""`ragtune dataset build|report` and `ragtune train` / `ragtune train-eval` (behavioural tuning, extra [train]).

The appliance never imports the training stack at import time: `ragtune.models.dataset`/`ragtune.models.curate` are plain Python;
`ragtune.models.train` imports torch/peft/transformers lazily through `ragtune.appliance.errors.require`."""

from __future__ import annotations

from pathlib import Path

import click

from ..appliance.errors import InputError
from .common import checked_path, cli, pass_app, print_json, say, shown_path

_err = say  # progress and notes name the user's paths

# what each input must be: a device (/dev/zero read until memory ran out) is said as what it is, before any work
# `dataset build` records its sources and --out in its files (train.jsonl, report.json, dataset_config.json are UTF-8
# text): a path whose bytes are not UTF-8 failed writing them, after the whole build
_BUILT = "the dataset's files record it"
# A JSONL file is read as lines: a pipe (`--qa <(grep … qa.jsonl)`) is read once into a spool file
# (common.checked_path). Not --docs (documents are read by name: the suffix picks the reader), --config (TOML or
# JSON by its suffix) nor --init-adapter (a folder, or a GGUF read by seeking)
_JSONL = checked_path(reads="a JSONL file", utf8=_BUILT, pipes=True)
_DATASET = checked_path(reads="a built dataset folder or a training JSONL file", pipes=True)
_FOLDER = checked_path(reads="a folder")


@cli.group("dataset")
def dataset_group() -> None:
    """Build and inspect training datasets (the training JSONL format)."""


@dataset_group.command("build")
@click.option("--corpus", "corpus", multiple=True, metavar="NAME|DIR", callback=checked_path(utf8=_BUILT),
              help="Behaviour-corpus domain (repeatable): a domain name, 'train' (all train domains), or a folder with docs/ + qa.jsonl.")
@click.option("--questions", "questions", default="qa", metavar="NAME",
              help="Which question file of each corpus domain: qa (default) or another <name>.jsonl beside it, e.g. contrast.")
@click.option("--allow-dev", is_flag=True, help="Allow dev domains (they measure generalisation: only for evaluation sets).")
@click.option("--from-pack", "from_pack", is_flag=True, help="Add the sample domain pack (documents + labelled questions).")
@click.option("--qa", "qa_file", type=click.Path(dir_okay=False), callback=_JSONL,
              help="Labelled questions JSONL (the pack's qa.jsonl format).")
@click.option("--docs", "docs_dir", type=click.Path(), callback=checked_path(reads="a folder", utf8=_BUILT),
              help="Documents the --qa questions are about (ingested into a scratch home).")
@click.option("--from-log", "log_file", type=click.Path(dir_okay=False), callback=_JSONL,
              help="A `ragtune log export` file, or your own training-format JSONL lines (validated, curated).")
@click.option("--out", "out", required=True, type=click.Path(), callback=checked_path(utf8=_BUILT),
              help="Output folder (or a train .jsonl path whose folder is used).")
@click.option("--k", "k", default=0, type=int, help="Sources per example, 1-6 (0: the serving retrieve.k) [0].")
@click.option("--chunk-tokens", default=0, type=int, help="Chunk size of the scratch ingest, 16-254 (0: the serving ingest.chunk_tokens) [0].")
@click.option("--answer-style", type=click.Choice(["short", "sentence"]), default="short", show_default=True,
              help="Target answer: the corpus' short span, or the whole evidence sentence.")
@click.option("--drop-share", default=0.25, show_default=True, type=float, help="Answerable questions that also get a copy without their answer source(s) (target: refusal).")
@click.option("--oracle-share", default=1.0, show_default=True, type=float, help="Answer-not-retrieved questions that also get a copy with the gold source put in.")
@click.option("--distractor-share", default=0.5, show_default=True, type=float, help="Examples with chunks of other documents mixed in.")
@click.option("--max-distractors", default=2, show_default=True, type=int, help="At most this many distractors per example.")
@click.option("--shuffle-share", default=0.5, show_default=True, type=float, help="Examples whose sources are shuffled (the rest keep rank order).")
@click.option("--inject-share", default=0.05, show_default=True, type=float, help="Examples where a source not holding the answer carries an injected instruction (never cited).")
@click.option("--augment", default=0, show_default=True, type=int, help="Augmented variants per question (disfluent, typo, keywords), each an example.")
@click.option("--augment-kinds", default="disfluent,typo,keywords", show_default=True, help="Which augmentations, comma-separated.")
@click.option("--holdout-frac", default=0.2, show_default=True, type=float, help="Newest share of the dated lines held out.")
@click.option("--refusal-share", default=-1.0, show_default=True, type=float, help="Target refusal share in train (<0 = as built).")
@click.option("--max-intent-share", default=1.0, show_default=True, type=float, help="Cap on any one intent's share in train (1 = none).")
@click.option("--mix-frac", default=0.07, show_default=True, type=float, help="Share of general + safety examples (0 or 0.05-0.10).")
@click.option("--no-scrub", is_flag=True, help="Skip PII/secret scrubbing.")
@click.option("--no-fit", is_flag=True, help="Skip the serving tokenizer (no generator-window fit, no prompt-token counts): faster.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed for distractors, shuffling, augmentation, balancing.")
@click.option("--limit", default=0, type=int, help="Only the first N questions of each set (quick builds).")
@click.option("--eval-set", "eval_sets", multiple=True, metavar="PATH", callback=checked_path(reads="an evaluation set"),
              help="An evaluation set (as `eval run` takes it) whose questions must not be trained on; repeatable. "
                   "The sets the home has evaluated on are always checked.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_app
def build_cmd(app, corpus, questions, allow_dev, from_pack, qa_file, docs_dir, log_file, out, k, chunk_tokens,
              answer_style, drop_share, oracle_share, distractor_share, max_distractors, shuffle_share, inject_share, augment, augment_kinds,
              holdout_frac, refusal_share, max_intent_share, mix_frac, no_scrub, no_fit, seed, limit, eval_sets, as_json) -> None:
    """Build train.jsonl + holdout.jsonl (+ report, dataset_config.json with sha256s and options).

    From labelled questions (behaviour corpus, sample pack, a folder or a qa.jsonl; combinable) the RAFT recipe:
    serving retrieval over a cached scratch home, answer/refusal targets citing only the sources that hold the
    answer, answer-removed copies, distractors, shuffling, question augmentation. Or a query-log export, passed
    through. Then curation (schema, scrub, dedup, temporal holdout, balance, mix)."""
    import sys

    from ragtune.models import dataset as ds
    from ragtune.models.build import DatasetOptions, build_dataset

    opts = DatasetOptions(
        corpus=list(corpus), questions=questions, allow_dev=allow_dev, from_pack=from_pack, qa=qa_file or "",
        docs=docs_dir or "", from_log=log_file or "", k=k, chunk_tokens=chunk_tokens, answer_style=answer_style,
        drop_share=drop_share, oracle_share=oracle_share, distractor_share=distractor_share, max_distractors=max_distractors,
        shuffle_share=shuffle_share, inject_share=inject_share, augment=augment, augment_kinds=augment_kinds,
        holdout_frac=holdout_frac, refusal_share=refusal_share, max_intent_share=max_intent_share, mix_frac=mix_frac,
        scrub=not no_scrub, fit=not no_fit, seed=seed, limit=limit)
    command = ["ragtune", *sys.argv[1:]] if sys.argv and "ragtune" in sys.argv[0] else None
    report = build_dataset(app.settings, opts, out, command=command, log=_err, progress=ds.stderr_progress("questions"),
                           eval_sets=list(eval_sets))
    out_dir = report["out"]
    if (note := _near_dup_holdout_note(report)) is not None:
        _err(note)
    if as_json:
        print_json(report)
    else:
        from ragtune.models.curate import report_markdown

        click.echo(report_markdown(report))
        click.echo(f"wrote {shown_path(out_dir)}/train.jsonl ({report['train_lines']}), holdout.jsonl ({report['holdout_lines']}), "
                   "report.md, dataset_config.json")
        if report["train_lines"] and _for_scoring(opts):
            # the build docs/tuning.md gives for a set to score (serving contexts, nothing added): an eval set
            _err(f"next: ragtune eval run {shown_path(Path(out_dir) / 'train.jsonl')} --arms A,C --adapter ID   (every "
                 "share 0 and no holdout: serving's contexts as they are, a set to score; to train, build with the "
                 "default shares)")
        elif report["train_lines"]:
            more = _continue_served(Path(out_dir)) if log_file else ""
            _err(f"next: ragtune train --data {shown_path(out_dir)} --out runs/{shown_path(Path(out_dir).name)}{more}"
                 f"{_train_cost(report)}")
        else:
            _err(f"warning: train.jsonl is empty: nothing to train on (see {shown_path(out_dir)}/report.md)")


def _near_dup_holdout_note(report: dict) -> str | None:
    """Said on stderr when near-duplicates moved half the holdout or more to training (report.md says it too, but a
    holdout score over the few lines left, or none, is easy to miss there)."""
    sp = report.get("split") or {}
    moved, left = sp.get("near_duplicates_trained") or 0, sp.get("holdout") or 0
    if not moved or moved < left:
        return None
    now = "is empty" if not left else f"has {left} line{'s' if left != 1 else ''} left"
    return (f"note: {moved} of the {moved + left} newest lines train instead of being held out (a near-duplicate "
            f"of each trains): the holdout {now}; the near-duplicate pairs are in report.md")


def _for_scoring(opts) -> bool:
    """A build with every RAFT share, the mix and the holdout at 0 (docs/tuning.md's build of a set to score)."""
    return not opts.from_log and not any((opts.drop_share, opts.oracle_share, opts.distractor_share,
                                          opts.shuffle_share, opts.inject_share, opts.mix_frac, opts.holdout_frac,
                                          opts.augment))


def _train_cost(report: dict) -> str:
    """What that `ragtune train` will cost on a CPU (its defaults: 2 epochs), from the build's prompt lengths: a
    whole build can be hours on 2 cores, a quick check is a few --max-steps."""
    from ragtune.models.train.config import TrainConfig, cpu_cost

    tokens = ((report.get("build") or {}).get("prompt_tokens") or {}).get("mean")
    if not tokens:  # --no-fit, a query-log build: no counts
        return ""
    d = TrainConfig()
    lines = report["train_lines"]
    return (f"\n  ({d.epochs} epochs over {lines} lines of ~{round(tokens)} prompt tokens: "
            f"{cpu_cost(d.epochs * lines, tokens)} on a CPU, at best half that in wall time on 2 idle cores, more on "
            f"a busy box; a GPU takes minutes. A quick check: --max-steps 5 trains {5 * d.examples_per_step} "
            f"examples, {cpu_cost(5 * d.examples_per_step, tokens)})")


def _continue_served(out_dir: Path) -> str:
    """After a query-log build: the options that continue the adapter that answered its questions. `ragtune train`
    starts a fresh LoRA on the base model: from a few reviewed lines that loses what the served adapter learnt (round
    43, two steps over 16 log lines: 19 % of a 16-question set from a fresh LoRA, 69 % continuing the built-in
    adapter, which scored 75 %)."""
    from collections import Counter

    from ..appliance.builtin_adapters import builtin_with_id
    from ..appliance.errors import RagtuneError
    from ..models.dataset import read_examples

    served = Counter(ex.get("meta", {}).get("adapter") for _, ex in read_examples(out_dir / "train.jsonl"))
    served.pop(None, None)  # the mix lines, and answers of the base model
    if not served:
        return ""
    adapter = served.most_common(1)[0][0]
    try:
        b = builtin_with_id(adapter)
    except RagtuneError:
        b = None
    if b is None:
        return (f" --init-adapter ADAPTER --targets T --r R   (ADAPTER: the peft folder or GGUF LoRA of "
                f"{str(adapter)[:12]}, the adapter that answered these questions, with its targets and rank: a "
                "fresh LoRA starts from the base model)")
    cfg = (b.manifest.get("training") or {}).get("config") or {}
    flags = "".join(f" --{k} {cfg[k]}" for k in ("targets", "r", "alpha") if cfg.get(k) is not None)
    return (f" --init-adapter {shown_path(b.file)}{flags}   (continue {b.name}, the adapter that answered these "
            "questions: a fresh LoRA starts from the base model)")


@dataset_group.command("hard")
@click.argument("src", type=click.Path(file_okay=False), callback=_FOLDER)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output dataset folder.")
@click.option("--examples", default=600, show_default=True, type=int, help="Lines to write (hard answers + refusals).")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the sample and its order.")
@click.option("--exclude", multiple=True, type=click.Path(file_okay=False), callback=_FOLDER,
              help="A dataset folder (an earlier cut) whose lines are not picked again; repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print hard_config.json as one JSON object.")
def hard_cmd(src, out, examples, seed, exclude, as_json) -> None:
    """Cut a built dataset SRC down to its hard answered lines (a look-alike entity beside the answer) plus
    refusals at SRC's refusal share: data for a short run that starts from a trained adapter (--init-adapter)."""
    from ragtune.models.hard import select_hard

    cfg = select_hard(src, out, examples, seed, exclude)
    if as_json:
        print_json(cfg)
    else:
        click.echo(f"{shown_path(out)}: {cfg['examples']} lines ({cfg['hard']} hard answers of {cfg['source_hard']} in "
                   f"{shown_path(src)}, "
                   f"{cfg['refusals']} refusals)")


@dataset_group.command("merge")
@click.argument("srcs", nargs=-1, required=True, type=click.Path(), callback=_DATASET)
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Output dataset folder.")
@click.option("--allow-mixed", is_flag=True,
              help="Merge builds of other context shapes or answer styles (k, chunk size, answer style) too.")
@click.option("--eval-set", "eval_sets", multiple=True, metavar="PATH", callback=checked_path(reads="an evaluation set"),
              help="An evaluation set whose questions must not be trained on; repeatable (the home's are always checked).")
@click.option("--weight", "weights", multiple=True, metavar="SRC=N",
              help="Train the source SRC's train lines N times (1-100; its holdout lines once); repeatable. "
                   "Recorded as the source's weight in dataset_config.json.")
@click.option("--json", "as_json", is_flag=True, help="Print the merged dataset_config.json as one JSON object.")
@pass_app
def merge_cmd(app, srcs, out, allow_mixed, eval_sets, weights, as_json) -> None:
    """Append built datasets (folders, or training JSONL files such as a query-log export) into one folder, in the
    order given: every line validated, nothing re-curated; dataset_config.json names each source and its sha256."""
    from ragtune.models import leakage
    from ragtune.models.dataset import read_examples
    from ragtune.models.merge import merge_datasets, parse_weights

    cfg = merge_datasets(list(srcs), out, allow_mixed=allow_mixed, log=_err, weights=parse_weights(weights))
    train = Path(out) / "train.jsonl"  # empty when every source held its lines out
    leak = leakage.check(read_examples(train) if _has_lines(train) else [], app.settings.home, eval_sets)
    for line in [f"note: evaluation set {n}" for n in (leak or {}).get("notes", [])] + [leakage.warning(leak) or ""]:
        if line:
            _err(line)
    if as_json:
        print_json(cfg)
    else:
        click.echo(f"{shown_path(out)}: {cfg['train']['lines']} train / {cfg['holdout']['lines']} holdout lines from "
                   f"{len(srcs)} datasets ({cfg['shared_lines']} lines held by more than one, "
                   f"{cfg['shared_lines_left_out']} kept once), "
                   f"sha256 {cfg['dataset_sha256'][:12]}…")


@dataset_group.command("report")
@click.argument("path", type=click.Path(), callback=_DATASET)
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_app
def report_cmd(app, path, as_json) -> None:
    """Show the curation report of a built dataset folder, or curate-check a JSONL file without writing."""
    from ragtune.models.curate import CurateConfig, curate, report_markdown
    from ragtune.models.dataset import read_examples

    from ragtune.appliance.jsonl import read_json_object

    p = Path(path)
    rp = None
    if p.is_dir():
        rp = p / "report.json"
        if not rp.is_file():
            made = "hard" if (p / "hard_config.json").is_file() else None
            if made is None and (p / "dataset_config.json").is_file():
                opts = read_json_object(p / "dataset_config.json").get("build_options")
                made = "merge" if isinstance(opts, dict) and "merge" in opts else None
            if made:  # not curated again: its sources were
                raise InputError(f"{p}: no report.json: a `dataset {made}` output is not curated again",
                                 hint=f"its sources' reports: ragtune dataset report SRC (sources in "
                                      f"{'hard_config.json' if made == 'hard' else 'dataset_config.json'}); "
                                      f"its own lines: ragtune dataset report {p / 'train.jsonl'}")
            raise InputError(f"{p}: no report.json (not a built dataset folder)")
        report = read_json_object(rp)
    elif p.is_file():
        from ragtune.models import leakage

        lines = read_examples(p, strict=False)
        _, _, report = curate(lines, CurateConfig(mix_frac=0.0, refusal_share=-1, max_intent_share=1.0),
                              serving={"context_tokens": app.settings.retrieve.context_tokens})
        leak = leakage.check([(w, e) for w, e in lines if isinstance(e, dict)], app.settings.home)
        if leak is not None:  # as a build of these lines would say it
            report["eval_overlap"] = leak
            if (warn := leakage.warning(leak)) is not None:
                _err(warn)
    else:
        raise InputError(f"{p}: not found")
    if as_json:
        print_json(report)
        return
    try:
        text = report_markdown(report)
    except (AttributeError, TypeError, KeyError, ValueError) as exc:
        if rp is None:
            raise
        raise InputError(f"{rp}: not a curation report as `ragtune dataset build` writes it "
                         f"({type(exc).__name__}: {exc})") from None
    click.echo(text)


@cli.command("train")
@click.option("--data", required=True, type=click.Path(), callback=_DATASET,
              help="A built dataset folder (train/holdout.jsonl) or one JSONL file.")
@click.option("--out", required=True, type=click.Path(),
              callback=checked_path(utf8="the next step, `ragtune convert lora`, takes it as UTF-8 text"),
              help="Output folder for the adapter and its metadata.")
@click.option("--config", "recipe", type=click.Path(dir_okay=False), callback=checked_path(reads="a recipe file"),
              help="A recipe file (.toml/.json) of training options; options given here override it.")
@click.option("--base", default=None, help="Base model: a Hugging Face folder or a .gguf (default: the served SmolLM2 GGUF).")
@click.option("--qlora", is_flag=True, default=None, help="4-bit NF4 base with double quantization (bitsandbytes; CUDA or CPU).")
@click.option("--targets", type=click.Choice(["attention", "all-linear"]), default=None, help="LoRA on the attention projections, or on all linear ones incl. the MLP [attention].")
@click.option("--r", "r", default=None, type=int, help="LoRA rank, 8-16 [8].")
@click.option("--alpha", default=None, type=int, help="LoRA alpha [2 x r].")
@click.option("--dropout", default=None, type=float, help="LoRA dropout [0.05].")
@click.option("--epochs", default=None, type=int, help="1-3; early stopping on the holdout loss [2].")
@click.option("--max-steps", default=None, type=int, help="Stop after N optimizer steps (0 = no limit).")
@click.option("--lr", default=None, type=float, help="Learning rate [2e-4].")
@click.option("--batch-size", default=None, type=int, help="Examples per forward pass, length-bucketed and padded; speed only, same loss [1].")
@click.option("--grad-accum", default=None, type=int, help="Forward passes per optimizer step; examples per step = batch size x this [4].")
@click.option("--max-len", default=None, type=int, help="Skip examples longer than this, in tokens [2048].")
@click.option("--weight-status", default=None, type=float, help="Loss weight of the status value's tokens (1-10) [2].")
@click.option("--weight-citations", default=None, type=float, help="Loss weight of the citation ids' tokens (1-10) [2].")
@click.option("--warmup-steps", default=None, type=int, help="Linear warmup, in optimizer steps [5].")
@click.option("--save-every", default=None, type=int, help="Checkpoint every N optimizer steps [20].")
@click.option("--max-holdout", default=None, type=int, help="Holdout examples scored per epoch [64].")
@click.option("--seed", default=None, type=int, help="Random seed (data order, LoRA init, dropout) [0].")
@click.option("--threads", default=None, type=int, help="torch CPU threads [2].")
@click.option("--bf16", is_flag=True, default=None, help="bfloat16 autocast (CUDA, or CPUs with avx512_bf16/AMX).")
@click.option("--resume", is_flag=True, default=None, help="Continue from OUT/checkpoint.")
@click.option("--init-adapter", default=None, type=click.Path(exists=True),
              callback=checked_path(reads="a peft adapter folder or a GGUF LoRA"),
              help="Start from this trained adapter (a peft folder or GGUF LoRA of the same targets, r and alpha) instead of a fresh LoRA.")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@pass_app
def train_cmd(app, data, out, recipe, as_json, **opts) -> None:
    """Train a LoRA/QLoRA adapter that teaches the answer behaviour (schema, citations, refusals).

    The data is validated before the training stack loads; OUT is created only once the model has loaded."""
    from ragtune.models.train.config import make_config

    cfg = make_config(recipe, data=data, out=out, **opts)
    from ragtune.models.train import train

    try:  # a raw --data file is trained as it is: prepare() notes what a `dataset build --from-log` of it would fix
        metrics = train(cfg, home=app.settings.home, context_tokens=app.settings.retrieve.context_tokens)
    except KeyboardInterrupt:  # Ctrl-C: say what was kept and how to go on (the CLI then exits 130, "aborted")
        _err(_interrupted(Path(out), data, recipe, opts))
        raise
    if as_json:
        print_json(metrics)
    else:
        speed = (f"{metrics['examples_per_s']} examples/s, {metrics['tokens_per_s']} tokens/s, "
                 if metrics["examples_per_s"] is not None else "")
        best = metrics["best_holdout_loss"]
        best = "no holdout lines" if best is None else f"best holdout loss {round(best, 4)}"
        click.echo(f"adapter written to {shown_path(out)} ({metrics['steps']} steps, {metrics['train_seconds']} s, {speed}{best})")
        _err(f"next: ragtune convert lora {shown_path(out)} --out {shown_path(Path(out).name)}.gguf   (a GGUF LoRA the "
             "appliance serves: `ragtune ask --adapter ID`, `ragtune models activate ID`)")


def _interrupted(out: Path, data: str, recipe: str | None, opts: dict | None = None) -> str:
    """What a Ctrl-C left: the last checkpoint's step and the command that resumes from it."""
    from ..appliance.jsonl import loads_located

    state = out / "checkpoint" / "state.json"
    try:
        step = loads_located(state.read_bytes(), state)["step"]
    except (OSError, KeyError, TypeError, InputError):  # InputError: damaged (a long number, [[[[… too)
        return f"interrupted: no checkpoint in {out} yet (the next run starts from the beginning)"
    from ..appliance.spool import original

    given = original(data)  # a pipe: its spool is gone once this command ends; the same lines must come again
    data = data if given is None else f"<the lines of {given} (a pipe) again>"
    # the options given, as given: --max-len, --grad-accum, … must be the same for the checkpoint to resume
    import shlex

    flags = "".join(f" --{k.replace('_', '-')}" + ("" if v is True else f" {shlex.quote(str(v))}")
                    for k, v in (opts or {}).items() if v is not None and v is not False and k != "resume")
    again = f"ragtune train --data {data} --out {out}{f' --config {recipe}' if recipe else ''}{flags} --resume"
    return f"interrupted: the checkpoint in {out} holds step {step}; continue with: {again}"


def _has_lines(path: Path) -> bool:
    with open(path, "rb") as fh:
        return any(line.strip() for line in fh)


@cli.command("train-eval")
@click.option("--data", required=True, type=click.Path(), callback=_DATASET,
              help="A dataset folder (its holdout.jsonl) or a JSONL file.")
@click.option("--adapter", default=None, type=click.Path(file_okay=False), help="A trained adapter folder (omit = base).")
@click.option("--base", default="", help="Base model (default: the served SmolLM2 GGUF, dequantized).")
@click.option("--limit", default=0, type=int, help="Score only the first N examples.")
@click.option("--threads", default=2, show_default=True, type=int, help="torch CPU threads.")
@click.option("--max-new-tokens", default=96, show_default=True, type=int, help="Generation budget per answer.")
@click.option("--bf16", is_flag=True, help="bfloat16 autocast while generating (same setting for before and after).")
@click.option("--items", "items_path", type=click.Path(dir_okay=False), help="Also write one JSON line per example here.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as one JSON object.")
@pass_app
def train_eval_cmd(app, data, adapter, base, limit, threads, max_new_tokens, bf16, items_path, as_json) -> None:
    """HF-side before/after check: refusal correctness and citation accuracy on held-out training-format lines."""
    from ragtune.models.dataset import read_examples
    from ragtune.models.train import evaluate_hf

    p = Path(data)
    f = p / "holdout.jsonl" if p.is_dir() else p
    if p.is_dir() and f.is_file() and not _has_lines(f):
        raise InputError(f"{f}: no examples (the build held none out: one date, or --holdout-frac 0)",
                         hint=f"score other lines: ragtune train-eval --data FILE.jsonl (lines the adapter was "
                              f"not trained on; {p / 'train.jsonl'} only measures fit)")
    rows = [ex for _, ex in read_examples(f)]

    def prog(i: int, n: int) -> None:
        if i % 2 == 0 or i == n:
            click.echo(f"eval {i}/{n}", err=True)
    res = evaluate_hf(rows, base=base, adapter=adapter, home=app.settings.home, threads=threads, limit=limit,
                      max_new_tokens=max_new_tokens, bf16=bf16, items_path=items_path, progress=prog)
    res["adapter"] = adapter or "none"
    if as_json:
        print_json(res)
    else:
        for k in ("n", "schema_valid_rate", "refusal_correctness", "citation_accuracy", "refusal_recall",
                  "answer_rate_on_answerable", "seconds"):
            click.echo(f"{k}: {res[k]}")
