"""`ragtune search`: show what retrieval returns for a query, with every stage's rank and score."""

from __future__ import annotations

import click

from ..appliance.text import clipped, escaped
from .common import cli, pass_app, print_json, rust_quieted, text_or_stdin, unsearched
from .scope_opt import in_option, scope_filters, within_note


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def fused_ranks(res) -> dict[int, int]:
    """chunk id -> its rank (from 1) in the fused list, before the reranker and MMR moved it."""
    return {h.chunk_id: i for i, h in enumerate(res.candidates, start=1)}


def print_hits(res) -> None:
    """The table of `res.hits`, in their served order (#). `fused` is each hit's rank:score in the fused list, so a
    hit the reranker or MMR moved up shows where fusion had it (round 54: rank 2 at fused 0.42 above rank 3 at 0.58
    read as a mis-sort); `rerank`, the reranker's own score, only where one ran. When # is not the fused order, one
    stderr line says what it is."""
    fused_rank = fused_ranks(res)
    reranked = any(h.rerank is not None for h in res.hits)
    click.echo(f"{'#':>2}  {'fused':>11}  {'bm25':>11}  {'vector':>11}  " + (f"{'rerank':>7}  " if reranked else "")
               + "source")
    for i, h in enumerate(res.hits, start=1):
        fr = fused_rank.get(h.chunk_id)
        fu = f"{h.fused:.4f}" if fr is None else f"{fr}:{h.fused:.4f}"
        bm = "-" if h.bm25_rank is None else f"{h.bm25_rank}:{_fmt(h.bm25_score, '.2f')}"
        vec = "-" if h.vector_rank is None else f"{h.vector_rank}:{_fmt(h.vector_score, '.3f')}"
        rr = f"{_fmt(h.rerank, '.3f'):>7}  " if reranked else ""
        # a file name can hold a newline or an escape sequence: shown escaped, so one hit stays two lines
        click.echo(f"{i:>2}  {fu:>11}  {bm:>11}  {vec:>11}  {rr}{escaped(h.source)} [chunk {h.chunk_id}]")
        # 160 columns: a Chinese snippet takes as much room as an English one, an emoji is not cut in half
        click.echo(f"    {clipped(escaped(' '.join(h.text.split())), 160)}")
    ranks = [fused_rank.get(h.chunk_id) for h in res.hits]
    if ranks != sorted(ranks, key=lambda r: (r is None, r or 0)):  # (stderr: stdout stays the table)
        by = "the reranker's score blended with the fused score" if reranked else "the fused score"
        click.echo(f"(# is the served order: by {by}, then MMR diversity; fused and bm25/vector are rank:score in "
                   "their own lists)", err=True)


@cli.command("search")
@click.argument("query")
@click.option("--k", "k", type=click.IntRange(1, 6), default=None, help="Chunks to return (1..6; default [retrieve] k).")
@click.option("--mode", type=click.Choice(["hybrid", "bm25", "vector"]), default="hybrid", show_default=True,
              help="Retriever(s) to use.")
@click.option("--no-cache", is_flag=True, help="Bypass the retrieval cache.")
@in_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def search(app, query: str, k: int | None, mode: str, no_cache: bool, within: tuple[str, ...],
           as_json: bool) -> None:
    """Rank stored chunks for QUERY (BM25 + vectors, fused) without generating an answer. QUERY `-` reads it from
    stdin.

    Columns: # is the served order (the reranker's score blended with the fused score where a reranker runs, then
    MMR diversity); fused, bm25 and vector are each list's rank:score; rerank is the reranker's score."""
    from ..appliance.errors import InputError
    from ..appliance.normalize import empty_question
    from ..appliance.retrieve import Retriever
    from ..appliance.store import open_store

    query = text_or_stdin(query, "query")
    if not query.strip():
        raise empty_question(query)
    settings = app.existing_home()  # a missing --home folder: "home X does not exist", as ask/docs/log say
    if not settings.home.db_path.exists():
        raise InputError(f"nothing ingested yet in {settings.home.root}", hint="run: ragtune ingest PATH…")
    store = open_store(settings.home)
    try:
        if store.count_chunks() == 0:
            from ..appliance.scope import ingest_running, nothing_ingested

            if ingest_running(store.path):  # (not "run: ragtune ingest", the command running)
                raise nothing_ingested(store)
            raise InputError(f"nothing ingested yet in {settings.home.root}", hint="run: ragtune ingest PATH…")
        filters = scope_filters(store, within)
        with Retriever(settings, store=store) as r:
            with rust_quieted():  # a damaged keyword index: rebuilt, said in ragtune's line, not in Rust's panic
                res = r.retrieve(query, k=k, mode=mode, use_cache=not no_cache, filters=filters)
            note = None if mode == "bm25" else unsearched(r, store, settings)
    finally:
        store.close()
    if note:  # stderr, once: stdout stays the hits (or the --json object)
        click.echo(f"note: {escaped(note)}", err=True)
    if as_json:
        obj, ranks = res.to_json(), fused_ranks(res)
        for h in obj["hits"]:  # added, nothing renamed: the list's order is the served one, not the fused one
            h["fused_rank"] = ranks.get(h["chunk_id"])
        print_json(obj)
        return
    if res.normalized_query != " ".join(query.split()):
        click.echo(f"query: {escaped(res.normalized_query)}", err=True)
    if filters:
        click.echo(f"({within_note(filters)})", err=True)
    if not res.hits:
        click.echo("no matching chunks")
        return
    print_hits(res)
    click.echo(f"({res.retrieval_ms:.1f} ms{', cached' if res.cached else ''})", err=True)
