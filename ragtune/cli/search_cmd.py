"""`ragtune search`: show what retrieval returns for a query, with every stage's rank and score."""

from __future__ import annotations

import click

from ..appliance.text import clipped, escaped
from .common import cli, pass_app, print_json, rust_quieted, text_or_stdin, unsearched
from .scope_opt import in_option, scope_filters, within_note


def _fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


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
    stdin."""
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
        print_json(res.to_json())
        return
    if res.normalized_query != " ".join(query.split()):
        click.echo(f"query: {escaped(res.normalized_query)}", err=True)
    if filters:
        click.echo(f"({within_note(filters)})", err=True)
    if not res.hits:
        click.echo("no matching chunks")
        return
    click.echo(f"{'#':>2}  {'fused':>7}  {'bm25':>11}  {'vector':>11}  source")
    for i, h in enumerate(res.hits, start=1):
        bm = "-" if h.bm25_rank is None else f"{h.bm25_rank}:{_fmt(h.bm25_score, '.2f')}"
        vec = "-" if h.vector_rank is None else f"{h.vector_rank}:{_fmt(h.vector_score, '.3f')}"
        # a file name can hold a newline or an escape sequence: shown escaped, so one hit stays two lines
        click.echo(f"{i:>2}  {h.fused:7.4f}  {bm:>11}  {vec:>11}  {escaped(h.source)} [chunk {h.chunk_id}]")
        # 160 columns: a Chinese snippet takes as much room as an English one, an emoji is not cut in half
        click.echo(f"    {clipped(escaped(' '.join(h.text.split())), 160)}")
    click.echo(f"({res.retrieval_ms:.1f} ms{', cached' if res.cached else ''})", err=True)
