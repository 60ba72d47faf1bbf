"""`ragtune rerank train`: fine-tune a small cross-encoder for the retriever's rerank stage (extra [train])."""

from __future__ import annotations

from pathlib import Path

import click

from .common import cli, pass_app, print_json


@cli.group("rerank")
def rerank_group() -> None:
    """Train the cross-encoder that re-orders the retriever's top candidates."""


@rerank_group.command("train")
@click.option("--corpus", "corpus", multiple=True, default=("train",), show_default=True,
              help="Behaviour-corpus domains to learn from (a domain, or 'train'); dev domains are refused.")
@click.option("--pack/--no-pack", default=True, show_default=True, help="Also learn from the sample pack.")
@click.option("--layers", default=2, show_default=True, type=int, help="Transformer layers of MiniLM-L6 to keep (1-6).")
@click.option("--epochs", default=1, show_default=True, type=int)
@click.option("--lr", default=1e-4, show_default=True, type=float, help="Encoder learning rate (the head's is 10x).")
@click.option("--negatives", default=3, show_default=True, type=int, help="Hard negatives per question and step.")
@click.option("--max-len", default=224, show_default=True, type=int, help="Tokens of question + passage.")
@click.option("--groups-per-step", default=4, show_default=True, type=int, help="Questions per optimizer step.")
@click.option("--threads", default=1, show_default=True, type=int, help="CPU threads (torch and onnxruntime).")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Work folder (pairs, model, report); default HOME/rerankers/<timestamp>.")
@click.option("--work-home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Ingest the training documents here (reused) instead of a scratch home.")
@click.option("--pairs", "pairs_in", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Reuse the pairs.jsonl of an earlier run instead of mining again.")
@click.option("--no-register", is_flag=True, help="Do not add the model to the registry.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as one JSON object.")
@pass_app
def train_cmd(app, corpus, pack, layers, epochs, lr, negatives, max_len, groups_per_step, threads, seed, out,
              work_home, pairs_in, no_register, as_json) -> None:
    """Mine (question, chunk) pairs from the corpus TRAIN domains and the pack (positives: chunks holding the gold
    answer; hard negatives: BM25 and vector misses), fine-tune MiniLM-L6 as a cross-encoder, export ONNX (int8
    where it holds accuracy) and register it. Serve it with `[retrieve] rerank = "<id>"`."""
    from ragtune.models.rerank_train import RerankTrainConfig, run

    cfg = RerankTrainConfig(layers=layers, epochs=epochs, lr=lr, negatives=negatives, max_len=max_len,
                            groups_per_step=groups_per_step, threads=threads, seed=seed)
    report = run(app.settings, corpus=list(corpus), pack=pack, cfg=cfg, out=out, home=work_home, pairs_in=pairs_in,
                 register=not no_register)
    if as_json:
        print_json(report)
        return
    click.echo(f"trained on {report['groups']['train']} questions ({report['train_seconds']:.0f}s), "
               f"held-out MRR {report['mrr_held_out']['base']:.3f} -> {report['mrr_held_out']['torch_fp32']:.3f}; "
               f"ONNX {report['quantization']} {report['mrr_held_out_onnx']}")
    if "id" in report:
        click.echo(f"registered reranker {report['id']}\n  serve it: [retrieve] rerank = \"{report['id'][:16]}\"")
