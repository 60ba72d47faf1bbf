"""`ragtune eval retrieval`: nDCG/recall/MRR of bm25, vector, hybrid (and hybrid+rerank) on a BEIR folder or on
behaviour-corpus domains; `--tune` fits the fusion on a dev split and writes it into the home's config."""

from __future__ import annotations

from pathlib import Path

import click

from .common import checked_path, pass_app, print_json, say, shown_path
from .eval_cmd import eval_group

METRICS = ("ndcg@10", "recall@1", "recall@6", "recall@20", "mrr@10")


@eval_group.command("retrieval")
@click.argument("dataset_dir", type=click.Path(path_type=Path), required=False,
                callback=checked_path(reads="a BEIR folder"))
@click.option("--corpus", "corpus", multiple=True,
              help="Behaviour-corpus domains instead of a folder: a domain, 'train', 'dev' or 'all' (repeatable). "
                   "Judged per chunk: the chunks of the gold document that hold the answer.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Evaluate only the first N queries.")
@click.option("--split", type=click.Choice(["dev", "test"]), default=None,
              help="Only this half of the queries (a hash of the query id: the halves --tune and `rerank train` "
                   "fit on (dev) and hold out (test)).")
@click.option("--home", "eval_home", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Ingest into (and reuse) this home instead of a scratch one.")
@click.option("--use-current-home", is_flag=True, help="Ingest into (and reuse) the current RAGTUNE home.")
@click.option("--mode", "modes", type=click.Choice(["bm25", "vector", "hybrid", "hybrid+rerank"]), multiple=True,
              help="Only these modes (repeatable; default bm25, vector, hybrid, and hybrid+rerank with a reranker).")
@click.option("--rerank", "rerank", default=None, help="A reranker (registry id or folder) for hybrid+rerank.")
@click.option("--tune", is_flag=True,
              help="Also fit the fusion (method, weights) on a dev split, report dev/test, and write it into the "
                   "config when it beats the current one on dev.")
@click.option("--no-write", is_flag=True, help="With --tune: report only, change no config.")
@pass_app
def eval_retrieval(app, dataset_dir: Path | None, corpus: tuple[str, ...], as_json: bool, limit: int | None,
                   split: str | None, eval_home: Path | None, use_current_home: bool, modes: tuple[str, ...], rerank: str | None,
                   tune: bool, no_write: bool) -> None:
    """Score retrieval on DATASET_DIR (corpus.jsonl, queries.jsonl, qrels/test.tsv) or on --corpus domains:
    nDCG@10, recall@1/6/20, MRR@10. The documents are ingested into a scratch home unless --home is given."""
    from ..appliance.errors import InputError
    from ..appliance.eval.retrieval import evaluate, shown_by

    if eval_home is not None and use_current_home:
        raise InputError("use either --home or --use-current-home, not both")
    if split and tune:
        raise InputError("--split and --tune: --tune splits the queries itself")
    if bool(dataset_dir) == bool(corpus):
        raise InputError("give a dataset folder or --corpus DOMAIN, not both or neither")
    settings = app.settings
    if rerank:
        settings = settings.replace("retrieve", rerank=rerank)
    if corpus:
        from ..models.corpus.retrieval import corpus_set

        dataset = corpus_set(list(corpus))
    else:
        dataset = dataset_dir
    home = eval_home if eval_home is not None else (settings.home if use_current_home else None)
    modes = modes or None  # evaluate picks every mode the settings allow
    with shown_by(say):  # the library logs its progress (ragtune.eval); the CLI shows it on stderr, as before
        result = evaluate(settings, dataset, modes=modes, limit=limit, home=home, tune=tune, split=split)
    if tune:
        result["tune"].pop("grid", None)
        if not no_write:
            from ..appliance.eval.fusion_tune import write_fusion

            target = Path(settings.source) if settings.source not in ("defaults", "<config>") else settings.home.config_path
            written = write_fusion(target, result["tune"])
            result["tune"]["written"] = {"path": str(target), "retrieve": written} if written else None
    if as_json:
        print_json(result)
        return
    unjudged = result.get("queries_unjudged")
    click.echo(f"{result['queries']} queries" + (f" ({split} half)" if split else "")
               + (f"; {unjudged} without a relevant judgement in the qrels left out (e.g. unanswerable ones)"
                  if unjudged else ""))
    click.echo(f"{'mode':<14}" + "".join(f"{m:>11}" for m in METRICS))
    for mode in ("bm25", "vector", "hybrid", "hybrid+rerank"):
        if mode in result:
            click.echo(f"{mode:<14}" + "".join(f"{result[mode][m]:>11.4f}" for m in METRICS))
    if tune:
        t = result["tune"]
        b = t["best"]
        click.echo(f"\nfusion tuned on dev ({t['queries']['dev']} q), reported on test ({t['queries']['test']} q):")
        click.echo(f"  best: fusion={b['fusion']} bm25_weight={b['bm25_weight']} vector_weight={b['vector_weight']} "
                   f"rrf_k={b['rrf_k']} original_query_weight={b['original_query_weight']}")
        rows = (("best", b), ("current", t["current"]), ("plain RRF", t["plain_rrf"]),
                ("plain RRF, text as given", t["plain_rrf_original_text"]))
        for name, row in rows:
            click.echo(f"  {name:<25} dev ndcg@10={row['dev']['ndcg@10']:.4f}  test ndcg@10={row['test']['ndcg@10']:.4f}"
                       f"  test recall@6={row['test']['recall@6']:.4f}")
        if t.get("written"):
            click.echo(f"  written to {shown_path(t['written']['path'])}: {t['written']['retrieve']}")
        elif not no_write:
            click.echo("  config unchanged (the current fusion is as good on dev)")
