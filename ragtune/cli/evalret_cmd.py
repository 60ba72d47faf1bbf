"""`ragtune eval retrieval`: nDCG/recall/MRR of bm25, vector and hybrid retrieval on a BEIR folder."""

from __future__ import annotations

from pathlib import Path

import click

from .common import pass_app, print_json
from .eval_cmd import eval_group


@eval_group.command("retrieval")
@click.argument("dataset_dir", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Evaluate only the first N queries.")
@click.option("--home", "eval_home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Ingest into (and reuse) this home instead of a scratch one.")
@click.option("--use-current-home", is_flag=True, help="Ingest into (and reuse) the current RAGTUNE home.")
@click.option("--mode", "modes", type=click.Choice(["bm25", "vector", "hybrid"]), multiple=True,
              help="Only these modes (repeatable; default all three).")
@click.option("--tune", is_flag=True, help="Also grid-search the fusion weights on a dev split; report dev/test.")
@pass_app
def eval_retrieval(app, dataset_dir: Path, as_json: bool, limit: int | None, eval_home: Path | None,
                   use_current_home: bool, modes: tuple[str, ...], tune: bool) -> None:
    """Score retrieval on DATASET_DIR (corpus.jsonl, queries.jsonl, qrels/test.tsv): nDCG@10, recall@1/6/20,
    MRR@10 for bm25, vector and hybrid. The corpus is ingested into a scratch home unless --home is given."""
    from ..appliance.errors import InputError
    from ..appliance.eval.retrieval import evaluate

    if eval_home is not None and use_current_home:
        raise InputError("use either --home or --use-current-home, not both")
    settings = app.settings
    home = eval_home if eval_home is not None else (settings.home if use_current_home else None)
    result = evaluate(settings, dataset_dir, modes=modes or ("bm25", "vector", "hybrid"), limit=limit, home=home,
                      tune=tune)
    if tune:
        result["tune"].pop("grid", None)
    if as_json:
        print_json(result)
        return
    click.echo(f"{result['queries']} queries")
    metrics = ("ndcg@10", "recall@1", "recall@6", "recall@20", "mrr@10")
    click.echo(f"{'mode':<8}" + "".join(f"{m:>11}" for m in metrics))
    for mode in ("bm25", "vector", "hybrid"):
        if mode in result:
            click.echo(f"{mode:<8}" + "".join(f"{result[mode][m]:>11.4f}" for m in metrics))
    if tune:
        t = result["tune"]
        b = t["best"]
        click.echo(f"\nfusion tuned on dev ({t['queries']['dev']} q), reported on test ({t['queries']['test']} q):")
        click.echo(f"  best: bm25_weight={b['bm25_weight']} vector_weight={b['vector_weight']} rrf_k={b['rrf_k']} "
                   f"original_query_weight={b['original_query_weight']}")
        rows = (("best", b), ("current", t["current"]), ("plain RRF", t["plain_rrf"]),
                ("plain RRF, text as given", t["plain_rrf_original_text"]))
        for name, row in rows:
            click.echo(f"  {name:<25} dev ndcg@10={row['dev']['ndcg@10']:.4f}  test ndcg@10={row['test']['ndcg@10']:.4f}"
                       f"  test recall@6={row['test']['recall@6']:.4f}")
