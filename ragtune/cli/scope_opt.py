"""`--in REF` of `ragtune ask`, `ragtune search` and `ragtune chat`: answer or search within part of the
documents. REFs resolve the way `ragtune docs remove` resolves them (an id, a path, a folder: every document under
it, a corpus file: its rows; relative paths from the current folder), and one that matches no ingested document is
an error (exit 2), never a silent empty scope."""

from __future__ import annotations

from typing import Any, Callable

import click

IN_HELP = ("Only from these documents: an id, a path, or a folder (every document under it) as `ragtune docs list` "
           "shows them. Repeatable.")


def in_option(f: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--in", "within", multiple=True, metavar="REF", help=IN_HELP)(f)


def _nothing_ingested() -> Exception:
    from ..appliance.errors import NothingIngested

    return NothingIngested("nothing is ingested yet, so there is nothing to search within",
                           hint="run `ragtune ingest PATH` first")


def scope_filters(store: Any, refs: tuple[str, ...] | list[str]) -> dict[str, Any] | None:
    """The retrieval filters of `--in` REFs (None when none are given)."""
    if not refs:
        return None
    from ..appliance.ingest.documents import select_documents
    from .docs_cmd import _refs

    if store.count_documents() == 0:  # said as such, not as "no document matches" each REF
        raise _nothing_ingested()
    return {"doc_ids": sorted(d.id for d in select_documents(store, _refs(list(refs))))}


def home_scope(settings: Any, refs: tuple[str, ...] | list[str]) -> dict[str, Any] | None:
    """`scope_filters` over the home's store, opened for this alone (`ragtune chat --in`: resolved before the app
    starts, so a typo is exit 2 on the command line). A home without a database is not given one."""
    if not refs:
        return None
    if not settings.home.db_path.is_file():
        raise _nothing_ingested()
    from ..appliance.store import open_store

    store = open_store(settings.home)
    try:
        return scope_filters(store, refs)
    finally:
        store.close()


def within_note(filters: dict[str, Any] | None) -> str:
    """How many documents a scope holds, for a human reader ("" without one)."""
    if not filters:
        return ""
    n = len(filters["doc_ids"])
    return f"within {n} document{'' if n == 1 else 's'}"
