"""`ragtune rerank train`: build the retriever's reranker from the corpus's own labelled questions: the learned
feature model (default, numpy) or a MiniLM cross-encoder (`--kind cross-encoder`, extra [train])."""

from __future__ import annotations

from pathlib import Path

import click

from ragtune.appliance.errors import InputError, require_installed

from .common import FiniteFloatRange, checked_path, cli, pass_app, print_json, shown_path

_CE_ONLY = ("layers", "negatives", "max_len", "groups_per_step", "pairs_in")
_FEATURES_ONLY = ("top", "l2", "candidates_in")


@cli.group("rerank")
def rerank_group() -> None:
    """Train the reranker that re-orders the retriever's top candidates."""


@rerank_group.command("train")
@click.option("--kind", type=click.Choice(["features", "cross-encoder"]), default="features", show_default=True,
              help="features: a linear model over cheap features of each candidate (ms per query); "
                   "cross-encoder: MiniLM-L6 over (question, passage), ONNX (~0.5 s of CPU per query).")
@click.option("--corpus", "corpus", multiple=True, default=("train",), show_default=True,
              help="Behaviour-corpus domains to learn from (a domain, or 'train'); dev domains are refused.")
@click.option("--pack/--no-pack", default=True, show_default=True, help="Also learn from the sample pack.")
@click.option("--epochs", default=None, type=int,
              help="Training epochs (features: full-batch steps, best on the dev half kept; default 400. "
                   "cross-encoder: passes over the pairs; default 1).")
@click.option("--lr", default=None, type=float, help="Learning rate (features 0.05; cross-encoder 1e-4, head 10x).")
@click.option("--top", default=None, type=int, help="[features] Fused candidates per question (default 20).")
@click.option("--l2", default=None, type=float, help="[features] L2 penalty (default 1e-3).")
@click.option("--candidates", "candidates_in", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=checked_path(reads="a candidates JSONL file", pipes=True),
              help="[features] Reuse the candidates.jsonl of an earlier run instead of retrieving again.")
@click.option("--layers", default=None, type=int, help="[cross-encoder] MiniLM-L6 layers to keep (1-6; default 2).")
@click.option("--negatives", default=None, type=int, help="[cross-encoder] Hard negatives per question (default 3).")
@click.option("--max-len", default=None, type=int, help="[cross-encoder] Tokens of question + passage (default 224).")
@click.option("--groups-per-step", default=None, type=int, help="[cross-encoder] Questions per step (default 4).")
@click.option("--pairs", "pairs_in", type=click.Path(dir_okay=False, path_type=Path), default=None,
              callback=checked_path(reads="a pairs JSONL file", pipes=True),
              help="[cross-encoder] Reuse the pairs.jsonl of an earlier run instead of mining again.")
@click.option("--threads", default=1, show_default=True, type=int, help="CPU threads (embedder, torch, onnxruntime).")
@click.option("--seed", default=0, show_default=True, type=int, help="[cross-encoder] Random seed.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Work folder (candidates/pairs, model, report); default HOME/rerankers/<timestamp>.")
@click.option("--work-home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Ingest the training documents here (reused) instead of a scratch home.")
@click.option("--no-register", is_flag=True, help="Do not add the model to the registry.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_app
def train_cmd(app, kind, corpus, pack, epochs, lr, top, l2, candidates_in, layers, negatives, max_len,
              groups_per_step, pairs_in, threads, seed, out, work_home, no_register, as_json) -> None:
    """Learn a reranker from the corpus TRAIN domains and the pack (relevant: chunks of the gold document that
    hold the answer), fit how much of the final order is its (on the dev half of the questions), and register
    it. Serve it with `[retrieve] rerank = "<id>"`; measure it with `ragtune eval retrieval --rerank <id>`."""
    given = {k for k, v in dict(layers=layers, negatives=negatives, max_len=max_len, groups_per_step=groups_per_step,
                                pairs_in=pairs_in, top=top, l2=l2, candidates_in=candidates_in).items() if v is not None}
    wrong = sorted(given & set(_CE_ONLY if kind == "features" else _FEATURES_ONLY))
    if wrong:
        opts = ", ".join("--" + w.replace("_in", "").replace("_", "-") for w in wrong)
        raise InputError(f"{opts}: not an option of --kind {kind}")
    settings = app.settings.replace("embed", threads=threads)
    if kind == "features":
        from ragtune.models.rerank_ltr import LtrConfig, run as run_ltr

        cfg = LtrConfig(**{k: v for k, v in dict(top=top, epochs=epochs, lr=lr, l2=l2).items() if v is not None})
        report = run_ltr(settings, corpus=list(corpus), pack=pack, cfg=cfg, out=out, home=work_home,
                         candidates_in=candidates_in, register=not no_register)
        if as_json:
            print_json(report)
            return
        dev = report["halves"]["dev_half"]
        click.echo(f"trained on {report['questions']['trained_on']} questions; best epoch {report['best_epoch']}; "
                   f"interpolation weight {report['weight']}\n  dev half ({dev['questions']} questions) nDCG@10: "
                   f"hybrid {dev['hybrid']['ndcg@10']:.4f} -> hybrid+rerank {dev['hybrid+rerank']['ndcg@10']:.4f}")
    else:
        require_installed("train", "torch", "transformers")  # before minutes of mining pairs
        from ragtune.models.rerank_train import RerankTrainConfig, run

        defaults = dict(layers=layers, epochs=epochs, lr=lr, negatives=negatives, max_len=max_len,
                        groups_per_step=groups_per_step)
        cfg = RerankTrainConfig(threads=threads, seed=seed, **{k: v for k, v in defaults.items() if v is not None})
        report = run(settings, corpus=list(corpus), pack=pack, cfg=cfg, out=out, home=work_home, pairs_in=pairs_in,
                     register=not no_register)
        if as_json:
            print_json(report)
            return
        click.echo(f"trained on {report['groups']['train']} questions ({report['train_seconds']:.0f}s), "
                   f"held-out MRR {report['mrr_held_out']['base']:.3f} -> {report['mrr_held_out']['torch_fp32']:.3f}; "
                   f"ONNX {report['quantization']} {report['mrr_held_out_onnx']}")
    if "id" in report:
        click.echo(f"registered reranker {report['id']}\n  serve it: [retrieve] rerank = \"{report['id'][:16]}\"")


@rerank_group.command("fit-evidence")
@click.option("--corpus", "corpus", multiple=True, default=("train",), show_default=True,
              help="Behaviour-corpus domains to fit on (a domain, or 'train'); dev domains are refused.")
@click.option("--min-precision", default=0.5, show_default=True, type=FiniteFloatRange(0.05, 1.0),
              help="Refuse the lowest-scored questions while at least this share of them is unanswerable.")
@click.option("--limit", default=None, type=click.IntRange(20), help="A seeded sample of N questions (default: all).")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="Where to write evidence.json (beside the reranker it was fitted with, so that it is used).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_app
def fit_evidence_cmd(app, corpus, min_precision, limit, out, as_json) -> None:
    """Fit the pre-generation refusal model (the context's evidence that it holds the answer) on the corpus
    TRAIN domains, with the retriever and reranker in use, and write it as evidence.json. The answer engine uses
    it when it lies in the served reranker's folder ([generate] evidence_check)."""
    from ragtune.models.evidence_fit import run

    report = run(app.settings, corpus=list(corpus), out=out, min_precision=min_precision, limit=limit)
    if as_json:
        print_json(report)
        return
    click.echo(f"{report['questions']} questions ({report['unanswerable']} unanswerable): AUC {report['auc']:.3f}; "
               f"the cut refuses {100 * report['refused_share']:.0f}% of them, refusal precision "
               f"{100 * report['refusal_precision']:.0f}% / recall {100 * report['refusal_recall']:.0f}%\n"
               f"  wrote {shown_path(report['out'])}")
