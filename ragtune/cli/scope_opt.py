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


def scope_filters(store: Any, refs: tuple[str, ...] | list[str]) -> dict[str, Any] | None:
    """The retrieval filters of `--in` REFs (None when none are given): `appliance.scope.document_scope` of the
    REFs as the store can look them up (a name that cannot be stored is an InputError here)."""
    if not refs:
        return None
    from ..appliance.scope import document_scope
    from .docs_cmd import _refs, id_or_path

    refs = _refs(list(refs))
    id_or_path(store, refs)  # a team folder `2024` beside document 2024: said, not a silent one-document scope
    return document_scope(store, refs)


def home_scope(settings: Any, refs: tuple[str, ...] | list[str]) -> tuple[dict[str, Any] | None, list[str]]:
    """(`scope_filters` over the home's store, the REFs as the store looks them up): `ragtune chat --in`, resolved
    before the app starts, so a typo is exit 2 on the command line; the app keeps the refs to follow a folder when
    documents are ingested or removed while it runs. The store is opened for this alone; a home without a database
    is not given one. (None, []) without refs."""
    if not refs:
        return None, []
    if not settings.home.db_path.is_file():
        from ..appliance.scope import nothing_ingested

        raise nothing_ingested()
    from ..appliance.store import open_store
    from .docs_cmd import _refs

    store = open_store(settings.home)
    try:
        filters = scope_filters(store, refs)
    finally:
        store.close()
    return filters, ([] if filters is None else _refs(list(refs)))


def within_note(filters: dict[str, Any] | None) -> str:
    """How many documents a scope holds, for a human reader ("" without one)."""
    if not filters:
        return ""
    n = len(filters["doc_ids"])
    return f"within {n} document{'' if n == 1 else 's'}"
