"""`ragtune eval run`: A/B/C answer evaluation with a report and a go/no-go decision."""

from __future__ import annotations

import signal
import threading
from pathlib import Path

import click

from .common import FiniteFloatRange, checked_path, pass_app, print_json, shown_path
from .eval_cmd import eval_group

SEED_MAX = 2**32 - 1  # llama.cpp's sampler seed is 32-bit: a larger one would decode as its low 32 bits
# /dev/null as the set was "no such file or folder", /dev/zero never ends: a device is said as what it is. A pipe
# (`eval run <(grep … set.jsonl)`) is a training-format set read into a spool file (a BEIR folder cannot be one)
_DATASET = checked_path(reads="a BEIR folder or a training-format .jsonl file", pipes=True)


class _stop_on_sigterm:  # noqa: N801 - used as a `with` statement
    """SIGTERM (`timeout`, a batch scheduler, systemd) stops an eval as Ctrl-C does (round 49: it ended the process
    without a word): the answer in flight is dropped, the stored ones kept, and the exit is 143 (128 + the signal,
    130 for Ctrl-C) without the "aborted" line under the message. A second SIGTERM ends the process at once; a handler
    someone else installed, or a thread other than the main one, is left alone."""

    def __init__(self) -> None:
        self.signum = signal.SIGINT
        self.previous: object = None

    def __enter__(self) -> "_stop_on_sigterm":
        if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
            self.previous = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.signum = signum
        signal.signal(signal.SIGTERM, signal.SIG_DFL)  # asked twice: ended now
        raise KeyboardInterrupt

    @property
    def by(self) -> str:
        return " (SIGTERM)" if self.signum == signal.SIGTERM else ""

    @property
    def code(self) -> int:
        return 128 + int(self.signum)

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)  # type: ignore[arg-type]


@eval_group.command("run")
@click.argument("dataset", required=False, type=click.Path(), callback=_DATASET)
@click.option("--arms", default="A,B,C", show_default=True, help="Arms to run: A RAG-only base, B tune-only, C hybrid.")
@click.option("--adapter", default=None, help="Adapter id for arms B and C (default: config, else the active one).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Seeded sample of N questions (stratified by answerability).")
@click.option("--seed", type=click.IntRange(0, SEED_MAX), default=None, help="Seed for sampling and decoding (default: generate.seed).")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Report folder (default: HOME/eval/RUN_ID).")
@click.option("--replay", is_flag=True, help="Evaluate the questions in the home's query log instead of a DATASET.")
@click.option("--safety/--no-safety", default=None,
              help="Run the shipped safety set (jailbreaks, injected documents) too. Default: yes, except with "
                   "--limit (then N means N questions per arm).")
@click.option("--mode", type=click.Choice(["extractive", "free"]), default=None,
              help="Answer mode for every arm (default: [generate] answer_mode).")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None,
              help="Only a fixed half of the questions (by question id): dev to calibrate on, test to report on.")
@click.option("--adapter-refusal-threshold", type=FiniteFloatRange(0, 1), default=None,
              help="With [generate] refusal_threshold = \"auto\": the P(refused) threshold of the arms with the "
                   "adapter, instead of the one its manifest records (e.g. an adapter not installed yet).")
@click.option("--adapter-min-answer-logprob", type=FiniteFloatRange(max=0), default=None,
              help="With [generate] min_answer_logprob = \"auto\": the confidence floor of the arms with the "
                   "adapter, instead of the one its manifest records.")
@click.option("--adapter-evidence-cut", type=FiniteFloatRange(), default=None, metavar="FLOAT",
              help="With [generate] evidence_cut = \"auto\": the evidence cut of the arms with the adapter, "
                   "instead of the one its manifest records.")
@click.option("--adapter-answer-candidates", type=click.IntRange(1, 8), default=None,
              help="With [generate] answer_candidates = \"auto\": the answer candidates of the arms with the "
                   "adapter, instead of the number its manifest records.")
@click.option("--adapter-scale", type=float, default=None, callback=lambda ctx, param, v: _scale(v), metavar="FLOAT",
              help="With [generate] adapter_scale = \"auto\": the strength the arms with the adapter apply it at "
                   "(0 < s <= 4; 1.0 as trained), instead of the one its manifest records.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Answer engines working at once (each its own llama.cpp context, or one request in flight to "
                   "the generation server with generate.backend = 'openai').")
@click.option("--reuse", "reuse", multiple=True, metavar="RUN",
              help="Take the answers an earlier run (its id or report folder) gave with the same dataset, seed, "
                   "answer settings and, for arms B/C, adapter serving, instead of asking again (repeatable; you "
                   "vouch that the answering code did not change in between).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_app
def eval_run(app, dataset, arms, adapter, limit, seed, out, replay, safety, mode, split, adapter_refusal_threshold,
             adapter_min_answer_logprob, adapter_evidence_cut, adapter_answer_candidates, adapter_scale, concurrency,
             reuse, as_json):
    """Answer DATASET with arms A/B/C, score them, write report.json/.md/.html and decide go/no-go.

    DATASET is a BEIR folder with gold answers in the query metadata, or a training-format JSONL file
    (answered over its own context). Re-running the same command continues an interrupted run.
    """
    from ..appliance.eval.progress import stderr_progress
    from ..appliance.eval.run import EvalOptions, run_eval

    opts = EvalOptions(arms=arms, adapter=adapter, limit=limit, seed=seed, out=Path(out) if out else None,
                       replay=replay, safety=safety, mode=mode, split=split, concurrency=concurrency, reuse=list(reuse),
                       adapter_serving={k: v for k, v in (("refusal_threshold", adapter_refusal_threshold),
                                                          ("min_answer_logprob", adapter_min_answer_logprob),
                                                          ("evidence_cut", adapter_evidence_cut),
                                                          ("answer_candidates", adapter_answer_candidates),
                                                          ("adapter_scale", adapter_scale))
                                        if v is not None})
    with _stop_on_sigterm() as stop:
        try:
            report = run_eval(app.settings, dataset, opts, progress=stderr_progress())
        except KeyboardInterrupt:
            click.echo(f"interrupted{stop.by}: answers so far are stored; run the same command again to continue",
                       err=True)
            raise click.exceptions.Exit(stop.code) from None
    if as_json:
        print_json(report)
        return
    from ..appliance.eval.losses import summary
    from ..appliance.eval.report_render import decision_label, paired_line, task_success_breakdown

    dec = report["decision"]
    for name, m in report["arms"].items():
        ts = "n/a" if m["task_success"] is None else f"{100 * m['task_success']:.1f}%"
        if m["task_success"] is not None and task_success_breakdown(m):
            ts += f" ({task_success_breakdown(m)})"
        gr = "n/a" if m["groundedness"] is None else f"{100 * m['groundedness']:.1f}%"
        ha = "n/a" if m["hallucination_rate"] is None else f"{100 * m['hallucination_rate']:.1f}%"
        p95 = "n/a" if m["latency_p95_ms"] is None else f"{m['latency_p95_ms']:.0f} ms"
        click.echo(f"{name} ({m['label']}): n={m['n']} task success {ts}, groundedness {gr}, "
                   f"hallucination {ha}, p95 {p95}")
    for name, t in (report.get("losses") or {}).items():
        line = summary(t)
        if line:
            click.echo(f"{name} where lost: {line}")
    for name, s in (report.get("paired") or {}).items():
        click.echo("task success " + paired_line(name, s))
    if report.get("adapter_scale_adapter") is not None:  # in a report only when not 1.0
        click.echo(f"adapter scale: {report['adapter_scale_adapter']} (the arms with the adapter)")
    for note in report.get("notes", []):
        click.echo(f"note: {note}")
    for warning in report.get("warnings", []):
        click.echo(f"warning: {warning}")
    click.echo(f"decision: {decision_label(dec)}")
    for r in dec["reasons"]:
        click.echo(f"  - {r}")
    click.echo(f"report: {report['out']}/report.html")


@eval_group.command("calibrate")
@click.argument("dataset", type=click.Path(), callback=_DATASET)
@click.option("--arm", type=click.Choice(["A", "C"], case_sensitive=False), default="A", show_default=True,
              help="A: the base model with retrieval; C: with the adapter.")
@click.option("--adapter", default=None, help="Adapter id for arm C (default: config, else the active one).")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Seeded sample of N questions.")
@click.option("--seed", type=click.IntRange(0, SEED_MAX), default=None, help="Seed for sampling and decoding.")
@click.option("--split", type=click.Choice(["dev", "test", "all"]), default="dev", show_default=True,
              help="Which fixed half of the questions to calibrate on (report on the other with eval run --split).")
@click.option("--mode", type=click.Choice(["extractive", "free"]), default=None,
              help="Answer mode (default: [generate] answer_mode).")
@click.option("--min-precision", type=FiniteFloatRange(0, 1), default=0.7, show_default=True,
              help="Refusal precision the threshold must keep.")
@click.option("--min-recall", type=FiniteFloatRange(0, 1), default=0.7, show_default=True,
              help="Refusal recall the threshold must keep.")
@click.option("--max-answer-loss", type=FiniteFloatRange(0, 1), default=0.1, show_default=True,
              help="When no threshold reaches --min-precision: the share of right answers it may cost.")
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Report folder of the dev run.")
@click.option("--concurrency", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Answer engines working at once in the dev run (as eval run --concurrency).")
@click.option("--no-write", is_flag=True, help="Only print the result; do not write it to the home's config.")
@click.option("--judge", default=None, metavar="T,FLOOR,CUT",
              help="Also score these values (threshold, floor or off, evidence cut or own: the evidence model's), "
                   "chosen on another split, against those in force, question by question on the same run; "
                   "nothing is written.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
@pass_app
def eval_calibrate(app, dataset, arm, adapter, limit, seed, split, mode, min_precision, min_recall, max_answer_loss,
                   out, concurrency, no_write, judge, as_json):
    """Choose [generate] refusal_threshold, min_answer_logprob and evidence_cut on a dev split of DATASET; write
    them to the home's config.

    The split is answered once with the threshold at 1.0, no confidence floor and the evidence check open, the
    model's P(refused), each answer's least likely token and the evidence score recorded; every threshold is then
    scored offline (task success, refusal precision/recall) and the best one meeting the constraints wins; then
    the floor, at that threshold; then the evidence cut, at both (docs/answer.md).
    """
    from ..appliance.eval.calibrate import CalibrateOptions, calibrate
    from ..appliance.eval.progress import stderr_progress

    opts = CalibrateOptions(arm=arm, adapter=adapter, limit=limit, seed=seed, split=None if split == "all" else split,
                            mode=mode, min_precision=min_precision, min_recall=min_recall,
                            max_answer_loss=max_answer_loss, out=Path(out) if out else None, write=not no_write,
                            concurrency=concurrency, judge=_judge_values(judge) if judge is not None else None)
    with _stop_on_sigterm() as stop:
        try:
            res = calibrate(app.settings, dataset, opts, progress=stderr_progress())
        except KeyboardInterrupt:  # the answers are stored by the run beneath: said, as eval run says it
            click.echo(f"interrupted{stop.by}: answers so far are stored and nothing was written; run the same "
                       "command again to continue", err=True)
            raise click.exceptions.Exit(stop.code) from None
    if as_json:
        print_json(res)
        return

    def pct(v):
        return "n/a" if v is None else f"{100 * v:.1f}%"

    c = res["chosen"]
    click.echo(f"refusal_threshold = {res['threshold']} on {res['n']} questions ({res['split'] or 'all'}, arm {res['arm']}, "
               f"mode {res['mode']}): task success {pct(c['task_success'])}, refusal precision "
               f"{pct(c['refusal_precision'])}, recall {pct(c['refusal_recall'])}")
    d = res["at_default"]
    if d:
        click.echo(f"at {d['threshold']} (the default): task success {pct(d['task_success'])}, refusal precision {pct(d['refusal_precision'])}, "
                   f"recall {pct(d['refusal_recall'])}")
    if res["dropped_constraint"]:
        click.echo(f"note: no threshold met {res['dropped_constraint']}; chose the best without it")
    f, off = res["chosen_floor"], res["floor_rows"][0]
    floor = "off" if res["min_answer_logprob"] is None else res["min_answer_logprob"]
    click.echo(f"min_answer_logprob = {floor} at that threshold: task success {pct(f['task_success'])} (no floor: "
               f"{pct(off['task_success'])}), right answers {pct(f['task_success_answerable'])} "
               f"({pct(off['task_success_answerable'])})")
    if res["cut_rows"]:
        c = next(r for r in res["cut_rows"] if r["evidence_cut"] == res["evidence_cut"])
        own = res["cut_rows"][0]
        click.echo(f"evidence_cut = {res['evidence_cut']} at both: task success {pct(c['task_success'])} (the "
                   f"evidence model's own {own['evidence_cut']}: {pct(own['task_success'])}), right answers "
                   f"{pct(c['task_success_answerable'])} ({pct(own['task_success_answerable'])})")
    v, was = res["vs_in_force"], res["in_force"]
    from ..appliance.eval.paired import verdict

    click.echo(f"against the values in force before ({was['refusal_threshold']} / "
               f"{'off' if was['min_answer_logprob'] is None else was['min_answer_logprob']} / "
               f"{'n/a' if was['evidence_cut'] is None else was['evidence_cut']}), question by question: "
               f"{verdict(v, 'the values before', 'the chosen values')}")
    j = res["judged"]
    if j is not None:
        click.echo(f"judged {j['threshold']} / {'off' if j['min_answer_logprob'] is None else j['min_answer_logprob']} / "
                   f"{'n/a' if j['evidence_cut'] is None else j['evidence_cut']}: task success {pct(j['task_success'])}, "
                   f"refusal precision {pct(j['refusal_precision'])}, recall {pct(j['refusal_recall'])}, right answers "
                   f"{pct(j['task_success_answerable'])}; against the values in force: "
                   f"{verdict(j['vs_in_force'], 'the values before', 'the judged values')}")
    for warning in res.get("warnings", []):
        click.echo(f"warning: {warning}")
    click.echo(f"written to {shown_path(res['written'])}" if res["written"] else
               "not written (--judge)" if j is not None else "not written (--no-write)")


def _scale(value: float | None) -> float | None:
    """--adapter-scale: a number 0 < s <= 4 (config.is_scale, as [generate] adapter_scale)."""
    from ..appliance.calibrated import is_scale

    if value is not None and not is_scale(value):
        raise click.BadParameter(f"{value}: must be a number 0 < s <= 4 (the adapter's strength; 1.0 as trained)",
                                 param_hint="--adapter-scale")
    return value


def _judge_values(text: str) -> tuple[float, float | None, float | None]:
    """--judge "0.65,-3.75,-0.75" (or "0.6,off,own") -> (threshold, floor, cut); None: off / the evidence model's
    own cut."""
    parts = [x.strip().lower() for x in text.split(",")]
    try:
        if len(parts) != 3:
            raise ValueError
        return (float(parts[0]), None if parts[1] == "off" else float(parts[1]),
                None if parts[2] == "own" else float(parts[2]))
    except ValueError:
        raise click.BadParameter(f"{text!r}: expected THRESHOLD,FLOOR|off,CUT|own, e.g. 0.65,-3.75,-0.75",
                                 param_hint="--judge") from None


@eval_group.command("compare")
@click.argument("runs", nargs=-1, required=True, type=click.Path(),
                callback=checked_path(reads="an eval run's report folder, report.json or items.jsonl"))
@click.option("--arm", default="C", show_default=True, help="Arm of each NEW run (of the run, given one).")
@click.option("--base-arm", default=None, help="Arm of each BASE run (default: --arm; given one run, e.g. A).")
@click.option("--show", type=click.IntRange(min=0), default=10, show_default=True,
              help="List up to N of the questions that flipped (per pair).")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as one JSON object.")
@pass_app
def eval_compare(app, runs, arm, base_arm, show, as_json):
    """Compare eval runs question by question: which answers flipped, and whether the net change is more than
    chance (exact sign test, 95% interval).

    RUNS are report folders of `ragtune eval run` (or their report.json / items.jsonl): BASE NEW to compare two
    runs over the same dataset; BASE1 NEW1 BASE2 NEW2 … to judge several independent sets at once (their flips
    are pooled); one RUN to compare two of its arms (`ragtune eval compare RUN --base-arm A --arm C`). A run made
    before items.jsonl existed is read from the store of the home (--home) that made it, its dataset read again.
    """
    from ..appliance.errors import InputError
    from ..appliance.eval.paired import compare_many, verdict
    from ..appliance.eval.paired_latency import latency_line
    from ..appliance.eval.report_render import paired_interval, pct

    if len(runs) > 1 and len(runs) % 2:
        raise InputError(f"{len(runs)} runs given: give one run, or pairs of BASE NEW runs")
    pairs = [(runs[0], None)] if len(runs) == 1 else list(zip(runs[::2], runs[1::2]))
    # the home: where the answers of a run without items.jsonl are (its store), never created here
    res = compare_many(pairs, arm=arm.upper(), base_arm=base_arm.upper() if base_arm else None, home=app.home)
    if as_json:
        print_json(res)
        return

    def block(r: dict, bname: str, nname: str) -> None:
        for key, title in (("task_success", "task success"), ("answerable", "answerable right"),
                           ("unanswerable", "unanswerable refused")):
            s = r[key]
            if not s["n"]:
                continue
            ci = f", 95% CI {paired_interval(s)}" if s["ci95"] else ""
            click.echo(f"  {title}: {pct(s['base_rate'])} -> {pct(s['new_rate'])} ({100 * s['delta']:+.1f} pts{ci})")
            click.echo(f"    {verdict(s, bname, nname)}")

    def origins(r: dict, bname: str, nname: str) -> None:
        for d, how in (("up", f"gained by {nname} (how {bname} lost them)"),
                       ("down", f"lost by {nname} (how it loses them)")):
            if r["flips_from"][d]:
                click.echo(f"  {how}: " + ", ".join(f"{k} {v}" for k, v in r["flips_from"][d].items()))

    for r in res["pairs"]:
        b, n = r["base"], r["new"]
        one = n["path"] == b["path"]
        bname, nname = (f"arm {b['arm']}", f"arm {n['arm']}") if one else (f"BASE {b['arm']}", f"NEW {n['arm']}")
        where = f" of {b['path']}" if one else f" ({b['path']} vs {n['path']})"
        click.echo(f"{bname} vs {nname}{where}: {r['n_paired']} labelled questions in common"
                   + (f"; left out: {r['base_only']} only in BASE, {r['new_only']} only in NEW"
                      if r["base_only"] or r["new_only"] else ""))
        for note in r.get("notes", []):
            click.echo(f"  note: {note}")
        block(r, bname, nname)
        if (lat := latency_line(r.get("latency"), nname)) is not None:  # paired, beside the correctness lines
            click.echo(f"  {lat}")
        for f in r["flips"][:show]:
            gold = "; ".join(f["gold"]) if f["gold"] else "refusal"
            click.echo(f"  {'UP  ' if f['direction'] == 'up' else 'DOWN'} {f['qid']}: {f['question'][:100]} "
                       f"(gold: {gold[:60]})")
            click.echo(f"       {f['base']['where']}: {str(f['base']['answer'])[:90]!r} -> "
                       f"{f['new']['where']}: {str(f['new']['answer'])[:90]!r}")
        if len(r["flips"]) > show:
            click.echo(f"  ... {len(r['flips']) - show} more flips (--show N, or --json)")
        origins(r, bname, nname)
    if len(res["pairs"]) > 1:
        click.echo(f"pooled over {len(res['pairs'])} pairs of runs:")
        block(res["pooled"], "BASE", "NEW")
        if (lat := latency_line(res["pooled"].get("latency"))) is not None:
            click.echo(f"  {lat}")
        origins(res["pooled"], "BASE", "NEW")
